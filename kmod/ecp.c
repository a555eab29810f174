// SPDX-License-Identifier: GPL-2.0
/*
 * Point arithmetic on P-256 and P-384 for ECDSA.
 *
 * Field elements are nd 64-bit limbs in Montgomery form mod p (mont.h's
 * multiplication, inlined with nd a constant); points are Jacobian
 * (X, Y, Z), with Z = 0 the point at infinity, or affine (x, y) in the
 * tables. The curves have a = -3, which the doubling uses.
 *
 * k*G for a secret k (signing): if k is even, n - k is used instead,
 * which changes the point's sign but not its x, all ECDSA needs. The odd
 * scalar is recoded into ROWS digits d_i, each odd in [-31, 31], with
 * k = sum d_i 2^(5i); row i of the comb table holds 1, 3, ..., 31 times
 * 2^(5i) G, so k*G is ROWS - 1 mixed additions and no doubling. Every
 * addition reads all sixteen entries of its row and keeps one by masks,
 * negates y by a mask, and the accumulator starts on randomised
 * projective coordinates; so time and memory accesses do not depend on
 * k. Below the last row the partial sum is, as an integer, smaller than
 * the multiple added, so no addition meets its own operand or its
 * negation; at the last row one single value of k would, and the
 * caller draws another k.
 *
 * u1*G + u2*Q (verification, public values only): u1*G from the same
 * table, u2*Q by a width-5 wNAF over Q, 3Q, ..., 15Q made affine with
 * one inversion, and the sum compared with r projectively, without an
 * inversion. A key that verifies more than once gets a table of its own
 * (cld_ecp_qtab_new()): the odd multiples of Q_j = 2^(65j) Q for each
 * 65-bit block j of u2, so that u2*Q takes 65 doublings instead of 256
 * or 384. These paths branch on their data, which is public.
 */
#include <crypto/ecdh.h>
#include <crypto/internal/ecc.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "ecp.h"
#include "mont.h"

#define NDMAX		6		/* limbs of P-384 */
#define W		5		/* bits per comb digit */
#define ODD		16		/* a comb row: 1, 3, ..., 31 times */
#define WNAF_PTS	8		/* Q, 3Q, ..., 15Q */
#define SPAN		65		/* bits per block of a key's table */
#define WNAF_MAX	(SPAN * NDMAX)	/* >= 64 * NDMAX + 1 */

struct jpt {
	u64 x[NDMAX], y[NDMAX], z[NDMAX];
};

struct apt {
	u64 x[NDMAX], y[NDMAX];
};

/**
 * struct ecp_curve - a curve's constants and comb table
 * @curve: the kernel's curve (p, n, G)
 * @nd: limbs of p and n
 * @rows: comb rows: W * @rows >= bits of n + 1
 * @n0: -p^-1 mod 2^64
 * @rr: R^2 mod p, R = 2^(64 @nd)
 * @one: R mod p, 1 in Montgomery form
 * @table: @rows * ODD affine points, Montgomery form, public
 */
struct ecp_curve {
	const struct ecc_curve *curve;
	unsigned int nd;
	unsigned int rows;
	u64 n0;
	u64 rr[NDMAX];
	u64 one[NDMAX];
	struct apt *table;
};

static struct ecp_curve curves[2];

/**
 * struct cld_ecp_qtab - a public key's verification table
 * @nd: limbs of its curve
 * @pts: for each block j, Q_j, 3 Q_j, ..., 15 Q_j, affine, Montgomery form
 */
struct cld_ecp_qtab {
	unsigned int nd;
	struct apt pts[][WNAF_PTS];
};

static struct ecp_curve *curve_of(unsigned int nd)
{
	if (nd == 4)
		return curves[0].table ? &curves[0] : NULL;
	if (nd == 6)
		return curves[1].table ? &curves[1] : NULL;
	return NULL;
}

/* Field arithmetic mod p; results below p, operands may alias. */

static __always_inline void mul_n(const struct ecp_curve *c, u64 *r,
				  const u64 *a, const u64 *b, unsigned int nd)
{
	u64 t[NDMAX + 2];

	cld_mont_mul_limbs(r, a, b, c->curve->p, c->n0, nd, t);
}

static void fe_mul(const struct ecp_curve *c, u64 *r, const u64 *a,
		   const u64 *b)
{
	if (c->nd == 4)
		mul_n(c, r, a, b, 4);
	else
		mul_n(c, r, a, b, 6);
}

