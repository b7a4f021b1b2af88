/* gtempfile-create.c: temporary names and the create-and-retry loop
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every temporary name libgtempfile makes comes from here: files, directories,
 * the default-directory probe and the sibling names used to persist anonymous
 * files. The policy (DESIGN.md §2):
 *
 *  - a name is dir/prefix + 8 characters of [a-z0-9_] + suffix, the characters
 *    drawn uniformly from the operating system's cryptographic generator;
 *  - only "already exists" tries another name, at most 10 000 times; every
 *    other error stops at once, so an unwritable directory never spins;
 *  - descriptors are close-on-exec, files 0600 and directories 0700 (the umask
 *    may only remove bits).
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef HAVE_GETRANDOM
# include <sys/random.h>
#endif
#ifdef HAVE_ARC4RANDOM_BUF
# include <stdlib.h>
#endif

#include <glib/gstdio.h>

#include "gtempfile-private.h"

#ifndef NAME_MAX
# define NAME_MAX 255
#endif

/* Errors ------------------------------------------------------------------ */

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

void
_g_tempfile_clear_fd (int *fd_ptr)
{
  int fd = *fd_ptr;
  int errsv = errno;

  /* Used on error paths: keep the errno that is being reported. */
  if (fd >= 0)
    {
      *fd_ptr = -1;
      close (fd);
    }
  errno = errsv;
}

/* The construct-only "dir", "prefix" and "suffix" properties of every class:
 * file-system bytes, read back as what was actually used. */
