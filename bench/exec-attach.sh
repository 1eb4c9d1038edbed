#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Exec to attached probes: how long after a process in a container starts
# sslsniff has its probes on the container's TLS library, for libraries
# whose layout sslsniff has not loaded yet (issue 13). Root. The containers
# are the Debian roots of the compatibility matrix (setup-roots.sh). Prints
# a table and writes it into bench/results.md, in a section of its own.
# See bench/README.md for what is measured and how.
#
#   SSLSNIFF=bin/sslsniff       the binary to measure (any version: only its
#                               stderr lines are read)
#   EXEC_ATTACH_RUNS=7          runs per case, each with a fresh sslsniff
#   EXEC_ATTACH_CASES="..."     a subset of the case names below
#   EXEC_ATTACH_RESULTS=FILE    where the section goes (default
#                               bench/results.md; empty: printed only)
#   BENCH_KEEP=1                keep the scratch directory
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
root=$(dirname "$here")
SSLSNIFF=${SSLSNIFF:-$root/bin/sslsniff}
RUNS=${EXEC_ATTACH_RUNS:-7}
RESULTS=${EXEC_ATTACH_RESULTS-$here/results.md}
HELPER="python3 $here/exec_attach.py"
ATTACH_TIMEOUT=20
LIBDIR=/usr/lib/x86_64-linux-gnu

# NAME | SUITE | LIBRARY FILE in the root | a command of the root that maps
# it (DT_NEEDED, so at exec) and then waits: on stdin (kept open), or for a
# connection (ssltap). Each maps that one TLS library only, so that no
# other layout is loaded before it. None of these layouts is the host's
# (Debian 12: OpenSSL 3.0, GnuTLS 3.7.9, NSPR 4.35).
CASES=(
	"openssl-3.5|trixie|$LIBDIR/libssl.so.3|/usr/bin/openssl enc -base64"
	"openssl-3.6|sid|$LIBDIR/libssl.so.3|/usr/bin/openssl enc -base64"
	"openssl-4.0|experimental|$LIBDIR/libssl.so.4|/usr/bin/openssl enc -base64"
	"gnutls-3.8|trixie|$LIBDIR/libgnutls.so.30|/usr/bin/certtool --certificate-info"
	"openssl-1.1.1|bullseye|$LIBDIR/libssl.so.1.1|/usr/bin/openssl enc -base64"
	"gnutls-3.7.1|bullseye|$LIBDIR/libgnutls.so.30|/usr/bin/certtool --certificate-info"
	"nspr-4.36|trixie|$LIBDIR/libnspr4.so|/usr/bin/ssltap -p PORT 127.0.0.1:9"
)

die() {
	echo "exec-attach: $*" >&2
	exit 1
}

[[ $(id -u) == 0 ]] || die "run it as root (sslsniff loads BPF, chroot)"
[[ -x $SSLSNIFF ]] || die "no $SSLSNIFF: run make first"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "EXEC_ATTACH_RUNS must be a positive integer"

selected=()
for c in "${CASES[@]}"; do
	name=${c%%|*}
	if [[ -z ${EXEC_ATTACH_CASES:-} || " $EXEC_ATTACH_CASES " == *" $name "* ]]; then
		selected+=("$c")
	fi
