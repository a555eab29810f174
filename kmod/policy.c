// SPDX-License-Identifier: GPL-2.0
/*
 * Partition policies (CLONEDEV_IOCTL_POLICY_GET / _SET): one table holds
 * every policy's number, default, range and whether turning it on is
 * destructive; a partition keeps its values in table order.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "hsm.h"
#include "partition.h"
#include "policy.h"
#include "session.h"

struct policy_def {
	u32 id;
	u32 def;
	u32 min;
	u32 max;
	bool destructive_on;
};

static const struct policy_def defs[CLONEDEV_POLICY_COUNT] = {
	{ CLONEDEV_POLICY_PRIVATE_CLONING, 1, 0, 1, false },
	{ CLONEDEV_POLICY_PRIVATE_WRAPPING, 0, 0, 1, true },
	{ CLONEDEV_POLICY_SECRET_CLONING, 1, 0, 1, false },
	{ CLONEDEV_POLICY_SECRET_WRAPPING, 1, 0, 1, false },
	{ CLONEDEV_POLICY_MAX_FAILED_LOGINS, 10, 1, 10, false },
	{ CLONEDEV_POLICY_ACTIVATION, 0, 0, 1, false },
	{ CLONEDEV_POLICY_KEY_MANAGEMENT, 1, 0, 1, false },
	{ CLONEDEV_POLICY_CPV1, 0, 0, 1, true },
	{ CLONEDEV_POLICY_NON_FIPS, 1, 0, 1, false },
	{ CLONEDEV_POLICY_EXTENDED_DOMAINS, 0, 0, 1, false },
};

static int index_of(u32 id)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(defs); i++)
		if (defs[i].id == id)
			return i;
	return -1;
}

void cld_policy_defaults(u32 *values)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(defs); i++)
		values[i] = defs[i].def;
}

u32 cld_policy(const struct cld_partition *p, u32 id)
{
	int i = index_of(id);

	return WARN_ON(i < 0) ? 0 : p->policies[i];
}

/* The rules that tie policies together, checked on a complete set. */
static bool consistent(const u32 *v, const struct cld_partition *p)
{
	if (v[index_of(CLONEDEV_POLICY_PRIVATE_CLONING)] &&
	    v[index_of(CLONEDEV_POLICY_PRIVATE_WRAPPING)])
		return false;
	if (!v[index_of(CLONEDEV_POLICY_EXTENDED_DOMAINS)] && p->n_domains > 1)
		return false;
	return true;
}

int cld_session_policy_get(struct cld_session *s, void *arg)
{
	struct clonedev_policy_get *cmd = arg;
	struct cld_partition *p;
	int i, ret = 0;

	if (cmd->flags)
		return -EOPNOTSUPP;
	if (cmd->__reserved)
		return -EINVAL;
	mutex_lock(&s->lock);
	mutex_lock(&cld_hsm.lock);
	p = cld_session_partition(s);
	if (!p) {
		ret = -ENODEV;
		goto out;
	}
	cmd->count = ARRAY_SIZE(defs);
	for (i = 0; i < ARRAY_SIZE(defs); i++) {
		struct clonedev_policy_entry *e = &cmd->entries[i];

		e->id = defs[i].id;
		e->value = p->policies[i];
		e->default_value = defs[i].def;
		e->min = defs[i].min;
		e->max = defs[i].max;
		e->policy_flags = defs[i].destructive_on ?
				  CLONEDEV_POLICY_DESTRUCTIVE_ON : 0;
	}
out:
	mutex_unlock(&cld_hsm.lock);
	mutex_unlock(&s->lock);
	return ret;
}

