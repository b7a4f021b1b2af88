/* gtempfile-utils.c: the module functions, like Python's tempfile module
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#ifdef ENABLE_NLS
# include <libintl.h>
#endif

#include <glib/gstdio.h>

#include "gtempfile-private.h"

/* Translation ------------------------------------------------------------- */

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

/* The default directory --------------------------------------------------- */

static GMutex tempdir_lock;
static char *tempdir;   /* absolute; probed, or set by g_tempfile_set_tempdir() */

static void
add_candidate (GPtrArray  *candidates,
               const char *source,
               const char *path)
{
  GTempfileCandidate *candidate = g_new0 (GTempfileCandidate, 1);

  candidate->source = source;
  /* An empty variable means "not set", as in Python. */
  if (path != NULL && *path != '\0')
    candidate->path = _g_tempfile_make_absolute (path);
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
 * a %NULL path. The gtempfile tool explains its choice with this list.
 *
 * Returns: (transfer full) (element-type GTempfileCandidate): the list
 */
GPtrArray *
_g_tempfile_list_tempdir_candidates (void)
{
  GPtrArray *candidates = g_ptr_array_new_with_free_func (candidate_free);
  g_autofree char *cwd = g_get_current_dir ();

  add_candidate (candidates, "$TMPDIR", g_getenv ("TMPDIR"));
  add_candidate (candidates, "$TEMP", g_getenv ("TEMP"));
  add_candidate (candidates, "$TMP", g_getenv ("TMP"));
  add_candidate (candidates, "/tmp", "/tmp");
  add_candidate (candidates, "/var/tmp", "/var/tmp");
  add_candidate (candidates, "/usr/tmp", "/usr/tmp");
  add_candidate (candidates, N_("the user cache directory"), g_get_user_cache_dir ());
  add_candidate (candidates, N_("the home directory"), g_get_home_dir ());
  add_candidate (candidates, N_("the current directory"), cwd);

  return candidates;
}

/*
 * _g_tempfile_probe_tempdir:
 * @dir: an absolute path
 *
 * Returns: 0 if a file can be created, written and removed in @dir, else
 *   the errno of the first step that failed. Nothing is left behind.
 */
int
_g_tempfile_probe_tempdir (const char *dir)
{
  static const char data[] = "blat";
  g_autofree char *path = NULL;
  GTempfileSlot *slot = NULL;
  int fd;
  int errsv = 0;
  gssize written;

  /* Registered for the moment it exists. */
  fd = _g_tempfile_create (dir, GTEMPFILE_DEFAULT_PREFIX, "", G_TEMPFILE_KIND_FILE,
                           _g_tempfile_open_file_func, NULL, &slot, &path, NULL);
  if (fd < 0)
    return errno;

  do
    written = write (fd, data, sizeof data - 1);
  while (written < 0 && errno == EINTR);
  if (written < 0)
    errsv = errno;
  else if (written != sizeof data - 1)
    errsv = ENOSPC;

  if (close (fd) != 0 && errno != EINTR && errsv == 0)
    errsv = errno;
  /* The candidate is passed over if its probe file cannot be removed, but
   * the probe must not stay behind: a second try, and only then is it left
   * registered for the exit pass. */
  if (g_unlink (path) != 0)
    {
      if (errsv == 0)
        errsv = errno;
      if (g_unlink (path) != 0 && errno != ENOENT)
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

/**
 * g_tempfile_get_tempdir:
 * @error: return location for a #GError, or %NULL
 *
 * Returns the directory in which temporary files and directories are created
 * when no directory is given, like Python's `tempfile.gettempdir()`.
 *
 * The first usable of these is chosen: the environment variables `TMPDIR`,
 * `TEMP` and `TMP`, then `/tmp`, `/var/tmp`, `/usr/tmp`, the user cache
 * directory, the home directory and the current directory. A candidate is
 * made absolute but symbolic links in it are not resolved; a variable that is
 * set but empty is skipped. A candidate is usable when a file can be created,
 * written and removed in it.
 *
 * The answer is computed once and then cached for the whole process, until
 * [func@GTempfile.set_tempdir] is called. This function is thread-safe.
 *
 * Returns: (transfer full) (type filename): the absolute path of the default
 *   temporary directory, or %NULL with @error set to %G_IO_ERROR_NOT_FOUND
 *   (listing every candidate tried and why it failed) if none is usable
 *
 * Since: 1.0
 */
char *
g_tempfile_get_tempdir (GError **error)
{
  char *result;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  g_mutex_lock (&tempdir_lock);
  if (tempdir == NULL)
    tempdir = probe_default_tempdir (error);
  result = g_strdup (tempdir);
  g_mutex_unlock (&tempdir_lock);

  return result;
}

/**
 * g_tempfile_set_tempdir:
 * @dir: (type filename) (nullable): the directory to use from now on, or
 *   %NULL to choose one again
 *
 * Sets the directory in which temporary files and directories are created
 * when no directory is given, for the whole process, like assigning
 * `tempfile.tempdir` in Python.
 *
 * @dir is made absolute against the current directory but is not checked:
 * if it is unusable, creating a temporary file there fails. With %NULL, the
 * next call to [func@GTempfile.get_tempdir] probes the candidates again, so
 * changes to `TMPDIR` are taken into account.
 *
 * This function is thread-safe.
 *
 * Since: 1.0
 */
void
g_tempfile_set_tempdir (const char *dir)
{
  char *absolute = dir != NULL ? _g_tempfile_make_absolute (dir) : NULL;

  g_mutex_lock (&tempdir_lock);
  g_free (tempdir);
  tempdir = absolute;
  g_mutex_unlock (&tempdir_lock);
}

/**
 * g_tempfile_get_tempdir_candidates:
 *
 * Lists the directories that [func@GTempfile.get_tempdir] considers, in the
 * order it tries them, so that a program can explain its choice (the
 * `gtempfile tempdir` command does). Each is made absolute against the
 * current directory, without resolving symbolic links; environment
 * variables that are not set, or empty, are left out. Nothing is probed:
 * [func@GTempfile.get_tempdir] takes the first candidate in which a file
 * can be created, written and removed.
 *
 * Returns: (transfer full) (array zero-terminated=1) (element-type filename):
 *   the candidates, first to last
 *
 * Since: 1.0
 */
char **
g_tempfile_get_tempdir_candidates (void)
{
  g_autoptr(GPtrArray) candidates = _g_tempfile_list_tempdir_candidates ();
  GPtrArray *paths = g_ptr_array_new_null_terminated (candidates->len, g_free, TRUE);

  for (guint i = 0; i < candidates->len; i++)
    {
      GTempfileCandidate *candidate = g_ptr_array_index (candidates, i);

      if (candidate->path != NULL)
        g_ptr_array_add (paths, g_steal_pointer (&candidate->path));
    }

  return (char **) g_ptr_array_free (paths, FALSE);
}

/**
 * g_tempfile_get_tempprefix:
 *
 * Returns the prefix of temporary names when none is given: `"tmp"`, like
 * Python's `tempfile.gettempprefix()`.
 *
 * Returns: (transfer none) (type filename): the default prefix
 *
 * Since: 1.0
 */
const char *
g_tempfile_get_tempprefix (void)
{
  return GTEMPFILE_DEFAULT_PREFIX;
}

/**
 * g_tempfile_mkstemp:
 * @dir: (type filename) (nullable): the directory to create the file in, or
 *   %NULL for the default directory ([func@GTempfile.get_tempdir])
 * @prefix: (type filename) (nullable): the start of the file name, or %NULL
 *   for `"tmp"`
 * @suffix: (type filename) (nullable): the end of the file name, or %NULL
 *   for none
 * @path_out: (out) (optional) (type filename) (transfer full): return
 *   location for the absolute path of the new file, set to %NULL on failure
 * @error: return location for a #GError, or %NULL
 *
 * Creates a new file and opens it for reading and writing, like Python's
 * `tempfile.mkstemp()`. The caller owns both the descriptor and the file:
 * nothing removes it automatically. Use [class@GTempfile.TempFile] for a file
 * that cleans up after itself.
 *
 * The name is @dir, @prefix, eight random characters from `a`–`z`, `0`–`9`
 * and `_` drawn from the operating system's cryptographic generator, then
 * @suffix. A relative @dir is made absolute by putting the current directory
 * in front of it, and nothing else: it is not normalised, so `..` after a
 * symbolic link and a trailing `/` keep the meaning the kernel gives them (an
 * empty @dir is the current directory); a symbolic link to a directory is
 * used as given.
 *
 * The file is created with `O_EXCL`, `O_NOFOLLOW` and `O_CLOEXEC` and mode
 * `0600` (less if the umask removes bits). Only a name that already exists
 * makes it try another one, at most 10 000 times.
 *
 * Errors are in the `G_IO_ERROR` domain with a message that names the
 * directory or the bad argument: %G_IO_ERROR_INVALID_ARGUMENT for a @prefix
 * or @suffix containing `/`, %G_IO_ERROR_FILENAME_TOO_LONG for an overlong
 * name (both reported before anything touches the disk),
 * %G_IO_ERROR_NOT_FOUND, %G_IO_ERROR_NOT_DIRECTORY or
 * %G_IO_ERROR_PERMISSION_DENIED for an unusable @dir, and
 * %G_IO_ERROR_EXISTS if no free name was found.
 *
 * Returns: an open file descriptor, or -1 with @error set
 *
 * Since: 1.0
 */
int
g_tempfile_mkstemp (const char  *dir,
                    const char  *prefix,
                    const char  *suffix,
                    char       **path_out,
                    GError     **error)
{
  g_autofree char *real_dir = NULL;

  if (path_out != NULL)
    *path_out = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  prefix = prefix != NULL ? prefix : GTEMPFILE_DEFAULT_PREFIX;
  suffix = suffix != NULL ? suffix : "";
  if (!_g_tempfile_check_affixes (prefix, suffix, error))
    return -1;

  real_dir = _g_tempfile_resolve_dir (dir, error);
  if (real_dir == NULL)
    return -1;

  return _g_tempfile_create (real_dir, prefix, suffix, G_TEMPFILE_KIND_FILE,
                             _g_tempfile_open_file_func, NULL, NULL, path_out, error);
}

/**
 * g_tempfile_mkdtemp:
 * @dir: (type filename) (nullable): the directory to create the new
 *   directory in, or %NULL for the default directory
 *   ([func@GTempfile.get_tempdir])
 * @prefix: (type filename) (nullable): the start of the name, or %NULL for
 *   `"tmp"`
 * @suffix: (type filename) (nullable): the end of the name, or %NULL for none
 * @error: return location for a #GError, or %NULL
 *
 * Creates a new directory, like Python's `tempfile.mkdtemp()`. The caller
 * owns it: nothing removes it automatically.
 *
 * Names and errors are as for [func@GTempfile.mkstemp]; the directory has
 * mode `0700` (less if the umask removes bits).
 *
 * Returns: (transfer full) (type filename): the absolute path of the new
 *   directory, or %NULL with @error set
 *
 * Since: 1.0
 */
char *
g_tempfile_mkdtemp (const char  *dir,
                    const char  *prefix,
                    const char  *suffix,
                    GError     **error)
{
  g_autofree char *real_dir = NULL;
  char *path = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  prefix = prefix != NULL ? prefix : GTEMPFILE_DEFAULT_PREFIX;
  suffix = suffix != NULL ? suffix : "";
  if (!_g_tempfile_check_affixes (prefix, suffix, error))
    return NULL;

  real_dir = _g_tempfile_resolve_dir (dir, error);
  if (real_dir == NULL)
    return NULL;

  if (_g_tempfile_create (real_dir, prefix, suffix, G_TEMPFILE_KIND_DIRECTORY,
                          _g_tempfile_make_dir_func, NULL, NULL, &path, error) < 0)
    return NULL;

  return path;
}
