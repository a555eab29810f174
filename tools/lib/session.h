/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libclonedev internals: the session handle, shared by session.c (the
 * handle and the plain ioctl wrappers) and crypto.c (key use), and the
 * archive file's record reader (archive.c), which the fuzzers call. Not
 * installed.
 */
#ifndef LIBCLONEDEV_SESSION_H
#define LIBCLONEDEV_SESSION_H

#include <pthread.h>

#include "libclonedev.h"

#define CDEV_HIDDEN __attribute__((visibility("hidden")))

struct clonedev {
	int fd;
	pthread_mutex_t lock;	/* serialises requests on @fd; protects @op */
	/*
	 * The multi-part operation (enum clonedev_crypt_op) the library
	 * started on @fd and has not ended, or 0. The kernel keeps one per
	 * session; a one-shot call or another init would end it.
	 */
	unsigned int op;
};

/* ioctl(@cd->fd) as 0 or -errno. Must hold @cd->lock. */
CDEV_HIDDEN int cdev_ioctl_locked(struct clonedev *cd, unsigned long cmd,
				  void *arg);

/* The same, taking and dropping @cd->lock around it. */
CDEV_HIDDEN int cdev_ioctl(struct clonedev *cd, unsigned long cmd, void *arg);

/*
 * archive.c: the next record of an archive file at @fd into @buf
 * (CLONEDEV_ARCHIVE_RECORD_MAX bytes), its 4-byte big-endian length
 * included; its length into *@len. Return: 0; -EBADMSG for a record
 * longer than a record may be or a file that ends inside one, or the
 * read's -errno. selftests/fuzz/archive.c fuzzes it.
 */
CDEV_HIDDEN int cdev_archive_read_record(int fd, unsigned char *buf,
					 unsigned int *len);

#endif /* LIBCLONEDEV_SESSION_H */
