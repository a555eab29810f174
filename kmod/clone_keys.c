// SPDX-License-Identifier: GPL-2.0
/*
 * The key schedule of the cloning protocol (CLONEDEV_IOCTL_CLONE,
 * docs/clone-protocol.md "Keys"): SPAKE2 over the shared domain gives
 * K_hs, K_hs the control keys and CPv1's keys; CPv3 and CPv4 add ECDH
 * with ephemeral keys. Every derivation goes through kmod/kdf.c; the
 * ECDH is the kernel's kpp, the sealing its AEADs.
 */
#include <crypto/aead.h>
#include <crypto/hash.h>
#include <crypto/kpp.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "clone_priv.h"
#include "kex.h"
#include "object.h"

void cld_clone_free(struct cld_clone *c)
{
	u32 i;

	if (!c)
		return;
	for (i = 0; i < ARRAY_SIZE(c->batch); i++)
		cld_object_free(c->batch[i]);
	if (c->have_keytfm)
		cld_keytfm_free(&c->keytfm);
	crypto_free_shash(c->sha256);
	cld_kdf_uninit(&c->kdf256);
	cld_kdf_uninit(&c->kdf);
	crypto_free_aead(c->gcm);
	crypto_free_aead(c->aead[0]);
	crypto_free_aead(c->aead[1]);
	crypto_free_kpp(c->kpp);
	kfree(c->hello);
	kfree(c->choice);
	kvfree(c->handles);
	kfree(c->out);
	kfree_sensitive(c);
}

struct cld_clone *cld_clone_alloc(bool source)
{
	struct cld_clone *c = kzalloc(sizeof(*c), GFP_KERNEL);
	int ret;

	if (!c)
		return ERR_PTR(-ENOMEM);
	c->source = source;
	c->state = CLONEDEV_CLONE_RUNNING;
	c->out = kmalloc(CLONEDEV_CLONE_MSG_MAX, GFP_KERNEL);
	if (!c->out) {
		ret = -ENOMEM;
		goto err;
	}
	c->sha256 = crypto_alloc_shash("sha256", 0, 0);
	if (IS_ERR(c->sha256)) {
		ret = PTR_ERR(c->sha256);
		c->sha256 = NULL;
		goto err;
	}
	ret = cld_kdf_init(&c->kdf256, "hmac(sha256)");
	if (ret)
		goto err;
	c->gcm = crypto_alloc_aead("gcm(aes)", 0, 0);
	if (IS_ERR(c->gcm)) {
		ret = PTR_ERR(c->gcm);
		c->gcm = NULL;
		goto err;
	}
	return c;
err:
	cld_clone_free(c);
	return ERR_PTR(ret);
}

/*
 * Seals (or with !@enc opens) the @len plaintext bytes at @data in place,
 * with the header @hdr as associated data; the tag follows them.
 */
int cld_clone_aead(struct crypto_aead *tfm, const u8 *key, bool enc,
		   u32 prefix, u32 seq, u8 *hdr, u8 *data, u32 len)
{
	return cld_kex_aead(tfm, key, enc, prefix, seq, hdr, CLD_WIRE_HDR_LEN,
			    data, len);
}

/*
 * A new ephemeral key pair of @cs in c->kpp, random or (for the known-
 * answer test) the private key @priv; its public key into @pub.
 */
int cld_clone_eph_key(struct cld_clone *c, const struct cld_suite *cs,
		      const u8 *priv, u8 *pub)
{
	return cld_kex_key(&c->kpp, cs, priv, pub);
}

/* @h = SHA-256(HELLO || CHOICE || @last), the transcript the keys bind. */
static int transcript(struct cld_clone *c, const u8 *last, u32 last_len,
		      u8 *h)
{
	SHASH_DESC_ON_STACK(desc, c->sha256);
	int ret;

	desc->tfm = c->sha256;
	ret = crypto_shash_init(desc) ?:
	      crypto_shash_update(desc, c->hello, c->hello_len) ?:
	      crypto_shash_update(desc, c->choice, c->choice_len) ?:
	      (last_len ? crypto_shash_update(desc, last, last_len) : 0) ?:
	      crypto_shash_final(desc, h);
	shash_desc_zero(desc);
	return ret;
}

/* The transcript hash K_hs binds: HELLO, CHOICE and pA. */
int cld_clone_transcript_hash(struct cld_clone *c, const u8 *pa, u8 *h)
{
	return transcript(c, pa, CLD_WIRE_SHARE_LEN, h);
}

