// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libclonedev-pkcs11: using keys (CLONEDEV_IOCTL_CRYPT, _DERIVE, _WRAP,
 * _UNWRAP, _RANDOM). C_*Init checks the key and the mechanism and keeps
 * the parameters; a one-shot call is one kernel request, and the first
 * C_*Update starts the kernel's multi-part operation on the session's
 * fd, which holds one at a time as a PKCS#11 session does. A length query
 * (a NULL output) and CKR_BUFFER_TOO_SMALL leave the operation active.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "p11.h"

static int is_aes(unsigned int t)
{
	return t == CLONEDEV_KEY_AES;
}

static int is_mac_key(unsigned int t)
{
	return t == CLONEDEV_KEY_AES || t == CLONEDEV_KEY_GENERIC_SECRET;
}

static int is_ec(unsigned int t)
{
	return t == CLONEDEV_KEY_EC_P256 || t == CLONEDEV_KEY_EC_P384;
}

static int is_rsa(unsigned int t)
{
	return t == CLONEDEV_KEY_RSA;
}

#define OP(x)	(1U << CLONEDEV_CRYPT_##x)
#define ED	(OP(ENCRYPT) | OP(DECRYPT))
#define SV	(OP(SIGN) | OP(VERIFY))

/* A PKCS#11 mechanism as CLONEDEV_IOCTL_CRYPT names it, and its keys. */
struct crypt_mech {
	CK_MECHANISM_TYPE type;
	unsigned int mech, hash;
	unsigned int ops;		/* OP() mask */
	int (*key_ok)(unsigned int key_type);
	int single;			/* no multi-part operation */
};

static const struct crypt_mech crypt_mechs[] = {
	{ CKM_AES_GCM, CLONEDEV_MECH_AES_GCM, 0, ED, is_aes, 0 },
	{ CKM_AES_CBC_PAD, CLONEDEV_MECH_AES_CBC_PAD, 0, ED, is_aes, 0 },
	{ CKM_AES_CTR, CLONEDEV_MECH_AES_CTR, 0, ED, is_aes, 0 },
	{ CKM_AES_CMAC, CLONEDEV_MECH_AES_CMAC, 0, SV, is_aes, 0 },
	{ CKM_SHA256_HMAC, CLONEDEV_MECH_HMAC, CLONEDEV_HASH_SHA256, SV, is_mac_key, 0 },
	{ CKM_SHA384_HMAC, CLONEDEV_MECH_HMAC, CLONEDEV_HASH_SHA384, SV, is_mac_key, 0 },
	{ CKM_SHA512_HMAC, CLONEDEV_MECH_HMAC, CLONEDEV_HASH_SHA512, SV, is_mac_key, 0 },
	{ CKM_ECDSA, CLONEDEV_MECH_ECDSA, CLONEDEV_HASH_NONE, SV, is_ec, 1 },
	{ CKM_ECDSA_SHA256, CLONEDEV_MECH_ECDSA, CLONEDEV_HASH_SHA256, SV, is_ec, 0 },
	{ CKM_ECDSA_SHA384, CLONEDEV_MECH_ECDSA, CLONEDEV_HASH_SHA384, SV, is_ec, 0 },
	{ CKM_ECDSA_SHA512, CLONEDEV_MECH_ECDSA, CLONEDEV_HASH_SHA512, SV, is_ec, 0 },
	{ CKM_RSA_PKCS, CLONEDEV_MECH_RSA_PKCS, CLONEDEV_HASH_NONE, SV, is_rsa, 1 },
	{ CKM_RSA_PKCS_PSS, CLONEDEV_MECH_RSA_PSS, 0, SV, is_rsa, 1 },
	{ CKM_SHA256_RSA_PKCS, CLONEDEV_MECH_RSA_PKCS, CLONEDEV_HASH_SHA256, SV, is_rsa, 0 },
	{ CKM_SHA384_RSA_PKCS, CLONEDEV_MECH_RSA_PKCS, CLONEDEV_HASH_SHA384, SV, is_rsa, 0 },
	{ CKM_SHA512_RSA_PKCS, CLONEDEV_MECH_RSA_PKCS, CLONEDEV_HASH_SHA512, SV, is_rsa, 0 },
	{ CKM_SHA256_RSA_PKCS_PSS, CLONEDEV_MECH_RSA_PSS, CLONEDEV_HASH_SHA256, SV, is_rsa, 0 },
	{ CKM_SHA384_RSA_PKCS_PSS, CLONEDEV_MECH_RSA_PSS, CLONEDEV_HASH_SHA384, SV, is_rsa, 0 },
	{ CKM_SHA512_RSA_PKCS_PSS, CLONEDEV_MECH_RSA_PSS, CLONEDEV_HASH_SHA512, SV, is_rsa, 0 },
	{ CKM_RSA_PKCS_OAEP, CLONEDEV_MECH_RSA_OAEP, 0, OP(DECRYPT), is_rsa, 1 },
};

static const struct {
	unsigned int hash;
	CK_MECHANISM_TYPE digest;
	CK_RSA_PKCS_MGF_TYPE mgf;
	unsigned int len;
} hash_info[] = {
	{ CLONEDEV_HASH_SHA256, CKM_SHA256, CKG_MGF1_SHA256, 32 },
	{ CLONEDEV_HASH_SHA384, CKM_SHA384, CKG_MGF1_SHA384, 48 },
	{ CLONEDEV_HASH_SHA512, CKM_SHA512, CKG_MGF1_SHA512, 64 },
};

