# SPDX-License-Identifier: LGPL-2.1-or-later
"""GTempfile from Python: the overrides (keyword constructors, context
managers, file helpers, tempfile's module functions) and the plain GIR API
underneath. Runs under Debian's /usr/bin/python3 with the uninstalled
typelib (meson sets GI_TYPELIB_PATH, LD_LIBRARY_PATH and PYTHONPATH)."""

import ctypes
import errno
import gc
import os
import pathlib
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time
import unittest

import gi

gi.require_version("GTempfile", "1")
from gi.repository import GLib, Gio, GTempfile  # noqa: E402

import taprunner  # noqa: E402

# meson points TMPDIR at a folder of the build tree that belongs to this test.
SCRATCH = taprunner.scratch_root()


def io_error_code(error):
    """The Gio.IOErrorEnum of a GLib.Error, after checking its domain."""
    assert error.domain == GLib.quark_to_string(Gio.io_error_quark()), error.domain
    return Gio.IOErrorEnum(error.code)


class ScratchTestCase(unittest.TestCase):
    """Each test gets an empty directory of its own."""

    def setUp(self):
        self.dir = os.path.join(SCRATCH, self.id().rsplit(".", 1)[-1])
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)

    def tearDown(self):
        # chmod back anything a test locked, then remove.
        for root, dirs, _ in os.walk(self.dir):
            for d in dirs:
                os.chmod(os.path.join(root, d), 0o700, follow_symlinks=False)
        shutil.rmtree(self.dir, ignore_errors=True)

    def entries(self, where=None):
        return sorted(os.listdir(where or self.dir))

    def assertIOError(self, code, func, *args, **kwargs):
        with self.assertRaises(GLib.Error) as caught:
            func(*args, **kwargs)
        self.assertEqual(io_error_code(caught.exception), code, caught.exception.message)
        return caught.exception


