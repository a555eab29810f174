// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the HA group file (docs/ha.md, "The group file"),
 * which two readers take: the library's (tools/lib/ha.c), through
 * clonedev_ha_groups() on the input as a file, every group read as
 * clonedev_ha_open() reads it, and the hagroup commands' own
 * (tools/clonectl/cmd_hagroup.c), through cli_hagroup_read(). What the
 * library accepts must hold the format's rules: labels of at most
 * CLONEDEV_HA_LABEL_MAX characters, at most CLONEDEV_HA_MEMBERS_MAX
 * members a group, slots from 1, none twice in a group; a refusal must be
 * -EBADMSG (or -ENOMEM) and return no groups. A file clonectl (which
 * writes these files) accepts, the library must read as the same groups.
 */
#include <errno.h>
#include <string.h>

#include "commands.h"
#include "fuzz.h"

/* clonectl's reading @c of @nc groups against the library's, @g of @n. */
static void same_groups(const struct clonedev_ha_group *c, int nc,
			const struct clonedev_ha_group *g, int n)
{
	unsigned int i;
	int x;

	FUZZ_CHECK(n == nc);
	for (x = 0; x < n; x++) {
		FUZZ_CHECK(!strcmp(c[x].label, g[x].label));
		FUZZ_CHECK(c[x].n == g[x].n);
		for (i = 0; i < g[x].n; i++)
			FUZZ_CHECK(c[x].m[i].slot == g[x].m[i].slot &&
				   c[x].m[i].serial == g[x].m[i].serial &&
				   c[x].m[i].standby == g[x].m[i].standby);
	}
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct clonedev_ha_group *g = (void *)1, *c;
	unsigned int i, k;
	char path[64];
	int fd, n, nc, x;

	/* The file is read once a group: keep the inputs small. */
	if (size > 4096)
		return 0;
	fd = fuzz_memfd(data, size);
	if (fd < 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = clonedev_ha_groups(path, &g);
	nc = cli_hagroup_read(path, &c);
	close(fd);
	FUZZ_CHECK(nc >= 0 || nc == -EBADMSG || nc == -ENOMEM);
	if (nc >= 0) {
		FUZZ_CHECK(n >= 0);
		same_groups(c, nc, g, n);
	}
	free(c);
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
