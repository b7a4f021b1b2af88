/* lifetime-helper.c: a program that ends in the ways test-lifetime checks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   lifetime-helper MODE DIR
 *
 * Creates named temporary files (with content), temporary directories (with
 * trees inside), an anonymous file and a spooled stream in DIR, prints
 * "ready", and then ends as MODE says. The objects are kept in a global
 * array and never released, as a program that forgets them would: only the
 * library's exit and signal handling removes them.
 */

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include <gtempfile.h>

#define N_FILES 3
#define N_DIRS 2

static GObject *kept[32];
static guint n_kept;
static const char *dir;

static void
check (gboolean    ok,
       const char *what)
{
  if (!ok)
    {
      g_printerr ("lifetime-helper: %s failed\n", what);
      exit (99);
    }
}

static void
keep_object (gpointer object)
{
  check (object != NULL && n_kept < G_N_ELEMENTS (kept), "creating an object");
  kept[n_kept++] = object;
}

static void
fill_tree (const char *root)
{
  g_autofree char *sub = g_build_filename (root, "sub", NULL);
  g_autofree char *file = g_build_filename (root, "a-file", NULL);
  g_autofree char *deeper = g_build_filename (sub, "deeper", NULL);

  check (g_mkdir (sub, 0700) == 0, "mkdir");
  check (g_mkdir (deeper, 0700) == 0, "mkdir");
  check (g_file_set_contents (file, "in a tree", -1, NULL), "writing a file");
  g_free (file);
  file = g_build_filename (deeper, "deep-file", NULL);
  check (g_file_set_contents (file, "deeper", -1, NULL), "writing a file");
}

/* What a program leaves behind if nothing cleans up: N_FILES + N_DIRS
 * entries in dir. */
static void
populate (gboolean keep)
{
  GTempFileFlags file_flags = keep ? G_TEMP_FILE_FLAGS_KEEP : G_TEMP_FILE_FLAGS_NONE;
  GTempDirFlags dir_flags = keep ? G_TEMP_DIR_FLAGS_KEEP : G_TEMP_DIR_FLAGS_NONE;
  GSpooledStream *spool;

  for (guint i = 0; i < N_FILES; i++)
    {
      GTempFile *file = g_temp_file_new_full (dir, "file-", ".txt", file_flags, NULL, NULL);
      GOutputStream *out;

      keep_object (file);
      out = g_io_stream_get_output_stream (G_IO_STREAM (file));
      check (g_output_stream_write_all (out, "content", 7, NULL, NULL, NULL), "writing");
    }

  for (guint i = 0; i < N_DIRS; i++)
    {
      GTempDir *tmp = g_temp_dir_new_full (dir, "dir-", NULL, dir_flags, NULL, NULL);

      keep_object (tmp);
      fill_tree (g_temp_dir_get_path (tmp));
    }

  /* These leave nothing, whatever happens. */
  keep_object (g_temp_file_new_full (dir, NULL, NULL, G_TEMP_FILE_FLAGS_ANONYMOUS, NULL, NULL));
  spool = g_spooled_stream_new_full (4, dir, NULL, NULL);
  keep_object (spool);
  check (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (spool)),
                                    "spooled", 7, NULL, NULL, NULL), "spooling");
  check (g_spooled_stream_is_rolled_over (spool), "rolling over");
}

static guint
count_entries (void)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (d != NULL && g_dir_read_name (d) != NULL)
    n++;
  return n;
}

static void
ready (void)
{
  printf ("ready\n");
  fflush (stdout);
}

static void
wait_forever (void)
{
  for (;;)
    pause ();
}

static gpointer
exit_from_thread (gpointer data)
{
  exit (0);
}

/* fork: the child ends as @how says; the parent checks that everything of
 * its own is still there, then returns from main. */
static int
fork_and (const char *how)
{
  guint before = count_entries ();
  pid_t pid;
  int status;

  pid = fork ();
  check (pid >= 0, "fork");
  if (pid == 0)
    {
      if (strcmp (how, "exit") == 0)
        exit (0);
      if (strcmp (how, "dispose") == 0)
        {
          /* Closing first applies delete-on-close; then disposing. */
          for (guint i = 0; i < n_kept; i++)
            {
              if (G_IS_IO_STREAM (kept[i]))
                g_io_stream_close (G_IO_STREAM (kept[i]), NULL, NULL);
              g_clear_object (&kept[i]);
            }
          exit (0);
        }
      if (strcmp (how, "sigterm") == 0)
        {
          raise (SIGTERM);
          wait_forever ();
        }
      if (strcmp (how, "cleanup") == 0)
        {
          /* Explicit cleanup is the child's own decision: it works. */
          g_temp_file_cleanup (G_TEMP_FILE (kept[0]), NULL, NULL);
          g_temp_dir_cleanup (G_TEMP_DIR (kept[N_FILES]), NULL, NULL);
          exit (0);
        }
      exit (98);
    }

  check (waitpid (pid, &status, 0) == pid, "waitpid");
  printf ("child %s %d, entries before %u, after %u\n",
          WIFSIGNALED (status) ? "signal" : "exit",
          WIFSIGNALED (status) ? WTERMSIG (status) : WEXITSTATUS (status),
          before, count_entries ());
  fflush (stdout);
  return 0;
}

