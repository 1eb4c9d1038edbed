#!/usr/bin/env bash
# -i's two packet sources on the same traffic at once: TC (the default, a
# BPF program on lo's ingress hook) and libpcap (--wire-source pcap), each
# in its own sslsniff. Both must give every stream of every connection byte
# for byte, the same as each other. TC's hook is a link of the process:
# while it runs its fd is a tcx link to lo, and when it is killed (no
# chance to detach anything) its program is gone from the kernel.
. "$(dirname "$0")/lib.sh"
need curl python3 bpftool

head -c $((300 << 10)) /dev/urandom >"$T/body"
printf 'HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n' $((300 << 10)) >"$T/reply"
cat "$T/body" >>"$T/reply"
peer_serve srv --http --count 12 --reply "$T/body"

"$SSLSNIFF" -f json -o "$T/pcap.json" -i lo --wire-source pcap --summary-json "$T/pcap.sum" \
	2>"$T/pcap.err" 9>&- &
PCAP=$!
BG_PIDS+=($PCAP)
wait_for 20 grep -q 'Ctrl-C to end\.$' "$T/pcap.err" ||
	fail "the libpcap sslsniff did not start: $(cat "$T/pcap.err")"
sniff_start -f json -i lo --wire-source tc --summary-json "$T/tc.sum"

# The tap's hook: a tcx link held by this sslsniff, lo's ingress.
links=$(grep -l '^link_type:.*tcx' /proc/"$SNIFF_PID"/fdinfo/* 2>/dev/null)
[[ $(wc -w <<<"$links") == 1 ]] || fail "want one tcx link in sslsniff's fds, got: $links"
grep -q "^ifindex:.*$(cat /sys/class/net/lo/ifindex)\$" $links || fail "the tcx link is not lo's: $(cat $links)"
grep -q '^attach_type:[[:space:]]*46\b' $links || fail "the tcx link is not ingress: $(cat $links)"
TAP_PROG=$(sed -n 's/^prog_id:[[:space:]]*//p' $links)

for i in 1 2 3; do
	curl -sk --http1.1 "https://127.0.0.1:$PORT/$(unique c$i)" -o "$T/got.c$i" || fail "curl $i failed"
	assert_bytes "$T/body" "$T/got.c$i" "curl $i's body"
done
curl -sk --http1.1 --tls-max 1.2 "https://127.0.0.1:$PORT/$(unique c12)" -o "$T/got.c12" ||
	fail "curl (TLS 1.2) failed"
printf 'GET /many/{i} HTTP/1.1\r\nHost: x\r\n\r\n' >"$T/req"
peer_client --threads 8
wait $SERVER || fail "the server failed: $(cat "$T/srv.err")"
sniff_stop
kill -INT $PCAP
wait $PCAP || fail "the libpcap sslsniff exited $?: $(tail -n 3 "$T/pcap.err")"

pids=(--pid "$SERVER" --pid "$CLIENT")
python3 "$TESTS_DIR/wire_streams.py" "$T/out" "${pids[@]}" >"$T/tc.streams"
python3 "$TESTS_DIR/wire_streams.py" "$T/pcap.json" "${pids[@]}" >"$T/pcap.streams"
[[ $(awk '$2 == "read" && $5 == '"$(wc -c <"$T/reply")"'' "$T/tc.streams" | wc -l) == 8 ]] ||
	fail "TC: not 8 whole replies to the client's 8 connections: $(cat "$T/tc.streams")"
[[ $(wc -l <"$T/tc.streams") == 40 ]] || fail "TC: $(wc -l <"$T/tc.streams") streams, want 40"
diff "$T/pcap.streams" "$T/tc.streams" >"$T/streams.diff" ||
	fail "TC and libpcap differ: $(head -n 6 "$T/streams.diff")"
for sum in "$T/tc.sum" "$T/pcap.sum"; do
	python3 - "$sum" <<'PY' || fail "$sum: $(cat "$sum")"
import json, sys
s = json.load(open(sys.argv[1]))
w = s["wire"]
assert s["lost_bytes"] == 0, s
for k in ("records_failed", "records_unkeyed", "bytes_lost", "tcp_gap_bytes", "packets_dropped"):
    assert w[k] == 0, (k, w)
assert w["keyed_conns"] == 12, w
PY
done

# Killed: the kernel takes the link and the program back with the process.
sniff_start -f json -i lo
links=$(grep -l '^link_type:.*tcx' /proc/"$SNIFF_PID"/fdinfo/* 2>/dev/null)
TAP_PROG=$(sed -n 's/^prog_id:[[:space:]]*//p' $links)
[[ -n $TAP_PROG ]] && bpftool prog show id "$TAP_PROG" >/dev/null ||
	fail "no tap program in the kernel while sslsniff runs"
kill -KILL "$SNIFF_PID"
wait "$SNIFF_PID" 2>/dev/null
SNIFF_PID=
wait_for 10 bash -c "! bpftool prog show id $TAP_PROG >/dev/null 2>&1" ||
	fail "the tap program $TAP_PROG outlived its sslsniff"
