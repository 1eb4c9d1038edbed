#!/usr/bin/env bash
# A static Go server inside a container root: its own mount namespace, the
# root a tmpfs there that the host cannot see, entered with chroot, so the
# executable's path in /proc/PID/maps opens nothing on the host. sslsniff,
# system-wide, finds its crypto/tls whether it started before the server
# (the exec watch) or after it (/proc/*/maps). Each time a python client on
# the host sends an HTTP/1.1 request: the server's records are that request
# and the reply the client read, byte for byte, with the server's pid and
# comm and the connection reversed; --detect through /proc/PID/root gives
# the version of the toolchain that built it.
. "$(dirname "$0")/lib.sh"
need unshare chroot
go_build server goserver static

# The root: the server, its certificate and body, nothing else (static).
R=$T/root
mkdir -p "$R/tmp" "$R/srv"
cp "$T/goserver" "$R/goserver"
cp "$CERT" "$KEY" "$R/srv/"
head -c $((256 << 10)) /dev/urandom >"$R/srv/body"
NS=$T/ns
mkdir -p "$NS"
GOV=$("$(go_bin)" env GOVERSION)

# server_start: the server in its namespace (unshare and chroot exec it:
# SERVER is its pid), PORT once it listens.
server_start() {
	unshare -m --propagation private sh -c "mount -t tmpfs none '$NS' && cp -a '$R/.' '$NS/' &&
		exec chroot '$NS' /goserver -cert /srv/cert.pem -key /srv/key.pem -body /srv/body" \
		>"$T/srv.ready" 2>"$T/srv.err" &
	SERVER=$!
	BG_PIDS+=($SERVER)
	wait_for 10 grep -q '^ready' "$T/srv.ready" || fail "the server did not start: $(cat "$T/srv.err")"
	PORT=$(awk '{print $2}' "$T/srv.ready")
	[[ $(readlink "/proc/$SERVER/exe") == */goserver ]] ||
		fail "pid $SERVER is not the root's server: $(readlink "/proc/$SERVER/exe")"
	[[ ! -e $NS/goserver ]] || fail "the host sees the root's tmpfs"
}

# request NAME: one HTTP/1.1 request from the host, checked against the
# server's records once sslsniff has stopped.
request() {
	printf 'GET /%s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$(unique "$1")" \
		>"$T/$1.req"
	$PEER client --port "$PORT" --send "$T/$1.req" --out "$T/$1.got" --info "$T/$1.info" \
		2>"$T/$1.err" || fail "$1: the client failed: $(cat "$T/$1.err")"
	grep -q '^HTTP/1.1 200 OK' "$T/$1.got" || fail "$1: the client got $(head -c 200 "$T/$1.got")"
}
check() {	# check NAME: the server's records of the request NAME
	local fd laddr lport raddr rport
	records --pid "$SERVER" --dir read --data >"$T/$1.r"
	records --pid "$SERVER" --dir write --data >"$T/$1.w"
	assert_bytes "$T/$1.req" "$T/$1.r" "$1: the server's read"
	assert_bytes "$T/$1.got" "$T/$1.w" "$1: the server's write"
	[[ $(records --pid "$SERVER" --field comm | sort -u) == goserver ]] ||
		fail "$1: comm $(records --pid "$SERVER" --field comm | sort -u)"
	[[ $(records --pid "$SERVER" --field function | sort -u) == $'crypto/tls.(*Conn).Read\ncrypto/tls.(*Conn).Write' ]] ||
		fail "$1: functions $(records --pid "$SERVER" --field function | sort -u)"
	read -r fd laddr lport raddr rport _ <"$T/$1.info"
	[[ $(records --pid "$SERVER" --field src | sort -u) == "$raddr:$rport" &&
		$(records --pid "$SERVER" --field dst | sort -u) == "$laddr:$lport" ]] ||
		fail "$1: connection $(records --pid "$SERVER" --field src | sort -u) -> $(records --pid "$SERVER" --field dst | sort -u), the client says $laddr:$lport -> $raddr:$rport"
}

# Started after sslsniff: the exec watch attaches the root's executable.
sniff_start -f json
server_start
wait_for 10 grep -qE "^sslsniff: attached [0-9]+ probes to '[^']*' \((mapped by|in the root of) pid $SERVER\)" "$T/err" ||
	fail "sslsniff did not attach to the server started in its root: $(cat "$T/err")"
request later
sniff_stop
check later

# Already running: found in /proc/*/maps, opened through the process.
sniff_start -f json
request running
sniff_stop
check running

# --detect through the process's root, the only way to its file here.
"$SSLSNIFF" --detect "/proc/$SERVER/root/goserver" >"$T/detect" 2>&1 || fail "--detect: $(cat "$T/detect")"
grep -qx "version:  ${GOV#go} (from /proc/$SERVER/root/goserver)" "$T/detect" &&
	grep -qx "module:   sslsniff.test/goserver" "$T/detect" || fail "--detect: $(cat "$T/detect")"
