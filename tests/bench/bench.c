/* bench.c: libgtempfile against the system calls and GIO it replaces
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   bench [--dir DIR]... [--rounds N] [--quick] [--case NAME]...
 *
 * Every figure is a ratio against a baseline measured in the same run, in
 * the same directory: baseline and library alternate (the order swapped
 * every round), each timing a batch, and the median of the rounds' ratios
 * is reported. Prints one Markdown table row per case and directory, then
 * the memory figures.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include <gtempfile.h>

#define KIB 1024
#define MIB (1024 * 1024)

typedef enum
{
  LOWER_TIME,        /* ours / baseline time: smaller is better */
  HIGHER_THROUGHPUT, /* baseline / ours time: larger is better */
} Kind;

typedef struct
{
  const char *dir;
  guint       n;      /* iterations per batch */
} Ctx;

typedef double (*RunFunc) (Ctx *ctx);

typedef struct
{
  const char *name;
  const char *baseline;
  Kind        kind;
  double      target;
  guint       n;          /* iterations per batch */
  guint       quick_n;
  RunFunc     run_baseline;
  RunFunc     run_ours;
  gboolean    needs_dir;  /* depends on the file system */
  /* A user's alternatives for the same cycle, measured against the same
   * baseline in the same rounds (NULL: none): GLib's own functions, and a
   * Python loop over CPython's tempfile (one batch of DIR, N, given as
   * sys.argv[1] and [2]; it prints its elapsed seconds). */
  RunFunc     run_glib;
  const char *python;
} Case;

static guint rounds = 9;
static gboolean quick;

static void
die (const char *what)
{
  g_printerr ("bench: %s: %s\n", what, g_strerror (errno));
  exit (1);
}

static void
die_error (GError *error)
{
  g_printerr ("bench: %s\n", error->message);
  exit (1);
}

static double
now (void)
{
  return g_get_monotonic_time () / 1e6;
}

static char block[64 * KIB];

/* Raw system calls -------------------------------------------------------- */

static void
random_name (char *out, gsize size, const char *dir)
{
  static const char chars[] = "abcdefghijklmnopqrstuvwxyz0123456789_";
  guint8 random[8];
  char name[9];

  /* The same source of names as the library: the kernel's generator. */
  if (getentropy (random, sizeof random) != 0)
    die ("getentropy");
  for (guint i = 0; i < 8; i++)
    name[i] = chars[random[i] % (sizeof chars - 1)];
  name[8] = '\0';
  g_snprintf (out, size, "%s/tmp%s", dir, name);
}

static void
write_all_fd (int fd, const void *data, gsize size)
{
  const char *p = data;

  while (size > 0)
    {
      gssize n = write (fd, p, size);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        die ("write");
      p += n;
      size -= n;
    }
}

static double
raw_named_cycle (Ctx *ctx)
{
  char path[4096];
  double start = now ();

  for (guint i = 0; i < ctx->n; i++)
    {
      int fd;

      do
        {
          random_name (path, sizeof path, ctx->dir);
          fd = open (path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        }
      while (fd < 0 && errno == EEXIST);
      if (fd < 0)
        die ("open");
      write_all_fd (fd, block, 4 * KIB);
      close (fd);
      if (unlink (path) != 0)
        die ("unlink");
    }
  return now () - start;
}

/* GTempFile's cycle, named or anonymous: create, write 4 KiB, close, and
 * let go (which removes a named file, if closing has not). */
static double
ours_file_cycle (Ctx            *ctx,
                 GTempFileFlags  flags)
{
  double start = now ();

  for (guint i = 0; i < ctx->n; i++)
    {
      GError *error = NULL;
      GTempFile *file = g_temp_file_new_full (ctx->dir, NULL, NULL, flags, NULL, &error);

      if (file == NULL ||
          !g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (file)),
                                      block, 4 * KIB, NULL, NULL, &error) ||
          !g_io_stream_close (G_IO_STREAM (file), NULL, &error))
        die_error (error);
      g_object_unref (file);
    }
  return now () - start;
}

static double
ours_named_cycle (Ctx *ctx)
{
  return ours_file_cycle (ctx, G_TEMP_FILE_FLAGS_NONE);
}

