// SPDX-License-Identifier: GPL-2.0
/*
 * SPAKE2 (RFC 9382) over P-256 for the clone handshake of kmod/clone.c
 * (docs/clone-protocol.md, "Keys"): the domain secret becomes the scalar
 * w, the source (A) sends x*G + w*M, the target (B) y*G + w*N, and both
 * reach K = x*y*G. A recorded handshake gives no offline test of the
 * domain; an active peer gets one guess per handshake. Built on the ECC
 * primitives crypto/ecc.c exports (the curve, Shamir's double
 * multiplication, the modular helpers).
 */
#include <crypto/ecdh.h>
#include <crypto/internal/ecc.h>
#include <linux/errno.h>
#include <linux/string.h>

#include "mont.h"
#include "spake2.h"

#define ND	4	/* 64-bit digits of a P-256 value */

/* RFC 9382 section 6, P-256: M and N as X || Y, big-endian. */
static const u8 spake_m[64] = {
	0x88, 0x6e, 0x2f, 0x97, 0xac, 0xe4, 0x6e, 0x55,
	0xba, 0x9d, 0xd7, 0x24, 0x25, 0x79, 0xf2, 0x99,
	0x3b, 0x64, 0xe1, 0x6e, 0xf3, 0xdc, 0xab, 0x95,
	0xaf, 0xd4, 0x97, 0x33, 0x3d, 0x8f, 0xa1, 0x2f,
	0x5f, 0xf3, 0x55, 0x16, 0x3e, 0x43, 0xce, 0x22,
	0x4e, 0x0b, 0x0e, 0x65, 0xff, 0x02, 0xac, 0x8e,
	0x5c, 0x7b, 0xe0, 0x94, 0x19, 0xc7, 0x85, 0xe0,
	0xca, 0x54, 0x7d, 0x55, 0xa1, 0x2e, 0x2d, 0x20,
};

static const u8 spake_n[64] = {
	0xd8, 0xbb, 0xd6, 0xc6, 0x39, 0xc6, 0x29, 0x37,
	0xb0, 0x4d, 0x99, 0x7f, 0x38, 0xc3, 0x77, 0x07,
	0x19, 0xc6, 0x29, 0xd7, 0x01, 0x4d, 0x49, 0xa2,
	0x4b, 0x4f, 0x98, 0xba, 0xa1, 0x29, 0x2b, 0x49,
	0x07, 0xd6, 0x0a, 0xa6, 0xbf, 0xad, 0xe4, 0x50,
	0x08, 0xa6, 0x36, 0x33, 0x7f, 0x51, 0x68, 0xc6,
	0x4d, 0x9b, 0xd3, 0x60, 0x34, 0x80, 0x8c, 0xd5,
	0x64, 0x49, 0x0b, 0x1e, 0x65, 0x6e, 0xdb, 0xe7,
};

/* A point as X || Y big-endian bytes into digits. */
static void point_in(u64 *x, u64 *y, const u8 *be)
{
	ecc_swap_digits(be, x, ND);
	ecc_swap_digits(be + 32, y, ND);
}

static void point_out(u8 *share, const u64 *x, const u64 *y)
{
	u64 t[ND];

	share[0] = 0x04;
	ecc_swap_digits(x, t, ND);
	memcpy(share + 1, t, 32);
	ecc_swap_digits(y, t, ND);
	memcpy(share + 33, t, 32);
}

/* @r -= @n if @r >= @n or @carry, without a branch on the values. */
static void reduce_once(u64 *r, u64 carry, const u64 *n)
{
	u64 t[ND], mask;
	unsigned int i;

	mask = -(carry | (vli_sub(t, r, n, ND) ^ 1));
	for (i = 0; i < ND; i++)
		r[i] = (t[i] & mask) | (r[i] & ~mask);
	memzero_explicit(t, sizeof(t));
}

/*
 * w = the 48 big-endian bytes @okm mod n: hi * 2^256 + lo with hi the
 * first 16 bytes, and 2^256 mod n = 2^256 - n since n > 2^255.
 */
static void okm_to_w(u64 *w, const u8 *okm, const u64 *n)
{
	u64 hi[ND] = {}, lo[ND], r[ND], zero[ND] = {};
	u8 be[32] = {};

	memcpy(be + 16, okm, 16);
	ecc_swap_digits(be, hi, ND);
	ecc_swap_digits(okm + 16, lo, ND);
	vli_sub(r, zero, n, ND);
	vli_mod_mult_slow(w, hi, r, n, ND);
	reduce_once(lo, 0, n);
	reduce_once(w, cld_limbs_add(w, w, lo, ND), n);
	memzero_explicit(hi, sizeof(hi));
	memzero_explicit(lo, sizeof(lo));
	memzero_explicit(be, sizeof(be));
}

