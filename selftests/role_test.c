// SPDX-License-Identifier: GPL-2.0
/*
 * clonedev selftests: sessions, partition init and roles on the ioctl
 * plane: slot selection, who may initialize, login and logout, role
 * initialization (po -> co -> cu), password change, co/cu lockout and po
 * zeroization (also under parallel logins), a login shared between
 * sessions (CLONEDEV_LOGIN_SHARE, also racing a logout and a
 * re-initialization), with the exact errno of every refusal.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clonedev_test_util.h"

#define PO "po-secret"
#define CO "co-secret"
#define CU "cu-secret"

FIXTURE(role)
{
	struct clonedev_nl *nl;
	struct clonedev *cd;
	unsigned int slot;
};

FIXTURE_SETUP(role)
{
	struct clonedev_slot s;

	ASSERT_EQ(0, clonedev_nl_open(&self->nl));
	delete_all_partitions(_metadata, self->nl);
	ASSERT_EQ(0, clonedev_nl_partition_create(self->nl, "roles", 0, 0, 0,
						  &s));
	self->slot = s.slot;
	ASSERT_EQ(0, clonedev_open(&self->cd));
}

FIXTURE_TEARDOWN(role)
{
	clonedev_close(self->cd);
	delete_all_partitions(_metadata, self->nl);
	clonedev_nl_close(self->nl);
}

/* Selects the slot and initializes it with po PO, co CO and cu CU. */
static void setup_roles(struct __test_metadata *_metadata,
			struct clonedev *cd, unsigned int slot)
{
	ASSERT_EQ(0, clonedev_slot_set(cd, slot));
	ASSERT_EQ(0, clonedev_partition_init(cd, NULL, PO, "domain-1", "dom"));
	ASSERT_EQ(0, clonedev_login(cd, CLONEDEV_ROLE_PO, PO));
	ASSERT_EQ(0, clonedev_role_init(cd, CLONEDEV_ROLE_CO, CO));
	ASSERT_EQ(0, clonedev_login(cd, CLONEDEV_ROLE_CO, CO));
	ASSERT_EQ(0, clonedev_role_init(cd, CLONEDEV_ROLE_CU, CU));
	ASSERT_EQ(0, clonedev_logout(cd));
}

static unsigned int role_now(struct clonedev *cd)
{
	struct clonedev_session_info si;

	if (clonedev_session_info(cd, &si))
		return 99;
	return si.role;
}

TEST_F(role, slot_set)
{
	struct clonedev_session_info si;

	ASSERT_EQ(0, clonedev_session_info(self->cd, &si));
	EXPECT_EQ(0, si.slot);
	EXPECT_NERR(ENODEV, clonedev_slot_set(self->cd, self->slot + 1));
	ASSERT_EQ(0, clonedev_session_info(self->cd, &si));
	EXPECT_EQ(0, si.slot);
	ASSERT_EQ(0, clonedev_slot_set(self->cd, self->slot));
	ASSERT_EQ(0, clonedev_session_info(self->cd, &si));
	EXPECT_EQ(self->slot, si.slot);
	EXPECT_EQ(CLONEDEV_STATE_UNINITIALIZED, si.state);
	EXPECT_EQ(CLONEDEV_ROLE_NONE, si.role);
	EXPECT_EQ(0, si.roles[CLONEDEV_ROLE_PO].role_flags);
}

TEST_F(role, init_needs_slot)
{
	EXPECT_NERR(ENODEV, clonedev_partition_init(self->cd, NULL, PO,
						    "d", "dom"));
	EXPECT_NERR(ENODEV, clonedev_login(self->cd, CLONEDEV_ROLE_PO,
					   PO));
}

TEST_F(role, init_sets_po_and_state)
{
	struct clonedev_session_info si;
	struct clonedev_slot s;

	ASSERT_EQ(0, clonedev_slot_set(self->cd, self->slot));
	ASSERT_EQ(0, clonedev_partition_init(self->cd, "renamed", PO, "d1",
					     "dom"));
	ASSERT_EQ(0, clonedev_session_info(self->cd, &si));
	EXPECT_EQ(CLONEDEV_STATE_INITIALIZED, si.state);
	EXPECT_EQ(CLONEDEV_ROLE_SET, si.roles[CLONEDEV_ROLE_PO].role_flags);
	EXPECT_EQ(0, si.roles[CLONEDEV_ROLE_CO].role_flags);
	ASSERT_EQ(0, clonedev_nl_slot_get(self->nl, self->slot, &s));
	EXPECT_EQ(CLONEDEV_STATE_INITIALIZED, s.state);
	EXPECT_STREQ("renamed", s.label);
}

