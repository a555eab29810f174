// SPDX-License-Identifier: GPL-2.0
/*
 * HMAC and HKDF (RFC 5869) over the kernel's hmac(sha*) transforms, for
 * every key the module derives: the cloning key schedule (kmod/clone*.c,
 * docs/clone-protocol.md "Keys"), the store's record key (kmod/store.c),
 * the domain fingerprints (kmod/domain.c) and the remote PED channel
 * (kmod/ped.c, docs/remote-ped.md "Keys") and archive files
 * (kmod/archive.c, docs/archive-format.md "Key"). The info strings come
 * only from the label registry below.
 */
#include <crypto/hash.h>
#include <linux/err.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include <linux/clonedev.h>

#include "kdf.h"

static const char *const cld_kdf_labels[CLD_KDF_NR_LABELS] = {
	[CLD_KDF_SPAKE2_W]	= "clonedev 2 spake2 w",
	[CLD_KDF_HANDSHAKE]	= "clonedev 2 handshake",
	[CLD_KDF_CONTROL]	= "clonedev 2 control",
	[CLD_KDF_CPV1]		= "clonedev 2 cpv1",
	[CLD_KDF_CPV3]		= "clonedev 2 cpv3",
	[CLD_KDF_CPV4_S2T]	= "clonedev 2 cpv4 s2t",
	[CLD_KDF_CPV4_T2S]	= "clonedev 2 cpv4 t2s",
	[CLD_KDF_MAC_SOURCE]	= "source",
	[CLD_KDF_STORE_RECORD]	= "clonedev store v1 record key",
	[CLD_KDF_FINGERPRINT]	= "clonedev domain fingerprint",
	[CLD_KDF_PED_RPV_ID]	= "clonedev ped rpv id",
	[CLD_KDF_PED_SERVER]	= "clonedev ped server",
	[CLD_KDF_PED_KERNEL]	= "clonedev ped kernel",
	[CLD_KDF_PED_K2S]	= "clonedev ped k2s",
	[CLD_KDF_PED_S2K]	= "clonedev ped s2k",
	[CLD_KDF_ARCHIVE]	= "clonedev archive v1 key",
};

/* Allocates the transform, "hmac(sha256)" or "hmac(sha384)". */
int cld_kdf_init(struct cld_kdf *kdf, const char *hmac_name)
{
	struct crypto_shash *tfm = crypto_alloc_shash(hmac_name, 0, 0);

	if (IS_ERR(tfm)) {
		kdf->hmac = NULL;
		return PTR_ERR(tfm);
	}
	if (WARN_ON(crypto_shash_digestsize(tfm) > CLD_KDF_MAX_HASH)) {
		crypto_free_shash(tfm);
		kdf->hmac = NULL;
		return -EINVAL;
	}
	kdf->hmac = tfm;
	return 0;
}

void cld_kdf_uninit(struct cld_kdf *kdf)
{
	crypto_free_shash(kdf->hmac);
	kdf->hmac = NULL;
}

unsigned int cld_kdf_hash_len(const struct cld_kdf *kdf)
{
	return crypto_shash_digestsize(kdf->hmac);
}

/* HMAC(@key, @a || @b) into @out. */
static int hmac2(struct crypto_shash *tfm, const u8 *key, u32 key_len,
		 const u8 *a, u32 a_len, const u8 *b, u32 b_len, u8 *out)
{
	SHASH_DESC_ON_STACK(desc, tfm);
	int ret;

	desc->tfm = tfm;
	ret = crypto_shash_setkey(tfm, key, key_len) ?:
	      crypto_shash_init(desc) ?:
	      crypto_shash_update(desc, a, a_len) ?:
	      (b_len ? crypto_shash_update(desc, b, b_len) : 0) ?:
	      crypto_shash_final(desc, out);
	shash_desc_zero(desc);
	return ret;
}

/* HKDF-Extract: PRK = HMAC(@salt, @ikm), a hash long. */
int cld_kdf_extract(struct cld_kdf *kdf, const u8 *salt, u32 salt_len,
		    const u8 *ikm, u32 ikm_len, u8 *prk)
{
	return hmac2(kdf->hmac, salt, salt_len, ikm, ikm_len, NULL, 0, prk);
}

/*
 * HKDF-Expand of @prk with the info string @label || @ctx into @len bytes
 * (at most 255 hashes).
 */
