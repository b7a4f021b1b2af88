# SPDX-License-Identifier: LGPL-2.1-or-later
"""PyGObject overrides for GTempfile: the library, the way Python's tempfile
module is used.

    from gi.repository import GTempfile

    with GTempfile.TempFile(suffix=".json") as f:      # NamedTemporaryFile
        f.write(b"{}")
        f.persist("settings.json", GTempfile.TempPersistFlags.NONE)

    with GTempfile.TempDir(prefix="build-") as path:   # TemporaryDirectory
        ...

    with GTempfile.SpooledStream(max_size=1 << 20) as s:   # SpooledTemporaryFile
        s.write(data)

    fd, path = GTempfile.mkstemp(suffix=".txt")       # tempfile.mkstemp

What this module adds to the plain GIR API, which stays reachable:

* Keyword constructors (``dir``, ``prefix``, ``suffix`` as str, bytes or
  os.PathLike, not necessarily UTF-8) that create the object through the
  ``new_full`` functions and raise ``GLib.Error`` when that fails.
* Context managers with tempfile's exit semantics, and ``__fspath__``.
* Binary-file helpers with Python ``io`` semantics on TempFile and
  SpooledStream: ``read``, ``readline``, iteration, ``write``, ``seek``,
  ``tell``, ``truncate``, ``flush``, ``fileno``. They shadow the
  ``Gio.Seekable`` methods of the same names, which stay reachable as
  ``Gio.Seekable.seek(f, offset, GLib.SeekType.SET, None)``.
* ``mkstemp``, ``mkdtemp``, ``gettempdir``, ``gettempprefix`` (and the
  ``...b`` variants) under tempfile's names and argument order.

Errors are ``GLib.Error`` in the ``G_IO_ERROR`` domain; only the use of a
closed file raises ``ValueError``, as with a closed Python file.
"""

import os

from gi.repository import GLib, Gio

from ..module import get_introspection_module
from ..overrides import override

GTempfile = get_introspection_module("GTempfile")

__all__ = []

_WHENCE = {
    os.SEEK_SET: GLib.SeekType.SET,
    os.SEEK_CUR: GLib.SeekType.CUR,
    os.SEEK_END: GLib.SeekType.END,
}

# Matches io.DEFAULT_BUFFER_SIZE: the chunk read() and readline() ask for.
_CHUNK = 8192


def _path_arg(value):
    """The bytes of a dir, prefix or suffix argument (None stays None)."""
    if value is None or isinstance(value, bytes):
        return value
    return os.fsencode(value)


def _wants_bytes(*args):
    """tempfile's rule: bytes arguments give bytes paths; mixing is an error."""
    kinds = {isinstance(os.fspath(a) if isinstance(a, os.PathLike) else a, bytes)
             for a in args if a is not None}
    if len(kinds) > 1:
        raise TypeError("Can't mix bytes and non-bytes in path components.")
    return kinds == {True}


def _closed_error():
    return ValueError("I/O operation on closed file.")


