/* gtempfile-platform-unix.c: the platform layer for Linux and generic POSIX
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What each operation uses, best first (every choice is a meson check in
 * config.h; -Dforce_fallbacks=true leaves out the Linux-only ones, as a BSD
 * or macOS build would):
 *
 *   random bytes      getrandom, arc4random_buf, /dev/urandom
 *   anonymous file    O_TMPFILE; else the create loop's create-then-unlink
 *   naming it         linkat of /proc/self/fd/N; linkat(AT_EMPTY_PATH)
 *   no-replace rename renameat2(RENAME_NOREPLACE), renameatx_np(RENAME_EXCL);
 *                     else link+unlink for files, check-then-rename for
 *                     directories
 *   sync a tree       syncfs; else sync
 *   listing           getdents64 (async-signal-safe); else readdir on
 *                     fdopendir (not async-signal-safe: see
 *                     _g_tempfile_sys_can_list_signal_safe())
 *   mount test        statx mount id, name_to_handle_at mount id,
 *                     /proc/self/fdinfo mnt_id; else the device
 *   permission repair fchmod on a descriptor; for an unreadable directory, an
 *                     O_PATH descriptor and /proc/self/fd; else
 *                     fchmodat(AT_SYMLINK_NOFOLLOW)
 *
 * Each fast path can be taken away at run time by a test hook, so the C
 * suite tests the fallbacks on the system that has the fast paths.
 */

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_FLOCK
# include <sys/file.h>
#endif
#ifdef HAVE_GETRANDOM
# include <sys/random.h>
#endif

#include "gtempfile-platform-private.h"

#ifndef O_CLOEXEC
# define O_CLOEXEC 0
#endif
#ifndef MAP_ANONYMOUS
# define MAP_ANONYMOUS MAP_ANON
#endif

G_STATIC_ASSERT (sizeof (sigset_t) <= sizeof (((GTempfileSysSignals *) NULL)->mask));

/* Features built ---------------------------------------------------------------- */

#define ENABLED(feature) GTEMPFILE_SYS_ENABLED (GTEMPFILE_SYS_FEATURE_##feature)

gboolean
_g_tempfile_sys_feature_built (GTempfileSysFeature feature)
{
  gboolean built;

  switch (feature)
    {
    case GTEMPFILE_SYS_FEATURE_O_TMPFILE:
#ifdef HAVE_O_TMPFILE
      built = TRUE;
#else
      built = FALSE;
#endif
      break;
    case GTEMPFILE_SYS_FEATURE_RENAME_NOREPLACE:
#if defined(HAVE_RENAMEAT2) || defined(HAVE_RENAMEATX_NP)
      built = TRUE;
#else
      built = FALSE;
#endif
      break;
    case GTEMPFILE_SYS_FEATURE_GETRANDOM:
#ifdef HAVE_GETRANDOM
      built = TRUE;
#else
      built = FALSE;
#endif
      break;
    case GTEMPFILE_SYS_FEATURE_PROC:
#ifdef HAVE_PROC_SELF
      built = TRUE;
#else
      built = FALSE;
#endif
      break;
    case GTEMPFILE_SYS_FEATURE_SYNCFS:
#ifdef HAVE_SYNCFS
      built = TRUE;
#else
      built = FALSE;
#endif
      break;
    case GTEMPFILE_SYS_FEATURE_STATX_MOUNT_ID:
#ifdef HAVE_STATX_MNT_ID
      built = TRUE;
#else
      built = FALSE;
#endif
      break;
    case GTEMPFILE_SYS_FEATURE_HANDLE_MOUNT_ID:
#ifdef HAVE_NAME_TO_HANDLE_AT
      built = TRUE;
#else
      built = FALSE;
#endif
      break;
    case GTEMPFILE_SYS_FEATURE_GETDENTS:
#ifdef HAVE_GETDENTS64
      built = TRUE;
#else
      built = FALSE;
#endif
      break;
    case GTEMPFILE_SYS_FEATURE_O_PATH:
#ifdef HAVE_O_PATH
      built = TRUE;
#else
      built = FALSE;
#endif
      break;
    case GTEMPFILE_SYS_FEATURE_SIGNALS:
    case GTEMPFILE_SYS_FEATURE_MODES:
    case GTEMPFILE_SYS_FEATURE_UNLINK_OPEN:
      built = TRUE;
      break;
    case GTEMPFILE_SYS_N_FEATURES:
    default:
      g_return_val_if_reached (FALSE);
    }

  return built;
}

/* Process ------------------------------------------------------------------- */

static int cached_pid;            /* atomic; 0 until first asked */

static void
after_fork_in_child (void)
{
  /* The child has a single thread here. */
  g_atomic_int_inc (&_g_tempfile_sys_fork_count);
  g_atomic_int_set (&cached_pid, getpid ());
}

static void
ensure_fork_handler (void)
{
  static gsize registered = 0;

  if (g_once_init_enter (&registered))
    {
      pthread_atfork (NULL, NULL, after_fork_in_child);
      g_once_init_leave (&registered, 1);
    }
}

