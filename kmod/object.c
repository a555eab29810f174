// SPDX-License-Identifier: GPL-2.0
/*
 * Objects (CLONEDEV_IOCTL_OBJECT_*): keys generated in the kernel or
 * imported, and data objects, whose label, id and flags may change if
 * they are modifiable. A partition keeps them by handle in an
 * xarray, by label and by id in two red-black trees and by OUID in a hash
 * table; the store keeps them as CLD_REC_OBJECT_PACKED (CLD_REC_OBJECT
 * from earlier modules) / _OBJECT_DEL / _OBJECTS_CLEAR records. A
 * sensitive value never leaves the kernel.
 */
#include <linux/random.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#ifdef CLD_LINUX_UNALIGNED		/* Kbuild: from 6.12 on */
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#include "hsm.h"
#include "keys.h"
#include "object.h"
#include "partition.h"
#include "policy.h"
#include "rsa_gen.h"
#include "session.h"
#include "store.h"

/* CLD_REC_OBJECT payload, little-endian, followed by value_len bytes. */
/* The fields both object records begin with. */
struct object_head {
	__le32 slot;
	__le32 handle;
	__le32 obj_class;
	__le32 key_type;
	__le32 bits;
	__le32 flags;
} __packed;

struct object_rec {
	struct object_head h;
	__le32 id_len;
	__le32 value_len;
	u8 ouid[CLONEDEV_OUID_LEN];
	u8 kcv[CLONEDEV_KCV_LEN];
	u8 pad;
	char label[CLONEDEV_LABEL_LEN - 1];
	u8 id[CLONEDEV_ID_MAX];
	u8 value[];
} __packed;

/*
 * CLD_REC_OBJECT_PACKED payload, little-endian, followed by the label
 * (label_len bytes, no NUL), the id and the value: what this module
 * writes, about half an AES key's CLD_REC_OBJECT.
 */
struct object_prec {
	struct object_head h;
	__le32 value_len;
	u8 label_len;
	u8 id_len;
	__le16 reserved;
	u8 ouid[CLONEDEV_OUID_LEN];
	u8 kcv[CLONEDEV_KCV_LEN];
	u8 reserved2;
	u8 data[];
} __packed;

struct object_del_rec {
	__le32 slot;
	__le32 handle;
} __packed;

/*
 * Objects come from a cache of their own: at 216 bytes, kmalloc() would
 * give each 256, and a partition of a million objects would waste 40 MB.
 */
static struct kmem_cache *object_cache;

int cld_object_cache_init(void)
{
	object_cache = kmem_cache_create("clonedev_object",
					 sizeof(struct cld_object), 0, 0, NULL);
	return object_cache ? 0 : -ENOMEM;
}

void cld_object_cache_exit(void)
{
	kmem_cache_destroy(object_cache);
}

/* A new object, zeroed, with no value; cld_object_free() it. */
struct cld_object *cld_object_alloc(void)
{
	return kmem_cache_zalloc(object_cache, GFP_KERNEL);
}

static void free_object(struct cld_object *o)
{
	if (!o)
		return;
	kfree_sensitive(o->value);
	memzero_explicit(o, sizeof(*o));
	kmem_cache_free(object_cache, o);
}

/* The indexes' order: by label (or id), then by handle. */
static int cmp_label(const char *label, u32 handle, const struct cld_object *o)
{
	int r = strcmp(label, o->label);

	if (r)
		return r;
	return handle < o->handle ? -1 : handle > o->handle;
}

static int cmp_id(const u8 *id, u32 id_len, u32 handle,
		  const struct cld_object *o)
{
	int r;

	if (id_len != o->id_len)
		return id_len < o->id_len ? -1 : 1;
	r = memcmp(id, o->id, id_len);
	if (r)
		return r;
	return handle < o->handle ? -1 : handle > o->handle;
}

static bool label_less(struct rb_node *a, const struct rb_node *b)
{
	const struct cld_object *x = rb_entry(a, struct cld_object, by_label);

	return cmp_label(x->label, x->handle,
			 rb_entry(b, struct cld_object, by_label)) < 0;
}

static bool id_less(struct rb_node *a, const struct rb_node *b)
{
	const struct cld_object *x = rb_entry(a, struct cld_object, by_id);

	return cmp_id(x->id, x->id_len, x->handle,
		      rb_entry(b, struct cld_object, by_id)) < 0;
}

/*
 * rb_add(), with one comparison first against the index's last node (kept
 * in *@last): a store replay and a bulk generation add objects in
 * ascending handle order, most often of one label and id, so each goes to
 * the end of those two indexes without a walk.
 */
static void index_add(struct rb_node *node, struct rb_root *root,
		      struct rb_node **last,
		      bool (*less)(struct rb_node *, const struct rb_node *))
{
	if (*last && !less(node, *last)) {
		rb_link_node(node, *last, &(*last)->rb_right);
		rb_insert_color(node, root);
		*last = node;
		return;
	}
	rb_add(node, root, less);
	if (!*last)
		*last = node;
}

static void index_del(struct rb_node *node, struct rb_root *root,
		      struct rb_node **last)
{
	if (*last == node)
		*last = rb_prev(node);
	rb_erase(node, root);
}

/*
 * The OUID index is a hash table under a random key (a clone's source
 * chooses the OUIDs it sends, so it must not be able to pile them into one
 * bucket), doubled when it holds more objects than buckets: lookups and
 * additions take about one step whatever the partition's size.
 */
#define OUID_BITS_MIN	4

static u32 ouid_bucket(const u8 *ouid, u32 bits)
{
	BUILD_BUG_ON(CLONEDEV_OUID_LEN != 2 * sizeof(u64));
	return siphash_2u64(get_unaligned_le64(ouid),
			    get_unaligned_le64(ouid + 8), &cld_hsm.ouid_key) &
	       ((1U << bits) - 1);
}

static struct hlist_head *ouid_table(u32 bits)
{
	struct hlist_head *t;
	u32 i;

	t = kvmalloc_array(1U << bits, sizeof(*t), GFP_KERNEL);
	if (t)
		for (i = 0; i < 1U << bits; i++)
			INIT_HLIST_HEAD(&t[i]);
	return t;
}

/* A new partition's empty OUID index. */
int cld_object_index_init(struct cld_partition *p)
{
	p->by_ouid = ouid_table(OUID_BITS_MIN);
	p->ouid_bits = OUID_BITS_MIN;
	return p->by_ouid ? 0 : -ENOMEM;
}