#define NHASH	(ARRAY_SIZE(hash_info))

static unsigned int hash_of(CK_MECHANISM_TYPE digest, CK_RSA_PKCS_MGF_TYPE mgf)
{
	unsigned int i;

	for (i = 0; i < NHASH; i++)
		if (hash_info[i].digest == digest && hash_info[i].mgf == mgf)
			return hash_info[i].hash;
	return 0;
}

static unsigned int hash_len(unsigned int hash)
{
	unsigned int i;

	for (i = 0; i < NHASH; i++)
		if (hash_info[i].hash == hash)
			return hash_info[i].len;
	return 0;
}

void p11_crypt_end(struct p11_session *s)
{
	struct p11_crypt *c = &s->crypt;

	if (c->started)
		clonedev_crypt_abort(s->cd);
	free(c->aad);
	if (c->buf)
		explicit_bzero(c->buf, c->fed);
	free(c->buf);
	memset(c, 0, sizeof(*c));
}

/* The mechanism's parameter if it is @size bytes, else NULL. */
static const void *param(const CK_MECHANISM *m, size_t size)
{
	return m->pParameter && m->ulParameterLen == size ? m->pParameter : NULL;
}

#define PARAM(m, type)	((const type *)param(m, sizeof(type)))

/* The mechanism's parameters into @c->p. */
static CK_RV mech_params(const CK_MECHANISM *m, struct p11_crypt *c)
{
	const CK_GCM_PARAMS *gcm;
	const CK_AES_CTR_PARAMS *ctr;
	const CK_RSA_PKCS_PSS_PARAMS *pss;
	const CK_RSA_PKCS_OAEP_PARAMS *oaep;
	int none = !m->pParameter && !m->ulParameterLen;

	switch (m->mechanism) {
	case CKM_AES_GCM:
		gcm = PARAM(m, CK_GCM_PARAMS);
		/* The kernel takes 96-bit IVs, and tags of 12 to 16 bytes. */
		if (!gcm || gcm->ulIvLen != 12 || !gcm->pIv ||
		    gcm->ulTagBits % 8 || gcm->ulTagBits < 96 ||
		    gcm->ulTagBits > 128 || (!gcm->pAAD && gcm->ulAADLen) ||
		    gcm->ulAADLen > CLONEDEV_CRYPT_MAX)
			return CKR_MECHANISM_PARAM_INVALID;
		c->p.iv_len = 12;
		memcpy(c->p.iv, gcm->pIv, 12);
		c->p.tag_len = gcm->ulTagBits / 8;
		if (gcm->ulAADLen) {
			c->aad = malloc(gcm->ulAADLen);
			if (!c->aad)
				return CKR_HOST_MEMORY;
			memcpy(c->aad, gcm->pAAD, gcm->ulAADLen);
			c->p.aad = c->aad;
			c->p.aad_len = gcm->ulAADLen;
		}
		return CKR_OK;
	case CKM_AES_CBC_PAD:
		if (!m->pParameter || m->ulParameterLen != 16)
			return CKR_MECHANISM_PARAM_INVALID;
		c->p.iv_len = 16;
		memcpy(c->p.iv, m->pParameter, 16);
		return CKR_OK;
	case CKM_AES_CTR:
		ctr = PARAM(m, CK_AES_CTR_PARAMS);
		/* The kernel counts on the whole 128-bit block. */
		if (!ctr || ctr->ulCounterBits != 128)
			return CKR_MECHANISM_PARAM_INVALID;
		c->p.iv_len = 16;
		memcpy(c->p.iv, ctr->cb, 16);
		return CKR_OK;
	case CKM_RSA_PKCS_PSS:
		/* The input is the digest of the message: hash as the params. */
		pss = PARAM(m, CK_RSA_PKCS_PSS_PARAMS);
		if (!pss)
			return CKR_MECHANISM_PARAM_INVALID;
		c->p.hash = hash_of(pss->hashAlg, pss->mgf);
		c->p.flags = CLONEDEV_CRYPT_PREHASHED;
		fallthrough;
	case CKM_SHA256_RSA_PKCS_PSS:
	case CKM_SHA384_RSA_PKCS_PSS:
	case CKM_SHA512_RSA_PKCS_PSS:
		pss = PARAM(m, CK_RSA_PKCS_PSS_PARAMS);
		if (!pss || !c->p.hash ||
		    hash_of(pss->hashAlg, pss->mgf) != c->p.hash ||
		    pss->sLen > hash_len(c->p.hash))
			return CKR_MECHANISM_PARAM_INVALID;
		c->p.salt_len = pss->sLen;
		return CKR_OK;
	case CKM_RSA_PKCS_OAEP:
		oaep = PARAM(m, CK_RSA_PKCS_OAEP_PARAMS);
		/* MGF1 with the same hash, and no label. */
		if (!oaep || !hash_of(oaep->hashAlg, oaep->mgf) ||
		    (oaep->source && oaep->source != CKZ_DATA_SPECIFIED) ||
		    oaep->ulSourceDataLen)
			return CKR_MECHANISM_PARAM_INVALID;
		c->p.hash = hash_of(oaep->hashAlg, oaep->mgf);
		return CKR_OK;
	}
	return none ? CKR_OK : CKR_MECHANISM_PARAM_INVALID;
}

