/* gtemp-file.c: GTempFile, a temporary file that cleans up after itself
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>

#include "gtempfile.h"
#include "gtemp-file-private.h"
#include "gtempfile-create-private.h"
#include "gtempfile-error-private.h"
#include "gtempfile-names-private.h"
#include "gtempfile-object-private.h"
#include "gtempfile-tempdir-private.h"

/**
 * GTempFile:
 *
 * A temporary file, open for reading and writing, that is removed when it is
 * no longer needed: Python's `NamedTemporaryFile` and `TemporaryFile` as a
 * [class@Gio.FileIOStream].
 *
 * A `GTempFile` is a stream. Its input and output streams read and write the
 * same descriptor with one shared position, and it implements
 * [iface@Gio.Seekable] (seek, tell and truncate), so everything that works on
 * a GIO stream works on it:
 *
 * ```c
 * g_autoptr(GError) error = NULL;
 * g_autoptr(GTempFile) file = g_temp_file_new_full (NULL, "report-", ".csv",
 *                                                   G_TEMP_FILE_FLAGS_NONE,
 *                                                   NULL, &error);
 * GOutputStream *out;
 *
 * if (file == NULL)
 *   return FALSE;
 * out = g_io_stream_get_output_stream (G_IO_STREAM (file));
 * if (!g_output_stream_write_all (out, "a,b\n", 4, NULL, NULL, &error))
 *   return FALSE;
 * g_print ("written to %s\n", g_temp_file_get_path (file));
 * // the file is removed when it is closed, or when the last reference goes
 * ```
 *
 * ## Named and anonymous files
 *
 * By default the file has a name ([method@GTempfile.TempFile.get_path]) that
 * other programs can open. With %G_TEMP_FILE_FLAGS_ANONYMOUS it never has
 * one: it is opened with `O_TMPFILE` where the kernel and the file system
 * support it, or created and removed at once elsewhere. An anonymous file
 * disappears when its descriptor is closed, even if the process is killed.
 *
 * ## When the file is removed
 *
 * A named file is removed according to two properties,
 * [property@GTempfile.TempFile:delete] and
 * [property@GTempfile.TempFile:delete-on-close]:
 *
 * | delete | delete-on-close | stream closed | object disposed, or process exits |
 * |---|---|---|---|
 * | %TRUE | %TRUE (default) | removed | removed (if still there) |
 * | %TRUE | %FALSE | kept, and can be reopened by name | removed |
 * | %FALSE | any | kept | kept |
 *
 * "Process exits" means a normal exit (returning from main() or calling
 * exit(), from any thread), and also SIGINT, SIGTERM and SIGHUP once
 * [func@GTempfile.install_signal_handlers] was called. Nothing can run on
 * SIGKILL or a crash: an anonymous file disappears anyway, a named one is
 * left behind.
 *
 * Only the process that created the file removes it automatically: in a
 * child made with fork(), closing or disposing an inherited object, exiting
 * or being killed by a signal leaves the parent's file alone.
 * [method@GTempfile.TempFile.cleanup] works in the child too.
 *
 * A file that was removed or renamed by someone else in the meantime is not
 * an error. [method@GTempfile.TempFile.cleanup] closes the stream and removes
 * the file now, whatever the properties say, and reports errors; disposal
 * never reports them.
 *
 * ## Keeping the result
 *
 * [method@GTempfile.TempFile.persist] gives the file its final name
 * atomically, the usual way of saving a document safely: write everything to
 * a temporary file in the target's directory, then persist it over the old
 * version. Readers see either the old file or the complete new one.
 *
 * ## Creating
 *
 * [ctor@GTempfile.TempFile.new_full] creates the file at once;
 * [func@GTempfile.TempFile.create_async] does it in a worker thread. Both are
 * wrappers around [iface@Gio.Initable] and [iface@Gio.AsyncInitable], so
 * [ctor@GObject.Object.new] followed by [method@Gio.Initable.init] works too,
 * from every language. If creation fails nothing is left in the file system.
 *
 * Since: 1.0
 */

struct _GTempFile
{
  GFileIOStream  parent_instance;

  GInputStream  *input;
  GOutputStream *output;

  /* As given at construction; once initialized, what was actually used:
   * the absolute directory and the default prefix and suffix. */
  char          *dir;
  char          *prefix;
  char          *suffix;

  GTempfilePath  name;       /* path NULL while anonymous */
  GError        *init_error;

  int            fd;         /* -1 before initialization and once closed */
  /* A name that an anonymous file got from a persist that failed after
   * linking it: such a file can be linked only once, so the name is kept,
   * registered, until a persist moves it into place or the file goes. */
  char          *hidden_name;
  GTempfileSlot *hidden_slot;
  gint64         pid;        /* the process that created it */
  GTempfileSlot *slot;       /* registered for removal at exit while delete is set */

  guint          init_done : 1;
  guint          anonymous : 1;
  guint          linkable : 1;   /* anonymous, and persist can link it */
  guint          delete : 1;
  guint          delete_on_close : 1;
  guint          persisted : 1;  /* the name is no longer a temporary one */
  guint          removed : 1;    /* the temporary name has been removed */
  guint          cleaned_up : 1;
  guint          created_notified : 1;
};

enum {
  PROP_0,
  PROP_DIR,
  PROP_PREFIX,
  PROP_SUFFIX,
  PROP_ANONYMOUS,
  PROP_DELETE,
  PROP_DELETE_ON_CLOSE,
  PROP_PATH,
  PROP_FILE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];
static guint notify_signal_id;

static void g_temp_file_initable_iface_init       (GInitableIface      *iface);
static void g_temp_file_async_initable_iface_init (GAsyncInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GTempFile, g_temp_file, G_TYPE_FILE_IO_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE,
                                                      g_temp_file_initable_iface_init)
                               G_IMPLEMENT_INTERFACE (G_TYPE_ASYNC_INITABLE,
                                                      g_temp_file_async_initable_iface_init))

/* Internal helpers -------------------------------------------------------- */

static gboolean
is_initialized (GTempFile *self)
{
  return self->init_done && self->init_error == NULL;
}

