// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libclonedev: archive files (docs/archive-format.md). The kernel makes
 * and checks every byte; this file only carries them between the file
 * and CLONEDEV_IOCTL_ARCHIVE_OPEN, _NEXT and _FINISH, one record at a
 * time, so an archive of any size needs one record's memory.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "session.h"

int clonedev_archive_open(struct clonedev *cd,
			  struct clonedev_archive_open *cmd)
{
	cmd->size = sizeof(*cmd);
	return cdev_ioctl(cd, CLONEDEV_IOCTL_ARCHIVE_OPEN, cmd);
}

int clonedev_archive_next(struct clonedev *cd,
			  struct clonedev_archive_next *cmd)
{
	cmd->size = sizeof(*cmd);
	return cdev_ioctl(cd, CLONEDEV_IOCTL_ARCHIVE_NEXT, cmd);
}

int clonedev_archive_finish(struct clonedev *cd,
			    struct clonedev_archive_finish *cmd)
{
	cmd->size = sizeof(*cmd);
	return cdev_ioctl(cd, CLONEDEV_IOCTL_ARCHIVE_FINISH, cmd);
}

static void archive_abort(struct clonedev *cd, unsigned int id)
{
	struct clonedev_archive_finish f;

	memset(&f, 0, sizeof(f));
	f.flags = CLONEDEV_ARCHIVE_ABORT;
	f.id = id;
	clonedev_archive_finish(cd, &f);
}

static int write_all(int fd, const unsigned char *b, size_t len)
{
	while (len) {
		ssize_t n = write(fd, b, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		b += n;
		len -= n;
	}
	return 0;
}

/* Reads exactly @len bytes; a file that ends first is -EBADMSG. */
static int read_all(int fd, unsigned char *b, size_t len)
{
	while (len) {
		ssize_t n = read(fd, b, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return -EBADMSG;
		b += n;
		len -= n;
	}
	return 0;
}

int clonedev_archive_backup(struct clonedev *cd, const unsigned int *handles,
			    unsigned int count, const char *domain_label,
			    int fd, struct clonedev_archive_result *res)
{
	struct clonedev_archive_finish f;
	struct clonedev_archive_next n;
	struct clonedev_archive_open o;
	unsigned char *buf;
	unsigned int i;
	int ret;

	memset(res, 0, sizeof(*res));
	if (domain_label && strlen(domain_label) >= CLONEDEV_LABEL_LEN)
		return -EINVAL;
	buf = malloc(CLONEDEV_ARCHIVE_RECORD_MAX);
	if (!buf)
		return -ENOMEM;
	memset(&o, 0, sizeof(o));
	o.mode = CLONEDEV_ARCHIVE_BACKUP;
	o.count = count;
	o.handles = (uintptr_t)handles;
	if (domain_label)
		strcpy(o.domain_label, domain_label);
	o.out = (uintptr_t)buf;
	o.out_cap = CLONEDEV_ARCHIVE_RECORD_MAX;
	ret = clonedev_archive_open(cd, &o);
	if (ret)
		goto out;
	res->objects = o.count;
	res->refused = o.refused;
	res->serial = o.serial;
	ret = write_all(fd, buf, o.out_len);
	for (i = 0; !ret && i < o.count; i++) {
		memset(&n, 0, sizeof(n));
		n.id = o.id;
		n.out = (uintptr_t)buf;
		n.out_cap = CLONEDEV_ARCHIVE_RECORD_MAX;
		ret = clonedev_archive_next(cd, &n);
		if (ret)
			goto out;	/* the kernel ended the archive */
		ret = write_all(fd, buf, n.out_len);
		explicit_bzero(buf, n.out_len);
	}
	if (ret) {
		archive_abort(cd, o.id);
		goto out;
	}
	memset(&f, 0, sizeof(f));
	f.id = o.id;
	f.out = (uintptr_t)buf;
	f.out_cap = CLONEDEV_ARCHIVE_RECORD_MAX;
	ret = clonedev_archive_finish(cd, &f);
	if (!ret)
		ret = write_all(fd, buf, f.out_len);
out:
	explicit_bzero(buf, CLONEDEV_ARCHIVE_RECORD_MAX);
	free(buf);
	return ret;
}

int cdev_archive_read_record(int fd, unsigned char *buf, unsigned int *len)
{
	unsigned int l;
	int ret;

	ret = read_all(fd, buf, 4);
	if (ret)
		return ret;
	l = (unsigned int)buf[0] << 24 | buf[1] << 16 | buf[2] << 8 | buf[3];
	if (l > CLONEDEV_ARCHIVE_RECORD_MAX - 4)
		return -EBADMSG;
	*len = l + 4;
	return read_all(fd, buf + 4, l);
}

int clonedev_archive_restore(struct clonedev *cd, int fd,
			     const unsigned int *handles, unsigned int count,
			     struct clonedev_archive_result *res)
{
	struct clonedev_archive_finish f;
	struct clonedev_archive_next n;
	struct clonedev_archive_open o;
	unsigned char *buf, extra;
	unsigned int i, len;
	int ret;

	memset(res, 0, sizeof(*res));
	buf = malloc(CLONEDEV_ARCHIVE_RECORD_MAX);
	if (!buf)
		return -ENOMEM;
	memset(&o, 0, sizeof(o));
	o.mode = CLONEDEV_ARCHIVE_RESTORE;
	o.count = count;
	o.handles = (uintptr_t)handles;
	o.in = (uintptr_t)buf;
	o.in_len = CLONEDEV_ARCHIVE_HEADER_LEN;
	ret = read_all(fd, buf, CLONEDEV_ARCHIVE_HEADER_LEN) ?:
	      clonedev_archive_open(cd, &o);
	if (ret)
		goto out;
	res->objects = o.count;
	res->serial = o.serial;
	for (i = 0; i < o.count; i++) {
		ret = cdev_archive_read_record(fd, buf, &len);
		if (ret) {
			archive_abort(cd, o.id);
			goto out;
		}
		memset(&n, 0, sizeof(n));
		n.id = o.id;
		n.in = (uintptr_t)buf;
		n.in_len = len;
		ret = clonedev_archive_next(cd, &n);
		explicit_bzero(buf, len);
		if (ret)
			goto out;	/* the kernel ended the archive */
	}
	ret = cdev_archive_read_record(fd, buf, &len);
	/* Nothing may follow the final record. */
	if (!ret && read_all(fd, &extra, 1) != -EBADMSG)
		ret = -EBADMSG;
	if (ret) {
		archive_abort(cd, o.id);
		goto out;
	}
	memset(&f, 0, sizeof(f));
	f.id = o.id;
	f.in = (uintptr_t)buf;
	f.in_len = len;
	ret = clonedev_archive_finish(cd, &f);
	if (!ret) {
		res->copied = f.copied;
		res->skipped = f.skipped;
		res->refused = f.refused;
		res->failed = f.failed;
	}
out:
	explicit_bzero(buf, CLONEDEV_ARCHIVE_RECORD_MAX);
	free(buf);
	return ret;
}
