#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The HSM administrator is CAP_SYS_ADMIN: a process with only CAP_NET_ADMIN
# may neither create nor delete a partition (EPERM, nothing changes), one
# with only CAP_SYS_ADMIN may. The store belongs to the module: the
# administrator request that opens it does not choose its file (the
# caller's mount namespace) nor its key (the caller's keyrings). Runs as
# root in the VM; the runner put the sealing key in root's user keyring.
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=tap.sh
. selftests/tap.sh
PATH=$PWD/build/bin:$PATH

keyfile=${CLONEDEV_STORE_KEY:?the runner sets CLONEDEV_STORE_KEY}
log=/var/lib/clonedev/clonedev.log
eperm_create="clonectl: creating the partition: not permitted; this needs the HSM administrator (root)."
eperm_delete="clonectl: deleting the partition: not permitted; this needs the HSM administrator (root)."

slots() { clonectl --json slot list; }
labels() { slots | python3 -c 'import json,sys; print(" ".join(s["label"] for s in json.load(sys.stdin)["slots"]))'; }
reload() { rmmod clonedev && modprobe clonedev; }
put_key() { keyctl padd logon clonedev:store @u <"$1" >/dev/null; }
drop_key() { keyctl unlink "$(keyctl search @u logon clonedev:store)" @u >/dev/null; }
# only CAP: runs the rest as root holding no capability but CAP.
only()
{
	local cap=$1

	shift
	setpriv --inh-caps=-all,+"$cap" --ambient-caps=-all,+"$cap" \
		--bounding-set=-all,+"$cap" -- "$@"
}

delete_all
clonectl partition create -label admin-a >/dev/null
before=$(slots)

# shellcheck disable=SC2016 # awk's own $2
[ "$(only net_admin awk '/^CapEff/ { print $2 }' /proc/self/status)" = 0000000000001000 ]
tap_result $? "setpriv leaves exactly CAP_NET_ADMIN"

expect "CAP_NET_ADMIN alone cannot create a partition (EPERM)" 1 "" \
	"$eperm_create" -- only net_admin clonectl partition create -label na
[ "$(slots)" = "$before" ]
tap_result $? "the refused create changed nothing"

expect "CAP_NET_ADMIN alone cannot delete a partition (EPERM)" 1 "" \
	"$eperm_delete" -- only net_admin clonectl partition delete -slot 1 -force
[ "$(slots)" = "$before" ]
tap_result $? "the refused delete changed nothing"

expect "an unknown slot is not even looked up without CAP_SYS_ADMIN" 1 "" \
	"$eperm_delete" -- only net_admin clonectl partition delete -slot 42 -force

# The debug kernel (tinyconfig) has no user namespaces.
if unshare --user --map-root-user true 2>/dev/null; then
	expect "CAP_SYS_ADMIN in a user namespace of its own is not enough (EPERM)" 1 "" \
		"$eperm_create" -- unshare --user --map-root-user clonectl partition create -label userns
else
	tap_result 0 "CAP_SYS_ADMIN in a user namespace of its own # SKIP this kernel has no user namespaces"
fi
[ "$(slots)" = "$before" ]
tap_result $? "the refused create changed nothing"

expect "CAP_SYS_ADMIN alone creates a partition" 0 "in slot 2" "" -- \
	only sys_admin clonectl partition create -label sa
expect "CAP_SYS_ADMIN alone deletes a partition" 0 "" "" -- \
	only sys_admin clonectl partition delete -slot 2 -force
[ "$(slots)" = "$before" ]
tap_result $? "the slot list is as before"

# The store is closed and the key there again: the next administrator
# request opens it, here from a caller in its own mount namespace with an
# empty tmpfs over the store directory.
drop_key
reload
put_key "$keyfile"
# The log may be compacted as it opens, so it is its change that shows.
touch -d '1 minute ago' "$TAP_OUT/mark"
touch -r "$TAP_OUT/mark" "$log"
unshare -m --propagation private bash -c '
	mount -t tmpfs tmpfs /var/lib/clonedev &&
	clonectl partition create -label in-ns >/dev/null &&
	[ ! -e /var/lib/clonedev/clonedev.log ]'
tap_result $? "a caller in another mount namespace does not redirect the store"
[ "$log" -nt "$TAP_OUT/mark" ]
tap_result $? "the partition made there is written to the real store file"
reload
[ "$(labels)" = "admin-a in-ns" ]
tap_result $? "after a reload both partitions are there"
clonectl partition delete -slot 2 -force >/dev/null

# The same with the caller's own keyrings: a session keyring of its own,
# holding another key of the same name, does not choose the sealing key.
drop_key
reload
put_key "$keyfile"
head -c 32 /dev/urandom >"$TAP_OUT/otherkey"
# shellcheck disable=SC2016 # $1 is the inner shell's
keyctl session - bash -c '
	keyctl padd logon clonedev:store @s <"$1" >/dev/null &&
	clonectl partition create -label own-key >/dev/null' _ "$TAP_OUT/otherkey" \
	>/dev/null 2>"$TAP_OUT/err"
rc=$?
[ $rc -eq 0 ] || err | tap_diag
tap_result $rc "the caller's keyrings do not choose the sealing key"
reload
[ "$(labels)" = "admin-a own-key" ]
tap_result $? "the store opened so is the real one, sealed under the real key"

delete_all
tap_done
