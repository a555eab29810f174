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
#include <keys/user-type.h>
#include <linux/fs.h>
#include <linux/cred.h>
#include <linux/fs_struct.h>
#include <linux/key.h>
#include <linux/netlink.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "anchor.h"
#include "hsm.h"
#include "kdf.h"
#include "store.h"

#define STORE_FILE	"clonedev.log"
#define COMPACT_FILE	"clonedev.log.compact"
#define REC_MAGIC	0x52444c43	/* "CLDR" little-endian */
#define REC_VERSION_1	1	/* read, then compacted to the current one */
#define REC_VERSION	2
#define NONCE_LEN	12
#define TAG_LEN		16
#define ID_LEN		16

/* The on-disk header of every record; it begins the associated data. */
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

/*
 * A format-2 record's associated data: its header, the store_id of its
 * log (zeros for the header record, which carries the id), and the tag of
 * the record before it in the file (zeros for the first). Format 1's is
 * the header alone.
 */
struct rec_ad {
	struct rec_hdr hdr;
	u8 store_id[ID_LEN];
	u8 prev_tag[TAG_LEN];
} __packed;

#define AD_LEN(version) \
	((version) == REC_VERSION_1 ? sizeof(struct rec_hdr) : sizeof(struct rec_ad))

struct header_payload_v1 {
	__le32 format;		/* REC_VERSION_1 */
	__le32 reserved;
	u8 store_id[ID_LEN];
} __packed;

struct header_payload {
	__le32 format;		/* REC_VERSION */
	__le32 reserved;
	u8 store_id[ID_LEN];	/* this log's, random: a new one per compaction */
	u8 parent_id[ID_LEN];	/* the log this one compacted; zeros if none */
	__le64 commits;		/* durable commits before this log's first */
} __packed;

struct commit_payload {
	__le32 count;		/* records in the batch before this one */
	__le32 reserved;
	__le64 commits;		/* durable commits of the store, this one included */
} __packed;

/* The store's TPM anchor (docs/store-format.md, "TPM anchor"). */
struct anchor_payload {
	__le32 anchored;	/* 1: anchored at index, with base; 0: not */
	__le32 index;		/* the TPM NV index of its counter */
	__le64 base;		/* the counter's value minus the commit count */
} __packed;

/* The state of one log; the store works on one log at a time. */
struct log_state {
	struct file *file;
	loff_t end;		/* end of the last committed batch */
	loff_t pos;		/* where the next record goes */
	u64 seq;		/* last sequence number written */
	u64 committed_seq;	/* last sequence number of a commit */
	u32 pending;		/* records in the open batch */
	u16 version;		/* of every record in it; 0 before its header */
	u8 id[ID_LEN];		/* its store_id */
	u8 parent[ID_LEN];	/* its header's parent_id */
	u8 tag[TAG_LEN];	/* of its last record */
	u8 committed_tag[TAG_LEN];	/* of its last commit record */
	u64 commits;		/* of its last commit record (see store.h) */
	struct cld_anchor_record anchor;	/* as its last batch left it */
	struct cld_anchor_record batch_anchor;	/* in the open batch, */
	bool batch_anchored;			/* if it holds one */
};

static struct {
	char path[PATH_MAX];
	char compact_path[PATH_MAX];
	struct crypto_aead *aead;
	struct aead_request *req;	/* of aead, for every record */
	const struct cred *cred;	/* the kernel's, for keys and files */
	cld_store_snapshot_fn snapshot;
	loff_t compact_min;	/* never compact a log smaller than this */
	loff_t compact_at;	/* compact once the log is this long */
	struct log_state log;	/* the log being written */
	u32 tpm_index;		/* the anchor's NV index; 0: no TPM */
	bool tpm_reset;		/* accept the store as found, once */
	struct cld_anchor *anchor;	/* while the store is open */
} store;

/*
 * The open batch's sealed records, gathered and written to the log file
 * in large pieces, at the latest by the commit before its fsync. None of
 * it is durable before that fsync, so dropping it (an abort, a failed
 * compaction) loses nothing that was acknowledged. Ciphertext only.
 */
#define WRITE_BUF	(256 * 1024)

static struct {
	u8 *buf;		/* NULL: records are written one by one */
	size_t len;		/* bytes gathered */
	struct file *file;	/* the log they go to */
	loff_t pos;		/* where buf[0] goes in it */
} wb;

/* Writes what is gathered. */
static int wb_flush(void)
{
	loff_t pos = wb.pos;
	ssize_t n;

	if (!wb.len)
		return 0;
	n = kernel_write(wb.file, wb.buf, wb.len, &pos);
	if (n != wb.len) {
		wb.len = 0;
		return n < 0 ? n : -EIO;
	}
	wb.len = 0;
	return 0;
}

/* Forgets what is gathered: the batch it belongs to is given up. */
static void wb_drop(void)
{
	wb.len = 0;
}

/* Writes @len bytes at @pos of the log, through the gathering buffer. */
static int wb_write(const u8 *data, size_t len, loff_t pos)
{
	ssize_t n;
	int ret;

	if (wb.len && (wb.file != store.log.file || wb.pos + wb.len != pos ||
		       wb.len + len > WRITE_BUF)) {
		ret = wb_flush();
		if (ret)
			return ret;
	}
	if (!wb.buf || len > WRITE_BUF) {
		n = kernel_write(store.log.file, data, len, &pos);
		return n == len ? 0 : n < 0 ? n : -EIO;
	}
	if (!wb.len) {
		wb.file = store.log.file;
		wb.pos = pos;
	}
	memcpy(wb.buf + wb.len, data, len);
	wb.len += len;
	return 0;
}

