#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""What sslsniff's BPF programs cost per hooked call, by size.

Runs sslsniff (-f json -o /dev/null, system-wide) over bench/bpf_cost.c's
loop (a TLS client and server on 127.0.0.1 echoing SIZE bytes CALLS
times) with kernel.bpf_stats_enabled=1, and reads each sslsniff program's
run_time_ns / run_cnt from `bpftool prog show` before and after the loop:
the kernel's own timing of the program, which other processes' load
disturbs far less than a throughput figure. Prints ns per call of each
program per size (median of RUNS runs, with min and max), and restores
the sysctl.

  bench/bpf-cost.py [--sizes 1,1k,16k,64k] [--calls 20000] [--runs 5]
                    [--sslsniff bin/sslsniff] [--json FILE]

Takes the test suite's lock (/tmp/sslsniff-tests.lock) as bench/run.sh
does: no test traces the machine while it measures. Root only.
"""
import argparse
import fcntl
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# bpftool's names: the first 15 characters of the function's, when the
# kernel gives no BTF name.
PROGS = (("uprobe_entry", "entry"), ("uretprobe_retur", "return"),
         ("raw_tp_sys_ent", "sys_enter"))


def size_of(text):
    mult = {"k": 1024, "m": 1024 * 1024}.get(text[-1].lower(), 1)
    return int(text[:-1] if mult > 1 else text) * mult


def prog_stats():
    """(name, run_cnt, run_time_ns) of each program of sslsniff's names, by id.

    bpftool here may lack the pid of a program's owner: the programs that
    existed before sslsniff started (another sslsniff left running) are
    left out by id, and a program's figures are a difference of two
    snapshots, so one loaded in between counts from 0.
    """
    out = subprocess.run(["bpftool", "-j", "prog", "show"], check=True,
                         capture_output=True, text=True).stdout
    stats = {}
    for p in json.loads(out):
        for prefix, short in PROGS:
            if p.get("name", "").startswith(prefix):
                stats[p["id"]] = (short, p.get("run_cnt", 0), p.get("run_time_ns", 0))
    return stats


def start_sniff(sslsniff, tmp):
    err = open(os.path.join(tmp, "sniff.err"), "w+")
    proc = subprocess.Popen([sslsniff, "-f", "json", "-o", "/dev/null"],
                            stdout=subprocess.DEVNULL, stderr=err)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        err.seek(0)
        text = err.read()
        # Every instance loaded: no verifier run competes with the loop.
        if "Ctrl-C to end." in text:
            return proc, err
        if proc.poll() is not None:
            sys.exit("bpf-cost: sslsniff exited early:\n" + text)
        time.sleep(0.05)
    proc.kill()
    sys.exit("bpf-cost: sslsniff did not get ready in 60 s")


def stop_sniff(proc):
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def one_run(args, tmp, size):
    others = prog_stats()
    proc, err = start_sniff(args.sslsniff, tmp)
    try:
        # The loop's first calls trigger nothing lazy in sslsniff (the
        # sockets come from the structs): time from the start.
        before = prog_stats()
        out = subprocess.run([os.path.join(tmp, "bpf_cost"), os.path.join(tmp, "cert.pem"),
                              os.path.join(tmp, "key.pem"), str(size), str(args.calls)],
                             check=True, capture_output=True, text=True).stdout
        after = prog_stats()
    finally:
        stop_sniff(proc)
        err.close()
    calls = sum(int(x) for x in out.split()[1:3])
    res = {"calls": calls}
    for pid, (short, cnt, ns) in after.items():
        if pid in others:
            continue
        _, c0, n0 = before.get(pid, (short, 0, 0))
        c, n = res.get(short, (0, 0))
        res[short] = (c + cnt - c0, n + ns - n0)
    for short in [k for k in res if k != "calls"]:
        c, n = res[short]
        if c:
            res[short] = (n / c, c)
        else:
            del res[short]
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1,1k,16k,64k")
    ap.add_argument("--calls", type=int, default=20000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sslsniff", default=os.path.join(ROOT, "bin", "sslsniff"))
    ap.add_argument("--json", help="also write the figures to FILE")
    args = ap.parse_args()
    if os.geteuid():
        sys.exit("bpf-cost: run as root")

    lock = open(os.environ.get("SSLSNIFF_TESTS_LOCK", "/tmp/sslsniff-tests.lock"), "a")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print("bpf-cost: waiting for the sslsniff test run to finish", file=sys.stderr)
        fcntl.flock(lock, fcntl.LOCK_EX)

    tmp = tempfile.mkdtemp(prefix="bpf-cost.")
    was = subprocess.run(["sysctl", "-n", "kernel.bpf_stats_enabled"], check=True,
                         capture_output=True, text=True).stdout.strip()
    results = {}
    try:
        subprocess.run(["gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-o",
                        os.path.join(tmp, "bpf_cost"), os.path.join(HERE, "bpf_cost.c"),
                        "-lssl", "-lcrypto", "-lpthread"], check=True)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                        "-subj", "/CN=localhost", "-keyout", os.path.join(tmp, "key.pem"),
                        "-out", os.path.join(tmp, "cert.pem")], check=True,
                       capture_output=True)
        subprocess.run(["sysctl", "-qw", "kernel.bpf_stats_enabled=1"], check=True)
        for text in args.sizes.split(","):
            size = size_of(text)
            runs = [one_run(args, tmp, size) for _ in range(args.runs)]
            results[text] = runs
            row = [text.rjust(4)]
            for _, short in PROGS:
                ns = [r[short][0] for r in runs if short in r]
                if not ns:
                    row.append("%s -" % short)
                    continue
                per_run = statistics.median(r[short][1] for r in runs if short in r)
                row.append("%s %7.1f ns (%.1f..%.1f, %d calls)" %
                           (short, statistics.median(ns), min(ns), max(ns), per_run))
            print("  ".join(row), flush=True)
    finally:
        subprocess.run(["sysctl", "-qw", "kernel.bpf_stats_enabled=" + was])
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
