// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libclonedev: PKCS#8 private key files, PEM or DER, turned into the value
 * CLONEDEV_IOCTL_OBJECT_IMPORT takes for RSA, P-256 and P-384 keys. A
 * strict DER reader (definite, shortest lengths, every read bounded) and a
 * strict base64 decoder; every copy of key bytes but the result is wiped.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "libclonedev.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define TAG_INTEGER		0x02
#define TAG_BIT_STRING		0x03
#define TAG_OCTET_STRING	0x04
#define TAG_NULL		0x05
#define TAG_OID			0x06
#define TAG_SEQUENCE		0x30
#define TAG_CTX0		0xa0	/* [0], constructed */
#define TAG_CTX1		0xa1	/* [1], constructed */
#define TAG_CTX1_PRIM		0x81	/* [1] IMPLICIT BIT STRING */

static const char pem_begin[] = "-----BEGIN PRIVATE KEY-----";
static const char pem_end[] = "-----END PRIVATE KEY-----";
static const char pem_any[] = "-----BEGIN ";

/* 1.2.840.113549.1.1.1 rsaEncryption */
static const unsigned char oid_rsa[] = {
	0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01
};

/* 1.2.840.10045.2.1 id-ecPublicKey */
static const unsigned char oid_ec[] = {
	0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01
};

/* 1.2.840.10045.3.1.7 prime256v1 */
static const unsigned char oid_p256[] = {
	0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07
};

/* 1.3.132.0.34 secp384r1 */
static const unsigned char oid_p384[] = {
	0x2b, 0x81, 0x04, 0x00, 0x22
};

static const struct curve {
	const unsigned char *oid;
	size_t oid_len;
	unsigned int key_type;
	size_t size;		/* bytes of the private scalar */
} curves[] = {
	{ oid_p256, sizeof(oid_p256), CLONEDEV_KEY_EC_P256, 32 },
	{ oid_p384, sizeof(oid_p384), CLONEDEV_KEY_EC_P384, 48 },
};

/* Unread DER bytes; each read moves @p past what it returns. */
struct der {
	const unsigned char *p;
	size_t len;
};

/*
 * Reads one element: a one-byte tag (no high tag numbers, no end of
 * contents) and a definite length in its shortest form, at most four
 * bytes long, that fits in what is left. @val gets the contents.
 */
static int der_read(struct der *d, unsigned char *tag, struct der *val)
{
	size_t hdr = 2, len;

	if (d->len < 2 || d->p[0] == 0 || (d->p[0] & 0x1f) == 0x1f)
		return -EBADMSG;
	len = d->p[1];
	if (len & 0x80) {
		size_t n = len & 0x7f, i;

		/* n == 0 is the indefinite form, which DER forbids. */
		if (n == 0 || n > 4 || d->len - hdr < n || d->p[hdr] == 0)
			return -EBADMSG;
		len = 0;
		for (i = 0; i < n; i++)
			len = len << 8 | d->p[hdr + i];
		if (len < 0x80)
			return -EBADMSG;
		hdr += n;
	}
	if (len > d->len - hdr)
		return -EBADMSG;
	*tag = d->p[0];
	val->p = d->p + hdr;
	val->len = len;
	d->p += hdr + len;
	d->len -= hdr + len;
	return 0;
}

/* Reads one element that must have tag @tag. */
static int der_expect(struct der *d, unsigned char tag, struct der *val)
{
	unsigned char t;
	int ret;

	ret = der_read(d, &t, val);
	if (ret)
		return ret;
	return t == tag ? 0 : -EBADMSG;
}

/* Reads the next element if its tag is @tag: 1 if read, 0 if not there. */
static int der_optional(struct der *d, unsigned char tag, struct der *val)
{
	int ret;

	if (!d->len || d->p[0] != tag)
		return 0;
	ret = der_expect(d, tag, val);
	return ret ? ret : 1;
}

static bool der_peek(const struct der *d, unsigned char tag)
{
	return d->len && d->p[0] == tag;
}

/* A non-negative INTEGER in its shortest encoding. */
static bool der_uint_ok(const struct der *v)
{
	if (!v->len || v->p[0] & 0x80)
		return false;
	return v->len == 1 || v->p[0] || v->p[1] & 0x80;
}

/* Reads an INTEGER that must be the small number @value. */
static int der_expect_small(struct der *d, unsigned char value)
{
	struct der v;
	int ret;

	ret = der_expect(d, TAG_INTEGER, &v);
	if (ret)
		return ret;
	return v.len == 1 && v.p[0] == value ? 0 : -EBADMSG;
}

/* Reads an OBJECT IDENTIFIER; each sub-identifier in its shortest form. */
static int der_expect_oid(struct der *d, struct der *oid)
{
	bool start = true;
	size_t i;
	int ret;

	ret = der_expect(d, TAG_OID, oid);
	if (ret)
		return ret;
	if (!oid->len || oid->p[oid->len - 1] & 0x80)
		return -EBADMSG;
	for (i = 0; i < oid->len; i++) {
		if (start && oid->p[i] == 0x80)
			return -EBADMSG;
		start = !(oid->p[i] & 0x80);
	}
	return 0;
}