/* Frees the OUID index of a partition with no objects left. */
void cld_object_index_free(struct cld_partition *p)
{
	kvfree(p->by_ouid);
	p->by_ouid = NULL;
}

/*
 * Doubles the OUID index. Without the memory it stays as it is: its
 * chains grow longer, and every lookup still finds what it holds.
 */
static void ouid_grow(struct cld_partition *p)
{
	u32 bits = p->ouid_bits + 1, i;
	struct hlist_head *t = ouid_table(bits);
	struct hlist_node *tmp;
	struct cld_object *o;

	if (!t)
		return;
	for (i = 0; i < 1U << p->ouid_bits; i++)
		hlist_for_each_entry_safe(o, tmp, &p->by_ouid[i], by_ouid)
			hlist_add_head(&o->by_ouid,
				       &t[ouid_bucket(o->ouid, bits)]);
	kvfree(p->by_ouid);
	p->by_ouid = t;
	p->ouid_bits = bits;
}

static void link_object(struct cld_partition *p, struct cld_object *o)
{
	lockdep_assert_held(&cld_hsm.lock);
	index_add(&o->by_label, &p->by_label, &p->label_last, label_less);
	index_add(&o->by_id, &p->by_id, &p->id_last, id_less);
	hlist_add_head(&o->by_ouid,
		       &p->by_ouid[ouid_bucket(o->ouid, p->ouid_bits)]);
	p->object_count++;
	if (p->object_count > 1U << p->ouid_bits && p->ouid_bits < 30)
		ouid_grow(p);
}

/* Removes @o from its partition and frees it. Must hold cld_hsm.lock. */
static void unlink_object(struct cld_partition *p, struct cld_object *o)
{
	lockdep_assert_held(&cld_hsm.lock);
	xa_erase(&p->objects, o->handle);
	index_del(&o->by_label, &p->by_label, &p->label_last);
	index_del(&o->by_id, &p->by_id, &p->id_last);
	hlist_del(&o->by_ouid);
	p->object_count--;
	free_object(o);
}

/* Must hold cld_hsm.lock. */
void cld_object_destroy_all(struct cld_partition *p)
{
	struct cld_object *o;
	unsigned long h;

	lockdep_assert_held(&cld_hsm.lock);
	xa_for_each(&p->objects, h, o) {
		xa_erase(&p->objects, h);
		free_object(o);
	}
	p->by_label = RB_ROOT;
	p->by_id = RB_ROOT;
	p->label_last = NULL;
	p->id_last = NULL;
	for (h = 0; h < 1UL << p->ouid_bits; h++)
		INIT_HLIST_HEAD(&p->by_ouid[h]);
	p->object_count = 0;
}

static u32 prec_len(const struct cld_object *o)
{
	return sizeof(struct object_prec) +
	       strnlen(o->label, CLONEDEV_LABEL_LEN - 1) + o->id_len +
	       o->value_len;
}

