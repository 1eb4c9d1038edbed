#!/usr/bin/env bash
# DWARF to BTF at start-up (sslsniff/btf/dwarf_btf.c) against pahole: OpenSSL
# 3.0.20's ssl_lib.c and bio_lib.c, compiled with -g exactly as
# scripts/btf-db-gen.sh does, are encoded by both, and every member of
# every root struct, embedded ones included, has the same name, bit offset,
# bit-field size and size; so for every other OpenSSL and GnuTLS object
# btf-db-gen.sh left in the cache. Then: the same sources with C11 _Atomic
# (which pahole 1.24 cannot encode) give the same layout; a stripped
# library's debug file is found by build-id and by .gnu_debuglink; libbpf
# and bpftool read the output; the BPF program relocates against it; and
# sslsniff prefers a debug file of the host's libssl to btf-db at start-up.
. "$(dirname "$0")/lib.sh"
need bpftool pahole gcc make ld objcopy
ROOT=$(cd "$TESTS_DIR/.." && pwd)
CACHE=${SSLSNIFF_CACHE:-/var/cache/sslsniff}
ROOTS=(ssl_st ssl_connection_st bio_st bio_method_st ssl_session_st ssl_cipher_st ssl_ctx_st)

# The driver is the dwarf_btf unit binary (it takes arguments).
DRV=
for d in ${UNIT_DIR:-} "$(dirname "$SSLSNIFF")/unit" "$ROOT/.output-san/unit" "$ROOT/.output/unit"; do
	[[ -x $d/dwarf_btf ]] && { DRV=$d/dwarf_btf; break; }
done
[[ -n $DRV ]] || fail "no dwarf_btf driver: run make SANITIZE=1 unit"

tree=$CACHE/src/openssl-3.0.20
build=$tree/build-btf
if [[ ! -f $build/configdata.pm ]]; then
	BTF_DB_OUT=$T/db "$ROOT/scripts/btf-db-gen.sh" openssl 3.0.20-1~deb12u2 bookworm 3.0 \
		>"$T/gen.log" 2>&1 || {
		grep -qiE "failed to fetch|unable to locate|could not resolve" "$T/gen.log" &&
			skip "Debian's source packages cannot be downloaded here"
		cat "$T/gen.log" >&2
		fail "scripts/btf-db-gen.sh could not prepare $build"
	}
fi

# compile SRC CFLAGS OUT: SRC (ssl/ssl_lib.c) as the shared library's
# object, with the build tree's own command line, into OUT.
compile() {
	local src=$1 cflags=$2 out=$3 obj cmd
	obj=$(grep -oE "${src%/*}/(lib[a-z]+-shlib-)?$(basename "$src" .c)\.o" "$build/Makefile" |
		sort -u | sort -r | head -n 1)
	cmd=$(make -s -n -C "$build" -W "../$src" "$obj" CFLAGS="$cflags" 2>/dev/null |
		grep -m1 -- " -c -o $obj ") || fail "no compile command for $obj"
	cmd=${cmd/ -MMD -MF ${obj%.o}.d.tmp/}
	cmd=${cmd/ -c -o $obj / -c -o $out }
	(cd "$build" && eval "$cmd") || fail "cannot compile $src"
}

# build NAME CFLAGS: $T/NAME.o, both objects linked as btf-db-gen.sh does.
build_objs() {
	compile ssl/ssl_lib.c "$2" "$T/$1-ssl.o"
	compile crypto/bio/bio_lib.c "$2" "$T/$1-bio.o"
	ld -r "$T/$1-ssl.o" "$T/$1-bio.o" -o "$T/$1.o" || fail "ld -r failed"
}

# layout BTF FILE: every root's members, one per line (the driver's dump).
layout() {
	"$DRV" dump "$1" "${ROOTS[@]}" >"$2"
	grep -q "^ssl_st size=" "$2" || fail "$1: no ssl_st: $(head -n 3 "$2")"
}

build_objs plain "-g -O2 -D__STDC_NO_ATOMICS__"
pahole -J --btf_encode_detached="$T/pahole.btf" "$T/plain.o" 2>/dev/null ||
	fail "pahole cannot encode $T/plain.o"
"$DRV" gen "$T/plain.o" "$T/ours.btf" "${ROOTS[@]}" || fail "dwarf_btf_generate failed on plain.o"
bpftool btf dump file "$T/ours.btf" >"$T/ours.txt" || fail "bpftool cannot read our BTF"
layout "$T/pahole.btf" "$T/want"
layout "$T/ours.btf" "$T/got"
diff "$T/want" "$T/got" >&2 || fail "layouts differ from pahole's (< pahole, > ours)"
echo "pahole: $(stat -c %s "$T/pahole.btf") bytes, ours: $(stat -c %s "$T/ours.btf") bytes," \
	"$(grep -c . "$T/got") members compared"
