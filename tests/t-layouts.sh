#!/usr/bin/env bash
# Two OpenSSL layouts at once: the host's libssl 3.0 and Debian 11's real
# libssl 1.1.1w (its openssl binary runs on this glibc). Each gets a program
# instance relocated against its own btf-db layout, both write to one ring:
# fd, version and cipher are exact for both, as the clients report them.
. "$(dirname "$0")/lib.sh"
need openssl python3 dpkg-deb
debian11_openssl
[[ $(old_openssl version) == "OpenSSL 1.1.1w"* ]] || skip "Debian 11's openssl does not run here"

printf 'layouts:{req}' >"$T/reply"
peer_serve srv --count 2 --reply "$T/reply"

sniff_start -f json
# Debian 11's s_client, started after sslsniff (found by the exec watcher);
# it writes once sslsniff has attached to its libssl, and its input stays
# open until the reply is in.
unique old-client >"$T/req.old"
: >"$T/old.out"
client_input "$T/req.old" "$T/old.out" layouts: "$T/go" |
	old_openssl s_client -connect "127.0.0.1:$PORT" -brief >"$T/old.out" 2>"$T/old.err" &
BG_PIDS+=($!)
wait_for 10 pgrep -f "^$OLD/usr/bin/openssl s_client" >/dev/null || fail "no 1.1.1 client"
OLDPID=$(pgrep -f "^$OLD/usr/bin/openssl s_client")
wait_for 20 attached_to "[^']*/libssl\.so\.1\.1" ||
	fail "sslsniff did not attach to the 1.1.1 client's libssl: $(cat "$T/err")"
grep -q "(mapped by pid $OLDPID)\$" "$T/err" ||
	fail "the attach line does not name the 1.1.1 client"
# Its socket, once it has connected (pgrep can see it a moment before),
# read before it is let go: then it ends as soon as the reply is in.
socket_fd() {
	OLDFD=$(for f in /proc/$OLDPID/fd/*; do [[ $(readlink "$f") == socket:* ]] && basename "$f"; done | head -n 1)
	[[ -n $OLDFD ]]
}
wait_for 10 socket_fd || fail "the 1.1.1 client has no socket ($( [[ -d /proc/$OLDPID ]] &&
	echo "state $(awk '{print $3}' "/proc/$OLDPID/stat")" || echo "exited"); its stderr: $(tail -n 3 "$T/old.err"))"
touch "$T/go"
wait_for 20 grep -q "layouts:" "$T/old.out" || fail "the 1.1.1 client got no reply: $(cat "$T/old.err")"
# The host's 3.0, through python.
unique host-client >"$T/req"
peer_client --info "$T/info"
# Both instances number their calls with the one shared counter: call ids
# unique across instances, so that the decoder can never mix two calls up.
seq_maps=$(bpftool map show -j | python3 -c '
import glob, json, sys
held = set()	# the maps sslsniff holds, by their fds
for f in glob.glob("/proc/%s/fdinfo/*" % sys.argv[1]):
    try:	# an fd closed between the listing and the read
        for line in open(f):
            if line.startswith("map_id:"):
                held.add(int(line.split()[1]))
    except OSError:
        pass
print(len([m for m in json.load(sys.stdin) if m["id"] in held and m.get("name") == "call_seq"]))' "$SNIFF_PID")
[[ $seq_maps == 1 ]] || fail "the program instances use $seq_maps call_seq maps, want 1"
sniff_stop

grep -q "^sslsniff: openssl 1.1.1: BTF '.*btf-db/openssl/1.1.1w-bullseye.btf' (another program instance)\$" "$T/err" ||
	fail "no second instance for 1.1.1: $(cat "$T/err")"
records --pid "$OLDPID" --func SSL_write --data >"$T/w.old"
assert_bytes "$T/req.old" "$T/w.old" "1.1.1 client's write"
want_version=$(sed -n 's/^Protocol version: //p' "$T/old.err")
want_cipher=$(sed -n 's/^Ciphersuite: //p' "$T/old.err")
[[ $(records --pid "$OLDPID" --func SSL_write --field fd_source) == struct ]] || fail "1.1.1 fd_source"
[[ $(records --pid "$OLDPID" --func SSL_write --field fd) == "$OLDFD" ]] ||
	fail "1.1.1 fd $(records --pid "$OLDPID" --func SSL_write --field fd), want $OLDFD"
[[ $(records --pid "$OLDPID" --func SSL_write --field tls_version) == "$want_version" ]] ||
	fail "1.1.1 version $(records --pid "$OLDPID" --func SSL_write --field tls_version), want $want_version"
[[ $(records --pid "$OLDPID" --func SSL_write --field cipher) == "$want_cipher" ]] ||
	fail "1.1.1 cipher $(records --pid "$OLDPID" --func SSL_write --field cipher), want $want_cipher"
read -r fd laddr lport raddr rport version cipher <"$T/info"
[[ $(records --pid "$CLIENT" --dir write --field fd) == "$fd" ]] || fail "3.0 fd"
[[ $(records --pid "$CLIENT" --dir write --field fd_source) == struct ]] || fail "3.0 fd_source"
[[ $(records --pid "$CLIENT" --dir write --field cipher) == "$cipher" ]] || fail "3.0 cipher"
records --pid "$CLIENT" --dir write --data >"$T/w"
assert_bytes "$T/req" "$T/w" "3.0 client's write"
