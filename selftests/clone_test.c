// SPDX-License-Identifier: GPL-2.0
/*
 * clonedev selftests: cloning between two partitions through
 * CLONEDEV_IOCTL_CLONE and libclonedev's relay: every negotiation outcome
 * (protocol levels, policy 42, FIPS, suites), policy and role refusals,
 * skip-existing, fidelity of what arrives, CPv1's slot limit, CPv4's key
 * renewal, and a relay that alters, replays, reorders, truncates or
 * mixes messages: the clone fails and nothing from such a message is
 * stored. Failed handshakes (a wrong secret under the same label) count
 * on both sides, lock cloning at CLONEDEV_CLONE_FAILURES_MAX, also under
 * a burst of parallel guesses, and a po login clears them. A target with
 * CLONEDEV_CLONE_REPLACE replaces what it holds, one object at a time,
 * and a clone that stops or a refusal leaves the held object in place.
 */
#include <pthread.h>
#include <sys/ioctl.h>

#include <openssl/sha.h>

#include "clonedev_test_util.h"

#define P384	CLONEDEV_SUITE_P384_AES256GCM
#define P256	CLONEDEV_SUITE_P256_AES256GCM
#define X25519	CLONEDEV_SUITE_X25519_CHACHA20POLY1305
#define CPV1	CLONEDEV_PROTO_CPV1
#define CPV3	CLONEDEV_PROTO_CPV3
#define CPV4	CLONEDEV_PROTO_CPV4

#define MSG_TYPE(m)	((m)[5])

static unsigned int msg_seq(const unsigned char *m)
{
	return (unsigned int)m[24] << 24 | m[25] << 16 | m[26] << 8 | m[27];
}

enum { HELLO = 1, CHOICE, CONFIRM, OBJECT, RESULT, DONE, SUMMARY, READY };

FIXTURE(clone)
{
	struct clonedev_nl *nl;
	struct clonedev *src, *dst;
	unsigned int src_slot, dst_slot;
	unsigned int keys[4];	/* aes-256, ec-p256 pair, data */
};

/*
 * A partition like setup_partition()'s, at protocol level @level, its
 * domain @domain labelled @dlabel.
 */
static void make_partition_label(struct __test_metadata *_metadata,
				 struct clonedev_nl *nl, const char *label,
				 unsigned int level, const char *domain,
				 const char *dlabel, struct clonedev **cd,
				 unsigned int *slot)
{
	struct clonedev_slot s;

	ASSERT_EQ(0, clonedev_nl_partition_create(nl, label, 0, 0, level, &s));
	*slot = s.slot;
	ASSERT_EQ(0, clonedev_open(cd));
	ASSERT_EQ(0, clonedev_slot_set(*cd, s.slot));
	ASSERT_EQ(0, clonedev_partition_init(*cd, NULL, TEST_PO, domain,
					     dlabel));
	ASSERT_EQ(0, clonedev_login(*cd, CLONEDEV_ROLE_PO, TEST_PO));
	ASSERT_EQ(0, clonedev_role_init(*cd, CLONEDEV_ROLE_CO, TEST_CO));
	ASSERT_EQ(0, clonedev_login(*cd, CLONEDEV_ROLE_CO, TEST_CO));
	ASSERT_EQ(0, clonedev_role_init(*cd, CLONEDEV_ROLE_CU, TEST_CU));
	ASSERT_EQ(0, clonedev_login(*cd, CLONEDEV_ROLE_CO, TEST_CO));
}

/* The same with the domain labelled "dom", as every test's partitions. */
static void make_partition(struct __test_metadata *_metadata,
			   struct clonedev_nl *nl, const char *label,
			   unsigned int level, const char *domain,
			   struct clonedev **cd, unsigned int *slot)
{
	make_partition_label(_metadata, nl, label, level, domain, "dom", cd,
			     slot);
}

static void make_keys(struct __test_metadata *_metadata, struct clonedev *cd,
		      unsigned int *h)
{
	ASSERT_EQ(0, clonedev_object_generate(cd, CLONEDEV_KEY_AES, 256, 0,
					      "aes", "\x01\x02", 2, &h[0]));
	ASSERT_EQ(0, clonedev_object_generate_pair(cd, CLONEDEV_KEY_EC_P256,
						   0, "ec", "\x03", 1, &h[1],
						   &h[2]));
	ASSERT_EQ(0, clonedev_object_create(cd, 0, "note", NULL, 0, "hello",
					    5, &h[3]));
}

FIXTURE_SETUP(clone)
{
	ASSERT_EQ(0, clonedev_nl_open(&self->nl));
	delete_all_partitions(_metadata, self->nl);
	make_partition(_metadata, self->nl, "source", 0, "shared", &self->src,
		       &self->src_slot);
	make_partition(_metadata, self->nl, "target", 0, "shared", &self->dst,
		       &self->dst_slot);
	make_keys(_metadata, self->src, self->keys);
}

FIXTURE_TEARDOWN(clone)
{
	clonedev_close(self->src);
	clonedev_close(self->dst);
	delete_all_partitions(_metadata, self->nl);
	clonedev_nl_close(self->nl);
}

/* Sets policy @id to @value as the po of @cd's partition, then co again. */
static int set_policy(struct clonedev *cd, unsigned int id,
		      unsigned int value)
{
	struct clonedev_policy_change ch = { .id = id, .value = value };
	int ret;

	ret = clonedev_login(cd, CLONEDEV_ROLE_PO, TEST_PO) ?:
	      clonedev_policy_set(cd, &ch, 1, 1) ?:
	      clonedev_login(cd, CLONEDEV_ROLE_CO, TEST_CO);
	return ret;
}

static int disable_suites(struct clonedev *cd, unsigned int suites)
{
	struct clonedev_suites s;

	return clonedev_login(cd, CLONEDEV_ROLE_PO, TEST_PO) ?:
	       clonedev_suites(cd, 0, suites, &s) ?:
	       clonedev_login(cd, CLONEDEV_ROLE_CO, TEST_CO);
}

static int run(struct clonedev *src, struct clonedev *dst,
	       struct clonedev_clone *res)
{
	return clonedev_clone(src, dst, NULL, 0, NULL, res);
}

/* Clones everything and checks the protocol and suite it used. */
static void expect_choice(struct __test_metadata *_metadata,
			  struct _test_data_clone *self, unsigned int proto,
			  unsigned int suite)
{
	struct clonedev_clone res;

	ASSERT_EQ(0, run(self->src, self->dst, &res));
	EXPECT_EQ(CLONEDEV_CLONE_DONE, res.state);
	EXPECT_EQ(proto, res.protocol);
	EXPECT_EQ(suite, res.suite);
	EXPECT_EQ(4, res.copied);
	EXPECT_EQ(0, res.skipped + res.refused + res.failed);
	EXPECT_EQ(4, count_objects(self->dst));
}

/* A failed clone with @error that left the target as it was (@n objects). */
static void expect_failure(struct __test_metadata *_metadata,
			   struct _test_data_clone *self, unsigned int error,
			   int n)
{
	struct clonedev_clone res;

	EXPECT_NERR(EPROTO, run(self->src, self->dst, &res));
	EXPECT_EQ(CLONEDEV_CLONE_FAILED, res.state);
	EXPECT_EQ(error, res.error);
	EXPECT_EQ(0, res.copied);
	EXPECT_EQ(n, count_objects(self->dst));
}

TEST_F(clone, cpv4_strongest_suite_by_default)
{
	expect_choice(_metadata, self, CPV4, P384);
}

TEST_F(clone, strongest_suite_enabled_on_both)
{
	ASSERT_EQ(0, disable_suites(self->dst, P384));
	expect_choice(_metadata, self, CPV4, P256);
}

TEST_F(clone, x25519_when_only_it_is_common)
{
	ASSERT_EQ(0, disable_suites(self->src, P384));
	ASSERT_EQ(0, disable_suites(self->dst, P256));
	expect_choice(_metadata, self, CPV4, X25519);
}