static void fe_sqr(const struct ecp_curve *c, u64 *r, const u64 *a)
{
	fe_mul(c, r, a, a);
}

/*
 * @r = @a - @b over @n limbs; returns the borrow out. Without a branch on
 * the values (the kernel's vli_sub() has one).
 */
static u64 limbs_sub(u64 *r, const u64 *a, const u64 *b, unsigned int n)
{
	u64 borrow = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		u64 d = a[i] - b[i];
		u64 bo = (a[i] < b[i]) | (d < borrow);

		r[i] = d - borrow;
		borrow = bo;
	}
	return borrow;
}

static void fe_add(const struct ecp_curve *c, u64 *r, const u64 *a,
		   const u64 *b)
{
	u64 t[NDMAX], carry;

	carry = cld_limbs_add(t, a, b, c->nd);
	cld_mont_sub_once(r, t, carry, c->curve->p, c->nd);
}

static void fe_sub(const struct ecp_curve *c, u64 *r, const u64 *a,
		   const u64 *b)
{
	u64 pm[NDMAX], mask;
	unsigned int i;

	/* Add p back if it borrowed. */
	mask = 0 - limbs_sub(r, a, b, c->nd);
	for (i = 0; i < c->nd; i++)
		pm[i] = c->curve->p[i] & mask;
	cld_limbs_add(r, r, pm, c->nd);
}

/* @r = -@a if @mask is all ones, @a if it is 0, for @a != 0. */
static void fe_cneg(const struct ecp_curve *c, u64 *r, const u64 *a,
		    u64 mask)
{
	u64 zero[NDMAX] = {}, t[NDMAX];
	unsigned int i;

	fe_sub(c, t, zero, a);
	for (i = 0; i < c->nd; i++)
		r[i] = (t[i] & mask) | (a[i] & ~mask);
}

/* All ones if @a is 0, else 0, without a branch. */
static u64 fe_zero_mask(const struct ecp_curve *c, const u64 *a)
{
	u64 any = 0;
	unsigned int i;

	for (i = 0; i < c->nd; i++)
		any |= a[i];
	return cld_ct_eq(any, 0);
}

/* @r = @a^(p - 2) = @a^-1: p is public, so the time depends on p only. */
static void fe_inv(const struct ecp_curve *c, u64 *r, const u64 *a)
{
	u64 e[NDMAX], acc[NDMAX], two[NDMAX] = { 2 };
	int i;

	limbs_sub(e, c->curve->p, two, c->nd);
	memcpy(acc, c->one, sizeof(acc));
	for (i = 64 * c->nd - 1; i >= 0; i--) {
		fe_sqr(c, acc, acc);
		if ((e[i / 64] >> (i % 64)) & 1)
			fe_mul(c, acc, acc, a);
	}
	memcpy(r, acc, c->nd * sizeof(*r));
	memzero_explicit(acc, sizeof(acc));
}

static void fe_to_mont(const struct ecp_curve *c, u64 *r, const u64 *a)
{
	fe_mul(c, r, a, c->rr);
}

static void fe_from_mont(const struct ecp_curve *c, u64 *r, const u64 *a)
{
	u64 raw_one[NDMAX] = { 1 };

	fe_mul(c, r, a, raw_one);
}

/* Points */

static bool pt_is_inf(const struct ecp_curve *c, const struct jpt *p)
{
	return fe_zero_mask(c, p->z);
}

static void pt_from_affine(const struct ecp_curve *c, struct jpt *r,
			   const struct apt *a)
{
	memcpy(r->x, a->x, sizeof(r->x));
	memcpy(r->y, a->y, sizeof(r->y));
	memcpy(r->z, c->one, sizeof(r->z));
}

