#!/usr/bin/env bash
# Stripped Go executables (-ldflags='-s -w': no .symtab, no DWARF), their
# crypto/tls functions found through .gopclntab: a stripped Go client
# linked to libc (cgo) and a static one, each to nginx over HTTP/1.1, and
# a stripped Go server over HTTP/2 (ALPN h2) to the cgo client, all
# started after sslsniff (the attach line says where the functions came
# from). The request bytes each client passed to tls.Conn.Write (its own
# dump) and the 1 MiB body byte for byte, the HTTP stage's request,
# response and body on each connection, the DATA frames on both sides.
# Each connection's fd, src and dst are read from tls.Conn (fd_source
# "struct"): *net.TCPConn's type descriptor found from the runtime's own
# tables (moduledata: typelinks up to Go 1.26, 1.27's itabs; --detect's
# transport line), equal to each program's own view of its connections
# (-view: SyscallConn's fd, LocalAddr, RemoteAddr), every record of theirs.
. "$(dirname "$0")/lib.sh"
need nginx
go_build client gocli stripped
go_build client gostatic static stripped
go_build server gosrv stripped
for b in gocli gostatic gosrv; do
	readelf -SW "$T/$b" | grep -qw .symtab && fail "$b is not stripped"
	"$SSLSNIFF" --detect "$T/$b" >"$T/detect.$b" 2>&1
	grep -qx "functions: .gopclntab (no symbol table)" "$T/detect.$b" &&
		grep -qx "transport: its type descriptor, from the runtime's tables" "$T/detect.$b" ||
		fail "--detect $b: $(cat "$T/detect.$b")"
done
nginx_start ssl
http_files
TOKEN=$(unique gostrip)
BODY=$W/html/1m.bin
SUM=$(sha256sum <"$BODY" | cut -d' ' -f1)

sniff_start -f json

# attached_pclntab FILE PID: the attach line of FILE for PID, from .gopclntab.
attached_pclntab() {
	local re="^sslsniff: attached [0-9]+ probes to '$1' \\(mapped by pid $2\\)"
	grep -qE "$re, functions from \\.gopclntab" "$T/err"
}

"$T/gosrv" -cert "$CERT" -key "$KEY" -body "$BODY" -view "$T/srv.view" >"$T/srv.ready" \
	2>"$T/srv.err" &
GSERVER=$!
BG_PIDS+=($GSERVER)
wait_for 10 grep -q '^ready' "$T/srv.ready" || fail "Go server did not start: $(cat "$T/srv.err")"
GPORT=$(awk '{print $2}' "$T/srv.ready")
wait_for 20 attached_pclntab "$T/gosrv" "$GSERVER" ||
	fail "the stripped Go server was not attached: $(grep gosrv "$T/err")"

# go_client NAME BIN ARGS...: BIN started now, GETting once attached (a
# file attached before is attached for every process: no new line).
go_client() {
	local name=$1 bin=$2; shift 2
	"$T/$bin" -wait "$T/$name.go" -view "$T/$name.view" "$@" >"$T/$name.out" \
		2>"$T/$name.err" &
	CLIENT=$!
	wait_for 20 attached_pclntab "$T/$bin" "$CLIENT" ||
		wait_for 1 attached_pclntab "$T/$bin" "[0-9]+" ||
		fail "$bin was not attached: $(grep "$bin" "$T/err")"
	touch "$T/$name.go"
	wait "$CLIENT" || fail "Go client $name failed: $(cat "$T/$name.err")"
}

mkdir "$T/dcgo" "$T/dstatic"
go_client h1 gocli -url "https://127.0.0.1:$NPORT/1m.bin" -header "X-Sslsniff-Token: $TOKEN" \
	-dump "$T/dcgo"
H1=$CLIENT
go_client s1 gostatic -url "https://127.0.0.1:$NPORT/1m.bin" -header "X-Sslsniff-Token: $TOKEN" \
	-dump "$T/dstatic"
S1=$CLIENT
go_client h2 gocli -url "https://127.0.0.1:$GPORT/h2-$TOKEN" -header "X-Sslsniff-Token: $TOKEN"
H2=$CLIENT
for c in h1 s1; do
	[[ $(cat "$T/$c.out") == "HTTP/1.1 1048576 $SUM" ]] || fail "$c client got $(cat "$T/$c.out")"