TEST_F(role, init_rejections)
{
	struct clonedev_partition_init cmd;
	struct clonedev_session_info si;
	int fd = clonedev_fd(self->cd);
	char long_label[40];

	ASSERT_EQ(0, clonedev_slot_set(self->cd, self->slot));
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.password = (uintptr_t)PO;
	cmd.password_len = strlen(PO);
	cmd.domain = (uintptr_t)"d";
	cmd.domain_len = 1;
	strcpy(cmd.domain_label, "dom");

	cmd.password_len = 0;
	EXPECT_ERRNO(EINVAL, ioctl(fd, CLONEDEV_IOCTL_PARTITION_INIT, &cmd));
	cmd.password_len = CLONEDEV_SECRET_MAX + 1;
	EXPECT_ERRNO(EINVAL, ioctl(fd, CLONEDEV_IOCTL_PARTITION_INIT, &cmd));
	cmd.password_len = strlen(PO);
	cmd.domain_len = 0;
	EXPECT_ERRNO(EINVAL, ioctl(fd, CLONEDEV_IOCTL_PARTITION_INIT, &cmd));
	cmd.domain_len = 1;
	cmd.domain_label[0] = '\0';
	EXPECT_ERRNO(EINVAL, ioctl(fd, CLONEDEV_IOCTL_PARTITION_INIT, &cmd));
	memset(cmd.domain_label, 'x', sizeof(cmd.domain_label));
	EXPECT_ERRNO(EINVAL, ioctl(fd, CLONEDEV_IOCTL_PARTITION_INIT, &cmd));
	strcpy(cmd.domain_label, "dom");
	cmd.__reserved[5] = 1;
	EXPECT_ERRNO(EINVAL, ioctl(fd, CLONEDEV_IOCTL_PARTITION_INIT, &cmd));
	cmd.__reserved[5] = 0;
	cmd.flags = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(fd, CLONEDEV_IOCTL_PARTITION_INIT,
				       &cmd));
	cmd.flags = 0;
	cmd.password = 8;
	EXPECT_ERRNO(EFAULT, ioctl(fd, CLONEDEV_IOCTL_PARTITION_INIT, &cmd));
	memset(long_label, 'y', sizeof(long_label));
	long_label[33] = '\0';
	EXPECT_NERR(EINVAL, clonedev_partition_init(self->cd, long_label,
						    PO, "d", "dom"));

	ASSERT_EQ(0, clonedev_session_info(self->cd, &si));
	EXPECT_EQ(CLONEDEV_STATE_UNINITIALIZED, si.state);
}

/* Without CAP_SYS_ADMIN a new partition cannot be initialized. */
TEST_F(role, init_needs_admin)
{
	pid_t pid;
	int status;

	ASSERT_EQ(0, clonedev_slot_set(self->cd, self->slot));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(10);
		_exit(clonedev_partition_init(self->cd, NULL, PO, "d", "dom") ==
		      -EACCES ? 0 : 11);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_NERR(ENOKEY, clonedev_login(self->cd, CLONEDEV_ROLE_PO, PO));
}

TEST_F(role, reinit_needs_po)
{
	ASSERT_EQ(0, clonedev_slot_set(self->cd, self->slot));
	ASSERT_EQ(0, clonedev_partition_init(self->cd, NULL, PO, "d", "dom"));
	/* Initialized: root alone is not enough, the po must be logged in. */
	EXPECT_NERR(EACCES, clonedev_partition_init(self->cd, NULL, "x",
						    "d", "dom"));
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_PO, PO));
	ASSERT_EQ(0, clonedev_partition_init(self->cd, NULL, "new-po", "d",
					     "dom"));
	EXPECT_EQ(CLONEDEV_ROLE_NONE, role_now(self->cd));
	EXPECT_NERR(EACCES, clonedev_login(self->cd, CLONEDEV_ROLE_PO,
					   PO));
	EXPECT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_PO, "new-po"));
}

TEST_F(role, login_logout)
{
	struct clonedev_session_info si;

	setup_roles(_metadata, self->cd, self->slot);
	EXPECT_NERR(EACCES, clonedev_logout(self->cd));
	EXPECT_NERR(EACCES, clonedev_login(self->cd, CLONEDEV_ROLE_CO,
					   "wrong"));
	EXPECT_EQ(CLONEDEV_ROLE_NONE, role_now(self->cd));
	ASSERT_EQ(0, clonedev_session_info(self->cd, &si));
	EXPECT_EQ(1, si.roles[CLONEDEV_ROLE_CO].failures);
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CO, CO));
	EXPECT_EQ(CLONEDEV_ROLE_CO, role_now(self->cd));
	ASSERT_EQ(0, clonedev_session_info(self->cd, &si));
	EXPECT_EQ(0, si.roles[CLONEDEV_ROLE_CO].failures);
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CU, CU));
	EXPECT_EQ(CLONEDEV_ROLE_CU, role_now(self->cd));
	EXPECT_EQ(0, clonedev_logout(self->cd));
	EXPECT_EQ(CLONEDEV_ROLE_NONE, role_now(self->cd));
	EXPECT_NERR(EINVAL, clonedev_login(self->cd, 4, CO));
	EXPECT_NERR(EINVAL, clonedev_login(self->cd, CLONEDEV_ROLE_CO, ""));
}

TEST_F(role, who_initializes_whom)
{
	ASSERT_EQ(0, clonedev_slot_set(self->cd, self->slot));
	ASSERT_EQ(0, clonedev_partition_init(self->cd, NULL, PO, "d", "dom"));
	EXPECT_NERR(ENOKEY, clonedev_login(self->cd, CLONEDEV_ROLE_CO,
					   CO));
	EXPECT_NERR(EACCES, clonedev_role_init(self->cd, CLONEDEV_ROLE_CO,
					       CO));
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_PO, PO));
	EXPECT_NERR(EACCES, clonedev_role_init(self->cd, CLONEDEV_ROLE_CU,
					       CU));
	EXPECT_NERR(EINVAL, clonedev_role_init(self->cd, CLONEDEV_ROLE_PO,
					       PO));
	ASSERT_EQ(0, clonedev_role_init(self->cd, CLONEDEV_ROLE_CO, CO));
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CO, CO));
	EXPECT_NERR(EACCES, clonedev_role_init(self->cd, CLONEDEV_ROLE_CO,
					       "x"));
	ASSERT_EQ(0, clonedev_role_init(self->cd, CLONEDEV_ROLE_CU, CU));
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CU, CU));
	EXPECT_NERR(EACCES, clonedev_role_init(self->cd, CLONEDEV_ROLE_CU,
					       "x"));
}

