// SPDX-License-Identifier: GPL-2.0
/*
 * The cloning protocol engine (CLONEDEV_IOCTL_CLONE). A clone runs between
 * two sessions, source and target, each holding a struct cld_clone; a
 * relay in user space carries the messages one side outputs to the other
 * side's next step. docs/clone-protocol.md is the wire format and key
 * schedule this file implements: HELLO/CHOICE/CONFIRM/READY negotiate the
 * protocol (CPv4 with a suite, CPv3 or CPv1) under a key derived from the
 * shared domain, then one OBJECT/RESULT exchange per object and DONE/
 * SUMMARY. Every primitive comes from the kernel crypto API: kpp for
 * ECDH, HMAC for HKDF and the transcript MACs, AEAD for the objects.
 */
#include <crypto/aead.h>
#include <crypto/algapi.h>
#include <crypto/ecdh.h>
#include <crypto/hash.h>
#include <crypto/kpp.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "clone.h"
#include "domain.h"
#include "hsm.h"
#include "object.h"
#include "partition.h"
#include "policy.h"
#include "session.h"
#include "spake2.h"

#define MAGIC		0x434c4f4eU	/* "CLON" */
#define WIRE_VERSION	2
#define HDR_LEN		32
#define NONCE_LEN	32
#define SID_LEN		16
#define MAC_LEN		32
#define TAG_LEN		16
#define KEY_LEN		32
#define PUB_MAX		97		/* 0x04 || X || Y on P-384 */
#define EPOCH_OBJECTS	1000		/* CPv4 renews its keys this often */
#define CPV1_SLOT	1024		/* CPv1 plaintext of one object */
#define REC_FIXED	140		/* a record before its value */
#define REC_LABEL	44		/* CLD_LABEL_MAX bytes, NUL-padded */
#define REC_ID		76		/* CLONEDEV_ID_MAX bytes, zero-padded */
#define SHARE_LEN	CLD_SPAKE2_SHARE_LEN	/* a SPAKE2 share */
#define CHOICE_FIXED	(11 + CLD_LABEL_MAX + 4 + NONCE_LEN)

enum msg_type {
	MSG_HELLO = 1,
	MSG_CHOICE = 2,
	MSG_CONFIRM = 3,
	MSG_OBJECT = 4,
	MSG_RESULT = 5,
	MSG_DONE = 6,
	MSG_SUMMARY = 7,
	MSG_READY = 8,
	MSG_ERROR = 15,
};

/* What the side waits for next. */
enum wait_for {
	W_CHOICE = 1,	/* source */
	W_READY,	/* source */
	W_RESULT,	/* source */
	W_SUMMARY,	/* source */
	W_HELLO,	/* target */
	W_CONFIRM,	/* target */
	W_OBJECT,	/* target: OBJECT or DONE */
	W_NOTHING,
};

struct clone_suite {
	u32 bit;
	const char *kpp;
	const char *hmac;
	const char *aead;
	unsigned int pub_len;	/* on the wire */
	unsigned int hash_len;
	bool nist;
};

static const struct clone_suite suites[] = {
	{ CLONEDEV_SUITE_P384_AES256GCM, "ecdh-nist-p384", "hmac(sha384)",
	  "gcm(aes)", 97, 48, true },
	{ CLONEDEV_SUITE_P256_AES256GCM, "ecdh-nist-p256", "hmac(sha256)",
	  "gcm(aes)", 65, 32, true },
	{ CLONEDEV_SUITE_X25519_CHACHA20POLY1305, "curve25519", "hmac(sha256)",
	  "rfc7539(chacha20,poly1305)", 32, 32, false },
};

/* CPv3's per-object agreement: P-256, HKDF-SHA-256, AES-256-GCM. */
static const struct clone_suite *const cpv3_suite = &suites[1];

/* One side's offer, as HELLO and CHOICE carry it. */
struct offer {
	u64 serial;
	u8 fips;
	u8 protocols;
	u8 suites;
	u8 n_domains;
	u8 label[CLD_MAX_DOMAINS][CLD_LABEL_MAX];	/* NUL-padded */
	u16 slot_size;
};

struct cld_clone {
	bool source;
	enum wait_for wait;
	u32 state;		/* enum clonedev_clone_state */
	u32 error;
	u32 slot;
	u64 serial;
	u32 role;		/* the role the clone runs under */
	u32 protocol;
	const struct clone_suite *cs;	/* CPv4's suite, or CPv3's */
	u8 sid[SID_LEN];
	u8 ns[NONCE_LEN];
	u8 nt[NONCE_LEN];
	u8 k_hs[KEY_LEN];
	u8 k_ctl[2][KEY_LEN];		/* [0] source to target, [1] back */
	u8 k_obj[2][KEY_LEN];		/* CPv1, CPv3 (this object), CPv4 */
	u8 prk[48];			/* CPv4 */
	u32 epoch;			/* CPv4: the epoch k_obj belongs to */
	u8 peer_pub[PUB_MAX];		/* CPv3: the target's key for next */
	u16 peer_slot;			/* CPv1: the target's slot size */
	struct crypto_shash *sha256;
	struct crypto_shash *hmac256;
	struct crypto_shash *hmac;	/* the suite's, for CPv4 */
	struct crypto_aead *gcm;
	struct crypto_aead *aead;	/* the suite's, for CPv4 */
	struct crypto_kpp *kpp;		/* this side's ephemeral key */
	u8 *hello;
	u32 hello_len;
	u8 *choice;
	u32 choice_len;
	u8 domain[CLONEDEV_SECRET_MAX];
	u32 domain_len;
	struct cld_spake2 sp;		/* until K_hs is made */
	/* source */
	u32 *handles;
	u32 total;
	u32 next;			/* index of the object in flight */
	/* counts: this side's tally */
	u32 copied, skipped, refused, failed;
	/* the step's result for the caller */
	bool has_result;
	u32 result_handle, result_status, result_target;
	u8 *out;			/* the message this step makes */
	u32 out_len;
};

/* ---- encoding ---- */

