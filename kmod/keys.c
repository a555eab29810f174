// SPDX-License-Identifier: GPL-2.0
/*
 * Key material. Secret keys come from the kernel's random number
 * generator; EC key pairs from it and the "ecdh-nist-p256/-p384" kpp
 * transforms, which compute the public point; an imported RSA key is
 * parsed and proven by the "rsa" akcipher. Every key gets a check value
 * (uapi/linux/clonedev.h, struct clonedev_object_attrs) so copies can be
 * compared without showing the key.
 */
#include <crypto/akcipher.h>
#include <crypto/ecdh.h>
#include <crypto/hash.h>
#include <crypto/internal/rsa.h>
#include <crypto/kpp.h>
#include <crypto/skcipher.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "ecdsa.h"
#include "keys.h"
#include "object.h"

#define AES_BLOCK	16
#define RSA_MIN_BITS	2048
#define RSA_MAX_BITS	4096

/* The order n of each curve's base point, big-endian (SEC 2, FIPS 186). */
static const u8 p256_order[32] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
	0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
};

static const u8 p384_order[48] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xc7, 0x63, 0x4d, 0x81, 0xf4, 0x37, 0x2d, 0xdf,
	0x58, 0x1a, 0x0d, 0xb2, 0x48, 0xb0, 0xa7, 0x7a,
	0xec, 0xec, 0x19, 0x6a, 0xcc, 0xc5, 0x29, 0x73,
};

struct ec_curve {
	u32 key_type;
	unsigned int len;
	const char *kpp;
	const u8 *order;
};

static const struct ec_curve curves[] = {
	{ CLONEDEV_KEY_EC_P256, 32, "ecdh-nist-p256", p256_order },
	{ CLONEDEV_KEY_EC_P384, 48, "ecdh-nist-p384", p384_order },
};

static const struct ec_curve *curve_of(u32 key_type)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(curves); i++)
		if (curves[i].key_type == key_type)
			return &curves[i];
	return NULL;
}

/* The size of an EC key's scalar and coordinates, 0 if not an EC type. */
unsigned int cld_ec_len(u32 key_type)
{
	const struct ec_curve *c = curve_of(key_type);

	return c ? c->len : 0;
}

int cld_keytfm_alloc(struct cld_keytfm *t)
{
	t->ecb = crypto_alloc_skcipher("ecb(aes)", 0, 0);
	if (IS_ERR(t->ecb))
		return PTR_ERR(t->ecb);
	t->sha = crypto_alloc_shash("sha256", 0, 0);
	if (IS_ERR(t->sha)) {
		crypto_free_skcipher(t->ecb);
		return PTR_ERR(t->sha);
	}
	return 0;
}

void cld_keytfm_free(struct cld_keytfm *t)
{
	crypto_free_shash(t->sha);
	crypto_free_skcipher(t->ecb);
}

/* @kcv = the first bytes of SHA-256(@data). */
static int kcv_sha(struct cld_keytfm *t, const u8 *data, unsigned int len,
		   u8 *kcv)
{
	u8 digest[32];
	int ret;

	ret = crypto_shash_tfm_digest(t->sha, data, len, digest);
	if (!ret)
		memcpy(kcv, digest, CLONEDEV_KCV_LEN);
	memzero_explicit(digest, sizeof(digest));
	return ret;
}

/* An AES key's check value: the first bytes of AES-ECB of a zero block. */
static int kcv_aes(struct cld_keytfm *t, struct cld_object *o)
{
	struct skcipher_request *req;
	DECLARE_CRYPTO_WAIT(wait);
	struct scatterlist sg;
	u8 *block;
	int ret;

	block = kzalloc(AES_BLOCK, GFP_KERNEL);
	req = skcipher_request_alloc(t->ecb, GFP_KERNEL);
	if (!block || !req) {
		ret = -ENOMEM;
		goto out;
	}
	ret = crypto_skcipher_setkey(t->ecb, o->value, o->value_len);
	if (ret)
		goto out;
	sg_init_one(&sg, block, AES_BLOCK);
	skcipher_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP,
				      crypto_req_done, &wait);
	skcipher_request_set_crypt(req, &sg, &sg, AES_BLOCK, NULL);
	ret = crypto_wait_req(crypto_skcipher_encrypt(req), &wait);
	if (!ret)
		memcpy(o->kcv, block, CLONEDEV_KCV_LEN);
