#!/usr/bin/env bash
# Issue 15's case: curl --http2 (and --http1.1) with X-Secret-Token against
# nginx with http2, curl traced. The default text shows the request line
# with its stream, the header and the response status; JSON carries them
# decoded (method, path, authority, the header pair, status 200 and its
# content-length), and the body items of index.html and of a 1 MiB file on
# the same connection are contiguous, end where the files end, and the
# DATA bytes they stand for are the files byte for byte.
. "$(dirname "$0")/lib.sh"
need nginx curl
nginx_start "ssl http2"
http_files
URL=https://127.0.0.1:$NPORT
SIZE=$(stat -c %s "$W/html/index.html")

# curl_get VERSION-OPTION PATH...: one connection, each file checked.
curl_get() {
	local v=$1 p args=() n=0; shift
	for p in "$@"; do
		n=$((n + 1))
		args+=(-o "$T/got$n" "$URL$p")
	done
	curl -sS "$v" -k -H 'X-Secret-Token: abc123' "${args[@]}" || fail "curl $v failed"
	n=0
	for p in "$@"; do
		n=$((n + 1))
		cmp -s "$T/got$n" "$W/html$p" || fail "curl $v did not get $p"
	done
}

# want_line LINE: the text output has exactly this line.
want_line() {
	grep -qxF -- "$1" "$T/out" || { sed -n '1,60p' "$T/out" >&2; fail "no line '$1'"; }
}

# --- text, HTTP/2 ---
sniff_start -c curl
curl_get --http2 /index.html
sniff_stop
want_line '> GET /index.html HTTP/2 [stream 1]'
want_line '> :authority: 127.0.0.1:'"$NPORT"
want_line '> :scheme: https'
want_line '> x-secret-token: abc123'
want_line '< HTTP/2 200 [stream 1]'
want_line "< content-length: $SIZE"
want_line '< content-type: text/html'
# The body, as text.
want_line "$(sed -n 3p "$W/html/index.html")"
grep -q '^> \* SETTINGS' "$T/out" || fail "no SETTINGS line from curl"
grep -q '^< \* SETTINGS' "$T/out" || fail "no SETTINGS line from nginx"

# --- text, HTTP/1.1 ---
sniff_start -c curl
curl_get --http1.1 /index.html
sniff_stop
want_line '> GET /index.html HTTP/1.1'
want_line '> Host: 127.0.0.1:'"$NPORT"
want_line '> X-Secret-Token: abc123'
want_line '< HTTP/1.1 200 OK'
want_line "< Content-Length: $SIZE"
want_line "$(sed -n 3p "$W/html/index.html")"
grep -q '^> GET /index.html HTTP/1.1 \[stream' "$T/out" && fail "HTTP/1 with a stream tag"

# --- JSON, HTTP/2: index.html (stream 1) and 1m.bin (stream 3) ---
sniff_start -c curl -f json
curl_get --http2 /index.html /1m.bin
sniff_stop
http_check "$T/out" "$W/html" "$NPORT" 2 <<'PY' || fail "HTTP/2 JSON"
import sys
from http_json import *
out, html, port, version = sys.argv[1:]
its = items(out)
files = {1: "/index.html", 3: "/1m.bin"}
reqs = heads(its, "request")
assert [(r["stream"], r["path"]) for r in reqs] == list(files.items()), reqs
raw = stream_bytes(out, None, "read")
for sid, path in files.items():
    want = open(html + path, "rb").read()
    r, = heads(its, "request", "client", sid)
    assert (r["version"], r["method"], r["scheme"], r["authority"]) == \
        ("2", "GET", "https", "127.0.0.1:" + port), r
    assert ["x-secret-token", "abc123"] in r["headers"], r["headers"]
    assert [":path", path] in r["headers"] and [":method", "GET"] in r["headers"], r
    assert r["unknown_headers"] == 0 and r["end_stream"] is True, r
    s, = heads(its, "response", "server", sid)
    assert (s["version"], s["status"], s["content_length"]) == ("2", 200, len(want)), s
    assert ["content-length", str(len(want))] in s["headers"], s["headers"]
    assert s["unknown_headers"] == 0 and s["end_stream"] is False, s
    b, total = body_of(its, sid, "server")
    assert total == len(want), "stream %d: body items add up to %d, want %d" % (sid, total, len(want))
    got = h2_data(raw, sid)
    assert got == want, "stream %d: DATA differs from the file (%d bytes)" % (sid, len(got))
# No request body: no body items from the client.
assert not heads(its, "body", "client"), heads(its, "body", "client")[:3]
kinds = {(it["type"], it["from"]) for it in heads(its, "frame")}
assert ("SETTINGS", "client") in kinds and ("SETTINGS", "server") in kinds, kinds
assert not heads(its, "raw"), heads(its, "raw")[:3]
print("HTTP/2 JSON: %d items" % len(its))
PY

# --- JSON, HTTP/1.1: the same two files, one keep-alive connection ---
sniff_start -c curl -f json
curl_get --http1.1 /index.html /1m.bin
sniff_stop
http_check "$T/out" "$W/html" "$NPORT" <<'PY' || fail "HTTP/1.1 JSON"
import sys
from http_json import *
out, html, port = sys.argv[1:]
its = items(out)
files = {1: "/index.html", 2: "/1m.bin"}
reqs = heads(its, "request")
assert [(r["stream"], r["path"]) for r in reqs] == list(files.items()), reqs
raw = stream_bytes(out, None, "read")
for sid, path in files.items():
    want = open(html + path, "rb").read()
    r, = heads(its, "request", "client", sid)
    assert (r["version"], r["method"], r["authority"]) == ("1.1", "GET", "127.0.0.1:" + port), r
    assert ["X-Secret-Token", "abc123"] in r["headers"], r["headers"]
    assert ["Host", "127.0.0.1:" + port] in r["headers"], r["headers"]
    assert r["unknown_headers"] == 0, r
    s, = heads(its, "response", "server", sid)
    assert (s["version"], s["status"], s["reason"], s["content_length"]) == \
        ("1.1", 200, "OK", len(want)), s
    b, total = body_of(its, sid, "server")
    assert total == len(want), "message %d: body items add up to %d" % (sid, total)
    # The bytes: the response head, then exactly the file.
    head_end = raw.index(b"\r\n\r\n") + 4
    assert raw[head_end:head_end + len(want)] == want, "message %d: body bytes differ" % sid
    raw = raw[head_end + len(want):]
assert raw == b"", "%d bytes after the last response" % len(raw)
assert not heads(its, "raw"), heads(its, "raw")[:3]
print("HTTP/1.1 JSON: %d items" % len(its))
PY
true
