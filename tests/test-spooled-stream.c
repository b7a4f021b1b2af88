/* test-spooled-stream.c: GSpooledStream (DESIGN.md §5)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if __has_include(<sys/resource.h>)
# include <sys/resource.h>
#endif
#ifdef HAVE_UNSHARE
# include <sched.h>
# include <sys/mount.h>
#endif

#include <glib/gstdio.h>

#include "gtempfile.h"
#include "gtempfile-create-private.h"
#include "gtempfile-platform-private.h"
#include "test-common.h"

/* Helpers ----------------------------------------------------------------- */

/* How many names a rolled-over stream may leave in its directory while its
 * file is open: none where removing an open file's name takes it away at
 * once (POSIX); one on Windows, where the name of the delete-on-close file
 * stays listed until it is closed unless the system has POSIX delete
 * semantics (Wine has not). */
static guint
names_while_open (void)
{
  return _g_tempfile_sys_has_feature (GTEMPFILE_SYS_FEATURE_UNLINK_OPEN) ? 0 : 1;
}

static GOutputStream *
out_of (GSpooledStream *stream)
{
  return g_io_stream_get_output_stream (G_IO_STREAM (stream));
}

static GInputStream *
in_of (GSpooledStream *stream)
{
  return g_io_stream_get_input_stream (G_IO_STREAM (stream));
}

static void
write_bytes (GSpooledStream *stream,
             const char     *data,
             gsize           length)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (out_of (stream), data, length, NULL, NULL, &error);
  g_assert_no_error (error);
}

static void
write_string (GSpooledStream *stream,
              const char     *text)
{
  write_bytes (stream, text, strlen (text));
}

static void
seek_to (GSpooledStream *stream,
         goffset         offset)
{
  g_autoptr(GError) error = NULL;

  g_seekable_seek (G_SEEKABLE (stream), offset, G_SEEK_SET, NULL, &error);
  g_assert_no_error (error);
}

/* Everything from offset 0, leaving the position at the end. */
static GBytes *
read_all (GSpooledStream *stream)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GByteArray) content = g_byte_array_new ();
  guint8 buffer[4096];
  gssize n;

  seek_to (stream, 0);
  while ((n = g_input_stream_read (in_of (stream), buffer, sizeof buffer, NULL, &error)) > 0)
    g_byte_array_append (content, buffer, n);
  g_assert_no_error (error);
  return g_byte_array_free_to_bytes (g_steal_pointer (&content));
}

#define assert_content(stream, expected, expected_length) \
  G_STMT_START { \
    g_autoptr(GBytes) content_ = read_all (stream); \
    g_assert_cmpmem (g_bytes_get_data (content_, NULL), g_bytes_get_size (content_), \
                     (expected), (expected_length)); \
  } G_STMT_END

static char *
pattern (gsize length)
{
  char *data = g_malloc (length);

  for (gsize i = 0; i < length; i++)
    data[i] = 'a' + i % 26;
  return data;
}

/* Creation ---------------------------------------------------------------- */

static void
test_new (void)
{
  g_autoptr(GSpooledStream) stream = g_spooled_stream_new (30);
  g_autoptr(GSpooledStream) bad = g_spooled_stream_new_full (10, "/nonexistent", "a/b", NULL);
  guint64 max_size = 0;
  gboolean rolled = TRUE;

  g_assert_cmpuint (g_spooled_stream_get_max_size (stream), ==, 30);
  g_assert_false (g_spooled_stream_is_rolled_over (stream));
  g_object_get (stream, "max-size", &max_size, "rolled-over", &rolled, NULL);
  g_assert_cmpuint (max_size, ==, 30);
  g_assert_false (rolled);
  g_assert_true (G_IS_IO_STREAM (stream));
  g_assert_true (G_IS_SEEKABLE (stream));
  g_assert_true (G_IS_SEEKABLE (in_of (stream)));
  g_assert_true (G_IS_SEEKABLE (out_of (stream)));

  /* Cannot fail, even with arguments that will not work later. */
  g_assert_true (G_IS_SPOOLED_STREAM (bad));
}

/* The threshold ----------------------------------------------------------- */

static void
test_threshold_sequential (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autoptr(GSpooledStream) stream = g_spooled_stream_new_full (30, dir, NULL, NULL);
  g_autofree char *data = pattern (31);

  /* 20 + 10 = 30 bytes: exactly the limit, still in memory. */
  write_bytes (stream, data, 20);
  g_assert_false (g_spooled_stream_is_rolled_over (stream));
  write_bytes (stream, data + 20, 10);
  g_assert_false (g_spooled_stream_is_rolled_over (stream));
  g_assert_cmpuint (test_count_entries (dir), ==, 0);

  /* One more byte: on disk, position and content kept. */
  write_bytes (stream, data + 30, 1);
  g_assert_true (g_spooled_stream_is_rolled_over (stream));
  g_assert_cmpint (g_seekable_tell (G_SEEKABLE (stream)), ==, 31);
  assert_content (stream, data, 31);

  /* The file is anonymous: nothing in the directory, and nothing once it
   * is closed. */
  g_assert_cmpuint (test_count_entries (dir), <=, names_while_open ());
  g_clear_object (&stream);
  g_assert_cmpuint (test_count_entries (dir), ==, 0);
  test_remove_tree (dir);
}

