#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The store's TPM anchor (docs/store-format.md, "TPM anchor"): rollback is
# refused. In a VM booted with selftests/vm/run --tpm DIR --disk FILE:
# a new store is anchored and every durable commit advances the counter
# by one; an older copy of the log, a log cut at an earlier commit and a
# deleted log are refused (the files and the counter left as they are)
# until store_tpm_reset=1; an unanchored store is anchored; a store is
# refused under another index, with no TPM, and when its index is gone.
# selftests/check boots three times on the same disk and TPM state: the
# second boot opens the anchored store, the third (no --tpm) refuses it.
# Skips (TAP "1..0 # SKIP") where a boot has nothing to check.
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=tap.sh
. selftests/tap.sh
PATH=$PWD/build/bin:$PATH

dir=/var/lib/clonedev
log=$dir/clonedev.log
# What an earlier boot on the same disk left: its phase, slots and log.
state=$dir/anchor_test.phase
saved_slots=$dir/anchor_test.slots
saved_log=$dir/anchor_test.log
idx=0x0180c1d0
other=0x0180c1d1
work=$TAP_OUT/anchor
mkdir -p "$work"
export TPM2TOOLS_TCTI=device:/dev/tpmrm0

have_tpm=0
[ -c /dev/tpmrm0 ] &&
	[ "$(cat /sys/class/tpm/tpm0/tpm_version_major 2>/dev/null)" = 2 ] &&
	have_tpm=1
persistent=0
mountpoint -q "$dir" && persistent=1
phase=0
[ "$persistent" = 1 ] && [ -s "$state" ] && phase=$(cat "$state")

if [ "$have_tpm" = 0 ] && [ "$phase" != 2 ]; then
	echo "1..0 # SKIP no TPM 2.0 in this VM, and no anchored store from an earlier boot"
	exit 0
fi
if [ "$have_tpm" = 1 ] && ! command -v tpm2_nvread >/dev/null; then
	echo "1..0 # SKIP tpm2-tools is not installed (selftests/vm/deps installs it)"
	exit 0
fi

counter()
{
	tpm2_nvread -s 8 "$idx" 2>/dev/null | od -An -tu8 --endian=big | tr -d ' '
}
slots() { clonectl --json slot list; }
load() { rmmod clonedev 2>/dev/null; modprobe clonedev "$@"; }
# load_as LOG [PARAM...]: reloads with LOG as the store's log.
load_as()
{
	local f=$1

	shift
	rmmod clonedev && cp "$f" "$log" && modprobe clonedev "$@"
}
# refused DESC REASON: the store does not open, with REASON as the error.
refused()
{
	run clonectl partition create -label x
	[ "$RC" = 1 ] &&
		[ "$(err)" = "clonectl: creating the partition: $2." ]
	local rc=$?

	[ "$rc" = 0 ] || err | tap_diag
	tap_result "$rc" "$1"
}
# kernel_says DESC PATTERN: the kernel logged PATTERN since the mark.
mark() { dmesg | wc -l >"$work/mark"; }
kernel_says()
{
	dmesg | tail -n +"$(($(cat "$work/mark") + 1))" | grep -qE -- "$2"
	tap_result $? "$1"
}

