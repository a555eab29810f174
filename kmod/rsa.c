// SPDX-License-Identifier: GPL-2.0
/*
 * RSA for CLONEDEV_MECH_RSA_PKCS, _RSA_PSS and _RSA_OAEP (RFC 8017): the
 * EMSA-PKCS1-v1_5, EMSA-PSS and EME-OAEP encodings with MGF1 over the
 * mechanism's hash, around the "rsa" akcipher's private operation
 * (decrypt) and public operation (encrypt). Every check of a decoded
 * message ends in one -EBADMSG, whatever part was wrong.
 */
#include <crypto/akcipher.h>
#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <crypto/internal/rsa.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <linux/clonedev.h>

#include "keys.h"
#include "mont.h"
#include "rsa.h"

#define HASH_MAX	64

/* DER of DigestInfo up to the digest (RFC 8017 9.2, note 1). */
static const u8 di_sha256[] = {
	0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
	0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
};

static const u8 di_sha384[] = {
	0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
	0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30,
};

static const u8 di_sha512[] = {
	0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
	0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40,
};

/* @a as @k big-endian bytes at @buf (it fits). */
int cld_rsa_mpi_to_be(MPI a, u8 *buf, unsigned int k)
{
	unsigned int len;
	int ret;

	ret = mpi_read_buffer(a, buf, k, &len, NULL);
	if (ret)
		return ret;
	memmove(buf + k - len, buf, len);
	memset(buf, 0, k - len);
	return 0;
}

/* @w = @u * @v mod @m, and nothing left of the old @w. */
static int mulm(MPI *w, MPI u, MPI v, MPI m)
{
	MPI t = mpi_alloc(0);

	if (!t)
		return -ENOMEM;
	mpi_mulm(t, u, v, m);
	mpi_free(*w);
	*w = t;
	return 0;
}

/* @x^-1 mod @m for a prime @m (Fermat), in @inv. */
static int inv_prime(MPI inv, MPI x, MPI m)
{
	MPI m2 = mpi_alloc(0);
	int ret;

	if (!m2)
		return -ENOMEM;
	ret = mpi_sub_ui(m2, m, 2) ?: mpi_powm(inv, x, m2, m);
	mpi_free(m2);
	return ret;
}

/*
 * A new blinding pair: r from the crypto RNG, below n; r^-1 mod n by
 * CRT from r^(p-2) mod p and r^(q-2) mod q. Return: 0, or -EIO if r * r^-1
 * is not 1 mod n (which also catches an allocation that failed inside
 * the MPI library, whose calls on 6.1 return nothing).
 */
static int blind_new(struct cld_rsa_key *key)
{
	MPI r = NULL, ip = mpi_alloc(0), iq = mpi_alloc(0), h = mpi_alloc(0);
	MPI a = mpi_alloc(0), b = mpi_alloc(0), c = mpi_alloc(0);
	u8 *buf;
	int ret = -ENOMEM;

	buf = kmalloc(key->k, GFP_KERNEL);
	if (!buf || !ip || !iq || !h || !a || !b || !c)
		goto out;
	get_random_bytes(buf, key->k - 1);
	r = mpi_read_raw_data(buf, key->k - 1);
	if (!r)
		goto out;
	ret = inv_prime(ip, r, key->p) ?: inv_prime(iq, r, key->q);
	if (ret)
		goto out;
	/* r^-1 = iq + q * ((ip - iq) * qinv mod p) */
	mpi_subm(c, ip, iq, key->p);
	mpi_mulm(h, c, key->qinv, key->p);
	mpi_mul(c, h, key->q);
	mpi_add(b, c, iq);
	ret = mpi_powm(a, r, key->e, key->n);
	if (ret)
		goto out;
	mpi_mulm(c, r, b, key->n);
	if (mpi_cmp_ui(c, 1)) {
		ret = -EIO;
		goto out;
	}
	swap(key->blind, a);
	swap(key->unblind, b);
out:
	kfree_sensitive(buf);
	mpi_free(r);
	mpi_free(ip);
	mpi_free(iq);
	mpi_free(h);
	mpi_free(a);
	mpi_free(b);
	mpi_free(c);
	return ret;
}

/*
 * What both halves load: n and e from @raw, and the akcipher keyed with
 * the DER @der (private or public). The caller frees @key on failure.
 */
