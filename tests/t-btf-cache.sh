#!/usr/bin/env bash
# The caches of generated BTF (btf/btf_cache.c) are keyed and checked by
# content, in directories of their own ($SSLSNIFF_BTF_CACHE, here a
# scratch one):
# - the merged kernel+library BTF is made once, then found; an entry that
#   is corrupt, truncated, made for another key, of the old format or a
#   symlink is ignored (said with -v) and made again, never followed;
# - a cache directory that is a symlink, someone else's, or open to others
#   is refused with one warning, and capture goes on without a cache;
# - a container cannot choose the host's layout: its root ships copies of
#   the host's libssl and libcrypto (same build-ids) with debug files that
#   give ssl_st a wrong layout; after sslsniff has generated (and cached)
#   that layout for the container's copy, the host's libssl, with a debug
#   file of its own, gets its own entry, and its connection is read right.
. "$(dirname "$0")/lib.sh"
need bpftool gcc chroot readelf ldconfig python3

export SSLSNIFF_BTF_CACHE=$T/cache
CORE=$T/cache/core-btf.v2
mkdir -m 0700 "$T/cache"
host_ssl=$(ldconfig -p | awk '$1 == "libssl.so.3" { print $NF; exit }')
host_crypto=$(ldconfig -p | awk '$1 == "libcrypto.so.3" { print $NF; exit }')
[[ -n $host_ssl && -n $host_crypto ]] || skip "needs the host's libssl.so.3"
build_id() { readelf -n "$1" | sed -n 's/.*Build ID: \([0-9a-f]*\).*/\1/p'; }

# run ARGS...: sslsniff started and stopped, doing nothing.
run() {
	sniff_start -c no-such-comm "$@"
	sniff_stop
}
# --- the merged BTF: made once, then found and checked ---
# (the first instance's: the preloader's follow, one per btf-db entry)
run -v
entry=$(sed -n "s|^sslsniff: btf: merged the kernel's BTF and [0-9]* library BTF file(s) into '\($CORE/[0-9a-f]\{64\}\.btf\)'\$|\1|p" "$T/err" | head -n 1)
[[ -f $entry ]] || fail "the merged BTF was not made into the cache: $(grep 'btf:' "$T/err")"
[[ $(stat -c %a "$entry") == 600 && $(stat -c %a "$CORE") == 700 ]] ||
	fail "entry $(stat -c %a "$entry"), directory $(stat -c %a "$CORE"): want 600 and 700"
cp "$entry" "$T/good"
run -v
grep -qF "btf: cached merged BTF '$entry'" "$T/err" || fail "the entry was not used again"

# spoil HOW: the entry spoilt, then used by a run that must say WHY and make it again.
spoil() {
	case $1 in
	corrupt) python3 -c 'import sys; f=open(sys.argv[1], "r+b"); f.seek(400); b=f.read(1); f.seek(400); f.write(bytes([b[0] ^ 1]))' "$entry" ;;
	truncate) truncate -s 5000 "$entry" ;;
	key) python3 -c 'import sys; f=open(sys.argv[1], "r+b"); f.seek(16); b=f.read(1); f.seek(16); f.write(bytes([b[0] ^ 1]))' "$entry" ;;
	old) tail -c +89 "$T/good" >"$entry" ;;	# the BTF alone, as the old cache kept it
	esac
	run -v
	grep -qF "btf: cache entry '$entry' ignored ($2): made again" "$T/err" ||
		fail "$1: not ignored as '$2': $(grep 'btf:' "$T/err")"
	cmp -s "$entry" "$T/good" || fail "$1: the entry was not made again"
}
spoil corrupt "its BTF does not match its sum"
spoil truncate "truncated"
spoil key "made for another key"
spoil old "not a cache entry of this version"
# A symlink planted as the entry is neither followed nor written through.
echo victim >"$T/victim"
rm "$entry"
ln -s "$T/victim" "$entry"
run -v
[[ $(cat "$T/victim") == victim ]] || fail "the symlinked entry's target was written"
[[ -f $entry && ! -L $entry ]] && cmp -s "$entry" "$T/good" || fail "the symlinked entry was not replaced"
ls "$CORE" | grep -v '\.btf$' && fail "temporary files left in the cache"

# --- directories that are not sslsniff's own: one warning, no cache ---
# refused WHAT WHY: sslsniff runs (and captures) with one warning about WHAT.
unique nocache >"$T/req"
printf 'nocache:{req}' >"$T/reply"
peer_serve srv --reply "$T/reply" --count 8
{ printf 'nocache:'; cat "$T/req"; } >"$T/want"
refused() {
	local what=$1 why=$2
	SSLSNIFF_BTF_CACHE=$cache sniff_start -f json -c python3
	peer_client
	sniff_stop
	[[ $(grep -c "^sslsniff: warning: btf: cache directory" "$T/err") == 1 ]] &&
		grep -qxF "sslsniff: warning: btf: cache directory '$what' refused: $why; BTF is not cached" "$T/err" ||
		fail "$what: want one warning '$why': $(grep -i 'cache' "$T/err")"
	records --pid "$CLIENT" --dir write --data >"$T/w"
	assert_bytes "$T/req" "$T/w" "$what refused: capture"
}
mkdir -m 0700 "$T/real"
ln -s "$T/real" "$T/link"
cache=$T/link refused "$T/link" "not a directory (a symlink?)"
[[ -z $(ls -A "$T/real") ]] || fail "the cache was made through a symlink: $(ls -A "$T/real")"
mkdir -m 0700 "$T/theirs"
chown nobody "$T/theirs"
cache=$T/theirs refused "$T/theirs" "not owned by the user running sslsniff"
mkdir -m 0777 "$T/open"
cache=$T/open refused "$T/open" "writable by others"
mkdir -m 0755 "$T/base" "$T/base/core-btf.v2"
cache=$T/base refused "$T/base/core-btf.v2" "not mode 0700"
rmdir "$T/base/core-btf.v2"
ln -s "$T/real" "$T/base/core-btf.v2"
cache=$T/base refused "$T/base/core-btf.v2" "not a directory (a symlink?)"
[[ -z $(ls -A "$T/real") ]] || fail "the cache was made through a symlink: $(ls -A "$T/real")"
kill "$SERVER" 2>/dev/null

