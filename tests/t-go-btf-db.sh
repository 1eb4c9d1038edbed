#!/usr/bin/env bash
# btf-db's Go entries against ground truth: each is made again from its
# Debian Go toolchain (scripts/btf-db-gen.sh go MINOR SUITE) byte for byte,
# and every field bpf/go.bpf.h reads (tls.Conn's transport, version, suite
# and ALPN; TCPConn's netFD; the netFD's Sysfd) sits where that
# toolchain's own reflection (reflect.StructField.Offset, in the program
# the entry is made from) says.
. "$(dirname "$0")/lib.sh"
need bpftool
ROOT=$(cd "$TESTS_DIR/.." && pwd)
CACHE=${SSLSNIFF_CACHE:-/var/cache/sslsniff}
n=0
while IFS=$'\t' read -r lib family version file; do
	[[ $lib == go ]] || continue
	suite=${file##*-}
	suite=${suite%.btf}
	BTF_DB_OUT=$T/db "$ROOT/scripts/btf-db-gen.sh" go "$family" "$suite" >"$T/gen.log" 2>&1 || {
		grep -qiE "failed to fetch|unable to locate|could not resolve" "$T/gen.log" &&
			skip "Debian's Go $family cannot be downloaded here"
		cat "$T/gen.log" >&2
		fail "btf-db-gen.sh go $family $suite failed"
	}
	cmp -s "$ROOT/btf-db/$file" "$T/db/$file" || fail "$file is not what Go $version builds"
	"$CACHE/go-btf/$suite-$family/layout" -offsets >"$T/want" || fail "no offsets from Go $version"
	[[ $(wc -l <"$T/want") == 9 ]] || fail "Go $version offsets: $(cat "$T/want")"
	while read -r type member off; do
		got=$(python3 "$TESTS_DIR/btf_offset.py" "$ROOT/btf-db/$file" "$type" "$member")
		[[ $got == "$off" ]] ||
			fail "$file: $type.$member at '$got' in BTF, $off by Go $version's reflect"
	done <"$T/want"
	echo "go $version: $(tr '\n' ' ' <"$T/want" | sed 's/go_crypto_tls__Conn //g')"
	n=$((n + 1))
done <"$ROOT/btf-db/index"
((n >= 4)) || fail "only $n Go entries in btf-db/index"
