/* test-lifetime.c: process lifetime (DESIGN.md §6)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Exit, fork and signals are checked on lifetime-helper, a separate program
 * that ends in each of those ways; threads and long runs in this process.
 */

#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "gtempfile.h"
#include "gtempfile-create-private.h"
#include "gtempfile-platform-private.h"
#include "gtempfile-rmtree-private.h"
#include "test-common.h"

/* What lifetime-helper leaves if nothing removes it: 3 files, 2 trees. */
#define N_NAMED 5
#define N_TREES 2   /* of N_NAMED, lifetime-helper's directories */

/* The helper ------------------------------------------------------------------ */

typedef struct
{
  GSubprocess      *process;
  GDataInputStream *out;
} Helper;

static void
helper_start (Helper     *helper,
              const char *mode,
              const char *dir)
{
  g_autofree char *path = g_test_build_filename (G_TEST_BUILT, "lifetime-helper", NULL);
  g_autoptr(GError) error = NULL;

  helper->process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                                      path, mode, dir, NULL);
  g_assert_no_error (error);
  helper->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (helper->process));
}

static char *
helper_read_line (Helper *helper)
{
  g_autoptr(GError) error = NULL;
  char *line = g_data_input_stream_read_line (helper->out, NULL, NULL, &error);

  g_assert_no_error (error);
  return line;
}

static void
helper_ready (Helper *helper)
{
  g_autofree char *line = helper_read_line (helper);

  g_assert_cmpstr (line, ==, "ready");
}

static gboolean
wait_timed_out (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

/* Waits for the helper to end, failing (not hanging) after a while: a
 * deadlock in a signal handler must show up as a failure. */
static void
helper_wait (Helper *helper)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  guint timeout = g_timeout_add_seconds (60, wait_timed_out, cancellable);

  if (!g_subprocess_wait (helper->process, cancellable, &error))
    {
      g_subprocess_force_exit (helper->process);
      g_error ("lifetime-helper did not end: %s", error->message);
    }
  g_source_remove (timeout);
  g_clear_object (&helper->out);
}

static void
helper_clear (Helper *helper)
{
  g_clear_object (&helper->out);
  g_clear_object (&helper->process);
}

static void
assert_exited (Helper *helper,
               int     status)
{
  g_assert_true (g_subprocess_get_if_exited (helper->process));
  g_assert_cmpint (g_subprocess_get_exit_status (helper->process), ==, status);
}

static void
assert_killed_by (Helper *helper,
                  int     signo)
{
  g_assert_true (g_subprocess_get_if_signaled (helper->process));
  g_assert_cmpint (g_subprocess_get_term_sig (helper->process), ==, signo);
}

static void
run_to_end (const char *mode,
            const char *dir,
            int         status)
{
  Helper helper = { NULL, };

  helper_start (&helper, mode, dir);
  helper_wait (&helper);
  assert_exited (&helper, status);
  helper_clear (&helper);
}

/* Normal exit ------------------------------------------------------------------ */

static void
test_exit (gconstpointer mode)
{
  g_autofree char *dir = test_dir_new ();

  /* Returning from main, exit(), exit() in another thread: everything the
   * objects owned is gone, though none of them was released. */
  run_to_end (mode, dir, 0);
  g_assert_cmpuint (test_count_entries (dir), ==, 0);
  test_remove_tree (dir);
}

static void
test_exit_keep (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autoptr(GDir) d = NULL;
  const char *name;

  /* delete FALSE: everything is left, with its content. */
  run_to_end ("keep", dir, 0);
  g_assert_cmpuint (test_count_entries (dir), ==, N_NAMED);
  d = g_dir_open (dir, 0, NULL);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_str_has_prefix (name, "file-"))
        test_assert_contents (path, "content");
      else
        g_assert_cmpuint (test_count_entries (path), ==, 2);
    }
  test_remove_tree (dir);
}

/* fork ----------------------------------------------------------------------- */

typedef struct
{
  const char *mode;
  const char *child_ended;   /* "exit 0", "signal 15" */
  guint       removed;       /* what the child removed of the parent's */
} ForkCase;

static const ForkCase fork_cases[] = {
  { "fork-exit", "exit 0", 0 },
  { "fork-dispose", "exit 0", 0 },
  { "fork-sigterm", "signal 15", 0 },
  { "fork-cleanup", "exit 0", 2 },
};

