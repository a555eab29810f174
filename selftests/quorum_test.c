// SPDX-License-Identifier: GPL-2.0
/*
 * clonedev selftests: quorum partitions over ioctl: init with M-of-N
 * shares of the po secret and of a quorum domain, logins with any M
 * shares, wrong combinations counted as failed logins up to the lockout,
 * quorum co/cu, a quorum domain imported into a password partition by its
 * fingerprint; every rejection's errno with nothing changed.
 */
#include <sys/ioctl.h>

#include "clonedev_test_util.h"

FIXTURE(quorum)
{
	struct clonedev_nl *nl;
	struct clonedev *cd;
	unsigned int slot;
	struct clonedev_share sh[2 * 5];	/* po 1..5, domain 1..5 */
	unsigned char fp[CLONEDEV_FINGERPRINT_LEN];
};

FIXTURE_SETUP(quorum)
{
	struct clonedev_slot s;

	ASSERT_EQ(0, clonedev_nl_open(&self->nl));
	delete_all_partitions(_metadata, self->nl);
	ASSERT_EQ(0, clonedev_nl_partition_create(self->nl, "vault",
						  CLONEDEV_AUTH_QUORUM, 0, 0,
						  &s));
	self->slot = s.slot;
	ASSERT_EQ(0, clonedev_open(&self->cd));
	ASSERT_EQ(0, clonedev_slot_set(self->cd, s.slot));
	ASSERT_EQ(0, clonedev_partition_init_quorum(self->cd, NULL, "red", 3,
						    5, self->sh, self->fp));
}

FIXTURE_TEARDOWN(quorum)
{
	clonedev_close(self->cd);
	delete_all_partitions(_metadata, self->nl);
	clonedev_nl_close(self->nl);
}

/* Logs in as @role with the shares of @sh at @idx (1-based, @k of them). */
static int login_with(struct clonedev *cd, unsigned int role,
		      const struct clonedev_share *sh, const int *idx, int k)
{
	struct clonedev_share pick[CLONEDEV_QUORUM_MAX];
	int i;

	for (i = 0; i < k; i++)
		pick[i] = sh[idx[i] - 1];
	return clonedev_login_shares(cd, role, pick, k);
}

static int init_co(struct clonedev *cd, unsigned int m, unsigned int n,
		   struct clonedev_share *sh)
{
	return clonedev_role_init_quorum(cd, CLONEDEV_ROLE_CO, m, n, sh);
}

static int init_quorum(struct clonedev *cd, unsigned int m, unsigned int n,
		       struct clonedev_share *sh)
{
	return clonedev_partition_init_quorum(cd, NULL, "red", m, n, sh, NULL);
}

static unsigned int failures(struct clonedev *cd, unsigned int role)
{
	struct clonedev_session_info si;

	if (clonedev_session_info(cd, &si))
		return 999;
	return si.roles[role].failures;
}

TEST_F(quorum, shares_are_indexed_and_distinct)
{
	int i;

	for (i = 0; i < 5; i++) {
		EXPECT_EQ(i + 1, self->sh[i].index);
		EXPECT_EQ(i + 1, self->sh[5 + i].index);
	}
	EXPECT_NE(0, memcmp(self->sh[0].data, self->sh[5].data,
			    CLONEDEV_SHARE_LEN));
	EXPECT_NE(0, memcmp(self->sh[0].data, self->sh[1].data,
			    CLONEDEV_SHARE_LEN));
}

TEST_F(quorum, any_three_of_five_log_in)
{
	static const int sets[][3] = {
		{ 1, 2, 3 }, { 5, 4, 3 }, { 1, 3, 5 }, { 2, 4, 5 },
	};
	int i;

	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, login_with(self->cd, CLONEDEV_ROLE_PO, self->sh,
					sets[i], 3));
		ASSERT_EQ(0, clonedev_logout(self->cd));
	}
	/* More than M shares work too. */
	ASSERT_EQ(0, login_with(self->cd, CLONEDEV_ROLE_PO, self->sh,
				(const int[]){ 1, 2, 3, 4, 5 }, 5));
}

