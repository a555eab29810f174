/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Role credentials (salted PBKDF2-HMAC-SHA256 hashes of passwords) and the
 * secrets requests carry: a password, or a quorum secret from its shares.
 */
#ifndef _CLD_CRED_H
#define _CLD_CRED_H

#include "partition.h"

struct clonedev_share;

int cld_cred_init(unsigned int iterations);
int cld_cred_set(struct cld_cred *c, const u8 *pw, u32 len);
int cld_cred_hash(const struct cld_cred *c, const u8 *pw, u32 len,
		  u8 out[CLD_HASH_LEN]);

u8 *cld_secret_from_user(u64 uptr, u32 len);
u8 *cld_secret_from_request(u64 secret, u32 secret_len, u64 shares,
			    u32 share_count, u32 *len);
u8 *cld_secret_new_quorum(u32 m, u32 n, struct clonedev_share **shares);

#endif /* _CLD_CRED_H */
