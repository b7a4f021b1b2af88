/* gtempfile-rmtree.c: removing a directory tree that cannot be tricked
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The walk removes everything inside a directory that the caller holds open.
 * It is written to be safe against a tree that changes while it runs:
 *
 *  - It works through directory handles only, opening each subdirectory
 *    relative to its parent without following a link, so a symbolic link is
 *    removed and never followed.
 *  - Before anything is done to a subdirectory it asks whether it is on
 *    another mount, by the best means the platform has (Linux: statx's
 *    mount id, name_to_handle_at's, /proc/self/fdinfo's; elsewhere the
 *    device): a mount point is reported, never entered, emptied, or changed
 *    in mode.
 *  - It notes each subdirectory's identity before opening it, and checks
 *    that the handle it got is that directory: one swapped in between
 *    listing and opening is not entered.
 *  - Missing permissions are repaired through handles of the directory
 *    itself (see _g_tempfile_sys_dir_open_up_child()), never through a path
 *    that a link could redirect.
 *  - An entry that someone else removes while the walk runs is not an error.
 *  - It keeps going past entries it cannot remove and reports the first
 *    failure with its path.
 *
 * Depth costs no recursion and few handles: the walk keeps a stack of frames
 * (identity, name, listing), at most _g_tempfile_sys_walk_max_open() of which
 * hold an open handle. Going back up to a frame whose handle was closed
 * reopens it through "..", and checks its identity again, so a directory
 * moved out of the tree meanwhile cannot lead the walk outside it. Where
 * the listing of a reopened directory cannot continue where it stopped
 * (readdir), it starts again and skips to the entry it had descended into.
 *
 * Some file systems do not keep listing positions stable while entries are
 * removed, so a directory whose listing was interrupted is listed again from
 * the start while that still removes something.
 *
 * The same walk runs in a signal handler (the process-lifetime registry):
 * with signal_safe set it makes system calls only, its memory comes from the
 * kernel (_g_tempfile_sys_map_pages), and problems are counted, not
 * described. Where listing a directory is not async-signal-safe (readdir),
 * it removes only empty directories there.
 */

#include "config.h"

#include <errno.h>
#include <string.h>

#include "gtempfile-error-private.h"
#include "gtempfile-rmtree-private.h"

typedef enum
{
  PROBLEM_ERRNO,        /* a system call failed */
  PROBLEM_MOUNT_POINT,  /* another file system or mount: not entered */
  PROBLEM_CHANGED,      /* not the directory that was listed */
} Problem;

typedef struct
{
  GTempfileSysDir dir;           /* handle GTEMPFILE_SYS_NO_HANDLE while closed */
  GTempfileSysId  id;
  gsize           name_offset;   /* in Walker.names; the root has none */
  gint64          resume;        /* where its listing continues, while closed */
  guint           descended : 1; /* this pass came back from a subdirectory */
  guint           progress : 1;  /* this pass removed an entry */
  guint           skipping : 1;  /* reopened: skip to Walker.skip_name */
} Frame;

typedef struct
{
  const char          *root_path;
  GCancellable        *cancellable;
  gboolean             signal_safe;

  GTempfileSysMount    mount;
  GTempfileSysListing  listing;
  guint                max_open;      /* 0: no limit */

  Frame               *frames;
  guint                n_frames;
  gsize                frames_bytes;
  guint                lowest_open;   /* frames in 1..lowest_open-1 are closed */
  guint                open_frames;   /* open handles the walk owns */

  char                *names;         /* names of frames 1.., each NUL-terminated */
  gsize                names_len;
  gsize                names_size;

  char                 skip_name[GTEMPFILE_SYS_NAME_MAX + 1];

  gboolean             failed;
  GError              *error;
} Walker;

static GTempfileRmtreeHook test_hook;
static gpointer test_hook_data;

#define TEST_HOOK(event, dir, name) \
  G_STMT_START { \
    if (G_UNLIKELY (test_hook != NULL)) \
      test_hook ((event), (dir), (name), test_hook_data); \
  } G_STMT_END

void
_g_tempfile_set_rmtree_hook_for_testing (GTempfileRmtreeHook hook,
                                         gpointer            user_data)
{
  test_hook = hook;
  test_hook_data = user_data;
}

static void
before_repair (GTempfileSysHandle  parent,
               const char         *name)
{
  TEST_HOOK (G_TEMPFILE_RMTREE_REPAIRING, parent, name);
}