class TestModuleFunctions(ScratchTestCase):
    def test_gettempdir_and_prefix(self):
        GTempfile.set_tempdir(None)
        self.assertEqual(GTempfile.gettempdir(), os.path.abspath(SCRATCH))
        self.assertEqual(GTempfile.gettempdirb(), os.fsencode(os.path.abspath(SCRATCH)))
        self.assertEqual(GTempfile.gettempprefix(), "tmp")
        self.assertEqual(GTempfile.gettempprefixb(), b"tmp")
        # The plain GIR functions stay reachable.
        self.assertEqual(GTempfile.get_tempdir(), GTempfile.gettempdir())
        self.assertEqual(GTempfile.get_tempprefix(), "tmp")

    def test_set_tempdir(self):
        try:
            GTempfile.set_tempdir(self.dir)
            self.assertEqual(GTempfile.gettempdir(), self.dir)
            with GTempfile.TempFile() as f:
                self.assertEqual(os.path.dirname(f.name), self.dir)
        finally:
            GTempfile.set_tempdir(None)
        self.assertEqual(GTempfile.gettempdir(), os.path.abspath(SCRATCH))

    def test_mkstemp_like_tempfile(self):
        fd, path = GTempfile.mkstemp(suffix=".txt", prefix="data-", dir=self.dir)
        try:
            self.assertIsInstance(fd, int)
            self.assertIsInstance(path, str)
            name = os.path.basename(path)
            self.assertTrue(name.startswith("data-") and name.endswith(".txt"), name)
            self.assertEqual(len(name), len("data-") + 8 + len(".txt"))
            self.assertEqual(stat.S_IMODE(os.fstat(fd).st_mode), 0o600)
            self.assertFalse(os.get_inheritable(fd))
            os.write(fd, b"x")
            self.assertEqual(pathlib.Path(path).read_bytes(), b"x")
        finally:
            os.close(fd)
        # The caller removes it, as with tempfile.mkstemp.
        self.assertTrue(os.path.exists(path))
        os.unlink(path)

    def test_mkstemp_positional_order_is_suffix_prefix_dir(self):
        fd, path = GTempfile.mkstemp(".end", "start-", self.dir)
        os.close(fd)
        self.assertEqual(os.path.dirname(path), self.dir)
        self.assertTrue(os.path.basename(path).startswith("start-"))
        self.assertTrue(path.endswith(".end"))

    def test_mkdtemp(self):
        path = GTempfile.mkdtemp(prefix="d-", dir=pathlib.Path(self.dir))
        self.assertTrue(os.path.isdir(path))
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o700)
        self.assertEqual(os.path.dirname(path), self.dir)
        os.rmdir(path)

    def test_bytes_arguments_give_bytes_paths(self):
        fd, path = GTempfile.mkstemp(dir=os.fsencode(self.dir))
        os.close(fd)
        self.assertIsInstance(path, bytes)
        path = GTempfile.mkdtemp(suffix=b"-d")
        self.assertIsInstance(path, bytes)
        self.assertTrue(path.endswith(b"-d"))
        os.rmdir(path)
        with self.assertRaises(TypeError):
            GTempfile.mkstemp(suffix=b".x", prefix="p")
        with self.assertRaises(TypeError):
            GTempfile.mkdtemp(prefix="p", dir=os.fsencode(self.dir))

    def test_non_utf8_names(self):
        raw_dir = os.path.join(os.fsencode(self.dir), b"caf\xe9")
        os.mkdir(raw_dir)
        fd, path = GTempfile.mkstemp(prefix=b"\xff-", dir=raw_dir)
        os.close(fd)
        self.assertTrue(os.path.basename(path).startswith(b"\xff-"))
        self.assertEqual(os.listdir(raw_dir), [os.path.basename(path)])

    def test_errors(self):
        # The module functions are tempfile's: OSError with errno and the
        # library's message (tests/python/test_tempfile_face.py has more).
        with self.assertRaises(OSError) as caught:
            GTempfile.mkstemp(prefix="a/b", dir=self.dir)
        self.assertEqual(caught.exception.errno, errno.EINVAL)
        with self.assertRaises(OSError) as caught:
            GTempfile.mkdtemp(suffix="/x", dir=self.dir)
        self.assertEqual(caught.exception.errno, errno.EINVAL)
        with self.assertRaises(FileNotFoundError) as caught:
            GTempfile.mkstemp(dir=os.path.join(self.dir, "missing"))
        self.assertIn("missing", caught.exception.strerror)
        with self.assertRaises(OSError) as caught:
            GTempfile.mkdtemp(prefix="x" * 300, dir=self.dir)
        self.assertEqual(caught.exception.errno, errno.ENAMETOOLONG)
        self.assertEqual(self.entries(), [])

    def test_install_signal_handlers(self):
        # In a child: the handler removes what live objects own and the
        # process still dies of SIGTERM.
        script = textwrap.dedent("""
            import os, signal, sys
            import gi
            gi.require_version("GTempfile", "1")
            from gi.repository import GTempfile
            print(GTempfile.install_signal_handlers(), flush=True)
            f = GTempfile.TempFile(dir=sys.argv[1])
            f.write(b"data")
            d = GTempfile.TempDir(dir=sys.argv[1])
            with open(os.path.join(d.name, "inside"), "w") as inside:
                inside.write("x")
            kept = GTempfile.TempFile(dir=sys.argv[1], prefix="kept-", delete=False)
            print(f.name, d.name, kept.name, flush=True)
            os.kill(os.getpid(), signal.SIGTERM)
            """)
        child = subprocess.run([sys.executable, "-c", script, self.dir],
                               capture_output=True, text=True, check=False)
        self.assertEqual(child.returncode, -signal.SIGTERM, child.stderr)
        installed, names = child.stdout.split("\n", 1)
        self.assertEqual(installed, "True")
        f_name, d_name, kept_name = names.split()
        self.assertFalse(os.path.exists(f_name))
        self.assertFalse(os.path.exists(d_name))
        self.assertEqual(self.entries(), [os.path.basename(kept_name)])

    def test_install_guardian_sigkill(self):
        # The guardian removes what a SIGKILLed interpreter left; capturing
        # the output ends with the interpreter, not with the guardian.
        script = textwrap.dedent("""
            import os, signal, sys
            import gi
            gi.require_version("GTempfile", "1")
            from gi.repository import GTempfile
            print(GTempfile.install_guardian(), GTempfile.install_guardian(), flush=True)
            f = GTempfile.TempFile(dir=sys.argv[1])
            d = GTempfile.TempDir(dir=sys.argv[1])
            with open(os.path.join(d.name, "inside"), "w") as inside:
                inside.write("x")
            kept = GTempfile.TempFile(dir=sys.argv[1], prefix="kept-", delete=False)
            print(f.name, d.name, kept.name, flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
            """)
        child = subprocess.run([sys.executable, "-c", script, self.dir],
                               capture_output=True, text=True, check=False, timeout=60)
        self.assertEqual(child.returncode, -signal.SIGKILL, child.stderr)
        installed, names = child.stdout.split("\n", 1)
        self.assertEqual(installed, "True True")
        f_name, d_name, kept_name = names.split()
        for _ in range(200):
            if not os.path.exists(f_name) and not os.path.exists(d_name):
                break
            time.sleep(0.01)
        self.assertFalse(os.path.exists(f_name))
        self.assertFalse(os.path.exists(d_name))
        self.assertEqual(self.entries(), [os.path.basename(kept_name)])


