#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Summarise meson test logs (meson-logs/testlog*.json) in one last line:

    N passed, M failed[, K skipped]

A TAP test program counts once per subtest ("ok", "not ok", "# SKIP"); any
other test counts once. A program that crashed, timed out or bailed out
counts one more failure even if every subtest it printed passed.

--installed-tests-log reads what gnome-desktop-testing-runner printed for
the installed tests: each installed test counts once ("PASS:", "FAIL:",
"SKIP:"), and a log without its SUMMARY line, or with no test, is a
failure.

Exit status: 0 when nothing failed, every log exists and every suite named
with --require-suite ran at least one test; 1 otherwise.
"""

import argparse
import json
import os
import re
import subprocess
import sys

TAP_PLAN = re.compile(r"^1\.\.(\d+)", re.MULTILINE)
TAP_LINE = re.compile(r"^(ok|not ok)\b[^#\n]*(#\s*(SKIP|TODO)\b.*)?$", re.MULTILINE | re.IGNORECASE)
PASSING_RESULTS = {"OK", "EXPECTEDFAIL"}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("logs", nargs="+", help="testlog.json files written by meson test")
    parser.add_argument("--require-suite", action="append", default=[], metavar="SUITE",
                        help="fail unless this suite ran (may be repeated)")
    parser.add_argument("--installed-tests-log", action="append", default=[], metavar="LOG",
                        help="output of gnome-desktop-testing-runner (may be repeated)")
    return parser.parse_args()


INSTALLED_RESULT = re.compile(r"^(PASS|FAIL|SKIP(?:PED)?): (\S+)", re.MULTILINE)


def count_installed(path, problems):
    """Returns (passed, failed, skipped) for a gnome-desktop-testing-runner log."""
    try:
        with open(path, encoding="utf-8", errors="replace") as log:
            text = log.read()
    except OSError as error:
        problems.append(f"no installed-tests log {path}: {error.strerror}")
        return 0, 0, 0
    # The runner names a failed test again in its closing summary: each test
    # counts once, with the worst result it was given.
    results = {}
    rank = {"PASS": 0, "SKIP": 1, "FAIL": 2}
    for match in INSTALLED_RESULT.finditer(text):
        status = "SKIP" if match.group(1).startswith("SKIP") else match.group(1)
        name = match.group(2)
        if rank[status] >= rank.get(results.get(name), -1):
            results[name] = status
    passed = failed = skipped = 0
    for name, status in sorted(results.items()):
        if status == "PASS":
            passed += 1
        elif status == "FAIL":
            failed += 1
            print(f"FAILED: installed test {name} in {path}")
        else:
            skipped += 1
    if "SUMMARY:" not in text or passed + failed + skipped == 0:
        problems.append(f"installed-tests log {path} has no results: they did not run")
    print(f"{path}: {passed} passed, {failed} failed, {skipped} skipped (installed tests)")
    return passed, failed, skipped


def suites_by_test(log_path):
    """Maps test names to their suites, as meson defined them for the build
    the log belongs to (the names in the log carry the suite only when the
    build has several)."""
    builddir = os.path.dirname(os.path.dirname(os.path.abspath(log_path)))
    try:
        result = subprocess.run(["meson", "introspect", "--tests", builddir],
                                capture_output=True, text=True, check=True)
        tests = json.loads(result.stdout)
    except (OSError, subprocess.CalledProcessError, ValueError):
        return {}
    return {test["name"]: [suite.split(":", 1)[-1] for suite in test.get("suite", [])]
            for test in tests}


def suites_of(name, known):
    # "project:suite1+suite2 / test name", or just "test name"
    head, _, base = name.rpartition(" / ")
    if base in known:
        return known[base]
    if ":" in head:
        return head.split(":", 1)[1].split("+")
    return []


def count_test(entry):
    """Returns (passed, failed, skipped) for one test of the log."""
    result = entry.get("result", "ERROR")
    stdout = entry.get("stdout") or ""

    if result == "SKIP":
        return 0, 0, 1

    if TAP_PLAN.search(stdout):
        passed = failed = skipped = 0
        for match in TAP_LINE.finditer(stdout):
            status, directive = match.group(1).lower(), (match.group(3) or "").upper()
            if directive == "SKIP":
                skipped += 1
            elif status == "ok" or directive == "TODO":
                passed += 1
            else:
                failed += 1
        if result not in PASSING_RESULTS and failed == 0:
            failed = 1
        return passed, failed, skipped

    if result in PASSING_RESULTS:
        return 1, 0, 0
    return 0, 1, 0


def main():
    args = parse_args()
    passed = failed = skipped = 0
    ran_suites = set()
    problems = []

    for path in args.logs:
        try:
            with open(path, encoding="utf-8") as log:
                lines = [line for line in log if line.strip()]
        except OSError as error:
            problems.append(f"no test log {path}: {error.strerror}")
            continue
        if not lines:
            problems.append(f"test log {path} is empty: no test ran")
        known = suites_by_test(path)
        log_passed = log_failed = log_skipped = 0
        for line in lines:
            entry = json.loads(line)
            p, f, s = count_test(entry)
            log_passed += p
            log_failed += f
            log_skipped += s
            if f:
                print(f"FAILED: {entry['name']} in {path} ({entry.get('result')})")
            if p or f:
                ran_suites.update(suites_of(entry["name"], known))
        print(f"{path}: {log_passed} passed, {log_failed} failed, {log_skipped} skipped")
        passed += log_passed
        failed += log_failed
        skipped += log_skipped

    for path in args.installed_tests_log:
        p, f, s = count_installed(path, problems)
        passed += p
        failed += f
        skipped += s

    for suite in args.require_suite:
        if suite not in ran_suites:
            problems.append(f"suite '{suite}' did not run")

    for problem in problems:
        print(f"FAILED: {problem}")
    failed += len(problems)

    summary = f"{passed} passed, {failed} failed"
    if skipped:
        summary += f", {skipped} skipped"
    print(summary)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
