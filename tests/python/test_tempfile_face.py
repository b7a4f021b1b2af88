# SPDX-License-Identifier: LGPL-2.1-or-later
"""The tempfile face of the overrides: `from gi.repository import GTempfile
as tempfile` as a drop-in replacement for Python's tempfile (CPython's own
test_tempfile.py runs in cpython_test_tempfile.py; these tests cover what
it does not: the io layering over the library's objects, errors, the
tempdir attribute, bytes, warnings, interpreter shutdown and the number of
calls into C)."""

import errno
import gc
import inspect
import io
import os
import pathlib
import shutil
import stat
import subprocess
import sys
import tempfile as std_tempfile
import textwrap
import unittest
import warnings
from unittest import mock

import gi

gi.require_version("GTempfile", "1")
from gi.repository import GLib, Gio, GTempfile  # noqa: E402
from gi.repository import GTempfile as tempfile  # noqa: E402

import taprunner  # noqa: E402
from gicalls import GICallCounter, overrides_module  # noqa: E402

SCRATCH = taprunner.scratch_root()


def io_error(code, message="the library's message"):
    return GLib.Error.new_literal(Gio.io_error_quark(), message, int(code))


class ScratchTestCase(unittest.TestCase):
    def setUp(self):
        self.dir = os.path.join(SCRATCH, self.id().rsplit(".", 1)[-1])
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.addCleanup(shutil.rmtree, self.dir, True)
        # Each test starts from the default directory.
        tempfile.tempdir = None

    def entries(self):
        return sorted(os.listdir(self.dir))

    def run_python(self, code, *options):
        """Runs code in a child Python with this test's environment; its
        sys.argv[1] is this test's directory."""
        return subprocess.run([sys.executable, "-X", "faulthandler", *options, "-c",
                               textwrap.dedent(code), self.dir],
                              capture_output=True, text=True, check=False)


