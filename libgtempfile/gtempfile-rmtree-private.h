/* gtempfile-rmtree-private.h: removing a directory tree safely (floor 2)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The walk of DESIGN.md §4: policy only, over the platform layer's
 * primitives. GTempDir, the registry (at exit, on a signal) and the
 * guardian remove trees through it.
 */

#pragma once

#include <gio/gio.h>

#include "gtempfile-platform-private.h"

G_BEGIN_DECLS

/* What a path names now, compared with the directory created there. */
typedef enum
{
  G_TEMPFILE_DIR_OURS,   /* the directory that was created */
  G_TEMPFILE_DIR_GONE,   /* nothing there any more */
  G_TEMPFILE_DIR_OTHER,  /* something else, or it could not be looked at */
} GTempfileDirState;

GTempfileDirState _g_tempfile_look_at_dir  (const char           *path,
                                            const GTempfileSysId *id,
                                            GError              **error);

/* Removes the directory created at @path (identity @id) with everything in
 * it. @dir is a handle of it kept since then, or GTEMPFILE_SYS_NO_HANDLE.
 * With @signal_safe it makes system calls only and sets no error. */
gboolean     _g_tempfile_remove_dir         (const char           *path,
                                             const GTempfileSysId *id,
                                             GTempfileSysHandle    dir,
                                             gboolean              signal_safe,
                                             GCancellable         *cancellable,
                                             GError              **error);

/* The moments a concurrent change could be dangerous, for the C tests. */
typedef enum
{
  G_TEMPFILE_RMTREE_REMOVED,    /* an entry of @dir was removed */
  G_TEMPFILE_RMTREE_OPENING,    /* subdirectory @name of @dir is about to be opened */
  G_TEMPFILE_RMTREE_REPAIRING,  /* the mode of unreadable @name is about to be changed */
} GTempfileRmtreeEvent;

typedef void (*GTempfileRmtreeHook) (GTempfileRmtreeEvent  event,
                                     GTempfileSysHandle    dir,
                                     const char           *name,
                                     gpointer              user_data);

void         _g_tempfile_set_rmtree_hook_for_testing (GTempfileRmtreeHook hook,
                                                      gpointer            user_data);

G_END_DECLS
