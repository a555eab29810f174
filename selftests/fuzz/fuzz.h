/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the libFuzzer targets of selftests/fuzz share: the input as a file
 * (a memfd, for parsers that read a path or a file descriptor) and a
 * check that stops the run when a parser broke its own contract.
 */
#ifndef CLONEDEV_FUZZ_H
#define CLONEDEV_FUZZ_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
/* What the library's ioctl() calls, in a fuzzer linked with --wrap=ioctl. */
int __wrap_ioctl(int fd, unsigned long req, ...);

/* Aborts (a crash libFuzzer keeps) when @cond is false. */
#define FUZZ_CHECK(cond)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: %s does not hold\n",	\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

/* A file holding @size bytes at @data, its offset at 0; -1 on failure. */
static inline int fuzz_memfd(const unsigned char *data, size_t size)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);
	size_t done = 0;

	if (fd < 0)
		return -1;
	while (done < size) {
		ssize_t n = write(fd, data + done, size - done);

		if (n <= 0) {
			close(fd);
			return -1;
		}
		done += (size_t)n;
	}
	if (lseek(fd, 0, SEEK_SET)) {
		close(fd);
		return -1;
	}
	return fd;
}

#endif /* CLONEDEV_FUZZ_H */
