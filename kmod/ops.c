// SPDX-License-Identifier: GPL-2.0
/*
 * Using keys (uapi/linux/clonedev.h has the errno contracts):
 * CLONEDEV_IOCTL_CRYPT runs AES-GCM, AES-CBC with PKCS#7 padding, AES-CTR,
 * HMAC, AES-CMAC, ECDSA and RSA, in one call or as init/update/final;
 * _DERIVE makes a secret key by ECDH; _WRAP and _UNWRAP move keys under
 * RFC 5649; _RANDOM gives random bytes.
 *
 * A session keeps up to CACHE_MAX keyed transforms, one per key, mechanism
 * and hash, so a key is set up once, not per call. Each call still looks
 * the key up under cld_hsm.lock (it may have been destroyed, or the
 * session logged out) and checks its usage flags; the crypto itself runs
 * outside that lock, so sessions work in parallel. Logging out or
 * selecting another slot wipes the session's keys.
 */
#include <crypto/aead.h>
#include <crypto/algapi.h>
#include <crypto/ecdh.h>
#include <crypto/hash.h>
#include <crypto/kpp.h>
#include <crypto/skcipher.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "ecdsa.h"
#include "hsm.h"
#include "keys.h"
#include "kwp.h"
#include "object.h"
#include "ops.h"
#include "partition.h"
#include "policy.h"
#include "rsa.h"
#include "session.h"

#define CACHE_MAX	8
#define AES_BLOCK	16
#define GCM_IV		12
#define DIGEST_MAX	64
#define BUF_KEEP	(64 * 1024)	/* a buffer this small is kept */

/* One key set up for one mechanism (and hash) in a session. */
struct op_key {
	struct list_head node;		/* in cld_ops.keys, most recent first */
	u32 handle;
	u8 ouid[CLONEDEV_OUID_LEN];	/* the same handle may be a new key */
	u32 mech;
	u32 hash;
	u32 obj_class;
	u32 key_type;
	union {
		struct crypto_aead *aead;	/* AES-GCM */
		struct crypto_skcipher *skc;	/* CBC, CTR, ECB for KWP */
		struct crypto_shash *mac;	/* HMAC, CMAC */
		struct crypto_kpp *kpp;		/* ECDH */
	};
	struct crypto_shash *digest;	/* ECDSA and RSA: the hash */
	struct shash_desc *desc;	/* for @mac or @digest, reused */
	struct cld_ecdsa_key *ec;
	struct cld_rsa_key rsa;
};

/* A session's keys and its multi-part operation (op_k NULL: none). */
struct cld_ops {
	struct list_head keys;
	unsigned int n_keys;
	struct op_key *op_k;
	u32 op;
	u32 tag_len;
	u32 salt_len;
	u8 iv[CLONEDEV_IV_MAX];
	u8 part[AES_BLOCK];		/* CBC, CTR: input short of a block */
	unsigned int part_len;
	/* GCM: AAD then data; OAEP: ciphertext; ECDSA without hash: digest */
	u8 *buf;
	size_t len;
	size_t cap;
	u32 aad_len;
	struct shash_desc *desc;	/* HMAC, CMAC, or the message hash */
};

/* What a call learned about its key under cld_hsm.lock. */
struct key_ref {
	u32 obj_class;
	u32 key_type;
	u32 flags;
	u8 ouid[CLONEDEV_OUID_LEN];
	u8 *value;			/* kfree_sensitive() */
	u32 value_len;
	bool wrap_policy;		/* policy 1 or 5 lets it be wrapped */
};

static const char *const hash_names[] = {
	[CLONEDEV_HASH_SHA256] = "sha256",
	[CLONEDEV_HASH_SHA384] = "sha384",
	[CLONEDEV_HASH_SHA512] = "sha512",
};

static const char *const hmac_names[] = {
	[CLONEDEV_HASH_SHA256] = "hmac(sha256)",
	[CLONEDEV_HASH_SHA384] = "hmac(sha384)",
	[CLONEDEV_HASH_SHA512] = "hmac(sha512)",
};

static bool is_hash(u32 hash)
{
	return hash >= CLONEDEV_HASH_SHA256 && hash <= CLONEDEV_HASH_SHA512;
}

/* ---- the session's keys ---- */

static void drop_key(struct op_key *k)
{
	switch (k->mech) {
	case CLONEDEV_MECH_AES_GCM:
		crypto_free_aead(k->aead);
		break;
	case CLONEDEV_MECH_AES_CBC_PAD:
	case CLONEDEV_MECH_AES_CTR:
	case CLONEDEV_MECH_AES_KWP:
		crypto_free_skcipher(k->skc);
		break;
	case CLONEDEV_MECH_HMAC:
	case CLONEDEV_MECH_AES_CMAC:
		crypto_free_shash(k->mac);
		break;
	case CLONEDEV_MECH_ECDH:
		crypto_free_kpp(k->kpp);
		break;
	}
	if (k->ec) {
		cld_ecdsa_key_wipe(k->ec);
		kfree(k->ec);
	}
	cld_rsa_key_free(&k->rsa);
	if (k->digest)
		crypto_free_shash(k->digest);
	kfree_sensitive(k->desc);
	kfree(k);
}

/* Ends the multi-part operation, wiping what it held. */
static void op_end(struct cld_ops *ops)
{
	ops->op_k = NULL;
	/* Small buffers stay for the next operation, wiped where used. */
	if (ops->buf) {
		memzero_explicit(ops->buf,
				 min_t(size_t, ops->cap, ops->len + AES_BLOCK));
		if (ops->cap > BUF_KEEP) {
			kvfree(ops->buf);
			ops->buf = NULL;
			ops->cap = 0;
		}
	}
	ops->len = 0;
	ops->aad_len = 0;
	/* The key owns the descriptor; only its state is wiped. */
	if (ops->desc)
		shash_desc_zero(ops->desc);
	ops->desc = NULL;
	memzero_explicit(ops->iv, sizeof(ops->iv));
	memzero_explicit(ops->part, sizeof(ops->part));
	ops->part_len = 0;
}

