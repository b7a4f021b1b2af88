/* gtempfile: mktemp with cleanup, built on libgtempfile
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   gtempfile file [-d DIR] [-p PREFIX] [-s SUFFIX]     like mktemp
 *   gtempfile dir  [-d DIR] [-p PREFIX] [-s SUFFIX]     like mktemp -d
 *   gtempfile run  [-d DIR] [-p PREFIX] [-s SUFFIX] [--keep] [--cd] -- COMMAND [ARG…]
 *   gtempfile tempdir                                   the default directory, and why
 *   gtempfile help [COMMAND]
 *
 * Exit status: 0 on success; 1 when the work failed (the library's error is
 * printed, or standard output could not be written); 2 for a usage error
 * (unknown command, option or help topic, missing or extra argument).
 * `run` ends as COMMAND did: with its exit status, or by the signal that
 * killed it (the shell sees 128+N); 127 when it could not be found and 126
 * when it could not be run, as shells do.
 *
 * It uses the public API of the shared library only. On Windows `run` waits
 * through GSubprocess and passes no signals on.
 */

#include "config.h"

#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#ifdef ENABLE_NLS
# include <glib/gi18n.h>
#else
/* Without translations there may be no libintl.h at all (a Windows build
 * without gettext). */
# define _(String) (String)
# define N_(String) (String)
#endif
#include <glib/gstdio.h>
#include <gio/gio.h>

#ifdef G_OS_UNIX
# include <fcntl.h>
# include <sys/resource.h>
# include <sys/wait.h>
# include <unistd.h>
# include <glib-unix.h>
#endif
#ifdef G_OS_WIN32
# include <io.h>
#endif

#include <gtempfile.h>

#define EXIT_USAGE 2

typedef struct
{
  const char *name;
  int       (*run) (char **args);   /* args[0] is the command's name */
  const char *summary;              /* N_() */
} Command;

/* Options shared by file, dir and run. */
static char *opt_dir;
static char *opt_prefix;
static char *opt_suffix;

static const GOptionEntry name_entries[] = {
  { "dir", 'd', 0, G_OPTION_ARG_FILENAME, &opt_dir,
    N_("Create it in DIR (default: the directory “gtempfile tempdir” prints)"), N_("DIR") },
  { "prefix", 'p', 0, G_OPTION_ARG_FILENAME, &opt_prefix,
    N_("Start the name with PREFIX (default: “tmp”)"), N_("PREFIX") },
  { "suffix", 's', 0, G_OPTION_ARG_FILENAME, &opt_suffix,
    N_("End the name with SUFFIX"), N_("SUFFIX") },
  G_OPTION_ENTRY_NULL
};

static void
print_error (const char *message)
{
  g_printerr ("gtempfile: %s\n", message);
}

/* A usage error: the message, then where to read more. */
static int
usage_error (const char *message,
             const char *command)
{
  print_error (message);
  if (command != NULL)
    g_printerr (_("Try “gtempfile %s --help” for more information.\n"), command);
  else
    g_printerr (_("Try “gtempfile --help” for more information.\n"));
  return EXIT_USAGE;
}

/* Standard output ----------------------------------------------------------
 *
 * As with mktemp, output that does not reach its reader is a failure: a
 * path nobody received is a file nobody removes. */

static gboolean stdout_failure_reported;

/* Flushes standard output; if it could not be written, says so (once) and
 * returns FALSE. */
static gboolean
flush_stdout (void)
{
  int errsv = 0;

  if (fflush (stdout) != 0)
    errsv = errno;
  else if (!ferror (stdout))
    return TRUE;

  if (!stdout_failure_reported)
    {
      g_autofree char *message = NULL;

      if (errsv != 0)
        message = g_strdup_printf (_("Error writing to standard output: %s"), g_strerror (errsv));
      else
        message = g_strdup (_("Error writing to standard output"));
      print_error (message);
      stdout_failure_reported = TRUE;
    }
  return FALSE;
}

/* GOption prints --help and calls exit() itself, so the last check of
 * standard output runs at exit. */
static void
check_stdout_at_exit (void)
{
  if (!flush_stdout ())
    _exit (EXIT_FAILURE);
}

static gboolean
print_path (const char *path)
{
  /* File-system bytes, as mktemp prints them. */
  fputs (path, stdout);
  fputc ('\n', stdout);
  return flush_stdout ();
}

/* Options ------------------------------------------------------------------ */

/* Parses the options of the command in @args[0], removing them from @args
 * (an array the caller owns); on a usage error prints it with a hint and
 * returns FALSE. */
