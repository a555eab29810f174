// SPDX-License-Identifier: GPL-2.0
/*
 * Partitions: the HSM administrator's create and delete
 * (CLONEDEV_CMD_PARTITION_CREATE / _DELETE), and the sealed records that
 * keep them, with their slot numbers and serials, across reloads.
 */
#include <linux/ctype.h>
#include <linux/netlink.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "hsm.h"
#include "object.h"
#include "partition.h"
#include "policy.h"
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
} __packed;

/*
 * The lengths earlier modules wrote: before challenges, before suites,
 * before the failed clone handshakes.
 */
#define PARTITION_REC_V1 offsetof(struct partition_rec, challenges)
#define PARTITION_REC_V2 offsetof(struct partition_rec, suites_disabled)
#define PARTITION_REC_V3 offsetof(struct partition_rec, clone_failures)

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

bool cld_label_ok(const char *label)
{
	size_t i, len = strlen(label);

	if (len < 1 || len > CLD_LABEL_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!isprint(label[i]))
			return false;
	return true;
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
	if (p->suites_disabled & ~CLONEDEV_SUITES_ALL)
		return -EBADMSG;
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
	    p->slot > CLD_MAX_PARTITIONS)
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

/*
 * The partition in @slot if it is still the one with @serial (a deleted
 * and re-created slot is another partition). Must hold cld_hsm.lock.
 */
struct cld_partition *cld_partition_get(u32 slot, u64 serial)
{
	struct cld_partition *p;

	lockdep_assert_held(&cld_hsm.lock);
	p = xa_load(&cld_hsm.partitions, slot);
	return p && p->serial == serial ? p : NULL;
}

/* Destroys every object of @p in memory. Must hold cld_hsm.lock. */
void cld_partition_destroy_objects(struct cld_partition *p)
{
	lockdep_assert_held(&cld_hsm.lock);
	cld_object_destroy_all(p);
}

/* Frees a partition and its objects. Must hold cld_hsm.lock. */
/* Wipes a role's cached secret. Must hold cld_hsm.lock. */
void cld_partition_forget_role(struct cld_partition *p, u32 role)
{
	kfree_sensitive(p->cache[role]);
	p->cache[role] = NULL;
}

/* Ends activation and wipes every cached secret. Must hold cld_hsm.lock. */
void cld_partition_deactivate(struct cld_partition *p)
{
	u32 role;

	for (role = 0; role < ARRAY_SIZE(p->cache); role++)
		cld_partition_forget_role(p, role);
	p->activated = false;
}

static void free_partition(struct cld_partition *p)
{
	cld_partition_deactivate(p);
	cld_object_destroy_all(p);
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
	p->by_ouid = RB_ROOT;

	mutex_lock(&cld_hsm.lock);
	ret = cld_hsm_activate(extack);
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
	kfree_sensitive(p);
	return ret;
}

int cld_partition_delete(u32 slot, struct netlink_ext_ack *extack)
{
	struct cld_partition *p;
	__le32 rec = cpu_to_le32(slot);
	int ret;

	mutex_lock(&cld_hsm.lock);
	ret = cld_hsm_activate(extack);
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

/* Store replay: called with cld_hsm.lock held, one committed record. */
int cld_partition_apply(u16 type, const void *data, u32 len)
{
	struct cld_partition *p, *old;
	struct partition_rec *rec;
	int ret;

	lockdep_assert_held(&cld_hsm.lock);
	switch (type) {
	case CLD_REC_PARTITION:
		if (len != sizeof(struct partition_rec) &&
		    len != PARTITION_REC_V1 && len != PARTITION_REC_V2 &&
		    len != PARTITION_REC_V3)
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
		p->by_ouid = RB_ROOT;
		old = xa_store(&cld_hsm.partitions, p->slot, p, GFP_KERNEL);
		if (xa_is_err(old)) {
			kfree_sensitive(p);
			return xa_err(old);
		}
		cld_hsm.partition_count++;
		return 0;
	case CLD_REC_PARTITION_DEL:
		if (len != sizeof(__le32))
			return -EBADMSG;
		old = xa_erase(&cld_hsm.partitions,
			       le32_to_cpu(*(const __le32 *)data));
		if (old) {
			free_partition(old);
			cld_hsm.partition_count--;
		}
		return 0;
	case CLD_REC_OBJECT:
	case CLD_REC_OBJECT_DEL:
	case CLD_REC_OBJECTS_CLEAR:
		return cld_object_apply(type, data, len);
	}
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
