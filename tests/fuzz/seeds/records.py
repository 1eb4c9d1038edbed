#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# Seeds of the decode fuzz target: ring records as bpf/sslsniff.bpf.c
# writes them (struct event, then the chunk, struct tls_secrets or struct
# keylog_line), each
# prefixed with its 16-bit size as tests/fuzz/decode.c reads them.
import os
import struct
import sys

EV_DATA, EV_HANDSHAKE, EV_SECRETS, EV_KEYLOG_LINE = 1, 2, 3, 4
FUNC_GO_WRITE_KEY_LOG = 14
KEYLOG_FAULT = 1
CHUNK_LAST = 1


def event(kind, call_id=1, pid=100, tid=100, length=0, cap_len=0, offset=0, chunk=b"",
          lost=0, flags=0, func=2, ret=0, tls_version=0x0304, cipher_id=0x1302,
          cipher=b"TLS_AES_256_GCM_SHA384", alpn=b"h2"):
    hdr = struct.pack("<QQQQIIIIIIIIiiHHHBBBBHHBx16s16s16s48s16s", call_id, 1000, 20, 0xdead,
                      pid, tid, 0, length, cap_len, offset, len(chunk), lost, ret, 5, 2,
                      443, 50000, kind, func, flags, 2, tls_version, cipher_id, len(alpn),
                      b"\x7f\0\0\1", b"\x7f\0\0\1", b"curl", cipher, alpn)
    assert len(hdr) == 200
    return hdr + chunk


def secrets(flags=0, mk_len=48):
    s = bytes(range(32)) + bytes(48) + struct.pack("<II", mk_len, flags)
    s += bytes([7]) * 64 * 5 + bytes([9]) * 64 * 5
    assert len(s) == 728
    return s


def keylog_line(label, random_len=32, secret_len=48, flags=0):
    l = struct.pack("<32s32s48sIIII", label, bytes(range(0xe0, 0x100)), bytes(range(48)),
                    len(label), random_len, secret_len, flags)
    assert len(l) == 128
    return l


def go_line(label, **kw):
    return event(EV_KEYLOG_LINE, func=FUNC_GO_WRITE_KEY_LOG, flags=CHUNK_LAST,
                 tls_version=0, cipher_id=0, cipher=b"", alpn=b"", chunk=keylog_line(label, **kw))


def write(path, records):
    with open(path, "wb") as f:
        for r in records:
            f.write(struct.pack("<H", len(r)) + r)


out = sys.argv[1]
os.makedirs(out, exist_ok=True)
msg = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
write(os.path.join(out, "one-chunk"),
      [event(EV_DATA, length=len(msg), cap_len=len(msg), chunk=msg, flags=CHUNK_LAST)])
body = bytes(range(256)) * 4
write(os.path.join(out, "chunks-interleaved-lost"), [
    event(EV_DATA, call_id=7, length=3000, cap_len=2048, chunk=body[:512]),
    event(EV_DATA, call_id=8, tid=101, length=5, cap_len=5, chunk=b"hello", flags=CHUNK_LAST),
    event(EV_DATA, call_id=7, length=3000, cap_len=2048, offset=512, chunk=b"", lost=512),
    event(EV_DATA, call_id=7, length=3000, cap_len=2048, offset=1024, chunk=body,
          flags=CHUNK_LAST),
])
write(os.path.join(out, "stale-call"), [
    event(EV_DATA, call_id=1, length=100, cap_len=100, chunk=msg),
    event(EV_DATA, call_id=2, length=len(msg), cap_len=len(msg), chunk=msg, flags=CHUNK_LAST),
])
write(os.path.join(out, "handshake"), [event(EV_HANDSHAKE, func=5, ret=1)])
write(os.path.join(out, "secrets-tls12"),
      [event(EV_SECRETS, tls_version=0x0303, cipher_id=0xc02f, chunk=secrets())])
write(os.path.join(out, "secrets-tls13"), [event(EV_SECRETS, chunk=secrets(mk_len=0))])
write(os.path.join(out, "secrets-traffic"),
      [event(EV_SECRETS, cipher_id=0x1301, chunk=secrets(flags=1, mk_len=0))])
write(os.path.join(out, "go-keylog-tls13"), [
    go_line(b"CLIENT_HANDSHAKE_TRAFFIC_SECRET", secret_len=32),
    go_line(b"SERVER_HANDSHAKE_TRAFFIC_SECRET", secret_len=32),
    go_line(b"CLIENT_TRAFFIC_SECRET_0", secret_len=32),
    go_line(b"SERVER_TRAFFIC_SECRET_0", secret_len=32),
])
write(os.path.join(out, "go-keylog-refused"), [
    go_line(b"CLIENT_RANDOM"),
    go_line(b"CLIENT_RANDOM", secret_len=49),
    go_line(b"CLIENT_RANDOM", random_len=0xffffffff),
    go_line(b"CLIENT_RANDOM", flags=KEYLOG_FAULT),
    go_line(b"bad label"),
])