TEST_F(quorum, wrong_combinations_count)
{
	struct clonedev_share bad[3] = { self->sh[0], self->sh[1],
					 self->sh[2] };

	/* Two shares are not enough: a wrong secret, a failed login. */
	EXPECT_NERR(EACCES, login_with(self->cd, CLONEDEV_ROLE_PO,
				       self->sh, (const int[]){ 1, 2 },
				       2));
	EXPECT_EQ(1, failures(self->cd, CLONEDEV_ROLE_PO));
	/* A flipped bit in one share. */
	bad[1].data[7] ^= 0x10;
	EXPECT_NERR(EACCES, clonedev_login_shares(self->cd,
						  CLONEDEV_ROLE_PO, bad,
						  3));
	EXPECT_EQ(2, failures(self->cd, CLONEDEV_ROLE_PO));
	/* The domain's shares are not the po's. */
	EXPECT_NERR(EACCES, login_with(self->cd, CLONEDEV_ROLE_PO,
				       self->sh + 5,
				       (const int[]){ 1, 2, 3 }, 3));
	EXPECT_EQ(3, failures(self->cd, CLONEDEV_ROLE_PO));
	/* The right ones reset the count. */
	ASSERT_EQ(0, login_with(self->cd, CLONEDEV_ROLE_PO, self->sh,
				(const int[]){ 2, 3, 4 }, 3));
	EXPECT_EQ(0, failures(self->cd, CLONEDEV_ROLE_PO));
}

TEST_F(quorum, malformed_share_sets)
{
	struct clonedev_login l = { .size = sizeof(l) };
	struct clonedev_share two[2] = { self->sh[0], self->sh[0] };

	/* Repeated or zero indexes, none, too many: not counted. */
	EXPECT_NERR(EINVAL, clonedev_login_shares(self->cd,
						  CLONEDEV_ROLE_PO, two,
						  2));
	two[1].index = 0;
	EXPECT_NERR(EINVAL, clonedev_login_shares(self->cd,
						  CLONEDEV_ROLE_PO, two,
						  2));
	l.role = CLONEDEV_ROLE_PO;
	l.share_count = CLONEDEV_QUORUM_MAX + 1;
	l.shares = (uintptr_t)self->sh;
	EXPECT_ERRNO(EINVAL, ioctl(clonedev_fd(self->cd),
				   CLONEDEV_IOCTL_LOGIN, &l));
	l.share_count = 3;
	l.secret_len = 3;
	l.secret = (uintptr_t)"abc";
	EXPECT_ERRNO(EINVAL, ioctl(clonedev_fd(self->cd),
				   CLONEDEV_IOCTL_LOGIN, &l));
	/* A password to a quorum partition. */
	EXPECT_NERR(EINVAL, clonedev_login(self->cd, CLONEDEV_ROLE_PO,
					   "password"));
	EXPECT_EQ(0, failures(self->cd, CLONEDEV_ROLE_PO));
}

TEST_F(quorum, share_reserved_bytes)
{
	struct clonedev_share three[3] = { self->sh[0], self->sh[1],
					   self->sh[2] };
	struct clonedev_session_info si;

	/* The right shares, but a reserved byte set: refused, not counted. */
	three[2].__reserved[6] = 1;
	EXPECT_NERR(EINVAL, clonedev_login_shares(self->cd,
						  CLONEDEV_ROLE_PO,
						  three, 3));
	EXPECT_EQ(0, failures(self->cd, CLONEDEV_ROLE_PO));
	ASSERT_EQ(0, clonedev_session_info(self->cd, &si));
	EXPECT_EQ(CLONEDEV_ROLE_NONE, si.role);
	three[2].__reserved[6] = 0;
	EXPECT_EQ(0, clonedev_login_shares(self->cd, CLONEDEV_ROLE_PO, three,
					   3));
}

