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
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "clone.h"
#include "domain.h"
#include "hsm.h"
#include "ops.h"
#include "partition.h"
#include "policy.h"
#include "quorum.h"
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
	cld_clone_free(s->clone);
	cld_ops_free(s->ops);
	mutex_destroy(&s->lock);
	kfree(s);
}

static u8 *copy_secret(u64 uptr, u32 len)
{
	if (len < 1 || len > CLONEDEV_SECRET_MAX)
		return ERR_PTR(-EINVAL);
	return memdup_user(u64_to_user_ptr(uptr), len);
}

/*
 * The secret a request carries: a password, or (with @share_count) the
 * quorum secret its shares combine to. kfree_sensitive() the result.
 */
static u8 *request_secret(u64 secret, u32 secret_len, u64 shares,
			  u32 share_count, u32 *len)
{
	struct clonedev_share *sh;
	u8 *out;
	int ret;

	if (!share_count) {
		*len = secret_len;
		return copy_secret(secret, secret_len);
	}
	sh = cld_quorum_shares_from_user(shares, share_count);
	if (IS_ERR(sh))
		return ERR_CAST(sh);
	out = kmalloc(CLONEDEV_SHARE_LEN, GFP_KERNEL);
	ret = out ? cld_quorum_combine(sh, share_count, out) : -ENOMEM;
	kfree_sensitive(sh);
	if (ret) {
		kfree_sensitive(out);
		return ERR_PTR(ret);
	}
	*len = CLONEDEV_SHARE_LEN;
	return out;
}

/*
 * A new random quorum secret and its @n shares for user space. Return: the
 * secret (kfree_sensitive()) with *shares set (kfree_sensitive()), or an
 * ERR_PTR.
 */
static u8 *new_quorum_secret(u32 m, u32 n, struct clonedev_share **shares)
{
	u8 *secret;
	int ret;

	if (!cld_quorum_ok(m, n))
		return ERR_PTR(-EINVAL);
	secret = kmalloc(CLONEDEV_SHARE_LEN, GFP_KERNEL);
	*shares = kcalloc(n, sizeof(**shares), GFP_KERNEL);
	ret = secret && *shares ? 0 : -ENOMEM;
	if (!ret) {
		get_random_bytes(secret, CLONEDEV_SHARE_LEN);
		ret = cld_quorum_split(secret, m, n, *shares);
	}
	if (ret) {
		kfree_sensitive(secret);
		kfree_sensitive(*shares);
		*shares = NULL;
		return ERR_PTR(ret);
	}
	return secret;
}

/* Puts @cred in @where (a credential of @p) durably, or leaves it. */
static int replace_cred(struct cld_partition *p, struct cld_cred *where,
			const struct cld_cred *cred)
{
	struct cld_cred old = *where;
	int ret;

	*where = *cred;
	ret = cld_partition_persist(p);
	if (ret)
		*where = old;
	memzero_explicit(&old, sizeof(old));
	return ret;
}

/*
 * Gives @role of @p the credential @cred durably. Sessions logged in as
 * @role are logged out, attempts hashed against the old one are refused
 * when they finish (verify()), and its reserved failures go with it. Must
 * hold cld_hsm.lock.
 */
static int set_role_cred(struct cld_partition *p, u32 role,
			 const struct cld_cred *cred)
{
	int ret;

	lockdep_assert_held(&cld_hsm.lock);
	ret = replace_cred(p, &p->roles[role], cred);
	if (!ret) {
		p->role_gen[role]++;
		p->pending[role] = 0;
	}
	return ret;
}

static bool is_quorum(const struct cld_partition *p)
{
	return p->auth == CLONEDEV_AUTH_QUORUM;
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
	return s->role != CLONEDEV_ROLE_NONE && p->generation == s->generation &&
	       p->role_gen[s->role] == s->role_gen;
}

/* True if @s is logged in to @p as @role. Must hold cld_hsm.lock. */
bool cld_session_is(const struct cld_session *s,
		    const struct cld_partition *p, u32 role)
{
	return logged_in(s, p) && s->role == role;
}

