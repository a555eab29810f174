#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The sealed store: partitions survive a reload; nothing is in plain form
# on disk; a torn tail is cut off; a torn batch leaves no trace; a tampered
# store or a wrong key is reported and the file left untouched; without the
# key the HSM is not activated until the key is added; compaction, and
# interrupted compactions finished; records bound to their log generation
# and place (a spliced batch, swapped batches, a planted compaction file
# of an older generation are refused, the files left as they are), while
# a log cut at an earlier commit still loads (rollback: the TPM anchor's
# job); a format-1 store loads and is rewritten in format 2. Also the
# partition commands of clonectl. Runs as root in the VM; the runner put the test
# sealing key in root's user keyring.
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=tap.sh
. selftests/tap.sh
PATH=$PWD/build/bin:$PATH
py_start

log=/var/lib/clonedev/clonedev.log
work=$TAP_OUT/store
mkdir -p "$work"
keyid=$(keyctl search @u logon clonedev:store)
# A logon key cannot be read back, so the runner's key file is used again.
keyfile=${CLONEDEV_STORE_KEY:?the runner sets CLONEDEV_STORE_KEY}

reload() { rmmod clonedev && modprobe clonedev; }
reload_small() { rmmod clonedev && modprobe clonedev store_compact_min=16384; }
po() { printf '%s\n' "role login -slot 1 -name po -password po-pw" "$@" | clonectl; }
slots() { clonectl --json slot list; }
put_key() { keyctl padd logon clonedev:store @u <"$1" >/dev/null; }

delete_all
expect "partition create prints the new slot" 0 \
	"^Created partition 'persist-a' in slot 1 \(serial [0-9]{12}\)\.$" "" -- \
	clonectl partition create -label persist-a
expect "partition create with every option" 0 "in slot 2" "" -- \
	clonectl partition create -label persist-b -auth quorum -type backup -protocol legacy
expect "slot list shows both" 0 \
	'^2 +persist-b +[0-9]{12} +quorum +backup +legacy +uninitialized +0$' "" -- \
	clonectl slot list
before=$(slots)

reload
[ "$(slots)" = "$before" ]
tap_result $? "partitions, slots and serials survive rmmod/modprobe"

! grep -q persist- "$log" && [ -s "$log" ]
tap_result $? "labels are not in the store file in plain form"

size=$(stat -c %s "$log")
head -c 100 /dev/urandom >>"$log"
reload
[ "$(slots)" = "$before" ] && [ "$(stat -c %s "$log")" = "$size" ]
tap_result $? "a torn tail of garbage is cut off and nothing is lost"

clonectl partition create -label torn >/dev/null
truncate -s -10 "$log"
reload
[ "$(slots)" = "$before" ]
tap_result $? "a batch whose commit record is torn leaves no trace"
expect "the store takes new work after a torn batch" 0 "in slot 3" "" -- \
	clonectl partition create -label after-torn
clonectl partition delete -slot 3 -force >/dev/null
before=$(slots)

cp "$log" "$work/good"
# Flip one byte inside the second record (a partition record).
py - "$log" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
b[120] ^= 0x40
open(p, 'wb').write(bytes(b))
PY
cp "$log" "$work/tampered"
reload
expect "a tampered store is refused with a clear error" 1 "" \
	"clonectl: creating the partition: the store is damaged or was tampered with: a sealed record fails authentication." -- \
	clonectl partition create -label x
cmp -s "$log" "$work/tampered"
tap_result $? "the tampered store file is left as it was"
expect "hsm show says the HSM is not activated" 0 \
	"^  Activated: +no \(the store's sealing key is not loaded\)$" "" -- clonectl hsm show
dmesg | grep -q 'clonedev: the store is damaged or was tampered with'
tap_result $? "the kernel log names the damage"
cp "$work/good" "$log"
reload
[ "$(slots)" = "$before" ]
tap_result $? "the restored store loads again"

head -c 32 /dev/urandom >"$work/otherkey"
put_key "$work/otherkey"
reload
expect "a wrong sealing key is refused" 1 "" \
	"clonectl: creating the partition: the store cannot be unsealed: wrong sealing key, or the store is damaged." -- \
	clonectl partition create -label x
cmp -s "$log" "$work/good"
tap_result $? "the store file is untouched under a wrong key"

head -c 16 /dev/urandom >"$work/shortkey"
put_key "$work/shortkey"
reload
expect "a sealing key of the wrong size is refused" 1 "" \
	"clonectl: creating the partition: the store's sealing key must be exactly 32 bytes." -- \
	clonectl partition create -label x

