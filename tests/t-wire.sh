#!/usr/bin/env bash
# -i lo: the plaintext decrypted from loopback's packets with the keys read
# at each handshake's return, and no probe on any read or write. curl and
# Python's client against Python's server, TLS 1.3 and 1.2, a 1 MiB body,
# 20 connections at once: both ends of every connection reported, each by
# the process that made its handshake, and every stream byte for byte the
# same as a per-call capture of the same traffic (a second sslsniff beside
# it). The summary accounts for every TLS record: all decrypted, none lost.
. "$(dirname "$0")/lib.sh"
need curl python3

head -c $((1 << 20)) /dev/urandom >"$T/body"
printf 'HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n' $((1 << 20)) >"$T/reply"
cat "$T/body" >>"$T/reply"
peer_serve srv --http --count 24 --reply "$T/body"

# Per-call capture of the same traffic, for the comparison.
percall_start "$T/percall.json"
sniff_start -f json -i lo --summary-json "$T/summary.json"
# Only the handshakes are probed: two probes (entry, return) in each file.
read -r probes files < <(sed -n 's/^sslsniff: attached \([0-9]*\) probes to \([0-9]*\) files .*/\1 \2/p' "$T/err")
[[ -n $probes && $probes == $((2 * files)) ]] ||
	fail "-i attached more than the handshakes: $(grep attached "$T/err")"

curl -sk --http1.1 "https://127.0.0.1:$PORT/$(unique c13)" -o "$T/got.c13" &
CURL13=$!
wait $CURL13 || fail "curl (TLS 1.3) failed"
curl -sk --http1.1 --tls-max 1.2 "https://127.0.0.1:$PORT/$(unique c12)" -o "$T/got.c12" &
CURL12=$!
wait $CURL12 || fail "curl (TLS 1.2) failed"
printf 'GET /%s HTTP/1.1\r\nHost: x\r\n\r\n' "$(unique p13)" >"$T/req"
peer_client
PY13=$CLIENT
printf 'GET /%s HTTP/1.1\r\nHost: x\r\n\r\n' "$(unique p12)" >"$T/req"
peer_client --tls12
PY12=$CLIENT
printf 'GET /many/{i} HTTP/1.1\r\nHost: x\r\n\r\n' >"$T/req"
peer_client --threads 20
PY20=$CLIENT
for got in "$T/got.c13" "$T/got.c12"; do
	assert_bytes "$T/body" "$got" "curl's body"
done
wait $SERVER || fail "the server failed: $(cat "$T/srv.err")"
sniff_stop
percall_stop

# Each client's two streams, exact.
for pid in $CURL13 $CURL12 $PY13 $PY12; do
	records --pid "$pid" --dir read --data >"$T/r.$pid"
	assert_bytes "$T/reply" "$T/r.$pid" "pid $pid's read stream"
	[[ $(records --pid "$pid" --dir write --data | head -c 4) == "GET " ]] ||
		fail "pid $pid's write stream is not its request"
done
for pid in $CURL13 $PY13; do
	[[ $(records --pid "$pid" --dir write --field tls_version | sort -u) == TLSv1.3 ]] ||
		fail "pid $pid: not TLS 1.3"
done
for pid in $CURL12 $PY12; do
	[[ $(records --pid "$pid" --dir write --field tls_version | sort -u) == TLSv1.2 ]] ||
		fail "pid $pid: not TLS 1.2"
done
# The 20 at once: 20 connections of the client, 24 of the server.
python3 "$TESTS_DIR/wire_streams.py" "$T/out" --pid "$PY20" >"$T/py20.streams"
[[ $(awk '$2 == "read" && $5 == '"$(wc -c <"$T/reply")"'' "$T/py20.streams" | wc -l) == 20 ]] ||
	fail "not 20 whole replies to the 20 connections: $(cat "$T/py20.streams")"
python3 "$TESTS_DIR/wire_streams.py" "$T/out" --pid "$SERVER" >"$T/srv.streams"
[[ $(awk '$2 == "write"' "$T/srv.streams" | wc -l) == 24 ]] ||
	fail "not 24 server write streams: $(cat "$T/srv.streams")"
# The same streams as per-call capture, byte for byte, every end of every connection.
pids=(--pid "$SERVER" --pid "$CURL13" --pid "$CURL12" --pid "$PY13" --pid "$PY12" --pid "$PY20")
python3 "$TESTS_DIR/wire_streams.py" "$T/out" "${pids[@]}" >"$T/wire.streams"
python3 "$TESTS_DIR/wire_streams.py" "$T/percall.json" "${pids[@]}" >"$T/percall.streams"
[[ $(wc -l <"$T/wire.streams") == 96 ]] || fail "$(wc -l <"$T/wire.streams") streams, want 96"
diff "$T/percall.streams" "$T/wire.streams" >"$T/streams.diff" ||
	fail "-i and per-call capture differ: $(head -n 6 "$T/streams.diff")"
# Nothing unexplained.
[[ $(summary_lost_bytes) == 0 ]] || fail "lost bytes: $(tail -n 1 "$T/err")"
python3 - "$T/summary.json" <<'PY' || fail "summary: $(cat "$T/summary.json")"
import json, sys
w = json.load(open(sys.argv[1]))["wire"]
assert w["records_decrypted"] > 0, w
for k in ("records_failed", "records_unkeyed", "bytes_lost", "tcp_gap_bytes", "unkeyed_conns",
          "keys_unmatched", "unplaced_ends", "late_ends", "packets_dropped"):
    assert w[k] == 0, (k, w)
assert w["keyed_conns"] == 24, w
PY