/* Wipes every key of the session. Must hold cld_session.lock. */
static void ops_reset(struct cld_ops *ops)
{
	struct op_key *k, *tmp;

	op_end(ops);
	kvfree(ops->buf);
	ops->buf = NULL;
	ops->cap = 0;
	list_for_each_entry_safe(k, tmp, &ops->keys, node) {
		list_del(&k->node);
		drop_key(k);
	}
	ops->n_keys = 0;
}

void cld_ops_free(struct cld_ops *ops)
{
	if (!ops)
		return;
	ops_reset(ops);
	kfree(ops);
}

/* Called by logout and slot selection. Must hold cld_session.lock. */
void cld_ops_forget(struct cld_session *s)
{
	if (s->ops)
		ops_reset(s->ops);
}

static struct cld_ops *session_ops(struct cld_session *s)
{
	if (!s->ops) {
		s->ops = kzalloc(sizeof(*s->ops), GFP_KERNEL);
		if (s->ops)
			INIT_LIST_HEAD(&s->ops->keys);
	}
	return s->ops;
}

/*
 * Looks up @handle in the session's partition and fills @ref from that one
 * object, all under one hold of cld_hsm.lock: its attributes, whether the
 * partition's policy lets it be wrapped and, with @value, a copy of its
 * value. @need_co for calls only the co may make. A non-NULL @ouid is the
 * object an earlier lookup saw: handles are reused, so a handle that now
 * names another object is -ENOENT. Return: 0; -ENODEV, -EACCES, -ENOENT,
 * -ENOMEM.
 */
static int find_key(struct cld_session *s, u32 handle, bool need_co,
		    const u8 *ouid, bool value, struct key_ref *ref)
{
	struct cld_partition *p;
	struct cld_object *o;
	int ret = 0;

	mutex_lock(&cld_hsm.lock);
	p = cld_session_partition(s);
	if (!p) {
		ret = -ENODEV;
		goto out;
	}
	if (!cld_session_is(s, p, CLONEDEV_ROLE_CO) &&
	    (need_co || !cld_session_is(s, p, CLONEDEV_ROLE_CU))) {
		ret = -EACCES;
		goto out;
	}
	o = xa_load(&p->objects, handle);
	if (!o || (ouid && memcmp(o->ouid, ouid, sizeof(o->ouid)))) {
		ret = -ENOENT;
		goto out;
	}
	ref->obj_class = o->obj_class;
	ref->key_type = o->key_type;
	ref->flags = o->flags;
	ref->wrap_policy = cld_policy(p, o->obj_class ==
				      CLONEDEV_CLASS_PRIVATE_KEY ?
				      CLONEDEV_POLICY_PRIVATE_WRAPPING :
				      CLONEDEV_POLICY_SECRET_WRAPPING);
	memcpy(ref->ouid, o->ouid, sizeof(ref->ouid));
	ref->value = NULL;
	ref->value_len = o->value_len;
	if (value) {
		ref->value = kmemdup(o->value, o->value_len, GFP_KERNEL);
		if (!ref->value)
			ret = -ENOMEM;
	}
out:
	mutex_unlock(&cld_hsm.lock);
	return ret;
}

/* Whether @mech can do @op (a CLONEDEV_OBJ_* usage) with this key. */
static bool mech_fits(u32 mech, u32 usage, u32 cls, u32 type)
{
	bool secret = cls == CLONEDEV_CLASS_SECRET_KEY;
	bool aes = secret && type == CLONEDEV_KEY_AES;
	bool ec = type == CLONEDEV_KEY_EC_P256 || type == CLONEDEV_KEY_EC_P384;
	bool rsa = cls == CLONEDEV_CLASS_PRIVATE_KEY &&
		   type == CLONEDEV_KEY_RSA;
	bool crypt = usage == CLONEDEV_OBJ_ENCRYPT ||
		     usage == CLONEDEV_OBJ_DECRYPT;
	bool sign = usage == CLONEDEV_OBJ_SIGN || usage == CLONEDEV_OBJ_VERIFY;

	switch (mech) {
	case CLONEDEV_MECH_AES_GCM:
	case CLONEDEV_MECH_AES_CBC_PAD:
	case CLONEDEV_MECH_AES_CTR:
		return aes && crypt;
	case CLONEDEV_MECH_HMAC:
		return secret && (aes || type == CLONEDEV_KEY_GENERIC_SECRET) &&
		       sign;
	case CLONEDEV_MECH_AES_CMAC:
		return aes && sign;
	case CLONEDEV_MECH_ECDSA:
		return ec && (usage == CLONEDEV_OBJ_VERIFY ?
			      cls != CLONEDEV_CLASS_SECRET_KEY :
			      usage == CLONEDEV_OBJ_SIGN &&
			      cls == CLONEDEV_CLASS_PRIVATE_KEY);
	case CLONEDEV_MECH_RSA_PKCS:
	case CLONEDEV_MECH_RSA_PSS:
		return rsa && sign;
	case CLONEDEV_MECH_RSA_OAEP:
		return rsa && usage == CLONEDEV_OBJ_DECRYPT;
	case CLONEDEV_MECH_ECDH:
		return ec && cls == CLONEDEV_CLASS_PRIVATE_KEY &&
		       usage == CLONEDEV_OBJ_DERIVE;
	case CLONEDEV_MECH_AES_KWP:
		return aes && (usage == CLONEDEV_OBJ_WRAP ||
			       usage == CLONEDEV_OBJ_UNWRAP);
	}
	return false;
}

static int skcipher_key(struct op_key *k, const char *name,
			const struct key_ref *ref)
{
	k->skc = crypto_alloc_skcipher(name, 0, 0);
	if (IS_ERR(k->skc))
		return PTR_ERR(k->skc);
	return crypto_skcipher_setkey(k->skc, ref->value, ref->value_len);
}

static int shash_key(struct op_key *k, const char *name,
		     const struct key_ref *ref)
{
	k->mac = crypto_alloc_shash(name, 0, 0);
	if (IS_ERR(k->mac))
		return PTR_ERR(k->mac);
	return crypto_shash_setkey(k->mac, ref->value, ref->value_len);
}

