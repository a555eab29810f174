/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CLONEDEV_IOCTL_CRYPT: a session's one multi-part operation and the ioctl
 * that drives it, in one call or as init/update/final.
 */
#ifndef _CLD_CRYPT_H
#define _CLD_CRYPT_H

#include <linux/types.h>

#include <linux/clonedev.h>

#define CLD_AES_BLOCK	16

struct cld_key;
struct cld_mech;
struct cld_session;
struct file;
struct shash_desc;

/*
 * The operation under way (@key NULL: none), in the session's struct
 * cld_ops under cld_session.lock.
 */
struct cld_crypt {
	struct cld_key *key;
	const struct cld_mech *mech;
	u32 op;				/* CLONEDEV_CRYPT_* */
	u32 tag_len;
	u32 salt_len;
	bool prehashed;			/* the input is the digest */
	u8 iv[CLONEDEV_IV_MAX];
	/*
	 * CBC, CTR, GCM encryption in parts: input short of a block; GCM
	 * decryption in parts: that and the bytes that may be the tag
	 */
	u8 part[2 * CLD_AES_BLOCK];
	unsigned int part_len;
	/* AES-GCM in parts (@gcm_parts): CTR and GHASH as the data comes */
	bool gcm_parts;
	u8 gcm_ekj0[CLD_AES_BLOCK];	/* E_K(J0), which masks the tag */
	u64 gcm_len;			/* ciphertext through GHASH so far */
	struct file *gcm_spool;		/* decryption: that ciphertext */
	loff_t gcm_spooled;
	/*
	 * GCM in one call: AAD then data; OAEP: ciphertext; a signature without a hash
	 * or prehashed: the digest, or RSA PKCS#1 v1.5's T
	 */
	u8 *buf;
	size_t len;
	size_t cap;
	u32 aad_len;
	struct shash_desc *desc;	/* HMAC, CMAC, or the message hash */
};

void cld_crypt_end(struct cld_crypt *cr);
void cld_crypt_wipe(struct cld_crypt *cr);
int cld_crypt_run(struct cld_session *s, void *cmd);

#endif /* _CLD_CRYPT_H */
