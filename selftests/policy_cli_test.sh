#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# clonectl's policy commands: the seed's "partition showpolicies" after
# "slot set", the verbose table, changes as po with lists, every refusal
# in one sentence, and values that survive a reload.
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=tap.sh
. selftests/tap.sh
PATH=$PWD/build/bin:$PATH

delete_all
clonectl partition create -label pol >/dev/null
clonectl partition init -slot 1 -label pol -domain d -domainlabel dom -password po-pw >/dev/null
po() { printf '%s\n' "role login -slot 1 -name po -password po-pw" "$@" | clonectl; }

expect "the seed's showpolicies after slot set" 0 '^  0: Allow private key cloning : 1$' "" -- \
	sh -c 'printf "slot set -slot 1\npartition showpolicies\n" | clonectl'
run clonectl partition showpolicies -slot 1
[ "$(out | wc -l)" = 10 ] && out | grep -qx ' 44: Allow extended domain management : 0' &&
	out | grep -qx ' 20: Max failed user logins allowed : 10'
tap_result $? "showpolicies lists the ten policies with their values"
expect "showpolicies -verbose shows defaults, ranges and destructive changes" 0 \
	'^ 42  Allow CPv1 +0 +0 +0-1  yes$' "" -- clonectl partition showpolicies -slot 1 -verbose
run clonectl --json partition showpolicies -slot 1
[ "$RC" -eq 0 ] && out | python3 -c '
import json, sys
p = {x["id"]: x for x in json.load(sys.stdin)["policies"]}
assert sorted(p) == [0, 1, 4, 5, 20, 22, 28, 42, 43, 44]
assert p[20]["min"] == 1 and p[20]["max"] == 10 and p[1]["destructive_on"]'
tap_result $? "showpolicies --json"

expect "the po changes two policies at once" 0 '^Policy 22 \(Allow activation\) is now 1\.$' "" -- \
	po "partition changepolicy -policy 4,22 -value 0,1"
rmmod clonedev && modprobe clonedev
run clonectl partition showpolicies -slot 1
out | grep -qx '  4: Allow secret key cloning : 0' && out | grep -qx ' 22: Allow activation : 1'
tap_result $? "policy values survive a reload"

expect "not logged in as po" 1 "" \
	"clonectl: changing policies: only the po may; log in with 'role login -name po'." -- \
	clonectl partition changepolicy -slot 1 -policy 4 -value 1
expect "an unknown policy number" 1 "" \
	"clonectl: 3 is not a partition policy number; 'partition showpolicies' lists them." -- \
	po "partition changepolicy -policy 3 -value 1"
expect "a value out of range" 1 "" \
	"clonectl: policy 20 (Max failed user logins allowed) takes values from 1 to 10, not 11." -- \
	po "partition changepolicy -policy 20 -value 11"
expect "lists of different lengths" 1 "" \
	"clonectl: -policy lists 2 numbers but -value 1; give one value for each policy." -- \
	po "partition changepolicy -policy 0,4 -value 1"
expect "a list that is not numbers" 1 "" \
	"clonectl: -policy takes numbers separated by commas; 'x' is not one." -- \
	po "partition changepolicy -policy 0,x -value 1,1"
expect "policies 0 and 1 both on" 1 "" \
	"clonectl: policies 0 (Allow private key cloning) and 1 (Allow private key wrapping) cannot both be 1; turn policy 0 off first, or in the same change." -- \
	po "partition changepolicy -policy 1 -value 1"
expect "a destructive change without -force" 1 "" \
	"clonectl: changing policies: turning this policy on destroys every object in the partition; add -force to do it." -- \
	po "partition changepolicy -policy 42 -value 1"
expect "a destructive change with -force" 0 '^Policy 42 \(Allow CPv1\) is now 1\.$' "" -- \
	po "partition changepolicy -policy 42 -value 1 -force"
expect "a repeated policy number" 1 "" \
	"clonectl: changing policies: a policy number is repeated; give each once." -- \
	po "partition changepolicy -policy 4,4 -value 1,1"

# CPv4 cipher suites.
expect "ciphershow" 0 "^x25519-chacha20poly1305 +enabled$" "" -- clonectl partition ciphershow -slot 1
expect "cipherdisable (po)" 0 "^Cipher suite x25519-chacha20poly1305 is disabled\.$" "" -- \
	po "partition cipherdisable -suite x25519-chacha20poly1305"
po "partition cipherdisable -suite p384-aes256gcm" >/dev/null
expect "cipherenable (po)" 0 "^p384-aes256gcm +enabled$" "" -- \
	po "partition cipherenable -suite p384-aes256gcm"
rmmod clonedev && modprobe clonedev
expect "suites survive a reload" 0 "^x25519-chacha20poly1305 +disabled$" "" -- \
	clonectl partition ciphershow -slot 1
po "partition cipherdisable -suite p384-aes256gcm" >/dev/null
expect "with no suite left, CPv4 is out" 0 "^No suite is usable: CPv4 is out; clones use CPv3 or CPv1\.$" "" -- \
	po "partition cipherdisable -suite p256-aes256gcm"
expect "an unknown suite" 1 "" \
	"clonectl: -suite must be p384-aes256gcm, p256-aes256gcm or x25519-chacha20poly1305, not 'des'." -- \
	po "partition cipherdisable -suite des"
expect "suites need the po" 1 "" \
	"clonectl: enabling the suite: the po must be logged in; log in with 'role login -name po'." -- \
	clonectl partition cipherenable -slot 1 -suite p256-aes256gcm

delete_all
tap_done
