// SPDX-License-Identifier: GPL-2.0
/*
 * clonedev-pedserver: the server's side of the remote PED channel's
 * messages and key schedule (docs/remote-ped.md, "Messages" and "Keys"):
 * ephemeral P-256 ECDH, HKDF and HMAC with SHA-256, AES-256-GCM, all from
 * OpenSSL's EVP interfaces. Every secret is wiped once used.
 */
#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "pedserver.h"

#define LABEL_SERVER	"clonedev ped server"
#define LABEL_KERNEL	"clonedev ped kernel"
#define LABEL_K2S	"clonedev ped k2s"
#define LABEL_S2K	"clonedev ped s2k"

/* HELLO's fields, offsets in its body. */
#define HELLO_NK	0
#define HELLO_PK	32
#define HELLO_SERIAL	97
#define HELLO_LABEL	105
#define HELLO_RPV_ID	137
#define HELLO_RESERVED	145

void ped_put32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

uint32_t ped_get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static unsigned long long get64(const unsigned char *p)
{
	return (unsigned long long)ped_get32(p) << 32 | ped_get32(p + 4);
}

void ped_header(unsigned char *hdr, enum ped_type type, uint32_t seq,
		size_t body)
{
	ped_put32(hdr, PED_MAGIC);
	hdr[4] = PED_VERSION;
	hdr[5] = type;
	hdr[6] = 0;
	hdr[7] = 0;
	ped_put32(hdr + 8, seq);
	ped_put32(hdr + 12, (uint32_t)body);
}

/* Return: 0 if @msg is a @type message of sequence @seq and @body bytes. */
int ped_check_header(const unsigned char *msg, size_t len,
		     enum ped_type type, uint32_t seq, size_t body)
{
	if (len != PED_HDR_LEN + body || ped_get32(msg) != PED_MAGIC ||
	    msg[4] != PED_VERSION || msg[5] != type || msg[6] || msg[7] ||
	    ped_get32(msg + 8) != seq || ped_get32(msg + 12) != body)
		return -EBADMSG;
	return 0;
}

size_t ped_error_msg(enum ped_error_code code, uint32_t seq,
		     unsigned char *out)
{
	ped_header(out, PED_ERROR, seq, PED_ERROR_BODY);
	ped_put32(out + PED_HDR_LEN, code);
	ped_put32(out + PED_HDR_LEN + 4, 0);
	return PED_HDR_LEN + PED_ERROR_BODY;
}

static bool all_zero(const unsigned char *p, size_t len)
{
	while (len--)
		if (*p++)
			return false;
	return true;
}

/* Copies a NUL-padded label, its unprintable bytes shown as '?'. */
static void copy_label(char *dst, const unsigned char *src)
{
	int i;

	for (i = 0; i < PED_LABEL_LEN && src[i]; i++)
		dst[i] = src[i] < 0x20 || src[i] > 0x7e ? '?' : (char)src[i];
	dst[i] = '\0';
}

static int sha256(const unsigned char *a, size_t alen,
		  const unsigned char *b, size_t blen,
		  const unsigned char *c, size_t clen, unsigned char *out)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
	     EVP_DigestUpdate(ctx, a, alen) && EVP_DigestUpdate(ctx, b, blen) &&
	     EVP_DigestUpdate(ctx, c, clen) &&
	     EVP_DigestFinal_ex(ctx, out, NULL);
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -EIO;
}

/* HMAC-SHA256(@key, @label || @h). */
static int mac(const unsigned char *key, const char *label,
	       const unsigned char *h, unsigned char *out)
{
	unsigned char data[64];
	size_t llen = strlen(label), len = 0;
	int ok;

	memcpy(data, label, llen);
	memcpy(data + llen, h, 32);
	ok = EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, PED_KEY_LEN,
		       data, llen + 32, out, 32, &len) != NULL;
	return ok && len == 32 ? 0 : -EIO;
}

static int hkdf(int mode, const unsigned char *key, size_t klen,
		const unsigned char *salt, const unsigned char *info,
		size_t ilen, unsigned char *out)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM p[6], *q = p;
	int ok;

	*q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						"SHA256", 0);
	*q++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
						 (void *)key, klen);
	if (salt)
		*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
							 (void *)salt,
							 PED_KEY_LEN);
	if (info)
		*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
							 (void *)info, ilen);
	*q = OSSL_PARAM_construct_end();
	ok = ctx && EVP_KDF_derive(ctx, out, PED_KEY_LEN, p) > 0;
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return ok ? 0 : -EIO;
}