GParamSpec *
_g_tempfile_param_spec_path (const char *name)
{
  return g_param_spec_string (name, NULL, NULL,
                              NULL,
                              G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                              G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
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

/* Paths handed out -------------------------------------------------------- */

/* The path of a temporary file or directory and its GFile are returned
 * without a reference; when persist gives the object a new path, the old
 * values are kept alive until the object goes. */
void
_g_tempfile_path_set (GTempfilePath *self,
                      char          *path)
{
  if (self->path != NULL)
    {
      if (self->retired_paths == NULL)
        self->retired_paths = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (self->retired_paths, g_steal_pointer (&self->path));
    }
  if (self->file != NULL)
    {
      if (self->retired_files == NULL)
        self->retired_files = g_ptr_array_new_with_free_func (g_object_unref);
      g_ptr_array_add (self->retired_files, g_steal_pointer (&self->file));
    }

  self->path = path;
}

GFile *
_g_tempfile_path_get_file (GTempfilePath *self)
{
  if (self->file == NULL && self->path != NULL)
    self->file = g_file_new_for_path (self->path);

  return self->file;
}

void
_g_tempfile_path_clear (GTempfilePath *self)
{
  g_clear_pointer (&self->path, g_free);
  g_clear_object (&self->file);
  g_clear_pointer (&self->retired_paths, g_ptr_array_unref);
  g_clear_pointer (&self->retired_files, g_ptr_array_unref);
}

/* Asynchronous creation --------------------------------------------------- */

static void
create_in_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  GTempfileCreateObjectFunc create = (GTempfileCreateObjectFunc) task_data;
  GError *error = NULL;

  if (create (source_object, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/*
 * _g_tempfile_init_async:
 *
 * GAsyncInitable.init_async for the classes that create something: runs
 * @create in a worker thread. Once the object exists it is reported even if
 * the operation was cancelled meanwhile: something kept with a KEEP flag
 * must never be created behind the caller's back. Cancelling before it
 * exists does cancel.
 */
void
_g_tempfile_init_async (GAsyncInitable            *initable,
                        GTempfileCreateObjectFunc  create,
                        int                        io_priority,
                        GCancellable              *cancellable,
                        GAsyncReadyCallback        callback,
                        gpointer                   user_data)
{
  g_autoptr(GTask) task = g_task_new (initable, cancellable, callback, user_data);

  g_task_set_source_tag (task, _g_tempfile_init_async);
  g_task_set_priority (task, io_priority);
  g_task_set_task_data (task, (gpointer) create, NULL);
  g_task_set_check_cancellable (task, FALSE);
  g_task_run_in_thread (task, create_in_thread);
}

gboolean
_g_tempfile_init_finish (GAsyncInitable  *initable,
                         GAsyncResult    *result,
                         GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, initable), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == _g_tempfile_init_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Random names ------------------------------------------------------------ */

static const char name_alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789_";
#define ALPHABET_SIZE ((guint) (sizeof name_alphabet - 1))
/* Bytes at or above the largest multiple of 37 below 256 are thrown away, so
 * that every character is equally likely. */
#define ACCEPT_BELOW (256 - 256 % ALPHABET_SIZE)

/* Each thread draws from its own buffer of operating-system randomness, so a
 * name costs a system call only every few dozen names. A child process must
 * never reuse its parent's bytes: fork bumps the generation, which empties
 * every pool the child inherited. */
typedef struct
{
  guint8 bytes[256];
  guint  used;
  guint  generation;
} RandomPool;

static _Thread_local RandomPool random_pool;
static int fork_generation = 1;

static GTempfileNameFunc test_name_func;
static gpointer test_name_data;

static int cached_pid;   /* atomic; 0 until first asked */

static void
bump_fork_generation (void)
{
  /* Runs in the child, which has a single thread at this point. */
  fork_generation++;
  g_atomic_int_set (&cached_pid, getpid ());
}

static void
ensure_fork_handler (void)
{
  static gsize registered = 0;

  if (g_once_init_enter (&registered))
    {
      pthread_atfork (NULL, NULL, bump_fork_generation);
      g_once_init_leave (&registered, 1);
    }
}

/*
 * _g_tempfile_getpid:
 *
 * getpid(), without a system call each time: objects compare it with the
 * process that created them on every close and dispose. The cache is
 * renewed in a child made with fork() (pthread_atfork), as the pool of
 * random bytes is.
 */
pid_t
_g_tempfile_getpid (void)
{
  pid_t pid = g_atomic_int_get (&cached_pid);

  if (G_UNLIKELY (pid == 0))
    {
      ensure_fork_handler ();
      pid = getpid ();
      g_atomic_int_set (&cached_pid, pid);
    }
  return pid;
}

#if !defined(HAVE_ARC4RANDOM_BUF) || defined(HAVE_GETRANDOM)
static gboolean
read_urandom (guint8  *buffer,
              gsize    length,
              GError **error)
{
  const char *device = "/dev/urandom";
  int fd;
  gsize done = 0;

  fd = open (device, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      int errsv = errno;

      _g_tempfile_set_error_path (error, errsv, _("Error reading random bytes from “%s”: %s"),
                                  device);
      return FALSE;
    }

  while (done < length)
    {
      gssize res = read (fd, buffer + done, length - done);

      if (res < 0 && errno == EINTR)
        continue;
      if (res <= 0)
        {
          int errsv = res < 0 ? errno : EIO;

          _g_tempfile_clear_fd (&fd);
          _g_tempfile_set_error_path (error, errsv, _("Error reading random bytes from “%s”: %s"),
                                      device);
          return FALSE;
        }
      done += res;
    }

  _g_tempfile_clear_fd (&fd);
  return TRUE;
}
#endif

static gboolean
fill_random (guint8  *buffer,
             gsize    length,
             GError **error)
{
#if defined(HAVE_GETRANDOM)
  gsize done = 0;

  while (done < length)
    {
      gssize res = getrandom (buffer + done, length - done, 0);

      if (res < 0)
        {
          int errsv = errno;

          if (errsv == EINTR)
            continue;
          if (errsv == ENOSYS)
            return read_urandom (buffer + done, length - done, error);

          g_set_error (error, G_IO_ERROR, _g_tempfile_io_error_from_errno (errsv),
                       _("Error getting random bytes from the operating system: %s"),
                       g_strerror (errsv));
          return FALSE;
        }
      done += res;
    }
  return TRUE;
#elif defined(HAVE_ARC4RANDOM_BUF)
  arc4random_buf (buffer, length);
  return TRUE;
#else
  return read_urandom (buffer, length, error);
#endif
}

/*
 * _g_tempfile_random_chars:
 * @out: where to write GTEMPFILE_RANDOM_CHARS characters (not terminated)
 * @error: return location for a #GError
 *
 * Fills @out with characters of [a-z0-9_] from the operating system's
 * cryptographic generator (or from the test hook, when one is set).
 */
gboolean
_g_tempfile_random_chars (char    *out,
                          GError **error)
{
  RandomPool *pool = &random_pool;
  guint generation;
  guint i = 0;

  if (G_UNLIKELY (test_name_func != NULL))
    {
      test_name_func (out, test_name_data);
      return TRUE;
    }

  ensure_fork_handler ();
  generation = (guint) g_atomic_int_get (&fork_generation);

  while (i < GTEMPFILE_RANDOM_CHARS)
    {
      guint8 byte;

      if (pool->used >= sizeof pool->bytes || pool->generation != generation)
        {
          if (!fill_random (pool->bytes, sizeof pool->bytes, error))
            return FALSE;
          pool->used = 0;
          pool->generation = generation;
        }

      byte = pool->bytes[pool->used];
      /* Spent bytes do not linger in memory. */
      pool->bytes[pool->used++] = 0;
      if (byte < ACCEPT_BELOW)
        out[i++] = name_alphabet[byte % ALPHABET_SIZE];
    }

  return TRUE;
}

void
_g_tempfile_set_name_func_for_testing (GTempfileNameFunc func,
                                       gpointer          user_data)
{
  test_name_func = func;
  test_name_data = user_data;
}

/* Paths and validation ---------------------------------------------------- */

/*
 * _g_tempfile_make_absolute:
 * @path: a path, possibly relative or empty
 *
 * Makes @path absolute by putting the current directory in front of a
 * relative one, and does nothing else (DESIGN.md §2): "." and ".."
 * components, symbolic links, repeated and trailing separators all keep the
 * meaning the kernel gives them. "link/.." is the parent of what "link"
 * points to, not the current directory, and "name/" must be a directory.
 * An empty path is the current directory, as in Python.
 *
 * Returns: (transfer full) (type filename): the absolute path
 */
char *
_g_tempfile_make_absolute (const char *path)
{
  g_autofree char *cwd = NULL;
  gsize cwd_length;

  if (g_path_is_absolute (path))
    return g_strdup (path);

  cwd = g_get_current_dir ();
  if (*path == '\0')
    return g_steal_pointer (&cwd);

  cwd_length = strlen (cwd);
  if (cwd_length > 0 && G_IS_DIR_SEPARATOR (cwd[cwd_length - 1]))
    return g_strconcat (cwd, path, NULL);
  return g_strconcat (cwd, G_DIR_SEPARATOR_S, path, NULL);
}

/*
 * _g_tempfile_get_parent:
 * @path: (type filename): an absolute path
 *
 * The directory that holds the entry @path names: "/a/b" for "/a/b/c" and
 * for "/a/b/c/" alike (a trailing separator only says that the entry must
 * be a directory). Nothing is resolved.
 *
 * Returns: (transfer full) (type filename): the parent directory
 */
char *
_g_tempfile_get_parent (const char *path)
{
  gsize length = strlen (path);

  while (length > 1 && G_IS_DIR_SEPARATOR (path[length - 1]))
    length--;

  {
    g_autofree char *entry = g_strndup (path, length);

    return g_path_get_dirname (entry);
  }
}

char *
_g_tempfile_resolve_dir (const char  *dir,
                         GError     **error)
{
  if (dir == NULL)
    return g_tempfile_get_tempdir (error);

  return _g_tempfile_make_absolute (dir);
}

static gboolean
check_affix (const char  *affix,
             gboolean     is_prefix,
             GError     **error)
{
  g_autofree char *display = NULL;

  if (strchr (affix, '/') == NULL && strchr (affix, G_DIR_SEPARATOR) == NULL)
    return TRUE;

  display = g_filename_display_name (affix);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               is_prefix
               ? _("Invalid prefix “%s” for a temporary name: it must not contain “/”")
               : _("Invalid suffix “%s” for a temporary name: it must not contain “/”"),
               display);
  return FALSE;
}

/*
 * _g_tempfile_check_affixes:
 *
 * Refuses a prefix or suffix that would put the name outside its directory,
 * and a name longer than a file-name component may be. Nothing is touched,
 * so callers check before they even look for the default directory.
 */
gboolean
_g_tempfile_check_affixes (const char  *prefix,
                           const char  *suffix,
                           GError     **error)
{
  gsize length;

  if (!check_affix (prefix, TRUE, error) ||
      !check_affix (suffix, FALSE, error))
    return FALSE;

  length = strlen (prefix) + GTEMPFILE_RANDOM_CHARS + strlen (suffix);
  if (length > NAME_MAX)
    {
      g_autofree char *display_prefix = g_filename_display_name (prefix);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FILENAME_TOO_LONG,
                   _("A temporary name with prefix “%s” would be %zu bytes long, "
                     "more than the %d bytes a file name may have"),
                   display_prefix, length, NAME_MAX);
      return FALSE;
    }

  return TRUE;
}

/* The create-and-retry loop ----------------------------------------------- */

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
 *   is returned here (for a directory, @func returns a descriptor of it)
 * @path_out: (out) (optional) (type filename): the path created, or %NULL
 * @error: return location for a #GError
 *
 * Returns: what @func returned on success, or -1 with @error set and errno
 *   still telling the cause
 */
int
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
  gboolean add_separator = dir_length == 0 || dir[dir_length - 1] != G_DIR_SEPARATOR;
  g_autofree char *path = NULL;
  char *random_part;
  char *cursor;
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
      struct stat st;
      GTempfileSignalState saved;
      int result;

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
        _g_tempfile_registry_end (slot, result >= 0,
                                  result >= 0 && kind == G_TEMPFILE_KIND_DIRECTORY &&
                                  fstat (result, &st) == 0 ? &st : NULL,
                                  &saved);

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

      if (errsv != EEXIST)
        {
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

int
_g_tempfile_open_file_func (const char *path,
                            gpointer    user_data)
{
  return open (path, GTEMPFILE_OPEN_FLAGS, GTEMPFILE_FILE_MODE);
}

int
_g_tempfile_make_dir_func (const char *path,
                           gpointer    user_data)
{
  return mkdir (path, GTEMPFILE_DIR_MODE);
}

/* Anonymous files --------------------------------------------------------- */

/* Cleared for good when the kernel answers EISDIR (Linux before 3.11 reads
 * O_TMPFILE as O_DIRECTORY), or by the test hook. */
static int o_tmpfile_works = TRUE;
static int o_tmpfile_test_errno;

void
_g_tempfile_set_o_tmpfile_for_testing (gboolean enabled)
{
  g_atomic_int_set (&o_tmpfile_works, enabled);
}

void
_g_tempfile_set_o_tmpfile_errno_for_testing (int errsv)
{
  o_tmpfile_test_errno = errsv;
}

static int
open_tmpfile (const char *dir)
{
  if (G_UNLIKELY (o_tmpfile_test_errno != 0))
    {
      errno = o_tmpfile_test_errno;
      return -1;
    }

  /* No O_EXCL, so that persist can link the file into place; no
   * O_NOFOLLOW, so that a symbolic link to a directory is used as given. */
  return open (dir, O_RDWR | O_TMPFILE | O_CLOEXEC, GTEMPFILE_FILE_MODE);
}

/*
 * _g_tempfile_open_anonymous:
 * @linkable: (out): whether the file can later be given a name with
 *   _g_tempfile_link_fd()
 *
 * Opens a file that has no name in @dir: O_TMPFILE where the kernel and the
 * file system support it, otherwise a named file removed at once.
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

#ifdef HAVE_O_TMPFILE
  if (g_atomic_int_get (&o_tmpfile_works))
    {
      fd = open_tmpfile (dir);
      if (fd >= 0)
        {
          /* Some C libraries passed no mode with O_TMPFILE (glibc bug 17523),
           * and the mode matters once persist links the file. */
          if (fchmod (fd, GTEMPFILE_FILE_MODE) != 0)
            {
              int errsv = errno;

              _g_tempfile_clear_fd (&fd);
              _g_tempfile_set_error_path (error, errsv,
                                          _("Error creating a temporary file in “%s”: %s"), dir);
              return -1;
            }
          *linkable = TRUE;
          return fd;
        }

      if (errno == EISDIR)
        g_atomic_int_set (&o_tmpfile_works, FALSE);
      /* Any other failure (a file system without support, a missing
       * directory...) falls back for this call only; the fallback reports
       * the real error if there is one. */
    }
#endif

  /* Registered for the moment it has a name. */
  fd = _g_tempfile_create (dir, prefix, suffix, G_TEMPFILE_KIND_FILE,
                           _g_tempfile_open_file_func, NULL, &slot, &path, error);
  if (fd < 0)
    return -1;

  if (g_unlink (path) != 0)
    {
      int errsv = errno;

      /* A constructor that fails leaves nothing (DESIGN.md §3): try once
       * more with the file closed, which is what some systems need before
       * they let a name go. Only if that fails too does the name stay,
       * registered, for the exit pass. */
      _g_tempfile_clear_fd (&fd);
      if (g_unlink (path) == 0 || errno == ENOENT)
        _g_tempfile_registry_release (slot);
      _g_tempfile_set_error_path (error, errsv,
                                  _("Error removing the name of temporary file “%s”: %s"), path);
      return -1;
    }

  _g_tempfile_registry_release (slot);
  return fd;
}