done
[[ $(cat "$T/h2.out") == "HTTP/2.0 1048576 $SUM" ]] || fail "h2 client got $(cat "$T/h2.out")"
sniff_stop
[[ $(summary_lost_bytes) == 0 ]] || fail "bytes lost: $(tail -n 1 "$T/err")"

for c in "$H1:dcgo:gocli" "$S1:dstatic:gostatic"; do
	IFS=: read -r pid dump comm <<<"$c"
	records --pid "$pid" --dir write --data >"$T/$pid.w"
	assert_bytes "$T/$dump/0.w" "$T/$pid.w" "$comm's HTTP/1.1 request"
	records --pid "$pid" --dir read --data | tail -c $((1 << 20)) >"$T/$pid.body"
	assert_bytes "$BODY" "$T/$pid.body" "$comm's 1 MiB HTTP/1.1 body"
	[[ $(records --pid "$pid" --field comm | sort -u) == "$comm" ]] || fail "$comm: comm"
	[[ $(records --pid "$pid" --field function | sort -u) == \
		$'crypto/tls.(*Conn).Read\ncrypto/tls.(*Conn).Write' ]] ||
		fail "$comm: functions $(records --pid "$pid" --field function | sort -u)"
	[[ $(records --pid "$pid" --field dst | sort -u) == "127.0.0.1:$NPORT" ]] ||
		fail "$comm: connection $(records --pid "$pid" --field dst | sort -u | head -n 3)"
done

# Every record of each client and of the server: the fd, src and dst of
# the program's own view of that connection, read from the struct.
$PY3 - "$T" "$GSERVER" "h1=$H1" "s1=$S1" "h2=$H2" <<'PY' || fail "records differ from the Go programs' view"
import json, sys
t, server = sys.argv[1], int(sys.argv[2])
KEYS = ("fd", "src", "dst")


def view(line):
    v = dict(kv.split("=", 1) for kv in line.split())
    v["fd"] = int(v["fd"])
    return {k: v[k] for k in KEYS}


recs = [json.loads(l) for l in open(t + "/out")]
recs = [r for r in recs if r.get("type") == "data"]
srv = [view(l) for l in open(t + "/srv.view")]
for name, pid in (a.split("=") for a in sys.argv[3:]):
    want, = [view(l) for l in open("%s/%s.view" % (t, name))]
    mine = [r for r in recs if r["pid"] == int(pid)]
    assert {r["direction"] for r in mine} == {"read", "write"}, (name, len(mine))
    for r in mine:
        got = {k: r.get(k) for k in KEYS}
        assert got == want and r["fd_source"] == "struct", (name, got, r.get("fd_source"), want)
    print("%s: %d records: %s" % (name, len(mine), want))
theirs = [r for r in recs if r["pid"] == server]
assert {r["direction"] for r in theirs} == {"read", "write"} and srv, (len(theirs), srv)
for r in theirs:
    got = {k: r.get(k) for k in KEYS}
    assert got in srv and r["fd_source"] == "struct", ("server", got, r.get("fd_source"), srv)
print("server: %d records, %d connections" % (len(theirs), len(srv)))
PY

http_check "$T/out" "$H1" "$S1" "$H2" "$GSERVER" "$NPORT" "$GPORT" "$TOKEN" "$BODY" <<'PY' ||
import sys
from http_json import *
out, h1, s1, h2, srv, nport, gport, token, body = sys.argv[1:]
want = open(body, "rb").read()

for pid in (int(h1), int(s1)):
    assert {r["library"] for r in records(out, pid)} == {"go"}, pid
    check_go_h1_get(out, pid, token, want)

# HTTP/2 to the stripped server: the client's side and the server's.
for pid, data_dir in ((int(h2), "read"), (int(srv), "write")):
    check_go_h2_get(out, int(pid), data_dir, "/h2-" + token, gport, token, want)
print("go: stripped client (cgo, static) and server captured through .gopclntab")
PY
	fail "the HTTP stage's view of the stripped Go connections"
