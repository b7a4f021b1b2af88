/* gtempfile-registry.c: what this process must remove at exit or on a signal
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every named temporary file and directory with automatic deletion has a slot
 * here while it lives. At exit (atexit) and, if the application asked for it,
 * on SIGINT, SIGTERM and SIGHUP, whatever is still registered is removed.
 *
 * A signal handler can interrupt any thread at any point, including one that
 * holds a lock or is inside malloc, so the slots are read without locks and
 * their memory is never freed: they live in chunks that are only ever added.
 * Each slot has an atomic state:
 *
 *   FREE      unused
 *   CLAIMED   taken by a thread that is about to create something; its path
 *             is not meaningful yet
 *   CREATING  that thread is creating the path right now, with the three
 *             signals blocked, so a handler running in another thread waits
 *             (briefly, without a lock) until the attempt is over
 *   CREATING_UNBLOCKED
 *             the same before any handler is installed: blocking signals
 *             costs two system calls per attempt, for nothing while no
 *             handler can run. g_tempfile_install_signal_handlers() raises
 *             "handlers_installed" first and then waits for every such
 *             attempt to end before it installs anything; an attempt marks
 *             its slot first and then looks at the flag again (both
 *             sequentially consistent), so either the installer sees the
 *             attempt and waits, or the attempt sees the flag and blocks.
 *   OWNED     the path exists and must be removed
 *   REMOVING  an exit or signal pass has taken it; the slot is never given
 *             back, so its path stays readable
 *
 * A thread removes its file first and only then gives the slot back with a
 * compare-and-swap OWNED -> FREE; the exit or signal pass takes a slot with a
 * compare-and-swap OWNED -> REMOVING before it reads the path. Whoever loses
 * leaves the slot alone, so the path is never freed while it is being used.
 *
 * Every pass also removes the slots already REMOVING, whoever took them: a
 * signal can cut short the pass that took them (the atexit pass of another
 * thread, or the interrupted thread's own), and the process dies right after
 * the handler. Removing twice is harmless: a file's second unlink finds
 * nothing, and the walk checks a directory's device and inode again.
 *
 * Slots remember the process that created them: after fork, a child never
 * removes what belongs to its parent, whether it exits or gets a signal.
 *
 * Once the exit or signal pass has started, nothing new may be created, or
 * it would be left behind: the pass sets "dying", and an attempt marks its
 * slot CREATING before it looks at "dying" (both sequentially consistent).
 * Either the pass sees the attempt and waits for it, or the attempt sees the
 * pass and fails.
 */

#include "config.h"

#include <errno.h>
#include <string.h>

#include "gtempfile-guardian-private.h"
#include "gtempfile-registry-private.h"
#include "gtempfile-rmtree-private.h"

#define SLOTS_PER_CHUNK 128

enum
{
  SLOT_FREE,
  SLOT_CLAIMED,
  SLOT_CREATING,
  SLOT_CREATING_UNBLOCKED,
  SLOT_OWNED,
  SLOT_REMOVING,
};

struct _GTempfileSlot
{
  int             state;      /* atomic */
  GTempfileKind   kind;
  gint64          pid;        /* the process that created it */
  GTempfileSysId  id;         /* directories: the one that was created */
  gboolean        have_id;
  char           *path;       /* owned by the slot; kept when it is given back */
  gsize           path_size;  /* the length of this use's paths, NUL included */
  gsize           path_capacity;
  gpointer        guardian;   /* atomic: its record in the guardian's arena */
};

typedef struct _Chunk Chunk;
struct _Chunk
{
  GTempfileSlot  slots[SLOTS_PER_CHUNK];
  Chunk         *next;       /* atomic; chunks are never freed */
};

static Chunk first_chunk;
static guint claim_cursor;   /* where the search for a free slot starts */
static int handlers_installed;
static int dying;            /* the exit or signal pass has started */

/* Slots ------------------------------------------------------------------- */

static void at_exit (void);

static void
ensure_at_exit (void)
{
  static gsize registered = 0;

  if (g_once_init_enter (&registered))
    {
      atexit (at_exit);
      g_once_init_leave (&registered, 1);
    }
}

