/* test-guardian.c: nothing left behind, even after SIGKILL (DESIGN.md §6)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Deaths are checked on guardian-helper, a program that installs the
 * guardian, creates files and trees, forks a grandchild and then dies in
 * the way it is told; installation itself in subprocesses of this program.
 * The OOM killer's death is a real one: the helper alone is put in a
 * memory control group of 64 MiB (as root, where cgroups are writable;
 * elsewhere the test says why it is skipped).
 *
 * This program makes itself a "child subreaper" where the system has them:
 * a guardian whose process died is then reparented here instead of to init,
 * so that the test can reap it and check that it exited, and exited well.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef HAVE_UNSHARE
# include <sched.h>
#endif
#if __has_include(<sys/prctl.h>)
# include <sys/prctl.h>
#endif

#include <glib/gstdio.h>
#include <glib-unix.h>
#include <gio/gunixinputstream.h>

#include "gtempfile.h"
#include "gtempfile-error-private.h"
#include "gtempfile-guardian-private.h"
#include "test-common.h"

#define N_TREES 5
#define DEADLINE_USEC (2 * G_USEC_PER_SEC)

static gboolean subreaper;

/* Waiting --------------------------------------------------------------- */

/* Under valgrind the guardian runs under valgrind too: minutes, not a
 * second, to start and to remove. */
static gint64
deadline (void)
{
  return g_get_monotonic_time () +
         (g_getenv ("GTEMPFILE_TEST_QUICK") != NULL ? 60 : 1) * DEADLINE_USEC;
}

static guint
count_prefixed (const char *dir,
                const char *prefix)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_prefix (name, prefix))
      n++;
  return n;
}

static char *
list_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  GString *names = g_string_new (NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    g_string_append_printf (names, " %s", name);
  return g_string_free (names, FALSE);
}

/* Waits, up to the deadline, until nothing of @prefixes is left in @dir. */
static void
assert_removed_soon (const char          *dir,
                     const char * const  *prefixes)
{
  gint64 end = deadline ();
  gint64 start = g_get_monotonic_time ();

  for (;;)
    {
      guint left = 0;

      for (guint i = 0; prefixes[i] != NULL; i++)
        left += count_prefixed (dir, prefixes[i]);
      if (left == 0)
        break;
      if (g_get_monotonic_time () > end)
        {
          g_autofree char *names = list_dir (dir);

          g_error ("%u entries left after %d s:%s", left,
                   (int) ((end - start) / G_USEC_PER_SEC), names);
        }
      g_usleep (10 * 1000);
    }
  g_test_message ("removed within %d ms", (int) ((g_get_monotonic_time () - start) / 1000));
}

/* The guardian @pid has exited, with status 0, and is no more: reaped here
 * if this process is its subreaper, else gone from the system. */
static void
assert_guardian_gone (pid_t pid)
{
  gint64 end = deadline ();
  int status;

  g_assert_cmpint (pid, >, 1);
  if (subreaper)
    {
      pid_t got;

      while ((got = waitpid (pid, &status, WNOHANG)) == 0 && g_get_monotonic_time () < end)
        g_usleep (10 * 1000);
      g_assert_cmpint (got, ==, pid);
      g_assert_true (WIFEXITED (status));
      g_assert_cmpint (WEXITSTATUS (status), ==, 0);
      return;
    }

  while (kill (pid, 0) == 0 && g_get_monotonic_time () < end)
    g_usleep (10 * 1000);
  g_assert_cmpint (kill (pid, 0), ==, -1);
}

/* The helper ------------------------------------------------------------- */

typedef struct
{
  GSubprocess      *process;
  GDataInputStream *out;
  pid_t             guardian;
  pid_t             grandchild;
} Helper;

static void
helper_start_full (Helper     *helper,
                   const char *mode,
                   const char *dir,
                   const char *watch,
                   int         extra_fd)
{
  g_autofree char *path = g_test_build_filename (G_TEST_BUILT, "guardian-helper", NULL);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  long guardian = 0, grandchild = 0;

  if (strcmp (watch, "env") == 0)
    g_subprocess_launcher_setenv (launcher, "GTEMPFILE_GUARDIAN", "1", TRUE);
  if (extra_fd >= 0)
    g_subprocess_launcher_take_fd (launcher, extra_fd, 7);
  helper->process = g_subprocess_launcher_spawn (launcher, &error, path, mode, dir, watch, NULL);
  g_assert_no_error (error);
  helper->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (helper->process));

  line = g_data_input_stream_read_line (helper->out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_cmpint (sscanf (line, "ready %ld %ld", &guardian, &grandchild), ==, 2);
  helper->guardian = guardian;
  helper->grandchild = grandchild;
}

static void
helper_start (Helper     *helper,
              const char *mode,
              const char *dir,
              const char *watch)
{
  helper_start_full (helper, mode, dir, watch, -1);
}

