/* gtemp-dir.c: GTempDir, a temporary directory removed with its contents
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>

#include "gtempfile.h"
#include "gtempfile-create-private.h"
#include "gtempfile-error-private.h"
#include "gtempfile-names-private.h"
#include "gtempfile-object-private.h"
#include "gtempfile-rmtree-private.h"
#include "gtempfile-tempdir-private.h"

/**
 * GTempDir:
 *
 * A temporary directory that is removed, with everything in it, when it is
 * no longer needed: Python's `TemporaryDirectory`.
 *
 * ```c
 * g_autoptr(GError) error = NULL;
 * g_autoptr(GTempDir) scratch = g_temp_dir_new (&error);
 * g_autofree char *archive = NULL;
 *
 * if (scratch == NULL)
 *   return FALSE;
 * archive = g_build_filename (g_temp_dir_get_path (scratch), "data.tar", NULL);
 * // ... unpack, build, work in the directory ...
 * // it is removed, with its contents, when the last reference goes
 * ```
 *
 * The directory has mode `0700` and a name made as for
 * [func@GTempfile.mkdtemp]. While the object lives it keeps the directory
 * open and holds a shared `flock()` on it, so `systemd-tmpfiles` does not
 * age it away from under a long-running program. The locks never take more
 * than a bounded share of the process's descriptors: at most 256 are held at
 * once, and at most an eighth of the `RLIMIT_NOFILE` soft limit (as it was
 * when the first directory was made). A directory made beyond that holds no
 * descriptor and no lock, and is the same in every other way, so a program
 * can keep any number of temporary directories alive.
 *
 * ## When the directory is removed
 *
 * When the object is disposed or the process exits, if
 * [property@GTempfile.TempDir:delete] is %TRUE (the default). "Exits" means
 * a normal exit, and also SIGINT, SIGTERM and SIGHUP once
 * [func@GTempfile.install_signal_handlers] was called; only the process
 * that created the directory removes it automatically, never a child made
 * with fork(). [method@GTempfile.TempDir.cleanup] (or
 * [method@GTempfile.TempDir.cleanup_async]) removes it now whatever
 * `delete` says, and reports errors; disposal reports none. Cleanup can be
 * called again: after a success it does nothing, after a failure it tries
 * again.
 *
 * ## A removal that cannot be tricked
 *
 * Removing a tree that other programs can change is a classic source of
 * security holes: a directory swapped for a symbolic link at the right
 * moment sends a naive `rm -rf` into someone else's files. The removal here
 * walks the tree through directory descriptors only, never follows a
 * symbolic link (a link is removed; what it points to is untouched), checks
 * that each directory it enters is the one it listed, does not enter other
 * file systems (a mount point inside is reported, not emptied), and repairs
 * missing permissions through descriptors, never through a path. It works
 * for trees of any depth with a few dozen descriptors at most.
 *
 * Removal goes on past entries it cannot remove and reports the first
 * failure with its path, unless [property@GTempfile.TempDir:ignore-cleanup-errors]
 * is set. If the directory is gone (removed, or renamed away by someone
 * else), cleanup succeeds and does nothing. If the path now names something
 * else (a symbolic link or another directory put in its place), nothing is
 * touched and %G_IO_ERROR_WRONG_ETAG says so.
 *
 * ## Keeping it
 *
 * [method@GTempfile.TempDir.persist] renames the directory into its final
 * place. After that the object owns nothing: cleanup does nothing.
 *
 * Since: 1.0
 */

struct _GTempDir
{
  GObject        parent_instance;

  /* As given at construction; once created, what was actually used. */
  char          *dir;
  char          *prefix;
  char          *suffix;

  GTempfilePath  name;
  GError        *init_error;

  /* The directory, holding the flock; none when it holds no lock (see
   * lock_budget()) and once it is no longer ours. */
  GTempfileSysHandle handle;
  GTempfileSysId  id;
  gint64          pid;    /* the process that created it */
  GTempfileSlot *slot;    /* registered for removal at exit while delete is set */

  int            cleaning;  /* atomic: the fork generation of the process
                             * whose cleanup is running, or 0 (DESIGN.md §4) */

  guint          init_done : 1;
  guint          delete : 1;
  guint          ignore_cleanup_errors : 1;
  guint          persisted : 1;
  guint          cleaned_up : 1;
  guint          created_notified : 1;
};

enum {
  PROP_0,
  PROP_DIR,
  PROP_PREFIX,
  PROP_SUFFIX,
  PROP_DELETE,
  PROP_IGNORE_CLEANUP_ERRORS,
  PROP_PATH,
  PROP_FILE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

#define TEMP_DIR_FLAGS_KNOWN (G_TEMP_DIR_FLAGS_KEEP | G_TEMP_DIR_FLAGS_IGNORE_CLEANUP_ERRORS)
#define TEMP_PERSIST_FLAGS_KNOWN (G_TEMP_PERSIST_NO_REPLACE | G_TEMP_PERSIST_SYNC)

static void g_temp_dir_initable_iface_init       (GInitableIface      *iface);
static void g_temp_dir_async_initable_iface_init (GAsyncInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GTempDir, g_temp_dir, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE,
                                                      g_temp_dir_initable_iface_init)
                               G_IMPLEMENT_INTERFACE (G_TYPE_ASYNC_INITABLE,
                                                      g_temp_dir_async_initable_iface_init))

