/* gtempfile-guardian.c: nothing left behind, even after SIGKILL or a crash
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * g_tempfile_install_guardian() starts gtempfile-guardian, a small program
 * that waits for this process to end and then removes whatever the registry
 * still held for it. This file is the library's half: the arena shared with
 * the guardian, the mirror of the registry's slots in it, and the start of
 * the program. The program's half is gtempfile-guardian-main.c; the layout
 * is in gtempfile-guardian-private.h.
 *
 * The arena
 *
 *   One shared mapping of a fixed size (an anonymous memfd, else an unlinked
 *   POSIX shared memory object, else an unlinked file), reserved once and
 *   filled in by the kernel page by page as it is written, so that no
 *   mapping ever moves or grows. It holds a header, a table of 64-byte
 *   records and a heap of path bytes; records and path extents are handed
 *   out with an atomic add and never taken back (a slot keeps its record,
 *   and the registry never frees slots). Records refer to paths by offset.
 *
 * The mirror protocol
 *
 *   Every registry slot has at most one record, found through the slot's
 *   "guardian" pointer and checked with the record's tag (the slot's
 *   address) and bounds, so that a pointer into another arena (the parent's,
 *   after fork) is never followed. Writers are the thread that changes a
 *   slot (the registry calls _g_tempfile_guardian_mirror() after each
 *   change of state) and, once, the installer, which mirrors the slots that
 *   existed before the guardian. Both take the record's lock and copy what
 *   the slot holds at that moment, so the last writer always copies the
 *   slot's latest state:
 *
 *   - A change made while mirroring is on is mirrored by its author after
 *     the change, under the lock: any writer after it reads the slot after
 *     the change too.
 *   - A change made before mirroring was switched on is seen by the
 *     installer: the author stores the state and then reads "mirroring";
 *     the installer sets "mirroring" and then reads the state (all
 *     sequentially consistent), so at least one of them sees the other.
 *
 *   The slot's path is read only under the record's lock and only in a live
 *   state. A slot's path is freed by _g_tempfile_registry_release() after
 *   the slot became FREE and after its mirror call, which waits for the
 *   lock: so the installer never reads a freed path (the same Dekker
 *   argument as above decides whether the releaser must wait).
 *
 *   A record's path is changed only after its state is stored as NONE, and
 *   the state is stored last (a release store), so a process that dies in
 *   the middle of a mirror leaves a record that is either the old one or
 *   not live. The exit and signal passes mark what they removed DONE without
 *   the lock (a handler may interrupt a writer): at worst a record stays
 *   live for something already gone, and the guardian finds nothing there.
 *
 * fork
 *
 *   A MAP_SHARED mapping survives fork: a child must never write the
 *   parent's arena (it releases the slots of inherited objects, which would
 *   mark the parent's files free). An atfork child handler turns mirroring
 *   off in the child and closes the child's copy of the death pipe, so only
 *   the guarded process's own objects are mirrored and only its death
 *   counts. The child may install its own guardian.
 *
 * Starting the program
 *
 *   posix_spawn (no code of ours runs between fork and exec) with the arena,
 *   the read end of a "death" pipe and the write end of a "ready" pipe at
 *   descriptors 3, 4 and 5, /dev/null as 0, 1 and 2, an empty signal mask
 *   and a process group of its own. The program closes every other
 *   descriptor, opens a pidfd of this process (which then provably still
 *   runs: it is the program's parent), forks the guardian and exits at
 *   once: this process reaps that intermediate only, so the guardian is
 *   never a child that waitpid(-1) here could see. The guardian reports on
 *   the ready pipe; only then is the arena switched on.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef HAVE_GUARDIAN
# include <poll.h>
# include <glib-unix.h>
# include <spawn.h>
# include <sys/mman.h>
# include <sys/wait.h>
#endif
#ifdef HAVE_DLADDR
# include <dlfcn.h>
#endif

#include <glib/gstdio.h>

#include "gtempfile.h"
#include "gtempfile-error-private.h"
#include "gtempfile-guardian-private.h"
#include "gtempfile-names-private.h"

#ifdef HAVE_GUARDIAN
extern char **environ;

static int mirroring;                    /* atomic: the arena is live */
static guint8 *arena;                    /* the mapping; NULL when none */
static GTempfileArenaHeader *header;
static GTempfileArenaRecord *records;
static int death_fd = -1;                /* write end of the death pipe (pipe mode) */
#endif
static pid_t installed_pid;              /* the process the guardian guards */
static pid_t guardian_pid;
static gboolean guardian_pidfd;
static int env_checked;                  /* atomic: GTEMPFILE_GUARDIAN was looked at */
static GMutex install_lock;

