// SPDX-License-Identifier: GPL-2.0
/*
 * The session plane's partition and role requests: CLONEDEV_IOCTL_
 * SESSION_INFO, SLOT_SET, PARTITION_INIT, LOGIN, LOGOUT, ROLE_INIT and
 * ROLE_CHANGEPW (uapi/linux/clonedev.h has their errno contracts).
 * Password hashing runs without cld_hsm.lock; the partition is looked up
 * again afterwards and its generation compared, so an init or zeroize in
 * between is noticed.
 */
#include <crypto/algapi.h>
#include <linux/capability.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "hsm.h"
#include "partition.h"
#include "policy.h"
#include "role.h"
#include "session.h"

struct cld_session *cld_session_alloc(void)
{
	struct cld_session *s = kzalloc(sizeof(*s), GFP_KERNEL);

	if (s)
		mutex_init(&s->lock);
	return s;
}

void cld_session_free(struct cld_session *s)
{
	mutex_destroy(&s->lock);
	kfree(s);
}

static u8 *copy_secret(u64 uptr, u32 len)
{
	if (len < 1 || len > CLONEDEV_SECRET_MAX)
		return ERR_PTR(-EINVAL);
	return memdup_user(u64_to_user_ptr(uptr), len);
}

/* The session's partition, if it still exists. Must hold cld_hsm.lock. */
struct cld_partition *cld_session_partition(struct cld_session *s)
{
	lockdep_assert_held(&cld_hsm.lock);
	return s->slot ? cld_partition_get(s->slot, s->serial) : NULL;
}

static bool logged_in(const struct cld_session *s,
		      const struct cld_partition *p)
{
	return s->role != CLONEDEV_ROLE_NONE && p->generation == s->generation;
}

/* True if @s is logged in to @p as @role. Must hold cld_hsm.lock. */
bool cld_session_is(const struct cld_session *s,
		    const struct cld_partition *p, u32 role)
{
	return logged_in(s, p) && s->role == role;
}

/* cu cannot log in while co is locked out: co's lockout locks both. */
static bool locked(const struct cld_partition *p, u32 role)
{
	if (p->roles[role].flags & CLONEDEV_ROLE_LOCKED)
		return true;
	return role == CLONEDEV_ROLE_CU &&
	       (p->roles[CLONEDEV_ROLE_CO].flags & CLONEDEV_ROLE_LOCKED);
}

/*
 * Counts a wrong password and applies the lockout rules; persists them.
 * Must hold cld_hsm.lock. Return: the errno for the caller.
 */
static int record_failure(struct cld_partition *p, u32 role)
{
	struct cld_cred *c = &p->roles[role];
	int ret;

	c->failures++;
	if (role == CLONEDEV_ROLE_PO && c->failures >= CLD_MAX_PO_FAILURES) {
		pr_notice("clonedev: slot %u zeroized after %u wrong po passwords\n",
			  p->slot, c->failures);
		cld_partition_zeroize(p);
		return cld_partition_persist_clear(p) ?: -ESTALE;
	} else if (role != CLONEDEV_ROLE_PO &&
		   c->failures >=
		   cld_policy(p, CLONEDEV_POLICY_MAX_FAILED_LOGINS)) {
		c->flags |= CLONEDEV_ROLE_LOCKED;
	}
	ret = cld_partition_persist(p);
	if (ret)
		return ret;
	return p->state == CLONEDEV_STATE_ZEROIZED ? -ESTALE : -EACCES;
}

/*
 * Checks @pw against @role's credential. Must hold s->lock; takes and
 * drops cld_hsm.lock. Return: 0 with cld_hsm.lock held and *pp set, or an
 * errno with it released.
 */
static int verify(struct cld_session *s, u32 role, const u8 *pw, u32 len,
		  struct cld_partition **pp)
{
	struct cld_partition *p;
	struct cld_cred cred;
	u8 hash[CLD_HASH_LEN];
	u64 gen;
	int ret;

	mutex_lock(&cld_hsm.lock);
	p = cld_session_partition(s);
	if (!p) {
		ret = -ENODEV;
		goto unlock;
	}
	if (p->state == CLONEDEV_STATE_ZEROIZED) {
		ret = -ESTALE;
		goto unlock;
	}
	if (!(p->roles[role].flags & CLONEDEV_ROLE_SET)) {
		ret = -ENOKEY;
		goto unlock;
	}
	if (locked(p, role)) {
		ret = -EKEYREVOKED;
		goto unlock;
	}
	cred = p->roles[role];
	gen = p->generation;
	mutex_unlock(&cld_hsm.lock);

	ret = cld_cred_hash(&cred, pw, len, hash);
	mutex_lock(&cld_hsm.lock);
	p = cld_session_partition(s);
	if (!ret && (!p || p->generation != gen))
		ret = -ESTALE;
	if (ret)
		goto unlock;
	if (crypto_memneq(hash, cred.hash, CLD_HASH_LEN)) {
		ret = record_failure(p, role);
		goto unlock;
	}
	if (p->roles[role].failures) {
		p->roles[role].failures = 0;
		ret = cld_partition_persist(p);
		if (ret)
			goto unlock;
	}
	*pp = p;
	ret = 0;
	goto out;
unlock:
	mutex_unlock(&cld_hsm.lock);
out:
	memzero_explicit(&cred, sizeof(cred));
	memzero_explicit(hash, sizeof(hash));
	return ret;
}

