# SPDX-License-Identifier: LGPL-2.1-or-later
"""PyGObject overrides for GTempfile: Python's tempfile module, and the GIO
objects underneath it.

The module has two faces.

**The tempfile face.** ``from gi.repository import GTempfile as tempfile``
replaces Python's ``tempfile`` module: ``NamedTemporaryFile``,
``TemporaryFile``, ``SpooledTemporaryFile``, ``TemporaryDirectory``,
``mkstemp``, ``mkdtemp``, ``mktemp``, ``gettempdir``, ``gettempdirb``,
``gettempprefix``, ``gettempprefixb``, ``tempdir``, ``template`` and
``TMP_MAX``, with the signatures, return types and errors of the ``tempfile``
of the running Python, plus 3.12's ``delete_on_close`` and ``delete`` on
older ones::

    import gi
    gi.require_version("GTempfile", "1")
    from gi.repository import GTempfile as tempfile

    with tempfile.NamedTemporaryFile("w+", suffix=".txt") as f:
        f.write("text mode, encoding, newline, errors: Python's own io")
        f.gtempfile            # the GTempfile.TempFile that owns the file

The files are Python ``io`` objects (io.FileIO, BufferedRandom,
TextIOWrapper) over the descriptor of a GTempFile, which stays the owner of
the file and of its removal (the deletion table, fork safety, exit and
signals). The reachable GIO objects are ``f.gtempfile`` (the object and its
raw io.FileIO layer, for NamedTemporaryFile and TemporaryFile),
``d.gtempdir`` (TemporaryDirectory)
and ``s.gspooled`` (SpooledTemporaryFile, whose content stays in the C
GSpooledStream). Errors are the OSError subclasses tempfile raises, with
errno and the library's message; ValueError on a closed file; TypeError
when str and bytes are mixed.

**The GIO face.** ``GTempfile.TempFile``, ``TempDir`` and ``SpooledStream``
are the GObjects themselves, with keyword constructors, context managers,
``__fspath__`` and binary-file helpers (``read``, ``readline``, iteration,
``write``, ``seek``, ``tell``, ``truncate``, ``flush``, ``fileno``) that
shadow the ``Gio.Seekable`` methods of the same names (still reachable as
``Gio.Seekable.seek(f, offset, GLib.SeekType.SET, None)``). Their errors
are ``GLib.Error`` in the ``G_IO_ERROR`` domain; only the use of a closed
stream raises ValueError, as with a closed Python file.

The plain GIR API (``get_tempdir``, ``new_full``...) stays reachable.
"""

import errno
import io
import operator
import os
import sys
import types
import warnings
import weakref

from gi.repository import GLib, Gio

from ..module import get_introspection_module
from ..overrides import OverridesProxyModule, override

GTempfile = get_introspection_module("GTempfile")

# ---------------------------------------------------------------------------
# The introspected callables, looked up once: an attribute lookup on a GI
# class or enum costs about as much as the call itself.

_TempFile = GTempfile.TempFile
_TempDir = GTempfile.TempDir
_SpooledStream = GTempfile.SpooledStream

_temp_file_new_full = _TempFile.new_full
_temp_file_get_fd = _TempFile.get_fd
_temp_file_get_path = _TempFile.get_path
_temp_file_get_delete = _TempFile.get_delete
_temp_file_set_delete = _TempFile.set_delete
_temp_file_set_delete_on_close = _TempFile.set_delete_on_close
_temp_file_cleanup = _TempFile.cleanup
_temp_dir_new_full = _TempDir.new_full
_temp_dir_get_path = _TempDir.get_path
_temp_dir_get_delete = _TempDir.get_delete
_temp_dir_set_delete = _TempDir.set_delete
_temp_dir_cleanup = _TempDir.cleanup
_temp_dir_cleanup_finish = _TempDir.cleanup_finish
_spooled_new_full = _SpooledStream.new_full
_spooled_get_fd = _SpooledStream.get_fd
_spooled_rollover = _SpooledStream.rollover
_spooled_is_rolled_over = _SpooledStream.is_rolled_over
_get_tempdir = GTempfile.get_tempdir
_set_tempdir = GTempfile.set_tempdir
_get_tempdir_candidates = GTempfile.get_tempdir_candidates
_c_mkstemp = GTempfile.mkstemp
_c_mkdtemp = GTempfile.mkdtemp

_stream_close = Gio.IOStream.close
_stream_is_closed = Gio.IOStream.is_closed
_get_input_stream = Gio.IOStream.get_input_stream
_get_output_stream = Gio.IOStream.get_output_stream
_read_bytes = Gio.InputStream.read_bytes
_write_all = Gio.OutputStream.write_all
_output_flush = Gio.OutputStream.flush
_seekable_seek = Gio.Seekable.seek
_seekable_tell = Gio.Seekable.tell
_seekable_truncate = Gio.Seekable.truncate
_bytes_get_data = GLib.Bytes.get_data

# Flags must be given as their own type (an int other than 0 is refused),
# and making one costs as much as a call: made once.
_FILE_NONE = GTempfile.TempFileFlags.NONE
_FILE_KEEP = GTempfile.TempFileFlags.KEEP
_FILE_KEEP_ON_CLOSE = GTempfile.TempFileFlags.KEEP_ON_CLOSE
_FILE_ANONYMOUS = GTempfile.TempFileFlags.ANONYMOUS
_NAMED_FLAGS = {  # (delete, delete_on_close)
    (True, True): _FILE_NONE,
    (True, False): _FILE_KEEP_ON_CLOSE,
    (False, True): _FILE_KEEP,
    (False, False): _FILE_KEEP | _FILE_KEEP_ON_CLOSE,
}
_DIR_FLAGS = {  # (delete, ignore_cleanup_errors)
    (True, False): GTempfile.TempDirFlags.NONE,
    (True, True): GTempfile.TempDirFlags.IGNORE_CLEANUP_ERRORS,
    (False, False): GTempfile.TempDirFlags.KEEP,
    (False, True): GTempfile.TempDirFlags.KEEP | GTempfile.TempDirFlags.IGNORE_CLEANUP_ERRORS,
}

_WHENCE = {
    os.SEEK_SET: int(GLib.SeekType.SET),
    os.SEEK_CUR: int(GLib.SeekType.CUR),
    os.SEEK_END: int(GLib.SeekType.END),
}
_SEEK_SET = _WHENCE[os.SEEK_SET]
_SEEK_CUR = _WHENCE[os.SEEK_CUR]

# The size read() asks for at once; a read of a regular file or of memory
# returns less only at the end, so one call usually reads everything.
_CHUNK = 65536
_LINE_CHUNK = io.DEFAULT_BUFFER_SIZE

