/* gtempfile-create.c: the create-and-retry loop
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every temporary file and directory libgtempfile creates goes through
 * _g_tempfile_create(). The policy (DESIGN.md §2):
 *
 *  - a name is dir/prefix + 8 random characters + suffix
 *    (gtempfile-names.c);
 *  - only "already exists" tries another name, at most 10 000 times; every
 *    other error stops at once, so an unwritable directory never spins;
 *  - a name is registered for removal before it is created, so that a
 *    signal while it is being created still removes it;
 *  - descriptors are close-on-exec, files 0600 and directories 0700 (the
 *    umask may only remove bits).
 */

#include "config.h"

#include <errno.h>
#include <string.h>

#include "gtempfile-create-private.h"
#include "gtempfile-error-private.h"
#include "gtempfile-names-private.h"

/*
 * _g_tempfile_create:
 * @dir: (type filename): absolute directory
 * @prefix: (type filename): prefix, already checked or not
 * @suffix: (type filename): suffix
 * @kind: what is being created, for messages
 * @func: creates one candidate path; only EEXIST makes the loop go on
 * @user_data: for @func
 * @slot_out: (out) (optional): if not %NULL, each candidate is registered
 *   for removal at exit before it is tried, and the slot of the one created
 *   is returned here (for a directory, @func returns a handle of it, whose
 *   identity the registry keeps)
 * @path_out: (out) (optional) (type filename): the path created, or %NULL
 * @error: return location for a #GError
 *
 * Returns: what @func returned on success, or -1 with @error set and errno
 *   still telling the cause
 */
gintptr
_g_tempfile_create (const char           *dir,
                    const char           *prefix,
                    const char           *suffix,
                    GTempfileKind         kind,
                    GTempfileCreateFunc   func,
                    gpointer              user_data,
                    GTempfileSlot       **slot_out,
                    char                **path_out,
                    GError              **error)
{
  GTempfileSlot *slot = NULL;
  gsize dir_length = strlen (dir);
  gsize prefix_length = strlen (prefix);
  gsize suffix_length = strlen (suffix);
  gboolean add_separator = dir_length == 0 || !G_IS_DIR_SEPARATOR (dir[dir_length - 1]);
  g_autofree char *path = NULL;
  char *random_part;
  char *cursor;
  gboolean slot_lost = FALSE;
  int errsv;

  if (path_out != NULL)
    *path_out = NULL;
  if (slot_out != NULL)
    *slot_out = NULL;

  if (!_g_tempfile_check_affixes (prefix, suffix, error))
    {
      errno = EINVAL;
      return -1;
    }

  path = g_malloc (dir_length + 1 + prefix_length + GTEMPFILE_RANDOM_CHARS + suffix_length + 1);
  cursor = path;
  memcpy (cursor, dir, dir_length);
  cursor += dir_length;
  if (add_separator)
    *cursor++ = G_DIR_SEPARATOR;
  memcpy (cursor, prefix, prefix_length);
  cursor += prefix_length;
  random_part = cursor;
  cursor += GTEMPFILE_RANDOM_CHARS;
  memcpy (cursor, suffix, suffix_length + 1);

  if (slot_out != NULL)
    slot = _g_tempfile_registry_claim (kind, (cursor - path) + suffix_length);

  for (guint attempt = 0; attempt < GTEMPFILE_MAX_TRIES; attempt++)
    {
      GTempfileSysSignals saved = { .blocked = FALSE };
      GTempfileSysStat st;
      gintptr result;

      if (!_g_tempfile_random_chars (random_part, error))
        {
          _g_tempfile_registry_release (slot);
          errno = EIO;
          return -1;
        }

      /* Registered before it exists: a signal that comes while it is being
       * created still removes it. Once the process is exiting, nothing is
       * created any more: it would be left behind. */
      if (slot != NULL && !_g_tempfile_registry_begin (slot, path, &saved))
        result = -1;
      else
        result = func (path, user_data);
      errsv = errno;
      if (slot != NULL)
        {
          gboolean exists = result >= 0;
          gboolean have_id = FALSE;

          /* A directory is registered with its identity, which the exit
           * pass and the guardian check before they remove anything. One
           * that cannot be looked at is not kept: it is removed at once
           * (and left registered, without an identity, only if even that
           * fails: the exit pass then tries rmdir). */
          if (result >= 0 && kind == G_TEMPFILE_KIND_DIRECTORY)
            {
              have_id = _g_tempfile_sys_dir_stat (result, &st) == 0;
              if (!have_id)
                {
                  errsv = errno;
                  _g_tempfile_sys_dir_close (result);
                  result = -1;
                  exists = slot_lost = _g_tempfile_sys_rmdir (path) != 0;
                }
            }
          _g_tempfile_registry_end (slot, exists, have_id ? &st.id : NULL, &saved);
        }

      if (result >= 0)
        {
          if (path_out != NULL)
            *path_out = g_steal_pointer (&path);
          if (slot_out != NULL)
            *slot_out = slot;
          return result;
        }

      if (errsv == ECANCELED)
        {
          g_autofree char *display = g_filename_display_name (dir);

          _g_tempfile_registry_release (slot);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                       _("Cannot create a temporary name in “%s”: the process is exiting"),
                       display);
          errno = errsv;
          return -1;
        }

      if (errsv != EEXIST || slot_lost)
        {
          /* A slot that still names something stays, for the exit pass. */
          if (!slot_lost)
            _g_tempfile_registry_release (slot);
          _g_tempfile_set_error_path (error, errsv,
                                      kind == G_TEMPFILE_KIND_FILE
                                      ? _("Error creating a temporary file in “%s”: %s")
                                      : _("Error creating a temporary directory in “%s”: %s"),
                                      dir);
          errno = errsv;
          return -1;
        }
    }

  _g_tempfile_registry_release (slot);

  if (error != NULL)
    {
      g_autofree char *display = g_filename_display_name (dir);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                   kind == G_TEMPFILE_KIND_FILE
                   ? _("No usable temporary file name found in “%s” after %d attempts")
                   : _("No usable temporary directory name found in “%s” after %d "
                       "attempts"),
                   display, GTEMPFILE_MAX_TRIES);
    }
  errno = EEXIST;
  return -1;
}

