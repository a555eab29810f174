// SPDX-License-Identifier: GPL-2.0
/*
 * The clone-message fuzzer. Two kinds of partition share a cloning
 * domain: one source, and one target for each protocol and suite both
 * support (CPv4 with each suite the kernel provides, CPv3, CPv1). The
 * program is itself the relay between the source's and the target's
 * CLONEDEV_IOCTL_CLONE: it hands each flight one side outputs to the
 * other side's next step, and on a mutated run changes one flight on the
 * way. First it records genuine transcripts of every combination (those
 * clones must succeed, and what arrives must be the source's objects);
 * then each mutated run takes a fresh clone of one combination and, at
 * one flight chosen at random, flips bits, truncates, appends garbage,
 * splices in a message of another combination's transcript, replays a
 * flight of another session (as recorded, or with this session's id
 * written into its header), replays an earlier flight of this session,
 * sends the next flight of another session in its place, reorders,
 * drops or duplicates messages.
 *
 * Every mutated run must end in an error: the side that receives the
 * changed flight fails with a code the protocol gives for it
 * (docs/clone-protocol.md: `unexpected` or `auth`, and in HELLO and
 * CHOICE also `domain-mismatch`, `fips`, `no-protocol`; the code a
 * message turned into an ERROR carries; `aborted` where the relay ends a
 * side), never an ioctl error other than -EINVAL for an empty step, and
 * the source never completes. No side may accept a changed message that
 * the protocol authenticates. Afterwards the target lists exactly what it
 * listed before plus the objects whose genuine OBJECT messages it had
 * answered before the change (every RESULT means stored for good), and
 * the source lists exactly what it always did. A quarter of the mutated
 * runs go to a target that already holds copies of the source's objects
 * (a clean run brings them) with CLONEDEV_CLONE_REPLACE: a copy that no
 * genuine message replaced keeps its handle. At intervals a clean run on
 * the same sessions must still succeed.
 *
 * A mutation that leaves the flight's bytes as they were (a splice of an
 * equal byte, a swap of equal messages) changes nothing at all, so it is
 * drawn again; if that keeps happening the run is counted as excluded and
 * not as mutated.
 *
 * Usage: clone_fuzz_test [RUNS]   (default 300 mutated runs)
 * CLONE_FUZZ_SEED=N repeats the choices of an earlier run (the nonces
 * and keys of each clone are new all the same). Prints TAP; exits 1 on
 * any violation.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libclonedev.h"

#define PO	"fuzz-po"
#define CO	"fuzz-co"
#define CU	"fuzz-cu"

#define MSG_MAX		CLONEDEV_CLONE_MSG_MAX
#define HDR		32
#define N_OBJ		4	/* the source's objects: one flight in CPv4 */
#define MAX_FLIGHTS	24	/* a genuine clone of N_OBJ objects has 14 */
#define POOL		3	/* genuine transcripts kept per combination */
#define MAX_COMBOS	5
#define MAX_LIST	64
#define CLEAN_EVERY	8	/* a clean run after this many mutated ones */
#define DRAWS		16	/* tries at a mutation that changes the bytes */

enum {
	HELLO = 1, CHOICE, CONFIRM, OBJECT, RESULT, DONE, SUMMARY, READY,
	ERROR = 15
};

enum { SRC, TGT };

enum {
	M_FLIP, M_FLIP_HEADER, M_TRUNCATE, M_EXTEND, M_SPLICE, M_REPLAY_OTHER,
	M_REPLAY_OTHER_SID, M_REPLAY_SAME, M_SKIP_AHEAD, M_REORDER, M_DROP,
	M_DUPLICATE, M_FORGE_ERROR, M_COUNT
};

static const char *const m_names[M_COUNT] = {
	"bit flip", "header bit flip", "truncation", "garbage appended",
	"splice of another combination", "replay from another session",
	"replay with this session's id", "replay of an earlier flight",
	"next flight of another session", "reordering", "drop",
	"duplication", "forged ERROR",
};

static const char *const e_names[CLONEDEV_CLONE_E_ABORTED + 1] = {
	"", "unexpected", "domain-mismatch", "fips", "no-protocol", "auth",
	"policy", "role", "internal", "aborted",
};

struct flight {
	int to;			/* SRC or TGT: who receives it */
	unsigned int len;
	unsigned char buf[MSG_MAX];
};

struct transcript {
	unsigned int n;
	struct flight f[MAX_FLIGHTS];
};

struct combo {
	const char *name;
	unsigned int proto, suite, level;
	struct clonedev *t;
	unsigned int slot;
	unsigned int hs_fail;		/* failed handshakes it may count */
	struct transcript pool[POOL];
	unsigned int n_pool, next_pool;
	unsigned int since_clean;
	unsigned long runs, mutated;
};

/* What a partition lists: its objects' OUIDs and check values. */
struct listing {
	unsigned int n;
	unsigned int handle[MAX_LIST];
	unsigned char ouid[MAX_LIST][CLONEDEV_OUID_LEN];
	unsigned char kcv[MAX_LIST][CLONEDEV_KCV_LEN];
};

static struct combo combos[MAX_COMBOS];
static unsigned int n_combos;
static struct clonedev *src;
static unsigned int src_hs_fail;
static unsigned int handles[N_OBJ];
static struct listing src_list;
static unsigned char obj_ouid[N_OBJ][CLONEDEV_OUID_LEN];
static unsigned char obj_kcv[N_OBJ][CLONEDEV_KCV_LEN];
static unsigned long long rng;