static void
test_threshold_rewrite (void)
{
  g_autoptr(GSpooledStream) stream = g_spooled_stream_new (30);
  g_autofree char *data = pattern (20);

  for (guint i = 0; i < 5; i++)
    {
      seek_to (stream, 0);
      write_bytes (stream, data, 20);
    }
  g_assert_false (g_spooled_stream_is_rolled_over (stream));
  assert_content (stream, data, 20);
}

static void
test_threshold_sparse (void)
{
  g_autoptr(GSpooledStream) stream = g_spooled_stream_new (30);
  char expected[101] = { 0, };

  seek_to (stream, 100);
  g_assert_false (g_spooled_stream_is_rolled_over (stream));
  g_assert_cmpint (g_seekable_tell (G_SEEKABLE (stream)), ==, 100);

  write_string (stream, "x");
  g_assert_true (g_spooled_stream_is_rolled_over (stream));
  g_assert_cmpint (g_seekable_tell (G_SEEKABLE (stream)), ==, 101);
  expected[100] = 'x';
  assert_content (stream, expected, 101);
}

/* The same gap, kept in memory. */
static void
test_sparse_in_memory (void)
{
  g_autoptr(GSpooledStream) stream = g_spooled_stream_new (0);

  write_string (stream, "ab");
  seek_to (stream, 6);
  write_string (stream, "z");
  g_assert_false (g_spooled_stream_is_rolled_over (stream));
  assert_content (stream, "ab\0\0\0\0z", 7);
}

/* max-size 0: no limit, whatever is written or truncated. */
static void
test_unlimited (void)
{
  g_autoptr(GSpooledStream) stream = g_spooled_stream_new (0);
  const gsize total = test_scaled (64, 4) * 1024 * 1024;
  const gsize chunk = 64 * 1024;
  g_autofree char *data = pattern (chunk);
  g_autoptr(GBytes) content = NULL;
  const guint8 *bytes;

  for (gsize written = 0; written < total; written += chunk)
    write_bytes (stream, data, chunk);
  g_assert_false (g_spooled_stream_is_rolled_over (stream));
  g_assert_cmpint (g_seekable_tell (G_SEEKABLE (stream)), ==, total);

  content = read_all (stream);
  g_assert_cmpuint (g_bytes_get_size (content), ==, total);
  bytes = g_bytes_get_data (content, NULL);
  for (gsize offset = 0; offset < total; offset += chunk)
    g_assert_true (memcmp (bytes + offset, data, chunk) == 0);

  g_assert_true (g_seekable_truncate (G_SEEKABLE (stream), total + 1024, NULL, NULL));
  g_assert_false (g_spooled_stream_is_rolled_over (stream));
}