static gboolean
check_initialized (GTempFile  *self,
                   GError    **error)
{
  if (is_initialized (self))
    return TRUE;

  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                       _("The temporary file was not created: "
                         "initialize it with g_initable_init() first"));
  return FALSE;
}

/* Whether the object still owns a temporary name it may have to remove. */
static gboolean
owns_name (GTempFile *self)
{
  return self->name.path != NULL && !self->persisted && !self->removed;
}

/* Whether the file is removed without being asked: never in a child made
 * with fork(), where the parent still uses it. Explicit cleanup still works
 * there. */
static gboolean
removes_automatically (GTempFile *self)
{
  return self->delete && owns_name (self) && self->pid == _g_tempfile_sys_getpid ();
}

/* Keeps the registration for removal at exit in step with "delete". */
static void
update_registration (GTempFile *self)
{
  gboolean wanted = self->delete && owns_name (self) && self->pid == _g_tempfile_sys_getpid ();

  if (wanted && self->slot == NULL)
    self->slot = _g_tempfile_registry_add (G_TEMPFILE_KIND_FILE, self->name.path, NULL);
  else if (!wanted && self->slot != NULL)
    g_clear_pointer (&self->slot, _g_tempfile_registry_release);
}

static gboolean
remove_name (GTempFile  *self,
             GError    **error)
{
  if (_g_tempfile_sys_unlink (self->name.path) != 0)
    {
      int errsv = errno;

      /* Removed or renamed away by someone else: nothing left to do. */
      if (errsv != ENOENT && errsv != ENOTDIR)
        {
          _g_tempfile_set_error_path (error, errsv,
                                      _("Error removing temporary file “%s”: %s"), self->name.path);
          return FALSE;
        }
    }

  self->removed = TRUE;
  /* Removed first, unregistered after: an exit in between finds nothing. */
  g_clear_pointer (&self->slot, _g_tempfile_registry_release);
  return TRUE;
}

/* Whether an anonymous @file can be given a name by persist. */
gboolean
_g_temp_file_is_linkable_for_testing (GTempFile *file)
{
  return file->anonymous && file->linkable;
}

/* Whether the file is still there once the stream is closed: not when it is
 * anonymous, nor when closing removes it. */
gboolean
_g_temp_file_outlives_close (GTempFile *self)
{
  if (self->name.path == NULL)
    return FALSE;
  return !(self->delete_on_close && removes_automatically (self));
}

gboolean
_g_temp_file_check_open (GTempFile  *self,
                         GError    **error)
{
  if (!check_initialized (self, error))
    return FALSE;

  if (self->fd < 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, _("Stream is already closed"));
      return FALSE;
    }

  return TRUE;
}

void
_g_temp_file_set_op_error (GTempFile    *self,
                           GTempFileOp   op,
                           int           errsv,
                           GError      **error)
{
  static const char * const named[] = {
    [G_TEMP_FILE_OP_READ] = N_("Error reading from temporary file “%s”: %s"),
    [G_TEMP_FILE_OP_WRITE] = N_("Error writing to temporary file “%s”: %s"),
    [G_TEMP_FILE_OP_SEEK] = N_("Error seeking in temporary file “%s”: %s"),
    [G_TEMP_FILE_OP_TRUNCATE] = N_("Error truncating temporary file “%s”: %s"),
    [G_TEMP_FILE_OP_STAT] = N_("Error getting information about temporary file “%s”: %s"),
    [G_TEMP_FILE_OP_SYNC] = N_("Error syncing temporary file “%s” to disk: %s"),
    [G_TEMP_FILE_OP_CLOSE] = N_("Error closing temporary file “%s”: %s"),
  };
  static const char * const anonymous[] = {
    [G_TEMP_FILE_OP_READ] = N_("Error reading from an anonymous temporary file in “%s”: %s"),
    [G_TEMP_FILE_OP_WRITE] = N_("Error writing to an anonymous temporary file in “%s”: %s"),
    [G_TEMP_FILE_OP_SEEK] = N_("Error seeking in an anonymous temporary file in “%s”: %s"),
    [G_TEMP_FILE_OP_TRUNCATE] = N_("Error truncating an anonymous temporary file in “%s”: %s"),
    [G_TEMP_FILE_OP_STAT] = N_("Error getting information about an anonymous temporary file "
                               "in “%s”: %s"),
    [G_TEMP_FILE_OP_SYNC] = N_("Error syncing an anonymous temporary file in “%s” to disk: %s"),
    [G_TEMP_FILE_OP_CLOSE] = N_("Error closing an anonymous temporary file in “%s”: %s"),
  };

  if (self->name.path != NULL)
    _g_tempfile_set_error_path (error, errsv, _(named[op]), self->name.path);
  else
    _g_tempfile_set_error_path (error, errsv, _(anonymous[op]), self->dir);
}

#define TEMP_FILE_FLAGS_KNOWN \
  (G_TEMP_FILE_FLAGS_ANONYMOUS | G_TEMP_FILE_FLAGS_KEEP | G_TEMP_FILE_FLAGS_KEEP_ON_CLOSE)
#define TEMP_PERSIST_FLAGS_KNOWN (G_TEMP_PERSIST_NO_REPLACE | G_TEMP_PERSIST_SYNC)

/* An anonymous file goes when it is closed: so does the name a failed
 * persist left it (not in a child made with fork(): the parent's). */
static void
drop_hidden_name (GTempFile *self)
{
  if (self->hidden_name == NULL || self->pid != _g_tempfile_sys_getpid ())
    return;

  if (_g_tempfile_sys_unlink (self->hidden_name) == 0 || errno == ENOENT)
    _g_tempfile_registry_release (self->hidden_slot);
  /* Otherwise it stays registered: the exit pass tries again. */
  self->hidden_slot = NULL;
  g_clear_pointer (&self->hidden_name, g_free);
}

/* Closes the descriptor, first removing the name if delete-on-close says
 * so. Once: later calls do nothing. */
