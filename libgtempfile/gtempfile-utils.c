/* gtempfile-utils.c: the module functions, like Python's tempfile module
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gtempfile.h"
#include "gtempfile-create-private.h"
#include "gtempfile-error-private.h"
#include "gtempfile-names-private.h"
#include "gtempfile-registry-private.h"
#include "gtempfile-tempdir-private.h"

/* The default directory --------------------------------------------------- */

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
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return _g_tempfile_tempdir_get (error);
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
  _g_tempfile_tempdir_set (dir);
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
                             _g_tempfile_create_file_func, NULL, NULL, path_out, error);
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
                          _g_tempfile_create_dir_func, NULL, NULL, &path, error) < 0)
    return NULL;

  return path;
}

/**
 * g_tempfile_install_signal_handlers:
 *
 * Removes the temporary files and directories of this process when it is
 * ended by SIGINT, SIGTERM or SIGHUP, and not only when it exits normally.
 *
 * For each of the three signals whose disposition is still the default one
 * (never one the application handles or ignores), this installs a handler
 * that removes every file and directory that live objects with automatic
 * deletion own in this process, then restores the default action and
 * raises the signal again, so the process still dies of it and its exit
 * status says so. The handler uses async-signal-safe system calls only: it
 * takes no lock and allocates no memory with malloc. Directories are removed
 * with the same walk as [method@GTempfile.TempDir.cleanup], where the
 * system can list a directory that way: Linux (getdents64). Elsewhere (the
 * BSDs, macOS) listing a directory allocates memory, which a signal handler
 * must not do, so the handler removes files and empty directories only,
 * and leaves a directory that still holds something; install the guardian
 * (g_tempfile_install_guardian()) to have those removed too. In a child
 * made with fork(), the handler does not remove what the parent created.
 *
 * On systems without these signals (Windows) nothing is installed and
 * %FALSE is returned.
 *
 * Nothing is ever installed unless this is called. Programs with a GLib
 * main loop are better served by g_unix_signal_add(): quit the loop from
 * the callback and let the objects be disposed, or let them be removed at
 * exit, which happens whether or not this function was called:
 *
 * ```c
 * static gboolean
 * on_terminate (gpointer loop)
 * {
 *   g_main_loop_quit (loop);
 *   return G_SOURCE_REMOVE;
 * }
 *
 * g_unix_signal_add (SIGTERM, on_terminate, loop);
 * g_unix_signal_add (SIGINT, on_terminate, loop);
 * g_main_loop_run (loop);
 * ```
 *
 * Nothing can remove files when the process is killed with SIGKILL or
 * crashes: anonymous files ([flags@GTempfile.TempFileFlags.ANONYMOUS],
 * [class@GTempfile.SpooledStream]) disappear anyway, named ones are left
 * behind.
 *
 * Returns: %TRUE if, after the call, the handler is in place for at least one
 *   of the three signals
 *
 * Since: 1.0
 */
gboolean
g_tempfile_install_signal_handlers (void)
{
  return _g_tempfile_registry_install_signal_handlers ();
}
