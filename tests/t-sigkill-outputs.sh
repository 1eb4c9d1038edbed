#!/usr/bin/env bash
# SIGKILL in the middle of heavy capture: every output is valid up to its
# last whole record. Each write(2) carries whole records (JSON lines, text
# records, pcapng blocks), so a kill leaves whole records only, unless it
# lands inside a write(2) that the kernel then cuts short: at most the last
# record is partial, and a reader drops it (a JSON line without its newline,
# a pcapng block shorter than its length; tshark reads the blocks before it).
# Five kills; each file is checked block by block and line by line.
. "$(dirname "$0")/lib.sh"
need curl python3 tshark

ROOT_WARNING='Running as user "root" and group "root". This could be dangerous.'
head -c $((48 << 10)) /dev/urandom | base64 -w 0 >"$T/body"

# check_json FILE: every line but a last one without its newline parses.
check_json() {
	python3 - "$1" <<'PY'
import json, sys
data = open(sys.argv[1], "rb").read()
lines = data.split(b"\n")
tail = lines.pop()		# b"" when the file ends on a newline
for n, l in enumerate(lines, 1):
    json.loads(l)
print(len(lines), "whole lines,", "a partial last line" if tail else "no partial line")
PY
}

# check_pcapng FILE: whole blocks with matching lengths, then at most one cut
# block; prints the count of whole Enhanced Packet Blocks.
check_pcapng() {
	python3 - "$1" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
off = epbs = 0
while off < len(d):
    if len(d) - off < 12:
        break
    t, n = struct.unpack_from("<II", d, off)
    if n < 12 or n % 4:
        sys.exit("block at %d: bad length %d" % (off, n))
    if off + n > len(d):
        break			# the cut last block
    if struct.unpack_from("<I", d, off + n - 4)[0] != n:
        sys.exit("block at %d: trailing length differs" % off)
    epbs += t == 6
    off += n
print(epbs, "cut" if off < len(d) else "whole")
PY
}

partial=0
for ((round = 0; round < 5; round++)); do
	peer_serve "s$round" --http --count 100000 --reply "$T/body"
	sniff_start -f json -o "$T/k.json" -w "$T/k.pcapng"
	(for ((c = 0; c < 4; c++)); do
		(while :; do curl -sk --http1.1 "https://127.0.0.1:$PORT/k" -o /dev/null || break; done) &
	done; wait) &
	LOAD=$!
	BG_PIDS+=($LOAD)
	wait_for 20 sh -c "test \$(stat -c %s '$T/k.json') -gt $((4 << 20))" || fail "the capture is not heavy"
	kill -KILL "$SNIFF_PID"
	wait "$SNIFF_PID" 2>/dev/null
	SNIFF_PID=
	pkill -P "$LOAD"; kill "$LOAD" "$SERVER" 2>/dev/null
	wait "$LOAD" 2>/dev/null
	j=$(check_json "$T/k.json") || fail "round $round: the JSON lines are broken"
	p=$(check_pcapng "$T/k.pcapng") || fail "round $round: the pcapng is broken: $p"
	echo "round $round: json $j; pcapng $p"
	[[ $j == *partial* || $p == *cut ]] && partial=$((partial + 1))
	[[ ${j%% *} -gt 100 && ${p%% *} -gt 100 ]] || fail "round $round: too little captured"
	# tshark reads every whole packet; only a cut last block may make it say so.
	tshark -r "$T/k.pcapng" -T fields -e frame.number >"$T/ts.out" 2>"$T/ts.err"
	rc=$?
	grep -vxF "$ROOT_WARNING" "$T/ts.err" >"$T/ts.err2"
	if [[ $p == *whole ]]; then
		[[ $rc == 0 && ! -s $T/ts.err2 ]] || fail "round $round: tshark: $rc $(cat "$T/ts.err")"
	else
		grep -q 'cut short in the middle of a packet' "$T/ts.err2" ||
			fail "round $round: tshark: $(cat "$T/ts.err")"
	fi
	[[ $(wc -l <"$T/ts.out") == "${p%% *}" ]] ||
		fail "round $round: tshark read $(wc -l <"$T/ts.out") packets of ${p%% *}"
done
echo "$partial of 5 kills left a partial last record"