# At interpreter shutdown, once the atexit handlers have run, every call
# into PyGObject fails (it imports, and sys.meta_path is gone). Whatever is
# left then is removed by the library's own exit pass, so the overrides make
# no GI call at that point. Bound here: the module's globals may be gone.
_finalizing = sys.is_finalizing

# Counts the fork()s between this process and the one that imported the
# module. The library removes nothing of its parent's when a child closes
# or releases an object; Python-side implicit cleanups (finalizers) that
# call the library's explicit cleanup() compare the generation an object
# was made in with this first, to keep that promise.
_fork_generation = [0]


def _forked():
    _fork_generation[0] += 1


os.register_at_fork(after_in_child=_forked)

# ---------------------------------------------------------------------------
# Errors

_IO_ERROR_DOMAIN = GLib.quark_to_string(Gio.io_error_quark())
_CLOSED = int(Gio.IOErrorEnum.CLOSED)
_INVALID_ARGUMENT = int(Gio.IOErrorEnum.INVALID_ARGUMENT)
_E = Gio.IOErrorEnum
_ERRNO = {
    int(code): number for code, number in (
        (_E.NOT_FOUND, errno.ENOENT),
        (_E.EXISTS, errno.EEXIST),
        (_E.IS_DIRECTORY, errno.EISDIR),
        (_E.NOT_DIRECTORY, errno.ENOTDIR),
        (_E.NOT_EMPTY, errno.ENOTEMPTY),
        (_E.FILENAME_TOO_LONG, errno.ENAMETOOLONG),
        (_E.INVALID_FILENAME, errno.EINVAL),
        (_E.TOO_MANY_LINKS, errno.ELOOP),
        (_E.NO_SPACE, errno.ENOSPC),
        (_E.INVALID_ARGUMENT, errno.EINVAL),
        (_E.PERMISSION_DENIED, errno.EACCES),
        (_E.NOT_SUPPORTED, errno.EOPNOTSUPP),
        (_E.READ_ONLY, errno.EROFS),
        (_E.CANCELLED, errno.ECANCELED),
        (_E.BUSY, errno.EBUSY),
        (_E.WOULD_BLOCK, errno.EAGAIN),
        (_E.TIMED_OUT, errno.ETIMEDOUT),
        (_E.TOO_MANY_OPEN_FILES, errno.EMFILE),
        (_E.NO_SUCH_DEVICE, errno.ENODEV),
        (_E.BROKEN_PIPE, errno.EPIPE),
    )
}
del _E


def _closed_error():
    return ValueError("I/O operation on closed file.")


def _os_error(error):
    """The exception tempfile would raise for a GLib.Error: the OSError
    subclass of its errno (OSError picks FileNotFoundError, FileExistsError,
    PermissionError... from the number) with the library's message, or
    ValueError for a closed stream."""
    if error.domain == _IO_ERROR_DOMAIN:
        if error.code == _CLOSED:
            return _closed_error()
        number = _ERRNO.get(error.code)
        if number is not None:
            return OSError(number, error.message)
    return OSError(error.message)


def _gio_error(error):
    """The GIO face keeps GLib.Error, except for a closed stream."""
    if error.code == _CLOSED and error.domain == _IO_ERROR_DOMAIN:
        return _closed_error()
    return error


# ---------------------------------------------------------------------------
# Binary I/O on a GIOStream + GSeekable with one shared position (a
# GTempFile or a GSpooledStream). These raise GLib.Error; callers map it.

def _index(value):
    """An integer argument as io takes one: an int, or an object with
    __index__; TypeError for anything else (a float is not truncated)."""
    return value if type(value) is int else operator.index(value)


def _read(stream, size):
    """Up to ``size`` bytes (everything left when negative or None)."""
    if size is not None and type(size) is not int:
        size = operator.index(size)
    if size is None or size < 0:
        data = _bytes_get_data(_read_bytes(stream, _CHUNK, None))
        if data is None:
            return b""
        if len(data) < _CHUNK:
            return data
        chunks = [data]
        want = _CHUNK * 2
        while True:
            data = _bytes_get_data(_read_bytes(stream, want, None))
            if not data:
                break
            chunks.append(data)
            if len(data) < want:
                break
            want = min(want * 2, 1 << 24)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)
    if size == 0:
        return b""
    # A regular file or memory returns less only at the end: one call. (A
    # read of more than 2 GiB may stop short anywhere: read on.)
    data = _bytes_get_data(_read_bytes(stream, size, None)) or b""
    if len(data) == size or size < 1 << 30 or not data:
        return data
    rest = _read(stream, size - len(data))
    return data + rest


def _readline(owner, stream, size):
    """One line with its b"\\n", at most ``size`` bytes when not negative;
    reads ahead by chunks and gives back what it read past the line."""
    size = -1 if size is None else _index(size)
    line = b""
    while size < 0 or len(line) < size:
        want = _LINE_CHUNK if size < 0 else min(_LINE_CHUNK, size - len(line))
        data = _bytes_get_data(_read_bytes(stream, want, None))
        if not data:
            break
        end = data.find(b"\n")
        if end >= 0:
            extra = len(data) - (end + 1)
            if extra:
                _seekable_seek(owner, -extra, _SEEK_CUR, None)
            return line + data[:end + 1]
        line += data
    return line


def _as_bytes(b):
    # PyGObject copies bytes at once but converts other buffers element by
    # element.
    return b if type(b) is bytes else memoryview(b).cast("B").tobytes()


def _whence(whence):
    if type(whence) is not int:
        whence = operator.index(whence)
    try:
        return _WHENCE[whence]
    except KeyError:
        raise ValueError(f"invalid whence ({whence!r}, should be 0, 1 or 2)") from None


def _fspath_arg(value):
    """A dir, prefix or suffix for the C functions: str or bytes (PyGObject
    encodes str with the file-system encoding), None stays None."""
    if value is None or type(value) is str or type(value) is bytes:
        return value
    return os.fspath(value)


# ---------------------------------------------------------------------------
# The GIO face

