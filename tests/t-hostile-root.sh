#!/usr/bin/env bash
# Container roots whose files are hostile. sslsniff resolves every path of a
# root inside that root, never blocks on a file, and survives broken ELF
# files and linker caches: one warning line at most for each, and the
# capture of a normal process in the same root and on the host goes on.
# - The root's linker cache lists, before its real libssl: an absolute, a
#   relative (../ out of the root) and a /proc/PID/root magic symlink to a
#   libssl that only the host has; a FIFO; a character device; a directory;
#   a libssl cut in half; one whose section headers lie past its end; one
#   whose .rodata claims 4 GiB of a sparse file; an 8 GiB sparse libssl;
#   random bytes.
# - Other roots' /etc/ld.so.cache is a symlink out of the root (absolute,
#   relative), a FIFO, a 4 GiB sparse file, garbage, a truncated cache.
# No probe ever lands on the host's file: tests/uprobe_witness.py maps it
# read-only and sees no breakpoint written into it (and does see them in
# the host's libssl, which sslsniff does probe).
. "$(dirname "$0")/lib.sh"
need openssl chroot python3 mkfifo mknod truncate ldconfig

LIBSSL=$(ldd /usr/bin/openssl | awk '/libssl/ {print $3}')
[[ -n $LIBSSL ]] || skip "needs the host's libssl"
R=$T/root
HOST=$T/host			# only the host has it: nothing maps it
openssl_root "$R"
mkdir -p "$R/proc" "$R/etc" "$HOST"
mount -t proc proc "$R/proc" || skip "cannot mount /proc into the test root"
# shellcheck disable=SC2064 # the paths, now
trap "umount '$R/proc' '$R/dev/null' 2>/dev/null; cleanup" EXIT
cp "$LIBSSL" "$HOST/libssl.so.3"

# The witnesses: the host-only file, and the host's own libssl.
for w in host:"$HOST/libssl.so.3" sys:"$LIBSSL"; do
	python3 "$TESTS_DIR/uprobe_witness.py" "${w#*:}" "$T/witness.${w%%:*}" &
	BG_PIDS+=($!)
done
wait_for 10 test -s "$T/witness.host" -a -s "$T/witness.sys" || fail "the witnesses did not start"

# --- hostile linker caches, each in a root of its own ---
# (copies of the first one, made before its hostile files: no inode is
# shared, so that the first root's libssl is attached through its own cache)
python3 "$TESTS_DIR/ldcache.py" "$HOST/ld.so.cache" /usr/lib/listed/libssl.so.3
CACHES=(cache-abs cache-rel cache-fifo cache-huge cache-garbage cache-short cache-dir)
for c in "${CACHES[@]}"; do
	mkdir -p "$T/$c"
	cp -a "$R/usr" "$R/lib"* "$T/$c/" 2>/dev/null
	mkdir -p "$T/$c/etc" "$T/$c/usr/lib/listed"
	cp "$LIBSSL" "$T/$c/usr/lib/listed/libssl.so.3"	# found only if the host's cache is read
done
# --- hostile library files, in the root's linker cache ---
H=/usr/lib/hostile
up=$(printf '../%.0s' {1..12})
mkdir -p "$R$H"/{abs,rel,magic,fifo,dev,dir/libssl.so.3,trunc,shoff,rodata,huge,garbage}
ln -s "$HOST/libssl.so.3" "$R$H/abs/libssl.so.3"
ln -s "$up${HOST#/}/libssl.so.3" "$R$H/rel/libssl.so.3"
ln -s "/proc/$$/root$HOST/libssl.so.3" "$R$H/magic/libssl.so.3"
[[ -f $R$H/magic/libssl.so.3 ]] || fail "the magic link does not reach the host's file from here"
mkfifo "$R$H/fifo/libssl.so.3"
mknod "$R$H/dev/libssl.so.3" c 1 5
head -c "$(($(stat -c %s "$LIBSSL") / 2))" "$LIBSSL" >"$R$H/trunc/libssl.so.3"
head -c 1048576 /dev/urandom >"$R$H/garbage/libssl.so.3"
cp "$LIBSSL" "$R$H/huge/libssl.so.3"
truncate -s 8G "$R$H/huge/libssl.so.3"
python3 - "$LIBSSL" "$R$H" <<'PY' || fail "cannot make the broken ELF files"
import os, struct, sys
lib, out = sys.argv[1], sys.argv[2]
d = bytearray(open(lib, "rb").read())
shoff, = struct.unpack_from("<Q", d, 0x28)
shentsize, shnum, shstrndx = struct.unpack_from("<HHH", d, 0x3a)
def sh(i):
    return struct.unpack_from("<IIQQQQIIQQ", d, shoff + i * shentsize)
names = sh(shstrndx)[4]
b = bytearray(d)
struct.pack_into("<Q", b, 0x28, 1 << 62)              # section headers far past the end
open(out + "/shoff/libssl.so.3", "wb").write(b)
for i in range(shnum):
    n = names + sh(i)[0]
    if d[n:d.index(b"\0", n)] == b".rodata":           # 4 GiB of .rodata, in a hole
        b = bytearray(d)
        struct.pack_into("<QQ", b, shoff + i * shentsize + 24, len(d), 4 << 30)
        path = out + "/rodata/libssl.so.3"
        open(path, "wb").write(b)
        os.truncate(path, len(d) + (4 << 30))
