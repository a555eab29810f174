// SPDX-License-Identifier: GPL-2.0
/*
 * The remote PED (CLONEDEV_IOCTL_PED): the partition's remote PED vector
 * (RPV), and the kernel's side of a session's channel to a PED server, as
 * docs/remote-ped.md specifies it. The server and the kernel prove to
 * each other that they hold the RPV over an ephemeral P-256 agreement;
 * the shares the server then sends are sealed to the session and held
 * here, in kernel memory only, for one login or domain import. The other
 * way, a secret made here for a role or partition init is split, and its
 * shares are sent sealed to the server to store; the secret waits here for
 * the init. User space relays the messages and sees none of their
 * contents.
 */
#include <crypto/aead.h>
#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <crypto/kpp.h>
#include <linux/err.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#ifdef CLD_LINUX_UNALIGNED		/* Kbuild: from 6.12 on */
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#include "cred.h"
#include "hsm.h"
#include "kdf.h"
#include "kex.h"
#include "partition.h"
#include "ped.h"
#include "quorum.h"
#include "session.h"
#include "suite.h"

#define PED_MAGIC	0x50454431	/* "PED1" */
#define PED_VERSION	1

enum ped_type {
	PED_HELLO = 1,
	PED_ACCEPT = 2,
	PED_FINISH = 3,
	PED_READY = 4,
	PED_REQUEST = 5,
	PED_SHARES = 6,
	PED_STORE = 7,
	PED_STORED = 8,
	PED_ERROR = 15,
};

/* The codes of an ERROR. */
enum ped_code {
	PED_CODE_UNEXPECTED = 1,
	PED_CODE_AUTH = 2,
	PED_CODE_RPV = 3,
	PED_CODE_INTERNAL = 4,
};

struct ped_hdr {
	__be32 magic;
	u8 version;
	u8 type;
	__be16 reserved;
	__be32 seq;
	__be32 len;
} __packed;

#define PED_NONCE_LEN	32
#define PED_PUB_LEN	65		/* P-256, 0x04 || X || Y */
#define PED_MAC_LEN	32
#define PED_NAME_LEN	32		/* labels on the wire, NUL-padded */

struct ped_hello {
	u8 nk[PED_NONCE_LEN];
	u8 pk[PED_PUB_LEN];
	__be64 serial;
	char label[PED_NAME_LEN];
	u8 rpv_id[CLONEDEV_PED_RPV_ID_LEN];
	u8 reserved[8];
} __packed;

struct ped_accept {
	u8 ns[PED_NONCE_LEN];
	u8 ps[PED_PUB_LEN];
	u8 mac[PED_MAC_LEN];
} __packed;

struct ped_request {
	__be32 kind;
	__be32 reserved;
	char label[PED_NAME_LEN];
} __packed;

struct ped_shares {
	__be32 status;
	__be32 count;
	__be32 m;
	__be32 n;
	u8 fingerprint[CLONEDEV_FINGERPRINT_LEN];
	char label[PED_NAME_LEN];
} __packed;

struct ped_store {
	__be32 kind;
	__be32 reserved;
	__be32 m;
	__be32 n;
	u8 fingerprint[CLONEDEV_FINGERPRINT_LEN];
	char label[PED_NAME_LEN];
} __packed;

/* The status of a STORED. */
enum ped_stored_status {
	PED_STORED_WRITTEN = 0,
	PED_STORED_REFUSED = 1,
	PED_STORED_NOT_WRITTEN = 2,
};

struct ped_stored {
	__be32 status;
	__be32 reserved;
} __packed;

struct ped_error {
	__be32 code;
	__be32 reserved;
} __packed;

#define PED_HDR_LEN	sizeof(struct ped_hdr)
#define PED_HELLO_LEN	(PED_HDR_LEN + sizeof(struct ped_hello))
#define PED_ACCEPT_LEN	(PED_HDR_LEN + sizeof(struct ped_accept))
#define PED_FINISH_LEN	(PED_HDR_LEN + PED_MAC_LEN)

static_assert(PED_HDR_LEN == 16);
static_assert(sizeof(struct ped_hello) == 153);
static_assert(sizeof(struct ped_accept) == 129);
static_assert(sizeof(struct ped_request) == 40);
static_assert(sizeof(struct ped_shares) == 56);
static_assert(sizeof(struct ped_store) == 56);
static_assert(sizeof(struct ped_stored) == 8);
static_assert(sizeof(struct clonedev_share) == 40);
static_assert(PED_HDR_LEN + sizeof(struct ped_shares) + CLD_KEX_TAG_LEN +
	      CLONEDEV_QUORUM_MAX * sizeof(struct clonedev_share) <=
	      CLONEDEV_PED_MSG_MAX);
static_assert(PED_HDR_LEN + sizeof(struct ped_store) + CLD_KEX_TAG_LEN +
	      CLONEDEV_QUORUM_MAX * sizeof(struct clonedev_share) <=
	      CLONEDEV_PED_MSG_MAX);

/* P-256, HKDF-SHA-256 and AES-256-GCM, as CPv3. */
#define ped_suite	cld_cpv3_suite

/* What the kernel's side waits for. */
enum ped_wait {
	PED_WAIT_NONE,
	PED_WAIT_ACCEPT,
	PED_WAIT_READY,
	PED_WAIT_SHARES,
	PED_WAIT_STORED,
};

