// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libclonedev: using keys (CLONEDEV_IOCTL_CRYPT, _DERIVE, _WRAP, _UNWRAP,
 * _RANDOM), finding one key, and opening a logged-in session. Data passes
 * straight between the caller's buffers and the kernel: nothing secret is
 * copied here.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"

/* Zeroes an ioctl struct and sets its leading size field. */
static void init_cmd(void *cmd, __u32 size)
{
	memset(cmd, 0, size);
	memcpy(cmd, &size, sizeof(size));
}

#define INIT(cmd) init_cmd(&(cmd), sizeof(cmd))

int clonedev_open_login(struct clonedev **out, unsigned int slot,
			unsigned int role, const char *password)
{
	struct clonedev *cd;
	int ret;

	ret = clonedev_open(&cd);
	if (ret)
		return ret;
	ret = clonedev_slot_set(cd, slot);
	if (!ret && password)
		ret = clonedev_login(cd, role, password);
	if (ret) {
		clonedev_close(cd);
		return ret;
	}
	*out = cd;
	return 0;
}

int clonedev_find_key(struct clonedev *cd, const char *label, const void *id,
		      unsigned int id_len, unsigned int obj_class,
		      unsigned int *handle)
{
	struct clonedev_object_attrs a;
	unsigned int *h = NULL, found = 0;
	int n, i, ret = 0;

	if (!label && !id)
		return -EINVAL;
	n = clonedev_object_find(cd, label, id, id_len, &h);
	if (n < 0)
		return n;
	for (i = 0; i < n && !ret; i++) {
		if (obj_class) {
			ret = clonedev_object_get(cd, h[i], &a, NULL, 0, NULL);
			if (ret == -ENOENT) {	/* destroyed meanwhile */
				ret = 0;
				continue;
			}
			if (ret || a.obj_class != obj_class)
				continue;
		}
		if (found)
			ret = -ENOTUNIQ;
		found = h[i];
	}
	free(h);
	if (!ret && !found)
		ret = -ENOENT;
	if (!ret)
		*handle = found;
	return ret;
}

/* Fits a caller's length into a __u32 field (room beyond 4 GiB is unused). */
static __u32 cap32(size_t n)
{
	return n > UINT32_MAX ? UINT32_MAX : (__u32)n;
}

static void set_params(struct clonedev_crypt *c, unsigned int op,
		       unsigned int handle,
		       const struct clonedev_crypt_params *p)
{
	c->op = op;
	c->handle = handle;
	c->mech = p->mech;
	c->hash = p->hash;
	c->flags = p->flags;
	c->salt_len = p->salt_len;
	c->tag_len = p->tag_len;
	c->iv_len = p->iv_len;
	memcpy(c->iv, p->iv, sizeof(c->iv));
	c->aad = (uintptr_t)p->aad;
	c->aad_len = p->aad_len;
}

/*
 * One CLONEDEV_IOCTL_CRYPT call, with the library's record of the
 * multi-part operation kept in step under the handle's lock. @verify:
 * the call is clonedev_verify_final() (a FINAL must match its init).
 */
static int crypt_call(struct clonedev *cd, struct clonedev_crypt *c,
		      bool verify)
{
	bool multi = c->part == CLONEDEV_PART_UPDATE ||
		     c->part == CLONEDEV_PART_FINAL;
	int ret = 0;

	pthread_mutex_lock(&cd->lock);
	if (!multi && cd->op)
		ret = -EBUSY;
	else if (multi && !cd->op)
		ret = -EINVAL;
	else if (c->part == CLONEDEV_PART_FINAL &&
		 (cd->op == CLONEDEV_CRYPT_VERIFY) != verify)
		ret = -EINVAL;
	if (ret)
		goto out;
	ret = cdev_ioctl_locked(cd, CLONEDEV_IOCTL_CRYPT, c);
	if (c->part == CLONEDEV_PART_INIT && !ret)
		cd->op = c->op;
	/*
	 * FINAL ends the operation whatever the outcome, unless the output
	 * did not fit; so, for the library, does an UPDATE that fails.
	 */
	if (multi && (c->part == CLONEDEV_PART_FINAL || ret) &&
	    ret != -EMSGSIZE)
		cd->op = 0;
out:
	pthread_mutex_unlock(&cd->lock);
	return ret;
}

