/* gtempfile-tempdir.c: the default directory
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>

#include "gtempfile-create-private.h"
#include "gtempfile-error-private.h"
#include "gtempfile-names-private.h"
#include "gtempfile-tempdir-private.h"

static GMutex tempdir_lock;
static char *tempdir;   /* probed, or set: absolute, unless the current
                         * directory had no path when a relative one was set */

static void
add_candidate (GPtrArray  *candidates,
               const char *source,
               const char *path)
{
  GTempfileCandidate *candidate = g_new0 (GTempfileCandidate, 1);

  candidate->source = source;
  /* An empty variable means "not set", as in Python; a relative one with no
   * current directory to be relative to is passed over. */
  if (path != NULL && *path != '\0')
    candidate->path = _g_tempfile_make_absolute (path, NULL);
  g_ptr_array_add (candidates, candidate);
}

static void
candidate_free (gpointer data)
{
  GTempfileCandidate *candidate = data;

  g_free (candidate->path);
  g_free (candidate);
}

/*
 * _g_tempfile_list_tempdir_candidates:
 *
 * The candidates for the default directory in the order of DESIGN.md §2:
 * the environment, the conventional directories, then places the user can
 * certainly write to. A variable that is not set, or empty, is listed with
 * a %NULL path.
 *
 * Returns: (transfer full) (element-type GTempfileCandidate): the list
 */
GPtrArray *
_g_tempfile_list_tempdir_candidates (void)
{
  GPtrArray *candidates = g_ptr_array_new_with_free_func (candidate_free);
  const char * const *conventional = _g_tempfile_sys_conventional_tempdirs ();
  /* NULL when it was removed: never "/", as g_get_current_dir() says then. */
  g_autofree char *cwd = _g_tempfile_sys_make_absolute ("");

  add_candidate (candidates, "$TMPDIR", g_getenv ("TMPDIR"));
  add_candidate (candidates, "$TEMP", g_getenv ("TEMP"));
  add_candidate (candidates, "$TMP", g_getenv ("TMP"));
  for (guint i = 0; conventional[i] != NULL; i++)
    add_candidate (candidates, conventional[i], conventional[i]);
  add_candidate (candidates, N_("the user cache directory"), g_get_user_cache_dir ());
  add_candidate (candidates, N_("the home directory"), g_get_home_dir ());
  add_candidate (candidates, N_("the current directory"), cwd);

  return candidates;
}

int
_g_tempfile_probe_tempdir (const char *dir)
{
  static const char data[] = "blat";
  g_autofree char *path = NULL;
  GTempfileSlot *slot = NULL;
  int errsv = 0;
  gssize written;
  int fd;

  /* Registered for the moment it exists. */
  fd = _g_tempfile_create (dir, GTEMPFILE_DEFAULT_PREFIX, "", G_TEMPFILE_KIND_FILE,
                           _g_tempfile_create_file_func, NULL, &slot, &path, NULL);
  if (fd < 0)
    return errno;

  written = _g_tempfile_sys_write (fd, data, sizeof data - 1);
  if (written < 0)
    errsv = errno;
  else if (written != sizeof data - 1)
    errsv = ENOSPC;

  if (_g_tempfile_sys_close (fd) != 0 && errsv == 0)
    errsv = errno;
  /* The candidate is passed over if its probe file cannot be removed, but
   * the probe must not stay behind: a second try, and only then is it left
   * registered for the exit pass. */
  if (_g_tempfile_sys_unlink (path) != 0)
    {
      if (errsv == 0)
        errsv = errno;
      if (_g_tempfile_sys_unlink (path) != 0 && errno != ENOENT)
        return errsv;
    }
  _g_tempfile_registry_release (slot);

  return errsv;
}

static char *
probe_default_tempdir (GError **error)
{
  g_autoptr(GPtrArray) candidates = _g_tempfile_list_tempdir_candidates ();
  g_autoptr(GString) tried = g_string_new (NULL);

  for (guint i = 0; i < candidates->len; i++)
    {
      const GTempfileCandidate *candidate = g_ptr_array_index (candidates, i);
      g_autofree char *display = NULL;
      int errsv;

      if (candidate->path == NULL)
        continue;

      errsv = _g_tempfile_probe_tempdir (candidate->path);
      if (errsv == 0)
        {
          g_debug ("Using temporary directory “%s”", candidate->path);
          return g_strdup (candidate->path);
        }

      display = g_filename_display_name (candidate->path);
      if (tried->len > 0)
        g_string_append (tried, ", ");
      g_string_append_printf (tried, "“%s” (%s)", display, g_strerror (errsv));
    }

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
               _("No usable temporary directory found; tried %s"), tried->str);
  return NULL;
}

char *
_g_tempfile_tempdir_get (GError **error)
{
  char *result;

  g_mutex_lock (&tempdir_lock);
  if (tempdir == NULL)
    tempdir = probe_default_tempdir (error);
  result = g_strdup (tempdir);
  g_mutex_unlock (&tempdir_lock);

  return result;
}

void
_g_tempfile_tempdir_set (const char *dir)
{
  char *absolute = NULL;

  /* Without a current directory, kept as given: each use then fails as the
   * kernel says, instead of creating somewhere else. */
  if (dir != NULL && (absolute = _g_tempfile_make_absolute (dir, NULL)) == NULL)
    absolute = g_strdup (dir);

  g_mutex_lock (&tempdir_lock);
  g_free (tempdir);
  tempdir = absolute;
  g_mutex_unlock (&tempdir_lock);
}

char *
_g_tempfile_resolve_dir (const char  *dir,
                         GError     **error)
{
  if (dir == NULL)
    return _g_tempfile_tempdir_get (error);

  return _g_tempfile_make_absolute (dir, error);
}
