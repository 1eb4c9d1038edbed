#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Small real Go function tables for the go_pclntab fuzz target's seeds.

pclntab.py EXE OUT K: the first K functions of EXE's .gopclntab (Go 1.18+,
as the Go toolchain wrote it), their names, pcsp tables and _func records
copied, in a table of their own with its header's offsets remade; written
as OUT.raw (the fuzz input: a 0 byte, then the table), OUT.go116.raw (the
same in Go 1.16's layout: 8-byte functab fields, absolute entries) and
OUT.inc (the table as C initialiser bytes, textStart 0, for go_pclntab_stub.c).
"""
import struct
import subprocess
import sys


def section(path, name):
    out = subprocess.run(["readelf", "-SW", path], capture_output=True, text=True,
                         check=True).stdout
    for line in out.splitlines():
        if "]" not in line:
            continue
        f = line.split("]", 1)[1].split()
        if f and f[0] == name:
            off, size = int(f[3], 16), int(f[4], 16)
            with open(path, "rb") as fh:
                fh.seek(off)
                return fh.read(size)
    sys.exit("pclntab.py: no %s in %s" % (name, path))


def uvarint(b, i):
    v = shift = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7f) << shift
        shift += 7
        if not c & 0x80:
            return v, i


def pcsp_bytes(d, at):
    """The bytes of the pc-value table at AT, up to and with its end."""
    i, first = at, True
    while True:
        v, i = uvarint(d, i)
        if v == 0 and not first:
            return d[at:i]
        first = False
        _, i = uvarint(d, i)


def reduce(d, k):
    magic, = struct.unpack_from("<I", d, 0)
    nfunc, _, text, fno, _, _, pco, plo = struct.unpack_from("<8Q", d, 8)
    if magic not in (0xfffffff0, 0xfffffff1):
        sys.exit("pclntab.py: not a Go 1.18+ table")
    k = min(k, nfunc)
    ft = [struct.unpack_from("<II", d, plo + 8 * i) for i in range(k)]
    end, = struct.unpack_from("<I", d, plo + 8 * k)
    names, pctab, funcs = b"", b"\0", []
    for entry, funcoff in ft:
        rec = bytearray(d[plo + funcoff:plo + funcoff + 44])
        nameoff, = struct.unpack_from("<i", rec, 4)
        name = d[fno + nameoff:d.index(b"\0", fno + nameoff)]
        pcsp, = struct.unpack_from("<I", rec, 16)
        struct.pack_into("<i", rec, 4, len(names))
        names += name + b"\0"
        if pcsp:
            struct.pack_into("<I", rec, 16, len(pctab))
            pctab += pcsp_bytes(d, pco + pcsp)
        struct.pack_into("<III", rec, 20, 0, 0, 0)    # no pcfile, pcln, pcdata
        rec[-1] = 0                                    # nor funcdata
        funcs.append((entry, bytes(rec)))
    return magic, d[6], text, names, pctab, funcs, end


def table(magic, quantum, text, names, pctab, funcs, end, go116=False):
    hlen, fsz = (64, 8) if go116 else (72, 4)
    fno = hlen
    pco = fno + len(names)
    plo = pco + len(pctab)
    k = len(funcs)
    ftab_len = (2 * k + 1) * fsz
    recs, ftab = b"", b""
    for entry, rec in funcs:
        if go116:
            # uintptr entry; no startLine (1.20+) before funcID.
            body = rec[4:36] + (rec[40:44] if magic == 0xfffffff1 else rec[36:40])
            rec = struct.pack("<Q", text + entry) + body
        ftab += struct.pack("<QQ" if go116 else "<II",
                            text + entry if go116 else entry, ftab_len + len(recs))
        recs += rec
    ftab += struct.pack("<Q", text + end) if go116 else struct.pack("<I", end)
    words = [k, 0] + ([] if go116 else [text]) + [fno, pco, pco, pco, plo]
    hdr = struct.pack("<IBBBB", 0xfffffffa if go116 else magic, 0, 0, quantum, 8)
    hdr += struct.pack("<%dQ" % len(words), *words)
    return hdr + names + pctab + ftab + recs


def main():
    exe, out, k = sys.argv[1], sys.argv[2], int(sys.argv[3])
    parts = reduce(section(exe, ".gopclntab"), k)
    with open(out + ".raw", "wb") as f:
        f.write(b"\0" + table(*parts))
    with open(out + ".go116.raw", "wb") as f:
        f.write(b"\0" + table(*parts, go116=True))
    magic, quantum, _, names, pctab, funcs, end = parts
    t = table(magic, quantum, 0, names, pctab, funcs, end)
    with open(out + ".inc", "w") as f:
        f.write(",".join(str(b) for b in t) + "\n")


main()
