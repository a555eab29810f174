#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# HA groups through clonectl (docs/ha.md): a group made, members refused
# for another domain or another co password with the group file
# unchanged, objects spread unevenly over three members brought to the
# same OUIDs (and key check values) by synchronize, listgroups' "needs
# sync" before and after, a deletion on one member undone by synchronize
# and one on every member kept, standby members, a member whose partition
# is gone (down, skipped) or replaced under the same slot number, a group
# file edited by hand, and a second command refused while one holds the
# group file.
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=tap.sh
. selftests/tap.sh
PATH=$PWD/build/bin:$PATH
py_start
export CLONEDEV_HAGROUP_FILE=$TAP_OUT/etc/hagroups.conf
conf=$CLONEDEV_HAGROUP_FILE

# contents SLOT: "LABEL KCV OUID" lines of the slot's objects, sorted, as
# its co sees them.
contents() {
	printf '%s\n' "role login -slot $1 -name co -password ${2:-co-pw}" \
		"partition contents" | clonectl --json 2>/dev/null |
		tail -n 1 | py 'import json,sys
for o in json.load(sys.stdin)["objects"]:
    print(o["label"], o["kcv"], o["ouid"])' | sort
}

# serial SLOT: the partition's serial.
serial() {
	clonectl --json slot list | py 'import json,sys
print(next(s["serial"] for s in json.load(sys.stdin)["slots"] if s["slot"] == int(sys.argv[1])))' "$1"
}

# partition LABEL DOMAIN SLOT [CO-PASSWORD [DOMAIN-LABEL]]: po po-pw, co
# co-pw (or CO-PASSWORD), the text domain DOMAIN labelled "ha" (or
# DOMAIN-LABEL).
partition() {
	clonectl partition create -label "$1" >/dev/null
	printf '%s\n' "slot set -slot $3" \
		"partition init -label $1 -domain $2 -domainlabel ${5:-ha} -password po-pw" \
		"role login -name po -password po-pw" \
		"role init -name co -password ${4:-co-pw}" | clonectl >/dev/null
}

# on SLOT LINE...: the lines in the shell with the co of SLOT logged in.
on() {
	local slot=$1

	shift
	printf '%s\n' "role login -slot $slot -name co -password co-pw" "$@" |
		clonectl
}

# handle SLOT LABEL: the handle of the one object labelled LABEL.
handle() {
	printf '%s\n' "role login -slot $1 -name co -password co-pw" \
		"object find -label $2" | clonectl --json | tail -n 1 |
		py 'import json,sys; print(json.load(sys.stdin)["handles"][0])'
}

delete_all
partition m1 ha-secret 1
partition m2 ha-secret 2
partition m3 ha-secret 3
partition stranger other-secret 4 co-pw other
partition otherco ha-secret 5 other-co-pw
partition spare ha-secret 6
partition impostor other-secret 7

expect "no group yet" 0 '^No HA groups in ' "" -- clonectl hagroup listgroups
expect "creategroup" 0 '^HA group G created with 2 members: slot 1, 2\.$' "" -- \
	clonectl hagroup creategroup -label G -slots 1,2 -password co-pw
expect "the group file names the members by slot and serial" 0 "" "" -- \
	grep -qx "member 1 $(serial 1) active" "$conf"
expect "and holds no secret" 1 "" "" -- grep -q co-pw "$conf"
expect "and no temporary file is left beside it" 0 "" "" -- \
	test "$(find "$(dirname "$conf")" -name 'hagroups.conf.*' ! -name '*.lock' | wc -l)" = 0

cp "$conf" "$TAP_OUT/before"
expect "a member with another domain is refused" 1 "" \
	"clonectl: hagroup: slot 4 shares no cloning domain with slot 1, so it cannot be in group G; give it the group's domain first ('partition domainadd', policy 44 for a second one)." -- \
	clonectl hagroup addmember -group G -slot 4 -password co-pw
