/* guardian-helper.c: a program that installs the guardian and then dies
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   guardian-helper MODE DIR WATCH
 *
 * WATCH is "pidfd" (the guardian as the system gives it), "pipe" (the
 * fallbacks of a system without memfd and pidfd, through the test hook) or
 * "env" (no call: GTEMPFILE_GUARDIAN=1 must do it). The helper creates 50
 * named files ("child-*") and 5 trees of 200 entries ("tree-*", one
 * directory of mode 0000 inside each), forks a grandchild that lets go of
 * what it inherited and creates its own ("grandchild-*"), prints
 * "ready GUARDIAN-PID GRANDCHILD-PID" and ends as MODE says:
 *
 *   sigkill   waits for the test's SIGKILL (what the OOM killer sends too)
 *   sigterm   installs the library's signal handlers, waits for the test's
 *             SIGTERM: the handler removes what it can (on readdir
 *             platforms files and empty directories), the guardian the rest
 *   sigterm-failing   the same, with every unlink of the process failing
 *   oom       waits for SIGUSR1, then allocates memory until the OOM killer
 *             ends it (the test has put it in a small memory control group)
 *   sigsegv   dereferences NULL
 *   abort     abort()
 *   _exit     _exit(3): no exit handlers
 *   exit      exit(0): the library removes everything itself
 *   exec      execs "sleep 1": the process goes on, the program is another
 *   swap      before waiting for SIGKILL, puts a symlink and another
 *             directory where two trees were, and a symlink where a file was
 *   stress    4 threads create and remove without pause until SIGKILL
 *   stress-install   the same, with the guardian installed while they run
 *   hold      keeps running with stdout and descriptor 7 closed
 *
 * The objects are never released, as in a program that dies.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "gtempfile.h"
#include "gtempfile-guardian-private.h"
#include "gtempfile-platform-private.h"

#define N_FILES 50
#define N_TREES 5
#define TREE_ENTRIES 200
#define MIB (1024 * 1024)

static GPtrArray *kept;
static const char *dir;

static void
check (gboolean    ok,
       const char *what)
{
  if (!ok)
    {
      g_printerr ("guardian-helper: %s failed: %s\n", what, g_strerror (errno));
      _exit (99);
    }
}

static void
write_file (const char *path)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

  check (fd >= 0, "creating a file in a tree");
  check (write (fd, "x", 1) == 1, "writing");
  close (fd);
}

/* 200 entries: 151 files, a directory with 48 files, mode 0000 at the end. */
static void
fill_tree (const char *root)
{
  g_autofree char *locked = g_build_filename (root, "locked", NULL);

  for (guint i = 0; i < TREE_ENTRIES - 49; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s/file-%u", root, i);

      write_file (name);
    }
  check (g_mkdir (locked, 0700) == 0, "mkdir");
  for (guint i = 0; i < 48; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s/inner-%u", locked, i);

      write_file (name);
    }
  check (chmod (locked, 0000) == 0, "chmod");
}

static void
populate (const char *file_prefix,
          const char *tree_prefix,
          guint       n_files,
          guint       n_trees)
{
  for (guint i = 0; i < n_files; i++)
    {
      g_autoptr(GError) error = NULL;
      GTempFile *file = g_temp_file_new_full (dir, file_prefix, NULL, G_TEMP_FILE_FLAGS_NONE,
                                              NULL, &error);

      check (file != NULL, "creating a GTempFile");
      g_ptr_array_add (kept, file);
    }
  for (guint i = 0; i < n_trees; i++)
    {
      g_autoptr(GError) error = NULL;
      GTempDir *tree = g_temp_dir_new_full (dir, tree_prefix, NULL, G_TEMP_DIR_FLAGS_NONE,
                                            NULL, &error);

      check (tree != NULL, "creating a GTempDir");
      fill_tree (g_temp_dir_get_path (tree));
      g_ptr_array_add (kept, tree);
    }
}

static void
wait_forever (void)
{
  for (;;)
    pause ();
}

/* The grandchild: lets go of what it inherited (which must not touch the
 * parent's guardian), creates its own, and outlives its parent. */