static gboolean
parse_options (char               **args,
               const char          *parameters,
               const char          *summary,
               const GOptionEntry  *entries,
               const GOptionEntry  *more_entries,
               gboolean             stop_at_command)
{
  g_autoptr(GOptionContext) context = g_option_context_new (parameters);
  g_autoptr(GError) error = NULL;
  g_autofree char *prgname = g_strdup_printf ("gtempfile %s", args[0]);
  g_autofree char *command = g_strdup (args[0]);

  g_set_prgname (prgname);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  /* Translated when the help is shown, as the entries. */
  g_option_context_set_summary (context, summary);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, NULL);
  if (more_entries != NULL)
    g_option_context_add_main_entries (context, more_entries, NULL);
  /* run: the options of COMMAND are COMMAND's, not ours. */
  g_option_context_set_strict_posix (context, stop_at_command);

  /* The strv form: UTF-8 on Windows, and it frees what it removes. */
  if (!g_option_context_parse_strv (context, &args, &error))
    {
      usage_error (error->message, command);
      return FALSE;
    }
  /* As mktemp -p "": an empty DIR (an unset variable in a script) is the
   * default directory, not the current one. */
  if (opt_dir != NULL && opt_dir[0] == '\0')
    g_clear_pointer (&opt_dir, g_free);
  return TRUE;
}

static gboolean
no_arguments_left (char **args)
{
  if (args[0] != NULL && args[1] != NULL)
    {
      g_autofree char *display = g_filename_display_name (args[1]);
      g_autofree char *message = g_strdup_printf (_("Unexpected argument “%s”"), display);

      usage_error (message, args[0]);
      return FALSE;
    }
  return TRUE;
}

/* Small I/O helpers ------------------------------------------------------- */

static gboolean
write_all (int         fd,
           const char *data,
           gsize       length)
{
  while (length > 0)
    {
#ifdef G_OS_WIN32
      int written = _write (fd, data, (unsigned int) MIN (length, G_MAXINT));
#else
      gssize written = write (fd, data, length);
#endif

      if (written < 0 && errno == EINTR)
        continue;
      if (written < 0)
        return FALSE;
      if (written == 0)
        {
          errno = ENOSPC;
          return FALSE;
        }
      data += written;
      length -= (gsize) written;
    }
  return TRUE;
}

static gboolean
close_fd (int fd)
{
#ifdef G_OS_WIN32
  return _close (fd) == 0;
#else
  /* After EINTR the descriptor is gone on Linux and undefined elsewhere:
   * never retry. */
  return close (fd) == 0 || errno == EINTR;
#endif
}

/* file, dir --------------------------------------------------------------- */

/* Creates a file or a directory, keeps it, and prints its path. */
static int
make_and_print (char       **args,
                const char  *summary,
                gboolean     directory)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  if (!parse_options (args, NULL, summary, name_entries, NULL, FALSE) ||
      !no_arguments_left (args))
    return EXIT_USAGE;

  if (directory)
    path = g_tempfile_mkdtemp (opt_dir, opt_prefix, opt_suffix, &error);
  else
    {
      int fd = g_tempfile_mkstemp (opt_dir, opt_prefix, opt_suffix, &path, &error);

      if (fd >= 0)
        close_fd (fd);
    }

  if (path == NULL)
    {
      print_error (error->message);
      return EXIT_FAILURE;
    }

#ifdef SIGPIPE
  /* A reader that went away is a write error to report, not a death that
   * would leave the file behind. */
  signal (SIGPIPE, SIG_IGN);
#endif
  if (!print_path (path))
    {
      /* Nobody got the name: nobody would remove it. */
      if ((directory ? g_rmdir (path) : g_unlink (path)) != 0)
        {
          int errsv = errno;
          g_autofree char *display = g_filename_display_name (path);
          g_autofree char *message = g_strdup_printf (_("Error removing “%s”: %s"),
                                                      display, g_strerror (errsv));

          print_error (message);
        }
      return EXIT_FAILURE;
    }
  return EXIT_SUCCESS;
}

static int
command_file (char **args)
{
  return make_and_print (args,
                         N_("Create a temporary file (mode 0600) and print its path. The file "
                            "is kept: removing it is up to the caller, as with mktemp."),
                         FALSE);
}

static int
command_dir (char **args)
{
  return make_and_print (args,
                         N_("Create a temporary directory (mode 0700) and print its path. The "
                            "directory is kept: removing it is up to the caller, as with "
                            "mktemp -d."),
                         TRUE);
}

/* tempdir ----------------------------------------------------------------- */

/* Where a candidate comes from, found by comparing it with what the library
 * looks at: the library gives the candidates, not their sources. */
typedef struct
{
  const char *variable;   /* NULL for a place */
  const char *label;      /* "$VARIABLE", or N_() for a place */
  const char *value;      /* NULL or empty: not set */
  gboolean    reported;
} Source;

static gboolean
is_set (const char *value)
{
  return value != NULL && *value != '\0';
}

/* Both ways a relative value can be made absolute: plain prefixing of the
 * current directory, and the lexical canonical form. */
