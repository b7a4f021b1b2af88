#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fails when libgtempfile imports a C library function that the fault
shim does not interpose, so that a call added while the library is
reorganised cannot escape the fault-injection suite unseen.

    check-imports.py NM LIBRARY SHIM

Functions that touch no file system (memory, strings, threads, signal
masks, the process id, limits, sleeping, translation, the sanitizers'
runtime) are allowed without interposing, and so are those that cannot
fail: munmap on what the library maps, rewinddir, sync and arc4random_buf
return nothing. A raw syscall() would bypass the shim: it is reported too.
"""

import re
import subprocess
import sys

NOT_IO = re.compile(
    r"^(memcpy|memmove|memset|memcmp|memchr|memrchr|mempcpy|memmem)$"
    r"|^(str|__str|wcs)\w*$"
    r"|^pthread_\w+$|^sig\w+$|^raise$|^abort$|^__assert_fail$"
    r"|^__cxa_\w+$|^_ITM_\w+$|^__gmon_start__$|^__errno_location$|^__tls_get_addr$"
    r"|^__register_atfork$|^__stack_chk_fail$"
    r"|^getpid$|^getuid$|^geteuid$|^getgid$|^getegid$|^nanosleep$|^clock_gettime$|^time$"
    r"|^munmap$|^rewinddir$|^sync$|^arc4random(_buf|_uniform)?$"
    r"|^getrlimit(64)?$|^getenv$|^secure_getenv$|^_?_?environ$|^dladdr$"
    r"|^kill$|^waitpid$|^poll$|^sched_yield$|^posix_spawn(attr|_file_actions)_\w+$"
    r"|^(malloc|calloc|realloc|free|qsort)$"
    r"|^(bindtextdomain|bind_textdomain_codeset|textdomain|dgettext|dcgettext|gettext)$"
    r"|^__(asan|ubsan|lsan|sanitizer|sancov)_\w+$|^__sanitizer_\w+$"
    r"|^__\w+_chk$|^(v?s?n?printf)$"
)


def symbols(nm, path, defined):
    flag = "--defined-only" if defined else "--undefined-only"
    out = subprocess.run([nm, "-D", flag, path], capture_output=True, text=True, check=True)
    names = set()
    for line in out.stdout.splitlines():
        parts = line.split()
        if not parts:
            continue
        names.add(parts[-1].split("@")[0])
    return names


def main():
    nm, library, shim = sys.argv[1:4]
    imports = {name for name in symbols(nm, library, False)
               if not name.startswith(("g_", "_g_"))}
    interposed = symbols(nm, shim, True)

    escaping = sorted(name for name in imports
                      if name not in interposed and not NOT_IO.match(name))
    print(f"libgtempfile imports {len(imports)} C library symbols; "
          f"the shim interposes {len(imports & interposed)} of them")
    if escaping:
        print("not interposed by tests/fault/fault-shim.c (add them there and to the "
              "errno table of fault-driver.c): " + ", ".join(escaping))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
