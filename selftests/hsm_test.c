// SPDX-License-Identifier: GPL-2.0
/*
 * clonedev selftests: the device, the HSM-info ioctl and its rejection
 * paths, the generic netlink family, its dumps and its extended acks.
 * Run as root in a VM with clonedev.ko loaded (selftests/vm/run).
 */
#include <fcntl.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <grp.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "clonedev_test_util.h"

#ifndef CLONEDEV_EXPECTED_VERSION
#error "build with -DCLONEDEV_EXPECTED_VERSION"
#endif

/* Every suite: the guest must be able to load the kernel's crypto modules. */
#define ALL_SUITES (CLONEDEV_SUITE_P384_AES256GCM |			\
		    CLONEDEV_SUITE_P256_AES256GCM |			\
		    CLONEDEV_SUITE_X25519_CHACHA20POLY1305)

static const struct clonedev_hsm_info zero_info;

TEST(device_node)
{
	struct stat st;

	ASSERT_EQ(0, stat(CLONEDEV_DEVICE_PATH, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(10, major(st.st_rdev));
	EXPECT_EQ(CLONEDEV_MISC_MINOR, minor(st.st_rdev));
	EXPECT_EQ(0660, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
	EXPECT_EQ(0, st.st_gid);
}

/* In a child: an unprivileged user with @groups tries to open the device. */
static int open_as_nobody(gid_t group)
{
	struct clonedev_session_info si = { .size = sizeof(si) };
	int fd;

	if (setgroups(group ? 1 : 0, &group) || setgid(65534) ||
	    setuid(65534))
		return 10;
	fd = open(CLONEDEV_DEVICE_PATH, O_RDWR);
	if (fd < 0)
		return errno == EACCES ? 1 : 11;
	/* A session, but with no role until a login. */
	if (ioctl(fd, CLONEDEV_IOCTL_SESSION_INFO, &si) ||
	    si.role != CLONEDEV_ROLE_NONE)
		return 12;
	close(fd);
	return 0;
}

static int child_status(gid_t group)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(open_as_nobody(group));
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * Who may open /dev/clonedev: root, and the group the node is given (by a
 * udev rule on a real host, by chown here); nobody else (EACCES).
 */
TEST(device_access)
{
	EXPECT_EQ(1, child_status(0));
	EXPECT_EQ(1, child_status(4242));
	ASSERT_EQ(0, chown(CLONEDEV_DEVICE_PATH, 0, 4242));
	EXPECT_EQ(0, child_status(4242));
	EXPECT_EQ(1, child_status(4243));
	ASSERT_EQ(0, chown(CLONEDEV_DEVICE_PATH, 0, 0));
	EXPECT_EQ(1, child_status(4242));
}

FIXTURE(dev)
{
	int fd;
	struct clonedev_hsm_info info;
};

FIXTURE_SETUP(dev)
{
	self->fd = open(CLONEDEV_DEVICE_PATH, O_RDWR);
	ASSERT_LE(0, self->fd);
	memset(&self->info, 0, sizeof(self->info));
	self->info.size = sizeof(self->info);
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

TEST_F(dev, hsm_info)
{
	struct clonedev_hsm_info *i = &self->info;

	ASSERT_EQ(0, ioctl(self->fd, CLONEDEV_IOCTL_HSM_INFO, i));
	EXPECT_STREQ(CLONEDEV_EXPECTED_VERSION, i->version);
	EXPECT_EQ(CLONEDEV_PROTO_CPV1 | CLONEDEV_PROTO_CPV3 | CLONEDEV_PROTO_CPV4,
		  i->protocols);
	EXPECT_EQ(ALL_SUITES, i->suites);
	EXPECT_EQ(0, i->hsm_flags & CLONEDEV_HSM_FIPS);
	EXPECT_EQ(CLONEDEV_HSM_ACTIVE, i->hsm_flags & CLONEDEV_HSM_ACTIVE);
	EXPECT_EQ(0, i->partition_count);
	EXPECT_EQ(100, i->max_partitions);
	EXPECT_EQ(sizeof(*i), i->size);
}

TEST_F(dev, hsm_info_library_agrees)
{
	struct clonedev_hsm_info lib;
	struct clonedev *cd;

	ASSERT_EQ(0, ioctl(self->fd, CLONEDEV_IOCTL_HSM_INFO, &self->info));
	ASSERT_EQ(0, clonedev_open(&cd));
	ASSERT_EQ(0, clonedev_hsm_info(cd, &lib));
	EXPECT_EQ(0, memcmp(&lib, &self->info, sizeof(lib)));
	clonedev_close(cd);
}

TEST_F(dev, unknown_ioctl)
{
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IO(CLONEDEV_IOCTL_TYPE, 0x7f),
				   &self->info));
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IO(CLONEDEV_IOCTL_TYPE, 0xff),
				   &self->info));
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IO('x', CLONEDEV_CMD_HSM_INFO),
				   &self->info));
	/* The right number with another direction/size encoding. */
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd,
				   _IOWR(CLONEDEV_IOCTL_TYPE,
					 CLONEDEV_CMD_HSM_INFO, int),
				   &self->info));
	EXPECT_EQ(0, memcmp(&self->info.version, zero_info.version,
			    sizeof(zero_info.version)));
}