static double
raw_anonymous_cycle (Ctx *ctx)
{
  double start = now ();

  for (guint i = 0; i < ctx->n; i++)
    {
      int fd = open (ctx->dir, O_RDWR | O_TMPFILE | O_CLOEXEC, 0600);

      if (fd < 0)
        die ("open O_TMPFILE");
      write_all_fd (fd, block, 4 * KIB);
      close (fd);
    }
  return now () - start;
}

static double
ours_anonymous_cycle (Ctx *ctx)
{
  return ours_file_cycle (ctx, G_TEMP_FILE_FLAGS_ANONYMOUS);
}

static double
raw_dir_cycle (Ctx *ctx)
{
  char path[4096];
  double start = now ();

  for (guint i = 0; i < ctx->n; i++)
    {
      int res;

      do
        {
          random_name (path, sizeof path, ctx->dir);
          res = mkdir (path, 0700);
        }
      while (res < 0 && errno == EEXIST);
      if (res < 0)
        die ("mkdir");
      if (rmdir (path) != 0)
        die ("rmdir");
    }
  return now () - start;
}

static double
ours_dir_cycle (Ctx *ctx)
{
  double start = now ();

  for (guint i = 0; i < ctx->n; i++)
    {
      GError *error = NULL;
      GTempDir *dir = g_temp_dir_new_full (ctx->dir, NULL, NULL, G_TEMP_DIR_FLAGS_NONE,
                                           NULL, &error);

      if (dir == NULL || !g_temp_dir_cleanup (dir, NULL, &error))
        die_error (error);
      g_object_unref (dir);
    }
  return now () - start;
}

/* GLib's own temporary files: g_mkstemp_full() and g_mkdtemp_full() are what
 * g_file_open_tmp() and g_dir_make_tmp() do in their directory. */
static void
glib_template (char *out, gsize size, const char *dir)
{
  g_snprintf (out, size, "%s/glib-XXXXXX", dir);
}

static double
glib_named_cycle (Ctx *ctx)
{
  char path[4096];
  double start = now ();

  for (guint i = 0; i < ctx->n; i++)
    {
      int fd;

      glib_template (path, sizeof path, ctx->dir);
      fd = g_mkstemp_full (path, O_RDWR | O_CLOEXEC, 0600);
      if (fd < 0)
        die ("g_mkstemp_full");
      write_all_fd (fd, block, 4 * KIB);
      close (fd);
      if (g_unlink (path) != 0)
        die ("g_unlink");
    }
  return now () - start;
}

static double
glib_dir_cycle (Ctx *ctx)
{
  char path[4096];
  double start = now ();

  for (guint i = 0; i < ctx->n; i++)
    {
      glib_template (path, sizeof path, ctx->dir);
      if (g_mkdtemp_full (path, 0700) == NULL)
        die ("g_mkdtemp_full");
      if (g_rmdir (path) != 0)
        die ("g_rmdir");
    }
  return now () - start;
}

/* CPython's tempfile, the same cycles. */
#define PYTHON_LOOP(body) \
  "import sys, tempfile, time\n" \
  "d, n = sys.argv[1], int(sys.argv[2])\n" \
  "block = b'x' * 4096\n" \
  "start = time.perf_counter()\n" \
  "for _ in range(n):\n" \
  body \
  "print(time.perf_counter() - start)\n"

static const char python_named[] = PYTHON_LOOP (
  "    with tempfile.NamedTemporaryFile(dir=d) as f:\n"
  "        f.write(block)\n");
static const char python_anonymous[] = PYTHON_LOOP (
  "    with tempfile.TemporaryFile(dir=d) as f:\n"
  "        f.write(block)\n");
static const char python_dir[] = PYTHON_LOOP (
  "    with tempfile.TemporaryDirectory(dir=d):\n"
  "        pass\n");
static const char python_spooled[] = PYTHON_LOOP (
  "    with tempfile.SpooledTemporaryFile(max_size=1 << 20) as f:\n"
  "        f.write(block)\n"
  "        f.seek(0)\n"
  "        f.read()\n");

