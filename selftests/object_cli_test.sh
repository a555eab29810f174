#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# clonectl's object commands as a co or cu types them: generate, create,
# show, destroy, partition contents; objects and their KCVs after a reload;
# nothing in plain form in the store; every refusal in one sentence.
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=tap.sh
. selftests/tap.sh
PATH=$PWD/build/bin:$PATH

delete_all
clonectl partition create -label objs >/dev/null
printf '%s\n' "slot set -slot 1" \
	"partition init -label objs -domain d -domainlabel dom -password po-pw" \
	"role login -name po -password po-pw" "role init -name co -password co-pw" \
	"role login -name co -password co-pw" "role init -name cu -password cu-pw" |
	clonectl >/dev/null
co() { printf '%s\n' "role login -slot 1 -name co -password co-pw" "$@" | clonectl; }
cu() { printf '%s\n' "role login -slot 1 -name cu -password cu-pw" "$@" | clonectl; }

expect "generate an AES-256 key" 0 \
	'^Generated aes-256 key: handle 1, KCV [0-9a-f]{6}\.$' "" -- \
	co "object generate -keytype aes -bits 256 -label master -id 0a0b"
expect "generate a generic secret" 0 \
	'^Generated generic-384 key: handle 2, KCV [0-9a-f]{6}\.$' "" -- \
	co "object generate -keytype generic -bits 384 -label mac-key -extractable"
echo "PLAINTEXT-MARKER-4711" >"$TAP_OUT/data"
expect "create a data object from a file" 0 '^Created data object: handle 3\.$' "" -- \
	co "object create -label note -file $TAP_OUT/data"
expect "the cu creates a public data object" 0 '^Created data object: handle 4\.$' "" -- \
	cu "object create -label cu-note -value hello"
expect "partition contents" 0 '^2 +secret key +generic +384  [0-9a-f]{6}  mac-key$' "" -- \
	co "partition contents"
expect "partition contents counts" 0 '^4 objects\.$' "" -- co "partition contents"
expect "object show" 0 '^Flags:     private,sensitive$' "" -- co "object show -handle 1"
expect "object show of a data object" 0 '^Value:     22 bytes$' "" -- cu "object show -handle 3"
before=$(co "partition contents")
json_before=$(printf '%s\n' "role login -slot 1 -name co -password co-pw" "partition contents" | clonectl --json | tail -1)

rmmod clonedev && modprobe clonedev
[ "$(co "partition contents")" = "$before" ] &&
	[ "$(printf '%s\n' "role login -slot 1 -name co -password co-pw" "partition contents" | clonectl --json | tail -1)" = "$json_before" ]
tap_result $? "objects, handles, KCVs and OUIDs survive a reload"
! grep -q PLAINTEXT-MARKER /var/lib/clonedev/clonedev.log
tap_result $? "a data object's value is not in the store in plain form"

expect "destroy" 0 '^Destroyed object 3\.$' "" -- co "object destroy -handle 3"
rmmod clonedev && modprobe clonedev
expect "a destroyed object stays destroyed after a reload" 0 '^3 objects\.$' "" -- \
	co "partition contents"

# Not logged in, the partition shows its public objects only: the cu's
# data object, not the co's keys.
expect "not logged in: the public objects only" 0 '^1 object\.$' "" -- \
	clonectl partition contents -slot 1
! out_matches 'master|mac-key'
tap_result $? "and none of the private keys"
expect "the cu may not generate keys" 1 "" \
	"clonectl: generating the key: the co must be logged in (the cu may create and destroy only public data objects); log in with 'role login'." -- \
	cu "object generate -keytype aes -bits 128"
expect "an unknown handle" 1 "" \
	"clonectl: destroying the object: there is no object with handle 99; 'partition contents' lists them." -- \
	co "object destroy -handle 99"
expect "a bad handle" 1 "" \
	"clonectl: 'x1' is not an object handle; 'partition contents' lists them." -- \
	co "object show -handle x1"
# strtoul() skips the space and wraps the minus around to handle 1.
expect "a minus after a space" 1 "" \
	"clonectl: ' -18446744073709551615' is not an object handle; 'partition contents' lists them." -- \
	co "object show -handle ' -18446744073709551615'"
expect "a key type not generated" 1 "" "clonectl: -keytype must be aes, generic, ec-p256, ec-p384 or rsa, not 'des'." -- \
	co "object generate -keytype des -bits 64"
expect "a bad RSA size" 1 "" \
	"clonectl: -bits must be 2048, 3072 or 4096 for an rsa key pair." -- \
	co "object generate -keytype rsa -bits 1024"
expect "a bad AES size" 1 "" \
	"clonectl: -bits must be 128, 192 or 256 for aes, or a multiple of 8 from 8 to 4096 for generic; an ec key takes its size from the curve." -- \
	co "object generate -keytype aes -bits 512"
expect "a bad id" 1 "" \
	"clonectl: -id takes hex digits; 'zz' is not hex." -- \
	co "object generate -keytype aes -bits 128 -id zz"
# Sizes past 32 bits once wrapped around (4294969344 read as 2048).
expect "an RSA size past 32 bits" 1 "" \
	"clonectl: -bits must be 2048, 3072 or 4096 for an rsa key pair." -- \
	co "object generate -keytype rsa -bits 4294969344"
expect "a count past 32 bits" 1 "" \
	"clonectl: -count takes 1 to 65536, for aes and generic keys." -- \
	co "object generate -keytype aes -bits 128 -count 4294967297 -label many"
expect "and no key was made" 0 '^3 objects\.$' "" -- co "partition contents"
printf '%s\n' "role login -slot 1 -name po -password po-pw" "partition changepolicy -policy 28 -value 0" | clonectl >/dev/null
expect "policy 28 off" 1 "" \
	"clonectl: generating the key: policy 28 (Allow key management functions) is off on this partition." -- \
	co "object generate -keytype aes -bits 128"
printf '%s\n' "role login -slot 1 -name po -password po-pw" "partition changepolicy -policy 42 -value 1 -force" | clonectl >/dev/null
expect "a destructive policy change destroyed the objects" 0 '^0 objects\.$' "" -- \
	co "partition contents"

delete_all
tap_done
