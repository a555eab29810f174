// SPDX-License-Identifier: GPL-2.0
/*
 * Archive files (CLONEDEV_IOCTL_ARCHIVE_OPEN, _NEXT, _FINISH): a
 * partition's objects sealed under a key derived from one of its cloning
 * domains, made and read here as a stream so that the domain secret never
 * leaves the kernel. docs/archive-format.md is the format. The records
 * are the cloning protocol's (clone_wire.c), and a restore decides each
 * object as a clone target does (cld_clone_admit()), only after the whole
 * archive has verified, and stores what it takes in one store batch.
 */
#include <crypto/aead.h>
#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <linux/bitmap.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "archive.h"
#include "clone_priv.h"
#include "hsm.h"
#include "kdf.h"
#include "kex.h"
#include "object.h"
#include "partition.h"
#include "session.h"

#define AR_MAGIC	"CLDARCH"		/* and its NUL: 8 bytes */
#define AR_HDR_LEN	CLONEDEV_ARCHIVE_HEADER_LEN
#define AR_AAD_LEN	72			/* the header's fields */
#define AR_TAG_LEN	CLD_KEX_TAG_LEN
#define AR_HASH_LEN	32
#define AR_SALT_LEN	32
#define AR_FINAL_PT	(4 + AR_HASH_LEN)
#define AR_PT_MIN	(4 + sizeof(struct cld_wire_record))
#define AR_PT_MAX	(AR_PT_MIN + CLONEDEV_DATA_MAX)

/* The nonce's first word: what is sealed (docs/archive-format.md). */
enum arch_kind {
	AR_NONCE_HEADER = 0,
	AR_NONCE_OBJECT = 1,
	AR_NONCE_FINAL = 2,
};

/* The header as the file has it. */
struct arch_hdr {
	u8 magic[8];
	__be16 version;
	__be16 zero;
	__be32 flags;
	u8 fingerprint[CLONEDEV_FINGERPRINT_LEN];
	__be64 serial;
	u8 salt[AR_SALT_LEN];
	__be32 count;
	__be32 zero2;
	u8 tag[AR_TAG_LEN];
} __packed;

static_assert(sizeof(struct arch_hdr) == AR_HDR_LEN);
static_assert(offsetof(struct arch_hdr, tag) == AR_AAD_LEN);
static_assert(CLONEDEV_ARCHIVE_RECORD_MAX == 4 + AR_PT_MAX + AR_TAG_LEN);
static_assert(CLONEDEV_ARCHIVE_FINAL_LEN == 4 + AR_FINAL_PT + AR_TAG_LEN);

/*
 * One archive in the making or the reading. It belongs to the session
 * that opened it and is used only under that session's lock.
 */
struct cld_archive {
	u32 id;
	struct cld_session *owner;
	u32 mode;			/* enum clonedev_archive_mode */
	u32 role;			/* the role it was opened under */
	u64 serial;			/* its partition's */
	u32 count;			/* object records in the archive */
	u32 next;			/* index of the next object record */
	struct arch_hdr hdr;
	u8 key[CLD_KEX_KEY_LEN];
	struct crypto_aead *gcm;
	struct crypto_shash *sha256;
	struct shash_desc *hash;	/* every byte before the final record */
	u32 *handles;			/* backup: the objects to write */
	/* restore */
	u32 *want;			/* the handles asked for, or NULL */
	u32 n_want;
	unsigned long *found;		/* which of @want came */
	struct cld_object **objs;	/* staged: read, not stored */
	u32 n_objs;
	u32 failed;			/* records that do not validate */
};

/* Every open archive, by id; an entry is read only under its xa_lock. */
static DEFINE_XARRAY_ALLOC1(cld_archives);

static void archive_free(struct cld_archive *a)
{
	u32 i;

	if (!a)
		return;
	for (i = 0; i < a->n_objs; i++)
		cld_object_free(a->objs[i]);
	kvfree(a->objs);
	kvfree(a->handles);
	kvfree(a->want);
	bitmap_free(a->found);
	if (a->hash) {
		shash_desc_zero(a->hash);
		kfree(a->hash);
	}
	crypto_free_shash(a->sha256);
	crypto_free_aead(a->gcm);
	kfree_sensitive(a);
}