static int key_load(struct cld_rsa_key *key, const struct rsa_key *raw,
		    const u8 *der, unsigned int len, bool priv)
{
	int ret;

	key->n = mpi_read_raw_data(raw->n, raw->n_sz);
	key->e = mpi_read_raw_data(raw->e, raw->e_sz);
	if (!key->n || !key->e)
		return -ENOMEM;
	key->bits = mpi_get_nbits(key->n);
	key->tfm = crypto_alloc_akcipher("rsa", 0, 0);
	if (IS_ERR(key->tfm)) {
		ret = PTR_ERR(key->tfm);
		key->tfm = NULL;
		return ret;
	}
	ret = priv ? crypto_akcipher_set_priv_key(key->tfm, der, len) :
		     crypto_akcipher_set_pub_key(key->tfm, der, len);
	if (ret)
		return ret;
	key->k = crypto_akcipher_maxsize(key->tfm);
	return 0;
}

/* *@out: the Montgomery context of the prime @p. */
static int mont_new(struct cld_mont **out, MPI p)
{
	unsigned int len = DIV_ROUND_UP(mpi_get_nbits(p), 8);
	struct cld_mont *m;
	u8 *buf = kmalloc(len, GFP_KERNEL);
	int ret;

	if (!buf)
		return -ENOMEM;
	ret = cld_rsa_mpi_to_be(p, buf, len);
	m = ret ? ERR_PTR(ret) : cld_mont_new(buf, len);
	kfree_sensitive(buf);
	if (IS_ERR(m))
		return PTR_ERR(m);
	*out = m;
	return 0;
}

int cld_rsa_key_set(struct cld_rsa_key *key, const u8 *der, unsigned int len)
{
	struct rsa_key raw = {};
	int ret;

	ret = rsa_parse_priv_key(&raw, der, len);
	if (ret)
		return -EINVAL;
	key->p = mpi_read_raw_data(raw.p, raw.p_sz);
	key->q = mpi_read_raw_data(raw.q, raw.q_sz);
	key->dp = mpi_read_raw_data(raw.dp, raw.dp_sz);
	key->dq = mpi_read_raw_data(raw.dq, raw.dq_sz);
	key->qinv = mpi_read_raw_data(raw.qinv, raw.qinv_sz);
	ret = key->p && key->q && key->dp && key->dq && key->qinv ? 0 : -ENOMEM;
	ret = ret ?: mont_new(&key->mp, key->p) ?: mont_new(&key->mq, key->q);
	ret = ret ?: key_load(key, &raw, der, len, true) ?: blind_new(key);
	if (ret)
		cld_rsa_key_free(key);
	return ret;
}

/*
 * An RSA public key (PKCS#1 RSAPublicKey DER): verification only, so no
 * p, q, qinv nor blinding pair.
 */
int cld_rsa_key_set_public(struct cld_rsa_key *key, const u8 *der,
			   unsigned int len)
{
	struct rsa_key raw = {};
	int ret;

	ret = rsa_parse_pub_key(&raw, der, len);
	if (ret)
		return -EINVAL;
	ret = key_load(key, &raw, der, len, false);
	if (ret)
		cld_rsa_key_free(key);
	return ret;
}

void cld_rsa_key_free(struct cld_rsa_key *key)
{
	if (key->tfm)
		crypto_free_akcipher(key->tfm);
	key->tfm = NULL;
	mpi_free(key->n);
	mpi_free(key->e);
	mpi_free(key->p);
	mpi_free(key->q);
	mpi_free(key->dp);
	mpi_free(key->dq);
	mpi_free(key->qinv);
	mpi_free(key->blind);
	mpi_free(key->unblind);
	cld_mont_free(key->mp);
	cld_mont_free(key->mq);
	key->mp = NULL;
	key->mq = NULL;
	key->n = NULL;
	key->e = NULL;
	key->p = NULL;
	key->q = NULL;
	key->dp = NULL;
	key->dq = NULL;
	key->qinv = NULL;
	key->blind = NULL;
	key->unblind = NULL;
}

/*
 * @out = @in ^ e mod n, both key->k bytes of kmalloc()ed memory.
 * Return: 0; -EBADMSG if @in is not below the modulus.
 */
static int rsa_public(struct cld_rsa_key *key, u8 *in, u8 *out)
{
	struct akcipher_request *req;
	struct scatterlist src, dst;
	DECLARE_CRYPTO_WAIT(wait);
	int ret;

	req = akcipher_request_alloc(key->tfm, GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	sg_init_one(&src, in, key->k);
	sg_init_one(&dst, out, key->k);
	akcipher_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP,
				      crypto_req_done, &wait);
	akcipher_request_set_crypt(req, &src, &dst, key->k, key->k);
	ret = crypto_wait_req(crypto_akcipher_encrypt(req), &wait);
	akcipher_request_free(req);
	return ret == -EINVAL ? -EBADMSG : ret;
}