static gboolean
really_close (GTempFile  *self,
              GError    **error)
{
  GError *local_error = NULL;

  if (self->fd < 0)
    return TRUE;

  /* Remove the name before closing, so no one can open it by name after we
   * let go of it. */
  if (self->delete_on_close && removes_automatically (self))
    remove_name (self, &local_error);
  drop_hidden_name (self);

  if (_g_tempfile_sys_close (self->fd) != 0 && local_error == NULL)
    {
      int errsv = errno;

      _g_temp_file_set_op_error (self, G_TEMP_FILE_OP_CLOSE, errsv, &local_error);
    }
  self->fd = -1;

  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  return TRUE;
}

static void
g_temp_file_dispose (GObject *object)
{
  GTempFile *self = G_TEMP_FILE (object);

  /* Closing applies delete-on-close; then the "disposed" column of the
   * deletion table. Errors cannot be reported from here. */
  if (!g_io_stream_is_closed (G_IO_STREAM (self)))
    g_io_stream_close (G_IO_STREAM (self), NULL, NULL);

  /* Halves kept by someone else no longer reach this object. Detaching
   * waits for an operation under way in another thread (an asynchronous
   * one holds the half, not this object), so the descriptor is closed
   * only once nothing uses it. */
  if (self->input != NULL)
    _g_temp_file_input_stream_detach (self->input);
  if (self->output != NULL)
    _g_temp_file_output_stream_detach (self->output);

  /* A close refused because a child still had an operation pending leaves
   * the descriptor open; nothing can use it any more. */
  really_close (self, NULL);

  if (removes_automatically (self))
    {
      g_autoptr(GError) error = NULL;

      /* On failure the file stays registered: removal is tried again at
       * exit. */
      if (!remove_name (self, &error))
        g_debug ("%s", error->message);
    }
  else
    g_clear_pointer (&self->slot, _g_tempfile_registry_release);

  G_OBJECT_CLASS (g_temp_file_parent_class)->dispose (object);
}

static void
g_temp_file_finalize (GObject *object)
{
  GTempFile *self = G_TEMP_FILE (object);

  g_clear_object (&self->input);
  g_clear_object (&self->output);
  _g_tempfile_path_clear (&self->name);
  g_clear_error (&self->init_error);
  g_free (self->hidden_name);
  g_free (self->dir);
  g_free (self->prefix);
  g_free (self->suffix);

  G_OBJECT_CLASS (g_temp_file_parent_class)->finalize (object);
}

static void
g_temp_file_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  GTempFile *self = G_TEMP_FILE (object);

  switch (prop_id)
    {
    case PROP_DIR:
      g_value_set_string (value, self->dir);
      break;

    case PROP_PREFIX:
      g_value_set_string (value, self->prefix != NULL || !is_initialized (self)
                                 ? self->prefix : GTEMPFILE_DEFAULT_PREFIX);
      break;

    case PROP_SUFFIX:
      g_value_set_string (value, self->suffix != NULL || !is_initialized (self)
                                 ? self->suffix : "");
      break;

    case PROP_ANONYMOUS:
      g_value_set_boolean (value, self->anonymous);
      break;

    case PROP_DELETE:
      g_value_set_boolean (value, g_temp_file_get_delete (self));
      break;

    case PROP_DELETE_ON_CLOSE:
      g_value_set_boolean (value, g_temp_file_get_delete_on_close (self));
      break;

    case PROP_PATH:
      g_value_set_string (value, g_temp_file_get_path (self));
      break;

    case PROP_FILE:
      g_value_set_object (value, g_temp_file_get_file (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
g_temp_file_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  GTempFile *self = G_TEMP_FILE (object);

  switch (prop_id)
    {
    case PROP_DIR:
      self->dir = g_value_dup_string (value);
      break;

    case PROP_PREFIX:
      self->prefix = g_value_dup_string (value);
      break;

    case PROP_SUFFIX:
      self->suffix = g_value_dup_string (value);
      break;

    case PROP_ANONYMOUS:
      self->anonymous = g_value_get_boolean (value);
      break;

    case PROP_DELETE:
      g_temp_file_set_delete (self, g_value_get_boolean (value));
      break;

    case PROP_DELETE_ON_CLOSE:
      g_temp_file_set_delete_on_close (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* GIOStream --------------------------------------------------------------- */

/* The halves are made the first time they are asked for: most programs
 * only ever write, and each half costs an object and a weak reference. A
 * half made after the file was closed is closed too. */
static gpointer
ensure_half (GTempFile *self,
             gboolean   input)
{
  gpointer *half = input ? (gpointer *) &self->input : (gpointer *) &self->output;
  gpointer existing = g_atomic_pointer_get (half);
  gpointer made;

  if (G_LIKELY (existing != NULL))
    return existing;

  if (input)
    {
      made = _g_temp_file_input_stream_new (self);
      if (g_io_stream_is_closed (G_IO_STREAM (self)))
        g_input_stream_close (made, NULL, NULL);
    }
  else
    {
      made = _g_temp_file_output_stream_new (self);
      if (g_io_stream_is_closed (G_IO_STREAM (self)))
        g_output_stream_close (made, NULL, NULL);
    }

  if (!g_atomic_pointer_compare_and_exchange (half, NULL, made))
    g_object_unref (made);   /* another thread was first */
  return g_atomic_pointer_get (half);
}

static GInputStream *
g_temp_file_get_input_stream (GIOStream *stream)
{
  return ensure_half (G_TEMP_FILE (stream), TRUE);
}

static GOutputStream *
g_temp_file_get_output_stream (GIOStream *stream)
{
  return ensure_half (G_TEMP_FILE (stream), FALSE);
}

static gboolean
halves_pending (GTempFile *self)
{
  return (self->output != NULL && g_output_stream_has_pending (self->output)) ||
         (self->input != NULL && g_input_stream_has_pending (self->input));
}

static gboolean
g_temp_file_close_fn (GIOStream     *stream,
                      GCancellable  *cancellable,
                      GError       **error)
{
  GTempFile *self = G_TEMP_FILE (stream);

  /* Never pull the descriptor from under an operation in progress on one of
   * the halves; cleanup or dispose closes it once nothing can use it. */
  if (halves_pending (self))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PENDING,
                           _("Stream has outstanding operation"));
      return FALSE;
    }

  /* The halves do not own the descriptor: closing them cannot fail. */
  if (self->output != NULL)
    g_output_stream_close (self->output, NULL, NULL);
  if (self->input != NULL)
    g_input_stream_close (self->input, NULL, NULL);

  return really_close (self, error);
}

/* GInitable --------------------------------------------------------------- */

/* Creates the file. It may run in a worker thread, so it notifies nothing. */
static gboolean
create_file (gpointer       object,
             GCancellable  *cancellable,
             GError       **error)
{
  GTempFile *self = object;
  g_autofree char *dir = NULL;
  const char *used_dir = NULL;
  g_autofree char *path = NULL;
  const char *prefix;
  const char *suffix;
  gboolean linkable = FALSE;
  GError *local_error = NULL;
  int fd = -1;

  /* GInitable allows init to be called again: give the same answer. */
  if (self->init_done)
    {
      if (self->init_error != NULL)
        {
          g_propagate_error (error, g_error_copy (self->init_error));
          return FALSE;
        }
      return TRUE;
    }

  prefix = self->prefix != NULL ? self->prefix : GTEMPFILE_DEFAULT_PREFIX;
  suffix = self->suffix != NULL ? self->suffix : "";

  /* Bad arguments are reported before anything touches the disk, even the
   * probe for the default directory. An absolute directory is used as it
   * is, without a copy: this is the hot path of the library. */
  if (!g_cancellable_set_error_if_cancelled (cancellable, &local_error) &&
      _g_tempfile_check_affixes (prefix, suffix, &local_error))
    {
      if (self->dir != NULL && g_path_is_absolute (self->dir))
        used_dir = self->dir;
      else
        used_dir = dir = _g_tempfile_resolve_dir (self->dir, &local_error);
    }

  if (used_dir != NULL)
    {
      if (self->anonymous)
        fd = _g_tempfile_open_anonymous (used_dir, prefix, suffix, &linkable, &local_error);
      else
        fd = _g_tempfile_create (used_dir, prefix, suffix, G_TEMPFILE_KIND_FILE,
                                 _g_tempfile_create_file_func, NULL,
                                 self->delete ? &self->slot : NULL, &path, &local_error);
    }

  self->init_done = TRUE;

  if (fd < 0)
    {
      self->init_error = g_error_copy (local_error);
      g_propagate_error (error, local_error);
      return FALSE;
    }

  self->fd = fd;
  self->pid = _g_tempfile_sys_getpid ();
  self->linkable = linkable;
  _g_tempfile_path_set (&self->name, g_steal_pointer (&path));
  /* From now on the properties say what was used: the absolute directory,
   * and the default prefix and suffix for NULL ones (see get_property). */
  if (dir != NULL)
    {
      g_free (self->dir);
      self->dir = g_steal_pointer (&dir);
    }

  return TRUE;
}

/* Whether anything listens to "notify" for the properties creation fills
 * in (a handler with a detail is found only by that detail). */
static gboolean
has_notify_handler (GTempFile *self)
{
  const guint filled_in[] = { PROP_DIR, PROP_PREFIX, PROP_SUFFIX, PROP_PATH, PROP_FILE };

  if (g_signal_has_handler_pending (self, notify_signal_id, 0, TRUE))
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (filled_in); i++)
    if (g_signal_has_handler_pending (self, notify_signal_id,
                                      g_param_spec_get_name_quark (properties[filled_in[i]]),
                                      TRUE))
      return TRUE;
  return FALSE;
}

/* The properties that creation filled in, announced in the caller's thread. */
static void
notify_created (GTempFile *self)
{
  if (self->created_notified)
    return;
  self->created_notified = TRUE;

  /* Nobody can be listening to an object that g_temp_file_new_full() has
   * not returned yet; skip the freeze and five notifications then. */
  if (!has_notify_handler (self))
    return;

  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DIR]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PREFIX]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUFFIX]);
  if (self->name.path != NULL)
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PATH]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILE]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