static gboolean
wait_timed_out (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
helper_wait (Helper *helper)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  guint timeout = g_timeout_add_seconds (60, wait_timed_out, cancellable);

  if (!g_subprocess_wait (helper->process, cancellable, &error))
    {
      g_subprocess_force_exit (helper->process);
      g_error ("guardian-helper did not end: %s", error->message);
    }
  g_source_remove (timeout);
}

static void
helper_clear (Helper *helper)
{
  g_clear_object (&helper->out);
  g_clear_object (&helper->process);
}

/* The grandchild outlived the helper: it is this process's now (or
 * init's); kill it. */
static void
kill_grandchild (pid_t pid)
{
  if (pid <= 0)
    return;
  kill (pid, SIGKILL);
  if (subreaper)
    waitpid (pid, NULL, 0);
}

/* Deaths ----------------------------------------------------------------- */

typedef struct
{
  const char *mode;
  const char *watch;
  int         signo;    /* the helper dies of it; 0: it exits */
  int         status;   /* its exit status then */
  gboolean    kill;     /* the test sends signo */
} Death;

static const Death deaths[] = {
  { "sigkill", "pidfd", SIGKILL, 0, TRUE },
  { "sigkill", "pipe", SIGKILL, 0, TRUE },
  { "sigkill", "env", SIGKILL, 0, TRUE },
  /* The process's own pass removes first: what it leaves is the guardian's. */
  { "sigterm", "pidfd", SIGTERM, 0, TRUE },
  { "sigterm-failing", "pidfd", SIGTERM, 0, TRUE },
  { "sigterm-failing", "pipe", SIGTERM, 0, TRUE },
  { "sigsegv", "pidfd", SIGSEGV, 0, FALSE },
  { "sigsegv", "pipe", SIGSEGV, 0, FALSE },
  { "abort", "pidfd", SIGABRT, 0, FALSE },
  { "abort", "pipe", SIGABRT, 0, FALSE },
  { "_exit", "pidfd", 0, 3, FALSE },
  { "_exit", "pipe", 0, 3, FALSE },
  { "exit", "pidfd", 0, 0, FALSE },
  { "exit", "pipe", 0, 0, FALSE },
};

#ifndef __has_feature
#define __has_feature(x) 0
#endif

static gboolean
sanitized (void)
{
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer)
  return TRUE;
#else
  return FALSE;
#endif
}

/* The test's own objects and files, which no guardian may touch. */
typedef struct
{
  GTempFile *file;
  GTempDir  *tree;
  char      *plain;
} Own;

