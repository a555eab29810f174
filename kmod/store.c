// SPDX-License-Identifier: GPL-2.0
/*
 * The store: one log file of sealed records under the directory given by
 * the "store" module parameter. Every record is sealed with AES-256-GCM
 * under a key derived from the logon key "clonedev:store"; its header is
 * the associated data, so a record cannot be moved, replayed or retyped.
 * Records are appended in batches that end with a commit record and one
 * fsync; on open, anything after the last valid commit is a torn tail and
 * is cut off, while a record that fails authentication before a later
 * valid commit means the store was tampered with and it is refused whole.
 *
 * The store is the module's, not the caller's: the key is looked up and
 * the files are opened with the kernel's credentials (so in root's user
 * keyring of the initial user namespace) and from init's root directory
 * (so in init's mount namespace), whoever made the request that opens it.
 *
 * Every function here must be called with cld_hsm.lock held.
 */
#include <crypto/aead.h>
#include <crypto/hash.h>
#include <keys/user-type.h>
#include <linux/fs.h>
#include <linux/cred.h>
#include <linux/fs_struct.h>
#include <linux/key.h>
#include <linux/list.h>
#include <linux/netlink.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "hsm.h"
#include "store.h"

#define STORE_FILE	"clonedev.log"
#define COMPACT_FILE	"clonedev.log.compact"
#define REC_MAGIC	0x52444c43	/* "CLDR" little-endian */
#define REC_VERSION	1
#define NONCE_LEN	12
#define TAG_LEN		16

/* The on-disk header of every record; it is the AEAD's associated data. */
struct rec_hdr {
	__le32 magic;
	__le16 version;
	__le16 type;
	__le32 len;		/* payload length */
	__le32 reserved;
	__le64 seq;		/* 1, 2, 3, ... with no gap */
	u8 nonce[NONCE_LEN];
	u8 pad[4];
} __packed;

struct header_payload {
	__le32 format;		/* REC_VERSION */
	__le32 reserved;
	u8 store_id[16];
} __packed;

/* The position of a log; the store works on one log at a time. */
struct log_state {
	struct file *file;
	loff_t end;		/* end of the last committed batch */
	loff_t pos;		/* where the next record goes */
	u64 seq;		/* last sequence number written */
	u64 committed_seq;	/* last sequence number of a commit */
	u32 pending;		/* records in the open batch */
};

static struct {
	char path[PATH_MAX];
	char compact_path[PATH_MAX];
	struct crypto_aead *aead;
	const struct cred *cred;	/* the kernel's, for keys and files */
	cld_store_snapshot_fn snapshot;
	loff_t compact_min;	/* never compact a log smaller than this */
	loff_t compact_at;	/* compact once the log is this long */
	struct file *file;	/* the log being written: the fields below */
	loff_t end;
	loff_t pos;
	u64 seq;
	u64 committed_seq;
	u32 pending;
} store;

/* Makes @other the log being worked on, and the current one @other. */
static void swap_log(struct log_state *other)
{
	swap(store.file, other->file);
	swap(store.end, other->end);
	swap(store.pos, other->pos);
	swap(store.seq, other->seq);
	swap(store.committed_seq, other->committed_seq);
	swap(store.pending, other->pending);
}

/*
 * The reason goes to the requester (as its extended ack) and to the log,
 * where an open at module load leaves it. @msg must be a string literal.
 */
static void set_ext(struct netlink_ext_ack *extack, const char *msg)
{
	if (extack)
		extack->_msg = msg;
	pr_notice("clonedev: %s\n", msg);
}

int cld_store_init(const char *dir, loff_t compact_min)
{
	store.cred = prepare_kernel_cred(&init_task);
	if (!store.cred)
		return -ENOMEM;
	snprintf(store.path, sizeof(store.path), "%s/%s", dir, STORE_FILE);
	snprintf(store.compact_path, sizeof(store.compact_path), "%s/%s",
		 dir, COMPACT_FILE);
	store.compact_min = compact_min;
	return 0;
}

bool cld_store_is_open(void)
{
	return store.file;
}

