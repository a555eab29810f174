/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sessions: one per open file of /dev/clonedev, holding the selected slot
 * and the role logged in. Lock order: cld_session.lock, then cld_hsm.lock.
 */
#ifndef _CLD_SESSION_H
#define _CLD_SESSION_H

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
	struct cld_clone *clone;	/* the session's clone, if any */
	struct cld_ops *ops;		/* keys in use (kmod/ops.c) */
};

struct cld_partition;

struct cld_session *cld_session_alloc(void);
struct cld_partition *cld_session_partition(struct cld_session *s);
bool cld_session_is(const struct cld_session *s,
		    const struct cld_partition *p, u32 role);
void cld_session_free(struct cld_session *s);

int cld_session_info(struct cld_session *s, void *cmd);
int cld_session_slot_set(struct cld_session *s, void *cmd);
int cld_session_partition_init(struct cld_session *s, void *cmd);
int cld_session_login(struct cld_session *s, void *cmd);
int cld_session_logout(struct cld_session *s, void *cmd);
int cld_session_role_init(struct cld_session *s, void *cmd);
int cld_session_changepw(struct cld_session *s, void *cmd);
int cld_session_role_challenge(struct cld_session *s, void *cmd);
int cld_session_activation(struct cld_session *s, void *cmd);

#endif /* _CLD_SESSION_H */