static void
test_truncate (void)
{
  g_autoptr(GSpooledStream) stream = g_spooled_stream_new (30);
  g_autoptr(GError) error = NULL;

  write_string (stream, "0123456789");

  /* Smaller: in memory, position kept. */
  g_assert_true (g_seekable_truncate (G_SEEKABLE (stream), 5, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (g_spooled_stream_is_rolled_over (stream));
  g_assert_cmpint (g_seekable_tell (G_SEEKABLE (stream)), ==, 10);
  assert_content (stream, "01234", 5);

  /* Larger but within the limit: zeros, in memory. */
  g_assert_true (g_seekable_truncate (G_SEEKABLE (stream), 30, NULL, &error));
  g_assert_false (g_spooled_stream_is_rolled_over (stream));
  assert_content (stream, "01234\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 30);

  /* Past the limit: moved to disk first, then grown. */
  seek_to (stream, 3);
  g_assert_true (g_seekable_truncate (G_SEEKABLE (stream), 31, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_spooled_stream_is_rolled_over (stream));
  g_assert_cmpint (g_seekable_tell (G_SEEKABLE (stream)), ==, 3);
  assert_content (stream, "01234\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 31);

  /* On disk it keeps working. */
  g_assert_true (g_seekable_truncate (G_SEEKABLE (stream), 2, NULL, &error));
  assert_content (stream, "01", 2);

  g_assert_false (g_seekable_truncate (G_SEEKABLE (stream), -1, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

static void
test_seekable (void)
{
  g_autoptr(GSpooledStream) stream = g_spooled_stream_new (0);
  g_autoptr(GError) error = NULL;
  char buffer[4] = { 0, };

  write_string (stream, "abcdef");

  /* One position for the stream and both halves. */
  g_assert_true (g_seekable_seek (G_SEEKABLE (in_of (stream)), 2, G_SEEK_SET, NULL, &error));
  g_assert_cmpint (g_seekable_tell (G_SEEKABLE (out_of (stream))), ==, 2);
  g_assert_cmpint (g_seekable_tell (G_SEEKABLE (stream)), ==, 2);
  g_assert_cmpint (g_input_stream_read (in_of (stream), buffer, 2, NULL, &error), ==, 2);
  g_assert_cmpstr (buffer, ==, "cd");
  g_assert_true (g_seekable_seek (G_SEEKABLE (out_of (stream)), -1, G_SEEK_END, NULL, &error));
  write_string (stream, "F");
  assert_content (stream, "abcdeF", 6);
  g_assert_true (g_seekable_seek (G_SEEKABLE (stream), -2, G_SEEK_CUR, NULL, &error));
  g_assert_cmpint (g_seekable_tell (G_SEEKABLE (stream)), ==, 4);

  /* Reading at or past the end gives nothing. */
  seek_to (stream, 50);
  g_assert_cmpint (g_input_stream_read (in_of (stream), buffer, 2, NULL, &error), ==, 0);

  g_assert_false (g_seekable_seek (G_SEEKABLE (stream), -51, G_SEEK_CUR, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_true (g_seekable_can_truncate (G_SEEKABLE (stream)));
  g_assert_true (g_seekable_can_truncate (G_SEEKABLE (out_of (stream))));
  g_assert_false (g_seekable_can_truncate (G_SEEKABLE (in_of (stream))));
  g_assert_false (g_seekable_truncate (G_SEEKABLE (in_of (stream)), 0, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
}

/* Explicit rollover ----------------------------------------------------------- */

static void
test_rollover_explicit (void)
{
  g_autoptr(GSpooledStream) stream = g_spooled_stream_new (1000);
  g_autoptr(GError) error = NULL;
  guint notes = 0;

  g_signal_connect (stream, "notify::rolled-over", G_CALLBACK (test_count_notify), &notes);
  write_string (stream, "hello, world");
  seek_to (stream, 5);

  g_assert_true (g_spooled_stream_rollover (stream, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_spooled_stream_is_rolled_over (stream));
  g_assert_cmpint (g_seekable_tell (G_SEEKABLE (stream)), ==, 5);
  g_assert_cmpuint (notes, ==, 1);

  /* Again: nothing happens. */
  g_assert_true (g_spooled_stream_rollover (stream, NULL, &error));
  g_assert_cmpuint (notes, ==, 1);
  assert_content (stream, "hello, world", 12);
}

static void
test_rollover_get_fd (void)
{
  g_autoptr(GSpooledStream) stream = g_spooled_stream_new (0);
  g_autoptr(GError) error = NULL;
  guint notes = 0;
  int fd;

  g_signal_connect (stream, "notify::rolled-over", G_CALLBACK (test_count_notify), &notes);
  write_string (stream, "in memory");
  fd = g_spooled_stream_get_fd (stream, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fd, >=, 0);
  g_assert_true (g_spooled_stream_is_rolled_over (stream));
  g_assert_cmpuint (notes, ==, 1);
  g_assert_cmpint (g_spooled_stream_get_fd (stream, NULL), ==, fd);
  g_assert_cmpuint (notes, ==, 1);

  /* The descriptor shares the position. */
  g_assert_cmpint (write (fd, "!", 1), ==, 1);
  g_assert_cmpint (g_seekable_tell (G_SEEKABLE (stream)), ==, 10);
  assert_content (stream, "in memory!", 10);
}

/* Halves taken before the move keep working after it. */
static void
test_rollover_old_halves (void)
{
  g_autoptr(GSpooledStream) stream = g_spooled_stream_new (8);
  g_autoptr(GOutputStream) out = g_object_ref (out_of (stream));
  g_autoptr(GInputStream) in = g_object_ref (in_of (stream));
  g_autoptr(GError) error = NULL;
  char buffer[32] = { 0, };

  g_output_stream_write_all (out, "12345678", 8, NULL, NULL, &error);
  g_assert_false (g_spooled_stream_is_rolled_over (stream));
  g_output_stream_write_all (out, "9abc", 4, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_spooled_stream_is_rolled_over (stream));

  g_assert_true (g_seekable_seek (G_SEEKABLE (in), 0, G_SEEK_SET, NULL, &error));
  g_assert_cmpint (g_input_stream_read (in, buffer, sizeof buffer, NULL, &error), ==, 12);
  g_assert_cmpstr (buffer, ==, "123456789abc");
}

/* Closing --------------------------------------------------------------------- */

static void
check_closed (GSpooledStream *stream)
{
  g_autoptr(GError) error = NULL;
  char buffer[4];

  g_assert_cmpint (g_output_stream_write (out_of (stream), "x", 1, NULL, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&error);
  g_assert_cmpint (g_input_stream_read (in_of (stream), buffer, 1, NULL, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&error);
  g_assert_false (g_seekable_seek (G_SEEKABLE (stream), 0, G_SEEK_SET, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&error);
  g_assert_false (g_seekable_truncate (G_SEEKABLE (stream), 0, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&error);
  g_assert_false (g_spooled_stream_rollover (stream, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&error);
  g_assert_cmpint (g_spooled_stream_get_fd (stream, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
}

static void
test_close (void)
{
  g_autoptr(GSpooledStream) memory = g_spooled_stream_new (0);
  g_autoptr(GSpooledStream) disk = g_spooled_stream_new (4);
  g_autoptr(GError) error = NULL;
  guint fds_before;

  write_string (memory, "kept in memory");
  g_assert_true (g_io_stream_close (G_IO_STREAM (memory), NULL, &error));
  g_assert_true (g_io_stream_close (G_IO_STREAM (memory), NULL, &error));
  g_assert_no_error (error);
  check_closed (memory);

  write_string (disk, "moved to disk");
  g_assert_true (g_spooled_stream_is_rolled_over (disk));
  fds_before = test_count_fds ();
  g_assert_true (g_io_stream_close (G_IO_STREAM (disk), NULL, &error));
  g_assert_no_error (error);
  /* The file's descriptor is gone with it. */
  g_assert_cmpuint (test_count_fds (), ==, fds_before - 1);
  g_assert_true (g_io_stream_close (G_IO_STREAM (disk), NULL, &error));
  check_closed (disk);
}

/* Asynchronous use ------------------------------------------------------------ */

typedef struct
{
  GMainLoop *loop;
  GError    *error;
  gssize     spliced;
  GBytes    *bytes;
  gboolean   written;
} AsyncData;

static void
written (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  AsyncData *data = user_data;

  data->written = g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL,
                                                    &data->error);
  g_main_loop_quit (data->loop);
}

static void
read_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  AsyncData *data = user_data;

  data->bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &data->error);
  g_main_loop_quit (data->loop);
}

static void
spliced (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  AsyncData *data = user_data;

  data->spliced = g_output_stream_splice_finish (G_OUTPUT_STREAM (source), result, &data->error);
  g_main_loop_quit (data->loop);
}

typedef struct
{
  guint    count;
  GThread *thread;
} NotifyCheck;

static void
rolled_over_in (GObject     *object,
                GParamSpec  *pspec,
                NotifyCheck *check)
{
  check->count++;
  check->thread = g_thread_self ();
}

static void
wrote_some (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  AsyncData *data = user_data;

  data->written = g_output_stream_write_finish (G_OUTPUT_STREAM (source), result,
                                                &data->error) > 0;
  g_main_loop_quit (data->loop);
}

/* A close while a half's operation is pending closes the stream all the
 * same (GIO marks it closed whatever close says): the file goes, and what
 * comes after fails with G_IO_ERROR_CLOSED. */
static void
test_close_pending (void)
{
  g_autoptr(GSpooledStream) stream = g_spooled_stream_new (4);
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  AsyncData async = { loop, NULL, 0, NULL, FALSE };
  guint fds_before;

  /* GLib's asynchronous machinery opens descriptors of its own, once. */
  {
    g_autoptr(GSpooledStream) warm_up = g_spooled_stream_new (0);

    g_output_stream_write_all_async (out_of (warm_up), "x", 1, G_PRIORITY_DEFAULT, NULL,
                                     written, &async);
    g_main_loop_run (loop);
    g_assert_no_error (async.error);
  }
  fds_before = test_count_fds ();
  write_string (stream, "moved to disk");
  g_assert_true (g_spooled_stream_is_rolled_over (stream));
  /* g_output_stream_write_async() marks the half pending at once. */
  g_output_stream_write_async (out_of (stream), "more", 4, G_PRIORITY_DEFAULT, NULL,
                               wrote_some, &async);
  g_assert_true (g_output_stream_has_pending (out_of (stream)));
  g_assert_true (g_io_stream_close (G_IO_STREAM (stream), NULL, &error));
  g_assert_no_error (error);
  g_main_loop_run (loop);
  /* The write ran first, or found the stream closed. */
  if (!async.written)
    g_assert_error (async.error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&async.error);
  g_assert_cmpint (g_output_stream_write (out_of (stream), "x", 1, NULL, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_assert_cmpuint (test_count_fds (), ==, fds_before);
}

static void
test_async (void)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GSpooledStream) stream = g_spooled_stream_new (100);
  g_autoptr(GSpooledStream) big = g_spooled_stream_new (64 * 1024);
  g_autofree char *data = pattern (1000);
  g_autofree char *large = pattern (1024 * 1024);
  g_autoptr(GInputStream) source = NULL;
  AsyncData async = { loop, NULL, 0, NULL, FALSE };
  NotifyCheck check = { 0, NULL };

  /* Writing asynchronously, across the move to disk. */
  g_signal_connect (stream, "notify::rolled-over", G_CALLBACK (rolled_over_in), &check);
  g_output_stream_write_all_async (out_of (stream), data, 60, G_PRIORITY_DEFAULT, NULL,
                                   written, &async);
  g_main_loop_run (loop);
  g_assert_no_error (async.error);
  g_assert_false (g_spooled_stream_is_rolled_over (stream));
  g_output_stream_write_all_async (out_of (stream), data + 60, 940, G_PRIORITY_DEFAULT, NULL,
                                   written, &async);
  g_main_loop_run (loop);
  g_assert_no_error (async.error);
  g_assert_true (async.written);
  g_assert_true (g_spooled_stream_is_rolled_over (stream));

  /* The notification arrives once, in the main context's thread, even
   * though the write ran in a worker thread. */
  while (check.count == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (check.count, ==, 1);
  g_assert_true (check.thread == g_thread_self ());

  /* Reading asynchronously. */
  seek_to (stream, 990);
  g_input_stream_read_bytes_async (in_of (stream), 100, G_PRIORITY_DEFAULT, NULL,
                                   read_done, &async);
  g_main_loop_run (loop);
  g_assert_no_error (async.error);
  g_assert_cmpmem (g_bytes_get_data (async.bytes, NULL), g_bytes_get_size (async.bytes),
                   data + 990, 10);
  g_clear_pointer (&async.bytes, g_bytes_unref);

  /* Splicing another stream in. */
  source = g_memory_input_stream_new_from_data (large, 1024 * 1024, NULL);
  g_output_stream_splice_async (out_of (big), source, G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE,
                                G_PRIORITY_DEFAULT, NULL, spliced, &async);
  g_main_loop_run (loop);
  g_assert_no_error (async.error);
  g_assert_cmpint (async.spliced, ==, 1024 * 1024);
  g_assert_true (g_spooled_stream_is_rolled_over (big));
  assert_content (big, large, 1024 * 1024);
}

static gpointer
roll_over_in_thread (gpointer data)
{
  GSpooledStream *stream = data;
  g_autofree char *bytes = pattern (200);
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (out_of (stream), bytes, 200, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_spooled_stream_is_rolled_over (stream));
  return NULL;
}

/* DESIGN.md §5: dropping the last reference releases the stream and its
 * file at once, whichever thread rolled it over and whether or not a main
 * loop runs; the notification still arrives where someone listens. */
static void
test_rollover_other_thread (void)
{
  GSpooledStream *stream;
  GThread *thread;
  NotifyCheck check = { 0, NULL };
  guint fds_before;

  /* The default main context has a descriptor of its own. */
  g_main_context_default ();
  fds_before = test_count_fds ();

  /* Nobody runs the main context: the stream must not wait for it. */
  stream = g_spooled_stream_new (100);
  g_object_add_weak_pointer (G_OBJECT (stream), (gpointer *) &stream);
  thread = g_thread_new ("roll-over", roll_over_in_thread, stream);
  g_thread_join (thread);
  g_assert_cmpuint (test_count_fds (), ==, fds_before + 1);
  g_object_unref (stream);
  g_assert_null (stream);
  g_assert_cmpuint (test_count_fds (), ==, fds_before);
  /* The notification that was queued finds nothing and does nothing. */
  while (g_main_context_iteration (NULL, FALSE))
    ;

  /* Someone listens and runs the context: it arrives once, in this thread. */
  stream = g_spooled_stream_new (100);
  g_signal_connect (stream, "notify::rolled-over", G_CALLBACK (rolled_over_in), &check);
  thread = g_thread_new ("roll-over", roll_over_in_thread, stream);
  g_thread_join (thread);
  g_assert_cmpuint (check.count, ==, 0);
  while (check.count == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (check.count, ==, 1);
  g_assert_true (check.thread == g_thread_self ());
  g_object_unref (stream);
  g_assert_cmpuint (test_count_fds (), ==, fds_before);

  /* A context of its own, dropped without ever running again: the waiting
   * notification keeps neither it (nor its descriptor) nor the stream. */
  for (guint i = 0; i < 20; i++)
    {
      GMainContext *context = g_main_context_new ();

      g_main_context_push_thread_default (context);
      stream = g_spooled_stream_new (100);
      g_main_context_pop_thread_default (context);
      thread = g_thread_new ("roll-over", roll_over_in_thread, stream);
      g_thread_join (thread);
      g_main_context_unref (context);
      g_object_unref (stream);
    }
  g_assert_cmpuint (test_count_fds (), ==, fds_before);
}

typedef struct
{
  GSpooledStream *stream;
  NotifyCheck    *check;
  GMainContext   *context;
  GThread        *home;       /* only compared, the thread has ended */
  gboolean        last_try;
} HomeData;

static gpointer
make_stream_in_thread (gpointer user_data)
{
  HomeData *home = user_data;

  g_main_context_push_thread_default (home->context);
  home->stream = g_spooled_stream_new (100);
  home->home = g_thread_self ();
  g_signal_connect (home->stream, "notify::rolled-over", G_CALLBACK (rolled_over_in),
                    home->check);
  g_main_context_pop_thread_default (home->context);
  return NULL;
}

/* Rolls over in a thread that got the ended home thread's GThread address,
 * or on the last try in any thread. */
static gpointer
roll_over_as_home (gpointer user_data)
{
  HomeData *home = user_data;

  if (g_thread_self () != home->home && !home->last_try)
    return NULL;
  roll_over_in_thread (home->stream);
  return home;
}

/* The thread that made the stream has ended: a thread made later, even
 * one with the same GThread address, is still another thread, and the
 * notification goes through the stream's context. */
static void
test_rollover_home_ended (void)
{
  for (guint i = 0; i < 5; i++)
    {
      NotifyCheck check = { 0, NULL };
      HomeData home = { NULL, &check, g_main_context_new (), NULL, FALSE };

      g_thread_join (g_thread_new ("home", make_stream_in_thread, &home));
      for (guint try = 0; try < 200; try++)
        {
          home.last_try = try == 199;
          if (g_thread_join (g_thread_new ("roll-over", roll_over_as_home, &home)) != NULL)
            break;
        }
      g_assert_true (g_spooled_stream_is_rolled_over (home.stream));
      g_assert_cmpuint (check.count, ==, 0);
      while (g_main_context_iteration (home.context, FALSE))
        ;
      g_assert_cmpuint (check.count, ==, 1);
      g_assert_true (check.thread == g_thread_self ());
      g_object_unref (home.stream);
      g_main_context_unref (home.context);
    }
}

/* Nothing is lost --------------------------------------------------------------- */

/* A write that needs the move and cannot have it fails whole: none of its
 * bytes are written, what was there reads back exactly, the position does
 * not move, and the stream stays usable. */
static void
assert_move_fails (GSpooledStream *stream,
                   const char     *before,
                   gsize           before_length,
                   const char     *data,
                   gsize           length,
                   int             code,
                   const char     *named)
{
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_output_stream_write (out_of (stream), data, length, NULL, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, code);
  if (named != NULL)
    {
      g_autofree char *display = g_filename_display_name (named);

      g_assert_nonnull (strstr (error->message, display));
    }
  g_assert_false (g_spooled_stream_is_rolled_over (stream));
  g_assert_cmpint (g_seekable_tell (G_SEEKABLE (stream)), ==, before_length);
  assert_content (stream, before, before_length);
  g_assert_cmpint (g_seekable_tell (G_SEEKABLE (stream)), ==, before_length);
}

/* Without O_TMPFILE the file gets a name for a moment: if removing it
 * fails, the write fails whole, and neither the content nor the name is
 * lost or left (DESIGN.md §3, §5). */
static void
test_lost_unlink_fails (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autoptr(GSpooledStream) stream = g_spooled_stream_new_full (10, dir, NULL, NULL);

  _g_tempfile_set_o_tmpfile_for_testing (FALSE);
  write_string (stream, "12345");
  _g_tempfile_sys_fail_unlink_for_testing (EIO, 1);
  assert_move_fails (stream, "12345", 5, "6789abcdef", 10, G_IO_ERROR_FAILED, NULL);
  g_assert_cmpuint (test_count_entries (dir), ==, 0);

  /* The next write moves and succeeds. */
  write_string (stream, "6789abcdef");
  _g_tempfile_set_o_tmpfile_for_testing (TRUE);
  g_assert_true (g_spooled_stream_is_rolled_over (stream));
  assert_content (stream, "123456789abcdef", 15);
  g_assert_cmpuint (test_count_entries (dir), <=, names_while_open ());
  g_clear_object (&stream);
  g_assert_cmpuint (test_count_entries (dir), ==, 0);
  test_remove_tree (dir);
}

static void
test_lost_missing_dir (void)
{
  g_autofree char *base = test_dir_new ();
  g_autofree char *dir = g_build_filename (base, "spill", NULL);
  g_autoptr(GSpooledStream) stream = g_spooled_stream_new_full (10, dir, NULL, NULL);
  g_autoptr(GError) error = NULL;

  write_string (stream, "12345");
  assert_move_fails (stream, "12345", 5, "6789abcdef", 10, G_IO_ERROR_NOT_FOUND, dir);

  /* The same through explicit requests. */
  g_assert_false (g_spooled_stream_rollover (stream, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpint (g_spooled_stream_get_fd (stream, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (g_seekable_truncate (G_SEEKABLE (stream), 11, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  assert_content (stream, "12345", 5);

  /* Fixed: the next write moves and succeeds. */
  g_assert_no_errno (g_mkdir (dir, 0700));
  write_string (stream, "6789abcdef");
  g_assert_true (g_spooled_stream_is_rolled_over (stream));
  assert_content (stream, "123456789abcdef", 15);
  g_assert_cmpuint (test_count_entries (dir), <=, names_while_open ());
  g_clear_object (&stream);
  g_assert_cmpuint (test_count_entries (dir), ==, 0);
  test_remove_tree (base);
}

static void
test_lost_bad_prefix (void)
{
  g_autoptr(GSpooledStream) stream = g_spooled_stream_new_full (4, NULL, "a/b", NULL);

  write_string (stream, "abcd");
  assert_move_fails (stream, "abcd", 4, "e", 1, G_IO_ERROR_INVALID_ARGUMENT, "a/b");
}

static void
test_lost_unwritable (void)
{
  if (!_g_tempfile_sys_has_feature (GTEMPFILE_SYS_FEATURE_MODES))
    {
      g_test_skip ("no permission bits on this system");
      return;
    }

  if (g_test_subprocess ())
    {
      const char *base = g_getenv ("TEST_DIR");
      g_autofree char *dir = NULL;
      g_autoptr(GSpooledStream) stream = NULL;

      test_drop_privileges ();
      dir = g_build_filename (base, "spill", NULL);
      g_assert_no_errno (g_mkdir (dir, 0700));
      g_assert_no_errno (chmod (dir, 0500));
      stream = g_spooled_stream_new_full (3, dir, NULL, NULL);

      write_string (stream, "abc");
      assert_move_fails (stream, "abc", 3, "d", 1, G_IO_ERROR_PERMISSION_DENIED, dir);

      g_assert_no_errno (chmod (dir, 0700));
      write_string (stream, "d");
      g_assert_true (g_spooled_stream_is_rolled_over (stream));
      assert_content (stream, "abcd", 4);
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

/* A disk that fills up, simulated by a file size limit. */
static void
test_lost_file_size_limit (void)
{
#ifdef RLIMIT_FSIZE
  if (g_test_subprocess ())
    {
      const char *base = g_getenv ("TEST_DIR");
      g_autoptr(GSpooledStream) stream = g_spooled_stream_new_full (8192, base, NULL, NULL);
      g_autofree char *data = pattern (8192 + 100);
      struct rlimit limit;

      /* Writing past the limit sends SIGXFSZ, which kills by default. */
      signal (SIGXFSZ, SIG_IGN);
      g_assert_no_errno (getrlimit (RLIMIT_FSIZE, &limit));
      limit.rlim_cur = 4096;
      g_assert_no_errno (setrlimit (RLIMIT_FSIZE, &limit));

      write_bytes (stream, data, 8000);
      assert_move_fails (stream, data, 8000, data + 8000, 200, G_IO_ERROR_NO_SPACE, NULL);

      limit.rlim_cur = limit.rlim_max;
      g_assert_no_errno (setrlimit (RLIMIT_FSIZE, &limit));
      write_bytes (stream, data + 8000, 200);
      g_assert_true (g_spooled_stream_is_rolled_over (stream));
      assert_content (stream, data, 8200);
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
  g_test_skip ("no file size limit (RLIMIT_FSIZE) on this system");
#endif
}

/* A really full file system: a small tmpfs, where mounting is allowed. */
static void
test_lost_full_disk (void)
{
#ifdef HAVE_UNSHARE
  if (g_test_subprocess ())
    {
      const char *base = g_getenv ("TEST_DIR");
      g_autofree char *dir = NULL;
      g_autoptr(GSpooledStream) stream = NULL;
      g_autofree char *data = pattern (70000);

      if (!test_is_root () || unshare (CLONE_NEWNS) != 0 ||
          mount ("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0)
        {
          test_skip_subprocess ("needs root and a private mount namespace to mount a small "
                                "file system");
          return;
        }

      dir = g_build_filename (base, "small", NULL);
      g_assert_no_errno (g_mkdir (dir, 0700));
      g_assert_no_errno (mount ("tmpfs", dir, "tmpfs", 0, "size=32k"));
      stream = g_spooled_stream_new_full (65536, dir, NULL, NULL);

      write_bytes (stream, data, 60000);
      assert_move_fails (stream, data, 60000, data + 60000, 10000, G_IO_ERROR_NO_SPACE, NULL);

      g_assert_no_errno (mount ("tmpfs", dir, "tmpfs", MS_REMOUNT, "size=1m"));
      write_bytes (stream, data + 60000, 10000);
      g_assert_true (g_spooled_stream_is_rolled_over (stream));
      assert_content (stream, data, 70000);
      g_clear_object (&stream);
      g_assert_no_errno (umount (dir));
      return;
    }
  else
    {
      g_autofree char *base = test_dir_new ();

      test_trap_with_dir (base);
      test_remove_tree (base);
    }
#else
  g_test_skip ("needs mount namespaces (Linux) to mount a small file system");
#endif
}

/* Reading and writing at once ------------------------------------------------ */

static gpointer
reader_thread (gpointer user_data)
{
  GSpooledStream *stream = user_data;
  char buffer[64];
  guint reads = 0;

  while (!g_spooled_stream_is_rolled_over (stream) || reads < 1000)
    {
      g_autoptr(GError) error = NULL;

      if (g_input_stream_read (in_of (stream), buffer, sizeof buffer, NULL, &error) < 0)
        return g_steal_pointer (&error);
      reads++;
    }
  return NULL;
}

/* GIO allows a read and a write at the same time: the two halves share the
 * position, so the content is not predictable, but nothing may break, and
 * every byte written lands somewhere in the stream. */
static void
test_threads (void)
{
  g_autoptr(GSpooledStream) stream = g_spooled_stream_new (64 * 1024);
  GThread *reader = g_thread_new ("reader", reader_thread, stream);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) content = NULL;

  for (guint i = 0; i < 20000; i++)
    {
      g_output_stream_write_all (out_of (stream), "0123456789", 10, NULL, NULL, &error);
      g_assert_no_error (error);
    }

  error = g_thread_join (reader);
  g_assert_no_error (error);
  g_assert_true (g_spooled_stream_is_rolled_over (stream));
  content = read_all (stream);
  g_assert_cmpuint (g_bytes_get_size (content), >, 0);
  g_assert_cmpuint (g_bytes_get_size (content), <=, 200000 + 64 * 20000);
}

/* Memory ----------------------------------------------------------------------- */

static void
test_one_byte_writes (void)
{
  g_autoptr(GSpooledStream) stream = g_spooled_stream_new (0);
  g_autoptr(GBytes) content = NULL;
  const guint writes = test_scaled (1000000, 50000);
  const char *bytes;
  gsize size;

  for (guint i = 0; i < writes; i++)
    {
      char c = 'a' + i % 26;

      g_assert_cmpint (g_output_stream_write (out_of (stream), &c, 1, NULL, NULL), ==, 1);
    }

  content = read_all (stream);
  bytes = g_bytes_get_data (content, &size);
  g_assert_cmpuint (size, ==, writes);
  for (guint i = 0; i < size; i++)
    if (bytes[i] != (char) ('a' + i % 26))
      g_assert_cmpint (bytes[i], ==, (char) ('a' + i % 26));
}


/* The memory goes back when the content moves to disk, and when the stream
 * is closed. */
static void
test_memory_released (void)
{
#if defined(__SANITIZE_ADDRESS__)
  g_test_skip ("AddressSanitizer keeps freed memory in quarantine");
#else
  const gsize size = 32 * 1024 * 1024;
  g_autofree char *data = pattern (1024 * 1024);
  g_autoptr(GSpooledStream) moved = g_spooled_stream_new (size * 2);
  g_autoptr(GSpooledStream) closed = g_spooled_stream_new (0);
  gsize before, full;

  before = test_resident_bytes ();
  for (gsize written = 0; written < size; written += 1024 * 1024)
    write_bytes (moved, data, 1024 * 1024);
  full = test_resident_bytes ();
  g_assert_cmpuint (full, >, before + size - size / 8);
  g_assert_true (g_spooled_stream_rollover (moved, NULL, NULL));
  g_assert_cmpuint (test_resident_bytes (), <, full - size + size / 8);

  for (gsize written = 0; written < size; written += 1024 * 1024)
    write_bytes (closed, data, 1024 * 1024);
  full = test_resident_bytes ();
  g_assert_true (g_io_stream_close (G_IO_STREAM (closed), NULL, NULL));
  g_assert_cmpuint (test_resident_bytes (), <, full - size + size / 8);
#endif
}

int
main (int   argc,
      char *argv[])
{
  test_init (&argc, &argv);

  g_test_add_func ("/spooled-stream/new", test_new);
  g_test_add_func ("/spooled-stream/threshold/sequential", test_threshold_sequential);
  g_test_add_func ("/spooled-stream/threshold/rewrite", test_threshold_rewrite);
  g_test_add_func ("/spooled-stream/threshold/sparse", test_threshold_sparse);
  g_test_add_func ("/spooled-stream/threshold/sparse-in-memory", test_sparse_in_memory);
  g_test_add_func ("/spooled-stream/threshold/unlimited", test_unlimited);
  g_test_add_func ("/spooled-stream/truncate", test_truncate);
  g_test_add_func ("/spooled-stream/seekable", test_seekable);
  g_test_add_func ("/spooled-stream/rollover/explicit", test_rollover_explicit);
  g_test_add_func ("/spooled-stream/rollover/get-fd", test_rollover_get_fd);
  g_test_add_func ("/spooled-stream/rollover/old-halves", test_rollover_old_halves);
  g_test_add_func ("/spooled-stream/close", test_close);
  g_test_add_func ("/spooled-stream/close-pending", test_close_pending);
  g_test_add_func ("/spooled-stream/async", test_async);
  g_test_add_func ("/spooled-stream/rollover/other-thread", test_rollover_other_thread);
  g_test_add_func ("/spooled-stream/rollover/home-ended", test_rollover_home_ended);
  g_test_add_func ("/spooled-stream/nothing-lost/missing-dir", test_lost_missing_dir);
  g_test_add_func ("/spooled-stream/nothing-lost/unlink-fails", test_lost_unlink_fails);
  g_test_add_func ("/spooled-stream/nothing-lost/bad-prefix", test_lost_bad_prefix);
  g_test_add_func ("/spooled-stream/nothing-lost/unwritable", test_lost_unwritable);
  g_test_add_func ("/spooled-stream/nothing-lost/file-size-limit", test_lost_file_size_limit);
  g_test_add_func ("/spooled-stream/nothing-lost/full-disk", test_lost_full_disk);
  g_test_add_func ("/spooled-stream/threads", test_threads);
  g_test_add_func ("/spooled-stream/memory/one-byte-writes", test_one_byte_writes);
  g_test_add_func ("/spooled-stream/memory/released", test_memory_released);

  return g_test_run ();
}
