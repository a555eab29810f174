# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# TAP helpers for the clonedev shell selftests: each check prints one
# "ok N - what" or "not ok N - what" line; tap_done prints the plan and
# exits non-zero if any check failed.

TAP_N=0
TAP_FAILED=0
# Seconds since the previous check: a check that took TAP_SLOW seconds or
# more says so in a comment, to show where a suite's time goes.
TAP_T=$SECONDS
TAP_SLOW=${TAP_SLOW:-5}
TAP_OUT=$(mktemp -d)
PY_PID=
trap '[ -z "$PY_PID" ] || kill "$PY_PID" 2>/dev/null; rm -rf "$TAP_OUT"' EXIT

tap_result()
{
	local status=$1 desc=$2

	TAP_N=$((TAP_N + 1))
	if [ "$status" -eq 0 ]; then
		echo "ok $TAP_N - $desc"
	else
		echo "not ok $TAP_N - $desc"
		TAP_FAILED=$((TAP_FAILED + 1))
	fi
	[ $((SECONDS - TAP_T)) -lt "$TAP_SLOW" ] ||
		echo "# slow: check $TAP_N took $((SECONDS - TAP_T)) s"
	TAP_T=$SECONDS
}

tap_diag()
{
	sed 's/^/# /'
}

# run CMD...: runs it with stdout and stderr kept in $TAP_OUT/{out,err}
# and its status in RC.
run()
{
	"$@" >"$TAP_OUT/out" 2>"$TAP_OUT/err"
	RC=$?
}

# tap_check DESC CMD...: a check that CMD succeeds, the end of its output
# shown if not.
tap_check()
{
	local desc=$1

	shift
	run "$@"
	if [ "$RC" -ne 0 ]; then
		echo "exit status $RC" | tap_diag
		out | tail -n 20 | tap_diag
		err | tail -n 20 | tap_diag
	fi
	tap_result "$RC" "$desc"
}

out() { cat "$TAP_OUT/out"; }
err() { cat "$TAP_OUT/err"; }

# out_matches PATTERN: succeeds if a line of the last run's standard output
# matches the extended regular expression PATTERN (what grep -qE answers,
# without a process: a suite makes hundreds of these checks, and every
# process start is slow on the debug kernel).
out_matches()
{
	local line

	while IFS= read -r line || [ -n "$line" ]; do
		[[ $line =~ $1 ]] && return 0
	done <"$TAP_OUT/out"
	return 1
}

# expect DESC RC STDOUT-PATTERN STDERR-EXACT -- CMD...
# STDOUT-PATTERN is a grep -E pattern ("" = anything); STDERR-EXACT is the
# whole expected standard error ("" = must be empty).
expect()
{
	local desc=$1 want_rc=$2 want_out=$3 want_err=$4 ok=0

	shift 5
	run "$@"
	if [ "$RC" -ne "$want_rc" ]; then
		echo "exit status $RC, expected $want_rc" | tap_diag
		ok=1
	fi
	if [ -n "$want_out" ] && ! out_matches "$want_out"; then
		echo "stdout does not match /$want_out/:" | tap_diag
		out | tap_diag
		ok=1
	fi
	if [ "$(<"$TAP_OUT/err")" != "$want_err" ]; then
		echo "stderr differs; expected: $want_err" | tap_diag
		err | tap_diag
		ok=1
	fi
	tap_result $ok "$desc"
}

