// SPDX-License-Identifier: GPL-2.0
/*
 * A session's state for using keys (CLONEDEV_IOCTL_CRYPT, _DERIVE, _WRAP
 * and _UNWRAP): its key cache (keycache.c) and its multi-part operation
 * (crypt.c), made at first use and wiped at logout, at slot selection and
 * when the session ends.
 */
#include <linux/lockdep.h>
#include <linux/slab.h>

#include "ops.h"
#include "session.h"

/* Wipes the operation and every key. */
static void ops_reset(struct cld_ops *ops)
{
	cld_crypt_wipe(&ops->crypt);
	cld_keycache_wipe(&ops->keys);
}

/* Called when the session ends: nothing else can reach @ops. */
void cld_ops_free(struct cld_ops *ops)
{
	if (!ops)
		return;
	ops_reset(ops);
	kfree(ops);
}

/* Called by logout and slot selection. Must hold cld_session.lock. */
void cld_ops_forget(struct cld_session *s)
{
	lockdep_assert_held(&s->lock);
	if (s->ops)
		ops_reset(s->ops);
}