static gboolean
g_temp_file_initable_init (GInitable     *initable,
                           GCancellable  *cancellable,
                           GError       **error)
{
  GTempFile *self = G_TEMP_FILE (initable);

  if (!create_file (self, cancellable, error))
    return FALSE;

  notify_created (self);
  return TRUE;
}

static void
g_temp_file_initable_iface_init (GInitableIface *iface)
{
  iface->init = g_temp_file_initable_init;
}

/* GAsyncInitable ---------------------------------------------------------- */

static void
g_temp_file_init_async (GAsyncInitable      *initable,
                        int                  io_priority,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  _g_tempfile_init_async (initable, create_file, io_priority, cancellable, callback, user_data);
}

static gboolean
g_temp_file_init_finish (GAsyncInitable  *initable,
                         GAsyncResult    *result,
                         GError         **error)
{
  if (!_g_tempfile_init_finish (initable, result, error))
    return FALSE;

  notify_created (G_TEMP_FILE (initable));
  return TRUE;
}

static void
g_temp_file_async_initable_iface_init (GAsyncInitableIface *iface)
{
  iface->init_async = g_temp_file_init_async;
  iface->init_finish = g_temp_file_init_finish;
}

/* Class ------------------------------------------------------------------- */

static void
g_temp_file_class_init (GTempFileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GIOStreamClass *stream_class = G_IO_STREAM_CLASS (klass);

  notify_signal_id = g_signal_lookup ("notify", G_TYPE_OBJECT);

  object_class->dispose = g_temp_file_dispose;
  object_class->finalize = g_temp_file_finalize;
  object_class->get_property = g_temp_file_get_property;
  object_class->set_property = g_temp_file_set_property;

  stream_class->get_input_stream = g_temp_file_get_input_stream;
  stream_class->get_output_stream = g_temp_file_get_output_stream;
  stream_class->close_fn = g_temp_file_close_fn;

  /**
   * GTempFile:dir: (type filename)
   *
   * The directory to create the file in, or %NULL for the default directory
   * ([func@GTempfile.get_tempdir]). A relative directory is made absolute
   * against the current directory.
   *
   * Once the file is created this holds the absolute directory that was
   * used. Paths are file-system bytes: in bindings, prefer
   * [ctor@GTempfile.TempFile.new_full], which accepts any bytes.
   *
   * Since: 1.0
   */
  properties[PROP_DIR] = _g_tempfile_param_spec_path ("dir");

  /**
   * GTempFile:prefix: (type filename)
   *
   * The start of the file name, or %NULL for `"tmp"`. It must not contain
   * `/`. Once the file is created this holds the prefix that was used.
   *
   * Since: 1.0
   */
  properties[PROP_PREFIX] = _g_tempfile_param_spec_path ("prefix");

  /**
   * GTempFile:suffix: (type filename)
   *
   * The end of the file name, for instance `".txt"`, or %NULL for none. It
   * must not contain `/`. Once the file is created this holds the suffix
   * that was used.
   *
   * Since: 1.0
   */
  properties[PROP_SUFFIX] = _g_tempfile_param_spec_path ("suffix");

  /**
   * GTempFile:anonymous:
   *
   * Whether the file has no name in the file system, like Python's
   * `TemporaryFile`. Set it at construction; it becomes %FALSE when
   * [method@GTempfile.TempFile.persist] gives the file a name.
   *
   * Since: 1.0
   */
  properties[PROP_ANONYMOUS] =
    g_param_spec_boolean ("anonymous", NULL, NULL,
                          FALSE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * GTempFile:delete:
   *
   * Whether the file is removed automatically: when the stream is closed
   * (with [property@GTempfile.TempFile:delete-on-close]) or when the object
   * is disposed. It becomes %FALSE after a successful
   * [method@GTempfile.TempFile.persist], and can no longer be changed then.
   *
   * Since: 1.0
   */
  properties[PROP_DELETE] =
    g_param_spec_boolean ("delete", NULL, NULL,
                          TRUE,
                          G_PARAM_READWRITE |
                          G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * GTempFile:delete-on-close:
   *
   * Whether closing the stream removes the file, when
   * [property@GTempfile.TempFile:delete] is %TRUE. Set it to %FALSE to close
   * the file, let another program open it by name, and still have it removed
   * when the object is disposed.
   *
   * Since: 1.0
   */
  properties[PROP_DELETE_ON_CLOSE] =
    g_param_spec_boolean ("delete-on-close", NULL, NULL,
                          TRUE,
                          G_PARAM_READWRITE |
                          G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * GTempFile:path: (type filename)
   *
   * The absolute path of the file, or %NULL while it is anonymous. It changes
   * when [method@GTempfile.TempFile.persist] succeeds.
   *
   * Since: 1.0
   */
  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL,
                         NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * GTempFile:file:
   *
   * A [iface@Gio.File] for [property@GTempfile.TempFile:path], or %NULL while
   * the file is anonymous. It changes when [method@GTempfile.TempFile.persist]
   * succeeds.
   *
   * Since: 1.0
   */
  properties[PROP_FILE] =
    g_param_spec_object ("file", NULL, NULL,
                         G_TYPE_FILE,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
g_temp_file_init (GTempFile *self)
{
  self->fd = -1;
  self->delete = TRUE;
  self->delete_on_close = TRUE;
}

/* Construction ------------------------------------------------------------ */

/**
 * g_temp_file_new:
 * @error: return location for a #GError, or %NULL
 *
 * Creates a named temporary file in the default directory
 * ([func@GTempfile.get_tempdir]), with the prefix `"tmp"`. It is removed when
 * it is closed or disposed.
 *
 * See [ctor@GTempfile.TempFile.new_full] for the errors.
 *
 * Returns: (transfer full): the new temporary file, or %NULL with @error set
 *
 * Since: 1.0
 */
GTempFile *
g_temp_file_new (GError **error)
{
  return g_temp_file_new_full (NULL, NULL, NULL, G_TEMP_FILE_FLAGS_NONE, NULL, error);
}

/**
 * g_temp_file_new_full:
 * @dir: (type filename) (nullable): the directory to create the file in, or
 *   %NULL for the default directory ([func@GTempfile.get_tempdir])
 * @prefix: (type filename) (nullable): the start of the file name, or %NULL
 *   for `"tmp"`
 * @suffix: (type filename) (nullable): the end of the file name, or %NULL
 *   for none
 * @flags: how the file is created and when it is removed
 * @cancellable: (nullable): a #GCancellable, or %NULL
 * @error: return location for a #GError, or %NULL
 *
 * Creates a temporary file and opens it for reading and writing.
 *
 * Names are made as for [func@GTempfile.mkstemp]: @dir, @prefix, eight
 * random characters and @suffix. The file has mode `0600` and its descriptor
 * is close-on-exec. With %G_TEMP_FILE_FLAGS_ANONYMOUS the file gets no name
 * at all (@prefix and @suffix are still checked, and used where the system
 * needs a name for a moment).
 *
 * Errors are in the `G_IO_ERROR` domain with a message that names the
 * directory: %G_IO_ERROR_INVALID_ARGUMENT for a @prefix or @suffix that
 * contains `/` or for unknown @flags, %G_IO_ERROR_FILENAME_TOO_LONG,
 * %G_IO_ERROR_NOT_FOUND, %G_IO_ERROR_NOT_DIRECTORY,
 * %G_IO_ERROR_PERMISSION_DENIED, %G_IO_ERROR_NO_SPACE,
 * %G_IO_ERROR_EXISTS (no free name after 10 000 attempts) and
 * %G_IO_ERROR_CANCELLED. When it fails, nothing is left in the file system.
 *
 * Returns: (transfer full): the new temporary file, or %NULL with @error set
 *
 * Since: 1.0
 */
GTempFile *
g_temp_file_new_full (const char      *dir,
                      const char      *prefix,
                      const char      *suffix,
                      GTempFileFlags   flags,
                      GCancellable    *cancellable,
                      GError         **error)
{
  g_autoptr(GTempFile) self = NULL;

  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!_g_tempfile_check_flags (flags, TEMP_FILE_FLAGS_KNOWN, "GTempFileFlags", error))
    return NULL;

  /* What g_initable_new() with the six properties does, without looking
   * each of them up by name: this is the hot path of the library. */
  self = g_object_new (G_TYPE_TEMP_FILE, NULL);
  self->dir = g_strdup (dir);
  self->prefix = g_strdup (prefix);
  self->suffix = g_strdup (suffix);
  self->anonymous = (flags & G_TEMP_FILE_FLAGS_ANONYMOUS) != 0;
  self->delete = (flags & G_TEMP_FILE_FLAGS_KEEP) == 0;
  self->delete_on_close = (flags & G_TEMP_FILE_FLAGS_KEEP_ON_CLOSE) == 0;
  /* No one can have connected to "notify" yet: nothing to announce. */
  self->created_notified = TRUE;

  /* g_initable_init() without looking up the interface. */
  if (!g_temp_file_initable_init (G_INITABLE (self), cancellable, error))
    return NULL;   /* self is released with the error, as g_initable_new() does */
  return g_steal_pointer (&self);
}

/**
 * g_temp_file_create_async:
 * @dir: (type filename) (nullable): the directory to create the file in, or
 *   %NULL for the default directory
 * @prefix: (type filename) (nullable): the start of the file name, or %NULL
 *   for `"tmp"`
 * @suffix: (type filename) (nullable): the end of the file name, or %NULL
 *   for none
 * @flags: how the file is created and when it is removed
 * @io_priority: the I/O priority of the request, for instance
 *   %G_PRIORITY_DEFAULT
 * @cancellable: (nullable): a #GCancellable, or %NULL
 * @callback: (scope async): called when the file is created or creation
 *   failed
 * @user_data: data for @callback
 *
 * Creates a temporary file in a worker thread, like
 * [ctor@GTempfile.TempFile.new_full]. Call
 * [func@GTempfile.TempFile.create_finish] from @callback to get the result.
 *
 * Cancelling stops the creation if the file does not exist yet; once it
 * exists, it is returned anyway, so that no file is left without an owner.
 *
 * Since: 1.0
 */
void
g_temp_file_create_async (const char          *dir,
                          const char          *prefix,
                          const char          *suffix,
                          GTempFileFlags       flags,
                          int                  io_priority,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GError *error = NULL;

  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  if (!_g_tempfile_check_flags (flags, TEMP_FILE_FLAGS_KNOWN, "GTempFileFlags", &error))
    {
      g_task_report_error (NULL, callback, user_data, g_temp_file_create_async, error);
      return;
    }

  g_async_initable_new_async (G_TYPE_TEMP_FILE, io_priority, cancellable, callback, user_data,
                              "dir", dir,
                              "prefix", prefix,
                              "suffix", suffix,
                              "anonymous", (flags & G_TEMP_FILE_FLAGS_ANONYMOUS) != 0,
                              "delete", (flags & G_TEMP_FILE_FLAGS_KEEP) == 0,
                              "delete-on-close", (flags & G_TEMP_FILE_FLAGS_KEEP_ON_CLOSE) == 0,
                              NULL);
}

/**
 * g_temp_file_create_finish:
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError, or %NULL
 *
 * Finishes [func@GTempfile.TempFile.create_async].
 *
 * Returns: (transfer full): the new temporary file, or %NULL with @error set
 *
 * Since: 1.0
 */
GTempFile *
g_temp_file_create_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_autoptr(GObject) source = NULL;
  GObject *object;

  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_async_result_is_tagged (result, g_temp_file_create_async))
    return g_task_propagate_pointer (G_TASK (result), error);

  source = g_async_result_get_source_object (result);
  g_return_val_if_fail (G_IS_TEMP_FILE (source), NULL);

  object = g_async_initable_new_finish (G_ASYNC_INITABLE (source), result, error);
  return object != NULL ? G_TEMP_FILE (object) : NULL;
}

/* Accessors --------------------------------------------------------------- */

/**
 * g_temp_file_get_path:
 * @self: a #GTempFile
 *
 * Gets the absolute path of the file, like the `name` of Python's
 * `NamedTemporaryFile`. After [method@GTempfile.TempFile.persist] it is the
 * new path. The path stays set after the file has been removed.
 *
 * The string belongs to @self and stays valid as long as @self lives, even
 * after a persist gives the file another path.
 *
 * Returns: (transfer none) (type filename) (nullable): the path, or %NULL
 *   while the file is anonymous
 *
 * Since: 1.0
 */
const char *
g_temp_file_get_path (GTempFile *self)
{
  g_return_val_if_fail (G_IS_TEMP_FILE (self), NULL);

  return self->name.path;
}

/**
 * g_temp_file_get_file:
 * @self: a #GTempFile
 *
 * Gets a [iface@Gio.File] for the path of the file. It belongs to @self and
 * stays valid as long as @self lives, even after a persist gives the file
 * another path (a new #GFile is made for that).
 *
 * Returns: (transfer none) (nullable): the file, or %NULL while the file is
 *   anonymous
 *
 * Since: 1.0
 */
GFile *
g_temp_file_get_file (GTempFile *self)
{
  g_return_val_if_fail (G_IS_TEMP_FILE (self), NULL);

  return _g_tempfile_path_get_file (&self->name);
}

/**
 * g_temp_file_get_fd:
 * @self: a #GTempFile
 *
 * Gets the file descriptor, for use with APIs that need one, like Python's
 * `fileno()`. It belongs to @self: do not close it. Reading or writing it
 * moves the same position as the streams of @self.
 *
 * Returns: the descriptor, or -1 if the stream is closed
 *
 * Since: 1.0
 */
int
g_temp_file_get_fd (GTempFile *self)
{
  g_return_val_if_fail (G_IS_TEMP_FILE (self), -1);

  return self->fd;
}

/**
 * g_temp_file_get_delete:
 * @self: a #GTempFile
 *
 * Gets the value of [property@GTempfile.TempFile:delete].
 *
 * Returns: whether the file is removed automatically
 *
 * Since: 1.0
 */
gboolean
g_temp_file_get_delete (GTempFile *self)
{
  g_return_val_if_fail (G_IS_TEMP_FILE (self), FALSE);

  return self->delete;
}

/**
 * g_temp_file_set_delete:
 * @self: a #GTempFile
 * @delete_: whether to remove the file automatically
 *
 * Sets [property@GTempfile.TempFile:delete]. It has no effect after the file
 * was persisted.
 *
 * Since: 1.0
 */
void
g_temp_file_set_delete (GTempFile *self,
                        gboolean   delete_)
{
  g_return_if_fail (G_IS_TEMP_FILE (self));

  delete_ = !!delete_;
  if (self->persisted || self->delete == (guint) delete_)
    return;

  self->delete = delete_;
  if (self->init_done)
    update_registration (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DELETE]);
}

/**
 * g_temp_file_get_delete_on_close:
 * @self: a #GTempFile
 *
 * Gets the value of [property@GTempfile.TempFile:delete-on-close].
 *
 * Returns: whether closing the stream removes the file
 *
 * Since: 1.0
 */
gboolean
g_temp_file_get_delete_on_close (GTempFile *self)
{
  g_return_val_if_fail (G_IS_TEMP_FILE (self), FALSE);

  return self->delete_on_close;
}

/**
 * g_temp_file_set_delete_on_close:
 * @self: a #GTempFile
 * @delete_on_close: whether closing the stream removes the file
 *
 * Sets [property@GTempfile.TempFile:delete-on-close].
 *
 * Since: 1.0
 */
void
g_temp_file_set_delete_on_close (GTempFile *self,
                                 gboolean   delete_on_close)
{
  g_return_if_fail (G_IS_TEMP_FILE (self));

  delete_on_close = !!delete_on_close;
  if (self->delete_on_close == (guint) delete_on_close)
    return;

  self->delete_on_close = delete_on_close;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DELETE_ON_CLOSE]);
}