static struct cld_archive *archive_alloc(u32 mode)
{
	struct cld_archive *a = kzalloc(sizeof(*a), GFP_KERNEL);

	if (!a)
		return ERR_PTR(-ENOMEM);
	a->mode = mode;
	a->gcm = crypto_alloc_aead("gcm(aes)", 0, 0);
	if (IS_ERR(a->gcm)) {
		a->gcm = NULL;
		goto nomem;
	}
	a->sha256 = crypto_alloc_shash("sha256", 0, 0);
	if (IS_ERR(a->sha256)) {
		a->sha256 = NULL;
		goto nomem;
	}
	a->hash = kzalloc(sizeof(*a->hash) + crypto_shash_descsize(a->sha256),
			  GFP_KERNEL);
	if (!a->hash)
		goto nomem;
	a->hash->tfm = a->sha256;
	if (crypto_shash_init(a->hash))
		goto nomem;
	return a;
nomem:
	archive_free(a);
	return ERR_PTR(-ENOMEM);
}

/* Ends @a, an archive of @s: no id names it any more. Must hold s->lock. */
static void archive_end(struct cld_session *s, struct cld_archive *a)
{
	lockdep_assert_held(&s->lock);
	xa_erase(&cld_archives, a->id);
	archive_free(a);
}

/* The archive @id of @s, or NULL. Must hold s->lock. */
static struct cld_archive *archive_find(struct cld_session *s, u32 id)
{
	struct cld_archive *a;

	lockdep_assert_held(&s->lock);
	xa_lock(&cld_archives);
	a = xa_load(&cld_archives, id);
	if (a && a->owner != s)
		a = NULL;
	xa_unlock(&cld_archives);
	return a;
}

/* Gives @a an id, if @s has fewer than the most. Must hold s->lock. */
static int archive_add(struct cld_session *s, struct cld_archive *a)
{
	struct cld_archive *e;
	unsigned long id;
	u32 n = 0;
	int ret;

	lockdep_assert_held(&s->lock);
	a->owner = s;
	xa_lock(&cld_archives);
	xa_for_each(&cld_archives, id, e)
		n += e->owner == s;
	if (n >= CLONEDEV_ARCHIVE_OPEN_MAX)
		ret = -EMFILE;
	else
		ret = __xa_alloc(&cld_archives, &a->id, a, xa_limit_31b,
				 GFP_ATOMIC);
	xa_unlock(&cld_archives);
	return ret == -EBUSY ? -EMFILE : ret;
}

/* Ends every archive of @s, whose file is being closed. */
void cld_archive_release(struct cld_session *s)
{
	struct cld_archive *a, *e;
	unsigned long id;

	do {
		a = NULL;
		xa_lock(&cld_archives);
		xa_for_each(&cld_archives, id, e) {
			if (e->owner == s) {
				a = __xa_erase(&cld_archives, id);
				break;
			}
		}
		xa_unlock(&cld_archives);
		archive_free(a);
	} while (a);
}

/* Seals (or opens) @len bytes at @data, in place, nonce (@kind, @i). */
static int seal(struct cld_archive *a, bool enc, u32 kind, u64 i, u8 *data,
		u32 len)
{
	return cld_kex_aead(a->gcm, a->key, enc, kind, i, (u8 *)&a->hdr,
			    AR_AAD_LEN, data, len);
}

/* K from the domain @secret and the header's salt. */
static int derive_key(struct cld_archive *a, const u8 *secret, u32 len)
{
	struct cld_kdf kdf;
	int ret;

	ret = cld_kdf_init(&kdf, "hmac(sha256)");
	if (ret)
		return ret;
	ret = cld_kdf_hkdf(&kdf, a->hdr.salt, AR_SALT_LEN, secret, len,
			   CLD_KDF_ARCHIVE, NULL, 0, a->key, sizeof(a->key));
	cld_kdf_uninit(&kdf);
	return ret;
}

/*
 * The partition @a was opened on, if @s is still logged in to it as the
 * same role. Must hold cld_hsm.lock. Return: it or an ERR_PTR.
 */
