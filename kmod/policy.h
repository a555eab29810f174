/* SPDX-License-Identifier: GPL-2.0 */
/* Partition policies: the table, their defaults and their rules. */
#ifndef _CLD_POLICY_H
#define _CLD_POLICY_H

#include <linux/types.h>

#include <linux/clonedev.h>

struct cld_partition;

void cld_policy_defaults(u32 *values);
u32 cld_policy(const struct cld_partition *p, u32 id);
void cld_policy_entry(const struct cld_partition *p, u32 i,
		      struct clonedev_policy_entry *e);
int cld_policy_change(const struct cld_partition *p,
		      const struct clonedev_policy_change *ch, u32 count,
		      u32 *v, bool *destructive);
u32 cld_policy_suites(const struct cld_partition *p);

#endif /* _CLD_POLICY_H */
