// SPDX-License-Identifier: GPL-2.0
/*
 * ECDSA signing and verification for CLONEDEV_MECH_ECDSA.
 *
 * Signing draws the nonce k from the crypto API's default DRBG
 * (ecc_gen_privkey(), FIPS 186-5 A.2.2 range), computes k*G with ecp.c's
 * fixed-base comb, in constant time on a randomised projective point,
 * and inverts k only after blinding it with a second random scalar (from
 * get_random_bytes(): the DRBG's lock is taken once a signature), so that
 * the variable-time inversion never sees k. Verification computes
 * u1*G + u2*Q with ecp.c too; it handles only public values.
 */
#include <crypto/algapi.h>
#include <crypto/ecdh.h>
#include <crypto/internal/ecc.h>
#include <linux/errno.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <linux/clonedev.h>

#include "ecdsa.h"
#include "ecp.h"
#include "mont.h"

static unsigned int curve_id(u32 key_type)
{
	switch (key_type) {
	case CLONEDEV_KEY_EC_P256:
		return ECC_CURVE_NIST_P256;
	case CLONEDEV_KEY_EC_P384:
		return ECC_CURVE_NIST_P384;
	}
	return 0;
}

/* Big-endian words (the primitives' byte form) to digits, and back. */
static void to_digits(u64 *out, const void *be, unsigned int nd)
{
	ecc_swap_digits(be, out, nd);
}

static void to_be(void *out, const u64 *digits, unsigned int nd)
{
	u64 tmp[CLD_EC_DIGITS];

	ecc_swap_digits(digits, tmp, nd);
	memcpy(out, tmp, nd * 8);
}

/*
 * A private scalar as ecc_gen_privkey() gives it and ecc_make_pub_key()
 * and crypto_ecdh_shared_secret() take it: big-endian words up to 6.9,
 * native digits from 6.10 on ("crypto: ecdh - Pass private key in proper
 * byte order to check valid key"); Kbuild defines CLD_ECC_PRIV_NATIVE
 * there. Public points are big-endian in both.
 */
static void priv_to_digits(u64 *out, const u64 *prim, unsigned int nd)
{
#ifdef CLD_ECC_PRIV_NATIVE
	memcpy(out, prim, nd * 8);
#else
	to_digits(out, prim, nd);
#endif
}

static void digits_to_priv(u64 *prim, const u64 *digits, unsigned int nd)
{
#ifdef CLD_ECC_PRIV_NATIVE
	memcpy(prim, digits, nd * 8);
#else
	to_be(prim, digits, nd);
#endif
}

/* @r -= @n if @r >= @n or @carry, without a branch on the values. */
static void reduce_once(u64 *r, u64 carry, const u64 *n, unsigned int nd)
{
	u64 t[CLD_EC_DIGITS], mask;
	unsigned int i;

	mask = -(carry | (vli_sub(t, r, n, nd) ^ 1));
	for (i = 0; i < nd; i++)
		r[i] = (t[i] & mask) | (r[i] & ~mask);
	memzero_explicit(t, sizeof(t));
}

/* @r = (@a + @b) mod @n for @a, @b < @n. */
static void mod_add(u64 *r, const u64 *a, const u64 *b, const u64 *n,
		    unsigned int nd)
{
	reduce_once(r, cld_limbs_add(r, a, b, nd), n, nd);
}

/*
 * e: the leftmost bits of the digest, as many as the order has (the
 * orders of P-256 and P-384 fill whole bytes), reduced mod n.
 */
static void digest_to_e(u64 *e, const u8 *digest, unsigned int dlen,
			unsigned int len, const u64 *n)
{
	u8 be[CLD_EC_MAX_LEN] = {};
	unsigned int nd = len / 8;

	if (dlen >= len)
		memcpy(be, digest, len);
	else
		memcpy(be + len - dlen, digest, dlen);
	to_digits(e, be, nd);
	reduce_once(e, 0, n, nd);
}

/*
 * True if 1 <= d <= n - 1 (@nd 64-bit digits, least significant first), in
 * time that does not depend on the private scalar d: d < n is the borrow
 * out of d - n, computed without a branch on d.
 */
