#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Prints the site-packages directory under PREFIX that this Python reads.

    python-site-dir.py PREFIX MESON_DIR

MESON_DIR is what meson's python module gives (py.get_install_dir()). It is
printed when this interpreter reads it. Debian's Python does not read the
one meson gives for a prefix other than /usr: meson uses Debian's
deb_system scheme (PREFIX/lib/python3/dist-packages), while Debian's
Python reads /usr/local/lib/python3.X/dist-packages and
/usr/lib/python3/dist-packages. Then the first directory of
site.getsitepackages() under PREFIX is printed instead. When none is under
PREFIX, MESON_DIR is printed, with a note on stderr: that Python will only
find what is installed there through PYTHONPATH.
"""

import os
import site
import sys


def main():
    prefix, meson_dir = (os.path.normpath(arg) for arg in sys.argv[1:3])
    read = [os.path.normpath(path) for path in site.getsitepackages()]
    if meson_dir in read:
        print(meson_dir)
        return
    for path in read:
        if path.startswith(prefix.rstrip(os.sep) + os.sep):
            print(path)
            return
    print(f"{sys.executable} reads none of its site directories under {prefix}; "
          f"add {meson_dir} to PYTHONPATH to use what is installed there",
          file=sys.stderr)
    print(meson_dir)


if __name__ == "__main__":
    main()
