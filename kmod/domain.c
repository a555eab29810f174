// SPDX-License-Identifier: GPL-2.0
/*
 * Cloning domains of a partition (CLONEDEV_IOCTL_DOMAIN_*): list, add,
 * delete, relabel and move the primary mark, all by the po. domains[0] is
 * the primary. A domain's secret never leaves the kernel; what user space
 * sees is its fingerprint, an HMAC keyed with the secret.
 */
#include <crypto/algapi.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "domain.h"
#include "hsm.h"
#include "kdf.h"
#include "partition.h"
#include "ped.h"
#include "policy.h"
#include "quorum.h"
#include "session.h"

static int find_label(const struct cld_partition *p, const char *label)
{
	u32 i;

	for (i = 0; i < p->n_domains; i++)
		if (!strcmp(p->domains[i].label, label))
			return i;
	return -1;
}

/* Moves domains[@i] to the front, keeping the others' order. */
static void make_primary(struct cld_partition *p, u32 i)
{
	struct cld_domain d = p->domains[i];

	memmove(&p->domains[1], &p->domains[0], i * sizeof(d));
	p->domains[0] = d;
	memzero_explicit(&d, sizeof(d));
}

/* The session's partition if its po is logged in. Must hold both locks. */
static struct cld_partition *po_partition(struct cld_session *s)
{
	lockdep_assert_held(&cld_hsm.lock);
	lockdep_assert_held(&s->lock);
	return cld_session_partition_as(s, CLD_ROLE_BIT(CLONEDEV_ROLE_PO));
}

/* Persists @p's new domains, or puts @old back. */
static int commit_domains(struct cld_partition *p,
			  const struct cld_domain *old, u32 old_n)
{
	int ret = cld_partition_persist(p);

	if (ret) {
		memcpy(p->domains, old, sizeof(p->domains));
		p->n_domains = old_n;
	}
	return ret;
}

typedef int (*domain_op)(struct cld_partition *p, void *cmd);

/* Runs @op on the po's partition, persisting what it changed. */
static int run_po(struct cld_session *s, domain_op op, void *cmd)
{
	struct cld_domain *old;
	struct cld_partition *p;
	u32 old_n;
	int ret;

	old = kmalloc(sizeof(p->domains), GFP_KERNEL);
	if (!old)
		return -ENOMEM;
	mutex_lock(&s->lock);
	mutex_lock(&cld_hsm.lock);
	p = po_partition(s);
	if (IS_ERR(p)) {
		ret = PTR_ERR(p);
		goto out;
	}
	memcpy(old, p->domains, sizeof(p->domains));
	old_n = p->n_domains;
	ret = op(p, cmd);
	if (ret > 0)
		ret = commit_domains(p, old, old_n);
out:
	mutex_unlock(&cld_hsm.lock);
	mutex_unlock(&s->lock);
	kfree_sensitive(old);
	return ret;
}

int cld_domain_list(struct cld_session *s, void *arg)
{
	struct clonedev_domain_list *cmd = arg;
	struct cld_partition *p;
	u32 i;
	int ret = 0;

	memset(cmd->domains, 0, sizeof(cmd->domains));
	mutex_lock(&s->lock);
	mutex_lock(&cld_hsm.lock);
	p = po_partition(s);
	if (IS_ERR(p)) {
		ret = PTR_ERR(p);
		goto out;
	}
	cmd->count = p->n_domains;
	for (i = 0; i < p->n_domains && !ret; i++) {
		struct clonedev_domain_info *d = &cmd->domains[i];

		strscpy(d->label, p->domains[i].label, sizeof(d->label));
		d->primary = i == 0;
		d->type = p->domains[i].type;
		ret = cld_kdf_fingerprint(p->domains[i].secret, p->domains[i].len,
					  d->fingerprint);
	}
out:
	mutex_unlock(&cld_hsm.lock);
	mutex_unlock(&s->lock);
	return ret;
}

struct add_args {
	const struct clonedev_domain_add *cmd;
	const struct cld_domain *new;
	u64 serial;		/* remote PED shares: the partition's */
};

static bool holds_secret(const struct cld_partition *p,
			 const struct cld_domain *d)
{
	u32 i;

	for (i = 0; i < p->n_domains; i++)
		if (p->domains[i].len == d->len &&
		    !crypto_memneq(p->domains[i].secret, d->secret, d->len))
			return true;
	return false;
}

static int add(struct cld_partition *p, void *arg)
{
	const struct add_args *a = arg;
	struct cld_domain *d;

	if (a->serial && a->serial != p->serial)
		return -ENODATA;
	if (find_label(p, a->cmd->label) >= 0)
		return -EEXIST;
	if (holds_secret(p, a->new))
		return -EALREADY;
	if (p->n_domains && !cld_policy(p, CLONEDEV_POLICY_EXTENDED_DOMAINS))
		return -EPERM;
	if (p->n_domains == CLD_MAX_DOMAINS)
		return -ENOSPC;
	d = &p->domains[p->n_domains++];
	*d = *a->new;
	if (a->cmd->flags & CLONEDEV_DOMAIN_PRIMARY)
		make_primary(p, p->n_domains - 1);
	return 1;
}

