#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# "partition archive" through clonectl (docs/backup.md): backup partitions
# listed and shown, a backup and its -append and -replace, the refusals (no
# option on a backup that holds objects, an application slot named as the
# backup, a domain mismatch) with nothing changed, the backup's contents,
# restore and restore -replace (new handles, what the slot lacked copied,
# refused with nothing changed when policy 28 is off), what a backup
# partition says when asked to make a key, and all of it after a reload.
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=tap.sh
. selftests/tap.sh
PATH=$PWD/build/bin:$PATH
py_start

# contents SLOT: "LABEL KCV OUID" lines of the slot's objects, sorted, as
# its co sees them.
contents() {
	printf '%s\n' "role login -slot $1 -name co -password co-pw" \
		"partition contents" | clonectl --json 2>/dev/null |
		tail -n 1 | py 'import json,sys
for o in json.load(sys.stdin)["objects"]:
    print(o["label"], o["kcv"], o["ouid"])' | sort
}

# handles SLOT: "OUID HANDLE" lines of the slot's objects, sorted.
handles() {
	printf '%s\n' "role login -slot $1 -name co -password co-pw" \
		"partition contents" | clonectl --json 2>/dev/null |
		tail -n 1 | py 'import json,sys
for o in json.load(sys.stdin)["objects"]:
    print(o["ouid"], o["handle"])' | sort
}

# count SLOT: how many objects the HSM says the slot holds.
count() {
	clonectl --json slot list | py 'import json,sys
print(next(s["objects"] for s in json.load(sys.stdin)["slots"] if s["slot"] == int(sys.argv[1])))' "$1"
}

# partition LABEL TYPE DOMAIN SLOT: po po-pw, co co-pw, the domain DOMAIN
# labelled DOMAIN.
partition() {
	clonectl partition create -label "$1" -type "$2" >/dev/null
	printf '%s\n' "slot set -slot $4" \
		"partition init -label $1 -domain $3 -domainlabel $3 -password po-pw" \
		"role login -name po -password po-pw" \
		"role init -name co -password co-pw" | clonectl >/dev/null
}

# on SLOT LINE...: the lines in the shell with the co of SLOT logged in.
on() {
	local slot=$1

	shift
	printf '%s\n' "role login -slot $slot -name co -password co-pw" "$@" |
		clonectl
}

delete_all
partition app application app-domain 1
partition vault backup app-domain 2
partition elsewhere backup other-domain 3
on 1 "object generate -keytype aes -bits 256 -label app-key" \
	"object generate -keytype ec-p256 -label signer" \
	"object create -label note -value hello" >/dev/null

expect "archive list shows the backup partitions" 0 \
	'^2 +vault ' "" -- clonectl partition archive list
list=$(out)
expect "both of them" 0 "" "" -- \
	test "$(grep -cE '^[23] +(vault|elsewhere) ' <<<"$list")" = 2
expect "and not the application partition" 1 "" "" -- grep -q '^1 ' <<<"$list"
# --json: the slot list's fields of the backup partitions, in its order.
want=$(clonectl --json slot list | py 'import json,sys
print(json.dumps({"backups": [{k: s[k] for k in ("slot", "label", "serial", "auth", "state", "objects")}
                             for s in json.load(sys.stdin)["slots"] if s["type"] == "backup"]}))')
got=$(clonectl --json partition archive list | py 'import json,sys; print(json.dumps(json.load(sys.stdin)))')
expect "archive list --json" 0 "" "" -- test "$got" = "$want"
expect "slot list names the type" 0 '^2 +vault +[0-9]+ +password +backup ' "" -- \
	clonectl slot list
expect "partition show names it" 0 '^  Type: +backup$' "" -- \
	clonectl partition show -slot 2
expect "and the application partition's" 0 '^  Type: +application$' "" -- \
	clonectl partition show -slot 1
expect "partition show --json" 0 "" "" -- test "$(clonectl --json partition show -slot 3 |
	py 'import json,sys; d=json.load(sys.stdin); print(d["slot"], d["label"], d["type"])')" = "3 elsewhere backup"

expect "a backup of everything" 0 \
	'^Clone complete over CPv4 \(p384-aes256gcm\): 4 copied, 0 skipped, 0 failed\.$' "" -- \
	on 1 "partition archive backup -slot 2 -password co-pw"
