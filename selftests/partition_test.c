// SPDX-License-Identifier: GPL-2.0
/*
 * clonedev selftests: partitions over the system plane: create, list, get,
 * delete, their rejection paths with exact errno and extack, the
 * administrator check, and the events multicast group. Needs the store's
 * sealing key in root's keyring (selftests/vm/run puts a test key there).
 */
#include <sys/wait.h>
#include <unistd.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "clonedev_test_util.h"

static int slot_count(struct clonedev_nl *nl)
{
	struct clonedev_slot *slots = NULL;
	int n = clonedev_nl_slot_list(nl, &slots);

	free(slots);
	return n;
}

FIXTURE(part)
{
	struct clonedev_nl *nl;
};

FIXTURE_SETUP(part)
{
	ASSERT_EQ(0, clonedev_nl_open(&self->nl));
	delete_all_partitions(_metadata, self->nl);
}

FIXTURE_TEARDOWN(part)
{
	delete_all_partitions(_metadata, self->nl);
	clonedev_nl_close(self->nl);
}

TEST_F(part, create_defaults)
{
	struct clonedev_hsm_info info;
	struct clonedev_slot s, g;

	ASSERT_EQ(0, clonedev_nl_partition_create(self->nl, "alpha", 0, 0, 0,
						  &s));
	EXPECT_EQ(1, s.slot);
	EXPECT_STREQ("alpha", s.label);
	EXPECT_EQ(CLONEDEV_AUTH_PASSWORD, s.auth);
	EXPECT_EQ(CLONEDEV_PTYPE_APPLICATION, s.type);
	EXPECT_EQ(CLONEDEV_LEVEL_CURRENT, s.protocol_level);
	EXPECT_EQ(CLONEDEV_STATE_UNINITIALIZED, s.state);
	EXPECT_EQ(0, s.object_count);
	EXPECT_LE(100000000000ULL, s.serial);
	EXPECT_GT(1000000000000ULL, s.serial);

	ASSERT_EQ(0, clonedev_nl_slot_get(self->nl, s.slot, &g));
	EXPECT_EQ(0, memcmp(&s, &g, sizeof(s)));
	ASSERT_EQ(0, clonedev_nl_hsm_get(self->nl, &info));
	EXPECT_EQ(1, info.partition_count);
	EXPECT_EQ(CLONEDEV_HSM_ACTIVE, info.hsm_flags & CLONEDEV_HSM_ACTIVE);
}

TEST_F(part, create_each_kind)
{
	struct clonedev_slot a, b, *slots = NULL;

	ASSERT_EQ(0, clonedev_nl_partition_create(self->nl, "quorum backup",
						  CLONEDEV_AUTH_QUORUM,
						  CLONEDEV_PTYPE_BACKUP,
						  CLONEDEV_LEVEL_LEGACY, &a));
	ASSERT_EQ(0, clonedev_nl_partition_create(self->nl, "v3", 0, 0,
						  CLONEDEV_LEVEL_V3, &b));
	EXPECT_EQ(CLONEDEV_AUTH_QUORUM, a.auth);
	EXPECT_EQ(CLONEDEV_PTYPE_BACKUP, a.type);
	EXPECT_EQ(CLONEDEV_LEVEL_LEGACY, a.protocol_level);
	EXPECT_EQ(CLONEDEV_LEVEL_V3, b.protocol_level);
	EXPECT_NE(a.slot, b.slot);
	EXPECT_NE(a.serial, b.serial);
	ASSERT_EQ(2, clonedev_nl_slot_list(self->nl, &slots));
	EXPECT_EQ(a.slot, slots[0].slot);
	EXPECT_EQ(b.slot, slots[1].slot);
	free(slots);
}

TEST_F(part, slot_numbers_reused_lowest_first)
{
	struct clonedev_slot a, b, c;

	ASSERT_EQ(0, clonedev_nl_partition_create(self->nl, "a", 0, 0, 0, &a));
	ASSERT_EQ(0, clonedev_nl_partition_create(self->nl, "b", 0, 0, 0, &b));
	ASSERT_EQ(0, clonedev_nl_partition_delete(self->nl, a.slot));
	ASSERT_EQ(0, clonedev_nl_partition_create(self->nl, "c", 0, 0, 0, &c));
	EXPECT_EQ(a.slot, c.slot);
	EXPECT_NE(a.serial, c.serial);
}

TEST_F(part, duplicate_label)
{
	struct clonedev_slot s;

	ASSERT_EQ(0, clonedev_nl_partition_create(self->nl, "same", 0, 0, 0,
						  &s));
	EXPECT_NERR(EEXIST, clonedev_nl_partition_create(self->nl, "same",
							 0, 0, 0, &s));
	EXPECT_STREQ("a partition with this label exists already",
		     clonedev_nl_error(self->nl, NULL));
	EXPECT_EQ(1, slot_count(self->nl));
}

TEST_F(part, bad_labels)
{
	struct clonedev_slot s;

	EXPECT_NERR(EINVAL, clonedev_nl_partition_create(self->nl, "", 0,
							 0, 0, &s));
	EXPECT_STREQ("a partition label is 1 to 32 printable characters",
		     clonedev_nl_error(self->nl, NULL));
	EXPECT_NERR(EINVAL, clonedev_nl_partition_create(self->nl,
							 "tab\there", 0,
							 0, 0, &s));
	EXPECT_NERR(EINVAL,
		    clonedev_nl_partition_create(self->nl,
						 "123456789012345678901234567890123",
						 0, 0, 0, &s));
	EXPECT_NE(0, strlen(clonedev_nl_error(self->nl, NULL)));
	EXPECT_EQ(0, slot_count(self->nl));
}