out:
	skcipher_request_free(req);
	kfree_sensitive(block);	/* E_K(0): the GCM hash subkey */
	return ret;
}

/*
 * The check value of an AES key or generic secret whose value is set;
 * checks its length too. Return: 0 or -EINVAL for a bad length.
 */
int cld_key_check_secret(struct cld_keytfm *t, struct cld_object *o)
{
	o->bits = o->value_len * 8;
	if (o->key_type == CLONEDEV_KEY_AES) {
		if (o->value_len != 16 && o->value_len != 24 &&
		    o->value_len != 32)
			return -EINVAL;
		return kcv_aes(t, o);
	}
	if (o->key_type != CLONEDEV_KEY_GENERIC_SECRET || !o->value_len ||
	    o->value_len > 512)
		return -EINVAL;
	return kcv_sha(t, o->value, o->value_len, o->kcv);
}

/* A new random secret key of o->key_type and o->bits. */
int cld_key_generate_secret(struct cld_keytfm *t, struct cld_object *o)
{
	o->value_len = o->bits / 8;
	o->value = kmalloc(o->value_len, GFP_KERNEL);
	if (!o->value)
		return -ENOMEM;
	get_random_bytes(o->value, o->value_len);
	return cld_key_check_secret(t, o);
}

/*
 * True if 1 <= d <= n - 1 for the curve's order n (both big-endian), in
 * time that does not depend on the private scalar d: every byte is read,
 * and d < n is the borrow out of d - n.
 */
static bool ec_scalar_ok(const struct ec_curve *c, const u8 *d)
{
	unsigned int i, borrow = 0, any = 0;

	for (i = c->len; i--; ) {
		borrow = ((unsigned int)d[i] - c->order[i] - borrow) >> 31;
		any |= d[i];
	}
	return any && borrow;
}

/*
 * The public point 0x04 || X || Y of the private scalar @d, from the
 * kernel's ECDH implementation (which also checks the point).
 */
static int ec_point(const struct ec_curve *c, const u8 *d, u8 *point)
{
	struct ecdh params = { .key = (char *)d, .key_size = c->len };
	struct kpp_request *req = NULL;
	unsigned int klen = crypto_ecdh_key_len(&params);
	DECLARE_CRYPTO_WAIT(wait);
	struct crypto_kpp *kpp;
	struct scatterlist sg;
	u8 *kbuf, *xy = NULL;
	int ret;

	kpp = crypto_alloc_kpp(c->kpp, 0, 0);
	if (IS_ERR(kpp))
		return PTR_ERR(kpp);
	kbuf = kmalloc(klen, GFP_KERNEL);
	if (!kbuf) {
		ret = -ENOMEM;
		goto out;
	}
	ret = crypto_ecdh_encode_key(kbuf, klen, &params) ?:
	      crypto_kpp_set_secret(kpp, kbuf, klen);
	kfree_sensitive(kbuf);
	if (ret)
		goto out;
	xy = kmalloc(2 * c->len, GFP_KERNEL);
	req = kpp_request_alloc(kpp, GFP_KERNEL);
	if (!xy || !req) {
		ret = -ENOMEM;
		goto out;
	}
	sg_init_one(&sg, xy, 2 * c->len);
	kpp_request_set_input(req, NULL, 0);
	kpp_request_set_output(req, &sg, 2 * c->len);
	kpp_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP,
				 crypto_req_done, &wait);
	ret = crypto_wait_req(crypto_kpp_generate_public_key(req), &wait);
	if (!ret) {
		point[0] = 0x04;
		memcpy(point + 1, xy, 2 * c->len);
	}
out:
	kpp_request_free(req);
	kfree(xy);
	crypto_free_kpp(kpp);
	return ret;
}