static gboolean force_fallbacks;
static gboolean fail_fork;

#ifdef HAVE_GUARDIAN

/* fork --------------------------------------------------------------------- */

/* In the child of fork(), which has one thread: stop mirroring into the
 * parent's arena, and let the parent's guardian see the parent's death
 * only. System calls only. */
static void
at_fork_child (void)
{
  g_atomic_int_set (&mirroring, 0);
  if (arena != NULL)
    munmap (arena, GTEMPFILE_ARENA_SIZE);
  arena = NULL;
  header = NULL;
  records = NULL;
  if (death_fd >= 0)
    close (death_fd);
  death_fd = -1;
  installed_pid = 0;
  guardian_pid = 0;
  /* GTEMPFILE_GUARDIAN=1 gives the child its own guardian too, at its first
   * registration. */
  g_atomic_int_set (&env_checked, 0);
  /* Another thread may have held it at the fork; none is left to unlock
   * it. A zeroed GMutex is an unlocked one. */
  memset (&install_lock, 0, sizeof install_lock);
}

static void
ensure_fork_handler (void)
{
  static gsize registered = 0;

  if (g_once_init_enter (&registered))
    {
      pthread_atfork (NULL, NULL, at_fork_child);
      g_once_init_leave (&registered, 1);
    }
}

/* Records ------------------------------------------------------------------ */

static gboolean
record_is_ours (GTempfileArenaRecord *record,
                GTempfileSlot        *slot)
{
  guintptr first = (guintptr) records;
  gint32 used = g_atomic_int_get (&header->records_used);

  if ((guintptr) record < first ||
      (guintptr) record >= first + (guintptr) MIN ((guint32) used, header->records_max)
                                   * sizeof (GTempfileArenaRecord) ||
      ((guintptr) record - first) % sizeof (GTempfileArenaRecord) != 0)
    return FALSE;
  return record->tag == (guint64) (guintptr) slot;
}

/* The record of @slot, or NULL if it has none and @create is FALSE, or if
 * the arena is full. */
static GTempfileArenaRecord *
get_record (GTempfileSlot *slot,
            gpointer      *pointer,
            gboolean       create)
{
  GTempfileArenaRecord *record = g_atomic_pointer_get (pointer);
  GTempfileArenaRecord *fresh;
  gint32 index;

  if (record != NULL && record_is_ours (record, slot))
    return record;
  if (!create)
    return NULL;

  do
    {
      index = g_atomic_int_get (&header->records_used);
      if ((guint32) index >= header->records_max)
        return NULL;   /* full: this slot goes unguarded */
    }
  while (!g_atomic_int_compare_and_exchange (&header->records_used, index, index + 1));

  fresh = &records[index];
  fresh->tag = (guint64) (guintptr) slot;
  if (g_atomic_pointer_compare_and_exchange (pointer, record, fresh))
    return fresh;

  /* Another writer gave the slot one first (the installer and the slot's
   * thread at the same time): this one stays unused, its state NONE. */
  record = g_atomic_pointer_get (pointer);
  return record != NULL && record_is_ours (record, slot) ? record : NULL;
}

static void
lock_record (GTempfileArenaRecord *record)
{
  /* Only the installer ever competes with a slot's own thread. */
  while (!g_atomic_int_compare_and_exchange (&record->lock, 0, 1))
    sched_yield ();
}

static void
unlock_record (GTempfileArenaRecord *record)
{
  g_atomic_int_set (&record->lock, 0);
}