static struct cld_partition *archive_partition(struct cld_session *s,
					       const struct cld_archive *a)
{
	struct cld_partition *p;

	lockdep_assert_held(&cld_hsm.lock);
	p = cld_session_partition(s);
	if (!p || p->serial != a->serial)
		return ERR_PTR(-ENODEV);
	if (!cld_session_is(s, p, a->role))
		return ERR_PTR(-EACCES);
	return p;
}

/* ---- backup ---- */

/*
 * The objects of @p a backup writes: those of @a->handles (all with
 * @count 0) that policy lets @a->role export; the others are counted in
 * @refused. Must hold cld_hsm.lock.
 */
static int backup_select(struct cld_archive *a, struct cld_partition *p,
			 u32 count, u32 *refused)
{
	struct cld_object *o;
	unsigned long h;
	u32 i, n = 0;

	lockdep_assert_held(&cld_hsm.lock);
	if (!count) {
		a->handles = kvmalloc_array(p->object_count ?: 1, sizeof(u32),
					    GFP_KERNEL);
		if (!a->handles)
			return -ENOMEM;
		xa_for_each(&p->objects, h, o) {
			if (cld_clone_may_clone(p, a->role, o))
				a->handles[n++] = h;
			else
				(*refused)++;
		}
		a->count = n;
		return 0;
	}
	for (i = 0; i < count; i++)
		if (!xa_load(&p->objects, a->handles[i]))
			return -ENOENT;
	for (i = 0; i < count; i++) {
		o = xa_load(&p->objects, a->handles[i]);
		if (cld_clone_may_clone(p, a->role, o))
			a->handles[n++] = a->handles[i];
		else
			(*refused)++;
	}
	a->count = n;
	return 0;
}

/* The domain a backup seals under: @label, or the primary. */
static const struct cld_domain *backup_domain(const struct cld_partition *p,
					      const char *label)
{
	u32 i;

	if (!label[0])
		return p->n_domains ? &p->domains[0] : NULL;
	for (i = 0; i < p->n_domains; i++)
		if (!strncmp(p->domains[i].label, label, CLD_LABEL_MAX + 1))
			return &p->domains[i];
	return NULL;
}

static int backup_open(struct cld_session *s, struct cld_archive *a,
		       struct clonedev_archive_open *cmd)
{
	const struct cld_domain *d;
	struct cld_partition *p;
	u8 secret[CLONEDEV_SECRET_MAX];
	u32 len = 0;
	int ret;

	lockdep_assert_held(&s->lock);
	cmd->refused = 0;
	mutex_lock(&cld_hsm.lock);
	p = cld_session_partition(s);
	if (!p) {
		ret = -ENODEV;
		goto unlock;
	}
	a->role = cld_session_is(s, p, CLONEDEV_ROLE_CO) ? CLONEDEV_ROLE_CO :
		  cld_session_is(s, p, CLONEDEV_ROLE_CU) ? CLONEDEV_ROLE_CU :
		  CLONEDEV_ROLE_NONE;
	a->serial = p->serial;
	d = backup_domain(p, cmd->domain_label);
	if (a->role == CLONEDEV_ROLE_NONE) {
		ret = -EACCES;
	} else if (!d) {
		ret = -EKEYREJECTED;
	} else {
		len = d->len;
		memcpy(secret, d->secret, len);
		ret = backup_select(a, p, cmd->count, &cmd->refused);
	}
unlock:
	mutex_unlock(&cld_hsm.lock);
	if (ret)
		goto out;

	memcpy(a->hdr.magic, AR_MAGIC, sizeof(a->hdr.magic));
	put_unaligned_be16(CLONEDEV_ARCHIVE_VERSION, &a->hdr.version);
	put_unaligned_be64(a->serial, &a->hdr.serial);
	get_random_bytes(a->hdr.salt, sizeof(a->hdr.salt));
	put_unaligned_be32(a->count, &a->hdr.count);
	ret = cld_kdf_fingerprint(secret, len, a->hdr.fingerprint) ?:
	      derive_key(a, secret, len) ?:
	      seal(a, true, AR_NONCE_HEADER, 0, a->hdr.tag, 0) ?:
	      crypto_shash_update(a->hash, (u8 *)&a->hdr, AR_HDR_LEN);
	if (ret)
		goto out;
	cmd->count = a->count;
	cmd->serial = a->serial;
	cmd->out_len = AR_HDR_LEN;
	if (copy_to_user(u64_to_user_ptr(cmd->out), &a->hdr, AR_HDR_LEN))
		ret = -EFAULT;
out:
	memzero_explicit(secret, sizeof(secret));
	return ret;
}