TEST_F(clone, no_suite_on_one_side_gives_cpv3)
{
	ASSERT_EQ(0, disable_suites(self->dst, CLONEDEV_SUITES_ALL));
	expect_choice(_metadata, self, CPV3, 0);
}

TEST_F(clone, no_common_suite_gives_cpv3)
{
	ASSERT_EQ(0, disable_suites(self->src, P384 | P256));
	ASSERT_EQ(0, disable_suites(self->dst, X25519));
	expect_choice(_metadata, self, CPV3, 0);
}

TEST_F(clone, policy_42_on_either_side_forces_cpv1)
{
	struct clonedev_clone res;

	ASSERT_EQ(0, set_policy(self->dst, CLONEDEV_POLICY_CPV1, 1));
	expect_choice(_metadata, self, CPV1, 0);

	/* And from the source's side (turning it on clears the source). */
	ASSERT_EQ(0, set_policy(self->dst, CLONEDEV_POLICY_CPV1, 0));
	ASSERT_EQ(0, set_policy(self->src, CLONEDEV_POLICY_CPV1, 1));
	EXPECT_EQ(0, count_objects(self->src));
	ASSERT_EQ(0, clonedev_object_generate(self->src, CLONEDEV_KEY_AES,
					      128, 0, "new", NULL, 0,
					      &self->keys[0]));
	ASSERT_EQ(0, run(self->src, self->dst, &res));
	EXPECT_EQ(CPV1, res.protocol);
	EXPECT_EQ(1, res.copied);
}

/* Each pair of protocol levels, through new partitions. */
TEST_F(clone, protocol_levels)
{
	static const struct {
		unsigned int src, dst, proto;
	} cases[] = {
		{ CLONEDEV_LEVEL_LEGACY, CLONEDEV_LEVEL_CURRENT, CPV1 },
		{ CLONEDEV_LEVEL_CURRENT, CLONEDEV_LEVEL_LEGACY, CPV1 },
		{ CLONEDEV_LEVEL_LEGACY, CLONEDEV_LEVEL_V3, CPV1 },
		{ CLONEDEV_LEVEL_V3, CLONEDEV_LEVEL_V3, CPV3 },
		{ CLONEDEV_LEVEL_V3, CLONEDEV_LEVEL_CURRENT, CPV3 },
		{ CLONEDEV_LEVEL_CURRENT, CLONEDEV_LEVEL_V3, CPV3 },
		{ CLONEDEV_LEVEL_LEGACY, CLONEDEV_LEVEL_LEGACY, CPV1 },
	};
	struct clonedev *s, *t;
	unsigned int i, ss, ts, h;
	struct clonedev_clone res;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		make_partition(_metadata, self->nl, "ls", cases[i].src,
			       "shared", &s, &ss);
		make_partition(_metadata, self->nl, "lt", cases[i].dst,
			       "shared", &t, &ts);
		ASSERT_EQ(0, clonedev_object_generate(s, CLONEDEV_KEY_AES,
						      256, 0, "k", NULL, 0,
						      &h));
		ASSERT_EQ(0, run(s, t, &res)) TH_LOG("case %u", i);
		EXPECT_EQ(cases[i].proto, res.protocol) TH_LOG("case %u", i);
		EXPECT_EQ(1, res.copied);
		clonedev_close(s);
		clonedev_close(t);
		ASSERT_EQ(0, clonedev_nl_partition_delete(self->nl, ss));
		ASSERT_EQ(0, clonedev_nl_partition_delete(self->nl, ts));
	}
}

TEST_F(clone, fips_source_refuses_non_fips_target)
{
	ASSERT_EQ(0, set_policy(self->src, CLONEDEV_POLICY_NON_FIPS, 0));
	expect_failure(_metadata, self, CLONEDEV_CLONE_E_FIPS, 0);
}

TEST_F(clone, fips_on_both_sides_never_picks_x25519)
{
	ASSERT_EQ(0, set_policy(self->src, CLONEDEV_POLICY_NON_FIPS, 0));
	ASSERT_EQ(0, set_policy(self->dst, CLONEDEV_POLICY_NON_FIPS, 0));
	ASSERT_EQ(0, disable_suites(self->dst, P384 | P256));
	expect_choice(_metadata, self, CPV3, 0);
}

TEST_F(clone, non_fips_source_may_clone_to_fips_target)
{
	ASSERT_EQ(0, set_policy(self->dst, CLONEDEV_POLICY_NON_FIPS, 0));
	expect_choice(_metadata, self, CPV4, P384);
}

TEST_F(clone, fips_and_forced_cpv1_have_no_protocol)
{
	ASSERT_EQ(0, set_policy(self->src, CLONEDEV_POLICY_NON_FIPS, 0));
	ASSERT_EQ(0, set_policy(self->dst, CLONEDEV_POLICY_NON_FIPS, 0));
	ASSERT_EQ(0, set_policy(self->dst, CLONEDEV_POLICY_CPV1, 1));
	expect_failure(_metadata, self, CLONEDEV_CLONE_E_PROTOCOL, 0);
}

TEST_F(clone, domain_mismatch_is_one_error_and_no_residue)
{
	struct clonedev *other;
	unsigned int slot, h;
	struct clonedev_clone res;

	/* Domains match by label: none of the target's has "dom". */
	make_partition_label(_metadata, self->nl, "stranger", 0, "shared",
			     "elsewhere", &other, &slot);
	ASSERT_EQ(0, clonedev_object_generate(other, CLONEDEV_KEY_AES, 128, 0,
					      "mine", NULL, 0, &h));
	EXPECT_NERR(EPROTO, run(self->src, other, &res));
	EXPECT_EQ(CLONEDEV_CLONE_E_DOMAIN, res.error);
	EXPECT_EQ(0, res.copied + res.skipped + res.refused + res.failed);
	EXPECT_EQ(1, count_objects(other));
	clonedev_close(other);
}

TEST_F(clone, a_shared_second_domain_is_found)
{
	struct clonedev *other;
	unsigned int slot;

	make_partition_label(_metadata, self->nl, "second", 0, "its-own",
			     "own", &other, &slot);
	/* The target holds "shared" as its second domain, labelled "dom". */
	ASSERT_EQ(0, set_policy(other, CLONEDEV_POLICY_EXTENDED_DOMAINS, 1));
	ASSERT_EQ(0, clonedev_login(other, CLONEDEV_ROLE_PO, TEST_PO));
	ASSERT_EQ(0, clonedev_domain_add(other, "dom", "shared", 0));
	ASSERT_EQ(0, clonedev_login(other, CLONEDEV_ROLE_CO, TEST_CO));
	clonedev_close(self->dst);
	self->dst = other;
	expect_choice(_metadata, self, CPV4, P384);
}

TEST_F(clone, skips_what_the_target_holds)
{
	struct clonedev_clone res;
	unsigned int one = self->keys[0];

	ASSERT_EQ(0, clonedev_clone(self->src, self->dst, &one, 1, NULL,
				    &res));
	EXPECT_EQ(1, res.copied);
	ASSERT_EQ(0, run(self->src, self->dst, &res));
	EXPECT_EQ(3, res.copied);
	EXPECT_EQ(1, res.skipped);
	ASSERT_EQ(0, run(self->src, self->dst, &res));
	EXPECT_EQ(0, res.copied);
	EXPECT_EQ(4, res.skipped);
	EXPECT_EQ(4, count_objects(self->dst));
}

/* Finds the target's object with @ouid. */
static int by_ouid(struct clonedev *cd, const unsigned char *ouid,
		   struct clonedev_object_attrs *out)
{
	unsigned int *h = NULL;
	int n, i, found = -1;

	n = clonedev_object_list(cd, &h);
	for (i = 0; i < n && found < 0; i++)
		if (!clonedev_object_get(cd, h[i], out, NULL, 0, NULL) &&
		    !memcmp(out->ouid, ouid, sizeof(out->ouid)))
			found = i;
	free(h);
	return found < 0 ? -1 : 0;
}