static gboolean
same_place (const char *candidate,
            const char *value,
            const char *cwd)
{
  g_autofree char *prefixed = NULL;
  g_autofree char *canonical = NULL;

  if (!is_set (value))
    return FALSE;
  if (strcmp (candidate, value) == 0)
    return TRUE;
  prefixed = g_path_is_absolute (value) ? g_strdup (value)
                                        : g_build_filename (cwd, value, NULL);
  canonical = g_canonicalize_filename (value, cwd);
  return strcmp (candidate, prefixed) == 0 || strcmp (candidate, canonical) == 0;
}

/* Prints the variables before @upto (all of them when NULL) that are not
 * set, in order, each once. */
static void
report_unset_variables (Source       *sources,
                        guint         n_sources,
                        const Source *upto)
{
  for (guint i = 0; i < n_sources && &sources[i] != upto; i++)
    {
      if (sources[i].variable == NULL || is_set (sources[i].value) || sources[i].reported)
        continue;
      g_print (_("  %s: not set or empty\n"), sources[i].label);
      sources[i].reported = TRUE;
    }
}

/* TRUE if a file can be created, written and removed in @dir, as the
 * library checks a candidate; else the reason, which names the path.
 * Nothing is left behind. */
static gboolean
probe_directory (const char  *dir,
                 char       **reason)
{
  static const char data[] = "gtempfile";
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *display = NULL;
  const char *format = NULL;
  int errsv = 0;
  int fd;

  fd = g_tempfile_mkstemp (dir, NULL, NULL, &path, &error);
  if (fd < 0)
    {
      *reason = g_strdup (error->message);
      return FALSE;
    }

  if (!write_all (fd, data, sizeof data - 1))
    {
      errsv = errno;
      format = _("Error writing to “%s”: %s");
    }
  if (!close_fd (fd) && format == NULL)
    {
      errsv = errno;
      format = _("Error closing “%s”: %s");
    }
  if (g_unlink (path) != 0 && format == NULL)
    {
      errsv = errno;
      format = _("Error removing “%s”: %s");
    }
  if (format == NULL)
    return TRUE;

  display = g_filename_display_name (path);
  *reason = g_strdup_printf (format, display, g_strerror (errsv));
  return FALSE;
}

static int
command_tempdir (char **args)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) candidates = NULL;
  g_autofree char *chosen = NULL;
  g_autofree char *cwd = g_get_current_dir ();
  /* What the library looks at, in its order. */
  Source sources[] = {
    { "TMPDIR", "$TMPDIR", g_getenv ("TMPDIR"), FALSE },
    { "TEMP", "$TEMP", g_getenv ("TEMP"), FALSE },
    { "TMP", "$TMP", g_getenv ("TMP"), FALSE },
    { NULL, N_("the user cache directory"), g_get_user_cache_dir (), FALSE },
    { NULL, N_("the home directory"), g_get_home_dir (), FALSE },
    { NULL, N_("the current directory"), cwd, FALSE },
  };

  if (!parse_options (args, NULL,
                      N_("Print the directory in which temporary files are created when no "
                         "directory is given, then each candidate that was considered, in "
                         "order, and why it was passed over."),
                      NULL, NULL, FALSE) ||
      !no_arguments_left (args))
    return EXIT_USAGE;

  chosen = g_tempfile_get_tempdir (&error);
  if (chosen == NULL)
    {
      print_error (error->message);
      return EXIT_FAILURE;
    }
  if (!print_path (chosen))
    return EXIT_FAILURE;

  /* The library's own list, probed again to say why. */
  candidates = g_tempfile_get_tempdir_candidates ();
  for (guint i = 0; candidates[i] != NULL; i++)
    {
      g_autofree char *display = g_filename_display_name (candidates[i]);
      g_autofree char *reason = NULL;
      Source *source = NULL;
      const char *label;

      /* Each source gives one candidate, in order. */
      for (guint j = 0; j < G_N_ELEMENTS (sources) && source == NULL; j++)
        if (!sources[j].reported && same_place (candidates[i], sources[j].value, cwd))
          source = &sources[j];

      report_unset_variables (sources, G_N_ELEMENTS (sources),
                              source != NULL && source->variable != NULL ? source : NULL);
      if (source != NULL)
        {
          source->reported = TRUE;
          label = source->variable != NULL ? source->label : _(source->label);
        }
      else
        label = display;   /* /tmp, /var/tmp…: the path says it */

      if (!probe_directory (candidates[i], &reason))
        {
          g_print (_("  %s: not usable: %s\n"), label, reason);
          continue;
        }

      if (strcmp (candidates[i], chosen) == 0)
        g_print (_("  %s: “%s” is usable: chosen\n"), label, display);
      else
        g_print (_("  %s: “%s” is usable now, but was not when the choice was made\n"),
                 label, display);
      break;
    }

  return flush_stdout () ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* run --------------------------------------------------------------------- */

