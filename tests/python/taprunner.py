# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs unittest test cases and reports them in TAP, one line per test, so
meson (protocol: 'tap') and build-aux/test-summary.py count each one."""

import os
import shutil
import sys
import traceback
import unittest


def scratch_root():
    """Where the tests make their files: meson gives each test a TMPDIR of
    its own; an installed test (gnome-desktop-testing-runner sets none)
    makes a fresh directory, points TMPDIR at it for the library's default
    directory, and removes it when the test ends."""
    root = os.environ.get("TMPDIR")
    if root:
        os.makedirs(root, exist_ok=True)
        return root
    import atexit
    import tempfile   # the harness's own scratch space: Python's module
    root = tempfile.mkdtemp(prefix="gtempfile-test-")
    os.environ["TMPDIR"] = root
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    return root


class TapResult(unittest.TestResult):
    def __init__(self, stream):
        super().__init__()
        self.stream = stream
        self.number = 0

    def _line(self, text):
        self.stream.write(text + "\n")
        self.stream.flush()

    def _diagnostic(self, err):
        for line in "".join(traceback.format_exception(*err)).splitlines():
            self._line("# " + line)

    def startTest(self, test):
        super().startTest(test)
        self.number += 1
        self._failed_subtests = []

    def addSubTest(self, test, subtest, err):
        # unittest reports neither success nor failure for a test whose
        # subtests failed: its line is written in stopTest.
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._failed_subtests.append((subtest, err))

    def stopTest(self, test):
        if self._failed_subtests:
            self._line(f"not ok {self.number} - {test.id()}")
            for subtest, err in self._failed_subtests:
                self._line("# " + subtest.id())
                self._diagnostic(err)
        super().stopTest(test)

    def addSuccess(self, test):
        super().addSuccess(test)
        self._line(f"ok {self.number} - {test.id()}")

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._line(f"not ok {self.number} - {test.id()}")
        self._diagnostic(err)

    def addError(self, test, err):
        super().addError(test, err)
        self._line(f"not ok {self.number} - {test.id()}")
        self._diagnostic(err)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._line(f"ok {self.number} - {test.id()} # SKIP {reason}")

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._line(f"ok {self.number} - {test.id()} # TODO expected failure")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._line(f"not ok {self.number} - {test.id()} (unexpected success)")


def main(module="__main__"):
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[module])
    if len(sys.argv) > 1:
        # Names given on the command line: run only the tests whose id
        # contains one of them.
        wanted = sys.argv[1:]
        suite = unittest.TestSuite(t for t in flatten(suite)
                                   if any(w in t.id() for w in wanted))
    result = TapResult(sys.stdout)
    suite.run(result)
    print(f"1..{result.number}")
    sys.exit(0 if result.wasSuccessful() else 1)


def empty_dir(path):
    """Makes path an empty directory (a test program's own TMPDIR)."""
    os.makedirs(path, exist_ok=True)
    for entry in os.listdir(path):
        entry = os.path.join(path, entry)
        if os.path.isdir(entry) and not os.path.islink(entry):
            shutil.rmtree(entry)
        else:
            os.unlink(entry)


def flatten(suite):
    for item in suite:
        if isinstance(item, unittest.TestSuite):
            yield from flatten(item)
        else:
            yield item
