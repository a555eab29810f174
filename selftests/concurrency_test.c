// SPDX-License-Identifier: GPL-2.0
/*
 * clonedev selftests: 16 threads, each with its own session on one
 * partition, create, find and destroy objects at once; then the counts,
 * the indexes and the store reloaded by a fresh module all agree.
 */
#include <pthread.h>
#include <stdio.h>

#include "clonedev_test_util.h"

#define THREADS		16
#define ROUNDS		40

struct worker {
	unsigned int slot;
	unsigned int index;
	int err;		/* first failure, as a negative errno */
	int mismatches;		/* finds that did not see what they should */
	unsigned int live;	/* objects this thread left */
};

static void label_of(unsigned int index, char *label)
{
	sprintf(label, "thread-%02u", index);
}

static int by_value(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

/* True if @found (ascending, as find gives it) holds just @mine. */
static bool same_set(const unsigned int *found, const unsigned int *mine,
		     unsigned int n)
{
	unsigned int sorted[ROUNDS];

	memcpy(sorted, mine, n * sizeof(*mine));
	qsort(sorted, n, sizeof(*sorted), by_value);
	return !memcmp(found, sorted, n * sizeof(*found));
}

static void *work(void *arg)
{
	struct worker *w = arg;
	unsigned int mine[ROUNDS], *found = NULL;
	unsigned char id = (unsigned char)w->index;
	struct clonedev *cd;
	char label[16];
	int i, n, ret;

	label_of(w->index, label);
	ret = clonedev_open(&cd);
	if (ret) {
		w->err = ret;
		return NULL;
	}
	ret = clonedev_slot_set(cd, w->slot) ?:
	      clonedev_login(cd, CLONEDEV_ROLE_CO, TEST_CO);
	for (i = 0; !ret && i < ROUNDS; i++) {
		ret = i % 3 ?
		      clonedev_object_generate(cd, CLONEDEV_KEY_AES, 128, 0,
					       label, &id, 1, &mine[w->live]) :
		      clonedev_object_create(cd, 0, label, &id, 1, "data", 4,
					     &mine[w->live]);
		if (ret)
			break;
		w->live++;
		/* Every fourth round destroys the oldest object left. */
		if (i % 4 == 3) {
			ret = clonedev_object_destroy(cd, mine[0]);
			memmove(mine, mine + 1, --w->live * sizeof(*mine));
		}
		n = clonedev_object_find(cd, label, &id, 1, &found);
		if (n < 0)
			ret = n;
		else if ((unsigned int)n != w->live ||
			 !same_set(found, mine, n))
			w->mismatches++;
		free(found);
		found = NULL;
	}
	w->err = ret;
	clonedev_close(cd);
	return NULL;
}

/* Every thread's objects, found by label in session @cd. */
static void check_counts(struct __test_metadata *_metadata,
			 struct clonedev *cd, const struct worker *w)
{
	unsigned int *found = NULL, total = 0, i;
	char label[16];

	for (i = 0; i < THREADS; i++) {
		label_of(i, label);
		EXPECT_EQ((int)w[i].live,
			  clonedev_object_find(cd, label, NULL, 0, &found));
		free(found);
		found = NULL;
		total += w[i].live;
	}
	EXPECT_EQ((int)total, count_objects(cd));
}

/*
 * The harness's 30 s default is a hang guard; on the debug kernel the
 * store's fsyncs alone can take longer than that.
 */
FIXTURE(threads) {};
FIXTURE_SETUP(threads) {}
FIXTURE_TEARDOWN(threads) {}

TEST_F_TIMEOUT(threads, sixteen_threads_then_reload, HEAVY_TEST_TIMEOUT)
{
	struct worker w[THREADS] = { 0 };
	pthread_t t[THREADS];
	struct clonedev_slot s;
	struct clonedev_nl *nl;
	struct clonedev *cd;
	unsigned int slot, i, total = 0;

	ASSERT_EQ(0, clonedev_nl_open(&nl));
	delete_all_partitions(_metadata, nl);
	setup_partition(_metadata, nl, "threads", &cd, &slot);
	for (i = 0; i < THREADS; i++) {
		w[i].slot = slot;
		w[i].index = i;
		ASSERT_EQ(0, pthread_create(&t[i], NULL, work, &w[i]));
	}
	for (i = 0; i < THREADS; i++) {
		ASSERT_EQ(0, pthread_join(t[i], NULL));
		EXPECT_EQ(0, w[i].err)
			TH_LOG("thread %u: %s", i, strerror(-w[i].err));
		EXPECT_EQ(0, w[i].mismatches);
		total += w[i].live;
	}
	EXPECT_EQ(THREADS * (ROUNDS - ROUNDS / 4), total);
	check_counts(_metadata, cd, w);
	ASSERT_EQ(0, clonedev_nl_slot_get(nl, slot, &s));
	EXPECT_EQ(total, s.object_count);
	clonedev_close(cd);
	clonedev_nl_close(nl);

	/* A fresh module reads the same from the store. */
	ASSERT_EQ(0, system("rmmod clonedev && modprobe clonedev"));
	ASSERT_EQ(0, clonedev_open(&cd));
	ASSERT_EQ(0, clonedev_slot_set(cd, slot));
	ASSERT_EQ(0, clonedev_login(cd, CLONEDEV_ROLE_CO, TEST_CO));
	check_counts(_metadata, cd, w);
	clonedev_close(cd);
	ASSERT_EQ(0, clonedev_nl_open(&nl));
	delete_all_partitions(_metadata, nl);
	clonedev_nl_close(nl);
}

TEST_HARNESS_MAIN