class TestModule(ScratchTestCase):
    # 3.12 parameters that this module has on every Python.
    EXTRAS = {"NamedTemporaryFile": {"delete_on_close"}, "TemporaryDirectory": {"delete"}}

    def test_signatures_are_the_running_pythons(self):
        for name in std_tempfile.__all__:
            theirs = getattr(std_tempfile, name)
            if not callable(theirs):
                continue
            with self.subTest(name=name):
                ours = inspect.signature(getattr(tempfile, name))
                params = [p for p in ours.parameters.values()
                          if p.name not in self.EXTRAS.get(name, set()) or
                          p.name in inspect.signature(theirs).parameters]
                if name in ("mktemp",):
                    # Both bind tempfile.template ("tmp") as the default prefix.
                    self.assertEqual(str(ours), str(inspect.signature(theirs)))
                    continue
                self.assertEqual(ours.replace(parameters=params), inspect.signature(theirs))

    def test_extras_are_keyword_only_with_312_defaults(self):
        params = inspect.signature(tempfile.NamedTemporaryFile).parameters
        self.assertIs(params["delete_on_close"].kind, inspect.Parameter.KEYWORD_ONLY)
        self.assertIs(params["delete_on_close"].default, True)
        params = inspect.signature(tempfile.TemporaryDirectory).parameters
        self.assertIs(params["delete"].kind, inspect.Parameter.KEYWORD_ONLY)
        self.assertIs(params["delete"].default, True)

    def test_namespace(self):
        public = {name for name in vars(tempfile) if not name.startswith("_")}
        self.assertEqual(public, set(std_tempfile.__all__) | {"template"})
        # The GIO face and the plain GIR API are still there.
        self.assertTrue(issubclass(tempfile.TempFile, Gio.FileIOStream))
        self.assertTrue(issubclass(tempfile.TempDir, GTempfile.TempDir))
        self.assertTrue(issubclass(tempfile.SpooledStream, Gio.IOStream))
        self.assertIn("TempFile", dir(tempfile))
        self.assertTrue(callable(tempfile.get_tempdir))
        self.assertIsInstance(tempfile.TempFileFlags.NONE, GTempfile.TempFileFlags)
        self.assertEqual(tempfile.TMP_MAX, 10000)
        self.assertEqual(tempfile.template, "tmp")

    def test_prefix(self):
        self.assertEqual(tempfile.gettempprefix(), "tmp")
        self.assertEqual(tempfile.gettempprefixb(), b"tmp")
        with mock.patch.object(tempfile, "template", "mine-"):
            self.assertEqual(tempfile.gettempprefix(), "mine-")
            fd, path = tempfile.mkstemp(dir=self.dir)
            os.close(fd)
            self.assertTrue(os.path.basename(path).startswith("mine-"))
        self.assertEqual(tempfile.template, "tmp")

    def test_gettempdir(self):
        self.assertIsNone(tempfile.tempdir)
        first = tempfile.gettempdir()
        self.assertEqual(first, os.path.abspath(SCRATCH))
        self.assertIs(tempfile.gettempdir(), first)
        self.assertEqual(tempfile.tempdir, first)
        self.assertEqual(tempfile.gettempdirb(), os.fsencode(first))

    def test_assigning_tempdir_sets_the_librarys_default(self):
        tempfile.tempdir = self.dir
        self.assertEqual(GTempfile.get_tempdir(), self.dir)
        self.assertEqual(tempfile.gettempdir(), self.dir)
        # Every face follows it.
        with tempfile.NamedTemporaryFile() as f, GTempfile.TempFile() as g:
            self.assertEqual(os.path.dirname(f.name), self.dir)
            self.assertEqual(os.path.dirname(g.name), self.dir)
        tempfile.tempdir = None
        self.assertEqual(GTempfile.get_tempdir(), os.path.abspath(SCRATCH))

    def test_relative_tempdir_follows_the_working_directory(self):
        # tempfile joins a relative tempdir to the working directory of
        # each call.
        for sub in ("a", "b"):
            os.makedirs(os.path.join(self.dir, sub, "rel"))
        cwd = os.getcwd()
        self.addCleanup(os.chdir, cwd)
        os.chdir(os.path.join(self.dir, "a"))
        tempfile.tempdir = "rel"
        os.chdir(os.path.join(self.dir, "b"))
        self.assertEqual(tempfile.gettempdir(), "rel")
        fd, path = tempfile.mkstemp()
        os.close(fd)
        self.assertEqual(os.path.dirname(path), os.path.join(self.dir, "b", "rel"))
        with tempfile.NamedTemporaryFile() as f:
            self.assertEqual(os.path.dirname(f.name), os.path.join(self.dir, "b", "rel"))
        tempfile.tempdir = None

    def test_tempdir_with_swap_and_mock(self):
        with mock.patch.object(tempfile, "tempdir", self.dir):
            self.assertEqual(GTempfile.get_tempdir(), self.dir)
            self.assertEqual(os.path.dirname(tempfile.mkdtemp()), self.dir)
        self.assertIsNone(tempfile.tempdir)
        self.assertEqual(GTempfile.get_tempdir(), os.path.abspath(SCRATCH))
        tempfile.tempdir = self.dir
        del tempfile.tempdir
        self.assertEqual(GTempfile.get_tempdir(), os.path.abspath(SCRATCH))
        tempfile.tempdir = None

    def test_set_tempdir_of_the_gio_face_is_tempdir(self):
        GTempfile.set_tempdir(self.dir)
        self.assertEqual(tempfile.tempdir, self.dir)
        self.assertEqual(tempfile.gettempdir(), self.dir)
        GTempfile.set_tempdir(pathlib.Path(self.dir))
        self.assertEqual(tempfile.tempdir, self.dir)
        self.assertIsInstance(tempfile.mkdtemp(), str)
        GTempfile.set_tempdir(None)
        self.assertIsNone(tempfile.tempdir)

    def test_bytes_tempdir_gives_bytes_paths(self):
        tempfile.tempdir = os.fsencode(self.dir)
        try:
            fd, path = tempfile.mkstemp()
            os.close(fd)
            self.assertEqual(path, os.path.join(os.fsencode(self.dir), os.path.basename(path)))
            self.assertIsInstance(tempfile.mkdtemp(), bytes)
            with tempfile.NamedTemporaryFile() as f:
                self.assertIsInstance(f.name, bytes)
            self.assertIsInstance(tempfile.TemporaryDirectory().name, bytes)
            # A str argument decides for str.
            self.assertIsInstance(tempfile.mkdtemp(suffix="-s"), str)
            self.assertIsInstance(tempfile.gettempdir(), str)
        finally:
            tempfile.tempdir = None

    def test_bytes_and_mixing(self):
        fd, path = tempfile.mkstemp(prefix=b"\xff-", dir=os.fsencode(self.dir))
        os.close(fd)
        self.assertTrue(os.path.basename(path).startswith(b"\xff-"))
        for call in (tempfile.mkstemp, tempfile.mkdtemp, tempfile.NamedTemporaryFile,
                     tempfile.TemporaryFile, tempfile.TemporaryDirectory):
            with self.subTest(call=call.__name__), self.assertRaises(TypeError):
                call(suffix=b"x", prefix="p", dir=self.dir)
        self.assertEqual(self.entries(), [os.fsdecode(os.path.basename(path))])

    def test_mktemp(self):
        path = tempfile.mktemp(suffix=".x", prefix="p-", dir=self.dir)
        self.assertEqual(os.path.dirname(path), self.dir)
        name = os.path.basename(path)
        self.assertRegex(name, r"^p-[a-z0-9_]{8}\.x$")
        self.assertFalse(os.path.lexists(path))
        self.assertEqual(os.path.dirname(tempfile.mktemp()), tempfile.gettempdir())


