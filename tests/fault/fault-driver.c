/* fault-driver.c: every system call libgtempfile makes, made to fail
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The method, after SQLite's I/O-error tests
 * =========================================
 *
 * fault-shim.so (LD_PRELOAD; this program re-executes itself with it when
 * meson did not preload it) interposes the libc entry points a file
 * library reaches: open, openat, creat, close, read, write, pread, pwrite,
 * readv, writev, lseek, ftruncate, stat, lstat, fstat, fstatat, statx (and
 * their "64" and pre-2.33 "__xstat" names), access, mkdir, mkdirat, rmdir,
 * unlink, unlinkat, rename, renameat, renameat2, link, linkat, fsync,
 * fdatasync, syncfs, chmod, fchmod, fchmodat, flock, getdents64, opendir,
 * fdopendir, readdir, closedir, getrandom, name_to_handle_at, mmap, fcntl
 * (F_DUPFD) and dup. Nothing about the library's call sequence is written here: it
 * is discovered.
 *
 * Calls on descriptors count only for files, directories and devices, so
 * GLib's own machinery (the eventfd of a GMainContext, pipes, the terminal)
 * is never touched; malloc, pthread and libc's internal calls do not go
 * through the PLT and are not seen either. check-imports.py fails the
 * suite when the library imports a libc function the shim does not know.
 *
 * For each scenario below (create a named or anonymous file, synchronously
 * or not, write and persist with each flag, cleanup, a GTempDir's
 * creation, cleanup and removal of a tree with every shape the walk
 * handles, a bind mount inside it, persist, a spooled stream rolling over
 * by write, truncate and get_fd, mkstemp, mkdtemp, get_tempdir, objects
 * left for the exit pass, the guardian installed and then SIGKILL (after
 * which it must remove what is left); and again with features of the
 * platform layer turned off by its test hook, so that each fallback's own
 * calls fail:
 * O_TMPFILE, renameat2, getrandom, /proc, syncfs, getdents64, O_PATH, the
 * statx and name_to_handle_at mount ids):
 *
 *  1. The parent forks a child that runs the scenario with the shim armed
 *     and no failure: the shim records every call (its name, its kind, the
 *     step it belongs to) in memory shared with the parent. This baseline
 *     must pass every invariant below too.
 *     It runs a second time with fresh heap memory filled with 0xfe rather
 *     than zeros (glibc's M_PERTURB; every other run gets zeros, so that
 *     runs are identical whatever the parent allocated meanwhile): a
 *     library that reads memory it never wrote shows up there.
 *  2. Then, for every recorded call k and every errno that this kind of
 *     call can really return on a local file system (the table errno_table
 *     below), a fresh child runs the scenario again with call k made to
 *     fail once with that errno. Children are forked from a parent that
 *     has set everything up, so a crash is isolated and the runs are
 *     identical up to call k (the shim checks that call k is the one the
 *     baseline recorded).
 *
 * Each step of a scenario is one public call (a constructor, a write, a
 * persist, a cleanup, the last unref...). After it, with the shim paused,
 * the child judges it:
 *
 *  - a step that failed must have failed in the step where the call was
 *    made to fail, with a GError in G_IO_ERROR whose code is what the
 *    errno maps to (g_io_error_from_errno, with the library's documented
 *    tweaks: EXDEV gives NOT_SUPPORTED, EFBIG and EDQUOT give NO_SPACE; a
 *    failed link() with EPERM, a file system without hard links, gives
 *    NOT_SUPPORTED);
 *  - some failures must be recovered from, so the step must succeed: EINTR
 *    on the calls it can interrupt (retried), EEXIST when creating a fresh
 *    name (another name is tried), anything from open (O_TMPFILE) (the
 *    named fallback), ENOSYS from getrandom (/dev/urandom), EINVAL from
 *    renameat2 (RENAME_NOREPLACE) (the link-and-unlink fallback), anything
 *    from flock (documented as not fatal);
 *  - some failures must be reported, so the step must fail: fsync,
 *    fdatasync and syncfs under G_TEMP_PERSIST_SYNC, EEXIST under
 *    G_TEMP_PERSIST_NO_REPLACE, close() failing in close or cleanup;
 *  - every other failure may be reported or recovered from; either way
 *    the outcome is checked: after success, that the file, directory or
 *    content is what it must be; after failure, that nothing changed (a
 *    failed constructor leaves nothing, a failed persist leaves the file
 *    where it was and the target as it was, a failed rollover leaves the
 *    spooled content byte for byte and the position), and that the same
 *    step tried again, with nothing failing any more, succeeds.
 *
 * At the end of each run: the number of open descriptors is what it was
 * before the first step, and once the last reference is dropped nothing is
 * left in the scratch directories, unless the call made to fail was the
 * removal made while disposing, which cannot report and is retried at exit.
 * The parent then checks, after the child exited (and ran the library's
 * exit pass), that nothing at all is left; a failure made in the exit pass
 * itself is the one case that may leave something. A crash, an abort (a
 * critical is fatal here) or a hang is a failure of the case.
 *
 * Where it runs. The scratch directories are on /dev/shm when it is a
 * tmpfs (FAULT_SCRATCH=tmpdir keeps them under TMPDIR): a case creates and
 * removes a few dozen entries, and on a disk other jobs keep busy ext4's
 * journal made the run ten times slower; the file system is not what is
 * tested. Under AddressSanitizer (the _asan stage) the driver preloads
 * libasan before the shim, which ASan requires (its interceptors then call
 * the shim, which calls libc), and meson passes --quick: per call, the
 * first errno of its list and those the library treats apart, and no
 * scenario that only repeats another's code; LeakSanitizer then checks
 * every child's exit for memory lost on an error path. Valgrind is left
 * out: a case takes about 100 ms under memcheck (measured), some ten
 * minutes for the whole set, and ASan already looks at every error path.
 *
 * Output is TAP: one test point per scenario baseline and per (scenario,
 * call, errno) group; a failing group prints one reproducer per failing
 * case, to be run as "fault-driver --case SCENARIO:CALL:ERRNO", which shows
 * the trace and the child's verdict. "--list SCENARIO" prints the baseline
 * trace, "--scenario SUBSTRING" runs only matching scenarios.
 */

#include "config.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <locale.h>
#include <malloc.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "gtempfile.h"
#include "gtempfile-platform-private.h"
#include "gtempfile-guardian-private.h"
#include "test-common.h"
#include "fault-shim.h"

#define PAYLOAD     "fault-injection payload, 31 B\n"
#define OLD_CONTENT "old target\n"
#define CASE_TIMEOUT_SECONDS 30

/* The errno table ---------------------------------------------------------- */

typedef struct
{
  int         value;
  const char *name;
} Errno;

#define E(x) { x, #x }
static const Errno errno_names[] = {
  E (EACCES), E (EAGAIN), E (EBUSY), E (EDQUOT), E (EEXIST), E (EFBIG), E (EINTR), E (EINVAL),
  E (EIO),
  E (EISDIR), E (EMFILE), E (EMLINK), E (ENFILE), E (ENOLCK), E (ENOMEM), E (ENOSPC),
  E (ENOSYS), E (EOPNOTSUPP), E (EPERM), E (EROFS), E (EWOULDBLOCK), E (EXDEV),
};
#undef E

static const char *
errno_name (int value)
{
  for (guint i = 0; i < G_N_ELEMENTS (errno_names); i++)
    if (errno_names[i].value == value)
      return errno_names[i].name;
  return "E?";
}

static int
errno_from_name (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (errno_names); i++)
    if (g_ascii_strcasecmp (errno_names[i].name, name) == 0)
      return errno_names[i].value;
  return 0;
}

/* For each kind of call, the errors the kernel or libc really return for it
 * on a local file system (from the man pages; state that the scenario
 * itself rules out, such as ENOENT for a file that is there or ENOTEMPTY
 * for an empty directory, is left out, and so is EINTR where only slow
 * devices give it). Kinds with no entry are counted but never failed:
 * lseek on a regular file or directory, readdir, fcntl other than F_DUPFD. */
static const int *const errno_table[FAULT_N_KINDS] = {
  [FAULT_KIND_OPEN_CREATE_EXCL] = (const int[]) { EEXIST, EACCES, ENOSPC, EDQUOT, EIO, EMFILE,
                                                  ENFILE, ENOMEM, EROFS, 0 },
  [FAULT_KIND_OPEN_CREATE] = (const int[]) { EACCES, ENOSPC, EDQUOT, EIO, EMFILE, ENFILE, ENOMEM,
                                             EROFS, 0 },
  [FAULT_KIND_OPEN_TMPFILE] = (const int[]) { EOPNOTSUPP, EISDIR, EACCES, ENOSPC, EDQUOT, EIO,
                                              EMFILE, ENFILE, ENOMEM, EROFS, 0 },
  [FAULT_KIND_OPEN_DIRECTORY] = (const int[]) { EACCES, EIO, EMFILE, ENFILE, ENOMEM, 0 },
  [FAULT_KIND_OPEN_PATH] = (const int[]) { EACCES, EMFILE, ENFILE, ENOMEM, 0 },
  [FAULT_KIND_OPEN_READ] = (const int[]) { EACCES, EIO, EMFILE, ENFILE, ENOMEM, 0 },
  [FAULT_KIND_OPEN_WRITE] = (const int[]) { EACCES, EIO, EMFILE, ENFILE, ENOMEM, EROFS, 0 },
  [FAULT_KIND_CLOSE] = (const int[]) { EIO, EINTR, 0 },
  [FAULT_KIND_READ] = (const int[]) { EIO, EINTR, 0 },
  [FAULT_KIND_WRITE] = (const int[]) { ENOSPC, EDQUOT, EFBIG, EIO, EINTR, 0 },
  [FAULT_KIND_FTRUNCATE] = (const int[]) { EIO, EPERM, EINTR, 0 },
  [FAULT_KIND_FSTAT] = (const int[]) { EIO, ENOMEM, 0 },
  [FAULT_KIND_STAT] = (const int[]) { EACCES, EIO, ENOMEM, 0 },
  [FAULT_KIND_STATX] = (const int[]) { EIO, ENOMEM, 0 },
  [FAULT_KIND_MKDIR] = (const int[]) { EEXIST, EACCES, ENOSPC, EDQUOT, EIO, EMLINK, ENOMEM,
                                       EROFS, 0 },
  [FAULT_KIND_RMDIR] = (const int[]) { EACCES, EBUSY, EIO, ENOMEM, EPERM, EROFS, 0 },
  [FAULT_KIND_UNLINK] = (const int[]) { EACCES, EBUSY, EIO, ENOMEM, EPERM, EROFS, 0 },
  [FAULT_KIND_RENAME] = (const int[]) { EACCES, EBUSY, EDQUOT, ENOSPC, EIO, ENOMEM, EPERM, EROFS,
                                        EXDEV, 0 },
  [FAULT_KIND_RENAME_NOREPLACE] = (const int[]) { EEXIST, EINVAL, EACCES, EBUSY, EDQUOT, ENOSPC,
                                                  EIO, ENOMEM, EPERM, EROFS, EXDEV, 0 },
  [FAULT_KIND_LINK] = (const int[]) { EEXIST, EACCES, EDQUOT, EIO, EMLINK, ENOMEM, ENOSPC, EPERM,
                                      EROFS, EXDEV, 0 },
  [FAULT_KIND_FSYNC_FILE] = (const int[]) { EIO, ENOSPC, EDQUOT, EINTR, 0 },
  [FAULT_KIND_FSYNC_DIR] = (const int[]) { EIO, ENOSPC, EDQUOT, EINTR, 0 },
  [FAULT_KIND_SYNCFS] = (const int[]) { EIO, ENOSPC, EDQUOT, 0 },
  [FAULT_KIND_CHMOD] = (const int[]) { EIO, ENOMEM, EPERM, EROFS, 0 },
  [FAULT_KIND_FLOCK] = (const int[]) { EWOULDBLOCK, ENOLCK, 0 },
  [FAULT_KIND_GETDENTS] = (const int[]) { EIO, 0 },
  [FAULT_KIND_OPENDIR] = (const int[]) { EACCES, EMFILE, ENFILE, ENOMEM, 0 },
  [FAULT_KIND_GETRANDOM] = (const int[]) { ENOSYS, EINTR, 0 },
  [FAULT_KIND_NAME_TO_HANDLE] = (const int[]) { EOPNOTSUPP, ENOMEM, 0 },
  [FAULT_KIND_MMAP] = (const int[]) { ENOMEM, 0 },
  [FAULT_KIND_DUP] = (const int[]) { EMFILE, 0 },
  [FAULT_KIND_ACCESS] = (const int[]) { EACCES, EIO, ENOMEM, 0 },
  [FAULT_KIND_MEMFD] = (const int[]) { EMFILE, ENFILE, ENOMEM, 0 },
  [FAULT_KIND_PIPE] = (const int[]) { EMFILE, ENFILE, 0 },
  [FAULT_KIND_SPAWN] = (const int[]) { EAGAIN, ENOMEM, 0 },
  [FAULT_KIND_GETCWD] = (const int[]) { ENOENT, EACCES, ENOMEM, 0 },
  [FAULT_KIND_REALPATH] = (const int[]) { ENOENT, EACCES, ELOOP, ENOMEM, 0 },
};

