#!/usr/bin/env bash
# SIGINT or SIGTERM at any moment ends sslsniff's capture at once and
# cleanly: while it loads the BPF program, while it attaches to libraries,
# while program instances load in the background, during capture, and while
# processes of new roots are held. Every time its summary line comes within
# 2 s, it exits 0, the pcapng is read by tshark without a complaint and ends
# with its statistics block, the JSON lines parse, and no held process stays
# stopped. (The exit itself waits for the kernel to remove each uprobe, about
# 160 ms apiece here: hence few copies of libssl.)
. "$(dirname "$0")/lib.sh"
need python3 tshark chroot setsid

ROOT_WARNING='Running as user "root" and group "root". This could be dangerous.'
N=6

# One process mapping N copies of libssl (each a file of its own to attach to).
mkdir -p "$T/libs"
LIBSSL=$(python3 -c 'import ssl, re; print(re.search(r"\S*libssl\S*", open("/proc/self/maps").read()).group(0))')
for ((i = 0; i < N; i++)); do cp "$LIBSSL" "$T/libs/libssl-$i.so.3"; done
python3 - "$T/libs" >"$T/many.ready" <<'PY' &
import ctypes, glob, sys, time
libs = [ctypes.CDLL(p) for p in glob.glob(sys.argv[1] + "/libssl-*.so.3")]
print("loaded", len(libs), flush=True)
time.sleep(3600)
PY
BG_PIDS+=($!)
wait_for 30 grep -qx "loaded $N" "$T/many.ready" || fail "the process did not map the copies"

now_ms() { date +%s%3N; }

# run_and_stop SIG DELAY_MS: sslsniff started, SIG sent after DELAY_MS (or
# once ready when DELAY_MS is "ready"); checks how it ended. Sets STOPPED_EARLY.
run_and_stop() {
	local sig=$1 delay=$2 t0 t1 rc
	: >"$T/err"
	rm -f "$T/o.pcapng" "$T/o.json"
	t0=$(now_ms)
	"$SSLSNIFF" -w "$T/o.pcapng" -f json -o "$T/o.json" 2>"$T/err" &
	SNIFF_PID=$!
	if [[ $delay == ready ]]; then
		wait_for 60 grep -q 'Ctrl-C to end\.$' "$T/err" || fail "sslsniff did not get ready"
		READY_MS=$(($(now_ms) - t0))
	else
		sleep "$(printf '0.%03d' "$delay")"
	fi
	t0=$(now_ms)
	kill -"$sig" "$SNIFF_PID"
	wait_for 2 grep -q '^sslsniff: [0-9]* records, [0-9]* bytes captured; lost: ' "$T/err" ||
		fail "SIG$sig after ${delay} ms: no summary line within 2 s: $(cat "$T/err")"
	t1=$(now_ms)
	wait "$SNIFF_PID"
	rc=$?
	SNIFF_PID=
	[[ $rc == 0 ]] || fail "SIG$sig after ${delay} ms: exit $rc: $(tail -n 3 "$T/err")"
	echo "SIG$sig after $delay ms: summary $((t1 - t0)) ms later, exit $(($(now_ms) - t0)) ms later"
	tshark -r "$T/o.pcapng" -q >/dev/null 2>"$T/ts.err"
	rc=$?
	[[ $rc == 0 && -z $(grep -vxF "$ROOT_WARNING" "$T/ts.err") ]] ||
		fail "SIG$sig after ${delay} ms: tshark: exit $rc: $(cat "$T/ts.err")"
	[[ $(tshark -X 'read_format:MIME Files Format' -r "$T/o.pcapng" -T fields \
		-e pcapng.block.type 2>/dev/null | tr ',' '\n' | tail -n 1) == 0x00000005 ]] ||
		fail "SIG$sig after ${delay} ms: the pcapng does not end with its ISB"
	$RECORDS "$T/o.json" --type data --count >/dev/null || fail "SIG$sig after ${delay} ms: JSON"
	STOPPED_EARLY=0
	grep -q '^sslsniff: stopped during start-up, before capture began$' "$T/err" && STOPPED_EARLY=1
	return 0
}

# How long a whole start-up takes here, attached to every copy.
run_and_stop INT ready
START_MS=$READY_MS
grep -qE "^sslsniff: attached [0-9]+ probes to ($((N + 3))|[0-9]{3,}) files" "$T/err" ||
	fail "not attached to the $N copies: $(grep attached "$T/err")"

grep -q '^sslsniff: stopped during start-up' "$T/err" && fail "a stop after start-up said it came before"

# Signals spread over the start-up (and past it: instances loading in the
# background, then capture). Not at 0 ms: a background job of this shell
# starts with SIGINT ignored until sslsniff's main() sets its handler, so a
# signal sent before that is lost by the shell's doing, not sslsniff's.
early=0
for ((k = 1; k <= 8; k++)); do
	delay=$((START_MS * k / 5))
	((delay > 999)) && delay=999
	sig=INT
	((k % 2)) && sig=TERM
	run_and_stop "$sig" "$delay"
	early=$((early + STOPPED_EARLY))
	((STOPPED_EARLY)) && ! grep -q 'Ctrl-C to end' "$T/err" || ((!STOPPED_EARLY)) ||
		fail "stopped early, yet said capture had started"
done
((early >= 2)) || fail "only $early of 8 signals came during start-up (start-up: $START_MS ms)"

# New roots' processes held at their exec: a stop meanwhile lets them go.
mkroot() {
	local f
	mkdir -p "$1/etc"
	for f in /usr/bin/openssl $(ldd /usr/bin/openssl | grep -o '/[^ ]*'); do
		mkdir -p "$1$(dirname "$f")"
		cp -L "$f" "$1$f"
	done
	cp /etc/ld.so.cache "$1/etc/"
}
for ((r = 0; r < 6; r++)); do mkroot "$T/root$r"; done
: >"$T/err"
"$SSLSNIFF" -f json -o "$T/o.json" 2>"$T/err" &
SNIFF_PID=$!
wait_for 60 grep -q 'Ctrl-C to end\.$' "$T/err" || fail "sslsniff did not get ready"
held=()
for ((r = 0; r < 6; r++)); do
	setsid chroot "$T/root$r" /usr/bin/openssl version >"$T/v$r" 2>&1 &
	held+=($!)
done
kill -INT "$SNIFF_PID"
wait "$SNIFF_PID" || fail "exit $? on SIGINT while new roots' processes were held"
SNIFF_PID=
for ((r = 0; r < 6; r++)); do
	p=${held[$r]}
	wait_for 5 sh -c "! kill -0 $p" ||
		fail "root $r's process $p did not end: state $(awk '{print $3}' /proc/$p/stat 2>/dev/null)"
	wait "$p" || fail "root $r's openssl failed"
	grep -q '^OpenSSL ' "$T/v$r" || fail "root $r's openssl said: $(cat "$T/v$r")"
done