static void put_be16(u8 *p, u16 v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put_be32(u8 *p, u32 v)
{
	put_be16(p, v >> 16);
	put_be16(p + 2, v);
}

static void put_be64(u8 *p, u64 v)
{
	put_be32(p, v >> 32);
	put_be32(p + 4, v);
}

static u16 get_be16(const u8 *p)
{
	return (u16)p[0] << 8 | p[1];
}

static u32 get_be32(const u8 *p)
{
	return (u32)get_be16(p) << 16 | get_be16(p + 2);
}

static u64 get_be64(const u8 *p)
{
	return (u64)get_be32(p) << 32 | get_be32(p + 4);
}

static void put_header(u8 *m, u8 type, const u8 *sid, u32 seq, u32 body_len)
{
	put_be32(m, MAGIC);
	m[4] = WIRE_VERSION;
	m[5] = type;
	m[6] = 0;
	m[7] = 0;
	if (sid)
		memcpy(m + 8, sid, SID_LEN);
	else
		memset(m + 8, 0, SID_LEN);
	put_be32(m + 24, seq);
	put_be32(m + 28, body_len);
}

/* ---- primitives ---- */

static int hmac2(struct crypto_shash *tfm, const u8 *key, u32 klen,
		 const u8 *a, u32 alen, const u8 *b, u32 blen, u8 *out)
{
	SHASH_DESC_ON_STACK(desc, tfm);
	int ret;

	desc->tfm = tfm;
	ret = crypto_shash_setkey(tfm, key, klen) ?:
	      crypto_shash_init(desc) ?:
	      crypto_shash_update(desc, a, alen) ?:
	      (blen ? crypto_shash_update(desc, b, blen) : 0) ?:
	      crypto_shash_final(desc, out);
	shash_desc_zero(desc);
	return ret;
}

/* RFC 5869 HKDF-Expand; @info is @info_len bytes, @len at most 255 hashes. */
static int hkdf_expand(struct crypto_shash *tfm, const u8 *prk, u32 prk_len,
		       const u8 *info, u32 info_len, u8 *out, u32 len)
{
	unsigned int hlen = crypto_shash_digestsize(tfm);
	SHASH_DESC_ON_STACK(desc, tfm);
	u8 t[64], ctr = 0;
	u32 done = 0;
	int ret;

	desc->tfm = tfm;
	ret = crypto_shash_setkey(tfm, prk, prk_len);
	while (!ret && done < len) {
		ctr++;
		ret = crypto_shash_init(desc) ?:
		      (ctr > 1 ? crypto_shash_update(desc, t, hlen) : 0) ?:
		      crypto_shash_update(desc, info, info_len) ?:
		      crypto_shash_update(desc, &ctr, 1) ?:
		      crypto_shash_final(desc, t);
		if (!ret) {
			memcpy(out + done, t, min_t(u32, hlen, len - done));
			done += min_t(u32, hlen, len - done);
		}
	}
	shash_desc_zero(desc);
	memzero_explicit(t, sizeof(t));
	return ret;
}

/* HKDF: Extract(@salt, @ikm) then Expand(@info) into @len bytes. */
static int hkdf(struct crypto_shash *tfm, const u8 *ikm, u32 ikm_len,
		const u8 *salt, u32 salt_len, const u8 *info, u32 info_len,
		u8 *out, u32 len)
{
	u8 prk[64];
	int ret;

	ret = hmac2(tfm, salt, salt_len, ikm, ikm_len, NULL, 0, prk) ?:
	      hkdf_expand(tfm, prk, crypto_shash_digestsize(tfm), info,
			  info_len, out, len);
	memzero_explicit(prk, sizeof(prk));
	return ret;
}

/* @label || u32(@n) as an HKDF info string, in @buf; returns its length. */
static u32 info_n(u8 *buf, const char *label, u32 n)
{
	u32 len = strlen(label);

	memcpy(buf, label, len);
	put_be32(buf + len, n);
	return len + 4;
}

/*
 * Seals (or with !@enc opens) the @len plaintext bytes at @data in place,
 * with the 32-byte header @hdr as associated data; the tag follows them.
 */
static int aead_crypt(struct crypto_aead *tfm, const u8 *key, bool enc,
		      u32 prefix, u32 seq, u8 *hdr, u8 *data, u32 len)
{
	struct aead_request *req;
	struct scatterlist sg[2];
	DECLARE_CRYPTO_WAIT(wait);
	u8 iv[12];
	int ret;

	ret = crypto_aead_setkey(tfm, key, KEY_LEN) ?:
	      crypto_aead_setauthsize(tfm, TAG_LEN);
	if (ret)
		return ret;
	req = aead_request_alloc(tfm, GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	put_be32(iv, prefix);
	put_be64(iv + 4, seq);
	sg_init_table(sg, 2);
	sg_set_buf(&sg[0], hdr, HDR_LEN);
	sg_set_buf(&sg[1], data, len + TAG_LEN);
	aead_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP,
				  crypto_req_done, &wait);
	aead_request_set_ad(req, HDR_LEN);
	aead_request_set_crypt(req, sg, sg, len + (enc ? 0 : TAG_LEN), iv);
	ret = crypto_wait_req(enc ? crypto_aead_encrypt(req) :
				    crypto_aead_decrypt(req), &wait);
	aead_request_free(req);
	return ret;
}

/*
 * A new ephemeral key pair of @cs in c->kpp, random or (for the known-
 * answer test) the private key @priv; its public key into @pub.
 */
static int eph_key(struct cld_clone *c, const struct clone_suite *cs,
		   const u8 *priv, u8 *pub)
{
	unsigned int raw = cs->nist ? cs->pub_len - 1 : cs->pub_len;
	struct kpp_request *req = NULL;
	DECLARE_CRYPTO_WAIT(wait);
	struct scatterlist sg;
	u8 *buf = NULL;
	int ret;

	if (!c->kpp) {
		c->kpp = crypto_alloc_kpp(cs->kpp, 0, 0);
		if (IS_ERR(c->kpp)) {
			ret = PTR_ERR(c->kpp);
			c->kpp = NULL;
			return ret;
		}
	}
	if (cs->nist) {
		struct ecdh params = {
			.key = (char *)priv,
			.key_size = priv ? raw / 2 : 0,
		};
		unsigned int klen = crypto_ecdh_key_len(&params);

		buf = kmalloc(max(klen, raw), GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
		ret = crypto_ecdh_encode_key(buf, klen, &params) ?:
		      crypto_kpp_set_secret(c->kpp, buf, klen);
	} else {
		buf = kmalloc(raw, GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
		ret = crypto_kpp_set_secret(c->kpp, priv, priv ? raw : 0);
	}
	if (ret)
		goto out;
	req = kpp_request_alloc(c->kpp, GFP_KERNEL);
	if (!req) {
		ret = -ENOMEM;
		goto out;
	}
	sg_init_one(&sg, buf, raw);
	kpp_request_set_input(req, NULL, 0);
	kpp_request_set_output(req, &sg, raw);
	kpp_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP,
				 crypto_req_done, &wait);
	ret = crypto_wait_req(crypto_kpp_generate_public_key(req), &wait);
	if (!ret && cs->nist) {
		pub[0] = 0x04;
		memcpy(pub + 1, buf, raw);
	} else if (!ret) {
		memcpy(pub, buf, raw);
	}
out:
	kpp_request_free(req);
	kfree_sensitive(buf);
	return ret;
}

static int eph_new(struct cld_clone *c, const struct clone_suite *cs, u8 *pub)
{
	return eph_key(c, cs, NULL, pub);
}

/* Z of this side's ephemeral key and the peer's public key @pub. */
static int eph_agree(struct cld_clone *c, const struct clone_suite *cs,
		     const u8 *pub, u8 *z, unsigned int *z_len)
{
	unsigned int raw = cs->nist ? cs->pub_len - 1 : cs->pub_len;
	unsigned int zl = cs->nist ? raw / 2 : raw;
	struct kpp_request *req;
	struct scatterlist in, out;
	DECLARE_CRYPTO_WAIT(wait);
	u8 *pbuf, *zbuf;
	int ret;

	if (cs->nist && pub[0] != 0x04)
		return -EBADMSG;
	pbuf = kmemdup(pub + (cs->nist ? 1 : 0), raw, GFP_KERNEL);
	zbuf = kmalloc(zl, GFP_KERNEL);
	req = kpp_request_alloc(c->kpp, GFP_KERNEL);
	if (!pbuf || !zbuf || !req) {
		ret = -ENOMEM;
		goto out;
	}
	sg_init_one(&in, pbuf, raw);
	sg_init_one(&out, zbuf, zl);
	kpp_request_set_input(req, &in, raw);
	kpp_request_set_output(req, &out, zl);
	kpp_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP,
				 crypto_req_done, &wait);
	ret = crypto_wait_req(crypto_kpp_compute_shared_secret(req), &wait);
	/* A low-order X25519 share gives Z = 0 (RFC 7748 6.1): refused. */
	if (!ret && !cs->nist && !memchr_inv(zbuf, 0, zl))
		ret = -EBADMSG;
	if (!ret) {
		memcpy(z, zbuf, zl);
		*z_len = zl;
	} else {
		ret = -EBADMSG;
	}
out:
	kpp_request_free(req);
	kfree(pbuf);
	kfree_sensitive(zbuf);
	return ret;
}

/* ---- context ---- */

static void clone_free(struct cld_clone *c)
{
	if (!c)
		return;
	crypto_free_shash(c->sha256);
	crypto_free_shash(c->hmac256);
	crypto_free_shash(c->hmac);
	crypto_free_aead(c->gcm);
	crypto_free_aead(c->aead);
	crypto_free_kpp(c->kpp);
	kfree(c->hello);
	kfree(c->choice);
	kvfree(c->handles);
	kfree(c->out);
	kfree_sensitive(c);
}

void cld_clone_free(struct cld_clone *c)
{
	clone_free(c);
}

static struct cld_clone *clone_alloc(bool source)
{
	struct cld_clone *c = kzalloc(sizeof(*c), GFP_KERNEL);

	if (!c)
		return ERR_PTR(-ENOMEM);
	c->source = source;
	c->state = CLONEDEV_CLONE_RUNNING;
	c->out = kmalloc(CLONEDEV_CLONE_MSG_MAX, GFP_KERNEL);
	c->sha256 = crypto_alloc_shash("sha256", 0, 0);
	c->hmac256 = crypto_alloc_shash("hmac(sha256)", 0, 0);
	c->gcm = crypto_alloc_aead("gcm(aes)", 0, 0);
	if (!c->out || IS_ERR(c->sha256) || IS_ERR(c->hmac256) ||
	    IS_ERR(c->gcm)) {
		int ret = !c->out ? -ENOMEM :
			  IS_ERR(c->sha256) ? PTR_ERR(c->sha256) :
			  IS_ERR(c->hmac256) ? PTR_ERR(c->hmac256) :
			  PTR_ERR(c->gcm);

		if (IS_ERR(c->sha256))
			c->sha256 = NULL;
		if (IS_ERR(c->hmac256))
			c->hmac256 = NULL;
		if (IS_ERR(c->gcm))
			c->gcm = NULL;
		clone_free(c);
		return ERR_PTR(ret);
	}
	return c;
}

/* Ends the clone with @code; the output becomes an ERROR for the peer. */
static int fail(struct cld_clone *c, u32 code, bool tell_peer)
{
	static const char * const text[] = {
		[CLONEDEV_CLONE_E_UNEXPECTED] = "unexpected",
		[CLONEDEV_CLONE_E_DOMAIN] = "domain-mismatch",
		[CLONEDEV_CLONE_E_FIPS] = "fips",
		[CLONEDEV_CLONE_E_PROTOCOL] = "no-protocol",
		[CLONEDEV_CLONE_E_AUTH] = "auth",
		[CLONEDEV_CLONE_E_POLICY] = "policy",
		[CLONEDEV_CLONE_E_ROLE] = "role",
		[CLONEDEV_CLONE_E_INTERNAL] = "internal",
		[CLONEDEV_CLONE_E_ABORTED] = "aborted",
	};
	u32 len = strlen(text[code]);

	c->state = CLONEDEV_CLONE_FAILED;
	c->error = code;
	c->wait = W_NOTHING;
	c->out_len = 0;
	memzero_explicit(c->domain, sizeof(c->domain));
	cld_spake2_wipe(&c->sp);
	memzero_explicit(c->k_obj, sizeof(c->k_obj));
	memzero_explicit(c->k_ctl, sizeof(c->k_ctl));
	memzero_explicit(c->prk, sizeof(c->prk));
	if (!tell_peer)
		return 0;
	put_header(c->out, MSG_ERROR, c->sid, 0, 4 + len);
	put_be32(c->out + HDR_LEN, code);
	memcpy(c->out + HDR_LEN + 4, text[code], len);
	c->out_len = HDR_LEN + 4 + len;
	return 0;
}

/* ---- offers and the choice ---- */

/* The protocols and suites @p may use, and whether it is in FIPS mode. */
static void make_offer(const struct cld_partition *p, struct offer *o)
{
	u32 i;

	memset(o, 0, sizeof(*o));
	o->serial = p->serial;
	o->fips = cld_hsm.fips || !cld_policy(p, CLONEDEV_POLICY_NON_FIPS);
	switch (p->protocol_level) {
	case CLONEDEV_LEVEL_LEGACY:
		o->protocols = CLONEDEV_PROTO_CPV1;
		break;
	case CLONEDEV_LEVEL_V3:
		o->protocols = CLONEDEV_PROTO_CPV1 | CLONEDEV_PROTO_CPV3;
		break;
	default:
		o->protocols = CLD_PROTOCOLS;
	}
	if (cld_policy(p, CLONEDEV_POLICY_CPV1))
		o->protocols &= CLONEDEV_PROTO_CPV1;
	if (o->fips)
		o->protocols &= ~CLONEDEV_PROTO_CPV1;
	o->suites = cld_policy_suites(p);
	if (!o->suites)
		o->protocols &= ~CLONEDEV_PROTO_CPV4;
	if (!(o->protocols & CLONEDEV_PROTO_CPV4))
		o->suites = 0;
	o->n_domains = p->n_domains;
	for (i = 0; i < p->n_domains; i++)
		memcpy(o->label[i], p->domains[i].label,
		       strnlen(p->domains[i].label, CLD_LABEL_MAX));
	o->slot_size = CPV1_SLOT;
}

/*
 * The choice both sides make from the two offers (the source's @s, the
 * target's @t): the domain (an index into @s->fp), the protocol and the
 * suite. Domains match by label, exactly. Return: 0 or an enum
 * clonedev_clone_error.
 */
static u32 choose(const struct offer *s, const struct offer *t, u32 *dom,
		  u32 *proto, u32 *suite)
{
	u32 i, j, common, sc;

	*dom = U32_MAX;
	for (i = 0; i < s->n_domains && *dom == U32_MAX; i++)
		for (j = 0; j < t->n_domains; j++)
			if (!memcmp(s->label[i], t->label[j], CLD_LABEL_MAX)) {
				*dom = i;
				break;
			}
	if (*dom == U32_MAX)
		return CLONEDEV_CLONE_E_DOMAIN;
	if (s->fips && !t->fips)
		return CLONEDEV_CLONE_E_FIPS;
	common = s->protocols & t->protocols;
	sc = s->suites & t->suites;
	if (!sc)
		common &= ~CLONEDEV_PROTO_CPV4;
	if (!common)
		return CLONEDEV_CLONE_E_PROTOCOL;
	*proto = 1U << __fls(common);
	*suite = *proto == CLONEDEV_PROTO_CPV4 ? 1U << __ffs(sc) : 0;
	return 0;
}

static const struct clone_suite *suite_of(u32 bit)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(suites); i++)
		if (suites[i].bit == bit)
			return &suites[i];
	return NULL;
}

