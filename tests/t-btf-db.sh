#!/usr/bin/env bash
# btf-db against ground truth: every entry is regenerated from its Debian
# source package byte for byte, and the offsets the BPF program reads
# (ssl_st.version and .rbio, bio_st.method and .num, bio_method_st.type)
# equal offsetof() compiled
# against that version's own headers.
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

# btf_offset FILE STRUCT MEMBER: the member's byte offset in the BTF.
btf_offset() {
	bpftool btf dump file "$1" | awk -v s="STRUCT '$2'" -v m="'$3'" '
		$0 ~ "^\\[[0-9]+\\] " s " " { f = 1; next }
		/^\[/ { f = 0 }
		f && $1 == m { sub("bits_offset=", "", $3); print $3 / 8; exit }'
}

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
	if (offsetof(SSL_CONNECTION, ssl))
		printf("SSL is not at the start of SSL_CONNECTION\n");
#else
	OFF("ssl_st", SSL, version);
	OFF("ssl_st", SSL, rbio);
	OFF("ssl_st", SSL, session);
#endif
	OFF("ssl_session_st", SSL_SESSION, cipher);
	OFF("ssl_cipher_st", SSL_CIPHER, name);
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
		got=$(btf_offset "$ROOT/btf-db/$file" "${sm%.*}" "${sm#*.}")
		[[ $got == "$off" ]] || fail "$file: $sm at $got in BTF, $off by offsetof(): $(cat "$T/want")"
	done <"$T/want"
	# The program relocates against it (every CO-RE branch resolves).
	sniff_start --btf "$ROOT/btf-db/$file" -c no-such-comm
	sniff_stop
	n=$((n + 1))
done <"$ROOT/btf-db/index"
((n > 0)) || fail "no OpenSSL entry in btf-db/index"