static void
own_make (Own        *own,
          const char *dir)
{
  g_autoptr(GError) error = NULL;

  own->file = g_temp_file_new_full (dir, "parent-", NULL, G_TEMP_FILE_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
  own->tree = g_temp_dir_new_full (dir, "parent-", NULL, G_TEMP_DIR_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
  own->plain = g_build_filename (dir, "parent-plain", NULL);
  test_write_file (own->plain, "mine");
}

static void
own_check_and_clear (Own *own)
{
  g_assert_true (test_exists (g_temp_file_get_path (own->file)));
  g_assert_true (test_exists (g_temp_dir_get_path (own->tree)));
  test_assert_contents (own->plain, "mine");
  g_clear_object (&own->file);
  g_clear_object (&own->tree);
  g_clear_pointer (&own->plain, g_free);
}

/* After the helper's death: everything of the helper's is gone within the
 * deadline, the grandchild's and this process's stay, and the guardian has
 * ended. Clears @helper and @own. */
static void
assert_after_death (const char *dir,
                    Helper     *helper,
                    Own        *own)
{
  const char * const gone[] = { "child-", "tree-", NULL };

  assert_removed_soon (dir, gone);
  g_assert_cmpuint (count_prefixed (dir, "grandchild-"), ==, 4);
  own_check_and_clear (own);
  assert_guardian_gone (helper->guardian);
  kill_grandchild (helper->grandchild);
  helper_clear (helper);
}

static void
test_death (gconstpointer data)
{
  const Death *death = data;
  g_autofree char *dir = test_dir_new ();
  Helper helper = { NULL, };
  Own own = { NULL, };

  own_make (&own, dir);
  helper_start (&helper, death->mode, dir, death->watch);
  /* A helper that dies by itself may be gone and cleaned up already. */
  if (death->kill)
    {
      g_assert_cmpuint (count_prefixed (dir, "child-"), ==, 50);
      g_assert_cmpuint (count_prefixed (dir, "tree-"), ==, N_TREES);
    }
  g_assert_cmpuint (count_prefixed (dir, "grandchild-"), ==, 4);

  if (death->kill)
    g_subprocess_send_signal (helper.process, death->signo);
  helper_wait (&helper);
  if (death->signo != 0 && !(sanitized () && death->signo == SIGSEGV))
    {
      g_assert_true (g_subprocess_get_if_signaled (helper.process));
      g_assert_cmpint (g_subprocess_get_term_sig (helper.process), ==, death->signo);
    }
  else if (death->signo == 0)
    {
      g_assert_true (g_subprocess_get_if_exited (helper.process));
      g_assert_cmpint (g_subprocess_get_exit_status (helper.process), ==, death->status);
    }

  assert_after_death (dir, &helper, &own);
  test_remove_tree (dir);
}

/* The OOM killer ----------------------------------------------------------- */

/* A memory control group of OOM_LIMIT for the helper alone, made beside
 * this process in cgroup v1's memory hierarchy, or in v2's where this
 * process's group delegates the memory controller. */
#define OOM_LIMIT "64M"

typedef struct
{
  char       *dir;
  char       *events;     /* where the kernel counts its OOM kills */
} MemoryGroup;

static char *
write_control (const char *dir,
               const char *name,
               const char *value)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  int fd = open (path, O_WRONLY | O_CLOEXEC);
  gssize len = strlen (value);
  int saved;

  if (fd < 0)
    return g_strdup_printf ("cannot open %s: %s", path, g_strerror (errno));
  if (write (fd, value, len) != len)
    {
      saved = errno;
      close (fd);
      return g_strdup_printf ("cannot write %s to %s: %s", value, path, g_strerror (saved));
    }
  close (fd);
  return NULL;
}

/* The group directory this process is in, for the memory controller. */
static char *
memory_group_parent (gboolean *v2)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents ("/proc/self/cgroup", &contents, NULL, NULL))
    return NULL;
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i], ":", 3);
      g_auto(GStrv) controllers = NULL;

      if (g_strv_length (fields) != 3)
        continue;
      controllers = g_strsplit (fields[1], ",", -1);
      if (g_strv_contains ((const char * const *) controllers, "memory"))
        {
          *v2 = FALSE;
          return g_build_filename ("/sys/fs/cgroup/memory", fields[2], NULL);
        }
    }
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i], ":", 3);
      const char *roots[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };

      if (g_strv_length (fields) != 3 || strcmp (fields[0], "0") != 0)
        continue;
      for (guint j = 0; j < G_N_ELEMENTS (roots); j++)
        {
          g_autofree char *dir = g_build_filename (roots[j], fields[2], NULL);
          g_autofree char *subtree = g_build_filename (dir, "cgroup.subtree_control", NULL);
          g_autofree char *enabled = NULL;

          if (g_file_get_contents (subtree, &enabled, NULL, NULL) &&
              strstr (enabled, "memory") != NULL)
            {
              *v2 = TRUE;
              return g_steal_pointer (&dir);
            }
        }
    }
  return NULL;
}

static gboolean
swap_is_on (void)
{
  g_autofree char *swaps = NULL;

  /* One line of column names, then one per swap area. */
  return g_file_get_contents ("/proc/swaps", &swaps, NULL, NULL) &&
         strchr (swaps, '\n') != NULL && strchr (swaps, '\n')[1] != '\0';
}

/* Makes the group and moves @pid into it; or says why it cannot. */
static char *
memory_group_make (MemoryGroup *group,
                   GPid         pid)
{
  gboolean v2 = FALSE;
  g_autofree char *parent = memory_group_parent (&v2);
  g_autofree char *name = g_strdup_printf ("gtempfile-test-oom-%d", (int) getpid ());
  g_autofree char *procs = g_strdup_printf ("%d", (int) pid);
  char *failed;

  if (parent == NULL)
    return g_strdup ("no memory control group to make one in (no cgroup v1 memory hierarchy, "
                     "and cgroup v2 does not delegate the memory controller here)");
  group->dir = g_build_filename (parent, name, NULL);
  if (g_mkdir (group->dir, 0755) != 0)
    {
      failed = g_strdup_printf ("cannot make a memory control group %s: %s", group->dir,
                                g_strerror (errno));
      g_clear_pointer (&group->dir, g_free);
      return failed;
    }
  if (v2)
    {
      group->events = g_build_filename (group->dir, "memory.events", NULL);
      if ((failed = write_control (group->dir, "memory.max", OOM_LIMIT)) != NULL)
        return failed;
      /* Without swap limits, the group would swap instead of running out. */
      if ((failed = write_control (group->dir, "memory.swap.max", "0")) != NULL && swap_is_on ())
        return failed;
      g_free (failed);
    }
  else
    {
      g_autofree char *memsw = g_build_filename (group->dir, "memory.memsw.limit_in_bytes", NULL);

      group->events = g_build_filename (group->dir, "memory.oom_control", NULL);
      if ((failed = write_control (group->dir, "memory.limit_in_bytes", OOM_LIMIT)) != NULL)
        return failed;
      if (g_file_test (memsw, G_FILE_TEST_EXISTS))
        {
          if ((failed = write_control (group->dir, "memory.memsw.limit_in_bytes", OOM_LIMIT)) != NULL)
            return failed;
        }
      else if (swap_is_on ())
        return g_strdup ("swap is on, and this kernel's memory groups cannot limit it");
    }
  return write_control (group->dir, "cgroup.procs", procs);
}

