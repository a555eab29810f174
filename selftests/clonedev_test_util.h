/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the clonedev kselftests. */
#ifndef CLONEDEV_TEST_UTIL_H
#define CLONEDEV_TEST_UTIL_H

#include <errno.h>
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

#endif /* CLONEDEV_TEST_UTIL_H */