/* @r = 2 @p (dbl-2001-b, a = -3); infinity stays infinity. */
static void pt_dbl(const struct ecp_curve *c, struct jpt *r,
		   const struct jpt *p)
{
	u64 delta[NDMAX], gamma[NDMAX], beta[NDMAX], alpha[NDMAX];
	u64 t1[NDMAX], t2[NDMAX];

	fe_sqr(c, delta, p->z);
	fe_sqr(c, gamma, p->y);
	fe_mul(c, beta, p->x, gamma);
	fe_sub(c, t1, p->x, delta);
	fe_add(c, t2, p->x, delta);
	fe_mul(c, t1, t1, t2);
	fe_add(c, alpha, t1, t1);
	fe_add(c, alpha, alpha, t1);
	/* Z3 = (Y + Z)^2 - gamma - delta */
	fe_add(c, t1, p->y, p->z);
	fe_sqr(c, t1, t1);
	fe_sub(c, t1, t1, gamma);
	fe_sub(c, r->z, t1, delta);
	/* X3 = alpha^2 - 8 beta */
	fe_add(c, beta, beta, beta);
	fe_add(c, beta, beta, beta);
	fe_sqr(c, t1, alpha);
	fe_add(c, t2, beta, beta);
	fe_sub(c, r->x, t1, t2);
	/* Y3 = alpha (4 beta - X3) - 8 gamma^2 */
	fe_sub(c, t1, beta, r->x);
	fe_mul(c, t1, alpha, t1);
	fe_sqr(c, gamma, gamma);
	fe_add(c, gamma, gamma, gamma);
	fe_add(c, gamma, gamma, gamma);
	fe_add(c, gamma, gamma, gamma);
	fe_sub(c, r->y, t1, gamma);
}

#define PT_H_ZERO	1	/* the operands had the same x */
#define PT_R_ZERO	2	/* ... and the same y: a doubling */

/*
 * The end of both additions, with Z3 already in @r: X3 = rr^2 - J - 2 V,
 * Y3 = rr (V - X3) - 2 @yj (@yj is Y1 J; it is doubled in place).
 * Return: PT_H_ZERO and PT_R_ZERO as found, computed without a branch.
 */
static unsigned int add_finish(const struct ecp_curve *c, struct jpt *r,
			       const u64 *h, const u64 *rr, const u64 *j,
			       const u64 *v, u64 *yj)
{
	u64 t[NDMAX];

	fe_sqr(c, t, rr);
	fe_sub(c, t, t, j);
	fe_sub(c, t, t, v);
	fe_sub(c, r->x, t, v);
	fe_sub(c, t, v, r->x);
	fe_mul(c, t, rr, t);
	fe_add(c, yj, yj, yj);
	fe_sub(c, r->y, t, yj);
	return (fe_zero_mask(c, h) & PT_H_ZERO) |
	       (fe_zero_mask(c, rr) & PT_R_ZERO);
}

/*
 * @r = @p + @q, @p Jacobian and not infinity, @q affine (madd-2007-bl),
 * in constant time. Return: PT_H_ZERO and PT_R_ZERO as found, computed
 * without a branch; with PT_H_ZERO, @r is not the sum.
 */
static unsigned int pt_madd(const struct ecp_curve *c, struct jpt *r,
			    const struct jpt *p, const struct apt *q)
{
	u64 z1z1[NDMAX], u2[NDMAX], s2[NDMAX], h[NDMAX], hh[NDMAX];
	u64 i4[NDMAX], j[NDMAX], rr[NDMAX], v[NDMAX], t[NDMAX], y1j[NDMAX];

	fe_sqr(c, z1z1, p->z);
	fe_mul(c, u2, q->x, z1z1);
	fe_mul(c, s2, q->y, p->z);
	fe_mul(c, s2, s2, z1z1);
	fe_sub(c, h, u2, p->x);
	fe_sqr(c, hh, h);
	fe_add(c, i4, hh, hh);
	fe_add(c, i4, i4, i4);
	fe_mul(c, j, h, i4);
	fe_sub(c, rr, s2, p->y);
	fe_add(c, rr, rr, rr);
	fe_mul(c, v, p->x, i4);
	fe_mul(c, y1j, p->y, j);
	/* Z3 = (Z1 + H)^2 - Z1Z1 - HH */
	fe_add(c, t, p->z, h);
	fe_sqr(c, t, t);
	fe_sub(c, t, t, z1z1);
	fe_sub(c, r->z, t, hh);
	return add_finish(c, r, h, rr, j, v, y1j);
}

/*
 * @r = @p + @q, both Jacobian and not infinity (add-2007-bl). Return as
 * pt_madd().
 */