/* How many processes the OOM killer ended in the group. */
static guint64
memory_group_oom_kills (MemoryGroup *group)
{
  g_autofree char *contents = NULL;
  const char *line;

  if (!g_file_get_contents (group->events, &contents, NULL, NULL))
    return 0;
  line = strstr (contents, "oom_kill ");
  return line != NULL ? g_ascii_strtoull (line + strlen ("oom_kill "), NULL, 10) : 0;
}

static void
memory_group_clear (MemoryGroup *group)
{
  if (group->dir != NULL && g_rmdir (group->dir) != 0)
    g_test_message ("could not remove %s: %s", group->dir, g_strerror (errno));
  g_clear_pointer (&group->dir, g_free);
  g_clear_pointer (&group->events, g_free);
}

/* A real OOM kill: the helper, alone in a small memory group (its guardian
 * and grandchild stay outside), allocates until the kernel ends it. */
static void
test_oom (gconstpointer watch)
{
  g_autofree char *dir = test_dir_new ();
  g_autofree char *why = NULL;
  MemoryGroup group = { NULL, };
  Helper helper = { NULL, };
  Own own = { NULL, };

  own_make (&own, dir);
  helper_start (&helper, "oom", dir, watch);
  why = memory_group_make (&group, atoi (g_subprocess_get_identifier (helper.process)));
  if (why != NULL)
    {
      g_subprocess_send_signal (helper.process, SIGKILL);
      helper_wait (&helper);
      memory_group_clear (&group);
      assert_after_death (dir, &helper, &own);
      test_remove_tree (dir);
      g_test_skip (why);
      return;
    }
  g_assert_cmpuint (count_prefixed (dir, "child-"), ==, 50);
  g_assert_cmpuint (count_prefixed (dir, "tree-"), ==, N_TREES);

  g_subprocess_send_signal (helper.process, SIGUSR1);
  helper_wait (&helper);
  g_assert_true (g_subprocess_get_if_signaled (helper.process));
  g_assert_cmpint (g_subprocess_get_term_sig (helper.process), ==, SIGKILL);
  g_assert_cmpuint (memory_group_oom_kills (&group), >=, 1);

  assert_after_death (dir, &helper, &own);
  memory_group_clear (&group);
  test_remove_tree (dir);
}

/* exec does not end the process: what was registered is removed when the
 * program it became ends. */
static void
test_exec (gconstpointer watch)
{
  const char * const gone[] = { "child-", "tree-", NULL };
  g_autofree char *dir = test_dir_new ();
  Helper helper = { NULL, };

  helper_start (&helper, "exec", dir, watch);
  g_usleep (G_USEC_PER_SEC / 5);
  g_assert_cmpuint (count_prefixed (dir, "child-"), ==, 50);
  helper_wait (&helper);
  assert_removed_soon (dir, gone);
  assert_guardian_gone (helper.guardian);
  kill_grandchild (helper.grandchild);
  helper_clear (&helper);
  test_remove_tree (dir);
}

/* A tree replaced by a symlink to a victim directory, another by a new
 * directory, a file by a symlink to a victim file: all left alone. */
static void
test_swap (gconstpointer watch)
{
  g_autofree char *base = test_dir_new ();
  g_autofree char *dir = g_build_filename (base, "work", NULL);
  g_autofree char *victim = g_build_filename (base, "victim", NULL);
  g_autofree char *victim_file = g_build_filename (base, "victim-file", NULL);
  g_autoptr(GDir) d = NULL;
  const char *name;
  Helper helper = { NULL, };
  guint links = 0, replacements = 0, moved = 0;

  g_assert_no_errno (g_mkdir (dir, 0700));
  g_assert_no_errno (g_mkdir (victim, 0700));
  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/precious-%u", victim, i);

      test_write_file (path, "precious");
    }
  test_write_file (victim_file, "precious");

  helper_start (&helper, "swap", dir, watch);
  g_subprocess_send_signal (helper.process, SIGKILL);
  helper_wait (&helper);
  /* Once the guardian has ended, whatever it removes is removed. */
  assert_guardian_gone (helper.guardian);
  g_assert_cmpuint (test_count_entries (victim), ==, 10);
  test_assert_contents (victim_file, "precious");

  d = g_dir_open (dir, 0, NULL);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_str_has_prefix (name, "grandchild-"))
        continue;
      if (g_str_has_suffix (name, ".moved"))
        moved++;   /* the originals, renamed away: not at the path any more */
      else if (g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        links++;
      else if (g_str_has_prefix (name, "tree-"))
        {
          g_autofree char *inside = g_build_filename (path, "replacement-file", NULL);

          g_assert_true (test_exists (inside));
          replacements++;
        }
      else
        g_error ("left: %s", name);
    }
  /* The 3 other trees and 49 other files are gone; what was put in the
   * place of the others is still there. */
  g_assert_cmpuint (links, ==, 2);
  g_assert_cmpuint (replacements, ==, 1);
  g_assert_cmpuint (moved, ==, 3);
  g_assert_cmpuint (count_prefixed (dir, "grandchild-"), ==, 4);

  kill_grandchild (helper.grandchild);
  helper_clear (&helper);
  test_remove_tree (base);
}