/* Takes a free slot, adding a chunk if all are taken. */
static GTempfileSlot *
take_slot (void)
{
  guint start = g_atomic_int_get (&claim_cursor);

  for (;;)
    {
      Chunk *chunk = &first_chunk;
      guint chunk_index = 0;
      Chunk *last = NULL;
      Chunk *fresh;

      /* Two rounds over the chunks, starting at the cursor's chunk. */
      for (; chunk != NULL; chunk = g_atomic_pointer_get (&chunk->next), chunk_index++)
        {
          last = chunk;
          if (chunk_index < start / SLOTS_PER_CHUNK)
            continue;

          for (guint i = 0; i < SLOTS_PER_CHUNK; i++)
            {
              GTempfileSlot *slot = &chunk->slots[(start + i) % SLOTS_PER_CHUNK];

              if (g_atomic_int_get (&slot->state) == SLOT_FREE &&
                  g_atomic_int_compare_and_exchange (&slot->state, SLOT_FREE, SLOT_CLAIMED))
                {
                  g_atomic_int_set (&claim_cursor,
                                    chunk_index * SLOTS_PER_CHUNK +
                                    (start + i + 1) % SLOTS_PER_CHUNK);
                  return slot;
                }
            }
        }

      if (start != 0)
        {
          start = 0;
          continue;
        }

      /* Every slot is taken: add a chunk at the end. */
      fresh = g_new0 (Chunk, 1);
      while (!g_atomic_pointer_compare_and_exchange (&last->next, NULL, fresh))
        last = g_atomic_pointer_get (&last->next);
    }
}

/*
 * _g_tempfile_registry_claim:
 * @kind: what will be created
 * @path_length: the length of the paths that will be tried
 *
 * Takes a slot for something about to be created; see
 * _g_tempfile_registry_begin().
 */
GTempfileSlot *
_g_tempfile_registry_claim (GTempfileKind kind,
                            gsize         path_length)
{
  GTempfileSlot *slot;

  ensure_at_exit ();
  /* GTEMPFILE_GUARDIAN=1 starts the guardian here, the first time. */
  _g_tempfile_guardian_claim_hook ();

  slot = take_slot ();
  slot->kind = kind;
  slot->pid = _g_tempfile_sys_getpid ();
  slot->have_id = FALSE;
  slot->path_size = path_length + 1;
  /* A slot keeps its buffer when it is given back: the next use of the
   * slot usually needs the same size, and costs no allocation. */
  if (slot->path_capacity < slot->path_size)
    {
      g_free (slot->path);
      slot->path_capacity = MAX (slot->path_size, 64);
      slot->path = g_malloc (slot->path_capacity);
    }
  slot->path[0] = '\0';
  return slot;
}

/*
 * _g_tempfile_registry_begin:
 * @slot: a claimed slot
 * @path: the path about to be created, of the length given when claiming
 * @saved: where to keep the signal mask
 *
 * Marks @path as being created now. From here until
 * _g_tempfile_registry_end(), a handler in another thread waits for the
 * outcome, and none can run in this thread: once the handlers are
 * installed, the three signals are blocked; before, installing them waits
 * for the attempt to end.
 *
 * Returns: %FALSE, with errno ECANCELED, if the process is exiting or dying
 *   of a signal: nothing may be created any more (call
 *   _g_tempfile_registry_end() anyway)
 */
gboolean
_g_tempfile_registry_begin (GTempfileSlot        *slot,
                            const char           *path,
                            GTempfileSysSignals  *saved)
{
  saved->blocked = FALSE;

  /* Once the pass has started, fail without making it wait for us. */
  if (G_UNLIKELY (g_atomic_int_get (&dying)))
    {
      errno = ECANCELED;
      return FALSE;
    }

  memcpy (slot->path, path, slot->path_size);
  if (g_atomic_int_get (&handlers_installed))
    {
      _g_tempfile_sys_block_signals (saved);
      g_atomic_int_set (&slot->state, SLOT_CREATING);
    }
  else
    {
      g_atomic_int_set (&slot->state, SLOT_CREATING_UNBLOCKED);
      /* Being installed now: the installer may have looked at this slot
       * already, so protect the attempt as if they were. */
      if (G_UNLIKELY (g_atomic_int_get (&handlers_installed)))
        {
          _g_tempfile_sys_block_signals (saved);
          g_atomic_int_set (&slot->state, SLOT_CREATING);
        }
    }
  _g_tempfile_guardian_mirror (slot);

  /* Started in between: the pass may have passed this slot already. */
  if (G_UNLIKELY (g_atomic_int_get (&dying)))
    {
      errno = ECANCELED;
      return FALSE;
    }

  return TRUE;
}