static void
store_state (GTempfileArenaRecord *record,
             int                   state)
{
  /* Everything written before is visible before the state is. */
  __atomic_store_n (&record->state, state, __ATOMIC_RELEASE);
}

/* Copies @path into @record's path extent, growing it if needed. */
static gboolean
store_path (GTempfileArenaRecord *record,
            const char           *path)
{
  gsize size = strlen (path) + 1;
  char *dest;

  if (record->path_offset != 0 && size <= record->path_capacity)
    {
      dest = (char *) arena + record->path_offset;
      if (memcmp (dest, path, size) == 0)
        return TRUE;
    }

  /* Not live while the path changes. */
  store_state (record, G_TEMPFILE_MIRROR_NONE);

  if (record->path_offset == 0 || size > record->path_capacity)
    {
      guint32 capacity = MAX (128, (size + 15) & ~(gsize) 15);
      gint32 used;

      if (size > header->heap_size)
        return FALSE;
      do
        {
          used = g_atomic_int_get (&header->heap_used);
          if ((guint32) used + capacity > header->heap_size)
            return FALSE;
        }
      while (!g_atomic_int_compare_and_exchange (&header->heap_used, used, used + capacity));

      /* The old extent, if any, stays unused. */
      record->path_offset = header->heap_offset + used;
      record->path_capacity = capacity;
    }

  dest = (char *) arena + record->path_offset;
  memcpy (dest, path, size);
  return TRUE;
}

/* Copies what @slot holds now into its record. */
static void
mirror_slot (GTempfileSlot *slot)
{
  GTempfileSlotView view;
  GTempfileArenaRecord *record;
  int state;

  _g_tempfile_registry_describe (slot, &view);
  state = view.pid == installed_pid ? view.state : G_TEMPFILE_MIRROR_NONE;

  /* A slot that never was live while mirroring needs no record; nor does
   * the installer lock a slot it saw free (see the top of the file). */
  record = get_record (slot, view.record, state != G_TEMPFILE_MIRROR_NONE);
  if (record == NULL)
    return;

  lock_record (record);

  /* Again under the lock: this is what counts. */
  _g_tempfile_registry_describe (slot, &view);
  state = view.pid == installed_pid ? view.state : G_TEMPFILE_MIRROR_NONE;

  if (state != G_TEMPFILE_MIRROR_NONE)
    {
      guint32 kind = view.kind == G_TEMPFILE_KIND_DIRECTORY
                     ? G_TEMPFILE_MIRROR_DIRECTORY : G_TEMPFILE_MIRROR_FILE;
      guint64 dev = view.have_id ? view.id.dev : 0;
      guint64 ino = view.have_id ? view.id.ino : 0;

      /* Not live while a record changes kind or identity, except when a
       * directory's identity is first noted: a record CREATING with half
       * of one is read as "just created" (see gtempfile-guardian-main.c). */
      if (record->kind != kind || ((record->dev != 0 || record->ino != 0) &&
                                   (record->dev != dev || record->ino != ino)))
        store_state (record, G_TEMPFILE_MIRROR_NONE);
      if (view.path == NULL || view.path[0] == '\0' || !store_path (record, view.path))
        state = G_TEMPFILE_MIRROR_NONE;
      record->kind = kind;
      record->dev = dev;
      record->ino = ino;
    }
  if (g_atomic_int_get (&record->state) != state)
    store_state (record, state);

  unlock_record (record);
}

/*
 * _g_tempfile_guardian_mirror:
 * @slot: a slot whose state was just changed by the calling thread
 *
 * Hook for the registry: called after every change of a slot's state by
 * the thread that made it (in _g_tempfile_registry_release(), after the
 * slot became FREE and before its path is freed). A relaxed load and a
 * return while no guardian is installed.
 */
void
_g_tempfile_guardian_mirror (GTempfileSlot *slot)
{
  if (G_LIKELY (!g_atomic_int_get (&mirroring)))
    return;
  mirror_slot (slot);
}

/*
 * _g_tempfile_guardian_forget:
 * @slot: a slot that an exit or signal pass has just removed
 *
 * Hook for the registry's remove pass, which may run in a signal handler:
 * no lock, a single store.
 */
