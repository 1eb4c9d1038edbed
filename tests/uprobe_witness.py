#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""uprobe_witness.py FILE OUT: maps FILE private and read-only, and writes
to OUT, every 50 ms, how many bytes of the mapping differ from the file.
The kernel writes a uprobe's breakpoint into every private mapping of the
probed inode that may be executable (VM_MAYEXEC, not only PROT_EXEC): a
count above 0 means some probe is on this very file, whoever put it there.
A read-only mapping is not one that sslsniff looks at (it attaches to the
executable ones), so watching does not make it attach."""
import mmap
import os
import sys
import time

path, out = sys.argv[1], sys.argv[2]
fd = os.open(path, os.O_RDONLY)
size = os.fstat(fd).st_size
m = mmap.mmap(fd, size, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ)
disk = os.pread(fd, size, 0)
while True:
    diff = sum(1 for a, b in zip(m[:], disk) if a != b) if m[:] != disk else 0
    with open(out + ".tmp", "w") as f:
        f.write(f"{diff}\n")
    os.rename(out + ".tmp", out)
    time.sleep(0.05)