static double
run_python (const char *script,
            Ctx        *ctx)
{
  g_autofree char *n = g_strdup_printf ("%u", ctx->n);
  const char *argv[] = { "/usr/bin/python3", "-I", "-c", script, ctx->dir, n, NULL };
  g_autofree char *out = NULL;
  GError *error = NULL;
  int status;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                     &out, NULL, &status, &error))
    die_error (error);
  if (!g_spawn_check_wait_status (status, &error))
    die_error (error);
  return g_ascii_strtod (out, NULL);
}

/* In memory, written and read back ----------------------------------------- */

static void
read_all_or_die (GInputStream *in, gsize size)
{
  char buffer[4 * KIB];
  gsize done = 0;
  GError *error = NULL;

  if (!g_input_stream_read_all (in, buffer, MIN (size, sizeof buffer), &done, NULL, &error) ||
      done != size)
    die_error (error != NULL ? error : g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED,
                                                             "short read"));
}

/* What GIO alone offers for "write, then read back": a GMemoryOutputStream
 * and a GMemoryInputStream over its bytes. */
static double
raw_memory_read_back (Ctx *ctx)
{
  double start = now ();

  for (guint i = 0; i < ctx->n; i++)
    {
      GOutputStream *out = g_memory_output_stream_new_resizable ();
      GError *error = NULL;
      GInputStream *in;
      GBytes *bytes;

      if (!g_output_stream_write_all (out, block, 4 * KIB, NULL, NULL, &error) ||
          !g_output_stream_close (out, NULL, &error))
        die_error (error);
      bytes = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
      in = g_memory_input_stream_new_from_bytes (bytes);
      read_all_or_die (in, 4 * KIB);
      g_object_unref (in);
      g_bytes_unref (bytes);
      g_object_unref (out);
    }
  return now () - start;
}

static double
ours_memory_read_back (Ctx *ctx)
{
  double start = now ();

  for (guint i = 0; i < ctx->n; i++)
    {
      GSpooledStream *spool = g_spooled_stream_new (MIB);
      GIOStream *stream = G_IO_STREAM (spool);
      GError *error = NULL;

      if (!g_output_stream_write_all (g_io_stream_get_output_stream (stream), block, 4 * KIB,
                                      NULL, NULL, &error) ||
          !g_seekable_seek (G_SEEKABLE (spool), 0, G_SEEK_SET, NULL, &error))
        die_error (error);
      read_all_or_die (g_io_stream_get_input_stream (stream), 4 * KIB);
      if (!g_io_stream_close (stream, NULL, &error))
        die_error (error);
      g_object_unref (spool);
    }
  return now () - start;
}

/* Trees ------------------------------------------------------------------- */

static void
make_wide_tree (const char *root)
{
  /* 10 000 files in 100 directories. */
  for (guint d = 0; d < 100; d++)
    {
      char sub[4096];

      g_snprintf (sub, sizeof sub, "%s/dir-%u", root, d);
      if (mkdir (sub, 0700) != 0)
        die ("mkdir");
      for (guint f = 0; f < 100; f++)
        {
          char file[4096];
          int fd;

          g_snprintf (file, sizeof file, "%s/file-%u", sub, f);
          fd = open (file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
          if (fd < 0)
            die ("open");
          close (fd);
        }
    }
}

static void
make_deep_tree (const char *root)
{
  int fd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  /* A chain 1 000 directories deep, through descriptors. */
  for (guint i = 0; i < 1000 && fd >= 0; i++)
    {
      int next;

      if (mkdirat (fd, "d", 0700) != 0)
        die ("mkdirat");
      next = openat (fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      close (fd);
      fd = next;
    }
  if (fd < 0)
    die ("openat");
  close (fd);
}

static double
rm_rf (const char *path)
{
  const char *argv[] = { "rm", "-rf", path, NULL };
  GError *error = NULL;
  int status;
  double start = now ();

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                     &status, &error) ||
      !g_spawn_check_wait_status (status, &error))
    die_error (error);
  return now () - start;
}