static int put_object(const struct cld_partition *p,
		      const struct cld_object *o)
{
	u32 label_len = strnlen(o->label, CLONEDEV_LABEL_LEN - 1);
	u32 len = prec_len(o);
	struct object_prec *r;
	int ret;

	r = kzalloc(len, GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	r->h = (struct object_head){
		.slot = cpu_to_le32(p->slot),
		.handle = cpu_to_le32(o->handle),
		.obj_class = cpu_to_le32(o->obj_class),
		.key_type = cpu_to_le32(o->key_type),
		.bits = cpu_to_le32(o->bits),
		.flags = cpu_to_le32(o->flags),
	};
	r->value_len = cpu_to_le32(o->value_len);
	r->label_len = label_len;
	r->id_len = o->id_len;
	memcpy(r->ouid, o->ouid, sizeof(r->ouid));
	memcpy(r->kcv, o->kcv, sizeof(r->kcv));
	memcpy(r->data, o->label, label_len);
	memcpy(r->data + label_len, o->id, o->id_len);
	memcpy(r->data + label_len + o->id_len, o->value, o->value_len);
	ret = cld_store_put(CLD_REC_OBJECT_PACKED, r, len);
	kfree_sensitive(r);
	return ret;
}

/* Must hold cld_hsm.lock: the objects of @p for the store's snapshot. */
int cld_object_snapshot(struct cld_partition *p)
{
	struct cld_object *o;
	unsigned long h;
	int ret;

	lockdep_assert_held(&cld_hsm.lock);
	xa_for_each(&p->objects, h, o) {
		ret = put_object(p, o);
		if (ret)
			return ret;
	}
	return 0;
}

/* Must hold cld_hsm.lock: the bytes cld_object_snapshot() puts. */
u64 cld_object_snapshot_size(struct cld_partition *p)
{
	struct cld_object *o;
	unsigned long h;
	u64 size = 0;

	lockdep_assert_held(&cld_hsm.lock);
	xa_for_each(&p->objects, h, o)
		size += cld_store_rec_size(prec_len(o));
	return size;
}

/*
 * A new object with the fields of @h, @ouid, @kcv and @id_len, and a copy
 * of @vlen bytes of value at @value; the caller copies its label and id.
 */
static struct cld_object *object_from_head(const struct object_head *h,
					   const u8 *ouid, const u8 *kcv,
					   u32 id_len, const u8 *value,
					   u32 vlen)
{
	struct cld_object *o = cld_object_alloc();

	if (!o)
		return NULL;
	o->value = kmemdup(value, vlen ?: 1, GFP_KERNEL);
	if (!o->value) {
		free_object(o);
		return NULL;
	}
	o->value_len = vlen;
	o->handle = le32_to_cpu(h->handle);
	o->obj_class = le32_to_cpu(h->obj_class);
	o->key_type = le32_to_cpu(h->key_type);
	o->bits = le32_to_cpu(h->bits);
	o->flags = le32_to_cpu(h->flags);
	o->id_len = id_len;
	memcpy(o->ouid, ouid, CLONEDEV_OUID_LEN);
	memcpy(o->kcv, kcv, CLONEDEV_KCV_LEN);
	return o;
}

/* A CLD_REC_OBJECT payload, as earlier modules wrote it. */
static int object_from_rec(const struct object_rec *r, u32 len,
			   struct cld_object **out)
{
	struct cld_object *o;
	u32 vlen;

	if (len < sizeof(*r))
		return -EBADMSG;
	vlen = le32_to_cpu(r->value_len);
	if (len != sizeof(*r) + vlen || vlen > CLONEDEV_DATA_MAX ||
	    le32_to_cpu(r->id_len) > CLONEDEV_ID_MAX)
		return -EBADMSG;
	o = object_from_head(&r->h, r->ouid, r->kcv, le32_to_cpu(r->id_len),
			     r->value, vlen);
	if (!o)
		return -ENOMEM;
	memcpy(o->label, r->label, sizeof(r->label));
	memcpy(o->id, r->id, o->id_len);
	*out = o;
	return 0;
}

/* A CLD_REC_OBJECT_PACKED payload. */
static int object_from_prec(const struct object_prec *r, u32 len,
			    struct cld_object **out)
{
	struct cld_object *o;
	u32 vlen, skip;

	if (len < sizeof(*r))
		return -EBADMSG;
	vlen = le32_to_cpu(r->value_len);
	skip = r->label_len + r->id_len;
	if (vlen > CLONEDEV_DATA_MAX || r->id_len > CLONEDEV_ID_MAX ||
	    r->label_len > CLONEDEV_LABEL_LEN - 1 || r->reserved ||
	    r->reserved2 || len != sizeof(*r) + skip + vlen ||
	    memchr(r->data, 0, r->label_len))
		return -EBADMSG;
	o = object_from_head(&r->h, r->ouid, r->kcv, r->id_len,
			     r->data + skip, vlen);
	if (!o)
		return -ENOMEM;
	memcpy(o->label, r->data, r->label_len);
	memcpy(o->id, r->data + r->label_len, r->id_len);
	*out = o;
	return 0;
}

/*
 * The store's check of an RSA public key it replays: its value must be
 * one (cld_key_check_rsa_public()) of the size and check value recorded.
 */
static int replay_check(struct cld_object *o)
{
	u8 kcv[CLONEDEV_KCV_LEN];
	u32 bits = o->bits;
	int ret;

	if (o->obj_class != CLONEDEV_CLASS_PUBLIC_KEY ||
	    o->key_type != CLONEDEV_KEY_RSA)
		return 0;
	memcpy(kcv, o->kcv, sizeof(kcv));
	ret = cld_object_check_value(o);
	if (ret == -ENOMEM)
		return ret;
	if (ret || o->bits != bits || memcmp(o->kcv, kcv, sizeof(kcv)))
		return -EBADMSG;
	return 0;
}

/* Store replay of one object record. Must hold cld_hsm.lock. */
int cld_object_apply(u16 type, const void *data, u32 len)
{
	const struct object_del_rec *d = data;
	struct cld_partition *p;
	struct cld_object *o, *old;
	int ret;

	lockdep_assert_held(&cld_hsm.lock);
	if (len < sizeof(__le32))
		return -EBADMSG;
	p = xa_load(&cld_hsm.partitions, le32_to_cpu(*(const __le32 *)data));
	if (!p)
		return -EBADMSG;
	switch (type) {
	case CLD_REC_OBJECTS_CLEAR:
		cld_object_destroy_all(p);
		return 0;
	case CLD_REC_OBJECT_DEL:
		if (len != sizeof(*d))
			return -EBADMSG;
		o = xa_load(&p->objects, le32_to_cpu(d->handle));
		if (o)
			unlink_object(p, o);
		return 0;
	}
	ret = type == CLD_REC_OBJECT_PACKED ? object_from_prec(data, len, &o) :
	      object_from_rec(data, len, &o);
	if (ret)
		return ret;
	ret = o->handle ? replay_check(o) : -EBADMSG;
	if (ret) {
		free_object(o);
		return ret;
	}
	old = xa_load(&p->objects, o->handle);
	if (old)
		unlink_object(p, old);
	ret = xa_insert(&p->objects, o->handle, o, GFP_KERNEL);
	if (ret) {
		free_object(o);
		return ret;
	}
	link_object(p, o);
	return 0;
}

/* The object of @p with @ouid, or NULL. Must hold cld_hsm.lock. */
struct cld_object *cld_object_find_ouid(const struct cld_partition *p,
					const u8 *ouid)
{
	struct cld_object *o;

	lockdep_assert_held(&cld_hsm.lock);
	hlist_for_each_entry(o, &p->by_ouid[ouid_bucket(ouid, p->ouid_bits)],
			     by_ouid)
		if (!memcmp(ouid, o->ouid, CLONEDEV_OUID_LEN))
			return o;
	return NULL;
}

/* A copy of @o's attributes and value, in no partition. */
struct cld_object *cld_object_copy(const struct cld_object *o)
{
	struct cld_object *c = kmem_cache_alloc(object_cache, GFP_KERNEL);

	if (!c)
		return NULL;
	memcpy(c, o, sizeof(*c));
	c->value = NULL;
	if (o->value_len) {
		c->value = kmemdup(o->value, o->value_len, GFP_KERNEL);
		if (!c->value) {
			free_object(c);
			return NULL;
		}
	}
	return c;
}

void cld_object_free(struct cld_object *o)
{
	free_object(o);
}

bool cld_object_label_ok(const char *label)
{
	return cld_label_field_ok(label, true);
}

/* A key's usage when its maker named none (uapi CLONEDEV_USAGE_*). */
static u32 default_usage(u32 obj_class, u32 key_type)
{
	if (obj_class == CLONEDEV_CLASS_PUBLIC_KEY)
		return key_type == CLONEDEV_KEY_RSA ? CLONEDEV_USAGE_RSA_PUBLIC :
		       CLONEDEV_USAGE_EC_PUBLIC;
	switch (key_type) {
	case CLONEDEV_KEY_AES:
		return CLONEDEV_USAGE_AES;
	case CLONEDEV_KEY_GENERIC_SECRET:
		return CLONEDEV_USAGE_SECRET;
	case CLONEDEV_KEY_EC_P256:
	case CLONEDEV_KEY_EC_P384:
		return CLONEDEV_USAGE_EC;
	case CLONEDEV_KEY_RSA:
		return CLONEDEV_USAGE_RSA;
	}
	return 0;
}

/*
 * A new object with these attributes and no value yet. A key made with no
 * usage flag gets its type's default usage; a secret or private key is
 * always private and sensitive.
 */
static struct cld_object *new_object(u32 obj_class, u32 key_type, u32 flags,
				     const char *label, const u8 *id,
				     u32 id_len)
{
	struct cld_object *o = cld_object_alloc();

	if (!o)
		return NULL;
	if (obj_class != CLONEDEV_CLASS_DATA && !(flags & CLONEDEV_OBJ_USAGE))
		flags |= default_usage(obj_class, key_type);
	if (obj_class == CLONEDEV_CLASS_SECRET_KEY ||
	    obj_class == CLONEDEV_CLASS_PRIVATE_KEY)
		flags |= CLONEDEV_OBJ_PRIVATE | CLONEDEV_OBJ_SENSITIVE;
	o->obj_class = obj_class;
	o->key_type = key_type;
	o->flags = flags;
	o->id_len = id_len;
	memcpy(o->id, id, id_len);
	strscpy(o->label, label, sizeof(o->label));
	return o;
}

struct cld_object *cld_object_new(u32 obj_class, u32 key_type, u32 flags,
				  const char *label, const u8 *id, u32 id_len)
{
	return new_object(obj_class, key_type, flags, label, id, id_len);
}

static void free_objects(struct cld_object **objs, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++)
		free_object(objs[i]);
	kvfree(objs);
}