/* HKDF-Expand(PRK, @label || H_3, 32). */
static int expand(const unsigned char *prk, const char *label,
		  const unsigned char *h3, unsigned char *out)
{
	unsigned char info[64];
	size_t llen = strlen(label);

	memcpy(info, label, llen);
	memcpy(info + llen, h3, 32);
	return hkdf(EVP_KDF_HKDF_MODE_EXPAND_ONLY, prk, PED_KEY_LEN, NULL,
		    info, llen + 32, out);
}

/*
 * The kernel's public key as a P-256 key; NULL unless it is an
 * uncompressed point of the curve (coordinates below p, on the curve).
 */
static EVP_PKEY *peer_key(const unsigned char *point)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *key = NULL;
	OSSL_PARAM p[3];

	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
						"prime256v1", 0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
						 (void *)point,
						 PED_POINT_LEN);
	p[2] = OSSL_PARAM_construct_end();
	if (point[0] != 4 || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, p) <= 0)
		key = NULL;
	EVP_PKEY_CTX_free(ctx);
	ctx = key ? EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL) : NULL;
	if (key && (!ctx || EVP_PKEY_public_check(ctx) <= 0)) {
		EVP_PKEY_free(key);
		key = NULL;
	}
	EVP_PKEY_CTX_free(ctx);
	return key;
}

/* Z = the X coordinate of ECDH(@mine, @peer). */
static int derive(EVP_PKEY *mine, EVP_PKEY *peer, unsigned char *z)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, mine, NULL);
	size_t len = PED_KEY_LEN;
	int ok;

	ok = ctx && EVP_PKEY_derive_init(ctx) > 0 &&
	     EVP_PKEY_derive_set_peer(ctx, peer) > 0 &&
	     EVP_PKEY_derive(ctx, z, &len) > 0 && len == PED_KEY_LEN;
	EVP_PKEY_CTX_free(ctx);
	return ok ? 0 : -EIO;
}

/* Ns and Ps into ACCEPT's body, and Z. */
static int ephemeral(const unsigned char *pk, unsigned char *body,
		     unsigned char *z)
{
	EVP_PKEY *peer = peer_key(pk), *mine = NULL;
	size_t len = 0;
	int ret = -EIO;

	if (!peer)
		return -EKEYREJECTED;
	mine = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (mine && RAND_bytes(body, PED_NONCE_LEN) == 1 &&
	    EVP_PKEY_get_octet_string_param(mine,
					    OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
					    body + PED_NONCE_LEN,
					    PED_POINT_LEN, &len) &&
	    len == PED_POINT_LEN && body[PED_NONCE_LEN] == 4)
		ret = derive(mine, peer, z);
	EVP_PKEY_free(mine);	/* frees (and clears) the private key */
	EVP_PKEY_free(peer);
	return ret;
}

/*
 * Takes HELLO and writes ACCEPT at @out (PED_ACCEPT_LEN bytes), keyed
 * with the vector of @rpvs that HELLO's rpv_id names.
 * Return: 0; -EBADMSG (unexpected), -ENOKEY (an RPV not held),
 * -EKEYREJECTED (a bad public key) or -EIO.
 */
int ped_hello(struct ped_channel *ch, const struct ped_rpvs *rpvs,
	      const unsigned char *msg, size_t len, unsigned char *out)
{
	const unsigned char *b = msg + PED_HDR_LEN;
	unsigned char z[PED_KEY_LEN], h1[32];
	const struct ped_rpv *rpv;
	int ret;

	if (ped_check_header(msg, len, PED_HELLO, 0, PED_HELLO_BODY) ||
	    !all_zero(b + HELLO_RESERVED, 8))
		return -EBADMSG;
	memcpy(ch->hello, msg, PED_HELLO_LEN);
	ch->serial = get64(b + HELLO_SERIAL);
	copy_label(ch->label, b + HELLO_LABEL);
	rpv = ped_rpv_find(rpvs, b + HELLO_RPV_ID);
	if (!rpv)
		return -ENOKEY;
	ped_header(out, PED_ACCEPT, 0, PED_ACCEPT_BODY);
	ret = ephemeral(b + HELLO_PK, out + PED_HDR_LEN, z);
	if (!ret)
		ret = hkdf(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, z, sizeof(z),
			   rpv->key, NULL, 0, ch->prk);
	OPENSSL_cleanse(z, sizeof(z));
	if (!ret)
		ret = sha256(ch->hello, PED_HELLO_LEN, out, PED_ACCEPT_LEN - 32,
			     NULL, 0, h1);
	if (!ret)
		ret = mac(ch->prk, LABEL_SERVER, h1, out + PED_ACCEPT_LEN - 32);
	if (!ret)
		memcpy(ch->accept, out, PED_ACCEPT_LEN);
	return ret;
}