/*
 * A private scalar as ecc_gen_privkey() gives it: big-endian words up to
 * 6.9, native digits from 6.10 on (as in kmod/ecdsa.c).
 */
static void priv_to_digits(u64 *out, const u64 *prim)
{
#ifdef CLD_ECC_PRIV_NATIVE
	memcpy(out, prim, ND * 8);
#else
	ecc_swap_digits(prim, out, ND);
#endif
}

/**
 * cld_spake2_start() - Makes this side's share.
 * @sp: the exchange, filled in
 * @source: the source (A, M) or the target (B, N)
 * @okm: the 48 bytes w comes from
 * @fixed_x: a 32-byte big-endian scalar (known-answer tests), or NULL
 *	for a random one
 *
 * Return: 0, -EINVAL if w is 0 mod n, or an error of the primitives.
 */
int cld_spake2_start(struct cld_spake2 *sp, bool source,
		     const u8 okm[CLD_SPAKE2_W_LEN], const u8 *fixed_x)
{
	const struct ecc_curve *curve = ecc_get_curve(ECC_CURVE_NIST_P256);
	u64 cx[ND], cy[ND], rx[ND], ry[ND], prim[ND];
	struct ecc_point c = ECC_POINT_INIT(cx, cy, ND);
	struct ecc_point r = ECC_POINT_INIT(rx, ry, ND);
	int ret = 0;

	memset(sp, 0, sizeof(*sp));
	sp->source = source;
	okm_to_w(sp->w, okm, curve->n);
	if (vli_is_zero(sp->w, ND))
		return -EINVAL;
	if (fixed_x) {
		ecc_swap_digits(fixed_x, sp->x, ND);
	} else {
		ret = ecc_gen_privkey(ECC_CURVE_NIST_P256, ND, prim);
		priv_to_digits(sp->x, prim);
		memzero_explicit(prim, sizeof(prim));
		if (ret)
			return ret;
	}
	point_in(cx, cy, source ? spake_m : spake_n);
	ecc_point_mult_shamir(&r, sp->x, &curve->g, sp->w, &c, curve);
	if (ecc_point_is_zero(&r))
		return -EINVAL;
	point_out(sp->share, rx, ry);
	return 0;
}

/**
 * cld_spake2_finish() - The X coordinate of K from the peer's share.
 * @sp: the exchange cld_spake2_start() began
 * @peer: the peer's share, 0x04 || X || Y
 * @k: the X coordinate of K, big-endian
 *
 * K = x * (peer - w*C), with C the peer's constant (N at the source, M
 * at the target), computed as x*peer + (n - x*w mod n)*C.
 *
 * Return: 0, or -EBADMSG if the share is not a point of the curve (or
 * is the peer's constant, which the double multiplication cannot take)
 * or K is the point at infinity.
 */
int cld_spake2_finish(struct cld_spake2 *sp, const u8 *peer,
		      u8 k[CLD_SPAKE2_K_LEN])
{
	const struct ecc_curve *curve = ecc_get_curve(ECC_CURVE_NIST_P256);
	u64 px[ND], py[ND], cx[ND], cy[ND], rx[ND], ry[ND], t[ND], u[ND];
	struct ecc_point p = ECC_POINT_INIT(px, py, ND);
	struct ecc_point c = ECC_POINT_INIT(cx, cy, ND);
	struct ecc_point r = ECC_POINT_INIT(rx, ry, ND);
	int ret = -EBADMSG;

	if (peer[0] != 0x04)
		return -EBADMSG;
	point_in(px, py, peer + 1);
	point_in(cx, cy, sp->source ? spake_n : spake_m);
	/* P-256 has cofactor 1: a point on the curve is in the group. */
	if (ecc_is_pubkey_valid_partial(curve, &p) || !vli_cmp(px, cx, ND))
		goto out;
	vli_mod_mult_slow(t, sp->x, sp->w, curve->n, ND);
	vli_sub(u, curve->n, t, ND);
	ecc_point_mult_shamir(&r, sp->x, &p, u, &c, curve);
	if (ecc_point_is_zero(&r))
		goto out;
	ecc_swap_digits(rx, t, ND);
	memcpy(k, t, CLD_SPAKE2_K_LEN);
	ret = 0;
out:
	memzero_explicit(t, sizeof(t));
	memzero_explicit(u, sizeof(u));
	memzero_explicit(rx, sizeof(rx));
	memzero_explicit(ry, sizeof(ry));
	return ret;
}

/* w as 32 big-endian bytes, for the key schedule. */
void cld_spake2_w_bytes(const struct cld_spake2 *sp, u8 out[32])
{
	u64 t[ND];

	ecc_swap_digits(sp->w, t, ND);
	memcpy(out, t, sizeof(t));
	memzero_explicit(t, sizeof(t));
}

void cld_spake2_wipe(struct cld_spake2 *sp)
{
	memzero_explicit(sp, sizeof(*sp));
}
