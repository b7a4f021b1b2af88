/* gtempfile-names.c: temporary names and paths
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every temporary name libgtempfile makes has its random part from here:
 * files, directories, the default-directory probe and the sibling names
 * used to persist anonymous files.
 */

#include "config.h"

#include <errno.h>
#include <string.h>

#include "gtempfile-error-private.h"
#include "gtempfile-names-private.h"
#include "gtempfile-platform-private.h"

/* Random names ------------------------------------------------------------- */

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

/* The calling thread's pool, looked up once per name: in a shared library
 * each access to a thread-local variable may call __tls_get_addr, and the
 * compiler would otherwise repeat that for every byte drawn. */
static G_GNUC_NO_INLINE RandomPool *
thread_pool (void)
{
  return &random_pool;
}

static GTempfileNameFunc test_name_func;
static gpointer test_name_data;

void
_g_tempfile_set_name_func_for_testing (GTempfileNameFunc func,
                                       gpointer          user_data)
{
  test_name_func = func;
  test_name_data = user_data;
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
  RandomPool *pool;
  guint generation;
  guint i = 0;

  if (G_UNLIKELY (test_name_func != NULL))
    {
      test_name_func (out, test_name_data);
      return TRUE;
    }

  generation = _g_tempfile_sys_fork_generation ();
  pool = thread_pool ();

  while (i < GTEMPFILE_RANDOM_CHARS)
    {
      guint8 byte;

      if (pool->used >= sizeof pool->bytes || pool->generation != generation)
        {
          if (_g_tempfile_sys_random (pool->bytes, sizeof pool->bytes) != 0)
            {
              int errsv = errno;

              g_set_error (error, G_IO_ERROR, _g_tempfile_io_error_from_errno (errsv),
                           _("Error getting random bytes from the operating system: %s"),
                           g_strerror (errsv));
              return FALSE;
            }
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

/* Validation ---------------------------------------------------------------- */

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
  if (length > GTEMPFILE_SYS_NAME_MAX)
    {
      g_autofree char *display_prefix = g_filename_display_name (prefix);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FILENAME_TOO_LONG,
                   _("A temporary name with prefix “%s” would be %zu bytes long, "
                     "more than the %d bytes a file name may have"),
                   display_prefix, length, GTEMPFILE_SYS_NAME_MAX);
      return FALSE;
    }

  return TRUE;
}

/* Paths --------------------------------------------------------------------- */

/*
 * _g_tempfile_make_absolute:
 * @path: a path, possibly relative or empty
 * @error: return location for a #GError
 *
 * Makes @path absolute by putting the current directory in front of a
 * relative one, and does nothing else (DESIGN.md §2): "." and ".."
 * components, symbolic links, repeated and trailing separators all keep the
 * meaning the kernel gives them. "link/.." is the parent of what "link"
 * points to, not the current directory, and "name/" must be a directory.
 * An empty path is the current directory, as in Python. A current
 * directory that has no path any more (it was removed) is an error, as the
 * kernel would give for the relative path, never "/".
 *
 * Returns: (transfer full) (type filename) (nullable): the absolute path,
 *   or %NULL with @error set
 */
char *
_g_tempfile_make_absolute (const char  *path,
                           GError     **error)
{
  char *absolute = _g_tempfile_sys_make_absolute (path);

  if (absolute == NULL)
    {
      int errsv = errno;
      g_autofree char *display = g_filename_display_name (path);

      g_set_error (error, G_IO_ERROR, _g_tempfile_io_error_from_errno (errsv),
                   _("Cannot resolve “%s” against the current directory: %s"), display,
                   g_strerror (errsv));
    }
  return absolute;
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
  g_autofree char *entry = NULL;
  gsize length = strlen (path);

  while (length > 1 && G_IS_DIR_SEPARATOR (path[length - 1]))
    length--;

  entry = g_strndup (path, length);
  return g_path_get_dirname (entry);
}
