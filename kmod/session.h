/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sessions: one per open file of /dev/clonedev, holding the selected slot
 * and the role logged in. The lock order is in hsm.h.
 */
#ifndef _CLD_SESSION_H
#define _CLD_SESSION_H

#include <linux/bits.h>
#include <linux/mutex.h>
#include <linux/types.h>

struct cld_session {
	/* Serialises the session's requests; protects the fields below. */
	struct mutex lock;
	u32 slot;		/* 0: none selected */
	u64 serial;		/* the selected partition's serial */
	u32 role;		/* enum clonedev_role */
	u64 generation;		/* the partition's generation at login */
	u64 role_gen;		/* the role's credential generation then */
	struct cld_clone *clone;	/* the session's clone (kmod/clone.c) */
	struct cld_ops *ops;		/* keys in use (kmod/ops.c) */
	struct cld_ped *ped;		/* remote PED channel (kmod/ped.c) */
};

/* A role in the @roles mask of cld_session_partition_as(). */
#define CLD_ROLE_BIT(role)	BIT(role)

struct cld_partition;

struct cld_session *cld_session_alloc(void);
void cld_session_free(struct cld_session *s);
struct cld_partition *cld_session_partition(struct cld_session *s);
bool cld_session_logged_in(const struct cld_session *s,
			   const struct cld_partition *p);
bool cld_session_is(const struct cld_session *s,
		    const struct cld_partition *p, u32 role);
struct cld_partition *cld_session_partition_as(struct cld_session *s,
					       u32 roles);

#endif /* _CLD_SESSION_H */
