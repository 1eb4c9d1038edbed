#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Captures tests/unit/tcp_reasm.pcap, the real segments tests/unit/tcp_reasm.c
reassembles: one TCP connection on lo (port 4433) whose ends each send
STREAM_LEN bytes of SHA-256(b"tcp_reasm" + end + counter) blocks (end b"c"
for the client, b"s" for the server) in writes of random sizes, with
TCP_NODELAY and short pauses so that segments of many sizes go out, then
close (FIN from both). Run as root: dumpcap -i lo."""
import hashlib
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time

PORT = 4433
STREAM_LEN = 100000


def stream(end):
    out = bytearray()
    n = 0
    while len(out) < STREAM_LEN:
        out += hashlib.sha256(b"tcp_reasm" + end + n.to_bytes(4, "big")).digest()
        n += 1
    return bytes(out[:STREAM_LEN])


def send_all(sock, data, seed):
    rnd = random.Random(seed)
    off = 0
    while off < len(data):
        n = rnd.choice([1, 7, 100, 1448, 3000, 20000])
        sock.sendall(data[off:off + n])
        off += n
        if rnd.random() < 0.1:
            time.sleep(0.002)
    sock.shutdown(socket.SHUT_WR)


def recv_all(sock, want):
    got = bytearray()
    while True:
        b = sock.recv(65536)
        if not b:
            break
        got += b
    if bytes(got) != want:
        sys.exit("tcp_reasm_pcap: the stream arrived wrong")


def talk(sock, mine, theirs, seed):
    t = threading.Thread(target=recv_all, args=(sock, theirs))
    t.start()
    send_all(sock, mine, seed)
    t.join()
    sock.close()


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/unit/tcp_reasm.pcap"
    cap = subprocess.Popen(["dumpcap", "-q", "-P", "-i", "lo", "-f", f"tcp port {PORT}",
                            "-w", out], stderr=subprocess.DEVNULL)
    time.sleep(1.5)
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", PORT))
    srv.listen(1)
    cli = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    cli.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    cli.connect(("127.0.0.1", PORT))
    conn, _ = srv.accept()
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    ts = threading.Thread(target=talk, args=(conn, stream(b"s"), stream(b"c"), 2))
    ts.start()
    talk(cli, stream(b"c"), stream(b"s"), 1)
    ts.join()
    srv.close()
    time.sleep(1)
    cap.send_signal(signal.SIGINT)
    cap.wait()
    os.chmod(out, 0o644)


if __name__ == "__main__":
    main()