static int ecdh_key(struct op_key *k, const struct key_ref *ref)
{
	struct ecdh params = { .key = (char *)ref->value,
			       .key_size = ref->value_len };
	unsigned int len = crypto_ecdh_key_len(&params);
	u8 *buf;
	int ret;

	k->kpp = crypto_alloc_kpp(k->key_type == CLONEDEV_KEY_EC_P256 ?
				  "ecdh-nist-p256" : "ecdh-nist-p384", 0, 0);
	if (IS_ERR(k->kpp))
		return PTR_ERR(k->kpp);
	buf = kmalloc(len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	ret = crypto_ecdh_encode_key(buf, len, &params) ?:
	      crypto_kpp_set_secret(k->kpp, buf, len);
	kfree_sensitive(buf);
	return ret;
}

/* Sets up @k's transforms from the key's value. */
static int setup_key(struct op_key *k, const struct key_ref *ref)
{
	int ret = 0;

	if (is_hash(k->hash) && k->mech != CLONEDEV_MECH_HMAC) {
		k->digest = crypto_alloc_shash(hash_names[k->hash], 0, 0);
		if (IS_ERR(k->digest)) {
			ret = PTR_ERR(k->digest);
			k->digest = NULL;
			return ret;
		}
	}
	switch (k->mech) {
	case CLONEDEV_MECH_AES_GCM:
		k->aead = crypto_alloc_aead("gcm(aes)", 0, 0);
		if (IS_ERR(k->aead))
			return PTR_ERR(k->aead);
		return crypto_aead_setkey(k->aead, ref->value, ref->value_len);
	case CLONEDEV_MECH_AES_CBC_PAD:
		return skcipher_key(k, "cbc(aes)", ref);
	case CLONEDEV_MECH_AES_CTR:
		return skcipher_key(k, "ctr(aes)", ref);
	case CLONEDEV_MECH_AES_KWP:
		return skcipher_key(k, "ecb(aes)", ref);
	case CLONEDEV_MECH_HMAC:
		return shash_key(k, hmac_names[k->hash], ref);
	case CLONEDEV_MECH_AES_CMAC:
		return shash_key(k, "cmac(aes)", ref);
	case CLONEDEV_MECH_ECDH:
		return ecdh_key(k, ref);
	case CLONEDEV_MECH_ECDSA:
		k->ec = kmalloc(sizeof(*k->ec), GFP_KERNEL);
		if (!k->ec)
			return -ENOMEM;
		return cld_ecdsa_key_set(k->ec, k->key_type, k->obj_class,
					 ref->value, ref->value_len);
	default:
		return cld_rsa_key_set(&k->rsa, ref->value, ref->value_len);
	}
}

/* Drops the least recently used key that is not in use. */
static void cache_evict(struct cld_ops *ops)
{
	struct op_key *k;

	list_for_each_entry_reverse(k, &ops->keys, node) {
		if (k == ops->op_k)
			continue;
		list_del(&k->node);
		drop_key(k);
		ops->n_keys--;
		return;
	}
}

/*
 * The session's key @handle set up for @mech and @hash, after the checks
 * every use makes: the role, the object, the mechanism against the key's
 * type, then the usage flag. Must hold cld_session.lock.
 */
static struct op_key *use_key(struct cld_session *s, u32 handle, u32 mech,
			      u32 hash, u32 usage, bool need_co)
{
	struct cld_ops *ops = session_ops(s);
	struct key_ref ref;
	struct op_key *k;
	int ret;

	if (!ops)
		return ERR_PTR(-ENOMEM);
	ret = find_key(s, handle, need_co, NULL, false, &ref);
	if (ret)
		return ERR_PTR(ret);
	if (!mech_fits(mech, usage, ref.obj_class, ref.key_type))
		return ERR_PTR(-EOPNOTSUPP);
	if (!(ref.flags & usage))
		return ERR_PTR(-EPERM);
	list_for_each_entry(k, &ops->keys, node) {
		if (k->handle == handle && k->mech == mech &&
		    k->hash == hash && !memcmp(k->ouid, ref.ouid,
					       sizeof(k->ouid))) {
			list_move(&k->node, &ops->keys);
			return k;
		}
	}
	/* The value of the object checked above, not of a handle's reuse. */
	ret = find_key(s, handle, need_co, ref.ouid, true, &ref);
	if (ret)
		return ERR_PTR(ret);
	k = kzalloc(sizeof(*k), GFP_KERNEL);
	if (!k) {
		kfree_sensitive(ref.value);
		return ERR_PTR(-ENOMEM);
	}
	k->handle = handle;
	memcpy(k->ouid, ref.ouid, sizeof(k->ouid));
	k->mech = mech;
	k->hash = hash;
	k->obj_class = ref.obj_class;
	k->key_type = ref.key_type;
	ret = setup_key(k, &ref);
	kfree_sensitive(ref.value);
	if (ret) {
		/* crypto_free_*() pass over an ERR_PTR a failed alloc left. */
		drop_key(k);
		return ERR_PTR(ret == -ENOMEM ? ret : -EINVAL);
	}
	if (ops->n_keys >= CACHE_MAX)
		cache_evict(ops);
	list_add(&k->node, &ops->keys);
	ops->n_keys++;
	return k;
}

/* ---- CLONEDEV_IOCTL_CRYPT ---- */

static const u32 op_usage[] = {
	[CLONEDEV_CRYPT_ENCRYPT] = CLONEDEV_OBJ_ENCRYPT,
	[CLONEDEV_CRYPT_DECRYPT] = CLONEDEV_OBJ_DECRYPT,
	[CLONEDEV_CRYPT_SIGN] = CLONEDEV_OBJ_SIGN,
	[CLONEDEV_CRYPT_VERIFY] = CLONEDEV_OBJ_VERIFY,
};

static unsigned int hash_len(u32 hash)
{
	static const unsigned int len[] = { 0, 32, 48, 64 };

	return hash < ARRAY_SIZE(len) ? len[hash] : 0;
}

/* Checks what ALL or INIT asks for against the mechanism. */
static int check_params(const struct clonedev_crypt *c)
{
	bool gen = c->flags & CLONEDEV_CRYPT_GEN_IV;
	u32 mech = c->mech;

	if (gen && c->op != CLONEDEV_CRYPT_ENCRYPT)
		return -EINVAL;
	switch (mech) {
	case CLONEDEV_MECH_AES_GCM:
		if ((c->tag_len && (c->tag_len < 12 || c->tag_len > 16)) ||
		    (!gen && c->iv_len != GCM_IV))
			return -EINVAL;
		break;
	case CLONEDEV_MECH_AES_CBC_PAD:
	case CLONEDEV_MECH_AES_CTR:
		if (c->tag_len || c->aad_len || (!gen && c->iv_len != AES_BLOCK))
			return -EINVAL;
		break;
	default:
		if (gen || c->tag_len || c->aad_len || c->iv_len)
			return -EINVAL;
	}
	switch (mech) {
	case CLONEDEV_MECH_HMAC:
	case CLONEDEV_MECH_RSA_PKCS:
	case CLONEDEV_MECH_RSA_PSS:
	case CLONEDEV_MECH_RSA_OAEP:
		if (!is_hash(c->hash))
			return -EINVAL;
		break;
	case CLONEDEV_MECH_ECDSA:
		if (c->hash && !is_hash(c->hash))
			return -EINVAL;
		break;
	default:
		if (c->hash)
			return -EINVAL;
	}
	if (mech == CLONEDEV_MECH_RSA_PSS ? c->salt_len > hash_len(c->hash) :
	    c->salt_len)
		return -EINVAL;
	return 0;
}

/*
 * A scatterlist table over @len (> 0) bytes at @buf, which kvmalloc()
 * gave: one entry for kmalloc()ed memory, one per page for vmalloc()ed.
 */
static int buf_sg(struct sg_table *t, u8 *buf, size_t len)
{
	struct scatterlist *sg;
	unsigned int n, i;
	int ret;

	if (!is_vmalloc_addr(buf)) {
		ret = sg_alloc_table(t, 1, GFP_KERNEL);
		if (!ret)
			sg_set_buf(t->sgl, buf, len);
		return ret;
	}
	n = DIV_ROUND_UP(offset_in_page(buf) + len, PAGE_SIZE);
	ret = sg_alloc_table(t, n, GFP_KERNEL);
	if (ret)
		return ret;
	for_each_sg(t->sgl, sg, n, i) {
		size_t chunk = min_t(size_t, len,
				     PAGE_SIZE - offset_in_page(buf));

		sg_set_page(sg, vmalloc_to_page(buf), chunk,
			    offset_in_page(buf));
		buf += chunk;
		len -= chunk;
	}
	return 0;
}

/* Appends @n bytes of user memory to the operation's buffer. */
static int buf_append(struct cld_ops *ops, u64 src, size_t n, size_t slack,
		      size_t max)
{
	size_t want = ops->len + n + slack;

	if (ops->len + n > max)
		return -EMSGSIZE;
	if (want > ops->cap) {
		size_t cap = max_t(size_t, want, 2 * ops->cap);
		u8 *buf = kvmalloc(cap, GFP_KERNEL);

		if (!buf)
			return -ENOMEM;
		if (ops->buf) {
			memcpy(buf, ops->buf, ops->len);
			memzero_explicit(ops->buf, ops->cap);
			kvfree(ops->buf);
		}
		ops->buf = buf;
		ops->cap = cap;
	}
	if (n && copy_from_user(ops->buf + ops->len, u64_to_user_ptr(src), n)) {
		memzero_explicit(ops->buf + ops->len, n);
		return -EFAULT;
	}
	ops->len += n;
	return 0;
}

static int desc_start(struct cld_ops *ops, struct op_key *k,
		      struct crypto_shash *tfm)
{
	if (!k->desc) {
		k->desc = kmalloc(sizeof(*k->desc) +
				  crypto_shash_descsize(tfm), GFP_KERNEL);
		if (!k->desc)
			return -ENOMEM;
	}
	ops->desc = k->desc;
	ops->desc->tfm = tfm;
	return crypto_shash_init(ops->desc);
}

/* Starts the operation @c asks for on @k. */
static int op_start(struct cld_ops *ops, struct op_key *k,
		    struct clonedev_crypt *c)
{
	unsigned int iv_len = c->mech == CLONEDEV_MECH_AES_GCM ? GCM_IV :
			      AES_BLOCK;
	int ret = 0;

	ops->op_k = k;
	ops->op = c->op;
	ops->tag_len = c->tag_len ?: AES_BLOCK;
	ops->salt_len = c->salt_len;
	if (c->flags & CLONEDEV_CRYPT_GEN_IV) {
		get_random_bytes(ops->iv, iv_len);
		memcpy(c->iv, ops->iv, iv_len);
		c->iv_len = iv_len;
	} else {
		memcpy(ops->iv, c->iv, sizeof(ops->iv));
	}
	switch (k->mech) {
	case CLONEDEV_MECH_AES_GCM:
		ret = crypto_aead_setauthsize(k->aead, ops->tag_len) ?:
		      buf_append(ops, c->aad, c->aad_len, 0, CLONEDEV_AEAD_MAX);
		ops->aad_len = c->aad_len;
		break;
	case CLONEDEV_MECH_HMAC:
	case CLONEDEV_MECH_AES_CMAC:
		ret = desc_start(ops, k, k->mac);
		break;
	case CLONEDEV_MECH_ECDSA:
	case CLONEDEV_MECH_RSA_PKCS:
	case CLONEDEV_MECH_RSA_PSS:
		if (k->digest)
			ret = desc_start(ops, k, k->digest);
		break;
	}
	return ret;
}

static unsigned int sig_size(const struct op_key *k)
{
	switch (k->mech) {
	case CLONEDEV_MECH_HMAC:
	case CLONEDEV_MECH_AES_CMAC:
		return crypto_shash_digestsize(k->mac);
	case CLONEDEV_MECH_ECDSA:
		return 2 * k->ec->len;
	default:
		return k->rsa.k;
	}
}

/* The most output the next step can give, with @in_len more input. */
static size_t out_need(const struct cld_ops *ops, bool final, u32 in_len)
{
	const struct op_key *k = ops->op_k;
	size_t total = ops->part_len + in_len;
	bool enc = ops->op == CLONEDEV_CRYPT_ENCRYPT;

	switch (k->mech) {
	case CLONEDEV_MECH_AES_GCM:
		total = ops->len - ops->aad_len + in_len;
		if (!final)
			return 0;
		if (enc)
			return total + ops->tag_len;
		return total > ops->tag_len ? total - ops->tag_len : 0;
	case CLONEDEV_MECH_AES_CBC_PAD:
		if (enc)
			return round_down(total, AES_BLOCK) +
			       (final ? AES_BLOCK : 0);
		if (final)
			return total;
		return total > AES_BLOCK ? round_down(total - 1, AES_BLOCK) : 0;
	case CLONEDEV_MECH_AES_CTR:
		return final ? total : round_down(total, AES_BLOCK);
	case CLONEDEV_MECH_RSA_OAEP:
		return final ? k->rsa.k : 0;
	default:
		return final && ops->op == CLONEDEV_CRYPT_SIGN ? sig_size(k) : 0;
	}
}

/* Runs @k's skcipher over @len bytes of @buf in place, chaining ops->iv. */
static int skcipher_run(struct cld_ops *ops, u8 *buf, size_t len)
{
	struct skcipher_request *req;
	DECLARE_CRYPTO_WAIT(wait);
	struct sg_table t;
	int ret;

	if (!len)
		return 0;
	ret = buf_sg(&t, buf, len);
	if (ret)
		return ret;
	req = skcipher_request_alloc(ops->op_k->skc, GFP_KERNEL);
	if (!req) {
		sg_free_table(&t);
		return -ENOMEM;
	}
	skcipher_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP,
				      crypto_req_done, &wait);
	skcipher_request_set_crypt(req, t.sgl, t.sgl, len, ops->iv);
	ret = crypto_wait_req(ops->op == CLONEDEV_CRYPT_ENCRYPT ?
			      crypto_skcipher_encrypt(req) :
			      crypto_skcipher_decrypt(req), &wait);
	skcipher_request_free(req);
	sg_free_table(&t);
	return ret;
}