/* Problems ------------------------------------------------------------------ */

/* The error for a problem with @name in the top frame (or with the top
 * frame itself when @name is NULL). */
static void
set_problem (Walker     *w,
             Problem     problem,
             int         errsv,
             const char *name)
{
  g_autoptr(GString) path = NULL;
  g_autofree char *display = NULL;

  path = g_string_new (w->root_path);
  for (guint i = 1; i < w->n_frames; i++)
    {
      g_string_append_c (path, G_DIR_SEPARATOR);
      g_string_append (path, w->names + w->frames[i].name_offset);
    }
  if (name != NULL)
    {
      g_string_append_c (path, G_DIR_SEPARATOR);
      g_string_append (path, name);
    }
  display = g_filename_display_name (path->str);

  switch (problem)
    {
    case PROBLEM_MOUNT_POINT:
      g_set_error (&w->error, G_IO_ERROR, G_IO_ERROR_BUSY,
                   _("Not removing “%s”: it is a mount point of another file system"),
                   display);
      break;

    case PROBLEM_CHANGED:
      g_set_error (&w->error, G_IO_ERROR, G_IO_ERROR_WRONG_ETAG,
                   _("Not removing “%s”: it was replaced while the tree was being removed"),
                   display);
      break;

    case PROBLEM_ERRNO:
    default:
      g_set_error (&w->error, G_IO_ERROR, _g_tempfile_io_error_from_errno (errsv),
                   _("Error removing “%s”: %s"), display, g_strerror (errsv));
      break;
    }
}

/* Records a problem; only the first is kept for the report. */
static void
record (Walker     *w,
        Problem     problem,
        int         errsv,
        const char *name)
{
  if (w->failed)
    return;
  w->failed = TRUE;
  /* In a signal handler (or at exit) nothing is reported, and building the
   * message would allocate. */
  if (!w->signal_safe)
    set_problem (w, problem, errsv, name);
}

/* Memory -------------------------------------------------------------------- */

/* Grows @buffer from @allocated to @size bytes, keeping the first @used. In
 * a signal handler malloc may be in the middle of a call in the interrupted
 * thread, so memory comes straight from the kernel. */
static gboolean
walker_grow (Walker  *w,
             void   **buffer,
             gsize    used,
             gsize   *allocated,
             gsize    size)
{
  void *grown;

  if (!w->signal_safe)
    {
      *buffer = g_realloc (*buffer, size);
      *allocated = size;
      return TRUE;
    }

  grown = _g_tempfile_sys_map_pages (size);
  if (grown == NULL)
    return FALSE;
  if (*buffer != NULL)
    {
      memcpy (grown, *buffer, used);
      _g_tempfile_sys_unmap_pages (*buffer, *allocated);
    }
  *buffer = grown;
  *allocated = size;
  return TRUE;
}

static void
walker_free (Walker *w,
             void   *buffer,
             gsize   allocated)
{
  if (buffer == NULL)
    return;
  if (w->signal_safe)
    _g_tempfile_sys_unmap_pages (buffer, allocated);
  else
    g_free (buffer);
}

/* Frames -------------------------------------------------------------------- */

static Frame *
top (Walker *w)
{
  return &w->frames[w->n_frames - 1];
}

static gsize
frames_capacity (Walker *w)
{
  return w->frames_bytes / sizeof (Frame);
}

/* Pushes a frame for the directory open at @handle, which it takes over
 * (closing it on failure). */