/* Writes the common part of HELLO and CHOICE; returns its length. */
static u32 put_offer(u8 *b, const struct offer *o, bool all_domains)
{
	u32 n = 0, i;

	put_be64(b, o->serial);
	b[8] = o->fips;
	b[9] = o->protocols;
	b[10] = o->suites;
	n = 11;
	if (all_domains) {
		b[n++] = o->n_domains;
		for (i = 0; i < o->n_domains; i++, n += CLD_LABEL_MAX)
			memcpy(b + n, o->label[i], CLD_LABEL_MAX);
		put_be16(b + n, o->slot_size);
		n += 2;
	}
	return n;
}

/* ---- key schedule ---- */

static int transcript_mac(struct cld_clone *c, const char *who,
			  const u8 *last, u32 last_len, u8 *mac)
{
	SHASH_DESC_ON_STACK(desc, c->sha256);
	u8 h[32];
	int ret;

	desc->tfm = c->sha256;
	ret = crypto_shash_init(desc) ?:
	      crypto_shash_update(desc, c->hello, c->hello_len) ?:
	      crypto_shash_update(desc, c->choice, c->choice_len) ?:
	      (last_len ? crypto_shash_update(desc, last, last_len) : 0) ?:
	      crypto_shash_final(desc, h) ?:
	      hmac2(c->hmac256, c->k_hs, KEY_LEN, who, strlen(who), h,
		    sizeof(h), mac);
	shash_desc_zero(desc);
	return ret;
}

/* The session id: the first bytes of SHA-256(Ns || Nt). */
static int session_id(struct cld_clone *c)
{
	u8 salt[2 * NONCE_LEN], h[32];
	int ret;

	memcpy(salt, c->ns, NONCE_LEN);
	memcpy(salt + NONCE_LEN, c->nt, NONCE_LEN);
	ret = crypto_shash_tfm_digest(c->sha256, salt, sizeof(salt), h);
	memcpy(c->sid, h, SID_LEN);
	return ret;
}

/*
 * This side's SPAKE2 share from the chosen domain D (@fixed_x: the known-
 * answer test's scalar, else random): w comes from D, which is wiped.
 */
static int spake_start(struct cld_clone *c, const u8 *fixed_x)
{
	static const char info[] = "clonedev 2 spake2 w";
	static const u8 zero[32];
	u8 okm[CLD_SPAKE2_W_LEN];
	int ret;

	ret = hkdf(c->hmac256, c->domain, c->domain_len, zero, sizeof(zero),
		   info, sizeof(info) - 1, okm, sizeof(okm)) ?:
	      cld_spake2_start(&c->sp, c->source, okm, fixed_x);
	memzero_explicit(okm, sizeof(okm));
	memzero_explicit(c->domain, sizeof(c->domain));
	return ret;
}

/* @h = SHA-256(HELLO || CHOICE || pA), the transcript K_hs binds. */
static int transcript_hash(struct cld_clone *c, const u8 *pa, u8 *h)
{
	SHASH_DESC_ON_STACK(desc, c->sha256);
	int ret;

	desc->tfm = c->sha256;
	ret = crypto_shash_init(desc) ?:
	      crypto_shash_update(desc, c->hello, c->hello_len) ?:
	      crypto_shash_update(desc, c->choice, c->choice_len) ?:
	      crypto_shash_update(desc, pa, SHARE_LEN) ?:
	      crypto_shash_final(desc, h);
	shash_desc_zero(desc);
	return ret;
}

/*
 * K from the peer's SPAKE2 share @peer, then K_hs (bound to w, K, the
 * nonces and the transcript hash @h), the control keys and CPv1's keys.
 * The SPAKE2 secrets are wiped. Return: 0, -EBADMSG for a share that is
 * not a usable point, or another error.
 */
static int handshake_keys(struct cld_clone *c, const u8 *peer, const u8 *h)
{
	static const char hs[] = "clonedev 2 handshake";
	static const char ctl[] = "clonedev 2 control";
	static const char v1[] = "clonedev 2 cpv1";
	u8 salt[2 * NONCE_LEN], info[sizeof(hs) - 1 + 32];
	u8 ikm[32 + CLD_SPAKE2_K_LEN], k[2 * KEY_LEN];
	int ret;

	memcpy(salt, c->ns, NONCE_LEN);
	memcpy(salt + NONCE_LEN, c->nt, NONCE_LEN);
	memcpy(info, hs, sizeof(hs) - 1);
	memcpy(info + sizeof(hs) - 1, h, 32);
	ret = cld_spake2_finish(&c->sp, peer, ikm + 32);
	if (ret)
		goto out;
	cld_spake2_w_bytes(&c->sp, ikm);
	ret = hkdf(c->hmac256, ikm, sizeof(ikm), salt, sizeof(salt), info,
		   sizeof(info), c->k_hs, KEY_LEN) ?:
	      hkdf_expand(c->hmac256, c->k_hs, KEY_LEN, ctl, sizeof(ctl) - 1,
			  k, sizeof(k));
	if (!ret) {
		memcpy(c->k_ctl[0], k, KEY_LEN);
		memcpy(c->k_ctl[1], k + KEY_LEN, KEY_LEN);
	}
	/* CPv1 too is keyed from K_hs: nothing from D alone travels. */
	if (!ret && c->protocol == CLONEDEV_PROTO_CPV1) {
		ret = hkdf(c->hmac256, c->k_hs, KEY_LEN, salt, sizeof(salt),
			   v1, sizeof(v1) - 1, k, sizeof(k));
		memcpy(c->k_obj[0], k, KEY_LEN);
		memcpy(c->k_obj[1], k + KEY_LEN, KEY_LEN);
	}
out:
	memzero_explicit(ikm, sizeof(ikm));
	memzero_explicit(k, sizeof(k));
	cld_spake2_wipe(&c->sp);
	return ret;
}

/* CPv4: PRK from K_hs and the agreement with the peer's key @pub. */
static int cpv4_prk(struct cld_clone *c, const u8 *pub)
{
	unsigned int zl;
	u8 z[48];
	int ret;

	c->hmac = crypto_alloc_shash(c->cs->hmac, 0, 0);
	c->aead = crypto_alloc_aead(c->cs->aead, 0, 0);
	if (IS_ERR(c->hmac) || IS_ERR(c->aead)) {
		ret = IS_ERR(c->hmac) ? PTR_ERR(c->hmac) : PTR_ERR(c->aead);
		if (IS_ERR(c->hmac))
			c->hmac = NULL;
		if (IS_ERR(c->aead))
			c->aead = NULL;
		return ret;
	}
	ret = eph_agree(c, c->cs, pub, z, &zl) ?:
	      hmac2(c->hmac, c->k_hs, KEY_LEN, z, zl, NULL, 0, c->prk);
	memzero_explicit(z, sizeof(z));
	c->epoch = U32_MAX;
	return ret;
}

/* CPv4: the keys of the epoch object @i is in. */
static int cpv4_keys(struct cld_clone *c, u32 i)
{
	u32 e = i / EPOCH_OBJECTS, n;
	u8 info[32];
	int ret;

	if (e == c->epoch)
		return 0;
	n = info_n(info, "clonedev 2 cpv4 s2t", e);
	ret = hkdf_expand(c->hmac, c->prk, c->cs->hash_len, info, n,
			  c->k_obj[0], KEY_LEN);
	n = info_n(info, "clonedev 2 cpv4 t2s", e);
	ret = ret ?: hkdf_expand(c->hmac, c->prk, c->cs->hash_len, info, n,
				 c->k_obj[1], KEY_LEN);
	if (!ret)
		c->epoch = e;
	return ret;
}

/* CPv3: the keys of object @i from the agreement with @pub. */
static int cpv3_keys(struct cld_clone *c, u32 i, const u8 *pub)
{
	unsigned int zl;
	u8 z[32], info[32], k[2 * KEY_LEN];
	u32 n = info_n(info, "clonedev 2 cpv3", i);
	int ret;

	ret = eph_agree(c, cpv3_suite, pub, z, &zl) ?:
	      hkdf(c->hmac256, z, zl, c->k_hs, KEY_LEN, info, n, k, sizeof(k));
	if (!ret) {
		memcpy(c->k_obj[0], k, KEY_LEN);
		memcpy(c->k_obj[1], k + KEY_LEN, KEY_LEN);
	}
	memzero_explicit(z, sizeof(z));
	memzero_explicit(k, sizeof(k));
	return ret;
}

/*
 * Seals an object-plane message (OBJECT or RESULT) in place: the AEAD and
 * nonce prefix of the protocol. @dir is 0 for source to target.
 */
static int obj_crypt(struct cld_clone *c, int dir, bool enc, u32 seq,
		     u8 *hdr, u8 *data, u32 len)
{
	switch (c->protocol) {
	case CLONEDEV_PROTO_CPV4:
		return aead_crypt(c->aead, c->k_obj[dir], enc, c->epoch, seq,
				  hdr, data, len);
	case CLONEDEV_PROTO_CPV3:
		return aead_crypt(c->gcm, c->k_obj[dir], enc, 0, seq, hdr,
				  data, len);
	default:
		return aead_crypt(c->gcm, c->k_obj[dir], enc, 1, seq, hdr,
				  data, len);
	}
}

/* ---- messages in ---- */

/*
 * Checks the header of @m for @type and @seq (and the session id once
 * there is one). Return: the body length, or -1 after fail().
 */
static int check_msg(struct cld_clone *c, const u8 *m, u32 len, u8 type,
		     u32 seq, bool sid)
{
	u32 blen;

	if (len >= HDR_LEN + 4 && get_be32(m) == MAGIC &&
	    m[4] == WIRE_VERSION && m[5] == MSG_ERROR) {
		u32 code = get_be32(m + HDR_LEN);

		/* The peer gave up; its word is taken only as a reason. */
		if (code < CLONEDEV_CLONE_E_UNEXPECTED ||
		    code > CLONEDEV_CLONE_E_ABORTED)
			code = CLONEDEV_CLONE_E_UNEXPECTED;
		fail(c, code, false);
		return -1;
	}
	if (len < HDR_LEN || get_be32(m) != MAGIC || m[4] != WIRE_VERSION ||
	    m[5] != type || m[6] || m[7] || get_be32(m + 24) != seq) {
		fail(c, CLONEDEV_CLONE_E_UNEXPECTED, true);
		return -1;
	}
	blen = get_be32(m + 28);
	if (blen != len - HDR_LEN ||
	    (sid ? crypto_memneq(m + 8, c->sid, SID_LEN) :
		   !!memchr_inv(m + 8, 0, SID_LEN))) {
		fail(c, CLONEDEV_CLONE_E_UNEXPECTED, true);
		return -1;
	}
	return blen;
}

