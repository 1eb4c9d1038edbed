#!/usr/bin/env bash
# Go's connections through CO-RE against the programs' own view of them:
# a Go client and a Go server (HTTP/2) print, per connection, its fd
# (SyscallConn().Control), LocalAddr, RemoteAddr and ConnectionState's
# Version, CipherSuite and NegotiatedProtocol; every record of theirs
# carries the same fd, src, dst, tls_version, cipher and alpn, with
# fd_source "struct": read from tls.Conn (conn → *net.TCPConn → netFD →
# pfd.Sysfd, vers, cipherSuite, clientProtocol) with the layout generated
# from the executable's DWARF (--detect says so), TLS 1.3 and TLS 1.2. The
# same executable with its DWARF removed (objcopy --strip-debug, .symtab
# kept) is read with btf-db's entry of its Go version, fd from the struct
# still: .symtab names the itab of *net.TCPConn (Go 1.19 to 1.26), or
# (1.27's linker names none, and its DWARF is gone) *net.TCPConn's type
# descriptor comes from the runtime's tables (go_types.h); its DWARF
# recompressed as GNU .zdebug_* sections gives the same
# layout byte for byte. All of them are one program instance. A client whose tls.Conn runs over a net.Conn of its own (not a
# *net.TCPConn) is not followed: its fd comes from the syscalls, its
# version, suite and ALPN still from tls.Conn.
. "$(dirname "$0")/lib.sh"
need objcopy readelf nm
go_build client goclient
go_build server goserver
objcopy --strip-debug "$T/goclient" "$T/gonodwarf" || fail "objcopy --strip-debug failed"
BODY=$T/body.bin
head -c 300000 /dev/urandom >"$BODY"
SUM=$(sha256sum <"$BODY" | cut -d' ' -f1)

"$SSLSNIFF" --detect "$T/goclient" >"$T/detect" 2>&1 || fail "--detect: $(cat "$T/detect")"
grep -qE "^btf: +/.* \(generated from the DWARF in '$T/goclient'\)$" "$T/detect" ||
	fail "--detect: no layout from the DWARF: $(cat "$T/detect")"
# The same DWARF compressed the old way (GNU .zdebug_*): the same layout.
objcopy --compress-debug-sections=zlib-gnu "$T/goclient" "$T/gozdebug" || fail "objcopy failed"
readelf -S "$T/gozdebug" | grep -q '\.zdebug_info' || fail "no .zdebug_info in $T/gozdebug"
"$SSLSNIFF" --detect "$T/goclient" -o "$T/layout.btf" >/dev/null &&
	"$SSLSNIFF" --detect "$T/gozdebug" -o "$T/layout.z.btf" >"$T/detect.z" ||
	fail "--detect -o: $(cat "$T/detect.z")"
grep -q "generated from the DWARF in '$T/gozdebug'" "$T/detect.z" &&
	cmp -s "$T/layout.btf" "$T/layout.z.btf" || fail ".zdebug_* DWARF gave another layout"
"$SSLSNIFF" --detect "$T/gonodwarf" >"$T/detect.nd" 2>&1 || fail "--detect: $(cat "$T/detect.nd")"
GOV=$("$(go_bin)" env GOVERSION)
grep -qE "^btf: +/.*/btf-db/go/${GOV#go}-[a-z]+\.btf \(exact version\)$" "$T/detect.nd" ||
	fail "--detect: the DWARF-less executable not read with btf-db's Go ${GOV#go}: $(cat "$T/detect.nd")"

"$T/goserver" -cert "$CERT" -key "$KEY" -body "$BODY" -view "$T/srv.view" >"$T/srv.ready" \
	2>"$T/srv.err" &
BG_PIDS+=($!)
GSERVER=$!
wait_for 10 grep -q '^ready' "$T/srv.ready" || fail "Go server did not start: $(cat "$T/srv.err")"
GPORT=$(awk '{print $2}' "$T/srv.ready")

sniff_start -f json