gintptr
_g_tempfile_create_file_func (const char *path,
                              gpointer    user_data)
{
  return _g_tempfile_sys_create_file (path, FALSE);
}

gintptr
_g_tempfile_create_dir_func (const char *path,
                             gpointer    user_data)
{
  return _g_tempfile_sys_create_dir (path);
}

/* A new directory that its owner may not read: the umask took the owner's
 * read permission away (umask 0477 makes it 0300), which mkdtemp() and
 * Python accept. Where a handle can pin a directory without reading it
 * (O_PATH), that handle serves: it cannot be locked, so the GTempDir keeps
 * none, and its cleanup gives the permission back before the walk (see
 * _g_tempfile_remove_dir()). It is checked to be the directory just made,
 * not a link put in its place. */
static GTempfileSysHandle
open_unreadable_dir (const char *path)
{
  GTempfileSysHandle dir;
  GTempfileSysStat opened, named;

  if (!_g_tempfile_sys_has_feature (GTEMPFILE_SYS_FEATURE_O_PATH))
    {
      errno = EACCES;
      return GTEMPFILE_SYS_NO_HANDLE;
    }

  dir = _g_tempfile_sys_dir_open_lookup (path);
  if (dir == GTEMPFILE_SYS_NO_HANDLE)
    return dir;
  if (_g_tempfile_sys_dir_stat (dir, &opened) != 0 ||
      _g_tempfile_sys_lstat (path, &named) != 0 ||
      named.type != GTEMPFILE_SYS_TYPE_DIRECTORY ||
      !_g_tempfile_sys_id_equal (&opened.id, &named.id))
    {
      _g_tempfile_sys_dir_close (dir);
      errno = EACCES;
      return GTEMPFILE_SYS_NO_HANDLE;
    }
  return dir;
}

/* Makes the directory and opens it, so that its owner can recognise it
 * later and hold its lock. */
