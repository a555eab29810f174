// SPDX-License-Identifier: GPL-2.0
/*
 * The store's rollback check against its TPM anchor: at open, the store's
 * last commit count against the TPM counter (kmod/tpm.c), by the table in
 * docs/store-format.md, "TPM anchor"; then one increment after each durable
 * commit. The store records base = counter - commits, so the counter's
 * arbitrary first value does not matter; it expects base + commits.
 *
 * The store owns its struct cld_anchor and serialises every call on it
 * (it holds cld_hsm.lock); nothing here is shared.
 */
#include <linux/errno.h>
#include <linux/printk.h>
#include <linux/slab.h>

#include "anchor.h"
#include "tpm.h"

struct cld_anchor {
	struct cld_tpm_anchor *tpm;	/* NULL: no TPM, the store is unanchored */
	bool anchored;			/* the durable store records base */
	u64 base;
	u64 commits;			/* the last durable commit's count */
	bool pending;			/* rec must go into the next commit */
	struct cld_anchor_record rec;
	bool lag;			/* the last increment failed */
	bool broken;			/* the counter moved under the store */
};

/* Defines the counter if need be and sets the base the store must record. */
static int anchor_new(struct cld_anchor *a, u32 index, u64 commits,
		      const char **why)
{
	u64 value;
	int ret;

	ret = cld_tpm_anchor_define(a->tpm, &value);
	if (ret) {
		*why = ret == -EEXIST ?
		       "the TPM NV index for the store's anchor holds something else" :
		       "the TPM failed to define the store's anchor counter";
		return ret;
	}
	a->pending = true;
	a->rec.anchored = true;
	a->rec.index = index;
	a->rec.base = value - commits;
	pr_info("clonedev: store anchored to TPM NV index 0x%08x: counter %llu at commit %llu\n",
		index, value, commits);
	return 0;
}

/* An anchored store of this index, the counter written: compare. */
static int anchor_check(struct cld_anchor *a, u64 value, const char **why)
{
	u64 expect = a->base + a->commits;
	s64 ahead = (s64)(value - expect);
	int ret;

	if (!ahead)
		return 0;
	if (ahead == -1) {
		/* The last commit is durable; its increment was lost. */
		ret = cld_tpm_anchor_increment(a->tpm, &value);
		if (ret) {
			*why = "the TPM failed to increment the store's anchor counter";
			return ret;
		}
		if (value == expect) {
			pr_info("clonedev: store's TPM counter caught up with commit %llu\n",
				a->commits);
			return 0;
		}
		ahead = (s64)(value - expect);
	}
	if (ahead > 0) {
		pr_err("clonedev: store refused: commit %llu is older than its TPM anchor (counter %llu, expected %llu); an older copy or a log cut short\n",
		       a->commits, value, expect);
		*why = "the store is older than its TPM anchor (an older copy, or a log cut short)";
	} else {
		pr_err("clonedev: store refused: commit %llu is ahead of its TPM anchor (counter %llu, expected %llu); anchored to another counter\n",
		       a->commits, value, expect);
		*why = "the store is anchored to another TPM counter";
	}
	return -ESTALE;
}

/**
 * cld_anchor_open() - check the store against its TPM anchor
 * @index: the NV index to anchor to (module parameter store_tpm_index)
 * @reset: the administrator's store_tpm_reset=1: accept the store as found
 * @st: what the store found
 * @out: the anchor, for the calls below and cld_anchor_close()
 * @why: on a refusal, a sentence for the extended ack
 *
 * Without a TPM 2.0 an unanchored store opens unanchored. With one, an
 * unanchored or new store is anchored (see cld_anchor_pending()), an
 * anchored one is compared, and every refusal is logged with the values
 * compared. The counter's index existing with a value is how a missing
 * store file is known to have existed.
 *
 * Return: 0; -ESTALE if the store is older than the anchor, its file is
 * missing where a store existed, it is anchored to another counter or
 * index, or it is anchored and the host has no TPM 2.0 (or @index is 0,
 * no TPM to be used); -EEXIST if
 * the index holds something else; -EINVAL for an index that is not an NV
 * index; -EIO for a TPM failure; -ENOMEM. A refusal needs @reset to pass.
 */
int cld_anchor_open(u32 index, bool reset, const struct cld_anchor_store *st,
		    struct cld_anchor **out, const char **why)
{
	struct cld_anchor *a;
	bool defined;
	u64 value;
	int ret;

	*out = NULL;
	*why = NULL;
	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	a->commits = st->exists ? st->commits : 0;

	/* store_tpm_index=0: the store is not to use a TPM. */
	ret = index ? cld_tpm_anchor_open(index, &a->tpm) : -ENODEV;
	if (ret == -ENODEV) {
		if (st->exists && st->anchored && !reset) {
			pr_err("clonedev: store refused: it is anchored to TPM NV index 0x%08x and this host has no TPM 2.0 (or store_tpm_index=0)\n",
			       st->index);
			*why = "the store is anchored to a TPM and this host has none";
			ret = -ESTALE;
			goto err;
		}
		if (st->exists && st->anchored) {
			pr_warn("clonedev: store_tpm_reset: the store drops its TPM anchor (no TPM 2.0 here)\n");
			a->pending = true;	/* rec: not anchored */
		}
		goto done;
	}
	if (ret) {
		*why = "store_tpm_index is not a TPM NV index";
		goto err;
	}