TEST_F(role, changepw)
{
	struct clonedev_session_info si;

	setup_roles(_metadata, self->cd, self->slot);
	EXPECT_NERR(EACCES, clonedev_role_changepw(self->cd, CO, "new"));
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CO, CO));
	EXPECT_NERR(EACCES, clonedev_role_changepw(self->cd, "bad",
						   "new"));
	ASSERT_EQ(0, clonedev_session_info(self->cd, &si));
	EXPECT_EQ(1, si.roles[CLONEDEV_ROLE_CO].failures);
	ASSERT_EQ(0, clonedev_role_changepw(self->cd, CO, "co-new"));
	EXPECT_NERR(EACCES, clonedev_login(self->cd, CLONEDEV_ROLE_CO,
					   CO));
	EXPECT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CO, "co-new"));
}

TEST_F(role, co_lockout_locks_co_and_cu)
{
	struct clonedev_session_info si;
	int i;

	setup_roles(_metadata, self->cd, self->slot);
	for (i = 0; i < 10; i++)
		EXPECT_NERR(EACCES, clonedev_login(self->cd,
						   CLONEDEV_ROLE_CO,
						   "wrong"));
	EXPECT_NERR(EKEYREVOKED, clonedev_login(self->cd, CLONEDEV_ROLE_CO,
						CO));
	EXPECT_NERR(EKEYREVOKED, clonedev_login(self->cd, CLONEDEV_ROLE_CU,
						CU));
	ASSERT_EQ(0, clonedev_session_info(self->cd, &si));
	EXPECT_EQ(CLONEDEV_ROLE_SET | CLONEDEV_ROLE_LOCKED,
		  si.roles[CLONEDEV_ROLE_CO].role_flags);
	EXPECT_EQ(CLONEDEV_ROLE_SET | CLONEDEV_ROLE_LOCKED,
		  si.roles[CLONEDEV_ROLE_CU].role_flags);
	EXPECT_EQ(10, si.roles[CLONEDEV_ROLE_CO].failures);

	/* The po re-initializes the co; both roles work again. */
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_PO, PO));
	ASSERT_EQ(0, clonedev_role_init(self->cd, CLONEDEV_ROLE_CO, "co-2"));
	EXPECT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CO, "co-2"));
	EXPECT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CU, CU));
}

TEST_F(role, po_failures_zeroize)
{
	struct clonedev_session_info si;
	struct clonedev_slot s;
	int i;

	setup_roles(_metadata, self->cd, self->slot);
	for (i = 0; i < 9; i++)
		EXPECT_NERR(EACCES, clonedev_login(self->cd,
						   CLONEDEV_ROLE_PO,
						   "wrong"));
	EXPECT_NERR(ESTALE, clonedev_login(self->cd, CLONEDEV_ROLE_PO,
					   "wrong"));
	ASSERT_EQ(0, clonedev_session_info(self->cd, &si));
	EXPECT_EQ(CLONEDEV_STATE_ZEROIZED, si.state);
	EXPECT_EQ(0, si.roles[CLONEDEV_ROLE_PO].role_flags);
	EXPECT_EQ(0, si.roles[CLONEDEV_ROLE_CO].role_flags);
	EXPECT_NERR(ESTALE, clonedev_login(self->cd, CLONEDEV_ROLE_PO, PO));
	EXPECT_NERR(ESTALE, clonedev_login(self->cd, CLONEDEV_ROLE_CO, CO));
	ASSERT_EQ(0, clonedev_nl_slot_get(self->nl, self->slot, &s));
	EXPECT_EQ(CLONEDEV_STATE_ZEROIZED, s.state);
	/* The administrator may initialize it again. */
	ASSERT_EQ(0, clonedev_partition_init(self->cd, NULL, PO, "d", "dom"));
	EXPECT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_PO, PO));
}

/* Another session's re-initialization ends this session's login. */
TEST_F(role, reinit_logs_out_other_sessions)
{
	struct clonedev *other;

	setup_roles(_metadata, self->cd, self->slot);
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CO, CO));
	ASSERT_EQ(0, clonedev_open(&other));
	ASSERT_EQ(0, clonedev_slot_set(other, self->slot));
	ASSERT_EQ(0, clonedev_login(other, CLONEDEV_ROLE_PO, PO));
	ASSERT_EQ(0, clonedev_partition_init(other, NULL, PO, "d2", "dom"));
	clonedev_close(other);
	EXPECT_EQ(CLONEDEV_ROLE_NONE, role_now(self->cd));
	EXPECT_NERR(EACCES, clonedev_role_init(self->cd, CLONEDEV_ROLE_CU,
					       CU));
}

TEST_F(role, deleted_partition)
{
	struct clonedev_session_info si;

	setup_roles(_metadata, self->cd, self->slot);
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CO, CO));
	ASSERT_EQ(0, clonedev_nl_partition_delete(self->nl, self->slot));
	EXPECT_NERR(ENODEV, clonedev_session_info(self->cd, &si));
	EXPECT_NERR(ENODEV, clonedev_login(self->cd, CLONEDEV_ROLE_CO, CO));
	EXPECT_NERR(ENODEV, clonedev_role_init(self->cd, CLONEDEV_ROLE_CU,
					       CU));
}