class _BinaryFile:
    """The io-like helpers shared by TempFile and SpooledStream. The stream
    halves are looked up once and kept on the object; a closed stream shows
    as GLib.Error CLOSED from GIO, turned into ValueError here, instead of
    asking is_closed() before each call."""

    __slots__ = ()

    def _input(self):
        try:
            return self._in
        except AttributeError:
            stream = self._in = _get_input_stream(self)
            return stream

    def _output(self):
        try:
            return self._out
        except AttributeError:
            stream = self._out = _get_output_stream(self)
            return stream

    def _check_open(self):
        if _stream_is_closed(self):
            raise _closed_error()

    @property
    def closed(self):
        """True once the stream is closed, like io.IOBase.closed."""
        return _stream_is_closed(self)

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
        try:
            return _read(self._input(), size)
        except GLib.Error as error:
            raise _gio_error(error) from None

    def readline(self, size=-1):
        """Reads one line, its b"\\n" included; at most ``size`` bytes when
        that is given and not negative."""
        try:
            return _readline(self, self._input(), size)
        except GLib.Error as error:
            raise _gio_error(error) from None

    def readlines(self, hint=-1):
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
        data = _as_bytes(b)
        try:
            _write_all(self._output(), data, None)
        except GLib.Error as error:
            raise _gio_error(error) from None
        return len(data)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def seek(self, offset, whence=os.SEEK_SET):
        """Moves to ``offset`` relative to ``whence`` (os.SEEK_SET, SEEK_CUR,
        SEEK_END) and returns the new position."""
        seek_type = _whence(whence)
        if type(offset) is not int:
            offset = operator.index(offset)
        try:
            _seekable_seek(self, offset, seek_type, None)
        except GLib.Error as error:
            raise _gio_error(error) from None
        return offset if seek_type == _SEEK_SET else _seekable_tell(self)

    def tell(self):
        # g_seekable_tell() has no error to report a closed stream with.
        self._check_open()
        return _seekable_tell(self)

    def truncate(self, size=None):
        """Sets the size to ``size`` (the current position when None) and
        returns it; the position does not move."""
        size = self.tell() if size is None else _index(size)
        try:
            _seekable_truncate(self, size, None)
        except GLib.Error as error:
            raise _gio_error(error) from None
        return size

    def flush(self):
        try:
            _output_flush(self._output(), None)
        except GLib.Error as error:
            raise _gio_error(error) from None

    def __enter__(self):
        if _stream_is_closed(self):
            raise ValueError("Cannot enter context with closed file")
        return self


class TempFile(_BinaryFile, GTempfile.TempFile):
    """A temporary file, like tempfile.NamedTemporaryFile (or
    TemporaryFile with ``anonymous=True``), as a Gio.FileIOStream.

    ``TempFile(dir=None, prefix=None, suffix=None, delete=True,
    delete_on_close=True, anonymous=False)`` creates the file at once and
    raises GLib.Error when it cannot.

    Leaving a ``with`` block closes the file and removes it when ``delete``
    is set, as NamedTemporaryFile does. That decision uses ``delete`` and
    ``delete_on_close`` as given to the constructor or to set_delete() /
    set_delete_on_close(), not a later assignment to ``props``.
    """

    def __new__(cls, dir=None, prefix=None, suffix=None, delete=True,
                delete_on_close=True, anonymous=False):
        flags = _NAMED_FLAGS[not not delete, not not delete_on_close]
        if anonymous:
            flags |= _FILE_ANONYMOUS
        self = _temp_file_new_full(_fspath_arg(dir), _fspath_arg(prefix),
                                   _fspath_arg(suffix), flags, None)
        self._delete = bool(delete)
        self._delete_on_close = bool(delete_on_close)
        return self

    def __init__(self, *args, **kwargs):
        # Everything happened in __new__ (GObject.Object.__init__ would try
        # to construct a second time).
        pass

    @property
    def name(self):
        """The path, as NamedTemporaryFile.name; None while anonymous."""
        return _temp_file_get_path(self)

    def set_delete(self, delete_):
        _temp_file_set_delete(self, delete_)
        self._delete = bool(delete_)

    def set_delete_on_close(self, delete_on_close):
        _temp_file_set_delete_on_close(self, delete_on_close)
        self._delete_on_close = bool(delete_on_close)

    def fileno(self):
        fd = _temp_file_get_fd(self)
        if fd < 0:
            raise _closed_error()
        return fd

    def __exit__(self, exc_type, exc_value, traceback, _finalizing=_finalizing):
        if _finalizing():
            return False
        try:
            delete = self._delete
            delete_on_close = self._delete_on_close
        except AttributeError:
            # Made by the plain GIR API, not by TempFile(...).
            delete = _temp_file_get_delete(self)
            delete_on_close = False
        # NamedTemporaryFile: the file is closed, and removed when delete.
        # With delete-on-close, closing removes it (the library decides with
        # its own flags); otherwise cleanup() removes it.
        if delete and not delete_on_close:
            _temp_file_cleanup(self, None)
        else:
            _stream_close(self, None)
        return False

    def __fspath__(self):
        path = _temp_file_get_path(self)
        if path is None:
            raise TypeError("an anonymous GTempfile.TempFile has no path")
        return path

    def __repr__(self):
        state = "closed" if _stream_is_closed(self) else "open"
        return f"<GTempfile.TempFile {_temp_file_get_path(self) or '(anonymous)'!r} {state}>"


TempFile = override(TempFile)


class TempDir(GTempfile.TempDir):
    """A temporary directory, like tempfile.TemporaryDirectory.

    ``TempDir(dir=None, prefix=None, suffix=None, delete=True,
    ignore_cleanup_errors=False)`` creates the directory at once and raises
    GLib.Error when it cannot. ``with TempDir() as path`` gives the path
    (bytes when a bytes argument was given, as tempfile does); leaving the
    block removes the directory when ``delete`` (as given to the
    constructor or to set_delete()) is set.
    """

    def __new__(cls, dir=None, prefix=None, suffix=None, delete=True,
                ignore_cleanup_errors=False):
        want_bytes = _infer_return_type(dir, prefix, suffix, _default=str) is bytes
        flags = _DIR_FLAGS[not not delete, not not ignore_cleanup_errors]
        self = _temp_dir_new_full(_fspath_arg(dir), _fspath_arg(prefix),
                                  _fspath_arg(suffix), flags, None)
        self._want_bytes = want_bytes
        self._delete = bool(delete)
        return self

    def __init__(self, *args, **kwargs):
        pass

    @property
    def name(self):
        """The path, as TemporaryDirectory.name."""
        path = _temp_dir_get_path(self)
        if path is not None and getattr(self, "_want_bytes", False):
            return os.fsencode(path)
        return path

    def set_delete(self, delete_):
        _temp_dir_set_delete(self, delete_)
        self._delete = bool(delete_)

    def cleanup(self, cancellable=None):
        """Removes the directory and everything in it now (see
        GTempfile.TempDir.cleanup)."""
        done = _temp_dir_cleanup(self, cancellable)
        self._cleaned_up = True
        return done

    def cleanup_finish(self, result):
        done = _temp_dir_cleanup_finish(self, result)
        self._cleaned_up = True
        return done

    def __enter__(self):
        if getattr(self, "_cleaned_up", False):
            raise ValueError("Cannot enter context with a cleaned-up temporary directory")
        return self.name

    def __exit__(self, exc_type, exc_value, traceback, _finalizing=_finalizing):
        if _finalizing():
            return False
        try:
            delete = self._delete
        except AttributeError:
            delete = _temp_dir_get_delete(self)
        if delete:
            self.cleanup(None)
        return False

    def __fspath__(self):
        return _temp_dir_get_path(self)

    def __repr__(self):
        return f"<GTempfile.TempDir {_temp_dir_get_path(self)!r}>"


