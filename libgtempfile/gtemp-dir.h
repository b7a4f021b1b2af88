/* gtemp-dir.h: GTempDir, a temporary directory removed with its contents
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(GTEMPFILE_INSIDE) && !defined(GTEMPFILE_COMPILATION)
# error "Only <gtempfile.h> can be included directly."
#endif

#include <gio/gio.h>

#include "gtempfile-enums.h"
#include "gtempfile-version-macros.h"

G_BEGIN_DECLS

#define G_TYPE_TEMP_DIR (g_temp_dir_get_type ())

GTEMPFILE_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (GTempDir, g_temp_dir, G, TEMP_DIR, GObject)

GTEMPFILE_AVAILABLE_IN_ALL
GTempDir   *g_temp_dir_new                      (GError             **error);
GTEMPFILE_AVAILABLE_IN_ALL
GTempDir   *g_temp_dir_new_full                 (const char          *dir,
                                                 const char          *prefix,
                                                 const char          *suffix,
                                                 GTempDirFlags        flags,
                                                 GCancellable        *cancellable,
                                                 GError             **error);
GTEMPFILE_AVAILABLE_IN_ALL
void        g_temp_dir_create_async             (const char          *dir,
                                                 const char          *prefix,
                                                 const char          *suffix,
                                                 GTempDirFlags        flags,
                                                 int                  io_priority,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
GTEMPFILE_AVAILABLE_IN_ALL
GTempDir   *g_temp_dir_create_finish            (GAsyncResult        *result,
                                                 GError             **error);

GTEMPFILE_AVAILABLE_IN_ALL
const char *g_temp_dir_get_path                 (GTempDir            *self);
GTEMPFILE_AVAILABLE_IN_ALL
GFile      *g_temp_dir_get_file                 (GTempDir            *self);
GTEMPFILE_AVAILABLE_IN_ALL
gboolean    g_temp_dir_get_delete               (GTempDir            *self);
GTEMPFILE_AVAILABLE_IN_ALL
void        g_temp_dir_set_delete               (GTempDir            *self,
                                                 gboolean             delete_);
GTEMPFILE_AVAILABLE_IN_ALL
gboolean    g_temp_dir_get_ignore_cleanup_errors (GTempDir           *self);
GTEMPFILE_AVAILABLE_IN_ALL
void        g_temp_dir_set_ignore_cleanup_errors (GTempDir           *self,
                                                  gboolean            ignore_cleanup_errors);
GTEMPFILE_AVAILABLE_IN_ALL
gboolean    g_temp_dir_cleanup                  (GTempDir            *self,
                                                 GCancellable        *cancellable,
                                                 GError             **error);
GTEMPFILE_AVAILABLE_IN_ALL
void        g_temp_dir_cleanup_async            (GTempDir            *self,
                                                 int                  io_priority,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
GTEMPFILE_AVAILABLE_IN_ALL
gboolean    g_temp_dir_cleanup_finish           (GTempDir            *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);
GTEMPFILE_AVAILABLE_IN_ALL
gboolean    g_temp_dir_persist                  (GTempDir            *self,
                                                 const char          *path,
                                                 GTempPersistFlags    flags,
                                                 GError             **error);

G_END_DECLS
