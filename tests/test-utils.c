/* test-utils.c: the module functions (DESIGN.md §2)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_FORK
# include <sys/wait.h>
#endif
#ifdef HAVE_UNSHARE
# include <sched.h>
# include <sys/mount.h>
#endif

#include <glib/gstdio.h>

#include "gtempfile.h"
#include "gtempfile-create-private.h"
#include "gtempfile-names-private.h"
#include "gtempfile-platform-private.h"
#include "test-common.h"

static void
assert_temp_name (const char *path,
                  const char *dir,
                  const char *prefix,
                  const char *suffix)
{
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *parent = g_path_get_dirname (path);
  g_autofree char *pattern = g_strdup_printf ("^%s[a-z0-9_]{8}%s$", prefix, suffix);

  g_assert_true (g_path_is_absolute (path));
  g_assert_cmpstr (parent, ==, dir);
  g_assert_true (g_regex_match_simple (pattern, base, 0, 0));
}

/* g_tempfile_get_tempdir ---------------------------------------------------- */

static void
reset_tempdir_env (void)
{
  g_unsetenv ("TMPDIR");
  g_unsetenv ("TEMP");
  g_unsetenv ("TMP");
  g_tempfile_set_tempdir (NULL);
}

/* Skips the test where the platform has no permission bits (Windows): an
 * unwritable directory, another user and a umask have no meaning there. */
static gboolean
skip_without_modes (void)
{
  if (_g_tempfile_sys_has_feature (GTEMPFILE_SYS_FEATURE_MODES))
    return FALSE;
  g_test_skip ("no permission bits on this system");
  return TRUE;
}

static void
test_tempprefix (void)
{
  g_assert_cmpstr (g_tempfile_get_tempprefix (), ==, "tmp");
}

static void
test_tempdir_from_tmpdir (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autofree char *saved = g_strdup (g_getenv ("TMPDIR"));
  g_autoptr(GError) error = NULL;
  g_autofree char *result = NULL;

  reset_tempdir_env ();
  g_setenv ("TMPDIR", dir, TRUE);
  result = g_tempfile_get_tempdir (&error);
  g_assert_no_error (error);
  g_assert_cmpstr (result, ==, dir);
  /* The probe leaves nothing behind. */
  g_assert_cmpuint (test_count_entries (dir), ==, 0);

  /* Cached: changing the environment changes nothing until reset. */
  g_setenv ("TMPDIR", "/nonexistent", TRUE);
  g_free (result);
  result = g_tempfile_get_tempdir (&error);
  g_assert_no_error (error);
  g_assert_cmpstr (result, ==, dir);

  g_setenv ("TMPDIR", saved, TRUE);
  g_tempfile_set_tempdir (NULL);
  test_remove_tree (dir);
}

