// SPDX-License-Identifier: GPL-2.0
/*
 * CLONEDEV_IOCTL_CRYPT (uapi/linux/clonedev.h has the errno contract): a
 * mechanism of the table in mech.c run over a key of the session's key
 * cache, in one call (ALL) or as INIT, UPDATE and FINAL, with ABORT. The
 * checks, the key, the output size and the copy to user space are the
 * same for every mechanism; the table's callbacks do the rest. The
 * operation lives in the session's struct cld_ops under cld_session.lock.
 */
#include <crypto/hash.h>
#include <linux/file.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "crypt.h"
#include "keycache.h"
#include "mech.h"
#include "ops.h"
#include "session.h"

#define BUF_KEEP	(64 * 1024)	/* a buffer this small is kept */

static const u32 op_usage[] = {
	[CLONEDEV_CRYPT_ENCRYPT] = CLONEDEV_OBJ_ENCRYPT,
	[CLONEDEV_CRYPT_DECRYPT] = CLONEDEV_OBJ_DECRYPT,
	[CLONEDEV_CRYPT_SIGN] = CLONEDEV_OBJ_SIGN,
	[CLONEDEV_CRYPT_VERIFY] = CLONEDEV_OBJ_VERIFY,
};

/* Ends the operation, wiping what it held. */
void cld_crypt_end(struct cld_crypt *cr)
{
	if (cr->key)
		cr->key->busy = false;
	cr->key = NULL;
	cr->mech = NULL;
	/* Small buffers stay for the next operation, wiped where used. */
	if (cr->buf) {
		memzero_explicit(cr->buf,
				 min_t(size_t, cr->cap, cr->len + CLD_AES_BLOCK));
		if (cr->cap > BUF_KEEP) {
			kvfree(cr->buf);
			cr->buf = NULL;
			cr->cap = 0;
		}
	}
	cr->len = 0;
	cr->aad_len = 0;
	cr->prehashed = false;
	/* The key owns the descriptor; only its state is wiped. */
	if (cr->desc)
		shash_desc_zero(cr->desc);
	cr->desc = NULL;
	memzero_explicit(cr->iv, sizeof(cr->iv));
	memzero_explicit(cr->part, sizeof(cr->part));
	cr->part_len = 0;
	if (cr->gcm_parts) {
		cr->gcm_parts = false;
		memzero_explicit(cr->gcm_ekj0, sizeof(cr->gcm_ekj0));
		cr->gcm_len = 0;
		/* It holds only ciphertext the caller gave: freed, not wiped. */
		if (cr->gcm_spool)
			fput(cr->gcm_spool);
		cr->gcm_spool = NULL;
		cr->gcm_spooled = 0;
	}
}

/* Ends the operation and frees its buffer. */
void cld_crypt_wipe(struct cld_crypt *cr)
{
	cld_crypt_end(cr);
	kvfree(cr->buf);
	cr->buf = NULL;
	cr->cap = 0;
}

/* Checks what ALL or INIT asks for against the mechanism's table entry. */
static int check_params(const struct clonedev_crypt *c,
			const struct cld_mech *m)
{
	static const struct cld_mech none;
	bool gen = c->flags & CLONEDEV_CRYPT_GEN_IV;

	m = m ?: &none;
	if (gen && c->op != CLONEDEV_CRYPT_ENCRYPT)
		return -EINVAL;
	if (m->iv_len ? !gen && c->iv_len != m->iv_len : gen || c->iv_len)
		return -EINVAL;
	if (m->aead ? c->tag_len && (c->tag_len < 12 || c->tag_len > 16) :
	    c->tag_len || c->aad_len)
		return -EINVAL;
	switch (m->hash) {
	case CLD_HASH_REQUIRED:
		if (!cld_hash_ok(c->hash))
			return -EINVAL;
		break;
	case CLD_HASH_OPTIONAL:
		if (c->hash && !cld_hash_ok(c->hash))
			return -EINVAL;
		break;
	default:
		if (c->hash)
			return -EINVAL;
	}
	if (m->salt ? c->salt_len > cld_hash_len(c->hash) : c->salt_len)
		return -EINVAL;
	/* A digest of @hash, signed or verified in one call. */
	if ((c->flags & CLONEDEV_CRYPT_PREHASHED) &&
	    (!m->prehash || !cld_hash_ok(c->hash) ||
	     c->part != CLONEDEV_PART_ALL ||
	     (c->op != CLONEDEV_CRYPT_SIGN && c->op != CLONEDEV_CRYPT_VERIFY)))
		return -EINVAL;
	return 0;
}

/* Starts the operation @c asks for on @k. */
static int op_start(struct cld_crypt *cr, struct cld_key *k,
		    struct clonedev_crypt *c)
{
	const struct cld_mech *m = cld_mech_find(k->mech);