TEST_F(clone, objects_arrive_identical)
{
	struct clonedev_object_attrs a, b;
	unsigned char v1[64], v2[64];
	unsigned int i, l1, l2;

	expect_choice(_metadata, self, CPV4, P384);
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, clonedev_object_get(self->src, self->keys[i], &a,
						 NULL, 0, NULL));
		ASSERT_EQ(0, by_ouid(self->dst, a.ouid, &b));
		EXPECT_EQ(a.obj_class, b.obj_class);
		EXPECT_EQ(a.key_type, b.key_type);
		EXPECT_EQ(a.bits, b.bits);
		EXPECT_EQ(a.obj_flags, b.obj_flags);
		EXPECT_EQ(a.id_len, b.id_len);
		EXPECT_EQ(0, memcmp(a.id, b.id, a.id_len));
		EXPECT_STREQ(a.label, b.label);
		EXPECT_EQ(0, memcmp(a.kcv, b.kcv, sizeof(a.kcv)));
		EXPECT_EQ(0, memcmp(a.ouid, b.ouid, sizeof(a.ouid)));
	}
	/* The public key and the data travel with their values. */
	ASSERT_EQ(0, clonedev_object_get(self->src, self->keys[3], &a, v1,
					 sizeof(v1), &l1));
	ASSERT_EQ(0, by_ouid(self->dst, a.ouid, &b));
	ASSERT_EQ(0, clonedev_object_get(self->dst, b.handle, &b, v2,
					 sizeof(v2), &l2));
	EXPECT_EQ(l1, l2);
	EXPECT_EQ(0, memcmp(v1, v2, l1));
}

TEST_F(clone, every_protocol_carries_every_kind)
{
	static const unsigned int cases[][2] = {
		{ CPV4, P384 }, { CPV4, P256 }, { CPV4, X25519 },
		{ CPV3, 0 }, { CPV1, 0 },
	};
	struct clonedev_object_attrs a, b;
	struct clonedev *t;
	unsigned int i, k, slot;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		make_partition(_metadata, self->nl, "each", 0, "shared", &t,
			       &slot);
		if (cases[i][0] == CPV4) {
			ASSERT_EQ(0, disable_suites(t, CLONEDEV_SUITES_ALL &
						       ~cases[i][1]));
		} else if (cases[i][0] == CPV3) {
			ASSERT_EQ(0, disable_suites(t, CLONEDEV_SUITES_ALL));
		} else {
			ASSERT_EQ(0, set_policy(t, CLONEDEV_POLICY_CPV1, 1));
		}
		clonedev_close(self->dst);
		self->dst = t;
		expect_choice(_metadata, self, cases[i][0], cases[i][1]);
		for (k = 0; k < 4; k++) {
			ASSERT_EQ(0, clonedev_object_get(self->src,
							 self->keys[k], &a,
							 NULL, 0, NULL));
			ASSERT_EQ(0, by_ouid(t, a.ouid, &b));
			EXPECT_EQ(0, memcmp(a.kcv, b.kcv, sizeof(a.kcv)));
			EXPECT_EQ(a.bits, b.bits);
		}
		ASSERT_EQ(0, clonedev_nl_partition_delete(self->nl, slot));
	}
}

TEST_F(clone, selected_handles_only)
{
	struct clonedev_clone res;
	unsigned int two[2] = { self->keys[3], self->keys[0] };
	unsigned int bad[2] = { self->keys[0], 999 };

	ASSERT_EQ(0, clonedev_clone(self->src, self->dst, two, 2, NULL, &res));
	EXPECT_EQ(2, res.copied);
	EXPECT_EQ(2, res.total);
	EXPECT_EQ(2, count_objects(self->dst));
	/* A handle that does not exist: nothing starts. */
	EXPECT_NERR(ENOENT, clonedev_clone(self->src, self->dst, bad, 2,
					   NULL, &res));
	EXPECT_EQ(2, count_objects(self->dst));
}

/* Signs "message" with @h of @a and verifies it with @pub of @b. */
static int sign_there_verify_here(struct clonedev *a, unsigned int h,
				  struct clonedev *b, unsigned int pub)
{
	struct clonedev_crypt_params p = {
		.mech = CLONEDEV_MECH_RSA_PSS, .hash = CLONEDEV_HASH_SHA256,
		.salt_len = 32,
	};
	unsigned char sig[512];
	size_t len;
	int ret;

	ret = clonedev_sign(a, h, &p, "message", 7, sig, sizeof(sig), &len) ?:
	      clonedev_verify(b, pub, &p, "message", 7, sig, len);
	if (ret)
		return ret;
	/* And another message does not. */
	ret = clonedev_verify(b, pub, &p, "messagf", 7, sig, len);
	return ret == -EBADMSG ? 0 : -EIO;
}

TEST_F_TIMEOUT(clone, rsa_pair_clones_and_verifies, HEAVY_TEST_TIMEOUT)
{
	unsigned char v1[600], v2[600];
	struct clonedev_object_attrs a, b;
	struct clonedev_clone res;
	unsigned int pair[2], there[2], i, l1, l2;
	struct clonedev *t;
	unsigned int slot;

	ASSERT_EQ(0, clonedev_object_generate_keypair(self->src,
						      CLONEDEV_KEY_RSA, 2048,
						      0, "rsa", "\x05", 1,
						      &pair[0], &pair[1]));
	ASSERT_EQ(0, clonedev_clone(self->src, self->dst, pair, 2, NULL,
				    &res));
	EXPECT_EQ(CPV4, res.protocol);
	EXPECT_EQ(2, res.copied);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, clonedev_object_get(self->src, pair[i], &a, NULL,
						 0, NULL));
		ASSERT_EQ(0, by_ouid(self->dst, a.ouid, &b));
		there[i] = b.handle;
		EXPECT_EQ(a.obj_class, b.obj_class);
		EXPECT_EQ(CLONEDEV_KEY_RSA, b.key_type);
		EXPECT_EQ(2048, b.bits);
		EXPECT_EQ(a.obj_flags, b.obj_flags);
		EXPECT_STREQ("rsa", b.label);
		EXPECT_EQ(0, memcmp(a.kcv, b.kcv, sizeof(a.kcv)));
		ASSERT_EQ(0, clonedev_object_public(self->src, pair[i], v1,
						    sizeof(v1), &l1));
		ASSERT_EQ(0, clonedev_object_public(self->dst, there[i], v2,
						    sizeof(v2), &l2));
		ASSERT_EQ(l1, l2);
		EXPECT_EQ(0, memcmp(v1, v2, l1));
	}
	/* Signatures made on either side verify on the other. */
	EXPECT_EQ(0, sign_there_verify_here(self->src, pair[0], self->dst,
					    there[1]));
	EXPECT_EQ(0, sign_there_verify_here(self->dst, there[0], self->src,
					    pair[1]));

	/* Over CPv1, the public key fits the 1024-byte slot, the pair not. */
	make_partition(_metadata, self->nl, "cpv1", 0, "shared", &t, &slot);
	ASSERT_EQ(0, set_policy(t, CLONEDEV_POLICY_CPV1, 1));
	ASSERT_EQ(0, clonedev_clone(self->src, t, pair, 2, NULL, &res));
	EXPECT_EQ(CPV1, res.protocol);
	EXPECT_EQ(1, res.copied);
	EXPECT_EQ(1, res.failed);
	ASSERT_EQ(0, clonedev_object_get(self->src, pair[1], &a, NULL, 0,
					 NULL));
	ASSERT_EQ(0, by_ouid(t, a.ouid, &b));
	EXPECT_EQ(CLONEDEV_CLASS_PUBLIC_KEY, b.obj_class);
	EXPECT_EQ(0, memcmp(a.kcv, b.kcv, sizeof(a.kcv)));
	EXPECT_EQ(0, sign_there_verify_here(self->src, pair[0], t, b.handle));
	clonedev_close(t);
	ASSERT_EQ(0, clonedev_nl_partition_delete(self->nl, slot));
}

