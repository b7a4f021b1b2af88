# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs CPython's own Lib/test/test_tempfile.py, of the running interpreter,
against GTempfile: `import tempfile` gives `from gi.repository import
GTempfile`. One TAP line per test, then a summary.

    cpython_test_tempfile.py --cache DIR [NAME...]

The test file is not part of this repository. It comes from the test suite
package of the running interpreter: the installed one when there is one,
otherwise Debian's libpython3.X-testsuite, fetched with `apt-get download`
(the version of the installed libpython3.X-stdlib when the archive still
has it, else the newest) and unpacked with `dpkg -x` into DIR, where the
next run finds it. Nothing is installed. Without the file (no apt, no
network) the test is skipped.

Which module sees what:

- The test module, and every Python process it starts (the shutdown tests
  run `import tempfile` in a child), get GTempfile: children through a
  `tempfile.py` that stands in for the standard one on their PYTHONPATH.
- test.support's own helpers that make scratch space with tempfile
  (os_helper.temp_dir, can_xattr, fs_is_case_insensitive...) get the
  standard tempfile: they are the test harness, not the code under test,
  and a broken GTempfile must not be able to break the harness or pass
  because of it.

Tests that read or replace tempfile's private names (its name generator,
its low-level _mkstemp_inner, its probe of the default directory, mocks of
its internals) are listed in PRIVATE below with the reason, reported as
skipped, and counted apart from the public API. Private names that
GTempfile does provide with tempfile's meaning (_infer_return_type,
_candidate_tempdir_list, _bin_openflags/_text_openflags, the
SpooledTemporaryFile's _rolled) are used as they are.
"""

import argparse
import contextlib
import functools
import glob
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile as real_tempfile
import unittest

import gi

gi.require_version("GTempfile", "1")
from gi.repository import GTempfile  # noqa: E402

import taprunner  # noqa: E402

# Test ids (class.method) that depend on tempfile's private names, and why.
PRIVATE = {
    "TestRandomNameSequence.test_get_eight_char_str":
        "reads tempfile._RandomNameSequence: names come from the library's CSPRNG in C",
    "TestRandomNameSequence.test_many":
        "reads tempfile._RandomNameSequence: names come from the library's CSPRNG in C",
    "TestRandomNameSequence.test_process_awareness":
        "reads tempfile._RandomNameSequence: names come from the library's CSPRNG in C",
    "TestGetDefaultTempdir.test_no_files_left_behind":
        "replaces tempfile._candidate_tempdir_list, os.open and os.write to steer "
        "tempfile._get_default_tempdir: the probe is the library's C code",
    "TestGetCandidateNames.test_retval":
        "reads tempfile._get_candidate_names and _RandomNameSequence",
    "TestGetCandidateNames.test_same_thing":
        "reads tempfile._get_candidate_names",
    "TestMkdtemp.test_collision_with_existing_file":
        "replaces tempfile._get_candidate_names to force a name collision",
    "TestMkdtemp.test_collision_with_existing_directory":
        "replaces tempfile._get_candidate_names to force a name collision",
    "TestNamedTemporaryFile.test_unexpected_error":
        "mocks tempfile._TemporaryFileWrapper and io.open, which GTempfile does not go through",
    "TestTemporaryFile.test_unexpected_error":
        "mocks tempfile._O_TMPFILE_WORKS, os.open, os.unlink and os.close: "
        "GTempfile creates the file in C",
    "TestSpooledTemporaryFile.test_truncate_with_size_parameter":
        "reads the BytesIO in SpooledTemporaryFile._file (getvalue()): the content "
        "is in the C GSpooledStream",
}
# Every test of TestMkstempInner calls tempfile._mkstemp_inner.
PRIVATE_CLASSES = {
    "TestMkstempInner": "calls tempfile._mkstemp_inner, tempfile's low-level creation loop",
}
# Tests that use private names GTempfile provides with tempfile's meaning:
# they run, and are counted apart from the public API.
PROVIDED_PRIVATE_CLASSES = {
    "TestLowLevelInternals": "tempfile._infer_return_type",
    "TestCandidateTempdirList": "tempfile._candidate_tempdir_list",
}


def split_id(test):
    parts = test.id().split(".")
    return parts[-2], parts[-1]


def debian_stdlib_version(major_minor):
    """The Debian version of the package that holds this interpreter's
    standard library, or None."""
    try:
        result = subprocess.run(
            ["dpkg-query", "-W", "-f", "${Version}", f"libpython{major_minor}-stdlib"],
            capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return result.stdout.strip() or None


def fetch_test_file(cache, log):
    """The path of test_tempfile.py for this interpreter, or None."""
    major_minor = f"{sys.version_info.major}.{sys.version_info.minor}"
    installed = os.path.join(os.path.dirname(os.__file__), "test", "test_tempfile.py")
    if os.path.exists(installed):
        log(f"test file: {installed} (installed with the interpreter)")
        return installed

    package = f"libpython{major_minor}-testsuite"
    wanted = debian_stdlib_version(major_minor)
    inside = os.path.join("usr", "lib", f"python{major_minor}", "test", "test_tempfile.py")
    # A previous run's copy, fetched for this same standard library (its
    # .complete names the version it stands for).
    for mark in sorted(glob.glob(os.path.join(cache, f"{package}_*", ".complete"))):
        with open(mark, encoding="utf-8") as f:
            stands_for = f.read().split()
        if wanted is None or wanted in stands_for:
            tree = os.path.dirname(mark)
            log(f"test file: {os.path.join(tree, inside)} (cached {os.path.basename(tree)})")
            return os.path.join(tree, inside)

    if shutil.which("apt-get") is None or shutil.which("dpkg") is None:
        log("no apt-get/dpkg to fetch " + package)
        return None
    download = os.path.join(cache, "download")
    shutil.rmtree(download, ignore_errors=True)
    os.makedirs(download)
    versions = [f"{package}={wanted}"] if wanted else []
    versions.append(package)   # the archive's newest, when the installed one is gone
    for spec in versions:
        result = subprocess.run(["apt-get", "download", "-q", spec], cwd=download,
                                capture_output=True, text=True, check=False)
        debs = glob.glob(os.path.join(download, "*.deb"))
        if result.returncode == 0 and debs:
            break
        log(f"apt-get download {spec}: {result.stderr.strip().splitlines()[-1:] or '?'}")
    else:
        return None
    deb = debs[0]
    version = subprocess.run(["dpkg-deb", "-f", deb, "Version"], capture_output=True,
                             text=True, check=True).stdout.strip()
    tree = os.path.join(cache, f"{package}_{version}")
    shutil.rmtree(tree, ignore_errors=True)
    subprocess.run(["dpkg", "-x", deb, tree], check=True)
    with open(os.path.join(tree, ".complete"), "w", encoding="utf-8") as mark:
        mark.write(f"{os.path.basename(deb)} for libpython{major_minor}-stdlib {wanted}\n")
    shutil.rmtree(download, ignore_errors=True)
    note = "" if version == wanted else f" (the interpreter's standard library is {wanted})"
    log(f"test file: {os.path.join(tree, inside)} (downloaded {os.path.basename(deb)}){note}")
    return os.path.join(tree, inside)


@contextlib.contextmanager
def standard_tempfile():
    saved = sys.modules.get("tempfile")
    sys.modules["tempfile"] = real_tempfile
    try:
        yield
    finally:
        sys.modules["tempfile"] = saved


def give_helpers_the_standard_tempfile():
    """test.support.os_helper imports tempfile inside some of its functions;
    those run with the standard module in sys.modules."""
    from test.support import os_helper

    for name, value in list(vars(os_helper).items()):
        code = getattr(value, "__code__", None)
        if code is not None and "tempfile" in code.co_names:
            @functools.wraps(value)
            def helper(*args, __helper=value, **kwargs):
                with standard_tempfile():
                    return __helper(*args, **kwargs)
            setattr(os_helper, name, helper)


def make_children_use_gtempfile(scratch):
    """Python processes started by the tests (script_helper) import tempfile
    too: give them GTempfile through a stand-in module on their PYTHONPATH.
    script_helper runs them with -I (no PYTHONPATH) unless the interpreter
    needs its environment, which the uninstalled build does."""
    shim = os.path.join(scratch, "as-tempfile")
    os.makedirs(shim, exist_ok=True)
    with open(os.path.join(shim, "tempfile.py"), "w", encoding="utf-8") as f:
        f.write('"""Stands for the standard tempfile: GTempfile (tests only)."""\n'
                "import sys\n"
                "import gi\n"
                'gi.require_version("GTempfile", "1")\n'
                "from gi.repository import GTempfile\n"
                "sys.modules[__name__] = GTempfile\n")
    path = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = shim + (os.pathsep + path if path else "")

    from test.support import script_helper
    vars(script_helper)["__cached_interp_requires_environment"] = True


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", required=True,
                        help="where the test suite package is unpacked and kept")
    parser.add_argument("names", nargs="*", help="run only the tests whose id contains one")
    args = parser.parse_args()

    def log(text):
        print(f"# {text}", flush=True)

    # TMPDIR first: dpkg-deb needs it.
    scratch = os.environ.get("TMPDIR") or real_tempfile.gettempdir()
    os.makedirs(scratch, exist_ok=True)
    os.makedirs(args.cache, exist_ok=True)
    path = fetch_test_file(os.path.abspath(args.cache), log)
    if path is None or not os.path.exists(path):
        print("1..0 # SKIP CPython's test_tempfile.py is not available "
              "(no installed test suite, and apt-get download failed)")
        return 0

    make_children_use_gtempfile(scratch)
    give_helpers_the_standard_tempfile()

    sys.modules["tempfile"] = GTempfile
    spec = importlib.util.spec_from_file_location("test_tempfile", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["test_tempfile"] = module
    spec.loader.exec_module(module)

    loader = unittest.defaultTestLoader
    tests = list(taprunner.flatten(loader.loadTestsFromModule(module)))
    if args.names:
        tests = [t for t in tests if any(name in t.id() for name in args.names)]

    result = taprunner.TapResult(sys.stdout)
    # The harness itself: a test that passed against the standard tempfile
    # would prove nothing.
    from test.support import script_helper
    checks = [
        ("the test module's tempfile is GTempfile", lambda: module.tempfile is GTempfile),
        ("a child's `import tempfile` is GTempfile", lambda: script_helper.assert_python_ok(
            "-c", "import tempfile; assert tempfile.NamedTemporaryFile.__module__ == "
            "'gi.overrides.GTempfile', tempfile.NamedTemporaryFile")),
    ]
    for label, check in checks:
        result.number += 1
        try:
            ok = check() is not False
        except AssertionError as error:
            ok = False
            print("# " + str(error).replace("\n", "\n# "))
        if not ok:
            result.errors.append((label, "harness check failed"))
        print(f"{'ok' if ok else 'not ok'} {result.number} - harness: {label}", flush=True)

    counts = {"public": [0, 0, 0], "provided": [0, 0, 0]}
    excluded = 0
    for test in tests:
        cls, method = split_id(test)
        reason = PRIVATE.get(f"{cls}.{method}") or PRIVATE_CLASSES.get(cls)
        if reason:
            result.number += 1
            print(f"ok {result.number} - {test.id()} # SKIP private: {reason}", flush=True)
            excluded += 1
            continue
        kind = "provided" if cls in PROVIDED_PRIVATE_CLASSES else "public"
        before = (len(result.failures) + len(result.errors), len(result.skipped))
        test(result)
        after = (len(result.failures) + len(result.errors), len(result.skipped))
        if after[0] > before[0]:
            counts[kind][1] += 1
        elif after[1] > before[1]:
            counts[kind][2] += 1
        else:
            counts[kind][0] += 1
    print(f"1..{result.number}")

    version = ".".join(map(str, sys.version_info[:3]))
    public = counts["public"]
    provided = counts["provided"]
    log(f"CPython {version} test_tempfile.py against GTempfile: public API "
        f"{public[0]} passed, {public[1]} failed, {public[2]} skipped by the test itself "
        f"(of {sum(public)}); private names GTempfile provides "
        f"({', '.join(PROVIDED_PRIVATE_CLASSES.values())}): {provided[0]} passed, "
        f"{provided[1]} failed; {excluded} excluded for reading tempfile's other private names")
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
