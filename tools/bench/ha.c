// SPDX-License-Identifier: GPL-2.0
/*
 * clonedev-bench-ha: the HA figures of make bench, measured in the VM
 * (tools/scripts/bench starts it). For each size N it makes two
 * partitions in one domain, groups them with 'clonectl hagroup
 * creategroup' (docs/ha.md), generates N AES-256 keys on the first, and
 * times 'clonectl hagroup synchronize', which clones all of them to the
 * second. Then it counts AES-256-GCM encryptions of 64 bytes per second
 * through the group's virtual slot (clonedev_ha_encrypt(), spread over
 * both members) and through the first partition alone (clonedev_encrypt()),
 * each for CLONEDEV_BENCH_HA_SECONDS (default 2) seconds, from one thread.
 * Prints one JSON object per line.
 *
 * Usage: clonedev-bench-ha N...
 */
#include <stdbool.h>
#include <unistd.h>

#include "bench.h"

#define GROUP_FILE	"/tmp/bench-hagroups.conf"

static void sh(const char *cmd)
{
	if (system(cmd))
		bench_die(cmd, EIO);
}

static double seconds(void)
{
	const char *s = getenv("CLONEDEV_BENCH_HA_SECONDS");
	double v = s ? strtod(s, NULL) : 0;

	return v > 0 ? v : 2;
}

/*
 * AES-256-GCM encryptions of 64 bytes per second for @secs seconds,
 * through @ha (the key @ouid) if it is not NULL, else through @cd (the key
 * @handle).
 */
static double ops_per_s(struct clonedev_ha *ha, const unsigned char *ouid,
			struct clonedev *cd, unsigned int handle, double secs)
{
	unsigned char msg[64] = { 0 }, out[64 + 16];
	double t0 = bench_now(), t;
	unsigned long ops = 0;
	size_t len;

	do {
		struct clonedev_crypt_params p = {
			.mech = CLONEDEV_MECH_AES_GCM,
			.flags = CLONEDEV_CRYPT_GEN_IV,
			.iv_len = 12,
			.tag_len = 16,
		};
		int ret;

		ret = ha ? clonedev_ha_encrypt(ha, ouid, &p, msg, sizeof(msg),
					       out, sizeof(out), &len) :
			   clonedev_encrypt(cd, handle, &p, msg, sizeof(msg),
					    out, sizeof(out), &len);
		if (ret)
			bench_die("encrypting", ret);
		ops++;
		t = bench_now();
	} while (t - t0 < secs);
	return ops / (t - t0);
}

static void measure(struct clonedev_nl *nl, unsigned int n)
{
	unsigned char ouid[CLONEDEV_OUID_LEN];
	double t0, sync_s, ha_ops, single_ops;
	struct clonedev *a, *b;
	struct clonedev_ha *ha;
	unsigned int slot[2], handle;
	char cmd[256];
	int k, ret;

	a = bench_partition(nl, "bench-ha-a", CLONEDEV_PTYPE_APPLICATION,
			    &slot[0], NULL);
	b = bench_partition(nl, "bench-ha-b", CLONEDEV_PTYPE_APPLICATION,
			    &slot[1], NULL);
	unlink(GROUP_FILE);
	snprintf(cmd, sizeof(cmd),
		 "clonectl hagroup creategroup -label bench -slots %u,%u -password %s >/dev/null",
		 slot[0], slot[1], BENCH_CO);
	sh(cmd);
	bench_keys(a, n);

	t0 = bench_now();
	sh("clonectl hagroup synchronize -group bench -password " BENCH_CO
	   " >/dev/null");
	sync_s = bench_now() - t0;

	ret = clonedev_ha_open(&ha, GROUP_FILE, "bench", BENCH_CO) ?:
	      clonedev_ha_generate(ha, CLONEDEV_KEY_AES, 256, 0, "bench-op",
				   NULL, 0, ouid) ?:
	      clonedev_object_generate(a, CLONEDEV_KEY_AES, 256, 0, "bench-op",
				       NULL, 0, &handle);
	if (ret)
		bench_die("setting up the operations", ret);
	ha_ops = ops_per_s(ha, ouid, NULL, 0, seconds());
	single_ops = ops_per_s(NULL, NULL, a, handle, seconds());
	clonedev_ha_close(ha);

	printf("{\"objects\":%u,\"members\":2,\"sync_s\":%.3f,\"sync_per_s\":%.1f,\"ha_gcm64_per_s\":%.1f,\"single_gcm64_per_s\":%.1f}\n",
	       n, sync_s, n / sync_s, ha_ops, single_ops);
	fflush(stdout);

	sh("clonectl hagroup deletegroup -label bench >/dev/null");
	clonedev_close(a);
	clonedev_close(b);
	for (k = 0; k < 2; k++) {
		ret = clonedev_nl_partition_delete(nl, slot[k]);
		if (ret)
			bench_die("deleting a partition", ret);
	}
}

int main(int argc, char **argv)
{
	setenv("CLONEDEV_HAGROUP_FILE", GROUP_FILE, 1);
	return bench_sizes(argc, argv, measure);
}
