#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The gtempfile command from a shell: output, exit status, and that `run`
# removes its directory however COMMAND ends. Prints TAP.
#
#   test-gtempfile-tool.sh GTEMPFILE EXAMPLE [MANPAGE [SIGNAL-HELPER]]
#
# EXAMPLE is examples/unpack-and-list, MANPAGE doc/gtempfile.1,
# SIGNAL-HELPER tests/tools/signal-helper (without it the signal tests are
# skipped).
#
# meson sets TMPDIR to a folder of the build tree and LC_ALL=C.UTF-8.

set -u

tool=$1
example=$2
manpage=${3:-}
helper=${4:-}
case $tool in
  /*) ;;
  *) tool=$(pwd)/$tool ;;
esac
case $helper in
  /*|'') ;;
  *) helper=$(pwd)/$helper ;;
esac
# No core files from the commands that the tests kill with SIGQUIT & co.
ulimit -c 0 2>/dev/null
# meson gives the test a TMPDIR of its own; installed, it makes one.
if [ -z "${TMPDIR:-}" ]; then
  TMPDIR=$(mktemp -d /tmp/gtempfile-tool-test.XXXXXX)
  export TMPDIR
  trap 'rm -rf "$TMPDIR"' EXIT
fi
root=$TMPDIR
rm -rf "$root"
mkdir -p "$root" || exit 1
n=0
failed=0

ok () {
  n=$((n + 1))
  echo "ok $n - $1"
}

not_ok () {
  n=$((n + 1))
  failed=$((failed + 1))
  echo "not ok $n - $1"
  shift
  for line in "$@"; do
    printf '%s\n' "$line" | sed 's/^/# /'
  done
}

skip () {
  n=$((n + 1))
  echo "ok $n - $1 # SKIP $2"
}

# check NAME CONDITION-COMMAND...: one TAP line.
check () {
  name=$1
  shift
  if "$@"; then
    ok "$name"
  else
    not_ok "$name" "failed: $*" "stdout: $(cat "$work/out" 2>/dev/null)" \
           "stderr: $(cat "$work/err" 2>/dev/null)"
  fi
}

# run_tool ARG...: runs gtempfile, keeping stdout, stderr and the status.
run_tool () {
  "$tool" "$@" >"$work/out" 2>"$work/err"
  status=$?
}

fresh () {
  work=$(mktemp -d "$root/case.XXXXXX")
  mkdir "$work/in"
}

entries () {
  ls -A "$1" | wc -l
}

mode_of () {
  stat -c %a "$1"
}

# --- help, version, usage errors ------------------------------------------

fresh
run_tool --version
check "--version prints the version" \
  test "$status" -eq 0 -a "$(cat "$work/out")" = "gtempfile (libgtempfile) @VERSION@"

run_tool --help
check "--help lists the commands" \
  sh -c "test $status -eq 0 && grep -q '^  run ' '$work/out' && grep -q '^  tempdir ' '$work/out'"

for command in file dir run tempdir; do
  run_tool "$command" --help
  check "$command --help" \
    sh -c "test $status -eq 0 && grep -q 'gtempfile $command' '$work/out'"
done

run_tool
check "no command: usage, status 2" sh -c "test $status -eq 2 && grep -q Usage '$work/err'"

run_tool frobnicate
check "unknown command: status 2, named, with a hint" \
  sh -c "test $status -eq 2 && grep -q 'Unknown command “frobnicate”' '$work/err' &&
         grep -q 'Try “gtempfile --help”' '$work/err' && test ! -s '$work/out'"

for option in --bogus -x --; do
  run_tool "$option"
  check "unknown option $option: an error on stderr, status 2, with a hint" \
    sh -c "test $status -eq 2 && grep -q 'Unknown option “$option”' '$work/err' &&
           grep -q 'Try “gtempfile --help”' '$work/err' && test ! -s '$work/out'"
done

run_tool --version extra
check "--version with an argument: status 2, named" \
  sh -c "test $status -eq 2 && grep -q 'Unexpected argument “extra”' '$work/err' && test ! -s '$work/out'"

run_tool help
check "help: the commands on stdout, status 0" \
  sh -c "test $status -eq 0 && grep -q '^  run ' '$work/out' && test ! -s '$work/err'"

run_tool help file
check "help file: the help of file, status 0" \
  sh -c "test $status -eq 0 && grep -q 'gtempfile file' '$work/out' && grep -q -- '--suffix' '$work/out'"

run_tool help bogus
check "help with an unknown topic: an error on stderr, status 2, with a hint" \
  sh -c "test $status -eq 2 && grep -q 'Unknown command “bogus”' '$work/err' &&
         grep -q 'Try “gtempfile --help”' '$work/err' && test ! -s '$work/out'"

run_tool help --bogus
check "help with an unknown option: an error on stderr, status 2" \
  sh -c "test $status -eq 2 && grep -q 'Unknown option “--bogus”' '$work/err' && test ! -s '$work/out'"

run_tool help file extra
check "help with two topics: status 2, the second named" \
  sh -c "test $status -eq 2 && grep -q 'Unexpected argument “extra”' '$work/err' && test ! -s '$work/out'"

run_tool file --bogus
check "unknown option: status 2" \
  sh -c "test $status -eq 2 && grep -q 'bogus' '$work/err' && grep -q 'file --help' '$work/err'"

run_tool dir extra
check "extra argument: status 2" sh -c "test $status -eq 2 && grep -q 'extra' '$work/err'"

run_tool run -d "$work/in"
check "run without a command: status 2, nothing created" \
  sh -c "test $status -eq 2 && grep -q 'No command' '$work/err' && test $(entries "$work/in") -eq 0"

run_tool file -d
check "option without its value: status 2" test "$status" -eq 2

# --- file, dir -------------------------------------------------------------

fresh
run_tool file -d "$work/in" -p pre- -s .txt
path=$(cat "$work/out")
check "file: status 0, one path printed" test "$status" -eq 0 -a "$(wc -l <"$work/out")" -eq 1
check "file: a regular file, kept, mode 600" \
  sh -c "test -f '$path' && test $(mode_of "$path" 2>/dev/null || echo 0) = 600"
check "file: in DIR, with prefix, 8 random characters and suffix" \
  sh -c "case '$path' in '$work/in/pre-'????????'.txt') exit 0;; esac; exit 1"

run_tool dir -d "$work/in" --prefix d-
path=$(cat "$work/out")
check "dir: a directory, kept, mode 700" \
  sh -c "test $status -eq 0 && test -d '$path' && test $(mode_of "$path" 2>/dev/null || echo 0) = 700"

(cd "$work/in" && "$tool" file -d . >"$work/out" 2>"$work/err")
check "file: a relative DIR gives an absolute path" \
  sh -c "case \$(cat '$work/out') in /*) exit 0;; esac; exit 1"

fresh
run_tool file -d "$work/in" -p a/b
check "file: a prefix with / is refused (status 1), nothing created" \
  sh -c "test $status -eq 1 && grep -q 'a/b' '$work/err' && test $(entries "$work/in") -eq 0"

run_tool dir -d "$work/missing"
check "dir: a missing DIR is an error naming it (status 1)" \
  sh -c "test $status -eq 1 && grep -q 'missing' '$work/err' && test ! -s '$work/out'"

TMPDIR=$work/in "$tool" file >"$work/out" 2>"$work/err"
check "file: TMPDIR is the default directory" \
  sh -c "case \$(cat '$work/out') in '$work/in/tmp'*) exit 0;; esac; exit 1"

# --- standard output that cannot be written ---------------------------------

# As mktemp: a path nobody received is an error, and what was created is
# removed.
if [ -c /dev/full ]; then
  for command in file dir; do
    fresh
    "$tool" "$command" -d "$work/in" >/dev/full 2>"$work/err"
    status=$?
    check "$command >/dev/full: status 1, a message, nothing left" \
      sh -c "test $status -eq 1 && grep -q 'Error writing to standard output: No space left' '$work/err' &&
             test $(entries "$work/in") -eq 0"
  done

  for args in --version --help help tempdir "help run" "file --help" "run --help"; do
    # shellcheck disable=SC2086 # split on purpose
    "$tool" $args >/dev/full 2>"$work/err"
    status=$?
    check "$args >/dev/full: status 1, a message" \
      sh -c "test $status -eq 1 && grep -q 'Error writing to standard output' '$work/err'"
  done

  fresh
  "$tool" run -d "$work/in" -- true >/dev/full 2>"$work/err"
  status=$?
  check "run >/dev/full: gtempfile writes nothing there, status 0" \
    sh -c "test $status -eq 0 && test ! -s '$work/err' && test $(entries "$work/in") -eq 0"
else
  skip "writing to /dev/full" "no /dev/full"
fi

# The reader is gone before gtempfile writes: EPIPE, not a silent death.
for command in file dir; do
  fresh
  {
    tries=0
    while [ ! -f "$work/gone" ] && [ $tries -lt 300 ]; do
      sleep 0.1
      tries=$((tries + 1))
    done
    "$tool" "$command" -d "$work/in" 2>"$work/err"
    echo $? >"$work/status"
  } | { exec <&-; : >"$work/gone"; }
  check "$command into a pipe nobody reads: status 1, a message, nothing left" \
    sh -c "test \"\$(cat '$work/status')\" = 1 && grep -q 'Error writing to standard output: Broken pipe' '$work/err' &&
           test $(entries "$work/in") -eq 0"
done

fresh
"$tool" file -d "$work/in" >&- 2>"$work/err"
status=$?
check "file with standard output closed: status 1, nothing left" \
  sh -c "test $status -eq 1 && grep -q 'Error writing to standard output' '$work/err' &&
         test $(entries "$work/in") -eq 0"

# --- tempdir ---------------------------------------------------------------

fresh
TMPDIR=$work/in "$tool" tempdir >"$work/out" 2>"$work/err"
status=$?
check "tempdir: TMPDIR first, and says it was chosen" \
  sh -c "test $status -eq 0 && test \"\$(head -n 1 '$work/out')\" = '$work/in' &&
         grep -q '^  \\\$TMPDIR: “$work/in” is usable: chosen' '$work/out'"
check "tempdir: probing leaves nothing in the directory" test "$(entries "$work/in")" -eq 0

TMPDIR=$work/missing TEMP='' "$tool" tempdir >"$work/out" 2>"$work/err"
status=$?
check "tempdir: an unusable TMPDIR is passed over, with the reason" \
  sh -c "test $status -eq 0 && test \"\$(head -n 1 '$work/out')\" != '$work/missing' &&
         grep -q '^  \\\$TMPDIR: not usable: .*“$work/missing”.*No such file or directory' '$work/out' &&
         grep -q '^  \\\$TEMP: not set or empty' '$work/out' && grep -q ': chosen' '$work/out'"

(cd "$work" && unset TMPDIR TEMP && TMP=in "$tool" tempdir >"$work/out" 2>"$work/err")
status=$?
printf '%s\n' "$work/in" '  $TMPDIR: not set or empty' '  $TEMP: not set or empty' \
  "  \$TMP: “$work/in” is usable: chosen" >"$work/expected"
check "tempdir: variables in order, a relative one made absolute and labelled" \
  sh -c "test $status -eq 0 && cmp -s '$work/expected' '$work/out'"

fresh
printf 'not a directory' >"$work/file"
(unset TEMP TMP && TMPDIR=$work/file "$tool" tempdir >"$work/out" 2>"$work/err")
status=$?
check "tempdir: a candidate that is a file is passed over, the later ones labelled" \
  sh -c "test $status -eq 0 && sed -n 2p '$work/out' | grep -q '^  \\\$TMPDIR: not usable: .*Not a directory' &&
         sed -n 3p '$work/out' | grep -q '^  \\\$TEMP: not set or empty' &&
         sed -n 4p '$work/out' | grep -q '^  \\\$TMP: not set or empty' &&
         test $(entries "$work") -eq 4"

# The tool links the shared library, so that a fix of the library reaches it.
if command -v ldd >/dev/null 2>&1; then
  check "gtempfile links libgtempfile-1.so" sh -c "ldd '$tool' | grep -q 'libgtempfile-1\\.so'"
else
  skip "gtempfile links libgtempfile-1.so" "no ldd"
fi

# --- run -------------------------------------------------------------------

fresh
run_tool run -d "$work/in" -p job- -- sh -c '
  test -d "$TMPDIR" && test "$TMPDIR" = "$GTEMPFILE_DIR" || exit 9
  echo "$TMPDIR" > "$0/seen"
  mkdir -p "$TMPDIR/a/b" && echo data > "$TMPDIR/a/b/file"
  ln -s "$0" "$TMPDIR/link-out"
  pwd > "$0/cwd"' "$work"
seen=$(cat "$work/seen" 2>/dev/null)
check "run: status 0, TMPDIR = GTEMPFILE_DIR = a new directory in DIR" \
  sh -c "test $status -eq 0 && case '$seen' in '$work/in/job-'*) exit 0;; esac; exit 1"
check "run: the directory is gone afterwards, the link's target is not" \
  sh -c "test -n '$seen' && test ! -e '$seen' && test -f '$work/seen' && test $(entries "$work/in") -eq 0"
check "run: the working directory is unchanged without --cd" \
  test "$(cat "$work/cwd" 2>/dev/null)" = "$(pwd)"

fresh
run_tool run -d "$work/in" --cd -- sh -c 'pwd -P > "$0/cwd"; echo "$TMPDIR" > "$0/seen"' "$work"
check "run --cd: COMMAND runs in the directory" \
  sh -c "test $status -eq 0 && test \"\$(cat '$work/cwd')\" = \"\$(cd '$work/in' && pwd -P)/\$(basename \"\$(cat '$work/seen')\")\""

fresh
run_tool run -d "$work/in" -- sh -c 'touch "$TMPDIR/x"; echo "$TMPDIR" > "$0/seen"; exit 3' "$work"
check "run: COMMAND's status 3 is gtempfile's, and the directory is gone" \
  sh -c "test $status -eq 3 && test ! -e \"\$(cat '$work/seen')\" && test $(entries "$work/in") -eq 0"

fresh
run_tool run -d "$work/in" -- sh -c 'touch "$TMPDIR/x"; echo "$TMPDIR" > "$0/seen"; kill -KILL $$' "$work"
check "run: COMMAND killed by SIGKILL gives 137, and the directory is gone" \
  sh -c "test $status -eq 137 && test ! -e \"\$(cat '$work/seen')\" && test $(entries "$work/in") -eq 0"

fresh
run_tool run -d "$work/in" -- "$work/no-such-command"
check "run: a command that does not exist gives 127, and the directory is gone" \
  sh -c "test $status -eq 127 && grep -q 'no-such-command' '$work/err' && test $(entries "$work/in") -eq 0"

fresh
printf 'not a program' > "$work/not-executable"
chmod 644 "$work/not-executable"
run_tool run -d "$work/in" -- "$work/not-executable"
check "run: a command that cannot be run gives 126" \
  sh -c "test $status -eq 126 && test $(entries "$work/in") -eq 0"

fresh
echo input | "$tool" run -d "$work/in" -- sh -c 'cat > "$0/stdin"' "$work" >"$work/out" 2>"$work/err"
check "run: COMMAND reads gtempfile's standard input" test "$(cat "$work/stdin")" = input

# --- run and signals --------------------------------------------------------

# wait_for CONDITION [TENTHS]: polls CONDITION (a shell command) every 0.1 s,
# 30 s at most; its status is the condition's.
wait_for () {
  tries=0
  until eval "$1" || [ "$tries" -ge "${2:-300}" ]; do
    sleep 0.1
    tries=$((tries + 1))
  done
  eval "$1"
}

# state_of PID: R, S, T... from /proc (empty once the process is gone).
state_of () {
  sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d ' ' -f 1
}

# start_sleeper HELPER-OPTION...: starts gtempfile run in the background
# through the helper (every signal at its default unless told), with a
# COMMAND that fills the directory and sleeps. Sets pid (gtempfile's) and
# child (COMMAND's).
start_sleeper () {
  fresh
  "$helper" "$@" -- "$tool" run -d "$work/in" -- sh -c '
    touch "$TMPDIR/file"; mkdir "$TMPDIR/sub"
    echo $$ > "$0/child"
    echo "$TMPDIR" > "$0/seen.tmp" && mv "$0/seen.tmp" "$0/seen"
    exec sleep 60' "$work" >"$work/out" 2>"$work/err" &
  pid=$!
  wait_for "test -f '$work/seen'"
  child=$(cat "$work/child" 2>/dev/null)
}

# ended_with STATUS: gtempfile's status is STATUS, COMMAND is gone, and so
# is the directory.
ended_with () {
  test "$status" -eq "$1" && test -f "$work/seen" && test ! -e "$(cat "$work/seen")" &&
    test "$(entries "$work/in")" -eq 0 && ! kill -0 "$child" 2>/dev/null
}

if [ -n "$helper" ]; then
  # Every signal whose default action ends a process, sent to gtempfile run
  # while COMMAND sleeps: it is passed on, COMMAND dies of it, the directory
  # is removed, and gtempfile ends the same way.
  for signal in HUP INT QUIT USR1 USR2 PIPE ALRM TERM XCPU XFSZ VTALRM PROF SEGV ABRT SYS RTMIN; do
    start_sleeper
    kill -s "$signal" "$pid"
    wait "$pid"
    status=$?
    expected=$((128 + $("$helper" --number "$signal")))
    check "run: SIG$signal to gtempfile reaches COMMAND: status $expected, COMMAND and directory gone" \
      ended_with "$expected"
    kill -KILL "$child" 2>/dev/null
  done

  # Ignored by the caller: ignored by gtempfile, and by COMMAND.
  start_sleeper --ignore USR1 --ignore INT --ignore QUIT
  kill -s USR1 "$pid"
  kill -s INT "$pid"
  kill -s QUIT "$pid"
  sleep 0.5
  alive=no
  kill -0 "$pid" 2>/dev/null && kill -0 "$child" 2>/dev/null && alive=yes
  kill -s TERM "$pid"
  wait "$pid"
  status=$?
  check "run: signals the caller ignored (USR1, INT, QUIT) stay ignored by gtempfile" \
    sh -c "test $alive = yes && test $status -eq 143"
  check "run: ... and SIGTERM then ends it, COMMAND and directory gone" ended_with 143
  kill -KILL "$child" 2>/dev/null

  fresh
  "$helper" --ignore INT --ignore QUIT -- "$tool" run -d "$work/in" -- sh -c '
    "$0" --is-ignored INT && "$0" --is-ignored QUIT && ! "$0" --is-ignored TERM' "$helper" \
    >"$work/out" 2>"$work/err"
  status=$?
  check "run: signals the caller ignored stay ignored by COMMAND, the others do not" \
    test "$status" -eq 0

  # (Asked of the helper itself: sh unblocks every signal when it starts.)
  fresh
  mask=
  for signal in USR1 TERM CHLD; do
    "$helper" --block USR1 -- "$tool" run -d "$work/in" -- "$helper" --is-blocked "$signal"
    mask="$mask $signal:$?"
  done
  check "run: COMMAND starts with the caller's signal mask (USR1 blocked, not TERM or CHLD)" \
    test "$mask" = " USR1:0 TERM:1 CHLD:1"

  # SIGCHLD blocked by the caller: gtempfile must still see COMMAND end.
  fresh
  "$helper" --block CHLD -- "$tool" run -d "$work/in" -- true >"$work/out" 2>"$work/err" &
  pid=$!
  (sleep 10; kill -s KILL "$pid") >/dev/null 2>&1 &
  watchdog=$!
  wait "$pid"
  status=$?
  kill "$watchdog" 2>/dev/null
  check "run: SIGCHLD blocked by the caller, COMMAND's end is still seen" \
    sh -c "test $status -eq 0 && test $(entries "$work/in") -eq 0"

  # COMMAND dies of a signal: gtempfile dies of the same one (a shell stops
  # its script after ^C only then), after removing the directory.
  for signal in USR1 INT; do
    fresh
    "$helper" --report -- "$tool" run -d "$work/in" -- sh -c "kill -s $signal \$\$" \
      >"$work/out" 2>"$work/err"
    check "run: COMMAND killed by SIG$signal: gtempfile ends by SIG$signal, directory gone" \
      sh -c "test \"\$(cat '$work/out')\" = 'signal $signal' && test $(entries "$work/in") -eq 0"
  done

  fresh
  "$helper" --report -- "$tool" run -d "$work/in" -- sh -c 'exit 7' >"$work/out" 2>"$work/err"
  check "run: COMMAND exits with 7: gtempfile exits with 7" test "$(cat "$work/out")" = "exit 7"

  # Job control: SIGTSTP stops COMMAND and gtempfile, SIGCONT continues
  # both. In a process group of its own, which is not orphaned: the kernel
  # discards stop signals in an orphaned one.
  if [ -r /proc/self/stat ]; then
    start_sleeper --new-group
    kill -s TSTP "$pid"
    wait_for "test \"\$(state_of $child)\" = T && test \"\$(state_of $pid)\" = T" 50
    stopped=$(state_of "$child")$(state_of "$pid")
    kill -s CONT "$pid"
    wait_for "test \"\$(state_of $child)\" = S && test \"\$(state_of $pid)\" = S" 50
    continued=$(state_of "$child")$(state_of "$pid")
    kill -s TERM "$pid"
    wait "$pid"
    status=$?
    check "run: SIGTSTP stops COMMAND and gtempfile, SIGCONT continues both ($stopped, $continued)" \
      sh -c "test '$stopped' = TT && test '$continued' = SS"
    check "run: ... and SIGTERM then ends both, directory gone" ended_with 143
    kill -KILL "$child" 2>/dev/null
  else
    skip "run: SIGTSTP and SIGCONT" "no /proc"
  fi
else
  skip "run: signals" "no signal helper given"
fi

fresh
run_tool run -d "$work/in" --keep -- sh -c 'echo kept > "$TMPDIR/file"; exit 4'
kept=$(sed -n 's/^gtempfile: kept “\(.*\)”$/\1/p' "$work/err")
check "run --keep: the directory stays, its path on stderr, COMMAND's status" \
  sh -c "test $status -eq 4 && test -n '$kept' && test \"\$(cat '$kept/file')\" = kept"

fresh
run_tool run -d "$work/in" -p a/b -- true
check "run: a bad prefix is an error (status 1), COMMAND not run" \
  sh -c "test $status -eq 1 && grep -q 'a/b' '$work/err' && test $(entries "$work/in") -eq 0"

# --- run and the guardian -------------------------------------------------

# The guardian keeps none of gtempfile's descriptors: a command substitution
# returns as soon as gtempfile does.
fresh
start=$(date +%s%N)
captured=$("$tool" run -d "$work/in" -- sh -c 'echo hi')
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "run: \$(gtempfile run -- sh -c 'echo hi') returns at once (${elapsed_ms} ms), with hi" \
  test "$captured" = hi -a "$elapsed_ms" -lt 2000 -a "$(entries "$work/in")" -eq 0

# COMMAND gets the descriptors its caller passed, as with env or timeout.
fresh
"$tool" run -d "$work/in" -- sh -c 'echo through >&3' 3>"$work/fd3" 2>"$work/err"
status=$?
check "run: COMMAND writes to the descriptor 3 its caller passed" \
  sh -c "test $status -eq 0 && test \"\$(cat '$work/fd3')\" = through && test $(entries "$work/in") -eq 0"

# Started with stdout and stderr closed: gtempfile's messages never land in
# its own pipes (where they were once read back as signals).
fresh
GTEMPFILE_GUARDIAN_PROGRAM=/nonexistent "$tool" run -d "$work/in" -- sh -c 'exit 5' >&- 2>&-
status=$?
check "run with stdout and stderr closed: COMMAND's status 5" \
  sh -c "test $status -eq 5 && test $(entries "$work/in") -eq 0"

# An empty DIR is the default directory, as with mktemp -p "".
fresh
TMPDIR=$work/in "$tool" file -d '' >"$work/out" 2>"$work/err"
status=$?
check "file -d '': in the default directory" \
  sh -c "test $status -eq 0 && case \$(cat '$work/out') in '$work/in/tmp'*) exit 0;; esac; exit 1"

# A ^C typed before COMMAND exists (here while a guardian that never
# answers is waited for): the terminal signalled gtempfile's group alone,
# so gtempfile passes it on once COMMAND runs.
if [ -x /usr/bin/python3 ]; then
  fresh
  printf '#!/bin/sh\nsleep 1\nexit 1\n' > "$work/slow-guardian"
  chmod +x "$work/slow-guardian"
  result=$(/usr/bin/python3 - "$tool" "$work" <<'PYTHON' 2>"$work/err"
import os, pty, signal, sys, time
tool, work = sys.argv[1], sys.argv[2]
pid, fd = pty.fork()
if pid == 0:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.environ["GTEMPFILE_GUARDIAN_PROGRAM"] = work + "/slow-guardian"
    os.execv(tool, [tool, "run", "-d", work + "/in", "--", "sh", "-c", "sleep 3; echo DONE"])
time.sleep(0.3)
os.write(fd, b"\x03")
out = b""
while True:
    try:
        data = os.read(fd, 1024)
    except OSError:
        break
    if not data:
        break
    out += data
_, status = os.waitpid(pid, 0)
print(os.waitstatus_to_exitcode(status), b"DONE" in out)
PYTHON
)
  check "run: a ^C on the terminal before COMMAND exists ends COMMAND (got: $result)" \
    sh -c "test '$result' = '-2 False' && test $(entries "$work/in") -eq 0"
else
  skip "a ^C before COMMAND exists" "no /usr/bin/python3 to make a terminal with"
fi

# gtempfile killed with SIGKILL: its guardian removes the directory.
fresh
"$tool" run -d "$work/in" -- sh -c 'echo $$ > "$0/command.pid"; exec sleep 60' "$work" \
  >/dev/null 2>&1 &
killed=$!
i=0
while [ ! -s "$work/command.pid" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
created=$(entries "$work/in")
kill -KILL "$killed"
wait "$killed" 2>/dev/null
i=0
while [ "$(entries "$work/in")" -ne 0 ] && [ $i -lt 40 ]; do sleep 0.05; i=$((i + 1)); done
check "run: gtempfile killed with SIGKILL, its guardian removes the directory within 2 s" \
  test "$created" -eq 1 -a "$(entries "$work/in")" -eq 0
kill -KILL "$(cat "$work/command.pid")" 2>/dev/null

# The README's main job: examples/unpack-and-list on a real archive.
fresh
mkdir -p "$work/tree/docs" && echo one > "$work/tree/docs/a.txt" && echo two > "$work/tree/b.txt"
tar -cf "$work/in/archive.tar" -C "$work/tree" .
TMPDIR=$work/in GTEMPFILE=$tool "$example" "$work/in/archive.tar" >"$work/out" 2>"$work/err"
status=$?
check "examples/unpack-and-list: lists the archive, leaves only the archive" \
  sh -c "test $status -eq 0 && grep -q '^./docs/a.txt$' '$work/out' && grep -q '^./b.txt$' '$work/out' &&
         grep -q '2 files' '$work/out' && test \"\$(ls -A '$work/in')\" = archive.tar"

# The manual page documents every command and every option of the help.
if [ -n "$manpage" ]; then
  missing=
  for command in file dir run tempdir help; do
    grep -q "^\.B gtempfile $command" "$manpage" || missing="$missing $command"
    for option in $("$tool" "$command" --help | grep -o -- '--[a-z-]*' | sort -u); do
      # troff writes - as \-
      escaped=$(printf '%s' "$option" | sed 's/-/\\\\-/g')
      grep -q -- "$escaped" "$manpage" || missing="$missing $command:$option"
    done
  done
  check "the manual page covers every command and option${missing:+ (missing:$missing)}" \
    test -z "$missing"
fi

echo "1..$n"
rm -rf "$root"
[ "$failed" -eq 0 ]
