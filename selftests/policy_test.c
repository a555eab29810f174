// SPDX-License-Identifier: GPL-2.0
/*
 * clonedev selftests: partition policies over ioctl: the table and its
 * defaults, who may change them, ranges, the 0/1 dependency, destructive
 * changes, all-or-nothing multi-changes, and policy 20 driving lockout.
 */
#include <sys/ioctl.h>

#include "clonedev_test_util.h"

#define PO "po-secret"
#define CO "co-secret"

static const struct {
	unsigned int id, def, min, max, flags;
} table[CLONEDEV_POLICY_COUNT] = {
	{ 0, 1, 0, 1, 0 },
	{ 1, 0, 0, 1, CLONEDEV_POLICY_DESTRUCTIVE_ON },
	{ 4, 1, 0, 1, 0 },
	{ 5, 1, 0, 1, 0 },
	{ 20, 10, 1, 10, 0 },
	{ 22, 0, 0, 1, 0 },
	{ 28, 1, 0, 1, 0 },
	{ 42, 0, 0, 1, CLONEDEV_POLICY_DESTRUCTIVE_ON },
	{ 43, 1, 0, 1, 0 },
	{ 44, 0, 0, 1, 0 },
};

FIXTURE(pol)
{
	struct clonedev_nl *nl;
	struct clonedev *cd;
};

FIXTURE_SETUP(pol)
{
	struct clonedev_slot s;

	ASSERT_EQ(0, clonedev_nl_open(&self->nl));
	delete_all_partitions(_metadata, self->nl);
	ASSERT_EQ(0, clonedev_nl_partition_create(self->nl, "pol", 0, 0, 0,
						  &s));
	ASSERT_EQ(0, clonedev_open(&self->cd));
	ASSERT_EQ(0, clonedev_slot_set(self->cd, s.slot));
	ASSERT_EQ(0, clonedev_partition_init(self->cd, NULL, PO, "d", "dom"));
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_PO, PO));
	ASSERT_EQ(0, clonedev_role_init(self->cd, CLONEDEV_ROLE_CO, CO));
}

FIXTURE_TEARDOWN(pol)
{
	clonedev_close(self->cd);
	delete_all_partitions(_metadata, self->nl);
	clonedev_nl_close(self->nl);
}

static unsigned int value_of(struct clonedev *cd, unsigned int id)
{
	struct clonedev_policy_get pg;
	unsigned int i;

	if (clonedev_policy_get(cd, &pg))
		return 999;
	for (i = 0; i < pg.count; i++)
		if (pg.entries[i].id == id)
			return pg.entries[i].value;
	return 998;
}

static int set1(struct clonedev *cd, unsigned int id, unsigned int v,
		int force)
{
	struct clonedev_policy_change c = { id, v };

	return clonedev_policy_set(cd, &c, 1, force);
}

TEST_F(pol, table_and_defaults)
{
	struct clonedev_policy_get pg;
	unsigned int i;

	ASSERT_EQ(0, clonedev_policy_get(self->cd, &pg));
	ASSERT_EQ(CLONEDEV_POLICY_COUNT, pg.count);
	for (i = 0; i < CLONEDEV_POLICY_COUNT; i++) {
		EXPECT_EQ(table[i].id, pg.entries[i].id);
		EXPECT_EQ(table[i].def, pg.entries[i].value);
		EXPECT_EQ(table[i].def, pg.entries[i].default_value);
		EXPECT_EQ(table[i].min, pg.entries[i].min);
		EXPECT_EQ(table[i].max, pg.entries[i].max);
		EXPECT_EQ(table[i].flags, pg.entries[i].policy_flags);
	}
}

TEST_F(pol, get_needs_slot)
{
	struct clonedev_policy_get pg;
	struct clonedev *other;

	ASSERT_EQ(0, clonedev_open(&other));
	EXPECT_NERR(ENODEV, clonedev_policy_get(other, &pg));
	clonedev_close(other);
}

