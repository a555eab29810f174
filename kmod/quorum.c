// SPDX-License-Identifier: GPL-2.0
/*
 * M-of-N quorum secrets: Shamir's secret sharing over GF(2^8) (the AES
 * field, x^8 + x^4 + x^3 + x + 1), byte by byte. A secret is the constant
 * term of a random polynomial of degree M-1; share x is its value at x.
 * Field arithmetic is branch-free and without tables, so its timing does
 * not depend on the secret. A known-answer test runs at module load.
 */
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "quorum.h"

static u8 gf_mul(u8 a, u8 b)
{
	u8 p = 0;
	int i;

	for (i = 0; i < 8; i++) {
		p ^= -(b & 1) & a;
		a = (a << 1) ^ (-(a >> 7) & 0x1b);
		b >>= 1;
	}
	return p;
}

/* a^254 = a^-1 in GF(2^8) (0 for 0). */
static u8 gf_inv(u8 a)
{
	u8 r = a;
	int i;

	/* 254 = 0b11111110: a^3, a^7, ..., a^127, then one more square. */
	for (i = 0; i < 6; i++)
		r = gf_mul(gf_mul(r, r), a);
	return gf_mul(r, r);
}

/* Shares 1..@n of @secret under the polynomial with @coeff (m-1 rows). */
static void split_with(const u8 *secret, const u8 (*coeff)[CLONEDEV_SHARE_LEN],
		       u32 m, u32 n, struct clonedev_share *out)
{
	u32 x, i, k;

	for (x = 1; x <= n; x++) {
		struct clonedev_share *sh = &out[x - 1];

		memset(sh, 0, sizeof(*sh));
		sh->index = x;
		for (i = 0; i < CLONEDEV_SHARE_LEN; i++) {
			u8 y = 0;

			/* Horner, from the highest coefficient down. */
			for (k = m - 1; k >= 1; k--)
				y = gf_mul(y ^ coeff[k - 1][i], x);
			sh->data[i] = y ^ secret[i];
		}
	}
}

/* True if 1 <= M <= N <= CLONEDEV_QUORUM_MAX. */
bool cld_quorum_ok(u32 m, u32 n)
{
	return m >= 1 && m <= n && n <= CLONEDEV_QUORUM_MAX;
}

/* Splits @secret into @n shares of which any @m give it back. */
int cld_quorum_split(const u8 *secret, u32 m, u32 n,
		     struct clonedev_share *out)
{
	u8 (*coeff)[CLONEDEV_SHARE_LEN];

	if (!cld_quorum_ok(m, n))
		return -EINVAL;
	coeff = kmalloc_array(CLONEDEV_QUORUM_MAX, CLONEDEV_SHARE_LEN,
			      GFP_KERNEL);
	if (!coeff)
		return -ENOMEM;
	get_random_bytes(coeff, (m - 1) * CLONEDEV_SHARE_LEN);
	split_with(secret, coeff, m, n, out);
	kfree_sensitive(coeff);
	return 0;
}

/*
 * The secret at x = 0 of the polynomial through @k shares (Lagrange).
 * Fewer than M shares give a value unrelated to the secret.
 * Return: 0, or -EINVAL for no share, a zero or a repeated index.
 */
int cld_quorum_combine(const struct clonedev_share *in, u32 k, u8 *secret)
{
	u32 i, j, b;

	if (!k || k > CLONEDEV_QUORUM_MAX)
		return -EINVAL;
	for (i = 0; i < k; i++) {
		if (!in[i].index)
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (in[i].index == in[j].index)
				return -EINVAL;
	}
	memset(secret, 0, CLONEDEV_SHARE_LEN);
	for (j = 0; j < k; j++) {
		u8 num = 1, den = 1, l;

		/* l_j(0) = prod x_i / (x_i - x_j), i != j; minus is xor. */
		for (i = 0; i < k; i++) {
			if (i == j)
				continue;
			num = gf_mul(num, in[i].index);
			den = gf_mul(den, in[i].index ^ in[j].index);
		}
		l = gf_mul(num, gf_inv(den));
		for (b = 0; b < CLONEDEV_SHARE_LEN; b++)
			secret[b] ^= gf_mul(l, in[j].data[b]);
	}
	return 0;
}