TempDir = override(TempDir)


class SpooledStream(_BinaryFile, GTempfile.SpooledStream):
    """A stream that stays in memory until it grows past ``max_size`` bytes
    and then moves to an anonymous file, like tempfile.SpooledTemporaryFile.

    ``SpooledStream(max_size=0, dir=None, prefix=None, suffix=None)``;
    ``max_size`` 0 means it never rolls over by itself.
    """

    def __new__(cls, max_size=0, dir=None, prefix=None, suffix=None):
        if max_size < 0:
            raise ValueError("max_size must not be negative")
        return _spooled_new_full(max_size, _fspath_arg(dir), _fspath_arg(prefix),
                                 _fspath_arg(suffix))

    def __init__(self, *args, **kwargs):
        pass

    def fileno(self):
        """The descriptor of the file; rolls over first, as
        SpooledTemporaryFile.fileno does."""
        try:
            return _spooled_get_fd(self)
        except GLib.Error as error:
            raise _gio_error(error) from None

    def __exit__(self, exc_type, exc_value, traceback, _finalizing=_finalizing):
        if not _finalizing():
            _stream_close(self, None)
        return False

    def __repr__(self):
        where = "on disk" if self.is_rolled_over() else "in memory"
        state = "closed" if _stream_is_closed(self) else where
        return f"<GTempfile.SpooledStream max_size={self.get_max_size()} {state}>"


SpooledStream = override(SpooledStream)

# ---------------------------------------------------------------------------
# The tempfile face: module data
#
# tempfile.tempdir, tempfile.template and tempfile.TMP_MAX are plain
# attributes of the module object that `from gi.repository import GTempfile`
# gives, so that reading, assigning, swap_attr() and mock.patch() work as
# with tempfile's module globals. The functions read them at call time
# through _settings, that module's dictionary. Assigning tempdir also sets
# the library's default directory (GTempfile.set_tempdir) through a
# __setattr__ on the module's type, so the GIO face and C code follow it.

# The most names the library tries before it gives up (only "already
# exists" tries another name).
TMP_MAX = 10000
template = GTempfile.get_tempprefix()
tempdir = None

_settings = globals()   # until _install() points it at the module object
_hooked = False          # whether assigning tempdir reaches the library


def _tempdir_changed(value):
    """Called before tempfile.tempdir is assigned (or deleted: None)."""
    _set_tempdir(None if value is None else os.fsencode(value))


def _infer_return_type(*args, _default=None):
    """tempfile's rule: bytes arguments give bytes paths, str or
    os.PathLike ones str; mixing them is a TypeError. With none, the type of
    tempfile.tempdir decides (str when it is None)."""
    return_type = None
    for arg in args:
        if arg is None:
            continue
        if isinstance(arg, os.PathLike):
            arg = os.fspath(arg)
        if isinstance(arg, bytes):
            if return_type is str:
                raise TypeError("Can't mix bytes and non-bytes in path components.")
            return_type = bytes
        else:
            if return_type is bytes:
                raise TypeError("Can't mix bytes and non-bytes in path components.")
            return_type = str
    if return_type is None:
        if _default is not None:
            return _default
        tempdir_now = _settings.get("tempdir")
        if tempdir_now is None or isinstance(tempdir_now, str):
            return str
        return bytes
    return return_type


def _sanitize_params(prefix, suffix, dir):
    """What the C functions get for prefix, suffix and dir, and the type of
    the paths to return. As tempfile's own _sanitize_params, it makes
    tempfile.tempdir known on first use."""
    if prefix is None and suffix is None and type(dir) is str:
        # The most common call, short. Like tempfile, the face makes dir
        # absolute with os.path.abspath, which also normalises it ("." and
        # ".." are resolved in the spelling); the library itself never does
        # (DESIGN.md §2), and its GIO face keeps the kernel's meaning.
        prefix = _settings["template"]
        return (None if prefix == "tmp" else prefix), None, os.path.abspath(dir), str
    output_type = _infer_return_type(prefix, suffix, dir)
    if prefix is None:
        prefix = _settings["template"]
        if prefix == "tmp":
            prefix = None   # the library's own default
    else:
        prefix = _fspath_arg(prefix)
    if suffix is not None:
        suffix = _fspath_arg(suffix)
    if dir is None:
        current = _settings.get("tempdir")
        if current is None:
            current = _gettempdir()
        # With the hook, the library's default directory is tempdir already,
        # made absolute when it was set; tempfile resolves a relative one
        # at each call.
        if not _hooked or not os.path.isabs(current):
            dir = current
    else:
        dir = os.path.abspath(_fspath_arg(dir))
    return prefix, suffix, dir, output_type


def _gettempdir():
    current = _settings.get("tempdir")
    if current is None:
        try:
            current = _get_tempdir()
        except GLib.Error as error:
            raise _os_error(error) from None
        # The library has this one already: no need to set it back.
        _settings["tempdir"] = current
    return current


def gettempdir():
    """Returns tempfile.tempdir as str (the default directory: the first
    usable of $TMPDIR, $TEMP, $TMP, /tmp, /var/tmp, /usr/tmp, the user's
    cache and home directories and the current directory)."""
    return os.fsdecode(_gettempdir())


def gettempdirb():
    """Returns tempfile.tempdir as bytes."""
    return os.fsencode(_gettempdir())


def gettempprefix():
    """The default prefix for temporary names, as str."""
    return os.fsdecode(_settings["template"])


def gettempprefixb():
    """The default prefix for temporary names, as bytes."""
    return os.fsencode(_settings["template"])


def set_tempdir(dir):
    """Sets the default directory of the library and of this module
    (tempfile.tempdir) for the whole process; None probes again next time.
    Assigning tempfile.tempdir does the same."""
    if dir is not None:
        dir = _fspath_arg(dir)
    _set_tempdir(dir)
    _settings["tempdir"] = dir