class TestErrors(ScratchTestCase):
    def test_oserror_subclasses_with_errno_and_message(self):
        cases = [
            (os.path.join(self.dir, "missing"), FileNotFoundError, errno.ENOENT),
            (os.path.join(self.dir, "regular"), NotADirectoryError, errno.ENOTDIR),
        ]
        open(os.path.join(self.dir, "regular"), "wb").close()
        for where, kind, number in cases:
            for call in (tempfile.mkstemp, tempfile.mkdtemp, tempfile.NamedTemporaryFile,
                         tempfile.TemporaryFile, tempfile.TemporaryDirectory,
                         lambda dir: tempfile.SpooledTemporaryFile(dir=dir).fileno()):
                with self.subTest(where=where, call=call), self.assertRaises(kind) as caught:
                    call(dir=where)
                self.assertEqual(caught.exception.errno, number)
                # The library's message, which names the directory.
                self.assertIn(os.path.basename(where), caught.exception.strerror)
        with self.assertRaises(OSError) as caught:
            tempfile.NamedTemporaryFile(dir=self.dir, prefix="x" * 300)
        self.assertEqual(caught.exception.errno, errno.ENAMETOOLONG)
        with self.assertRaises(ValueError):
            tempfile.mkstemp(dir=self.dir, prefix="nul\0")
        self.assertEqual(self.entries(), ["regular"])

    def test_permission_denied(self):
        if os.geteuid() == 0:
            self.skipTest("root can write to a read-only directory")
        os.chmod(self.dir, 0o500)
        self.addCleanup(os.chmod, self.dir, 0o700)
        with self.assertRaises(PermissionError):
            tempfile.NamedTemporaryFile(dir=self.dir)

    def test_every_io_error_code(self):
        os_error = overrides_module()._os_error
        expected = {
            Gio.IOErrorEnum.NOT_FOUND: FileNotFoundError,
            Gio.IOErrorEnum.EXISTS: FileExistsError,
            Gio.IOErrorEnum.IS_DIRECTORY: IsADirectoryError,
            Gio.IOErrorEnum.NOT_DIRECTORY: NotADirectoryError,
            Gio.IOErrorEnum.PERMISSION_DENIED: PermissionError,
            Gio.IOErrorEnum.WOULD_BLOCK: BlockingIOError,
            Gio.IOErrorEnum.TIMED_OUT: TimeoutError,
            Gio.IOErrorEnum.BROKEN_PIPE: BrokenPipeError,
        }
        for code, kind in expected.items():
            with self.subTest(code=code):
                exception = os_error(io_error(code))
                self.assertIs(type(exception), kind)
                self.assertEqual(exception.strerror, "the library's message")
        for code, number in ((Gio.IOErrorEnum.NO_SPACE, errno.ENOSPC),
                             (Gio.IOErrorEnum.FILENAME_TOO_LONG, errno.ENAMETOOLONG),
                             (Gio.IOErrorEnum.INVALID_ARGUMENT, errno.EINVAL),
                             (Gio.IOErrorEnum.READ_ONLY, errno.EROFS),
                             (Gio.IOErrorEnum.TOO_MANY_OPEN_FILES, errno.EMFILE),
                             (Gio.IOErrorEnum.NOT_EMPTY, errno.ENOTEMPTY)):
            with self.subTest(code=code):
                self.assertEqual(os_error(io_error(code)).errno, number)
        self.assertIsInstance(os_error(io_error(Gio.IOErrorEnum.CLOSED)), ValueError)
        failed = os_error(io_error(Gio.IOErrorEnum.FAILED))
        self.assertIs(type(failed), OSError)
        self.assertIsNone(failed.errno)

    def test_gio_face_keeps_glib_error(self):
        with self.assertRaises(GLib.Error):
            GTempfile.TempFile(dir=os.path.join(self.dir, "missing"))
        with self.assertRaises(GLib.Error):
            GTempfile.TempDir(dir=os.path.join(self.dir, "missing"))


