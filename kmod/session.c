// SPDX-License-Identifier: GPL-2.0
/*
 * Sessions: one per open file of /dev/clonedev, holding the selected slot
 * and the role logged in, and the one check every request of the session
 * plane makes first: the session's partition, with one of the roles it
 * needs logged in (cld_session_partition_as()).
 */
#include <linux/slab.h>

#include "hsm.h"
#include "partition.h"
#include "session.h"

struct cld_session *cld_session_alloc(void)
{
	struct cld_session *s = kzalloc(sizeof(*s), GFP_KERNEL);

	if (s)
		mutex_init(&s->lock);
	return s;
}

/* The session's clone and keys are freed by their owners first. */
void cld_session_free(struct cld_session *s)
{
	mutex_destroy(&s->lock);
	kfree(s);
}

/* The session's partition, if it still exists. Must hold cld_hsm.lock. */
struct cld_partition *cld_session_partition(struct cld_session *s)
{
	lockdep_assert_held(&cld_hsm.lock);
	return s->slot ? cld_hsm_partition(s->slot, s->serial) : NULL;
}

/*
 * True if @s is logged in to @p (as any role), its login not ended by a
 * re-initialization or a new credential. Must hold cld_hsm.lock.
 */
bool cld_session_logged_in(const struct cld_session *s,
			   const struct cld_partition *p)
{
	lockdep_assert_held(&cld_hsm.lock);
	return s->role != CLONEDEV_ROLE_NONE && p->generation == s->generation &&
	       p->role_gen[s->role] == s->role_gen;
}

/* True if @s is logged in to @p as @role. Must hold cld_hsm.lock. */
bool cld_session_is(const struct cld_session *s,
		    const struct cld_partition *p, u32 role)
{
	lockdep_assert_held(&cld_hsm.lock);
	return cld_session_logged_in(s, p) && s->role == role;
}

/**
 * cld_session_partition_as() - the session's partition, for a request
 * @s: the session
 * @roles: the roles that may make the request (CLD_ROLE_BIT() of each),
 *	or 0 for a request that needs no login
 *
 * Must hold s->lock and cld_hsm.lock.
 *
 * Return: the partition; ERR_PTR(-ENODEV) if no slot is selected or its
 * partition is gone; ERR_PTR(-EACCES) if none of @roles is logged in.
 */
struct cld_partition *cld_session_partition_as(struct cld_session *s,
					       u32 roles)
{
	struct cld_partition *p;

	lockdep_assert_held(&cld_hsm.lock);
	lockdep_assert_held(&s->lock);
	p = cld_session_partition(s);
	if (!p)
		return ERR_PTR(-ENODEV);
	if (roles && !(cld_session_logged_in(s, p) &&
		       (roles & CLD_ROLE_BIT(s->role))))
		return ERR_PTR(-EACCES);
	return p;
}
