#!/usr/bin/env bash
# A full disk and a closed pipe. -o and -w onto a 1 MiB tmpfs that fills:
# one error line that says the disk is full, exit status 1, the summary
# line, and the file holds whole records only (every JSON line parses; tshark
# reads the pcapng without a complaint). sslsniff | head -c 100: sslsniff
# ends by itself, quietly and with status 0, as tcpdump does.
. "$(dirname "$0")/lib.sh"
need curl python3 tshark mount

ROOT_WARNING='Running as user "root" and group "root". This could be dangerous.'
mkdir -p "$T/full"
mount -t tmpfs -o size=1m tmpfs "$T/full" || skip "cannot mount a tmpfs"
# shellcheck disable=SC2064 # the path, now
trap "umount '$T/full' 2>/dev/null; cleanup" EXIT

head -c $((32 << 10)) /dev/urandom | base64 -w 0 >"$T/body"
peer_serve srv --http --count 100000 --reply "$T/body"
load() {
	(for ((c = 0; c < 2; c++)); do
		(while :; do curl -sk --http1.1 "https://127.0.0.1:$PORT/x" -o /dev/null || break; done) &
	done; wait) &
	LOAD=$!
	BG_PIDS+=($LOAD)
}
unload() { pkill -P "$LOAD"; kill "$LOAD" 2>/dev/null; wait "$LOAD" 2>/dev/null; }

# full OUTPUT-ARGS...: sslsniff until the disk is full; it must end by itself.
full() {
	rm -f "$T/full/"*
	sniff_start "$@"
	load
	wait_for 30 sh -c "! kill -0 $SNIFF_PID" || fail "$*: still running on a full disk"
	wait "$SNIFF_PID"
	rc=$?
	SNIFF_PID=
	unload
	[[ $rc == 1 ]] || fail "$*: exit $rc on a full disk"
	grep '^sslsniff: error: ' "$T/err" >"$T/errlines"
	[[ $(wc -l <"$T/errlines") == 1 ]] || fail "$*: want one error line: $(cat "$T/errlines")"
	grep -q "the disk is full" "$T/errlines" || fail "$*: $(cat "$T/errlines")"
	grep -q '^sslsniff: [0-9]* records, [0-9]* bytes captured; lost: ' "$T/err" ||
		fail "$*: no summary line"
}

full -f json -o "$T/full/o.json"
python3 - "$T/full/o.json" <<'PY' || fail "the JSON on the full disk is not whole lines"
import json, sys
d = open(sys.argv[1], "rb").read()
assert d.endswith(b"\n"), "ends inside a line"
n = sum(1 for l in d.split(b"\n")[:-1] if json.loads(l))
assert n > 10, "only %d lines" % n
print(n, "lines")
PY
full -o /dev/null -w "$T/full/o.pcapng"
tshark -r "$T/full/o.pcapng" -T fields -e frame.number >"$T/ts.out" 2>"$T/ts.err" ||
	fail "tshark on the full disk's pcapng: $(cat "$T/ts.err")"
[[ -z $(grep -vxF "$ROOT_WARNING" "$T/ts.err") && $(wc -l <"$T/ts.out") -gt 10 ]] ||
	fail "tshark: $(cat "$T/ts.err"), $(wc -l <"$T/ts.out") packets"

# The reader goes away: sslsniff ends at its next write, quietly.
for args in "-f json" "-w -"; do
	: >"$T/err"
	# shellcheck disable=SC2086 # the options, split
	{ "$SSLSNIFF" $args 2>"$T/err"; echo $? >"$T/rc"; } | head -c 100 >"$T/head" &
	PIPE=$!
	wait_for 20 grep -q 'Ctrl-C to end\.$' "$T/err" || fail "$args | head: not ready"
	load
	wait_for 20 test -s "$T/rc" || fail "sslsniff $args | head -c 100: still running"
	unload
	wait "$PIPE"
	[[ $(cat "$T/rc") == 0 ]] || fail "sslsniff $args | head: exit $(cat "$T/rc")"
	[[ $(wc -c <"$T/head") == 100 ]] || fail "$args | head: got $(wc -c <"$T/head") bytes"
	! grep -q '^sslsniff: error' "$T/err" || fail "$args | head: $(grep error "$T/err")"
	grep -q '^sslsniff: [0-9]* records' "$T/err" || fail "$args | head: no summary line"
done