/*
 * Adds @n objects to @p and to the store in one batch (one commit), all
 * or none, and puts their handles in @handles; @new_ouid: each gets a
 * random OUID first. @olds, if not NULL: @olds[i], if not NULL, is the
 * object of @p that @objs[i] replaces, and its deletion is in the same
 * batch, so that the store, like the partition, holds one of the two at
 * every moment. On success the partition owns the objects, @objs[] is
 * cleared and the replaced objects are freed; on failure @p is as it
 * was. Must hold cld_hsm.lock.
 */
static int add_objects(struct cld_partition *p, struct cld_object **objs,
		       struct cld_object **olds, u32 n, u32 *handles,
		       bool new_ouid)
{
	u32 i, done = 0;
	int ret = 0;

	lockdep_assert_held(&cld_hsm.lock);
	for (i = 0; i < n && !ret; i++) {
		struct object_del_rec rec = { .slot = cpu_to_le32(p->slot) };
		struct cld_object *o = objs[i];

		if (new_ouid)
			get_random_bytes(o->ouid, sizeof(o->ouid));
		ret = xa_alloc(&p->objects, &o->handle, o, xa_limit_31b,
			       GFP_KERNEL);
		if (ret) {
			ret = ret == -EBUSY ? -ENOSPC : ret;
			break;
		}
		done++;
		handles[i] = o->handle;
		if (olds && olds[i]) {
			rec.handle = cpu_to_le32(olds[i]->handle);
			ret = cld_store_put(CLD_REC_OBJECT_DEL, &rec,
					    sizeof(rec));
		}
		if (!ret)
			ret = put_object(p, o);
	}
	if (!ret)
		ret = cld_store_commit();
	else
		cld_store_abort();
	if (ret) {
		for (i = 0; i < done; i++)
			xa_erase(&p->objects, objs[i]->handle);
		return ret;
	}
	for (i = 0; i < n; i++) {
		if (olds && olds[i])
			unlink_object(p, olds[i]);
		link_object(p, objs[i]);
		objs[i] = NULL;
	}
	cld_store_maybe_compact();
	return 0;
}

/*
 * Stores the @n clones @objs in @p with the OUIDs they have, in one store
 * batch (one commit), all or none, replacing @olds[i] where not NULL (see
 * add_objects()). No two of @objs have one OUID. Must hold cld_hsm.lock.
 */
int cld_object_store_copies(struct cld_partition *p, struct cld_object **objs,
			    struct cld_object **olds, u32 n, u32 *handles)
{
	lockdep_assert_held(&cld_hsm.lock);
	return add_objects(p, objs, olds, n, handles, false);
}

/*
 * Adds the @n objects @objs to @p with the OUIDs they have (an archive
 * restore), in one batch, all or none; on success @p owns them and
 * @objs[] is cleared. Must hold cld_hsm.lock.
 */
int cld_object_add_copies(struct cld_partition *p, struct cld_object **objs,
			  u32 n, u32 *handles)
{
	lockdep_assert_held(&cld_hsm.lock);
	return add_objects(p, objs, NULL, n, handles, false);
}

/*
 * The session's partition if the session may manage objects in it as
 * @need_co says. Must hold cld_hsm.lock. Return: the partition or an
 * ERR_PTR: -ENODEV no slot, -EACCES wrong or no role, -EPERM policy 28.
 */
static struct cld_partition *managed(struct cld_session *s, bool need_co)
{
	struct cld_partition *p;

	lockdep_assert_held(&cld_hsm.lock);
	p = cld_session_partition_as(s, CLD_ROLE_BIT(CLONEDEV_ROLE_CO) |
				     (need_co ? 0 : CLD_ROLE_BIT(CLONEDEV_ROLE_CU)));
	if (IS_ERR(p))
		return p;
	if (!cld_policy(p, CLONEDEV_POLICY_KEY_MANAGEMENT))
		return ERR_PTR(-EPERM);
	return p;
}

/*
 * The object @handle of the session's partition for a change (destroy,
 * set attributes), if the session may manage it: a private object needs
 * the co. Its partition in *@pp. Must hold the locks.
 */
static struct cld_object *managed_object(struct cld_session *s, u32 handle,
					 struct cld_partition **pp)
{
	struct cld_partition *p;
	struct cld_object *o;

	lockdep_assert_held(&cld_hsm.lock);
	lockdep_assert_held(&s->lock);
	p = managed(s, false);
	if (IS_ERR(p))
		return ERR_CAST(p);
	o = xa_load(&p->objects, handle);
	if (!o)
		return ERR_PTR(-ENOENT);
	if ((o->flags & CLONEDEV_OBJ_PRIVATE) &&
	    !cld_session_is(s, p, CLONEDEV_ROLE_CO))
		return ERR_PTR(-EACCES);
	*pp = p;
	return o;
}

/* Adds @objs to the session's partition (add_objects) if the session may. */
static int add_to_session(struct cld_session *s, struct cld_object **objs,
			  u32 n, bool need_co, u32 *handles)
{
	struct cld_partition *p;
	int ret;

	mutex_lock(&s->lock);
	mutex_lock(&cld_hsm.lock);
	p = managed(s, need_co);
	if (IS_ERR(p))
		ret = PTR_ERR(p);
	else
		ret = add_objects(p, objs, NULL, n, handles, true);
	mutex_unlock(&cld_hsm.lock);
	mutex_unlock(&s->lock);
	return ret;
}