/*
 * A secret made for an init through the server (STORE): usable once the
 * server said it stored the shares.
 */
struct ped_made {
	u32 kind;		/* enum clonedev_ped_kind; 0: none */
	bool stored;		/* STORED status 0 came */
	u32 m;
	u32 n;
	char label[PED_NAME_LEN];	/* kind DOMAIN */
	u8 secret[CLONEDEV_SHARE_LEN];
};

/* Where a made secret of @kind goes: one for a role, one for a domain. */
#define PED_MADE_SLOT(kind)	((kind) == CLONEDEV_PED_KIND_DOMAIN)

/* A session's channel; under the session's lock. */
struct cld_ped {
	u32 state;		/* enum clonedev_ped_state */
	u32 error;		/* enum clonedev_ped_error */
	enum ped_wait wait;
	u32 seq;		/* of the last message sent */
	u64 serial;		/* the partition HELLO named */
	u8 rpv[CLD_RPV_LEN];
	u8 rpv_id[CLONEDEV_PED_RPV_ID_LEN];
	u8 hello[PED_HELLO_LEN];
	u8 accept[PED_ACCEPT_LEN];
	u8 k_ks[CLD_KEX_KEY_LEN];
	u8 k_sk[CLD_KEX_KEY_LEN];
	struct crypto_kpp *kpp;
	struct crypto_aead *gcm;
	struct crypto_shash *sha256;
	struct cld_kdf kdf;
	/* The REQUEST in flight, then the shares it brought. */
	u32 req_kind;
	char req_label[PED_NAME_LEN];
	u32 held_kind;		/* 0: none held */
	u32 held_count;
	u8 held_fp[CLONEDEV_FINGERPRINT_LEN];
	struct clonedev_share held[CLONEDEV_QUORUM_MAX];
	struct ped_made made[2];	/* PED_MADE_SLOT() */
	u8 out[CLONEDEV_PED_MSG_MAX];
};

static void drop_shares(struct cld_ped *ped)
{
	memzero_explicit(ped->held, sizeof(ped->held));
	memzero_explicit(ped->held_fp, sizeof(ped->held_fp));
	ped->held_kind = 0;
	ped->held_count = 0;
}

static void drop_made(struct ped_made *md)
{
	memzero_explicit(md, sizeof(*md));
}

/* Wipes every secret of the channel; the state says what is left. */
static void wipe_keys(struct cld_ped *ped)
{
	memzero_explicit(ped->rpv, sizeof(ped->rpv));
	memzero_explicit(ped->k_ks, sizeof(ped->k_ks));
	memzero_explicit(ped->k_sk, sizeof(ped->k_sk));
	crypto_free_kpp(ped->kpp);
	ped->kpp = NULL;
	drop_shares(ped);
	drop_made(&ped->made[0]);
	drop_made(&ped->made[1]);
}

void cld_ped_free(struct cld_ped *ped)
{
	if (!ped)
		return;
	wipe_keys(ped);
	crypto_free_aead(ped->gcm);
	crypto_free_shash(ped->sha256);
	cld_kdf_uninit(&ped->kdf);
	kfree_sensitive(ped);
}

/* Ends the session's channel. Must hold s->lock. */
void cld_ped_end(struct cld_session *s)
{
	lockdep_assert_held(&s->lock);
	cld_ped_free(s->ped);
	s->ped = NULL;
}

static struct cld_ped *ped_alloc(void)
{
	struct cld_ped *ped = kzalloc(sizeof(*ped), GFP_KERNEL);
	int ret;

	if (!ped)
		return ERR_PTR(-ENOMEM);
	ped->sha256 = crypto_alloc_shash("sha256", 0, 0);
	ped->gcm = crypto_alloc_aead("gcm(aes)", 0, 0);
	if (IS_ERR(ped->sha256) || IS_ERR(ped->gcm)) {
		ret = IS_ERR(ped->sha256) ? PTR_ERR(ped->sha256) :
					    PTR_ERR(ped->gcm);
		if (IS_ERR(ped->sha256))
			ped->sha256 = NULL;
		if (IS_ERR(ped->gcm))
			ped->gcm = NULL;
		goto err;
	}
	ret = cld_kdf_init(&ped->kdf, "hmac(sha256)");
	if (!ret)
		return ped;
err:
	cld_ped_free(ped);
	return ERR_PTR(ret);
}

/* The channel failed: its keys go, its state and code stay for STATUS. */
static void fail(struct cld_ped *ped, u32 error)
{
	wipe_keys(ped);
	ped->state = CLONEDEV_PED_FAILED;
	ped->error = error;
	ped->wait = PED_WAIT_NONE;
}

static void put_hdr(u8 *m, u8 type, u32 seq, u32 body_len)
{
	struct ped_hdr *h = (struct ped_hdr *)m;

	put_unaligned_be32(PED_MAGIC, &h->magic);
	h->version = PED_VERSION;
	h->type = type;
	put_unaligned_be16(0, &h->reserved);
	put_unaligned_be32(seq, &h->seq);
	put_unaligned_be32(body_len, &h->len);
}

