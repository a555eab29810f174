#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# clonedev.ko life cycle: version, aliases, clean unload, autoload through
# the generic netlink family and through the character device, reload
# cycles and the fips_mode parameter. Runs as root in the VM with
# clonedev.ko loaded.
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=tap.sh
. selftests/tap.sh
PATH=$PWD/build/bin:$PATH

loaded() { [ -d /sys/module/clonedev ]; }

loaded && [ "$(cat /sys/module/clonedev/version)" = 0.1.0 ]
tap_result $? "module is loaded and reports version 0.1.0"

run modinfo clonedev
for a in net-pf-16-proto-16-family-clonedev char-major-10-246 devname:clonedev; do
	out | grep -qx "alias: *$a"
	tap_result $? "modinfo lists alias $a"
done

run rmmod clonedev
[ "$RC" -eq 0 ] && ! loaded && [ ! -e /dev/clonedev ]
tap_result $? "rmmod removes the module and /dev/clonedev"

# Resolving the family asks the kernel to load the module.
expect "resolving the netlink family loads the module" 0 '^HSM information:$' "" -- \
	clonectl hsm show
loaded
tap_result $? "module is loaded again after the family lookup"

run rmmod clonedev
node=$(mktemp -u /tmp/clonedev-node.XXXXXX)
mknod "$node" c 10 246
# Opening the character device asks the kernel for char-major-10-246.
(exec 3<>"$node") 2>/dev/null
rm -f "$node"
loaded && [ -c /dev/clonedev ]
tap_result $? "opening the device node loads the module"

ok=0
for _ in 1 2 3 4 5; do
	rmmod clonedev && modprobe clonedev && clonectl hsm show >/dev/null || ok=1
done
tap_result $ok "five unload/load cycles"

rmmod clonedev && modprobe clonedev fips_mode=1
expect "fips_mode=1 turns FIPS mode on" 0 '^  FIPS mode: +on$' "" -- clonectl hsm show
run clonectl --json hsm show
[ "$RC" -eq 0 ] && out | grep -q '"fips":true'
tap_result $? "JSON reports FIPS mode on"
rmmod clonedev && modprobe clonedev
expect "default FIPS mode follows the kernel (off)" 0 '^  FIPS mode: +off$' "" -- \
	clonectl hsm show

tap_done