static void
test_fork (gconstpointer data)
{
  const ForkCase *fork_case = data;
  g_autofree char *dir = test_dir_new ();
  g_autofree char *expected = g_strdup_printf ("child %s, entries before %u, after %u",
                                               fork_case->child_ended, N_NAMED,
                                               N_NAMED - fork_case->removed);
  g_autofree char *line = NULL;
  Helper helper = { NULL, };

  /* The child ends; the parent's files are all still there (but for those
   * the child removed explicitly); the parent's own exit removes them. */
  helper_start (&helper, fork_case->mode, dir);
  line = helper_read_line (&helper);
  g_assert_cmpstr (line, ==, expected);
  helper_wait (&helper);
  assert_exited (&helper, 0);
  helper_clear (&helper);

  g_assert_cmpuint (test_count_entries (dir), ==, 0);
  test_remove_tree (dir);
}

/* Signals ------------------------------------------------------------------- */

/* What a signal leaves in @dir: nothing where the platform can list a
 * directory in a signal handler (getdents64). Where it cannot (readdir, on
 * generic POSIX: see doc/guarantees.md), the handler removes every file and
 * every empty directory, and trees are left to the exit pass or the
 * guardian: then at most @trees directories may remain, and nothing else. */
static void
assert_left_after_signal (const char *dir,
                          guint       trees)
{
  g_autoptr(GDir) left = NULL;
  const char *name;
  guint n = 0;

  if (_g_tempfile_sys_can_list_signal_safe ())
    {
      g_assert_cmpuint (test_count_entries (dir), ==, 0);
      return;
    }

  left = g_dir_open (dir, 0, NULL);
  while (left != NULL && (name = g_dir_read_name (left)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_assert_true (g_file_test (path, G_FILE_TEST_IS_DIR));
      n++;
    }
  g_assert_cmpuint (n, <=, trees);
}

static void
test_signal (gconstpointer data)
{
  int signo = GPOINTER_TO_INT (data);
  g_autofree char *dir = test_dir_new ();
  Helper helper = { NULL, };

  /* Every file and tree removed, and the process dies of the signal. */
  helper_start (&helper, "signal", dir);
  helper_ready (&helper);
  g_assert_cmpuint (test_count_entries (dir), ==, N_NAMED);
  g_subprocess_send_signal (helper.process, signo);
  helper_wait (&helper);
  assert_killed_by (&helper, signo);
  helper_clear (&helper);

  assert_left_after_signal (dir, N_TREES);
  test_remove_tree (dir);
}

static void
test_signal_app_handler (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autofree char *line = NULL;
  Helper helper = { NULL, };

  /* The application's own SIGTERM handler is left alone: it runs, the
   * program then exits normally, and the exit removes everything. */
  helper_start (&helper, "app-handler", dir);
  helper_ready (&helper);
  g_subprocess_send_signal (helper.process, SIGTERM);
  line = helper_read_line (&helper);
  g_assert_cmpstr (line, ==, "application handled signal 15");
  helper_wait (&helper);
  assert_exited (&helper, 0);
  helper_clear (&helper);

  g_assert_cmpuint (test_count_entries (dir), ==, 0);
  test_remove_tree (dir);
}

/* A signal while four threads create and remove files and directories as
 * fast as they can: it must neither deadlock nor crash, and it must leave
 * nothing, run after run. */
static void
test_signal_stress (void)
{
  guint runs = test_scaled (200, 2);
  g_autoptr(GRand) rand = g_rand_new ();

  for (guint run = 0; run < runs; run++)
    {
      g_autofree char *dir = test_dir_new ();
      Helper helper = { NULL, };

      helper_start (&helper, "stress", dir);
      helper_ready (&helper);
      g_usleep (g_rand_int_range (rand, 0, 20000));
      g_subprocess_send_signal (helper.process, SIGTERM);
      helper_wait (&helper);
      assert_killed_by (&helper, SIGTERM);
      helper_clear (&helper);

      if (!_g_tempfile_sys_can_list_signal_safe ())
        assert_left_after_signal (dir, N_TREES + 4);   /* and one per churning thread */
      else if (test_count_entries (dir) != 0)
        {
          g_autoptr(GDir) left = g_dir_open (dir, 0, NULL);
          g_autoptr(GString) names = g_string_new (NULL);
          const char *name;

          while ((name = g_dir_read_name (left)) != NULL)
            g_string_append_printf (names, " %s", name);
          g_error ("run %u left:%s", run, names->str);
        }
      test_remove_tree (dir);
    }
}

/* SIGKILL cannot be handled: anonymous files leave nothing anyway, named
 * files and directories are left behind (as documented). */
static void
test_sigkill (void)
{
  g_autofree char *dir = test_dir_new ();
  Helper helper = { NULL, };

  helper_start (&helper, "sigkill", dir);
  helper_ready (&helper);
  g_subprocess_send_signal (helper.process, SIGKILL);
  helper_wait (&helper);
  assert_killed_by (&helper, SIGKILL);
  helper_clear (&helper);

  g_assert_cmpuint (test_count_entries (dir), ==, N_NAMED);
  test_remove_tree (dir);
}

static void
test_install_twice (void)
{
  struct sigaction before, after;

  /* In this process SIGTERM is the default: installing takes it; again is
   * fine and changes nothing. */
  g_assert_true (g_tempfile_install_signal_handlers ());
  g_assert_no_errno (sigaction (SIGTERM, NULL, &before));
  g_assert_true (before.sa_handler != SIG_DFL);
  g_assert_true (g_tempfile_install_signal_handlers ());
  g_assert_no_errno (sigaction (SIGTERM, NULL, &after));
  g_assert_true (after.sa_handler == before.sa_handler);
}

static void
test_install_ignored (void)
{
  if (g_test_subprocess ())
    {
      struct sigaction action;

      /* nohup: every signal ignored. Nothing is taken, and the answer says
       * so. */
      signal (SIGINT, SIG_IGN);
      signal (SIGTERM, SIG_IGN);
      signal (SIGHUP, SIG_IGN);
      g_assert_false (g_tempfile_install_signal_handlers ());
      g_assert_no_errno (sigaction (SIGHUP, NULL, &action));
      g_assert_true (action.sa_handler == SIG_IGN);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

/* The handler runs while another thread is in the middle of creating a file:
 * it must wait for that attempt and remove the file, not skip it. */
typedef struct
{
  GMutex    lock;
  GCond     cond;
  gboolean  created;
  char     *path;
} Lingering;

static gintptr
create_and_linger (const char *path,
                   gpointer    user_data)
{
  Lingering *lingering = user_data;
  int fd = _g_tempfile_sys_create_file (path, FALSE);

  g_mutex_lock (&lingering->lock);
  lingering->created = TRUE;
  lingering->path = g_strdup (path);
  g_cond_signal (&lingering->cond);
  g_mutex_unlock (&lingering->lock);

  /* Still "being created" while the signal is handled elsewhere. */
  g_usleep (G_USEC_PER_SEC / 2);
  return fd;
}

static gpointer
creating_thread (gpointer user_data)
{
  GTempfileSlot *slot = NULL;

  _g_tempfile_create (g_getenv ("TEST_DIR"), "lingering-", "", G_TEMPFILE_KIND_FILE,
                      create_and_linger, user_data, &slot, NULL, NULL);
  return NULL;
}

static void
test_signal_while_creating (void)
{
  if (g_test_subprocess ())
    {
      Lingering lingering = { { 0, }, { 0, }, FALSE, NULL };
      g_autofree char *marker = g_build_filename (g_getenv ("TEST_DIR"), "path-of-file", NULL);

      g_assert_true (g_tempfile_install_signal_handlers ());
      g_thread_new ("creating", creating_thread, &lingering);

      g_mutex_lock (&lingering.lock);
      while (!lingering.created)
        g_cond_wait (&lingering.cond, &lingering.lock);
      g_mutex_unlock (&lingering.lock);

      test_write_file (marker, lingering.path);
      /* Handled in this thread; the other one has the signal blocked. */
      raise (SIGTERM);
      g_assert_not_reached ();
    }
  else
    {
      g_autofree char *dir = test_dir_new ();
      g_autofree char *marker = g_build_filename (dir, "path-of-file", NULL);
      g_autofree char *path = NULL;

      g_setenv ("TEST_DIR", dir, TRUE);
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_failed ();

      path = test_read_file (marker);
      g_assert_true (g_str_has_prefix (path, dir));
      g_assert_false (test_exists (path));
      g_assert_cmpuint (test_count_entries (dir), ==, 1);
      test_remove_tree (dir);
    }
}

/* A signal that comes while another thread's exit pass is removing a tree:
 * the handler must finish that removal before the process dies of the
 * signal, not leave the rest of the tree behind. */
static pthread_t exiting_thread;
static int signalled;

static void
signal_main_thread_once (GTempfileRmtreeEvent  event,
                         GTempfileSysHandle                   dir_fd,
                         const char           *name,
                         gpointer              user_data)
{
  pthread_t *main_thread = user_data;

  /* Also called by the handler's own walk, in the main thread: only the
   * exiting thread acts (pthread_self is async-signal-safe). */
  if (!pthread_equal (pthread_self (), exiting_thread) ||
      !g_atomic_int_compare_and_exchange (&signalled, 0, 1))
    return;

  pthread_kill (*main_thread, SIGTERM);
  /* The exit pass stops here for good: only the handler can finish. */
  for (;;)
    pause ();
}

static gpointer
exit_with_sigterm_blocked (gpointer user_data)
{
  sigset_t term;

  sigemptyset (&term);
  sigaddset (&term, SIGTERM);
  pthread_sigmask (SIG_BLOCK, &term, NULL);
  exiting_thread = pthread_self ();
  exit (0);
}

static void
test_signal_during_exit (void)
{
  if (g_test_subprocess ())
    {
      static pthread_t main_thread;
      GTempDir *tree = g_temp_dir_new_full (g_getenv ("TEST_DIR"), "tree-", NULL,
                                            G_TEMP_DIR_FLAGS_NONE, NULL, NULL);

      g_assert_nonnull (tree);
      for (guint i = 0; i < 200; i++)
        {
          g_autofree char *name = g_strdup_printf ("file-%u", i);
          g_autofree char *path = g_build_filename (g_temp_dir_get_path (tree), name, NULL);

          test_write_file (path, "x");
        }
      g_assert_true (g_tempfile_install_signal_handlers ());
      main_thread = pthread_self ();
      _g_tempfile_set_rmtree_hook_for_testing (signal_main_thread_once, &main_thread);
      g_thread_new ("exiting", exit_with_sigterm_blocked, NULL);
      for (;;)
        pause ();
    }
  else
    {
      g_autofree char *dir = test_dir_new ();

      g_setenv ("TEST_DIR", dir, TRUE);
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
      /* Died of SIGTERM (exit() would have passed), with nothing left. */
      g_test_trap_assert_failed ();
      assert_left_after_signal (dir, 1);
      test_remove_tree (dir);
    }
}

/* Once the handlers are installed, creating blocks the three signals for
 * the attempt; before, it does not (two system calls saved), and installing
 * the handlers waits for attempts already under way. Either way the
 * caller's signal mask is given back. */
static gpointer
install_in_thread (gpointer user_data)
{
  int *installed = user_data;

  g_assert_true (g_tempfile_install_signal_handlers ());
  g_atomic_int_set (installed, 1);
  return NULL;
}

static gintptr
create_checking_mask (const char *path,
                      gpointer    user_data)
{
  GThread **installer = user_data;
  static int installed;
  sigset_t during;
  gboolean handlers = installer == NULL;

  g_assert_no_errno (pthread_sigmask (SIG_BLOCK, NULL, &during));
  g_assert_true (sigismember (&during, SIGUSR1));
  g_assert_cmpint (sigismember (&during, SIGTERM), ==, handlers);
  g_assert_cmpint (sigismember (&during, SIGINT), ==, handlers);
  g_assert_cmpint (sigismember (&during, SIGHUP), ==, handlers);

  if (installer != NULL)
    {
      /* Installed from another thread in the middle of this attempt: it
       * must wait until the attempt is over. */
      *installer = g_thread_new ("installer", install_in_thread, &installed);
      g_usleep (G_USEC_PER_SEC / 5);
      g_assert_cmpint (g_atomic_int_get (&installed), ==, 0);
    }
  return _g_tempfile_sys_create_file (path, FALSE);
}

static void
test_signal_mask_kept (void)
{
  if (g_test_subprocess ())
    {
      const char *dir = g_getenv ("TEST_DIR");
      sigset_t usr1, after;

      sigemptyset (&usr1);
      sigaddset (&usr1, SIGUSR1);
      g_assert_no_errno (pthread_sigmask (SIG_BLOCK, &usr1, NULL));

      for (guint attempt = 0; attempt < 2; attempt++)
        {
          GThread *installer = NULL;
          GTempfileSlot *slot = NULL;
          g_autofree char *path = NULL;
          g_autoptr(GError) error = NULL;
          int fd;

          /* The first attempt has the handlers installed halfway. */
          fd = _g_tempfile_create (dir, "mask-", "", G_TEMPFILE_KIND_FILE,
                                   create_checking_mask, attempt == 0 ? &installer : NULL,
                                   &slot, &path, &error);
          g_assert_no_error (error);
          g_assert_cmpint (fd, >=, 0);
          if (installer != NULL)
            g_thread_join (installer);

          g_assert_no_errno (pthread_sigmask (SIG_BLOCK, NULL, &after));
          g_assert_true (sigismember (&after, SIGUSR1));
          g_assert_false (sigismember (&after, SIGTERM));
          g_assert_false (sigismember (&after, SIGINT));
          g_assert_false (sigismember (&after, SIGHUP));

          close (fd);
          g_assert_no_errno (unlink (path));
          _g_tempfile_registry_release (slot);
        }
    }
  else
    {
      g_autofree char *dir = test_dir_new ();

      test_trap_with_dir (dir);
      g_assert_cmpuint (test_count_entries (dir), ==, 0);
      test_remove_tree (dir);
    }
}

/* Threads -------------------------------------------------------------------- */

typedef struct
{
  const char *dir;
  guint       cycles;
  GMutex      lock;
  GHashTable *names;
  guint       repeated;
  guint       errors;
} Churn;

static void
note_name (Churn      *churn,
           const char *path)
{
  g_mutex_lock (&churn->lock);
  if (!g_hash_table_add (churn->names, g_path_get_basename (path)))
    churn->repeated++;
  g_mutex_unlock (&churn->lock);
}

static gpointer
churn_thread (gpointer data)
{
  Churn *churn = data;
  char buffer[64];

  memset (buffer, 'x', sizeof buffer);
  for (guint i = 0; i < churn->cycles; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GTempFile) named = NULL;
      g_autoptr(GTempFile) anonymous = NULL;
      g_autoptr(GTempDir) tmp = NULL;
      g_autoptr(GSpooledStream) spool = NULL;

      named = g_temp_file_new_full (churn->dir, NULL, NULL, G_TEMP_FILE_FLAGS_NONE, NULL, &error);
      anonymous = g_temp_file_new_full (churn->dir, NULL, NULL, G_TEMP_FILE_FLAGS_ANONYMOUS,
                                        NULL, error == NULL ? &error : NULL);
      tmp = g_temp_dir_new_full (churn->dir, NULL, NULL, G_TEMP_DIR_FLAGS_NONE, NULL,
                                 error == NULL ? &error : NULL);
      spool = g_spooled_stream_new_full (16, churn->dir, NULL, NULL);
      if (error != NULL)
        {
          g_atomic_int_inc (&churn->errors);
          continue;
        }
      note_name (churn, g_temp_file_get_path (named));
      note_name (churn, g_temp_dir_get_path (tmp));

      if (!g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (named)),
                                      buffer, sizeof buffer, NULL, NULL, NULL) ||
          !g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (anonymous)),
                                      buffer, sizeof buffer, NULL, NULL, NULL) ||
          !g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (spool)),
                                      buffer, sizeof buffer, NULL, NULL, NULL) ||
          !g_spooled_stream_is_rolled_over (spool) ||
          !g_io_stream_close (G_IO_STREAM (named), NULL, NULL) ||
          !g_temp_dir_cleanup (tmp, NULL, NULL))
        g_atomic_int_inc (&churn->errors);
    }
  return NULL;
}

