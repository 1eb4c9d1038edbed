#!/usr/bin/env bash
# -o FILE is private (0600, even over an existing file); -p, -u and -c
# select exactly the processes asked for; --stats prints a live line.
. "$(dirname "$0")/lib.sh"
need python3 setpriv

unique filt >"$T/req"
printf 'r:{req}' >"$T/reply"
peer_serve srv --count 4 --reply "$T/reply"
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
sleep 1.5
sniff_stop
records --pid "$U" --dir write --data >"$T/w"
assert_bytes "$T/req" "$T/w" "-u: the nobody client"
[[ $(records --field uid | sort -u) == 65534 ]] || fail "-u let other users in"
# --stats with output to a file: a line a second, then the final summary.
[[ $(grep -c ' records, .* bytes captured; lost: ' "$T/err") -ge 2 ]] ||
	fail "--stats printed no live line: $(cat "$T/err")"