static void store_close(void)
{
	if (store.file)
		filp_close(store.file, NULL);
	store.file = NULL;
	crypto_free_aead(store.aead);
	store.aead = NULL;
}

void cld_store_uninit(void)
{
	store_close();
	put_cred(store.cred);
	store.cred = NULL;
}

/*
 * Opens @path from init's root directory, not the caller's, so neither a
 * chroot nor another mount namespace can put a different file there. Call
 * with the kernel's credentials in force.
 */
static struct file *open_file(const char *path, int flags, umode_t mode)
{
	struct path root;
	struct file *file;

	get_fs_root(init_task.fs, &root);
	file = file_open_root(&root, path, flags, mode);
	path_put(&root);
	return file;
}

/*
 * The record key is HMAC-SHA256(master, "clonedev store v1 record key" 01),
 * so the master key itself never keys a cipher.
 */
static int derive_key(const u8 *master, u8 *out)
{
	static const char info[] = "clonedev store v1 record key\x01";
	struct crypto_shash *hmac;
	int ret;

	hmac = crypto_alloc_shash("hmac(sha256)", 0, 0);
	if (IS_ERR(hmac))
		return PTR_ERR(hmac);
	ret = crypto_shash_setkey(hmac, master, CLD_STORE_KEY_LEN);
	if (!ret)
		ret = crypto_shash_tfm_digest(hmac, info, sizeof(info) - 1, out);
	crypto_free_shash(hmac);
	return ret;
}

static int load_key(struct netlink_ext_ack *extack)
{
	const struct user_key_payload *ukp;
	u8 master[CLD_STORE_KEY_LEN];
	u8 rkey[32];
	struct key *key;
	int ret;

	key = request_key(&key_type_logon, CLD_STORE_KEY_DESC, NULL);
	if (IS_ERR(key)) {
		set_ext(extack, "the store's sealing key (logon key clonedev:store) is not in the keyring");
		return -ENOKEY;
	}
	down_read(&key->sem);
	ukp = user_key_payload_locked(key);
	if (!ukp || ukp->datalen != CLD_STORE_KEY_LEN) {
		up_read(&key->sem);
		key_put(key);
		set_ext(extack, "the store's sealing key must be exactly 32 bytes");
		return -EKEYREJECTED;
	}
	memcpy(master, ukp->data, CLD_STORE_KEY_LEN);
	up_read(&key->sem);
	key_put(key);

	ret = derive_key(master, rkey);
	if (ret)
		goto out;
	store.aead = crypto_alloc_aead("gcm(aes)", 0, 0);
	if (IS_ERR(store.aead)) {
		ret = PTR_ERR(store.aead);
		store.aead = NULL;
		goto out;
	}
	ret = crypto_aead_setkey(store.aead, rkey, sizeof(rkey));
	if (!ret)
		ret = crypto_aead_setauthsize(store.aead, TAG_LEN);
out:
	memzero_explicit(master, sizeof(master));
	memzero_explicit(rkey, sizeof(rkey));
	return ret;
}

/*
 * Seals or opens @buf in place: @buf holds the header, then the payload,
 * then room for the tag. Returns -EBADMSG if opening fails authentication.
 */
static int crypt_record(u8 *buf, u32 len, bool enc)
{
	struct rec_hdr *h = (struct rec_hdr *)buf;
	struct aead_request *req;
	struct scatterlist sg;
	DECLARE_CRYPTO_WAIT(wait);
	u8 iv[NONCE_LEN];
	int ret;

	req = aead_request_alloc(store.aead, GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	memcpy(iv, h->nonce, NONCE_LEN);
	sg_init_one(&sg, buf, sizeof(*h) + len + TAG_LEN);
	aead_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP,
				  crypto_req_done, &wait);
	aead_request_set_ad(req, sizeof(*h));
	aead_request_set_crypt(req, &sg, &sg, enc ? len : len + TAG_LEN, iv);
	ret = crypto_wait_req(enc ? crypto_aead_encrypt(req) :
				    crypto_aead_decrypt(req), &wait);
	aead_request_free(req);
	return ret;
}