/* SIGKILL while four threads create and remove without pause, round after
 * round: nothing left, and no guardian. */
static void
test_stress (gconstpointer mode)
{
  guint rounds = test_scaled (100, 3);
  g_autoptr(GRand) rand = g_rand_new ();
  const char * const gone[] = { "churn-", "child-", "tree-", NULL };

  for (guint round = 0; round < rounds; round++)
    {
      g_autofree char *dir = test_dir_new ();
      Helper helper = { NULL, };

      helper_start (&helper, mode, dir, round % 2 == 0 ? "pidfd" : "pipe");
      g_usleep (g_rand_int_range (rand, 0, 20000));
      g_subprocess_send_signal (helper.process, SIGKILL);
      helper_wait (&helper);
      assert_removed_soon (dir, gone);
      g_assert_cmpuint (test_count_entries (dir), ==, 0);
      assert_guardian_gone (helper.guardian);
      helper_clear (&helper);
      test_remove_tree (dir);
    }
}

/* The guardian holds nothing of the application's: with the helper alive,
 * its stdout and descriptor 3 reach their end as soon as it closes them. */
static void
test_descriptors (gconstpointer watch)
{
  g_autofree char *dir = test_dir_new ();
  g_autoptr(GInputStream) extra = NULL;
  g_autoptr(GError) error = NULL;
  Helper helper = { NULL, };
  char buffer[64];
  int fds[2];

  g_assert_true (g_unix_open_pipe (fds, FD_CLOEXEC, NULL));
  extra = g_unix_input_stream_new (fds[0], TRUE);
  helper_start_full (&helper, "hold", dir, watch, fds[1]);

  /* A $(command) capture: end of file while the command still runs. */
  g_assert_cmpint (g_input_stream_read (G_INPUT_STREAM (helper.out), buffer, sizeof buffer,
                                        NULL, &error), ==, 0);
  g_assert_no_error (error);
  g_assert_cmpint (g_input_stream_read (extra, buffer, sizeof buffer, NULL, &error), ==, 0);
  g_assert_no_error (error);
  /* And the helper still runs. */
  g_assert_cmpint (kill (atol (g_subprocess_get_identifier (helper.process)), 0), ==, 0);

  g_subprocess_send_signal (helper.process, SIGKILL);
  helper_wait (&helper);
  assert_guardian_gone (helper.guardian);
  helper_clear (&helper);
  test_remove_tree (dir);
}

/* Installing, in subprocesses -------------------------------------------- */

/* Where a subprocess tells its parent which guardian to reap. */
static void
note_guardian (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("TEST_DIR"), "guardian-pid", NULL);
  g_autofree char *text = g_strdup_printf ("%ld", (long) _g_tempfile_get_guardian_pid_for_testing ());

  test_write_file (path, text);
}

static void
reap_noted_guardian (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "guardian-pid", NULL);
  g_autofree char *text = NULL;

  if (!test_exists (path))
    return;
  text = test_read_file (path);
  assert_guardian_gone (atol (text));
  g_unlink (path);
}

static void
assert_no_children (void)
{
  /* Neither the intermediate process nor the guardian is a child. */
  g_assert_cmpint (waitpid (-1, NULL, WNOHANG), ==, -1);
  g_assert_cmpint (errno, ==, ECHILD);
}

static void
test_install_twice (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      guint fds = test_count_fds ();
      pid_t first;

      g_assert_true (g_tempfile_install_guardian (&error));
      g_assert_no_error (error);
      note_guardian ();
      first = _g_tempfile_get_guardian_pid_for_testing ();
      g_assert_cmpint (first, >, 0);
      g_assert_cmpint (kill (first, 0), ==, 0);
      /* With a pidfd the application keeps no descriptor; with the pipe,
       * one (its write end). */
      g_assert_cmpuint (test_count_fds (), ==,
                        fds + (_g_tempfile_guardian_uses_pidfd_for_testing () ? 0 : 1));
      assert_no_children ();

      g_assert_true (g_tempfile_install_guardian (&error));
      g_assert_no_error (error);
      g_assert_cmpint (_g_tempfile_get_guardian_pid_for_testing (), ==, first);
      g_assert_cmpuint (test_count_fds (), ==,
                        fds + (_g_tempfile_guardian_uses_pidfd_for_testing () ? 0 : 1));
      return;
    }

  {
    g_autofree char *dir = test_dir_new ();

    test_trap_with_dir (dir);
    reap_noted_guardian (dir);
    test_remove_tree (dir);
  }
}

