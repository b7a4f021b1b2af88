/* gtempfile-platform-win32.c: the platform layer for Windows
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What each operation uses (DESIGN.md §8):
 *
 *   paths             UTF-8, as everywhere in GLib on Windows, turned into
 *                     UTF-16 for the wide-character calls (no ANSI call
 *                     anywhere), with the \\?\ prefix from MAX_PATH on (up
 *                     to 32 767 units); names inside the walk are WTF-8, so
 *                     even a name that is not valid UTF-16 can be removed
 *   descriptors       CRT descriptors (_open_osfhandle) over handles made
 *                     with CreateFileW: binary, never inherited, and sharing
 *                     read, write and delete, so that a temporary file that
 *                     is open can still be renamed (persist) and removed
 *                     (exit pass), as on POSIX
 *   random bytes      BCryptGenRandom (the system-preferred RNG)
 *   anonymous file    created by the create loop under a random name with
 *                     FILE_FLAG_DELETE_ON_CLOSE: the name goes when the last
 *                     handle closes, and the system removes the file even
 *                     when the process is killed. Where POSIX delete
 *                     semantics exist (Windows 10 1709 and later, NTFS), the
 *                     name is removed at once, as unlink(2) would. There is
 *                     no O_TMPFILE and no way to give such a file a name
 *                     again: persisting one is G_IO_ERROR_NOT_SUPPORTED.
 *   no-replace rename MoveFileExW without MOVEFILE_REPLACE_EXISTING (atomic)
 *   replacing rename  MoveFileExW with it for a file (atomic); a directory
 *                     onto an empty directory (which rename(2) replaces)
 *                     removes the empty target first: not atomic
 *   sync              FlushFileBuffers on the file; a directory where the
 *                     file system lets it be flushed; a tree: the volume
 *                     when the process may open it, else the directory
 *   identity          volume serial number and file index
 *                     (GetFileInformationByHandle): st_ino is 0 on Windows
 *   the walk          NT handles opened relative to their parent handle
 *                     (NtOpenFile with a RootDirectory) with
 *                     FILE_OPEN_REPARSE_POINT: a symbolic link, junction,
 *                     mount point or any other reparse point is never
 *                     entered nor followed, and is removed as itself. Listing
 *                     one entry at a time (NtQueryDirectoryFile), removal
 *                     through the entry's own handle (its delete
 *                     disposition, POSIX semantics where there are), and a
 *                     read-only entry is made writable through that same
 *                     handle first: the Windows "permission repair".
 *   mount test        the volume serial number; reparse points (junctions,
 *                     mounted volumes) are never entered anyway
 *   locks             none: Windows has no advisory directory lock that a
 *                     cleaner respects. The handle a GTempDir keeps shares
 *                     delete access, or it would stop the library itself
 *                     from removing and renaming the directory. With no
 *                     RLIMIT_NOFILE (_g_tempfile_sys_descriptor_limit() is
 *                     0), GTempDir keeps at most 256 such handles.
 *   signals           none: no handlers, nothing to block
 *   fork              none: the process id never changes
 *   unloading         the DLL pins itself when it is loaded (GTypes and the
 *                     atexit pass; -Wl,-z,nodelete does nothing here)
 */

#include "config.h"

#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <winternl.h>
#include <bcrypt.h>

#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gtempfile-platform-private.h"

/* What winternl.h leaves out (it is in the DDK's ntifs.h, which cannot be
 * included together with windows.h). */
/* NTSTATUS values (ntstatus.h clashes with windows.h), signed as NTSTATUS. */
#define NT_STATUS_NO_MORE_FILES          ((NTSTATUS) 0x80000006L)
#define NT_STATUS_DELETE_PENDING         ((NTSTATUS) 0xC0000056L)
#define NT_STATUS_NOT_A_DIRECTORY        ((NTSTATUS) 0xC0000103L)
#define NT_STATUS_FILE_IS_A_DIRECTORY    ((NTSTATUS) 0xC00000BAL)
#define NT_STATUS_DIRECTORY_NOT_EMPTY    ((NTSTATUS) 0xC0000101L)
#define NT_STATUS_CANNOT_DELETE          ((NTSTATUS) 0xC0000121L)
#define NT_STATUS_ACCESS_DENIED          ((NTSTATUS) 0xC0000022L)
#define NT_STATUS_INVALID_PARAMETER      ((NTSTATUS) 0xC000000DL)
#define NT_STATUS_NOT_SUPPORTED          ((NTSTATUS) 0xC00000BBL)
#define NT_STATUS_INVALID_INFO_CLASS     ((NTSTATUS) 0xC0000003L)
#define NT_STATUS_NOT_IMPLEMENTED        ((NTSTATUS) 0xC0000002L)
#define NT_STATUS_NAME_TOO_LONG          ((NTSTATUS) 0xC0000106L)
#define NT_STATUS_OBJECT_NAME_INVALID    ((NTSTATUS) 0xC0000033L)
#define NT_STATUS_INVALID_DEVICE_REQUEST ((NTSTATUS) 0xC0000010L)

NTSTATUS NTAPI NtQueryDirectoryFile (HANDLE                 handle,
                                     HANDLE                 event,
                                     PIO_APC_ROUTINE        apc_routine,
                                     PVOID                  apc_context,
                                     PIO_STATUS_BLOCK       io_status,
                                     PVOID                  buffer,
                                     ULONG                  length,
                                     FILE_INFORMATION_CLASS info_class,
                                     BOOLEAN                single_entry,
                                     PUNICODE_STRING        file_name,
                                     BOOLEAN                restart_scan);
NTSTATUS NTAPI RtlGetLastNtStatus (void);

/* FILE_INFORMATION_CLASS values for NtSetInformationFile (ntifs.h). */
#define NT_FILE_BASIC_INFORMATION        4
#define NT_FILE_DISPOSITION_INFORMATION  13
#define NT_FILE_DISPOSITION_INFORMATION_EX 64
#define NT_FILE_ID_BOTH_DIR_INFORMATION  37

#define NT_DISPOSITION_DELETE                  0x1
#define NT_DISPOSITION_POSIX_SEMANTICS         0x2
#define NT_DISPOSITION_IGNORE_READONLY         0x10

/* Every open of ours shares everything: a temporary file must stay
 * renameable and removable while it is open. */
#define SHARE_ALL (FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE)

/* A directory handle for the walk: listing, looking names up, identity. */
#define DIR_ACCESS (FILE_LIST_DIRECTORY | FILE_TRAVERSE | FILE_READ_ATTRIBUTES | SYNCHRONIZE)

/* NT open options: never follow a reparse point, synchronous I/O, and
 * directories may be opened as such. */
#define NT_OPEN_OPTIONS \
  (FILE_OPEN_REPARSE_POINT | FILE_SYNCHRONOUS_IO_NONALERT | FILE_OPEN_FOR_BACKUP_INTENT)

G_STATIC_ASSERT (sizeof (GTempfileSysHandle) >= sizeof (HANDLE));

/* Features built ---------------------------------------------------------------- */