/* Internal helpers -------------------------------------------------------- */

static gboolean
is_initialized (GTempDir *self)
{
  return self->init_done && self->init_error == NULL;
}

static gboolean
check_initialized (GTempDir  *self,
                   GError   **error)
{
  if (is_initialized (self))
    return TRUE;

  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                       _("The temporary directory was not created: "
                         "initialize it with g_initable_init() first"));
  return FALSE;
}

/* Locks --------------------------------------------------------------------
 *
 * Each lock is an open descriptor, and a program may keep any number of
 * temporary directories alive (Python programs keep thousands of
 * TemporaryDirectory objects). So the locks never take more than a bounded
 * share of the process's descriptors (DESIGN.md §4): at most 256, and at
 * most an eighth of the RLIMIT_NOFILE soft limit as it was when the first
 * directory was made. A directory made beyond that holds no descriptor and
 * no lock, and is the same in every other way: it is recognised by device
 * and inode, and removed by the same walk. */

#define MAX_LOCKS 256

static int held_locks;   /* atomic */

static int
lock_budget (void)
{
  static gsize budget = 0;

  if (g_once_init_enter (&budget))
    {
      guint64 limit = _g_tempfile_sys_descriptor_limit ();
      gsize n = MAX_LOCKS;

      if (limit > 0)
        n = MIN (n, limit / 8);
      /* g_once_init_leave() wants non-zero: store one more. */
      g_once_init_leave (&budget, n + 1);
    }
  return (int) budget - 1;
}

/* Takes one of the budget's locks, or says there is none left. */
static gboolean
reserve_lock (void)
{
  int budget = lock_budget ();
  int held = g_atomic_int_get (&held_locks);

  do
    {
      if (held >= budget)
        return FALSE;
    }
  while (!g_atomic_int_compare_and_exchange_full (&held_locks, held, held + 1, &held));

  return TRUE;
}

/* Lets go of the directory: closing the descriptor drops the flock. */
static void
release (GTempDir *self)
{
  if (self->handle == GTEMPFILE_SYS_NO_HANDLE)
    return;
  _g_tempfile_sys_dir_close (self->handle);
  self->handle = GTEMPFILE_SYS_NO_HANDLE;
  g_atomic_int_add (&held_locks, -1);
}

/* Keeps the registration for removal at exit in step with "delete". */
static void
update_registration (GTempDir *self)
{
  gboolean wanted = self->delete && is_initialized (self) && !self->persisted &&
                    !self->cleaned_up && self->pid == _g_tempfile_sys_getpid ();

  if (wanted && self->slot == NULL)
    self->slot = _g_tempfile_registry_add (G_TEMPFILE_KIND_DIRECTORY, self->name.path, &self->id);
  else if (!wanted && self->slot != NULL)
    g_clear_pointer (&self->slot, _g_tempfile_registry_release);
}

/* Only one cleanup at a time: a second one while the first runs (in a
 * worker thread, for cleanup_async) fails at once, as GIO streams do. One
 * that was running in the parent when this process was forked is not
 * running here: the child's own cleanup goes ahead. */
static gboolean
begin_cleanup (GTempDir  *self,
               GError   **error)
{
  int current = (int) _g_tempfile_sys_fork_generation ();
  int running = g_atomic_int_get (&self->cleaning);

  if ((running == 0 || running != current) &&
      g_atomic_int_compare_and_exchange (&self->cleaning, running, current))
    return TRUE;

  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PENDING,
                       _("The temporary directory is busy: another cleanup or persist of it is running"));
  return FALSE;
}

static void
end_cleanup (GTempDir *self)
{
  g_atomic_int_set (&self->cleaning, 0);
}

/* The cleanup itself, also run in a worker thread by cleanup_async. */
static gboolean
cleanup_now (GTempDir      *self,
             GCancellable  *cancellable,
             GError       **error)
{
  GError *local_error = NULL;

  if (self->cleaned_up || self->persisted || !is_initialized (self))
    return TRUE;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  if (_g_tempfile_remove_dir (self->name.path, &self->id, self->handle, FALSE,
                              cancellable, &local_error))
    {
      /* Removed first, unregistered after: an exit in between finds
       * nothing. */
      g_clear_pointer (&self->slot, _g_tempfile_registry_release);
      release (self);
      self->cleaned_up = TRUE;
      return TRUE;
    }

  /* Cancelling is not a cleanup error: it is always reported. */
  if (self->ignore_cleanup_errors &&
      !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_clear_error (&local_error);
      return TRUE;
    }

  g_propagate_error (error, local_error);
  return FALSE;
}