/* Giving files their final name ------------------------------------------- */

/*
 * _g_tempfile_link_fd:
 *
 * Gives the open file @fd (made with O_TMPFILE, without O_EXCL) the name
 * @target. Never replaces an existing @target. Returns 0, or -1 with errno.
 */
int
_g_tempfile_link_fd (int         fd,
                     const char *target)
{
  char proc_path[64];
  int errsv;

  /* Works for unprivileged processes, but needs /proc. */
  g_snprintf (proc_path, sizeof proc_path, "/proc/self/fd/%d", fd);
  if (linkat (AT_FDCWD, proc_path, AT_FDCWD, target, AT_SYMLINK_FOLLOW) == 0)
    return 0;

  errsv = errno;
  if (errsv == ENOENT && access ("/proc/self/fd", F_OK) != 0)
    {
      g_autofree char *parent = NULL;

      /* No /proc: the direct way needs CAP_DAC_READ_SEARCH, and says ENOENT
       * without it, as it does for a missing target directory. */
      if (linkat (fd, "", AT_FDCWD, target, AT_EMPTY_PATH) == 0)
        return 0;

      errsv = errno;
      parent = _g_tempfile_get_parent (target);
      if (errsv == ENOENT && g_file_test (parent, G_FILE_TEST_IS_DIR))
        errsv = EOPNOTSUPP;
    }

  errno = errsv;
  return -1;
}

