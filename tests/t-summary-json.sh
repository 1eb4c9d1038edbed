#!/usr/bin/env bash
# --summary-json: the final summary as one JSON object, private (0600), whose
# counts are those of the traffic: bytes exactly what the two peers sent and
# received, records those of the JSON output, all from OpenSSL, none lost.
. "$(dirname "$0")/lib.sh"
need python3

# 3000 bytes one way; 200 KiB the other, several chunks in one SSL_write_ex
# and several SSL_read_ex calls on the client's side.
head -c 3000 /dev/urandom | od -An -tx1 | tr -d ' \n' | head -c 3000 >"$T/req"
head -c $((200 << 10)) /dev/urandom | tr -d '{' >"$T/reply"
peer_serve srv --reply "$T/reply"
$PEER client --port "$PORT" --send "$T/req" --out "$T/got" --wait-file "$T/go" &
CLIENT=$!
BG_PIDS+=($CLIENT)
# -p finds libssl in the client's maps: wait until python has loaded it.
wait_for 10 grep -q libssl "/proc/$CLIENT/maps" || fail "the client did not load libssl"

# An old file of another mode is made private.
install -m 0644 /dev/null "$T/sum.json"
sniff_start -f json -p "$SERVER,$CLIENT" --summary-json "$T/sum.json"
touch "$T/go"
wait "$CLIENT" || fail "client failed"
wait "$SERVER" || fail "server failed"
sniff_stop

cmp -s "$T/reply" "$T/got" || fail "the client's own read differs from the reply"
[[ $(stat -c %a "$T/sum.json") == 600 ]] || fail "summary file mode $(stat -c %a "$T/sum.json")"

# Every byte each side wrote, read by the other: twice the traffic.
want_bytes=$((2 * ($(wc -c <"$T/req") + $(wc -c <"$T/reply"))))
want_records=$(records --count)
# One SSL_read_ex and one SSL_write_ex on the server's side, at least as many
# on the client's.
[[ $(records --pid "$SERVER" --count) == 2 && $want_records -ge 4 ]] ||
	fail "$want_records records, $(records --pid "$SERVER" --count) of the server"
python3 - "$T/sum.json" "$want_bytes" "$want_records" <<'EOF' || fail "summary counts"
import json, sys
path, want_bytes, want_records = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
text = open(path).read()
if text.count("\n") != 1 or not text.endswith("\n"):
    sys.exit("not one line: %r" % text[:200])
s = json.loads(text)
# The protocol stage's counts: this traffic is not HTTP.
http = s.pop("http", None)
if http is None or any(http.values()):
    sys.exit("http counts %r" % http)
want = {"records": want_records, "bytes": want_bytes, "lost_records": 0, "lost_bytes": 0,
        "truncated_bytes": 0, "ring_full_calls": 0, "unreadable_bytes": 0,
        "untracked_calls": 0,
        "by_library": {"openssl": {"records": want_records, "bytes": want_bytes},
                       "gnutls": {"records": 0, "bytes": 0},
                       "nss": {"records": 0, "bytes": 0},
                       "go": {"records": 0, "bytes": 0}}}
if s != want:
    sys.exit("summary %s\n   want %s" % (json.dumps(s), json.dumps(want)))
EOF
# The stderr line says the same.
grep -q "^sslsniff: $want_records records, $want_bytes bytes captured; lost: 0 bytes" "$T/err" ||
	fail "summary line: $(grep '^sslsniff: [0-9]* records' "$T/err")"

# --max-bytes: what was cut is counted as truncated, not lost.
peer_serve srv2 --reply "$T/reply"
$PEER client --port "$PORT" --send "$T/req" --out "$T/got" --wait-file "$T/go2" &
CLIENT=$!
BG_PIDS+=($CLIENT)
wait_for 10 grep -q libssl "/proc/$CLIENT/maps" || fail "the client did not load libssl"
sniff_start -f json -p "$SERVER,$CLIENT" --max-bytes 1000 --summary-json "$T/sum2.json"
touch "$T/go2"
wait "$CLIENT" || fail "client failed"
sniff_stop
lengths=$(records --field length | paste -sd+)
python3 - "$T/sum2.json" "$want_bytes" "$lengths" <<'EOF' || fail "summary counts with --max-bytes"
import json, sys
s = json.load(open(sys.argv[1]))
total, lengths = int(sys.argv[2]), [int(x) for x in sys.argv[3].split("+")]
cut = sum(min(n, 1000) for n in lengths)
if sum(lengths) != total or s["bytes"] != cut or s["truncated_bytes"] != total - cut:
    sys.exit("bytes %d truncated %d; want %d and %d (lengths %s)"
             % (s["bytes"], s["truncated_bytes"], cut, total - cut, lengths))
if s["lost_bytes"] or s["by_library"]["openssl"]["bytes"] != cut:
    sys.exit("summary %s" % json.dumps(s))
EOF

# A summary that cannot be created: one line, exit 1, before any capture.
"$SSLSNIFF" -f json --summary-json "$T/no/such/dir/sum.json" >/dev/null 2>"$T/err2" </dev/null &&
	fail "an uncreatable summary file was accepted"
[[ $(grep -c 'error' "$T/err2") == 1 ]] &&
	tail -n 1 "$T/err2" | grep -q "^sslsniff: error: --summary-json: cannot create '$T/no/" ||
	{ cat "$T/err2" >&2; fail "want one error line about the summary file"; }
"$SSLSNIFF" -o "$T/x" --summary-json "$T/x" 2>"$T/err3" && fail "-o and --summary-json on one file"
grep -q "give them different files" "$T/err3" || fail "same-file error: $(cat "$T/err3")"
