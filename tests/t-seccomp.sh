#!/usr/bin/env bash
# A traced program under a seccomp filter that kills it at any system call
# Linux 6.10 did not have, the uretprobe call among them, as a container
# profile older than that call does (tests/seccomp_run.c), keeps running
# and is captured byte for byte: with --return-probes=auto (uretprobes
# where this kernel lets their call through seccomp, return instructions
# where it would not) and with insn (the return probes of SSL_read_ex and
# SSL_write_ex on their return instructions).
. "$(dirname "$0")/lib.sh"
need python3
need gcc

gcc -O1 -Wall -Wextra -Werror -o "$T/seccomp_run" "$TESTS_DIR/seccomp_run.c" 2>"$T/cc.err" ||
	fail "cannot build seccomp_run: $(cat "$T/cc.err")"
# The client works under the filter when nothing traces it.
printf x >"$T/req0"
printf 'r{req}' >"$T/reply"
peer_serve srv0 --reply "$T/reply"
"$T/seccomp_run" $PEER client --port "$PORT" --send "$T/req0" --out "$T/got0" ||
	fail "the client does not run under the filter even untraced"

for mode in auto insn; do
	unique "py-seccomp-$mode" >"$T/req"
	peer_serve "srv-$mode" --reply "$T/reply"
	sniff_start -f json -v -c python3 --return-probes="$mode"
	if [[ $mode == insn ]]; then
		for f in SSL_read_ex SSL_write_ex; do
			grep -qE "libssl\.so\.3': $f returns: [0-9]+ return instructions?$" "$T/err" ||
				fail "insn: $f not probed at its return instructions"
		done
	fi
	"$T/seccomp_run" $PEER client --port "$PORT" --send "$T/req" --out "$T/got" &
	CLIENT=$!
	wait "$CLIENT"
	rc=$?
	((rc == 0)) || fail "$mode: the client under seccomp exited $rc$( ((rc > 128)) &&
		echo " (signal $((rc - 128)))")"
	sniff_stop
	{ printf r; cat "$T/req"; } >"$T/want"
	assert_bytes "$T/want" "$T/got" "$mode: the client's own read"
	records --pid "$CLIENT" --func SSL_write_ex --data >"$T/c.w"
	records --pid "$CLIENT" --func SSL_read_ex --data >"$T/c.r"
	assert_bytes "$T/req" "$T/c.w" "$mode: SSL_write_ex under seccomp"
	assert_bytes "$T/want" "$T/c.r" "$mode: SSL_read_ex under seccomp"
	[[ $(summary_lost_bytes) == 0 ]] || fail "$mode: bytes lost at rest"
done