/* GObject ----------------------------------------------------------------- */

static void
g_temp_dir_dispose (GObject *object)
{
  GTempDir *self = G_TEMP_DIR (object);

  /* Never in a child made with fork(): the parent still uses it. */
  if (self->delete && self->pid == _g_tempfile_sys_getpid ())
    {
      g_autoptr(GError) error = NULL;

      /* On failure the directory stays registered: removal is tried again
       * at exit. */
      if (!cleanup_now (self, NULL, &error) && error != NULL)
        g_debug ("%s", error->message);
    }
  else
    g_clear_pointer (&self->slot, _g_tempfile_registry_release);
  release (self);

  G_OBJECT_CLASS (g_temp_dir_parent_class)->dispose (object);
}

static void
g_temp_dir_finalize (GObject *object)
{
  GTempDir *self = G_TEMP_DIR (object);

  _g_tempfile_path_clear (&self->name);
  g_clear_error (&self->init_error);
  g_free (self->dir);
  g_free (self->prefix);
  g_free (self->suffix);

  G_OBJECT_CLASS (g_temp_dir_parent_class)->finalize (object);
}

static void
g_temp_dir_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  GTempDir *self = G_TEMP_DIR (object);

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

    case PROP_DELETE:
      g_value_set_boolean (value, g_temp_dir_get_delete (self));
      break;

    case PROP_IGNORE_CLEANUP_ERRORS:
      g_value_set_boolean (value, g_temp_dir_get_ignore_cleanup_errors (self));
      break;

    case PROP_PATH:
      g_value_set_string (value, g_temp_dir_get_path (self));
      break;

    case PROP_FILE:
      g_value_set_object (value, g_temp_dir_get_file (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
g_temp_dir_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  GTempDir *self = G_TEMP_DIR (object);

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

    case PROP_DELETE:
      g_temp_dir_set_delete (self, g_value_get_boolean (value));
      break;

    case PROP_IGNORE_CLEANUP_ERRORS:
      g_temp_dir_set_ignore_cleanup_errors (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* Creation ---------------------------------------------------------------- */

/* Creates the directory. It may run in a worker thread, so it notifies
 * nothing. */
static gboolean
create_dir (gpointer       object,
            GCancellable  *cancellable,
            GError       **error)
{
  GTempDir *self = object;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  const char *prefix;
  const char *suffix;
  GError *local_error = NULL;
  GTempfileSysStat st;
  GTempfileSysHandle handle = GTEMPFILE_SYS_NO_HANDLE;
  const char *used_dir = NULL;

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

  /* An absolute directory is used as it is, without a copy. */
  if (!g_cancellable_set_error_if_cancelled (cancellable, &local_error) &&
      _g_tempfile_check_affixes (prefix, suffix, &local_error))
    {
      if (self->dir != NULL && g_path_is_absolute (self->dir))
        used_dir = self->dir;
      else
        used_dir = dir = _g_tempfile_resolve_dir (self->dir, &local_error);
    }

  if (used_dir != NULL)
    handle = _g_tempfile_create (used_dir, prefix, suffix, G_TEMPFILE_KIND_DIRECTORY,
                                 _g_tempfile_create_open_dir_func, NULL,
                                 self->delete ? &self->slot : NULL, &path, &local_error);

  /* The registry looked at the new directory already, when it has a slot. */
  if (handle != GTEMPFILE_SYS_NO_HANDLE &&
      !(self->slot != NULL && _g_tempfile_registry_get_identity (self->slot, &st.id)) &&
      _g_tempfile_sys_dir_stat (handle, &st) != 0)
    {
      int errsv = errno;

      _g_tempfile_sys_dir_close (handle);
      handle = GTEMPFILE_SYS_NO_HANDLE;
      if (_g_tempfile_sys_rmdir (path) == 0)
        g_clear_pointer (&self->slot, _g_tempfile_registry_release);
      _g_tempfile_set_error_path (&local_error, errsv,
                                  _("Error creating a temporary directory in “%s”: %s"),
                                  used_dir);
    }

  self->init_done = TRUE;

  if (handle == GTEMPFILE_SYS_NO_HANDLE)
    {
      self->init_error = g_error_copy (local_error);
      g_propagate_error (error, local_error);
      return FALSE;
    }

  /* Shared: systemd-tmpfiles tries an exclusive lock before aging a
   * directory, and skips it while anyone holds one. Beyond the budget, or
   * where the lock fails, the directory is kept without a descriptor. */
  if (!reserve_lock ())
    {
      _g_tempfile_sys_dir_close (handle);
      handle = GTEMPFILE_SYS_NO_HANDLE;
    }
  else if (_g_tempfile_sys_dir_lock_shared (handle) != 0)
    {
      g_debug ("Could not lock “%s”: %s", path, g_strerror (errno));
      _g_tempfile_sys_dir_close (handle);
      handle = GTEMPFILE_SYS_NO_HANDLE;
      g_atomic_int_add (&held_locks, -1);
    }

  self->handle = handle;
  self->id = st.id;
  self->pid = _g_tempfile_sys_getpid ();
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

/* The properties that creation filled in, announced in the caller's thread. */
static void
notify_created (GTempDir *self)
{
  if (self->created_notified)
    return;
  self->created_notified = TRUE;

  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DIR]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PREFIX]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUFFIX]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PATH]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILE]);
  g_object_thaw_notify (G_OBJECT (self));
}