static bool oid_is(const struct der *oid, const unsigned char *want,
		   size_t len)
{
	return oid->len == len && !memcmp(oid->p, want, len);
}

static const struct curve *curve_find(const struct der *oid)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(curves); i++)
		if (oid_is(oid, curves[i].oid, curves[i].oid_len))
			return &curves[i];
	return NULL;
}

/*
 * @params: what follows the algorithm OID, ECParameters. Only a named
 * curve we know is supported; implicit and explicit curves are not.
 * @key: ECPrivateKey ::= SEQUENCE { version INTEGER 1, privateKey OCTET
 * STRING, [0] ECParameters OPTIONAL, [1] BIT STRING OPTIONAL }.
 */
static int parse_ec(struct der params, struct der key,
		    struct clonedev_keyfile *out)
{
	const struct curve *c;
	struct der oid, seq, d, v, bits;
	unsigned char *value;
	int ret;

	if (der_peek(&params, TAG_NULL) || der_peek(&params, TAG_SEQUENCE))
		return -EOPNOTSUPP;
	ret = der_expect_oid(&params, &oid);
	if (ret)
		return ret;
	if (params.len)
		return -EBADMSG;
	c = curve_find(&oid);
	if (!c)
		return -EOPNOTSUPP;

	ret = der_expect(&key, TAG_SEQUENCE, &seq);
	if (ret)
		return ret;
	if (key.len)
		return -EBADMSG;
	ret = der_expect_small(&seq, 1);
	if (ret)
		return ret;
	ret = der_expect(&seq, TAG_OCTET_STRING, &d);
	if (ret)
		return ret;
	ret = der_optional(&seq, TAG_CTX0, &v);
	if (ret < 0)
		return ret;
	if (ret) {
		/* Must name the same curve as the algorithm. */
		ret = der_expect_oid(&v, &oid);
		if (ret)
			return ret;
		if (v.len || !oid_is(&oid, c->oid, c->oid_len))
			return -EBADMSG;
	}
	ret = der_optional(&seq, TAG_CTX1, &v);
	if (ret < 0)
		return ret;
	if (ret) {
		ret = der_expect(&v, TAG_BIT_STRING, &bits);
		if (ret)
			return ret;
		if (v.len)
			return -EBADMSG;
	}
	if (seq.len)
		return -EBADMSG;

	while (d.len && !d.p[0]) {
		d.p++;
		d.len--;
	}
	if (!d.len || d.len > c->size)
		return -EBADMSG;
	value = calloc(1, c->size);
	if (!value)
		return -ENOMEM;
	memcpy(value + c->size - d.len, d.p, d.len);
	out->key_type = c->key_type;
	out->len = c->size;
	out->value = value;
	return 0;
}

/*
 * @params: NULL or nothing.
 * @key: RSAPrivateKey ::= SEQUENCE { version INTEGER 0, modulus,
 * publicExponent, privateExponent, prime1, prime2, exponent1, exponent2,
 * coefficient } (two primes; version 1, more primes, is refused).
 */
static int parse_rsa(struct der params, struct der key,
		     struct clonedev_keyfile *out)
{
	struct der k = key, seq, v;
	unsigned char *value;
	int i, ret;

	if (params.len) {
		ret = der_expect(&params, TAG_NULL, &v);
		if (ret)
			return ret;
		if (v.len || params.len)
			return -EBADMSG;
	}

	ret = der_expect(&k, TAG_SEQUENCE, &seq);
	if (ret)
		return ret;
	if (k.len)
		return -EBADMSG;
	ret = der_expect_small(&seq, 0);
	if (ret)
		return ret;
	for (i = 0; i < 8; i++) {
		ret = der_expect(&seq, TAG_INTEGER, &v);
		if (ret)
			return ret;
		if (!der_uint_ok(&v))
			return -EBADMSG;
	}
	if (seq.len)
		return -EBADMSG;

	/* key.len < 2^32: der_read() takes at most four length bytes. */
	value = malloc(key.len);
	if (!value)
		return -ENOMEM;
	memcpy(value, key.p, key.len);
	out->key_type = CLONEDEV_KEY_RSA;
	out->len = key.len;
	out->value = value;
	return 0;
}

/*
 * EncryptedPrivateKeyInfo ::= SEQUENCE { encryptionAlgorithm
 * AlgorithmIdentifier, encryptedData OCTET STRING }; @seq is its contents.
 */
static bool is_encrypted(struct der seq)
{
	struct der alg, oid, data;

	return !der_expect(&seq, TAG_SEQUENCE, &alg) &&
	       !der_expect_oid(&alg, &oid) &&
	       !der_expect(&seq, TAG_OCTET_STRING, &data) && !seq.len;
}

/*
 * PrivateKeyInfo ::= SEQUENCE { version INTEGER (0 or 1),
 * privateKeyAlgorithm SEQUENCE { algorithm OID, parameters ANY OPTIONAL },
 * privateKey OCTET STRING, [0] attributes OPTIONAL,
 * [1] IMPLICIT publicKey BIT STRING OPTIONAL (version 1 only) },
 * and nothing after it.
 */
