/* gtempfile-platform-private.h: every system-specific operation (floor 1)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The platform layer is the only part of libgtempfile that knows which
 * system it runs on (DESIGN.md §8). Everything above it is plain GLib C:
 * names, the removal walk's policy, the registry, the create loop and the
 * classes ask this layer for system calls and never make one themselves.
 *
 * Two implementations sit behind this header, chosen by meson:
 *
 *  - gtempfile-platform-unix.c: Linux and generic POSIX (the BSDs, macOS).
 *    Each Linux call (O_TMPFILE, renameat2, getrandom, statx, getdents64,
 *    syncfs, O_PATH, /proc) is chosen by a meson check (config.h HAVE_*),
 *    never by the name of the system, and has a fallback that is just as
 *    safe. -Dforce_fallbacks=true builds it as a BSD would be built.
 *  - gtempfile-platform-win32.c: Windows.
 *
 * Conventions: functions return a descriptor, 0 or 1 on success and -1 with
 * errno set on failure, like the system calls they wrap (the Windows
 * implementation translates its error codes to errno). They take no locks,
 * allocate nothing and set no GError, so that the ones marked
 * "async-signal-safe" may run in a signal handler; policy (which error to
 * report, what to try next) belongs to the floors above.
 */

#pragma once

#include <errno.h>
#include <glib.h>
#include <sys/types.h>

#include "config.h"

/* The walk's "not the directory that was listed" (ESTALE where the system
 * has it). Windows' C library has no ESTALE: a value of ours, which only
 * the platform layer sets. */
#ifndef ESTALE
# define ESTALE 10070
#endif

G_BEGIN_DECLS

/* An open directory: a descriptor where there are descriptors, a HANDLE
 * on Windows. -1 is no directory on both. */
typedef gintptr GTempfileSysHandle;
#define GTEMPFILE_SYS_NO_HANDLE ((GTempfileSysHandle) -1)

/* What identifies a file for as long as it exists: device and inode, or on
 * Windows the volume serial number and the file index. */
typedef struct
{
  guint64 dev;
  guint64 ino;
} GTempfileSysId;

static inline gboolean
_g_tempfile_sys_id_equal (const GTempfileSysId *a,
                          const GTempfileSysId *b)
{
  return a->dev == b->dev && a->ino == b->ino;
}

typedef enum
{
  GTEMPFILE_SYS_TYPE_UNKNOWN,
  GTEMPFILE_SYS_TYPE_DIRECTORY,
  GTEMPFILE_SYS_TYPE_LINK,       /* a symbolic link, junction, any reparse point */
  GTEMPFILE_SYS_TYPE_OTHER,      /* a regular file, a device, a socket... */
} GTempfileSysType;

/* What lstat(2) says, in the parts the library uses. */
typedef struct
{
  GTempfileSysId   id;
  GTempfileSysType type;
  guint32          mode;        /* permission bits; 0 where there are none */
} GTempfileSysStat;

/* Names: the directory separator and the longest name component. */
#ifdef G_OS_WIN32
# define GTEMPFILE_SYS_NAME_MAX 255
#else
# include <limits.h>
# ifdef NAME_MAX
#  define GTEMPFILE_SYS_NAME_MAX NAME_MAX
# else
#  define GTEMPFILE_SYS_NAME_MAX 255
# endif
#endif

/* Process -------------------------------------------------------------------- */

/* getpid() without a system call each time; renewed in a child made with
 * fork(). Async-signal-safe. */
gint64        _g_tempfile_sys_getpid           (void);
/* Bumped in every child made with fork(): buffers of random bytes made
 * before must not be used after. */
guint         _g_tempfile_sys_fork_generation  (void);
/* The same number, to read directly on a hot path (with g_atomic_int_get)
 * once _g_tempfile_sys_fork_generation() has been called: from then on,
 * forks are counted. */
extern int    _g_tempfile_sys_fork_count;

/* Fills @buffer from the operating system's cryptographic generator
 * (getrandom, arc4random_buf, /dev/urandom, BCryptGenRandom). */
int           _g_tempfile_sys_random           (void           *buffer,
                                                gsize           length);