/* 64 parallel wrong co passwords: exactly the policy's 10 are evaluated. */
TEST_F(role, parallel_wrong_logins_lock_at_the_limit)
{
	struct clonedev_session_info si;
	int ok, wrong, revoked, other;

	setup_roles(_metadata, self->cd, self->slot);
	race_logins(_metadata, self->slot, CLONEDEV_ROLE_CO, -1, NULL,
		    &ok, &wrong, &revoked, &other);
	EXPECT_EQ(10, wrong);
	EXPECT_EQ(LOGIN_RACERS - 10, revoked);
	EXPECT_EQ(0, other);
	ASSERT_EQ(0, clonedev_session_info(self->cd, &si));
	EXPECT_EQ(10, si.roles[CLONEDEV_ROLE_CO].failures);
	EXPECT_EQ(CLONEDEV_ROLE_SET | CLONEDEV_ROLE_LOCKED,
		  si.roles[CLONEDEV_ROLE_CO].role_flags);
	EXPECT_NERR(EKEYREVOKED, clonedev_login(self->cd, CLONEDEV_ROLE_CO,
						CO));
	ASSERT_EQ(0, clonedev_session_info(self->cd, &si));
	EXPECT_EQ(10, si.roles[CLONEDEV_ROLE_CO].failures);
}

/*
 * The right co password among 63 wrong ones: before it, fewer than 10
 * wrong ones were evaluated; it clears them, and what follows it is what
 * the counter shows.
 */
TEST_F(role, parallel_logins_with_the_right_one)
{
	struct clonedev_session_info si;
	int ok, wrong, revoked, other;
	unsigned int failures;
	bool is_locked;

	setup_roles(_metadata, self->cd, self->slot);
	race_logins(_metadata, self->slot, CLONEDEV_ROLE_CO, LOGIN_RACERS / 2, CO,
		    &ok, &wrong, &revoked, &other);
	EXPECT_EQ(0, other);
	EXPECT_EQ(LOGIN_RACERS, ok + wrong + revoked);
	ASSERT_EQ(0, clonedev_session_info(self->cd, &si));
	failures = si.roles[CLONEDEV_ROLE_CO].failures;
	is_locked = si.roles[CLONEDEV_ROLE_CO].role_flags &
		    CLONEDEV_ROLE_LOCKED;
	EXPECT_GE(10, failures);
	EXPECT_EQ(failures == 10, is_locked);
	if (ok) {
		/* At most 9 before it, and those after it are counted. */
		EXPECT_GE(9, wrong - (int)failures);
		EXPECT_LE(0, wrong - (int)failures);
	} else {
		EXPECT_EQ(10, wrong);
		EXPECT_EQ(10, failures);
	}
	EXPECT_EQ(is_locked ? -EKEYREVOKED : 0,
		  clonedev_login(self->cd, CLONEDEV_ROLE_CO, CO));
}

/* 64 parallel wrong po passwords: 10 evaluated, the partition zeroized. */
TEST_F(role, parallel_wrong_po_logins_zeroize_once)
{
	struct clonedev_session_info si;
	int ok, wrong, revoked, other;

	setup_roles(_metadata, self->cd, self->slot);
	race_logins(_metadata, self->slot, CLONEDEV_ROLE_PO, -1, NULL,
		    &ok, &wrong, &revoked, &other);
	/*
	 * The 10th wrong one zeroizes (-ESTALE); the others waited for the
	 * 10 being checked and find the partition zeroized (-ESTALE).
	 */
	EXPECT_EQ(9, wrong);
	EXPECT_EQ(0, revoked);
	EXPECT_EQ(LOGIN_RACERS - 9, other);
	ASSERT_EQ(0, clonedev_session_info(self->cd, &si));
	EXPECT_EQ(CLONEDEV_STATE_ZEROIZED, si.state);
}

/* A role's new credential ends the other logins of that role. */
TEST_F(role, role_change_logs_out_the_role)
{
	struct clonedev *other, *cu;

	setup_roles(_metadata, self->cd, self->slot);
	ASSERT_EQ(0, clonedev_open(&other));
	ASSERT_EQ(0, clonedev_open(&cu));
	ASSERT_EQ(0, clonedev_slot_set(other, self->slot));
	ASSERT_EQ(0, clonedev_slot_set(cu, self->slot));
	ASSERT_EQ(0, clonedev_login(other, CLONEDEV_ROLE_CO, CO));
	ASSERT_EQ(0, clonedev_login(cu, CLONEDEV_ROLE_CU, CU));
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CO, CO));
	ASSERT_EQ(0, clonedev_role_changepw(self->cd, CO, "co-new"));
	EXPECT_EQ(CLONEDEV_ROLE_CO, role_now(self->cd));
	EXPECT_EQ(CLONEDEV_ROLE_NONE, role_now(other));
	EXPECT_NERR(EACCES, clonedev_role_init(other, CLONEDEV_ROLE_CU,
					       "x"));
	EXPECT_EQ(CLONEDEV_ROLE_CU, role_now(cu));

	/* The po's role init of the co ends the co's login, not the cu's. */
	ASSERT_EQ(0, clonedev_login(other, CLONEDEV_ROLE_PO, PO));
	ASSERT_EQ(0, clonedev_role_init(other, CLONEDEV_ROLE_CO, "co-3"));
	EXPECT_EQ(CLONEDEV_ROLE_NONE, role_now(self->cd));
	EXPECT_EQ(CLONEDEV_ROLE_PO, role_now(other));
	EXPECT_EQ(CLONEDEV_ROLE_CU, role_now(cu));
	EXPECT_NERR(EACCES, clonedev_role_init(self->cd, CLONEDEV_ROLE_CU,
					       "x"));
	clonedev_close(cu);
	clonedev_close(other);
}

struct old_pw_racer {
	unsigned int slot;
	int *changed;		/* set once changepw has returned */
	int *stop;
	int before;		/* logins with the old password before */
	int after;		/* those still logged in once changed */
	int err;		/* an unexpected result */
};

/*
 * Logs in with the old co password until it fails after the change (or
 * told to stop). A login that
 * succeeded before the change was logged out by it; one that is still
 * logged in after changepw returned got in with a replaced password.
 */
