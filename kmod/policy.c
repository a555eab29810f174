// SPDX-License-Identifier: GPL-2.0
/*
 * Partition policies: one table holds every policy's number, default,
 * range and whether turning it on is destructive; a partition keeps its
 * values in table order. The rules for a change are here; the requests
 * that read and change them (CLONEDEV_IOCTL_POLICY_GET / _SET, _SUITES)
 * are partition.c's.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "hsm.h"
#include "partition.h"
#include "policy.h"

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

/* Fills @e with policy @i of the table, its value in @p. */
void cld_policy_entry(const struct cld_partition *p, u32 i,
		      struct clonedev_policy_entry *e)
{
	e->id = defs[i].id;
	e->value = p->policies[i];
	e->default_value = defs[i].def;
	e->min = defs[i].min;
	e->max = defs[i].max;
	e->policy_flags = defs[i].destructive_on ?
			  CLONEDEV_POLICY_DESTRUCTIVE_ON : 0;
}

/**
 * cld_policy_change() - @p's policies with @count changes applied
 * @p: the partition
 * @ch: the changes
 * @count: how many
 * @v: the new values, in table order
 * @destructive: set if a change turns on a destructive policy
 *
 * Return: 0; -EINVAL for an unknown or repeated policy, -ERANGE for a
 * value out of its range, -EDOM for a set the rules forbid.
 */
int cld_policy_change(const struct cld_partition *p,
		      const struct clonedev_policy_change *ch, u32 count,
		      u32 *v, bool *destructive)
{
	bool seen[CLONEDEV_POLICY_COUNT] = {};
	u32 i;

	*destructive = false;
	memcpy(v, p->policies, sizeof(p->policies));
	for (i = 0; i < count; i++) {
		int k = index_of(ch[i].id);

		if (k < 0 || seen[k])
			return -EINVAL;
		seen[k] = true;
		if (ch[i].value < defs[k].min || ch[i].value > defs[k].max)
			return -ERANGE;
		if (defs[k].destructive_on && !v[k] && ch[i].value)
			*destructive = true;
		v[k] = ch[i].value;
	}
	return consistent(v, p) ? 0 : -EDOM;
}

/* The CPv4 suites @p may use now (struct clonedev_suites). */
u32 cld_policy_suites(const struct cld_partition *p)
{
	u32 usable = cld_hsm.suites & ~p->suites_disabled;

	if (cld_hsm.fips || !cld_policy(p, CLONEDEV_POLICY_NON_FIPS))
		usable &= CLONEDEV_SUITES_FIPS;
	return usable;
}
