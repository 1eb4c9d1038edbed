#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# One cell of the compatibility matrix (tests/matrix/run): a real client of
# one TLS library version talks to a python server in the same root (a
# Debian root from setup-roots.sh, entered with chroot, or "/" for the
# host's own libraries), while sslsniff runs outside it, system-wide, and
# must find the root's library on its own (/proc/PID/root).
#
#   cell.sh LIBRARY ROOT CLIENT LIBFILE
#
# LIBRARY openssl, gnutls or nss; CLIENT python, s_client, gnutls-cli,
# tstclnt or node; LIBFILE the library file as the root sees it.
# Appends one line per column to $CELL_RESULT, "COLUMN STATUS TEXT":
# version (STATUS is "-"), capture, metadata, keys and detector, with
# STATUS pass, fail or skipped. Ground truth is the applications' own:
# the bytes the client sent and received, its socket (its own --info, or
# ss and the server's view of the connection), its own key log, and the
# package database of the root.
. "$(dirname "$0")/../lib.sh"
: "${CELL_RESULT:?run cells through tests/matrix/run}"
LIB=$1 R=$2 KIND=$3 LIBFILE=$4
need python3 ss chroot

# The scratch directory inside the root: $W here, $w as the root sees it.
if [[ $R == / ]]; then
	W=$T/w
	mkdir -p "$W"
	w=$W
	RUN=()
else
	W=$(mktemp -d "$R/tmp/sslsniff-matrix.XXXXXX") || fail "cannot write in the root '$R'"
	w=${W#"$R"}
	RUN=(chroot "$R")
fi
trap 'rc=$?; rm -rf "$W"; (exit $rc); cleanup' EXIT

. "$TESTS_DIR/matrix/cell-lib.sh"

upstream() {	# upstream DEBIAN-VERSION: without epoch and revision
	local v=${1#*:}
	echo "${v%-*}"
}
pkg_version() {	# pkg_version FILE|PACKAGE: the version of the package that has it
	local db=$R/var/lib/dpkg pkg=$1
	if [[ $1 == /* ]]; then
		pkg=$(dpkg-query --admindir="$db" -S "$1" 2>/dev/null | head -n 1 | cut -d: -f1)
		[[ -n $pkg ]] || pkg=$(dpkg-query --admindir="$db" -S "/usr${1#/usr}" "${1#/usr}" 2>/dev/null |
			head -n 1 | cut -d: -f1)
	fi
	[[ -n $pkg ]] && dpkg-query --admindir="$db" -W -f='${Version}' "$pkg" 2>/dev/null
}

# --- What the library is: the root's package database, then the detector. ---
[[ -e $R$LIBFILE ]] || fail "no '$LIBFILE' in '$R'"
if [[ $KIND == node ]]; then
	nm -D "$R$LIBFILE" 2>/dev/null | grep -q ' T SSL_write$' ||
		skip "this node links libssl dynamically (no SSL_write in the executable)"
	WANT_VERSION=$(node -p process.versions.openssl)
	WANT_VERSION=${WANT_VERSION%%+*}
	result version - "node $(node --version), OpenSSL $WANT_VERSION built in"
else
	deb=$(pkg_version "$LIBFILE") || fail "no package owns '$LIBFILE' in '$R'"
	WANT_VERSION=$(upstream "$deb")
	case $LIB in
	nss)	nss=$(pkg_version libnss3)
		result version - "$(upstream "$nss") (NSPR $WANT_VERSION; $nss)" ;;
	*)	result version - "$WANT_VERSION ($deb)" ;;
	esac
fi

"$SSLSNIFF" --detect "$R$LIBFILE" >"$T/detect" 2>&1 || true
det_version=$(sed -n 's/^version: *\([^ ]*\).*/\1/p' "$T/detect")
det_btf=$(sed -n 's/^btf: *//p' "$T/detect")
det_file=${det_btf%% *}
# What btf-db holds, by the tool's own listing: an entry of this exact
# version, else one of its layout family, else none.
db_lib=$LIB
[[ $LIB == nss ]] && db_lib=nspr
case $db_lib in
openssl) [[ $WANT_VERSION == 1.1.1* ]] && fam=1.1.1 || fam=$(cut -d. -f1-2 <<<"$WANT_VERSION") ;;
gnutls)	fam=$(cut -d. -f1-2 <<<"$WANT_VERSION") ;;
nspr)	fam=${WANT_VERSION%%.*} ;;
esac
"$SSLSNIFF" --list-btf >"$T/list-btf" 2>&1 || fail "sslsniff --list-btf failed: $(cat "$T/list-btf")"
exact=$(awk -v l="$db_lib" -v v="$WANT_VERSION" '$1 == l && $3 == v {print $4}' "$T/list-btf")
family=$(awk -v l="$db_lib" -v f="$fam" '$1 == l && $2 == f {print $4}' "$T/list-btf")
if [[ $KIND == node ]]; then
	want_btf="none"	# an executable's OpenSSL has its own build options
elif [[ -n $exact ]]; then
	want_btf="exact version"
elif [[ -n $family ]]; then
	want_btf="same layout family"
else
	want_btf="none"
fi
[[ $det_version == "$WANT_VERSION" ]] ||
	add bad detector "version '${det_version:-none}', the package says $WANT_VERSION"
case $want_btf in
none)	[[ $det_file == none ]] || add bad detector "btf '$det_btf', btf-db has no $db_lib $fam layout" ;;
exact*)	[[ $det_btf == "$exact (exact version)" ]] || add bad detector "btf '$det_btf', want '$exact (exact version)'" ;;
*)	grep -qxF "$det_file" <<<"$family" && [[ $det_btf == *"(same layout family)" ]] ||
		add bad detector "btf '$det_btf', want one of family $fam: $(echo $family)" ;;