static gboolean
push_frame (Walker                *w,
            GTempfileSysHandle     handle,
            const GTempfileSysId  *id,
            const char            *name)
{
  gsize name_length = strlen (name) + 1;
  Frame *frame;

  if (w->n_frames == frames_capacity (w) &&
      !walker_grow (w, (void **) &w->frames, w->frames_bytes, &w->frames_bytes,
                    w->frames_bytes * 2))
    goto no_memory;

  if (w->names_len + name_length > w->names_size)
    {
      gsize size = MAX (1024, MAX (w->names_size * 2, w->names_len + name_length));

      if (!walker_grow (w, (void **) &w->names, w->names_len, &w->names_size, size))
        goto no_memory;
    }

  frame = &w->frames[w->n_frames];
  if (_g_tempfile_sys_dir_begin (&frame->dir, handle, FALSE, w->signal_safe) != 0)
    {
      record (w, PROBLEM_ERRNO, errno, name);
      _g_tempfile_sys_dir_close (handle);
      return FALSE;
    }
  w->n_frames++;
  memcpy (w->names + w->names_len, name, name_length);
  frame->id = *id;
  frame->name_offset = w->names_len;
  frame->resume = 0;
  frame->descended = FALSE;
  frame->progress = FALSE;
  frame->skipping = FALSE;
  w->names_len += name_length;
  w->open_frames++;
  /* The frames may have moved: the buffer's owner is found again. */
  w->listing.owner = NULL;

  /* Too many handles: close the one furthest up (never the caller's).
   * Coming back to it reopens it through "..". */
  if (w->max_open > 0 && w->open_frames > w->max_open)
    {
      Frame *oldest = &w->frames[w->lowest_open];

      oldest->resume = oldest->dir.resume;
      _g_tempfile_sys_dir_end (&w->listing, &oldest->dir);
      w->open_frames--;
      w->lowest_open++;
    }
  return TRUE;

no_memory:
  _g_tempfile_sys_dir_close (handle);
  record (w, PROBLEM_ERRNO, ENOMEM, name);
  return FALSE;
}

/* Reopens the parent of the top frame, which was closed to save handles. It
 * must still be the directory that was entered. */
static gboolean
reopen_parent (Walker *w)
{
  Frame *child = top (w);
  Frame *parent = child - 1;
  const char *child_name = w->names + child->name_offset;
  GTempfileSysHandle handle;
  GTempfileSysStat st;

  handle = _g_tempfile_sys_dir_open_parent (_g_tempfile_sys_dir_handle (&child->dir));
  if (handle == GTEMPFILE_SYS_NO_HANDLE)
    {
      record (w, PROBLEM_ERRNO, errno, "..");
      return FALSE;
    }

  if (_g_tempfile_sys_dir_stat (handle, &st) != 0)
    {
      int errsv = errno;

      _g_tempfile_sys_dir_close (handle);
      record (w, PROBLEM_ERRNO, errsv, "..");
      return FALSE;
    }
  if (!_g_tempfile_sys_id_equal (&st.id, &parent->id))
    {
      /* The directory was moved out of the tree: stop here rather than go
       * up into whatever now holds it. */
      _g_tempfile_sys_dir_close (handle);
      record (w, PROBLEM_CHANGED, 0, NULL);
      return FALSE;
    }

  if (_g_tempfile_sys_dir_begin (&parent->dir, handle, FALSE, w->signal_safe) != 0)
    {
      record (w, PROBLEM_ERRNO, errno, NULL);
      _g_tempfile_sys_dir_close (handle);
      return FALSE;
    }
  parent->dir.resume = parent->resume;

  /* A listing that cannot continue where it stopped starts again: skip to
   * the entry the walk descended into, so that one that cannot be removed
   * is not entered again and again. */
  if (!_g_tempfile_sys_listing_resumes ())
    {
      gsize length = strlen (child_name);

      memcpy (w->skip_name, child_name, MIN (length + 1, sizeof w->skip_name));
      w->skip_name[sizeof w->skip_name - 1] = '\0';
      parent->skipping = TRUE;
    }

  w->open_frames++;
  w->lowest_open = w->n_frames - 2;
  return TRUE;
}

static void
close_frames (Walker *w)
{
  for (guint i = 0; i < w->n_frames; i++)
    if (_g_tempfile_sys_dir_handle (&w->frames[i].dir) != GTEMPFILE_SYS_NO_HANDLE)
      _g_tempfile_sys_dir_end (&w->listing, &w->frames[i].dir);
  w->n_frames = 0;
  w->open_frames = 0;
}

/* Entries ------------------------------------------------------------------- */

/* The next entry of the top frame: 1, or 0 at its end (or on an error,
 * which is recorded). */
static int
next_entry (Walker            *w,
            GTempfileSysEntry *entry)
{
  Frame *frame = top (w);

  for (;;)
    {
      int res = _g_tempfile_sys_dir_next (&w->listing, &frame->dir, entry);

      if (res < 0)
        {
          record (w, PROBLEM_ERRNO, errno, NULL);
          return 0;
        }
      if (res == 0)
        {
          frame->skipping = FALSE;
          return 0;
        }
      if (G_UNLIKELY (frame->skipping))
        {
          /* Entries up to the one the walk came back from were seen. */
          if (strcmp (entry->name, w->skip_name) == 0)
            frame->skipping = FALSE;
          continue;
        }
      return 1;
    }
}

