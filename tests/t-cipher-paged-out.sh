#!/usr/bin/env bash
# The cipher suite when the library's name for it is not mapped in the
# traced process: the name lives in the library's .rodata, which a
# connection never touches, and a probe's read cannot fault a page in (a
# cold start, or memory pressure, leaves it out). The suite's id, in
# relocated data, names it then, as the library itself would. gnutls-cli
# (GnuTLS) and python's ssl (OpenSSL) have their library's file pages
# reclaimed once the handshake is done, before their first record; TLS 1.3
# and 1.2. The key log's TLS 1.3 lines need the suite too (its hash).
. "$(dirname "$0")/lib.sh"
need gnutls-cli gnutls-serv stdbuf python3 ss

# system_lib SONAME: the linker cache's file of that name.
system_lib() {
	ldconfig -p | awk -v l="$1" '$1 == l && /x86-64|AArch64/ { print $NF; exit }'
}

# Private copies of the libraries: a page that another process maps is not
# reclaimed. Written back first (reclaim skips dirty pages); not on tmpfs,
# whose pages only swap could take. OpenSSL's version is read from the
# libcrypto beside libssl: the system's, by a link.
LIBS=$T/lib
[[ $(stat -f -c %T "$T") != tmpfs ]] || skip "$T is on tmpfs: its file pages cannot be paged out"
mkdir "$LIBS" || fail "cannot make $LIBS"
for l in libgnutls.so.30 libssl.so.3; do
	f=$(system_lib "$l")
	[[ -n $f ]] && cp "$f" "$LIBS/$l" || fail "no $l to copy"