TEST_F(quorum, quorum_co_and_lockout)
{
	struct clonedev_share co[3];
	struct clonedev_policy_change c = {
		.id = CLONEDEV_POLICY_MAX_FAILED_LOGINS, .value = 2,
	};
	int i;

	ASSERT_EQ(0, login_with(self->cd, CLONEDEV_ROLE_PO, self->sh,
				(const int[]){ 1, 2, 3 }, 3));
	ASSERT_EQ(0, clonedev_policy_set(self->cd, &c, 1, 0));
	/* A password co on a quorum partition is refused. */
	EXPECT_NERR(EINVAL, clonedev_role_init(self->cd, CLONEDEV_ROLE_CO,
					       "pw"));
	EXPECT_NERR(EINVAL, init_co(self->cd, 3, 2, co));
	ASSERT_EQ(0, clonedev_role_init_quorum(self->cd, CLONEDEV_ROLE_CO, 2,
					       3, co));
	ASSERT_EQ(0, login_with(self->cd, CLONEDEV_ROLE_CO, co,
				(const int[]){ 3, 1 }, 2));
	ASSERT_EQ(0, clonedev_logout(self->cd));
	/* Two wrong combinations lock the co (policy 20 = 2). */
	for (i = 0; i < 2; i++)
		EXPECT_NERR(EACCES, login_with(self->cd, CLONEDEV_ROLE_CO,
					       co, (const int[]){ 2 }, 1));
	EXPECT_NERR(EKEYREVOKED, login_with(self->cd, CLONEDEV_ROLE_CO,
					    co, (const int[]){ 2, 3 }, 2));
}

TEST_F(quorum, init_rejections)
{
	struct clonedev_partition_init in = { .size = sizeof(in) };
	struct clonedev_share sh[2 * CLONEDEV_QUORUM_MAX];
	struct clonedev_slot s;
	struct clonedev *pw;

	/* A second, uninitialized quorum partition. */
	ASSERT_EQ(0, clonedev_nl_partition_create(self->nl, "vault-2",
						  CLONEDEV_AUTH_QUORUM, 0, 0,
						  &s));
	ASSERT_EQ(0, clonedev_slot_set(self->cd, s.slot));
	EXPECT_NERR(EINVAL, init_quorum(self->cd, 0, 3, sh));
	EXPECT_NERR(EINVAL, init_quorum(self->cd, 4, 3, sh));
	EXPECT_NERR(EINVAL, init_quorum(self->cd, 2,
					CLONEDEV_QUORUM_MAX + 1, sh));
	/* A password init of a quorum partition. */
	EXPECT_NERR(EINVAL, clonedev_partition_init(self->cd, NULL, "po",
						    "d", "dom"));
	/* Shares that cannot be written: nothing changes. */
	in.quorum_m = 2;
	in.quorum_n = 3;
	in.shares = 8;
	strcpy(in.domain_label, "red");
	EXPECT_ERRNO(EFAULT, ioctl(clonedev_fd(self->cd),
				   CLONEDEV_IOCTL_PARTITION_INIT, &in));
	ASSERT_EQ(0, clonedev_nl_slot_get(self->nl, s.slot, &s));
	EXPECT_EQ(CLONEDEV_STATE_UNINITIALIZED, s.state);
	/* A quorum init of a password partition. */
	setup_partition(_metadata, self->nl, "pw", &pw, &s.slot);
	ASSERT_EQ(0, clonedev_slot_set(self->cd, s.slot));
	EXPECT_NERR(EINVAL, clonedev_login_shares(self->cd,
						  CLONEDEV_ROLE_PO, sh,
						  2));
	clonedev_close(pw);
}