static gboolean
g_temp_dir_initable_init (GInitable     *initable,
                          GCancellable  *cancellable,
                          GError       **error)
{
  if (!create_dir (initable, cancellable, error))
    return FALSE;

  notify_created (G_TEMP_DIR (initable));
  return TRUE;
}

static void
g_temp_dir_initable_iface_init (GInitableIface *iface)
{
  iface->init = g_temp_dir_initable_init;
}

static void
g_temp_dir_init_async (GAsyncInitable      *initable,
                       int                  io_priority,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  _g_tempfile_init_async (initable, create_dir, io_priority, cancellable, callback, user_data);
}

static gboolean
g_temp_dir_init_finish (GAsyncInitable  *initable,
                        GAsyncResult    *result,
                        GError         **error)
{
  if (!_g_tempfile_init_finish (initable, result, error))
    return FALSE;

  notify_created (G_TEMP_DIR (initable));
  return TRUE;
}

static void
g_temp_dir_async_initable_iface_init (GAsyncInitableIface *iface)
{
  iface->init_async = g_temp_dir_init_async;
  iface->init_finish = g_temp_dir_init_finish;
}

/* Class ------------------------------------------------------------------- */

static void
g_temp_dir_class_init (GTempDirClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = g_temp_dir_dispose;
  object_class->finalize = g_temp_dir_finalize;
  object_class->get_property = g_temp_dir_get_property;
  object_class->set_property = g_temp_dir_set_property;

  /**
   * GTempDir:dir: (type filename)
   *
   * The directory to create the temporary directory in, or %NULL for the
   * default directory ([func@GTempfile.get_tempdir]). A relative directory is
   * made absolute against the current directory.
   *
   * Once created, this holds the absolute directory that was used. Paths are
   * file-system bytes: in bindings, prefer [ctor@GTempfile.TempDir.new_full],
   * which accepts any bytes.
   *
   * Since: 1.0
   */
  properties[PROP_DIR] = _g_tempfile_param_spec_path ("dir");

  /**
   * GTempDir:prefix: (type filename)
   *
   * The start of the name, or %NULL for `"tmp"`. It must not contain `/`.
   * Once created, this holds the prefix that was used.
   *
   * Since: 1.0
   */
  properties[PROP_PREFIX] = _g_tempfile_param_spec_path ("prefix");

  /**
   * GTempDir:suffix: (type filename)
   *
   * The end of the name, or %NULL for none. It must not contain `/`. Once
   * created, this holds the suffix that was used.
   *
   * Since: 1.0
   */
  properties[PROP_SUFFIX] = _g_tempfile_param_spec_path ("suffix");

  /**
   * GTempDir:delete:
   *
   * Whether the directory is removed, with everything in it, when the object
   * is disposed. It becomes %FALSE after a successful
   * [method@GTempfile.TempDir.persist], and can no longer be changed then.
   *
   * Since: 1.0
   */
  properties[PROP_DELETE] =
    g_param_spec_boolean ("delete", NULL, NULL,
                          TRUE,
                          G_PARAM_READWRITE |
                          G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * GTempDir:ignore-cleanup-errors:
   *
   * Whether [method@GTempfile.TempDir.cleanup] hides failures: it removes
   * what it can and returns %TRUE, like Python's `ignore_cleanup_errors`.
   * Cancellation is still reported.
   *
   * Since: 1.0
   */
  properties[PROP_IGNORE_CLEANUP_ERRORS] =
    g_param_spec_boolean ("ignore-cleanup-errors", NULL, NULL,
                          FALSE,
                          G_PARAM_READWRITE |
                          G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * GTempDir:path: (type filename)
   *
   * The absolute path of the directory. It changes when
   * [method@GTempfile.TempDir.persist] succeeds.
   *
   * Since: 1.0
   */
  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL,
                         NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * GTempDir:file:
   *
   * A [iface@Gio.File] for [property@GTempfile.TempDir:path].
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
g_temp_dir_init (GTempDir *self)
{
  self->handle = GTEMPFILE_SYS_NO_HANDLE;
  self->delete = TRUE;
}

/**
 * g_temp_dir_new:
 * @error: return location for a #GError, or %NULL
 *
 * Creates a temporary directory in the default directory
 * ([func@GTempfile.get_tempdir]), with the prefix `"tmp"`. It is removed,
 * with everything in it, when the object is disposed.
 *
 * See [ctor@GTempfile.TempDir.new_full] for the errors.
 *
 * Returns: (transfer full): the new temporary directory, or %NULL with
 *   @error set
 *
 * Since: 1.0
 */
GTempDir *
g_temp_dir_new (GError **error)
{
  return g_temp_dir_new_full (NULL, NULL, NULL, G_TEMP_DIR_FLAGS_NONE, NULL, error);
}

/**
 * g_temp_dir_new_full:
 * @dir: (type filename) (nullable): the directory to create it in, or %NULL
 *   for the default directory ([func@GTempfile.get_tempdir])
 * @prefix: (type filename) (nullable): the start of the name, or %NULL for
 *   `"tmp"`
 * @suffix: (type filename) (nullable): the end of the name, or %NULL for none
 * @flags: when the directory is removed and how errors are reported
 * @cancellable: (nullable): a #GCancellable, or %NULL
 * @error: return location for a #GError, or %NULL
 *
 * Creates a temporary directory, like Python's `TemporaryDirectory`.
 *
 * Names are made as for [func@GTempfile.mkdtemp]: @dir, @prefix, eight
 * random characters and @suffix; the directory has mode `0700`.
 *
 * Errors are in the `G_IO_ERROR` domain with a message that names the
 * directory or the bad argument: %G_IO_ERROR_INVALID_ARGUMENT for a @prefix
 * or @suffix that contains `/` or for unknown @flags,
 * %G_IO_ERROR_FILENAME_TOO_LONG, %G_IO_ERROR_NOT_FOUND,
 * %G_IO_ERROR_NOT_DIRECTORY, %G_IO_ERROR_PERMISSION_DENIED,
 * %G_IO_ERROR_NO_SPACE, %G_IO_ERROR_EXISTS (no free name after 10 000
 * attempts) and %G_IO_ERROR_CANCELLED. When it fails, nothing is left in the
 * file system.
 *
 * Returns: (transfer full): the new temporary directory, or %NULL with
 *   @error set
 *
 * Since: 1.0
 */
GTempDir *
g_temp_dir_new_full (const char     *dir,
                     const char     *prefix,
                     const char     *suffix,
                     GTempDirFlags   flags,
                     GCancellable   *cancellable,
                     GError        **error)
{
  g_autoptr(GTempDir) self = NULL;

  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!_g_tempfile_check_flags (flags, TEMP_DIR_FLAGS_KNOWN, "GTempDirFlags", error))
    return NULL;

  /* What g_initable_new() with the five properties does, without looking
   * each of them up by name or notifying them. */
  self = g_object_new (G_TYPE_TEMP_DIR, NULL);
  self->dir = g_strdup (dir);
  self->prefix = g_strdup (prefix);
  self->suffix = g_strdup (suffix);
  self->delete = (flags & G_TEMP_DIR_FLAGS_KEEP) == 0;
  self->ignore_cleanup_errors = (flags & G_TEMP_DIR_FLAGS_IGNORE_CLEANUP_ERRORS) != 0;
  /* No one can have connected to "notify" yet: nothing to announce. */
  self->created_notified = TRUE;

  /* g_initable_init() without looking up the interface. */
  if (!g_temp_dir_initable_init (G_INITABLE (self), cancellable, error))
    return NULL;   /* self is released with the error, as g_initable_new() does */
  return g_steal_pointer (&self);
}

/**
 * g_temp_dir_create_async:
 * @dir: (type filename) (nullable): the directory to create it in, or %NULL
 *   for the default directory
 * @prefix: (type filename) (nullable): the start of the name, or %NULL for
 *   `"tmp"`
 * @suffix: (type filename) (nullable): the end of the name, or %NULL for none
 * @flags: when the directory is removed and how errors are reported
 * @io_priority: the I/O priority of the request, for instance
 *   %G_PRIORITY_DEFAULT
 * @cancellable: (nullable): a #GCancellable, or %NULL
 * @callback: (scope async): called when the directory is created or
 *   creation failed
 * @user_data: data for @callback
 *
 * Creates a temporary directory in a worker thread, like
 * [ctor@GTempfile.TempDir.new_full]. Call
 * [func@GTempfile.TempDir.create_finish] from @callback to get the result.
 *
 * Cancelling stops the creation if the directory does not exist yet; once
 * it exists, it is returned anyway, so that nothing is left without an
 * owner.
 *
 * Since: 1.0
 */
void
g_temp_dir_create_async (const char          *dir,
                         const char          *prefix,
                         const char          *suffix,
                         GTempDirFlags        flags,
                         int                  io_priority,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  GError *error = NULL;

  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  if (!_g_tempfile_check_flags (flags, TEMP_DIR_FLAGS_KNOWN, "GTempDirFlags", &error))
    {
      g_task_report_error (NULL, callback, user_data, g_temp_dir_create_async, error);
      return;
    }

  g_async_initable_new_async (G_TYPE_TEMP_DIR, io_priority, cancellable, callback, user_data,
                              "dir", dir,
                              "prefix", prefix,
                              "suffix", suffix,
                              "delete", (flags & G_TEMP_DIR_FLAGS_KEEP) == 0,
                              "ignore-cleanup-errors",
                              (flags & G_TEMP_DIR_FLAGS_IGNORE_CLEANUP_ERRORS) != 0,
                              NULL);
}

/**
 * g_temp_dir_create_finish:
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError, or %NULL
 *
 * Finishes [func@GTempfile.TempDir.create_async].
 *
 * Returns: (transfer full): the new temporary directory, or %NULL with
 *   @error set
 *
 * Since: 1.0
 */
GTempDir *
g_temp_dir_create_finish (GAsyncResult  *result,
                          GError       **error)
{
  g_autoptr(GObject) source = NULL;
  GObject *object;

  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_async_result_is_tagged (result, g_temp_dir_create_async))
    return g_task_propagate_pointer (G_TASK (result), error);

  source = g_async_result_get_source_object (result);
  g_return_val_if_fail (G_IS_TEMP_DIR (source), NULL);

  object = g_async_initable_new_finish (G_ASYNC_INITABLE (source), result, error);
  return object != NULL ? G_TEMP_DIR (object) : NULL;
}

/* Accessors --------------------------------------------------------------- */

/**
 * g_temp_dir_get_path:
 * @self: a #GTempDir
 *
 * Gets the absolute path of the directory, like the `name` of Python's
 * `TemporaryDirectory`. After [method@GTempfile.TempDir.persist] it is the
 * new path. It stays set after the directory has been removed.
 *
 * The string belongs to @self and stays valid as long as @self lives, even
 * after a persist gives the directory another path.
 *
 * Returns: (transfer none) (type filename) (nullable): the path, or %NULL if
 *   the directory was not created
 *
 * Since: 1.0
 */
const char *
g_temp_dir_get_path (GTempDir *self)
{
  g_return_val_if_fail (G_IS_TEMP_DIR (self), NULL);

  return self->name.path;
}

/**
 * g_temp_dir_get_file:
 * @self: a #GTempDir
 *
 * Gets a [iface@Gio.File] for the path of the directory. It belongs to
 * @self and stays valid as long as @self lives.
 *
 * Returns: (transfer none) (nullable): the file, or %NULL if the directory
 *   was not created
 *
 * Since: 1.0
 */
GFile *
g_temp_dir_get_file (GTempDir *self)
{
  g_return_val_if_fail (G_IS_TEMP_DIR (self), NULL);

  return _g_tempfile_path_get_file (&self->name);
}

/**
 * g_temp_dir_get_delete:
 * @self: a #GTempDir
 *
 * Gets the value of [property@GTempfile.TempDir:delete].
 *
 * Returns: whether the directory is removed when the object is disposed
 *
 * Since: 1.0
 */
gboolean
g_temp_dir_get_delete (GTempDir *self)
{
  g_return_val_if_fail (G_IS_TEMP_DIR (self), FALSE);

  return self->delete;
}

/**
 * g_temp_dir_set_delete:
 * @self: a #GTempDir
 * @delete_: whether to remove the directory when the object is disposed
 *
 * Sets [property@GTempfile.TempDir:delete]. It has no effect after the
 * directory was persisted.
 *
 * Since: 1.0
 */
void
g_temp_dir_set_delete (GTempDir *self,
                       gboolean  delete_)
{
  g_return_if_fail (G_IS_TEMP_DIR (self));

  delete_ = !!delete_;
  if (self->persisted || self->delete == (guint) delete_)
    return;

  self->delete = delete_;
  update_registration (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DELETE]);
}

