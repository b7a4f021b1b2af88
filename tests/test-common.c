/* test-common.c: helpers shared by the C test programs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "test-common.h"

/* Uid and gid of "nobody" on Debian. */
#define UNPRIVILEGED_ID 65534

static int
remove_entry (const char        *path,
              const struct stat *st,
              int                type,
              struct FTW        *ftw)
{
  if (type == FTW_DP)
    chmod (path, 0700);
  if (remove (path) != 0 && errno != ENOENT)
    g_printerr ("# could not remove %s: %s\n", path, g_strerror (errno));
  return 0;
}

static int
open_up_entry (const char        *path,
               const struct stat *st,
               int                type,
               struct FTW        *ftw)
{
  if (type == FTW_D || type == FTW_DNR)
    chmod (path, 0700);
  return 0;
}

void
test_remove_tree (const char *path)
{
  if (!test_exists (path))
    return;
  /* Tests may leave directories without permissions: open them up first. */
  nftw (path, open_up_entry, 64, FTW_PHYS);
  nftw (path, remove_entry, 64, FTW_DEPTH | FTW_PHYS);
}

static char *private_tmpdir;

static void
remove_private_tmpdir (void)
{
  test_remove_tree (private_tmpdir);
  g_free (private_tmpdir);
}

/* Every test works in a directory of its own, which it may empty.
 *
 * meson names one for each test program in GTEMPFILE_TEST_TMPDIR and points
 * TMPDIR at it; that one is emptied when the program starts, so leftovers of
 * an earlier run do not count. Run any other way (by hand, installed), the
 * program makes a fresh directory under TMPDIR instead, points TMPDIR at it
 * and removes it at exit: it never empties a directory it did not make. */
void
test_init (int    *argc,
           char ***argv)
{
  const char *owned = g_getenv ("GTEMPFILE_TEST_TMPDIR");

  g_test_init (argc, argv, NULL);

  if (g_test_subprocess ())
    return;   /* TMPDIR was set up by the parent */

  if (owned != NULL && g_strcmp0 (owned, g_getenv ("TMPDIR")) == 0)
    {
      test_remove_tree (owned);
      g_assert_no_errno (g_mkdir_with_parents (owned, 0755));
      return;
    }

  private_tmpdir = g_dir_make_tmp ("gtempfile-tests-XXXXXX", NULL);
  g_assert_nonnull (private_tmpdir);
  g_setenv ("TMPDIR", private_tmpdir, TRUE);
  atexit (remove_private_tmpdir);
}

char *
test_dir_new (void)
{
  const char *tmpdir = g_getenv ("TMPDIR");
  g_autofree char *template = g_build_filename (tmpdir != NULL ? tmpdir : "/tmp",
                                                "test-XXXXXX", NULL);
  char *dir = g_mkdtemp (g_steal_pointer (&template));

  g_assert_nonnull (dir);
  return dir;
}

guint
test_count_entries (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  g_assert_nonnull (d);
  while (g_dir_read_name (d) != NULL)
    n++;
  return n;
}

gboolean
test_exists (const char *path)
{
  struct stat st;

  return lstat (path, &st) == 0;
}

mode_t
test_mode (const char *path)
{
  struct stat st;

  g_assert_no_errno (lstat (path, &st));
  return st.st_mode & 07777;
}

char *
test_read_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  return contents;
}

void
test_write_file (const char *path,
                 const char *contents)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

guint
test_count_fds (void)
{
  g_autoptr(GDir) fds = g_dir_open ("/proc/self/fd", 0, NULL);
  g_autoptr(GString) listing = g_string_new (NULL);
  const char *name;
  guint n = 0;

  /* Said with each count, so that a mismatch shows which descriptor it was. */
  while (fds != NULL && (name = g_dir_read_name (fds)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc/self/fd", name, NULL);
      g_autofree char *target = g_file_read_link (path, NULL);

      g_string_append_printf (listing, " %s→%s", name, target != NULL ? target : "?");
      n++;
    }
  g_test_message ("descriptors:%s", listing->str);
  return n;
}

/* The resident set size of this process, from /proc/self/statm. */
gsize
test_resident_bytes (void)
{
  g_autofree char *statm = NULL;
  gsize pages = 0;
  gsize resident = 0;

  g_assert_true (g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL));
  g_assert_cmpint (sscanf (statm, "%" G_GSIZE_FORMAT " %" G_GSIZE_FORMAT, &pages, &resident),
                   ==, 2);
  return resident * sysconf (_SC_PAGESIZE);
}

