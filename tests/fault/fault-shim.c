/* fault-shim.c: an LD_PRELOAD module that makes one chosen call fail
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Defines the libc entry points that libgtempfile and GLib reach through the
 * PLT (both the plain and the "64" names, and the old __xstat family), so
 * the dynamic linker binds their calls here first. Each wrapper asks
 * fault_enter() whether to fail; if not, it calls the next definition
 * (dlsym (RTLD_NEXT)): libc's, or AddressSanitizer's interceptor when the
 * driver put libasan first.
 *
 * Only calls made while the driver has armed the shim and is not doing its
 * own checks are counted. Calls on descriptors count only for regular
 * files, directories and character devices above 2, so the eventfd and
 * pipes of GMainContext and the driver's terminal are never touched. A
 * close() that is made to fail closes the descriptor first, as Linux does
 * for EINTR and EIO. Nothing here uses GLib, and nothing here is compiled
 * with a 64-bit off_t redirection (the names are defined one by one).
 */

#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE
#ifndef _GNU_SOURCE
# define _GNU_SOURCE
#endif

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <spawn.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/types.h>
#include <unistd.h>

#include "fault-shim.h"

#define EXPORT __attribute__ ((visibility ("default")))
#define UNLIKELY(x) __builtin_expect (!!(x), 0)

static FaultControl *control;

EXPORT FaultControl *
fault_shim_control (void)
{
  return control;
}

__attribute__ ((constructor)) static void
fault_shim_init (void)
{
  /* A raw system call: the shim's own mmap() would be looked up through the
   * global scope. Shared, so that a forked child reports to its parent. */
  void *mem = (void *) syscall (SYS_mmap, NULL, sizeof (FaultControl), PROT_READ | PROT_WRITE,
                                MAP_SHARED | MAP_ANONYMOUS, -1, 0);

  if (mem != MAP_FAILED)
    control = mem;
}

/* Whether calls on @fd count: files, directories, devices such as
 * /dev/urandom; never 0-2, pipes, sockets or anonymous inodes (eventfd). */
static int
counted_fd (int fd)
{
  struct stat st;

  if (fd <= 2)
    return 0;
#ifdef SYS_fstat
  if (syscall (SYS_fstat, fd, &st) != 0)
    return 1;   /* a bad descriptor: the call will say so itself */
#else
  if (syscall (SYS_newfstatat, fd, "", &st, AT_EMPTY_PATH) != 0)
    return 1;
#endif
  return S_ISREG (st.st_mode) || S_ISDIR (st.st_mode) || S_ISCHR (st.st_mode);
}

/* Linux accepts NULL for an empty path with AT_EMPTY_PATH; glibc's
 * prototypes say nonnull, so the test is out of their sight. */
__attribute__ ((noinline)) static int
is_empty (const char *path)
{
  return path == NULL || path[0] == '\0';
}

static int
fd_is_dir (int fd)
{
  struct stat st;

#ifdef SYS_fstat
  return syscall (SYS_fstat, fd, &st) == 0 && S_ISDIR (st.st_mode);
#else
  return syscall (SYS_newfstatat, fd, "", &st, AT_EMPTY_PATH) == 0 && S_ISDIR (st.st_mode);
#endif
}

/* What a call is about, for the trace and for the driver's "watched"
 * directory: @path (relative to @dirfd), or the descriptor @dirfd itself
 * when @path is NULL. */
static void
describe (int         dirfd,
          const char *path,
          char       *where,
          size_t      size)
{
  char resolved[512];
  char link[64];
  ssize_t n = 0;

  resolved[0] = '\0';
  if (path != NULL && (path[0] == '/' || dirfd == AT_FDCWD))
    snprintf (resolved, sizeof resolved, "%s", path);
  else if (dirfd >= 0)
    {
      snprintf (link, sizeof link, "/proc/self/fd/%d", dirfd);
      n = readlink (link, resolved, sizeof resolved - 1);
      resolved[n > 0 ? n : 0] = '\0';
      if (n > 0 && path != NULL && path[0] != '\0')
        snprintf (resolved + n, sizeof resolved - n, "/%s", path);
    }
  snprintf (where, size, "%s", resolved);
}