static void
test_tempdir_relative (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autofree char *saved_env = g_strdup (g_getenv ("TMPDIR"));
  g_autofree char *saved_cwd = g_get_current_dir ();
  g_autofree char *sub = g_build_filename (dir, "sub", NULL);
  g_autofree char *link = g_build_filename (dir, "link", NULL);
  g_autofree char *expected = g_build_filename (dir, "./sub/../link/.", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *result = NULL;

  g_assert_no_errno (g_mkdir (sub, 0700));
  if (!test_symlink ("sub", link))
    {
      g_test_skip ("no symbolic link could be made");
      test_remove_tree (dir);
      return;
    }
  g_assert_no_errno (g_chdir (dir));

  /* Made absolute and nothing else: "." and ".." keep the meaning the
   * kernel gives them (DESIGN.md §2). */
  reset_tempdir_env ();
  g_setenv ("TMPDIR", "./sub/../link/.", TRUE);
  result = g_tempfile_get_tempdir (&error);
  g_assert_no_error (error);
  g_assert_cmpstr (result, ==, expected);

  g_assert_no_errno (g_chdir (saved_cwd));
  g_setenv ("TMPDIR", saved_env, TRUE);
  g_tempfile_set_tempdir (NULL);
  test_remove_tree (dir);
}

/* Whether a file can be made in @dir, found without the library. */
static gboolean
usable_dir (const char *dir)
{
  g_autofree char *probe = g_build_filename (dir, "gtempfile-probe-XXXXXX", NULL);
  int fd = g_mkstemp (probe);

  if (fd < 0)
    return FALSE;
  close (fd);
  g_unlink (probe);
  return TRUE;
}

static void
test_tempdir_unset (void)
{
  g_autofree char *saved = g_strdup (g_getenv ("TMPDIR"));
  g_autofree char *saved_temp = g_strdup (g_getenv ("TEMP"));
  g_autofree char *saved_tmp = g_strdup (g_getenv ("TMP"));
  const char * const *conventional = test_conventional_tempdirs ();
  const char *expected = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *result = NULL;

  /* Without the environment: the first usable conventional directory
   * (/tmp; C:\TEMP... on Windows), else the user cache directory. Under
   * Wine no C:\TEMP exists, so the cache directory is what it finds. */
  reset_tempdir_env ();
  for (guint i = 0; conventional[i] != NULL && expected == NULL; i++)
    if (usable_dir (conventional[i]))
      expected = conventional[i];
  if (expected == NULL && usable_dir (g_get_user_cache_dir ()))
    expected = g_get_user_cache_dir ();
  if (expected == NULL)
    {
      g_test_skip ("neither a conventional temporary directory nor the cache directory is "
                   "usable on this machine");
      g_setenv ("TMPDIR", saved, TRUE);
      return;
    }

  result = g_tempfile_get_tempdir (&error);
  g_assert_no_error (error);
  g_assert_cmpstr (result, ==, expected);

  if (saved_temp != NULL)
    g_setenv ("TEMP", saved_temp, TRUE);
  if (saved_tmp != NULL)
    g_setenv ("TMP", saved_tmp, TRUE);

  g_setenv ("TMPDIR", saved, TRUE);
  g_tempfile_set_tempdir (NULL);
}

static void
test_tempdir_candidates (void)
{
  g_autofree char *saved = g_strdup (g_getenv ("TMPDIR"));
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *relative = g_build_filename (cwd, "rel", NULL);
  g_autofree char *first = g_build_filename (cwd, "nonexistent", "first", NULL);
  const char * const *conventional = test_conventional_tempdirs ();
  g_auto(GStrv) candidates = NULL;
  guint n_conventional = g_strv_length ((char **) conventional);

  reset_tempdir_env ();
  g_setenv ("TMPDIR", first, TRUE);
  g_setenv ("TEMP", "", TRUE);   /* empty: left out */
  g_setenv ("TMP", "rel", TRUE); /* made absolute */
  candidates = g_tempfile_get_tempdir_candidates ();

  /* The environment, then Python's list for this system: /tmp, /var/tmp,
   * /usr/tmp; on Windows C:\TEMP, C:\TMP, \TEMP, \TMP. */
  g_assert_nonnull (candidates);
  g_assert_cmpuint (g_strv_length (candidates), >=, 2 + n_conventional);
  g_assert_cmpstr (candidates[0], ==, first);
  g_assert_cmpstr (candidates[1], ==, relative);
  for (guint i = 0; i < n_conventional; i++)
    g_assert_cmpstr (candidates[2 + i], ==, conventional[i]);
  /* The last resort is the current directory. */
  g_assert_cmpstr (candidates[g_strv_length (candidates) - 1], ==, cwd);

  reset_tempdir_env ();
  g_setenv ("TMPDIR", saved, TRUE);
}

/* A candidate whose probe file cannot be removed is passed over, and its
 * probe file does not stay behind (a second try removes it). */
static void
test_tempdir_probe_unlink_fails (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autofree char *saved = g_strdup (g_getenv ("TMPDIR"));
  g_autoptr(GError) error = NULL;
  g_autofree char *result = NULL;

  reset_tempdir_env ();
  g_setenv ("TMPDIR", dir, TRUE);
  _g_tempfile_sys_fail_unlink_for_testing (EIO, 1);
  result = g_tempfile_get_tempdir (&error);
  _g_tempfile_sys_fail_unlink_for_testing (0, 0);
  g_assert_no_error (error);
  g_assert_cmpstr (result, !=, dir);
  g_assert_cmpuint (test_count_entries (dir), ==, 0);

  reset_tempdir_env ();
  g_setenv ("TMPDIR", saved, TRUE);
  test_remove_tree (dir);
}

static void
test_tempdir_skips_unusable (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autofree char *saved = g_strdup (g_getenv ("TMPDIR"));
  g_autofree char *missing = g_build_filename (dir, "missing", NULL);
  g_autofree char *file = g_build_filename (dir, "file", NULL);
  g_autofree char *good = g_build_filename (dir, "good", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *result = NULL;

  test_write_file (file, "");
  g_assert_no_errno (g_mkdir (good, 0700));

  /* A missing directory, an empty variable and a regular file are skipped. */
  reset_tempdir_env ();
  g_setenv ("TMPDIR", missing, TRUE);
  g_setenv ("TEMP", "", TRUE);
  g_setenv ("TMP", file, TRUE);
  result = g_tempfile_get_tempdir (&error);
  g_assert_no_error (error);
  g_assert_cmpstr (result, !=, missing);
  g_assert_cmpstr (result, !=, file);

  g_free (result);
  reset_tempdir_env ();
  g_setenv ("TMPDIR", missing, TRUE);
  g_setenv ("TEMP", "", TRUE);
  g_setenv ("TMP", good, TRUE);
  result = g_tempfile_get_tempdir (&error);
  g_assert_no_error (error);
  g_assert_cmpstr (result, ==, good);
  g_assert_cmpuint (test_count_entries (good), ==, 0);

  reset_tempdir_env ();
  g_setenv ("TMPDIR", saved, TRUE);
  test_remove_tree (dir);
}

/* An unwritable TMPDIR is skipped: run as an ordinary user. */
static void
test_tempdir_skips_unwritable (void)
{
  if (skip_without_modes ())
    return;

  if (g_test_subprocess ())
    {
      const char *unwritable = g_getenv ("TEST_DIR");
      g_autofree char *writable = g_build_filename (unwritable, "open", NULL);
      g_autoptr(GError) error = NULL;
      g_autofree char *result = NULL;

      test_drop_privileges ();
      reset_tempdir_env ();
      g_setenv ("TMPDIR", unwritable, TRUE);
      g_setenv ("TEMP", writable, TRUE);
      result = g_tempfile_get_tempdir (&error);
      g_assert_no_error (error);
      g_assert_cmpstr (result, ==, writable);
      return;
    }
  else
    {
      g_autofree char *unwritable = test_dir_for_other_user ();
      g_autofree char *writable = g_build_filename (unwritable, "open", NULL);

      g_assert_no_errno (g_mkdir (writable, 0777));
      g_assert_no_errno (chmod (writable, 0777));
      if (!test_is_root ())
        g_assert_no_errno (chmod (unwritable, 0555));

      test_trap_with_dir (unwritable);

      g_assert_cmpuint (test_count_entries (writable), ==, 0);
      test_remove_tree (unwritable);
    }
}

/* No candidate usable: read-only file systems over every fixed candidate, in
 * a private mount namespace. The read-only /tmp then also serves as home,
 * cache and current directory, so this works wherever the tree is built. */
static void
test_tempdir_none_usable (void)
{
#ifdef HAVE_UNSHARE
  if (g_test_subprocess ())
    {
      const char *fixed[] = { "/tmp", "/var/tmp", "/usr/tmp" };
      g_autoptr(GError) error = NULL;
      g_autofree char *result = NULL;

      if (!test_is_root () || unshare (CLONE_NEWNS) != 0 ||
          mount ("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0)
        {
          test_skip_subprocess ("needs root and a private mount namespace to make every "
                                "candidate read-only");
          return;
        }
      for (guint i = 0; i < G_N_ELEMENTS (fixed); i++)
        if (test_exists (fixed[i]))
          g_assert_no_errno (mount ("tmpfs", fixed[i], "tmpfs", MS_RDONLY, "size=16k"));

      reset_tempdir_env ();
      g_setenv ("TMPDIR", "/nonexistent-tmpdir", TRUE);
      g_setenv ("HOME", "/tmp", TRUE);
      g_setenv ("XDG_CACHE_HOME", "/var/tmp", TRUE);
      g_assert_no_errno (g_chdir ("/tmp"));

      result = g_tempfile_get_tempdir (&error);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
      g_assert_null (result);
      /* The message lists what was tried, and why it failed. */
      g_assert_nonnull (strstr (error->message, "“/nonexistent-tmpdir”"));
      g_assert_nonnull (strstr (error->message, "“/tmp”"));
      g_assert_nonnull (strstr (error->message, "“/var/tmp”"));
      g_assert_nonnull (strstr (error->message, g_strerror (EROFS)));
      g_assert_nonnull (strstr (error->message, g_strerror (ENOENT)));

      /* Creating in the default directory reports the same error. */
      g_clear_error (&error);
      g_assert_cmpint (g_tempfile_mkstemp (NULL, NULL, NULL, NULL, &error), ==, -1);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
      return;
    }

  else
    {
      g_autofree char *dir = test_dir_new ();

      test_trap_with_dir (dir);
      test_remove_tree (dir);
    }
#else
  g_test_skip ("needs mount namespaces (Linux) to make every candidate read-only");
#endif
}

static void
test_tempdir_override (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autofree char *dot = g_build_filename (dir, ".", NULL);
  g_autofree char *missing = g_build_filename (dir, "nonexistent", "override", NULL);
  g_autofree char *saved_cwd = g_get_current_dir ();
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *result = NULL;
  int fd;

  /* Not probed: even a missing directory is taken as given. */
  g_tempfile_set_tempdir (missing);
  result = g_tempfile_get_tempdir (&error);
  g_assert_no_error (error);
  g_assert_cmpstr (result, ==, missing);
  g_clear_pointer (&result, g_free);

  /* Relative: made absolute at once, and nothing else. */
  g_assert_no_errno (g_chdir (dir));
  g_tempfile_set_tempdir (".");
  g_assert_no_errno (g_chdir (saved_cwd));
  result = g_tempfile_get_tempdir (&error);
  g_assert_no_error (error);
  g_assert_cmpstr (result, ==, dot);

  /* Used when no directory is given. */
  fd = g_tempfile_mkstemp (NULL, NULL, NULL, &path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fd, >=, 0);
  assert_temp_name (path, dot, "tmp", "");
  close (fd);
  g_unlink (path);

  /* NULL: probe again, from the environment. */
  g_tempfile_set_tempdir (NULL);
  g_free (result);
  result = g_tempfile_get_tempdir (&error);
  g_assert_no_error (error);
  g_assert_cmpstr (result, ==, g_getenv ("TMPDIR"));

  test_remove_tree (dir);
}

static gpointer
race_tempdir_thread (gpointer data)
{
  const char *choices[] = { "/race/a", "/race/b" };
  guint id = GPOINTER_TO_UINT (data);

  /* Half the threads replace the setting while the others read it: each
   * read must be one of the values, whole, never freed memory (the
   * sanitizer build checks that). */
  for (guint i = 0; i < 20000; i++)
    {
      if (id % 2 == 0)
        g_tempfile_set_tempdir (choices[i % 2]);
      else
        {
          g_autofree char *result = g_tempfile_get_tempdir (NULL);

          if (g_strcmp0 (result, choices[0]) != 0 && g_strcmp0 (result, choices[1]) != 0)
            return GUINT_TO_POINTER (FALSE);
        }
    }
  return GUINT_TO_POINTER (TRUE);
}

static void
test_tempdir_threads (void)
{
  GThread *threads[8];

  g_tempfile_set_tempdir ("/race/a");
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("tempdir", race_tempdir_thread, GUINT_TO_POINTER (i));
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_assert_true (GPOINTER_TO_UINT (g_thread_join (threads[i])));
  g_tempfile_set_tempdir (NULL);
}

/* mkstemp and mkdtemp ----------------------------------------------------- */

static void
test_mkstemp_basic (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  GStatBuf st;
  int fd;

  fd = g_tempfile_mkstemp (dir, NULL, NULL, &path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fd, >=, 0);
  assert_temp_name (path, dir, "tmp", "");

  g_assert_no_errno (g_stat (path, &st));
  g_assert_true (S_ISREG (st.st_mode));
  g_assert_cmpint (st.st_size, ==, 0);
  g_assert_true (test_fd_is_read_write (fd));
  g_assert_false (test_fd_is_inherited (fd));
  /* Binary: nothing is translated (O_BINARY on Windows). */
  g_assert_cmpint (write (fd, "a\nb", 3), ==, 3);
  g_assert_no_errno (g_stat (path, &st));
  g_assert_cmpint (st.st_size, ==, 3);

  /* The caller owns it: still there after closing. */
  close (fd);
  g_assert_true (test_exists (path));
  test_remove_tree (dir);
}

static void
test_mkstemp_affixes (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autofree char *path = NULL;
  g_autofree char *base = NULL;
  g_autoptr(GError) error = NULL;
  int fd;

  fd = g_tempfile_mkstemp (dir, "report-", ".csv", &path, &error);
  g_assert_no_error (error);
  assert_temp_name (path, dir, "report-", "\\.csv");
  close (fd);
  g_clear_pointer (&path, g_free);

  /* An empty prefix is allowed. */
  fd = g_tempfile_mkstemp (dir, "", "", &path, &error);
  g_assert_no_error (error);
  assert_temp_name (path, dir, "", "");
  close (fd);
  g_clear_pointer (&path, g_free);

  if (test_paths_are_bytes ())
    {
      /* Paths are bytes: a prefix that is not UTF-8 is kept as is. */
      fd = g_tempfile_mkstemp (dir, "\xff\xfe-", "-\xe9", &path, &error);
      g_assert_no_error (error);
      base = g_path_get_basename (path);
      g_assert_true (g_str_has_prefix (base, "\xff\xfe-"));
      g_assert_true (g_str_has_suffix (base, "-\xe9"));
      g_assert_cmpuint (strlen (base), ==, 3 + 8 + 2);
      close (fd);
    }
  else
    {
      /* File names are UTF-16, spelled in UTF-8 by GLib: one that is not
       * UTF-8 names nothing. */
      g_assert_cmpint (g_tempfile_mkstemp (dir, "\xff\xfe-", "-\xe9", &path, &error), ==, -1);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
      fd = g_tempfile_mkstemp (dir, "ÿþ-", "-é", &path, &error);
      g_assert_no_error (error);
      base = g_path_get_basename (path);
      g_assert_true (g_str_has_prefix (base, "ÿþ-"));
      g_assert_true (g_str_has_suffix (base, "-é"));
      close (fd);
    }

  g_assert_cmpuint (test_count_entries (dir), ==, 3);
  test_remove_tree (dir);
}

static void
test_mkstemp_relative_dir (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autofree char *sub = g_build_filename (dir, "sub", NULL);
  g_autofree char *saved_cwd = g_get_current_dir ();
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  int fd;

  g_assert_no_errno (g_mkdir (sub, 0700));
  g_assert_no_errno (g_chdir (dir));

  fd = g_tempfile_mkstemp ("sub", NULL, NULL, &path, &error);
  g_assert_no_error (error);
  assert_temp_name (path, sub, "tmp", "");
  close (fd);
  g_clear_pointer (&path, g_free);

  /* An empty directory is the current directory, as in Python. */
  fd = g_tempfile_mkstemp ("", NULL, NULL, &path, &error);
  g_assert_no_error (error);
  assert_temp_name (path, dir, "tmp", "");
  close (fd);

  g_assert_no_errno (g_chdir (saved_cwd));
  test_remove_tree (dir);
}

static void
test_mkstemp_symlinked_dir (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autofree char *real = g_build_filename (dir, "real", NULL);
  g_autofree char *link = g_build_filename (dir, "link", NULL);
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  int fd;

  g_assert_no_errno (g_mkdir (real, 0700));
  if (!test_symlink (real, link))
    {
      g_test_skip ("no symbolic link could be made");
      test_remove_tree (dir);
      return;
    }

  /* Used as given: the path goes through the link, the file is in the
   * target. */
  fd = g_tempfile_mkstemp (link, NULL, NULL, &path, &error);
  g_assert_no_error (error);
  assert_temp_name (path, link, "tmp", "");
  g_assert_cmpuint (test_count_entries (real), ==, 1);
  close (fd);

  test_remove_tree (dir);
}

static void
test_mkdtemp_basic (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  path = g_tempfile_mkdtemp (dir, "work-", ".d", &error);
  g_assert_no_error (error);
  assert_temp_name (path, dir, "work-", "\\.d");
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_DIR));
  g_assert_cmpuint (test_count_entries (path), ==, 0);

  test_remove_tree (dir);
}

static void
check_modes_with_umask (mode_t mask)
{
  g_autofree char *dir = NULL;
  g_autofree char *file = NULL;
  g_autofree char *subdir = NULL;
  mode_t saved;
  int fd;

  if (skip_without_modes ())
    return;
  dir = test_dir_new ();
  saved = umask (mask);

  fd = g_tempfile_mkstemp (dir, NULL, NULL, &file, NULL);
  g_assert_cmpint (fd, >=, 0);
  close (fd);
  subdir = g_tempfile_mkdtemp (dir, NULL, NULL, NULL);
  g_assert_nonnull (subdir);
  umask (saved);

  g_assert_cmpint (test_mode (file), ==, 0600);
  g_assert_cmpint (test_mode (subdir), ==, 0700);
  test_remove_tree (dir);
}

static void
test_modes_umask_0 (void)
{
  check_modes_with_umask (0);
}

static void
test_modes_umask_077 (void)
{
  check_modes_with_umask (077);
}

/* Names ------------------------------------------------------------------- */

/* @data: TRUE to draw without getrandom (arc4random_buf or /dev/urandom,
 * as on generic POSIX systems). */
static void
test_names_alphabet (gconstpointer data)
{
  const char *alphabet = "abcdefghijklmnopqrstuvwxyz0123456789_";
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint counts[256] = { 0, };
  const guint n_names = 20000;
  const double expected = n_names * 8.0 / 37;

  _g_tempfile_sys_disable_for_testing (GTEMPFILE_SYS_FEATURE_GETRANDOM, GPOINTER_TO_INT (data));
  for (guint i = 0; i < n_names; i++)
    {
      char name[9] = { 0, };

      g_assert_true (_g_tempfile_random_chars (name, NULL));
      for (guint j = 0; j < 8; j++)
        {
          g_assert_nonnull (strchr (alphabet, name[j]));
          counts[(guchar) name[j]]++;
        }
      g_assert_true (g_hash_table_add (seen, g_strdup (name)));
    }

  _g_tempfile_sys_disable_for_testing (GTEMPFILE_SYS_FEATURE_GETRANDOM, FALSE);

  /* Every character equally likely: a plain "byte % 37" would give the last
   * three characters 13% fewer draws than the others, well outside this. */
  for (const char *c = alphabet; *c != '\0'; c++)
    {
      g_assert_cmpfloat (counts[(guchar) *c], >, expected * 0.92);
      g_assert_cmpfloat (counts[(guchar) *c], <, expected * 1.08);
    }
}

/* A child process must not repeat its parent's names. */
static void
test_names_fork (void)
{
#ifdef HAVE_FORK
  char parent_name[9] = { 0, };
  char child_name[9] = { 0, };
  int pipe_fds[2];
  pid_t pid;
  int status;

  /* Fill this thread's pool before forking. */
  g_assert_true (_g_tempfile_random_chars (parent_name, NULL));

  g_assert_no_errno (pipe (pipe_fds));
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      char name[8];

      close (pipe_fds[0]);
      if (!_g_tempfile_random_chars (name, NULL) || write (pipe_fds[1], name, 8) != 8)
        _exit (1);
      _exit (0);
    }

  close (pipe_fds[1]);
  g_assert_cmpint (read (pipe_fds[0], child_name, 8), ==, 8);
  close (pipe_fds[0]);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);

  g_assert_true (_g_tempfile_random_chars (parent_name, NULL));
  g_assert_cmpstr (parent_name, !=, child_name);
#else
  g_test_skip ("no fork() on this system: no process starts with a copy of another's memory");
#endif
}