/* --quick (the sanitizer build, where each case costs ten times more):
 * for each call, the first errno of its list and those that the library
 * treats apart (retries, fallbacks, remapped codes, a repair on EACCES);
 * the others take the same paths with another code. */
static gboolean quick;

static gboolean
errno_in_quick_set (int kind,
                    int errsv,
                    int first)
{
  switch (errsv)
    {
    case EINTR:
    case EEXIST:
    case EINVAL:
    case ENOSYS:
    case EISDIR:
    case EACCES:
    case EOPNOTSUPP:
      return TRUE;
    case EPERM:
      return kind == FAULT_KIND_LINK;
    default:
      return errsv == first;
    }
}

/* What a step must do when one of its calls failed with an errno. */
typedef enum
{
  EXPECT_EITHER,        /* report it with the matching code, or recover and be right */
  EXPECT_RECOVER,       /* succeed: retry or fall back */
  EXPECT_REPORT,        /* fail with the matching code */
} Expect;

/* Step flags: what the public call promises. */
enum
{
  SF_NONE = 0,
  SF_NOREPLACE = 1 << 0,   /* EEXIST from link/renameat2 means the target exists */
  SF_CLOSE = 1 << 1,       /* close() errors are reported (as GIO's streams do) */
  SF_PERSIST_ANON = 1 << 2,/* persisting an anonymous file (NOT_SUPPORTED after fallback) */
  SF_NO_GERROR = 1 << 3,   /* no error to report: unref, exit, get_tempdir's probe */
};

static Expect
classify (int    kind,
          int    errsv,
          guint  sflags)
{
  if (errsv == EINTR)
    return EXPECT_RECOVER;

  switch (kind)
    {
    case FAULT_KIND_OPEN_CREATE_EXCL:
    case FAULT_KIND_MKDIR:
      /* Only "already exists" tries another name (DESIGN.md §2). */
      return errsv == EEXIST ? EXPECT_RECOVER : EXPECT_EITHER;

    case FAULT_KIND_RENAME_NOREPLACE:
      if (errsv == EINVAL)
        return EXPECT_RECOVER;   /* the file system lacks the flag: fall back */
      G_GNUC_FALLTHROUGH;
    case FAULT_KIND_LINK:
      if (errsv == EEXIST)
        return (sflags & SF_NOREPLACE) ? EXPECT_REPORT : EXPECT_RECOVER;
      return EXPECT_EITHER;

    case FAULT_KIND_OPEN_TMPFILE:
      /* "any other failure falls back for that call only" (DESIGN.md §3) */
      return EXPECT_RECOVER;

    case FAULT_KIND_FLOCK:
      /* The shared lock is a courtesy to systemd-tmpfiles (DESIGN.md §4). */
      return EXPECT_RECOVER;

    case FAULT_KIND_GETRANDOM:
      return errsv == ENOSYS ? EXPECT_RECOVER : EXPECT_EITHER;

    case FAULT_KIND_FSYNC_FILE:
    case FAULT_KIND_FSYNC_DIR:
    case FAULT_KIND_SYNCFS:
      /* Nothing but the error tells the caller the data is not safe. */
      return EXPECT_REPORT;

    case FAULT_KIND_CLOSE:
      return (sflags & SF_CLOSE) ? EXPECT_REPORT : EXPECT_EITHER;

    default:
      return EXPECT_EITHER;
    }
}

/* The G_IO_ERROR code an errno must give (DESIGN.md §1, and
 * _g_tempfile_io_error_from_errno's documented tweaks). Written here again,
 * not called, so that a change in the library cannot hide itself. */
static int
expected_code (int errsv)
{
  switch (errsv)
    {
    case EXDEV:
      return G_IO_ERROR_NOT_SUPPORTED;
    case EFBIG:
    case EDQUOT:
      return G_IO_ERROR_NO_SPACE;
    default:
      return g_io_error_from_errno (errsv);
    }
}

static gboolean
code_allowed (int kind,
              int errsv,
              int code)
{
  if (code == expected_code (errsv))
    return TRUE;
  /* link() says EPERM on file systems without hard links (FAT): the
   * no-replace fallback reports that as NOT_SUPPORTED, documented. */
  if (kind == FAULT_KIND_LINK && errsv == EPERM && code == G_IO_ERROR_NOT_SUPPORTED)
    return TRUE;
  return FALSE;
}

static const char *
code_name (int code)
{
  static GEnumClass *klass;
  GEnumValue *value;

  if (klass == NULL)
    klass = g_type_class_ref (G_TYPE_IO_ERROR_ENUM);
  value = g_enum_get_value (klass, code);
  return value != NULL ? value->value_nick : "?";
}

/* What a child reports ------------------------------------------------------ */

#define MAX_STEPS 24

typedef struct
{
  char     steps[MAX_STEPS][32];
  int      n_steps;
  int      exit_step;       /* the step of the library's exit pass */
  gboolean deferred;        /* something may stay until the exit pass */
  gboolean finished;        /* the child got to its end */
  gboolean killed;          /* it killed itself with SIGKILL, as the scenario says */
  char     skip[128];       /* why the scenario cannot run here */
  gsize    problems_len;
  char     problems[8192];
} Report;

static FaultControl *ctl;
static Report *report;

static char *scratch;       /* TMPDIR/scratch: where everything is created */
static char *scratch2;      /* TMPDIR/scratch2: get_tempdir's second candidate */
static gboolean verbose;

static void G_GNUC_PRINTF (1, 2)
problem (const char *format,
         ...)
{
  g_autofree char *text = NULL;
  va_list ap;
  gsize room = sizeof report->problems - report->problems_len;

  va_start (ap, format);
  text = g_strdup_vprintf (format, ap);
  va_end (ap);

  if (room > 1)
    {
      int n = g_snprintf (report->problems + report->problems_len, room, "%s\n", text);

      report->problems_len += MIN ((gsize) n, room - 1);
    }
  if (verbose)
    g_printerr ("#   PROBLEM: %s\n", text);
}

/* Steps --------------------------------------------------------------------- */

typedef struct
{
  guint    sflags;
  gboolean persist_unsupported;   /* an anonymous file that fell back cannot be linked */
} Ctx;

static inline void
pause_shim (void)
{
  ctl->paused = 1;
}

static inline void
resume_shim (void)
{
  ctl->paused = 0;
}

static const char *
step_name (int step)
{
  return step >= 1 && step <= report->n_steps ? report->steps[step - 1] : "?";
}

/* Starts a step: its calls are counted under its number. */
static void
step (Ctx        *c,
      const char *name,
      guint       sflags)
{
  pause_shim ();
  g_assert_cmpint (report->n_steps, <, MAX_STEPS);
  g_strlcpy (report->steps[report->n_steps], name, sizeof report->steps[0]);
  report->n_steps++;
  ctl->step = report->n_steps;
  c->sflags = sflags;
  if (verbose)
    g_printerr ("# step %d: %s\n", report->n_steps, name);
  resume_shim ();
}

static gboolean
fired_in_step (void)
{
  return ctl->fired && ctl->fired_step == ctl->step;
}

static gboolean
fired_before_step (void)
{
  return ctl->fired && ctl->fired_step < ctl->step;
}

static const char *
fired_call (void)
{
  return ctl->expect_name;
}

/* Ends a step that returned @ok with @error, and judges it against the
 * failure made in it, if any. Leaves the shim paused for the checks. */
