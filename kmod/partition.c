// SPDX-License-Identifier: GPL-2.0
/*
 * Partitions: the HSM administrator's create and delete
 * (CLONEDEV_CMD_PARTITION_CREATE / _DELETE), the po's initialization
 * and policy changes (CLONEDEV_IOCTL_PARTITION_INIT, POLICY_GET / _SET,
 * SUITES), the sealed records that keep them, with
 * their slot numbers and serials, across reloads, and loading them: the
 * store opened, each record replayed through one table.
 */
#include <linux/capability.h>
#include <linux/netlink.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "cred.h"
#include "hsm.h"
#include "kdf.h"
#include "object.h"
#include "partition.h"
#include "policy.h"
#include "session.h"
#include "store.h"

/* CLD_REC_PARTITION payload, little-endian (docs/store-format.md). */
struct cred_rec {
	u8 salt[CLD_SALT_LEN];
	u8 hash[CLD_HASH_LEN];
	__le32 iterations;
	__le32 failures;
	__le32 flags;
} __packed;

struct domain_rec {
	char label[CLD_LABEL_MAX];
	__le16 len;
	__le16 type;
	u8 secret[CLONEDEV_SECRET_MAX];
} __packed;

struct partition_rec {
	__le32 slot;
	__le32 auth;
	__le32 type;
	__le32 protocol_level;
	__le32 state;
	__le32 n_domains;
	__le64 serial;
	char label[CLD_LABEL_MAX];
	struct cred_rec roles[3];	/* po, co, cu */
	struct domain_rec domains[CLD_MAX_DOMAINS];
	__le32 policies[CLONEDEV_POLICY_COUNT];
	/* Added later; a shorter record has none set. */
	struct cred_rec challenges[2];	/* co, cu */
	__le32 suites_disabled;
	__le32 reserved;
	__le32 clone_failures;
	__le32 rpv_set;			/* 1: @rpv is the remote PED vector */
	u8 rpv[CLD_RPV_LEN];
} __packed;

/*
 * The lengths earlier modules wrote: before challenges, before suites,
 * before the failed clone handshakes, before the remote PED vector.
 */
#define PARTITION_REC_V1 offsetof(struct partition_rec, challenges)
#define PARTITION_REC_V2 offsetof(struct partition_rec, suites_disabled)
#define PARTITION_REC_V3 offsetof(struct partition_rec, clone_failures)
#define PARTITION_REC_V4 offsetof(struct partition_rec, rpv_set)

static void cred_to_rec(const struct cld_cred *c, struct cred_rec *r)
{
	memcpy(r->salt, c->salt, CLD_SALT_LEN);
	memcpy(r->hash, c->hash, CLD_HASH_LEN);
	r->iterations = cpu_to_le32(c->iterations);
	r->failures = cpu_to_le32(c->failures);
	r->flags = cpu_to_le32(c->flags);
}

static void cred_from_rec(const struct cred_rec *r, struct cld_cred *c)
{
	memcpy(c->salt, r->salt, CLD_SALT_LEN);
	memcpy(c->hash, r->hash, CLD_HASH_LEN);
	c->iterations = le32_to_cpu(r->iterations);
	c->failures = le32_to_cpu(r->failures);
	c->flags = le32_to_cpu(r->flags);
}

/* Must hold cld_hsm.lock. */
struct cld_partition *cld_partition_find_label(const char *label)
{
	struct cld_partition *p;
	unsigned long slot;

	lockdep_assert_held(&cld_hsm.lock);
	xa_for_each(&cld_hsm.partitions, slot, p)
		if (!strcmp(p->label, label))
			return p;
	return NULL;
}

/* Must hold cld_hsm.lock. */
static bool serial_taken(u64 serial)
{
	struct cld_partition *p;
	unsigned long slot;

	lockdep_assert_held(&cld_hsm.lock);
	xa_for_each(&cld_hsm.partitions, slot, p)
		if (p->serial == serial)
			return true;
	return false;
}