TEST_F(quorum, domain_import_into_password_partition)
{
	struct clonedev_domain_list a, b;
	struct clonedev_policy_change c = {
		.id = CLONEDEV_POLICY_EXTENDED_DOMAINS, .value = 1,
	};
	unsigned char wrong[CLONEDEV_FINGERPRINT_LEN];
	struct clonedev_share pick[3] = { self->sh[5 + 4], self->sh[5 + 0],
					  self->sh[5 + 2] };
	struct clonedev *pw;
	unsigned int slot;

	setup_partition(_metadata, self->nl, "pw", &pw, &slot);
	ASSERT_EQ(0, clonedev_login(pw, CLONEDEV_ROLE_PO, TEST_PO));
	ASSERT_EQ(0, clonedev_policy_set(pw, &c, 1, 0));
	/* Too few shares do not give the domain its fingerprint names. */
	EXPECT_NERR(EBADMSG, clonedev_domain_import(pw, "red", self->fp,
						    pick, 2, 0));
	memcpy(wrong, self->fp, sizeof(wrong));
	wrong[0] ^= 1;
	EXPECT_NERR(EBADMSG, clonedev_domain_import(pw, "red", wrong,
						    pick, 3, 0));
	ASSERT_EQ(0, clonedev_domain_list(pw, &b));
	EXPECT_EQ(1, b.count);
	ASSERT_EQ(0, clonedev_domain_import(pw, "red-copy", self->fp, pick, 3,
					    0));
	/* The same domain again, under any label: refused. */
	EXPECT_NERR(EALREADY, clonedev_domain_import(pw, "again",
						     self->fp, pick, 3,
						     0));
	ASSERT_EQ(0, clonedev_domain_list(pw, &b));
	ASSERT_EQ(2, b.count);
	EXPECT_EQ(CLONEDEV_DOMAIN_QUORUM, b.domains[1].type);
	EXPECT_EQ(0, memcmp(self->fp, b.domains[1].fingerprint,
			    CLONEDEV_FINGERPRINT_LEN));
	ASSERT_EQ(0, login_with(self->cd, CLONEDEV_ROLE_PO, self->sh,
				(const int[]){ 1, 2, 3 }, 3));
	ASSERT_EQ(0, clonedev_domain_list(self->cd, &a));
	EXPECT_EQ(CLONEDEV_DOMAIN_QUORUM, a.domains[0].type);
	EXPECT_STREQ("red", a.domains[0].label);
	EXPECT_EQ(0, memcmp(a.domains[0].fingerprint, b.domains[1].fingerprint,
			    CLONEDEV_FINGERPRINT_LEN));
	clonedev_close(pw);
}

static void policy22(struct __test_metadata *_metadata, struct clonedev *cd,
		     unsigned int on)
{
	struct clonedev_policy_change c = {
		.id = CLONEDEV_POLICY_ACTIVATION, .value = on,
	};

	ASSERT_EQ(0, clonedev_policy_set(cd, &c, 1, 0));
}

static unsigned int role_flags(struct clonedev *cd, unsigned int role)
{
	struct clonedev_session_info si;

	if (clonedev_session_info(cd, &si))
		return ~0U;
	return si.roles[role].role_flags;
}

static int activated(struct clonedev *cd)
{
	struct clonedev_session_info si;

	if (clonedev_session_info(cd, &si))
		return -1;
	return si.activated;
}

/*
 * A quorum co (shares in @co) with the challenge "chal", on an activated
 * partition; the session is left logged in as po.
 */
static void activated_co(struct __test_metadata *_metadata,
			 FIXTURE_DATA(quorum) * self,
			 struct clonedev_share *co)
{
	ASSERT_EQ(0, login_with(self->cd, CLONEDEV_ROLE_PO, self->sh,
				(const int[]){ 1, 2, 3 }, 3));
	ASSERT_EQ(0, clonedev_role_init_quorum(self->cd, CLONEDEV_ROLE_CO, 2,
					       3, co));
	ASSERT_EQ(0, clonedev_role_challenge(self->cd, CLONEDEV_ROLE_CO,
					     "chal"));
	policy22(_metadata, self->cd, 1);
	ASSERT_EQ(0, clonedev_activation(self->cd, 1));
}