static gboolean
step_end (Ctx          *c,
          gboolean      ok,
          const GError *error)
{
  const char *name;

  pause_shim ();
  name = step_name (ctl->step);

  if (verbose)
    g_printerr ("#   -> %s%s%s\n", ok ? "ok" : "failed",
                error != NULL ? ": " : "", error != NULL ? error->message : "");

  if (ok && error != NULL)
    problem ("%s: succeeded but set an error: %s", name, error->message);
  if (!ok && error == NULL && !(c->sflags & SF_NO_GERROR))
    problem ("%s: failed without setting an error", name);
  if (!ok && error != NULL && error->domain != G_IO_ERROR)
    problem ("%s: failed in domain %s, not G_IO_ERROR: %s", name,
             g_quark_to_string (error->domain), error->message);

  if (!fired_in_step ())
    {
      if (ok)
        return TRUE;

      /* An anonymous file whose O_TMPFILE open failed fell back to a
       * created-then-unlinked file, which cannot be given a name. */
      if ((c->sflags & SF_PERSIST_ANON) && fired_before_step () &&
          ctl->fired_kind == FAULT_KIND_OPEN_TMPFILE &&
          g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED))
        {
          c->persist_unsupported = TRUE;
          return FALSE;
        }

      problem ("%s: failed although none of its calls was made to fail: %s%s", name,
               error != NULL ? error->message : "(no error)",
               fired_before_step () ? " (an earlier step had the failure)" : "");
      return FALSE;
    }

  switch (classify (ctl->fired_kind, ctl->fail_errno, c->sflags))
    {
    case EXPECT_RECOVER:
      if (!ok)
        problem ("%s: failed (%s: %s) although %s failing with %s must be retried or "
                 "recovered from", name, error != NULL ? code_name (error->code) : "-",
                 error != NULL ? error->message : "", fired_call (),
                 errno_name (ctl->fail_errno));
      break;

    case EXPECT_REPORT:
      if (ok)
        {
          problem ("%s: succeeded although %s failed with %s, which must be reported",
                   name, fired_call (), errno_name (ctl->fail_errno));
          break;
        }
      G_GNUC_FALLTHROUGH;
    case EXPECT_EITHER:
    default:
      if (!ok && error != NULL && error->domain == G_IO_ERROR &&
          !code_allowed (ctl->fired_kind, ctl->fail_errno, error->code))
        problem ("%s: error code %s, expected %s for %s failing with %s: %s", name,
                 code_name (error->code), code_name (expected_code (ctl->fail_errno)),
                 fired_call (), errno_name (ctl->fail_errno), error->message);
      break;
    }

  return ok;
}

/* Checks (the shim is paused) ------------------------------------------------ */

static char *
list_dir (const char *dir)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return g_strdup ("(cannot list)");
  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  if (names->len == 0)
    return NULL;
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (", ", (char **) names->pdata);
}

static void
expect_empty (const char *dir,
              const char *when)
{
  g_autofree char *left = list_dir (dir);

  if (left != NULL)
    problem ("%s: left in %s: %s", when, dir, left);
}

/* The content of @fd from offset 0, read without moving its position. */
static GBytes *
read_fd (int fd)
{
  GByteArray *bytes = g_byte_array_new ();
  guint8 buffer[4096];
  off_t offset = 0;
  ssize_t n;

  while ((n = pread (fd, buffer, sizeof buffer, offset)) > 0)
    {
      g_byte_array_append (bytes, buffer, n);
      offset += n;
    }
  return g_byte_array_free_to_bytes (bytes);
}

static void
expect_file (const char *path,
             const char *content,
             const char *when)
{
  g_autofree char *actual = NULL;
  struct stat st;

  if (lstat (path, &st) != 0)
    {
      problem ("%s: %s does not exist", when, path);
      return;
    }
  if (!S_ISREG (st.st_mode))
    problem ("%s: %s is not a regular file", when, path);
  if (!g_file_get_contents (path, &actual, NULL, NULL) || g_strcmp0 (actual, content) != 0)
    problem ("%s: %s holds “%s”, not “%s”", when, path, actual, content);
}

static void
expect_mode (const char *path,
             mode_t      mode,
             const char *when)
{
  struct stat st;

  if (lstat (path, &st) == 0 && (st.st_mode & 07777) != mode)
    problem ("%s: %s has mode %04o, not %04o", when, path, st.st_mode & 07777, mode);
}

static void
expect_absent (const char *path,
               const char *when)
{
  if (test_exists (path))
    problem ("%s: %s still exists", when, path);
}

/* GTempFile scenarios ---------------------------------------------------------- */

enum
{
  S_ANONYMOUS = 1 << 0,
  S_CLEANUP = 1 << 1,       /* g_temp_file_cleanup instead of closing */
  S_PERSIST = 1 << 2,
  S_NOREPLACE = 1 << 3,
  S_SYNC = 1 << 4,
  S_IGNORE_ERRORS = 1 << 7,
  S_AT_EXIT = 1 << 8,       /* the objects are still alive at exit */
  S_NO_GETRANDOM = 1 << 9,  /* as on a kernel without getrandom: /dev/urandom */
  S_ASYNC = 1 << 10,        /* the asynchronous variant, in a GTask thread */
  S_GUARDIAN_FALLBACKS = 1 << 11,  /* no memfd, no pidfd: shm_open and the death pipe */
};

typedef struct _Scenario Scenario;
struct _Scenario
{
  const char *name;
  void      (*run) (Ctx *c, const Scenario *s);
  guint       flags;
  gboolean    not_quick;   /* the same code as another scenario: skipped by --quick */
  guint       features_off;   /* 1 << GTempfileSysFeature: fallbacks taken */
};

#define OFF(feature) (1u << GTEMPFILE_SYS_FEATURE_##feature)

static void
expect_temp_file_content (GTempFile  *file,
                          const char *when)
{
  g_autoptr(GBytes) bytes = read_fd (g_temp_file_get_fd (file));
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);

  if (size != strlen (PAYLOAD) || memcmp (data, PAYLOAD, size) != 0)
    problem ("%s: the file holds %" G_GSIZE_FORMAT " bytes, not the %" G_GSIZE_FORMAT
             " written", when, size, strlen (PAYLOAD));
}

static void
persist_step (Ctx            *c,
              GTempFile      *file,
              const Scenario *s,
              const char     *target,
              const char     *old_path,
              gboolean       *persisted)
{
  GTempPersistFlags flags = ((s->flags & S_NOREPLACE) ? G_TEMP_PERSIST_NO_REPLACE : 0) |
                            ((s->flags & S_SYNC) ? G_TEMP_PERSIST_SYNC : 0);
  guint sflags = ((s->flags & S_NOREPLACE) ? SF_NOREPLACE : 0) |
                 ((s->flags & S_ANONYMOUS) ? SF_PERSIST_ANON : 0);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  step (c, "persist", sflags);
  ok = g_temp_file_persist (file, target, flags, &error);
  ok = step_end (c, ok, error);

  if (!ok && c->persist_unsupported)
    {
      /* Nothing changed: still anonymous, the target as it was. */
      if (!(s->flags & S_NOREPLACE))
        expect_file (target, OLD_CONTENT, "after persist failed");
      else
        expect_absent (target, "after persist failed");
      return;
    }

  if (!ok && g_strcmp0 (g_temp_file_get_path (file), target) == 0)
    {
      /* Documented: when only the final directory sync fails, the file has
       * its new name already and the object says so. */
      if (!fired_in_step () ||
          (ctl->fired_kind != FAULT_KIND_FSYNC_DIR &&
           ctl->fired_kind != FAULT_KIND_OPEN_DIRECTORY))
        problem ("persist: failed (%s failing with %s) but the file was moved to the target",
                 fired_call (), errno_name (ctl->fail_errno));
      expect_file (target, PAYLOAD, "after persist failed syncing the directory");
      *persisted = TRUE;
      return;
    }

  if (!ok)
    {
      /* On failure nothing changes (DESIGN.md §3). */
      if (s->flags & S_NOREPLACE)
        expect_absent (target, "after persist failed");
      else
        expect_file (target, OLD_CONTENT, "after persist failed");
      if (old_path != NULL)
        expect_file (old_path, PAYLOAD, "after persist failed");
      if (g_temp_file_is_anonymous (file) != !!(s->flags & S_ANONYMOUS))
        problem ("after persist failed: is_anonymous changed");
      if (!g_temp_file_get_delete (file))
        problem ("after persist failed: delete became FALSE");

      g_clear_error (&error);
      step (c, "persist-again", sflags);
      ok = g_temp_file_persist (file, target, flags, &error);
      ok = step_end (c, ok, error);
      if (!ok)
        return;
    }

  *persisted = TRUE;
  expect_file (target, PAYLOAD, "after persist");
  expect_mode (target, 0600, "after persist");
  if (g_strcmp0 (g_temp_file_get_path (file), target) != 0)
    problem ("after persist: path is %s, not %s", g_temp_file_get_path (file), target);
  if (g_temp_file_is_anonymous (file))
    problem ("after persist: still anonymous");
  if (g_temp_file_get_delete (file))
    problem ("after persist: delete is still TRUE");
  if (old_path != NULL)
    expect_absent (old_path, "after persist");
}

static void
run_temp_file (Ctx            *c,
               const Scenario *s)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *target = g_build_filename (scratch, "target", NULL);
  g_autofree char *path = NULL;
  GTempFile *file;
  GOutputStream *out;
  GInputStream *in;
  char buffer[64];
  gsize n = 0;
  gboolean persisted = FALSE;
  gboolean ok;

  if ((s->flags & S_PERSIST) && !(s->flags & S_NOREPLACE))
    test_write_file (target, OLD_CONTENT);

  step (c, "create", SF_NONE);
  file = g_temp_file_new_full (scratch, "fi-", ".tmp",
                               (s->flags & S_ANONYMOUS) ? G_TEMP_FILE_FLAGS_ANONYMOUS : 0,
                               NULL, &error);
  ok = step_end (c, file != NULL, error);
  if (!ok)
    {
      /* A constructor that fails leaves nothing (DESIGN.md §3). */
      if ((s->flags & S_PERSIST) && !(s->flags & S_NOREPLACE))
        {
          expect_file (target, OLD_CONTENT, "after create failed");
          g_unlink (target);
        }
      expect_empty (scratch, "right after create failed");
      return;
    }

  path = g_strdup (g_temp_file_get_path (file));
  if (s->flags & S_ANONYMOUS)
    {
      if (path != NULL)
        problem ("after create: an anonymous file has the path %s", path);
    }
  else
    {
      expect_file (path, "", "after create");
      expect_mode (path, 0600, "after create");
    }

  if (s->flags & S_AT_EXIT)
    {
      step (c, "write", SF_NONE);
      out = g_io_stream_get_output_stream (G_IO_STREAM (file));
      ok = g_output_stream_write_all (out, PAYLOAD, strlen (PAYLOAD), NULL, NULL, &error);
      step_end (c, ok, error);
      return;   /* left to the exit pass */
    }

  step (c, "write", SF_NONE);
  out = g_io_stream_get_output_stream (G_IO_STREAM (file));
  ok = g_output_stream_write_all (out, PAYLOAD, strlen (PAYLOAD), &n, NULL, &error);
  ok = step_end (c, ok, error);
  if (!ok)
    {
      if (n != 0)
        problem ("write: failed after %" G_GSIZE_FORMAT " bytes", n);
      if (lseek (g_temp_file_get_fd (file), 0, SEEK_CUR) != 0)
        problem ("write: failed but the position moved");
      g_clear_error (&error);
      step (c, "write-again", SF_NONE);
      ok = g_output_stream_write_all (out, PAYLOAD, strlen (PAYLOAD), NULL, NULL, &error);
      step_end (c, ok, error);
    }
  expect_temp_file_content (file, "after write");

  g_clear_error (&error);
  lseek (g_temp_file_get_fd (file), 0, SEEK_SET);
  step (c, "read-back", SF_NONE);
  in = g_io_stream_get_input_stream (G_IO_STREAM (file));
  ok = g_input_stream_read_all (in, buffer, sizeof buffer, &n, NULL, &error);
  ok = step_end (c, ok, error);
  if (ok && (n != strlen (PAYLOAD) || memcmp (buffer, PAYLOAD, n) != 0))
    problem ("read-back: read %" G_GSIZE_FORMAT " bytes, not what was written", n);

  if (s->flags & S_PERSIST)
    {
      g_clear_error (&error);
      persist_step (c, file, s, target, path, &persisted);
      if (persisted)
        {
          g_free (path);
          path = g_strdup (target);   /* not ours any more: the driver removes it */
        }
      expect_temp_file_content (file, "after persist");
    }

  g_clear_error (&error);
  if (s->flags & S_CLEANUP)
    {
      step (c, "cleanup", SF_CLOSE);
      ok = g_temp_file_cleanup (file, NULL, &error);
      ok = step_end (c, ok, error);
      if (!ok)
        {
          /* A failed cleanup can be called again and retries. */
          g_clear_error (&error);
          step (c, "cleanup-again", SF_CLOSE);
          ok = g_temp_file_cleanup (file, NULL, &error);
          ok = step_end (c, ok, error);
        }
      if (ok && g_temp_file_get_fd (file) != -1)
        problem ("after cleanup: the descriptor is still open");
      if (ok && path != NULL && !persisted)
        expect_absent (path, "after cleanup");
    }
  else
    {
      step (c, "close", SF_CLOSE);
      ok = g_io_stream_close (G_IO_STREAM (file), NULL, &error);
      ok = step_end (c, ok, error);
      if (g_temp_file_get_fd (file) != -1)
        problem ("after close: the descriptor is still open");
      if (ok && path != NULL && !persisted)
        expect_absent (path, "after close");
    }

  /* The target is not the object's any more, whatever happened. */
  if (s->flags & S_PERSIST)
    g_unlink (target);

  step (c, "unref", SF_NO_GERROR);
  g_object_unref (file);
  step_end (c, TRUE, NULL);
}

