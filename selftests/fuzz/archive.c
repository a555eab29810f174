// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the archive file's framing (docs/archive-format.md)
 * as clonedev_archive_restore() reads it (tools/lib/archive.c): the
 * header of CLONEDEV_ARCHIVE_HEADER_LEN bytes, then records of a 4-byte
 * big-endian length and its bytes, read by cdev_archive_read_record()
 * until it fails. The kernel checks what is inside them; here each record
 * must stay within CLONEDEV_ARCHIVE_RECORD_MAX, carry its own length,
 * match the input byte for byte, and the end of the input be -EBADMSG.
 */
#include <errno.h>
#include <string.h>

#include "session.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static unsigned char buf[CLONEDEV_ARCHIVE_RECORD_MAX];
	size_t off = CLONEDEV_ARCHIVE_HEADER_LEN;
	unsigned int len;
	int fd, ret;

	if (size < CLONEDEV_ARCHIVE_HEADER_LEN)
		return 0;
	fd = fuzz_memfd(data, size);
	if (fd < 0)
		return 0;
	if (lseek(fd, CLONEDEV_ARCHIVE_HEADER_LEN, SEEK_SET) !=
	    CLONEDEV_ARCHIVE_HEADER_LEN) {
		close(fd);
		return 0;
	}
	for (;;) {
		len = ~0U;
		ret = cdev_archive_read_record(fd, buf, &len);
		if (ret)
			break;
		FUZZ_CHECK(len >= 4 && len <= CLONEDEV_ARCHIVE_RECORD_MAX);
		FUZZ_CHECK(off + len <= size);
		FUZZ_CHECK(!memcmp(buf, data + off, len));
		FUZZ_CHECK(((unsigned int)buf[0] << 24 | buf[1] << 16 |
			    buf[2] << 8 | buf[3]) + 4 == len);
		off += len;
	}
	FUZZ_CHECK(ret == -EBADMSG);
	close(fd);
	return 0;
}
