/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Montgomery multiplication on 64-bit limbs, in constant time, and the
 * modular exponentiation of RSA's private operation: a fixed 4-bit
 * window, with every table entry read on every step, so that its time and
 * memory accesses depend on the sizes only, never on the exponent's bits
 * or the base. The field arithmetic of ecp.c uses the multiplication here
 * inline, with its limb count a constant; the exponentiation (mont.c) has
 * a product-scanning multiplication and squaring of its own.
 */
#ifndef _CLD_MONT_H
#define _CLD_MONT_H

#include <linux/types.h>

/* An odd modulus of up to 4096 bits (RSA-8192's primes) and its constants. */
#define CLD_MONT_LIMBS_MAX	64

/* @t + @a * @b + *@c: the low limb returned, the high one in *@c. */
static inline u64 cld_mac(u64 t, u64 a, u64 b, u64 *c)
{
#if defined(CONFIG_ARCH_SUPPORTS_INT128) && defined(__SIZEOF_INT128__)
	__uint128_t p = (__uint128_t)a * b + t + *c;

	*c = p >> 64;
	return p;
#else
	u64 al = (u32)a, ah = a >> 32, bl = (u32)b, bh = b >> 32;
	u64 ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
	u64 mid = (ll >> 32) + (u32)lh + (u32)hl;
	u64 lo = (mid << 32) | (u32)ll;
	u64 hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);

	lo += t;
	hi += lo < t;
	lo += *c;
	hi += lo < *c;
	*c = hi;
	return lo;
#endif
}

/* @r = @a + @b over @n limbs; returns the carry out. */
static inline u64 cld_limbs_add(u64 *r, const u64 *a, const u64 *b,
				unsigned int n)
{
	u64 carry = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		u64 s = a[i] + carry;

		carry = s < carry;
		s += b[i];
		carry |= s < b[i];
		r[i] = s;
	}
	return carry;
}

/* All ones if @a == @b, else 0, without a branch. */
static inline u64 cld_ct_eq(u64 a, u64 b)
{
	u64 x = a ^ b;

	return ((x | (0 - x)) >> 63) - 1;
}

/*
 * @r = @t (@n limbs and the carry limb @top, below 2m) reduced once by
 * the modulus @m: t - m when t >= m, else t, both computed and one kept
 * by a mask. @r may be @t.
 */
static __always_inline void cld_mont_sub_once(u64 *r, const u64 *t, u64 top,
					      const u64 *m, unsigned int n)
{
	u64 borrow = 0, mask, b;
	unsigned int j;

	for (j = 0; j < n; j++)
		borrow = (t[j] < m[j]) | ((t[j] - m[j]) < borrow);
	/* Subtract m if t had a carry out, or if t - m did not borrow. */
	mask = 0 - ((top | (borrow ^ 1)) & 1);
	borrow = 0;
	for (j = 0; j < n; j++) {
		u64 mj = m[j] & mask, v = t[j] - mj;

		b = (t[j] < mj) | (v < borrow);
		r[j] = v - borrow;
		borrow = b;
	}
}

/*
 * @r = @a * @b * 2^(-64 @n) mod @m (CIOS: each limb of @b's product and
 * reduction in one pass), for @a and @b below the odd modulus @m of @n
 * limbs, @n0 = -m^-1 mod 2^64; @t is scratch of @n + 2 limbs, and @r may
 * be @a or @b. Inline, so that a caller with a constant @n gets it
 * unrolled.
 */
static __always_inline void cld_mont_mul_limbs(u64 *r, const u64 *a,
					       const u64 *b, const u64 *m,
					       u64 n0, unsigned int n, u64 *t)
{
	unsigned int i, j;
	u64 c, q, s;

	for (j = 0; j < n + 2; j++)
		t[j] = 0;
	for (i = 0; i < n; i++) {
		c = 0;
		for (j = 0; j < n; j++)
			t[j] = cld_mac(t[j], a[j], b[i], &c);
		s = t[n] + c;
		t[n + 1] = s < c;
		t[n] = s;

		q = t[0] * n0;
		c = 0;
		cld_mac(t[0], q, m[0], &c);
		for (j = 1; j < n; j++)
			t[j - 1] = cld_mac(t[j], q, m[j], &c);
		s = t[n] + c;
		t[n - 1] = s;
		t[n] = t[n + 1] + (s < c);
	}
	cld_mont_sub_once(r, t, t[n], m, n);
}

struct cld_mont;

struct cld_mont *cld_mont_new(const u8 *mod, unsigned int len);
void cld_mont_free(struct cld_mont *m);
int cld_mont_powm(const struct cld_mont *m, u8 *out, const u8 *base,
		  const u8 *exp, unsigned int exp_len);

#endif /* _CLD_MONT_H */