/* Object record a->next: the object, or -ENOENT if it was destroyed. */
static int backup_next(struct cld_session *s, struct cld_archive *a,
		       struct clonedev_archive_next *cmd)
{
	struct cld_object *o = NULL, *src;
	struct cld_partition *p;
	u32 plen, handle = a->handles[a->next];
	u8 *buf;
	int ret = 0;

	mutex_lock(&cld_hsm.lock);
	p = archive_partition(s, a);
	if (IS_ERR(p)) {
		ret = PTR_ERR(p);
	} else {
		src = xa_load(&p->objects, handle);
		if (!src)
			ret = -ENOENT;
		else if (!cld_clone_may_clone(p, a->role, src))
			ret = -EPERM;
		else
			o = cld_object_copy(src);
		if (!ret && !o)
			ret = -ENOMEM;
	}
	mutex_unlock(&cld_hsm.lock);
	if (ret)
		return ret;

	plen = 4 + cld_clone_record_len(o);
	buf = kzalloc(4 + plen + AR_TAG_LEN, GFP_KERNEL);
	if (!buf) {
		cld_object_free(o);
		return -ENOMEM;
	}
	put_unaligned_be32(plen + AR_TAG_LEN, buf);
	put_unaligned_be32(handle, buf + 4);
	cld_clone_put_record(buf + 8, o);
	cld_object_free(o);
	ret = seal(a, true, AR_NONCE_OBJECT, a->next, buf + 4, plen) ?:
	      crypto_shash_update(a->hash, buf, 4 + plen + AR_TAG_LEN);
	if (!ret && copy_to_user(u64_to_user_ptr(cmd->out), buf,
				 4 + plen + AR_TAG_LEN))
		ret = -EFAULT;
	kfree_sensitive(buf);
	if (ret)
		return ret;
	cmd->out_len = 4 + plen + AR_TAG_LEN;
	cmd->handle = handle;
	cmd->index = a->next++;
	cmd->selected = 1;
	return 0;
}

static int backup_finish(struct cld_archive *a,
			 struct clonedev_archive_finish *cmd)
{
	u8 *buf = kzalloc(CLONEDEV_ARCHIVE_FINAL_LEN, GFP_KERNEL);
	int ret;

	if (!buf)
		return -ENOMEM;
	put_unaligned_be32(AR_FINAL_PT + AR_TAG_LEN, buf);
	put_unaligned_be32(a->count, buf + 4);
	ret = crypto_shash_final(a->hash, buf + 8) ?:
	      seal(a, true, AR_NONCE_FINAL, a->count, buf + 4,
		   AR_FINAL_PT);
	if (!ret && copy_to_user(u64_to_user_ptr(cmd->out), buf,
				 CLONEDEV_ARCHIVE_FINAL_LEN))
		ret = -EFAULT;
	if (!ret)
		cmd->out_len = CLONEDEV_ARCHIVE_FINAL_LEN;
	kfree(buf);
	return ret;
}

/* ---- restore ---- */

/* The checks of the header's fields, before any key is made. */
static int restore_header(const struct arch_hdr *h)
{
	if (memcmp(h->magic, AR_MAGIC, sizeof(h->magic)))
		return -EBADMSG;
	if (get_unaligned_be16(&h->version) != CLONEDEV_ARCHIVE_VERSION)
		return -EPROTONOSUPPORT;
	if (h->zero || h->flags || h->zero2 ||
	    get_unaligned_be32(&h->count) > CLONEDEV_ARCHIVE_OBJECTS_MAX)
		return -EBADMSG;
	return 0;
}

/*
 * The secret of @p's domain with the fingerprint @fp into @secret.
 * Must hold cld_hsm.lock. Return: its length, or 0 if none has it.
 */
