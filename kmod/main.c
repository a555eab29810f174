// SPDX-License-Identifier: GPL-2.0
/*
 * clonedev.ko: module init and exit only. The HSM state comes up first,
 * then the two planes that expose it to user space.
 */
#include <linux/fips.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <net/genetlink.h>

#include "clone.h"
#include "device.h"
#include "ecdsa.h"
#include "ecp.h"
#include "hsm.h"
#include "mech.h"
#include "netlink.h"
#include "object.h"
#include "quorum.h"
#include "cred.h"
#include "partition.h"
#include "tpm.h"

static int fips_mode = -1;
module_param(fips_mode, int, 0444);
MODULE_PARM_DESC(fips_mode,
		 "HSM FIPS mode: 1 on, 0 off, -1 (default) follow the kernel's fips=");

static char *store = CLD_STORE_DIR;
module_param(store, charp, 0444);
MODULE_PARM_DESC(store, "directory of the sealed store (default " CLD_STORE_DIR ")");

static unsigned int store_compact_min = 262144;
module_param(store_compact_min, uint, 0444);
MODULE_PARM_DESC(store_compact_min,
		 "bytes of store log below which it is never compacted (default 262144)");

static unsigned int store_tpm_index = CLD_TPM_NV_INDEX_DEFAULT;
module_param(store_tpm_index, uint, 0444);
MODULE_PARM_DESC(store_tpm_index,
		 "TPM 2.0 NV index of the store's rollback counter; 0: none (default 0x0180c1d0)");

static bool store_tpm_reset;
module_param(store_tpm_reset, bool, 0444);
MODULE_PARM_DESC(store_tpm_reset,
		 "accept the store as found and anchor it to the TPM counter again (after a restore or a TPM clear)");

static unsigned int pbkdf2_iterations = 10000;
module_param(pbkdf2_iterations, uint, 0444);
MODULE_PARM_DESC(pbkdf2_iterations,
		 "PBKDF2 iterations for new role passwords (default 10000)");

static int __init cld_mod_init(void)
{
	int ret;

	if (!pbkdf2_iterations)
		return -EINVAL;
	ret = cld_quorum_selftest();
	if (ret)
		return ret;
	ret = cld_cred_init(pbkdf2_iterations);
	if (ret)
		return ret;
	ret = cld_ecp_init();
	if (ret)
		return ret;
	ret = cld_object_cache_init();
	if (ret)
		goto err_ecp;
	/* ORDER: user space may call in as soon as a plane registers. */
	ret = cld_hsm_init(fips_mode < 0 ? fips_enabled : fips_mode > 0);
	if (ret)
		goto err_objects;
	ret = cld_partition_init_all(store, store_compact_min, store_tpm_index,
				     store_tpm_reset);
	if (ret)
		goto err_hsm;
	ret = cld_clone_selftest();
	if (ret)
		goto err_partitions;
	ret = cld_ecdsa_selftest();
	if (ret) {
		pr_err("clonedev: ECDSA self-test failed (%d)\n", ret);
		goto err_partitions;
	}
	cld_mech_preload();
	ret = cld_device_init();
	if (ret)
		goto err_partitions;
	ret = cld_netlink_init();
	if (ret)
		goto err_device;
	return 0;

err_device:
	cld_device_uninit();
err_partitions:
	cld_partition_uninit_all();
err_hsm:
	cld_hsm_uninit();
err_objects:
	cld_object_cache_exit();
err_ecp:
	cld_ecp_exit();
	return ret;
}

static void __exit cld_mod_exit(void)
{
	cld_netlink_uninit();
	cld_device_uninit();
	cld_partition_uninit_all();
	cld_hsm_uninit();
	cld_object_cache_exit();
	cld_ecp_exit();
}

module_init(cld_mod_init);
module_exit(cld_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("clonedev: a software HSM with partition cloning");
MODULE_VERSION(CLD_VERSION);
MODULE_ALIAS_GENL_FAMILY(CLONEDEV_GENL_NAME);
MODULE_ALIAS_MISCDEV(CLONEDEV_MISC_MINOR);
MODULE_ALIAS("devname:" CLONEDEV_DEVICE_NAME);
