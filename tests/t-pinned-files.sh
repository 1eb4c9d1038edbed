#!/usr/bin/env bash
# Each library file is one object, opened once and attached through that
# open file: what is probed is the inode that was analysed, whatever its
# path names now.
# - A library deleted while a process still maps it (a package upgrade
#   under a running service) is found through the mapping itself and
#   captured, its version read from the libcrypto the process maps (also
#   deleted).
# - A container's path is resolved inside its root: its linker cache names
#   a symlink whose absolute target, inside the root, is its libssl, and on
#   the host a GnuTLS library. The root's libssl is attached, as OpenSSL,
#   and the host's file is never opened for it.
. "$(dirname "$0")/lib.sh"
need openssl chroot python3 ldconfig readelf

LIBSSL=$(ldd /usr/bin/openssl | awk '/libssl/ {print $3}')
LIBCRYPTO=$(ldd /usr/bin/openssl | awk '/libcrypto/ {print $3}')
GNUTLS=$(ldconfig -p | awk '/libgnutls\.so\.30 / {print $NF; exit}')
[[ -n $LIBSSL && -n $LIBCRYPTO && -n $GNUTLS ]] || skip "needs the host's libssl, libcrypto and libgnutls"
build_id() {
	readelf -n "$1" 2>/dev/null | sed -n 's/^ *Build ID: //p' | head -n 1
}

unique pinned >"$T/req"
printf 'pinned-reply:{req}' >"$T/reply"
peer_serve srv --count 4 --reply "$T/reply"
{ printf 'pinned-reply:'; cat "$T/req"; } >"$T/want"

# --- deleted while mapped ---
mkdir -p "$T/lib"
cp "$LIBSSL" "$LIBCRYPTO" "$T/lib/"
client_input "$T/req" "$T/got" pinned-reply "$T/go" |
	LD_LIBRARY_PATH=$T/lib openssl s_client -connect "127.0.0.1:$PORT" -quiet >"$T/got" 2>/dev/null &
BG_PIDS+=($!)
wait_for 10 pgrep -f "^openssl s_client -connect 127.0.0.1:$PORT" >/dev/null || fail "no client"
CLIENT=$(pgrep -f "^openssl s_client -connect 127.0.0.1:$PORT")
wait_for 10 grep -q "$T/lib/libssl" "/proc/$CLIENT/maps" || fail "the client does not map the copy"
rm "$T/lib/$(basename "$LIBSSL")" "$T/lib/$(basename "$LIBCRYPTO")"
grep -q "$T/lib/libssl.* (deleted)" "/proc/$CLIENT/maps" || fail "the copy is not deleted"
sniff_start -f json -v -p "$CLIENT"
grep -qE "attach: '/proc/$CLIENT/map_files/[^']*' \(openssl [0-9.]+[a-z]*, build-id $(build_id "$LIBSSL")\) pid $CLIENT: [0-9]+ probes, structs read with CO-RE" "$T/err" ||
	fail "the deleted libssl was not attached, with its version and layout: $(grep "attach: '" "$T/err")"
touch "$T/go"
wait_for 20 grep -q pinned-reply "$T/got" || fail "the client got no reply"
sniff_stop
records --pid "$CLIENT" --func SSL_write --data >"$T/w"
records --pid "$CLIENT" --func SSL_read --data >"$T/r"
assert_bytes "$T/req" "$T/w" "deleted libssl: write"
assert_bytes "$T/want" "$T/r" "deleted libssl: read"
[[ $(records --pid "$CLIENT" --func SSL_write --field fd_source) == struct ]] ||
	fail "deleted libssl: the fd did not come from its struct"

# --- a root whose linker cache leads through an absolute symlink ---
R=$T/root
D=$T/decoy	# the same absolute path: in the root its libssl, here GnuTLS
openssl_root "$R"
mkdir -p "$R/etc" "$R$D" "$D"
mv "$R$LIBSSL" "$R$D/libssl.so.3"
ln -s "$D/libssl.so.3" "$R$LIBSSL"
cp "$GNUTLS" "$D/libssl.so.3"
dirname "$LIBSSL" >"$R/etc/ld.so.conf"
ldconfig -r "$R" || fail "ldconfig cannot make the root's linker cache"
grep -qaF "$LIBSSL" "$R/etc/ld.so.cache" || fail "the root's linker cache does not name $LIBSSL"

rm -f "$T/go" "$T/got"
sniff_start -f json -v
client_input "$T/req" "$T/got" pinned-reply "$T/go" |
	chroot "$R" /usr/bin/openssl s_client -connect "127.0.0.1:$PORT" -quiet >"$T/got" 2>/dev/null &
BG_PIDS+=($!)
wait_for 10 pgrep -f "^/usr/bin/openssl s_client -connect 127.0.0.1:$PORT" >/dev/null || fail "no client in the root"
CLIENT=$(pgrep -f "^/usr/bin/openssl s_client -connect 127.0.0.1:$PORT")
wait_for 10 grep -qF "' (in the root of pid " "$T/err" || fail "the root's linker cache was not read: $(cat "$T/err")"
grep -qE "attach: '/proc/[0-9]+/root$LIBSSL' \(openssl [0-9.]+[a-z]*, build-id $(build_id "$LIBSSL")\)" "$T/err" ||
	fail "the root's libssl was not attached as OpenSSL: $(grep "attach: '" "$T/err")"
! grep -qE "attach: '(/proc/[0-9]+/root[^']*|$D/[^']*)' \(gnutls " "$T/err" ||
	fail "the host's file behind the symlink was attached for the root: $(grep "attach: '" "$T/err")"
touch "$T/go"
wait_for 20 grep -q pinned-reply "$T/got" || fail "the client in the root got no reply"
sniff_stop
records --pid "$CLIENT" --func SSL_write --data >"$T/w"
assert_bytes "$T/req" "$T/w" "root through a symlink: write"
