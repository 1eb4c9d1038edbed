#!/usr/bin/env bash
# nghttp (libnghttp2's client) against nginx with http2, two requests on one
# connection, nghttp traced: every HEADERS block sslsniff decodes, both
# ways, is the header list nghttp -v says it sent or received, name for
# name and value for value, on the same stream (nghttp opens its requests
# on streams 13 and 15, after PRIORITY frames on 3..11, which sslsniff
# reports as frames); the text shows the request lines and statuses.
. "$(dirname "$0")/lib.sh"
need nginx nghttp
nginx_start "ssl http2"
http_files
TOKEN=$(unique nghttp)
URL=https://127.0.0.1:$NPORT

run_nghttp() {
	nghttp -v -n -H "x-nghttp-token: $TOKEN" "$URL/index.html" "$URL/1m.bin" >"$T/nghttp.v" 2>&1 ||
		fail "nghttp failed: $(tail -n 5 "$T/nghttp.v")"
}

# --- JSON: the header lists against nghttp's own ---
sniff_start -c nghttp -f json
run_nghttp
sniff_stop
http_check "$T/out" "$T/nghttp.v" "$W/html" <<'PY' || fail "nghttp's headers"
import re, sys
from http_json import *
out, verbose, html = sys.argv[1:]
# nghttp -v: "send HEADERS frame <... stream_id=N>" then its headers, each
# on an indented line; received ones as "recv (stream_id=N) name: value".
sent, recv, prio, cur = {}, {}, 0, None
for line in open(verbose):
    m = re.match(r"\[ *[0-9.]+\] send HEADERS frame <.*stream_id=(\d+)>", line)
    if m:
        cur = sent.setdefault(int(m.group(1)), [])
        continue
    if re.match(r"\[ *[0-9.]+\] send PRIORITY frame", line):
        prio += 1
    m = re.match(r"\[ *[0-9.]+\] recv \(stream_id=(\d+)\) (.*)$", line)
    if m:
        n, _, v = m.group(2).partition(": ")
        recv.setdefault(int(m.group(1)), []).append([n, v])
    if line.startswith("["):
        cur = None
    elif cur is not None and re.match(r" {10}[^;( ]", line):
        n, _, v = line.strip("\n")[10:].partition(": ")
        cur.append([n, v])
assert sorted(sent) == [13, 15] and sorted(recv) == [13, 15], (sent, recv)
its = items(out)
for sid in (13, 15):
    r, = heads(its, "request", "client", sid)
    assert r["headers"] == sent[sid], "stream %d sent %r, decoded %r" % (sid, sent[sid], r["headers"])
    s, = heads(its, "response", "server", sid)
    assert s["headers"] == recv[sid], "stream %d received %r, decoded %r" % (sid, recv[sid], s["headers"])
    assert r["unknown_headers"] == 0 and s["unknown_headers"] == 0
    assert s["status"] == 200, s
for sid, path in ((13, "/index.html"), (15, "/1m.bin")):
    b, total = body_of(its, sid, "server")
    assert total == len(open(html + path, "rb").read()), (sid, total)
got = [it for it in heads(its, "frame", "client") if it["type"] == "PRIORITY"]
assert len(got) == prio == 5, "nghttp sent %d PRIORITY frames, sslsniff saw %d" % (prio, len(got))
print("nghttp: streams 13 and 15 decoded as nghttp saw them; %d PRIORITY frames" % prio)
PY

# --- text ---
sniff_start -c nghttp
run_nghttp
sniff_stop
for l in '> GET /index.html HTTP/2 [stream 13]' '> GET /1m.bin HTTP/2 [stream 15]' \
	"> x-nghttp-token: $TOKEN" '< HTTP/2 200 [stream 13]' '< HTTP/2 200 [stream 15]'; do
	grep -qxF -- "$l" "$T/out" || { head -n 60 "$T/out" >&2; fail "no line '$l'"; }
done
[[ $(grep -c '^> \* PRIORITY' "$T/out") == 5 ]] || fail "not 5 PRIORITY lines"
