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
int main(void)
{
	printf("%zu %zu %zu %zu %zu\n", offsetof(SSL, version), offsetof(SSL, rbio),
	       offsetof(BIO, method), offsetof(BIO, num), offsetof(BIO_METHOD, type));
	return 0;
}
C
	gcc -I"$tree/build-btf/include" -I"$tree/build-btf" -I"$tree/include" -I"$tree" \
		"$T/off.c" -o "$T/off" || fail "cannot compile offsetof() against $tree"
	want=$("$T/off")
	got=""
	for sm in ssl_st.version ssl_st.rbio bio_st.method bio_st.num bio_method_st.type; do
		got+="${got:+ }$(btf_offset "$ROOT/btf-db/$file" "${sm%.*}" "${sm#*.}")"
	done
	[[ $got == "$want" ]] || fail "$file: BTF offsets '$got', offsetof() '$want'"
	n=$((n + 1))
done <"$ROOT/btf-db/index"
((n > 0)) || fail "no OpenSSL entry in btf-db/index"
