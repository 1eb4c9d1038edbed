#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A gRPC server and client over TLS (Debian's grpcio, which uses the
system's libssl), with messages as raw bytes: generic handlers without
serializers, so no protoc and no generated code.

grpc_peer.py serve --cert C --key K
    Service helloworld.Greeter on 127.0.0.1 (a free port); prints
    "ready PORT". SayHello (unary) answers "hello " + the request;
    SayHelloStream (server streaming) answers "part I " + the request for
    I in 0..2.
grpc_peer.py call --cert C --port P --name NAME
    Calls SayHello(NAME), then SayHelloStream(NAME), and prints each
    answer as "unary LEN TEXT" and "stream I LEN TEXT".
"""
import argparse
import sys
from concurrent import futures

import grpc

SERVICE = "helloworld.Greeter"
STREAM_PARTS = 3


def say_hello(req, ctx):
    return b"hello " + req


def say_hello_stream(req, ctx):
    for i in range(STREAM_PARTS):
        yield b"part %d " % i + req


def serve(a):
    handler = grpc.method_handlers_generic_handler(SERVICE, {
        "SayHello": grpc.unary_unary_rpc_method_handler(say_hello),
        "SayHelloStream": grpc.unary_stream_rpc_method_handler(say_hello_stream),
    })
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    server.add_generic_rpc_handlers((handler,))
    creds = grpc.ssl_server_credentials([(open(a.key, "rb").read(), open(a.cert, "rb").read())])
    port = server.add_secure_port("127.0.0.1:0", creds)
    server.start()
    print("ready", port, flush=True)
    server.wait_for_termination()


def call(a):
    creds = grpc.ssl_channel_credentials(root_certificates=open(a.cert, "rb").read())
    # The test certificate is for CN=localhost.
    opts = [("grpc.ssl_target_name_override", "localhost")]
    with grpc.secure_channel("127.0.0.1:%d" % a.port, creds, options=opts) as ch:
        name = a.name.encode()
        r = ch.unary_unary("/%s/SayHello" % SERVICE)(name, timeout=20)
        print("unary", len(r), r.decode(), flush=True)
        for i, r in enumerate(ch.unary_stream("/%s/SayHelloStream" % SERVICE)(name, timeout=20)):
            print("stream", i, len(r), r.decode(), flush=True)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--cert", required=True)
    s.add_argument("--key", required=True)
    c = sub.add_parser("call")
    c.add_argument("--cert", required=True)
    c.add_argument("--port", type=int, required=True)
    c.add_argument("--name", required=True)
    a = p.parse_args()
    serve(a) if a.cmd == "serve" else call(a)


if __name__ == "__main__":
    sys.exit(main())
