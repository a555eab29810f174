/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Using keys: a session's state for CLONEDEV_IOCTL_CRYPT, _DERIVE, _WRAP
 * and _UNWRAP, its key cache and its one multi-part operation, in a
 * struct cld_ops under cld_session.lock. The ioctls are in crypt.h
 * (CRYPT) and keyops.h (DERIVE, WRAP, UNWRAP, RANDOM).
 */
#ifndef _CLD_OPS_H
#define _CLD_OPS_H

#include "crypt.h"
#include "keycache.h"
#include "keyops.h"

struct cld_session;

/* Protected by cld_session.lock. */
struct cld_ops {
	struct cld_keycache keys;
	struct cld_crypt crypt;
};

struct cld_ops *cld_ops_get(struct cld_session *s);
void cld_ops_free(struct cld_ops *ops);
void cld_ops_forget(struct cld_session *s);

#endif /* _CLD_OPS_H */
