// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the HA group file (docs/ha.md, "The group file") as
 * libclonedev reads it (tools/lib/ha.c), through clonedev_ha_groups() on
 * the input as a file: every group, each read as clonedev_ha_open()
 * reads it, without a kernel. What it accepts must hold the format's
 * rules: labels of at most CLONEDEV_HA_LABEL_MAX characters, at most
 * CLONEDEV_HA_MEMBERS_MAX members a group, slots from 1, none twice in a
 * group; a refusal must be -EBADMSG (or -ENOMEM) and return no groups.
 */
#include <errno.h>
#include <string.h>

#include "libclonedev.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct clonedev_ha_group *g = (void *)1;
	unsigned int i, k;
	char path[64];
	int fd, n, x;

	/* The file is read once a group: keep the inputs small. */
	if (size > 4096)
		return 0;
	fd = fuzz_memfd(data, size);
	if (fd < 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = clonedev_ha_groups(path, &g);
	close(fd);
	if (n < 0) {
		FUZZ_CHECK(n == -EBADMSG || n == -ENOMEM || n == -ENOENT);
		FUZZ_CHECK(!g);
		return 0;
	}
	FUZZ_CHECK(n == 0 || g);
	for (x = 0; x < n; x++) {
		FUZZ_CHECK(g[x].label[0] &&
			   strlen(g[x].label) <= CLONEDEV_HA_LABEL_MAX);
		FUZZ_CHECK(g[x].n <= CLONEDEV_HA_MEMBERS_MAX);
		for (i = 0; i < g[x].n; i++) {
			FUZZ_CHECK(g[x].m[i].slot);
			for (k = 0; k < i; k++)
				FUZZ_CHECK(g[x].m[k].slot != g[x].m[i].slot);
		}
	}
	free(g);
	return 0;
}