static unsigned int pt_add(const struct ecp_curve *c, struct jpt *r,
			   const struct jpt *p, const struct jpt *q)
{
	u64 z1z1[NDMAX], z2z2[NDMAX], u1[NDMAX], u2[NDMAX], s1[NDMAX];
	u64 s2[NDMAX], h[NDMAX], i4[NDMAX], j[NDMAX], rr[NDMAX], v[NDMAX];
	u64 t[NDMAX];

	fe_sqr(c, z1z1, p->z);
	fe_sqr(c, z2z2, q->z);
	fe_mul(c, u1, p->x, z2z2);
	fe_mul(c, u2, q->x, z1z1);
	fe_mul(c, s1, p->y, q->z);
	fe_mul(c, s1, s1, z2z2);
	fe_mul(c, s2, q->y, p->z);
	fe_mul(c, s2, s2, z1z1);
	fe_sub(c, h, u2, u1);
	fe_add(c, i4, h, h);
	fe_sqr(c, i4, i4);
	fe_mul(c, j, h, i4);
	fe_sub(c, rr, s2, s1);
	fe_add(c, rr, rr, rr);
	fe_mul(c, v, u1, i4);
	fe_mul(c, s1, s1, j);
	/* Z3 = ((Z1 + Z2)^2 - Z1Z1 - Z2Z2) H */
	fe_add(c, t, p->z, q->z);
	fe_sqr(c, t, t);
	fe_sub(c, t, t, z1z1);
	fe_sub(c, t, t, z2z2);
	fe_mul(c, r->z, t, h);
	return add_finish(c, r, h, rr, j, v, s1);
}

/* @r = @p + @q for any public points: infinity and doublings handled. */
static void pt_add_vt(const struct ecp_curve *c, struct jpt *r,
		      const struct jpt *p, const struct jpt *q)
{
	struct jpt s;
	unsigned int flags;

	if (pt_is_inf(c, p)) {
		*r = *q;
		return;
	}
	if (pt_is_inf(c, q)) {
		*r = *p;
		return;
	}
	flags = pt_add(c, &s, p, q);
	if (!(flags & PT_H_ZERO))
		*r = s;
	else if (flags & PT_R_ZERO)
		pt_dbl(c, r, p);
	else
		memset(r, 0, sizeof(*r));
}

/* pt_add_vt() with @q affine. */
static void pt_madd_vt(const struct ecp_curve *c, struct jpt *r,
		       const struct jpt *p, const struct apt *q)
{
	struct jpt s;
	unsigned int flags;

	if (pt_is_inf(c, p)) {
		pt_from_affine(c, r, q);
		return;
	}
	flags = pt_madd(c, &s, p, q);
	if (!(flags & PT_H_ZERO)) {
		*r = s;
	} else if (flags & PT_R_ZERO) {
		pt_from_affine(c, &s, q);
		pt_dbl(c, r, &s);
	} else {
		memset(r, 0, sizeof(*r));
	}
}

/*
 * @out[i] = @in[i] made affine, for @cnt points none of them infinity:
 * one inversion for all (Montgomery's trick). The running products of
 * the Z are kept in @out[i].x until @out[i] is written.
 */
static void batch_affine(const struct ecp_curve *c, struct apt *out,
			 const struct jpt *in, unsigned int cnt)
{
	u64 inv[NDMAX], zi[NDMAX], zi2[NDMAX];
	int i;

	memcpy(out[0].x, in[0].z, sizeof(out[0].x));
	for (i = 1; i < cnt; i++)
		fe_mul(c, out[i].x, out[i - 1].x, in[i].z);
	fe_inv(c, inv, out[cnt - 1].x);
	for (i = cnt - 1; i >= 0; i--) {
		if (i) {
			fe_mul(c, zi, inv, out[i - 1].x);
			fe_mul(c, inv, inv, in[i].z);
		} else {
			memcpy(zi, inv, sizeof(zi));
		}
		fe_sqr(c, zi2, zi);
		fe_mul(c, out[i].x, in[i].x, zi2);
		fe_mul(c, zi2, zi2, zi);
		fe_mul(c, out[i].y, in[i].y, zi2);
	}
}

/* @cnt bits of @k from bit @pos (0 beyond its top). */
static unsigned int bits_at(const u64 *k, unsigned int nd, unsigned int pos,
			    unsigned int cnt)
{
	unsigned int limb = pos / 64, sh = pos % 64;
	u64 v = 0;

	if (limb < nd)
		v = k[limb] >> sh;
	if (sh + cnt > 64 && limb + 1 < nd)
		v |= k[limb + 1] << (64 - sh);
	return v & (BIT(cnt) - 1);
}

