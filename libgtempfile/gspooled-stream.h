/* gspooled-stream.h: GSpooledStream, memory first, a file when it grows
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(GTEMPFILE_INSIDE) && !defined(GTEMPFILE_COMPILATION)
# error "Only <gtempfile.h> can be included directly."
#endif

#include <gio/gio.h>

#include "gtempfile-version-macros.h"

G_BEGIN_DECLS

#define G_TYPE_SPOOLED_STREAM (g_spooled_stream_get_type ())

GTEMPFILE_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (GSpooledStream, g_spooled_stream, G, SPOOLED_STREAM, GIOStream)

GTEMPFILE_AVAILABLE_IN_ALL
GSpooledStream *g_spooled_stream_new             (gsize            max_size);
GTEMPFILE_AVAILABLE_IN_ALL
GSpooledStream *g_spooled_stream_new_full        (gsize            max_size,
                                                  const char      *dir,
                                                  const char      *prefix,
                                                  const char      *suffix);
GTEMPFILE_AVAILABLE_IN_ALL
gboolean        g_spooled_stream_rollover        (GSpooledStream  *self,
                                                  GCancellable    *cancellable,
                                                  GError         **error);
GTEMPFILE_AVAILABLE_IN_ALL
gboolean        g_spooled_stream_is_rolled_over  (GSpooledStream  *self);
GTEMPFILE_AVAILABLE_IN_ALL
gsize           g_spooled_stream_get_max_size    (GSpooledStream  *self);
GTEMPFILE_AVAILABLE_IN_ALL
int             g_spooled_stream_get_fd          (GSpooledStream  *self,
                                                  GError         **error);

G_END_DECLS
