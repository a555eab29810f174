// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only module for selftests/vm/selftest: loads successfully but leaves a
 * WARNING in the kernel log, which selftests/vm/run must turn into a failed
 * run.
 */
#include <linux/bug.h>
#include <linux/module.h>

static int __init warnmod_init(void)
{
	WARN(1, "warnmod: deliberate warning for the VM runner self-test\n");
	return 0;
}

static void __exit warnmod_exit(void)
{
}

module_init(warnmod_init);
module_exit(warnmod_exit);
MODULE_DESCRIPTION("clonedev VM runner self-test: emits a WARNING at load");
MODULE_LICENSE("GPL");
