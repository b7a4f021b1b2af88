/* gtempfile-guardian-private.h: the guardian's shared arena and its hooks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The guardian (DESIGN.md §6) is a small program, gtempfile-guardian, that
 * outlives its process and removes what was still registered when that
 * process ended, however it ended. The registry (floor 3) mirrors each of
 * its slots into an arena of memory shared with the guardian, with plain
 * memory writes: no system call per create or remove. The guardian maps the
 * arena only once its process is gone.
 *
 * This header is the contract between the library (gtempfile-guardian.c,
 * hooks in gtempfile-registry.c) and the program
 * (gtempfile-guardian-main.c). Both sides are built from the same tree; the
 * program refuses an arena of another protocol version.
 */

#pragma once

#include <sys/types.h>

#include "gtempfile-registry-private.h"

G_BEGIN_DECLS

/* Arena layout ------------------------------------------------------------ */

/* Bumped on any change of the layout or of the program's arguments. */
#define GTEMPFILE_GUARDIAN_PROTOCOL 1
#define GTEMPFILE_GUARDIAN_MAGIC    "GTFGUARD"

/* What the guardian program finds at these descriptors. */
#define GTEMPFILE_GUARDIAN_ARENA_FD 3   /* the arena */
#define GTEMPFILE_GUARDIAN_DEATH_FD 4   /* read end of a pipe only the process writes to */
#define GTEMPFILE_GUARDIAN_READY_FD 5   /* where the program reports */

/* The program's flags (its fourth argument). */
#define GTEMPFILE_GUARDIAN_FLAG_PIPE      1u   /* watch the pipe, not a pidfd */
#define GTEMPFILE_GUARDIAN_FLAG_FAIL_FORK 2u   /* for the tests: the fork fails */

/* Record states. Everything else in a record is meaningful only while its
 * state is one of the live three. */
enum
{
  G_TEMPFILE_MIRROR_NONE = 0,      /* nothing (free, or claimed and not created) */
  G_TEMPFILE_MIRROR_CREATING = 1,  /* being created: the path may exist */
  G_TEMPFILE_MIRROR_OWNED = 2,     /* exists and must be removed */
  G_TEMPFILE_MIRROR_REMOVING = 3,  /* an exit or signal pass took it */
  G_TEMPFILE_MIRROR_DONE = 4,      /* that pass removed it */
};

enum
{
  G_TEMPFILE_MIRROR_FILE = 1,
  G_TEMPFILE_MIRROR_DIRECTORY = 2,
};

/* All offsets are from the start of the arena; sizes in bytes. The arena is
 * a fixed reservation whose pages the kernel fills in only when written. */
typedef struct
{
  char    magic[8];
  guint32 protocol;
  guint32 header_size;
  guint32 record_size;
  guint32 records_offset;
  guint32 records_max;
  guint32 heap_offset;
  guint32 heap_size;
  gint32  records_used;   /* atomic: records handed out */
  gint32  heap_used;      /* atomic: path bytes handed out */
  guint32 reserved[5];
} GTempfileArenaHeader;

typedef struct
{
  gint32  state;          /* atomic: G_TEMPFILE_MIRROR_* */
  gint32  lock;           /* atomic: the process's writers take turns */
  guint32 kind;           /* G_TEMPFILE_MIRROR_FILE or _DIRECTORY */
  guint32 path_offset;    /* 0 while there is none */
  guint32 path_capacity;  /* bytes at path_offset, NUL included */
  guint32 reserved;
  guint64 dev;            /* a directory's, when known; else 0 */
  guint64 ino;
  guint64 tag;            /* which slot of the process this record mirrors */
  guint64 padding[2];
} GTempfileArenaRecord;

G_STATIC_ASSERT (sizeof (GTempfileArenaHeader) == 64);
G_STATIC_ASSERT (sizeof (GTempfileArenaRecord) == 64);

#define GTEMPFILE_ARENA_RECORDS_MAX  (256u * 1024u)           /* 16 MiB of records */
#define GTEMPFILE_ARENA_HEAP_SIZE    (48u * 1024u * 1024u)    /* their paths */
#define GTEMPFILE_ARENA_RECORDS_OFFSET 4096u
#define GTEMPFILE_ARENA_HEAP_OFFSET \
  (GTEMPFILE_ARENA_RECORDS_OFFSET + GTEMPFILE_ARENA_RECORDS_MAX * 64u)
#define GTEMPFILE_ARENA_SIZE (GTEMPFILE_ARENA_HEAP_OFFSET + GTEMPFILE_ARENA_HEAP_SIZE)

/* The message the program writes to GTEMPFILE_GUARDIAN_READY_FD: once, by
 * the intermediate process on failure or by the guardian when it is ready. */
typedef struct
{
  gint32 error;           /* 0, or the errno of what failed */
  gint32 stage;           /* which step failed (GuardianStage in the program) */
  gint32 pid;             /* the guardian's */
  gint32 pidfd;           /* TRUE if it watches a pidfd, FALSE for the pipe */
} GTempfileGuardianReport;

/* What the registry tells the guardian about one slot. */
typedef struct
{
  int            state;   /* G_TEMPFILE_MIRROR_NONE, _CREATING, _OWNED or _REMOVING */
  GTempfileKind  kind;
  gint64         pid;     /* the process that created it */
  gboolean       have_id; /* a directory's identity is known */
  GTempfileSysId id;
  const char   *path;     /* read only under the record's lock; may be NULL */
  gpointer     *record;   /* the slot's record pointer (atomic) */
} GTempfileSlotView;

/* Hooks in the registry (gtempfile-registry.c) --------------------------- */

void         _g_tempfile_guardian_claim_hook      (void);
void         _g_tempfile_guardian_mirror          (GTempfileSlot *slot);
void         _g_tempfile_guardian_forget          (GTempfileSlot *slot);

/* What the guardian asks of the registry. */
void         _g_tempfile_registry_describe        (GTempfileSlot     *slot,
                                                   GTempfileSlotView *view);
void         _g_tempfile_registry_foreach_slot    (void (*func) (GTempfileSlot *slot));

/* Test hooks. */
void         _g_tempfile_set_guardian_fallbacks_for_testing (gboolean enabled);
void         _g_tempfile_set_guardian_fail_fork_for_testing (gboolean enabled);
pid_t        _g_tempfile_get_guardian_pid_for_testing       (void);
gboolean     _g_tempfile_guardian_uses_pidfd_for_testing    (void);

G_END_DECLS
