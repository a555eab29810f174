// SPDX-License-Identifier: GPL-2.0
/*
 * Roles: login and logout, a login shared from another session, a role's
 * first credential, a password change, the challenge secret of a quorum
 * role and activation (CLONEDEV_IOCTL_LOGIN, LOGOUT, ROLE_INIT,
 * ROLE_CHANGEPW, ROLE_CHALLENGE and ACTIVATION; uapi/linux/clonedev.h has
 * their errno contracts), and the lockout rules. Password hashing runs without cld_hsm.lock; each
 * attempt is counted durably before it and checked again after it.
 */
#include <crypto/algapi.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "cred.h"
#include "hsm.h"
#include "ops.h"
#include "partition.h"
#include "ped.h"
#include "policy.h"
#include "role.h"
#include "session.h"

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

/*
 * True if @role of @p is locked out; cu cannot log in while co is locked
 * out: co's lockout locks both. Must hold cld_hsm.lock.
 */
bool cld_role_locked(const struct cld_partition *p, u32 role)
{
	lockdep_assert_held(&cld_hsm.lock);
	if ((p->roles[role].flags & CLONEDEV_ROLE_LOCKED) ||
	    (role != CLONEDEV_ROLE_PO &&
	     settled_failures(p, role) >= max_failures(p, role)))
		return true;
	return role == CLONEDEV_ROLE_CU && cld_role_locked(p, CLONEDEV_ROLE_CO);
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

	lockdep_assert_held(&s->lock);
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
	if (cld_role_locked(p, role)) {
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
	if (cld_role_locked(p, role)) {
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

/*
 * The secret of a login: its password or shares, or with
 * CLONEDEV_LOGIN_PED the shares the session's remote PED channel holds
 * for the role. Must hold s->lock.
 */
static u8 *login_secret(struct cld_session *s, struct clonedev_login *cmd,
			u8 *pw, u32 *len)
{
	u64 serial;

	lockdep_assert_held(&s->lock);
	if (!(cmd->flags & CLONEDEV_LOGIN_PED))
		return pw;
	*len = CLONEDEV_SHARE_LEN;
	return cld_ped_secret(s, cmd->role, NULL, NULL, &serial);
}

int cld_role_login(struct cld_session *s, void *arg)
{
	struct clonedev_login *cmd = arg;
	bool ped = cmd->flags & CLONEDEV_LOGIN_PED;
	struct cld_partition *p;
	u8 *pw = NULL;
	u32 len;
	int ret;

	if (cmd->role < CLONEDEV_ROLE_PO || cmd->role > CLONEDEV_ROLE_CU ||
	    (cmd->share_count && cmd->secret_len) ||
	    (ped && (cmd->share_count || cmd->secret_len)))
		return -EINVAL;
	if (!ped) {
		pw = cld_secret_from_request(cmd->secret, cmd->secret_len,
					     cmd->shares, cmd->share_count,
					     &len);
		if (IS_ERR(pw))
			return PTR_ERR(pw);
	}
	mutex_lock(&s->lock);
	pw = login_secret(s, cmd, pw, &len);
	if (IS_ERR(pw)) {
		ret = PTR_ERR(pw);
		pw = NULL;
		goto out;
	}
	s->role = CLONEDEV_ROLE_NONE;
	ret = verify(s, cmd->role, pw, len, cmd->share_count || ped, &p);
	if (!ret) {
		s->role = cmd->role;
		s->generation = p->generation;
		s->role_gen = p->role_gen[cmd->role];
		mutex_unlock(&cld_hsm.lock);
	}
out:
	mutex_unlock(&s->lock);
	kfree_sensitive(pw);
	return ret;
}

/* A session's login as read under its lock. */
struct login_state {
	u32 slot;
	u64 serial;
	u32 role;
	u64 generation;
	u64 role_gen;
};

/**
 * cld_role_login_share() - log @s in with the login of @from
 * @s: the session to log in
 * @from: another session, whose file the caller holds
 *
 * CLONEDEV_LOGIN_SHARE: @s takes @from's slot, role and the generations
 * its login was made at, so the events that end @from's login end this
 * one (cld_session_logged_in()). @from's state is read under its lock,
 * released before @s->lock is taken (the two are never held together,
 * hsm.h), then checked against the partition under cld_hsm.lock: a
 * re-initialization or new credential that completed before the check
 * changed a generation and refuses the share. Nothing is counted.
 *
 * Return: 0; -EACCES if @from is not logged in; -ENODEV if its partition
 * is gone; -ESTALE if it is zeroized; -EKEYREVOKED if the role is locked
 * out. @s is left as it was on every error.
 */
int cld_role_login_share(struct cld_session *s, struct cld_session *from)
{
	struct cld_partition *p;
	struct login_state ls;
	int ret = 0;

	mutex_lock(&from->lock);
	ls = (struct login_state){
		.slot = from->slot, .serial = from->serial, .role = from->role,
		.generation = from->generation, .role_gen = from->role_gen,
	};
	mutex_unlock(&from->lock);
	if (ls.role == CLONEDEV_ROLE_NONE || !ls.slot)
		return -EACCES;

	mutex_lock(&s->lock);
	mutex_lock(&cld_hsm.lock);
	p = cld_hsm_partition(ls.slot, ls.serial);
	if (!p)
		ret = -ENODEV;
	else if (p->state == CLONEDEV_STATE_ZEROIZED)
		ret = -ESTALE;
	else if (p->generation != ls.generation ||
		 p->role_gen[ls.role] != ls.role_gen)
		ret = -EACCES;
	else if (cld_role_locked(p, ls.role))
		ret = -EKEYREVOKED;
	if (ret)
		goto out;
	/* Another partition's keys in use go, as with a slot selection. */
	if (s->slot != ls.slot || s->serial != ls.serial) {
		cld_ops_forget(s);
		cld_ped_end(s);
	}
	s->slot = ls.slot;
	s->serial = ls.serial;
	s->role = ls.role;
	s->generation = ls.generation;
	s->role_gen = ls.role_gen;
out:
	mutex_unlock(&cld_hsm.lock);
	mutex_unlock(&s->lock);
	return ret;
}

int cld_role_logout(struct cld_session *s, void *arg)
{
	int ret = 0;

	mutex_lock(&s->lock);
	if (s->role == CLONEDEV_ROLE_NONE)
		ret = -EACCES;
	s->role = CLONEDEV_ROLE_NONE;
	cld_ops_forget(s);
	mutex_unlock(&s->lock);
	return ret;
}

/*
 * The credential of a role init through the PED (CLONEDEV_ROLE_INIT_PED):
 * the secret the session's channel made for @cmd->role and had stored,
 * consumed whatever comes of it. Must hold s->lock.
 */
static int role_init_ped(struct cld_session *s,
			 const struct clonedev_role_init *cmd,
			 struct cld_cred *cred, u64 *serial)
{
	u8 *pw;
	int ret;

	lockdep_assert_held(&s->lock);
	pw = cld_ped_made(s, cmd->role, NULL, cmd->quorum_m, cmd->quorum_n,
			  serial);
	if (IS_ERR(pw))
		return PTR_ERR(pw);
	ret = cld_cred_set(cred, pw, CLONEDEV_SHARE_LEN);
	kfree_sensitive(pw);
	return ret;
}

int cld_role_init(struct cld_session *s, void *arg)
{
	struct clonedev_role_init *cmd = arg;
	bool ped = cmd->flags & CLONEDEV_ROLE_INIT_PED;
	struct clonedev_share *shares = NULL;
	bool quorum = cmd->quorum_n;
	struct cld_partition *p;
	struct cld_cred cred;
	u32 len = cmd->secret_len;
	u64 serial = 0;
	u8 *pw;
	int ret;

	if (cmd->role != CLONEDEV_ROLE_CO && cmd->role != CLONEDEV_ROLE_CU)
		return -EINVAL;
	if (quorum ? cmd->secret_len || !cmd->shares == !ped :
		     cmd->quorum_m || cmd->shares || ped)
		return -EINVAL;
	memset(&cred, 0, sizeof(cred));
	if (ped) {
		/* The secret is the session's: taken under its lock. */
		mutex_lock(&s->lock);
		ret = role_init_ped(s, cmd, &cred, &serial);
		if (ret) {
			mutex_unlock(&s->lock);
			goto out_free;
		}
		goto locked;
	}
	if (quorum) {
		pw = cld_secret_new_quorum(cmd->quorum_m, cmd->quorum_n, &shares);
		len = CLONEDEV_SHARE_LEN;
	} else {
		pw = cld_secret_from_user(cmd->secret, cmd->secret_len);
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
locked:
	mutex_lock(&cld_hsm.lock);
	/* po initializes co; co initializes cu. */
	p = cld_session_partition_as(s, CLD_ROLE_BIT(cmd->role - 1));
	if (IS_ERR(p)) {
		ret = PTR_ERR(p);
		goto out;
	}
	if (quorum != cld_partition_is_quorum(p)) {
		ret = -EINVAL;
		goto out;
	}
	/* A secret made for another partition (a slot reused) is not its. */
	if (ped && serial != p->serial) {
		ret = -ENODATA;
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

int cld_role_changepw(struct cld_session *s, void *arg)
{
	struct clonedev_role_changepw *cmd = arg;
	struct cld_partition *p;
	struct cld_cred cred;
	u8 *oldpw, *newpw;
	u32 role;
	int ret;

	oldpw = cld_secret_from_user(cmd->old_secret, cmd->old_len);
	if (IS_ERR(oldpw))
		return PTR_ERR(oldpw);
	newpw = cld_secret_from_user(cmd->new_secret, cmd->new_len);
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
	ret = p && cld_session_logged_in(s, p) ? 0 : -EACCES;
	/* A quorum role's secret is M-of-N shares, never a password. */
	if (!ret && cld_partition_is_quorum(p))
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

int cld_role_challenge(struct cld_session *s, void *arg)
{
	struct clonedev_role_challenge *cmd = arg;
	struct cld_partition *p;
	struct cld_cred cred;
	u8 *pw;
	int ret;

	if (cmd->role != CLONEDEV_ROLE_CO && cmd->role != CLONEDEV_ROLE_CU)
		return -EINVAL;
	pw = cld_secret_from_user(cmd->secret, cmd->secret_len);
	if (IS_ERR(pw))
		return PTR_ERR(pw);
	ret = cld_cred_set(&cred, pw, cmd->secret_len);
	kfree_sensitive(pw);
	if (ret)
		return ret;

	mutex_lock(&s->lock);
	mutex_lock(&cld_hsm.lock);
	p = cld_session_partition_as(s, CLD_ROLE_BIT(cmd->role - 1));
	if (IS_ERR(p))
		ret = PTR_ERR(p);
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

int cld_role_activation(struct cld_session *s, void *arg)
{
	struct clonedev_activation *cmd = arg;
	struct cld_partition *p;
	int ret = 0;

	if (cmd->activate > 1)
		return -EINVAL;
	mutex_lock(&s->lock);
	mutex_lock(&cld_hsm.lock);
	p = cld_session_partition_as(s, CLD_ROLE_BIT(CLONEDEV_ROLE_PO) |
				     CLD_ROLE_BIT(CLONEDEV_ROLE_CO));
	if (IS_ERR(p))
		ret = PTR_ERR(p);
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