/*
 * @e = @d + r * (@m - 1) for a random 64-bit r: the same exponent mod
 * @m - 1, so x^@e = x^@d mod the prime @m, but different bits each call.
 */
static int exp_blind(MPI e, MPI d, MPI m)
{
	MPI r, t = mpi_alloc(0), u = mpi_alloc(0);
	u64 rnd;
	int ret = -ENOMEM;

	get_random_bytes(&rnd, sizeof(rnd));
	r = mpi_read_raw_data(&rnd, sizeof(rnd));
	memzero_explicit(&rnd, sizeof(rnd));
	if (!r || !t || !u)
		goto out;
	ret = mpi_sub_ui(t, m, 1);
	if (ret)
		goto out;
	mpi_mul(u, t, r);
	mpi_add(e, u, d);
out:
	mpi_free(r);
	mpi_free(t);
	mpi_free(u);
	return ret;
}

/*
 * *@r = (@x mod @p)^@e mod @p, by Montgomery's exponentiation on @m (made
 * from @p) in time that depends on the sizes only (mont.c); @e is below
 * @p * 2^64 (exp_blind()).
 */
static int half_powm(const struct cld_mont *m, MPI p, MPI *r, MPI x, MPI e)
{
	unsigned int len = DIV_ROUND_UP(mpi_get_nbits(p), 8);
	unsigned int elen = len + sizeof(u64);
	static const u8 one_be = 1;
	MPI xm = mpi_alloc(0), one = mpi_read_raw_data(&one_be, 1);
	u8 *buf = kmalloc(2 * len + elen, GFP_KERNEL);
	int ret = -ENOMEM;

	if (!buf || !xm || !one)
		goto out;
	mpi_mulm(xm, x, one, p);	/* x mod p: lib/mpi exports no mpi_mod */
	ret = cld_rsa_mpi_to_be(xm, buf, len) ?:
	      cld_rsa_mpi_to_be(e, buf + len, elen) ?:
	      cld_mont_powm(m, buf + len + elen, buf, buf + len, elen);
	if (ret)
		goto out;
	mpi_free(*r);
	*r = mpi_read_raw_data(buf + len + elen, len);
	if (!*r)
		ret = -ENOMEM;
out:
	kfree_sensitive(buf);
	mpi_free(xm);
	mpi_free(one);
	return ret;
}

/*
 * *@out = @x^d mod n by the CRT (RFC 8017 5.1.2): m1 = x^dP mod p,
 * m2 = x^dQ mod q, h = (m1 - m2) * qInv mod p, x^d = m2 + q * h; two
 * exponentiations of half the size, with exponents blinded per call
 * (exp_blind()). The MPI library gives 6.1's callers no error from its
 * arithmetic: a failure there shows as a wrong result, which the caller's
 * check with the public exponent refuses.
 */
static int crt_private(struct cld_rsa_key *key, MPI x, MPI *out)
{
	MPI m1 = mpi_alloc(0), m2 = mpi_alloc(0), h = mpi_alloc(0);
	MPI e = mpi_alloc(0), s = mpi_alloc(0);
	int ret = -ENOMEM;

	if (!m1 || !m2 || !h || !e || !s)
		goto out;
	ret = exp_blind(e, key->dp, key->p) ?:
	      half_powm(key->mp, key->p, &m1, x, e) ?:
	      exp_blind(e, key->dq, key->q) ?:
	      half_powm(key->mq, key->q, &m2, x, e);
	if (ret)
		goto out;
	mpi_subm(h, m1, m2, key->p);
	mpi_mulm(m1, h, key->qinv, key->p);
	mpi_mul(h, m1, key->q);
	mpi_add(s, h, m2);
	swap(*out, s);
out:
	mpi_free(m1);
	mpi_free(m2);
	mpi_free(h);
	mpi_free(e);
	mpi_free(s);
	return ret;
}

/*
 * The private operation, blinded: @out = ((@in * r^e)^d * r^-1) mod n,
 * which is @in^d, checked by raising it to e before it is given out.
 * @in and @out as for rsa_public().
 * Return: 0; -EBADMSG if @in is not below the modulus; -EIO if the
 * result fails its check (the blinding pair is then made anew).
 */