esac
if [[ $det_file == none ]]; then
	DET_TEXT="$det_version, no BTF (${det_btf#none })"
	WANT_SOURCE=syscall
else
	DET_TEXT="$det_version → $(basename "$(dirname "$det_file")")/$(basename "$det_file") ${det_btf#* }"
	WANT_SOURCE=struct
fi
[[ -n $det_version ]] || DET_TEXT="$(tail -n 1 "$T/detect")"
# Known now, whatever happens to the peers below.
if [[ -n ${bad[detector]:-} ]]; then
	result detector fail "${bad[detector]}; it said: $DET_TEXT"
else
	result detector pass "$DET_TEXT"
fi
# node's OpenSSL has its own build options (no distribution layout) and
# memory BIOs: node moves the bytes between them and its socket outside the
# SSL calls, so neither the struct nor a syscall inside the call names the
# connection, and sslsniff leaves it out rather than guess.
[[ $KIND == node ]] && WANT_SOURCE=none
# The struct gives GnuTLS's socket only when the application handed it an fd
# (gnutls_transport_set_int); gnutls-cli 3.7.1 always passes its own
# transport pointer with its own push/pull functions (src/socket.c).
if [[ $KIND == gnutls-cli && $WANT_SOURCE == struct ]] &&
	! nm -D "$R/usr/bin/gnutls-cli" 2>/dev/null | grep -q ' U gnutls_transport_set_int2'; then
	WANT_SOURCE=syscall
	add note metadata "gnutls-cli gives GnuTLS no fd (its own transport), so fd from syscalls"
fi

# --- The key log: only where sslsniff says it writes one for this library. ---
KEYS=()
keylog_help=$("$SSLSNIFF" --help | sed -n '/--keylog/,/^ *-/p' | head -n -1)
if [[ -z $keylog_help ]]; then
	add skip keys "--keylog not implemented"
else
	names=$(grep -oE 'OpenSSL|GnuTLS|NSS' <<<"$keylog_help" | sort -u | tr '\n' ' ')
	case $LIB in openssl) n=OpenSSL ;; gnutls) n=GnuTLS ;; nss) n=NSS ;; esac
	if [[ -n $names && " $names" != *" $n "* ]]; then
		add skip keys "sslsniff --keylog covers ${names% } only (NSS keeps its secrets in softoken, not in its structs)"
	elif [[ $det_file == none ]]; then
		add skip keys "no layout for this build, and secrets come from its structs"
	else
		KEYS=(--keylog "$T/keys")
	fi
