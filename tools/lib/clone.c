// SPDX-License-Identifier: GPL-2.0
/*
 * libclonedev: the relay that joins a clone's two sessions. It only
 * carries messages: each side's kernel decides everything, so the same
 * loop works whatever carries the target's messages.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libclonedev.h"

/* One operation on @cd with @in as input; the answer goes to @out. */
static int op(struct clonedev *cd, struct clonedev_clone *c, unsigned int what,
	      const unsigned char *in, unsigned int in_len, unsigned char *out)
{
	unsigned int count = c->count;
	__u64 handles = c->handles;

	memset(c, 0, sizeof(*c));
	c->op = what;
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

/* Lets the relay's hook see (and, in tests, change) a message. */
static void pass(const struct clonedev_clone_relay *r, int to_target,
		 unsigned char *msg, unsigned int *len)
{
	if (r && r->tamper)
		r->tamper(r->arg, to_target, msg, len);
}

int clonedev_clone(struct clonedev *src, struct clonedev *dst,
		   const unsigned int *handles, unsigned int count,
		   const struct clonedev_clone_relay *relay,
		   struct clonedev_clone *result)
{
	unsigned char *a = malloc(CLONEDEV_CLONE_MSG_MAX);
	unsigned char *b = malloc(CLONEDEV_CLONE_MSG_MAX);
	struct clonedev_clone s = { 0 }, t = { 0 };
	unsigned int len;
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
	len = s.out_len;
	pass(relay, 1, a, &len);
	ret = op(dst, &t, CLONEDEV_CLONE_TARGET, a, len, b);
	if (ret)
		goto abort_source;
	for (;;) {
		/* The target's answer (or its ERROR) to the source. */
		len = t.out_len;
		if (!len) {
			/* Nothing to carry back: the source cannot go on. */
			op(src, &s, CLONEDEV_CLONE_ABORT, NULL, 0, a);
			break;
		}
		pass(relay, 0, b, &len);
		ret = op(src, &s, CLONEDEV_CLONE_STEP, b, len, a);
		if (ret)
			goto abort_target;
		if (relay && relay->progress && s.has_result)
			relay->progress(relay->arg, &s);
		if (s.state != CLONEDEV_CLONE_RUNNING || t.state !=
		    CLONEDEV_CLONE_RUNNING) {
			/* The target has finished or failed: so has the source. */
			if (t.state == CLONEDEV_CLONE_RUNNING && s.out_len) {
				len = s.out_len;
				pass(relay, 1, a, &len);
				op(dst, &t, CLONEDEV_CLONE_STEP, a, len, b);
			}
			break;
		}
		len = s.out_len;
		pass(relay, 1, a, &len);
		ret = op(dst, &t, CLONEDEV_CLONE_STEP, a, len, b);
		if (ret)
			goto abort_source;
	}
	*result = s;
	if (s.state == CLONEDEV_CLONE_RUNNING)
		result->state = CLONEDEV_CLONE_FAILED;
	if (result->state == CLONEDEV_CLONE_FAILED && !result->error)
		result->error = t.error ?: CLONEDEV_CLONE_E_UNEXPECTED;
	ret = result->state == CLONEDEV_CLONE_DONE ? 0 : -EPROTO;
	goto out;
abort_target:
	op(dst, &t, CLONEDEV_CLONE_ABORT, NULL, 0, b);
	goto out;
abort_source:
	op(src, &s, CLONEDEV_CLONE_ABORT, NULL, 0, a);
out:
	if (a)
		explicit_bzero(a, CLONEDEV_CLONE_MSG_MAX);
	if (b)
		explicit_bzero(b, CLONEDEV_CLONE_MSG_MAX);
	free(a);
	free(b);
	return ret;
}