static pid_t
fork_grandchild (void)
{
  int ready[2];
  char byte;
  pid_t pid;

  check (pipe (ready) == 0, "pipe");
  pid = fork ();
  check (pid >= 0, "fork");
  if (pid == 0)
    {
      int null = open ("/dev/null", O_WRONLY);

      close (ready[0]);
      /* Disposing and closing inherited objects releases their slots in
       * this process's registry. */
      for (guint i = 0; i < kept->len; i++)
        {
          if (G_IS_IO_STREAM (kept->pdata[i]))
            g_io_stream_close (kept->pdata[i], NULL, NULL);
          g_object_unref (kept->pdata[i]);
        }
      g_ptr_array_set_size (kept, 0);
      populate ("grandchild-", "grandchild-", 3, 1);
      check (write (ready[1], "g", 1) == 1, "write");
      close (ready[1]);
      /* Holds none of the test's pipes. */
      dup2 (null, STDOUT_FILENO);
      dup2 (null, STDERR_FILENO);
      wait_forever ();
    }

  close (ready[1]);
  check (read (ready[0], &byte, 1) == 1, "waiting for the grandchild");
  close (ready[0]);
  return pid;
}

static gpointer
churn (gpointer data)
{
  for (guint round = 0;; round++)
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
      if (round % 2 == 0)
        g_io_stream_close (G_IO_STREAM (file), NULL, NULL);
    }
  return NULL;
}

static void
install (const char *watch)
{
  g_autoptr(GError) error = NULL;

  /* GTEMPFILE_GUARDIAN=1: the first registration installs it (checked
   * in ready()). */
  if (strcmp (watch, "env") == 0)
    return;
  _g_tempfile_set_guardian_fallbacks_for_testing (strcmp (watch, "pipe") == 0);
  if (!g_tempfile_install_guardian (&error))
    {
      g_printerr ("guardian-helper: %s\n", error->message);
      _exit (99);
    }
#if defined(HAVE_PIDFD_OPEN) || defined(HAVE_SYS_PIDFD_OPEN)
  /* The library's configuration says pidfds are there (a kernel older than
   * 5.3 would make this fail, rightly: the test would not test them).
   * Valgrind 3.19 does not know pidfd_open: the guardian falls back to the
   * pipe at run time, as it must. */
  if (g_getenv ("GTEMPFILE_TEST_QUICK") == NULL || strcmp (watch, "pipe") == 0)
    check (_g_tempfile_guardian_uses_pidfd_for_testing () == (strcmp (watch, "pidfd") == 0),
           "watching as asked");
#else
  check (!_g_tempfile_guardian_uses_pidfd_for_testing (), "watching with the pipe");
#endif
}

static void
ready (pid_t grandchild)
{
  check (_g_tempfile_get_guardian_pid_for_testing () > 0, "installing the guardian");
  printf ("ready %ld %ld\n", (long) _g_tempfile_get_guardian_pid_for_testing (),
          (long) grandchild);
  fflush (stdout);
}

/* Puts a symlink to "victim" (a directory beside DIR) where the first tree
 * was, another directory where the second was, and a symlink to
 * "victim-file" where the first file was. */
static void
swap (void)
{
  g_autofree char *parent = g_path_get_dirname (dir);
  g_autofree char *victim = g_build_filename (parent, "victim", NULL);
  g_autofree char *victim_file = g_build_filename (parent, "victim-file", NULL);
  const char *tree1 = NULL, *tree2 = NULL, *file1 = NULL;

  for (guint i = 0; i < kept->len; i++)
    {
      if (G_IS_TEMP_DIR (kept->pdata[i]))
        {
          if (tree1 == NULL)
            tree1 = g_temp_dir_get_path (kept->pdata[i]);
          else if (tree2 == NULL)
            tree2 = g_temp_dir_get_path (kept->pdata[i]);
        }
      else if (file1 == NULL)
        file1 = g_temp_file_get_path (kept->pdata[i]);
    }

  {
    g_autofree char *moved1 = g_strconcat (tree1, ".moved", NULL);
    g_autofree char *moved2 = g_strconcat (tree2, ".moved", NULL);
    g_autofree char *moved3 = g_strconcat (file1, ".moved", NULL);
    g_autofree char *inside = g_build_filename (tree2, "replacement-file", NULL);

    check (rename (tree1, moved1) == 0, "rename");
    check (symlink (victim, tree1) == 0, "symlink");
    check (rename (tree2, moved2) == 0, "rename");
    check (g_mkdir (tree2, 0700) == 0, "mkdir");
    write_file (inside);
    check (rename (file1, moved3) == 0, "rename");
    check (symlink (victim_file, file1) == 0, "symlink");
  }
}