expect "the group file is unchanged" 0 "" "" -- cmp -s "$conf" "$TAP_OUT/before"
expect "a member with another co password is refused" 1 "" \
	"clonectl: hagroup: slot 5 refused the co password given; the members of an HA group share one co password, so it cannot be in group G (this counts as a failed co login on slot 5)." -- \
	clonectl hagroup addmember -group G -slot 5 -password co-pw
expect "the group file is unchanged" 0 "" "" -- cmp -s "$conf" "$TAP_OUT/before"
expect "a member with the domain's label but another secret is refused" 1 "" \
	"clonectl: hagroup: slot 7 and slot 1 have a domain under the same label but with other secrets (the handshake failed, and counts as a failed one on both), so slot 7 cannot be in group G." -- \
	clonectl hagroup addmember -group G -slot 7 -password co-pw
expect "the group file is unchanged" 0 "" "" -- cmp -s "$conf" "$TAP_OUT/before"
expect "creategroup checks every pair" 1 "" \
	"clonectl: hagroup: slot 4 shares no cloning domain with slot 6, so it cannot be in group H; give it the group's domain first ('partition domainadd', policy 44 for a second one)." -- \
	clonectl hagroup creategroup -label H -slots 6,4 -password co-pw
expect "and makes no group when one fails" 0 "" "" -- cmp -s "$conf" "$TAP_OUT/before"
expect "a slot is in one group only" 1 "" \
	"clonectl: hagroup: slot 2 is a member of group G already; a partition is in one group ('hagroup removemember' takes it out)." -- \
	clonectl hagroup creategroup -label H -slots 6,2 -password co-pw
expect "a slot with no partition" 1 "" \
	"clonectl: hagroup: there is no partition in slot 9; 'slot list' shows them." -- \
	clonectl hagroup addmember -group G -slot 9 -password co-pw
expect "addmember" 0 "^Slot 3 \(serial $(serial 3)\) joined group G as an active member; " "" -- \
	clonectl hagroup addmember -group G -slot 3 -password co-pw

# Uneven: slot 1 has four objects, slot 2 one of them and one of its own,
# slot 3 none.
on 1 "object generate -keytype aes -bits 256 -label k1" \
	"object generate -keytype ec-p256 -label signer" \
	"object create -label note -value hello" >/dev/null
on 1 "partition clone -slot 2 -objects $(handle 1 k1) -password co-pw" >/dev/null
on 2 "object generate -keytype aes -bits 128 -label k2" >/dev/null
expect "listgroups: needs sync (by counts, without the password)" 0 \
	'^  Needs sync: yes$' "" -- clonectl hagroup listgroups
expect "listgroups: the members alive, active" 0 \
	"^  3 +$(serial 3) +active +alive +0$" "" -- clonectl hagroup listgroups
expect "listgroups -password: needs sync" 0 '^  Needs sync: yes$' "" -- \
	clonectl hagroup listgroups -group G -password co-pw
expect "synchronize" 0 \
	'^Group G synchronized: its 3 members hold the same 5 objects \(9 copied\)\.$' "" -- \
	clonectl hagroup synchronize -group G -password co-pw
sync_out=$(out)
expect "each copy said" 0 "" "" -- grep -q '^Slot 1 to slot 3: 4 objects\.$' <<<"$sync_out"
expect "every member holds the same OUIDs and KCVs" 0 "" "" -- \
	test "$(contents 1 | wc -l)" = 5 -a "$(contents 1)" = "$(contents 2)" -a \
	"$(contents 1)" = "$(contents 3)"
expect "listgroups -password: in sync" 0 '^  Needs sync: no$' "" -- \
	clonectl hagroup listgroups -password co-pw
expect "a second synchronize copies nothing" 0 \
	'^Group G synchronized: its 3 members hold the same 5 objects \(0 copied\)\.$' "" -- \
	clonectl hagroup synchronize -group G -password co-pw

# A deletion on one member is undone; one on every member stays.
before=$(contents 1)
on 2 "object destroy -handle $(handle 2 note)" >/dev/null
expect "an object destroyed on one member" 0 '^  Needs sync: yes$' "" -- \
	clonectl hagroup listgroups -password co-pw