class _BinaryFile:
    """The io.RawIOBase-like part shared by TempFile and SpooledStream.

    Both are a Gio.IOStream and a Gio.Seekable with one position shared by
    their input and output halves, which is what these helpers rely on.
    """

    __slots__ = ()

    @property
    def closed(self):
        """True once the stream is closed, like io.IOBase.closed."""
        return self.is_closed()

    def _check_open(self):
        if self.is_closed():
            raise _closed_error()

    def readable(self):
        self._check_open()
        return True

    def writable(self):
        self._check_open()
        return True

    def seekable(self):
        self._check_open()
        return True

    def read(self, size=-1):
        """Reads up to ``size`` bytes (all that is left when negative or
        None); returns b"" at the end of the file."""
        self._check_open()
        stream = self.get_input_stream()
        if size is None or size < 0:
            chunks = []
            while True:
                data = stream.read_bytes(65536, None).get_data()
                if not data:
                    return b"".join(chunks)
                chunks.append(data)
        # A regular file or memory only returns less at the end, but read()
        # promises "up to size", so keep asking until then.
        chunks = []
        while size > 0:
            data = stream.read_bytes(size, None).get_data()
            if not data:
                break
            chunks.append(data)
            size -= len(data)
        return b"".join(chunks)

    def readline(self, size=-1):
        """Reads one line, its b"\\n" included; at most ``size`` bytes when
        that is given and not negative."""
        self._check_open()
        stream = self.get_input_stream()
        if size is None:
            size = -1
        line = bytearray()
        while size < 0 or len(line) < size:
            want = _CHUNK if size < 0 else min(_CHUNK, size - len(line))
            data = stream.read_bytes(want, None).get_data()
            if not data:
                break
            end = data.find(b"\n")
            if end >= 0:
                line += data[:end + 1]
                # Give back what was read past the line.
                extra = len(data) - (end + 1)
                if extra:
                    Gio.Seekable.seek(self, -extra, GLib.SeekType.CUR, None)
                break
            line += data
        return bytes(line)

    def readlines(self, hint=-1):
        self._check_open()
        lines = []
        total = 0
        for line in self:
            lines.append(line)
            total += len(line)
            if hint is not None and 0 < hint <= total:
                break
        return lines

    def __iter__(self):
        self._check_open()
        return self

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def write(self, b):
        """Writes all of ``b`` (any bytes-like object) and returns its length."""
        self._check_open()
        # PyGObject copies bytes in one go, but converts other buffers
        # (memoryview, bytearray) element by element: make them bytes.
        data = b if type(b) is bytes else memoryview(b).cast("B").tobytes()
        if data:
            self.get_output_stream().write_all(data, None)
        return len(data)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def seek(self, offset, whence=os.SEEK_SET):
        """Moves to ``offset`` relative to ``whence`` (os.SEEK_SET, SEEK_CUR,
        SEEK_END) and returns the new position."""
        self._check_open()
        try:
            seek_type = _WHENCE[whence]
        except KeyError:
            raise ValueError(f"invalid whence ({whence!r}, should be 0, 1 or 2)") from None
        Gio.Seekable.seek(self, offset, seek_type, None)
        return Gio.Seekable.tell(self)

    def tell(self):
        self._check_open()
        return Gio.Seekable.tell(self)

    def truncate(self, size=None):
        """Sets the size to ``size`` (the current position when None) and
        returns it; the position does not move."""
        self._check_open()
        if size is None:
            size = Gio.Seekable.tell(self)
        Gio.Seekable.truncate(self, size, None)
        return size

    def flush(self):
        self._check_open()
        self.get_output_stream().flush(None)

    def __enter__(self):
        if self.is_closed():
            raise ValueError("Cannot enter context with closed file")
        return self


class TempFile(_BinaryFile, GTempfile.TempFile):
    """A temporary file, like tempfile.NamedTemporaryFile (or
    TemporaryFile with ``anonymous=True``).

    ``TempFile(dir=None, prefix=None, suffix=None, delete=True,
    delete_on_close=True, anonymous=False)`` creates the file at once and
    raises GLib.Error when it cannot. The object is also a Gio.FileIOStream.
    """

    def __new__(cls, dir=None, prefix=None, suffix=None, delete=True,
                delete_on_close=True, anonymous=False):
        flags = GTempfile.TempFileFlags.NONE
        if not delete:
            flags |= GTempfile.TempFileFlags.KEEP
        if not delete_on_close:
            flags |= GTempfile.TempFileFlags.KEEP_ON_CLOSE
        if anonymous:
            flags |= GTempfile.TempFileFlags.ANONYMOUS
        return GTempfile.TempFile.new_full(_path_arg(dir), _path_arg(prefix),
                                           _path_arg(suffix), flags, None)

    def __init__(self, *args, **kwargs):
        # Everything happened in __new__ (GObject.Object.__init__ would try
        # to construct a second time).
        pass

    @property
    def name(self):
        """The path, as NamedTemporaryFile.name; None while anonymous."""
        return self.get_path()

    def fileno(self):
        self._check_open()
        return self.get_fd()

    def __exit__(self, exc_type, exc_value, traceback):
        # NamedTemporaryFile: the file is closed, and removed when delete.
        if self.get_delete():
            self.cleanup(None)
        else:
            self.close(None)
        return False

    def __fspath__(self):
        path = self.get_path()
        if path is None:
            raise TypeError("an anonymous GTempfile.TempFile has no path")
        return path

    def __repr__(self):
        state = "closed" if self.is_closed() else "open"
        return f"<GTempfile.TempFile {self.get_path() or '(anonymous)'!r} {state}>"


TempFile = override(TempFile)
__all__.append("TempFile")


