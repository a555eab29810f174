// SPDX-License-Identifier: GPL-2.0
/*
 * Montgomery exponentiation for RSA's private operation (rsa.c runs it
 * mod p and mod q). Numbers are little-endian arrays of 64-bit limbs;
 * callers give and take big-endian bytes.
 *
 * cld_mont_powm() computes base^exp mod m with a fixed 4-bit window: four
 * squarings and one multiplication per exponent nibble, whatever the
 * nibble, by a table entry picked with masks after reading all sixteen.
 * Multiplication and squaring scan products (Comba): each limb of
 * a * b + q * m is summed column by column in three registers, the
 * reduction's q limbs chosen on the way, so that no partial product is
 * stored; a squaring sums each off-diagonal product a_i * a_j once and
 * doubles the sum, about n^2 / 2 products instead of n^2 for its first
 * half. Every reduction ends with the same subtraction, kept or not by a
 * mask. So the time and the memory accesses follow the lengths of the
 * modulus and the exponent, never their bits.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/minmax.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "mont.h"

#define WINDOW		4
#define TABLE		BIT(WINDOW)

/**
 * struct cld_mont - an odd modulus in Montgomery form
 * @n: limbs of the modulus
 * @len: its bytes, as the caller gave it
 * @n0: -m^-1 mod 2^64
 * @m: the modulus
 * @rr: R^2 mod m, R = 2^(64 @n)
 */
struct cld_mont {
	unsigned int n;
	unsigned int len;
	u64 n0;
	u64 m[CLD_MONT_LIMBS_MAX];
	u64 rr[CLD_MONT_LIMBS_MAX];
};

/* @r = @t reduced once by m (see cld_mont_sub_once()). */
static void reduce_once(const struct cld_mont *m, u64 *r, const u64 *t,
			u64 top)
{
	cld_mont_sub_once(r, t, top, m->m, m->n);
}

/* The sum of one column of products: three limbs, below 2^192. */
struct acc {
	u64 lo, hi, top;
};

/* @c += @a * @b */
static __always_inline void acc_mac(struct acc *c, u64 a, u64 b)
{
	u64 h = 0;

	c->lo = cld_mac(c->lo, a, b, &h);
	c->hi += h;
	c->top += c->hi < h;
}

/* @c += 2 * @d */
static __always_inline void acc_add_twice(struct acc *c, const struct acc *d)
{
	u64 lo = d->lo << 1, hi = d->hi << 1 | d->lo >> 63;
	u64 top = d->top << 1 | d->hi >> 63, k;

	c->lo += lo;
	k = c->lo < lo;
	c->hi += k;
	k = c->hi < k;
	c->hi += hi;
	k += c->hi < hi;
	c->top += top + k;
}

/*
 * Ends column @k of a Montgomery product mod @mod (@n limbs, @n0 as in
 * struct cld_mont) whose a * b part is in @c: adds the column's
 * q_j * mod_(k-j); in the low half picks q_k (into @q, of @n limbs) so
 * that the column's low limb becomes zero, in the high half gives that
 * limb to @r[k - n]; then moves @c on to the next column.
 */
static __always_inline void mont_column(struct acc *c, u64 *q, u64 *r,
					const u64 *mod, u64 n0, unsigned int n,
					unsigned int k)
{
	unsigned int j;

	if (k < n) {
		for (j = 0; j < k; j++)
			acc_mac(c, q[j], mod[k - j]);
		q[k] = c->lo * n0;
		acc_mac(c, q[k], mod[0]);
	} else {
		for (j = k - n + 1; j < n; j++)
			acc_mac(c, q[j], mod[k - j]);
		r[k - n] = c->lo;
	}
	c->lo = c->hi;
	c->hi = c->top;
	c->top = 0;
}

/*
 * @r = @a * @b * R^-1 mod m, for @a and @b below m; @q is scratch of n
 * limbs. @r may be @a or @b: column k writes r_(k-n), and no later column
 * reads a limb below k - n + 1.
 */
static void mont_mul(const struct cld_mont *m, u64 *r, const u64 *a,
		     const u64 *b, u64 *q)
{
	unsigned int n = m->n, k, j;
	const u64 *mod = m->m;
	u64 n0 = m->n0;
	struct acc c = {};

	for (k = 0; k < 2 * n - 1; k++) {
		for (j = k < n ? 0 : k - n + 1; j <= min(k, n - 1); j++)
			acc_mac(&c, a[j], b[k - j]);
		mont_column(&c, q, r, mod, n0, n, k);
	}
	/* (a * b + q * m) / R, below 2m, reduced once */
	r[n - 1] = c.lo;
	cld_mont_sub_once(r, r, c.hi, mod, n);
}

/*
 * @r = @a^2 * R^-1 mod m, for @a below m; @q as for mont_mul(), and @r
 * may be @a likewise. Column k's products a_j * a_(k-j) come in pairs
 * but for j = k / 2: each pair's one product, summed, counts twice.
 */