/*
 * Comb digit @i of the odd scalar @k: 2 b + 1 - 32 for the five bits b
 * above bit 5i, and for the last row 2 b + 1 with all the bits above.
 */
static int comb_digit(const struct ecp_curve *c, const u64 *k, unsigned int i)
{
	int d = 2 * bits_at(k, c->nd, W * i + 1, W) + 1;

	return i + 1 < c->rows ? d - (1 << W) : d;
}

/* @out = @d times row @row's base: all ODD entries read, one kept. */
static void comb_select(const struct ecp_curve *c, struct apt *out,
			unsigned int row, int d)
{
	const struct apt *e = &c->table[row * ODD];
	int s = d >> 31;			/* -1 if d < 0, else 0 */
	unsigned int idx = (unsigned int)((d ^ s) - s) >> 1, k, j;
	u64 neg = 0 - (u64)(s & 1), mask;

	memset(out, 0, sizeof(*out));
	for (k = 0; k < ODD; k++) {
		mask = cld_ct_eq(k, idx);
		for (j = 0; j < c->nd; j++) {
			out->x[j] |= e[k].x[j] & mask;
			out->y[j] |= e[k].y[j] & mask;
		}
	}
	fe_cneg(c, out->y, out->y, neg);
}

/*
 * x(k G) for @k in [1, n - 1], secret, in constant time; @x gets x in
 * @nd digits (below p, not reduced mod n). Return: 0; -EAGAIN for the
 * one k whose last addition is a doubling (the caller draws another);
 * -EINVAL for a curve without its table.
 */
int cld_ecp_base_x(unsigned int nd, u64 *x, const u64 *k)
{
	const struct ecp_curve *c = curve_of(nd);
	struct {
		u64 kk[NDMAX], nk[NDMAX], lambda[NDMAX], l2[NDMAX];
		struct apt sel;
		struct jpt acc;
	} w;
	unsigned int i, flags = 0;
	u64 even;

	if (!c)
		return -EINVAL;
	/* An odd scalar: k, or n - k (the same x). */
	limbs_sub(w.nk, c->curve->n, k, nd);
	even = (k[0] & 1) - 1;
	for (i = 0; i < nd; i++)
		w.kk[i] = (w.nk[i] & even) | (k[i] & ~even);

	/* Randomised projective start: (x l^2, y l^3, l), 0 < l < p. */
	get_random_bytes(w.lambda, nd * sizeof(u64));
	w.lambda[nd - 1] >>= 1;
	w.lambda[0] |= 1;
	comb_select(c, &w.sel, 0, comb_digit(c, w.kk, 0));
	fe_sqr(c, w.l2, w.lambda);
	fe_mul(c, w.acc.x, w.sel.x, w.l2);
	fe_mul(c, w.l2, w.l2, w.lambda);
	fe_mul(c, w.acc.y, w.sel.y, w.l2);
	memcpy(w.acc.z, w.lambda, sizeof(w.acc.z));

	for (i = 1; i < c->rows; i++) {
		comb_select(c, &w.sel, i, comb_digit(c, w.kk, i));
		flags |= pt_madd(c, &w.acc, &w.acc, &w.sel);
	}
	/* x = X / Z^2 */
	fe_inv(c, w.l2, w.acc.z);
	fe_sqr(c, w.l2, w.l2);
	fe_mul(c, w.acc.x, w.acc.x, w.l2);
	fe_from_mont(c, x, w.acc.x);
	memzero_explicit(&w, sizeof(w));
	return flags & PT_H_ZERO ? -EAGAIN : 0;
}

/* @r = @u G for a public @u < n (variable time). */
static void base_mult_vt(const struct ecp_curve *c, struct jpt *r,
			 const u64 *u)
{
	u64 kk[NDMAX];
	struct apt sel;
	bool neg = !(u[0] & 1);
	unsigned int i;

	memset(r, 0, sizeof(*r));
	if (vli_is_zero(u, c->nd))
		return;
	if (neg)
		limbs_sub(kk, c->curve->n, u, c->nd);
	else
		memcpy(kk, u, c->nd * sizeof(*kk));
	for (i = 0; i < c->rows; i++) {
		comb_select(c, &sel, i, comb_digit(c, kk, i));
		pt_madd_vt(c, r, r, &sel);
	}
	if (neg && !pt_is_inf(c, r))
		fe_cneg(c, r->y, r->y, ~0ULL);
}