static void *old_pw_logins(void *arg)
{
	struct old_pw_racer *r = arg;
	struct clonedev *cd;
	int ret, changed;

	r->err = clonedev_open(&cd) ?: clonedev_slot_set(cd, r->slot);
	while (!r->err && !__atomic_load_n(r->stop, __ATOMIC_SEQ_CST)) {
		ret = clonedev_login(cd, CLONEDEV_ROLE_CO, CO);
		changed = __atomic_load_n(r->changed, __ATOMIC_SEQ_CST);
		if (!ret && !changed)
			r->before++;
		else if (!ret && role_now(cd) == CLONEDEV_ROLE_CO)
			r->after++;
		else if (ret && ret != -EACCES)
			r->err = ret;
		/* Wrong ones count: stop before the co is locked out. */
		if (ret && changed)
			break;
	}
	clonedev_close(cd);
	return NULL;
}

#define OLD_PW_RACERS	4

/* After changepw returns, no login with the old password is in. */
TEST_F(role, changepw_racing_old_password_logins)
{
	int changed = 0, stop = 0;
	struct old_pw_racer r[OLD_PW_RACERS];
	pthread_t t[OLD_PW_RACERS];
	int i, before = 0;

	setup_roles(_metadata, self->cd, self->slot);
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CO, CO));
	for (i = 0; i < OLD_PW_RACERS; i++) {
		r[i] = (struct old_pw_racer){ .slot = self->slot,
					      .changed = &changed,
					      .stop = &stop };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, old_pw_logins, &r[i]));
	}
	while (!__atomic_load_n(&r[0].before, __ATOMIC_SEQ_CST) &&
	       !__atomic_load_n(&r[0].err, __ATOMIC_SEQ_CST))
		usleep(1000);
	ASSERT_EQ(0, clonedev_role_changepw(self->cd, CO, "co-new"));
	__atomic_store_n(&changed, 1, __ATOMIC_SEQ_CST);
	usleep(200000);
	__atomic_store_n(&stop, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < OLD_PW_RACERS; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(0, r[i].err);
		EXPECT_EQ(0, r[i].after);
		before += r[i].before;
	}
	EXPECT_LT(0, before);
	EXPECT_NERR(EACCES, clonedev_login(self->cd, CLONEDEV_ROLE_CO,
					   CO));
	EXPECT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CO, "co-new"));
}

/* ---- a login shared from another session (CLONEDEV_LOGIN_SHARE) ---- */

/* A private HMAC key made by the co on @cd. */
static unsigned int hmac_key(struct __test_metadata *_metadata,
			     struct clonedev *cd)
{
	unsigned int h = 0;

	EXPECT_EQ(0, clonedev_object_generate(cd, CLONEDEV_KEY_GENERIC_SECRET,
					      256, CLONEDEV_OBJ_PRIVATE |
					      CLONEDEV_OBJ_SENSITIVE |
					      CLONEDEV_OBJ_SIGN |
					      CLONEDEV_OBJ_VERIFY,
					      "mac", NULL, 0, &h));
	return h;
}

/* HMAC-SHA256 of a fixed message with @h on @cd; 0 or the error. */
static int mac(struct clonedev *cd, unsigned int h, unsigned char *out)
{
	struct clonedev_crypt_params p = {
		.mech = CLONEDEV_MECH_HMAC, .hash = CLONEDEV_HASH_SHA256,
	};
	size_t len;

	return clonedev_sign(cd, h, &p, "message", 7, out, 32, &len);
}

/* A new session, on no slot. */
static struct clonedev *new_session(struct __test_metadata *_metadata)
{
	struct clonedev *cd = NULL;

	EXPECT_EQ(0, clonedev_open(&cd));
	return cd;
}

/* A new session on @slot logged in as @role with @pw. */
static struct clonedev *new_login(struct __test_metadata *_metadata,
				  unsigned int slot, unsigned int role,
				  const char *pw)
{
	struct clonedev *cd = new_session(_metadata);

	EXPECT_EQ(0, clonedev_slot_set(cd, slot));
	EXPECT_EQ(0, clonedev_login(cd, role, pw));
	return cd;
}

/* The new session does what the role can, on the source's slot. */
TEST_F(role, login_share)
{
	unsigned char a[32], b[32];
	struct clonedev_session_info si;
	struct clonedev *co, *cu;
	unsigned int h;

	setup_roles(_metadata, self->cd, self->slot);
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CO, CO));
	h = hmac_key(_metadata, self->cd);
	ASSERT_EQ(0, mac(self->cd, h, a));

	co = new_session(_metadata);
	ASSERT_EQ(0, clonedev_login_share(co, self->cd));
	ASSERT_EQ(0, clonedev_session_info(co, &si));
	EXPECT_EQ(self->slot, si.slot);
	EXPECT_EQ(CLONEDEV_ROLE_CO, si.role);
	EXPECT_EQ(0, si.roles[CLONEDEV_ROLE_CO].failures);
	ASSERT_EQ(0, mac(co, h, b));
	EXPECT_EQ(0, memcmp(a, b, sizeof(a)));
	EXPECT_EQ(1, count_objects(co));

	/* A cu's login shares as cu: it uses the key, cannot make one. */
	cu = new_login(_metadata, self->slot, CLONEDEV_ROLE_CU, CU);
	EXPECT_EQ(0, clonedev_login_share(co, cu));
	EXPECT_EQ(CLONEDEV_ROLE_CU, role_now(co));
	ASSERT_EQ(0, mac(co, h, b));
	EXPECT_EQ(0, memcmp(a, b, sizeof(a)));
	EXPECT_NERR(EACCES, clonedev_role_init(co, CLONEDEV_ROLE_CU, "x"));
	EXPECT_EQ(CLONEDEV_ROLE_CO, role_now(self->cd));
	clonedev_close(cu);
	clonedev_close(co);
}

