# SPDX-License-Identifier: GPL-2.0
# Shared helpers for tests/t-*.sh. Source it; it sets up $T (a scratch
# directory), a certificate ($CERT, $KEY), and cleans everything on exit.
set -u

: "${SSLSNIFF:?run the tests through tests/run}"
TESTS_DIR=${TESTS_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
PEER="python3 $TESTS_DIR/peer.py"
RECORDS="python3 $TESTS_DIR/records.py"

T=$(mktemp -d /tmp/sslsniff-test.XXXXXX)
CERT=$T/cert.pem
KEY=$T/key.pem
SNIFF_PID=
BG_PIDS=()

cleanup() {
	[[ -n $SNIFF_PID ]] && kill -INT "$SNIFF_PID" 2>/dev/null && wait "$SNIFF_PID" 2>/dev/null
	for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	pkill -P $$ 2>/dev/null	# subshells that feed clients
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# The last line a skipping test prints is the reason the runner shows.
skip() {
	echo "$*"
	exit 2
}

need() {
	for c in "$@"; do
		command -v "$c" >/dev/null || skip "needs $c (run make deps)"
	done
}

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-subj /CN=localhost -keyout "$KEY" -out "$CERT" 2>/dev/null || fail "cannot make a certificate"

# A payload nobody else sends: NAME-<random hex>.
unique() {
	echo "$1-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
}

# Waits until COMMAND succeeds, for up to SECONDS (default 20).
wait_for() {
	local secs=$1; shift
	for ((i = 0; i < secs * 20; i++)); do
		"$@" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# sniff_start ARGS...: runs sslsniff in the background; output to $T/out,
# diagnostics to $T/err; returns once it says capture has started.
sniff_start() {
	"$SSLSNIFF" "$@" >"$T/out" 2>"$T/err" &
	SNIFF_PID=$!
	for ((i = 0; i < 400; i++)); do
		grep -q 'Ctrl-C to end\.$' "$T/err" && return 0
		kill -0 "$SNIFF_PID" 2>/dev/null || { cat "$T/err" >&2; fail "sslsniff $* exited early"; }
		sleep 0.05
	done
	cat "$T/err" >&2
	fail "sslsniff $* did not get ready in 20 s"
}

# sniff_stop: SIGINT, then sslsniff must exit 0 with its summary line.
sniff_stop() {
	local rc
	kill -INT "$SNIFF_PID"
	wait "$SNIFF_PID"
	rc=$?
	SNIFF_PID=
	[[ $rc == 0 ]] || { cat "$T/err" >&2; fail "sslsniff exited $rc on SIGINT"; }
	grep -q '^sslsniff: [0-9]* records, [0-9]* bytes captured; lost: ' "$T/err" ||
		{ cat "$T/err" >&2; fail "no summary line at exit"; }
}

# Lost bytes from the summary line: a test at rest must see none.
summary_lost_bytes() {
	sed -n 's/^sslsniff: .*; lost: \([0-9]*\) bytes in .*/\1/p' "$T/err" | tail -n 1
}

# peer_serve NAME ARGS...: starts tests/peer.py serve; sets PORT.
peer_serve() {
	local name=$1; shift
	$PEER serve --cert "$CERT" --key "$KEY" "$@" >"$T/$name.ready" 2>"$T/$name.err" &
	BG_PIDS+=($!)
	wait_for 10 grep -q '^ready' "$T/$name.ready" || fail "peer server $name did not start"
	PORT=$(awk '{print $2}' "$T/$name.ready")
}

# Records of the capture in $T/out (JSON) matching the filters: see records.py.
records() {
	$RECORDS "$T/out" "$@"
}

# assert_bytes FILE-WANT FILE-GOT WHAT
assert_bytes() {
	cmp -s "$1" "$2" && return 0
	echo "want $(wc -c <"$1") bytes: $(head -c 200 "$1" | od -c | head -n 4)" >&2
	echo "got  $(wc -c <"$2") bytes: $(head -c 200 "$2" | od -c | head -n 4)" >&2
	fail "$3: captured bytes differ"
}

# peer_client [peer.py client options]: sends $T/req to $PORT, waits for the
# reply in $T/got; CLIENT is its pid.
peer_client() {
	$PEER client --port "$PORT" --send "$T/req" --out "$T/got" "$@" &
	CLIENT=$!
	wait "$CLIENT" || fail "client failed"
}