case $phase in
0)
	# The first boot: the VM's start loaded clonedev over an empty store.
	dmesg | grep -qE "clonedev: store anchored to TPM NV index $idx: counter [1-9][0-9]* at commit 0$"
	tap_result $? "a new store is anchored to the TPM counter at its first commit"
	run tpm2_nvreadpublic "$idx"
	grep -qE 'value: 0x22040014$' "$TAP_OUT/out"
	tap_result $? "the anchor's index is a written counter with authwrite, authread and no_da"

	py_start
	delete_all
	c0=$(counter)
	clonectl partition create -label anchor-a >/dev/null
	c1=$(counter)
	[ -n "$c0" ] && [ "$c1" = $((c0 + 1)) ]
	tap_result $? "a durable commit advances the counter by one ($c0 -> $c1)"

	rmmod clonedev && cp "$log" "$work/old" && modprobe clonedev
	old_slots=$(slots)
	clonectl partition create -label anchor-b >/dev/null
	new_slots=$(slots)
	rmmod clonedev && cp "$log" "$work/new" && modprobe clonedev
	c=$(counter)

	load_as "$work/old"
	refused "an older copy of the store is refused" \
		"the store is older than its TPM anchor (an older copy, or a log cut short)"
	cmp -s "$log" "$work/old" && [ "$(counter)" = "$c" ]
	tap_result $? "the older copy and the counter are left as they are"

	py_file selftests/store_edit.py cut "$work/new" "$work/cut" &&
		load_as "$work/cut"
	refused "a log cut at an earlier commit is refused" \
		"the store is older than its TPM anchor (an older copy, or a log cut short)"
	cmp -s "$log" "$work/cut"
	tap_result $? "the cut log is left as it is"

	load_as "$work/new"
	[ "$(slots)" = "$new_slots" ] && [ "$(counter)" = "$c" ]
	tap_result $? "the newest store opens, and the counter has not moved"

	rmmod clonedev && rm "$log" && modprobe clonedev
	refused "a deleted store is refused: the counter shows one existed" \
		"the store's file is missing, but its TPM anchor shows that a store existed"
	[ ! -s "$log" ] && [ "$(counter)" = "$c" ]
	tap_result $? "nothing is written for it, and the counter has not moved"

	mark
	load_as "$work/old" store_tpm_reset=1
	[ "$(slots)" = "$old_slots" ]
	tap_result $? "store_tpm_reset=1 accepts the older copy as it is"
	kernel_says "the reset is in the kernel log" \
		"clonedev: store_tpm_reset: the store is accepted as found and anchored again"
	load
	[ "$(slots)" = "$old_slots" ]
	tap_result $? "re-anchored, it opens again without store_tpm_reset"
	rmmod clonedev && cp "$log" "$work/main" && modprobe clonedev
	load_as "$work/new"
	refused "the copy that was newer is now refused: the counter has passed it" \
		"the store is older than its TPM anchor (an older copy, or a log cut short)"

	# An unanchored store (made with store_tpm_index=0) is anchored when
	# it is opened with a TPM counter: here a second index.
	tpm2_nvundefine "$other" -C o >/dev/null 2>&1
	rmmod clonedev && rm "$log" && modprobe clonedev store_tpm_index=0
	clonectl partition create -label anchor-u >/dev/null
	u_slots=$(slots)
	[ "$(py_file selftests/store_edit.py batches "$log")" -ge 2 ]
	tap_result $? "with store_tpm_index=0 a new store is made without a TPM"
	mark
	load store_tpm_index="$other"
	[ "$(slots)" = "$u_slots" ]
	tap_result $? "an unanchored store opens with a TPM and keeps its partitions"
	kernel_says "it is anchored to that index at its last commit" \
		"clonedev: store anchored to TPM NV index $other: counter [1-9][0-9]* at commit [1-9][0-9]*$"
	load
	refused "under another store_tpm_index it is refused" \
		"the store is anchored to another TPM NV index than store_tpm_index"
	load store_tpm_index=0
	refused "with store_tpm_index=0 an anchored store is refused" \
		"the store is anchored to a TPM and this host has none"
	rmmod clonedev
	tpm2_nvundefine "$other" -C o >/dev/null 2>&1
	modprobe clonedev store_tpm_index="$other"
	refused "a store whose TPM index was deleted is refused" \
		"the store's TPM anchor is gone (TPM cleared or index deleted)"

	load_as "$work/main"
	[ "$(slots)" = "$old_slots" ]
	tap_result $? "the anchored store opens again"
	if [ "$persistent" = 1 ]; then
		slots >"$saved_slots" && echo 1 >"$state" && sync
	fi
	;;
1)
	! dmesg | grep -q 'clonedev: store refused' &&
		[ "$(slots)" = "$(cat "$saved_slots")" ]
	tap_result $? "after a reboot with the same TPM the anchored store opens whole"
	c0=$(counter)
	clonectl partition create -label anchor-r >/dev/null
	[ -n "$c0" ] && [ "$(counter)" = $((c0 + 1)) ]
	tap_result $? "and its commits advance the counter again"
	rmmod clonedev && cp "$log" "$saved_log" && modprobe clonedev
	echo 2 >"$state" && sync
	;;
2)
	if [ "$have_tpm" = 1 ]; then
		echo "1..0 # SKIP the TPM-less boot of this test finds a TPM"
		exit 0
	fi
	refused "without a TPM the anchored store is refused" \
		"the store is anchored to a TPM and this host has none"
	cmp -s "$log" "$saved_log"
	tap_result $? "and left as it is"
	dmesg | grep -qE "clonedev: store refused: it is anchored to TPM NV index $idx and this host has no TPM 2.0"
	tap_result $? "the kernel log says why"
	;;
esac
tap_done
