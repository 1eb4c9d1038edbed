#!/usr/bin/env bash
# -i on a veth pair between two network namespaces the test makes, with
# packets dropped at random both ways (iptables' statistic match, 3 %, in
# each namespace's OUTPUT chain: before the capture sees them, so the
# capture sees holes, segments after them, and the retransmissions that
# fill them later: reordering at the capture point; and 2 % in the server's
# INPUT chain, after the capture saw them: duplicates). curl
# and Python's client in one namespace (sslsniff there too), Python's server
# in the other: a 1 MiB body each way: every end's streams byte for byte,
# the retransmitted bytes counted, no byte lost. (This kernel has no netem:
# iptables makes the loss.)
. "$(dirname "$0")/lib.sh"
need curl python3 ip iptables

NSA=sslsniff-wa$$
NSB=sslsniff-wb$$
ip netns add "$NSA" || skip "cannot make network namespaces"
NETNS_MADE+=("$NSA")
ip netns add "$NSB" || fail "second namespace"
NETNS_MADE+=("$NSB")
ip -n "$NSA" link add wa type veth peer name wb netns "$NSB" || fail "no veth pair"
ip -n "$NSA" addr add 10.219.0.1/24 dev wa
ip -n "$NSB" addr add 10.219.0.2/24 dev wb
for ns in "$NSA" "$NSB"; do
	ip -n "$ns" link set lo up
done
# Segments of one MSS (no GSO): a drop is one segment, and there are many.
ip -n "$NSA" link set wa gso_max_segs 1 up
ip -n "$NSB" link set wb gso_max_segs 1 up
drop() { ip netns exec "$1" iptables -A "$2" -p tcp -m statistic --mode random --probability "$3" -j DROP; }
drop "$NSA" OUTPUT 0.03 || skip "no iptables statistic match here"
drop "$NSB" OUTPUT 0.03 || fail "iptables in $NSB"
# And some after the capture saw them: those come again, duplicates.
drop "$NSB" INPUT 0.02 || fail "iptables in $NSB"

head -c $((1 << 20)) /dev/urandom >"$T/body"
printf 'HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n' $((1 << 20)) >"$T/reply"
cat "$T/body" >>"$T/reply"
ip netns exec "$NSB" $PEER serve --host 10.219.0.2 --cert "$CERT" --key "$KEY" --http --count 3 \
	--reply "$T/body" --requests "$T/requests" >"$T/srv.ready" 2>"$T/srv.err" &
SERVER=$!
BG_PIDS+=($SERVER)
wait_for 10 grep -q '^ready' "$T/srv.ready" || fail "the server did not start: $(cat "$T/srv.err")"
PORT=$(awk '{print $2}' "$T/srv.ready")

# sniff_start, in namespace A (ip netns exec execs sslsniff: the same pid).
ip netns exec "$NSA" "$SSLSNIFF" -f json -i wa --summary-json "$T/summary.json" >"$T/out" 2>"$T/err" &
SNIFF_PID=$!
wait_for 20 grep -q 'Ctrl-C to end\.$' "$T/err" || fail "sslsniff -i wa did not start: $(cat "$T/err")"

# curl bounded: a stall says which one, not the runner's timeout (the
# Python client blocks: a socket timeout would change how its calls split).
ip netns exec "$NSA" curl --max-time 60 -sk --http1.1 "https://10.219.0.2:$PORT/$(unique c13)" -o "$T/got.c13" &
CURL13=$!
wait $CURL13 || fail "curl (TLS 1.3) failed ($?)"
ip netns exec "$NSA" curl --max-time 60 -sk --http1.1 --tls-max 1.2 "https://10.219.0.2:$PORT/$(unique c12)" -o "$T/got.c12" &
CURL12=$!
wait $CURL12 || fail "curl (TLS 1.2) failed ($?)"
# A 1 MiB request the other way.
{ printf 'POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n' $((1 << 20)); cat "$T/body"; } >"$T/req"
ip netns exec "$NSA" $PEER client --host 10.219.0.2 --port "$PORT" --send "$T/req" --out "$T/got.py" &
PY=$!
wait $PY || fail "the Python client failed ($?)"
wait $SERVER || fail "the server failed: $(cat "$T/srv.err")"
sniff_stop

for pid in $CURL13 $CURL12 $PY; do
	records --pid "$pid" --dir read --data >"$T/r.$pid"
	assert_bytes "$T/reply" "$T/r.$pid" "pid $pid's read stream through the losses"
done
records --pid "$PY" --dir write --data >"$T/w.py"
assert_bytes "$T/req" "$T/w.py" "the Python client's 1 MiB request"
records --pid "$SERVER" --dir read --data >"$T/sr"
[[ $(wc -c <"$T/sr") == $(wc -c <"$T/requests") ]] ||
	fail "the server's reads: $(wc -c <"$T/sr") bytes, it read $(wc -c <"$T/requests")"
records --pid "$SERVER" --dir write --data >"$T/sw"
[[ $(wc -c <"$T/sw") == $((3 * $(wc -c <"$T/reply"))) ]] || fail "the server's writes: $(wc -c <"$T/sw") bytes"
[[ $(summary_lost_bytes) == 0 ]] || fail "lost bytes: $(tail -n 1 "$T/err")"
# The drops were real, in each chain.
for chain in "$NSA OUTPUT" "$NSB OUTPUT" "$NSB INPUT"; do
	n=$(ip netns exec ${chain% *} iptables -L ${chain#* } -v -x -n | awk '$3 == "DROP" {print $1}')
	[[ ${n:-0} -gt 0 ]] || fail "no packet dropped in $chain"
done
python3 - "$T/summary.json" <<'PY' || fail "summary: $(cat "$T/summary.json")"
import json, sys
w = json.load(open(sys.argv[1]))["wire"]
assert w["keyed_conns"] == 3 and w["records_failed"] == 0 and w["tcp_gap_bytes"] == 0, w
assert w["bytes_lost"] == 0 and w["records_unkeyed"] == 0, w
# The losses were real: retransmissions of bytes the capture had seen.
assert w["tcp_duplicate_bytes"] > 0, w
PY