/* Reads an offer from a HELLO body; returns the bytes used or 0. */
static u32 get_offer(const u8 *b, u32 len, struct offer *o)
{
	u32 n, i;

	if (len < 12)
		return 0;
	memset(o, 0, sizeof(*o));
	o->serial = get_be64(b);
	o->fips = b[8];
	o->protocols = b[9];
	o->suites = b[10];
	o->n_domains = b[11];
	if (o->fips > 1 || o->protocols & ~CLONEDEV_PROTO_CPV1 &
	    ~CLONEDEV_PROTO_CPV3 & ~CLONEDEV_PROTO_CPV4 ||
	    o->suites & ~CLONEDEV_SUITES_ALL || !o->n_domains ||
	    o->n_domains > CLD_MAX_DOMAINS)
		return 0;
	n = 12;
	if (len < n + CLD_LABEL_MAX * o->n_domains + 2)
		return 0;
	for (i = 0; i < o->n_domains; i++, n += CLD_LABEL_MAX)
		memcpy(o->label[i], b + n, CLD_LABEL_MAX);
	o->slot_size = get_be16(b + n);
	return n + 2;
}

/* ---- the object record ---- */

static u32 record_len(const struct cld_object *o)
{
	return REC_FIXED + o->value_len;
}

static void put_record(u8 *b, const struct cld_object *o)
{
	put_be32(b, o->obj_class);
	put_be32(b + 4, o->key_type);
	put_be32(b + 8, o->bits);
	put_be32(b + 12, o->flags);
	put_be32(b + 16, o->id_len);
	put_be32(b + 20, o->value_len);
	memcpy(b + 24, o->ouid, CLONEDEV_OUID_LEN);
	memcpy(b + 40, o->kcv, CLONEDEV_KCV_LEN);
	b[43] = 0;
	memset(b + REC_LABEL, 0, CLD_LABEL_MAX);
	memcpy(b + REC_LABEL, o->label, strnlen(o->label, CLD_LABEL_MAX));
	memset(b + REC_ID, 0, CLONEDEV_ID_MAX);
	memcpy(b + REC_ID, o->id, o->id_len);
	memcpy(b + REC_FIXED, o->value, o->value_len);
}

static bool class_type_ok(u32 obj_class, u32 key_type)
{
	switch (obj_class) {
	case CLONEDEV_CLASS_DATA:
		return key_type == CLONEDEV_KEY_NONE;
	case CLONEDEV_CLASS_SECRET_KEY:
		return key_type == CLONEDEV_KEY_AES ||
		       key_type == CLONEDEV_KEY_GENERIC_SECRET;
	case CLONEDEV_CLASS_PRIVATE_KEY:
		return key_type >= CLONEDEV_KEY_EC_P256 &&
		       key_type <= CLONEDEV_KEY_RSA;
	case CLONEDEV_CLASS_PUBLIC_KEY:
		return key_type == CLONEDEV_KEY_EC_P256 ||
		       key_type == CLONEDEV_KEY_EC_P384;
	}
	return false;
}

/*
 * An object from a record of @len bytes (the rest up to @len zero). Every
 * field is parsed to its exact length: the label ends at its first NUL
 * (or fills its 32 bytes), the id at its length, and every byte after
 * either is zero. The value is checked like a local object of its class
 * (cld_object_check_value()): size and check value must match what the
 * source sent. Return: the object or NULL.
 */
static struct cld_object *get_record(const u8 *b, u32 len)
{
	const u8 *label = b + REC_LABEL, *nul;
	struct cld_object *o;
	u32 vlen, idlen;
	u8 kcv[CLONEDEV_KCV_LEN];
	u32 bits;

	if (len < REC_FIXED)
		return NULL;
	vlen = get_be32(b + 20);
	idlen = get_be32(b + 16);
	nul = memchr(label, 0, CLD_LABEL_MAX);
	if (vlen > CLONEDEV_DATA_MAX || vlen > len - REC_FIXED ||
	    idlen > CLONEDEV_ID_MAX || b[43] ||
	    (nul && memchr_inv(nul, 0, label + CLD_LABEL_MAX - nul)) ||
	    memchr_inv(b + REC_ID + idlen, 0, CLONEDEV_ID_MAX - idlen) ||
	    memchr_inv(b + REC_FIXED + vlen, 0, len - REC_FIXED - vlen) ||
	    !class_type_ok(get_be32(b), get_be32(b + 4)) ||
	    get_be32(b + 12) & ~CLONEDEV_OBJ_FLAGS)
		return NULL;
	o = kzalloc(sizeof(*o), GFP_KERNEL);
	if (!o)
		return NULL;
	o->obj_class = get_be32(b);
	o->key_type = get_be32(b + 4);
	o->bits = get_be32(b + 8);
	o->flags = get_be32(b + 12);
	/* As every local path makes them (uapi: obj_flags). */
	if (o->obj_class == CLONEDEV_CLASS_SECRET_KEY ||
	    o->obj_class == CLONEDEV_CLASS_PRIVATE_KEY)
		o->flags |= CLONEDEV_OBJ_PRIVATE | CLONEDEV_OBJ_SENSITIVE;
	o->id_len = idlen;
	o->value_len = vlen;
	memcpy(o->ouid, b + 24, CLONEDEV_OUID_LEN);
	memcpy(o->kcv, b + 40, CLONEDEV_KCV_LEN);
	memcpy(o->label, label, CLD_LABEL_MAX);
	if (o->label[0] && !cld_label_ok(o->label)) {
		kfree(o);
		return NULL;
	}
	memcpy(o->id, b + REC_ID, idlen);
	o->value = kmemdup(b + REC_FIXED, vlen ?: 1, GFP_KERNEL);
	if (!o->value)
		goto bad;
	memcpy(kcv, o->kcv, sizeof(kcv));
	bits = o->bits;
	if (cld_object_check_value(o) || o->bits != bits ||
	    memcmp(o->kcv, kcv, sizeof(kcv)))
		goto bad;
	return o;
bad:
	cld_object_free(o);
	return NULL;
}

/* Whether policy (0, 4) and @role let @o be cloned from or to @p. */
static bool may_clone(const struct cld_partition *p, u32 role,
		      const struct cld_object *o)
{
	if (role != CLONEDEV_ROLE_CO && (o->flags & CLONEDEV_OBJ_PRIVATE))
		return false;
	if (o->obj_class == CLONEDEV_CLASS_PRIVATE_KEY)
		return cld_policy(p, CLONEDEV_POLICY_PRIVATE_CLONING);
	if (o->obj_class == CLONEDEV_CLASS_SECRET_KEY)
		return cld_policy(p, CLONEDEV_POLICY_SECRET_CLONING);
	return true;
}

/* ---- tally ---- */

static void count(struct cld_clone *c, u32 status)
{
	switch (status) {
	case CLONEDEV_CLONE_COPIED:
		c->copied++;
		break;
	case CLONEDEV_CLONE_SKIPPED:
		c->skipped++;
		break;
	case CLONEDEV_CLONE_REFUSED:
		c->refused++;
		break;
	default:
		c->failed++;
	}
}

/*
 * The partition the clone runs on, if the session still holds the role.
 * Must hold cld_hsm.lock.
 */
static struct cld_partition *clone_partition(struct cld_session *s,
					     struct cld_clone *c)
{
	struct cld_partition *p = cld_session_partition(s);

	if (!p || p->serial != c->serial || !cld_session_is(s, p, c->role))
		return NULL;
	return p;
}

/*
 * Copies the secret of @p's domain labelled @label (CLD_LABEL_MAX bytes,
 * NUL-padded) into the clone (c->domain_len stays 0 if @p has none).
 * Must hold cld_hsm.lock.
 */
static void take_domain(struct cld_clone *c, const struct cld_partition *p,
			const u8 *label)
{
	u8 mine[CLD_LABEL_MAX];
	u32 i;

	lockdep_assert_held(&cld_hsm.lock);
	for (i = 0; i < p->n_domains; i++) {
		memset(mine, 0, sizeof(mine));
		memcpy(mine, p->domains[i].label,
		       strnlen(p->domains[i].label, CLD_LABEL_MAX));
		if (memcmp(mine, label, sizeof(mine)))
			continue;
		c->domain_len = p->domains[i].len;
		memcpy(c->domain, p->domains[i].secret, c->domain_len);
		return;
	}
}

/*
 * A handshake's guess at the domain, counted on @p before it can be
 * tested (the source reserves one before CONFIRM leaves; the target
 * counts a MAC_S that fails). Must hold cld_hsm.lock.
 * Return: 0, or -EKEYREVOKED at the limit.
 */
static int count_guess(struct cld_partition *p)
{
	lockdep_assert_held(&cld_hsm.lock);
	if (p->clone_failures >= CLONEDEV_CLONE_FAILURES_MAX)
		return -EKEYREVOKED;
	p->clone_failures++;
	/* Kept in memory even if the store fails: it fails closed. */
	cld_partition_persist(p);
	return 0;
}

/* A handshake that proved the domain clears @p's count. */
static void clear_guesses(struct cld_partition *p)
{
	lockdep_assert_held(&cld_hsm.lock);
	if (!p->clone_failures)
		return;
	p->clone_failures = 0;
	cld_partition_persist(p);
}

/* ---- source ---- */