	/* Only a key that fits a CRYPT usage gets here: m->update is set. */
	k->busy = true;
	cr->key = k;
	cr->mech = m;
	cr->op = c->op;
	cr->tag_len = c->tag_len ?: CLD_AES_BLOCK;
	cr->salt_len = c->salt_len;
	cr->prehashed = c->flags & CLONEDEV_CRYPT_PREHASHED;
	if (c->flags & CLONEDEV_CRYPT_GEN_IV) {
		get_random_bytes(cr->iv, m->iv_len);
		memcpy(c->iv, cr->iv, m->iv_len);
		c->iv_len = m->iv_len;
	} else {
		memcpy(cr->iv, c->iv, sizeof(cr->iv));
	}
	return m->init ? m->init(cr, c) : 0;
}

/*
 * One UPDATE or FINAL (ALL is INIT then FINAL) with @c's input. The output
 * goes to user space here. Return: 0 or the errno; the caller ends the
 * operation at FINAL or on error.
 */
static int op_step(struct cld_crypt *cr, struct clonedev_crypt *c,
		   bool final)
{
	const struct cld_mech *m = cr->mech;
	struct cld_crypt_out out;
	int ret;

	out.sent = 0;
	out.data = NULL;
	out.len = 0;
	out.own = NULL;
	ret = m->update(cr, c->in, c->in_len, final, &out);
	if (!ret && final && m->final)
		ret = m->final(cr, c, &out);
	if (!ret && out.len &&
	    copy_to_user(u64_to_user_ptr(c->out + out.sent), out.data,
			 out.len))
		ret = -EFAULT;
	c->out_len = ret ? 0 : out.sent + out.len;
	if (out.own)
		kvfree_sensitive(out.own, out.own_len);
	return ret;
}

/*
 * An UPDATE or FINAL: the key must still be there and usable, and the
 * session still logged in.
 */
static int op_recheck(struct cld_session *s, struct cld_crypt *cr)
{
	struct cld_key *k = cr->key;
	struct cld_key_ref ref;
	int ret;

	ret = cld_key_find(s, k->handle, false, k->ouid, false, &ref);
	if (ret)
		return ret;
	return ref.flags & op_usage[cr->op] ? 0 : -EPERM;
}

/* Ends the session's operation, if any. Must hold cld_session.lock. */
static void op_end(struct cld_session *s)
{
	lockdep_assert_held(&s->lock);
	if (s->ops)
		cld_crypt_end(&s->ops->crypt);
}

int cld_crypt_run(struct cld_session *s, void *arg)
{
	struct clonedev_crypt *c = arg;
	bool start = c->part == CLONEDEV_PART_ALL ||
		     c->part == CLONEDEV_PART_INIT;
	bool final = c->part == CLONEDEV_PART_ALL ||
		     c->part == CLONEDEV_PART_FINAL;
	struct cld_crypt *cr;
	struct cld_key *k;
	size_t need;
	int ret;

	if (c->part == CLONEDEV_PART_ABORT) {
		mutex_lock(&s->lock);
		op_end(s);
		mutex_unlock(&s->lock);
		return 0;
	}
	if (c->part > CLONEDEV_PART_FINAL ||
	    (start && (!c->op || c->op >= ARRAY_SIZE(op_usage))) ||
	    (c->part == CLONEDEV_PART_INIT && c->in_len))
		return -EINVAL;
	if (c->in_len > CLONEDEV_CRYPT_MAX || c->aad_len > CLONEDEV_CRYPT_MAX)
		return -EMSGSIZE;
	c->out_len = 0;
	mutex_lock(&s->lock);
	if (start) {
		op_end(s);
		ret = check_params(c, cld_mech_find(c->mech));
		if (ret)
			goto out;
		k = cld_keycache_use(s, c->handle, c->mech, c->hash,
				     op_usage[c->op], false);
		if (IS_ERR(k)) {
			ret = PTR_ERR(k);
			goto out;
		}
		cr = &s->ops->crypt;
		ret = op_start(cr, k, c);
		if (ret || c->part == CLONEDEV_PART_INIT)
			goto end;
	} else {
		ret = -EINVAL;
		if (!s->ops || !s->ops->crypt.key)
			goto out;
		cr = &s->ops->crypt;
		ret = op_recheck(s, cr);
		if (ret)
			goto end;
	}
	need = cr->mech->out_size(cr, final, c->in_len);
	if (need > c->out_cap) {
		/* Only a decryption too long for any room needs more. */
		c->out_len = min_t(size_t, need, U32_MAX);
		ret = -EMSGSIZE;
		if (c->part == CLONEDEV_PART_ALL)
			cld_crypt_end(cr);
		goto out;
	}
	ret = op_step(cr, c, final);
	/* A step checks its input's length before it consumes any. */
	if (ret == -EMSGSIZE && c->part != CLONEDEV_PART_ALL)
		goto out;
end:
	if (ret || final)
		cld_crypt_end(cr);
out:
	mutex_unlock(&s->lock);
	return ret;
}