static int write_record(u16 type, const void *data, u32 len)
{
	size_t total = sizeof(struct rec_hdr) + len + TAG_LEN;
	struct rec_hdr *h;
	loff_t pos = store.pos;
	ssize_t n;
	u8 *buf;
	int ret;

	if (len > CLD_STORE_MAX_PAYLOAD)
		return -EMSGSIZE;
	buf = kzalloc(total, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	h = (struct rec_hdr *)buf;
	h->magic = cpu_to_le32(REC_MAGIC);
	h->version = cpu_to_le16(REC_VERSION);
	h->type = cpu_to_le16(type);
	h->len = cpu_to_le32(len);
	h->seq = cpu_to_le64(store.seq + 1);
	get_random_bytes(h->nonce, NONCE_LEN);
	memcpy(buf + sizeof(*h), data, len);

	ret = crypt_record(buf, len, true);
	if (ret)
		goto out;
	n = kernel_write(store.file, buf, total, &pos);
	if (n != total) {
		ret = n < 0 ? n : -EIO;
		goto out;
	}
	store.pos = pos;
	store.seq++;
	store.pending++;
out:
	kfree_sensitive(buf);
	return ret;
}

int cld_store_put(u16 type, const void *data, u32 len)
{
	lockdep_assert_held(&cld_hsm.lock);
	if (!store.file)
		return -ENOKEY;
	return write_record(type, data, len);
}

int cld_store_commit(void)
{
	__le32 count;
	int ret;

	lockdep_assert_held(&cld_hsm.lock);
	if (!store.file)
		return -ENOKEY;
	count = cpu_to_le32(store.pending);
	ret = write_record(CLD_REC_COMMIT, &count, sizeof(count));
	if (!ret)
		ret = vfs_fsync(store.file, 0);
	if (ret) {
		cld_store_abort();
		return ret;
	}
	store.end = store.pos;
	store.committed_seq = store.seq;
	store.pending = 0;
	return 0;
}

/* Forgets the open batch: its records are cut off the file. */
void cld_store_abort(void)
{
	lockdep_assert_held(&cld_hsm.lock);
	if (!store.file)
		return;
	store.pos = store.end;
	store.seq = store.committed_seq;
	store.pending = 0;
	/* The next batch overwrites what is left; replay drops it before. */
	if (vfs_truncate(&store.file->f_path, store.end))
		pr_warn("clonedev: an aborted batch could not be cut off the store; the next commit overwrites it\n");
}

/*
 * Replay reads the log front to back, record by record; it does so through
 * one read-ahead buffer (ciphertext only) instead of two reads a record.
 */
#define READ_AHEAD	(256 * 1024)

static struct {
	u8 *buf;		/* NULL: read straight from the file */
	struct file *file;
	loff_t start;		/* file offset of buf[0] */
	size_t len;		/* bytes valid in buf */
} ra;

static void read_ahead_start(void)
{
	ra.buf = kvmalloc(READ_AHEAD, GFP_KERNEL);
	ra.file = NULL;
	ra.len = 0;
}

static void read_ahead_stop(void)
{
	kvfree(ra.buf);
	ra.buf = NULL;
	ra.file = NULL;
	ra.len = 0;
}

/* Reads @n bytes of the log at *@pos; returns how many it read. */
static ssize_t log_read(void *dst, size_t n, loff_t *pos)
{
	ssize_t got;
	loff_t p;

	if (!ra.buf || n > READ_AHEAD)
		return kernel_read(store.file, dst, n, pos);
	if (ra.file != store.file || *pos < ra.start ||
	    *pos + n > ra.start + ra.len) {
		ra.file = store.file;
		ra.start = *pos;
		ra.len = 0;
		p = *pos;
		while (ra.len < READ_AHEAD) {
			got = kernel_read(store.file, ra.buf + ra.len,
					  READ_AHEAD - ra.len, &p);
			if (got < 0) {
				ra.file = NULL;
				return got;
			}
			if (!got)
				break;
			ra.len += got;
		}
	}
	n = min_t(size_t, n, ra.start + ra.len - *pos);
	memcpy(dst, ra.buf + (*pos - ra.start), n);
	*pos += n;
	return n;
}

/*
 * Reads the record at *pos into a new buffer. Returns the payload length,
 * -ENODATA at a clean end of file, -EBADMSG for a record that is cut short,
 * malformed or fails authentication (with *next set past it when its
 * length could be read).
 */
static int read_record(loff_t *pos, loff_t size, u8 **out, loff_t *next)
{
	struct rec_hdr h;
	loff_t p = *pos;
	u32 len;
	u8 *buf;
	int ret;

	*next = -1;
	if (p == size)
		return -ENODATA;
	if (size - p < (loff_t)sizeof(h) ||
	    log_read(&h, sizeof(h), &p) != sizeof(h))
		return -EBADMSG;
	len = le32_to_cpu(h.len);
	if (le32_to_cpu(h.magic) != REC_MAGIC ||
	    le16_to_cpu(h.version) != REC_VERSION ||
	    len > CLD_STORE_MAX_PAYLOAD)
		return -EBADMSG;
	if (size - *pos < (loff_t)(sizeof(h) + len + TAG_LEN))
		return -EBADMSG;
	*next = *pos + sizeof(h) + len + TAG_LEN;
	buf = kmalloc(sizeof(h) + len + TAG_LEN, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, &h, sizeof(h));
	if (log_read(buf + sizeof(h), len + TAG_LEN, &p) != len + TAG_LEN) {
		kfree(buf);
		return -EIO;
	}
	ret = crypt_record(buf, len, false);
	if (ret) {
		kfree_sensitive(buf);
		return ret;
	}
	*pos = *next;
	*out = buf;
	return len;
}

/* True if some record after @pos authenticates: the damage is not a tail. */
static bool valid_record_after(loff_t pos, loff_t size)
{
	loff_t p, next;
	u8 *buf;

	for (p = pos; p < size; p++) {
		loff_t q = p;

		if (read_record(&q, size, &buf, &next) >= 0) {
			kfree_sensitive(buf);
			return true;
		}
	}
	return false;
}

struct pending_rec {
	struct list_head node;
	u8 *buf;
	int len;
};

static void free_pending(struct list_head *list)
{
	struct pending_rec *r, *tmp;

	list_for_each_entry_safe(r, tmp, list, node) {
		list_del(&r->node);
		kfree_sensitive(r->buf);
		kfree(r);
	}
}

/* Hands a complete batch to @apply, in order. */
static int apply_batch(cld_store_apply_fn apply, struct list_head *batch)
{
	struct pending_rec *r;
	int ret = 0;

	list_for_each_entry(r, batch, node) {
		const struct rec_hdr *h = (const struct rec_hdr *)r->buf;
		u16 type = le16_to_cpu(h->type);

		if (type == CLD_REC_HEADER)
			continue;
		ret = apply(type, r->buf + sizeof(*h), r->len);
		if (ret)
			break;
	}
	free_pending(batch);
	return ret;
}

/*
 * Replays the log. The records of a batch reach @apply only once its
 * commit record has been read, so a torn batch leaves no trace.
 */
static int replay(cld_store_apply_fn apply, loff_t size,
		  struct netlink_ext_ack *extack)
{
	loff_t pos = 0, next;
	struct pending_rec *r;
	LIST_HEAD(batch);
	u64 seq = 0;
	int len, ret;
	u8 *buf;

	read_ahead_start();
	for (;;) {
		const struct rec_hdr *h;

		len = read_record(&pos, size, &buf, &next);
		if (len == -ENODATA)
			break;
		if (len == -EBADMSG) {
			if (seq == 0 && next > 0) {
				set_ext(extack, "the store cannot be unsealed: wrong sealing key, or the store is damaged");
				ret = -EKEYREJECTED;
				goto out;
			}
			if (valid_record_after(next > 0 ? next : pos + 1, size)) {
				set_ext(extack, "the store is damaged or was tampered with: a sealed record fails authentication");
				ret = -EBADMSG;
				goto out;
			}
			break;	/* a torn tail */
		}
		if (len < 0) {
			ret = len;
			goto out;
		}
		h = (const struct rec_hdr *)buf;
		if (le64_to_cpu(h->seq) != ++seq) {
			kfree_sensitive(buf);
			set_ext(extack, "the store is damaged or was tampered with: records are missing or out of order");
			ret = -EBADMSG;
			goto out;
		}
		if (le16_to_cpu(h->type) == CLD_REC_COMMIT) {
			kfree_sensitive(buf);
			store.end = pos;
			store.committed_seq = seq;
			ret = apply_batch(apply, &batch);
			if (ret)
				goto out;
			continue;
		}
		r = kmalloc(sizeof(*r), GFP_KERNEL);
		if (!r) {
			kfree_sensitive(buf);
			ret = -ENOMEM;
			goto out;
		}
		r->buf = buf;
		r->len = len;
		list_add_tail(&r->node, &batch);
	}
	ret = 0;
out:
	read_ahead_stop();
	free_pending(&batch);
	return ret;
}

static int put_header(void);

/* Copies the first @len bytes of @from over the whole of @to, durably. */
static int copy_log(struct file *from, loff_t len, struct file *to)
{
	loff_t rpos = 0, wpos = 0;
	int ret = 0;
	u8 *buf;

	buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	while (rpos < len) {
		size_t n = min_t(loff_t, PAGE_SIZE, len - rpos);

		if (kernel_read(from, buf, n, &rpos) != n ||
		    kernel_write(to, buf, n, &wpos) != n) {
			ret = -EIO;
			break;
		}
	}
	kfree_sensitive(buf);
	if (!ret)
		ret = vfs_truncate(&to->f_path, len);
	if (!ret)
		ret = vfs_fsync(to, 0);
	return ret;
}

/*
 * Empties the compaction file durably: left whole, it would replace the
 * log at the next open and undo every commit made after it.
 */
static int empty_file(struct file *f)
{
	return vfs_truncate(&f->f_path, 0) ?: vfs_fsync(f, 0);
}

/*
 * Rewrites the log as the live state alone. The snapshot is written to
 * the compaction file and made durable first; only then is the log
 * overwritten with it. A crash in between leaves a complete compaction
 * file, which cld_store_open() copies over the log before reading it.
 */
static int compact(void)
{
	struct log_state tmp = {};
	loff_t len;
	u64 seq;
	int ret, err;

	tmp.file = open_file(store.compact_path, O_RDWR | O_CREAT | O_TRUNC |
			     O_LARGEFILE | O_NOFOLLOW, 0600);
	if (IS_ERR(tmp.file))
		return PTR_ERR(tmp.file);
	swap_log(&tmp);
	store.compact_at = LLONG_MAX;	/* no compaction inside this one */
	/*
	 * One batch: a compaction file with a commit at its end holds the
	 * whole state, never just the part written before a crash.
	 */
	ret = put_header();
	if (!ret)
		ret = store.snapshot();
	if (!ret)
		ret = cld_store_commit();
	len = store.end;
	seq = store.committed_seq;
	swap_log(&tmp);
	if (ret)
		goto out_drop;
	ret = copy_log(tmp.file, len, store.file);
	if (ret) {
		/* The log may be half written: keep the copy, reopen later. */
		pr_err("clonedev: compaction failed while rewriting the store (%d); it is recovered at the next open\n",
		       ret);
		filp_close(tmp.file, NULL);
		store_close();
		return ret;
	}
	store.end = len;
	store.pos = len;
	store.seq = seq;
	store.committed_seq = seq;
	store.pending = 0;
out_drop:
	err = empty_file(tmp.file);
	filp_close(tmp.file, NULL);
	if (err) {
		pr_err("clonedev: the store's compaction file cannot be emptied (%d); the store is closed\n",
		       err);
		store_close();
		return err;
	}
	store.compact_at = max(store.compact_min, 4 * store.end);
	return ret;
}

/*
 * Compacts the log if it has grown enough. Call only where the state in
 * memory is exactly the committed state. Must hold cld_hsm.lock.
 */
void cld_store_maybe_compact(void)
{
	const struct cred *old;

	lockdep_assert_held(&cld_hsm.lock);
	if (store.file && !store.pending && store.end >= store.compact_at) {
		old = override_creds(store.cred);
		compact();
		revert_creds(old);
	}
}

/*
 * Compacts the log if it has grown enough, between two requests: a
 * request may commit a record before it changes memory to match (a
 * re-initialization, a destructive policy change), and a snapshot taken
 * in between would bring back what the record removed. Takes
 * cld_hsm.lock when the log is due.
 */
void cld_store_compact_idle(void)
{
	if (READ_ONCE(store.end) < READ_ONCE(store.compact_at))
		return;
	mutex_lock(&cld_hsm.lock);
	cld_store_maybe_compact();
	mutex_unlock(&cld_hsm.lock);
}

static int ignore_record(u16 type, const void *data, u32 len)
{
	return 0;
}

/*
 * Finishes a compaction a crash interrupted: a compaction file that is
 * complete (valid up to a commit at its very end) replaces the log; one
 * cut short is dropped, the log being intact then.
 */
static int recover_compaction(struct netlink_ext_ack *extack)
{
	struct log_state tmp = {};
	loff_t size;
	int ret = 0;

	tmp.file = open_file(store.compact_path, O_RDWR | O_LARGEFILE |
			     O_NOFOLLOW, 0);
	if (IS_ERR(tmp.file))
		return PTR_ERR(tmp.file) == -ENOENT ? 0 : PTR_ERR(tmp.file);
	size = i_size_read(file_inode(tmp.file));
	if (!size)
		goto out;
	swap_log(&tmp);
	ret = replay(ignore_record, size, extack);
	swap_log(&tmp);
	if (ret) {
		filp_close(tmp.file, NULL);
		return ret;
	}
	if (tmp.end == size) {
		ret = copy_log(tmp.file, size, store.file);
		if (ret) {
			filp_close(tmp.file, NULL);
			return ret;
		}
		pr_notice("clonedev: finished an interrupted compaction of the store\n");
	}
	ret = empty_file(tmp.file);
out:
	filp_close(tmp.file, NULL);
	return ret;
}

/* The first record of every log; the caller commits it. */
static int put_header(void)
{
	struct header_payload hp = { .format = cpu_to_le32(REC_VERSION) };

	get_random_bytes(hp.store_id, sizeof(hp.store_id));
	return write_record(CLD_REC_HEADER, &hp, sizeof(hp));
}

static int store_open(cld_store_apply_fn apply,
		      cld_store_snapshot_fn snapshot,
		      struct netlink_ext_ack *extack)
{
	loff_t size;
	int ret;

	ret = load_key(extack);
	if (ret)
		goto err;
	store.file = open_file(store.path, O_RDWR | O_CREAT | O_LARGEFILE |
			       O_NOFOLLOW, 0600);
	if (IS_ERR(store.file)) {
		ret = PTR_ERR(store.file);
		store.file = NULL;
		set_ext(extack, "the store file cannot be opened (is the store directory there and writable?)");
		goto err;
	}
	ret = recover_compaction(extack);
	if (ret)
		goto err;
	store.snapshot = snapshot;
	size = i_size_read(file_inode(store.file));
	store.end = 0;
	store.seq = 0;
	store.committed_seq = 0;
	store.pending = 0;
	ret = replay(apply, size, extack);
	if (ret)
		goto err;
	store.pos = store.end;
	store.seq = store.committed_seq;
	if (store.end < size) {
		pr_info("clonedev: discarding a torn tail of %lld bytes\n",
			size - store.end);
		ret = vfs_truncate(&store.file->f_path, store.end);
		if (ret)
			goto err;
	}
	if (store.end == 0) {
		ret = put_header() ?: cld_store_commit();
		if (ret)
			goto err;
	}
	/* A log that grew while it was last open is compacted now. */
	store.compact_at = store.compact_min;
	cld_store_maybe_compact();
	return 0;
err:
	store_close();
	return ret;
}

int cld_store_open(cld_store_apply_fn apply, cld_store_snapshot_fn snapshot,
		   struct netlink_ext_ack *extack)
{
	const struct cred *old;
	int ret;

	lockdep_assert_held(&cld_hsm.lock);
	if (store.file)
		return 0;
	old = override_creds(store.cred);
	ret = store_open(apply, snapshot, extack);
	revert_creds(old);
	return ret;
}