static const unsigned int op_usage[] = {
	[CLONEDEV_CRYPT_ENCRYPT] = CLONEDEV_OBJ_ENCRYPT,
	[CLONEDEV_CRYPT_DECRYPT] = CLONEDEV_OBJ_DECRYPT,
	[CLONEDEV_CRYPT_SIGN] = CLONEDEV_OBJ_SIGN,
	[CLONEDEV_CRYPT_VERIFY] = CLONEDEV_OBJ_VERIFY,
};

/* The size of a signature or MAC the operation @c makes. */
static unsigned long sig_size(const struct p11_crypt *c)
{
	switch (c->p.mech) {
	case CLONEDEV_MECH_HMAC:
		return hash_len(c->p.hash);
	case CLONEDEV_MECH_AES_CMAC:
		return 16;
	case CLONEDEV_MECH_ECDSA:
		return c->key_type == CLONEDEV_KEY_EC_P256 ? 64 : 96;
	}
	return (c->key_bits + 7) / 8;
}

static CK_RV op_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m,
		     CK_OBJECT_HANDLE key, unsigned int op)
{
	struct clonedev_object_attrs a;
	const struct crypt_mech *cm = NULL;
	struct p11_session *s;
	struct p11_crypt *c;
	unsigned int i;
	CK_RV rv = p11_session_get(h, &s);

	if (rv)
		return rv;
	pthread_mutex_lock(&s->lock);
	c = &s->crypt;
	if (c->op) {
		rv = CKR_OPERATION_ACTIVE;
		goto out;
	}
	if (!m) {
		rv = CKR_ARGUMENTS_BAD;
		goto out;
	}
	for (i = 0; i < ARRAY_SIZE(crypt_mechs); i++)
		if (crypt_mechs[i].type == m->mechanism)
			cm = &crypt_mechs[i];
	if (!cm || !(cm->ops & (1U << op))) {
		rv = CKR_MECHANISM_INVALID;
		goto out;
	}
	rv = p11_object_attrs(s, key, &a, P11_CTX_KEY);
	if (rv)
		goto out;
	if (a.obj_class == CLONEDEV_CLASS_DATA || !cm->key_ok(a.key_type) ||
	    (a.obj_class == CLONEDEV_CLASS_PUBLIC_KEY &&
	     op != CLONEDEV_CRYPT_VERIFY)) {
		rv = CKR_KEY_TYPE_INCONSISTENT;
		goto out;
	}
	if (!(a.obj_flags & op_usage[op])) {
		rv = CKR_KEY_FUNCTION_NOT_PERMITTED;
		goto out;
	}
	memset(c, 0, sizeof(*c));
	c->p.mech = cm->mech;
	c->p.hash = cm->hash;
	rv = mech_params(m, c);
	if (rv) {
		p11_crypt_end(s);
		goto out;
	}
	c->op = op;
	c->single = cm->single;
	c->mech = m->mechanism;
	c->key = key;
	c->key_type = a.key_type;
	c->key_bits = a.bits;
	memcpy(c->ouid, a.ouid, CLONEDEV_OUID_LEN);
out:
	pthread_mutex_unlock(&s->lock);
	p11_session_put(s);
	return rv;
}

static enum p11_ctx ctx_of(unsigned int op)
{
	switch (op) {
	case CLONEDEV_CRYPT_ENCRYPT:
		return P11_CTX_ENCRYPT;
	case CLONEDEV_CRYPT_DECRYPT:
		return P11_CTX_DECRYPT;
	case CLONEDEV_CRYPT_SIGN:
		return P11_CTX_SIGN;
	}
	return P11_CTX_VERIFY;
}

/*
 * A kernel result with output: CKR_OK and the length; a length query or
 * too little room (nothing consumed: the operation goes on); else the
 * error, and the operation ends.
 */
static CK_RV out_result(struct p11_session *s, int ret, const unsigned char *out,
			unsigned long cap, size_t n, CK_ULONG_PTR out_len,
			int *keep)
{
	*keep = 0;
	if (ret == -EMSGSIZE && n > cap) {
		*out_len = n;
		*keep = 1;
		return out ? CKR_BUFFER_TOO_SMALL : CKR_OK;
	}
	if (!ret) {
		*out_len = n;
		return CKR_OK;
	}
	return p11_rv(ret, ctx_of(s->crypt.op));
}

/* Takes the session and checks that @op is the one in progress. */
static CK_RV op_get(CK_SESSION_HANDLE h, unsigned int op,
		    struct p11_session **out)
{
	CK_RV rv = p11_session_get(h, out);

	if (rv)
		return rv;
	pthread_mutex_lock(&(*out)->lock);
	if ((*out)->crypt.op != op) {
		pthread_mutex_unlock(&(*out)->lock);
		p11_session_put(*out);
		return CKR_OPERATION_NOT_INITIALIZED;
	}
	return CKR_OK;
}

static void op_put(struct p11_session *s)
{
	pthread_mutex_unlock(&s->lock);
	p11_session_put(s);
}

