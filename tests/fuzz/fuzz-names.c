/* fuzz-names.c: libFuzzer target for temporary names
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The input is split at NUL bytes into a directory, a prefix and a suffix
 * (missing parts are NULL: the defaults), any bytes at all. For each input:
 *
 *  - validation agrees with the rules: a prefix or suffix with "/" is
 *    INVALID_ARGUMENT, a name over NAME_MAX bytes is FILENAME_TOO_LONG;
 *  - composition, without touching the disk, gives exactly
 *    dir + "/" + prefix + 8 characters of [a-z0-9_] + suffix;
 *  - creation for real, when the directory resolves inside a sandbox,
 *    creates one file directly inside it and nothing anywhere else.
 *
 * Build with -Dfuzzing=true (clang); "meson test --suite fuzz" runs it for a
 * bounded time from the seed corpus.
 */

#include "config.h"

#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "gtempfile.h"
#include "gtempfile-create-private.h"
#include "gtempfile-names-private.h"

#ifndef NAME_MAX
# define NAME_MAX 255
#endif

static char *sandbox;
static guint sandbox_entries;

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static guint
count_entries (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (d != NULL && g_dir_read_name (d) != NULL)
    n++;
  return n;
}

static int
remove_entry (const char        *path,
              const struct stat *st,
              int                type,
              struct FTW        *ftw)
{
  remove (path);
  return 0;
}

static void
remove_sandbox (void)
{
  nftw (sandbox, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_autofree char *sub = NULL;

  sandbox = g_dir_make_tmp ("fuzz-names-XXXXXX", NULL);
  if (sandbox == NULL)
    abort ();
  /* Something to resolve into: "sub", "sub/inner". */
  sub = g_build_filename (sandbox, "sub", "inner", NULL);
  if (g_mkdir_with_parents (sub, 0700) != 0)
    abort ();
  sandbox_entries = count_entries (sandbox);
  atexit (remove_sandbox);
  return 0;
}

static gintptr
record_path (const char *path,
             gpointer    user_data)
{
  char **recorded = user_data;

  g_free (*recorded);
  *recorded = g_strdup (path);
  return 0;
}

static gboolean
is_random_part (const char *chars)
{
  for (guint i = 0; i < GTEMPFILE_RANDOM_CHARS; i++)
    if (strchr ("abcdefghijklmnopqrstuvwxyz0123456789_", chars[i]) == NULL || chars[i] == '\0')
      return FALSE;
  return TRUE;
}

/* dir + "/" + prefix + random + suffix, exactly. */
static void
check_composition (const char *dir,
                   const char *prefix,
                   const char *suffix,
                   const char *path)
{
  gsize dir_length = strlen (dir);
  gsize prefix_length = strlen (prefix);
  const char *rest = path;

  if (strncmp (rest, dir, dir_length) != 0)
    abort ();
  rest += dir_length;
  if (dir_length == 0 || dir[dir_length - 1] != '/')
    {
      if (*rest != '/')
        abort ();
      rest++;
    }
  if (strncmp (rest, prefix, prefix_length) != 0)
    abort ();
  rest += prefix_length;
  if (!is_random_part (rest))
    abort ();
  rest += GTEMPFILE_RANDOM_CHARS;
  if (strcmp (rest, suffix) != 0)
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *copy = g_malloc (size + 1);
  const char *parts[3] = { NULL, NULL, NULL };
  const char *prefix;
  const char *suffix;
  g_autoptr(GError) error = NULL;
  g_autofree char *absolute = NULL;
  g_autofree char *joined = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *recorded = NULL;
  g_autofree char *path = NULL;
  gsize offset = 0;
  gboolean valid;
  int fd;

  /* dir \0 prefix \0 suffix */
  memcpy (copy, data, size);
  copy[size] = '\0';
  for (guint i = 0; i < 3 && offset <= size; i++)
    {
      parts[i] = copy + offset;
      offset += strlen (parts[i]) + 1;
    }
  prefix = parts[1] != NULL ? parts[1] : GTEMPFILE_DEFAULT_PREFIX;
  suffix = parts[2] != NULL ? parts[2] : "";

  /* Validation. */
  valid = _g_tempfile_check_affixes (prefix, suffix, &error);
  if (valid != (strchr (prefix, '/') == NULL && strchr (suffix, '/') == NULL &&
                strlen (prefix) + GTEMPFILE_RANDOM_CHARS + strlen (suffix) <= NAME_MAX))
    abort ();
  if (!valid && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_FILENAME_TOO_LONG))
    abort ();
  g_clear_error (&error);

  /* Any bytes make an absolute path. */
  absolute = _g_tempfile_make_absolute (parts[0] != NULL ? parts[0] : "", NULL);
  if (absolute == NULL || absolute[0] != '/')
    abort ();

  /* Composition, touching nothing, in a directory under the sandbox
   * (".." may still lead out of it: nothing is created then). */
  joined = g_build_filename (sandbox, parts[0] != NULL ? parts[0] : "", NULL);
  dir = _g_tempfile_make_absolute (joined, NULL);

  if (_g_tempfile_create (dir, prefix, suffix, G_TEMPFILE_KIND_FILE, record_path, &recorded,
                          NULL, &path, NULL) >= 0)
    {
      if (!valid || path == NULL || g_strcmp0 (path, recorded) != 0)
        abort ();
      check_composition (dir, prefix, suffix, path);
    }
  else if (valid)
    abort ();
  g_clear_pointer (&path, g_free);

  /* Paths are never normalised (DESIGN.md §2): what is made absolute is
   * the current directory and the bytes as given. */
  if (!g_str_has_prefix (dir, sandbox) || strcmp (dir, joined) != 0)
    abort ();

  /* Creation for real, only where it cannot escape the sandbox: ".." is
   * resolved by the kernel, through whatever the components name. */
  if (!valid || strstr (parts[0] != NULL ? parts[0] : "", "..") != NULL)
    return 0;

  fd = g_tempfile_mkstemp (dir, prefix, suffix, &path, NULL);
  if (fd >= 0)
    {
      check_composition (dir, prefix, suffix, path);
      close (fd);
      if (g_unlink (path) != 0)
        abort ();
    }

  if (count_entries (sandbox) != sandbox_entries)
    abort ();
  return 0;
}
