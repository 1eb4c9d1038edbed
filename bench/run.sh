#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The benchmark (make bench): nginx serving HTTPS on 127.0.0.1 under wrk,
# untraced and traced by sslsniff in turn, in one invocation. Prints a table
# and rewrites bench/results.md. Root; about 2 x BENCH_PAIRS x 2 x 3 runs of
# BENCH_SECONDS each. See bench/README.md for what is measured and how.
#
#   BENCH_SECONDS=10  length of each wrk run
#   BENCH_PAIRS=3     untraced/traced pairs per size and output
#   BENCH_SIZES="1k 64k 1m"
#   BENCH_KEEP=1      keep the scratch directory (logs, per-run figures)
#   BENCH_FLOOR=0     skip the floor runs (empty probes, bpftrace; the copy floor)
#   BENCH_WIRE=0      skip the -i lo runs (decryption from the packets, issue 19)
#   BENCH_PROFILE=0   skip the profile run (bpf_stats, perf) after each size's pairs
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
root=$(dirname "$here")
SSLSNIFF=${SSLSNIFF:-$root/bin/sslsniff}
RUN_SECONDS=${BENCH_SECONDS:-10}
PAIRS=${BENCH_PAIRS:-3}
SIZES=${BENCH_SIZES:-"1k 64k 1m"}
CONNS=16
WARMUP_SECONDS=$((RUN_SECONDS < 2 ? RUN_SECONDS : 2))
RESULTS=${BENCH_RESULTS:-$here/results.md}
FLOOR=${BENCH_FLOOR:-1}
WIRE=${BENCH_WIRE:-1}
PROFILE=${BENCH_PROFILE:-1}

die() {
	echo "bench: $*" >&2
	exit 1
}