gboolean
_g_tempfile_sys_feature_built (GTempfileSysFeature feature)
{
  gboolean built;

  switch (feature)
    {
    case GTEMPFILE_SYS_FEATURE_RENAME_NOREPLACE:
      /* MoveFileExW without MOVEFILE_REPLACE_EXISTING. */
      built = TRUE;
      break;
    case GTEMPFILE_SYS_FEATURE_O_TMPFILE:
    case GTEMPFILE_SYS_FEATURE_GETDENTS:
    case GTEMPFILE_SYS_FEATURE_GETRANDOM:
    case GTEMPFILE_SYS_FEATURE_PROC:
    case GTEMPFILE_SYS_FEATURE_SYNCFS:
    case GTEMPFILE_SYS_FEATURE_STATX_MOUNT_ID:
    case GTEMPFILE_SYS_FEATURE_HANDLE_MOUNT_ID:
    case GTEMPFILE_SYS_FEATURE_O_PATH:
    case GTEMPFILE_SYS_FEATURE_SIGNALS:
    case GTEMPFILE_SYS_FEATURE_MODES:
    case GTEMPFILE_SYS_FEATURE_UNLINK_OPEN:
      /* Not promised: only POSIX delete semantics (Windows 10 1709 and
       * later, NTFS) take the name of an open file away at once; elsewhere
       * (Wine included) it stays listed until the file is closed. */
      built = FALSE;
      break;
    case GTEMPFILE_SYS_N_FEATURES:
    default:
      g_return_val_if_reached (FALSE);
    }

  return built;
}

/* Errors ------------------------------------------------------------------------ */

static int
errno_from_win32 (DWORD code)
{
  switch (code)
    {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_DRIVE:
    case ERROR_BAD_NETPATH:
    case ERROR_BAD_NET_NAME:
    case ERROR_BAD_PATHNAME:
      return ENOENT;
    case ERROR_ACCESS_DENIED:
    case ERROR_SHARING_VIOLATION:
    case ERROR_LOCK_VIOLATION:
    case ERROR_PRIVILEGE_NOT_HELD:
    case ERROR_CANNOT_MAKE:
      return EACCES;
    case ERROR_FILE_EXISTS:
    case ERROR_ALREADY_EXISTS:
      return EEXIST;
    case ERROR_DIR_NOT_EMPTY:
      return ENOTEMPTY;
    case ERROR_DIRECTORY:
      return ENOTDIR;
    case ERROR_NOT_SAME_DEVICE:
      return EXDEV;
    case ERROR_DISK_FULL:
    case ERROR_HANDLE_DISK_FULL:
      return ENOSPC;
    case ERROR_FILENAME_EXCED_RANGE:
    case ERROR_BUFFER_OVERFLOW:
      return ENAMETOOLONG;
    case ERROR_INVALID_NAME:
    case ERROR_INVALID_PARAMETER:
      return EINVAL;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
    case ERROR_NO_SYSTEM_RESOURCES:
      return ENOMEM;
    case ERROR_TOO_MANY_OPEN_FILES:
      return EMFILE;
    case ERROR_INVALID_HANDLE:
      return EBADF;
    case ERROR_NOT_SUPPORTED:
    case ERROR_INVALID_FUNCTION:
    case ERROR_CALL_NOT_IMPLEMENTED:
      return EOPNOTSUPP;
    case ERROR_WRITE_PROTECT:
      return EROFS;
    case ERROR_CANT_RESOLVE_FILENAME:
      return ELOOP;
    case ERROR_BUSY:
      return EBUSY;
    default:
      return EIO;
    }
}

/* errno for the last failed call. A name whose deletion is pending (it
 * goes when its last handle closes) cannot be opened, and Windows says
 * "access denied": for us it is gone. */
static int
set_errno_from_last_error (void)
{
  DWORD code = GetLastError ();

  if (code == ERROR_ACCESS_DENIED && RtlGetLastNtStatus () == NT_STATUS_DELETE_PENDING)
    errno = ENOENT;
  else
    errno = errno_from_win32 (code);
  return -1;
}

static int
set_errno_from_status (NTSTATUS status)
{
  if (status == NT_STATUS_DELETE_PENDING)
    errno = ENOENT;
  else if (status == NT_STATUS_NOT_A_DIRECTORY)
    errno = ENOTDIR;
  else if (status == NT_STATUS_FILE_IS_A_DIRECTORY)
    errno = EISDIR;
  else if (status == NT_STATUS_DIRECTORY_NOT_EMPTY)
    errno = ENOTEMPTY;
  else
    errno = errno_from_win32 (RtlNtStatusToDosError (status));
  return -1;
}

/* Paths ------------------------------------------------------------------------- */

/* A full path in UTF-16: in @stack when it fits, else allocated (released
 * by free_wide()). NULL with errno on invalid UTF-8, or ENAMETOOLONG past
 * the 32 767 units Windows allows. A path of MAX_PATH or more is made
 * absolute by GetFullPathNameW (which is what Windows does to every path)
 * and given the \\?\ prefix, which lifts the MAX_PATH limit. */
#define STACK_PATH 520
#define LONG_PATH_MAX 32767

static wchar_t *
to_wide (const char *path,
         wchar_t     stack[STACK_PATH])
{
  wchar_t *wide = stack;
  wchar_t *full;
  DWORD full_length;
  int n;

  n = MultiByteToWideChar (CP_UTF8, MB_ERR_INVALID_CHARS, path, -1, stack, STACK_PATH);
  if (n <= 0)
    {
      if (GetLastError () != ERROR_INSUFFICIENT_BUFFER)
        {
          errno = EINVAL;
          return NULL;
        }
      n = MultiByteToWideChar (CP_UTF8, MB_ERR_INVALID_CHARS, path, -1, NULL, 0);
      if (n <= 0)
        {
          errno = EINVAL;
          return NULL;
        }
      if (n > LONG_PATH_MAX)
        {
          errno = ENAMETOOLONG;
          return NULL;
        }
      wide = g_try_new (wchar_t, n);
      if (wide == NULL)
        {
          errno = ENOMEM;
          return NULL;
        }
      MultiByteToWideChar (CP_UTF8, MB_ERR_INVALID_CHARS, path, -1, wide, n);
    }

  if (n - 1 < MAX_PATH - 12 || wcsncmp (wide, L"\\\\?\\", 4) == 0)
    return wide;

  /* Long: "\\?\C:\..." or "\\?\UNC\server\...". */
  full_length = GetFullPathNameW (wide, 0, NULL, NULL);
  full = full_length > 0 && full_length + 8 <= LONG_PATH_MAX ? g_try_new (wchar_t, full_length + 8)
                                                              : NULL;
  if (full == NULL)
    {
      if (wide != stack)
        g_free (wide);
      errno = full_length > 0 ? ENAMETOOLONG : EINVAL;
      return NULL;
    }
  wcscpy (full, L"\\\\?\\");
  if (GetFullPathNameW (wide, full_length, full + 4, NULL) == 0)
    {
      g_free (full);
      if (wide != stack)
        g_free (wide);
      errno = EINVAL;
      return NULL;
    }
  if (full[4] == L'\\' && full[5] == L'\\')
    {
      /* \\server\share: \\?\UNC\server\share */
      memmove (full + 8, full + 6, (wcslen (full + 6) + 1) * sizeof (wchar_t));
      memcpy (full + 4, L"UNC\\", 4 * sizeof (wchar_t));
    }
  if (wide != stack)
    g_free (wide);
  return full;
}

static void
free_wide (wchar_t *path,
           wchar_t  stack[STACK_PATH])
{
  if (path != stack)
    g_free (path);
}

/* The current directory of drive @letter, or of the process when @letter
 * is 0, in UTF-8; NULL with errno. */
