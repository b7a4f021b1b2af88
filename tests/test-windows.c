/* test-windows.c: what Windows does differently (DESIGN.md §8)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Built only for Windows, and run under Wine by build-aux/test-windows.
 * The other C tests cover what is the same everywhere; this one covers what
 * the Windows platform layer does its own way: names in UTF-8 through the
 * wide-character calls, files that stay renameable and removable while
 * open, delete-on-close anonymous files, identity by volume serial number
 * and file index, removal through handles (read-only entries, reparse
 * points, a file someone holds open), no signals and no guardian.
 *
 * Wine is not Windows: its CreateSymbolicLinkW makes nothing, so the
 * reparse point test skips there; names of files deleted while open stay
 * visible until they are closed (no POSIX delete semantics).
 */

#include "config.h"

#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "gtempfile.h"
#include "gtempfile-platform-private.h"
#include "test-common.h"

#define UTF8_PREFIX "tëst-日本-"
#define UTF8_SUFFIX ".dät"

static void
write_all (GIOStream  *stream,
           const char *data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (stream), data,
                                            strlen (data), NULL, NULL, &error));
  g_assert_no_error (error);
}

static char *
read_back (GIOStream *stream)
{
  g_autoptr(GError) error = NULL;
  char buffer[256] = { 0, };
  gsize n = 0;

  g_assert_true (g_seekable_seek (G_SEEKABLE (stream), 0, G_SEEK_SET, NULL, &error));
  g_assert_true (g_input_stream_read_all (g_io_stream_get_input_stream (stream), buffer,
                                          sizeof buffer - 1, &n, NULL, &error));
  g_assert_no_error (error);
  return g_strndup (buffer, n);
}

static void
set_readonly (const char *path)
{
  g_autofree gunichar2 *wpath = g_utf8_to_utf16 (path, -1, NULL, NULL, NULL);
  DWORD attributes = GetFileAttributesW ((wchar_t *) wpath);

  g_assert_cmpuint (attributes, !=, INVALID_FILE_ATTRIBUTES);
  g_assert_true (SetFileAttributesW ((wchar_t *) wpath, attributes | FILE_ATTRIBUTE_READONLY));
}

/* Files ------------------------------------------------------------------- */

static void
test_file_utf8_names (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autofree char *target = g_build_filename (dir, "résumé-目標.txt", NULL);
  g_autoptr(GTempFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *base = NULL;
  g_autofree char *content = NULL;
  g_autofree char *path = NULL;

  file = g_temp_file_new_full (dir, UTF8_PREFIX, UTF8_SUFFIX, G_TEMP_FILE_FLAGS_NONE, NULL,
                               &error);
  g_assert_no_error (error);
  path = g_strdup (g_temp_file_get_path (file));
  base = g_path_get_basename (path);
  g_assert_true (g_str_has_prefix (base, UTF8_PREFIX));
  g_assert_true (g_str_has_suffix (base, UTF8_SUFFIX));
  g_assert_cmpuint (strlen (base), ==, strlen (UTF8_PREFIX) + 8 + strlen (UTF8_SUFFIX));
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));

  /* Binary: "\n" stays one byte. */
  write_all (G_IO_STREAM (file), "line\nline\n");
  content = read_back (G_IO_STREAM (file));
  g_assert_cmpstr (content, ==, "line\nline\n");

  /* Readable by name while open: named files share read and write. */
  test_assert_contents (path, "line\nline\n");

  /* Renamed while open: it shares delete access too. */
  g_assert_true (g_temp_file_persist (file, target, G_TEMP_PERSIST_NONE, &error));
  g_assert_no_error (error);
  g_assert_false (test_exists (path));
  write_all (G_IO_STREAM (file), "more");
  g_assert_true (g_temp_file_cleanup (file, NULL, &error));
  g_assert_no_error (error);
  test_assert_contents (target, "line\nline\nmore");

  test_remove_tree (dir);
}

