// SPDX-License-Identifier: GPL-2.0
/*
 * clonedev-pedserver: the share files a STORE writes (docs/remote-ped.md,
 * "STORE"). Each share becomes a share file in the format and under the
 * name clonectl gives it (libclonedev's writer), mode 0600, for the
 * partition of the channel's HELLO. The files are written in a private
 * directory inside the share directory, then renamed to their names
 * without replacing any: if one of the names is taken nothing is written,
 * and if a step fails the files this STORE put there are removed, so the
 * directory holds all of the new set or none of it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "pedserver.h"

/* The share file of @st's share @i. */
static void file_of(const struct ped_channel *ch, const struct ped_store *st,
		    unsigned int i, struct clonedev_sharefile *sf)
{
	memset(sf, 0, sizeof(*sf));
	sf->serial = ch->serial;
	snprintf(sf->partition, sizeof(sf->partition), "%s", ch->label);
	snprintf(sf->kind, sizeof(sf->kind), "%s", ped_kind_name(st->kind));
	if (st->kind == CLONEDEV_PED_KIND_DOMAIN) {
		snprintf(sf->domain_label, sizeof(sf->domain_label), "%s",
			 st->label);
		memcpy(sf->fingerprint, st->fingerprint,
		       CLONEDEV_FINGERPRINT_LEN);
	}
	sf->m = st->m;
	sf->n = st->n;
	sf->share = st->shares[i];
}

/* Renames @from to @to unless @to exists. Return: 0 or -errno. */
static int rename_new(const char *from, const char *to)
{
	if (!renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE))
		return 0;
	if (errno != EINVAL)
		return -errno;
	/* A file system without RENAME_NOREPLACE: link() does not replace. */
	if (link(from, to))
		return -errno;
	unlink(from);
	return 0;
}

static const char *base(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* Whether none of the files of @st is in @dir yet; logs the first that is. */
static bool names_free(const char *dir, const struct ped_channel *ch,
		       const struct ped_store *st)
{
	struct clonedev_sharefile sf;
	char path[4096];
	unsigned int i;
	bool ok = true;

	for (i = 0; i < st->n && ok; i++) {
		file_of(ch, st, i, &sf);
		if (clonedev_sharefile_path(dir, &sf, path, sizeof(path))) {
			ped_log("store: a share file name is too long");
			ok = false;
		} else if (!access(path, F_OK) || errno != ENOENT) {
			ped_log("store: %s exists already: nothing written",
				path);
			ok = false;
		}
	}
	OPENSSL_cleanse(&sf, sizeof(sf));
	return ok;
}

/* Removes the first @count files of @st from @dir. */
static void remove_set(const char *dir, const struct ped_channel *ch,
		       const struct ped_store *st, unsigned int count)
{
	struct clonedev_sharefile sf;
	char path[4096];
	unsigned int i;

	for (i = 0; i < count; i++) {
		file_of(ch, st, i, &sf);
		if (!clonedev_sharefile_path(dir, &sf, path, sizeof(path)))
			unlink(path);
	}
	OPENSSL_cleanse(&sf, sizeof(sf));
}

/* Makes the share directory's entries durable. */
static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret = 0;

	if (fd < 0 || fsync(fd))
		ret = -errno;
	if (fd >= 0)
		close(fd);
	return ret;
}

/*
 * Writes the share files of @st in @dir; st->status says whether they
 * were (PED_WRITTEN, with the first and last names) or not
 * (PED_NOT_WRITTEN, logged).
 */
void ped_store_write(const char *dir, const struct ped_channel *ch,
		     struct ped_store *st)
{
	char tmpdir[4096], tmp[4096], path[4096];
	struct clonedev_sharefile sf;
	unsigned int i, done = 0;
	int ret = 0;

	st->status = PED_NOT_WRITTEN;
	if (!ch->label[0]) {
		ped_log("store: the partition has no label to name its files");
		return;
	}
	if (!names_free(dir, ch, st))
		return;
	if (snprintf(tmpdir, sizeof(tmpdir), "%s/.pedstore-XXXXXX", dir) >=
	    (int)sizeof(tmpdir) || !mkdtemp(tmpdir)) {
		ped_log("store: cannot write in %s: %s", dir, strerror(errno));
		return;
	}
	for (i = 0; i < st->n && !ret; i++) {
		file_of(ch, st, i, &sf);
		tmp[0] = '\0';
		ret = clonedev_sharefile_write(tmpdir, &sf, tmp, sizeof(tmp));
		if (!ret)
			ret = clonedev_sharefile_path(dir, &sf, path,
						      sizeof(path));
		if (!ret)
			ret = rename_new(tmp, path);
		if (ret) {
			ped_log("store: writing %s: %s", *tmp ? base(tmp) : dir,
				strerror(-ret));
			if (*tmp)
				unlink(tmp);
			break;
		}
		done++;
		if (i == 0)
			snprintf(st->first, sizeof(st->first), "%.127s",
				 base(path));
		snprintf(st->last, sizeof(st->last), "%.127s", base(path));
	}
	rmdir(tmpdir);
	if (!ret)
		ret = sync_dir(dir);
	if (ret) {
		remove_set(dir, ch, st, done);
		st->first[0] = '\0';
		st->last[0] = '\0';
	} else {
		st->status = PED_WRITTEN;
	}
	OPENSSL_cleanse(&sf, sizeof(sf));
}