keyctl unlink "$(keyctl search @u logon clonedev:store)" @u >/dev/null
reload
expect "without the key the HSM is not activated" 1 "" \
	"clonectl: creating the partition: the HSM is not activated; add the store's sealing key with 'keyctl padd logon clonedev:store @u < KEYFILE'." -- \
	clonectl partition create -label x
put_key "$keyfile"
expect "adding the key activates the HSM at the next request" 0 "in slot 3" "" -- \
	clonectl partition create -label late
clonectl partition delete -slot 3 -force >/dev/null
[ "$(slots)" = "$before" ]
tap_result $? "the partitions are back once the key is there"
: "$keyid"

expect "partition delete refuses without confirmation" 1 \
	"Type 'proceed' to continue" \
	"clonectl: the partition was not deleted; answer 'proceed' or add -force." -- \
	clonectl partition delete -slot 1
expect "partition delete of an unknown slot" 1 "" \
	"clonectl: deleting the partition: no partition has this slot number." -- \
	clonectl partition delete -slot 42 -force
expect "partition delete with a bad slot number" 1 "" \
	"clonectl: 'one' is not a slot number; 'slot list' shows them." -- \
	clonectl partition delete -slot one -force
expect "partition delete confirmed in the shell" 0 "^Deleted the partition in slot 1\.$" "" -- \
	sh -c 'printf "partition delete -slot 1\nproceed\nslot list\n" | clonectl'
expect "a duplicate label is refused" 1 "" \
	"clonectl: creating the partition: a partition with this label exists already." -- \
	clonectl partition create -label persist-b
expect "a bad -auth value is refused" 1 "" \
	"clonectl: -auth must be password or quorum, not 'pin'." -- \
	clonectl partition create -label y -auth pin
expect "an unprivileged user may not create partitions" 1 "" \
	"clonectl: creating the partition: not permitted; this needs the HSM administrator (root)." -- \
	setpriv --reuid=65534 --regid=65534 --clear-groups clonectl partition create -label z
expect "an unprivileged user may list slots" 0 "persist-b" "" -- \
	setpriv --reuid=65534 --regid=65534 --clear-groups clonectl slot list

# Compaction: a small threshold, then churn that would grow the log.
rmmod clonedev && modprobe clonedev store_compact_min=16384
delete_all
clonectl partition create -label churn >/dev/null
clonectl partition init -slot 1 -label churn -domain d -domainlabel dom -password po-pw >/dev/null
{
	echo "role login -slot 1 -name po -password po-pw"
	for i in $(seq 40); do
		echo "partition changepolicy -policy 22 -value $((i % 2))"
	done
} | clonectl >/dev/null
size=$(stat -c %s "$log")
[ "$size" -lt 20000 ]
tap_result $? "forty changes later the log is compacted ($size bytes)"
before=$(slots)
pol22() { clonectl partition showpolicies -slot 1 | grep '^ 22:'; }
want=$(pol22)
reload
[ "$(slots)" = "$before" ] && [ "$(pol22)" = "$want" ] && [ "$want" = " 22: Allow activation : 0" ]
tap_result $? "the compacted store loads with the last value"

cp "$log" "$log.compact"
truncate -s 100 "$log"
reload
[ "$(slots)" = "$before" ] && [ ! -s "$log.compact" ]
tap_result $? "a compaction cut short while rewriting the log is finished at load"
dmesg | grep -q 'clonedev: finished an interrupted compaction of the store'
tap_result $? "the kernel log says the compaction was finished"

head -c 100 "$log" >"$log.compact"
reload
[ "$(slots)" = "$before" ] && [ ! -s "$log.compact" ]
tap_result $? "a compaction file cut short is dropped and the log used"

# Log generations. L: a log grown past 16384 bytes under the default
# threshold; C: what compacting it at the next open made, byte for byte
# its compaction file (nothing was written after it). Every refused store
# must be left exactly as it is.
edit() { py_file selftests/store_edit.py "$@"; }
# load_as LOG [COMPACT]: reloads with LOG as the log (and COMPACT as the
# compaction file).
load_as() {
	rmmod clonedev && cp "$1" "$log" && { [ $# = 1 ] || cp "$2" "$log.compact"; } &&
		modprobe clonedev store_compact_min=16384
}
refused() {
	run clonectl partition create -label x
	[ "$RC" = 1 ] && case $(err) in
	"clonectl: creating the partition: the store is damaged or was tampered with: $2"*) ;;
	*) false ;;
	esac
	local rc=$?

	[ "$rc" = 0 ] || err | tap_diag
	tap_result "$rc" "$1"
}
churn() {
	{
		echo "role login -slot 1 -name po -password po-pw"
		for i in $(seq 30); do
			echo "partition changepolicy -policy 22 -value $(((i + $1) % 2))"
		done
	} | clonectl >/dev/null
}
churn 0
cp "$log" "$work/L"
gen_l=$(pol22)
reload_small
cp "$log" "$work/C"
[ "$(stat -c %s "$work/C")" -lt 16384 ] && [ "$(stat -c %s "$work/L")" -ge 16384 ] &&
	[ "$(pol22)" = "$gen_l" ]