gint64
_g_tempfile_sys_getpid (void)
{
  int pid = g_atomic_int_get (&cached_pid);

  if (G_UNLIKELY (pid == 0))
    {
      /* Not from a signal handler: the registry asks long before one. */
      ensure_fork_handler ();
      pid = getpid ();
      g_atomic_int_set (&cached_pid, pid);
    }
  return pid;
}

guint
_g_tempfile_sys_fork_generation (void)
{
  ensure_fork_handler ();
  return (guint) g_atomic_int_get (&_g_tempfile_sys_fork_count);
}

#ifndef HAVE_ARC4RANDOM_BUF
static int
read_urandom (guint8 *buffer,
              gsize   length)
{
  gsize done = 0;
  int fd;

  do
    fd = open ("/dev/urandom", O_RDONLY | O_CLOEXEC | O_NOCTTY);
  while (fd < 0 && errno == EINTR);
  if (fd < 0)
    return -1;

  while (done < length)
    {
      gssize res = read (fd, buffer + done, length - done);

      if (res < 0 && errno == EINTR)
        continue;
      if (res <= 0)
        {
          int errsv = res < 0 ? errno : EIO;

          close (fd);
          errno = errsv;
          return -1;
        }
      done += res;
    }

  close (fd);
  return 0;
}
#endif

int
_g_tempfile_sys_random (void  *buffer,
                        gsize  length)
{
  guint8 *bytes = buffer;

#ifdef HAVE_GETRANDOM
  if (ENABLED (GETRANDOM))
    {
      gsize done = 0;

      while (done < length)
        {
          gssize res = getrandom (bytes + done, length - done, 0);

          if (res < 0 && errno == EINTR)
            continue;
          if (res < 0 && errno == ENOSYS)
            break;   /* an old kernel: the next means */
          if (res < 0)
            return -1;
          done += res;
        }
      if (done == length)
        return 0;
      bytes += done;
      length -= done;
    }
#endif

#ifdef HAVE_ARC4RANDOM_BUF
  arc4random_buf (bytes, length);
  return 0;
#else
  return read_urandom (bytes, length);
#endif
}

void
_g_tempfile_sys_pause (void)
{
  const struct timespec pause = { 0, 200 * 1000 };

  nanosleep (&pause, NULL);
}

void *
_g_tempfile_sys_map_pages (gsize size)
{
  void *pages = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

  return pages == MAP_FAILED ? NULL : pages;
}

void
_g_tempfile_sys_unmap_pages (void  *pages,
                             gsize  size)
{
  if (pages != NULL)
    munmap (pages, size);
}

const char * const *
_g_tempfile_sys_conventional_tempdirs (void)
{
  static const char * const dirs[] = { "/tmp", "/var/tmp", "/usr/tmp", NULL };

  return dirs;
}

guint64
_g_tempfile_sys_descriptor_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
    return 0;
  return limit.rlim_cur;
}

/* Signals ------------------------------------------------------------------- */

static const int handled_signals[] = { SIGINT, SIGTERM, SIGHUP };
static void (*signal_callback) (void);

static void
handled_signal_set (sigset_t *set)
{
  sigemptyset (set);
  for (guint i = 0; i < G_N_ELEMENTS (handled_signals); i++)
    sigaddset (set, handled_signals[i]);
}

void
_g_tempfile_sys_block_signals (GTempfileSysSignals *saved)
{
  sigset_t block;

  handled_signal_set (&block);
  pthread_sigmask (SIG_BLOCK, &block, (sigset_t *) saved->mask);
  saved->blocked = TRUE;
}

void
_g_tempfile_sys_restore_signals (GTempfileSysSignals *saved)
{
  if (saved->blocked)
    pthread_sigmask (SIG_SETMASK, (sigset_t *) saved->mask, NULL);
  saved->blocked = FALSE;
}

static void
handle_signal (int signo)
{
  struct sigaction default_action;
  int saved_errno = errno;

  signal_callback ();

  /* Die of the signal, as if there had been no handler: the signal is
   * blocked while this runs, so the one raised now is delivered, with its
   * default action, when the handler returns. */
  memset (&default_action, 0, sizeof default_action);
  default_action.sa_handler = SIG_DFL;
  sigemptyset (&default_action.sa_mask);
  sigaction (signo, &default_action, NULL);
  errno = saved_errno;
  raise (signo);
}

gboolean
_g_tempfile_sys_install_signal_handlers (void (*callback) (void))
{
  gboolean installed = FALSE;

  signal_callback = callback;

  for (guint i = 0; i < G_N_ELEMENTS (handled_signals); i++)
    {
      struct sigaction current;
      struct sigaction action;

      if (sigaction (handled_signals[i], NULL, &current) != 0)
        continue;

      if (!(current.sa_flags & SA_SIGINFO) && current.sa_handler == handle_signal)
        {
          installed = TRUE;
          continue;
        }

      if ((current.sa_flags & SA_SIGINFO) || current.sa_handler != SIG_DFL)
        continue;   /* the application's own choice: left alone */

      memset (&action, 0, sizeof action);
      action.sa_handler = handle_signal;
      /* The other two wait while one is handled. */
      handled_signal_set (&action.sa_mask);
      if (sigaction (handled_signals[i], &action, NULL) == 0)
        installed = TRUE;
    }

  return installed;
}

