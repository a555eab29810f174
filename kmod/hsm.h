/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The HSM as a whole: module-wide state shared by both planes (ioctl and
 * generic netlink): version, FIPS mode, cipher-suite availability and the
 * table of partitions.
 *
 * Lock ordering (outermost first), for every file of the module:
 *   cld_hsm.lock
 */
#ifndef _CLD_HSM_H
#define _CLD_HSM_H

#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/xarray.h>

#include <linux/clonedev.h>

#define CLD_VERSION		"0.1.0"
#define CLD_MAX_PARTITIONS	100

#define CLD_STORE_DIR		"/var/lib/clonedev"

/* Cloning protocols implemented by this build's protocol engine. */
#define CLD_PROTOCOLS	(CLONEDEV_PROTO_CPV1 | CLONEDEV_PROTO_CPV3 | \
			 CLONEDEV_PROTO_CPV4)

struct netlink_ext_ack;

struct cld_hsm {
	/* Protects the members below, every partition and the store. */
	struct mutex lock;
	/* struct cld_partition by slot number. */
	struct xarray partitions;
	u32 partition_count;
	/* CPv4 suites whose algorithms the kernel crypto API provides. */
	u32 suites;
	bool fips;
};

extern struct cld_hsm cld_hsm;

int cld_hsm_init(bool fips, const char *store_dir, loff_t compact_min,
		 u32 tpm_index, bool tpm_reset);
void cld_hsm_uninit(void);
int cld_hsm_activate(struct netlink_ext_ack *extack);
void cld_hsm_info(struct clonedev_hsm_info *info);

#endif /* _CLD_HSM_H */