/* SHA-256 of @a, @b and @c (@c may be empty) into @h. */
static int hash3(struct cld_ped *ped, const u8 *a, u32 a_len, const u8 *b,
		 u32 b_len, const u8 *c, u32 c_len, u8 *h)
{
	SHASH_DESC_ON_STACK(desc, ped->sha256);
	int ret;

	desc->tfm = ped->sha256;
	ret = crypto_shash_init(desc) ?:
	      crypto_shash_update(desc, a, a_len) ?:
	      crypto_shash_update(desc, b, b_len) ?:
	      (c_len ? crypto_shash_update(desc, c, c_len) : 0) ?:
	      crypto_shash_final(desc, h);
	shash_desc_zero(desc);
	return ret;
}

/* The RPV's id: the first bytes of HMAC(RPV, "clonedev ped rpv id"). */
static int rpv_id(const u8 *rpv, u8 *id)
{
	return cld_kdf_id(CLD_KDF_PED_RPV_ID, rpv, CLD_RPV_LEN, id);
}

/* HELLO into ped->out, remembered for the transcript. */
static int make_hello(struct cld_ped *ped, const char *label)
{
	struct ped_hello *b = (struct ped_hello *)(ped->hello + PED_HDR_LEN);
	int ret;

	memset(ped->hello, 0, sizeof(ped->hello));
	put_hdr(ped->hello, PED_HELLO, 0, sizeof(*b));
	get_random_bytes(b->nk, sizeof(b->nk));
	ret = cld_kex_key(&ped->kpp, ped_suite, NULL, b->pk);
	if (ret)
		return ret;
	put_unaligned_be64(ped->serial, &b->serial);
	memcpy(b->label, label, strnlen(label, PED_NAME_LEN));
	memcpy(b->rpv_id, ped->rpv_id, sizeof(b->rpv_id));
	memcpy(ped->out, ped->hello, PED_HELLO_LEN);
	return PED_HELLO_LEN;
}

/*
 * ACCEPT: Z, PRK, MAC_S; then FINISH (MAC_K) into ped->out and the traffic
 * keys. Return: the length of FINISH, or a negative enum clonedev_ped_error.
 */
static int take_accept(struct cld_ped *ped, const u8 *m)
{
	const struct ped_accept *b = (const void *)(m + PED_HDR_LEN);
	u8 z[32], prk[32], h[32], mac[PED_MAC_LEN];
	unsigned int zl;
	int ret;

	memcpy(ped->accept, m, PED_ACCEPT_LEN);
	ret = cld_kex_agree(ped->kpp, ped_suite, b->ps, z, &zl);
	if (ret) {
		ret = ret == -EBADMSG ? -CLONEDEV_PED_E_AUTH :
					-CLONEDEV_PED_E_INTERNAL;
		goto out;
	}
	ret = cld_kdf_extract(&ped->kdf, ped->rpv, CLD_RPV_LEN, z, zl, prk) ?:
	      hash3(ped, ped->hello, PED_HELLO_LEN, m,
		    PED_ACCEPT_LEN - PED_MAC_LEN, NULL, 0, h) ?:
	      cld_kdf_mac(&ped->kdf, prk, sizeof(prk), CLD_KDF_PED_SERVER, h,
			  sizeof(h), mac);
	if (ret) {
		ret = -CLONEDEV_PED_E_INTERNAL;
		goto out;
	}
	if (crypto_memneq(mac, b->mac, PED_MAC_LEN)) {
		ret = -CLONEDEV_PED_E_AUTH;
		goto out;
	}
	/* FINISH: MAC_K over the transcript and FINISH's header. */
	put_hdr(ped->out, PED_FINISH, 1, PED_MAC_LEN);
	ret = hash3(ped, ped->hello, PED_HELLO_LEN, ped->accept,
		    PED_ACCEPT_LEN, ped->out, PED_HDR_LEN, h) ?:
	      cld_kdf_mac(&ped->kdf, prk, sizeof(prk), CLD_KDF_PED_KERNEL, h,
			  sizeof(h), ped->out + PED_HDR_LEN) ?:
	      hash3(ped, ped->hello, PED_HELLO_LEN, ped->accept,
		    PED_ACCEPT_LEN, ped->out, PED_FINISH_LEN, h) ?:
	      cld_kdf_expand(&ped->kdf, prk, sizeof(prk), CLD_KDF_PED_K2S, h,
			     sizeof(h), ped->k_ks, sizeof(ped->k_ks)) ?:
	      cld_kdf_expand(&ped->kdf, prk, sizeof(prk), CLD_KDF_PED_S2K, h,
			     sizeof(h), ped->k_sk, sizeof(ped->k_sk));
	ret = ret ? -CLONEDEV_PED_E_INTERNAL : PED_FINISH_LEN;
out:
	memzero_explicit(z, sizeof(z));
	memzero_explicit(prk, sizeof(prk));
	memzero_explicit(mac, sizeof(mac));
	return ret;
}

/*
 * A SHARES, opened in place: the shares it brings are held. Return: 0, or
 * a negative enum clonedev_ped_error that ends the channel.
 */