static void
removed_one (Walker     *w,
             Frame      *frame,
             const char *name)
{
  frame->progress = TRUE;
  TEST_HOOK (G_TEMPFILE_RMTREE_REMOVED, _g_tempfile_sys_dir_handle (&frame->dir), name);
}

/* Unlinks a non-directory @name of the top frame. Returns FALSE if it turned
 * out to be a directory. */
static gboolean
remove_file (Walker     *w,
             const char *name)
{
  Frame *frame = top (w);
  int errsv;

  if (_g_tempfile_sys_dir_unlink (_g_tempfile_sys_dir_handle (&frame->dir), name, FALSE) == 0)
    {
      removed_one (w, frame, name);
      return TRUE;
    }

  errsv = errno;
  switch (errsv)
    {
    case ENOENT:
      return TRUE;   /* someone else removed it */

    case EISDIR:
      return FALSE;

    default:
      record (w, PROBLEM_ERRNO, errsv, name);
      return TRUE;
    }
}

/* Enters subdirectory @name of the top frame. Returns FALSE if it is not a
 * directory after all. */
static gboolean
enter_dir (Walker     *w,
           const char *name)
{
  GTempfileSysHandle parent = _g_tempfile_sys_dir_handle (&top (w)->dir);
  GTempfileSysHandle handle;
  GTempfileSysStat listed;
  GTempfileSysStat st;

  if (_g_tempfile_sys_dir_stat_child (parent, name, &listed) != 0)
    {
      if (errno != ENOENT)
        record (w, PROBLEM_ERRNO, errno, name);
      return TRUE;
    }
  if (listed.type != GTEMPFILE_SYS_TYPE_DIRECTORY)
    return FALSE;

  /* Before anything is done to it: another mount, bind mounts of the same
   * file system included, is left exactly as it is; so is one that cannot
   * be told apart now. */
  switch (_g_tempfile_sys_is_other_mount (&w->mount, parent, name, &listed.id))
    {
    case 0:
      break;
    case 1:
      record (w, PROBLEM_MOUNT_POINT, 0, name);
      return TRUE;
    default:
      record (w, PROBLEM_ERRNO, errno, name);
      return TRUE;
    }

  TEST_HOOK (G_TEMPFILE_RMTREE_OPENING, parent, name);
  handle = _g_tempfile_sys_dir_open_child (parent, name);
  if (handle == GTEMPFILE_SYS_NO_HANDLE && errno == EACCES &&
      _g_tempfile_sys_dir_open_up_child (parent, name, &listed.id, before_repair) == 0)
    handle = _g_tempfile_sys_dir_open_child (parent, name);
  if (handle == GTEMPFILE_SYS_NO_HANDLE)
    {
      int errsv = errno;

      if (errsv == ENOENT)
        return TRUE;
      if (errsv == ENOTDIR || errsv == ELOOP)
        return FALSE;   /* replaced by a file or a link: remove that */
      record (w, errsv == ESTALE ? PROBLEM_CHANGED : PROBLEM_ERRNO, errsv, name);
      return TRUE;
    }

  if (_g_tempfile_sys_dir_stat (handle, &st) != 0)
    {
      int errsv = errno;

      _g_tempfile_sys_dir_close (handle);
      record (w, PROBLEM_ERRNO, errsv, name);
      return TRUE;
    }
  if (!_g_tempfile_sys_id_equal (&st.id, &listed.id))
    {
      _g_tempfile_sys_dir_close (handle);
      record (w, PROBLEM_CHANGED, 0, name);
      return TRUE;
    }

  /* Failing is fine here: removing what is inside reports it. */
  _g_tempfile_sys_dir_open_up (handle, st.mode);

  push_frame (w, handle, &st.id, name);
  return TRUE;
}

/* The top frame's listing is done: list it again if entries may have been
 * skipped, or leave it and remove it from its parent. Returns FALSE when the
 * walk must stop. */