/* The guardian ignores the terminal's signals and job control. */
static void
test_signals_ignored (void)
{
  if (g_test_subprocess ())
    {
      static const int sent[] = { SIGINT, SIGQUIT, SIGTSTP, SIGHUP, SIGTERM, SIGTTIN, SIGTTOU };
      g_autoptr(GError) error = NULL;
      g_autoptr(GTempFile) file = NULL;
      g_autofree char *state = NULL;
      g_autofree char *stat_path = NULL;
      pid_t guardian;

      g_assert_true (g_tempfile_install_guardian (&error));
      note_guardian ();
      guardian = _g_tempfile_get_guardian_pid_for_testing ();
      for (guint i = 0; i < G_N_ELEMENTS (sent); i++)
        g_assert_no_errno (kill (guardian, sent[i]));
      g_usleep (G_USEC_PER_SEC / 10);
      g_assert_cmpint (kill (guardian, 0), ==, 0);
      stat_path = g_strdup_printf ("/proc/%ld/stat", (long) guardian);
      if (g_file_get_contents (stat_path, &state, NULL, NULL))
        {
          const char *after = strrchr (state, ')');

          /* Running or sleeping: not stopped, not a zombie. */
          g_assert_nonnull (after);
          g_assert_true (after[2] == 'S' || after[2] == 'R');
        }

      /* And it still does its work. */
      file = g_temp_file_new_full (g_getenv ("TEST_DIR"), "child-", NULL,
                                   G_TEMP_FILE_FLAGS_NONE, NULL, &error);
      g_assert_no_error (error);
      raise (SIGKILL);
    }

  {
    const char * const gone[] = { "child-", NULL };
    g_autofree char *dir = test_dir_new ();

    g_setenv ("TEST_DIR", dir, TRUE);
    g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed ();
    assert_removed_soon (dir, gone);
    reap_noted_guardian (dir);
    test_remove_tree (dir);
  }
}

/* After fork: the child has no guardian until it installs its own; its
 * death wakes only its own; the parent's objects are the parent's. */
static void
test_fork (gconstpointer watch)
{
  if (g_test_subprocess ())
    {
      const char *dir = g_getenv ("TEST_DIR");
      g_autoptr(GError) error = NULL;
      g_autoptr(GTempFile) parents = NULL;
      pid_t parent_guardian;
      pid_t child;
      int status;

      _g_tempfile_set_guardian_fallbacks_for_testing (strcmp (watch, "pipe") == 0);
      g_assert_true (g_tempfile_install_guardian (&error));
      note_guardian ();
      parent_guardian = _g_tempfile_get_guardian_pid_for_testing ();
      parents = g_temp_file_new_full (dir, "parent-", NULL, G_TEMP_FILE_FLAGS_NONE, NULL, &error);
      g_assert_no_error (error);

      child = fork ();
      g_assert_cmpint (child, >=, 0);
      if (child == 0)
        {
          GTempFile *mine;
          g_autofree char *path = g_build_filename (dir, "pid-of-child-guardian", NULL);
          g_autofree char *text = NULL;

          if (_g_tempfile_get_guardian_pid_for_testing () != 0)
            _exit (10);
          /* Releasing the inherited object must not touch the parent's
           * arena. */
          g_clear_object (&parents);
          if (!g_tempfile_install_guardian (NULL))
            _exit (11);
          if (_g_tempfile_get_guardian_pid_for_testing () == parent_guardian ||
              _g_tempfile_get_guardian_pid_for_testing () <= 0)
            _exit (12);
          text = g_strdup_printf ("%ld", (long) _g_tempfile_get_guardian_pid_for_testing ());
          g_file_set_contents (path, text, -1, NULL);
          mine = g_temp_file_new_full (dir, "child-", NULL, G_TEMP_FILE_FLAGS_NONE, NULL, NULL);
          if (mine == NULL)
            _exit (13);
          raise (SIGKILL);
        }

      g_assert_cmpint (waitpid (child, &status, 0), ==, child);
      g_assert_true (WIFSIGNALED (status));
      g_assert_cmpint (WTERMSIG (status), ==, SIGKILL);

      {
        const char * const gone[] = { "child-", NULL };

        assert_removed_soon (dir, gone);
      }
      /* The parent's guardian did not wake: its file is there, and so is
       * it. */
      g_assert_true (test_exists (g_temp_file_get_path (parents)));
      g_assert_cmpint (kill (parent_guardian, 0), ==, 0);
      return;
    }

  {
    g_autofree char *dir = test_dir_new ();
    g_autofree char *child_pid = g_build_filename (dir, "pid-of-child-guardian", NULL);
    g_autofree char *text = NULL;

    test_trap_with_dir (dir);
    text = test_read_file (child_pid);
    g_unlink (child_pid);
    assert_guardian_gone (atol (text));
    reap_noted_guardian (dir);
    /* The parent exited normally: it removed its own file itself. */
    g_assert_cmpuint (test_count_entries (dir), ==, 0);
    test_remove_tree (dir);
  }
}

