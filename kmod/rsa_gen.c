// SPDX-License-Identifier: GPL-2.0
/*
 * RSA key pairs for CLONEDEV_IOCTL_OBJECT_GENERATE with CLONEDEV_KEY_RSA:
 * two probable primes as FIPS 186-4 B.3.3 makes them (random, the top
 * two bits set, trial division by the small primes, then Miller-Rabin
 * with random bases, Table C.2's round counts), e = 65537, and the
 * private values of a PKCS#1 RSAPrivateKey. The key then passes the
 * checks of an imported key (keys.c), so a generated key and an
 * imported one are the same record.
 *
 * Debian 6.12's lib/mpi exports little (no division, no inverse, no
 * gcd), so what needs more is done here in small integers: gcd(e, p-1)
 * is p mod e, d = (k * phi + 1) / e with k = -phi^-1 mod e, and the
 * exact division by e is a long division over the big-endian bytes.
 */
#include <crypto/internal/rsa.h>
#include <linux/bitmap.h>
#include <linux/math64.h>
#include <linux/mpi.h>
#include <linux/random.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <linux/clonedev.h>

#include "keys.h"
#include "object.h"
#include "rsa.h"
#include "rsa_gen.h"

#define RSA_E		65537U
#define SIEVE_MAX	4096	/* trial division by the odd primes below */

/*
 * Miller-Rabin rounds for an error below 2^-112 (nlen 2048) or 2^-128
 * (3072) with random bases (FIPS 186-4 Table C.2), and FIPS 186-5 Table
 * B.1's count for 4096 (2^-144).
 */
static unsigned int mr_rounds(unsigned int nlen)
{
	return nlen == 2048 ? 5 : 4;
}

/* The state of one generation: its sizes, small primes and constants. */
struct rsa_gen {
	unsigned int nlen;		/* bits of the modulus */
	unsigned int plen;		/* bytes of each prime */
	u16 *primes;			/* the odd primes below SIEVE_MAX */
	unsigned int nprimes;
	u8 *buf;			/* plen bytes: a candidate or a base */
	MPI one;
};

/* The odd primes below SIEVE_MAX, by a sieve of Eratosthenes. */
static int small_primes(struct rsa_gen *g)
{
	unsigned long *composite;
	unsigned int i, j;

	composite = bitmap_zalloc(SIEVE_MAX, GFP_KERNEL);
	g->primes = kmalloc_array(SIEVE_MAX / 2, sizeof(u16), GFP_KERNEL);
	if (!composite || !g->primes) {
		bitmap_free(composite);
		return -ENOMEM;
	}
	g->nprimes = 0;
	for (i = 3; i < SIEVE_MAX; i += 2) {
		if (test_bit(i, composite))
			continue;
		g->primes[g->nprimes++] = i;
		for (j = i * i; j < SIEVE_MAX; j += 2 * i)
			__set_bit(j, composite);
	}
	bitmap_free(composite);
	return 0;
}

/* @v (@len big-endian bytes, a multiple of 4) mod @m, for @m < 2^32. */
static u32 mod_small(const u8 *v, unsigned int len, u32 m)
{
	u32 rem = 0, word;
	unsigned int i;

	for (i = 0; i < len; i += 4) {
		word = (u32)v[i] << 24 | (u32)v[i + 1] << 16 |
		       (u32)v[i + 2] << 8 | v[i + 3];
		div_u64_rem((u64)rem << 32 | word, m, &rem);
	}
	return rem;
}

/* True if a prime below SIEVE_MAX divides the candidate @w. */
static bool small_factor(const struct rsa_gen *g, const u8 *w)
{
	unsigned int i;

	for (i = 0; i < g->nprimes; i++)
		if (!mod_small(w, g->plen, g->primes[i]))
			return true;
	return false;
}

/* @x^@y mod @m in small integers. */
static u32 powm_small(u32 x, u32 y, u32 m)
{
	u64 r = 1, b = x % m;

	for (; y; y >>= 1) {
		if (y & 1)
			r = r * b % m;
		b = b * b % m;
	}
	return r;
}

/* A random base b for Miller-Rabin, 1 < b < @wm1 (= w - 1). */
static MPI mr_base(struct rsa_gen *g, MPI wm1)
{
	MPI b;

	for (;;) {
		get_random_bytes(g->buf, g->plen);
		b = mpi_read_raw_data(g->buf, g->plen);
		if (!b || (mpi_cmp_ui(b, 1) > 0 && mpi_cmp(b, wm1) < 0))
			return b;
		mpi_free(b);
	}
}

