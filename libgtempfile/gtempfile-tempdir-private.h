/* gtempfile-tempdir-private.h: the default directory (floor 5)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * DESIGN.md §2: the first usable of $TMPDIR, $TEMP, $TMP, the system's
 * conventional directories, the user cache directory, the home directory
 * and the current directory, each probed by creating, writing and removing
 * a file; cached until set again.
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  const char *source;   /* "$TMPDIR", "/tmp", or N_() text for the others */
  char       *path;     /* absolute; NULL for a variable not set or empty */
} GTempfileCandidate;

GPtrArray   *_g_tempfile_list_tempdir_candidates (void);
/* 0 if a file can be created, written and removed in @dir, else the errno
 * of the step that failed. Nothing is left behind. */
int          _g_tempfile_probe_tempdir      (const char   *dir);
/* The default directory (probed once, then cached), or NULL with
 * G_IO_ERROR_NOT_FOUND listing what was tried. */
char        *_g_tempfile_tempdir_get        (GError      **error);
/* Sets it (made absolute); NULL probes again next time. */
void         _g_tempfile_tempdir_set        (const char   *dir);
/* @dir made absolute, or the default directory when it is NULL. */
char        *_g_tempfile_resolve_dir        (const char   *dir,
                                             GError      **error);

G_END_DECLS
