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
