// SPDX-License-Identifier: GPL-2.0
/*
 * Objects (CLONEDEV_IOCTL_OBJECT_*): secret keys generated in the kernel
 * and data objects, kept by handle in their partition's xarray and in the
 * store as CLD_REC_OBJECT / _OBJECT_DEL / _OBJECTS_CLEAR records. A
 * sensitive value never leaves the kernel.
 */
#include <crypto/hash.h>
#include <crypto/skcipher.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "hsm.h"
#include "object.h"
#include "partition.h"
#include "policy.h"
#include "session.h"
#include "store.h"

#define AES_BLOCK	16

/* CLD_REC_OBJECT payload, little-endian, followed by value_len bytes. */
struct object_rec {
	__le32 slot;
	__le32 handle;
	__le32 obj_class;
	__le32 key_type;
	__le32 bits;
	__le32 flags;
	__le32 id_len;
	__le32 value_len;
	u8 ouid[CLONEDEV_OUID_LEN];
	u8 kcv[CLONEDEV_KCV_LEN];
	u8 pad;
	char label[CLONEDEV_LABEL_LEN - 1];
	u8 id[CLONEDEV_ID_MAX];
	u8 value[];
} __packed;

struct object_del_rec {
	__le32 slot;
	__le32 handle;
} __packed;

static void free_object(struct cld_object *o)
{
	kfree_sensitive(o->value);
	kfree_sensitive(o);
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
	p->object_count = 0;
}

static int put_object(const struct cld_partition *p,
		      const struct cld_object *o)
{
	size_t len = sizeof(struct object_rec) + o->value_len;
	struct object_rec *r;
	int ret;

	r = kzalloc(len, GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	r->slot = cpu_to_le32(p->slot);
	r->handle = cpu_to_le32(o->handle);
	r->obj_class = cpu_to_le32(o->obj_class);
	r->key_type = cpu_to_le32(o->key_type);
	r->bits = cpu_to_le32(o->bits);
	r->flags = cpu_to_le32(o->flags);
	r->id_len = cpu_to_le32(o->id_len);
	r->value_len = cpu_to_le32(o->value_len);
	memcpy(r->ouid, o->ouid, sizeof(r->ouid));
	memcpy(r->kcv, o->kcv, sizeof(r->kcv));
	memcpy(r->label, o->label, strnlen(o->label, sizeof(r->label)));
	memcpy(r->id, o->id, o->id_len);
	memcpy(r->value, o->value, o->value_len);
	ret = cld_store_put(CLD_REC_OBJECT, r, len);
	kfree_sensitive(r);
	return ret;
}

/* Must hold cld_hsm.lock: the objects of @p for the store's snapshot. */
int cld_object_snapshot(struct cld_partition *p)
{
	struct cld_object *o;
	unsigned long h;
	int ret;

	xa_for_each(&p->objects, h, o) {
		ret = put_object(p, o);
		if (ret)
			return ret;
	}
	return 0;
}

static int object_from_rec(const struct object_rec *r, u32 len,
			   struct cld_object **out)
{
	struct cld_object *o;
	u32 vlen = le32_to_cpu(r->value_len);

	if (len != sizeof(*r) + vlen || vlen > CLONEDEV_DATA_MAX ||
	    le32_to_cpu(r->id_len) > CLONEDEV_ID_MAX)
		return -EBADMSG;
	o = kzalloc(sizeof(*o), GFP_KERNEL);
	if (!o)
		return -ENOMEM;
	o->value = kmemdup(r->value, vlen ?: 1, GFP_KERNEL);
	if (!o->value) {
		kfree(o);
		return -ENOMEM;
	}
	o->handle = le32_to_cpu(r->handle);
	o->obj_class = le32_to_cpu(r->obj_class);
	o->key_type = le32_to_cpu(r->key_type);
	o->bits = le32_to_cpu(r->bits);
	o->flags = le32_to_cpu(r->flags);
	o->id_len = le32_to_cpu(r->id_len);
	o->value_len = vlen;
	memcpy(o->ouid, r->ouid, sizeof(o->ouid));
	memcpy(o->kcv, r->kcv, sizeof(o->kcv));
	memcpy(o->label, r->label, sizeof(r->label));
	memcpy(o->id, r->id, o->id_len);
	*out = o;
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
		o = xa_erase(&p->objects, le32_to_cpu(d->handle));
		if (o) {
			free_object(o);
			p->object_count--;
		}
		return 0;
	}
	if (len < sizeof(struct object_rec))
		return -EBADMSG;
	ret = object_from_rec(data, len, &o);
	if (ret)
		return ret;
	if (!o->handle) {
		free_object(o);
		return -EBADMSG;
	}
	old = xa_store(&p->objects, o->handle, o, GFP_KERNEL);
	if (xa_is_err(old)) {
		free_object(o);
		return xa_err(old);
	}
	if (old)
		free_object(old);
	else
		p->object_count++;
	return 0;
}