/* MAC_S: HMAC(K_hs, "source" || the transcript up to @last). */
int cld_clone_transcript_mac(struct cld_clone *c, const u8 *last,
			     u32 last_len, u8 *mac)
{
	u8 h[32];
	int ret;

	ret = transcript(c, last, last_len, h) ?:
	      cld_kdf_mac(&c->kdf256, c->k_hs, CLD_WIRE_KEY_LEN,
			  CLD_KDF_MAC_SOURCE, h, sizeof(h), mac);
	return ret;
}

/* The session id: the first bytes of SHA-256(Ns || Nt). */
int cld_clone_session_id(struct cld_clone *c)
{
	u8 salt[2 * CLD_WIRE_NONCE_LEN], h[32];
	int ret;

	memcpy(salt, c->ns, CLD_WIRE_NONCE_LEN);
	memcpy(salt + CLD_WIRE_NONCE_LEN, c->nt, CLD_WIRE_NONCE_LEN);
	ret = crypto_shash_tfm_digest(c->sha256, salt, sizeof(salt), h);
	memcpy(c->sid, h, CLD_WIRE_SID_LEN);
	return ret;
}

/*
 * This side's SPAKE2 share from the chosen domain D (@fixed_x: the known-
 * answer test's scalar, else random): w comes from D, which is wiped.
 */
int cld_clone_spake_start(struct cld_clone *c, const u8 *fixed_x)
{
	static const u8 zero[32];
	u8 okm[CLD_SPAKE2_W_LEN];
	int ret;

	ret = cld_kdf_hkdf(&c->kdf256, zero, sizeof(zero), c->domain,
			   c->domain_len, CLD_KDF_SPAKE2_W, NULL, 0, okm,
			   sizeof(okm)) ?:
	      cld_spake2_start(&c->sp, c->source, okm, fixed_x);
	memzero_explicit(okm, sizeof(okm));
	memzero_explicit(c->domain, sizeof(c->domain));
	return ret;
}

/*
 * K from the peer's SPAKE2 share @peer, then K_hs (bound to w, K, the
 * nonces and the transcript hash @h), the control keys and CPv1's keys.
 * The SPAKE2 secrets are wiped. Return: 0, -EBADMSG for a share that is
 * not a usable point, or another error.
 */
int cld_clone_handshake_keys(struct cld_clone *c, const u8 *peer,
			     const u8 *h)
{
	u8 ikm[32 + CLD_SPAKE2_K_LEN], k[2 * CLD_WIRE_KEY_LEN];
	u8 salt[2 * CLD_WIRE_NONCE_LEN];
	int ret;

	memcpy(salt, c->ns, CLD_WIRE_NONCE_LEN);
	memcpy(salt + CLD_WIRE_NONCE_LEN, c->nt, CLD_WIRE_NONCE_LEN);
	ret = cld_spake2_finish(&c->sp, peer, ikm + 32);
	if (ret)
		goto out;
	cld_spake2_w_bytes(&c->sp, ikm);
	ret = cld_kdf_hkdf(&c->kdf256, salt, sizeof(salt), ikm, sizeof(ikm),
			   CLD_KDF_HANDSHAKE, h, 32, c->k_hs,
			   CLD_WIRE_KEY_LEN) ?:
	      cld_kdf_expand(&c->kdf256, c->k_hs, CLD_WIRE_KEY_LEN,
			     CLD_KDF_CONTROL, NULL, 0, k, sizeof(k));
	if (!ret) {
		memcpy(c->k_ctl[0], k, CLD_WIRE_KEY_LEN);
		memcpy(c->k_ctl[1], k + CLD_WIRE_KEY_LEN, CLD_WIRE_KEY_LEN);
	}
	/* CPv1 too is keyed from K_hs: nothing from D alone travels. */
	if (!ret && c->protocol == CLONEDEV_PROTO_CPV1) {
		ret = cld_kdf_hkdf(&c->kdf256, salt, sizeof(salt), c->k_hs,
				   CLD_WIRE_KEY_LEN, CLD_KDF_CPV1, NULL, 0, k,
				   sizeof(k));
		memcpy(c->k_obj[0], k, CLD_WIRE_KEY_LEN);
		memcpy(c->k_obj[1], k + CLD_WIRE_KEY_LEN, CLD_WIRE_KEY_LEN);
	}
out:
	memzero_explicit(ikm, sizeof(ikm));
	memzero_explicit(k, sizeof(k));
	cld_spake2_wipe(&c->sp);
	return ret;
}