class TestNamedTemporaryFile(ScratchTestCase):
    def test_layers_and_owner(self):
        f = tempfile.NamedTemporaryFile(dir=self.dir)
        self.assertIsInstance(f, io.IOBase)
        self.assertIsInstance(f.file, io.BufferedRandom)
        raw = f.file.raw
        self.assertIsInstance(raw, io.FileIO)
        self.assertFalse(raw.closefd)
        self.assertIsInstance(f.gtempfile, GTempfile.TempFile)
        self.assertIs(f.file.gtempfile, f.gtempfile)
        self.assertIs(raw.gtempfile, f.gtempfile)
        # One descriptor: the GTempFile's.
        self.assertEqual(f.fileno(), f.gtempfile.get_fd())
        self.assertEqual(raw.name, f.name)
        self.assertEqual(f.gtempfile.get_path(), f.name)
        self.assertTrue(f.delete)
        self.assertEqual(f.mode, "rb+")
        fd = f.fileno()
        f.close()
        # Closing the file closed the GTempFile, its descriptor and removed it.
        self.assertTrue(f.gtempfile.is_closed())
        with self.assertRaises(OSError) as caught:
            os.fstat(fd)
        self.assertEqual(caught.exception.errno, errno.EBADF)
        self.assertEqual(self.entries(), [])

    def test_text_modes(self):
        with tempfile.NamedTemporaryFile("w+", encoding="utf-16", newline="\r\n",
                                         errors="replace", dir=self.dir) as f:
            self.assertIsInstance(f.file, io.TextIOWrapper)
            self.assertEqual(f.mode, "w+")
            self.assertEqual((f.encoding, f.errors), ("utf-16", "replace"))
            self.assertIs(f.buffer.raw.gtempfile, f.gtempfile)
            f.write("é\n")
            f.flush()
            with open(f.name, "rb") as same:
                self.assertEqual(same.read(), "é\r\n".encode("utf-16"))
            f.seek(0)
            # newline="\r\n" ends lines with it when reading too, untranslated.
            self.assertEqual(f.read(), "é\r\n")
        with tempfile.NamedTemporaryFile("w", dir=self.dir, encoding="ascii",
                                         errors="strict") as f:
            with self.assertRaises(UnicodeEncodeError):
                f.write("é")
            with self.assertRaises(io.UnsupportedOperation):
                f.read()
        with tempfile.NamedTemporaryFile("x+b", dir=self.dir) as f:
            self.assertEqual(f.mode, "xb+")

    def test_buffering(self):
        with tempfile.NamedTemporaryFile(buffering=0, dir=self.dir) as f:
            self.assertIsInstance(f.file, io.FileIO)
            f.write(b"unbuffered")
            self.assertEqual(os.path.getsize(f.name), 10)
            self.assertEqual(f.readinto(bytearray(4)), 0)
        with tempfile.NamedTemporaryFile("w+", buffering=1, dir=self.dir,
                                         encoding="utf-8") as f:
            self.assertTrue(f.line_buffering)
            f.write("line\n")
            self.assertEqual(os.path.getsize(f.name), 5)
        with tempfile.NamedTemporaryFile(buffering=16, dir=self.dir) as f:
            self.assertEqual(f.file.raw._blksize > 0, True)
            f.write(b"x" * 20)
            f.seek(0)
            self.assertEqual(f.read1(100), b"x" * 20)
            self.assertFalse(f.isatty())
        with self.assertWarns(RuntimeWarning):
            tempfile.NamedTemporaryFile(buffering=1, dir=self.dir).close()
        with self.assertRaises(ValueError):
            tempfile.NamedTemporaryFile("w+", buffering=0, dir=self.dir)
        self.assertEqual(self.entries(), [])

    def test_bad_arguments_create_nothing(self):
        for kwargs, kind in (({"mode": "wr"}, ValueError), ({"mode": 2}, TypeError),
                             ({"mode": "w+b", "encoding": "utf-8"}, ValueError),
                             ({"mode": "w", "encoding": "bad-encoding"}, LookupError),
                             ({"mode": "w", "newline": "x"}, ValueError),
                             ({"buffering": "big"}, TypeError)):
            with self.subTest(kwargs=kwargs), self.assertRaises(kind):
                tempfile.NamedTemporaryFile(dir=self.dir, **kwargs)
        self.assertEqual(self.entries(), [])

    def test_deletion_table(self):
        # delete, delete_on_close -> there after close, after the with block
        for delete, on_close, after_close, after_with in (
                (True, True, False, False),
                (True, False, True, False),
                (False, True, True, True),
                (False, False, True, True)):
            with self.subTest(delete=delete, delete_on_close=on_close):
                with tempfile.NamedTemporaryFile(dir=self.dir, delete=delete,
                                                 delete_on_close=on_close) as f:
                    f.write(b"x")
                    f.close()
                    self.assertEqual(os.path.exists(f.name), after_close)
                self.assertEqual(os.path.exists(f.name), after_with)
                if os.path.exists(f.name):
                    os.unlink(f.name)

    def test_closing_the_file_itself_keeps_it(self):
        # Only the wrapper removes, as tempfile's: a program closes its own
        # handle and gives the name to another one.
        with tempfile.NamedTemporaryFile(dir=self.dir) as f:
            f.write(b"for another program")
            f.file.close()
            self.assertTrue(os.path.exists(f.name))
            with open(f.name, "rb") as again:
                self.assertEqual(again.read(), b"for another program")
        self.assertFalse(os.path.exists(f.name))
        # close() of the wrapper removes, also after the file was closed.
        f = tempfile.NamedTemporaryFile(mode="w", dir=self.dir)
        f.file.close()
        f.close()
        self.assertFalse(os.path.exists(f.name))
        f.close()
        # Released without close: removed when the last reference goes.
        f = tempfile.NamedTemporaryFile(dir=self.dir)
        name = f.name
        f.file.close()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            del f
            gc.collect()
        self.assertFalse(os.path.exists(name))
        self.assertEqual(self.entries(), [])

    def test_released_without_close(self):
        for delete, on_close, left in ((True, True, False), (True, False, False),
                                       (False, True, True)):
            with self.subTest(delete=delete, delete_on_close=on_close):
                f = tempfile.NamedTemporaryFile(dir=self.dir, delete=delete,
                                                delete_on_close=on_close)
                f.write(b"buffered")
                name = f.name
                gtempfile = f.gtempfile
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    del f
                    gc.collect()
                # Python 3.11 to 3.13 do not warn for NamedTemporaryFile.
                self.assertEqual([w for w in caught if w.category is ResourceWarning]
                                 if sys.version_info < (3, 14) else [], [])
                self.assertTrue(gtempfile.is_closed())
                self.assertEqual(os.path.exists(name), left)
                if left:
                    # Flushed before the descriptor was closed.
                    with open(name, "rb") as same:
                        self.assertEqual(same.read(), b"buffered")
                    os.unlink(name)

    def test_a_method_keeps_the_file_open(self):
        f = tempfile.NamedTemporaryFile(dir=self.dir)
        write, name = f.write, f.name
        del f
        gc.collect()
        write(b"still open")
        self.assertTrue(os.path.exists(name))
        del write
        gc.collect()
        self.assertFalse(os.path.exists(name))

    def test_fork_child_leaves_the_parents_files(self):
        f = tempfile.NamedTemporaryFile(dir=self.dir)
        g = tempfile.NamedTemporaryFile(dir=self.dir, delete_on_close=False)
        d = tempfile.TemporaryDirectory(dir=self.dir)
        pid = os.fork()
        if pid == 0:
            # The child closes one, and drops all it inherited, which
            # cleans them up implicitly (out of unittest, which would catch
            # SystemExit).
            code = 0
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    f.close()
                    del f, g, d
                    gc.collect()
            except BaseException:
                code = 1
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        self.assertEqual(os.waitstatus_to_exitcode(status), 0)
        self.assertTrue(os.path.exists(f.name))
        self.assertTrue(os.path.exists(g.name))
        self.assertTrue(os.path.isdir(d.name))
        f.close()
        g.close()   # kept by delete_on_close=False until released
        del g
        gc.collect()
        d.cleanup()
        self.assertEqual(self.entries(), [])

    def test_default_encoding_warning_points_at_the_caller(self):
        result = self.run_python("""
            import sys
            import gi
            gi.require_version("GTempfile", "1")
            from gi.repository import GTempfile as tempfile
            for make in (tempfile.NamedTemporaryFile, tempfile.TemporaryFile,
                         tempfile.SpooledTemporaryFile):
                make(mode="w+", dir=sys.argv[1]).close()   # line 8
            """, "-X", "warn_default_encoding", "-W", "always::EncodingWarning")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stderr.count("<string>:8: EncodingWarning"), 3, result.stderr)

    def test_persist_through_the_gio_object(self):
        target = os.path.join(self.dir, "kept.txt")
        with tempfile.NamedTemporaryFile("w", dir=self.dir, encoding="utf-8") as f:
            f.write("saved")
            f.flush()
            f.gtempfile.persist(target, GTempfile.TempPersistFlags.NONE)
        with open(target, encoding="utf-8") as saved:
            self.assertEqual(saved.read(), "saved")
        self.assertEqual(self.entries(), ["kept.txt"])


