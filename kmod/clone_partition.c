// SPDX-License-Identifier: GPL-2.0
/*
 * What a clone (CLONEDEV_IOCTL_CLONE) needs from its partition: the offer
 * it makes and the choice between two offers, the chosen domain's secret,
 * the policy on each object and on replacing one, the count of failed
 * handshakes, and the objects a SOURCE request names.
 */
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "clone_priv.h"
#include "hsm.h"
#include "object.h"
#include "partition.h"
#include "policy.h"
#include "session.h"

/* The protocols and suites @p may use, and whether it is in FIPS mode. */
void cld_clone_make_offer(const struct cld_partition *p,
			  struct cld_clone_offer *o)
{
	u32 i;

	memset(o, 0, sizeof(*o));
	o->serial = p->serial;
	o->window = CLONEDEV_CLONE_WINDOW_MAX;
	o->fips = cld_hsm.fips || !cld_policy(p, CLONEDEV_POLICY_NON_FIPS);
	switch (p->protocol_level) {
	case CLONEDEV_LEVEL_LEGACY:
		o->protocols = CLONEDEV_PROTO_CPV1;
		break;
	case CLONEDEV_LEVEL_V3:
		o->protocols = CLONEDEV_PROTO_CPV1 | CLONEDEV_PROTO_CPV3;
		break;
	default:
		o->protocols = CLD_PROTOCOLS;
	}
	if (cld_policy(p, CLONEDEV_POLICY_CPV1))
		o->protocols &= CLONEDEV_PROTO_CPV1;
	if (o->fips)
		o->protocols &= ~CLONEDEV_PROTO_CPV1;
	o->suites = cld_policy_suites(p);
	if (!o->suites)
		o->protocols &= ~CLONEDEV_PROTO_CPV4;
	if (!(o->protocols & CLONEDEV_PROTO_CPV4))
		o->suites = 0;
	o->n_domains = p->n_domains;
	for (i = 0; i < p->n_domains; i++)
		memcpy(o->label[i], p->domains[i].label,
		       strnlen(p->domains[i].label, CLD_LABEL_MAX));
	o->slot_size = CLD_WIRE_CPV1_SLOT;
}

/*
 * The choice both sides make from the two offers (the source's @s, the
 * target's @t): the domain (an index into @s->fp), the protocol and the
 * suite. Domains match by label, exactly. Return: 0 or an enum
 * clonedev_clone_error.
 */
u32 cld_clone_choose(const struct cld_clone_offer *s,
		     const struct cld_clone_offer *t, u32 *dom, u32 *proto,
		     u32 *suite)
{
	u32 i, j, common, sc;

	*dom = U32_MAX;
	for (i = 0; i < s->n_domains && *dom == U32_MAX; i++)
		for (j = 0; j < t->n_domains; j++)
			if (!memcmp(s->label[i], t->label[j], CLD_LABEL_MAX)) {
				*dom = i;
				break;
			}
	if (*dom == U32_MAX)
		return CLONEDEV_CLONE_E_DOMAIN;
	if (s->fips && !t->fips)
		return CLONEDEV_CLONE_E_FIPS;
	common = s->protocols & t->protocols;
	sc = s->suites & t->suites;
	if (!sc)
		common &= ~CLONEDEV_PROTO_CPV4;
	if (!common)
		return CLONEDEV_CLONE_E_PROTOCOL;
	*proto = 1U << __fls(common);
	*suite = *proto == CLONEDEV_PROTO_CPV4 ? 1U << __ffs(sc) : 0;
	return 0;
}

/* Whether policy (0, 4) and @role let @o be cloned from or to @p. */
bool cld_clone_may_clone(const struct cld_partition *p, u32 role,
			 const struct cld_object *o)
{
	if (role != CLONEDEV_ROLE_CO && (o->flags & CLONEDEV_OBJ_PRIVATE))
		return false;
	if (o->obj_class == CLONEDEV_CLASS_PRIVATE_KEY)
		return cld_policy(p, CLONEDEV_POLICY_PRIVATE_CLONING);
	if (o->obj_class == CLONEDEV_CLASS_SECRET_KEY)
		return cld_policy(p, CLONEDEV_POLICY_SECRET_CLONING);
	return true;
}

/*
 * Whether a target with CLONEDEV_CLONE_REPLACE may replace objects of
 * @p: a replacement destroys the object it replaces, so policy 28 rules.
 */
bool cld_clone_may_replace(const struct cld_partition *p)
{
	return cld_policy(p, CLONEDEV_POLICY_KEY_MANAGEMENT);
}

/*
 * What a target does with an object @o it received, before storing it:
 * CLONEDEV_CLONE_OBJ_FAILED if @have (the object @p holds under @o's OUID,
 * or NULL) differs in class, key type or KCV (a clash);
 * CLONEDEV_CLONE_SKIPPED if @have is there and not to be replaced (its
 * handle into @handle); CLONEDEV_CLONE_REFUSED if policy refuses @o to
 * @role, or @have's replacement (@replace: CLONEDEV_CLONE_REPLACE) to @p;
 * else CLONEDEV_CLONE_COPIED: store it, in @have's place if @have. Must
 * hold cld_hsm.lock.
 */
