/* gtempfile-rmtree.c: removing a directory tree that cannot be tricked
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The walk removes everything inside a directory that the caller holds open.
 * It is written to be safe against a tree that changes while it runs:
 *
 *  - It works through directory descriptors only (openat, unlinkat), opening
 *    each subdirectory with O_NOFOLLOW | O_DIRECTORY, so a symbolic link is
 *    removed and never followed.
 *  - Before opening a subdirectory it notes its device and inode, and checks
 *    with fstat that the descriptor it got is that directory: one swapped in
 *    between listing and opening is not entered.
 *  - It never enters another file system or mount (compared by device and by
 *    mount id): a mount point is reported, not emptied.
 *  - Missing write or search permission is repaired with fchmod on a
 *    descriptor of the directory itself (through /proc for one that cannot be
 *    opened for reading), never through a path that a link could redirect.
 *  - It keeps going past entries it cannot remove and reports the first
 *    failure with its path.
 *
 * Depth costs no recursion and few descriptors: the walk keeps a stack of
 * frames (device, inode, name, where its listing continues), at most
 * MAX_OPEN_FRAMES of which hold an open descriptor. Going back up to a frame
 * whose descriptor was closed reopens it through "..", and checks device and
 * inode again, so a directory moved out of the tree meanwhile cannot lead
 * the walk outside it.
 *
 * Listing continues after a subdirectory from the position the kernel gave
 * for the next entry (getdents64's d_off). Some file systems do not keep
 * those positions stable while entries are removed, so a directory whose
 * listing was interrupted is listed again from the start while that still
 * removes something.
 *
 * The same walk runs in a signal handler (the process-lifetime registry):
 * with signal_safe set it makes system calls only. Its memory then comes
 * from mmap (a plain system call on Linux, unlike malloc), problems are
 * counted but not described, and paths are formatted by hand. mmap,
 * getdents64 and statx are not on POSIX's list of async-signal-safe
 * functions only because POSIX does not know them: on Linux they are plain
 * system calls that take no user-space lock, like openat and unlinkat.
 */

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gtempfile-private.h"

#define MAX_OPEN_FRAMES   16
#define DENTS_BUFFER_SIZE (32 * 1024)

typedef enum
{
  PROBLEM_ERRNO,        /* a system call failed */
  PROBLEM_MOUNT_POINT,  /* another file system or mount: not entered */
  PROBLEM_CHANGED,      /* not the directory that was listed */
} Problem;

typedef struct
{
  int    fd;            /* -1 while closed to stay under MAX_OPEN_FRAMES */
  dev_t  dev;
  ino_t  ino;
  gsize  name_offset;   /* in Walker.names; the root has none */
  off_t  resume;        /* where its listing continues */
  guint  descended : 1; /* this pass came back from a subdirectory */
  guint  progress : 1;  /* this pass removed an entry */
} Frame;

typedef struct
{
  const char   *root_path;
  GCancellable *cancellable;
  gboolean      signal_safe;

  dev_t         root_dev;
  guint64       root_mnt_id;
  gboolean      have_mnt_id;

  Frame        *frames;
  guint         n_frames;
  guint         frames_size;
  guint         lowest_open;   /* frames in 1..lowest_open-1 are closed */
  guint         open_frames;   /* open descriptors the walk owns */

  char         *names;         /* names of frames 1.., each NUL-terminated */
  gsize         names_len;
  gsize         names_size;

  guint8       *dents;
  gssize        dents_len;
  gssize        dents_pos;
  int           listing;       /* the frame the buffer belongs to, or -1 */

  gboolean      failed;
  GError       *error;
} Walker;

static GTempfileRmtreeHook test_hook;
static gpointer test_hook_data;

#define TEST_HOOK(event, dir_fd, name) \
  G_STMT_START { \
    if (G_UNLIKELY (test_hook != NULL)) \
      test_hook ((event), (dir_fd), (name), test_hook_data); \
  } G_STMT_END

void
_g_tempfile_set_rmtree_hook_for_testing (GTempfileRmtreeHook hook,
                                         gpointer            user_data)
{
  test_hook = hook;
  test_hook_data = user_data;
}

/* Identity ---------------------------------------------------------------- */