static void
test_file_persist (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autofree char *target = g_build_filename (dir, "ziel-ü", NULL);
  g_autofree char *fresh = g_build_filename (dir, "neu-ü", NULL);
  g_autoptr(GTempFile) replacing = NULL;
  g_autoptr(GTempFile) refused = NULL;
  g_autoptr(GTempFile) kept = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *refused_path = NULL;

  test_write_file (target, "old");

  /* Replacing, atomically (MoveFileExW with MOVEFILE_REPLACE_EXISTING). */
  replacing = g_temp_file_new_full (dir, NULL, NULL, G_TEMP_FILE_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
  write_all (G_IO_STREAM (replacing), "new");
  g_assert_true (g_temp_file_persist (replacing, target, G_TEMP_PERSIST_SYNC, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (g_temp_file_get_path (replacing), ==, target);
  g_assert_false (g_temp_file_get_delete (replacing));
  g_clear_object (&replacing);
  test_assert_contents (target, "new");

  /* Never replacing: EXISTS, and nothing changes. */
  refused = g_temp_file_new_full (dir, NULL, NULL, G_TEMP_FILE_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
  refused_path = g_strdup (g_temp_file_get_path (refused));
  write_all (G_IO_STREAM (refused), "refused");
  g_assert_false (g_temp_file_persist (refused, target, G_TEMP_PERSIST_NO_REPLACE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_clear_error (&error);
  test_assert_contents (target, "new");
  g_assert_cmpstr (g_temp_file_get_path (refused), ==, refused_path);
  g_assert_true (test_exists (refused_path));

  /* ...and onto a free name it works. */
  g_assert_true (g_temp_file_persist (refused, fresh, G_TEMP_PERSIST_NO_REPLACE, &error));
  g_assert_no_error (error);
  g_clear_object (&refused);
  test_assert_contents (fresh, "refused");
  g_assert_false (test_exists (refused_path));

  /* The deletion table: closed with delete-on-close FALSE, kept until
   * disposed. */
  kept = g_temp_file_new_full (dir, NULL, NULL, G_TEMP_FILE_FLAGS_KEEP_ON_CLOSE, NULL, &error);
  g_assert_no_error (error);
  g_free (refused_path);
  refused_path = g_strdup (g_temp_file_get_path (kept));
  g_assert_true (g_io_stream_close (G_IO_STREAM (kept), NULL, &error));
  g_assert_true (test_exists (refused_path));
  g_clear_object (&kept);
  g_assert_false (test_exists (refused_path));

  g_assert_cmpuint (test_count_entries (dir), ==, 2);
  test_remove_tree (dir);
}

/* Disposed with its stream still open: the name goes (deleted while open,
 * which our files allow), and the file with the handle. */
static void
test_file_dispose_open (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autoptr(GError) error = NULL;
  GTempFile *file;
  int fd;

  file = g_temp_file_new_full (dir, NULL, NULL, G_TEMP_FILE_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
  write_all (G_IO_STREAM (file), "data");
  fd = g_temp_file_get_fd (file);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpuint (test_count_entries (dir), ==, 1);
  g_object_unref (file);
  g_assert_cmpuint (test_count_entries (dir), ==, 0);

  test_remove_tree (dir);
}

/* A temporary file made read-only is removed all the same, as unlink(2)
 * would. */
static void
test_file_readonly (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autoptr(GTempFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  file = g_temp_file_new_full (dir, NULL, NULL, G_TEMP_FILE_FLAGS_KEEP_ON_CLOSE, NULL, &error);
  g_assert_no_error (error);
  path = g_strdup (g_temp_file_get_path (file));
  g_assert_true (g_io_stream_close (G_IO_STREAM (file), NULL, &error));
  set_readonly (path);

  g_assert_true (g_temp_file_cleanup (file, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (test_exists (path));
  test_remove_tree (dir);
}

/* At exit, what is still registered goes (the atexit pass of the library,
 * pinned in memory): a file still open, a tree with a read-only file; a
 * file kept stays. */
/* A file made when the C library has no descriptor left for it is
 * removed again: a failed creation leaves nothing. */
static void
test_file_no_descriptor (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autoptr(GArray) fds = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  int fd;

  while ((fd = _open ("NUL", _O_RDONLY | _O_NOINHERIT)) >= 0)
    g_array_append_val (fds, fd);
  g_assert_cmpint (g_tempfile_mkstemp (dir, NULL, NULL, &path, &error), ==, -1);
  g_assert_nonnull (error);
  g_assert_null (path);
  for (guint i = 0; i < fds->len; i++)
    _close (g_array_index (fds, int, i));
  g_assert_cmpuint (test_count_entries (dir), ==, 0);
  test_remove_tree (dir);
}

/* "C:name" is relative to drive C:'s own current directory. */
static void
test_drive_relative (void)
{
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *drive = g_strndup (cwd, 2);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *parent = NULL;
  int fd;

  g_assert_true (g_ascii_isalpha (cwd[0]) && cwd[1] == ':');
  fd = g_tempfile_mkstemp (drive, "drive-relative-", NULL, &path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fd, >=, 0);
  _close (fd);
  parent = g_path_get_dirname (path);
  g_assert_cmpstr (parent, ==, cwd);
  g_assert_no_errno (g_unlink (path));
}

static void
test_exit_removes (void)
{
  if (g_test_subprocess ())
    {
      const char *dir = g_getenv ("TEST_DIR");
      GTempFile *open_file;
      GTempFile *kept;
      GTempDir *tree;
      g_autofree char *sub = NULL;
      g_autofree char *inner = NULL;

      open_file = g_temp_file_new_full (dir, "open-", NULL, G_TEMP_FILE_FLAGS_NONE, NULL, NULL);
      g_assert_nonnull (open_file);
      write_all (G_IO_STREAM (open_file), "still open at exit");
      kept = g_temp_file_new_full (dir, "kept-", NULL, G_TEMP_FILE_FLAGS_KEEP, NULL, NULL);
      g_assert_nonnull (kept);
      tree = g_temp_dir_new_full (dir, "tree-", NULL, G_TEMP_DIR_FLAGS_NONE, NULL, NULL);
      g_assert_nonnull (tree);
      sub = g_build_filename (g_temp_dir_get_path (tree), "sub", NULL);
      g_assert_no_errno (g_mkdir (sub, 0700));
      inner = g_build_filename (sub, "inner", NULL);
      test_write_file (inner, "x");
      set_readonly (inner);

      /* Leaked on purpose. */
      exit (0);
    }
  else
    {
      g_autofree char *dir = test_dir_new ();
      g_autoptr(GDir) listing = NULL;
      const char *name;

      test_trap_with_dir (dir);
      g_assert_cmpuint (test_count_entries (dir), ==, 1);
      listing = g_dir_open (dir, 0, NULL);
      name = g_dir_read_name (listing);
      g_assert_true (g_str_has_prefix (name, "kept-"));
      test_remove_tree (dir);
    }
}

/* Anonymous files ---------------------------------------------------------- */

static void
test_anonymous (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autofree char *target = g_build_filename (dir, "named", NULL);
  g_autoptr(GTempFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *content = NULL;

  file = g_temp_file_new_full (dir, "anon-", NULL, G_TEMP_FILE_FLAGS_ANONYMOUS, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_temp_file_is_anonymous (file));
  g_assert_null (g_temp_file_get_path (file));

  write_all (G_IO_STREAM (file), "0123456789");
  g_assert_true (g_seekable_truncate (G_SEEKABLE (file), 4, NULL, &error));
  g_assert_no_error (error);
  content = read_back (G_IO_STREAM (file));
  g_assert_cmpstr (content, ==, "0123");

  /* With POSIX delete semantics (Windows 10) the name is gone already;
   * elsewhere (Wine) it stays until the handle closes. */
  g_assert_cmpuint (test_count_entries (dir), <=, 1);

  /* No name can be given to it again. */
  g_assert_false (g_temp_file_persist (file, target, G_TEMP_PERSIST_NONE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_assert_false (test_exists (target));

  g_clear_object (&file);
  g_assert_cmpuint (test_count_entries (dir), ==, 0);
  test_remove_tree (dir);
}

/* Nothing runs of ours when a process is terminated: the system removes an
 * anonymous file (FILE_FLAG_DELETE_ON_CLOSE) all the same. */
static void
test_anonymous_terminated (void)
{
  if (g_test_subprocess ())
    {
      GTempFile *file;

      file = g_temp_file_new_full (g_getenv ("TEST_DIR"), NULL, NULL,
                                   G_TEMP_FILE_FLAGS_ANONYMOUS, NULL, NULL);
      g_assert_nonnull (file);
      write_all (G_IO_STREAM (file), "lost");
      TerminateProcess (GetCurrentProcess (), 0);
      g_assert_not_reached ();
    }
  else
    {
      g_autofree char *dir = test_dir_new ();

      test_trap_with_dir (dir);
      g_assert_cmpuint (test_count_entries (dir), ==, 0);
      test_remove_tree (dir);
    }
}

static void
test_spooled_rollover (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autoptr(GSpooledStream) stream = g_spooled_stream_new_full (16, dir, "spill-é", NULL);
  g_autofree char *expected = NULL;
  g_autofree char *content = NULL;
  g_autoptr(GError) error = NULL;
  GString *data = g_string_new (NULL);

  for (guint i = 0; i < 20; i++)
    g_string_append_printf (data, "line %u\n", i);
  expected = g_string_free (data, FALSE);

  write_all (G_IO_STREAM (stream), "short\n");
  g_assert_false (g_spooled_stream_is_rolled_over (stream));
  g_assert_cmpuint (test_count_entries (dir), ==, 0);

  write_all (G_IO_STREAM (stream), expected);
  g_assert_true (g_spooled_stream_is_rolled_over (stream));
  g_assert_cmpint (g_seekable_tell (G_SEEKABLE (stream)), ==, 6 + strlen (expected));
  content = read_back (G_IO_STREAM (stream));
  g_assert_true (g_str_has_prefix (content, "short\n"));
  g_assert_cmpstr (content + 6, ==, expected);

  g_assert_true (g_io_stream_close (G_IO_STREAM (stream), NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (test_count_entries (dir), ==, 0);
  test_remove_tree (dir);
}

/* Directories --------------------------------------------------------------- */

/* A tree with nested directories, UTF-8 names, read-only files and
 * read-only directories, removed whole. */
static void
test_dir_tree (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autoptr(GTempDir) tmp = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) deep = NULL;
  g_autofree char *path = NULL;
  g_autofree char *nested = NULL;

  tmp = g_temp_dir_new_full (dir, UTF8_PREFIX, NULL, G_TEMP_DIR_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
  path = g_strdup (g_temp_dir_get_path (tmp));
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_DIR));

  nested = g_build_filename (path, "ä", "ö", "ü", NULL);
  g_assert_no_errno (g_mkdir_with_parents (nested, 0700));
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *name = g_strdup_printf ("dätei-%u", i);
      g_autofree char *file = g_build_filename (nested, name, NULL);

      test_write_file (file, "x");
      if (i % 2 == 0)
        set_readonly (file);
    }
  set_readonly (nested);

  /* Deeper than MAX_PATH from the root: the walk never uses full paths. */
  deep = g_string_new (path);
  for (guint i = 0; i < 30; i++)
    {
      g_string_append (deep, G_DIR_SEPARATOR_S "verzeichnis-tief");
      g_assert_no_errno (g_mkdir (deep->str, 0700));
    }
  {
    g_autofree char *file = g_build_filename (deep->str, "blatt", NULL);

    test_write_file (file, "leaf");
    set_readonly (file);
  }

  g_assert_true (g_temp_dir_cleanup (tmp, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (test_exists (path));
  g_assert_cmpuint (test_count_entries (dir), ==, 0);

  /* Idempotent. */
  g_assert_true (g_temp_dir_cleanup (tmp, NULL, &error));
  g_assert_no_error (error);
  test_remove_tree (dir);
}

/* A directory put in the place of ours is left alone: WRONG_ETAG. */
static void
test_dir_replaced (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autofree char *away = g_build_filename (dir, "away", NULL);
  g_autofree char *path = NULL;
  g_autofree char *precious = NULL;
  g_autofree char *inside = NULL;
  g_autoptr(GTempDir) tmp = NULL;
  g_autoptr(GError) error = NULL;

  tmp = g_temp_dir_new_full (dir, NULL, NULL, G_TEMP_DIR_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
  path = g_strdup (g_temp_dir_get_path (tmp));
  inside = g_build_filename (path, "inside", NULL);
  test_write_file (inside, "ours");

  /* Renamed away while the object holds it open, and another directory
   * made at its path. */
  g_assert_no_errno (g_rename (path, away));
  g_assert_no_errno (g_mkdir (path, 0700));
  precious = g_build_filename (path, "precious", NULL);
  test_write_file (precious, "theirs");

  g_assert_false (g_temp_dir_cleanup (tmp, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WRONG_ETAG);
  g_clear_error (&error);
  test_assert_contents (precious, "theirs");

  /* Nothing at the path any more is success, and the moved directory is
   * not followed. */
  test_remove_tree (path);
  g_assert_true (g_temp_dir_cleanup (tmp, NULL, &error));
  g_assert_no_error (error);
  g_clear_object (&tmp);
  g_assert_true (test_exists (away));
  test_remove_tree (dir);
}

/* A file that someone holds open without sharing delete access cannot go:
 * the error names it, everything else goes, and a second cleanup, once it
 * is closed, finishes. */
static void
test_dir_file_held_open (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autofree char *path = NULL;
  g_autofree char *held = NULL;
  g_autofree char *other = NULL;
  g_autoptr(GTempDir) tmp = NULL;
  g_autoptr(GError) error = NULL;
  int fd;

  tmp = g_temp_dir_new_full (dir, NULL, NULL, G_TEMP_DIR_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
  path = g_strdup (g_temp_dir_get_path (tmp));
  held = g_build_filename (path, "held", NULL);
  other = g_build_filename (path, "other", NULL);
  test_write_file (held, "busy");
  test_write_file (other, "free");

  /* The C library's open shares read and write, never delete. */
  fd = g_open (held, O_RDONLY | O_BINARY, 0);
  g_assert_cmpint (fd, >=, 0);

  g_assert_false (g_temp_dir_cleanup (tmp, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_assert_nonnull (strstr (error->message, "held"));
  g_clear_error (&error);
  g_assert_true (test_exists (held));
  g_assert_false (test_exists (other));

  close (fd);
  g_assert_true (g_temp_dir_cleanup (tmp, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (test_exists (path));
  test_remove_tree (dir);
}

static void
test_dir_persist (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autofree char *empty = g_build_filename (dir, "leer", NULL);
  g_autofree char *full = g_build_filename (dir, "voll", NULL);
  g_autofree char *full_file = g_build_filename (full, "f", NULL);
  g_autofree char *fresh = g_build_filename (dir, "frisch-ß", NULL);
  g_autofree char *marker = NULL;
  g_autoptr(GTempDir) first = NULL;
  g_autoptr(GTempDir) second = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_no_errno (g_mkdir (empty, 0700));
  g_assert_no_errno (g_mkdir (full, 0700));
  test_write_file (full_file, "");

  /* rename(2) semantics: an empty directory is replaced... */
  first = g_temp_dir_new_full (dir, NULL, NULL, G_TEMP_DIR_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
  marker = g_build_filename (g_temp_dir_get_path (first), "marker", NULL);
  test_write_file (marker, "moved");
  g_assert_true (g_temp_dir_persist (first, empty, G_TEMP_PERSIST_NONE, &error));
  g_assert_no_error (error);
  g_clear_pointer (&marker, g_free);
  marker = g_build_filename (empty, "marker", NULL);
  test_assert_contents (marker, "moved");

  /* ...a full one is not, and never with NO_REPLACE. */
  second = g_temp_dir_new_full (dir, NULL, NULL, G_TEMP_DIR_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (g_temp_dir_persist (second, full, G_TEMP_PERSIST_NONE, &error));
  g_assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_EMPTY) ||
                 g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS));
  g_clear_error (&error);
  g_assert_true (test_exists (full_file));
  g_assert_false (g_temp_dir_persist (second, empty, G_TEMP_PERSIST_NO_REPLACE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_clear_error (&error);
  test_assert_contents (marker, "moved");

  g_assert_true (g_temp_dir_persist (second, fresh, G_TEMP_PERSIST_NO_REPLACE | G_TEMP_PERSIST_SYNC,
                                     &error));
  g_assert_no_error (error);
  g_clear_object (&second);
  g_assert_true (g_file_test (fresh, G_FILE_TEST_IS_DIR));

  test_remove_tree (dir);
}

/* Identity: the volume serial number and the file index, never 0 (st_ino
 * is always 0 on Windows), shared by hard links. */
static void
test_identity (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autofree char *a = g_build_filename (dir, "a", NULL);
  g_autofree char *b = g_build_filename (dir, "b", NULL);
  g_autofree char *link = g_build_filename (dir, "link-to-a", NULL);
  g_autofree gunichar2 *wa = g_utf8_to_utf16 (a, -1, NULL, NULL, NULL);
  g_autofree gunichar2 *wlink = g_utf8_to_utf16 (link, -1, NULL, NULL, NULL);
  GTempfileSysStat st_a, st_b, st_link, st_dir;

  test_write_file (a, "a");
  test_write_file (b, "b");
  g_assert_true (CreateHardLinkW ((wchar_t *) wlink, (wchar_t *) wa, NULL));

  g_assert_no_errno (_g_tempfile_sys_lstat (a, &st_a));
  g_assert_no_errno (_g_tempfile_sys_lstat (b, &st_b));
  g_assert_no_errno (_g_tempfile_sys_lstat (link, &st_link));
  g_assert_no_errno (_g_tempfile_sys_lstat (dir, &st_dir));
  g_assert_cmpint (st_a.type, ==, GTEMPFILE_SYS_TYPE_OTHER);
  g_assert_cmpint (st_dir.type, ==, GTEMPFILE_SYS_TYPE_DIRECTORY);
  g_assert_cmpuint (st_a.id.ino, !=, 0);
  g_assert_false (_g_tempfile_sys_id_equal (&st_a.id, &st_b.id));
  g_assert_false (_g_tempfile_sys_id_equal (&st_a.id, &st_dir.id));
  g_assert_true (_g_tempfile_sys_id_equal (&st_a.id, &st_link.id));

  test_remove_tree (dir);
}

/* A symbolic link (a reparse point) inside the tree is removed as itself;
 * what it points to is untouched. */
static void
test_reparse_point (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autofree char *outside = g_build_filename (dir, "outside", NULL);
  g_autofree char *precious = g_build_filename (outside, "precious", NULL);
  g_autofree char *precious_file = g_build_filename (dir, "precious-file", NULL);
  g_autofree char *link = NULL;
  g_autofree char *file_link = NULL;
  g_autoptr(GTempDir) tmp = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_no_errno (g_mkdir (outside, 0700));
  test_write_file (precious, "keep");
  test_write_file (precious_file, "keep too");

  tmp = g_temp_dir_new_full (dir, NULL, NULL, G_TEMP_DIR_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
  link = g_build_filename (g_temp_dir_get_path (tmp), "link", NULL);
  file_link = g_build_filename (g_temp_dir_get_path (tmp), "file-link", NULL);
  if (!test_symlink (outside, link) || !test_symlink (precious_file, file_link))
    {
      /* Wine's CreateSymbolicLinkW succeeds and makes nothing. */
      g_test_skip ("no symbolic link could be made (under Wine CreateSymbolicLinkW is a stub; "
                   "on Windows it needs developer mode or the privilege)");
      test_remove_tree (dir);
      return;
    }

  g_assert_true (g_temp_dir_cleanup (tmp, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (test_exists (link));
  test_assert_contents (precious, "keep");
  test_assert_contents (precious_file, "keep too");
  test_remove_tree (dir);
}

/* What Windows does not have -------------------------------------------------- */

static void
test_no_signals_no_guardian (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (_g_tempfile_sys_has_feature (GTEMPFILE_SYS_FEATURE_SIGNALS));
  g_assert_false (g_tempfile_install_signal_handlers ());

  g_assert_false (g_tempfile_install_guardian (&error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

  g_test_add_func ("/windows/file/utf8-names", test_file_utf8_names);
  g_test_add_func ("/windows/file/persist", test_file_persist);
  g_test_add_func ("/windows/file/dispose-open", test_file_dispose_open);
  g_test_add_func ("/windows/file/readonly", test_file_readonly);
  g_test_add_func ("/windows/file/no-descriptor", test_file_no_descriptor);
  g_test_add_func ("/windows/file/drive-relative", test_drive_relative);
  g_test_add_func ("/windows/exit/removes", test_exit_removes);
  g_test_add_func ("/windows/anonymous/basic", test_anonymous);
  g_test_add_func ("/windows/anonymous/terminated", test_anonymous_terminated);
  g_test_add_func ("/windows/spooled/rollover", test_spooled_rollover);
  g_test_add_func ("/windows/dir/tree", test_dir_tree);
  g_test_add_func ("/windows/dir/replaced", test_dir_replaced);
  g_test_add_func ("/windows/dir/file-held-open", test_dir_file_held_open);
  g_test_add_func ("/windows/dir/persist", test_dir_persist);
  g_test_add_func ("/windows/identity", test_identity);
  g_test_add_func ("/windows/walk/reparse-point", test_reparse_point);
  g_test_add_func ("/windows/no-signals-no-guardian", test_no_signals_no_guardian);

  return g_test_run ();
}
