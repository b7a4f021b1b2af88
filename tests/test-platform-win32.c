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
  g_autofree char *absolute = g_canonicalize_filename (path, NULL);
  g_autofree char *spelled = NULL;
  g_autofree gunichar2 *wpath = NULL;

  /* With \\?\, which lifts MAX_PATH: a tree left by a test that failed
   * can be deeper than a plain path can name. */
  g_strdelimit (absolute, "/", '\\');
  spelled = g_str_has_prefix (absolute, "\\\\") ? g_strdup (absolute)
                                                 : g_strconcat ("\\\\?\\", absolute, NULL);
  wpath = g_utf8_to_utf16 (spelled, -1, NULL, NULL, NULL);
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

/* No fork(): the tests that make children skip before they would end
 * one. */
void
test_exit_child (int status)
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

gboolean
test_try_symlink (const char *target,
                  const char *link)
{
  return test_symlink (target, link);
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

gboolean
test_dotdot_is_lexical (void)
{
  /* Win32 removes "x\.." from a path before the file system sees it. */
  return TRUE;
}

const char *
test_other_device_dir (void)
{
  /* No second volume every machine has (and under Wine, drive Z: is the
   * whole Unix tree, whatever file system a folder is on). */
  return NULL;
}

/* The final path of @handle, or NULL if it is not a file or directory. */
static wchar_t *
final_path (HANDLE handle)
{
  wchar_t *path;
  DWORD length;

  if (GetFileType (handle) != FILE_TYPE_DISK)
    return NULL;
  length = GetFinalPathNameByHandleW (handle, NULL, 0, FILE_NAME_NORMALIZED);
  if (length == 0)
    return NULL;
  path = g_new (wchar_t, length + 1);
  if (GetFinalPathNameByHandleW (handle, path, length + 1, FILE_NAME_NORMALIZED) == 0)
    g_clear_pointer (&path, g_free);
  return path;
}

/* The handles of files and directories under the test's own $TMPDIR:
 * directory handles are not descriptors here, and the process holds
 * handles of its own that other threads open and close at any time
 * (GetProcessHandleCount counts those, and says 0 under Wine). */
guint
test_count_handles (void)
{
  g_autofree gunichar2 *wtmp = g_utf8_to_utf16 (g_getenv ("TMPDIR"), -1, NULL, NULL, NULL);
  g_autofree wchar_t *root = NULL;
  HANDLE tmp;
  gsize root_length;
  guint n = 0;

  tmp = CreateFileW ((wchar_t *) wtmp, FILE_READ_ATTRIBUTES,
                     FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                     OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
  g_assert_true (tmp != INVALID_HANDLE_VALUE);
  root = final_path (tmp);
  CloseHandle (tmp);
  g_assert_nonnull (root);
  root_length = wcslen (root);

  for (guintptr value = 4; value < 4 * 16384; value += 4)
    {
      g_autofree wchar_t *path = NULL;
      DWORD flags;

      if (!GetHandleInformation ((HANDLE) value, &flags))
        continue;
      path = final_path ((HANDLE) value);
      if (path != NULL && wcsncmp (path, root, root_length) == 0 &&
          (path[root_length] == L'\\' || path[root_length] == L'\0'))
        n++;
    }
  return n;
}

static HANDLE
create_relative (HANDLE         parent,
                 const wchar_t *name,
                 gboolean       directory)
{
  UNICODE_STRING uname;
  OBJECT_ATTRIBUTES attributes;
  IO_STATUS_BLOCK io;
  HANDLE handle = INVALID_HANDLE_VALUE;
  NTSTATUS status;

  RtlInitUnicodeString (&uname, name);
  InitializeObjectAttributes (&attributes, &uname, 0, parent, NULL);
  status = NtCreateFile (&handle,
                         directory ? FILE_LIST_DIRECTORY | FILE_TRAVERSE | SYNCHRONIZE
                                   : GENERIC_WRITE | SYNCHRONIZE,
                         &attributes, &io, NULL, FILE_ATTRIBUTE_NORMAL,
                         FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, FILE_CREATE,
                         FILE_SYNCHRONOUS_IO_NONALERT |
                         (directory ? FILE_DIRECTORY_FILE : FILE_NON_DIRECTORY_FILE),
                         NULL, 0);
  g_assert_cmphex ((guint32) status, ==, 0);
  return handle;
}

/* Deeper than any path can name: each level is made relative to the
 * handle of the one above. */
void
test_make_chain (const char *root,
                 guint       depth)
{
  g_autofree gunichar2 *wroot = g_utf8_to_utf16 (root, -1, NULL, NULL, NULL);
  HANDLE handle = CreateFileW ((wchar_t *) wroot, FILE_LIST_DIRECTORY | FILE_TRAVERSE,
                               FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                               OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);

  g_assert_true (handle != INVALID_HANDLE_VALUE);
  for (guint i = 0; i < depth; i++)
    {
      HANDLE next = create_relative (handle, L"d", TRUE);

      CloseHandle (handle);
      handle = next;
    }
  CloseHandle (create_relative (handle, L"bottom", FALSE));
  CloseHandle (handle);
}
