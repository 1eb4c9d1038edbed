# SPDX-License-Identifier: GPL-2.0
"""What the tests of the protocol stage read from sslsniff's JSON lines
(imported by their inline python: sys.path has tests/).

items(path, pid=None): every item of every data record's "http" array, in
  order, as (record, item).
heads(its, kind, from_=None, stream=None): the items of one kind.
body_of(its, stream, from_): the body items of one message: checked to be
  contiguous from offset 0 with "end" on the last, returned with the total.
stream_bytes(path, pid, direction): the captured bytes of the pid's
  records one way ("read" or "write"), concatenated.
h2_data(raw, stream): the payload of the DATA frames of one HTTP/2 stream
  in raw, the bytes one way of a connection (the preface skipped): what the
  body items must add up to, from the bytes themselves.
"""
import base64
import json
import struct

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def records(path, pid=None):
    with open(path) as f:
        for n, line in enumerate(f, 1):
            try:
                r = json.loads(line)
            except ValueError as e:
                raise SystemExit("%s:%d: not JSON: %s" % (path, n, e))
            if r.get("type") == "data" and (pid is None or r["pid"] == pid):
                yield r


def items(path, pid=None):
    return [(r, it) for r in records(path, pid) for it in r.get("http", [])]


def heads(its, kind, from_=None, stream=None):
    return [it for _, it in its if it["kind"] == kind and
            (from_ is None or it["from"] == from_) and
            (stream is None or it.get("stream") == stream)]


def body_of(its, stream, from_):
    b = heads(its, "body", from_, stream)
    off = 0
    for i, it in enumerate(b):
        assert it["offset"] == off, "stream %s body item %d at %d, want %d" % (
            stream, i, it["offset"], off)
        assert it["end"] == (i == len(b) - 1), "stream %s body item %d: end %r of %d" % (
            stream, i, it["end"], len(b))
        off += it["length"]
    return b, off


def stream_bytes(path, pid, direction):
    out = bytearray()
    for r in records(path, pid):
        if r["direction"] == direction:
            d = base64.b64decode(r["data"])
            assert len(d) == r["length"], "record with lost or truncated bytes"
            out += d
    return bytes(out)


def h2_data(raw, stream):
    if raw.startswith(PREFACE):
        raw = raw[len(PREFACE):]
    out, o = bytearray(), 0
    while o + 9 <= len(raw):
        ln = int.from_bytes(raw[o:o + 3], "big")
        typ, flags = raw[o + 3], raw[o + 4]
        sid = struct.unpack(">I", raw[o + 5:o + 9])[0] & 0x7fffffff
        p = raw[o + 9:o + 9 + ln]
        if typ == 0 and sid == stream:
            if flags & 0x8:	# PADDED
                p = p[1:len(p) - p[0]]
            out += p
        o += 9 + ln
    assert o == len(raw), "HTTP/2 frames do not end at the end of the bytes"
    return bytes(out)


def token_of(r):
    return [v for k, v in r["headers"] if k.lower() == "x-sslsniff-token"]


def check_go_h2_get(out, pid, data_dir, path, gport, token, want):
    """Process PID's GET of PATH over HTTP/2 to the Go server on GPORT:
    the request with the token header, the 200 with WANT as its body, and
    the DATA frames of its stream (in the DATA_DIR records) equal WANT."""
    its = items(out, pid)
    r, = heads(its, "request", "client")
    assert (r["version"], r["method"], r["path"], r["authority"]) == \
        ("2", "GET", path, "127.0.0.1:" + gport), r
    assert token_of(r) == [token], r["headers"]
    s, = heads(its, "response", "server", r["stream"])
    assert s["status"] == 200 and s["content_length"] == len(want), s
    _, total = body_of(its, r["stream"], "server")
    assert total == len(want), (pid, total)
    assert h2_data(stream_bytes(out, pid, data_dir), r["stream"]) == want, \
        "pid %d: DATA differs" % pid


def check_go_h1_get(out, pid, token, want):
    """Process PID's GET of /1m.bin over HTTP/1.1 to nginx: the request with
    the token header, the 200 and its body of WANT's length."""
    its = items(out, pid)
    r, = heads(its, "request", "client")
    assert (r["version"], r["method"], r["path"]) == ("1.1", "GET", "/1m.bin"), r
    assert token_of(r) == [token], r["headers"]
    s, = heads(its, "response", "server")
    assert s["status"] == 200 and s["content_length"] == len(want), s
    _, total = body_of(its, None, "server")
    assert total == len(want), (pid, total)