static bool scalar_in_range(const u64 *d, const u64 *n, unsigned int nd)
{
	u64 borrow = 0, any = 0, diff;
	unsigned int i;

	for (i = 0; i < nd; i++) {
		diff = d[i] - n[i] - borrow;
		borrow = ((~d[i] & n[i]) | (~(d[i] ^ n[i]) & diff)) >> 63;
		any |= d[i];
	}
	return any && borrow;
}

/*
 * Sets @k from a key object's value: the private scalar d of an EC
 * private key (the public point is computed) or the point 04 || X || Y
 * of a public key. Return: 0; -EINVAL for a value that is not a key of
 * the curve; -EOPNOTSUPP for another type.
 */
int cld_ecdsa_key_set(struct cld_ecdsa_key *k, u32 key_type, u32 obj_class,
		      const u8 *value, unsigned int len)
{
	unsigned int id = curve_id(key_type), clen;
	const struct ecc_curve *curve = id ? ecc_get_curve(id) : NULL;
	u64 x[CLD_EC_DIGITS], y[CLD_EC_DIGITS], prim[CLD_EC_DIGITS];
	struct ecc_point q;
	int ret;

	if (!curve)
		return -EOPNOTSUPP;
	clen = curve->g.ndigits * sizeof(u64);
	memset(k, 0, sizeof(*k));
	k->key_type = key_type;
	k->len = clen;
	if (obj_class == CLONEDEV_CLASS_PRIVATE_KEY) {
		if (len != clen)
			return -EINVAL;
		to_digits(k->d, value, clen / 8);
		digits_to_priv(prim, k->d, clen / 8);
		ret = !scalar_in_range(k->d, curve->n, clen / 8) ||
		      ecc_make_pub_key(id, clen / 8, prim, k->q);
		memzero_explicit(prim, sizeof(prim));
		if (ret) {
			cld_ecdsa_key_wipe(k);
			return -EINVAL;
		}
		k->has_priv = true;
		return 0;
	}
	if (len != 1 + 2 * clen || value[0] != 0x04)
		return -EINVAL;
	memcpy(k->q, value + 1, 2 * clen);
	to_digits(x, k->q, clen / 8);
	to_digits(y, (u8 *)k->q + clen, clen / 8);
	q = ECC_POINT_INIT(x, y, clen / 8);
	ret = ecc_is_pubkey_valid_partial(curve, &q);
	return ret ? -EINVAL : 0;
}

void cld_ecdsa_key_wipe(struct cld_ecdsa_key *k)
{
	cld_ecp_qtab_free(k->qtab);
	memzero_explicit(k, sizeof(*k));
}

/*
 * Signs @digest with @k's private scalar; @sig gets r || s, each k->len
 * bytes. Return: 0; -EOPNOTSUPP without a private scalar; else the
 * primitives' error.
 */
int cld_ecdsa_sign(const struct cld_ecdsa_key *k, const u8 *digest,
		   unsigned int digest_len, u8 *sig)
{
	unsigned int id = curve_id(k->key_type), nd = k->len / 8;
	const struct ecc_curve *curve = ecc_get_curve(id);
	struct {
		u64 e[CLD_EC_DIGITS], d[CLD_EC_DIGITS];
		u64 k_prim[CLD_EC_DIGITS], kn[CLD_EC_DIGITS];
		u64 b[CLD_EC_DIGITS];
		u64 t[CLD_EC_DIGITS], kinv[CLD_EC_DIGITS];
		u64 r[CLD_EC_DIGITS], s[CLD_EC_DIGITS];
	} w;
	int ret = -EAGAIN, tries;

	if (!k->has_priv)
		return -EOPNOTSUPP;
	digest_to_e(w.e, digest, digest_len, k->len, curve->n);
	memcpy(w.d, k->d, nd * 8);
	for (tries = 0; tries < 16; tries++) {
		ret = ecc_gen_privkey(id, nd, w.k_prim);
		if (ret == -EINVAL)
			continue;
		if (ret)
			break;
		/* The blinding scalar b, in [1, n - 1], drawn until it is. */
		do {
			get_random_bytes(w.b, nd * 8);
		} while (!scalar_in_range(w.b, curve->n, nd));
		/* r = x(k*G) mod n */
		priv_to_digits(w.kn, w.k_prim, nd);
		ret = cld_ecp_base_x(nd, w.r, w.kn);
		if (ret == -EAGAIN)
			continue;
		if (ret)
			break;
		reduce_once(w.r, 0, curve->n, nd);
		if (vli_is_zero(w.r, nd))
			continue;
		/* k^-1 = b * (k*b)^-1 */
		vli_mod_mult_slow(w.t, w.kn, w.b, curve->n, nd);
		vli_mod_inv(w.kinv, w.t, curve->n, nd);
		vli_mod_mult_slow(w.kinv, w.kinv, w.b, curve->n, nd);
		/* s = k^-1 (e + r*d) mod n */
		vli_mod_mult_slow(w.t, w.r, w.d, curve->n, nd);
		mod_add(w.t, w.t, w.e, curve->n, nd);
		vli_mod_mult_slow(w.s, w.kinv, w.t, curve->n, nd);
		if (vli_is_zero(w.s, nd))
			continue;
		to_be(sig, w.r, nd);
		to_be(sig + k->len, w.s, nd);
		ret = 0;
		break;
	}
	memzero_explicit(&w, sizeof(w));
	return ret;
}