/**
 * g_temp_dir_get_ignore_cleanup_errors:
 * @self: a #GTempDir
 *
 * Gets the value of [property@GTempfile.TempDir:ignore-cleanup-errors].
 *
 * Returns: whether cleanup hides failures
 *
 * Since: 1.0
 */
gboolean
g_temp_dir_get_ignore_cleanup_errors (GTempDir *self)
{
  g_return_val_if_fail (G_IS_TEMP_DIR (self), FALSE);

  return self->ignore_cleanup_errors;
}

/**
 * g_temp_dir_set_ignore_cleanup_errors:
 * @self: a #GTempDir
 * @ignore_cleanup_errors: whether cleanup hides failures
 *
 * Sets [property@GTempfile.TempDir:ignore-cleanup-errors].
 *
 * Since: 1.0
 */
void
g_temp_dir_set_ignore_cleanup_errors (GTempDir *self,
                                      gboolean  ignore_cleanup_errors)
{
  g_return_if_fail (G_IS_TEMP_DIR (self));

  ignore_cleanup_errors = !!ignore_cleanup_errors;
  if (self->ignore_cleanup_errors == (guint) ignore_cleanup_errors)
    return;

  self->ignore_cleanup_errors = ignore_cleanup_errors;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IGNORE_CLEANUP_ERRORS]);
}