/* Threads that create and remove objects as fast as they can, while the
 * test sends a signal at some point. */
static gpointer
churn (gpointer data)
{
  guint round = 0;

  for (;;)
    {
      g_autoptr(GTempFile) file = g_temp_file_new_full (dir, "churn-", NULL,
                                                        round % 3 == 0
                                                        ? G_TEMP_FILE_FLAGS_KEEP_ON_CLOSE
                                                        : G_TEMP_FILE_FLAGS_NONE,
                                                        NULL, NULL);
      g_autoptr(GTempDir) tmp = g_temp_dir_new_full (dir, "churn-", NULL,
                                                     G_TEMP_DIR_FLAGS_NONE, NULL, NULL);
      g_autofree char *inside = NULL;

      if (file == NULL || tmp == NULL)
        continue;
      inside = g_build_filename (g_temp_dir_get_path (tmp), "x", NULL);
      g_file_set_contents (inside, "x", 1, NULL);
      g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (file)),
                                 "churn", 5, NULL, NULL, NULL);
      if (round % 2 == 0)
        g_io_stream_close (G_IO_STREAM (file), NULL, NULL);
      round++;
    }
  return NULL;
}

static volatile sig_atomic_t app_signal;

static void
app_handler (int signo)
{
  app_signal = signo;
}

int
main (int   argc,
      char *argv[])
{
  const char *mode;

  if (argc != 3)
    {
      g_printerr ("Usage: %s MODE DIR\n", argv[0]);
      return 2;
    }
  mode = argv[1];
  dir = argv[2];

  if (strcmp (mode, "return") == 0)
    {
      populate (FALSE);
      return 0;
    }
  if (strcmp (mode, "exit") == 0)
    {
      populate (FALSE);
      exit (0);
    }
  if (strcmp (mode, "exit-thread") == 0)
    {
      populate (FALSE);
      g_thread_new ("exit", exit_from_thread, NULL);
      wait_forever ();
    }
  if (strcmp (mode, "keep") == 0)
    {
      populate (TRUE);
      return 0;
    }
  if (g_str_has_prefix (mode, "fork-"))
    {
      /* Handlers too, so that a child's signal would find them. */
      check (g_tempfile_install_signal_handlers (), "installing the handlers");
      populate (FALSE);
      return fork_and (mode + strlen ("fork-"));
    }
  if (strcmp (mode, "signal") == 0)
    {
      check (g_tempfile_install_signal_handlers (), "installing the handlers");
      populate (FALSE);
      ready ();
      wait_forever ();
    }
  if (strcmp (mode, "app-handler") == 0)
    {
      struct sigaction action = { 0, };
      struct sigaction after;
      sigset_t term, unblocked;

      action.sa_handler = app_handler;
      sigemptyset (&action.sa_mask);
      check (sigaction (SIGTERM, &action, NULL) == 0, "sigaction");
      check (g_tempfile_install_signal_handlers (), "installing the handlers");
      check (sigaction (SIGTERM, NULL, &after) == 0 && after.sa_handler == app_handler,
             "leaving the application's handler alone");
      populate (FALSE);

      /* Blocked until sigsuspend: a signal that comes before is not lost. */
      sigemptyset (&term);
      sigaddset (&term, SIGTERM);
      sigprocmask (SIG_BLOCK, &term, &unblocked);
      sigdelset (&unblocked, SIGTERM);
      ready ();
      while (app_signal == 0)
        sigsuspend (&unblocked);
      printf ("application handled signal %d\n", (int) app_signal);
      fflush (stdout);
      return 0;
    }
  if (strcmp (mode, "stress") == 0)
    {
      check (g_tempfile_install_signal_handlers (), "installing the handlers");
      populate (FALSE);
      for (guint i = 0; i < 4; i++)
        g_thread_new ("churn", churn, NULL);
      ready ();
      wait_forever ();
    }
  if (strcmp (mode, "sigkill") == 0)
    {
      populate (FALSE);
      ready ();
      wait_forever ();
    }

  g_printerr ("lifetime-helper: unknown mode %s\n", mode);
  return 2;
}