# One Python interpreter for a whole test: a process start costs a second
# or more under emulation. After py_start, "py CODE ARGS..." is
# "python3 -c CODE ARGS..." (CODE "-": read from stdin) and "py_file FILE
# ARGS..." is "python3 FILE ARGS...", each run by that interpreter with the
# caller's working directory, standard input, output and error and its exit
# status; one at a time (not two in one pipeline). A script runs in fresh
# globals, but modules it imports stay loaded. "PY_PYTHON=PATH py_start"
# runs that interpreter instead of python3; a second py_start does nothing.
py_start()
{
	[ -z "$PY_PID" ] || return 0
	mkfifo "$TAP_OUT/py.in" "$TAP_OUT/py.out" || return
	"${PY_PYTHON:-python3}" -c '
import os, sys, traceback

req, fin, fout = sys.argv[1:]
rx, tx = open(fin), open(fout, "w")
std = [os.dup(n) for n in range(3)]
for _ in rx:
    pid, cwd, mode, what, *args = (w.decode(errors="surrogateescape") for w in
                                   open(req, "rb").read().split(b"\0")[:-1])
    for n in range(3):
        try:
            fd = os.open(f"/proc/{pid}/fd/{n + 7}", os.O_RDONLY if n == 0 else
                         os.O_WRONLY | os.O_APPEND)
        except OSError:
            fd = os.open(os.devnull, os.O_RDWR)
        os.dup2(fd, n)
        os.close(fd)
    sys.stdin = open(0, closefd=False)
    sys.stdout = open(1, "w", closefd=False)
    sys.stderr = open(2, "w", closefd=False)
    path = list(sys.path)
    rc = 0
    try:
        os.chdir(cwd)
        if mode == "file":
            sys.argv = [what] + args
            sys.path.insert(0, os.path.dirname(os.path.abspath(what)))
            with open(what) as f:
                code = compile(f.read(), what, "exec")
            exec(code, {"__name__": "__main__", "__file__": what})
        else:
            sys.argv = ["-c"] + args
            exec(compile(what, "<string>", "exec"), {"__name__": "__main__"})
    except SystemExit as e:
        if e.code is None or isinstance(e.code, int):
            rc = e.code or 0
        else:
            print(e.code, file=sys.stderr)
            rc = 1
    except BaseException:
        traceback.print_exc()
        rc = 1
    for f in (sys.stdout, sys.stderr):
        try:
            f.flush()
        except OSError:
            pass
    sys.path[:] = path
    for n in range(3):
        os.dup2(std[n], n)
    tx.write(f"{rc}\n")
    tx.flush()
' "$TAP_OUT/py.req" "$TAP_OUT/py.in" "$TAP_OUT/py.out" </dev/null &
	PY_PID=$!
	exec {PY_TO}>"$TAP_OUT/py.in" {PY_FROM}<"$TAP_OUT/py.out"
	export PY_TO PY_FROM
}

_py()
{
	local rc code=$2 file1='' file2=''

	[ "$code" != - ] || code=$(cat)
	printf '%s\0' "$BASHPID" "$PWD" "$1" "$code" "${@:3}" >"$TAP_OUT/py.req"
	# The interpreter takes the standard streams from fds 7-9, which stay
	# put while the redirections inside come and go; it could not keep
	# the offset of a regular file, so output for one goes through a copy.
	[ ! -f /dev/stdout ] || file1=$TAP_OUT/py.1
	[ ! -f /dev/stderr ] || file2=$TAP_OUT/py.2
	{
		echo >&"$PY_TO"
		read -r -u "$PY_FROM" rc || rc=1
	} 7<&0 8>"${file1:-/dev/stdout}" 9>"${file2:-/dev/stderr}"
	[ -z "$file1" ] || cat "$file1"
	[ -z "$file2" ] || cat "$file2" >&2
	return "$rc"
}
py() { _py code "$@"; }
py_file() { _py file "$@"; }

# Deletes every partition (as root), so a test starts from an empty HSM.
# Called from the test's own shell, it starts the test's interpreter if
# the test has not (py_start), for its next call and the test's.
delete_all()
{
	local s slots code='import json,sys; print(" ".join(str(x["slot"]) for x in json.load(sys.stdin)["slots"]))'

	[ -n "$PY_PID" ] || [ "$BASHPID" != $$ ] || py_start
	if [ -n "$PY_PID" ]; then
		slots=$(clonectl --json slot list | py "$code")
	else
		slots=$(clonectl --json slot list | python3 -c "$code")
	fi
	for s in $slots; do
		clonectl partition delete -slot "$s" -force >/dev/null
	done
}

tap_done()
{
	echo "1..$TAP_N"
	echo "# $((TAP_N - TAP_FAILED)) passed, $TAP_FAILED failed"
	[ "$TAP_FAILED" -eq 0 ]
}