/* CBC ciphertext is whole blocks, one at least. */
static int cbc_len_ok(const struct p11_crypt *c, unsigned long len)
{
	return c->p.mech != CLONEDEV_MECH_AES_CBC_PAD || (len && !(len % 16));
}

/* C_Encrypt, C_Decrypt and C_Sign. */
static CK_RV op_single(CK_SESSION_HANDLE h, unsigned int op,
		       const unsigned char *in, CK_ULONG in_len,
		       unsigned char *out, CK_ULONG_PTR out_len)
{
	struct p11_session *s;
	struct p11_crypt *c;
	unsigned long cap;
	size_t n = 0;
	int ret, keep = 0;
	CK_RV rv = op_get(h, op, &s);

	if (rv)
		return rv;
	c = &s->crypt;
	if (c->started) {
		rv = CKR_OPERATION_ACTIVE;
		goto out;
	}
	if ((!in && in_len) || !out_len) {
		rv = CKR_ARGUMENTS_BAD;
		goto end;
	}
	cap = out ? *out_len : 0;
	if (op == CLONEDEV_CRYPT_SIGN && (!out || cap < sig_size(c))) {
		*out_len = sig_size(c);
		rv = out ? CKR_BUFFER_TOO_SMALL : CKR_OK;
		goto out;
	}
	if ((c->p.flags & CLONEDEV_CRYPT_PREHASHED) &&
	    in_len != hash_len(c->p.hash)) {
		rv = CKR_DATA_LEN_RANGE;
		goto end;
	}
	if (op == CLONEDEV_CRYPT_DECRYPT && !cbc_len_ok(c, in_len)) {
		rv = CKR_ENCRYPTED_DATA_LEN_RANGE;
		goto end;
	}
	if (p11_is_ha(s->tok))
		ret = p11_ha_crypt(s, in, in_len, out, cap, &n);
	else if (op == CLONEDEV_CRYPT_ENCRYPT)
		ret = clonedev_encrypt(s->cd, c->key, &c->p, in, in_len, out,
				       cap, &n);
	else if (op == CLONEDEV_CRYPT_DECRYPT)
		ret = clonedev_decrypt(s->cd, c->key, &c->p, in, in_len, out,
				       cap, &n);
	else
		ret = clonedev_sign(s->cd, c->key, &c->p, in, in_len, out, cap,
				    &n);
	rv = out_result(s, ret, out, cap, n, out_len, &keep);
	if (!out && !rv)
		keep = 1;	/* a length query that had nothing to give */
	if (keep)
		goto out;
end:
	p11_crypt_end(s);
out:
	op_put(s);
	return rv;
}

/* Starts the kernel's multi-part operation. Must hold @s->lock. */
static CK_RV op_start(struct p11_session *s)
{
	struct p11_crypt *c = &s->crypt;
	int ret;

	if (c->started)
		return CKR_OK;
	ret = clonedev_crypt_init(s->cd, c->op, c->key, &c->p);
	if (ret)
		return p11_rv(ret, ctx_of(c->op));
	c->started = 1;
	return CKR_OK;
}

/*
 * The most output an update of @in_len or the final call can give. The
 * kernel runs CTR and AES-GCM encryption over whole blocks as they come
 * and holds back the rest (@fed % 16 bytes); AES-GCM decryption gives
 * everything at the final call, once the tag checks out.
 */
static unsigned long out_bound(const struct p11_crypt *c, int final,
			       unsigned long in_len)
{
	unsigned long tag = c->p.tag_len ? c->p.tag_len : 16;
	unsigned long held = c->fed % 16;

	switch (c->p.mech) {
	case CLONEDEV_MECH_AES_GCM:
		if (c->op == CLONEDEV_CRYPT_ENCRYPT)
			return final ? held + tag : (held + in_len) / 16 * 16;
		if (!final)
			return 0;
		return c->fed > tag ? c->fed - tag : 0;
	case CLONEDEV_MECH_AES_CBC_PAD:
		return final ? 16 : in_len + 16;
	case CLONEDEV_MECH_AES_CTR:
		return final ? held : (held + in_len) / 16 * 16;
	}
	return (c->key_bits + 7) / 8;	/* RSA-OAEP */
}

/*
 * An HA slot's multi-part operation gathers its input, up to
 * P11_HA_MULTI_MAX bytes, and runs as one call at the final one: so it
 * goes to whichever member is alive then. Must hold @s->lock.
 */
static CK_RV ha_gather(struct p11_session *s, const unsigned char *in,
		       unsigned long in_len)
{
	struct p11_crypt *c = &s->crypt;
	unsigned char *buf;

	if (in_len > P11_HA_MULTI_MAX - c->fed)
		return c->op == CLONEDEV_CRYPT_DECRYPT ?
		       CKR_ENCRYPTED_DATA_LEN_RANGE : CKR_DATA_LEN_RANGE;
	if (!in_len)
		return CKR_OK;
	/* A new buffer, the old one wiped: the input may be plaintext. */
	buf = malloc(c->fed + in_len);
	if (!buf)
		return CKR_HOST_MEMORY;
	if (c->buf) {
		memcpy(buf, c->buf, c->fed);
		explicit_bzero(c->buf, c->fed);
		free(c->buf);
	}
	memcpy(buf + c->fed, in, in_len);
	c->buf = buf;
	c->fed += in_len;
	return CKR_OK;
}