grep -q "FWD 'ssl_ctx_st'" "$T/ours.txt" && fail "ssl_ctx_st is a root but came out a FWD"
grep -q "^\[[0-9]*\] FWD " "$T/ours.txt" || fail "no FWD: pointers to non-roots are encoded whole"

# Every other layout btf-db-gen.sh has built (OpenSSL 1.1.1 to 4.0, GnuTLS):
# the same against pahole, from the objects it left in the cache.
# GnuTLS's objects are lib/state.c's with lib/ext/alpn.c's (alpn_ext_st).
GNUTLS_ROOTS=(gnutls_session_int gnutls_cipher_suite_entry_st version_entry_st alpn_ext_st
	extensions_t)
for obj in "$CACHE"/src/openssl-*/build-btf/btf-input.o "$CACHE"/src/gnutls28-*/build-btf/btf-input.o; do
	[[ -f $obj ]] || continue
	roots=("${ROOTS[@]}")
	[[ $obj == */gnutls28-* ]] && roots=("${GNUTLS_ROOTS[@]}")
	pahole -J --btf_encode_detached="$T/p.btf" "$obj" 2>/dev/null || fail "pahole failed on $obj"
	"$DRV" gen "$obj" "$T/o.btf" "${roots[@]}" || fail "dwarf_btf_generate failed on $obj"
	"$DRV" dump "$T/p.btf" "${roots[@]}" >"$T/p.txt"
	"$DRV" dump "$T/o.btf" "${roots[@]}" >"$T/o.txt"
	grep -q ' off=' "$T/o.txt" || fail "$obj: no members"
	diff "$T/p.txt" "$T/o.txt" >&2 || fail "$obj: layouts differ from pahole's (< pahole, > ours)"
	echo "$obj: $(grep -c ' off=' "$T/o.txt") members as pahole has them"
done

# C11 _Atomic reference counts: pahole 1.24 cannot, we encode them as the
# plain type, and the layout is the one above.
build_objs atomic "-g -O2"
readelf --debug-dump=info "$T/atomic.o" 2>/dev/null | grep -q DW_TAG_atomic_type ||
	fail "the atomic build has no DW_TAG_atomic_type"
"$DRV" gen "$T/atomic.o" "$T/atomic.btf" "${ROOTS[@]}" || fail "dwarf_btf_generate failed on atomic.o"
layout "$T/atomic.btf" "$T/got-atomic"
diff "$T/want" "$T/got-atomic" >&2 || fail "the _Atomic build's layout differs (< pahole, > ours)"

# A stripped shared library: its debug file by build-id, in a debug root
# given by $SSLSNIFF_DEBUG_DIR.
mkdir -p "$T/lib" "$T/dbg"
gcc -shared -Wl,--build-id -o "$T/lib/libbid.so" "$T/atomic.o" || fail "cannot link libbid.so"
bid=$(readelf -n "$T/lib/libbid.so" | sed -n 's/.*Build ID: \([0-9a-f]*\).*/\1/p')
[[ -n $bid ]] || fail "libbid.so has no build-id"
mkdir -p "$T/dbg/.build-id/${bid:0:2}"
objcopy --only-keep-debug "$T/lib/libbid.so" "$T/dbg/.build-id/${bid:0:2}/${bid:2}.debug"
objcopy --strip-debug "$T/lib/libbid.so"
found=$(SSLSNIFF_DEBUG_DIR=$T/dbg "$DRV" find "$T/lib/libbid.so") || fail "no debug file by build-id"
[[ $found == "$T/dbg/.build-id/${bid:0:2}/${bid:2}.debug" ]] || fail "found '$found' by build-id"
"$DRV" gen "$T/lib/libbid.so" "$T/x.btf" ssl_st 2>/dev/null && fail "a stripped file gave BTF"
"$DRV" gen "$found" "$T/bid.btf" "${ROOTS[@]}" || fail "no BTF from the build-id debug file"
layout "$T/bid.btf" "$T/got-bid"
diff "$T/want" "$T/got-bid" >&2 || fail "the debug file's layout differs (< pahole, > ours)"