/* Source: OBJECT for object c->next, or DONE after the last. */
static int send_next(struct cld_session *s, struct cld_clone *c)
{
	u32 seq = c->next + 2, plen, status = 0, off = 0;
	struct cld_object *o = NULL;
	struct cld_partition *p;
	u8 *m = c->out, *body = m + HDR_LEN;
	u8 pub[PUB_MAX];
	int ret;

	if (c->next == c->total) {
		put_header(m, MSG_DONE, c->sid, seq, 4 + TAG_LEN);
		put_be32(body, c->total);
		if (aead_crypt(c->gcm, c->k_ctl[0], true, 2, seq, m, body, 4))
			return fail(c, CLONEDEV_CLONE_E_INTERNAL, true);
		c->out_len = HDR_LEN + 4 + TAG_LEN;
		c->wait = W_SUMMARY;
		return 0;
	}
	mutex_lock(&cld_hsm.lock);
	p = clone_partition(s, c);
	if (p) {
		struct cld_object *src = xa_load(&p->objects,
						 c->handles[c->next]);

		if (!src)
			status = CLONEDEV_CLONE_OBJ_FAILED;
		else if (!may_clone(p, c->role, src))
			status = CLONEDEV_CLONE_REFUSED;
		else if (c->protocol == CLONEDEV_PROTO_CPV1 &&
			 2 + record_len(src) > c->peer_slot)
			status = CLONEDEV_CLONE_TOO_LARGE;
		else
			o = cld_object_copy(src);
		if (!status && !o)
			status = CLONEDEV_CLONE_OBJ_FAILED;
	}
	mutex_unlock(&cld_hsm.lock);
	if (!p)
		return fail(c, CLONEDEV_CLONE_E_ROLE, true);

	if (c->protocol == CLONEDEV_PROTO_CPV3) {
		ret = eph_new(c, cpv3_suite, pub) ?:
		      cpv3_keys(c, c->next, c->peer_pub);
		if (ret) {
			cld_object_free(o);
			return fail(c, CLONEDEV_CLONE_E_INTERNAL, true);
		}
		memcpy(body, pub, cpv3_suite->pub_len);
		off = cpv3_suite->pub_len;
	} else if (c->protocol == CLONEDEV_PROTO_CPV4 &&
		   cpv4_keys(c, c->next)) {
		cld_object_free(o);
		return fail(c, CLONEDEV_CLONE_E_INTERNAL, true);
	}
	/* The plaintext: u8 status, u8 0, then the record (if status 0). */
	plen = 2 + (o ? record_len(o) : 0);
	if (c->protocol == CLONEDEV_PROTO_CPV1)
		plen = c->peer_slot;
	memset(body + off, 0, plen);
	body[off] = status;
	if (o)
		put_record(body + off + 2, o);
	cld_object_free(o);
	put_header(m, MSG_OBJECT, c->sid, seq, off + plen + TAG_LEN);
	ret = obj_crypt(c, 0, true, seq, m, body + off, plen);
	if (ret) {
		memzero_explicit(body, off + plen);
		return fail(c, CLONEDEV_CLONE_E_INTERNAL, true);
	}
	c->out_len = HDR_LEN + off + plen + TAG_LEN;
	c->wait = W_RESULT;
	return 0;
}

static int source_choice(struct cld_session *s, struct cld_clone *c,
			 const u8 *m, u32 len)
{
	struct offer mine, theirs;
	u32 dom, proto, suite, code, n, k;
	struct cld_partition *p;
	const u8 *b = m + HDR_LEN;
	u8 h[32], pub[PUB_MAX], *o = c->out + HDR_LEN;
	const struct clone_suite *cs;
	const u8 *peer_pub;
	int blen, ret;

	blen = check_msg(c, m, len, MSG_CHOICE, 0, false);
	if (blen < 0)
		return 0;
	if (blen < CHOICE_FIXED + SHARE_LEN || b[8] > 1)
		return fail(c, CLONEDEV_CLONE_E_UNEXPECTED, true);
	proto = b[11 + CLD_LABEL_MAX];
	suite = b[12 + CLD_LABEL_MAX];
	cs = proto == CLONEDEV_PROTO_CPV4 ? suite_of(suite) :
	     proto == CLONEDEV_PROTO_CPV3 ? cpv3_suite : NULL;
	if ((proto == CLONEDEV_PROTO_CPV4 && !cs) ||
	    (proto != CLONEDEV_PROTO_CPV4 && suite) ||
	    (!cs && proto != CLONEDEV_PROTO_CPV1))
		return fail(c, CLONEDEV_CLONE_E_UNEXPECTED, true);
	n = CHOICE_FIXED;
	k = cs && proto != CLONEDEV_PROTO_CPV1 ? cs->pub_len : 0;
	if (blen != n + k + SHARE_LEN)
		return fail(c, CLONEDEV_CLONE_E_UNEXPECTED, true);
	c->protocol = proto;
	c->cs = cs;
	c->peer_slot = get_be16(b + 13 + CLD_LABEL_MAX);
	memcpy(c->nt, b + 15 + CLD_LABEL_MAX, NONCE_LEN);
	peer_pub = b + n;

	/*
	 * The target's choice must be the one the two offers give; a relay
	 * that edited either offer is caught by MAC_S and READY, which bind
	 * HELLO and CHOICE.
	 */
	memset(&theirs, 0, sizeof(theirs));
	theirs.serial = get_be64(b);
	theirs.fips = b[8];
	theirs.protocols = b[9];
	theirs.suites = b[10];
	theirs.n_domains = 1;
	memcpy(theirs.label[0], b + 11, CLD_LABEL_MAX);
	mutex_lock(&cld_hsm.lock);
	p = clone_partition(s, c);
	if (p) {
		make_offer(p, &mine);
		take_domain(c, p, b + 11);
	}
	mutex_unlock(&cld_hsm.lock);
	if (!p)
		return fail(c, CLONEDEV_CLONE_E_ROLE, true);
	code = choose(&mine, &theirs, &dom, &proto, &suite);
	if (code)
		return fail(c, code, true);
	if (!c->domain_len)
		return fail(c, CLONEDEV_CLONE_E_DOMAIN, true);
	if (proto != c->protocol || suite != b[12 + CLD_LABEL_MAX] ||
	    (proto == CLONEDEV_PROTO_CPV1 &&
	     (c->peer_slot < 2 + REC_FIXED ||
	      c->peer_slot > CLONEDEV_CLONE_MSG_MAX - HDR_LEN - TAG_LEN)))
		return fail(c, CLONEDEV_CLONE_E_UNEXPECTED, true);

	/* SPAKE2: our share pA, then K from the target's pB. */
	c->choice = kmemdup(m, len, GFP_KERNEL);
	if (!c->choice)
		return fail(c, CLONEDEV_CLONE_E_INTERNAL, true);
	c->choice_len = len;
	if (spake_start(c, NULL) || session_id(c))
		return fail(c, CLONEDEV_CLONE_E_INTERNAL, true);
	memcpy(o, c->sp.share, SHARE_LEN);
	ret = transcript_hash(c, o, h) ?:
	      handshake_keys(c, b + n + k, h);
	if (ret)
		return fail(c, ret == -EBADMSG ? CLONEDEV_CLONE_E_AUTH :
				CLONEDEV_CLONE_E_INTERNAL, true);

	/* CONFIRM: pA, our ephemeral key (CPv4) and MAC_S. */
	n = SHARE_LEN;
	if (proto == CLONEDEV_PROTO_CPV4) {
		if (eph_new(c, c->cs, pub) || cpv4_prk(c, peer_pub))
			return fail(c, CLONEDEV_CLONE_E_AUTH, true);
		memcpy(o + n, pub, c->cs->pub_len);
		n += c->cs->pub_len;
	} else if (proto == CLONEDEV_PROTO_CPV3) {
		memcpy(c->peer_pub, peer_pub, k);
	}

	/* MAC_S is the one test of the domain a fake target gets: count it. */
	mutex_lock(&cld_hsm.lock);
	p = clone_partition(s, c);
	ret = p ? count_guess(p) : 0;
	mutex_unlock(&cld_hsm.lock);
	if (!p)
		return fail(c, CLONEDEV_CLONE_E_ROLE, true);
	if (ret)
		return ret;
	put_header(c->out, MSG_CONFIRM, c->sid, 1, n + MAC_LEN);
	if (transcript_mac(c, "source", c->out, HDR_LEN + n, o + n))
		return fail(c, CLONEDEV_CLONE_E_INTERNAL, true);
	c->out_len = HDR_LEN + n + MAC_LEN;
	c->wait = W_READY;
	return 0;
}

/* READY is the target's proof of the domain: our reserved guess clears. */
static int source_ready(struct cld_session *s, struct cld_clone *c,
			u8 *m, u32 len)
{
	struct cld_partition *p;
	int blen = check_msg(c, m, len, MSG_READY, 1, true);

	if (blen < 0)
		return 0;
	if (blen != TAG_LEN ||
	    aead_crypt(c->gcm, c->k_ctl[1], false, 2, 1, m, m + HDR_LEN, 0))
		return fail(c, CLONEDEV_CLONE_E_AUTH, true);
	mutex_lock(&cld_hsm.lock);
	p = clone_partition(s, c);
	if (p)
		clear_guesses(p);
	mutex_unlock(&cld_hsm.lock);
	if (!p)
		return fail(c, CLONEDEV_CLONE_E_ROLE, true);
	send_next(s, c);
	return 0;
}

static int source_result(struct cld_session *s, struct cld_clone *c,
			 u8 *m, u32 len)
{
	u32 seq = c->next + 2, want = 8;
	u8 *b = m + HDR_LEN;
	int blen = check_msg(c, m, len, MSG_RESULT, seq, true);

	if (blen < 0)
		return 0;
	if (c->protocol == CLONEDEV_PROTO_CPV3)
		want += cpv3_suite->pub_len;
	if (blen != want + TAG_LEN ||
	    obj_crypt(c, 1, false, seq, m, b, want))
		return fail(c, CLONEDEV_CLONE_E_AUTH, true);
	if (b[0] > CLONEDEV_CLONE_OBJ_FAILED)
		return fail(c, CLONEDEV_CLONE_E_UNEXPECTED, true);
	c->has_result = true;
	c->result_handle = c->handles[c->next];
	c->result_status = b[0];
	c->result_target = get_be32(b + 4);
	count(c, b[0]);
	if (c->protocol == CLONEDEV_PROTO_CPV3)
		memcpy(c->peer_pub, b + 8, cpv3_suite->pub_len);
	c->next++;
	send_next(s, c);
	return 0;
}

static int source_summary(struct cld_clone *c, u8 *m, u32 len)
{
	u32 seq = c->total + 2;
	u8 *b = m + HDR_LEN;
	int blen = check_msg(c, m, len, MSG_SUMMARY, seq, true);

	if (blen < 0)
		return 0;
	if (blen != 16 + TAG_LEN ||
	    aead_crypt(c->gcm, c->k_ctl[1], false, 2, seq, m, b, 16))
		return fail(c, CLONEDEV_CLONE_E_AUTH, true);
	/* The target's tally must be ours. */
	if (get_be32(b) != c->copied || get_be32(b + 4) != c->skipped ||
	    get_be32(b + 8) != c->refused || get_be32(b + 12) != c->failed)
		return fail(c, CLONEDEV_CLONE_E_UNEXPECTED, false);
	c->state = CLONEDEV_CLONE_DONE;
	c->wait = W_NOTHING;
	c->out_len = 0;
	return 0;
}

/* ---- target ---- */

