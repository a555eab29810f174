// SPDX-License-Identifier: GPL-2.0
/*
 * The concurrency storm: many threads for a while on two partitions that
 * share a cloning domain, then the invariants. Each thread does one kind
 * of work (its index modulo 8) until the time is up:
 *   0  logins: the cu with a wrong password, the co with the right one
 *   1  creates and destroys keys of its own label, and keeps count
 *   2  encrypts with one key that stays
 *   3  clones every object from A to B
 *   4  and from B to A
 *   5  as po of A, turns policy 4 (secret key cloning) off and on again,
 *      and adds, renames and deletes a second domain
 *   6  looks every object up by label and by handle, and lists all
 *   7  creates, initializes and deletes a third partition
 * Afterwards: no OUID twice in a partition, each partition's count equal
 * to what it lists, the cu's failed logins never past policy 20's limit
 * as the login threads saw them, every key a thread-1 kept found by its
 * label (a clone from B may have brought back copies of those it
 * destroyed), no error a thread's work cannot have; then the module is
 * reloaded and both partitions must list exactly what they listed before.
 *
 * Usage: storm_test [THREADS [SECONDS]]   (default 32 threads, 60 s)
 * Prints what it tried and found; exits 1 on any violation.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "libclonedev.h"

#define CLONEDEV_TEST_NO_HARNESS
#include "clonedev_test_util.h"

#define PO	"storm-po"
#define CO	"storm-co"
#define CU	"storm-cu"
#define MAX_THREADS	256
#define OWN_MAX		64
#define MAX_FAILED_LOGINS	10	/* policy 20's default */

struct worker {
	pthread_t thread;
	unsigned int index;
	unsigned long ops;	/* calls made */
	unsigned long fails;	/* calls that failed as they may */
	unsigned long bad;	/* calls that failed as they must not */
	int first_bad;		/* the first such errno */
	unsigned int own[OWN_MAX];	/* kind 1: its live keys */
	unsigned int n_own;
	unsigned int max_failures;	/* kind 0: most cu failures seen */
};

static unsigned int slot_a, slot_b, key_a;
static time_t deadline;
static const char *const kinds[] = {
	"logins", "keys", "encrypt", "clone A to B", "clone B to A",
	"policy", "lookups", "partitions",
};

static int session(unsigned int slot, unsigned int role, const char *pw,
		   struct clonedev **cd)
{
	int ret = clonedev_open(cd);

	if (ret)
		return ret;
	ret = clonedev_slot_set(*cd, slot) ?:
	      (pw ? clonedev_login(*cd, role, pw) : 0);
	if (ret)
		clonedev_close(*cd);
	return ret;
}

/* Counts a result: @ok, or one of the errnos @may (0-terminated). */
static void count(struct worker *w, int ret, const int *may)
{
	w->ops++;
	if (!ret)
		return;
	for (; may && *may; may++)
		if (ret == -*may) {
			w->fails++;
			return;
		}
	if (!w->bad++)
		w->first_bad = ret;
}

static void do_logins(struct worker *w, struct clonedev *cd)
{
	struct clonedev_session_info info;

	/* A wrong password (or the cu locked out by them) must fail. */
	count(w, clonedev_login(cd, CLONEDEV_ROLE_CU, "wrong") ? 0 : -EINVAL,
	      NULL);
	count(w, clonedev_session_info(cd, &info), NULL);
	if (info.roles[CLONEDEV_ROLE_CU].failures > w->max_failures)
		w->max_failures = info.roles[CLONEDEV_ROLE_CU].failures;
	count(w, clonedev_login(cd, CLONEDEV_ROLE_CO, CO), NULL);
	clonedev_logout(cd);
}

static void do_keys(struct worker *w, struct clonedev *cd, const char *label)
{
	unsigned int h;
	int ret;

	if (w->n_own == OWN_MAX || (w->n_own && w->ops % 3 == 2)) {
		ret = clonedev_object_destroy(cd, w->own[0]);
		count(w, ret, NULL);
		if (!ret)
			memmove(w->own, w->own + 1, --w->n_own * sizeof(*w->own));
		return;
	}
	ret = clonedev_object_generate(cd, CLONEDEV_KEY_AES, 256, 0, label,
				       NULL, 0, &h);
	count(w, ret, NULL);
	if (!ret)
		w->own[w->n_own++] = h;
}

