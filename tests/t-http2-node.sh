#!/usr/bin/env bash
# node's http2 client (tests/h2_node.js; node's own OpenSSL, found in the
# executable when node starts) against nginx with http2, node traced: the
# request's path, authority and x-node-token and the response's status
# 200 are decoded, in JSON and text, and the body items stand for exactly
# the DATA bytes, which are the file's.
. "$(dirname "$0")/lib.sh"
need nginx node
nginx_start "ssl http2"
http_files
TOKEN=$(unique node)

run_node() {
	node "$TESTS_DIR/h2_node.js" "$NPORT" /index.html "$TOKEN" "$T/got" >"$T/node.out" 2>&1 ||
		fail "node failed: $(cat "$T/node.out")"
	cmp -s "$T/got" "$W/html/index.html" || fail "node did not get index.html"
}

sniff_start -c node -f json
run_node
sniff_stop
http_check "$T/out" "$W/html/index.html" "$NPORT" "$TOKEN" <<'PY' || fail "node's HTTP/2 in JSON"
import sys
from http_json import *
out, index, port, token = sys.argv[1:]
want = open(index, "rb").read()
its = items(out)
r, = heads(its, "request", "client")
assert (r["version"], r["method"], r["path"], r["scheme"], r["authority"]) == \
    ("2", "GET", "/index.html", "https", "127.0.0.1:" + port), r
assert ["x-node-token", token] in r["headers"], r["headers"]
assert r["unknown_headers"] == 0, r
s, = heads(its, "response", "server", r["stream"])
assert s["status"] == 200 and s["content_length"] == len(want), s
b, total = body_of(its, r["stream"], "server")
assert total == len(want), total
assert h2_data(stream_bytes(out, None, "read"), r["stream"]) == want, "DATA differs"
print("node: stream %d decoded" % r["stream"])
PY

sniff_start -c node
run_node
sniff_stop
for l in '> GET /index.html HTTP/2 [stream 1]' "> x-node-token: $TOKEN" \
	"> :authority: 127.0.0.1:$NPORT" '< HTTP/2 200 [stream 1]' \
	"$(sed -n 3p "$W/html/index.html")"; do
	grep -qxF -- "$l" "$T/out" || { head -n 60 "$T/out" >&2; fail "no line '$l'"; }
done