/* 8 threads, each cycle creating, writing, closing and removing one of each
 * kind: no error, no name given twice, nothing left, no descriptor lost. */
static void
test_threads (void)
{
  g_autofree char *dir = test_dir_new ();
  Churn churn = { dir, test_scaled (5000, 100), { 0, }, NULL, 0, 0 };
  Churn warm_up = { dir, 10, { 0, }, NULL, 0, 0 };
  GThread *threads[8];
  guint fds_before;

  g_mutex_init (&churn.lock);
  churn.names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  /* GLib opens a few descriptors once, the first time they are needed (the
   * default main context's wakeup, for instance): count after those. */
  g_mutex_init (&warm_up.lock);
  warm_up.names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_thread_join (g_thread_new ("warm-up", churn_thread, &warm_up));
  g_hash_table_unref (warm_up.names);
  g_mutex_clear (&warm_up.lock);
  fds_before = test_count_fds ();

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("churn", churn_thread, &churn);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);

  g_assert_cmpuint (churn.errors, ==, 0);
  /* 80 000 names from 37^8: a repeat by chance is about 1 in 1000; a
   * generator shared badly between threads would repeat thousands. */
  g_test_message ("%u names, %u repeated", g_hash_table_size (churn.names), churn.repeated);
  g_assert_cmpuint (churn.repeated, <=, 2);
  g_assert_cmpuint (test_count_entries (dir), ==, 0);
  g_assert_cmpuint (test_count_fds (), ==, fds_before);

  g_hash_table_unref (churn.names);
  g_mutex_clear (&churn.lock);
  test_remove_tree (dir);
}

