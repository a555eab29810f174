/* SPDX-License-Identifier: GPL-2.0 */
/* Partition policies: the table, their defaults and their rules. */
#ifndef _CLD_POLICY_H
#define _CLD_POLICY_H

#include <linux/types.h>

struct cld_partition;
struct cld_session;

void cld_policy_defaults(u32 *values);
u32 cld_policy(const struct cld_partition *p, u32 id);
int cld_session_policy_get(struct cld_session *s, void *cmd);
int cld_session_policy_set(struct cld_session *s, void *cmd);
u32 cld_partition_suites(const struct cld_partition *p);
int cld_session_suites(struct cld_session *s, void *cmd);

#endif /* _CLD_POLICY_H */