/*
 * _g_tempfile_registry_end:
 * @created: whether @slot's path now exists
 * @id: (nullable): for a directory, what was created
 *
 * Ends the attempt that _g_tempfile_registry_begin() started.
 */
void
_g_tempfile_registry_end (GTempfileSlot        *slot,
                          gboolean              created,
                          const GTempfileSysId *id,
                          GTempfileSysSignals  *saved)
{
  if (created && id != NULL)
    {
      slot->id = *id;
      slot->have_id = TRUE;
    }

  g_atomic_int_set (&slot->state, created ? SLOT_OWNED : SLOT_CLAIMED);
  _g_tempfile_guardian_mirror (slot);
  _g_tempfile_sys_restore_signals (saved);
}

/*
 * _g_tempfile_registry_add:
 *
 * Registers something that already exists (a file whose "delete" property
 * was turned on).
 */
GTempfileSlot *
_g_tempfile_registry_add (GTempfileKind         kind,
                          const char           *path,
                          const GTempfileSysId *id)
{
  GTempfileSlot *slot = _g_tempfile_registry_claim (kind, strlen (path));
  GTempfileSysSignals saved;
  gboolean open;

  open = _g_tempfile_registry_begin (slot, path, &saved);
  _g_tempfile_registry_end (slot, open, id, &saved);
  if (!open)
    g_clear_pointer (&slot, _g_tempfile_registry_release);
  return slot;
}

/*
 * _g_tempfile_registry_get_identity:
 * @slot: the slot of a directory that was created
 *
 * The identity recorded when the directory was created, which spares its
 * owner a second look.
 *
 * Returns: %FALSE if none was recorded
 */
gboolean
_g_tempfile_registry_get_identity (GTempfileSlot  *slot,
                                   GTempfileSysId *id)
{
  if (!slot->have_id)
    return FALSE;
  *id = slot->id;
  return TRUE;
}

/*
 * _g_tempfile_registry_release:
 * @slot: (nullable): a slot, or %NULL
 *
 * Gives the slot back, once what it names was removed, persisted, or no
 * longer has to be removed. If the exit or signal pass has taken it, it is
 * left to that pass.
 */
void
_g_tempfile_registry_release (GTempfileSlot *slot)
{
  if (slot == NULL)
    return;

  if (g_atomic_int_compare_and_exchange (&slot->state, SLOT_OWNED, SLOT_CLAIMED) ||
      g_atomic_int_get (&slot->state) == SLOT_CLAIMED)
    {
      g_atomic_int_set (&slot->state, SLOT_FREE);
      /* After FREE, before the buffer can be used again: see
       * gtempfile-guardian.c. */
      _g_tempfile_guardian_mirror (slot);
    }
}

/* The guardian's view ------------------------------------------------------ */

/*
 * _g_tempfile_registry_describe:
 *
 * What @slot holds now, for the guardian's mirror (gtempfile-guardian.c).
 */
void
_g_tempfile_registry_describe (GTempfileSlot     *slot,
                               GTempfileSlotView *view)
{
  switch (g_atomic_int_get (&slot->state))
    {
    case SLOT_CREATING:
    case SLOT_CREATING_UNBLOCKED:
      view->state = G_TEMPFILE_MIRROR_CREATING;
      break;
    case SLOT_OWNED:
      view->state = G_TEMPFILE_MIRROR_OWNED;
      break;
    case SLOT_REMOVING:
      view->state = G_TEMPFILE_MIRROR_REMOVING;
      break;
    default:
      view->state = G_TEMPFILE_MIRROR_NONE;
      break;
    }
  view->kind = slot->kind;
  view->pid = slot->pid;
  view->have_id = slot->have_id;
  view->id = slot->id;
  view->path = slot->path;
  view->record = &slot->guardian;
}

/* Calls @func on every slot there is (the guardian, when it is installed). */
void
_g_tempfile_registry_foreach_slot (void (*func) (GTempfileSlot *slot))
{
  for (Chunk *chunk = &first_chunk; chunk != NULL; chunk = g_atomic_pointer_get (&chunk->next))
    for (guint i = 0; i < SLOTS_PER_CHUNK; i++)
      func (&chunk->slots[i]);
}

/* Removing everything ------------------------------------------------------ */

/* Waits up to about two seconds for another thread to finish creating
 * @slot's path, without a lock (the pause is async-signal-safe). */