/* The asynchronous variants wait in a main loop; the work runs in a GTask
 * thread, whose calls the shim counts like any other. */
static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_for_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

/* Drops the result and waits until the GTask is gone: its thread lets go
 * of it after the callback, and with it of the source object, which must
 * be disposed by the "unref" step, in this thread. */
static void
drop_result (GAsyncResult **slot)
{
  GWeakRef weak;
  GObject *object;

  g_weak_ref_init (&weak, *slot);
  g_clear_object (slot);
  while ((object = g_weak_ref_get (&weak)) != NULL)
    {
      g_object_unref (object);
      g_usleep (100);
    }
  g_weak_ref_clear (&weak);
}

static void
nothing_in_thread (GTask        *task,
                   gpointer      source,
                   gpointer      data,
                   GCancellable *cancellable)
{
  g_task_return_boolean (task, TRUE);
}

/* GTask's thread pool and the main context's wakeup descriptor, made
 * before the descriptors are counted. */
static void
warm_up_async (void)
{
  g_autoptr(GAsyncResult) result = NULL;
  GTask *task = g_task_new (NULL, NULL, store_result, &result);

  g_task_run_in_thread (task, nothing_in_thread);
  g_object_unref (task);
  wait_for_result (&result);
  drop_result (&result);
}

static void
run_file_async (Ctx            *c,
                const Scenario *s)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  GTempFile *file;

  step (c, "create-async", SF_NONE);
  g_temp_file_create_async (scratch, "fi-", ".tmp",
                            (s->flags & S_ANONYMOUS) ? G_TEMP_FILE_FLAGS_ANONYMOUS : 0,
                            G_PRIORITY_DEFAULT, NULL, store_result, &result);
  file = g_temp_file_create_finish (wait_for_result (&result), &error);
  drop_result (&result);
  if (!step_end (c, file != NULL, error))
    {
      expect_empty (scratch, "right after create-async failed");
      return;
    }
  if (!(s->flags & S_ANONYMOUS))
    expect_mode (g_temp_file_get_path (file), 0600, "after create-async");

  step (c, "unref", SF_NO_GERROR);
  g_object_unref (file);
  step_end (c, TRUE, NULL);
}

/* GTempDir scenarios ----------------------------------------------------------- */

#define DEEP_LEVELS 17   /* more than the walk's 16 open frames */

/* A tree that uses every path of the removal walk: files, nested and deep
 * directories (reopened through ".."), a symbolic link out of the tree
 * (removed, never followed), a directory without write permission and one
 * without any (repaired through descriptors). */
static void
populate_tree (const char *root,
               const char *keep)
{
  g_autofree char *deep = g_strdup (root);
  g_autofree char *link = g_build_filename (root, "link", NULL);
  g_autofree char *sub = g_build_filename (root, "sub", NULL);
  g_autofree char *subsub = g_build_filename (root, "sub", "inner", NULL);
  g_autofree char *ro = g_build_filename (root, "readonly", NULL);
  g_autofree char *closed = g_build_filename (root, "closed", NULL);
  g_autofree char *file = NULL;

  file = g_build_filename (root, "a", NULL);
  test_write_file (file, PAYLOAD);
  g_assert_no_errno (symlink (keep != NULL ? keep : "/nonexistent-fault-target", link));

  g_assert_no_errno (g_mkdir_with_parents (subsub, 0700));
  g_free (file);
  file = g_build_filename (sub, "b", NULL);
  test_write_file (file, PAYLOAD);
  g_free (file);
  file = g_build_filename (subsub, "c", NULL);
  test_write_file (file, PAYLOAD);

  g_assert_no_errno (g_mkdir (ro, 0700));
  g_free (file);
  file = g_build_filename (ro, "d", NULL);
  test_write_file (file, PAYLOAD);
  g_assert_no_errno (chmod (ro, 0500));

  g_assert_no_errno (g_mkdir (closed, 0700));
  g_free (file);
  file = g_build_filename (closed, "e", NULL);
  test_write_file (file, PAYLOAD);
  g_assert_no_errno (chmod (closed, 0));

  for (guint i = 0; i < DEEP_LEVELS; i++)
    {
      char *next = g_strdup_printf ("%s/d%u", deep, i);

      g_free (deep);
      deep = next;
    }
  g_assert_no_errno (g_mkdir_with_parents (deep, 0700));
  g_free (file);
  file = g_build_filename (deep, "bottom", NULL);
  test_write_file (file, PAYLOAD);
}

static GTempDir *
make_dir_unarmed (const Scenario *s)
{
  g_autoptr(GError) error = NULL;
  GTempDir *dir;

  dir = g_temp_dir_new_full (scratch, "fi-", ".d",
                             (s->flags & S_IGNORE_ERRORS) ? G_TEMP_DIR_FLAGS_IGNORE_CLEANUP_ERRORS
                                                          : G_TEMP_DIR_FLAGS_NONE,
                             NULL, &error);
  g_assert_no_error (error);
  return dir;
}

static void
run_dir_create (Ctx            *c,
                const Scenario *s)
{
  g_autoptr(GError) error = NULL;
  GTempDir *dir;
  struct stat st;

  step (c, "create", SF_NONE);
  dir = g_temp_dir_new_full (scratch, "fi-", ".d", G_TEMP_DIR_FLAGS_NONE, NULL, &error);
  if (!step_end (c, dir != NULL, error))
    {
      expect_empty (scratch, "right after create failed");
      return;
    }

  if (lstat (g_temp_dir_get_path (dir), &st) != 0 || !S_ISDIR (st.st_mode))
    problem ("after create: %s is not a directory", g_temp_dir_get_path (dir));
  expect_mode (g_temp_dir_get_path (dir), 0700, "after create");

  if (s->flags & S_AT_EXIT)
    {
      populate_tree (g_temp_dir_get_path (dir), NULL);
      return;   /* left to the exit pass, which the parent checks */
    }

  step (c, "unref", SF_NO_GERROR);
  g_object_unref (dir);
  step_end (c, TRUE, NULL);
}

static void
run_dir_cleanup (Ctx            *c,
                 const Scenario *s)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *keep = g_build_filename (scratch, "keep", NULL);
  g_autofree char *path = NULL;
  GTempDir *dir = make_dir_unarmed (s);
  gboolean ok;

  path = g_strdup (g_temp_dir_get_path (dir));
  test_write_file (keep, OLD_CONTENT);
  populate_tree (path, keep);

  if (s->flags & S_CLEANUP)
    {
      step (c, "cleanup", SF_NONE);
      if (s->flags & S_ASYNC)
        {
          g_autoptr(GAsyncResult) result = NULL;

          g_temp_dir_cleanup_async (dir, G_PRIORITY_DEFAULT, NULL, store_result, &result);
          ok = g_temp_dir_cleanup_finish (dir, wait_for_result (&result), &error);
          drop_result (&result);
        }
      else
        ok = g_temp_dir_cleanup (dir, NULL, &error);
      ok = step_end (c, ok, error);

      if (ok && (s->flags & S_IGNORE_ERRORS) && test_exists (path))
        {
          /* Errors hidden, as asked; but only a real failure may leave
           * something, and disposing must still remove it. */
          if (!fired_in_step ())
            problem ("cleanup: returned TRUE and nothing failed, but %s is still there", path);
        }
      else if (!ok)
        {
          g_clear_error (&error);
          step (c, "cleanup-again", SF_NONE);
          ok = g_temp_dir_cleanup (dir, NULL, &error);
          ok = step_end (c, ok, error);
        }
      if (ok && !(s->flags & S_IGNORE_ERRORS))
        expect_absent (path, "after cleanup");
    }

  expect_file (keep, OLD_CONTENT, "after cleanup (the target of a symbolic link in the tree)");
  g_unlink (keep);

  step (c, "unref", SF_NO_GERROR);
  g_object_unref (dir);
  step_end (c, TRUE, NULL);
}

