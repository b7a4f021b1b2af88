/* gtempfile-registry-private.h: what this process must remove (floor 3)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every named temporary file and directory with automatic deletion has a
 * slot here while it lives; the exit pass and the signal handler remove
 * what is still registered (DESIGN.md §6).
 */

#pragma once

#include <gio/gio.h>

#include "gtempfile-platform-private.h"

G_BEGIN_DECLS

typedef enum
{
  G_TEMPFILE_KIND_FILE,
  G_TEMPFILE_KIND_DIRECTORY,
} GTempfileKind;

typedef struct _GTempfileSlot GTempfileSlot;

/* Takes a slot for paths of @path_length bytes about to be created. */
GTempfileSlot *_g_tempfile_registry_claim   (GTempfileKind         kind,
                                             gsize                 path_length);
/* Marks @path as being created now (see gtempfile-registry.c). FALSE, with
 * errno ECANCELED, once the process is exiting: nothing may be created any
 * more (call _g_tempfile_registry_end() all the same). */
gboolean     _g_tempfile_registry_begin     (GTempfileSlot        *slot,
                                             const char           *path,
                                             GTempfileSysSignals  *saved);
/* Ends the attempt: @created says whether the path now exists; @id is the
 * identity of a directory that was created. */
void         _g_tempfile_registry_end       (GTempfileSlot        *slot,
                                             gboolean              created,
                                             const GTempfileSysId *id,
                                             GTempfileSysSignals  *saved);
/* The identity recorded when a directory was created. */
gboolean     _g_tempfile_registry_get_identity (GTempfileSlot     *slot,
                                                GTempfileSysId    *id);
/* Registers something that exists already (a file whose "delete" was turned
 * on again); NULL once the process is exiting. */
GTempfileSlot *_g_tempfile_registry_add     (GTempfileKind         kind,
                                             const char           *path,
                                             const GTempfileSysId *id);
/* Gives the slot back (NULL is ignored). */
void         _g_tempfile_registry_release   (GTempfileSlot        *slot);
/* Removes everything this process registered and still owns. */
void         _g_tempfile_registry_remove_all (gboolean             signal_safe);
gboolean     _g_tempfile_registry_install_signal_handlers (void);

G_END_DECLS
