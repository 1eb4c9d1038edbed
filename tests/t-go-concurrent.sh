#!/usr/bin/env bash
# 50 goroutines of one Go client, each on a connection of its own to nginx
# (HTTP/1.1), at once: goroutines move between the runtime's threads, so a
# call's state is kept per goroutine, not per thread. Each connection's
# records (by its local port; the fd from tls.Conn's *net.TCPConn, as the
# -dump wrapper is around the tls.Conn) hold exactly what that goroutine's
# connection wrote (the client's own dump) and nginx's whole reply to it,
# and the HTTP stage (keyed by the *tls.Conn) decodes that goroutine's
# request and its 200 on that connection.
. "$(dirname "$0")/lib.sh"
need nginx
go_build client goclient
nginx_start ssl
http_files
TOKEN=$(unique goconc)
N=50

sniff_start -f json
mkdir "$T/dump"
"$T/goclient" -wait "$T/go" -n $N -url "https://127.0.0.1:$NPORT/index.html?$TOKEN" \
	-header "X-Sslsniff-Token: $TOKEN" -dump "$T/dump" >"$T/cli.out" 2>"$T/cli.err" &
CLIENT=$!
wait_for 20 attached_to "$T/goclient" || fail "the Go client was not attached"
touch "$T/go"
wait "$CLIENT" || fail "Go client failed: $(cat "$T/cli.err")"
[[ $(grep -c " HTTP/1.1 $(wc -c <"$W/html/index.html") " "$T/cli.out") == $N ]] ||
	fail "client: $(head -n 3 "$T/cli.out")"
sniff_stop
[[ $(summary_lost_bytes) == 0 ]] || fail "bytes lost: $(tail -n 1 "$T/err")"

http_check "$T/out" "$CLIENT" "$TOKEN" "$T/dump" "$W/html/index.html" "$N" <<'PY' ||
import base64, collections, re, sys
from http_json import *
out, cli, token, dump, index, n = sys.argv[1:]
cli, n = int(cli), int(n)
page = open(index, "rb").read()
conns = collections.defaultdict(lambda: {"write": bytearray(), "read": bytearray(), "its": []})
for r in records(out, cli):
    assert r["fd_source"] == "struct" and r["src"] != r["dst"], r
    c = conns[r["src"]]
    c[r["direction"]] += base64.b64decode(r["data"])
    c["its"] += [(r, it) for it in r.get("http", [])]
assert len(conns) == n, "%d connections" % len(conns)
seen = set()
for src, c in conns.items():
    m = re.match(rb"GET /index\.html\?%s-(\d+) HTTP/1\.1\r\n" % token.encode(), bytes(c["write"]))
    assert m, (src, bytes(c["write"][:80]))
    i = int(m.group(1))
    seen.add(i)
    assert bytes(c["write"]) == open("%s/%d.w" % (dump, i), "rb").read(), "conn %d request" % i
    assert bytes(c["read"]).endswith(b"\r\n\r\n" + page), "conn %d reply" % i
    r, = heads(c["its"], "request", "client")
    assert r["path"] == "/index.html?%s-%d" % (token, i), (i, r)
    assert [v for k, v in r["headers"] if k.lower() == "x-sslsniff-token"] == [token], r
    s, = heads(c["its"], "response", "server")
    assert s["status"] == 200 and s["content_length"] == len(page), s
assert seen == set(range(n)), sorted(set(range(n)) - seen)
print("go: %d goroutines' connections attributed" % n)
PY
	fail "the 50 goroutines' connections"