static void do_encrypt(struct worker *w, struct clonedev *cd)
{
	struct clonedev_crypt_params p = {
		.mech = CLONEDEV_MECH_AES_GCM, .flags = CLONEDEV_CRYPT_GEN_IV,
	};
	unsigned char out[64];
	size_t len;

	count(w, clonedev_encrypt(cd, key_a, &p, "storm", 5, out, sizeof(out),
				  &len), NULL);
}

static void do_clone(struct worker *w, unsigned int from, unsigned int to)
{
	/* A policy turned off, or another clone's copies removed under it. */
	static const int may[] = { EPROTO, ENOENT, 0 };
	struct clonedev *src, *dst;
	struct clonedev_clone res;
	int ret;

	ret = session(from, CLONEDEV_ROLE_CO, CO, &src);
	if (ret) {
		count(w, ret, NULL);
		return;
	}
	ret = session(to, CLONEDEV_ROLE_CO, CO, &dst);
	if (!ret) {
		memset(&res, 0, sizeof(res));
		ret = clonedev_clone(src, dst, NULL, 0, NULL, &res);
		if (ret == -EPROTO && res.error != CLONEDEV_CLONE_E_POLICY)
			ret = -EIO;
		count(w, ret, may);
		clonedev_close(dst);
	} else {
		count(w, ret, NULL);
	}
	clonedev_close(src);
}

/* Policy 4 off and on, and a second domain added, renamed and deleted:
 * the po threads race each other, so the domain may be there or not.
 */
static void do_policy(struct worker *w, struct clonedev *cd)
{
	static const int exists[] = { EEXIST, EALREADY, 0 };
	static const int gone[] = { ENOENT, EEXIST, 0 };
	struct clonedev_policy_change c = { .id = 4, .value = w->ops / 2 % 2 };

	switch (w->ops % 8) {
	case 1:
		count(w, clonedev_domain_add(cd, "storm-extra", "storm-extra-dom",
					     0), exists);
		break;
	case 3:
		count(w, clonedev_domain_change(cd, "storm-extra", "storm-x2", 0),
		      gone);
		break;
	case 5:
		count(w, clonedev_domain_delete(cd, "storm-x2"), gone);
		break;
	case 7:
		count(w, clonedev_domain_delete(cd, "storm-extra"), gone);
		break;
	default:
		count(w, clonedev_policy_set(cd, &c, 1, 0), NULL);
		break;
	}
}

static void do_lookups(struct worker *w, struct clonedev *cd)
{
	struct clonedev_object_attrs *all = NULL;
	unsigned int *h = NULL;
	int n;

	n = clonedev_object_find(cd, "storm-1", NULL, 0, &h);
	count(w, n < 0 ? n : 0, NULL);
	free(h);
	n = clonedev_object_list_attrs(cd, &all);
	count(w, n < 0 ? n : 0, NULL);
	/* A handle listed may be destroyed before it is read. */
	if (n > 0) {
		static const int gone[] = { ENOENT, 0 };
		struct clonedev_object_attrs a;

		count(w, clonedev_object_get(cd, all[w->ops % n].handle, &a,
					     NULL, 0, NULL), gone);
	}
	free(all);
}

static void do_partitions(struct worker *w, struct clonedev_nl *nl)
{
	/* The HSM full while another thread's partition exists. */
	static const int full[] = { ENOSPC, 0 };
	struct clonedev_slot s;
	struct clonedev *cd;
	char label[32];
	int ret;

	snprintf(label, sizeof(label), "storm-c%u", w->index);
	ret = clonedev_nl_partition_create(nl, label, 0, 0, 0, &s);
	count(w, ret, full);
	if (ret)
		return;
	ret = clonedev_open(&cd);
	if (!ret) {
		count(w, clonedev_slot_set(cd, s.slot) ?:
		      clonedev_partition_init(cd, NULL, PO, "storm-dom", "d"),
		      NULL);
		clonedev_close(cd);
	}
	count(w, clonedev_nl_partition_delete(nl, s.slot), NULL);
}

