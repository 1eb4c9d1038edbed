#!/usr/bin/env bash
# -w FILE with HTTP/2 (curl --http2 against nginx with http2): tshark,
# given the option sslsniff.8 documents, decodes the pcapng's streams as
# HTTP/2: both requests' :method, :path and the X-Secret-Token header, the
# responses' :status 200, and the DATA frames of each stream are the files
# byte for byte (index.html and 1 MiB). Traced at nginx's worker (real
# addresses: -d tcp.port==PORT,http2) and at curl (real or made-up ports:
# with -d tcp.port==49152-65535,http2 as well).
. "$(dirname "$0")/lib.sh"
need nginx curl tshark python3

nginx_start "ssl http2"
http_files

# check_h2 PCAP TSHARK-OPTIONS...: the HTTP/2 tshark finds in PCAP.
check_h2() {
	local pcap=$1; shift
	tshark -r "$pcap" "$@" -Y 'http2.type==0 || http2.type==1' -T fields -E aggregator='|' \
		-e http2.streamid -e http2.type -e http2.header.name -e http2.header.value \
		-e http2.data.data >"$T/ts.out" 2>"$T/ts.err" || fail "tshark: $(cat "$T/ts.err")"
	python3 - "$T/ts.out" "$W/html/index.html" "$W/html/1m.bin" "$NPORT" <<'PY' ||
import sys
out, index, big, port = sys.argv[1:]
heads, data = [], {}
for line in open(out):
    # One packet: its frames' stream ids and types, then the headers and
    # DATA of all its frames, each field's values joined by "|".
    sids, types, names, values, payload = (line.rstrip("\n").split("\t") + [""] * 5)[:5]
    names, values = names.split("|") if names else [], values.split("|") if values else []
    assert len(names) == len(values), line
    hdrs, cur = [], None
    for n, v in zip(names, values):
        if n.startswith(":") and n in (":method", ":status") and cur is not None:
            heads.append(cur)
            cur = None
        cur = cur or []
        cur.append((n, v))
    if cur:
        heads.append(cur)
    # tshark reassembles a body of several DATA frames: the last frame's
    # data is the whole body (the others' are its pieces).
    dsids = {int(s) for s, t in zip(sids.split("|"), types.split("|")) if t == "0"}
    assert len(dsids) <= 1, "DATA of several streams in one packet: %s" % line[:200]
    if dsids and payload:
        data[dsids.pop()] = bytes.fromhex(payload.split("|")[-1])
reqs = [dict(h) for h in heads if dict(h).get(":method")]
resps = [dict(h) for h in heads if dict(h).get(":status")]
want = ["/index.html", "/1m.bin"]
assert [r[":path"] for r in reqs] == want, "requests: %r" % reqs
for r in reqs:
    assert r[":method"] == "GET" and r[":scheme"] == "https", r
    assert r[":authority"] == "127.0.0.1:" + port, r
    assert r["x-secret-token"] == "abc123", r
assert [r[":status"] for r in resps] == ["200", "200"], "responses: %r" % resps
assert data.get(1) == open(index, "rb").read(), "stream 1's DATA: %r" % data.get(1, b"")[:100]
assert data.get(3) == open(big, "rb").read(), "stream 3's DATA: %d bytes" % len(data.get(3, b""))
print("tshark: %d requests, %d responses, DATA %s" %
      (len(reqs), len(resps), {k: len(v) for k, v in data.items()}))
PY
	fail "tshark's HTTP/2 in $pcap ($*)"
}

# get: curl's two requests on one connection, the files checked.
get() {
	curl -sS --http2 -k -H 'X-Secret-Token: abc123' \
		-o "$T/got1" "https://127.0.0.1:$NPORT/index.html" \
		-o "$T/got2" "https://127.0.0.1:$NPORT/1m.bin" || fail "curl failed"
	cmp -s "$T/got1" "$W/html/index.html" && cmp -s "$T/got2" "$W/html/1m.bin" ||
		fail "curl did not get the files"
}

# nginx's worker: its socket is known, so the stream has the real ports.
sniff_start -p "$WORKER" -w "$T/nginx.pcapng" -o /dev/null
get
sniff_stop
check_h2 "$T/nginx.pcapng" -d "tcp.port==$NPORT,http2"

# curl: its fd is not always known (curl's own BIO does the socket I/O,
# outside SSL_write and SSL_read), and then the ports are made up: both
# options at once, as sslsniff.8 says.
sniff_start -c curl -w "$T/curl.pcapng" -o /dev/null
get
sniff_stop
check_h2 "$T/curl.pcapng" -d "tcp.port==$NPORT,http2" -d tcp.port==49152-65535,http2