fi

# --- The peers. ---
cp "$TESTS_DIR/peer.py" "$CERT" "$KEY" "$W/" || fail "cannot copy into the root"
unique "matrix-$LIB" >"$W/req"
printf 'matrix-reply:{req}' >"$W/reply"
{ printf 'matrix-reply:'; cat "$W/req"; } >"$W/want"

# True when sslsniff's stderr names a file that is LIBFILE of the root
# (by inode: it names it by its own path, /proc/PID/root/... or map_files).
lib_attached() {
	local ino p
	ino=$(stat -L -c %i "$R$LIBFILE")
	grep -oE "'[^']*'" "$T/err" | tr -d "'" | while read -r p; do
		[[ $(stat -L -c %i "$p" 2>/dev/null) == "$ino" ]] && echo yes
	done | grep -q yes
}

sniff_start -f json "${KEYS[@]}"
"${RUN[@]}" python3 "$w/peer.py" serve --cert "$w/cert.pem" --key "$w/key.pem" \
	--reply "$w/reply" --info "$w/srv.info" >"$W/srv.ready" 2>"$W/srv.err" &
SERVER=$!
BG_PIDS+=($SERVER)
wait_for 20 grep -q '^ready' "$W/srv.ready" || fail "the server in the root did not start: $(cat "$W/srv.err")"
PORT=$(awk '{print $2}' "$W/srv.ready")

# Each client starts, then waits for $W/go before it sends anything.
go_then_req() { while [[ ! -e $W/go ]]; do sleep 0.02; done; cat "$W/req"; }
APPKEYS=$w/app.keys
case $KIND in
python)
	"${RUN[@]}" python3 "$w/peer.py" client --port "$PORT" --send "$w/req" --out "$w/got" \
		--info "$w/cli.info" --keylog "$APPKEYS" --wait-file "$w/go" 2>"$W/cli.err" &
	;;
s_client)
	# -ign_eof: stdin's end does not end the session, the server's close does.
	go_then_req | "${RUN[@]}" openssl s_client -connect "127.0.0.1:$PORT" -brief -ign_eof \
		-keylogfile "$APPKEYS" >"$W/got" 2>"$W/cli.err" &
	;;
gnutls-cli)
	go_then_req | "${RUN[@]}" env SSLKEYLOGFILE="$APPKEYS" gnutls-cli --insecure \
		--logfile="$w/cli.log" -p "$PORT" 127.0.0.1 >"$W/got" 2>"$W/cli.err" &
	;;
tstclnt)
	mkdir -p "$W/nssdb"
	"${RUN[@]}" certutil -N -d "sql:$w/nssdb" --empty-password >"$W/certutil.log" 2>&1 ||
		fail "certutil in the root cannot make a database: $(cat "$W/certutil.log")"
	# -o: accept the self-signed certificate.
	go_then_req | "${RUN[@]}" env SSLKEYLOGFILE="$APPKEYS" tstclnt -h 127.0.0.1 -p "$PORT" \
		-d "sql:$w/nssdb" -o >"$W/got" 2>"$W/cli.err" &
	;;
node)
	cat >"$W/cli.js" <<'JS'
// Connects once GO exists, sends REQ, writes what it reads to OUT and its
// own view of the connection to INFO, and its key log lines to KEYS.
const tls = require('tls'), fs = require('fs');
const [port, req, out, info, go, keys] = process.argv.slice(2);
function run() {
	const s = tls.connect({ host: '127.0.0.1', port: +port, rejectUnauthorized: false }, () => {
		fs.writeFileSync(info, `${s._handle.fd} ${s.localAddress} ${s.localPort} ` +
			`${s.remoteAddress} ${s.remotePort} ${s.getProtocol()} ${s.getCipher().standardName}\n`);
		s.write(fs.readFileSync(req));
	});
	const got = [];
	s.on('keylog', (line) => fs.appendFileSync(keys, line));
	s.on('data', (d) => got.push(d));
	s.on('end', () => { fs.writeFileSync(out, Buffer.concat(got)); process.exit(0); });
	s.on('error', (e) => { console.error(e); process.exit(1); });
}
const t = setInterval(() => { if (fs.existsSync(go)) { clearInterval(t); run(); } }, 20);
JS
	"$R$LIBFILE" "$W/cli.js" "$PORT" "$W/req" "$W/got" "$W/cli.info" "$W/go" "$W/app.keys" \
		2>"$W/cli.err" &
	;;