# nginx and wrk from Debian, only when missing (make deps does not need them).
bench_deps() {
	local missing=()
	command -v nginx >/dev/null || missing+=(nginx)
	command -v wrk >/dev/null || missing+=(wrk)
	[[ $FLOOR == 0 ]] || command -v bpftrace >/dev/null || missing+=(bpftrace)
	[[ $PROFILE == 0 ]] || command -v perf >/dev/null || missing+=(linux-perf)
	((${#missing[@]})) || return 0
	echo "bench: installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
}

[[ $(id -u) == 0 ]] || die "run it as root (sslsniff loads BPF)"
[[ -x $SSLSNIFF ]] || die "no $SSLSNIFF: run make first"
[[ ${BENCH_FLOOR:-1} == 0 || -x ${BENCH_COPY_FLOOR:-$root/.output/bench/copy_floor} ]] ||
	die "no copy floor: run make bench-copy-floor first (or BENCH_FLOOR=0)"
[[ $RUN_SECONDS =~ ^[1-9][0-9]*$ && $PAIRS =~ ^[1-9][0-9]*$ ]] ||
	die "BENCH_SECONDS and BENCH_PAIRS must be positive integers"
bench_deps
# Both ends must call the host's libssl, so that every request is traced twice.
for b in nginx wrk; do
	# grep -q would stop reading early: ldd then dies of SIGPIPE, which pipefail
	# took for "no libssl".
	ldd "$(command -v "$b")" | grep 'libssl\.so' >/dev/null ||
		die "$b does not link libssl: its calls would not be traced"
done

W=$(mktemp -d /tmp/sslsniff-bench.XXXXXX)
# The code measured, kept with the runs (the report may be made again later).
commit=$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
[[ -z $(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null) ]] ||
	commit+=" (with uncommitted changes)"
echo "$commit" >"$W/commit"
NGINX_PID=
SNIFF_PID=
WRK_PID=
FLOOR_PID=
COPY_PID=
PERF_PID=

cleanup() {
	local rc=$?
	[[ -z ${STATS_WAS:-} ]] || sysctl -qw kernel.bpf_stats_enabled="$STATS_WAS"
	[[ -n $WRK_PID ]] && kill "$WRK_PID" 2>/dev/null
	[[ -n $SNIFF_PID ]] && kill -INT "$SNIFF_PID" 2>/dev/null
	[[ -n $FLOOR_PID ]] && kill -INT "$FLOOR_PID" 2>/dev/null
	[[ -n $COPY_PID ]] && kill -INT "$COPY_PID" 2>/dev/null
	[[ -n $PERF_PID ]] && kill -INT "$PERF_PID" 2>/dev/null
	[[ -n $NGINX_PID ]] && kill -TERM "$NGINX_PID" 2>/dev/null
	wait 2>/dev/null
	if [[ -n ${BENCH_KEEP:-} || ($rc != 0 && $rc != 130) ]]; then
		echo "bench: scratch directory kept: $W" >&2
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT
trap 'echo "bench: interrupted" >&2; exit 130' INT TERM

bench_lock bench

# --- nginx: its own prefix, config, certificate and files in $W ---

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
mkdir -p "$W/html" "$W/tmp" "$W/runs"
chmod 755 "$W" "$W/html"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-subj /CN=localhost -keyout "$W/key.pem" -out "$W/cert.pem" 2>/dev/null ||
	die "cannot make a certificate"
head -c 1024 /dev/urandom >"$W/html/1k.bin"
head -c $((64 << 10)) /dev/urandom >"$W/html/64k.bin"
head -c $((1 << 20)) /dev/urandom >"$W/html/1m.bin"
chmod 644 "$W/html/"*

# access_log is the one thing on beyond a bare static server: buffered, two
# numbers a request, the same in traced and untraced runs. $bytes_sent counts
# what nginx's SSL_write calls accepted and $request_length what its
# SSL_read calls returned: the plaintext sslsniff should see on nginx's side.
cat >"$W/nginx.conf" <<EOF
daemon off;
user www-data;
worker_processes 1;
pid $W/nginx.pid;
error_log $W/nginx-error.log warn;
events {
	worker_connections 1024;
}
http {
	default_type application/octet-stream;
	sendfile off;
	keepalive_timeout 65;
	keepalive_requests 1000000;
	log_format bytes '\$bytes_sent \$request_length';
	access_log $W/bytes.log bytes buffer=64k;
	client_body_temp_path $W/tmp/body;
	proxy_temp_path $W/tmp/proxy;
	fastcgi_temp_path $W/tmp/fastcgi;
	uwsgi_temp_path $W/tmp/uwsgi;
	scgi_temp_path $W/tmp/scgi;
	server {
		listen 127.0.0.1:$PORT ssl;
		ssl_certificate $W/cert.pem;
		ssl_certificate_key $W/key.pem;
		ssl_protocols TLSv1.3;
		root $W/html;
	}
}
EOF
# Not holding the lock (fd 9): an nginx left behind would hold it for good.
nginx -e "$W/nginx-error.log" -p "$W" -c "$W/nginx.conf" 9>&- &
NGINX_PID=$!
wait_for 10 curl -sfk -o /dev/null "https://127.0.0.1:$PORT/1k.bin" ||
	{ cat "$W/nginx-error.log" >&2; die "nginx did not start"; }
[[ $(curl -sfk "https://127.0.0.1:$PORT/1m.bin" | wc -c) == $((1 << 20)) ]] ||
	die "nginx does not serve 1m.bin whole"
NGINX_WORKER=$(pgrep -P "$NGINX_PID" | head -n 1)
[[ -n $NGINX_WORKER ]] || die "no nginx worker"

# wrk's exact totals (its summary prints rounded MB).
cat >"$W/done.lua" <<'EOF'
done = function(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("BENCH %d %d %d %d\n", summary.requests, summary.bytes,
		summary.duration, e.connect + e.read + e.write + e.status + e.timeout))
end
EOF

# nginx_rotate FILE: this run's access log to FILE (USR1 reopens it and
# writes out the buffer), once the connections wrk closed are logged.
nginx_rotate() {
	sleep 0.5
	mv "$W/bytes.log" "$1"
	kill -USR1 "$NGINX_PID"
	wait_for 5 test -e "$W/bytes.log" || die "nginx did not reopen its log"
	sleep 0.3
}

cpu_ticks() {
	sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# The machine's busy ticks, all CPUs: user, nice, system, irq, softirq and
# steal (a process's system time includes the softirq work done in its name).
host_ticks() {
	awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}

# Seconds of CPU of the children this shell has waited for (wrk's, here);
# `times` must run in this shell, not in a subshell of its own.
children_cpu() {
	times >"$W/times"
	awk 'NR == 2 { split($1, u, "m"); split($2, s, "m")
		print u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$W/times"
}

# sniff_start MODE OUT: sslsniff system-wide with MODE's output, until ready.
sniff_start() {
	local args=(--summary-json "$2.summary.json")

	case $1 in
	json | profile) args+=(-f json -o /dev/null) ;;
	pcapng) args+=(-w -) ;;
	wire) args+=(-f json -o /dev/null -i lo --wire-source tc) ;;
	wire-pcap) args+=(-f json -o /dev/null -i lo --wire-source pcap) ;;
	esac
	# Not with the lock's fd: a sslsniff left behind would hold it for good.
	"$SSLSNIFF" "${args[@]}" >/dev/null 2>"$2.err" 9>&- &
	SNIFF_PID=$!
	wait_for 60 grep -q 'Ctrl-C to end\.$' "$2.err" ||
		{ cat "$2.err" >&2; die "sslsniff ${args[*]} did not get ready"; }
	# After the ready line a thread loads every btf-db layout's program
	# instance (a third of a second of CPU here): start-up, timed by its own
	# line, not part of the steady state a run measures.
	wait_for 30 grep -q 'program instances ready' "$2.err" ||
		echo "bench: sslsniff said no 'program instances ready': timed from its ready line" >&2
	cpu_ticks "$SNIFF_PID" >"$2.cpu0"
}

# sniff_stop OUT: CPU and peak RSS while it ran, then SIGINT.
sniff_stop() {
	cpu_ticks "$SNIFF_PID" >"$1.cpu1"
	grep '^VmHWM:' "/proc/$SNIFF_PID/status" | awk '{ print $2 }' >"$1.hwm"
	kill -INT "$SNIFF_PID"
	wait "$SNIFF_PID" || { cat "$1.err" >&2; die "sslsniff exited non-zero"; }
	SNIFF_PID=
}

# The profile run: a JSON run with the kernel timing each BPF program run
# (kernel.bpf_stats_enabled, which adds two clock reads a run: not a paired
# run). Programs load anew with each sslsniff, so the counts are this run's.
stats_on() {
	STATS_WAS=$(sysctl -n kernel.bpf_stats_enabled)
	sysctl -qw kernel.bpf_stats_enabled=1
}

stats_off() {
	bpftool -j prog show >"$1.progs" || die "bpftool prog show failed"
	sysctl -qw kernel.bpf_stats_enabled="$STATS_WAS"
	STATS_WAS=
}

# ... and perf sampling sslsniff's own process (user space and its system
# calls) over the wrk run, when perf is here: where its CPU goes, by
# function (bench.py turns the shares into ns per record).
perf_start() {
	PERF_PID=
	command -v perf >/dev/null || return 0
	perf record -q -F 997 -p "$SNIFF_PID" -o "$1.perf.data" -- sleep "$((RUN_SECONDS - 1))" \
		>/dev/null 2>"$1.perf.err" &
	PERF_PID=$!
}

perf_stop() {
	[[ -n $PERF_PID ]] || return 0
	wait "$PERF_PID" || { cat "$1.perf.err" >&2; die "perf record failed"; }
	PERF_PID=
	perf report -q -i "$1.perf.data" --stdio --no-children --sort sym --percent-limit 0.5 \
		>"$1.perf" 2>>"$1.perf.err" || die "perf report failed"
	rm -f "$1.perf.data"
}

# The floor: what the uprobe mechanism alone costs here. bpftrace attaches
# an empty uprobe and uretprobe where sslsniff attaches its programs (its
# -v output names the places), and the run is timed like a traced one.
# The copy floor (bench/copy_floor) sits at the same places and copies
# every byte into a ring, nothing else: COPY_PLACES are its arguments.
COPY_FLOOR=${BENCH_COPY_FLOOR:-$root/.output/bench/copy_floor}
COPY_PLACES=()
floor_script() {
	local lib line off fn
	timeout -s INT 5 "$SSLSNIFF" -v -o /dev/null 2>&1 |
		grep -E "^sslsniff: attach: '[^']*libssl[^']*': SSL_(read|write) " >"$W/placement" || true
	lib=$(ldd "$(command -v nginx)" | awk '/libssl\.so/ { print $3; exit }')
	: >"$W/floor.bt"
	for fn in write read; do
		line=$(grep -F " SSL_${fn} and SSL_${fn}_ex probed at their internal function" \
			"$W/placement" | head -n 1)
		off=$(sed -n 's/.*(+\(0x[0-9a-f]*\)[,)].*/\1/p' <<<"$line")
		[[ -n $line && -z $off ]] && die "floor: no offset in sslsniff's line: $line"
		[[ -z $line ]] || grep -qF "count pointer in rcx" <<<"$line" ||
			die "copy floor: the count is not where it knows: $line"
		if [[ -n $off ]]; then
			printf 'uprobe:%s:%s {}\nuretprobe:%s:%s {}\n' "$lib" "$off" "$lib" "$off"
			COPY_PLACES+=("$lib:$off:count")
		else
			printf 'uprobe:%s:SSL_%s {}\nuretprobe:%s:SSL_%s {}\n' "$lib" "$fn" "$lib" "$fn"
			printf 'uprobe:%s:SSL_%s_ex {}\nuretprobe:%s:SSL_%s_ex {}\n' "$lib" "$fn" "$lib" "$fn"
			COPY_PLACES+=("$lib:SSL_$fn:ret" "$lib:SSL_${fn}_ex:count")
		fi >>"$W/floor.bt"
	done
	# BEGIN runs once every probe is attached.
	echo 'BEGIN { printf("ready\n"); }' >>"$W/floor.bt"
}

floor_start() {
	# --unsafe: bpftrace cannot check an address against the stripped
	# library's symbols; sslsniff found it by decoding the code.
	bpftrace --unsafe "$W/floor.bt" >"$1.floor" 2>&1 9>&- &
	FLOOR_PID=$!
	wait_for 60 grep -q '^ready' "$1.floor" ||
		{ cat "$1.floor" >&2; die "bpftrace did not attach"; }
}

floor_stop() {
	# Gone before the end, its probes were not there for the whole run.
	kill -INT "$FLOOR_PID" 2>/dev/null ||
		die "bpftrace (the floor's probes) exited during the run: $(tail -n 3 "$1.floor")"
	wait "$FLOOR_PID" || true
	FLOOR_PID=
}

# The copy floor at sslsniff's default ring size (8 MiB).
copy_start() {
	"$COPY_FLOOR" $((8 << 20)) "${COPY_PLACES[@]}" >"$1.copy" 2>&1 9>&- &
	COPY_PID=$!
	wait_for 60 grep -q '^ready' "$1.copy" ||
		{ cat "$1.copy" >&2; die "the copy floor did not attach"; }
}

copy_stop() {
	kill -INT "$COPY_PID" 2>/dev/null ||
		die "the copy floor exited during the run: $(tail -n 3 "$1.copy")"
	wait "$COPY_PID" || die "the copy floor failed: $(tail -n 3 "$1.copy")"
	COPY_PID=
}

wrk_run() {
	local secs=$1 size=$2 out=$3
	wrk -t1 -c"$CONNS" -d"${secs}s" -s "$W/done.lua" "https://127.0.0.1:$PORT/$size.bin" \
		>"$out" 2>&1 &
	WRK_PID=$!
	wait "$WRK_PID" || { cat "$out" >&2; die "wrk failed"; }
	WRK_PID=
}

# run_one SIZE MODE NAME: one wrk run, untraced or traced (json, pcapng).
# OUT.cpu gets, over the wrk run: the machine's ticks, and the ticks of
# nginx's worker, sslsniff and wrk (seconds), so that the CPU that other
# programs took from the run can be told.
run_one() {
	local size=$1 mode=$2 out=$W/runs/$3 h0 n0 s0=0 s1=0 tracer

	printf '  %-6s %-9s ' "$size" "$mode" >&2
	case $mode in
	untraced) ;;
	floor) floor_start "$out" ;;
	copy) copy_start "$out" ;;
	profile) stats_on && sniff_start "$mode" "$out" && perf_start "$out" ;;
	*) sniff_start "$mode" "$out" ;;
	esac
	# The tracer's CPU: sslsniff's, or the copy floor's reader.
	tracer=${SNIFF_PID:-$COPY_PID}
	children_cpu >"$W/w0"
	[[ -z $tracer ]] || s0=$(cpu_ticks "$tracer")
	h0=$(host_ticks) n0=$(cpu_ticks "$NGINX_WORKER")
	wrk_run "$RUN_SECONDS" "$size" "$out.wrk"
	[[ -z $tracer ]] || s1=$(cpu_ticks "$tracer")
	echo "$(($(host_ticks) - h0)) $(($(cpu_ticks "$NGINX_WORKER") - n0))" \
		"$((s1 - s0))" >"$out.cpu"
	children_cpu >"$W/w1"
	awk '{ w[NR] = $1 } END { print w[2] - w[1] }' "$W/w0" "$W/w1" >>"$out.cpu"
	nginx_rotate "$out.nginx"
	case $mode in
	untraced) ;;
	floor) floor_stop "$out" ;;
	copy) copy_stop "$out" ;;
	profile) perf_stop "$out" && stats_off "$out" && sniff_stop "$out" ;;
	*) sniff_stop "$out" ;;
	esac
	awk '/^BENCH/ { printf "%.0f requests/s\n", $2 / ($4 / 1e6) }' "$out.wrk" >&2
}

