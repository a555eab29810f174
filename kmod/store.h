/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sealed, crash-consistent store (docs/store-format.md): an append-only
 * log of AES-256-GCM sealed records, grouped into batches that end with a
 * commit record and one fsync.
 */
#ifndef _CLD_STORE_H
#define _CLD_STORE_H

#include <linux/types.h>

struct netlink_ext_ack;

/* Record types; the payload formats are in docs/store-format.md. */
enum cld_rec_type {
	CLD_REC_HEADER = 1,
	CLD_REC_COMMIT = 2,
	CLD_REC_PARTITION = 3,
	CLD_REC_PARTITION_DEL = 4,
	CLD_REC_OBJECT = 5,
	CLD_REC_OBJECT_DEL = 6,
	CLD_REC_OBJECTS_CLEAR = 7,
	CLD_REC_ANCHOR = 8,	/* the store's own: its TPM anchor */
	CLD_REC_OBJECT_PACKED = 9,	/* an object, only its bytes in use */
	CLD_REC_LAST = CLD_REC_OBJECT_PACKED
};

#define CLD_STORE_KEY_DESC	"clonedev:store"
#define CLD_STORE_KEY_LEN	32
#define CLD_STORE_MAX_PAYLOAD	65536

/*
 * Rollback. Each commit record carries `commits`, the number of durable
 * commits since the store was made, carried across compactions (a
 * compacted log's header holds the count so far, and its commit is the
 * next one). A log cut at an earlier commit, or an older copy of the
 * file, is a whole log with a smaller count: only a monotonic counter
 * outside the file (a TPM 2.0 NV counter, kmod/anchor.c) can tell. It binds
 * in store.c at anchor_check(), called once at the end of every successful
 * load with the count of the last commit read (0 for an empty or new
 * store), and at anchor_advance(), called after every durable commit with
 * the new count, a compaction's commit included (it is durable in the
 * compaction file, which replaces the log whatever happens next). The
 * anchor itself (index and base) is an anchor record in the log, written
 * again by every compaction.
 */

/* Called for every committed record while the store is opened. */
typedef int (*cld_store_apply_fn)(u16 type, const void *data, u32 len);
/* Puts (cld_store_put) the records of the whole live state. */
typedef int (*cld_store_snapshot_fn)(void);
/* The bytes (cld_store_rec_size() each) of the records snapshot puts. */
typedef u64 (*cld_store_size_fn)(void);

int cld_store_init(const char *dir, loff_t compact_min, u32 tpm_index,
		   bool tpm_reset);
void cld_store_uninit(void);
bool cld_store_is_open(void);
int cld_store_open(cld_store_apply_fn apply, cld_store_snapshot_fn snapshot,
		   cld_store_size_fn live_size, struct netlink_ext_ack *extack);
u64 cld_store_rec_size(u32 len);
void cld_store_maybe_compact(void);
void cld_store_compact_idle(void);
int cld_store_put(u16 type, const void *data, u32 len);
int cld_store_commit(void);
void cld_store_abort(void);

#endif /* _CLD_STORE_H */
