// SPDX-License-Identifier: GPL-2.0
/*
 * libclonedev: the relay that joins a clone's two sessions. It only
 * carries messages: each side's kernel decides everything, so the same
 * loop works whatever carries the target's messages.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libclonedev.h"

/*
 * One operation on @cd with @in as input; the answer goes to @out. A
 * SOURCE keeps the handles set in @c, a TARGET the flags, a STEP the
 * results array.
 */
static int op(struct clonedev *cd, struct clonedev_clone *c, unsigned int what,
	      const unsigned char *in, unsigned int in_len, unsigned char *out)
{
	unsigned int count = c->count, flags = c->flags;
	unsigned int cap = c->results_cap;
	__u64 handles = c->handles, results = c->results;

	memset(c, 0, sizeof(*c));
	if (what == CLONEDEV_CLONE_STEP) {
		c->results = results;
		c->results_cap = cap;
	}
	c->op = what;
	if (what == CLONEDEV_CLONE_TARGET)
		c->flags = flags;
	if (what == CLONEDEV_CLONE_SOURCE) {
		c->count = count;
		c->handles = handles;
	}
	c->in = (uintptr_t)in;
	c->in_len = in_len;
	c->out = (uintptr_t)out;
	c->out_cap = CLONEDEV_CLONE_MSG_MAX;
	return clonedev_clone_op(cd, c);
}

/* Frees two message buffers (either may be NULL), wiped first. */
static void free_buffers(unsigned char *a, unsigned char *b)
{
	if (a)
		explicit_bzero(a, CLONEDEV_CLONE_MSG_MAX);
	if (b)
		explicit_bzero(b, CLONEDEV_CLONE_MSG_MAX);
	free(a);
	free(b);
}

/* Lets the relay's hook see (and, in tests, change) a message, if any. */
static void pass(const struct clonedev_clone_relay *r, int to_target,
		 unsigned char *msg, unsigned int *len)
{
	if (*len && r && r->tamper)
		r->tamper(r->arg, to_target, msg, len);
}

/*
 * The target as the source's relay sees it: something that takes a
 * message and (if @reply) gives the answer. A local session or a pipe.
 */
struct target {
	int (*send)(struct target *t, unsigned char *msg, unsigned int len,
		    unsigned char *reply, unsigned int *reply_len);
	struct clonedev *cd;		/* local */
	struct clonedev_clone st;	/* local */
	unsigned int flags;		/* local: its TARGET's */
	int to, from;			/* pipe */
};

static int local_send(struct target *t, unsigned char *msg, unsigned int len,
		      unsigned char *reply, unsigned int *reply_len)
{
	unsigned char spare[CLONEDEV_CLONE_MSG_MAX];
	unsigned int what = t->st.state ? CLONEDEV_CLONE_STEP :
			    CLONEDEV_CLONE_TARGET;
	int ret;

	/* The kernel writes the answer at reply (or spare, if unwanted). */
	t->st.flags = what == CLONEDEV_CLONE_TARGET ? t->flags : 0;
	// cppcheck-suppress constParameter
	ret = op(t->cd, &t->st, what, msg, len, reply ? reply : spare);
	explicit_bzero(spare, sizeof(spare));
	if (!ret && reply_len)
		*reply_len = t->st.out_len;
	return ret;
}