/* Counts one call. Returns 0 to let it through, or the errno to fail it
 * with. @base and @qualifier make its name: "openat(O_DIRECTORY)". */
static int
fault_enter (int         dirfd,
             const char *path,
             const char *base,
             const char *qualifier,
             FaultKind   kind)
{
  FaultControl *c = control;
  char name[FAULT_NAME_MAX];
  char where[512];
  int watched;
  long n;

  if (UNLIKELY (c == NULL) || !c->armed || c->paused)
    return 0;

  if (c->always_kind != 0 && c->always_kind == (int) kind)
    return c->always_errno;

  if (qualifier != NULL)
    snprintf (name, sizeof name, "%s(%s)", base, qualifier);
  else
    snprintf (name, sizeof name, "%s", base);
  describe (dirfd, path, where, sizeof where);
  watched = c->watch[0] != '\0' && strncmp (where, c->watch, strlen (c->watch)) == 0;

  n = __atomic_add_fetch (&c->count, 1, __ATOMIC_SEQ_CST);
  if (n <= FAULT_TRACE_MAX)
    {
      FaultCall *call = &c->trace[n - 1];
      size_t length = strlen (where);

      call->kind = kind;
      call->step = c->step;
      call->watched = watched;
      memcpy (call->name, name, sizeof name);
      /* The end of the path says the most. */
      snprintf (call->where, sizeof call->where, "%s",
                length < sizeof call->where ? where : where + length - (sizeof call->where - 1));
      __atomic_store_n (&c->trace_len, n, __ATOMIC_SEQ_CST);
    }

  if (n != c->fail_at)
    return 0;

  if (strcmp (name, c->expect_name) != 0)
    {
      c->mismatch = 1;
      memcpy (c->mismatch_name, name, sizeof name);
      return 0;
    }

  c->fired = 1;
  c->fired_kind = kind;
  c->fired_step = c->step;
  c->fired_watched = watched;
  return c->fail_errno;
}

