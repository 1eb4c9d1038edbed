#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Reclaims a library's file pages from a running process, as memory
pressure does, and says whether a string of the library is still mapped.

pageout.py PID LIB STRING: MADV_PAGEOUT (process_madvise(2)) over every
mapping of LIB in PID, then prints "absent" when no page holding STRING (a
NUL-terminated string of LIB's file) is mapped in PID any more, else
"present" (another process maps that page too: the kernel keeps it).
Anonymous pages (relocated data, probed code) stay: without swap they
cannot be reclaimed, and with it they come back as they were.
"""
import ctypes
import os
import struct
import sys

SYS_PROCESS_MADVISE = 440  # one number on every architecture (Linux 5.10)
MADV_PAGEOUT = 21
PAGE = os.sysconf("SC_PAGE_SIZE")


class iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


def mappings(pid, lib):
    """(start, end, file offset) of each mapping of LIB in PID: its inode, on
    its device or by its path (overlayfs and btrfs show another device)."""
    want = os.stat(lib)
    out = []
    for line in open("/proc/%d/maps" % pid):
        f = line.split()
        if len(f) < 6 or not f[5].startswith("/") or int(f[4]) != want.st_ino:
            continue
        major, minor = (int(x, 16) for x in f[3].split(":"))
        if (os.makedev(major, minor) != want.st_dev and
                os.path.realpath(f[5]) != os.path.realpath(lib)):
            continue
        start, end = (int(x, 16) for x in f[0].split("-"))
        out.append((start, end, int(f[2], 16)))
    return out


def page_out(pid, maps):
    libc = ctypes.CDLL(None, use_errno=True)
    pidfd = os.pidfd_open(pid)
    try:
        for start, end, _ in maps:
            v = iovec(start, end - start)
            if libc.syscall(SYS_PROCESS_MADVISE, pidfd, ctypes.byref(v), 1, MADV_PAGEOUT, 0) < 0:
                sys.exit("pageout.py: process_madvise: %s" % os.strerror(ctypes.get_errno()))
    finally:
        os.close(pidfd)


def present(pid, maps, lib, string):
    """Whether any page of PID holding STRING in LIB is mapped; None: not found."""
    data = open(lib, "rb").read()
    needle = string.encode() + b"\0"
    found = None
    with open("/proc/%d/pagemap" % pid, "rb") as pm:
        at = data.find(needle)
        while at >= 0:
            for start, end, off in maps:
                if off <= at < off + end - start:
                    pm.seek((start + at - off) // PAGE * 8)
                    entry = struct.unpack("<Q", pm.read(8))[0]
                    found = bool(found) or bool(entry >> 63)
            at = data.find(needle, at + 1)
    return found


def main():
    pid, lib, string = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    maps = mappings(pid, lib)
    if not maps:
        sys.exit("pageout.py: %s does not map %s" % (pid, lib))
    page_out(pid, maps)
    p = present(pid, maps, lib, string)
    if p is None:
        sys.exit("pageout.py: '%s' is not in a mapped part of %s" % (string, lib))
    print("present" if p else "absent")


if __name__ == "__main__":
    main()
