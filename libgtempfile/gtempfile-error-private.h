/* gtempfile-error-private.h: errors and translations (floor 1)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every GError the library sets is in the G_IO_ERROR domain with a
 * translated message that names the path (DESIGN.md §1); these helpers
 * make them. Messages are formats with one or two “%s” for paths, which
 * are converted for display here, followed by one %s for the system's
 * description of the errno.
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Translation. The library binds its text domain the first time it
 * translates something. */
const char  *_g_tempfile_gettext             (const char   *msgid) G_GNUC_FORMAT (1);
#define _(String) _g_tempfile_gettext (String)
#define N_(String) (String)

GIOErrorEnum _g_tempfile_io_error_from_errno (int           errsv);
void         _g_tempfile_set_error_path      (GError      **error,
                                              int           errsv,
                                              const char   *format,
                                              const char   *path);
void         _g_tempfile_set_error_paths     (GError      **error,
                                              int           errsv,
                                              const char   *format,
                                              const char   *path1,
                                              const char   *path2);
/* INVALID_ARGUMENT for flags outside @known. */
gboolean     _g_tempfile_check_flags         (guint         flags,
                                              guint         known,
                                              const char   *type_name,
                                              GError      **error);

G_END_DECLS
