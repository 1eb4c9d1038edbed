#!/usr/bin/env bash
# test-timeout: 600
# A short-lived client in a container whose library layout sslsniff has not
# loaded yet is captured from its first request (issue 13, point 1): in the
# root of each version of the compatibility matrix, one client run exactly
# once (curl on the roots' OpenSSL 1.1.1, 3.5 and 3.6, openssl s_client on
# 4.0, gnutls-cli on GnuTLS 3.7 and 3.8, tstclnt on NSPR), while sslsniff
# runs system-wide on the host: what it wrote and read, byte for byte
# against what the server read and sent, under its own pid.
#
# Each client gets a fresh sslsniff, and no process of its root runs before
# it: a process of the root alive earlier would make its libraries (and
# their layouts) known in advance and hide the defect. The server runs on
# the host (a chroot'ed client reaches the host's 127.0.0.1), and every
# client has its request from the start (arguments, or stdin from a file),
# so that the first request comes as fast as the client can make it.
# The roots come from tests/matrix/setup-roots.sh (cached; built on first use).
. "$(dirname "$0")/lib.sh"
need python3 chroot
SUITES=(bullseye trixie sid experimental)
LIBDIR=/usr/lib/x86_64-linux-gnu

# SUITE | CLIENT | LIBRARY | LIBRARY FILE in the root. sid's curl (and so
# experimental's) links libssl.so.3: OpenSSL 4.0 is reached with its own
# openssl command. curl on bullseye and trixie maps the root's GnuTLS too.
CELLS=(
	"bullseye|curl|openssl|$LIBDIR/libssl.so.1.1"
	"trixie|curl|openssl|$LIBDIR/libssl.so.3"
	"sid|curl|openssl|$LIBDIR/libssl.so.3"
	"experimental|s_client|openssl|$LIBDIR/libssl.so.4"
	"bullseye|gnutls-cli|gnutls|$LIBDIR/libgnutls.so.30"
	"trixie|gnutls-cli|gnutls|$LIBDIR/libgnutls.so.30"
	"bullseye|tstclnt|nss|$LIBDIR/libnspr4.so"
	"trixie|tstclnt|nss|$LIBDIR/libnspr4.so"
)

matrix_roots "${SUITES[@]}"

client_path() {
	case $1 in
	curl) echo /usr/bin/curl ;;
	s_client) echo /usr/bin/openssl ;;
	*) echo "/usr/bin/$1" ;;
	esac
}

# Scratch directories inside the roots (tstclnt's certificate databases).
SCRATCH=()
trap 'rc=$?; rm -rf "${SCRATCH[@]}"; (exit $rc); cleanup' EXIT