/*
 * Adds a key the co made from other keys (derive, unwrap) to the
 * session's partition; on success the partition owns *@o and *@o is
 * NULL. Must hold
 * cld_session.lock.
 */
int cld_object_add_new(struct cld_session *s, struct cld_object **o,
		       u32 *handle)
{
	struct cld_partition *p;
	int ret;

	lockdep_assert_held(&s->lock);
	mutex_lock(&cld_hsm.lock);
	p = managed(s, true);
	if (IS_ERR(p))
		ret = PTR_ERR(p);
	else
		ret = add_objects(p, o, NULL, 1, handle, true);
	mutex_unlock(&cld_hsm.lock);
	return ret;
}

/* Checks a generate request; returns how many objects it makes. */
static int generate_count(const struct clonedev_object_generate *cmd)
{
	u32 count = cmd->count ?: 1;
	unsigned int ec_len = cld_ec_len(cmd->key_type);

	if ((cmd->obj_flags & ~CLONEDEV_OBJ_FLAGS) ||
	    cmd->id_len > CLONEDEV_ID_MAX || !cld_label_field_ok(cmd->label, true) ||
	    count > CLONEDEV_GENERATE_MAX || (count > 1 && !cmd->handles))
		return -EINVAL;
	switch (cmd->key_type) {
	case CLONEDEV_KEY_AES:
		if (cmd->bits != 128 && cmd->bits != 192 && cmd->bits != 256)
			return -EINVAL;
		return count;
	case CLONEDEV_KEY_GENERIC_SECRET:
		if (cmd->bits < 8 || cmd->bits > 4096 || cmd->bits % 8)
			return -EINVAL;
		return count;
	case CLONEDEV_KEY_EC_P256:
	case CLONEDEV_KEY_EC_P384:
		if (cmd->bits && cmd->bits != ec_len * 8)
			return -EINVAL;
		return count > 1 ? -EOPNOTSUPP : 2;
	case CLONEDEV_KEY_RSA:
		if (cmd->bits != 2048 && cmd->bits != 3072 && cmd->bits != 4096)
			return -EINVAL;
		return count > 1 ? -EOPNOTSUPP : 2;
	}
	return -EOPNOTSUPP;
}

/* True if a generate request of @key_type makes a key pair. */
static bool generates_pair(u32 key_type)
{
	return cld_ec_len(key_type) || key_type == CLONEDEV_KEY_RSA;
}

/* Generates the keys of a generate request into @objs. */
static int generate_keys(const struct clonedev_object_generate *cmd,
			 struct cld_object **objs, u32 n)
{
	u32 flags = cmd->obj_flags | CLONEDEV_OBJ_PRIVATE |
		    CLONEDEV_OBJ_SENSITIVE;
	bool pair = generates_pair(cmd->key_type);
	struct cld_keytfm t;
	u32 i;
	int ret;

	for (i = 0; i < n; i++) {
		if (pair && i == 1)
			objs[i] = new_object(CLONEDEV_CLASS_PUBLIC_KEY,
					     cmd->key_type,
					     cmd->obj_flags &
					     ~(CLONEDEV_OBJ_SENSITIVE |
					       (CLONEDEV_OBJ_USAGE &
						~CLONEDEV_OBJ_VERIFY)),
					     cmd->label, cmd->id, cmd->id_len);
		else
			objs[i] = new_object(pair ? CLONEDEV_CLASS_PRIVATE_KEY :
					     CLONEDEV_CLASS_SECRET_KEY,
					     cmd->key_type, flags, cmd->label,
					     cmd->id, cmd->id_len);
		if (!objs[i])
			return -ENOMEM;
		objs[i]->bits = cmd->bits;
	}
	ret = cld_keytfm_alloc(&t);
	if (ret)
		return ret;
	if (cmd->key_type == CLONEDEV_KEY_RSA)
		ret = cld_rsa_generate(&t, cmd->bits, objs[0], objs[1]);
	else if (pair)
		ret = cld_key_generate_ec(&t, objs[0], objs[1]);
	for (i = 0; !pair && !ret && i < n; i++)
		ret = cld_key_generate_secret(&t, objs[i]);
	cld_keytfm_free(&t);
	return ret;
}

int cld_object_generate(struct cld_session *s, void *arg)
{
	struct clonedev_object_generate *cmd = arg;
	struct cld_object **objs;
	u32 *handles;
	int ret, n;

	n = generate_count(cmd);
	if (n < 0)
		return n;
	/*
	 * The handle array is written (with zeros) before anything is made,
	 * so a bad pointer leaves nothing behind; no user memory is touched
	 * under the HSM's lock.
	 */
	if (cmd->count > 1 && clear_user(u64_to_user_ptr(cmd->handles),
					 n * sizeof(u32)))
		return -EFAULT;
	objs = kvcalloc(n, sizeof(*objs), GFP_KERNEL);
	handles = kvcalloc(n, sizeof(*handles), GFP_KERNEL);
	ret = objs && handles ? generate_keys(cmd, objs, n) : -ENOMEM;
	if (!ret)
		ret = add_to_session(s, objs, n, true, handles);
	if (!ret && cmd->count > 1 &&
	    copy_to_user(u64_to_user_ptr(cmd->handles), handles,
			 n * sizeof(*handles)))
		ret = -EFAULT;
	if (!ret) {
		cmd->handle = handles[0];
		cmd->public_handle = generates_pair(cmd->key_type) ?
				     handles[1] : 0;
	}
	if (objs)
		free_objects(objs, n);
	kvfree(handles);
	return ret;
}

/*
 * Checks a key's value (imported or cloned) with the transforms @t and
 * sets its size and check value.
 */
static int check_key_with(struct cld_keytfm *t, struct cld_object *o)
{
	switch (o->key_type) {
	case CLONEDEV_KEY_EC_P256:
	case CLONEDEV_KEY_EC_P384:
		return cld_key_check_ec(t, o);
	case CLONEDEV_KEY_RSA:
		return cld_key_check_rsa(t, o);
	}
	return cld_key_check_secret(t, o);
}

/* @check on @o with transforms of its own, freed after. */
static int with_tfm(struct cld_object *o,
		    int (*check)(struct cld_keytfm *t, struct cld_object *o))
{
	struct cld_keytfm t;
	int ret;

	ret = cld_keytfm_alloc(&t);
	if (ret)
		return ret;
	ret = check(&t, o);
	cld_keytfm_free(&t);
	return ret;
}