u32 cld_clone_admit(const struct cld_partition *p, u32 role,
		    const struct cld_object *have, const struct cld_object *o,
		    bool replace, u32 *handle)
{
	lockdep_assert_held(&cld_hsm.lock);
	if (have && (have->obj_class != o->obj_class ||
		     have->key_type != o->key_type ||
		     memcmp(have->kcv, o->kcv, CLONEDEV_KCV_LEN)))
		return CLONEDEV_CLONE_OBJ_FAILED;
	if (have && !replace) {
		*handle = have->handle;
		return CLONEDEV_CLONE_SKIPPED;
	}
	if (!cld_clone_may_clone(p, role, o) ||
	    (have && !cld_clone_may_replace(p)))
		return CLONEDEV_CLONE_REFUSED;
	return CLONEDEV_CLONE_COPIED;
}

/*
 * The partition the clone runs on, if the session still holds the role.
 * Must hold cld_hsm.lock.
 */
struct cld_partition *cld_clone_partition(struct cld_session *s,
					  struct cld_clone *c)
{
	struct cld_partition *p;

	lockdep_assert_held(&cld_hsm.lock);
	p = cld_session_partition(s);
	if (!p || p->serial != c->serial || !cld_session_is(s, p, c->role))
		return NULL;
	return p;
}

/*
 * Copies the secret of @p's domain labelled @label (CLD_LABEL_MAX bytes,
 * NUL-padded) into the clone (c->domain_len stays 0 if @p has none).
 * Must hold cld_hsm.lock.
 */
void cld_clone_take_domain(struct cld_clone *c,
			   const struct cld_partition *p, const u8 *label)
{
	u8 mine[CLD_LABEL_MAX];
	u32 i;

	lockdep_assert_held(&cld_hsm.lock);
	for (i = 0; i < p->n_domains; i++) {
		memset(mine, 0, sizeof(mine));
		memcpy(mine, p->domains[i].label,
		       strnlen(p->domains[i].label, CLD_LABEL_MAX));
		if (memcmp(mine, label, sizeof(mine)))
			continue;
		c->domain_len = p->domains[i].len;
		memcpy(c->domain, p->domains[i].secret, c->domain_len);
		return;
	}
}

/*
 * A handshake's guess at the domain, counted on @p before it can be
 * tested (the source reserves one before CONFIRM leaves; the target
 * counts a MAC_S that fails). Must hold cld_hsm.lock.
 * Return: 0, or -EKEYREVOKED at the limit.
 */
int cld_clone_count_guess(struct cld_partition *p)
{
	lockdep_assert_held(&cld_hsm.lock);
	if (p->clone_failures >= CLONEDEV_CLONE_FAILURES_MAX)
		return -EKEYREVOKED;
	p->clone_failures++;
	/* Kept in memory even if the store fails: it fails closed. */
	cld_partition_persist(p);
	return 0;
}

/* A handshake that proved the domain clears @p's count. */
void cld_clone_clear_guesses(struct cld_partition *p)
{
	lockdep_assert_held(&cld_hsm.lock);
	if (!p->clone_failures)
		return;
	p->clone_failures = 0;
	cld_partition_persist(p);
}

/* The handles a SOURCE request names (all of them with count 0). */
int cld_clone_source_handles(struct cld_session *s, struct cld_clone *c,
			     const struct clonedev_clone *cmd)
{
	struct cld_partition *p;
	struct cld_object *o;
	unsigned long h;
	u32 i, n = 0;
	int ret = 0;

	if (cmd->count) {
		if (cmd->count > CLONEDEV_CLONE_HANDLES_MAX)
			return -E2BIG;
		c->handles = kvmalloc_array(cmd->count, sizeof(u32),
					    GFP_KERNEL);
		if (!c->handles)
			return -ENOMEM;
		if (copy_from_user(c->handles, u64_to_user_ptr(cmd->handles),
				   cmd->count * sizeof(u32)))
			return -EFAULT;
		c->total = cmd->count;
	}
	mutex_lock(&cld_hsm.lock);
	p = cld_clone_partition(s, c);
	if (!p) {
		ret = -EACCES;
		goto out;
	}
	if (cmd->count) {
		for (i = 0; i < c->total; i++)
			if (!xa_load(&p->objects, c->handles[i]))
				ret = -ENOENT;
		goto out;
	}
	c->handles = kvmalloc_array(p->object_count ?: 1, sizeof(u32),
				    GFP_KERNEL);
	if (!c->handles) {
		ret = -ENOMEM;
		goto out;
	}
	xa_for_each(&p->objects, h, o)
		c->handles[n++] = h;
	c->total = n;
out:
	mutex_unlock(&cld_hsm.lock);
	return ret;
}
