/* gtemp-file-private.h: GTempFile and its stream halves (floor 6)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The halves (gtemp-file-streams.c) share the descriptor of their owner and
 * stay valid after it is disposed: GIOStream closes them first.
 */

#pragma once

#include "gtemp-file.h"

G_BEGIN_DECLS

typedef enum
{
  G_TEMP_FILE_OP_READ,
  G_TEMP_FILE_OP_WRITE,
  G_TEMP_FILE_OP_SEEK,
  G_TEMP_FILE_OP_TRUNCATE,
  G_TEMP_FILE_OP_STAT,
  G_TEMP_FILE_OP_SYNC,
  G_TEMP_FILE_OP_CLOSE,
} GTempFileOp;

GInputStream  *_g_temp_file_input_stream_new  (GTempFile   *owner);
GOutputStream *_g_temp_file_output_stream_new (GTempFile   *owner);
/* The owner's dispose: the half no longer reaches it (after any operation
 * under way has finished). */
void           _g_temp_file_input_stream_detach  (GInputStream  *stream);
void           _g_temp_file_output_stream_detach (GOutputStream *stream);
gboolean       _g_temp_file_check_open        (GTempFile   *self,
                                               GError     **error);
gboolean       _g_temp_file_outlives_close    (GTempFile   *self);
void           _g_temp_file_set_op_error      (GTempFile   *self,
                                               GTempFileOp  op,
                                               int          errsv,
                                               GError     **error);

/* Test hook: whether an anonymous @file can be given a name by persist. */
gboolean       _g_temp_file_is_linkable_for_testing (GTempFile *file);

G_END_DECLS