static u32 restore_domain(const struct cld_partition *p, const u8 *fp,
			  u8 *secret)
{
	u8 have[CLONEDEV_FINGERPRINT_LEN];
	u32 i;

	lockdep_assert_held(&cld_hsm.lock);
	for (i = 0; i < p->n_domains; i++) {
		const struct cld_domain *d = &p->domains[i];

		if (cld_kdf_fingerprint(d->secret, d->len, have) ||
		    crypto_memneq(have, fp, sizeof(have)))
			continue;
		memcpy(secret, d->secret, d->len);
		return d->len;
	}
	return 0;
}

static int restore_open(struct cld_session *s, struct cld_archive *a,
			struct clonedev_archive_open *cmd)
{
	struct cld_partition *p;
	u8 secret[CLONEDEV_SECRET_MAX];
	u32 len = 0;
	int ret;

	lockdep_assert_held(&s->lock);
	if (copy_from_user(&a->hdr, u64_to_user_ptr(cmd->in), AR_HDR_LEN))
		return -EFAULT;
	ret = restore_header(&a->hdr);
	if (ret)
		return ret;
	a->count = get_unaligned_be32(&a->hdr.count);
	a->role = CLONEDEV_ROLE_CO;

	mutex_lock(&cld_hsm.lock);
	p = cld_session_partition(s);
	if (!p) {
		ret = -ENODEV;
	} else if (!cld_session_is(s, p, CLONEDEV_ROLE_CO)) {
		ret = -EACCES;
	} else {
		a->serial = p->serial;
		len = restore_domain(p, a->hdr.fingerprint, secret);
		if (!len)
			ret = -EKEYREJECTED;
	}
	mutex_unlock(&cld_hsm.lock);
	if (ret)
		goto out;
	ret = derive_key(a, secret, len);
	if (ret)
		goto out;
	if (seal(a, false, AR_NONCE_HEADER, 0, a->hdr.tag, 0)) {
		ret = -EBADMSG;
		goto out;
	}
	ret = crypto_shash_update(a->hash, (u8 *)&a->hdr, AR_HDR_LEN);
	if (ret)
		goto out;
	a->objs = kvcalloc(a->count ?: 1, sizeof(*a->objs), GFP_KERNEL);
	if (!a->objs) {
		ret = -ENOMEM;
		goto out;
	}
	cmd->count = a->count;
	cmd->serial = get_unaligned_be64(&a->hdr.serial);
out:
	memzero_explicit(secret, sizeof(secret));
	return ret;
}

/* Whether the restore takes the object that had @handle; marks it found. */
static bool restore_wants(struct cld_archive *a, u32 handle)
{
	bool any = false;
	u32 i;

	if (!a->want)
		return true;
	for (i = 0; i < a->n_want; i++) {
		if (a->want[i] == handle) {
			set_bit(i, a->found);
			any = true;
		}
	}
	return any;
}

static int restore_next(struct cld_archive *a,
			struct clonedev_archive_next *cmd)
{
	struct cld_object *o;
	u32 handle, plen;
	u8 *buf;
	int ret;

	if (a->next >= a->count)
		return -EBADMSG;
	if (cmd->in_len < 4 + AR_PT_MIN + AR_TAG_LEN ||
	    cmd->in_len > CLONEDEV_ARCHIVE_RECORD_MAX)
		return -EBADMSG;
	buf = memdup_user(u64_to_user_ptr(cmd->in), cmd->in_len);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	plen = cmd->in_len - 4 - AR_TAG_LEN;
	if (get_unaligned_be32(buf) != cmd->in_len - 4) {
		ret = -EBADMSG;
		goto out;
	}
	ret = crypto_shash_update(a->hash, buf, cmd->in_len);
	if (ret)
		goto out;
	if (seal(a, false, AR_NONCE_OBJECT, a->next, buf + 4, plen)) {
		ret = -EBADMSG;
		goto out;
	}
	/* Authentic from here on: a bad record is this object's failure. */
	handle = get_unaligned_be32(buf + 4);
	cmd->selected = restore_wants(a, handle);
	if (cmd->selected) {
		o = cld_clone_get_record(NULL, buf + 8, plen - 4);
		if (o)
			a->objs[a->n_objs++] = o;
		else
			a->failed++;
	}
	cmd->handle = handle;
	cmd->index = a->next++;
out:
	kfree_sensitive(buf);
	return ret;
}

