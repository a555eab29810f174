/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Using keys: a session's state for CLONEDEV_IOCTL_CRYPT, _DERIVE, _WRAP
 * and _UNWRAP, its key cache and its one multi-part operation, in a
 * struct cld_ops under cld_session.lock. The ioctls are in crypt.h
 * (CRYPT) and keyops.h (DERIVE, WRAP, UNWRAP, RANDOM).
 */
#ifndef _CLD_OPS_H
#define _CLD_OPS_H

#include <linux/lockdep.h>
#include <linux/slab.h>

#include "crypt.h"
#include "keycache.h"
#include "keyops.h"
#include "session.h"

/* Protected by cld_session.lock. */
struct cld_ops {
	struct cld_keycache keys;
	struct cld_crypt crypt;
};

void cld_ops_free(struct cld_ops *ops);
void cld_ops_forget(struct cld_session *s);

/*
 * The session's state, made at first use. Must hold s->lock. Inline, so
 * that the key cache and the operation, which ops.c wipes, can reach it
 * without calling up into ops.c.
 */
static inline struct cld_ops *cld_ops_get(struct cld_session *s)
{
	lockdep_assert_held(&s->lock);
	if (!s->ops) {
		s->ops = kzalloc(sizeof(*s->ops), GFP_KERNEL);
		if (s->ops)
			cld_keycache_init(&s->ops->keys);
	}
	return s->ops;
}

#endif /* _CLD_OPS_H */