# Without a build-id: .gnu_debuglink in .debug/ beside the library, its
# CRC checked.
gcc -shared -Wl,--build-id=none -o "$T/lib/liblink.so" "$T/atomic.o" || fail "cannot link liblink.so"
mkdir -p "$T/lib/.debug"
objcopy --only-keep-debug "$T/lib/liblink.so" "$T/lib/.debug/liblink.so.debug"
objcopy --strip-debug --add-gnu-debuglink="$T/lib/.debug/liblink.so.debug" "$T/lib/liblink.so"
found=$("$DRV" find "$T/lib/liblink.so" "$T/dbg") || fail "no debug file by debuglink"
[[ $found == "$T/lib/.debug/liblink.so.debug" ]] || fail "found '$found' by debuglink"
echo x >>"$T/lib/.debug/liblink.so.debug"
"$DRV" find "$T/lib/liblink.so" "$T/dbg" 2>/dev/null && fail "a debug file with the wrong CRC was taken"

# The program relocates against it, as against a btf-db entry: libbpf's
# log shows each field it reads found where pahole's BTF has it.
sniff_start -v --btf "$T/atomic.btf" -c no-such-comm
sniff_stop
for f in ssl_st.version ssl_st.rbio ssl_st.session bio_st.method bio_st.num \
	bio_method_st.type ssl_session_st.cipher ssl_cipher_st.name; do
	want=$(awk -v m="$f" '$1 == m { sub("off=", "", $2); print $2 / 8; exit }' "$T/want")
	got=$(grep -m1 -E "matching candidate #[0-9]+ <byte_off> \[[0-9]+\] struct $f " "$T/err" |
		sed -n 's/.*@ offset \([0-9]*\)).*/\1/p')
	[[ -n $want && $got == "$want" ]] || fail "CO-RE put $f at '$got', pahole at '$want'"
done

# At start-up: a debug file for the host's own libssl and libcrypto (their
# build-ids; the DWARF of 3.0.20's objects, the same layout as the host's
# 3.0.19) is preferred to btf-db, its BTF generated and cached, and the
# connection read from the structs with it, exact.
host_ssl=$(ldconfig -p | awk '$1 == "libssl.so.3" { print $NF; exit }')
host_crypto=$(ldconfig -p | awk '$1 == "libcrypto.so.3" { print $NF; exit }')
mkdir -p "$T/hostdbg"
for lib in "$host_ssl" "$host_crypto"; do
	id=$(readelf -n "$lib" | sed -n 's/.*Build ID: \([0-9a-f]*\).*/\1/p')
	[[ -n $id ]] || fail "$lib has no build-id"
	mkdir -p "$T/hostdbg/.build-id/${id:0:2}"
	gcc -shared -nostdlib -Wl,--build-id=0x"$id" -o "$T/hostdbg/.build-id/${id:0:2}/${id:2}.debug" \
		"$T/plain.o" || fail "cannot link a debug file for $lib"
done
ssl_id=$(readelf -n "$host_ssl" | sed -n 's/.*Build ID: \([0-9a-f]*\).*/\1/p')
printf 'dwarf:{req}' >"$T/reply"
unique dwarf-layout >"$T/req"
peer_serve srv --reply "$T/reply"
export SSLSNIFF_DEBUG_DIR=$T/hostdbg
sniff_start -f json -c python3
unset SSLSNIFF_DEBUG_DIR
peer_client --info "$T/info"
sniff_stop
entry=$(sed -n "s|^sslsniff: openssl [0-9.]* ('$host_ssl'): BTF '\($CACHE/dwarf-btf\.v2/[0-9a-f]\{64\}\.btf\)' (generated from the DWARF in '$T/hostdbg/.build-id/${ssl_id:0:2}/${ssl_id:2}.debug')\$|\1|p" "$T/err")
[[ -n $entry ]] || fail "the host's debug file was not used: $(cat "$T/err")"
[[ -s $entry ]] || fail "the generated BTF was not cached"
# --detect names the layout capture used: the one choice, DWARF first.
SSLSNIFF_DEBUG_DIR=$T/hostdbg "$SSLSNIFF" --detect "$host_ssl" >"$T/detect" 2>&1 ||
	fail "--detect failed: $(cat "$T/detect")"
grep -qxF "btf:      $entry (generated from the DWARF in '$T/hostdbg/.build-id/${ssl_id:0:2}/${ssl_id:2}.debug')" "$T/detect" ||
	fail "--detect does not name the layout capture used: $(cat "$T/detect")"
read -r fd _ _ _ _ version cipher <"$T/info"
for field in "fd_source struct" "fd $fd" "tls_version $version" "cipher $cipher"; do
	set -- $field
	[[ $(records --pid "$CLIENT" --field "$1" | sort -u) == "$2" ]] ||
		fail "with the DWARF layout, $1 is '$(records --pid "$CLIENT" --field "$1" | sort -u)', want '$2'"
done
exit 0