static int parse_der(const unsigned char *buf, size_t len,
		     struct clonedev_keyfile *out)
{
	struct der d = { buf, len }, pki, alg, oid, key, v;
	int ret, version;

	ret = der_expect(&d, TAG_SEQUENCE, &pki);
	if (ret)
		return ret;
	if (d.len)
		return -EBADMSG;
	if (der_peek(&pki, TAG_SEQUENCE))
		return is_encrypted(pki) ? -EOPNOTSUPP : -EBADMSG;

	ret = der_expect(&pki, TAG_INTEGER, &v);
	if (ret)
		return ret;
	if (v.len != 1 || v.p[0] > 1)
		return -EBADMSG;
	version = v.p[0];
	ret = der_expect(&pki, TAG_SEQUENCE, &alg);
	if (ret)
		return ret;
	ret = der_expect_oid(&alg, &oid);
	if (ret)
		return ret;
	ret = der_expect(&pki, TAG_OCTET_STRING, &key);
	if (ret)
		return ret;
	ret = der_optional(&pki, TAG_CTX0, &v);
	if (ret < 0)
		return ret;
	if (version == 1) {
		ret = der_optional(&pki, TAG_CTX1_PRIM, &v);
		if (ret < 0)
			return ret;
	}
	if (pki.len)
		return -EBADMSG;

	if (oid_is(&oid, oid_rsa, sizeof(oid_rsa)))
		return parse_rsa(alg, key, out);
	if (oid_is(&oid, oid_ec, sizeof(oid_ec)))
		return parse_ec(alg, key, out);
	return -EOPNOTSUPP;
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Decodes base64 with whitespace anywhere, padding only at the end (once
 * there is some, nothing but whitespace may follow) and unused bits zero.
 * *out is malloc()ed; the caller wipes and frees it.
 */
static int b64_decode(const char *s, size_t len, unsigned char **out,
		      size_t *out_len)
{
	unsigned int acc = 0, n = 0, pad = 0;
	unsigned char *buf;
	size_t i, o = 0;
	int ret = -EBADMSG, v;

	buf = malloc(len / 4 * 3 + 3);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '=') {
			if (n < 2)
				goto out;
			pad++;
			v = 0;
		} else {
			v = b64_value(c);
			if (v < 0 || pad)
				goto out;
		}
		acc = acc << 6 | v;
		if (++n < 4)
			continue;
		if (acc & ((1u << (8 * pad)) - 1))
			goto out;
		buf[o++] = acc >> 16;
		if (pad < 2)
			buf[o++] = acc >> 8;
		if (pad < 1)
			buf[o++] = acc;
		acc = 0;
		n = 0;
	}
	if (n || !o)
		goto out;
	*out = buf;
	*out_len = o;
	buf = NULL;
	ret = 0;
out:
	if (buf) {
		explicit_bzero(buf, o);
		free(buf);
	}
	explicit_bzero(&acc, sizeof(acc));
	return ret;
}

/*
 * The first "PRIVATE KEY" block, which must be the only one; text around
 * it is ignored. Any other PEM block alone is a format we do not read.
 */
static int pem_decode(const char *s, size_t len, unsigned char **out,
		      size_t *out_len)
{
	const char *body, *end;
	size_t rest;

	body = memmem(s, len, pem_begin, strlen(pem_begin));
	if (!body)
		return memmem(s, len, pem_any, strlen(pem_any)) ?
		       -EOPNOTSUPP : -EBADMSG;
	body += strlen(pem_begin);
	rest = len - (body - s);
	end = memmem(body, rest, pem_end, strlen(pem_end));
	if (!end)
		return -EBADMSG;
	rest -= end - body;
	if (memmem(end, rest, pem_begin, strlen(pem_begin)))
		return -EBADMSG;
	return b64_decode(body, end - body, out, out_len);
}

/* DER: a SEQUENCE whose header is sound and covers the buffer exactly. */
static bool is_der(const void *buf, size_t len)
{
	struct der d = { buf, len }, v;

	return !der_expect(&d, TAG_SEQUENCE, &v) && !d.len;
}

int clonedev_keyfile_parse(const void *buf, size_t len,
			   struct clonedev_keyfile *out)
{
	unsigned char *der = NULL;
	size_t der_len = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!buf || !len)
		return -EBADMSG;
	if (is_der(buf, len))
		return parse_der(buf, len, out);
	ret = pem_decode(buf, len, &der, &der_len);
	if (ret)
		return ret;
	ret = parse_der(der, der_len, out);
	explicit_bzero(der, der_len);
	free(der);
	return ret;
}

void clonedev_keyfile_free(struct clonedev_keyfile *kf)
{
	if (!kf)
		return;
	if (kf->value) {
		explicit_bzero(kf->value, kf->len);
		free(kf->value);
	}
	kf->value = NULL;
	kf->len = 0;
}