class TestTemporaryFile(ScratchTestCase):
    def test_anonymous(self):
        with tempfile.TemporaryFile(dir=self.dir) as f:
            self.assertEqual(self.entries(), [])
            self.assertIsInstance(f, io.BufferedRandom)
            self.assertEqual(f.name, f.fileno())
            self.assertEqual(f.raw.name, f.fileno())
            self.assertTrue(f.gtempfile.is_anonymous())
            self.assertEqual(f.fileno(), f.gtempfile.get_fd())
            self.assertEqual(stat.S_IMODE(os.fstat(f.fileno()).st_mode) & 0o077, 0)
            f.write(b"data")
            f.seek(0)
            self.assertEqual(f.read(), b"data")
        self.assertTrue(f.gtempfile.is_closed())

    def test_text(self):
        with tempfile.TemporaryFile("w+", encoding="utf-8", newline="", dir=self.dir) as f:
            self.assertIsInstance(f, io.TextIOWrapper)
            self.assertEqual(f.mode, "w+")
            f.write("a\r\nb")
            f.seek(0)
            self.assertEqual(f.readlines(), ["a\r\n", "b"])

    def test_unclosed_warns(self):
        with self.assertWarnsRegex(ResourceWarning, "unclosed file"):
            f = tempfile.TemporaryFile(dir=self.dir)
            gtempfile = f.gtempfile
            del f
            gc.collect()
        self.assertTrue(gtempfile.is_closed())
        with self.assertWarnsRegex(ResourceWarning, "unclosed file"):
            f = tempfile.TemporaryFile(buffering=0, dir=self.dir)
            del f
            gc.collect()


