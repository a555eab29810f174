/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every key the module derives with HMAC or HKDF (RFC 5869), and the one
 * registry of the labels they use. A derivation's info string is its
 * label followed by the context its caller passes; the labels are
 * prefix-free (cld_kdf_selftest() checks), so no two derivations can
 * share an info string. The bytes of each label are fixed by
 * docs/clone-protocol.md, docs/store-format.md, docs/remote-ped.md and
 * docs/archive-format.md.
 */
#ifndef _CLD_KDF_H
#define _CLD_KDF_H

#include <linux/types.h>

struct crypto_shash;

/*
 * The labels, with what follows each one in the info string. Add new
 * ones at the end; never reuse or change one.
 */
enum cld_kdf_label {
	CLD_KDF_SPAKE2_W,	/* HKDF: <empty>; w from the domain */
	CLD_KDF_HANDSHAKE,	/* HKDF: transcript hash; K_hs */
	CLD_KDF_CONTROL,	/* Expand: <empty>; the control keys */
	CLD_KDF_CPV1,		/* HKDF: <empty>; CPv1's object keys */
	CLD_KDF_CPV3,		/* HKDF: be32 object; CPv3's object keys */
	CLD_KDF_CPV4_S2T,	/* Expand: be32 epoch; CPv4 source to target */
	CLD_KDF_CPV4_T2S,	/* Expand: be32 epoch; CPv4 target to source */
	CLD_KDF_MAC_SOURCE,	/* HMAC: transcript hash; MAC_S */
	CLD_KDF_STORE_RECORD,	/* Expand: <empty>; the store's record key */
	CLD_KDF_FINGERPRINT,	/* HMAC: <empty>; a domain's fingerprint */
	CLD_KDF_PED_RPV_ID,	/* HMAC: <empty>; the RPV's id */
	CLD_KDF_PED_SERVER,	/* HMAC: H_1; MAC_S of the PED channel */
	CLD_KDF_PED_KERNEL,	/* HMAC: H_2; MAC_K */
	CLD_KDF_PED_K2S,	/* Expand: H_3; kernel to server */
	CLD_KDF_PED_S2K,	/* Expand: H_3; server to kernel */
	CLD_KDF_ARCHIVE,	/* HKDF: <empty>; an archive file's key */
	CLD_KDF_NR_LABELS
};

#define CLD_KDF_MAX_HASH	48	/* SHA-384 */

/* One HMAC transform and the derivations made with it. */
struct cld_kdf {
	struct crypto_shash *hmac;
};

int cld_kdf_init(struct cld_kdf *kdf, const char *hmac_name);
void cld_kdf_uninit(struct cld_kdf *kdf);
unsigned int cld_kdf_hash_len(const struct cld_kdf *kdf);
int cld_kdf_extract(struct cld_kdf *kdf, const u8 *salt, u32 salt_len,
		    const u8 *ikm, u32 ikm_len, u8 *prk);
int cld_kdf_expand(struct cld_kdf *kdf, const u8 *prk, u32 prk_len,
		   enum cld_kdf_label label, const u8 *ctx, u32 ctx_len,
		   u8 *out, u32 len);
int cld_kdf_hkdf(struct cld_kdf *kdf, const u8 *salt, u32 salt_len,
		 const u8 *ikm, u32 ikm_len, enum cld_kdf_label label,
		 const u8 *ctx, u32 ctx_len, u8 *out, u32 len);
int cld_kdf_mac(struct cld_kdf *kdf, const u8 *key, u32 key_len,
		enum cld_kdf_label label, const u8 *ctx, u32 ctx_len, u8 *out);
int cld_kdf_id(enum cld_kdf_label label, const u8 *secret, u32 len, u8 *out);
int cld_kdf_fingerprint(const u8 *secret, u32 len, u8 *out);
int cld_kdf_selftest(void);

#endif /* _CLD_KDF_H */