#ifdef HAVE_PROC_SELF
/* "/proc/self/fd/N" or "/proc/self/fdinfo/N", without printf, which is not
 * async-signal-safe. */
static void
format_proc_path (char        buffer[40],
                  const char *dir,
                  int         fd)
{
  char digits[16];
  gsize length = strlen (dir);
  int n = 0;

  do
    digits[n++] = '0' + fd % 10;
  while ((fd /= 10) > 0 && n < (int) sizeof digits);

  memcpy (buffer, dir, length);
  for (int i = 0; i < n; i++)
    buffer[length + i] = digits[n - 1 - i];
  buffer[length + n] = '\0';
}

static gboolean
have_proc (void)
{
  return ENABLED (PROC) && access ("/proc/self/fd", F_OK) == 0;
}
#endif

/* Paths --------------------------------------------------------------------- */

char *
_g_tempfile_sys_make_absolute (const char *path)
{
  gsize size = 256;

  if (path[0] == '/')
    return g_strdup (path);

  /* Not g_get_current_dir(), which says "/" when getcwd() fails. */
  for (;;)
    {
      g_autofree char *cwd = g_malloc (size);
      int errsv;

      if (getcwd (cwd, size) != NULL)
        {
          if (path[0] == '\0')
            return g_steal_pointer (&cwd);
          return g_strconcat (cwd, strcmp (cwd, "/") == 0 ? "" : "/", path, NULL);
        }
      errsv = errno;
      if (errsv != ERANGE || size >= 1024 * 1024)
        {
          errno = errsv == ERANGE ? ENAMETOOLONG : errsv;
          return NULL;
        }
      size *= 2;
    }
}

static gboolean
has_dot_component (const char *path)
{
  for (const char *p = path; *p != '\0'; p++)
    if ((p == path || p[-1] == '/') && p[0] == '.' &&
        (p[1] == '/' || p[1] == '\0' || (p[1] == '.' && (p[2] == '/' || p[2] == '\0'))))
      return TRUE;
  return FALSE;
}

char *
_g_tempfile_sys_resolve_dots (const char *path)
{
  const char *base = strrchr (path, '/');
  g_autofree char *parent = NULL;
  g_autofree char *resolved = NULL;

  if (!has_dot_component (path) || base == NULL || base[1] == '\0' ||
      strcmp (base + 1, ".") == 0 || strcmp (base + 1, "..") == 0)
    return NULL;

  parent = base == path ? g_strdup ("/") : g_strndup (path, base - path);
  resolved = realpath (parent, NULL);
  if (resolved == NULL)
    return NULL;
  return g_strconcat (resolved, strcmp (resolved, "/") == 0 ? "" : "/", base + 1, NULL);
}

/* Files --------------------------------------------------------------------- */