/* A generic secret's check value: the first bytes of its SHA-256. */
static int kcv_secret(struct cld_object *o)
{
	struct crypto_shash *sha;
	u8 digest[32];
	int ret;

	sha = crypto_alloc_shash("sha256", 0, 0);
	if (IS_ERR(sha))
		return PTR_ERR(sha);
	ret = crypto_shash_tfm_digest(sha, o->value, o->value_len, digest);
	crypto_free_shash(sha);
	if (!ret)
		memcpy(o->kcv, digest, CLONEDEV_KCV_LEN);
	memzero_explicit(digest, sizeof(digest));
	return ret;
}

/* An AES key's check value: the first bytes of AES-ECB of a zero block. */
static int kcv_aes(struct cld_object *o)
{
	struct skcipher_request *req = NULL;
	struct crypto_skcipher *tfm;
	DECLARE_CRYPTO_WAIT(wait);
	struct scatterlist sg;
	u8 *block;
	int ret;

	tfm = crypto_alloc_skcipher("ecb(aes)", 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	block = kzalloc(AES_BLOCK, GFP_KERNEL);
	if (block)
		req = skcipher_request_alloc(tfm, GFP_KERNEL);
	ret = req ? crypto_skcipher_setkey(tfm, o->value, o->value_len) :
		    -ENOMEM;
	if (!ret) {
		sg_init_one(&sg, block, AES_BLOCK);
		skcipher_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP,
					      crypto_req_done, &wait);
		skcipher_request_set_crypt(req, &sg, &sg, AES_BLOCK, NULL);
		ret = crypto_wait_req(crypto_skcipher_encrypt(req), &wait);
	}
	if (!ret)
		memcpy(o->kcv, block, CLONEDEV_KCV_LEN);
	skcipher_request_free(req);
	kfree(block);
	crypto_free_skcipher(tfm);
	return ret;
}

static bool label_field_ok(const char *label)
{
	size_t len = strnlen(label, CLONEDEV_LABEL_LEN);

	return len < CLONEDEV_LABEL_LEN && (!len || cld_label_ok(label));
}

/*
 * Adds @o to the session's partition and the store. Must hold s->lock and
 * cld_hsm.lock; @o is consumed.
 */
static int add_object(struct cld_partition *p, struct cld_object *o,
		      u32 *handle)
{
	u32 h;
	int ret;

	get_random_bytes(o->ouid, sizeof(o->ouid));
	ret = xa_alloc(&p->objects, &h, o, xa_limit_31b, GFP_KERNEL);
	if (ret) {
		free_object(o);
		return ret == -EBUSY ? -ENOSPC : ret;
	}
	o->handle = h;
	ret = put_object(p, o);
	if (!ret)
		ret = cld_store_commit();
	else
		cld_store_abort();
	if (ret) {
		xa_erase(&p->objects, h);
		free_object(o);
		return ret;
	}
	p->object_count++;
	*handle = h;
	cld_store_maybe_compact();
	return 0;
}

/*
 * The session's partition if the session may manage objects in it as
 * @need_co says. Must hold cld_hsm.lock. Return: the partition or an
 * ERR_PTR: -ENODEV no slot, -EACCES wrong or no role, -EPERM policy 28.
 */
static struct cld_partition *managed(struct cld_session *s, bool need_co)
{
	struct cld_partition *p = cld_session_partition(s);

	if (!p)
		return ERR_PTR(-ENODEV);
	if (!cld_session_is(s, p, CLONEDEV_ROLE_CO) &&
	    (need_co || !cld_session_is(s, p, CLONEDEV_ROLE_CU)))
		return ERR_PTR(-EACCES);
	if (!cld_policy(p, CLONEDEV_POLICY_KEY_MANAGEMENT))
		return ERR_PTR(-EPERM);
	return p;
}

