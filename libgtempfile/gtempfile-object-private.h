/* gtempfile-object-private.h: GObject helpers the classes share (floor 6)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "gtempfile-platform-private.h"

G_BEGIN_DECLS

/* The construct-only "dir", "prefix" and "suffix" properties. */
GParamSpec  *_g_tempfile_param_spec_path    (const char   *name);

/* Creation of GTempFile and GTempDir in a worker thread (GAsyncInitable). */
typedef gboolean (*GTempfileCreateObjectFunc) (gpointer       object,
                                               GCancellable  *cancellable,
                                               GError       **error);

void         _g_tempfile_init_async         (GAsyncInitable            *initable,
                                             GTempfileCreateObjectFunc  create,
                                             int                        io_priority,
                                             GCancellable              *cancellable,
                                             GAsyncReadyCallback        callback,
                                             gpointer                   user_data);
gboolean     _g_tempfile_init_finish        (GAsyncInitable  *initable,
                                             GAsyncResult    *result,
                                             GError         **error);

/* The path of an object and its GFile, handed out without a reference:
 * replaced values stay alive until _g_tempfile_path_clear(). */
typedef struct
{
  char      *path;
  GFile     *file;
  GPtrArray *retired_paths;
  GPtrArray *retired_files;
} GTempfilePath;

void         _g_tempfile_path_set           (GTempfilePath *self,
                                             char          *path);
GFile       *_g_tempfile_path_get_file      (GTempfilePath *self);
void         _g_tempfile_path_clear         (GTempfilePath *self);

/* A lock that a child made with fork() never finds stuck: one taken by a
 * thread of the parent (an asynchronous operation in a worker) at the
 * moment of the fork is free in the child, where that thread does not
 * exist. A bit lock (g_bit_lock) tagged with the fork generation of the
 * process that last took it. Inline: GSpooledStream takes it for every
 * write, however small. */
typedef struct
{
  int   bits;         /* bit 0: held */
  guint generation;
} GTempfileLock;

static inline void
_g_tempfile_lock_init (GTempfileLock *lock)
{
  lock->bits = 0;
  /* Also makes sure forks are counted from now on. */
  lock->generation = _g_tempfile_sys_fork_generation ();
}

static inline void
_g_tempfile_lock (GTempfileLock *lock)
{
  guint current = (guint) g_atomic_int_get (&_g_tempfile_sys_fork_count);
  guint seen = (guint) g_atomic_int_get (&lock->generation);

  /* First use in this process: whoever held the lock at fork() time was a
   * thread of the parent, which this process does not have. One thread
   * frees it; g_bit_unlock() wakes any other that already waits. */
  if (G_UNLIKELY (seen != current) &&
      g_atomic_int_compare_and_exchange ((int *) &lock->generation, (int) seen, (int) current))
    g_bit_unlock (&lock->bits, 0);

  /* Uncontended, the usual case: one atomic operation, no call. */
  if (G_LIKELY (g_atomic_int_compare_and_exchange (&lock->bits, 0, 1)))
    return;
  g_bit_lock (&lock->bits, 0);
}

static inline void
_g_tempfile_unlock (GTempfileLock *lock)
{
  g_bit_unlock (&lock->bits, 0);
}

/* Persist (G_TEMP_PERSIST_SYNC): flushes the directory that holds @path. */
gboolean     _g_tempfile_sync_parent        (const char    *path,
                                             GError       **error);

G_END_DECLS