/*
 * CBC and CTR: the held-back bytes and @in, all whole blocks run (at
 * @final, everything, padded or unpadded), the rest held back. *@res is
 * the output buffer (kvfree_sensitive() it), *@res_len its length.
 */
static int stream_step(struct cld_ops *ops, const u8 *in, u32 in_len,
		       bool final, u8 **res, size_t *res_len)
{
	bool cbc = ops->op_k->mech == CLONEDEV_MECH_AES_CBC_PAD;
	bool enc = ops->op == CLONEDEV_CRYPT_ENCRYPT;
	size_t total = ops->part_len + in_len, run, i;
	u8 *work, pad;
	int ret;

	work = kvmalloc(total + AES_BLOCK, GFP_KERNEL);
	if (!work)
		return -ENOMEM;
	memcpy(work, ops->part, ops->part_len);
	memcpy(work + ops->part_len, in, in_len);
	if (!cbc) {
		run = final ? total : round_down(total, AES_BLOCK);
	} else if (enc) {
		run = round_down(total, AES_BLOCK);
		if (final) {
			pad = AES_BLOCK - total % AES_BLOCK;
			memset(work + total, pad, pad);
			run += AES_BLOCK;
		}
	} else if (final) {
		ret = -EINVAL;
		if (!total || total % AES_BLOCK)
			goto fail;
		run = total;
	} else {
		run = total > AES_BLOCK ? round_down(total - 1, AES_BLOCK) : 0;
	}
	ret = skcipher_run(ops, work, run);
	if (ret)
		goto fail;
	*res_len = run;
	if (cbc && !enc && final) {
		pad = work[run - 1];
		ret = -EINVAL;
		if (!pad || pad > AES_BLOCK)
			goto fail;
		for (i = run - pad; i < run; i++)
			if (work[i] != pad)
				goto fail;
		*res_len = run - pad;
	}
	if (!final) {
		ops->part_len = total - run;
		memcpy(ops->part, work + run, ops->part_len);
	}
	*res = work;
	return 0;
fail:
	kvfree_sensitive(work, total + AES_BLOCK);
	return ret;
}

