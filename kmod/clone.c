// SPDX-License-Identifier: GPL-2.0
/*
 * The cloning protocol engine (CLONEDEV_IOCTL_CLONE). A clone runs between
 * two sessions, source and target, each holding a struct cld_clone; a
 * relay in user space carries the messages one side outputs to the other
 * side's next step. docs/clone-protocol.md is the protocol this file's two
 * state machines follow: HELLO/CHOICE/CONFIRM/READY negotiate the
 * protocol (CPv4 with a suite, CPv3 or CPv1) under a key derived from the
 * shared domain, then one OBJECT/RESULT exchange per object and DONE/
 * SUMMARY. The messages' layouts are in clone_wire.h, the key schedule in
 * clone_keys.c, what a clone asks of its partition in clone_partition.c.
 */
#include <crypto/algapi.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "clone.h"
#include "clone_priv.h"
#include "hsm.h"
#include "object.h"
#include "partition.h"
#include "session.h"

#define HDR_LEN		CLD_WIRE_HDR_LEN
#define TAG_LEN		CLD_WIRE_TAG_LEN
#define MAC_LEN		CLD_WIRE_MAC_LEN
#define NONCE_LEN	CLD_WIRE_NONCE_LEN
#define SHARE_LEN	CLD_WIRE_SHARE_LEN

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
	struct cld_wire_error *e = (void *)(c->out + HDR_LEN);
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
	cld_wire_put_hdr(c->out, CLD_MSG_ERROR, c->sid, 0, sizeof(*e) + len);
	put_unaligned_be32(code, &e->code);
	memcpy(e->text, text[code], len);
	c->out_len = HDR_LEN + sizeof(*e) + len;
	return 0;
}

/* ---- messages in ---- */

/*
 * Checks the header of @m for @type and @seq (and the session id once
 * there is one). Return: the body length, or -1 after fail().
 */
static int check_msg(struct cld_clone *c, const u8 *m, u32 len, u8 type,
		     u32 seq, bool sid)
{
	const struct cld_wire_hdr *h = (const struct cld_wire_hdr *)m;
	const struct cld_wire_error *e = (const void *)(m + HDR_LEN);
	u32 blen;

	if (len >= HDR_LEN + sizeof(*e) &&
	    get_unaligned_be32(&h->magic) == CLD_WIRE_MAGIC &&
	    h->version == CLD_WIRE_VERSION && h->type == CLD_MSG_ERROR) {
		u32 code = get_unaligned_be32(&e->code);

		/* The peer gave up; its word is taken only as a reason. */
		if (code < CLONEDEV_CLONE_E_UNEXPECTED ||
		    code > CLONEDEV_CLONE_E_ABORTED)
			code = CLONEDEV_CLONE_E_UNEXPECTED;
		fail(c, code, false);
		return -1;
	}
	if (len < HDR_LEN ||
	    get_unaligned_be32(&h->magic) != CLD_WIRE_MAGIC ||
	    h->version != CLD_WIRE_VERSION || h->type != type ||
	    h->zero[0] || h->zero[1] || get_unaligned_be32(&h->seq) != seq) {
		fail(c, CLONEDEV_CLONE_E_UNEXPECTED, true);
		return -1;
	}
	blen = get_unaligned_be32(&h->body_len);
	if (blen != len - HDR_LEN ||
	    (sid ? crypto_memneq(h->sid, c->sid, CLD_WIRE_SID_LEN) :
		   !!memchr_inv(h->sid, 0, CLD_WIRE_SID_LEN))) {
		fail(c, CLONEDEV_CLONE_E_UNEXPECTED, true);
		return -1;
	}
	return blen;
}

/*
 * The length of the message at @m, the first of the @len bytes left in a
 * flight: what its header says, or all that is left when the header is
 * cut short or says more (check_msg() then refuses it).
 */