/* @out = the width-5 NAF of @u: digits odd in [-15, 15] or 0. */
static void wnaf(s8 *out, const u64 *u, unsigned int nd)
{
	u64 t[NDMAX + 1] = {}, dd[NDMAX + 1] = {};
	unsigned int len = 0, i;

	memcpy(t, u, nd * sizeof(*t));
	while (!vli_is_zero(t, nd + 1)) {
		int d = 0;

		if (t[0] & 1) {
			/* t - d is then a multiple of 32 */
			d = t[0] & 31;
			if (d >= 16)
				d -= 32;
			dd[0] = abs(d);
			if (d > 0)
				limbs_sub(t, t, dd, nd + 1);
			else
				cld_limbs_add(t, t, dd, nd + 1);
		}
		out[len++] = d;
		for (i = 0; i < nd; i++)
			t[i] = (t[i] >> 1) | (t[i + 1] << 63);
		t[nd] >>= 1;
	}
}

/* @out = @q, 3 @q, ..., 15 @q, affine; @mult is scratch. */
static void odd_multiples(const struct ecp_curve *c, struct apt *out,
			  const struct jpt *q, struct jpt *mult)
{
	struct jpt d;
	unsigned int i;

	mult[0] = *q;
	pt_dbl(c, &d, q);
	for (i = 1; i < WNAF_PTS; i++)
		pt_add(c, &mult[i], &mult[i - 1], &d);
	batch_affine(c, out, mult, WNAF_PTS);
}

static void q_to_mont(const struct ecp_curve *c, struct jpt *q, const u64 *qx,
		      const u64 *qy)
{
	fe_to_mont(c, q->x, qx);
	fe_to_mont(c, q->y, qy);
	memcpy(q->z, c->one, sizeof(q->z));
}

/*
 * The verification table of the public point @qx, @qy (on the curve of
 * @nd limbs). Return: it, freed with cld_ecp_qtab_free(); NULL without
 * memory or for a curve without its table.
 */
struct cld_ecp_qtab *cld_ecp_qtab_new(unsigned int nd, const u64 *qx,
				      const u64 *qy)
{
	const struct ecp_curve *c = curve_of(nd);
	struct cld_ecp_qtab *t;
	struct jpt *w;
	unsigned int j, i;

	if (!c)
		return NULL;
	t = kmalloc(struct_size(t, pts, nd), GFP_KERNEL);
	w = kmalloc_array(WNAF_PTS + 1, sizeof(*w), GFP_KERNEL);
	if (!t || !w) {
		kfree(t);
		kfree(w);
		return NULL;
	}
	t->nd = nd;
	q_to_mont(c, &w[WNAF_PTS], qx, qy);
	for (j = 0; j < nd; j++) {
		odd_multiples(c, t->pts[j], &w[WNAF_PTS], w);
		for (i = 0; j + 1 < nd && i < SPAN; i++)
			pt_dbl(c, &w[WNAF_PTS], &w[WNAF_PTS]);
	}
	kfree(w);
	return t;
}

void cld_ecp_qtab_free(struct cld_ecp_qtab *t)
{
	kfree(t);
}

/*
 * True if x(u1 G + u2 Q) mod n == r, for public @u1, @u2 (below n, @u2
 * not 0), the point Q = (@qx, @qy) on the curve, its table @qt or NULL,
 * and @r in [1, n - 1]. Return: 0 if so; -EBADMSG if not; -ENOMEM;
 * -EINVAL for a curve without its table.
 */
