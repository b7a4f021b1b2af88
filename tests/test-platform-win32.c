/* test-platform-win32.c: the helpers of test-common.h for Windows
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The POSIX versions are in test-platform-unix.c. What has no meaning on
 * Windows (permission bits, root, another user) is never reached: the tests
 * that need it skip first, on _g_tempfile_sys_has_feature().
 */

#include "config.h"

#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <winternl.h>
#include <psapi.h>

#include <errno.h>
#include <io.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include <glib/gstdio.h>

#include "test-common.h"

/* Removes @path and everything under it, never following a link or a
 * junction (removed as themselves), read-only entries included. */
static void
remove_wide (const wchar_t *path)
{
  DWORD attributes = GetFileAttributesW (path);

  if (attributes == INVALID_FILE_ATTRIBUTES)
    return;
  if (attributes & FILE_ATTRIBUTE_READONLY)
    SetFileAttributesW (path, attributes & ~FILE_ATTRIBUTE_READONLY);

  if ((attributes & FILE_ATTRIBUTE_DIRECTORY) && !(attributes & FILE_ATTRIBUTE_REPARSE_POINT))
    {
      g_autofree wchar_t *pattern = NULL;
      WIN32_FIND_DATAW found;
      HANDLE search;
      size_t length = wcslen (path);

      pattern = g_new (wchar_t, length + 3);
      memcpy (pattern, path, length * sizeof (wchar_t));
      memcpy (pattern + length, L"\\*", 3 * sizeof (wchar_t));
      search = FindFirstFileW (pattern, &found);
      if (search != INVALID_HANDLE_VALUE)
        {
          do
            {
              g_autofree wchar_t *child = NULL;
              size_t name_length = wcslen (found.cFileName);

              if (wcscmp (found.cFileName, L".") == 0 || wcscmp (found.cFileName, L"..") == 0)
                continue;
              child = g_new (wchar_t, length + 1 + name_length + 1);
              memcpy (child, path, length * sizeof (wchar_t));
              child[length] = L'\\';
              memcpy (child + length + 1, found.cFileName, (name_length + 1) * sizeof (wchar_t));
              remove_wide (child);
            }
          while (FindNextFileW (search, &found));
          FindClose (search);
        }
      if (!RemoveDirectoryW (path))
        g_printerr ("# could not remove directory %ls: error %lu\n", path, GetLastError ());
    }
  else if (attributes & FILE_ATTRIBUTE_DIRECTORY)
    RemoveDirectoryW (path);   /* a junction or a link to a directory */
  else if (!DeleteFileW (path))
    g_printerr ("# could not remove %ls: error %lu\n", path, GetLastError ());
}

void
test_remove_tree (const char *path)
{
  g_autofree gunichar2 *wpath = g_utf8_to_utf16 (path, -1, NULL, NULL, NULL);

  g_assert_nonnull (wpath);
  remove_wide ((const wchar_t *) wpath);
}

/* The C library's descriptors that are open now. */
guint
test_count_fds (void)
{
  guint n = 0;

  for (int fd = 0; fd < 2048; fd++)
    if (_get_osfhandle (fd) != (intptr_t) INVALID_HANDLE_VALUE)
      n++;
  return n;
}

gsize
test_resident_bytes (void)
{
  PROCESS_MEMORY_COUNTERS counters = { sizeof counters, };

  g_assert_true (K32GetProcessMemoryInfo (GetCurrentProcess (), &counters, sizeof counters));
  return counters.WorkingSetSize;
}

gboolean
test_is_root (void)
{
  return FALSE;
}

/* Permission bits do not exist here; the tests that need another user or
 * an unwritable directory skip on GTEMPFILE_SYS_FEATURE_MODES first. */
char *
test_dir_for_other_user (void)
{
  g_assert_not_reached ();
}

char *
test_dir_unwritable_new (void)
{
  g_assert_not_reached ();
}

void
test_drop_privileges (void)
{
  g_assert_not_reached ();
}

gboolean
test_symlink (const char *target,
              const char *link)
{
  g_autofree gunichar2 *wtarget = g_utf8_to_utf16 (target, -1, NULL, NULL, NULL);
  g_autofree gunichar2 *wlink = g_utf8_to_utf16 (link, -1, NULL, NULL, NULL);
  DWORD flags = SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE;
  g_autofree char *absolute = NULL;
  DWORD attributes;

  /* A link to a directory must say so when it is made. */
  absolute = g_path_is_absolute (target) ? g_strdup (target)
                                         : g_build_filename (link, "..", target, NULL);
  if (g_file_test (absolute, G_FILE_TEST_IS_DIR))
    flags |= SYMBOLIC_LINK_FLAG_DIRECTORY;

  /* Without developer mode or the privilege it fails; under Wine it
   * "succeeds" and makes nothing. Either way the test cannot run. */
  CreateSymbolicLinkW ((const wchar_t *) wlink, (const wchar_t *) wtarget, flags);
  attributes = GetFileAttributesW ((const wchar_t *) wlink);
  return attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_REPARSE_POINT);
}

const char * const *
test_conventional_tempdirs (void)
{
  /* Python's tempfile._candidate_tempdir_list() on Windows, after the
   * environment. */
  static const char * const dirs[] = { "C:\\TEMP", "C:\\TMP", "\\TEMP", "\\TMP", NULL };

  return dirs;
}

gboolean
test_fd_is_read_write (int fd)
{
  PUBLIC_OBJECT_BASIC_INFORMATION info;
  HANDLE handle = (HANDLE) _get_osfhandle (fd);

  g_assert_true (handle != INVALID_HANDLE_VALUE);
  g_assert_true (NT_SUCCESS (NtQueryObject (handle, ObjectBasicInformation, &info, sizeof info,
                                            NULL)));
  return (info.GrantedAccess & (FILE_READ_DATA | FILE_WRITE_DATA)) ==
         (FILE_READ_DATA | FILE_WRITE_DATA);
}

gboolean
test_fd_is_inherited (int fd)
{
  HANDLE handle = (HANDLE) _get_osfhandle (fd);
  DWORD flags = 0;

  g_assert_true (handle != INVALID_HANDLE_VALUE);
  g_assert_true (GetHandleInformation (handle, &flags));
  return (flags & HANDLE_FLAG_INHERIT) != 0;
}

NTSTATUS NTAPI RtlGetLastNtStatus (void);

gboolean
test_entry_is_deleted (const char *path)
{
  g_autofree gunichar2 *wpath = g_utf8_to_utf16 (path, -1, NULL, NULL, NULL);
  HANDLE handle;

  handle = CreateFileW ((wchar_t *) wpath, FILE_READ_ATTRIBUTES,
                        FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                        OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT,
                        NULL);
  if (handle != INVALID_HANDLE_VALUE)
    {
      CloseHandle (handle);
      return FALSE;
    }
  /* STATUS_DELETE_PENDING */
  return GetLastError () == ERROR_ACCESS_DENIED &&
         (ULONG) RtlGetLastNtStatus () == 0xC0000056;
}

gboolean
test_paths_are_bytes (void)
{
  return FALSE;
}

gsize
test_path_max (void)
{
  /* With the \\?\ prefix; MAX_PATH (260) without it. */
  return 32767;
}