expect "the backup holds the same objects: labels, KCVs, OUIDs" 0 "" "" -- \
	test "$(contents 1)" = "$(contents 2)"
expect "archive contents lists them with the backup's co" 0 \
	'^4 objects\.$' "" -- clonectl partition archive contents -slot 2 -password co-pw

before=$(contents 2)
expect "a second backup needs -append or -replace" 1 "" \
	"clonectl: the backup partition in slot 2 holds 4 objects already; give -append to add to them or -replace to replace them." -- \
	on 1 "partition archive backup -slot 2 -password co-pw"
expect "not both" 1 "" \
	"clonectl: give -append (add to the backup) or -replace (make it hold only these objects), not both." -- \
	on 1 "partition archive backup -slot 2 -append -replace -password co-pw"
expect "an application slot is not a backup" 1 "" \
	"clonectl: slot 1 is an application partition, not a backup partition; 'partition archive list' shows the backup partitions ('partition clone' copies between application partitions)." -- \
	on 1 "partition archive backup -slot 1 -password co-pw"
expect "the backup is as it was" 0 "" "" -- test "$(contents 2)" = "$before"

on 1 "object generate -keytype aes -bits 128 -label later" >/dev/null
expect "-append adds what is new and skips the rest" 0 \
	'^Clone complete over CPv4 \(p384-aes256gcm\): 1 copied, 4 skipped, 0 failed\.$' "" -- \
	on 1 "partition archive backup -slot 2 -append -password co-pw"
expect "the backup holds all five" 0 "" "" -- test "$(contents 1)" = "$(contents 2)"

expect "a backup to a partition of another domain is one sentence" 1 "" \
	"clonectl: cloning: slot 1 and slot 3 share no cloning domain, so nothing was cloned; give both the same domain ('partition domainadd', policy 44 for a second one)." -- \
	on 1 "partition archive backup -slot 3 -password co-pw"
expect "and leaves nothing there" 0 "" "" -- test "$(count 3)" = 0
expect "a -replace to it too, and the backup it would replace stays" 1 "" \
	"clonectl: cloning: slot 1 and slot 3 share no cloning domain, so nothing was cloned; give both the same domain ('partition domainadd', policy 44 for a second one)." -- \
	on 1 "partition archive backup -slot 3 -replace -password co-pw"
expect "slot 2 untouched by the failures" 0 "" "" -- test "$(contents 1)" = "$(contents 2)"

note=$(printf '%s\n' "role login -slot 1 -name co -password co-pw" \
	"object find -label note" | clonectl --json | tail -n 1 |
	py 'import json,sys; print(json.load(sys.stdin)["handles"][0])')
expect "-replace keeps only the objects named" 0 \
	'^Clone complete over CPv4 \(p384-aes256gcm\): 0 copied, 1 skipped, 0 failed, 4 removed\.$' "" -- \
	on 1 "partition archive backup -slot 2 -objects $note -replace -password co-pw"
expect "the backup holds the note alone" 0 "" "" -- \
	test "$(contents 2 | cut -d' ' -f1)" = note
expect "the application partition lost nothing" 0 "" "" -- test "$(count 1)" = 5

partition restored application app-domain 4
expect "a restore to an empty partition" 0 \
	'^Clone complete over CPv4 \(p384-aes256gcm\): 1 copied, 0 skipped, 0 failed\.$' "" -- \
	on 4 "partition archive restore -slot 2 -password co-pw"
expect "it holds the backup's object" 0 "" "" -- test "$(contents 4)" = "$(contents 2)"
expect "a restore again skips it" 0 \
	'^Clone complete over CPv4 \(p384-aes256gcm\): 0 copied, 1 skipped, 0 failed\.$' "" -- \
	on 4 "partition archive restore -slot 2 -password co-pw"
before=$(handles 4)
expect "restore -replace puts the backup's copy in its place" 0 \
	'^Clone complete over CPv4 \(p384-aes256gcm\): 1 copied, 0 skipped, 0 failed, 1 replaced\.$' "" -- \
	on 4 "partition archive restore -slot 2 -replace -password co-pw"
expect "still the same object, once" 0 "" "" -- test "$(contents 4)" = "$(contents 2)"
expect "under a new handle" 0 "" "" -- test "$(handles 4 | cut -d' ' -f1)" = "$(cut -d' ' -f1 <<<"$before")"
expect "not the one it had" 1 "" "" -- test "$(handles 4)" = "$before"
on 1 "object generate -keytype aes -bits 128 -label fresh" >/dev/null
fresh=$(printf '%s\n' "role login -slot 1 -name co -password co-pw" \
	"object find -label fresh" | clonectl --json | tail -n 1 |
	py 'import json,sys; print(json.load(sys.stdin)["handles"][0])')
