/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The clone context shared by the protocol engine (clone.c), its key
 * schedule (clone_keys.c), its partition side (clone_partition.c), its
 * message codec (clone_wire.c) and its known-answer test (clone_kat.c).
 */
#ifndef _CLD_CLONE_PRIV_H
#define _CLD_CLONE_PRIV_H

#include <linux/types.h>

#include "clone_wire.h"
#include "kdf.h"
#include "keys.h"
#include "spake2.h"
#include "suite.h"

struct crypto_aead;
struct crypto_kpp;
struct crypto_shash;
struct cld_keytfm;
struct cld_object;
struct cld_partition;
struct cld_session;
struct clonedev_clone;

#define CLD_CLONE_EPOCH_OBJECTS	1000	/* CPv4 renews its keys this often */

/* What the side waits for next. */
enum cld_clone_wait {
	W_CHOICE = 1,	/* source */
	W_READY,	/* source */
	W_RESULT,	/* source */
	W_SUMMARY,	/* source */
	W_HELLO,	/* target */
	W_CONFIRM,	/* target */
	W_OBJECT,	/* target: OBJECT or DONE */
	W_NOTHING,
};

/* One side's offer, as HELLO and CHOICE carry it. */
struct cld_clone_offer {
	u64 serial;
	u8 fips;
	u8 protocols;
	u8 suites;
	u8 n_domains;
	u8 label[CLD_MAX_DOMAINS][CLD_LABEL_MAX];	/* NUL-padded */
	u16 slot_size;
	u16 window;			/* CPv4's, HELLO only */
};

struct cld_clone {
	bool source;
	enum cld_clone_wait wait;
	u32 state;		/* enum clonedev_clone_state */
	u32 error;
	u32 slot;
	u64 serial;
	u32 role;		/* the role the clone runs under */
	bool replace;		/* target: CLONEDEV_CLONE_REPLACE */
	u32 protocol;
	const struct cld_suite *cs;	/* CPv4's suite, or CPv3's */
	u8 sid[CLD_WIRE_SID_LEN];
	u8 ns[CLD_WIRE_NONCE_LEN];
	u8 nt[CLD_WIRE_NONCE_LEN];
	u8 k_hs[CLD_WIRE_KEY_LEN];
	u8 k_ctl[2][CLD_WIRE_KEY_LEN];	/* [0] source to target, [1] back */
	u8 k_obj[2][CLD_WIRE_KEY_LEN];	/* CPv1, CPv3 (this object), CPv4 */
	u8 prk[CLD_KDF_MAX_HASH];	/* CPv4 */
	u32 epoch;			/* CPv4: the epoch k_obj belongs to */
	u8 peer_pub[CLD_WIRE_PUB_MAX];	/* CPv3: the target's key for next */
	u16 peer_slot;			/* CPv1: the target's slot size */
	struct crypto_shash *sha256;
	struct cld_kdf kdf256;
	struct cld_kdf kdf;		/* the suite's, for CPv4 */
	struct crypto_aead *gcm;
	struct crypto_aead *aead[2];	/* CPv4: the suite's, keyed k_obj[] */
	struct crypto_kpp *kpp;		/* this side's ephemeral key */
	u8 *hello;
	u32 hello_len;
	u8 *choice;
	u32 choice_len;
	u8 domain[CLONEDEV_SECRET_MAX];
	u32 domain_len;
	struct cld_spake2 sp;		/* until K_hs is made */
	u32 window;			/* objects a flight may hold */
	/* source */
	u32 *handles;
	u32 total;
	u32 next;			/* index of the first object in flight */
	u32 in_flight;			/* objects sent, results not back */
	u32 n_results;			/* this step's, in results[] */
	struct clonedev_clone_result results[CLONEDEV_CLONE_WINDOW_MAX];
	/* target: one flight's objects, checked before any is stored */
	bool have_keytfm;
	struct cld_keytfm keytfm;	/* checks the values that arrive */
	struct cld_object *batch[CLONEDEV_CLONE_WINDOW_MAX];
	u32 batch_status[CLONEDEV_CLONE_WINDOW_MAX];
	u32 batch_handle[CLONEDEV_CLONE_WINDOW_MAX];
	/* target: the flight's objects to store in the next commit */
	u32 n_pend;
	struct cld_object *pend[CLONEDEV_CLONE_WINDOW_MAX];
	struct cld_object *pend_old[CLONEDEV_CLONE_WINDOW_MAX];
	u32 pend_idx[CLONEDEV_CLONE_WINDOW_MAX];
	u32 pend_handle[CLONEDEV_CLONE_WINDOW_MAX];
	/* counts: this side's tally */
	u32 copied, skipped, refused, failed;
	/* the step's result for the caller */
	bool has_result;
	u32 result_handle, result_status, result_target;
	u8 *out;			/* the message this step makes */
	u32 out_len;
};