static gboolean opt_keep;
static gboolean opt_cd;

static const GOptionEntry run_entries[] = {
  { "keep", 'k', 0, G_OPTION_ARG_NONE, &opt_keep,
    N_("Keep the directory afterwards and print its path on standard error"), NULL },
  { "cd", 'c', 0, G_OPTION_ARG_NONE, &opt_cd,
    N_("Run COMMAND in the directory"), NULL },
  G_OPTION_ENTRY_NULL
};

#ifdef G_OS_UNIX

/* Signals ------------------------------------------------------------------
 *
 * While COMMAND runs, gtempfile passes on every signal whose default action
 * would end it, so that COMMAND ends, the directory is removed, and
 * gtempfile ends as COMMAND did:
 *
 * - A signal the caller left ignored stays ignored, for gtempfile and for
 *   COMMAND (a background job of a shell ignores SIGINT and SIGQUIT).
 * - A signal the kernel sends to the terminal's whole foreground process
 *   group (^C, ^\, ^Z, hang-up, SIGTTIN/SIGTTOU) reached COMMAND too, unless
 *   COMMAND moved to a process group of its own: it is not sent twice.
 * - A signal gtempfile caused itself (SIGPIPE or SIGXFSZ of its own write) is
 *   not passed on: the write fails instead.
 * - SIGTSTP, SIGTTIN and SIGTTOU stop COMMAND and then gtempfile; SIGCONT is
 *   passed on, so `kill -TSTP` and `kill -CONT` act on the whole job.
 *   SIGSTOP and SIGKILL cannot be caught: they act on gtempfile alone.
 * - A fault of gtempfile itself (SIGSEGV, SIGBUS…, abort()) kills it as
 *   usual; only those signals sent by another process are passed on.
 *
 * The handler writes two bytes to a pipe (the signal, and where it came
 * from); the waiting loop reads them, so no signal is missed between a
 * check and a wait. SIGCHLD comes through the same pipe. */

enum
{
  FROM_PROCESS,    /* kill(), sigqueue(), a timer: pass it on */
  FROM_TERMINAL,   /* the kernel, to the whole foreground process group */
  FROM_SELF,       /* gtempfile's own doing: never passed on */
};

typedef struct
{
  int              signo;
  gboolean         handled;   /* FALSE: ignored by the caller, left so */
  struct sigaction entry;     /* the disposition gtempfile started with */
} ManagedSignal;

static ManagedSignal managed[160];
static guint n_managed;
static sigset_t entry_mask;
static int signal_pipe[2] = { -1, -1 };
/* Signals pending when COMMAND was started: a terminal sent them to a
 * process group COMMAND was not in yet, so they are passed on. */
static volatile sig_atomic_t unsent[256];

static gboolean
is_fault_signal (int signo)
{
  switch (signo)
    {
    case SIGILL:
    case SIGTRAP:
    case SIGABRT:
    case SIGBUS:
    case SIGFPE:
    case SIGSEGV:
    case SIGSYS:
#ifdef SIGEMT
    case SIGEMT:
#endif
      return TRUE;
    default:
      return FALSE;
    }
}

static gboolean
is_stop_signal (int signo)
{
  return signo == SIGTSTP || signo == SIGTTIN || signo == SIGTTOU;
}

#ifdef SI_KERNEL
static gboolean
is_terminal_signal (int signo)
{
  return signo == SIGINT || signo == SIGQUIT || signo == SIGHUP || signo == SIGCONT ||
         is_stop_signal (signo);
}
#endif

/* Async-signal-safe. */
static void
on_signal (int        signo,
           siginfo_t *info,
           void      *context)
{
  int saved_errno = errno;
  unsigned char message[2] = { (unsigned char) signo, FROM_PROCESS };
  gboolean by_process = info != NULL && (info->si_code == SI_USER || info->si_code == SI_QUEUE
#ifdef SI_TKILL
                                         || info->si_code == SI_TKILL
#endif
                                         );
  gboolean by_self = by_process && info->si_pid == getpid ();

  if (is_fault_signal (signo) && (!by_process || by_self))
    {
      /* gtempfile's own crash: die of it, with the default action. The
       * signal is blocked in its handler, so it arrives on return. */
      struct sigaction default_action;

      memset (&default_action, 0, sizeof default_action);
      default_action.sa_handler = SIG_DFL;
      sigemptyset (&default_action.sa_mask);
      sigaction (signo, &default_action, NULL);
      raise (signo);
      errno = saved_errno;
      return;
    }

  if (by_self)
    message[1] = FROM_SELF;
#ifdef SI_KERNEL
  else if (info != NULL && info->si_code == SI_KERNEL && is_terminal_signal (signo) &&
           !unsent[signo])
    message[1] = FROM_TERMINAL;
#endif
  unsent[signo] = FALSE;

  /* Non-blocking, and two bytes are written whole or not at all: if the
   * pipe is full, enough is already pending. */
  if (write (signal_pipe[1], message, sizeof message) < 0)
    { /* nothing to do in a handler */ }
  errno = saved_errno;
}

