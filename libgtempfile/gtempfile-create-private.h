/* gtempfile-create-private.h: the create-and-retry loop (floor 4)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Creation policy, DESIGN.md §2 and §3: names from gtempfile-names, only
 * "already exists" tries another name (at most 10 000 times), everything
 * registered for removal before it exists, anonymous files by the best
 * means the platform has.
 */

#pragma once

#include <gio/gio.h>

#include "gtempfile-registry-private.h"

G_BEGIN_DECLS

/* Tries to create @path; returns a descriptor or handle (or 0) on success,
 * -1 with errno set on failure. */
typedef gintptr (*GTempfileCreateFunc) (const char *path,
                                        gpointer    user_data);

gintptr      _g_tempfile_create             (const char      *dir,
                                             const char      *prefix,
                                             const char      *suffix,
                                             GTempfileKind    kind,
                                             GTempfileCreateFunc func,
                                             gpointer         user_data,
                                             GTempfileSlot  **slot_out,
                                             char           **path_out,
                                             GError         **error);

/* Creation functions for _g_tempfile_create(): a file (its descriptor), a
 * directory (0), a directory kept open (its handle; its identity goes to
 * the registry). */
gintptr      _g_tempfile_create_file_func   (const char      *path,
                                             gpointer         user_data);
gintptr      _g_tempfile_create_dir_func    (const char      *path,
                                             gpointer         user_data);
gintptr      _g_tempfile_create_open_dir_func (const char    *path,
                                               gpointer       user_data);

/* A file with no name in @dir (DESIGN.md §3): O_TMPFILE where it works,
 * else created with a name that is removed at once. *@linkable says whether
 * it can be given a name later. */
int          _g_tempfile_open_anonymous     (const char      *dir,
                                             const char      *prefix,
                                             const char      *suffix,
                                             gboolean        *linkable,
                                             GError         **error);

/* Test hooks: O_TMPFILE on or off for the process (on again clears the
 * effect of EISDIR), and a simulated failure of it with @errsv (0: none). */
void         _g_tempfile_set_o_tmpfile_for_testing       (gboolean   enabled);
void         _g_tempfile_set_o_tmpfile_errno_for_testing (int        errsv);

G_END_DECLS