def _candidate_tempdir_list():
    """The directories gettempdir() tries, in order (the library's
    GTempfile.get_tempdir_candidates, under tempfile's private name)."""
    return list(_get_tempdir_candidates())


def mkstemp(suffix=None, prefix=None, dir=None, text=False):
    """Creates a file as tempfile.mkstemp does (mode 0600, O_EXCL,
    O_NOFOLLOW, close-on-exec) and returns ``(fd, path)``; the caller closes
    and removes it. The path is bytes when an argument was bytes. ``text``
    makes no difference on POSIX."""
    prefix, suffix, dir, output_type = _sanitize_params(prefix, suffix, dir)
    try:
        fd, path = _c_mkstemp(dir, prefix, suffix)
    except GLib.Error as error:
        raise _os_error(error) from None
    return fd, (os.fsencode(path) if output_type is bytes else path)


def mkdtemp(suffix=None, prefix=None, dir=None):
    """Creates a directory as tempfile.mkdtemp does (mode 0700) and returns
    its absolute path; the caller removes it."""
    prefix, suffix, dir, output_type = _sanitize_params(prefix, suffix, dir)
    try:
        path = _c_mkdtemp(dir, prefix, suffix)
    except GLib.Error as error:
        raise _os_error(error) from None
    return os.fsencode(path) if output_type is bytes else path


_CHARACTERS = "abcdefghijklmnopqrstuvwxyz0123456789_"
_system_random = None


def mktemp(suffix="", prefix=template, dir=None):
    """Returns a name that did not exist when it was chosen, without
    creating anything. Unsafe, as tempfile.mktemp: someone may create that
    name first. Use mkstemp() or mkdtemp()."""
    global _system_random
    if _system_random is None:
        import random
        _system_random = random.SystemRandom()
    if dir is None:
        dir = gettempdir()
    for _ in range(_settings["TMP_MAX"]):
        name = "".join(_system_random.choices(_CHARACTERS, k=8))
        file = os.path.join(dir, prefix + name + suffix)
        try:
            os.lstat(file)
        except OSError:
            return file
    raise FileExistsError(errno.EEXIST, "No usable temporary filename found")


# tempfile's own open flags (mkstemp(text=True) uses the same ones on POSIX).
_text_openflags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
_bin_openflags = _text_openflags | getattr(os, "O_BINARY", 0)

# ---------------------------------------------------------------------------
# The tempfile face: files


def _raw_mode(mode, buffering, encoding, errors, newline):
    """io.open()'s checks of its arguments (Lib/_pyio.py open()), done
    before the file is created; returns (FileIO mode, binary, updating,
    writing). io.open itself cannot be used: it always makes a plain
    io.FileIO, and these files need the one below."""
    if not isinstance(mode, str):
        raise TypeError(f"open() argument 'mode' must be str, not {type(mode).__name__}")
    if not isinstance(buffering, int):
        raise TypeError(f"'{type(buffering).__name__}' object cannot be interpreted as an integer")
    if encoding is not None and not isinstance(encoding, str):
        raise TypeError(f"open() argument 'encoding' must be str or None, not {type(encoding).__name__}")
    if errors is not None and not isinstance(errors, str):
        raise TypeError(f"open() argument 'errors' must be str or None, not {type(errors).__name__}")
    modes = set(mode)
    if modes - set("axrwb+t") or len(mode) > len(modes):
        raise ValueError(f"invalid mode: '{mode}'")
    creating = "x" in modes
    reading = "r" in modes
    writing = "w" in modes
    appending = "a" in modes
    updating = "+" in modes
    binary = "b" in modes
    if "t" in modes and binary:
        raise ValueError("can't have text and binary mode at once")
    if creating + reading + writing + appending != 1:
        raise ValueError("must have exactly one of create/read/write/append mode")
    if binary:
        if encoding is not None:
            raise ValueError("binary mode doesn't take an encoding argument")
        if errors is not None:
            raise ValueError("binary mode doesn't take an errors argument")
        if newline is not None:
            raise ValueError("binary mode doesn't take a newline argument")
        if buffering == 1:
            warnings.warn("line buffering (buffering=1) isn't supported in binary mode, "
                          "the default buffer size will be used", RuntimeWarning, 3)
    elif buffering == 0:
        raise ValueError("can't have unbuffered text I/O")
    raw = ("x" if creating else "r" if reading else "w" if writing else "a") + ("+" if updating else "")
    return raw, binary, updating, creating or writing or appending


# The checks of the common modes, done once: (mode, buffering, encoding,
# errors, newline) -> what _raw_mode returns.
_CHECKED_MODES = {}


def _checked_mode(mode, buffering, encoding, errors, newline):
    key = (mode, buffering, encoding, errors, newline)
    try:
        return _CHECKED_MODES[key]
    except (KeyError, TypeError):
        result = _raw_mode(mode, buffering, encoding, errors, newline)
        # Not buffering=1, whose warning comes each time; a bounded cache.
        if buffering != 1 and len(_CHECKED_MODES) < 64:
            _CHECKED_MODES[key] = result
        return result


class _TempFileIO(io.FileIO):
    """io.FileIO over the descriptor of a GTempFile (closefd=False: the
    GTempFile owns the descriptor). Closing it closes the GTempFile, which
    removes the file or keeps it as its flags say; the buffered and text
    layers above close it last, after their flush.

    Attributes: ``gtempfile``; ``_unclosed``, the ResourceWarning format
    for an implicit close (None: no warning); ``_delete``, whether an
    implicit close removes the file whatever delete-on-close says (as
    NamedTemporaryFile's finalizer does); ``_cleanup``, whether the next
    close removes it (set by NamedTemporaryFile's close)."""

    gtempfile = None
    _unclosed = None
    _delete = False
    _cleanup = False
    _generation = None
    _implicit = False

    def close(self, _close=io.FileIO.close, _finalizing=_finalizing,
              _generation=_fork_generation):
        if self.closed:
            return
        try:
            _close(self)
        finally:
            if self.gtempfile is not None and not _finalizing():
                try:
                    if ((self._cleanup or (self._implicit and self._delete))
                            and self._generation == _generation[0]):
                        _temp_file_cleanup(self.gtempfile, None)
                    else:
                        _stream_close(self.gtempfile, None)
                except GLib.Error as error:
                    raise _os_error(error) from None

    def _dealloc_warn(self, source, _warn=warnings.warn):
        # The buffered and text layers call this when they are finalized
        # while open, just before they close this, as io.FileIO's own does
        # for an unclosed file.
        if not self.closed:
            self._implicit = True
            if self._unclosed is not None:
                _warn(self._unclosed.format(source), ResourceWarning, stacklevel=2,
                      source=source)


