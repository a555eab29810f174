/* SPDX-License-Identifier: GPL-2.0 */
/* Partitions (slots): creation, deletion and their sealed records. */
#ifndef _CLD_PARTITION_H
#define _CLD_PARTITION_H

#include <linux/types.h>

#define CLD_LABEL_MAX	32

struct netlink_ext_ack;

struct cld_partition {
	u32 slot;
	u32 auth;
	u32 type;
	u32 protocol_level;
	u32 state;
	u32 object_count;
	u64 serial;
	char label[CLD_LABEL_MAX + 1];
};

/* The parameters of a new partition, checked by cld_partition_create(). */
struct cld_partition_params {
	const char *label;
	u32 auth;
	u32 type;
	u32 protocol_level;
};

int cld_partition_create(const struct cld_partition_params *params,
			 struct cld_partition *out,
			 struct netlink_ext_ack *extack);
int cld_partition_delete(u32 slot, struct netlink_ext_ack *extack);
int cld_partition_apply(u16 type, const void *data, u32 len);
void cld_partition_free_all(void);

#endif /* _CLD_PARTITION_H */
