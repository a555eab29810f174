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
 * with p384-aes256gcm). Then it writes an archive file of the first
 * partition (partition archive backup -file, docs/archive-format.md) to
 * the store's disk, synced, and restores it into another empty partition,
 * which stores it in one batch. Prints one JSON object per line, objects
 * per second for each.
 *
 * Usage: clonedev-bench-backup N...
 */
#include <fcntl.h>
#include <stdbool.h>
#include <unistd.h>

#include "bench.h"

/* Where the archive file goes: the store's disk, as an operator's would. */
#define ARCHIVE_FILE	"/var/lib/clonedev/bench.archive"

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

/*
 * Writes an archive of every object of @cd to ARCHIVE_FILE (synced) or,
 * with @restore, restores it into @cd; returns the seconds it took. Every
 * one of the @n must be written, or copied.
 */
static double timed_file(struct clonedev *cd, bool restore, unsigned int n)
{
	struct clonedev_archive_result res;
	double t0, t1;
	int fd, ret;

	t0 = bench_now();
	fd = restore ? open(ARCHIVE_FILE, O_RDONLY | O_CLOEXEC) :
		       open(ARCHIVE_FILE, O_WRONLY | O_CREAT | O_TRUNC |
			    O_CLOEXEC, 0600);
	if (fd < 0)
		bench_die(ARCHIVE_FILE, errno);
	ret = restore ? clonedev_archive_restore(cd, fd, NULL, 0, &res) :
			clonedev_archive_backup(cd, NULL, 0, NULL, fd, &res);
	if (!ret && !restore && fsync(fd))
		ret = -errno;
	close(fd);
	t1 = bench_now();
	if (ret || (restore ? res.copied : res.objects) != n) {
		fprintf(stderr, "clonedev-bench-backup: archive file %s: %d, %u of %u\n",
			restore ? "restore" : "backup", ret,
			restore ? res.copied : res.objects, n);
		exit(1);
	}
	return t1 - t0;
}

static void measure(struct clonedev_nl *nl, unsigned int n)
{
	double backup, restore, replace, fbackup, frestore;
	struct clonedev *app, *bak, *fresh, *filed;
	unsigned int slot[4];
	int k;

	app = bench_partition(nl, "bench-app", CLONEDEV_PTYPE_APPLICATION,
			      &slot[0], NULL);
	bak = bench_partition(nl, "bench-backup", CLONEDEV_PTYPE_BACKUP,
			      &slot[1], NULL);
	fresh = bench_partition(nl, "bench-restored",
				CLONEDEV_PTYPE_APPLICATION, &slot[2], NULL);
	filed = bench_partition(nl, "bench-from-file",
				CLONEDEV_PTYPE_APPLICATION, &slot[3], NULL);
	bench_keys(app, n);

	backup = timed_clone("backup", app, bak, 0, n);
	restore = timed_clone("restore", bak, fresh, 0, n);
	replace = timed_clone("restore -replace", bak, app,
			      CLONEDEV_CLONE_REPLACE, n);
	fbackup = timed_file(app, false, n);
	frestore = timed_file(filed, true, n);
	unlink(ARCHIVE_FILE);
	printf("{\"objects\":%u,\"backup_s\":%.3f,\"backup_per_s\":%.1f,\"restore_s\":%.3f,\"restore_per_s\":%.1f,\"restore_replace_s\":%.3f,\"restore_replace_per_s\":%.1f,\"file_backup_s\":%.3f,\"file_backup_per_s\":%.1f,\"file_restore_s\":%.3f,\"file_restore_per_s\":%.1f}\n",
	       n, backup, n / backup, restore, n / restore, replace,
	       n / replace, fbackup, n / fbackup, frestore, n / frestore);
	fflush(stdout);

	clonedev_close(app);
	clonedev_close(bak);
	clonedev_close(fresh);
	clonedev_close(filed);
	for (k = 0; k < 4; k++) {
		int ret = clonedev_nl_partition_delete(nl, slot[k]);

		if (ret)
			bench_die("deleting a partition", ret);
	}
}

int main(int argc, char **argv)
{
	return bench_sizes(argc, argv, measure);
}