TEST_F(clone, policies_0_and_4_on_either_side)
{
	struct clonedev_clone res;

	/* No secret keys into the target. */
	ASSERT_EQ(0, set_policy(self->dst, CLONEDEV_POLICY_SECRET_CLONING, 0));
	EXPECT_EQ(0, run(self->src, self->dst, &res));
	EXPECT_EQ(3, res.copied);
	EXPECT_EQ(1, res.refused);
	EXPECT_EQ(3, count_objects(self->dst));
	/* No private keys out of the source. */
	ASSERT_EQ(0, set_policy(self->dst, CLONEDEV_POLICY_SECRET_CLONING, 1));
	ASSERT_EQ(0, set_policy(self->src, CLONEDEV_POLICY_PRIVATE_CLONING, 0));
	EXPECT_EQ(0, run(self->src, self->dst, &res));
	EXPECT_EQ(1, res.copied);
	EXPECT_EQ(2, res.skipped);
	EXPECT_EQ(1, res.refused);
	EXPECT_EQ(4, count_objects(self->dst));
}

TEST_F(clone, cu_clones_public_objects_only)
{
	struct clonedev_clone res;

	ASSERT_EQ(0, clonedev_login(self->src, CLONEDEV_ROLE_CU, TEST_CU));
	EXPECT_EQ(0, run(self->src, self->dst, &res));
	EXPECT_EQ(2, res.copied);	/* the public key and the data */
	EXPECT_EQ(2, res.refused);
	EXPECT_EQ(2, count_objects(self->dst));
}

TEST_F(clone, cpv1_slot_limit_is_a_length_error)
{
	unsigned char big[2000];
	struct clonedev_clone res;
	unsigned int h;

	memset(big, 'x', sizeof(big));
	ASSERT_EQ(0, clonedev_object_create(self->src, 0, "big", NULL, 0, big,
					    sizeof(big), &h));
	ASSERT_EQ(0, set_policy(self->dst, CLONEDEV_POLICY_CPV1, 1));
	EXPECT_EQ(0, run(self->src, self->dst, &res));
	EXPECT_EQ(CPV1, res.protocol);
	EXPECT_EQ(4, res.copied);
	EXPECT_EQ(1, res.failed);
	EXPECT_EQ(4, count_objects(self->dst));
	/* CPv4 has no such limit. */
	ASSERT_EQ(0, set_policy(self->dst, CLONEDEV_POLICY_CPV1, 0));
	EXPECT_EQ(0, run(self->src, self->dst, &res));
	EXPECT_EQ(CPV4, res.protocol);
	EXPECT_EQ(1, res.copied);
	EXPECT_EQ(4, res.skipped);
	EXPECT_EQ(5, count_objects(self->dst));
}

TEST_F_TIMEOUT(clone, cpv4_renews_its_key_past_1000_objects,
	       HEAVY_TEST_TIMEOUT)
{
	unsigned int *h = calloc(1100, sizeof(*h));
	struct clonedev_clone res;

	ASSERT_NE(NULL, h);
	ASSERT_EQ(0, clonedev_object_generate_bulk(self->src, CLONEDEV_KEY_AES,
						   128, 0, "many", 1100, h));
	free(h);
	ASSERT_EQ(0, run(self->src, self->dst, &res));
	EXPECT_EQ(CPV4, res.protocol);
	EXPECT_EQ(1104, res.copied);
	EXPECT_EQ(1104, count_objects(self->dst));
}

/* ---- a relay that misbehaves ---- */

struct evil {
	int to_target;		/* direction to act on */
	unsigned int type;	/* message type to act on */
	unsigned int seq;	/* and its sequence number */
	int action;
	unsigned char saved[CLONEDEV_CLONE_MSG_MAX];
	unsigned int saved_len;
	const unsigned char *foreign;	/* for SWAP */
	unsigned int foreign_len;
	int hits;
	int short_messages;	/* shorter than a header: must stay 0 */
};

enum {
	FLIP_LAST, FLIP_HEADER, TRUNCATE, REPLAY, SWAP, DOWNGRADE,
	DOWNGRADE_BOTH, REORDER, DROP
};

/* The length of the message at @m as its header says. */
static unsigned int msg_len(const unsigned char *m)
{
	return 32 + ((unsigned int)m[28] << 24 | m[29] << 16 | m[30] << 8 |
		     m[31]);
}

/*
 * Puts @new_len bytes of @new in the place of the @old_len bytes at @at
 * of the flight @m of *@len bytes.
 */
static void splice(unsigned char *m, unsigned int *len, unsigned int at,
		   unsigned int old_len, const unsigned char *new,
		   unsigned int new_len)
{
	memmove(m + at + new_len, m + at + old_len, *len - at - old_len);
	memcpy(m + at, new, new_len);
	*len = *len - old_len + new_len;
}

/*
 * Acts on the message at @off of the flight @m (@n bytes long) if it is
 * the one to act on. Return: 1 if it acted (the rest of the flight is
 * left alone), else 0.
 */
static int evil_message(struct evil *e, int to_target, unsigned char *m,
			unsigned int *len, unsigned int off, unsigned int n)
{
	unsigned char *msg = m + off, tmp[CLONEDEV_CLONE_MSG_MAX];
	unsigned int next;

	/* Remember the OBJECT before the one to replace (for REPLAY). */
	if (e->action == REPLAY && to_target && MSG_TYPE(msg) == OBJECT &&
	    msg_seq(msg) + 1 == e->seq) {
		memcpy(e->saved, msg, n);
		e->saved_len = n;
	}
	/* CHOICE: the target too offers CPv1 only, as the edited HELLO. */
	if (e->action == DOWNGRADE_BOTH && !to_target &&
	    MSG_TYPE(msg) == CHOICE) {
		e->hits++;
		msg[32 + 9] = CPV1;
		return 1;
	}
	if (to_target != e->to_target || MSG_TYPE(msg) != e->type ||
	    msg_seq(msg) != e->seq)
		return 0;
	e->hits++;
	switch (e->action) {
	case FLIP_LAST:
		msg[n - 1] ^= 0x01;
		break;
	case FLIP_HEADER:
		msg[12] ^= 0x80;		/* the session id */
		break;
	case TRUNCATE:
		splice(m, len, off + n - 1, 1, NULL, 0);
		break;
	case REPLAY:
		splice(m, len, off, n, e->saved, e->saved_len);
		break;
	case SWAP:
		splice(m, len, off, n, e->foreign, e->foreign_len);
		break;
	case DOWNGRADE:
	case DOWNGRADE_BOTH:
		msg[32 + 9] = CPV1;	/* HELLO: the source allows CPv1 only */
		break;
	case REORDER:
		/* This message after the next one of its flight. */
		if (off + n + 32 > *len) {
			e->hits = -100;	/* no next one: the test is wrong */
			break;
		}
		next = msg_len(m + off + n);
		memcpy(tmp, msg, n);
		memmove(msg, msg + n, next);
		memcpy(msg + next, tmp, n);
		break;
	case DROP:
		splice(m, len, off, n, NULL, 0);
		break;
	}
	return 1;
}

/* Acts on one message of the flight @m: a flight holds whole messages. */
static void evil_relay(void *arg, int to_target, unsigned char *m,
		       unsigned int *len)
{
	struct evil *e = arg;
	unsigned int off, n;

	/* The relay hands over whole messages only. */
	if (*len < 32) {
		e->short_messages++;
		return;
	}
	for (off = 0; off + 32 <= *len; off += n) {
		n = msg_len(m + off);
		if (n > *len - off) {
			e->short_messages++;
			return;
		}
		if (evil_message(e, to_target, m, len, off, n))
			return;
	}
}

static int evil_run(struct _test_data_clone *self, struct evil *e,
		    struct clonedev_clone *res)
{
	struct clonedev_clone_relay r = { .tamper = evil_relay, .arg = e };

	return clonedev_clone(self->src, self->dst, NULL, 0, &r, res);
}

