/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The store's rollback check against its TPM anchor (docs/store-format.md,
 * "TPM anchor"): what the store found at open against what the counter
 * says, and the counter kept in step with each durable commit.
 */
#ifndef _CLD_ANCHOR_H
#define _CLD_ANCHOR_H

#include <linux/types.h>

/* What the store knows about itself when it opens. */
struct cld_anchor_store {
	bool exists;		/* a store file was found */
	bool anchored;		/* it records an anchor: */
	u32 index;		/*   the NV index */
	u64 base;		/*   counter value minus commit count */
	u64 commits;		/* count of its last durable commit */
};

/* The anchor the store must record in its next commit. */
struct cld_anchor_record {
	bool anchored;
	u32 index;
	u64 base;
};

struct cld_anchor;

int cld_anchor_open(u32 index, bool reset, const struct cld_anchor_store *st,
		    struct cld_anchor **out, const char **why);
bool cld_anchor_pending(const struct cld_anchor *a,
			struct cld_anchor_record *rec);
int cld_anchor_prepare(struct cld_anchor *a, const char **why);
int cld_anchor_committed(struct cld_anchor *a, u64 commits);
void cld_anchor_close(struct cld_anchor *a);

#endif /* _CLD_ANCHOR_H */