static gboolean
maps_mention_arena (void)
{
  g_autofree char *maps = NULL;

  if (!g_file_get_contents ("/proc/self/maps", &maps, NULL, NULL))
    return FALSE;
  return strstr (maps, "gtempfile-guardian") != NULL;
}

/* A guardian that cannot be started: an error that says why, and nothing
 * changed (no descriptor, no child, no mapping); later it can be. */
static void
assert_fails_cleanly (int code)
{
  g_autoptr(GError) error = NULL;
  guint fds = test_count_fds ();

  g_assert_false (g_tempfile_install_guardian (&error));
  g_assert_error (error, G_IO_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_true (strstr (error->message, "guardian") != NULL);
  g_assert_cmpuint (test_count_fds (), ==, fds);
  g_assert_cmpint (_g_tempfile_get_guardian_pid_for_testing (), ==, 0);
  g_assert_false (maps_mention_arena ());
  assert_no_children ();
}

static void
test_failure (gconstpointer data)
{
  const char *how = data;

  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;

      if (strcmp (how, "program") == 0)
        {
          g_setenv ("GTEMPFILE_GUARDIAN_PROGRAM", "/nonexistent/gtempfile-guardian", TRUE);
          assert_fails_cleanly (G_IO_ERROR_NOT_FOUND);
          g_unsetenv ("GTEMPFILE_GUARDIAN_PROGRAM");
        }
      else if (strcmp (how, "fork") == 0)
        {
          _g_tempfile_set_guardian_fail_fork_for_testing (TRUE);
          assert_fails_cleanly (_g_tempfile_io_error_from_errno (EAGAIN));
          _g_tempfile_set_guardian_fail_fork_for_testing (FALSE);
        }
      else if (strcmp (how, "nproc") == 0)
        {
          struct rlimit before, one;

          /* Root is not held to RLIMIT_NPROC. */
          test_drop_privileges ();
#ifdef PR_SET_DUMPABLE
          /* /proc/self stays readable after the change of user. */
          prctl (PR_SET_DUMPABLE, 1);
#endif
          g_assert_no_errno (getrlimit (RLIMIT_NPROC, &before));
          one.rlim_cur = 1;
          one.rlim_max = before.rlim_max;
          g_assert_no_errno (setrlimit (RLIMIT_NPROC, &one));
          assert_fails_cleanly (_g_tempfile_io_error_from_errno (EAGAIN));
          /* LeakSanitizer needs a thread at exit. */
          g_assert_no_errno (setrlimit (RLIMIT_NPROC, &before));
          return;
        }

      g_setenv ("GTEMPFILE_GUARDIAN_PROGRAM", g_getenv ("GTEMPFILE_TEST_GUARDIAN_PROGRAM"), TRUE);
      g_assert_true (g_tempfile_install_guardian (&error));
      g_assert_no_error (error);
      note_guardian ();
      return;
    }

  {
    g_autofree char *dir = test_dir_new ();

    test_trap_with_dir (dir);
    reap_noted_guardian (dir);
    test_remove_tree (dir);
  }
}

/* GTEMPFILE_GUARDIAN=1 in a process: the first registration installs it;
 * one that cannot start is a warning, and creating goes on. */
static void
test_env_failure (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GTempFile) file = NULL;

      /* The test framework makes warnings fatal; an application's are not. */
      g_log_set_always_fatal (G_LOG_FATAL_MASK);
      g_setenv ("GTEMPFILE_GUARDIAN", "1", TRUE);
      g_setenv ("GTEMPFILE_GUARDIAN_PROGRAM", "/nonexistent/gtempfile-guardian", TRUE);
      file = g_temp_file_new_full (g_getenv ("TEST_DIR"), NULL, NULL, G_TEMP_FILE_FLAGS_NONE,
                                   NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (_g_tempfile_get_guardian_pid_for_testing (), ==, 0);
      return;
    }

  {
    g_autofree char *dir = test_dir_new ();

    g_setenv ("TEST_DIR", dir, TRUE);
    g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed ();
    g_test_trap_assert_stderr ("*GTEMPFILE_GUARDIAN is set, but the guardian could not be started*");
    test_remove_tree (dir);
  }
}

/* Process 1 of a PID namespace cannot be guarded (its death kills the
 * namespace, the guardian too): NOT_SUPPORTED, and nothing started. */