TEST_F(part, out_of_range_values)
{
	struct clonedev_slot s;

	EXPECT_NERR(ERANGE, clonedev_nl_partition_create(self->nl, "x", 3,
							 0, 0, &s));
	EXPECT_NERR(ERANGE, clonedev_nl_partition_create(self->nl, "x", 0,
							 3, 0, &s));
	EXPECT_NERR(ERANGE, clonedev_nl_partition_create(self->nl, "x", 0,
							 0, 4, &s));
	EXPECT_STREQ("integer out of range", clonedev_nl_error(self->nl, NULL));
	EXPECT_EQ(0, slot_count(self->nl));
}

TEST_F(part, missing_label)
{
	struct nl_msg *msg;
	unsigned int missing = 0;

	msg = clonedev_nl_msg(self->nl, CLONEDEV_CMD_PARTITION_CREATE, 0);
	ASSERT_NE(NULL, msg);
	EXPECT_NERR(EINVAL, clonedev_nl_transact(self->nl, msg, NULL,
						 NULL));
	EXPECT_STREQ("missing attribute CLONEDEV_A_SLOT_LABEL (the partition label)",
		     clonedev_nl_error(self->nl, &missing));
	EXPECT_EQ(CLONEDEV_A_SLOT_LABEL, missing);
	EXPECT_EQ(0, slot_count(self->nl));
}

TEST_F(part, delete_unknown)
{
	struct clonedev_slot s;

	ASSERT_EQ(0, clonedev_nl_partition_create(self->nl, "keep", 0, 0, 0,
						  &s));
	EXPECT_NERR(ENODEV, clonedev_nl_partition_delete(self->nl, 99));
	EXPECT_STREQ("no partition has this slot number",
		     clonedev_nl_error(self->nl, NULL));
	EXPECT_EQ(1, slot_count(self->nl));
}

/* A process without CAP_SYS_ADMIN may look but not create or delete. */
TEST_F(part, unprivileged)
{
	struct clonedev_slot s;
	pid_t pid;
	int status;

	ASSERT_EQ(0, clonedev_nl_partition_create(self->nl, "root's", 0, 0, 0,
						  &s));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct clonedev_nl *nl;
		struct clonedev_slot t;

		if (setgid(65534) || setuid(65534))
			_exit(10);
		if (clonedev_nl_open(&nl))
			_exit(11);
		if (clonedev_nl_partition_create(nl, "nobody's", 0, 0, 0, &t) !=
		    -EPERM)
			_exit(12);
		if (clonedev_nl_partition_delete(nl, s.slot) != -EPERM)
			_exit(13);
		if (slot_count(nl) != 1)
			_exit(14);
		clonedev_nl_close(nl);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(1, slot_count(self->nl));
}

struct ntf_seen {
	int cmd;
	char label[33];
	unsigned int slot;
};

static int on_event(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *g = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *tb[CLONEDEV_A_MAX + 1];
	struct ntf_seen *seen = arg;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, CLONEDEV_A_MAX, NULL))
		return NL_SKIP;
	seen->cmd = g->cmd;
	if (tb[CLONEDEV_A_SLOT_LABEL])
		snprintf(seen->label, sizeof(seen->label), "%s",
			 nla_get_string(tb[CLONEDEV_A_SLOT_LABEL]));
	if (tb[CLONEDEV_A_SLOT_ID])
		seen->slot = nla_get_u32(tb[CLONEDEV_A_SLOT_ID]);
	return NL_OK;
}

TEST_F(part, events)
{
	struct ntf_seen seen = { 0 };
	struct nl_sock *sk = nl_socket_alloc();
	struct clonedev_slot s;
	int grp;

	ASSERT_NE(NULL, sk);
	ASSERT_EQ(0, genl_connect(sk));
	grp = genl_ctrl_resolve_grp(sk, CLONEDEV_GENL_NAME,
				    CLONEDEV_GENL_MCGRP_EVENTS);
	ASSERT_LT(0, grp);
	nl_socket_disable_seq_check(sk);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_event, &seen);
	ASSERT_EQ(0, nl_socket_add_membership(sk, grp));

	ASSERT_EQ(0, clonedev_nl_partition_create(self->nl, "evt", 0, 0, 0,
						  &s));
	ASSERT_LE(0, nl_recvmsgs_default(sk));
	EXPECT_EQ(CLONEDEV_CMD_SLOT_CREATED_NTF, seen.cmd);
	EXPECT_STREQ("evt", seen.label);
	EXPECT_EQ(s.slot, seen.slot);

	ASSERT_EQ(0, clonedev_nl_partition_delete(self->nl, s.slot));
	ASSERT_LE(0, nl_recvmsgs_default(sk));
	EXPECT_EQ(CLONEDEV_CMD_SLOT_DELETED_NTF, seen.cmd);
	EXPECT_EQ(s.slot, seen.slot);
	nl_socket_free(sk);
}

TEST_HARNESS_MAIN
