/* test-common.h: helpers shared by the C test programs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * These use GLib and libc only, never the library under test, so that a bug
 * in the library cannot hide itself.
 */

#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <glib-object.h>

G_BEGIN_DECLS

void      test_init                 (int         *argc,
                                     char      ***argv);
char     *test_dir_new              (void);
void      test_remove_tree          (const char  *path);
guint     test_count_entries        (const char  *dir);
gboolean  test_exists               (const char  *path);
mode_t    test_mode                 (const char  *path);
char     *test_read_file            (const char  *path);
void      test_write_file           (const char  *path,
                                     const char  *contents);
guint     test_count_fds            (void);
gsize     test_resident_bytes       (void);
gboolean  test_is_root              (void);
char     *test_dir_for_other_user   (void);
char     *test_dir_unwritable_new   (void);
void      test_drop_privileges      (void);
void      test_trap_with_dir        (const char  *dir);
void      test_skip_subprocess      (const char  *reason);
void      test_exit_child           (int          status);
/* Descriptors and handles of the process, where directories are held
 * (file descriptors on POSIX; every handle on Windows). */
guint     test_count_handles        (void);
/* A chain of @depth directories "d" under @root, with a file "bottom" at
 * the end, made relative to each level's descriptor or handle. */
void      test_make_chain           (const char  *root,
                                     guint        depth);
/* Symbolic links: FALSE if the system made none (Wine's
 * CreateSymbolicLinkW does nothing); the caller skips then. */
gboolean  test_symlink              (const char  *target,
                                     const char  *link);
/* The same where failing is expected (a race): never asserts. */
gboolean  test_try_symlink          (const char  *target,
                                     const char  *link);
/* Whether @path is an entry whose removal is pending: still listed, but
 * no one can open it, and it goes when its last handle closes (Windows
 * without POSIX delete semantics, Wine). Never on POSIX. */
gboolean  test_entry_is_deleted     (const char  *path);
/* Whether file names are bytes (POSIX) rather than UTF-16 that GLib spells
 * in UTF-8 (Windows). */
gboolean  test_paths_are_bytes      (void);
/* Whether "link/.." is shortened in the path before the file system sees
 * it (Windows), rather than resolved by the kernel (POSIX). */
gboolean  test_dotdot_is_lexical    (void);
/* A writable directory likely on another file system than the build
 * tree, or NULL. */
const char *test_other_device_dir   (void);
/* The longest path the system takes (PATH_MAX). */
gsize     test_path_max             (void);
/* Python's conventional temporary directories for this system. */
const char * const *test_conventional_tempdirs (void);
gboolean  test_fd_is_read_write     (int          fd);
/* Whether a program started now would get @fd (not close-on-exec). */
gboolean  test_fd_is_inherited      (int          fd);
guint     test_scaled               (guint        full,
                                     guint        quick);
void      test_count_notify         (GObject     *object,
                                     GParamSpec  *pspec,
                                     guint       *counter);

/* Asserts that the file at @path holds exactly @expected (a string). */
#define test_assert_contents(path, expected) \
  G_STMT_START { \
    g_autofree char *test_contents_ = test_read_file (path); \
    g_assert_cmpstr (test_contents_, ==, (expected)); \
  } G_STMT_END

/* A deterministic name sequence for the collision tests: each call gives
 * the next of @names (cycling on the last one) and counts the calls. */
typedef struct
{
  const char * const *names;
  guint               calls;
} TestNames;

void      test_names_func           (char        *out,
                                     gpointer     user_data);

G_END_DECLS