static int take_shares(struct cld_ped *ped, u8 *m, u32 body_len)
{
	struct ped_shares *b = (struct ped_shares *)(m + PED_HDR_LEN);
	struct clonedev_share *sh = (struct clonedev_share *)(b + 1);
	u32 status, count, q_m, q_n, i, seen = 0;
	int ret = 0;

	if (body_len < sizeof(*b) + CLD_KEX_TAG_LEN ||
	    (body_len - sizeof(*b) - CLD_KEX_TAG_LEN) % sizeof(*sh))
		return -CLONEDEV_PED_E_UNEXPECTED;
	if (cld_kex_aead(ped->gcm, ped->k_sk, false, 0, ped->seq, m,
			 PED_HDR_LEN, (u8 *)b, body_len - CLD_KEX_TAG_LEN))
		return -CLONEDEV_PED_E_AUTH;
	status = get_unaligned_be32(&b->status);
	count = get_unaligned_be32(&b->count);
	q_m = get_unaligned_be32(&b->m);
	q_n = get_unaligned_be32(&b->n);
	if (body_len != sizeof(*b) + CLD_KEX_TAG_LEN + count * sizeof(*sh) ||
	    status > CLONEDEV_PED_E_TOO_FEW) {
		ret = -CLONEDEV_PED_E_UNEXPECTED;
		goto out;
	}
	if (status) {
		ret = count || q_m || q_n ? -CLONEDEV_PED_E_UNEXPECTED : 0;
		ped->error = status;
		goto out;
	}
	if (!cld_quorum_ok(q_m, q_n) || count != q_m ||
	    (ped->req_kind == CLONEDEV_PED_KIND_DOMAIN &&
	     memcmp(b->label, ped->req_label, PED_NAME_LEN))) {
		ret = -CLONEDEV_PED_E_UNEXPECTED;
		goto out;
	}
	for (i = 0; i < count; i++) {
		if (!sh[i].index || sh[i].index > q_n ||
		    (seen & BIT(sh[i].index)) ||
		    memchr_inv(sh[i].__reserved, 0, sizeof(sh[i].__reserved))) {
			ret = -CLONEDEV_PED_E_UNEXPECTED;
			goto out;
		}
		seen |= BIT(sh[i].index);
	}
	memcpy(ped->held, sh, count * sizeof(*sh));
	ped->held_count = count;
	ped->held_kind = ped->req_kind;
	memcpy(ped->held_fp, b->fingerprint, sizeof(ped->held_fp));
	ped->error = CLONEDEV_PED_E_NONE;
out:
	memzero_explicit(b, body_len);
	return ret;
}

/*
 * A STORED, opened in place: the secret its STORE sent is usable, or
 * wiped. Return: 0, or a negative enum clonedev_ped_error that ends the
 * channel.
 */
static int take_stored(struct cld_ped *ped, u8 *m, u32 body_len)
{
	struct ped_stored *b = (struct ped_stored *)(m + PED_HDR_LEN);
	struct ped_made *md = &ped->made[PED_MADE_SLOT(ped->req_kind)];
	u32 status;

	if (body_len != sizeof(*b) + CLD_KEX_TAG_LEN)
		return -CLONEDEV_PED_E_UNEXPECTED;
	if (cld_kex_aead(ped->gcm, ped->k_sk, false, 0, ped->seq, m,
			 PED_HDR_LEN, (u8 *)b, sizeof(*b)))
		return -CLONEDEV_PED_E_AUTH;
	status = get_unaligned_be32(&b->status);
	if (get_unaligned_be32(&b->reserved) ||
	    status > PED_STORED_NOT_WRITTEN)
		return -CLONEDEV_PED_E_UNEXPECTED;
	switch (status) {
	case PED_STORED_WRITTEN:
		/* Only a secret made and still held becomes usable. */
		md->stored = md->kind == ped->req_kind;
		ped->error = CLONEDEV_PED_E_NONE;
		break;
	case PED_STORED_REFUSED:
		drop_made(md);
		ped->error = CLONEDEV_PED_E_REFUSED;
		break;
	default:
		drop_made(md);
		ped->error = CLONEDEV_PED_E_NOT_WRITTEN;
	}
	return 0;
}

/* The enum clonedev_ped_error an ERROR message carries. */
static u32 error_of(const u8 *m, u32 body_len)
{
	const struct ped_error *e = (const void *)(m + PED_HDR_LEN);

	if (body_len != sizeof(*e) || get_unaligned_be32(&e->reserved))
		return CLONEDEV_PED_E_UNEXPECTED;
	switch (get_unaligned_be32(&e->code)) {
	case PED_CODE_AUTH:
		return CLONEDEV_PED_E_AUTH;
	case PED_CODE_RPV:
		return CLONEDEV_PED_E_RPV;
	case PED_CODE_INTERNAL:
		return CLONEDEV_PED_E_INTERNAL;
	default:
		return CLONEDEV_PED_E_UNEXPECTED;
	}
}

/*
 * One message from the server, @len bytes at @m (a copy the kernel owns).
 * Return: the length of the answer in ped->out (0: none), or a negative
 * enum clonedev_ped_error that ends the channel.
 */