static int rsa_private(struct cld_rsa_key *key, u8 *in, u8 *out)
{
	MPI x, s = NULL, c = NULL;
	int ret;

	x = mpi_read_raw_data(in, key->k);
	if (!x)
		return -ENOMEM;
	if (mpi_cmp(x, key->n) >= 0) {
		ret = -EBADMSG;
		goto out;
	}
	ret = mulm(&c, x, key->blind, key->n) ?:
	      crt_private(key, c, &s) ?:
	      mulm(&s, s, key->unblind, key->n);
	if (!ret)
		ret = mpi_powm(c, s, key->e, key->n);
	if (ret)
		goto out;
	if (mpi_cmp(c, x)) {
		ret = blind_new(key) ?: -EIO;
		goto out;
	}
	ret = cld_rsa_mpi_to_be(s, out, key->k) ?:
	      mulm(&key->blind, key->blind, key->blind, key->n) ?:
	      mulm(&key->unblind, key->unblind, key->unblind, key->n);
out:
	mpi_free(x);
	mpi_free(s);
	mpi_free(c);
	return ret;
}

/* @mask ^= MGF1(@seed) over @len bytes (RFC 8017 B.2.1). */
static int mgf1_xor(struct crypto_shash *h, const u8 *seed,
		    unsigned int seed_len, u8 *mask, unsigned int len)
{
	SHASH_DESC_ON_STACK(desc, h);
	unsigned int hlen = crypto_shash_digestsize(h), i, n;
	u8 digest[HASH_MAX];
	__be32 c;
	u32 counter;
	int ret = 0;

	desc->tfm = h;
	for (counter = 0, i = 0; i < len && !ret; counter++, i += n) {
		c = cpu_to_be32(counter);
		ret = crypto_shash_init(desc) ?:
		      crypto_shash_update(desc, seed, seed_len) ?:
		      crypto_shash_update(desc, (u8 *)&c, sizeof(c)) ?:
		      crypto_shash_final(desc, digest);
		n = min(hlen, len - i);
		if (!ret)
			crypto_xor(mask + i, digest, n);
	}
	shash_desc_zero(desc);
	memzero_explicit(digest, sizeof(digest));
	return ret;
}

/* H = Hash(00 x 8 || mHash || salt), the PSS message hash. */
static int pss_hash(struct crypto_shash *h, const u8 *digest,
		    const u8 *salt, unsigned int salt_len, u8 *out)
{
	SHASH_DESC_ON_STACK(desc, h);
	static const u8 zeros[8];
	int ret;

	desc->tfm = h;
	ret = crypto_shash_init(desc) ?:
	      crypto_shash_update(desc, zeros, sizeof(zeros)) ?:
	      crypto_shash_update(desc, digest, crypto_shash_digestsize(h)) ?:
	      crypto_shash_update(desc, salt, salt_len) ?:
	      crypto_shash_final(desc, out);
	shash_desc_zero(desc);
	return ret;
}

/*
 * EMSA-PKCS1-v1_5 step 5 into @em (@k bytes): 00 01 FF..FF 00 @prefix @t,
 * at least 8 bytes of FF.
 */
static int pkcs1_pad(unsigned int k, const u8 *prefix, unsigned int plen,
		     const u8 *t, unsigned int t_len, u8 *em)
{
	unsigned int len = plen + t_len;

	if (k < len + 11)
		return -EINVAL;
	em[0] = 0x00;
	em[1] = 0x01;
	memset(em + 2, 0xff, k - len - 3);
	em[k - len - 1] = 0x00;
	if (plen)
		memcpy(em + k - len, prefix, plen);
	memcpy(em + k - t_len, t, t_len);
	return 0;
}

/* EMSA-PKCS1-v1_5 of @digest into @em (key->k bytes). */
static int pkcs1_encode(unsigned int k, u32 hash, const u8 *digest, u8 *em)
{
	const u8 *di;
	unsigned int di_len, hlen;

	switch (hash) {
	case CLONEDEV_HASH_SHA256:
		di = di_sha256;
		di_len = sizeof(di_sha256);
		hlen = 32;
		break;
	case CLONEDEV_HASH_SHA384:
		di = di_sha384;
		di_len = sizeof(di_sha384);
		hlen = 48;
		break;
	case CLONEDEV_HASH_SHA512:
		di = di_sha512;
		di_len = sizeof(di_sha512);
		hlen = 64;
		break;
	default:
		return -EINVAL;
	}
	return pkcs1_pad(k, di, di_len, digest, hlen, em);
}