class TestTempFile(ScratchTestCase):
    def test_keywords(self):
        with GTempfile.TempFile(dir=self.dir, prefix="pre-", suffix=".post") as f:
            self.assertIsInstance(f, Gio.FileIOStream)
            self.assertIsInstance(f, Gio.Seekable)
            name = os.path.basename(f.name)
            self.assertTrue(name.startswith("pre-") and name.endswith(".post"))
            self.assertEqual(f.props.prefix, "pre-")
            self.assertEqual(f.props.suffix, ".post")
            self.assertEqual(f.props.dir, self.dir)
            self.assertTrue(f.get_delete())
            self.assertTrue(f.get_delete_on_close())
            self.assertFalse(f.is_anonymous())
            self.assertEqual(stat.S_IMODE(os.stat(f).st_mode), 0o600)
        with GTempfile.TempFile(dir=self.dir, delete=False, delete_on_close=False) as f:
            self.assertFalse(f.get_delete())
            self.assertFalse(f.get_delete_on_close())
        with GTempfile.TempFile(dir=self.dir, anonymous=True) as f:
            self.assertTrue(f.is_anonymous())
            self.assertIsNone(f.name)
            self.assertIsNone(f.get_path())

    def test_dir_as_pathlike_and_bytes(self):
        with GTempfile.TempFile(dir=pathlib.Path(self.dir)) as f:
            self.assertEqual(os.path.dirname(f.name), self.dir)
        with GTempfile.TempFile(dir=os.fsencode(self.dir), prefix=b"\xfe") as f:
            self.assertEqual(os.fsencode(os.path.basename(f.name))[:1], b"\xfe")
            self.assertEqual(os.listdir(os.fsencode(self.dir)),
                             [os.fsencode(os.path.basename(f.name))])

    def test_constructor_errors(self):
        self.assertIOError(Gio.IOErrorEnum.INVALID_ARGUMENT,
                           GTempfile.TempFile, dir=self.dir, prefix="a/b")
        self.assertIOError(Gio.IOErrorEnum.INVALID_ARGUMENT,
                           GTempfile.TempFile, dir=self.dir, suffix="/", anonymous=True)
        self.assertIOError(Gio.IOErrorEnum.NOT_FOUND,
                           GTempfile.TempFile, dir=os.path.join(self.dir, "nope"))
        regular = os.path.join(self.dir, "regular")
        pathlib.Path(regular).touch()
        self.assertIOError(Gio.IOErrorEnum.NOT_DIRECTORY, GTempfile.TempFile, dir=regular)
        os.unlink(regular)
        self.assertEqual(self.entries(), [])

    def test_with_removes(self):
        with GTempfile.TempFile(dir=self.dir) as f:
            f.write(b"data")
            path = f.name
            self.assertTrue(os.path.exists(path))
        self.assertFalse(os.path.exists(path))
        self.assertTrue(f.closed)

    def test_with_delete_on_close_false_removes_at_exit(self):
        with GTempfile.TempFile(dir=self.dir, delete_on_close=False) as f:
            f.write(b"data")
            f.close()
            # Kept after close, reopenable by name, as in Python 3.12.
            self.assertEqual(pathlib.Path(f.name).read_bytes(), b"data")
        self.assertEqual(self.entries(), [])

    def test_with_delete_false_keeps(self):
        with GTempfile.TempFile(dir=self.dir, delete=False) as f:
            f.write(b"kept")
        self.assertTrue(f.closed)
        self.assertEqual(pathlib.Path(f.name).read_bytes(), b"kept")

    def test_deletion_table_close_and_del(self):
        cases = [
            # delete, delete_on_close: left after close, left after del
            (True, True, False, False),
            (True, False, True, False),
            (False, True, True, True),
            (False, False, True, True),
        ]
        for delete, on_close, after_close, after_del in cases:
            with self.subTest(delete=delete, delete_on_close=on_close):
                f = GTempfile.TempFile(dir=self.dir, delete=delete, delete_on_close=on_close)
                path = f.name
                f.write(b"x")
                f.close()
                self.assertEqual(os.path.exists(path), after_close)
                del f
                gc.collect()
                self.assertEqual(os.path.exists(path), after_del)
                if os.path.exists(path):
                    os.unlink(path)

    def test_del_while_open_removes(self):
        f = GTempfile.TempFile(dir=self.dir)
        path = f.name
        del f
        gc.collect()
        self.assertFalse(os.path.exists(path))

    def test_cleanup(self):
        f = GTempfile.TempFile(dir=self.dir, delete=False)
        path = f.name
        self.assertTrue(f.cleanup())
        self.assertTrue(f.closed)
        self.assertFalse(os.path.exists(path))
        # Idempotent.
        self.assertTrue(f.cleanup(None))

    def test_file_removed_by_user_is_not_an_error(self):
        with GTempfile.TempFile(dir=self.dir) as f:
            os.unlink(f.name)
        self.assertTrue(f.closed)

    def test_persist(self):
        target = os.path.join(self.dir, "final.txt")
        with GTempfile.TempFile(dir=self.dir) as f:
            f.write(b"saved")
            f.persist(target, GTempfile.TempPersistFlags.SYNC)
            self.assertEqual(f.name, target)
            self.assertFalse(f.get_delete())
            self.assertEqual(f.get_file().get_path(), target)
            f.write(b" more")
        self.assertEqual(self.entries(), ["final.txt"])
        self.assertEqual(pathlib.Path(target).read_bytes(), b"saved more")

    def test_persist_no_replace(self):
        target = os.path.join(self.dir, "taken")
        pathlib.Path(target).write_bytes(b"original")
        with GTempfile.TempFile(dir=self.dir) as f:
            path = f.name
            self.assertIOError(Gio.IOErrorEnum.EXISTS, f.persist, target,
                               GTempfile.TempPersistFlags.NO_REPLACE)
            # Nothing changed.
            self.assertEqual(f.name, path)
            self.assertTrue(f.get_delete())
            f.persist(target, GTempfile.TempPersistFlags.NONE)
        self.assertEqual(pathlib.Path(target).read_bytes(), b"")

    def test_persist_anonymous(self):
        target = os.path.join(self.dir, "linked")
        with GTempfile.TempFile(dir=self.dir, anonymous=True) as f:
            f.write(b"was anonymous")
            try:
                f.persist(target, GTempfile.TempPersistFlags.NONE)
            except GLib.Error as error:
                if io_error_code(error) == Gio.IOErrorEnum.NOT_SUPPORTED:
                    self.skipTest("this file system cannot link an anonymous file")
                raise
            self.assertFalse(f.is_anonymous())
            self.assertEqual(os.fspath(f), target)
        self.assertEqual(pathlib.Path(target).read_bytes(), b"was anonymous")

    def test_fspath(self):
        with GTempfile.TempFile(dir=self.dir) as f:
            self.assertEqual(os.fspath(f), f.name)
            self.assertEqual(os.path.basename(f), os.path.basename(f.name))
            with open(f, "rb") as same:
                f.write(b"via fspath")
                self.assertEqual(same.read(), b"via fspath")
        with GTempfile.TempFile(dir=self.dir, anonymous=True) as f:
            with self.assertRaises(TypeError):
                os.fspath(f)

    def test_helpers(self):
        with GTempfile.TempFile(dir=self.dir) as f:
            self.assertTrue(f.readable() and f.writable() and f.seekable())
            self.assertEqual(f.write(b"one\ntwo\n"), 8)
            self.assertEqual(f.write(bytearray(b"three")), 5)
            self.assertEqual(f.write(memoryview(b"")), 0)
            self.assertEqual(f.tell(), 13)
            self.assertEqual(f.seek(0), 0)
            self.assertEqual(f.read(2), b"on")
            self.assertEqual(f.readline(), b"e\n")
            self.assertEqual(f.readline(2), b"tw")
            self.assertEqual(f.tell(), 8 - 2)
            self.assertEqual(f.read(), b"o\nthree")
            self.assertEqual(f.read(), b"")
            self.assertEqual(f.seek(-5, os.SEEK_END), 8)
            self.assertEqual(f.seek(1, os.SEEK_CUR), 9)
            self.assertEqual(f.read(100), b"hree")
            f.seek(0)
            self.assertEqual(list(f), [b"one\n", b"two\n", b"three"])
            f.seek(0)
            self.assertEqual(f.readlines(), [b"one\n", b"two\n", b"three"])
            # truncate: at the position when None, the position does not move.
            f.seek(4)
            self.assertEqual(f.truncate(), 4)
            self.assertEqual(f.tell(), 4)
            self.assertEqual(os.path.getsize(f.name), 4)
            self.assertEqual(f.truncate(10), 10)
            f.seek(0)
            self.assertEqual(f.read(), b"one\n" + bytes(6))
            f.writelines([b"a", b"b"])
            f.flush()
            self.assertEqual(os.fstat(f.fileno()).st_size, 12)
            self.assertEqual(f.fileno(), f.get_fd())
            with self.assertRaises(ValueError):
                f.seek(0, 7)

    def test_helpers_see_gio_streams(self):
        with GTempfile.TempFile(dir=self.dir) as f:
            out = f.get_output_stream()
            ok, written = out.write_all(b"through gio", None)
            self.assertTrue(ok)
            self.assertEqual(written, 11)
            # One position for both halves and the helpers.
            self.assertEqual(f.tell(), 11)
            self.assertTrue(Gio.Seekable.seek(f, 0, GLib.SeekType.SET, None))
            self.assertEqual(Gio.Seekable.tell(f), 0)
            self.assertEqual(f.read(7), b"through")
            self.assertEqual(f.get_input_stream().read_bytes(100, None).get_data(), b" gio")
            self.assertTrue(Gio.Seekable.can_truncate(f))
            info = out.query_info("standard::size", None)
            self.assertEqual(info.get_size(), 11)

    def test_closed(self):
        f = GTempfile.TempFile(dir=self.dir, delete_on_close=False)
        inp, out = f.get_input_stream(), f.get_output_stream()
        f.close()
        self.assertTrue(f.closed)
        for call in (f.read, f.readline, f.tell, f.flush, f.fileno, f.readable,
                     lambda: f.write(b"x"), lambda: f.seek(0), f.truncate, lambda: iter(f)):
            with self.assertRaises(ValueError):
                call()
        with self.assertRaises(ValueError):
            with f:
                pass
        # The GIO streams say CLOSED as GLib.Error, not ValueError.
        self.assertIOError(Gio.IOErrorEnum.CLOSED, out.write_all, b"x", None)
        self.assertIOError(Gio.IOErrorEnum.CLOSED, inp.read_bytes, 1, None)
        f.cleanup()

    def test_async_create(self):
        loop = GLib.MainLoop()
        results = []

        def done(source, result):
            try:
                results.append(GTempfile.TempFile.create_finish(result))
            except GLib.Error as error:
                results.append(error)
            loop.quit()

        GTempfile.TempFile.create_async(self.dir, "async-", None,
                                        GTempfile.TempFileFlags.NONE,
                                        GLib.PRIORITY_DEFAULT, None, done)
        loop.run()
        f = results[0]
        self.assertIsInstance(f, GTempfile.TempFile)
        self.assertTrue(os.path.basename(f.name).startswith("async-"))
        # The override's methods work on an object made by the plain API.
        self.assertEqual(f.write(b"abc"), 3)
        path = f.name
        f.cleanup()
        self.assertFalse(os.path.exists(path))

        GTempfile.TempFile.create_async(os.path.join(self.dir, "missing"), None, None,
                                        GTempfile.TempFileFlags.NONE,
                                        GLib.PRIORITY_DEFAULT, None, done)
        loop.run()
        self.assertIsInstance(results[1], GLib.Error)
        self.assertEqual(io_error_code(results[1]), Gio.IOErrorEnum.NOT_FOUND)

    def test_fork_child_leaves_parent_files(self):
        f = GTempfile.TempFile(dir=self.dir)
        d = GTempfile.TempDir(dir=self.dir)
        pid = os.fork()
        if pid == 0:
            # The child closes and drops what it inherited, then exits
            # through C exit(), which runs the library's atexit pass (and
            # stays out of unittest, which would catch SystemExit).
            code = 0
            try:
                f.close()
                del f
                gc.collect()
            except BaseException:
                code = 1
            ctypes.CDLL(None).exit(code)
        _, status = os.waitpid(pid, 0)
        self.assertEqual(os.waitstatus_to_exitcode(status), 0)
        self.assertTrue(os.path.exists(f.name))
        self.assertTrue(os.path.isdir(d.name))
        f.cleanup()
        d.cleanup()
        self.assertEqual(self.entries(), [])