static void
manage (int signo)
{
  ManagedSignal *signal_ = NULL;

  for (guint i = 0; i < n_managed; i++)
    if (managed[i].signo == signo)
      return;   /* SIGPOLL and SIGEMT can be one number */
  g_assert (n_managed < G_N_ELEMENTS (managed));
  signal_ = &managed[n_managed++];
  signal_->signo = signo;
  sigaction (signo, NULL, &signal_->entry);
  signal_->handled = signal_->entry.sa_handler != SIG_IGN || signo == SIGCHLD;
}

/* Installs the handler for every signal that would end gtempfile, the job
 * control signals and SIGCHLD, leaving ignored ones ignored. */
static gboolean
install_handlers (GError **error)
{
  static const int signals[] = {
    /* The default action ends the process... */
    SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM, SIGTERM,
    SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF,
#ifdef SIGPOLL
    SIGPOLL,
#endif
#ifdef SIGPWR
    SIGPWR,
#endif
#ifdef SIGSTKFLT
    SIGSTKFLT,
#endif
#ifdef SIGLOST
    SIGLOST,
#endif
    /* ...also for faults, when another process sends them... */
    SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV, SIGSYS,
#ifdef SIGEMT
    SIGEMT,
#endif
    /* ...or stops it, or continues it; and the command's end. */
    SIGTSTP, SIGTTIN, SIGTTOU, SIGCONT, SIGCHLD,
  };
  struct sigaction action;
  sigset_t chld;

  if (!g_unix_open_pipe (signal_pipe, FD_CLOEXEC, error) ||
      !g_unix_set_fd_nonblocking (signal_pipe[1], TRUE, error))
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    manage (signals[i]);
#if defined(SIGRTMIN) && defined(SIGRTMAX)
  /* Real-time signals end the process by default too. */
  for (int signo = SIGRTMIN; signo <= SIGRTMAX && n_managed < G_N_ELEMENTS (managed); signo++)
    manage (signo);
#endif

  memset (&action, 0, sizeof action);
  action.sa_sigaction = on_signal;
  sigemptyset (&action.sa_mask);
  for (guint i = 0; i < n_managed; i++)
    {
      if (!managed[i].handled)
        continue;
      action.sa_flags = SA_SIGINFO | SA_RESTART;
      if (managed[i].signo == SIGCHLD)
        action.sa_flags |= SA_NOCLDSTOP;
      sigaction (managed[i].signo, &action, NULL);
    }

  /* The waiting loop needs SIGCHLD even if the caller blocked it; COMMAND
   * gets the caller's mask back. */
  sigprocmask (SIG_SETMASK, NULL, &entry_mask);
  sigemptyset (&chld);
  sigaddset (&chld, SIGCHLD);
  sigprocmask (SIG_UNBLOCK, &chld, NULL);
  return TRUE;
}

/* Puts back the dispositions gtempfile started with: of every signal it
 * manages if @all, else of the job control ones only. */
static void
restore_entry_dispositions (gboolean all)
{
  for (guint i = 0; i < n_managed; i++)
    if (all || is_stop_signal (managed[i].signo) || managed[i].signo == SIGCONT)
      sigaction (managed[i].signo, &managed[i].entry, NULL);
}

/* Between fork and exec: COMMAND starts as gtempfile did (async-signal-safe). */
static void
child_setup (gpointer user_data)
{
  restore_entry_dispositions (TRUE);
  sigprocmask (SIG_SETMASK, &entry_mask, NULL);
}

/* Stops gtempfile as @signo's default action would; returns when continued. */
static void
stop_as_by (int signo)
{
  struct sigaction default_action, handler;

  memset (&default_action, 0, sizeof default_action);
  default_action.sa_handler = SIG_DFL;
  sigemptyset (&default_action.sa_mask);
  sigaction (signo, &default_action, &handler);
  /* Stopped in here, unless the process group is orphaned: then the kernel
   * discards it, as it would have. */
  raise (signo);
  sigaction (signo, &handler, NULL);
}

static gboolean
is_managed (int signo)
{
  for (guint i = 0; i < n_managed; i++)
    if (managed[i].signo == signo)
      return TRUE;
  return FALSE;
}

static void
pass_on (GPid          pid,
         unsigned char signo,
         unsigned char origin)
{
  if (signo == SIGCHLD || origin == FROM_SELF || !is_managed (signo))
    return;

  /* The terminal signalled the whole group: COMMAND has it, unless it
   * started a group of its own (a shell with job control). */
  if (origin != FROM_TERMINAL || getpgid (pid) != getpgrp ())
    kill (pid, signo);

  if (is_stop_signal (signo))
    stop_as_by (signo);
}

