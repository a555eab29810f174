/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the libclonedev bench programs share: the clock, the one-line exit
 * on a failure, and the loop over the sizes given on the command line.
 */
#ifndef CLONEDEV_BENCH_H
#define CLONEDEV_BENCH_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "libclonedev.h"

/* Seconds on the monotonic clock. */
static inline double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* "PROGRAM: WHAT: the error's text", and exit status 1. */
static inline void bench_die(const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, what,
		strerror(err < 0 ? -err : err));
	exit(1);
}

/* The credentials and domain of the partitions bench_partition() makes. */
#define BENCH_PO	"bench-po"
#define BENCH_CO	"bench-co"
#define BENCH_DOMAIN	"bench-domain"

/*
 * A new partition of @type (enum clonedev_partition_type) labelled
 * @label, initialized with the bench's po, co and domain (label "bench"),
 * its slot into *@slot (and its serial into *@serial if not NULL); a co
 * session on it.
 */
static inline struct clonedev *bench_partition(struct clonedev_nl *nl,
					       const char *label,
					       unsigned int type,
					       unsigned int *slot,
					       unsigned long long *serial)
{
	struct clonedev_slot s;
	struct clonedev *cd = NULL;
	int ret;

	ret = clonedev_nl_partition_create(nl, label, 0, type, 0, &s);
	if (!ret)
		ret = clonedev_open(&cd);
	if (!ret)
		ret = clonedev_slot_set(cd, s.slot) ?:
		      clonedev_partition_init(cd, NULL, BENCH_PO, BENCH_DOMAIN,
					      "bench") ?:
		      clonedev_login(cd, CLONEDEV_ROLE_PO, BENCH_PO) ?:
		      clonedev_role_init(cd, CLONEDEV_ROLE_CO, BENCH_CO) ?:
		      clonedev_login(cd, CLONEDEV_ROLE_CO, BENCH_CO);
	if (ret)
		bench_die("setting up a partition", ret);
	*slot = s.slot;
	if (serial)
		*serial = s.serial;
	return cd;
}

/* @n AES-256 keys labelled "bench" on @cd, in batches. */
static inline void bench_keys(struct clonedev *cd, unsigned int n)
{
	unsigned int batch = 10000, done, i;
	unsigned int *h = calloc(batch, sizeof(*h));
	int ret = 0;

	if (!h)
		bench_die("memory", ENOMEM);
	for (done = 0; !ret && done < n; done += i) {
		i = n - done < batch ? n - done : batch;
		ret = clonedev_object_generate_bulk(cd, CLONEDEV_KEY_AES, 256,
						    0, "bench", i, h);
	}
	free(h);
	if (ret)
		bench_die("generating the keys", ret);
}

/*
 * main() of a program taking sizes N...: @measure runs once per size, with
 * the netlink handle it makes partitions through. Return: main's status.
 */
static inline int bench_sizes(int argc, char **argv,
			      void (*measure)(struct clonedev_nl *nl,
					      unsigned int n))
{
	struct clonedev_nl *nl;
	int i, ret;

	if (argc < 2) {
		fprintf(stderr, "usage: %s N...\n", program_invocation_short_name);
		return 2;
	}
	ret = clonedev_nl_open(&nl);
	if (ret)
		bench_die("netlink", ret);
	for (i = 1; i < argc; i++)
		measure(nl, (unsigned int)strtoul(argv[i], NULL, 10));
	clonedev_nl_close(nl);
	return 0;
}

#endif
