/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Ephemeral key agreement (the kernel's kpp: ECDH on P-256 and P-384,
 * X25519) and in-place AEAD sealing with a message header as associated
 * data: what the cloning protocols and the remote PED channel share.
 */
#ifndef _CLD_KEX_H
#define _CLD_KEX_H

#include <linux/types.h>

struct crypto_aead;
struct crypto_kpp;
struct cld_suite;

#define CLD_KEX_KEY_LEN		32	/* every AEAD key */
#define CLD_KEX_TAG_LEN		16	/* every AEAD tag */

int cld_kex_key(struct crypto_kpp **kpp, const struct cld_suite *cs,
		const u8 *priv, u8 *pub);
int cld_kex_agree(struct crypto_kpp *kpp, const struct cld_suite *cs,
		  const u8 *pub, u8 *z, unsigned int *z_len);
int cld_kex_aead(struct crypto_aead *tfm, const u8 *key, bool enc,
		 u32 prefix, u64 seq, u8 *hdr, u32 hdr_len, u8 *data,
		 u32 len);

#endif /* _CLD_KEX_H */
