// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the PED server's loading of its remote PED vectors
 * (tools/pedserver/rpv.c, ped_rpv_load()), which takes each -rpv option's
 * comma-separated share files, reads them (clonedev_sharefile_read()),
 * checks they are M shares of one vector and rebuilds it. The input is up
 * to four -rpv options separated by a 0x01 byte, each up to 17 files
 * separated by a NUL byte; each file is a memfd named by its
 * /proc/self/fd path, and each option is loaded in turn into one set of
 * vectors, as clonedev-pedserver -rpv A -rpv B ... does.
 *
 * The contract: a refusal is -EINVAL, -EBADMSG, -E2BIG or -ENOMEM and
 * leaves the vectors held as they were; a load taken adds one vector, or
 * none when it is one held already, and the vector added is the files': every file
 * of kind rpv with the first one's serial, quorum and fingerprint, at
 * least M files and no share twice; its id, the HMAC of its key
 * (ped_rpv_id()), is their fingerprint, and its serial, partition and
 * quorum are theirs. No two vectors held have one id, each is found by
 * its id (ped_rpv_find()), and ped_rpv_free() leaves nothing.
 */
#include <errno.h>
#include <string.h>

#include "pedserver.h"
#include "fuzz.h"

#define SETS_MAX	4
#define FILES_MAX	(CLONEDEV_QUORUM_MAX + 1)

struct set {
	int fd[FILES_MAX];
	unsigned int nfd;
	char list[FILES_MAX * 32];
};

/* One -rpv option from @data (@len bytes): its files and their list. */
static void make_set(const unsigned char *data, size_t len, struct set *s)
{
	size_t at = 0;

	s->nfd = 0;
	s->list[0] = '\0';
	while (at <= len && s->nfd < FILES_MAX) {
		const unsigned char *nul = memchr(data + at, 0, len - at);
		size_t flen = nul ? (size_t)(nul - data - at) : len - at;
		int fd = fuzz_memfd(data + at, flen);
		size_t used = strlen(s->list);

		if (fd < 0)
			break;
		s->fd[s->nfd++] = fd;
		snprintf(s->list + used, sizeof(s->list) - used, "%s/proc/self/fd/%d",
			 used ? "," : "", fd);
		at += flen + 1;
	}
}

static void close_set(struct set *s)
{
	while (s->nfd)
		close(s->fd[--s->nfd]);
}

/* The vector @v, just added, is the one the files of @s give. */
static void check_added(const struct ped_rpv *v, const struct set *s)
{
	struct clonedev_sharefile first = { 0 }, sf = { 0 };
	unsigned char id[CLONEDEV_PED_RPV_ID_LEN];
	unsigned int i, seen = 0;
	char path[32];

	FUZZ_CHECK(!ped_rpv_id(v->key, id) &&
		   !memcmp(id, v->id, sizeof(id)));
	for (i = 0; i < s->nfd; i++) {
		struct clonedev_sharefile *f = i ? &sf : &first;

		snprintf(path, sizeof(path), "/proc/self/fd/%d", s->fd[i]);
		FUZZ_CHECK(!clonedev_sharefile_read(path, f));
		FUZZ_CHECK(!strcmp(f->kind, "rpv"));
		FUZZ_CHECK(f->serial == first.serial && f->m == first.m &&
			   f->n == first.n &&
			   !memcmp(f->fingerprint, first.fingerprint,
				   CLONEDEV_FINGERPRINT_LEN));
		FUZZ_CHECK(f->share.index >= 1 &&
			   f->share.index <= CLONEDEV_QUORUM_MAX &&
			   !(seen & (1U << f->share.index)));
		seen |= 1U << f->share.index;
	}
	FUZZ_CHECK(s->nfd >= first.m && first.m >= 1 && first.m <= first.n &&
		   first.n <= CLONEDEV_QUORUM_MAX);
	FUZZ_CHECK(!memcmp(v->id, first.fingerprint, CLONEDEV_PED_RPV_ID_LEN));
	FUZZ_CHECK(v->serial == first.serial && v->m == first.m &&
		   v->n == first.n && !strcmp(v->partition, first.partition));
	memset(&first, 0, sizeof(first));
	memset(&sf, 0, sizeof(sf));
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static struct ped_rpvs rpvs;
	struct ped_rpv before[PED_RPV_MAX];
	unsigned char keys[PED_RPV_MAX][PED_KEY_LEN];
	const unsigned char *p = data, *end = data + size;
	unsigned int i, j;
	struct set s;
	int sets = 0;

	if (size > 8192)
		return 0;
	while (p <= end && sets++ < SETS_MAX) {
		const unsigned char *sep = memchr(p, 1, end - p);
		size_t len = sep ? (size_t)(sep - p) : (size_t)(end - p);
		unsigned int held = rpvs.count;
		int ret;

		make_set(p, len, &s);
		memcpy(before, rpvs.v, sizeof(before));
		for (i = 0; i < held; i++)
			memcpy(keys[i], rpvs.v[i].key, PED_KEY_LEN);
		ret = ped_rpv_load(&rpvs, s.list);
		FUZZ_CHECK(!ret || ret == -EINVAL || ret == -EBADMSG ||
			   ret == -E2BIG || ret == -ENOMEM);
		FUZZ_CHECK(rpvs.count == held || (!ret && rpvs.count == held + 1));
		/* What was held stays as it was. */
		FUZZ_CHECK(!memcmp(before, rpvs.v, held * sizeof(before[0])));
		for (i = 0; i < held; i++)
			FUZZ_CHECK(!memcmp(keys[i], rpvs.v[i].key, PED_KEY_LEN));
		if (rpvs.count > held)
			check_added(&rpvs.v[held], &s);
		else if (held < PED_RPV_MAX)
			FUZZ_CHECK(!rpvs.v[held].key && !rpvs.v[held].serial &&
				   !rpvs.v[held].m && !rpvs.v[held].partition[0]);
		for (i = 0; i < rpvs.count; i++) {
			FUZZ_CHECK(ped_rpv_find(&rpvs, rpvs.v[i].id) ==
				   &rpvs.v[i]);
			for (j = 0; j < i; j++)
				FUZZ_CHECK(memcmp(rpvs.v[i].id, rpvs.v[j].id,
						  CLONEDEV_PED_RPV_ID_LEN));
		}
		close_set(&s);
		if (!sep)
			break;
		p = sep + 1;
	}
	ped_rpv_free(&rpvs);
	FUZZ_CHECK(!rpvs.page && !rpvs.count);
	memset(keys, 0, sizeof(keys));
	return 0;
}