/* The final record: the count and the hash of all before it. */
static int restore_verify(struct cld_archive *a,
			  const struct clonedev_archive_finish *cmd)
{
	u8 h[AR_HASH_LEN];
	u8 *buf;
	int ret;

	if (a->next != a->count || cmd->in_len != CLONEDEV_ARCHIVE_FINAL_LEN)
		return -EBADMSG;
	buf = memdup_user(u64_to_user_ptr(cmd->in), cmd->in_len);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	ret = crypto_shash_final(a->hash, h);
	if (ret)
		goto out;
	if (get_unaligned_be32(buf) != AR_FINAL_PT + AR_TAG_LEN ||
	    seal(a, false, AR_NONCE_FINAL, a->count, buf + 4,
		 AR_FINAL_PT) ||
	    get_unaligned_be32(buf + 4) != a->count ||
	    crypto_memneq(buf + 8, h, AR_HASH_LEN))
		ret = -EBADMSG;
	else if (a->want &&
		 find_first_zero_bit(a->found, a->n_want) < a->n_want)
		ret = -ENOENT;
out:
	kfree(buf);
	return ret;
}

/*
 * Decides every staged object as a clone target does and stores those it
 * takes in one batch, checking, acting and persisting under cld_hsm.lock.
 */
static int restore_commit(struct cld_session *s, struct cld_archive *a,
			  struct clonedev_archive_finish *cmd)
{
	struct cld_object **take, *have;
	struct cld_partition *p;
	u32 i, j, n = 0, handle, status, *handles;
	int ret = 0;

	take = kvcalloc(a->n_objs ?: 1, sizeof(*take), GFP_KERNEL);
	handles = kvcalloc(a->n_objs ?: 1, sizeof(*handles), GFP_KERNEL);
	if (!take || !handles) {
		ret = -ENOMEM;
		goto out;
	}
	cmd->copied = 0;
	cmd->skipped = 0;
	cmd->refused = 0;
	cmd->failed = a->failed;
	mutex_lock(&cld_hsm.lock);
	p = archive_partition(s, a);
	if (IS_ERR(p)) {
		ret = PTR_ERR(p);
		goto unlock;
	}
	for (i = 0; i < a->n_objs; i++) {
		struct cld_object *o = a->objs[i];

		have = cld_object_find_ouid(p, o->ouid);
		/* An OUID taken earlier in this archive counts as held. */
		for (j = 0; !have && j < n; j++)
			if (!memcmp(take[j]->ouid, o->ouid, CLONEDEV_OUID_LEN))
				have = take[j];
		status = cld_clone_admit(p, a->role, have, o, false, &handle);
		switch (status) {
		case CLONEDEV_CLONE_COPIED:
			take[n++] = o;
			a->objs[i] = NULL;
			break;
		case CLONEDEV_CLONE_SKIPPED:
			cmd->skipped++;
			break;
		case CLONEDEV_CLONE_REFUSED:
			cmd->refused++;
			break;
		default:
			cmd->failed++;
		}
	}
	if (n)
		ret = cld_object_add_copies(p, take, n, handles);
	if (!ret)
		cmd->copied = n;
unlock:
	mutex_unlock(&cld_hsm.lock);
out:
	/* On failure nothing was stored: what was taken is freed. */
	for (i = 0; take && i < n; i++)
		cld_object_free(take[i]);
	kvfree(take);
	kvfree(handles);
	return ret;
}

/* ---- the ioctls ---- */