static int target_hello(struct cld_session *s, struct cld_clone *c,
			const u8 *m, u32 len)
{
	struct offer mine, theirs;
	u32 dom, proto, suite, code, n;
	struct cld_partition *p;
	u8 *o = c->out, *b = o + HDR_LEN;
	u8 pub[PUB_MAX];
	int blen;

	blen = check_msg(c, m, len, MSG_HELLO, 0, false);
	if (blen < 0)
		return 0;
	n = get_offer(m + HDR_LEN, blen, &theirs);
	if (!n || blen != n + NONCE_LEN)
		return fail(c, CLONEDEV_CLONE_E_UNEXPECTED, true);
	memcpy(c->ns, m + HDR_LEN + n, NONCE_LEN);
	mutex_lock(&cld_hsm.lock);
	p = clone_partition(s, c);
	if (p)
		make_offer(p, &mine);
	mutex_unlock(&cld_hsm.lock);
	if (!p)
		return fail(c, CLONEDEV_CLONE_E_ROLE, true);
	code = choose(&theirs, &mine, &dom, &proto, &suite);
	if (code)
		return fail(c, code, true);
	c->protocol = proto;
	c->cs = proto == CLONEDEV_PROTO_CPV4 ? suite_of(suite) : cpv3_suite;

	mutex_lock(&cld_hsm.lock);
	p = clone_partition(s, c);
	if (p)
		take_domain(c, p, theirs.label[dom]);
	mutex_unlock(&cld_hsm.lock);
	if (!p || !c->domain_len)
		return fail(c, CLONEDEV_CLONE_E_ROLE, true);

	c->hello = kmemdup(m, len, GFP_KERNEL);
	if (!c->hello)
		return fail(c, CLONEDEV_CLONE_E_INTERNAL, true);
	c->hello_len = len;
	get_random_bytes(c->nt, NONCE_LEN);
	if (session_id(c) || spake_start(c, NULL))
		return fail(c, CLONEDEV_CLONE_E_INTERNAL, true);

	/* CHOICE: no MAC; the target has nothing to prove before pA. */
	n = put_offer(b, &mine, false);
	memcpy(b + n, theirs.label[dom], CLD_LABEL_MAX);
	n += CLD_LABEL_MAX;
	b[n++] = proto;
	b[n++] = suite;
	put_be16(b + n, CPV1_SLOT);
	n += 2;
	memcpy(b + n, c->nt, NONCE_LEN);
	n += NONCE_LEN;
	if (proto != CLONEDEV_PROTO_CPV1) {
		if (eph_new(c, c->cs, pub))
			return fail(c, CLONEDEV_CLONE_E_INTERNAL, true);
		memcpy(b + n, pub, c->cs->pub_len);
		n += c->cs->pub_len;
	}
	memcpy(b + n, c->sp.share, SHARE_LEN);
	n += SHARE_LEN;
	put_header(o, MSG_CHOICE, NULL, 0, n);
	c->choice = kmemdup(o, HDR_LEN + n, GFP_KERNEL);
	if (!c->choice)
		return fail(c, CLONEDEV_CLONE_E_INTERNAL, true);
	c->choice_len = HDR_LEN + n;
	c->out_len = HDR_LEN + n;
	c->wait = W_CONFIRM;
	return 0;
}

/*
 * CONFIRM: K from pA outside the lock, then MAC_S under it. A MAC_S that
 * fails is a guess at the domain: counted and stored before the answer.
 */
static int target_confirm(struct cld_session *s, struct cld_clone *c,
			  u8 *m, u32 len)
{
	u32 k = c->protocol == CLONEDEV_PROTO_CPV4 ? c->cs->pub_len : 0;
	struct cld_partition *p;
	const u8 *pa = m + HDR_LEN;
	u8 h[32], mac[MAC_LEN];
	int blen, ret;

	blen = check_msg(c, m, len, MSG_CONFIRM, 1, true);
	if (blen < 0)
		return 0;
	if (blen != SHARE_LEN + k + MAC_LEN)
		return fail(c, CLONEDEV_CLONE_E_UNEXPECTED, true);
	ret = transcript_hash(c, pa, h) ?:
	      handshake_keys(c, pa, h) ?:
	      transcript_mac(c, "source", m, HDR_LEN + SHARE_LEN + k, mac);
	if (ret)
		return fail(c, ret == -EBADMSG ? CLONEDEV_CLONE_E_AUTH :
				CLONEDEV_CLONE_E_INTERNAL, true);
	mutex_lock(&cld_hsm.lock);
	p = clone_partition(s, c);
	if (p && p->clone_failures >= CLONEDEV_CLONE_FAILURES_MAX)
		ret = -EKEYREVOKED;
	else if (p && crypto_memneq(mac, pa + SHARE_LEN + k, MAC_LEN))
		ret = count_guess(p) ?: -EBADMSG;
	else if (p)
		clear_guesses(p);
	mutex_unlock(&cld_hsm.lock);
	if (!p)
		return fail(c, CLONEDEV_CLONE_E_ROLE, true);
	if (ret == -EBADMSG)
		return fail(c, CLONEDEV_CLONE_E_AUTH, true);
	if (ret)
		return ret;
	if (k && cpv4_prk(c, pa + SHARE_LEN))
		return fail(c, CLONEDEV_CLONE_E_AUTH, true);
	put_header(c->out, MSG_READY, c->sid, 1, TAG_LEN);
	if (aead_crypt(c->gcm, c->k_ctl[1], true, 2, 1, c->out,
		       c->out + HDR_LEN, 0))
		return fail(c, CLONEDEV_CLONE_E_INTERNAL, true);
	c->out_len = HDR_LEN + TAG_LEN;
	c->wait = W_OBJECT;
	return 0;
}

/*
 * Stores @o unless the target holds its OUID already (skipped: the same
 * class, key type and check value; else a clash, failed) or a policy
 * forbids it (refused); returns its status.
 */
static u32 target_store(struct cld_session *s, struct cld_clone *c,
			struct cld_object **o, u32 *handle, bool *gone)
{
	struct cld_object *have = NULL;
	struct cld_partition *p;
	u32 status;

	mutex_lock(&cld_hsm.lock);
	p = clone_partition(s, c);
	if (p)
		have = cld_object_find_ouid(p, (*o)->ouid);
	if (!p) {
		*gone = true;
		status = CLONEDEV_CLONE_OBJ_FAILED;
	} else if (have && (have->obj_class != (*o)->obj_class ||
			    have->key_type != (*o)->key_type ||
			    memcmp(have->kcv, (*o)->kcv, CLONEDEV_KCV_LEN))) {
		status = CLONEDEV_CLONE_OBJ_FAILED;
	} else if (have) {
		*handle = have->handle;
		status = CLONEDEV_CLONE_SKIPPED;
	} else if (!may_clone(p, c->role, *o)) {
		status = CLONEDEV_CLONE_REFUSED;
	} else if (cld_object_add_copy(p, *o, handle)) {
		status = CLONEDEV_CLONE_OBJ_FAILED;
	} else {
		*o = NULL;
		status = CLONEDEV_CLONE_COPIED;
	}
	mutex_unlock(&cld_hsm.lock);
	return status;
}

static int target_object(struct cld_session *s, struct cld_clone *c,
			 u8 *m, u32 len)
{
	u32 seq = c->next + 2, off = 0, plen, status, handle = 0, rlen;
	struct cld_object *o = NULL;
	u8 *b = m + HDR_LEN, *r = c->out + HDR_LEN;
	u8 pub[PUB_MAX];
	bool gone = false;
	int blen;

	if (len >= HDR_LEN && m[5] == MSG_DONE) {
		blen = check_msg(c, m, len, MSG_DONE, seq, true);
		if (blen < 0)
			return 0;
		if (blen != 4 + TAG_LEN ||
		    aead_crypt(c->gcm, c->k_ctl[0], false, 2, seq, m, b, 4))
			return fail(c, CLONEDEV_CLONE_E_AUTH, true);
		if (get_be32(b) != c->next)
			return fail(c, CLONEDEV_CLONE_E_UNEXPECTED, true);
		put_header(c->out, MSG_SUMMARY, c->sid, seq, 16 + TAG_LEN);
		put_be32(r, c->copied);
		put_be32(r + 4, c->skipped);
		put_be32(r + 8, c->refused);
		put_be32(r + 12, c->failed);
		if (aead_crypt(c->gcm, c->k_ctl[1], true, 2, seq, c->out, r,
			       16))
			return fail(c, CLONEDEV_CLONE_E_INTERNAL, true);
		c->out_len = HDR_LEN + 16 + TAG_LEN;
		c->total = c->next;
		c->state = CLONEDEV_CLONE_DONE;
		c->wait = W_NOTHING;
		return 0;
	}
	blen = check_msg(c, m, len, MSG_OBJECT, seq, true);
	if (blen < 0)
		return 0;
	if (c->protocol == CLONEDEV_PROTO_CPV3) {
		off = cpv3_suite->pub_len;
		if (blen < off + 2 + TAG_LEN ||
		    cpv3_keys(c, c->next, b))
			return fail(c, CLONEDEV_CLONE_E_AUTH, true);
	} else if (c->protocol == CLONEDEV_PROTO_CPV4 &&
		   cpv4_keys(c, c->next)) {
		return fail(c, CLONEDEV_CLONE_E_INTERNAL, true);
	}
	if (blen < off + 2 + TAG_LEN)
		return fail(c, CLONEDEV_CLONE_E_UNEXPECTED, true);
	plen = blen - off - TAG_LEN;
	if ((c->protocol == CLONEDEV_PROTO_CPV1 && plen != CPV1_SLOT) ||
	    obj_crypt(c, 0, false, seq, m, b + off, plen))
		return fail(c, CLONEDEV_CLONE_E_AUTH, true);
	/* Authentic from here on: a bad record is this object's failure. */
	status = b[off];
	if (status == CLONEDEV_CLONE_COPIED) {
		o = get_record(b + off + 2, plen - 2);
		status = o ? target_store(s, c, &o, &handle, &gone) :
			     CLONEDEV_CLONE_OBJ_FAILED;
		cld_object_free(o);
	} else if (status == CLONEDEV_CLONE_SKIPPED ||
		   status > CLONEDEV_CLONE_OBJ_FAILED || b[off + 1] ||
		   memchr_inv(b + off + 2, 0, plen - 2)) {
		/* Only the target decides that an object is skipped. */
		status = CLONEDEV_CLONE_OBJ_FAILED;
	}
	memzero_explicit(b + off, plen);
	if (gone)
		return fail(c, CLONEDEV_CLONE_E_ROLE, true);
	count(c, status);

	rlen = 8;
	memset(r, 0, rlen);
	r[0] = status;
	put_be32(r + 4, handle);
	if (c->protocol == CLONEDEV_PROTO_CPV3) {
		if (eph_new(c, cpv3_suite, pub))
			return fail(c, CLONEDEV_CLONE_E_INTERNAL, true);
		memcpy(r + rlen, pub, cpv3_suite->pub_len);
		rlen += cpv3_suite->pub_len;
	}
	put_header(c->out, MSG_RESULT, c->sid, seq, rlen + TAG_LEN);
	if (obj_crypt(c, 1, true, seq, c->out, r, rlen))
		return fail(c, CLONEDEV_CLONE_E_INTERNAL, true);
	c->out_len = HDR_LEN + rlen + TAG_LEN;
	c->next++;
	return 0;
}

/* ---- known-answer test ---- */

