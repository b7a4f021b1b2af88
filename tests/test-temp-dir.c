/* test-temp-dir.c: GTempDir and its removal walk (DESIGN.md §4)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What only some systems have; each test that needs it skips elsewhere. */
#if __has_include(<linux/fs.h>)
# include <linux/fs.h>
# include <sys/ioctl.h>
#endif
#ifdef HAVE_UNSHARE
# include <sched.h>
# include <sys/mount.h>
#endif
#ifdef HAVE_FLOCK
# include <sys/file.h>
#endif
#if __has_include(<sys/resource.h>)
# include <sys/resource.h>
#endif
#ifdef HAVE_FORK
# include <sys/wait.h>
#endif

#include <glib/gstdio.h>

#include "gtempfile.h"
#include "gtempfile-platform-private.h"
#include "gtempfile-rmtree-private.h"
#include "test-common.h"

/* Helpers ----------------------------------------------------------------- */

static GTempDir *
new_in (const char    *dir,
        GTempDirFlags  flags)
{
  g_autoptr(GError) error = NULL;
  GTempDir *tmp = g_temp_dir_new_full (dir, NULL, NULL, flags, NULL, &error);

  g_assert_no_error (error);
  g_assert_true (G_IS_TEMP_DIR (tmp));
  return tmp;
}

static char *
make_dir (const char *parent,
          const char *name)
{
  char *path = g_build_filename (parent, name, NULL);

  g_assert_no_errno (g_mkdir (path, 0700));
  return path;
}

static void
make_file (const char *parent,
           const char *name,
           const char *contents)
{
  g_autofree char *path = g_build_filename (parent, name, NULL);

  test_write_file (path, contents);
}

/* FALSE where no symbolic link can be made (Windows without the
 * privilege, Wine). */
static gboolean
make_link (const char *target,
           const char *parent,
           const char *name)
{
  g_autofree char *path = g_build_filename (parent, name, NULL);

  return test_symlink (target, path);
}

static gboolean
has_modes (void)
{
  return _g_tempfile_sys_has_feature (GTEMPFILE_SYS_FEATURE_MODES);
}

static gboolean
skip_without_modes (void)
{
  if (has_modes ())
    return FALSE;
  g_test_skip ("no permission bits on this system");
  return TRUE;
}

/* Whether symbolic links can be made in @base; skips the test if not. */
static gboolean
skip_without_symlinks (const char *base)
{
  g_autofree char *probe = g_build_filename (base, "probe-link", NULL);

  if (test_symlink (base, probe))
    {
      /* A link to a directory is a directory entry on Windows. */
      if (g_unlink (probe) != 0)
        g_assert_no_errno (g_rmdir (probe));
      return FALSE;
    }
  g_test_skip ("no symbolic link could be made");
  return TRUE;
}

/* A directory outside the temporary one, with content to protect. */
static char *
make_victim (const char *base)
{
  char *victim = make_dir (base, "victim");
  g_autofree char *inner = make_dir (victim, "inner");

  make_file (victim, "precious", "do not remove");
  make_file (inner, "also", "keep me");
  return victim;
}

static void
assert_victim_intact (const char *victim)
{
  g_autofree char *precious = g_build_filename (victim, "precious", NULL);
  g_autofree char *also = g_build_filename (victim, "inner", "also", NULL);

  test_assert_contents (precious, "do not remove");
  test_assert_contents (also, "keep me");
}

/* Loop sizes under Wine (tests/meson.build sets GTEMPFILE_TEST_WINE for
 * the Windows cross build): there, a file opened relative to a directory
 * handle is looked up by its whole path, so a chain of 1 500 levels takes
 * half a minute to make and as long to remove. */
static guint
scaled_for_wine (guint full,
                 guint quick,
                 guint wine)
{
  return g_getenv ("GTEMPFILE_TEST_WINE") != NULL ? wine : test_scaled (full, quick);
}

static void
cleanup_ok (GTempDir *tmp)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (g_temp_dir_cleanup (tmp, NULL, &error));
  g_assert_no_error (error);
}

/* Creation ---------------------------------------------------------------- */

static void
test_new_default (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTempDir) tmp = g_temp_dir_new (&error);
  g_autofree char *tempdir = g_tempfile_get_tempdir (NULL);
  g_autofree char *parent = NULL;
  g_autofree char *base = NULL;
  g_autofree char *file_path = NULL;
  g_autofree char *prop_prefix = NULL;
  const char *path;

  g_assert_no_error (error);
  path = g_temp_dir_get_path (tmp);
  parent = g_path_get_dirname (path);
  base = g_path_get_basename (path);
  g_assert_cmpstr (parent, ==, tempdir);
  g_assert_true (g_regex_match_simple ("^tmp[a-z0-9_]{8}$", base, 0, 0));
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_DIR));
  if (has_modes ())
    g_assert_cmpint (test_mode (path), ==, 0700);
  g_assert_cmpuint (test_count_entries (path), ==, 0);

  g_assert_true (g_temp_dir_get_delete (tmp));
  g_assert_false (g_temp_dir_get_ignore_cleanup_errors (tmp));
  file_path = g_file_get_path (g_temp_dir_get_file (tmp));
  g_assert_cmpstr (file_path, ==, path);
  g_object_get (tmp, "prefix", &prop_prefix, NULL);
  g_assert_cmpstr (prop_prefix, ==, "tmp");
  g_assert_true (G_IS_INITABLE (tmp));
  g_assert_true (G_IS_ASYNC_INITABLE (tmp));
}

static void
test_new_flags (void)
{
  g_autofree char *base = test_dir_new ();
  g_autoptr(GTempDir) tmp = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *base_name = NULL;

  tmp = g_temp_dir_new_full (base, "work-", ".d",
                             G_TEMP_DIR_FLAGS_KEEP | G_TEMP_DIR_FLAGS_IGNORE_CLEANUP_ERRORS,
                             NULL, &error);
  g_assert_no_error (error);
  base_name = g_path_get_basename (g_temp_dir_get_path (tmp));
  g_assert_true (g_regex_match_simple ("^work-[a-z0-9_]{8}\\.d$", base_name, 0, 0));
  g_assert_false (g_temp_dir_get_delete (tmp));
  g_assert_true (g_temp_dir_get_ignore_cleanup_errors (tmp));

  g_clear_object (&tmp);
  tmp = g_temp_dir_new_full (base, NULL, NULL, 1 << 7, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_null (tmp);
  test_remove_tree (base);
}

static void
assert_new_fails (const char *dir,
                  const char *prefix,
                  int         code,
                  const char *named)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTempDir) tmp = g_temp_dir_new_full (dir, prefix, NULL, G_TEMP_DIR_FLAGS_NONE,
                                                 NULL, &error);
  g_autofree char *display = g_filename_display_name (named);

  g_assert_error (error, G_IO_ERROR, code);
  g_assert_null (tmp);
  g_assert_nonnull (strstr (error->message, display));
}

static void
test_new_errors (void)
{
  g_autofree char *base = test_dir_new ();
  g_autofree char *missing = g_build_filename (base, "missing", NULL);
  g_autofree char *file = g_build_filename (base, "file", NULL);
  g_autofree char *long_prefix = g_strnfill (250, 'x');
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GTempDir) tmp = NULL;

  test_write_file (file, "");
  assert_new_fails (missing, NULL, G_IO_ERROR_NOT_FOUND, missing);
  assert_new_fails (file, NULL, G_IO_ERROR_NOT_DIRECTORY, file);
  assert_new_fails (base, "a/b", G_IO_ERROR_INVALID_ARGUMENT, "a/b");
  assert_new_fails (base, long_prefix, G_IO_ERROR_FILENAME_TOO_LONG, long_prefix);

  g_cancellable_cancel (cancellable);
  tmp = g_temp_dir_new_full (base, NULL, NULL, G_TEMP_DIR_FLAGS_KEEP, cancellable, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (tmp);

  g_assert_cmpuint (test_count_entries (base), ==, 1);
  test_remove_tree (base);
}