on 1 "partition archive backup -slot 2 -objects $fresh -append -password co-pw" >/dev/null
expect "-replace copies what the slot lacks and replaces what it holds" 0 \
	'^Clone complete over CPv4 \(p384-aes256gcm\): 2 copied, 0 skipped, 0 failed, 1 replaced\.$' "" -- \
	on 4 "partition archive restore -slot 2 -replace -password co-pw"
expect "the slot holds the backup's two objects, once each" 0 "" "" -- \
	test "$(contents 4)" = "$(contents 2)"
printf '%s\n' "role login -slot 4 -name po -password po-pw" \
	"partition changepolicy -policy 28 -value 0" | clonectl >/dev/null
before=$(handles 4)
expect "restore -replace needs policy 28 on the slot" 1 "" \
	"clonectl: replacing: policy 28 (Allow key management functions) is off on slot 4, and a replacement destroys the object it replaces, so nothing was cloned; its po can turn it on with 'partition changepolicy -policy 28 -value 1', or leave out -replace." -- \
	on 4 "partition archive restore -slot 2 -replace -password co-pw"
expect "and nothing changed" 0 "" "" -- test "$(handles 4)" = "$before"
printf '%s\n' "role login -slot 4 -name po -password po-pw" \
	"partition changepolicy -policy 28 -value 1" | clonectl >/dev/null
expect "a restore from an application slot" 1 "" \
	"clonectl: slot 1 is an application partition, not a backup partition; 'partition archive list' shows the backup partitions ('partition clone' copies between application partitions)." -- \
	on 4 "partition archive restore -slot 1 -password co-pw"
expect "a wrong backup co password" 1 "" \
	"clonectl: cloning: the backup's co credential is wrong; this counts as a failed co login on slot 2." -- \
	on 4 "partition archive restore -slot 2 -password wrong"

before=$(contents 2)
expect "a backup partition makes no keys, and says why" 1 "" \
	"clonectl: generating the key: this slot is a backup partition, which keeps objects cloned into it but neither makes nor uses any; clone them to an application partition ('partition clone') to use them." -- \
	on 2 "object generate -keytype aes -bits 256 -label nope"
expect "nothing was made" 0 "" "" -- test "$(contents 2)" = "$before"

# A reload: the store gives the backup partition back as it was, with
# its type, its objects and its refusals.
medium="this slot is a backup partition, which keeps objects cloned into it but neither makes nor uses any; clone them to an application partition ('partition clone') to use them."
slots=$(clonectl --json slot list)
before_h=$(handles 2)
rmmod clonedev && modprobe clonedev
tap_result $? "the module reloads"
expect "the slots come back as they were, types and counts too" 0 "" "" -- \
	test "$(clonectl --json slot list)" = "$slots"
expect "slot 2 is a backup partition still" 0 '^  Type: +backup$' "" -- \
	clonectl partition show -slot 2
expect "archive list shows it" 0 '^2 +vault ' "" -- clonectl partition archive list
expect "its objects: labels, KCVs and OUIDs" 0 "" "" -- test "$(contents 2)" = "$before"
expect "under the same handles" 0 "" "" -- test "$(handles 2)" = "$before_h"
expect "it makes no keys after the reload" 1 "" "clonectl: generating the key: $medium" -- \
	on 2 "object generate -keytype aes -bits 256 -label nope"
expect "nor data objects" 1 "" "clonectl: creating the object: $medium" -- \
	on 2 "object create -label nope -value x"
printf 'plain' >"$TAP_OUT/plain"
expect "nor uses its keys" 1 "" "clonectl: encrypting: $medium" -- \
	on 2 "object encrypt -label fresh -mech gcm -in $TAP_OUT/plain -out $TAP_OUT/sealed"
expect "and nothing was made" 0 "" "" -- test "$(handles 2)" = "$before_h"
expect "a restore from it after the reload" 0 \
	'^Clone complete over CPv4 \(p384-aes256gcm\): 0 copied, 2 skipped, 0 failed\.$' "" -- \
	on 4 "partition archive restore -slot 2 -password co-pw"
delete_all
tap_done
