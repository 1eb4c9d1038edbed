#!/usr/bin/env bash
# Go's crypto/tls, found by symbol in Go executables (system-wide): a Go
# server running before sslsniff starts (found in /proc/*/maps, linked to
# libc) and a Go client started after it (static). HTTP/1.1 to nginx: the
# request bytes the client passed to tls.Conn.Write (its own dump) and the
# 1 MiB body it read, byte for byte, with its comm, pid and connection
# (dst: nginx's port), decoded by the HTTP stage. HTTP/2 (ALPN h2) to the
# Go server: the body in the client's and the server's DATA frames, the
# request's custom header decoded on both sides.
. "$(dirname "$0")/lib.sh"
need nginx
go_build client goclient static
go_build server goserver
nginx_start ssl
http_files
TOKEN=$(unique go)
BODY=$W/html/1m.bin
SUM=$(sha256sum <"$BODY" | cut -d' ' -f1)

# --detect: the version and module from the build info, as go says them.
"$SSLSNIFF" --detect "$T/goclient" >"$T/detect" 2>&1 || fail "--detect: $(cat "$T/detect")"
GOV=$("$(go_bin)" env GOVERSION)
grep -qx "library:  go" "$T/detect" && grep -qx "version:  ${GOV#go} (from $T/goclient)" "$T/detect" &&
	grep -qx "module:   sslsniff.test/goclient" "$T/detect" || fail "--detect: $(cat "$T/detect")"
# Go before 1.17 (arguments on the stack): its build info's old form, refused in one line.
gcc -O2 -w -nostdlib -static -no-pie -DGO_POINTERS -o "$T/go116" "$TESTS_DIR/fuzz/seeds/go_stub.c" ||
	fail "cannot build the Go 1.16 stub"
"$SSLSNIFF" --detect "$T/go116" >"$T/detect116" 2>&1
[[ $(grep -c "Go 1.16.15: not attached: only Go 1.17 and later" "$T/detect116") == 1 ]] ||
	fail "Go 1.16 not refused: $(cat "$T/detect116")"

"$T/goserver" -cert "$CERT" -key "$KEY" -body "$BODY" >"$T/srv.ready" 2>"$T/srv.err" &
GSERVER=$!
BG_PIDS+=($GSERVER)
wait_for 10 grep -q '^ready' "$T/srv.ready" || fail "Go server did not start: $(cat "$T/srv.err")"
GPORT=$(awk '{print $2}' "$T/srv.ready")

sniff_start -f json

# go_client NAME ARGS...: the client, started now, GETting once attached.
go_client() {
	local name=$1; shift
	"$T/goclient" -wait "$T/$name.go" "$@" >"$T/$name.out" 2>"$T/$name.err" &
	CLIENT=$!
	wait_for 20 grep -qE "^sslsniff: attached [0-9]+ probes to '$T/goclient' \(mapped by pid $CLIENT\)" "$T/err" ||
		wait_for 1 grep -q "probes to '$T/goclient'" "$T/err" ||
		fail "the Go client was not attached"
	touch "$T/$name.go"
	wait "$CLIENT" || fail "Go client $name failed: $(cat "$T/$name.err")"
}

mkdir "$T/dump"
go_client h1 -url "https://127.0.0.1:$NPORT/1m.bin" -header "X-Sslsniff-Token: $TOKEN" -dump "$T/dump"
H1=$CLIENT
[[ $(cat "$T/h1.out") == "HTTP/1.1 1048576 $SUM" ]] || fail "h1 client got $(cat "$T/h1.out")"
go_client h2 -url "https://127.0.0.1:$GPORT/h2-$TOKEN" -header "X-Sslsniff-Token: $TOKEN"
H2=$CLIENT
[[ $(cat "$T/h2.out") == "HTTP/2.0 1048576 $SUM" ]] || fail "h2 client got $(cat "$T/h2.out")"
sniff_stop
[[ $(summary_lost_bytes) == 0 ]] || fail "bytes lost: $(tail -n 1 "$T/err")"

# HTTP/1.1: the request as the client wrote it, the response's body.
records --pid "$H1" --dir write --data >"$T/h1.w"
assert_bytes "$T/dump/0.w" "$T/h1.w" "Go client's HTTP/1.1 request"
records --pid "$H1" --dir read --data | tail -c $((1 << 20)) >"$T/h1.body"
assert_bytes "$BODY" "$T/h1.body" "Go client's 1 MiB HTTP/1.1 body"
for f in comm library function; do
	records --pid "$H1" --field $f | sort -u >"$T/h1.$f"
done
[[ $(cat "$T/h1.comm") == goclient ]] || fail "comm: $(cat "$T/h1.comm")"
[[ $(cat "$T/h1.library") == go ]] || fail "library: $(cat "$T/h1.library")"
[[ $(cat "$T/h1.function") == $'crypto/tls.(*Conn).Read\ncrypto/tls.(*Conn).Write' ]] ||
	fail "functions: $(cat "$T/h1.function")"
[[ $(records --pid "$H1" --field dst | sort -u) == "127.0.0.1:$NPORT" ]] ||
	fail "h1 connection: $(records --pid "$H1" --field dst | sort -u | head -n 3)"

http_check "$T/out" "$H1" "$H2" "$GSERVER" "$NPORT" "$GPORT" "$TOKEN" "$BODY" <<'PY' ||
import sys
from http_json import *
out, h1, h2, srv, nport, gport, token, body = sys.argv[1:]
h1, h2, srv = int(h1), int(h2), int(srv)
want = open(body, "rb").read()

check_go_h1_get(out, h1, token, want)

# HTTP/2, the client's side and the server's.
for pid, data_dir in ((h2, "read"), (srv, "write")):
    check_go_h2_get(out, int(pid), data_dir, "/h2-" + token, gport, token, want)
print("go: HTTP/1.1 and HTTP/2 decoded")
PY
	fail "the HTTP stage's view of the Go connections"
