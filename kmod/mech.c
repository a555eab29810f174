// SPDX-License-Identifier: GPL-2.0
/*
 * The mechanisms of enum clonedev_mech (uapi/linux/clonedev.h), described
 * by one const table: the keys each takes and for what, how a key's
 * transforms are set up, and how CLONEDEV_IOCTL_CRYPT runs it: AES-GCM
 * (in one call through the AEAD, in parts as CTR and GHASH with no length
 * limit but the standard's and, decrypting, @out_cap's), AES-CBC with
 * PKCS#7 padding, AES-CTR, HMAC, AES-CMAC, ECDSA and RSA.
 * ECDH (_DERIVE) and AES-KWP (_WRAP, _UNWRAP) only set up their keys here.
 * Every callback runs under cld_session.lock, never under cld_hsm.lock.
 */
#include <crypto/aead.h>
#include <crypto/algapi.h>
#include <crypto/ecdh.h>
#include <crypto/hash.h>
#include <crypto/kpp.h>
#include <crypto/skcipher.h>
#include <linux/bits.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "crypt.h"
#include "ecdsa.h"
#include "keycache.h"
#include "mech.h"
#include "rsa.h"

#define GCM_IV		12
#define DIGEST_MAX	64

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

/*
 * Looks up, once at module load, every algorithm a key may need, so that
 * the modules that provide them are loaded then: a first use would
 * otherwise wait in request_module() for a modprobe, which a busy system
 * can keep from running for many seconds.
 */
