#!/usr/bin/env bash
# Go programs started after sslsniff: the exec watch finds a Go server and
# a Go client (new files, not mapped by anything at start) and attaches
# to them before their first TLS call; the client's request and the 256
# KiB body, in the server's and the client's records, byte for byte. Then
# with -p: only the Go server, its records of another client's request.
. "$(dirname "$0")/lib.sh"
go_build client goclient
go_build server goserver static
TOKEN=$(unique golater)
head -c $((256 << 10)) /dev/urandom >"$T/body"
SUM=$(sha256sum <"$T/body" | cut -d' ' -f1)

sniff_start -f json
"$T/goserver" -cert "$CERT" -key "$KEY" -body "$T/body" >"$T/srv.ready" 2>"$T/srv.err" &
GSERVER=$!
BG_PIDS+=($GSERVER)
wait_for 10 grep -q '^ready' "$T/srv.ready" || fail "Go server did not start: $(cat "$T/srv.err")"
GPORT=$(awk '{print $2}' "$T/srv.ready")
wait_for 20 attached_to "$T/goserver" || fail "the late Go server was not attached"
grep -qE "attached [0-9]+ probes to '$T/goserver' \(mapped by pid $GSERVER\)" "$T/err" ||
	fail "not attached as the server's: $(grep goserver "$T/err")"

"$T/goclient" -wait "$T/go" -url "https://127.0.0.1:$GPORT/late-$TOKEN" \
	-header "X-Sslsniff-Token: $TOKEN" >"$T/cli.out" 2>"$T/cli.err" &
CLIENT=$!
wait_for 20 attached_to "$T/goclient" || fail "the late Go client was not attached"
grep -qE "attached [0-9]+ probes to '$T/goclient' \(mapped by pid $CLIENT\)" "$T/err" ||
	fail "not attached as the client's: $(grep goclient "$T/err")"
touch "$T/go"
wait "$CLIENT" || fail "Go client failed: $(cat "$T/cli.err")"
[[ $(cat "$T/cli.out") == "HTTP/2.0 $((256 << 10)) $SUM" ]] || fail "client got $(cat "$T/cli.out")"
sniff_stop
[[ $(summary_lost_bytes) == 0 ]] || fail "bytes lost: $(tail -n 1 "$T/err")"

http_check "$T/out" "$CLIENT" "$GSERVER" "$TOKEN" "$T/body" <<'PY' || fail "the late Go programs' records"
import sys
from http_json import *
out, cli, srv, token, body = sys.argv[1:]
want = open(body, "rb").read()
for pid, data_dir in ((int(cli), "read"), (int(srv), "write")):
    rs = list(records(out, pid))
    assert rs and {r["library"] for r in rs} == {"go"}, (pid, {r["library"] for r in rs})
    assert {r["comm"] for r in rs} == {"goclient" if data_dir == "read" else "goserver"}, pid
    its = items(out, pid)
    # Every item named for the side that sent it: the Go server writes its
    # SETTINGS before it reads the client's preface.
    sender = {"write": "client", "read": "server"} if data_dir == "read" else \
        {"write": "server", "read": "client"}
    wrong = [(rec["direction"], it) for rec, it in its if it["from"] != sender[rec["direction"]]]
    assert not wrong, (pid, wrong[:3])
    r, = heads(its, "request", "client")
    assert r["path"] == "/late-" + token and ["x-sslsniff-token", token] in r["headers"], r
    assert h2_data(stream_bytes(out, pid, data_dir), r["stream"]) == want, "pid %d: DATA" % pid
print("go: late client and server captured")
PY

# -p: the running Go server only, found through its /proc/PID/maps.
sniff_start -f json -p "$GSERVER"
"$T/goclient" -url "https://127.0.0.1:$GPORT/pid-$TOKEN" >"$T/cli2.out" 2>"$T/cli2.err" ||
	fail "second Go client failed: $(cat "$T/cli2.err")"
sniff_stop
[[ $(records --field pid | sort -u) == "$GSERVER" ]] || fail "-p: pids $(records --field pid | sort -u)"
http_check "$T/out" "$GSERVER" "$TOKEN" "$T/body" <<'PY' || fail "-p: the Go server's records"
import sys
from http_json import *
out, srv, token, body = sys.argv[1:]
its = items(out, int(srv))
r, = heads(its, "request", "client")
assert r["path"] == "/pid-" + token, r
assert h2_data(stream_bytes(out, int(srv), "write"), r["stream"]) == open(body, "rb").read()
print("go: -p")
PY
