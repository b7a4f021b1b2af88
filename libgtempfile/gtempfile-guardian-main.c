/* gtempfile-guardian-main.c: the guardian program
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   gtempfile-guardian PROTOCOL PID FLAGS
 *
 * Started by g_tempfile_install_guardian() (gtempfile-guardian.c) with
 * posix_spawn, never by hand: descriptor 3 is the arena its process
 * mirrors its registry into, 4 the read end of a pipe that only that
 * process writes to, 5 where to report; 0, 1 and 2 are /dev/null. It:
 *
 *  1. ignores the signals of terminals and of job control;
 *  2. closes every other descriptor it may have inherited, so that it
 *     holds nothing of the application's (a pipe the caller reads to its
 *     end, a lock, a socket);
 *  3. opens a pidfd of PID, its parent: while the parent is waiting for the
 *     report it is alive, so the pidfd names the right process (checked
 *     with getppid() after opening it); without pidfds, the pipe tells;
 *  4. forks the guardian and exits, so that the guardian is not a child of
 *     the application (the application reaps this intermediate process);
 *  5. in the guardian: a session of its own, "/" as working directory, the
 *     report, then a wait for PID to end;
 *  6. maps the arena and removes what its records still hold, then exits.
 *
 * The program is single-threaded, so nothing between fork and its loop
 * needs care beyond that. It links GLib but not GIO, to stay small: the
 * removal walk is the library's own (gtempfile-rmtree.c and the platform
 * layer, compiled in); nobody reads its error reports here, so the few
 * library and GIO functions it names only for them are stubs below.
 *
 * What a record may name is checked as the process itself would, and a
 * little more, since that process may have died of corrupted memory: the
 * arena's header and every offset are checked against the arena's size; a
 * file is removed only if it is a regular file owned by the guardian's own
 * user (the process's at install time); a directory only if it is the one
 * created there (device and inode) and owned by that user, through the
 * walk that never follows a link and never leaves its file system.
 */

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#if defined(HAVE_PIDFD_OPEN)
# include <sys/pidfd.h>
#elif defined(HAVE_SYS_PIDFD_OPEN)
# include <sys/syscall.h>
#endif

#include "gtempfile-error-private.h"
#include "gtempfile-guardian-private.h"
#include "gtempfile-rmtree-private.h"

typedef enum
{
  STAGE_ARGUMENTS = 1,
  STAGE_PIDFD,
  STAGE_FORK,
} GuardianStage;

/* Stubs: the walk names these for its error reports, which nobody reads
 * here (errors go nowhere). Linking GIO for them would more than double the
 * program's resident memory. */

GQuark
g_io_error_quark (void)
{
  return g_quark_from_static_string ("g-io-error-quark");
}

gboolean
g_cancellable_is_cancelled (GCancellable *cancellable)
{
  return FALSE;
}

gboolean
g_cancellable_set_error_if_cancelled (GCancellable  *cancellable,
                                      GError       **error)
{
  return FALSE;
}

const char *
_g_tempfile_gettext (const char *msgid)
{
  return msgid;
}

GIOErrorEnum
_g_tempfile_io_error_from_errno (int errsv)
{
  return G_IO_ERROR_FAILED;
}

void
_g_tempfile_set_error_path (GError     **error,
                            int          errsv,
                            const char  *format,
                            const char  *path)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, format);
}

/* Starting ------------------------------------------------------------------ */

static void
report (int   error,
        int   stage,
        int   pidfd)
{
  GTempfileGuardianReport message = { error, stage, (gint32) getpid (), pidfd };
  gssize n;

  do
    n = write (GTEMPFILE_GUARDIAN_READY_FD, &message, sizeof message);
  while (n < 0 && errno == EINTR);
}

static void
ignore_signals (void)
{
  static const int ignored[] = {
    SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGTSTP, SIGTTIN, SIGTTOU, SIGPIPE, SIGUSR1, SIGUSR2,
  };
  struct sigaction action;

  memset (&action, 0, sizeof action);
  action.sa_handler = SIG_IGN;
  sigemptyset (&action.sa_mask);
  for (guint i = 0; i < G_N_ELEMENTS (ignored); i++)
    sigaction (ignored[i], &action, NULL);
}