/* Wrong secrets that lock @role out (zeroize the partition for po). */
static u32 max_failures(const struct cld_partition *p, u32 role)
{
	return role == CLONEDEV_ROLE_PO ? CLD_MAX_PO_FAILURES :
	       cld_policy(p, CLONEDEV_POLICY_MAX_FAILED_LOGINS);
}

/*
 * @role's wrong secrets: its failure count less the attempts still being
 * hashed. After a crash during a hash nothing is pending, so the attempt
 * counts as wrong.
 */
static u32 settled_failures(const struct cld_partition *p, u32 role)
{
	u32 f = p->roles[role].failures;

	return f > p->pending[role] ? f - p->pending[role] : 0;
}

/* cu cannot log in while co is locked out: co's lockout locks both. */
static bool locked(const struct cld_partition *p, u32 role)
{
	if ((p->roles[role].flags & CLONEDEV_ROLE_LOCKED) ||
	    (role != CLONEDEV_ROLE_PO &&
	     settled_failures(p, role) >= max_failures(p, role)))
		return true;
	return role == CLONEDEV_ROLE_CU && locked(p, CLONEDEV_ROLE_CO);
}

/*
 * Logins that found every allowed attempt being checked wait here for one
 * to end; attempt_seq (under cld_hsm.lock) counts the ends.
 */
static DECLARE_WAIT_QUEUE_HEAD(attempt_wq);
static unsigned long attempt_seq;

/*
 * Counts an attempt at @role as a failure, durably, before its secret is
 * hashed: killing the hash does not undo it, and no more secrets are
 * evaluated than the lockout allows. Must hold cld_hsm.lock. Return: 0;
 * -EAGAIN if every allowed attempt is being checked (wait for one to end);
 * -EKEYREVOKED if none is left (-ESTALE for the po: that zeroizes); an
 * error of the store.
 */
static int reserve_attempt(struct cld_partition *p, u32 role)
{
	struct cld_cred *c = &p->roles[role];
	int ret;

	lockdep_assert_held(&cld_hsm.lock);
	if (c->failures >= max_failures(p, role)) {
		if (p->pending[role])
			return -EAGAIN;
		if (role != CLONEDEV_ROLE_PO)
			return -EKEYREVOKED;
		/* The 10th was cut short (a crash): it counts. */
		cld_partition_zeroize(p);
		return cld_partition_persist_clear(p) ?: -ESTALE;
	}
	c->failures++;
	ret = cld_partition_persist(p);
	if (ret) {
		c->failures--;
		return ret;
	}
	p->pending[role]++;
	return 0;
}

enum attempt_result {
	ATTEMPT_VOID,		/* not evaluated: the reservation is undone */
	ATTEMPT_WRONG,		/* a wrong secret: it stays a failure */
	ATTEMPT_RIGHT,		/* the right secret: the wrong ones are cleared */
};

/*
 * Ends an attempt reserve_attempt() counted and applies the lockout rules;
 * persists them. Must hold cld_hsm.lock, and the credential must be the
 * one the attempt was counted against. Return: the errno for the caller.
 */
static int finish_attempt(struct cld_partition *p, u32 role,
			  enum attempt_result result, int ret)
{
	struct cld_cred *c = &p->roles[role];
	int err;

	lockdep_assert_held(&cld_hsm.lock);
	if (p->pending[role])
		p->pending[role]--;
	if (result == ATTEMPT_VOID && c->failures)
		c->failures--;
	else if (result == ATTEMPT_RIGHT)
		c->failures = p->pending[role];
	/* The po's login unlocks cloning after failed handshakes. */
	if (result == ATTEMPT_RIGHT && role == CLONEDEV_ROLE_PO)
		p->clone_failures = 0;
	if (result == ATTEMPT_WRONG) {
		ret = -EACCES;
		if (role == CLONEDEV_ROLE_PO &&
		    settled_failures(p, role) >= CLD_MAX_PO_FAILURES) {
			pr_notice("clonedev: slot %u zeroized after %u wrong po passwords\n",
				  p->slot, c->failures);
			cld_partition_zeroize(p);
			return cld_partition_persist_clear(p) ?: -ESTALE;
		}
		if (role != CLONEDEV_ROLE_PO &&
		    settled_failures(p, role) >= max_failures(p, role))
			c->flags |= CLONEDEV_ROLE_LOCKED;
	}
	err = cld_partition_persist(p);
	return ret ?: err;
}