static void
run_dir_persist (Ctx            *c,
                 const Scenario *s)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *target = g_build_filename (scratch, "target", NULL);
  g_autofree char *target_data = g_build_filename (target, "data", NULL);
  g_autofree char *path = NULL;
  g_autofree char *data = NULL;
  GTempPersistFlags flags = ((s->flags & S_NOREPLACE) ? G_TEMP_PERSIST_NO_REPLACE : 0) |
                            ((s->flags & S_SYNC) ? G_TEMP_PERSIST_SYNC : 0);
  guint sflags = (s->flags & S_NOREPLACE) ? SF_NOREPLACE : 0;
  GTempDir *dir = make_dir_unarmed (s);
  gboolean ok;

  path = g_strdup (g_temp_dir_get_path (dir));
  data = g_build_filename (path, "data", NULL);
  test_write_file (data, PAYLOAD);
  if (!(s->flags & S_NOREPLACE))
    g_assert_no_errno (g_mkdir (target, 0700));   /* an empty directory is replaced */

  step (c, "persist", sflags);
  ok = g_temp_dir_persist (dir, target, flags, &error);
  ok = step_end (c, ok, error);

  if (!ok && g_strcmp0 (g_temp_dir_get_path (dir), target) == 0)
    {
      if (!fired_in_step () ||
          (ctl->fired_kind != FAULT_KIND_FSYNC_DIR &&
           ctl->fired_kind != FAULT_KIND_OPEN_DIRECTORY))
        problem ("persist: failed (%s failing with %s) but the directory was moved",
                 fired_call (), errno_name (ctl->fail_errno));
      ok = TRUE;
    }
  else if (!ok)
    {
      expect_file (data, PAYLOAD, "after persist failed");
      if (s->flags & S_NOREPLACE)
        expect_absent (target, "after persist failed");
      else if (test_count_entries (target) != 0)
        problem ("after persist failed: the target is not the empty directory it was");
      if (!g_temp_dir_get_delete (dir))
        problem ("after persist failed: delete became FALSE");

      g_clear_error (&error);
      step (c, "persist-again", sflags);
      ok = g_temp_dir_persist (dir, target, flags, &error);
      ok = step_end (c, ok, error);
    }

  if (ok)
    {
      expect_file (target_data, PAYLOAD, "after persist");
      expect_absent (path, "after persist");
      if (g_strcmp0 (g_temp_dir_get_path (dir), target) != 0)
        problem ("after persist: path is %s, not %s", g_temp_dir_get_path (dir), target);
      if (g_temp_dir_get_delete (dir))
        problem ("after persist: delete is still TRUE");
    }
  test_remove_tree (target);

  step (c, "unref", SF_NO_GERROR);
  g_object_unref (dir);
  step_end (c, TRUE, NULL);
}

/* A bind mount of the scratch file system inside the tree: the walk must
 * report it (G_IO_ERROR_BUSY) and never empty it, whatever fails. Only the
 * mount id tells a bind mount from a directory (DESIGN.md §4), so when
 * asking for it fails the walk must use its next means. Needs root: the
 * child mounts in a private mount namespace of its own. */
static void
run_dir_bind_mount (Ctx            *c,
                    const Scenario *s)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *outside = g_build_filename (scratch2, "outside", NULL);
  g_autofree char *keep = g_build_filename (outside, "keep", NULL);
  g_autofree char *path = NULL;
  g_autofree char *bound = NULL;
  g_autofree char *file = NULL;
  GTempDir *dir;
  gboolean ok;

  if (!test_is_root () || unshare (CLONE_NEWNS) != 0 ||
      mount ("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0)
    {
      g_strlcpy (report->skip, "needs root and a mount namespace of its own",
                 sizeof report->skip);
      return;
    }

  dir = make_dir_unarmed (s);
  path = g_strdup (g_temp_dir_get_path (dir));
  bound = g_build_filename (path, "sub", "bound", NULL);
  g_assert_no_errno (g_mkdir_with_parents (bound, 0700));
  file = g_build_filename (path, "sub", "a", NULL);
  test_write_file (file, PAYLOAD);
  g_assert_no_errno (g_mkdir (outside, 0700));
  test_write_file (keep, OLD_CONTENT);
  g_assert_no_errno (mount (outside, bound, "none", MS_BIND, NULL));

  step (c, "cleanup", SF_NONE);
  ok = g_temp_dir_cleanup (dir, NULL, &error);
  pause_shim ();
  if (ok)
    problem ("cleanup: succeeded with a bind mount inside the tree");
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BUSY) &&
           !(fired_in_step () &&
             classify (ctl->fired_kind, ctl->fail_errno, SF_NONE) != EXPECT_RECOVER &&
             error->domain == G_IO_ERROR &&
             code_allowed (ctl->fired_kind, ctl->fail_errno, error->code)))
    problem ("cleanup: error code %s, expected busy%s%s: %s", code_name (error->code),
             fired_in_step () ? " or the code of " : "", fired_in_step () ? fired_call () : "",
             error->message);
  expect_file (keep, OLD_CONTENT, "after cleanup (a file on the bind mount)");
  if (!test_exists (bound))
    problem ("after cleanup: the mount point %s was removed", bound);

  g_assert_no_errno (umount (bound));
  g_clear_error (&error);
  step (c, "cleanup-again", SF_NONE);
  ok = g_temp_dir_cleanup (dir, NULL, &error);
  if (step_end (c, ok, error))
    expect_absent (path, "after the cleanup once unmounted");
  test_remove_tree (outside);

  step (c, "unref", SF_NO_GERROR);
  g_object_unref (dir);
  step_end (c, TRUE, NULL);
}

/* The guardian: installed (or failing to install, reporting it and leaving
 * nothing: no descriptor, no shared memory object), then a named file, then
 * SIGKILL, after which the guardian must remove the file. */
static void
run_guardian (Ctx            *c,
              const Scenario *s)
{
  g_autoptr(GError) error = NULL;
  GTempFile *file;
  gboolean installed;

  if (g_getenv ("GTEMPFILE_GUARDIAN_PROGRAM") == NULL)
    {
      g_strlcpy (report->skip, "GTEMPFILE_GUARDIAN_PROGRAM is not set", sizeof report->skip);
      return;
    }
  if (s->flags & S_GUARDIAN_FALLBACKS)
    _g_tempfile_set_guardian_fallbacks_for_testing (TRUE);

  step (c, "install-guardian", SF_NONE);
  installed = g_tempfile_install_guardian (&error);
  installed = step_end (c, installed, error);

  g_clear_error (&error);
  step (c, "create", SF_NONE);
  file = g_temp_file_new_full (scratch, "fi-", ".tmp", 0, NULL, &error);
  step_end (c, file != NULL, error);

  if (installed)
    {
      /* Nothing of this process's runs any more: the guardian removes what
       * is left. (An installed guardian keeps a descriptor here where it
       * has no pidfd: the descriptors are not counted then.) */
      pause_shim ();
      report->killed = TRUE;
      report->finished = TRUE;
      kill (getpid (), SIGKILL);
    }
  if (file == NULL)
    return;

  step (c, "unref", SF_NO_GERROR);
  g_object_unref (file);
  step_end (c, TRUE, NULL);
}

/* GSpooledStream scenarios -------------------------------------------------------- */

#define SPOOL_MAX   16
#define SPOOL_FIRST "0123456789"             /* stays in memory */
#define SPOOL_MORE  "abcdefghijklmnopqrst"   /* goes past max-size */

enum
{
  SPOOL_BY_WRITE,
  SPOOL_BY_TRUNCATE,
  SPOOL_BY_GET_FD,
};

/* The whole content and the position, read through the stream with the
 * shim paused; the position is put back. */
static void
expect_spooled (GSpooledStream *stream,
                const char     *content,
                gsize           length,
                goffset         position,
                const char     *when)
{
  g_autoptr(GError) error = NULL;
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (stream));
  char buffer[128];
  goffset was = g_seekable_tell (G_SEEKABLE (stream));
  gsize n = 0;

  if (was != position)
    problem ("%s: the position is %" G_GOFFSET_FORMAT ", not %" G_GOFFSET_FORMAT,
             when, was, position);

  if (!g_seekable_seek (G_SEEKABLE (stream), 0, G_SEEK_SET, NULL, &error) ||
      !g_input_stream_read_all (in, buffer, sizeof buffer, &n, NULL, &error))
    {
      problem ("%s: the content cannot be read back: %s", when, error->message);
      return;
    }
  if (n != length || memcmp (buffer, content, length) != 0)
    problem ("%s: the content is %" G_GSIZE_FORMAT " bytes “%.*s”, not %" G_GSIZE_FORMAT
             " bytes “%.*s”", when, n, (int) n, buffer, length, (int) length, content);
  if (!g_seekable_seek (G_SEEKABLE (stream), was, G_SEEK_SET, NULL, &error))
    problem ("%s: cannot seek back: %s", when, error->message);
}

static gboolean
spool_step (Ctx            *c,
            GSpooledStream *stream,
            int             how,
            const char     *name)
{
  g_autoptr(GError) error = NULL;
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (stream));
  gboolean ok = FALSE;

  step (c, name, SF_NONE);
  switch (how)
    {
    case SPOOL_BY_WRITE:
      ok = g_output_stream_write_all (out, SPOOL_MORE, strlen (SPOOL_MORE), NULL, NULL, &error);
      break;
    case SPOOL_BY_TRUNCATE:
      ok = g_seekable_truncate (G_SEEKABLE (stream), 40, NULL, &error);
      break;
    case SPOOL_BY_GET_FD:
      ok = g_spooled_stream_get_fd (stream, &error) >= 0;
      break;
    default:
      g_assert_not_reached ();
    }
  return step_end (c, ok, error);
}

static void
run_spooled (Ctx            *c,
             const Scenario *s,
             int             how)
{
  g_autoptr(GError) error = NULL;
  GSpooledStream *stream;
  GOutputStream *out;
  char expected[64];
  gsize expected_length;
  goffset expected_position;
  gboolean ok;

  stream = g_spooled_stream_new_full (how == SPOOL_BY_GET_FD ? 0 : SPOOL_MAX, scratch, "fi-",
                                      ".spool");
  out = g_io_stream_get_output_stream (G_IO_STREAM (stream));

  step (c, "write-in-memory", SF_NONE);
  ok = g_output_stream_write_all (out, SPOOL_FIRST, strlen (SPOOL_FIRST), NULL, NULL, &error);
  step_end (c, ok, error);
  if (g_spooled_stream_is_rolled_over (stream))
    problem ("write-in-memory: rolled over below max-size");

  if (!spool_step (c, stream, how, "roll-over"))
    {
      /* Nothing is lost (DESIGN.md §5): the content and the position are as
       * they were, and the stream still works. */
      expect_spooled (stream, SPOOL_FIRST, strlen (SPOOL_FIRST), strlen (SPOOL_FIRST),
                      "after the rollover failed");
      if (!spool_step (c, stream, how, "roll-over-again"))
        goto close;
    }

  if (!g_spooled_stream_is_rolled_over (stream))
    problem ("roll-over: succeeded but did not roll over");

  memset (expected, 0, sizeof expected);
  memcpy (expected, SPOOL_FIRST, strlen (SPOOL_FIRST));
  expected_length = expected_position = strlen (SPOOL_FIRST);
  if (how == SPOOL_BY_WRITE)
    {
      memcpy (expected + strlen (SPOOL_FIRST), SPOOL_MORE, strlen (SPOOL_MORE));
      expected_length = expected_position = strlen (SPOOL_FIRST) + strlen (SPOOL_MORE);
    }
  else if (how == SPOOL_BY_TRUNCATE)
    expected_length = 40;
  expect_spooled (stream, expected, expected_length, expected_position, "after the rollover");

  /* Reading the file back, with its own failures. */
  g_seekable_seek (G_SEEKABLE (stream), 0, G_SEEK_SET, NULL, NULL);
  {
    GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (stream));
    char buffer[128];
    gsize n = 0;

    g_clear_error (&error);
    step (c, "read-back", SF_NONE);
    ok = g_input_stream_read_all (in, buffer, sizeof buffer, &n, NULL, &error);
    if (step_end (c, ok, error) &&
        (n != expected_length || memcmp (buffer, expected, n) != 0))
      problem ("read-back: read %" G_GSIZE_FORMAT " bytes, not the content", n);
  }
  g_seekable_seek (G_SEEKABLE (stream), 0, G_SEEK_SET, NULL, NULL);
  expect_spooled (stream, expected, expected_length, 0, "after reading back");