class _UnbufferedTempFileIO(_TempFileIO):
    """The same, returned as the file itself (buffering=0): no layer above
    finalizes it, so it does."""

    def __del__(self):
        if not self.closed:
            self._dealloc_warn(self)
            self.close()


def _open(gtempfile, raw_mode, binary, updating, writing, buffering, encoding,
          errors, newline, mode, unclosed, delete):
    """The io stack over the GTempFile's descriptor, as io.open builds it;
    ``gtempfile`` is on the raw layer and on the object returned."""
    raw = (_TempFileIO if buffering else _UnbufferedTempFileIO)(
        _temp_file_get_fd(gtempfile), raw_mode, closefd=False)
    raw.gtempfile = gtempfile
    if unclosed is not None:
        raw._unclosed = unclosed
    if delete:
        raw._delete = True
        raw._generation = _fork_generation[0]
    try:
        line_buffering = False
        if buffering == 1:
            buffering = -1
            line_buffering = True
        if buffering < 0:
            # A temporary file is never a terminal: no isatty() to ask.
            buffering = raw._blksize if raw._blksize > 1 else io.DEFAULT_BUFFER_SIZE
        if buffering == 0:
            return raw
        if updating:
            buffer = io.BufferedRandom(raw, buffering)
        elif writing:
            buffer = io.BufferedWriter(raw, buffering)
        else:
            buffer = io.BufferedReader(raw, buffering)
        if binary:
            buffer.gtempfile = gtempfile
            return buffer
        text = io.TextIOWrapper(buffer, encoding, errors, newline, line_buffering)
        text.mode = mode
        text.gtempfile = gtempfile
        return text
    except BaseException:
        raw._unclosed = None
        raw.close()
        raise


# Python 3.14 warns when a NamedTemporaryFile is cleaned up implicitly.
_NAMED_UNCLOSED = "Implicitly cleaning up {!r}" if sys.version_info >= (3, 14) else None


class _TemporaryFileWrapper:
    """What NamedTemporaryFile returns, as tempfile's class of that name:
    ``file`` (the io object), ``name`` (the path, str or bytes), ``delete``,
    ``gtempfile``; every other attribute is the file's.

    The io stack owns the file (its raw layer closes the GTempFile), so a
    method taken from the wrapper keeps working after the wrapper is gone
    (bpo-18879) and no cleanup waits for the wrapper's own death."""

    def __init__(self, file, name, delete=True, delete_on_close=True, gtempfile=None,
                 raw=None):
        self.file = file
        self.name = name
        self.delete = delete
        self._delete_on_close = delete_on_close
        self.gtempfile = gtempfile
        self._raw = raw

    def __getattr__(self, name):
        # Attribute lookups go to the file, and are kept unless they are
        # numbers (so methods are kept, closed and friends are not).
        value = getattr(self.__dict__["file"], name)
        if not isinstance(value, int):
            setattr(self, name, value)
        return value

    def __enter__(self):
        self.file.__enter__()
        return self

    def __exit__(self, exc, value, tb):
        # Leaving the block removes the file when delete, whatever
        # delete_on_close says (Python 3.12).
        self._close(True)

    def close(self):
        """Closes the file; removes it when ``delete`` and
        ``delete_on_close``."""
        self._close(self._delete_on_close)

    def _close(self, remove, _finalizing=_finalizing, _generation=_fork_generation):
        # The file is made with keep-on-close, as tempfile removes it only
        # through the wrapper: closing ``f.file`` itself keeps it (to be
        # opened again by name). Removing it here, the io stack's own close
        # does it, in the same call into C as the close. A forked child
        # leaves its parent's file alone, as the library does.
        if (not (remove and self.delete) or _finalizing()
                or self._raw._generation != _generation[0]):
            self.file.close()
        elif not self._raw.closed:
            self._raw._cleanup = True
            self.file.close()
        else:
            self.file.close()
            try:
                _temp_file_cleanup(self.gtempfile, None)
            except GLib.Error as error:
                raise _os_error(error) from None

    def __iter__(self):
        return iter(self.file)

    def __repr__(self):
        return f"<{type(self).__name__} file={self.file!r}>"


# The wrapper is an io object as far as isinstance() goes, like the files.
io.IOBase.register(_TemporaryFileWrapper)


def NamedTemporaryFile(mode='w+b', buffering=-1, encoding=None,
                       newline=None, suffix=None, prefix=None,
                       dir=None, delete=True, *, errors=None,
                       delete_on_close=True):
    """Creates and returns a temporary file with a name, as
    tempfile.NamedTemporaryFile: ``mode``, ``buffering``, ``encoding``,
    ``newline`` and ``errors`` as for io.open; ``prefix``, ``suffix`` and
    ``dir`` as for mkstemp; with ``delete`` the file is removed when it is
    closed (unless ``delete_on_close`` is false: then when the ``with``
    block ends or the object is released). ``f.gtempfile`` is the
    GTempfile.TempFile that owns it."""
    prefix, suffix, dir, output_type = _sanitize_params(prefix, suffix, dir)
    if "b" not in mode:
        encoding = io.text_encoding(encoding)
    raw_mode, binary, updating, writing = _checked_mode(mode, buffering, encoding, errors,
                                                        newline)
    try:
        gtempfile = _temp_file_new_full(dir, prefix, suffix, _NAMED_FLAGS[not not delete, False],
                                        None)
    except GLib.Error as error:
        raise _os_error(error) from None
    try:
        name = _temp_file_get_path(gtempfile)
        if output_type is bytes:
            name = os.fsencode(name)
        file = _open(gtempfile, raw_mode, binary, updating, writing, buffering, encoding,
                     errors, newline, mode, _NAMED_UNCLOSED, delete)
    except BaseException:
        _temp_file_cleanup(gtempfile, None)
        raise
    raw = getattr(file, "buffer", file)
    raw = getattr(raw, "raw", raw)
    raw.name = name
    return _TemporaryFileWrapper(file, name, delete, delete_on_close, gtempfile, raw)


