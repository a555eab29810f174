/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Key material: generation, checks of imported keys and key check values,
 * all through the kernel crypto API.
 */
#ifndef _CLD_KEYS_H
#define _CLD_KEYS_H

#include <linux/types.h>

struct cld_object;
struct crypto_shash;
struct crypto_skcipher;

/* Transforms for one request; a bulk request reuses them for every key. */
struct cld_keytfm {
	struct crypto_skcipher *ecb;	/* "ecb(aes)" for AES check values */
	struct crypto_shash *sha;	/* "sha256" for the other ones */
};

#define CLD_EC_MAX_LEN		48	/* P-384's scalar and coordinates */
#define CLD_EC_POINT_MAX	(1 + 2 * CLD_EC_MAX_LEN)

int cld_keytfm_alloc(struct cld_keytfm *t);
void cld_keytfm_free(struct cld_keytfm *t);

unsigned int cld_ec_len(u32 key_type);
int cld_key_generate_secret(struct cld_keytfm *t, struct cld_object *o);
int cld_key_check_secret(struct cld_keytfm *t, struct cld_object *o);
int cld_key_generate_ec(struct cld_keytfm *t, struct cld_object *priv,
			struct cld_object *pub);
int cld_key_check_ec(struct cld_keytfm *t, struct cld_object *priv);
int cld_key_check_ec_public(struct cld_keytfm *t, struct cld_object *pub);
int cld_key_check_rsa(struct cld_keytfm *t, struct cld_object *priv);
int cld_key_check_rsa_public(struct cld_keytfm *t, struct cld_object *pub);
int cld_key_public(const struct cld_object *o, u8 **out, u32 *len);
int cld_rsa_public_der(const u8 *n, size_t n_sz, const u8 *e, size_t e_sz,
		       u8 **der, u32 *len);
size_t cld_der_int_size(const u8 *v, size_t len);
size_t cld_der_int_put(u8 *out, const u8 *v, size_t len);
size_t cld_der_seq_size(size_t len);
size_t cld_der_seq_put(u8 *out, size_t len);
int cld_rsa_modulus(const u8 *der, unsigned int len, const u8 **n,
		    size_t *n_sz, unsigned int *bits);

#endif /* _CLD_KEYS_H */