/* A quorum domain's secret in @d must have the fingerprint @fp. */
static int quorum_domain(struct cld_domain *d, const u8 *fp)
{
	u8 have[CLONEDEV_FINGERPRINT_LEN];
	int ret;

	d->len = CLONEDEV_SHARE_LEN;
	d->type = CLONEDEV_DOMAIN_QUORUM;
	ret = cld_kdf_fingerprint(d->secret, d->len, have);
	if (!ret && crypto_memneq(have, fp, sizeof(have)))
		ret = -EBADMSG;
	return ret;
}

/*
 * The domain a quorum import brings: the secret its shares combine to,
 * which must have the fingerprint the shares were made with.
 */
static int combine_domain(const struct clonedev_domain_add *cmd,
			  struct cld_domain *d)
{
	struct clonedev_share *sh;
	int ret;

	sh = cld_quorum_shares_from_user(cmd->shares, cmd->share_count);
	if (IS_ERR(sh))
		return PTR_ERR(sh);
	ret = cld_quorum_combine(sh, cmd->share_count, d->secret);
	kfree_sensitive(sh);
	return ret ?: quorum_domain(d, cmd->fingerprint);
}

/*
 * The domain the shares the session's remote PED channel holds bring,
 * and the serial of the partition they were asked for.
 */
static int ped_domain(struct cld_session *s,
		      const struct clonedev_domain_add *cmd,
		      struct cld_domain *d, u64 *serial)
{
	u8 fp[CLONEDEV_FINGERPRINT_LEN];
	u8 *secret;

	mutex_lock(&s->lock);
	secret = cld_ped_secret(s, CLONEDEV_PED_KIND_DOMAIN, cmd->label, fp,
				serial);
	mutex_unlock(&s->lock);
	if (IS_ERR(secret))
		return PTR_ERR(secret);
	memcpy(d->secret, secret, CLONEDEV_SHARE_LEN);
	kfree_sensitive(secret);
	return quorum_domain(d, fp);
}

int cld_domain_add(struct cld_session *s, void *arg)
{
	struct clonedev_domain_add *cmd = arg;
	bool ped = cmd->flags & CLONEDEV_DOMAIN_ADD_PED;
	struct add_args a = { .cmd = cmd };
	struct cld_domain *d;
	u8 *secret;
	int ret;

	if (!cld_label_field_ok(cmd->label, false) ||
	    (ped ? cmd->secret_len || cmd->share_count :
	     cmd->share_count ? cmd->secret_len :
	     !cmd->secret_len || cmd->secret_len > CLONEDEV_SECRET_MAX))
		return -EINVAL;
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	strscpy(d->label, cmd->label, sizeof(d->label));
	if (ped) {
		ret = ped_domain(s, cmd, d, &a.serial);
	} else if (cmd->share_count) {
		ret = combine_domain(cmd, d);
	} else {
		secret = memdup_user(u64_to_user_ptr(cmd->secret),
				     cmd->secret_len);
		ret = PTR_ERR_OR_ZERO(secret);
		if (!ret) {
			d->type = CLONEDEV_DOMAIN_TEXT;
			d->len = cmd->secret_len;
			memcpy(d->secret, secret, d->len);
			kfree_sensitive(secret);
		}
	}
	a.new = d;
	if (!ret)
		ret = run_po(s, add, &a);
	kfree_sensitive(d);
	return ret;
}

static int delete(struct cld_partition *p, void *arg)
{
	const struct clonedev_domain_delete *cmd = arg;
	int i = find_label(p, cmd->label);

	if (i < 0)
		return -ENOENT;
	if (p->n_domains == 1)
		return -EBUSY;
	memmove(&p->domains[i], &p->domains[i + 1],
		(p->n_domains - i - 1) * sizeof(p->domains[0]));
	p->n_domains--;
	memzero_explicit(&p->domains[p->n_domains], sizeof(p->domains[0]));
	return 1;
}

int cld_domain_delete(struct cld_session *s, void *arg)
{
	struct clonedev_domain_delete *cmd = arg;

	if (!cld_label_field_ok(cmd->label, false))
		return -EINVAL;
	return run_po(s, delete, cmd);
}

static int change(struct cld_partition *p, void *arg)
{
	const struct clonedev_domain_change *cmd = arg;
	int i = find_label(p, cmd->label), other;

	if (i < 0)
		return -ENOENT;
	if (cmd->new_label[0]) {
		other = find_label(p, cmd->new_label);
		if (other >= 0 && other != i)
			return -EEXIST;
		strscpy(p->domains[i].label, cmd->new_label,
			sizeof(p->domains[i].label));
	}
	if (cmd->flags & CLONEDEV_DOMAIN_PRIMARY)
		make_primary(p, i);
	return 1;
}

int cld_domain_change(struct cld_session *s, void *arg)
{
	struct clonedev_domain_change *cmd = arg;

	if (!cld_label_field_ok(cmd->label, false) ||
	    !cld_label_field_ok(cmd->new_label, true) ||
	    (!cmd->new_label[0] && !cmd->flags))
		return -EINVAL;
	return run_po(s, change, cmd);
}