/*
 * EMSA-PSS-ENCODE of @digest with a random salt into @em (key->k bytes,
 * a leading zero byte when the modulus's bits are 1 mod 8).
 */
static int pss_encode(struct cld_rsa_key *key, struct crypto_shash *h,
		      const u8 *digest, unsigned int salt_len, u8 *em)
{
	unsigned int hlen = crypto_shash_digestsize(h);
	unsigned int em_bits = key->bits - 1, em_len = DIV_ROUND_UP(em_bits, 8);
	u8 *e = em + key->k - em_len, *db, salt[HASH_MAX];
	unsigned int db_len = em_len - hlen - 1;
	int ret;

	if (salt_len > hlen || em_len < hlen + salt_len + 2)
		return -EINVAL;
	memset(em, 0, key->k);
	get_random_bytes(salt, salt_len);
	db = e;
	ret = pss_hash(h, digest, salt, salt_len, e + db_len);
	if (ret)
		goto out;
	db[db_len - salt_len - 1] = 0x01;
	memcpy(db + db_len - salt_len, salt, salt_len);
	ret = mgf1_xor(h, e + db_len, hlen, db, db_len);
	db[0] &= 0xff >> (8 * em_len - em_bits);
	e[em_len - 1] = 0xbc;
out:
	memzero_explicit(salt, sizeof(salt));
	return ret;
}

/* Checks @em (key->k bytes) as EMSA-PSS of @digest. */
static int pss_check(struct cld_rsa_key *key, struct crypto_shash *h,
		     const u8 *digest, unsigned int salt_len, u8 *em)
{
	unsigned int hlen = crypto_shash_digestsize(h);
	unsigned int em_bits = key->bits - 1, em_len = DIV_ROUND_UP(em_bits, 8);
	unsigned int db_len = em_len - hlen - 1, i;
	u8 *e = em + key->k - em_len, *db = e, h2[HASH_MAX];
	u8 top = 0xff << (8 - (8 * em_len - em_bits)), bad = 0;
	int ret;

	if (salt_len > hlen || em_len < hlen + salt_len + 2)
		return -EINVAL;
	if (key->k > em_len)
		bad |= em[0];
	bad |= e[em_len - 1] ^ 0xbc;
	if (8 * em_len != em_bits)
		bad |= db[0] & top;
	ret = mgf1_xor(h, e + db_len, hlen, db, db_len);
	if (ret)
		return ret;
	db[0] &= 0xff >> (8 * em_len - em_bits);
	for (i = 0; i < db_len - salt_len - 1; i++)
		bad |= db[i];
	bad |= db[db_len - salt_len - 1] ^ 0x01;
	ret = pss_hash(h, digest, db + db_len - salt_len, salt_len, h2);
	if (ret)
		return ret;
	if (bad || crypto_memneq(h2, e + db_len, hlen))
		return -EBADMSG;
	return 0;
}

static unsigned int hash_len(u32 hash)
{
	return hash == CLONEDEV_HASH_SHA256 ? 32 :
	       hash == CLONEDEV_HASH_SHA384 ? 48 :
	       hash == CLONEDEV_HASH_SHA512 ? 64 : 0;
}

/*
 * Signs @digest (of @hash; @h computes the same hash for PSS) into @sig,
 * key->k bytes.
 */
int cld_rsa_sign(struct cld_rsa_key *key, u32 mech, struct crypto_shash *h,
		 u32 hash, const u8 *digest, unsigned int salt_len, u8 *sig)
{
	u8 *em;
	int ret;

	if (!hash_len(hash))
		return -EINVAL;
	em = kmalloc(2 * key->k, GFP_KERNEL);
	if (!em)
		return -ENOMEM;
	if (mech == CLONEDEV_MECH_RSA_PSS)
		ret = pss_encode(key, h, digest, salt_len, em);
	else
		ret = pkcs1_encode(key->k, hash, digest, em);
	if (!ret)
		ret = rsa_private(key, em, em + key->k);
	if (!ret)
		memcpy(sig, em + key->k, key->k);
	kfree_sensitive(em);
	return ret;
}