/* Waits for @pid, passing signals on; returns its wait status. */
static int
wait_for_command (GPid pid)
{
  for (;;)
    {
      unsigned char messages[64];
      int status;
      gssize n;
      pid_t done = waitpid (pid, &status, WNOHANG);

      if (done == pid)
        return status;
      if (done < 0 && errno != EINTR)
        {
          /* Cannot happen for our own child; do not spin. */
          g_printerr ("gtempfile: waitpid: %s\n", g_strerror (errno));
          return W_EXITCODE (EXIT_FAILURE, 0);
        }

      n = read (signal_pipe[0], messages, sizeof messages);
      for (gssize i = 0; i + 1 < n; i += 2)
        pass_on (pid, messages[i], messages[i + 1]);
    }
}

/* Starts @command; returns FALSE with @error if it could not. */
static gboolean
spawn_command (char       **command,
               const char  *cwd,
               char       **envp,
               GPid        *pid,
               GError     **error)
{
  sigset_t all, previous, pending;
  unsigned char early[512];
  gssize n_early = 0;
  gboolean spawned;

  /* A signal before or during the spawn waits for COMMAND to exist, then is
   * passed on; the child unblocks them only once its dispositions are back.
   * One that a terminal sent to the whole group before then never reached
   * COMMAND: it is passed on as if a process had sent it. */
  sigfillset (&all);
  sigprocmask (SIG_BLOCK, &all, &previous);
  if (g_unix_set_fd_nonblocking (signal_pipe[0], TRUE, NULL))
    {
      n_early = read (signal_pipe[0], early, sizeof early);
      n_early = MAX (n_early, 0);
      g_unix_set_fd_nonblocking (signal_pipe[0], FALSE, NULL);
    }

  /* COMMAND gets the descriptors the caller gave gtempfile, as with env or
   * timeout (a make jobserver's, "3>file"); gtempfile's own are close-on-exec. */
  spawned = g_spawn_async (cwd, command, envp,
                           G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
                           G_SPAWN_CHILD_INHERITS_STDIN | G_SPAWN_LEAVE_DESCRIPTORS_OPEN,
                           child_setup, NULL, pid, error);
  if (spawned)
    {
      sigpending (&pending);
      for (guint i = 0; i < n_managed; i++)
        if (managed[i].signo < (int) G_N_ELEMENTS (unsent) &&
            sigismember (&pending, managed[i].signo))
          unsent[managed[i].signo] = TRUE;
      for (gssize i = 0; i + 1 < n_early; i += 2)
        if (early[i + 1] == FROM_TERMINAL)
          early[i + 1] = FROM_PROCESS;
    }
  /* Back in the pipe, before anything new: the loop reads them first. */
  if (n_early > 0 && write (signal_pipe[1], early, n_early) < 0)
    { /* the pipe holds far more than this */ }
  sigprocmask (SIG_SETMASK, &previous, NULL);
  return spawned;
}

/* Ends gtempfile by @signo, as COMMAND ended, so that the caller sees the
 * same wait status (a shell stops its script after a ^C). Returns 128+N if
 * that did not end it. */
static int
die_of (int signo)
{
  struct rlimit no_core = { 0, 0 };
  struct sigaction default_action;
  sigset_t set;

  /* COMMAND dumped core if it was going to; gtempfile has nothing to add. */
  getrlimit (RLIMIT_CORE, &no_core);
  no_core.rlim_cur = 0;
  setrlimit (RLIMIT_CORE, &no_core);

  memset (&default_action, 0, sizeof default_action);
  default_action.sa_handler = SIG_DFL;
  sigemptyset (&default_action.sa_mask);
  sigaction (signo, &default_action, NULL);
  sigemptyset (&set);
  sigaddset (&set, signo);
  sigprocmask (SIG_UNBLOCK, &set, NULL);
  raise (signo);
  return 128 + signo;
}

/* Runs @command to its end, passing signals on; returns its exit status
 * (127, 126 when it could not be started), and in @signo the signal that
 * killed it. */
static int
run_command (char       **command,
             const char  *cwd,
             char       **envp,
             int         *signo)
{
  g_autoptr(GError) error = NULL;
  GPid pid;
  int wait_status;

  *signo = 0;
  if (!spawn_command (command, cwd, envp, &pid, &error))
    {
      restore_entry_dispositions (FALSE);
      print_error (error->message);
      return g_error_matches (error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT) ? 127 : 126;
    }

  wait_status = wait_for_command (pid);
  g_spawn_close_pid (pid);
  /* From now on a stop signal stops gtempfile by itself; the terminating
   * ones stay caught until the directory is gone. */
  restore_entry_dispositions (FALSE);

  if (WIFEXITED (wait_status))
    return WEXITSTATUS (wait_status);
  if (WIFSIGNALED (wait_status))
    {
      *signo = WTERMSIG (wait_status);
      return 128 + *signo;
    }
  return EXIT_FAILURE;
}