/* Adds @o (consumed) to the session's partition if the session may. */
static int add_to_session(struct cld_session *s, struct cld_object *o,
			  bool need_co, u32 *handle)
{
	struct cld_partition *p;
	int ret;

	mutex_lock(&s->lock);
	mutex_lock(&cld_hsm.lock);
	p = managed(s, need_co);
	if (IS_ERR(p)) {
		free_object(o);
		ret = PTR_ERR(p);
	} else {
		ret = add_object(p, o, handle);
	}
	mutex_unlock(&cld_hsm.lock);
	mutex_unlock(&s->lock);
	return ret;
}

int cld_session_object_generate(struct cld_session *s, void *arg)
{
	struct clonedev_object_generate *cmd = arg;
	struct cld_object *o;
	int ret;

	if (cmd->flags)
		return -EOPNOTSUPP;
	if (memchr_inv(cmd->__reserved, 0, sizeof(cmd->__reserved)) ||
	    (cmd->obj_flags & ~CLONEDEV_OBJ_FLAGS) ||
	    cmd->id_len > CLONEDEV_ID_MAX || !label_field_ok(cmd->label))
		return -EINVAL;
	switch (cmd->key_type) {
	case CLONEDEV_KEY_AES:
		if (cmd->bits != 128 && cmd->bits != 192 && cmd->bits != 256)
			return -EINVAL;
		break;
	case CLONEDEV_KEY_GENERIC_SECRET:
		if (cmd->bits < 8 || cmd->bits > 4096 || cmd->bits % 8)
			return -EINVAL;
		break;
	default:
		return -EOPNOTSUPP;
	}
	o = kzalloc(sizeof(*o), GFP_KERNEL);
	if (!o)
		return -ENOMEM;
	o->value_len = cmd->bits / 8;
	o->value = kmalloc(o->value_len, GFP_KERNEL);
	if (!o->value) {
		kfree(o);
		return -ENOMEM;
	}
	get_random_bytes(o->value, o->value_len);
	o->obj_class = CLONEDEV_CLASS_SECRET_KEY;
	o->key_type = cmd->key_type;
	o->bits = cmd->bits;
	o->flags = cmd->obj_flags | CLONEDEV_OBJ_PRIVATE |
		   CLONEDEV_OBJ_SENSITIVE;
	o->id_len = cmd->id_len;
	memcpy(o->id, cmd->id, cmd->id_len);
	strscpy(o->label, cmd->label, sizeof(o->label));
	ret = o->key_type == CLONEDEV_KEY_AES ? kcv_aes(o) : kcv_secret(o);
	if (ret) {
		free_object(o);
		return ret;
	}

	return add_to_session(s, o, true, &cmd->handle);
}

int cld_session_object_create(struct cld_session *s, void *arg)
{
	struct clonedev_object_create *cmd = arg;
	struct cld_object *o;
	int ret;

	if (cmd->flags)
		return -EOPNOTSUPP;
	if (memchr_inv(cmd->__reserved, 0, sizeof(cmd->__reserved)) ||
	    (cmd->obj_flags & ~CLONEDEV_OBJ_FLAGS) ||
	    cmd->id_len > CLONEDEV_ID_MAX || !label_field_ok(cmd->label) ||
	    cmd->value_len > CLONEDEV_DATA_MAX)
		return -EINVAL;
	o = kzalloc(sizeof(*o), GFP_KERNEL);
	if (!o)
		return -ENOMEM;
	o->value = cmd->value_len ?
		   memdup_user(u64_to_user_ptr(cmd->value), cmd->value_len) :
		   kzalloc(1, GFP_KERNEL);
	if (IS_ERR_OR_NULL(o->value)) {
		ret = o->value ? PTR_ERR(o->value) : -ENOMEM;
		kfree(o);
		return ret;
	}
	o->value_len = cmd->value_len;
	o->obj_class = CLONEDEV_CLASS_DATA;
	o->key_type = CLONEDEV_KEY_NONE;
	o->bits = cmd->value_len * 8;
	o->flags = cmd->obj_flags;
	o->id_len = cmd->id_len;
	memcpy(o->id, cmd->id, cmd->id_len);
	strscpy(o->label, cmd->label, sizeof(o->label));

	return add_to_session(s, o, o->flags & CLONEDEV_OBJ_PRIVATE,
			      &cmd->handle);
}