/* Cleanup ----------------------------------------------------------------- */

/**
 * g_temp_dir_cleanup:
 * @self: a #GTempDir
 * @cancellable: (nullable): a #GCancellable, checked between entries
 * @error: return location for a #GError, or %NULL
 *
 * Removes the directory and everything in it now, whatever
 * [property@GTempfile.TempDir:delete] says, like Python's
 * `TemporaryDirectory.cleanup()`.
 *
 * The removal cannot be redirected outside the directory (see the class
 * description). It goes on past entries it cannot remove and reports the
 * first failure with its path; with
 * [property@GTempfile.TempDir:ignore-cleanup-errors] it reports nothing and
 * returns %TRUE. A mount point inside is reported with %G_IO_ERROR_BUSY and
 * left alone.
 *
 * If nothing is at the path any more (removed, or renamed away by someone
 * else), this succeeds and does nothing. If the path names something other
 * than the directory that was created, nothing is touched and
 * %G_IO_ERROR_WRONG_ETAG is returned. After
 * [method@GTempfile.TempDir.persist] there is nothing to clean up.
 *
 * Cancelling stops between two entries and leaves a consistent, partly
 * removed tree with %G_IO_ERROR_CANCELLED; a later cleanup finishes it.
 * Once cleanup has succeeded, further calls do nothing and return %TRUE.
 * A cleanup called while another one on the same object is running (see
 * [method@GTempfile.TempDir.cleanup_async]) fails at once with
 * %G_IO_ERROR_PENDING, as GIO streams do.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 *
 * Since: 1.0
 */