static gboolean
leave_dir (Walker *w)
{
  Frame *frame = top (w);
  Frame *parent;
  const char *name;

  if (frame->descended && frame->progress)
    {
      frame->descended = frame->progress = FALSE;
      _g_tempfile_sys_dir_rewind (&w->listing, &frame->dir);
      return TRUE;
    }

  if (w->n_frames == 1)
    {
      /* The root's handle stays the caller's (it was borrowed). */
      _g_tempfile_sys_dir_end (&w->listing, &frame->dir);
      w->n_frames = 0;
      return TRUE;
    }

  parent = frame - 1;
  if (_g_tempfile_sys_dir_handle (&parent->dir) == GTEMPFILE_SYS_NO_HANDLE &&
      !reopen_parent (w))
    return FALSE;

  _g_tempfile_sys_dir_end (&w->listing, &frame->dir);
  w->open_frames--;
  name = w->names + frame->name_offset;
  w->n_frames--;
  w->listing.owner = NULL;
  parent->descended = TRUE;

  if (_g_tempfile_sys_dir_unlink (_g_tempfile_sys_dir_handle (&parent->dir), name, TRUE) == 0)
    removed_one (w, parent, name);
  else if (errno != ENOENT && !(errno == ENOTEMPTY && w->failed))
    record (w, PROBLEM_ERRNO, errno, name);   /* a failure inside was recorded already */

  w->names_len = frame->name_offset;
  return TRUE;
}

/* Removes everything inside the directory open at @root (not closed). */
static gboolean
walk_contents (GTempfileSysHandle   root,
               const char          *path,
               gboolean             signal_safe,
               GCancellable        *cancellable,
               GError             **error)
{
  Walker w = { 0, };
  gsize listing_size = _g_tempfile_sys_listing_size ();
  GTempfileSysStat st;

  if (_g_tempfile_sys_dir_stat (root, &st) != 0)
    {
      if (!signal_safe)
        _g_tempfile_set_error_path (error, errno, _("Error removing “%s”: %s"), path);
      return FALSE;
    }

  w.root_path = path;
  w.cancellable = cancellable;
  w.signal_safe = signal_safe;
  w.max_open = _g_tempfile_sys_walk_max_open ();
  w.lowest_open = 1;
  w.listing.signal_safe = signal_safe;
  if (_g_tempfile_sys_mount_init (&w.mount, root, &st.id) != 0)
    {
      /* Without the mount test nothing is entered: stop with the cause. */
      if (!signal_safe)
        _g_tempfile_set_error_path (error, errno, _("Error removing “%s”: %s"), path);
      return FALSE;
    }

  if ((listing_size > 0 &&
       !walker_grow (&w, (void **) &w.listing.buffer, 0, &w.listing.size, listing_size)) ||
      !walker_grow (&w, (void **) &w.frames, 0, &w.frames_bytes, 64 * sizeof (Frame)))
    {
      walker_free (&w, w.listing.buffer, w.listing.size);
      return FALSE;
    }

  _g_tempfile_sys_dir_open_up (root, st.mode);

  /* The root frame holds the caller's handle; the walk never closes it. */
  memset (&w.frames[0], 0, sizeof (Frame));
  if (_g_tempfile_sys_dir_begin (&w.frames[0].dir, root, TRUE, signal_safe) != 0)
    {
      int errsv = errno;

      walker_free (&w, w.listing.buffer, w.listing.size);
      walker_free (&w, w.frames, w.frames_bytes);
      if (!signal_safe)
        _g_tempfile_set_error_path (error, errsv, _("Error removing “%s”: %s"), path);
      return FALSE;
    }
  w.frames[0].id = st.id;
  w.n_frames = 1;

  while (w.n_frames > 0)
    {
      GTempfileSysEntry entry;

      if (cancellable != NULL && g_cancellable_is_cancelled (cancellable))
        break;

      if (!next_entry (&w, &entry))
        {
          if (!leave_dir (&w))
            break;
          continue;
        }

      if (entry.type == GTEMPFILE_SYS_TYPE_DIRECTORY || entry.type == GTEMPFILE_SYS_TYPE_UNKNOWN)
        {
          /* UNKNOWN: enter_dir finds out, and says if it is a file. */
          if (!enter_dir (&w, entry.name))
            remove_file (&w, entry.name);
        }
      else if (!remove_file (&w, entry.name) && !enter_dir (&w, entry.name))
        {
          /* A directory to unlink, a file to open: someone keeps swapping
           * it. Report it rather than chase it. */
          record (&w, PROBLEM_CHANGED, 0, entry.name);
        }
    }

  close_frames (&w);
  walker_free (&w, w.listing.buffer, w.listing.size);
  walker_free (&w, w.frames, w.frames_bytes);
  walker_free (&w, w.names, w.names_size);

  if (cancellable != NULL && g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      g_clear_error (&w.error);
      return FALSE;
    }

  if (w.error != NULL)
    {
      g_propagate_error (error, w.error);
      return FALSE;
    }

  return !w.failed;
}