# Every client links its root's own library file (by inode: the root names
# it by its own path), and tstclnt has a database made by its root's own
# certutil. Both run in the root, so they are done now, before any sslsniff
# starts.
declare -A NSSDB
for c in "${CELLS[@]}"; do
	IFS='|' read -r suite kind lib file <<<"$c"
	r=$(root_dir "$suite")
	[[ -d $r ]] || fail "no $suite root in: $(cat "$T/roots.out")"
	[[ -e $r$file ]] || fail "$suite: no '$file' in '$r'"
	bin=$(client_path "$kind")
	linked=$(chroot "$r" ldd "$bin" 2>/dev/null | awk -v so="$(basename "$file")" '$1 == so {print $3}')
	[[ -n $linked && $(stat -L -c %i "$r$linked") == $(stat -L -c %i "$r$file") ]] ||
		fail "$suite: $bin does not link the root's $file (ldd: '${linked:-none}')"
	if [[ $kind == tstclnt ]]; then
		w=$(mktemp -d "$r/tmp/sslsniff-first-call.XXXXXX") || fail "cannot write in '$r'"
		SCRATCH+=("$w")
		NSSDB[$suite]=sql:${w#"$r"}
		chroot "$r" certutil -N -d "${NSSDB[$suite]}" --empty-password >"$T/certutil.log" 2>&1 ||
			fail "$suite: certutil cannot make a database: $(cat "$T/certutil.log")"
	fi
done

# The pids of processes whose root is DIR (a real path).
root_pids() {
	local p
	for p in /proc/[0-9]*; do
		[[ $(readlink "$p/root" 2>/dev/null) == "$1" ]] && echo "${p#/proc/}"
	done
}

# A file sslsniff names, as a path under the root $r when it is one: its
# own path in the root, or /proc/PID/root/... of the client (gone by now)
# or of a process still in the root.
root_path() {
	local pid=${CLIENT:-}
	if [[ $1 =~ ^/proc/([0-9]+)/root(/.*)$ ]] && [[ ${BASH_REMATCH[1]} == "$pid" ||
		$(readlink "/proc/${BASH_REMATCH[1]}/root" 2>/dev/null) == "$r" ]]; then
		echo "$r${BASH_REMATCH[2]}"
	else
		echo "$1"
	fi
}

# True when sslsniff's stderr says it attached to FILE (by inode), or to
# any file of the root $r with "any".
lib_attached() {
	local ino p
	ino=$(stat -L -c %i "$1")
	grep -oE "^sslsniff: attached [0-9]+ probes to '[^']*'" "$T/err" | cut -d"'" -f2 |
		while read -r p; do
			p=$(root_path "$p")
			[[ $(stat -L -c %i "$p" 2>/dev/null) == "$ino" || (${2:-} == any && $p == "$r"/*) ]] &&
				echo yes
		done | grep -q yes
}

# The binary under test says when its program instances are loaded; one
# that never says so (the code before issue 13) gets 30 s once, then none.
INSTANCES_WAIT=30 instances_said=
BAD=()
n=0
for c in "${CELLS[@]}"; do
	IFS='|' read -r suite kind lib file <<<"$c"
	r=$(realpath "$(root_dir "$suite")")
	n=$((n + 1))
	cell="$suite $kind ($lib, $(basename "$file"))"
	CLIENT=

	unique "first-call-$n" >"$T/req"
	: >"$T/requests"
	: >"$T/replies"
	if [[ $kind == curl ]]; then
		unique "first-call-body-$n" >"$T/body"
		peer_serve "srv$n" --http --reply "$T/body" --requests "$T/requests" --replies "$T/replies"
	else
		printf 'first-call:{req}' >"$T/reply"
		peer_serve "srv$n" --reply "$T/reply" --requests "$T/requests" --replies "$T/replies"
	fi

	sniff_start -f json
	if wait_for "$INSTANCES_WAIT" grep -qE '^sslsniff: .*program instances ready' "$T/err"; then
		instances_said=yes
	elif [[ -n $instances_said ]]; then
		fail "$cell: no 'program instances ready' line within $INSTANCES_WAIT s"
	elif ((INSTANCES_WAIT)); then
		echo "no 'program instances ready' line within $INSTANCES_WAIT s: going on without it"
		INSTANCES_WAIT=0
	fi

	# Nothing of the root known yet: a process of it running now, or one
	# that came and went since sslsniff started (not ours: the suite lock
	# is held), would make this cell prove nothing.
	pids=$(root_pids "$r" | tr '\n' ' ')
	[[ -z $pids ]] || fail "$cell: processes of the root run (pids $pids): they would hide the defect"
	! lib_attached "$r$file" any ||
		fail "$cell: sslsniff attached to the root's libraries before its client ran"

	case $kind in
	curl)
		chroot "$r" curl -sSk --http1.1 "https://127.0.0.1:$PORT/$(cat "$T/req")" \
			>"$T/got" 2>"$T/cli.err" &
		;;
	s_client)
		# -quiet (and so -ign_eof): the end of stdin does not end the
		# session, the server's close does.
		chroot "$r" openssl s_client -connect "127.0.0.1:$PORT" -quiet \
			<"$T/req" >"$T/got" 2>"$T/cli.err" &
		;;
	gnutls-cli)
		chroot "$r" gnutls-cli --insecure --logfile=/dev/null -p "$PORT" 127.0.0.1 \
			<"$T/req" >"$T/got" 2>"$T/cli.err" &
		;;
	tstclnt)
		# -o: accept the self-signed certificate.
		chroot "$r" tstclnt -h 127.0.0.1 -p "$PORT" -d "${NSSDB[$suite]}" -o \
			<"$T/req" >"$T/got" 2>"$T/cli.err" &
		;;
	esac
	CLIENT=$!
	BG_PIDS+=($CLIENT)
	wait "$CLIENT"
	crc=$?
	sniff_stop

	# The exchange itself, as the client and the server saw it (the
	# server wrote both files before it sent the reply).
	if [[ $kind == curl ]]; then
		cmp -s "$T/body" "$T/got" || fail "$cell: curl (exit $crc) did not get the body: $(head -c 300 "$T/cli.err")"
	else
		grep -qF "first-call:$(cat "$T/req")" "$T/got" ||
			fail "$cell: the client (exit $crc) did not get the reply: $(head -c 300 "$T/cli.err")"
	fi
	[[ -s $T/requests && -s $T/replies ]] || fail "$cell: the server saw no request"

	# The capture: the client's first write is its request, whole.
	why=()
	records --pid "$CLIENT" --dir write --data >"$T/c.w" || fail "$cell: records.py failed"
	records --pid "$CLIENT" --dir read --data >"$T/c.r" || fail "$cell: records.py failed"
	cmp -s "$T/requests" "$T/c.w" ||
		why+=("write: $(wc -c <"$T/c.w") bytes captured, not the $(wc -c <"$T/requests") it sent")
	cmp -s "$T/replies" "$T/c.r" ||
		why+=("read: $(wc -c <"$T/c.r") bytes captured, not the $(wc -c <"$T/replies") it read")
	libs=$(records --pid "$CLIENT" --field library | sort -u | tr '\n' ' ')
	[[ -z $libs || $libs == "$lib " ]] || why+=("library '${libs% }', want $lib")
	if ((${#why[@]} == 0)); then
		echo "ok   $cell: pid $CLIENT, $(wc -c <"$T/c.w") bytes written, $(wc -c <"$T/c.r") read"
		continue
	fi
	if lib_attached "$r$file"; then
		why+=("sslsniff did say it attached to its $(basename "$file")")
	else
		why+=("sslsniff never said it attached to its $(basename "$file")")
	fi
	echo "FAIL $cell: pid $CLIENT: $(printf '%s; ' "${why[@]}" | sed 's/; $//')"
	BAD+=("$cell")
done

((${#BAD[@]} == 0)) || fail "not captured from the first request: $(printf '%s, ' "${BAD[@]}" | sed 's/, $//')"
