// SPDX-License-Identifier: GPL-2.0
/*
 * clonedev-pedserver: the remote PED vector (RPV). It is rebuilt from M
 * share files of kind "rpv" with Shamir's scheme over GF(2^8) (the AES
 * field, x^8 + x^4 + x^3 + x + 1, byte by byte, Lagrange interpolation at
 * x = 0), checked against the files' fingerprint (its id) and kept in one
 * locked page that is wiped at exit. A server holds up to PED_RPV_MAX of
 * them, one per -rpv, and a HELLO picks one by its id.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "pedserver.h"

#define RPV_ID_LABEL	"clonedev ped rpv id"

/* a * b in GF(2^8), without branches on the operands. */
static unsigned char gf_mul(unsigned char a, unsigned char b)
{
	unsigned char p = 0;
	int i;

	for (i = 0; i < 8; i++) {
		p ^= a & -(b & 1);
		a = (unsigned char)((a << 1) ^ (0x1b & -(a >> 7)));
		b >>= 1;
	}
	return p;
}

/* a^-1 = a^254 (0 for 0). */
static unsigned char gf_inv(unsigned char a)
{
	unsigned char r = a;
	int i;

	for (i = 0; i < 6; i++)
		r = gf_mul(gf_mul(r, r), a);
	return gf_mul(r, r);
}

/* The Lagrange basis value at x = 0 of share @j among @in. */
static unsigned char basis_at_zero(const struct clonedev_share *in,
				   unsigned int count, unsigned int j)
{
	unsigned char num = 1, den = 1;
	unsigned int i;

	for (i = 0; i < count; i++) {
		if (i == j)
			continue;
		num = gf_mul(num, in[i].index);
		den = gf_mul(den, in[i].index ^ in[j].index);
	}
	return gf_mul(num, gf_inv(den));
}

/*
 * Rebuilds the secret from @count shares of distinct, non-zero indexes.
 * Return: 0, or -EINVAL for none, a zero or a repeated index.
 */
int ped_shamir_combine(const struct clonedev_share *in, unsigned int count,
		       unsigned char *secret)
{
	unsigned int i, j, b;

	if (!count || count > CLONEDEV_QUORUM_MAX)
		return -EINVAL;
	for (i = 0; i < count; i++) {
		if (!in[i].index)
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (in[i].index == in[j].index)
				return -EINVAL;
	}
	memset(secret, 0, CLONEDEV_SHARE_LEN);
	for (j = 0; j < count; j++) {
		unsigned char l = basis_at_zero(in, count, j);

		for (b = 0; b < CLONEDEV_SHARE_LEN; b++)
			secret[b] ^= gf_mul(l, in[j].data[b]);
	}
	return 0;
}

/* rpv_id = the first 8 bytes of HMAC-SHA256(key = RPV, RPV_ID_LABEL). */
int ped_rpv_id(const unsigned char *key, unsigned char *id)
{
	unsigned char mac[32];
	size_t len = 0;

	if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, PED_KEY_LEN,
		       (const unsigned char *)RPV_ID_LABEL,
		       strlen(RPV_ID_LABEL), mac, sizeof(mac), &len) ||
	    len != sizeof(mac))
		return -EIO;
	memcpy(id, mac, CLONEDEV_PED_RPV_ID_LEN);
	OPENSSL_cleanse(mac, sizeof(mac));
	return 0;
}

/* Whether @b belongs to the same RPV as @a. */
static bool same_rpv(const struct clonedev_sharefile *a,
		     const struct clonedev_sharefile *b)
{
	return a->serial == b->serial && a->m == b->m && a->n == b->n &&
	       !memcmp(a->fingerprint, b->fingerprint,
		       CLONEDEV_FINGERPRINT_LEN);
}