tap_result $? "a log over the threshold is compacted when it is opened"

load_as "$work/L" "$work/C"
[ "$(pol22)" = "$gen_l" ] && cmp -s "$log" "$work/C" && [ ! -s "$log.compact" ]
tap_result $? "a complete compaction whose parent is the log is finished (the copy had not begun)"
{ head -c 600 "$work/C" && tail -c +601 "$work/L"; } >"$work/half"
load_as "$work/half" "$work/C"
[ "$(pol22)" = "$gen_l" ] && cmp -s "$log" "$work/C" && [ ! -s "$log.compact" ]
tap_result $? "a complete compaction with the log's own store_id is finished (the copy was under way)"

# D: a later generation, compacted at least once more since C, and at
# least three batches after its header's.
churn 1
for i in $(seq 20); do
	[ "$(edit batches "$log")" -ge 4 ] && break
	po "partition changepolicy -policy 22 -value $((i % 2))" >/dev/null
done
cp "$log" "$work/D"
gen_d=$(slots)$(pol22)
load_as "$work/D" "$work/C"
refused "a planted compaction file of an older generation is refused" \
	"clonedev.log.compact is not a compaction of this log; both files are left as they are."
cmp -s "$log" "$work/D" && cmp -s "$log.compact" "$work/C"
tap_result $? "the log and the planted compaction file are left as they are"
rm "$log.compact"
load_as "$work/D"
[ "$(slots)$(pol22)" = "$gen_d" ]
tap_result $? "without the planted file the log loads"

edit splice "$work/L" "$work/D" "$work/spliced" &&
	load_as "$work/spliced"
refused "a batch of an older generation after a commit, its sequence numbers following on, is refused" \
	"sealed records from another place or generation follow the last commit."
cmp -s "$log" "$work/spliced"
tap_result $? "the spliced store is left as it is"

edit swap "$work/D" "$work/swapped" && load_as "$work/swapped"
refused "two committed batches swapped are refused" ""
cmp -s "$log" "$work/swapped"
tap_result $? "the reordered store is left as it is"

edit cut "$work/D" "$work/cut" && load_as "$work/cut"
clonectl slot list | grep -q ' churn ' && cmp -s "$log" "$work/cut"
tap_result $? "a log cut at an earlier commit still loads: a rollback only a counter outside the file (TPM) refuses"
py - "$work/D" "$work/nohdr" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], 'rb').read())
struct.pack_into('<I', b, 8, 65536)	# the header record's length: past the end
open(sys.argv[2], 'wb').write(bytes(b))
PY
load_as "$work/nohdr"
refused "a log whose header record is damaged is refused, not started afresh" \
	"a sealed record fails authentication."
cmp -s "$log" "$work/nohdr"
tap_result $? "the log with the damaged header record is left as it is"
load_as "$work/D"
[ "$(slots)$(pol22)" = "$gen_d" ]
tap_result $? "the whole log loads again"

