// SPDX-License-Identifier: GPL-2.0
/*
 * clonedev-bench-clone: the cloning figures of make bench, measured in the
 * VM (tools/scripts/bench starts it). For each size N it generates N
 * AES-256 keys on a source partition, then for each protocol (CPv4 with
 * each suite, CPv3, CPv1) clones all of them to a fresh target partition
 * through libclonedev's relay, durable on the target before each result
 * (CPv4: one commit for each window's flight of objects; CPv3 and CPv1:
 * one for each object), and reports the objects per second. Prints one
 * JSON object per line, with "store" set to the name given by --store
 * (default "disk"): make bench runs it once with the store on an ext4
 * disk and once with the store on tmpfs, where an fsync costs nothing,
 * so that the cost of durability shows as the ratio of the two.
 *
 * Usage: clonedev-bench-clone [--store NAME] N...
 * Environment: CLONEDEV_BENCH_CLONE_ONLY, a comma-separated list of the
 * protocols to measure, named as printed (default: all).
 */
#include <getopt.h>

#include "bench.h"

#define PO	"bench-po"
#define CO	"bench-co"
#define DOMAIN	"bench-domain"
#define BATCH	10000
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct config {
	const char *name;
	unsigned int protocol;
	unsigned int suite;
};

static const struct config configs[] = {
	{ "CPv4 p384-aes256gcm", CLONEDEV_PROTO_CPV4,
	  CLONEDEV_SUITE_P384_AES256GCM },
	{ "CPv4 p256-aes256gcm", CLONEDEV_PROTO_CPV4,
	  CLONEDEV_SUITE_P256_AES256GCM },
	{ "CPv4 x25519-chacha20poly1305", CLONEDEV_PROTO_CPV4,
	  CLONEDEV_SUITE_X25519_CHACHA20POLY1305 },
	{ "CPv3", CLONEDEV_PROTO_CPV3, 0 },
	{ "CPv1", CLONEDEV_PROTO_CPV1, 0 },
};

/* A new initialized partition, a co session on it. */
static struct clonedev *new_partition(struct clonedev_nl *nl,
				      const char *label, unsigned int *slot)
{
	struct clonedev_slot s;
	struct clonedev *cd;
	int ret;

	ret = clonedev_nl_partition_create(nl, label, 0, 0, 0, &s);
	if (!ret)
		ret = clonedev_open(&cd);
	if (!ret)
		ret = clonedev_slot_set(cd, s.slot) ?:
		      clonedev_partition_init(cd, NULL, PO, DOMAIN, "bench") ?:
		      clonedev_login(cd, CLONEDEV_ROLE_PO, PO) ?:
		      clonedev_role_init(cd, CLONEDEV_ROLE_CO, CO);
	if (ret)
		bench_die("setting up a partition", ret);
	*slot = s.slot;
	return cd;
}

/* Makes the target side choose @c: its suites, or policy 42 for CPv1. */
static void steer(struct clonedev *t, const struct config *c)
{
	struct clonedev_policy_change cpv1 = { CLONEDEV_POLICY_CPV1, 1 };
	struct clonedev_suites s;
	int ret;

	if (c->protocol == CLONEDEV_PROTO_CPV1)
		ret = clonedev_policy_set(t, &cpv1, 1, 1);
	else
		ret = clonedev_suites(t, 0, CLONEDEV_SUITES_ALL & ~c->suite,
				      &s);
	if (!ret)
		ret = clonedev_login(t, CLONEDEV_ROLE_CO, CO);
	if (ret)
		bench_die("preparing the target", ret);
}

static const char *store_name = "disk";

/* Whether CLONEDEV_BENCH_CLONE_ONLY (if set) names @name. */
static int wanted(const char *name)
{
	const char *only = getenv("CLONEDEV_BENCH_CLONE_ONLY");
	size_t len = strlen(name);
	const char *p;

	if (!only || !*only)
		return 1;
	for (p = only; p; p = strchr(p, ','), p = p ? p + 1 : NULL)
		if (!strncmp(p, name, len) && (p[len] == ',' || !p[len]))
			return 1;
	return 0;
}

static void measure(struct clonedev_nl *nl, unsigned int n)
{
	unsigned int *h = calloc(BATCH, sizeof(*h)), src_slot, i, done;
	struct clonedev *src;
	size_t k;
	int ret;

	if (!h)
		bench_die("memory", ENOMEM);
	src = new_partition(nl, "bench-source", &src_slot);
	ret = clonedev_login(src, CLONEDEV_ROLE_CO, CO);
	for (done = 0; !ret && done < n; done += i) {
		i = n - done < BATCH ? n - done : BATCH;
		ret = clonedev_object_generate_bulk(src, CLONEDEV_KEY_AES, 256,
						    0, "bench", i, h);
	}
	if (ret)
		bench_die("generating the keys", ret);
	free(h);
	for (k = 0; k < ARRAY_SIZE(configs); k++) {
		const struct config *c = &configs[k];
		struct clonedev_clone res;
		unsigned int slot;
		struct clonedev *t;
		double t0, t1;

		if (!wanted(c->name))
			continue;
		t = new_partition(nl, "bench-target", &slot);

		steer(t, c);
		t0 = bench_now();
		ret = clonedev_clone(src, t, NULL, 0, NULL, &res);
		t1 = bench_now();
		if (ret || res.copied != n || res.protocol != c->protocol ||
		    res.suite != c->suite) {
			fprintf(stderr, "clonedev-bench-clone: %s: %d, %u copied, protocol %u, suite %u\n",
				c->name, ret, res.copied, res.protocol,
				res.suite);
			exit(1);
		}
		printf("{\"objects\":%u,\"protocol\":\"%s\",\"store\":\"%s\",\"clone_s\":%.3f,\"per_s\":%.1f}\n",
		       n, c->name, store_name, t1 - t0, n / (t1 - t0));
		fflush(stdout);
		clonedev_close(t);
		ret = clonedev_nl_partition_delete(nl, slot);
		if (ret)
			bench_die("deleting the target", ret);
	}
	clonedev_close(src);
	ret = clonedev_nl_partition_delete(nl, src_slot);
	if (ret)
		bench_die("deleting the source", ret);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "store", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "s:", opts, NULL)) != -1) {
		if (c != 's') {
			fprintf(stderr, "usage: clonedev-bench-clone [--store NAME] N...\n");
			return 2;
		}
		store_name = optarg;
	}
	/* bench_sizes() takes the sizes from its argv[1] on. */
	return bench_sizes(argc - optind + 1, argv + optind - 1, measure);
}