int cld_ecp_verify(unsigned int nd, const u64 *u1, const u64 *u2,
		   const u64 *qx, const u64 *qy,
		   const struct cld_ecp_qtab *qt, const u64 *r)
{
	const struct ecp_curve *c = curve_of(nd);
	struct {
		struct jpt mult[WNAF_PTS], q, a, b;
		struct apt qa[WNAF_PTS], s;
		s8 naf[WNAF_MAX];
		u64 t[NDMAX + 1], z2[NDMAX], rm[NDMAX];
	} *w;
	const struct apt (*pts)[WNAF_PTS];
	unsigned int blocks, span, i, j;
	int ret = -EBADMSG;

	if (!c || (qt && qt->nd != nd))
		return -EINVAL;
	w = kzalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		return -ENOMEM;
	base_mult_vt(c, &w->a, u1);

	/* u2 Q: one block of all the bits, or the key's blocks of SPAN */
	if (qt) {
		pts = qt->pts;
		blocks = nd;
		span = SPAN;
	} else {
		q_to_mont(c, &w->q, qx, qy);
		odd_multiples(c, w->qa, &w->q, w->mult);
		pts = &w->qa;
		blocks = 1;
		span = 64 * nd + 1;
	}
	wnaf(w->naf, u2, nd);
	for (i = span; i--; ) {
		if (!pt_is_inf(c, &w->b))
			pt_dbl(c, &w->b, &w->b);
		for (j = 0; j < blocks; j++) {
			int dg = w->naf[j * span + i];

			if (!dg)
				continue;
			w->s = pts[j][abs(dg) >> 1];
			if (dg < 0)
				fe_cneg(c, w->s.y, w->s.y, ~0ULL);
			pt_madd_vt(c, &w->b, &w->b, &w->s);
		}
	}
	pt_add_vt(c, &w->a, &w->a, &w->b);
	if (pt_is_inf(c, &w->a))
		goto out;

	/* x = X / Z^2 is r or r + n (if below p): X == x Z^2 */
	fe_sqr(c, w->z2, w->a.z);
	memcpy(w->t, r, nd * sizeof(*w->t));
	for (i = 0; i < 2; i++) {
		fe_to_mont(c, w->rm, w->t);
		fe_mul(c, w->rm, w->rm, w->z2);
		if (!memcmp(w->rm, w->a.x, nd * sizeof(*w->rm))) {
			ret = 0;
			break;
		}
		/* r + n, if it is below p */
		if (cld_limbs_add(w->t, w->t, c->curve->n, nd) ||
		    vli_cmp(w->t, c->curve->p, nd) >= 0)
			break;
	}
out:
	kfree(w);
	return ret;
}

static int curve_init(struct ecp_curve *c, unsigned int id)
{
	struct jpt *row, base, d;
	u64 inv = 1, zero[NDMAX] = {};
	unsigned int i, j;

	c->curve = ecc_get_curve(id);
	if (!c->curve)
		return -EINVAL;
	c->nd = c->curve->g.ndigits;
	c->rows = DIV_ROUND_UP(64 * c->nd + 1, W);

	/* -p^-1 mod 2^64 by Newton's iteration; R mod p and R^2 mod p. */
	for (i = 0; i < 6; i++)
		inv *= 2 - c->curve->p[0] * inv;
	c->n0 = 0 - inv;
	limbs_sub(c->one, zero, c->curve->p, c->nd);	/* 2^(64nd) - p */
	fe_add(c, c->rr, c->one, c->one);		/* 2R */
	for (i = 1; i < 64 * c->nd; i++)		/* 2^i R */
		fe_add(c, c->rr, c->rr, c->rr);

	c->table = kvmalloc_array(c->rows * ODD, sizeof(*c->table),
				  GFP_KERNEL);
	row = kmalloc_array(ODD, sizeof(*row), GFP_KERNEL);
	if (!c->table || !row) {
		kvfree(c->table);
		c->table = NULL;
		kfree(row);
		return -ENOMEM;
	}
	fe_to_mont(c, base.x, c->curve->g.x);
	fe_to_mont(c, base.y, c->curve->g.y);
	memcpy(base.z, c->one, sizeof(base.z));
	for (i = 0; i < c->rows; i++) {
		row[0] = base;
		pt_dbl(c, &d, &base);
		for (j = 1; j < ODD; j++)
			pt_add(c, &row[j], &row[j - 1], &d);
		batch_affine(c, &c->table[i * ODD], row, ODD);
		for (j = 0; j < W; j++)
			pt_dbl(c, &base, &base);
	}
	kfree(row);
	return 0;
}

/* The comb tables of both curves (about 170 KiB in all). */
int cld_ecp_init(void)
{
	int ret;

	ret = curve_init(&curves[0], ECC_CURVE_NIST_P256);
	if (!ret)
		ret = curve_init(&curves[1], ECC_CURVE_NIST_P384);
	if (ret)
		cld_ecp_exit();
	return ret;
}

void cld_ecp_exit(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(curves); i++) {
		kvfree(curves[i].table);
		curves[i].table = NULL;
	}
}