void
_g_tempfile_guardian_forget (GTempfileSlot *slot)
{
  GTempfileSlotView view;
  GTempfileArenaRecord *record;

  if (G_LIKELY (!g_atomic_int_get (&mirroring)))
    return;
  _g_tempfile_registry_describe (slot, &view);
  record = g_atomic_pointer_get (view.record);
  if (record != NULL && record_is_ours (record, slot))
    store_state (record, G_TEMPFILE_MIRROR_DONE);
}

static void
install_mirror_one (GTempfileSlot *slot)
{
  mirror_slot (slot);
}

#else /* !HAVE_GUARDIAN */

/* No guardian can be installed here (Windows): nothing is ever mirrored. */
static void
ensure_fork_handler (void)
{
}

void
_g_tempfile_guardian_mirror (GTempfileSlot *slot)
{
}

void
_g_tempfile_guardian_forget (GTempfileSlot *slot)
{
}

#endif /* HAVE_GUARDIAN */

/* GTEMPFILE_GUARDIAN ------------------------------------------------------- */

static gboolean
env_wants_guardian (void)
{
  const char *value = g_getenv ("GTEMPFILE_GUARDIAN");

  return value != NULL && *value != '\0' && strcmp (value, "0") != 0;
}

/*
 * _g_tempfile_guardian_claim_hook:
 *
 * Hook for _g_tempfile_registry_claim(), before it takes a slot: the first
 * registration of a process with GTEMPFILE_GUARDIAN=1 installs the
 * guardian. A failure is a warning, once: the application goes on without.
 */
void
_g_tempfile_guardian_claim_hook (void)
{
  g_autoptr(GError) error = NULL;

  if (G_LIKELY (g_atomic_int_get (&env_checked)))
    return;

  ensure_fork_handler ();
  g_mutex_lock (&install_lock);
  if (!g_atomic_int_get (&env_checked))
    {
      /* Marked first: nothing below registers anything, but a recursion
       * would stop here. */
      g_atomic_int_set (&env_checked, 1);
      g_mutex_unlock (&install_lock);
      if (env_wants_guardian () && !g_tempfile_install_guardian (&error))
        g_warning ("GTEMPFILE_GUARDIAN is set, but the guardian could not be started: %s",
                   error->message);
      return;
    }
  g_mutex_unlock (&install_lock);
}

/* Starting the guardian ---------------------------------------------------- */

#ifdef HAVE_GUARDIAN

/* The program: $GTEMPFILE_GUARDIAN_PROGRAM (not in a set-id process), then
 * one beside the library (the uninstalled build tree), then the installed
 * one. */
static char *
find_program (void)
{
  const char *override = NULL;

  if (getuid () == geteuid () && getgid () == getegid ())
    override = g_getenv ("GTEMPFILE_GUARDIAN_PROGRAM");
  if (override != NULL && *override != '\0')
    return g_strdup (override);

#ifdef HAVE_DLADDR
  {
    Dl_info info;

    if (dladdr ((void *) g_tempfile_install_guardian, &info) != 0 && info.dli_fname != NULL &&
        g_path_is_absolute (info.dli_fname))
      {
        g_autofree char *dir = g_path_get_dirname (info.dli_fname);
        g_autofree char *beside = g_build_filename (dir, GTEMPFILE_GUARDIAN_PROGRAM_NAME, NULL);

        if (access (beside, X_OK) == 0)
          return g_steal_pointer (&beside);
      }
  }
#endif

  return g_strdup (GTEMPFILE_GUARDIAN_INSTALLED);
}

/* A descriptor of a fresh, empty object of @size bytes that only this
 * process can reach. */