expect "comes back with synchronize" 0 \
	'^Group G synchronized: its 3 members hold the same 5 objects \(1 copied\)\.$' "" -- \
	clonectl hagroup synchronize -group G -password co-pw
expect "the same object (OUID, KCV)" 0 "" "" -- test "$(contents 2)" = "$before"
for s in 1 2 3; do
	on "$s" "object destroy -handle $(handle "$s" note)" >/dev/null
done
expect "destroyed on every member, it stays destroyed" 0 \
	'^Group G synchronized: its 3 members hold the same 4 objects \(0 copied\)\.$' "" -- \
	clonectl hagroup synchronize -group G -password co-pw
expect "no member has it" 1 "" "" -- grep -q '^note ' <<<"$(contents 1; contents 2; contents 3)"

# Standby members.
expect "addstandby of a new partition" 0 \
	"^Slot 6 \(serial $(serial 6)\) joined group G as a standby member; " "" -- \
	clonectl hagroup addstandby -group G -slot 6 -password co-pw
expect "listgroups shows it standby" 0 "^  6 +$(serial 6) +standby +alive +0$" "" -- \
	clonectl hagroup listgroups
expect "synchronize gives it the objects" 0 \
	'^Group G synchronized: its 4 members hold the same 4 objects \(4 copied\)\.$' "" -- \
	clonectl hagroup synchronize -group G -password co-pw
expect "the standby holds them" 0 "" "" -- test "$(contents 6)" = "$(contents 1)"
expect "removestandby makes it active" 0 '^Slot 6 is now an active member of group G\.$' "" -- \
	clonectl hagroup removestandby -group G -slot 6
expect "listgroups shows it active" 0 "^  6 +$(serial 6) +active +alive +4$" "" -- \
	clonectl hagroup listgroups
expect "addstandby of a member" 0 '^Slot 6 is now a standby member of group G\.$' "" -- \
	clonectl hagroup addstandby -group G -slot 6
expect "removestandby of an active member" 1 "" \
	"clonectl: hagroup: slot 1 is an active member of group G, not a standby one." -- \
	clonectl hagroup removestandby -group G -slot 1
expect "removemember" 0 '^Slot 6 left group G; its objects are as they were\.$' "" -- \
	clonectl hagroup removemember -group G -slot 6
expect "it is no member now" 1 "" "" -- grep -q '^member 6 ' "$conf"

# A member down: its partition deleted.
s3=$(serial 3)
clonectl partition delete -slot 3 -force >/dev/null
expect "listgroups shows it down, with the reason" 0 \
	"^  3 +$s3 +active +down +-  \(there is no partition in slot 3\)$" "" -- \
	clonectl hagroup listgroups
on 1 "object generate -keytype aes -bits 256 -label later" >/dev/null
expect "synchronize skips it, says so and fails" 1 \
	'^Slot 3: down \(there is no partition in slot 3\); skipped\.$' "" -- \
	clonectl hagroup synchronize -group G -password co-pw
sync_out=$(out)
expect "the others are synchronized" 0 "" "" -- grep -qx \
	'Group G synchronized but for 1 member down: the 2 alive hold the same 5 objects (1 copied).' \
	<<<"$sync_out"
expect "slot 2 has the new key" 0 "" "" -- test "$(contents 2)" = "$(contents 1)"

# Another partition in the same slot is not the member.
partition intruder ha-secret 3
expect "the new partition took slot 3" 0 "" "" -- test "$(serial 3)" != "$s3"
expect "listgroups: the serial differs, so the member is down" 0 \
	"^  3 +$s3 +active +down +-  \(slot 3 holds another partition \(serial $(serial 3), not $s3\)\)$" "" -- \
	clonectl hagroup listgroups
expect "synchronize gives it nothing" 1 \
	"^Slot 3: down \(slot 3 holds another partition \(serial $(serial 3), not $s3\)\); skipped\.$" "" -- \
	clonectl hagroup synchronize -group G -password co-pw
