#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Compiles and runs the code examples of the guide pages, so they cannot rot.

    check-examples.py --builddir BUILD --srcdir SRC --cc CC [--valac VALAC]
                      [--gjs GJS] GUIDE.md...

Every fenced block in a guide whose language is c, python, js or vala is
checked, and reported as one TAP line:

  c       compiled with -Werror against the uninstalled library; linked and
          run when it has a main(), which must exit 0
  python  run with this Python (which has PyGObject) and the overrides
  js      run with gjs -m
  vala    compiled against the generated vapi; run when it has a main()

Each runs in a fresh directory, with the environment pointing at the build
tree. Blocks in other languages (sh, meson) are left alone.
"""

import argparse
import os
import re
import shlex
import subprocess
import sys
import tempfile

FENCE = re.compile(r"^```(\w+)[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
CHECKED = {"c", "python", "js", "vala"}
HAS_MAIN = re.compile(r"^(int|void)?\s*\n?main\s*\(|\bint\s+main\s*\(|\bvoid\s+main\s*\(",
                      re.MULTILINE)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--builddir", required=True)
    parser.add_argument("--srcdir", required=True)
    parser.add_argument("--cc", required=True, help="the C compiler, as a shell word list")
    parser.add_argument("--valac")
    parser.add_argument("--gjs")
    parser.add_argument("guides", nargs="+")
    return parser.parse_args()


class Checker:
    def __init__(self, args):
        args.builddir = os.path.abspath(args.builddir)
        args.srcdir = os.path.abspath(args.srcdir)
        self.args = args
        self.libdir = os.path.join(args.builddir, "libgtempfile")
        self.env = dict(os.environ)
        self.env["GI_TYPELIB_PATH"] = self.libdir
        self.env["LD_LIBRARY_PATH"] = self.libdir
        self.env["PYTHONPATH"] = os.path.join(args.srcdir, "bindings", "python")
        self.env["PYTHONDONTWRITEBYTECODE"] = "1"
        self.glib_flags = subprocess.run(
            ["pkg-config", "--cflags", "--libs", "gio-2.0", "gio-unix-2.0"],
            capture_output=True, text=True, check=True).stdout.split()

    def run(self, command, cwd, what):
        result = subprocess.run(command, cwd=cwd, env=self.env, capture_output=True,
                                text=True, timeout=120, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"{what} failed ({result.returncode}): "
                               f"{' '.join(map(shlex.quote, command))}\n"
                               f"{result.stdout}{result.stderr}")
        return result

    @staticmethod
    def write(work, name, code):
        source = os.path.join(work, name)
        with open(source, "w", encoding="utf-8") as f:
            f.write(code)
        return source

    def check_c(self, code, work):
        source = self.write(work, "example.c", code)
        includes = ["-I" + os.path.join(self.args.srcdir, "libgtempfile"), "-I" + self.libdir]
        cc = shlex.split(self.args.cc)
        warnings = ["-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter"]
        if HAS_MAIN.search(code):
            program = os.path.join(work, "example")
            self.run(cc + warnings + ["-o", program, source] + includes + self.glib_flags +
                     ["-L" + self.libdir, "-lgtempfile-1"], work, "compiling")
            self.run([program], work, "running")
        else:
            # A fragment: its functions are not called.
            self.run(cc + warnings + ["-Wno-unused-function", "-c", "-o", os.devnull, source] +
                     includes +
                     self.glib_flags, work, "compiling")

    def check_python(self, code, work):
        source = self.write(work, "example.py", code)
        self.run([sys.executable, source], work, "running")

    def check_js(self, code, work):
        if not self.args.gjs:
            raise RuntimeError("no gjs given")
        source = self.write(work, "example.js", code)
        self.run([self.args.gjs, "-m", source], work, "running")

    def check_vala(self, code, work):
        if not self.args.valac:
            raise RuntimeError("no valac given")
        source = self.write(work, "example.vala", code)
        common = [self.args.valac, "--vapidir", os.path.join(self.args.builddir, "bindings"),
                  "--pkg", "gtempfile-1", "--pkg", "gio-2.0"]
        if HAS_MAIN.search(code):
            program = os.path.join(work, "example")
            c_flags = ["-I" + os.path.join(self.args.srcdir, "libgtempfile"),
                       "-I" + self.libdir, "-L" + self.libdir, "-lgtempfile-1", "-w"]
            self.run(common + ["-o", program, source] + [word for flag in c_flags for word in ("-X", flag)],
                     work, "compiling")
            self.run([program], work, "running")
        else:
            # Type-checked only: valac writes C and stops.
            self.run(common + ["-C", source], work, "compiling")


def main():
    args = parse_args()
    # The examples create their files in TMPDIR, which must exist.
    if os.environ.get("TMPDIR"):
        os.makedirs(os.environ["TMPDIR"], exist_ok=True)
    checker = Checker(args)
    number = 0
    failed = 0

    for guide in args.guides:
        with open(guide, encoding="utf-8") as f:
            text = f.read()
        for match in FENCE.finditer(text):
            language, code = match.group(1), match.group(2)
            if language not in CHECKED:
                continue
            number += 1
            line = text.count("\n", 0, match.start()) + 1
            name = f"{os.path.basename(guide)}:{line} ({language})"
            with tempfile.TemporaryDirectory(prefix="example-") as work:
                try:
                    getattr(checker, f"check_{language}")(code, work)
                    print(f"ok {number} - {name}")
                except (RuntimeError, subprocess.SubprocessError) as error:
                    failed += 1
                    print(f"not ok {number} - {name}")
                    for text_line in str(error).splitlines():
                        print(f"# {text_line}")
            sys.stdout.flush()

    print(f"1..{number}")
    return 1 if failed or number == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
