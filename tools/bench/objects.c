// SPDX-License-Identifier: GPL-2.0
/*
 * clonedev-bench-objects: the object figures of make bench, measured in
 * the VM (tools/scripts/bench starts it). For each size N it starts from
 * an empty store, then measures:
 *  - the bulk create rate: N AES-256 keys generated in batches of 10,000,
 *    each batch one durable commit;
 *  - the time of one find by label and one find by id
 *    (CLONEDEV_IOCTL_OBJECT_FIND through clonedev_object_find()) of one
 *    more key, generated after the N with a label and an id of its own,
 *    the mean of FIND_REPS calls each: the indexes' cost at that size;
 *  - the time of "clonectl partition contents" (login included);
 *  - the reload time: modprobe clonedev replaying the sealed store;
 *  - kernel memory per object: the growth of slab memory with N objects
 *    loaded, divided by N + 1.
 * It also measures the one-at-a-time create rate (a commit and an fsync
 * per object) on 1,000 keys. Prints one JSON object per line.
 *
 * Usage: clonedev-bench-objects N...
 */
#include "bench.h"

#define PO	"bench-po"
#define CO	"bench-co"
#define BATCH	10000
#define FIND_REPS	2000
#define NEEDLE	"needle"

static void sh(const char *cmd)
{
	if (system(cmd))
		bench_die(cmd, EIO);
}

/* Slab memory in bytes, from /proc/meminfo. */
static long long slab_bytes(void)
{
	char line[256];
	long long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		bench_die("/proc/meminfo", errno);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Slab: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

/* An empty store and HSM, one initialized partition, a co session. */
static struct clonedev *fresh_partition(unsigned int *slot)
{
	struct clonedev_slot s;
	struct clonedev_nl *nl;
	struct clonedev *cd;
	int ret;

	sh("rmmod clonedev && rm -f /var/lib/clonedev/clonedev.log* && modprobe clonedev");
	ret = clonedev_nl_open(&nl);
	if (!ret)
		ret = clonedev_nl_partition_create(nl, "bench", 0, 0, 0, &s);
	if (ret)
		bench_die("creating the partition", ret);
	clonedev_nl_close(nl);
	*slot = s.slot;
	ret = clonedev_open(&cd);
	if (!ret)
		ret = clonedev_slot_set(cd, s.slot) ?:
		      clonedev_partition_init(cd, NULL, PO, "d", "bench") ?:
		      clonedev_login(cd, CLONEDEV_ROLE_PO, PO) ?:
		      clonedev_role_init(cd, CLONEDEV_ROLE_CO, CO) ?:
		      clonedev_login(cd, CLONEDEV_ROLE_CO, CO);
	if (ret)
		bench_die("initializing the partition", ret);
	return cd;
}

static void single_rate(void)
{
	unsigned int slot, h, i, n = 1000;
	struct clonedev *cd = fresh_partition(&slot);
	double t = bench_now();

	for (i = 0; i < n; i++) {
		int ret = clonedev_object_generate(cd, CLONEDEV_KEY_AES, 256, 0,
					       "one", NULL, 0, &h);
		if (ret)
			bench_die("generating a key", ret);
	}
	t = bench_now() - t;
	printf("{\"single_create_objects\":%u,\"single_create_per_s\":%.1f}\n",
	       n, n / t);
	clonedev_close(cd);
}

/*
 * Microseconds per find of the needle by label (@by_label) or by id, the
 * mean over FIND_REPS calls; each must find it alone.
 */
static double find_us(struct clonedev *cd, unsigned int needle, int by_label)
{
	unsigned int *h, i;
	double t = bench_now();

	for (i = 0; i < FIND_REPS; i++) {
		int ret = clonedev_object_find(cd, by_label ? NEEDLE : NULL,
					   by_label ? NULL : NEEDLE,
					   by_label ? 0 : strlen(NEEDLE), &h);
		if (ret != 1 || h[0] != needle)
			bench_die("finding the needle", ret < 0 ? ret : EIO);
		free(h);
	}
	return (bench_now() - t) / FIND_REPS * 1e6;
}

static void measure(unsigned int n)
{
	unsigned int slot, done, *h = malloc(BATCH * sizeof(*h)), *all = NULL;
	double create_s, contents_s, reload_s, label_us, id_us, t;
	unsigned int needle;
	long long slab0, slab1;
	struct clonedev *cd;
	char cmd[256];
	int ret;

	if (!h)
		bench_die("memory", ENOMEM);
	cd = fresh_partition(&slot);
	t = bench_now();
	for (done = 0; done < n; done += BATCH) {
		unsigned int k = n - done < BATCH ? n - done : BATCH;

		ret = clonedev_object_generate_bulk(cd, CLONEDEV_KEY_AES, 256, 0,
						    "bulk", k, h);
		if (ret)
			bench_die("generating keys", ret);
	}
	create_s = bench_now() - t;
	ret = clonedev_object_generate(cd, CLONEDEV_KEY_AES, 256, 0, NEEDLE,
				       NEEDLE, strlen(NEEDLE), &needle);
	if (ret)
		bench_die("generating the needle", ret);
	label_us = find_us(cd, needle, 1);
	id_us = find_us(cd, needle, 0);
	clonedev_close(cd);
	free(h);

	snprintf(cmd, sizeof(cmd),
		 "printf 'role login -slot %u -name co -password %s\\npartition contents\\n' | clonectl >/dev/null",
		 slot, CO);
	t = bench_now();
	sh(cmd);
	contents_s = bench_now() - t;

	sh("rmmod clonedev");
	sh("sync; echo 2 > /proc/sys/vm/drop_caches");
	slab0 = slab_bytes();
	t = bench_now();
	sh("modprobe clonedev");
	reload_s = bench_now() - t;
	slab1 = slab_bytes();

	ret = clonedev_open(&cd);
	if (!ret)
		ret = clonedev_slot_set(cd, slot) ?:
		      clonedev_login(cd, CLONEDEV_ROLE_CO, CO);
	if (ret)
		bench_die("logging in after the reload", ret);
	ret = clonedev_object_list(cd, &all);
	if (ret != (int)n + 1)
		bench_die("counting the objects after the reload", ret < 0 ? ret : EIO);
	free(all);
	clonedev_close(cd);
	printf("{\"objects\":%u,\"create_s\":%.3f,\"create_per_s\":%.1f,\"contents_s\":%.3f,\"reload_s\":%.3f,\"find_label_us\":%.1f,\"find_id_us\":%.1f,\"kernel_bytes_per_object\":%.1f}\n",
	       n, create_s, n / create_s, contents_s, reload_s, label_us, id_us,
	       (double)(slab1 - slab0) / (n + 1));
	fflush(stdout);
}

int main(int argc, char **argv)
{
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: clonedev-bench-objects N...\n");
		return 2;
	}
	single_rate();
	for (i = 1; i < argc; i++)
		measure((unsigned int)strtoul(argv[i], NULL, 10));
	return 0;
}