/* An ALL or INIT call: the key, the parameters and (ALL) the data. */
static int crypt_start(struct clonedev *cd, unsigned int part,
		       unsigned int op, unsigned int handle,
		       struct clonedev_crypt_params *p, const void *in,
		       size_t in_len, void *out, size_t out_cap,
		       size_t *out_len, const void *sig, size_t sig_len)
{
	struct clonedev_crypt c;
	int ret;

	if (in_len > CLONEDEV_CRYPT_MAX || sig_len > CLONEDEV_CRYPT_MAX)
		return -EMSGSIZE;
	INIT(c);
	c.part = part;
	set_params(&c, op, handle, p);
	c.in = (uintptr_t)in;
	c.in_len = (__u32)in_len;
	c.out = (uintptr_t)out;
	c.out_cap = out ? cap32(out_cap) : 0;
	c.sig = (uintptr_t)sig;
	c.sig_len = (__u32)sig_len;
	ret = crypt_call(cd, &c, false);
	if ((!ret || ret == -EMSGSIZE) && out_len)
		*out_len = c.out_len;
	if (!ret && (p->flags & CLONEDEV_CRYPT_GEN_IV)) {
		p->iv_len = c.iv_len;
		memcpy(p->iv, c.iv, sizeof(p->iv));
	}
	return ret;
}

int clonedev_encrypt(struct clonedev *cd, unsigned int handle,
		     struct clonedev_crypt_params *p, const void *in,
		     size_t in_len, void *out, size_t out_cap,
		     size_t *out_len)
{
	return crypt_start(cd, CLONEDEV_PART_ALL, CLONEDEV_CRYPT_ENCRYPT,
			   handle, p, in, in_len, out, out_cap, out_len,
			   NULL, 0);
}

/* The calls that take const parameters: nothing is written back to them. */
static int crypt_const(struct clonedev *cd, unsigned int part,
		       unsigned int op, unsigned int handle,
		       const struct clonedev_crypt_params *p, const void *in,
		       size_t in_len, void *out, size_t out_cap,
		       size_t *out_len, const void *sig, size_t sig_len)
{
	struct clonedev_crypt_params copy = *p;

	return crypt_start(cd, part, op, handle, &copy, in, in_len, out,
			   out_cap, out_len, sig, sig_len);
}

int clonedev_decrypt(struct clonedev *cd, unsigned int handle,
		     const struct clonedev_crypt_params *p, const void *in,
		     size_t in_len, void *out, size_t out_cap,
		     size_t *out_len)
{
	return crypt_const(cd, CLONEDEV_PART_ALL, CLONEDEV_CRYPT_DECRYPT,
			   handle, p, in, in_len, out, out_cap, out_len,
			   NULL, 0);
}

int clonedev_sign(struct clonedev *cd, unsigned int handle,
		  const struct clonedev_crypt_params *p, const void *in,
		  size_t in_len, void *sig, size_t sig_cap, size_t *sig_len)
{
	return crypt_const(cd, CLONEDEV_PART_ALL, CLONEDEV_CRYPT_SIGN, handle,
			   p, in, in_len, sig, sig_cap, sig_len, NULL, 0);
}

int clonedev_verify(struct clonedev *cd, unsigned int handle,
		    const struct clonedev_crypt_params *p, const void *in,
		    size_t in_len, const void *sig, size_t sig_len)
{
	return crypt_const(cd, CLONEDEV_PART_ALL, CLONEDEV_CRYPT_VERIFY,
			   handle, p, in, in_len, NULL, 0, NULL, sig, sig_len);
}

int clonedev_crypt_init(struct clonedev *cd, unsigned int op,
			unsigned int handle, struct clonedev_crypt_params *p)
{
	return crypt_start(cd, CLONEDEV_PART_INIT, op, handle, p, NULL, 0,
			   NULL, 0, NULL, NULL, 0);
}

/* An UPDATE or FINAL call: data only. */
static int crypt_more(struct clonedev *cd, unsigned int part, const void *in,
		      size_t in_len, void *out, size_t out_cap,
		      size_t *out_len, const void *sig, size_t sig_len,
		      bool verify)
{
	struct clonedev_crypt c;
	int ret;

	if (in_len > CLONEDEV_CRYPT_MAX || sig_len > CLONEDEV_CRYPT_MAX)
		return -EMSGSIZE;
	INIT(c);
	c.part = part;
	c.in = (uintptr_t)in;
	c.in_len = (__u32)in_len;
	c.out = (uintptr_t)out;
	c.out_cap = out ? cap32(out_cap) : 0;
	c.sig = (uintptr_t)sig;
	c.sig_len = (__u32)sig_len;
	ret = crypt_call(cd, &c, verify);
	if (out_len)
		*out_len = !ret || ret == -EMSGSIZE ? c.out_len : 0;
	return ret;
}

int clonedev_crypt_update(struct clonedev *cd, const void *in, size_t in_len,
			  void *out, size_t out_cap, size_t *out_len)
{
	return crypt_more(cd, CLONEDEV_PART_UPDATE, in, in_len, out, out_cap,
			  out_len, NULL, 0, false);
}