/**
 * g_temp_file_is_anonymous:
 * @self: a #GTempFile
 *
 * Gets whether the file has no name in the file system. A persisted file is
 * no longer anonymous.
 *
 * Returns: %TRUE while the file has no name
 *
 * Since: 1.0
 */
gboolean
g_temp_file_is_anonymous (GTempFile *self)
{
  g_return_val_if_fail (G_IS_TEMP_FILE (self), FALSE);

  return self->anonymous;
}

/* Persist ----------------------------------------------------------------- */

static gboolean
sync_file (GTempFile  *self,
           GError    **error)
{
  int fd = self->fd;
  int errsv;

  /* A named file closed with delete-on-close FALSE can still be persisted. */
  if (fd < 0)
    {
      fd = _g_tempfile_sys_open_file (self->name.path);
      if (fd < 0)
        {
          errsv = errno;
          _g_tempfile_set_error_path (error, errsv,
                                      _("Error opening temporary file “%s” to sync it: %s"),
                                      self->name.path);
          return FALSE;
        }
    }

  errsv = _g_tempfile_sys_fsync (fd) == 0 ? 0 : errno;
  if (fd != self->fd)
    _g_tempfile_sys_close (fd);

  if (errsv != 0)
    {
      _g_temp_file_set_op_error (self, G_TEMP_FILE_OP_SYNC, errsv, error);
      return FALSE;
    }

  return TRUE;
}