/* Checks @sig (key->k bytes). Return: 0; -EBADMSG if it does not verify. */
int cld_rsa_verify(struct cld_rsa_key *key, u32 mech, struct crypto_shash *h,
		   u32 hash, const u8 *digest, unsigned int salt_len,
		   const u8 *sig)
{
	u8 *em;
	int ret;

	if (!hash_len(hash))
		return -EINVAL;
	em = kmalloc(3 * key->k, GFP_KERNEL);
	if (!em)
		return -ENOMEM;
	memcpy(em, sig, key->k);
	ret = rsa_public(key, em, em + key->k);
	if (ret)
		goto out;
	if (mech == CLONEDEV_MECH_RSA_PSS) {
		ret = pss_check(key, h, digest, salt_len, em + key->k);
	} else {
		ret = pkcs1_encode(key->k, hash, digest, em + 2 * key->k);
		if (!ret && crypto_memneq(em + key->k, em + 2 * key->k, key->k))
			ret = -EBADMSG;
	}
out:
	kfree(em);
	return ret;
}

/*
 * Signs @t (t_len bytes, at most key->k - 11: a DigestInfo the caller
 * made) PKCS#1 v1.5 type 1 padded, with no DigestInfo of its own, into
 * @sig, key->k bytes. Return: 0; -EINVAL if @t is too long.
 */
int cld_rsa_sign_raw(struct cld_rsa_key *key, const u8 *t, unsigned int t_len,
		     u8 *sig)
{
	u8 *em;
	int ret;

	em = kmalloc(2 * key->k, GFP_KERNEL);
	if (!em)
		return -ENOMEM;
	ret = pkcs1_pad(key->k, NULL, 0, t, t_len, em) ?:
	      rsa_private(key, em, em + key->k);
	if (!ret)
		memcpy(sig, em + key->k, key->k);
	kfree_sensitive(em);
	return ret;
}

/*
 * Checks @sig (key->k bytes) as cld_rsa_sign_raw() of @t. Return: 0;
 * -EBADMSG if it does not verify; -EINVAL if @t is too long.
 */
int cld_rsa_verify_raw(struct cld_rsa_key *key, const u8 *t,
		       unsigned int t_len, const u8 *sig)
{
	u8 *em;
	int ret;

	em = kmalloc(3 * key->k, GFP_KERNEL);
	if (!em)
		return -ENOMEM;
	memcpy(em, sig, key->k);
	ret = pkcs1_pad(key->k, NULL, 0, t, t_len, em + 2 * key->k) ?:
	      rsa_public(key, em, em + key->k);
	if (!ret && crypto_memneq(em + key->k, em + 2 * key->k, key->k))
		ret = -EBADMSG;
	kfree(em);
	return ret;
}

/*
 * RSAES-OAEP decryption with an empty label (RFC 8017 7.1.2) of @in
 * (key->k bytes) into @out (room for key->k bytes).
 */
int cld_rsa_oaep_decrypt(struct cld_rsa_key *key, struct crypto_shash *h,
			 const u8 *in, u8 *out, unsigned int *out_len)
{
	unsigned int hlen = crypto_shash_digestsize(h), k = key->k, i;
	unsigned int db_len = k - hlen - 1, found = 0, msg = 0;
	u8 lhash[HASH_MAX], bad, *em, *seed, *db;
	int ret;

	if (k < 2 * hlen + 2)
		return -EINVAL;
	em = kmalloc(2 * k, GFP_KERNEL);
	if (!em)
		return -ENOMEM;
	memcpy(em, in, k);
	ret = rsa_private(key, em, em + k);
	if (ret)
		goto out;
	seed = em + k + 1;
	db = seed + hlen;
	ret = crypto_shash_tfm_digest(h, NULL, 0, lhash) ?:
	      mgf1_xor(h, db, db_len, seed, hlen) ?:
	      mgf1_xor(h, seed, hlen, db, db_len);
	if (ret)
		goto out;
	bad = em[k] | (crypto_memneq(db, lhash, hlen) != 0);
	/* The first 01 after the zeros, found without branching on data. */
	for (i = hlen; i < db_len; i++) {
		unsigned int one = db[i] == 0x01, zero = db[i] == 0x00;
		unsigned int before = found ^ 1;

		msg |= (before & one) * (i + 1);
		bad |= before & ((one | zero) ^ 1);
		found |= one;
	}
	if (bad || !found) {
		ret = -EBADMSG;
		goto out;
	}
	*out_len = db_len - msg;
	memcpy(out, db + msg, *out_len);
out:
	kfree_sensitive(em);
	return ret;
}