done
sync "$LIBS"/* || fail "cannot write back $LIBS"
f=$(system_lib libcrypto.so.3)
[[ -n $f ]] && ln -s "$(readlink -f "$f")" "$LIBS/libcrypto.so.3" || fail "no libcrypto.so.3"

# page_out PID LIB STRING: LIB's file pages ($LIBS/LIB) out of PID, once
# sslsniff has attached to it; the page holding STRING must be gone.
page_out() {
	wait_for 20 attached_to "$LIBS/$2" || fail "sslsniff did not attach to $LIBS/$2"
	[[ $(python3 "$TESTS_DIR/pageout.py" "$1" "$LIBS/$2" "$3") == absent ]] ||
		fail "the page of '$3' in $LIBS/$2 is still mapped in pid $1"
}

# check NAME PID VERSION CIPHER: PID's records name its connection's
# version and suite, and carry the bytes it sent and received ($T/NAME.req,
# $T/NAME.want).
check() {
	local name=$1 pid=$2 f got
	records --pid "$pid" --dir write --data >"$T/$name.w"
	records --pid "$pid" --dir read --data >"$T/$name.r"
	assert_bytes "$T/$name.req" "$T/$name.w" "$name: what the client sent"
	assert_bytes "$T/$name.want" "$T/$name.r" "$name: what the client received"
	for f in fd_source=struct "tls_version=$3" "cipher=$4"; do
		got=$(records --pid "$pid" --field "${f%%=*}" | sort -u | tr '\n' ' ')
		[[ $got == "${f#*=} " ]] || fail "$name: ${f%%=*} $got, want ${f#*=}"
	done
}

# keys_in NAME: the client's own key log lines are all in sslsniff's.
keys_in() {
	local missing
	[[ -s $T/$1.keys ]] || fail "$1: the client wrote no key log"
	missing=$(grep -v '^#' "$T/$1.keys" | grep -vxFf "$T/keys")
	[[ -z $missing ]] || fail "$1: the client's key log lines not in sslsniff's: $missing"
}

# gnutls_run NAME PRIORITY CIPHER: gnutls-cli against the python server,
# its libgnutls paged out between the handshake and its first record; sets
# NAME_pid.
gnutls_run() {
	local name=$1 prio=$2 cipher=$3 cli
	unique "$name" >"$T/$name.req"
	{ printf 'echo:'; cat "$T/$name.req"; } >"$T/$name.want"
	peer_serve "$name-srv" --reply "$T/reply"
	mkfifo "$T/$name.in"
	exec 3<>"$T/$name.in"
	# Line-buffered, so that "- Simple Client Mode:" (the handshake is
	# done, the session printed) is seen when it is printed.
	SSLKEYLOGFILE=$T/$name.keys LD_LIBRARY_PATH=$LIBS stdbuf -oL \
		gnutls-cli --insecure --priority "$prio" -p "$PORT" 127.0.0.1 \
		<"$T/$name.in" >"$T/$name.out" 2>"$T/$name.err" 3>&- &
	cli=$!
	wait_for 10 grep -qx -- '- Simple Client Mode:' "$T/$name.out" ||
		fail "$name: gnutls-cli did not finish its handshake: $(tail -n 3 "$T/$name.err")"
	page_out "$cli" libgnutls.so.30 "$cipher"
	cat "$T/$name.req" >&3
	exec 3>&-
	wait "$cli" || fail "$name: gnutls-cli failed: $(tail -n 3 "$T/$name.err")"
	wait "$SERVER"
	grep -qF "$(cat "$T/$name.want")" "$T/$name.out" ||
		fail "$name: gnutls-cli did not get the reply"
	printf -v "${name}_pid" %s "$cli"
}

# openssl_run NAME [--tls12]: python's client against gnutls-serv, its
# libssl paged out between the handshake and its first record; sets
# NAME_pid, NAME_version and NAME_cipher (as python's ssl names them).
openssl_run() {
	local name=$1 cli fd laddr lport raddr rport version cipher; shift
	printf 'GET /%s HTTP/1.0\r\n\r\n' "$(unique "$name")" >"$T/$name.req"
	LD_LIBRARY_PATH=$LIBS $PEER client --port "$GPORT" --send "$T/$name.req" \
		--out "$T/$name.want" --info "$T/$name.info" --keylog "$T/$name.keys" \
		--send-wait "$T/$name.go" "$@" &
	cli=$!
	wait_for 10 grep -q ' TLSv1' "$T/$name.info" || fail "$name: no handshake"
	read -r fd laddr lport raddr rport version cipher <"$T/$name.info"
	page_out "$cli" libssl.so.3 "$cipher"
	: >"$T/$name.go"
	wait "$cli" || fail "$name: the client failed"
	printf -v "${name}_pid" %s "$cli"
	printf -v "${name}_version" %s "$version"
	printf -v "${name}_cipher" %s "$cipher"
}

printf 'echo:{req}' >"$T/reply"
sniff_start -f json --keylog "$T/keys"
gnutls_run gnutls13 NORMAL TLS_AES_256_GCM_SHA384
gnutls_run gnutls12 NORMAL:-VERS-TLS1.3 TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
GPORT=$(free_port)
gnutls-serv -p "$GPORT" --x509certfile "$CERT" --x509keyfile "$KEY" >"$T/gserv.out" 2>&1 &
BG_PIDS+=($!)
wait_for 10 eval '[[ -n $(ss -Hltn "sport = :$GPORT") ]]' || fail "gnutls-serv did not start"
openssl_run openssl13
openssl_run openssl12 --tls12
sniff_stop

check gnutls13 "$gnutls13_pid" TLSv1.3 TLS_AES_256_GCM_SHA384
check gnutls12 "$gnutls12_pid" TLSv1.2 TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
check openssl13 "$openssl13_pid" "$openssl13_version" "$openssl13_cipher"
check openssl12 "$openssl12_pid" "$openssl12_version" "$openssl12_cipher"
[[ $openssl12_cipher == *-* ]] ||
	fail "TLS 1.2 with OpenSSL: '$openssl12_cipher' is not OpenSSL's own name"
for name in gnutls13 gnutls12 openssl13 openssl12; do
	keys_in "$name"
done
grep -q '^CLIENT_TRAFFIC_SECRET_0 ' "$T/gnutls13.keys" || fail "no TLS 1.3 key log from gnutls-cli"
grep -q '^CLIENT_TRAFFIC_SECRET_0 ' "$T/openssl13.keys" || fail "no TLS 1.3 key log from python"