static int step(struct cld_ped *ped, u8 *m, u32 len)
{
	const struct ped_hdr *h = (const struct ped_hdr *)m;
	static const u8 want[] = {
		[PED_WAIT_ACCEPT] = PED_ACCEPT,
		[PED_WAIT_READY] = PED_READY,
		[PED_WAIT_SHARES] = PED_SHARES,
		[PED_WAIT_STORED] = PED_STORED,
	};
	u32 body_len, seq;
	int ret;

	if (len < PED_HDR_LEN || get_unaligned_be32(&h->magic) != PED_MAGIC ||
	    h->version != PED_VERSION || get_unaligned_be16(&h->reserved))
		return -CLONEDEV_PED_E_UNEXPECTED;
	body_len = get_unaligned_be32(&h->len);
	seq = get_unaligned_be32(&h->seq);
	if (body_len != len - PED_HDR_LEN)
		return -CLONEDEV_PED_E_UNEXPECTED;
	if (h->type == PED_ERROR)
		return -error_of(m, body_len);
	if (h->type != want[ped->wait] || seq != ped->seq)
		return -CLONEDEV_PED_E_UNEXPECTED;

	switch (ped->wait) {
	case PED_WAIT_ACCEPT:
		if (len != PED_ACCEPT_LEN)
			return -CLONEDEV_PED_E_UNEXPECTED;
		ret = take_accept(ped, m);
		if (ret > 0) {
			ped->seq = 1;
			ped->wait = PED_WAIT_READY;
		}
		return ret;
	case PED_WAIT_READY:
		if (body_len != CLD_KEX_TAG_LEN)
			return -CLONEDEV_PED_E_UNEXPECTED;
		if (cld_kex_aead(ped->gcm, ped->k_sk, false, 0, seq, m,
				 PED_HDR_LEN, m + PED_HDR_LEN, 0))
			return -CLONEDEV_PED_E_AUTH;
		ped->state = CLONEDEV_PED_CONNECTED;
		ped->wait = PED_WAIT_NONE;
		return 0;
	case PED_WAIT_SHARES:
	case PED_WAIT_STORED:
		ret = ped->wait == PED_WAIT_SHARES ?
		      take_shares(ped, m, body_len) :
		      take_stored(ped, m, body_len);
		if (ret)
			return ret;
		ped->state = CLONEDEV_PED_CONNECTED;
		ped->wait = PED_WAIT_NONE;
		return 0;
	default:
		return -CLONEDEV_PED_E_UNEXPECTED;
	}
}

/* A REQUEST for @kind (@label) into ped->out. Return: its length. */
static int make_request(struct cld_ped *ped, u32 kind, const char *label)
{
	struct ped_request *b = (struct ped_request *)(ped->out + PED_HDR_LEN);
	u32 len = PED_HDR_LEN + sizeof(*b) + CLD_KEX_TAG_LEN;
	int ret;

	drop_shares(ped);
	ped->seq++;
	memset(ped->out, 0, len);
	put_hdr(ped->out, PED_REQUEST, ped->seq, sizeof(*b) + CLD_KEX_TAG_LEN);
	put_unaligned_be32(kind, &b->kind);
	memset(ped->req_label, 0, sizeof(ped->req_label));
	if (kind == CLONEDEV_PED_KIND_DOMAIN)
		memcpy(ped->req_label, label, strnlen(label, PED_NAME_LEN));
	memcpy(b->label, ped->req_label, sizeof(b->label));
	ped->req_kind = kind;
	ret = cld_kex_aead(ped->gcm, ped->k_ks, true, 0, ped->seq, ped->out,
			   PED_HDR_LEN, (u8 *)b, sizeof(*b));
	if (ret)
		return ret;
	ped->state = CLONEDEV_PED_WAITING;
	ped->wait = PED_WAIT_SHARES;
	return len;
}

/*
 * STORE: a new secret of @cmd->kind, made and kept in ped->made, its
 * shares sealed in a STORE into ped->out. Must hold s->lock. Return: the
 * STORE's length, or -errno.
 */
static int make_store(struct cld_session *s, struct cld_ped *ped,
		      const struct clonedev_ped *cmd)
{
	struct ped_store *b = (struct ped_store *)(ped->out + PED_HDR_LEN);
	struct clonedev_share *sh = (struct clonedev_share *)(b + 1);
	u32 kind = cmd->kind, n = cmd->quorum_n;
	u32 body_len = sizeof(*b) + n * sizeof(*sh);
	struct ped_made *md;
	struct cld_partition *p;
	u32 roles;
	int ret = 0;

	lockdep_assert_held(&s->lock);
	if (!ped || ped->state != CLONEDEV_PED_CONNECTED)
		return -EINVAL;
	/* Who may init it: po for co (and a partition), co for cu. */
	roles = CLD_ROLE_BIT(kind == CLONEDEV_PED_KIND_CU ? CLONEDEV_ROLE_CO :
							  CLONEDEV_ROLE_PO);
	mutex_lock(&cld_hsm.lock);
	p = cld_session_partition_as(s, roles);
	if (IS_ERR(p))
		ret = PTR_ERR(p);
	else if (!cld_partition_is_quorum(p))
		ret = -EOPNOTSUPP;
	mutex_unlock(&cld_hsm.lock);
	if (ret)
		return ret;

	drop_shares(ped);
	md = &ped->made[PED_MADE_SLOT(kind)];
	drop_made(md);
	memset(ped->out, 0, PED_HDR_LEN + body_len + CLD_KEX_TAG_LEN);
	get_random_bytes(md->secret, sizeof(md->secret));
	put_unaligned_be32(kind, &b->kind);
	put_unaligned_be32(cmd->quorum_m, &b->m);
	put_unaligned_be32(n, &b->n);
	if (kind == CLONEDEV_PED_KIND_DOMAIN) {
		memcpy(md->label, cmd->domain_label,
		       strnlen(cmd->domain_label, PED_NAME_LEN));
		memcpy(b->label, md->label, sizeof(b->label));
		ret = cld_kdf_fingerprint(md->secret, sizeof(md->secret),
					  b->fingerprint);
	}
	ret = ret ?: cld_quorum_split(md->secret, cmd->quorum_m, n, sh);
	if (!ret) {
		put_hdr(ped->out, PED_STORE, ped->seq + 1,
			body_len + CLD_KEX_TAG_LEN);
		ret = cld_kex_aead(ped->gcm, ped->k_ks, true, 0, ped->seq + 1,
				   ped->out, PED_HDR_LEN, (u8 *)b, body_len);
	}
	if (ret) {
		/* Nothing went out: the shares in ped->out go too. */
		memzero_explicit(ped->out, PED_HDR_LEN + body_len);
		drop_made(md);
		return ret;
	}
	md->kind = kind;
	md->m = cmd->quorum_m;
	md->n = n;
	ped->seq++;
	ped->req_kind = kind;
	memcpy(ped->req_label, md->label, sizeof(ped->req_label));
	ped->state = CLONEDEV_PED_WAITING;
	ped->wait = PED_WAIT_STORED;
	return PED_HDR_LEN + body_len + CLD_KEX_TAG_LEN;
}

