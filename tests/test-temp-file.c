/* test-temp-file.c: GTempFile (DESIGN.md §3)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef HAVE_FORK
# include <sys/wait.h>
#endif
#ifdef HAVE_GIO_UNIX
# include <gio/gfiledescriptorbased.h>
#endif
#include <glib/gstdio.h>

#include "gtempfile.h"
#include "gtemp-file-private.h"
#include "gtempfile-create-private.h"
#include "gtempfile-names-private.h"
#include "gtempfile-object-private.h"
#include "gtempfile-platform-private.h"
#include "test-common.h"

/* Helpers ----------------------------------------------------------------- */

/* What to expect is decided by the library's configuration, never by
 * probing the kernel (DESIGN.md §8): built with O_TMPFILE, anonymous files
 * have no name at any moment and can be persisted. (The test directory must
 * then be on a file system that supports it, as the build tree's is.) */
static gboolean
o_tmpfile_supported (const char *dir)
{
  return _g_tempfile_sys_has_feature (GTEMPFILE_SYS_FEATURE_O_TMPFILE);
}

static gboolean
skip_without_o_tmpfile (const char *dir)
{
  if (o_tmpfile_supported (dir))
    return FALSE;
  g_test_skip ("built without O_TMPFILE (the generic POSIX fallbacks, or Windows)");
  return TRUE;
}

/* Permission bits exist where the library sets them (not on Windows). */
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

/* How many names an open anonymous file may leave in its directory: none
 * where removing an open file's name takes it away at once (POSIX); one on
 * Windows without POSIX delete semantics (Wine), where the name of the
 * delete-on-close file is listed until it is closed. */
static guint
names_while_open (void)
{
  return _g_tempfile_sys_has_feature (GTEMPFILE_SYS_FEATURE_UNLINK_OPEN) ? 0 : 1;
}

static gboolean
skip_without_symlink (const char *target,
                      const char *link)
{
  if (test_symlink (target, link))
    return FALSE;
  g_test_skip ("no symbolic link could be made");
  return TRUE;
}

static GTempFile *
new_in (const char     *dir,
        GTempFileFlags  flags)
{
  g_autoptr(GError) error = NULL;
  GTempFile *file = g_temp_file_new_full (dir, NULL, NULL, flags, NULL, &error);

  g_assert_no_error (error);
  g_assert_true (G_IS_TEMP_FILE (file));
  return file;
}

static void
write_string (GTempFile  *file,
              const char *text)
{
  g_autoptr(GError) error = NULL;
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (file));

  g_output_stream_write_all (out, text, strlen (text), NULL, NULL, &error);
  g_assert_no_error (error);
}

/* Reads everything from the current position through the input stream. */
static char *
read_rest (GTempFile *file)
{
  g_autoptr(GError) error = NULL;
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (file));
  GString *text = g_string_new (NULL);
  char buffer[7];
  gssize n;

  while ((n = g_input_stream_read (in, buffer, sizeof buffer, NULL, &error)) > 0)
    g_string_append_len (text, buffer, n);
  g_assert_no_error (error);
  return g_string_free (text, FALSE);
}

#define assert_rest(file, expected) \
  G_STMT_START { \
    g_autofree char *rest_ = read_rest (file); \
    g_assert_cmpstr (rest_, ==, (expected)); \
  } G_STMT_END

static void
seek_to (GTempFile *file,
         goffset    offset)
{
  g_autoptr(GError) error = NULL;

  g_seekable_seek (G_SEEKABLE (file), offset, G_SEEK_SET, NULL, &error);
  g_assert_no_error (error);
}

static void
close_ok (GTempFile *file)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (g_io_stream_close (G_IO_STREAM (file), NULL, &error));
  g_assert_no_error (error);
}

/* Creation ---------------------------------------------------------------- */

static void
test_new_default (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTempFile) file = g_temp_file_new (&error);
  g_autofree char *base = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *tempdir = g_tempfile_get_tempdir (NULL);
  g_autofree char *prop_dir = NULL;
  g_autofree char *prop_prefix = NULL;
  g_autofree char *prop_suffix = NULL;
  g_autofree char *file_path = NULL;
  int fd;

  g_assert_no_error (error);
  g_assert_nonnull (file);

  base = g_path_get_basename (g_temp_file_get_path (file));
  dir = g_path_get_dirname (g_temp_file_get_path (file));
  g_assert_cmpstr (dir, ==, tempdir);
  g_assert_true (g_regex_match_simple ("^tmp[a-z0-9_]{8}$", base, 0, 0));
  g_assert_true (g_file_test (g_temp_file_get_path (file), G_FILE_TEST_IS_REGULAR));
  if (has_modes ())
    g_assert_cmpint (test_mode (g_temp_file_get_path (file)), ==, 0600);

  fd = g_temp_file_get_fd (file);
  g_assert_cmpint (fd, >=, 0);
  g_assert_true (test_fd_is_read_write (fd));

  g_assert_true (g_temp_file_get_delete (file));
  g_assert_true (g_temp_file_get_delete_on_close (file));
  g_assert_false (g_temp_file_is_anonymous (file));

  file_path = g_file_get_path (g_temp_file_get_file (file));
  g_assert_cmpstr (file_path, ==, g_temp_file_get_path (file));

  /* Once created, the properties say what was used. */
  g_object_get (file, "dir", &prop_dir, "prefix", &prop_prefix, "suffix", &prop_suffix, NULL);
  g_assert_cmpstr (prop_dir, ==, tempdir);
  g_assert_cmpstr (prop_prefix, ==, "tmp");
  g_assert_cmpstr (prop_suffix, ==, "");

  g_assert_true (G_IS_FILE_IO_STREAM (file));
  g_assert_true (G_IS_SEEKABLE (file));
  g_assert_true (G_IS_INITABLE (file));
  g_assert_true (G_IS_ASYNC_INITABLE (file));
}

static void
test_new_object_new (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autoptr(GTempFile) file = g_object_new (G_TYPE_TEMP_FILE,
                                            "dir", dir,
                                            "prefix", "obj-",
                                            "suffix", ".bin",
                                            "delete-on-close", FALSE,
                                            NULL);
  g_autoptr(GError) error = NULL;
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (file));
  g_autofree char *path = NULL;

  /* Not initialized yet: nothing exists and nothing works. */
  g_assert_null (g_temp_file_get_path (file));
  g_assert_cmpint (g_temp_file_get_fd (file), ==, -1);
  g_assert_cmpint (g_output_stream_write (out, "x", 1, NULL, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED);
  g_clear_error (&error);
  g_assert_false (g_temp_file_persist (file, "/nowhere", G_TEMP_PERSIST_NONE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED);
  g_clear_error (&error);
  g_assert_cmpuint (test_count_entries (dir), ==, 0);

  g_assert_true (g_initable_init (G_INITABLE (file), NULL, &error));
  g_assert_no_error (error);
  path = g_strdup (g_temp_file_get_path (file));
  g_assert_true (g_str_has_suffix (path, ".bin"));
  g_assert_false (g_temp_file_get_delete_on_close (file));

  /* Again: the same object, no second file. */
  g_assert_true (g_initable_init (G_INITABLE (file), NULL, &error));
  g_assert_cmpstr (g_temp_file_get_path (file), ==, path);
  g_assert_cmpuint (test_count_entries (dir), ==, 1);

  write_string (file, "works");
  g_clear_object (&file);
  g_assert_cmpuint (test_count_entries (dir), ==, 0);
  test_remove_tree (dir);
}

typedef struct
{
  guint    paths;
  gboolean other_thread;
} NotifyData;

static void
path_notified (GObject    *object,
               GParamSpec *pspec,
               NotifyData *data)
{
  data->paths++;
  if (g_thread_self () != g_object_get_data (object, "test-thread"))
    data->other_thread = TRUE;
}

static void
init_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (g_async_initable_init_finish (G_ASYNC_INITABLE (source), result, &error));
  g_assert_no_error (error);
  g_main_loop_quit (user_data);
}

/* Initializing fills in path, dir...: notified once, in the caller's
 * thread, also when the work is done in a worker thread. */
static void
test_new_notify (void)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  GTempFile *file;
  NotifyData data = { 0, FALSE };

  file = g_object_new (G_TYPE_TEMP_FILE, NULL);
  g_object_set_data (G_OBJECT (file), "test-thread", g_thread_self ());
  g_signal_connect (file, "notify::path", G_CALLBACK (path_notified), &data);
  g_assert_true (g_initable_init (G_INITABLE (file), NULL, NULL));
  g_assert_true (g_initable_init (G_INITABLE (file), NULL, NULL));
  g_assert_cmpuint (data.paths, ==, 1);
  g_object_unref (file);

  file = g_object_new (G_TYPE_TEMP_FILE, NULL);
  g_object_set_data (G_OBJECT (file), "test-thread", g_thread_self ());
  g_signal_connect (file, "notify::path", G_CALLBACK (path_notified), &data);
  g_async_initable_init_async (G_ASYNC_INITABLE (file), G_PRIORITY_DEFAULT, NULL,
                               init_done, loop);
  g_main_loop_run (loop);
  g_assert_cmpuint (data.paths, ==, 2);
  g_assert_false (data.other_thread);
  g_object_unref (file);
}

static void
test_new_failed_init_repeats (void)
{
  g_autoptr(GTempFile) file = g_object_new (G_TYPE_TEMP_FILE, "dir", "/nonexistent/dir", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) again = NULL;

  g_assert_false (g_initable_init (G_INITABLE (file), NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_false (g_initable_init (G_INITABLE (file), NULL, &again));
  g_assert_error (again, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, again->message);

  /* A file that was never created has nothing to clean up. */
  g_assert_true (g_temp_file_cleanup (file, NULL, NULL));
}

static void
test_new_invalid_flags (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTempFile) file = g_temp_file_new_full (NULL, NULL, NULL, 1 << 12, NULL, &error);

  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_null (file);
}

static void
test_new_cancelled (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GTempFile) file = NULL;

  g_cancellable_cancel (cancellable);
  file = g_temp_file_new_full (dir, NULL, NULL, G_TEMP_FILE_FLAGS_KEEP, cancellable, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (file);
  g_assert_cmpuint (test_count_entries (dir), ==, 0);
  test_remove_tree (dir);
}

static void
test_new_many (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autoptr(GHashTable) paths = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) fds = g_hash_table_new (NULL, NULL);
  GTempFile *files[100];
  guint fds_before = test_count_fds ();

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      files[i] = new_in (dir, G_TEMP_FILE_FLAGS_NONE);
      g_assert_true (g_hash_table_add (paths, (gpointer) g_temp_file_get_path (files[i])));
      g_assert_true (g_hash_table_add (fds, GINT_TO_POINTER (g_temp_file_get_fd (files[i]))));
    }
  g_assert_cmpuint (test_count_entries (dir), ==, 100);

  /* Each is its own file. */
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *text = g_strdup_printf ("file %u", i);

      write_string (files[i], text);
    }
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *text = g_strdup_printf ("file %u", i);

      test_assert_contents (g_temp_file_get_path (files[i]), text);
    }

  g_hash_table_remove_all (paths);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    g_object_unref (files[i]);
  g_assert_cmpuint (test_count_entries (dir), ==, 0);
  g_assert_cmpuint (test_count_fds (), ==, fds_before);
  test_remove_tree (dir);
}