static gintptr
link_fd_func (const char *path,
              gpointer    user_data)
{
  return _g_tempfile_sys_link_fd (GPOINTER_TO_INT (user_data), path);
}

static void
set_link_error (GTempFile   *self,
                int          errsv,
                const char  *target,
                GError     **error)
{
  _g_tempfile_set_error_paths (error, errsv,
                               _("Error giving an anonymous temporary file in “%s” "
                                 "the name “%s”: %s"),
                               self->dir, target);
}

static gboolean
persist_anonymous (GTempFile   *self,
                   const char  *target,
                   gboolean     no_replace,
                   GError     **error)
{
  int res;

  if (self->hidden_name == NULL)
    {
      g_autofree char *target_dir = NULL;

      /* The mode is set when the file gets a name (DESIGN.md §3): until
       * now nobody else could open it, whatever the umask made of it. */
      if (_g_tempfile_sys_set_private_mode (self->fd) != 0)
        {
          set_link_error (self, errno, target, error);
          return FALSE;
        }

      /* linkat never replaces: it is the no-replace persist itself. */
      if (no_replace)
        {
          if (_g_tempfile_sys_link_fd (self->fd, target) != 0)
            {
              set_link_error (self, errno, target, error);
              return FALSE;
            }
          return TRUE;
        }

      /* To replace: link to a fresh name beside the target, then rename
       * that over the target, which is atomic. */
      target_dir = _g_tempfile_get_parent (target);
      if (_g_tempfile_create (target_dir, ".#tmp", "", G_TEMPFILE_KIND_FILE,
                              link_fd_func, GINT_TO_POINTER (self->fd), &self->hidden_slot,
                              &self->hidden_name, NULL) < 0)
        {
          set_link_error (self, errno, target, error);
          return FALSE;
        }
    }

  /* The file has a name now (this time, or from an earlier persist that
   * failed after this point): it moves into place. */
  if (no_replace)
    res = _g_tempfile_sys_rename_noreplace (self->hidden_name, target, FALSE);
  else
    res = _g_tempfile_sys_rename (self->hidden_name, target);
  if (res != 0)
    {
      /* Kept: unlinked, the file could never get a name again. */
      set_link_error (self, errno, target, error);
      return FALSE;
    }

  g_clear_pointer (&self->hidden_slot, _g_tempfile_registry_release);
  g_clear_pointer (&self->hidden_name, g_free);
  return TRUE;
}

