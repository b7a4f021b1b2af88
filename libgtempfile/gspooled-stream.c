/* gspooled-stream.c: GSpooledStream, memory first, a file when it grows
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "gtempfile.h"
#include "gtempfile-error-private.h"
#include "gtempfile-object-private.h"

/**
 * GSpooledStream:
 *
 * A stream that keeps its content in memory until it grows past a limit,
 * and then moves it to an anonymous temporary file: Python's
 * `SpooledTemporaryFile` as a [class@Gio.IOStream].
 *
 * ```c
 * // Request bodies: small ones stay in memory, large ones go to disk.
 * g_autoptr(GSpooledStream) body = g_spooled_stream_new_full (1024 * 1024, "/var/tmp",
 *                                                             "upload-", NULL);
 * GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (body));
 *
 * if (g_output_stream_splice (out, request, G_OUTPUT_STREAM_SPLICE_NONE, NULL, &error) < 0)
 *   return FALSE;
 * g_seekable_seek (G_SEEKABLE (body), 0, G_SEEK_SET, NULL, NULL);
 * // read it back through g_io_stream_get_input_stream (G_IO_STREAM (body))
 * ```
 *
 * The input and output streams share one position, and the stream and both
 * halves implement [iface@Gio.Seekable] (seek, tell, truncate). Halves taken
 * before the content moves to disk keep working after.
 *
 * ## When it moves to disk
 *
 * After a write, if the position is greater than
 * [property@GTempfile.SpooledStream:max-size], the content moves to an
 * anonymous [class@GTempfile.TempFile] in
 * [property@GTempfile.SpooledStream:dir] (looked up at that moment) and the
 * position is kept. Writing exactly `max-size` bytes stays in memory; so does
 * rewriting the start of the content any number of times. Seeking alone
 * never moves it; seeking past the end and writing does, and the gap reads
 * as zeros. Truncating to a size greater than `max-size` moves it first.
 * [method@GTempfile.SpooledStream.rollover] and
 * [method@GTempfile.SpooledStream.get_fd] move it at once.
 *
 * A `max-size` of 0 means no limit: the content stays in memory whatever is
 * written or truncated. (Python's `truncate()` rolls over even then; this
 * stream deliberately does not.)
 *
 * ## Nothing is lost
 *
 * If the move fails (no space, no permission, a bad prefix), the write that
 * caused it fails with that error and none of its bytes are written; the
 * content stays in memory, readable, and the stream stays usable. Once the
 * cause is fixed the next write moves the content and succeeds.
 *
 * The anonymous file has no name, so nothing is left on disk, even if the
 * process is killed. Memory grows geometrically (appending is amortised
 * O(1)); it is released when the content moves to disk and when the stream
 * is closed. As with every GIO stream, a write may be short:
 * g_output_stream_write_all() completes it.
 *
 * [property@GTempfile.SpooledStream:rolled-over] is notified once, in the
 * thread that created the stream: at once when the move happens there, or
 * through the main context that was its thread-default one when an
 * asynchronous write moves the content from a worker thread. A notification
 * still waiting there keeps neither the stream nor the context alive:
 * dropping the last reference releases the stream and its file at once,
 * whether or not that context runs.
 *
 * Closing the stream always closes it, even while an operation of one of
 * its halves is pending: an operation that is running finishes first, one
 * that has not started fails with %G_IO_ERROR_CLOSED.
 *
 * Since: 1.0
 */

/* The state, shared by the stream and its two halves: they hold a reference
 * to it rather than to each other, so an operation costs a lock and no
 * object lookups, and a half that outlives the stream finds it closed. */
typedef struct
{
  gatomicrefcount  ref_count;

  /* Set at construction. */
  gsize            max_size;
  char            *dir;
  char            *prefix;
  char            *suffix;
  GMainContext    *context;    /* notify::rolled-over goes through this */
  GThread         *home;       /* context, from the thread that made the stream
                                * (a reference: no other thread can get its
                                * address while the stream lives) */

  /* GIO allows reading and writing at the same time: this guards the
   * content, the position and the file. */
  GTempfileLock    lock;
  guint8          *data;
  gsize            length;     /* bytes of content in memory */
  gsize            allocated;
  goffset          position;   /* in memory; may be past the end */
  GTempFile       *file;       /* once rolled over */
  gboolean         closed;
  /* The stream, until it is disposed: a pending notification holds the
   * core, never the stream, so the last unref releases the stream and its
   * file at once (DESIGN.md §5), wherever the move happened. */
  GSpooledStream  *stream;
  /* That notification, while it waits in @context: destroyed at dispose, so
   * that a context nobody runs any more is not kept alive by it (the core
   * holds the context, the source the core). */
  GSource         *pending;
} SpoolCore;

static SpoolCore *
spool_core_ref (SpoolCore *core)
{
  g_atomic_ref_count_inc (&core->ref_count);
  return core;
}