TEST_F(quorum, activation_rules)
{
	struct clonedev_share co[3];

	ASSERT_EQ(0, login_with(self->cd, CLONEDEV_ROLE_PO, self->sh,
				(const int[]){ 1, 2, 3 }, 3));
	ASSERT_EQ(0, clonedev_role_init_quorum(self->cd, CLONEDEV_ROLE_CO, 2,
					       3, co));
	/* The po sets the co's challenge, the co the cu's. */
	EXPECT_NERR(EACCES, clonedev_role_challenge(self->cd,
						    CLONEDEV_ROLE_CU,
						    "x"));
	ASSERT_EQ(0, clonedev_role_challenge(self->cd, CLONEDEV_ROLE_CO,
					     "chal"));
	EXPECT_EQ(CLONEDEV_ROLE_SET | CLONEDEV_ROLE_CHALLENGE,
		  role_flags(self->cd, CLONEDEV_ROLE_CO));
	EXPECT_EQ(0, activated(self->cd));
	/* Policy 22 is off by default. */
	EXPECT_NERR(EPERM, clonedev_activation(self->cd, 1));
	EXPECT_EQ(0, activated(self->cd));
	/* The po has no challenge. */
	EXPECT_NERR(EINVAL, clonedev_login(self->cd, CLONEDEV_ROLE_PO,
					   "chal"));
}

TEST_F(quorum, challenge_after_a_share_login)
{
	const int two[] = { 1, 3 };
	struct clonedev_share co[3];

	activated_co(_metadata, self, co);
	EXPECT_EQ(1, activated(self->cd));
	/* Nothing cached yet: the challenge alone is not enough. */
	EXPECT_NERR(EKEYEXPIRED, clonedev_login(self->cd,
						CLONEDEV_ROLE_CO, "chal"));
	ASSERT_EQ(0, login_with(self->cd, CLONEDEV_ROLE_CO, co, two, 2));
	EXPECT_EQ(CLONEDEV_ROLE_CACHED,
		  role_flags(self->cd, CLONEDEV_ROLE_CO) &
		  CLONEDEV_ROLE_CACHED);
	ASSERT_EQ(0, clonedev_logout(self->cd));
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CO, "chal"));
	ASSERT_EQ(0, clonedev_logout(self->cd));
	/* A wrong challenge counts as a failed login. */
	EXPECT_NERR(EACCES, clonedev_login(self->cd, CLONEDEV_ROLE_CO,
					   "wrong"));
	EXPECT_EQ(1, failures(self->cd, CLONEDEV_ROLE_CO));
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CO, "chal"));
	EXPECT_EQ(0, failures(self->cd, CLONEDEV_ROLE_CO));
}

TEST_F(quorum, deactivation_wipes_the_cache)
{
	const int two[] = { 2, 3 };
	struct clonedev_share co[3];

	activated_co(_metadata, self, co);
	ASSERT_EQ(0, login_with(self->cd, CLONEDEV_ROLE_CO, co, two, 2));
	ASSERT_EQ(0, clonedev_activation(self->cd, 0));
	EXPECT_EQ(0, role_flags(self->cd, CLONEDEV_ROLE_CO) &
		     CLONEDEV_ROLE_CACHED);
	EXPECT_EQ(0, activated(self->cd));
	EXPECT_NERR(EKEYEXPIRED, clonedev_login(self->cd,
						CLONEDEV_ROLE_CO, "chal"));
}

/* Turning policy 22 off deactivates and wipes the cache too. */
TEST_F(quorum, policy_22_off_deactivates)
{
	const int two[] = { 1, 2 };
	struct clonedev_share co[3];

	activated_co(_metadata, self, co);
	ASSERT_EQ(0, login_with(self->cd, CLONEDEV_ROLE_CO, co, two, 2));
	ASSERT_EQ(0, login_with(self->cd, CLONEDEV_ROLE_PO, self->sh,
				(const int[]){ 1, 2, 3 }, 3));
	policy22(_metadata, self->cd, 0);
	EXPECT_EQ(0, role_flags(self->cd, CLONEDEV_ROLE_CO) &
		     CLONEDEV_ROLE_CACHED);
	EXPECT_EQ(0, activated(self->cd));
}