# A change that commits before memory follows it (a destructive policy
# change, a re-initialization) must not be undone by a compaction that
# its own commit makes due: the log is brought to one record short of
# the threshold (16384 bytes after a reload), then the change is made.
edge_po() {
	local size rec n

	size=$(stat -c %s "$log")
	po "partition changepolicy -policy 22 -value 1" >/dev/null
	rec=$(($(stat -c %s "$log") - size))
	size=$((size + rec))
	n=$(((16383 - size) / rec))
	{
		echo "role login -slot 1 -name po -password $1"
		for ((i = 0; i < n; i++)); do
			echo "partition changepolicy -policy 22 -value $((i % 2))"
		done
		shift
		printf '%s\n' "$@"
	} | clonectl >/dev/null
}
objects() { clonectl --json slot list | py 'import json,sys; print(json.load(sys.stdin)["slots"][0]["objects"])'; }
fresh_keys() {
	delete_all
	reload_small
	clonectl partition create -label edge >/dev/null
	printf '%s\n' "slot set -slot 1" \
		"partition init -label edge -domain d -domainlabel dom -password po-pw" \
		"role login -name po -password po-pw" "role init -name co -password co-pw" \
		"role login -name co -password co-pw" \
		"object generate -keytype ec-p256 -label pair" \
		"object generate -keytype aes -bits 256 -label sym" | clonectl >/dev/null
}
fresh_keys
n0=$(objects)
edge_po po-pw "partition changepolicy -policy 0,1 -value 0,1 -force"
compacted=$(stat -c %s "$log")
reload_small
[ "$n0" -ge 3 ] && [ "$compacted" -lt 16384 ] && [ "$(objects)" = 0 ]
tap_result $? "a destructive policy change whose commit compacts the log stays after a reload ($n0 objects before, $(objects) after, log $compacted bytes)"
fresh_keys
edge_po po-pw "partition init -label edge2 -domain d -domainlabel dom -password po-pw2"
compacted=$(stat -c %s "$log")
reload_small
[ "$compacted" -lt 16384 ] && [ "$(objects)" = 0 ] &&
	clonectl slot list | grep -q ' edge2 ' &&
	printf '%s\n' "role login -slot 1 -name po -password po-pw2" | clonectl >/dev/null
tap_result $? "a re-initialization whose commit compacts the log stays after a reload"

# A long log, several times replay's read-ahead (256 KiB): three batches
# of 1,000 keys, a record each. It loads whole; a record changed in its
# middle is refused; cut inside its last batch, it loads without that
# batch.
fresh_keys
for i in 1 2 3; do
	printf '%s\n' "role login -slot 1 -name co -password co-pw" \
		"object generate -keytype aes -bits 256 -label bulk$i -count 1000" | clonectl >/dev/null
done
n_big=$(objects)
cp "$log" "$work/big"
reload
[ "$n_big" -ge 3000 ] && [ "$(objects)" = "$n_big" ] && cmp -s "$log" "$work/big"
tap_result $? "a log of $n_big objects in long batches reloads whole"
py - "$work/big" "$work/big-bad" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], 'rb').read())
recs, pos = [], 0
while pos + 40 <= len(b):
    n = struct.unpack_from('<I', b, pos + 8)[0]
    recs.append(pos)
    pos += 40 + n + 16
b[recs[len(recs) // 2] + 40 + 5] ^= 0x01
open(sys.argv[2], 'wb').write(bytes(b))
PY
load_as "$work/big-bad"
refused "a record changed in the middle of a long log is refused" \
	"a sealed record fails authentication."
cmp -s "$log" "$work/big-bad"
tap_result $? "the long log with the changed record is left as it is"
head -c $(($(stat -c %s "$work/big") - 100)) "$work/big" >"$work/big-cut"
load_as "$work/big-cut"
[ "$(objects)" = $((n_big - 1000)) ]
tap_result $? "a long log cut inside its last batch loads without that batch"

# A format-1 store, made by the module before format 2 under the key
# beside it (selftests/store-v1/): a partition v1-store with po, co and one
# imported AES-128 key (bytes 00..0f, KCV c6a13b), and a second partition
# created and deleted.
v1=selftests/store-v1
rmmod clonedev && rm -f "$log.compact" && cp "$v1/clonedev.log" "$log" &&
	put_key "$v1/store.key" && modprobe clonedev
expect "a format-1 store loads" 0 \
	"^1 +v1-store +[0-9]{12} +password +application +current +initialized +1$" "" -- \
	clonectl slot list
expect "its key is there with its check value" 0 "^1 +secret key +aes +128 +c6a13b +v1-aes$" "" -- \
	sh -c 'printf "%s\n" "role login -slot 1 -name co -password co-pw" "partition contents" | clonectl'
[ "$(edit version "$log")" = 2 ] && dmesg | grep -q 'clonedev: upgraded the store from format 1 to format 2'
tap_result $? "a format-1 store is rewritten in format 2 when it is loaded, and the kernel log says so"
v1_slots=$(slots)
reload
[ "$(slots)" = "$v1_slots" ]
tap_result $? "the upgraded store loads again"
cp "$log" "$work/v2"
edit splice "$v1/clonedev.log" "$work/v2" "$work/mixed" && load_as "$work/mixed"
refused "a format-1 batch after a format-2 commit is refused" \
	"records of two format versions in one log."
cmp -s "$log" "$work/mixed"
tap_result $? "the mixed store is left as it is"
rmmod clonedev && rm -f "$log" && put_key "$keyfile" && modprobe clonedev

delete_all
tap_done