expect "the intruder holds no object" 0 "" "" -- test -z "$(contents 3)"
expect "removemember of the member that is gone" 0 '^Slot 3 left group G' "" -- \
	clonectl hagroup removemember -group G -slot 3

# Two commands at once: the group file's lock is held.
exec {lockfd}>"$conf.lock"
flock -x "$lockfd"
expect "a synchronize while another holds the group file is refused" 1 "" \
	"clonectl: the HA group file $conf is in use by another 'hagroup' command (a synchronize, or a change to a group); run this one when it has ended." -- \
	clonectl hagroup synchronize -group G -password co-pw
expect "and so is a change" 1 "" \
	"clonectl: the HA group file $conf is in use by another 'hagroup' command (a synchronize, or a change to a group); run this one when it has ended." -- \
	clonectl hagroup removemember -group G -slot 2
exec {lockfd}>&-
expect "the lock released, it runs" 0 '^Group G synchronized: its 2 members' "" -- \
	clonectl hagroup synchronize -group G -password co-pw

# A group file edited by hand.
cp "$conf" "$TAP_OUT/good"
echo "member 1 $(serial 1) active" >>"$conf"
line=$(wc -l <"$conf")
expect "a member listed twice is refused" 1 "" \
	"clonectl: the HA group file $conf, line $line: slot 1 is listed twice (a partition is in one group, once); correct it (docs/ha.md gives the format) or remove that group's lines." -- \
	clonectl hagroup synchronize -group G -password co-pw
expect "by listgroups too" 1 "" \
	"clonectl: the HA group file $conf, line $line: slot 1 is listed twice (a partition is in one group, once); correct it (docs/ha.md gives the format) or remove that group's lines." -- \
	clonectl hagroup listgroups
cp "$TAP_OUT/good" "$conf"
echo "member 99 424242 active" >>"$conf"
expect "an unknown slot is a member down" 0 \
	'^  99 +424242 +active +down +-  \(there is no partition in slot 99\)$' "" -- \
	clonectl hagroup listgroups
expect "that synchronize skips" 1 \
	'^Slot 99: down \(there is no partition in slot 99\); skipped\.$' "" -- \
	clonectl hagroup synchronize -group G -password co-pw
sed -i 's/^member 99 .*/member 99/' "$conf"
expect "a member line cut short is refused" 1 "" \
	"clonectl: the HA group file $conf, line $line: a member line is 'member SLOT SERIAL active|standby'; correct it (docs/ha.md gives the format) or remove that group's lines." -- \
	clonectl hagroup listgroups
sed -i 's/^member 99$/member 7 1 primary/' "$conf"
expect "a line that is not the format is refused" 1 "" \
	"clonectl: the HA group file $conf, line $line: a member is 'active' or 'standby'; correct it (docs/ha.md gives the format) or remove that group's lines." -- \
	clonectl hagroup listgroups
printf '%s\n' "group pair" "member 6 $(serial 6) active" "member 98 1 active" >>"$TAP_OUT/good.pair"
cat "$TAP_OUT/good" "$TAP_OUT/good.pair" >"$conf"
expect "one member alive of two: nothing to compare" 0 \
	'^  Needs sync: unknown \(fewer than two members alive\)$' "" -- \
	clonectl hagroup listgroups -group pair -password co-pw
cp "$TAP_OUT/good" "$conf"

expect "--json listgroups" 0 "" "" -- test "$(clonectl --json hagroup listgroups -password co-pw |
	py 'import json,sys
g = json.load(sys.stdin)["groups"][0]
print(g["label"], g["needs_sync"], " ".join("%d:%s:%s" % (m["slot"], m["role"], m["state"]) for m in g["members"]))')" = \
	"G no 1:active:alive 2:active:alive"
expect "deletegroup" 0 '^HA group G deleted; ' "" -- \
	clonectl hagroup deletegroup -label G
expect "no group left" 0 '^No HA groups in ' "" -- clonectl hagroup listgroups
expect "the members keep their objects" 0 "" "" -- test "$(contents 2)" = "$(contents 1)"
delete_all
tap_done