int cld_session_policy_set(struct cld_session *s, void *arg)
{
	struct clonedev_policy_set *cmd = arg;
	struct clonedev_policy_change *ch;
	u32 v[CLONEDEV_POLICY_COUNT], old[CLONEDEV_POLICY_COUNT];
	struct cld_partition *p;
	bool destructive = false, seen[CLONEDEV_POLICY_COUNT] = {};
	u32 i;
	int ret;

	if (cmd->flags & ~CLONEDEV_POLICY_SET_FORCE)
		return -EOPNOTSUPP;
	if (cmd->__reserved || !cmd->count ||
	    cmd->count > CLONEDEV_POLICY_SET_MAX)
		return -EINVAL;
	ch = memdup_user(u64_to_user_ptr(cmd->changes),
			 cmd->count * sizeof(*ch));
	if (IS_ERR(ch))
		return PTR_ERR(ch);

	mutex_lock(&s->lock);
	mutex_lock(&cld_hsm.lock);
	p = cld_session_partition(s);
	if (!p) {
		ret = -ENODEV;
		goto out;
	}
	if (!cld_session_is(s, p, CLONEDEV_ROLE_PO)) {
		ret = -EACCES;
		goto out;
	}
	memcpy(v, p->policies, sizeof(v));
	for (i = 0; i < cmd->count; i++) {
		int k = index_of(ch[i].id);

		if (k < 0 || seen[k]) {
			ret = -EINVAL;
			goto out;
		}
		seen[k] = true;
		if (ch[i].value < defs[k].min || ch[i].value > defs[k].max) {
			ret = -ERANGE;
			goto out;
		}
		if (defs[k].destructive_on && !v[k] && ch[i].value)
			destructive = true;
		v[k] = ch[i].value;
	}
	if (!consistent(v, p)) {
		ret = -EDOM;
		goto out;
	}
	if (destructive && !(cmd->flags & CLONEDEV_POLICY_SET_FORCE)) {
		ret = -ECANCELED;
		goto out;
	}
	memcpy(old, p->policies, sizeof(old));
	memcpy(p->policies, v, sizeof(v));
	ret = destructive ? cld_partition_persist_clear(p) :
			    cld_partition_persist(p);
	if (ret)
		memcpy(p->policies, old, sizeof(old));
	else if (destructive)
		cld_partition_destroy_objects(p);
	if (!ret && !cld_policy(p, CLONEDEV_POLICY_ACTIVATION))
		cld_partition_deactivate(p);
out:
	mutex_unlock(&cld_hsm.lock);
	mutex_unlock(&s->lock);
	kfree(ch);
	return ret;
}

/* The CPv4 suites @p may use now (struct clonedev_suites). */
u32 cld_partition_suites(const struct cld_partition *p)
{
	u32 usable = cld_hsm.suites & ~p->suites_disabled;

	if (cld_hsm.fips || !cld_policy(p, CLONEDEV_POLICY_NON_FIPS))
		usable &= CLONEDEV_SUITES_FIPS;
	return usable;
}

int cld_session_suites(struct cld_session *s, void *arg)
{
	struct clonedev_suites *cmd = arg;
	struct cld_partition *p;
	u32 old;
	int ret = 0;

	if (cmd->flags)
		return -EOPNOTSUPP;
	if ((cmd->enable | cmd->disable) & ~CLONEDEV_SUITES_ALL ||
	    cmd->enable & cmd->disable)
		return -EINVAL;
	mutex_lock(&s->lock);
	mutex_lock(&cld_hsm.lock);
	p = cld_session_partition(s);
	if (!p) {
		ret = -ENODEV;
		goto out;
	}
	if (cmd->enable | cmd->disable) {
		if (!cld_session_is(s, p, CLONEDEV_ROLE_PO)) {
			ret = -EACCES;
			goto out;
		}
		old = p->suites_disabled;
		p->suites_disabled = (old & ~cmd->enable) | cmd->disable;
		ret = cld_partition_persist(p);
		if (ret) {
			p->suites_disabled = old;
			goto out;
		}
	}
	cmd->enabled = CLONEDEV_SUITES_ALL & ~p->suites_disabled;
	cmd->usable = cld_partition_suites(p);
out:
	mutex_unlock(&cld_hsm.lock);
	mutex_unlock(&s->lock);
	return ret;
}