static void
test_new_permission_denied (void)
{
  if (skip_without_modes ())
    return;

  if (g_test_subprocess ())
    {
      const char *dir = g_getenv ("TEST_DIR");

      test_drop_privileges ();
      assert_new_fails (dir, NULL, G_IO_ERROR_PERMISSION_DENIED, dir);
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

typedef struct
{
  GMainLoop *loop;
  GTempDir  *tmp;
  gboolean   cleaned;
  GError    *error;
} AsyncData;

static void
created (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  AsyncData *data = user_data;

  data->tmp = g_temp_dir_create_finish (result, &data->error);
  g_main_loop_quit (data->loop);
}

/* GTask may drop its last reference to the object in the worker thread a
 * moment after the callback ran; disposal (and removal) happens there. */
static gboolean
eventually_gone (const char *path)
{
  for (guint i = 0; i < 500 && test_exists (path); i++)
    g_usleep (10000);
  return !test_exists (path);
}

static void
test_new_async (void)
{
  g_autofree char *base = test_dir_new ();
  g_autofree char *missing = g_build_filename (base, "missing", NULL);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AsyncData data = { loop, NULL, FALSE, NULL };
  g_autofree char *path = NULL;

  g_temp_dir_create_async (base, "async-", NULL, G_TEMP_DIR_FLAGS_NONE, G_PRIORITY_DEFAULT,
                           NULL, created, &data);
  g_main_loop_run (loop);
  g_assert_no_error (data.error);
  g_assert_true (G_IS_TEMP_DIR (data.tmp));
  path = g_strdup (g_temp_dir_get_path (data.tmp));
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_DIR));
  g_clear_object (&data.tmp);
  g_assert_true (eventually_gone (path));

  g_temp_dir_create_async (missing, NULL, NULL, G_TEMP_DIR_FLAGS_NONE, G_PRIORITY_DEFAULT,
                           NULL, created, &data);
  g_main_loop_run (loop);
  g_assert_error (data.error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_null (data.tmp);
  g_clear_error (&data.error);

  g_temp_dir_create_async (base, NULL, NULL, 1 << 5, G_PRIORITY_DEFAULT, NULL, created, &data);
  g_main_loop_run (loop);
  g_assert_error (data.error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&data.error);

  g_cancellable_cancel (cancellable);
  g_temp_dir_create_async (base, NULL, NULL, G_TEMP_DIR_FLAGS_KEEP, G_PRIORITY_DEFAULT,
                           cancellable, created, &data);
  g_main_loop_run (loop);
  g_assert_error (data.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&data.error);

  g_assert_cmpuint (test_count_entries (base), ==, 0);
  test_remove_tree (base);
}

/* Lifetime ---------------------------------------------------------------- */

/* Returns how many entries it made at the top. */
static guint
fill_tree (const char *root)
{
  g_autofree char *sub = make_dir (root, "sub");
  g_autofree char *deeper = make_dir (sub, "deeper");
  guint top = 2;

  make_file (root, "top.txt", "top");
  make_file (sub, "middle.txt", "middle");
  make_file (deeper, "bottom.txt", "bottom");
  if (make_link ("top.txt", root, "link-to-top"))
    top++;
  make_link ("/nonexistent", sub, "dangling");
  return top;
}

static void
test_dispose_removes (void)
{
  g_autofree char *base = test_dir_new ();
  GTempDir *tmp = new_in (base, G_TEMP_DIR_FLAGS_NONE);
  g_autofree char *path = g_strdup (g_temp_dir_get_path (tmp));
  guint fds_before = test_count_handles ();

  fill_tree (path);
  g_object_unref (tmp);
  g_assert_false (test_exists (path));
  g_assert_cmpuint (test_count_entries (base), ==, 0);
  g_assert_cmpuint (test_count_handles (), ==, fds_before - 1);
  test_remove_tree (base);
}

static void
test_keep (void)
{
  g_autofree char *base = test_dir_new ();
  GTempDir *tmp = new_in (base, G_TEMP_DIR_FLAGS_KEEP);
  g_autofree char *path = g_strdup (g_temp_dir_get_path (tmp));

  fill_tree (path);
  g_object_unref (tmp);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_DIR));

  /* delete FALSE at dispose, but an explicit cleanup removes it anyway. */
  tmp = new_in (base, G_TEMP_DIR_FLAGS_KEEP);
  fill_tree (g_temp_dir_get_path (tmp));
  cleanup_ok (tmp);
  g_assert_false (test_exists (g_temp_dir_get_path (tmp)));
  g_object_unref (tmp);

  /* Changed at run time. */
  tmp = new_in (base, G_TEMP_DIR_FLAGS_NONE);
  g_object_set (tmp, "delete", FALSE, NULL);
  g_free (path);
  path = g_strdup (g_temp_dir_get_path (tmp));
  g_object_unref (tmp);
  g_assert_true (test_exists (path));

  test_remove_tree (base);
}

static void
test_cleanup_idempotent (void)
{
  g_autofree char *base = test_dir_new ();
  g_autoptr(GTempDir) tmp = new_in (base, G_TEMP_DIR_FLAGS_NONE);
  guint fds_before = test_count_handles ();

  fill_tree (g_temp_dir_get_path (tmp));
  cleanup_ok (tmp);
  g_assert_false (test_exists (g_temp_dir_get_path (tmp)));
  /* The lock and its descriptor are let go. */
  g_assert_cmpuint (test_count_handles (), ==, fds_before - 1);

  /* Again, and after something new appeared at the path: nothing is done. */
  g_assert_no_errno (g_mkdir (g_temp_dir_get_path (tmp), 0700));
  cleanup_ok (tmp);
  g_assert_true (test_exists (g_temp_dir_get_path (tmp)));
  test_remove_tree (base);
}

/* Nothing at the path any more: success, and nothing else is touched. */
static void
test_cleanup_gone (void)
{
  g_autofree char *base = test_dir_new ();
  g_autofree char *elsewhere = g_build_filename (base, "renamed", NULL);
  g_autoptr(GTempDir) removed = new_in (base, G_TEMP_DIR_FLAGS_NONE);
  g_autoptr(GTempDir) renamed = new_in (base, G_TEMP_DIR_FLAGS_NONE);
  guint top;

  g_assert_no_errno (g_rmdir (g_temp_dir_get_path (removed)));
  cleanup_ok (removed);

  top = fill_tree (g_temp_dir_get_path (renamed));
  g_assert_no_errno (g_rename (g_temp_dir_get_path (renamed), elsewhere));
  cleanup_ok (renamed);
  g_assert_cmpuint (test_count_entries (elsewhere), ==, top);

  test_remove_tree (base);
}