static void
test_pid1 (void)
{
#ifndef HAVE_UNSHARE
  g_test_skip ("no unshare() here to make a PID namespace with");
#else
  int status;
  pid_t pid;

  if (!test_is_root ())
    {
      g_test_skip ("making a PID namespace needs root");
      return;
    }
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      pid_t inner;

      if (unshare (CLONE_NEWPID) != 0)
        test_exit_child (77);
      inner = fork ();
      if (inner == 0)
        {
          GError *error = NULL;
          int code = 0;

          if (getpid () != 1)
            code = 3;
          else if (g_tempfile_install_guardian (&error))
            code = 4;
          else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED) ||
                   strstr (error->message, "process 1") == NULL)
            code = 5;
          else if (_g_tempfile_get_guardian_pid_for_testing () != 0)
            code = 6;
          g_clear_error (&error);
          test_exit_child (code);
        }
      if (inner < 0 || waitpid (inner, &status, 0) != inner)
        test_exit_child (8);
      test_exit_child (WIFEXITED (status) ? WEXITSTATUS (status) : 9);
    }
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status));
  if (WEXITSTATUS (status) == 77)
    {
      g_test_skip ("no PID namespace can be made here (unshare (CLONE_NEWPID) failed)");
      return;
    }
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
#endif
}

/* The guardian's resident memory, while it waits. */
static void
test_footprint (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *status = NULL;
      g_autofree char *path = NULL;
      const char *line;
      long kib = -1;

      g_assert_true (g_tempfile_install_guardian (&error));
      note_guardian ();
      path = g_strdup_printf ("/proc/%ld/status", (long) _g_tempfile_get_guardian_pid_for_testing ());
      if (!g_file_get_contents (path, &status, NULL, NULL))
        {
          test_skip_subprocess ("no /proc/PID/status here");
          return;
        }
      line = strstr (status, "VmRSS:");
      g_assert_nonnull (line);
      g_assert_cmpint (sscanf (line, "VmRSS: %ld kB", &kib), ==, 1);
      g_test_message ("guardian RSS: %ld KiB", kib);
      g_printerr ("guardian RSS: %ld KiB\n", kib);
      /* Instrumented builds instrument the guardian too. */
      if (!sanitized () && g_getenv ("GTEMPFILE_TEST_QUICK") == NULL)
        g_assert_cmpint (kib, <=, 2048);
      return;
    }

  {
    g_autofree char *dir = test_dir_new ();

    test_trap_with_dir (dir);
    reap_noted_guardian (dir);
    test_remove_tree (dir);
  }
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

#ifdef PR_SET_CHILD_SUBREAPER
  subreaper = !g_test_subprocess () && prctl (PR_SET_CHILD_SUBREAPER, 1) == 0;
#endif
  /* The helper finds the program through the variable; the subprocesses
   * here too, and one test takes it away for a while. */
  /* meson points at the uninstalled program; installed, the installed one. */
  if (g_getenv ("GTEMPFILE_GUARDIAN_PROGRAM") == NULL)
    g_setenv ("GTEMPFILE_GUARDIAN_PROGRAM", GTEMPFILE_GUARDIAN_INSTALLED, TRUE);
  g_setenv ("GTEMPFILE_TEST_GUARDIAN_PROGRAM", g_getenv ("GTEMPFILE_GUARDIAN_PROGRAM"), TRUE);

  for (guint i = 0; i < G_N_ELEMENTS (deaths); i++)
    {
      g_autofree char *path = g_strdup_printf ("/guardian/death/%s/%s", deaths[i].mode,
                                               deaths[i].watch);

      g_test_add_data_func (path, &deaths[i], test_death);
    }
  g_test_add_data_func ("/guardian/death/oom/pidfd", "pidfd", test_oom);
  g_test_add_data_func ("/guardian/death/oom/pipe", "pipe", test_oom);
  g_test_add_data_func ("/guardian/exec/pidfd", "pidfd", test_exec);
  g_test_add_data_func ("/guardian/exec/pipe", "pipe", test_exec);
  g_test_add_data_func ("/guardian/swap/pidfd", "pidfd", test_swap);
  g_test_add_data_func ("/guardian/swap/pipe", "pipe", test_swap);
  g_test_add_data_func ("/guardian/stress/sigkill", "stress", test_stress);
  g_test_add_data_func ("/guardian/stress/install-while-busy", "stress-install", test_stress);
  g_test_add_data_func ("/guardian/descriptors/pidfd", "pidfd", test_descriptors);
  g_test_add_data_func ("/guardian/descriptors/pipe", "pipe", test_descriptors);
  g_test_add_func ("/guardian/install/twice", test_install_twice);
  g_test_add_func ("/guardian/install/signals-ignored", test_signals_ignored);
  g_test_add_data_func ("/guardian/install/fork/pidfd", "pidfd", test_fork);
  g_test_add_data_func ("/guardian/install/fork/pipe", "pipe", test_fork);
  g_test_add_data_func ("/guardian/failure/program", "program", test_failure);
  g_test_add_data_func ("/guardian/failure/fork", "fork", test_failure);
  g_test_add_data_func ("/guardian/failure/nproc", "nproc", test_failure);
  g_test_add_func ("/guardian/failure/env", test_env_failure);
  g_test_add_func ("/guardian/failure/pid1", test_pid1);
  g_test_add_func ("/guardian/footprint", test_footprint);

  return g_test_run ();
}