TEST_F(clone, altered_messages_fail_and_store_nothing)
{
	static const struct {
		int to_target;
		unsigned int type, seq, objects, error;
	} cases[] = {
		/* Ns changed: the target's session id is not the source's. */
		{ 1, HELLO, 0, 0, CLONEDEV_CLONE_E_UNEXPECTED },
		{ 0, CHOICE, 0, 0, CLONEDEV_CLONE_E_AUTH },
		{ 1, CONFIRM, 1, 0, CLONEDEV_CLONE_E_AUTH },
		{ 0, READY, 1, 0, CLONEDEV_CLONE_E_AUTH },
		/*
		 * The four objects travel in one flight: a message of it
		 * that fails stores none of them; the target stores them
		 * all, in one commit, before it answers.
		 */
		{ 1, OBJECT, 2, 0, CLONEDEV_CLONE_E_AUTH },
		{ 1, OBJECT, 4, 0, CLONEDEV_CLONE_E_AUTH },
		{ 0, RESULT, 3, 4, CLONEDEV_CLONE_E_AUTH },
		{ 1, DONE, 6, 4, CLONEDEV_CLONE_E_AUTH },
		{ 0, SUMMARY, 6, 4, CLONEDEV_CLONE_E_AUTH },
	};
	struct clonedev_clone res;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct evil e = { .to_target = cases[i].to_target,
				  .type = cases[i].type, .seq = cases[i].seq,
				  .action = FLIP_LAST };

		EXPECT_NERR(EPROTO, evil_run(self, &e, &res)) TH_LOG("case %u", i);
		EXPECT_EQ(1, e.hits);
		EXPECT_EQ(0, e.short_messages);
		EXPECT_EQ(cases[i].error, res.error) TH_LOG("case %u", i);
		/* Only what came before the altered message is there. */
		EXPECT_EQ(cases[i].objects, count_objects(self->dst))
			TH_LOG("case %u", i);
		/* Start again from an empty target. */
		ASSERT_EQ(0, set_policy(self->dst, CLONEDEV_POLICY_CPV1, 1));
		ASSERT_EQ(0, set_policy(self->dst, CLONEDEV_POLICY_CPV1, 0));
	}
}

/* CPv1 (and CPv3) keep one object a flight: what came before stays. */
TEST_F(clone, cpv1_alternates_strictly)
{
	struct evil e = { .to_target = 1, .type = OBJECT, .seq = 4,
			  .action = FLIP_LAST };
	struct clonedev_clone res;

	ASSERT_EQ(0, set_policy(self->dst, CLONEDEV_POLICY_CPV1, 1));
	EXPECT_NERR(EPROTO, evil_run(self, &e, &res));
	EXPECT_EQ(1, e.hits);
	EXPECT_EQ(CPV1, res.protocol);
	EXPECT_EQ(CLONEDEV_CLONE_E_AUTH, res.error);
	EXPECT_EQ(2, res.copied);
	EXPECT_EQ(2, count_objects(self->dst));
}

TEST_F(clone, a_downgraded_offer_is_caught)
{
	struct evil e = { .to_target = 1, .type = HELLO, .seq = 0,
			  .action = DOWNGRADE };
	struct clonedev_clone res;

	/* The source's own choice from the two offers is not CHOICE's. */
	EXPECT_NERR(EPROTO, evil_run(self, &e, &res));
	EXPECT_EQ(CLONEDEV_CLONE_E_UNEXPECTED, res.error);
	EXPECT_EQ(0, count_objects(self->dst));
	/*
	 * Both offers edited to agree on CPv1: the transcripts differ, so
	 * K_hs does and MAC_S fails at the target.
	 */
	e = (struct evil){ .to_target = 1, .type = HELLO, .seq = 0,
			   .action = DOWNGRADE_BOTH };
	EXPECT_NERR(EPROTO, evil_run(self, &e, &res));
	EXPECT_EQ(CLONEDEV_CLONE_E_AUTH, res.error);
	EXPECT_EQ(2, e.hits);
	EXPECT_EQ(0, count_objects(self->dst));
}

TEST_F(clone, replayed_reordered_and_truncated_messages)
{
	static const struct {
		int to_target;
		unsigned int type, seq, action, objects;
	} cases[] = {
		/* OBJECT 0 again in place of OBJECT 1, in one window. */
		{ 1, OBJECT, 3, REPLAY, 0 },
		/* A header from elsewhere (the session id changed). */
		{ 1, OBJECT, 3, FLIP_HEADER, 0 },
		/* The last of the flight one byte short of its header. */
		{ 1, OBJECT, 5, TRUNCATE, 0 },
		/* OBJECT 1 after OBJECT 2, or left out, in one window. */
		{ 1, OBJECT, 3, REORDER, 0 },
		{ 1, OBJECT, 3, DROP, 0 },
		/*
		 * The end of a flight left out: the target cannot tell, and
		 * stores and answers the rest; the source misses a RESULT.
		 */
		{ 1, OBJECT, 5, DROP, 3 },
		/* RESULTs reordered or one left out: all were stored. */
		{ 0, RESULT, 2, REORDER, 4 },
		{ 0, RESULT, 4, DROP, 4 },
		{ 0, RESULT, 5, DROP, 4 },
	};
	struct clonedev_clone res;
	unsigned int i;
	struct evil e;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		e = (struct evil){ .to_target = cases[i].to_target,
				   .type = cases[i].type, .seq = cases[i].seq,
				   .action = cases[i].action };
		EXPECT_NERR(EPROTO, evil_run(self, &e, &res)) TH_LOG("case %u", i);
		EXPECT_EQ(1, e.hits) TH_LOG("case %u", i);
		EXPECT_EQ(0, e.short_messages);
		EXPECT_EQ(CLONEDEV_CLONE_E_UNEXPECTED, res.error)
			TH_LOG("case %u", i);
		EXPECT_EQ(0, res.copied) TH_LOG("case %u", i);
		EXPECT_EQ(cases[i].objects, count_objects(self->dst))
			TH_LOG("case %u", i);
		/* Start again from an empty target. */
		ASSERT_EQ(0, set_policy(self->dst, CLONEDEV_POLICY_CPV1, 1));
		ASSERT_EQ(0, set_policy(self->dst, CLONEDEV_POLICY_CPV1, 0));
	}
}

/* Records the first OBJECT of one clone, to inject into another. */
static void recorder(void *arg, int to_target, unsigned char *m,
		     unsigned int *len)
{
	struct evil *e = arg;

	if (to_target && MSG_TYPE(m) == OBJECT && !e->saved_len) {
		memcpy(e->saved, m, *len);
		e->saved_len = *len;
	}
}

TEST_F(clone, a_message_from_another_clone_is_refused)
{
	struct clonedev_clone_relay r = { .tamper = recorder };
	struct clonedev_clone res;
	struct evil rec = { 0 }, e;
	struct clonedev *third;
	unsigned int slot;

	make_partition(_metadata, self->nl, "third", 0, "shared", &third,
		       &slot);
	r.arg = &rec;
	ASSERT_EQ(0, clonedev_clone(self->src, third, NULL, 0, &r, &res));
	ASSERT_NE(0, rec.saved_len);
	e = (struct evil){ .to_target = 1, .type = OBJECT, .seq = 2,
			   .action = SWAP, .foreign = rec.saved,
			   .foreign_len = rec.saved_len };
	EXPECT_NERR(EPROTO, evil_run(self, &e, &res));
	EXPECT_EQ(CLONEDEV_CLONE_E_UNEXPECTED, res.error);
	EXPECT_EQ(0, count_objects(self->dst));
	clonedev_close(third);
}

/* ---- the ioctl's own errors ---- */