static double
tree_case (Ctx      *ctx,
           gboolean  ours,
           void    (*make) (const char *root))
{
  double total = 0;

  for (guint i = 0; i < ctx->n; i++)
    {
      GError *error = NULL;
      GTempDir *dir = g_temp_dir_new_full (ctx->dir, "tree-", NULL, G_TEMP_DIR_FLAGS_NONE,
                                           NULL, &error);

      if (dir == NULL)
        die_error (error);
      make (g_temp_dir_get_path (dir));

      if (ours)
        {
          double start = now ();

          if (!g_temp_dir_cleanup (dir, NULL, &error))
            die_error (error);
          total += now () - start;
        }
      else
        total += rm_rf (g_temp_dir_get_path (dir));
      g_object_unref (dir);
    }
  return total;
}

static double raw_wide_tree (Ctx *ctx) { return tree_case (ctx, FALSE, make_wide_tree); }
static double ours_wide_tree (Ctx *ctx) { return tree_case (ctx, TRUE, make_wide_tree); }
static double raw_deep_tree (Ctx *ctx) { return tree_case (ctx, FALSE, make_deep_tree); }
static double ours_deep_tree (Ctx *ctx) { return tree_case (ctx, TRUE, make_deep_tree); }

/* Spooling ---------------------------------------------------------------- */

static double
write_stream (GOutputStream *out,
              gsize          total,
              gsize          chunk)
{
  GError *error = NULL;
  double start = now ();

  for (gsize done = 0; done < total; done += chunk)
    if (!g_output_stream_write_all (out, block, chunk, NULL, NULL, &error))
      die_error (error);
  return now () - start;
}

static double
memory_stream_case (Ctx *ctx, gsize total, gsize chunk)
{
  double elapsed = 0;

  for (guint i = 0; i < ctx->n; i++)
    {
      GOutputStream *out = g_memory_output_stream_new_resizable ();

      elapsed += write_stream (out, total, chunk);
      g_object_unref (out);
    }
  return elapsed;
}

static double
spooled_memory_case (Ctx *ctx, gsize total, gsize chunk)
{
  double elapsed = 0;

  for (guint i = 0; i < ctx->n; i++)
    {
      GSpooledStream *spool = g_spooled_stream_new (0);

      elapsed += write_stream (g_io_stream_get_output_stream (G_IO_STREAM (spool)), total, chunk);
      g_object_unref (spool);
    }
  return elapsed;
}

static double raw_small_writes (Ctx *ctx) { return memory_stream_case (ctx, 16 * 1000000, 16); }
static double ours_small_writes (Ctx *ctx) { return spooled_memory_case (ctx, 16 * 1000000, 16); }
static double raw_big_writes (Ctx *ctx) { return memory_stream_case (ctx, 16 * MIB, 64 * KIB); }
static double ours_big_writes (Ctx *ctx) { return spooled_memory_case (ctx, 16 * MIB, 64 * KIB); }

static gsize spool_total = 256 * MIB;

static double
raw_spool_to_file (Ctx *ctx)
{
  double elapsed = 0;

  for (guint i = 0; i < ctx->n; i++)
    {
      GError *error = NULL;
      GTempFile *file = g_temp_file_new_full (ctx->dir, NULL, NULL, G_TEMP_FILE_FLAGS_ANONYMOUS,
                                              NULL, &error);

      if (file == NULL)
        die_error (error);
      elapsed += write_stream (g_io_stream_get_output_stream (G_IO_STREAM (file)),
                               spool_total, 64 * KIB);
      g_object_unref (file);
    }
  return elapsed;
}

static double
ours_spool_to_file (Ctx *ctx)
{
  double elapsed = 0;

  for (guint i = 0; i < ctx->n; i++)
    {
      GSpooledStream *spool = g_spooled_stream_new_full (MIB, ctx->dir, NULL, NULL);

      elapsed += write_stream (g_io_stream_get_output_stream (G_IO_STREAM (spool)),
                               spool_total, 64 * KIB);
      if (!g_spooled_stream_is_rolled_over (spool))
        {
          g_printerr ("bench: the spooled stream did not roll over\n");
          exit (1);
        }
      g_object_unref (spool);
    }
  return elapsed;
}

/* Threads ----------------------------------------------------------------- */

typedef struct
{
  Ctx  ctx;
  char dir[4096];
} Worker;

static gpointer
worker_run (gpointer data)
{
  Worker *worker = data;

  ours_named_cycle (&worker->ctx);
  return NULL;
}

