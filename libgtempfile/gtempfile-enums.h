/* gtempfile-enums.h: flags shared by libgtempfile's classes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(GTEMPFILE_INSIDE) && !defined(GTEMPFILE_COMPILATION)
# error "Only <gtempfile.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/**
 * GTempFileFlags:
 * @G_TEMP_FILE_FLAGS_NONE: a named file, removed when it is closed
 * @G_TEMP_FILE_FLAGS_ANONYMOUS: a file that never has a name in the file
 *   system, like Python's `TemporaryFile`
 * @G_TEMP_FILE_FLAGS_KEEP: do not remove the file automatically: the
 *   [property@GTempfile.TempFile:delete] property starts %FALSE
 * @G_TEMP_FILE_FLAGS_KEEP_ON_CLOSE: keep the file when the stream is closed,
 *   so it can be reopened by name, and remove it when the object is disposed:
 *   the [property@GTempfile.TempFile:delete-on-close] property starts %FALSE
 *
 * Flags for [ctor@GTempfile.TempFile.new_full] and
 * [func@GTempfile.TempFile.create_async].
 *
 * Since: 1.0
 */
typedef enum /*< flags,prefix=G_TEMP_FILE_FLAGS >*/
{
  G_TEMP_FILE_FLAGS_NONE          = 0,
  G_TEMP_FILE_FLAGS_ANONYMOUS     = 1 << 0,
  G_TEMP_FILE_FLAGS_KEEP          = 1 << 1,
  G_TEMP_FILE_FLAGS_KEEP_ON_CLOSE = 1 << 2,
} GTempFileFlags;

/**
 * GTempDirFlags:
 * @G_TEMP_DIR_FLAGS_NONE: a directory removed with everything in it when
 *   the object is disposed
 * @G_TEMP_DIR_FLAGS_KEEP: do not remove the directory automatically: the
 *   [property@GTempfile.TempDir:delete] property starts %FALSE
 * @G_TEMP_DIR_FLAGS_IGNORE_CLEANUP_ERRORS: report nothing when removing the
 *   directory fails: the [property@GTempfile.TempDir:ignore-cleanup-errors]
 *   property starts %TRUE, like Python's `ignore_cleanup_errors`
 *
 * Flags for [ctor@GTempfile.TempDir.new_full] and
 * [func@GTempfile.TempDir.create_async].
 *
 * Since: 1.0
 */
typedef enum /*< flags,prefix=G_TEMP_DIR_FLAGS >*/
{
  G_TEMP_DIR_FLAGS_NONE                  = 0,
  G_TEMP_DIR_FLAGS_KEEP                  = 1 << 0,
  G_TEMP_DIR_FLAGS_IGNORE_CLEANUP_ERRORS = 1 << 1,
} GTempDirFlags;

/**
 * GTempPersistFlags:
 * @G_TEMP_PERSIST_NONE: replace an existing file at the target, atomically,
 *   like rename(2)
 * @G_TEMP_PERSIST_NO_REPLACE: fail with %G_IO_ERROR_EXISTS instead of
 *   replacing an existing target
 * @G_TEMP_PERSIST_SYNC: flush the file to disk before giving it its name and
 *   the target directory after, so the result survives a power failure
 *
 * Flags for [method@GTempfile.TempFile.persist] and
 * [method@GTempfile.TempDir.persist].
 *
 * Since: 1.0
 */
typedef enum /*< flags,prefix=G_TEMP_PERSIST >*/
{
  G_TEMP_PERSIST_NONE       = 0,
  G_TEMP_PERSIST_NO_REPLACE = 1 << 0,
  G_TEMP_PERSIST_SYNC       = 1 << 1,
} GTempPersistFlags;

G_END_DECLS