static void mont_sqr(const struct cld_mont *m, u64 *r, const u64 *a, u64 *q)
{
	unsigned int n = m->n, k, j;
	const u64 *mod = m->m;
	u64 n0 = m->n0;
	struct acc c = {}, d;

	for (k = 0; k < 2 * n - 1; k++) {
		d = (struct acc){};
		for (j = k < n ? 0 : k - n + 1; j < k - j; j++)
			acc_mac(&d, a[j], a[k - j]);
		acc_add_twice(&c, &d);
		if (!(k & 1))
			acc_mac(&c, a[k / 2], a[k / 2]);
		mont_column(&c, q, r, mod, n0, n, k);
	}
	/* (a^2 + q * m) / R, below 2m, reduced once */
	r[n - 1] = c.lo;
	cld_mont_sub_once(r, r, c.hi, mod, n);
}

static void be_to_limbs(u64 *l, unsigned int n, const u8 *be,
			unsigned int len)
{
	unsigned int i;

	memset(l, 0, n * sizeof(*l));
	for (i = 0; i < len; i++)
		l[i / 8] |= (u64)be[len - 1 - i] << (8 * (i % 8));
}

static void limbs_to_be(u8 *be, unsigned int len, const u64 *l)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		be[len - 1 - i] = l[i / 8] >> (8 * (i % 8));
}

/*
 * The Montgomery constants of the odd modulus @mod (@len big-endian
 * bytes, at most CLD_MONT_LIMBS_MAX limbs). Return: the context, freed
 * with cld_mont_free(); ERR_PTR(-EINVAL) for an even or too long modulus,
 * or -ENOMEM.
 */
struct cld_mont *cld_mont_new(const u8 *mod, unsigned int len)
{
	u64 t[CLD_MONT_LIMBS_MAX], carry, inv;
	struct cld_mont *m;
	unsigned int i, j;

	if (!len || len > CLD_MONT_LIMBS_MAX * 8 || !(mod[len - 1] & 1))
		return ERR_PTR(-EINVAL);
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return ERR_PTR(-ENOMEM);
	m->n = DIV_ROUND_UP(len, 8);
	m->len = len;
	be_to_limbs(m->m, m->n, mod, len);

	/* Newton's iteration: each step doubles the bits of m^-1 mod 2^64. */
	inv = m->m[0];
	for (i = 0; i < 5; i++)
		inv *= 2 - m->m[0] * inv;
	m->n0 = 0 - inv;

	/* R^2 mod m: 1 doubled 128 @n times, reduced after each. */
	memset(m->rr, 0, sizeof(m->rr));
	m->rr[0] = 1;
	for (i = 0; i < 128 * m->n; i++) {
		carry = 0;
		for (j = 0; j < m->n; j++) {
			t[j] = (m->rr[j] << 1) | carry;
			carry = m->rr[j] >> 63;
		}
		reduce_once(m, m->rr, t, carry);
	}
	memzero_explicit(t, sizeof(t));
	return m;
}

void cld_mont_free(struct cld_mont *m)
{
	kfree_sensitive(m);
}

/*
 * @out = @base ^ @exp mod m, @out and @base m's length in big-endian
 * bytes (@base below m), @exp @exp_len big-endian bytes. Return: 0 or
 * -ENOMEM.
 */
int cld_mont_powm(const struct cld_mont *m, u8 *out, const u8 *base,
		  const u8 *exp, unsigned int exp_len)
{
	unsigned int n = m->n, i, k, j, nib;
	u64 *w, *table, *acc, *sel, *q, *one;
	size_t words = (TABLE + 4) * n;

	w = kmalloc_array(words, sizeof(*w), GFP_KERNEL);
	if (!w)
		return -ENOMEM;
	table = w;
	acc = table + TABLE * n;
	sel = acc + n;
	one = sel + n;
	q = one + n;

	memset(one, 0, n * sizeof(*one));
	one[0] = 1;
	be_to_limbs(sel, n, base, m->len);
	mont_mul(m, table, one, m->rr, q);		/* R mod m: 1 */
	mont_mul(m, table + n, sel, m->rr, q);		/* base * R */
	for (k = 2; k < TABLE; k++)
		mont_mul(m, table + k * n, table + (k - 1) * n, table + n, q);

	memcpy(acc, table, n * sizeof(*acc));
	for (i = 0; i < 2 * exp_len; i++) {
		nib = i & 1 ? exp[i / 2] & 0xf : exp[i / 2] >> 4;
		for (k = 0; k < WINDOW; k++)
			mont_sqr(m, acc, acc, q);
		memset(sel, 0, n * sizeof(*sel));
		for (k = 0; k < TABLE; k++) {
			u64 mask = cld_ct_eq(k, nib);

			for (j = 0; j < n; j++)
				sel[j] |= table[k * n + j] & mask;
		}
		mont_mul(m, acc, acc, sel, q);
	}
	mont_mul(m, acc, acc, one, q);			/* out of the form */
	limbs_to_be(out, m->len, acc);
	kfree_sensitive(w);
	return 0;
}
