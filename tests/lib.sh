# SPDX-License-Identifier: GPL-2.0
# Shared helpers for tests/t-*.sh. Source it; it sets up $T (a scratch
# directory), a certificate ($CERT, $KEY), and cleans everything on exit.
set -u

: "${SSLSNIFF:?run the tests through tests/run}"
TESTS_DIR=${TESTS_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
PEER="python3 $TESTS_DIR/peer.py"
RECORDS="python3 $TESTS_DIR/records.py"

# Run alone (not by tests/run): take the suite lock so no other test
# traces the machine at the same time.
if [[ -z ${SSLSNIFF_TESTS_LOCKED:-} ]]; then
	exec 9>>"${SSLSNIFF_TESTS_LOCK:-/tmp/sslsniff-tests.lock}"
	flock -w 1800 9 || { echo "FAIL: another sslsniff test run holds the lock" >&2; exit 1; }
	export SSLSNIFF_TESTS_LOCKED=1
fi

T=$(mktemp -d /tmp/sslsniff-test.XXXXXX)
CERT=$T/cert.pem
KEY=$T/key.pem
SNIFF_PID=
BG_PIDS=()
CGROUPS_MADE=()
NETNS_MADE=()

cleanup() {
	local rc=$?
	[[ -n $SNIFF_PID ]] && kill -INT "$SNIFF_PID" 2>/dev/null && wait "$SNIFF_PID" 2>/dev/null
	for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	pkill -P $$ 2>/dev/null	# subshells that feed clients
	wait 2>/dev/null
	# Cgroups this test made, deepest first (their processes have ended).
	for ((i = ${#CGROUPS_MADE[@]} - 1; i >= 0; i--)); do rmdir "${CGROUPS_MADE[i]}" 2>/dev/null; done
	# Network namespaces this test made (their veth ends go with them).
	for ns in "${NETNS_MADE[@]}"; do ip netns del "$ns" 2>/dev/null; done
	# SSLSNIFF_TEST_KEEP=1 keeps a failed test's scratch directory.
	if [[ $rc != 0 && $rc != 2 && -n ${SSLSNIFF_TEST_KEEP:-} ]]; then
		echo "scratch directory kept: $T" >&2
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT

# tests/run's timeout sends SIGTERM: say where the test was waiting and what
# still ran, so that a hang names itself (the trap runs once a foreground
# command returns, at once within `wait`).
on_timeout() {
	echo "terminated (timeout) at: $BASH_COMMAND (lines ${BASH_LINENO[*]} in ${FUNCNAME[*]:1})" >&2
	ps -o pid,stat,etime,args --ppid $$ >&2 2>/dev/null
	[[ -z $SNIFF_PID || ! -e $T/err ]] || { echo "sslsniff's stderr ends:" >&2; tail -n 5 "$T/err" >&2; }
	exit 124
}
trap on_timeout TERM

fail() {
	if [[ -s $T/err ]]; then
		echo "--- last lines of sslsniff's stderr:" >&2
		tail -n 4 "$T/err" >&2
	fi
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

# The run's certificate (tests/run makes one), else one of our own.
if [[ -r ${SSLSNIFF_TEST_CERT:-} && -r ${SSLSNIFF_TEST_KEY:-} ]]; then
	cp "$SSLSNIFF_TEST_CERT" "$CERT" && cp "$SSLSNIFF_TEST_KEY" "$KEY" || fail "cannot copy the certificate"
else
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj /CN=localhost -keyout "$KEY" -out "$CERT" 2>/dev/null || fail "cannot make a certificate"
fi

# A payload nobody else sends: NAME-<random hex>.
unique() {
	echo "$1-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
}

# A TCP port on 127.0.0.1 nobody listens on (the kernel's pick).
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_for SECONDS COMMAND...: waits until COMMAND succeeds.
wait_for() {
	local secs=$1 i; shift
	for ((i = 0; i < secs * 20; i++)); do
		"$@" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# attached_to REGEX: sslsniff ($T/err) has attached to a file it found after
# it started (mapped by a process, or in a new root's linker cache), whose
# path matches REGEX (grep -E). Without -p its probes are then on the file
# for every process that maps it, whichever the line names.
attached_to() {
	grep -qE "^sslsniff: attached [0-9]+ probes to '$1' \((mapped by|in the root of) pid " \
		"$T/err"
}

# client_input REQ GOT PATTERN [GO]: stdin for a client that stops at the
# end of its input (s_client): once the file GO exists, if given, the bytes
# of REQ, then the input stays open until GOT, the client's output, has
# PATTERN (the reply). At most 20 s each.
client_input() {
	if [[ -n ${4:-} ]]; then
		wait_for 20 test -e "$4" || return 1
	fi
	cat "$1"
	wait_for 20 grep -qF -- "$3" "$2"
}

# sniff_start ARGS...: runs sslsniff in the background; output to $T/out,
# diagnostics to $T/err; returns once it says capture has started.
sniff_start() {
	local i
	# Emptied first: the child's own truncation may come after our first
	# look, which must not find the previous run's "Ctrl-C to end.".
	: >"$T/out"
	: >"$T/err"
	# SSLSNIFF_RETURN_PROBES=insn|uretprobe: the suite's tests in that mode
	# (t-return-probes runs a selection of them with insn).
	"$SSLSNIFF" ${SSLSNIFF_RETURN_PROBES:+--return-probes=$SSLSNIFF_RETURN_PROBES} "$@" \
		>"$T/out" 2>"$T/err" &
	SNIFF_PID=$!
	for ((i = 0; i < 400; i++)); do
		grep -q 'Ctrl-C to end\.$' "$T/err" && return 0
		kill -0 "$SNIFF_PID" 2>/dev/null || { cat "$T/err" >&2; fail "sslsniff $* exited early"; }
		sleep 0.05
	done
	cat "$T/err" >&2
	fail "sslsniff $* did not get ready in 20 s"
}

# percall_start FILE: a second sslsniff beside the test's own, per-call
# capture in JSON to FILE (its stderr in FILE.err), for comparing -i with
# it; PERCALL is its pid. Stop it with percall_stop.
percall_start() {
	"$SSLSNIFF" -f json -o "$1" 2>"$1.err" 9>&- &
	PERCALL=$!
	BG_PIDS+=($PERCALL)
	wait_for 20 grep -q 'Ctrl-C to end\.$' "$1.err" ||
		fail "per-call sslsniff did not start: $(cat "$1.err")"
}

percall_stop() {
	kill -INT "$PERCALL"
	wait "$PERCALL" || fail "per-call sslsniff exited $?"
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

# peer_serve NAME ARGS...: starts tests/peer.py serve; sets PORT, and
# SERVER to its pid.
peer_serve() {
	local name=$1; shift
	$PEER serve --cert "$CERT" --key "$KEY" "$@" >"$T/$name.ready" 2>"$T/$name.err" &
	SERVER=$!
	BG_PIDS+=($SERVER)
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

# cgroup_mount cgroup2 | cgroup CONTROLLER: where that hierarchy is
# mounted here, "" when it is not.
cgroup_mount() {
	awk -v t="$1" -v c="${2:-}" '{
		for (i = 7; $i != "-"; i++) ;
		if ($(i + 1) != t) next
		if (c != "" && ("," $(i + 3) ",") !~ ("," c ",")) next
		print $5; exit
	}' /proc/self/mountinfo
}

# cgroup_make DIR: makes cgroup DIR and its missing parents, removed when
# the test ends.
cgroup_make() {
	local d=$1 missing=()
	while [[ ! -d $d ]]; do missing=("$d" "${missing[@]}"); d=$(dirname "$d"); done
	for d in "${missing[@]}"; do
		mkdir "$d" || fail "cannot make cgroup $d"
		CGROUPS_MADE+=("$d")
	done
}

# "${IN_CGROUP[@]}" DIR[:DIR] COMMAND...: runs COMMAND in cgroup DIR (one
# per hierarchy), exec'd (a command, not a function: started with &, $! is
# COMMAND's pid).
IN_CGROUP=(sh -c 'IFS=:; for d in $0; do echo $$ >"$d/cgroup.procs" || exit 1; done; exec "$@"')

# matrix_roots SUITE...: the compatibility matrix's Debian roots (cached;
# built on first use by tests/matrix/setup-roots.sh); root_dir SUITE then
# names one. Skips when the mirror is not reachable.
matrix_roots() {
	"$TESTS_DIR/matrix/setup-roots.sh" "$@" >"$T/roots.out" 2>"$T/roots.err"
	case $? in
	0) ;;
	3) skip "the Debian roots cannot be built: the Debian mirror is not reachable" ;;
	*) fail "the Debian roots could not be built: $(tail -n 3 "$T/roots.err")" ;;
	esac
}
root_dir() { awk -v s="$1" '$1 == s {print $2}' "$T/roots.out"; }

# openssl_root DIR: a root made of the host's openssl and its libraries,
# copied (new inodes: not the host's libssl), with /dev/null bound into it
# (unbound when the test ends). Skips when that cannot be mounted.
openssl_root() {
	local f
	mkdir -p "$1/dev" "$1/tmp" "$1/usr/lib/ssl"
	for f in /usr/bin/openssl $(ldd /usr/bin/openssl | grep -o '/[^ ]*'); do
		mkdir -p "$1$(dirname "$f")"
		cp -L "$f" "$1$f"
	done
	cp /usr/lib/ssl/openssl.cnf "$1/usr/lib/ssl/" 2>/dev/null
	touch "$1/dev/null" && mount --bind /dev/null "$1/dev/null" ||
		skip "cannot bind-mount /dev/null into the test root"
	# shellcheck disable=SC2064 # the root's path, now
	trap "umount '$1/dev/null' 2>/dev/null; cleanup" EXIT
}

# debian11_openssl: Debian 11's real openssl and libssl 1.1.1w, unpacked
# once into the cache (they run on this glibc). Sets OLD (the tree) and
# OLDLIB (its libssl's directory); skips when the mirror cannot give them.
debian11_openssl() {
	. "$TESTS_DIR/../scripts/lib-apt.sh"
	OLD=$SSLSNIFF_CACHE/pkgs/openssl-1.1.1w
	OLDLIB=$OLD/usr/lib/x86_64-linux-gnu
	debian_unpack bullseye "$OLD" openssl=1.1.1w-0+deb11u1 libssl1.1=1.1.1w-0+deb11u1 \
		>"$T/fetch.log" 2>&1 || {
		grep -qiE "failed to fetch|unable to locate|could not resolve|temporary failure" "$T/fetch.log" &&
			skip "Debian 11's openssl cannot be downloaded here: $(tail -n 1 "$T/fetch.log")"
		cat "$T/fetch.log" >&2
		fail "cannot unpack Debian 11's openssl"
	}
}

# old_openssl ARGS...: Debian 11's openssl command (debian11_openssl first).
old_openssl() {
	LD_LIBRARY_PATH=$OLDLIB "$OLD/usr/bin/openssl" "$@"
}

# same_records ENTRY PLACED MIN: the JSON records of a --probe-entry run and
# of a run with probes placed (t-probe-placement*) are the same, record for
# record (who, which function, which bytes, which connection), at least MIN
# of them, with every one of OpenSSL's four data functions among them.
same_records() {
	local f
	records_rows "$1" >"$T/entry.rows"
	records_rows "$2" >"$T/placed.rows"
	[[ $(wc -l <"$T/placed.rows") -ge $3 ]] || fail "too few records: $(wc -l <"$T/placed.rows")"
	diff "$T/entry.rows" "$T/placed.rows" >&2 ||
		fail "the placed probes' records differ from the entry points' (< entry, > placed)"
	for f in SSL_read SSL_write SSL_read_ex SSL_write_ex; do
		grep -q "	$f	" "$T/placed.rows" || fail "no $f record"
	done
}
records_rows() {
	python3 - "$1" <<'PY'
import json, sys
keys = ("pid", "tid", "comm", "function", "direction", "library", "length", "data",
        "fd", "fd_source", "src", "dst", "tls_version", "cipher", "lost", "truncated")
rows = []
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("type") == "data":
        rows.append("\t".join(str(r.get(k, "-")) for k in keys))
print("\n".join(sorted(rows)))
PY
}

# nginx_start LISTEN [HTTP [SERVER]]: Debian's nginx, its own prefix in
# $T/nginx ($W), on 127.0.0.1 with TLS and the test certificate, serving
# $W/html; LISTEN adds to the listen line ("ssl", "ssl http2"), HTTP and
# SERVER are more directives for those blocks (HTTP's default: no access
# log). Sets NPORT, NGINX (the master) and WORKER (its one worker) once a
# request has been answered.
nginx_start() {
	W=$T/nginx
	mkdir -p "$W/html" "$W/tmp"
	# The worker runs as www-data: it must reach the files.
	chmod 755 "$T" "$W" "$W/html"
	NPORT=$(free_port)
	cat >"$W/nginx.conf" <<CONF
daemon off;
user www-data;
worker_processes 1;
pid $W/nginx.pid;
error_log $W/error.log warn;
events { worker_connections 1024; }
http {
	default_type application/octet-stream;
	types { text/html html; }
	sendfile off;
	keepalive_requests 1000000;
	client_body_temp_path $W/tmp/body;
	proxy_temp_path $W/tmp/proxy;
	fastcgi_temp_path $W/tmp/fastcgi;
	uwsgi_temp_path $W/tmp/uwsgi;
	scgi_temp_path $W/tmp/scgi;
	${2:-access_log off;}
	server {
		listen 127.0.0.1:$NPORT $1;
		ssl_certificate $CERT;
		ssl_certificate_key $KEY;
		root $W/html;
		${3:-}
	}
}
CONF
	nginx -e "$W/error.log" -p "$W" -c "$W/nginx.conf" &
	NGINX=$!
	BG_PIDS+=($NGINX)
	wait_for 10 curl -sk -o /dev/null "https://127.0.0.1:$NPORT/" ||
		fail "nginx did not start: $(cat "$W/error.log")"
	WORKER=$(pgrep -P "$NGINX" | head -n 1)
	[[ -n $WORKER ]] || fail "no nginx worker"
}

# http_files: $W/html/index.html (a small page) and $W/html/1m.bin (1 MiB
# of random bytes), readable by nginx's worker.
http_files() {
	printf '<!doctype html>\n<title>sslsniff</title>\n<p>%s</p>\n' "$(unique page)" \
		>"$W/html/index.html"
	head -c $((1 << 20)) /dev/urandom >"$W/html/1m.bin"
	chmod 644 "$W/html/index.html" "$W/html/1m.bin"
}

# Debian's python3, whose h2 and grpcio make deps installs (a python3
# earlier in PATH may not have them); http_check runs it on a script from
# stdin that can import tests/http_json.py.
PY3=/usr/bin/python3
http_check() {
	PYTHONDONTWRITEBYTECODE=1 PYTHONPATH=$TESTS_DIR $PY3 - "$@"
}

# go_build SRC NAME [static] [stripped] [external]: tests/go/SRC.go (with
# tests/go/common.go) built with Go
# (Debian's go, or $GOROOT_TEST/bin/go: a toolchain from go_toolchain)
# (module sslsniff.test/NAME; static: without cgo, else linked to libc;
# stripped: -ldflags='-s -w', no symbol table, no DWARF; external: linked
# by gcc, runtime.text no longer .text's start), cached under
# $SSLSNIFF_CACHE/go-build (default /var/cache/sslsniff) by the hash of its
# source, the modes and the toolchain's version (built again when absent),
# and copied to $T/NAME (its comm). Skips without go.
go_bin() {
	if [[ -n ${GOROOT_TEST:-} ]]; then echo "$GOROOT_TEST/bin/go"; else need go; echo go; fi
}

go_build() {
	local name=$2 src=$TESTS_DIR/go/$1.go cache=${SSLSNIFF_CACHE:-/var/cache/sslsniff}/go-build key dir
	local cgo=1 ldflags= gobin mode
	for mode in "${@:3}"; do
		case $mode in
		static) cgo=0 ;;
		stripped) ldflags="${ldflags:+$ldflags }-s -w" ;;
		external) ldflags="${ldflags:+$ldflags }-linkmode=external" ;;
		*) fail "go_build: unknown mode $mode" ;;
		esac
	done
	gobin=$(go_bin) || exit
	key=$( { cat "$src" "$TESTS_DIR/go/common.go"; echo "cgo=$cgo ldflags=$ldflags"
		"$gobin" version; } | sha256sum | cut -c1-16)
	dir=$cache/$name-$key
	if [[ ! -x $dir/$name ]]; then
		mkdir -p "$cache/gocache" "$T/gobuild-$name" || fail "cannot make $cache"
		cp "$src" "$TESTS_DIR/go/common.go" "$T/gobuild-$name/" || fail "cannot copy $src"
		printf 'module sslsniff.test/%s\n\ngo 1.17\n' "$name" >"$T/gobuild-$name/go.mod"
		(cd "$T/gobuild-$name" && HOME=$T GOCACHE=$cache/gocache GOPATH=$T/gopath \
			GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local CGO_ENABLED=$cgo \
			"$gobin" build -ldflags="$ldflags" -o "$T/gobuild-$name/$name" .) \
			>"$T/gobuild-$name.log" 2>&1 ||
			fail "go build $name: $(tail -n 5 "$T/gobuild-$name.log")"
		mkdir -p "$dir" && mv -f "$T/gobuild-$name/$name" "$dir/$name" ||
			fail "cannot cache $name in $dir"
	fi
	cp "$dir/$name" "$T/$name" || fail "cannot copy $name"
}