# --- a container cannot choose the host's layout ---
# Debug files made from btf-db's layout of the host's OpenSSL (bpftool's C
# dump of it, compiled with -g): right for the host, and for the container
# with 64 bytes put at the start of ssl_st.
db_btf=$(SSLSNIFF_DEBUG_DIR=$T/nodbg "$SSLSNIFF" --detect "$host_ssl" | sed -n 's/^btf: *\([^ ]*\.btf\) (.*/\1/p')
[[ -f $db_btf ]] || skip "no btf-db layout for the host's libssl"
bpftool btf dump file "$db_btf" format c >"$T/ossl.h" || fail "bpftool cannot dump $db_btf"
sed 's/^struct ssl_st {/struct ssl_st {\n\tchar container_shift[64];/' "$T/ossl.h" >"$T/ossl-shift.h"
for v in ossl ossl-shift; do
	printf '#define BPF_NO_PRESERVE_ACCESS_INDEX\n#include "%s.h"\n%s\n' "$v" \
		'struct ssl_st a; struct bio_st b; struct bio_method_st c; struct ssl_session_st d; struct ssl_cipher_st e;' \
		>"$T/$v.c"
	gcc -g -O0 -c -o "$T/$v.o" "$T/$v.c" 2>"$T/gcc.err" || fail "cannot compile the layout: $(head -n 3 "$T/gcc.err")"
done
# debug_files DIR OBJ: debug files in DIR for the host's libssl and libcrypto.
debug_files() {
	local lib id
	for lib in "$host_ssl" "$host_crypto"; do
		id=$(build_id "$lib")
		mkdir -p "$1/.build-id/${id:0:2}"
		gcc -shared -nostdlib -Wl,--build-id=0x"$id" -o "$1/.build-id/${id:0:2}/${id:2}.debug" "$2" ||
			fail "cannot link a debug file"
	done
}
R=$T/root
openssl_root "$R"
mkdir -p "$R/etc"
dirname "$host_ssl" >"$R/etc/ld.so.conf"
ldconfig -r "$R" || fail "ldconfig cannot make the root's linker cache"
debug_files "$R/usr/lib/debug" "$T/ossl-shift.o"
debug_files "$T/hostdbg" "$T/ossl.o"
mkdir -p "$T/nodbg"
[[ $(build_id "$R$host_ssl") == $(build_id "$host_ssl") ]] || fail "the root's libssl has another build-id"

# First the container's copy, the host without debug files: its layout is
# generated from the container's debug file, and cached.
export SSLSNIFF_DEBUG_DIR=$T/nodbg
sniff_start -v
sleep 30 | chroot "$R" /usr/bin/openssl >/dev/null 2>&1 &
BG_PIDS+=($!)
wait_for 10 grep -qE "btf: '$T/cache/dwarf-btf\.v2/[0-9a-f]{64}\.btf', from the DWARF of '/proc/[0-9]+/root/usr/lib/debug/" "$T/err" ||
	fail "the container's layout was not generated: $(grep -E 'btf|attach' "$T/err")"
sniff_stop
container_entry=$(grep -oE "btf: '$T/cache/dwarf-btf\.v2/[0-9a-f]{64}\.btf', from the DWARF of '/proc/" "$T/err" |
	head -n 1 | cut -d"'" -f2)
grep -qa container_shift "$container_entry" || fail "the container's entry lacks its own layout"

# Then the host's libssl, with its own debug file: its own entry, and the
# connection read right through it.
unique dwarf-host >"$T/req"
printf 'host:{req}' >"$T/reply"
peer_serve srv2 --reply "$T/reply"
export SSLSNIFF_DEBUG_DIR=$T/hostdbg
sniff_start -f json -c python3
peer_client --info "$T/info"
sniff_stop
host_entry=$(sed -n "s|^sslsniff: openssl [0-9.]* ('$host_ssl'): BTF '\([^']*\)' (generated from the DWARF in '$T/hostdbg/.*')\$|\1|p" "$T/err")
[[ -n $host_entry ]] || fail "the host's debug file was not used: $(grep BTF "$T/err")"
[[ $host_entry != "$container_entry" ]] || fail "the host's libssl got the container's entry"
grep -qa container_shift "$host_entry" && fail "the host's entry has the container's layout"
read -r fd _ _ _ _ version _ <"$T/info"
for field in "fd_source struct" "fd $fd" "tls_version $version"; do
	set -- $field
	[[ $(records --pid "$CLIENT" --field "$1" | sort -u) == "$2" ]] ||
		fail "the host's $1 is '$(records --pid "$CLIENT" --field "$1" | sort -u)', want '$2'"
done
records --pid "$CLIENT" --dir write --data >"$T/w"
assert_bytes "$T/req" "$T/w" "host with its own layout"
exit 0