static void *work(void *arg)
{
	struct worker *w = arg;
	unsigned int kind = w->index % 8;
	struct clonedev_nl *nl = NULL;
	struct clonedev *cd = NULL;
	char label[16];
	int ret = 0;

	snprintf(label, sizeof(label), "storm-%u", kind);
	if (kind == 0)
		ret = session(slot_a, 0, NULL, &cd);
	else if (kind == 1 || kind == 2 || kind == 6)
		ret = session(slot_a, CLONEDEV_ROLE_CO, CO, &cd);
	else if (kind == 5)
		ret = session(slot_a, CLONEDEV_ROLE_PO, PO, &cd);
	else if (kind == 7)
		ret = clonedev_nl_open(&nl);
	if (ret) {
		count(w, ret, NULL);
		return NULL;
	}
	if (kind == 1)
		snprintf(label, sizeof(label), "storm-k%u", w->index);
	while (time(NULL) < deadline) {
		switch (kind) {
		case 0:
			do_logins(w, cd);
			break;
		case 1:
			do_keys(w, cd, label);
			break;
		case 2:
			do_encrypt(w, cd);
			break;
		case 3:
			do_clone(w, slot_a, slot_b);
			break;
		case 4:
			do_clone(w, slot_b, slot_a);
			break;
		case 5:
			do_policy(w, cd);
			break;
		case 6:
			do_lookups(w, cd);
			break;
		default:
			do_partitions(w, nl);
			break;
		}
	}
	if (cd)
		clonedev_close(cd);
	if (nl)
		clonedev_nl_close(nl);
	return NULL;
}

static int make_partition(struct clonedev_nl *nl, const char *label,
			  unsigned int *slot)
{
	int ret = make_partition_roles(nl, label, PO, CO, CU, "storm-dom",
				       slot, NULL);

	if (ret)
		printf("storm: partition %s: %s\n", label, strerror(-ret));
	return ret;
}

static int by_ouid(const void *a, const void *b)
{
	return memcmp(((const struct clonedev_object_attrs *)a)->ouid,
		      ((const struct clonedev_object_attrs *)b)->ouid,
		      CLONEDEV_OUID_LEN);
}

/* Slot @slot's objects (sorted by OUID) into *@all; their count, or -errno. */
static int listing(unsigned int slot, struct clonedev_object_attrs **all)
{
	struct clonedev *cd;
	int n;

	n = session(slot, CLONEDEV_ROLE_CO, CO, &cd);
	if (n)
		return n;
	n = clonedev_object_list_attrs(cd, all);
	clonedev_close(cd);
	if (n > 0)
		qsort(*all, n, sizeof(**all), by_ouid);
	return n;
}

static int fail(const char *what)
{
	printf("not ok - storm: VIOLATION: %s\n", what);
	return 1;
}

/* The invariants of one partition, slot @slot, listed in @all (@n). */
static int check_partition(struct clonedev_nl *nl, unsigned int slot,
			   const struct clonedev_object_attrs *all, int n)
{
	struct clonedev_slot s;
	int i, bad = 0;

	for (i = 1; i < n; i++)
		if (!memcmp(all[i - 1].ouid, all[i].ouid, CLONEDEV_OUID_LEN))
			bad |= fail("an OUID twice in one partition");
	if (clonedev_nl_slot_get(nl, slot, &s) || s.object_count != (unsigned int)n)
		bad |= fail("a partition's object count is not what it lists");
	return bad;
}