int cld_session_info(struct cld_session *s, void *arg)
{
	struct clonedev_session_info *cmd = arg;
	struct cld_partition *p;
	u32 r;

	if (cmd->flags)
		return -EOPNOTSUPP;
	if (cmd->__reserved)
		return -EINVAL;
	mutex_lock(&s->lock);
	mutex_lock(&cld_hsm.lock);
	p = cld_session_partition(s);
	cmd->slot = s->slot;
	if (p) {
		cmd->role = logged_in(s, p) ? s->role : CLONEDEV_ROLE_NONE;
		cmd->state = p->state;
		for (r = CLONEDEV_ROLE_PO; r <= CLONEDEV_ROLE_CU; r++) {
			cmd->roles[r].role_flags = p->roles[r].flags &
				(CLONEDEV_ROLE_SET | CLONEDEV_ROLE_LOCKED);
			if (locked(p, r))
				cmd->roles[r].role_flags |= CLONEDEV_ROLE_LOCKED;
			cmd->roles[r].failures = p->roles[r].failures;
		}
	}
	mutex_unlock(&cld_hsm.lock);
	mutex_unlock(&s->lock);
	return s->slot && !p ? -ENODEV : 0;
}

int cld_session_slot_set(struct cld_session *s, void *arg)
{
	struct clonedev_slot_set *cmd = arg;
	struct cld_partition *p;
	int ret = 0;

	if (cmd->flags)
		return -EOPNOTSUPP;
	if (cmd->__reserved)
		return -EINVAL;
	mutex_lock(&s->lock);
	mutex_lock(&cld_hsm.lock);
	p = xa_load(&cld_hsm.partitions, cmd->slot);
	if (p) {
		s->slot = p->slot;
		s->serial = p->serial;
		s->role = CLONEDEV_ROLE_NONE;
	} else {
		ret = -ENODEV;
	}
	mutex_unlock(&cld_hsm.lock);
	mutex_unlock(&s->lock);
	return ret;
}

static bool label_field_ok(const char *label, bool may_be_empty)
{
	size_t len = strnlen(label, CLONEDEV_LABEL_LEN);

	if (len == CLONEDEV_LABEL_LEN)
		return false;
	if (len == 0)
		return may_be_empty;
	return cld_label_ok(label);
}

int cld_session_partition_init(struct cld_session *s, void *arg)
{
	struct clonedev_partition_init *cmd = arg;
	struct cld_partition *p, *next = NULL;
	struct cld_cred po;
	u8 *pw, *dom = NULL;
	int ret;

	if (cmd->flags)
		return -EOPNOTSUPP;
	if (memchr_inv(cmd->__reserved, 0, sizeof(cmd->__reserved)) ||
	    !label_field_ok(cmd->label, true) ||
	    !label_field_ok(cmd->domain_label, false))
		return -EINVAL;
	pw = copy_secret(cmd->password, cmd->password_len);
	if (IS_ERR(pw))
		return PTR_ERR(pw);
	dom = copy_secret(cmd->domain, cmd->domain_len);
	if (IS_ERR(dom)) {
		ret = PTR_ERR(dom);
		dom = NULL;
		goto out_free;
	}
	ret = cld_cred_set(&po, pw, cmd->password_len);
	if (ret)
		goto out_free;

	mutex_lock(&s->lock);
	mutex_lock(&cld_hsm.lock);
	p = cld_session_partition(s);
	if (!p) {
		ret = -ENODEV;
		goto out_unlock;
	}
	if (p->state == CLONEDEV_STATE_INITIALIZED ?
	    !cld_session_is(s, p, CLONEDEV_ROLE_PO) :
	    !capable(CAP_SYS_ADMIN)) {
		ret = -EACCES;
		goto out_unlock;
	}
	if (cmd->label[0] && strcmp(cmd->label, p->label) &&
	    cld_partition_find_label(cmd->label)) {
		ret = -EEXIST;
		goto out_unlock;
	}
	/* The new state is built aside and made durable before it counts. */
	next = kmemdup(p, sizeof(*p), GFP_KERNEL);
	if (!next) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	memzero_explicit(next->roles, sizeof(next->roles));
	memzero_explicit(next->domains, sizeof(next->domains));
	next->roles[CLONEDEV_ROLE_PO] = po;
	strscpy(next->domains[0].label, cmd->domain_label,
		sizeof(next->domains[0].label));
	memcpy(next->domains[0].secret, dom, cmd->domain_len);
	next->domains[0].len = cmd->domain_len;
	next->n_domains = 1;
	if (cmd->label[0])
		strscpy(next->label, cmd->label, sizeof(next->label));
	cld_policy_defaults(next->policies);
	next->state = CLONEDEV_STATE_INITIALIZED;
	ret = cld_partition_persist_clear(next);
	if (!ret) {
		cld_partition_assign(p, next);
		cld_partition_destroy_objects(p);
		p->generation++;
	}
	s->role = CLONEDEV_ROLE_NONE;
out_unlock:
	mutex_unlock(&cld_hsm.lock);
	mutex_unlock(&s->lock);
	kfree_sensitive(next);
	memzero_explicit(&po, sizeof(po));
out_free:
	kfree_sensitive(dom);
	kfree_sensitive(pw);
	return ret;
}