/*
 * Checks a key's value (imported or cloned) and sets its size and check
 * value.
 */
int cld_object_check_key(struct cld_object *o)
{
	return with_tfm(o, check_key_with);
}

/*
 * Checks the value of an object made elsewhere (a clone) as the local
 * paths that make its class do, and sets its size and check value: a
 * secret or private key as an import; an EC public key as a point on its
 * curve; an RSA public key as the RSAPublicKey generation writes; data
 * has 8 bits a byte and no check value. @t: transforms from
 * cld_keytfm_alloc(), kept by the caller for many objects. Return: 0 or
 * -EINVAL.
 */
int cld_object_check_value_with(struct cld_keytfm *t, struct cld_object *o)
{
	switch (o->obj_class) {
	case CLONEDEV_CLASS_DATA:
		o->bits = o->value_len * 8;
		memset(o->kcv, 0, sizeof(o->kcv));
		return 0;
	case CLONEDEV_CLASS_PUBLIC_KEY:
		if (o->key_type == CLONEDEV_KEY_RSA)
			return cld_key_check_rsa_public(t, o);
		return cld_key_check_ec_public(t, o);
	}
	return check_key_with(t, o);
}

/* cld_object_check_value_with() with transforms of its own. */
int cld_object_check_value(struct cld_object *o)
{
	return with_tfm(o, cld_object_check_value_with);
}

int cld_object_import(struct cld_session *s, void *arg)
{
	struct clonedev_object_import *cmd = arg;
	struct cld_object *o;
	u32 obj_class;
	int ret;

	if ((cmd->obj_flags & ~CLONEDEV_OBJ_FLAGS) ||
	    cmd->id_len > CLONEDEV_ID_MAX || !cld_label_field_ok(cmd->label, true) ||
	    !cmd->value_len || cmd->value_len > CLONEDEV_DATA_MAX)
		return -EINVAL;
	switch (cmd->key_type) {
	case CLONEDEV_KEY_AES:
	case CLONEDEV_KEY_GENERIC_SECRET:
		obj_class = CLONEDEV_CLASS_SECRET_KEY;
		break;
	case CLONEDEV_KEY_EC_P256:
	case CLONEDEV_KEY_EC_P384:
	case CLONEDEV_KEY_RSA:
		obj_class = CLONEDEV_CLASS_PRIVATE_KEY;
		break;
	default:
		return -EOPNOTSUPP;
	}
	o = new_object(obj_class, cmd->key_type, cmd->obj_flags |
		       CLONEDEV_OBJ_PRIVATE | CLONEDEV_OBJ_SENSITIVE,
		       cmd->label, cmd->id, cmd->id_len);
	if (!o)
		return -ENOMEM;
	o->value = memdup_user(u64_to_user_ptr(cmd->value), cmd->value_len);
	if (IS_ERR(o->value)) {
		ret = PTR_ERR(o->value);
		o->value = NULL;
		goto out;
	}
	o->value_len = cmd->value_len;
	ret = cld_object_check_key(o);
	if (ret)
		goto out;
	cmd->bits = o->bits;
	ret = add_to_session(s, &o, 1, true, &cmd->handle);
out:
	free_object(o);
	return ret;
}

int cld_object_create(struct cld_session *s, void *arg)
{
	struct clonedev_object_create *cmd = arg;
	struct cld_object *o;
	int ret;

	if ((cmd->obj_flags & ~CLONEDEV_OBJ_FLAGS) ||
	    cmd->id_len > CLONEDEV_ID_MAX || !cld_label_field_ok(cmd->label, true) ||
	    cmd->value_len > CLONEDEV_DATA_MAX)
		return -EINVAL;
	o = new_object(CLONEDEV_CLASS_DATA, CLONEDEV_KEY_NONE, cmd->obj_flags,
		       cmd->label, cmd->id, cmd->id_len);
	if (!o)
		return -ENOMEM;
	o->value = cmd->value_len ?
		   memdup_user(u64_to_user_ptr(cmd->value), cmd->value_len) :
		   kzalloc(1, GFP_KERNEL);
	if (IS_ERR_OR_NULL(o->value)) {
		ret = o->value ? PTR_ERR(o->value) : -ENOMEM;
		o->value = NULL;
		free_object(o);
		return ret;
	}
	o->value_len = cmd->value_len;
	o->bits = cmd->value_len * 8;

	ret = add_to_session(s, &o, 1, o->flags & CLONEDEV_OBJ_PRIVATE,
			     &cmd->handle);
	free_object(o);
	return ret;
}

int cld_object_destroy(struct cld_session *s, void *arg)
{
	struct clonedev_object_destroy *cmd = arg;
	struct object_del_rec rec;
	struct cld_partition *p;
	struct cld_object *o;
	int ret;

	mutex_lock(&s->lock);
	mutex_lock(&cld_hsm.lock);
	o = managed_object(s, cmd->handle, &p);
	if (IS_ERR(o)) {
		ret = PTR_ERR(o);
		goto out;
	}
	rec.slot = cpu_to_le32(p->slot);
	rec.handle = cpu_to_le32(cmd->handle);
	ret = cld_store_put(CLD_REC_OBJECT_DEL, &rec, sizeof(rec));
	if (!ret)
		ret = cld_store_commit();
	else
		cld_store_abort();
	if (ret)
		goto out;
	unlink_object(p, o);
	cld_store_maybe_compact();
out:
	mutex_unlock(&cld_hsm.lock);
	mutex_unlock(&s->lock);
	return ret;
}

/*
 * A set-attributes request's own checks, before any lock: something to
 * set, each field valid if set and zero if not.
 */
static int set_attrs_check(const struct clonedev_object_set_attrs *cmd)
{
	if (!cmd->flags || cmd->id_len > CLONEDEV_ID_MAX ||
	    (cmd->obj_flags & ~CLONEDEV_OBJ_FLAGS))
		return -EINVAL;
	if (cmd->flags & CLONEDEV_SET_LABEL) {
		if (!cld_label_field_ok(cmd->label, true))
			return -EINVAL;
	} else if (memchr_inv(cmd->label, 0, sizeof(cmd->label))) {
		return -EINVAL;
	}
	if (!(cmd->flags & CLONEDEV_SET_ID) &&
	    (cmd->id_len || memchr_inv(cmd->id, 0, sizeof(cmd->id))))
		return -EINVAL;
	if (!(cmd->flags & CLONEDEV_SET_FLAGS) && cmd->obj_flags)
		return -EINVAL;
	return 0;
}

