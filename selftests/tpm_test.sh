#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The TPM 2.0 that anchors the store against rollback (docs/store-format.md,
# "TPM anchor"), in a VM booted with selftests/vm/run --tpm DIR: the guest
# has the TPM, its NV counters work as the anchor uses them, and with the
# same DIR and --disk on a second boot a counter has kept its value.
# Skips (TAP "1..0 # SKIP") without a TPM 2.0.
#
# This checks the TPM itself with tpm2-tools, on a scratch index beside
# the anchor's; the store's use of it is selftests/anchor_test.sh.
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=tap.sh
. selftests/tap.sh
PATH=$PWD/build/bin:$PATH

if [ ! -c /dev/tpmrm0 ] ||
	[ "$(cat /sys/class/tpm/tpm0/tpm_version_major 2>/dev/null)" != 2 ]; then
	echo "1..0 # SKIP no TPM 2.0 in this VM (boot it with selftests/vm/run --tpm DIR)"
	exit 0
fi
if ! command -v tpm2_nvdefine >/dev/null; then
	echo "1..0 # SKIP tpm2-tools is not installed (selftests/vm/deps installs it)"
	exit 0
fi
export TPM2TOOLS_TCTI=device:/dev/tpmrm0

# A scratch counter next to the anchor's default index 0x0180c1d0, with the
# anchor's attributes; its last value is kept on the disk, when there is one.
idx=0x0180c1df
attrs="nt=counter|authwrite|authread|no_da"
state=/var/lib/clonedev/tpm_test.counter
persistent=0
mountpoint -q /var/lib/clonedev && persistent=1

counter()
{
	tpm2_nvread -s 8 "$idx" 2>/dev/null | od -An -tu8 --endian=big | tr -d ' '
}

expect "the TPM reports family 2.0" 0 'value: "2\.0"' "" -- \
	tpm2_getcap properties-fixed

if [ "$persistent" = 1 ] && [ -s "$state" ]; then
	before=$(cat "$state")
	run tpm2_nvreadpublic "$idx"
	[ "$RC" = 0 ]
	tap_result $? "the counter defined on an earlier boot is still there"
	now=$(counter)
	[ -n "$now" ] && [ "$now" = "$before" ]
	tap_result $? "it kept its value across the reboot (was $before, is ${now:-unreadable})"
else
	tpm2_nvundefine "$idx" -C o >/dev/null 2>&1
	expect "a counter with the anchor's attributes is defined" 0 "" "" -- \
		tpm2_nvdefine "$idx" -C o -s 8 -a "$attrs"
	run tpm2_nvread -s 8 "$idx"
	[ "$RC" != 0 ]
	tap_result $? "a counter never incremented has no value to read"
	expect "it is incremented with its own empty password" 0 "" "" -- \
		tpm2_nvincrement "$idx"
	expect "it reads back with its own empty password" 0 "" "" -- \
		tpm2_nvread -s 8 "$idx"
	if [ "$persistent" = 1 ]; then
		tap_result 0 "the counter survives a reboot # SKIP first boot on this disk"
	else
		tap_result 0 "the counter survives a reboot # SKIP no --disk to remember its value"
	fi
fi

run tpm2_nvreadpublic "$idx"
grep -qE 'value: 0x22040014$' "$TAP_OUT/out"
tap_result $? "its attributes are the anchor's (counter, authwrite, authread, no_da, written)"
first=$(counter)
tpm2_nvincrement "$idx" >/dev/null 2>&1
second=$(counter)
[ -n "$first" ] && [ -n "$second" ] && [ "$second" -eq $((first + 1)) ]
tap_result $? "an increment adds exactly one ($first -> $second)"
if [ "$persistent" = 1 ]; then
	echo "$second" >"$state" && sync
fi

tap_done