/* Copies @count shares from user space; kfree_sensitive() the result. */
struct clonedev_share *cld_quorum_shares_from_user(u64 uptr, u32 count)
{
	struct clonedev_share *sh;
	u32 i;

	if (!count || count > CLONEDEV_QUORUM_MAX)
		return ERR_PTR(-EINVAL);
	sh = memdup_user(u64_to_user_ptr(uptr), count * sizeof(*sh));
	if (IS_ERR(sh))
		return sh;
	for (i = 0; i < count; i++) {
		if (memchr_inv(sh[i].__reserved, 0, sizeof(sh[i].__reserved))) {
			kfree_sensitive(sh);
			return ERR_PTR(-EINVAL);
		}
	}
	return sh;
}

/*
 * Known answer: secret 01..20, M = 3, coefficients c1[i] = 0x5a + 7i and
 * c2[i] = 0xc3 ^ 13i; shares 1 and 5 as an independent implementation
 * computed them. Then any three shares give the secret and two do not.
 */
static const u8 kat_share1[CLONEDEV_SHARE_LEN] = {
	0x98, 0xad, 0xb2, 0x8f, 0x84, 0xf9, 0x0e, 0x1b,
	0x30, 0x25, 0xea, 0xe7, 0xfc, 0xd1, 0xc6, 0xd3,
	0xc8, 0xdd, 0xe2, 0xff, 0x34, 0x29, 0x3e, 0x0b,
	0xe0, 0x95, 0x9a, 0x97, 0xac, 0x81, 0x76, 0x43,
};

static const u8 kat_share5[CLONEDEV_SHARE_LEN] = {
	0x6f, 0x66, 0x36, 0xea, 0xae, 0xee, 0x20, 0x42,
	0x10, 0xe2, 0x20, 0xe1, 0xf5, 0xc9, 0x11, 0xf2,
	0xe6, 0x4f, 0x09, 0xc3, 0x45, 0x3f, 0xbc, 0xc8,
	0xc1, 0x09, 0x09, 0xc8, 0xca, 0x40, 0xfa, 0xf8,
};

int cld_quorum_selftest(void)
{
	u8 secret[CLONEDEV_SHARE_LEN], coeff[2][CLONEDEV_SHARE_LEN];
	u8 back[CLONEDEV_SHARE_LEN];
	struct clonedev_share *sh, pick[3];
	int i, ret = -EINVAL;

	sh = kcalloc(5, sizeof(*sh), GFP_KERNEL);
	if (!sh)
		return -ENOMEM;
	for (i = 0; i < CLONEDEV_SHARE_LEN; i++) {
		secret[i] = i + 1;
		coeff[0][i] = 0x5a + 7 * i;
		coeff[1][i] = 0xc3 ^ (13 * i);
	}
	split_with(secret, coeff, 3, 5, sh);
	if (memcmp(sh[0].data, kat_share1, sizeof(kat_share1)) ||
	    memcmp(sh[4].data, kat_share5, sizeof(kat_share5)))
		goto out;
	pick[0] = sh[1];
	pick[1] = sh[3];
	pick[2] = sh[4];
	if (cld_quorum_combine(pick, 3, back) ||
	    memcmp(back, secret, sizeof(secret)))
		goto out;
	if (cld_quorum_combine(pick, 2, back) ||
	    !memcmp(back, secret, sizeof(secret)))
		goto out;
	pick[1] = pick[0];
	if (cld_quorum_combine(pick, 3, back) != -EINVAL)
		goto out;
	ret = 0;
out:
	kfree(sh);
	if (ret)
		pr_err("clonedev: Shamir secret sharing known-answer test failed\n");
	return ret;
}