/* The output of an HA slot's final call, which gives all of it. */
static unsigned long ha_out_bound(const struct p11_crypt *c)
{
	unsigned long tag = c->p.tag_len ? c->p.tag_len : 16;
	int enc = c->op == CLONEDEV_CRYPT_ENCRYPT;

	switch (c->p.mech) {
	case CLONEDEV_MECH_AES_GCM:
		if (enc)
			return c->fed + tag;
		return c->fed > tag ? c->fed - tag : 0;
	case CLONEDEV_MECH_AES_CBC_PAD:
		return enc ? (c->fed / 16 + 1) * 16 : c->fed;
	case CLONEDEV_MECH_AES_CTR:
		return c->fed;
	}
	return (c->key_bits + 7) / 8;	/* RSA-OAEP */
}

/* C_EncryptUpdate, C_DecryptUpdate, C_SignUpdate, C_VerifyUpdate. */
static CK_RV op_update(CK_SESSION_HANDLE h, unsigned int op,
		       const unsigned char *in, CK_ULONG in_len,
		       unsigned char *out, CK_ULONG_PTR out_len)
{
	int cipher = op == CLONEDEV_CRYPT_ENCRYPT || op == CLONEDEV_CRYPT_DECRYPT;
	struct p11_session *s;
	struct p11_crypt *c;
	unsigned long cap = 0;
	size_t n = 0;
	int ret, keep;
	CK_RV rv = op_get(h, op, &s);

	if (rv)
		return rv;
	c = &s->crypt;
	if (c->single) {
		rv = CKR_FUNCTION_NOT_SUPPORTED;	/* a single-part mechanism */
		goto end;
	}
	if ((!in && in_len) || (cipher && !out_len)) {
		rv = CKR_ARGUMENTS_BAD;
		goto end;
	}
	if (p11_is_ha(s->tok)) {
		/* Nothing comes out before the final call. */
		if (cipher && !out)
			goto none;
		rv = ha_gather(s, in, in_len);
		if (rv)
			goto end;
none:
		if (cipher)
			*out_len = 0;
		goto out;
	}
	if (cipher && !out) {
		*out_len = out_bound(c, 0, in_len);
		goto out;
	}
	rv = op_start(s);
	if (rv)
		goto end;
	if (cipher)
		cap = *out_len;
	ret = clonedev_crypt_update(s->cd, in, in_len, cipher ? out : NULL,
				    cap, &n);
	if (cipher) {
		rv = out_result(s, ret, out, cap, n, out_len, &keep);
		if (keep)
			goto out;
	} else {
		rv = p11_rv(ret, ctx_of(op));
	}
	if (rv) {
		/* A failed update ended it in the kernel, but input too long. */
		if (ret != -EMSGSIZE)
			c->started = 0;
		goto end;
	}
	c->fed += in_len;
	goto out;
end:
	p11_crypt_end(s);
out:
	op_put(s);
	return rv;
}

/* C_EncryptFinal, C_DecryptFinal, C_SignFinal. */
static CK_RV op_final(CK_SESSION_HANDLE h, unsigned int op,
		      unsigned char *out, CK_ULONG_PTR out_len)
{
	struct p11_session *s;
	struct p11_crypt *c;
	unsigned long cap, need;
	size_t n = 0;
	int ret, keep;
	CK_RV rv = op_get(h, op, &s);

	if (rv)
		return rv;
	c = &s->crypt;
	if (c->single) {
		rv = CKR_FUNCTION_NOT_SUPPORTED;
		goto end;
	}
	if (!out_len) {
		rv = CKR_ARGUMENTS_BAD;
		goto end;
	}
	if (op == CLONEDEV_CRYPT_SIGN)
		need = sig_size(c);
	else if (p11_is_ha(s->tok))
		need = ha_out_bound(c);
	else
		need = out_bound(c, 1, 0);
	if (!out) {
		*out_len = need;
		goto out;
	}
	cap = *out_len;
	if (op == CLONEDEV_CRYPT_SIGN && cap < need) {
		*out_len = need;
		rv = CKR_BUFFER_TOO_SMALL;
		goto out;
	}
	if (op == CLONEDEV_CRYPT_DECRYPT && !cbc_len_ok(c, c->fed)) {
		rv = CKR_ENCRYPTED_DATA_LEN_RANGE;
		goto end;
	}
	if (p11_is_ha(s->tok)) {
		ret = p11_ha_crypt(s, c->buf, c->fed, out, cap, &n);
		rv = out_result(s, ret, out, cap, n, out_len, &keep);
		if (keep)
			goto out;
		goto end;
	}
	rv = op_start(s);
	if (rv)
		goto end;
	ret = clonedev_crypt_final(s->cd, NULL, 0, out, cap, &n);
	rv = out_result(s, ret, out, cap, n, out_len, &keep);
	if (keep)
		goto out;
	/* The final call ended it, unless its input was too long. */
	if (ret != -EMSGSIZE)
		c->started = 0;
end:
	p11_crypt_end(s);
out:
	op_put(s);
	return rv;
}