int
main (int   argc,
      char *argv[])
{
  struct rlimit no_core = { 0, 0 };
  const char *mode;
  const char *watch;
  pid_t grandchild = 0;
  sigset_t go;

  if (argc != 4)
    {
      g_printerr ("Usage: %s MODE DIR WATCH\n", argv[0]);
      return 2;
    }
  mode = argv[1];
  dir = argv[2];
  watch = argv[3];
  kept = g_ptr_array_new ();
  /* Crashing on purpose: no core file. */
  setrlimit (RLIMIT_CORE, &no_core);
  /* Started by a non-interactive shell, SIGINT could be ignored: the test
   * relies on defaults. */
  signal (SIGINT, SIG_DFL);
  signal (SIGQUIT, SIG_DFL);

  if (g_str_has_prefix (mode, "stress"))
    {
      gboolean late = strcmp (mode, "stress-install") == 0;

      if (!late)
        install (watch);
      for (guint i = 0; i < 4; i++)
        g_thread_new ("churn", churn, NULL);
      if (late)
        {
          g_usleep (G_USEC_PER_SEC / 100);
          install (watch);
        }
      populate ("child-", "tree-", 5, 1);
      ready (0);
      wait_forever ();
    }

  if (strcmp (mode, "hold") == 0)
    {
      int null = open ("/dev/null", O_WRONLY);

      install (watch);
      ready (0);
      /* The test reads stdout and descriptor 7 to their end while this
       * process lives: only the guardian could hold them open now. */
      dup2 (null, STDOUT_FILENO);
      close (7);
      wait_forever ();
    }

  install (watch);
  populate ("child-", "tree-", N_FILES, N_TREES);
  grandchild = fork_grandchild ();
  if (strcmp (mode, "swap") == 0)
    swap ();
  if (g_str_has_prefix (mode, "sigterm"))
    {
      check (g_tempfile_install_signal_handlers (), "installing the signal handlers");
      if (strcmp (mode, "sigterm-failing") == 0)
        _g_tempfile_sys_fail_unlink_for_testing (EBUSY, G_MAXINT);
    }
  /* Blocked before "ready": the test's SIGUSR1 waits for sigwait(). */
  sigemptyset (&go);
  sigaddset (&go, SIGUSR1);
  if (strcmp (mode, "oom") == 0)
    sigprocmask (SIG_BLOCK, &go, NULL);
  ready (grandchild);

  if (strcmp (mode, "sigkill") == 0 || strcmp (mode, "swap") == 0 ||
      g_str_has_prefix (mode, "sigterm"))
    wait_forever ();
  if (strcmp (mode, "oom") == 0)
    {
      int signo;

      check (sigwait (&go, &signo) == 0, "waiting for SIGUSR1");
      /* Kept, so that no allocation can be optimised away. */
      for (;;)
        {
          char *chunk = malloc (MIB);

          check (chunk != NULL, "allocating");
          memset (chunk, 1, MIB);
          g_ptr_array_add (kept, chunk);
        }
    }
  if (strcmp (mode, "sigsegv") == 0)
    {
      volatile int *volatile nowhere = NULL;

      *nowhere = 1;
      raise (SIGSEGV);
    }
  if (strcmp (mode, "abort") == 0)
    abort ();
  if (strcmp (mode, "_exit") == 0)
    _exit (3);
  if (strcmp (mode, "exit") == 0)
    exit (0);
  if (strcmp (mode, "exec") == 0)
    {
      execl ("/bin/sh", "sh", "-c", "sleep 1", (char *) NULL);
      check (FALSE, "exec");
    }

  g_printerr ("guardian-helper: unknown mode %s\n", mode);
  return 2;
}
