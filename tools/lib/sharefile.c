// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libclonedev: share files, the paper-and-key-ring form of a quorum
 * secret's shares (struct clonedev_sharefile in libclonedev.h). Example:
 *
 *   clonedev share 1
 *   serial 140255645638
 *   partition payments
 *   kind domain
 *   domainlabel corp
 *   fingerprint 0f1e2d3c4b5a6978
 *   quorum 2/3
 *   index 1
 *   share 9a...(64 hex digits)
 *   crc 1c291ca3
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libclonedev.h"

#define MAGIC		"clonedev share 1\n"
#define FILE_MAX	1024

/* CRC-32 (IEEE 802.3, reflected, polynomial 0xedb88320). */
static unsigned int crc32_of(const char *p, size_t len)
{
	unsigned int crc = 0xffffffffU;
	int k;

	while (len--) {
		crc ^= (unsigned char)*p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320U & -(crc & 1));
	}
	return ~crc;
}

static void to_hex(const unsigned char *b, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

static int from_hex(const char *hex, unsigned char *b, size_t n)
{
	size_t i;

	if (strlen(hex) != 2 * n)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned int v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		b[i] = (unsigned char)v;
	}
	return 0;
}

/* The file's text without its crc line; returns its length or -1. */
static int body(const struct clonedev_sharefile *sf, char *buf, size_t cap)
{
	char fp[2 * CLONEDEV_FINGERPRINT_LEN + 1] = "-";
	char share[2 * CLONEDEV_SHARE_LEN + 1];
	bool domain = !strcmp(sf->kind, "domain");
	int n;

	if (domain || !strcmp(sf->kind, "rpv"))
		to_hex(sf->fingerprint, CLONEDEV_FINGERPRINT_LEN, fp);
	to_hex(sf->share.data, CLONEDEV_SHARE_LEN, share);
	n = snprintf(buf, cap,
		     MAGIC "serial %llu\npartition %s\nkind %s\ndomainlabel %s\n"
		     "fingerprint %s\nquorum %u/%u\nindex %u\nshare %s\n",
		     sf->serial, sf->partition, sf->kind,
		     domain ? sf->domain_label : "-", fp, sf->m, sf->n,
		     sf->share.index, share);
	explicit_bzero(share, sizeof(share));
	return n < 0 || (size_t)n >= cap ? -1 : n;
}

/* A file name part: printable, without '/' or spaces. */
static void name_part(const char *in, char *out, size_t cap)
{
	size_t i;

	for (i = 0; in[i] && i + 1 < cap; i++)
		out[i] = in[i] == '/' || in[i] == ' ' ? '_' : in[i];
	out[i] = '\0';
}

int clonedev_sharefile_path(const char *dir,
			    const struct clonedev_sharefile *sf, char *path,
			    size_t path_len)
{
	char part[CLONEDEV_LABEL_LEN], dom[CLONEDEV_LABEL_LEN];

	name_part(sf->partition, part, sizeof(part));
	name_part(sf->domain_label, dom, sizeof(dom));
	if (snprintf(path, path_len, "%s/%s-%llu-%s%s%s-%uof%u.share", dir,
		     part, sf->serial, sf->kind, *dom ? "-" : "", dom,
		     sf->share.index, sf->n) >= (int)path_len)
		return -ENAMETOOLONG;
	return 0;
}

int clonedev_sharefile_write(const char *dir,
			     const struct clonedev_sharefile *sf, char *path,
			     size_t path_len)
{
	char buf[FILE_MAX];
	int fd, len, ret;

	len = body(sf, buf, sizeof(buf) - 16);
	if (len < 0)
		return -EINVAL;
	len += sprintf(buf + len, "crc %08x\n", crc32_of(buf, len));
	ret = clonedev_sharefile_path(dir, sf, path, path_len);
	fd = ret ? -1 : open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			     0600);
	if (!ret && fd < 0)
		ret = -errno;
	if (!ret && (write(fd, buf, len) != len || fsync(fd)))
		ret = errno ? -errno : -EIO;
	if (fd >= 0 && close(fd) && !ret)
		ret = -errno;
	explicit_bzero(buf, sizeof(buf));
	return ret;
}

/* Parses the fields of a file's text into @sf; -EBADMSG if malformed. */
static int parse(char *text, struct clonedev_sharefile *sf)
{
	char fp[32] = "", share[80] = "", dom[64] = "";
	unsigned int index;
	int used = 0;

	memset(sf, 0, sizeof(*sf));
	if (sscanf(text, MAGIC "serial %llu\npartition %32[^\n]\nkind %7s\n"
		   "domainlabel %32[^\n]\nfingerprint %31s\nquorum %u/%u\n"
		   "index %u\nshare %79s\n%n",
		   &sf->serial, sf->partition, sf->kind, dom, fp, &sf->m,
		   &sf->n, &index, share, &used) != 9 || !used)
		return -EBADMSG;
	if (strcmp(sf->kind, "po") && strcmp(sf->kind, "co") &&
	    strcmp(sf->kind, "cu") && strcmp(sf->kind, "domain") &&
	    strcmp(sf->kind, "rpv"))
		return -EBADMSG;
	if (!strcmp(sf->kind, "domain") || !strcmp(sf->kind, "rpv")) {
		if (from_hex(fp, sf->fingerprint, CLONEDEV_FINGERPRINT_LEN))
			return -EBADMSG;
		if (!strcmp(sf->kind, "domain"))
			strcpy(sf->domain_label, dom);
	}
	if (!sf->m || sf->m > sf->n || sf->n > CLONEDEV_QUORUM_MAX ||
	    !index || index > sf->n ||
	    from_hex(share, sf->share.data, CLONEDEV_SHARE_LEN))
		return -EBADMSG;
	explicit_bzero(share, sizeof(share));
	sf->share.index = (unsigned char)index;
	return used;
}

int clonedev_sharefile_read(const char *path, struct clonedev_sharefile *sf)
{
	char buf[FILE_MAX + 1];
	unsigned int crc;
	ssize_t len;
	int fd, used;

	/* Whatever @sf held goes, whichever way the read fails. */
	explicit_bzero(sf, sizeof(*sf));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = read(fd, buf, FILE_MAX + 1);
	close(fd);
	if (len < 0)
		return -errno;
	if (len > FILE_MAX)
		return -EBADMSG;
	buf[len] = '\0';
	used = strncmp(buf, MAGIC, strlen(MAGIC)) ? -EBADMSG : parse(buf, sf);
	if (used >= 0 && (sscanf(buf + used, "crc %8x\n", &crc) != 1 ||
			  crc != crc32_of(buf, used) ||
			  strlen(buf + used) != strlen("crc 00000000\n")))
		used = -EBADMSG;
	explicit_bzero(buf, sizeof(buf));
	if (used < 0)
		explicit_bzero(sf, sizeof(*sf));
	return used < 0 ? used : 0;
}