static void
spool_core_unref (SpoolCore *core)
{
  if (!g_atomic_ref_count_dec (&core->ref_count))
    return;

  g_clear_object (&core->file);
  g_clear_pointer (&core->context, g_main_context_unref);
  g_clear_pointer (&core->home, g_thread_unref);
  g_free (core->data);
  g_free (core->dir);
  g_free (core->prefix);
  g_free (core->suffix);
  g_free (core);
}

struct _GSpooledStream
{
  GIOStream      parent_instance;

  GInputStream  *input;
  GOutputStream *output;
  SpoolCore     *core;
};

enum {
  PROP_0,
  PROP_MAX_SIZE,
  PROP_DIR,
  PROP_PREFIX,
  PROP_SUFFIX,
  PROP_ROLLED_OVER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void g_spooled_stream_seekable_iface_init (GSeekableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GSpooledStream, g_spooled_stream, G_TYPE_IO_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_SEEKABLE,
                                                      g_spooled_stream_seekable_iface_init))

static GInputStream  *spooled_input_stream_new  (SpoolCore *core);
static GOutputStream *spooled_output_stream_new (SpoolCore *core);

/* The content, with the lock held ------------------------------------------ */

static gboolean
check_open (SpoolCore       *self,
            GError         **error)
{
  if (!self->closed)
    return TRUE;

  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, _("Stream is already closed"));
  return FALSE;
}

static void
set_no_memory_error (GError **error,
                     guint64  size)
{
  /* A size in the text, not a G_GUINT64_FORMAT, which xgettext cannot read. */
  g_autofree char *amount = g_format_size_full (size, G_FORMAT_SIZE_LONG_FORMAT);

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
               _("Not enough memory to hold %s of a spooled stream"), amount);
}

/* Makes room for @size bytes, doubling so that appending is amortised O(1). */
static gboolean
reserve (SpoolCore       *self,
         guint64          size,
         GError         **error)
{
  gsize new_size;
  guint8 *data;

  if (size <= self->allocated)
    return TRUE;

  if (size > G_MAXSIZE)
    {
      set_no_memory_error (error, size);
      return FALSE;
    }

  new_size = MAX (64, self->allocated);
  while (new_size < size)
    new_size = new_size > G_MAXSIZE / 2 ? (gsize) size : new_size * 2;

  data = g_try_realloc (self->data, new_size);
  if (data == NULL)
    {
      set_no_memory_error (error, size);
      return FALSE;
    }

  self->data = data;
  self->allocated = new_size;
  return TRUE;
}

/* Moves the content to an anonymous file. On failure nothing changes: the
 * new file, if any, goes away with its last reference. */
static gboolean
roll_over (SpoolCore       *self,
           gboolean        *rolled_now,
           GCancellable    *cancellable,
           GError         **error)
{
  g_autoptr(GTempFile) file = NULL;
  GOutputStream *out;

  if (self->file != NULL)
    return TRUE;

  file = g_temp_file_new_full (self->dir, self->prefix, self->suffix,
                               G_TEMP_FILE_FLAGS_ANONYMOUS, cancellable, error);
  if (file == NULL)
    return FALSE;

  out = g_io_stream_get_output_stream (G_IO_STREAM (file));
  if (!g_output_stream_write_all (out, self->data, self->length, NULL, cancellable, error) ||
      !g_seekable_seek (G_SEEKABLE (file), self->position, G_SEEK_SET, cancellable, error))
    return FALSE;

  self->file = g_steal_pointer (&file);
  g_clear_pointer (&self->data, g_free);
  self->length = self->allocated = 0;
  *rolled_now = TRUE;
  return TRUE;
}

static gssize
spool_read (SpoolCore       *self,
            void            *buffer,
            gsize            count,
            GCancellable    *cancellable,
            GError         **error)
{
  gsize n;

  if (!check_open (self, error) ||
      (cancellable != NULL && g_cancellable_set_error_if_cancelled (cancellable, error)))
    return -1;

  if (self->file != NULL)
    return g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (self->file)),
                                buffer, count, cancellable, error);

  if ((guint64) self->position >= self->length)
    return 0;

  n = MIN (count, self->length - (gsize) self->position);
  memcpy (buffer, self->data + self->position, n);
  self->position += n;
  return n;
}

static gssize
spool_write (SpoolCore       *self,
             const void      *buffer,
             gsize            count,
             gboolean        *rolled_now,
             GCancellable    *cancellable,
             GError         **error)
{
  guint64 end;

  if (!check_open (self, error) ||
      (cancellable != NULL && g_cancellable_set_error_if_cancelled (cancellable, error)))
    return -1;

  end = (guint64) self->position + count;

  /* Moving to disk before the write, rather than after as Python does, gives
   * the same content, and leaves everything as it was if the move fails. */
  if (self->file == NULL && self->max_size > 0 && end > self->max_size &&
      !roll_over (self, rolled_now, cancellable, error))
    return -1;

  if (self->file != NULL)
    return g_output_stream_write (g_io_stream_get_output_stream (G_IO_STREAM (self->file)),
                                  buffer, count, cancellable, error);

  if (count == 0)
    return 0;

  if (end > self->allocated && !reserve (self, end, error))
    return -1;

  /* A gap left by seeking past the end reads as zeros. */
  if ((guint64) self->position > self->length)
    memset (self->data + self->length, 0, self->position - self->length);
  memcpy (self->data + self->position, buffer, count);
  self->position = end;
  self->length = MAX (self->length, (gsize) end);
  return count;
}

