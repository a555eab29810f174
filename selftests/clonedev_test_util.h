/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the clonedev kselftests. */
#ifndef CLONEDEV_TEST_UTIL_H
#define CLONEDEV_TEST_UTIL_H

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "libclonedev.h"

/*
 * A program that is not a kselftest (crypto_xcheck_tool) defines
 * CLONEDEV_TEST_NO_HARNESS and gets only the plain helpers.
 */
#ifndef CLONEDEV_TEST_NO_HARNESS
#include "kselftest_harness.h"

/*
 * The one way to check an error. A call that sets errno (ioctl(), open())
 * must fail with exactly @expected: EXPECT_ERRNO / ASSERT_ERRNO. A
 * function that returns a negative errno (libclonedev, xioctl()) must
 * return exactly -@expected: EXPECT_NERR / ASSERT_NERR.
 */
#define EXPECT_ERRNO(expected, call)					\
	({								\
		errno = 0;						\
		EXPECT_EQ(-1, (call));					\
		EXPECT_EQ(expected, errno);				\
	})

#define ASSERT_ERRNO(expected, call)					\
	({								\
		errno = 0;						\
		ASSERT_EQ(-1, (call));					\
		ASSERT_EQ(expected, errno);				\
	})

#define EXPECT_NERR(expected, call)	EXPECT_EQ(-(expected), (call))
#define ASSERT_NERR(expected, call)	ASSERT_EQ(-(expected), (call))

#endif /* CLONEDEV_TEST_NO_HARNESS */

/* One ioctl on @cd's session: 0 or a negative errno. */
static inline int xioctl(struct clonedev *cd, unsigned long cmd, void *arg)
{
	return ioctl(clonedev_fd(cd), cmd, arg) ? -errno : 0;
}

/* Hex to bytes; "-" is empty. Returns the length, or -1. */
static inline int unhex(const char *hex, unsigned char *out, size_t cap)
{
	unsigned int byte;
	size_t i, n;

	if (!hex)
		return -1;
	if (!strcmp(hex, "-"))
		return 0;
	n = strlen(hex);
	if (n % 2 || n / 2 > cap)
		return -1;
	for (i = 0; i < n / 2; i++) {
		if (sscanf(hex + 2 * i, "%2x", &byte) != 1)
			return -1;
		out[i] = (unsigned char)byte;
	}
	return (int)(n / 2);
}

/* The directory selftests/keys/mkkeys filled: $CLONEDEV_KEYS or build/keys. */
static inline const char *keys_dir(void)
{
	const char *dir = getenv("CLONEDEV_KEYS");

	return dir && *dir ? dir : "build/keys";
}

/*
 * A new partition labelled @label, initialized with po password @po and
 * the text domain @domain (labelled "d"), its co and cu set (@co, @cu);
 * *@slot its slot, and *@cd (unless NULL) a session on it logged in as
 * co. Returns 0 or a negative errno (no session is left open then).
 */
static inline int make_partition_roles(struct clonedev_nl *nl,
				       const char *label, const char *po,
				       const char *co, const char *cu,
				       const char *domain, unsigned int *slot,
				       struct clonedev **cd)
{
	struct clonedev_slot s;
	struct clonedev *c;
	int ret;

	ret = clonedev_nl_partition_create(nl, label, 0, 0, 0, &s);
	if (ret)
		return ret;
	*slot = s.slot;
	ret = clonedev_open(&c);
	if (ret)
		return ret;
	ret = clonedev_slot_set(c, s.slot) ?:
	      clonedev_partition_init(c, NULL, po, domain, "d") ?:
	      clonedev_login(c, CLONEDEV_ROLE_PO, po) ?:
	      clonedev_role_init(c, CLONEDEV_ROLE_CO, co) ?:
	      clonedev_login(c, CLONEDEV_ROLE_CO, co) ?:
	      clonedev_role_init(c, CLONEDEV_ROLE_CU, cu) ?:
	      clonedev_login(c, CLONEDEV_ROLE_CO, co);
	if (ret || !cd)
		clonedev_close(c);
	else
		*cd = c;
	return ret;
}

#ifndef CLONEDEV_TEST_NO_HARNESS

/* Deletes every partition, so each test starts from an empty HSM. */
static inline void delete_all_partitions(struct __test_metadata *_metadata,
					 struct clonedev_nl *nl)
{
	struct clonedev_slot *slots = NULL;
	int i, n;