*)	fail "unknown client '$KIND'" ;;
esac
CLIENT=$!
BG_PIDS+=($CLIENT)

# The client has the library mapped (the right one: this cell's), and
# sslsniff attached to it, before a byte is sent.
maps_lib() { awk '{print $5}' "/proc/$CLIENT/maps" | grep -qx "$(stat -L -c %i "$R$LIBFILE")"; }
wait_for 20 maps_lib ||
	fail "the client ($KIND) does not map $LIBFILE: $(cat "$W/cli.err")"
wait_for 10 lib_attached || add bad capture "sslsniff did not say it attached to the root's $LIBFILE"
# A connected client's socket, from ss (clients that connect before go).
CLI_FD=
if [[ $KIND != python && $KIND != node ]]; then
	ss_fd() {
		CLI_FD=$(ss -tnpH state established dst "127.0.0.1:$PORT" |
			grep -o "pid=$CLIENT,fd=[0-9]*" | head -n 1 | cut -d= -f3)
		[[ -n $CLI_FD ]]
	}
	wait_for 20 ss_fd || fail "ss shows no connection of the client ($KIND) to port $PORT"
fi
touch "$W/go"
# Until the client exits, or has the whole reply: tstclnt reading a pipe
# stays after the server's close until it is killed.
client_done() {
	[[ $(ps -o stat= -p "$CLIENT" 2>/dev/null) != Z* ]] && kill -0 "$CLIENT" 2>/dev/null || return 0
	[[ $KIND != python && $KIND != node ]] && grep -qF "$(cat "$W/want")" "$W/got"
}
wait_for 30 client_done || add bad capture "the client ($KIND) was still running after 30 s"
# Its records are in the ring by now: one still running goes (tstclnt).
kill "$CLIENT" 2>/dev/null
wait "$CLIENT"
crc=$?
wait_for 10 grep -q . "$W/srv.info" || true
sniff_stop

# --- Capture: both directions, byte for byte, on the client. ---
if [[ $KIND == python || $KIND == node ]]; then
	cmp -s "$W/want" "$W/got" || add bad capture "the client ($KIND, exit $crc) did not get the reply: $(head -c 200 "$W/cli.err")"
else
	grep -qF "$(cat "$W/want")" "$W/got" ||
		add bad capture "the client ($KIND, exit $crc) did not get the reply: $(head -c 200 "$W/cli.err")"
fi
records --pid "$CLIENT" --dir write --data >"$T/c.w" 2>"$T/rec.err" || add bad capture "$(cat "$T/rec.err")"
records --pid "$CLIENT" --dir read --data >"$T/c.r" 2>"$T/rec.err" || add bad capture "$(cat "$T/rec.err")"
cmp -s "$W/req" "$T/c.w" ||
	add bad capture "write: captured $(wc -c <"$T/c.w") bytes, not the $(wc -c <"$W/req") sent"
cmp -s "$W/want" "$T/c.r" ||
	add bad capture "read: captured $(wc -c <"$T/c.r") bytes, not the $(wc -c <"$W/want") received"
libs=$(records --pid "$CLIENT" --field library | sort -u | tr '\n' ' ')
[[ $libs == "$LIB " || $libs == " " || -z $libs ]] || add bad capture "library '${libs% }', want $LIB"

# --- Metadata: the connection as the client (or ss and the server) sees it. ---
fmt() { [[ $1 == *:* ]] && echo "[$1]:$2" || echo "$1:$2"; }
if [[ -s $W/cli.info ]]; then
	read -r fd laddr lport raddr rport version cipher <"$W/cli.info"
