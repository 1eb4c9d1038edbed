#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""ldcache.py OUT PATH...: a linker cache (glibc's "glibc-ld.so.cache1.1"
format, as ldconfig writes it) listing each PATH under its base name, for a
test root whose paths ldconfig would not list (symlinks, FIFOs, garbage)."""
import os
import struct
import sys

out, paths = sys.argv[1], sys.argv[2:]
HDR = struct.Struct("=20sIIB3sI12s")          # magic, nlibs, len_strings, flags, pad, ext, unused
ENT = struct.Struct("=iIIIQ")                  # flags, key, value, osversion, hwcap
strings = b""
offs = []
base = HDR.size + ENT.size * len(paths)
for p in paths:
    key = base + len(strings)
    strings += os.path.basename(p).encode() + b"\0"
    value = base + len(strings)
    strings += p.encode() + b"\0"
    offs.append((key, value))
data = HDR.pack(b"glibc-ld.so.cache1.1", len(paths), len(strings), 2, b"\0" * 3, 0, b"\0" * 12)
for key, value in offs:
    data += ENT.pack(0x0303, key, value, 0, 0)    # FLAG_ELF_LIBC6 | FLAG_X8664_LIB64
with open(out, "wb") as f:
    f.write(data + strings)