# --- start-up time and the runs ---

STARTUP_ARGS=(-f json -o /dev/null)
echo "bench: start-up, cold (empty core-btf cache) and warm x5" >&2
rm -rf /var/cache/sslsniff/core-btf
python3 "$here/bench.py" startup "$SSLSNIFF" "${STARTUP_ARGS[@]}" >"$W/startup-cold" ||
	die "sslsniff did not start"
for i in 1 2 3 4 5; do
	python3 "$here/bench.py" startup "$SSLSNIFF" "${STARTUP_ARGS[@]}" >>"$W/startup-warm" ||
		die "sslsniff did not start"
done

[[ $FLOOR == 0 ]] || floor_script
echo "bench: ${RUN_SECONDS}s runs, $PAIRS pairs per output, wrk -t1 -c$CONNS" >&2
for size in $SIZES; do
	wrk_run "$WARMUP_SECONDS" "$size" "$W/warmup.wrk"
	nginx_rotate "$W/warmup.nginx"
	for ((i = 1; i <= PAIRS; i++)); do
		run_one "$size" untraced "$size-$i-untraced-json"
		run_one "$size" json "$size-$i-json"
		run_one "$size" untraced "$size-$i-untraced-pcapng"
		run_one "$size" pcapng "$size-$i-pcapng"
		if [[ $WIRE != 0 ]]; then
			run_one "$size" untraced "$size-$i-untraced-wire"
			run_one "$size" wire "$size-$i-wire"
			run_one "$size" untraced "$size-$i-untraced-wire-pcap"
			run_one "$size" wire-pcap "$size-$i-wire-pcap"
		fi
		[[ $FLOOR == 0 ]] && continue
		run_one "$size" untraced "$size-$i-untraced-floor"
		run_one "$size" floor "$size-$i-floor"
		run_one "$size" untraced "$size-$i-untraced-copy"
		run_one "$size" copy "$size-$i-copy"
	done
	[[ $PROFILE == 0 ]] || run_one "$size" profile "$size-profile"
done

# sslsniff's user space per record without the kernel, nginx or wrk
# (bench/replay.c, make bench builds it): when the machine is quiet again.
REPLAY=${BENCH_REPLAY:-$root/.output/bench/replay}
if [[ $PROFILE != 0 && -x $REPLAY ]]; then
	echo "bench: user space per record (bench/replay)" >&2
	"$REPLAY" 2 >"$W/replay.md" 2>"$W/replay.err" || { cat "$W/replay.err" >&2; die "replay failed"; }
	REPLAY_RAW=1 "$REPLAY" 2 >"$W/replay-raw.md" 2>"$W/replay.err" ||
		{ cat "$W/replay.err" >&2; die "replay without the HTTP stage failed"; }
fi

python3 "$here/bench.py" report "$W" "$RESULTS" \
	--sizes "$SIZES" --seconds "$RUN_SECONDS" --pairs "$PAIRS" --conns "$CONNS" --root "$root"
