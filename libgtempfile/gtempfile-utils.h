/* gtempfile-utils.h: module-level functions, like Python's tempfile module
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

GTEMPFILE_AVAILABLE_IN_ALL
char       *g_tempfile_get_tempdir    (GError     **error);
GTEMPFILE_AVAILABLE_IN_ALL
void        g_tempfile_set_tempdir    (const char  *dir);
GTEMPFILE_AVAILABLE_IN_ALL
char      **g_tempfile_get_tempdir_candidates (void);
GTEMPFILE_AVAILABLE_IN_ALL
const char *g_tempfile_get_tempprefix (void);
GTEMPFILE_AVAILABLE_IN_ALL
int         g_tempfile_mkstemp        (const char  *dir,
                                       const char  *prefix,
                                       const char  *suffix,
                                       char       **path_out,
                                       GError     **error);
GTEMPFILE_AVAILABLE_IN_ALL
char       *g_tempfile_mkdtemp        (const char  *dir,
                                       const char  *prefix,
                                       const char  *suffix,
                                       GError     **error);
GTEMPFILE_AVAILABLE_IN_ALL
gboolean    g_tempfile_install_signal_handlers (void);
GTEMPFILE_AVAILABLE_IN_ALL
gboolean    g_tempfile_install_guardian (GError    **error);

G_END_DECLS