close:
  g_clear_error (&error);
  step (c, "close", SF_CLOSE);
  ok = g_io_stream_close (G_IO_STREAM (stream), NULL, &error);
  step_end (c, ok, error);

  step (c, "unref", SF_NO_GERROR);
  g_object_unref (stream);
  step_end (c, TRUE, NULL);
}

static void
run_spooled_write (Ctx *c, const Scenario *s)
{
  run_spooled (c, s, SPOOL_BY_WRITE);
}

static void
run_spooled_truncate (Ctx *c, const Scenario *s)
{
  run_spooled (c, s, SPOOL_BY_TRUNCATE);
}

static void
run_spooled_get_fd (Ctx *c, const Scenario *s)
{
  run_spooled (c, s, SPOOL_BY_GET_FD);
}

/* Module functions ----------------------------------------------------------------- */

static void
run_mkstemp (Ctx            *c,
             const Scenario *s)
{
  g_autoptr(GError) error = NULL;
  char *path = (char *) "unset";
  int fd;

  step (c, "mkstemp", SF_NONE);
  fd = g_tempfile_mkstemp (scratch, "fi-", ".tmp", &path, &error);
  if (!step_end (c, fd >= 0, error))
    {
      if (fd != -1)
        problem ("mkstemp: failed but returned %d, not -1", fd);
      if (path != NULL)
        problem ("mkstemp: failed but set the path");
      expect_empty (scratch, "right after mkstemp failed");
      return;
    }

  expect_file (path, "", "after mkstemp");
  expect_mode (path, 0600, "after mkstemp");
  if ((fcntl (fd, F_GETFD) & FD_CLOEXEC) == 0)
    problem ("after mkstemp: the descriptor is not close-on-exec");
  close (fd);
  g_unlink (path);
  g_free (path);
}

static void
run_mkdtemp (Ctx            *c,
             const Scenario *s)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  struct stat st;

  step (c, "mkdtemp", SF_NONE);
  path = g_tempfile_mkdtemp (scratch, "fi-", ".d", &error);
  if (!step_end (c, path != NULL, error))
    {
      expect_empty (scratch, "right after mkdtemp failed");
      return;
    }

  if (lstat (path, &st) != 0 || !S_ISDIR (st.st_mode))
    problem ("after mkdtemp: %s is not a directory", path);
  expect_mode (path, 0700, "after mkdtemp");
  g_rmdir (path);
}

static void
run_get_tempdir (Ctx            *c,
                 const Scenario *s)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  const char *expected = scratch;

  g_setenv ("TMPDIR", scratch, TRUE);
  g_setenv ("TEMP", scratch2, TRUE);
  g_unsetenv ("TMP");
  g_tempfile_set_tempdir (NULL);

  step (c, "get_tempdir", SF_NO_GERROR);
  dir = g_tempfile_get_tempdir (&error);
  step_end (c, TRUE, NULL);

  /* A probe that fails rejects the candidate: the next one is used. Other
   * calls (GLib's look at the current directory) may fail harmlessly. */
  if (fired_in_step () && ctl->fired_watched &&
      classify (ctl->fired_kind, ctl->fail_errno, SF_NONE) != EXPECT_RECOVER)
    expected = scratch2;
  if (dir == NULL)
    problem ("get_tempdir: failed: %s", error != NULL ? error->message : "(no error)");
  else if (g_strcmp0 (dir, expected) != 0)
    problem ("get_tempdir: returned %s, not %s (%s failing with %s)", dir, expected,
             ctl->fired ? fired_call () : "nothing", errno_name (ctl->fail_errno));

  /* A probe file whose removal failed cannot be reported: it stays
   * registered and the exit pass removes it. */
  if (fired_in_step () && ctl->fired_kind == FAULT_KIND_UNLINK)
    report->deferred = TRUE;
}

/* The scenarios ---------------------------------------------------------------------- */

static const Scenario scenarios[] = {
  { "file-named", run_temp_file, 0 },
  { "file-anonymous", run_temp_file, S_ANONYMOUS },
  { "file-anonymous-no-tmpfile", run_temp_file, S_ANONYMOUS, .features_off = OFF (O_TMPFILE) },
  { "file-cleanup", run_temp_file, S_CLEANUP },
  { "file-anonymous-cleanup", run_temp_file, S_ANONYMOUS | S_CLEANUP },
  { "file-persist", run_temp_file, S_PERSIST },
  { "file-persist-noreplace", run_temp_file, S_PERSIST | S_NOREPLACE },
  { "file-persist-noreplace-no-renameat2", run_temp_file, S_PERSIST | S_NOREPLACE,
    .features_off = OFF (RENAME_NOREPLACE) },
  { "file-persist-sync", run_temp_file, S_PERSIST | S_SYNC },
  { "file-persist-sync-noreplace", run_temp_file, S_PERSIST | S_SYNC | S_NOREPLACE },
  { "file-anonymous-persist", run_temp_file, S_ANONYMOUS | S_PERSIST },
  { "file-anonymous-persist-noreplace", run_temp_file, S_ANONYMOUS | S_PERSIST | S_NOREPLACE },
  { "file-anonymous-persist-sync", run_temp_file, S_ANONYMOUS | S_PERSIST | S_SYNC },
  { "file-anonymous-persist-sync-noreplace", run_temp_file,
    S_ANONYMOUS | S_PERSIST | S_SYNC | S_NOREPLACE },
  { "file-anonymous-persist-no-proc", run_temp_file, S_ANONYMOUS | S_PERSIST,
    .features_off = OFF (PROC) },
  { "file-at-exit", run_temp_file, S_AT_EXIT },
  { "file-create-async", run_file_async, S_ASYNC },
  { "file-anonymous-create-async", run_file_async, S_ANONYMOUS | S_ASYNC },
  { "dir-create", run_dir_create, 0 },
  { "dir-cleanup-tree", run_dir_cleanup, S_CLEANUP },
  { "dir-cleanup-tree-ignore-errors", run_dir_cleanup, S_CLEANUP | S_IGNORE_ERRORS, TRUE },
  { "dir-dispose-tree", run_dir_cleanup, 0, TRUE },
  { "dir-cleanup-tree-async", run_dir_cleanup, S_CLEANUP | S_ASYNC, TRUE },
  { "dir-cleanup-tree-readdir", run_dir_cleanup, S_CLEANUP, .features_off = OFF (GETDENTS) },
  { "dir-cleanup-tree-no-o-path", run_dir_cleanup, S_CLEANUP, .features_off = OFF (O_PATH) },
  { "dir-tree-at-exit", run_dir_create, S_AT_EXIT },
  { "dir-cleanup-bind-mount", run_dir_bind_mount, 0 },
  { "dir-cleanup-bind-mount-by-handle", run_dir_bind_mount, 0,
    .features_off = OFF (STATX_MOUNT_ID) },
  { "dir-cleanup-bind-mount-by-fdinfo", run_dir_bind_mount, 0,
    .features_off = OFF (STATX_MOUNT_ID) | OFF (HANDLE_MOUNT_ID) },
  { "dir-persist", run_dir_persist, 0 },
  { "dir-persist-noreplace", run_dir_persist, S_NOREPLACE },
  { "dir-persist-sync", run_dir_persist, S_SYNC },
  { "dir-persist-sync-no-syncfs", run_dir_persist, S_SYNC, .features_off = OFF (SYNCFS) },
  { "spooled-write-rollover", run_spooled_write, 0 },
  { "spooled-truncate-rollover", run_spooled_truncate, 0 },
  { "spooled-get-fd", run_spooled_get_fd, 0 },
  { "mkstemp", run_mkstemp, 0 },
  { "mkstemp-no-getrandom", run_mkstemp, S_NO_GETRANDOM },
  { "mkdtemp", run_mkdtemp, 0 },
  { "get-tempdir", run_get_tempdir, 0 },
  { "guardian-sigkill", run_guardian, 0 },
  { "guardian-sigkill-fallbacks", run_guardian, S_GUARDIAN_FALLBACKS },
};

static const Scenario *
find_scenario (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (scenarios); i++)
    if (strcmp (scenarios[i].name, name) == 0)
      return &scenarios[i];
  return NULL;
}

/* One run, in a child --------------------------------------------------------------- */

/* What fresh heap memory holds in a child (glibc's M_PERTURB: allocations
 * are filled with its complement, freed memory with it): zeros for every
 * run, so that the runs are identical whatever the parent allocated
 * meanwhile; 0xfe for a second baseline, which must make the same calls.
 * FAULT_PERTURB=N runs everything with M_PERTURB N (meson's random
 * MALLOC_PERTURB_ is overridden: a run must not depend on it). */
#define PERTURB_ZERO_FILL 0xff
#define PERTURB_FE_FILL   0x01
static int heap_perturb = PERTURB_ZERO_FILL;

static G_GNUC_NORETURN void
child_main (const Scenario *s)
{
  Ctx c = { 0, };
  guint fds_before;

  mallopt (M_PERTURB, heap_perturb);

  alarm (CASE_TIMEOUT_SECONDS);
  /* The fallbacks of the platform layer, as on a system without the
   * feature: their own calls are the ones made to fail. */
  for (guint f = 0; f < GTEMPFILE_SYS_N_FEATURES; f++)
    if (s->features_off & (1u << f))
      _g_tempfile_sys_disable_for_testing (f, TRUE);
  if (s->flags & S_ASYNC)
    warm_up_async ();
  if (s->flags & S_NO_GETRANDOM)
    {
      /* Every getrandom() says ENOSYS, uncounted: the library reads
       * /dev/urandom, and those calls are the ones made to fail. */
      ctl->always_kind = FAULT_KIND_GETRANDOM;
      ctl->always_errno = ENOSYS;
    }

  fds_before = test_count_fds ();
  ctl->paused = 1;
  ctl->armed = 1;

  s->run (&c, s);

  pause_shim ();
  if (!(s->flags & S_AT_EXIT))
    {
      guint fds_after = test_count_fds ();
      /* Dispose cannot report, and keeps what it could not remove
       * registered for the exit pass. */
      gboolean deferred = report->deferred ||
                          (ctl->fired && strcmp (step_name (ctl->fired_step), "unref") == 0);

      if (fds_after != fds_before)
        problem ("descriptors: %u open before, %u after the last unref", fds_before, fds_after);
      if (!deferred)
        {
          expect_empty (scratch, "after the last unref");
          expect_empty (scratch2, "after the last unref");
        }
    }

  /* The library's exit pass is counted too, as one more step. */
  g_strlcpy (report->steps[report->n_steps], "exit", sizeof report->steps[0]);
  report->n_steps++;
  report->exit_step = report->n_steps;
  ctl->step = report->n_steps;
  report->finished = TRUE;
  fflush (NULL);
  resume_shim ();
  exit (0);
}

