/* fault-shim.h: what the fault-injection shim and its driver share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The shim (fault-shim.c, loaded with LD_PRELOAD) interposes the libc entry
 * points a file library reaches. While the driver has armed it, it counts
 * every call, records it in a trace, and makes the call numbered fail_at
 * fail with fail_errno. All of this lives in one MAP_SHARED page set made
 * when the shim is loaded, so that a child made with fork() and its parent
 * see the same control block: the child runs, the parent reads the trace.
 */

#pragma once

#include <stddef.h>

/* What a call is, for the errno table: the function and, where one
 * function does several things, which of them (the flags of open, of
 * unlinkat, of renameat2; a file or a directory for fsync). */
typedef enum
{
  FAULT_KIND_OTHER,
  FAULT_KIND_OPEN_CREATE_EXCL,   /* O_CREAT | O_EXCL */
  FAULT_KIND_OPEN_CREATE,        /* O_CREAT without O_EXCL */
  FAULT_KIND_OPEN_TMPFILE,       /* O_TMPFILE */
  FAULT_KIND_OPEN_DIRECTORY,     /* O_DIRECTORY, reading */
  FAULT_KIND_OPEN_PATH,          /* O_PATH */
  FAULT_KIND_OPEN_READ,          /* an existing file, read only */
  FAULT_KIND_OPEN_WRITE,         /* an existing file, for writing */
  FAULT_KIND_CLOSE,
  FAULT_KIND_READ,
  FAULT_KIND_WRITE,
  FAULT_KIND_LSEEK,
  FAULT_KIND_FTRUNCATE,
  FAULT_KIND_FSTAT,              /* of a descriptor */
  FAULT_KIND_STAT,               /* of a path */
  FAULT_KIND_STATX,
  FAULT_KIND_MKDIR,
  FAULT_KIND_RMDIR,              /* rmdir, unlinkat (AT_REMOVEDIR) */
  FAULT_KIND_UNLINK,
  FAULT_KIND_RENAME,
  FAULT_KIND_RENAME_NOREPLACE,   /* renameat2 (RENAME_NOREPLACE) */
  FAULT_KIND_LINK,
  FAULT_KIND_FSYNC_FILE,         /* fsync, fdatasync of a file */
  FAULT_KIND_FSYNC_DIR,          /* fsync, fdatasync of a directory */
  FAULT_KIND_SYNCFS,
  FAULT_KIND_CHMOD,
  FAULT_KIND_FLOCK,
  FAULT_KIND_GETDENTS,
  FAULT_KIND_OPENDIR,
  FAULT_KIND_READDIR,
  FAULT_KIND_GETRANDOM,
  FAULT_KIND_NAME_TO_HANDLE,
  FAULT_KIND_MMAP,
  FAULT_KIND_FCNTL,
  FAULT_KIND_DUP,
  FAULT_KIND_ACCESS,
  FAULT_KIND_MEMFD,              /* memfd_create */
  FAULT_KIND_PIPE,               /* pipe, pipe2 */
  FAULT_KIND_SPAWN,              /* posix_spawn, which returns the error */
  FAULT_KIND_GETCWD,
  FAULT_KIND_REALPATH,
  FAULT_N_KINDS
} FaultKind;

#define FAULT_TRACE_MAX 8192
#define FAULT_NAME_MAX  32

typedef struct
{
  int  kind;                    /* FaultKind */
  int  step;                    /* the driver's step when it was made */
  int  watched;                 /* about something under FaultControl.watch */
  char name[FAULT_NAME_MAX];    /* "openat(O_DIRECTORY)", "fsync(dir)", "unlink" */
  char where[48];               /* the end of the path it is about */
} FaultCall;

typedef struct
{
  /* Set by the driver. */
  volatile int  armed;          /* count calls at all */
  volatile int  paused;         /* the driver's own checks: not counted */
  volatile int  step;           /* recorded with each call */
  long          fail_at;        /* 1-based call to fail; 0: none */
  int           fail_errno;
  char          expect_name[FAULT_NAME_MAX];   /* what call fail_at must be */
  char          watch[256];     /* a directory: calls about what is in it are marked */
  int           always_kind;    /* every call of this kind fails, uncounted (an old */
  int           always_errno;   /* kernel, a file system without a feature); 0: none */

  /* Set by the shim. */
  long          count;          /* calls counted so far */
  int           fired;          /* call fail_at failed as asked */
  int           fired_kind;
  int           fired_step;
  int           fired_watched;
  int           mismatch;       /* call fail_at was not expect_name */
  char          mismatch_name[FAULT_NAME_MAX];
  long          trace_len;
  FaultCall     trace[FAULT_TRACE_MAX];
} FaultControl;

/* Exported by the shim; the driver finds it with dlsym(). */
FaultControl *fault_shim_control (void);
typedef FaultControl *(*FaultControlFunc) (void);
#define FAULT_CONTROL_SYMBOL "fault_shim_control"