	n = clonedev_nl_slot_list(nl, &slots);
	ASSERT_LE(0, n);
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, clonedev_nl_partition_delete(nl, slots[i].slot));
	free(slots);
}

/*
 * Timeout for tests that make thousands of objects: the harness's 30 s
 * default only guards against hangs, and the debug kernel (KASAN,
 * kmemleak, lockdep) on TCG is many times slower than a real host.
 */
#define HEAVY_TEST_TIMEOUT 600

#define TEST_PO "po-secret"
#define TEST_CO "co-secret"
#define TEST_CU "cu-secret"

/*
 * A new initialized partition labelled @label with po, co and cu set
 * (TEST_PO, TEST_CO, TEST_CU), *cd a session on it logged in as co.
 */
static inline void setup_partition(struct __test_metadata *_metadata,
				   struct clonedev_nl *nl, const char *label,
				   struct clonedev **cd, unsigned int *slot)
{
	struct clonedev_slot s;

	ASSERT_EQ(0, clonedev_nl_partition_create(nl, label, 0, 0, 0, &s));
	*slot = s.slot;
	ASSERT_EQ(0, clonedev_open(cd));
	ASSERT_EQ(0, clonedev_slot_set(*cd, s.slot));
	ASSERT_EQ(0, clonedev_partition_init(*cd, NULL, TEST_PO, "d", "dom"));
	ASSERT_EQ(0, clonedev_login(*cd, CLONEDEV_ROLE_PO, TEST_PO));
	ASSERT_EQ(0, clonedev_role_init(*cd, CLONEDEV_ROLE_CO, TEST_CO));
	ASSERT_EQ(0, clonedev_login(*cd, CLONEDEV_ROLE_CO, TEST_CO));
	ASSERT_EQ(0, clonedev_role_init(*cd, CLONEDEV_ROLE_CU, TEST_CU));
	ASSERT_EQ(0, clonedev_login(*cd, CLONEDEV_ROLE_CO, TEST_CO));
}

/* The number of objects the session's partition lists. */
static inline int count_objects(struct clonedev *cd)
{
	unsigned int *h = NULL;
	int n = clonedev_object_list(cd, &h);

	free(h);
	return n;
}

#define LOGIN_RACERS	64

struct login_racer {
	pthread_barrier_t *start;
	unsigned int slot;
	unsigned int role;
	const char *password;
	int ret;
};

static inline void *race_login(void *arg)
{
	struct login_racer *r = arg;
	struct clonedev *cd;

	r->ret = clonedev_open(&cd);
	if (!r->ret)
		r->ret = clonedev_slot_set(cd, r->slot);
	pthread_barrier_wait(r->start);
	if (!r->ret)
		r->ret = clonedev_login(cd, r->role, r->password);
	if (cd)
		clonedev_close(cd);
	return NULL;
}

/*
 * LOGIN_RACERS sessions log in to @role at once, racer @right with @password and
 * the others with a wrong one (no @right: -1); counts each result: 0,
 * -EACCES, -EKEYREVOKED and anything else.
 */
static inline void race_logins(struct __test_metadata *_metadata,
			       unsigned int slot, unsigned int role, int right,
			       const char *password, int *ok, int *wrong,
			       int *revoked, int *other)
{
	struct login_racer r[LOGIN_RACERS];
	pthread_t t[LOGIN_RACERS];
	pthread_barrier_t start;
	int i;

	*ok = *wrong = *revoked = *other = 0;
	ASSERT_EQ(0, pthread_barrier_init(&start, NULL, LOGIN_RACERS));
	for (i = 0; i < LOGIN_RACERS; i++) {
		r[i] = (struct login_racer){ .start = &start, .slot = slot,
				       .role = role,
				       .password = i == right ? password :
						   "wrong" };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, race_login, &r[i]));
	}
	for (i = 0; i < LOGIN_RACERS; i++) {
		pthread_join(t[i], NULL);
		if (i == right)
			continue;
		if (r[i].ret == -EACCES)
			(*wrong)++;
		else if (r[i].ret == -EKEYREVOKED)
			(*revoked)++;
		else
			(*other)++;
	}
	if (right >= 0) {
		if (!r[right].ret)
			(*ok)++;
		else if (r[right].ret == -EKEYREVOKED)
			(*revoked)++;
		else
			(*other)++;
	}
	pthread_barrier_destroy(&start);
}

#endif /* CLONEDEV_TEST_NO_HARNESS */
#endif /* CLONEDEV_TEST_UTIL_H */
