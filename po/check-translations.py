#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Checks the translations; prints TAP.

    check-translations.py SOURCE-ROOT

- POTFILES names every .c file of libgtempfile/ and tools/ that has
  translatable strings (_() or N_()), and nothing that does not exist;
- for each language in LINGUAS: msgfmt --check passes, and the catalogue
  translates every message of a template made from the sources now, with
  nothing fuzzy or untranslated.
"""

import os
import re
import subprocess
import sys
import tempfile

TRANSLATABLE = re.compile(r"\bN?_\s*\(\s*\"")


def lines_of(path):
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip() and not line.startswith("#")]


def main():
    root = os.path.abspath(sys.argv[1])
    po = os.path.join(root, "po")
    results = []

    listed = lines_of(os.path.join(po, "POTFILES"))
    wanted = []
    for folder in ("libgtempfile", "tools"):
        for name in sorted(os.listdir(os.path.join(root, folder))):
            if name.endswith(".c"):
                with open(os.path.join(root, folder, name), encoding="utf-8") as f:
                    if TRANSLATABLE.search(f.read()):
                        wanted.append(f"{folder}/{name}")
    unlisted = sorted(set(wanted) - set(listed))
    gone = [p for p in listed if not os.path.exists(os.path.join(root, p))]
    results.append(("POTFILES lists every source with translatable strings",
                     not unlisted and not gone,
                     f"not listed: {unlisted}; listed but missing: {gone}"))

    with tempfile.TemporaryDirectory() as work:
        template = os.path.join(work, "gtempfile-1.pot")
        xgettext = subprocess.run(
            ["xgettext", "--from-code=UTF-8", "--language=C", "--keyword=_", "--keyword=N_",
             "--add-comments=Translators", "-o", template, *listed],
            cwd=root, capture_output=True, text=True, check=False)
        results.append(("xgettext makes a template without warnings",
                        xgettext.returncode == 0 and not xgettext.stderr.strip(),
                        xgettext.stderr))

        for language in lines_of(os.path.join(po, "LINGUAS")):
            catalogue = os.path.join(po, f"{language}.po")
            check = subprocess.run(
                ["msgfmt", "--check", "--statistics", "-o", os.devnull, catalogue],
                capture_output=True, text=True, check=False)
            statistics = check.stderr.strip()
            results.append((f"{language}.po: msgfmt --check",
                            check.returncode == 0, statistics))
            results.append((f"{language}.po: complete, nothing fuzzy or untranslated",
                            check.returncode == 0 and "fuzzy" not in statistics
                            and "untranslated" not in statistics, statistics))
            compare = subprocess.run(["msgcmp", catalogue, template],
                                     capture_output=True, text=True, check=False)
            results.append((f"{language}.po: has every message of the sources",
                            compare.returncode == 0, compare.stderr))

    failed = 0
    for number, (name, passed, detail) in enumerate(results, 1):
        print(f"{'ok' if passed else 'not ok'} {number} - {name}")
        if not passed:
            failed += 1
            for line in str(detail).splitlines():
                print(f"# {line}")
    print(f"1..{len(results)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
