#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""
Real TLS transcripts for tests/unit/tls_wire.c: openssl s_client talks to
openssl s_server through a relay on 127.0.0.1 that records each direction's
bytes. Per fixture NAME it writes NAME.cli (client to server bytes), NAME.srv
(server to client), NAME.keylog (s_client's -keylogfile), NAME.pcli and
NAME.psrv (the application data each side wrote: the ground truth).

The data each side writes avoids s_client/s_server's command letters, and the
commands ("k": KeyUpdate, "K": KeyUpdate asking for one back) go in reads of
their own (a pause before and after each).

    tests/unit/tls_wire/make-fixtures.py [OUTDIR] [--bench]
    tests/unit/tls_wire/make-fixtures.py --fuzz   (tests/fuzz/corpus/tls_wire and
                                                    tests/fuzz/tls_wire_keys.h)
"""
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

OPENSSL = "openssl"


def certs(tmp):
    rsa = (os.path.join(tmp, "rsa.crt"), os.path.join(tmp, "rsa.key"))
    ec = (os.path.join(tmp, "ec.crt"), os.path.join(tmp, "ec.key"))
    subprocess.run([OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    rsa[1], "-out", rsa[0], "-subj", "/CN=localhost", "-days", "3650"],
                   check=True, capture_output=True)
    subprocess.run([OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", ec[1], "-out", ec[0],
                    "-subj", "/CN=localhost", "-days", "3650"], check=True, capture_output=True)
    return {"rsa": rsa, "ec": ec}


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Relay:
    """Accepts one connection, connects to the server, copies and records both ways."""

    def __init__(self, server_port):
        self.server_port = server_port
        self.lsock = socket.socket()
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(1)
        self.port = self.lsock.getsockname()[1]
        self.data = {"c": bytearray(), "s": bytearray()}
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def pump(self, src, dst, key):
        while True:
            try:
                b = src.recv(65536)
            except OSError:
                b = b""
            if not b:
                try:
                    dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                return
            self.data[key] += b
            dst.sendall(b)

    def run(self):
        c, _ = self.lsock.accept()
        s = socket.create_connection(("127.0.0.1", self.server_port))
        t1 = threading.Thread(target=self.pump, args=(c, s, "c"))
        t2 = threading.Thread(target=self.pump, args=(s, c, "s"))
        t1.start()
        t2.start()
        t1.join()
        t2.join()
        c.close()
        s.close()
        self.lsock.close()


def payload(tag, n):
    """N bytes of text without s_client/s_server command letters at any read start."""
    line = ("%s-0123456789-abdefghij-" % tag).encode()
    out = bytearray()
    i = 0
    while len(out) < n:
        out += line + b"%08d\n" % i
        i += 1
    return bytes(out[:n])


def server(cert, srv_args, naccept=1):
    port = free_port()
    srv = subprocess.Popen([OPENSSL, "s_server", "-accept", str(port), "-cert", cert[0],
                            "-key", cert[1], "-naccept", str(naccept), "-no_ign_eof"] + srv_args,
                           stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE)
    time.sleep(0.4)
    return srv, port


def session(tmp, cert, srv_args, cli_args, script, sess_out=None, sess_in=None, srv=None):
    """One connection; SCRIPT: ("c"|"s", bytes, is_command). Returns (c, s, keylog, pc, ps).
    SRV: a server() kept for another connection (session resumption)."""
    keylog = os.path.join(tmp, "keylog")
    if os.path.exists(keylog):
        os.unlink(keylog)
    keep = srv is not None
    srv, port = srv if keep else server(cert, srv_args)
    relay = Relay(port)
    extra = []
    if sess_out:
        extra += ["-sess_out", sess_out]
    if sess_in:
        extra += ["-sess_in", sess_in]
    cli = subprocess.Popen([OPENSSL, "s_client", "-connect", "127.0.0.1:%d" % relay.port,
                            "-keylogfile", keylog, "-no_ign_eof"] + cli_args + extra,
                           stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    want = {"c": bytearray(), "s": bytearray()}
    for who, data, command in script:
        p = cli if who == "c" else srv
        time.sleep(0.2)
        p.stdin.write(data)
        p.stdin.flush()
        time.sleep(0.2)
        if not command:
            want[who] += data
    time.sleep(0.4)
    cli.stdin.close()
    cli.wait(timeout=10)
    relay.thread.join(timeout=10)
    if not keep:
        try:
            srv.stdin.close()
        except BrokenPipeError:
            pass
        try:
            srv.wait(timeout=5)
        except subprocess.TimeoutExpired:
            srv.kill()
            srv.wait()
    with open(keylog, "rb") as f:
        kl = f.read()
    return bytes(relay.data["c"]), bytes(relay.data["s"]), kl, bytes(want["c"]), bytes(want["s"])


def save(outdir, name, res):
    for ext, b in zip(("cli", "srv", "keylog", "pcli", "psrv"), res):
        with open(os.path.join(outdir, "%s.%s" % (name, ext)), "wb") as f:
            f.write(b)
    print("%-34s c %7d s %7d plain %d/%d" % (name, len(res[0]), len(res[1]), len(res[3]),
                                            len(res[4])), flush=True)


def basic(n=3000):
    return [("c", payload("cli", n), False), ("s", payload("srv", n), False),
            ("c", payload("cl2", 20000), False), ("s", payload("sr2", 40), False)]


def resumed(tmp, outdir, c, name, srv_args, cli_args):
    """A full handshake, then one resuming its session, on one s_server."""
    sess = os.path.join(tmp, "sess-" + name)
    srv = server(c["rsa"], srv_args, naccept=2)
    save(outdir, name + "-full", session(tmp, c["rsa"], srv_args, cli_args, basic(200),
         sess_out=sess, srv=srv))
    save(outdir, name + "-resumed", session(tmp, c["rsa"], srv_args, cli_args, basic(200),
         sess_in=sess, srv=srv))
    srv[0].stdin.close()
    srv[0].wait(timeout=5)


def fuzz_input(flags, res, piece=61):
    """tests/fuzz/tls_wire.c's input: FLAGS, then pieces of both streams alternating,
    each a byte (bit 0: the server's end, bit 1: a gap, bits 2-7: length) then its bytes."""
    out = bytearray([flags])
    src = [res[0], res[1]]
    off = [0, 0]
    while off[0] < len(src[0]) or off[1] < len(src[1]):
        for i in range(2):
            n = min(piece, len(src[i]) - off[i])
            if n:
                out.append(i | n << 2)
                out += src[i][off[i]:off[i] + n]
                off[i] += n
    return bytes(out)


def fuzz_seeds(tmp, c):
    """Small transcripts (under 4 KiB: an EC certificate, little data) whose keys the
    fuzz target knows: its seeds and its key log lines."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))))
    corpus = os.path.join(root, "tests", "fuzz", "corpus", "tls_wire")
    os.makedirs(corpus, exist_ok=True)
    small = [("c", payload("c", 60), False), ("s", payload("s", 70), False),
             ("c", b"k\n", True), ("c", payload("d", 30), False)]
    cases = [("t13", ["-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256"]),
             ("t12-cbc", ["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA"]),
             ("t12-gcm", ["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"])]
    keys = []
    for i, (name, args) in enumerate(cases):
        script = small if name == "t13" else small[:2] + small[3:]	# KeyUpdate: 1.3's
        res = session(tmp, c["ec"], ["-no_ticket"], args + ["-no_ticket"], script)
        keys.append(res[2].decode())
        for when in range(4):
            data = fuzz_input((i + 1) | when << 2, res)
            with open(os.path.join(corpus, "%s-keys%d" % (name, when)), "wb") as f:
                f.write(data)
            print("%s-keys%d: %d bytes" % (name, when, len(data)))
        with open(os.path.join(corpus, "%s-pieces7" % name), "wb") as f:
            f.write(fuzz_input(i + 1, res, 7))
    with open(os.path.join(root, "tests", "fuzz", "tls_wire_keys.h"), "w") as f:
        f.write("/* SPDX-License-Identifier: GPL-2.0 */\n"
                "/* Made by tests/unit/tls_wire/make-fixtures.py --fuzz: the key logs of the\n"
                " * transcripts in tests/fuzz/corpus/tls_wire (TLS 1.3 AES-128-GCM, TLS 1.2\n"
                " * ECDHE-ECDSA-AES128-SHA, TLS 1.2 ECDHE-ECDSA-AES128-GCM-SHA256). */\n"
                "static const char *const tls_wire_fuzz_keylogs[] = {\n")
        for k in keys:
            f.write("\t\"%s\",\n" % k.replace("\n", "\\n"))
        f.write("};\n")


def early(tmp, outdir, c):
    """TLS 1.3 0-RTT: a full handshake gets a ticket, the next connection sends
    early data with it (the client's plaintext begins with it)."""
    sess = os.path.join(tmp, "sess-early")
    data = os.path.join(tmp, "early-data")
    with open(data, "wb") as f:
        f.write(payload("ear", 300))
    srv_args = ["-early_data", "-max_early_data", "16384"]
    srv = server(c["rsa"], srv_args, naccept=2)
    session(tmp, c["rsa"], srv_args, ["-tls1_3"], basic(50), sess_out=sess, srv=srv)
    res = session(tmp, c["rsa"], srv_args, ["-tls1_3", "-early_data", data], basic(200),
                  sess_in=sess, srv=srv)
    res = (res[0], res[1], res[2], payload("ear", 300) + res[3], res[4])
    save(outdir, "t13-early", res)
    srv[0].stdin.close()
    srv[0].wait(timeout=5)


def main():
    outdir = os.path.dirname(os.path.abspath(__file__))
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if args:
        outdir = args[0]
    os.makedirs(outdir, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        c = certs(tmp)
        if "--bench" in sys.argv:
            big = [("c", payload("big", 1 << 20), False), ("s", payload("sbg", 1 << 20), False)]
            save(outdir, "bench13", session(tmp, c["rsa"], [],
                 ["-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256"], big))
            save(outdir, "bench12", session(tmp, c["rsa"], [],
                 ["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"], big))
            return
        if "--fuzz" in sys.argv:
            fuzz_seeds(tmp, c)
            return
        if "--early" in sys.argv:
            early(tmp, outdir, c)
            return
        if "--resumed" in sys.argv:
            resumed(tmp, outdir, c, "t13", [], ["-tls1_3"])
            resumed(tmp, outdir, c, "t12-id", ["-no_ticket"], ["-tls1_2", "-no_ticket"])
            resumed(tmp, outdir, c, "t12-ticket", [], ["-tls1_2"])
            return
        t13 = [("aes128gcm", "TLS_AES_128_GCM_SHA256"), ("aes256gcm", "TLS_AES_256_GCM_SHA384"),
               ("chacha", "TLS_CHACHA20_POLY1305_SHA256"), ("aes128ccm", "TLS_AES_128_CCM_SHA256"),
               ("aes128ccm8", "TLS_AES_128_CCM_8_SHA256")]
        for name, suite in t13:
            ku = basic() + [("c", b"k\n", True), ("c", payload("aku", 500), False),
                            ("s", b"K\n", True), ("s", payload("sku", 700), False),
                            ("c", payload("ak2", 300), False)]
            save(outdir, "t13-" + name, session(tmp, c["ec"], ["-ciphersuites", suite],
                 ["-tls1_3", "-ciphersuites", suite], ku))
        # HelloRetryRequest: the client's first key share is one the server does not take
        save(outdir, "t13-hrr", session(tmp, c["rsa"], ["-groups", "P-256"],
             ["-tls1_3", "-groups", "X25519:P-256"], basic(100)))
        resumed(tmp, outdir, c, "t13", [], ["-tls1_3"])
        t12 = [("ecdhe-rsa-aes128gcm", "rsa", "ECDHE-RSA-AES128-GCM-SHA256", []),
               ("ecdhe-ecdsa-aes256gcm", "ec", "ECDHE-ECDSA-AES256-GCM-SHA384", []),
               ("ecdhe-rsa-chacha", "rsa", "ECDHE-RSA-CHACHA20-POLY1305", []),
               ("rsa-aes128gcm", "rsa", "AES128-GCM-SHA256", []),
               ("ecdhe-rsa-aes128cbc-sha", "rsa", "ECDHE-RSA-AES128-SHA", []),
               ("ecdhe-rsa-aes128cbc-sha-mte", "rsa", "ECDHE-RSA-AES128-SHA", ["-no_etm"]),
               ("ecdhe-ecdsa-aes256cbc-sha384", "ec", "ECDHE-ECDSA-AES256-SHA384", []),
               ("ecdhe-rsa-aes128cbc-sha256-mte", "rsa", "ECDHE-RSA-AES128-SHA256", ["-no_etm"]),
               ("rsa-aes256cbc-sha256", "rsa", "AES256-SHA256", [])]
        for name, cert, suite, extra in t12:
            save(outdir, "t12-" + name, session(tmp, c[cert], [],
                 ["-tls1_2", "-cipher", suite] + extra, basic()))
        resumed(tmp, outdir, c, "t12-id", ["-no_ticket"], ["-tls1_2", "-no_ticket"])
        resumed(tmp, outdir, c, "t12-ticket", [], ["-tls1_2"])
        early(tmp, outdir, c)
        save(outdir, "t11", session(tmp, c["rsa"], ["-tls1_1", "-cipher", "ALL:@SECLEVEL=0"],
             ["-tls1_1", "-cipher", "ALL:@SECLEVEL=0"], basic(100)))


if __name__ == "__main__":
    main()