static void
test_collisions (void)
{
  static const char * const sequence[] = { "aaaaaaaa", "bbbbbbbb", "cccccccc", NULL };
  TestNames names = { sequence, 0 };
  g_autofree char *dir = test_dir_new ();
  g_autofree char *file_path = g_build_filename (dir, "tmpaaaaaaaa", NULL);
  g_autofree char *dir_path = g_build_filename (dir, "tmpbbbbbbbb", NULL);
  g_autofree char *expected = g_build_filename (dir, "tmpcccccccc", NULL);
  g_autoptr(GTempFile) file = NULL;
  g_autoptr(GError) error = NULL;

  test_write_file (file_path, "keep me");
  g_assert_no_errno (g_mkdir (dir_path, 0700));

  _g_tempfile_set_name_func_for_testing (test_names_func, &names);
  file = new_in (dir, G_TEMP_FILE_FLAGS_NONE);
  g_assert_cmpstr (g_temp_file_get_path (file), ==, expected);
  g_clear_object (&file);

  /* Every name taken: EXISTS after 10 000 attempts, nothing created. */
  test_write_file (expected, "");
  names.calls = 0;
  file = g_temp_file_new_full (dir, NULL, NULL, G_TEMP_FILE_FLAGS_NONE, NULL, &error);
  _g_tempfile_set_name_func_for_testing (NULL, NULL);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_assert_null (file);
  g_assert_cmpuint (names.calls, ==, 10000);

  test_assert_contents (file_path, "keep me");
  g_assert_cmpuint (test_count_entries (dir), ==, 3);
  test_remove_tree (dir);
}

static void
test_modes (void)
{
  const mode_t masks[] = { 0, 022, 077 };

  if (skip_without_modes ())
    return;

  for (guint i = 0; i < G_N_ELEMENTS (masks); i++)
    {
      g_autofree char *dir = test_dir_new ();
      mode_t saved = umask (masks[i]);
      g_autoptr(GTempFile) named = new_in (dir, G_TEMP_FILE_FLAGS_NONE);
      g_autoptr(GTempFile) anonymous = new_in (dir, G_TEMP_FILE_FLAGS_ANONYMOUS);
      struct stat st;

      umask (saved);
      g_assert_cmpint (test_mode (g_temp_file_get_path (named)), ==, 0600);
      g_assert_no_errno (fstat (g_temp_file_get_fd (anonymous), &st));
      g_assert_cmpint (st.st_mode & 07777, ==, 0600);

      g_clear_object (&named);
      g_clear_object (&anonymous);
      test_remove_tree (dir);
    }
}

/* The descriptor is close-on-exec: a program started with every descriptor
 * left open still cannot write to it. */
static void
test_close_on_exec (void)
{
  const GTempFileFlags kinds[] = { G_TEMP_FILE_FLAGS_NONE, G_TEMP_FILE_FLAGS_ANONYMOUS };

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autofree char *dir = test_dir_new ();
      g_autoptr(GTempFile) file = new_in (dir, kinds[i]);
      int fd = g_temp_file_get_fd (file);
#ifdef HAVE_FORK
      /* Exits 7 only when the descriptor is not open in the new program;
       * if it is, writes to it (through /proc, which works for any number). */
      g_autofree char *script = g_strdup_printf ("if [ -e /proc/self/fd/%d ]; then "
                                                 "echo leaked > /proc/self/fd/%d; exit 1; "
                                                 "fi; exit 7", fd, fd);
      const char *argv[] = { "/bin/sh", "-c", script, NULL };
      g_autoptr(GError) error = NULL;
      int status;
      struct stat st;

      g_assert_cmpint (fcntl (fd, F_GETFD) & FD_CLOEXEC, ==, FD_CLOEXEC);

      g_spawn_sync (NULL, (char **) argv, NULL,
                    G_SPAWN_LEAVE_DESCRIPTORS_OPEN | G_SPAWN_STDERR_TO_DEV_NULL,
                    NULL, NULL, NULL, NULL, &status, &error);
      g_assert_no_error (error);
      g_assert_true (WIFEXITED (status));
      g_assert_cmpint (WEXITSTATUS (status), ==, 7);

      g_assert_no_errno (fstat (fd, &st));
      g_assert_cmpint (st.st_size, ==, 0);
#else
      /* No exec with descriptors left open: the handle is simply not
       * inheritable (CreateProcess with bInheritHandles never gets it). */
      g_assert_false (test_fd_is_inherited (fd));
#endif

      g_clear_object (&file);
      test_remove_tree (dir);
    }
}

/* The deletion table ------------------------------------------------------ */

typedef struct
{
  GTempFileFlags flags;
  gboolean       kept_after_close;
  gboolean       kept_after_dispose;
} DeletionRow;

static const DeletionRow deletion_rows[] = {
  { G_TEMP_FILE_FLAGS_NONE, FALSE, FALSE },
  { G_TEMP_FILE_FLAGS_KEEP_ON_CLOSE, TRUE, FALSE },
  { G_TEMP_FILE_FLAGS_KEEP, TRUE, TRUE },
  { G_TEMP_FILE_FLAGS_KEEP | G_TEMP_FILE_FLAGS_KEEP_ON_CLOSE, TRUE, TRUE },
};

static void
test_deletion_on_close (gconstpointer data)
{
  const DeletionRow *row = data;
  g_autofree char *dir = test_dir_new ();
  GTempFile *file = new_in (dir, row->flags);
  g_autofree char *path = g_strdup (g_temp_file_get_path (file));

  write_string (file, "content");
  close_ok (file);
  g_assert_cmpint (test_exists (path), ==, row->kept_after_close);
  if (row->kept_after_close)
    {
      /* Kept files can be reopened by name, with their content. */
      test_assert_contents (path, "content");
    }

  g_object_unref (file);
  g_assert_cmpint (test_exists (path), ==, row->kept_after_dispose);
  test_remove_tree (dir);
}

static void
test_deletion_on_dispose (gconstpointer data)
{
  const DeletionRow *row = data;
  g_autofree char *dir = test_dir_new ();
  GTempFile *file = new_in (dir, row->flags);
  g_autofree char *path = g_strdup (g_temp_file_get_path (file));

  write_string (file, "content");
  g_object_unref (file);
  g_assert_cmpint (test_exists (path), ==, row->kept_after_dispose);
  test_remove_tree (dir);
}

static void
test_deletion_set_at_runtime (void)
{
  g_autofree char *dir = test_dir_new ();
  GTempFile *file = new_in (dir, G_TEMP_FILE_FLAGS_NONE);
  g_autofree char *path = g_strdup (g_temp_file_get_path (file));
  guint delete_notes = 0;
  guint close_notes = 0;

  g_signal_connect (file, "notify::delete", G_CALLBACK (test_count_notify), &delete_notes);
  g_signal_connect (file, "notify::delete-on-close", G_CALLBACK (test_count_notify), &close_notes);

  g_temp_file_set_delete_on_close (file, FALSE);
  g_temp_file_set_delete_on_close (file, FALSE);
  g_assert_cmpuint (close_notes, ==, 1);
  close_ok (file);
  g_assert_true (test_exists (path));

  g_object_set (file, "delete", FALSE, NULL);
  g_assert_cmpuint (delete_notes, ==, 1);
  g_object_unref (file);
  g_assert_true (test_exists (path));
  test_remove_tree (dir);
}

/* Removed or renamed by someone else: no error, and the renamed file is left
 * alone. */
static void
test_deletion_already_gone (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autoptr(GTempFile) removed = new_in (dir, G_TEMP_FILE_FLAGS_NONE);
  GTempFile *renamed = new_in (dir, G_TEMP_FILE_FLAGS_NONE);
  g_autofree char *elsewhere = g_build_filename (dir, "renamed", NULL);

  g_assert_no_errno (g_unlink (g_temp_file_get_path (removed)));
  close_ok (removed);

  g_assert_no_errno (g_rename (g_temp_file_get_path (renamed), elsewhere));
  g_object_unref (renamed);
  g_assert_true (test_exists (elsewhere));
  g_assert_cmpuint (test_count_entries (dir), ==, 1);
  test_remove_tree (dir);
}

/* Cleanup ----------------------------------------------------------------- */