/*
 * The test vectors of docs/clone-protocol.md (made by the second
 * implementation, selftests/peer/clonepeer.py): D = "clonedev test
 * domain", Ns = 00..1f, Nt = 20..3f, the SPAKE2 scalars x = 41..60 and
 * y = 61..80, the transcript hash a0..bf; the source's ephemeral private
 * key is the bytes 01, 02, ... and the target's continues where it stops.
 */
static const u8 kat_pa[SHARE_LEN] = {
	0x04, 0x7a, 0xfa, 0x0e, 0x7d, 0xd8, 0xed, 0x44,
	0x9b, 0x36, 0x99, 0x73, 0xb1, 0xbd, 0xf2, 0xb2,
	0x4c, 0x62, 0xea, 0x55, 0x59, 0x4d, 0x87, 0x99,
	0x57, 0x93, 0x42, 0x8f, 0x0a, 0xa5, 0x4a, 0xb0,
	0x96, 0xde, 0xbd, 0x59, 0x34, 0xdb, 0x5f, 0x7c,
	0x02, 0x11, 0x7f, 0x45, 0x49, 0xa2, 0x17, 0xf2,
	0x54, 0x82, 0x1a, 0x4c, 0x22, 0x96, 0xee, 0xea,
	0xac, 0xcf, 0xbf, 0xb6, 0xf0, 0xa6, 0x3e, 0x81,
	0xc8,
};

static const u8 kat_pb[SHARE_LEN] = {
	0x04, 0xc8, 0xfd, 0x9d, 0xf2, 0xb7, 0x88, 0xfa,
	0x84, 0x87, 0x5f, 0x23, 0x04, 0xcc, 0x7b, 0x63,
	0xbe, 0x08, 0x21, 0xc7, 0x08, 0xb7, 0x79, 0x23,
	0x5a, 0x06, 0x40, 0x36, 0xd2, 0x60, 0xc6, 0xb2,
	0x14, 0x38, 0x0a, 0x55, 0xcd, 0x2f, 0xcf, 0x74,
	0x1e, 0xf5, 0xf9, 0xdb, 0xfb, 0xc1, 0xd3, 0x3f,
	0xfd, 0x21, 0x00, 0xaf, 0x16, 0x74, 0xec, 0x5e,
	0x27, 0xdb, 0x25, 0xe4, 0xa6, 0xcf, 0x9c, 0x8f,
	0x4f,
};

static const u8 kat_k_hs[32] = {
	0xbd, 0x21, 0x80, 0x63, 0x9d, 0x08, 0x2f, 0x80,
	0xaf, 0xa6, 0x06, 0x77, 0x63, 0x88, 0xfe, 0xdf,
	0xb9, 0x15, 0x84, 0xa2, 0x8d, 0xe6, 0x58, 0xd9,
	0xe2, 0xad, 0x4a, 0xe6, 0xb0, 0x59, 0xb1, 0xb9,
};

static const u8 kat_k_c[64] = {
	0x75, 0xe6, 0xae, 0x62, 0xbd, 0xe0, 0xc1, 0xf1,
	0xed, 0x41, 0x95, 0x90, 0xf4, 0x80, 0x6c, 0x7c,
	0xe8, 0x80, 0x04, 0xdd, 0xf5, 0x94, 0xa8, 0x4d,
	0x3b, 0x60, 0x63, 0x8c, 0xcb, 0x13, 0x90, 0xd0,
	0xf9, 0x43, 0x77, 0x56, 0xc5, 0xe1, 0x92, 0x03,
	0xb8, 0xd1, 0x5b, 0x75, 0x1c, 0x45, 0x5b, 0x12,
	0xc9, 0xdd, 0x67, 0x5e, 0xea, 0xd0, 0xd0, 0x32,
	0x87, 0xc9, 0xc4, 0x13, 0x54, 0x6c, 0x75, 0xdf,
};

static const u8 kat_p384_k_st1[32] = {
	0xb0, 0xf2, 0x90, 0x08, 0x42, 0x28, 0xb1, 0xeb,
	0x07, 0xd5, 0x38, 0x14, 0x9a, 0x3c, 0x73, 0x60,
	0x2d, 0xb3, 0x13, 0xe6, 0xa9, 0x35, 0x99, 0xa4,
	0xa0, 0xa4, 0xbd, 0x5d, 0x09, 0x63, 0xc9, 0xe7,
};

static const u8 kat_p256_k_st1[32] = {
	0xe5, 0x96, 0xf2, 0xf3, 0xd4, 0x73, 0xd0, 0x87,
	0x24, 0x80, 0x46, 0xe0, 0x5b, 0xa4, 0x74, 0x28,
	0xff, 0xd0, 0xff, 0xc3, 0xb7, 0x3b, 0xf2, 0x08,
	0x64, 0x6e, 0xe1, 0x94, 0xd6, 0xd3, 0xa4, 0x7c,
};

static const u8 kat_x25519_k_st1[32] = {
	0x17, 0xa5, 0x4b, 0x48, 0x71, 0x85, 0x77, 0xee,
	0xf5, 0x63, 0xfe, 0xcf, 0x49, 0x66, 0x9a, 0x1f,
	0x26, 0x17, 0xf8, 0x32, 0xc9, 0x7d, 0x99, 0xfd,
	0x7c, 0x4c, 0x42, 0xcd, 0x5e, 0xfc, 0x19, 0xb0,
};

static const u8 kat_k_0[64] = {
	0x88, 0x6b, 0xcd, 0x17, 0x81, 0x64, 0xf7, 0xd1,
	0xe3, 0xe4, 0x17, 0xa3, 0x68, 0x76, 0x3e, 0xf5,
	0x38, 0x0c, 0xc1, 0xc1, 0x6b, 0xff, 0x1b, 0xe5,
	0x9f, 0xe7, 0x6f, 0x71, 0x19, 0x6e, 0x80, 0x04,
	0xdd, 0x45, 0xe3, 0xd4, 0xfd, 0x03, 0x77, 0x3a,
	0xf6, 0xec, 0x9a, 0x60, 0x11, 0x75, 0xaa, 0x26,
	0xb4, 0x17, 0xf4, 0xb3, 0x6f, 0xed, 0xd9, 0x66,
	0x6a, 0x46, 0xb6, 0xb9, 0x94, 0xb8, 0xc6, 0x53,
};

static const u8 kat_k_1[64] = {
	0xd4, 0xf2, 0xb2, 0x29, 0x34, 0xfb, 0xd1, 0xaa,
	0xfc, 0xab, 0xfe, 0x4b, 0x34, 0x2b, 0xa0, 0x72,
	0x1a, 0xbd, 0xcd, 0x65, 0x33, 0xdd, 0x47, 0x35,
	0x38, 0xa8, 0x82, 0x83, 0x80, 0x06, 0x06, 0xac,
	0xa1, 0x1f, 0xc6, 0x27, 0xd5, 0x90, 0xbb, 0xb7,
	0xfe, 0x07, 0x59, 0xab, 0xaf, 0x9a, 0x70, 0xae,
	0x5a, 0x7b, 0x55, 0x06, 0x3c, 0x47, 0x57, 0xb4,
	0x0f, 0x77, 0x84, 0x93, 0xb0, 0x70, 0xec, 0x28,
};

/*
 * A source clone at the vectors' handshake, with @proto and @cs: both
 * sides' SPAKE2 with the vectors' scalars, each side's K_hs from the
 * other's share and the stand-in transcript hash. Checks the shares and
 * that both sides agree.
 */
static struct cld_clone *kat_start(u32 proto, const struct clone_suite *cs)
{
	static const char d[] = "clonedev test domain";
	struct cld_clone *c = clone_alloc(true);
	struct cld_clone *t = clone_alloc(false);
	u8 x[32], y[32], h[32], pa[SHARE_LEN], pb[SHARE_LEN];
	int ret = -EINVAL;
	u32 i;

	if (IS_ERR(c) || IS_ERR(t)) {
		ret = IS_ERR(c) ? PTR_ERR(c) : PTR_ERR(t);
		goto out;
	}
	for (i = 0; i < 32; i++) {
		x[i] = 0x41 + i;
		y[i] = 0x61 + i;
		h[i] = 0xa0 + i;
	}
	for (i = 0; i < NONCE_LEN; i++) {
		c->ns[i] = i;
		c->nt[i] = NONCE_LEN + i;
	}
	c->protocol = proto;
	c->cs = cs;
	c->domain_len = sizeof(d) - 1;
	memcpy(c->domain, d, c->domain_len);
	/* The target: the same inputs. */
	memcpy(t->ns, c->ns, NONCE_LEN);
	memcpy(t->nt, c->nt, NONCE_LEN);
	t->protocol = proto;
	t->cs = cs;
	t->domain_len = c->domain_len;
	memcpy(t->domain, d, t->domain_len);
	if (spake_start(c, x) || spake_start(t, y))
		goto out;
	memcpy(pa, c->sp.share, SHARE_LEN);
	memcpy(pb, t->sp.share, SHARE_LEN);
	if (memcmp(pa, kat_pa, SHARE_LEN) || memcmp(pb, kat_pb, SHARE_LEN) ||
	    handshake_keys(c, pb, h) || handshake_keys(t, pa, h) ||
	    memcmp(c->k_hs, t->k_hs, KEY_LEN) ||
	    memcmp(c->k_obj, t->k_obj, sizeof(c->k_obj)))
		goto out;
	ret = 0;
out:
	if (!IS_ERR(t))
		clone_free(t);
	if (ret) {
		if (!IS_ERR(c))
			clone_free(c);
		return ERR_PTR(ret);
	}
	return c;
}

/*
 * The source's key agreement with the target over @cs, both ephemeral
 * keys from the vectors, then CPv4's keys of epoch 1 (@cpv4) or CPv3's
 * keys of object 0 in c->k_obj.
 */
static int kat_agree(struct cld_clone *c, const struct clone_suite *cs,
		     bool cpv4)
{
	unsigned int n = cs->nist ? (cs->pub_len - 1) / 2 : cs->pub_len;
	u8 spriv[48], tpriv[48], spub[PUB_MAX], tpub[PUB_MAX];
	struct cld_clone *t = clone_alloc(false);
	unsigned int i;
	int ret;

	if (IS_ERR(t))
		return PTR_ERR(t);
	for (i = 0; i < n; i++) {
		spriv[i] = 1 + i;
		tpriv[i] = 1 + n + i;
	}
	ret = eph_key(t, cs, tpriv, tpub) ?: eph_key(c, cs, spriv, spub);
	if (!ret)
		ret = cpv4 ? cpv4_prk(c, tpub) ?: cpv4_keys(c, EPOCH_OBJECTS) :
			     cpv3_keys(c, 0, tpub);
	clone_free(t);
	memzero_explicit(spriv, sizeof(spriv));
	memzero_explicit(tpriv, sizeof(tpriv));
	return ret;
}