int cld_kdf_expand(struct cld_kdf *kdf, const u8 *prk, u32 prk_len,
		   enum cld_kdf_label label, const u8 *ctx, u32 ctx_len,
		   u8 *out, u32 len)
{
	struct crypto_shash *tfm = kdf->hmac;
	unsigned int hlen = crypto_shash_digestsize(tfm);
	const char *info = cld_kdf_labels[label];
	SHASH_DESC_ON_STACK(desc, tfm);
	u8 t[CLD_KDF_MAX_HASH], ctr = 0;
	u32 done = 0, n;
	int ret;

	if (len > 255 * hlen)
		return -EINVAL;
	desc->tfm = tfm;
	ret = crypto_shash_setkey(tfm, prk, prk_len);
	while (!ret && done < len) {
		ctr++;
		ret = crypto_shash_init(desc) ?:
		      (ctr > 1 ? crypto_shash_update(desc, t, hlen) : 0) ?:
		      crypto_shash_update(desc, info, strlen(info)) ?:
		      (ctx_len ? crypto_shash_update(desc, ctx, ctx_len) : 0) ?:
		      crypto_shash_update(desc, &ctr, 1) ?:
		      crypto_shash_final(desc, t);
		if (!ret) {
			n = min_t(u32, hlen, len - done);
			memcpy(out + done, t, n);
			done += n;
		}
	}
	shash_desc_zero(desc);
	memzero_explicit(t, sizeof(t));
	return ret;
}

/* HKDF: Extract(@salt, @ikm), then Expand with @label || @ctx. */
int cld_kdf_hkdf(struct cld_kdf *kdf, const u8 *salt, u32 salt_len,
		 const u8 *ikm, u32 ikm_len, enum cld_kdf_label label,
		 const u8 *ctx, u32 ctx_len, u8 *out, u32 len)
{
	u8 prk[CLD_KDF_MAX_HASH];
	int ret;

	ret = cld_kdf_extract(kdf, salt, salt_len, ikm, ikm_len, prk) ?:
	      cld_kdf_expand(kdf, prk, cld_kdf_hash_len(kdf), label, ctx,
			     ctx_len, out, len);
	memzero_explicit(prk, sizeof(prk));
	return ret;
}

/* HMAC(@key, @label || @ctx), a hash long. */
int cld_kdf_mac(struct cld_kdf *kdf, const u8 *key, u32 key_len,
		enum cld_kdf_label label, const u8 *ctx, u32 ctx_len, u8 *out)
{
	const char *info = cld_kdf_labels[label];

	return hmac2(kdf->hmac, key, key_len, info, strlen(info), ctx,
		     ctx_len, out);
}

/*
 * The registry is complete and prefix-free: no label begins another, so
 * label || context never reads as another label's info string.
 */
/*
 * The fingerprint of a domain secret (struct clonedev_domain_info says
 * how): CLONEDEV_FINGERPRINT_LEN bytes of its HMAC.
 */
/*
 * The first 8 bytes of HMAC-SHA256(@secret, label): a domain's
 * fingerprint (CLD_KDF_FINGERPRINT), the remote PED vector's id
 * (CLD_KDF_PED_RPV_ID).
 */
int cld_kdf_id(enum cld_kdf_label label, const u8 *secret, u32 len, u8 *out)
{
	struct cld_kdf kdf;
	u8 mac[32];
	int ret;

	BUILD_BUG_ON(CLONEDEV_FINGERPRINT_LEN != CLONEDEV_PED_RPV_ID_LEN);
	ret = cld_kdf_init(&kdf, "hmac(sha256)");
	if (ret)
		return ret;
	ret = cld_kdf_mac(&kdf, secret, len, label, NULL, 0, mac);
	cld_kdf_uninit(&kdf);
	if (!ret)
		memcpy(out, mac, CLONEDEV_FINGERPRINT_LEN);
	memzero_explicit(mac, sizeof(mac));
	return ret;
}

int cld_kdf_fingerprint(const u8 *secret, u32 len, u8 *out)
{
	return cld_kdf_id(CLD_KDF_FINGERPRINT, secret, len, out);
}

int __init cld_kdf_selftest(void)
{
	size_t i, j, li;

	for (i = 0; i < CLD_KDF_NR_LABELS; i++) {
		if (!cld_kdf_labels[i] || !cld_kdf_labels[i][0])
			goto bad;
		li = strlen(cld_kdf_labels[i]);
		for (j = 0; j < CLD_KDF_NR_LABELS; j++)
			if (j != i && cld_kdf_labels[j] &&
			    !strncmp(cld_kdf_labels[j], cld_kdf_labels[i], li))
				goto bad;
	}
	return 0;
bad:
	pr_err("clonedev: the key derivation labels are not prefix-free\n");
	return -EINVAL;
}