TEST_F(quorum, activation_is_for_quorum_partitions)
{
	struct clonedev *pw;
	unsigned int slot;

	setup_partition(_metadata, self->nl, "pw", &pw, &slot);
	EXPECT_NERR(EINVAL, clonedev_activation(pw, 1));
	ASSERT_EQ(0, clonedev_login(pw, CLONEDEV_ROLE_PO, TEST_PO));
	EXPECT_NERR(EINVAL, clonedev_role_challenge(pw, CLONEDEV_ROLE_CO,
						    "x"));
	ASSERT_EQ(0, clonedev_logout(pw));
	EXPECT_NERR(EACCES, clonedev_activation(pw, 1));
	clonedev_close(pw);
}

/* changepw would turn an M-of-N role into a one-person password. */
TEST_F(quorum, changepw_is_refused)
{
	const int two[] = { 1, 3 };
	struct clonedev_share co[3];

	activated_co(_metadata, self, co);
	ASSERT_EQ(0, login_with(self->cd, CLONEDEV_ROLE_CO, co, two, 2));
	EXPECT_NERR(EOPNOTSUPP, clonedev_role_changepw(self->cd, "chal",
						       "pw"));
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CO, "chal"));
	EXPECT_NERR(EOPNOTSUPP, clonedev_role_changepw(self->cd, "chal",
						       "pw"));
	EXPECT_EQ(0, failures(self->cd, CLONEDEV_ROLE_CO));
	/* The shares and the challenge still log in; the new password not. */
	EXPECT_NERR(EACCES, clonedev_login(self->cd, CLONEDEV_ROLE_CO,
					   "pw"));
	EXPECT_EQ(0, login_with(self->cd, CLONEDEV_ROLE_CO, co, two, 2));
	EXPECT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CO, "chal"));
	ASSERT_EQ(0, login_with(self->cd, CLONEDEV_ROLE_PO, self->sh,
				(const int[]){ 1, 2, 3 }, 3));
	EXPECT_NERR(EOPNOTSUPP, clonedev_role_changepw(self->cd, "x",
						       "pw"));
	EXPECT_EQ(0, login_with(self->cd, CLONEDEV_ROLE_PO, self->sh,
				(const int[]){ 2, 4, 5 }, 3));
}

/* 64 parallel wrong challenges: exactly the policy's 10 are evaluated. */
TEST_F(quorum, parallel_wrong_challenges_lock_at_the_limit)
{
	const int two[] = { 1, 3 };
	struct clonedev_share co[3];
	int ok, wrong, revoked, other;

	activated_co(_metadata, self, co);
	ASSERT_EQ(0, login_with(self->cd, CLONEDEV_ROLE_CO, co, two, 2));
	race_logins(_metadata, self->slot, CLONEDEV_ROLE_CO, -1, NULL,
		    &ok, &wrong, &revoked, &other);
	EXPECT_EQ(10, wrong);
	EXPECT_EQ(LOGIN_RACERS - 10, revoked);
	EXPECT_EQ(0, other);
	EXPECT_EQ(10, failures(self->cd, CLONEDEV_ROLE_CO));
	EXPECT_EQ(CLONEDEV_ROLE_LOCKED,
		  role_flags(self->cd, CLONEDEV_ROLE_CO) &
		  CLONEDEV_ROLE_LOCKED);
	EXPECT_NERR(EKEYREVOKED, clonedev_login(self->cd,
						CLONEDEV_ROLE_CO, "chal"));
	EXPECT_NERR(EKEYREVOKED, login_with(self->cd, CLONEDEV_ROLE_CO,
					    co, two, 2));
}

TEST_HARNESS_MAIN