/* A LOGIN_SHARE request on @cd's fd with from_fd @from and @flags. */
static int share_raw(struct clonedev *cd, int from, unsigned int flags,
		     struct clonedev_login *cmd)
{
	cmd->size = sizeof(*cmd);
	cmd->flags = flags;
	cmd->from_fd = from;
	return ioctl(clonedev_fd(cd), CLONEDEV_IOCTL_LOGIN, cmd);
}

/* Each refusal has its errno and leaves the session as it was. */
TEST_F(role, login_share_refusals)
{
	struct clonedev_session_info before, now;
	struct clonedev_login cmd;
	struct clonedev *sh, *none;
	int src, devnull, dup_self, closed;

	setup_roles(_metadata, self->cd, self->slot);
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CO, CO));
	src = clonedev_fd(self->cd);
	sh = new_login(_metadata, self->slot, CLONEDEV_ROLE_CU, CU);
	none = new_session(_metadata);
	ASSERT_EQ(0, clonedev_slot_set(none, self->slot));
	devnull = open("/dev/null", O_RDONLY);
	ASSERT_LE(0, devnull);
	dup_self = dup(clonedev_fd(sh));
	ASSERT_LE(0, dup_self);
	closed = dup(devnull);
	ASSERT_LE(0, closed);
	ASSERT_EQ(0, close(closed));
	ASSERT_EQ(0, clonedev_session_info(sh, &before));

	memset(&cmd, 0, sizeof(cmd));
	EXPECT_ERRNO(EBADF, share_raw(sh, closed, CLONEDEV_LOGIN_SHARE, &cmd));
	EXPECT_ERRNO(EBADF, share_raw(sh, -1, CLONEDEV_LOGIN_SHARE, &cmd));
	EXPECT_ERRNO(EINVAL, share_raw(sh, devnull, CLONEDEV_LOGIN_SHARE,
				       &cmd));
	EXPECT_ERRNO(EINVAL, share_raw(sh, clonedev_fd(sh),
				       CLONEDEV_LOGIN_SHARE, &cmd));
	EXPECT_ERRNO(EINVAL, share_raw(sh, dup_self, CLONEDEV_LOGIN_SHARE,
				       &cmd));
	/* No secret, role or PED with it; no from_fd without it. */
	cmd.role = CLONEDEV_ROLE_CO;
	EXPECT_ERRNO(EINVAL, share_raw(sh, src, CLONEDEV_LOGIN_SHARE, &cmd));
	memset(&cmd, 0, sizeof(cmd));
	cmd.secret = (uintptr_t)CO;
	EXPECT_ERRNO(EINVAL, share_raw(sh, src, CLONEDEV_LOGIN_SHARE, &cmd));
	memset(&cmd, 0, sizeof(cmd));
	cmd.secret = (uintptr_t)CO;
	cmd.secret_len = strlen(CO);
	EXPECT_ERRNO(EINVAL, share_raw(sh, src, CLONEDEV_LOGIN_SHARE, &cmd));
	memset(&cmd, 0, sizeof(cmd));
	cmd.share_count = 1;
	EXPECT_ERRNO(EINVAL, share_raw(sh, src, CLONEDEV_LOGIN_SHARE, &cmd));
	memset(&cmd, 0, sizeof(cmd));
	cmd.shares = (uintptr_t)&before;
	EXPECT_ERRNO(EINVAL, share_raw(sh, src, CLONEDEV_LOGIN_SHARE, &cmd));
	memset(&cmd, 0, sizeof(cmd));
	EXPECT_ERRNO(EINVAL, share_raw(sh, src, CLONEDEV_LOGIN_SHARE |
				       CLONEDEV_LOGIN_PED, &cmd));
	memset(&cmd, 0, sizeof(cmd));
	cmd.role = CLONEDEV_ROLE_CO;
	cmd.secret = (uintptr_t)CO;
	cmd.secret_len = strlen(CO);
	EXPECT_ERRNO(EINVAL, share_raw(sh, src, 0, &cmd));
	/* A source that is not logged in, or on no slot. */
	EXPECT_NERR(EACCES, clonedev_login_share(sh, none));
	clonedev_close(none);
	none = new_session(_metadata);
	EXPECT_NERR(EACCES, clonedev_login_share(sh, none));

	ASSERT_EQ(0, clonedev_session_info(sh, &now));
	EXPECT_EQ(0, memcmp(&before, &now, sizeof(now)));
	EXPECT_EQ(CLONEDEV_ROLE_CU, now.role);
	/* Nothing was counted against the source either. */
	ASSERT_EQ(0, clonedev_session_info(self->cd, &now));
	EXPECT_EQ(CLONEDEV_ROLE_CO, now.role);
	EXPECT_EQ(0, now.roles[CLONEDEV_ROLE_CO].failures);
	close(dup_self);
	close(devnull);
	clonedev_close(none);
	clonedev_close(sh);
}