static int full_io(int fd, void *buf, size_t len, bool out)
{
	unsigned char *p = buf;

	while (len) {
		ssize_t n = out ? write(fd, p, len) : read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int clonedev_msg_write(int fd, const unsigned char *msg, unsigned int len)
{
	unsigned char hdr[4] = { len >> 24, len >> 16, len >> 8, len };

	return full_io(fd, hdr, 4, true) ?:
	       (len ? full_io(fd, (void *)msg, len, true) : 0);
}

int clonedev_msg_read(int fd, unsigned char *msg, unsigned int *len)
{
	unsigned char hdr[4];
	unsigned int n;
	int ret;

	ret = full_io(fd, hdr, 4, false);
	if (ret)
		return ret;
	n = (unsigned int)hdr[0] << 24 | hdr[1] << 16 | hdr[2] << 8 | hdr[3];
	if (n > CLONEDEV_CLONE_MSG_MAX)
		return -EMSGSIZE;
	*len = n;
	return n ? full_io(fd, msg, n, false) : 0;
}

static int pipe_send(struct target *t, unsigned char *msg, unsigned int len,
		     unsigned char *reply, unsigned int *reply_len)
{
	int ret = clonedev_msg_write(t->to, msg, len);

	if (ret || !reply)
		return ret;
	return clonedev_msg_read(t->from, reply, reply_len);
}

/*
 * The progress hook once for each result a step learned (a CPv4 flight
 * brings several), each with the counts as they were after it.
 */
static void report_results(const struct clonedev_clone_relay *relay,
			   const struct clonedev_clone *s,
			   const struct clonedev_clone_result *res)
{
	struct clonedev_clone one = *s;
	unsigned int j, k, n = s->n_results;

	if (!n) {
		relay->progress(relay->arg, s);
		return;
	}
	for (j = 0; j < n; j++) {
		one.copied = s->copied;
		one.skipped = s->skipped;
		one.refused = s->refused;
		one.failed = s->failed;
		/* Take back the ones after j from the counts. */
		for (k = j + 1; k < n; k++)
			switch (res[k].status) {
			case CLONEDEV_CLONE_COPIED:
				one.copied--;
				break;
			case CLONEDEV_CLONE_SKIPPED:
				one.skipped--;
				break;
			case CLONEDEV_CLONE_REFUSED:
				one.refused--;
				break;
			default:
				one.failed--;
			}
		one.result_handle = res[j].handle;
		one.result_status = res[j].status;
		one.result_target = res[j].target;
		relay->progress(relay->arg, &one);
	}
}

/* The relay loop, driven by the source's state alone. */
static int relay_loop(struct clonedev *src, struct target *tg,
		      const unsigned int *handles, unsigned int count,
		      const struct clonedev_clone_relay *relay,
		      struct clonedev_clone *result)
{
	unsigned char *a = malloc(CLONEDEV_CLONE_MSG_MAX);
	unsigned char *b = malloc(CLONEDEV_CLONE_MSG_MAX);
	struct clonedev_clone_result res[CLONEDEV_CLONE_WINDOW_MAX];
	struct clonedev_clone s = { 0 };
	unsigned int len, blen = 0;
	int ret;

	memset(result, 0, sizeof(*result));
	if (!a || !b) {
		ret = -ENOMEM;
		goto out;
	}
	s.count = count;
	s.handles = (uintptr_t)handles;
	ret = op(src, &s, CLONEDEV_CLONE_SOURCE, NULL, 0, a);
	if (ret)
		goto out;
	for (;;) {
		len = s.out_len;
		pass(relay, 1, a, &len);
		if (s.state != CLONEDEV_CLONE_RUNNING) {
			/* A last word (an ERROR) for the target, if any. */
			if (len)
				tg->send(tg, a, len, NULL, NULL);
			break;
		}
		ret = tg->send(tg, a, len, b, &blen);
		if (ret || !blen) {
			/* The target went away: the source ends too. */
			op(src, &s, CLONEDEV_CLONE_ABORT, NULL, 0, a);
			ret = ret ?: -EPIPE;
			goto out;
		}
		pass(relay, 0, b, &blen);
		s.results = (uintptr_t)res;
		s.results_cap = CLONEDEV_CLONE_WINDOW_MAX;
		ret = op(src, &s, CLONEDEV_CLONE_STEP, b, blen, a);
		if (ret) {
			tg->send(tg, NULL, 0, NULL, NULL);
			goto out;
		}
		if (relay && relay->progress && s.has_result)
			report_results(relay, &s, res);
	}
	*result = s;
	if (result->state == CLONEDEV_CLONE_FAILED && !result->error)
		result->error = CLONEDEV_CLONE_E_UNEXPECTED;
	ret = result->state == CLONEDEV_CLONE_DONE ? 0 : -EPROTO;
out:
	free_buffers(a, b);
	return ret;
}

int clonedev_clone(struct clonedev *src, struct clonedev *dst,
		   const unsigned int *handles, unsigned int count,
		   const struct clonedev_clone_relay *relay,
		   struct clonedev_clone *result)
{
	struct target t = { .send = local_send, .cd = dst,
			    .flags = relay ? relay->target_flags : 0 };
	int ret;

	ret = relay_loop(src, &t, handles, count, relay, result);
	/* A target still running (the source failed first) is ended. */
	if (t.st.state == CLONEDEV_CLONE_RUNNING)
		op(dst, &t.st, CLONEDEV_CLONE_ABORT, NULL, 0, NULL);
	return ret;
}

int clonedev_clone_pipe(struct clonedev *src, int to, int from,
			const unsigned int *handles, unsigned int count,
			const struct clonedev_clone_relay *relay,
			struct clonedev_clone *result)
{
	struct target t = { .send = pipe_send, .to = to, .from = from };
	int ret;

	ret = relay_loop(src, &t, handles, count, relay, result);
	/* The end of the exchange. */
	clonedev_msg_write(to, NULL, 0);
	return ret;
}

/*
 * The source ends the exchange with a length of 0 (or by closing); the
 * target waits for it, so a relay never writes into a closed pipe.
 */
static void drain(int fd, unsigned char *buf)
{
	unsigned int len;

	for (;;)
		if (clonedev_msg_read(fd, buf, &len) || !len)
			return;
}

int clonedev_clone_serve(struct clonedev *cd, int in, int out,
			 struct clonedev_clone *result)
{
	unsigned char *a = malloc(CLONEDEV_CLONE_MSG_MAX);
	unsigned char *b = malloc(CLONEDEV_CLONE_MSG_MAX);
	struct clonedev_clone t = { 0 };
	unsigned int len;
	int ret = -ENOMEM;

	memset(result, 0, sizeof(*result));
	if (!a || !b)
		goto out;
	for (;;) {
		ret = clonedev_msg_read(in, a, &len);
		if (!ret && !len)
			ret = -EPIPE;	/* the exchange ended before the clone */
		if (ret) {
			if (t.state == CLONEDEV_CLONE_RUNNING)
				op(cd, &t, CLONEDEV_CLONE_ABORT, NULL, 0, b);
			break;
		}
		ret = op(cd, &t, t.state ? CLONEDEV_CLONE_STEP :
			 CLONEDEV_CLONE_TARGET, a, len, b);
		if (ret) {
			clonedev_msg_write(out, NULL, 0);
			break;
		}
		ret = clonedev_msg_write(out, b, t.out_len);
		if (ret)
			break;
		if (t.state != CLONEDEV_CLONE_RUNNING) {
			drain(in, a);
			break;
		}
	}
	*result = t;
	if (!ret && t.state != CLONEDEV_CLONE_DONE)
		ret = -EPROTO;
out:
	free_buffers(a, b);
	return ret;
}