static void to_rec(const struct cld_partition *p, struct partition_rec *r)
{
	int i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < 3; i++)
		cred_to_rec(&p->roles[i + 1], &r->roles[i]);
	for (i = 0; i < 2; i++)
		cred_to_rec(&p->challenges[CLONEDEV_ROLE_CO + i],
			    &r->challenges[i]);
	for (i = 0; i < CLONEDEV_POLICY_COUNT; i++)
		r->policies[i] = cpu_to_le32(p->policies[i]);
	r->suites_disabled = cpu_to_le32(p->suites_disabled);
	r->clone_failures = cpu_to_le32(p->clone_failures);
	r->rpv_set = cpu_to_le32(p->has_rpv);
	if (p->has_rpv)
		memcpy(r->rpv, p->rpv, CLD_RPV_LEN);
	r->n_domains = cpu_to_le32(p->n_domains);
	for (i = 0; i < p->n_domains; i++) {
		memcpy(r->domains[i].label, p->domains[i].label,
		       strnlen(p->domains[i].label, CLD_LABEL_MAX));
		r->domains[i].len = cpu_to_le16(p->domains[i].len);
		r->domains[i].type = cpu_to_le16(p->domains[i].type);
		memcpy(r->domains[i].secret, p->domains[i].secret,
		       p->domains[i].len);
	}
	r->slot = cpu_to_le32(p->slot);
	r->auth = cpu_to_le32(p->auth);
	r->type = cpu_to_le32(p->type);
	r->protocol_level = cpu_to_le32(p->protocol_level);
	r->state = cpu_to_le32(p->state);
	r->serial = cpu_to_le64(p->serial);
	memcpy(r->label, p->label, strnlen(p->label, CLD_LABEL_MAX));
}

static int from_rec(const struct partition_rec *r, struct cld_partition *p)
{
	int i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < 3; i++)
		cred_from_rec(&r->roles[i], &p->roles[i + 1]);
	for (i = 0; i < 2; i++)
		cred_from_rec(&r->challenges[i],
			      &p->challenges[CLONEDEV_ROLE_CO + i]);
	for (i = 0; i < CLONEDEV_POLICY_COUNT; i++)
		p->policies[i] = le32_to_cpu(r->policies[i]);
	p->suites_disabled = le32_to_cpu(r->suites_disabled);
	p->clone_failures = le32_to_cpu(r->clone_failures);
	if (p->suites_disabled & ~CLONEDEV_SUITES_ALL ||
	    le32_to_cpu(r->rpv_set) > 1)
		return -EBADMSG;
	p->has_rpv = le32_to_cpu(r->rpv_set);
	if (p->has_rpv)
		memcpy(p->rpv, r->rpv, CLD_RPV_LEN);
	p->n_domains = le32_to_cpu(r->n_domains);
	if (p->n_domains > CLD_MAX_DOMAINS)
		return -EBADMSG;
	for (i = 0; i < p->n_domains; i++) {
		memcpy(p->domains[i].label, r->domains[i].label, CLD_LABEL_MAX);
		p->domains[i].len = le16_to_cpu(r->domains[i].len);
		p->domains[i].type = le16_to_cpu(r->domains[i].type);
		if (p->domains[i].len > CLONEDEV_SECRET_MAX ||
		    p->domains[i].type > CLONEDEV_DOMAIN_QUORUM)
			return -EBADMSG;
		memcpy(p->domains[i].secret, r->domains[i].secret,
		       p->domains[i].len);
	}
	p->slot = le32_to_cpu(r->slot);
	p->auth = le32_to_cpu(r->auth);
	p->type = le32_to_cpu(r->type);
	p->protocol_level = le32_to_cpu(r->protocol_level);
	p->state = le32_to_cpu(r->state);
	p->serial = le64_to_cpu(r->serial);
	memcpy(p->label, r->label, CLD_LABEL_MAX);
	if (!cld_label_ok(p->label) || p->slot < 1 ||
	    p->slot > CLD_MAX_PARTITIONS ||
	    (p->type != CLONEDEV_PTYPE_APPLICATION &&
	     p->type != CLONEDEV_PTYPE_BACKUP))
		return -EBADMSG;
	return 0;
}

/*
 * Records one partition's whole state in the store, durably.
 * Must hold cld_hsm.lock.
 */
