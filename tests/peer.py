#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""TLS peers for the tests: a server and a client with exact, known bytes.

serve:  accepts connections; on each, reads one request (up to the blank
        line and a Content-Length body when --http, else one chunk) and answers with --reply (as an
        HTTP/1.1 response body when --http, or raw; "{req}" in a raw reply
        stands for the request). Prints "ready PORT" once listening.
        --info F: appends "fd laddr lport raddr rport tls-version cipher"
        for each connection it accepts (the server's side of it).
        --requests F, --replies F: append each request as read, and each
        reply as sent (the bytes a client's capture must equal).
client: connects, sends --send in one write, reads until the peer closes,
        writes what it read to --out. --threads N runs N connections at
        once, each sending SEND with "{i}" replaced by its index.
        --wait-file F: start, then connect only once F exists.
        --send-wait F: after the handshake (and --info), send only once F
        exists.
"""
import argparse
import os
import socket
import ssl
import sys
import threading
import time


def server_ctx(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


def client_ctx():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def read_request(conn, http):
    """One chunk, or with HTTP the head and the Content-Length body after it."""
    data = b""
    while True:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
        if not http:
            return data
        end = data.find(b"\r\n\r\n")
        if end < 0:
            continue
        length = 0
        for line in data[:end].split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if len(data) >= end + 4 + length:
            return data


def conn_info(s):
    local, remote = s.getsockname(), s.getpeername()
    return "%d %s %d %s %d %s %s\n" % (s.fileno(), local[0], local[1], remote[0], remote[1],
                                      s.version(), s.cipher()[0])


def handle(conn, args, reply):
    try:
        if args.info:
            with open(args.info, "a") as f:
                f.write(conn_info(conn))
        req = read_request(conn, args.http)
        if args.http:
            out = (b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
                   % len(reply)) + reply
        else:
            out = reply.replace(b"{req}", req)
        for path, data in ((args.requests, req), (args.replies, out)):
            if path:
                with open(path, "ab") as f:
                    f.write(data)
        conn.sendall(out)
        try:
            conn.unwrap()
        except (ssl.SSLError, OSError):
            pass
    except (ssl.SSLError, OSError) as e:
        print("peer: connection failed: %s" % e, file=sys.stderr)
    finally:
        conn.close()


def serve(args):
    reply = open(args.reply, "rb").read()
    ctx = server_ctx(args.cert, args.key)
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    ls = socket.socket(family, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((args.host, args.port))
    ls.listen(128)
    print("ready %d" % ls.getsockname()[1], flush=True)
    threads = []
    for _ in range(args.count):
        raw, _ = ls.accept()
        try:
            conn = ctx.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError) as e:
            print("peer: handshake failed: %s" % e, file=sys.stderr)
            raw.close()
            continue
        t = threading.Thread(target=handle, args=(conn, args, reply))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()


def one_client(args, i, results):
    data = open(args.send, "rb").read().replace(b"{i}", str(i).encode())
    ctx = client_ctx()
    if args.tls12:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    if args.keylog:
        ctx.keylog_filename = args.keylog
    with socket.create_connection((args.host, args.port)) as raw:
        with ctx.wrap_socket(raw) as s:
            if args.info:
                # fd, local and remote address of this connection
                with open(args.info, "w") as f:
                    f.write(conn_info(s))
            while args.send_wait and not os.path.exists(args.send_wait):
                time.sleep(0.02)
            s.sendall(data)
            got = b""
            while True:
                try:
                    chunk = s.recv(65536)
                except ssl.SSLZeroReturnError:
                    break
                if not chunk:
                    break
                got += chunk
    results[i] = (threading.get_native_id(), got)


def client(args):
    while args.wait_file and not os.path.exists(args.wait_file):
        time.sleep(0.02)
    results = {}
    threads = [threading.Thread(target=one_client, args=(args, i, results))
               for i in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if len(results) != args.threads:
        sys.exit("peer: %d of %d connections failed" % (args.threads - len(results),
                                                         args.threads))
    with open(args.out, "wb") as f:
        if args.threads == 1:
            f.write(results[0][1])
        else:
            # index, tid and hex of what each connection read
            for i in range(args.threads):
                f.write(b"%d %d %s\n" % (i, results[i][0], results[i][1].hex().encode()))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--port", type=int, default=0)
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--cert", required=True)
    s.add_argument("--key", required=True)
    s.add_argument("--reply", required=True)
    s.add_argument("--count", type=int, default=1)
    s.add_argument("--http", action="store_true")
    s.add_argument("--info", help="append 'fd laddr lport raddr rport tls-version cipher' "
                                  "of each connection here")
    s.add_argument("--requests", help="append each request as read here")
    s.add_argument("--replies", help="append each reply as sent here")
    c = sub.add_parser("client")
    c.add_argument("--port", type=int, required=True)
    c.add_argument("--host", default="127.0.0.1")
    c.add_argument("--info", help="write 'fd laddr lport raddr rport tls-version cipher' here")
    c.add_argument("--tls12", action="store_true", help="at most TLS 1.2")
    c.add_argument("--keylog", help="the client's own key log (SSLKEYLOGFILE format)")
    c.add_argument("--send", required=True)
    c.add_argument("--out", required=True)
    c.add_argument("--threads", type=int, default=1)
    c.add_argument("--wait-file", help="connect once this file exists")
    c.add_argument("--send-wait", help="after the handshake, send once this file exists")
    args = p.parse_args()
    serve(args) if args.cmd == "serve" else client(args)


if __name__ == "__main__":
    main()