/*
 * @k's verification table, made at its second verification: a key used
 * once does not pay for it. NULL if not made (yet, or without memory).
 */
static const struct cld_ecp_qtab *verify_table(struct cld_ecdsa_key *k,
					       const u64 *qx, const u64 *qy)
{
	/* Pairs with cmpxchg(): the table is whole once it is seen. */
	struct cld_ecp_qtab *t = smp_load_acquire(&k->qtab);

	if (t || atomic_inc_return(&k->verifies) < 2)
		return t;
	t = cld_ecp_qtab_new(k->len / 8, qx, qy);
	if (t && cmpxchg(&k->qtab, NULL, t)) {
		/* Another caller published one first. */
		cld_ecp_qtab_free(t);
		/* Pairs with the winner's cmpxchg(). */
		t = smp_load_acquire(&k->qtab);
	}
	return t;
}

/*
 * Checks the signature r || s (each k->len bytes) of @digest.
 * Return: 0 if it verifies; -EBADMSG if not; -ENOMEM.
 */

int cld_ecdsa_verify(struct cld_ecdsa_key *k, const u8 *digest,
		     unsigned int digest_len, const u8 *sig)
{
	unsigned int nd = k->len / 8;
	const struct ecc_curve *curve = ecc_get_curve(curve_id(k->key_type));
	u64 r[CLD_EC_DIGITS], s[CLD_EC_DIGITS], e[CLD_EC_DIGITS];
	u64 sinv[CLD_EC_DIGITS], u1[CLD_EC_DIGITS], u2[CLD_EC_DIGITS];
	u64 qx[CLD_EC_DIGITS], qy[CLD_EC_DIGITS];

	to_digits(r, sig, nd);
	to_digits(s, sig + k->len, nd);
	if (vli_is_zero(r, nd) || vli_is_zero(s, nd) ||
	    vli_cmp(r, curve->n, nd) >= 0 || vli_cmp(s, curve->n, nd) >= 0)
		return -EBADMSG;
	digest_to_e(e, digest, digest_len, k->len, curve->n);
	to_digits(qx, k->q, nd);
	to_digits(qy, (const u8 *)k->q + k->len, nd);
	vli_mod_inv(sinv, s, curve->n, nd);
	vli_mod_mult_slow(u1, e, sinv, curve->n, nd);
	vli_mod_mult_slow(u2, r, sinv, curve->n, nd);
	return cld_ecp_verify(nd, u1, u2, qx, qy, verify_table(k, qx, qy), r);
}

/*
 * RFC 6979 A.2.5: the P-256 key, and its signature (SHA-256, message
 * "sample"), which must verify, without the key's table and with it;
 * then a signature of our own must too, and must not verify over another
 * digest.
 */
