#!/usr/bin/env bash
# A process in another root (as in a container) with its own copy of libssl:
# sslsniff finds that file (through /proc/PID/root when its path means
# nothing here), whether the process runs before it starts (-p and
# system-wide) or execs later (the watcher); last, in its own mount
# namespace and a docker-named cgroup, traced alone with --container.
. "$(dirname "$0")/lib.sh"
need openssl chroot python3 unshare

R=$T/root
openssl_root "$R"
LIBSSL=$(ldd /usr/bin/openssl | awk '/libssl/ {print $3}')

unique in-root >"$T/req"
printf 'root-reply:{req}' >"$T/reply"
peer_serve srv --count 5 --reply "$T/reply"
{ printf 'root-reply:'; cat "$T/req"; } >"$T/want"
# in_root_client: s_client in the root, which sends once $T/go exists and
# ends its input once the reply is in.
in_root_client() {
	rm -f "$T/go"
	: >"$T/got"
	client_input "$T/req" "$T/got" root-reply "$T/go" |
		chroot "$R" /usr/bin/openssl s_client -connect "127.0.0.1:$PORT" -quiet \
			>"$T/got" 2>/dev/null &
	BG_PIDS+=($!)
	wait_for 10 pgrep -f "^/usr/bin/openssl s_client -connect 127.0.0.1:$PORT" >/dev/null || fail "no client"
	CLIENT=$(pgrep -f "^/usr/bin/openssl s_client -connect 127.0.0.1:$PORT")
}
# True when sslsniff's stderr names a file that is the root's libssl.
root_lib_attached() {
	local ino p
	ino=$(stat -c %i "$R$LIBSSL")
	grep -oE "(attach: |probes to )'[^']*'" "$T/err" | sed "s/.*'\(.*\)'/\1/" |
		while read -r p; do [[ $(stat -c %i "$p" 2>/dev/null) == "$ino" ]] && echo yes; done |
		grep -q yes
}
check_capture() {
	wait_for 20 grep -q root-reply "$T/got" || fail "$1: the client got no reply"
	sniff_stop
	records --pid "$CLIENT" --func SSL_write --data >"$T/w"
	records --pid "$CLIENT" --func SSL_read --data >"$T/r"
	assert_bytes "$T/req" "$T/w" "$1: write in the root"
	assert_bytes "$T/want" "$T/r" "$1: read in the root"
	wait_for 10 sh -c "! pgrep -f '^/usr/bin/openssl s_client -connect 127.0.0.1:$PORT' >/dev/null" || true
}

# Started after sslsniff: the watcher attaches to the root's own libssl
# (ld.so maps it only after the exec event); the client writes once it has.
sniff_start -f json
in_root_client
wait_for 5 root_lib_attached || fail "no line about the root's libssl: $(cat "$T/err")"
grep -q "(mapped by pid $CLIENT)" "$T/err" || fail "the attach line does not name the process"
touch "$T/go"
check_capture "exec'd after start"

# Already running: -p finds the root's libssl in /proc/PID/maps.
in_root_client
wait_for 10 grep -q libssl "/proc/$CLIENT/maps" || fail "client did not map libssl"
sniff_start -f json -p "$CLIENT"
touch "$T/go"
check_capture "-p PID"

# Already running, system-wide: the host's libssl and the root's are both attached.
in_root_client
wait_for 10 grep -q libssl "/proc/$CLIENT/maps" || fail "client did not map libssl"
# (capturing it proves the root's own libssl, another inode, was attached)
sniff_start -f json --no-watch
touch "$T/go"
check_capture "system-wide"
[[ $(stat -c %i "$LIBSSL") != $(stat -c %i "$R$LIBSSL") ]] || fail "the test root shares the host's libssl"

# Its own mount namespace, the root on a tmpfs that the host cannot see:
# the path in /proc/PID/maps opens nothing here, the mapping itself does.
command -v unshare >/dev/null || skip "needs unshare for the mount-namespace case"
rm -f "$T/go"
: >"$T/got"
NS=$T/ns
mkdir -p "$NS"
client_input "$T/req" "$T/got" root-reply "$T/go" |
	unshare -m --propagation private sh -c "mount -t tmpfs none '$NS' && cp -a '$R/.' '$NS/' &&
		mount --bind /dev/null '$NS/dev/null' &&
		exec chroot '$NS' /usr/bin/openssl s_client -connect 127.0.0.1:$PORT -quiet" \
	>"$T/got" 2>/dev/null &
BG_PIDS+=($!)
wait_for 10 pgrep -f "^/usr/bin/openssl s_client -connect 127.0.0.1:$PORT" >/dev/null || fail "no namespaced client"
CLIENT=$(pgrep -f "^/usr/bin/openssl s_client -connect 127.0.0.1:$PORT")
wait_for 10 grep -q libssl "/proc/$CLIENT/maps" || fail "namespaced client did not map libssl"
sniff_start -f json -p "$CLIENT" -v
grep -q "attach: '/proc/$CLIENT/map_files/" "$T/err" || fail "not attached through map_files"
touch "$T/go"
check_capture "own mount namespace"

# A container as a runtime makes one: that mount namespace and root, in a
# cgroup named as docker names its own, started after sslsniff, which
# traces only that container (--container, a prefix of its id): its records
# carry the id, and nothing of the host (the server) is captured.
V2=$(cgroup_mount cgroup2)
[[ -n $V2 ]] || skip "needs a cgroup2 mount for the container's cgroup"
ID=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
cgroup_make "$V2/system.slice/docker-$ID.scope"
sniff_start -f json --container "${ID:0:12}"
rm -f "$T/go"
: >"$T/got"
client_input "$T/req" "$T/got" root-reply "$T/go" |
	"${IN_CGROUP[@]}" "$V2/system.slice/docker-$ID.scope" \
	unshare -m --propagation private sh -c "mount -t tmpfs none '$NS' && cp -a '$R/.' '$NS/' &&
		mount --bind /dev/null '$NS/dev/null' &&
		exec chroot '$NS' /usr/bin/openssl s_client -connect 127.0.0.1:$PORT -quiet" \
	>"$T/got" 2>"$T/cerr" &
BG_PIDS+=($!)
wait_for 10 pgrep -f "^/usr/bin/openssl s_client -connect 127.0.0.1:$PORT" >/dev/null || fail "no container client: $(cat "$T/cerr")"
CLIENT=$(pgrep -f "^/usr/bin/openssl s_client -connect 127.0.0.1:$PORT")
wait_for 10 grep -q "(mapped by pid $CLIENT)" "$T/err" || fail "the container's libssl was not attached"
touch "$T/go"
check_capture "a container, --container"
[[ $(records --field pid | sort -u) == "$CLIENT" ]] || fail "--container: records of $(records --field pid | sort -u | tr '\n' ' ')"
[[ $(records --field container_id | sort -u) == "$ID" ]] || fail "--container: ids $(records --field container_id | sort -u)"
[[ $(records --field cgroup | sort -u) == "/system.slice/docker-$ID.scope" ]] || fail "--container: cgroup"