static goffset
spool_tell (SpoolCore *self)
{
  if (self->file != NULL)
    return g_seekable_tell (G_SEEKABLE (self->file));

  return self->position;
}

static gboolean
spool_seek (SpoolCore       *self,
            goffset          offset,
            GSeekType        type,
            GCancellable    *cancellable,
            GError         **error)
{
  goffset base;

  if (!check_open (self, error))
    return FALSE;

  if (self->file != NULL)
    return g_seekable_seek (G_SEEKABLE (self->file), offset, type, cancellable, error);

  switch (type)
    {
    case G_SEEK_CUR:
      base = self->position;
      break;
    case G_SEEK_SET:
      base = 0;
      break;
    case G_SEEK_END:
      base = self->length;
      break;
    default:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("Invalid seek type %d"), (int) type);
      return FALSE;
    }

  if ((offset < 0 && base + offset < 0) || (offset > 0 && offset > G_MAXINT64 - base))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("Invalid seek: the position would be outside the stream"));
      return FALSE;
    }

  self->position = base + offset;
  return TRUE;
}

static gboolean
spool_truncate (SpoolCore       *self,
                goffset          size,
                gboolean        *rolled_now,
                GCancellable    *cancellable,
                GError         **error)
{
  if (!check_open (self, error) || g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  if (size < 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("Invalid truncation: the size must not be negative"));
      return FALSE;
    }

  if (self->file == NULL && self->max_size > 0 && (guint64) size > self->max_size &&
      !roll_over (self, rolled_now, cancellable, error))
    return FALSE;

  if (self->file != NULL)
    return g_seekable_truncate (G_SEEKABLE (self->file), size, cancellable, error);

  if ((guint64) size > self->length)
    {
      if (!reserve (self, size, error))
        return FALSE;
      memset (self->data + self->length, 0, size - self->length);
    }
  else if (self->allocated > 4096 && (gsize) size < self->allocated / 4)
    {
      /* Give back most of a buffer that is now much too large. */
      guint8 *data = g_try_realloc (self->data, MAX (64, (gsize) size * 2));

      if (data != NULL)
        {
          self->data = data;
          self->allocated = MAX (64, (gsize) size * 2);
        }
    }

  self->length = size;
  return TRUE;
}

/* Notification -------------------------------------------------------------- */

/* The stream, if it is still alive, with a reference. Taking it under the
 * lock that dispose takes to clear the pointer is safe even while the last
 * reference is being dropped: GObject finalizes only if dispose left the
 * count at one. */
static GSpooledStream *
ref_stream (SpoolCore *self)
{
  GSpooledStream *stream;

  _g_tempfile_lock (&self->lock);
  stream = self->stream != NULL ? g_object_ref (self->stream) : NULL;
  _g_tempfile_unlock (&self->lock);
  return stream;
}

static gboolean
notify_rolled_over_cb (gpointer user_data)
{
  SpoolCore *self = user_data;
  g_autoptr(GSpooledStream) stream = NULL;
  GSource *pending;

  _g_tempfile_lock (&self->lock);
  stream = self->stream != NULL ? g_object_ref (self->stream) : NULL;
  pending = g_steal_pointer (&self->pending);
  _g_tempfile_unlock (&self->lock);

  /* The context holds the source while it is dispatched. */
  g_clear_pointer (&pending, g_source_unref);
  if (stream != NULL)
    g_object_notify_by_pspec (G_OBJECT (stream), properties[PROP_ROLLED_OVER]);
  return G_SOURCE_REMOVE;
}

/* Called without the lock: a handler may use the stream. In the thread that
 * made the stream the notification is immediate; from any other (an
 * asynchronous write runs in a worker thread) it goes through the main
 * context that was that thread's default, so handlers written for one
 * thread, such as JavaScript ones, never run in another. The source holds
 * the core, not the stream: if nothing runs that context, or the stream is
 * gone by then, nothing is kept alive and nothing is notified. */
static void
notify_rolled_over (SpoolCore *self)
{
  GSource *source;

  if (g_thread_self () == self->home)
    {
      g_autoptr(GSpooledStream) stream = ref_stream (self);

      if (stream != NULL)
        g_object_notify_by_pspec (G_OBJECT (stream), properties[PROP_ROLLED_OVER]);
      return;
    }

  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, notify_rolled_over_cb, spool_core_ref (self),
                         (GDestroyNotify) spool_core_unref);
  g_source_set_static_name (source, "[gtempfile] notify::rolled-over");
  /* Attached only while the stream lives, under the lock that dispose takes
   * to destroy it. */
  _g_tempfile_lock (&self->lock);
  if (self->stream != NULL && self->pending == NULL)
    {
      self->pending = g_source_ref (source);
      g_source_attach (source, self->context);
    }
  _g_tempfile_unlock (&self->lock);
  g_source_unref (source);
}

