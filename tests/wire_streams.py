#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Each connection end's plaintext streams in sslsniff's JSON lines, one line
per stream: "pid direction src dst length sha256", sorted, so that two
captures of the same traffic compare with diff whatever their record
boundaries and their order across connections (per-call capture records a
call, -i a TLS record).

wire_streams.py FILE [--pid PID]...   only those processes' streams
"""
import argparse
import base64
import hashlib
import json
import sys

p = argparse.ArgumentParser()
p.add_argument("file")
p.add_argument("--pid", type=int, action="append")
a = p.parse_args()

streams = {}
with open(a.file, "rb") as f:
    for n, line in enumerate(f, 1):
        try:
            r = json.loads(line)
        except ValueError as e:
            sys.exit("wire_streams.py: %s:%d: not JSON: %s" % (a.file, n, e))
        if r.get("type") != "data" or (a.pid and r["pid"] not in a.pid):
            continue
        d = base64.b64decode(r["data"], validate=True)
        if r["lost"] or r["truncated"] or len(d) != r["length"]:
            sys.exit("wire_streams.py: %s:%d: a record with bytes missing" % (a.file, n))
        key = (r["pid"], r["direction"], r.get("src", "-"), r.get("dst", "-"))
        streams.setdefault(key, hashlib.sha256()).update(d)
        streams.setdefault(key + ("len",), [0])[0] += len(d)
for key in sorted(k for k in streams if len(k) == 4):
    print("%d %s %s %s %d %s" % (key + (streams[key + ("len",)][0], streams[key].hexdigest())))