/*
 * Checks @pw against @role's credential. Must hold s->lock; takes and
 * drops cld_hsm.lock. The attempt is counted before the hash, and after it
 * the lockout, the partition's generation and the credential are checked
 * again, so neither a burst of parallel attempts nor a credential replaced
 * during the hash gets more than one attempt per allowed failure.
 * Return: 0 with cld_hsm.lock held and *pp set, or an errno with it
 * released.
 */
static int verify(struct cld_session *s, u32 role, const u8 *pw, u32 len,
		  bool quorum, struct cld_partition **pp)
{
	const struct cld_cred *now;
	struct cld_partition *p;
	struct cld_cred cred;
	u8 hash[CLD_HASH_LEN];
	unsigned long seq;
	u64 gen, role_gen;
	bool challenge;
	int ret;

	memset(&cred, 0, sizeof(cred));
again:
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
	/* A password to a quorum partition: its role's challenge. */
	challenge = p->auth == CLONEDEV_AUTH_QUORUM && !quorum;
	if ((p->auth != CLONEDEV_AUTH_QUORUM && quorum) ||
	    (challenge && role == CLONEDEV_ROLE_PO)) {
		ret = -EINVAL;
		goto unlock;
	}
	if (!(p->roles[role].flags & CLONEDEV_ROLE_SET) ||
	    (challenge && !(p->challenges[role].flags & CLONEDEV_ROLE_SET))) {
		ret = -ENOKEY;
		goto unlock;
	}
	if (locked(p, role)) {
		ret = -EKEYREVOKED;
		goto unlock;
	}
	if (challenge && (!p->activated || !p->cache[role])) {
		ret = -EKEYEXPIRED;
		goto unlock;
	}
	ret = reserve_attempt(p, role);
	if (ret == -EAGAIN) {
		seq = attempt_seq;
		mutex_unlock(&cld_hsm.lock);
		ret = wait_event_interruptible(attempt_wq,
					       READ_ONCE(attempt_seq) != seq);
		if (ret)
			goto out;
		goto again;
	}
	if (ret)
		goto unlock;
	cred = challenge ? p->challenges[role] : p->roles[role];
	gen = p->generation;
	role_gen = p->role_gen[role];
	mutex_unlock(&cld_hsm.lock);

	ret = cld_cred_hash(&cred, pw, len, hash);
	mutex_lock(&cld_hsm.lock);
	/* Whatever comes of it, the waiters look again. */
	WRITE_ONCE(attempt_seq, attempt_seq + 1);
	wake_up_all(&attempt_wq);
	p = cld_session_partition(s);
	/* A new generation or credential dropped the reservation. */
	if (!p || p->generation != gen) {
		ret = -ESTALE;
		goto unlock;
	}
	if (p->role_gen[role] != role_gen) {
		ret = -EACCES;
		goto unlock;
	}
	now = challenge ? &p->challenges[role] : &p->roles[role];
	if (ret) {
		finish_attempt(p, role, ATTEMPT_VOID, ret);
		goto unlock;
	}
	if (locked(p, role)) {
		ret = finish_attempt(p, role, ATTEMPT_VOID, -EKEYREVOKED);
		goto unlock;
	}
	if (memcmp(now->salt, cred.salt, CLD_SALT_LEN) ||
	    crypto_memneq(now->hash, cred.hash, CLD_HASH_LEN)) {
		ret = finish_attempt(p, role, ATTEMPT_VOID, -EACCES);
		goto unlock;
	}
	if (crypto_memneq(hash, cred.hash, CLD_HASH_LEN)) {
		ret = finish_attempt(p, role, ATTEMPT_WRONG, 0);
		goto unlock;
	}
	ret = finish_attempt(p, role, ATTEMPT_RIGHT, 0);
	if (ret)
		goto unlock;
	/* An activated partition keeps the secret a quorum login gave. */
	if (quorum && p->activated && role != CLONEDEV_ROLE_PO) {
		cld_partition_forget_role(p, role);
		p->cache[role] = kmemdup(pw, len, GFP_KERNEL);
	}
	*pp = p;
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
			if (p->challenges[r].flags & CLONEDEV_ROLE_SET)
				cmd->roles[r].role_flags |=
					CLONEDEV_ROLE_CHALLENGE;
			if (p->cache[r])
				cmd->roles[r].role_flags |= CLONEDEV_ROLE_CACHED;
			cmd->roles[r].failures = p->roles[r].failures;
		}
		cmd->activated = p->activated;
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
		cld_ops_forget(s);
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