def TemporaryFile(mode='w+b', buffering=-1, encoding=None,
                  newline=None, suffix=None, prefix=None,
                  dir=None, *, errors=None):
    """Creates and returns a temporary file without a name (O_TMPFILE where
    the file system has it), as tempfile.TemporaryFile: an io object whose
    ``name`` is the descriptor; ``f.gtempfile`` is the GTempfile.TempFile
    that owns it."""
    if "b" not in mode:
        encoding = io.text_encoding(encoding)
    prefix, suffix, dir, output_type = _sanitize_params(prefix, suffix, dir)
    raw_mode, binary, updating, writing = _checked_mode(mode, buffering, encoding, errors,
                                                        newline)
    try:
        gtempfile = _temp_file_new_full(dir, prefix, suffix, _FILE_ANONYMOUS, None)
    except GLib.Error as error:
        raise _os_error(error) from None
    try:
        return _open(gtempfile, raw_mode, binary, updating, writing, buffering, encoding,
                     errors, newline, mode, "unclosed file {!r}", False)
    except BaseException:
        _stream_close(gtempfile, None)
        raise


class _SpooledBuffer(io.BufferedIOBase):
    """The binary file of a SpooledTemporaryFile: reads and writes the C
    GSpooledStream, which holds the content, rolls it over to an anonymous
    file after a write that ends past max_size, and loses nothing when that
    fails. Unbuffered, like io.BytesIO: every write reaches the stream."""

    def __init__(self, stream):
        self._stream = stream
        # The stream halves, when first needed (each costs a Python wrapper).
        self._in = None
        self._out = None
        self._closed = False

    @property
    def closed(self):
        return self._closed

    def close(self, _finalizing=_finalizing):
        if self._closed:
            return
        self._closed = True
        if not _finalizing():
            try:
                _stream_close(self._stream, None)
            except GLib.Error as error:
                raise _os_error(error) from None

    def _input(self):
        stream = self._in = _get_input_stream(self._stream)
        return stream

    def _output(self):
        stream = self._out = _get_output_stream(self._stream)
        return stream

    def _check_open(self):
        if self._closed:
            raise _closed_error()

    def readable(self):
        self._check_open()
        return True

    writable = seekable = readable

    def isatty(self):
        self._check_open()
        return False

    def fileno(self):
        try:
            return _spooled_get_fd(self._stream)
        except GLib.Error as error:
            raise _os_error(error) from None

    def read(self, size=-1):
        try:
            return _read(self._in or self._input(), size)
        except GLib.Error as error:
            raise _os_error(error) from None

    read1 = read

    def readline(self, size=-1):
        try:
            return _readline(self._stream, self._in or self._input(), size)
        except GLib.Error as error:
            raise _os_error(error) from None

    def write(self, b):
        if type(b) is not bytes:
            b = _as_bytes(b)
        try:
            _write_all(self._out or self._output(), b, None)
        except GLib.Error as error:
            raise _os_error(error) from None
        return len(b)

    def seek(self, pos, whence=0):
        if type(pos) is not int:
            pos = operator.index(pos)
        if whence == 0:
            if pos < 0:
                raise ValueError(f"negative seek value {pos}")
            seek_type = _SEEK_SET
        else:
            seek_type = _whence(whence)
        try:
            _seekable_seek(self._stream, pos, seek_type, None)
        except GLib.Error as error:
            if (pos < 0 and error.code == _INVALID_ARGUMENT and error.domain == _IO_ERROR_DOMAIN
                    and not _spooled_is_rolled_over(self._stream)):
                # In memory, tempfile's BytesIO stops at the start; a file
                # on disk refuses, as here.
                return self.seek(0)
            raise _os_error(error) from None
        return pos if seek_type == _SEEK_SET else _seekable_tell(self._stream)

    def tell(self):
        # g_seekable_tell() cannot report a closed stream.
        self._check_open()
        return _seekable_tell(self._stream)

    def truncate(self, size=None):
        if size is None:
            size = self.tell()
        else:
            size = _index(size)
            if size < 0:
                raise ValueError(f"negative size value {size}")
        try:
            _seekable_truncate(self._stream, size, None)
        except GLib.Error as error:
            raise _os_error(error) from None
        return size

    def flush(self):
        self._check_open()


def _fileio_mode(mode):
    """The mode io.FileIO reports for a file opened with ``mode``."""
    if "x" in mode:
        return "xb+" if "+" in mode else "xb"
    if "a" in mode:
        return "ab+" if "+" in mode else "ab"
    if "+" in mode:
        return "rb+"
    return "rb" if "r" in mode else "wb"


class SpooledTemporaryFile(io.IOBase):
    """A temporary file that stays in memory until it grows past
    ``max_size`` bytes (0: never), as tempfile.SpooledTemporaryFile; then
    its content moves to an anonymous file. The content lives in the C
    GSpooledStream ``s.gspooled``, so a rollover that fails (no space) loses
    nothing: the write fails and the data stays in memory. Text modes go
    through io.TextIOWrapper; ``max_size`` counts encoded bytes."""

    __class_getitem__ = classmethod(types.GenericAlias)

    def __init__(self, max_size=0, mode='w+b', buffering=-1,
                 encoding=None, newline=None,
                 suffix=None, prefix=None, dir=None, *, errors=None):
        if "b" not in mode:
            encoding = io.text_encoding(encoding)
        # tempfile tests "if max_size and ...": None and 0 never roll over.
        limit = int(max_size) if max_size and max_size > 0 else 0
        stream = _spooled_new_full(
            limit,
            dir if dir is None or type(dir) is str else _fspath_arg(dir),
            prefix if prefix is None or type(prefix) is str else _fspath_arg(prefix),
            suffix if suffix is None or type(suffix) is str else _fspath_arg(suffix))
        self.gspooled = stream
        self._max_size = max_size
        self._mode = mode
        buffer = _SpooledBuffer(stream)
        if "b" in mode:
            self._file = buffer
            # The calls of a typical cycle go straight to the binary file
            # (one Python call less each; the class's methods do the same).
            self.write = buffer.write
            self.read = buffer.read
            self.seek = buffer.seek
        else:
            # write_through: each write reaches the stream, which decides
            # about the rollover after it, as tempfile checks after each.
            self._file = io.TextIOWrapper(buffer, encoding=encoding, errors=errors,
                                          newline=newline, write_through=True)
        if max_size and max_size < 0:
            # tempfile rolls over after any write when max_size < 0.
            self.rollover()

    @property
    def _rolled(self):
        return _spooled_is_rolled_over(self.gspooled)

    def rollover(self):
        try:
            _spooled_rollover(self.gspooled, None)
        except GLib.Error as error:
            raise _os_error(error) from None

    # Context management protocol
    def __enter__(self):
        if self._file.closed:
            raise ValueError("Cannot enter context with closed file")
        return self

    def __exit__(self, exc, value, tb):
        self._file.close()

    # file protocol
    def __iter__(self):
        return self._file.__iter__()

    def __del__(self, _warn=warnings.warn):
        try:
            closed = self.closed
        except (AttributeError, ValueError):
            # Not made, or the text layer was detached: nothing is ours.
            return
        if not closed:
            _warn("Unclosed file {!r}".format(self), ResourceWarning,
                  stacklevel=2, source=self)
            self.close()

    def close(self):
        self._file.close()

    @property
    def closed(self):
        return self._file.closed

    @property
    def encoding(self):
        return self._file.encoding

    @property
    def errors(self):
        return self._file.errors

    def fileno(self):
        self.rollover()
        return self._file.fileno()

    def flush(self):
        self._file.flush()

    def isatty(self):
        return self._file.isatty()

    @property
    def mode(self):
        if "b" in self._mode and self._rolled:
            return _fileio_mode(self._mode)
        return self._mode

    @property
    def name(self):
        if not self._rolled:
            return None
        return _spooled_get_fd(self.gspooled)

    @property
    def newlines(self):
        return self._file.newlines

    def readable(self):
        return self._file.readable()

    def read(self, *args):
        return self._file.read(*args)

    def read1(self, *args):
        return self._file.read1(*args)

    def readinto(self, b):
        return self._file.readinto(b)

    def readinto1(self, b):
        return self._file.readinto1(b)

    def readline(self, *args):
        return self._file.readline(*args)

    def readlines(self, *args):
        return self._file.readlines(*args)

    def seekable(self):
        return self._file.seekable()

    def seek(self, *args):
        return self._file.seek(*args)

    def tell(self):
        return self._file.tell()

    def truncate(self, size=None):
        # The stream rolls over when the new size passes max_size (never
        # with max_size 0, where tempfile would).
        if size is None:
            return self._file.truncate()
        return self._file.truncate(size)

    def writable(self):
        return self._file.writable()

    def write(self, s):
        return self._file.write(s)

    def writelines(self, iterable):
        return self._file.writelines(iterable)

    def detach(self):
        return self._file.detach()