/*
 * CONNECT: HELLO for the session's partition, with its RPV's id. Must hold
 * s->lock. Return: the length of HELLO, or -errno.
 */
static int ped_connect(struct cld_session *s, struct cld_ped *ped)
{
	struct cld_partition *p;
	char label[CLD_LABEL_MAX + 1];
	int ret = 0;

	lockdep_assert_held(&s->lock);
	mutex_lock(&cld_hsm.lock);
	p = cld_session_partition(s);
	if (!p)
		ret = -ENODEV;
	else if (!p->has_rpv)
		ret = -ENOKEY;
	if (!ret) {
		memcpy(ped->rpv, p->rpv, CLD_RPV_LEN);
		ped->serial = p->serial;
		strscpy(label, p->label, sizeof(label));
	}
	mutex_unlock(&cld_hsm.lock);
	if (ret)
		return ret;
	ret = rpv_id(ped->rpv, ped->rpv_id);
	if (ret)
		return ret;
	ret = make_hello(ped, label);
	if (ret < 0)
		return ret;
	ped->state = CLONEDEV_PED_HANDSHAKE;
	ped->wait = PED_WAIT_ACCEPT;
	ped->seq = 0;
	return ret;
}

/* The partition's RPV, made, or with @erase removed, durably, by its po. */
static int set_vector(struct cld_session *s, const u8 *rpv, bool erase)
{
	struct cld_partition *p;
	u8 old[CLD_RPV_LEN];
	bool had;
	int ret;

	mutex_lock(&s->lock);
	mutex_lock(&cld_hsm.lock);
	p = cld_session_partition_as(s, CLD_ROLE_BIT(CLONEDEV_ROLE_PO));
	if (IS_ERR(p)) {
		ret = PTR_ERR(p);
		goto out;
	}
	if (!erase && !cld_partition_is_quorum(p)) {
		ret = -EOPNOTSUPP;
		goto out;
	}
	if (erase && !p->has_rpv) {
		ret = -ENOKEY;
		goto out;
	}
	had = p->has_rpv;
	memcpy(old, p->rpv, sizeof(old));
	p->has_rpv = !erase;
	if (erase)
		memzero_explicit(p->rpv, sizeof(p->rpv));
	else
		memcpy(p->rpv, rpv, CLD_RPV_LEN);
	ret = cld_partition_persist(p);
	if (ret) {
		p->has_rpv = had;
		memcpy(p->rpv, old, sizeof(old));
	}
	memzero_explicit(old, sizeof(old));
out:
	mutex_unlock(&cld_hsm.lock);
	mutex_unlock(&s->lock);
	return ret;
}

static int vector_init(struct cld_session *s, struct clonedev_ped *cmd)
{
	struct clonedev_share *shares = NULL;
	u8 *rpv;
	int ret;

	rpv = cld_secret_new_quorum(cmd->quorum_m, cmd->quorum_n, &shares);
	if (IS_ERR(rpv))
		return PTR_ERR(rpv);
	ret = rpv_id(rpv, cmd->rpv_id);
	/* The shares first, outside the locks: a fault changes nothing. */
	if (!ret && copy_to_user(u64_to_user_ptr(cmd->shares), shares,
				 cmd->quorum_n * sizeof(*shares)))
		ret = -EFAULT;
	if (!ret)
		ret = set_vector(s, rpv, false);
	if (!ret)
		cmd->ped_flags = CLONEDEV_PED_HAS_RPV;
	kfree_sensitive(shares);
	kfree_sensitive(rpv);
	return ret;
}