int cld_session_login(struct cld_session *s, void *arg)
{
	struct clonedev_login *cmd = arg;
	struct cld_partition *p;
	u8 *pw;
	int ret;

	if (cmd->flags)
		return -EOPNOTSUPP;
	if (cmd->role < CLONEDEV_ROLE_PO || cmd->role > CLONEDEV_ROLE_CU)
		return -EINVAL;
	pw = copy_secret(cmd->secret, cmd->secret_len);
	if (IS_ERR(pw))
		return PTR_ERR(pw);
	mutex_lock(&s->lock);
	s->role = CLONEDEV_ROLE_NONE;
	ret = verify(s, cmd->role, pw, cmd->secret_len, &p);
	if (!ret) {
		s->role = cmd->role;
		s->generation = p->generation;
		mutex_unlock(&cld_hsm.lock);
	}
	mutex_unlock(&s->lock);
	kfree_sensitive(pw);
	return ret;
}

int cld_session_logout(struct cld_session *s, void *arg)
{
	struct clonedev_logout *cmd = arg;
	int ret = 0;

	if (cmd->flags)
		return -EOPNOTSUPP;
	mutex_lock(&s->lock);
	if (s->role == CLONEDEV_ROLE_NONE)
		ret = -EACCES;
	s->role = CLONEDEV_ROLE_NONE;
	mutex_unlock(&s->lock);
	return ret;
}

int cld_session_role_init(struct cld_session *s, void *arg)
{
	struct clonedev_role_init *cmd = arg;
	struct cld_partition *p;
	struct cld_cred cred, old;
	u8 *pw;
	int ret;

	if (cmd->flags)
		return -EOPNOTSUPP;
	if (cmd->role != CLONEDEV_ROLE_CO && cmd->role != CLONEDEV_ROLE_CU)
		return -EINVAL;
	pw = copy_secret(cmd->secret, cmd->secret_len);
	if (IS_ERR(pw))
		return PTR_ERR(pw);
	ret = cld_cred_set(&cred, pw, cmd->secret_len);
	kfree_sensitive(pw);
	if (ret)
		return ret;

	mutex_lock(&s->lock);
	mutex_lock(&cld_hsm.lock);
	p = cld_session_partition(s);
	if (!p) {
		ret = -ENODEV;
		goto out;
	}
	/* po initializes co; co initializes cu. */
	if (!logged_in(s, p) || s->role != cmd->role - 1) {
		ret = -EACCES;
		goto out;
	}
	old = p->roles[cmd->role];
	p->roles[cmd->role] = cred;
	ret = cld_partition_persist(p);
	if (ret)
		p->roles[cmd->role] = old;
	memzero_explicit(&old, sizeof(old));
out:
	mutex_unlock(&cld_hsm.lock);
	mutex_unlock(&s->lock);
	memzero_explicit(&cred, sizeof(cred));
	return ret;
}

int cld_session_changepw(struct cld_session *s, void *arg)
{
	struct clonedev_role_changepw *cmd = arg;
	struct cld_partition *p;
	struct cld_cred cred, old;
	u8 *oldpw, *newpw;
	u32 role;
	int ret;

	if (cmd->flags)
		return -EOPNOTSUPP;
	oldpw = copy_secret(cmd->old_secret, cmd->old_len);
	if (IS_ERR(oldpw))
		return PTR_ERR(oldpw);
	newpw = copy_secret(cmd->new_secret, cmd->new_len);
	if (IS_ERR(newpw)) {
		kfree_sensitive(oldpw);
		return PTR_ERR(newpw);
	}
	ret = cld_cred_set(&cred, newpw, cmd->new_len);
	if (ret)
		goto out_free;

	mutex_lock(&s->lock);
	role = s->role;
	mutex_lock(&cld_hsm.lock);
	p = cld_session_partition(s);
	ret = p && logged_in(s, p) ? 0 : -EACCES;
	mutex_unlock(&cld_hsm.lock);
	if (!ret)
		ret = verify(s, role, oldpw, cmd->old_len, &p);
	if (!ret) {
		old = p->roles[role];
		p->roles[role] = cred;
		ret = cld_partition_persist(p);
		if (ret)
			p->roles[role] = old;
		memzero_explicit(&old, sizeof(old));
		mutex_unlock(&cld_hsm.lock);
	}
	mutex_unlock(&s->lock);
out_free:
	memzero_explicit(&cred, sizeof(cred));
	kfree_sensitive(newpw);
	kfree_sensitive(oldpw);
	return ret;
}
