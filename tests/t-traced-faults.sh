#!/usr/bin/env bash
# Faults of the traced processes. A client killed (SIGKILL) while blocked
# in SSL_read: sslsniff keeps running, the dead thread leaves no call state
# (sslsniff's calls map is task storage, which goes with the task), and a
# later connection is captured byte for byte. A process that dlopen()s
# libssl, dlclose()s it (unmapped) and dlopen()s it again: its calls after
# the remap are captured (where the library can be unmapped: OpenSSL 3
# pins itself with RTLD_NODELETE, so on Debian 12 only the kill is checked).
. "$(dirname "$0")/lib.sh"
need python3 bpftool

# The type of sslsniff's calls map, found by the ids of the maps sslsniff
# holds open (/proc/PID/fdinfo: bpftool here lists no owner pids). Task
# storage is freed by the kernel with its task, so a killed thread cannot
# leave a call state behind (nor can its entry be looked up: that takes a
# pidfd of a live task).
calls_map_type() {
	bpftool -j map show | python3 -c '
import glob, json, sys
held = set()
for info in glob.glob("/proc/%s/fdinfo/*" % sys.argv[1]):
    try:
        for line in open(info):
            if line.startswith("map_id:"):
                held.add(int(line.split()[1]))
    except OSError:
        pass
types = {m.get("type") for m in json.load(sys.stdin) if m.get("name") == "calls" and m["id"] in held}
if len(types) != 1:
    sys.exit("no single calls map held by sslsniff: %s" % types)
print(types.pop())' "$SNIFF_PID"
}

# --- killed inside SSL_read: a server that answers never ---
python3 - "$CERT" "$KEY" >"$T/mute.ready" <<'PY' &
import socket, ssl, sys, time
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(8)
print("ready", ls.getsockname()[1], flush=True)
conns = []
while True:
    c, _ = ls.accept()
    try:
        conns.append(ctx.wrap_socket(c, server_side=True))
    except OSError:
        pass
PY
BG_PIDS+=($!)
wait_for 10 grep -q ready "$T/mute.ready" || fail "no mute server"
MUTE=$(awk '{print $2}' "$T/mute.ready")
sniff_start -f json
python3 - "$MUTE" "$T/blocked" <<'PY' &
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))))
s.sendall(b"waiting-for-a-reply")
open(sys.argv[2], "w").close()
s.recv(100)		# blocks in SSL_read
PY
VICTIM=$!
wait_for 10 test -e "$T/blocked" || fail "the client did not block"
wait_for 10 grep -q 'waiting-for-a-reply' "$T/out" 2>/dev/null ||
	[[ $(records --pid "$VICTIM" --dir write --data | tr -d '\0') == waiting-for-a-reply ]] ||
	fail "the client's write was not captured"
# Its thread is inside SSL_read: it has a call slot now.
wait_for 5 sh -c "grep -q 'State:.S' /proc/$VICTIM/status" || fail "the client is not asleep"
kill -KILL "$VICTIM"
wait "$VICTIM" 2>/dev/null
kill -0 "$SNIFF_PID" || fail "sslsniff died with the traced process"
type=$(calls_map_type) || fail "cannot read the calls map"
[[ $type == task_storage ]] ||
	fail "the calls map is a $type: a killed thread's call state would stay"
unique after-kill >"$T/req"
printf 'reply:{req}' >"$T/reply"
peer_serve srv --count 1 --reply "$T/reply"
peer_client
records --pid "$CLIENT" --dir write --data >"$T/w"
assert_bytes "$T/req" "$T/w" "a connection after the kill"

