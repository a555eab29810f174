/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the clonedev kselftests. */
#ifndef CLONEDEV_TEST_UTIL_H
#define CLONEDEV_TEST_UTIL_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "libclonedev.h"

/* A call that must fail with exactly this errno. */
#define EXPECT_ERRNO(expected, call)					\
	({								\
		errno = 0;						\
		EXPECT_EQ(-1, (call));					\
		EXPECT_EQ(expected, errno);				\
	})

/* A libclonedev call (negative errno on failure) that must fail so. */
#define EXPECT_NEG_ERRNO(expected, call)	EXPECT_EQ(-(expected), (call))

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

#endif /* CLONEDEV_TEST_UTIL_H */