static int read_one(const char *path, struct clonedev_sharefile *sf)
{
	int ret = clonedev_sharefile_read(path, sf);

	if (ret == -EBADMSG) {
		fprintf(stderr, "clonedev-pedserver: %s is not a share file, or it is damaged.\n",
			path);
		return ret;
	}
	if (ret) {
		fprintf(stderr, "clonedev-pedserver: cannot read %s: %s.\n",
			path, strerror(-ret));
		return ret;
	}
	if (strcmp(sf->kind, "rpv")) {
		fprintf(stderr, "clonedev-pedserver: %s is a share of kind '%s', not of a remote PED vector (kind 'rpv').\n",
			path, sf->kind);
		return -EINVAL;
	}
	return 0;
}

/* Reads the comma-separated @files into @sf; returns how many or -errno. */
static int read_files(const char *files, struct clonedev_sharefile *sf)
{
	char *list = strdup(files), *save = NULL, *path;
	int count = 0, ret = 0;

	if (!list)
		return -ENOMEM;
	for (path = strtok_r(list, ",", &save); path && !ret;
	     path = strtok_r(NULL, ",", &save)) {
		if (count == CLONEDEV_QUORUM_MAX) {
			fprintf(stderr, "clonedev-pedserver: -rpv names more than %d files; give M of them.\n",
				CLONEDEV_QUORUM_MAX);
			ret = -EINVAL;
			break;
		}
		ret = read_one(path, &sf[count]);
		if (!ret && count && !same_rpv(&sf[0], &sf[count])) {
			fprintf(stderr, "clonedev-pedserver: %s is a share of another remote PED vector than the first file (serial, quorum or fingerprint differ).\n",
				path);
			ret = -EINVAL;
		}
		if (!ret)
			count++;
	}
	free(list);
	return ret ? ret : count;
}

static int check_files(const struct clonedev_sharefile *sf, int count,
		       const char *files)
{
	int i, j;

	if (!count) {
		fprintf(stderr, "clonedev-pedserver: -rpv '%s' names no file.\n",
			files);
		return -EINVAL;
	}
	if ((unsigned int)count < sf[0].m) {
		fprintf(stderr, "clonedev-pedserver: -rpv %s gives %d shares of a remote PED vector that needs %u.\n",
			files, count, sf[0].m);
		return -EINVAL;
	}
	for (i = 0; i < count; i++)
		for (j = 0; j < i; j++)
			if (sf[i].share.index == sf[j].share.index) {
				fprintf(stderr, "clonedev-pedserver: two files of -rpv %s hold share %u; give M different shares.\n",
					files, sf[i].share.index);
				return -EINVAL;
			}
	return 0;
}

/* Rebuilds the RPV of @sf into @rpv, whose key points to its place. */
static int combine(struct ped_rpv *rpv, const struct clonedev_sharefile *sf,
		   int count, const char *files)
{
	struct clonedev_share in[CLONEDEV_QUORUM_MAX];
	int i, ret;

	for (i = 0; i < count; i++)
		in[i] = sf[i].share;
	ret = ped_shamir_combine(in, count, rpv->key);
	OPENSSL_cleanse(in, sizeof(in));
	if (!ret)
		ret = ped_rpv_id(rpv->key, rpv->id);
	if (ret)
		return ret;
	if (memcmp(rpv->id, sf[0].fingerprint, CLONEDEV_PED_RPV_ID_LEN)) {
		fprintf(stderr, "clonedev-pedserver: the shares of -rpv %s do not give the remote PED vector their fingerprint names (a share is wrong or of another vector).\n",
			files);
		return -EINVAL;
	}
	rpv->serial = sf[0].serial;
	snprintf(rpv->partition, sizeof(rpv->partition), "%s",
		 sf[0].partition);
	rpv->m = sf[0].m;
	rpv->n = sf[0].n;
	return 0;
}

/* The page of the keys, locked and left out of core dumps. */
static int rpv_alloc(struct ped_rpvs *rpvs)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	if (rpvs->page)
		return 0;
	if (page < PED_RPV_MAX * PED_KEY_LEN)
		return -ENOMEM;
	p = mmap(NULL, page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	if (mlock(p, page)) {
		int err = errno;

		munmap(p, page);
		fprintf(stderr, "clonedev-pedserver: cannot lock the remote PED vectors in memory: %s (raise RLIMIT_MEMLOCK).\n",
			strerror(err));
		return -err;
	}
	madvise(p, page, MADV_DONTDUMP);
	rpvs->page = p;
	return 0;
}