/* Removing a whole temporary directory ------------------------------------- */

/*
 * _g_tempfile_look_at_dir:
 * @path: (type filename): where the directory was created
 * @id: its identity, noted when it was created
 * @error: (nullable): where to say why it is not ours, or why looking failed
 *
 * Tells what @path names now, compared with the temporary directory that
 * was created there. System calls only when @error is %NULL.
 */
GTempfileDirState
_g_tempfile_look_at_dir (const char            *path,
                         const GTempfileSysId  *id,
                         GError               **error)
{
  GTempfileSysStat st;

  if (_g_tempfile_sys_lstat (path, &st) != 0)
    {
      int errsv = errno;

      /* Removed, or renamed away: nothing of ours is there. */
      if (errsv == ENOENT || errsv == ENOTDIR)
        return G_TEMPFILE_DIR_GONE;

      if (error != NULL)
        _g_tempfile_set_error_path (error, errsv, _("Error removing “%s”: %s"), path);
      return G_TEMPFILE_DIR_OTHER;
    }

  if (st.type == GTEMPFILE_SYS_TYPE_DIRECTORY && _g_tempfile_sys_id_equal (&st.id, id))
    return G_TEMPFILE_DIR_OURS;

  if (error != NULL)
    {
      g_autofree char *display = g_filename_display_name (path);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_WRONG_ETAG,
                   _("Not touching “%s”: it is no longer the temporary directory that "
                     "was created there"),
                   display);
    }
  return G_TEMPFILE_DIR_OTHER;
}

/* Splits @path into its parent directory (into @parent, which holds
 * @parent_size bytes) and the last component, without allocating. */
static const char *
split_path (const char *path,
            char       *parent,
            gsize       parent_size)
{
  const char *base = NULL;
  gsize length = strlen (path);
  gsize end;

  /* Trailing separators name the same directory. */
  while (length > 1 && G_IS_DIR_SEPARATOR (path[length - 1]))
    length--;
  for (end = length; end > 0 && !G_IS_DIR_SEPARATOR (path[end - 1]); end--)
    ;
  if (end == 0 || end > parent_size)
    return NULL;

  base = path + end;
  /* Keep the separator for the root ("/x" -> "/", "C:\x" -> "C:\"). */
  if (end == 1 || (end >= 2 && path[end - 2] == ':'))
    {
      memcpy (parent, path, end);
      parent[end] = '\0';
    }
  else
    {
      memcpy (parent, path, end - 1);
      parent[end - 1] = '\0';
    }
  return base;
}

/* Opens the top directory, which the walk did not keep open, checking it
 * is the one created at @path (-1 with ESTALE if it is not). One whose
 * owner took away its read or search permission is given them back first,
 * as the walk does for the directories inside: through the parent, never
 * through a path a link could redirect, and only if it still is ours. */
static GTempfileSysHandle
open_root (const char           *path,
           const GTempfileSysId *id,
           GTempfileSysHandle    parent_dir,
           const char           *base)
{
  GTempfileSysId opened;
  GTempfileSysHandle dir;

  dir = _g_tempfile_sys_dir_open (path, &opened);
  if (dir == GTEMPFILE_SYS_NO_HANDLE && errno == EACCES &&
      parent_dir != GTEMPFILE_SYS_NO_HANDLE &&
      _g_tempfile_sys_dir_open_up_child (parent_dir, base, id, NULL) == 0)
    dir = _g_tempfile_sys_dir_open (path, &opened);

  if (dir != GTEMPFILE_SYS_NO_HANDLE && !_g_tempfile_sys_id_equal (&opened, id))
    {
      _g_tempfile_sys_dir_close (dir);
      errno = ESTALE;
      return GTEMPFILE_SYS_NO_HANDLE;
    }
  return dir;
}

