/* gtempfile-private.h: internals shared by libgtempfile's classes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Nothing here is installed or exported. The C tests link the internal
 * static library and use the "_for_testing" hooks at the bottom.
 */

#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>

#include "gtempfile.h"

G_BEGIN_DECLS

/* Creation policy, DESIGN.md §2. */
#define GTEMPFILE_RANDOM_CHARS   8
#define GTEMPFILE_MAX_TRIES      10000
#define GTEMPFILE_FILE_MODE      0600
#define GTEMPFILE_DIR_MODE       0700
#define GTEMPFILE_DEFAULT_PREFIX "tmp"
#define GTEMPFILE_OPEN_FLAGS     (O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC)

/* Translation (gtempfile-utils.c). The library binds its text domain the
 * first time it translates something. */
const char  *_g_tempfile_gettext            (const char   *msgid) G_GNUC_FORMAT (1);
#define _(String) _g_tempfile_gettext (String)
#define N_(String) (String)

/* Errors (gtempfile-create.c). Messages are translated formats with one or
 * two “%s” for paths (converted for display here) followed by one %s for
 * the system's description of @errsv. */
GIOErrorEnum _g_tempfile_io_error_from_errno (int           errsv);
void         _g_tempfile_set_error_path     (GError      **error,
                                             int           errsv,
                                             const char   *format,
                                             const char   *path);
void         _g_tempfile_set_error_paths    (GError      **error,
                                             int           errsv,
                                             const char   *format,
                                             const char   *path1,
                                             const char   *path2);

GParamSpec  *_g_tempfile_param_spec_path    (const char   *name);
gboolean     _g_tempfile_check_flags        (guint         flags,
                                             guint         known,
                                             const char   *type_name,
                                             GError      **error);

/* Creation of GTempFile and GTempDir in a worker thread (GAsyncInitable). */
typedef gboolean (*GTempfileCreateObjectFunc) (gpointer       object,
                                               GCancellable  *cancellable,
                                               GError       **error);

void         _g_tempfile_init_async         (GAsyncInitable            *initable,
                                             GTempfileCreateObjectFunc  create,
                                             int                        io_priority,
                                             GCancellable              *cancellable,
                                             GAsyncReadyCallback        callback,
                                             gpointer                   user_data);
gboolean     _g_tempfile_init_finish        (GAsyncInitable  *initable,
                                             GAsyncResult    *result,
                                             GError         **error);

/* The path of an object and its GFile, handed out without a reference:
 * replaced values stay alive until _g_tempfile_path_clear(). */
typedef struct
{
  char      *path;
  GFile     *file;
  GPtrArray *retired_paths;
  GPtrArray *retired_files;
} GTempfilePath;

void         _g_tempfile_path_set           (GTempfilePath *self,
                                             char          *path);
GFile       *_g_tempfile_path_get_file      (GTempfilePath *self);
void         _g_tempfile_path_clear         (GTempfilePath *self);

/* Names and creation (gtempfile-create.c): the one place where temporary
 * names are made and where the create-and-retry loop lives. */
typedef enum
{
  G_TEMPFILE_KIND_FILE,
  G_TEMPFILE_KIND_DIRECTORY,
} GTempfileKind;

/* The process-lifetime registry (gtempfile-registry.c). */
typedef struct _GTempfileSlot GTempfileSlot;

/* Tries to create @path; returns a descriptor (or 0) on success, -1 with
 * errno set on failure. Only EEXIST makes the loop try another name. */
typedef int (*GTempfileCreateFunc) (const char *path,
                                    gpointer    user_data);

gboolean     _g_tempfile_random_chars       (char         *out,
                                             GError      **error);
char        *_g_tempfile_make_absolute      (const char   *path);
char        *_g_tempfile_get_parent         (const char   *path);

/* The default directory (gtempfile-utils.c). */
typedef struct
{
  const char *source;   /* "$TMPDIR", "/tmp", or N_() text for the others */
  char       *path;     /* absolute; NULL for a variable not set or empty */
} GTempfileCandidate;

GPtrArray   *_g_tempfile_list_tempdir_candidates (void);
int          _g_tempfile_probe_tempdir          (const char   *dir);
char        *_g_tempfile_resolve_dir        (const char   *dir,
                                             GError      **error);
gboolean     _g_tempfile_check_affixes      (const char   *prefix,
                                             const char   *suffix,
                                             GError      **error);
int          _g_tempfile_create             (const char   *dir,
                                             const char   *prefix,
                                             const char   *suffix,
                                             GTempfileKind kind,
                                             GTempfileCreateFunc func,
                                             gpointer      user_data,
                                             GTempfileSlot **slot_out,
                                             char        **path_out,
                                             GError      **error);
int          _g_tempfile_open_file_func     (const char   *path,
                                             gpointer      user_data);
