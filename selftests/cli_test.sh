#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# clonectl behaviour: one-shot and shell modes, option dashes, help for
# every command, --json output, and the one-sentence errors. Runs as root in
# the VM with clonedev.ko loaded.
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=tap.sh
. selftests/tap.sh
PATH=$PWD/build/bin:$PATH
py_start

json_get()
{
	py 'import json,sys; d=json.load(sys.stdin); print(eval("d"+sys.argv[1]))' "$1"
}

expect "hsm show prints the HSM" 0 '^  Module version: +0\.1\.0$' "" -- \
	clonectl hsm show
expect "hsm show lists every CPv4 suite" 0 \
	'CPv4 cipher suites:  p384-aes256gcm, p256-aes256gcm, x25519-chacha20poly1305$' "" -- \
	clonectl hsm show
expect "hsm show reports FIPS off and no partitions" 0 'Partitions: +0 of 100' "" -- \
	clonectl hsm show

for form in "--json hsm show" "-json hsm show" "hsm show --json" "hsm show -json"; do
	# shellcheck disable=SC2086
	run clonectl $form
	ok=1
	if [ "$RC" -eq 0 ] &&
	   [ "$(out | json_get '["version"]')" = 0.1.0 ] &&
	   [ "$(out | json_get '["suites"]')" = "['p384-aes256gcm', 'p256-aes256gcm', 'x25519-chacha20poly1305']" ] &&
	   [ "$(out | json_get '["fips"]')" = False ] &&
	   [ "$(out | json_get '["partition_count"]')" = 0 ] &&
	   [ "$(out | json_get '["protocols"]')" = "['CPv1', 'CPv3', 'CPv4']" ]; then
		ok=0
	fi
	tap_result $ok "'clonectl $form' prints JSON with the HSM's fields"
done

expect "slot list with no partitions" 0 '^No partitions: the HSM has no slots yet\.$' "" -- \
	clonectl slot list
run clonectl --json slot list
[ "$RC" -eq 0 ] && [ "$(out | json_get '["slots"]')" = "[]" ]
tap_result $? "slot list --json gives an empty slots array"

expect "unknown command" 1 "" \
	"clonectl: unknown command 'frobnicate'; run 'help' to list the commands." -- \
	clonectl frobnicate
expect "unknown verb of a group" 1 "" \
	"clonectl: 'hsm' has no command 'frob'; run 'help hsm' to list them." -- \
	clonectl hsm frob
expect "group without a verb" 1 "" \
	"clonectl: 'slot' needs a command; run 'help slot' to list them." -- \
	clonectl slot
expect "unknown option, one dash" 1 "" \
	"clonectl: 'hsm show' has no option '-bogus'; run 'help hsm show' to see its options." -- \
	clonectl hsm show -bogus
expect "unknown option, two dashes" 1 "" \
	"clonectl: 'slot list' has no option '--bogus'; run 'help slot list' to see its options." -- \
	clonectl slot list --bogus
expect "stray word" 1 "" \
	"clonectl: unexpected word 'now' after 'hsm show'; options start with '-'." -- \
	clonectl hsm show now
expect "unknown global option" 2 "" \
	"clonectl: unknown option '--frob'; run 'clonectl help' for usage." -- \
	clonectl --frob hsm show
expect "option that needs a value" 1 "" \
	"clonectl: option -code needs a value; write -code <value>." -- \
	clonectl exit -code
expect "flag given a value" 1 "" \
	"clonectl: option -json takes no value; write just -json." -- \
	clonectl exit -code=1 -json=yes
expect "help for a command nobody has" 1 "" \
	"clonectl: there is no command 'nope' to explain; run 'help' to list the commands." -- \
	clonectl help nope

# Every command listed by help has its own help, both ways of asking.
run clonectl help
cmds=$(out | sed -n '/^Commands:/,$p' | awk 'NR > 1 && /^  [a-z]/ {
	if ($2 ~ /^[a-z]+$/ && $1 != "help" && $1 != "exit" && $1 != "quit" && $1 != "peer")
		print $1 " " $2; else print $1 }')
[ "$RC" -eq 0 ] && [ -n "$cmds" ]
tap_result $? "help lists the commands"
while read -r c; do
	# shellcheck disable=SC2086
	expect "help $c" 0 "^usage: $c" "" -- clonectl help $c
	# shellcheck disable=SC2086
	expect "$c -help" 0 "^usage: $c" "" -- clonectl $c -help
done <<<"$cmds"
expect "help for a group lists its commands" 0 '^  hsm show +show the HSM' "" -- \
	clonectl help hsm

# Shell mode: commands from standard input, state across lines.
expect "shell runs piped commands without a prompt" 0 \
	'^HSM information:$' "" -- \
	sh -c 'printf "hsm show\n\n# a comment\nslot list\nexit\n" | clonectl'
run sh -c 'printf "hsm show\nslot list\n" | clonectl'
! out | grep -q 'clonectl:>' && [ "$(out | grep -c '^HSM information:$\|^No partitions')" = 2 ]
tap_result $? "shell output has both commands' results and no prompt"
expect "shell keeps going after an error and fails at the end" 1 \
	'^HSM information:$' \
	"clonectl: unknown command 'bogus'; run 'help' to list the commands." -- \
	sh -c 'printf "bogus\nhsm show\n" | clonectl'
expect "shell exit with a code" 3 "" "" -- \
	sh -c 'printf "exit -code 3\nhsm show\n" | clonectl'
expect "shell reports an unclosed quote" 1 "" \
	"clonectl: a quote is not closed; close it and try again." -- \
	sh -c "printf 'help \"hsm\n' | clonectl"
expect "shell honours --json" 0 '^\{"slots":\[\]\}$' "" -- \
	sh -c 'printf "slot list\n" | clonectl --json'
expect "shell shows a prompt on a terminal" 0 'clonectl:> ' "" -- \
	script -qec clonectl /dev/null <<<"exit"
expect "help works without the module" 0 '^Commands:$' "" -- \
	env CLONEDEV_DEVICE=/nonexistent clonectl help

tap_done
