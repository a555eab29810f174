// SPDX-License-Identifier: GPL-2.0
/*
 * clonedev selftests: a partition's CPv4 cipher suites: all enabled at
 * first, enabled and disabled by the po, narrowed to the FIPS-approved
 * ones by policy 43, reset by a re-initialization; every rejection's
 * errno with nothing changed.
 */
#include <sys/ioctl.h>

#include "clonedev_test_util.h"

#define X25519 CLONEDEV_SUITE_X25519_CHACHA20POLY1305

FIXTURE(suite)
{
	struct clonedev_nl *nl;
	struct clonedev *cd;
	unsigned int slot;
};

FIXTURE_SETUP(suite)
{
	ASSERT_EQ(0, clonedev_nl_open(&self->nl));
	delete_all_partitions(_metadata, self->nl);
	setup_partition(_metadata, self->nl, "suites", &self->cd,
			&self->slot);
}

FIXTURE_TEARDOWN(suite)
{
	clonedev_close(self->cd);
	delete_all_partitions(_metadata, self->nl);
	clonedev_nl_close(self->nl);
}

static unsigned int enabled(struct clonedev *cd)
{
	struct clonedev_suites s;

	return clonedev_suites(cd, 0, 0, &s) ? ~0U : s.enabled;
}

TEST_F(suite, all_enabled_at_first)
{
	struct clonedev_suites s;
	struct clonedev *other;

	/* Showing needs only the slot. */
	ASSERT_EQ(0, clonedev_open(&other));
	ASSERT_EQ(0, clonedev_slot_set(other, self->slot));
	ASSERT_EQ(0, clonedev_suites(other, 0, 0, &s));
	EXPECT_EQ(CLONEDEV_SUITES_ALL, s.enabled);
	EXPECT_EQ(CLONEDEV_SUITES_ALL, s.usable);
	clonedev_close(other);
}

TEST_F(suite, po_disables_and_enables)
{
	struct clonedev_suites s;

	EXPECT_NERR(EACCES, clonedev_suites(self->cd, 0, X25519, &s));
	EXPECT_EQ(CLONEDEV_SUITES_ALL, enabled(self->cd));
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_PO, TEST_PO));
	ASSERT_EQ(0, clonedev_suites(self->cd, 0,
				     X25519 | CLONEDEV_SUITE_P384_AES256GCM, &s));
	EXPECT_EQ(CLONEDEV_SUITE_P256_AES256GCM, s.enabled);
	EXPECT_EQ(CLONEDEV_SUITE_P256_AES256GCM, s.usable);
	ASSERT_EQ(0, clonedev_suites(self->cd, CLONEDEV_SUITE_P384_AES256GCM,
				     CLONEDEV_SUITE_P256_AES256GCM, &s));
	EXPECT_EQ(CLONEDEV_SUITE_P384_AES256GCM, s.enabled);
	/* None left: CPv4 is out. */
	ASSERT_EQ(0, clonedev_suites(self->cd, 0, CLONEDEV_SUITES_ALL, &s));
	EXPECT_EQ(0, s.enabled);
	EXPECT_EQ(0, s.usable);
	/* A re-initialization enables every suite again. */
	ASSERT_EQ(0, clonedev_partition_init(self->cd, NULL, TEST_PO, "d",
					     "dom"));
	EXPECT_EQ(CLONEDEV_SUITES_ALL, enabled(self->cd));
}

TEST_F(suite, policy_43_keeps_the_fips_ones)
{
	struct clonedev_policy_change c = {
		.id = CLONEDEV_POLICY_NON_FIPS, .value = 0,
	};
	struct clonedev_suites s;

	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_PO, TEST_PO));
	ASSERT_EQ(0, clonedev_policy_set(self->cd, &c, 1, 0));
	ASSERT_EQ(0, clonedev_suites(self->cd, 0, 0, &s));
	EXPECT_EQ(CLONEDEV_SUITES_ALL, s.enabled);
	EXPECT_EQ(CLONEDEV_SUITES_FIPS, s.usable);
}

TEST_F(suite, rejections)
{
	struct clonedev_suites s = { .size = sizeof(s) };

	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_PO, TEST_PO));
	s.disable = 8;
	EXPECT_ERRNO(EINVAL, ioctl(clonedev_fd(self->cd), CLONEDEV_IOCTL_SUITES,
				   &s));
	s.disable = CLONEDEV_SUITE_P256_AES256GCM;
	s.enable = CLONEDEV_SUITE_P256_AES256GCM;
	EXPECT_ERRNO(EINVAL, ioctl(clonedev_fd(self->cd), CLONEDEV_IOCTL_SUITES,
				   &s));
	s.enable = 0;
	s.flags = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(clonedev_fd(self->cd),
				       CLONEDEV_IOCTL_SUITES, &s));
	EXPECT_EQ(CLONEDEV_SUITES_ALL, enabled(self->cd));
}

TEST_F(suite, needs_a_slot)
{
	struct clonedev_suites s;
	struct clonedev *none;

	ASSERT_EQ(0, clonedev_open(&none));
	EXPECT_NERR(ENODEV, clonedev_suites(none, 0, 0, &s));
	clonedev_close(none);
}

TEST_HARNESS_MAIN