static gboolean
same_file (const struct stat *a,
           const struct stat *b)
{
  return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* The mount a descriptor is on, where the kernel can tell (Linux 5.8). */
static gboolean
get_mnt_id (int      fd,
            guint64 *mnt_id)
{
#if defined(STATX_MNT_ID)
  struct statx stx;

  if (statx (fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) == 0 &&
      (stx.stx_mask & STATX_MNT_ID) != 0)
    {
      *mnt_id = stx.stx_mnt_id;
      return TRUE;
    }
#endif
  return FALSE;
}

/* Problems ---------------------------------------------------------------- */

static void
append_frame_path (Walker  *w,
                   GString *path,
                   guint    up_to)
{
  for (guint i = 1; i < up_to; i++)
    {
      g_string_append_c (path, G_DIR_SEPARATOR);
      g_string_append (path, w->names + w->frames[i].name_offset);
    }
}

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
  append_frame_path (w, path, w->n_frames);
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

/* Memory ------------------------------------------------------------------ */

/* Grows @buffer from @used to @size bytes, keeping its content. In a signal
 * handler malloc may be in the middle of a call in the interrupted thread,
 * so memory comes straight from the kernel. */
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

  grown = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (grown == MAP_FAILED)
    return FALSE;
  if (*buffer != NULL)
    {
      memcpy (grown, *buffer, used);
      munmap (*buffer, *allocated);
    }
  *buffer = grown;
  *allocated = size;
  return TRUE;
}

static void
walker_free (Walker  *w,
             void    *buffer,
             gsize    allocated)
{
  if (buffer == NULL)
    return;
  if (w->signal_safe)
    munmap (buffer, allocated);
  else
    g_free (buffer);
}

/* "/proc/self/fd/N", without printf, which is not async-signal-safe. */
void
_g_tempfile_format_proc_fd (char buffer[32],
                            int  fd)
{
  static const char prefix[] = "/proc/self/fd/";
  char digits[16];
  int n = 0;

  do
    digits[n++] = '0' + fd % 10;
  while ((fd /= 10) > 0 && n < (int) sizeof digits);

  memcpy (buffer, prefix, sizeof prefix - 1);
  for (int i = 0; i < n; i++)
    buffer[sizeof prefix - 1 + i] = digits[n - 1 - i];
  buffer[sizeof prefix - 1 + n] = '\0';
}

/* Frames ------------------------------------------------------------------ */

static Frame *
top (Walker *w)
{
  return &w->frames[w->n_frames - 1];
}

/* Returns FALSE, closing @fd, if no memory was left for the frame. */
static gboolean
push_frame (Walker            *w,
            int                fd,
            const struct stat *st,
            const char        *name)
{
  gsize name_length = strlen (name) + 1;
  Frame *frame;

  if (w->n_frames == w->frames_size)
    {
      gsize bytes = w->frames_size * sizeof (Frame);

      if (!walker_grow (w, (void **) &w->frames, bytes, &bytes, bytes * 2))
        {
          close (fd);
          return FALSE;
        }
      w->frames_size = bytes / sizeof (Frame);
    }
  if (w->names_len + name_length > w->names_size)
    {
      gsize size = MAX (1024, MAX (w->names_size * 2, w->names_len + name_length));

      if (!walker_grow (w, (void **) &w->names, w->names_len, &w->names_size, size))
        {
          close (fd);
          return FALSE;
        }
    }

  memcpy (w->names + w->names_len, name, name_length);
  frame = &w->frames[w->n_frames++];
  frame->fd = fd;
  frame->dev = st->st_dev;
  frame->ino = st->st_ino;
  frame->name_offset = w->names_len;
  frame->resume = 0;
  frame->descended = FALSE;
  frame->progress = FALSE;
  w->names_len += name_length;
  w->open_frames++;
  w->listing = -1;

  /* Too many descriptors: close the one furthest up (never the caller's).
   * Coming back to it reopens it through "..". */
  if (w->open_frames > MAX_OPEN_FRAMES)
    {
      Frame *oldest = &w->frames[w->lowest_open];

      close (oldest->fd);
      oldest->fd = -1;
      w->open_frames--;
      w->lowest_open++;
    }
  return TRUE;
}

/* Reopens the parent of the top frame, which was closed to save
 * descriptors. It must still be the directory that was entered. */