/* AES-GCM at FINAL: the whole of AAD and data is in ops->buf. */
static int gcm_final(struct cld_ops *ops, u8 **res, size_t *res_len)
{
	bool enc = ops->op == CLONEDEV_CRYPT_ENCRYPT;
	size_t data = ops->len - ops->aad_len;
	struct aead_request *req;
	DECLARE_CRYPTO_WAIT(wait);
	struct sg_table t;
	int ret;

	if (!enc && data < ops->tag_len)
		return -EINVAL;
	ret = buf_sg(&t, ops->buf, ops->len + (enc ? ops->tag_len : 0));
	if (ret)
		return ret;
	req = aead_request_alloc(ops->op_k->aead, GFP_KERNEL);
	if (!req) {
		sg_free_table(&t);
		return -ENOMEM;
	}
	aead_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP,
				  crypto_req_done, &wait);
	aead_request_set_crypt(req, t.sgl, t.sgl, data, ops->iv);
	aead_request_set_ad(req, ops->aad_len);
	ret = crypto_wait_req(enc ? crypto_aead_encrypt(req) :
			      crypto_aead_decrypt(req), &wait);
	aead_request_free(req);
	sg_free_table(&t);
	if (ret)
		return ret;
	*res = ops->buf + ops->aad_len;
	*res_len = enc ? data + ops->tag_len : data - ops->tag_len;
	return 0;
}