TEST_F(dev, size_too_small)
{
	self->info.size = offsetof(struct clonedev_hsm_info, __reserved);
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, CLONEDEV_IOCTL_HSM_INFO,
				   &self->info));
	self->info.size = 0;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, CLONEDEV_IOCTL_HSM_INFO,
				   &self->info));
	EXPECT_EQ(0, self->info.version[0]);
}

TEST_F(dev, unknown_flags)
{
	self->info.flags = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, CLONEDEV_IOCTL_HSM_INFO,
				       &self->info));
	self->info.flags = 0x80000000u;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, CLONEDEV_IOCTL_HSM_INFO,
				       &self->info));
	EXPECT_EQ(0, self->info.version[0]);
}

TEST_F(dev, reserved_not_zero)
{
	self->info.__reserved = 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, CLONEDEV_IOCTL_HSM_INFO,
				   &self->info));
	EXPECT_EQ(0, self->info.version[0]);
}

/* A newer user space with a longer struct: zero tail fine, else E2BIG. */
TEST_F(dev, larger_struct)
{
	struct {
		struct clonedev_hsm_info info;
		__u64 future;
	} big;

	memset(&big, 0, sizeof(big));
	big.info.size = sizeof(big);
	EXPECT_EQ(0, ioctl(self->fd, CLONEDEV_IOCTL_HSM_INFO, &big));
	EXPECT_STREQ(CLONEDEV_EXPECTED_VERSION, big.info.version);
	EXPECT_EQ(0, big.future);

	memset(&big, 0, sizeof(big));
	big.info.size = sizeof(big);
	big.future = 1;
	EXPECT_ERRNO(E2BIG, ioctl(self->fd, CLONEDEV_IOCTL_HSM_INFO, &big));
	EXPECT_EQ(0, big.info.version[0]);
}

TEST_F(dev, bad_pointer)
{
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, CLONEDEV_IOCTL_HSM_INFO, NULL));
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, CLONEDEV_IOCTL_HSM_INFO,
				   (void *)8));
}

TEST_F(dev, no_seek)
{
	EXPECT_ERRNO(ESPIPE, lseek(self->fd, 0, SEEK_SET));
}

FIXTURE(nl)
{
	struct clonedev_nl *nl;
};

FIXTURE_SETUP(nl)
{
	ASSERT_EQ(0, clonedev_nl_open(&self->nl));
}

FIXTURE_TEARDOWN(nl)
{
	clonedev_nl_close(self->nl);
}

TEST_F(nl, family_and_events_group)
{
	struct nl_sock *sk = nl_socket_alloc();

	EXPECT_LT(0, clonedev_nl_family(self->nl));
	ASSERT_NE(NULL, sk);
	ASSERT_EQ(0, genl_connect(sk));
	EXPECT_LT(0, genl_ctrl_resolve_grp(sk, CLONEDEV_GENL_NAME,
					   CLONEDEV_GENL_MCGRP_EVENTS));
	nl_socket_free(sk);
}