# ---------------------------------------------------------------------------
# The tempfile face: directories

class TemporaryDirectory:
    """Creates a temporary directory, as tempfile.TemporaryDirectory:
    ``name`` is its path; ``with`` gives the path and removes the directory
    at the end when ``delete``; releasing the object removes it with a
    ResourceWarning. ``d.gtempdir`` is the GTempfile.TempDir that owns it;
    removal is the library's walk, which never follows a symbolic link."""

    def __init__(self, suffix=None, prefix=None, dir=None,
                 ignore_cleanup_errors=False, *, delete=True):
        prefix, suffix, dir, output_type = _sanitize_params(prefix, suffix, dir)
        flags = _DIR_FLAGS[not not delete, not not ignore_cleanup_errors]
        try:
            gtempdir = _temp_dir_new_full(dir, prefix, suffix, flags, None)
        except GLib.Error as error:
            raise _os_error(error) from None
        name = _temp_dir_get_path(gtempdir)
        self.name = os.fsencode(name) if output_type is bytes else name
        self.gtempdir = gtempdir
        self._ignore_cleanup_errors = ignore_cleanup_errors
        self._delete = delete
        self._finalizer = weakref.finalize(
            self, self._cleanup, gtempdir,
            warn_message="Implicitly cleaning up {!r}".format(self),
            delete=delete, generation=_fork_generation[0])

    @classmethod
    def _rmtree(cls, gtempdir, _finalizing=_finalizing):
        if _finalizing():
            return
        try:
            _temp_dir_cleanup(gtempdir, None)
        except GLib.Error as error:
            raise _os_error(error) from None

    @classmethod
    def _cleanup(cls, gtempdir, warn_message, delete=True, generation=0,
                 _warn=warnings.warn, _generation=_fork_generation):
        # Not in a fork() child: the directory is its parent's.
        if delete and generation == _generation[0]:
            cls._rmtree(gtempdir)
            _warn(warn_message, ResourceWarning)

    def __repr__(self):
        return "<{} {!r}>".format(self.__class__.__name__, self.name)

    def __enter__(self):
        return self.name

    def __exit__(self, exc, value, tb):
        if self._delete:
            self.cleanup()

    def cleanup(self, _exists=os.path.exists):
        if self._finalizer.detach() or _exists(self.name):
            self._rmtree(self.gtempdir)

    __class_getitem__ = classmethod(types.GenericAlias)


__all__ = [
    "NamedTemporaryFile", "TemporaryFile", "SpooledTemporaryFile", "TemporaryDirectory",
    "mkstemp", "mkdtemp", "mktemp", "gettempprefix", "gettempdir",
    "gettempprefixb", "gettempdirb",
]

# ---------------------------------------------------------------------------
# The module object


def _module_setattr(self, name, value, _set=types.ModuleType.__setattr__):
    if name == "tempdir":
        _tempdir_changed(value)
    _set(self, name, value)


def _module_delattr(self, name, _delete=types.ModuleType.__delattr__):
    _delete(self, name)
    if name == "tempdir":
        _tempdir_changed(None)


def _install():
    """Makes the module object of `from gi.repository import GTempfile`
    look like tempfile to code that inspects it.

    PyGObject gives each namespace with overrides its own proxy module type
    (so that it can hang descriptors on it): the GIO face's classes go on
    that type, so that the module's own namespace holds tempfile's public
    names only (tempfile's test_exports checks that), and the type gets the
    __setattr__ that passes an assignment to tempdir on to the library."""
    global _settings, _hooked
    proxy = sys.modules.get("gi.repository.GTempfile")
    proxy_type = type(proxy)
    if not isinstance(proxy, OverridesProxyModule) or proxy_type is OverridesProxyModule:
        # Another PyGObject: tempdir etc. are copied from __all__, and
        # assigning tempdir changes this module's face only.
        __all__.extend(["tempdir", "template", "TMP_MAX", "TempFile", "TempDir",
                        "SpooledStream", "set_tempdir"])
        return
    namespace = vars(proxy)
    for name, value in (("TempFile", TempFile), ("TempDir", TempDir),
                        ("SpooledStream", SpooledStream),
                        ("set_tempdir", staticmethod(set_tempdir))):
        namespace.pop(name, None)
        setattr(proxy_type, name, value)
    namespace["tempdir"] = None
    namespace["template"] = template
    namespace["TMP_MAX"] = TMP_MAX
    namespace["_infer_return_type"] = _infer_return_type
    namespace["_candidate_tempdir_list"] = _candidate_tempdir_list
    namespace["_text_openflags"] = _text_openflags
    namespace["_bin_openflags"] = _bin_openflags
    proxy_type.__setattr__ = _module_setattr
    proxy_type.__delattr__ = _module_delattr
    _settings = namespace
    _hooked = True


_install()