int cld_clone_selftest(void)
{
	static const u8 *const k_st1[] = {
		kat_p384_k_st1, kat_p256_k_st1, kat_x25519_k_st1,
	};
	struct cld_clone *c;
	bool bad = false;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(suites); i++) {
		/* A suite the kernel lacks is never offered. */
		if (!(cld_hsm.suites & suites[i].bit))
			continue;
		c = kat_start(CLONEDEV_PROTO_CPV4, &suites[i]);
		if (IS_ERR(c))
			return PTR_ERR(c);
		bad |= kat_agree(c, &suites[i], true) ||
		       memcmp(c->k_obj[0], k_st1[i], KEY_LEN);
		if (!i)
			bad |= memcmp(c->k_hs, kat_k_hs, KEY_LEN) ||
			       memcmp(c->k_ctl, kat_k_c, sizeof(kat_k_c));
		clone_free(c);
	}
	c = kat_start(CLONEDEV_PROTO_CPV3, cpv3_suite);
	if (IS_ERR(c))
		return PTR_ERR(c);
	bad |= kat_agree(c, cpv3_suite, false) ||
	       memcmp(c->k_obj, kat_k_0, sizeof(kat_k_0));
	clone_free(c);
	c = kat_start(CLONEDEV_PROTO_CPV1, NULL);
	if (IS_ERR(c))
		return PTR_ERR(c);
	bad |= memcmp(c->k_obj, kat_k_1, sizeof(kat_k_1));
	clone_free(c);
	if (bad) {
		pr_err("clonedev: the cloning key schedule fails its known-answer test\n");
		return -EINVAL;
	}
	return 0;
}

/* ---- the ioctl ---- */

/* The handles a SOURCE request names (all of them with count 0). */
static int source_handles(struct cld_session *s, struct cld_clone *c,
			  const struct clonedev_clone *cmd)
{
	struct cld_partition *p;
	struct cld_object *o;
	unsigned long h;
	u32 i, n = 0;
	int ret = 0;

	if (cmd->count) {
		if (cmd->count > CLONEDEV_CLONE_HANDLES_MAX)
			return -E2BIG;
		c->handles = kvmalloc_array(cmd->count, sizeof(u32),
					    GFP_KERNEL);
		if (!c->handles)
			return -ENOMEM;
		if (copy_from_user(c->handles, u64_to_user_ptr(cmd->handles),
				   cmd->count * sizeof(u32)))
			return -EFAULT;
		c->total = cmd->count;
	}
	mutex_lock(&cld_hsm.lock);
	p = clone_partition(s, c);
	if (!p) {
		ret = -EACCES;
		goto out;
	}
	if (cmd->count) {
		for (i = 0; i < c->total; i++)
			if (!xa_load(&p->objects, c->handles[i]))
				ret = -ENOENT;
		goto out;
	}
	c->handles = kvmalloc_array(p->object_count ?: 1, sizeof(u32),
				    GFP_KERNEL);
	if (!c->handles) {
		ret = -ENOMEM;
		goto out;
	}
	xa_for_each(&p->objects, h, o)
		c->handles[n++] = h;
	c->total = n;
out:
	mutex_unlock(&cld_hsm.lock);
	return ret;
}

/* SOURCE: checks the session, then HELLO. */
static int start_source(struct cld_session *s, struct cld_clone *c,
			const struct clonedev_clone *cmd)
{
	struct cld_partition *p;
	struct offer mine;
	u8 *b = c->out + HDR_LEN;
	u32 n;
	int ret;

	mutex_lock(&cld_hsm.lock);
	p = cld_session_partition(s);
	if (!p) {
		ret = -ENODEV;
	} else if (!cld_session_is(s, p, CLONEDEV_ROLE_CO) &&
		   !cld_session_is(s, p, CLONEDEV_ROLE_CU)) {
		ret = -EACCES;
	} else if (p->clone_failures >= CLONEDEV_CLONE_FAILURES_MAX) {
		ret = -EKEYREVOKED;
	} else {
		ret = 0;
		c->slot = p->slot;
		c->serial = p->serial;
		c->role = cld_session_is(s, p, CLONEDEV_ROLE_CO) ?
			  CLONEDEV_ROLE_CO : CLONEDEV_ROLE_CU;
		make_offer(p, &mine);
	}
	mutex_unlock(&cld_hsm.lock);
	if (ret)
		return ret;
	ret = source_handles(s, c, cmd);
	if (ret)
		return ret;
	get_random_bytes(c->ns, NONCE_LEN);
	n = put_offer(b, &mine, true);
	memcpy(b + n, c->ns, NONCE_LEN);
	n += NONCE_LEN;
	put_header(c->out, MSG_HELLO, NULL, 0, n);
	c->out_len = HDR_LEN + n;
	c->hello = kmemdup(c->out, c->out_len, GFP_KERNEL);
	if (!c->hello)
		return -ENOMEM;
	c->hello_len = c->out_len;
	c->wait = W_CHOICE;
	return 0;
}

static int start_target(struct cld_session *s, struct cld_clone *c)
{
	struct cld_partition *p;
	int ret = 0;

	mutex_lock(&cld_hsm.lock);
	p = cld_session_partition(s);
	if (!p) {
		ret = -ENODEV;
	} else if (!cld_session_is(s, p, CLONEDEV_ROLE_CO)) {
		ret = -EACCES;
	} else if (p->clone_failures >= CLONEDEV_CLONE_FAILURES_MAX) {
		ret = -EKEYREVOKED;
	} else {
		c->slot = p->slot;
		c->serial = p->serial;
		c->role = CLONEDEV_ROLE_CO;
	}
	mutex_unlock(&cld_hsm.lock);
	c->wait = W_HELLO;
	return ret;
}

/*
 * One message from the peer, by what the clone waits for. Return: 0 (the
 * outcome is in the clone), or -EKEYREVOKED when the partition's failed
 * handshakes reached CLONEDEV_CLONE_FAILURES_MAX.
 */
static int step(struct cld_session *s, struct cld_clone *c, u8 *m, u32 len)
{
	struct cld_partition *p;

	c->out_len = 0;
	c->has_result = false;
	mutex_lock(&cld_hsm.lock);
	p = clone_partition(s, c);
	mutex_unlock(&cld_hsm.lock);
	if (!p)
		return fail(c, CLONEDEV_CLONE_E_ROLE, true);
	switch (c->wait) {
	case W_CHOICE:
		return source_choice(s, c, m, len);
	case W_READY:
		return source_ready(s, c, m, len);
	case W_RESULT:
		return source_result(s, c, m, len);
	case W_SUMMARY:
		return source_summary(c, m, len);
	case W_CONFIRM:
		return target_confirm(s, c, m, len);
	case W_OBJECT:
		return target_object(s, c, m, len);
	case W_HELLO:
		return target_hello(s, c, m, len);
	default:
		return fail(c, CLONEDEV_CLONE_E_UNEXPECTED, true);
	}
}

static void report(const struct cld_clone *c, struct clonedev_clone *cmd)
{
	cmd->out_len = c->out_len;
	cmd->state = c->state;
	cmd->error = c->error;
	cmd->protocol = c->choice ? c->protocol : 0;
	cmd->suite = cmd->protocol == CLONEDEV_PROTO_CPV4 ? c->cs->bit : 0;
	cmd->total = c->total;
	cmd->has_result = c->has_result;
	cmd->result_handle = c->result_handle;
	cmd->result_status = c->result_status;
	cmd->result_target = c->result_target;
	cmd->copied = c->copied;
	cmd->skipped = c->skipped;
	cmd->refused = c->refused;
	cmd->failed = c->failed;
}

int cld_session_clone(struct cld_session *s, void *arg)
{
	struct clonedev_clone *cmd = arg;
	struct cld_clone *c;
	u8 *in = NULL;
	int ret = 0;

	if (cmd->flags)
		return -EOPNOTSUPP;
	if (cmd->__reserved[0] || cmd->__reserved[1] ||
	    cmd->op < CLONEDEV_CLONE_SOURCE || cmd->op > CLONEDEV_CLONE_ABORT)
		return -EINVAL;
	if (cmd->in_len > CLONEDEV_CLONE_MSG_MAX ||
	    (cmd->op != CLONEDEV_CLONE_ABORT &&
	     cmd->out_cap < CLONEDEV_CLONE_MSG_MAX))
		return -EMSGSIZE;
	if ((cmd->op == CLONEDEV_CLONE_TARGET ||
	     cmd->op == CLONEDEV_CLONE_STEP) && !cmd->in_len)
		return -EINVAL;
	if (cmd->in_len) {
		in = memdup_user(u64_to_user_ptr(cmd->in), cmd->in_len);
		if (IS_ERR(in))
			return PTR_ERR(in);
	}

	mutex_lock(&s->lock);
	switch (cmd->op) {
	case CLONEDEV_CLONE_SOURCE:
	case CLONEDEV_CLONE_TARGET:
		clone_free(s->clone);
		s->clone = NULL;
		c = clone_alloc(cmd->op == CLONEDEV_CLONE_SOURCE);
		if (IS_ERR(c)) {
			ret = PTR_ERR(c);
			break;
		}
		ret = c->source ? start_source(s, c, cmd) :
				  start_target(s, c);
		if (ret) {
			clone_free(c);
			break;
		}
		s->clone = c;
		if (!c->source)
			ret = step(s, c, in, cmd->in_len);
		break;
	case CLONEDEV_CLONE_STEP:
		c = s->clone;
		if (!c || c->state != CLONEDEV_CLONE_RUNNING) {
			ret = -EINVAL;
			break;
		}
		ret = step(s, c, in, cmd->in_len);
		break;
	default:
		c = s->clone;
		if (!c) {
			ret = -EINVAL;
			break;
		}
		if (c->state == CLONEDEV_CLONE_RUNNING)
			fail(c, CLONEDEV_CLONE_E_ABORTED, true);
		c->has_result = false;
		/* The clone ends all the same; its ERROR goes only if it fits. */
		if (c->out_len > cmd->out_cap) {
			clone_free(c);
			s->clone = NULL;
			ret = -EMSGSIZE;
		}
	}
	if (!ret) {
		report(c, cmd);
		if (c->out_len &&
		    copy_to_user(u64_to_user_ptr(cmd->out), c->out,
				 c->out_len))
			ret = -EFAULT;
		memzero_explicit(c->out, CLONEDEV_CLONE_MSG_MAX);
		if (c->state != CLONEDEV_CLONE_RUNNING) {
			clone_free(c);
			s->clone = NULL;
		}
	}
	if (ret == -EKEYREVOKED) {
		/* Cloning is locked on the partition: the clone ends here. */
		clone_free(s->clone);
		s->clone = NULL;
	}
	mutex_unlock(&s->lock);
	kfree_sensitive(in);
	return ret;
}