static int persist(const struct cld_partition *p, bool clear_objects)
{
	__le32 slot = cpu_to_le32(p->slot);
	struct partition_rec *r;
	int ret = 0;

	lockdep_assert_held(&cld_hsm.lock);
	r = kmalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	to_rec(p, r);
	if (clear_objects)
		ret = cld_store_put(CLD_REC_OBJECTS_CLEAR, &slot, sizeof(slot));
	if (!ret)
		ret = cld_store_put(CLD_REC_PARTITION, r, sizeof(*r));
	if (!ret)
		ret = cld_store_commit();
	else
		cld_store_abort();
	kfree_sensitive(r);
	/* No compaction here: the caller's memory may not match yet. */
	return ret;
}

int cld_partition_persist(const struct cld_partition *p)
{
	return persist(p, false);
}

/* As cld_partition_persist(), recording too that every object is gone. */
int cld_partition_persist_clear(const struct cld_partition *p)
{
	return persist(p, true);
}

/* The store's snapshot: each partition, then its objects. */
int cld_partition_snapshot(void)
{
	struct partition_rec *r;
	struct cld_partition *p;
	unsigned long slot;
	int ret = 0;

	lockdep_assert_held(&cld_hsm.lock);
	r = kmalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	xa_for_each(&cld_hsm.partitions, slot, p) {
		to_rec(p, r);
		ret = cld_store_put(CLD_REC_PARTITION, r, sizeof(*r));
		if (!ret)
			ret = cld_object_snapshot(p);
		if (ret)
			break;
	}
	kfree_sensitive(r);
	return ret;
}

/* The bytes in the log of what cld_partition_snapshot() puts. */
static u64 snapshot_size(void)
{
	struct cld_partition *p;
	unsigned long slot;
	u64 size = 0;

	lockdep_assert_held(&cld_hsm.lock);
	xa_for_each(&cld_hsm.partitions, slot, p)
		size += cld_store_rec_size(sizeof(struct partition_rec)) +
			cld_object_snapshot_size(p);
	return size;
}

/* Destroys every object of @p in memory. Must hold cld_hsm.lock. */
void cld_partition_destroy_objects(struct cld_partition *p)
{
	lockdep_assert_held(&cld_hsm.lock);
	cld_object_destroy_all(p);
}

/* Wipes a role's cached secret. Must hold cld_hsm.lock. */
void cld_partition_forget_role(struct cld_partition *p, u32 role)
{
	lockdep_assert_held(&cld_hsm.lock);
	kfree_sensitive(p->cache[role]);
	p->cache[role] = NULL;
}

/* Ends activation and wipes every cached secret. Must hold cld_hsm.lock. */
void cld_partition_deactivate(struct cld_partition *p)
{
	u32 role;

	lockdep_assert_held(&cld_hsm.lock);
	for (role = 0; role < ARRAY_SIZE(p->cache); role++)
		cld_partition_forget_role(p, role);
	p->activated = false;
}

static void free_partition(struct cld_partition *p)
{
	cld_partition_deactivate(p);
	cld_object_destroy_all(p);
	cld_object_index_free(p);
	xa_destroy(&p->objects);
	kfree_sensitive(p);
}

/*
 * Copies what the partition record holds; objects stay as they are.
 * Must hold cld_hsm.lock.
 */
void cld_partition_assign(struct cld_partition *dst,
			  const struct cld_partition *src)
{
	lockdep_assert_held(&cld_hsm.lock);
	dst->auth = src->auth;
	dst->type = src->type;
	dst->protocol_level = src->protocol_level;
	dst->state = src->state;
	dst->serial = src->serial;
	memcpy(dst->label, src->label, sizeof(dst->label));
	memcpy(dst->roles, src->roles, sizeof(dst->roles));
	memcpy(dst->challenges, src->challenges, sizeof(dst->challenges));
	dst->n_domains = src->n_domains;
	memcpy(dst->domains, src->domains, sizeof(dst->domains));
	memcpy(dst->policies, src->policies, sizeof(dst->policies));
	dst->suites_disabled = src->suites_disabled;
	dst->clone_failures = src->clone_failures;
	dst->has_rpv = src->has_rpv;
	memcpy(dst->rpv, src->rpv, sizeof(dst->rpv));
}

/*
 * Destroys every object, domain and role credential: what 10 wrong PO
 * passwords in a row do. Must hold cld_hsm.lock; the caller persists.
 */
