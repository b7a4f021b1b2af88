/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * wine-env.exe: runs a Windows program under Wine with environment variables
 * that Wine itself would not pass on. build-aux/test-windows builds it with
 * mingw-w64 and its Wine wrapper (_win/wine) starts test programs through it.
 *
 *   wine64 wine-env.exe PROGRAM [ARGUMENT...]
 *
 * Every variable GTEMPFILE_WINE_SET_NAME=VALUE of the environment becomes
 * NAME=VALUE for PROGRAM, an absolute Unix path in VALUE written the Windows
 * way (drive Z:). Why: Wine always replaces TEMP and TMP with the Wine
 * prefix's own folder, and keeps its server's socket under TMPDIR, so every
 * Wine program must be started with the same TMPDIR (a different one starts
 * a second wineserver on the same prefix; one that does not exist yet makes
 * Wine fail). The wrapper moves the caller's TMPDIR, TEMP and TMP aside and
 * this program gives them back on the Windows side.
 *
 * PROGRAM's command line is this program's own, less its first word, so the
 * arguments reach PROGRAM exactly as Wine quoted them. The exit status is
 * PROGRAM's.
 */

#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define SET_PREFIX L"GTEMPFILE_WINE_SET_"

/* The command line after its first argument, as CommandLineToArgvW splits
 * the program name: up to the next space outside double quotes. */
static wchar_t *
skip_first_argument (wchar_t *cmdline)
{
  BOOL quoted = FALSE;

  while (*cmdline != L'\0' && (quoted || (*cmdline != L' ' && *cmdline != L'\t')))
    {
      if (*cmdline == L'"')
        quoted = !quoted;
      cmdline++;
    }
  while (*cmdline == L' ' || *cmdline == L'\t')
    cmdline++;
  return cmdline;
}

/* "/a/b" becomes "Z:\a\b"; anything else stays as it is. */
static wchar_t *
windows_value (const wchar_t *value)
{
  size_t len = wcslen (value);
  wchar_t *out = malloc ((len + 3) * sizeof (wchar_t));
  size_t i;

  if (out == NULL)
    return NULL;
  if (value[0] != L'/')
    {
      memcpy (out, value, (len + 1) * sizeof (wchar_t));
      return out;
    }
  out[0] = L'Z';
  out[1] = L':';
  for (i = 0; i <= len; i++)
    out[i + 2] = value[i] == L'/' ? L'\\' : value[i];
  return out;
}

static void
apply_set_variables (void)
{
  size_t prefix_len = wcslen (SET_PREFIX);
  wchar_t *block = GetEnvironmentStringsW ();
  wchar_t *entry;

  if (block == NULL)
    return;
  /* The block is a copy: changing the environment does not disturb the walk. */
  for (entry = block; *entry != L'\0'; entry += wcslen (entry) + 1)
    {
      wchar_t *equals = wcschr (entry, L'=');
      wchar_t *name, *value;

      if (wcsncmp (entry, SET_PREFIX, prefix_len) != 0 || equals == NULL)
        continue;
      name = _wcsdup (entry);
      if (name == NULL)
        continue;
      name[equals - entry] = L'\0';
      value = windows_value (equals + 1);
      if (value != NULL && name[prefix_len] != L'\0')
        SetEnvironmentVariableW (name + prefix_len, value);
      SetEnvironmentVariableW (name, NULL);
      free (value);
      free (name);
    }
  FreeEnvironmentStringsW (block);
}

int
main (void)
{
  wchar_t *cmdline = _wcsdup (skip_first_argument (GetCommandLineW ()));
  STARTUPINFOW startup;
  PROCESS_INFORMATION process;
  DWORD status = 1;

  if (cmdline == NULL || cmdline[0] == L'\0')
    {
      fprintf (stderr, "usage: wine-env.exe PROGRAM [ARGUMENT...]\n");
      return 2;
    }
  apply_set_variables ();

  memset (&startup, 0, sizeof startup);
  startup.cb = sizeof startup;
  startup.dwFlags = STARTF_USESTDHANDLES;
  startup.hStdInput = GetStdHandle (STD_INPUT_HANDLE);
  startup.hStdOutput = GetStdHandle (STD_OUTPUT_HANDLE);
  startup.hStdError = GetStdHandle (STD_ERROR_HANDLE);
  SetHandleInformation (startup.hStdInput, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
  SetHandleInformation (startup.hStdOutput, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
  SetHandleInformation (startup.hStdError, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);

  if (!CreateProcessW (NULL, cmdline, NULL, NULL, TRUE, 0, NULL, NULL, &startup, &process))
    {
      fprintf (stderr, "wine-env.exe: cannot start %ls: error %lu\n", cmdline, GetLastError ());
      return 127;
    }
  WaitForSingleObject (process.hProcess, INFINITE);
  GetExitCodeProcess (process.hProcess, &status);
  CloseHandle (process.hThread);
  CloseHandle (process.hProcess);
  free (cmdline);
  return (int) status;
}