int cld_session_object_destroy(struct cld_session *s, void *arg)
{
	struct clonedev_object_destroy *cmd = arg;
	struct object_del_rec rec;
	struct cld_partition *p;
	struct cld_object *o;
	int ret;

	if (cmd->flags)
		return -EOPNOTSUPP;
	if (cmd->__reserved)
		return -EINVAL;
	mutex_lock(&s->lock);
	mutex_lock(&cld_hsm.lock);
	p = managed(s, false);
	if (IS_ERR(p)) {
		ret = PTR_ERR(p);
		goto out;
	}
	o = xa_load(&p->objects, cmd->handle);
	if (!o) {
		ret = -ENOENT;
		goto out;
	}
	if ((o->flags & CLONEDEV_OBJ_PRIVATE) &&
	    !cld_session_is(s, p, CLONEDEV_ROLE_CO)) {
		ret = -EACCES;
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
	xa_erase(&p->objects, cmd->handle);
	free_object(o);
	p->object_count--;
	cld_store_maybe_compact();
out:
	mutex_unlock(&cld_hsm.lock);
	mutex_unlock(&s->lock);
	return ret;
}

/* The session's partition if co or cu is logged in. Must hold the locks. */
static struct cld_partition *readable(struct cld_session *s)
{
	struct cld_partition *p = cld_session_partition(s);

	if (!p)
		return ERR_PTR(-ENODEV);
	if (!cld_session_is(s, p, CLONEDEV_ROLE_CO) &&
	    !cld_session_is(s, p, CLONEDEV_ROLE_CU))
		return ERR_PTR(-EACCES);
	return p;
}

int cld_session_object_get(struct cld_session *s, void *arg)
{
	struct clonedev_object_get *cmd = arg;
	struct clonedev_object_attrs *a = &cmd->attrs;
	struct cld_partition *p;
	struct cld_object *o;
	u8 *value = NULL;
	u32 vlen = 0;
	int ret = 0;

	if (cmd->flags)
		return -EOPNOTSUPP;
	mutex_lock(&s->lock);
	mutex_lock(&cld_hsm.lock);
	p = readable(s);
	if (IS_ERR(p)) {
		ret = PTR_ERR(p);
		goto out;
	}
	o = xa_load(&p->objects, cmd->handle);
	if (!o) {
		ret = -ENOENT;
		goto out;
	}
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
	if (o->obj_class == CLONEDEV_CLASS_DATA &&
	    !(o->flags & CLONEDEV_OBJ_SENSITIVE)) {
		a->value_len = o->value_len;
		vlen = o->value_len;
		if (cmd->value && vlen) {
			value = kmemdup(o->value, vlen, GFP_KERNEL);
			if (!value)
				ret = -ENOMEM;
		}
	}
out:
	mutex_unlock(&cld_hsm.lock);
	mutex_unlock(&s->lock);
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

int cld_session_object_list(struct cld_session *s, void *arg)
{
	struct clonedev_object_list *cmd = arg;
	struct cld_partition *p;
	struct cld_object *o;
	unsigned long h;
	u32 *buf, n = 0;
	int ret = 0;

	if (cmd->flags)
		return -EOPNOTSUPP;
	if (cmd->__reserved || !cmd->count)
		return -EINVAL;
	buf = kvmalloc_array(min_t(u32, cmd->count, 65536), sizeof(*buf),
			     GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	cmd->count = min_t(u32, cmd->count, 65536);
	cmd->next = 0;
	mutex_lock(&s->lock);
	mutex_lock(&cld_hsm.lock);
	p = readable(s);
	if (IS_ERR(p)) {
		ret = PTR_ERR(p);
		goto out;
	}
	h = cmd->start;
	xa_for_each_start(&p->objects, h, o, h) {
		if (n == cmd->count) {
			cmd->next = h;
			break;
		}
		buf[n++] = h;
	}
out:
	mutex_unlock(&cld_hsm.lock);
	mutex_unlock(&s->lock);
	if (!ret && copy_to_user(u64_to_user_ptr(cmd->handles), buf,
				 n * sizeof(*buf)))
		ret = -EFAULT;
	cmd->count = n;
	kvfree(buf);
	return ret;
}
