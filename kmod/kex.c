// SPDX-License-Identifier: GPL-2.0
/*
 * Ephemeral key agreement over the kernel's kpp and in-place AEAD sealing,
 * for the cloning protocols (kmod/clone_keys.c) and the remote PED channel
 * (kmod/ped.c).
 */
#include <crypto/aead.h>
#include <crypto/ecdh.h>
#include <crypto/kpp.h>
#include <linux/err.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>
#ifdef CLD_LINUX_UNALIGNED		/* Kbuild: from 6.12 on */
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#include "kex.h"
#include "suite.h"

/* The nonce: u32(prefix) || u64(sequence). */
struct kex_nonce {
	__be32 prefix;
	__be64 seq;
} __packed;

static_assert(sizeof(struct kex_nonce) == 12);

/*
 * A new ephemeral key pair of @cs in *@kpp (allocated on first use),
 * random or (for a known-answer test) the private key @priv; its public
 * key, as it travels, into @pub.
 */
int cld_kex_key(struct crypto_kpp **kpp, const struct cld_suite *cs,
		const u8 *priv, u8 *pub)
{
	unsigned int raw = cs->nist ? cs->pub_len - 1 : cs->pub_len;
	struct kpp_request *req = NULL;
	DECLARE_CRYPTO_WAIT(wait);
	struct scatterlist sg;
	u8 *buf = NULL;
	int ret;

	if (!*kpp) {
		struct crypto_kpp *tfm = crypto_alloc_kpp(cs->kpp, 0, 0);

		if (IS_ERR(tfm))
			return PTR_ERR(tfm);
		*kpp = tfm;
	}
	if (cs->nist) {
		struct ecdh params = {
			.key = (char *)priv,
			.key_size = priv ? raw / 2 : 0,
		};
		unsigned int klen = crypto_ecdh_key_len(&params);

		buf = kmalloc(max(klen, raw), GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
		ret = crypto_ecdh_encode_key(buf, klen, &params) ?:
		      crypto_kpp_set_secret(*kpp, buf, klen);
	} else {
		buf = kmalloc(raw, GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
		ret = crypto_kpp_set_secret(*kpp, priv, priv ? raw : 0);
	}
	if (ret)
		goto out;
	req = kpp_request_alloc(*kpp, GFP_KERNEL);
	if (!req) {
		ret = -ENOMEM;
		goto out;
	}
	sg_init_one(&sg, buf, raw);
	kpp_request_set_input(req, NULL, 0);
	kpp_request_set_output(req, &sg, raw);
	kpp_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP,
				 crypto_req_done, &wait);
	ret = crypto_wait_req(crypto_kpp_generate_public_key(req), &wait);
	if (!ret && cs->nist) {
		pub[0] = 0x04;
		memcpy(pub + 1, buf, raw);
	} else if (!ret) {
		memcpy(pub, buf, raw);
	}
out:
	kpp_request_free(req);
	kfree_sensitive(buf);
	return ret;
}

/*
 * Z of the key pair in @kpp and the peer's public key @pub: the X
 * coordinate (NIST curves) or the X25519 output, into @z. Return: 0, or
 * -EBADMSG for a key that is not a usable point, or -ENOMEM.
 */
int cld_kex_agree(struct crypto_kpp *kpp, const struct cld_suite *cs,
		  const u8 *pub, u8 *z, unsigned int *z_len)
{
	unsigned int raw = cs->nist ? cs->pub_len - 1 : cs->pub_len;
	unsigned int zl = cs->nist ? raw / 2 : raw;
	struct kpp_request *req;
	struct scatterlist in, out;
	DECLARE_CRYPTO_WAIT(wait);
	u8 *pbuf, *zbuf;
	int ret;

	if (cs->nist && pub[0] != 0x04)
		return -EBADMSG;
	pbuf = kmemdup(pub + (cs->nist ? 1 : 0), raw, GFP_KERNEL);
	zbuf = kmalloc(zl, GFP_KERNEL);
	req = kpp_request_alloc(kpp, GFP_KERNEL);
	if (!pbuf || !zbuf || !req) {
		ret = -ENOMEM;
		goto out;
	}
	sg_init_one(&in, pbuf, raw);
	sg_init_one(&out, zbuf, zl);
	kpp_request_set_input(req, &in, raw);
	kpp_request_set_output(req, &out, zl);
	kpp_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP,
				 crypto_req_done, &wait);
	ret = crypto_wait_req(crypto_kpp_compute_shared_secret(req), &wait);
	/* A low-order X25519 share gives Z = 0 (RFC 7748 6.1): refused. */
	if (!ret && !cs->nist && !memchr_inv(zbuf, 0, zl))
		ret = -EBADMSG;
	if (!ret) {
		memcpy(z, zbuf, zl);
		*z_len = zl;
	} else {
		ret = -EBADMSG;
	}
out:
	kpp_request_free(req);
	kfree(pbuf);
	kfree_sensitive(zbuf);
	return ret;
}

/*
 * Seals (or with !@enc opens) the @len plaintext bytes at @data in place,
 * with the @hdr_len bytes at @hdr as associated data and the nonce
 * u32(@prefix) || u64(@seq), under @key (NULL: the key @tfm holds);
 * the tag follows the data.
 */
int cld_kex_aead(struct crypto_aead *tfm, const u8 *key, bool enc,
		 u32 prefix, u64 seq, u8 *hdr, u32 hdr_len, u8 *data,
		 u32 len)
{
	struct aead_request *req;
	struct scatterlist sg[2];
	DECLARE_CRYPTO_WAIT(wait);
	struct kex_nonce iv;
	int ret;

	/* @key NULL: the tfm holds its key (and tag size) already. */
	ret = key ? crypto_aead_setkey(tfm, key, CLD_KEX_KEY_LEN) ?:
		    crypto_aead_setauthsize(tfm, CLD_KEX_TAG_LEN) : 0;
	if (ret)
		return ret;
	req = aead_request_alloc(tfm, GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	put_unaligned_be32(prefix, &iv.prefix);
	put_unaligned_be64(seq, &iv.seq);
	sg_init_table(sg, 2);
	sg_set_buf(&sg[0], hdr, hdr_len);
	sg_set_buf(&sg[1], data, len + CLD_KEX_TAG_LEN);
	aead_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP,
				  crypto_req_done, &wait);
	aead_request_set_ad(req, hdr_len);
	aead_request_set_crypt(req, sg, sg,
			       len + (enc ? 0 : CLD_KEX_TAG_LEN), (u8 *)&iv);
	ret = crypto_wait_req(enc ? crypto_aead_encrypt(req) :
				    crypto_aead_decrypt(req), &wait);
	aead_request_free(req);
	return ret;
}