static void
reset_scratch (void)
{
  test_remove_tree (scratch);
  test_remove_tree (scratch2);
  g_assert_no_errno (g_mkdir_with_parents (scratch, 0755));
  g_assert_no_errno (g_mkdir_with_parents (scratch2, 0755));
}

/* Runs @s in a child with call @fail_at failing with @fail_errno (0: none),
 * and returns what went wrong, or NULL. */
static char *
run_case (const Scenario *s,
          long            fail_at,
          int             fail_errno,
          const char     *expect_name)
{
  GString *verdict = g_string_new (NULL);
  int status;
  pid_t pid;

  memset (report, 0, sizeof *report);
  ctl->armed = 0;
  ctl->paused = 0;
  ctl->step = 0;
  ctl->count = 0;
  ctl->trace_len = 0;
  ctl->fail_at = fail_at;
  ctl->fail_errno = fail_errno;
  g_strlcpy (ctl->expect_name, expect_name != NULL ? expect_name : "", sizeof ctl->expect_name);
  ctl->fired = 0;
  ctl->fired_step = 0;
  ctl->fired_kind = 0;
  ctl->fired_watched = 0;
  ctl->always_kind = 0;
  ctl->always_errno = 0;
  ctl->mismatch = 0;
  g_strlcpy (ctl->watch, scratch, sizeof ctl->watch);

  fflush (NULL);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    child_main (s);

  while (waitpid (pid, &status, 0) < 0)
    g_assert_cmpint (errno, ==, EINTR);
  ctl->armed = 0;

  if (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL && report->killed)
    {
      /* As the scenario says: the guardian removes what is left, "within
       * about a second of the death". */
      for (guint i = 0; i < 50; i++)
        {
          g_autofree char *left = list_dir (scratch);

          if (left == NULL)
            break;
          g_usleep (100 * 1000);
        }
    }
  else if (WIFSIGNALED (status))
    g_string_append_printf (verdict, "the child was killed by signal %d (%s)%s\n",
                            WTERMSIG (status), g_strsignal (WTERMSIG (status)),
                            WTERMSIG (status) == SIGALRM ? ": it hung" : "");
  else if (WEXITSTATUS (status) != 0)
    g_string_append_printf (verdict, "the child exited with status %d\n", WEXITSTATUS (status));
  else if (!report->finished)
    g_string_append (verdict, "the child ended before the end of the scenario\n");

  if (fail_at > 0 && ctl->mismatch)
    g_string_append_printf (verdict, "call %ld was %s, not %s as in the counting run: "
                            "the run is not deterministic (an uninitialised read? try the "
                            "case under valgrind, or with MALLOC_PERTURB_ set)\n", fail_at,
                            ctl->mismatch_name, expect_name);
  else if (fail_at > 0 && !ctl->fired)
    g_string_append_printf (verdict, "call %ld (%s) never came: the run is not "
                            "deterministic\n", fail_at, expect_name);

  g_string_append_len (verdict, report->problems, report->problems_len);

  /* No shared memory object of the guardian outlives its process. */
  {
    g_autoptr(GDir) shm = g_dir_open ("/dev/shm", 0, NULL);
    g_autofree char *prefix = g_strdup_printf ("gtempfile-guardian-%ld-", (long) pid);
    const char *name;

    while (shm != NULL && (name = g_dir_read_name (shm)) != NULL)
      if (g_str_has_prefix (name, prefix))
        {
          g_autofree char *path = g_build_filename ("/dev/shm", name, NULL);

          g_string_append_printf (verdict, "left in /dev/shm: %s\n", name);
          g_unlink (path);
        }
  }

  /* After the exit pass nothing is left, unless it was the exit pass that
   * was made to fail. */
  if (!(ctl->fired && ctl->fired_step == report->exit_step))
    {
      g_autofree char *left = list_dir (scratch);
      g_autofree char *left2 = list_dir (scratch2);

      if (left != NULL)
        g_string_append_printf (verdict, "after the process exited: left in %s: %s\n",
                                scratch, left);
      if (left2 != NULL)
        g_string_append_printf (verdict, "after the process exited: left in %s: %s\n",
                                scratch2, left2);
    }
  reset_scratch ();

  if (verdict->len == 0)
    {
      g_string_free (verdict, TRUE);
      return NULL;
    }
  return g_string_free (verdict, FALSE);
}

/* The trace of the counting run: a copy, since every run overwrites it. */
typedef struct
{
  FaultCall *calls;
  long       n;
  char     (*steps)[32];
  int        n_steps;
} Trace;

static gboolean
count_calls (const Scenario *s,
             Trace          *trace,
             char          **verdict)
{
  *verdict = run_case (s, 0, 0, NULL);
  trace->n = MIN (ctl->count, FAULT_TRACE_MAX);
  trace->calls = g_memdup2 (ctl->trace, trace->n * sizeof (FaultCall));
  trace->n_steps = report->n_steps;
  trace->steps = g_memdup2 (report->steps, sizeof report->steps);
  if (ctl->count > FAULT_TRACE_MAX && *verdict == NULL)
    *verdict = g_strdup_printf ("more than %d calls: the trace is too small\n", FAULT_TRACE_MAX);
  return *verdict == NULL;
}

static const char *
trace_step (const Trace *trace,
            int          step)
{
  return step >= 1 && step <= trace->n_steps ? trace->steps[step - 1] : "?";
}

/* The baseline again with other garbage in fresh memory: a library that
 * reads memory it never wrote behaves differently (valgrind tells where). */
static char *
check_other_heap (const Scenario *s,
                  const Trace    *trace)
{
  g_autofree char *verdict = NULL;
  GString *text = g_string_new (NULL);

  int was = heap_perturb;

  heap_perturb = PERTURB_FE_FILL;
  verdict = run_case (s, 0, 0, NULL);
  heap_perturb = was;

  if (verdict != NULL)
    g_string_append (text, verdict);
  for (long k = 0; k < MIN (trace->n, ctl->count); k++)
    if (strcmp (trace->calls[k].name, ctl->trace[k].name) != 0)
      {
        g_string_append_printf (text, "call %ld is %s, not %s as with zeros\n", k + 1,
                                ctl->trace[k].name, trace->calls[k].name);
        break;
      }
  if (text->len == 0 && ctl->count != trace->n)
    g_string_append_printf (text, "%ld calls, not %ld as with zeros\n", ctl->count, trace->n);
  if (text->len > 0)
    g_string_append_printf (text, "reproduce: FAULT_PERTURB=%d fault-driver --list %s; "
                            "valgrind shows the uninitialised read\n", PERTURB_FE_FILL,
                            s->name);
  if (text->len == 0)
    {
      g_string_free (text, TRUE);
      return NULL;
    }
  return g_string_free (text, FALSE);
}

static void
print_trace (const Trace *trace)
{
  for (long k = 0; k < trace->n; k++)
    {
      const FaultCall *call = &trace->calls[k];
      const int *errnos = errno_table[call->kind];
      GString *list = g_string_new (NULL);

      for (guint i = 0; errnos != NULL && errnos[i] != 0; i++)
        g_string_append_printf (list, "%s%s", i > 0 ? " " : "", errno_name (errnos[i]));
      printf ("# %4ld  %-14s %-26s %-48s %s\n", k + 1, trace_step (trace, call->step),
              call->name, call->where, list->str);
      g_string_free (list, TRUE);
    }
}

/* Discovery and the TAP report ------------------------------------------------------ */

typedef struct
{
  char      *label;     /* "scenario: call ERRNO" */
  guint      cases;
  guint      failed;
  GString   *details;
} Group;

static guint test_number;
static guint total_cases;
static guint failed_cases;
static guint failed_points;

static void
tap_point (gboolean    ok,
           const char *label,
           const char *details)
{
  test_number++;
  if (!ok)
    failed_points++;
  printf ("%s %u - %s\n", ok ? "ok" : "not ok", test_number, label);
  if (details != NULL && *details != '\0')
    {
      g_auto(GStrv) lines = g_strsplit (details, "\n", -1);

      for (guint i = 0; lines[i] != NULL; i++)
        if (*lines[i] != '\0')
          printf ("# %s\n", lines[i]);
    }
  fflush (stdout);
}

static void
run_scenario (const Scenario *s,
              const char     *program)
{
  g_autoptr(GPtrArray) groups = g_ptr_array_new ();
  g_autoptr(GHashTable) by_label = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *verdict = NULL;
  g_autofree char *baseline = NULL;
  g_autofree char *other_heap = NULL;
  Trace trace = { 0, };
  gint64 start = g_get_monotonic_time ();
  guint cases = 0;

  reset_scratch ();
  if (!count_calls (s, &trace, &verdict) || report->skip[0] != '\0')
    {
      g_autofree char *label = g_strdup_printf ("%s # SKIP %s", s->name, report->skip);

      tap_point (report->skip[0] != '\0', report->skip[0] != '\0' ? label : s->name, verdict);
      g_free (trace.calls);
      g_free (trace.steps);
      return;
    }
  baseline = g_strdup_printf ("%s: baseline, %ld calls", s->name, trace.n);
  other_heap = check_other_heap (s, &trace);

  for (long k = 0; k < trace.n; k++)
    {
      const FaultCall *call = &trace.calls[k];
      const int *errnos = errno_table[call->kind];

      for (guint i = 0; errnos != NULL && errnos[i] != 0; i++)
        {
          g_autofree char *label = g_strdup_printf ("%s: %s %s", s->name, call->name,
                                                    errno_name (errnos[i]));
          g_autofree char *case_verdict = NULL;
          Group *group;

          if (quick && !errno_in_quick_set (call->kind, errnos[i], errnos[0]))
            continue;

          group = g_hash_table_lookup (by_label, label);
          if (group == NULL)
            {
              group = g_new0 (Group, 1);
              group->label = g_steal_pointer (&label);
              group->details = g_string_new (NULL);
              g_ptr_array_add (groups, group);
              g_hash_table_insert (by_label, group->label, group);
            }

          case_verdict = run_case (s, k + 1, errnos[i], call->name);
          group->cases++;
          cases++;
          total_cases++;
          if (case_verdict != NULL)
            {
              g_auto(GStrv) lines = g_strsplit (case_verdict, "\n", -1);

              group->failed++;
              failed_cases++;
              g_string_append_printf (group->details,
                                      "reproduce: %s --case %s:%ld:%s   (call %ld = %s %s in "
                                      "step “%s”)\n", program, s->name, k + 1,
                                      errno_name (errnos[i]), k + 1, call->name, call->where,
                                      trace_step (&trace, call->step));
              for (guint l = 0; lines[l] != NULL; l++)
                if (*lines[l] != '\0')
                  g_string_append_printf (group->details, "  %s\n", lines[l]);
            }
        }
    }

  tap_point (TRUE, baseline, NULL);
  {
    g_autofree char *label = g_strdup_printf ("%s: baseline again, fresh memory filled with "
                                              "0xfe, not zeros", s->name);

    tap_point (other_heap == NULL, label, other_heap);
  }
  for (guint i = 0; i < groups->len; i++)
    {
      Group *group = g_ptr_array_index (groups, i);
      g_autofree char *label = g_strdup_printf ("%s (%u %s)", group->label, group->cases,
                                                group->cases == 1 ? "call" : "calls");

      tap_point (group->failed == 0, label, group->details->str);
      g_string_free (group->details, TRUE);
      g_free (group->label);
      g_free (group);
    }
  printf ("# %s: %u cases in %.1f s\n", s->name, cases,
          (g_get_monotonic_time () - start) / 1e6);

  g_free (trace.calls);
  g_free (trace.steps);
}

