/* gtempfile-object.c: GObject helpers the classes share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>

#include "gtempfile-error-private.h"
#include "gtempfile-names-private.h"
#include "gtempfile-object-private.h"
#include "gtempfile-platform-private.h"

/* The construct-only "dir", "prefix" and "suffix" properties of every class:
 * file-system bytes, read back as what was actually used. */
GParamSpec *
_g_tempfile_param_spec_path (const char *name)
{
  return g_param_spec_string (name, NULL, NULL,
                              NULL,
                              G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                              G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
}

/* Paths handed out -------------------------------------------------------- */

/* The path of a temporary file or directory and its GFile are returned
 * without a reference; when persist gives the object a new path, the old
 * values are kept alive until the object goes. */
void
_g_tempfile_path_set (GTempfilePath *self,
                      char          *path)
{
  if (self->path != NULL)
    {
      if (self->retired_paths == NULL)
        self->retired_paths = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (self->retired_paths, g_steal_pointer (&self->path));
    }
  if (self->file != NULL)
    {
      if (self->retired_files == NULL)
        self->retired_files = g_ptr_array_new_with_free_func (g_object_unref);
      g_ptr_array_add (self->retired_files, g_steal_pointer (&self->file));
    }

  self->path = path;
}

GFile *
_g_tempfile_path_get_file (GTempfilePath *self)
{
  if (self->file == NULL && self->path != NULL)
    {
      /* GFile shortens "link/.." to the directory that holds "link"; the
       * kernel goes to the parent of what "link" points to (DESIGN.md §2). */
      g_autofree char *resolved = _g_tempfile_sys_resolve_dots (self->path);

      self->file = g_file_new_for_path (resolved != NULL ? resolved : self->path);
    }

  return self->file;
}

void
_g_tempfile_path_clear (GTempfilePath *self)
{
  g_clear_pointer (&self->path, g_free);
  g_clear_object (&self->file);
  g_clear_pointer (&self->retired_paths, g_ptr_array_unref);
  g_clear_pointer (&self->retired_files, g_ptr_array_unref);
}

/* Asynchronous creation --------------------------------------------------- */

static void
create_in_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  GTempfileCreateObjectFunc create = (GTempfileCreateObjectFunc) task_data;
  GError *error = NULL;

  if (create (source_object, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/*
 * _g_tempfile_init_async:
 *
 * GAsyncInitable.init_async for the classes that create something: runs
 * @create in a worker thread. Once the object exists it is reported even if
 * the operation was cancelled meanwhile: something kept with a KEEP flag
 * must never be created behind the caller's back. Cancelling before it
 * exists does cancel.
 */
void
_g_tempfile_init_async (GAsyncInitable            *initable,
                        GTempfileCreateObjectFunc  create,
                        int                        io_priority,
                        GCancellable              *cancellable,
                        GAsyncReadyCallback        callback,
                        gpointer                   user_data)
{
  g_autoptr(GTask) task = g_task_new (initable, cancellable, callback, user_data);

  g_task_set_source_tag (task, _g_tempfile_init_async);
  g_task_set_priority (task, io_priority);
  g_task_set_task_data (task, (gpointer) create, NULL);
  g_task_set_check_cancellable (task, FALSE);
  g_task_run_in_thread (task, create_in_thread);
}

gboolean
_g_tempfile_init_finish (GAsyncInitable  *initable,
                         GAsyncResult    *result,
                         GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, initable), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == _g_tempfile_init_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Persist ------------------------------------------------------------------ */

/* Flushes the directory that holds @path, so that a new name in it survives
 * a power failure. */
gboolean
_g_tempfile_sync_parent (const char  *path,
                         GError     **error)
{
  g_autofree char *parent = _g_tempfile_get_parent (path);

  if (_g_tempfile_sys_fsync_dir (parent) != 0)
    {
      int errsv = errno;

      _g_tempfile_set_error_path (error, errsv,
                                  _("Error syncing the directory of “%s” to disk: %s"),
                                  path);
      return FALSE;
    }

  return TRUE;
}