class TestSpooledTemporaryFile(ScratchTestCase):
    def test_content_is_in_the_spooled_stream(self):
        f = tempfile.SpooledTemporaryFile(max_size=100, dir=self.dir)
        self.assertIsInstance(f, io.IOBase)
        self.assertIsInstance(f.gspooled, GTempfile.SpooledStream)
        f.write(b"through the face ")
        f.gspooled.write(b"and through GIO")
        f.seek(0)
        self.assertEqual(f.read(), b"through the face and through GIO")
        self.assertFalse(f._rolled)
        self.assertIs(f._rolled, f.gspooled.is_rolled_over())
        f.rollover()
        self.assertTrue(f._rolled and f.gspooled.is_rolled_over())
        self.assertEqual(f.name, f.gspooled.fileno())
        self.assertEqual(f.tell(), 32)
        f.close()
        self.assertTrue(f.gspooled.is_closed())
        self.assertEqual(self.entries(), [])

    def test_binary_methods(self):
        with tempfile.SpooledTemporaryFile(max_size=64, dir=self.dir) as f:
            f.writelines([b"one\n", bytearray(b"two\n"), memoryview(b"three")])
            self.assertEqual(f.seek(0), 0)
            self.assertEqual(f.readline(), b"one\n")
            self.assertEqual(f.readline(2), b"tw")
            buf = bytearray(3)
            self.assertEqual(f.readinto(buf), 3)
            self.assertEqual(bytes(buf), b"o\nt")
            self.assertEqual(f.read1(), b"hree")
            f.seek(0)
            self.assertEqual(list(f), [b"one\n", b"two\n", b"three"])
            self.assertEqual(f.seek(-5, os.SEEK_END), 8)
            self.assertEqual(f.readlines(), [b"three"])
            self.assertEqual(f.truncate(4), 4)
            self.assertEqual(f.tell(), 13)
            f.seek(0)
            self.assertEqual(f.read(), b"one\n")
            self.assertTrue(f.readable() and f.writable() and f.seekable())
            self.assertFalse(f.isatty())
            with self.assertRaises(ValueError):
                f.seek(-1)
            with self.assertRaises(io.UnsupportedOperation):
                f.detach()
        for call in (f.read, f.tell, f.flush, lambda: f.write(b"x"), lambda: f.seek(0),
                     f.readline, f.fileno, f.isatty):
            with self.assertRaises(ValueError):
                call()

    def test_integer_arguments(self):
        # As io.BytesIO: a float is refused, the content stays; a seek
        # before the start stops at 0 while in memory.
        for max_size in (0, 64):
            with self.subTest(max_size=max_size), \
                    tempfile.SpooledTemporaryFile(max_size=max_size, dir=self.dir) as f:
                f.write(b"hello world\n")
                f.seek(0)
                for call in (lambda: f.seek(1.5), lambda: f.read(2.5),
                             lambda: f.readline(1.5), lambda: f.truncate(5.9),
                             lambda: f.seek(0, 1.0)):
                    with self.assertRaises(TypeError):
                        call()
                self.assertEqual(f.tell(), 0)
                self.assertEqual(f.seek(-10, os.SEEK_CUR), 0)
                self.assertEqual(f.seek(-100, os.SEEK_END), 0)
                self.assertEqual(f.read(), b"hello world\n")
        # On disk the file refuses, as tempfile's does once rolled over.
        with tempfile.SpooledTemporaryFile(max_size=4, dir=self.dir) as f:
            f.write(b"hello world\n")
            with self.assertRaises(OSError) as raised:
                f.seek(-100, os.SEEK_END)
            self.assertEqual(raised.exception.errno, errno.EINVAL)
        # The GIO face is as strict.
        with GTempfile.TempFile(dir=self.dir) as g:
            g.write(b"hello")
            for call in (lambda: g.seek(1.5), lambda: g.read(2.5), lambda: g.readline(0.5),
                         lambda: g.truncate(2.5)):
                with self.assertRaises(TypeError):
                    call()
            g.seek(0)
            self.assertEqual(g.read(), b"hello")

    def test_text_mode(self):
        f = tempfile.SpooledTemporaryFile(max_size=10, mode="w+", encoding="utf-8",
                                          dir=self.dir)
        # max_size counts encoded bytes: five two-byte characters fit.
        f.write("ééééé")
        self.assertFalse(f._rolled)
        f.write("é")
        self.assertTrue(f._rolled)
        f.seek(0)
        self.assertEqual(f.read(), "éééééé")
        self.assertEqual((f.encoding, f.errors, f.mode), ("utf-8", "strict", "w+"))
        # The binary file under the text layer, as tempfile's detach() gives.
        buffer = f.detach()
        self.assertIsInstance(buffer, io.BufferedIOBase)
        buffer.seek(0)
        self.assertEqual(buffer.read(), "éééééé".encode())
        buffer.close()
        self.assertTrue(f.gspooled.is_closed())

    def test_failed_rollover_loses_nothing(self):
        f = tempfile.SpooledTemporaryFile(max_size=4, dir=os.path.join(self.dir, "gone"))
        f.write(b"kept")
        with self.assertRaises(FileNotFoundError):
            f.write(b"more")
        self.assertFalse(f._rolled)
        f.seek(0)
        self.assertEqual(f.read(), b"kept")
        with self.assertRaises(FileNotFoundError):
            f.fileno()
        f.close()

    def test_max_size(self):
        # 0: never rolls over, not even when truncated (tempfile's would).
        with tempfile.SpooledTemporaryFile(dir=self.dir) as f:
            f.write(b"x" * 100000)
            f.truncate(200000)
            self.assertFalse(f._rolled)
        # None, as 0 (tempfile tests "if max_size").
        with tempfile.SpooledTemporaryFile(max_size=None, dir=self.dir) as f:
            f.write(b"x" * 100000)
            self.assertFalse(f._rolled)
        # Negative: rolls over at once, as tempfile does after any write.
        with tempfile.SpooledTemporaryFile(max_size=-1, dir=self.dir) as f:
            self.assertTrue(f._rolled)
        with tempfile.SpooledTemporaryFile(max_size=10, dir=self.dir) as f:
            f.truncate(11)
            self.assertTrue(f._rolled)
            self.assertEqual(f.mode, "rb+")

    def test_unclosed_warns(self):
        f = tempfile.SpooledTemporaryFile(max_size=10, dir=self.dir)
        stream = f.gspooled
        with self.assertWarnsRegex(ResourceWarning, "Unclosed file"):
            del f
            gc.collect()
        self.assertTrue(stream.is_closed())


