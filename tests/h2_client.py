#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""An HTTP/2 client (python's h2) that keeps ONE TLS connection open, so
that a test can start sslsniff in the middle of it.

h2_client.py --port P --token T [--requests N]
Connects to 127.0.0.1:P (ALPN h2, no certificate check), sends request 1
at once, then before each further request waits for a line on stdin (EOF
ends it). Prints "response I STATUS BODY-LENGTH" after each response.

Every request is GET /index.html?req=I-T. The headers make HPACK use its
dynamic table in the ways a passive decoder must survive (h2's encoder
adds every header it has not sent yet to the table, and sends one it has
as an index into it):
  request 1: x-first: one-T              (new; an entry from before a late start)
  request 2: x-first: one-T              (an index into request 1's entries)
             x-new-2: two-T              (new)
             x-repeat: again-T           (new: its first time)
  request 3: x-first: one-T              (request 1's entry again)
             x-new-3: three-T            (new)
             x-repeat: again-T           (an index to request 2's entry)
and :authority, user-agent of request 1 are indexes in later requests.
"""
import argparse
import socket
import ssl
import sys

import h2.connection
import h2.config
import h2.events


def headers_for(i, port, token):
    h = [(":method", "GET"), (":scheme", "https"), (":authority", "127.0.0.1:%d" % port),
         (":path", "/index.html?req=%d-%s" % (i, token)), ("user-agent", "h2-client-" + token),
         ("x-first", "one-" + token)]
    if i >= 2:
        h.append(("x-new-%d" % i, {2: "two-", 3: "three-"}.get(i, "more-") + token))
        h.append(("x-repeat", "again-" + token))
    return h


def request(conn, sock, i, port, token):
    sid = conn.get_next_available_stream_id()
    conn.send_headers(sid, headers_for(i, port, token), end_stream=True)
    sock.sendall(conn.data_to_send())
    status, body = None, 0
    while True:
        data = sock.recv(65536)
        if not data:
            sys.exit("h2_client: the server closed the connection")
        for ev in conn.receive_data(data):
            if isinstance(ev, h2.events.ResponseReceived) and ev.stream_id == sid:
                status = dict(ev.headers)[b":status"].decode()
            elif isinstance(ev, h2.events.DataReceived):
                conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
                if ev.stream_id == sid:
                    body += len(ev.data)
            elif isinstance(ev, h2.events.StreamEnded) and ev.stream_id == sid:
                sock.sendall(conn.data_to_send())
                print("response %d %s %d" % (i, status, body), flush=True)
                return
            elif isinstance(ev, (h2.events.StreamReset, h2.events.ConnectionTerminated)):
                sys.exit("h2_client: %r" % ev)
        sock.sendall(conn.data_to_send())


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--requests", type=int, default=3)
    a = p.parse_args()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["h2"])
    sock = ctx.wrap_socket(socket.create_connection(("127.0.0.1", a.port)))
    if sock.selected_alpn_protocol() != "h2":
        sys.exit("h2_client: ALPN chose %r" % sock.selected_alpn_protocol())
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    conn.initiate_connection()
    sock.sendall(conn.data_to_send())
    for i in range(1, a.requests + 1):
        if i > 1 and not sys.stdin.readline():
            break
        request(conn, sock, i, a.port, a.token)
    conn.close_connection()
    sock.sendall(conn.data_to_send())
    sock.close()


if __name__ == "__main__":
    main()