/* One case, shown in full: "--case SCENARIO:CALL:ERRNO". */
static int
show_case (const char *spec)
{
  g_auto(GStrv) parts = g_strsplit (spec, ":", -1);
  g_autofree char *verdict = NULL;
  const Scenario *s;
  Trace trace = { 0, };
  long k;
  int errsv;

  if (g_strv_length (parts) != 3 || (s = find_scenario (parts[0])) == NULL ||
      (k = strtol (parts[1], NULL, 10)) <= 0 || (errsv = errno_from_name (parts[2])) == 0)
    {
      g_printerr ("--case wants SCENARIO:CALL:ERRNO, as printed by a failing run\n");
      return 2;
    }

  reset_scratch ();
  if (!count_calls (s, &trace, &verdict))
    printf ("# the counting run failed:\n%s", verdict);
  printf ("# %s: %ld calls\n", s->name, trace.n);
  print_trace (&trace);
  if (k > trace.n)
    {
      printf ("# there is no call %ld\n", k);
      return 2;
    }

  printf ("# call %ld = %s in step “%s”, failing with %s\n", k, trace.calls[k - 1].name,
          trace_step (&trace, trace.calls[k - 1].step), errno_name (errsv));
  g_clear_pointer (&verdict, g_free);
  verbose = TRUE;
  verdict = run_case (s, k, errsv, trace.calls[k - 1].name);
  printf ("%s\n", verdict == NULL ? "# passed" : verdict);
  return verdict == NULL ? 0 : 1;
}

/* Setting up --------------------------------------------------------------------------- */

static int
find_asan (struct dl_phdr_info *info,
           size_t               size,
           void                *data)
{
  char **path = data;

  if (info->dlpi_name != NULL && strstr (info->dlpi_name, "libasan.so") != NULL)
    {
      *path = g_strdup (info->dlpi_name);
      return 1;
    }
  return 0;
}

/* Without the shim preloaded, runs this program again with it (and with
 * AddressSanitizer's runtime first, which must come first). */
static void
ensure_shim (char **argv)
{
  FaultControlFunc get = (FaultControlFunc) dlsym (RTLD_DEFAULT, FAULT_CONTROL_SYMBOL);
  g_autofree char *asan = NULL;
  g_autofree char *preload = NULL;
  const char *shim = g_getenv ("FAULT_SHIM");
  const char *old = g_getenv ("LD_PRELOAD");

  if (get != NULL && (ctl = get ()) != NULL)
    return;

  if (shim == NULL || g_getenv ("FAULT_SHIM_REEXEC") != NULL)
    {
      printf ("Bail out! the fault shim is not loaded (FAULT_SHIM=%s)\n", shim ? shim : "unset");
      exit (1);
    }

  dl_iterate_phdr (find_asan, &asan);
  preload = g_strjoin (":", asan != NULL ? asan : shim, asan != NULL ? shim : old,
                       asan != NULL ? old : NULL, NULL);
  g_setenv ("LD_PRELOAD", preload, TRUE);
  g_setenv ("FAULT_SHIM_REEXEC", "1", TRUE);
  execv ("/proc/self/exe", argv);
  printf ("Bail out! cannot run again with the shim: %s\n", g_strerror (errno));
  exit (1);
}

static int run_all (const char *only,
                    const char *program);

/* Where the scratch directories go: a tmpfs where there is one, unless
 * FAULT_SCRATCH=tmpdir. Each case creates and removes a few dozen entries;
 * on a disk that other jobs keep busy, ext4's journal made the same run
 * ten times slower (100 s against 11 s) for no gain: what is tested is the
 * library's handling of the failures made here, not the file system. */
static char *
pick_scratch_root (const char *tmpdir)
{
  struct statfs fs;

  if (g_strcmp0 (g_getenv ("FAULT_SCRATCH"), "tmpdir") != 0 &&
      statfs ("/dev/shm", &fs) == 0 && fs.f_type == TMPFS_MAGIC &&
      access ("/dev/shm", W_OK) == 0)
    {
      char *root = g_mkdtemp (g_strdup ("/dev/shm/gtempfile-fault-XXXXXX"));

      if (root != NULL)
        return root;
    }
  return g_strdup (tmpdir);
}

/* Makes the parent's lazily created state (types, classes, quarks, error
 * messages) exist before the first fork, so each child starts the same. */
static void
warm_up (void)
{
  g_autoptr(GError) error = NULL;
  GSpooledStream *stream;
  GTempFile *file;
  GTempDir *dir;

  file = g_temp_file_new_full (scratch, NULL, NULL, 0, NULL, &error);
  g_assert_no_error (error);
  g_object_unref (file);
  file = g_temp_file_new_full (scratch, NULL, NULL, G_TEMP_FILE_FLAGS_ANONYMOUS, NULL, &error);
  g_assert_no_error (error);
  g_object_unref (file);
  dir = g_temp_dir_new_full (scratch, NULL, NULL, 0, NULL, &error);
  g_assert_no_error (error);
  g_object_unref (dir);
  stream = g_spooled_stream_new_full (1, scratch, NULL, NULL);
  g_assert_true (g_spooled_stream_rollover (stream, NULL, &error));
  g_object_unref (stream);
  for (guint i = 0; i < G_N_ELEMENTS (errno_names); i++)
    (void) g_strerror (errno_names[i].value);
  code_name (0);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *tmpdir = NULL;
  g_autofree char *scratch_root = NULL;
  const char *only = NULL;
  const char *one_case = NULL;
  const char *list = NULL;
  g_autofree char *program = NULL;
  int status;
  int fd;

  ensure_shim (argv);
  if (g_getenv ("FAULT_PERTURB") != NULL)
    heap_perturb = atoi (g_getenv ("FAULT_PERTURB"));

  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--case") == 0 && i + 1 < argc)
        one_case = argv[++i];
      else if (strcmp (argv[i], "--scenario") == 0 && i + 1 < argc)
        only = argv[++i];
      else if (strcmp (argv[i], "--list") == 0 && i + 1 < argc)
        list = argv[++i];
      else if (strcmp (argv[i], "--quick") == 0)
        quick = TRUE;
      else if (strcmp (argv[i], "--tap") == 0)
        ;
      else
        {
          g_printerr ("usage: %s [--quick] [--scenario SUBSTRING] [--list SCENARIO] "
                      "[--case SCENARIO:CALL:ERRNO]\n", argv[0]);
          return 2;
        }
    }

  /* A critical or a warning is a crash, whatever G_DEBUG says. */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  setlocale (LC_ALL, "C.UTF-8");

  /* The shared page the children report in. */
  report = mmap (NULL, sizeof (Report), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                 -1, 0);
  g_assert_true (report != MAP_FAILED);

  tmpdir = g_strdup (g_getenv ("TMPDIR"));
  if (tmpdir == NULL || g_strcmp0 (g_getenv ("GTEMPFILE_TEST_TMPDIR"), tmpdir) != 0)
    {
      /* Not run by meson: a directory of our own. */
      g_free (tmpdir);
      tmpdir = g_dir_make_tmp ("gtempfile-fault-XXXXXX", NULL);
      g_assert_nonnull (tmpdir);
    }
  else
    {
      test_remove_tree (tmpdir);
      g_assert_no_errno (g_mkdir_with_parents (tmpdir, 0755));
    }
  scratch_root = pick_scratch_root (tmpdir);
  printf ("# scratch directories in %s\n", scratch_root);
  scratch = g_build_filename (scratch_root, "scratch", NULL);
  scratch2 = g_build_filename (scratch_root, "scratch2", NULL);
  reset_scratch ();
  program = g_path_get_basename (argv[0]);

  /* Children must not inherit a stray descriptor of ours. */
  for (fd = 3; fd < 64; fd++)
    if (fcntl (fd, F_GETFD) >= 0)
      fcntl (fd, F_SETFD, FD_CLOEXEC);

  warm_up ();
  reset_scratch ();

  if (one_case != NULL)
    status = show_case (one_case);
  else if (list != NULL)
    {
      const Scenario *s = find_scenario (list);
      g_autofree char *verdict = NULL;
      Trace trace = { 0, };

      status = 2;
      if (s != NULL)
        {
          count_calls (s, &trace, &verdict);
          printf ("# %s: %ld calls%s%s\n", s->name, trace.n,
                  verdict ? "; baseline failed:\n" : "", verdict ? verdict : "");
          print_trace (&trace);
          g_free (trace.calls);
          g_free (trace.steps);
          status = 0;
        }
    }
  else
    status = run_all (only, program);

  test_remove_tree (scratch_root);
  test_remove_tree (tmpdir);
  return status;
}

static int
run_all (const char *only,
         const char *program)
{
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < G_N_ELEMENTS (scenarios); i++)
    if ((only == NULL || strstr (scenarios[i].name, only) != NULL) &&
        !(quick && scenarios[i].not_quick && only == NULL))
      run_scenario (&scenarios[i], program);

  printf ("1..%u\n", test_number);
  printf ("# fault: %u cases (scenario, call, errno)%s ran in %.1f s: %u failed, in %u of %u "
          "test points\n", total_cases, quick ? " of the quick set" : "",
          (g_get_monotonic_time () - start) / 1e6, failed_cases, failed_points, test_number);

  return failed_points > 0 ? 1 : 0;
}