/* Signs or verifies at FINAL: MACs, ECDSA, RSA. */
static int sig_final(struct cld_ops *ops, const u8 *sig, u32 sig_len,
		     u8 *out, size_t *out_len)
{
	struct op_key *k = ops->op_k;
	bool sign = ops->op == CLONEDEV_CRYPT_SIGN;
	unsigned int size = sig_size(k), dlen;
	u8 digest[DIGEST_MAX];
	int ret;

	if (!sign && sig_len != size)
		return -EINVAL;
	if (ops->desc) {
		ret = crypto_shash_final(ops->desc, digest);
		if (ret)
			return ret;
		dlen = crypto_shash_digestsize(ops->desc->tfm);
	} else {
		/* ECDSA over the caller's digest */
		if (!ops->len)
			return -EINVAL;
		dlen = ops->len;
		memcpy(digest, ops->buf, dlen);
	}
	switch (k->mech) {
	case CLONEDEV_MECH_HMAC:
	case CLONEDEV_MECH_AES_CMAC:
		if (sign) {
			memcpy(out, digest, size);
			ret = 0;
		} else {
			ret = crypto_memneq(digest, sig, size) ? -EBADMSG : 0;
		}
		break;
	case CLONEDEV_MECH_ECDSA:
		ret = sign ? cld_ecdsa_sign(k->ec, digest, dlen, out) :
			     cld_ecdsa_verify(k->ec, digest, dlen, sig);
		break;
	default:
		ret = sign ? cld_rsa_sign(&k->rsa, k->mech, k->digest, k->hash,
					  digest, ops->salt_len, out) :
			     cld_rsa_verify(&k->rsa, k->mech, k->digest,
					    k->hash, digest, ops->salt_len,
					    sig);
	}
	if (!ret && sign)
		*out_len = size;
	memzero_explicit(digest, sizeof(digest));
	return ret;
}

/*
 * One UPDATE or FINAL (ALL is INIT then FINAL) with @in. The output goes
 * to user space here. Return: 0 or the errno; the caller ends the
 * operation at FINAL or on error.
 */
static int op_step(struct cld_ops *ops, struct clonedev_crypt *c, bool final)
{
	struct op_key *k = ops->op_k;
	size_t out_len = 0;
	u8 *in = NULL, *sig = NULL, *res = NULL, *own = NULL;
	u8 sig_out[CLONEDEV_SIG_MAX];
	unsigned int plain_len = 0;
	size_t own_len = 0;
	int ret = 0;

	switch (k->mech) {
	case CLONEDEV_MECH_AES_GCM:
		ret = buf_append(ops, c->in, c->in_len,
				 ops->op == CLONEDEV_CRYPT_ENCRYPT ?
				 ops->tag_len : 0, CLONEDEV_AEAD_MAX +
				 CLONEDEV_CRYPT_MAX);
		if (!ret && final)
			ret = gcm_final(ops, &res, &out_len);
		goto copy;
	case CLONEDEV_MECH_RSA_OAEP:
		ret = buf_append(ops, c->in, c->in_len, 0, k->rsa.k);
		if (ret == -EMSGSIZE)
			ret = -EINVAL;
		if (ret || !final)
			goto copy;
		if (ops->len != k->rsa.k) {
			ret = -EINVAL;
			goto copy;
		}
		own_len = k->rsa.k;
		own = kmalloc(own_len, GFP_KERNEL);
		ret = own ? cld_rsa_oaep_decrypt(&k->rsa, k->digest, ops->buf,
						 own, &plain_len) : -ENOMEM;
		out_len = plain_len;
		res = own;
		goto copy;
	case CLONEDEV_MECH_ECDSA:
		if (!ops->desc) {
			ret = buf_append(ops, c->in, c->in_len, 0, DIGEST_MAX);
			if (ret == -EMSGSIZE)
				ret = -EINVAL;
			if (ret)
				goto copy;
			break;
		}
		fallthrough;
	default:
		break;
	}
	if (c->in_len) {
		in = kvmalloc(c->in_len, GFP_KERNEL);
		if (!in)
			return -ENOMEM;
		if (copy_from_user(in, u64_to_user_ptr(c->in), c->in_len)) {
			ret = -EFAULT;
			goto copy;
		}
	}
	switch (k->mech) {
	case CLONEDEV_MECH_AES_CBC_PAD:
	case CLONEDEV_MECH_AES_CTR:
		own_len = ops->part_len + c->in_len + AES_BLOCK;
		ret = stream_step(ops, in, c->in_len, final, &own, &out_len);
		res = own;
		goto copy;
	case CLONEDEV_MECH_ECDSA:
		if (!ops->desc)
			break;
		fallthrough;
	default:
		if (c->in_len)
			ret = crypto_shash_update(ops->desc, in, c->in_len);
	}
	if (ret || !final)
		goto copy;
	if (ops->op == CLONEDEV_CRYPT_VERIFY) {
		if (c->sig_len > CLONEDEV_SIG_MAX) {
			ret = -EINVAL;
			goto copy;
		}
		sig = memdup_user(u64_to_user_ptr(c->sig), c->sig_len);
		if (IS_ERR(sig)) {
			ret = PTR_ERR(sig);
			sig = NULL;
			goto copy;
		}
	}
	/* A signature or MAC is no secret: it may sit on the stack. */
	ret = sig_final(ops, sig, c->sig_len, sig_out, &out_len);
	res = sig_out;
copy:
	if (!ret && out_len &&
	    copy_to_user(u64_to_user_ptr(c->out), res, out_len))
		ret = -EFAULT;
	c->out_len = ret ? 0 : out_len;
	if (own)
		kvfree_sensitive(own, own_len);
	if (in)
		kvfree_sensitive(in, c->in_len);
	kfree(sig);
	return ret;
}

/*
 * An UPDATE or FINAL: the key must still be there and usable, and the
 * session still logged in.
 */
static int op_recheck(struct cld_session *s, struct cld_ops *ops)
{
	struct op_key *k = ops->op_k;
	struct key_ref ref;
	int ret;

	ret = find_key(s, k->handle, false, k->ouid, false, &ref);
	if (ret)
		return ret;
	return ref.flags & op_usage[ops->op] ? 0 : -EPERM;
}

