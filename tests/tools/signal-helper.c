/* signal-helper.c: starts a program with known signal dispositions, for
 * test-gtempfile-tool.sh
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   signal-helper [--ignore SIG]... [--block SIG]... [--new-group] [--report]
 *                 -- PROGRAM [ARG...]
 *       Runs PROGRAM with every signal at its default action except those
 *       given to --ignore, none blocked except those given to --block, and
 *       no core dumps. A background job of a non-interactive shell starts
 *       with SIGINT and SIGQUIT ignored, so a test that sends them needs
 *       this. --new-group: in a process group of its own (one that is not
 *       orphaned, so stop signals stop it). --report: run PROGRAM as a
 *       child and print how it ended, "exit N" or "signal NAME".
 *   signal-helper --is-ignored SIG     exit 0 if SIG is ignored here, else 1
 *   signal-helper --is-blocked SIG     exit 0 if SIG is blocked here, else 1
 *   signal-helper --number SIG         print the number of SIG
 *
 * SIG is a name without "SIG" (INT, USR1, RTMIN) or a number. Plain POSIX,
 * no GLib: what it checks must not depend on what it links.
 */

#ifndef _GNU_SOURCE
# define _GNU_SOURCE
#endif

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct
{
  const char *name;
  int         number;
} names[] = {
  { "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "ILL", SIGILL },
  { "TRAP", SIGTRAP }, { "ABRT", SIGABRT }, { "BUS", SIGBUS }, { "FPE", SIGFPE },
  { "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV }, { "USR2", SIGUSR2 },
  { "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM }, { "CHLD", SIGCHLD },
  { "CONT", SIGCONT }, { "STOP", SIGSTOP }, { "TSTP", SIGTSTP }, { "TTIN", SIGTTIN },
  { "TTOU", SIGTTOU }, { "URG", SIGURG }, { "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ },
  { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "SYS", SIGSYS },
#ifdef SIGWINCH
  { "WINCH", SIGWINCH },
#endif
#ifdef SIGPOLL
  { "POLL", SIGPOLL },
#endif
#ifdef SIGPWR
  { "PWR", SIGPWR },
#endif
};

static int
signal_number (const char *name)
{
  char *end;
  long number;

  if (strncmp (name, "SIG", 3) == 0)
    name += 3;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcmp (names[i].name, name) == 0)
      return names[i].number;
#ifdef SIGRTMIN
  if (strcmp (name, "RTMIN") == 0)
    return SIGRTMIN;
  if (strcmp (name, "RTMAX") == 0)
    return SIGRTMAX;
#endif
  number = strtol (name, &end, 10);
  if (*name != '\0' && *end == '\0' && number > 0 && number < 256)
    return (int) number;
  fprintf (stderr, "signal-helper: unknown signal %s\n", name);
  exit (2);
}

static void
print_signal_name (int number)
{
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (names[i].number == number)
      {
        printf ("signal %s\n", names[i].name);
        return;
      }
  printf ("signal %d\n", number);
}

static void
usage (void)
{
  fprintf (stderr, "usage: signal-helper [--ignore SIG]... [--block SIG]... [--new-group] "
                   "[--report] -- PROGRAM [ARG...]\n"
                   "       signal-helper --is-ignored SIG | --is-blocked SIG | --number SIG\n");
  exit (2);
}

int
main (int   argc,
      char *argv[])
{
  struct sigaction action;
  struct rlimit no_core = { 0, 0 };
  sigset_t ignored, blocked;
  int new_group = 0, report = 0;
  int i;

  if (argc == 3 && strcmp (argv[1], "--is-ignored") == 0)
    {
      sigaction (signal_number (argv[2]), NULL, &action);
      return action.sa_handler == SIG_IGN ? 0 : 1;
    }
  if (argc == 3 && strcmp (argv[1], "--is-blocked") == 0)
    {
      sigprocmask (SIG_SETMASK, NULL, &blocked);
      return sigismember (&blocked, signal_number (argv[2])) == 1 ? 0 : 1;
    }
  if (argc == 3 && strcmp (argv[1], "--number") == 0)
    {
      printf ("%d\n", signal_number (argv[2]));
      return 0;
    }

  sigemptyset (&ignored);
  sigemptyset (&blocked);
  for (i = 1; i < argc && strcmp (argv[i], "--") != 0; i++)
    {
      if (strcmp (argv[i], "--ignore") == 0 && i + 1 < argc)
        sigaddset (&ignored, signal_number (argv[++i]));
      else if (strcmp (argv[i], "--block") == 0 && i + 1 < argc)
        sigaddset (&blocked, signal_number (argv[++i]));
      else if (strcmp (argv[i], "--new-group") == 0)
        new_group = 1;
      else if (strcmp (argv[i], "--report") == 0)
        report = 1;
      else
        usage ();
    }
  if (i + 1 >= argc)
    usage ();

  /* Killed by SIGQUIT, SIGSEGV...: no core files in the build tree. */
  setrlimit (RLIMIT_CORE, &no_core);

  memset (&action, 0, sizeof action);
  sigemptyset (&action.sa_mask);
  for (int signo = 1; signo < 128; signo++)
    {
      if (signo == SIGKILL || signo == SIGSTOP)
        continue;
      action.sa_handler = sigismember (&ignored, signo) == 1 ? SIG_IGN : SIG_DFL;
      sigaction (signo, &action, NULL);   /* fails for numbers that are not signals */
    }
  if (new_group && setpgid (0, 0) != 0)
    {
      perror ("signal-helper: setpgid");
      return 2;
    }

  if (report)
    {
      pid_t pid = fork ();
      int status;

      if (pid < 0)
        {
          perror ("signal-helper: fork");
          return 2;
        }
      if (pid > 0)
        {
          while (waitpid (pid, &status, 0) < 0)
            if (errno != EINTR)
              {
                perror ("signal-helper: waitpid");
                return 2;
              }
          if (WIFSIGNALED (status))
            print_signal_name (WTERMSIG (status));
          else
            printf ("exit %d\n", WEXITSTATUS (status));
          return 0;
        }
    }

  sigprocmask (SIG_SETMASK, &blocked, NULL);
  execvp (argv[i + 1], argv + i + 1);
  fprintf (stderr, "signal-helper: %s: %s\n", argv[i + 1], strerror (errno));
  return 127;
}