/* The rpv_id of the HELLO ped_hello() took (unless it returned -EBADMSG). */
const unsigned char *ped_hello_rpv_id(const struct ped_channel *ch)
{
	return ch->hello + PED_HDR_LEN + HELLO_RPV_ID;
}

/* K_ks and K_sk from H_3; PRK is wiped. */
static int traffic_keys(struct ped_channel *ch, const unsigned char *finish)
{
	unsigned char h3[32];
	int ret;

	ret = sha256(ch->hello, PED_HELLO_LEN, ch->accept, PED_ACCEPT_LEN,
		     finish, PED_HDR_LEN + PED_FINISH_BODY, h3);
	if (!ret)
		ret = expand(ch->prk, LABEL_K2S, h3, ch->k_ks);
	if (!ret)
		ret = expand(ch->prk, LABEL_S2K, h3, ch->k_sk);
	OPENSSL_cleanse(ch->prk, sizeof(ch->prk));
	return ret;
}

/*
 * Takes FINISH and writes READY at @out (PED_HDR_LEN + PED_READY_BODY).
 * Return: 0; -EBADMSG (unexpected), -EKEYREJECTED (MAC_K) or -EIO.
 */
int ped_finish(struct ped_channel *ch, const unsigned char *msg, size_t len,
	       unsigned char *out)
{
	unsigned char h2[32], mac_k[32];
	int ret;

	if (ped_check_header(msg, len, PED_FINISH, 1, PED_FINISH_BODY))
		return -EBADMSG;
	ret = sha256(ch->hello, PED_HELLO_LEN, ch->accept, PED_ACCEPT_LEN,
		     msg, PED_HDR_LEN, h2);
	if (!ret)
		ret = mac(ch->prk, LABEL_KERNEL, h2, mac_k);
	if (!ret && CRYPTO_memcmp(mac_k, msg + PED_HDR_LEN, 32))
		ret = -EKEYREJECTED;
	OPENSSL_cleanse(mac_k, sizeof(mac_k));
	if (!ret)
		ret = traffic_keys(ch, msg);
	OPENSSL_cleanse(ch->prk, sizeof(ch->prk));
	if (!ret)
		ret = ped_seal(ch, PED_READY, 1, NULL, 0, out);
	ch->seq = 2;
	return ret;
}

static void nonce(unsigned char *iv, uint32_t seq)
{
	memset(iv, 0, 8);
	ped_put32(iv + 8, seq);
}

/* AES-256-GCM of @in into @out, @tag sealed or checked (@enc). */
static int gcm(int enc, const unsigned char *key, const unsigned char *hdr,
	       const unsigned char *in, size_t len, unsigned char *out,
	       unsigned char *tag)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	unsigned char iv[12];
	int n = 0, ok;

	nonce(iv, ped_get32(hdr + 8));
	ok = ctx && EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, iv,
				      enc) &&
	     EVP_CipherUpdate(ctx, NULL, &n, hdr, PED_HDR_LEN) &&
	     (!len || EVP_CipherUpdate(ctx, out, &n, in, (int)len)) &&
	     (enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG,
					 PED_TAG_LEN, tag)) &&
	     EVP_CipherFinal_ex(ctx, out + len, &n) &&
	     (!enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG,
					  PED_TAG_LEN, tag));
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -EKEYREJECTED;
}

/* Seals @len bytes at @plain as a @type message of @seq at @out. */
int ped_seal(struct ped_channel *ch, enum ped_type type, uint32_t seq,
	     const unsigned char *plain, size_t len, unsigned char *out)
{
	ped_header(out, type, seq, len + PED_TAG_LEN);
	return gcm(1, ch->k_sk, out, plain, len, out + PED_HDR_LEN,
		   out + PED_HDR_LEN + len) ? -EIO : 0;
}

static int parse_request(const unsigned char *p, struct ped_request *req)
{
	req->kind = ped_get32(p);
	copy_label(req->label, p + 8);
	if (req->kind < CLONEDEV_PED_KIND_PO ||
	    req->kind > CLONEDEV_PED_KIND_DOMAIN || ped_get32(p + 4))
		return -EBADMSG;
	if (req->kind != CLONEDEV_PED_KIND_DOMAIN &&
	    !all_zero(p + 8, PED_LABEL_LEN))
		return -EBADMSG;
	/* NUL-padded: nothing after the first NUL. */
	if (!all_zero(p + 8 + strlen(req->label),
		      PED_LABEL_LEN - strlen(req->label)))
		return -EBADMSG;
	return 0;
}

/*
 * Opens REQUEST. Return: 0; -EBADMSG (unexpected) or -EKEYREJECTED (the
 * tag).
 */