static double
threads_case (Ctx *ctx, guint n_threads)
{
  Worker workers[2];
  GThread *threads[2];
  double start;

  /* One directory per thread: what is measured is the library, not the
   * kernel's lock on one directory. */
  for (guint t = 0; t < n_threads; t++)
    {
      g_snprintf (workers[t].dir, sizeof workers[t].dir, "%s/thread-%u", ctx->dir, t);
      if (g_mkdir (workers[t].dir, 0700) != 0 && errno != EEXIST)
        die ("mkdir");
      workers[t].ctx.dir = workers[t].dir;
      workers[t].ctx.n = ctx->n;
    }

  start = now ();
  for (guint t = 0; t < n_threads; t++)
    threads[t] = g_thread_new ("bench", worker_run, &workers[t]);
  for (guint t = 0; t < n_threads; t++)
    g_thread_join (threads[t]);
  return (now () - start) / n_threads;   /* per batch of n, comparable to 1 thread */
}

static double one_thread (Ctx *ctx) { return threads_case (ctx, 1); }
static double two_threads (Ctx *ctx) { return threads_case (ctx, 2); }

/* The guardian ------------------------------------------------------------ */

/* A guardian cannot be uninstalled, so both sides of this comparison run in
 * forked workers, one with the guardian and one without, which time a batch
 * of named cycles when asked. */
typedef struct
{
  pid_t pid;
  int   to;     /* requests: the batch size, then the directory */
  int   from;   /* answers: the time */
} GuardWorker;

static GuardWorker guarded_worker, plain_worker;

static double
cpu_now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
read_all_fd (int fd, void *data, gsize size)
{
  char *p = data;

  while (size > 0)
    {
      gssize n = read (fd, p, size);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        _exit (n == 0 ? 0 : 1);   /* the worker's end: never the parent's stdio */
      p += n;
      size -= n;
    }
}

static void
guard_worker_start (GuardWorker *worker,
                    gboolean     guarded)
{
  int requests[2], answers[2];

  if (worker->pid > 0)
    return;
  if (pipe (requests) != 0 || pipe (answers) != 0)
    die ("pipe");
  fflush (NULL);   /* the table so far is the parent's to print */
  worker->pid = fork ();
  if (worker->pid < 0)
    die ("fork");
  if (worker->pid == 0)
    {
      GError *error = NULL;

      close (requests[1]);
      close (answers[0]);
      if (guarded && !g_tempfile_install_guardian (&error))
        die_error (error);
      for (;;)
        {
          char dir[4096];
          guint n;
          Ctx ctx;
          double elapsed;

          read_all_fd (requests[0], &n, sizeof n);
          read_all_fd (requests[0], dir, sizeof dir);
          ctx.dir = dir;
          ctx.n = n;
          /* CPU time, not wall time: on a shared machine the difference
           * to measure is far smaller than the noise of the neighbours. */
          elapsed = cpu_now ();
          ours_named_cycle (&ctx);
          elapsed = cpu_now () - elapsed;
          write_all_fd (answers[1], &elapsed, sizeof elapsed);
        }
    }
  close (requests[0]);
  close (answers[1]);
  worker->to = requests[1];
  worker->from = answers[0];
}

static double
guard_worker_run (GuardWorker *worker,
                  gboolean     guarded,
                  Ctx         *ctx)
{
  char dir[4096] = { 0, };
  double elapsed;

  guard_worker_start (worker, guarded);
  g_strlcpy (dir, ctx->dir, sizeof dir);
  write_all_fd (worker->to, &ctx->n, sizeof ctx->n);
  write_all_fd (worker->to, dir, sizeof dir);
  read_all_fd (worker->from, &elapsed, sizeof elapsed);
  return elapsed;
}

static void
guard_workers_stop (void)
{
  GuardWorker *workers[] = { &guarded_worker, &plain_worker };

  for (guint i = 0; i < G_N_ELEMENTS (workers); i++)
    if (workers[i]->pid > 0)
      {
        close (workers[i]->to);
        close (workers[i]->from);
        waitpid (workers[i]->pid, NULL, 0);
        workers[i]->pid = 0;
      }
}

static double without_guardian (Ctx *ctx) { return guard_worker_run (&plain_worker, FALSE, ctx); }
static double with_guardian (Ctx *ctx) { return guard_worker_run (&guarded_worker, TRUE, ctx); }