# go_client NAME EXE ARGS...: EXE GETs once attached; its view in $T/NAME.view.
PIDS=()
go_client() {
	local name=$1 exe=$2 pid; shift 2
	"$T/$exe" -wait "$T/$name.go" -url "https://127.0.0.1:$GPORT/$name" -view "$T/$name.view" \
		"$@" >"$T/$name.out" 2>"$T/$name.err" &
	pid=$!
	wait_for 20 grep -q "probes to '$T/$exe'" "$T/err" || fail "$exe was not attached"
	touch "$T/$name.go"
	wait "$pid" || fail "Go client $name failed: $(cat "$T/$name.err")"
	[[ $(cat "$T/$name.out") == "HTTP/2.0 300000 $SUM" ]] || fail "$name got $(cat "$T/$name.out")"
	PIDS+=("$name=$pid")
}
go_client tls13 goclient
go_client tls12 goclient -tls 1.2
go_client wrap goclient -wrap
go_client nodwarf gonodwarf
sniff_stop
[[ $(summary_lost_bytes) == 0 ]] || fail "bytes lost: $(tail -n 1 "$T/err")"
# One program instance for the three (client, server, DWARF-less client):
# the same Go's layouts are the same BTF, btf-db's entry's too.
MINOR=$(echo "${GOV#go}" | cut -d. -f1,2)
[[ $(grep -c "^sslsniff: go $MINOR: BTF '.*' (another program instance)$" "$T/err") == 1 ]] ||
	fail "Go's layouts not shared by one instance: $(grep "another program instance" "$T/err")"

ND_SOURCE=struct
$PY3 - "$T" "$GSERVER" "$ND_SOURCE" "${PIDS[@]}" <<'PY' || fail "records differ from the Go programs' view"
import json, sys
t, server, nd_source = sys.argv[1], int(sys.argv[2]), sys.argv[3]
clients = dict(a.split("=") for a in sys.argv[4:])
VERSIONS = {"0x0303": "TLSv1.2", "0x0304": "TLSv1.3"}
KEYS = ("fd", "src", "dst", "tls_version", "cipher", "alpn")


def view(line):
    v = dict(kv.split("=", 1) for kv in line.split())
    v["fd"] = int(v["fd"])
    v["tls_version"] = VERSIONS[v["tls_version"]]
    return v


recs = [json.loads(l) for l in open(t + "/out")]
recs = [r for r in recs if r.get("type") == "data"]
srv_views = [view(l) for l in open(t + "/srv.view")]
seen = set()
for name, pid in clients.items():
    want, = [view(l) for l in open("%s/%s.view" % (t, name))]
    mine = [r for r in recs if r["pid"] == int(pid)]
    assert {r["direction"] for r in mine} == {"read", "write"}, (name, len(mine))
    source = {"wrap": "syscall", "nodwarf": nd_source}.get(name, "struct")
    for r in mine:
        got = {k: r.get(k) for k in KEYS}
        assert got == {k: want[k] for k in KEYS} and r["fd_source"] == source, \
            (name, got, r.get("fd_source"), want)
    # The server's side of the same connection: its own view of it.
    sv, = [v for v in srv_views if v["dst"] == want["src"]]
    theirs = [r for r in recs if r["pid"] == server and r.get("dst") == want["src"]]
    assert {r["direction"] for r in theirs} == {"read", "write"}, (name, len(theirs))
    for r in theirs:
        got = {k: r.get(k) for k in KEYS}
        assert got == {k: sv[k] for k in KEYS} and r["fd_source"] == "struct", \
            (name, "server", got, r.get("fd_source"), sv)
    seen.add(want["tls_version"])
    print("%s: %d client and %d server records: %s" % (name, len(mine), len(theirs),
                                                       " ".join(str(want[k]) for k in KEYS)))
assert seen == {"TLSv1.2", "TLSv1.3"}, seen
# Every server record is one of those connections'.
assert all(r.get("dst") in {view(l)["dst"] for l in open(t + "/srv.view")}
           for r in recs if r["pid"] == server), "a server record without its connection"
PY