/*
 * Miller-Rabin (FIPS 186-4 C.3.1) of the odd @w with @rounds random
 * bases. Return: 1 probably prime, 0 composite, or a negative errno.
 */
static int miller_rabin(struct rsa_gen *g, MPI w, unsigned int rounds)
{
	MPI wm1 = mpi_alloc(0), m = mpi_alloc(0), z = mpi_alloc(0);
	MPI t = mpi_alloc(0), b = NULL;
	unsigned int a, i, j;
	int ret = -ENOMEM;

	if (!wm1 || !m || !z || !t)
		goto out;
	mpi_sub_ui(wm1, w, 1);
	for (a = 1; !mpi_test_bit(wm1, a); a++)
		;
	mpi_rshift(m, wm1, a);
	for (i = 0; i < rounds; i++) {
		b = mr_base(g, wm1);
		if (!b)
			goto out;
		ret = mpi_powm(z, b, m, w);
		mpi_free(b);
		if (ret)
			goto out;
		if (!mpi_cmp_ui(z, 1) || !mpi_cmp(z, wm1))
			continue;
		for (j = 1; j < a; j++) {
			mpi_mulm(t, z, z, w);
			swap(t, z);
			if (!mpi_cmp(z, wm1) || !mpi_cmp_ui(z, 1))
				break;
		}
		if (j == a || mpi_cmp(z, wm1)) {
			ret = 0;
			goto out;
		}
	}
	ret = 1;
out:
	mpi_free(wm1);
	mpi_free(m);
	mpi_free(z);
	mpi_free(t);
	return ret;
}

/*
 * True if |@p - @q| > 2^(nlen/2 - 100) (FIPS 186-4 B.3.3 5.4): checked
 * as at least nlen/2 - 98 bits, slightly more than asked.
 */
static bool far_apart(const struct rsa_gen *g, MPI p, MPI q)
{
	MPI d = mpi_alloc(0);
	bool ok;

	if (!d)
		return false;
	if (mpi_cmp(p, q) > 0)
		mpi_sub(d, p, q);
	else
		mpi_sub(d, q, p);
	ok = mpi_get_nbits(d) >= g->nlen / 2 - 98;
	mpi_free(d);
	return ok;
}

/*
 * A probable prime of nlen/2 bits, the top two bits set (so p >=
 * sqrt(2) * 2^(nlen/2 - 1)), p - 1 prime to e, and far from @other (the
 * first prime, or NULL). Return: 0 and *@out; -EAGAIN after 5 * nlen/2
 * candidates (FIPS 186-4 B.3.3 4.7); -EINTR on a fatal signal.
 */
static int gen_prime(struct rsa_gen *g, MPI other, MPI *out)
{
	unsigned int i;
	MPI w;
	int ret;

	for (i = 0; i < 5 * g->nlen / 2; i++) {
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
		get_random_bytes(g->buf, g->plen);
		g->buf[0] |= 0xc0;
		g->buf[g->plen - 1] |= 1;
		if (small_factor(g, g->buf) ||
		    mod_small(g->buf, g->plen, RSA_E) == 1)
			continue;
		w = mpi_read_raw_data(g->buf, g->plen);
		if (!w)
			return -ENOMEM;
		if (other && !far_apart(g, w, other)) {
			mpi_free(w);
			continue;
		}
		ret = miller_rabin(g, w, mr_rounds(g->nlen));
		if (ret == 1) {
			*out = w;
			return 0;
		}
		mpi_free(w);
		if (ret < 0)
			return ret;
	}
	return -EAGAIN;
}

/*
 * d = e^-1 mod phi into @d (@len bytes, the modulus's), from @phi's
 * bytes (@len): k = -phi^-1 mod e (e is prime, so by Fermat), then
 * d = (k * phi + 1) / e, which divides exactly. Return: 0, or -EIO if
 * it does not (which would be a bug).
 */