static void
test_cleanup_removes (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autoptr(GTempFile) file = new_in (dir, G_TEMP_FILE_FLAGS_KEEP);
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (file));
  g_autoptr(GError) error = NULL;

  write_string (file, "data");

  /* Whatever "delete" says. */
  g_assert_true (g_temp_file_cleanup (file, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (test_count_entries (dir), ==, 0);
  g_assert_true (g_io_stream_is_closed (G_IO_STREAM (file)));
  g_assert_cmpint (g_temp_file_get_fd (file), ==, -1);

  g_assert_cmpint (g_output_stream_write (out, "x", 1, NULL, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&error);

  /* Idempotent. */
  g_assert_true (g_temp_file_cleanup (file, NULL, &error));
  g_assert_no_error (error);

  /* A file already gone is success too. */
  g_clear_object (&file);
  file = new_in (dir, G_TEMP_FILE_FLAGS_KEEP_ON_CLOSE);
  close_ok (file);
  g_assert_no_errno (g_unlink (g_temp_file_get_path (file)));
  g_assert_true (g_temp_file_cleanup (file, NULL, &error));
  g_assert_no_error (error);

  test_remove_tree (dir);
}

static void
test_cleanup_cancelled (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autoptr(GTempFile) file = new_in (dir, G_TEMP_FILE_FLAGS_NONE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  g_cancellable_cancel (cancellable);
  g_assert_false (g_temp_file_cleanup (file, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (test_count_entries (dir), ==, 1);

  g_clear_error (&error);
  g_assert_true (g_temp_file_cleanup (file, NULL, &error));
  g_assert_cmpuint (test_count_entries (dir), ==, 0);
  test_remove_tree (dir);
}

/* A cleanup that fails reports the error with the path, and retries. */
static void
test_cleanup_retries (void)
{
  if (skip_without_modes ())
    return;

  if (g_test_subprocess ())
    {
      const char *base = g_getenv ("TEST_DIR");
      g_autofree char *dir = NULL;
      g_autoptr(GTempFile) file = NULL;
      g_autoptr(GError) error = NULL;

      test_drop_privileges ();
      dir = g_build_filename (base, "mine", NULL);
      g_assert_no_errno (g_mkdir (dir, 0700));
      file = new_in (dir, G_TEMP_FILE_FLAGS_NONE);

      g_assert_no_errno (chmod (dir, 0500));
      g_assert_false (g_temp_file_cleanup (file, NULL, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
      g_assert_nonnull (strstr (error->message, g_temp_file_get_path (file)));
      g_assert_true (test_exists (g_temp_file_get_path (file)));

      g_clear_error (&error);
      g_assert_no_errno (chmod (dir, 0700));
      g_assert_true (g_temp_file_cleanup (file, NULL, &error));
      g_assert_no_error (error);
      g_assert_false (test_exists (g_temp_file_get_path (file)));
      return;
    }
  else
    {
      g_autofree char *dir = test_dir_for_other_user ();

      g_assert_no_errno (chmod (dir, 0777));
      test_trap_with_dir (dir);
      test_remove_tree (dir);
    }
}

/* Streams ----------------------------------------------------------------- */

static void
test_stream_read_back (void)
{
  const GTempFileFlags kinds[] = { G_TEMP_FILE_FLAGS_NONE, G_TEMP_FILE_FLAGS_ANONYMOUS };

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autofree char *dir = test_dir_new ();
      g_autoptr(GTempFile) file = new_in (dir, kinds[i]);
      g_autofree char *all = NULL;
      g_autofree char *tail = NULL;
      g_autofree char *end = NULL;

      write_string (file, "hello, temporary world");
      g_assert_cmpint (g_seekable_tell (G_SEEKABLE (file)), ==, 22);
      g_assert_true (g_seekable_can_seek (G_SEEKABLE (file)));

      seek_to (file, 0);
      all = read_rest (file);
      g_assert_cmpstr (all, ==, "hello, temporary world");

      seek_to (file, 7);
      tail = read_rest (file);
      g_assert_cmpstr (tail, ==, "temporary world");

      /* Relative to the end. */
      g_assert_true (g_seekable_seek (G_SEEKABLE (file), -5, G_SEEK_END, NULL, NULL));
      end = read_rest (file);
      g_assert_cmpstr (end, ==, "world");

      g_clear_object (&file);
      test_remove_tree (dir);
    }
}

static void
test_stream_shared_position (void)
{
  g_autoptr(GTempFile) file = g_temp_file_new (NULL);
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (file));
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (file));
  char buffer[4] = { 0, };

  write_string (file, "0123456789");
  g_assert_cmpint (g_seekable_tell (G_SEEKABLE (in)), ==, 10);
  g_assert_cmpint (g_seekable_tell (G_SEEKABLE (out)), ==, 10);

  /* Seeking one half moves the other. */
  g_assert_true (g_seekable_seek (G_SEEKABLE (in), 2, G_SEEK_SET, NULL, NULL));
  g_assert_cmpint (g_seekable_tell (G_SEEKABLE (out)), ==, 2);
  g_assert_cmpint (g_input_stream_read (in, buffer, 3, NULL, NULL), ==, 3);
  g_assert_cmpstr (buffer, ==, "234");
  write_string (file, "ab");
  g_assert_cmpint (g_seekable_tell (G_SEEKABLE (file)), ==, 7);

  /* The descriptor shares it too. */
  g_assert_cmpint (lseek (g_temp_file_get_fd (file), 0, SEEK_CUR), ==, 7);
  seek_to (file, 0);
  assert_rest (file, "01234ab789");
}

static void
test_stream_truncate (void)
{
  g_autoptr(GTempFile) file = g_temp_file_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  struct stat st;
  char buffer[30];

  g_assert_true (g_seekable_can_truncate (G_SEEKABLE (file)));
  write_string (file, "0123456789abcdefghij");

  /* Shrinking keeps the position. */
  g_assert_true (g_seekable_truncate (G_SEEKABLE (file), 10, NULL, &error));
  g_assert_no_error (error);
  g_assert_no_errno (fstat (g_temp_file_get_fd (file), &st));
  g_assert_cmpint (st.st_size, ==, 10);
  g_assert_cmpint (g_seekable_tell (G_SEEKABLE (file)), ==, 20);
  seek_to (file, 0);
  text = read_rest (file);
  g_assert_cmpstr (text, ==, "0123456789");

  /* Growing adds zeros. */
  g_assert_true (g_seekable_truncate (G_SEEKABLE (file), 15, NULL, &error));
  seek_to (file, 0);
  g_assert_cmpint (g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (file)),
                                        buffer, sizeof buffer, NULL, &error), ==, 15);
  g_assert_cmpmem (buffer, 15, "0123456789\0\0\0\0\0", 15);

  /* Bad sizes are errors, not crashes. */
  g_assert_false (g_seekable_truncate (G_SEEKABLE (file), -1, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, g_temp_file_get_path (file)));
}

static void
test_stream_sparse (void)
{
  g_autoptr(GTempFile) file = g_temp_file_new (NULL);
  g_autoptr(GError) error = NULL;
  char buffer[16];

  seek_to (file, 100);
  write_string (file, "x");
  seek_to (file, 95);
  g_assert_cmpint (g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (file)),
                                        buffer, sizeof buffer, NULL, &error), ==, 6);
  g_assert_cmpmem (buffer, 6, "\0\0\0\0\0x", 6);

  /* Before the start: an error naming the file. */
  g_assert_false (g_seekable_seek (G_SEEKABLE (file), -1, G_SEEK_SET, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_cmpint (g_seekable_tell (G_SEEKABLE (file)), ==, 101);
}

static void
test_stream_closed (void)
{
  g_autoptr(GTempFile) file = g_temp_file_new (NULL);
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (file));
  g_autoptr(GError) error = NULL;
  char buffer[4];

  close_ok (file);
  g_assert_cmpint (g_temp_file_get_fd (file), ==, -1);
  g_assert_true (g_input_stream_is_closed (in));

  g_assert_cmpint (g_input_stream_read (in, buffer, 4, NULL, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&error);

  /* A half asked for after closing is closed too. */
  g_assert_cmpint (g_output_stream_write (g_io_stream_get_output_stream (G_IO_STREAM (file)),
                                          "x", 1, NULL, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&error);

  g_assert_false (g_seekable_seek (G_SEEKABLE (file), 0, G_SEEK_SET, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&error);

  /* Closing again is fine. */
  close_ok (file);
}

static void
written_then_quit (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_output_stream_write_finish (G_OUTPUT_STREAM (source), result, &error),
                   ==, 7);
  g_assert_no_error (error);
  g_main_loop_quit (user_data);
}

/* Closing while an operation on a half is in progress is refused with
 * PENDING; the operation completes; disposing then closes and removes. */
/* Asynchronous operations make GLib open descriptors of its own the first
 * time (its worker threads' wakeups): do that once before counting. */
static void
warm_up_async_io (void)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();

  g_output_stream_write_async (out, "warm-up", 7, G_PRIORITY_DEFAULT, NULL, written_then_quit,
                               loop);
  g_main_loop_run (loop);
}

static void
test_stream_close_pending (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  GTempFile *file;
  g_autofree char *path = NULL;
  GOutputStream *out;
  g_autoptr(GError) error = NULL;
  guint fds_before;

  warm_up_async_io ();
  fds_before = test_count_fds ();
  file = new_in (dir, G_TEMP_FILE_FLAGS_NONE);
  path = g_strdup (g_temp_file_get_path (file));
  out = g_io_stream_get_output_stream (G_IO_STREAM (file));

  /* write_async marks the stream pending at once (write_all_async only
   * does once its worker thread starts). */
  g_output_stream_write_async (out, "pending", 7, G_PRIORITY_DEFAULT, NULL,
                               written_then_quit, loop);
  g_assert_false (g_io_stream_close (G_IO_STREAM (file), NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
  g_main_loop_run (loop);
  test_assert_contents (path, "pending");

  g_object_unref (file);
  g_assert_false (test_exists (path));
  g_assert_cmpuint (test_count_fds (), ==, fds_before);
  test_remove_tree (dir);
}

/* A cleanup refused because an operation was pending can be retried, and
 * once it succeeds the descriptor is closed. */
static void
test_cleanup_after_pending (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GTempFile) file = NULL;
  g_autofree char *path = NULL;
  GOutputStream *out;
  g_autoptr(GError) error = NULL;
  guint fds_before;

  warm_up_async_io ();
  fds_before = test_count_fds ();
  file = new_in (dir, G_TEMP_FILE_FLAGS_NONE);
  path = g_strdup (g_temp_file_get_path (file));
  out = g_io_stream_get_output_stream (G_IO_STREAM (file));

  g_output_stream_write_async (out, "pending", 7, G_PRIORITY_DEFAULT, NULL,
                               written_then_quit, loop);
  g_assert_false (g_temp_file_cleanup (file, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
  g_clear_error (&error);
  /* Still pending: refused again, and the descriptor stays usable. */
  g_assert_false (g_temp_file_cleanup (file, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
  g_clear_error (&error);
  g_assert_cmpint (g_temp_file_get_fd (file), >=, 0);
  g_main_loop_run (loop);

  g_assert_true (g_temp_file_cleanup (file, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_temp_file_get_fd (file), ==, -1);
  g_assert_false (test_exists (path));
  g_assert_cmpuint (test_count_fds (), ==, fds_before);

  /* Done: further calls do nothing. */
  g_assert_true (g_temp_file_cleanup (file, NULL, &error));
  g_assert_no_error (error);
  g_clear_object (&file);
  test_remove_tree (dir);
}

/* A half kept after its owner is gone is closed, and safe to use. */
static void
test_stream_outlives_owner (void)
{
  GTempFile *file = g_temp_file_new (NULL);
  g_autoptr(GOutputStream) out = g_object_ref (g_io_stream_get_output_stream (G_IO_STREAM (file)));
  g_autoptr(GInputStream) in = g_object_ref (g_io_stream_get_input_stream (G_IO_STREAM (file)));
  g_autofree char *path = g_strdup (g_temp_file_get_path (file));
  g_autoptr(GError) error = NULL;

  g_object_unref (file);
  g_assert_false (test_exists (path));
  g_assert_true (g_output_stream_is_closed (out));
  g_assert_cmpint (g_output_stream_write (out, "x", 1, NULL, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_assert_cmpint (g_seekable_tell (G_SEEKABLE (out)), ==, 0);
  g_assert_cmpint (g_seekable_tell (G_SEEKABLE (in)), ==, 0);
#ifdef HAVE_GIO_UNIX
  g_assert_cmpint (g_file_descriptor_based_get_fd (G_FILE_DESCRIPTOR_BASED (in)), ==, -1);
#endif
}

static void
test_stream_query_info (void)
{
  /* Kept on close: a file that closing removes has no etag afterwards. */
  g_autoptr(GTempFile) file = g_temp_file_new_full (NULL, NULL, NULL,
                                                    G_TEMP_FILE_FLAGS_KEEP_ON_CLOSE, NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GFileInfo) partial = NULL;
  g_autofree char *base = g_path_get_basename (g_temp_file_get_path (file));
  GFileInputStream *in = G_FILE_INPUT_STREAM (g_io_stream_get_input_stream (G_IO_STREAM (file)));
  GFileOutputStream *out =
    G_FILE_OUTPUT_STREAM (g_io_stream_get_output_stream (G_IO_STREAM (file)));
  g_autofree char *etag = NULL;

  write_string (file, "12345");
  info = g_file_io_stream_query_info (G_FILE_IO_STREAM (file), "*", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_file_info_get_size (info), ==, 5);
  g_assert_cmpint (g_file_info_get_file_type (info), ==, G_FILE_TYPE_REGULAR);
  g_assert_cmpstr (g_file_info_get_name (info), ==, base);
  g_assert_cmpuint (g_file_info_get_attribute_uint32 (info, G_FILE_ATTRIBUTE_UNIX_MODE) & 07777,
                    ==, 0600);
  g_assert_nonnull (g_file_info_get_etag (info));

  /* Only what was asked for. */
  partial = g_file_input_stream_query_info (in, G_FILE_ATTRIBUTE_STANDARD_SIZE, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_info_has_attribute (partial, G_FILE_ATTRIBUTE_STANDARD_SIZE));
  g_assert_false (g_file_info_has_attribute (partial, G_FILE_ATTRIBUTE_UNIX_MODE));

  /* The etag is for after closing. */
  close_ok (file);
  etag = g_file_output_stream_get_etag (out);
  g_assert_cmpstr (etag, ==, g_file_info_get_etag (info));
  g_assert_true (g_temp_file_cleanup (file, NULL, NULL));
}

/* The halves are made when first asked for; one asked for after the file
 * was closed is closed too. */
static void
test_stream_half_after_close (void)
{
  g_autoptr(GTempFile) file = g_temp_file_new (NULL);
  g_autoptr(GError) error = NULL;
  GInputStream *in;
  char buffer[4];

  write_string (file, "data");
  close_ok (file);
  in = g_io_stream_get_input_stream (G_IO_STREAM (file));
  g_assert_nonnull (in);
  g_assert_true (in == g_io_stream_get_input_stream (G_IO_STREAM (file)));
  g_assert_true (g_input_stream_is_closed (in));
  g_assert_cmpint (g_input_stream_read (in, buffer, sizeof buffer, NULL, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
}

static void
test_stream_etag_removed_on_close (void)
{
  g_autoptr(GTempFile) file = g_temp_file_new (NULL);
  GFileOutputStream *out =
    G_FILE_OUTPUT_STREAM (g_io_stream_get_output_stream (G_IO_STREAM (file)));
  g_autofree char *etag = NULL;

  /* Removed by closing: no fstat() at close, so no etag (GIO's local files
   * always have one, but they are not gone after closing). */
  write_string (file, "12345");
  close_ok (file);
  etag = g_file_output_stream_get_etag (out);
  g_assert_null (etag);
}

static void
test_stream_fd_based (void)
{
#ifdef HAVE_GIO_UNIX
  g_autoptr(GTempFile) file = g_temp_file_new (NULL);
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (file));
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (file));

  g_assert_true (G_IS_FILE_DESCRIPTOR_BASED (in));
  g_assert_true (G_IS_FILE_DESCRIPTOR_BASED (out));
  g_assert_cmpint (g_file_descriptor_based_get_fd (G_FILE_DESCRIPTOR_BASED (in)),
                   ==, g_temp_file_get_fd (file));
  g_assert_cmpint (g_file_descriptor_based_get_fd (G_FILE_DESCRIPTOR_BASED (out)),
                   ==, g_temp_file_get_fd (file));
#else
  g_test_skip ("no GFileDescriptorBased (gio-unix) on this system");
#endif
}

typedef struct
{
  GMainLoop *loop;
  GBytes    *bytes;
  gboolean   written;
  GError    *error;
} AsyncData;

static void
async_written (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  AsyncData *data = user_data;

  data->written = g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL,
                                                    &data->error);
  g_main_loop_quit (data->loop);
}

static void
async_read (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  AsyncData *data = user_data;

  data->bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &data->error);
  g_main_loop_quit (data->loop);
}

static void
test_stream_async (void)
{
  g_autoptr(GTempFile) file = g_temp_file_new (NULL);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  AsyncData data = { loop, NULL, FALSE, NULL };

  g_output_stream_write_all_async (g_io_stream_get_output_stream (G_IO_STREAM (file)),
                                   "async data", 10, G_PRIORITY_DEFAULT, NULL,
                                   async_written, &data);
  g_main_loop_run (loop);
  g_assert_no_error (data.error);
  g_assert_true (data.written);

  seek_to (file, 6);
  g_input_stream_read_bytes_async (g_io_stream_get_input_stream (G_IO_STREAM (file)),
                                   100, G_PRIORITY_DEFAULT, NULL, async_read, &data);
  g_main_loop_run (loop);
  g_assert_no_error (data.error);
  g_assert_cmpmem (g_bytes_get_data (data.bytes, NULL), g_bytes_get_size (data.bytes), "data", 4);
  g_bytes_unref (data.bytes);
}

/* Anonymous files --------------------------------------------------------- */

static void
test_anonymous_no_entry (void)
{
  static const char * const sequence[] = { "aaaaaaaa", NULL };
  TestNames names = { sequence, 0 };
  g_autofree char *base = test_dir_new ();
  g_autofree char *dir = g_build_filename (base, "scratch", NULL);
  g_autoptr(GTempFile) file = NULL;
  g_autofree char *prop_path = NULL;
  GFile *prop_file = NULL;
  gboolean prop_anonymous = FALSE;

  g_assert_no_errno (g_mkdir (dir, 0700));

  /* O_TMPFILE is used where it works: no name is ever made. */
  _g_tempfile_set_name_func_for_testing (test_names_func, &names);
  file = new_in (dir, G_TEMP_FILE_FLAGS_ANONYMOUS);
  _g_tempfile_set_name_func_for_testing (NULL, NULL);
  g_assert_cmpuint (names.calls, ==, o_tmpfile_supported (dir) ? 0 : 1);

  g_assert_true (g_temp_file_is_anonymous (file));
  g_assert_null (g_temp_file_get_path (file));
  g_assert_null (g_temp_file_get_file (file));
  g_object_get (file, "path", &prop_path, "file", &prop_file, "anonymous", &prop_anonymous, NULL);
  g_assert_null (prop_path);
  g_assert_null (prop_file);
  g_assert_true (prop_anonymous);
  g_assert_cmpuint (test_count_entries (dir), <=, names_while_open ());

  /* The directory can go while the file is open (where it has no name);
   * the file still works. */
  if (names_while_open () == 0)
    g_assert_no_errno (g_rmdir (dir));
  write_string (file, "still here");
  seek_to (file, 0);
  assert_rest (file, "still here");
  g_assert_true (g_temp_file_cleanup (file, NULL, NULL));
  if (names_while_open () != 0)
    g_assert_cmpuint (test_count_entries (dir), ==, 0);

  test_remove_tree (base);
}

static void
test_anonymous_fallback (void)
{
  static const char * const sequence[] = { "ffffffff", NULL };
  TestNames names = { sequence, 0 };
  g_autofree char *base = test_dir_new ();
  g_autofree char *dir = g_build_filename (base, "scratch", NULL);
  g_autofree char *target = g_build_filename (base, "target", NULL);
  g_autoptr(GTempFile) file = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_no_errno (g_mkdir (dir, 0700));

  /* Without O_TMPFILE: created with a name, which is removed at once. */
  _g_tempfile_set_o_tmpfile_for_testing (FALSE);
  _g_tempfile_set_name_func_for_testing (test_names_func, &names);
  file = new_in (dir, G_TEMP_FILE_FLAGS_ANONYMOUS);
  _g_tempfile_set_name_func_for_testing (NULL, NULL);
  _g_tempfile_set_o_tmpfile_for_testing (TRUE);

  g_assert_cmpuint (names.calls, ==, 1);
  g_assert_true (g_temp_file_is_anonymous (file));
  g_assert_cmpuint (test_count_entries (dir), <=, names_while_open ());
  if (names_while_open () == 0)
    g_assert_no_errno (g_rmdir (dir));
  write_string (file, "fallback");
  seek_to (file, 0);
  assert_rest (file, "fallback");

  /* Such a file cannot be given a name again. */
  g_assert_false (g_temp_file_persist (file, target, G_TEMP_PERSIST_NONE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_assert_false (test_exists (target));
  g_assert_true (g_temp_file_is_anonymous (file));

  test_remove_tree (base);
}

/* Without O_TMPFILE a failed removal of the name fails the constructor and
 * leaves nothing (DESIGN.md §3): the name is removed on a second try. */
static void
test_anonymous_unlink_fails (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autoptr(GTempFile) file = NULL;
  g_autoptr(GError) error = NULL;
  const int errors[] = { EIO, EACCES, EBUSY };

  _g_tempfile_set_o_tmpfile_for_testing (FALSE);
  for (guint i = 0; i < G_N_ELEMENTS (errors); i++)
    {
      _g_tempfile_sys_fail_unlink_for_testing (errors[i], 1);
      file = g_temp_file_new_full (dir, NULL, NULL, G_TEMP_FILE_FLAGS_ANONYMOUS, NULL, &error);
      g_assert_null (file);
      g_assert_error (error, G_IO_ERROR, (int) g_io_error_from_errno (errors[i]));
      g_clear_error (&error);
      g_assert_cmpuint (test_count_entries (dir), ==, 0);
    }
  _g_tempfile_sys_fail_unlink_for_testing (0, 0);
  _g_tempfile_set_o_tmpfile_for_testing (TRUE);
  test_remove_tree (dir);
}

/* An anonymous file can be linked only once: a persist that fails after
 * linking it keeps the name it got, so that the next persist succeeds, and
 * the name goes with the file. */
static void
test_persist_anonymous_retry (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autofree char *target = g_build_filename (dir, "final", NULL);
  g_autofree char *in_the_way = g_build_filename (target, "occupant", NULL);
  g_autoptr(GTempFile) file = NULL;
  g_autoptr(GError) error = NULL;

  if (skip_without_o_tmpfile (dir))
    {
      test_remove_tree (dir);
      return;
    }

  /* A directory at the target: the rename fails. */
  g_assert_no_errno (g_mkdir (target, 0700));
  test_write_file (in_the_way, "x");
  file = new_in (dir, G_TEMP_FILE_FLAGS_ANONYMOUS);
  write_string (file, "second time lucky");
  g_assert_false (g_temp_file_persist (file, target, G_TEMP_PERSIST_NONE, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_true (g_temp_file_is_anonymous (file));
  g_assert_null (g_temp_file_get_path (file));

  /* Out of the way: the same file gets there. */
  test_remove_tree (target);
  g_assert_true (g_temp_file_persist (file, target, G_TEMP_PERSIST_NONE, &error));
  g_assert_no_error (error);
  test_assert_contents (target, "second time lucky");
  g_assert_cmpuint (test_count_entries (dir), ==, 1);
  g_clear_object (&file);

  /* And if it never gets there, its hidden name goes with it. */
  test_remove_tree (target);
  g_assert_no_errno (g_mkdir (target, 0700));
  test_write_file (in_the_way, "x");
  file = new_in (dir, G_TEMP_FILE_FLAGS_ANONYMOUS);
  g_assert_false (g_temp_file_persist (file, target, G_TEMP_PERSIST_NONE, &error));
  g_clear_error (&error);
  g_assert_cmpuint (test_count_entries (dir), ==, 2);
  g_clear_object (&file);
  g_assert_cmpuint (test_count_entries (dir), ==, 1);
  test_remove_tree (dir);
}

/* Without /proc an anonymous file is linked with linkat(AT_EMPTY_PATH),
 * which needs CAP_DAC_READ_SEARCH: as root it works, as anyone else persist
 * says NOT_SUPPORTED and nothing changes. */
static void
test_persist_anonymous_without_proc (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autofree char *target = g_build_filename (dir, "named", NULL);
  g_autoptr(GTempFile) file = NULL;
  g_autoptr(GError) error = NULL;

  if (skip_without_o_tmpfile (dir))
    {
      test_remove_tree (dir);
      return;
    }

  file = new_in (dir, G_TEMP_FILE_FLAGS_ANONYMOUS);
  write_string (file, "no proc");
  _g_tempfile_sys_disable_for_testing (GTEMPFILE_SYS_FEATURE_PROC, TRUE);
  if (test_is_root ())
    {
      g_assert_true (g_temp_file_persist (file, target, G_TEMP_PERSIST_NONE, &error));
      g_assert_no_error (error);
      test_assert_contents (target, "no proc");
      if (has_modes ())
        g_assert_cmpint (test_mode (target), ==, 0600);
    }
  else
    {
      g_assert_false (g_temp_file_persist (file, target, G_TEMP_PERSIST_NO_REPLACE, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
      g_assert_true (g_temp_file_is_anonymous (file));
      g_assert_false (test_exists (target));
    }
  _g_tempfile_sys_disable_for_testing (GTEMPFILE_SYS_FEATURE_PROC, FALSE);
  g_clear_object (&file);
  test_remove_tree (dir);
}

/* EISDIR (an old kernel) turns O_TMPFILE off for the process; any other
 * error falls back for that one file only. */
static void
test_anonymous_o_tmpfile_errors (void)
{
  static const char * const sequence[] = { "eeeeeeee", NULL };
  TestNames names = { sequence, 0 };
  g_autofree char *dir = test_dir_new ();
  GTempFile *file;

  if (skip_without_o_tmpfile (dir))
    {
      test_remove_tree (dir);
      return;
    }

  _g_tempfile_set_name_func_for_testing (test_names_func, &names);

  _g_tempfile_set_o_tmpfile_errno_for_testing (EOPNOTSUPP);
  file = new_in (dir, G_TEMP_FILE_FLAGS_ANONYMOUS);
  g_assert_cmpuint (names.calls, ==, 1);
  g_object_unref (file);

  _g_tempfile_set_o_tmpfile_errno_for_testing (0);
  file = new_in (dir, G_TEMP_FILE_FLAGS_ANONYMOUS);
  g_assert_cmpuint (names.calls, ==, 1);
  g_object_unref (file);

  _g_tempfile_set_o_tmpfile_errno_for_testing (EISDIR);
  file = new_in (dir, G_TEMP_FILE_FLAGS_ANONYMOUS);
  g_assert_cmpuint (names.calls, ==, 2);
  g_object_unref (file);

  _g_tempfile_set_o_tmpfile_errno_for_testing (0);
  file = new_in (dir, G_TEMP_FILE_FLAGS_ANONYMOUS);
  g_assert_cmpuint (names.calls, ==, 3);
  g_object_unref (file);

  _g_tempfile_set_name_func_for_testing (NULL, NULL);
  _g_tempfile_set_o_tmpfile_for_testing (TRUE);
  g_assert_cmpuint (test_count_entries (dir), ==, 0);
  test_remove_tree (dir);
}

static void
test_anonymous_bad_affixes (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTempFile) file = NULL;
  g_autofree char *long_prefix = g_strnfill (250, 'x');

  /* Checked even though O_TMPFILE does not use them. */
  file = g_temp_file_new_full (NULL, "a/b", NULL, G_TEMP_FILE_FLAGS_ANONYMOUS, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_null (file);
  g_clear_error (&error);

  file = g_temp_file_new_full (NULL, long_prefix, NULL, G_TEMP_FILE_FLAGS_ANONYMOUS, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FILENAME_TOO_LONG);
  g_assert_null (file);
}

/* Persist ----------------------------------------------------------------- */

static void
test_persist_replace (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autofree char *target = g_build_filename (dir, "final.txt", NULL);
  GTempFile *file = new_in (dir, G_TEMP_FILE_FLAGS_NONE);
  g_autofree char *temp_path = g_strdup (g_temp_file_get_path (file));
  g_autofree char *gfile_path = NULL;
  g_autoptr(GError) error = NULL;
  guint path_notes = 0, file_notes = 0, delete_notes = 0;

  test_write_file (target, "old version");
  write_string (file, "new version");
  g_signal_connect (file, "notify::path", G_CALLBACK (test_count_notify), &path_notes);
  g_signal_connect (file, "notify::file", G_CALLBACK (test_count_notify), &file_notes);
  g_signal_connect (file, "notify::delete", G_CALLBACK (test_count_notify), &delete_notes);

  g_assert_true (g_temp_file_persist (file, target, G_TEMP_PERSIST_NONE, &error));
  g_assert_no_error (error);
  test_assert_contents (target, "new version");
  g_assert_false (test_exists (temp_path));
  g_assert_cmpstr (g_temp_file_get_path (file), ==, target);
  gfile_path = g_file_get_path (g_temp_file_get_file (file));
  g_assert_cmpstr (gfile_path, ==, target);
  g_assert_false (g_temp_file_get_delete (file));
  g_assert_cmpuint (path_notes, ==, 1);
  g_assert_cmpuint (file_notes, ==, 1);
  g_assert_cmpuint (delete_notes, ==, 1);

  /* Still open. */
  write_string (file, "!");
  test_assert_contents (target, "new version!");

  /* No longer temporary: "delete" cannot come back, cleanup only closes. */
  g_temp_file_set_delete (file, TRUE);
  g_assert_false (g_temp_file_get_delete (file));
  g_assert_true (g_temp_file_cleanup (file, NULL, &error));
  g_assert_true (g_io_stream_is_closed (G_IO_STREAM (file)));
  g_assert_true (test_exists (target));
  g_object_unref (file);
  g_assert_true (test_exists (target));
  g_assert_cmpuint (test_count_entries (dir), ==, 1);
  test_remove_tree (dir);
}

static void
check_persist_no_replace (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autofree char *target = g_build_filename (dir, "final.txt", NULL);
  g_autofree char *free_target = g_build_filename (dir, "free.txt", NULL);
  GTempFile *file = new_in (dir, G_TEMP_FILE_FLAGS_NONE);
  g_autofree char *temp_path = g_strdup (g_temp_file_get_path (file));
  g_autoptr(GError) error = NULL;

  test_write_file (target, "precious");
  write_string (file, "new");

  /* Both files intact, nothing changed. */
  g_assert_false (g_temp_file_persist (file, target, G_TEMP_PERSIST_NO_REPLACE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, target));
  test_assert_contents (target, "precious");
  test_assert_contents (temp_path, "new");
  g_assert_cmpstr (g_temp_file_get_path (file), ==, temp_path);
  g_assert_true (g_temp_file_get_delete (file));
  g_clear_error (&error);

  /* A free name works. */
  g_assert_true (g_temp_file_persist (file, free_target,
                                      G_TEMP_PERSIST_NO_REPLACE | G_TEMP_PERSIST_SYNC, &error));
  g_assert_no_error (error);
  test_assert_contents (free_target, "new");
  g_assert_false (test_exists (temp_path));

  g_object_unref (file);
  g_assert_cmpuint (test_count_entries (dir), ==, 2);
  test_remove_tree (dir);
}

static void
test_persist_no_replace (void)
{
  check_persist_no_replace ();
}

/* Where renameat2 (RENAME_NOREPLACE) is missing: link, then unlink. */
static void
test_persist_no_replace_fallback (void)
{
  _g_tempfile_sys_disable_for_testing (GTEMPFILE_SYS_FEATURE_RENAME_NOREPLACE, TRUE);
  check_persist_no_replace ();
  _g_tempfile_sys_disable_for_testing (GTEMPFILE_SYS_FEATURE_RENAME_NOREPLACE, FALSE);
}

/* SYNC flushes the file and then the target's directory; without it,
 * nothing is flushed. */
static void
test_persist_sync_flushes (void)
{
  const GTempFileFlags kinds[] = { G_TEMP_FILE_FLAGS_NONE, G_TEMP_FILE_FLAGS_ANONYMOUS };

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autofree char *dir = test_dir_new ();
      g_autofree char *plain = g_build_filename (dir, "plain", NULL);
      g_autofree char *synced = g_build_filename (dir, "synced", NULL);
      g_autoptr(GTempFile) first = new_in (dir, kinds[i]);
      g_autoptr(GTempFile) second = new_in (dir, kinds[i]);
      guint before;

      if (kinds[i] == G_TEMP_FILE_FLAGS_ANONYMOUS && !o_tmpfile_supported (dir))
        {
          g_clear_object (&first);
          g_clear_object (&second);
          test_remove_tree (dir);
          continue;
        }

      before = _g_tempfile_sys_get_fsync_count_for_testing ();
      g_assert_true (g_temp_file_persist (first, plain, G_TEMP_PERSIST_NONE, NULL));
      g_assert_cmpuint (_g_tempfile_sys_get_fsync_count_for_testing (), ==, before);

      g_assert_true (g_temp_file_persist (second, synced, G_TEMP_PERSIST_SYNC, NULL));
      g_assert_cmpuint (_g_tempfile_sys_get_fsync_count_for_testing (), ==, before + 2);

      g_clear_object (&first);
      g_clear_object (&second);
      test_remove_tree (dir);
    }
}

/* Paths and GFiles handed out before a persist stay valid after it. */
static void
test_persist_old_pointers (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autofree char *target = g_build_filename (dir, "final", NULL);
  g_autoptr(GTempFile) file = new_in (dir, G_TEMP_FILE_FLAGS_NONE);
  const char *old_path = g_temp_file_get_path (file);
  GFile *old_gfile = g_temp_file_get_file (file);
  g_autofree char *copy = g_strdup (old_path);
  g_autofree char *gfile_path = NULL;

  g_assert_true (g_temp_file_persist (file, target, G_TEMP_PERSIST_NONE, NULL));
  g_assert_cmpstr (old_path, ==, copy);
  gfile_path = g_file_get_path (old_gfile);
  g_assert_cmpstr (gfile_path, ==, copy);
  g_assert_true (g_temp_file_get_file (file) != old_gfile);

  g_clear_object (&file);
  test_remove_tree (dir);
}

static void
test_persist_sync (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autofree char *target = g_build_filename (dir, "synced", NULL);
  g_autoptr(GTempFile) file = new_in (dir, G_TEMP_FILE_FLAGS_KEEP_ON_CLOSE);
  g_autoptr(GError) error = NULL;

  /* Closed but still named: it can be synced and persisted. */
  write_string (file, "durable");
  close_ok (file);
  g_assert_true (g_temp_file_persist (file, target, G_TEMP_PERSIST_SYNC, &error));
  g_assert_no_error (error);
  test_assert_contents (target, "durable");
  g_assert_cmpuint (test_count_entries (dir), ==, 1);
  test_remove_tree (dir);
}

static void
test_persist_anonymous (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autofree char *target = g_build_filename (dir, "linked", NULL);
  g_autofree char *existing = g_build_filename (dir, "existing", NULL);
  GTempFile *file = new_in (dir, G_TEMP_FILE_FLAGS_ANONYMOUS);
  g_autoptr(GError) error = NULL;
  guint anonymous_notes = 0;
  gboolean prop_anonymous = TRUE;

  if (skip_without_o_tmpfile (dir))
    {
      test_remove_tree (dir);
      return;
    }

  g_signal_connect (file, "notify::anonymous", G_CALLBACK (test_count_notify), &anonymous_notes);
  write_string (file, "from nowhere");

  g_assert_true (g_temp_file_persist (file, target, G_TEMP_PERSIST_SYNC, &error));
  g_assert_no_error (error);
  test_assert_contents (target, "from nowhere");
  if (has_modes ())
    g_assert_cmpint (test_mode (target), ==, 0600);
  g_assert_false (g_temp_file_is_anonymous (file));
  g_object_get (file, "anonymous", &prop_anonymous, NULL);
  g_assert_false (prop_anonymous);
  g_assert_cmpuint (anonymous_notes, ==, 1);
  g_assert_cmpstr (g_temp_file_get_path (file), ==, target);

  /* Once named, it can move again, like any named file. */
  test_write_file (existing, "old");
  g_assert_true (g_temp_file_persist (file, existing, G_TEMP_PERSIST_NONE, &error));
  test_assert_contents (existing, "from nowhere");
  g_assert_false (test_exists (target));

  g_object_unref (file);
  g_assert_cmpuint (test_count_entries (dir), ==, 1);
  test_remove_tree (dir);
}

static void
test_persist_anonymous_replace (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autofree char *target = g_build_filename (dir, "target", NULL);
  g_autoptr(GTempFile) file = new_in (dir, G_TEMP_FILE_FLAGS_ANONYMOUS);
  g_autoptr(GTempFile) other = new_in (dir, G_TEMP_FILE_FLAGS_ANONYMOUS);
  g_autoptr(GError) error = NULL;

  if (skip_without_o_tmpfile (dir))
    {
      test_remove_tree (dir);
      return;
    }

  test_write_file (target, "old");

  /* NO_REPLACE: refused, target intact, still anonymous. */
  write_string (other, "rejected");
  g_assert_false (g_temp_file_persist (other, target, G_TEMP_PERSIST_NO_REPLACE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_assert_true (g_temp_file_is_anonymous (other));
  test_assert_contents (target, "old");
  g_clear_error (&error);

  /* Default: replaced atomically, with no helper name left over. */
  write_string (file, "new");
  g_assert_true (g_temp_file_persist (file, target, G_TEMP_PERSIST_NONE, &error));
  g_assert_no_error (error);
  test_assert_contents (target, "new");
  g_assert_cmpuint (test_count_entries (dir), ==, 1);
  test_remove_tree (dir);
}

static void
test_persist_anonymous_closed (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autofree char *target = g_build_filename (dir, "target", NULL);
  g_autoptr(GTempFile) file = new_in (dir, G_TEMP_FILE_FLAGS_ANONYMOUS);
  g_autoptr(GError) error = NULL;

  close_ok (file);
  g_assert_false (g_temp_file_persist (file, target, G_TEMP_PERSIST_NONE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_assert_false (test_exists (target));
  test_remove_tree (dir);
}

/* A missing target directory: the temporary file is untouched. */
static void
test_persist_missing_dir (void)
{
  const GTempFileFlags kinds[] = { G_TEMP_FILE_FLAGS_NONE, G_TEMP_FILE_FLAGS_ANONYMOUS };

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autofree char *dir = test_dir_new ();
      g_autofree char *target = g_build_filename (dir, "missing", "target", NULL);
      g_autoptr(GTempFile) file = NULL;
      g_autofree char *temp_path = NULL;
      g_autoptr(GError) error = NULL;

      if (kinds[i] == G_TEMP_FILE_FLAGS_ANONYMOUS && !o_tmpfile_supported (dir))
        {
          test_remove_tree (dir);
          continue;
        }
      file = new_in (dir, kinds[i]);
      temp_path = g_strdup (g_temp_file_get_path (file));

      write_string (file, "content");
      g_assert_false (g_temp_file_persist (file, target, G_TEMP_PERSIST_NONE, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
      g_assert_nonnull (strstr (error->message, target));
      g_clear_error (&error);
      g_assert_false (g_temp_file_persist (file, target, G_TEMP_PERSIST_NO_REPLACE, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);

      g_assert_cmpstr (g_temp_file_get_path (file), ==, temp_path);
      g_assert_true (g_temp_file_get_delete (file));
      g_assert_cmpint (g_temp_file_is_anonymous (file), ==,
                       kinds[i] == G_TEMP_FILE_FLAGS_ANONYMOUS);
      if (temp_path != NULL)
        test_assert_contents (temp_path, "content");
      seek_to (file, 0);
      assert_rest (file, "content");

      g_clear_object (&file);
      g_assert_cmpuint (test_count_entries (dir), ==, 0);
      test_remove_tree (dir);
    }
}

/* Another file system (/dev/shm): refused, the temporary file untouched. */
static void
test_persist_cross_device (void)
{
  const GTempFileFlags kinds[] = { G_TEMP_FILE_FLAGS_NONE, G_TEMP_FILE_FLAGS_ANONYMOUS };
  g_autofree char *dir = test_dir_new ();
  const char *other = test_other_device_dir ();
  struct stat here, there;

  if (other == NULL || stat (other, &there) != 0 || access (other, W_OK) != 0)
    {
      g_test_skip ("no writable directory on another file system to persist across devices");
      test_remove_tree (dir);
      return;
    }
  g_assert_no_errno (stat (dir, &here));
  if (here.st_dev == there.st_dev)
    {
      g_test_skip ("the other directory is on the same file system as the build tree");
      test_remove_tree (dir);
      return;
    }

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autofree char *name = g_strdup_printf ("gtempfile-test-%d-%u", (int) getpid (), i);
      g_autofree char *target = g_build_filename (other, name, NULL);
      g_autoptr(GTempFile) file = NULL;
      g_autofree char *temp_path = NULL;
      g_autoptr(GError) error = NULL;

      if (kinds[i] == G_TEMP_FILE_FLAGS_ANONYMOUS && !o_tmpfile_supported (dir))
        continue;
      file = new_in (dir, kinds[i]);
      temp_path = g_strdup (g_temp_file_get_path (file));

      write_string (file, "content");
      g_assert_false (g_temp_file_persist (file, target, G_TEMP_PERSIST_NONE, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
      g_assert_false (test_exists (target));
      g_assert_cmpstr (g_temp_file_get_path (file), ==, temp_path);
      g_assert_true (g_temp_file_get_delete (file));
      if (temp_path != NULL)
        test_assert_contents (temp_path, "content");
    }

  g_assert_cmpuint (test_count_entries (dir), ==, 0);
  test_remove_tree (dir);
}

static void
test_persist_bad_input (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autoptr(GTempFile) file = new_in (dir, G_TEMP_FILE_FLAGS_NONE);
  g_autofree char *saved_cwd = g_get_current_dir ();
  g_autofree char *expected = g_build_filename (dir, "relative", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_false (g_temp_file_persist (file, "", G_TEMP_PERSIST_NONE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_false (g_temp_file_persist (file, "x", 1 << 8, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* A relative target is made absolute against the current directory. */
  g_assert_no_errno (g_chdir (dir));
  g_assert_true (g_temp_file_persist (file, "relative", G_TEMP_PERSIST_NONE, &error));
  g_assert_no_errno (g_chdir (saved_cwd));
  g_assert_no_error (error);
  g_assert_cmpstr (g_temp_file_get_path (file), ==, expected);
  g_assert_true (test_exists (expected));

  g_clear_object (&file);
  test_remove_tree (dir);
}

/* Paths keep the meaning the kernel gives them (DESIGN.md §2): "link/.."
 * is the parent of what the link points to, and a trailing "/" says the
 * target must be a directory. */
/* A current directory that was removed has no path: relative paths fail as
 * the kernel fails them, and nothing is made or moved at "/" (which is what
 * g_get_current_dir() says then). */
static void
test_relative_without_cwd (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autofree char *gone = g_build_filename (dir, "gone", NULL);
  g_autofree char *saved_cwd = g_get_current_dir ();
  g_autofree char *name = g_strdup_printf ("gtempfile-test-no-cwd-%d", (int) getpid ());
  g_autofree char *at_root = g_build_filename (G_DIR_SEPARATOR_S, name, NULL);
  g_autoptr(GTempFile) file = new_in (dir, G_TEMP_FILE_FLAGS_NONE);
  g_autoptr(GTempDir) tree = NULL;
  g_autoptr(GTempFile) other = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_no_errno (g_mkdir (gone, 0700));
  g_assert_no_errno (g_chdir (gone));
  if (g_rmdir (gone) != 0)
    {
      g_assert_no_errno (g_chdir (saved_cwd));
      g_test_skip ("the current directory cannot be removed on this system");
      test_remove_tree (dir);
      return;
    }

  g_assert_false (g_temp_file_persist (file, name, G_TEMP_PERSIST_NONE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);
  tree = g_temp_dir_new_full (dir, NULL, NULL, G_TEMP_DIR_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (g_temp_dir_persist (tree, name, G_TEMP_PERSIST_NONE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);
  other = g_temp_file_new_full ("", NULL, NULL, G_TEMP_FILE_FLAGS_NONE, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_null (other);
  g_clear_error (&error);
  g_assert_false (g_file_test (at_root, G_FILE_TEST_EXISTS));

  /* Both are still temporary, where they were. */
  g_assert_true (g_file_test (g_temp_file_get_path (file), G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (g_temp_dir_get_path (tree), G_FILE_TEST_IS_DIR));
  g_assert_no_errno (g_chdir (saved_cwd));
  g_clear_object (&file);
  g_clear_object (&tree);
  g_assert_cmpuint (test_count_entries (dir), ==, 0);
  test_remove_tree (dir);
}

static void
test_persist_kernel_paths (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autofree char *deep = g_build_filename (dir, "a", "b", NULL);
  g_autofree char *work = g_build_filename (dir, "work", NULL);
  g_autofree char *link = g_build_filename (work, "link", NULL);
  g_autofree char *through_link = g_build_filename (work, "link", "..", "out.txt", NULL);
  g_autofree char *kernel_target = g_build_filename (dir, "a", "out.txt", NULL);
  g_autofree char *lexical_target = g_build_filename (work, "out.txt", NULL);
  g_autofree char *saved_cwd = g_get_current_dir ();
  g_autofree char *slash_target = g_build_filename (work, "name/", NULL);
  g_autofree char *relative_expected = NULL;
  g_autoptr(GError) error = NULL;
  gboolean anonymous_cases[] = { FALSE, TRUE };

  if (test_dotdot_is_lexical ())
    {
      g_test_skip ("“link/..” is shortened before the file system sees it on this system");
      test_remove_tree (dir);
      return;
    }
  g_assert_no_errno (g_mkdir_with_parents (deep, 0700));
  g_assert_no_errno (g_mkdir (work, 0700));
  if (skip_without_symlink (deep, link))
    {
      test_remove_tree (dir);
      return;
    }

  for (guint i = 0; i < G_N_ELEMENTS (anonymous_cases); i++)
    {
      GTempFileFlags flags = anonymous_cases[i] ? G_TEMP_FILE_FLAGS_ANONYMOUS
                                                : G_TEMP_FILE_FLAGS_NONE;
      g_autoptr(GTempFile) file = new_in (work, flags);

      if (anonymous_cases[i] && !_g_temp_file_is_linkable_for_testing (file))
        continue;

      /* "link/../out.txt": where the kernel resolves it, a/out.txt. */
      write_string (file, "through the link");
      g_assert_true (g_temp_file_persist (file, through_link, G_TEMP_PERSIST_NONE, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (g_temp_file_get_path (file), ==, through_link);
      test_assert_contents (kernel_target, "through the link");
      g_assert_false (test_exists (lexical_target));
      /* The GFile names the same file, although GFile shortens "link/..". */
      {
        g_autofree char *contents = NULL;

        g_assert_true (g_file_load_contents (g_temp_file_get_file (file), NULL, &contents,
                                             NULL, NULL, &error));
        g_assert_no_error (error);
        g_assert_cmpstr (contents, ==, "through the link");
      }
      g_assert_no_errno (g_unlink (kernel_target));
    }

  for (guint i = 0; i < G_N_ELEMENTS (anonymous_cases); i++)
    {
      GTempFileFlags flags = anonymous_cases[i] ? G_TEMP_FILE_FLAGS_ANONYMOUS
                                                : G_TEMP_FILE_FLAGS_NONE;
      g_autoptr(GTempFile) file = new_in (work, flags);
      g_autofree char *temp_path = g_strdup (g_temp_file_get_path (file));

      if (anonymous_cases[i] && !_g_temp_file_is_linkable_for_testing (file))
        continue;

      /* "name/" is a directory that does not exist: rename(2) says ENOTDIR,
       * and nothing is created under either name. */
      g_assert_false (g_temp_file_persist (file, slash_target, G_TEMP_PERSIST_NONE, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY);
      g_clear_error (&error);
      g_assert_false (test_exists (slash_target));
      g_assert_false (g_temp_file_persist (file, slash_target, G_TEMP_PERSIST_NO_REPLACE,
                                           &error));
      g_assert_nonnull (error);
      g_clear_error (&error);
      g_assert_cmpstr (g_temp_file_get_path (file), ==, temp_path);
      g_assert_true (g_temp_file_get_delete (file));
      /* Only the link, and the file itself, are in the directory: the named
       * file by its name, the anonymous one by the hidden name the failed
       * persist gave it (which goes with the file). */
      g_assert_cmpuint (test_count_entries (work), ==, 2);
    }

  /* A relative target gets the current directory in front and nothing
   * else: "./x/../y" is not shortened to "y". */
  {
    g_autoptr(GTempFile) file = new_in (work, G_TEMP_FILE_FLAGS_NONE);
    g_autofree char *sub = g_build_filename (work, "x", NULL);

    g_assert_no_errno (g_mkdir (sub, 0700));
    relative_expected = g_strconcat (work, G_DIR_SEPARATOR_S, "./x/../y", NULL);
    g_assert_no_errno (g_chdir (work));
    g_assert_true (g_temp_file_persist (file, "./x/../y", G_TEMP_PERSIST_NONE, &error));
    g_assert_no_errno (g_chdir (saved_cwd));
    g_assert_no_error (error);
    g_assert_cmpstr (g_temp_file_get_path (file), ==, relative_expected);
  }

  test_remove_tree (dir);
}

/* A directory argument is used as spelled too. */
static void
test_new_dir_kernel_paths (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autofree char *deep = g_build_filename (dir, "a", "b", NULL);
  g_autofree char *link = g_build_filename (dir, "link", NULL);
  g_autofree char *spelled = g_build_filename (dir, "link", "..", NULL);
  g_autofree char *kernel_dir = g_build_filename (dir, "a", NULL);
  g_autofree char *saved_cwd = g_get_current_dir ();
  g_autoptr(GTempFile) file = NULL;
  g_autoptr(GTempFile) relative = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *base = NULL;
  g_autofree char *relative_prefix = NULL;

  if (test_dotdot_is_lexical ())
    {
      g_test_skip ("“link/..” is shortened before the file system sees it on this system");
      test_remove_tree (dir);
      return;
    }
  g_assert_no_errno (g_mkdir_with_parents (deep, 0700));
  if (skip_without_symlink (deep, link))
    {
      test_remove_tree (dir);
      return;
    }

  file = new_in (spelled, G_TEMP_FILE_FLAGS_NONE);
  g_assert_true (g_str_has_prefix (g_temp_file_get_path (file), spelled));
  base = g_path_get_basename (g_temp_file_get_path (file));
  {
    g_autofree char *in_kernel_dir = g_build_filename (kernel_dir, base, NULL);

    g_assert_true (test_exists (in_kernel_dir));
  }

  /* Relative: the current directory in front, the rest as given. */
  g_assert_no_errno (g_chdir (dir));
  relative = g_temp_file_new_full ("link/../", NULL, NULL, G_TEMP_FILE_FLAGS_NONE, NULL,
                                   &error);
  g_assert_no_errno (g_chdir (saved_cwd));
  g_assert_no_error (error);
  relative_prefix = g_strconcat (dir, G_DIR_SEPARATOR_S, "link/../tmp", NULL);
  g_assert_true (g_str_has_prefix (g_temp_file_get_path (relative), relative_prefix));

  g_clear_object (&file);
  g_clear_object (&relative);
  g_assert_cmpuint (test_count_entries (kernel_dir), ==, 1);
  test_remove_tree (dir);
}

static void
test_persist_after_cleanup (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autofree char *target = g_build_filename (dir, "target", NULL);
  g_autoptr(GTempFile) file = new_in (dir, G_TEMP_FILE_FLAGS_NONE);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_temp_file_cleanup (file, NULL, NULL));
  g_assert_false (g_temp_file_persist (file, target, G_TEMP_PERSIST_NONE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_false (test_exists (target));
  test_remove_tree (dir);
}

/* Errors ------------------------------------------------------------------ */

static void
assert_new_fails (const char     *dir,
                  const char     *prefix,
                  GTempFileFlags  flags,
                  int             code,
                  const char     *named)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTempFile) file = g_temp_file_new_full (dir, prefix, NULL, flags, NULL, &error);
  g_autofree char *display = g_filename_display_name (named);

  g_assert_error (error, G_IO_ERROR, code);
  g_assert_null (file);
  g_assert_nonnull (strstr (error->message, display));
}

static void
test_errors (void)
{
  const GTempFileFlags kinds[] = { G_TEMP_FILE_FLAGS_NONE, G_TEMP_FILE_FLAGS_ANONYMOUS };
  g_autofree char *dir = test_dir_new ();
  g_autofree char *missing = g_build_filename (dir, "missing", NULL);
  g_autofree char *file = g_build_filename (dir, "file", NULL);
  g_autofree char *long_prefix = g_strnfill (250, 'x');

  test_write_file (file, "");
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      assert_new_fails (missing, NULL, kinds[i], G_IO_ERROR_NOT_FOUND, missing);
      assert_new_fails (file, NULL, kinds[i], G_IO_ERROR_NOT_DIRECTORY, file);
      assert_new_fails (dir, "x/y", kinds[i], G_IO_ERROR_INVALID_ARGUMENT, "x/y");
      assert_new_fails (dir, long_prefix, kinds[i], G_IO_ERROR_FILENAME_TOO_LONG, long_prefix);
      /* Arguments first: a bad prefix is reported even with a bad directory. */
      assert_new_fails (missing, "x/y", kinds[i], G_IO_ERROR_INVALID_ARGUMENT, "x/y");
    }
  g_assert_cmpuint (test_count_entries (dir), ==, 1);
  test_remove_tree (dir);
}

static void
test_errors_permission_denied (void)
{
  if (skip_without_modes ())
    return;

  if (g_test_subprocess ())
    {
      const char *dir = g_getenv ("TEST_DIR");

      test_drop_privileges ();
      assert_new_fails (dir, NULL, G_TEMP_FILE_FLAGS_NONE, G_IO_ERROR_PERMISSION_DENIED, dir);
      assert_new_fails (dir, NULL, G_TEMP_FILE_FLAGS_ANONYMOUS, G_IO_ERROR_PERMISSION_DENIED, dir);
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

/* Asynchronous creation --------------------------------------------------- */

typedef struct
{
  GMainLoop *loop;
  GTempFile *file;
  GError    *error;
} CreateData;

static void
created (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  CreateData *data = user_data;

  data->file = g_temp_file_create_finish (result, &data->error);
  g_main_loop_quit (data->loop);
}

static void
create_and_wait (CreateData     *data,
                 const char     *dir,
                 GTempFileFlags  flags,
                 GCancellable   *cancellable)
{
  g_temp_file_create_async (dir, "async-", ".tmp", flags, G_PRIORITY_DEFAULT, cancellable,
                            created, data);
  g_main_loop_run (data->loop);
}

static void
test_create_async (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  CreateData data = { loop, NULL, NULL };
  g_autofree char *missing = g_build_filename (dir, "missing", NULL);
  g_autofree char *path = NULL;

  create_and_wait (&data, dir, G_TEMP_FILE_FLAGS_KEEP, NULL);
  g_assert_no_error (data.error);
  g_assert_true (G_IS_TEMP_FILE (data.file));
  path = g_strdup (g_temp_file_get_path (data.file));
  g_assert_true (g_str_has_suffix (path, ".tmp"));
  g_assert_false (g_temp_file_get_delete (data.file));
  write_string (data.file, "async");
  g_clear_object (&data.file);
  test_assert_contents (path, "async");
  g_unlink (path);

  create_and_wait (&data, dir, G_TEMP_FILE_FLAGS_ANONYMOUS, NULL);
  g_assert_no_error (data.error);
  g_assert_true (g_temp_file_is_anonymous (data.file));
  g_clear_object (&data.file);

  create_and_wait (&data, missing, G_TEMP_FILE_FLAGS_NONE, NULL);
  g_assert_error (data.error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_null (data.file);
  g_clear_error (&data.error);

  create_and_wait (&data, dir, 1 << 9, NULL);
  g_assert_error (data.error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_null (data.file);
  g_clear_error (&data.error);

  /* Cancelled before it exists: nothing is created. */
  g_cancellable_cancel (cancellable);
  create_and_wait (&data, dir, G_TEMP_FILE_FLAGS_KEEP, cancellable);
  g_assert_error (data.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (data.file);
  g_clear_error (&data.error);

  g_assert_cmpuint (test_count_entries (dir), ==, 0);
  test_remove_tree (dir);
}

static void
cancel_when_naming (char     *out,
                    gpointer  user_data)
{
  memcpy (out, "cancel__", 8);
  g_cancellable_cancel (user_data);
}

/* Cancelled while the file is being made: it is made, so it is returned
 * rather than left behind without an owner. */
static void
test_create_async_cancel_late (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  CreateData data = { loop, NULL, NULL };

  _g_tempfile_set_name_func_for_testing (cancel_when_naming, cancellable);
  create_and_wait (&data, dir, G_TEMP_FILE_FLAGS_KEEP, cancellable);
  _g_tempfile_set_name_func_for_testing (NULL, NULL);

  g_assert_true (g_cancellable_is_cancelled (cancellable));
  g_assert_no_error (data.error);
  g_assert_true (G_IS_TEMP_FILE (data.file));
  g_assert_true (test_exists (g_temp_file_get_path (data.file)));
  g_assert_true (g_temp_file_cleanup (data.file, NULL, NULL));
  g_clear_object (&data.file);
  g_assert_cmpuint (test_count_entries (dir), ==, 0);
  test_remove_tree (dir);
}

#ifdef HAVE_FORK
/* The lock a stream half holds for the length of an operation (and
 * GSpooledStream for each of its own), taken by a worker thread when the
 * process forks: in the child, where that thread does not exist, the lock
 * is free, so disposing or using the inherited object does not hang. */
typedef struct
{
  GTempfileLock *lock;
  GMutex         mutex;
  GCond          cond;
  gboolean       held;
  gboolean       release;
} HoldData;

static gpointer
hold_lock (gpointer user_data)
{
  HoldData *hold = user_data;

  _g_tempfile_lock (hold->lock);
  g_mutex_lock (&hold->mutex);
  hold->held = TRUE;
  g_cond_broadcast (&hold->cond);
  while (!hold->release)
    g_cond_wait (&hold->cond, &hold->mutex);
  g_mutex_unlock (&hold->mutex);
  _g_tempfile_unlock (hold->lock);
  return NULL;
}

static void
test_fork_lock_held (void)
{
  GTempfileLock lock;
  HoldData hold = { &lock, };
  GThread *thread;
  int status;
  pid_t pid;

  _g_tempfile_lock_init (&lock);
  g_mutex_init (&hold.mutex);
  g_cond_init (&hold.cond);
  thread = g_thread_new ("hold", hold_lock, &hold);
  g_mutex_lock (&hold.mutex);
  while (!hold.held)
    g_cond_wait (&hold.cond, &hold.mutex);
  g_mutex_unlock (&hold.mutex);

  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      alarm (30);
      _g_tempfile_lock (&lock);
      _g_tempfile_unlock (&lock);
      _g_tempfile_lock (&lock);   /* and it still is a lock */
      _g_tempfile_unlock (&lock);
      test_exit_child (0);
    }
  g_assert_no_errno (waitpid (pid, &status, 0));
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);

  /* In this process the worker still holds it until it lets go. */
  g_mutex_lock (&hold.mutex);
  hold.release = TRUE;
  g_cond_broadcast (&hold.cond);
  g_mutex_unlock (&hold.mutex);
  g_thread_join (thread);
  _g_tempfile_lock (&lock);
  _g_tempfile_unlock (&lock);

  g_mutex_clear (&hold.mutex);
  g_cond_clear (&hold.cond);
}
#else
static void
test_fork_lock_held (void)
{
  g_test_skip ("no fork() on this system");
}
#endif

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

  g_test_add_func ("/temp-file/new/default", test_new_default);
  g_test_add_func ("/temp-file/new/object-new", test_new_object_new);
  g_test_add_func ("/temp-file/new/notify", test_new_notify);
  g_test_add_func ("/temp-file/new/failed-init-repeats", test_new_failed_init_repeats);
  g_test_add_func ("/temp-file/new/invalid-flags", test_new_invalid_flags);
  g_test_add_func ("/temp-file/new/cancelled", test_new_cancelled);
  g_test_add_func ("/temp-file/new/many", test_new_many);
  g_test_add_func ("/temp-file/new/collisions", test_collisions);
  g_test_add_func ("/temp-file/new/modes", test_modes);
  g_test_add_func ("/temp-file/new/close-on-exec", test_close_on_exec);

#define ADD_DELETION_ROW(name, row) \
  g_test_add_data_func ("/temp-file/deletion/" name "/close", &deletion_rows[row], \
                        test_deletion_on_close); \
  g_test_add_data_func ("/temp-file/deletion/" name "/dispose", &deletion_rows[row], \
                        test_deletion_on_dispose)
  ADD_DELETION_ROW ("default", 0);
  ADD_DELETION_ROW ("keep-on-close", 1);
  ADD_DELETION_ROW ("keep", 2);
  ADD_DELETION_ROW ("keep-both", 3);
  g_test_add_func ("/temp-file/deletion/set-at-runtime", test_deletion_set_at_runtime);
  g_test_add_func ("/temp-file/deletion/already-gone", test_deletion_already_gone);

  g_test_add_func ("/temp-file/cleanup/removes", test_cleanup_removes);
  g_test_add_func ("/temp-file/cleanup/cancelled", test_cleanup_cancelled);
  g_test_add_func ("/temp-file/cleanup/retries", test_cleanup_retries);

  g_test_add_func ("/temp-file/stream/read-back", test_stream_read_back);
  g_test_add_func ("/temp-file/stream/shared-position", test_stream_shared_position);
  g_test_add_func ("/temp-file/stream/truncate", test_stream_truncate);
  g_test_add_func ("/temp-file/stream/sparse", test_stream_sparse);
  g_test_add_func ("/temp-file/stream/closed", test_stream_closed);
  g_test_add_func ("/temp-file/stream/close-pending", test_stream_close_pending);
  g_test_add_func ("/temp-file/cleanup/after-pending", test_cleanup_after_pending);
  g_test_add_func ("/temp-file/stream/outlives-owner", test_stream_outlives_owner);
  g_test_add_func ("/temp-file/stream/query-info", test_stream_query_info);
  g_test_add_func ("/temp-file/stream/etag-removed-on-close", test_stream_etag_removed_on_close);
  g_test_add_func ("/temp-file/stream/half-after-close", test_stream_half_after_close);
  g_test_add_func ("/temp-file/stream/fd-based", test_stream_fd_based);
  g_test_add_func ("/temp-file/stream/async", test_stream_async);

  g_test_add_func ("/temp-file/anonymous/no-entry", test_anonymous_no_entry);
  g_test_add_func ("/temp-file/anonymous/fallback", test_anonymous_fallback);
  g_test_add_func ("/temp-file/anonymous/o-tmpfile-errors", test_anonymous_o_tmpfile_errors);
  g_test_add_func ("/temp-file/anonymous/bad-affixes", test_anonymous_bad_affixes);

  g_test_add_func ("/temp-file/persist/replace", test_persist_replace);
  g_test_add_func ("/temp-file/persist/no-replace", test_persist_no_replace);
  g_test_add_func ("/temp-file/persist/no-replace-fallback", test_persist_no_replace_fallback);
  g_test_add_func ("/temp-file/persist/sync", test_persist_sync);
  g_test_add_func ("/temp-file/persist/sync-flushes", test_persist_sync_flushes);
  g_test_add_func ("/temp-file/persist/old-pointers", test_persist_old_pointers);
  g_test_add_func ("/temp-file/persist/anonymous", test_persist_anonymous);
  g_test_add_func ("/temp-file/persist/anonymous-replace", test_persist_anonymous_replace);
  g_test_add_func ("/temp-file/persist/anonymous-retry", test_persist_anonymous_retry);
  g_test_add_func ("/temp-file/persist/anonymous-without-proc",
                   test_persist_anonymous_without_proc);
  g_test_add_func ("/temp-file/anonymous/unlink-fails", test_anonymous_unlink_fails);
  g_test_add_func ("/temp-file/persist/anonymous-closed", test_persist_anonymous_closed);
  g_test_add_func ("/temp-file/persist/missing-dir", test_persist_missing_dir);
  g_test_add_func ("/temp-file/persist/cross-device", test_persist_cross_device);
  g_test_add_func ("/temp-file/persist/bad-input", test_persist_bad_input);
  g_test_add_func ("/temp-file/persist/after-cleanup", test_persist_after_cleanup);
  g_test_add_func ("/temp-file/persist/kernel-paths", test_persist_kernel_paths);
  g_test_add_func ("/temp-file/persist/no-cwd", test_relative_without_cwd);
  g_test_add_func ("/temp-file/new/kernel-paths", test_new_dir_kernel_paths);

  g_test_add_func ("/temp-file/errors/arguments", test_errors);
  g_test_add_func ("/temp-file/errors/permission-denied", test_errors_permission_denied);

  g_test_add_func ("/temp-file/async/create", test_create_async);
  g_test_add_func ("/temp-file/fork/lock-held", test_fork_lock_held);
  g_test_add_func ("/temp-file/async/cancel-late", test_create_async_cancel_late);

  return g_test_run ();
}