class TestTempDir(ScratchTestCase):
    def test_keywords(self):
        d = GTempfile.TempDir(dir=self.dir, prefix="p-", suffix="-s")
        name = os.path.basename(d.name)
        self.assertTrue(name.startswith("p-") and name.endswith("-s"))
        self.assertEqual(stat.S_IMODE(os.stat(d).st_mode), 0o700)
        self.assertTrue(d.get_delete())
        self.assertFalse(d.get_ignore_cleanup_errors())
        d.cleanup()
        d = GTempfile.TempDir(dir=self.dir, delete=False, ignore_cleanup_errors=True)
        self.assertFalse(d.get_delete())
        self.assertTrue(d.get_ignore_cleanup_errors())
        self.assertTrue(d.props.ignore_cleanup_errors)
        d.cleanup()

    def test_with_gives_path_and_removes(self):
        with GTempfile.TempDir(dir=self.dir) as path:
            self.assertIsInstance(path, str)
            self.assertTrue(os.path.isdir(path))
            os.makedirs(os.path.join(path, "a", "b"))
            pathlib.Path(path, "a", "b", "f").write_text("x")
        self.assertEqual(self.entries(), [])
        with GTempfile.TempDir(dir=os.fsencode(self.dir)) as path:
            self.assertIsInstance(path, bytes)

    def test_with_delete_false_keeps(self):
        with GTempfile.TempDir(dir=self.dir, delete=False) as path:
            pass
        self.assertTrue(os.path.isdir(path))

    def test_del_removes(self):
        d = GTempfile.TempDir(dir=self.dir)
        path = d.name
        pathlib.Path(path, "f").write_text("x")
        del d
        gc.collect()
        self.assertFalse(os.path.exists(path))

    def test_cleanup_tree_with_symlink_out(self):
        outside = os.path.join(self.dir, "outside")
        os.mkdir(outside)
        precious = pathlib.Path(outside, "precious")
        precious.write_text("keep me")
        d = GTempfile.TempDir(dir=self.dir)
        os.makedirs(os.path.join(d.name, "sub", "deeper"))
        os.symlink(outside, os.path.join(d.name, "sub", "link-to-dir"))
        os.symlink(str(precious), os.path.join(d.name, "link-to-file"))
        pathlib.Path(d.name, "sub", "deeper", "f").write_text("x")
        self.assertTrue(d.cleanup())
        self.assertFalse(os.path.lexists(d.name))
        self.assertEqual(precious.read_text(), "keep me")
        self.assertEqual(self.entries(), ["outside"])
        self.assertTrue(d.cleanup())
        with self.assertRaises(ValueError):
            with d:
                pass

    def test_cleanup_errors(self):
        d = GTempfile.TempDir(dir=self.dir)
        path = d.name
        os.rename(path, path + ".moved")
        os.symlink(path + ".moved", path)
        # Something else at the path: not touched, and said so.
        with self.assertRaises(GLib.Error) as caught:
            d.cleanup()
        self.assertIn(os.path.basename(path), caught.exception.message)
        self.assertTrue(os.path.islink(path))
        self.assertTrue(os.path.isdir(path + ".moved"))
        os.unlink(path)
        shutil.rmtree(path + ".moved")
        # Nothing at the path any more is success.
        self.assertTrue(d.cleanup())

    def test_persist(self):
        target = os.path.join(self.dir, "results")
        d = GTempfile.TempDir(dir=self.dir)
        pathlib.Path(d.name, "out").write_text("result")
        d.persist(target, GTempfile.TempPersistFlags.NONE)
        self.assertEqual(d.name, target)
        self.assertFalse(d.get_delete())
        self.assertTrue(d.cleanup())
        self.assertEqual(pathlib.Path(target, "out").read_text(), "result")
        other = GTempfile.TempDir(dir=self.dir)
        self.assertIOError(Gio.IOErrorEnum.EXISTS, other.persist, target,
                           GTempfile.TempPersistFlags.NO_REPLACE)
        self.assertTrue(os.path.isdir(other.name))

    def test_async_create_and_cleanup(self):
        loop = GLib.MainLoop()
        got = {}

        def created(source, result):
            got["dir"] = GTempfile.TempDir.create_finish(result)
            d = got["dir"]
            pathlib.Path(d.name, "file").write_text("x")
            d.cleanup_async(GLib.PRIORITY_DEFAULT, None, cleaned)

        def cleaned(d, result):
            got["cleaned"] = d.cleanup_finish(result)
            loop.quit()

        GTempfile.TempDir.create_async(self.dir, None, None, GTempfile.TempDirFlags.NONE,
                                       GLib.PRIORITY_DEFAULT, None, created)
        loop.run()
        self.assertTrue(got["cleaned"])
        self.assertFalse(os.path.exists(got["dir"].name))
        with self.assertRaises(ValueError):
            with got["dir"]:
                pass

    def test_constructor_errors(self):
        self.assertIOError(Gio.IOErrorEnum.INVALID_ARGUMENT,
                           GTempfile.TempDir, dir=self.dir, prefix="../x")
        self.assertIOError(Gio.IOErrorEnum.NOT_FOUND,
                           GTempfile.TempDir, dir=os.path.join(self.dir, "nope"))
        if os.geteuid() != 0:
            locked = os.path.join(self.dir, "locked")
            os.mkdir(locked, 0o500)
            self.assertIOError(Gio.IOErrorEnum.PERMISSION_DENIED, GTempfile.TempDir, dir=locked)
        with self.assertRaises(TypeError):
            GTempfile.TempDir(dir=self.dir, prefix=b"x")