/*
 * The po credential and primary domain secret of an init request: from
 * its password and text domain, or, for a quorum partition, made here with
 * their shares (po first) in *shares. Return: the domain secret
 * (kfree_sensitive()) with *dom_len, or an ERR_PTR.
 */
static u8 *init_secrets(const struct clonedev_partition_init *cmd,
			struct cld_cred *po, u32 *dom_len,
			struct clonedev_share **shares)
{
	struct clonedev_share *po_sh = NULL, *dom_sh = NULL;
	u8 *pw, *dom;
	int ret;

	*shares = NULL;
	if (!cmd->quorum_n) {
		if (cmd->quorum_m || cmd->shares)
			return ERR_PTR(-EINVAL);
		pw = copy_secret(cmd->password, cmd->password_len);
		if (IS_ERR(pw))
			return pw;
		dom = copy_secret(cmd->domain, cmd->domain_len);
		ret = IS_ERR(dom) ? PTR_ERR(dom) :
		      cld_cred_set(po, pw, cmd->password_len);
		kfree_sensitive(pw);
		if (ret) {
			if (!IS_ERR(dom))
				kfree_sensitive(dom);
			return ERR_PTR(ret);
		}
		*dom_len = cmd->domain_len;
		return dom;
	}
	if (cmd->password_len || cmd->domain_len || !cmd->shares)
		return ERR_PTR(-EINVAL);
	pw = new_quorum_secret(cmd->quorum_m, cmd->quorum_n, &po_sh);
	if (IS_ERR(pw))
		return pw;
	dom = new_quorum_secret(cmd->quorum_m, cmd->quorum_n, &dom_sh);
	ret = IS_ERR(dom) ? PTR_ERR(dom) :
	      cld_cred_set(po, pw, CLONEDEV_SHARE_LEN);
	kfree_sensitive(pw);
	if (!ret) {
		*shares = kcalloc(2 * cmd->quorum_n, sizeof(**shares),
				  GFP_KERNEL);
		ret = *shares ? 0 : -ENOMEM;
	}
	if (!ret) {
		memcpy(*shares, po_sh, cmd->quorum_n * sizeof(*po_sh));
		memcpy(*shares + cmd->quorum_n, dom_sh,
		       cmd->quorum_n * sizeof(*dom_sh));
	}
	kfree_sensitive(po_sh);
	kfree_sensitive(dom_sh);
	if (ret) {
		if (!IS_ERR(dom))
			kfree_sensitive(dom);
		return ERR_PTR(ret);
	}
	*dom_len = CLONEDEV_SHARE_LEN;
	return dom;
}