static CK_RV verify(CK_SESSION_HANDLE h, const unsigned char *in,
		    CK_ULONG in_len, const unsigned char *sig,
		    CK_ULONG sig_len, int final)
{
	struct p11_session *s;
	struct p11_crypt *c;
	int ret;
	CK_RV rv = op_get(h, CLONEDEV_CRYPT_VERIFY, &s);

	if (rv)
		return rv;
	c = &s->crypt;
	if (!final && c->started) {
		rv = CKR_OPERATION_ACTIVE;
		goto out;
	}
	if ((!in && in_len) || (!sig && sig_len)) {
		rv = CKR_ARGUMENTS_BAD;
		goto end;
	}
	if (!final && (c->p.flags & CLONEDEV_CRYPT_PREHASHED) &&
	    in_len != hash_len(c->p.hash)) {
		rv = CKR_DATA_LEN_RANGE;
		goto end;
	}
	if (final && c->single) {
		rv = CKR_FUNCTION_NOT_SUPPORTED;
		goto end;
	}
	if (sig_len != sig_size(c)) {
		rv = CKR_SIGNATURE_LEN_RANGE;
		goto end;
	}
	if (final && p11_is_ha(s->tok)) {
		ret = p11_ha_verify(s, c->buf, c->fed, sig, sig_len);
	} else if (final) {
		rv = op_start(s);
		if (rv)
			goto end;
		ret = clonedev_verify_final(s->cd, NULL, 0, sig, sig_len);
		c->started = 0;
	} else if (p11_is_ha(s->tok)) {
		ret = p11_ha_verify(s, in, in_len, sig, sig_len);
	} else {
		ret = clonedev_verify(s->cd, c->key, &c->p, in, in_len, sig,
				      sig_len);
	}
	rv = p11_rv(ret, P11_CTX_VERIFY);
end:
	p11_crypt_end(s);
out:
	op_put(s);
	return rv;
}

CK_RV C_EncryptInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
		    CK_OBJECT_HANDLE hKey)
{
	return op_init(hSession, pMechanism, hKey, CLONEDEV_CRYPT_ENCRYPT);
}

CK_RV C_Encrypt(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData,
		CK_ULONG ulDataLen, CK_BYTE_PTR pEncryptedData,
		CK_ULONG_PTR pulEncryptedDataLen)
{
	return op_single(hSession, CLONEDEV_CRYPT_ENCRYPT, pData, ulDataLen,
			 pEncryptedData, pulEncryptedDataLen);
}

CK_RV C_EncryptUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart,
		      CK_ULONG ulPartLen, CK_BYTE_PTR pEncryptedPart,
		      CK_ULONG_PTR pulEncryptedPartLen)
{
	return op_update(hSession, CLONEDEV_CRYPT_ENCRYPT, pPart, ulPartLen,
			 pEncryptedPart, pulEncryptedPartLen);
}

CK_RV C_EncryptFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pLastEncryptedPart,
		     CK_ULONG_PTR pulLastEncryptedPartLen)
{
	return op_final(hSession, CLONEDEV_CRYPT_ENCRYPT, pLastEncryptedPart,
			pulLastEncryptedPartLen);
}

CK_RV C_DecryptInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
		    CK_OBJECT_HANDLE hKey)
{
	return op_init(hSession, pMechanism, hKey, CLONEDEV_CRYPT_DECRYPT);
}

CK_RV C_Decrypt(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedData,
		CK_ULONG ulEncryptedDataLen, CK_BYTE_PTR pData,
		CK_ULONG_PTR pulDataLen)
{
	return op_single(hSession, CLONEDEV_CRYPT_DECRYPT, pEncryptedData,
			 ulEncryptedDataLen, pData, pulDataLen);
}

CK_RV C_DecryptUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedPart,
		      CK_ULONG ulEncryptedPartLen, CK_BYTE_PTR pPart,
		      CK_ULONG_PTR pulPartLen)
{
	return op_update(hSession, CLONEDEV_CRYPT_DECRYPT, pEncryptedPart,
			 ulEncryptedPartLen, pPart, pulPartLen);
}

CK_RV C_DecryptFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pLastPart,
		     CK_ULONG_PTR pulLastPartLen)
{
	return op_final(hSession, CLONEDEV_CRYPT_DECRYPT, pLastPart,
			pulLastPartLen);
}

CK_RV C_SignInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
		 CK_OBJECT_HANDLE hKey)
{
	return op_init(hSession, pMechanism, hKey, CLONEDEV_CRYPT_SIGN);
}

CK_RV C_Sign(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen,
	     CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen)
{
	return op_single(hSession, CLONEDEV_CRYPT_SIGN, pData, ulDataLen,
			 pSignature, pulSignatureLen);
}

CK_RV C_SignUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart,
		   CK_ULONG ulPartLen)
{
	return op_update(hSession, CLONEDEV_CRYPT_SIGN, pPart, ulPartLen,
			 NULL, NULL);
}

CK_RV C_SignFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature,
		  CK_ULONG_PTR pulSignatureLen)
{
	return op_final(hSession, CLONEDEV_CRYPT_SIGN, pSignature,
			pulSignatureLen);
}

CK_RV C_VerifyInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
		   CK_OBJECT_HANDLE hKey)
{
	return op_init(hSession, pMechanism, hKey, CLONEDEV_CRYPT_VERIFY);
}

CK_RV C_Verify(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData,
	       CK_ULONG ulDataLen, CK_BYTE_PTR pSignature,
	       CK_ULONG ulSignatureLen)
{
	return verify(hSession, pData, ulDataLen, pSignature, ulSignatureLen, 0);
}

