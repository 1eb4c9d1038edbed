#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Selects records from sslsniff's JSON lines and prints what a test asserts.

records.py FILE [filters] --data      concatenated payload bytes, in order
records.py FILE [filters] --count     number of records
records.py FILE [filters] --field F   one value of field F per record ("-": absent)
Filters: --pid --tid --comm --func --dir --lib --type (default: data).
Every line must be valid JSON: a broken line fails the test.
"""
import argparse
import base64
import json
import sys

p = argparse.ArgumentParser()
p.add_argument("file")
p.add_argument("--pid", type=int)
p.add_argument("--tid", type=int)
p.add_argument("--comm")
p.add_argument("--func")
p.add_argument("--dir")
p.add_argument("--lib")
p.add_argument("--type", default="data")
g = p.add_mutually_exclusive_group(required=True)
g.add_argument("--data", action="store_true")
g.add_argument("--count", action="store_true")
g.add_argument("--field")
a = p.parse_args()

sel = []
with open(a.file, "rb") as f:
    for n, line in enumerate(f, 1):
        try:
            r = json.loads(line)
        except ValueError as e:
            sys.exit("records.py: %s:%d: not JSON: %s" % (a.file, n, e))
        if r.get("type") != a.type:
            continue
        if ((a.pid is not None and r["pid"] != a.pid) or
                (a.tid is not None and r["tid"] != a.tid) or
                (a.comm and r["comm"] != a.comm) or
                (a.func and r["function"] != a.func) or
                (a.dir and r["direction"] != a.dir) or
                (a.lib and r["library"] != a.lib)):
            continue
        sel.append(r)

if a.data:
    out = sys.stdout.buffer
    for r in sel:
        d = base64.b64decode(r["data"], validate=True)
        if len(d) + r["truncated"] + r["lost"] != r["length"]:
            sys.exit("records.py: record length %d != %d captured + %d truncated + %d lost"
                     % (r["length"], len(d), r["truncated"], r["lost"]))
        out.write(d)
elif a.count:
    print(len(sel))
else:
    for r in sel:
        print(r.get(a.field, "-"))