/* Closes every descriptor from @lowest up. */
static void
close_from (int lowest)
{
  DIR *dir;
  int max;

#ifdef HAVE_CLOSE_RANGE
  if (close_range (lowest, ~0U, 0) == 0)
    return;
#endif

  /* One open descriptor per entry, where the system lists them. */
  dir = opendir ("/dev/fd");
  if (dir == NULL)
    dir = opendir ("/proc/self/fd");
  if (dir != NULL)
    {
      int fds[256];
      gboolean more = TRUE;

      /* Closing while listing is not safe: collect, close, list again. */
      while (more)
        {
          struct dirent *entry;
          guint n = 0;

          more = FALSE;
          rewinddir (dir);
          while ((entry = readdir (dir)) != NULL)
            {
              char *end;
              long fd = strtol (entry->d_name, &end, 10);

              if (*end != '\0' || end == entry->d_name || fd < lowest || fd == dirfd (dir))
                continue;
              if (n == G_N_ELEMENTS (fds))
                {
                  more = TRUE;
                  break;
                }
              fds[n++] = fd;
            }
          for (guint i = 0; i < n; i++)
            close (fds[i]);
        }
      closedir (dir);
      return;
    }

  max = sysconf (_SC_OPEN_MAX);
  if (max < 0 || max > 65536)
    max = 65536;
  for (int fd = lowest; fd < max; fd++)
    close (fd);
}

static int
open_pidfd (pid_t pid)
{
#if defined(HAVE_PIDFD_OPEN)
  return pidfd_open (pid, 0);
#elif defined(HAVE_SYS_PIDFD_OPEN)
  return syscall (SYS_pidfd_open, pid, 0);
#else
  errno = ENOSYS;
  return -1;
#endif
}

/* Waiting ------------------------------------------------------------------- */

static void
pause_briefly (void)
{
  const struct timespec pause = { 0, 50 * 1000 * 1000 };   /* 50 ms */

  nanosleep (&pause, NULL);
}

static void
wait_for_pidfd (int pidfd)
{
  for (;;)
    {
      struct pollfd pfd = { pidfd, POLLIN, 0 };

      if (poll (&pfd, 1, -1) > 0 && (pfd.revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)))
        return;
      if (errno != EINTR && errno != EAGAIN)
        pause_briefly ();
    }
}

/* The pipe's write end closes when the process dies, or execs, or closes
 * it by mistake (a daemon closing every descriptor): only the first is the
 * end. The process is then checked until it is gone; a zombie still
 * counts as there until its parent reaps it. */
static void
wait_for_pipe (pid_t pid)
{
  for (;;)
    {
      char byte;
      gssize n = read (GTEMPFILE_GUARDIAN_DEATH_FD, &byte, 1);

      if (n == 0 || (n < 0 && errno != EINTR))
        break;
    }
  close (GTEMPFILE_GUARDIAN_DEATH_FD);

  while (kill (pid, 0) == 0 || errno == EPERM)
    pause_briefly ();
}

/* Removing ------------------------------------------------------------------ */

typedef struct
{
  const guint8 *base;
  gsize         size;
  uid_t         uid;
} Arena;

/* The path of @record, or NULL if it does not make sense. */
static const char *
record_path (const Arena                *a,
             const GTempfileArenaHeader *h,
             const GTempfileArenaRecord *record)
{
  const char *path;

  if (record->path_offset < h->heap_offset ||
      record->path_capacity == 0 ||
      (guint64) record->path_offset + record->path_capacity > (guint64) h->heap_offset + h->heap_size ||
      (guint64) record->path_offset + record->path_capacity > a->size)
    return NULL;

  path = (const char *) a->base + record->path_offset;
  if (memchr (path, '\0', record->path_capacity) == NULL || path[0] != G_DIR_SEPARATOR)
    return NULL;
  return path;
}

static void
remove_file (const Arena *a,
             const char  *path)
{
  struct stat st;

  if (lstat (path, &st) != 0)
    return;   /* gone */
  if (!S_ISREG (st.st_mode) || st.st_uid != a->uid)
    return;   /* replaced: not ours */
  unlink (path);
}

static void
remove_directory (const Arena                *a,
                  const char                 *path,
                  const GTempfileArenaRecord *record)
{
  struct stat st;
  GTempfileSysId id = { record->dev, record->ino };

  if (lstat (path, &st) != 0 || !S_ISDIR (st.st_mode) || st.st_uid != a->uid)
    return;

  if (id.dev == 0 || id.ino == 0)
    {
      /* Created, but the process died before noting what (or while it
       * wrote it: the two halves are two stores): only a directory just
       * made can be there, under its fresh random name. */
      if (record->state != G_TEMPFILE_MIRROR_CREATING)
        return;
      id.dev = st.st_dev;
      id.ino = st.st_ino;
    }

  /* A program of its own, with one thread: the allocating walk is safe
   * here, and lists directories where the signal-safe one cannot. */
  _g_tempfile_remove_dir (path, &id, GTEMPFILE_SYS_NO_HANDLE, FALSE, NULL, NULL);
}

