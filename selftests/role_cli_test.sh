#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The session commands of clonectl as an administrator types or pipes them:
# slot set, partition init, role login/logout/init/changepw/show, the
# seed's "slot set / role login -name co" lines with the password given
# when asked, lockout messages, and failure counters that survive a reload.
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=tap.sh
. selftests/tap.sh
PATH=$PWD/build/bin:$PATH
py_start

delete_all
clonectl partition create -label app1 >/dev/null

expect "partition init in the shell" 0 \
	"^Partition initialized: label 'app1', primary cloning domain 'dom1'\.$" "" -- \
	sh -c 'printf "slot set -slot 1\npartition init -label app1 -domain secret-1 -domainlabel dom1 -password po-pw\n" | clonectl'
expect "the po sets up co and the co sets up cu" 0 "^The cu role is initialized\.$" "" -- \
	sh -c 'printf "%s\n" "slot set -slot 1" "role login -name po -password po-pw" \
		"role init -name co -password co-pw" "role login -name co -password co-pw" \
		"role init -name cu -password cu-pw" | clonectl'
expect "the seed's login lines, the password given when asked" 0 \
	"^Slot 1 \(initialized\), logged in as: co$" "" -- \
	sh -c 'printf "%s\n" "slot set -slot 1" "role login -name co" "co-pw" "role show" | clonectl'
expect "slot set -slot on one line keeps the slot for the next" 0 "^Logged in as cu\.$" "" -- \
	sh -c 'printf "%s\n" "slot set -slot 1" "role login -name cu -password cu-pw" | clonectl'
expect "one-shot login with -slot" 0 "^Logged in as po\.$" "" -- \
	clonectl role login -slot 1 -name po -password po-pw
expect "a wrong password" 1 "" "clonectl: logging in: the co password is wrong." -- \
	clonectl role login -slot 1 -name co -password nope
expect "role show counts the failure" 0 "^  co: initialized, 1 failed login in a row$" "" -- \
	clonectl role show -slot 1
rmmod clonedev && modprobe clonedev
expect "the failure count survives a reload" 0 "^  co: initialized, 1 failed login in a row$" "" -- \
	clonectl role show -slot 1
run clonectl --json role show -slot 1
[ "$RC" -eq 0 ] && out | py '
import json, sys
d = json.load(sys.stdin)
assert d["slot"] == 1 and d["state"] == "initialized" and d["logged_in"] == "none"
assert [r["name"] for r in d["roles"]] == ["po", "co", "cu"]
assert d["roles"][1]["failed_logins"] == 1 and not d["roles"][1]["locked"]'
tap_result $? "role show --json"
expect "a good login resets the count" 0 "^  co: initialized, 0 failed logins in a row$" "" -- \
	sh -c 'printf "%s\n" "role login -slot 1 -name co -password co-pw" "role show" | clonectl'

expect "no slot selected" 1 "" \
	"clonectl: logging in: no slot is selected, or its partition was deleted; choose one with 'slot set -slot N'." -- \
	clonectl role login -name co -password x
expect "slot set to an empty slot" 1 "" \
	"clonectl: there is no partition in slot 9; 'slot list' shows them." -- \
	clonectl slot set -slot 9
expect "a bad role name" 1 "" "clonectl: -name must be po, co or cu, not 'so'." -- \
	clonectl role login -slot 1 -name so -password x
expect "role init as the wrong role" 1 "" \
	"clonectl: initializing the cu role: the co must be logged in to do it ('role login -name co')." -- \
	sh -c 'printf "%s\n" "role login -slot 1 -name po -password po-pw" "role init -name cu -password x" | clonectl'
expect "role init -name po" 1 "" \
	"clonectl: the po is set by 'partition init'; 'role init' sets co or cu." -- \
	clonectl role init -slot 1 -name po -password x
expect "logout when not logged in" 1 "" \
	"clonectl: logging out: this session is not logged in." -- \
	clonectl role logout -slot 1
expect "changepw when not logged in" 1 "" \
	"clonectl: changing the password: this session is not logged in; log in with 'role login' first." -- \
	clonectl role changepw -slot 1 -oldpw a -newpw b
expect "changepw with a wrong current password" 1 "" \
	"clonectl: changing the password: the current password is wrong." -- \
	sh -c 'printf "%s\n" "role login -slot 1 -name cu -password cu-pw" "role changepw -oldpw bad -newpw x" | clonectl'
expect "changepw for another role" 1 "" \
	"clonectl: changing the password: this session is logged in as cu, not co; a role changes its own password." -- \
	sh -c 'printf "%s\n" "role login -slot 1 -name cu -password cu-pw" "role changepw -name co -oldpw cu-pw -newpw x" | clonectl'
expect "changepw, asked for both passwords" 0 "^The cu password is changed\.$" "" -- \
	sh -c 'printf "%s\n" "role login -slot 1 -name cu -password cu-pw" "role changepw" "cu-pw" "cu-pw2" "role login -name cu -password cu-pw2" | clonectl'
expect "re-init needs the po" 1 "" \
	"clonectl: initializing the partition: a new partition is initialized by the HSM administrator (root), an initialized one only by its po; log in with 'role login -name po'." -- \
	clonectl partition init -slot 1 -label app1 -domain d -domainlabel dl -password x
expect "a password the prompt never got" 1 "" \
	"clonectl: no password was given; use -password or type it when asked." -- \
	clonectl role login -slot 1 -name co </dev/null

run sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do echo "role login -slot 1 -name co -password bad"; done | clonectl'
expect "ten wrong co passwords lock co out" 1 "" \
	"clonectl: logging in: the co role is locked out after too many wrong passwords; the po re-initializes it with 'role init -name co'." -- \
	clonectl role login -slot 1 -name co -password co-pw
expect "and cu with it" 1 "" \
	"clonectl: logging in: the cu role is locked out after too many wrong passwords (by its own or the co's); the co re-initializes it with 'role init -name cu', the po the co with 'role init -name co'." -- \
	clonectl role login -slot 1 -name cu -password cu-pw2
rmmod clonedev && modprobe clonedev
expect "the lockout survives a reload" 0 "^  co: initialized, LOCKED OUT, 10 failed logins in a row$" "" -- \
	clonectl role show -slot 1

run sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do echo "role login -slot 1 -name po -password bad"; done | clonectl'
[ "$RC" -eq 1 ] && err | tail -1 | grep -qx \
	"clonectl: logging in: the partition is zeroized after too many wrong po passwords; initialize it again with 'partition init'."
tap_result $? "the tenth wrong po password zeroizes the partition"
expect "slot list shows it zeroized" 0 '^1 +app1 .* zeroized +0$' "" -- clonectl slot list
expect "the administrator initializes it again" 0 "^Partition initialized" "" -- \
	clonectl partition init -slot 1 -label app1 -domain d2 -domainlabel dom2 -password po-2

delete_all
tap_done
