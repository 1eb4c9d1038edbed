#!/usr/bin/env bash
# test-timeout: 1500
# btf-db against ground truth: every entry is regenerated from its Debian
# source package byte for byte, and the offsets the BPF program reads
# (OpenSSL's ssl_st, bio_st..., the SSLv3 state's selected ALPN; GnuTLS's
# session transport pointer, version, suite by name and id, and the ALPN
# extension's data; NSPR's socket fd) equal offsetof() compiled against that
# version's own headers, in the tree configured as Debian configures it.
. "$(dirname "$0")/lib.sh"
need bpftool pahole gcc make perl
ROOT=$(cd "$TESTS_DIR/.." && pwd)
CACHE=${SSLSNIFF_CACHE:-/var/cache/sslsniff}

BTF_DB_OUT=$T/db "$ROOT/scripts/btf-db-gen.sh" >"$T/gen.log" 2>&1 || {
	grep -qiE "failed to fetch|unable to locate|could not resolve" "$T/gen.log" &&
		skip "Debian's source packages cannot be downloaded here: $(grep -m1 -iE 'fetch|locate|resolve' "$T/gen.log")"
	cat "$T/gen.log" >&2
	fail "scripts/btf-db-gen.sh failed"
}
diff <(grep -v '^#' "$ROOT/btf-db/index") <(grep -v '^#' "$T/db/index") ||
	fail "the regenerated index differs from btf-db/index"

# check_offsets FILE WANT: every "type member.path offset" line of WANT
# (printed by offsetof()) is where the BTF puts it.
check_offsets() {
	local file=$1 want=$2 type member off got
	while read -r type member off; do
		got=$(python3 "$TESTS_DIR/btf_offset.py" "$file" "$type" "$member")
		[[ $got == "$off" ]] ||
			fail "$file: $type.$member at '$got' in BTF, $off by offsetof(): $(cat "$want")"
	done <"$want"
}

gnutls_offsets() {	# gnutls_offsets TREE: offsetof() with GnuTLS's headers
	local tree=$1 b=$1/build-btf
	cat >"$T/goff.c" <<'C'
#include "gnutls_int.h"
#include "ext/alpn.h"
#define OFF(s, t, m) printf("%s %s %zu\n", s, #m, offsetof(t, m))
int main(void)
{
	/* The ALPN extension's data, by its id's value. */
	printf("gnutls_session_int internals.ext_data[%d].priv %zu\n", GNUTLS_EXTENSION_ALPN,
	       offsetof(struct gnutls_session_int, internals.ext_data[GNUTLS_EXTENSION_ALPN].priv));
	printf("gnutls_session_int internals.ext_data[%d].set %zu\n", GNUTLS_EXTENSION_ALPN,
	       offsetof(struct gnutls_session_int, internals.ext_data[GNUTLS_EXTENSION_ALPN].set));
	OFF("alpn_ext_st", alpn_ext_st, selected_protocol);
	OFF("alpn_ext_st", alpn_ext_st, selected_protocol_size);
	OFF("gnutls_session_int", struct gnutls_session_int, internals.transport_recv_ptr);
	OFF("gnutls_session_int", struct gnutls_session_int, security_parameters.pversion);
	OFF("gnutls_session_int", struct gnutls_session_int, security_parameters.cs);
	OFF("version_entry_st", version_entry_st, major);
	OFF("version_entry_st", version_entry_st, minor);
	OFF("gnutls_cipher_suite_entry_st", gnutls_cipher_suite_entry_st, name);
	OFF("gnutls_cipher_suite_entry_st", gnutls_cipher_suite_entry_st, id);
	return 0;
}
C
	gcc -w -DHAVE_CONFIG_H -D_Atomic= -I"$b" -I"$b/lib" -I"$tree/lib" -I"$b/lib/includes" \
		-I"$tree/lib/includes" -I"$tree/gl" -I"$b/gl" -I"$tree/lib/x509" \
		$(pkg-config --cflags p11-kit-1) "$T/goff.c" -o "$T/goff" ||
		fail "cannot compile offsetof() against $tree"
	"$T/goff"
}

nspr_offsets() {	# nspr_offsets TREE: offsetof() with NSPR's private headers
	local tree=$1
	cat >"$T/noff.c" <<'C'
#include "primpl.h"
int main(void)
{
	printf("PRFilePrivate md.osfd %zu\n", offsetof(PRFilePrivate, md.osfd));
	return 0;
}
C
	gcc -I"$tree/build-btf/dist/include/nspr" -I"$tree/nspr/pr/include" \
		-I"$tree/nspr/pr/include/private" -D_GNU_SOURCE -DXP_UNIX -DLINUX -D_PR_PTHREADS -w \
		"$T/noff.c" -o "$T/noff" || fail "cannot compile offsetof() against $tree"
	"$T/noff"
}

# host_version LIB: the version the detector reads in the host's library.
host_version() {
	local f
	f=$(ldconfig -p | awk -v n="lib$1" '$1 ~ "^" n "[0-9]*\\.so" { print $NF; exit }')
	"$SSLSNIFF" --detect "$f" | awk '$1 == "version:" { print $2 }'
}