static gboolean
reopen_parent (Walker *w)
{
  Frame *child = top (w);
  Frame *parent = child - 1;
  struct stat st;
  int fd;

  fd = openat (child->fd, "..", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    {
      record (w, PROBLEM_ERRNO, errno, "..");
      return FALSE;
    }

  if (fstat (fd, &st) != 0 || st.st_dev != parent->dev || st.st_ino != parent->ino)
    {
      /* The directory was moved out of the tree: stop here rather than go
       * up into whatever now holds it. */
      close (fd);
      record (w, PROBLEM_CHANGED, 0, NULL);
      return FALSE;
    }

  parent->fd = fd;
  w->open_frames++;
  w->lowest_open = w->n_frames - 2;
  return TRUE;
}

static void
close_frames (Walker *w)
{
  for (guint i = 1; i < w->n_frames; i++)
    if (w->frames[i].fd >= 0)
      close (w->frames[i].fd);
  w->n_frames = 0;
  w->open_frames = 0;
}

/* Entries ----------------------------------------------------------------- */

/* The next entry of the top frame, or NULL at its end (or on an error, which
 * is recorded). */
static struct dirent64 *
next_entry (Walker *w)
{
  Frame *frame = top (w);

  if (w->listing != (int) w->n_frames - 1)
    {
      /* Another frame's entries are in the buffer: continue this one where
       * it was left. */
      if (lseek (frame->fd, frame->resume, SEEK_SET) < 0)
        {
          record (w, PROBLEM_ERRNO, errno, NULL);
          return NULL;
        }
      w->listing = w->n_frames - 1;
      w->dents_len = w->dents_pos = 0;
    }

  for (;;)
    {
      struct dirent64 *entry;

      if (w->dents_pos >= w->dents_len)
        {
          gssize n = getdents64 (frame->fd, w->dents, DENTS_BUFFER_SIZE);

          if (n < 0)
            {
              record (w, PROBLEM_ERRNO, errno, NULL);
              return NULL;
            }
          if (n == 0)
            return NULL;
          w->dents_len = n;
          w->dents_pos = 0;
        }

      entry = (struct dirent64 *) (w->dents + w->dents_pos);
      w->dents_pos += entry->d_reclen;
      frame->resume = entry->d_off;

      if (entry->d_name[0] == '.' &&
          (entry->d_name[1] == '\0' || (entry->d_name[1] == '.' && entry->d_name[2] == '\0')))
        continue;

      return entry;
    }
}

static void
removed_one (Walker     *w,
             Frame      *frame,
             const char *name)
{
  frame->progress = TRUE;
  TEST_HOOK (G_TEMPFILE_RMTREE_REMOVED, frame->fd, name);
}

/* Gives the owner read, write and search permission on the directory open
 * at @fd, keeping the other bits. */
static gboolean
open_up (int                fd,
         const struct stat *st)
{
  if ((st->st_mode & S_IRWXU) == S_IRWXU)
    return TRUE;

  return fchmod (fd, (st->st_mode & 07777) | S_IRWXU) == 0;
}

/* For a directory that cannot be opened for reading: an O_PATH descriptor
 * pins it without reading it; after checking it is the directory that was
 * listed, its mode is changed through /proc/self/fd, which reaches exactly
 * that directory and no link. */
static gboolean
open_up_unreadable (int                parent_fd,
                    const char        *name,
                    const struct stat *listed)
{
  char proc_path[64];
  struct stat st;
  gboolean ok = FALSE;
  int fd;

  fd = openat (parent_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return FALSE;

  if (fstat (fd, &st) == 0 && same_file (&st, listed))
    {
      TEST_HOOK (G_TEMPFILE_RMTREE_REPAIRING, parent_fd, name);
      _g_tempfile_format_proc_fd (proc_path, fd);
      ok = chmod (proc_path, (st.st_mode & 07777) | S_IRWXU) == 0;
    }

  close (fd);
  return ok;
}

/* Unlinks a non-directory @name of the top frame. Returns FALSE if it turned
 * out to be a directory. */
static gboolean
remove_file (Walker     *w,
             const char *name)
{
  Frame *frame = top (w);
  int errsv;

  if (unlinkat (frame->fd, name, 0) == 0)
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
  const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;
  Frame *frame = top (w);
  struct stat listed;
  struct stat st;
  guint64 mnt_id;
  int fd;

  if (fstatat (frame->fd, name, &listed, AT_SYMLINK_NOFOLLOW) != 0)
    {
      if (errno != ENOENT)
        record (w, PROBLEM_ERRNO, errno, name);
      return TRUE;
    }
  if (!S_ISDIR (listed.st_mode))
    return FALSE;

  if (listed.st_dev != w->root_dev)
    {
      record (w, PROBLEM_MOUNT_POINT, 0, name);
      return TRUE;
    }

  TEST_HOOK (G_TEMPFILE_RMTREE_OPENING, frame->fd, name);
  fd = openat (frame->fd, name, flags);
  if (fd < 0 && errno == EACCES && open_up_unreadable (frame->fd, name, &listed))
    fd = openat (frame->fd, name, flags);
  if (fd < 0)
    {
      int errsv = errno;

      if (errsv == ENOENT)
        return TRUE;
      if (errsv == ENOTDIR || errsv == ELOOP)
        return FALSE;   /* replaced by a file or a link: remove that */
      record (w, PROBLEM_ERRNO, errsv, name);
      return TRUE;
    }

  if (fstat (fd, &st) != 0 || !same_file (&st, &listed))
    {
      close (fd);
      record (w, PROBLEM_CHANGED, 0, name);
      return TRUE;
    }

  if (w->have_mnt_id && get_mnt_id (fd, &mnt_id) && mnt_id != w->root_mnt_id)
    {
      /* A bind mount of the same file system. */
      close (fd);
      record (w, PROBLEM_MOUNT_POINT, 0, name);
      return TRUE;
    }

  /* Failing is fine here: removing what is inside reports it. */
  open_up (fd, &st);

  if (!push_frame (w, fd, &st, name))
    record (w, PROBLEM_ERRNO, ENOMEM, name);
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
      frame->resume = 0;
      w->listing = -1;
      return TRUE;
    }

  if (w->n_frames == 1)
    {
      w->n_frames = 0;
      return TRUE;
    }

  parent = frame - 1;
  if (parent->fd < 0 && !reopen_parent (w))
    return FALSE;

  close (frame->fd);
  frame->fd = -1;
  w->open_frames--;
  name = w->names + frame->name_offset;
  w->n_frames--;
  w->listing = -1;
  parent->descended = TRUE;

  if (unlinkat (parent->fd, name, AT_REMOVEDIR) == 0)
    removed_one (w, parent, name);
  else if (errno != ENOENT && !(errno == ENOTEMPTY && w->failed))
    record (w, PROBLEM_ERRNO, errno, name);   /* a failure inside was recorded already */

  w->names_len = frame->name_offset;
  return TRUE;
}

/* Removes everything inside the directory open at @dir_fd (not closed). */
static gboolean
walk_contents (int            dir_fd,
               const char    *path,
               gboolean       signal_safe,
               GCancellable  *cancellable,
               GError       **error)
{
  Walker w = { 0, };
  gsize dents_size = 0;
  gsize frames_bytes = 0;
  struct stat st;

  if (fstat (dir_fd, &st) != 0)
    {
      if (!signal_safe)
        _g_tempfile_set_error_path (error, errno, _("Error removing “%s”: %s"), path);
      return FALSE;
    }

  w.root_path = path;
  w.cancellable = cancellable;
  w.signal_safe = signal_safe;
  w.root_dev = st.st_dev;
  w.have_mnt_id = get_mnt_id (dir_fd, &w.root_mnt_id);
  w.listing = -1;
  w.lowest_open = 1;

  if (!walker_grow (&w, (void **) &w.dents, 0, &dents_size, DENTS_BUFFER_SIZE) ||
      !walker_grow (&w, (void **) &w.frames, 0, &frames_bytes, 64 * sizeof (Frame)))
    {
      walker_free (&w, w.dents, dents_size);
      return FALSE;
    }
  w.frames_size = frames_bytes / sizeof (Frame);

  open_up (dir_fd, &st);

  /* The root frame holds the caller's descriptor; the walk never closes it. */
  w.n_frames = 1;
  w.frames[0] = (Frame) { dir_fd, st.st_dev, st.st_ino, 0, 0, FALSE, FALSE };

  while (w.n_frames > 0)
    {
      struct dirent64 *entry;

      if (cancellable != NULL && g_cancellable_is_cancelled (cancellable))
        break;

      entry = next_entry (&w);
      if (entry == NULL)
        {
          if (!leave_dir (&w))
            break;
          continue;
        }

      if (entry->d_type == DT_DIR || entry->d_type == DT_UNKNOWN)
        {
          /* DT_UNKNOWN: enter_dir finds out, and says if it is a file. */
          if (!enter_dir (&w, entry->d_name))
            remove_file (&w, entry->d_name);
        }
      else if (!remove_file (&w, entry->d_name) && !enter_dir (&w, entry->d_name))
        {
          /* A directory to unlink, a file to opendir: someone keeps
           * swapping it. Report it rather than chase it. */
          record (&w, PROBLEM_CHANGED, 0, entry->d_name);
        }
    }

  close_frames (&w);
  walker_free (&w, w.dents, dents_size);
  walker_free (&w, w.frames, w.frames_size * sizeof (Frame));
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

/*
 * _g_tempfile_rmtree_contents:
 * @dir_fd: an open descriptor of the directory to empty; it is not closed
 * @path: (type filename): its path, for messages
 * @cancellable: (nullable): checked between entries
 * @error: return location for the first problem
 *
 * Removes everything inside the directory open at @dir_fd, as described at
 * the top of this file. Cancelling leaves a consistent, partly removed tree
 * that a later call finishes.
 *
 * Returns: %TRUE if everything was removed
 */
gboolean
_g_tempfile_rmtree_contents (int            dir_fd,
                             const char    *path,
                             GCancellable  *cancellable,
                             GError       **error)
{
  return walk_contents (dir_fd, path, FALSE, cancellable, error);
}

/* Removing a whole temporary directory ------------------------------------ */

/*
 * _g_tempfile_look_at_dir:
 * @path: (type filename): where the directory was created
 * @dev: its device, noted when it was created
 * @ino: its inode
 * @error: (nullable): where to say why it is not ours, or why looking failed
 *
 * Tells what @path names now, compared with the temporary directory that
 * was created there. System calls only when @error is %NULL.
 */
GTempfileDirState
_g_tempfile_look_at_dir (const char  *path,
                         dev_t        dev,
                         ino_t        ino,
                         GError     **error)
{
  struct stat st;

  if (lstat (path, &st) != 0)
    {
      int errsv = errno;

      /* Removed, or renamed away: nothing of ours is there. */
      if (errsv == ENOENT || errsv == ENOTDIR)
        return G_TEMPFILE_DIR_GONE;

      if (error != NULL)
        _g_tempfile_set_error_path (error, errsv, _("Error removing “%s”: %s"), path);
      return G_TEMPFILE_DIR_OTHER;
    }

  if (S_ISDIR (st.st_mode) && st.st_dev == dev && st.st_ino == ino)
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

/*
 * _g_tempfile_remove_dir:
 * @path: (type filename): where the directory was created
 * @dev: its device, noted when it was created
 * @ino: its inode
 * @dir_fd: a descriptor of it kept since then, or -1 to open @path
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
_g_tempfile_remove_dir (const char    *path,
                        dev_t          dev,
                        ino_t          ino,
                        int            dir_fd,
                        gboolean       signal_safe,
                        GCancellable  *cancellable,
                        GError       **error)
{
  char parent[PATH_MAX];
  const char *base;
  const char *slash;
  struct stat st;
  int own_fd = -1;
  int parent_fd;
  int errsv;

  switch (_g_tempfile_look_at_dir (path, dev, ino, signal_safe ? NULL : error))
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
  if (rmdir (path) == 0)
    return TRUE;

  if (dir_fd < 0)
    {
      own_fd = dir_fd = open (path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (own_fd < 0 || fstat (own_fd, &st) != 0 || st.st_dev != dev || st.st_ino != ino)
        {
          if (own_fd >= 0)
            close (own_fd);
          /* Replaced between the two looks: say so. */
          _g_tempfile_look_at_dir (path, dev, ino, signal_safe ? NULL : error);
          return FALSE;
        }
    }

  /* Where the entry is removed from, checking once more that it is ours.
   * O_PATH: searching the parent is all that is needed. */
  slash = strrchr (path, G_DIR_SEPARATOR);
  if (slash == NULL || (gsize) (slash - path) >= sizeof parent)
    slash = NULL;
  else if (slash == path)
    {
      parent[0] = G_DIR_SEPARATOR;
      parent[1] = '\0';
    }
  else
    {
      memcpy (parent, path, slash - path);
      parent[slash - path] = '\0';
    }
  base = slash != NULL ? slash + 1 : path;
  parent_fd = slash != NULL ? open (parent, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
  errsv = parent_fd < 0 ? (slash != NULL ? errno : ENAMETOOLONG) : 0;

  /* Something still writing into the directory (another thread, as the
   * process dies) can add an entry after it was emptied: empty it again, a
   * few times. */
  for (guint pass = 0; pass < 4; pass++)
    {
      if (!walk_contents (dir_fd, path, signal_safe, cancellable, error))
        {
          errsv = -1;   /* reported by the walk */
          break;
        }
      if (errsv != 0)
        break;

      if (fstatat (parent_fd, base, &st, AT_SYMLINK_NOFOLLOW) != 0)
        errsv = errno;
      else if (st.st_dev != dev || st.st_ino != ino)
        {
          /* Replaced while its contents were being removed. */
          _g_tempfile_look_at_dir (path, dev, ino, signal_safe ? NULL : error);
          errsv = -1;
        }
      else if (unlinkat (parent_fd, base, AT_REMOVEDIR) != 0)
        {
          if (errno == ENOTEMPTY && pass < 3)
            continue;
          errsv = errno;
        }

      break;
    }

  if (own_fd >= 0)
    close (own_fd);
  if (parent_fd >= 0)
    close (parent_fd);

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