void cld_partition_zeroize(struct cld_partition *p)
{
	lockdep_assert_held(&cld_hsm.lock);
	cld_partition_deactivate(p);
	memzero_explicit(p->roles, sizeof(p->roles));
	memzero_explicit(p->challenges, sizeof(p->challenges));
	memzero_explicit(p->domains, sizeof(p->domains));
	memset(p->pending, 0, sizeof(p->pending));
	p->n_domains = 0;
	p->clone_failures = 0;
	p->has_rpv = false;
	memzero_explicit(p->rpv, sizeof(p->rpv));
	cld_partition_destroy_objects(p);
	p->state = CLONEDEV_STATE_ZEROIZED;
	p->generation++;
}

/* Must hold cld_hsm.lock. */
void cld_partition_info(const struct cld_partition *p,
			struct cld_slot_info *info)
{
	lockdep_assert_held(&cld_hsm.lock);
	info->slot = p->slot;
	info->auth = p->auth;
	info->type = p->type;
	info->protocol_level = p->protocol_level;
	info->state = p->state;
	info->object_count = p->object_count;
	info->serial = p->serial;
	memcpy(info->label, p->label, sizeof(info->label));
}

int cld_partition_create(const struct cld_partition_params *params,
			 struct cld_slot_info *out,
			 struct netlink_ext_ack *extack)
{
	struct cld_partition *p;
	u32 slot;
	int ret;

	if (!cld_label_ok(params->label)) {
		NL_SET_ERR_MSG(extack, "a partition label is 1 to 32 printable characters");
		return -EINVAL;
	}
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	strscpy(p->label, params->label, sizeof(p->label));
	p->auth = params->auth;
	p->type = params->type;
	p->protocol_level = params->protocol_level;
	p->state = CLONEDEV_STATE_UNINITIALIZED;
	cld_policy_defaults(p->policies);
	xa_init_flags(&p->objects, XA_FLAGS_ALLOC1);
	p->by_label = RB_ROOT;
	p->by_id = RB_ROOT;
	ret = cld_object_index_init(p);
	if (ret) {
		kfree_sensitive(p);
		return ret;
	}

	mutex_lock(&cld_hsm.lock);
	ret = cld_partition_activate(extack);
	if (ret)
		goto err_unlock;
	if (cld_partition_find_label(p->label)) {
		NL_SET_ERR_MSG(extack, "a partition with this label exists already");
		ret = -EEXIST;
		goto err_unlock;
	}
	do {
		p->serial = 100000000000ULL +
			    get_random_u64() % 900000000000ULL;
	} while (serial_taken(p->serial));
	ret = xa_alloc(&cld_hsm.partitions, &slot, p,
		       XA_LIMIT(1, CLD_MAX_PARTITIONS), GFP_KERNEL);
	if (ret == -EBUSY) {
		NL_SET_ERR_MSG(extack, "the HSM holds its maximum number of partitions");
		ret = -ENOSPC;
	}
	if (ret)
		goto err_unlock;
	p->slot = slot;
	ret = cld_partition_persist(p);
	if (ret) {
		NL_SET_ERR_MSG(extack, "the new partition could not be written to the store");
		xa_erase(&cld_hsm.partitions, slot);
		goto err_unlock;
	}
	cld_hsm.partition_count++;
	cld_partition_info(p, out);
	mutex_unlock(&cld_hsm.lock);
	return 0;

err_unlock:
	mutex_unlock(&cld_hsm.lock);
	cld_object_index_free(p);
	kfree_sensitive(p);
	return ret;
}