/* clone_keys.c */
struct cld_clone *cld_clone_alloc(bool source);
void cld_clone_free(struct cld_clone *c);
int cld_clone_aead(struct crypto_aead *tfm, const u8 *key, bool enc,
		   u32 prefix, u32 seq, u8 *hdr, u8 *data, u32 len);
int cld_clone_eph_key(struct cld_clone *c, const struct cld_suite *cs,
		      const u8 *priv, u8 *pub);
int cld_clone_session_id(struct cld_clone *c);
int cld_clone_spake_start(struct cld_clone *c, const u8 *fixed_x);
int cld_clone_transcript_hash(struct cld_clone *c, const u8 *pa, u8 *h);
int cld_clone_transcript_mac(struct cld_clone *c, const u8 *last,
			     u32 last_len, u8 *mac);
int cld_clone_handshake_keys(struct cld_clone *c, const u8 *peer,
			     const u8 *h);
int cld_clone_cpv4_prk(struct cld_clone *c, const u8 *pub);
int cld_clone_cpv4_keys(struct cld_clone *c, u32 i);
int cld_clone_cpv3_keys(struct cld_clone *c, u32 i, const u8 *pub);
int cld_clone_obj_crypt(struct cld_clone *c, int dir, bool enc, u32 seq,
			u8 *hdr, u8 *data, u32 len);

/* clone_partition.c */
void cld_clone_make_offer(const struct cld_partition *p,
			  struct cld_clone_offer *o);
u32 cld_clone_choose(const struct cld_clone_offer *s,
		     const struct cld_clone_offer *t, u32 *dom, u32 *proto,
		     u32 *suite);
bool cld_clone_may_clone(const struct cld_partition *p, u32 role,
			 const struct cld_object *o);
bool cld_clone_may_replace(const struct cld_partition *p);
u32 cld_clone_admit(const struct cld_partition *p, u32 role,
		    const struct cld_object *have, const struct cld_object *o,
		    bool replace, u32 *handle);
struct cld_partition *cld_clone_partition(struct cld_session *s,
					  struct cld_clone *c);
void cld_clone_take_domain(struct cld_clone *c,
			   const struct cld_partition *p, const u8 *label);
int cld_clone_count_guess(struct cld_partition *p);
void cld_clone_clear_guesses(struct cld_partition *p);
int cld_clone_source_handles(struct cld_session *s, struct cld_clone *c,
			     const struct clonedev_clone *cmd);

/* clone_wire.c */
u32 cld_clone_put_offer(u8 *b, const struct cld_clone_offer *o,
			bool all_domains);
u32 cld_clone_get_offer(const u8 *b, u32 len, struct cld_clone_offer *o);
u32 cld_clone_record_len(const struct cld_object *o);
void cld_clone_put_record(u8 *b, const struct cld_object *o);
struct cld_object *cld_clone_get_record(struct cld_keytfm *t, const u8 *b,
					u32 len);

#endif /* _CLD_CLONE_PRIV_H */