gboolean
g_temp_dir_cleanup (GTempDir      *self,
                    GCancellable  *cancellable,
                    GError       **error)
{
  gboolean res;

  g_return_val_if_fail (G_IS_TEMP_DIR (self), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!begin_cleanup (self, error))
    return FALSE;
  res = cleanup_now (self, cancellable, error);
  end_cleanup (self);
  return res;
}

static void
cleanup_in_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  GTempDir *self = source_object;
  GError *error = NULL;
  gboolean res;

  res = cleanup_now (self, cancellable, &error);
  /* Before the callback runs, so that it may clean up again. */
  end_cleanup (self);
  if (res)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/**
 * g_temp_dir_cleanup_async:
 * @self: a #GTempDir
 * @io_priority: the I/O priority of the request, for instance
 *   %G_PRIORITY_DEFAULT
 * @cancellable: (nullable): a #GCancellable, checked between entries
 * @callback: (scope async): called when the cleanup is done
 * @user_data: data for @callback
 *
 * Removes the directory and everything in it in a worker thread, as
 * [method@GTempfile.TempDir.cleanup] does. Call
 * [method@GTempfile.TempDir.cleanup_finish] from @callback to get the
 * result. Until then, another cleanup or a persist of @self fails with
 * %G_IO_ERROR_PENDING.
 *
 * Since: 1.0
 */