int clonedev_crypt_final(struct clonedev *cd, const void *in, size_t in_len,
			 void *out, size_t out_cap, size_t *out_len)
{
	return crypt_more(cd, CLONEDEV_PART_FINAL, in, in_len, out, out_cap,
			  out_len, NULL, 0, false);
}

int clonedev_verify_final(struct clonedev *cd, const void *in, size_t in_len,
			  const void *sig, size_t sig_len)
{
	return crypt_more(cd, CLONEDEV_PART_FINAL, in, in_len, NULL, 0, NULL,
			  sig, sig_len, true);
}

void clonedev_crypt_abort(struct clonedev *cd)
{
	struct clonedev_crypt c;

	INIT(c);
	c.part = CLONEDEV_PART_ABORT;
	pthread_mutex_lock(&cd->lock);
	if (cd->op)
		cdev_ioctl_locked(cd, CLONEDEV_IOCTL_CRYPT, &c);
	cd->op = 0;
	pthread_mutex_unlock(&cd->lock);
}

/* Copies a template's label and id into an ioctl struct. */
static int put_template(const struct clonedev_key_template *t, char *label,
			__u8 *id, __u32 *id_len)
{
	if ((t->label && strlen(t->label) >= CLONEDEV_LABEL_LEN) ||
	    t->id_len > CLONEDEV_ID_MAX)
		return -EINVAL;
	if (t->label)
		strcpy(label, t->label);
	if (t->id && t->id_len)
		memcpy(id, t->id, t->id_len);
	*id_len = t->id ? t->id_len : 0;
	return 0;
}

int clonedev_derive(struct clonedev *cd, unsigned int mech,
		    unsigned int handle, const void *peer,
		    unsigned int peer_len,
		    const struct clonedev_key_template *t,
		    unsigned int *new_handle)
{
	struct clonedev_derive cmd;
	int ret;

	INIT(cmd);
	if (peer_len > sizeof(cmd.peer) ||
	    put_template(t, cmd.label, cmd.id, &cmd.id_len))
		return -EINVAL;
	cmd.mech = mech;
	cmd.handle = handle;
	memcpy(cmd.peer, peer, peer_len);
	cmd.peer_len = peer_len;
	cmd.key_type = t->key_type;
	cmd.bits = t->bits;
	cmd.obj_flags = t->obj_flags;
	ret = cdev_ioctl(cd, CLONEDEV_IOCTL_DERIVE, &cmd);
	if (!ret && new_handle)
		*new_handle = cmd.new_handle;
	return ret;
}

int clonedev_wrap(struct clonedev *cd, unsigned int mech,
		  unsigned int wrapping, unsigned int handle, void *out,
		  size_t out_cap, size_t *out_len)
{
	struct clonedev_wrap cmd;
	int ret;

	INIT(cmd);
	cmd.mech = mech;
	cmd.wrapping_handle = wrapping;
	cmd.handle = handle;
	cmd.out = (uintptr_t)out;
	cmd.out_cap = out ? cap32(out_cap) : 0;
	ret = cdev_ioctl(cd, CLONEDEV_IOCTL_WRAP, &cmd);
	if ((!ret || ret == -EMSGSIZE) && out_len)
		*out_len = cmd.out_len;
	return ret;
}

int clonedev_unwrap(struct clonedev *cd, unsigned int mech,
		    unsigned int unwrapping, const void *in, size_t in_len,
		    const struct clonedev_key_template *t,
		    unsigned int *new_handle)
{
	struct clonedev_unwrap cmd;
	int ret;

	INIT(cmd);
	if (in_len > CLONEDEV_WRAPPED_MAX)
		return -EINVAL;
	if (put_template(t, cmd.label, cmd.id, &cmd.id_len))
		return -EINVAL;
	cmd.mech = mech;
	cmd.unwrapping_handle = unwrapping;
	cmd.in = (uintptr_t)in;
	cmd.in_len = (__u32)in_len;
	cmd.key_type = t->key_type;
	cmd.obj_flags = t->obj_flags;
	ret = cdev_ioctl(cd, CLONEDEV_IOCTL_UNWRAP, &cmd);
	if (!ret && new_handle)
		*new_handle = cmd.new_handle;
	return ret;
}

int clonedev_random(struct clonedev *cd, void *out, size_t len)
{
	struct clonedev_random cmd;
	unsigned char *p = out;
	int ret = 0;

	while (len && !ret) {
		size_t n = len < CLONEDEV_RANDOM_MAX ? len : CLONEDEV_RANDOM_MAX;

		INIT(cmd);
		cmd.len = (__u32)n;
		cmd.out = (uintptr_t)p;
		ret = cdev_ioctl(cd, CLONEDEV_IOCTL_RANDOM, &cmd);
		p += n;
		len -= n;
	}
	return ret;
}