/* A short pause while another thread finishes an attempt (about 200 µs).
 * Async-signal-safe. */
void          _g_tempfile_sys_pause            (void);

/* Memory straight from the kernel, for the walk in a signal handler (where
 * malloc may hold a lock in the interrupted thread). Async-signal-safe. */
void         *_g_tempfile_sys_map_pages        (gsize           size);
void          _g_tempfile_sys_unmap_pages      (void           *pages,
                                                gsize           size);

/* The conventional temporary directories, in Python's order: /tmp,
 * /var/tmp, /usr/tmp; on Windows C:\TEMP, C:\TMP, \TEMP, \TMP. */
const char * const *_g_tempfile_sys_conventional_tempdirs (void);

/* The soft limit on open descriptors, or 0 when there is none. */
guint64       _g_tempfile_sys_descriptor_limit (void);

/* Signals: SIGINT, SIGTERM, SIGHUP where there are signals. */
typedef struct
{
  guint8   mask[128];   /* a sigset_t: at most 128 bytes on every system */
  gboolean blocked;
} GTempfileSysSignals;

/* Blocks the three signals in this thread, keeping the old mask. */
void          _g_tempfile_sys_block_signals    (GTempfileSysSignals *saved);
void          _g_tempfile_sys_restore_signals  (GTempfileSysSignals *saved);
/* Installs @handler for each of the three signals whose disposition is
 * still the default; it runs with the three blocked, and the signal is
 * then raised again with its default action. Returns whether @handler is
 * in place for at least one (FALSE on systems without signals). */
gboolean      _g_tempfile_sys_install_signal_handlers (void (*handler) (void));

/* Paths ---------------------------------------------------------------------- */

/* @path made absolute against the current directory, with nothing else
 * changed (DESIGN.md §2); on Windows "C:name" against drive C:'s own current
 * directory. NULL with errno when the current directory has no path (it
 * was removed: ENOENT). */
char         *_g_tempfile_sys_make_absolute    (const char     *path);

/* For APIs that shorten "." and ".." lexically (GFile): a path naming the
 * same entry as the absolute @path, its parent resolved by the system
 * (POSIX: realpath), when @path has such components; else NULL. On
 * Windows, where paths are shortened that way anyway, always NULL. */
char         *_g_tempfile_sys_resolve_dots     (const char     *path);

/* Files ---------------------------------------------------------------------- */

/* Creates @path exclusively (never following a link), for reading and
 * writing, mode 0600, close-on-exec (and binary, not inherited, on
 * Windows). With @anonymous on Windows, the file is also removed when it is
 * closed. Returns a descriptor. */
int           _g_tempfile_sys_create_file      (const char     *path,
                                                gboolean        anonymous);
/* mkdir (@path, 0700). */
int           _g_tempfile_sys_create_dir       (const char     *path);
/* Opens an existing regular file read-only, not following a link. */
int           _g_tempfile_sys_open_file        (const char     *path);
/* A file with no name in @dir, where the system can make one directly
 * (O_TMPFILE); *@linkable says whether _g_tempfile_sys_link_fd() can give
 * it a name later. -1 with EOPNOTSUPP where it cannot; EISDIR means it
 * never will in this process (Linux before 3.11). */
int           _g_tempfile_sys_open_tmpfile     (const char     *dir,
                                                gboolean       *linkable);
/* Removes the name of a file that is open at @fd, created by
 * _g_tempfile_sys_create_file() with @anonymous. */
int           _g_tempfile_sys_unlink_open      (int             fd,
                                                const char     *path);
/* Gives the open anonymous file @fd the name @target, never replacing. */
int           _g_tempfile_sys_link_fd          (int             fd,
                                                const char     *target);
/* Sets the mode of @fd to exactly 0600 (a file that gets a name). */
int           _g_tempfile_sys_set_private_mode (int             fd);

int           _g_tempfile_sys_close            (int             fd);
gssize        _g_tempfile_sys_read             (int             fd,
                                                void           *buffer,
                                                gsize           count);
gssize        _g_tempfile_sys_write            (int             fd,
                                                const void     *buffer,
                                                gsize           count);