/* Either session's logout leaves the other logged in. */
TEST_F(role, login_share_logouts_are_per_session)
{
	struct clonedev *a, *b;
	unsigned char m[32];
	unsigned int h;

	setup_roles(_metadata, self->cd, self->slot);
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CO, CO));
	h = hmac_key(_metadata, self->cd);
	a = new_session(_metadata);
	b = new_session(_metadata);
	ASSERT_EQ(0, clonedev_login_share(a, self->cd));
	ASSERT_EQ(0, clonedev_login_share(b, a));
	ASSERT_EQ(0, clonedev_logout(self->cd));
	EXPECT_EQ(CLONEDEV_ROLE_CO, role_now(a));
	EXPECT_EQ(0, mac(a, h, m));
	ASSERT_EQ(0, clonedev_logout(a));
	EXPECT_EQ(CLONEDEV_ROLE_NONE, role_now(a));
	EXPECT_NERR(EACCES, mac(a, h, m));
	EXPECT_EQ(CLONEDEV_ROLE_CO, role_now(b));
	EXPECT_EQ(0, mac(b, h, m));
	/* The logged-out sessions cannot share any more. */
	EXPECT_NERR(EACCES, clonedev_login_share(a, self->cd));
	EXPECT_NERR(EACCES, clonedev_login_share(b, a));
	EXPECT_EQ(CLONEDEV_ROLE_CO, role_now(b));
	clonedev_close(b);
	clonedev_close(a);
}

/*
 * A shared login and the one it came from end on the same events: a
 * re-initialization and a new credential of the role end both.
 */
TEST_F(role, login_share_ends_with_reinit_and_new_credential)
{
	struct clonedev *po, *sh, *cu;

	setup_roles(_metadata, self->cd, self->slot);
	po = new_login(_metadata, self->slot, CLONEDEV_ROLE_PO, PO);
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CO, CO));
	sh = new_session(_metadata);
	cu = new_login(_metadata, self->slot, CLONEDEV_ROLE_CU, CU);

	/* The po sets a new co credential: both co logins end, not the cu. */
	ASSERT_EQ(0, clonedev_login_share(sh, self->cd));
	ASSERT_EQ(0, clonedev_role_init(po, CLONEDEV_ROLE_CO, "co-2"));
	EXPECT_EQ(CLONEDEV_ROLE_NONE, role_now(self->cd));
	EXPECT_EQ(CLONEDEV_ROLE_NONE, role_now(sh));
	EXPECT_EQ(CLONEDEV_ROLE_CU, role_now(cu));
	EXPECT_NERR(EACCES, clonedev_login_share(sh, self->cd));

	/* Shared from the cu, ended by a re-initialization with the cu's. */
	ASSERT_EQ(0, clonedev_login_share(sh, cu));
	EXPECT_EQ(CLONEDEV_ROLE_CU, role_now(sh));
	ASSERT_EQ(0, clonedev_partition_init(po, NULL, PO, "d2", "dom"));
	EXPECT_EQ(CLONEDEV_ROLE_NONE, role_now(cu));
	EXPECT_EQ(CLONEDEV_ROLE_NONE, role_now(sh));
	EXPECT_NERR(EACCES, clonedev_login_share(sh, cu));
	EXPECT_EQ(CLONEDEV_ROLE_NONE, role_now(sh));
	clonedev_close(cu);
	clonedev_close(sh);
	clonedev_close(po);
}

/* Zeroization ends both; sharing from a zeroized partition is -ESTALE. */
TEST_F(role, login_share_ends_with_zeroization)
{
	struct clonedev *sh, *guess;
	int i;

	setup_roles(_metadata, self->cd, self->slot);
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CO, CO));
	sh = new_session(_metadata);
	ASSERT_EQ(0, clonedev_login_share(sh, self->cd));
	guess = new_session(_metadata);
	ASSERT_EQ(0, clonedev_slot_set(guess, self->slot));
	for (i = 0; i < 9; i++)
		EXPECT_NERR(EACCES, clonedev_login(guess, CLONEDEV_ROLE_PO,
						   "wrong"));
	EXPECT_NERR(ESTALE, clonedev_login(guess, CLONEDEV_ROLE_PO, "wrong"));
	EXPECT_EQ(CLONEDEV_ROLE_NONE, role_now(self->cd));
	EXPECT_EQ(CLONEDEV_ROLE_NONE, role_now(sh));
	EXPECT_NERR(ESTALE, clonedev_login_share(guess, self->cd));
	EXPECT_NERR(ESTALE, clonedev_login(guess, CLONEDEV_ROLE_CO, CO));
	clonedev_close(guess);
	clonedev_close(sh);
}

/*
 * A lockout ends no login, shared or not; a locked-out role cannot be
 * shared, as it cannot log in (-EKEYREVOKED).
 */
TEST_F(role, login_share_and_lockout)
{
	struct clonedev *sh, *other, *guess;
	unsigned char m[32];
	unsigned int h;
	int i;

	setup_roles(_metadata, self->cd, self->slot);
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CO, CO));
	h = hmac_key(_metadata, self->cd);
	sh = new_session(_metadata);
	other = new_session(_metadata);
	ASSERT_EQ(0, clonedev_login_share(sh, self->cd));
	guess = new_session(_metadata);
	ASSERT_EQ(0, clonedev_slot_set(guess, self->slot));
	for (i = 0; i < 10; i++)
		EXPECT_NERR(EACCES, clonedev_login(guess, CLONEDEV_ROLE_CO,
						   "wrong"));
	EXPECT_NERR(EKEYREVOKED, clonedev_login(guess, CLONEDEV_ROLE_CO, CO));
	EXPECT_EQ(CLONEDEV_ROLE_CO, role_now(self->cd));
	EXPECT_EQ(CLONEDEV_ROLE_CO, role_now(sh));
	EXPECT_EQ(0, mac(self->cd, h, m));
	EXPECT_EQ(0, mac(sh, h, m));
	EXPECT_NERR(EKEYREVOKED, clonedev_login_share(other, self->cd));
	EXPECT_NERR(EKEYREVOKED, clonedev_login_share(other, sh));
	EXPECT_EQ(CLONEDEV_ROLE_NONE, role_now(other));
	clonedev_close(guess);
	clonedev_close(other);
	clonedev_close(sh);
}

