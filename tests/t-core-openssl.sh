#!/usr/bin/env bash
# User-space CO-RE for OpenSSL: the BTF layout chosen from btf-db is said in
# one line; through it, ssl->version, ssl->rbio->num and the session's
# cipher name are read exactly (TLS 1.2 and 1.3, against the client's own
# fileno(), version() and cipher()); an application BIO (curl's) and a
# missing database fall back to the syscall path.
. "$(dirname "$0")/lib.sh"
need python3 curl

LIBSSL=$(ldd "$(command -v openssl)" | awk '/libssl\.so/ {print $3}')
printf 'core-reply' >"$T/reply"
peer_serve srv --count 4 --reply "$T/reply"

for tls in 1.3 1.2; do
	unique "core-$tls" >"$T/req"
	sniff_start -f json -c python3
	peer_client --info "$T/info" $([[ $tls == 1.2 ]] && echo --tls12)
	sniff_stop
	grep -qE "^sslsniff: openssl [0-9.]+[a-z]* \('.*libssl\.so[.0-9]*'\): BTF '.*btf-db/openssl/.*\.btf' \((exact version|same layout family)\)\$" "$T/err" ||
		fail "no line naming the chosen BTF: $(cat "$T/err")"
	read -r fd laddr lport raddr rport version cipher <"$T/info"
	[[ $version == "TLSv$tls" ]] || fail "the client negotiated $version, not TLSv$tls"
	for dir in write read; do
		[[ $(records --pid "$CLIENT" --dir $dir --field fd_source) == struct ]] ||
			fail "TLS $tls $dir: fd not from the struct"
		[[ $(records --pid "$CLIENT" --dir $dir --field fd) == "$fd" ]] ||
			fail "TLS $tls $dir: ssl->rbio->num $(records --pid "$CLIENT" --dir $dir --field fd), want $fd"
		[[ $(records --pid "$CLIENT" --dir $dir --field tls_version) == "TLSv$tls" ]] ||
			fail "TLS $tls $dir: ssl->version $(records --pid "$CLIENT" --dir $dir --field tls_version)"
		[[ $(records --pid "$CLIENT" --dir $dir --field cipher) == "$cipher" ]] ||
			fail "TLS $tls $dir: cipher $(records --pid "$CLIENT" --dir $dir --field cipher), want $cipher"
	done
done

# curl reads through a BIO of its own: rbio->num is no socket, so the fd
# comes from the syscalls, and the version still from the struct.
sniff_start -f json -c curl
curl -sk "https://127.0.0.1:$PORT/" -o /dev/null &
CURL=$!
wait "$CURL"
sniff_stop
[[ $(records --pid "$CURL" --dir write --field fd_source) == syscall ]] || fail "curl: fd_source"
[[ $(records --pid "$CURL" --dir write --field dst) == "127.0.0.1:$PORT" ]] || fail "curl: dst"
[[ $(records --pid "$CURL" --dir write --field tls_version) == TLSv1.3 ]] || fail "curl: version"

# No database: said once, and the syscall path still names the connection.
unique core-nodb >"$T/req"
SSLSNIFF_BTF_DB=/nonexistent sniff_start -f json -c python3
peer_client
sniff_stop
[[ $(grep -c "no btf-db found; connections from syscalls only" "$T/err") == 1 ]] ||
	fail "missing database not said once: $(cat "$T/err")"
[[ $(records --pid "$CLIENT" --dir write --field fd_source) == syscall ]] || fail "no-db fd_source"
[[ $(records --pid "$CLIENT" --dir write --field tls_version) == - ]] ||
	fail "a TLS version without the struct layout"
[[ $(records --pid "$CLIENT" --dir write --field cipher) == - ]] ||
	fail "a cipher without the struct layout"