/* lseek; @whence is 0, 1, 2 for SET, CUR, END. */
gint64        _g_tempfile_sys_seek             (int             fd,
                                                gint64          offset,
                                                int             whence);
int           _g_tempfile_sys_truncate         (int             fd,
                                                gint64          size);
int           _g_tempfile_sys_fsync            (int             fd);

/* fstat(2), as much as a GFileInfo shows. */
typedef struct
{
  GTempfileSysId id;
  guint32        mode;
  guint32        nlink;
  guint32        uid;
  guint32        gid;
  guint32        rdev;
  guint32        block_size;
  guint64        blocks;      /* of 512 bytes */
  guint64        size;
  gint64         atime, mtime, ctime;               /* seconds */
  guint32        atime_nsec, mtime_nsec, ctime_nsec;
} GTempfileSysFileInfo;

int           _g_tempfile_sys_fstat            (int                   fd,
                                                GTempfileSysFileInfo *info);

int           _g_tempfile_sys_unlink           (const char     *path);
int           _g_tempfile_sys_rmdir            (const char     *path);
/* rename(2): replaces an existing file, or an empty directory. */
int           _g_tempfile_sys_rename           (const char     *from,
                                                const char     *to);
/* The same, but -1 with EEXIST if @to exists. Atomic where the system can
 * (renameat2, renameatx_np, MoveFileEx); elsewhere a file is linked then
 * unlinked (never replaces, but a crash can leave both names) and a
 * directory is renamed after checking @to is free (a concurrent creation
 * of @to can race). */
int           _g_tempfile_sys_rename_noreplace (const char     *from,
                                                const char     *to,
                                                gboolean        is_dir);
/* Flushes the directory @path itself (its entries) to disk. */
int           _g_tempfile_sys_fsync_dir        (const char     *path);
/* Flushes everything on the file system of @dir to disk (syncfs). */
int           _g_tempfile_sys_sync_fs          (GTempfileSysHandle dir);

/* lstat(2). Async-signal-safe. */
int           _g_tempfile_sys_lstat            (const char       *path,
                                                GTempfileSysStat *st);

/* Directories ---------------------------------------------------------------- */

/* Opens the directory @path for the walk, not following a link, and gives
 * its identity if @id is not %NULL (one more system call). */
GTempfileSysHandle _g_tempfile_sys_dir_open    (const char       *path,
                                                GTempfileSysId   *id);
/* Opens the directory @path only to look names up in it (O_PATH where
 * there is one: no read permission needed). Async-signal-safe. */
GTempfileSysHandle _g_tempfile_sys_dir_open_lookup (const char   *path);
void          _g_tempfile_sys_dir_close        (GTempfileSysHandle dir);
/* The identity and mode of the open directory @dir. */
int           _g_tempfile_sys_dir_stat         (GTempfileSysHandle dir,
                                                GTempfileSysStat  *st);
/* A shared lock that systemd-tmpfiles respects (flock); 0 where the system
 * has nothing of the kind and an open handle is all the protection. */
int           _g_tempfile_sys_dir_lock_shared  (GTempfileSysHandle dir);

/* The walk's primitives. All async-signal-safe, except where said. @name
 * is an entry of the open directory @parent; nothing follows a link. */

/* lstat of an entry. */
int           _g_tempfile_sys_dir_stat_child   (GTempfileSysHandle parent,
                                                const char       *name,
                                                GTempfileSysStat *st);
/* Opens subdirectory @name for listing. -1 with ENOTDIR or ELOOP if it is
 * not a directory (any more), EACCES if it cannot be read. */
GTempfileSysHandle _g_tempfile_sys_dir_open_child (GTempfileSysHandle parent,
                                                   const char        *name);
/* Reopens the parent of @child (its ".."). */
GTempfileSysHandle _g_tempfile_sys_dir_open_parent (GTempfileSysHandle child);
/* Unlinks a non-directory @name (EISDIR, or EPERM on some systems, if it is
 * a directory), or with @is_dir an empty directory. */
int           _g_tempfile_sys_dir_unlink       (GTempfileSysHandle parent,
                                                const char        *name,
                                                gboolean           is_dir);
