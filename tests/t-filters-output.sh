#!/usr/bin/env bash
# -o FILE is private (0600, even over an existing file) and holds valid
# JSON lines; -p, -u and -c select exactly the processes asked for;
# --no-openssl leaves OpenSSL traffic alone; --stats prints a live line.
. "$(dirname "$0")/lib.sh"
need python3 setpriv curl openssl

unique filt >"$T/req"
printf 'r:{req}' >"$T/reply"
peer_serve srv --count 7 --reply "$T/reply"
SRV_PORT=$PORT
client() {	# client [peer.py client options]: sets CLIENT
	$PEER client --port "$PORT" --send "$T/req" --out "$T/got.$RANDOM" "$@" &
	CLIENT=$!
}
chmod 755 "$T"
chmod 644 "$T/req"	# read by the nobody client

# -o over an existing world-readable file: it becomes the owner's alone.
OUTF=$T/capture.jsonl
echo old >"$OUTF"
chmod 644 "$OUTF"
sniff_start -f json -o "$OUTF" -c python3
client; C1=$CLIENT; wait "$C1"
sniff_stop
[[ $(stat -c %a "$OUTF") == 600 ]] || fail "-o file mode $(stat -c %a "$OUTF"), want 600"
[[ ! -s $T/out ]] || fail "-o still wrote to stdout"
$RECORDS "$OUTF" --pid "$C1" --dir write --data >"$T/w"
assert_bytes "$T/req" "$T/w" "-o file content"
python3 - "$OUTF" <<'PY' || fail "-o file is not one valid JSON object per line"
import json, sys
lines = open(sys.argv[1], "rb").read().split(b"\n")
if lines[-1] != b"":
    sys.exit("last line not terminated")
keys = {"type", "timestamp_ns", "pid", "tid", "uid", "comm", "library", "function",
        "latency_ns", "direction", "length", "data", "truncated", "lost"}
for n, line in enumerate(lines[:-1], 1):
    r = json.loads(line)
    if not isinstance(r, dict) or (r.get("type") == "data" and not keys <= r.keys()):
        sys.exit("line %d: %r" % (n, line[:200]))
if len(lines) < 3:
    sys.exit("want at least a write and a read record")
PY

# -p: of two clients already running, only the one named is traced.
client --wait-file "$T/go1"; A=$CLIENT
client --wait-file "$T/go1"; B=$CLIENT
wait_for 10 grep -q libssl "/proc/$B/maps" || fail "client B did not load libssl"
sniff_start -f json -p "$A"
touch "$T/go1"
wait "$A" "$B"
sniff_stop
records --pid "$A" --dir write --data >"$T/w"
assert_bytes "$T/req" "$T/w" "-p: the named client"
[[ $(records --count) == $(records --pid "$A" --count) ]] || fail "-p let other processes in"

# -u: only the user asked for (the client runs as nobody, the server as root).
sniff_start -f json -u 65534 --stats
setpriv --reuid=65534 --regid=65534 --clear-groups \
	openssl s_client -connect "127.0.0.1:$PORT" -quiet <"$T/req" >/dev/null 2>&1 &
U=$!
wait "$U"
# --stats: a live summary line (once a second) before the final one.
wait_for 10 grep -q ' records, .* bytes captured; lost: ' "$T/err" || fail "--stats printed no live line"
sniff_stop
records --pid "$U" --dir write --data >"$T/w"
assert_bytes "$T/req" "$T/w" "-u: the nobody client"
[[ $(records --field uid | sort -u) == 65534 ]] || fail "-u let other users in"
# --stats with output to a file: a line a second, then the final summary.
[[ $(grep -c ' records, .* bytes captured; lost: ' "$T/err") -ge 2 ]] ||
	fail "--stats printed no live line: $(cat "$T/err")"

# -c: of a curl and a python client running at once, only curl is traced.
TOKEN=$(unique filt-curl)
printf '%s' "$TOKEN" >"$T/body"
peer_serve http --http --reply "$T/body"
sniff_start -f json -c curl
client --port "$SRV_PORT"; P=$CLIENT
curl -sk --http1.1 "https://127.0.0.1:$PORT/c-$TOKEN" -o "$T/curl.got" &
CURL=$!
wait "$P" "$CURL" || fail "client or curl failed"
sniff_stop
records --pid "$CURL" --dir read --data | tail -c ${#TOKEN} >"$T/r"
assert_bytes "$T/body" "$T/r" "-c curl: curl's response body"
[[ $(records --count) == $(records --comm curl --count) ]] || fail "-c curl let other commands in"
[[ $(records --pid "$P" --count) == 0 ]] || fail "-c curl traced the python client"
[[ $(records --pid "$SERVER" --count) == 0 ]] || fail "-c curl traced the python server"

# --no-openssl: s_client (libssl) is not traced; gnutls-cli beside it is.
PORT=$SRV_PORT
sniff_start -f json --no-openssl
openssl s_client -connect "127.0.0.1:$PORT" -quiet <"$T/req" >"$T/sc.got" 2>/dev/null &
SC=$!
if command -v gnutls-cli >/dev/null; then
	gnutls-cli --insecure --logfile=/dev/null -p "$PORT" 127.0.0.1 <"$T/req" >"$T/gc.got" 2>/dev/null &
	GC=$!
	wait "$GC"
fi
wait "$SC"
grep -qF "r:$(cat "$T/req")" "$T/sc.got" || fail "s_client did not get its reply"
sniff_stop
[[ $(records --pid "$SC" --count) == 0 ]] || fail "--no-openssl traced s_client"
[[ $(records --lib openssl --count) == 0 ]] || fail "--no-openssl traced OpenSSL"
if [[ -n ${GC:-} ]]; then
	records --pid "$GC" --dir write --data >"$T/w"
	cmp -s "$T/req" "$T/w" || { echo "gnutls-cli $GC read: $(cat "$T/gc.got")"
		echo "records per pid/function:"; records --field pid >"$T/p"; records --field function | paste "$T/p" - | sort | uniq -c; }
	assert_bytes "$T/req" "$T/w" "--no-openssl: gnutls-cli still traced"
fi