/* CPv4: PRK from K_hs and the agreement with the peer's key @pub. */
int cld_clone_cpv4_prk(struct cld_clone *c, const u8 *pub)
{
	unsigned int zl, i;
	u8 z[48];
	int ret;

	ret = cld_kdf_init(&c->kdf, c->cs->hmac);
	if (ret)
		return ret;
	for (i = 0; i < ARRAY_SIZE(c->aead); i++) {
		c->aead[i] = crypto_alloc_aead(c->cs->aead, 0, 0);
		if (IS_ERR(c->aead[i])) {
			ret = PTR_ERR(c->aead[i]);
			c->aead[i] = NULL;
			return ret;
		}
	}
	ret = cld_kex_agree(c->kpp, c->cs, pub, z, &zl) ?:
	      cld_kdf_extract(&c->kdf, c->k_hs, CLD_WIRE_KEY_LEN, z, zl,
			      c->prk);
	memzero_explicit(z, sizeof(z));
	c->epoch = U32_MAX;
	return ret;
}

/* CPv4: the keys of the epoch object @i is in. */
int cld_clone_cpv4_keys(struct cld_clone *c, u32 i)
{
	u32 e = i / CLD_CLONE_EPOCH_OBJECTS, d;
	__be32 ctx = cpu_to_be32(e);
	int ret;

	if (e == c->epoch)
		return 0;
	ret = cld_kdf_expand(&c->kdf, c->prk, c->cs->hash_len,
			     CLD_KDF_CPV4_S2T, (u8 *)&ctx, sizeof(ctx),
			     c->k_obj[0], CLD_WIRE_KEY_LEN) ?:
	      cld_kdf_expand(&c->kdf, c->prk, c->cs->hash_len,
			     CLD_KDF_CPV4_T2S, (u8 *)&ctx, sizeof(ctx),
			     c->k_obj[1], CLD_WIRE_KEY_LEN);
	/* Each direction's tfm keeps its key for the whole epoch. */
	for (d = 0; !ret && d < ARRAY_SIZE(c->aead); d++)
		ret = crypto_aead_setkey(c->aead[d], c->k_obj[d],
					 CLD_WIRE_KEY_LEN) ?:
		      crypto_aead_setauthsize(c->aead[d], CLD_WIRE_TAG_LEN);
	c->epoch = ret ? U32_MAX : e;
	return ret;
}

/* CPv3: the keys of object @i from the agreement with @pub. */
int cld_clone_cpv3_keys(struct cld_clone *c, u32 i, const u8 *pub)
{
	u8 z[32], k[2 * CLD_WIRE_KEY_LEN];
	__be32 ctx = cpu_to_be32(i);
	unsigned int zl;
	int ret;

	ret = cld_kex_agree(c->kpp, cld_cpv3_suite, pub, z, &zl) ?:
	      cld_kdf_hkdf(&c->kdf256, c->k_hs, CLD_WIRE_KEY_LEN, z, zl,
			   CLD_KDF_CPV3, (u8 *)&ctx, sizeof(ctx), k,
			   sizeof(k));
	if (!ret) {
		memcpy(c->k_obj[0], k, CLD_WIRE_KEY_LEN);
		memcpy(c->k_obj[1], k + CLD_WIRE_KEY_LEN, CLD_WIRE_KEY_LEN);
	}
	memzero_explicit(z, sizeof(z));
	memzero_explicit(k, sizeof(k));
	return ret;
}

/*
 * Seals an object-plane message (OBJECT or RESULT) in place: the AEAD and
 * nonce prefix of the protocol. @dir is 0 for source to target.
 */
int cld_clone_obj_crypt(struct cld_clone *c, int dir, bool enc, u32 seq,
			u8 *hdr, u8 *data, u32 len)
{
	switch (c->protocol) {
	case CLONEDEV_PROTO_CPV4:
		return cld_clone_aead(c->aead[dir], NULL, enc, c->epoch, seq,
				      hdr, data, len);
	case CLONEDEV_PROTO_CPV3:
		return cld_clone_aead(c->gcm, c->k_obj[dir], enc, CLD_NONCE_CPV3,
				      seq, hdr, data, len);
	default:
		return cld_clone_aead(c->gcm, c->k_obj[dir], enc, CLD_NONCE_CPV1,
				      seq, hdr, data, len);
	}
}