elif [[ -s $W/srv.info ]]; then
	# The server's side: its peer is the client.
	read -r _ raddr rport laddr lport version cipher <"$W/srv.info"
	fd=$CLI_FD
else
	fd= version= cipher=
	add bad metadata "no ground truth: neither the client nor the server reported the connection"
fi
if [[ $WANT_SOURCE == none ]]; then
	for dir in write read; do
		[[ $(records --pid "$CLIENT" --dir "$dir" --field fd_source | sort -u) == - ]] ||
			add bad metadata "$dir: a connection named where none can be known"
	done
	add skip metadata "node's OpenSSL: memory BIOs and its own build options, so no fd, src or dst (none claimed)"
elif [[ -n $fd ]]; then
	src=$(fmt "$laddr" "$lport")
	dst=$(fmt "$raddr" "$rport")
	for dir in write read; do
		if [[ $(records --pid "$CLIENT" --dir "$dir" --count) == 0 ]]; then
			add bad metadata "$dir: no records to check"
			continue
		fi
		got() { records --pid "$CLIENT" --dir "$dir" --field "$1" | sort -u | tr '\n' ' ' | sed 's/ $//'; }
		[[ $(got fd_source) == "$WANT_SOURCE" ]] ||
			add bad metadata "$dir: fd_source '$(got fd_source)', want $WANT_SOURCE"
		[[ $(got fd) == "$fd" ]] || add bad metadata "$dir: fd '$(got fd)', want $fd"
		[[ $(got src) == "$src" ]] || add bad metadata "$dir: src '$(got src)', want $src"
		[[ $(got dst) == "$dst" ]] || add bad metadata "$dir: dst '$(got dst)', want $dst"
		v=$(got tls_version)
		c=$(got cipher)
		if [[ $v == - && ($LIB == nss || $WANT_SOURCE == syscall) ]]; then
			[[ $dir == write ]] && add note metadata "no tls_version (not read for $([[ $LIB == nss ]] && echo NSS || echo this build))"
		elif [[ $v != "$version" ]]; then
			add bad metadata "$dir: tls_version '$v', want $version"
		fi
		# GnuTLS names a TLS 1.2 suite its own way; TLS 1.3 names are IANA's.
		if [[ $c == - && ($LIB == nss || $WANT_SOURCE == syscall) ]]; then
			:
		elif [[ $LIB == gnutls && $version != TLSv1.3 ]]; then
			[[ $dir == write ]] && add note metadata "cipher not compared ($version)"
		elif [[ $LIB == gnutls && $c == "GNUTLS_${cipher#TLS_}" ]] &&
			[[ $(printf '%s\n' "$WANT_VERSION" 3.7.3 | sort -V | head -n 1) != 3.7.3 ]]; then
			# Before 3.7.3 GnuTLS has no IANA name (canonical_name) to read.
			[[ $dir == write ]] && add note metadata "cipher $c: GnuTLS's own name (no IANA name before 3.7.3)"
		elif [[ $c != "$cipher" ]]; then
			add bad metadata "$dir: cipher '$c', want $cipher"
		fi
	done
	note[metadata]="fd $fd ($WANT_SOURCE), $src -> $dst, $version${note[metadata]:+; ${note[metadata]}}"
fi

# --- Keys: every line of the application's own key log is in sslsniff's. ---
if [[ -z ${skip[keys]:-} ]]; then
	if [[ ! -s $W/app.keys ]] || ! grep -qv '^#' "$W/app.keys"; then
		add skip keys "the $KIND client wrote no key log of its own (SSLKEYLOGFILE)"
	elif [[ ! -e $T/keys ]]; then
		add bad keys "sslsniff wrote no key log file"
	else
		grep -v '^#' "$W/app.keys" >"$T/want.keys"
		missing=$(grep -cvxFf "$T/keys" "$T/want.keys")
		if ((missing > 0)); then
			add bad keys "$missing of $(wc -l <"$T/want.keys") lines of the client's key log missing"
		else
			add note keys "$(wc -l <"$T/want.keys") lines"
		fi
	fi
fi

cell_results
exit 0
