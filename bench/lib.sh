# SPDX-License-Identifier: GPL-2.0
# Shared by bench/run.sh and bench/exec-attach.sh. Source it.

# bench_lock NAME: the test suite's lock, held until the script ends: timing
# is disturbed by anything else that runs, and a test's process in a root
# would make its library known.
bench_lock() {
	local lock=${SSLSNIFF_TESTS_LOCK:-/tmp/sslsniff-tests.lock}

	exec 9>>"$lock"
	if ! flock -n 9; then
		echo "$1: waiting for the sslsniff test run to finish ($lock)" >&2
		flock 9
	fi
}

# wait_for SECONDS COMMAND...: until COMMAND succeeds, looking every 10 ms.
wait_for() {
	local secs=$1 i
	shift
	for ((i = 0; i < secs * 100; i++)); do
		"$@" 2>/dev/null && return 0
		sleep 0.01
	done
	return 1
}