gboolean
test_is_root (void)
{
  return geteuid () == 0;
}

/* A directory that the unprivileged user can search but not write: the
 * build tree when every folder above it is searchable by others, else a
 * fresh folder in /tmp. */
char *
test_dir_for_other_user (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autofree char *parent = g_strdup (dir);
  gboolean reachable = TRUE;

  while (strcmp (parent, "/") != 0)
    {
      char *up = g_path_get_dirname (parent);

      if ((test_mode (parent) & 0001) == 0 && strcmp (parent, dir) != 0)
        reachable = FALSE;
      g_free (parent);
      parent = up;
    }

  if (!reachable)
    {
      test_remove_tree (dir);
      g_free (dir);
      dir = g_mkdtemp (g_strdup ("/tmp/gtempfile-test-XXXXXX"));
      g_assert_nonnull (dir);
    }

  g_assert_no_errno (chmod (dir, 0755));
  return g_steal_pointer (&dir);
}

/* A directory that the user of test_drop_privileges() can search but not
 * write, whether the tests run as root or not. */
char *
test_dir_unwritable_new (void)
{
  char *dir = test_dir_for_other_user ();

  if (!test_is_root ())
    g_assert_no_errno (chmod (dir, 0555));
  return dir;
}

/* Runs the current test again in a subprocess, with TEST_DIR set to @dir,
 * and asserts that it passed. */
void
test_trap_with_dir (const char *dir)
{
  g_autofree char *marker = g_build_filename (dir, ".skipped", NULL);
  g_autofree char *reason = NULL;

  g_setenv ("TEST_DIR", dir, TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();

  if (g_file_get_contents (marker, &reason, NULL, NULL))
    {
      g_unlink (marker);
      g_test_skip (reason);
    }
}

/* In a subprocess started by test_trap_with_dir(): the test cannot run on
 * this machine. The parent reports it skipped, with @reason. (GLib 2.74
 * cannot read a subprocess's output, and a fork-based probe would trip
 * valgrind's leak check in the forked child.) */
void
test_skip_subprocess (const char *reason)
{
  g_autofree char *marker = g_build_filename (g_getenv ("TEST_DIR"), ".skipped", NULL);

  test_write_file (marker, reason);
}

/* Ends a child made with fork() with @status. Through a shell rather than
 * _exit(): under valgrind, the child's exit would run the leak check on its
 * copy of the parent's heap (the test setup does not trace sh). */
void
test_exit_child (int status)
{
  char command[32];

  g_snprintf (command, sizeof command, "exit %d", status);
  execl ("/bin/sh", "sh", "-c", command, (char *) NULL);
  _exit (127);
}

/* In a g_test_trap_subprocess() child: become an ordinary user, so that
 * permissions apply even when the tests run as root. */
void
test_drop_privileges (void)
{
  if (!test_is_root ())
    return;

  g_assert_no_errno (setgroups (0, NULL));
  g_assert_no_errno (setgid (UNPRIVILEGED_ID));
  g_assert_no_errno (setuid (UNPRIVILEGED_ID));
  g_assert_cmpint (geteuid (), ==, UNPRIVILEGED_ID);
}

void
test_names_func (char     *out,
                 gpointer  user_data)
{
  TestNames *names = user_data;
  guint n = 0;

  while (names->names[n + 1] != NULL && n < names->calls)
    n++;
  g_assert_cmpuint (strlen (names->names[n]), ==, 8);
  memcpy (out, names->names[n], 8);
  names->calls++;
}

/* A "notify" handler that counts how often it ran. */
void
test_count_notify (GObject    *object,
                   GParamSpec *pspec,
                   guint      *counter)
{
  ++*counter;
}

/* Loop sizes: @quick under valgrind (the "valgrind" test setup sets
 * GTEMPFILE_TEST_QUICK), where the same paths run many times slower; @full
 * everywhere else, including the sanitizer build. */
guint
test_scaled (guint full,
             guint quick)
{
  return g_getenv ("GTEMPFILE_TEST_QUICK") != NULL ? quick : full;
}