static int
open_arena_file (gsize    size,
                 GError **error)
{
  int fd = -1;
  int errsv = 0;

#ifdef HAVE_MEMFD_CREATE
  if (!force_fallbacks)
    {
      fd = memfd_create ("gtempfile-guardian", MFD_CLOEXEC);
      errsv = errno;
    }
#endif

#ifdef HAVE_SHM_OPEN
  for (guint attempt = 0; fd < 0 && attempt < 100; attempt++)
    {
      char name[64];
      char random[GTEMPFILE_RANDOM_CHARS + 1] = { 0, };

      if (!_g_tempfile_random_chars (random, error))
        return -1;
      g_snprintf (name, sizeof name, "/gtempfile-guardian-%ld-%s", (long) getpid (), random);
      fd = shm_open (name, O_RDWR | O_CREAT | O_EXCL, 0600);
      errsv = errno;
      if (fd >= 0)
        {
          /* The name must not outlive this call: a second try, then give
           * up on this means. */
          if (shm_unlink (name) != 0 && shm_unlink (name) != 0 && errno != ENOENT)
            {
              errsv = errno;
              close (fd);
              fd = -1;
              break;
            }
          if (fcntl (fd, F_SETFD, FD_CLOEXEC) != 0)
            {
              errsv = errno;
              close (fd);
              fd = -1;
              break;
            }
        }
      else if (errsv != EEXIST)
        break;
    }
#endif

  if (fd < 0)
    {
      /* Last resort: an unlinked file. */
      g_autofree char *template = g_build_filename (g_get_tmp_dir (),
                                                    "gtempfile-guardian-XXXXXX", NULL);

      fd = g_mkstemp_full (template, O_RDWR | O_CLOEXEC, 0600);
      errsv = errno;
      if (fd >= 0 && g_unlink (template) != 0 && g_unlink (template) != 0 && errno != ENOENT)
        {
          errsv = errno;
          close (fd);
          fd = -1;
        }
    }

  if (fd < 0)
    {
      g_set_error (error, G_IO_ERROR, _g_tempfile_io_error_from_errno (errsv),
                   _("Could not start the guardian: no shared memory: %s"), g_strerror (errsv));
      return -1;
    }

  while (ftruncate (fd, size) != 0)
    {
      errsv = errno;
      if (errsv == EINTR)
        continue;
      close (fd);
      g_set_error (error, G_IO_ERROR, _g_tempfile_io_error_from_errno (errsv),
                   _("Could not start the guardian: no shared memory: %s"), g_strerror (errsv));
      return -1;
    }
  return fd;
}

static void
close_pipe (int fds[2])
{
  for (guint i = 0; i < 2; i++)
    if (fds[i] >= 0)
      {
        close (fds[i]);
        fds[i] = -1;
      }
}

/* A copy of @fd at 10 or above (never one of the descriptors it is to be
 * moved to), close-on-exec. */
static int
dup_high (int fd)
{
  return fcntl (fd, F_DUPFD_CLOEXEC, 10);
}

static gboolean
set_errno_error (GError     **error,
                 int          errsv,
                 const char  *program)
{
  g_autofree char *display = g_filename_display_name (program);

  g_set_error (error, G_IO_ERROR, _g_tempfile_io_error_from_errno (errsv),
               _("Could not start the guardian “%s”: %s"), display, g_strerror (errsv));
  return FALSE;
}