class TestTemporaryDirectory(ScratchTestCase):
    def test_owner_and_names(self):
        d = tempfile.TemporaryDirectory(dir=self.dir, prefix="p-", suffix="-s")
        self.assertIsInstance(d.gtempdir, GTempfile.TempDir)
        self.assertEqual(d.gtempdir.get_path(), d.name)
        self.assertRegex(os.path.basename(d.name), r"^p-[a-z0-9_]{8}-s$")
        self.assertEqual(repr(d), f"<TemporaryDirectory {d.name!r}>")
        self.assertEqual(stat.S_IMODE(os.stat(d.name).st_mode), 0o700)
        with d as name:
            self.assertEqual(name, d.name)
        self.assertEqual(self.entries(), [])
        self.assertIsInstance(tempfile.TemporaryDirectory(dir=os.fsencode(self.dir)).name, bytes)

    def test_delete_false(self):
        with tempfile.TemporaryDirectory(dir=self.dir, delete=False) as name:
            pass
        self.assertTrue(os.path.isdir(name))
        d = tempfile.TemporaryDirectory(dir=self.dir, delete=False)
        kept = d.name
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            del d
            gc.collect()
        self.assertEqual(caught, [])
        self.assertTrue(os.path.isdir(kept))
        # An explicit cleanup removes it anyway.
        d = tempfile.TemporaryDirectory(dir=self.dir, delete=False)
        d.cleanup()
        self.assertFalse(os.path.exists(d.name))

    def test_implicit_cleanup_warns(self):
        d = tempfile.TemporaryDirectory(dir=self.dir)
        os.mkdir(os.path.join(d.name, "sub"))
        with self.assertWarnsRegex(ResourceWarning, "Implicitly cleaning up"):
            del d
            gc.collect()
        self.assertEqual(self.entries(), [])

    def test_cleanup_errors(self):
        d = tempfile.TemporaryDirectory(dir=self.dir)
        os.rename(d.name, d.name + ".moved")
        os.symlink(d.name + ".moved", d.name)
        # Something else at the path: left alone, and an OSError says so.
        with self.assertRaises(OSError):
            d.cleanup()
        self.assertTrue(os.path.islink(d.name))
        os.unlink(d.name)
        shutil.rmtree(d.name + ".moved")
        d = tempfile.TemporaryDirectory(dir=self.dir, ignore_cleanup_errors=True)
        os.rename(d.name, d.name + ".moved")
        os.symlink(d.name + ".moved", d.name)
        d.cleanup()
        os.unlink(d.name)
        shutil.rmtree(d.name + ".moved")


