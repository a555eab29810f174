// SPDX-License-Identifier: GPL-2.0
/*
 * Keys made from keys, and random bytes (uapi/linux/clonedev.h has the
 * errno contracts): CLONEDEV_IOCTL_DERIVE makes a secret key by ECDH;
 * _WRAP and _UNWRAP move keys under RFC 5649 (AES-KWP); _RANDOM gives
 * random bytes. The keys used come from the session's key cache; the key
 * wrapped is read, attributes and value, in one lookup of one object.
 */
#include <crypto/kpp.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "hsm.h"
#include "keycache.h"
#include "keyops.h"
#include "keys.h"
#include "kwp.h"
#include "object.h"
#include "partition.h"
#include "session.h"

/* @cls/@type/@bits of a new key, and its flags and label, are sound. */
static int new_key_ok(u32 type, u32 bits, u32 obj_flags, const char *label,
		      u32 id_len)
{
	if ((obj_flags & ~CLONEDEV_OBJ_FLAGS) || id_len > CLONEDEV_ID_MAX ||
	    !cld_object_label_ok(label))
		return -EINVAL;
	if (type == CLONEDEV_KEY_AES)
		return bits == 128 || bits == 192 || bits == 256 ? 0 : -EINVAL;
	if (type == CLONEDEV_KEY_GENERIC_SECRET)
		return bits >= 8 && !(bits % 8) ? 0 : -EINVAL;
	return -EINVAL;
}

/*
 * Checks *@o's value, then adds it to the session's partition, which then
 * owns it (*@o becomes NULL).
 */
static int add_key(struct cld_session *s, struct cld_object **o, u32 *handle,
		   u32 *bits)
{
	int ret = cld_object_check_key(*o);

	if (ret)
		return ret == -ENOMEM ? ret : -EINVAL;
	if (bits)
		*bits = (*o)->bits;
	return cld_object_add_new(s, o, handle);
}

static int ecdh(struct cld_key *k, const u8 *peer, u8 *secret,
		unsigned int len)
{
	struct kpp_request *req;
	struct scatterlist src, dst;
	DECLARE_CRYPTO_WAIT(wait);
	u8 *buf;
	int ret;

	buf = kmalloc(3 * len, GFP_KERNEL);
	req = kpp_request_alloc(k->kpp, GFP_KERNEL);
	if (!buf || !req) {
		ret = -ENOMEM;
		goto out;
	}
	memcpy(buf, peer + 1, 2 * len);
	sg_init_one(&src, buf, 2 * len);
	sg_init_one(&dst, buf + 2 * len, len);
	kpp_request_set_input(req, &src, 2 * len);
	kpp_request_set_output(req, &dst, len);
	kpp_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP,
				 crypto_req_done, &wait);
	ret = crypto_wait_req(crypto_kpp_compute_shared_secret(req), &wait);
	if (!ret)
		memcpy(secret, buf + 2 * len, len);
	else if (ret != -ENOMEM)
		ret = -EINVAL;
out:
	kpp_request_free(req);
	kfree_sensitive(buf);
	return ret;
}

int cld_keyops_derive(struct cld_session *s, void *arg)
{
	struct clonedev_derive *c = arg;
	u8 secret[CLD_EC_MAX_LEN];
	struct cld_object *o;
	struct cld_key *k;
	unsigned int len;
	int ret;

	if (memchr_inv(c->__pad, 0, sizeof(c->__pad)))
		return -EINVAL;
	if (c->mech != CLONEDEV_MECH_ECDH)
		return -EOPNOTSUPP;
	ret = new_key_ok(c->key_type, c->bits, c->obj_flags, c->label,
			 c->id_len);
	if (ret)
		return ret;
	mutex_lock(&s->lock);
	k = cld_keycache_use(s, c->handle, c->mech, 0, CLONEDEV_OBJ_DERIVE,
			     true);
	if (IS_ERR(k)) {
		ret = PTR_ERR(k);
		goto out;
	}
	len = cld_ec_len(k->key_type);
	ret = -EINVAL;
	if (c->bits > len * 8 || c->peer_len != 1 + 2 * len ||
	    c->peer[0] != 0x04)
		goto out;
	ret = ecdh(k, c->peer, secret, len);
	if (ret)
		goto out;
	o = cld_object_new(CLONEDEV_CLASS_SECRET_KEY, c->key_type,
			   c->obj_flags, c->label, c->id, c->id_len);
	if (!o) {
		ret = -ENOMEM;
		goto out;
	}
	o->value_len = c->bits / 8;
	o->value = kmemdup(secret, o->value_len, GFP_KERNEL);
	ret = o->value ? add_key(s, &o, &c->new_handle, NULL) : -ENOMEM;
	if (o)
		cld_object_free(o);
out:
	memzero_explicit(secret, sizeof(secret));
	mutex_unlock(&s->lock);
	return ret;
}

