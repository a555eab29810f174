// SPDX-License-Identifier: GPL-2.0
/*
 * HSM-wide state and the HSM-info request (CLONEDEV_IOCTL_HSM_INFO and
 * CLONEDEV_CMD_HSM_GET both report what cld_hsm_info() fills in).
 */
#include <linux/string.h>

#include "hsm.h"
#include "partition.h"
#include "store.h"
#include "suite.h"

struct cld_hsm cld_hsm;

/*
 * Opens the store if it is not open yet, loading every partition from it.
 * Must hold cld_hsm.lock. Return: 0, or -ENOKEY without the sealing key,
 * -EKEYREJECTED or -EBADMSG for a store that does not unseal, with the
 * reason in @extack and the kernel log; nothing is loaded then.
 */
int cld_hsm_activate(struct netlink_ext_ack *extack)
{
	int ret;

	lockdep_assert_held(&cld_hsm.lock);
	if (cld_store_is_open())
		return 0;
	ret = cld_store_open(cld_partition_apply, cld_partition_snapshot,
			     extack);
	if (ret)
		cld_partition_free_all();
	return ret;
}

int cld_hsm_init(bool fips, const char *store_dir, loff_t compact_min,
		 u32 tpm_index, bool tpm_reset)
{
	int ret;

	ret = cld_store_init(store_dir, compact_min, tpm_index, tpm_reset);
	if (ret)
		return ret;
	mutex_init(&cld_hsm.lock);
	xa_init_flags(&cld_hsm.partitions, XA_FLAGS_ALLOC1);
	cld_hsm.partition_count = 0;
	cld_hsm.fips = fips;
	cld_hsm.suites = cld_suites_probe();

	/* Without the key yet, the first administrator request opens it. */
	mutex_lock(&cld_hsm.lock);
	cld_hsm_activate(NULL);
	mutex_unlock(&cld_hsm.lock);
	return 0;
}

void cld_hsm_uninit(void)
{
	mutex_lock(&cld_hsm.lock);
	cld_partition_free_all();
	cld_store_uninit();
	mutex_unlock(&cld_hsm.lock);
	xa_destroy(&cld_hsm.partitions);
	mutex_destroy(&cld_hsm.lock);
}

void cld_hsm_info(struct clonedev_hsm_info *info)
{
	strscpy(info->version, CLD_VERSION, sizeof(info->version));
	info->protocols = CLD_PROTOCOLS;
	info->suites = cld_hsm.suites;

	mutex_lock(&cld_hsm.lock);
	info->hsm_flags = cld_hsm.fips ? CLONEDEV_HSM_FIPS : 0;
	if (cld_store_is_open())
		info->hsm_flags |= CLONEDEV_HSM_ACTIVE;
	info->partition_count = cld_hsm.partition_count;
	mutex_unlock(&cld_hsm.lock);
	info->max_partitions = CLD_MAX_PARTITIONS;
}