int cld_session_crypt(struct cld_session *s, void *arg)
{
	struct clonedev_crypt *c = arg;
	bool start = c->part == CLONEDEV_PART_ALL ||
		     c->part == CLONEDEV_PART_INIT;
	bool final = c->part == CLONEDEV_PART_ALL ||
		     c->part == CLONEDEV_PART_FINAL;
	struct cld_ops *ops;
	struct op_key *k;
	size_t need;
	int ret;

	if (c->flags & ~CLONEDEV_CRYPT_GEN_IV)
		return -EOPNOTSUPP;
	if (c->__reserved)
		return -EINVAL;
	if (c->part == CLONEDEV_PART_ABORT) {
		mutex_lock(&s->lock);
		if (s->ops)
			op_end(s->ops);
		mutex_unlock(&s->lock);
		return 0;
	}
	if (c->part > CLONEDEV_PART_FINAL ||
	    (start && (!c->op || c->op >= ARRAY_SIZE(op_usage))) ||
	    (c->part == CLONEDEV_PART_INIT && c->in_len))
		return -EINVAL;
	if (c->in_len > CLONEDEV_CRYPT_MAX || c->aad_len > CLONEDEV_CRYPT_MAX)
		return -EMSGSIZE;
	c->out_len = 0;
	mutex_lock(&s->lock);
	if (start) {
		if (s->ops)
			op_end(s->ops);
		ret = check_params(c);
		if (ret)
			goto out;
		k = use_key(s, c->handle, c->mech, c->hash, op_usage[c->op],
			    false);
		if (IS_ERR(k)) {
			ret = PTR_ERR(k);
			goto out;
		}
		ops = s->ops;
		ret = op_start(ops, k, c);
		if (ret || c->part == CLONEDEV_PART_INIT)
			goto end;
	} else {
		ops = s->ops;
		ret = -EINVAL;
		if (!ops || !ops->op_k)
			goto out;
		ret = op_recheck(s, ops);
		if (ret)
			goto end;
	}
	need = out_need(ops, final, c->in_len);
	if (need > c->out_cap) {
		c->out_len = need;
		ret = -EMSGSIZE;
		if (c->part == CLONEDEV_PART_ALL)
			op_end(ops);
		goto out;
	}
	ret = op_step(ops, c, final);
end:
	if (ret || final)
		op_end(s->ops);
out:
	mutex_unlock(&s->lock);
	return ret;
}

/* ---- CLONEDEV_IOCTL_DERIVE, _WRAP, _UNWRAP, _RANDOM ---- */

/* @cls/@type/@bits of a new key, and its flags and label, are sound. */
static int new_key_ok(u32 type, u32 bits, u32 obj_flags, const char *label,
		      u32 id_len)
{
	if ((obj_flags & ~CLONEDEV_OBJ_FLAGS) || id_len > CLONEDEV_ID_MAX ||
	    !cld_object_label_ok(label))
		return -EINVAL;
	if (type == CLONEDEV_KEY_AES)
		return bits == 128 || bits == 192 || bits == 256 ? 0 : -EINVAL;
	if (type == CLONEDEV_KEY_GENERIC_SECRET)
		return bits >= 8 && !(bits % 8) ? 0 : -EINVAL;
	return -EINVAL;
}

/*
 * Checks *@o's value, then adds it to the session's partition, which then
 * owns it (*@o becomes NULL).
 */
static int add_key(struct cld_session *s, struct cld_object **o, u32 *handle,
		   u32 *bits)
{
	int ret = cld_object_check_key(*o);

	if (ret)
		return ret == -ENOMEM ? ret : -EINVAL;
	if (bits)
		*bits = (*o)->bits;
	return cld_object_add_new(s, o, handle);
}

static int ecdh(struct op_key *k, const u8 *peer, u8 *secret,
		unsigned int len)
{
	struct kpp_request *req;
	struct scatterlist src, dst;
	DECLARE_CRYPTO_WAIT(wait);
	u8 *buf;
	int ret;

	buf = kmalloc(3 * len, GFP_KERNEL);
	req = kpp_request_alloc(k->kpp, GFP_KERNEL);
	if (!buf || !req) {
		ret = -ENOMEM;
		goto out;
	}
	memcpy(buf, peer + 1, 2 * len);
	sg_init_one(&src, buf, 2 * len);
	sg_init_one(&dst, buf + 2 * len, len);
	kpp_request_set_input(req, &src, 2 * len);
	kpp_request_set_output(req, &dst, len);
	kpp_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP,
				 crypto_req_done, &wait);
	ret = crypto_wait_req(crypto_kpp_compute_shared_secret(req), &wait);
	if (!ret)
		memcpy(secret, buf + 2 * len, len);
	else if (ret != -ENOMEM)
		ret = -EINVAL;
out:
	kpp_request_free(req);
	kfree_sensitive(buf);
	return ret;
}

int cld_session_derive(struct cld_session *s, void *arg)
{
	struct clonedev_derive *c = arg;
	u8 secret[CLD_EC_MAX_LEN];
	struct cld_object *o;
	struct op_key *k;
	unsigned int len;
	int ret;

	if (c->flags)
		return -EOPNOTSUPP;
	if (memchr_inv(c->__reserved, 0, sizeof(c->__reserved)) ||
	    memchr_inv(c->__pad, 0, sizeof(c->__pad)))
		return -EINVAL;
	if (c->mech != CLONEDEV_MECH_ECDH)
		return -EOPNOTSUPP;
	ret = new_key_ok(c->key_type, c->bits, c->obj_flags, c->label,
			 c->id_len);
	if (ret)
		return ret;
	mutex_lock(&s->lock);
	k = use_key(s, c->handle, c->mech, 0, CLONEDEV_OBJ_DERIVE, true);
	if (IS_ERR(k)) {
		ret = PTR_ERR(k);
		goto out;
	}
	len = cld_ec_len(k->key_type);
	ret = -EINVAL;
	if (c->bits > len * 8 || c->peer_len != 1 + 2 * len ||
	    c->peer[0] != 0x04)
		goto out;
	ret = ecdh(k, c->peer, secret, len);
	if (ret)
		goto out;
	o = cld_object_new(CLONEDEV_CLASS_SECRET_KEY, c->key_type,
			   c->obj_flags, c->label, c->id, c->id_len);
	if (!o) {
		ret = -ENOMEM;
		goto out;
	}
	o->value_len = c->bits / 8;
	o->value = kmemdup(secret, o->value_len, GFP_KERNEL);
	ret = o->value ? add_key(s, &o, &c->new_handle, NULL) : -ENOMEM;
	if (o)
		cld_object_free(o);
out:
	memzero_explicit(secret, sizeof(secret));
	mutex_unlock(&s->lock);
	return ret;
}