/* STATUS: the channel, and the partition's RPV. */
static int status(struct cld_session *s, struct clonedev_ped *cmd)
{
	struct cld_partition *p;
	u8 rpv[CLD_RPV_LEN];
	bool has = false;
	int ret = 0;

	lockdep_assert_held(&s->lock);
	mutex_lock(&cld_hsm.lock);
	p = cld_session_partition(s);
	if (!p) {
		ret = -ENODEV;
	} else if (p->has_rpv) {
		memcpy(rpv, p->rpv, sizeof(rpv));
		has = true;
	}
	mutex_unlock(&cld_hsm.lock);
	if (has) {
		ret = rpv_id(rpv, cmd->rpv_id);
		cmd->ped_flags |= CLONEDEV_PED_HAS_RPV;
	}
	memzero_explicit(rpv, sizeof(rpv));
	return ret;
}

/* CONNECT, STEP, REQUEST, STORE, DISCONNECT. Must hold s->lock. */
static int channel_op(struct cld_session *s, struct clonedev_ped *cmd,
		      u8 *in)
{
	struct cld_ped *ped = s->ped;
	int ret;

	lockdep_assert_held(&s->lock);
	switch (cmd->op) {
	case CLONEDEV_PED_CONNECT:
		cld_ped_end(s);
		ped = ped_alloc();
		if (IS_ERR(ped))
			return PTR_ERR(ped);
		ret = ped_connect(s, ped);
		if (ret < 0) {
			cld_ped_free(ped);
			return ret;
		}
		s->ped = ped;
		return ret;
	case CLONEDEV_PED_STEP:
		if (!ped || ped->wait == PED_WAIT_NONE)
			return -EINVAL;
		ret = step(ped, in, cmd->in_len);
		if (ret < 0) {
			fail(ped, -ret);
			return 0;
		}
		return ret;
	case CLONEDEV_PED_REQUEST:
		if (!ped || ped->state != CLONEDEV_PED_CONNECTED)
			return -EINVAL;
		return make_request(ped, cmd->kind, cmd->domain_label);
	case CLONEDEV_PED_STORE:
		return make_store(s, ped, cmd);
	default:	/* CLONEDEV_PED_DISCONNECT */
		if (!ped)
			return -ENOTCONN;
		cld_ped_end(s);
		return 0;
	}
}

/* The arguments of @cmd's op; the server's message copied in. */
static int check_args(struct clonedev_ped *cmd, u8 **in)
{
	bool label = cmd->domain_label[0];

	*in = NULL;
	switch (cmd->op) {
	case CLONEDEV_PED_VECTOR_INIT:
		return cld_quorum_ok(cmd->quorum_m, cmd->quorum_n) ? 0 : -EINVAL;
	case CLONEDEV_PED_STEP:
		if (!cmd->in_len || cmd->in_len > CLONEDEV_PED_MSG_MAX ||
		    cmd->out_cap < CLONEDEV_PED_MSG_MAX)
			return !cmd->in_len ? -EINVAL : -EMSGSIZE;
		*in = memdup_user(u64_to_user_ptr(cmd->in), cmd->in_len);
		return PTR_ERR_OR_ZERO(*in);
	case CLONEDEV_PED_STORE:
		if (!cld_quorum_ok(cmd->quorum_m, cmd->quorum_n))
			return -EINVAL;
		fallthrough;
	case CLONEDEV_PED_REQUEST:
		if (cmd->kind < CLONEDEV_PED_KIND_PO ||
		    cmd->kind > CLONEDEV_PED_KIND_DOMAIN ||
		    (cmd->kind == CLONEDEV_PED_KIND_DOMAIN ?
		     !cld_label_field_ok(cmd->domain_label, false) : label))
			return -EINVAL;
		fallthrough;
	case CLONEDEV_PED_CONNECT:
		return cmd->out_cap < CLONEDEV_PED_MSG_MAX ? -EMSGSIZE : 0;
	case CLONEDEV_PED_VECTOR_ERASE:
	case CLONEDEV_PED_DISCONNECT:
	case CLONEDEV_PED_STATUS:
		return 0;
	default:
		return -EINVAL;
	}
}

int cld_ped_run(struct cld_session *s, void *arg)
{
	struct clonedev_ped *cmd = arg;
	struct cld_ped *ped;
	u8 *in;
	int ret;

	cmd->out_len = 0;
	cmd->ped_flags = 0;
	ret = check_args(cmd, &in);
	if (ret)
		return ret;
	if (cmd->op == CLONEDEV_PED_VECTOR_INIT)
		return vector_init(s, cmd);
	if (cmd->op == CLONEDEV_PED_VECTOR_ERASE)
		return set_vector(s, NULL, true);

	mutex_lock(&s->lock);
	if (!s->slot) {
		ret = -ENODEV;
		goto out;
	}
	ret = cmd->op == CLONEDEV_PED_STATUS ? status(s, cmd) :
					       channel_op(s, cmd, in);
	ped = s->ped;
	if (ret > 0) {
		if (copy_to_user(u64_to_user_ptr(cmd->out), ped->out, ret)) {
			/* The message is lost: the channel cannot go on. */
			fail(ped, CLONEDEV_PED_E_INTERNAL);
			ret = -EFAULT;
		} else {
			cmd->out_len = ret;
			ret = 0;
		}
	}
	if (ped) {
		cmd->state = ped->state;
		cmd->error = ped->error;
		cmd->held_kind = ped->held_kind;
		cmd->held_count = ped->held_count;
		if (cmd->op == CLONEDEV_PED_CONNECT)
			memcpy(cmd->rpv_id, ped->rpv_id, sizeof(cmd->rpv_id));
	} else {
		cmd->state = CLONEDEV_PED_NONE;
		cmd->error = CLONEDEV_PED_E_NONE;
		cmd->held_kind = 0;
		cmd->held_count = 0;
	}
out:
	mutex_unlock(&s->lock);
	kfree_sensitive(in);
	return ret;
}

