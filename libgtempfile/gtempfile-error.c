/* gtempfile-error.c: errors and translations
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>

#ifdef ENABLE_NLS
# include <libintl.h>
#endif

#include "gtempfile-error-private.h"

const char *
_g_tempfile_gettext (const char *msgid)
{
#ifdef ENABLE_NLS
  static gsize bound = 0;

  if (g_once_init_enter (&bound))
    {
      bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
      g_once_init_leave (&bound, 1);
    }

  return g_dgettext (GETTEXT_PACKAGE, msgid);
#else
  return msgid;
#endif
}

GIOErrorEnum
_g_tempfile_io_error_from_errno (int errsv)
{
  switch (errsv)
    {
    case EXDEV:
      /* What GIO's own local-file move reports for a cross-device rename. */
      return G_IO_ERROR_NOT_SUPPORTED;

    case EFBIG:
#ifdef EDQUOT
    case EDQUOT:
#endif
      /* GLib 2.74 maps these to G_IO_ERROR_FAILED; for a file that cannot
       * grow, "no space" is what the caller can act on. */
      return G_IO_ERROR_NO_SPACE;

    default:
      return g_io_error_from_errno (errsv);
    }
}

void
_g_tempfile_set_error_path (GError     **error,
                            int          errsv,
                            const char  *format,
                            const char  *path)
{
  g_autofree char *display = NULL;

  if (error == NULL)
    return;

  display = g_filename_display_name (path);
  g_set_error (error, G_IO_ERROR, _g_tempfile_io_error_from_errno (errsv),
               format, display, g_strerror (errsv));
}

void
_g_tempfile_set_error_paths (GError     **error,
                             int          errsv,
                             const char  *format,
                             const char  *path1,
                             const char  *path2)
{
  g_autofree char *display1 = NULL;
  g_autofree char *display2 = NULL;

  if (error == NULL)
    return;

  display1 = g_filename_display_name (path1);
  display2 = g_filename_display_name (path2);
  g_set_error (error, G_IO_ERROR, _g_tempfile_io_error_from_errno (errsv),
               format, display1, display2, g_strerror (errsv));
}

gboolean
_g_tempfile_check_flags (guint        flags,
                         guint        known,
                         const char  *type_name,
                         GError     **error)
{
  if ((flags & ~known) == 0)
    return TRUE;

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               _("Unknown flags 0x%x for %s"), flags & ~known, type_name);
  return FALSE;
}