TEST_F(pol, only_po_changes)
{
	struct clonedev *other;

	ASSERT_EQ(0, clonedev_open(&other));
	EXPECT_NERR(ENODEV, set1(other, 4, 0, 0));
	ASSERT_EQ(0, clonedev_slot_set(other, 1));
	EXPECT_NERR(EACCES, set1(other, 4, 0, 0));
	ASSERT_EQ(0, clonedev_login(other, CLONEDEV_ROLE_CO, CO));
	EXPECT_NERR(EACCES, set1(other, 4, 0, 0));
	clonedev_close(other);
	EXPECT_EQ(1, value_of(self->cd, 4));
	ASSERT_EQ(0, set1(self->cd, 4, 0, 0));
	EXPECT_EQ(0, value_of(self->cd, 4));
}

TEST_F(pol, bad_changes_change_nothing)
{
	struct clonedev_policy_change two[2] = { { 4, 0 }, { 3, 1 } };
	struct clonedev_policy_change dup[2] = { { 4, 0 }, { 4, 1 } };
	struct clonedev_policy_set cmd = { .size = sizeof(cmd) };
	int fd = clonedev_fd(self->cd);

	EXPECT_NERR(EINVAL, clonedev_policy_set(self->cd, two, 2, 0));
	EXPECT_NERR(EINVAL, clonedev_policy_set(self->cd, dup, 2, 0));
	EXPECT_NERR(EINVAL, clonedev_policy_set(self->cd, two, 0, 0));
	EXPECT_NERR(EINVAL, clonedev_policy_set(self->cd, two, 17, 0));
	EXPECT_NERR(ERANGE, set1(self->cd, 4, 2, 0));
	EXPECT_NERR(ERANGE, set1(self->cd, 20, 0, 0));
	EXPECT_NERR(ERANGE, set1(self->cd, 20, 11, 0));
	cmd.count = 1;
	cmd.changes = (uintptr_t)two;
	cmd.flags = 2;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(fd, CLONEDEV_IOCTL_POLICY_SET, &cmd));
	cmd.flags = 0;
	cmd.changes = 8;
	EXPECT_ERRNO(EFAULT, ioctl(fd, CLONEDEV_IOCTL_POLICY_SET, &cmd));
	EXPECT_EQ(1, value_of(self->cd, 4));
	EXPECT_EQ(10, value_of(self->cd, 20));
}

TEST_F(pol, private_cloning_and_wrapping_exclude)
{
	struct clonedev_policy_change both[2] = { { 0, 0 }, { 1, 1 } };

	EXPECT_NERR(EDOM, set1(self->cd, 1, 1, 1));
	EXPECT_EQ(0, value_of(self->cd, 1));
	/* Turning 0 off and 1 on in one change is fine (and destructive). */
	EXPECT_NERR(ECANCELED, clonedev_policy_set(self->cd, both, 2, 0));
	EXPECT_EQ(1, value_of(self->cd, 0));
	ASSERT_EQ(0, clonedev_policy_set(self->cd, both, 2, 1));
	EXPECT_EQ(0, value_of(self->cd, 0));
	EXPECT_EQ(1, value_of(self->cd, 1));
	EXPECT_NERR(EDOM, set1(self->cd, 0, 1, 0));
}

TEST_F(pol, destructive_needs_force)
{
	EXPECT_NERR(ECANCELED, set1(self->cd, 42, 1, 0));
	EXPECT_EQ(0, value_of(self->cd, 42));
	ASSERT_EQ(0, set1(self->cd, 42, 1, 1));
	EXPECT_EQ(1, value_of(self->cd, 42));
	/* On to off is not destructive. */
	ASSERT_EQ(0, set1(self->cd, 42, 0, 0));
	EXPECT_EQ(0, value_of(self->cd, 42));
}

TEST_F(pol, policy_20_sets_the_lockout)
{
	int i;

	ASSERT_EQ(0, set1(self->cd, 20, 3, 0));
	for (i = 0; i < 3; i++)
		EXPECT_NERR(EACCES, clonedev_login(self->cd,
						   CLONEDEV_ROLE_CO,
						   "wrong"));
	EXPECT_NERR(EKEYREVOKED, clonedev_login(self->cd,
						CLONEDEV_ROLE_CO, CO));
}

TEST_F(pol, init_resets_policies)
{
	ASSERT_EQ(0, set1(self->cd, 4, 0, 0));
	ASSERT_EQ(0, clonedev_partition_init(self->cd, NULL, PO, "d", "dom"));
	EXPECT_EQ(1, value_of(self->cd, 4));
}

TEST_HARNESS_MAIN