static int private_exponent(const u8 *phi, u8 *d, unsigned int len)
{
	u32 k, r, carry, rem = 0;
	unsigned int i;
	u64 x, high = 0;
	u8 *t;

	t = kmalloc(len + 3, GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	r = mod_small(phi, len, RSA_E);
	k = RSA_E - powm_small(r, RSA_E - 2, RSA_E);
	/* t = k * phi + 1, big-endian over len + 3 bytes (k < 2^17) */
	carry = 1;
	for (i = len; i--; ) {
		x = (u64)phi[i] * k + carry;
		t[i + 3] = x;
		carry = x >> 8;
	}
	t[2] = carry;
	t[1] = carry >> 8;
	t[0] = carry >> 16;
	/* d = t / e, below phi: the quotient's top three bytes are zero. */
	for (i = 0; i < len + 3; i++) {
		x = div_u64_rem((u64)rem << 8 | t[i], RSA_E, &rem);
		if (i >= 3)
			d[i - 3] = x;
		else
			high |= x;
	}
	kfree_sensitive(t);
	memzero_explicit(&k, sizeof(k));
	memzero_explicit(&r, sizeof(r));
	memzero_explicit(&x, sizeof(x));
	memzero_explicit(&carry, sizeof(carry));
	return rem || high ? -EIO : 0;
}

/* The integers of an RSAPrivateKey, in its order, as big-endian bytes. */
enum { I_VER, I_N, I_E, I_D, I_P, I_Q, I_DP, I_DQ, I_QINV, I_COUNT };

struct rsa_ints {
	u8 *v[I_COUNT];
	unsigned int len[I_COUNT];
};

static void ints_wipe(struct rsa_ints *in)
{
	int i;

	for (i = 0; i < I_COUNT; i++)
		kfree_sensitive(in->v[i]);
	memset(in, 0, sizeof(*in));
}

/* @a's bytes (no leading zeros) as integer @i of @in. */
static int ints_set(struct rsa_ints *in, int i, MPI a)
{
	in->v[i] = mpi_get_buffer(a, &in->len[i], NULL);
	return in->v[i] ? 0 : -ENOMEM;
}

/* The DER of the RSAPrivateKey (RFC 8017 A.1.2) of @in. */
static int ints_der(const struct rsa_ints *in, u8 **der, u32 *len)
{
	size_t body = 0, at;
	int i;
	u8 *out;

	for (i = 0; i < I_COUNT; i++)
		body += cld_der_int_size(in->v[i], in->len[i]);
	*len = cld_der_seq_size(body);
	out = kmalloc(*len, GFP_KERNEL);
	if (!out)
		return -ENOMEM;
	at = cld_der_seq_put(out, body);
	for (i = 0; i < I_COUNT; i++)
		at += cld_der_int_put(out + at, in->v[i], in->len[i]);
	*der = out;
	return 0;
}

/*
 * The private values from the primes @p and @q into @in: n, e, d (which
 * must exceed 2^(nlen/2), FIPS 186-4 B.3.1), d mod (p-1), d mod (q-1)
 * and q^-1 mod p (Fermat: q^(p-2)). Return: 0; -EAGAIN if d is too
 * small (the primes are then drawn again).
 */
static int private_values(struct rsa_gen *g, MPI p, MPI q,
			  struct rsa_ints *in)
{
	MPI pm1 = mpi_alloc(0), qm1 = mpi_alloc(0), n = mpi_alloc(0);
	MPI phi = mpi_alloc(0), d = NULL, dp = mpi_alloc(0);
	MPI dq = mpi_alloc(0), qinv = mpi_alloc(0), pm2 = mpi_alloc(0);
	unsigned int k = g->nlen / 8;
	static const u8 zero, e[3] = {
		(RSA_E >> 16) & 0xff, (RSA_E >> 8) & 0xff, RSA_E & 0xff,
	};
	u8 *phib = NULL, *db = NULL;
	int ret = -ENOMEM;

	if (!pm1 || !qm1 || !n || !phi || !dp || !dq || !qinv || !pm2)
		goto out;
	phib = kmalloc(k, GFP_KERNEL);
	db = kmalloc(k, GFP_KERNEL);
	if (!phib || !db)
		goto out;
	mpi_sub_ui(pm1, p, 1);
	mpi_sub_ui(qm1, q, 1);
	mpi_mul(n, p, q);
	mpi_mul(phi, pm1, qm1);
	ret = cld_rsa_mpi_to_be(phi, phib, k) ?: private_exponent(phib, db, k);
	if (ret)
		goto out;
	d = mpi_read_raw_data(db, k);
	if (!d) {
		ret = -ENOMEM;
		goto out;
	}
	if (mpi_get_nbits(d) <= g->nlen / 2) {
		ret = -EAGAIN;
		goto out;
	}
	mpi_mulm(dp, d, g->one, pm1);
	mpi_mulm(dq, d, g->one, qm1);
	mpi_sub_ui(pm2, p, 2);
	ret = mpi_powm(qinv, q, pm2, p);
	if (ret)
		goto out;
	in->v[I_VER] = kmemdup(&zero, 1, GFP_KERNEL);
	in->len[I_VER] = 1;
	in->v[I_E] = kmemdup(e, sizeof(e), GFP_KERNEL);
	in->len[I_E] = sizeof(e);
	ret = !in->v[I_VER] || !in->v[I_E] ? -ENOMEM :
	      ints_set(in, I_N, n) ?: ints_set(in, I_D, d) ?:
	      ints_set(in, I_P, p) ?: ints_set(in, I_Q, q) ?:
	      ints_set(in, I_DP, dp) ?: ints_set(in, I_DQ, dq) ?:
	      ints_set(in, I_QINV, qinv);
out:
	kfree_sensitive(phib);
	kfree_sensitive(db);
	mpi_free(pm1);
	mpi_free(qm1);
	mpi_free(n);
	mpi_free(phi);
	mpi_free(d);
	mpi_free(dp);
	mpi_free(dq);
	mpi_free(qinv);
	mpi_free(pm2);
	return ret;
}

/* One attempt: two primes and the key's DER into *@der. */
static int gen_key(struct rsa_gen *g, u8 **der, u32 *len)
{
	struct rsa_ints in = {};
	MPI p = NULL, q = NULL;
	int ret;

	ret = gen_prime(g, NULL, &p) ?: gen_prime(g, p, &q);
	if (!ret && mpi_cmp(p, q) < 0)
		swap(p, q);	/* p > q, as most implementations have it */
	if (!ret)
		ret = private_values(g, p, q, &in);
	if (!ret)
		ret = ints_der(&in, der, len);
	ints_wipe(&in);
	mpi_free(p);
	mpi_free(q);
	return ret;
}

/*
 * A new RSA key pair of @bits (2048, 3072 or 4096): @priv gets the
 * PKCS#1 RSAPrivateKey DER, checked as an import is (cld_key_check_rsa:
 * it must parse and decrypt what its public half encrypts), @pub the
 * RSAPublicKey DER; both get the size and the modulus's check value.
 * Return: 0; -EAGAIN if the prime search gave up (FIPS 186-4 allows it,
 * about once in two million keys); -EINTR on a fatal signal; -EIO if the
 * key fails its check.
 */
int cld_rsa_generate(struct cld_keytfm *t, unsigned int bits,
		     struct cld_object *priv, struct cld_object *pub)
{
	struct rsa_gen g = { .nlen = bits, .plen = bits / 16 };
	static const u8 one = 1;
	struct rsa_key raw = {};
	int ret, tries;

	g.buf = kmalloc(g.plen, GFP_KERNEL);
	g.one = mpi_read_raw_data(&one, 1);
	ret = g.buf && g.one ? small_primes(&g) : -ENOMEM;
	for (tries = 0; !ret && tries < 4; tries++) {
		ret = gen_key(&g, &priv->value, &priv->value_len);
		if (ret != -EAGAIN)
			break;
	}
	if (ret)
		goto out;
	ret = cld_key_check_rsa(t, priv);
	if (ret) {
		ret = ret == -ENOMEM ? ret : -EIO;
		goto out;
	}
	if (priv->bits != bits || rsa_parse_priv_key(&raw, priv->value,
						     priv->value_len)) {
		ret = -EIO;
		goto out;
	}
	ret = cld_rsa_public_der(raw.n, raw.n_sz, raw.e, raw.e_sz,
				 &pub->value, &pub->value_len) ?:
	      cld_key_check_rsa_public(t, pub);
	if (!ret && (pub->bits != bits ||
		     memcmp(pub->kcv, priv->kcv, sizeof(pub->kcv))))
		ret = -EIO;
out:
	kfree_sensitive(g.buf);
	kfree(g.primes);
	mpi_free(g.one);
	return ret;
}