static int renameat2_missing = FALSE;

void
_g_tempfile_set_renameat2_for_testing (gboolean enabled)
{
  g_atomic_int_set (&renameat2_missing, !enabled);
}

/*
 * _g_tempfile_rename_noreplace:
 *
 * Renames @from to @to unless @to exists (then -1 with EEXIST). Atomic where
 * renameat2(RENAME_NOREPLACE) works. Elsewhere, a file is linked and then
 * unlinked, which never replaces either but can leave both names after a
 * crash; a directory, which cannot be linked, is renamed after checking that
 * @to is free, which a concurrent creation of @to can race.
 */
int
_g_tempfile_rename_noreplace (const char *from,
                              const char *to,
                              gboolean    is_dir)
{
  struct stat st;
  int errsv;

#if defined(HAVE_RENAMEAT2) && defined(RENAME_NOREPLACE)
  if (!g_atomic_int_get (&renameat2_missing))
    {
      if (renameat2 (AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
        return 0;

      errsv = errno;
      if (errsv == ENOSYS)
        g_atomic_int_set (&renameat2_missing, TRUE);
      else if (errsv != EINVAL && errsv != EOPNOTSUPP)
        return -1;
      /* EINVAL: this file system does not support the flag. */
    }
#endif

  if (is_dir)
    {
      if (lstat (to, &st) == 0)
        {
          errno = EEXIST;
          return -1;
        }
      if (errno != ENOENT)
        return -1;
      return rename (from, to);
    }

  if (link (from, to) != 0)
    {
      /* File systems without hard links (FAT) say EPERM. */
      if (errno == EPERM)
        errno = EOPNOTSUPP;
      return -1;
    }

  if (unlink (from) != 0)
    {
      errsv = errno;
      unlink (to);
      errno = errsv;
      return -1;
    }

  return 0;
}

static guint fsync_count;

/*
 * _g_tempfile_fsync:
 *
 * fsync(2), retried when interrupted. Returns 0, or -1 with errno.
 */
int
_g_tempfile_fsync (int fd)
{
  int res;

  g_atomic_int_inc (&fsync_count);
  do
    res = fsync (fd);
  while (res != 0 && errno == EINTR);

  return res;
}

guint
_g_tempfile_get_fsync_count_for_testing (void)
{
  return g_atomic_int_get (&fsync_count);
}

/*
 * _g_tempfile_fsync_parent:
 *
 * Flushes the directory that holds @path, so that a new name in it survives a
 * power failure. Returns 0, or -1 with errno.
 */
int
_g_tempfile_fsync_parent (const char *path)
{
  g_autofree char *parent = _g_tempfile_get_parent (path);
  int fd;
  int res;

  fd = open (parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return -1;

  res = _g_tempfile_fsync (fd);
  _g_tempfile_clear_fd (&fd);
  return res;
}
