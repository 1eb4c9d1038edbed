#!/usr/bin/env bash
# The thread that reads the ring runs ahead of the traced programs
# (--reader-priority): SCHED_FIFO 1 by default, nice -20 with "high", as
# started with "normal"; the other threads (exec watch, program instances)
# keep the default policy and nice 0 whatever the mode. A bad mode is one
# line and a non-zero exit.
. "$(dirname "$0")/lib.sh"

# policy nice of thread TID of PID (/proc/PID/task/TID/stat fields 41 and 19).
sched_of() {
	awk '{ sub(/^.*\) /, ""); print $39, $17 }' "/proc/$1/task/$2/stat"
}

# check MODE WANT: sslsniff's main thread (the reader) has WANT ("policy nice").
check() {
	local mode=$1 want=$2 tid n=0
	sniff_start -f json -o /dev/null ${mode:+--reader-priority "$mode"}
	[[ $(sched_of "$SNIFF_PID" "$SNIFF_PID") == "$want" ]] ||
		fail "${mode:-default}: the reader is '$(sched_of "$SNIFF_PID" "$SNIFF_PID")', not '$want'"
	for tid in $(ls "/proc/$SNIFF_PID/task"); do
		[[ $tid == "$SNIFF_PID" ]] && continue
		[[ $(sched_of "$SNIFF_PID" "$tid") == "0 0" ]] ||
			fail "${mode:-default}: thread $tid runs as '$(sched_of "$SNIFF_PID" "$tid")'"
		n=$((n + 1))
	done
	((n >= 1)) || fail "${mode:-default}: no thread beside the reader (the exec watch)"
	sniff_stop
}

check "" "1 0"
check realtime "1 0"
check high "0 -20"
check normal "0 0"

"$SSLSNIFF" --reader-priority fast >/dev/null 2>"$T/bad.err" && fail "--reader-priority fast accepted"
grep -q "reader-priority wants realtime, high or normal" "$T/bad.err" ||
	fail "--reader-priority fast: $(cat "$T/bad.err")"
true
