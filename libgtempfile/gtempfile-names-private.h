/* gtempfile-names-private.h: temporary names and paths (floor 2)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The naming policy of DESIGN.md §2: dir/prefix + 8 characters of
 * [a-z0-9_] drawn from the operating system's cryptographic generator +
 * suffix; prefixes and suffixes that would leave the directory are refused;
 * relative paths get the current directory in front and nothing else.
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define GTEMPFILE_RANDOM_CHARS   8
#define GTEMPFILE_MAX_TRIES      10000
#define GTEMPFILE_DEFAULT_PREFIX "tmp"

/* Fills @out with GTEMPFILE_RANDOM_CHARS characters (not terminated). */
gboolean     _g_tempfile_random_chars       (char         *out,
                                             GError      **error);
/* INVALID_ARGUMENT for a separator in @prefix or @suffix, FILENAME_TOO_LONG
 * for a name longer than a component may be. Touches nothing. */
gboolean     _g_tempfile_check_affixes      (const char   *prefix,
                                             const char   *suffix,
                                             GError      **error);
char        *_g_tempfile_make_absolute      (const char   *path,
                                            GError      **error);
char        *_g_tempfile_get_parent         (const char   *path);

/* Test hook: names from @func instead of the generator. */
typedef void (*GTempfileNameFunc) (char     *out,
                                   gpointer  user_data);

void         _g_tempfile_set_name_func_for_testing (GTempfileNameFunc func,
                                                    gpointer          user_data);

G_END_DECLS
