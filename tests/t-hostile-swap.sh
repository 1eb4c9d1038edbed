#!/usr/bin/env bash
# A container's libssl swapped after its process mapped it, before sslsniff
# looks (the race between reading /proc/PID/maps and opening the file, made
# deterministic): the process maps one inode, while the same path, in its
# root and on the host, now names another file (a GnuTLS library bound
# over it; /proc/PID/maps still shows the path, not "(deleted)"). With -p
# and system-wide, sslsniff attaches to the inode the process maps, through
# the mapping itself, captures the process, and never probes the file now
# at the path (tests/uprobe_witness.py sees no breakpoint written into it).
. "$(dirname "$0")/lib.sh"
need openssl chroot python3 ldconfig

LIBSSL=$(ldd /usr/bin/openssl | awk '/libssl/ {print $3}')
GNUTLS=$(ldconfig -p | awk '/libgnutls\.so\.30 / {print $NF; exit}')
[[ -n $LIBSSL && -n $GNUTLS ]] || skip "needs the host's libssl and libgnutls"
R=$T/root
openssl_root "$R"
cp "$GNUTLS" "$T/swapped.so"
python3 "$TESTS_DIR/uprobe_witness.py" "$T/swapped.so" "$T/witness" &
BG_PIDS+=($!)
wait_for 10 test -s "$T/witness" || fail "the witness did not start"

unique swapped >"$T/req"
printf 'swap-reply:{req}' >"$T/reply"
peer_serve srv --count 4 --reply "$T/reply"
{ printf 'swap-reply:'; cat "$T/req"; } >"$T/want"

# swapped_client: a client in the root that maps the root's libssl, then
# the path swapped under it.
swapped_client() {
	rm -f "$T/go"
	: >"$T/got"
	client_input "$T/req" "$T/got" swap-reply "$T/go" |
		chroot "$R" /usr/bin/openssl s_client -connect "127.0.0.1:$PORT" -quiet >"$T/got" 2>/dev/null &
	BG_PIDS+=($!)
	wait_for 10 pgrep -f "^/usr/bin/openssl s_client -connect 127.0.0.1:$PORT" >/dev/null || fail "no client"
	CLIENT=$(pgrep -f "^/usr/bin/openssl s_client -connect 127.0.0.1:$PORT")
	wait_for 10 grep -q "libssl" "/proc/$CLIENT/maps" || fail "the client does not map libssl"
	mount --bind "$T/swapped.so" "$R$LIBSSL" || skip "cannot bind-mount over the root's libssl"
	# shellcheck disable=SC2064 # the paths, now
	trap "umount '$R$LIBSSL' '$R/dev/null' 2>/dev/null; cleanup" EXIT
	grep -q " $R$LIBSSL\$" "/proc/$CLIENT/maps" || fail "maps does not show the swapped path as it is"
	[[ $(stat -c %i "$R$LIBSSL") == $(stat -c %i "$T/swapped.so") ]] || fail "the path was not swapped"
}
check() {
	grep -qE "attach: '/proc/$CLIENT/map_files/[^']*' \(openssl " "$T/err" ||
		fail "$1: the mapped libssl was not attached through its mapping: $(grep "attach: '" "$T/err")"
	! grep -E "attach: '[^']*' \(gnutls " "$T/err" | grep -vF "'$GNUTLS'" ||
		fail "$1: the file now at the path was attached"
	touch "$T/go"
	wait_for 20 grep -q swap-reply "$T/got" || fail "$1: the client got no reply"
	[[ $(cat "$T/witness") == 0 ]] || fail "$1: the file now at the path was probed"
	sniff_stop
	records --pid "$CLIENT" --dir write --data >"$T/w"
	records --pid "$CLIENT" --dir read --data >"$T/r"
	assert_bytes "$T/req" "$T/w" "$1: write"
	assert_bytes "$T/want" "$T/r" "$1: read"
	umount "$R$LIBSSL"
	wait_for 10 sh -c "! pgrep -f '^/usr/bin/openssl s_client -connect 127.0.0.1:$PORT' >/dev/null" || true
}

swapped_client
sniff_start -f json -v -p "$CLIENT"
check "-p"

swapped_client
sniff_start -f json -v --no-watch
check "system-wide"
exit 0