class TestShutdown(ScratchTestCase):
    """A with block still open at interpreter shutdown (a generator that was
    not finished) exits quietly; the library's exit pass removes what is
    left."""

    def test_with_blocks_suspended_at_shutdown(self):
        result = self.run_python("""
            import sys, warnings
            import gi
            gi.require_version("GTempfile", "1")
            from gi.repository import GTempfile
            from gi.repository import GTempfile as tempfile

            def hold(context):
                with context as value:
                    yield value

            where = sys.argv[1]
            held = [hold(GTempfile.TempDir(dir=where)),
                    hold(GTempfile.TempFile(dir=where)),
                    hold(GTempfile.TempFile(dir=where, delete_on_close=False)),
                    hold(GTempfile.SpooledStream(max_size=1, dir=where)),
                    hold(tempfile.NamedTemporaryFile(dir=where)),
                    hold(tempfile.NamedTemporaryFile(dir=where, delete_on_close=False)),
                    hold(tempfile.TemporaryFile(dir=where)),
                    hold(tempfile.SpooledTemporaryFile(max_size=1, dir=where)),
                    hold(tempfile.TemporaryDirectory(dir=where))]
            for generator in held:
                value = next(generator)
                if hasattr(value, "write"):
                    value.write(b"data")
            """)
        self.assertEqual(result.returncode, 0, result.stderr)
        # TemporaryDirectory's own warning, as tempfile gives it; nothing else.
        self.assertNotIn("Traceback", result.stderr)
        self.assertNotIn("Error", result.stderr)
        self.assertEqual(self.entries(), [])

    def test_objects_left_at_exit_are_removed(self):
        result = self.run_python("""
            import sys
            import gi
            gi.require_version("GTempfile", "1")
            from gi.repository import GTempfile as tempfile
            where = sys.argv[1]
            f = tempfile.NamedTemporaryFile(dir=where)
            f.write(b"x")
            kept = tempfile.NamedTemporaryFile(dir=where, prefix="kept-", delete=False)
            d = tempfile.TemporaryDirectory(dir=where)
            open(d.name + "/inside", "w").close()
            g = tempfile.TempDir(dir=where)
            sys.modules["__main__"].cycle = [f, d, g]
            """)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertNotIn("Traceback", result.stderr)
        self.assertEqual(len(self.entries()), 1)
        self.assertTrue(self.entries()[0].startswith("kept-"))


class TestCallsIntoC(ScratchTestCase):
    """The GIO face and the tempfile face make few calls into C; these are
    the counts of tests/bench's cycles (gicalls.py counts them)."""

    def count(self, func):
        func()
        with GICallCounter(["GTempfile", "Gio", "GLib", "GObject"],
                           [overrides_module()]) as calls:
            func()
        return calls.total

    def test_counts(self):
        data = b"x" * 4096
        d = self.dir

        def gio_named():
            with GTempfile.TempFile(dir=d) as f:
                f.write(data)

        def gio_dir():
            with GTempfile.TempDir(dir=d):
                pass

        stream = GTempfile.SpooledStream(max_size=1 << 20, dir=d)

        def gio_spooled_cycle():
            stream.write(data)
            stream.seek(0)
            stream.read()

        def named():
            with tempfile.NamedTemporaryFile(dir=d) as f:
                f.write(data)

        def small_writes():
            with tempfile.NamedTemporaryFile(dir=d) as f:
                for _ in range(1000):
                    f.write(b"x")

        def anonymous():
            with tempfile.TemporaryFile(dir=d) as f:
                f.write(data)

        def directory():
            with tempfile.TemporaryDirectory(dir=d):
                pass

        def spooled():
            with tempfile.SpooledTemporaryFile(max_size=1 << 20, dir=d) as f:
                f.write(data)
                f.seek(0)
                f.read()

        # new_full, is_closed (entering), get_output_stream (once per
        # object), write_all, close.
        self.assertEqual(self.count(gio_named), 5)
        # new_full, get_path, cleanup.
        self.assertEqual(self.count(gio_dir), 3)
        # write_all, seek, read_bytes, get_data.
        self.assertEqual(self.count(gio_spooled_cycle), 4)
        # new_full, get_path, get_fd, close: the writes stay in Python's io.
        self.assertEqual(self.count(named), 4)
        self.assertEqual(self.count(small_writes), 4)
        self.assertEqual(self.count(anonymous), 3)
        self.assertEqual(self.count(directory), 3)
        # new_full, the two stream halves, write_all, seek, read_bytes,
        # get_data, close.
        self.assertEqual(self.count(spooled), 8)


if __name__ == "__main__":
    taprunner.empty_dir(SCRATCH)
    taprunner.main()
