/* SPDX-License-Identifier: GPL-2.0 */
/*
 * clonectl: what "partition clone" (cmd_clone.c) and "partition archive"
 * (cmd_archive.c) share: the -objects list, the second session on the
 * other slot, a local clone with its status lines, and its verdict.
 */
#ifndef CLONECTL_CLONE_H
#define CLONECTL_CLONE_H

#include <stdbool.h>

#include "cli.h"

/* One object's fate, as the source reported it. */
struct cli_clone_outcome {
	unsigned int handle, status, target;
};

/* A clone in progress: status lines as results arrive, kept for JSON. */
struct cli_clone_run {
	struct cli *cli;
	bool progress;			/* a person is watching */
	struct cli_clone_outcome *done;	/* every result, free() it */
	unsigned int n_done;
	bool lost;			/* out of memory: @done is not whole */
	/* What "partition archive" did besides: "removed", "replaced". */
	const char *removed_what;
	unsigned int removed;
	unsigned int target_flags;	/* CLONEDEV_CLONE_REPLACE or 0 */
};

int cli_clone_parse_objects(const char *s, unsigned int **handles,
			    unsigned int *count);
/*
 * A new session on @slot with its co logged in from -password,
 * -sharefiles or -sharedir (or the one "ped connect" keeps, *kept);
 * @who names the partition in prompts and errors ("target").
 * Return: 0, or -1 with the error said.
 */
int cli_clone_target(struct cli *cli, const struct command *cmd,
		     const struct cmd_args *args, unsigned int slot,
		     const char *who, struct clonedev **out, bool *kept);
/*
 * Clones @count objects (@handles; all with 0) from @src to @dst, each
 * result printed (or kept for JSON) as it arrives; the target starts
 * with @run->target_flags. Return: 0 when the clone finished (*res has
 * the counts), or -1 with the error said.
 */
int cli_clone_local(struct cli_clone_run *run, struct clonedev *src,
		    unsigned int src_slot, struct clonedev *dst,
		    unsigned int dst_slot, const unsigned int *handles,
		    unsigned int count, struct clonedev_clone *res);
/* The closing line (or the JSON document) of a clone. */
void cli_clone_verdict(struct cli *cli, const struct cli_clone_run *r,
		       const struct clonedev_clone *res);

#endif /* CLONECTL_CLONE_H */