static char *
current_dir (wchar_t letter)
{
  wchar_t drive[3] = { letter, L':', L'\0' };
  wchar_t *wide;
  DWORD length;
  char *result;

  if (letter == 0)
    length = GetCurrentDirectoryW (0, NULL);
  else
    length = GetFullPathNameW (drive, 0, NULL, NULL);
  wide = length > 0 ? g_try_new (wchar_t, length + 1) : NULL;
  if (wide == NULL ||
      (letter == 0 ? GetCurrentDirectoryW (length + 1, wide)
                   : GetFullPathNameW (drive, length + 1, wide, NULL)) == 0)
    {
      if (wide == NULL && length > 0)
        errno = ENOMEM;
      else
        set_errno_from_last_error ();
      g_free (wide);
      return NULL;
    }
  result = g_utf16_to_utf8 ((const gunichar2 *) wide, -1, NULL, NULL, NULL);
  g_free (wide);
  if (result == NULL)
    errno = EINVAL;
  return result;
}

char *
_g_tempfile_sys_make_absolute (const char *path)
{
  g_autofree char *cwd = NULL;
  const char *rest = path;
  gsize length;

  if (g_path_is_absolute (path))
    return g_strdup (path);

  /* "C:name" is relative to drive C:'s own current directory. */
  if (g_ascii_isalpha (path[0]) && path[1] == ':')
    {
      cwd = current_dir ((wchar_t) path[0]);
      rest = path + 2;
    }
  else
    cwd = current_dir (0);
  if (cwd == NULL)
    return NULL;
  if (*rest == '\0')
    return g_steal_pointer (&cwd);

  length = strlen (cwd);
  if (length > 0 && G_IS_DIR_SEPARATOR (cwd[length - 1]))
    return g_strconcat (cwd, rest, NULL);
  return g_strconcat (cwd, G_DIR_SEPARATOR_S, rest, NULL);
}

char *
_g_tempfile_sys_resolve_dots (const char *path)
{
  /* Windows itself shortens "." and ".." before the file system sees them,
   * as GFile does. */
  return NULL;
}

/* Names of the walk are WTF-8: UTF-8 that may also hold unpaired
 * surrogates, so that every UTF-16 name an NTFS directory can hold comes
 * back to the same name. Without allocating (the walk runs at exit). A
 * name is at most 255 UTF-16 units. */
#define NAME_UNITS 256

static gssize
name_to_wide (const char *name,
              wchar_t    *out,
              gsize       out_units)
{
  const guint8 *p = (const guint8 *) name;
  gsize n = 0;

  while (*p != '\0')
    {
      guint32 c;
      int extra;

      if (p[0] < 0x80)
        c = p[0], extra = 0;
      else if ((p[0] & 0xE0) == 0xC0)
        c = p[0] & 0x1F, extra = 1;
      else if ((p[0] & 0xF0) == 0xE0)
        c = p[0] & 0x0F, extra = 2;
      else if ((p[0] & 0xF8) == 0xF0)
        c = p[0] & 0x07, extra = 3;
      else
        goto invalid;
      p++;
      for (int i = 0; i < extra; i++, p++)
        {
          if ((*p & 0xC0) != 0x80)
            goto invalid;
          c = (c << 6) | (*p & 0x3F);
        }

      if (c >= 0x10000)
        {
          if (c > 0x10FFFF || n + 2 > out_units)
            goto invalid;
          c -= 0x10000;
          out[n++] = 0xD800 | (c >> 10);
          out[n++] = 0xDC00 | (c & 0x3FF);
        }
      else
        {
          if (n + 1 > out_units)
            goto invalid;
          out[n++] = (wchar_t) c;
        }
    }
  return n;

invalid:
  errno = n + 2 > out_units ? ENAMETOOLONG : EINVAL;
  return -1;
}

static void
name_from_wide (const wchar_t *name,
                gsize          units,
                char          *out)
{
  guint8 *q = (guint8 *) out;

  for (gsize i = 0; i < units; i++)
    {
      guint32 c = name[i];

      if (c >= 0xD800 && c <= 0xDBFF && i + 1 < units &&
          name[i + 1] >= 0xDC00 && name[i + 1] <= 0xDFFF)
        {
          c = 0x10000 + ((c - 0xD800) << 10) + (name[i + 1] - 0xDC00);
          i++;
        }

      if (c < 0x80)
        *q++ = c;
      else if (c < 0x800)
        {
          *q++ = 0xC0 | (c >> 6);
          *q++ = 0x80 | (c & 0x3F);
        }
      else if (c < 0x10000)
        {
          *q++ = 0xE0 | (c >> 12);
          *q++ = 0x80 | ((c >> 6) & 0x3F);
          *q++ = 0x80 | (c & 0x3F);
        }
      else
        {
          *q++ = 0xF0 | (c >> 18);
          *q++ = 0x80 | ((c >> 12) & 0x3F);
          *q++ = 0x80 | ((c >> 6) & 0x3F);
          *q++ = 0x80 | (c & 0x3F);
        }
    }
  *q = '\0';
}

/* Opens @name relative to the directory @parent, never following a
 * reparse point. */
static NTSTATUS
open_relative (HANDLE       parent,
               const char  *name,
               ACCESS_MASK  access,
               ULONG        options,
               HANDLE      *handle)
{
  wchar_t wname[NAME_UNITS];
  gssize units = name_to_wide (name, wname, G_N_ELEMENTS (wname));
  UNICODE_STRING uname;
  OBJECT_ATTRIBUTES attributes;
  IO_STATUS_BLOCK io;

  *handle = INVALID_HANDLE_VALUE;
  if (units < 0 && errno == ENAMETOOLONG)
    return NT_STATUS_NAME_TOO_LONG;
  if (units <= 0)
    return NT_STATUS_OBJECT_NAME_INVALID;

  uname.Buffer = wname;
  uname.Length = (USHORT) (units * sizeof (wchar_t));
  uname.MaximumLength = uname.Length;
  InitializeObjectAttributes (&attributes, &uname, 0, parent, NULL);

  return NtOpenFile (handle, access, &attributes, &io, SHARE_ALL, options | NT_OPEN_OPTIONS);
}

/* Process ------------------------------------------------------------------- */

/* GTypes and an atexit handler: the DLL must never be unloaded
 * (-Wl,-z,nodelete does nothing here). Pinned once, when it is loaded. */
static void pin_module (void) __attribute__ ((constructor));

static void
pin_module (void)
{
  HMODULE module;

  GetModuleHandleExW (GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_PIN,
                      (LPCWSTR) (gpointer) pin_module, &module);
}

gint64
_g_tempfile_sys_getpid (void)
{
  return GetCurrentProcessId ();
}

guint
_g_tempfile_sys_fork_generation (void)
{
  /* No fork: random bytes are never shared with another process. */
  return 1;
}

int
_g_tempfile_sys_random (void  *buffer,
                        gsize  length)
{
  guint8 *bytes = buffer;

  while (length > 0)
    {
      ULONG chunk = (ULONG) MIN (length, G_MAXULONG);

      if (!BCRYPT_SUCCESS (BCryptGenRandom (NULL, bytes, chunk,
                                            BCRYPT_USE_SYSTEM_PREFERRED_RNG)))
        {
          errno = EIO;
          return -1;
        }
      bytes += chunk;
      length -= chunk;
    }
  return 0;
}

void
_g_tempfile_sys_pause (void)
{
  LARGE_INTEGER frequency, start, now;

  /* Sleep() rounds up to the timer tick (up to 15.6 ms): yield instead
   * until about 200 µs have passed. */
  QueryPerformanceFrequency (&frequency);
  QueryPerformanceCounter (&start);
  do
    {
      SwitchToThread ();
      QueryPerformanceCounter (&now);
    }
  while ((now.QuadPart - start.QuadPart) * 5000 < frequency.QuadPart);
}