/*
 * Checks an EC private key (value = d) and sets its size and check value.
 * Return: 0; -EINVAL if d is out of range or gives no valid point.
 */
int cld_key_check_ec(struct cld_keytfm *t, struct cld_object *priv)
{
	const struct ec_curve *c = curve_of(priv->key_type);
	u8 point[CLD_EC_POINT_MAX];
	int ret;

	if (!c || priv->value_len != c->len || !ec_scalar_ok(c, priv->value))
		return -EINVAL;
	ret = ec_point(c, priv->value, point);
	if (ret)
		return ret == -ENOMEM ? ret : -EINVAL;
	priv->bits = c->len * 8;
	return kcv_sha(t, point, 1 + 2 * c->len, priv->kcv);
}

/*
 * Checks an EC public key (value = 0x04 || X || Y, a point on the curve
 * other than the point at infinity, as ECDSA verification takes it) and
 * sets its size and check value. Return: 0 or -EINVAL.
 */
int cld_key_check_ec_public(struct cld_keytfm *t, struct cld_object *pub)
{
	const struct ec_curve *c = curve_of(pub->key_type);
	struct cld_ecdsa_key k;
	int ret;

	if (!c)
		return -EINVAL;
	ret = cld_ecdsa_key_set(&k, pub->key_type, CLONEDEV_CLASS_PUBLIC_KEY,
				pub->value, pub->value_len);
	cld_ecdsa_key_wipe(&k);
	if (ret)
		return -EINVAL;
	pub->bits = c->len * 8;
	return kcv_sha(t, pub->value, pub->value_len, pub->kcv);
}

/*
 * A new EC key pair: @priv gets d, @pub the public point; both get the
 * curve's size and the point's check value. The caller set key_type.
 */
int cld_key_generate_ec(struct cld_keytfm *t, struct cld_object *priv,
			struct cld_object *pub)
{
	const struct ec_curve *c = curve_of(priv->key_type);
	int ret = -EAGAIN, tries;

	if (!c)
		return -EOPNOTSUPP;
	priv->value_len = c->len;
	priv->value = kmalloc(c->len, GFP_KERNEL);
	pub->value_len = 1 + 2 * c->len;
	pub->value = kmalloc(pub->value_len, GFP_KERNEL);
	if (!priv->value || !pub->value)
		return -ENOMEM;
	/* d uniform in [1, n-1]: draw again outside it (P-256: p < 2^-32). */
	for (tries = 0; tries < 64; tries++) {
		get_random_bytes(priv->value, c->len);
		if (!ec_scalar_ok(c, priv->value))
			continue;
		ret = ec_point(c, priv->value, pub->value);
		if (ret != -EINVAL && ret != -EAGAIN)
			break;
	}
	if (ret)
		return ret;
	priv->bits = c->len * 8;
	pub->bits = priv->bits;
	ret = kcv_sha(t, pub->value, pub->value_len, priv->kcv);
	memcpy(pub->kcv, priv->kcv, sizeof(pub->kcv));
	return ret;
}

/* Encrypts a random message with the key's public half and decrypts it. */
static int rsa_roundtrip(struct crypto_akcipher *tfm, unsigned int len)
{
	struct akcipher_request *req;
	struct scatterlist src, dst;
	DECLARE_CRYPTO_WAIT(wait);
	u8 *m, *c, *back;
	int ret = -ENOMEM;

	m = kzalloc(3 * len, GFP_KERNEL);
	req = akcipher_request_alloc(tfm, GFP_KERNEL);
	if (!m || !req)
		goto out;
	c = m + len;
	back = c + len;
	/* A leading zero byte keeps the message below the modulus. */
	get_random_bytes(m + 1, len - 1);
	akcipher_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP,
				      crypto_req_done, &wait);
	sg_init_one(&src, m, len);
	sg_init_one(&dst, c, len);
	akcipher_request_set_crypt(req, &src, &dst, len, len);
	ret = crypto_wait_req(crypto_akcipher_encrypt(req), &wait);
	if (ret)
		goto out;
	sg_init_one(&src, c, len);
	sg_init_one(&dst, back, len);
	akcipher_request_set_crypt(req, &src, &dst, len, len);
	ret = crypto_wait_req(crypto_akcipher_decrypt(req), &wait);
	if (!ret && memcmp(m, back, len))
		ret = -EINVAL;