#define RESOLVE(name) \
  static __typeof__ (name) *real_##name; \
  if (UNLIKELY (real_##name == NULL)) \
    real_##name = (__typeof__ (name) *) dlsym (RTLD_NEXT, #name)

#define FAIL_WITH(e, value) \
  do { errno = (e); return (value); } while (0)

/* open and friends ------------------------------------------------------- */

static FaultKind
open_kind (int          flags,
           const char **qualifier)
{
  if ((flags & O_TMPFILE) == O_TMPFILE)
    return *qualifier = "O_TMPFILE", FAULT_KIND_OPEN_TMPFILE;
  if (flags & O_PATH)
    return *qualifier = "O_PATH", FAULT_KIND_OPEN_PATH;
  if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
    return *qualifier = "O_CREAT|O_EXCL", FAULT_KIND_OPEN_CREATE_EXCL;
  if (flags & O_CREAT)
    return *qualifier = "O_CREAT", FAULT_KIND_OPEN_CREATE;
  if (flags & O_DIRECTORY)
    return *qualifier = "O_DIRECTORY", FAULT_KIND_OPEN_DIRECTORY;
  if ((flags & O_ACCMODE) != O_RDONLY)
    return *qualifier = "write", FAULT_KIND_OPEN_WRITE;
  return *qualifier = "read", FAULT_KIND_OPEN_READ;
}

static mode_t
open_mode (int     flags,
           va_list ap)
{
  return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? va_arg (ap, mode_t) : 0;
}

#define DEFINE_OPEN(fn, base) \
  EXPORT int \
  fn (const char *path, int flags, ...) \
  { \
    const char *qualifier; \
    FaultKind kind = open_kind (flags, &qualifier); \
    va_list ap; \
    mode_t mode; \
    int e; \
    RESOLVE (fn); \
    va_start (ap, flags); \
    mode = open_mode (flags, ap); \
    va_end (ap); \
    if ((e = fault_enter (AT_FDCWD, path, base, qualifier, kind)) != 0) \
      FAIL_WITH (e, -1); \
    return real_##fn (path, flags, mode); \
  }

DEFINE_OPEN (open, "open")
DEFINE_OPEN (open64, "open")

#define DEFINE_OPENAT(fn) \
  EXPORT int \
  fn (int dirfd, const char *path, int flags, ...) \
  { \
    const char *qualifier; \
    FaultKind kind = open_kind (flags, &qualifier); \
    va_list ap; \
    mode_t mode; \
    int e; \
    RESOLVE (fn); \
    va_start (ap, flags); \
    mode = open_mode (flags, ap); \
    va_end (ap); \
    if ((e = fault_enter (dirfd, path, "openat", qualifier, kind)) != 0) \
      FAIL_WITH (e, -1); \
    return real_##fn (dirfd, path, flags, mode); \
  }

DEFINE_OPENAT (openat)
DEFINE_OPENAT (openat64)

#define DEFINE_CREAT(fn) \
  EXPORT int \
  fn (const char *path, mode_t mode) \
  { \
    int e; \
    RESOLVE (fn); \
    if ((e = fault_enter (AT_FDCWD, path, "creat", NULL, FAULT_KIND_OPEN_CREATE)) != 0) \
      FAIL_WITH (e, -1); \
    return real_##fn (path, mode); \
  }

DEFINE_CREAT (creat)
DEFINE_CREAT (creat64)

EXPORT int
close (int fd)
{
  int e = 0;
  int res;

  RESOLVE (close);
  if (counted_fd (fd))
    e = fault_enter (fd, NULL, "close", NULL, FAULT_KIND_CLOSE);
  res = real_close (fd);
  /* Linux has released the descriptor whatever close() says. */
  if (e != 0 && res == 0)
    FAIL_WITH (e, -1);
  return res;
}

/* Descriptors ------------------------------------------------------------ */

#define FD_ENTER(fd, base, qualifier, kind) \
  (counted_fd (fd) ? fault_enter ((fd), NULL, (base), (qualifier), (kind)) : 0)

EXPORT ssize_t
read (int fd, void *buf, size_t count)
{
  int e;

  RESOLVE (read);
  if ((e = FD_ENTER (fd, "read", NULL, FAULT_KIND_READ)) != 0)
    FAIL_WITH (e, -1);
  return real_read (fd, buf, count);
}

EXPORT ssize_t
write (int fd, const void *buf, size_t count)
{
  int e;

  RESOLVE (write);
  if ((e = FD_ENTER (fd, "write", NULL, FAULT_KIND_WRITE)) != 0)
    FAIL_WITH (e, -1);
  return real_write (fd, buf, count);
}

#define DEFINE_PREAD(fn, base, kind, constness, offset_t) \
  EXPORT ssize_t \
  fn (int fd, constness void *buf, size_t count, offset_t offset) \
  { \
    int e; \
    RESOLVE (fn); \
    if ((e = FD_ENTER (fd, base, NULL, kind)) != 0) \
      FAIL_WITH (e, -1); \
    return real_##fn (fd, buf, count, offset); \
  }

DEFINE_PREAD (pread, "pread", FAULT_KIND_READ, , off_t)
DEFINE_PREAD (pread64, "pread", FAULT_KIND_READ, , off64_t)
DEFINE_PREAD (pwrite, "pwrite", FAULT_KIND_WRITE, const, off_t)
DEFINE_PREAD (pwrite64, "pwrite", FAULT_KIND_WRITE, const, off64_t)

EXPORT ssize_t
readv (int fd, const struct iovec *iov, int n)
{
  int e;

  RESOLVE (readv);
  if ((e = FD_ENTER (fd, "readv", NULL, FAULT_KIND_READ)) != 0)
    FAIL_WITH (e, -1);
  return real_readv (fd, iov, n);
}

EXPORT ssize_t
writev (int fd, const struct iovec *iov, int n)
{
  int e;

  RESOLVE (writev);
  if ((e = FD_ENTER (fd, "writev", NULL, FAULT_KIND_WRITE)) != 0)
    FAIL_WITH (e, -1);
  return real_writev (fd, iov, n);
}

#define DEFINE_LSEEK(fn, offset_t) \
  EXPORT offset_t \
  fn (int fd, offset_t offset, int whence) \
  { \
    int e; \
    RESOLVE (fn); \
    if ((e = FD_ENTER (fd, "lseek", NULL, FAULT_KIND_LSEEK)) != 0) \
      FAIL_WITH (e, -1); \
    return real_##fn (fd, offset, whence); \
  }

DEFINE_LSEEK (lseek, off_t)
DEFINE_LSEEK (lseek64, off64_t)

#define DEFINE_FTRUNCATE(fn, offset_t) \
  EXPORT int \
  fn (int fd, offset_t length) \
  { \
    int e; \
    RESOLVE (fn); \
    if ((e = FD_ENTER (fd, "ftruncate", NULL, FAULT_KIND_FTRUNCATE)) != 0) \
      FAIL_WITH (e, -1); \
    return real_##fn (fd, length); \
  }

DEFINE_FTRUNCATE (ftruncate, off_t)
DEFINE_FTRUNCATE (ftruncate64, off64_t)

#define DEFINE_SYNC(fn, base) \
  EXPORT int \
  fn (int fd) \
  { \
    int e = 0; \
    RESOLVE (fn); \
    if (counted_fd (fd)) \
      e = fd_is_dir (fd) ? fault_enter (fd, NULL, base, "dir", FAULT_KIND_FSYNC_DIR) \
                         : fault_enter (fd, NULL, base, "file", FAULT_KIND_FSYNC_FILE); \
    if (e != 0) \
      FAIL_WITH (e, -1); \
    return real_##fn (fd); \
  }

DEFINE_SYNC (fsync, "fsync")
DEFINE_SYNC (fdatasync, "fdatasync")

EXPORT int
syncfs (int fd)
{
  int e;

  RESOLVE (syncfs);
  if ((e = FD_ENTER (fd, "syncfs", NULL, FAULT_KIND_SYNCFS)) != 0)
    FAIL_WITH (e, -1);
  return real_syncfs (fd);
}

EXPORT int
fchmod (int fd, mode_t mode)
{
  int e;

  RESOLVE (fchmod);
  if ((e = FD_ENTER (fd, "fchmod", NULL, FAULT_KIND_CHMOD)) != 0)
    FAIL_WITH (e, -1);
  return real_fchmod (fd, mode);
}

EXPORT int
flock (int fd, int operation)
{
  int e;

  RESOLVE (flock);
  if ((e = FD_ENTER (fd, "flock", NULL, FAULT_KIND_FLOCK)) != 0)
    FAIL_WITH (e, -1);
  return real_flock (fd, operation);
}

EXPORT ssize_t
getdents64 (int fd, void *buf, size_t count)
{
  int e;

  RESOLVE (getdents64);
  if ((e = FD_ENTER (fd, "getdents64", NULL, FAULT_KIND_GETDENTS)) != 0)
    FAIL_WITH (e, -1);
  return real_getdents64 (fd, buf, count);
}

#define DEFINE_FCNTL(fn) \
  EXPORT int \
  fn (int fd, int cmd, ...) \
  { \
    va_list ap; \
    void *arg; \
    int e; \
    RESOLVE (fn); \
    va_start (ap, cmd); \
    arg = va_arg (ap, void *); \
    va_end (ap); \
    if ((cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) && \
        (e = FD_ENTER (fd, "fcntl", "F_DUPFD", FAULT_KIND_DUP)) != 0) \
      FAIL_WITH (e, -1); \
    return real_##fn (fd, cmd, arg); \
  }

DEFINE_FCNTL (fcntl)
DEFINE_FCNTL (fcntl64)

EXPORT int
dup (int fd)
{
  int e;

  RESOLVE (dup);
  if ((e = FD_ENTER (fd, "dup", NULL, FAULT_KIND_DUP)) != 0)
    FAIL_WITH (e, -1);
  return real_dup (fd);
}

EXPORT DIR *
fdopendir (int fd)
{
  int e;

  RESOLVE (fdopendir);
  if ((e = FD_ENTER (fd, "fdopendir", NULL, FAULT_KIND_OPENDIR)) != 0)
    FAIL_WITH (e, NULL);
  return real_fdopendir (fd);
}

EXPORT DIR *
opendir (const char *path)
{
  int e;

  RESOLVE (opendir);
  if ((e = fault_enter (AT_FDCWD, path, "opendir", NULL, FAULT_KIND_OPENDIR)) != 0)
    FAIL_WITH (e, NULL);
  return real_opendir (path);
}

/* closedir() closes the descriptor whatever it says, as close() does. */
EXPORT int
closedir (DIR *dir)
{
  int e;
  int res;

  RESOLVE (closedir);
  e = FD_ENTER (dirfd (dir), "closedir", NULL, FAULT_KIND_CLOSE);
  res = real_closedir (dir);
  if (e != 0 && res == 0)
    FAIL_WITH (e, -1);
  return res;
}

#define DEFINE_READDIR(fn, type) \
  EXPORT type * \
  fn (DIR *dir) \
  { \
    int e; \
    RESOLVE (fn); \
    if ((e = FD_ENTER (dirfd (dir), "readdir", NULL, FAULT_KIND_READDIR)) != 0) \
      FAIL_WITH (e, NULL); \
    return real_##fn (dir); \
  }

DEFINE_READDIR (readdir, struct dirent)
DEFINE_READDIR (readdir64, struct dirent64)

/* stat and friends ------------------------------------------------------- */

#define DEFINE_STAT_PATH(fn, base, type) \
  EXPORT int \
  fn (const char *path, type *st) \
  { \
    int e; \
    RESOLVE (fn); \
    if ((e = fault_enter (AT_FDCWD, path, base, NULL, FAULT_KIND_STAT)) != 0) \
      FAIL_WITH (e, -1); \
    return real_##fn (path, st); \
  }

DEFINE_STAT_PATH (stat, "stat", struct stat)
DEFINE_STAT_PATH (stat64, "stat", struct stat64)
DEFINE_STAT_PATH (lstat, "lstat", struct stat)
DEFINE_STAT_PATH (lstat64, "lstat", struct stat64)

#define DEFINE_FSTAT(fn, type) \
  EXPORT int \
  fn (int fd, type *st) \
  { \
    int e; \
    RESOLVE (fn); \
    if ((e = FD_ENTER (fd, "fstat", NULL, FAULT_KIND_FSTAT)) != 0) \
      FAIL_WITH (e, -1); \
    return real_##fn (fd, st); \
  }

DEFINE_FSTAT (fstat, struct stat)
DEFINE_FSTAT (fstat64, struct stat64)

#define DEFINE_FSTATAT(fn, type) \
  EXPORT int \
  fn (int dirfd, const char *path, type *st, int flags) \
  { \
    int e; \
    RESOLVE (fn); \
    if ((flags & AT_EMPTY_PATH) && is_empty (path)) \
      e = FD_ENTER (dirfd, "fstatat", "fd", FAULT_KIND_FSTAT); \
    else \
      e = fault_enter (dirfd, path, "fstatat", NULL, FAULT_KIND_STAT); \
    if (e != 0) \
      FAIL_WITH (e, -1); \
    return real_##fn (dirfd, path, st, flags); \
  }

DEFINE_FSTATAT (fstatat, struct stat)
DEFINE_FSTATAT (fstatat64, struct stat64)

/* The pre-2.33 names, still used by programs built against an older glibc:
 * compatibility symbols only, found with their version. */
int __xstat (int ver, const char *path, struct stat *st);
int __xstat64 (int ver, const char *path, struct stat64 *st);
int __lxstat (int ver, const char *path, struct stat *st);
int __lxstat64 (int ver, const char *path, struct stat64 *st);
int __fxstat (int ver, int fd, struct stat *st);
int __fxstat64 (int ver, int fd, struct stat64 *st);
int __fxstatat (int ver, int dirfd, const char *path, struct stat *st, int flags);
int __fxstatat64 (int ver, int dirfd, const char *path, struct stat64 *st, int flags);

#define RESOLVE_OLD(name) \
  static __typeof__ (name) *real_##name; \
  if (UNLIKELY (real_##name == NULL)) \
    { \
      real_##name = (__typeof__ (name) *) dlsym (RTLD_NEXT, #name); \
      if (real_##name == NULL) \
        real_##name = (__typeof__ (name) *) dlvsym (RTLD_NEXT, #name, "GLIBC_2.2.5"); \
      if (real_##name == NULL) \
        FAIL_WITH (ENOSYS, -1); \
    }

#define DEFINE_XSTAT(fn, base, type, kind) \
  EXPORT int \
  fn (int ver, const char *path, type *st) \
  { \
    int e; \
    RESOLVE_OLD (fn); \
    if ((e = fault_enter (AT_FDCWD, path, base, NULL, kind)) != 0) \
      FAIL_WITH (e, -1); \
    return real_##fn (ver, path, st); \
  }

DEFINE_XSTAT (__xstat, "stat", struct stat, FAULT_KIND_STAT)
DEFINE_XSTAT (__xstat64, "stat", struct stat64, FAULT_KIND_STAT)
DEFINE_XSTAT (__lxstat, "lstat", struct stat, FAULT_KIND_STAT)
DEFINE_XSTAT (__lxstat64, "lstat", struct stat64, FAULT_KIND_STAT)

#define DEFINE_FXSTAT(fn, type) \
  EXPORT int \
  fn (int ver, int fd, type *st) \
  { \
    int e; \
    RESOLVE_OLD (fn); \
    if ((e = FD_ENTER (fd, "fstat", NULL, FAULT_KIND_FSTAT)) != 0) \
      FAIL_WITH (e, -1); \
    return real_##fn (ver, fd, st); \
  }

DEFINE_FXSTAT (__fxstat, struct stat)
DEFINE_FXSTAT (__fxstat64, struct stat64)

#define DEFINE_FXSTATAT(fn, type) \
  EXPORT int \
  fn (int ver, int dirfd, const char *path, type *st, int flags) \
  { \
    int e; \
    RESOLVE_OLD (fn); \
    if ((e = fault_enter (dirfd, path, "fstatat", NULL, FAULT_KIND_STAT)) != 0) \
      FAIL_WITH (e, -1); \
    return real_##fn (ver, dirfd, path, st, flags); \
  }

DEFINE_FXSTATAT (__fxstatat, struct stat)
DEFINE_FXSTATAT (__fxstatat64, struct stat64)

EXPORT int
statx (int dirfd, const char *path, int flags, unsigned int mask, struct statx *stx)
{
  int e;

  RESOLVE (statx);
  if ((flags & AT_EMPTY_PATH) && is_empty (path))
    e = FD_ENTER (dirfd, "statx", "fd", FAULT_KIND_STATX);
  else
    e = fault_enter (dirfd, path, "statx", NULL, FAULT_KIND_STATX);
  if (e != 0)
    FAIL_WITH (e, -1);
  return real_statx (dirfd, path, flags, mask, stx);
}

EXPORT int
access (const char *path, int mode)
{
  int e;

  RESOLVE (access);
  if ((e = fault_enter (AT_FDCWD, path, "access", NULL, FAULT_KIND_ACCESS)) != 0)
    FAIL_WITH (e, -1);
  return real_access (path, mode);
}

/* Names ------------------------------------------------------------------ */

EXPORT int
mkdir (const char *path, mode_t mode)
{
  int e;

  RESOLVE (mkdir);
  if ((e = fault_enter (AT_FDCWD, path, "mkdir", NULL, FAULT_KIND_MKDIR)) != 0)
    FAIL_WITH (e, -1);
  return real_mkdir (path, mode);
}

EXPORT int
mkdirat (int dirfd, const char *path, mode_t mode)
{
  int e;

  RESOLVE (mkdirat);
  if ((e = fault_enter (dirfd, path, "mkdirat", NULL, FAULT_KIND_MKDIR)) != 0)
    FAIL_WITH (e, -1);
  return real_mkdirat (dirfd, path, mode);
}

EXPORT int
rmdir (const char *path)
{
  int e;

  RESOLVE (rmdir);
  if ((e = fault_enter (AT_FDCWD, path, "rmdir", NULL, FAULT_KIND_RMDIR)) != 0)
    FAIL_WITH (e, -1);
  return real_rmdir (path);
}

EXPORT int
unlink (const char *path)
{
  int e;

  RESOLVE (unlink);
  if ((e = fault_enter (AT_FDCWD, path, "unlink", NULL, FAULT_KIND_UNLINK)) != 0)
    FAIL_WITH (e, -1);
  return real_unlink (path);
}

EXPORT int
unlinkat (int dirfd, const char *path, int flags)
{
  int e;

  RESOLVE (unlinkat);
  if (flags & AT_REMOVEDIR)
    e = fault_enter (dirfd, path, "unlinkat", "AT_REMOVEDIR", FAULT_KIND_RMDIR);
  else
    e = fault_enter (dirfd, path, "unlinkat", NULL, FAULT_KIND_UNLINK);
  if (e != 0)
    FAIL_WITH (e, -1);
  return real_unlinkat (dirfd, path, flags);
}

EXPORT int
rename (const char *from, const char *to)
{
  int e;

  RESOLVE (rename);
  if ((e = fault_enter (AT_FDCWD, from, "rename", NULL, FAULT_KIND_RENAME)) != 0)
    FAIL_WITH (e, -1);
  return real_rename (from, to);
}

EXPORT int
renameat (int fromfd, const char *from, int tofd, const char *to)
{
  int e;

  RESOLVE (renameat);
  if ((e = fault_enter (fromfd, from, "renameat", NULL, FAULT_KIND_RENAME)) != 0)
    FAIL_WITH (e, -1);
  return real_renameat (fromfd, from, tofd, to);
}

EXPORT int
renameat2 (int fromfd, const char *from, int tofd, const char *to, unsigned int flags)
{
  int e;

  RESOLVE (renameat2);
  if (flags & RENAME_NOREPLACE)
    e = fault_enter (fromfd, from, "renameat2", "NOREPLACE", FAULT_KIND_RENAME_NOREPLACE);
  else
    e = fault_enter (fromfd, from, "renameat2", NULL, FAULT_KIND_RENAME);
  if (e != 0)
    FAIL_WITH (e, -1);
  return real_renameat2 (fromfd, from, tofd, to, flags);
}

EXPORT int
link (const char *from, const char *to)
{
  int e;

  RESOLVE (link);
  if ((e = fault_enter (AT_FDCWD, to, "link", NULL, FAULT_KIND_LINK)) != 0)
    FAIL_WITH (e, -1);
  return real_link (from, to);
}

EXPORT int
linkat (int fromfd, const char *from, int tofd, const char *to, int flags)
{
  int e;

  RESOLVE (linkat);
  if ((e = fault_enter (tofd, to, "linkat", (flags & AT_EMPTY_PATH) ? "AT_EMPTY_PATH" : NULL,
                        FAULT_KIND_LINK)) != 0)
    FAIL_WITH (e, -1);
  return real_linkat (fromfd, from, tofd, to, flags);
}

EXPORT int
chmod (const char *path, mode_t mode)
{
  int e;

  RESOLVE (chmod);
  if ((e = fault_enter (AT_FDCWD, path, "chmod", NULL, FAULT_KIND_CHMOD)) != 0)
    FAIL_WITH (e, -1);
  return real_chmod (path, mode);
}

EXPORT int
fchmodat (int dirfd, const char *path, mode_t mode, int flags)
{
  int e;

  RESOLVE (fchmodat);
  if ((e = fault_enter (dirfd, path, "fchmodat", NULL, FAULT_KIND_CHMOD)) != 0)
    FAIL_WITH (e, -1);
  return real_fchmodat (dirfd, path, mode, flags);
}

EXPORT int
name_to_handle_at (int dirfd, const char *path, struct file_handle *handle, int *mount_id,
                   int flags)
{
  int e;

  RESOLVE (name_to_handle_at);
  if ((e = fault_enter (dirfd, path, "name_to_handle_at", NULL, FAULT_KIND_NAME_TO_HANDLE)) != 0)
    FAIL_WITH (e, -1);
  return real_name_to_handle_at (dirfd, path, handle, mount_id, flags);
}

/* Shared memory and processes (the guardian) -------------------------------- */

EXPORT int
memfd_create (const char *name, unsigned int flags)
{
  int e;

  RESOLVE (memfd_create);
  if ((e = fault_enter (-1, NULL, "memfd_create", NULL, FAULT_KIND_MEMFD)) != 0)
    FAIL_WITH (e, -1);
  return real_memfd_create (name, flags);
}

EXPORT int
shm_open (const char *name, int flags, mode_t mode)
{
  const char *qualifier;
  FaultKind kind = open_kind (flags, &qualifier);
  int e;

  RESOLVE (shm_open);
  if ((e = fault_enter (AT_FDCWD, name, "shm_open", qualifier, kind)) != 0)
    FAIL_WITH (e, -1);
  return real_shm_open (name, flags, mode);
}

EXPORT int
shm_unlink (const char *name)
{
  int e;

  RESOLVE (shm_unlink);
  if ((e = fault_enter (AT_FDCWD, name, "shm_unlink", NULL, FAULT_KIND_UNLINK)) != 0)
    FAIL_WITH (e, -1);
  return real_shm_unlink (name);
}

EXPORT int
pipe (int fds[2])
{
  int e;

  RESOLVE (pipe);
  if ((e = fault_enter (-1, NULL, "pipe", NULL, FAULT_KIND_PIPE)) != 0)
    FAIL_WITH (e, -1);
  return real_pipe (fds);
}

EXPORT int
pipe2 (int fds[2], int flags)
{
  int e;

  RESOLVE (pipe2);
  if ((e = fault_enter (-1, NULL, "pipe2", NULL, FAULT_KIND_PIPE)) != 0)
    FAIL_WITH (e, -1);
  return real_pipe2 (fds, flags);
}

/* posix_spawn returns the error instead of setting errno. */
EXPORT int
posix_spawn (pid_t *pid, const char *path, const posix_spawn_file_actions_t *actions,
             const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
  int e;

  RESOLVE (posix_spawn);
  if ((e = fault_enter (AT_FDCWD, path, "posix_spawn", NULL, FAULT_KIND_SPAWN)) != 0)
    return e;
  return real_posix_spawn (pid, path, actions, attr, argv, envp);
}

/* Randomness and memory -------------------------------------------------- */

EXPORT ssize_t
getrandom (void *buf, size_t length, unsigned int flags)
{
  int e;

  RESOLVE (getrandom);
  if ((e = fault_enter (-1, NULL, "getrandom", NULL, FAULT_KIND_GETRANDOM)) != 0)
    FAIL_WITH (e, -1);
  return real_getrandom (buf, length, flags);
}

/* Paths: a relative path needs the current directory, and a GFile of a
 * path with ".." components its parent resolved. */
EXPORT char *
getcwd (char *buf, size_t size)
{
  int e;

  RESOLVE (getcwd);
  if ((e = fault_enter (-1, NULL, "getcwd", NULL, FAULT_KIND_GETCWD)) != 0)
    FAIL_WITH (e, NULL);
  return real_getcwd (buf, size);
}

EXPORT char *
realpath (const char *path, char *resolved)
{
  int e;

  RESOLVE (realpath);
  if ((e = fault_enter (AT_FDCWD, path, "realpath", NULL, FAULT_KIND_REALPATH)) != 0)
    FAIL_WITH (e, NULL);
  return real_realpath (path, resolved);
}

/* Only calls through the PLT get here: malloc and libc's own mappings do
 * not, so these are the removal walk's signal-safe buffers. */
#define DEFINE_MMAP(fn, offset_t) \
  EXPORT void * \
  fn (void *addr, size_t length, int prot, int flags, int fd, offset_t offset) \
  { \
    int e; \
    RESOLVE (fn); \
    if ((e = fault_enter (-1, NULL, "mmap", NULL, FAULT_KIND_MMAP)) != 0) \
      FAIL_WITH (e, MAP_FAILED); \
    return real_##fn (addr, length, prot, flags, fd, offset); \
  }

DEFINE_MMAP (mmap, off_t)
DEFINE_MMAP (mmap64, off64_t)