#else /* G_OS_WIN32 */

/* Runs @command to its end; returns its exit status (127, 126 when it could
 * not be started). No signals: @signo is 0. */
static int
run_command (char       **command,
             const char  *cwd,
             char       **envp,
             int         *signo)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;

  *signo = 0;

  /* The console sends Ctrl+C to COMMAND as well: gtempfile waits for it to
   * end and removes the directory. */
  signal (SIGINT, SIG_IGN);
# ifdef SIGBREAK
  signal (SIGBREAK, SIG_IGN);
# endif

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_INHERIT);
  g_subprocess_launcher_set_environ (launcher, envp);
  if (cwd != NULL)
    g_subprocess_launcher_set_cwd (launcher, cwd);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) command, &error);
  if (process == NULL)
    {
      print_error (error->message);
      return g_error_matches (error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT) ? 127 : 126;
    }
  if (!g_subprocess_wait (process, NULL, &error))
    {
      print_error (error->message);
      return EXIT_FAILURE;
    }
  return g_subprocess_get_exit_status (process);
}

#endif

static int
command_run (char **args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTempDir) scratch = NULL;
  g_auto(GStrv) envp = NULL;
  char **command;
  const char *path;
  int status;
  int signo;

  if (!parse_options (args, N_("[--] COMMAND [ARGUMENT…]"),
#ifdef G_OS_UNIX
                      N_("Run COMMAND with TMPDIR and GTEMPFILE_DIR set to a new temporary "
                         "directory, then remove the directory and everything in it, even when "
                         "COMMAND fails or is killed. Signals that would end or stop gtempfile, "
                         "and SIGCONT, are passed on to COMMAND; signals the caller ignores stay "
                         "ignored, and those a terminal sends to the whole job are not sent "
                         "twice. gtempfile ends as COMMAND did: with its exit status, or by the "
                         "same signal (status 128+N)."),
#else
                      N_("Run COMMAND with TMPDIR and GTEMPFILE_DIR set to a new temporary "
                         "directory, then remove the directory and everything in it, even when "
                         "COMMAND fails. The exit status is COMMAND's."),
#endif
                      name_entries, run_entries, TRUE))
    return EXIT_USAGE;

  command = args + 1;
  if (command[0] != NULL && strcmp (command[0], "--") == 0)
    command++;
  if (command[0] == NULL)
    return usage_error (_("No command given"), "run");

#ifdef G_OS_UNIX
  /* Before anything exists: a signal from now on is seen. */
  if (!install_handlers (&error))
    {
      print_error (error->message);
      return EXIT_FAILURE;
    }
#endif

  /* The guardian removes the directory even if gtempfile itself is killed
   * with SIGKILL. Where there is none (Windows), or it cannot start, the
   * directory is still removed in every other case. */
  if (!opt_keep && !g_tempfile_install_guardian (&error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED))
        {
          g_autofree char *message = g_strdup_printf (_("Warning: %s"), error->message);

          print_error (message);
        }
      g_clear_error (&error);
    }

  scratch = g_temp_dir_new_full (opt_dir, opt_prefix, opt_suffix,
                                 opt_keep ? G_TEMP_DIR_FLAGS_KEEP : G_TEMP_DIR_FLAGS_NONE,
                                 NULL, &error);
  if (scratch == NULL)
    {
#ifdef G_OS_UNIX
      restore_entry_dispositions (FALSE);
#endif
      print_error (error->message);
      return EXIT_FAILURE;
    }
  path = g_temp_dir_get_path (scratch);

  envp = g_get_environ ();
  envp = g_environ_setenv (envp, "TMPDIR", path, TRUE);
  envp = g_environ_setenv (envp, "GTEMPFILE_DIR", path, TRUE);

  status = run_command (command, opt_cd ? path : NULL, envp, &signo);

  if (opt_keep)
    {
      g_autofree char *display = g_filename_display_name (path);

      g_printerr (_("gtempfile: kept “%s”\n"), display);
    }
  else if (!g_temp_dir_cleanup (scratch, NULL, &error))
    {
      print_error (error->message);
      if (status == EXIT_SUCCESS)
        status = EXIT_FAILURE;
    }

#ifdef G_OS_UNIX
  if (signo != 0)
    {
      g_clear_object (&scratch);
      status = die_of (signo);
    }
#endif
  return status;
}

/* main -------------------------------------------------------------------- */

static int command_help (char **args);

