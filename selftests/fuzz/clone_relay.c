// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the framing of the clone relay (tools/lib/clone.c),
 * each message a 4-byte big-endian length and its bytes, as
 * "clonectl partition clone -to-pipe" and "clone serve" read it:
 * clonedev_msg_read() takes messages from the input until it fails. Each
 * message it returns must fit CLONEDEV_CLONE_MSG_MAX and consume exactly
 * its length and header; the end of the input must be -EPIPE, an
 * oversized length -EMSGSIZE. Every message read is written back with
 * clonedev_msg_write() and must come out as it went in.
 */
#include <errno.h>
#include <string.h>

#include "libclonedev.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static unsigned char msg[CLONEDEV_CLONE_MSG_MAX];
	static unsigned char back[4 + CLONEDEV_CLONE_MSG_MAX];
	size_t off = 0;
	unsigned int len;
	int fd, out, ret;

	fd = fuzz_memfd(data, size);
	if (fd < 0)
		return 0;
	out = memfd_create("fuzz-out", MFD_CLOEXEC);
	if (out < 0) {
		close(fd);
		return 0;
	}
	for (;;) {
		len = ~0U;
		ret = clonedev_msg_read(fd, msg, &len);
		if (ret)
			break;
		FUZZ_CHECK(len <= CLONEDEV_CLONE_MSG_MAX);
		FUZZ_CHECK(off + 4 + len <= size);
		FUZZ_CHECK(!memcmp(msg, data + off + 4, len));
		FUZZ_CHECK(lseek(fd, 0, SEEK_CUR) == (off_t)(off + 4 + len));
		/* The relay's other half frames it again. */
		FUZZ_CHECK(!ftruncate(out, 0) && !lseek(out, 0, SEEK_SET));
		FUZZ_CHECK(!clonedev_msg_write(out, msg, len));
		FUZZ_CHECK(pread(out, back, 4 + len, 0) == (ssize_t)(4 + len));
		FUZZ_CHECK(!memcmp(back, data + off, 4 + len));
		off += 4 + len;
	}
	if (ret == -EMSGSIZE) {
		FUZZ_CHECK(off + 4 <= size);
		FUZZ_CHECK(((unsigned int)data[off] << 24 | data[off + 1] << 16 |
			    data[off + 2] << 8 | data[off + 3]) >
			   CLONEDEV_CLONE_MSG_MAX);
	} else {
		/* The input ended: nowhere near a whole frame was left. */
		FUZZ_CHECK(ret == -EPIPE);
	}
	close(out);
	close(fd);
	return 0;
}