/*
 * The secret the shares held for @kind (a domain's: @label, and its
 * fingerprint into @fingerprint) combine to, and the serial of the
 * partition they were asked for; the shares are dropped whatever comes of
 * it. Must hold s->lock. Return: the secret (32 bytes,
 * kfree_sensitive()), or ERR_PTR(-ENODATA) if the session holds none.
 */
u8 *cld_ped_secret(struct cld_session *s, u32 kind, const char *label,
		   u8 *fingerprint, u64 *serial)
{
	struct cld_ped *ped = s->ped;
	u8 *secret;
	int ret;

	lockdep_assert_held(&s->lock);
	if (!ped || !ped->held_kind)
		return ERR_PTR(-ENODATA);
	if (ped->held_kind != kind ||
	    (kind == CLONEDEV_PED_KIND_DOMAIN &&
	     strncmp(ped->req_label, label, PED_NAME_LEN))) {
		drop_shares(ped);
		return ERR_PTR(-ENODATA);
	}
	secret = kmalloc(CLONEDEV_SHARE_LEN, GFP_KERNEL);
	ret = secret ? cld_quorum_combine(ped->held, ped->held_count, secret) :
		       -ENOMEM;
	if (fingerprint)
		memcpy(fingerprint, ped->held_fp, CLONEDEV_FINGERPRINT_LEN);
	*serial = ped->serial;
	drop_shares(ped);
	if (ret) {
		kfree_sensitive(secret);
		return ERR_PTR(ret);
	}
	return secret;
}

/*
 * The secret a STORE of @kind (a domain's: @label) made and the server
 * stored, if its quorum is @m of @n, and the serial of the partition it
 * was made for; a stored secret is wiped here whatever comes of it, and
 * one whose STORED has not come yet is left for it. Must hold
 * s->lock. Return: the secret (CLONEDEV_SHARE_LEN bytes,
 * kfree_sensitive()), ERR_PTR(-ENODATA) if the session holds none,
 * ERR_PTR(-EINVAL) if its quorum is another.
 */
u8 *cld_ped_made(struct cld_session *s, u32 kind, const char *label, u32 m,
		 u32 n, u64 *serial)
{
	struct cld_ped *ped = s->ped;
	struct ped_made *md;
	u8 *secret;

	lockdep_assert_held(&s->lock);
	if (!ped || kind < CLONEDEV_PED_KIND_PO ||
	    kind > CLONEDEV_PED_KIND_DOMAIN)
		return ERR_PTR(-ENODATA);
	md = &ped->made[PED_MADE_SLOT(kind)];
	if (!md->stored || md->kind != kind ||
	    (kind == CLONEDEV_PED_KIND_DOMAIN &&
	     strncmp(md->label, label, PED_NAME_LEN))) {
		secret = ERR_PTR(-ENODATA);
	} else if (md->m != m || md->n != n) {
		secret = ERR_PTR(-EINVAL);
	} else {
		secret = kmemdup(md->secret, sizeof(md->secret), GFP_KERNEL);
		if (!secret)
			secret = ERR_PTR(-ENOMEM);
	}
	*serial = ped->serial;
	if (md->stored)
		drop_made(md);
	return secret;
}

/*
 * CLONEDEV_IOCTL_PARTITION_INIT with CLONEDEV_PARTITION_INIT_PED: the po
 * secret and the primary domain that the session's channel made and had
 * stored, both wiped whatever comes of the init.
 */
int cld_ped_partition_init(struct cld_session *s, void *arg)
{
	struct clonedev_partition_init *cmd = arg;
	u64 serial, dom_serial;
	struct cld_cred po;
	u8 *pw, *dom;
	int ret;

	if (!cmd->quorum_n || cmd->password_len || cmd->domain_len ||
	    cmd->shares)
		return -EINVAL;
	memset(&po, 0, sizeof(po));
	mutex_lock(&s->lock);
	pw = cld_ped_made(s, CLONEDEV_PED_KIND_PO, NULL, cmd->quorum_m,
			  cmd->quorum_n, &serial);
	dom = cld_ped_made(s, CLONEDEV_PED_KIND_DOMAIN, cmd->domain_label,
			   cmd->quorum_m, cmd->quorum_n, &dom_serial);
	ret = IS_ERR(pw) ? PTR_ERR(pw) : IS_ERR(dom) ? PTR_ERR(dom) :
	      cld_cred_set(&po, pw, CLONEDEV_SHARE_LEN);
	if (!ret)
		ret = cld_partition_init_made(s, cmd, &po, dom, serial);
	mutex_unlock(&s->lock);
	if (!IS_ERR(pw))
		kfree_sensitive(pw);
	if (!IS_ERR(dom))
		kfree_sensitive(dom);
	memzero_explicit(&po, sizeof(po));
	return ret;
}