/* Locked entry points, shared by the stream and its two halves. */

static gssize
spooled_read (SpoolCore       *self,
              void            *buffer,
              gsize            count,
              GCancellable    *cancellable,
              GError         **error)
{
  gssize res;

  _g_tempfile_lock (&self->lock);
  res = spool_read (self, buffer, count, cancellable, error);
  _g_tempfile_unlock (&self->lock);
  return res;
}

static gssize
spooled_write (SpoolCore       *self,
               const void      *buffer,
               gsize            count,
               GCancellable    *cancellable,
               GError         **error)
{
  gboolean rolled_now = FALSE;
  gssize res;

  _g_tempfile_lock (&self->lock);
  res = spool_write (self, buffer, count, &rolled_now, cancellable, error);
  _g_tempfile_unlock (&self->lock);

  if (rolled_now)
    notify_rolled_over (self);
  return res;
}

static goffset
spooled_tell (SpoolCore *self)
{
  goffset res;

  _g_tempfile_lock (&self->lock);
  res = self->closed ? 0 : spool_tell (self);
  _g_tempfile_unlock (&self->lock);
  return res;
}

static gboolean
spooled_seek (SpoolCore       *self,
              goffset          offset,
              GSeekType        type,
              GCancellable    *cancellable,
              GError         **error)
{
  gboolean res;

  _g_tempfile_lock (&self->lock);
  res = spool_seek (self, offset, type, cancellable, error);
  _g_tempfile_unlock (&self->lock);
  return res;
}

static gboolean
spooled_truncate (SpoolCore       *self,
                  goffset          size,
                  GCancellable    *cancellable,
                  GError         **error)
{
  gboolean rolled_now = FALSE;
  gboolean res;

  _g_tempfile_lock (&self->lock);
  res = spool_truncate (self, size, &rolled_now, cancellable, error);
  _g_tempfile_unlock (&self->lock);

  if (rolled_now)
    notify_rolled_over (self);
  return res;
}

/* GObject ------------------------------------------------------------------- */

static void
g_spooled_stream_dispose (GObject *object)
{
  GSpooledStream *self = G_SPOOLED_STREAM (object);

  GSource *pending;

  /* From here on no notification can reach the stream, and none waits. */
  _g_tempfile_lock (&self->core->lock);
  self->core->stream = NULL;
  pending = g_steal_pointer (&self->core->pending);
  _g_tempfile_unlock (&self->core->lock);
  if (pending != NULL)
    {
      g_source_destroy (pending);
      g_source_unref (pending);
    }

  /* GIOStream closes the stream, which lets go of the file. */
  G_OBJECT_CLASS (g_spooled_stream_parent_class)->dispose (object);
}

static void
g_spooled_stream_finalize (GObject *object)
{
  GSpooledStream *self = G_SPOOLED_STREAM (object);
  g_autoptr(GTempFile) file = NULL;

  /* Normally closed already, at dispose. If a pending operation on a half
   * refused that, the content goes now; the half, which shares the state,
   * then finds the stream closed. */
  _g_tempfile_lock (&self->core->lock);
  self->core->closed = TRUE;
  file = g_steal_pointer (&self->core->file);
  g_clear_pointer (&self->core->data, g_free);
  _g_tempfile_unlock (&self->core->lock);

  g_clear_object (&self->input);
  g_clear_object (&self->output);
  g_clear_pointer (&self->core, spool_core_unref);

  G_OBJECT_CLASS (g_spooled_stream_parent_class)->finalize (object);
}