int main(int argc, char **argv)
{
	unsigned int threads = argc > 1 ? strtoul(argv[1], NULL, 10) : 32;
	unsigned int seconds = argc > 2 ? strtoul(argv[2], NULL, 10) : 60;
	struct clonedev_object_attrs *a0 = NULL, *b0 = NULL, *a1 = NULL, *b1 = NULL;
	unsigned long by_kind[8][3] = { 0 };
	static struct worker w[MAX_THREADS];
	struct clonedev_slot *slots = NULL;
	int n_a, n_b, bad = 0, i, n;
	struct clonedev_nl *nl;
	struct clonedev *cd;

	if (!threads || threads > MAX_THREADS) {
		fprintf(stderr, "usage: storm_test [THREADS (1-%d) [SECONDS]]\n",
			MAX_THREADS);
		return 2;
	}
	if (clonedev_nl_open(&nl))
		return fail("no netlink");
	n = clonedev_nl_slot_list(nl, &slots);
	for (i = 0; i < n; i++)
		clonedev_nl_partition_delete(nl, slots[i].slot);
	free(slots);
	if (make_partition(nl, "storm-a", &slot_a) ||
	    make_partition(nl, "storm-b", &slot_b))
		return fail("setting up the two partitions");
	/* Policy 44: A may hold a second domain (the policy threads). */
	if (session(slot_a, CLONEDEV_ROLE_PO, PO, &cd) ||
	    clonedev_policy_set(cd, &(struct clonedev_policy_change){ 44, 1 }, 1, 0))
		return fail("allowing A a second domain");
	clonedev_close(cd);
	if (session(slot_a, CLONEDEV_ROLE_CO, CO, &cd))
		return fail("logging in to A");
	if (clonedev_object_generate(cd, CLONEDEV_KEY_AES, 256, 0, "storm-key",
				     NULL, 0, &key_a))
		return fail("generating the key that stays");
	clonedev_close(cd);

	deadline = time(NULL) + seconds;
	for (i = 0; i < (int)threads; i++) {
		w[i].index = i;
		if (pthread_create(&w[i].thread, NULL, work, &w[i]))
			return fail("starting a thread");
	}
	for (i = 0; i < (int)threads; i++)
		pthread_join(w[i].thread, NULL);

	for (i = 0; i < (int)threads; i++) {
		unsigned int k = i % 8;

		by_kind[k][0] += w[i].ops;
		by_kind[k][1] += w[i].fails;
		by_kind[k][2] += w[i].bad;
		if (w[i].bad)
			printf("storm: thread %d (%s): %lu calls failed with %s\n",
			       i, kinds[k], w[i].bad, strerror(-w[i].first_bad));
	}
	printf("storm: %u threads, %u s\n", threads, seconds);
	for (i = 0; i < 8; i++)
		printf("storm: %-14s %8lu calls, %6lu refused as they may be, %lu wrongly\n",
		       kinds[i], by_kind[i][0], by_kind[i][1], by_kind[i][2]);
	for (i = 0; i < 8; i++)
		if (by_kind[i][2])
			bad |= fail("a call failed that must not");
	for (n = 0, i = 0; i < (int)threads; i += 8)
		if (w[i].max_failures > (unsigned int)n)
			n = w[i].max_failures;
	printf("storm: the cu's failed logins: at most %d seen (limit %d)\n",
	       n, MAX_FAILED_LOGINS);
	if (n > MAX_FAILED_LOGINS)
		bad |= fail("the cu's failed logins passed the limit");

	n_a = listing(slot_a, &a0);
	n_b = listing(slot_b, &b0);
	if (n_a < 0 || n_b < 0)
		return fail("listing the partitions");
	bad |= check_partition(nl, slot_a, a0, n_a);
	bad |= check_partition(nl, slot_b, b0, n_b);
	if (session(slot_a, CLONEDEV_ROLE_CO, CO, &cd))
		return fail("logging in after the storm");
	for (i = 1; i < (int)threads; i += 8) {
		unsigned int *h = NULL, j;
		char label[16];

		snprintf(label, sizeof(label), "storm-k%d", i);
		n = clonedev_object_find(cd, label, NULL, 0, &h);
		for (j = 0; j < w[i].n_own; j++) {
			int k;

			for (k = 0; k < n && h[k] != w[i].own[j]; k++)
				;
			if (k >= n)
				bad |= fail("a key a thread kept is not found by its label");
		}
		free(h);
	}
	clonedev_close(cd);
	clonedev_nl_close(nl);
	printf("storm: A holds %d objects, B %d\n", n_a, n_b);

	if (system("rmmod clonedev && modprobe clonedev"))
		return fail("reloading the module");
	if (listing(slot_a, &a1) != n_a || listing(slot_b, &b1) != n_b ||
	    memcmp(a0, a1, n_a * sizeof(*a0)) ||
	    memcmp(b0, b1, n_b * sizeof(*b0)))
		bad |= fail("the reloaded store is not the live state it had");
	else
		printf("storm: the reloaded store equals the live state\n");
	free(a0);
	free(b0);
	free(a1);
	free(b1);
	printf("%s 1 - storm: %u threads for %u s, %s\n", bad ? "not ok" : "ok",
	       threads, seconds, bad ? "FAILED" : "no violation");
	printf("1..1\n");
	return bad;
}