int cld_partition_delete(u32 slot, struct netlink_ext_ack *extack)
{
	struct cld_partition *p;
	__le32 rec = cpu_to_le32(slot);
	int ret;

	mutex_lock(&cld_hsm.lock);
	ret = cld_partition_activate(extack);
	if (ret)
		goto out;
	p = xa_load(&cld_hsm.partitions, slot);
	if (!p) {
		NL_SET_ERR_MSG(extack, "no partition has this slot number");
		ret = -ENODEV;
		goto out;
	}
	ret = cld_store_put(CLD_REC_PARTITION_DEL, &rec, sizeof(rec));
	if (!ret)
		ret = cld_store_commit();
	else
		cld_store_abort();
	if (ret) {
		NL_SET_ERR_MSG(extack, "the deletion could not be written to the store");
		goto out;
	}
	xa_erase(&cld_hsm.partitions, slot);
	cld_hsm.partition_count--;
	free_partition(p);
	cld_store_maybe_compact();
out:
	mutex_unlock(&cld_hsm.lock);
	return ret;
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
		pw = cld_secret_from_user(cmd->password, cmd->password_len);
		if (IS_ERR(pw))
			return pw;
		dom = cld_secret_from_user(cmd->domain, cmd->domain_len);
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
	pw = cld_secret_new_quorum(cmd->quorum_m, cmd->quorum_n, &po_sh);
	if (IS_ERR(pw))
		return pw;
	dom = cld_secret_new_quorum(cmd->quorum_m, cmd->quorum_n, &dom_sh);
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

/*
 * Initializes the session's partition with the po credential @po and the
 * primary domain secret @dom (@dom_len bytes); with @made, secrets the
 * remote PED made for the partition of serial @serial, which keeps its
 * RPV. Must hold s->lock.
 */
static int init_locked(struct cld_session *s,
		       struct clonedev_partition_init *cmd,
		       const struct cld_cred *po, const u8 *dom, u32 dom_len,
		       bool made, u64 serial)
{
	struct cld_partition *p, *next = NULL;
	bool quorum = cmd->quorum_n;
	int ret;

	lockdep_assert_held(&s->lock);
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
	if (quorum != cld_partition_is_quorum(p)) {
		ret = -EINVAL;
		goto out_unlock;
	}
	/* Secrets made for another partition (a slot reused) are not its. */
	if (made && serial != p->serial) {
		ret = -ENODATA;
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
	/* Through the PED, the server keyed by the RPV holds the new shares. */
	if (!made) {
		memzero_explicit(next->rpv, sizeof(next->rpv));
		next->has_rpv = false;
	}
	next->roles[CLONEDEV_ROLE_PO] = *po;
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
	ret = cld_kdf_fingerprint(next->domains[0].secret,
				  next->domains[0].len, cmd->fingerprint) ?:
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
	kfree_sensitive(next);
	return ret;
}

int cld_partition_init(struct cld_session *s, void *arg)
{
	struct clonedev_partition_init *cmd = arg;
	struct clonedev_share *shares;
	struct cld_cred po;
	u32 dom_len;
	u8 *dom;
	int ret;

	if (!cld_label_field_ok(cmd->label, true) ||
	    !cld_label_field_ok(cmd->domain_label, false))
		return -EINVAL;
	dom = init_secrets(cmd, &po, &dom_len, &shares);
	if (IS_ERR(dom))
		return PTR_ERR(dom);
	/*
	 * The shares reach user space before anything changes, and without
	 * the HSM's lock held; if the init is refused they open nothing.
	 */
	if (cmd->quorum_n &&
	    copy_to_user(u64_to_user_ptr(cmd->shares), shares,
			 2 * cmd->quorum_n * sizeof(*shares))) {
		ret = -EFAULT;
		goto out_free;
	}
	mutex_lock(&s->lock);
	ret = init_locked(s, cmd, &po, dom, dom_len, false, 0);
	mutex_unlock(&s->lock);
out_free:
	memzero_explicit(&po, sizeof(po));
	kfree_sensitive(shares);
	kfree_sensitive(dom);
	return ret;
}

/*
 * A quorum partition init (CLONEDEV_PARTITION_INIT_PED) with the po
 * credential @po and the primary domain secret @dom that the remote PED
 * made for the partition of serial @serial: the partition keeps its RPV,
 * whose server stored their shares. Must hold s->lock.
 */
int cld_partition_init_made(struct cld_session *s,
			    struct clonedev_partition_init *cmd,
			    const struct cld_cred *po, const u8 *dom,
			    u64 serial)
{
	lockdep_assert_held(&s->lock);
	if (!cld_label_field_ok(cmd->label, true) ||
	    !cld_label_field_ok(cmd->domain_label, false))
		return -EINVAL;
	return init_locked(s, cmd, po, dom, CLONEDEV_SHARE_LEN, true, serial);
}

int cld_partition_policy_get(struct cld_session *s, void *arg)
{
	struct clonedev_policy_get *cmd = arg;
	struct cld_partition *p;
	int i, ret = 0;

	mutex_lock(&s->lock);
	mutex_lock(&cld_hsm.lock);
	p = cld_session_partition_as(s, 0);
	if (IS_ERR(p)) {
		ret = PTR_ERR(p);
		goto out;
	}
	cmd->count = CLONEDEV_POLICY_COUNT;
	for (i = 0; i < CLONEDEV_POLICY_COUNT; i++)
		cld_policy_entry(p, i, &cmd->entries[i]);
out:
	mutex_unlock(&cld_hsm.lock);
	mutex_unlock(&s->lock);
	return ret;
}

int cld_partition_policy_set(struct cld_session *s, void *arg)
{
	struct clonedev_policy_set *cmd = arg;
	struct clonedev_policy_change *ch;
	u32 v[CLONEDEV_POLICY_COUNT], old[CLONEDEV_POLICY_COUNT];
	struct cld_partition *p;
	bool destructive;
	int ret;

	if (!cmd->count || cmd->count > CLONEDEV_POLICY_SET_MAX)
		return -EINVAL;
	ch = memdup_user(u64_to_user_ptr(cmd->changes),
			 cmd->count * sizeof(*ch));
	if (IS_ERR(ch))
		return PTR_ERR(ch);

	mutex_lock(&s->lock);
	mutex_lock(&cld_hsm.lock);
	p = cld_session_partition_as(s, CLD_ROLE_BIT(CLONEDEV_ROLE_PO));
	if (IS_ERR(p)) {
		ret = PTR_ERR(p);
		goto out;
	}
	ret = cld_policy_change(p, ch, cmd->count, v, &destructive);
	if (ret)
		goto out;
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

int cld_partition_suites(struct cld_session *s, void *arg)
{
	struct clonedev_suites *cmd = arg;
	struct cld_partition *p;
	u32 old;
	int ret = 0;

	if ((cmd->enable | cmd->disable) & ~CLONEDEV_SUITES_ALL ||
	    cmd->enable & cmd->disable)
		return -EINVAL;
	mutex_lock(&s->lock);
	mutex_lock(&cld_hsm.lock);
	p = cld_session_partition_as(s, cmd->enable | cmd->disable ?
				     CLD_ROLE_BIT(CLONEDEV_ROLE_PO) : 0);
	if (IS_ERR(p)) {
		ret = PTR_ERR(p);
		goto out;
	}
	if (cmd->enable | cmd->disable) {
		old = p->suites_disabled;
		p->suites_disabled = (old & ~cmd->enable) | cmd->disable;
		ret = cld_partition_persist(p);
		if (ret) {
			p->suites_disabled = old;
			goto out;
		}
	}
	cmd->enabled = CLONEDEV_SUITES_ALL & ~p->suites_disabled;
	cmd->usable = cld_policy_suites(p);
out:
	mutex_unlock(&cld_hsm.lock);
	mutex_unlock(&s->lock);
	return ret;
}

/* Store replay of a partition record. */
static int apply_partition(u16 type, const void *data, u32 len)
{
	struct cld_partition *p, *old;
	struct partition_rec *rec;
	int ret;

	if (len != sizeof(struct partition_rec) &&
	    len != PARTITION_REC_V1 && len != PARTITION_REC_V2 &&
	    len != PARTITION_REC_V3 && len != PARTITION_REC_V4)
		return -EBADMSG;
	p = kmalloc(sizeof(*p), GFP_KERNEL);
	rec = kzalloc(sizeof(*rec), GFP_KERNEL);
	if (!p || !rec) {
		kfree(p);
		kfree(rec);
		return -ENOMEM;
	}
	memcpy(rec, data, len);
	ret = from_rec(rec, p);
	kfree_sensitive(rec);
	old = ret ? NULL : xa_load(&cld_hsm.partitions, p->slot);
	if (ret || old) {
		/* A later state of a known partition: its objects stay. */
		if (old)
			cld_partition_assign(old, p);
		kfree_sensitive(p);
		return ret;
	}
	xa_init_flags(&p->objects, XA_FLAGS_ALLOC1);
	p->by_label = RB_ROOT;
	p->by_id = RB_ROOT;
	p->label_last = NULL;
	p->id_last = NULL;
	ret = cld_object_index_init(p);
	if (ret) {
		kfree_sensitive(p);
		return ret;
	}
	old = xa_store(&cld_hsm.partitions, p->slot, p, GFP_KERNEL);
	if (xa_is_err(old)) {
		cld_object_index_free(p);
		kfree_sensitive(p);
		return xa_err(old);
	}
	cld_hsm.partition_count++;
	return 0;
}

/* Store replay of a partition's deletion. */
static int apply_partition_del(u16 type, const void *data, u32 len)
{
	struct cld_partition *old;

	if (len != sizeof(__le32))
		return -EBADMSG;
	old = xa_erase(&cld_hsm.partitions,
		       le32_to_cpu(*(const __le32 *)data));
	if (old) {
		free_partition(old);
		cld_hsm.partition_count--;
	}
	return 0;
}

/* Where store replay sends each record type (store.h). */
static const struct {
	u16 type;
	int (*apply)(u16 type, const void *data, u32 len);
} replay[] = {
	{ CLD_REC_PARTITION, apply_partition },
	{ CLD_REC_PARTITION_DEL, apply_partition_del },
	{ CLD_REC_OBJECT, cld_object_apply },
	{ CLD_REC_OBJECT_PACKED, cld_object_apply },
	{ CLD_REC_OBJECT_DEL, cld_object_apply },
	{ CLD_REC_OBJECTS_CLEAR, cld_object_apply },
};

/* Store replay: one committed record. Must hold cld_hsm.lock. */
static int apply(u16 type, const void *data, u32 len)
{
	size_t i;

	lockdep_assert_held(&cld_hsm.lock);
	for (i = 0; i < ARRAY_SIZE(replay); i++)
		if (replay[i].type == type)
			return replay[i].apply(type, data, len);
	/* A record type from a newer format: refuse rather than lose it. */
	return -EPROTO;
}

/* Must hold cld_hsm.lock. */
void cld_partition_free_all(void)
{
	struct cld_partition *p;
	unsigned long slot;

	lockdep_assert_held(&cld_hsm.lock);
	xa_for_each(&cld_hsm.partitions, slot, p) {
		xa_erase(&cld_hsm.partitions, slot);
		free_partition(p);
	}
	cld_hsm.partition_count = 0;
}

/*
 * Opens the store if it is not open yet, loading every partition from it.
 * Must hold cld_hsm.lock. Return: 0, or -ENOKEY without the sealing key,
 * -EKEYREJECTED or -EBADMSG for a store that does not unseal, with the
 * reason in @extack and the kernel log; nothing is loaded then.
 */
int cld_partition_activate(struct netlink_ext_ack *extack)
{
	int ret;

	lockdep_assert_held(&cld_hsm.lock);
	if (cld_store_is_open())
		return 0;
	ret = cld_store_open(apply, cld_partition_snapshot, snapshot_size,
			     extack);
	if (ret)
		cld_partition_free_all();
	return ret;
}

/* Opens the store at module load, if its key is there already. */
int cld_partition_init_all(const char *store_dir, loff_t compact_min,
			   u32 tpm_index, bool tpm_reset)
{
	int ret;

	ret = cld_store_init(store_dir, compact_min, tpm_index, tpm_reset);
	if (ret)
		return ret;
	/* Without the key yet, the first administrator request opens it. */
	mutex_lock(&cld_hsm.lock);
	cld_partition_activate(NULL);
	mutex_unlock(&cld_hsm.lock);
	return 0;
}

void cld_partition_uninit_all(void)
{
	mutex_lock(&cld_hsm.lock);
	cld_partition_free_all();
	cld_store_uninit();
	mutex_unlock(&cld_hsm.lock);
}

/* The HSM-info request (CLONEDEV_IOCTL_HSM_INFO, CLONEDEV_CMD_HSM_GET). */
void cld_partition_hsm_info(struct clonedev_hsm_info *info)
{
	strscpy(info->version, CLD_VERSION, sizeof(info->version));
	info->protocols = CLD_PROTOCOLS;
	info->suites = cld_hsm.suites;

	mutex_lock(&cld_hsm.lock);
	info->hsm_flags = cld_hsm.fips ? CLONEDEV_HSM_FIPS : 0;
	if (cld_store_is_open())
		info->hsm_flags |= CLONEDEV_HSM_ACTIVE;
	info->partition_count = cld_hsm.partition_count;
	mutex_unlock(&cld_hsm.lock);
	info->max_partitions = CLD_MAX_PARTITIONS;
}
