/* gtemp-file.h: GTempFile, a temporary file that cleans up after itself
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

#define G_TYPE_TEMP_FILE (g_temp_file_get_type ())

GTEMPFILE_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (GTempFile, g_temp_file, G, TEMP_FILE, GFileIOStream)

GTEMPFILE_AVAILABLE_IN_ALL
GTempFile  *g_temp_file_new                 (GError             **error);
GTEMPFILE_AVAILABLE_IN_ALL
GTempFile  *g_temp_file_new_full            (const char          *dir,
                                             const char          *prefix,
                                             const char          *suffix,
                                             GTempFileFlags       flags,
                                             GCancellable        *cancellable,
                                             GError             **error);
GTEMPFILE_AVAILABLE_IN_ALL
void        g_temp_file_create_async        (const char          *dir,
                                             const char          *prefix,
                                             const char          *suffix,
                                             GTempFileFlags       flags,
                                             int                  io_priority,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
GTEMPFILE_AVAILABLE_IN_ALL
GTempFile  *g_temp_file_create_finish       (GAsyncResult        *result,
                                             GError             **error);

GTEMPFILE_AVAILABLE_IN_ALL
const char *g_temp_file_get_path            (GTempFile           *self);
GTEMPFILE_AVAILABLE_IN_ALL
GFile      *g_temp_file_get_file            (GTempFile           *self);
GTEMPFILE_AVAILABLE_IN_ALL
int         g_temp_file_get_fd              (GTempFile           *self);
GTEMPFILE_AVAILABLE_IN_ALL
gboolean    g_temp_file_get_delete          (GTempFile           *self);
GTEMPFILE_AVAILABLE_IN_ALL
void        g_temp_file_set_delete          (GTempFile           *self,
                                             gboolean             delete_);
GTEMPFILE_AVAILABLE_IN_ALL
gboolean    g_temp_file_get_delete_on_close (GTempFile           *self);
GTEMPFILE_AVAILABLE_IN_ALL
void        g_temp_file_set_delete_on_close (GTempFile           *self,
                                             gboolean             delete_on_close);
GTEMPFILE_AVAILABLE_IN_ALL
gboolean    g_temp_file_is_anonymous        (GTempFile           *self);
GTEMPFILE_AVAILABLE_IN_ALL
gboolean    g_temp_file_persist             (GTempFile           *self,
                                             const char          *path,
                                             GTempPersistFlags    flags,
                                             GError             **error);
GTEMPFILE_AVAILABLE_IN_ALL
gboolean    g_temp_file_cleanup             (GTempFile           *self,
                                             GCancellable        *cancellable,
                                             GError             **error);

G_END_DECLS
