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