done
((${#selected[@]})) || die "no case named in EXEC_ATTACH_CASES='${EXEC_ATTACH_CASES:-}'"

W=$(mktemp -d /tmp/sslsniff-exec-attach.XXXXXX)
mkdir -p "$W/runs"
SNIFF_PID=
PROC_PID=
HOLD=

cleanup() {
	local rc=$?
	[[ -n $PROC_PID ]] && kill "$PROC_PID" 2>/dev/null
	[[ -n $SNIFF_PID ]] && kill -INT "$SNIFF_PID" 2>/dev/null
	[[ -n $HOLD ]] && exec {HOLD}>&-
	wait 2>/dev/null
	if [[ -n ${BENCH_KEEP:-} || ($rc != 0 && $rc != 130) ]]; then
		echo "exec-attach: scratch directory kept: $W" >&2
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT
trap 'echo "exec-attach: interrupted" >&2; exit 130' INT TERM

bench_lock exec-attach

suites=()
for c in "${selected[@]}"; do
	IFS='|' read -r name suite file cmd <<<"$c"
	[[ " ${suites[*]} " == *" $suite "* ]] || suites+=("$suite")
done
rc=0
"$root/tests/matrix/setup-roots.sh" "${suites[@]}" >"$W/roots.out" 2>"$W/roots.err" || rc=$?
((rc == 0)) || { cat "$W/roots.err" >&2; die "the Debian roots could not be built (exit $rc)"; }
root_dir() { realpath "$(awk -v s="$1" '$1 == s {print $2}' "$W/roots.out")"; }

# Each command maps its root's library file (ldd runs in the root: done
# now, before any sslsniff).
for c in "${selected[@]}"; do
	IFS='|' read -r name suite file cmd <<<"$c"
	r=$(root_dir "$suite")
	bin=${cmd%% *}
	linked=$(chroot "$r" ldd "$bin" 2>/dev/null | awk -v so="$(basename "$file")" '$1 == so {print $3}')
	[[ -n $linked && $(stat -L -c %i "$r$linked") == $(stat -L -c %i "$r$file") ]] ||
		die "$name: $suite's $bin does not link its $file (ldd: '${linked:-none}')"
done

# The pids of processes whose root is DIR (a real path).
root_pids() {
	local p
	for p in /proc/[0-9]*; do
		if [[ $(readlink "$p/root" 2>/dev/null) == "$1" ]]; then echo "${p#/proc/}"; fi
	done
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# A binary that says when its program instances are loaded (issue 13) is
# measured from then on; one that never says so gets 30 s once, then none.
INSTANCES_WAIT=30 instances_said=
commit=$(git -C "$(dirname "$SSLSNIFF")/.." rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
[[ -z $(git -C "$(dirname "$SSLSNIFF")/.." status --porcelain --untracked-files=no 2>/dev/null) ]] ||
	commit+=" (with uncommitted changes)"

for c in "${selected[@]}"; do
	IFS='|' read -r name suite file cmd <<<"$c"
	r=$(root_dir "$suite")
	: >"$W/runs/$name"
	again=0
	for ((i = 1; i <= RUNS; i++)); do
		pids=$(root_pids "$r" | tr '\n' ' ')
		[[ -z $pids ]] || die "$name: processes of the $suite root run (pids $pids): their libraries would be known"
		err=$W/runs/$name.$i.err
		ex=$W/runs/$name.$i.exec
		rm -f "$W/errpipe"
		mkfifo "$W/errpipe"
		$HELPER stamp "$err" <"$W/errpipe" &
		STAMP_PID=$!
		"$SSLSNIFF" >/dev/null 2>"$W/errpipe" &
		SNIFF_PID=$!
		wait_for 20 grep -q 'Ctrl-C to end\.$' "$err" || die "$name: sslsniff did not get ready: $(cat "$err")"
		if wait_for "$INSTANCES_WAIT" grep -qE '^[0-9]+ sslsniff: .*program instances ready' "$err"; then
			instances_said="after its \"program instances ready\" line"
		elif [[ -n $instances_said ]]; then
			die "$name: no 'program instances ready' line within $INSTANCES_WAIT s"
		elif ((INSTANCES_WAIT)); then
			echo "exec-attach: no 'program instances ready' line within $INSTANCES_WAIT s: measuring from the ready line" >&2
			instances_said=
			INSTANCES_WAIT=0
		fi

		# Nothing of the root known yet: a process of it that came since
		# the check above (not ours: the suite lock is held) would have
		# its library attached already. Measured again.
		if $HELPER known "$err" "$r"; then
			echo "exec-attach: $name run $i: sslsniff attached to the $suite root before the exec (another process in it): run again" >&2
			kill -INT "$SNIFF_PID"
			wait "$SNIFF_PID" || true
			wait "$STAMP_PID"
			SNIFF_PID=
			again=$((again + 1))
			((again <= 3)) || die "$name: disturbed 3 times by processes in the $suite root"
			i=$((i - 1))
			continue
		fi

		# Its stdin: a FIFO that this shell holds open for writing, so
		# the command waits on it and never reads its end.
		rm -f "$W/fifo"
		mkfifo "$W/fifo"
		exec {HOLD}<>"$W/fifo"
		argv=${cmd//PORT/$(free_port)}
		# shellcheck disable=SC2086
		$HELPER exec "$ex" "$r" $argv <"$W/fifo" >"$W/proc.out" 2>&1 &
		PROC_PID=$!
		if wait_for "$ATTACH_TIMEOUT" $HELPER delay "$err" "$ex" "$r$file" >"$W/delay"; then
			cat "$W/delay" >>"$W/runs/$name"
			echo "exec-attach: $name run $i: $(cut -d' ' -f1 "$W/delay") ms"
		else
			echo "none" >>"$W/runs/$name"
			echo "exec-attach: $name run $i: not attached within $ATTACH_TIMEOUT s"
		fi
		# It must have stayed: a process gone before the line came
		# measures nothing.
		kill -0 "$PROC_PID" 2>/dev/null || die "$name: '$cmd' in $suite exited: $(cat "$W/proc.out")"
		kill "$PROC_PID"
		wait "$PROC_PID" 2>/dev/null || true
		PROC_PID=
		exec {HOLD}>&-
		HOLD=
		kill -INT "$SNIFF_PID"
		wait "$SNIFF_PID" || die "$name: sslsniff exited $? on SIGINT"
		SNIFF_PID=
		wait "$STAMP_PID"
	done
done

{
	echo "commit $commit"
	echo "binary $SSLSNIFF"
	echo "date $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "kernel $(uname -r)"
	echo "runs $RUNS"
	echo "timeout $ATTACH_TIMEOUT"
	if [[ -n $instances_said ]]; then
		echo "instances measured $instances_said"
	else
		echo "instances measured from its ready line (it prints no \"program instances ready\" line)"
	fi
	echo "cases $(for c in "${selected[@]}"; do printf '%s ' "${c%%|*}"; done)"
	for c in "${selected[@]}"; do
		IFS='|' read -r name suite file cmd <<<"$c"
		echo "case-$name $suite: $(basename "$file") (\`${cmd%% *}\`)"
	done
} >"$W/meta"
$HELPER report "$W" "$RESULTS"
[[ -z $RESULTS ]] || echo "exec-attach: wrote $RESULTS" >&2
