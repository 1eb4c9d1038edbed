#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Helpers of bench/exec-attach.sh (see bench/README.md).

exec_attach.py stamp OUT            copies stdin to OUT, each line prefixed
                                    with CLOCK_MONOTONIC (ns) on arrival
exec_attach.py exec OUT ROOT ARGV…  chroot to ROOT, write "PID NS" to OUT
                                    (CLOCK_MONOTONIC right before exec),
                                    then exec ARGV there
exec_attach.py delay STAMPED OUT FILE
                                    the first "attached N probes to 'P'"
                                    line of STAMPED whose P is FILE (by
                                    device and inode): ms from the exec
                                    in OUT, and the rest of that line
exec_attach.py known STAMPED ROOT  true when STAMPED has an attach line for a
                                    file of ROOT (its path under ROOT, or
                                    /proc/PID/root/... of a process in it)
exec_attach.py report DIR RESULTS   medians per case from DIR/runs, printed
                                    and written into RESULTS as a section
                                    of its own (one subsection per binary)
"""
import os
import re
import statistics
import sys
import time

SECTION = "## Exec to attached probes (bench/exec-attach.sh)"
METHOD = """\
How long after a process in a container starts sslsniff has its probes on
the container's TLS library, when sslsniff has not loaded that library's
layout yet (issue 13): sslsniff runs system-wide on the host, from its
ready line (and its "program instances ready" line, when it prints one)
on; then one process is started in a Debian root of the compatibility
matrix that maps the root's library and stays. Measured from outside
sslsniff: CLOCK_MONOTONIC right before the process's exec (a wrapper that
chroots, reads the clock and execs) to the arrival of sslsniff's
`attached N probes to 'FILE'` line for the root's library file on its
stderr (a pipe, each line stamped as it is read). A fresh sslsniff for
every run: a second process in the same root finds its library attached
already. Made by `bench/exec-attach.sh`; each binary measured keeps its own
subsection (the newest run of a commit replaces that commit's).
"""


def now():
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC)


def stamp(out):
    # Stamped when read, not when the line is complete in a buffer: the
    # line's own time is its arrival, and a read returns as soon as
    # sslsniff's write does.
    fd = sys.stdin.fileno()
    rest = b""
    with open(out, "w", buffering=1) as f:
        while True:
            data = os.read(fd, 65536)
            if not data:
                break
            t = now()
            rest += data
            while b"\n" in rest:
                line, rest = rest.split(b"\n", 1)
                f.write("%d %s\n" % (t, line.decode(errors="replace")))
        if rest:
            f.write("%d %s\n" % (now(), rest.decode(errors="replace")))


def do_exec(out, root, argv):
    f = open(out, "w")
    os.chroot(root)
    os.chdir("/")
    # The file is written after the clock is read: its write is the only
    # thing between the stamp and the exec.
    t = now()
    f.write("%d %d\n" % (os.getpid(), t))
    f.close()
    os.execv(argv[0], argv)


def same_file(a, b):
    try:
        sa, sb = os.stat(a), os.stat(b)
    except OSError:
        return False
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


ATTACHED = re.compile(r"^(\d+) sslsniff: attached \d+ probes to '([^']*)'(.*)$")


def delay(stamped, out, lib):
    try:
        pid, t0 = open(out).read().split()
    except (OSError, ValueError):
        return 1	# not exec'ed yet
    for line in open(stamped):
        m = ATTACHED.match(line.rstrip("\n"))
        if m and same_file(m.group(2), lib):
            print("%.3f pid %s%s" % ((int(m.group(1)) - int(t0)) / 1e6, pid, m.group(3)))
            return 0
    return 1


def known(stamped, root):
    root = os.path.realpath(root)
    for line in open(stamped):
        m = ATTACHED.match(line.rstrip("\n"))
        if not m:
            continue
        path = m.group(2)
        p = re.match(r"^/proc/(\d+)/root/", path)
        if p:
            try:
                if os.path.realpath("/proc/%s/root" % p.group(1)) == root:
                    return 0
            except OSError:
                pass
        elif path.startswith(root + "/"):
            return 0
    return 1


def fmt(ms):
    return "%.1f" % ms


def report(d, results):
    meta = dict(line.rstrip("\n").split(" ", 1) for line in open(os.path.join(d, "meta")))
    rows, text = [], []
    for case in meta["cases"].split():
        path = os.path.join(d, "runs", case)
        vals, missed = [], 0
        for line in open(path) if os.path.exists(path) else []:
            v = line.split()[0]
            if v == "none":
                missed += 1
            else:
                vals.append(float(v))
        lib = meta["case-" + case]
        if vals:
            rows.append([case, lib, fmt(statistics.median(vals)), fmt(min(vals)),
                         fmt(max(vals)), "%d" % len(vals), str(missed),
                         " ".join(fmt(v) for v in vals)])
        else:
            rows.append([case, lib, "-", "-", "-", "0", str(missed), ""])
    head = ["case", "library in the root", "median ms", "min ms", "max ms", "runs",
            "not attached in %s s" % meta["timeout"], "each run, ms"]
    w = text.append
    w("### sslsniff %s (%s)" % (meta["commit"], meta["binary"]))
    w("")
    w("- date: %s; kernel %s; %s runs per case, each with a fresh sslsniff"
      % (meta["date"], meta["kernel"], meta["runs"]))
    w("- %s" % meta["instances"])
    w("")
    w("| " + " | ".join(head) + " |")
    w("|" + "|".join("---" for _ in head) + "|")
    for r in rows:
        w("| " + " | ".join(r) + " |")
    sub = "\n".join(text) + "\n"
    sys.stdout.write(sub)
    if not results:
        return

    old = open(results).read() if os.path.exists(results) else ""
    start = old.find("\n" + SECTION + "\n")
    keep_before = old if start < 0 else old[:start + 1]
    subs = []
    if start >= 0:
        # Everything from the heading on is this script's: the method
        # paragraph, then one subsection per binary measured.
        body = old[start + 1 + len(SECTION) + 1:]
        parts = body.split("\n### ")
        for p in parts[1:]:
            p = "### " + p.rstrip("\n") + "\n"
            if not p.startswith("### sslsniff %s " % meta["commit"]):
                subs.append(p)
    subs.append(sub)
    new = keep_before.rstrip("\n") + "\n\n" + SECTION + "\n\n" + METHOD
    for s in subs:
        new += "\n" + s
    with open(results + ".tmp", "w") as f:
        f.write(new)
    os.replace(results + ".tmp", results)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "stamp":
        stamp(args[0])
    elif cmd == "exec":
        do_exec(args[0], args[1], args[2:])
    elif cmd == "delay":
        sys.exit(delay(*args))
    elif cmd == "known":
        sys.exit(known(*args))
    elif cmd == "report":
        report(args[0], args[1] if len(args) > 1 else "")
    else:
        sys.exit("exec_attach.py: unknown command '%s'" % cmd)


if __name__ == "__main__":
    main()