class TestSpooledStream(ScratchTestCase):
    def test_keywords(self):
        s = GTempfile.SpooledStream(max_size=10, dir=self.dir, prefix="sp-", suffix=".dat")
        self.assertIsInstance(s, Gio.IOStream)
        self.assertEqual(s.get_max_size(), 10)
        self.assertEqual(s.props.max_size, 10)
        self.assertEqual(s.props.prefix, "sp-")
        s.close()
        self.assertEqual(GTempfile.SpooledStream().get_max_size(), 0)
        self.assertEqual(GTempfile.SpooledStream(5).get_max_size(), 5)
        with self.assertRaises((ValueError, OverflowError)):
            GTempfile.SpooledStream(-1)

    def test_rollover_rules(self):
        with GTempfile.SpooledStream(max_size=10, dir=self.dir) as s:
            notified = []
            s.connect("notify::rolled-over", lambda obj, pspec: notified.append(obj.props.rolled_over))
            s.write(b"0123456789")
            self.assertFalse(s.is_rolled_over())  # position == max_size: still memory
            s.seek(100)
            self.assertFalse(s.is_rolled_over())  # seeking alone never rolls over
            s.seek(0)
            s.write(b"X")
            self.assertFalse(s.is_rolled_over())
            s.seek(10)
            s.write(b"!")
            self.assertTrue(s.is_rolled_over())
            self.assertEqual(notified, [True])
            self.assertEqual(s.tell(), 11)
            s.seek(0)
            self.assertEqual(s.read(), b"X123456789!")
            # Anonymous: nothing in the directory.
            self.assertEqual(self.entries(), [])

    def test_gap_and_truncate(self):
        with GTempfile.SpooledStream(max_size=10, dir=self.dir) as s:
            s.seek(3)
            s.write(b"a")
            s.seek(0)
            self.assertEqual(s.read(), b"\0\0\0a")
            self.assertEqual(s.truncate(8), 8)
            self.assertFalse(s.is_rolled_over())
            s.seek(0)
            self.assertEqual(s.read(), b"\0\0\0a" + bytes(4))
            self.assertEqual(s.truncate(11), 11)
            self.assertTrue(s.is_rolled_over())
            self.assertEqual(s.tell(), 8)

    def test_unlimited(self):
        with GTempfile.SpooledStream(dir=self.dir) as s:
            s.write(bytes(1 << 20))
            s.truncate(2 << 20)
            self.assertFalse(s.is_rolled_over())

    def test_fileno_and_rollover(self):
        with GTempfile.SpooledStream(max_size=100, dir=self.dir) as s:
            s.write(b"abc")
            fd = s.fileno()
            self.assertTrue(s.is_rolled_over())
            self.assertEqual(os.pread(fd, 10, 0), b"abc")
            self.assertTrue(s.rollover(None))  # idempotent
        with GTempfile.SpooledStream(max_size=100, dir=self.dir) as s:
            self.assertTrue(s.rollover())
            self.assertTrue(s.props.rolled_over)

    def test_failed_rollover_loses_nothing(self):
        with GTempfile.SpooledStream(max_size=4, dir=os.path.join(self.dir, "gone")) as s:
            s.write(b"kept")
            self.assertIOError(Gio.IOErrorEnum.NOT_FOUND, s.write, b"more")
            self.assertFalse(s.is_rolled_over())
            self.assertEqual(s.tell(), 4)
            s.seek(0)
            self.assertEqual(s.read(), b"kept")
        with GTempfile.SpooledStream(max_size=1, dir=self.dir, prefix="a/b") as s:
            self.assertIOError(Gio.IOErrorEnum.INVALID_ARGUMENT, s.fileno)
            s.write(b"x")  # fits: stays in memory

    def test_helpers_and_gio_streams(self):
        with GTempfile.SpooledStream(max_size=64, dir=self.dir) as s:
            s.writelines([b"alpha\n", b"beta\n", b"gamma"])
            self.assertEqual(s.seek(0), 0)
            self.assertEqual(list(s), [b"alpha\n", b"beta\n", b"gamma"])
            ok, _ = s.get_output_stream().write_all(b"\nvia gio", None)
            self.assertTrue(ok)
            self.assertTrue(Gio.Seekable.seek(s, 0, GLib.SeekType.SET, None))
            self.assertEqual(s.get_input_stream().read_bytes(5, None).get_data(), b"alpha")
            self.assertEqual(s.readline(), b"\n")
            s.seek(-7, os.SEEK_END)
            self.assertEqual(s.read(), b"via gio")
            # Across the rollover the helpers see the same content.
            s.write(b"x" * 100)
            self.assertTrue(s.is_rolled_over())
            s.seek(0)
            self.assertEqual(s.readline(), b"alpha\n")
            s.flush()

    def test_closed(self):
        s = GTempfile.SpooledStream(max_size=8)
        out = s.get_output_stream()
        s.close()
        self.assertTrue(s.closed)
        for call in (s.read, s.tell, s.fileno, lambda: s.write(b"x"), lambda: s.seek(0)):
            with self.assertRaises(ValueError):
                call()
        with self.assertRaises(ValueError):
            with s:
                pass
        self.assertIOError(Gio.IOErrorEnum.CLOSED, out.write_all, b"x", None)


if __name__ == "__main__":
    taprunner.empty_dir(SCRATCH)
    taprunner.main()