/*
 * _g_tempfile_remove_dir:
 * @path: (type filename): where the directory was created
 * @id: its identity, noted when it was created
 * @dir: a handle of it kept since then, or GTEMPFILE_SYS_NO_HANDLE to open
 *   @path
 * @signal_safe: make system calls only (no error is set then)
 * @cancellable: (nullable): checked between entries
 * @error: return location for a #GError
 *
 * Removes the temporary directory at @path with everything in it, if @path
 * still names that directory. Nothing at @path is success; something else
 * there (a link or another directory put in its place) is left alone and
 * reported as %G_IO_ERROR_WRONG_ETAG. The entry is checked again just
 * before it is removed.
 *
 * Returns: %TRUE if nothing of the directory is left at @path
 */
gboolean
_g_tempfile_remove_dir (const char            *path,
                        const GTempfileSysId  *id,
                        GTempfileSysHandle     dir,
                        gboolean               signal_safe,
                        GCancellable          *cancellable,
                        GError               **error)
{
  char parent[4096];
  const char *base;
  GTempfileSysHandle own = GTEMPFILE_SYS_NO_HANDLE;
  GTempfileSysHandle parent_dir = GTEMPFILE_SYS_NO_HANDLE;
  GTempfileSysStat st;
  int errsv = 0;

  switch (_g_tempfile_look_at_dir (path, id, signal_safe ? NULL : error))
    {
    case G_TEMPFILE_DIR_GONE:
      return TRUE;
    case G_TEMPFILE_DIR_OTHER:
      return FALSE;
    case G_TEMPFILE_DIR_OURS:
    default:
      break;
    }

  /* The common case, an empty directory: one rmdir, no walk. rmdir removes
   * only an empty directory and races with a swap no more than the walk's
   * own last step does; anything else (ENOTEMPTY above all) is walked. */
  if (_g_tempfile_sys_rmdir (path) == 0)
    return TRUE;

  /* Where the entry is removed from, checking once more that it is ours. */
  base = split_path (path, parent, sizeof parent);
  if (base == NULL)
    errsv = ENAMETOOLONG;
  else
    {
      parent_dir = _g_tempfile_sys_dir_open_lookup (parent);
      if (parent_dir == GTEMPFILE_SYS_NO_HANDLE)
        errsv = errno;
    }

  if (dir == GTEMPFILE_SYS_NO_HANDLE)
    {
      own = dir = open_root (path, id, parent_dir, base);
      if (own == GTEMPFILE_SYS_NO_HANDLE)
        {
          int open_errsv = errno;

          _g_tempfile_sys_dir_close (parent_dir);
          /* Gone or replaced since the first look: say which. Still ours
           * but impossible to open (no descriptors left, no memory, no
           * permission that could be given back): say why. */
          switch (_g_tempfile_look_at_dir (path, id, signal_safe ? NULL : error))
            {
            case G_TEMPFILE_DIR_GONE:
              return TRUE;
            case G_TEMPFILE_DIR_OTHER:
              return FALSE;
            case G_TEMPFILE_DIR_OURS:
            default:
              if (!signal_safe)
                _g_tempfile_set_error_path (error, open_errsv, _("Error removing “%s”: %s"), path);
              return FALSE;
            }
        }
    }

  /* Something still writing into the directory (another thread, as the
   * process dies) can add an entry after it was emptied: empty it again, a
   * few times. */
  for (guint pass = 0; pass < 4; pass++)
    {
      if (!walk_contents (dir, path, signal_safe, cancellable, error))
        {
          errsv = -1;   /* reported by the walk */
          break;
        }
      if (errsv != 0)
        break;

      if (_g_tempfile_sys_dir_stat_child (parent_dir, base, &st) != 0)
        errsv = errno;
      else if (!_g_tempfile_sys_id_equal (&st.id, id))
        {
          /* Replaced while its contents were being removed. */
          _g_tempfile_look_at_dir (path, id, signal_safe ? NULL : error);
          errsv = -1;
        }
      else if (_g_tempfile_sys_dir_unlink (parent_dir, base, TRUE) != 0)
        {
          if (errno == ENOTEMPTY && pass < 3)
            continue;
          errsv = errno;
        }

      break;
    }

  _g_tempfile_sys_dir_close (own);
  _g_tempfile_sys_dir_close (parent_dir);

  if (errsv == -1)
    return FALSE;

  if (errsv != 0 && errsv != ENOENT)
    {
      if (!signal_safe)
        _g_tempfile_set_error_path (error, errsv, _("Error removing “%s”: %s"), path);
      return FALSE;
    }

  return TRUE;
}