static gboolean
persist_named (GTempFile   *self,
               const char  *target,
               gboolean     no_replace,
               GError     **error)
{
  int res;

  if (no_replace)
    res = _g_tempfile_sys_rename_noreplace (self->name.path, target, FALSE);
  else
    res = _g_tempfile_sys_rename (self->name.path, target);

  if (res != 0)
    {
      int errsv = errno;

      _g_tempfile_set_error_paths (error, errsv,
                                   _("Error moving temporary file “%s” to “%s”: %s"),
                                   self->name.path, target);
      return FALSE;
    }

  return TRUE;
}

/**
 * g_temp_file_persist:
 * @self: a #GTempFile
 * @path: (type filename): the final path of the file; a relative path is
 *   made absolute against the current directory
 * @flags: whether to replace an existing file, and whether to sync
 * @error: return location for a #GError, or %NULL
 *
 * Gives the file its final name atomically and stops treating it as
 * temporary.
 *
 * A named file is renamed: an existing file at @path is replaced atomically,
 * unless %G_TEMP_PERSIST_NO_REPLACE is given, which fails with
 * %G_IO_ERROR_EXISTS instead. An anonymous file is linked into place from its
 * open descriptor; where the system cannot do that (the file was not made
 * with `O_TMPFILE`, or it is already closed), %G_IO_ERROR_NOT_SUPPORTED or
 * %G_IO_ERROR_CLOSED is returned. @path must be on the same file system as
 * the file: otherwise %G_IO_ERROR_NOT_SUPPORTED; create the temporary file
 * in the directory of @path to be sure.
 *
 * With %G_TEMP_PERSIST_SYNC the content is flushed to disk before the rename
 * and the directory of @path after it, so that the result survives a power
 * failure.
 *
 * On success the stream stays open, [property@GTempfile.TempFile:path] and
 * [property@GTempfile.TempFile:file] change,
 * [property@GTempfile.TempFile:delete] becomes %FALSE, an anonymous file is
 * no longer anonymous, and nothing removes the file any more:
 * [method@GTempfile.TempFile.cleanup] only closes the stream.
 *
 * On failure nothing changes, and persist can be called again, with two
 * exceptions. If only the final directory sync fails, the file already has
 * its new name (and the object says so) and the error is still reported.
 * An anonymous file being persisted over an existing target is first given
 * a hidden name beside @path (`.#tmp` and eight random characters), since
 * such a file can be linked only once: if the last step fails, the file
 * keeps that name, still temporary and removed with the file, so that the
 * next persist can finish the job.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 *
 * Since: 1.0
 */