/* Something else at the path: nothing is touched, and an error says so. */
static void
test_cleanup_replaced (void)
{
  g_autofree char *base = test_dir_new ();
  g_autofree char *victim = make_victim (base);
  g_autofree char *moved = g_build_filename (base, "moved", NULL);
  g_autoptr(GTempDir) tmp = new_in (base, G_TEMP_DIR_FLAGS_NONE);
  g_autoptr(GTempDir) other = new_in (base, G_TEMP_DIR_FLAGS_NONE);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_strdup (g_temp_dir_get_path (tmp));
  g_autofree char *name = g_path_get_basename (path);

  /* A symbolic link to the victim, where one can be made. */
  g_assert_no_errno (g_rename (path, moved));
  if (make_link (victim, base, name))
    {
      g_assert_false (g_temp_dir_cleanup (tmp, NULL, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WRONG_ETAG);
      g_assert_nonnull (strstr (error->message, path));
      g_clear_error (&error);
      assert_victim_intact (victim);
      g_assert_true (g_file_test (path, G_FILE_TEST_IS_SYMLINK));
      if (g_unlink (path) != 0)
        g_assert_no_errno (g_rmdir (path));
    }

  /* Another directory with content. */
  g_assert_no_errno (g_mkdir (path, 0700));
  make_file (path, "not ours", "keep");
  g_assert_false (g_temp_dir_cleanup (tmp, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WRONG_ETAG);
  g_assert_cmpuint (test_count_entries (path), ==, 1);
  g_clear_error (&error);

  /* Disposing does not touch it either. */
  g_clear_object (&tmp);
  g_assert_cmpuint (test_count_entries (path), ==, 1);
  assert_victim_intact (victim);

  g_clear_object (&other);
  test_remove_tree (base);
}

/* The removal walk: links --------------------------------------------------- */

static void
test_symlinks (void)
{
  g_autofree char *base = test_dir_new ();
  g_autofree char *victim = make_victim (base);
  g_autofree char *victim_file = g_build_filename (victim, "precious", NULL);
  g_autofree char *missing_dir = g_build_filename (base, "missing-dir", NULL);
  GTempDir *tmp = new_in (base, G_TEMP_DIR_FLAGS_NONE);
  g_autofree char *path = g_strdup (g_temp_dir_get_path (tmp));
  g_autofree char *sub = make_dir (path, "sub");

  if (skip_without_symlinks (base))
    {
      g_object_unref (tmp);
      test_remove_tree (base);
      return;
    }

  /* Links out of the tree, at the top and inside, to a directory and to a
   * file; links to what does not exist. */
  make_link (victim, path, "to-victim");
  make_link (victim, sub, "to-victim");
  make_link (victim_file, sub, "to-file");
  make_link ("/nonexistent/file", path, "dangling-file");
  make_link (missing_dir, sub, "dangling-dir");
  make_link (".", sub, "to-self");
  make_link ("..", sub, "to-parent");

  cleanup_ok (tmp);
  g_assert_false (test_exists (path));
  assert_victim_intact (victim);
  if (has_modes ())
    g_assert_cmpint (test_mode (victim), ==, 0700);
  g_assert_false (test_exists (missing_dir));

  g_object_unref (tmp);
  test_remove_tree (base);
}

/* The removal walk: a race ---------------------------------------------------- */

typedef struct
{
  char          *sub;
  char          *aside;
  char          *victim;
  volatile gint  stop;
  guint          swaps;
} Swapper;

/* Keeps replacing the subdirectory with a link to the victim and back. */
static gpointer
swap_thread (gpointer user_data)
{
  Swapper *swapper = user_data;

  while (!g_atomic_int_get (&swapper->stop))
    {
      if (g_rename (swapper->sub, swapper->aside) == 0)
        {
          if (test_try_symlink (swapper->victim, swapper->sub))
            {
              swapper->swaps++;
              g_thread_yield ();
              if (g_unlink (swapper->sub) != 0)
                g_rmdir (swapper->sub);   /* a link to a directory, on Windows */
            }
          g_rename (swapper->aside, swapper->sub);
        }
    }
  return NULL;
}

static void
test_race (void)
{
  g_autofree char *base = test_dir_new ();
  g_autofree char *victim = make_victim (base);
  guint swaps = 0;
  const guint rounds = test_scaled (100, 3);

  if (skip_without_symlinks (base))
    {
      test_remove_tree (base);
      return;
    }

  for (guint round = 0; round < rounds; round++)
    {
      GTempDir *tmp = new_in (base, G_TEMP_DIR_FLAGS_NONE);
      g_autofree char *path = g_strdup (g_temp_dir_get_path (tmp));
      g_autofree char *sub = make_dir (path, "sub");
      Swapper swapper = { sub, g_build_filename (path, "aside", NULL), victim, 0, 0 };
      GThread *thread;

      for (guint i = 0; i < 20; i++)
        {
          g_autofree char *name = g_strdup_printf ("file-%u", i);
          g_autofree char *inner = g_strdup_printf ("dir-%u", i);
          g_autofree char *inner_path = make_dir (sub, inner);

          make_file (sub, name, "x");
          make_file (inner_path, "y", "y");
        }

      thread = g_thread_new ("swapper", swap_thread, &swapper);
      /* Errors are expected: the tree changes under the walk. */
      g_temp_dir_cleanup (tmp, NULL, NULL);
      g_atomic_int_set (&swapper.stop, 1);
      g_thread_join (thread);
      swaps += swapper.swaps;

      assert_victim_intact (victim);

      /* What the race left is removed on a quiet second pass. */
      cleanup_ok (tmp);
      g_assert_false (test_exists (path));
      g_object_unref (tmp);
      g_free (swapper.aside);
    }

  g_test_message ("%u swaps during %u cleanups", swaps, rounds);
  g_assert_cmpuint (swaps, >, 0);
  assert_victim_intact (victim);
  test_remove_tree (base);
}

static void
make_chain (const char *root,
            guint       depth)
{
  test_make_chain (root, depth);
}

/* The same attack, at the exact moment it would work: the hook swaps the
 * directory for a link to the victim between the walk's look at it and its
 * next step. */
typedef struct
{
  GTempfileRmtreeEvent  when;
  const char           *name;
  const char           *victim;
  gboolean              swapped;
} SwapAt;

static void
swap_at (GTempfileRmtreeEvent  event,
         GTempfileSysHandle                   dir_fd,
         const char           *name,
         gpointer              user_data)
{
  SwapAt *swap = user_data;

  if (swap->swapped || event != swap->when || strcmp (name, swap->name) != 0)
    return;

#ifdef AT_FDCWD
  g_assert_no_errno (renameat (dir_fd, name, dir_fd, "aside"));
  g_assert_no_errno (symlinkat (swap->victim, dir_fd, name));
  swap->swapped = TRUE;
#else
  /* No *at() calls: the tests that use this skip first. */
  g_assert_not_reached ();
#endif
}

static void
test_swap_before_open (void)
{
  g_autofree char *base = test_dir_new ();
  g_autofree char *victim = make_victim (base);
  g_autoptr(GTempDir) tmp = new_in (base, G_TEMP_DIR_FLAGS_NONE);
  g_autofree char *sub = make_dir (g_temp_dir_get_path (tmp), "sub");
  SwapAt swap = { G_TEMPFILE_RMTREE_OPENING, "sub", victim, FALSE };

#ifndef AT_FDCWD
  g_test_skip ("no renameat() and symlinkat() to swap an entry at the walk's own level");
  g_clear_object (&tmp);
  test_remove_tree (base);
  return;
#endif
  make_file (sub, "inside", "x");

  _g_tempfile_set_rmtree_hook_for_testing (swap_at, &swap);
  g_temp_dir_cleanup (tmp, NULL, NULL);
  _g_tempfile_set_rmtree_hook_for_testing (NULL, NULL);

  g_assert_true (swap.swapped);
  assert_victim_intact (victim);
  cleanup_ok (tmp);
  g_assert_false (test_exists (g_temp_dir_get_path (tmp)));
  assert_victim_intact (victim);
  test_remove_tree (base);
}

/* Repairing the mode of an unreadable directory must change that
 * directory, not whatever its name points to a moment later. As an ordinary
 * user: root never needs the repair. */
static void
test_swap_before_repair (void)
{
  if (skip_without_modes ())
    return;

  if (g_test_subprocess ())
    {
      const char *base = g_getenv ("TEST_DIR");
      g_autofree char *victim = NULL;
      g_autoptr(GTempDir) tmp = NULL;
      g_autofree char *locked = NULL;
      SwapAt swap = { G_TEMPFILE_RMTREE_REPAIRING, "locked", NULL, FALSE };

      test_drop_privileges ();
      victim = make_victim (base);
      g_assert_no_errno (chmod (victim, 0750));
      tmp = new_in (base, G_TEMP_DIR_FLAGS_NONE);
      locked = make_dir (g_temp_dir_get_path (tmp), "locked");
      make_file (locked, "inside", "x");
      g_assert_no_errno (chmod (locked, 0000));
      swap.victim = victim;

      _g_tempfile_set_rmtree_hook_for_testing (swap_at, &swap);
      g_temp_dir_cleanup (tmp, NULL, NULL);
      _g_tempfile_set_rmtree_hook_for_testing (NULL, NULL);

      g_assert_true (swap.swapped);
      g_assert_cmpint (test_mode (victim), ==, 0750);
      assert_victim_intact (victim);
      cleanup_ok (tmp);
      g_assert_cmpint (test_mode (victim), ==, 0750);
      return;
    }
  else
    {
      g_autofree char *base = test_dir_for_other_user ();

      g_assert_no_errno (chmod (base, 0777));
      test_trap_with_dir (base);
      test_remove_tree (base);
    }
}

/* Deep in a chain, past the directories whose descriptors the walk closed,
 * a directory higher up is moved out of the tree into the victim. Going back
 * up through ".." would then lead into the victim: the walk must notice and
 * stop. */
typedef struct
{
  char     *from;
  char     *to;
  guint     openings;
  gboolean  moved;
} MoveOut;

static void
move_out (GTempfileRmtreeEvent  event,
          GTempfileSysHandle                   dir_fd,
          const char           *name,
          gpointer              user_data)
{
  MoveOut *move = user_data;

  if (event == G_TEMPFILE_RMTREE_OPENING && ++move->openings == 30)
    {
      g_assert_no_errno (rename (move->from, move->to));
      move->moved = TRUE;
    }
}

static void
test_moved_out (void)
{
  g_autofree char *base = test_dir_new ();
  g_autofree char *victim = make_victim (base);
  g_autoptr(GTempDir) tmp = new_in (base, G_TEMP_DIR_FLAGS_NONE);
  g_autoptr(GString) level10 = g_string_new (g_temp_dir_get_path (tmp));
  MoveOut move = { NULL, g_build_filename (victim, "moved", NULL), 0, FALSE };
  g_autoptr(GError) error = NULL;

  if (_g_tempfile_sys_walk_max_open () == 0)
    {
      /* Windows: the walk keeps every directory it is inside open, and
       * never goes back up through "..". */
      g_test_skip ("the walk never reopens a directory through “..” here");
      g_free (move.to);
      g_clear_object (&tmp);
      test_remove_tree (base);
      return;
    }
  make_chain (g_temp_dir_get_path (tmp), 40);
  for (guint i = 0; i < 10; i++)
    g_string_append (level10, G_DIR_SEPARATOR_S "d");
  move.from = level10->str;

  _g_tempfile_set_rmtree_hook_for_testing (move_out, &move);
  g_assert_false (g_temp_dir_cleanup (tmp, NULL, &error));
  _g_tempfile_set_rmtree_hook_for_testing (NULL, NULL);

  g_assert_true (move.moved);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WRONG_ETAG);
  assert_victim_intact (victim);
  g_assert_true (test_exists (move.to));

  g_free (move.to);
  test_remove_tree (base);
}

/* The removal walk: permissions ---------------------------------------------- */

static void
chmod_all (const char * const *paths,
           guint               n,
           mode_t              mode)
{
  /* Deepest first, so that a directory is changed after its contents. */
  for (guint i = n; i > 0; i--)
    g_assert_no_errno (chmod (paths[i - 1], mode));
}

/* Every owner mode from 0000 to 0700 on every file and directory of a
 * three-level tree; links out of the tree whose targets' modes must not
 * change. */
static void
check_modes (const char *base)
{
  g_autofree char *outside_dir = make_dir (base, "outside-dir");
  g_autofree char *outside_file = g_build_filename (base, "outside-file", NULL);

  test_write_file (outside_file, "outside");
  g_assert_no_errno (chmod (outside_file, 0640));
  g_assert_no_errno (chmod (outside_dir, 0750));

  for (mode_t mode = 0; mode <= 0700; mode += 0100)
    {
      GTempDir *tmp = new_in (base, G_TEMP_DIR_FLAGS_NONE);
      const char *root = g_temp_dir_get_path (tmp);
      g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
      g_autofree char *level = g_strdup (root);
      g_autoptr(GError) error = NULL;

      g_ptr_array_add (paths, g_strdup (root));
      for (guint depth = 0; depth < 3; depth++)
        {
          char *next = make_dir (level, "level");

          make_file (level, "file-a", "a");
          make_file (level, "file-b", "b");
          make_link (outside_file, level, "link-file");
          make_link (outside_dir, level, "link-dir");
          g_ptr_array_add (paths, g_build_filename (level, "file-a", NULL));
          g_ptr_array_add (paths, g_build_filename (level, "file-b", NULL));
          g_ptr_array_add (paths, g_strdup (next));
          g_free (level);
          level = next;
        }
      make_file (level, "bottom", "c");
      g_ptr_array_add (paths, g_build_filename (level, "bottom", NULL));

      chmod_all ((const char * const *) paths->pdata, paths->len, mode);

      g_assert_true (g_temp_dir_cleanup (tmp, NULL, &error));
      g_assert_no_error (error);
      g_assert_false (test_exists (root));
      g_object_unref (tmp);

      g_assert_cmpint (test_mode (outside_file), ==, 0640);
      g_assert_cmpint (test_mode (outside_dir), ==, 0750);
    }
}

/* @data: TRUE to repair without /proc and O_PATH, through
 * fchmodat(AT_SYMLINK_NOFOLLOW), as generic POSIX systems do. */
static void
test_modes (gconstpointer data)
{
  gboolean without_proc = GPOINTER_TO_INT (data);

  if (skip_without_modes ())
    return;

  if (g_test_subprocess ())
    {
      const char *base = g_getenv ("TEST_DIR");

      _g_tempfile_sys_disable_for_testing (GTEMPFILE_SYS_FEATURE_PROC, without_proc);
      _g_tempfile_sys_disable_for_testing (GTEMPFILE_SYS_FEATURE_O_PATH, without_proc);
      /* As an ordinary user, whom permissions do stop. */
      test_drop_privileges ();
      check_modes (base);
      return;
    }
  else
    {
      g_autofree char *shared = test_dir_for_other_user ();
      g_autofree char *own = test_dir_new ();

      g_assert_no_errno (chmod (shared, 0777));
      test_trap_with_dir (shared);
      test_remove_tree (shared);

      /* And as whoever runs the tests. */
      _g_tempfile_sys_disable_for_testing (GTEMPFILE_SYS_FEATURE_PROC, without_proc);
      _g_tempfile_sys_disable_for_testing (GTEMPFILE_SYS_FEATURE_O_PATH, without_proc);
      check_modes (own);
      _g_tempfile_sys_disable_for_testing (GTEMPFILE_SYS_FEATURE_PROC, FALSE);
      _g_tempfile_sys_disable_for_testing (GTEMPFILE_SYS_FEATURE_O_PATH, FALSE);
      test_remove_tree (own);
    }
}

/* The removal walk: size ------------------------------------------------------- */

/* 20 000 levels, far deeper than a path can name, with a limit on open
 * descriptors that a walk keeping one per level would hit at once. */
static void
test_deep_chain (void)
{
  if (g_test_subprocess ())
    {
      const char *base = g_getenv ("TEST_DIR");
      g_autoptr(GTempDir) tmp = new_in (base, G_TEMP_DIR_FLAGS_NONE);
      guint fds_before;

      /* Under valgrind, 3000 levels: still deeper than a path can name.
       * Under Wine, 400: far deeper than MAX_PATH, not than \\?\ paths. */
      make_chain (g_temp_dir_get_path (tmp), scaled_for_wine (20000, 3000, 400));

      fds_before = test_count_handles ();
#ifdef RLIMIT_NOFILE
      {
        struct rlimit limit;

        /* The soft limit is what stops the process (valgrind keeps the
         * hard one for its own descriptors). Where there is none
         * (Windows), handles are only limited by memory. */
        g_assert_no_errno (getrlimit (RLIMIT_NOFILE, &limit));
        limit.rlim_cur = fds_before + 32;
        g_assert_no_errno (setrlimit (RLIMIT_NOFILE, &limit));
      }
#endif

      cleanup_ok (tmp);
      g_assert_false (test_exists (g_temp_dir_get_path (tmp)));
      g_assert_cmpuint (test_count_handles (), ==, fds_before - 1);
      return;
    }
  else
    {
      g_autofree char *base = test_dir_new ();

      test_trap_with_dir (base);
      g_assert_cmpuint (test_count_entries (base), ==, 0);
      test_remove_tree (base);
    }
}

static void
test_wide (void)
{
  g_autofree char *base = test_dir_new ();
  GTempDir *tmp = new_in (base, G_TEMP_DIR_FLAGS_NONE);
  g_autofree char *path = g_strdup (g_temp_dir_get_path (tmp));
  const guint entries = scaled_for_wine (100000, 5000, 5000);
  guint fds_before;
#ifdef AT_FDCWD
  int fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
#endif

  for (guint i = 0; i < entries; i++)
    {
      char name[32];

      g_snprintf (name, sizeof name, "entry-%06u", i);
#ifdef AT_FDCWD
      if (i % 1000 == 0)
        g_assert_no_errno (mkdirat (fd, name, 0700));
      else
        g_assert_no_errno (close (openat (fd, name, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)));
#else
      {
        g_autofree char *entry = g_build_filename (path, name, NULL);

        if (i % 1000 == 0)
          g_assert_no_errno (g_mkdir (entry, 0700));
        else
          g_assert_no_errno (close (g_open (entry, O_WRONLY | O_CREAT | O_BINARY, 0600)));
      }
#endif
    }
#ifdef AT_FDCWD
  close (fd);
#endif
  g_assert_cmpuint (test_count_entries (path), ==, entries);

  fds_before = test_count_handles ();
  cleanup_ok (tmp);
  g_assert_false (test_exists (path));
  g_assert_cmpuint (test_count_handles (), ==, fds_before - 1);
  g_object_unref (tmp);
  test_remove_tree (base);
}

/* The removal walk: other file systems --------------------------------------- */

/* A file system mounted inside is reported and left alone; the rest goes. */
static void
test_mount_point (void)
{
#ifdef HAVE_UNSHARE
  if (g_test_subprocess ())
    {
      const char *base = g_getenv ("TEST_DIR");
      g_autoptr(GTempDir) tmp = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *sub = NULL;
      g_autofree char *mnt = NULL;
      g_autofree char *kept = NULL;

      if (!test_is_root () || unshare (CLONE_NEWNS) != 0 ||
          mount ("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0)
        {
          test_skip_subprocess ("needs root and a private mount namespace to mount a file "
                                "system inside the tree");
          return;
        }

      tmp = new_in (base, G_TEMP_DIR_FLAGS_NONE);
      sub = make_dir (g_temp_dir_get_path (tmp), "sub");
      mnt = make_dir (sub, "mnt");
      make_file (sub, "before", "x");
      g_assert_no_errno (mount ("tmpfs", mnt, "tmpfs", 0, "size=64k"));
      make_file (mnt, "on-the-mount", "keep");
      kept = g_build_filename (mnt, "on-the-mount", NULL);

      g_assert_false (g_temp_dir_cleanup (tmp, NULL, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
      g_assert_nonnull (strstr (error->message, mnt));
      test_assert_contents (kept, "keep");
      g_assert_cmpuint (test_count_entries (sub), ==, 1);

      /* Silent when asked, and still not emptied. */
      g_clear_error (&error);
      g_temp_dir_set_ignore_cleanup_errors (tmp, TRUE);
      g_assert_true (g_temp_dir_cleanup (tmp, NULL, &error));
      g_assert_no_error (error);
      test_assert_contents (kept, "keep");

      /* Once unmounted, a second cleanup finishes. */
      g_assert_no_errno (umount (mnt));
      g_temp_dir_set_ignore_cleanup_errors (tmp, FALSE);
      cleanup_ok (tmp);
      g_assert_false (test_exists (g_temp_dir_get_path (tmp)));

      /* A bind mount of the same file system is another mount too. */
      g_clear_object (&tmp);
      tmp = new_in (base, G_TEMP_DIR_FLAGS_NONE);
      g_free (mnt);
      mnt = make_dir (g_temp_dir_get_path (tmp), "bound");
      g_assert_no_errno (mount (base, mnt, "none", MS_BIND, NULL));
      g_assert_false (g_temp_dir_cleanup (tmp, NULL, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
      g_assert_true (test_exists (g_temp_dir_get_path (tmp)));
      g_assert_no_errno (umount (mnt));
      cleanup_ok (tmp);
      return;
    }
  else
    {
      g_autofree char *base = test_dir_new ();

      test_trap_with_dir (base);
      g_assert_cmpuint (test_count_entries (base), ==, 0);
      test_remove_tree (base);
    }
#else
  /* Windows: a mounted volume is a reparse point, never entered; its test
   * needs a second volume, which test-windows cannot count on. */
  g_test_skip ("needs mount namespaces (Linux) to mount a file system inside the tree");
#endif
}

/* DESIGN.md §4 on Linux: each means of the mount test, forced by taking the
 * ones before it away, recognises a mount inside the tree before anything
 * is done to it. The mounted directory has mode 0100 and belongs to the
 * unprivileged user who cleans up: the old walk changed its mode (outside
 * the tree) before it noticed the mount. A bind mount of the same file
 * system is recognised by every means but the device, which only sees
 * another file system (documented in doc/guarantees.md). */
typedef struct
{
  const char            *name;
  GTempfileSysMountMeans means;
  guint                  disable;   /* how many links of the chain to take away */
} MountMeans;

static const MountMeans mount_means[] = {
  { "statx", GTEMPFILE_SYS_MOUNT_BY_STATX, 0 },
  { "name-to-handle", GTEMPFILE_SYS_MOUNT_BY_HANDLE, 1 },
  { "fdinfo", GTEMPFILE_SYS_MOUNT_BY_FDINFO, 2 },
  { "device", GTEMPFILE_SYS_MOUNT_BY_DEVICE, 3 },
};

#ifdef HAVE_UNSHARE
static void
be_unprivileged (gboolean unprivileged)
{
  /* Effective ids only, so that root can come back to mount and unmount. */
  if (unprivileged)
    {
      g_assert_no_errno (setegid (65534));
      g_assert_no_errno (seteuid (65534));
    }
  else
    {
      g_assert_no_errno (seteuid (0));
      g_assert_no_errno (setegid (0));
    }
}

static void
test_mount_means (gconstpointer data)
{
  const MountMeans *means = data;

  if (g_test_subprocess ())
    {
      static const GTempfileSysFeature chain[] = {
        GTEMPFILE_SYS_FEATURE_STATX_MOUNT_ID,
        GTEMPFILE_SYS_FEATURE_HANDLE_MOUNT_ID,
        GTEMPFILE_SYS_FEATURE_PROC,
      };
      const char *base = g_getenv ("TEST_DIR");
      g_autofree char *work = g_build_filename (base, "work", NULL);
      g_autofree char *outside = g_build_filename (base, "outside", NULL);
      g_autofree char *kept = g_build_filename (outside, "keep", NULL);
      g_autofree char *mnt = NULL;
      g_autofree char *mounted_file = NULL;
      g_autoptr(GTempDir) tmp = NULL;
      g_autoptr(GError) error = NULL;
      GTempfileSysMount mount_info;
      GTempfileSysHandle handle;
      GTempfileSysId id;

      if (!test_is_root () || unshare (CLONE_NEWNS) != 0 ||
          mount ("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0)
        {
          test_skip_subprocess ("needs root and a private mount namespace to mount a file "
                                "system inside the tree");
          return;
        }
      if (means->disable < G_N_ELEMENTS (chain) &&
          !_g_tempfile_sys_has_feature (chain[means->disable]))
        {
          test_skip_subprocess ("built without this means of the mount test");
          return;
        }
      for (guint i = 0; i < means->disable; i++)
        _g_tempfile_sys_disable_for_testing (chain[i], TRUE);

      /* Outside the tree: a directory of the unprivileged user, mode 0100. */
      g_assert_no_errno (g_mkdir (work, 0700));
      g_assert_no_errno (chown (work, 65534, 65534));
      g_assert_no_errno (g_mkdir (outside, 0700));
      test_write_file (kept, "keep");
      g_assert_no_errno (chown (outside, 65534, 65534));
      g_assert_no_errno (chmod (outside, 0100));

      be_unprivileged (TRUE);
      tmp = new_in (work, G_TEMP_DIR_FLAGS_NONE);
      mnt = make_dir (g_temp_dir_get_path (tmp), "mnt");
      make_file (g_temp_dir_get_path (tmp), "inside", "x");
      handle = _g_tempfile_sys_dir_open (g_temp_dir_get_path (tmp), &id);
      g_assert_cmpint (handle, >=, 0);
      g_assert_cmpint (_g_tempfile_sys_mount_init (&mount_info, handle, &id), ==, 0);
      _g_tempfile_sys_dir_close (handle);
      g_assert_cmpint (mount_info.means, ==, means->means);
      be_unprivileged (FALSE);

      if (means->means == GTEMPFILE_SYS_MOUNT_BY_DEVICE)
        {
          /* Only another file system can be told apart by its device. */
          g_assert_no_errno (mount ("tmpfs", mnt, "tmpfs", 0, "size=64k,mode=0100,uid=65534"));
          mounted_file = g_build_filename (mnt, "keep", NULL);
          test_write_file (mounted_file, "keep");
        }
      else
        g_assert_no_errno (mount (outside, mnt, "none", MS_BIND, NULL));

      be_unprivileged (TRUE);
      g_assert_false (g_temp_dir_cleanup (tmp, NULL, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
      g_assert_nonnull (strstr (error->message, mnt));
      be_unprivileged (FALSE);

      /* Reported and left exactly as it was: its mode and its content. */
      if (mounted_file != NULL)
        {
          g_assert_cmpint (test_mode (mnt), ==, 0100);
          test_assert_contents (mounted_file, "keep");
        }
      g_assert_cmpint (test_mode (outside), ==, 0100);
      test_assert_contents (kept, "keep");
      g_assert_cmpuint (test_count_entries (g_temp_dir_get_path (tmp)), ==, 1);

      g_assert_no_errno (umount (mnt));
      be_unprivileged (TRUE);
      cleanup_ok (tmp);
      be_unprivileged (FALSE);
      g_assert_false (test_exists (g_temp_dir_get_path (tmp)));
      return;
    }
  else
    {
      g_autofree char *base = test_dir_for_other_user ();

      test_trap_with_dir (base);
      test_remove_tree (base);
    }
}
#else
static void
test_mount_means (gconstpointer data)
{
  g_test_skip ("needs mount namespaces (Linux) to mount a file system inside the tree");
}
#endif

/* A subdirectory removed by someone else while the walk is inside it: its
 * listing just ends (getdents64 says ENOENT there), and the cleanup
 * succeeds, the first time. */
static void
vanish_after_first (GTempfileRmtreeEvent  event,
                    GTempfileSysHandle    dir_fd,
                    const char           *name,
                    gpointer              user_data)
{
  char **victim = user_data;

  if (event == G_TEMPFILE_RMTREE_REMOVED && *victim != NULL && g_str_has_prefix (name, "f-"))
    {
      test_remove_tree (*victim);
      g_clear_pointer (victim, g_free);
    }
}

static void
test_vanished_dir (void)
{
  g_autofree char *base = test_dir_new ();
  g_autoptr(GTempDir) tmp = new_in (base, G_TEMP_DIR_FLAGS_NONE);
  g_autofree char *sub = make_dir (g_temp_dir_get_path (tmp), "sub");
  char *victim = g_strdup (sub);

  /* Enough entries that the listing of "sub" takes more than one read. */
  for (guint i = 0; i < 2000; i++)
    {
      g_autofree char *name = g_strdup_printf ("f-%04u-with-a-long-name-to-fill-the-buffer", i);

      make_file (sub, name, "x");
    }

  _g_tempfile_set_rmtree_hook_for_testing (vanish_after_first, &victim);
  cleanup_ok (tmp);
  _g_tempfile_set_rmtree_hook_for_testing (NULL, NULL);
  g_assert_null (victim);
  g_assert_false (test_exists (g_temp_dir_get_path (tmp)));
  test_remove_tree (base);
}

/* Without syncfs, a synced persist still succeeds (everything is synced). */
static void
test_persist_without_syncfs (void)
{
  g_autofree char *base = test_dir_new ();
  g_autofree char *target = g_build_filename (base, "final", NULL);
  g_autoptr(GTempDir) tmp = new_in (base, G_TEMP_DIR_FLAGS_NONE);
  g_autoptr(GError) error = NULL;

  make_file (g_temp_dir_get_path (tmp), "content", "x");
  _g_tempfile_sys_disable_for_testing (GTEMPFILE_SYS_FEATURE_SYNCFS, TRUE);
  g_assert_true (g_temp_dir_persist (tmp, target, G_TEMP_PERSIST_SYNC, &error));
  _g_tempfile_sys_disable_for_testing (GTEMPFILE_SYS_FEATURE_SYNCFS, FALSE);
  g_assert_no_error (error);
  g_assert_true (test_exists (target));
  test_remove_tree (base);
}

/* Errors ------------------------------------------------------------------ */

static gboolean
set_immutable (const char *path,
               gboolean    immutable)
{
#ifdef FS_IOC_SETFLAGS
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  int flags = 0;
  gboolean ok;

  if (fd < 0)
    return FALSE;
  ok = ioctl (fd, FS_IOC_GETFLAGS, &flags) == 0;
  if (immutable)
    flags |= FS_IMMUTABLE_FL;
  else
    flags &= ~FS_IMMUTABLE_FL;
  ok = ok && ioctl (fd, FS_IOC_SETFLAGS, &flags) == 0;
  close (fd);
  return ok;
#else
  /* test-windows makes a file stuck its own way (held open). */
  return FALSE;
#endif
}

/* An entry that cannot be removed: the walk goes on past it, reports it
 * with its path (or nothing, with ignore-cleanup-errors), and a later
 * cleanup retries. */
static void
test_errors_continue (void)
{
  g_autofree char *base = test_dir_new ();
  g_autoptr(GTempDir) tmp = new_in (base, G_TEMP_DIR_FLAGS_NONE);
  g_autofree char *first = make_dir (g_temp_dir_get_path (tmp), "a-first");
  g_autofree char *stuck = make_dir (g_temp_dir_get_path (tmp), "m-stuck");
  g_autofree char *last = make_dir (g_temp_dir_get_path (tmp), "z-last");
  g_autofree char *stuck_file = g_build_filename (stuck, "immutable", NULL);
  g_autoptr(GError) error = NULL;

  make_file (first, "one", "1");
  make_file (last, "two", "2");
  make_file (stuck, "immutable", "i");
  if (!set_immutable (stuck_file, TRUE))
    {
      g_test_skip ("cannot make a file immutable here (needs root and ext4, xfs, btrfs...)");
      g_clear_object (&tmp);
      test_remove_tree (base);
      return;
    }

  g_assert_false (g_temp_dir_cleanup (tmp, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_assert_nonnull (strstr (error->message, stuck_file));
  g_assert_false (test_exists (first));
  g_assert_false (test_exists (last));
  g_assert_true (test_exists (stuck_file));
  g_clear_error (&error);

  g_temp_dir_set_ignore_cleanup_errors (tmp, TRUE);
  g_assert_true (g_temp_dir_cleanup (tmp, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (test_exists (stuck_file));

  g_assert_true (set_immutable (stuck_file, FALSE));
  g_temp_dir_set_ignore_cleanup_errors (tmp, FALSE);
  cleanup_ok (tmp);
  g_assert_false (test_exists (g_temp_dir_get_path (tmp)));
  test_remove_tree (base);
}

/* Cancellation ------------------------------------------------------------ */

typedef struct
{
  GCancellable *cancellable;
  guint         removed;
  guint         cancel_after;
} CancelData;

static void
cancel_after (GTempfileRmtreeEvent  event,
              GTempfileSysHandle                   dir_fd,
              const char           *name,
              gpointer              user_data)
{
  CancelData *data = user_data;

  if (event == G_TEMPFILE_RMTREE_REMOVED && ++data->removed == data->cancel_after)
    g_cancellable_cancel (data->cancellable);
}

static void
build_wide_tree (const char *root)
{
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *name = g_strdup_printf ("dir-%02u", i);
      g_autofree char *dir = make_dir (root, name);

      for (guint j = 0; j < 10; j++)
        {
          g_autofree char *file = g_strdup_printf ("file-%02u", j);

          make_file (dir, file, "x");
        }
    }
}

/* Entries in the tree under @root, not following links. */
static guint
count_tree (const char *root)
{
  g_autoptr(GDir) dir = g_dir_open (root, 0, NULL);
  const char *name;
  guint n = 0;

  if (dir == NULL)
    return 0;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (root, name, NULL);
      GStatBuf st;

      n++;
      if (g_lstat (path, &st) == 0 && S_ISDIR (st.st_mode))
        n += count_tree (path);
    }
  return n;
}

/* Cancelled half way: a consistent, partly removed tree that a second
 * cleanup finishes. */
static void
test_cancel (void)
{
  g_autofree char *base = test_dir_new ();
  g_autoptr(GTempDir) tmp = new_in (base, G_TEMP_DIR_FLAGS_NONE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  CancelData data = { cancellable, 0, 100 };
  g_autoptr(GError) error = NULL;
  guint left;

  build_wide_tree (g_temp_dir_get_path (tmp));
  g_assert_cmpuint (count_tree (g_temp_dir_get_path (tmp)), ==, 220);

  _g_tempfile_set_rmtree_hook_for_testing (cancel_after, &data);
  g_assert_false (g_temp_dir_cleanup (tmp, cancellable, &error));
  _g_tempfile_set_rmtree_hook_for_testing (NULL, NULL);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  left = count_tree (g_temp_dir_get_path (tmp));
  g_assert_cmpuint (left, ==, 220 - 100);

  cleanup_ok (tmp);
  g_assert_false (test_exists (g_temp_dir_get_path (tmp)));
  test_remove_tree (base);
}

static void
cleaned (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  AsyncData *data = user_data;

  data->cleaned = g_temp_dir_cleanup_finish (G_TEMP_DIR (source), result, &data->error);
  g_main_loop_quit (data->loop);
}

static void
test_cleanup_async (void)
{
  g_autofree char *base = test_dir_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GTempDir) tmp = new_in (base, G_TEMP_DIR_FLAGS_NONE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AsyncData data = { loop, NULL, FALSE, NULL };
  CancelData cancel = { cancellable, 0, 50 };

  build_wide_tree (g_temp_dir_get_path (tmp));

  /* Cancelled in the worker thread part way. */
  _g_tempfile_set_rmtree_hook_for_testing (cancel_after, &cancel);
  g_temp_dir_cleanup_async (tmp, G_PRIORITY_DEFAULT, cancellable, cleaned, &data);
  g_main_loop_run (loop);
  _g_tempfile_set_rmtree_hook_for_testing (NULL, NULL);
  g_assert_error (data.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (data.cleaned);
  g_assert_cmpuint (count_tree (g_temp_dir_get_path (tmp)), ==, 220 - 50);
  g_clear_error (&data.error);

  g_temp_dir_cleanup_async (tmp, G_PRIORITY_DEFAULT, NULL, cleaned, &data);
  g_main_loop_run (loop);
  g_assert_no_error (data.error);
  g_assert_true (data.cleaned);
  g_assert_false (test_exists (g_temp_dir_get_path (tmp)));
  test_remove_tree (base);
}

/* Holds the first cleanup inside its walk until the test lets it go. */
typedef struct
{
  GMutex   lock;
  GCond    cond;
  gboolean inside;
  gboolean release;
} BlockData;

static void
block_walk (GTempfileRmtreeEvent  event,
            GTempfileSysHandle                   dir_fd,
            const char           *name,
            gpointer              user_data)
{
  BlockData *block = user_data;

  g_mutex_lock (&block->lock);
  block->inside = TRUE;
  g_cond_broadcast (&block->cond);
  while (!block->release)
    g_cond_wait (&block->cond, &block->lock);
  g_mutex_unlock (&block->lock);
}

/* DESIGN.md §4: a cleanup (or persist) while another one on the same object
 * runs fails at once with PENDING, and the running one is not disturbed. */
static void
test_cleanup_pending (void)
{
  g_autofree char *base = test_dir_new ();
  g_autofree char *target = g_build_filename (base, "target", NULL);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GTempDir) tmp = new_in (base, G_TEMP_DIR_FLAGS_NONE);
  g_autofree char *path = g_strdup (g_temp_dir_get_path (tmp));
  AsyncData first = { loop, NULL, FALSE, NULL };
  AsyncData second = { loop, NULL, FALSE, NULL };
  BlockData block = { 0, };
  g_autoptr(GError) error = NULL;

  build_wide_tree (path);
  g_mutex_init (&block.lock);
  g_cond_init (&block.cond);
  _g_tempfile_set_rmtree_hook_for_testing (block_walk, &block);

  g_temp_dir_cleanup_async (tmp, G_PRIORITY_DEFAULT, NULL, cleaned, &first);
  g_mutex_lock (&block.lock);
  while (!block.inside)
    g_cond_wait (&block.cond, &block.lock);
  g_mutex_unlock (&block.lock);

  /* The first walk is in the middle of the tree now. */
  g_temp_dir_cleanup_async (tmp, G_PRIORITY_DEFAULT, NULL, cleaned, &second);
  g_main_loop_run (loop);
  g_assert_error (second.error, G_IO_ERROR, G_IO_ERROR_PENDING);
  g_assert_false (second.cleaned);
  g_clear_error (&second.error);

  g_assert_false (g_temp_dir_cleanup (tmp, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
  g_clear_error (&error);
  g_assert_false (g_temp_dir_persist (tmp, target, G_TEMP_PERSIST_NONE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
  g_clear_error (&error);
  g_assert_false (test_exists (target));

  g_mutex_lock (&block.lock);
  block.release = TRUE;
  g_cond_broadcast (&block.cond);
  g_mutex_unlock (&block.lock);
  g_main_loop_run (loop);
  _g_tempfile_set_rmtree_hook_for_testing (NULL, NULL);
  g_assert_no_error (first.error);
  g_assert_true (first.cleaned);
  g_assert_false (test_exists (path));

  /* Over: cleanup works again (and has nothing left to do). */
  g_assert_true (g_temp_dir_cleanup (tmp, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (test_count_entries (base), ==, 0);

  g_mutex_clear (&block.lock);
  g_cond_clear (&block.cond);
  test_remove_tree (base);
}

/* Persist ----------------------------------------------------------------- */

static void
check_persist (void)
{
  g_autofree char *base = test_dir_new ();
  g_autofree char *target = g_build_filename (base, "final", NULL);
  g_autofree char *empty = make_dir (base, "empty");
  g_autofree char *full = make_dir (base, "full");
  g_autofree char *file = g_build_filename (base, "a-file", NULL);
  GTempDir *tmp = new_in (base, G_TEMP_DIR_FLAGS_NONE);
  g_autofree char *temp_path = g_strdup (g_temp_dir_get_path (tmp));
  g_autoptr(GError) error = NULL;
  g_autofree char *result = NULL;
  guint fds_before = test_count_handles ();
  guint path_notes = 0;

  make_file (temp_path, "result", "done");
  make_file (full, "occupied", "x");
  test_write_file (file, "");

  /* A non-empty directory is never replaced; a file is not a directory. */
  g_assert_false (g_temp_dir_persist (tmp, full, G_TEMP_PERSIST_NONE, &error));
  g_assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_EMPTY) ||
                 g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS));
  g_clear_error (&error);
  g_assert_false (g_temp_dir_persist (tmp, file, G_TEMP_PERSIST_NONE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY);
  g_clear_error (&error);

  /* NO_REPLACE does not replace even an empty one. */
  g_assert_false (g_temp_dir_persist (tmp, empty, G_TEMP_PERSIST_NO_REPLACE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, empty));
  g_clear_error (&error);
  g_assert_cmpstr (g_temp_dir_get_path (tmp), ==, temp_path);
  g_assert_true (g_temp_dir_get_delete (tmp));
  g_assert_cmpuint (test_count_entries (full), ==, 1);

  g_signal_connect (tmp, "notify::path", G_CALLBACK (test_count_notify), &path_notes);
  g_assert_true (g_temp_dir_persist (tmp, target,
                                     G_TEMP_PERSIST_NO_REPLACE | G_TEMP_PERSIST_SYNC, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (path_notes, ==, 1);
  g_assert_cmpstr (g_temp_dir_get_path (tmp), ==, target);
  g_assert_false (test_exists (temp_path));
  g_assert_false (g_temp_dir_get_delete (tmp));
  /* The lock is let go. */
  g_assert_cmpuint (test_count_handles (), ==, fds_before - 1);

  /* The object owns nothing now. */
  cleanup_ok (tmp);
  g_object_unref (tmp);
  result = g_build_filename (target, "result", NULL);
  test_assert_contents (result, "done");

  /* Without NO_REPLACE, an empty directory is replaced. */
  tmp = new_in (base, G_TEMP_DIR_FLAGS_NONE);
  g_assert_true (g_temp_dir_persist (tmp, empty, G_TEMP_PERSIST_NONE, &error));
  g_assert_no_error (error);
  g_object_unref (tmp);
  g_assert_true (g_file_test (empty, G_FILE_TEST_IS_DIR));

  test_remove_tree (base);
}

static void
test_persist (void)
{
  check_persist ();
}

static void
test_persist_fallback (void)
{
  _g_tempfile_sys_disable_for_testing (GTEMPFILE_SYS_FEATURE_RENAME_NOREPLACE, TRUE);
  check_persist ();
  _g_tempfile_sys_disable_for_testing (GTEMPFILE_SYS_FEATURE_RENAME_NOREPLACE, FALSE);
}

static void
test_persist_errors (void)
{
  g_autofree char *base = test_dir_new ();
  g_autofree char *target = g_build_filename (base, "missing", "final", NULL);
  g_autoptr(GTempDir) tmp = new_in (base, G_TEMP_DIR_FLAGS_NONE);
  g_autoptr(GError) error = NULL;

  g_assert_false (g_temp_dir_persist (tmp, target, G_TEMP_PERSIST_NONE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (g_temp_dir_persist (tmp, "", G_TEMP_PERSIST_NONE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (g_temp_dir_persist (tmp, target, 1 << 9, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_true (test_exists (g_temp_dir_get_path (tmp)));

  /* After cleanup there is nothing to persist. */
  cleanup_ok (tmp);
  g_assert_false (g_temp_dir_persist (tmp, target, G_TEMP_PERSIST_NONE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  test_remove_tree (base);
}

/* The lock ---------------------------------------------------------------- */

#ifdef HAVE_FLOCK
static gboolean
can_lock_exclusively (const char *path)
{
  int fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  gboolean locked;

  g_assert_cmpint (fd, >=, 0);
  locked = flock (fd, LOCK_EX | LOCK_NB) == 0;
  if (!locked)
    g_assert_cmpint (errno, ==, EWOULDBLOCK);
  close (fd);
  return locked;
}

/* What systemd-tmpfiles does before aging a directory fails while the
 * object lives. */
static void
test_flock (void)
{
  g_autofree char *base = test_dir_new ();
  GTempDir *tmp = new_in (base, G_TEMP_DIR_FLAGS_KEEP);
  g_autofree char *path = g_strdup (g_temp_dir_get_path (tmp));

  g_assert_false (can_lock_exclusively (path));
  g_object_unref (tmp);
  g_assert_true (can_lock_exclusively (path));
  test_remove_tree (base);
}

/* DESIGN.md §4: the locks take a bounded share of the descriptors. With the
 * usual soft limit of 1 024, at most 128 directories hold one; any number
 * can live, the application keeps its descriptors, and every directory is
 * still removed. In a subprocess: the limit and the lock budget are
 * per-process. */
static void
test_flock_bounded (void)
{
  const guint n_dirs = test_scaled (100000, 3000);
  g_autofree char *base = NULL;

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 600 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_passed ();
      return;
    }

  /* What is tested is descriptors, not the file system: in memory, where
   * there is one, 100 000 directories take a second instead of a minute. */
  base = g_strdup ("/dev/shm/gtempfile-test-XXXXXX");
  if (g_mkdtemp (base) == NULL)
    {
      g_free (base);
      base = test_dir_new ();
    }

  {
    struct rlimit limit;
    g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func (g_object_unref);
    g_autoptr(GArray) app_fds = g_array_new (FALSE, FALSE, sizeof (int));
    guint locked = 0;
    guint fds_before;

    /* The soft limit only: valgrind keeps the hard one for its own. */
    g_assert_no_errno (getrlimit (RLIMIT_NOFILE, &limit));
    limit.rlim_cur = 1024;
    g_assert_no_errno (setrlimit (RLIMIT_NOFILE, &limit));
    fds_before = test_count_fds ();

    for (guint i = 0; i < n_dirs; i++)
      {
        GTempDir *tmp = g_temp_dir_new_full (base, NULL, NULL, G_TEMP_DIR_FLAGS_NONE, NULL,
                                             NULL);

        if (tmp == NULL)
          g_error ("GTempDir %u of %u could not be made", i + 1, n_dirs);
        g_ptr_array_add (dirs, tmp);
      }
    g_assert_cmpuint (test_count_entries (base), ==, n_dirs);

    /* An eighth of the limit, no more. */
    g_assert_cmpuint (test_count_fds (), ==, fds_before + 1024 / 8);
    for (guint i = 0; i < dirs->len; i++)
      if (!can_lock_exclusively (g_temp_dir_get_path (g_ptr_array_index (dirs, i))))
        locked++;
    g_assert_cmpuint (locked, ==, 1024 / 8);

    /* The application still has the rest. */
    for (guint i = 0; i < 800; i++)
      {
        int fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);

        g_assert_cmpint (fd, >=, 0);
        g_array_append_val (app_fds, fd);
      }
    for (guint i = 0; i < app_fds->len; i++)
      close (g_array_index (app_fds, int, i));

    /* Locked or not, every one is removed, and its lock given back. */
    g_ptr_array_set_size (dirs, 0);
    g_assert_cmpuint (test_count_entries (base), ==, 0);
    g_assert_cmpuint (test_count_fds (), ==, fds_before);
    test_remove_tree (base);
  }
}
#else
static void
test_flock (void)
{
  /* Windows: LockFileEx refuses a directory, and no cleaner respects a
   * lock; the handle a GTempDir keeps is all there is. */
  g_test_skip ("no flock() on this system");
}

static void
test_flock_bounded (void)
{
  g_test_skip ("no flock() on this system");
}
#endif

/* A directory whose owner took its read permission away is still removed,
 * also where no handle of it was kept: by cleanup and dispose beyond the
 * lock budget, and by the exit pass, which never has one. When it cannot be
 * opened at all (no descriptors left), cleanup says why and a later one
 * succeeds. As an ordinary user: root reads any directory. */
#ifdef RLIMIT_NOFILE
static GTempDir *left_for_exit;

static char *
fill_dir (GTempDir *tmp,
          guint     mode)
{
  char *path = g_strdup (g_temp_dir_get_path (tmp));
  g_autofree char *file = g_build_filename (path, "file", NULL);

  test_write_file (file, "x");
  g_assert_no_errno (chmod (path, mode));
  return path;
}

static void
test_cleanup_unreadable (void)
{
  if (skip_without_modes ())
    return;

  if (g_test_subprocess ())
    {
      const char *dir = g_getenv ("TEST_DIR");
      g_autoptr(GTempDir) locked1 = NULL;
      g_autoptr(GTempDir) locked2 = NULL;
      g_autoptr(GTempDir) unlocked = NULL;
      g_autoptr(GTempDir) busy = NULL;
      g_autoptr(GArray) fds = g_array_new (FALSE, FALSE, sizeof (int));
      g_autoptr(GError) error = NULL;
      g_autofree char *path = NULL;
      GTempDir *disposed;
      struct rlimit limit;
      int fd;

      test_drop_privileges ();
      /* A lock budget of two (an eighth of 16): the next ones keep no
       * handle, and their cleanup opens them by path. */
      g_assert_no_errno (getrlimit (RLIMIT_NOFILE, &limit));
      limit.rlim_cur = 16;
      g_assert_no_errno (setrlimit (RLIMIT_NOFILE, &limit));
      locked1 = g_temp_dir_new_full (dir, NULL, NULL, G_TEMP_DIR_FLAGS_NONE, NULL, &error);
      g_assert_no_error (error);
      locked2 = g_temp_dir_new_full (dir, NULL, NULL, G_TEMP_DIR_FLAGS_NONE, NULL, &error);
      g_assert_no_error (error);

      unlocked = g_temp_dir_new_full (dir, NULL, NULL, G_TEMP_DIR_FLAGS_NONE, NULL, &error);
      g_assert_no_error (error);
      path = fill_dir (unlocked, 0300);
      g_assert_true (g_temp_dir_cleanup (unlocked, NULL, &error));
      g_assert_no_error (error);
      g_assert_false (test_exists (path));
      g_clear_pointer (&path, g_free);

      disposed = g_temp_dir_new_full (dir, NULL, NULL, G_TEMP_DIR_FLAGS_NONE, NULL, &error);
      g_assert_no_error (error);
      path = fill_dir (disposed, 0300);
      g_object_unref (disposed);
      g_assert_false (test_exists (path));
      g_clear_pointer (&path, g_free);

      /* No descriptor left to open it with. */
      busy = g_temp_dir_new_full (dir, NULL, NULL, G_TEMP_DIR_FLAGS_NONE, NULL, &error);
      g_assert_no_error (error);
      path = fill_dir (busy, 0700);
      while ((fd = open ("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
        g_array_append_val (fds, fd);
      g_assert_cmpint (errno, ==, EMFILE);
      g_assert_false (g_temp_dir_cleanup (busy, NULL, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_OPEN_FILES);
      g_assert_nonnull (strstr (error->message, path));
      g_clear_error (&error);
      g_assert_true (test_exists (path));
      for (guint i = 0; i < fds->len; i++)
        close (g_array_index (fds, int, i));
      g_assert_true (g_temp_dir_cleanup (busy, NULL, &error));
      g_assert_no_error (error);
      g_assert_false (test_exists (path));

      /* Left alive: the exit pass removes it. */
      left_for_exit = g_temp_dir_new_full (dir, NULL, NULL, G_TEMP_DIR_FLAGS_NONE, NULL, &error);
      g_assert_no_error (error);
      g_free (fill_dir (left_for_exit, 0300));
      return;
    }
  else
    {
      g_autofree char *dir = test_dir_for_other_user ();

      g_assert_no_errno (chmod (dir, 0777));
      test_trap_with_dir (dir);
      g_assert_cmpuint (test_count_entries (dir), ==, 0);
      test_remove_tree (dir);
    }
}

#else
static void
test_cleanup_unreadable (void)
{
  /* Windows: no permission bits to take away, and no RLIMIT_NOFILE. */
  g_test_skip ("no permission bits and no RLIMIT_NOFILE on this system");
}
#endif

/* A umask that takes the owner's read permission away (0477 makes the
 * directory 0300) does not stop a GTempDir where a handle can pin a
 * directory without reading it, as it does not stop mkdtemp() or Python;
 * it is removed as usual. Elsewhere creating fails, leaving nothing. */
static void
test_new_umask_unreadable (void)
{
  if (skip_without_modes ())
    return;

  if (g_test_subprocess ())
    {
      const char *dir = g_getenv ("TEST_DIR");
      g_autoptr(GError) error = NULL;
      g_autofree char *path = NULL;
      g_autofree char *file = NULL;
      GTempDir *tmp;

      test_drop_privileges ();
      umask (0477);
      tmp = g_temp_dir_new_full (dir, NULL, NULL, G_TEMP_DIR_FLAGS_NONE, NULL, &error);
      if (!_g_tempfile_sys_has_feature (GTEMPFILE_SYS_FEATURE_O_PATH))
        {
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
          g_assert_null (tmp);
          return;
        }
      g_assert_no_error (error);
      path = g_strdup (g_temp_dir_get_path (tmp));
      g_assert_cmpuint (test_mode (path) & 07777, ==, 0300);
      file = g_build_filename (path, "file", NULL);
      test_write_file (file, "x");
      g_object_unref (tmp);
      g_assert_false (test_exists (path));

      /* A synced persist works as a plain one does. */
      tmp = g_temp_dir_new_full (dir, NULL, NULL, G_TEMP_DIR_FLAGS_NONE, NULL, &error);
      g_assert_no_error (error);
      g_clear_pointer (&path, g_free);
      path = g_strconcat (g_temp_dir_get_path (tmp), "-kept", NULL);
      g_assert_true (g_temp_dir_persist (tmp, path, G_TEMP_PERSIST_SYNC, &error));
      g_assert_no_error (error);
      g_object_unref (tmp);
      g_assert_true (test_exists (path));
      g_assert_no_errno (chmod (path, 0700));
      g_assert_no_errno (g_rmdir (path));
      return;
    }
  else
    {
      g_autofree char *dir = test_dir_for_other_user ();

      g_assert_no_errno (chmod (dir, 0777));
      test_trap_with_dir (dir);
      g_assert_cmpuint (test_count_entries (dir), ==, 0);
      test_remove_tree (dir);
    }
}

/* DESIGN.md §6: an explicit cleanup in a child made with fork() works, even
 * when the parent was in the middle of its own cleanup_async at the time of
 * the fork (the child has no such cleanup running). */
static void
test_cleanup_after_fork (void)
{
#ifdef HAVE_FORK
  g_autofree char *base = test_dir_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GTempDir) tmp = g_temp_dir_new_full (base, NULL, NULL, G_TEMP_DIR_FLAGS_NONE,
                                                 NULL, NULL);
  const char *path = g_temp_dir_get_path (tmp);
  AsyncData first = { loop, NULL, FALSE, NULL };
  BlockData block = { 0, };
  int status;
  pid_t pid;

  build_wide_tree (path);
  g_mutex_init (&block.lock);
  g_cond_init (&block.cond);
  _g_tempfile_set_rmtree_hook_for_testing (block_walk, &block);

  g_temp_dir_cleanup_async (tmp, G_PRIORITY_DEFAULT, NULL, cleaned, &first);
  g_mutex_lock (&block.lock);
  while (!block.inside)
    g_cond_wait (&block.cond, &block.lock);
  g_mutex_unlock (&block.lock);

  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      GError *error = NULL;

      alarm (60);
      _g_tempfile_set_rmtree_hook_for_testing (NULL, NULL);
      if (!g_temp_dir_cleanup (tmp, NULL, &error))
        {
          g_printerr ("cleanup in the child: %s\n", error->message);
          test_exit_child (1);
        }
      test_exit_child (test_exists (path) ? 2 : 0);
    }
  g_assert_no_errno (waitpid (pid, &status, 0));
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);

  /* The parent's walk finds its tree gone, which is no error. */
  g_mutex_lock (&block.lock);
  block.release = TRUE;
  g_cond_broadcast (&block.cond);
  g_mutex_unlock (&block.lock);
  g_main_loop_run (loop);
  _g_tempfile_set_rmtree_hook_for_testing (NULL, NULL);
  g_assert_no_error (first.error);
  g_assert_true (first.cleaned);

  g_mutex_clear (&block.lock);
  g_cond_clear (&block.cond);
  test_remove_tree (base);
#else
  g_test_skip ("no fork() on this system");
#endif
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

  g_test_add_func ("/temp-dir/new/default", test_new_default);
  g_test_add_func ("/temp-dir/new/flags", test_new_flags);
  g_test_add_func ("/temp-dir/new/errors", test_new_errors);
  g_test_add_func ("/temp-dir/new/permission-denied", test_new_permission_denied);
  g_test_add_func ("/temp-dir/new/async", test_new_async);
  g_test_add_func ("/temp-dir/lifetime/dispose", test_dispose_removes);
  g_test_add_func ("/temp-dir/lifetime/keep", test_keep);
  g_test_add_func ("/temp-dir/lifetime/flock", test_flock);
  g_test_add_func ("/temp-dir/lifetime/flock-bounded", test_flock_bounded);
  g_test_add_func ("/temp-dir/cleanup/idempotent", test_cleanup_idempotent);
  g_test_add_func ("/temp-dir/cleanup/gone", test_cleanup_gone);
  g_test_add_func ("/temp-dir/cleanup/replaced", test_cleanup_replaced);
  g_test_add_func ("/temp-dir/cleanup/errors-continue", test_errors_continue);
  g_test_add_func ("/temp-dir/cleanup/cancel", test_cancel);
  g_test_add_func ("/temp-dir/cleanup/async", test_cleanup_async);
  g_test_add_func ("/temp-dir/cleanup/pending", test_cleanup_pending);
  g_test_add_func ("/temp-dir/cleanup/after-fork", test_cleanup_after_fork);
  g_test_add_func ("/temp-dir/cleanup/unreadable", test_cleanup_unreadable);
  g_test_add_func ("/temp-dir/new/umask-unreadable", test_new_umask_unreadable);
  g_test_add_func ("/temp-dir/walk/symlinks", test_symlinks);
  g_test_add_func ("/temp-dir/walk/race", test_race);
  g_test_add_func ("/temp-dir/walk/swap-before-open", test_swap_before_open);
  g_test_add_func ("/temp-dir/walk/swap-before-repair", test_swap_before_repair);
  g_test_add_func ("/temp-dir/walk/moved-out", test_moved_out);
  g_test_add_data_func ("/temp-dir/walk/modes", GINT_TO_POINTER (FALSE), test_modes);
  g_test_add_data_func ("/temp-dir/walk/modes-without-proc", GINT_TO_POINTER (TRUE), test_modes);
  g_test_add_func ("/temp-dir/walk/deep-chain", test_deep_chain);
  g_test_add_func ("/temp-dir/walk/wide", test_wide);
  g_test_add_func ("/temp-dir/walk/mount-point", test_mount_point);
  for (guint i = 0; i < G_N_ELEMENTS (mount_means); i++)
    {
      g_autofree char *name = g_strdup_printf ("/temp-dir/walk/mount-test/%s",
                                               mount_means[i].name);

      g_test_add_data_func (name, &mount_means[i], test_mount_means);
    }
  g_test_add_func ("/temp-dir/walk/vanished-dir", test_vanished_dir);
  g_test_add_func ("/temp-dir/persist/rename", test_persist);
  g_test_add_func ("/temp-dir/persist/no-renameat2", test_persist_fallback);
  g_test_add_func ("/temp-dir/persist/no-syncfs", test_persist_without_syncfs);
  g_test_add_func ("/temp-dir/persist/errors", test_persist_errors);

  return g_test_run ();
}