int ped_open_request(struct ped_channel *ch, const unsigned char *msg,
		     size_t len, struct ped_request *req)
{
	unsigned char plain[PED_REQUEST_PLAIN], tag[PED_TAG_LEN];
	int ret;

	if (ped_check_header(msg, len, PED_REQUEST, ch->seq, PED_REQUEST_BODY))
		return -EBADMSG;
	memcpy(tag, msg + PED_HDR_LEN + PED_REQUEST_PLAIN, PED_TAG_LEN);
	ret = gcm(0, ch->k_ks, msg, msg + PED_HDR_LEN, PED_REQUEST_PLAIN,
		  plain, tag);
	if (!ret)
		ret = parse_request(plain, req);
	OPENSSL_cleanse(plain, sizeof(plain));
	return ret;
}

void ped_channel_wipe(struct ped_channel *ch)
{
	OPENSSL_cleanse(ch, sizeof(*ch));
}

/* Whether @msg has the type of a STORE (the other checks come after). */
bool ped_is_store(const unsigned char *msg, size_t len)
{
	return len >= PED_HDR_LEN && msg[5] == PED_STORE;
}

/* STORE's plaintext at @p (@n shares after its head) into @st. */
static int parse_store(const unsigned char *p, unsigned int n,
		       struct ped_store *st)
{
	bool domain;
	unsigned int i, seen = 0;
	int len;

	st->kind = ped_get32(p);
	st->m = ped_get32(p + 8);
	st->n = ped_get32(p + 12);
	memcpy(st->fingerprint, p + 16, CLONEDEV_FINGERPRINT_LEN);
	domain = st->kind == CLONEDEV_PED_KIND_DOMAIN;
	if (st->kind < CLONEDEV_PED_KIND_PO || st->kind > CLONEDEV_PED_KIND_DOMAIN ||
	    ped_get32(p + 4) || st->n != n || !st->m || st->m > st->n)
		return -EBADMSG;
	if (!domain && !all_zero(p + 16, CLONEDEV_FINGERPRINT_LEN + PED_LABEL_LEN))
		return -EBADMSG;
	/* A domain's label: 1 to 32 printable characters, NUL-padded. */
	for (len = 0; len < PED_LABEL_LEN && p[24 + len]; len++)
		if (p[24 + len] < 0x20 || p[24 + len] > 0x7e)
			return -EBADMSG;
	if (domain && (!len || !all_zero(p + 24 + len, PED_LABEL_LEN - len)))
		return -EBADMSG;
	memcpy(st->label, p + 24, len);
	st->label[len] = '\0';
	for (i = 0; i < n; i++) {
		const unsigned char *s = p + PED_STORE_HEAD + i * PED_SHARE_WIRE;

		/* Indexes 1 to n, each once (in any order), reserved zero. */
		if (!s[0] || s[0] > n || (seen & (1U << s[0])) ||
		    !all_zero(s + 1, 7))
			return -EBADMSG;
		seen |= 1U << s[0];
		st->shares[i].index = s[0];
		memset(st->shares[i].__reserved, 0,
		       sizeof(st->shares[i].__reserved));
		memcpy(st->shares[i].data, s + 8, CLONEDEV_SHARE_LEN);
	}
	return 0;
}

/*
 * A STORE: -EBADMSG if it breaks a rule of docs/remote-ped.md,
 * -EKEYREJECTED if it does not open.
 */
int ped_open_store(struct ped_channel *ch, const unsigned char *msg,
		   size_t len, struct ped_store *st)
{
	unsigned char plain[PED_STORE_HEAD +
			    CLONEDEV_QUORUM_MAX * PED_SHARE_WIRE];
	unsigned char tag[PED_TAG_LEN];
	size_t plain_len, n;
	int ret;

	memset(st, 0, sizeof(*st));
	if (len < PED_HDR_LEN + PED_STORE_HEAD + PED_TAG_LEN)
		return -EBADMSG;
	plain_len = len - PED_HDR_LEN - PED_TAG_LEN;
	n = (plain_len - PED_STORE_HEAD) / PED_SHARE_WIRE;
	if ((plain_len - PED_STORE_HEAD) % PED_SHARE_WIRE || !n ||
	    n > CLONEDEV_QUORUM_MAX ||
	    ped_check_header(msg, len, PED_STORE, ch->seq,
			     plain_len + PED_TAG_LEN))
		return -EBADMSG;
	memcpy(tag, msg + PED_HDR_LEN + plain_len, PED_TAG_LEN);
	ret = gcm(0, ch->k_ks, msg, msg + PED_HDR_LEN, plain_len, plain, tag);
	if (!ret)
		ret = parse_store(plain, (unsigned int)n, st);
	OPENSSL_cleanse(plain, sizeof(plain));
	if (ret)
		OPENSSL_cleanse(st, sizeof(*st));
	return ret;
}