void *
_g_tempfile_sys_map_pages (gsize size)
{
  return VirtualAlloc (NULL, size, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
}

void
_g_tempfile_sys_unmap_pages (void  *pages,
                             gsize  size)
{
  if (pages != NULL)
    VirtualFree (pages, 0, MEM_RELEASE);
}

const char * const *
_g_tempfile_sys_conventional_tempdirs (void)
{
  /* The fixed candidates of Python's tempfile._candidate_tempdir_list() on
   * Windows. (Python also tries ~\AppData\Local\Temp and
   * %SYSTEMROOT%\Temp before them; %TEMP% names the first on any Windows,
   * and the user cache directory, %LOCALAPPDATA%, comes after these.) */
  static const char * const dirs[] = { "C:\\TEMP", "C:\\TMP", "\\TEMP", "\\TMP", NULL };

  return dirs;
}

guint64
_g_tempfile_sys_descriptor_limit (void)
{
  /* No RLIMIT_NOFILE: handles are limited by memory only (about 16
   * million per process). */
  return 0;
}

/* Signals ------------------------------------------------------------------- */

void
_g_tempfile_sys_block_signals (GTempfileSysSignals *saved)
{
  saved->blocked = FALSE;
}

void
_g_tempfile_sys_restore_signals (GTempfileSysSignals *saved)
{
  saved->blocked = FALSE;
}

gboolean
_g_tempfile_sys_install_signal_handlers (void (*callback) (void))
{
  /* There are no SIGINT, SIGTERM and SIGHUP to handle: Ctrl-C is a console
   * control event, and a process is ended with TerminateProcess, which runs
   * nothing of ours. What is still registered at exit is removed by the
   * atexit pass as everywhere. */
  return FALSE;
}

/* Files --------------------------------------------------------------------- */

/* A C descriptor for @handle, which it then owns. Without one (the C
 * library's table is full) the handle is closed, and with @remove the file
 * it has just created too: through a second handle of the same file, never
 * by name, which someone may have taken since. */
static int
fd_from_handle (HANDLE   handle,
                int      flags,
                gboolean remove)
{
  int fd = _open_osfhandle ((intptr_t) handle, flags | _O_BINARY | _O_NOINHERIT);

  if (fd < 0)
    {
      int errsv = errno;

      if (remove)
        {
          struct { BOOLEAN delete_file; } pending = { TRUE };
          HANDLE deleter = ReOpenFile (handle, DELETE, SHARE_ALL, 0);
          IO_STATUS_BLOCK io;

          if (deleter != INVALID_HANDLE_VALUE)
            {
              NtSetInformationFile (deleter, &io, &pending, sizeof pending,
                                    (FILE_INFORMATION_CLASS) NT_FILE_DISPOSITION_INFORMATION);
              CloseHandle (deleter);
            }
        }
      CloseHandle (handle);
      errno = errsv != 0 ? errsv : EMFILE;
    }
  return fd;
}

static HANDLE
fd_handle (int fd)
{
  intptr_t handle = _get_osfhandle (fd);

  if (handle == (intptr_t) INVALID_HANDLE_VALUE || handle == -2)
    {
      errno = EBADF;
      return INVALID_HANDLE_VALUE;
    }
  return (HANDLE) handle;
}

/* A "path not found" whose parent exists and is not a directory is
 * ENOTDIR, as on POSIX. */
static int
refine_not_found (const wchar_t *wpath)
{
  wchar_t *copy;
  wchar_t *sep;
  DWORD attributes;
  int errsv = errno;

  if (errsv != ENOENT)
    return errsv;

  copy = g_memdup2 (wpath, (wcslen (wpath) + 1) * sizeof (wchar_t));
  sep = MAX (wcsrchr (copy, L'\\'), wcsrchr (copy, L'/'));
  if (sep != NULL && sep != copy)
    {
      *sep = L'\0';
      attributes = GetFileAttributesW (copy);
      if (attributes != INVALID_FILE_ATTRIBUTES && !(attributes & FILE_ATTRIBUTE_DIRECTORY))
        errsv = ENOTDIR;
    }
  g_free (copy);
  return errsv;
}

int
_g_tempfile_sys_create_file (const char *path,
                             gboolean    anonymous)
{
  SECURITY_ATTRIBUTES sa = { sizeof sa, NULL, FALSE };   /* not inherited */
  wchar_t stack[STACK_PATH];
  wchar_t *wpath = to_wide (path, stack);
  HANDLE handle;

  if (wpath == NULL)
    return -1;

  /* CREATE_NEW fails on any existing name, a dangling link included: never
   * follows one. Named files are opened without DELETE access, so that
   * g_open() and the like can still open them by name (they share read and
   * write, never delete). FILE_FLAG_DELETE_ON_CLOSE needs it; nobody can
   * open an anonymous file by name anyway. */
  handle = CreateFileW (wpath,
                        GENERIC_READ | GENERIC_WRITE | (anonymous ? DELETE : 0),
                        SHARE_ALL, &sa, CREATE_NEW,
                        anonymous ? FILE_ATTRIBUTE_TEMPORARY | FILE_FLAG_DELETE_ON_CLOSE
                                  : FILE_ATTRIBUTE_NORMAL,
                        NULL);
  if (handle == INVALID_HANDLE_VALUE)
    {
      set_errno_from_last_error ();
      errno = refine_not_found (wpath);
      free_wide (wpath, stack);
      return -1;
    }
  free_wide (wpath, stack);

  /* A failed creation leaves nothing: an anonymous file goes with its
   * handle, a named one is removed. */
  return fd_from_handle (handle, _O_RDWR, !anonymous);
}

int
_g_tempfile_sys_create_dir (const char *path)
{
  wchar_t stack[STACK_PATH];
  wchar_t *wpath = to_wide (path, stack);
  int res = 0;

  if (wpath == NULL)
    return -1;
  if (!CreateDirectoryW (wpath, NULL))
    {
      set_errno_from_last_error ();
      errno = refine_not_found (wpath);
      res = -1;
    }
  free_wide (wpath, stack);
  return res;
}

int
_g_tempfile_sys_open_file (const char *path)
{
  SECURITY_ATTRIBUTES sa = { sizeof sa, NULL, FALSE };
  BY_HANDLE_FILE_INFORMATION info;
  wchar_t stack[STACK_PATH];
  wchar_t *wpath = to_wide (path, stack);
  HANDLE handle;

  if (wpath == NULL)
    return -1;
  handle = CreateFileW (wpath, GENERIC_READ, SHARE_ALL, &sa, OPEN_EXISTING,
                        FILE_FLAG_OPEN_REPARSE_POINT | FILE_FLAG_BACKUP_SEMANTICS, NULL);
  if (handle == INVALID_HANDLE_VALUE)
    set_errno_from_last_error ();
  free_wide (wpath, stack);
  if (handle == INVALID_HANDLE_VALUE)
    return -1;

  if (!GetFileInformationByHandle (handle, &info))
    {
      set_errno_from_last_error ();
      CloseHandle (handle);
      return -1;
    }
  if (info.dwFileAttributes & (FILE_ATTRIBUTE_REPARSE_POINT | FILE_ATTRIBUTE_DIRECTORY))
    {
      CloseHandle (handle);
      errno = (info.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) ? ELOOP : EISDIR;
      return -1;
    }

  return fd_from_handle (handle, _O_RDONLY, FALSE);
}

int
_g_tempfile_sys_open_tmpfile (const char *dir,
                              gboolean   *linkable)
{
  /* Nothing like O_TMPFILE: the create loop makes a delete-on-close file
   * under a random name instead. */
  *linkable = FALSE;
  errno = EOPNOTSUPP;
  return -1;
}

int
_g_tempfile_sys_unlink_open (int         fd,
                             const char *path)
{
  struct { ULONG flags; } disposition = {
    NT_DISPOSITION_DELETE | NT_DISPOSITION_POSIX_SEMANTICS,
  };
  IO_STATUS_BLOCK io;
  HANDLE handle;

  if (G_UNLIKELY (_g_tempfile_sys_unlink_fault ()))
    return -1;

  handle = fd_handle (fd);
  if (handle == INVALID_HANDLE_VALUE)
    return -1;

  /* The file was created with FILE_FLAG_DELETE_ON_CLOSE: it is removed when
   * its handle closes, whatever happens to the process. With POSIX delete
   * semantics (Windows 10 1709 and later, on NTFS) the name goes now, as
   * unlink(2) would do. Elsewhere (older systems, FAT, Wine) its deletion
   * is made pending now: the name stays listed until the handle closes, but
   * no one can open it any more, nor create it again. Both are success. */
  if (!NT_SUCCESS (NtSetInformationFile (handle, &io, &disposition, sizeof disposition,
                                         (FILE_INFORMATION_CLASS)
                                         NT_FILE_DISPOSITION_INFORMATION_EX)))
    {
      struct { BOOLEAN delete_file; } pending = { TRUE };

      NtSetInformationFile (handle, &io, &pending, sizeof pending,
                            (FILE_INFORMATION_CLASS) NT_FILE_DISPOSITION_INFORMATION);
    }
  return 0;
}

int
_g_tempfile_sys_link_fd (int         fd,
                         const char *target)
{
  /* An open file cannot be given a name on Windows. */
  errno = EOPNOTSUPP;
  return -1;
}

int
_g_tempfile_sys_set_private_mode (int fd)
{
  /* No permission bits: a new file gets the access control list its
   * directory hands down, which for the user's temporary directory is
   * private to the user already. */
  return 0;
}

int
_g_tempfile_sys_close (int fd)
{
  return _close (fd);
}

gssize
_g_tempfile_sys_read (int    fd,
                      void  *buffer,
                      gsize  count)
{
  return _read (fd, buffer, (unsigned int) MIN (count, G_MAXINT));
}

gssize
_g_tempfile_sys_write (int         fd,
                       const void *buffer,
                       gsize       count)
{
  return _write (fd, buffer, (unsigned int) MIN (count, G_MAXINT));
}

gint64
_g_tempfile_sys_seek (int    fd,
                      gint64 offset,
                      int    whence)
{
  static const int whences[] = { SEEK_SET, SEEK_CUR, SEEK_END };

  return _lseeki64 (fd, offset, whences[whence]);
}

int
_g_tempfile_sys_truncate (int    fd,
                          gint64 size)
{
  errno_t res;

  if (size < 0)
    {
      errno = EINVAL;
      return -1;
    }
  res = _chsize_s (fd, size);
  if (res != 0)
    {
      errno = res;
      return -1;
    }
  return 0;
}

static int
flush_handle (HANDLE handle)
{
  HANDLE writable;
  BOOL ok;

  _g_tempfile_sys_count_fsync ();
  if (FlushFileBuffers (handle))
    return 0;

  /* FlushFileBuffers needs write access: a file opened for reading is
   * flushed through a second handle of the same file. */
  if (GetLastError () != ERROR_ACCESS_DENIED)
    return set_errno_from_last_error ();
  writable = ReOpenFile (handle, GENERIC_WRITE, SHARE_ALL, 0);
  if (writable == INVALID_HANDLE_VALUE)
    return set_errno_from_last_error ();
  ok = FlushFileBuffers (writable);
  if (!ok)
    set_errno_from_last_error ();
  CloseHandle (writable);
  return ok ? 0 : -1;
}

int
_g_tempfile_sys_fsync (int fd)
{
  HANDLE handle = fd_handle (fd);

  if (handle == INVALID_HANDLE_VALUE)
    return -1;
  return flush_handle (handle);
}

static guint64
file_index (const BY_HANDLE_FILE_INFORMATION *info)
{
  return ((guint64) info->nFileIndexHigh << 32) | info->nFileIndexLow;
}

/* 100-nanosecond intervals since 1601 to seconds and nanoseconds since
 * 1970. */
static void
file_time (const FILETIME *time,
           gint64         *seconds,
           guint32        *nanoseconds)
{
  gint64 ticks = ((gint64) time->dwHighDateTime << 32) | time->dwLowDateTime;

  ticks -= G_GINT64_CONSTANT (116444736000000000);
  *seconds = ticks / 10000000;
  *nanoseconds = (guint32) (ticks % 10000000) * 100;
  if (ticks < 0 && *nanoseconds != 0)
    {
      *seconds -= 1;
      *nanoseconds = 1000000000 - (guint32) ((-ticks % 10000000) * 100);
    }
}

static guint32
mode_of (DWORD attributes)
{
  /* What Windows' own stat() makes of the attributes, for the owner. */
  if (attributes & FILE_ATTRIBUTE_DIRECTORY)
    return 0700;
  return (attributes & FILE_ATTRIBUTE_READONLY) ? 0400 : 0600;
}

int
_g_tempfile_sys_fstat (int                   fd,
                       GTempfileSysFileInfo *info)
{
  BY_HANDLE_FILE_INFORMATION bhfi;
  HANDLE handle = fd_handle (fd);

  if (handle == INVALID_HANDLE_VALUE)
    return -1;
  if (!GetFileInformationByHandle (handle, &bhfi))
    return set_errno_from_last_error ();

  memset (info, 0, sizeof *info);
  info->id.dev = bhfi.dwVolumeSerialNumber;
  info->id.ino = file_index (&bhfi);
  info->mode = _S_IFREG | mode_of (bhfi.dwFileAttributes);
  info->nlink = bhfi.nNumberOfLinks;
  info->block_size = 4096;
  info->size = ((guint64) bhfi.nFileSizeHigh << 32) | bhfi.nFileSizeLow;
  info->blocks = (info->size + 511) / 512;
  file_time (&bhfi.ftLastAccessTime, &info->atime, &info->atime_nsec);
  file_time (&bhfi.ftLastWriteTime, &info->mtime, &info->mtime_nsec);
  /* No change time in this call; the creation time is what Windows' own
   * stat() gives as st_ctime. */
  file_time (&bhfi.ftCreationTime, &info->ctime, &info->ctime_nsec);
  return 0;
}

static GTempfileSysType
type_of (DWORD attributes)
{
  /* Symbolic links, junctions, mount points and every other reparse
   * point are links: never entered, removed as themselves. */
  if (attributes & FILE_ATTRIBUTE_REPARSE_POINT)
    return GTEMPFILE_SYS_TYPE_LINK;
  if (attributes & FILE_ATTRIBUTE_DIRECTORY)
    return GTEMPFILE_SYS_TYPE_DIRECTORY;
  return GTEMPFILE_SYS_TYPE_OTHER;
}

static int
stat_handle (HANDLE            handle,
             GTempfileSysStat *st)
{
  BY_HANDLE_FILE_INFORMATION info;

  if (!GetFileInformationByHandle (handle, &info))
    return set_errno_from_last_error ();
  st->id.dev = info.dwVolumeSerialNumber;
  st->id.ino = file_index (&info);
  st->type = type_of (info.dwFileAttributes);
  st->mode = mode_of (info.dwFileAttributes);
  return 0;
}

/* Opens @path itself, whatever it is, never following a reparse point. */
static HANDLE
open_path (const char  *path,
           DWORD        access,
           DWORD        flags)
{
  SECURITY_ATTRIBUTES sa = { sizeof sa, NULL, FALSE };
  wchar_t stack[STACK_PATH];
  wchar_t *wpath = to_wide (path, stack);
  HANDLE handle;

  if (wpath == NULL)
    return INVALID_HANDLE_VALUE;
  handle = CreateFileW (wpath, access, SHARE_ALL, &sa, OPEN_EXISTING,
                        FILE_FLAG_BACKUP_SEMANTICS | flags, NULL);
  if (handle == INVALID_HANDLE_VALUE)
    {
      set_errno_from_last_error ();
      errno = refine_not_found (wpath);
    }
  free_wide (wpath, stack);
  return handle;
}

int
_g_tempfile_sys_lstat (const char       *path,
                       GTempfileSysStat *st)
{
  HANDLE handle = open_path (path, FILE_READ_ATTRIBUTES, FILE_FLAG_OPEN_REPARSE_POINT);
  int res;

  if (handle == INVALID_HANDLE_VALUE)
    return -1;
  res = stat_handle (handle, st);
  CloseHandle (handle);
  return res;
}

int
_g_tempfile_sys_unlink (const char *path)
{
  wchar_t stack[STACK_PATH];
  wchar_t *wpath;
  int res = 0;

  if (G_UNLIKELY (_g_tempfile_sys_unlink_fault ()))
    return -1;

  wpath = to_wide (path, stack);
  if (wpath == NULL)
    return -1;

  /* DeleteFileW removes a symbolic link, never its target. An open file
   * of ours shares delete access, so it can be removed while open: with
   * POSIX semantics (Windows 10 1809 and later) its name goes at once,
   * otherwise when it is closed. */
  if (!DeleteFileW (wpath))
    {
      DWORD attributes;

      res = set_errno_from_last_error ();
      attributes = errno == EACCES ? GetFileAttributesW (wpath) : INVALID_FILE_ATTRIBUTES;
      if (attributes == INVALID_FILE_ATTRIBUTES)
        {
          if (errno == ENOENT)
            errno = refine_not_found (wpath);
        }
      else if ((attributes & FILE_ATTRIBUTE_DIRECTORY) &&
               !(attributes & FILE_ATTRIBUTE_REPARSE_POINT))
        errno = EISDIR;
      else if (attributes & FILE_ATTRIBUTE_READONLY)
        {
          /* unlink(2) does not care about the file's own mode: neither
           * does this. The attribute comes back if it still cannot go. */
          if (SetFileAttributesW (wpath, attributes & ~FILE_ATTRIBUTE_READONLY) &&
              DeleteFileW (wpath))
            res = 0;
          else
            {
              set_errno_from_last_error ();
              SetFileAttributesW (wpath, attributes);
            }
        }
    }
  free_wide (wpath, stack);
  return res;
}

int
_g_tempfile_sys_rmdir (const char *path)
{
  wchar_t stack[STACK_PATH];
  wchar_t *wpath = to_wide (path, stack);
  int res = 0;

  if (wpath == NULL)
    return -1;
  if (!RemoveDirectoryW (wpath))
    {
      set_errno_from_last_error ();
      res = -1;
    }
  free_wide (wpath, stack);
  return res;
}

static int
move_file (const char *from,
           const char *to,
           DWORD       flags)
{
  wchar_t stack_from[STACK_PATH];
  wchar_t stack_to[STACK_PATH];
  wchar_t *wfrom = to_wide (from, stack_from);
  wchar_t *wto = wfrom != NULL ? to_wide (to, stack_to) : NULL;
  int res = 0;

  if (wto == NULL)
    {
      free_wide (wfrom, stack_from);
      return -1;
    }
  if (!MoveFileExW (wfrom, wto, flags))
    {
      set_errno_from_last_error ();
      if (errno == ENOENT)
        errno = refine_not_found (wto);
      res = -1;
    }
  free_wide (wfrom, stack_from);
  free_wide (wto, stack_to);
  return res;
}

int
_g_tempfile_sys_rename (const char *from,
                        const char *to)
{
  GTempfileSysStat from_st, to_st;
  gboolean to_exists;

  if (_g_tempfile_sys_lstat (from, &from_st) != 0)
    return -1;
  to_exists = _g_tempfile_sys_lstat (to, &to_st) == 0;

  /* rename(2)'s rules, which MoveFileExW does not follow by itself (and
   * Wine's even less): a directory never replaces a file, nor a file a
   * directory. */
  if (to_exists && !_g_tempfile_sys_id_equal (&from_st.id, &to_st.id))
    {
      if (from_st.type == GTEMPFILE_SYS_TYPE_DIRECTORY &&
          to_st.type != GTEMPFILE_SYS_TYPE_DIRECTORY)
        {
          errno = ENOTDIR;
          return -1;
        }
      if (from_st.type != GTEMPFILE_SYS_TYPE_DIRECTORY &&
          to_st.type == GTEMPFILE_SYS_TYPE_DIRECTORY)
        {
          errno = EISDIR;
          return -1;
        }
    }

  if (from_st.type != GTEMPFILE_SYS_TYPE_DIRECTORY)
    /* A file replaces a file atomically. */
    return move_file (from, to, MOVEFILE_REPLACE_EXISTING);

  /* A directory replaces only an empty directory, which MoveFileExW
   * refuses: the empty one is removed first, then the name is taken
   * without replacing. Not atomic: in between nothing is at @to, and a
   * directory made there meanwhile makes it fail with EEXIST. */
  if (move_file (from, to, 0) == 0)
    return 0;
  if (errno != EEXIST)
    return -1;
  if (_g_tempfile_sys_rmdir (to) != 0)
    return -1;   /* ENOTEMPTY for a full one */
  return move_file (from, to, 0);
}

int
_g_tempfile_sys_rename_noreplace (const char *from,
                                  const char *to,
                                  gboolean    is_dir)
{
  /* Atomic, for files and directories alike: EEXIST if @to exists. */
  return move_file (from, to, 0);
}

int
_g_tempfile_sys_fsync_dir (const char *path)
{
  HANDLE handle;
  int res;

  /* NTFS lets a directory be flushed through a handle with write access;
   * other file systems refuse: their directory entries are written with
   * the metadata anyway, and nothing more can be done. */
  handle = open_path (path, GENERIC_READ | GENERIC_WRITE, 0);
  if (handle == INVALID_HANDLE_VALUE)
    {
      if (errno != EACCES)
        return -1;
      handle = open_path (path, GENERIC_READ, 0);
      if (handle == INVALID_HANDLE_VALUE)
        return -1;
      _g_tempfile_sys_count_fsync ();
      CloseHandle (handle);
      return 0;
    }

  res = flush_handle (handle);
  if (res != 0 && (errno == EOPNOTSUPP || errno == EINVAL || errno == EACCES))
    res = 0;
  CloseHandle (handle);
  return res;
}

int
_g_tempfile_sys_sync_fs (GTempfileSysHandle dir)
{
  wchar_t volume[MAX_PATH + 1];
  wchar_t device[8] = L"\\\\.\\X:";
  HANDLE handle;

  /* The whole volume, as syncfs(2), where the process may open it (an
   * administrator); otherwise the directory itself, which is less. */
  DWORD length = GetFinalPathNameByHandleW ((HANDLE) dir, volume, G_N_ELEMENTS (volume),
                                            FILE_NAME_NORMALIZED | VOLUME_NAME_DOS);

  /* A longer path is not written at all (length is then the size needed):
   * only its drive letter matters, so such a directory is flushed alone. */
  if (length > 6 && length < G_N_ELEMENTS (volume) &&
      wcsncmp (volume, L"\\\\?\\", 4) == 0 && volume[5] == L':')
    {
      device[4] = volume[4];
      handle = CreateFileW (device, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                            OPEN_EXISTING, 0, NULL);
      if (handle != INVALID_HANDLE_VALUE)
        {
          BOOL ok = FlushFileBuffers (handle);

          CloseHandle (handle);
          if (ok)
            {
              _g_tempfile_sys_count_fsync ();
              return 0;
            }
        }
    }

  if (flush_handle ((HANDLE) dir) != 0 && errno != EOPNOTSUPP && errno != EINVAL &&
      errno != EACCES)
    return -1;
  return 0;
}

/* Directories --------------------------------------------------------------- */

GTempfileSysHandle
_g_tempfile_sys_dir_open (const char     *path,
                          GTempfileSysId *id)
{
  GTempfileSysStat st = { .type = GTEMPFILE_SYS_TYPE_UNKNOWN };
  HANDLE handle = open_path (path, DIR_ACCESS, FILE_FLAG_OPEN_REPARSE_POINT);

  if (handle == INVALID_HANDLE_VALUE)
    return GTEMPFILE_SYS_NO_HANDLE;

  if (stat_handle (handle, &st) != 0 || st.type != GTEMPFILE_SYS_TYPE_DIRECTORY)
    {
      int errsv = errno;

      if (st.type == GTEMPFILE_SYS_TYPE_LINK)
        errsv = ELOOP;
      else if (st.type == GTEMPFILE_SYS_TYPE_OTHER)
        errsv = ENOTDIR;
      CloseHandle (handle);
      errno = errsv;
      return GTEMPFILE_SYS_NO_HANDLE;
    }
  /* Looked at even without @id: what O_DIRECTORY | O_NOFOLLOW check. */
  if (id != NULL)
    *id = st.id;
  return (GTempfileSysHandle) handle;
}

GTempfileSysHandle
_g_tempfile_sys_dir_open_lookup (const char *path)
{
  GTempfileSysStat st;
  /* Follows a link, as O_PATH does: a symbolically linked directory is
   * used as given (DESIGN.md §2). */
  HANDLE handle = open_path (path, FILE_TRAVERSE | FILE_READ_ATTRIBUTES | SYNCHRONIZE, 0);

  if (handle == INVALID_HANDLE_VALUE)
    return GTEMPFILE_SYS_NO_HANDLE;
  if (stat_handle (handle, &st) != 0 || st.type != GTEMPFILE_SYS_TYPE_DIRECTORY)
    {
      CloseHandle (handle);
      errno = ENOTDIR;
      return GTEMPFILE_SYS_NO_HANDLE;
    }
  return (GTempfileSysHandle) handle;
}

void
_g_tempfile_sys_dir_close (GTempfileSysHandle dir)
{
  if (dir != GTEMPFILE_SYS_NO_HANDLE)
    CloseHandle ((HANDLE) dir);
}

int
_g_tempfile_sys_dir_stat (GTempfileSysHandle  dir,
                          GTempfileSysStat   *st)
{
  return stat_handle ((HANDLE) dir, st);
}

int
_g_tempfile_sys_dir_lock_shared (GTempfileSysHandle dir)
{
  /* Windows has no advisory lock on a directory (LockFileEx refuses a
   * directory handle), and nothing like systemd-tmpfiles to respect one.
   * The open handle is all there is: it keeps the identity that cleanup
   * checks, and shares delete access, so that the library itself can
   * still remove and rename the directory. */
  return 0;
}

int
_g_tempfile_sys_dir_stat_child (GTempfileSysHandle  parent,
                                const char         *name,
                                GTempfileSysStat   *st)
{
  HANDLE handle;
  NTSTATUS status;
  int res;

  status = open_relative ((HANDLE) parent, name, FILE_READ_ATTRIBUTES | SYNCHRONIZE, 0, &handle);
  if (!NT_SUCCESS (status))
    return set_errno_from_status (status);
  res = stat_handle (handle, st);
  CloseHandle (handle);
  return res;
}

GTempfileSysHandle
_g_tempfile_sys_dir_open_child (GTempfileSysHandle  parent,
                                const char         *name)
{
  GTempfileSysStat st = { .type = GTEMPFILE_SYS_TYPE_UNKNOWN };
  HANDLE handle;
  NTSTATUS status;

  status = open_relative ((HANDLE) parent, name, DIR_ACCESS, FILE_DIRECTORY_FILE, &handle);
  if (!NT_SUCCESS (status))
    {
      set_errno_from_status (status);
      return GTEMPFILE_SYS_NO_HANDLE;
    }

  /* A junction or a symbolic link to a directory opens as itself with
   * FILE_OPEN_REPARSE_POINT: a directory, to FILE_DIRECTORY_FILE. */
  if (stat_handle (handle, &st) != 0 || st.type != GTEMPFILE_SYS_TYPE_DIRECTORY)
    {
      int errsv = st.type == GTEMPFILE_SYS_TYPE_LINK ? ELOOP : errno;

      CloseHandle (handle);
      errno = errsv;
      return GTEMPFILE_SYS_NO_HANDLE;
    }
  return (GTempfileSysHandle) handle;
}

GTempfileSysHandle
_g_tempfile_sys_dir_open_parent (GTempfileSysHandle child)
{
  /* The NT namespace has no "..": the walk never closes a directory it is
   * inside of here (_g_tempfile_sys_walk_max_open() is 0). */
  errno = EOPNOTSUPP;
  return GTEMPFILE_SYS_NO_HANDLE;
}

static NTSTATUS
set_attributes (HANDLE handle,
                ULONG  attributes)
{
  FILE_BASIC_INFORMATION basic;
  IO_STATUS_BLOCK io;

  memset (&basic, 0, sizeof basic);   /* zero times: left as they are */
  basic.FileAttributes = attributes != 0 ? attributes : FILE_ATTRIBUTE_NORMAL;
  return NtSetInformationFile (handle, &io, &basic, sizeof basic,
                               (FILE_INFORMATION_CLASS) NT_FILE_BASIC_INFORMATION);
}

/* Deletes what @handle (opened with DELETE access) is. */
static NTSTATUS
delete_handle (HANDLE handle,
               DWORD  attributes)
{
  struct { ULONG flags; } disposition_ex = {
    NT_DISPOSITION_DELETE | NT_DISPOSITION_POSIX_SEMANTICS | NT_DISPOSITION_IGNORE_READONLY,
  };
  struct { BOOLEAN delete_file; } disposition = { TRUE };
  IO_STATUS_BLOCK io;
  NTSTATUS status;

  /* POSIX semantics (Windows 10 1809 and later, NTFS): the name goes now,
   * even while someone else has the file open, and a read-only file goes
   * too. */
  status = NtSetInformationFile (handle, &io, &disposition_ex, sizeof disposition_ex,
                                 (FILE_INFORMATION_CLASS) NT_FILE_DISPOSITION_INFORMATION_EX);
  if (NT_SUCCESS (status))
    return status;
  if (status != NT_STATUS_INVALID_PARAMETER && status != NT_STATUS_NOT_SUPPORTED &&
      status != NT_STATUS_INVALID_INFO_CLASS && status != NT_STATUS_NOT_IMPLEMENTED &&
      status != NT_STATUS_INVALID_DEVICE_REQUEST)
    return status;

  /* The classic way: the name goes when the last handle closes. */
  status = NtSetInformationFile (handle, &io, &disposition, sizeof disposition,
                                 (FILE_INFORMATION_CLASS) NT_FILE_DISPOSITION_INFORMATION);
  if ((status == NT_STATUS_CANNOT_DELETE || status == NT_STATUS_ACCESS_DENIED) &&
      (attributes & FILE_ATTRIBUTE_READONLY))
    {
      /* The permission repair of Windows: a read-only entry is made
       * writable through the very handle that removes it, and is given its
       * attribute back if it still cannot go. */
      if (NT_SUCCESS (set_attributes (handle, attributes & ~FILE_ATTRIBUTE_READONLY)))
        {
          status = NtSetInformationFile (handle, &io, &disposition, sizeof disposition,
                                         (FILE_INFORMATION_CLASS) NT_FILE_DISPOSITION_INFORMATION);
          if (!NT_SUCCESS (status))
            set_attributes (handle, attributes);
        }
    }
  return status;
}

int
_g_tempfile_sys_dir_unlink (GTempfileSysHandle  parent,
                            const char         *name,
                            gboolean            is_dir)
{
  BY_HANDLE_FILE_INFORMATION info;
  HANDLE handle;
  NTSTATUS status;
  int errsv = 0;

  status = open_relative ((HANDLE) parent, name,
                          DELETE | FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES | SYNCHRONIZE,
                          0, &handle);
  if (!NT_SUCCESS (status))
    return set_errno_from_status (status);

  if (!GetFileInformationByHandle (handle, &info))
    {
      set_errno_from_last_error ();
      CloseHandle (handle);
      return -1;
    }

  /* A reparse point is never a directory here: it is removed as itself. */
  switch (type_of (info.dwFileAttributes))
    {
    case GTEMPFILE_SYS_TYPE_DIRECTORY:
      if (!is_dir)
        errsv = EISDIR;
      break;
    case GTEMPFILE_SYS_TYPE_LINK:
    case GTEMPFILE_SYS_TYPE_OTHER:
    case GTEMPFILE_SYS_TYPE_UNKNOWN:
    default:
      if (is_dir)
        errsv = ENOTDIR;
      break;
    }

  if (errsv == 0)
    {
      status = delete_handle (handle, info.dwFileAttributes);
      if (!NT_SUCCESS (status))
        {
          set_errno_from_status (status);
          errsv = errno;
        }
    }

  /* Without POSIX semantics the entry goes now, with its last handle. */
  CloseHandle (handle);
  if (errsv != 0)
    {
      errno = errsv;
      return -1;
    }
  return 0;
}

int
_g_tempfile_sys_dir_open_up (GTempfileSysHandle dir,
                             guint32            mode)
{
  /* Listing a directory and removing its entries need no attribute of the
   * directory: the read-only attribute of a directory does not protect
   * its entries. A read-only entry is repaired when it is removed
   * (_g_tempfile_sys_dir_unlink()). */
  return 0;
}

int
_g_tempfile_sys_dir_open_up_child (GTempfileSysHandle    parent,
                                   const char           *name,
                                   const GTempfileSysId *expected,
                                   void (*before_change) (GTempfileSysHandle, const char *))
{
  /* A directory that cannot be opened is denied by its access control
   * list, which is not ours to rewrite. */
  errno = EACCES;
  return -1;
}

/* The mount test ------------------------------------------------------------ */

int
_g_tempfile_sys_mount_init (GTempfileSysMount    *mount,
                            GTempfileSysHandle    root,
                            const GTempfileSysId *root_id)
{
  /* The volume serial number. A volume mounted in a folder is a reparse
   * point, which the walk never enters whatever its serial number. */
  mount->means = GTEMPFILE_SYS_MOUNT_BY_DEVICE;
  mount->dev = root_id->dev;
  mount->mount_id = 0;
  return 0;
}

int
_g_tempfile_sys_is_other_mount (const GTempfileSysMount *mount,
                                GTempfileSysHandle       parent,
                                const char              *name,
                                const GTempfileSysId    *listed)
{
  return listed->dev != mount->dev ? 1 : 0;
}

/* Listing ------------------------------------------------------------------- */

/* The buffer holds one FILE_ID_BOTH_DIR_INFORMATION (a name of up to 255
 * UTF-16 units), then the name in WTF-8 (at most 3 bytes a unit). */
#define RAW_SIZE (sizeof (FILE_ID_BOTH_DIR_INFORMATION) + NAME_UNITS * sizeof (wchar_t) + 64)
#define NAME_SIZE (3 * NAME_UNITS + 1)

gsize
_g_tempfile_sys_listing_size (void)
{
  return RAW_SIZE + NAME_SIZE;
}

gboolean
_g_tempfile_sys_listing_resumes (void)
{
  /* A listing lives in its handle, and cannot be continued through
   * another; the walk never closes one it has not finished. */
  return FALSE;
}

gboolean
_g_tempfile_sys_can_list_signal_safe (void)
{
  /* One entry at a time into the walk's own buffer: no allocation. */
  return TRUE;
}

guint
_g_tempfile_sys_walk_max_open (void)
{
  /* Handles are plentiful (no RLIMIT_NOFILE) and there is no ".." to
   * reopen a parent through. */
  return 0;
}

int
_g_tempfile_sys_dir_begin (GTempfileSysDir    *dir,
                           GTempfileSysHandle  handle,
                           gboolean            borrowed,
                           gboolean            signal_safe)
{
  dir->handle = handle;
  dir->stream = NULL;
  dir->resume = 0;   /* 0: the next listing starts from the first entry */
  dir->borrowed = borrowed;
  return 0;
}

int
_g_tempfile_sys_dir_next (GTempfileSysListing *listing,
                          GTempfileSysDir     *dir,
                          GTempfileSysEntry   *entry)
{
  /* One entry per call: the position is the handle's own, so nothing of a
   * directory's listing is lost while another directory's entries pass
   * through the shared buffer. */
  for (;;)
    {
      FILE_ID_BOTH_DIR_INFORMATION *info = (FILE_ID_BOTH_DIR_INFORMATION *) listing->buffer;
      char *name = (char *) listing->buffer + RAW_SIZE;
      gsize units;
      IO_STATUS_BLOCK io;
      NTSTATUS status;

      status = NtQueryDirectoryFile ((HANDLE) dir->handle, NULL, NULL, NULL, &io,
                                     listing->buffer, RAW_SIZE,
                                     (FILE_INFORMATION_CLASS) NT_FILE_ID_BOTH_DIR_INFORMATION,
                                     TRUE, NULL, dir->resume == 0);
      dir->resume = 1;
      listing->owner = dir;
      if (status == NT_STATUS_NO_MORE_FILES)
        return 0;
      if (!NT_SUCCESS (status))
        {
          set_errno_from_status (status);
          /* A directory removed while it is listed has no more entries. */
          return errno == ENOENT ? 0 : -1;
        }

      units = MIN (info->FileNameLength / sizeof (wchar_t), NAME_UNITS - 1);
      if ((units == 1 && info->FileName[0] == L'.') ||
          (units == 2 && info->FileName[0] == L'.' && info->FileName[1] == L'.'))
        continue;

      name_from_wide (info->FileName, units, name);
      entry->name = name;
      entry->type = type_of (info->FileAttributes);
      return 1;
    }
}

void
_g_tempfile_sys_dir_rewind (GTempfileSysListing *listing,
                            GTempfileSysDir     *dir)
{
  dir->resume = 0;
  if (listing->owner == dir)
    listing->owner = NULL;
}

void
_g_tempfile_sys_dir_end (GTempfileSysListing *listing,
                         GTempfileSysDir     *dir)
{
  if (!dir->borrowed && dir->handle != GTEMPFILE_SYS_NO_HANDLE)
    CloseHandle ((HANDLE) dir->handle);
  dir->handle = GTEMPFILE_SYS_NO_HANDLE;
  if (listing->owner == dir)
    listing->owner = NULL;
}