gintptr
_g_tempfile_create_open_dir_func (const char *path,
                                  gpointer    user_data)
{
  GTempfileSysHandle dir;

  if (_g_tempfile_sys_create_dir (path) != 0)
    return -1;

  /* Its identity is taken once, by the caller (the create loop, or the
   * GTempDir that has no slot). */
  dir = _g_tempfile_sys_dir_open (path, NULL);
  if (dir == GTEMPFILE_SYS_NO_HANDLE && errno == EACCES)
    dir = open_unreadable_dir (path);
  if (dir == GTEMPFILE_SYS_NO_HANDLE)
    {
      int errsv = errno;

      _g_tempfile_sys_rmdir (path);
      errno = errsv;
      return -1;
    }
  return dir;
}

static gintptr
create_anonymous_func (const char *path,
                       gpointer    user_data)
{
  return _g_tempfile_sys_create_file (path, TRUE);
}

/* Anonymous files ------------------------------------------------------------ */

/* Cleared for good when the kernel answers EISDIR (Linux before 3.11 reads
 * O_TMPFILE as O_DIRECTORY). */
static int o_tmpfile_works = TRUE;
static int o_tmpfile_test_errno;

void
_g_tempfile_set_o_tmpfile_for_testing (gboolean enabled)
{
  _g_tempfile_sys_disable_for_testing (GTEMPFILE_SYS_FEATURE_O_TMPFILE, !enabled);
  g_atomic_int_set (&o_tmpfile_works, enabled);
  o_tmpfile_test_errno = 0;
}

void
_g_tempfile_set_o_tmpfile_errno_for_testing (int errsv)
{
  o_tmpfile_test_errno = errsv;
}

static int
open_tmpfile (const char *dir,
              gboolean   *linkable)
{
  if (G_UNLIKELY (o_tmpfile_test_errno != 0))
    {
      errno = o_tmpfile_test_errno;
      return -1;
    }
  return _g_tempfile_sys_open_tmpfile (dir, linkable);
}

/*
 * _g_tempfile_open_anonymous:
 * @linkable: (out): whether the file can later be given a name with
 *   _g_tempfile_sys_link_fd()
 *
 * Opens a file that has no name in @dir: O_TMPFILE where the kernel and the
 * file system support it, otherwise a named file whose name is removed at
 * once. A failure leaves nothing behind.
 */
int
_g_tempfile_open_anonymous (const char  *dir,
                            const char  *prefix,
                            const char  *suffix,
                            gboolean    *linkable,
                            GError     **error)
{
  g_autofree char *path = NULL;
  GTempfileSlot *slot = NULL;
  int fd;

  *linkable = FALSE;

  /* Checked even when O_TMPFILE ignores them, so that a bad prefix fails the
   * same way on every system. */
  if (!_g_tempfile_check_affixes (prefix, suffix, error))
    return -1;

  if (g_atomic_int_get (&o_tmpfile_works))
    {
      fd = open_tmpfile (dir, linkable);
      if (fd >= 0)
        return fd;

      if (errno == EISDIR)
        g_atomic_int_set (&o_tmpfile_works, FALSE);
      /* Any other failure (not built in, a file system without support, a
       * missing directory...) falls back for this call only; the fallback
       * reports the real error if there is one. */
    }

  /* Registered for the moment it has a name. */
  fd = _g_tempfile_create (dir, prefix, suffix, G_TEMPFILE_KIND_FILE,
                           create_anonymous_func, NULL, &slot, &path, error);
  if (fd < 0)
    return -1;

  if (_g_tempfile_sys_unlink_open (fd, path) != 0)
    {
      int errsv = errno;

      /* A constructor that fails leaves nothing (DESIGN.md §3): try once
       * more with the file closed, which is what some systems need before
       * they let a name go. Only if that fails too does the name stay,
       * registered, for the exit pass. */
      _g_tempfile_sys_close (fd);
      if (_g_tempfile_sys_unlink (path) == 0 || errno == ENOENT)
        _g_tempfile_registry_release (slot);
      _g_tempfile_set_error_path (error, errsv,
                                  _("Error removing the name of temporary file “%s”: %s"), path);
      return -1;
    }

  _g_tempfile_registry_release (slot);
  return fd;
}
