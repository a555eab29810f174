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

/* Cloning protocols implemented by this build's protocol engine. */
#define CLD_PROTOCOLS		0U

struct cld_partition {
	u32 slot;
	u32 auth;
	u32 type;
	u32 protocol_level;
	u32 state;
	u32 object_count;
	u64 serial;
	char label[33];
};

struct cld_hsm {
	/* Protects the members below and every partition's fields. */
	struct mutex lock;
	/* Partitions by slot number. */
	struct xarray partitions;
	u32 partition_count;
	/* CPv4 suites whose algorithms the kernel crypto API provides. */
	u32 suites;
	bool fips;
};

extern struct cld_hsm cld_hsm;

int cld_hsm_init(bool fips);
void cld_hsm_uninit(void);
void cld_hsm_info(struct clonedev_hsm_info *info);

#endif /* _CLD_HSM_H */