gboolean
g_temp_file_persist (GTempFile          *self,
                     const char         *path,
                     GTempPersistFlags   flags,
                     GError            **error)
{
  g_autofree char *target = NULL;
  gboolean no_replace = (flags & G_TEMP_PERSIST_NO_REPLACE) != 0;
  gboolean was_anonymous;
  gboolean was_deleting;
  gboolean ok;

  g_return_val_if_fail (G_IS_TEMP_FILE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_g_tempfile_check_flags (flags, TEMP_PERSIST_FLAGS_KNOWN, "GTempPersistFlags", error) ||
      !check_initialized (self, error))
    return FALSE;

  if (*path == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("Cannot persist a temporary file to an empty path"));
      return FALSE;
    }

  target = _g_tempfile_make_absolute (path, error);
  if (target == NULL)
    return FALSE;

  if (self->anonymous && self->fd < 0)
    {
      g_autofree char *display = g_filename_display_name (self->dir);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED,
                   _("Cannot persist an anonymous temporary file in “%s”: it was closed, "
                     "so it no longer exists"),
                   display);
      return FALSE;
    }

  if (self->anonymous && !self->linkable)
    {
      g_autofree char *display = g_filename_display_name (self->dir);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("Cannot persist an anonymous temporary file in “%s”: this system cannot "
                     "give a name to a file created without one"),
                   display);
      return FALSE;
    }

  if (!self->anonymous && self->removed)
    {
      g_autofree char *display = g_filename_display_name (self->name.path);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("Cannot persist temporary file “%s”: it was already removed"), display);
      return FALSE;
    }

  if ((flags & G_TEMP_PERSIST_SYNC) != 0 && !sync_file (self, error))
    return FALSE;

  if (self->anonymous)
    ok = persist_anonymous (self, target, no_replace, error);
  else
    ok = persist_named (self, target, no_replace, error);

  if (!ok)
    return FALSE;

  /* The file has its final name now: record that before syncing the
   * directory, whose failure cannot undo the rename. */
  was_anonymous = self->anonymous;
  was_deleting = self->delete;

  _g_tempfile_path_set (&self->name, g_steal_pointer (&target));
  self->anonymous = FALSE;
  self->delete = FALSE;
  self->persisted = TRUE;
  g_clear_pointer (&self->slot, _g_tempfile_registry_release);

  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PATH]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILE]);
  if (was_anonymous)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ANONYMOUS]);
  if (was_deleting)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DELETE]);
  g_object_thaw_notify (G_OBJECT (self));

  if ((flags & G_TEMP_PERSIST_SYNC) != 0 && !_g_tempfile_sync_parent (self->name.path, error))
    return FALSE;

  return TRUE;
}

/* Cleanup ----------------------------------------------------------------- */

/**
 * g_temp_file_cleanup:
 * @self: a #GTempFile
 * @cancellable: (nullable): a #GCancellable, or %NULL
 * @error: return location for a #GError, or %NULL
 *
 * Closes the stream, if it is open, and removes the file now, whatever
 * [property@GTempfile.TempFile:delete] says. Unlike disposal, it reports
 * errors.
 *
 * A file that is already gone (removed or renamed away by someone else) is
 * not an error. After [method@GTempfile.TempFile.persist] the file is no
 * longer temporary: cleanup only closes the stream.
 *
 * Cleanup can be called again: after a failure it retries, after a success
 * it does nothing and returns %TRUE. An object that was never created owns
 * nothing, so it has nothing to clean up either.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 *
 * Since: 1.0
 */
gboolean
g_temp_file_cleanup (GTempFile     *self,
                     GCancellable  *cancellable,
                     GError       **error)
{
  GError *local_error = NULL;

  g_return_val_if_fail (G_IS_TEMP_FILE (self), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->cleaned_up || !is_initialized (self))
    return TRUE;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  if (!g_io_stream_is_closed (G_IO_STREAM (self)))
    g_io_stream_close (G_IO_STREAM (self), cancellable, &local_error);
  else if (self->fd >= 0)
    {
      /* An earlier close was refused because an operation was pending,
       * and GIO marked the stream closed all the same: finish the job
       * now, unless that operation is still running. */
      if (halves_pending (self))
        g_set_error_literal (&local_error, G_IO_ERROR, G_IO_ERROR_PENDING,
                             _("Stream has outstanding operation"));
      else
        really_close (self, &local_error);
    }

  if (owns_name (self))
    remove_name (self, local_error == NULL ? &local_error : NULL);

  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  self->cleaned_up = TRUE;
  return TRUE;
}