int cld_archive_open(struct cld_session *s, void *arg)
{
	struct clonedev_archive_open *cmd = arg;
	struct cld_archive *a;
	int ret;

	if (cmd->mode == CLONEDEV_ARCHIVE_BACKUP) {
		if (cmd->in_len || cmd->in)
			return -EINVAL;
		if (cmd->out_cap < AR_HDR_LEN)
			return -EMSGSIZE;
	} else if (cmd->mode == CLONEDEV_ARCHIVE_RESTORE) {
		if (cmd->out_cap || cmd->domain_label[0])
			return -EINVAL;
		if (cmd->in_len != AR_HDR_LEN)
			return -EBADMSG;
	} else {
		return -EINVAL;
	}
	if (strnlen(cmd->domain_label, CLONEDEV_LABEL_LEN) > CLD_LABEL_MAX)
		return -EINVAL;
	if (cmd->count > CLONEDEV_ARCHIVE_OBJECTS_MAX)
		return -E2BIG;

	a = archive_alloc(cmd->mode);
	if (IS_ERR(a))
		return PTR_ERR(a);
	if (cmd->count) {
		u32 **list = cmd->mode == CLONEDEV_ARCHIVE_BACKUP ?
			     &a->handles : &a->want;

		*list = kvmalloc_array(cmd->count, sizeof(u32), GFP_KERNEL);
		if (!*list) {
			ret = -ENOMEM;
			goto fail;
		}
		if (copy_from_user(*list, u64_to_user_ptr(cmd->handles),
				   cmd->count * sizeof(u32))) {
			ret = -EFAULT;
			goto fail;
		}
		if (cmd->mode == CLONEDEV_ARCHIVE_RESTORE) {
			a->n_want = cmd->count;
			a->found = bitmap_zalloc(cmd->count, GFP_KERNEL);
			if (!a->found) {
				ret = -ENOMEM;
				goto fail;
			}
		}
	}

	mutex_lock(&s->lock);
	ret = cmd->mode == CLONEDEV_ARCHIVE_BACKUP ? backup_open(s, a, cmd) :
						     restore_open(s, a, cmd);
	if (!ret)
		ret = archive_add(s, a);
	if (!ret)
		cmd->id = a->id;
	mutex_unlock(&s->lock);
	if (!ret)
		return 0;
fail:
	archive_free(a);
	return ret;
}

int cld_archive_next(struct cld_session *s, void *arg)
{
	struct clonedev_archive_next *cmd = arg;
	struct cld_archive *a;
	int ret;

	mutex_lock(&s->lock);
	a = archive_find(s, cmd->id);
	if (!a) {
		ret = -ENOENT;
	} else if (a->mode == CLONEDEV_ARCHIVE_BACKUP) {
		if (cmd->in_len || cmd->in || a->next >= a->count)
			ret = -EINVAL;
		else if (cmd->out_cap < CLONEDEV_ARCHIVE_RECORD_MAX)
			ret = -EMSGSIZE;
		else
			ret = backup_next(s, a, cmd);
	} else {
		if (!cmd->in_len || cmd->out_cap)
			ret = -EINVAL;
		else
			ret = restore_next(a, cmd);
	}
	/* A failure past the argument checks ends the archive. */
	if (a && ret && ret != -EINVAL && ret != -EMSGSIZE)
		archive_end(s, a);
	mutex_unlock(&s->lock);
	return ret;
}

int cld_archive_finish(struct cld_session *s, void *arg)
{
	struct clonedev_archive_finish *cmd = arg;
	bool backup, abort = cmd->flags & CLONEDEV_ARCHIVE_ABORT;
	struct cld_archive *a;
	int ret = 0;

	mutex_lock(&s->lock);
	a = archive_find(s, cmd->id);
	if (!a) {
		ret = -ENOENT;
		goto unlock;
	}
	backup = a->mode == CLONEDEV_ARCHIVE_BACKUP;
	if (!abort) {
		if (backup && (cmd->in_len || cmd->in || a->next != a->count))
			ret = -EINVAL;
		else if (backup && cmd->out_cap < CLONEDEV_ARCHIVE_FINAL_LEN)
			ret = -EMSGSIZE;
		else if (!backup && (!cmd->in_len || cmd->out_cap))
			ret = -EINVAL;
		if (ret)
			goto unlock;
		ret = backup ? backup_finish(a, cmd) :
			       restore_verify(a, cmd) ?:
			       restore_commit(s, a, cmd);
	}
	archive_end(s, a);
unlock:
	mutex_unlock(&s->lock);
	return ret;
}