/*
 * Whether flags @from may become @to: usage flags and
 * CLONEDEV_OBJ_EXTRACTABLE only go, nothing comes, nothing else changes.
 */
static bool flags_may_become(u32 from, u32 to)
{
	u32 may_go = CLONEDEV_OBJ_USAGE | CLONEDEV_OBJ_EXTRACTABLE;

	return !(to & ~from) && !((from ^ to) & ~may_go);
}

/*
 * Gives @o the attributes @cmd sets: its record first, then the object,
 * re-indexed by label and id under the same hold of cld_hsm.lock, so no
 * find sees it half changed. On failure @o is as it was. Must hold
 * cld_hsm.lock.
 */
static int set_attrs(struct cld_partition *p, struct cld_object *o,
		     const struct clonedev_object_set_attrs *cmd)
{
	char label[CLONEDEV_LABEL_LEN];
	u8 id[CLONEDEV_ID_MAX];
	u32 id_len = o->id_len, flags = o->flags;
	int ret;

	lockdep_assert_held(&cld_hsm.lock);
	memcpy(label, o->label, sizeof(label));
	memcpy(id, o->id, sizeof(id));
	index_del(&o->by_label, &p->by_label, &p->label_last);
	index_del(&o->by_id, &p->by_id, &p->id_last);
	if (cmd->flags & CLONEDEV_SET_LABEL)
		strscpy(o->label, cmd->label, sizeof(o->label));
	if (cmd->flags & CLONEDEV_SET_ID) {
		memset(o->id, 0, sizeof(o->id));
		memcpy(o->id, cmd->id, cmd->id_len);
		o->id_len = cmd->id_len;
	}
	if (cmd->flags & CLONEDEV_SET_FLAGS)
		o->flags = cmd->obj_flags;
	ret = put_object(p, o);
	if (!ret)
		ret = cld_store_commit();
	else
		cld_store_abort();
	if (ret) {
		memcpy(o->label, label, sizeof(label));
		memcpy(o->id, id, sizeof(id));
		o->id_len = id_len;
		o->flags = flags;
	}
	index_add(&o->by_label, &p->by_label, &p->label_last, label_less);
	index_add(&o->by_id, &p->by_id, &p->id_last, id_less);
	if (!ret)
		cld_store_maybe_compact();
	return ret;
}

int cld_object_set_attrs(struct cld_session *s, void *arg)
{
	struct clonedev_object_set_attrs *cmd = arg;
	struct cld_partition *p;
	struct cld_object *o;
	int ret;

	ret = set_attrs_check(cmd);
	if (ret)
		return ret;
	mutex_lock(&s->lock);
	mutex_lock(&cld_hsm.lock);
	o = managed_object(s, cmd->handle, &p);
	if (IS_ERR(o))
		ret = PTR_ERR(o);
	else if (!(o->flags & CLONEDEV_OBJ_MODIFIABLE) ||
		 ((cmd->flags & CLONEDEV_SET_FLAGS) &&
		  !flags_may_become(o->flags, cmd->obj_flags)))
		ret = -EPERM;
	else
		ret = set_attrs(p, o, cmd);
	mutex_unlock(&cld_hsm.lock);
	mutex_unlock(&s->lock);
	return ret;
}

/*
 * The session's partition for reading objects: every object with the co or
 * cu logged in (*@all true); otherwise its public objects only, those
 * without CLONEDEV_OBJ_PRIVATE, as PKCS#11 shows a token before a login.
 * Must hold the locks.
 */
static struct cld_partition *readable(struct cld_session *s, bool *all)
{
	struct cld_partition *p;

	lockdep_assert_held(&cld_hsm.lock);
	lockdep_assert_held(&s->lock);
	p = cld_session_partition_as(s, CLD_ROLE_BIT(CLONEDEV_ROLE_CO) |
				     CLD_ROLE_BIT(CLONEDEV_ROLE_CU));
	*all = !IS_ERR(p);
	if (PTR_ERR(p) == -EACCES)
		p = cld_session_partition_as(s, 0);
	return p;
}

/* True if a reader that sees @all or only public objects sees @o. */
static bool visible(const struct cld_object *o, bool all)
{
	return all || !(o->flags & CLONEDEV_OBJ_PRIVATE);
}

/*
 * @o's attributes as OBJECT_GET and OBJECT_LIST show them: value_len for
 * a value that may be read, never a secret's.
 */
static void fill_attrs(struct clonedev_object_attrs *a,
		       const struct cld_object *o)
{
	memset(a, 0, sizeof(*a));
	a->handle = o->handle;
	a->obj_class = o->obj_class;
	a->key_type = o->key_type;
	a->bits = o->bits;
	a->obj_flags = o->flags;
	a->id_len = o->id_len;
	memcpy(a->ouid, o->ouid, sizeof(a->ouid));
	memcpy(a->kcv, o->kcv, sizeof(a->kcv));
	strscpy(a->label, o->label, sizeof(a->label));
	memcpy(a->id, o->id, o->id_len);
	if ((o->obj_class == CLONEDEV_CLASS_DATA &&
	     !(o->flags & CLONEDEV_OBJ_SENSITIVE)) ||
	    o->obj_class == CLONEDEV_CLASS_PUBLIC_KEY)
		a->value_len = o->value_len;
}

