/* SPDX-License-Identifier: GPL-2.0 */
/* AES key wrap with padding (RFC 5649) for CLONEDEV_MECH_AES_KWP. */
#ifndef _CLD_KWP_H
#define _CLD_KWP_H

#include <linux/types.h>

struct crypto_skcipher;

/* Wrapped length of @len bytes: the padded length plus 8. */
static inline unsigned int cld_kwp_wrapped_len(unsigned int len)
{
	return ALIGN(len, 8) + 8;
}

int cld_kwp_wrap(struct crypto_skcipher *ecb, const u8 *in, unsigned int len,
		 u8 *out);
int cld_kwp_unwrap(struct crypto_skcipher *ecb, const u8 *in,
		   unsigned int len, u8 *out, unsigned int *out_len);

#endif /* _CLD_KWP_H */