static void
create_and_remove (const char *dir,
                   guint       cycles)
{
  for (guint i = 0; i < cycles; i++)
    {
      g_autoptr(GTempFile) file = g_temp_file_new_full (dir, NULL, NULL, G_TEMP_FILE_FLAGS_NONE,
                                                        NULL, NULL);
      g_autoptr(GTempDir) tmp = g_temp_dir_new_full (dir, NULL, NULL, G_TEMP_DIR_FLAGS_NONE,
                                                     NULL, NULL);

      g_assert_nonnull (file);
      g_assert_nonnull (tmp);
    }
}

#ifndef __has_feature
#define __has_feature(x) 0
#endif

static gboolean
rss_is_meaningful (void)
{
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer)
  return FALSE;
#else
  return g_getenv ("GTEMPFILE_TEST_QUICK") == NULL;
#endif
}

/* A long-running process that creates and removes all the time: descriptors
 * and memory stay flat. */
static void
test_cycles (void)
{
  g_autofree char *dir = test_dir_new ();
  guint fds;
  gsize rss;

  create_and_remove (dir, test_scaled (10000, 200));
  fds = test_count_fds ();
  rss = test_resident_bytes ();

  create_and_remove (dir, test_scaled (100000, 2000));
  g_assert_cmpuint (test_count_fds (), ==, fds);
  g_test_message ("resident memory: %" G_GSIZE_FORMAT " then %" G_GSIZE_FORMAT " bytes",
                  rss, test_resident_bytes ());
  /* Under valgrind its own caches grow with the code it runs, and
   * AddressSanitizer keeps freed memory in quarantine (256 MiB) on purpose:
   * only the descriptors say something there. */
  if (rss_is_meaningful ())
    g_assert_cmpuint (test_resident_bytes (), <, rss + 2 * 1024 * 1024);
  g_assert_cmpuint (test_count_entries (dir), ==, 0);
  test_remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

  g_test_add_data_func ("/lifetime/exit/return", "return", test_exit);
  g_test_add_data_func ("/lifetime/exit/exit", "exit", test_exit);
  g_test_add_data_func ("/lifetime/exit/exit-in-thread", "exit-thread", test_exit);
  g_test_add_func ("/lifetime/exit/keep", test_exit_keep);
  g_test_add_data_func ("/lifetime/fork/child-exits", &fork_cases[0], test_fork);
  g_test_add_data_func ("/lifetime/fork/child-disposes", &fork_cases[1], test_fork);
  g_test_add_data_func ("/lifetime/fork/child-sigterm", &fork_cases[2], test_fork);
  g_test_add_data_func ("/lifetime/fork/child-cleanup", &fork_cases[3], test_fork);
  g_test_add_data_func ("/lifetime/signal/sigterm", GINT_TO_POINTER (SIGTERM), test_signal);
  g_test_add_data_func ("/lifetime/signal/sigint", GINT_TO_POINTER (SIGINT), test_signal);
  g_test_add_data_func ("/lifetime/signal/sighup", GINT_TO_POINTER (SIGHUP), test_signal);
  g_test_add_func ("/lifetime/signal/app-handler", test_signal_app_handler);
  g_test_add_func ("/lifetime/signal/stress", test_signal_stress);
  g_test_add_func ("/lifetime/signal/while-creating", test_signal_while_creating);
  g_test_add_func ("/lifetime/signal/during-exit", test_signal_during_exit);
  g_test_add_func ("/lifetime/signal/mask-kept", test_signal_mask_kept);
  g_test_add_func ("/lifetime/signal/sigkill", test_sigkill);
  g_test_add_func ("/lifetime/signal/install-twice", test_install_twice);
  g_test_add_func ("/lifetime/signal/install-ignored", test_install_ignored);
  g_test_add_func ("/lifetime/threads", test_threads);
  g_test_add_func ("/lifetime/cycles", test_cycles);

  return g_test_run ();
}