/* The cases --------------------------------------------------------------- */

static const Case cases[] = {
  { "named GTempFile: create, write 4 KiB, close, delete",
    "open(O_EXCL)+write+close+unlink", LOWER_TIME, 1.05, 2000, 200,
    raw_named_cycle, ours_named_cycle, TRUE, glib_named_cycle, python_named },
  { "anonymous GTempFile, same cycle",
    "open(O_TMPFILE)+write+close", LOWER_TIME, 1.08, 2000, 200,
    raw_anonymous_cycle, ours_anonymous_cycle, TRUE, NULL, python_anonymous },
  { "GTempDir: create and cleanup, empty",
    "mkdir+rmdir", LOWER_TIME, 1.75, 2000, 200,
    raw_dir_cycle, ours_dir_cycle, TRUE, glib_dir_cycle, python_dir },
  { "GSpooledStream in memory: create, write 4 KiB, seek 0, read back, close",
    "GMemoryOutputStream, then GMemoryInputStream", LOWER_TIME, 1.5, 20000, 2000,
    raw_memory_read_back, ours_memory_read_back, FALSE, NULL, python_spooled },
  { "GTempDir cleanup: 10 000 files in 100 dirs",
    "rm -rf", LOWER_TIME, 1.10, 1, 1, raw_wide_tree, ours_wide_tree, TRUE },
  { "GTempDir cleanup: a 1 000-deep chain",
    "rm -rf", LOWER_TIME, 1.10, 1, 1, raw_deep_tree, ours_deep_tree, TRUE },
  { "GSpooledStream in memory: 1 000 000 writes of 16 B (throughput)",
    "GMemoryOutputStream", HIGHER_THROUGHPUT, 0.9, 1, 1,
    raw_small_writes, ours_small_writes, FALSE },
  { "GSpooledStream in memory: 16 MiB in 64 KiB writes (throughput)",
    "GMemoryOutputStream", HIGHER_THROUGHPUT, 0.9, 4, 1,
    raw_big_writes, ours_big_writes, FALSE },
  { "GSpooledStream 256 MiB, max 1 MiB (rolls over)",
    "the same written to a GTempFile", LOWER_TIME, 1.10, 1, 1,
    raw_spool_to_file, ours_spool_to_file, TRUE },
  { "named GTempFile cycle with the guardian installed (CPU time)",
    "the same without", LOWER_TIME, 1.03, 2000, 200,
    without_guardian, with_guardian, TRUE },
  { "2 threads creating named files (throughput)",
    "1 thread", HIGHER_THROUGHPUT, 1.6, 2000, 200,
    one_thread, two_threads, TRUE },
};

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static const char *
fs_name (const char *dir)
{
  struct statfs st;

  if (statfs (dir, &st) != 0)
    return "?";
  switch ((unsigned long) st.f_type)
    {
    case 0x01021994: return "tmpfs";
    case 0xEF53: return "ext4";
    case 0x9123683E: return "btrfs";
    case 0x58465342: return "xfs";
    case 0x794c7630: return "overlayfs";
    default: return "other";
    }
}

/* The median of @values (sorted in place), and its range. */
static double
median_of (double  *values,
           double  *low,
           double  *high)
{
  qsort (values, rounds, sizeof (double), compare_doubles);
  *low = values[0];
  *high = values[rounds - 1];
  return values[rounds / 2];
}

static void
format_alternative (char       *out,
                    gsize       size,
                    double     *ratios)
{
  double low, high, median;

  if (ratios == NULL)
    {
      g_strlcpy (out, "—", size);
      return;
    }
  median = median_of (ratios, &low, &high);
  g_snprintf (out, size, "%.2f× (%.2f–%.2f)", median, low, high);
}

