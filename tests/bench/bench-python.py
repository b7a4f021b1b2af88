#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""GTempfile from Python (PyGObject, with the overrides) against Python's
tempfile: the same cycles, interleaved, median of the rounds' time ratios.

    bench-python.py [--dir DIR]... [--rounds N] [--quick]

Prints Markdown table rows like tests/bench/bench.
"""

import argparse
import os
import statistics
import tempfile
import time

import gi
gi.require_version("GTempfile", "1")
from gi.repository import GTempfile  # noqa: E402

DATA = b"x" * 4096


def named_tempfile(d):
    with tempfile.NamedTemporaryFile(dir=d) as f:
        f.write(DATA)


def named_gtempfile(d):
    with GTempfile.TempFile(dir=d) as f:
        f.write(DATA)


def temporary_directory(d):
    with tempfile.TemporaryDirectory(dir=d):
        pass


def gtempdir(d):
    with GTempfile.TempDir(dir=d):
        pass


def spooled_tempfile(d):
    with tempfile.SpooledTemporaryFile(max_size=1 << 20, dir=d) as f:
        f.write(DATA)
        f.seek(0)
        f.read()


def spooled_gstream(d):
    with GTempfile.SpooledStream(max_size=1 << 20, dir=d) as f:
        f.write(DATA)
        f.seek(0)
        f.read()


CASES = [
    ("Python: TempFile(dir) with, write 4 KiB", "tempfile.NamedTemporaryFile",
     named_tempfile, named_gtempfile, 2000),
    ("Python: TempDir(dir) with", "tempfile.TemporaryDirectory",
     temporary_directory, gtempdir, 2000),
    ("Python: SpooledStream write 4 KiB, read back", "tempfile.SpooledTemporaryFile",
     spooled_tempfile, spooled_gstream, 5000),
]


def fs_name(d):
    # statfs is not in os; /proc/mounts knows the type of the mount holding d.
    best, kind = "", "?"
    real = os.path.realpath(d)
    with open("/proc/mounts", encoding="utf-8") as mounts:
        for line in mounts:
            fields = line.split()
            point = fields[1]
            if (real == point or real.startswith(point.rstrip("/") + "/")) and len(point) > len(best):
                best, kind = point, fields[2]
    return kind


def batch(func, d, n):
    start = time.perf_counter()
    for _ in range(n):
        func(d)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", action="append", default=[])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    dirs = args.dir or [os.getcwd()]
    rounds = 3 if args.quick else args.rounds

    for name, baseline, theirs, ours, n in CASES:
        if args.quick:
            n //= 10
        for d in dirs:
            batch(theirs, d, n // 10 or 1)
            batch(ours, d, n // 10 or 1)
            ratios = []
            for r in range(rounds):
                if r % 2 == 0:
                    base = batch(theirs, d, n)
                    mine = batch(ours, d, n)
                else:
                    mine = batch(ours, d, n)
                    base = batch(theirs, d, n)
                ratios.append(mine / base)
            ratios.sort()
            median = statistics.median(ratios)
            print(f"| {name} | {fs_name(d)} | {baseline} | {median:.2f}× "
                  f"({ratios[0]:.2f}–{ratios[-1]:.2f}) | < 1.00× (faster) | "
                  f"{'holds' if median < 1 else 'missed'} |", flush=True)


if __name__ == "__main__":
    main()
