// SPDX-License-Identifier: GPL-2.0
/*
 * clonedev-bench-backup: the backup figures of make bench, measured in the
 * VM (tools/scripts/bench starts it). For each size N it generates N
 * AES-256 keys on an application partition and, as "partition archive"
 * does (docs/backup.md), clones them all to an empty backup partition
 * (backup), from there to an empty application partition (restore), and
 * from there again to the first partition with CLONEDEV_CLONE_REPLACE
 * (restore -replace: every object replaced). Each object is stored
 * durably on the target; the protocol is the partitions' default (CPv4
 * with p384-aes256gcm). Prints one JSON object per line, objects per
 * second for each.
 *
 * Usage: clonedev-bench-backup N...
 */
#include "bench.h"

#define PO	"bench-po"
#define CO	"bench-co"
#define DOMAIN	"bench-domain"
#define BATCH	10000

/* A new initialized partition of @type, a co session on it. */
static struct clonedev *new_partition(struct clonedev_nl *nl,
				      const char *label, unsigned int type,
				      unsigned int *slot)
{
	struct clonedev_slot s;
	struct clonedev *cd;
	int ret;

	ret = clonedev_nl_partition_create(nl, label, 0, type, 0, &s);
	if (!ret)
		ret = clonedev_open(&cd);
	if (!ret)
		ret = clonedev_slot_set(cd, s.slot) ?:
		      clonedev_partition_init(cd, NULL, PO, DOMAIN, "bench") ?:
		      clonedev_login(cd, CLONEDEV_ROLE_PO, PO) ?:
		      clonedev_role_init(cd, CLONEDEV_ROLE_CO, CO) ?:
		      clonedev_login(cd, CLONEDEV_ROLE_CO, CO);
	if (ret)
		bench_die("setting up a partition", ret);
	*slot = s.slot;
	return cd;
}

/*
 * Clones every object of @src to @dst (with @flags on the target) and
 * returns the seconds it took; every one of the @n must be copied.
 */
static double timed_clone(const char *what, struct clonedev *src,
			  struct clonedev *dst, unsigned int flags,
			  unsigned int n)
{
	struct clonedev_clone_relay relay = { .target_flags = flags };
	struct clonedev_clone res;
	double t0, t1;
	int ret;

	t0 = bench_now();
	ret = clonedev_clone(src, dst, NULL, 0, &relay, &res);
	t1 = bench_now();
	if (ret || res.copied != n) {
		fprintf(stderr, "clonedev-bench-backup: %s: %d (error %u), %u of %u copied\n",
			what, ret, res.error, res.copied, n);
		exit(1);
	}
	return t1 - t0;
}

static void measure(struct clonedev_nl *nl, unsigned int n)
{
	unsigned int *h = calloc(BATCH, sizeof(*h)), slot[3], i, done;
	struct clonedev *app, *bak, *fresh;
	double backup, restore, replace;
	int k, ret = 0;

	if (!h)
		bench_die("memory", ENOMEM);
	app = new_partition(nl, "bench-app", CLONEDEV_PTYPE_APPLICATION,
			    &slot[0]);
	bak = new_partition(nl, "bench-backup", CLONEDEV_PTYPE_BACKUP,
			    &slot[1]);
	fresh = new_partition(nl, "bench-restored", CLONEDEV_PTYPE_APPLICATION,
			      &slot[2]);
	for (done = 0; !ret && done < n; done += i) {
		i = n - done < BATCH ? n - done : BATCH;
		ret = clonedev_object_generate_bulk(app, CLONEDEV_KEY_AES, 256,
						    0, "bench", i, h);
	}
	if (ret)
		bench_die("generating the keys", ret);
	free(h);

	backup = timed_clone("backup", app, bak, 0, n);
	restore = timed_clone("restore", bak, fresh, 0, n);
	replace = timed_clone("restore -replace", bak, app,
			      CLONEDEV_CLONE_REPLACE, n);
	printf("{\"objects\":%u,\"backup_s\":%.3f,\"backup_per_s\":%.1f,\"restore_s\":%.3f,\"restore_per_s\":%.1f,\"restore_replace_s\":%.3f,\"restore_replace_per_s\":%.1f}\n",
	       n, backup, n / backup, restore, n / restore, replace,
	       n / replace);
	fflush(stdout);

	clonedev_close(app);
	clonedev_close(bak);
	clonedev_close(fresh);
	for (k = 0; k < 3; k++) {
		ret = clonedev_nl_partition_delete(nl, slot[k]);
		if (ret)
			bench_die("deleting a partition", ret);
	}
}

int main(int argc, char **argv)
{
	return bench_sizes(argc, argv, measure);
}