/* Sharing from a session whose partition was deleted is -ENODEV. */
TEST_F(role, login_share_deleted_partition)
{
	struct clonedev *sh;

	setup_roles(_metadata, self->cd, self->slot);
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CO, CO));
	sh = new_session(_metadata);
	ASSERT_EQ(0, clonedev_nl_partition_delete(self->nl, self->slot));
	EXPECT_NERR(ENODEV, clonedev_login_share(sh, self->cd));
	EXPECT_EQ(CLONEDEV_ROLE_NONE, role_now(sh));
	clonedev_close(sh);
}

#define SHARERS		4
#define SHARES_KEPT	32

struct share_racer {
	struct clonedev *src;
	int *event_done;	/* set once the racing event has returned */
	int *stop;
	struct clonedev *kept[SHARES_KEPT];	/* the last that got in */
	int shared;
	int refused;
	int late;		/* shares in that began after the event */
	int err;		/* an unexpected result */
};

/*
 * Shares from r->src into new sessions until told to stop, keeping the
 * last SHARES_KEPT that got in (a session that leaves the ring is closed).
 */
static void *share_loop(void *arg)
{
	struct share_racer *r = arg;
	struct clonedev *cd, **slot;
	int ret, after;

	while (!r->err && !__atomic_load_n(r->stop, __ATOMIC_SEQ_CST)) {
		if (clonedev_open(&cd)) {
			r->err = -ENOMEM;
			break;
		}
		after = __atomic_load_n(r->event_done, __ATOMIC_SEQ_CST);
		ret = clonedev_login_share(cd, r->src);
		if (ret) {
			if (ret == -EACCES)
				r->refused++;
			else
				r->err = ret;
			clonedev_close(cd);
			continue;
		}
		slot = &r->kept[r->shared++ % SHARES_KEPT];
		clonedev_close(*slot);
		*slot = cd;
		r->late += after;
	}
	return NULL;
}

static void start_sharers(struct __test_metadata *_metadata,
			  struct share_racer *r, pthread_t *t,
			  struct clonedev *src, int *event_done, int *stop)
{
	int i;

	for (i = 0; i < SHARERS; i++) {
		r[i] = (struct share_racer){ .src = src,
					     .event_done = event_done,
					     .stop = stop };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, share_loop, &r[i]));
	}
	/* Until some are in. */
	while (!__atomic_load_n(&r[0].shared, __ATOMIC_SEQ_CST) &&
	       !__atomic_load_n(&r[0].err, __ATOMIC_SEQ_CST))
		usleep(1000);
}

/*
 * Ends the sharers; each kept session's role must be @role. Returns the
 * shares that got in, *refused those refused.
 */
static int stop_sharers(struct __test_metadata *_metadata,
			struct share_racer *r, pthread_t *t, int *stop,
			unsigned int role, int *refused)
{
	int i, j, shared = 0;

	__atomic_store_n(stop, 1, __ATOMIC_SEQ_CST);
	*refused = 0;
	for (i = 0; i < SHARERS; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(0, r[i].err);
		shared += r[i].shared;
		*refused += r[i].refused;
		for (j = 0; j < SHARES_KEPT; j++) {
			if (!r[i].kept[j])
				continue;
			EXPECT_EQ(role, role_now(r[i].kept[j]));
			clonedev_close(r[i].kept[j]);
		}
	}
	return shared;
}

/*
 * Shares racing a re-initialization: none that began after it returned
 * gets in, and none that got in outlives it.
 */
TEST_F(role, login_share_racing_reinit)
{
	int i, done = 0, stop = 0, shared, refused;
	struct share_racer r[SHARERS];
	pthread_t t[SHARERS];
	struct clonedev *po;

	setup_roles(_metadata, self->cd, self->slot);
	po = new_login(_metadata, self->slot, CLONEDEV_ROLE_PO, PO);
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CO, CO));
	start_sharers(_metadata, r, t, self->cd, &done, &stop);
	ASSERT_EQ(0, clonedev_partition_init(po, NULL, PO, "d2", "dom"));
	__atomic_store_n(&done, 1, __ATOMIC_SEQ_CST);
	usleep(50000);
	shared = stop_sharers(_metadata, r, t, &stop, CLONEDEV_ROLE_NONE,
			      &refused);
	for (i = 0; i < SHARERS; i++)
		EXPECT_EQ(0, r[i].late);
	TH_LOG("%d shares in before the re-initialization, %d refused",
	       shared, refused);
	EXPECT_LT(0, shared);
	EXPECT_NERR(EACCES, clonedev_login_share(po, self->cd));
	clonedev_close(po);
}

/*
 * Shares racing the source's logouts and logins: each gets in as co or
 * is refused, and those in stay in.
 */
TEST_F(role, login_share_racing_logout)
{
	int i, done = 0, stop = 0, shared, refused;
	struct share_racer r[SHARERS];
	pthread_t t[SHARERS];

	setup_roles(_metadata, self->cd, self->slot);
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CO, CO));
	start_sharers(_metadata, r, t, self->cd, &done, &stop);
	for (i = 0; i < 20; i++) {
		EXPECT_EQ(0, clonedev_logout(self->cd));
		usleep(2000);
		EXPECT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CO, CO));
		usleep(2000);
	}
	ASSERT_EQ(0, clonedev_logout(self->cd));
	shared = stop_sharers(_metadata, r, t, &stop, CLONEDEV_ROLE_CO,
			      &refused);
	TH_LOG("%d shares in, %d refused", shared, refused);
	EXPECT_LT(0, shared);
}

TEST_HARNESS_MAIN