static u32 msg_len(const u8 *m, u32 len)
{
	const struct cld_wire_hdr *h = (const struct cld_wire_hdr *)m;
	u32 n;

	if (len < HDR_LEN)
		return len;
	n = get_unaligned_be32(&h->body_len);
	return n <= len - HDR_LEN ? HDR_LEN + n : len;
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

/* ---- source ---- */

/*
 * Source: OBJECT @i at @m if it fits in @room bytes; its length in *@len
 * (0: it does not fit, nothing was taken). Return: 0, or -1 after fail().
 */
static int put_object_msg(struct cld_session *s, struct cld_clone *c, u32 i,
			  u8 *m, u32 room, u32 *len)
{
	u32 seq = i + 2, plen = sizeof(struct cld_wire_object), status = 0;
	u32 off = c->protocol == CLONEDEV_PROTO_CPV3 ?
		  cld_cpv3_suite->pub_len : 0;
	struct cld_wire_object *obj = (void *)(m + HDR_LEN + off);
	struct cld_partition *p;
	u8 pub[CLD_WIRE_PUB_MAX];
	bool fits = false;
	int ret = 0;

	*len = 0;
	if (c->protocol == CLONEDEV_PROTO_CPV3) {
		/* Window 1: the first object of a flight always fits. */
		ret = cld_clone_eph_key(c, cld_cpv3_suite, NULL, pub) ?:
		      cld_clone_cpv3_keys(c, i, c->peer_pub);
		memcpy(m + HDR_LEN, pub, cld_cpv3_suite->pub_len);
	} else if (c->protocol == CLONEDEV_PROTO_CPV4) {
		ret = cld_clone_cpv4_keys(c, i);
	}
	if (ret)
		return fail(c, CLONEDEV_CLONE_E_INTERNAL, true) - 1;

	/* The plaintext, written from the object under the lock. */
	mutex_lock(&cld_hsm.lock);
	p = cld_clone_partition(s, c);
	if (p) {
		struct cld_object *src = xa_load(&p->objects, c->handles[i]);

		if (!src)
			status = CLONEDEV_CLONE_OBJ_FAILED;
		else if (!cld_clone_may_clone(p, c->role, src))
			status = CLONEDEV_CLONE_REFUSED;
		else if (c->protocol == CLONEDEV_PROTO_CPV1 &&
			 sizeof(*obj) + cld_clone_record_len(src) >
			 c->peer_slot)
			status = CLONEDEV_CLONE_TOO_LARGE;
		if (!status)
			plen += cld_clone_record_len(src);
		if (c->protocol == CLONEDEV_PROTO_CPV1)
			plen = c->peer_slot;
		fits = HDR_LEN + off + plen + TAG_LEN <= room;
		if (fits) {
			memset(obj, 0, plen);
			obj->status = status;
			if (!status)
				cld_clone_put_record(obj->record, src);
		}
	}
	mutex_unlock(&cld_hsm.lock);
	if (!p)
		return fail(c, CLONEDEV_CLONE_E_ROLE, true) - 1;
	if (!fits)
		return 0;
	cld_wire_put_hdr(m, CLD_MSG_OBJECT, c->sid, seq, off + plen + TAG_LEN);
	ret = cld_clone_obj_crypt(c, 0, true, seq, m, (u8 *)obj, plen);
	if (ret) {
		memzero_explicit(obj, plen);
		return fail(c, CLONEDEV_CLONE_E_INTERNAL, true) - 1;
	}
	*len = HDR_LEN + off + plen + TAG_LEN;
	return 0;
}

/*
 * Source: the next flight, OBJECTs for as many objects from c->next on as
 * the window allows and the flight holds, or DONE after the last.
 */
static int send_flight(struct cld_session *s, struct cld_clone *c)
{
	u32 seq = c->next + 2, i, off = 0, n;

	if (c->next == c->total) {
		struct cld_wire_done *d = (void *)(c->out + HDR_LEN);

		cld_wire_put_hdr(c->out, CLD_MSG_DONE, c->sid, seq,
				 sizeof(*d) + TAG_LEN);
		put_unaligned_be32(c->total, &d->total);
		if (cld_clone_aead(c->gcm, c->k_ctl[0], true, CLD_NONCE_CONTROL,
				   seq, c->out, (u8 *)d, sizeof(*d)))
			return fail(c, CLONEDEV_CLONE_E_INTERNAL, true);
		c->out_len = HDR_LEN + sizeof(*d) + TAG_LEN;
		c->wait = W_SUMMARY;
		return 0;
	}
	for (i = c->next; i < c->total && i - c->next < c->window; i++) {
		if (put_object_msg(s, c, i, c->out + off,
				   CLONEDEV_CLONE_MSG_MAX - off, &n))
			return 0;
		if (!n)
			break;
		off += n;
	}
	c->in_flight = i - c->next;
	c->out_len = off;
	c->wait = W_RESULT;
	return 0;
}

static int source_choice(struct cld_session *s, struct cld_clone *c,
			 const u8 *m, u32 len)
{
	struct cld_clone_offer mine, theirs;
	u32 dom, proto, suite, code, n, k;
	const struct cld_wire_choice *ch = (const void *)(m + HDR_LEN);
	struct cld_wire_confirm *cf = (void *)(c->out + HDR_LEN);
	u8 h[32], pub[CLD_WIRE_PUB_MAX];
	const struct cld_suite *cs;
	struct cld_partition *p;
	const u8 *peer_pub;
	int blen, ret;

	blen = check_msg(c, m, len, CLD_MSG_CHOICE, 0, false);
	if (blen < 0)
		return 0;
	if (blen < sizeof(*ch) + SHARE_LEN || ch->offer.fips > 1)
		return fail(c, CLONEDEV_CLONE_E_UNEXPECTED, true);
	proto = ch->protocol;
	suite = ch->suite;
	cs = proto == CLONEDEV_PROTO_CPV4 ? cld_suite_of(suite) :
	     proto == CLONEDEV_PROTO_CPV3 ? cld_cpv3_suite : NULL;
	if ((proto == CLONEDEV_PROTO_CPV4 && !cs) ||
	    (proto != CLONEDEV_PROTO_CPV4 && suite) ||
	    (!cs && proto != CLONEDEV_PROTO_CPV1))
		return fail(c, CLONEDEV_CLONE_E_UNEXPECTED, true);
	k = cs && proto != CLONEDEV_PROTO_CPV1 ? cs->pub_len : 0;
	if (blen != sizeof(*ch) + k + SHARE_LEN)
		return fail(c, CLONEDEV_CLONE_E_UNEXPECTED, true);
	c->protocol = proto;
	c->cs = cs;
	c->peer_slot = get_unaligned_be16(&ch->slot_size);
	c->window = get_unaligned_be16(&ch->window);
	memcpy(c->nt, ch->nt, NONCE_LEN);
	peer_pub = ch->keys;

	/*
	 * The target's choice must be the one the two offers give; a relay
	 * that edited either offer is caught by MAC_S and READY, which bind
	 * HELLO and CHOICE.
	 */
	memset(&theirs, 0, sizeof(theirs));
	theirs.serial = get_unaligned_be64(&ch->offer.serial);
	theirs.fips = ch->offer.fips;
	theirs.protocols = ch->offer.protocols;
	theirs.suites = ch->offer.suites;
	theirs.n_domains = 1;
	memcpy(theirs.label[0], ch->label, CLD_LABEL_MAX);
	mutex_lock(&cld_hsm.lock);
	p = cld_clone_partition(s, c);
	if (p) {
		cld_clone_make_offer(p, &mine);
		cld_clone_take_domain(c, p, ch->label);
	}
	mutex_unlock(&cld_hsm.lock);
	if (!p)
		return fail(c, CLONEDEV_CLONE_E_ROLE, true);
	code = cld_clone_choose(&mine, &theirs, &dom, &proto, &suite);
	if (code)
		return fail(c, code, true);
	if (!c->domain_len)
		return fail(c, CLONEDEV_CLONE_E_DOMAIN, true);
	if (proto != c->protocol || suite != ch->suite ||
	    (proto == CLONEDEV_PROTO_CPV4 ?
	     !c->window || c->window > mine.window : c->window != 1) ||
	    (proto == CLONEDEV_PROTO_CPV1 &&
	     (c->peer_slot < sizeof(struct cld_wire_object) +
			     sizeof(struct cld_wire_record) ||
	      c->peer_slot > CLONEDEV_CLONE_MSG_MAX - HDR_LEN - TAG_LEN)))
		return fail(c, CLONEDEV_CLONE_E_UNEXPECTED, true);

	/* SPAKE2: our share pA, then K from the target's pB. */
	c->choice = kmemdup(m, len, GFP_KERNEL);
	if (!c->choice)
		return fail(c, CLONEDEV_CLONE_E_INTERNAL, true);
	c->choice_len = len;
	if (cld_clone_spake_start(c, NULL) || cld_clone_session_id(c))
		return fail(c, CLONEDEV_CLONE_E_INTERNAL, true);
	memcpy(cf->pa, c->sp.share, SHARE_LEN);
	ret = cld_clone_transcript_hash(c, cf->pa, h) ?:
	      cld_clone_handshake_keys(c, ch->keys + k, h);
	if (ret)
		return fail(c, ret == -EBADMSG ? CLONEDEV_CLONE_E_AUTH :
				CLONEDEV_CLONE_E_INTERNAL, true);

	/* CONFIRM: pA, our ephemeral key (CPv4) and MAC_S. */
	n = 0;
	if (proto == CLONEDEV_PROTO_CPV4) {
		if (cld_clone_eph_key(c, c->cs, NULL, pub) ||
		    cld_clone_cpv4_prk(c, peer_pub))
			return fail(c, CLONEDEV_CLONE_E_AUTH, true);
		memcpy(cf->keys, pub, c->cs->pub_len);
		n = c->cs->pub_len;
	} else if (proto == CLONEDEV_PROTO_CPV3) {
		memcpy(c->peer_pub, peer_pub, k);
	}

	/* MAC_S is the one test of the domain a fake target gets: count it. */
	mutex_lock(&cld_hsm.lock);
	p = cld_clone_partition(s, c);
	ret = p ? cld_clone_count_guess(p) : 0;
	mutex_unlock(&cld_hsm.lock);
	if (!p)
		return fail(c, CLONEDEV_CLONE_E_ROLE, true);
	if (ret)
		return ret;
	n += sizeof(*cf);
	cld_wire_put_hdr(c->out, CLD_MSG_CONFIRM, c->sid, 1, n + MAC_LEN);
	if (cld_clone_transcript_mac(c, c->out, HDR_LEN + n, cf->pa + n))
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
	int blen = check_msg(c, m, len, CLD_MSG_READY, 1, true);

	if (blen < 0)
		return 0;
	if (blen != TAG_LEN ||
	    cld_clone_aead(c->gcm, c->k_ctl[1], false, CLD_NONCE_CONTROL, 1, m,
			   m + HDR_LEN, 0))
		return fail(c, CLONEDEV_CLONE_E_AUTH, true);
	mutex_lock(&cld_hsm.lock);
	p = cld_clone_partition(s, c);
	if (p)
		cld_clone_clear_guesses(p);
	mutex_unlock(&cld_hsm.lock);
	if (!p)
		return fail(c, CLONEDEV_CLONE_E_ROLE, true);
	send_flight(s, c);
	return 0;
}

/*
 * A flight of RESULTs, one for each object of the last flight, in order:
 * all are checked before any counts; then the next flight.
 */
static int source_result(struct cld_session *s, struct cld_clone *c,
			 u8 *m, u32 len)
{
	u32 want = sizeof(struct cld_wire_result), off = 0, j;

	if (c->protocol == CLONEDEV_PROTO_CPV3)
		want += cld_cpv3_suite->pub_len;
	for (j = 0; j < c->in_flight; j++) {
		u32 i = c->next + j, seq = i + 2, mlen = msg_len(m + off,
								  len - off);
		struct cld_wire_result *r = (void *)(m + off + HDR_LEN);
		int blen = check_msg(c, m + off, mlen, CLD_MSG_RESULT, seq,
				     true);

		if (blen < 0)
			return 0;
		if (c->protocol == CLONEDEV_PROTO_CPV4 &&
		    cld_clone_cpv4_keys(c, i))
			return fail(c, CLONEDEV_CLONE_E_INTERNAL, true);
		if (blen != want + TAG_LEN ||
		    cld_clone_obj_crypt(c, 1, false, seq, m + off, (u8 *)r,
					want))
			return fail(c, CLONEDEV_CLONE_E_AUTH, true);
		if (r->status > CLONEDEV_CLONE_OBJ_FAILED)
			return fail(c, CLONEDEV_CLONE_E_UNEXPECTED, true);
		c->results[j].handle = c->handles[i];
		c->results[j].status = r->status;
		c->results[j].target = get_unaligned_be32(&r->handle);
		if (c->protocol == CLONEDEV_PROTO_CPV3)
			memcpy(c->peer_pub, r->pub, cld_cpv3_suite->pub_len);
		off += mlen;
	}
	/* A message more than the objects in flight. */
	if (off != len)
		return fail(c, CLONEDEV_CLONE_E_UNEXPECTED, true);
	for (j = 0; j < c->in_flight; j++)
		count(c, c->results[j].status);
	c->n_results = c->in_flight;
	c->has_result = true;
	c->result_handle = c->results[j - 1].handle;
	c->result_status = c->results[j - 1].status;
	c->result_target = c->results[j - 1].target;
	c->next += c->in_flight;
	send_flight(s, c);
	return 0;
}

static int source_summary(struct cld_clone *c, u8 *m, u32 len)
{
	struct cld_wire_summary *sum = (void *)(m + HDR_LEN);
	u32 seq = c->total + 2;
	int blen = check_msg(c, m, len, CLD_MSG_SUMMARY, seq, true);

	if (blen < 0)
		return 0;
	if (blen != sizeof(*sum) + TAG_LEN ||
	    cld_clone_aead(c->gcm, c->k_ctl[1], false, CLD_NONCE_CONTROL, seq,
			   m, (u8 *)sum, sizeof(*sum)))
		return fail(c, CLONEDEV_CLONE_E_AUTH, true);
	/* The target's tally must be ours. */
	if (get_unaligned_be32(&sum->copied) != c->copied ||
	    get_unaligned_be32(&sum->skipped) != c->skipped ||
	    get_unaligned_be32(&sum->refused) != c->refused ||
	    get_unaligned_be32(&sum->failed) != c->failed)
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
	struct cld_clone_offer mine, theirs;
	u32 dom, proto, suite, code, n;
	struct cld_wire_choice *ch = (void *)(c->out + HDR_LEN);
	struct cld_partition *p;
	u8 pub[CLD_WIRE_PUB_MAX];
	int blen;

	blen = check_msg(c, m, len, CLD_MSG_HELLO, 0, false);
	if (blen < 0)
		return 0;
	n = cld_clone_get_offer(m + HDR_LEN, blen, &theirs);
	if (!n || blen != n + NONCE_LEN)
		return fail(c, CLONEDEV_CLONE_E_UNEXPECTED, true);
	memcpy(c->ns, m + HDR_LEN + n, NONCE_LEN);
	mutex_lock(&cld_hsm.lock);
	p = cld_clone_partition(s, c);
	if (p)
		cld_clone_make_offer(p, &mine);
	mutex_unlock(&cld_hsm.lock);
	if (!p)
		return fail(c, CLONEDEV_CLONE_E_ROLE, true);
	code = cld_clone_choose(&theirs, &mine, &dom, &proto, &suite);
	if (code)
		return fail(c, code, true);
	c->protocol = proto;
	c->cs = proto == CLONEDEV_PROTO_CPV4 ? cld_suite_of(suite) :
					       cld_cpv3_suite;
	c->window = proto == CLONEDEV_PROTO_CPV4 ?
		    min(theirs.window, mine.window) : 1;

	mutex_lock(&cld_hsm.lock);
	p = cld_clone_partition(s, c);
	if (p)
		cld_clone_take_domain(c, p, theirs.label[dom]);
	mutex_unlock(&cld_hsm.lock);
	if (!p || !c->domain_len)
		return fail(c, CLONEDEV_CLONE_E_ROLE, true);

	c->hello = kmemdup(m, len, GFP_KERNEL);
	if (!c->hello)
		return fail(c, CLONEDEV_CLONE_E_INTERNAL, true);
	c->hello_len = len;
	get_random_bytes(c->nt, NONCE_LEN);
	if (cld_clone_session_id(c) || cld_clone_spake_start(c, NULL))
		return fail(c, CLONEDEV_CLONE_E_INTERNAL, true);

	/* CHOICE: no MAC; the target has nothing to prove before pA. */
	cld_clone_put_offer((u8 *)&ch->offer, &mine, false);
	memcpy(ch->label, theirs.label[dom], CLD_LABEL_MAX);
	ch->protocol = proto;
	ch->suite = suite;
	put_unaligned_be16(CLD_WIRE_CPV1_SLOT, &ch->slot_size);
	put_unaligned_be16(c->window, &ch->window);
	memcpy(ch->nt, c->nt, NONCE_LEN);
	n = 0;
	if (proto != CLONEDEV_PROTO_CPV1) {
		if (cld_clone_eph_key(c, c->cs, NULL, pub))
			return fail(c, CLONEDEV_CLONE_E_INTERNAL, true);
		memcpy(ch->keys, pub, c->cs->pub_len);
		n = c->cs->pub_len;
	}
	memcpy(ch->keys + n, c->sp.share, SHARE_LEN);
	n += sizeof(*ch) + SHARE_LEN;
	cld_wire_put_hdr(c->out, CLD_MSG_CHOICE, NULL, 0, n);
	c->choice = kmemdup(c->out, HDR_LEN + n, GFP_KERNEL);
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
	const struct cld_wire_confirm *cf = (const void *)(m + HDR_LEN);
	struct cld_partition *p;
	u8 h[32], mac[MAC_LEN];
	int blen, ret;

	blen = check_msg(c, m, len, CLD_MSG_CONFIRM, 1, true);
	if (blen < 0)
		return 0;
	if (blen != sizeof(*cf) + k + MAC_LEN)
		return fail(c, CLONEDEV_CLONE_E_UNEXPECTED, true);
	ret = cld_clone_transcript_hash(c, cf->pa, h) ?:
	      cld_clone_handshake_keys(c, cf->pa, h) ?:
	      cld_clone_transcript_mac(c, m, HDR_LEN + sizeof(*cf) + k, mac);
	if (ret)
		return fail(c, ret == -EBADMSG ? CLONEDEV_CLONE_E_AUTH :
				CLONEDEV_CLONE_E_INTERNAL, true);
	mutex_lock(&cld_hsm.lock);
	p = cld_clone_partition(s, c);
	if (p && p->clone_failures >= CLONEDEV_CLONE_FAILURES_MAX)
		ret = -EKEYREVOKED;
	else if (p && crypto_memneq(mac, cf->keys + k, MAC_LEN))
		ret = cld_clone_count_guess(p) ?: -EBADMSG;
	else if (p)
		cld_clone_clear_guesses(p);
	mutex_unlock(&cld_hsm.lock);
	if (!p)
		return fail(c, CLONEDEV_CLONE_E_ROLE, true);
	if (ret == -EBADMSG)
		return fail(c, CLONEDEV_CLONE_E_AUTH, true);
	if (ret)
		return ret;
	if (k && cld_clone_cpv4_prk(c, cf->keys))
		return fail(c, CLONEDEV_CLONE_E_AUTH, true);
	cld_wire_put_hdr(c->out, CLD_MSG_READY, c->sid, 1, TAG_LEN);
	if (cld_clone_aead(c->gcm, c->k_ctl[1], true, CLD_NONCE_CONTROL, 1,
			   c->out, c->out + HDR_LEN, 0))
		return fail(c, CLONEDEV_CLONE_E_INTERNAL, true);
	c->out_len = HDR_LEN + TAG_LEN;
	c->wait = W_OBJECT;
	return 0;
}

/* Frees the first @n objects of a flight that are not the partition's. */
static void drop_batch(struct cld_clone *c, u32 n)
{
	u32 k;

	for (k = 0; k < n; k++) {
		cld_object_free(c->batch[k]);
		c->batch[k] = NULL;
	}
}

/*
 * Stores the pending objects of the flight in one store commit (one
 * fsync): all copied, or all failed. Must hold cld_hsm.lock.
 */
static void commit_pending(struct cld_clone *c, struct cld_partition *p)
{
	u32 j, k;
	int ret;

	lockdep_assert_held(&cld_hsm.lock);
	if (!c->n_pend)
		return;
	ret = cld_object_store_copies(p, c->pend, c->pend_old, c->n_pend,
				      c->pend_handle);
	for (j = 0; j < c->n_pend; j++) {
		k = c->pend_idx[j];
		if (ret) {
			c->batch_status[k] = CLONEDEV_CLONE_OBJ_FAILED;
		} else {
			c->batch_status[k] = CLONEDEV_CLONE_COPIED;
			c->batch_handle[k] = c->pend_handle[j];
			c->batch[k] = NULL;	/* the partition's now */
		}
	}
	c->n_pend = 0;
}

/*
 * Stores the @n objects of a flight (c->batch[], status 0 so far) unless
 * the target holds an OUID already (skipped: the same class, key type
 * and check value; else a clash, failed) or a policy forbids it
 * (refused); the statuses go to c->batch_status[]. The ones to store are
 * one store commit, under the lock that admitted them; with
 * CLONEDEV_CLONE_REPLACE a held object that is not a clash is replaced in
 * that commit. Two objects of one flight with one OUID: those before the
 * second are committed first, so that it finds the first one held.
 * Return: false if the session lost its partition (nothing stored).
 */
static bool target_store(struct cld_session *s, struct cld_clone *c, u32 n)
{
	struct cld_partition *p;
	u32 k, j, status, handle;

	mutex_lock(&cld_hsm.lock);
	p = cld_clone_partition(s, c);
	for (k = 0; p && k < n; k++) {
		struct cld_object *o = c->batch[k], *have;

		if (!o)
			continue;
		for (j = 0; j < c->n_pend; j++)
			if (!memcmp(c->pend[j]->ouid, o->ouid,
				    CLONEDEV_OUID_LEN)) {
				commit_pending(c, p);
				break;
			}
		have = cld_object_find_ouid(p, o->ouid);
		handle = 0;
		status = cld_clone_admit(p, c->role, have, o, c->replace,
					 &handle);
		if (status == CLONEDEV_CLONE_COPIED) {
			c->pend[c->n_pend] = o;
			c->pend_old[c->n_pend] = have;
			c->pend_idx[c->n_pend++] = k;
		} else {
			c->batch_status[k] = status;
			c->batch_handle[k] = handle;
		}
	}
	if (p)
		commit_pending(c, p);
	mutex_unlock(&cld_hsm.lock);
	c->n_pend = 0;
	drop_batch(c, n);
	return !!p;
}

/* DONE: the source's count must be ours; SUMMARY answers with the tally. */
static int target_done(struct cld_clone *c, u8 *m, u32 len)
{
	struct cld_wire_summary *sum = (void *)(c->out + HDR_LEN);
	struct cld_wire_done *d = (void *)(m + HDR_LEN);
	u32 seq = c->next + 2;
	int blen;

	blen = check_msg(c, m, len, CLD_MSG_DONE, seq, true);
	if (blen < 0)
		return 0;
	if (blen != sizeof(*d) + TAG_LEN ||
	    cld_clone_aead(c->gcm, c->k_ctl[0], false, CLD_NONCE_CONTROL, seq,
			   m, (u8 *)d, sizeof(*d)))
		return fail(c, CLONEDEV_CLONE_E_AUTH, true);
	if (get_unaligned_be32(&d->total) != c->next)
		return fail(c, CLONEDEV_CLONE_E_UNEXPECTED, true);
	cld_wire_put_hdr(c->out, CLD_MSG_SUMMARY, c->sid, seq,
			 sizeof(*sum) + TAG_LEN);
	put_unaligned_be32(c->copied, &sum->copied);
	put_unaligned_be32(c->skipped, &sum->skipped);
	put_unaligned_be32(c->refused, &sum->refused);
	put_unaligned_be32(c->failed, &sum->failed);
	if (cld_clone_aead(c->gcm, c->k_ctl[1], true, CLD_NONCE_CONTROL, seq,
			   c->out, (u8 *)sum, sizeof(*sum)))
		return fail(c, CLONEDEV_CLONE_E_INTERNAL, true);
	c->out_len = HDR_LEN + sizeof(*sum) + TAG_LEN;
	c->total = c->next;
	c->state = CLONEDEV_CLONE_DONE;
	c->wait = W_NOTHING;
	return 0;
}

/*
 * OBJECT i and what arrived with it (at most the window): all are opened
 * and checked before any is stored, so a flight with a message that
 * fails stores nothing; then one commit for them and their RESULTs.
 */
static int open_object(struct cld_clone *c, u32 k, u8 *m, u32 len)
{
	u32 i = c->next + k, seq = i + 2, off = 0, plen, status;
	struct cld_wire_object *obj;
	u8 *b = m + HDR_LEN;
	int blen;

	/* More objects than the window. */
	if (k == c->window)
		return fail(c, CLONEDEV_CLONE_E_UNEXPECTED, true) - 1;
	c->batch[k] = NULL;
	c->batch_handle[k] = 0;
	blen = check_msg(c, m, len, CLD_MSG_OBJECT, seq, true);
	if (blen < 0)
		return -1;
	if (c->protocol == CLONEDEV_PROTO_CPV3) {
		off = cld_cpv3_suite->pub_len;
		if (blen < off + sizeof(*obj) + TAG_LEN ||
		    cld_clone_cpv3_keys(c, i, b))
			return fail(c, CLONEDEV_CLONE_E_AUTH, true) - 1;
	} else if (c->protocol == CLONEDEV_PROTO_CPV4 &&
		   cld_clone_cpv4_keys(c, i)) {
		return fail(c, CLONEDEV_CLONE_E_INTERNAL, true) - 1;
	}
	if (blen < off + sizeof(*obj) + TAG_LEN)
		return fail(c, CLONEDEV_CLONE_E_UNEXPECTED, true) - 1;
	obj = (struct cld_wire_object *)(b + off);
	plen = blen - off - TAG_LEN;
	if ((c->protocol == CLONEDEV_PROTO_CPV1 &&
	     plen != CLD_WIRE_CPV1_SLOT) ||
	    cld_clone_obj_crypt(c, 0, false, seq, m, (u8 *)obj, plen))
		return fail(c, CLONEDEV_CLONE_E_AUTH, true) - 1;
	/* Authentic from here on: a bad record is this object's failure. */
	status = obj->status;
	if (status == CLONEDEV_CLONE_COPIED) {
		if (!c->have_keytfm) {
			if (cld_keytfm_alloc(&c->keytfm)) {
				memzero_explicit(obj, plen);
				return fail(c, CLONEDEV_CLONE_E_INTERNAL,
					    true) - 1;
			}
			c->have_keytfm = true;
		}
		c->batch[k] = cld_clone_get_record(&c->keytfm, obj->record,
						   plen - sizeof(*obj));
		if (!c->batch[k])
			status = CLONEDEV_CLONE_OBJ_FAILED;
	} else if (status == CLONEDEV_CLONE_SKIPPED ||
		   status > CLONEDEV_CLONE_OBJ_FAILED || obj->zero ||
		   memchr_inv(obj->record, 0, plen - sizeof(*obj))) {
		/* Only the target decides that an object is skipped. */
		status = CLONEDEV_CLONE_OBJ_FAILED;
	}
	c->batch_status[k] = status;
	memzero_explicit(obj, plen);
	return 0;
}

static int target_object(struct cld_session *s, struct cld_clone *c,
			 u8 *m, u32 len)
{
	const struct cld_wire_hdr *hdr = (const struct cld_wire_hdr *)m;
	u32 n, k, off, rlen, i, seq;
	u8 pub[CLD_WIRE_PUB_MAX];

	if (len >= HDR_LEN && hdr->type == CLD_MSG_DONE)
		return target_done(c, m, len);
	for (n = 0, off = 0; off < len; n++) {
		u32 mlen = msg_len(m + off, len - off);

		if (open_object(c, n, m + off, mlen)) {
			drop_batch(c, n);
			return 0;
		}
		off += mlen;
	}
	if (!target_store(s, c, n))
		return fail(c, CLONEDEV_CLONE_E_ROLE, true);

	/* The RESULTs, each meaning its object is stored for good. */
	for (k = 0, off = 0; k < n; k++) {
		struct cld_wire_result *r = (void *)(c->out + off + HDR_LEN);

		i = c->next + k;
		seq = i + 2;
		count(c, c->batch_status[k]);
		rlen = sizeof(*r);
		memset(r, 0, rlen);
		r->status = c->batch_status[k];
		put_unaligned_be32(c->batch_handle[k], &r->handle);
		if (c->protocol == CLONEDEV_PROTO_CPV3) {
			if (cld_clone_eph_key(c, cld_cpv3_suite, NULL, pub))
				return fail(c, CLONEDEV_CLONE_E_INTERNAL, true);
			memcpy(r->pub, pub, cld_cpv3_suite->pub_len);
			rlen += cld_cpv3_suite->pub_len;
		} else if (c->protocol == CLONEDEV_PROTO_CPV4 &&
			   cld_clone_cpv4_keys(c, i)) {
			return fail(c, CLONEDEV_CLONE_E_INTERNAL, true);
		}
		cld_wire_put_hdr(c->out + off, CLD_MSG_RESULT, c->sid, seq,
				 rlen + TAG_LEN);
		if (cld_clone_obj_crypt(c, 1, true, seq, c->out + off, (u8 *)r,
					rlen))
			return fail(c, CLONEDEV_CLONE_E_INTERNAL, true);
		off += HDR_LEN + rlen + TAG_LEN;
	}
	c->out_len = off;
	c->next += n;
	return 0;
}

/* ---- the ioctl ---- */

/* SOURCE: checks the session, then HELLO. */
static int start_source(struct cld_session *s, struct cld_clone *c,
			const struct clonedev_clone *cmd)
{
	struct cld_partition *p;
	struct cld_clone_offer mine;
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
		cld_clone_make_offer(p, &mine);
	}
	mutex_unlock(&cld_hsm.lock);
	if (ret)
		return ret;
	ret = cld_clone_source_handles(s, c, cmd);
	if (ret)
		return ret;
	get_random_bytes(c->ns, NONCE_LEN);
	n = cld_clone_put_offer(b, &mine, true);
	memcpy(b + n, c->ns, NONCE_LEN);
	n += NONCE_LEN;
	cld_wire_put_hdr(c->out, CLD_MSG_HELLO, NULL, 0, n);
	c->out_len = HDR_LEN + n;
	c->hello = kmemdup(c->out, c->out_len, GFP_KERNEL);
	if (!c->hello)
		return -ENOMEM;
	c->hello_len = c->out_len;
	c->wait = W_CHOICE;
	return 0;
}