int cld_object_get(struct cld_session *s, void *arg)
{
	struct clonedev_object_get *cmd = arg;
	struct clonedev_object_attrs *a = &cmd->attrs;
	struct cld_object *o, *key = NULL;
	struct cld_partition *p;
	u8 *value = NULL;
	u32 vlen = 0;
	int ret = 0;
	bool all;

	mutex_lock(&s->lock);
	mutex_lock(&cld_hsm.lock);
	p = readable(s, &all);
	if (IS_ERR(p)) {
		ret = PTR_ERR(p);
		goto out;
	}
	o = xa_load(&p->objects, cmd->handle);
	if (!o) {
		ret = -ENOENT;
		goto out;
	}
	if (!visible(o, all)) {
		ret = -EACCES;
		goto out;
	}
	fill_attrs(a, o);
	if (cmd->flags & CLONEDEV_OBJECT_GET_PUBLIC) {
		/* The public value is computed outside the lock. */
		key = cld_object_copy(o);
		if (!key)
			ret = -ENOMEM;
	} else if (a->value_len) {
		vlen = a->value_len;
		if (cmd->value) {
			value = kmemdup(o->value, vlen, GFP_KERNEL);
			if (!value)
				ret = -ENOMEM;
		}
	}
out:
	mutex_unlock(&cld_hsm.lock);
	mutex_unlock(&s->lock);
	if (key) {
		ret = cld_key_public(key, &value, &vlen);
		free_object(key);
		if (ret)
			vlen = 0;
		if (!cmd->value) {
			kfree(value);
			value = NULL;
		}
	}
	if (!ret && value) {
		if (cmd->value_cap < vlen)
			ret = -EMSGSIZE;
		else if (copy_to_user(u64_to_user_ptr(cmd->value), value, vlen))
			ret = -EFAULT;
	}
	cmd->value_cap = vlen;
	kfree_sensitive(value);
	return ret;
}

/*
 * Lists handles, or with CLONEDEV_LIST_ATTRS attribute entries, from
 * cmd->start; the entries are made under the lock, copied out after it.
 */
int cld_object_list(struct cld_session *s, void *arg)
{
	struct clonedev_object_list *cmd = arg;
	bool attrs = cmd->flags & CLONEDEV_LIST_ATTRS;
	struct clonedev_object_attrs *ab = NULL;
	struct cld_partition *p;
	struct cld_object *o;
	u32 *buf = NULL, n = 0;
	unsigned long h;
	int ret = 0;
	bool all;

	if (!cmd->count)
		return -EINVAL;
	if (attrs) {
		cmd->count = min_t(u32, cmd->count, CLONEDEV_LIST_ATTRS_MAX);
		ab = kvmalloc_array(cmd->count, sizeof(*ab), GFP_KERNEL);
		if (!ab)
			return -ENOMEM;
	} else {
		cmd->count = min_t(u32, cmd->count, 65536);
		buf = kvmalloc_array(cmd->count, sizeof(*buf), GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
	}
	cmd->next = 0;
	mutex_lock(&s->lock);
	mutex_lock(&cld_hsm.lock);
	p = readable(s, &all);
	if (IS_ERR(p)) {
		ret = PTR_ERR(p);
		goto out;
	}
	h = cmd->start;
	xa_for_each_start(&p->objects, h, o, h) {
		if (!visible(o, all))
			continue;
		if (n == cmd->count) {
			cmd->next = h;
			break;
		}
		if (attrs)
			fill_attrs(&ab[n++], o);
		else
			buf[n++] = h;
	}
out:
	mutex_unlock(&cld_hsm.lock);
	mutex_unlock(&s->lock);
	if (!ret && copy_to_user(u64_to_user_ptr(cmd->handles),
				 attrs ? (void *)ab : (void *)buf,
				 n * (attrs ? sizeof(*ab) : sizeof(*buf))))
		ret = -EFAULT;
	cmd->count = n;
	kvfree(ab);
	kvfree(buf);
	return ret;
}

/*
 * The first object at or after (@cmd's label or id, @cmd->start) in the
 * label index (@by_label) or the id index.
 */
static struct rb_node *seek(const struct cld_partition *p,
			    const struct clonedev_object_find *cmd,
			    bool by_label)
{
	struct rb_node *n, *best = NULL;
	int c;

	n = by_label ? p->by_label.rb_node : p->by_id.rb_node;
	while (n) {
		if (by_label)
			c = cmp_label(cmd->label, cmd->start,
				      rb_entry(n, struct cld_object, by_label));
		else
			c = cmp_id(cmd->id, cmd->id_len, cmd->start,
				   rb_entry(n, struct cld_object, by_id));
		if (c <= 0) {
			best = n;
			n = n->rb_left;
		} else {
			n = n->rb_right;
		}
	}
	return best;
}

/*
 * Walks the label index (or, without a label criterion, the id index)
 * from the first possible match; stops at the first object that no longer
 * matches the index's key. Must hold cld_hsm.lock.
 */
static u32 find_objects(const struct cld_partition *p,
			struct clonedev_object_find *cmd, bool all, u32 *buf,
			u32 cap)
{
	bool by_label = cmd->flags & CLONEDEV_FIND_LABEL;
	bool by_id = cmd->flags & CLONEDEV_FIND_ID;
	const struct cld_object *o;
	struct rb_node *n;
	u32 count = 0;

	lockdep_assert_held(&cld_hsm.lock);
	n = seek(p, cmd, by_label);
	for (; n; n = rb_next(n)) {
		if (by_label) {
			o = rb_entry(n, struct cld_object, by_label);
			if (strcmp(o->label, cmd->label))
				break;
			if (by_id && (o->id_len != cmd->id_len ||
				      memcmp(o->id, cmd->id, o->id_len)))
				continue;
		} else {
			o = rb_entry(n, struct cld_object, by_id);
			if (o->id_len != cmd->id_len ||
			    memcmp(o->id, cmd->id, o->id_len))
				break;
		}
		if (!visible(o, all))
			continue;
		if (count == cap) {
			cmd->next = o->handle;
			break;
		}
		buf[count++] = o->handle;
	}
	return count;
}

int cld_object_find(struct cld_session *s, void *arg)
{
	struct clonedev_object_find *cmd = arg;
	struct cld_partition *p;
	u32 *buf, n = 0, cap;
	int ret = 0;
	bool all;

	if (!cmd->flags ||
	    !cmd->count || cmd->id_len > CLONEDEV_ID_MAX ||
	    strnlen(cmd->label, CLONEDEV_LABEL_LEN) == CLONEDEV_LABEL_LEN)
		return -EINVAL;
	cap = min_t(u32, cmd->count, 65536);
	buf = kvmalloc_array(cap, sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	cmd->next = 0;
	mutex_lock(&s->lock);
	mutex_lock(&cld_hsm.lock);
	p = readable(s, &all);
	if (IS_ERR(p))
		ret = PTR_ERR(p);
	else
		n = find_objects(p, cmd, all, buf, cap);
	mutex_unlock(&cld_hsm.lock);
	mutex_unlock(&s->lock);
	if (!ret && copy_to_user(u64_to_user_ptr(cmd->handles), buf,
				 n * sizeof(*buf)))
		ret = -EFAULT;
	cmd->count = n;
	kvfree(buf);
	return ret;
}