static void
run_case (const Case *c,
          const char *dir)
{
  Ctx ctx = { dir, quick ? c->quick_n : c->n };
  g_autofree double *ratios = g_new (double, rounds);
  g_autofree double *glib_ratios = c->run_glib != NULL ? g_new (double, rounds) : NULL;
  g_autofree double *python_ratios = c->python != NULL ? g_new (double, rounds) : NULL;
  char glib_text[64], python_text[64];
  double median, low, high;
  gboolean holds;

  /* One untimed batch each: caches, the default directory, lazy setup. */
  c->run_baseline (&ctx);
  c->run_ours (&ctx);
  if (c->run_glib != NULL)
    c->run_glib (&ctx);

  for (guint r = 0; r < rounds; r++)
    {
      double base, ours;

      if (r % 2 == 0)
        {
          base = c->run_baseline (&ctx);
          ours = c->run_ours (&ctx);
        }
      else
        {
          ours = c->run_ours (&ctx);
          base = c->run_baseline (&ctx);
        }
      /* Throughput cases time the same work (per thread), so the
       * throughput ratio is the inverse of the time ratio. */
      ratios[r] = c->kind == LOWER_TIME ? ours / base : base / ours;

      /* The alternatives, each against a baseline batch next to it. */
      if (glib_ratios != NULL)
        {
          double glib = c->run_glib (&ctx);

          glib_ratios[r] = glib / c->run_baseline (&ctx);
        }
      if (python_ratios != NULL)
        {
          double python = run_python (c->python, &ctx);

          python_ratios[r] = python / c->run_baseline (&ctx);
        }
    }
  median = median_of (ratios, &low, &high);
  holds = c->kind == LOWER_TIME ? median <= c->target : median >= c->target;
  format_alternative (glib_text, sizeof glib_text, glib_ratios);
  format_alternative (python_text, sizeof python_text, python_ratios);

  printf ("| %s | %s | %s | %.2f× (%.2f–%.2f) | %s %.2f× | %s | %s | %s |\n",
           c->name, c->needs_dir ? fs_name (dir) : "memory", c->baseline, median, low, high,
           c->kind == LOWER_TIME ? "≤" : "≥", c->target, holds ? "holds" : "missed",
           glib_text, python_text);
}

/* Memory ------------------------------------------------------------------ */

static gsize
heap_in_use (void)
{
  struct mallinfo2 info = mallinfo2 ();

  return info.uordblks + info.hblkhd;
}

static void
report_heap_per_object (const char *dir)
{
  const guint n = 1000;
  g_autofree GObject **objects = g_new0 (GObject *, n);
  const char *names[] = { "GTempFile (named)", "GTempDir", "GSpooledStream (in memory, empty)" };

  for (guint kind = 0; kind < G_N_ELEMENTS (names); kind++)
    {
      gsize before, after;

      /* Warm up the type system and the library's one-time state. */
      for (guint pass = 0; pass < 2; pass++)
        {
          before = heap_in_use ();
          for (guint i = 0; i < n; i++)
            {
              GError *error = NULL;

              if (kind == 0)
                objects[i] = G_OBJECT (g_temp_file_new_full (dir, NULL, NULL,
                                                             G_TEMP_FILE_FLAGS_NONE, NULL, &error));
              else if (kind == 1)
                objects[i] = G_OBJECT (g_temp_dir_new_full (dir, NULL, NULL,
                                                            G_TEMP_DIR_FLAGS_NONE, NULL, &error));
              else
                objects[i] = G_OBJECT (g_spooled_stream_new (MIB));
              if (objects[i] == NULL)
                die_error (error);
            }
          after = heap_in_use ();
          for (guint i = 0; i < n; i++)
            g_object_unref (objects[i]);
        }
      printf ("| heap per live %s | %zu bytes | ≤ 1024 bytes | %s |\n", names[kind],
               (after - before) / n, (after - before) / n <= 1024 ? "holds" : "missed");
    }
}