/*
 * Whether @new, just rebuilt, is the vector @old already held: the same
 * id, key, partition and quorum. Prints why a vector of the same id
 * differs. Return: 1 (the same), 0 (another id) or -EINVAL (a conflict).
 */
static int same_vector(const struct ped_rpv *old, const struct ped_rpv *new,
		       const char *files)
{
	char hex[PED_RPV_HEX];

	if (memcmp(old->id, new->id, CLONEDEV_PED_RPV_ID_LEN))
		return 0;
	if (!CRYPTO_memcmp(old->key, new->key, PED_KEY_LEN) &&
	    old->serial == new->serial &&
	    !strcmp(old->partition, new->partition) &&
	    old->m == new->m && old->n == new->n)
		return 1;
	ped_rpv_hex(new->id, hex);
	fprintf(stderr, "clonedev-pedserver: -rpv %s gives remote PED vector %s, which an earlier -rpv gives with another %s; give one set of files per vector.\n",
		files, hex,
		CRYPTO_memcmp(old->key, new->key, PED_KEY_LEN) ? "key" :
		old->serial != new->serial ||
		strcmp(old->partition, new->partition) ? "partition" :
		"quorum");
	return -EINVAL;
}

/*
 * Adds to @rpvs the RPV of the share files listed in @files
 * (comma-separated); a set giving a vector already held adds nothing.
 * Prints why on failure. Return: 0 or -errno.
 */
int ped_rpv_load(struct ped_rpvs *rpvs, const char *files)
{
	struct clonedev_sharefile sf[CLONEDEV_QUORUM_MAX];
	struct ped_rpv *rpv = &rpvs->v[rpvs->count];
	unsigned int i;
	int count, ret;

	if (rpvs->count == PED_RPV_MAX) {
		fprintf(stderr, "clonedev-pedserver: a server holds at most %d remote PED vectors (-rpv %s is one more).\n",
			PED_RPV_MAX, files);
		return -E2BIG;
	}
	memset(rpv, 0, sizeof(*rpv));
	count = read_files(files, sf);
	ret = count < 0 ? count : check_files(sf, count, files);
	if (!ret)
		ret = rpv_alloc(rpvs);
	if (!ret) {
		rpv->key = rpvs->page + rpvs->count * PED_KEY_LEN;
		ret = combine(rpv, sf, count, files);
	}
	OPENSSL_cleanse(sf, sizeof(sf));
	for (i = 0; !ret && i < rpvs->count; i++)
		ret = same_vector(&rpvs->v[i], rpv, files);
	if (!ret) {
		rpvs->count++;
		return 0;
	}
	if (rpv->key)
		OPENSSL_cleanse(rpv->key, PED_KEY_LEN);
	memset(rpv, 0, sizeof(*rpv));
	return ret < 0 ? ret : 0;
}

/* The vector of id @id, or NULL if the server holds none. */
const struct ped_rpv *ped_rpv_find(const struct ped_rpvs *rpvs,
				   const unsigned char *id)
{
	unsigned int i;

	for (i = 0; i < rpvs->count; i++)
		if (!memcmp(rpvs->v[i].id, id, CLONEDEV_PED_RPV_ID_LEN))
			return &rpvs->v[i];
	return NULL;
}

/* @id in hex, PED_RPV_HEX bytes with the NUL, at @hex. */
void ped_rpv_hex(const unsigned char *id, char *hex)
{
	int i;

	for (i = 0; i < CLONEDEV_PED_RPV_ID_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", id[i]);
}

/* Wipes and releases every vector's key. */
void ped_rpv_free(struct ped_rpvs *rpvs)
{
	long page = sysconf(_SC_PAGESIZE);

	if (rpvs->page) {
		OPENSSL_cleanse(rpvs->page, page);
		munlock(rpvs->page, page);
		munmap(rpvs->page, page);
	}
	OPENSSL_cleanse(rpvs, sizeof(*rpvs));
}