static const Command commands[] = {
  { "file", command_file, N_("Create a temporary file and print its path") },
  { "dir", command_dir, N_("Create a temporary directory and print its path") },
  { "run", command_run, N_("Run a command in a scratch directory that is removed afterwards") },
  { "tempdir", command_tempdir, N_("Print the default directory for temporary files, and why") },
  { "help", command_help, N_("Show this help, or a command’s help") },
};

static void
print_usage (FILE *to)
{
  fprintf (to, "%s\n  gtempfile %s\n\n%s\n", _("Usage:"), _("COMMAND [OPTION…]"),
           _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (to, "  %-9s %s\n", commands[i].name, _(commands[i].summary));
  fprintf (to, "\n%s\n", _("Use “gtempfile COMMAND --help” for the options of a command, "
                           "and “gtempfile --version” for the version."));
}

static gboolean
is_help_option (const char *arg)
{
  return strcmp (arg, "--help") == 0 || strcmp (arg, "-h") == 0;
}

static int
unknown_option (const char *arg)
{
  g_autofree char *display = g_filename_display_name (arg);
  g_autofree char *message = g_strdup_printf (_("Unknown option “%s”"), display);

  return usage_error (message, NULL);
}

static int
unexpected_argument (const char *arg,
                     const char *command)
{
  g_autofree char *display = g_filename_display_name (arg);
  g_autofree char *message = g_strdup_printf (_("Unexpected argument “%s”"), display);

  return usage_error (message, command);
}

/* The command named @name, or NULL after a usage error about it. */
static const Command *
find_command (const char *name)
{
  g_autofree char *display = NULL;
  g_autofree char *message = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (commands[i].name, name) == 0)
      return &commands[i];

  if (name[0] == '-')
    {
      unknown_option (name);
      return NULL;
    }
  display = g_filename_display_name (name);
  message = g_strdup_printf (_("Unknown command “%s”"), display);
  usage_error (message, NULL);
  return NULL;
}

static int
command_help (char **args)
{
  const Command *command;
  char *help_args[] = { NULL, (char *) "--help", NULL };
  g_auto(GStrv) owned = NULL;

  if (args[1] == NULL || is_help_option (args[1]))
    {
      if (args[1] != NULL && args[2] != NULL)
        return unexpected_argument (args[2], "help");
      print_usage (stdout);
      return EXIT_SUCCESS;
    }
  if (args[2] != NULL)
    return unexpected_argument (args[2], "help");

  command = find_command (args[1]);
  if (command == NULL)
    return EXIT_USAGE;
  if (command->run == command_help)
    {
      print_usage (stdout);
      return EXIT_SUCCESS;
    }
  help_args[0] = (char *) command->name;
  owned = g_strdupv (help_args);
  return command->run (owned);
}

static void
setup_gettext (void)
{
  setlocale (LC_ALL, "");
#ifdef ENABLE_NLS
# ifdef G_OS_WIN32
  {
    /* Relative to where the program is installed. */
    g_autofree char *base = g_win32_get_package_installation_directory_of_module (NULL);
    g_autofree char *localedir = g_build_filename (base, "share", "locale", NULL);

    bindtextdomain (GETTEXT_PACKAGE, localedir);
  }
# else
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
# endif
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
#endif
}

int
main (int   argc,
      char *argv[])
{
  g_auto(GStrv) args = NULL;
  const Command *command;

#ifdef G_OS_UNIX
  /* Started with a standard descriptor closed, the next open would take
   * its number, and messages meant for stderr would go there. It is held
   * open the wrong way round, so that using it still fails with EBADF, as
   * it would closed (a path written nowhere is an error, as for mktemp). */
  for (int fd = 0; fd <= 2; fd++)
    if (fcntl (fd, F_GETFD) < 0 && errno == EBADF &&
        open ("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY) != fd)
      return EXIT_FAILURE;
#endif

  setup_gettext ();
  atexit (check_stdout_at_exit);

#ifdef G_OS_WIN32
  /* UTF-8, as GLib wants file names there. */
  args = g_win32_get_command_line ();
#else
  args = g_strdupv (argv);
#endif

  if (args[0] == NULL || args[1] == NULL)
    {
      print_usage (stderr);
      return EXIT_USAGE;
    }
  if (is_help_option (args[1]) || strcmp (args[1], "--version") == 0)
    {
      if (args[2] != NULL)
        return unexpected_argument (args[2], NULL);
      if (is_help_option (args[1]))
        print_usage (stdout);
      else
        printf ("gtempfile (libgtempfile) %s\n", PACKAGE_VERSION);
      /* Checked again at exit, without harm. */
      return flush_stdout () ? EXIT_SUCCESS : EXIT_FAILURE;
    }

  command = find_command (args[1]);
  if (command == NULL)
    return EXIT_USAGE;

  /* The command sees its name as args[0]. */
  return command->run (args + 1);
}
