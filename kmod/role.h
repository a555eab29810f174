/* SPDX-License-Identifier: GPL-2.0 */
/* Role credentials: salted PBKDF2-HMAC-SHA256 hashes of passwords. */
#ifndef _CLD_ROLE_H
#define _CLD_ROLE_H

#include "partition.h"

int cld_role_init(unsigned int iterations);
int cld_cred_set(struct cld_cred *c, const u8 *pw, u32 len);
int cld_cred_hash(const struct cld_cred *c, const u8 *pw, u32 len,
		  u8 out[CLD_HASH_LEN]);

#endif /* _CLD_ROLE_H */
