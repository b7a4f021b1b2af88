/* test-platform-unix.c: the helpers of test-common.h that are POSIX
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Its Windows counterpart is test-platform-win32.c; tests/meson.build
 * builds one of them with each test program.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "test-common.h"

/* Uid and gid of "nobody" on Debian. */
#define UNPRIVILEGED_ID 65534

static int
remove_entry (const char        *path,
              const struct stat *st,
              int                type,
              struct FTW        *ftw)
{
  if (type == FTW_DP)
    chmod (path, 0700);
  if (remove (path) != 0 && errno != ENOENT)
    g_printerr ("# could not remove %s: %s\n", path, g_strerror (errno));
  return 0;
}

static int
open_up_entry (const char        *path,
               const struct stat *st,
               int                type,
               struct FTW        *ftw)
{
  if (type == FTW_D || type == FTW_DNR)
    chmod (path, 0700);
  return 0;
}

void
test_remove_tree (const char *path)
{
  if (!test_exists (path))
    return;
  /* Tests may leave directories without permissions: open them up first. */
  nftw (path, open_up_entry, 64, FTW_PHYS);
  nftw (path, remove_entry, 64, FTW_DEPTH | FTW_PHYS);
}

guint
test_count_fds (void)
{
  g_autoptr(GDir) fds = g_dir_open ("/proc/self/fd", 0, NULL);
  g_autoptr(GString) listing = g_string_new (NULL);
  const char *name;
  guint n = 0;

  /* Said with each count, so that a mismatch shows which descriptor it was. */
  while (fds != NULL && (name = g_dir_read_name (fds)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc/self/fd", name, NULL);
      g_autofree char *target = g_file_read_link (path, NULL);

      g_string_append_printf (listing, " %s→%s", name, target != NULL ? target : "?");
      n++;
    }
  g_test_message ("descriptors:%s", listing->str);
  return n;
}

/* The resident set size of this process, from /proc/self/statm. */
gsize
test_resident_bytes (void)
{
  g_autofree char *statm = NULL;
  gsize pages = 0;
  gsize resident = 0;

  g_assert_true (g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL));
  g_assert_cmpint (sscanf (statm, "%" G_GSIZE_FORMAT " %" G_GSIZE_FORMAT, &pages, &resident),
                   ==, 2);
  return resident * sysconf (_SC_PAGESIZE);
}

gboolean
test_is_root (void)
{
  return geteuid () == 0;
}

/* A directory that the unprivileged user can search but not write: the
 * build tree when every folder above it is searchable by others, else a
 * fresh folder in /tmp. */
char *
test_dir_for_other_user (void)
{
  g_autofree char *dir = test_dir_new ();
  g_autofree char *parent = g_strdup (dir);
  gboolean reachable = TRUE;

  while (strcmp (parent, "/") != 0)
    {
      char *up = g_path_get_dirname (parent);

      if ((test_mode (parent) & 0001) == 0 && strcmp (parent, dir) != 0)
        reachable = FALSE;
      g_free (parent);
      parent = up;
    }

  if (!reachable)
    {
      test_remove_tree (dir);
      g_free (dir);
      dir = g_mkdtemp (g_strdup ("/tmp/gtempfile-test-XXXXXX"));
      g_assert_nonnull (dir);
    }

  g_assert_no_errno (chmod (dir, 0755));
  return g_steal_pointer (&dir);
}

/* A directory that the user of test_drop_privileges() can search but not
 * write, whether the tests run as root or not. */
char *
test_dir_unwritable_new (void)
{
  char *dir = test_dir_for_other_user ();

  if (!test_is_root ())
    g_assert_no_errno (chmod (dir, 0555));
  return dir;
}

/* Ends a child made with fork() with @status. Through a shell rather than
 * _exit(): under valgrind, the child's exit would run the leak check on its
 * copy of the parent's heap (the test setup does not trace sh). */
void
test_exit_child (int status)
{
  char command[32];

  g_snprintf (command, sizeof command, "exit %d", status);
  execl ("/bin/sh", "sh", "-c", command, (char *) NULL);
  _exit (127);
}

/* In a g_test_trap_subprocess() child: become an ordinary user, so that
 * permissions apply even when the tests run as root. */
void
test_drop_privileges (void)
{
  if (!test_is_root ())
    return;

  g_assert_no_errno (setgroups (0, NULL));
  g_assert_no_errno (setgid (UNPRIVILEGED_ID));
  g_assert_no_errno (setuid (UNPRIVILEGED_ID));
  g_assert_cmpint (geteuid (), ==, UNPRIVILEGED_ID);
}

gboolean
test_try_symlink (const char *target,
                  const char *link)
{
  return symlink (target, link) == 0;
}

gboolean
test_symlink (const char *target,
              const char *link)
{
  g_assert_no_errno (symlink (target, link));
  return TRUE;
}

const char * const *
test_conventional_tempdirs (void)
{
  /* Python's tempfile._candidate_tempdir_list() on POSIX. */
  static const char * const dirs[] = { "/tmp", "/var/tmp", "/usr/tmp", NULL };

  return dirs;
}

gboolean
test_fd_is_read_write (int fd)
{
  return (fcntl (fd, F_GETFL) & O_ACCMODE) == O_RDWR;
}

gboolean
test_fd_is_inherited (int fd)
{
  return (fcntl (fd, F_GETFD) & FD_CLOEXEC) == 0;
}

gboolean
test_entry_is_deleted (const char *path)
{
  return FALSE;
}

gboolean
test_paths_are_bytes (void)
{
  return TRUE;
}

gsize
test_path_max (void)
{
#ifdef PATH_MAX
  return PATH_MAX;
#else
  return 4096;
#endif
}

gboolean
test_dotdot_is_lexical (void)
{
  return FALSE;
}

const char *
test_other_device_dir (void)
{
  /* tmpfs on Linux; the test skips where it is missing or the same file
   * system as the build tree. */
  return "/dev/shm";
}

guint
test_count_handles (void)
{
  return test_count_fds ();
}

void
test_make_chain (const char *root,
                 guint       depth)
{
  int fd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  g_assert_cmpint (fd, >=, 0);
  for (guint i = 0; i < depth; i++)
    {
      int next;

      g_assert_no_errno (mkdirat (fd, "d", 0700));
      next = openat (fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      g_assert_cmpint (next, >=, 0);
      close (fd);
      fd = next;
    }
  g_assert_no_errno (close (openat (fd, "bottom", O_WRONLY | O_CREAT | O_CLOEXEC, 0600)));
  close (fd);
}