out:
	akcipher_request_free(req);
	kfree_sensitive(m);
	return ret;
}

/*
 * The modulus of an RSA private key (PKCS#1 RSAPrivateKey DER) without
 * leading zeros (*@n points into @der), and its size in bits. Return: 0
 * or -EINVAL if it does not parse.
 */
int cld_rsa_modulus(const u8 *der, unsigned int len, const u8 **n,
		    size_t *n_sz, unsigned int *bits)
{
	struct rsa_key raw = {};

	if (rsa_parse_priv_key(&raw, der, len))
		return -EINVAL;
	*n = raw.n;
	*n_sz = raw.n_sz;
	while (*n_sz && !**n) {
		(*n)++;
		(*n_sz)--;
	}
	if (!*n_sz)
		return -EINVAL;
	*bits = (*n_sz - 1) * 8 + fls(**n);
	return 0;
}

/*
 * Checks an imported RSA private key (value = PKCS#1 RSAPrivateKey DER)
 * and sets its size and check value. Return: 0; -EINVAL if it does not
 * parse, its modulus is not 2048 to 4096 bits, or d does not invert e.
 */
int cld_key_check_rsa(struct cld_keytfm *t, struct cld_object *priv)
{
	struct crypto_akcipher *tfm;
	const u8 *n;
	size_t n_sz;
	int ret;

	if (cld_rsa_modulus(priv->value, priv->value_len, &n, &n_sz,
			    &priv->bits))
		return -EINVAL;
	if (priv->bits < RSA_MIN_BITS || priv->bits > RSA_MAX_BITS)
		return -EINVAL;
	tfm = crypto_alloc_akcipher("rsa", 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	ret = crypto_akcipher_set_priv_key(tfm, priv->value, priv->value_len);
	if (!ret)
		ret = rsa_roundtrip(tfm, crypto_akcipher_maxsize(tfm));
	crypto_free_akcipher(tfm);
	if (ret)
		return ret == -ENOMEM ? ret : -EINVAL;
	return kcv_sha(t, n, n_sz, priv->kcv);
}

/* The bytes of a DER length field for @len (below 64 KiB). */
static size_t der_len_size(size_t len)
{
	return len < 0x80 ? 1 : len < 0x100 ? 2 : 3;
}

/* Writes the tag @tag and the length @len at @out; returns the bytes. */
static size_t der_hdr_put(u8 *out, u8 tag, size_t len)
{
	out[0] = tag;
	if (len < 0x80) {
		out[1] = len;
		return 2;
	}
	if (len < 0x100) {
		out[1] = 0x81;
		out[2] = len;
		return 3;
	}
	out[1] = 0x82;
	out[2] = len >> 8;
	out[3] = len;
	return 4;
}

/* @v, @len big-endian bytes, without its leading zero bytes (one kept). */
static size_t der_trim(const u8 **v, size_t len)
{
	while (len > 1 && !**v) {
		(*v)++;
		len--;
	}
	return len;
}

/* The size of the DER INTEGER of the non-negative big-endian @v. */
size_t cld_der_int_size(const u8 *v, size_t len)
{
	len = der_trim(&v, len);
	len += !len || (v[0] & 0x80);
	return 1 + der_len_size(len) + len;
}

/* Writes the DER INTEGER of @v at @out; returns the bytes written. */
size_t cld_der_int_put(u8 *out, const u8 *v, size_t len)
{
	size_t pad, at;

	len = der_trim(&v, len);
	pad = !len || (v[0] & 0x80);
	at = der_hdr_put(out, 0x02, len + pad);
	if (pad)
		out[at++] = 0;
	memcpy(out + at, v, len);
	return at + len;
}

/* The size of a DER SEQUENCE of @len content bytes. */
size_t cld_der_seq_size(size_t len)
{
	return 1 + der_len_size(len) + len;
}

/* Writes a SEQUENCE's tag and length at @out; returns the bytes written. */
size_t cld_der_seq_put(u8 *out, size_t len)
{
	return der_hdr_put(out, 0x30, len);
}

/*
 * The PKCS#1 RSAPublicKey DER of (@n, @e), big-endian, in a new buffer
 * *@der of *@len bytes.
 */
int cld_rsa_public_der(const u8 *n, size_t n_sz, const u8 *e, size_t e_sz,
		       u8 **der, u32 *len)
{
	size_t body = cld_der_int_size(n, n_sz) + cld_der_int_size(e, e_sz);
	size_t at;
	u8 *out;

	*len = cld_der_seq_size(body);
	out = kmalloc(*len, GFP_KERNEL);
	if (!out)
		return -ENOMEM;
	at = cld_der_seq_put(out, body);
	at += cld_der_int_put(out + at, n, n_sz);
	cld_der_int_put(out + at, e, e_sz);
	*der = out;
	return 0;
}

/*
 * Checks an RSA public key (value = the PKCS#1 RSAPublicKey DER, exactly
 * as cld_rsa_public_der() writes it) and sets its size and check value.
 * Return: 0; -EINVAL if it does not parse, is not in that form, its
 * modulus is not 2048 to 4096 bits or its exponent not odd and above 1.
 */
int cld_key_check_rsa_public(struct cld_keytfm *t, struct cld_object *pub)
{
	struct rsa_key raw = {};
	const u8 *n, *e;
	size_t n_sz, e_sz;
	u8 *der;
	u32 len;
	int ret;

	if (rsa_parse_pub_key(&raw, pub->value, pub->value_len))
		return -EINVAL;
	n = raw.n;
	n_sz = der_trim(&n, raw.n_sz);
	e = raw.e;
	e_sz = der_trim(&e, raw.e_sz);
	pub->bits = (n_sz - 1) * 8 + fls(n[0]);
	if (pub->bits < RSA_MIN_BITS || pub->bits > RSA_MAX_BITS ||
	    !(e[e_sz - 1] & 1) || (e_sz == 1 && e[0] == 1) || !(n[n_sz - 1] & 1))
		return -EINVAL;
	ret = cld_rsa_public_der(n, n_sz, e, e_sz, &der, &len);
	if (ret)
		return ret;
	if (len != pub->value_len || memcmp(der, pub->value, len))
		ret = -EINVAL;
	kfree(der);
	return ret ?: kcv_sha(t, n, n_sz, pub->kcv);
}

/*
 * The public value of a key pair's half @o (struct clonedev_object_get,
 * CLONEDEV_OBJECT_GET_PUBLIC) in a new buffer *@out of *@len bytes.
 * Return: 0; -EINVAL if @o is not an EC or RSA key.
 */
int cld_key_public(const struct cld_object *o, u8 **out, u32 *len)
{
	const struct ec_curve *c = curve_of(o->key_type);
	struct rsa_key raw = {};
	int ret;

	if (o->obj_class == CLONEDEV_CLASS_PUBLIC_KEY &&
	    (c || o->key_type == CLONEDEV_KEY_RSA)) {
		*out = kmemdup(o->value, o->value_len, GFP_KERNEL);
		*len = o->value_len;
		return *out ? 0 : -ENOMEM;
	}
	if (o->obj_class != CLONEDEV_CLASS_PRIVATE_KEY)
		return -EINVAL;
	if (o->key_type == CLONEDEV_KEY_RSA) {
		if (rsa_parse_priv_key(&raw, o->value, o->value_len))
			return -EINVAL;
		return cld_rsa_public_der(raw.n, raw.n_sz, raw.e, raw.e_sz,
					  out, len);
	}
	if (!c || o->value_len != c->len)
		return -EINVAL;
	*len = 1 + 2 * c->len;
	*out = kmalloc(*len, GFP_KERNEL);
	if (!*out)
		return -ENOMEM;
	ret = ec_point(c, o->value, *out);
	if (ret) {
		kfree(*out);
		*out = NULL;
	}
	return ret;
}