/*
 * Makes @other the log being worked on, and the current one @other. No
 * batch is open on either when they change places, but for a compaction
 * that failed before its commit: what it gathered is dropped.
 */
static void swap_log(struct log_state *other)
{
	wb_drop();
	swap(store.log, *other);
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

/*
 * Where the TPM counter binds to the store (see store.h and
 * kmod/anchor.c): anchor_check() once a load has read the last commit,
 * with the count that commit carries and the anchor record the log holds;
 * anchor_advance() after every durable commit.
 */
static int anchor_check(u64 commits, struct netlink_ext_ack *extack)
{
	const struct cld_anchor_record *rec = &store.log.anchor;
	struct cld_anchor_store st = {
		.exists = store.log.end != 0,
		.anchored = rec->anchored,
		.index = rec->index,
		.base = rec->base,
		.commits = commits,
	};
	const char *why;
	int ret;

	ret = cld_anchor_open(store.tpm_index, store.tpm_reset, &st,
			      &store.anchor, &why);
	if (ret) {
		set_ext(extack, why ?: "the store's TPM anchor cannot be checked");
		return ret;
	}
	store.tpm_reset = false;	/* it accepts one store, not every one */
	return 0;
}

static void anchor_advance(u64 commits)
{
	if (store.anchor)
		cld_anchor_committed(store.anchor, commits);
}

int cld_store_init(const char *dir, loff_t compact_min, u32 tpm_index,
		   bool tpm_reset)
{
	store.cred = prepare_kernel_cred(&init_task);
	if (!store.cred)
		return -ENOMEM;
	snprintf(store.path, sizeof(store.path), "%s/%s", dir, STORE_FILE);
	snprintf(store.compact_path, sizeof(store.compact_path), "%s/%s",
		 dir, COMPACT_FILE);
	store.compact_min = compact_min;
	store.tpm_index = tpm_index;
	store.tpm_reset = tpm_reset;
	/* Without it records are written one by one: slower, as correct. */
	wb.buf = kvmalloc(WRITE_BUF, GFP_KERNEL);
	return 0;
}

bool cld_store_is_open(void)
{
	return store.log.file;
}

static void store_close(void)
{
	wb_drop();
	if (store.log.file)
		filp_close(store.log.file, NULL);
	store.log.file = NULL;
	cld_anchor_close(store.anchor);
	store.anchor = NULL;
	aead_request_free(store.req);
	store.req = NULL;
	crypto_free_aead(store.aead);
	store.aead = NULL;
}

void cld_store_uninit(void)
{
	store_close();
	kvfree(wb.buf);
	wb.buf = NULL;
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
 * that is one block of HKDF-Expand, so the master key itself never keys a
 * cipher.
 */
static int derive_key(const u8 *master, u8 *out)
{
	struct cld_kdf kdf;
	int ret;

	ret = cld_kdf_init(&kdf, "hmac(sha256)");
	if (ret)
		return ret;
	ret = cld_kdf_expand(&kdf, master, CLD_STORE_KEY_LEN,
			     CLD_KDF_STORE_RECORD, NULL, 0, out, 32);
	cld_kdf_uninit(&kdf);
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
	if (!ret) {
		store.req = aead_request_alloc(store.aead, GFP_KERNEL);
		if (!store.req)
			ret = -ENOMEM;
	}
out:
	memzero_explicit(master, sizeof(master));
	memzero_explicit(rkey, sizeof(rkey));
	return ret;
}

/*
 * Seals or opens @buf in place: @buf holds the associated data (@ad_len
 * bytes), then the payload, then room for the tag. Returns -EBADMSG if
 * opening fails authentication.
 */
static int crypt_record(u8 *buf, u32 ad_len, u32 len, bool enc)
{
	struct rec_hdr *h = (struct rec_hdr *)buf;
	struct aead_request *req = store.req;
	struct scatterlist sg;
	DECLARE_CRYPTO_WAIT(wait);
	u8 iv[NONCE_LEN];

	memcpy(iv, h->nonce, NONCE_LEN);
	sg_init_one(&sg, buf, ad_len + len + TAG_LEN);
	aead_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP,
				  crypto_req_done, &wait);
	aead_request_set_ad(req, ad_len);
	aead_request_set_crypt(req, &sg, &sg, enc ? len : len + TAG_LEN, iv);
	return crypto_wait_req(enc ? crypto_aead_encrypt(req) :
				     crypto_aead_decrypt(req), &wait);
}

/*
 * Fills the format-2 associated data after the header at @buf: the log's
 * store_id (zeros in the header record, sequence number 1, which carries
 * it) and @prev, the tag of the record before it.
 */
static void fill_ad(u8 *buf, const u8 *prev)
{
	struct rec_ad *ad = (struct rec_ad *)buf;

	if (le64_to_cpu(ad->hdr.seq) == 1)
		memset(ad->store_id, 0, ID_LEN);
	else
		memcpy(ad->store_id, store.log.id, ID_LEN);
	memcpy(ad->prev_tag, prev, TAG_LEN);
}

static int write_record(u16 type, const void *data, u32 len)
{
	size_t total = sizeof(struct rec_hdr) + len + TAG_LEN;
	const u32 ad_len = sizeof(struct rec_ad);
	struct rec_hdr *h;
	loff_t pos = store.log.pos;
	u8 *buf;
	int ret;

	if (len > CLD_STORE_MAX_PAYLOAD)
		return -EMSGSIZE;
	buf = kzalloc(ad_len + len + TAG_LEN, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	h = (struct rec_hdr *)buf;
	h->magic = cpu_to_le32(REC_MAGIC);
	h->version = cpu_to_le16(REC_VERSION);
	h->type = cpu_to_le16(type);
	h->len = cpu_to_le32(len);
	h->seq = cpu_to_le64(store.log.seq + 1);
	get_random_bytes(h->nonce, NONCE_LEN);
	fill_ad(buf, store.log.tag);
	memcpy(buf + ad_len, data, len);

	ret = crypt_record(buf, ad_len, len, true);
	if (ret)
		goto out;
	/* On disk the payload follows the header; the rest of the AD is implied. */
	memmove(buf + sizeof(*h), buf + ad_len, len + TAG_LEN);
	ret = wb_write(buf, total, pos);
	if (ret)
		goto out;
	store.log.pos = pos + total;
	store.log.seq++;
	store.log.pending++;
	memcpy(store.log.tag, buf + total - TAG_LEN, TAG_LEN);
out:
	kfree_sensitive(buf);
	return ret;
}

/* Puts @rec into the open batch; the commit makes it the log's. */
static int put_anchor(const struct cld_anchor_record *rec)
{
	struct anchor_payload ap = {
		.anchored = cpu_to_le32(rec->anchored),
		.index = cpu_to_le32(rec->anchored ? rec->index : 0),
		.base = cpu_to_le64(rec->anchored ? rec->base : 0),
	};
	int ret;

	ret = write_record(CLD_REC_ANCHOR, &ap, sizeof(ap));
	if (ret)
		return ret;
	store.log.batch_anchor = *rec;
	store.log.batch_anchored = true;
	return 0;
}

int cld_store_put(u16 type, const void *data, u32 len)
{
	lockdep_assert_held(&cld_hsm.lock);
	if (!store.log.file)
		return -ENOKEY;
	return write_record(type, data, len);
}

int cld_store_commit(void)
{
	struct commit_payload cp = {
		.commits = cpu_to_le64(store.log.commits + 1),
	};
	struct cld_anchor_record rec;
	const char *why;
	int ret = 0;

	lockdep_assert_held(&cld_hsm.lock);
	if (!store.log.file)
		return -ENOKEY;
	/* The counter may be one behind the log, never more. */
	if (store.anchor) {
		ret = cld_anchor_prepare(store.anchor, &why);
		if (ret)
			pr_err("clonedev: a commit is refused: %s\n", why);
		else if (cld_anchor_pending(store.anchor, &rec))
			ret = put_anchor(&rec);
	}
	cp.count = cpu_to_le32(store.log.pending);
	if (!ret)
		ret = write_record(CLD_REC_COMMIT, &cp, sizeof(cp));
	if (!ret)
		ret = wb_flush();
	if (!ret)
		ret = vfs_fsync(store.log.file, 0);
	if (ret) {
		cld_store_abort();
		return ret;
	}
	store.log.end = store.log.pos;
	store.log.committed_seq = store.log.seq;
	memcpy(store.log.committed_tag, store.log.tag, TAG_LEN);
	store.log.commits++;
	store.log.pending = 0;
	if (store.log.batch_anchored)
		store.log.anchor = store.log.batch_anchor;
	store.log.batch_anchored = false;
	anchor_advance(store.log.commits);
	return 0;
}

/* Forgets the open batch: its records are cut off the file. */
void cld_store_abort(void)
{
	lockdep_assert_held(&cld_hsm.lock);
	if (!store.log.file)
		return;
	wb_drop();
	store.log.pos = store.log.end;
	store.log.seq = store.log.committed_seq;
	memcpy(store.log.tag, store.log.committed_tag, TAG_LEN);
	store.log.pending = 0;
	store.log.batch_anchored = false;
	/* The next batch overwrites what is left; replay drops it before. */
	if (vfs_truncate(&store.log.file->f_path, store.log.end))
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
		return kernel_read(store.log.file, dst, n, pos);
	if (ra.file != store.log.file || *pos < ra.start ||
	    *pos + n > ra.start + ra.len) {
		ra.file = store.log.file;
		ra.start = *pos;
		ra.len = 0;
		p = *pos;
		while (ra.len < READ_AHEAD) {
			got = kernel_read(store.log.file, ra.buf + ra.len,
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

/* A record header as this module writes one (not yet authenticated). */
static bool well_formed(const struct rec_hdr *h)
{
	u16 version = le16_to_cpu(h->version);
	u16 type = le16_to_cpu(h->type);

	return le32_to_cpu(h->magic) == REC_MAGIC &&
	       (version == REC_VERSION_1 || version == REC_VERSION) &&
	       type >= CLD_REC_HEADER && type <= CLD_REC_LAST &&
	       le32_to_cpu(h->len) <= CLD_STORE_MAX_PAYLOAD &&
	       !h->reserved && !memchr_inv(h->pad, 0, sizeof(h->pad));
}

/*
 * Reads the record at *pos into a new buffer (kmalloc()ed, or from @a),
 * which holds its header, the payload in clear, and its tag (also copied
 * to @tag). A format-2 record
 * is opened with the log's store_id and @prev as the tag before it; NULL
 * takes the 16 bytes before *pos in the file. Returns the payload length,
 * -ENODATA at a clean end of file, -EBADMSG for a record that is cut
 * short, malformed or fails authentication (with *next set past it when
 * its length could be read).
 */
struct arena;
static void *arena_alloc(struct arena *a, size_t n);

static int read_record(loff_t *pos, loff_t size, const u8 *prev, u8 **out,
		       loff_t *next, u8 *tag, struct arena *a)
{
	u8 prev_buf[TAG_LEN] = {};
	struct rec_hdr h;
	loff_t p = *pos;
	u32 len, ad_len;
	u16 version;
	u8 *buf;
	int ret;

	*next = -1;
	if (p == size)
		return -ENODATA;
	if (size - p < (loff_t)sizeof(h) ||
	    log_read(&h, sizeof(h), &p) != sizeof(h))
		return -EBADMSG;
	len = le32_to_cpu(h.len);
	version = le16_to_cpu(h.version);
	if (le32_to_cpu(h.magic) != REC_MAGIC ||
	    (version != REC_VERSION_1 && version != REC_VERSION) ||
	    len > CLD_STORE_MAX_PAYLOAD)
		return -EBADMSG;
	if (size - *pos < (loff_t)(sizeof(h) + len + TAG_LEN))
		return -EBADMSG;
	*next = *pos + sizeof(h) + len + TAG_LEN;
	if (!prev && *pos >= TAG_LEN) {
		loff_t q = *pos - TAG_LEN;

		if (log_read(prev_buf, TAG_LEN, &q) != TAG_LEN)
			return -EIO;
	}
	ad_len = AD_LEN(version);
	buf = a ? arena_alloc(a, ad_len + len + TAG_LEN) :
		  kmalloc(ad_len + len + TAG_LEN, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, &h, sizeof(h));
	if (version != REC_VERSION_1)
		fill_ad(buf, prev ?: prev_buf);
	if (log_read(buf + ad_len, len + TAG_LEN, &p) != len + TAG_LEN) {
		if (!a)
			kfree(buf);
		return -EIO;
	}
	ret = crypt_record(buf, ad_len, len, false);
	if (ret) {
		if (!a)
			kfree_sensitive(buf);
		return ret;
	}
	memcpy(tag, buf + ad_len + len, TAG_LEN);
	memmove(buf + sizeof(h), buf + ad_len, len + TAG_LEN);
	*pos = *next;
	*out = buf;
	return len;
}

/* True if some record after @pos authenticates: the damage is not a tail. */
static bool valid_record_after(loff_t pos, loff_t size)
{
	u8 tag[TAG_LEN];
	loff_t p, next;
	u8 *buf;

	for (p = pos; p < size; p++) {
		loff_t q = p;

		if (read_record(&q, size, NULL, &buf, &next, tag, NULL) >= 0) {
			kfree_sensitive(buf);
			return true;
		}
	}
	return false;
}

/*
 * True if a whole, well-formed record header lies after @pos. Used when
 * the log's header record fails: the records after it cannot be checked
 * without the store_id it holds, and a torn first batch leaves nothing
 * whole after a damaged header record.
 */
static bool whole_record_after(loff_t pos, loff_t size)
{
	struct rec_hdr h;
	loff_t p, q;

	for (p = pos; size - p >= (loff_t)(sizeof(h) + TAG_LEN); p++) {
		q = p;
		if (log_read(&h, sizeof(h), &q) == sizeof(h) && well_formed(&h) &&
		    size - p >= (loff_t)(sizeof(h) + le32_to_cpu(h.len) + TAG_LEN))
			return true;
	}
	return false;
}

/*
 * The record at @pos failed and nothing after it authenticates. A torn
 * write leaves that record cut short or damaged, the last one written;
 * true if instead it is whole and well formed and yet names another
 * place (another sequence number or format version), or a second whole
 * record follows it: records from elsewhere were put after the last
 * commit, and the store is refused rather than cut.
 */
static bool foreign_tail(loff_t pos, loff_t next, loff_t size, u64 seq)
{
	struct rec_hdr h;
	loff_t p = pos;

	if (next < 0 || log_read(&h, sizeof(h), &p) != sizeof(h) ||
	    !well_formed(&h))
		return false;
	if (le16_to_cpu(h.version) != store.log.version ||
	    le64_to_cpu(h.seq) != seq)
		return true;
	p = next;
	if (size - p < (loff_t)sizeof(h) ||
	    log_read(&h, sizeof(h), &p) != sizeof(h) || !well_formed(&h))
		return false;
	return size - next >= (loff_t)(sizeof(h) + le32_to_cpu(h.len) + TAG_LEN);
}

/*
 * Where replay opens records: chunks of memory reused from batch to batch,
 * instead of an allocation (and its zeroing) per record. A batch's
 * records stay until its commit record is read; then what they held in
 * clear is wiped and the chunks start over.
 */
#define ARENA_CHUNK	(1024 * 1024)

struct arena_chunk {
	struct list_head node;
	size_t used;
	size_t size;
	u8 data[];
};

struct arena {
	struct list_head chunks;
	struct arena_chunk *cur;	/* the one being filled; NULL: none */
};

static void *arena_alloc(struct arena *a, size_t n)
{
	struct arena_chunk *c = a->cur;
	size_t size;

	n = ALIGN(n, 8);
	if (c && c->size - c->used >= n)
		goto take;
	/* The next chunk, if one is left from an earlier batch and is big enough. */
	if (c && !list_is_last(&c->node, &a->chunks)) {
		c = list_next_entry(c, node);
		if (c->size >= n) {
			a->cur = c;
			goto take;
		}
	}
	size = max_t(size_t, ARENA_CHUNK, n);
	c = kvmalloc(struct_size(c, data, size), GFP_KERNEL);
	if (!c)
		return NULL;
	c->used = 0;
	c->size = size;
	if (a->cur)
		list_add(&c->node, &a->cur->node);
	else
		list_add(&c->node, &a->chunks);
	a->cur = c;
take:
	c->used += n;
	return c->data + c->used - n;
}

/* Wipes what the records held; the chunks stay for the next batch. */
static void arena_reset(struct arena *a)
{
	struct arena_chunk *c;

	list_for_each_entry(c, &a->chunks, node) {
		memzero_explicit(c->data, c->used);
		c->used = 0;
	}
	a->cur = list_first_entry_or_null(&a->chunks, struct arena_chunk, node);
}

static void arena_free(struct arena *a)
{
	struct arena_chunk *c, *tmp;

	arena_reset(a);
	list_for_each_entry_safe(c, tmp, &a->chunks, node)
		kvfree(c);
	INIT_LIST_HEAD(&a->chunks);
	a->cur = NULL;
}

/* The records of a batch whose commit record is not read yet, in order. */
struct pending {
	struct pending_rec {
		u8 *buf;	/* in the arena */
		int len;
	} *recs;
	u32 n;
	u32 cap;
};

/* Appends a record, the array doubled when full. */
static int add_pending(struct pending *b, u8 *buf, int len)
{
	struct pending_rec *recs;
	u32 cap;

	if (b->n == b->cap) {
		cap = max(64U, 2 * b->cap);
		recs = kvmalloc_array(cap, sizeof(*recs), GFP_KERNEL);
		if (!recs)
			return -ENOMEM;
		if (b->n)
			memcpy(recs, b->recs, b->n * sizeof(*recs));
		kvfree(b->recs);
		b->recs = recs;
		b->cap = cap;
	}
	b->recs[b->n].buf = buf;
	b->recs[b->n].len = len;
	b->n++;
	return 0;
}

/* Takes a committed anchor record, checked by take_record(). */
static void take_anchor(const u8 *data)
{
	const struct anchor_payload *ap = (const void *)data;

	store.log.anchor = (struct cld_anchor_record){
		.anchored = le32_to_cpu(ap->anchored),
		.index = le32_to_cpu(ap->index),
		.base = le64_to_cpu(ap->base),
	};
}

/*
 * Hands a complete batch to @apply, in order; the store's own records
 * (header, anchor) it keeps. The arena is the caller's to reset.
 */
static int apply_batch(cld_store_apply_fn apply, struct pending *batch)
{
	int ret = 0;
	u32 i;

	for (i = 0; i < batch->n; i++) {
		const struct pending_rec *r = &batch->recs[i];
		const struct rec_hdr *h = (const struct rec_hdr *)r->buf;
		u16 type = le16_to_cpu(h->type);

		if (type == CLD_REC_HEADER)
			continue;
		if (type == CLD_REC_ANCHOR) {
			take_anchor(r->buf + sizeof(*h));
			continue;
		}
		ret = apply(type, r->buf + sizeof(*h), r->len);
		if (ret)
			break;
	}
	batch->n = 0;
	return ret;
}

#define TAMPERED	"the store is damaged or was tampered with: "

/* Takes the ids and count of a log's first record, its header. */
static const char *take_header(u16 version, u16 type, const u8 *data,
			       u32 len)
{
	const struct header_payload_v1 *v1 = (const void *)data;
	const struct header_payload *hp = (const void *)data;

	if (type != CLD_REC_HEADER)
		return TAMPERED "the log does not begin with its header record";
	if (version == REC_VERSION_1) {
		if (len != sizeof(*v1) || le32_to_cpu(v1->format) != version)
			return TAMPERED "a malformed header record";
		memcpy(store.log.id, v1->store_id, ID_LEN);
		memset(store.log.parent, 0, ID_LEN);
		store.log.commits = 0;
	} else {
		if (len != sizeof(*hp) || le32_to_cpu(hp->format) != version ||
		    hp->reserved)
			return TAMPERED "a malformed header record";
		memcpy(store.log.id, hp->store_id, ID_LEN);
		memcpy(store.log.parent, hp->parent_id, ID_LEN);
		store.log.commits = le64_to_cpu(hp->commits);
	}
	store.log.version = version;
	return NULL;
}

/*
 * Checks a record that authenticated against the log read so far (it is
 * record @seq, after @batch_len records of an open batch) and takes what
 * it carries. Returns NULL, or why the store is refused.
 */
static const char *take_record(const struct rec_hdr *h, const u8 *data,
			       u32 len, u64 seq, u32 batch_len)
{
	const struct commit_payload *cp = (const void *)data;
	const struct anchor_payload *ap = (const void *)data;
	u16 version = le16_to_cpu(h->version);
	u16 type = le16_to_cpu(h->type);

	if (le64_to_cpu(h->seq) != seq)
		return TAMPERED "records are missing or out of order";
	if (seq == 1)
		return take_header(version, type, data, len);
	if (version != store.log.version)
		return TAMPERED "records of two format versions in one log";
	if (version == REC_VERSION_1) {
		if (type == CLD_REC_ANCHOR)
			return TAMPERED "an anchor record in a format-1 log";
		if (type == CLD_REC_COMMIT)
			store.log.commits++;
		return NULL;
	}
	if (type == CLD_REC_HEADER)
		return TAMPERED "a second header record";
	if (type == CLD_REC_ANCHOR &&
	    (len != sizeof(*ap) || le32_to_cpu(ap->anchored) > 1 ||
	     (!ap->anchored && (ap->index || ap->base))))
		return TAMPERED "a malformed anchor record";
	if (type != CLD_REC_COMMIT)
		return NULL;
	if (len != sizeof(*cp) || cp->reserved ||
	    le32_to_cpu(cp->count) != batch_len ||
	    le64_to_cpu(cp->commits) != store.log.commits + 1)
		return TAMPERED "a commit record does not match its batch or count";
	store.log.commits++;
	return NULL;
}

/*
 * Replays the log into the log state (the one being worked on). The
 * records of a batch reach @apply only once its commit record has been
 * read, so a torn batch leaves no trace.
 */
static int replay(cld_store_apply_fn apply, loff_t size,
		  struct netlink_ext_ack *extack)
{
	struct arena arena = { .chunks = LIST_HEAD_INIT(arena.chunks) };
	struct file *file = store.log.file;
	struct pending batch = {};
	loff_t pos = 0, next;
	u8 tag[TAG_LEN];
	const char *why;
	u64 seq = 0;
	int len, ret;
	u8 *buf;

	store.log = (struct log_state){ .file = file };
	read_ahead_start();
	for (;;) {
		const struct rec_hdr *h;

		len = read_record(&pos, size, store.log.tag, &buf, &next, tag,
				  &arena);
		if (len == -ENODATA)
			break;
		if (len == -EBADMSG) {
			if (seq == 0 && next > 0) {
				set_ext(extack, "the store cannot be unsealed: wrong sealing key, or the store is damaged");
				ret = -EKEYREJECTED;
				goto out;
			}
			if (valid_record_after(next > 0 ? next : pos + 1, size) ||
			    (seq == 0 && whole_record_after(pos + 1, size))) {
				set_ext(extack, TAMPERED "a sealed record fails authentication");
				ret = -EBADMSG;
				goto out;
			}
			if (foreign_tail(pos, next, size, seq + 1)) {
				set_ext(extack, TAMPERED "sealed records from another place or generation follow the last commit");
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
		why = take_record(h, buf + sizeof(*h), len, ++seq, batch.n);
		if (why) {
			set_ext(extack, why);
			ret = -EBADMSG;
			goto out;
		}
		memcpy(store.log.tag, tag, TAG_LEN);
		if (le16_to_cpu(h->type) == CLD_REC_COMMIT) {
			store.log.end = pos;
			store.log.committed_seq = seq;
			memcpy(store.log.committed_tag, tag, TAG_LEN);
			ret = apply_batch(apply, &batch);
			arena_reset(&arena);
			if (ret)
				goto out;
			continue;
		}
		ret = add_pending(&batch, buf, len);
		if (ret)
			goto out;
	}
	/* The next record goes after the last commit. */
	store.log.pos = store.log.end;
	store.log.seq = store.log.committed_seq;
	memcpy(store.log.tag, store.log.committed_tag, TAG_LEN);
	ret = 0;
out:
	read_ahead_stop();
	arena_free(&arena);
	kvfree(batch.recs);
	return ret;
}

static int put_header(const u8 *parent, u64 commits);

/* The length in the log of a record of @len payload bytes. */
u64 cld_store_rec_size(u32 len)
{
	return sizeof(struct rec_hdr) + len + TAG_LEN;
}

/*
 * The log is compacted once it is four times as long as the live state
 * (what a compaction would write: header, anchor, @live_size()'s records and
 * a commit), and never below store_compact_min; so a reload replays a
 * log and rewrites it only when three quarters of it is garbage, as a
 * compaction while it is open would.
 */
static void schedule_compaction(cld_store_size_fn live_size)
{
	loff_t live = cld_store_rec_size(sizeof(struct header_payload)) +
		      cld_store_rec_size(sizeof(struct anchor_payload)) +
		      cld_store_rec_size(sizeof(struct commit_payload)) +
		      live_size();

	store.compact_at = max_t(loff_t, store.compact_min, 4 * live);
}

/* Copies the first @len bytes of @from over the whole of @to, durably. */
static int copy_log(struct file *from, loff_t len, struct file *to)
{
	loff_t rpos = 0, wpos = 0;
	int ret = 0;
	u8 *buf;

	buf = kvmalloc(WRITE_BUF, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	while (rpos < len) {
		size_t n = min_t(loff_t, WRITE_BUF, len - rpos);

		if (kernel_read(from, buf, n, &rpos) != n ||
		    kernel_write(to, buf, n, &wpos) != n) {
			ret = -EIO;
			break;
		}
	}
	kvfree(buf);	/* sealed records only */
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
 * Rewrites the log as the live state alone, a new log generation: a new
 * store_id, with the current one as its parent, and the commit count
 * carried on. The snapshot is written to the compaction file and made
 * durable first; only then is the log overwritten with it. A crash in
 * between leaves a complete compaction file whose parent is the log,
 * which cld_store_open() copies over the log before reading it.
 */
static int compact(void)
{
	struct cld_anchor_record anchor = store.log.anchor;
	u64 commits = store.log.commits;
	struct log_state tmp = {};
	u8 parent[ID_LEN];
	struct file *cf;
	int ret, err;

	memcpy(parent, store.log.id, ID_LEN);
	tmp.file = open_file(store.compact_path, O_RDWR | O_CREAT | O_TRUNC |
			     O_LARGEFILE | O_NOFOLLOW, 0600);
	if (IS_ERR(tmp.file))
		return PTR_ERR(tmp.file);
	cf = tmp.file;
	swap_log(&tmp);
	store.compact_at = LLONG_MAX;	/* no compaction inside this one */
	/*
	 * One batch: a compaction file with a commit at its end holds the
	 * whole state, never just the part written before a crash.
	 */
	ret = put_header(parent, commits);
	if (!ret && anchor.anchored)
		ret = put_anchor(&anchor);
	if (!ret)
		ret = store.snapshot();
	if (!ret)
		ret = cld_store_commit();
	swap_log(&tmp);
	if (ret)
		goto out_drop;
	ret = copy_log(cf, tmp.end, store.log.file);
	if (ret) {
		/* The log may be half written: keep the copy, reopen later. */
		pr_err("clonedev: compaction failed while rewriting the store (%d); it is recovered at the next open\n",
		       ret);
		filp_close(cf, NULL);
		store_close();
		return ret;
	}
	/* The log is now the compacted one, and so is its state. */
	tmp.file = store.log.file;
	store.log = tmp;
out_drop:
	err = empty_file(cf);
	filp_close(cf, NULL);
	if (err) {
		pr_err("clonedev: the store's compaction file cannot be emptied (%d); the store is closed\n",
		       err);
		store_close();
		return err;
	}
	/* After a failure, from the log as it is: not again at once. */
	store.compact_at = max_t(loff_t, store.compact_min, 4 * store.log.end);
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
	if (store.log.file && !store.log.pending && store.log.end >= store.compact_at) {
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
	if (READ_ONCE(store.log.end) < READ_ONCE(store.compact_at))
		return;
	mutex_lock(&cld_hsm.lock);
	cld_store_maybe_compact();
	mutex_unlock(&cld_hsm.lock);
}

static int ignore_record(u16 type, const void *data, u32 len)
{
	return 0;
}

/* True if the whole of the log is a prefix of @cf (@cf_size bytes). */
static int log_is_prefix(struct file *cf, loff_t cf_size)
{
	loff_t size = i_size_read(file_inode(store.log.file));
	loff_t lpos = 0, cpos = 0;
	u8 *a, *b;
	int ret = 1;

	if (size > cf_size)
		return 0;
	a = kmalloc(PAGE_SIZE, GFP_KERNEL);
	b = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!a || !b) {
		ret = -ENOMEM;
		goto out;
	}
	while (ret == 1 && lpos < size) {
		size_t n = min_t(loff_t, PAGE_SIZE, size - lpos);

		if (kernel_read(store.log.file, a, n, &lpos) != n ||
		    kernel_read(cf, b, n, &cpos) != n)
			ret = -EIO;
		else if (memcmp(a, b, n))
			ret = 0;
	}
out:
	kfree_sensitive(a);
	kfree_sensitive(b);
	return ret;
}

/*
 * Reads the log's header record into the log state. Returns 0, or
 * -EBADMSG if it cannot be read (a log cut inside it, or overwritten).
 */
static int read_log_header(void)
{
	loff_t size = i_size_read(file_inode(store.log.file));
	static const u8 zero[TAG_LEN];
	loff_t pos = 0, next;
	u8 tag[TAG_LEN];
	int len, ret;
	u8 *buf;

	len = read_record(&pos, size, zero, &buf, &next, tag, NULL);
	if (len < 0)
		return len == -ENOMEM || len == -EIO ? len : -EBADMSG;
	ret = take_record((const struct rec_hdr *)buf,
			  buf + sizeof(struct rec_hdr), len, 1, 0) ?
		-EBADMSG : 0;
	kfree_sensitive(buf);
	return ret;
}

/*
 * True if the log continued after the compaction @cf (its state @c), a
 * log of the same store_id: a record that follows on from the
 * compaction's last one authenticates at the compaction's end.
 */
static bool log_continues(const struct log_state *c)
{
	loff_t size = i_size_read(file_inode(store.log.file));
	loff_t pos = c->end, next;
	u8 tag[TAG_LEN];
	u8 *buf;

	memcpy(store.log.id, c->id, ID_LEN);
	if (read_record(&pos, size, c->tag, &buf, &next, tag, NULL) < 0)
		return false;
	kfree_sensitive(buf);
	return true;
}

/*
 * Decides whether the compaction file (its state @c) is one that this
 * log started: its parent is the log (the copy over the log had not
 * begun), or its store_id is the log's (the copy was under way), or the
 * log's header cannot be read and the whole log is a prefix of it (the
 * copy was cut inside the first record). A format-1 compaction file
 * names no parent; it is taken over a format-1 log, as format 1 did.
 * Returns 1, 0 if not, or an error.
 */
static int compaction_is_ours(const struct log_state *c, loff_t size)
{
	int ret;

	ret = read_log_header();
	if (ret == -EBADMSG)
		return c->version == REC_VERSION_1 ? 1 :
		       log_is_prefix(c->file, size);
	if (ret)
		return ret;
	if (c->version == REC_VERSION_1)
		return store.log.version == REC_VERSION_1;
	return store.log.version == REC_VERSION &&
	       (!memcmp(c->parent, store.log.id, ID_LEN) ||
		!memcmp(c->id, store.log.id, ID_LEN));
}

/*
 * Finishes a compaction a crash interrupted: a compaction file that this
 * log started and that is complete (valid up to a commit at its very end)
 * replaces the log; one cut short is dropped, the log being intact then.
 * A compaction file that this log did not start is refused, and both
 * files are left as they are.
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
	if (ret)
		goto out;
	/* Cut inside its header record: a compaction that never got far. */
	if (tmp.version) {
		ret = compaction_is_ours(&tmp, size);
		if (ret < 0)
			goto out;
		if (!ret) {
			set_ext(extack, TAMPERED "clonedev.log.compact is not a compaction of this log; both files are left as they are");
			ret = -EBADMSG;
			goto out;
		}
	}
	if (tmp.end == size && !log_continues(&tmp)) {
		ret = copy_log(tmp.file, size, store.log.file);
		if (ret)
			goto out;
		pr_notice("clonedev: finished an interrupted compaction of the store\n");
	}
	ret = empty_file(tmp.file);
out:
	filp_close(tmp.file, NULL);
	return ret;
}

/*
 * The first record of every log; the caller commits it. @parent is the
 * store_id of the log it compacts (NULL for a new store), @commits the
 * count of durable commits before it.
 */
static int put_header(const u8 *parent, u64 commits)
{
	struct header_payload hp = {
		.format = cpu_to_le32(REC_VERSION),
		.commits = cpu_to_le64(commits),
	};

	get_random_bytes(hp.store_id, sizeof(hp.store_id));
	if (parent)
		memcpy(hp.parent_id, parent, ID_LEN);
	memcpy(store.log.id, hp.store_id, ID_LEN);
	memcpy(store.log.parent, hp.parent_id, ID_LEN);
	store.log.version = REC_VERSION;
	store.log.commits = commits;
	return write_record(CLD_REC_HEADER, &hp, sizeof(hp));
}

static int store_open(cld_store_apply_fn apply,
		      cld_store_snapshot_fn snapshot,
		      cld_store_size_fn live_size,
		      struct netlink_ext_ack *extack)
{
	struct cld_anchor_record rec;
	loff_t size;
	int ret;

	ret = load_key(extack);
	if (ret)
		goto err;
	store.log.file = open_file(store.path, O_RDWR | O_CREAT | O_LARGEFILE |
				   O_NOFOLLOW, 0600);
	if (IS_ERR(store.log.file)) {
		ret = PTR_ERR(store.log.file);
		store.log.file = NULL;
		set_ext(extack, "the store file cannot be opened (is the store directory there and writable?)");
		goto err;
	}
	ret = recover_compaction(extack);
	if (ret)
		goto err;
	store.snapshot = snapshot;
	size = i_size_read(file_inode(store.log.file));
	ret = replay(apply, size, extack);
	if (ret)
		goto err;
	if (store.log.end < size) {
		pr_info("clonedev: discarding a torn tail of %lld bytes\n",
			size - store.log.end);
		ret = vfs_truncate(&store.log.file->f_path, store.log.end);
		if (ret)
			goto err;
	}
	/* The load is complete: the count of the last commit read. */
	ret = anchor_check(store.log.end ? store.log.commits : 0, extack);
	if (ret)
		goto err;
	/*
	 * A new store, or one whose first batch was torn. Without a TPM
	 * anchor, a store that was deleted looks the same.
	 */
	if (store.log.end == 0) {
		ret = put_header(NULL, 0) ?: cld_store_commit();
		if (ret)
			goto err;
	}
	schedule_compaction(live_size);
	if (store.log.version == REC_VERSION_1) {
		/* Never append to a format-1 log: rewrite it in format 2. */
		ret = compact();
		if (ret)
			goto err;
		pr_notice("clonedev: upgraded the store from format 1 to format 2\n");
		return 0;
	}
	/* A store anchored (or reset) now records it at once. */
	if (cld_anchor_pending(store.anchor, &rec)) {
		ret = cld_store_commit();
		if (ret)
			goto err;
	}
	/* A log that grew past its length while it was last open. */
	cld_store_maybe_compact();
	return 0;
err:
	store_close();
	return ret;
}

int cld_store_open(cld_store_apply_fn apply, cld_store_snapshot_fn snapshot,
		   cld_store_size_fn live_size, struct netlink_ext_ack *extack)
{
	const struct cred *old;
	int ret;

	lockdep_assert_held(&cld_hsm.lock);
	if (store.log.file)
		return 0;
	old = override_creds(store.cred);
	ret = store_open(apply, snapshot, live_size, extack);
	revert_creds(old);
	return ret;
}