TEST_F(nl, hsm_get_matches_ioctl)
{
	struct clonedev_hsm_info a, b;
	struct clonedev *cd;

	ASSERT_EQ(0, clonedev_nl_hsm_get(self->nl, &a));
	ASSERT_EQ(0, clonedev_open(&cd));
	ASSERT_EQ(0, clonedev_hsm_info(cd, &b));
	clonedev_close(cd);
	EXPECT_EQ(0, memcmp(&a, &b, sizeof(a)));
	EXPECT_STREQ(CLONEDEV_EXPECTED_VERSION, a.version);
}

TEST_F(nl, slot_dump_empty)
{
	struct clonedev_slot *slots = NULL;

	EXPECT_EQ(0, clonedev_nl_slot_list(self->nl, &slots));
	free(slots);
}

TEST_F(nl, slot_get_unknown_slot)
{
	struct clonedev_slot s;

	EXPECT_NERR(ENODEV, clonedev_nl_slot_get(self->nl, 7, &s));
	EXPECT_STREQ("no partition has this slot number",
		     clonedev_nl_error(self->nl, NULL));
}

TEST_F(nl, slot_get_missing_attr)
{
	struct nl_msg *msg = clonedev_nl_msg(self->nl, CLONEDEV_CMD_SLOT_GET, 0);
	unsigned int missing = 0;

	ASSERT_NE(NULL, msg);
	EXPECT_NERR(EINVAL, clonedev_nl_transact(self->nl, msg, NULL,
						 NULL));
	EXPECT_STREQ("missing attribute CLONEDEV_A_SLOT_ID (the slot number)",
		     clonedev_nl_error(self->nl, &missing));
	EXPECT_EQ(CLONEDEV_A_SLOT_ID, missing);
}

TEST_F(nl, slot_get_bad_length)
{
	struct nl_msg *msg = clonedev_nl_msg(self->nl, CLONEDEV_CMD_SLOT_GET, 0);

	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, nla_put_u8(msg, CLONEDEV_A_SLOT_ID, 1));
	EXPECT_NERR(EINVAL, clonedev_nl_transact(self->nl, msg, NULL,
						 NULL));
	EXPECT_STREQ("invalid attribute length",
		     clonedev_nl_error(self->nl, NULL));
}

TEST_F(nl, hsm_get_rejects_attributes)
{
	struct nl_msg *msg = clonedev_nl_msg(self->nl, CLONEDEV_CMD_HSM_GET, 0);

	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, nla_put_u32(msg, CLONEDEV_A_SLOT_ID, 1));
	EXPECT_NERR(EINVAL, clonedev_nl_transact(self->nl, msg, NULL,
						 NULL));
	EXPECT_NE(0, strlen(clonedev_nl_error(self->nl, NULL)));

	msg = clonedev_nl_msg(self->nl, CLONEDEV_CMD_HSM_GET, 0);
	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, nla_put_u32(msg, 200, 1));
	EXPECT_NERR(EINVAL, clonedev_nl_transact(self->nl, msg, NULL,
						 NULL));
	EXPECT_STREQ("Unknown attribute type",
		     clonedev_nl_error(self->nl, NULL));
}

TEST_F(nl, unknown_command)
{
	struct nl_msg *msg = clonedev_nl_msg(self->nl, 99, 0);

	ASSERT_NE(NULL, msg);
	EXPECT_NERR(EOPNOTSUPP, clonedev_nl_transact(self->nl, msg, NULL,
						     NULL));
}

TEST_F(nl, dump_after_error_still_works)
{
	struct clonedev_slot *slots = NULL;
	struct clonedev_slot s;

	EXPECT_NERR(ENODEV, clonedev_nl_slot_get(self->nl, 1, &s));
	EXPECT_EQ(0, clonedev_nl_slot_list(self->nl, &slots));
	free(slots);
	EXPECT_STREQ("", clonedev_nl_error(self->nl, NULL));
}

TEST_HARNESS_MAIN