static int
wait_while_creating (GTempfileSlot *slot)
{
  int state = g_atomic_int_get (&slot->state);

  for (guint i = 0; (state == SLOT_CREATING || state == SLOT_CREATING_UNBLOCKED) && i < 10000; i++)
    {
      _g_tempfile_sys_pause ();
      state = g_atomic_int_get (&slot->state);
    }
  return state;
}

/* Removes what @slot names. Only what is gone is crossed off in the
 * guardian's arena: what a pass could not remove (the signal-safe walk of a
 * readdir platform leaves non-empty directories, a removal may fail) stays
 * there, for the guardian to try again once the process is gone. */
static void
remove_slot (GTempfileSlot *slot,
             gboolean       signal_safe)
{
  gboolean gone;

  if (slot->kind == G_TEMPFILE_KIND_DIRECTORY)
    {
      if (slot->have_id)
        gone = _g_tempfile_remove_dir (slot->path, &slot->id, GTEMPFILE_SYS_NO_HANDLE,
                                       signal_safe, NULL, NULL);
      else   /* made, but not yet looked at */
        gone = _g_tempfile_sys_rmdir (slot->path) == 0 || errno == ENOENT;
    }
  else
    gone = _g_tempfile_sys_unlink (slot->path) == 0 || errno == ENOENT;
  if (gone)
    _g_tempfile_guardian_forget (slot);
}

/*
 * _g_tempfile_registry_remove_all:
 * @signal_safe: %TRUE in a signal handler or at exit: system calls only
 *
 * Removes everything this process registered and still owns. Safe to run in
 * several threads at once, and while other threads create and remove.
 */
void
_g_tempfile_registry_remove_all (gboolean signal_safe)
{
  gint64 pid = _g_tempfile_sys_getpid ();

  /* From now on nothing new may be created in this process. */
  g_atomic_int_set (&dying, TRUE);

  for (Chunk *chunk = &first_chunk; chunk != NULL; chunk = g_atomic_pointer_get (&chunk->next))
    for (guint i = 0; i < SLOTS_PER_CHUNK; i++)
      {
        GTempfileSlot *slot = &chunk->slots[i];
        int state = g_atomic_int_get (&slot->state);

        /* pid, kind, path and dev/ino were written before the slot became
         * CREATING (a sequentially consistent store): read them after. */
        if (state == SLOT_FREE || state == SLOT_CLAIMED || slot->pid != pid)
          continue;

        /* Another thread is creating this path right now, with the signals
         * blocked: wait for the outcome. */
        if (state == SLOT_CREATING || state == SLOT_CREATING_UNBLOCKED)
          state = wait_while_creating (slot);

        /* Taken by a pass that a signal may have cut short: finish it. */
        if (state == SLOT_REMOVING)
          {
            remove_slot (slot, signal_safe);
            continue;
          }

        if (state != SLOT_OWNED ||
            !g_atomic_int_compare_and_exchange (&slot->state, SLOT_OWNED, SLOT_REMOVING))
          continue;

        remove_slot (slot, signal_safe);
      }
}

/* exit() may be called from a signal handler, or while another thread
 * holds malloc's lock, and nothing reports errors at exit anyway: the
 * signal-safe walk, where the platform can list a directory without
 * allocating. Where it cannot (readdir), the allocating walk, so that trees
 * are still removed at exit. */
static void
at_exit (void)
{
  _g_tempfile_registry_remove_all (_g_tempfile_sys_can_list_signal_safe ());
}

/* Signal handlers ----------------------------------------------------------- */

static void
on_signal (void)
{
  _g_tempfile_registry_remove_all (TRUE);
}

gboolean
_g_tempfile_registry_install_signal_handlers (void)
{
  static GMutex lock;
  gboolean installed;

  g_mutex_lock (&lock);
  ensure_at_exit ();

  /* From now on attempts block the signals; those that started without
   * are waited for, so no handler can interrupt one in its own thread. */
  g_atomic_int_set (&handlers_installed, TRUE);
  for (Chunk *chunk = &first_chunk; chunk != NULL; chunk = g_atomic_pointer_get (&chunk->next))
    for (guint i = 0; i < SLOTS_PER_CHUNK; i++)
      if (g_atomic_int_get (&chunk->slots[i].state) == SLOT_CREATING_UNBLOCKED)
        wait_while_creating (&chunk->slots[i]);

  installed = _g_tempfile_sys_install_signal_handlers (on_signal);

  /* handlers_installed stays set even if nothing was installed: blocking
   * a little too much is harmless, and another call may install them. */

  g_mutex_unlock (&lock);
  return installed;
}