/* Collisions -------------------------------------------------------------- */

static void
test_collisions_skip_existing (void)
{
  static const char * const sequence[] = { "aaaaaaaa", "bbbbbbbb", "cccccccc", "dddddddd", NULL };
  TestNames names = { sequence, 0 };
  g_autofree char *dir = test_dir_new ();
  g_autofree char *file = g_build_filename (dir, "tmpaaaaaaaa", NULL);
  g_autofree char *subdir = g_build_filename (dir, "tmpbbbbbbbb", NULL);
  g_autofree char *expected_file = g_build_filename (dir, "tmpcccccccc", NULL);
  g_autofree char *expected_dir = g_build_filename (dir, "tmpdddddddd", NULL);
  g_autofree char *path = NULL;
  g_autofree char *dpath = NULL;
  g_autoptr(GError) error = NULL;
  int fd;

  test_write_file (file, "precious");
  g_assert_no_errno (g_mkdir (subdir, 0700));

  _g_tempfile_set_name_func_for_testing (test_names_func, &names);
  fd = g_tempfile_mkstemp (dir, NULL, NULL, &path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (path, ==, expected_file);
  g_assert_cmpuint (names.calls, ==, 3);
  close (fd);

  /* Directories skip existing files and directories alike. */
  names.calls = 0;
  dpath = g_tempfile_mkdtemp (dir, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (dpath, ==, expected_dir);
  g_assert_cmpuint (names.calls, ==, 4);
  _g_tempfile_set_name_func_for_testing (NULL, NULL);

  /* What was there is untouched. */
  test_assert_contents (file, "precious");
  g_assert_cmpuint (test_count_entries (subdir), ==, 0);
  test_remove_tree (dir);
}

static void
test_collisions_dangling_symlink (void)
{
  static const char * const sequence[] = { "aaaaaaaa", "bbbbbbbb", NULL };
  TestNames names = { sequence, 0 };
  g_autofree char *dir = test_dir_new ();
  g_autofree char *link = g_build_filename (dir, "tmpaaaaaaaa", NULL);
  g_autofree char *target = g_build_filename (dir, "target", NULL);
  g_autofree char *expected = g_build_filename (dir, "tmpbbbbbbbb", NULL);
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  int fd;

  /* A link to a missing file counts as taken and is never followed. */
  if (!test_symlink (target, link))
    {
      g_test_skip ("no symbolic link could be made");
      test_remove_tree (dir);
      return;
    }
  _g_tempfile_set_name_func_for_testing (test_names_func, &names);
  fd = g_tempfile_mkstemp (dir, NULL, NULL, &path, &error);
  _g_tempfile_set_name_func_for_testing (NULL, NULL);
  g_assert_no_error (error);
  g_assert_cmpstr (path, ==, expected);
  g_assert_false (test_exists (target));
  close (fd);
  test_remove_tree (dir);
}

static void
test_collisions_exhausted (void)
{
  static const char * const sequence[] = { "aaaaaaaa", NULL };
  TestNames names = { sequence, 0 };
  g_autofree char *dir = test_dir_new ();
  g_autofree char *file = g_build_filename (dir, "tmpaaaaaaaa", NULL);
  char *path = (char *) "not reset";
  g_autoptr(GError) error = NULL;
  char *dpath;

  test_write_file (file, "");
  _g_tempfile_set_name_func_for_testing (test_names_func, &names);

  g_assert_cmpint (g_tempfile_mkstemp (dir, NULL, NULL, &path, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, dir));
  g_assert_null (path);
  g_assert_cmpuint (names.calls, ==, 10000);
  g_clear_error (&error);

  names.calls = 0;
  dpath = g_tempfile_mkdtemp (dir, NULL, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_assert_null (dpath);
  g_assert_cmpuint (names.calls, ==, 10000);

  _g_tempfile_set_name_func_for_testing (NULL, NULL);
  g_assert_cmpuint (test_count_entries (dir), ==, 1);
  test_remove_tree (dir);
}

/* Errors ------------------------------------------------------------------ */

/* Both mkstemp and mkdtemp fail with @code, with a message that contains
 * @named (the directory, or the offending prefix), and return nothing. */
static void
assert_mkstemp_fails (const char *dir,
                      const char *prefix,
                      const char *suffix,
                      int         code,
                      const char *named)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) derror = NULL;
  g_autofree char *display = g_filename_display_name (named);
  char *path = (char *) "not reset";
  char *dpath;

  g_assert_cmpint (g_tempfile_mkstemp (dir, prefix, suffix, &path, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, code);
  g_assert_null (path);

  dpath = g_tempfile_mkdtemp (dir, prefix, suffix, &derror);
  g_assert_error (derror, G_IO_ERROR, code);
  g_assert_null (dpath);

  g_assert_nonnull (strstr (error->message, display));
  g_assert_nonnull (strstr (derror->message, display));
}

static void
test_errors_missing_dir (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autofree char *missing = g_build_filename (dir, "missing", NULL);

  assert_mkstemp_fails (missing, NULL, NULL, G_IO_ERROR_NOT_FOUND, missing);
  g_assert_false (test_exists (missing));
  test_remove_tree (dir);
}

static void
test_errors_not_directory (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autofree char *file = g_build_filename (dir, "file", NULL);

  test_write_file (file, "content");
  assert_mkstemp_fails (file, NULL, NULL, G_IO_ERROR_NOT_DIRECTORY, file);
  test_assert_contents (file, "content");
  test_remove_tree (dir);
}

static void
test_errors_separator (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autofree char *sub = g_build_filename (dir, "sub", NULL);

  /* Even where the result would be a valid path, nothing is created. */
  g_assert_no_errno (g_mkdir (sub, 0700));
  assert_mkstemp_fails (dir, "sub/x", NULL, G_IO_ERROR_INVALID_ARGUMENT, "sub/x");
  assert_mkstemp_fails (dir, "../x", NULL, G_IO_ERROR_INVALID_ARGUMENT, "../x");
  assert_mkstemp_fails (dir, NULL, "/x", G_IO_ERROR_INVALID_ARGUMENT, "/x");
  assert_mkstemp_fails (dir, "/", "", G_IO_ERROR_INVALID_ARGUMENT, "“/”");

  g_assert_cmpuint (test_count_entries (dir), ==, 1);
  g_assert_cmpuint (test_count_entries (sub), ==, 0);

  /* Checked before the default directory is even looked for. */
  g_tempfile_set_tempdir (sub);
  assert_mkstemp_fails (NULL, "a/b", NULL, G_IO_ERROR_INVALID_ARGUMENT, "a/b");
  g_assert_cmpuint (test_count_entries (sub), ==, 0);
  g_tempfile_set_tempdir (NULL);

  test_remove_tree (dir);
}

static void
test_errors_too_long (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autofree char *prefix = g_strnfill (248, 'p');
  g_autofree char *fits = g_strnfill (247, 'p');
  g_autoptr(GString) deep = g_string_new (dir);
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  int fd;

  /* 248 + 8 = 256 bytes: one too many for a file name. */
  assert_mkstemp_fails (dir, prefix, NULL, G_IO_ERROR_FILENAME_TOO_LONG, prefix);
  assert_mkstemp_fails (dir, "p", prefix, G_IO_ERROR_FILENAME_TOO_LONG, "“p”");
  g_assert_cmpuint (test_count_entries (dir), ==, 0);

  /* 255 is fine. */
  fd = g_tempfile_mkstemp (dir, fits, NULL, &path, &error);
  g_assert_no_error (error);
  close (fd);

  /* A directory path longer than PATH_MAX (Windows: 32 767 units). */
  while (deep->len < test_path_max () + 1000)
    g_string_append (deep, G_DIR_SEPARATOR_S "dddddddddddddddddddddddddddddddd");
  assert_mkstemp_fails (deep->str, NULL, NULL, G_IO_ERROR_FILENAME_TOO_LONG, deep->str);

  test_remove_tree (dir);
}

/* EACCES is never mistaken for a collision: one attempt, then the error. */
static void
test_errors_permission_denied (void)
{
  if (skip_without_modes ())
    return;

  if (g_test_subprocess ())
    {
      static const char * const sequence[] = { "aaaaaaaa", NULL };
      TestNames names = { sequence, 0 };
      const char *dir = g_getenv ("TEST_DIR");

      test_drop_privileges ();
      _g_tempfile_set_name_func_for_testing (test_names_func, &names);
      assert_mkstemp_fails (dir, NULL, NULL, G_IO_ERROR_PERMISSION_DENIED, dir);
      g_assert_cmpuint (names.calls, ==, 2);
      return;
    }
  else
    {
      g_autofree char *dir = test_dir_unwritable_new ();

      test_trap_with_dir (dir);
      g_assert_cmpuint (test_count_entries (dir), ==, 0);
      test_remove_tree (dir);
    }
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

  g_test_add_func ("/utils/tempprefix", test_tempprefix);
  g_test_add_func ("/utils/tempdir/tmpdir", test_tempdir_from_tmpdir);
  g_test_add_func ("/utils/tempdir/relative", test_tempdir_relative);
  g_test_add_func ("/utils/tempdir/unset", test_tempdir_unset);
  g_test_add_func ("/utils/tempdir/candidates", test_tempdir_candidates);
  g_test_add_func ("/utils/tempdir/skips-unusable", test_tempdir_skips_unusable);
  g_test_add_func ("/utils/tempdir/skips-unwritable", test_tempdir_skips_unwritable);
  g_test_add_func ("/utils/tempdir/none-usable", test_tempdir_none_usable);
  g_test_add_func ("/utils/tempdir/override", test_tempdir_override);
  g_test_add_func ("/utils/tempdir/threads", test_tempdir_threads);
  g_test_add_func ("/utils/mkstemp/basic", test_mkstemp_basic);
  g_test_add_func ("/utils/mkstemp/affixes", test_mkstemp_affixes);
  g_test_add_func ("/utils/mkstemp/relative-dir", test_mkstemp_relative_dir);
  g_test_add_func ("/utils/mkstemp/symlinked-dir", test_mkstemp_symlinked_dir);
  g_test_add_func ("/utils/mkdtemp/basic", test_mkdtemp_basic);
  g_test_add_func ("/utils/modes/umask-0", test_modes_umask_0);
  g_test_add_func ("/utils/modes/umask-077", test_modes_umask_077);
  g_test_add_data_func ("/utils/names/alphabet", GINT_TO_POINTER (FALSE), test_names_alphabet);
  g_test_add_data_func ("/utils/names/alphabet-without-getrandom", GINT_TO_POINTER (TRUE),
                        test_names_alphabet);
  g_test_add_func ("/utils/tempdir/probe-unlink-fails", test_tempdir_probe_unlink_fails);
  g_test_add_func ("/utils/names/fork", test_names_fork);
  g_test_add_func ("/utils/collisions/skip-existing", test_collisions_skip_existing);
  g_test_add_func ("/utils/collisions/dangling-symlink", test_collisions_dangling_symlink);
  g_test_add_func ("/utils/collisions/exhausted", test_collisions_exhausted);
  g_test_add_func ("/utils/errors/missing-dir", test_errors_missing_dir);
  g_test_add_func ("/utils/errors/not-directory", test_errors_not_directory);
  g_test_add_func ("/utils/errors/separator", test_errors_separator);
  g_test_add_func ("/utils/errors/too-long", test_errors_too_long);
  g_test_add_func ("/utils/errors/permission-denied", test_errors_permission_denied);

  return g_test_run ();
}