/* Gives the owner read, write and search permission on the open directory
 * @dir, keeping the other bits of @mode. */
int           _g_tempfile_sys_dir_open_up      (GTempfileSysHandle dir,
                                                guint32            mode);
/* The same for subdirectory @name of @parent that cannot be opened for
 * reading, provided it still is the directory @expected: through a
 * descriptor that pins it (O_PATH and /proc) where the system has one, or
 * fchmodat(AT_SYMLINK_NOFOLLOW), which never follows a link. @before_change
 * runs just before the mode is changed (a test hook; may be NULL). */
int           _g_tempfile_sys_dir_open_up_child (GTempfileSysHandle    parent,
                                                 const char           *name,
                                                 const GTempfileSysId *expected,
                                                 void (*before_change) (GTempfileSysHandle, const char *));

/* The mount test. _g_tempfile_sys_mount_init() notes the mount @root is on,
 * by the first means that works on it (Linux: statx's mount id, then
 * name_to_handle_at's, then /proc/self/fdinfo's; elsewhere the device);
 * _g_tempfile_sys_is_other_mount() says whether entry @name of @parent,
 * with identity @listed, is on another mount, using the same means. It
 * opens nothing but a path-only descriptor, and changes nothing. */
typedef enum
{
  GTEMPFILE_SYS_MOUNT_BY_DEVICE,
  GTEMPFILE_SYS_MOUNT_BY_STATX,
  GTEMPFILE_SYS_MOUNT_BY_HANDLE,
  GTEMPFILE_SYS_MOUNT_BY_FDINFO,
} GTempfileSysMountMeans;

typedef struct
{
  GTempfileSysMountMeans means;
  guint64                dev;
  guint64                mount_id;
} GTempfileSysMount;

/* 0, or -1 with errno when a means that this system has failed for another
 * reason than "not here" (EMFILE, ENOMEM, EIO...): the walk must stop then,
 * rather than fall back to a weaker means without saying so. */
int           _g_tempfile_sys_mount_init       (GTempfileSysMount    *mount,
                                                GTempfileSysHandle    root,
                                                const GTempfileSysId *root_id);
/* 1 if @name is on another mount, 0 if not (or if it is gone), -1 with
 * errno if it cannot be told. */
int           _g_tempfile_sys_is_other_mount   (const GTempfileSysMount *mount,
                                                GTempfileSysHandle       parent,
                                                const char              *name,
                                                const GTempfileSysId    *listed);

/* Listing. Each open directory of the walk has a GTempfileSysDir; the walk
 * has one GTempfileSysListing whose buffer holds the entries of one
 * directory at a time. Reading a directory whose entries are not in the
 * buffer continues where its listing stopped; where the system cannot do
 * that, from the start (the walk copes: it lists again while that still
 * removes something). */
typedef struct
{
  GTempfileSysHandle handle;
  gpointer           stream;   /* a DIR *, where readdir is used */
  gint64             resume;   /* where the listing continues */
  gboolean           borrowed; /* the handle is the caller's */
} GTempfileSysDir;

typedef struct
{
  guint8                *buffer;
  gsize                  size;
  gssize                 length;
  gssize                 position;
  const GTempfileSysDir *owner;   /* whose entries are in the buffer */
  gboolean               signal_safe;
} GTempfileSysListing;

typedef struct
{
  const char       *name;
  GTempfileSysType  type;       /* UNKNOWN where the listing does not say */
} GTempfileSysEntry;

/* The buffer a listing needs, in bytes (0 if it needs none). */
gsize         _g_tempfile_sys_listing_size     (void);
/* Whether the listing of a directory closed and opened again can continue
 * where it stopped (getdents64's offsets: yes; readdir: no). */
gboolean      _g_tempfile_sys_listing_resumes  (void);
/* Whether a directory can be listed in a signal handler here (getdents64:
 * yes; readdir allocates: no). */
gboolean      _g_tempfile_sys_can_list_signal_safe (void);
/* Makes @dir ready for listing. It takes @handle over, unless @borrowed:
 * then the handle stays the caller's. On failure @handle is not closed.
 * Not async-signal-safe where readdir is used. */