CK_RV C_VerifyUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart,
		     CK_ULONG ulPartLen)
{
	return op_update(hSession, CLONEDEV_CRYPT_VERIFY, pPart, ulPartLen,
			 NULL, NULL);
}

CK_RV C_VerifyFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature,
		    CK_ULONG ulSignatureLen)
{
	return verify(hSession, NULL, 0, pSignature, ulSignatureLen, 1);
}

CK_RV C_GenerateRandom(CK_SESSION_HANDLE hSession, CK_BYTE_PTR RandomData,
		       CK_ULONG ulRandomLen)
{
	struct p11_session *s;
	CK_RV rv = p11_session_get(hSession, &s);

	if (rv)
		return rv;
	if (p11_is_ha(s->tok))
		rv = CKR_FUNCTION_NOT_SUPPORTED;	/* no CKF_RNG on HA slots */
	else if (!RandomData && ulRandomLen)
		rv = CKR_ARGUMENTS_BAD;
	else
		rv = p11_rv(clonedev_random(s->cd, RandomData, ulRandomLen),
			    P11_CTX_GENERAL);
	p11_session_put(s);
	return rv;
}

/* ---- wrap, unwrap, derive ---- */

CK_RV C_WrapKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
		CK_OBJECT_HANDLE hWrappingKey, CK_OBJECT_HANDLE hKey,
		CK_BYTE_PTR pWrappedKey, CK_ULONG_PTR pulWrappedKeyLen)
{
	struct clonedev_object_attrs w, k;
	struct p11_session *s;
	unsigned char *buf = NULL;
	size_t n = 0;
	CK_RV rv = p11_session_get(hSession, &s);

	if (rv)
		return rv;
	pthread_mutex_lock(&s->lock);
	if (p11_is_ha(s->tok)) {
		rv = CKR_FUNCTION_NOT_SUPPORTED;	/* not through an HA slot */
		goto out;
	}
	if (!pMechanism || !pulWrappedKeyLen) {
		rv = CKR_ARGUMENTS_BAD;
		goto out;
	}
	if (pMechanism->mechanism != CKM_AES_KEY_WRAP_PAD) {
		rv = CKR_MECHANISM_INVALID;
		goto out;
	}
	if (pMechanism->pParameter || pMechanism->ulParameterLen) {
		rv = CKR_MECHANISM_PARAM_INVALID;
		goto out;
	}
	rv = p11_object_attrs(s, hWrappingKey, &w, P11_CTX_KEY);
	if (rv == CKR_KEY_HANDLE_INVALID)
		rv = CKR_WRAPPING_KEY_HANDLE_INVALID;
	if (!rv && w.key_type != CLONEDEV_KEY_AES)
		rv = CKR_WRAPPING_KEY_TYPE_INCONSISTENT;
	if (!rv && !(w.obj_flags & CLONEDEV_OBJ_WRAP))
		rv = CKR_KEY_FUNCTION_NOT_PERMITTED;
	if (!rv)
		rv = p11_object_attrs(s, hKey, &k, P11_CTX_KEY);
	if (!rv && (k.obj_class == CLONEDEV_CLASS_DATA ||
		    k.obj_class == CLONEDEV_CLASS_PUBLIC_KEY))
		rv = CKR_KEY_NOT_WRAPPABLE;
	if (!rv && !(k.obj_flags & CLONEDEV_OBJ_EXTRACTABLE))
		rv = CKR_KEY_UNEXTRACTABLE;
	if (rv)
		goto out;
	buf = malloc(CLONEDEV_WRAPPED_MAX);
	if (!buf) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	rv = p11_rv(clonedev_wrap(s->cd, CLONEDEV_MECH_AES_KWP, hWrappingKey,
				  hKey, buf, CLONEDEV_WRAPPED_MAX, &n),
		    P11_CTX_WRAP);
	if (rv)
		goto out;
	if (pWrappedKey && *pulWrappedKeyLen < n)
		rv = CKR_BUFFER_TOO_SMALL;
	else if (pWrappedKey)
		memcpy(pWrappedKey, buf, n);
	*pulWrappedKeyLen = n;
out:
	pthread_mutex_unlock(&s->lock);
	free(buf);
	p11_session_put(s);
	return rv;
}

