// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: share files (tools/lib/sharefile.c), through
 * clonedev_sharefile_read() on the input as a file. A file it accepts
 * must hold what the format allows: a known kind, 1 <= m <= n <=
 * CLONEDEV_QUORUM_MAX, an index 1..n, NUL-terminated labels; a file it
 * refuses must leave nothing behind.
 */
#include <errno.h>
#include <string.h>

#include "libclonedev.h"
#include "fuzz.h"

static const char *const kinds[] = { "po", "co", "cu", "domain", "rpv" };

static bool all_zero(const void *p, size_t len)
{
	const unsigned char *b = p;

	while (len--)
		if (*b++)
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct clonedev_sharefile sf;
	char path[64];
	bool known = false;
	unsigned int i;
	int fd, ret;

	fd = fuzz_memfd(data, size);
	if (fd < 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	memset(&sf, 0xa5, sizeof(sf));
	ret = clonedev_sharefile_read(path, &sf);
	close(fd);
	if (ret) {
		FUZZ_CHECK(ret == -EBADMSG);
		FUZZ_CHECK(all_zero(&sf, sizeof(sf)));
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		known |= !strcmp(sf.kind, kinds[i]);
	FUZZ_CHECK(known);
	FUZZ_CHECK(sf.m >= 1 && sf.m <= sf.n && sf.n <= CLONEDEV_QUORUM_MAX);
	FUZZ_CHECK(sf.share.index >= 1 && sf.share.index <= sf.n);
	FUZZ_CHECK(memchr(sf.partition, 0, sizeof(sf.partition)));
	FUZZ_CHECK(memchr(sf.domain_label, 0, sizeof(sf.domain_label)));
	if (strcmp(sf.kind, "domain"))
		FUZZ_CHECK(!sf.domain_label[0]);
	return 0;
}
