#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""GTempfile from Python (PyGObject, with the overrides) against Python's
tempfile: the same cycles, interleaved, median of the rounds' time ratios.

    bench-python.py [--dir DIR]... [--rounds N] [--quick]

Prints Markdown table rows like tests/bench/bench: first the tempfile face
(`from gi.repository import GTempfile as tempfile`) against tempfile, then
the GIO face, then what one call through PyGObject costs, which bounds the
in-memory SpooledTemporaryFile (every operation on it is a call into C).
"""

import argparse
import io
import os
import statistics
import tempfile
import time

import gi
gi.require_version("GTempfile", "1")
from gi.repository import GTempfile  # noqa: E402

DATA = b"x" * 4096


def make_cases(face):
    """The cycles of a tempfile-like module, named for the table."""

    def named(d):
        with face.NamedTemporaryFile(dir=d) as f:
            f.write(DATA)

    def anonymous(d):
        with face.TemporaryFile(dir=d) as f:
            f.write(DATA)

    def directory(d):
        with face.TemporaryDirectory(dir=d):
            pass

    def spooled(d):
        with face.SpooledTemporaryFile(max_size=1 << 20, dir=d) as f:
            f.write(DATA)
            f.seek(0)
            f.read()

    def small_writes(d):
        with face.NamedTemporaryFile(dir=d) as f:
            for _ in range(1000):
                f.write(b"x")

    return {"named": named, "anonymous": anonymous, "directory": directory,
            "spooled": spooled, "small": small_writes}


THEIRS = make_cases(tempfile)
OURS = make_cases(GTempfile)


def gio_named(d):
    with GTempfile.TempFile(dir=d) as f:
        f.write(DATA)


def gio_directory(d):
    with GTempfile.TempDir(dir=d):
        pass


def gio_spooled(d):
    with GTempfile.SpooledStream(max_size=1 << 20, dir=d) as f:
        f.write(DATA)
        f.seek(0)
        f.read()


# (row name, baseline name, baseline, ours, iterations, target ratio)
CASES = [
    ("tempfile face: NamedTemporaryFile(dir) with, write 4 KiB", "tempfile.NamedTemporaryFile",
     THEIRS["named"], OURS["named"], 2000, 0.85),
    ("tempfile face: TemporaryFile(dir) with, write 4 KiB", "tempfile.TemporaryFile",
     THEIRS["anonymous"], OURS["anonymous"], 2000, 0.85),
    ("tempfile face: TemporaryDirectory(dir) with", "tempfile.TemporaryDirectory",
     THEIRS["directory"], OURS["directory"], 2000, 0.85),
    ("tempfile face: SpooledTemporaryFile in memory, write 4 KiB, read back",
     "tempfile.SpooledTemporaryFile", THEIRS["spooled"], OURS["spooled"], 5000, 3.0),
    ("tempfile face: NamedTemporaryFile, 1000 writes of 1 byte", "tempfile.NamedTemporaryFile",
     THEIRS["small"], OURS["small"], 200, 1.0),
    ("GIO face: TempFile(dir) with, write 4 KiB", "tempfile.NamedTemporaryFile",
     THEIRS["named"], gio_named, 2000, 1.0),
    ("GIO face: TempDir(dir) with", "tempfile.TemporaryDirectory",
     THEIRS["directory"], gio_directory, 2000, 1.0),
    ("GIO face: SpooledStream write 4 KiB, read back", "tempfile.SpooledTemporaryFile",
     THEIRS["spooled"], gio_spooled, 5000, 3.0),
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


def interleaved(theirs, ours, d, n, rounds):
    """The ratios ours/theirs of `rounds` rounds, alternating which runs
    first, after a warm-up."""
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
    return ratios


def call_costs(rounds, quick):
    """Microseconds per call, median of rounds: a Python method call
    against calls into C through PyGObject on an in-memory GSpooledStream."""
    from gi.repository import Gio

    stream = GTempfile.SpooledStream(max_size=1 << 20)
    out = stream.get_output_stream()
    inp = stream.get_input_stream()
    is_closed = Gio.IOStream.is_closed
    seek = Gio.Seekable.seek
    write_all = Gio.OutputStream.write_all
    read_bytes = Gio.InputStream.read_bytes
    buffer = io.BytesIO()

    class Plain:
        def is_closed(self):
            return False

    plain = Plain()
    n = 2000 if quick else 20000
    calls = [
        ("Python method returning a bool (baseline)", lambda: plain.is_closed()),
        ("io.BytesIO.seek(0)", lambda: buffer.seek(0)),
        ("Gio.IOStream.is_closed (no arguments)", lambda: is_closed(stream)),
        ("Gio.Seekable.seek(0, SET)", lambda: seek(stream, 0, 1, None)),
        ("Gio.OutputStream.write_all(4 KiB), seek", lambda: (seek(stream, 0, 1, None),
                                                           write_all(out, DATA, None))),
        ("Gio.InputStream.read_bytes + get_data (4 KiB), seek",
         lambda: (seek(stream, 0, 1, None), read_bytes(inp, 65536, None).get_data())),
        ("GTempfile.SpooledStream.new_full + close (a new object)",
         lambda: GTempfile.SpooledStream(max_size=1 << 20).close(None)),
    ]
    rows = []
    for name, call in calls:
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            for _ in range(n):
                call()
            times.append((time.perf_counter() - start) / n * 1e6)
        rows.append((name, statistics.median(times), min(times), max(times)))
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", action="append", default=[])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", help="run only the rows whose name contains this")
    args = parser.parse_args()
    dirs = args.dir or [os.getcwd()]
    rounds = 3 if args.quick else args.rounds

    for name, baseline, theirs, ours, n, target in CASES:
        if args.only and args.only not in name:
            continue
        if args.quick:
            n //= 10
        for d in dirs:
            ratios = interleaved(theirs, ours, d, n, rounds)
            median = statistics.median(ratios)
            print(f"| {name} | {fs_name(d)} | {baseline} | {median:.2f}× "
                  f"({ratios[0]:.2f}–{ratios[-1]:.2f}) | ≤ {target:.2f}× | "
                  f"{'holds' if median <= target else 'missed'} |", flush=True)

    if not args.only:
        print()
        print("| PyGObject call (in-memory GSpooledStream) | µs per call, median (range) |")
        print("|---|---|")
        for name, median, low, high in call_costs(rounds, args.quick):
            print(f"| {name} | {median:.2f} ({low:.2f}–{high:.2f}) |", flush=True)


if __name__ == "__main__":
    main()