int cld_keyops_wrap(struct cld_session *s, void *arg)
{
	struct clonedev_wrap *c = arg;
	struct cld_key_ref ref = {};
	struct cld_key *k;
	unsigned int need;
	u8 *out = NULL;
	int ret;

	if (c->mech != CLONEDEV_MECH_AES_KWP)
		return -EOPNOTSUPP;
	c->out_len = 0;
	mutex_lock(&s->lock);
	k = cld_keycache_use(s, c->wrapping_handle, c->mech, 0,
			     CLONEDEV_OBJ_WRAP, true);
	if (IS_ERR(k)) {
		ret = PTR_ERR(k);
		goto out;
	}
	/* Attributes, policy, size and value: all of one object. */
	ret = cld_key_find(s, c->handle, true, NULL, true, &ref);
	if (ret)
		goto out;
	ret = -EOPNOTSUPP;
	if (ref.obj_class != CLONEDEV_CLASS_SECRET_KEY &&
	    ref.obj_class != CLONEDEV_CLASS_PRIVATE_KEY)
		goto out;
	ret = -EPERM;
	if (!(ref.flags & CLONEDEV_OBJ_EXTRACTABLE) || !ref.wrap_policy)
		goto out;
	need = cld_kwp_wrapped_len(ref.value_len);
	if (need > c->out_cap) {
		c->out_len = need;
		ret = -EMSGSIZE;
		goto out;
	}
	out = kmalloc(need, GFP_KERNEL);
	ret = out ? cld_kwp_wrap(k->skc, ref.value, ref.value_len, out) :
		    -ENOMEM;
	if (!ret && copy_to_user(u64_to_user_ptr(c->out), out, need))
		ret = -EFAULT;
	if (!ret)
		c->out_len = need;
out:
	mutex_unlock(&s->lock);
	/* A wrap that failed half way may hold key bytes. */
	kfree_sensitive(out);
	kfree_sensitive(ref.value);
	return ret;
}

int cld_keyops_unwrap(struct cld_session *s, void *arg)
{
	struct clonedev_unwrap *c = arg;
	struct cld_object *o = NULL;
	unsigned int len;
	struct cld_key *k;
	u32 cls;
	u8 *in;
	int ret;

	if (c->mech != CLONEDEV_MECH_AES_KWP)
		return -EOPNOTSUPP;
	switch (c->key_type) {
	case CLONEDEV_KEY_AES:
	case CLONEDEV_KEY_GENERIC_SECRET:
		cls = CLONEDEV_CLASS_SECRET_KEY;
		break;
	case CLONEDEV_KEY_EC_P256:
	case CLONEDEV_KEY_EC_P384:
	case CLONEDEV_KEY_RSA:
		cls = CLONEDEV_CLASS_PRIVATE_KEY;
		break;
	default:
		return -EINVAL;
	}
	if (c->in_len < 16 || c->in_len > CLONEDEV_WRAPPED_MAX ||
	    c->in_len % 8 || (c->obj_flags & ~CLONEDEV_OBJ_FLAGS) ||
	    c->id_len > CLONEDEV_ID_MAX || !cld_object_label_ok(c->label))
		return -EINVAL;
	in = memdup_user(u64_to_user_ptr(c->in), c->in_len);
	if (IS_ERR(in))
		return PTR_ERR(in);
	mutex_lock(&s->lock);
	k = cld_keycache_use(s, c->unwrapping_handle, c->mech, 0,
			     CLONEDEV_OBJ_UNWRAP, true);
	if (IS_ERR(k)) {
		ret = PTR_ERR(k);
		goto out;
	}
	o = cld_object_new(cls, c->key_type, c->obj_flags, c->label, c->id,
			   c->id_len);
	o = o ? o : ERR_PTR(-ENOMEM);
	if (IS_ERR(o)) {
		ret = PTR_ERR(o);
		o = NULL;
		goto out;
	}
	o->value = kmalloc(c->in_len, GFP_KERNEL);
	if (!o->value) {
		ret = -ENOMEM;
		goto out;
	}
	ret = cld_kwp_unwrap(k->skc, in, c->in_len, o->value, &len);
	if (ret)
		goto out;
	o->value_len = len;
	ret = add_key(s, &o, &c->new_handle, &c->bits);
out:
	mutex_unlock(&s->lock);
	if (o)
		cld_object_free(o);
	kfree(in);
	return ret;
}

int cld_keyops_random(struct cld_session *s, void *arg)
{
	struct clonedev_random *c = arg;
	struct cld_partition *p;
	u8 *buf;
	int ret;

	if (!c->len || c->len > CLONEDEV_RANDOM_MAX)
		return -EINVAL;
	mutex_lock(&s->lock);
	mutex_lock(&cld_hsm.lock);
	p = cld_session_partition(s);
	ret = !p ? -ENODEV :
	      cld_session_is(s, p, CLONEDEV_ROLE_CO) ||
	      cld_session_is(s, p, CLONEDEV_ROLE_CU) ? 0 : -EACCES;
	mutex_unlock(&cld_hsm.lock);
	mutex_unlock(&s->lock);
	if (ret)
		return ret;
	buf = kvmalloc(c->len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	get_random_bytes(buf, c->len);
	ret = copy_to_user(u64_to_user_ptr(c->out), buf, c->len) ? -EFAULT : 0;
	kvfree_sensitive(buf, c->len);
	return ret;
}