CK_RV C_UnwrapKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
		  CK_OBJECT_HANDLE hUnwrappingKey, CK_BYTE_PTR pWrappedKey,
		  CK_ULONG ulWrappedKeyLen, CK_ATTRIBUTE_PTR pTemplate,
		  CK_ULONG ulAttributeCount, CK_OBJECT_HANDLE_PTR phKey)
{
	struct clonedev_object_attrs w;
	struct p11_newkey k;
	struct p11_session *s;
	unsigned int h;
	CK_RV rv = p11_session_get(hSession, &s);

	if (rv)
		return rv;
	pthread_mutex_lock(&s->lock);
	if (p11_is_ha(s->tok)) {
		rv = CKR_FUNCTION_NOT_SUPPORTED;	/* not through an HA slot */
		goto out;
	}
	if (!pMechanism || !phKey || (!pWrappedKey && ulWrappedKeyLen)) {
		rv = CKR_ARGUMENTS_BAD;
		goto out;
	}
	if (pMechanism->mechanism != CKM_AES_KEY_WRAP_PAD) {
		rv = CKR_MECHANISM_INVALID;
		goto out;
	}
	if (pMechanism->pParameter || pMechanism->ulParameterLen) {
		rv = CKR_MECHANISM_PARAM_INVALID;
		goto out;
	}
	rv = p11_object_attrs(s, hUnwrappingKey, &w, P11_CTX_UNWRAP);
	if (!rv && w.key_type != CLONEDEV_KEY_AES)
		rv = CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT;
	if (!rv && !(w.obj_flags & CLONEDEV_OBJ_UNWRAP))
		rv = CKR_KEY_FUNCTION_NOT_PERMITTED;
	if (!rv)
		rv = p11_newkey_read(s, pTemplate, ulAttributeCount, &k);
	if (!rv && k.value_len)
		rv = CKR_TEMPLATE_INCONSISTENT;	/* the wrapped key has its size */
	if (rv)
		goto out;
	rv = p11_rv(clonedev_unwrap(s->cd, CLONEDEV_MECH_AES_KWP,
				    hUnwrappingKey, pWrappedKey,
				    ulWrappedKeyLen, &k.t, &h),
		    P11_CTX_UNWRAP);
	if (!rv)
		rv = p11_newkey_done(s, &k, h);
	if (!rv)
		*phKey = h;
out:
	pthread_mutex_unlock(&s->lock);
	p11_session_put(s);
	return rv;
}

/* The peer's point from CKA_EC_POINT form (DER OCTET STRING) or raw. */
static const unsigned char *peer_point(const CK_ECDH1_DERIVE_PARAMS *p,
				       unsigned long *len)
{
	const unsigned char *d = p->pPublicData;

	*len = p->ulPublicDataLen;
	if (*len > 2 && d[0] == 0x04 && d[1] == *len - 2 &&
	    (*len - 2 == 65 || *len - 2 == 97)) {
		*len -= 2;
		return d + 2;
	}
	return d;
}

CK_RV C_DeriveKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
		  CK_OBJECT_HANDLE hBaseKey, CK_ATTRIBUTE_PTR pTemplate,
		  CK_ULONG ulAttributeCount, CK_OBJECT_HANDLE_PTR phKey)
{
	const CK_ECDH1_DERIVE_PARAMS *p;
	struct clonedev_object_attrs b;
	const unsigned char *peer;
	unsigned long peer_len, field;
	struct p11_newkey k;
	struct p11_session *s;
	unsigned int h;
	CK_RV rv = p11_session_get(hSession, &s);

	if (rv)
		return rv;
	pthread_mutex_lock(&s->lock);
	if (p11_is_ha(s->tok)) {
		rv = CKR_FUNCTION_NOT_SUPPORTED;	/* not through an HA slot */
		goto out;
	}
	if (!pMechanism || !phKey) {
		rv = CKR_ARGUMENTS_BAD;
		goto out;
	}
	if (pMechanism->mechanism != CKM_ECDH1_DERIVE) {
		rv = CKR_MECHANISM_INVALID;
		goto out;
	}
	p = PARAM(pMechanism, CK_ECDH1_DERIVE_PARAMS);
	/* The shared x-coordinate as it is: no KDF. */
	if (!p || p->kdf != CKD_NULL || p->ulSharedDataLen ||
	    !p->pPublicData || !p->ulPublicDataLen) {
		rv = CKR_MECHANISM_PARAM_INVALID;
		goto out;
	}
	rv = p11_object_attrs(s, hBaseKey, &b, P11_CTX_KEY);
	if (!rv && (b.obj_class != CLONEDEV_CLASS_PRIVATE_KEY ||
		    !is_ec(b.key_type)))
		rv = CKR_KEY_TYPE_INCONSISTENT;
	if (!rv && !(b.obj_flags & CLONEDEV_OBJ_DERIVE))
		rv = CKR_KEY_FUNCTION_NOT_PERMITTED;
	if (!rv)
		rv = p11_newkey_read(s, pTemplate, ulAttributeCount, &k);
	if (rv)
		goto out;
	if (k.t.key_type != CLONEDEV_KEY_AES &&
	    k.t.key_type != CLONEDEV_KEY_GENERIC_SECRET) {
		rv = CKR_TEMPLATE_INCONSISTENT;
		goto out;
	}
	field = b.key_type == CLONEDEV_KEY_EC_P256 ? 32 : 48;
	if (!k.value_len)
		k.value_len = k.t.key_type == CLONEDEV_KEY_AES ? 32 : field;
	if (k.value_len > field) {
		rv = CKR_TEMPLATE_INCONSISTENT;
		goto out;
	}
	k.t.bits = k.value_len * 8;
	peer = peer_point(p, &peer_len);
	rv = p11_rv(clonedev_derive(s->cd, CLONEDEV_MECH_ECDH, hBaseKey, peer,
				    peer_len, &k.t, &h),
		    P11_CTX_TEMPLATE);
	if (rv == CKR_TEMPLATE_INCONSISTENT)
		rv = CKR_MECHANISM_PARAM_INVALID;	/* a point off the curve */
	if (!rv)
		rv = p11_newkey_done(s, &k, h);
	if (!rv)
		*phKey = h;
out:
	pthread_mutex_unlock(&s->lock);
	p11_session_put(s);
	return rv;
}