void
g_temp_dir_cleanup_async (GTempDir            *self,
                          int                  io_priority,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;

  g_return_if_fail (G_IS_TEMP_DIR (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, g_temp_dir_cleanup_async);
  g_task_set_priority (task, io_priority);

  if (!begin_cleanup (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_run_in_thread (task, cleanup_in_thread);
}

/**
 * g_temp_dir_cleanup_finish:
 * @self: a #GTempDir
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError, or %NULL
 *
 * Finishes [method@GTempfile.TempDir.cleanup_async].
 *
 * Returns: %TRUE on success, %FALSE with @error set
 *
 * Since: 1.0
 */
gboolean
g_temp_dir_cleanup_finish (GTempDir      *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (G_IS_TEMP_DIR (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == g_temp_dir_cleanup_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Persist ----------------------------------------------------------------- */

/* Flushes everything in the directory's file system to disk. A directory
 * that holds no lock is opened for it, and checked to be ours. */
/* Flushes everything on the directory's file system to disk. A directory
 * that holds no lock is opened for it, and checked to be ours. */
static gboolean
sync_contents (GTempDir  *self,
               GError   **error)
{
  GTempfileSysHandle handle = self->handle;
  GTempfileSysId id;
  int errsv = 0;

  if (handle == GTEMPFILE_SYS_NO_HANDLE)
    {
      handle = _g_tempfile_sys_dir_open (self->name.path, &id);
      if (handle == GTEMPFILE_SYS_NO_HANDLE)
        errsv = errno;
      else if (!_g_tempfile_sys_id_equal (&id, &self->id))
        errsv = ESTALE;
    }

  if (errsv == 0 && _g_tempfile_sys_sync_fs (handle) != 0)
    errsv = errno;
  if (handle != self->handle)
    _g_tempfile_sys_dir_close (handle);

  /* A directory its owner cannot read (made under a umask such as 0477,
   * and held, if at all, by a handle that cannot sync): the same file
   * system, through the parent. SYNC adds durability; it never makes a
   * persist fail that works without it. */
  if (errsv == EACCES || errsv == EBADF)
    {
      g_autofree char *parent = _g_tempfile_get_parent (self->name.path);

      errsv = 0;
      handle = _g_tempfile_sys_dir_open (parent, NULL);
      if (handle == GTEMPFILE_SYS_NO_HANDLE || _g_tempfile_sys_sync_fs (handle) != 0)
        errsv = errno;
      if (handle != GTEMPFILE_SYS_NO_HANDLE)
        _g_tempfile_sys_dir_close (handle);
    }

  if (errsv != 0)
    {
      _g_tempfile_set_error_path (error, errsv,
                                  _("Error syncing temporary directory “%s” to disk: %s"),
                                  self->name.path);
      return FALSE;
    }
  return TRUE;
}

static gboolean persist_now (GTempDir           *self,
                             const char         *path,
                             GTempPersistFlags   flags,
                             GError            **error);

/**
 * g_temp_dir_persist:
 * @self: a #GTempDir
 * @path: (type filename): the final path of the directory; a relative path
 *   is made absolute against the current directory
 * @flags: whether to replace an existing empty directory, and whether to
 *   sync
 * @error: return location for a #GError, or %NULL
 *
 * Renames the directory to its final path and stops treating it as
 * temporary.
 *
 * This follows rename(2): an empty directory at @path is replaced; a
 * non-empty one is not, and %G_IO_ERROR_NOT_EMPTY (or %G_IO_ERROR_EXISTS on
 * some file systems) is returned; a file at @path gives
 * %G_IO_ERROR_NOT_DIRECTORY. With %G_TEMP_PERSIST_NO_REPLACE nothing at
 * @path is ever replaced: %G_IO_ERROR_EXISTS. @path must be on the same
 * file system.
 *
 * With %G_TEMP_PERSIST_SYNC everything in the directory's file system is
 * flushed to disk before the rename (syncfs(2)), and the directory holding
 * @path after it.
 *
 * On success [property@GTempfile.TempDir:path] and
 * [property@GTempfile.TempDir:file] change,
 * [property@GTempfile.TempDir:delete] becomes %FALSE, the lock is released,
 * and the object owns nothing any more. On failure nothing changes, except
 * that the error of a final directory sync is reported after the rename was
 * done.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 *
 * Since: 1.0
 */
gboolean
g_temp_dir_persist (GTempDir           *self,
                    const char         *path,
                    GTempPersistFlags   flags,
                    GError            **error)
{
  gboolean res;

  g_return_val_if_fail (G_IS_TEMP_DIR (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_g_tempfile_check_flags (flags, TEMP_PERSIST_FLAGS_KNOWN, "GTempPersistFlags", error) ||
      !check_initialized (self, error))
    return FALSE;

  if (*path == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("Cannot persist a temporary directory to an empty path"));
      return FALSE;
    }

  if (!begin_cleanup (self, error))
    return FALSE;
  res = persist_now (self, path, flags, error);
  end_cleanup (self);
  return res;
}

static gboolean
persist_now (GTempDir           *self,
             const char         *path,
             GTempPersistFlags   flags,
             GError            **error)
{
  g_autofree char *target = NULL;
  gboolean was_deleting;
  int res;

  switch (self->cleaned_up ? G_TEMPFILE_DIR_GONE
                           : _g_tempfile_look_at_dir (self->name.path, &self->id, error))
    {
    case G_TEMPFILE_DIR_OURS:
      break;

    case G_TEMPFILE_DIR_GONE:
      {
        g_autofree char *display = g_filename_display_name (self->name.path);

        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                     _("Cannot persist temporary directory “%s”: it no longer exists"),
                     display);
        return FALSE;
      }

    case G_TEMPFILE_DIR_OTHER:
    default:
      return FALSE;
    }

  target = _g_tempfile_make_absolute (path, error);
  if (target == NULL)
    return FALSE;

  if ((flags & G_TEMP_PERSIST_SYNC) != 0 && !sync_contents (self, error))
    return FALSE;

  if ((flags & G_TEMP_PERSIST_NO_REPLACE) != 0)
    res = _g_tempfile_sys_rename_noreplace (self->name.path, target, TRUE);
  else
    res = _g_tempfile_sys_rename (self->name.path, target);

  if (res != 0)
    {
      int errsv = errno;

      _g_tempfile_set_error_paths (error, errsv,
                                   _("Error moving temporary directory “%s” to “%s”: %s"),
                                   self->name.path, target);
      return FALSE;
    }

  was_deleting = self->delete;
  _g_tempfile_path_set (&self->name, g_steal_pointer (&target));
  self->delete = FALSE;
  self->persisted = TRUE;
  g_clear_pointer (&self->slot, _g_tempfile_registry_release);
  release (self);

  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PATH]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILE]);
  if (was_deleting)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DELETE]);
  g_object_thaw_notify (G_OBJECT (self));

  if ((flags & G_TEMP_PERSIST_SYNC) != 0 && !_g_tempfile_sync_parent (self->name.path, error))
    return FALSE;

  return TRUE;
}
