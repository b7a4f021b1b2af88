/* test-common.c: helpers shared by the C test programs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include <glib/gstdio.h>

#include "test-common.h"

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
  g_autofree char *template = g_build_filename (tmpdir != NULL ? tmpdir : g_get_tmp_dir (),
                                                "test-XXXXXX", NULL);
  char *dir = g_mkdtemp (g_steal_pointer (&template));

  g_assert_nonnull (dir);
  return dir;
}

guint
test_count_entries (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (!test_entry_is_deleted (path))
        n++;
    }
  return n;
}

gboolean
test_exists (const char *path)
{
  GStatBuf st;

  return g_lstat (path, &st) == 0;
}

mode_t
test_mode (const char *path)
{
  GStatBuf st;

  g_assert_no_errno (g_lstat (path, &st));
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
