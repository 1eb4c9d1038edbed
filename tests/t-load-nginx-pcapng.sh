#!/usr/bin/env bash
# test-timeout: 240
# 60 s of wrk against nginx at full speed (1 KiB responses, TLS 1.3), its
# worker traced with pcapng output: sslsniff's memory stays flat (RSS
# sampled every 5 s: none after the first 15 s above the 15 s sample by more
# than 4 MiB) and every byte is accounted for: what nginx's SSL_read and
# SSL_write passed ($request_length, $bytes_sent in its access log) equals
# the summary's captured plus lost bytes, exactly. The pcapng is read as it
# streams (a FIFO): whole blocks, as many packets as the ISB at its end says
# were delivered, and that ISB's drop count is the summary's.
# The plain build: ASan's quarantine and shadow make an RSS meaningless.
. "$(dirname "$0")/lib.sh"
need nginx wrk python3

PLAIN=$TESTS_DIR/../bin/sslsniff
[[ -x $PLAIN ]] || skip "no plain build at $PLAIN (make all)"
SSLSNIFF=$PLAIN
SECONDS_LOAD=60

nginx_start ssl "log_format bytes '\$bytes_sent \$request_length';
	access_log $T/nginx/bytes.log bytes;" "ssl_protocols TLSv1.3;"
head -c 1024 /dev/urandom >"$W/html/1k.bin"
chmod 644 "$W/html/1k.bin"
curl -sfk -o /dev/null "https://127.0.0.1:$NPORT/1k.bin" || fail "nginx does not serve 1k.bin"
: >"$W/bytes.log"	# the start-up request is not traced

# The pcapng, read as it comes: block by block, EPBs counted, the last
# block's ISB (interface 0) printed as "isb DELIVERED DROPPED".
mkfifo "$T/cap.fifo"
python3 - "$T/cap.fifo" >"$T/walk" 2>&1 <<'PY' &
import struct, sys
f = open(sys.argv[1], "rb", buffering=1 << 20)
epbs = 0
isb = None
while True:
    h = f.read(8)
    if not h:
        break
    if len(h) < 8:
        sys.exit("a cut block header")
    t, n = struct.unpack("<II", h)
    if n < 12 or n % 4:
        sys.exit("bad block length %d" % n)
    body = f.read(n - 8)
    if len(body) != n - 8 or struct.unpack_from("<I", body, n - 12)[0] != n:
        sys.exit("a cut or inconsistent block")
    if t == 6:
        epbs += 1
    elif t == 5:
        iface = struct.unpack_from("<I", body, 0)[0]
        opts, o, vals = body[12:n - 12], 0, {}
        while o + 4 <= len(opts):
            code, ln = struct.unpack_from("<HH", opts, o)
            if code == 0:
                break
            vals[code] = opts[o + 4:o + 4 + ln]
            o += 4 + (ln + 3) // 4 * 4
        if iface == 0:
            u64 = lambda c: struct.unpack("<Q", vals[c])[0] if c in vals else -1
            isb = (u64(8), u64(5))	# isb_usrdeliv, isb_ifdrop
print("epbs", epbs)
print("isb", *(isb or ("none", "none")))
PY
WALK=$!
BG_PIDS+=($WALK)

sniff_start -p "$WORKER" -w "$T/cap.fifo" -o /dev/null --summary-json "$T/sum.json"
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$SNIFF_PID/status"; }

wrk -t1 -c16 -d${SECONDS_LOAD}s "https://127.0.0.1:$NPORT/1k.bin" >"$T/wrk" 2>&1 &
WRK=$!
BG_PIDS+=($WRK)
: >"$T/rss"
# A sample every 5 s of the run (a measurement's cadence, not a wait).
for ((s = 5; s <= SECONDS_LOAD - 5; s += 5)); do
	sleep 5
	kill -0 "$WRK" 2>/dev/null || break
	echo "$s $(rss)" >>"$T/rss"
done
wait "$WRK" || fail "wrk failed: $(cat "$T/wrk")"
cat "$T/wrk"
# The access log is written per request; every connection wrk closed is in.
kill -QUIT "$NGINX"
wait "$NGINX" 2>/dev/null
sniff_stop
wait "$WALK" || fail "the pcapng stream: $(cat "$T/walk")"
cat "$T/rss" "$T/walk" "$T/sum.json"

# Memory flat: after the first 15 s, never 4 MiB above the 15 s sample.
awk 'NR == 3 { base = $2 } NR > 3 && $2 > base + 4096 {
	printf "RSS %d KiB at %d s, %d KiB at 15 s\n", $2, $1, base; bad = 1 }
	END { exit bad }' "$T/rss" || fail "sslsniff's memory grew under load"
(($(wc -l <"$T/rss") >= 10)) || fail "too few RSS samples"

python3 - "$W/bytes.log" "$T/sum.json" "$T/walk" <<'PY' || fail "the accounting"
import json, sys
sent = read = reqs = 0
for line in open(sys.argv[1]):
    s, r = line.split()
    sent += int(s); read += int(r); reqs += 1
j = json.load(open(sys.argv[2]))
walk = dict(l.split(None, 1) for l in open(sys.argv[3]))
epbs = int(walk["epbs"])
delivered, dropped = walk["isb"].split()
print("requests %d; nginx passed %d bytes; captured %d, lost %d (%d records), "
      "ring-full calls %d; %d packets" % (reqs, sent + read, j["bytes"], j["lost_bytes"],
                                          j["lost_records"], j["ring_full_calls"], epbs))
assert reqs > 10000, "wrk did not load nginx: %d requests" % reqs
assert j["bytes"] + j["lost_bytes"] == sent + read, \
    "captured + lost = %d, nginx passed %d" % (j["bytes"] + j["lost_bytes"], sent + read)
assert j["truncated_bytes"] == 0
assert delivered != "none", "no ISB at the end of the pcapng"
assert int(delivered) == epbs, "the ISB says %s packets, the stream had %d" % (delivered, epbs)
assert int(dropped) == j["lost_records"], "ISB drops %s, summary %d" % (dropped, j["lost_records"])
PY
true
