/* SPDX-License-Identifier: GPL-2.0 */
/* M-of-N quorum secrets: Shamir's secret sharing over GF(2^8). */
#ifndef _CLD_QUORUM_H
#define _CLD_QUORUM_H

#include <linux/types.h>

#include <linux/clonedev.h>

bool cld_quorum_ok(u32 m, u32 n);
int cld_quorum_split(const u8 *secret, u32 m, u32 n,
		     struct clonedev_share *out);
int cld_quorum_combine(const struct clonedev_share *in, u32 k, u8 *secret);
struct clonedev_share *cld_quorum_shares_from_user(u64 uptr, u32 count);
int cld_quorum_selftest(void);

#endif /* _CLD_QUORUM_H */