int          _g_tempfile_make_dir_func      (const char   *path,
                                             gpointer      user_data);
int          _g_tempfile_open_anonymous     (const char   *dir,
                                             const char   *prefix,
                                             const char   *suffix,
                                             gboolean     *linkable,
                                             GError      **error);
int          _g_tempfile_link_fd            (int           fd,
                                             const char   *target);
int          _g_tempfile_rename_noreplace   (const char   *from,
                                             const char   *to,
                                             gboolean      is_dir);
pid_t        _g_tempfile_getpid             (void);
int          _g_tempfile_fsync              (int           fd);
int          _g_tempfile_fsync_parent       (const char   *path);
void         _g_tempfile_clear_fd           (int          *fd_ptr);

GTempfileSlot *_g_tempfile_registry_claim   (GTempfileKind      kind,
                                             gsize              path_length);
/* What _g_tempfile_registry_begin() did to the thread's signal mask. */
typedef struct
{
  sigset_t mask;
  gboolean blocked;
} GTempfileSignalState;

gboolean     _g_tempfile_registry_begin     (GTempfileSlot        *slot,
                                             const char           *path,
                                             GTempfileSignalState *saved);
void         _g_tempfile_registry_end       (GTempfileSlot        *slot,
                                             gboolean              created,
                                             const struct stat    *st,
                                             GTempfileSignalState *saved);
gboolean     _g_tempfile_registry_get_identity (GTempfileSlot  *slot,
                                                struct stat    *st);
GTempfileSlot *_g_tempfile_registry_add     (GTempfileKind      kind,
                                             const char        *path,
                                             const struct stat *st);
void         _g_tempfile_registry_release   (GTempfileSlot     *slot);
void         _g_tempfile_registry_remove_all (gboolean          signal_safe);

/* Removing a directory tree (gtempfile-rmtree.c). The test hook sees the
 * moments a concurrent change could be dangerous. */
typedef enum
{
  G_TEMPFILE_RMTREE_REMOVED,    /* an entry of @dir_fd was removed */
  G_TEMPFILE_RMTREE_OPENING,    /* subdirectory @name of @dir_fd is about to be opened */
  G_TEMPFILE_RMTREE_REPAIRING,  /* the mode of unreadable @name is about to be changed */
} GTempfileRmtreeEvent;

typedef void (*GTempfileRmtreeHook) (GTempfileRmtreeEvent  event,
                                     int                   dir_fd,
                                     const char           *name,
                                     gpointer              user_data);

gboolean     _g_tempfile_rmtree_contents    (int            dir_fd,
                                             const char    *path,
                                             GCancellable  *cancellable,
                                             GError       **error);
typedef enum
{
  G_TEMPFILE_DIR_OURS,   /* the directory that was created */
  G_TEMPFILE_DIR_GONE,   /* nothing there any more */
  G_TEMPFILE_DIR_OTHER,  /* something else, or it could not be looked at */
} GTempfileDirState;

GTempfileDirState _g_tempfile_look_at_dir  (const char    *path,
                                             dev_t          dev,
                                             ino_t          ino,
                                             GError       **error);
gboolean     _g_tempfile_remove_dir         (const char    *path,
                                             dev_t          dev,
                                             ino_t          ino,
                                             int            dir_fd,
                                             gboolean       signal_safe,
                                             GCancellable  *cancellable,
                                             GError       **error);
void         _g_tempfile_format_proc_fd     (char           buffer[32],
                                             int            fd);

/* GTempFile's child streams (gtemp-file-streams.c). They share the
 * descriptor of their owner and stay valid after it is disposed: GIOStream
 * closes them first. */
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
gboolean       _g_temp_file_check_open        (GTempFile   *self,
                                               GError     **error);
gboolean       _g_temp_file_outlives_close    (GTempFile   *self);
void           _g_temp_file_set_op_error      (GTempFile   *self,
                                               GTempFileOp  op,
                                               int          errsv,
                                               GError     **error);

/* Test hooks, for the C tests only. */
typedef void (*GTempfileNameFunc) (char     *out,
                                   gpointer  user_data);

void         _g_tempfile_set_name_func_for_testing (GTempfileNameFunc func,
                                                    gpointer          user_data);
void         _g_tempfile_set_o_tmpfile_for_testing (gboolean          enabled);
void         _g_tempfile_set_o_tmpfile_errno_for_testing (int         errsv);
void         _g_tempfile_set_renameat2_for_testing (gboolean          enabled);
guint        _g_tempfile_get_fsync_count_for_testing (void);
gboolean     _g_temp_file_is_linkable_for_testing   (GTempFile        *file);
void         _g_tempfile_set_rmtree_hook_for_testing (GTempfileRmtreeHook hook,
                                                      gpointer            user_data);

G_END_DECLS