TEST_F(clone, ioctl_rejections)
{
	unsigned char out[CLONEDEV_CLONE_MSG_MAX], in[64] = { 0 };
	struct clonedev_clone c = { .size = sizeof(c) };
	int fd = clonedev_fd(self->dst);
	struct clonedev *none;

	/* A step with no clone running. */
	c.op = CLONEDEV_CLONE_STEP;
	c.in = (uintptr_t)in;
	c.in_len = sizeof(in);
	c.out = (uintptr_t)out;
	c.out_cap = sizeof(out);
	EXPECT_ERRNO(EINVAL, ioctl(fd, CLONEDEV_IOCTL_CLONE, &c));
	c.op = 9;
	EXPECT_ERRNO(EINVAL, ioctl(fd, CLONEDEV_IOCTL_CLONE, &c));
	c.op = CLONEDEV_CLONE_SOURCE;
	c.out_cap = 100;
	EXPECT_ERRNO(EMSGSIZE, ioctl(fd, CLONEDEV_IOCTL_CLONE, &c));
	c.out_cap = sizeof(out);
	c.in_len = CLONEDEV_CLONE_MSG_MAX + 1;
	EXPECT_ERRNO(EMSGSIZE, ioctl(fd, CLONEDEV_IOCTL_CLONE, &c));
	c.in_len = 0;
	c.flags = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(fd, CLONEDEV_IOCTL_CLONE, &c));
	c.flags = 0;
	/* A target needs the co; a source co or cu; both a slot. */
	ASSERT_EQ(0, clonedev_login(self->dst, CLONEDEV_ROLE_CU, TEST_CU));
	c.op = CLONEDEV_CLONE_TARGET;
	c.in_len = sizeof(in);
	EXPECT_ERRNO(EACCES, ioctl(fd, CLONEDEV_IOCTL_CLONE, &c));
	ASSERT_EQ(0, clonedev_logout(self->dst));
	c.op = CLONEDEV_CLONE_SOURCE;
	c.in_len = 0;
	EXPECT_ERRNO(EACCES, ioctl(fd, CLONEDEV_IOCTL_CLONE, &c));
	ASSERT_EQ(0, clonedev_open(&none));
	EXPECT_ERRNO(ENODEV, ioctl(clonedev_fd(none), CLONEDEV_IOCTL_CLONE,
				   &c));
	clonedev_close(none);
	EXPECT_EQ(4, count_objects(self->src));
	ASSERT_EQ(0, clonedev_login(self->dst, CLONEDEV_ROLE_CO, TEST_CO));
	EXPECT_EQ(0, count_objects(self->dst));
}

/* One CLONEDEV_IOCTL_CLONE: @op with @in (@in_len bytes), output to @out. */
static int clone_op(struct clonedev *cd, struct clonedev_clone *c,
		    unsigned int op, const unsigned char *in,
		    unsigned int in_len, unsigned char *out)
{
	memset(c, 0, sizeof(*c));
	c->op = op;
	c->in = (uintptr_t)in;
	c->in_len = in_len;
	c->out = (uintptr_t)out;
	c->out_cap = CLONEDEV_CLONE_MSG_MAX;
	return clonedev_clone_op(cd, c);
}

TEST_F(clone, a_target_logout_ends_the_clone)
{
	unsigned char a[CLONEDEV_CLONE_MSG_MAX], b[CLONEDEV_CLONE_MSG_MAX];
	struct clonedev_clone s, t;

	ASSERT_EQ(0, clone_op(self->src, &s, CLONEDEV_CLONE_SOURCE, NULL, 0,
			      a));
	ASSERT_EQ(CLONEDEV_CLONE_RUNNING, s.state);
	ASSERT_EQ(0, clone_op(self->dst, &t, CLONEDEV_CLONE_TARGET, a,
			      s.out_len, b));
	ASSERT_EQ(CLONEDEV_CLONE_RUNNING, t.state);
	EXPECT_NE(0, t.protocol);
	ASSERT_EQ(0, clone_op(self->src, &s, CLONEDEV_CLONE_STEP, b,
			      t.out_len, a));
	ASSERT_EQ(CLONEDEV_CLONE_RUNNING, s.state);
	/* The target's co logs out before CONFIRM arrives. */
	ASSERT_EQ(0, clonedev_logout(self->dst));
	ASSERT_EQ(0, clone_op(self->dst, &t, CLONEDEV_CLONE_STEP, a,
			      s.out_len, b));
	EXPECT_EQ(CLONEDEV_CLONE_FAILED, t.state);
	EXPECT_EQ(CLONEDEV_CLONE_E_ROLE, t.error);
	/* And the source hears it. */
	ASSERT_EQ(0, clone_op(self->src, &s, CLONEDEV_CLONE_STEP, b,
			      t.out_len, a));
	EXPECT_EQ(CLONEDEV_CLONE_FAILED, s.state);
	EXPECT_EQ(CLONEDEV_CLONE_E_ROLE, s.error);
	/* An abort with nothing running. */
	EXPECT_NERR(EINVAL, clone_op(self->src, &s, CLONEDEV_CLONE_ABORT,
				     NULL, 0, a));
}

TEST_F(clone, a_source_names_at_most_handles_max)
{
	unsigned char out[CLONEDEV_CLONE_MSG_MAX];
	struct clonedev_clone c = { .size = sizeof(c) };
	unsigned int h[2] = { self->keys[0], self->keys[3] };

	/*
	 * Refused before the list is read: @handles points at two handles
	 * only, so a kernel that read the whole list would fail with EFAULT.
	 */
	c.op = CLONEDEV_CLONE_SOURCE;
	c.handles = (uintptr_t)h;
	c.out = (uintptr_t)out;
	c.out_cap = sizeof(out);
	c.count = CLONEDEV_CLONE_HANDLES_MAX + 1;
	EXPECT_ERRNO(E2BIG, ioctl(clonedev_fd(self->src), CLONEDEV_IOCTL_CLONE,
				  &c));
	c.count = 0x3fffffff;
	EXPECT_ERRNO(E2BIG, ioctl(clonedev_fd(self->src), CLONEDEV_IOCTL_CLONE,
				  &c));
	/* Nothing started: a STEP finds no clone. */
	c.op = CLONEDEV_CLONE_STEP;
	c.in = (uintptr_t)out;
	c.in_len = 32;
	EXPECT_ERRNO(EINVAL, ioctl(clonedev_fd(self->src), CLONEDEV_IOCTL_CLONE,
				   &c));
	EXPECT_EQ(0, count_objects(self->dst));
}

TEST_F(clone, abort_writes_its_error_only_where_it_fits)
{
	unsigned char a[CLONEDEV_CLONE_MSG_MAX], small[64];
	struct clonedev_clone s;

	ASSERT_EQ(0, clone_op(self->src, &s, CLONEDEV_CLONE_SOURCE, NULL, 0,
			      a));
	ASSERT_EQ(CLONEDEV_CLONE_RUNNING, s.state);
	memset(small, 0xa5, sizeof(small));
	memset(&s, 0, sizeof(s));
	s.op = CLONEDEV_CLONE_ABORT;
	s.out = (uintptr_t)small;
	s.out_cap = 4;
	EXPECT_NERR(EMSGSIZE, clonedev_clone_op(self->src, &s));
	/* Not one byte written, and the clone is over all the same. */
	EXPECT_EQ(0xa5, small[0]);
	EXPECT_EQ(0xa5, small[42]);
	EXPECT_NERR(EINVAL, clone_op(self->src, &s, CLONEDEV_CLONE_ABORT,
				     NULL, 0, a));
	/* With room, the ERROR (aborted) is written. */
	ASSERT_EQ(0, clone_op(self->src, &s, CLONEDEV_CLONE_SOURCE, NULL, 0,
			      a));
	ASSERT_EQ(0, clone_op(self->src, &s, CLONEDEV_CLONE_ABORT, NULL, 0,
			      a));
	EXPECT_EQ(CLONEDEV_CLONE_FAILED, s.state);
	EXPECT_EQ(CLONEDEV_CLONE_E_ABORTED, s.error);
	EXPECT_EQ(15, MSG_TYPE(a));
	EXPECT_EQ(0, count_objects(self->dst));
}

/* ---- failed handshakes: one guess at the domain each ---- */

/* Logs the po in (which clears the count) and the co again. */
static int po_login(struct clonedev *cd)
{
	return clonedev_login(cd, CLONEDEV_ROLE_PO, TEST_PO) ?:
	       clonedev_login(cd, CLONEDEV_ROLE_CO, TEST_CO);
}

TEST_F(clone, a_wrong_secret_under_the_same_label_is_auth)
{
	struct clonedev_clone res;
	struct clonedev *fake;
	unsigned int slot;

	make_partition(_metadata, self->nl, "impostor", 0, "not-shared",
		       &fake, &slot);
	EXPECT_NERR(EPROTO, run(self->src, fake, &res));
	EXPECT_EQ(CLONEDEV_CLONE_E_AUTH, res.error);
	EXPECT_EQ(0, res.copied + res.skipped + res.refused + res.failed);
	EXPECT_EQ(0, count_objects(fake));
	clonedev_close(fake);
}