int cld_session_partition_init(struct cld_session *s, void *arg)
{
	struct clonedev_partition_init *cmd = arg;
	struct cld_partition *p, *next = NULL;
	struct clonedev_share *shares;
	bool quorum = cmd->quorum_n;
	struct cld_cred po;
	u32 dom_len;
	u8 *dom;
	int ret;

	if (cmd->flags)
		return -EOPNOTSUPP;
	if (memchr_inv(cmd->__reserved, 0, sizeof(cmd->__reserved)) ||
	    !label_field_ok(cmd->label, true) ||
	    !label_field_ok(cmd->domain_label, false))
		return -EINVAL;
	dom = init_secrets(cmd, &po, &dom_len, &shares);
	if (IS_ERR(dom))
		return PTR_ERR(dom);
	/*
	 * The shares reach user space before anything changes, and without
	 * the HSM's lock held; if the init is refused they open nothing.
	 */
	if (quorum && copy_to_user(u64_to_user_ptr(cmd->shares), shares,
				   2 * cmd->quorum_n * sizeof(*shares))) {
		ret = -EFAULT;
		goto out_free;
	}

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
	if (quorum != is_quorum(p)) {
		ret = -EINVAL;
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
	memzero_explicit(next->challenges, sizeof(next->challenges));
	memzero_explicit(next->domains, sizeof(next->domains));
	next->roles[CLONEDEV_ROLE_PO] = po;
	strscpy(next->domains[0].label, cmd->domain_label,
		sizeof(next->domains[0].label));
	memcpy(next->domains[0].secret, dom, dom_len);
	next->domains[0].len = dom_len;
	next->domains[0].type = quorum ? CLONEDEV_DOMAIN_QUORUM :
					 CLONEDEV_DOMAIN_TEXT;
	next->n_domains = 1;
	if (cmd->label[0])
		strscpy(next->label, cmd->label, sizeof(next->label));
	cld_policy_defaults(next->policies);
	next->suites_disabled = 0;
	next->state = CLONEDEV_STATE_INITIALIZED;
	ret = cld_domain_fingerprint(&next->domains[0], cmd->fingerprint) ?:
	      cld_partition_persist_clear(next);
	if (!ret) {
		cld_partition_assign(p, next);
		cld_partition_destroy_objects(p);
		cld_partition_deactivate(p);
		memset(p->pending, 0, sizeof(p->pending));
		p->generation++;
	}
	s->role = CLONEDEV_ROLE_NONE;
out_unlock:
	mutex_unlock(&cld_hsm.lock);
	mutex_unlock(&s->lock);
	kfree_sensitive(next);
out_free:
	memzero_explicit(&po, sizeof(po));
	kfree_sensitive(shares);
	kfree_sensitive(dom);
	return ret;
}

int cld_session_login(struct cld_session *s, void *arg)
{
	struct clonedev_login *cmd = arg;
	struct cld_partition *p;
	u32 len;
	u8 *pw;
	int ret;

	if (cmd->flags)
		return -EOPNOTSUPP;
	if (cmd->role < CLONEDEV_ROLE_PO || cmd->role > CLONEDEV_ROLE_CU ||
	    cmd->__reserved || (cmd->share_count && cmd->secret_len))
		return -EINVAL;
	pw = request_secret(cmd->secret, cmd->secret_len, cmd->shares,
			    cmd->share_count, &len);
	if (IS_ERR(pw))
		return PTR_ERR(pw);
	mutex_lock(&s->lock);
	s->role = CLONEDEV_ROLE_NONE;
	ret = verify(s, cmd->role, pw, len, cmd->share_count, &p);
	if (!ret) {
		s->role = cmd->role;
		s->generation = p->generation;
		s->role_gen = p->role_gen[cmd->role];
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
	cld_ops_forget(s);
	mutex_unlock(&s->lock);
	return ret;
}

int cld_session_role_init(struct cld_session *s, void *arg)
{
	struct clonedev_role_init *cmd = arg;
	struct clonedev_share *shares = NULL;
	bool quorum = cmd->quorum_n;
	struct cld_partition *p;
	struct cld_cred cred;
	u32 len = cmd->secret_len;
	u8 *pw;
	int ret;

	if (cmd->flags)
		return -EOPNOTSUPP;
	if (cmd->role != CLONEDEV_ROLE_CO && cmd->role != CLONEDEV_ROLE_CU)
		return -EINVAL;
	if (quorum ? cmd->secret_len || !cmd->shares :
		     cmd->quorum_m || cmd->shares)
		return -EINVAL;
	if (quorum) {
		pw = new_quorum_secret(cmd->quorum_m, cmd->quorum_n, &shares);
		len = CLONEDEV_SHARE_LEN;
	} else {
		pw = copy_secret(cmd->secret, cmd->secret_len);
	}
	if (IS_ERR(pw))
		return PTR_ERR(pw);
	ret = cld_cred_set(&cred, pw, len);
	kfree_sensitive(pw);
	if (ret)
		goto out_free;
	/* As for a partition init: the shares first, outside the lock. */
	if (quorum && copy_to_user(u64_to_user_ptr(cmd->shares), shares,
				   cmd->quorum_n * sizeof(*shares))) {
		ret = -EFAULT;
		goto out_free;
	}

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
	if (quorum != is_quorum(p)) {
		ret = -EINVAL;
		goto out;
	}
	ret = set_role_cred(p, cmd->role, &cred);
	if (!ret)
		cld_partition_forget_role(p, cmd->role);
out:
	mutex_unlock(&cld_hsm.lock);
	mutex_unlock(&s->lock);
out_free:
	memzero_explicit(&cred, sizeof(cred));
	kfree_sensitive(shares);
	return ret;
}

int cld_session_changepw(struct cld_session *s, void *arg)
{
	struct clonedev_role_changepw *cmd = arg;
	struct cld_partition *p;
	struct cld_cred cred;
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
	/* A quorum role's secret is M-of-N shares, never a password. */
	if (!ret && is_quorum(p))
		ret = -EOPNOTSUPP;
	mutex_unlock(&cld_hsm.lock);
	if (!ret)
		ret = verify(s, role, oldpw, cmd->old_len, false, &p);
	if (!ret) {
		/* Other sessions of the role log out; this one stays. */
		ret = set_role_cred(p, role, &cred);
		s->role_gen = p->role_gen[role];
		mutex_unlock(&cld_hsm.lock);
	}
	mutex_unlock(&s->lock);
out_free:
	memzero_explicit(&cred, sizeof(cred));
	kfree_sensitive(newpw);
	kfree_sensitive(oldpw);
	return ret;
}

int cld_session_role_challenge(struct cld_session *s, void *arg)
{
	struct clonedev_role_challenge *cmd = arg;
	struct cld_partition *p;
	struct cld_cred cred;
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
	if (!p)
		ret = -ENODEV;
	else if (!logged_in(s, p) || s->role != cmd->role - 1)
		ret = -EACCES;
	else if (p->auth != CLONEDEV_AUTH_QUORUM)
		ret = -EINVAL;
	if (ret)
		goto out;
	ret = replace_cred(p, &p->challenges[cmd->role], &cred);
out:
	mutex_unlock(&cld_hsm.lock);
	mutex_unlock(&s->lock);
	memzero_explicit(&cred, sizeof(cred));
	return ret;
}

int cld_session_activation(struct cld_session *s, void *arg)
{
	struct clonedev_activation *cmd = arg;
	struct cld_partition *p;
	int ret = 0;

	if (cmd->flags)
		return -EOPNOTSUPP;
	if (cmd->__reserved || cmd->activate > 1)
		return -EINVAL;
	mutex_lock(&s->lock);
	mutex_lock(&cld_hsm.lock);
	p = cld_session_partition(s);
	if (!p)
		ret = -ENODEV;
	else if (!cld_session_is(s, p, CLONEDEV_ROLE_PO) &&
		 !cld_session_is(s, p, CLONEDEV_ROLE_CO))
		ret = -EACCES;
	else if (p->auth != CLONEDEV_AUTH_QUORUM)
		ret = -EINVAL;
	else if (cmd->activate && !cld_policy(p, CLONEDEV_POLICY_ACTIVATION))
		ret = -EPERM;
	else if (cmd->activate)
		p->activated = true;
	else
		cld_partition_deactivate(p);
	mutex_unlock(&cld_hsm.lock);
	mutex_unlock(&s->lock);
	return ret;
}