class TempDir(GTempfile.TempDir):
    """A temporary directory, like tempfile.TemporaryDirectory.

    ``TempDir(dir=None, prefix=None, suffix=None, delete=True,
    ignore_cleanup_errors=False)`` creates the directory at once and raises
    GLib.Error when it cannot. ``with TempDir() as path`` gives the path
    (bytes when a bytes argument was given, as tempfile does).
    """

    def __new__(cls, dir=None, prefix=None, suffix=None, delete=True,
                ignore_cleanup_errors=False):
        want_bytes = _wants_bytes(dir, prefix, suffix)
        flags = GTempfile.TempDirFlags.NONE
        if not delete:
            flags |= GTempfile.TempDirFlags.KEEP
        if ignore_cleanup_errors:
            flags |= GTempfile.TempDirFlags.IGNORE_CLEANUP_ERRORS
        self = GTempfile.TempDir.new_full(_path_arg(dir), _path_arg(prefix),
                                          _path_arg(suffix), flags, None)
        self._want_bytes = want_bytes
        return self

    def __init__(self, *args, **kwargs):
        pass

    @property
    def name(self):
        """The path, as TemporaryDirectory.name."""
        path = self.get_path()
        if path is not None and getattr(self, "_want_bytes", False):
            return os.fsencode(path)
        return path

    def cleanup(self, cancellable=None):
        """Removes the directory and everything in it now (see
        GTempfile.TempDir.cleanup)."""
        done = GTempfile.TempDir.cleanup(self, cancellable)
        self._cleaned_up = True
        return done

    def cleanup_finish(self, result):
        done = GTempfile.TempDir.cleanup_finish(self, result)
        self._cleaned_up = True
        return done

    def __enter__(self):
        if getattr(self, "_cleaned_up", False):
            raise ValueError("Cannot enter context with a cleaned-up temporary directory")
        return self.name

    def __exit__(self, exc_type, exc_value, traceback):
        if self.get_delete():
            self.cleanup(None)
        return False

    def __fspath__(self):
        return self.get_path()

    def __repr__(self):
        return f"<GTempfile.TempDir {self.get_path()!r}>"


TempDir = override(TempDir)
__all__.append("TempDir")


class SpooledStream(_BinaryFile, GTempfile.SpooledStream):
    """A stream that stays in memory until it grows past ``max_size`` bytes
    and then moves to an anonymous file, like tempfile.SpooledTemporaryFile.

    ``SpooledStream(max_size=0, dir=None, prefix=None, suffix=None)``;
    ``max_size`` 0 means it never rolls over by itself.
    """

    def __new__(cls, max_size=0, dir=None, prefix=None, suffix=None):
        if max_size < 0:
            raise ValueError("max_size must not be negative")
        return GTempfile.SpooledStream.new_full(max_size, _path_arg(dir), _path_arg(prefix),
                                                _path_arg(suffix))

    def __init__(self, *args, **kwargs):
        pass

    def fileno(self):
        """The descriptor of the file; rolls over first, as
        SpooledTemporaryFile.fileno does."""
        self._check_open()
        return self.get_fd()

    def __exit__(self, exc_type, exc_value, traceback):
        self.close(None)
        return False

    def __repr__(self):
        where = "on disk" if self.is_rolled_over() else "in memory"
        state = "closed" if self.is_closed() else where
        return f"<GTempfile.SpooledStream max_size={self.get_max_size()} {state}>"


SpooledStream = override(SpooledStream)
__all__.append("SpooledStream")


def mkstemp(suffix=None, prefix=None, dir=None):
    """Creates a file as tempfile.mkstemp does and returns ``(fd, path)``;
    the caller closes and removes it. The path is bytes when an argument
    was bytes."""
    want_bytes = _wants_bytes(suffix, prefix, dir)
    fd, path = GTempfile.mkstemp(_path_arg(dir), _path_arg(prefix), _path_arg(suffix))
    return fd, (os.fsencode(path) if want_bytes else path)


def mkdtemp(suffix=None, prefix=None, dir=None):
    """Creates a directory as tempfile.mkdtemp does and returns its path; the
    caller removes it."""
    want_bytes = _wants_bytes(suffix, prefix, dir)
    path = GTempfile.mkdtemp(_path_arg(dir), _path_arg(prefix), _path_arg(suffix))
    return os.fsencode(path) if want_bytes else path


def gettempdir():
    """The default directory for temporary files (see GTempfile.get_tempdir)."""
    return GTempfile.get_tempdir()


def gettempdirb():
    return os.fsencode(GTempfile.get_tempdir())


def gettempprefix():
    return GTempfile.get_tempprefix()


def gettempprefixb():
    return os.fsencode(GTempfile.get_tempprefix())


__all__ += ["mkstemp", "mkdtemp", "gettempdir", "gettempdirb", "gettempprefix",
            "gettempprefixb"]
