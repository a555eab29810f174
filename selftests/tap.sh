# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# TAP helpers for the clonedev shell selftests: each check prints one
# "ok N - what" or "not ok N - what" line; tap_done prints the plan and
# exits non-zero if any check failed.

TAP_N=0
TAP_FAILED=0
TAP_OUT=$(mktemp -d)
trap 'rm -rf "$TAP_OUT"' EXIT

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

out() { cat "$TAP_OUT/out"; }
err() { cat "$TAP_OUT/err"; }

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
	if [ -n "$want_out" ] && ! grep -qE -- "$want_out" "$TAP_OUT/out"; then
		echo "stdout does not match /$want_out/:" | tap_diag
		out | tap_diag
		ok=1
	fi
	if [ "$(err)" != "$want_err" ]; then
		echo "stderr differs; expected: $want_err" | tap_diag
		err | tap_diag
		ok=1
	fi
	tap_result $ok "$desc"
}

# Deletes every partition (as root), so a test starts from an empty HSM.
delete_all()
{
	local s
	for s in $(clonectl --json slot list | python3 -c 'import json,sys; print(" ".join(str(x["slot"]) for x in json.load(sys.stdin)["slots"]))'); do
		clonectl partition delete -slot "$s" -force >/dev/null
	done
}

tap_done()
{
	echo "1..$TAP_N"
	echo "# $((TAP_N - TAP_FAILED)) passed, $TAP_FAILED failed"
	[ "$TAP_FAILED" -eq 0 ]
}