TEST_F(clone, failed_handshakes_lock_both_sides_until_a_po_login)
{
	struct clonedev *fake, *good;
	unsigned int fslot, gslot, i;
	struct clonedev_clone res;

	make_partition(_metadata, self->nl, "impostor", 0, "not-shared",
		       &fake, &fslot);
	make_partition(_metadata, self->nl, "good", 0, "shared", &good,
		       &gslot);
	/* Each attempt is one guess, counted on each side. */
	for (i = 0; i < CLONEDEV_CLONE_FAILURES_MAX; i++) {
		EXPECT_NERR(EPROTO, run(self->src, fake, &res))
			TH_LOG("attempt %u", i + 1);
		EXPECT_EQ(CLONEDEV_CLONE_E_AUTH, res.error);
	}
	/* The source is locked, whatever the target. */
	EXPECT_NERR(EKEYREVOKED, run(self->src, self->dst, &res));
	/* So is the impostor as a target, whatever the source. */
	EXPECT_NERR(EKEYREVOKED, run(good, fake, &res));
	EXPECT_EQ(0, count_objects(self->dst));
	EXPECT_EQ(0, count_objects(fake));
	/* A po login clears the count. */
	ASSERT_EQ(0, po_login(self->src));
	expect_choice(_metadata, self, CPV4, P384);
	ASSERT_EQ(0, po_login(fake));
	EXPECT_NERR(EPROTO, run(good, fake, &res));
	EXPECT_EQ(CLONEDEV_CLONE_E_AUTH, res.error);
	clonedev_close(fake);
	clonedev_close(good);
}

TEST_F(clone, a_handshake_that_succeeds_clears_the_count)
{
	struct clonedev_clone res;
	struct clonedev *fake;
	unsigned int slot, i;

	make_partition(_metadata, self->nl, "impostor", 0, "not-shared",
		       &fake, &slot);
	for (i = 0; i < CLONEDEV_CLONE_FAILURES_MAX - 1; i++)
		EXPECT_NERR(EPROTO, run(self->src, fake, &res));
	ASSERT_EQ(0, run(self->src, self->dst, &res));
	EXPECT_EQ(CLONEDEV_CLONE_DONE, res.state);
	/* The source starts from 0 again: nine more attempts run. */
	ASSERT_EQ(0, po_login(fake));
	for (i = 0; i < CLONEDEV_CLONE_FAILURES_MAX - 1; i++) {
		EXPECT_NERR(EPROTO, run(self->src, fake, &res));
		EXPECT_EQ(CLONEDEV_CLONE_E_AUTH, res.error);
	}
	clonedev_close(fake);
}

#define GUESSES	50

struct guess {
	struct clonedev *cd;
	pthread_barrier_t *go;
	unsigned char confirm[CLONEDEV_CLONE_MSG_MAX];
	unsigned int len;
	int ret;
	unsigned int error;
};

static void *guess_once(void *arg)
{
	unsigned char out[CLONEDEV_CLONE_MSG_MAX];
	struct guess *g = arg;
	struct clonedev_clone c;

	pthread_barrier_wait(g->go);
	g->ret = clone_op(g->cd, &c, CLONEDEV_CLONE_STEP, g->confirm, g->len,
			  out);
	g->error = c.error;
	return NULL;
}

/*
 * A CONFIRM for the target that sent @choice to @hello: the right header
 * and a valid point as pA (the target's own pB), but a MAC_S nobody
 * could make.
 */
static unsigned int fake_confirm(const unsigned char *hello,
				 unsigned int hello_len,
				 const unsigned char *choice,
				 unsigned int choice_len, unsigned int k,
				 unsigned char *m)
{
	unsigned char nonces[64], h[SHA256_DIGEST_LENGTH];
	unsigned int body = 65 + k + 32;

	memcpy(nonces, hello + hello_len - 32, 32);
	memcpy(nonces + 32, choice + 32 + 11 + 32 + 6, 32);
	SHA256(nonces, sizeof(nonces), h);
	memset(m, 0, 32 + body);
	memcpy(m, "CLON", 4);
	m[4] = 2;
	m[5] = CONFIRM;
	memcpy(m + 8, h, 16);
	m[27] = 1;
	m[30] = body >> 8;
	m[31] = body;
	memcpy(m + 32, choice + choice_len - 65, 65);
	return 32 + body;
}

TEST_F(clone, parallel_guesses_count_exactly_the_limit)
{
	unsigned char hello[CLONEDEV_CLONE_MSG_MAX];
	unsigned char choice[CLONEDEV_CLONE_MSG_MAX];
	static struct guess g[GUESSES];
	pthread_t th[GUESSES];
	pthread_barrier_t go;
	struct clonedev_clone c;
	unsigned int i, hello_len, counted = 0, refused = 0;

	ASSERT_EQ(0, clone_op(self->src, &c, CLONEDEV_CLONE_SOURCE, NULL, 0,
			      hello));
	hello_len = c.out_len;
	ASSERT_EQ(0, pthread_barrier_init(&go, NULL, GUESSES));
	/* Every guess gets its CHOICE first: none has been counted yet. */
	for (i = 0; i < GUESSES; i++) {
		ASSERT_EQ(0, clonedev_open(&g[i].cd));
		ASSERT_EQ(0, clonedev_slot_set(g[i].cd, self->dst_slot));
		ASSERT_EQ(0, clonedev_login(g[i].cd, CLONEDEV_ROLE_CO,
					    TEST_CO));
		ASSERT_EQ(0, clone_op(g[i].cd, &c, CLONEDEV_CLONE_TARGET,
				      hello, hello_len, choice));
		ASSERT_EQ(CLONEDEV_CLONE_RUNNING, c.state);
		ASSERT_EQ(CHOICE, MSG_TYPE(choice));
		ASSERT_EQ(CPV4, c.protocol);
		ASSERT_EQ(P384, c.suite);
		g[i].go = &go;
		g[i].len = fake_confirm(hello, hello_len, choice, c.out_len,
					97, g[i].confirm);
	}
	for (i = 0; i < GUESSES; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, guess_once, &g[i]));
	for (i = 0; i < GUESSES; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < GUESSES; i++) {
		if (!g[i].ret && g[i].error == CLONEDEV_CLONE_E_AUTH)
			counted++;
		else if (g[i].ret == -EKEYREVOKED)
			refused++;
		clonedev_close(g[i].cd);
	}
	pthread_barrier_destroy(&go);
	/* Exactly the limit was evaluated and counted; the rest refused. */
	EXPECT_EQ(CLONEDEV_CLONE_FAILURES_MAX, counted);
	EXPECT_EQ(GUESSES - CLONEDEV_CLONE_FAILURES_MAX, refused);
	EXPECT_NERR(EKEYREVOKED, run(self->src, self->dst, &c));
	EXPECT_EQ(0, count_objects(self->dst));
	ASSERT_EQ(0, po_login(self->dst));
	expect_choice(_metadata, self, CPV4, P384);
}

/* ---- CLONEDEV_CLONE_REPLACE: a held object replaced in one commit ---- */

#define HELD_MAX	8

/* A partition's objects, handles and OUIDs, as it lists them. */
struct held {
	int n;
	unsigned int h[HELD_MAX];
	unsigned char ouid[HELD_MAX][CLONEDEV_OUID_LEN];
};

static void get_held(struct __test_metadata *_metadata, struct clonedev *cd,
		     struct held *out)
{
	struct clonedev_object_attrs a;
	unsigned int *h = NULL;
	int i;

	memset(out, 0, sizeof(*out));
	out->n = clonedev_object_list(cd, &h);
	ASSERT_LE(0, out->n);
	ASSERT_GE(HELD_MAX, out->n);
	for (i = 0; i < out->n; i++) {
		ASSERT_EQ(0, clonedev_object_get(cd, h[i], &a, NULL, 0, NULL));
		out->h[i] = h[i];
		memcpy(out->ouid[i], a.ouid, CLONEDEV_OUID_LEN);
	}
	free(h);
}