/* The guardian of the guarded worker, found in /proc by its arguments. */
static void
report_guardian_rss (void)
{
  g_autofree char *worker = NULL;
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *name;

  guard_worker_start (&guarded_worker, TRUE);
  worker = g_strdup_printf ("%ld", (long) guarded_worker.pid);
  while (proc != NULL && (name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *cmdline_path = g_build_filename ("/proc", name, "cmdline", NULL);
      g_autofree char *status_path = g_build_filename ("/proc", name, "status", NULL);
      g_autofree char *cmdline = NULL;
      g_autofree char *status = NULL;
      gsize length;
      const char *rss;

      if (!g_file_get_contents (cmdline_path, &cmdline, &length, NULL) || length == 0 ||
          !g_str_has_suffix (cmdline, "gtempfile-guardian"))
        continue;
      /* gtempfile-guardian PROTOCOL PID FLAGS */
      {
        const char *protocol = cmdline + strlen (cmdline) + 1;
        const char *pid = protocol < cmdline + length ? protocol + strlen (protocol) + 1 : NULL;

        if (pid == NULL || pid >= cmdline + length || strcmp (pid, worker) != 0)
          continue;
      }
      if (g_file_get_contents (status_path, &status, NULL, NULL) &&
          (rss = strstr (status, "VmRSS:")) != NULL)
        {
          long kib = strtol (rss + strlen ("VmRSS:"), NULL, 10);

          printf ("| guardian process, resident while it waits | %.2f MiB | ≤ 2 MiB | %s |\n",
                  kib / 1024.0, kib <= 2048 ? "holds" : "missed");
          return;
        }
    }
  printf ("| guardian process, resident while it waits | not found | ≤ 2 MiB | — |\n");
}

static void
report_peak_rss (const char *dir)
{
  struct rusage usage;
  int status;
  pid_t pid = fork ();

  if (pid < 0)
    die ("fork");
  if (pid == 0)
    {
      Ctx ctx = { dir, 1 };

      ours_spool_to_file (&ctx);
      _exit (0);
    }
  if (wait4 (pid, &status, 0, &usage) != pid || !WIFEXITED (status) ||
      WEXITSTATUS (status) != 0)
    die ("the peak RSS child");
  printf ("| peak RSS, GSpooledStream 256 MiB with max 1 MiB (%s) | %.1f MiB | — | — |\n",
           fs_name (dir), usage.ru_maxrss / 1024.0);
}

int
main (int   argc,
      char *argv[])
{
  g_auto(GStrv) dirs = NULL;
  g_auto(GStrv) only = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  int requested_rounds = 0;
  GOptionEntry entries[] = {
    { "dir", 'd', 0, G_OPTION_ARG_FILENAME_ARRAY, &dirs, "Measure in DIR (repeatable)", "DIR" },
    { "rounds", 'r', 0, G_OPTION_ARG_INT, &requested_rounds, "Rounds per case (odd)", "N" },
    { "quick", 'q', 0, G_OPTION_ARG_NONE, &quick, "Smaller batches, 3 rounds", NULL },
    { "case", 'c', 0, G_OPTION_ARG_STRING_ARRAY, &only, "Only cases whose name has TEXT", "TEXT" },
    G_OPTION_ENTRY_NULL
  };

  context = g_option_context_new ("- libgtempfile benchmarks");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench: %s\n", error->message);
      return 2;
    }
  if (quick)
    {
      rounds = 3;
      spool_total = 32 * MIB;
    }
  if (requested_rounds > 0)
    rounds = requested_rounds | 1;
  if (dirs == NULL)
    {
      dirs = g_new0 (char *, 2);
      dirs[0] = g_get_current_dir ();
    }
  memset (block, 'x', sizeof block);
  /* GLib 2.74 allocates GObjects with GSlice, whose magazines hide them
   * from mallinfo2(); malloc makes the heap figures exact. */
  if (g_getenv ("G_SLICE") == NULL)
    g_setenv ("G_SLICE", "always-malloc", TRUE);

  g_print ("| case | where | baseline | libgtempfile, median (range) of %u rounds | target | "
           "| GLib | CPython tempfile |\n"
           "|---|---|---|---|---|---|---|---|\n", rounds);
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      gboolean wanted = only == NULL;

      for (guint i = 0; only != NULL && only[i] != NULL; i++)
        wanted |= strstr (cases[c].name, only[i]) != NULL;
      if (!wanted)
        continue;
      for (guint d = 0; dirs[d] != NULL; d++)
        {
          run_case (&cases[c], dirs[d]);
          if (!cases[c].needs_dir)
            break;
        }
    }

  if (only == NULL)
    {
      g_print ("\n| memory | measured | target | |\n|---|---|---|---|\n");
      report_heap_per_object (dirs[0]);
      for (guint d = 0; dirs[d] != NULL; d++)
        report_peak_rss (dirs[d]);
      report_guardian_rss ();
    }
  guard_workers_stop ();
  return 0;
}