void cld_mech_preload(void)
{
	static const char *const names[] = {
		"ecb(aes)", "cbc(aes)", "ctr(aes)", "gcm(aes)", "ghash",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		crypto_has_alg(names[i], 0, 0);
	for (i = 0; i < ARRAY_SIZE(hash_names); i++)
		if (hash_names[i])
			crypto_has_alg(hash_names[i], 0, 0);
	for (i = 0; i < ARRAY_SIZE(hmac_names); i++)
		if (hmac_names[i])
			crypto_has_alg(hmac_names[i], 0, 0);
}

/* ---- setting up keys ---- */

static int skcipher_set(struct cld_key *k, const char *name, const u8 *value,
			u32 len)
{
	k->skc = crypto_alloc_skcipher(name, 0, 0);
	if (IS_ERR(k->skc))
		return PTR_ERR(k->skc);
	return crypto_skcipher_setkey(k->skc, value, len);
}

static int cbc_key_set(struct cld_key *k, const u8 *value, u32 len)
{
	return skcipher_set(k, "cbc(aes)", value, len);
}

static int ctr_key_set(struct cld_key *k, const u8 *value, u32 len)
{
	return skcipher_set(k, "ctr(aes)", value, len);
}

static int kwp_key_set(struct cld_key *k, const u8 *value, u32 len)
{
	return skcipher_set(k, "ecb(aes)", value, len);
}

static void skcipher_free(struct cld_key *k)
{
	crypto_free_skcipher(k->skc);
}

static int skcipher_crypt(struct crypto_skcipher *tfm, bool enc, u8 *iv,
			  u8 *buf, size_t len);

/*
 * The one-call AEAD, and for operations in parts CTR and GHASH keyed with
 * H = E_K(0^128), which is CTR's keystream from a zero counter block.
 */
static int gcm_key_set(struct cld_key *k, const u8 *value, u32 len)
{
	u8 ctr[CLD_AES_BLOCK] = {};
	u8 *h;
	int ret;

	k->aead = crypto_alloc_aead("gcm(aes)", 0, 0);
	if (IS_ERR(k->aead))
		return PTR_ERR(k->aead);
	ret = crypto_aead_setkey(k->aead, value, len);
	if (ret)
		return ret;
	k->gcm_ctr = crypto_alloc_skcipher("ctr(aes)", 0, 0);
	if (IS_ERR(k->gcm_ctr))
		return PTR_ERR(k->gcm_ctr);
	k->gcm_ghash = crypto_alloc_shash("ghash", 0, 0);
	if (IS_ERR(k->gcm_ghash))
		return PTR_ERR(k->gcm_ghash);
	ret = crypto_skcipher_setkey(k->gcm_ctr, value, len);
	if (ret)
		return ret;
	h = kzalloc(CLD_AES_BLOCK, GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	ret = skcipher_crypt(k->gcm_ctr, true, ctr, h, CLD_AES_BLOCK) ?:
	      crypto_shash_setkey(k->gcm_ghash, h, CLD_AES_BLOCK);
	kfree_sensitive(h);
	return ret;
}

static void gcm_key_free(struct cld_key *k)
{
	crypto_free_shash(k->gcm_ghash);
	crypto_free_skcipher(k->gcm_ctr);
	crypto_free_aead(k->aead);
}

static int shash_set(struct cld_key *k, const char *name, const u8 *value,
		     u32 len)
{
	k->mac = crypto_alloc_shash(name, 0, 0);
	if (IS_ERR(k->mac))
		return PTR_ERR(k->mac);
	return crypto_shash_setkey(k->mac, value, len);
}

static int hmac_key_set(struct cld_key *k, const u8 *value, u32 len)
{
	return shash_set(k, hmac_names[k->hash], value, len);
}

static int cmac_key_set(struct cld_key *k, const u8 *value, u32 len)
{
	return shash_set(k, "cmac(aes)", value, len);
}

static void mac_key_free(struct cld_key *k)
{
	crypto_free_shash(k->mac);
}

/* ECDSA and RSA: the hash of the message, if the key has one. */
static int digest_set(struct cld_key *k)
{
	int ret;

	if (!cld_hash_ok(k->hash))
		return 0;
	k->digest = crypto_alloc_shash(hash_names[k->hash], 0, 0);
	if (IS_ERR(k->digest)) {
		ret = PTR_ERR(k->digest);
		k->digest = NULL;
		return ret;
	}
	return 0;
}

static int ecdsa_key_set(struct cld_key *k, const u8 *value, u32 len)
{
	int ret = digest_set(k);

	if (ret)
		return ret;
	k->ec = kmalloc(sizeof(*k->ec), GFP_KERNEL);
	if (!k->ec)
		return -ENOMEM;
	return cld_ecdsa_key_set(k->ec, k->key_type, k->obj_class, value, len);
}

static void ecdsa_key_free(struct cld_key *k)
{
	if (k->ec) {
		cld_ecdsa_key_wipe(k->ec);
		kfree(k->ec);
	}
	if (k->digest)
		crypto_free_shash(k->digest);
}

static int rsa_key_set(struct cld_key *k, const u8 *value, u32 len)
{
	if (k->obj_class == CLONEDEV_CLASS_PUBLIC_KEY)
		return digest_set(k) ?:
		       cld_rsa_key_set_public(&k->rsa, value, len);
	return digest_set(k) ?: cld_rsa_key_set(&k->rsa, value, len);
}

static void rsa_key_free(struct cld_key *k)
{
	cld_rsa_key_free(&k->rsa);
	if (k->digest)
		crypto_free_shash(k->digest);
}

static int ecdh_key_set(struct cld_key *k, const u8 *value, u32 len)
{
	struct ecdh params = { .key = (char *)value, .key_size = len };
	unsigned int blen = crypto_ecdh_key_len(&params);
	u8 *buf;
	int ret;

	k->kpp = crypto_alloc_kpp(k->key_type == CLONEDEV_KEY_EC_P256 ?
				  "ecdh-nist-p256" : "ecdh-nist-p384", 0, 0);
	if (IS_ERR(k->kpp))
		return PTR_ERR(k->kpp);
	buf = kmalloc(blen, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	ret = crypto_ecdh_encode_key(buf, blen, &params) ?:
	      crypto_kpp_set_secret(k->kpp, buf, blen);
	kfree_sensitive(buf);
	return ret;
}

static void ecdh_key_free(struct cld_key *k)
{
	crypto_free_kpp(k->kpp);
}

/* ---- the operation's buffer ---- */

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
static int buf_append(struct cld_crypt *cr, u64 src, size_t n, size_t slack,
		      size_t max)
{
	size_t want = cr->len + n + slack;

	if (cr->len + n > max)
		return -EMSGSIZE;
	if (want > cr->cap) {
		size_t cap = max_t(size_t, want, 2 * cr->cap);
		u8 *buf = kvmalloc(cap, GFP_KERNEL);

		if (!buf)
			return -ENOMEM;
		if (cr->buf) {
			memcpy(buf, cr->buf, cr->len);
			memzero_explicit(cr->buf, cr->cap);
			kvfree(cr->buf);
		}
		cr->buf = buf;
		cr->cap = cap;
	}
	if (n && copy_from_user(cr->buf + cr->len, u64_to_user_ptr(src), n)) {
		memzero_explicit(cr->buf + cr->len, n);
		return -EFAULT;
	}
	cr->len += n;
	return 0;
}

/* A kvmalloc()ed copy of @len (> 0) bytes of user memory. */
static u8 *in_dup(u64 src, u32 len)
{
	u8 *in = kvmalloc(len, GFP_KERNEL);

	if (!in)
		return ERR_PTR(-ENOMEM);
	if (copy_from_user(in, u64_to_user_ptr(src), len)) {
		kvfree_sensitive(in, len);
		return ERR_PTR(-EFAULT);
	}
	return in;
}

static int desc_start(struct cld_crypt *cr, struct crypto_shash *tfm)
{
	struct cld_key *k = cr->key;

	if (!k->desc) {
		k->desc = kmalloc(sizeof(*k->desc) +
				  crypto_shash_descsize(tfm), GFP_KERNEL);
		if (!k->desc)
			return -ENOMEM;
	}
	cr->desc = k->desc;
	cr->desc->tfm = tfm;
	return crypto_shash_init(cr->desc);
}

/*
 * ---- AES-GCM ----
 *
 * In one call (ALL): AAD and data gathered and run through the AEAD.
 *
 * In parts (INIT, UPDATE, FINAL), after NIST SP 800-38D: CTR from
 * inc32(J0), J0 = IV || 0^31 || 1, and GHASH over the AAD and the
 * ciphertext, each zero-padded to a block, then their lengths; the tag
 * is E_K(J0) xor GHASH. Only whole blocks go through CTR and GHASH before
 * FINAL, the rest is held back. Encryption returns its ciphertext as it
 * comes. Decryption returns no plaintext before the tag checks out: it
 * holds back the bytes that may be the tag, hashes the ciphertext as it
 * comes and spools it to a shmem file (swappable, charged to the caller),
 * and at FINAL checks the tag, then decrypts the spool into @out. One
 * FINAL's @out is at most U32_MAX bytes, so that bounds the plaintext.
 */

#define GCM_ENC_MAX	((1ULL << 36) - 32)	/* 2^39 - 256 bits */
#define GCM_DEC_MAX	U32_MAX
#define SPOOL_CHUNK	(64 * 1024)
#define SPOOL_SIZE	((loff_t)GCM_DEC_MAX + 2 * CLD_AES_BLOCK)

static int gcm_one_init(struct cld_crypt *cr, const struct clonedev_crypt *c)
{
	int ret;

	ret = crypto_aead_setauthsize(cr->key->aead, cr->tag_len) ?:
	      buf_append(cr, c->aad, c->aad_len, 0, CLONEDEV_CRYPT_MAX);
	cr->aad_len = c->aad_len;
	return ret;
}

/* GHASH over @len bytes at @p, the last block zero-padded. */
static int ghash_pad(struct shash_desc *desc, const u8 *p, size_t len)
{
	size_t whole = round_down(len, CLD_AES_BLOCK);
	u8 block[CLD_AES_BLOCK] = {};
	int ret = 0;

	if (whole)
		ret = crypto_shash_update(desc, p, whole);
	if (ret || whole == len)
		return ret;
	memcpy(block, p + whole, len - whole);
	ret = crypto_shash_update(desc, block, sizeof(block));
	memzero_explicit(block, sizeof(block));
	return ret;
}

/* J0, then E_K(J0) for the tag and the counter at inc32(J0); the AAD. */
static int gcm_parts_init(struct cld_crypt *cr, const struct clonedev_crypt *c)
{
	struct cld_key *k = cr->key;
	u8 *buf;
	int ret;

	cr->gcm_parts = true;
	memset(cr->iv + GCM_IV, 0, CLD_AES_BLOCK - GCM_IV - 1);
	cr->iv[CLD_AES_BLOCK - 1] = 1;
	ret = desc_start(cr, k->gcm_ghash);
	if (ret)
		return ret;
	buf = kzalloc(CLD_AES_BLOCK, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	ret = skcipher_crypt(k->gcm_ctr, true, cr->iv, buf, CLD_AES_BLOCK);
	memcpy(cr->gcm_ekj0, buf, CLD_AES_BLOCK);
	kfree_sensitive(buf);
	if (ret || !c->aad_len)
		return ret;
	buf = in_dup(c->aad, c->aad_len);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	ret = ghash_pad(cr->desc, buf, c->aad_len);
	kvfree_sensitive(buf, c->aad_len);
	cr->aad_len = c->aad_len;
	return ret;
}

static int gcm_init(struct cld_crypt *cr, const struct clonedev_crypt *c)
{
	return c->part == CLONEDEV_PART_INIT ? gcm_parts_init(cr, c) :
	       gcm_one_init(cr, c);
}

static size_t gcm_out_size(const struct cld_crypt *cr, bool final,
			   u32 in_len)
{
	bool enc = cr->op == CLONEDEV_CRYPT_ENCRYPT;
	size_t total;

	if (cr->gcm_parts) {
		total = cr->part_len + in_len;
		if (enc)
			return final ? total + cr->tag_len :
				       round_down(total, CLD_AES_BLOCK);
		total += cr->gcm_len;
	} else {
		total = cr->len - cr->aad_len + in_len;
	}
	if (!final)
		return 0;
	if (enc)
		return total + cr->tag_len;
	return total > cr->tag_len ? total - cr->tag_len : 0;
}

/* The full tag: GHASH ends with the lengths block, masked by E_K(J0). */
static int gcm_tag(struct cld_crypt *cr, u8 tag[CLD_AES_BLOCK])
{
	__be64 lens[2];
	int ret;

	lens[0] = cpu_to_be64((u64)cr->aad_len * 8);
	lens[1] = cpu_to_be64(cr->gcm_len * 8);
	ret = crypto_shash_finup(cr->desc, (const u8 *)lens, sizeof(lens),
				 tag);
	crypto_xor(tag, cr->gcm_ekj0, CLD_AES_BLOCK);
	return ret;
}

/*
 * The held-back bytes and @in_len bytes of user memory at @in, in a new
 * buffer of that many and @extra more bytes (*@cap in all).
 */
static u8 *gcm_gather(struct cld_crypt *cr, u64 in, u32 in_len, size_t extra,
		      size_t *cap)
{
	u8 *work;

	*cap = cr->part_len + in_len + extra;
	work = kvmalloc(*cap, GFP_KERNEL);
	if (!work)
		return ERR_PTR(-ENOMEM);
	memcpy(work, cr->part, cr->part_len);
	if (in_len && copy_from_user(work + cr->part_len,
				     u64_to_user_ptr(in), in_len)) {
		kvfree_sensitive(work, *cap);
		return ERR_PTR(-EFAULT);
	}
	return work;
}

/*
 * Gives @run bytes of @work (@cap long) as the step's output, to be freed
 * with it; or, when @ret says the step failed, frees it. Returns @ret.
 */
static int give_out(struct cld_crypt_out *out, u8 *work, size_t run,
		    size_t cap, int ret)
{
	if (ret) {
		kvfree_sensitive(work, cap);
		return ret;
	}
	out->data = work;
	out->len = run;
	out->own = work;
	out->own_len = cap;
	return 0;
}

/* Whole blocks (at @final, all) encrypted, hashed and given out. */
static int gcm_encrypt_step(struct cld_crypt *cr, u64 in, u32 in_len,
			    bool final, struct cld_crypt_out *out)
{
	struct cld_key *k = cr->key;
	size_t total = cr->part_len + in_len, run, cap;
	u8 tag[CLD_AES_BLOCK];
	u8 *work;
	int ret;

	if (cr->gcm_len + total > GCM_ENC_MAX)
		return -EMSGSIZE;
	work = gcm_gather(cr, in, in_len, CLD_AES_BLOCK, &cap);
	if (IS_ERR(work))
		return PTR_ERR(work);
	run = final ? total : round_down(total, CLD_AES_BLOCK);
	ret = skcipher_crypt(k->gcm_ctr, true, cr->iv, work, run) ?:
	      ghash_pad(cr->desc, work, run);
	if (ret)
		goto fail;
	cr->gcm_len += run;
	cr->part_len = total - run;
	memcpy(cr->part, work + run, cr->part_len);
	if (final) {
		ret = gcm_tag(cr, tag);
		memcpy(work + run, tag, cr->tag_len);
		memzero_explicit(tag, sizeof(tag));
		if (ret)
			goto fail;
		run += cr->tag_len;
	}
fail:
	return give_out(out, work, run, cap, ret);
}

/*
 * Copies @len bytes between @buf and the spool at @pos (into the spool if
 * @in), page by page through its page cache, as drivers use shmem: no
 * write(2) rules (RLIMIT_FSIZE and its signal), and a page written is
 * marked dirty so that reclaim swaps it out rather than drops it.
 */
static int spool_copy(struct file *f, loff_t pos, u8 *buf, size_t len,
		      bool in)
{
	struct page *page;
	size_t off, n;
	u8 *va;

	while (len) {
		page = shmem_read_mapping_page(f->f_mapping, pos >> PAGE_SHIFT);
		if (IS_ERR(page))
			return PTR_ERR(page);
		off = offset_in_page(pos);
		n = min_t(size_t, len, PAGE_SIZE - off);
		va = kmap_local_page(page);
		if (in)
			memcpy(va + off, buf, n);
		else
			memcpy(buf, va + off, n);
		kunmap_local(va);
		if (in)
			set_page_dirty(page);
		put_page(page);
		pos += n;
		buf += n;
		len -= n;
	}
	return 0;
}

/* Appends @len bytes at @p to the spool, made (sparse) at the first. */
static int spool_write(struct cld_crypt *cr, u8 *p, size_t len)
{
	struct file *f = cr->gcm_spool;
	int ret;

	if (!len)
		return 0;
	if (!f) {
		f = shmem_file_setup("clonedev-gcm", SPOOL_SIZE, VM_NORESERVE);
		if (IS_ERR(f))
			return PTR_ERR(f);
		cr->gcm_spool = f;
	}
	ret = spool_copy(f, cr->gcm_spooled, p, len, true);
	if (!ret)
		cr->gcm_spooled += len;
	return ret;
}

/*
 * Before FINAL: whole blocks short of the last tag_len bytes hashed and
 * spooled. At FINAL: the rest hashed and the tag checked; the data of
 * this call is given out for gcm_final() to decrypt after the spool.
 */
static int gcm_decrypt_step(struct cld_crypt *cr, u64 in, u32 in_len,
			    bool final, struct cld_crypt_out *out)
{
	size_t total = cr->part_len + in_len, run, cap;
	u8 tag[CLD_AES_BLOCK];
	u8 *work;
	int ret;

	if (cr->gcm_len + total > (u64)GCM_DEC_MAX + cr->tag_len)
		return -EMSGSIZE;
	/* Held back, as ever, unless there was less in all. */
	if (final && total < cr->tag_len)
		return -EINVAL;
	if (!total)
		return 0;
	work = gcm_gather(cr, in, in_len, 0, &cap);
	if (IS_ERR(work))
		return PTR_ERR(work);
	if (!final) {
		run = total > cr->tag_len ?
		      round_down(total - cr->tag_len, CLD_AES_BLOCK) : 0;
		ret = ghash_pad(cr->desc, work, run) ?:
		      spool_write(cr, work, run);
		if (!ret) {
			cr->gcm_len += run;
			cr->part_len = total - run;
			memcpy(cr->part, work + run, cr->part_len);
		}
		kvfree_sensitive(work, cap);
		return ret;
	}
	run = total - cr->tag_len;
	ret = ghash_pad(cr->desc, work, run);
	if (!ret) {
		cr->gcm_len += run;
		ret = gcm_tag(cr, tag);
	}
	if (!ret && crypto_memneq(tag, work + run, cr->tag_len))
		ret = -EBADMSG;
	memzero_explicit(tag, sizeof(tag));
	return give_out(out, work, run, cap, ret);
}

static int gcm_update(struct cld_crypt *cr, u64 in, u32 in_len, bool final,
		      struct cld_crypt_out *out)
{
	bool enc = cr->op == CLONEDEV_CRYPT_ENCRYPT;

	if (cr->gcm_parts)
		return enc ? gcm_encrypt_step(cr, in, in_len, final, out) :
			     gcm_decrypt_step(cr, in, in_len, final, out);
	return buf_append(cr, in, in_len, enc ? cr->tag_len : 0,
			  2 * CLONEDEV_CRYPT_MAX);
}

/*
 * Decryption in parts, the tag checked: the spool decrypted into @c->out
 * a chunk at a time, then the data of the last call left in @out.
 */
static int gcm_parts_final(struct cld_crypt *cr, const struct clonedev_crypt *c,
			   struct cld_crypt_out *out)
{
	struct crypto_skcipher *ctr = cr->key->gcm_ctr;
	size_t n, cap = min_t(loff_t, cr->gcm_spooled, SPOOL_CHUNK);
	loff_t pos = 0;
	u8 *buf;
	int ret = 0;

	if (cr->op == CLONEDEV_CRYPT_ENCRYPT)
		return 0;
	if (cap) {
		buf = kvmalloc(cap, GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
		while (!ret && pos < cr->gcm_spooled) {
			n = min_t(loff_t, cap, cr->gcm_spooled - pos);
			ret = spool_copy(cr->gcm_spool, pos, buf, n, false) ?:
			      skcipher_crypt(ctr, true, cr->iv, buf, n);
			if (!ret && copy_to_user(u64_to_user_ptr(c->out + pos),
						 buf, n))
				ret = -EFAULT;
			pos += n;
		}
		kvfree_sensitive(buf, cap);
		if (ret)
			return ret;
	}
	out->sent = pos;
	return skcipher_crypt(ctr, true, cr->iv, out->own, out->len);
}

static int gcm_final(struct cld_crypt *cr, const struct clonedev_crypt *c,
		     struct cld_crypt_out *out)
{
	bool enc = cr->op == CLONEDEV_CRYPT_ENCRYPT;
	size_t data = cr->len - cr->aad_len;
	struct aead_request *req;
	DECLARE_CRYPTO_WAIT(wait);
	struct sg_table t;
	int ret;

	if (cr->gcm_parts)
		return gcm_parts_final(cr, c, out);
	if (!enc && data < cr->tag_len)
		return -EINVAL;
	ret = buf_sg(&t, cr->buf, cr->len + (enc ? cr->tag_len : 0));
	if (ret)
		return ret;
	req = aead_request_alloc(cr->key->aead, GFP_KERNEL);
	if (!req) {
		sg_free_table(&t);
		return -ENOMEM;
	}
	aead_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP,
				  crypto_req_done, &wait);
	aead_request_set_crypt(req, t.sgl, t.sgl, data, cr->iv);
	aead_request_set_ad(req, cr->aad_len);
	ret = crypto_wait_req(enc ? crypto_aead_encrypt(req) :
			      crypto_aead_decrypt(req), &wait);
	aead_request_free(req);
	sg_free_table(&t);
	if (ret)
		return ret;
	out->data = cr->buf + cr->aad_len;
	out->len = enc ? data + cr->tag_len : data - cr->tag_len;
	return 0;
}

/* ---- AES-CBC with padding and AES-CTR: whole blocks as they come ---- */

static size_t cbc_out_size(const struct cld_crypt *cr, bool final,
			   u32 in_len)
{
	size_t total = cr->part_len + in_len;

	if (cr->op == CLONEDEV_CRYPT_ENCRYPT)
		return round_down(total, CLD_AES_BLOCK) +
		       (final ? CLD_AES_BLOCK : 0);
	if (final)
		return total;
	return total > CLD_AES_BLOCK ? round_down(total - 1, CLD_AES_BLOCK) :
				       0;
}

static size_t ctr_out_size(const struct cld_crypt *cr, bool final,
			   u32 in_len)
{
	size_t total = cr->part_len + in_len;

	return final ? total : round_down(total, CLD_AES_BLOCK);
}

/*
 * Runs @tfm over @len bytes of @buf (kvmalloc()ed) in place; @iv moves on
 * as the mode chains it.
 */
static int skcipher_crypt(struct crypto_skcipher *tfm, bool enc, u8 *iv,
			  u8 *buf, size_t len)
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
	req = skcipher_request_alloc(tfm, GFP_KERNEL);
	if (!req) {
		sg_free_table(&t);
		return -ENOMEM;
	}
	skcipher_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP,
				      crypto_req_done, &wait);
	skcipher_request_set_crypt(req, t.sgl, t.sgl, len, iv);
	ret = crypto_wait_req(enc ? crypto_skcipher_encrypt(req) :
			      crypto_skcipher_decrypt(req), &wait);
	skcipher_request_free(req);
	sg_free_table(&t);
	return ret;
}

/* Runs the key's skcipher over @len bytes of @buf in place, chaining iv. */
static int skcipher_run(struct cld_crypt *cr, u8 *buf, size_t len)
{
	return skcipher_crypt(cr->key->skc, cr->op == CLONEDEV_CRYPT_ENCRYPT,
			      cr->iv, buf, len);
}

/*
 * The held-back bytes and @in, all whole blocks run (at @final,
 * everything, CBC padded, CTR unpadded), the rest held back. The output
 * is @out's own buffer.
 */
static int stream_step(struct cld_crypt *cr, bool cbc, const u8 *in,
		       u32 in_len, bool final, struct cld_crypt_out *out)
{
	bool enc = cr->op == CLONEDEV_CRYPT_ENCRYPT;
	size_t total = cr->part_len + in_len, run, i;
	u8 *work, pad;
	int ret;

	work = kvmalloc(total + CLD_AES_BLOCK, GFP_KERNEL);
	if (!work)
		return -ENOMEM;
	memcpy(work, cr->part, cr->part_len);
	memcpy(work + cr->part_len, in, in_len);
	if (!cbc) {
		run = final ? total : round_down(total, CLD_AES_BLOCK);
	} else if (enc) {
		run = round_down(total, CLD_AES_BLOCK);
		if (final) {
			pad = CLD_AES_BLOCK - total % CLD_AES_BLOCK;
			memset(work + total, pad, pad);
			run += CLD_AES_BLOCK;
		}
	} else if (final) {
		ret = -EINVAL;
		if (!total || total % CLD_AES_BLOCK)
			goto fail;
		run = total;
	} else {
		run = total > CLD_AES_BLOCK ?
		      round_down(total - 1, CLD_AES_BLOCK) : 0;
	}
	ret = skcipher_run(cr, work, run);
	if (ret)
		goto fail;
	out->len = run;
	if (cbc && !enc && final) {
		pad = work[run - 1];
		ret = -EINVAL;
		if (!pad || pad > CLD_AES_BLOCK)
			goto fail;
		for (i = run - pad; i < run; i++)
			if (work[i] != pad)
				goto fail;
		out->len = run - pad;
	}
	if (!final) {
		cr->part_len = total - run;
		memcpy(cr->part, work + run, cr->part_len);
	}
	out->data = work;
	out->own = work;
	out->own_len = total + CLD_AES_BLOCK;
	return 0;
fail:
	kvfree_sensitive(work, total + CLD_AES_BLOCK);
	return ret;
}

static int stream_update(struct cld_crypt *cr, bool cbc, u64 in, u32 in_len,
			 bool final, struct cld_crypt_out *out)
{
	u8 *buf = NULL;
	int ret;

	if (in_len) {
		buf = in_dup(in, in_len);
		if (IS_ERR(buf))
			return PTR_ERR(buf);
	}
	ret = stream_step(cr, cbc, buf, in_len, final, out);
	if (buf)
		kvfree_sensitive(buf, in_len);
	return ret;
}

static int cbc_update(struct cld_crypt *cr, u64 in, u32 in_len, bool final,
		      struct cld_crypt_out *out)
{
	return stream_update(cr, true, in, in_len, final, out);
}

static int ctr_update(struct cld_crypt *cr, u64 in, u32 in_len, bool final,
		      struct cld_crypt_out *out)
{
	return stream_update(cr, false, in, in_len, final, out);
}

/* ---- signatures and MACs: the input hashed, signed at FINAL ---- */

static int mac_init(struct cld_crypt *cr, const struct clonedev_crypt *c)
{
	return desc_start(cr, cr->key->mac);
}

/*
 * Without a hash (ECDSA over the caller's digest, RSA PKCS#1 v1.5 over
 * the caller's T) or prehashed, the input is kept.
 */
static int digest_init(struct cld_crypt *cr, const struct clonedev_crypt *c)
{
	return cr->key->digest && !cr->prehashed ?
	       desc_start(cr, cr->key->digest) : 0;
}

/* The most input kept for a signature without the message hash. */
static unsigned int raw_max(const struct cld_crypt *cr)
{
	if (cr->prehashed)
		return cld_hash_len(cr->key->hash);
	return cr->mech->raw_max(cr->key);
}

static size_t sig_out_size(const struct cld_crypt *cr, bool final,
			   u32 in_len)
{
	return final && cr->op == CLONEDEV_CRYPT_SIGN ?
	       cr->mech->sig_size(cr->key) : 0;
}

static int sig_update(struct cld_crypt *cr, u64 in, u32 in_len, bool final,
		      struct cld_crypt_out *out)
{
	u8 *buf;
	int ret;

	if (!cr->desc) {
		ret = buf_append(cr, in, in_len, 0, raw_max(cr));
		return ret == -EMSGSIZE ? -EINVAL : ret;
	}
	if (!in_len)
		return 0;
	buf = in_dup(in, in_len);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	ret = crypto_shash_update(cr->desc, buf, in_len);
	kvfree_sensitive(buf, in_len);
	return ret;
}

static int sig_final(struct cld_crypt *cr, const struct clonedev_crypt *c,
		     struct cld_crypt_out *out)
{
	const struct cld_mech *m = cr->mech;
	bool sign = cr->op == CLONEDEV_CRYPT_SIGN;
	unsigned int size = m->sig_size(cr->key), dlen;
	u8 digest[DIGEST_MAX];
	const u8 *data = digest;
	u8 *sig = NULL;
	int ret;

	if (!sign) {
		if (c->sig_len > CLONEDEV_SIG_MAX)
			return -EINVAL;
		sig = memdup_user(u64_to_user_ptr(c->sig), c->sig_len);
		if (IS_ERR(sig))
			return PTR_ERR(sig);
		ret = -EINVAL;
		if (c->sig_len != size)
			goto out;
	}
	if (cr->desc) {
		ret = crypto_shash_final(cr->desc, digest);
		if (ret)
			goto out;
		dlen = crypto_shash_digestsize(cr->desc->tfm);
	} else {
		/* The caller's digest, or T; a prehashed one of its size */
		ret = -EINVAL;
		if (!cr->len || (cr->prehashed &&
				 cr->len != cld_hash_len(cr->key->hash)))
			goto out;
		dlen = cr->len;
		data = cr->buf;
	}
	ret = sign ? m->sign(cr, data, dlen, out->sig) :
		     m->verify(cr, data, dlen, sig);
	if (!ret && sign) {
		out->data = out->sig;
		out->len = size;
	}
out:
	memzero_explicit(digest, sizeof(digest));
	kfree(sig);
	return ret;
}

static unsigned int mac_size(const struct cld_key *k)
{
	return crypto_shash_digestsize(k->mac);
}

static int mac_sign(const struct cld_crypt *cr, const u8 *digest,
		    unsigned int dlen, u8 *sig)
{
	memcpy(sig, digest, mac_size(cr->key));
	return 0;
}

static int mac_verify(const struct cld_crypt *cr, const u8 *digest,
		      unsigned int dlen, const u8 *sig)
{
	return crypto_memneq(digest, sig, mac_size(cr->key)) ? -EBADMSG : 0;
}

static unsigned int ecdsa_size(const struct cld_key *k)
{
	return 2 * k->ec->len;
}

static unsigned int ecdsa_raw_max(const struct cld_key *k)
{
	return DIGEST_MAX;
}

static int ecdsa_sign(const struct cld_crypt *cr, const u8 *digest,
		      unsigned int dlen, u8 *sig)
{
	return cld_ecdsa_sign(cr->key->ec, digest, dlen, sig);
}

static int ecdsa_verify(const struct cld_crypt *cr, const u8 *digest,
			unsigned int dlen, const u8 *sig)
{
	return cld_ecdsa_verify(cr->key->ec, digest, dlen, sig);
}

static unsigned int rsa_size(const struct cld_key *k)
{
	return k->rsa.k;
}

/* PKCS#1 v1.5 without a hash: T, at most k - 11 bytes (RFC 8017 9.2). */
static unsigned int rsa_raw_max(const struct cld_key *k)
{
	return k->rsa.k - 11;
}

static int rsa_sign(const struct cld_crypt *cr, const u8 *digest,
		    unsigned int dlen, u8 *sig)
{
	struct cld_key *k = cr->key;

	if (k->hash == CLONEDEV_HASH_NONE)
		return cld_rsa_sign_raw(&k->rsa, digest, dlen, sig);
	return cld_rsa_sign(&k->rsa, k->mech, k->digest, k->hash, digest,
			    cr->salt_len, sig);
}

static int rsa_verify(const struct cld_crypt *cr, const u8 *digest,
		      unsigned int dlen, const u8 *sig)
{
	struct cld_key *k = cr->key;

	if (k->hash == CLONEDEV_HASH_NONE)
		return cld_rsa_verify_raw(&k->rsa, digest, dlen, sig);
	return cld_rsa_verify(&k->rsa, k->mech, k->digest, k->hash, digest,
			      cr->salt_len, sig);
}

/* ---- RSA-OAEP: the ciphertext gathered, decrypted at FINAL ---- */

static size_t oaep_out_size(const struct cld_crypt *cr, bool final,
			    u32 in_len)
{
	return final ? cr->key->rsa.k : 0;
}

static int oaep_update(struct cld_crypt *cr, u64 in, u32 in_len, bool final,
		       struct cld_crypt_out *out)
{
	int ret = buf_append(cr, in, in_len, 0, cr->key->rsa.k);

	return ret == -EMSGSIZE ? -EINVAL : ret;
}

static int oaep_final(struct cld_crypt *cr, const struct clonedev_crypt *c,
		      struct cld_crypt_out *out)
{
	struct cld_key *k = cr->key;
	unsigned int plain_len = 0;
	int ret;

	if (cr->len != k->rsa.k)
		return -EINVAL;
	out->own_len = k->rsa.k;
	out->own = kmalloc(out->own_len, GFP_KERNEL);
	if (!out->own)
		return -ENOMEM;
	ret = cld_rsa_oaep_decrypt(&k->rsa, k->digest, cr->buf, out->own,
				   &plain_len);
	out->data = out->own;
	out->len = plain_len;
	return ret;
}

/* ---- the table ---- */

#define AES		BIT(CLONEDEV_KEY_AES)
#define EC		(BIT(CLONEDEV_KEY_EC_P256) | BIT(CLONEDEV_KEY_EC_P384))
#define SECRET		BIT(CLONEDEV_CLASS_SECRET_KEY)
#define PRIVATE		BIT(CLONEDEV_CLASS_PRIVATE_KEY)
#define CRYPT		(CLONEDEV_OBJ_ENCRYPT | CLONEDEV_OBJ_DECRYPT)
#define SIGN		(CLONEDEV_OBJ_SIGN | CLONEDEV_OBJ_VERIFY)

#define SIG_OPS(size, sign_fn, verify_fn)				\
	.out_size = sig_out_size, .update = sig_update,			\
	.final = sig_final, .sig_size = size, .sign = sign_fn,		\
	.verify = verify_fn

static const struct cld_mech mechs[] = {
	[CLONEDEV_MECH_AES_GCM] = {
		.key_types = AES, .uses = { { CRYPT, SECRET } },
		.key_set = gcm_key_set, .key_free = gcm_key_free,
		.iv_len = GCM_IV, .aead = true,
		.init = gcm_init, .out_size = gcm_out_size,
		.update = gcm_update, .final = gcm_final,
	},
	[CLONEDEV_MECH_AES_CBC_PAD] = {
		.key_types = AES, .uses = { { CRYPT, SECRET } },
		.key_set = cbc_key_set, .key_free = skcipher_free,
		.iv_len = CLD_AES_BLOCK,
		.out_size = cbc_out_size, .update = cbc_update,
	},
	[CLONEDEV_MECH_AES_CTR] = {
		.key_types = AES, .uses = { { CRYPT, SECRET } },
		.key_set = ctr_key_set, .key_free = skcipher_free,
		.iv_len = CLD_AES_BLOCK,
		.out_size = ctr_out_size, .update = ctr_update,
	},
	[CLONEDEV_MECH_HMAC] = {
		.key_types = AES | BIT(CLONEDEV_KEY_GENERIC_SECRET),
		.uses = { { SIGN, SECRET } },
		.key_set = hmac_key_set, .key_free = mac_key_free,
		.hash = CLD_HASH_REQUIRED,
		.init = mac_init, SIG_OPS(mac_size, mac_sign, mac_verify),
	},
	[CLONEDEV_MECH_AES_CMAC] = {
		.key_types = AES, .uses = { { SIGN, SECRET } },
		.key_set = cmac_key_set, .key_free = mac_key_free,
		.init = mac_init, SIG_OPS(mac_size, mac_sign, mac_verify),
	},
	[CLONEDEV_MECH_ECDSA] = {
		/* Verifying takes either half of the key. */
		.key_types = EC,
		.uses = { { CLONEDEV_OBJ_SIGN, PRIVATE },
			  { CLONEDEV_OBJ_VERIFY, ~(u32)SECRET } },
		.key_set = ecdsa_key_set, .key_free = ecdsa_key_free,
		.hash = CLD_HASH_OPTIONAL, .prehash = true,
		.init = digest_init, .raw_max = ecdsa_raw_max,
		SIG_OPS(ecdsa_size, ecdsa_sign, ecdsa_verify),
	},
	[CLONEDEV_MECH_RSA_PKCS] = {
		/* Verifying takes either half of the key. */
		.key_types = BIT(CLONEDEV_KEY_RSA),
		.uses = { { CLONEDEV_OBJ_SIGN, PRIVATE },
			  { CLONEDEV_OBJ_VERIFY, ~(u32)SECRET } },
		.key_set = rsa_key_set, .key_free = rsa_key_free,
		.hash = CLD_HASH_OPTIONAL, .prehash = true,
		.init = digest_init, .raw_max = rsa_raw_max,
		SIG_OPS(rsa_size, rsa_sign, rsa_verify),
	},
	[CLONEDEV_MECH_RSA_PSS] = {
		/* Verifying takes either half of the key. */
		.key_types = BIT(CLONEDEV_KEY_RSA),
		.uses = { { CLONEDEV_OBJ_SIGN, PRIVATE },
			  { CLONEDEV_OBJ_VERIFY, ~(u32)SECRET } },
		.key_set = rsa_key_set, .key_free = rsa_key_free,
		.hash = CLD_HASH_REQUIRED, .salt = true, .prehash = true,
		.init = digest_init, SIG_OPS(rsa_size, rsa_sign, rsa_verify),
	},
	[CLONEDEV_MECH_RSA_OAEP] = {
		.key_types = BIT(CLONEDEV_KEY_RSA),
		.uses = { { CLONEDEV_OBJ_DECRYPT, PRIVATE } },
		.key_set = rsa_key_set, .key_free = rsa_key_free,
		.hash = CLD_HASH_REQUIRED,
		.out_size = oaep_out_size, .update = oaep_update,
		.final = oaep_final,
	},
	[CLONEDEV_MECH_ECDH] = {
		.key_types = EC, .uses = { { CLONEDEV_OBJ_DERIVE, PRIVATE } },
		.key_set = ecdh_key_set, .key_free = ecdh_key_free,
	},
	[CLONEDEV_MECH_AES_KWP] = {
		.key_types = AES,
		.uses = { { CLONEDEV_OBJ_WRAP | CLONEDEV_OBJ_UNWRAP, SECRET } },
		.key_set = kwp_key_set, .key_free = skcipher_free,
	},
};

/* The table's entry for @mech, or NULL for a mechanism it does not have. */
const struct cld_mech *cld_mech_find(u32 mech)
{
	if (mech >= ARRAY_SIZE(mechs) || !mechs[mech].key_set)
		return NULL;
	return &mechs[mech];
}

/* Whether @m can do @usage (one CLONEDEV_OBJ_* usage) with this key. */
bool cld_mech_fits(const struct cld_mech *m, u32 usage, u32 cls, u32 type)
{
	unsigned int i;

	if (!m || type >= 32 || cls >= 32 || !(m->key_types & BIT(type)))
		return false;
	for (i = 0; i < ARRAY_SIZE(m->uses); i++)
		if ((m->uses[i].usages & usage) &&
		    (m->uses[i].classes & BIT(cls)))
			return true;
	return false;
}