PY
HOSTILE=(abs rel magic fifo dev dir trunc shoff rodata huge garbage)
paths=()
for h in "${HOSTILE[@]}"; do paths+=("$H/$h/libssl.so.3"); done
# The real libssl last: once it is attached, every entry before it was seen.
python3 "$TESTS_DIR/ldcache.py" "$R/etc/ld.so.cache" "${paths[@]}" "$LIBSSL"

ln -s "$HOST/ld.so.cache" "$T/cache-abs/etc/ld.so.cache"
ln -s "../$up${HOST#/}/ld.so.cache" "$T/cache-rel/etc/ld.so.cache"
mkfifo "$T/cache-fifo/etc/ld.so.cache"
python3 "$TESTS_DIR/ldcache.py" "$T/cache-huge/etc/ld.so.cache" "$LIBSSL"
truncate -s 4G "$T/cache-huge/etc/ld.so.cache"
# as many entries as 4 GiB holds, all of them zeros
python3 -c 'import struct, sys; f = open(sys.argv[1], "r+b"); f.seek(20); f.write(struct.pack("<I", ((4 << 30) - 48) // 24))' \
	"$T/cache-huge/etc/ld.so.cache"
head -c 65536 /dev/urandom >"$T/cache-garbage/etc/ld.so.cache"
python3 "$TESTS_DIR/ldcache.py" "$T/cache-short/etc/ld.so.cache" "$LIBSSL" "$LIBSSL" "$LIBSSL"
truncate -s 100 "$T/cache-short/etc/ld.so.cache"
mkdir "$T/cache-dir/etc/ld.so.cache"

unique hostile >"$T/req"
printf 'hostile-reply:{req}' >"$T/reply"
peer_serve srv --count 8 --reply "$T/reply"
{ printf 'hostile-reply:'; cat "$T/req"; } >"$T/want"

sniff_start -f json -v
# A process in each root with a hostile cache (openssl's prompt, until the
# end; its own ld.so may block on the cache), then the sentinel root.
for c in "${CACHES[@]}"; do
	sleep 60 | timeout 60 chroot "$T/$c" /usr/bin/openssl >/dev/null 2>&1 &
	BG_PIDS+=($!)
done
rm -f "$T/go"
: >"$T/got"
client_input "$T/req" "$T/got" hostile-reply "$T/go" |
	chroot "$R" /usr/bin/openssl s_client -connect "127.0.0.1:$PORT" -quiet >"$T/got" 2>/dev/null &
BG_PIDS+=($!)
wait_for 20 attached_to "/proc/[0-9]+/root$LIBSSL" ||
	fail "the root's real libssl was not attached after the hostile entries: $(cat "$T/err")"
wait_for 10 pgrep -f "^/usr/bin/openssl s_client -connect 127.0.0.1:$PORT" >/dev/null || fail "no client in the root"
RCLIENT=$(pgrep -f "^/usr/bin/openssl s_client -connect 127.0.0.1:$PORT")
# every root looked at (in no set order)
roots_seen() { (($(grep -c "^sslsniff: discover: pid [0-9]* is in a new root: " "$T/err") >= ${#CACHES[@]} + 1)); }
wait_for 20 roots_seen || fail "not every root was looked at in 20 s: $(grep 'new root' "$T/err")"
touch "$T/go"
wait_for 20 grep -q hostile-reply "$T/got" || fail "the client in the root got no reply"
peer_client
kill -0 "$SNIFF_PID" || fail "sslsniff died"
host_hits=$(cat "$T/witness.host")
sys_hits=$(cat "$T/witness.sys")
sniff_stop

[[ $sys_hits -gt 0 ]] || fail "the witness sees no probe even in the host's libssl: it proves nothing"
[[ $host_hits == 0 ]] || fail "$host_hits bytes of the host-only libssl were probed"
# (the 8 GiB libssl and the one with the huge .rodata are the root's own:
# attaching them is no escape)
! grep -E "attached .*'[^']*($HOST|/usr/lib/listed/)" "$T/err" ||
	fail "attached to a file outside the root"
for h in "${HOSTILE[@]}"; do
	n=$(grep "$H/$h/" "$T/err" | grep -c "^sslsniff: \(warning\|error\|attached\)")
	((n <= 1)) || fail "$h: $n lines about it: $(grep "$H/$h/" "$T/err")"
done
for h in abs rel magic fifo dev dir garbage; do
	grep -qE "^sslsniff: warning: discover: '/proc/[0-9]+/root$H/$h/libssl.so.3': not attached: " "$T/err" ||
		fail "$h: no warning that it was not attached"
done
for h in trunc shoff; do
	grep -qE "^sslsniff: warning: discover: '/proc/[0-9]+/root$H/$h/libssl.so.3': named like a TLS library but defines none of its functions; not attached\$" "$T/err" ||
		fail "$h: no warning that it was not attached"
done
grep -q "larger than any linker cache" "$T/err" || fail "the huge linker cache was read"
n=$(grep -c "^sslsniff: warning: .*/etc/ld.so.cache" "$T/err")
((n <= ${#CACHES[@]})) || fail "$n lines about the linker caches: $(grep "ld.so.cache" "$T/err")"
grep -E "warning|error|attached|new root" "$T/err" >&2
records --pid "$RCLIENT" --dir write --data >"$T/w"
assert_bytes "$T/req" "$T/w" "the client in the hostile root"
records --pid "$CLIENT" --dir write --data >"$T/w"
assert_bytes "$T/req" "$T/w" "the host's client"
exit 0