# --- dlopen, dlclose, dlopen: the library unmapped and mapped again ---
peer_serve srv2 --count 2 --reply "$T/reply"
cat >"$T/remap.py" <<'PY'
import ctypes, ctypes.util, os, sys, time
port, req, stage = int(sys.argv[1]), open(sys.argv[2], "rb").read(), sys.argv[3]
libdl = ctypes.CDLL(None)
libdl.dlopen.restype = ctypes.c_void_p
libdl.dlopen.argtypes = [ctypes.c_char_p, ctypes.c_int]
libdl.dlclose.argtypes = [ctypes.c_void_p]
libdl.dlsym.restype = ctypes.c_void_p
libdl.dlsym.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
RTLD_NOW, RTLD_LOCAL = 2, 0

def mapped():
    return any("libssl" in l for l in open("/proc/self/maps"))

def session(h, n):
    # A raw OpenSSL client through the dlopen()ed handle: SSL_write, SSL_read.
    f = lambda name, res, args: ctypes.CFUNCTYPE(res, *args)(libdl.dlsym(h, name))
    P = ctypes.c_void_p
    ctx = f(b"SSL_CTX_new", P, [P])(f(b"TLS_client_method", P, [])())
    s = socket.create_connection(("127.0.0.1", port))
    ssl = f(b"SSL_new", P, [P])(ctx)
    f(b"SSL_set_fd", ctypes.c_int, [P, ctypes.c_int])(ssl, s.fileno())
    assert f(b"SSL_connect", ctypes.c_int, [P])(ssl) == 1
    data = req + b"-" + str(n).encode()
    f(b"SSL_write", ctypes.c_int, [P, P, ctypes.c_int])(ssl, data, len(data))
    buf = ctypes.create_string_buffer(4096)
    f(b"SSL_read", ctypes.c_int, [P, P, ctypes.c_int])(ssl, buf, 4096)
    f(b"SSL_free", None, [P])(ssl)
    f(b"SSL_CTX_free", None, [P])(ctx)
    s.close()

import socket
assert not mapped(), "libssl mapped at start"
h = libdl.dlopen(b"libssl.so.3", RTLD_NOW | RTLD_LOCAL)
session(h, 1)
libdl.dlclose(h)
if mapped():
    sys.exit(3)		# OpenSSL 3 pins itself (RTLD_NODELETE): never unmapped
print("unmapped", flush=True)
while not os.path.exists(stage):
    time.sleep(0.02)
h = libdl.dlopen(b"libssl.so.3", RTLD_NOW | RTLD_LOCAL)
print("remapped", flush=True)
while not os.path.exists(stage + ".go"):
    time.sleep(0.02)
session(h, 2)
print("done", flush=True)
PY
# python's own ssl module would keep libssl mapped: -S -E and no import of it.
python3 -S -E "$T/remap.py" "$PORT" "$T/req" "$T/stage" >"$T/remap.out" 2>"$T/remap.err" &
REMAP=$!
BG_PIDS+=($REMAP)
wait_for 20 grep -q unmapped "$T/remap.out" || {
	wait "$REMAP"
	# The kill inside SSL_read above was checked; the remap is checked
	# where dlclose() unmaps libssl (Debian's OpenSSL 3 does not).
	[[ $? == 3 ]] && { echo "remap not checked: this OpenSSL pins itself (RTLD_NODELETE)"; exit 0; }
	fail "remap: $(cat "$T/remap.err")"
}
touch "$T/stage"
wait_for 20 grep -q remapped "$T/remap.out" || fail "remap: $(cat "$T/remap.err")"
# The probes are on the file, for every process that maps it: a remap needs
# no new attach. Its calls go out once it is mapped again.
touch "$T/stage.go"
wait "$REMAP" || fail "remap: $(cat "$T/remap.err")"
sniff_stop
{ cat "$T/req"; printf -- '-1'; } >"$T/w1"
{ cat "$T/req"; printf -- '-2'; } >"$T/w2"
records --pid "$REMAP" --func SSL_write --data >"$T/rw"
cat "$T/w1" "$T/w2" >"$T/want"
assert_bytes "$T/want" "$T/rw" "SSL_write before the dlclose and after the dlopen again"