/* Reads the program's report, giving up after a while. */
static gboolean
read_report (int                      fd,
             GTempfileGuardianReport *report)
{
  gsize done = 0;

  while (done < sizeof *report)
    {
      struct pollfd pfd = { fd, POLLIN, 0 };
      gssize n;
      int ready = poll (&pfd, 1, 30 * 1000);

      if (ready < 0 && errno == EINTR)
        continue;
      if (ready <= 0)
        return FALSE;
      n = read (fd, (char *) report + done, sizeof *report - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      done += n;
    }
  return TRUE;
}

static void
reap (pid_t pid)
{
  /* An application thread in waitpid(-1) may have reaped it already; an
   * ignored SIGCHLD reaps it by itself. */
  while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
    ;
}

static gboolean
start_guardian (int      arena_fd,
                int      death_pipe[2],
                GError **error)
{
  g_autofree char *program = find_program ();
  char pid_arg[32], protocol_arg[16], flags_arg[16];
  char *argv[] = { GTEMPFILE_GUARDIAN_PROGRAM_NAME, protocol_arg, pid_arg, flags_arg, NULL };
  int ready_pipe[2] = { -1, -1 };
  int high[3] = { -1, -1, -1 };
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  sigset_t empty;
  GTempfileGuardianReport report;
  pid_t child;
  int errsv;
  guint flags = 0;

  if (force_fallbacks)
    flags |= GTEMPFILE_GUARDIAN_FLAG_PIPE;
  if (fail_fork)
    flags |= GTEMPFILE_GUARDIAN_FLAG_FAIL_FORK;
  g_snprintf (protocol_arg, sizeof protocol_arg, "%d", GTEMPFILE_GUARDIAN_PROTOCOL);
  g_snprintf (pid_arg, sizeof pid_arg, "%ld", (long) getpid ());
  g_snprintf (flags_arg, sizeof flags_arg, "%u", flags);

  /* Where posix_spawn cannot report that exec failed (it may fork, as
   * under valgrind), a missing program would only be an early exit: say
   * what is wrong before trying. */
  if (access (program, X_OK) != 0)
    return set_errno_error (error, errno, program);

  if (!g_unix_open_pipe (ready_pipe, FD_CLOEXEC, NULL))
    return set_errno_error (error, errno, program);

  high[0] = dup_high (arena_fd);
  high[1] = dup_high (death_pipe[0]);
  high[2] = dup_high (ready_pipe[1]);
  if (high[0] < 0 || high[1] < 0 || high[2] < 0)
    {
      errsv = errno;
      for (guint i = 0; i < 3; i++)
        if (high[i] >= 0)
          close (high[i]);
      close_pipe (ready_pipe);
      return set_errno_error (error, errsv, program);
    }

  posix_spawn_file_actions_init (&actions);
  posix_spawn_file_actions_addopen (&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen (&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen (&actions, 2, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2 (&actions, high[0], GTEMPFILE_GUARDIAN_ARENA_FD);
  posix_spawn_file_actions_adddup2 (&actions, high[1], GTEMPFILE_GUARDIAN_DEATH_FD);
  posix_spawn_file_actions_adddup2 (&actions, high[2], GTEMPFILE_GUARDIAN_READY_FD);

  /* Whatever the calling thread blocks, the program starts with nothing
   * blocked, in a process group of its own: the terminal's signals go to
   * the foreground group, never to it. */
  posix_spawnattr_init (&attr);
  sigemptyset (&empty);
  posix_spawnattr_setsigmask (&attr, &empty);
  posix_spawnattr_setpgroup (&attr, 0);
  posix_spawnattr_setflags (&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);

  errsv = posix_spawn (&child, program, &actions, &attr, argv, environ);

  posix_spawn_file_actions_destroy (&actions);
  posix_spawnattr_destroy (&attr);
  for (guint i = 0; i < 3; i++)
    close (high[i]);
  close (ready_pipe[1]);
  ready_pipe[1] = -1;

  if (errsv != 0)
    {
      close_pipe (ready_pipe);
      return set_errno_error (error, errsv, program);
    }

  /* The intermediate process reports a failure, the guardian its start;
   * then the intermediate exits. */
  memset (&report, 0, sizeof report);
  if (!read_report (ready_pipe[0], &report))
    {
      kill (child, SIGKILL);
      reap (child);
      close_pipe (ready_pipe);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("Could not start the guardian “%s”: it ended without saying why"),
                   program);
      return FALSE;
    }
  reap (child);
  close_pipe (ready_pipe);

  if (report.error != 0)
    {
      if (report.error == EPROTO)
        {
          g_autofree char *display = g_filename_display_name (program);

          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       _("Could not start the guardian “%s”: it is of another version"),
                       display);
          return FALSE;
        }
      return set_errno_error (error, report.error, program);
    }

  guardian_pid = report.pid;
  guardian_pidfd = report.pidfd;
  return TRUE;
}

static void
init_header (void)
{
  memcpy (header->magic, GTEMPFILE_GUARDIAN_MAGIC, sizeof header->magic);
  header->protocol = GTEMPFILE_GUARDIAN_PROTOCOL;
  header->header_size = sizeof (GTempfileArenaHeader);
  header->record_size = sizeof (GTempfileArenaRecord);
  header->records_offset = GTEMPFILE_ARENA_RECORDS_OFFSET;
  header->records_max = GTEMPFILE_ARENA_RECORDS_MAX;
  header->heap_offset = GTEMPFILE_ARENA_HEAP_OFFSET;
  header->heap_size = GTEMPFILE_ARENA_HEAP_SIZE;
  header->records_used = 0;
  header->heap_used = 0;
}

static gboolean
install (GError **error)
{
  int death_pipe[2] = { -1, -1 };
  guint8 *mapping;
  int arena_fd;

  arena_fd = open_arena_file (GTEMPFILE_ARENA_SIZE, error);
  if (arena_fd < 0)
    return FALSE;

  mapping = mmap (NULL, GTEMPFILE_ARENA_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, arena_fd, 0);
  if (mapping == MAP_FAILED)
    {
      int errsv = errno;

      close (arena_fd);
      g_set_error (error, G_IO_ERROR, _g_tempfile_io_error_from_errno (errsv),
                   _("Could not start the guardian: no shared memory: %s"), g_strerror (errsv));
      return FALSE;
    }

  if (!g_unix_open_pipe (death_pipe, FD_CLOEXEC, NULL))
    {
      int errsv = errno;

      munmap (mapping, GTEMPFILE_ARENA_SIZE);
      close (arena_fd);
      g_set_error (error, G_IO_ERROR, _g_tempfile_io_error_from_errno (errsv),
                   _("Could not start the guardian: %s"), g_strerror (errsv));
      return FALSE;
    }
  /* Known to at_fork_child() from now on: a child forked by another thread
   * while this one starts the guardian must not keep the write end. */
  death_fd = death_pipe[1];

  arena = mapping;
  header = (GTempfileArenaHeader *) mapping;
  records = (GTempfileArenaRecord *) (mapping + GTEMPFILE_ARENA_RECORDS_OFFSET);
  init_header ();

  if (!start_guardian (arena_fd, death_pipe, error))
    {
      arena = NULL;
      header = NULL;
      records = NULL;
      munmap (mapping, GTEMPFILE_ARENA_SIZE);
      close (arena_fd);
      close_pipe (death_pipe);
      death_fd = -1;
      return FALSE;
    }

  /* The guardian has its own descriptors now. With a pidfd it needs no
   * pipe; without, the write end stays here (close-on-exec, and closed in
   * children by at_fork_child()) and its closing is the death notice. */
  close (arena_fd);
  close (death_pipe[0]);
  if (guardian_pidfd)
    {
      death_fd = -1;
      close (death_pipe[1]);
    }

  installed_pid = getpid ();
  g_atomic_int_set (&mirroring, 1);
  _g_tempfile_registry_foreach_slot (install_mirror_one);
  return TRUE;
}

#endif /* HAVE_GUARDIAN */

/**
 * g_tempfile_install_guardian:
 * @error: return location for a #GError
 *
 * Starts a guardian for the calling process: a small separate process that
 * waits for this one to end and then removes every temporary file and
 * directory that was still registered for it. With it, nothing is left
 * behind even when the process is killed with SIGKILL (by a user or by the
 * out-of-memory killer), crashes (SIGSEGV, abort()) or calls _exit(): what
 * its own exit and signal handling would have removed, the guardian
 * removes, within about a second of the death.
 *
 * What the guardian removes is what automatic deletion covers: named
 * [class@GTempfile.TempFile]s with `delete`, [class@GTempfile.TempDir]s with
 * `delete` and their whole trees. What g_tempfile_mkstemp() and
 * g_tempfile_mkdtemp() return is the caller's to remove, and is not
 * covered, as it is not removed at exit either. It applies the
 * same checks as the process would, and one more: a directory is removed
 * only if the path still names the directory that was created (device and
 * inode), with the same walk as [method@GTempfile.TempDir.cleanup], and a
 * file only if the path names a regular file owned by the user the process
 * ran as when the guardian was installed (a symbolic link or anything else
 * put in its place is left alone). A process that ends normally has removed
 * everything already; its guardian finds nothing to do and exits.
 *
 * Only what this process created is covered: after fork() a child's own
 * objects are not, unless the child calls this function too (it then gets
 * a guardian of its own), and neither the child's exit nor its death ever
 * wakes the parent's guardian. exec() does not end the process: what was
 * registered before it is removed when the process ends.
 *
 * Registering stays as cheap as without a guardian: the registry mirrors
 * itself into memory shared with the guardian, with no system call per file
 * or directory. The guardian keeps none of the application's descriptors
 * (a `$(command)` capture sees its end when the application ends), runs in
 * a session of its own, so the terminal's signals (Ctrl-C, Ctrl-\, Ctrl-Z,
 * hangup) and a signal to the application's process group do not reach it,
 * and is not a child of the application: `waitpid (-1, …)` never sees it.
 * It is started through a short-lived intermediate process that this
 * function reaps before it returns. (One exception: a process that made
 * itself a child subreaper with `prctl (PR_SET_CHILD_SUBREAPER)`, as
 * service managers and init-like programs do, adopts every orphaned
 * descendant, the guardian among them; its `wait()` loops then see the
 * guardian, which exits soon after the process itself.)
 *
 * Calling it again in the same process does nothing and returns %TRUE.
 * Setting `GTEMPFILE_GUARDIAN=1` in the environment installs the guardian
 * at the first registration of each process, without code changes; if it
 * cannot be started then, a warning is logged and the program goes on
 * without it.
 *
 * The guardian does not help when it is killed itself, for example when a
 * whole control group or container is killed at once, or when the machine
 * stops. For the same reason process 1 (of the system or of a PID
 * namespace, as in many containers) cannot have one: when it ends, the
 * kernel kills every other process of the namespace. This function returns
 * %FALSE with %G_IO_ERROR_NOT_SUPPORTED there.
 *
 * It needs posix_spawn(), fork() and shared memory (mmap()). Where the
 * system lacks them, Windows above all, this function returns %FALSE with
 * %G_IO_ERROR_NOT_SUPPORTED, and `GTEMPFILE_GUARDIAN=1` logs a warning
 * once. There, what is still registered at a normal exit is removed as
 * everywhere, and anonymous files (which the system deletes when their
 * handle closes) are never left behind, but the named files and directories
 * of a process that is killed or crashes stay.
 *
 * Returns: %TRUE if a guardian watches this process; %FALSE with @error set
 *   if it could not be started (nothing else has changed then)
 *
 * Since: 1.0
 */
gboolean
g_tempfile_install_guardian (GError **error)
{
#ifdef HAVE_GUARDIAN
  gboolean ok = TRUE;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (getpid () == 1)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("A guardian process cannot watch process 1: when it ends, "
                             "every other process of its PID namespace is killed, the "
                             "guardian too"));
      return FALSE;
    }

  ensure_fork_handler ();
  g_mutex_lock (&install_lock);
  if (installed_pid != getpid ())
    ok = install (error);
  g_mutex_unlock (&install_lock);
  return ok;
#else
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       _("A guardian process cannot be started on this system: it needs "
                         "posix_spawn(), fork() and shared memory (mmap), which it lacks"));
  return FALSE;
#endif
}

/* Test hooks ---------------------------------------------------------------- */

/* The fallbacks of a system without Linux's calls: no memfd (a POSIX shared
 * memory object or a file), no pidfd (the death pipe). */
void
_g_tempfile_set_guardian_fallbacks_for_testing (gboolean enabled)
{
  force_fallbacks = enabled;
}

void
_g_tempfile_set_guardian_fail_fork_for_testing (gboolean enabled)
{
  fail_fork = enabled;
}

pid_t
_g_tempfile_get_guardian_pid_for_testing (void)
{
  return installed_pid == getpid () ? guardian_pid : 0;
}

gboolean
_g_tempfile_guardian_uses_pidfd_for_testing (void)
{
  return guardian_pidfd;
}