static void
remove_records (const Arena *a)
{
  const GTempfileArenaHeader *h = (const GTempfileArenaHeader *) a->base;
  guint32 used;

  if (a->size < sizeof *h ||
      memcmp (h->magic, GTEMPFILE_GUARDIAN_MAGIC, sizeof h->magic) != 0 ||
      h->protocol != GTEMPFILE_GUARDIAN_PROTOCOL ||
      h->record_size != sizeof (GTempfileArenaRecord) ||
      (guint64) h->records_offset + (guint64) h->records_max * h->record_size > a->size ||
      (guint64) h->heap_offset + h->heap_size > a->size)
    return;

  used = MIN ((guint32) h->records_used, h->records_max);
  for (guint32 i = 0; i < used; i++)
    {
      const GTempfileArenaRecord *record =
        (const GTempfileArenaRecord *) (a->base + h->records_offset) + i;
      const char *path;

      if (record->state != G_TEMPFILE_MIRROR_CREATING &&
          record->state != G_TEMPFILE_MIRROR_OWNED &&
          record->state != G_TEMPFILE_MIRROR_REMOVING)
        continue;

      path = record_path (a, h, record);
      if (path == NULL)
        continue;

      if (record->kind == G_TEMPFILE_MIRROR_DIRECTORY)
        remove_directory (a, path, record);
      else if (record->kind == G_TEMPFILE_MIRROR_FILE)
        remove_file (a, path);
    }
}

static void
clean_up (void)
{
  struct stat st;
  Arena a;
  void *mapping;

  if (fstat (GTEMPFILE_GUARDIAN_ARENA_FD, &st) != 0 || st.st_size <= 0)
    return;

  mapping = mmap (NULL, st.st_size, PROT_READ, MAP_SHARED, GTEMPFILE_GUARDIAN_ARENA_FD, 0);
  if (mapping == MAP_FAILED)
    return;

  a.base = mapping;
  a.size = st.st_size;
  a.uid = geteuid ();
  remove_records (&a);
  munmap (mapping, st.st_size);
}

int
main (int   argc,
      char *argv[])
{
  unsigned long flags = 0;
  pid_t pid = 0;
  pid_t child;
  int pidfd = -1;

  ignore_signals ();

  if (argc == 4)
    {
      pid = (pid_t) strtol (argv[2], NULL, 10);
      flags = strtoul (argv[3], NULL, 10);
    }
  if (argc != 4 || strtol (argv[1], NULL, 10) != GTEMPFILE_GUARDIAN_PROTOCOL || pid <= 1)
    {
      report (EPROTO, STAGE_ARGUMENTS, FALSE);
      return 2;
    }

  close_from (GTEMPFILE_GUARDIAN_READY_FD + 1);

  if (!(flags & GTEMPFILE_GUARDIAN_FLAG_PIPE))
    {
      pidfd = open_pidfd (pid);
      if (pidfd >= 0 && getppid () != pid)
        {
          /* The process is gone already, and the pid may be another's. */
          report (ESRCH, STAGE_PIDFD, FALSE);
          return 1;
        }
    }
  if (pidfd >= 0)
    close (GTEMPFILE_GUARDIAN_DEATH_FD);

  if (flags & GTEMPFILE_GUARDIAN_FLAG_FAIL_FORK)
    {
      child = -1;
      errno = EAGAIN;
    }
  else
    child = fork ();
  if (child < 0)
    {
      report (errno, STAGE_FORK, FALSE);
      return 1;
    }
  if (child > 0)
    _exit (0);

  /* The guardian. */
  setsid ();
  if (chdir ("/") != 0)
    {
      /* Paths are absolute: the working directory only must not pin a
       * mount. */
    }
  report (0, 0, pidfd >= 0);
  close (GTEMPFILE_GUARDIAN_READY_FD);

  if (pidfd >= 0)
    wait_for_pidfd (pidfd);
  else
    wait_for_pipe (pid);

  clean_up ();
  return 0;
}