/* Counters of the summary and of the TAP lines. */
static unsigned long n_runs, n_mutated, n_excluded, n_clean;
static unsigned long n_accepted, n_stored, n_bad_error, n_bad_errno;
static unsigned long n_source_changed, n_clean_failed, n_completed;
static unsigned long n_replace;	/* mutated runs onto held copies */
static unsigned long n_kept;	/* objects genuinely stored before a change */
static unsigned long by_op[M_COUNT];
static unsigned long by_error[CLONEDEV_CLONE_E_ABORTED + 1];

static unsigned long long next_rand(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static unsigned int below(unsigned int n)
{
	return n ? (unsigned int)(next_rand() % n) : 0;
}

static void violation(const char *what, const struct combo *c, int op,
		      int flight)
{
	printf("# VIOLATION: %s (%s, %s at flight %d)\n", what, c->name,
	       op >= 0 ? m_names[op] : "no mutation", flight);
}

static unsigned int be32(const unsigned char *p)
{
	return (unsigned int)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static unsigned int msg_type(const unsigned char *m)
{
	return m[5];
}

/*
 * Splits a flight into messages as a receiver does: a header and the body
 * length it gives; a header cut short, or a body longer than what is
 * left, makes the message all that is left. Return: the count, their
 * offsets and lengths at @off and @len.
 */
static unsigned int split(const unsigned char *f, unsigned int flen,
			  unsigned int *off, unsigned int *len,
			  unsigned int max)
{
	unsigned int at = 0, n = 0, l;

	while (at < flen && n < max) {
		l = flen - at;
		if (l >= HDR && be32(f + at + 28) <= l - HDR)
			l = HDR + be32(f + at + 28);
		off[n] = at;
		len[n++] = l;
		at += l;
	}
	return n;
}

/* The code a receiver reads from a message it takes as an ERROR, or 0. */
static unsigned int error_code(const unsigned char *m, unsigned int len)
{
	unsigned int code;

	if (len < HDR + 4 || be32(m) != 0x434c4f4e || m[4] != 2 ||
	    m[5] != ERROR)
		return 0;
	code = be32(m + HDR);
	return code >= 1 && code <= CLONEDEV_CLONE_E_ABORTED ?
	       code : CLONEDEV_CLONE_E_UNEXPECTED;
}

/* One CLONEDEV_IOCTL_CLONE. */
static int clone_op(struct clonedev *cd, struct clonedev_clone *c,
		    unsigned int op, const unsigned char *in,
		    unsigned int in_len, unsigned char *out,
		    struct clonedev_clone_result *res, unsigned int flags)
{
	memset(c, 0, sizeof(*c));
	c->op = op;
	c->flags = flags;
	if (op == CLONEDEV_CLONE_SOURCE) {
		c->count = N_OBJ;
		c->handles = (uintptr_t)handles;
	}
	c->in = (uintptr_t)in;
	c->in_len = in_len;
	c->out = (uintptr_t)out;
	c->out_cap = MSG_MAX;
	if (res) {
		c->results = (uintptr_t)res;
		c->results_cap = CLONEDEV_CLONE_WINDOW_MAX;
	}
	return clonedev_clone_op(cd, c);
}

static int list_objects(struct clonedev *cd, struct listing *l)
{
	struct clonedev_object_attrs a;
	unsigned int *h = NULL;
	int n, i, ret = 0;

	n = clonedev_object_list(cd, &h);
	if (n < 0)
		return n;
	if (n > MAX_LIST) {
		free(h);
		return -E2BIG;
	}
	l->n = (unsigned int)n;
	for (i = 0; i < n && !ret; i++) {
		ret = clonedev_object_get(cd, h[i], &a, NULL, 0, NULL);
		l->handle[i] = h[i];
		memcpy(l->ouid[i], a.ouid, CLONEDEV_OUID_LEN);
		memcpy(l->kcv[i], a.kcv, CLONEDEV_KCV_LEN);
	}
	free(h);
	return ret;
}

static int find_ouid(const struct listing *l, const unsigned char *ouid)
{
	unsigned int i;

	for (i = 0; i < l->n; i++)
		if (!memcmp(l->ouid[i], ouid, CLONEDEV_OUID_LEN))
			return (int)i;
	return -1;
}

/* The index (in the clone's order) of the source's object with @ouid. */
static int obj_index(const unsigned char *ouid)
{
	unsigned int i;

	for (i = 0; i < N_OBJ; i++)
		if (!memcmp(obj_ouid[i], ouid, CLONEDEV_OUID_LEN))
			return (int)i;
	return -1;
}

/*
 * Checks the target against @before: it must list exactly what @before
 * lists plus the source's objects in @stored (a mask of object indices),
 * each with the source's check value, no OUID twice. What @before lists
 * keeps its handle, except that a copy @before held of an object in
 * @stored was replaced (CLONEDEV_CLONE_REPLACE): a new handle. Then,
 * unless @keep, destroys every copy of the source's objects, so that the
 * next run starts from the target's own objects. Return: 0, or -1.
 */
static int check_target(struct clonedev *t, const struct listing *before,
			unsigned int stored, int keep)
{
	struct listing after;
	unsigned int i, want = before->n;
	int k, b, moved, ret = 0;

	if (list_objects(t, &after))
		return -1;
	for (i = 0; i < N_OBJ; i++)
		if ((stored & 1U << i) && find_ouid(before, obj_ouid[i]) < 0)
			want++;
	if (after.n != want)
		ret = -1;
	for (i = 0; i < after.n; i++) {
		if (find_ouid(&after, after.ouid[i]) != (int)i)
			ret = -1;	/* an OUID twice */
		k = obj_index(after.ouid[i]);
		b = find_ouid(before, after.ouid[i]);
		if (b >= 0) {
			moved = after.handle[i] != before->handle[b];
			if ((k >= 0 && (stored & 1U << k)) != moved ||
			    memcmp(after.kcv[i], before->kcv[b],
				   CLONEDEV_KCV_LEN))
				ret = -1;
		} else if (k < 0 || !(stored & 1U << k) ||
			   memcmp(after.kcv[i], obj_kcv[k], CLONEDEV_KCV_LEN)) {
			ret = -1;
		}
		if (k >= 0 && !keep &&
		    clonedev_object_destroy(t, after.handle[i]))
			ret = -1;
	}
	for (i = 0; i < before->n; i++)
		if (find_ouid(&after, before->ouid[i]) < 0)
			ret = -1;
	return ret;
}

static int same_listing(const struct listing *a, const struct listing *b)
{
	unsigned int i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++)
		if (a->handle[i] != b->handle[i] ||
		    memcmp(a->ouid[i], b->ouid[i], CLONEDEV_OUID_LEN) ||
		    memcmp(a->kcv[i], b->kcv[i], CLONEDEV_KCV_LEN))
			return 0;
	return 1;
}

/* ---- the mutations ---- */

struct mutation {
	int op;
	int flight;			/* index of the flight to change */
	const struct transcript *self;	/* this session's flights so far */
	const struct combo *c;
};

/* A recorded transcript of @c other than none, or NULL. */
static const struct transcript *pool_pick(const struct combo *c)
{
	return c->n_pool ? &c->pool[below(c->n_pool)] : NULL;
}

/* A transcript of another combination, or NULL if there is only one. */
static const struct transcript *other_pick(const struct combo *c)
{
	const struct combo *o;

	if (n_combos < 2)
		return NULL;
	do
		o = &combos[below(n_combos)];
	while (o == c);
	return pool_pick(o);
}

/* The session id of this clone (from CONFIRM on), if a flight has one. */
static const unsigned char *session_id(const struct transcript *s,
				       const unsigned char *cur)
{
	static const unsigned char zero[16];
	unsigned int i;

	if (memcmp(cur + 8, zero, 16))
		return cur + 8;
	for (i = 0; i < s->n; i++)
		if (s->f[i].len >= HDR && memcmp(s->f[i].buf + 8, zero, 16))
			return s->f[i].buf + 8;
	return NULL;
}

/* Writes @sid into the header of every whole message of the flight. */
static void put_session_id(unsigned char *m, unsigned int len,
			   const unsigned char *sid)
{
	unsigned int off[64], l[64], n, i;

	n = split(m, len, off, l, 64);
	for (i = 0; i < n; i++)
		if (l[i] >= HDR)
			memcpy(m + off[i] + 8, sid, 16);
}

/*
 * Applies @mu to the flight @m (*@len bytes). Return: 0, or -1 if the
 * mutation does not apply to this flight (then another is drawn).
 */
static int mutate(const struct mutation *mu, unsigned char *m,
		  unsigned int *len)
{
	unsigned int off[64], l[64], ooff[64], ol[64], n, i, j, k, at;
	unsigned char tmp[MSG_MAX];
	const struct transcript *t;
	const struct flight *f;
	const unsigned char *sid;

	n = split(m, *len, off, l, 64);
	switch (mu->op) {
	case M_FLIP:
		k = 1 + below(4);
		for (i = 0; i < k; i++) {
			at = below(*len);
			m[at] ^= (unsigned char)(1U << below(8));
		}
		return 0;
	case M_FLIP_HEADER:
		i = below(n);
		at = off[i] + below(l[i] < HDR ? l[i] : HDR);
		m[at] ^= (unsigned char)(1U << below(8));
		return 0;
	case M_TRUNCATE:
		if (*len < 2)
			return -1;
		*len = 1 + below(*len - 1);
		return 0;
	case M_EXTEND:
		k = 1 + below(64);
		if (*len + k > MSG_MAX)
			return -1;
		for (i = 0; i < k; i++)
			m[*len + i] = (unsigned char)next_rand();
		*len += k;
		return 0;
	case M_SPLICE:
		/* The head of this flight, the tail of another's. */
		t = other_pick(mu->c);
		if (!t)
			return -1;
		f = &t->f[below(t->n)];
		at = below(*len < f->len ? *len : f->len);
		memcpy(m + at, f->buf + at, f->len - at);
		*len = f->len;
		return 0;
	case M_REPLAY_OTHER:
	case M_REPLAY_OTHER_SID:
		t = pool_pick(mu->c);
		if (!t || (unsigned int)mu->flight >= t->n)
			return -1;
		f = &t->f[mu->flight];
		sid = session_id(mu->self, m);
		memcpy(tmp, f->buf, f->len);
		if (mu->op == M_REPLAY_OTHER_SID) {
			if (!sid)
				return -1;
			put_session_id(tmp, f->len, sid);
		}
		if (n > 1 && below(2)) {
			/* One message of the flight, in its place. */
			i = below(n);
			if (split(tmp, f->len, ooff, ol, 64) <= i ||
			    l[i] != ol[i])
				return -1;
			memcpy(m + off[i], tmp + ooff[i], l[i]);
			return 0;
		}
		memcpy(m, tmp, f->len);
		*len = f->len;
		return 0;
	case M_REPLAY_SAME:
		/* An earlier flight of this session, in the same direction. */
		if (mu->flight < 2)
			return -1;
		k = (unsigned int)mu->flight - 2 * (1 + below(mu->flight / 2));
		f = &mu->self->f[k];
		memcpy(m, f->buf, f->len);
		*len = f->len;
		return 0;
	case M_SKIP_AHEAD:
		/*
		 * The sender's next flight (of another session, with this
		 * session's id): what the receiver gets if this one is lost.
		 */
		t = pool_pick(mu->c);
		if (!t || (unsigned int)mu->flight + 2 >= t->n)
			return -1;
		f = &t->f[mu->flight + 2];
		sid = session_id(mu->self, m);
		memcpy(tmp, sid ? sid : m, 16);
		memcpy(m, f->buf, f->len);
		*len = f->len;
		if (sid && below(2))
			put_session_id(m, *len, tmp);
		return 0;
	case M_REORDER:
		if (n < 2)
			return -1;
		i = below(n - 1);
		j = i + 1 + below(n - 1 - i);
		/* Message j where message i was, and i where j was. */
		memcpy(tmp, m, *len);
		at = off[i];
		memcpy(m + at, tmp + off[j], l[j]);
		at += l[j];
		memcpy(m + at, tmp + off[i] + l[i], off[j] - off[i] - l[i]);
		at += off[j] - off[i] - l[i];
		memcpy(m + at, tmp + off[i], l[i]);
		return 0;
	case M_DROP:
		if (n < 2) {
			*len = 0;	/* nothing to hand over at all */
			return 0;
		}
		i = below(n);
		memmove(m + off[i], m + off[i] + l[i], *len - off[i] - l[i]);
		*len -= l[i];
		return 0;
	case M_FORGE_ERROR:
		/*
		 * An ERROR in place of the flight: unauthenticated, it ends
		 * the receiver with its code (outside 1 to 9 `unexpected`)
		 * whatever the rest of its header and its text say.
		 */
		k = below(24);
		memset(m, 0, HDR);
		m[0] = 0x43;
		m[1] = 0x4c;
		m[2] = 0x4f;
		m[3] = 0x4e;
		m[4] = 2;
		m[5] = ERROR;
		for (i = 6; i < 28; i++)
			if (below(2))
				m[i] = (unsigned char)next_rand();
		m[28] = 0;
		m[29] = 0;
		m[30] = 0;
		m[31] = (unsigned char)(4 + k);
		i = below(12);		/* the code: 0 to 11 */
		m[HDR] = 0;
		m[HDR + 1] = 0;
		m[HDR + 2] = 0;
		m[HDR + 3] = (unsigned char)i;
		for (i = 0; i < k; i++)
			m[HDR + 4 + i] = (unsigned char)(' ' + below(95));
		*len = HDR + 4 + k;
		return 0;
	case M_DUPLICATE:
		i = below(n);
		if (*len + l[i] > MSG_MAX)
			return -1;
		at = off[i] + l[i];
		memmove(m + at + l[i], m + at, *len - at);
		memcpy(m + at, m + off[i], l[i]);
		*len += l[i];
		return 0;
	}
	return -1;
}

/* ---- one clone through the relay ---- */

struct run {
	struct combo *c;
	int op, flight;		/* the mutation, or op -1 */
	unsigned int flags;	/* the target's: CLONEDEV_CLONE_REPLACE */
	struct transcript tr;	/* the flights as their sender made them */
	struct clonedev_clone st[2];
	int started[2];
	int excluded;		/* no mutation changed the bytes */
	int applied;
	unsigned int orig_type;	/* of the changed flight's first message */
	unsigned int stored;	/* objects the target answered genuinely */
	unsigned int error_msg;	/* the code of a message read as ERROR */
	int error_first;	/* that message first in the flight */
	int aborted[2];		/* the relay ended this side */
	int bad_errno;
	int accepted;		/* a side took a change it must refuse */
	int source_confirmed, source_past_ready, target_ready;
};

/*
 * Whether the messages of @d are the first ones of @g, unchanged: what
 * a target may store and answer (the end of a flight lost on the way).
 */
static int genuine_prefix(const unsigned char *d, unsigned int dlen,
			  const unsigned char *g, unsigned int glen)
{
	return dlen && dlen <= glen && !memcmp(d, g, dlen) &&
	       (dlen == glen || (glen - dlen >= HDR &&
				 be32(g + dlen + 28) <= glen - dlen - HDR));
}

static void note_output(struct run *r, int side, const unsigned char *out,
			unsigned int len)
{
	if (len < HDR)
		return;
	if (side == SRC && msg_type(out) == CONFIRM)
		r->source_confirmed = 1;
	if (side == SRC && (msg_type(out) == OBJECT || msg_type(out) == DONE))
		r->source_past_ready = 1;
	if (side == TGT && msg_type(out) == READY)
		r->target_ready = 1;
}

static void relay(struct run *r)
{
	static unsigned char cur[MSG_MAX], del[MSG_MAX], out[MSG_MAX];
	struct clonedev_clone_result res[CLONEDEV_CLONE_WINDOW_MAX];
	struct clonedev *cd[2] = { src, r->c->t };
	unsigned int len, dlen, what, i, n, off[64], l[64];
	struct flight *f;
	int to, ret, draw;

	ret = clone_op(src, &r->st[SRC], CLONEDEV_CLONE_SOURCE, NULL, 0, cur,
		       NULL, 0);
	if (ret) {
		r->bad_errno = ret;
		return;
	}
	r->started[SRC] = 1;
	len = r->st[SRC].out_len;
	to = TGT;
	note_output(r, SRC, cur, len);
	for (r->tr.n = 0; len; r->tr.n++) {
		if (r->tr.n == MAX_FLIGHTS) {
			r->bad_errno = -ELOOP;	/* a clone that never ends */
			break;
		}
		if (r->started[to] && r->st[to].state != CLONEDEV_CLONE_RUNNING)
			break;
		f = &r->tr.f[r->tr.n];
		f->to = to;
		f->len = len;
		memcpy(f->buf, cur, len);
		memcpy(del, cur, len);
		dlen = len;
		if ((int)r->tr.n == r->flight && r->op >= 0) {
			struct mutation mu = { r->op, r->flight, &r->tr, r->c };

			r->orig_type = msg_type(cur);
			for (draw = 0; draw < DRAWS; draw++) {
				memcpy(del, cur, len);
				dlen = len;
				if (mutate(&mu, del, &dlen)) {
					/* Not for this flight: another. */
					r->op = (int)below(M_COUNT);
					mu.op = r->op;
					draw--;
					continue;
				}
				if (dlen != len || memcmp(del, cur, len))
					break;
			}
			if (draw == DRAWS) {
				r->excluded = 1;
				memcpy(del, cur, len);
				dlen = len;
			} else {
				r->applied = 1;
			}
			n = split(del, dlen, off, l, 64);
			for (i = 0; i < n; i++)
				if (error_code(del + off[i], l[i]))
					r->error_msg = error_code(del + off[i],
								  l[i]);
			if (n && error_code(del, l[0]))
				r->error_first = 1;
		}
		what = r->started[to] ? CLONEDEV_CLONE_STEP :
		       CLONEDEV_CLONE_TARGET;
		if (!dlen) {
			/* An empty step is refused and changes nothing. */
			struct clonedev_clone scratch;

			ret = clone_op(cd[to], &scratch, what, del, 0, out,
				       NULL, what == CLONEDEV_CLONE_TARGET ?
				       r->flags : 0);
			if (ret != -EINVAL)
				r->bad_errno = ret ? ret : -EBADE;
			break;
		}
		ret = clone_op(cd[to], &r->st[to], what, del, dlen, out,
			       to == SRC ? res : NULL,
			       what == CLONEDEV_CLONE_TARGET ? r->flags : 0);
		if (ret) {
			r->bad_errno = ret;
			/* Whatever the side's state, end it below. */
			r->started[to] = 1;
			r->st[to].state = CLONEDEV_CLONE_RUNNING;
			break;
		}
		r->started[to] = 1;
		len = r->st[to].out_len;
		note_output(r, to, out, len);
		if (r->applied && (int)r->tr.n == r->flight &&
		    r->st[to].state != CLONEDEV_CLONE_FAILED) {
			/*
			 * The receiver took the changed flight. Only HELLO
			 * and CHOICE cannot be checked yet (MAC_S and READY
			 * check them later), and a target may store and
			 * answer a flight of OBJECTs whose end was lost.
			 */
			if (r->orig_type == OBJECT) {
				if (!genuine_prefix(del, dlen, cur,
						    r->tr.f[r->tr.n].len))
					r->accepted = 1;
			} else if (r->orig_type != HELLO &&
				   r->orig_type != CHOICE) {
				r->accepted = 1;
			}
		}
		/* Objects the target answered: stored for good. */
		if (to == TGT && r->st[TGT].state != CLONEDEV_CLONE_FAILED &&
		    dlen >= HDR && msg_type(del) == OBJECT) {
			n = split(del, dlen, off, l, 64);
			for (i = 0; i < n; i++)
				if (be32(del + off[i] + 24) - 2 < N_OBJ)
					r->stored |= 1U <<
						(be32(del + off[i] + 24) - 2);
		}
		memcpy(cur, out, len);
		to = !to;
	}
	/* A side still running is ended by the relay, as a relay may. */
	for (i = 0; i < 2; i++)
		if (r->started[i] &&
		    r->st[i].state == CLONEDEV_CLONE_RUNNING) {
			ret = clone_op(cd[i], &r->st[i], CLONEDEV_CLONE_ABORT,
				       NULL, 0, out, NULL, 0);
			if (ret && !r->bad_errno)
				r->bad_errno = ret;
			r->aborted[i] = 1;
		}
	memset(cur, 0, sizeof(cur));
	memset(del, 0, sizeof(del));
	memset(out, 0, sizeof(out));
}

/* Logs the po in and the co again: clears the failed handshakes. */
static int relogin(struct clonedev *cd)
{
	return clonedev_login(cd, CLONEDEV_ROLE_PO, PO) ?:
	       clonedev_login(cd, CLONEDEV_ROLE_CO, CO);
}

/*
 * Keeps each side's failed handshakes below CLONEDEV_CLONE_FAILURES_MAX:
 * each run may count one (the source from CONFIRM until READY, the target
 * when MAC_S fails); a handshake that verifies clears it.
 */
static int account_handshakes(struct run *r)
{
	struct combo *c = r->c;

	if (r->source_past_ready)
		src_hs_fail = 0;
	else if (r->source_confirmed)
		src_hs_fail++;
	if (r->target_ready)
		c->hs_fail = 0;
	else if (r->started[TGT])
		c->hs_fail++;
	if (src_hs_fail >= CLONEDEV_CLONE_FAILURES_MAX - 2) {
		if (relogin(src))
			return -1;
		src_hs_fail = 0;
	}
	if (c->hs_fail >= CLONEDEV_CLONE_FAILURES_MAX - 2) {
		if (relogin(c->t))
			return -1;
		c->hs_fail = 0;
	}
	return 0;
}

/*
 * A clean run: it must copy every object, as the source has them. It
 * keeps its transcript at @keep (if not NULL), and the copies on the
 * target if @hold.
 */
static int clean_run(struct combo *c, struct transcript *keep, int hold)
{
	static struct run r;
	struct listing before, now;
	int ok = 1;

	memset(&r, 0, sizeof(r));
	r.c = c;
	r.op = -1;
	r.flight = -1;
	if (list_objects(c->t, &before))
		return -1;
	relay(&r);
	n_runs++;
	n_clean++;
	c->runs++;
	if (r.bad_errno || r.st[SRC].state != CLONEDEV_CLONE_DONE ||
	    r.st[TGT].state != CLONEDEV_CLONE_DONE ||
	    r.st[SRC].copied != N_OBJ || r.st[SRC].protocol != c->proto ||
	    r.st[SRC].suite != c->suite || r.stored != (1U << N_OBJ) - 1) {
		printf("# %s: clean clone: errno %d, states %u/%u, error %u/%u, copied %u, protocol %u suite %u\n",
		       c->name, r.bad_errno, r.st[SRC].state, r.st[TGT].state,
		       r.st[SRC].error, r.st[TGT].error, r.st[SRC].copied,
		       r.st[SRC].protocol, r.st[SRC].suite);
		ok = 0;
	}
	if (check_target(c->t, &before, (1U << N_OBJ) - 1, hold)) {
		printf("# %s: the clean clone's objects are not the source's\n",
		       c->name);
		ok = 0;
	}
	if (list_objects(src, &now) || !same_listing(&now, &src_list)) {
		printf("# %s: the source changed\n", c->name);
		n_source_changed++;
		ok = 0;
	}
	src_hs_fail = 0;
	c->hs_fail = 0;
	if (ok && keep)
		*keep = r.tr;
	memset(&r, 0, sizeof(r));
	return ok ? 0 : -1;
}

static int allowed_error(const struct run *r, int side, unsigned int error)
{
	/* An ERROR first in the flight: its code and no other. */
	if (r->error_first && side == r->tr.f[r->flight].to)
		return error == r->error_msg;
	if (r->aborted[side] && error == CLONEDEV_CLONE_E_ABORTED)
		return 1;
	if (r->error_msg && error == r->error_msg)
		return 1;
	if (error == CLONEDEV_CLONE_E_UNEXPECTED ||
	    error == CLONEDEV_CLONE_E_AUTH)
		return 1;
	/* The negotiation's own refusals: the offers are in HELLO, CHOICE. */
	return r->flight < 2 && (error == CLONEDEV_CLONE_E_DOMAIN ||
				 error == CLONEDEV_CLONE_E_FIPS ||
				 error == CLONEDEV_CLONE_E_PROTOCOL);
}

/* One mutated run. Return: 0, or -1 when the setup itself failed. */
static int mutated_run(struct combo *c)
{
	static struct run r;
	struct listing before, now;
	const struct transcript *g = &c->pool[0];
	unsigned int i, many, cand[MAX_FLIGHTS], off[64], l[64];

	memset(&r, 0, sizeof(r));
	r.c = c;
	if (!below(4)) {
		/*
		 * The target holds copies of the source's objects (a clean
		 * run brings them) and replaces what it receives: a copy
		 * not replaced by a genuine message stays as it was.
		 */
		if (clean_run(c, NULL, 1))
			n_clean_failed++;
		r.flags = CLONEDEV_CLONE_REPLACE;
		n_replace++;
	}
	r.op = (int)below(M_COUNT);
	r.flight = (int)below(g->n);
	if (r.op == M_REORDER) {
		/* A flight of several messages (CPv4), if there is one. */
		for (i = 0, many = 0; i < g->n; i++)
			if (split(g->f[i].buf, g->f[i].len, off, l, 64) > 1)
				cand[many++] = i;
		if (many)
			r.flight = (int)cand[below(many)];
	}
	if (list_objects(c->t, &before))
		return -1;
	relay(&r);
	n_runs++;
	c->runs++;
	if (!r.applied) {
		if (!r.excluded) {
			violation("the clone ended before the flight to change",
				  c, r.op, r.flight);
			n_bad_error++;
		}
		n_excluded++;
	} else {
		n_mutated++;
		c->mutated++;
		by_op[r.op]++;
	}
	if (r.bad_errno) {
		printf("# errno %d (%s)\n", -r.bad_errno,
		       strerror(-r.bad_errno));
		violation("an ioctl failed", c, r.op, r.flight);
		n_bad_errno++;
	}
	if (r.applied && r.accepted) {
		violation("a side accepted a changed message", c, r.op,
			  r.flight);
		n_accepted++;
	}
	if (r.applied && r.st[SRC].state == CLONEDEV_CLONE_DONE) {
		violation("the source completed a changed clone", c, r.op,
			  r.flight);
		n_completed++;
	}
	if (r.applied && r.st[TGT].state == CLONEDEV_CLONE_DONE &&
	    r.orig_type != SUMMARY) {
		violation("the target completed a changed clone", c, r.op,
			  r.flight);
		n_completed++;
	}
	for (i = 0; i < 2 && r.applied; i++) {
		if (!r.started[i] || r.st[i].state != CLONEDEV_CLONE_FAILED)
			continue;
		if (r.st[i].error <= CLONEDEV_CLONE_E_ABORTED)
			by_error[r.st[i].error]++;
		if (!allowed_error(&r, i, r.st[i].error)) {
			printf("# %s ended with error %u\n",
			       i == SRC ? "the source" : "the target",
			       r.st[i].error);
			violation("an error the protocol does not give", c,
				  r.op, r.flight);
			n_bad_error++;
		}
	}
	if (r.applied && r.st[SRC].state != CLONEDEV_CLONE_FAILED) {
		violation("the source did not fail", c, r.op, r.flight);
		n_bad_error++;
	}
	if (check_target(c->t, &before, r.stored, 0)) {
		violation("the target holds other objects than it answered",
			  c, r.op, r.flight);
		n_stored++;
	}
	for (i = 0; i < N_OBJ; i++)
		if (r.stored & 1U << i)
			n_kept++;
	if (list_objects(src, &now) || !same_listing(&now, &src_list)) {
		violation("the source changed", c, r.op, r.flight);
		n_source_changed++;
	}
	if (account_handshakes(&r))
		return -1;
	memset(&r, 0, sizeof(r));
	if (++c->since_clean >= CLEAN_EVERY) {
		c->since_clean = 0;
		if (clean_run(c, &c->pool[c->next_pool], 0))
			n_clean_failed++;
		else
			c->next_pool = (c->next_pool + 1) % POOL;
	}
	return 0;
}

/* ---- setup ---- */

static int make_partition(struct clonedev_nl *nl, const char *label,
			  unsigned int level, struct clonedev **cd,
			  unsigned int *slot)
{
	struct clonedev_slot s;
	int ret;

	ret = clonedev_nl_partition_create(nl, label, 0, 0, level, &s);
	if (ret)
		return ret;
	*slot = s.slot;
	return clonedev_open(cd) ?:
	       clonedev_slot_set(*cd, s.slot) ?:
	       clonedev_partition_init(*cd, NULL, PO, "fuzz domain",
				       "fuzzdom") ?:
	       clonedev_login(*cd, CLONEDEV_ROLE_PO, PO) ?:
	       clonedev_role_init(*cd, CLONEDEV_ROLE_CO, CO) ?:
	       clonedev_login(*cd, CLONEDEV_ROLE_CO, CO) ?:
	       clonedev_role_init(*cd, CLONEDEV_ROLE_CU, CU) ?:
	       clonedev_login(*cd, CLONEDEV_ROLE_CO, CO);
}

static int delete_partitions(struct clonedev_nl *nl)
{
	struct clonedev_slot *slots = NULL;
	int i, n, ret = 0;

	n = clonedev_nl_slot_list(nl, &slots);
	if (n < 0)
		return n;
	for (i = 0; i < n && !ret; i++)
		ret = clonedev_nl_partition_delete(nl, slots[i].slot);
	free(slots);
	return ret;
}

static int setup_combo(struct clonedev_nl *nl, struct combo *c)
{
	struct clonedev_suites s;
	unsigned int h;
	char label[32];
	int ret;

	snprintf(label, sizeof(label), "fuzz-%u", (unsigned int)(c - combos));
	ret = make_partition(nl, label, c->level, &c->t, &c->slot);
	if (!ret && c->suite)
		ret = clonedev_login(c->t, CLONEDEV_ROLE_PO, PO) ?:
		      clonedev_suites(c->t, 0, CLONEDEV_SUITES_ALL & ~c->suite,
				      &s) ?:
		      clonedev_login(c->t, CLONEDEV_ROLE_CO, CO);
	/* Objects of its own, which every run must leave alone. */
	if (!ret)
		ret = clonedev_object_generate(c->t, CLONEDEV_KEY_AES, 128, 0,
					       "own", NULL, 0, &h) ?:
		      clonedev_object_create(c->t, 0, "own-data", NULL, 0,
					     "mine", 4, &h);
	return ret;
}

static void add_combo(const char *name, unsigned int proto,
		      unsigned int suite, unsigned int level)
{
	combos[n_combos++] = (struct combo){ .name = name, .proto = proto,
					     .suite = suite, .level = level };
}

int main(int argc, char **argv)
{
	unsigned long runs = argc > 1 ? strtoul(argv[1], NULL, 10) : 300;
	const char *seed_env = getenv("CLONE_FUZZ_SEED");
	struct clonedev_hsm_info info;
	struct clonedev_nl *nl;
	struct timespec t0, t1;
	unsigned long i, bad;
	unsigned long long seed;
	unsigned int k, j;
	double secs;
	int ret;

	if (argc > 2 || (argc > 1 && !runs)) {
		fprintf(stderr, "usage: clone_fuzz_test [RUNS]\n");
		return 2;
	}
	seed = seed_env && *seed_env ? strtoull(seed_env, NULL, 0) :
	       (unsigned long long)time(NULL) ^
	       (unsigned long long)getpid() << 32;
	rng = seed ? seed : 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n1..6\n");
	printf("# clone_fuzz: seed %llu (CLONE_FUZZ_SEED=%llu repeats the choices)\n",
	       seed, seed);

	ret = clonedev_nl_open(&nl) ?: delete_partitions(nl) ?:
	      clonedev_open(&src) ?: clonedev_hsm_info(src, &info);
	if (ret) {
		printf("Bail out! the HSM: %s\n", strerror(-ret));
		return 1;
	}
	clonedev_close(src);
	if (info.protocols & CLONEDEV_PROTO_CPV4) {
		if (info.suites & CLONEDEV_SUITE_P384_AES256GCM)
			add_combo("CPv4 p384-aes256gcm", CLONEDEV_PROTO_CPV4,
				  CLONEDEV_SUITE_P384_AES256GCM,
				  CLONEDEV_LEVEL_CURRENT);
		if (info.suites & CLONEDEV_SUITE_P256_AES256GCM)
			add_combo("CPv4 p256-aes256gcm", CLONEDEV_PROTO_CPV4,
				  CLONEDEV_SUITE_P256_AES256GCM,
				  CLONEDEV_LEVEL_CURRENT);
		if ((info.suites & CLONEDEV_SUITE_X25519_CHACHA20POLY1305) &&
		    !(info.hsm_flags & CLONEDEV_HSM_FIPS))
			add_combo("CPv4 x25519-chacha20poly1305",
				  CLONEDEV_PROTO_CPV4,
				  CLONEDEV_SUITE_X25519_CHACHA20POLY1305,
				  CLONEDEV_LEVEL_CURRENT);
	}
	if (info.protocols & CLONEDEV_PROTO_CPV3)
		add_combo("CPv3", CLONEDEV_PROTO_CPV3, 0, CLONEDEV_LEVEL_V3);
	if ((info.protocols & CLONEDEV_PROTO_CPV1) &&
	    !(info.hsm_flags & CLONEDEV_HSM_FIPS))
		add_combo("CPv1", CLONEDEV_PROTO_CPV1, 0,
			  CLONEDEV_LEVEL_LEGACY);

	ret = make_partition(nl, "fuzz-source", CLONEDEV_LEVEL_CURRENT, &src,
			     &k) ?:
	      clonedev_object_generate(src, CLONEDEV_KEY_AES, 256, 0, "aes",
				       "\x01", 1, &handles[0]) ?:
	      clonedev_object_generate_pair(src, CLONEDEV_KEY_EC_P256, 0, "ec",
					    "\x02", 1, &handles[1],
					    &handles[2]) ?:
	      clonedev_object_create(src, 0, "data", NULL, 0, "payload", 7,
				     &handles[3]);
	for (k = 0; k < n_combos && !ret; k++)
		ret = setup_combo(nl, &combos[k]);
	for (k = 0; k < N_OBJ && !ret; k++) {
		struct clonedev_object_attrs a;

		ret = clonedev_object_get(src, handles[k], &a, NULL, 0, NULL);
		memcpy(obj_ouid[k], a.ouid, CLONEDEV_OUID_LEN);
		memcpy(obj_kcv[k], a.kcv, CLONEDEV_KCV_LEN);
	}
	if (!ret)
		ret = list_objects(src, &src_list);
	if (ret) {
		printf("Bail out! setting up the partitions: %s\n",
		       strerror(-ret));
		return 1;
	}

	/* Genuine transcripts of every combination. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	bad = 0;
	for (k = 0; k < n_combos; k++)
		for (j = 0; j < POOL; j++) {
			if (clean_run(&combos[k], &combos[k].pool[j], 0))
				bad++;
			else
				combos[k].n_pool++;
		}
	printf("%s 1 - genuine clones of %u protocol/suite combinations succeed and copy the source's objects\n",
	       bad ? "not ok" : "ok", n_combos);
	for (k = 0; k < n_combos; k++)
		printf("# %s: %u flights a clone\n", combos[k].name,
		       combos[k].pool[0].n);
	if (bad) {
		printf("Bail out! no transcript to mutate\n");
		return 1;
	}

	for (i = 0; i < runs; i++)
		if (mutated_run(&combos[i % n_combos])) {
			printf("Bail out! logging in again failed\n");
			return 1;
		}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

	printf("%s 2 - every mutated run ends in an error the protocol gives\n",
	       n_bad_error + n_completed ? "not ok" : "ok");
	printf("%s 3 - no side accepts a changed message it authenticates\n",
	       n_accepted ? "not ok" : "ok");
	printf("%s 4 - the target stores nothing but what it genuinely answered\n",
	       n_stored ? "not ok" : "ok");
	printf("%s 5 - the source is unchanged and no ioctl fails\n",
	       n_source_changed + n_bad_errno ? "not ok" : "ok");
	printf("%s 6 - a clean clone succeeds after failed ones (%lu clean runs)\n",
	       n_clean_failed ? "not ok" : "ok", n_clean);
	for (k = 0; k < M_COUNT; k++)
		printf("# %-34s %lu runs\n", m_names[k], by_op[k]);
	printf("# errors seen:");
	for (k = 1; k <= CLONEDEV_CLONE_E_ABORTED; k++)
		printf(" %s %lu%s", e_names[k], by_error[k],
		       k < CLONEDEV_CLONE_E_ABORTED ? "," : "\n");
	printf("# objects stored from genuine messages answered before a change: %lu\n",
	       n_kept);
	printf("# mutated runs onto a target holding copies, with CLONEDEV_CLONE_REPLACE: %lu\n",
	       n_replace);
	printf("# clone_fuzz: %lu runs (%lu mutated, %lu excluded as unchanged) over %u protocol/suite combinations, %lu accepted, %lu stored\n",
	       n_runs, n_mutated, n_excluded, n_combos,
	       n_accepted + n_completed, n_stored);
	printf("# clone_fuzz: %.1f s, %.2f runs/s\n", secs,
	       secs > 0 ? (double)n_runs / secs : 0.0);

	for (k = 0; k < n_combos; k++)
		clonedev_close(combos[k].t);
	clonedev_close(src);
	delete_partitions(nl);
	clonedev_nl_close(nl);
	return n_bad_error + n_completed + n_accepted + n_stored +
	       n_source_changed + n_bad_errno + n_clean_failed ? 1 : 0;
}