static const u8 kat_d[32] = {
	0xc9, 0xaf, 0xa9, 0xd8, 0x45, 0xba, 0x75, 0x16,
	0x6b, 0x5c, 0x21, 0x57, 0x67, 0xb1, 0xd6, 0x93,
	0x4e, 0x50, 0xc3, 0xdb, 0x36, 0xe8, 0x9b, 0x12,
	0x7b, 0x8a, 0x62, 0x2b, 0x12, 0x0f, 0x67, 0x21,
};

static const u8 kat_q[64] = {
	0x60, 0xfe, 0xd4, 0xba, 0x25, 0x5a, 0x9d, 0x31,
	0xc9, 0x61, 0xeb, 0x74, 0xc6, 0x35, 0x6d, 0x68,
	0xc0, 0x49, 0xb8, 0x92, 0x3b, 0x61, 0xfa, 0x6c,
	0xe6, 0x69, 0x62, 0x2e, 0x60, 0xf2, 0x9f, 0xb6,
	0x79, 0x03, 0xfe, 0x10, 0x08, 0xb8, 0xbc, 0x99,
	0xa4, 0x1a, 0xe9, 0xe9, 0x56, 0x28, 0xbc, 0x64,
	0xf2, 0xf1, 0xb2, 0x0c, 0x2d, 0x7e, 0x9f, 0x51,
	0x77, 0xa3, 0xc2, 0x94, 0xd4, 0x46, 0x22, 0x99,
};

/* SHA-256("sample") */
static const u8 kat_digest[32] = {
	0xaf, 0x2b, 0xdb, 0xe1, 0xaa, 0x9b, 0x6e, 0xc1,
	0xe2, 0xad, 0xe1, 0xd6, 0x94, 0xf4, 0x1f, 0xc7,
	0x1a, 0x83, 0x1d, 0x02, 0x68, 0xe9, 0x89, 0x15,
	0x62, 0x11, 0x3d, 0x8a, 0x62, 0xad, 0xd1, 0xbf,
};

static const u8 kat_sig[64] = {
	0xef, 0xd4, 0x8b, 0x2a, 0xac, 0xb6, 0xa8, 0xfd,
	0x11, 0x40, 0xdd, 0x9c, 0xd4, 0x5e, 0x81, 0xd6,
	0x9d, 0x2c, 0x87, 0x7b, 0x56, 0xaa, 0xf9, 0x91,
	0xc3, 0x4d, 0x0e, 0xa8, 0x4e, 0xaf, 0x37, 0x16,
	0xf7, 0xcb, 0x1c, 0x94, 0x2d, 0x65, 0x7c, 0x41,
	0xd4, 0x36, 0xc7, 0xa1, 0xb6, 0xe2, 0x9f, 0x65,
	0xf3, 0xe9, 0x00, 0xdb, 0xb9, 0xaf, 0xf4, 0x06,
	0x4d, 0xc4, 0xab, 0x2f, 0x84, 0x3a, 0xcd, 0xa8,
};

int cld_ecdsa_selftest(void)
{
	struct cld_ecdsa_key *k;
	u8 digest[32], sig[64];
	int ret;

	k = kmalloc(sizeof(*k), GFP_KERNEL);
	if (!k)
		return -ENOMEM;
	memcpy(digest, kat_digest, sizeof(digest));
	ret = cld_ecdsa_key_set(k, CLONEDEV_KEY_EC_P256,
				CLONEDEV_CLASS_PRIVATE_KEY, kat_d,
				sizeof(kat_d));
	if (ret)
		goto out;
	/* The second verification makes the key's table, the third uses it. */
	if (memcmp(k->q, kat_q, sizeof(kat_q)) ||
	    cld_ecdsa_verify(k, digest, sizeof(digest), kat_sig) ||
	    cld_ecdsa_sign(k, digest, sizeof(digest), sig) ||
	    cld_ecdsa_verify(k, digest, sizeof(digest), sig) || !k->qtab ||
	    cld_ecdsa_verify(k, digest, sizeof(digest), kat_sig)) {
		ret = -EINVAL;
		goto out;
	}
	digest[0] ^= 1;
	if (cld_ecdsa_verify(k, digest, sizeof(digest), sig) != -EBADMSG)
		ret = -EINVAL;
out:
	cld_ecdsa_key_wipe(k);
	kfree(k);
	return ret;
}
