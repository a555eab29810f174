// SPDX-License-Identifier: GPL-2.0
/*
 * clonedev-pedserver: the share directory. It is read at each request, so
 * files added while the server runs are served. A request of a role (po,
 * co, cu) is answered by the files of that kind whose serial is the
 * partition's; a domain's by the files of kind "domain" with its label,
 * whatever their serial. Of those, one secret (one serial, quorum and
 * fingerprint) with M distinct indexes is picked and M shares are sent.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "pedserver.h"

struct found {
	char name[64];
	struct clonedev_sharefile sf;
};

static const char *const kind_names[] = {
	[CLONEDEV_PED_KIND_PO] = "po",
	[CLONEDEV_PED_KIND_CO] = "co",
	[CLONEDEV_PED_KIND_CU] = "cu",
	[CLONEDEV_PED_KIND_DOMAIN] = "domain",
};

const char *ped_kind_name(uint32_t kind)
{
	if (kind < CLONEDEV_PED_KIND_PO || kind > CLONEDEV_PED_KIND_DOMAIN)
		return "?";
	return kind_names[kind];
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(((const struct found *)a)->name,
		      ((const struct found *)b)->name);
}

/* Reads @name of @dir into @sf; logs a damaged file. Return: 0 or -errno. */
static int read_entry(const char *dir, const char *name,
		      struct clonedev_sharefile *sf)
{
	char path[4096];
	int ret;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	ret = clonedev_sharefile_read(path, sf);
	if (ret == -EBADMSG)
		ped_log("skipped %s: not a share file, or damaged", name);
	else if (ret && ret != -EISDIR)
		ped_log("skipped %s: %s", name, strerror(-ret));
	return ret;
}

/*
 * Calls @fn for each share file of @dir, in name order.
 * Return: 0 or -errno (the directory cannot be read).
 */
int ped_list(const char *dir, void (*fn)(const char *name,
					 const struct clonedev_sharefile *sf))
{
	struct dirent **names;
	int i, count;

	count = scandir(dir, &names, NULL, alphasort);
	if (count < 0)
		return -errno;
	for (i = 0; i < count; i++) {
		struct clonedev_sharefile sf;

		if (names[i]->d_type != DT_DIR && names[i]->d_name[0] != '.' &&
		    !read_entry(dir, names[i]->d_name, &sf))
			fn(names[i]->d_name, &sf);
		OPENSSL_cleanse(&sf, sizeof(sf));
		free(names[i]);
	}
	free(names);
	return 0;
}

static bool fits(const struct clonedev_sharefile *sf,
		 unsigned long long serial, const struct ped_request *req)
{
	if (strcmp(sf->kind, ped_kind_name(req->kind)))
		return false;
	if (req->kind == CLONEDEV_PED_KIND_DOMAIN)
		return req->label[0] && !strcmp(sf->domain_label, req->label);
	return sf->serial == serial;
}

/* The files of @dir that fit the request, sorted by name. */
static int collect(const char *dir, unsigned long long serial,
		   const struct ped_request *req, struct found *out)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int count = 0;

	if (!d) {
		ped_log("cannot read the share directory %s: %s", dir,
			strerror(errno));
		return 0;
	}
	while ((e = readdir(d)) && count < PED_FILES_MAX) {
		if (e->d_type == DT_DIR || e->d_name[0] == '.' ||
		    strlen(e->d_name) >= sizeof(out->name))
			continue;
		if (read_entry(dir, e->d_name, &out[count].sf))
			continue;
		if (!fits(&out[count].sf, serial, req))
			continue;
		strcpy(out[count].name, e->d_name);
		count++;
	}
	closedir(d);
	qsort(out, count, sizeof(*out), cmp_names);
	return count;
}

static bool same_secret(const struct clonedev_sharefile *a,
			const struct clonedev_sharefile *b)
{
	return a->serial == b->serial && a->m == b->m && a->n == b->n &&
	       !memcmp(a->fingerprint, b->fingerprint,
		       CLONEDEV_FINGERPRINT_LEN);
}

/* Takes the distinct shares of @f[first]'s secret into @pick. */
static void take(const struct found *f, int count, int first,
		 struct ped_pick *pick)
{
	unsigned int taken = 0;
	unsigned char seen[CLONEDEV_QUORUM_MAX + 1] = { 0 };
	int i;

	for (i = first; i < count; i++) {
		unsigned int idx = f[i].sf.share.index;

		if (!same_secret(&f[first].sf, &f[i].sf) || seen[idx])
			continue;
		seen[idx] = 1;
		if (taken < f[first].sf.m) {
			pick->shares[taken] = f[i].sf.share;
			snprintf(pick->names[taken], sizeof(pick->names[0]),
				 "%s", f[i].name);
		}
		taken++;
	}
	pick->count = taken < f[first].sf.m ? taken : f[first].sf.m;
	pick->m = f[first].sf.m;
	pick->n = f[first].sf.n;
	memcpy(pick->fingerprint, f[first].sf.fingerprint,
	       CLONEDEV_FINGERPRINT_LEN);
	pick->status = taken < f[first].sf.m ? PED_TOO_FEW : PED_SERVED;
}

/*
 * Fills @pick for @req from the share files of @dir: status PED_SERVED
 * and M shares, or PED_NONE_FIT or PED_TOO_FEW (the fullest secret's
 * count and quorum, no share data).
 */
void ped_pick(const char *dir, unsigned long long serial,
	      const struct ped_request *req, struct ped_pick *pick)
{
	struct found *f = calloc(PED_FILES_MAX, sizeof(*f));
	struct ped_pick best = { .status = PED_NONE_FIT };
	int i, count = f ? collect(dir, serial, req, f) : 0;

	if (!f)
		ped_log("out of memory reading the share directory");
	for (i = 0; i < count && best.status != PED_SERVED; i++) {
		struct ped_pick cur;

		memset(&cur, 0, sizeof(cur));
		take(f, count, i, &cur);
		if (best.status == PED_NONE_FIT || cur.status == PED_SERVED ||
		    cur.count > best.count)
			best = cur;
		OPENSSL_cleanse(&cur, sizeof(cur));
	}
	if (best.status != PED_SERVED)
		OPENSSL_cleanse(best.shares, sizeof(best.shares));
	*pick = best;
	OPENSSL_cleanse(&best, sizeof(best));
	if (f)
		OPENSSL_cleanse(f, PED_FILES_MAX * sizeof(*f));
	free(f);
}

/* SHARES' plaintext for @pick at @out; returns its length. */
size_t ped_shares_plain(const struct ped_pick *pick,
			const struct ped_request *req, unsigned char *out)
{
	bool served = pick->status == PED_SERVED;
	unsigned int i, count = served ? pick->count : 0;
	unsigned char *s = out + PED_SHARES_HEAD;

	memset(out, 0, PED_SHARES_HEAD + count * PED_SHARE_WIRE);
	ped_put32(out, pick->status);
	ped_put32(out + 4, count);
	ped_put32(out + 8, served ? pick->m : 0);
	ped_put32(out + 12, served ? pick->n : 0);
	if (req->kind == CLONEDEV_PED_KIND_DOMAIN) {
		if (served)
			memcpy(out + 16, pick->fingerprint,
			       CLONEDEV_FINGERPRINT_LEN);
		memcpy(out + 24, req->label, strlen(req->label));
	}
	for (i = 0; i < count; i++, s += PED_SHARE_WIRE) {
		s[0] = pick->shares[i].index;
		memcpy(s + 8, pick->shares[i].data, CLONEDEV_SHARE_LEN);
	}
	return PED_SHARES_HEAD + count * PED_SHARE_WIRE;
}