int
_g_tempfile_sys_create_file (const char *path,
                             gboolean    anonymous)
{
  int fd;

  do
    fd = open (path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  while (fd < 0 && errno == EINTR);
  return fd;
}

int
_g_tempfile_sys_create_dir (const char *path)
{
  return mkdir (path, 0700);
}

int
_g_tempfile_sys_open_file (const char *path)
{
  int fd;

  do
    fd = open (path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
  while (fd < 0 && errno == EINTR);
  return fd;
}

int
_g_tempfile_sys_open_tmpfile (const char *dir,
                              gboolean   *linkable)
{
  *linkable = FALSE;

#ifdef HAVE_O_TMPFILE
  if (ENABLED (O_TMPFILE))
    {
      int fd;

      /* No O_EXCL, so that persist can link the file into place; no
       * O_NOFOLLOW, so that a symbolic link to a directory is used as
       * given. The mode is set when the file gets a name (DESIGN.md §3):
       * until then nobody else can open it. */
      do
        fd = open (dir, O_RDWR | O_TMPFILE | O_CLOEXEC, 0600);
      while (fd < 0 && errno == EINTR);
      if (fd >= 0)
        *linkable = TRUE;
      return fd;
    }
#endif

  errno = EOPNOTSUPP;
  return -1;
}

int
_g_tempfile_sys_unlink_open (int         fd,
                             const char *path)
{
  return _g_tempfile_sys_unlink (path);
}

int
_g_tempfile_sys_link_fd (int         fd,
                         const char *target)
{
#if defined(HAVE_O_TMPFILE)
  int errsv;

# ifdef HAVE_PROC_SELF
  /* Works for unprivileged processes, but needs /proc. */
  if (have_proc ())
    {
      char proc_path[40];

      format_proc_path (proc_path, "/proc/self/fd/", fd);
      return linkat (AT_FDCWD, proc_path, AT_FDCWD, target, AT_SYMLINK_FOLLOW);
    }
# endif

# ifdef HAVE_AT_EMPTY_PATH
  /* Without /proc, the direct way needs CAP_DAC_READ_SEARCH, and says
   * ENOENT without it, as it does for a missing target directory. */
  if (linkat (fd, "", AT_FDCWD, target, AT_EMPTY_PATH) == 0)
    return 0;

  errsv = errno;
  if (errsv == ENOENT)
    {
      const char *slash = strrchr (target, '/');
      struct stat st;

      if (slash != NULL)
        {
          g_autofree char *parent = g_strndup (target, MAX (slash - target, 1));

          if (stat (parent, &st) == 0 && S_ISDIR (st.st_mode))
            errsv = EOPNOTSUPP;
        }
    }
  errno = errsv;
  return -1;
# else
  (void) errsv;
# endif
#endif

  errno = EOPNOTSUPP;
  return -1;
}

int
_g_tempfile_sys_set_private_mode (int fd)
{
  return fchmod (fd, 0600);
}

int
_g_tempfile_sys_close (int fd)
{
  /* EINTR: the descriptor is closed all the same on Linux, and retrying
   * could close another thread's new one. */
  if (close (fd) != 0 && errno != EINTR)
    return -1;
  return 0;
}

gssize
_g_tempfile_sys_read (int    fd,
                      void  *buffer,
                      gsize  count)
{
  gssize res;

  do
    res = read (fd, buffer, MIN (count, G_MAXSSIZE));
  while (res < 0 && errno == EINTR);
  return res;
}

gssize
_g_tempfile_sys_write (int         fd,
                       const void *buffer,
                       gsize       count)
{
  gssize res;

  do
    res = write (fd, buffer, MIN (count, G_MAXSSIZE));
  while (res < 0 && errno == EINTR);
  return res;
}

gint64
_g_tempfile_sys_seek (int    fd,
                      gint64 offset,
                      int    whence)
{
  static const int whences[] = { SEEK_SET, SEEK_CUR, SEEK_END };

  return lseek (fd, offset, whences[whence]);
}

int
_g_tempfile_sys_truncate (int    fd,
                          gint64 size)
{
  int res;

  do
    res = ftruncate (fd, size);
  while (res != 0 && errno == EINTR);
  return res;
}

int
_g_tempfile_sys_fsync (int fd)
{
  int res;

  _g_tempfile_sys_count_fsync ();
  do
    res = fsync (fd);
  while (res != 0 && errno == EINTR);
  return res;
}

int
_g_tempfile_sys_fstat (int                   fd,
                       GTempfileSysFileInfo *info)
{
  struct stat st;

  if (fstat (fd, &st) != 0)
    return -1;

  info->id.dev = st.st_dev;
  info->id.ino = st.st_ino;
  info->mode = st.st_mode;
  info->nlink = st.st_nlink;
  info->uid = st.st_uid;
  info->gid = st.st_gid;
  info->rdev = st.st_rdev;
  info->block_size = st.st_blksize;
  info->blocks = st.st_blocks;
  info->size = st.st_size;
  info->atime = st.st_atime;
  info->mtime = st.st_mtime;
  info->ctime = st.st_ctime;
#if defined(HAVE_STRUCT_STAT_ST_MTIM)
  info->atime_nsec = st.st_atim.tv_nsec;
  info->mtime_nsec = st.st_mtim.tv_nsec;
  info->ctime_nsec = st.st_ctim.tv_nsec;
#elif defined(HAVE_STRUCT_STAT_ST_MTIMESPEC)
  info->atime_nsec = st.st_atimespec.tv_nsec;
  info->mtime_nsec = st.st_mtimespec.tv_nsec;
  info->ctime_nsec = st.st_ctimespec.tv_nsec;
#else
  info->atime_nsec = info->mtime_nsec = info->ctime_nsec = 0;
#endif
  return 0;
}

int
_g_tempfile_sys_unlink (const char *path)
{
  if (G_UNLIKELY (_g_tempfile_sys_unlink_fault ()))
    return -1;
  return unlink (path);
}

int
_g_tempfile_sys_rmdir (const char *path)
{
  return rmdir (path);
}

int
_g_tempfile_sys_rename (const char *from,
                        const char *to)
{
  return rename (from, to);
}

int
_g_tempfile_sys_rename_noreplace (const char *from,
                                  const char *to,
                                  gboolean    is_dir)
{
  struct stat st;
  int errsv;

#if defined(HAVE_RENAMEAT2)
  if (ENABLED (RENAME_NOREPLACE))
    {
      if (renameat2 (AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
        return 0;

      /* ENOSYS: an old kernel; EINVAL: a file system without the flag. */
      errsv = errno;
      if (errsv != ENOSYS && errsv != EINVAL && errsv != EOPNOTSUPP)
        return -1;
    }
#elif defined(HAVE_RENAMEATX_NP)
  if (ENABLED (RENAME_NOREPLACE))
    {
      if (renameatx_np (AT_FDCWD, from, AT_FDCWD, to, RENAME_EXCL) == 0)
        return 0;

      errsv = errno;
      if (errsv != ENOTSUP && errsv != EINVAL)
        return -1;
    }
#endif

  if (is_dir)
    {
      if (lstat (to, &st) == 0)
        {
          errno = EEXIST;
          return -1;
        }
      if (errno != ENOENT)
        return -1;
      return rename (from, to);
    }

  if (link (from, to) != 0)
    {
      /* File systems without hard links (FAT) say EPERM. */
      if (errno == EPERM)
        errno = EOPNOTSUPP;
      return -1;
    }

  if (_g_tempfile_sys_unlink (from) != 0)
    {
      errsv = errno;
      unlink (to);
      errno = errsv;
      return -1;
    }

  return 0;
}

int
_g_tempfile_sys_fsync_dir (const char *path)
{
  int fd;
  int res;

  do
    fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0)
    return -1;

  res = _g_tempfile_sys_fsync (fd);
  if (res != 0)
    {
      int errsv = errno;

      close (fd);
      errno = errsv;
      return -1;
    }
  close (fd);
  return 0;
}

int
_g_tempfile_sys_sync_fs (GTempfileSysHandle dir)
{
#ifdef HAVE_SYNCFS
  if (ENABLED (SYNCFS))
    return syncfs ((int) dir);
#endif

  /* Everything on every file system: more than asked, never less. */
  sync ();
  return 0;
}

static GTempfileSysType
type_of_mode (mode_t mode)
{
  if (S_ISDIR (mode))
    return GTEMPFILE_SYS_TYPE_DIRECTORY;
  if (S_ISLNK (mode))
    return GTEMPFILE_SYS_TYPE_LINK;
  return GTEMPFILE_SYS_TYPE_OTHER;
}

static void
fill_stat (GTempfileSysStat  *out,
           const struct stat *st)
{
  out->id.dev = st->st_dev;
  out->id.ino = st->st_ino;
  out->type = type_of_mode (st->st_mode);
  out->mode = st->st_mode & 07777;
}

int
_g_tempfile_sys_lstat (const char       *path,
                       GTempfileSysStat *st)
{
  struct stat buf;

  if (lstat (path, &buf) != 0)
    return -1;
  fill_stat (st, &buf);
  return 0;
}

/* Directories --------------------------------------------------------------- */

GTempfileSysHandle
_g_tempfile_sys_dir_open (const char     *path,
                          GTempfileSysId *id)
{
  struct stat st;
  int fd;

  do
    fd = open (path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0 || id == NULL)
    return fd;

  if (fstat (fd, &st) != 0)
    {
      int errsv = errno;

      close (fd);
      errno = errsv;
      return GTEMPFILE_SYS_NO_HANDLE;
    }
  id->dev = st.st_dev;
  id->ino = st.st_ino;
  return fd;
}

GTempfileSysHandle
_g_tempfile_sys_dir_open_lookup (const char *path)
{
  int fd;

#ifdef HAVE_O_PATH
  if (ENABLED (O_PATH))
    {
      /* Searching it is all that is needed: no read permission. */
      fd = open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);
      return fd < 0 ? GTEMPFILE_SYS_NO_HANDLE : fd;
    }
#endif

  fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
#ifdef O_SEARCH
  if (fd < 0 && errno == EACCES)
    fd = open (path, O_SEARCH | O_DIRECTORY | O_CLOEXEC);
#endif
  return fd < 0 ? GTEMPFILE_SYS_NO_HANDLE : fd;
}

void
_g_tempfile_sys_dir_close (GTempfileSysHandle dir)
{
  if (dir != GTEMPFILE_SYS_NO_HANDLE)
    close ((int) dir);
}

int
_g_tempfile_sys_dir_stat (GTempfileSysHandle  dir,
                          GTempfileSysStat   *st)
{
  struct stat buf;

  if (fstat ((int) dir, &buf) != 0)
    return -1;
  fill_stat (st, &buf);
  return 0;
}

int
_g_tempfile_sys_dir_lock_shared (GTempfileSysHandle dir)
{
#ifdef HAVE_FLOCK
  return flock ((int) dir, LOCK_SH | LOCK_NB);
#else
  return 0;
#endif
}

int
_g_tempfile_sys_dir_stat_child (GTempfileSysHandle  parent,
                                const char         *name,
                                GTempfileSysStat   *st)
{
  struct stat buf;

  if (fstatat ((int) parent, name, &buf, AT_SYMLINK_NOFOLLOW) != 0)
    return -1;
  fill_stat (st, &buf);
  return 0;
}

GTempfileSysHandle
_g_tempfile_sys_dir_open_child (GTempfileSysHandle  parent,
                                const char         *name)
{
  /* O_NONBLOCK: never hang on a FIFO swapped in under the name. */
  int fd = openat ((int) parent, name,
                   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);

  return fd < 0 ? GTEMPFILE_SYS_NO_HANDLE : fd;
}

GTempfileSysHandle
_g_tempfile_sys_dir_open_parent (GTempfileSysHandle child)
{
  int fd = openat ((int) child, "..", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

  return fd < 0 ? GTEMPFILE_SYS_NO_HANDLE : fd;
}

int
_g_tempfile_sys_dir_unlink (GTempfileSysHandle  parent,
                            const char         *name,
                            gboolean            is_dir)
{
  struct stat st;

  if (unlinkat ((int) parent, name, is_dir ? AT_REMOVEDIR : 0) == 0)
    return 0;

  /* POSIX allows EPERM for unlinking a directory (the BSDs and macOS say
   * so); the walk needs to know it was one. */
  if (!is_dir && errno == EPERM)
    {
      gboolean directory = fstatat ((int) parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                           S_ISDIR (st.st_mode);

      errno = directory ? EISDIR : EPERM;
    }
  return -1;
}

int
_g_tempfile_sys_dir_open_up (GTempfileSysHandle dir,
                             guint32            mode)
{
  if ((mode & S_IRWXU) == S_IRWXU)
    return 0;
  return fchmod ((int) dir, (mode & 07777) | S_IRWXU);
}

int
_g_tempfile_sys_dir_open_up_child (GTempfileSysHandle    parent,
                                   const char           *name,
                                   const GTempfileSysId *expected,
                                   void (*before_change) (GTempfileSysHandle, const char *))
{
  struct stat st;

#if defined(HAVE_O_PATH) && defined(HAVE_PROC_SELF)
  if (ENABLED (O_PATH) && have_proc ())
    {
      char proc_path[40];
      int fd;
      int res = -1;

      /* An O_PATH descriptor pins the directory without reading it; after
       * checking it is the one that was listed, its mode is changed through
       * /proc/self/fd, which reaches exactly that directory and no link. */
      fd = openat ((int) parent, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0)
        return -1;

      if (fstat (fd, &st) == 0 && st.st_dev == expected->dev && st.st_ino == expected->ino)
        {
          if (before_change != NULL)
            before_change (parent, name);
          format_proc_path (proc_path, "/proc/self/fd/", fd);
          res = chmod (proc_path, (st.st_mode & 07777) | S_IRWXU);
        }
      else
        errno = ESTALE;

      close (fd);
      return res;
    }
#endif

  /* fchmodat() never follows a link with AT_SYMLINK_NOFOLLOW; what is
   * at the name was checked just before (a directory swapped in between
   * would have to be moved there by the tree's owner). */
  if (fstatat ((int) parent, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
    return -1;
  if (!S_ISDIR (st.st_mode) || st.st_dev != expected->dev || st.st_ino != expected->ino)
    {
      errno = ESTALE;
      return -1;
    }
  if (before_change != NULL)
    before_change (parent, name);
  return fchmodat ((int) parent, name, (st.st_mode & 07777) | S_IRWXU, AT_SYMLINK_NOFOLLOW);
}

/* The mount test ------------------------------------------------------------ */

#ifdef HAVE_PROC_SELF
/* The "mnt_id:" line of /proc/self/fdinfo/N, read with system calls only. */
static gboolean
fdinfo_mount_id (int      fd,
                 guint64 *mount_id)
{
  static const char key[] = "mnt_id:";
  char path[40];
  char buffer[1024];
  gssize length = 0;
  int info;

  format_proc_path (path, "/proc/self/fdinfo/", fd);
  info = open (path, O_RDONLY | O_CLOEXEC);
  if (info < 0)
    return FALSE;   /* with open's errno: ENOENT without /proc */
  while (length < (gssize) sizeof buffer - 1)
    {
      gssize n = read (info, buffer + length, sizeof buffer - 1 - length);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int errsv = errno;

          close (info);
          errno = errsv;
          return FALSE;
        }
      if (n == 0)
        break;
      length += n;
    }
  close (info);
  buffer[length] = '\0';

  for (char *line = buffer; line != NULL && *line != '\0'; )
    {
      char *next = strchr (line, '\n');

      if (strncmp (line, key, sizeof key - 1) == 0)
        {
          guint64 value = 0;
          char *cursor = line + sizeof key - 1;

          while (*cursor == ' ' || *cursor == '\t')
            cursor++;
          if (*cursor < '0' || *cursor > '9')
            {
              errno = EOPNOTSUPP;
              return FALSE;
            }
          for (; *cursor >= '0' && *cursor <= '9'; cursor++)
            value = value * 10 + (guint64) (*cursor - '0');
          *mount_id = value;
          return TRUE;
        }
      line = next != NULL ? next + 1 : NULL;
    }
  /* A kernel older than 3.15 has no mount id there. */
  errno = EOPNOTSUPP;
  return FALSE;
}
#endif

/* The mount id of @name in @dir (or of @dir itself when @name is ""), by
 * @means. FALSE with errno if it cannot be had. */
static gboolean
mount_id_by (GTempfileSysMountMeans  means,
             int                     dir,
             const char             *name,
             guint64                *mount_id)
{
  switch (means)
    {
#ifdef HAVE_STATX_MNT_ID
    case GTEMPFILE_SYS_MOUNT_BY_STATX:
      {
        struct statx stx;
        int flags = AT_SYMLINK_NOFOLLOW | (*name == '\0' ? AT_EMPTY_PATH : 0);

        if (statx (dir, name, flags, STATX_MNT_ID, &stx) != 0)
          return FALSE;
        if ((stx.stx_mask & STATX_MNT_ID) == 0)
          {
            errno = EOPNOTSUPP;
            return FALSE;
          }
        *mount_id = stx.stx_mnt_id;
        return TRUE;
      }
#endif

#ifdef HAVE_NAME_TO_HANDLE_AT
    case GTEMPFILE_SYS_MOUNT_BY_HANDLE:
      {
        union
        {
          struct file_handle handle;
          guint8             space[sizeof (struct file_handle) + MAX_HANDLE_SZ];
        } h;
        int id = 0;
        int flags = *name == '\0' ? AT_EMPTY_PATH : 0;

        /* Without AT_SYMLINK_FOLLOW it does not follow a link. A handle
         * too large for the buffer still gives the mount id (EOVERFLOW). */
        h.handle.handle_bytes = MAX_HANDLE_SZ;
        if (name_to_handle_at (dir, name, &h.handle, &id, flags) != 0 && errno != EOVERFLOW)
          return FALSE;
        *mount_id = (guint64) id;
        return TRUE;
      }
#endif

#if defined(HAVE_PROC_SELF) && defined(HAVE_O_PATH)
    case GTEMPFILE_SYS_MOUNT_BY_FDINFO:
      {
        gboolean ok;
        int fd;

        if (*name == '\0')
          return fdinfo_mount_id (dir, mount_id);

        /* A descriptor that opens nothing and follows no link. */
        fd = openat (dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
          return FALSE;
        ok = fdinfo_mount_id (fd, mount_id);
        if (!ok)
          {
            int errsv = errno;

            close (fd);
            errno = errsv;
            return FALSE;
          }
        close (fd);
        return TRUE;
      }
#endif

    case GTEMPFILE_SYS_MOUNT_BY_DEVICE:
    default:
      errno = EOPNOTSUPP;
      return FALSE;
    }
}

/* Whether @errsv says that a means of the mount test does not exist here
 * (an old kernel, a file system without file handles, no /proc, a
 * seccomp filter), rather than that it failed this time. */
static gboolean
means_unavailable (int errsv)
{
  switch (errsv)
    {
    case ENOSYS:
    case EOPNOTSUPP:
#if defined(ENOTSUP) && ENOTSUP != EOPNOTSUPP
    case ENOTSUP:
#endif
    case EINVAL:
    case EPERM:
    case ENOENT:
      return TRUE;
    default:
      return FALSE;
    }
}

int
_g_tempfile_sys_mount_init (GTempfileSysMount    *mount,
                            GTempfileSysHandle    root,
                            const GTempfileSysId *root_id)
{
  static const struct
  {
    GTempfileSysMountMeans means;
    GTempfileSysFeature    feature;
  } chain[] = {
    { GTEMPFILE_SYS_MOUNT_BY_STATX, GTEMPFILE_SYS_FEATURE_STATX_MOUNT_ID },
    { GTEMPFILE_SYS_MOUNT_BY_HANDLE, GTEMPFILE_SYS_FEATURE_HANDLE_MOUNT_ID },
    { GTEMPFILE_SYS_MOUNT_BY_FDINFO, GTEMPFILE_SYS_FEATURE_PROC },
  };

  mount->means = GTEMPFILE_SYS_MOUNT_BY_DEVICE;
  mount->dev = root_id->dev;
  mount->mount_id = 0;

  for (guint i = 0; i < G_N_ELEMENTS (chain); i++)
    {
      if (!_g_tempfile_sys_has_feature (chain[i].feature))
        continue;
      if (chain[i].means == GTEMPFILE_SYS_MOUNT_BY_FDINFO &&
          !_g_tempfile_sys_has_feature (GTEMPFILE_SYS_FEATURE_O_PATH))
        continue;
      if (mount_id_by (chain[i].means, (int) root, "", &mount->mount_id))
        {
          mount->means = chain[i].means;
          return 0;
        }
      /* Not here: the next means. Failed now: no weaker one in silence. */
      if (!means_unavailable (errno))
        return -1;
    }
  return 0;
}

int
_g_tempfile_sys_is_other_mount (const GTempfileSysMount *mount,
                                GTempfileSysHandle       parent,
                                const char              *name,
                                const GTempfileSysId    *listed)
{
  guint64 mount_id;

  if (listed->dev != mount->dev)
    return 1;
  if (mount->means == GTEMPFILE_SYS_MOUNT_BY_DEVICE)
    return 0;

  /* The means that worked on the root. */
  if (!mount_id_by (mount->means, (int) parent, name, &mount_id))
    return errno == ENOENT ? 0 : -1;
  return mount_id != mount->mount_id;
}

/* Listing ------------------------------------------------------------------- */

#ifdef HAVE_GETDENTS64
# define DENTS_BUFFER_SIZE (32 * 1024)
#endif

static gboolean
use_getdents (void)
{
#ifdef HAVE_GETDENTS64
  return ENABLED (GETDENTS);
#else
  return FALSE;
#endif
}

gsize
_g_tempfile_sys_listing_size (void)
{
#ifdef HAVE_GETDENTS64
  if (use_getdents ())
    return DENTS_BUFFER_SIZE;
#endif
  return 0;
}

gboolean
_g_tempfile_sys_listing_resumes (void)
{
  return use_getdents ();
}

gboolean
_g_tempfile_sys_can_list_signal_safe (void)
{
  return use_getdents ();
}

guint
_g_tempfile_sys_walk_max_open (void)
{
  return 16;
}

int
_g_tempfile_sys_dir_begin (GTempfileSysDir    *dir,
                           GTempfileSysHandle  handle,
                           gboolean            borrowed,
                           gboolean            signal_safe)
{
  int fd = (int) handle;

  dir->handle = handle;
  dir->stream = NULL;
  dir->resume = 0;
  dir->borrowed = borrowed;

  if (use_getdents ())
    return 0;

  if (signal_safe)
    {
      /* readdir allocates: not in a signal handler. */
      errno = EOPNOTSUPP;
      return -1;
    }

  /* fdopendir() takes its descriptor over: a borrowed one is duplicated. */
  if (borrowed)
    {
      fd = fcntl ((int) handle, F_DUPFD_CLOEXEC, 3);
      if (fd < 0)
        return -1;
    }
  dir->stream = fdopendir (fd);
  if (dir->stream == NULL)
    {
      int errsv = errno;

      if (borrowed)
        close (fd);
      errno = errsv;
      return -1;
    }
  /* A duplicate shares the file position with the handle, which an earlier
   * listing may have left at the end. */
  if (borrowed)
    rewinddir (dir->stream);
  return 0;
}

static GTempfileSysType
type_of_dirent (unsigned char d_type)
{
#ifdef DT_DIR
  switch (d_type)
    {
    case DT_DIR:
      return GTEMPFILE_SYS_TYPE_DIRECTORY;
    case DT_LNK:
      return GTEMPFILE_SYS_TYPE_LINK;
    case DT_UNKNOWN:
      return GTEMPFILE_SYS_TYPE_UNKNOWN;
    default:
      return GTEMPFILE_SYS_TYPE_OTHER;
    }
#else
  return GTEMPFILE_SYS_TYPE_UNKNOWN;
#endif
}

static gboolean
is_dot_or_dot_dot (const char *name)
{
  return name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

int
_g_tempfile_sys_dir_next (GTempfileSysListing *listing,
                          GTempfileSysDir     *dir,
                          GTempfileSysEntry   *entry)
{
  if (dir->stream != NULL)
    {
      for (;;)
        {
          struct dirent *ent;

          errno = 0;
          ent = readdir (dir->stream);
          if (ent == NULL)
            /* A directory removed while it is listed has no more entries. */
            return errno == 0 || errno == ENOENT ? 0 : -1;
          if (is_dot_or_dot_dot (ent->d_name))
            continue;
          entry->name = ent->d_name;
#ifdef HAVE_STRUCT_DIRENT_D_TYPE
          entry->type = type_of_dirent (ent->d_type);
#else
          entry->type = GTEMPFILE_SYS_TYPE_UNKNOWN;
#endif
          return 1;
        }
    }

#ifdef HAVE_GETDENTS64
  if (listing->owner != dir)
    {
      /* Another directory's entries are in the buffer: continue this one
       * where it was left. */
      if (lseek ((int) dir->handle, dir->resume, SEEK_SET) < 0)
        return errno == ENOENT ? 0 : -1;
      listing->owner = dir;
      listing->length = listing->position = 0;
    }

  for (;;)
    {
      struct dirent64 *ent;

      if (listing->position >= listing->length)
        {
          gssize n = getdents64 ((int) dir->handle, listing->buffer, listing->size);

          if (n < 0)
            return errno == ENOENT ? 0 : -1;
          if (n == 0)
            return 0;
          listing->length = n;
          listing->position = 0;
        }

      ent = (struct dirent64 *) (listing->buffer + listing->position);
      listing->position += ent->d_reclen;
      dir->resume = ent->d_off;

      if (is_dot_or_dot_dot (ent->d_name))
        continue;

      entry->name = ent->d_name;
      entry->type = type_of_dirent (ent->d_type);
      return 1;
    }
#else
  (void) type_of_dirent;
  errno = EBADF;
  return -1;
#endif
}

void
_g_tempfile_sys_dir_rewind (GTempfileSysListing *listing,
                            GTempfileSysDir     *dir)
{
  if (dir->stream != NULL)
    rewinddir (dir->stream);
  dir->resume = 0;
  if (listing->owner == dir)
    listing->owner = NULL;
}

void
_g_tempfile_sys_dir_end (GTempfileSysListing *listing,
                         GTempfileSysDir     *dir)
{
  if (dir->stream != NULL)
    closedir (dir->stream);   /* closes its descriptor: the handle, or its copy */
  else if (!dir->borrowed && dir->handle != GTEMPFILE_SYS_NO_HANDLE)
    close ((int) dir->handle);
  dir->stream = NULL;
  dir->handle = GTEMPFILE_SYS_NO_HANDLE;
  if (listing->owner == dir)
    listing->owner = NULL;
}