static int start_target(struct cld_session *s, struct cld_clone *c,
			const struct clonedev_clone *cmd)
{
	struct cld_partition *p;
	int ret = 0;

	mutex_lock(&cld_hsm.lock);
	p = cld_session_partition(s);
	if (!p) {
		ret = -ENODEV;
	} else if (!cld_session_is(s, p, CLONEDEV_ROLE_CO)) {
		ret = -EACCES;
	} else if ((cmd->flags & CLONEDEV_CLONE_REPLACE) &&
		   !cld_clone_may_replace(p)) {
		ret = -EPERM;
	} else if (p->clone_failures >= CLONEDEV_CLONE_FAILURES_MAX) {
		ret = -EKEYREVOKED;
	} else {
		c->slot = p->slot;
		c->serial = p->serial;
		c->role = CLONEDEV_ROLE_CO;
		c->replace = cmd->flags & CLONEDEV_CLONE_REPLACE;
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
	c->n_results = 0;
	mutex_lock(&cld_hsm.lock);
	p = cld_clone_partition(s, c);
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
	cmd->n_results = c->n_results;
}

int cld_clone_run(struct cld_session *s, void *arg)
{
	struct clonedev_clone *cmd = arg;
	struct cld_clone *c;
	u8 *in = NULL;
	int ret = 0;

	if (cmd->op < CLONEDEV_CLONE_SOURCE || cmd->op > CLONEDEV_CLONE_ABORT)
		return -EINVAL;
	/* The dispatcher refused unknown flags; REPLACE is the target's. */
	if (cmd->flags && cmd->op != CLONEDEV_CLONE_TARGET)
		return -EOPNOTSUPP;
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
		cld_clone_free(s->clone);
		s->clone = NULL;
		c = cld_clone_alloc(cmd->op == CLONEDEV_CLONE_SOURCE);
		if (IS_ERR(c)) {
			ret = PTR_ERR(c);
			break;
		}
		ret = c->source ? start_source(s, c, cmd) :
				  start_target(s, c, cmd);
		if (ret) {
			cld_clone_free(c);
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
		c->n_results = 0;
		/* The clone ends all the same; its ERROR goes only if it fits. */
		if (c->out_len > cmd->out_cap) {
			cld_clone_free(c);
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
		if (cmd->results && c->n_results &&
		    copy_to_user(u64_to_user_ptr(cmd->results), c->results,
				 min(c->n_results, cmd->results_cap) *
				 sizeof(c->results[0])))
			ret = -EFAULT;
		memzero_explicit(c->out, CLONEDEV_CLONE_MSG_MAX);
		if (c->state != CLONEDEV_CLONE_RUNNING) {
			cld_clone_free(c);
			s->clone = NULL;
		}
	}
	if (ret == -EKEYREVOKED) {
		/* Cloning is locked on the partition: the clone ends here. */
		cld_clone_free(s->clone);
		s->clone = NULL;
	}
	mutex_unlock(&s->lock);
	kfree_sensitive(in);
	return ret;
}