	ret = cld_tpm_anchor_read(a->tpm, &value, &defined);
	if (ret) {
		*why = ret == -EEXIST ?
		       "the TPM NV index for the store's anchor holds something else" :
		       "the TPM failed to read the store's anchor counter";
		goto err;
	}
	/* A counter defined but never incremented anchors nothing yet. */
	if (reset) {
		pr_warn("clonedev: store_tpm_reset: the store is accepted as found and anchored again\n");
		ret = anchor_new(a, index, a->commits, why);
	} else if (!st->exists && value) {
		pr_err("clonedev: store refused: its file is missing, but TPM NV index 0x%08x (counter %llu) shows that a store existed\n",
		       index, value);
		*why = "the store's file is missing, but its TPM anchor shows that a store existed";
		ret = -ESTALE;
	} else if (!st->exists || !st->anchored) {
		if (value) {
			pr_err("clonedev: store refused: it is not anchored, but TPM NV index 0x%08x (counter %llu) anchors a newer store\n",
			       index, value);
			*why = "the store is older than its TPM anchor (an unanchored copy)";
			ret = -ESTALE;
		} else {
			ret = anchor_new(a, index, a->commits, why);
		}
	} else if (st->index != index) {
		pr_err("clonedev: store refused: it is anchored to TPM NV index 0x%08x, store_tpm_index is 0x%08x\n",
		       st->index, index);
		*why = "the store is anchored to another TPM NV index than store_tpm_index";
		ret = -ESTALE;
	} else if (!value) {
		pr_err("clonedev: store refused: its TPM anchor (NV index 0x%08x) is gone; the TPM was cleared or the index deleted\n",
		       index);
		*why = "the store's TPM anchor is gone (TPM cleared or index deleted)";
		ret = -ESTALE;
	} else {
		a->anchored = true;
		a->base = st->base;
		ret = anchor_check(a, value, why);
	}
	if (ret)
		goto err;
done:
	*out = a;
	return 0;
err:
	cld_tpm_anchor_close(a->tpm);
	kfree(a);
	return ret;
}

/**
 * cld_anchor_pending() - the anchor the next commit must record
 * @a: the anchor
 * @rec: the anchor to record, when there is one
 *
 * Return: true if the store must put @rec into its next commit (it anchors
 * or re-anchors the store, or drops its anchor).
 */
bool cld_anchor_pending(const struct cld_anchor *a,
			struct cld_anchor_record *rec)
{
	if (a->pending)
		*rec = a->rec;
	return a->pending;
}

/**
 * cld_anchor_prepare() - before a commit is written
 * @a: the anchor
 * @why: on failure, a sentence for the extended ack
 *
 * Retries an increment that failed after the last commit, so the store is
 * never more than one commit ahead of its counter.
 *
 * Return: 0, -EIO if the counter still cannot be brought up to date,
 * -ESTALE if it moved under the store (the commit must not be written).
 */
int cld_anchor_prepare(struct cld_anchor *a, const char **why)
{
	u64 value;
	int ret;

	if (a->broken) {
		*why = "the store's TPM counter was changed by someone else";
		return -ESTALE;
	}
	if (!a->lag)
		return 0;
	ret = cld_tpm_anchor_increment(a->tpm, &value);
	if (ret) {
		*why = "the TPM failed to increment the store's anchor counter";
		return ret;
	}
	a->lag = false;
	if (value != a->base + a->commits) {
		a->broken = true;
		pr_err("clonedev: store's TPM counter is %llu, expected %llu\n",
		       value, a->base + a->commits);
		*why = "the store's TPM counter was changed by someone else";
		return -ESTALE;
	}
	return 0;
}

/**
 * cld_anchor_committed() - after a commit is durable (after its fsync)
 * @a: the anchor
 * @commits: that commit's count
 *
 * Takes the recorded anchor (if the commit carried one) and increments the
 * counter to base + @commits.
 *
 * Return: 0; -EIO if the increment failed (the commit stands, the next
 * cld_anchor_prepare() retries); -ESTALE if the counter moved under the
 * store (later commits are refused).
 */
int cld_anchor_committed(struct cld_anchor *a, u64 commits)
{
	u64 value;
	int ret;

	a->commits = commits;
	if (a->pending) {
		a->pending = false;
		a->anchored = a->rec.anchored;
		a->base = a->rec.base;
	}
	if (!a->anchored || !a->tpm)
		return 0;
	ret = cld_tpm_anchor_increment(a->tpm, &value);
	if (ret) {
		a->lag = true;
		pr_err("clonedev: commit %llu is durable but its TPM counter increment failed (%d); the next commit retries\n",
		       commits, ret);
		return ret;
	}
	if (value != a->base + commits) {
		a->broken = true;
		pr_err("clonedev: store's TPM counter is %llu after commit %llu, expected %llu; refusing further commits\n",
		       value, commits, a->base + commits);
		return -ESTALE;
	}
	return 0;
}

/**
 * cld_anchor_close() - release the anchor
 * @a: the anchor, or NULL
 */
void cld_anchor_close(struct cld_anchor *a)
{
	if (!a)
		return;
	cld_tpm_anchor_close(a->tpm);
	kfree(a);
}
