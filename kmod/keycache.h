/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A session's key cache: the keyed transforms of the keys it uses, for
 * CLONEDEV_IOCTL_CRYPT, _DERIVE, _WRAP and _UNWRAP, and the one lookup of
 * a key object that every use of a key makes.
 */
#ifndef _CLD_KEYCACHE_H
#define _CLD_KEYCACHE_H

#include <linux/list.h>
#include <linux/types.h>

#include <linux/clonedev.h>

#include "rsa.h"

struct cld_ecdsa_key;
struct cld_session;
struct shash_desc;

/* One key set up for one mechanism (and hash) in a session. */
struct cld_key {
	struct list_head node;		/* in cld_keycache.keys */
	u32 handle;
	u8 ouid[CLONEDEV_OUID_LEN];	/* the same handle may be a new key */
	u32 mech;
	u32 hash;
	u32 obj_class;
	u32 key_type;
	bool busy;			/* the multi-part operation's key */
	union {
		struct {			/* AES-GCM */
			struct crypto_aead *aead;	/* one call */
			/* in parts: CTR from inc32(J0), GHASH keyed with H */
			struct crypto_skcipher *gcm_ctr;
			struct crypto_shash *gcm_ghash;
		};
		struct crypto_skcipher *skc;	/* CBC, CTR, ECB for KWP */
		struct crypto_shash *mac;	/* HMAC, CMAC */
		struct crypto_kpp *kpp;		/* ECDH */
	};
	struct crypto_shash *digest;	/* ECDSA and RSA: the hash */
	struct shash_desc *desc;	/* for @mac or @digest, reused */
	struct cld_ecdsa_key *ec;
	struct cld_rsa_key rsa;
};

/*
 * Up to CLD_KEYCACHE_MAX keys, most recently used first. Protected by the
 * owning session's cld_session.lock.
 */
struct cld_keycache {
	struct list_head keys;
	unsigned int n;
};

/* What a lookup learned about one key object under cld_hsm.lock. */
struct cld_key_ref {
	u32 obj_class;
	u32 key_type;
	u32 flags;
	u8 ouid[CLONEDEV_OUID_LEN];
	u8 *value;			/* kfree_sensitive() */
	u32 value_len;
	bool wrap_policy;		/* policy 1 or 5 lets it be wrapped */
};

void cld_keycache_init(struct cld_keycache *kc);
void cld_keycache_wipe(struct cld_keycache *kc);
int cld_key_find(struct cld_session *s, u32 handle, bool need_co,
		 const u8 *ouid, bool value, struct cld_key_ref *ref);
struct cld_key *cld_keycache_use(struct cld_session *s, u32 handle, u32 mech,
				 u32 hash, u32 usage, bool need_co);

#endif /* _CLD_KEYCACHE_H */