int           _g_tempfile_sys_dir_begin        (GTempfileSysDir     *dir,
                                                GTempfileSysHandle   handle,
                                                gboolean             borrowed,
                                                gboolean             signal_safe);
/* 1 with @entry set, 0 at the end, -1 with errno. A directory removed by
 * someone else while it is being listed ends its listing (0). */
int           _g_tempfile_sys_dir_next         (GTempfileSysListing *listing,
                                                GTempfileSysDir     *dir,
                                                GTempfileSysEntry   *entry);
/* The next _g_tempfile_sys_dir_next() starts from the first entry. */
void          _g_tempfile_sys_dir_rewind       (GTempfileSysListing *listing,
                                                GTempfileSysDir     *dir);
/* Closes @dir, and its handle unless it was borrowed. */
void          _g_tempfile_sys_dir_end          (GTempfileSysListing *listing,
                                                GTempfileSysDir     *dir);
/* The directory handle for the other primitives. */
static inline GTempfileSysHandle
_g_tempfile_sys_dir_handle (const GTempfileSysDir *dir)
{
  return dir->handle;
}

/* How many directories the walk may keep open at once before it closes the
 * ones furthest up (reopening them through ".." on the way back); 0: no
 * limit (handles are plentiful, and there is no ".." to reopen). */
guint         _g_tempfile_sys_walk_max_open    (void);

/* Features, for the C tests: what the library was built with, and test
 * hooks that take a feature away, so every fallback is tested on the
 * system that has the fast path. */
typedef enum
{
  GTEMPFILE_SYS_FEATURE_O_TMPFILE,
  GTEMPFILE_SYS_FEATURE_RENAME_NOREPLACE,   /* renameat2 / renameatx_np / MoveFileEx */
  GTEMPFILE_SYS_FEATURE_GETRANDOM,
  GTEMPFILE_SYS_FEATURE_PROC,               /* /proc/self/fd and fdinfo */
  GTEMPFILE_SYS_FEATURE_SYNCFS,
  GTEMPFILE_SYS_FEATURE_STATX_MOUNT_ID,
  GTEMPFILE_SYS_FEATURE_HANDLE_MOUNT_ID,    /* name_to_handle_at */
  GTEMPFILE_SYS_FEATURE_GETDENTS,           /* getdents64 rather than readdir */
  GTEMPFILE_SYS_FEATURE_O_PATH,
  GTEMPFILE_SYS_FEATURE_SIGNALS,
  GTEMPFILE_SYS_FEATURE_MODES,              /* permission bits: 0600, 0700, fchmod repair */
  GTEMPFILE_SYS_FEATURE_UNLINK_OPEN,        /* an open file's name goes at once when removed */
  GTEMPFILE_SYS_N_FEATURES
} GTempfileSysFeature;

gboolean      _g_tempfile_sys_has_feature      (GTempfileSysFeature feature);
/* What each implementation says it was built with (has_feature() also
 * asks whether a test took the feature away). */
gboolean      _g_tempfile_sys_feature_built    (GTempfileSysFeature feature);
void          _g_tempfile_sys_disable_for_testing (GTempfileSysFeature feature,
                                                   gboolean            disabled);
/* Makes the next @times calls of _g_tempfile_sys_unlink() and
 * _g_tempfile_sys_unlink_open() fail with @errsv. */
void          _g_tempfile_sys_fail_unlink_for_testing (int   errsv,
                                                       guint times);
guint         _g_tempfile_sys_get_fsync_count_for_testing (void);

/* For the implementations (gtempfile-platform-hooks.c): whether a test
 * took @feature away; whether the next unlink is to fail (errno set then);
 * counting fsyncs. */
extern int    _g_tempfile_sys_disabled[GTEMPFILE_SYS_N_FEATURES];
#define GTEMPFILE_SYS_ENABLED(feature) \
  G_LIKELY (!g_atomic_int_get (&_g_tempfile_sys_disabled[(feature)]))
gboolean      _g_tempfile_sys_unlink_fault     (void);
void          _g_tempfile_sys_count_fsync      (void);

G_END_DECLS