while IFS=$'\t' read -r lib family version file; do
	[[ $lib == gnutls || $lib == nspr ]] || continue
	cmp -s "$ROOT/btf-db/$file" "$T/db/$file" || fail "$file is not what its source builds"
	if [[ $lib == gnutls ]]; then
		gnutls_offsets "$CACHE/src/gnutls28-$version" >"$T/want"
	else
		nspr_offsets "$CACHE/src/nspr-$version" >"$T/want"
	fi
	[[ -s $T/want ]] || fail "no offsets for $file"
	check_offsets "$ROOT/btf-db/$file" "$T/want"
	# The program relocates against it (every CO-RE branch resolves, the
	# key log's too).
	# A database of this entry alone, listed under the host's version so
	# that it is chosen for the host's library.
	rm -rf "$T/one" && mkdir -p "$T/one/$lib" && cp "$ROOT/btf-db/$file" "$T/one/$file"
	printf '%s\t%s\t%s\t%s\n' "$lib" "$family" "$(host_version "$lib")" "$file" >"$T/one/index"
	export SSLSNIFF_BTF_DB=$T/one
	sniff_start --keylog "$T/k" -c no-such-comm
	sniff_stop
	unset SSLSNIFF_BTF_DB
	grep -q "BTF '$T/one/$file'" "$T/err" || fail "$file was not used: $(cat "$T/err")"
done <"$ROOT/btf-db/index"

n=0
while IFS=$'\t' read -r lib family version file; do
	[[ $lib == openssl ]] || continue
	cmp -s "$ROOT/btf-db/$file" "$T/db/$file" || fail "$file is not what its source builds"
	tree=$CACHE/src/openssl-$version
	[[ -d $tree/build-btf ]] || fail "no build tree $tree/build-btf"
	cat >"$T/off.c" <<'C'
#include <stddef.h>
#include <stdio.h>
#include "crypto/bio/bio_local.h"	/* before openssl/bio.h, as it demands */
#include "ssl/ssl_local.h"
#define OFF(s, t, m) printf("%s.%s %zu\n", s, #m, offsetof(t, m))
int main(void)
{
#ifdef SSL_TYPE_SSL_CONNECTION	/* 3.2+: SSL is a header of SSL_CONNECTION */
	OFF("ssl_connection_st", SSL_CONNECTION, version);
	OFF("ssl_connection_st", SSL_CONNECTION, rbio);
	OFF("ssl_connection_st", SSL_CONNECTION, session);
	OFF("ssl_st", SSL, type);
	OFF("ssl_connection_st", SSL_CONNECTION, s3.alpn_selected);
	OFF("ssl_connection_st", SSL_CONNECTION, s3.alpn_selected_len);
	if (offsetof(SSL_CONNECTION, ssl))
		printf("SSL is not at the start of SSL_CONNECTION\n");
#else
	OFF("ssl_st", SSL, version);
	OFF("ssl_st", SSL, rbio);
	OFF("ssl_st", SSL, session);
#if OPENSSL_VERSION_NUMBER >= 0x30000000L	/* 3.0 and 3.1: the SSLv3 state embedded */
	OFF("ssl_st", SSL, s3.alpn_selected);
	OFF("ssl_st", SSL, s3.alpn_selected_len);
#else						/* 1.1.1: behind a pointer */
	OFF("ssl_st", SSL, s3);
	OFF("ssl3_state_st", SSL3_STATE, alpn_selected);
	OFF("ssl3_state_st", SSL3_STATE, alpn_selected_len);
#endif
#endif
	OFF("ssl_session_st", SSL_SESSION, cipher);
	OFF("ssl_cipher_st", SSL_CIPHER, name);
	OFF("ssl_cipher_st", SSL_CIPHER, id);
	OFF("bio_st", BIO, method);
	OFF("bio_st", BIO, num);
	OFF("bio_method_st", BIO_METHOD, type);
	return 0;
}
C
	gcc -I"$tree/build-btf/include" -I"$tree/build-btf" -I"$tree/include" -I"$tree" \
		"$T/off.c" -o "$T/off" || fail "cannot compile offsetof() against $tree"
	"$T/off" >"$T/want"
	while read -r sm off; do
		got=$(python3 "$TESTS_DIR/btf_offset.py" "$ROOT/btf-db/$file" "${sm%%.*}" "${sm#*.}")
		[[ $got == "$off" ]] || fail "$file: $sm at $got in BTF, $off by offsetof(): $(cat "$T/want")"
	done <"$T/want"
	# The program relocates against it (every CO-RE branch resolves, the
	# key log's too).
	sniff_start --btf "$ROOT/btf-db/$file" --keylog "$T/k" -c no-such-comm
	sniff_stop
	n=$((n + 1))
done <"$ROOT/btf-db/index"
((n > 0)) || fail "no OpenSSL entry in btf-db/index"