static void
g_spooled_stream_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  GSpooledStream *self = G_SPOOLED_STREAM (object);

  switch (prop_id)
    {
    case PROP_MAX_SIZE:
      g_value_set_uint64 (value, self->core->max_size);
      break;

    case PROP_DIR:
      g_value_set_string (value, self->core->dir);
      break;

    case PROP_PREFIX:
      g_value_set_string (value, self->core->prefix);
      break;

    case PROP_SUFFIX:
      g_value_set_string (value, self->core->suffix);
      break;

    case PROP_ROLLED_OVER:
      g_value_set_boolean (value, g_spooled_stream_is_rolled_over (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
g_spooled_stream_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  SpoolCore *core = G_SPOOLED_STREAM (object)->core;

  switch (prop_id)
    {
    case PROP_MAX_SIZE:
      core->max_size = MIN (g_value_get_uint64 (value), (guint64) G_MAXSIZE);
      break;

    case PROP_DIR:
      core->dir = g_value_dup_string (value);
      break;

    case PROP_PREFIX:
      core->prefix = g_value_dup_string (value);
      break;

    case PROP_SUFFIX:
      core->suffix = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* GIOStream ----------------------------------------------------------------- */

static GInputStream *
g_spooled_stream_get_input_stream (GIOStream *stream)
{
  return G_SPOOLED_STREAM (stream)->input;
}

static GOutputStream *
g_spooled_stream_get_output_stream (GIOStream *stream)
{
  return G_SPOOLED_STREAM (stream)->output;
}

static gboolean
g_spooled_stream_close_fn (GIOStream     *stream,
                           GCancellable  *cancellable,
                           GError       **error)
{
  GSpooledStream *self = G_SPOOLED_STREAM (stream);
  SpoolCore *core = self->core;
  g_autoptr(GTempFile) file = NULL;

  /* GIO marks the stream closed whatever this returns, so it never refuses:
   * an operation of a half that is running finishes first (it holds the
   * lock), one that has not started yet fails with G_IO_ERROR_CLOSED, and
   * the memory or the file is released now. A half with an operation
   * pending refuses its own close; its next operation finds the stream
   * closed. */
  g_output_stream_close (self->output, NULL, NULL);
  g_input_stream_close (self->input, NULL, NULL);

  _g_tempfile_lock (&core->lock);
  core->closed = TRUE;
  file = g_steal_pointer (&core->file);
  g_clear_pointer (&core->data, g_free);
  core->length = core->allocated = 0;
  _g_tempfile_unlock (&core->lock);

  /* The anonymous file disappears with its descriptor. */
  if (file != NULL)
    return g_io_stream_close (G_IO_STREAM (file), cancellable, error);

  return TRUE;
}

/* GSeekable ----------------------------------------------------------------- */

static goffset
g_spooled_stream_tell (GSeekable *seekable)
{
  return spooled_tell (G_SPOOLED_STREAM (seekable)->core);
}

static gboolean
g_spooled_stream_can_seek (GSeekable *seekable)
{
  return TRUE;
}

static gboolean
g_spooled_stream_seek (GSeekable     *seekable,
                       goffset        offset,
                       GSeekType      type,
                       GCancellable  *cancellable,
                       GError       **error)
{
  GIOStream *stream = G_IO_STREAM (seekable);
  gboolean res;

  if (!g_io_stream_set_pending (stream, error))
    return FALSE;
  res = spooled_seek (G_SPOOLED_STREAM (seekable)->core, offset, type, cancellable, error);
  g_io_stream_clear_pending (stream);
  return res;
}

static gboolean
g_spooled_stream_can_truncate (GSeekable *seekable)
{
  return TRUE;
}

static gboolean
g_spooled_stream_truncate_fn (GSeekable     *seekable,
                              goffset        offset,
                              GCancellable  *cancellable,
                              GError       **error)
{
  GIOStream *stream = G_IO_STREAM (seekable);
  gboolean res;

  if (!g_io_stream_set_pending (stream, error))
    return FALSE;
  res = spooled_truncate (G_SPOOLED_STREAM (seekable)->core, offset, cancellable, error);
  g_io_stream_clear_pending (stream);
  return res;
}

static void
g_spooled_stream_seekable_iface_init (GSeekableIface *iface)
{
  iface->tell = g_spooled_stream_tell;
  iface->can_seek = g_spooled_stream_can_seek;
  iface->seek = g_spooled_stream_seek;
  iface->can_truncate = g_spooled_stream_can_truncate;
  iface->truncate_fn = g_spooled_stream_truncate_fn;
}

/* Class --------------------------------------------------------------------- */

static void
g_spooled_stream_class_init (GSpooledStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GIOStreamClass *stream_class = G_IO_STREAM_CLASS (klass);

  object_class->dispose = g_spooled_stream_dispose;
  object_class->finalize = g_spooled_stream_finalize;
  object_class->get_property = g_spooled_stream_get_property;
  object_class->set_property = g_spooled_stream_set_property;

  stream_class->get_input_stream = g_spooled_stream_get_input_stream;
  stream_class->get_output_stream = g_spooled_stream_get_output_stream;
  stream_class->close_fn = g_spooled_stream_close_fn;

  /**
   * GSpooledStream:max-size:
   *
   * The largest position the content may reach in memory: after a write
   * that leaves the position greater than this, it moves to a file. 0 means
   * no limit.
   *
   * Since: 1.0
   */
  properties[PROP_MAX_SIZE] =
    g_param_spec_uint64 ("max-size", NULL, NULL,
                         0, G_MAXUINT64, 0,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * GSpooledStream:dir: (type filename)
   *
   * The directory for the file the content moves to, or %NULL for the
   * default directory ([func@GTempfile.get_tempdir]) at that moment. On
   * systems where `/tmp` is in memory, a directory on disk such as
   * `/var/tmp` is the point of spooling.
   *
   * Since: 1.0
   */
  properties[PROP_DIR] = _g_tempfile_param_spec_path ("dir");

  /**
   * GSpooledStream:prefix: (type filename)
   *
   * The prefix of the file the content moves to, where the system needs a
   * name for it for a moment. It must not contain `/`: if it does, moving
   * to disk fails with %G_IO_ERROR_INVALID_ARGUMENT and nothing is lost.
   *
   * Since: 1.0
   */
  properties[PROP_PREFIX] = _g_tempfile_param_spec_path ("prefix");

  /**
   * GSpooledStream:suffix: (type filename)
   *
   * The suffix of the file the content moves to; see
   * [property@GTempfile.SpooledStream:prefix].
   *
   * Since: 1.0
   */
  properties[PROP_SUFFIX] = _g_tempfile_param_spec_path ("suffix");

  /**
   * GSpooledStream:rolled-over:
   *
   * Whether the content has moved to a file. Notified once, in the thread
   * that created the stream: at once when the move happens there, or through
   * the main context that was its thread-default one when the move happens
   * in another thread (an asynchronous write).
   *
   * Since: 1.0
   */
  properties[PROP_ROLLED_OVER] =
    g_param_spec_boolean ("rolled-over", NULL, NULL,
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
g_spooled_stream_init (GSpooledStream *self)
{
  SpoolCore *core = g_new0 (SpoolCore, 1);

  g_atomic_ref_count_init (&core->ref_count);
  _g_tempfile_lock_init (&core->lock);
  core->stream = self;
  core->context = g_main_context_ref_thread_default ();
  core->home = g_thread_ref (g_thread_self ());

  self->core = core;
  self->input = spooled_input_stream_new (core);
  self->output = spooled_output_stream_new (core);
}

/* Public API ---------------------------------------------------------------- */

/**
 * g_spooled_stream_new:
 * @max_size: the largest size kept in memory, or 0 for no limit
 *
 * Creates an empty stream that keeps its content in memory up to @max_size
 * bytes, then moves it to an anonymous file in the default directory, like
 * Python's `SpooledTemporaryFile(max_size)`.
 *
 * Returns: (transfer full): the new stream
 *
 * Since: 1.0
 */
GSpooledStream *
g_spooled_stream_new (gsize max_size)
{
  return g_spooled_stream_new_full (max_size, NULL, NULL, NULL);
}

/**
 * g_spooled_stream_new_full:
 * @max_size: the largest size kept in memory, or 0 for no limit
 * @dir: (type filename) (nullable): the directory for the file, or %NULL
 *   for the default directory when the content moves
 * @prefix: (type filename) (nullable): the prefix of the file's temporary
 *   name, or %NULL for `"tmp"`
 * @suffix: (type filename) (nullable): the suffix of the file's temporary
 *   name, or %NULL for none
 *
 * Creates an empty stream that keeps its content in memory up to @max_size
 * bytes, then moves it to an anonymous file in @dir.
 *
 * This cannot fail: nothing touches the disk until the content moves. An
 * unusable @dir, @prefix or @suffix makes that move fail, with nothing lost.
 *
 * Returns: (transfer full): the new stream
 *
 * Since: 1.0
 */
GSpooledStream *
g_spooled_stream_new_full (gsize       max_size,
                           const char *dir,
                           const char *prefix,
                           const char *suffix)
{
  GSpooledStream *self = g_object_new (G_TYPE_SPOOLED_STREAM, NULL);

  /* What the four construct-only properties would set, without looking
   * each of them up by name. */
  self->core->max_size = max_size;
  self->core->dir = g_strdup (dir);
  self->core->prefix = g_strdup (prefix);
  self->core->suffix = g_strdup (suffix);
  return self;
}

/**
 * g_spooled_stream_rollover:
 * @self: a #GSpooledStream
 * @cancellable: (nullable): a #GCancellable, or %NULL
 * @error: return location for a #GError, or %NULL
 *
 * Moves the content to an anonymous file now, keeping the position, like
 * Python's `SpooledTemporaryFile.rollover()`. Calling it again does nothing.
 *
 * If it fails, nothing changes: the content stays in memory.
 *
 * Returns: %TRUE if the content is in a file, %FALSE with @error set
 *
 * Since: 1.0
 */
gboolean
g_spooled_stream_rollover (GSpooledStream  *self,
                           GCancellable    *cancellable,
                           GError         **error)
{
  gboolean rolled_now = FALSE;
  gboolean res;

  g_return_val_if_fail (G_IS_SPOOLED_STREAM (self), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!g_io_stream_set_pending (G_IO_STREAM (self), error))
    return FALSE;

  _g_tempfile_lock (&self->core->lock);
  res = check_open (self->core, error) && roll_over (self->core, &rolled_now, cancellable, error);
  _g_tempfile_unlock (&self->core->lock);
  g_io_stream_clear_pending (G_IO_STREAM (self));

  if (rolled_now)
    notify_rolled_over (self->core);
  return res;
}

/**
 * g_spooled_stream_is_rolled_over:
 * @self: a #GSpooledStream
 *
 * Gets whether the content has moved to a file.
 *
 * Returns: %TRUE once the content is in a file
 *
 * Since: 1.0
 */
gboolean
g_spooled_stream_is_rolled_over (GSpooledStream *self)
{
  gboolean res;

  g_return_val_if_fail (G_IS_SPOOLED_STREAM (self), FALSE);

  _g_tempfile_lock (&self->core->lock);
  res = self->core->file != NULL;
  _g_tempfile_unlock (&self->core->lock);
  return res;
}

/**
 * g_spooled_stream_get_max_size:
 * @self: a #GSpooledStream
 *
 * Gets [property@GTempfile.SpooledStream:max-size].
 *
 * Returns: the largest size kept in memory, or 0 for no limit
 *
 * Since: 1.0
 */
gsize
g_spooled_stream_get_max_size (GSpooledStream *self)
{
  g_return_val_if_fail (G_IS_SPOOLED_STREAM (self), 0);

  return self->core->max_size;
}

/**
 * g_spooled_stream_get_fd:
 * @self: a #GSpooledStream
 * @error: return location for a #GError, or %NULL
 *
 * Moves the content to a file, if it is not there yet, and returns the file
 * descriptor, like Python's `fileno()`. The descriptor belongs to @self: do
 * not close it. Reading or writing it moves the stream's position.
 *
 * Returns: the descriptor, or -1 with @error set
 *
 * Since: 1.0
 */
int
g_spooled_stream_get_fd (GSpooledStream  *self,
                         GError         **error)
{
  gboolean rolled_now = FALSE;
  int fd = -1;

  g_return_val_if_fail (G_IS_SPOOLED_STREAM (self), -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  if (!g_io_stream_set_pending (G_IO_STREAM (self), error))
    return -1;

  _g_tempfile_lock (&self->core->lock);
  if (check_open (self->core, error) && roll_over (self->core, &rolled_now, NULL, error))
    fd = g_temp_file_get_fd (self->core->file);
  _g_tempfile_unlock (&self->core->lock);
  g_io_stream_clear_pending (G_IO_STREAM (self));

  if (rolled_now)
    notify_rolled_over (self->core);
  return fd;
}

/* The input half ------------------------------------------------------------ */

#define G_TYPE_SPOOLED_INPUT_STREAM (g_spooled_input_stream_get_type ())
G_DECLARE_FINAL_TYPE (GSpooledInputStream, g_spooled_input_stream,
                      G, SPOOLED_INPUT_STREAM, GInputStream)

struct _GSpooledInputStream
{
  GInputStream  parent_instance;
  SpoolCore    *core;
};

static void g_spooled_input_stream_seekable_iface_init (GSeekableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GSpooledInputStream, g_spooled_input_stream,
                               G_TYPE_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_SEEKABLE,
                                                      g_spooled_input_stream_seekable_iface_init))

static gssize
g_spooled_input_stream_read (GInputStream  *stream,
                             void          *buffer,
                             gsize          count,
                             GCancellable  *cancellable,
                             GError       **error)
{
  /* A plain cast: a vfunc is only called on its own type, and this is the
   * per-call cost of every read. */
  return spooled_read (((GSpooledInputStream *) stream)->core, buffer, count, cancellable, error);
}

static gboolean
g_spooled_input_stream_close (GInputStream  *stream,
                              GCancellable  *cancellable,
                              GError       **error)
{
  return TRUE;
}

static goffset
g_spooled_input_stream_tell (GSeekable *seekable)
{
  return spooled_tell (G_SPOOLED_INPUT_STREAM (seekable)->core);
}

static gboolean
g_spooled_input_stream_seek (GSeekable     *seekable,
                             goffset        offset,
                             GSeekType      type,
                             GCancellable  *cancellable,
                             GError       **error)
{
  GInputStream *stream = G_INPUT_STREAM (seekable);
  gboolean res;

  if (!g_input_stream_set_pending (stream, error))
    return FALSE;
  res = spooled_seek (G_SPOOLED_INPUT_STREAM (seekable)->core, offset, type, cancellable, error);
  g_input_stream_clear_pending (stream);
  return res;
}

static gboolean
g_spooled_input_stream_can_truncate (GSeekable *seekable)
{
  return FALSE;
}

static gboolean
g_spooled_input_stream_truncate (GSeekable     *seekable,
                                 goffset        offset,
                                 GCancellable  *cancellable,
                                 GError       **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       _("Cannot truncate the input half of a spooled stream"));
  return FALSE;
}

static void
g_spooled_input_stream_seekable_iface_init (GSeekableIface *iface)
{
  iface->tell = g_spooled_input_stream_tell;
  iface->can_seek = g_spooled_stream_can_seek;
  iface->seek = g_spooled_input_stream_seek;
  iface->can_truncate = g_spooled_input_stream_can_truncate;
  iface->truncate_fn = g_spooled_input_stream_truncate;
}

static void
g_spooled_input_stream_finalize (GObject *object)
{
  g_clear_pointer (&G_SPOOLED_INPUT_STREAM (object)->core, spool_core_unref);

  G_OBJECT_CLASS (g_spooled_input_stream_parent_class)->finalize (object);
}

static void
g_spooled_input_stream_class_init (GSpooledInputStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = g_spooled_input_stream_finalize;
  G_INPUT_STREAM_CLASS (klass)->read_fn = g_spooled_input_stream_read;
  G_INPUT_STREAM_CLASS (klass)->close_fn = g_spooled_input_stream_close;
}

static void
g_spooled_input_stream_init (GSpooledInputStream *self)
{
}

static GInputStream *
spooled_input_stream_new (SpoolCore *core)
{
  GSpooledInputStream *self = g_object_new (G_TYPE_SPOOLED_INPUT_STREAM, NULL);

  self->core = spool_core_ref (core);
  return G_INPUT_STREAM (self);
}

/* The output half ----------------------------------------------------------- */

#define G_TYPE_SPOOLED_OUTPUT_STREAM (g_spooled_output_stream_get_type ())
G_DECLARE_FINAL_TYPE (GSpooledOutputStream, g_spooled_output_stream,
                      G, SPOOLED_OUTPUT_STREAM, GOutputStream)

struct _GSpooledOutputStream
{
  GOutputStream  parent_instance;
  SpoolCore     *core;
};

static void g_spooled_output_stream_seekable_iface_init (GSeekableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GSpooledOutputStream, g_spooled_output_stream,
                               G_TYPE_OUTPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_SEEKABLE,
                                                      g_spooled_output_stream_seekable_iface_init))

static gssize
g_spooled_output_stream_write (GOutputStream  *stream,
                               const void     *buffer,
                               gsize           count,
                               GCancellable   *cancellable,
                               GError        **error)
{
  /* A plain cast, as in the input half. */
  return spooled_write (((GSpooledOutputStream *) stream)->core, buffer, count, cancellable,
                        error);
}

static gboolean
g_spooled_output_stream_close (GOutputStream  *stream,
                               GCancellable   *cancellable,
                               GError        **error)
{
  return TRUE;
}

static goffset
g_spooled_output_stream_tell (GSeekable *seekable)
{
  return spooled_tell (G_SPOOLED_OUTPUT_STREAM (seekable)->core);
}

static gboolean
g_spooled_output_stream_seek (GSeekable     *seekable,
                              goffset        offset,
                              GSeekType      type,
                              GCancellable  *cancellable,
                              GError       **error)
{
  GOutputStream *stream = G_OUTPUT_STREAM (seekable);
  gboolean res;

  if (!g_output_stream_set_pending (stream, error))
    return FALSE;
  res = spooled_seek (G_SPOOLED_OUTPUT_STREAM (seekable)->core, offset, type, cancellable,
                      error);
  g_output_stream_clear_pending (stream);
  return res;
}

static gboolean
g_spooled_output_stream_truncate (GSeekable     *seekable,
                                  goffset        offset,
                                  GCancellable  *cancellable,
                                  GError       **error)
{
  GOutputStream *stream = G_OUTPUT_STREAM (seekable);
  gboolean res;

  if (!g_output_stream_set_pending (stream, error))
    return FALSE;
  res = spooled_truncate (G_SPOOLED_OUTPUT_STREAM (seekable)->core, offset, cancellable, error);
  g_output_stream_clear_pending (stream);
  return res;
}

static void
g_spooled_output_stream_seekable_iface_init (GSeekableIface *iface)
{
  iface->tell = g_spooled_output_stream_tell;
  iface->can_seek = g_spooled_stream_can_seek;
  iface->seek = g_spooled_output_stream_seek;
  iface->can_truncate = g_spooled_stream_can_truncate;
  iface->truncate_fn = g_spooled_output_stream_truncate;
}

static void
g_spooled_output_stream_finalize (GObject *object)
{
  g_clear_pointer (&G_SPOOLED_OUTPUT_STREAM (object)->core, spool_core_unref);

  G_OBJECT_CLASS (g_spooled_output_stream_parent_class)->finalize (object);
}

static void
g_spooled_output_stream_class_init (GSpooledOutputStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = g_spooled_output_stream_finalize;
  G_OUTPUT_STREAM_CLASS (klass)->write_fn = g_spooled_output_stream_write;
  G_OUTPUT_STREAM_CLASS (klass)->close_fn = g_spooled_output_stream_close;
}

static void
g_spooled_output_stream_init (GSpooledOutputStream *self)
{
}

static GOutputStream *
spooled_output_stream_new (SpoolCore *core)
{
  GSpooledOutputStream *self = g_object_new (G_TYPE_SPOOLED_OUTPUT_STREAM, NULL);

  self->core = spool_core_ref (core);
  return G_OUTPUT_STREAM (self);
}
