/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The mechanisms (enum clonedev_mech): one const table of what each needs
 * of a key and how it runs under CLONEDEV_IOCTL_CRYPT, _DERIVE, _WRAP and
 * _UNWRAP.
 */
#ifndef _CLD_MECH_H
#define _CLD_MECH_H

#include <linux/types.h>

#include <linux/clonedev.h>

struct cld_crypt;
struct cld_key;

/*
 * What one call's step gives to user space: @sent bytes the step wrote at
 * the caller's @out itself, then @len bytes at @data.
 */
struct cld_crypt_out {
	size_t sent;
	const u8 *data;
	size_t len;
	u8 *own;			/* kvfree_sensitive(own, own_len) */
	size_t own_len;
	u8 sig[CLONEDEV_SIG_MAX];	/* a signature or MAC is no secret */
};

/* Keys of the classes in @classes (BIT(CLONEDEV_CLASS_*)) may do @usages. */
struct cld_mech_use {
	u32 usages;
	u32 classes;
};

enum cld_mech_hash {
	CLD_HASH_NEVER,			/* @hash must be CLONEDEV_HASH_NONE */
	CLD_HASH_OPTIONAL,
	CLD_HASH_REQUIRED,
};

/**
 * struct cld_mech - one mechanism
 * @key_types: BIT(CLONEDEV_KEY_*) of the keys it takes
 * @uses: the usages it serves, each with the key classes that may do it
 * @key_set: sets up a key's transforms from its value
 * @key_free: frees them, also after a @key_set that failed half way
 * @iv_len: CRYPT: the length of @iv; 0 for none (no CLONEDEV_CRYPT_GEN_IV)
 * @aead: CRYPT: takes @aad and @tag_len
 * @hash: CRYPT: whether it takes @hash
 * @salt: CRYPT: takes @salt_len up to the hash's size
 * @prehash: CRYPT: takes CLONEDEV_CRYPT_PREHASHED (the input is the digest)
 * @init: CRYPT: starts an operation (INIT or ALL); NULL if nothing to do
 * @out_size: CRYPT: the most output the next step gives with @in_len more
 *	input, @final if it is the last
 * @update: CRYPT: takes the input of an UPDATE or a FINAL (@final); NULL
 *	for mechanisms CRYPT does not run
 * @final: CRYPT: at FINAL after @update, the output (it may write some at
 *	@c->out itself); NULL if @update gave it
 * @sig_size: sign and verify: the size of a signature or MAC
 * @raw_max: sign and verify without a hash: the most input, which is
 *	signed as it is (ECDSA: a digest; RSA PKCS#1 v1.5: T)
 * @sign: one-shot: signs or MACs @digest into @sig
 * @verify: one-shot: checks @sig over @digest
 */
struct cld_mech {
	u32 key_types;
	struct cld_mech_use uses[2];
	int (*key_set)(struct cld_key *k, const u8 *value, u32 len);
	void (*key_free)(struct cld_key *k);
	u8 iv_len;
	bool aead;
	u8 hash;
	bool salt;
	bool prehash;
	int (*init)(struct cld_crypt *cr, const struct clonedev_crypt *c);
	size_t (*out_size)(const struct cld_crypt *cr, bool final, u32 in_len);
	int (*update)(struct cld_crypt *cr, u64 in, u32 in_len, bool final,
		      struct cld_crypt_out *out);
	int (*final)(struct cld_crypt *cr, const struct clonedev_crypt *c,
		     struct cld_crypt_out *out);
	unsigned int (*sig_size)(const struct cld_key *k);
	unsigned int (*raw_max)(const struct cld_key *k);
	int (*sign)(const struct cld_crypt *cr, const u8 *digest,
		    unsigned int dlen, u8 *sig);
	int (*verify)(const struct cld_crypt *cr, const u8 *digest,
		      unsigned int dlen, const u8 *sig);
};

static inline bool cld_hash_ok(u32 hash)
{
	return hash >= CLONEDEV_HASH_SHA256 && hash <= CLONEDEV_HASH_SHA512;
}

/* The digest size of @hash; 0 for none or an unknown one. */
static inline unsigned int cld_hash_len(u32 hash)
{
	return hash == CLONEDEV_HASH_SHA256 ? 32 :
	       hash == CLONEDEV_HASH_SHA384 ? 48 :
	       hash == CLONEDEV_HASH_SHA512 ? 64 : 0;
}

void cld_mech_preload(void);
const struct cld_mech *cld_mech_find(u32 mech);
bool cld_mech_fits(const struct cld_mech *m, u32 usage, u32 cls, u32 type);

#endif /* _CLD_MECH_H */