int cld_session_wrap(struct cld_session *s, void *arg)
{
	struct clonedev_wrap *c = arg;
	struct key_ref ref = {};
	struct op_key *k;
	unsigned int need;
	u8 *out = NULL;
	int ret;

	if (c->flags)
		return -EOPNOTSUPP;
	if (c->__reserved)
		return -EINVAL;
	if (c->mech != CLONEDEV_MECH_AES_KWP)
		return -EOPNOTSUPP;
	c->out_len = 0;
	mutex_lock(&s->lock);
	k = use_key(s, c->wrapping_handle, c->mech, 0, CLONEDEV_OBJ_WRAP,
		    true);
	if (IS_ERR(k)) {
		ret = PTR_ERR(k);
		goto out;
	}
	/* Attributes, policy, size and value: all of one object. */
	ret = find_key(s, c->handle, true, NULL, true, &ref);
	if (ret)
		goto out;
	ret = -EOPNOTSUPP;
	if (ref.obj_class != CLONEDEV_CLASS_SECRET_KEY &&
	    ref.obj_class != CLONEDEV_CLASS_PRIVATE_KEY)
		goto out;
	ret = -EPERM;
	if (!(ref.flags & CLONEDEV_OBJ_EXTRACTABLE) || !ref.wrap_policy)
		goto out;
	need = cld_kwp_wrapped_len(ref.value_len);
	if (need > c->out_cap) {
		c->out_len = need;
		ret = -EMSGSIZE;
		goto out;
	}
	out = kmalloc(need, GFP_KERNEL);
	ret = out ? cld_kwp_wrap(k->skc, ref.value, ref.value_len, out) :
		    -ENOMEM;
	if (!ret && copy_to_user(u64_to_user_ptr(c->out), out, need))
		ret = -EFAULT;
	if (!ret)
		c->out_len = need;
out:
	mutex_unlock(&s->lock);
	/* A wrap that failed half way may hold key bytes. */
	kfree_sensitive(out);
	kfree_sensitive(ref.value);
	return ret;
}

int cld_session_unwrap(struct cld_session *s, void *arg)
{
	struct clonedev_unwrap *c = arg;
	struct cld_object *o = NULL;
	unsigned int len;
	struct op_key *k;
	u32 cls;
	u8 *in;
	int ret;

	if (c->flags)
		return -EOPNOTSUPP;
	if (memchr_inv(c->__reserved, 0, sizeof(c->__reserved)))
		return -EINVAL;
	if (c->mech != CLONEDEV_MECH_AES_KWP)
		return -EOPNOTSUPP;
	switch (c->key_type) {
	case CLONEDEV_KEY_AES:
	case CLONEDEV_KEY_GENERIC_SECRET:
		cls = CLONEDEV_CLASS_SECRET_KEY;
		break;
	case CLONEDEV_KEY_EC_P256:
	case CLONEDEV_KEY_EC_P384:
	case CLONEDEV_KEY_RSA:
		cls = CLONEDEV_CLASS_PRIVATE_KEY;
		break;
	default:
		return -EINVAL;
	}
	if (c->in_len < 16 || c->in_len > CLONEDEV_WRAPPED_MAX ||
	    c->in_len % 8 || (c->obj_flags & ~CLONEDEV_OBJ_FLAGS) ||
	    c->id_len > CLONEDEV_ID_MAX || !cld_object_label_ok(c->label))
		return -EINVAL;
	in = memdup_user(u64_to_user_ptr(c->in), c->in_len);
	if (IS_ERR(in))
		return PTR_ERR(in);
	mutex_lock(&s->lock);
	k = use_key(s, c->unwrapping_handle, c->mech, 0, CLONEDEV_OBJ_UNWRAP,
		    true);
	if (IS_ERR(k)) {
		ret = PTR_ERR(k);
		goto out;
	}
	o = cld_object_new(cls, c->key_type, c->obj_flags, c->label, c->id,
			   c->id_len);
	o = o ? o : ERR_PTR(-ENOMEM);
	if (IS_ERR(o)) {
		ret = PTR_ERR(o);
		o = NULL;
		goto out;
	}
	o->value = kmalloc(c->in_len, GFP_KERNEL);
	if (!o->value) {
		ret = -ENOMEM;
		goto out;
	}
	ret = cld_kwp_unwrap(k->skc, in, c->in_len, o->value, &len);
	if (ret)
		goto out;
	o->value_len = len;
	ret = add_key(s, &o, &c->new_handle, &c->bits);
out:
	mutex_unlock(&s->lock);
	if (o)
		cld_object_free(o);
	kfree(in);
	return ret;
}

int cld_session_random(struct cld_session *s, void *arg)
{
	struct clonedev_random *c = arg;
	struct cld_partition *p;
	u8 *buf;
	int ret;

	if (c->flags)
		return -EOPNOTSUPP;
	if (c->__reserved || !c->len || c->len > CLONEDEV_RANDOM_MAX)
		return -EINVAL;
	mutex_lock(&s->lock);
	mutex_lock(&cld_hsm.lock);
	p = cld_session_partition(s);
	ret = !p ? -ENODEV :
	      cld_session_is(s, p, CLONEDEV_ROLE_CO) ||
	      cld_session_is(s, p, CLONEDEV_ROLE_CU) ? 0 : -EACCES;
	mutex_unlock(&cld_hsm.lock);
	mutex_unlock(&s->lock);
	if (ret)
		return ret;
	buf = kvmalloc(c->len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	get_random_bytes(buf, c->len);
	ret = copy_to_user(u64_to_user_ptr(c->out), buf, c->len) ? -EFAULT : 0;
	kvfree_sensitive(buf, c->len);
	return ret;
}
