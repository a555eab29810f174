// SPDX-License-Identifier: GPL-2.0
/*
 * The key cache of a session, for CLONEDEV_IOCTL_CRYPT, _DERIVE, _WRAP and
 * _UNWRAP (uapi/linux/clonedev.h): up to CLD_KEYCACHE_MAX keyed
 * transforms, one per key, mechanism and hash, so a key is set up once,
 * not per call. Each use still looks the key up under cld_hsm.lock (it may
 * have been destroyed, or the session logged out) and checks its usage
 * flags; the crypto itself runs outside that lock, so sessions work in
 * parallel. The cache belongs to the session's struct cld_ops and is
 * protected by cld_session.lock; logging out or selecting another slot
 * wipes it.
 */
#include <linux/lockdep.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "hsm.h"
#include "keycache.h"
#include "mech.h"
#include "object.h"
#include "ops.h"
#include "partition.h"
#include "policy.h"
#include "session.h"

#define CLD_KEYCACHE_MAX	8

void cld_keycache_init(struct cld_keycache *kc)
{
	INIT_LIST_HEAD(&kc->keys);
	kc->n = 0;
}

static void key_drop(struct cld_key *k)
{
	const struct cld_mech *m = cld_mech_find(k->mech);

	/* Only keys whose mechanism is in the table are ever made. */
	m->key_free(k);
	kfree_sensitive(k->desc);
	kfree(k);
}

/*
 * Wipes every key of the cache. Called with cld_session.lock held, or when
 * the session is freed and nothing else can reach it.
 */
void cld_keycache_wipe(struct cld_keycache *kc)
{
	struct cld_key *k, *tmp;

	list_for_each_entry_safe(k, tmp, &kc->keys, node) {
		list_del(&k->node);
		key_drop(k);
	}
	kc->n = 0;
}

/*
 * Looks up @handle in the session's partition and fills @ref from that one
 * object, all under one hold of cld_hsm.lock: its attributes, whether the
 * partition's policy lets it be wrapped and, with @value, a copy of its
 * value. @need_co for calls only the co may make. A non-NULL @ouid is the
 * object an earlier lookup saw: handles are reused, so a handle that now
 * names another object is -ENOENT. Return: 0; -ENODEV, -EACCES, -ENOENT,
 * -ENOMEM.
 */
int cld_key_find(struct cld_session *s, u32 handle, bool need_co,
		 const u8 *ouid, bool value, struct cld_key_ref *ref)
{
	struct cld_partition *p;
	struct cld_object *o;
	int ret = 0;

	mutex_lock(&cld_hsm.lock);
	p = cld_session_partition(s);
	if (!p) {
		ret = -ENODEV;
		goto out;
	}
	if (!cld_session_is(s, p, CLONEDEV_ROLE_CO) &&
	    (need_co || !cld_session_is(s, p, CLONEDEV_ROLE_CU))) {
		ret = -EACCES;
		goto out;
	}
	o = xa_load(&p->objects, handle);
	if (!o || (ouid && memcmp(o->ouid, ouid, sizeof(o->ouid)))) {
		ret = -ENOENT;
		goto out;
	}
	ref->obj_class = o->obj_class;
	ref->key_type = o->key_type;
	ref->flags = o->flags;
	ref->wrap_policy = cld_policy(p, o->obj_class ==
				      CLONEDEV_CLASS_PRIVATE_KEY ?
				      CLONEDEV_POLICY_PRIVATE_WRAPPING :
				      CLONEDEV_POLICY_SECRET_WRAPPING);
	memcpy(ref->ouid, o->ouid, sizeof(ref->ouid));
	ref->value = NULL;
	ref->value_len = o->value_len;
	if (value) {
		ref->value = kmemdup(o->value, o->value_len, GFP_KERNEL);
		if (!ref->value)
			ret = -ENOMEM;
	}
out:
	mutex_unlock(&cld_hsm.lock);
	return ret;
}

/*
 * Drops the least recently used key that is not in use. Must hold
 * cld_session.lock.
 */
static void cache_evict(struct cld_session *s, struct cld_keycache *kc)
{
	struct cld_key *k;

	lockdep_assert_held(&s->lock);
	list_for_each_entry_reverse(k, &kc->keys, node) {
		if (k->busy)
			continue;
		list_del(&k->node);
		key_drop(k);
		kc->n--;
		return;
	}
}

/* A new key for @ref's object, set up for @mech and @hash. */
static struct cld_key *key_new(const struct cld_mech *m, u32 handle,
			       u32 mech, u32 hash, const struct cld_key_ref *ref)
{
	struct cld_key *k;
	int ret;

	k = kzalloc(sizeof(*k), GFP_KERNEL);
	if (!k)
		return ERR_PTR(-ENOMEM);
	k->handle = handle;
	memcpy(k->ouid, ref->ouid, sizeof(k->ouid));
	k->mech = mech;
	k->hash = hash;
	k->obj_class = ref->obj_class;
	k->key_type = ref->key_type;
	ret = m->key_set(k, ref->value, ref->value_len);
	if (ret) {
		/* key_free() passes over an ERR_PTR a failed alloc left. */
		key_drop(k);
		return ERR_PTR(ret == -ENOMEM ? ret : -EINVAL);
	}
	return k;
}

/*
 * The session's key @handle set up for @mech and @hash, after the checks
 * every use makes: the role, the object, the mechanism against the key's
 * type, then the usage flag. Must hold cld_session.lock.
 */
struct cld_key *cld_keycache_use(struct cld_session *s, u32 handle, u32 mech,
				 u32 hash, u32 usage, bool need_co)
{
	struct cld_ops *ops = cld_ops_get(s);
	const struct cld_mech *m = cld_mech_find(mech);
	struct cld_keycache *kc;
	struct cld_key_ref ref;
	struct cld_key *k;
	int ret;

	lockdep_assert_held(&s->lock);
	if (!ops)
		return ERR_PTR(-ENOMEM);
	kc = &ops->keys;
	ret = cld_key_find(s, handle, need_co, NULL, false, &ref);
	if (ret)
		return ERR_PTR(ret);
	if (!cld_mech_fits(m, usage, ref.obj_class, ref.key_type))
		return ERR_PTR(-EOPNOTSUPP);
	if (!(ref.flags & usage))
		return ERR_PTR(-EPERM);
	list_for_each_entry(k, &kc->keys, node) {
		if (k->handle == handle && k->mech == mech &&
		    k->hash == hash && !memcmp(k->ouid, ref.ouid,
					       sizeof(k->ouid))) {
			list_move(&k->node, &kc->keys);
			return k;
		}
	}
	/* The value of the object checked above, not of a handle's reuse. */
	ret = cld_key_find(s, handle, need_co, ref.ouid, true, &ref);
	if (ret)
		return ERR_PTR(ret);
	k = key_new(m, handle, mech, hash, &ref);
	kfree_sensitive(ref.value);
	if (IS_ERR(k))
		return k;
	if (kc->n >= CLD_KEYCACHE_MAX)
		cache_evict(s, kc);
	list_add(&k->node, &kc->keys);
	kc->n++;
	return k;
}