/* How many objects of @b have the OUID of @a's object @i; *at the last. */
static int held_as(const struct held *b, const struct held *a, int i,
		   int *at)
{
	int j, n = 0;

	*at = -1;
	for (j = 0; j < b->n; j++)
		if (!memcmp(b->ouid[j], a->ouid[i], CLONEDEV_OUID_LEN)) {
			n++;
			*at = j;
		}
	return n;
}

static int replace_run(struct _test_data_clone *self,
		       void (*tamper)(void *, int, unsigned char *,
				      unsigned int *),
		       void *arg, struct clonedev_clone *res)
{
	struct clonedev_clone_relay r = {
		.tamper = tamper, .arg = arg,
		.target_flags = CLONEDEV_CLONE_REPLACE,
	};

	return clonedev_clone(self->src, self->dst, NULL, 0, &r, res);
}

TEST_F(clone, replace_puts_the_copy_in_place)
{
	struct clonedev_clone res;
	struct held before, after;
	int i, j;

	ASSERT_EQ(0, run(self->src, self->dst, &res));
	ASSERT_EQ(4, res.copied);
	/* One is gone from the target: it is cloned in as without the flag. */
	get_held(_metadata, self->dst, &before);
	ASSERT_EQ(0, clonedev_object_destroy(self->dst, before.h[3]));
	get_held(_metadata, self->dst, &before);
	ASSERT_EQ(3, before.n);

	ASSERT_EQ(0, replace_run(self, NULL, NULL, &res));
	EXPECT_EQ(CLONEDEV_CLONE_DONE, res.state);
	EXPECT_EQ(4, res.copied);
	EXPECT_EQ(0, res.skipped + res.refused + res.failed);
	get_held(_metadata, self->dst, &after);
	EXPECT_EQ(4, after.n);
	/* Each held object once, under a new handle: never both copies. */
	for (i = 0; i < before.n; i++) {
		ASSERT_EQ(1, held_as(&after, &before, i, &j)) TH_LOG("object %d", i);
		EXPECT_NE(before.h[i], after.h[j]) TH_LOG("object %d", i);
	}
	/* Without the flag, the next clone skips every one of them. */
	ASSERT_EQ(0, run(self->src, self->dst, &res));
	EXPECT_EQ(4, res.skipped);
	EXPECT_EQ(4, count_objects(self->dst));
}

TEST_F(clone, replace_refusals_change_nothing)
{
	unsigned char out[CLONEDEV_CLONE_MSG_MAX], in[64] = { 0 };
	struct clonedev_clone c = { .size = sizeof(c) }, res;
	struct held before, after;
	int i;

	ASSERT_EQ(0, run(self->src, self->dst, &res));
	get_held(_metadata, self->dst, &before);
	c.out = (uintptr_t)out;
	c.out_cap = sizeof(out);
	/* The flag is the target's: not on SOURCE, STEP or ABORT. */
	c.op = CLONEDEV_CLONE_SOURCE;
	c.flags = CLONEDEV_CLONE_REPLACE;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(clonedev_fd(self->src),
				       CLONEDEV_IOCTL_CLONE, &c));
	c.op = CLONEDEV_CLONE_STEP;
	c.in = (uintptr_t)in;
	c.in_len = sizeof(in);
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(clonedev_fd(self->src),
				       CLONEDEV_IOCTL_CLONE, &c));
	c.op = CLONEDEV_CLONE_ABORT;
	c.in_len = 0;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(clonedev_fd(self->src),
				       CLONEDEV_IOCTL_CLONE, &c));
	/* Nothing started: a STEP without flags finds no clone. */
	c.op = CLONEDEV_CLONE_STEP;
	c.flags = 0;
	c.in_len = sizeof(in);
	EXPECT_ERRNO(EINVAL, ioctl(clonedev_fd(self->src),
				   CLONEDEV_IOCTL_CLONE, &c));
	/* Unknown flags, alone or beside REPLACE, on a TARGET. */
	c.op = CLONEDEV_CLONE_TARGET;
	c.flags = 0x2;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(clonedev_fd(self->dst),
				       CLONEDEV_IOCTL_CLONE, &c));
	c.flags = CLONEDEV_CLONE_REPLACE | 0x80000000U;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(clonedev_fd(self->dst),
				       CLONEDEV_IOCTL_CLONE, &c));
	/* A replacement destroys: policy 28 off refuses it before HELLO. */
	ASSERT_EQ(0, set_policy(self->dst, CLONEDEV_POLICY_KEY_MANAGEMENT, 0));
	EXPECT_NERR(EPERM, replace_run(self, NULL, NULL, &res));
	/* The cu may not be a target, with the flag or without. */
	ASSERT_EQ(0, set_policy(self->dst, CLONEDEV_POLICY_KEY_MANAGEMENT, 1));
	ASSERT_EQ(0, clonedev_login(self->dst, CLONEDEV_ROLE_CU, TEST_CU));
	EXPECT_NERR(EACCES, replace_run(self, NULL, NULL, &res));
	ASSERT_EQ(0, clonedev_login(self->dst, CLONEDEV_ROLE_CO, TEST_CO));
	get_held(_metadata, self->dst, &after);
	ASSERT_EQ(before.n, after.n);
	for (i = 0; i < before.n; i++) {
		EXPECT_EQ(before.h[i], after.h[i]);
		EXPECT_EQ(0, memcmp(before.ouid[i], after.ouid[i],
				    CLONEDEV_OUID_LEN));
	}
}

/*
 * A clone that fails part way replaced the objects before the failure
 * and none after (none of the flight that failed: here the four travel
 * in one): each held object is there, old or new, exactly once.
 * An object the target's policy refuses keeps its old copy too.
 */
TEST_F(clone, replace_stopped_part_way_keeps_the_old_object)
{
	struct evil e = { .to_target = 1, .type = OBJECT, .seq = 3,
			  .action = FLIP_LAST };
	struct clonedev_clone res;
	struct held before, after;
	int i, j;

	ASSERT_EQ(0, run(self->src, self->dst, &res));
	get_held(_metadata, self->dst, &before);
	ASSERT_EQ(4, before.n);
	/* OBJECT 1 altered: its flight, objects 0 to 3, was not stored. */
	EXPECT_NERR(EPROTO, replace_run(self, evil_relay, &e, &res));
	EXPECT_EQ(1, e.hits);
	EXPECT_EQ(CLONEDEV_CLONE_E_AUTH, res.error);
	EXPECT_EQ(0, res.copied);
	get_held(_metadata, self->dst, &after);
	EXPECT_EQ(4, after.n);
	for (i = 0; i < before.n; i++) {
		ASSERT_EQ(1, held_as(&after, &before, i, &j)) TH_LOG("object %d", i);
		/* The same handle: not replaced. */
		EXPECT_EQ(1, before.h[i] == after.h[j]) TH_LOG("object %d", i);
	}
	/* Policy 4 off on the target: the secret key keeps its old copy. */
	ASSERT_EQ(0, set_policy(self->dst, CLONEDEV_POLICY_SECRET_CLONING, 0));
	get_held(_metadata, self->dst, &before);
	ASSERT_EQ(0, replace_run(self, NULL, NULL, &res));
	EXPECT_EQ(3, res.copied);
	EXPECT_EQ(1, res.refused);
	get_held(_metadata, self->dst, &after);
	EXPECT_EQ(4, after.n);
	for (i = 0; i < before.n; i++) {
		struct clonedev_object_attrs a;

		ASSERT_EQ(1, held_as(&after, &before, i, &j)) TH_LOG("object %d", i);
		ASSERT_EQ(0, clonedev_object_get(self->dst, after.h[j], &a,
						 NULL, 0, NULL));
		EXPECT_EQ(a.obj_class == CLONEDEV_CLASS_SECRET_KEY,
			  before.h[i] == after.h[j]) TH_LOG("object %d", i);
	}
}

TEST_HARNESS_MAIN
