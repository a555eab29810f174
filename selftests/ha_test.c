// SPDX-License-Identifier: GPL-2.0
/*
 * clonedev selftests: the virtual slot of an HA group in libclonedev
 * (clonedev_ha_*, docs/ha.md). A key generated through it reaches every
 * member; operations are spread over the active members and never reach
 * a standby one while an active one is alive; members whose partitions
 * are deleted during a stream of operations are taken out with no
 * operation lost or failed, the standby serving once no active member is
 * left; an operation's own error is not a member's failure.
 */
#include <stdio.h>
#include <unistd.h>

#include "clonedev_test_util.h"

#define MEMBERS 3

FIXTURE(ha)
{
	struct clonedev_nl *nl;
	struct clonedev *cd[MEMBERS];	/* the co logged in on each */
	unsigned int slot[MEMBERS];
	unsigned long long serial[MEMBERS];
	char dir[64], path[96];
	struct clonedev_ha *ha;
};

/* Writes the group file: "G" of the three, the last a standby member. */
static void write_group(struct __test_metadata *_metadata,
			FIXTURE_DATA(ha) * self, unsigned long long bump)
{
	FILE *f = fopen(self->path, "w");
	unsigned int i;

	ASSERT_NE(NULL, f);
	fprintf(f, "# test\nclonedev-hagroups 1\ngroup other\nmember 99 1 active\ngroup G\n");
	for (i = 0; i < MEMBERS; i++)
		fprintf(f, "member %u %llu %s\n", self->slot[i],
			self->serial[i] + bump,
			i == MEMBERS - 1 ? "standby" : "active");
	ASSERT_EQ(0, fclose(f));
}

FIXTURE_SETUP(ha)
{
	struct clonedev_slot s;
	unsigned int i;
	char label[8];

	ASSERT_EQ(0, clonedev_nl_open(&self->nl));
	delete_all_partitions(_metadata, self->nl);
	for (i = 0; i < MEMBERS; i++) {
		snprintf(label, sizeof(label), "m%u", i);
		setup_partition(_metadata, self->nl, label, &self->cd[i],
				&self->slot[i]);
		ASSERT_EQ(0, clonedev_nl_slot_get(self->nl, self->slot[i], &s));
		self->serial[i] = s.serial;
	}
	strcpy(self->dir, "/tmp/ha_test.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->path, sizeof(self->path), "%s/hagroups.conf",
		 self->dir);
	write_group(_metadata, self, 0);
	self->ha = NULL;
}

FIXTURE_TEARDOWN(ha)
{
	unsigned int i;

	clonedev_ha_close(self->ha);
	for (i = 0; i < MEMBERS; i++)
		clonedev_close(self->cd[i]);
	delete_all_partitions(_metadata, self->nl);
	clonedev_nl_close(self->nl);
	unlink(self->path);
	rmdir(self->dir);
}

/* The attributes of the object @ouid on @cd's partition; 0 or -ENOENT. */
static int find_ouid(struct clonedev *cd, const unsigned char *ouid,
		     struct clonedev_object_attrs *a)
{
	unsigned int *h = NULL;
	int i, n = clonedev_object_list(cd, &h), ret = -ENOENT;

	for (i = 0; i < n && ret; i++)
		if (!clonedev_object_get(cd, h[i], a, NULL, 0, NULL) &&
		    !memcmp(a->ouid, ouid, CLONEDEV_OUID_LEN))
			ret = 0;
	free(h);
	return ret;
}

/* An AES-GCM round trip through the virtual slot; 0 or the error. */
static int round_trip(struct clonedev_ha *ha, const unsigned char *ouid,
		      unsigned int i)
{
	struct clonedev_crypt_params p = { .mech = CLONEDEV_MECH_AES_GCM,
					   .flags = CLONEDEV_CRYPT_GEN_IV };
	unsigned char msg[32], ct[64], pt[64];
	size_t ct_len, pt_len;
	int ret;

	snprintf((char *)msg, sizeof(msg), "operation %u", i);
	ret = clonedev_ha_encrypt(ha, ouid, &p, msg, sizeof(msg), ct,
				  sizeof(ct), &ct_len);
	if (ret)
		return ret;
	p.flags = 0;
	ret = clonedev_ha_decrypt(ha, ouid, &p, ct, ct_len, pt, sizeof(pt),
				  &pt_len);
	if (ret)
		return ret;
	return pt_len == sizeof(msg) && !memcmp(pt, msg, pt_len) ? 0 : -EILSEQ;
}

TEST_F(ha, generate_reaches_every_member)
{
	struct clonedev_object_attrs a, b;
	unsigned char ouid[CLONEDEV_OUID_LEN];
	unsigned int i;

	ASSERT_EQ(0, clonedev_ha_open(&self->ha, self->path, "G", TEST_CO));
	ASSERT_EQ(0, clonedev_ha_generate(self->ha, CLONEDEV_KEY_AES, 256, 0,
					  "ha-key", NULL, 0, ouid));
	ASSERT_EQ(0, find_ouid(self->cd[0], ouid, &a));
	for (i = 1; i < MEMBERS; i++) {
		ASSERT_EQ(0, find_ouid(self->cd[i], ouid, &b));
		EXPECT_EQ(0, memcmp(a.kcv, b.kcv, sizeof(a.kcv)));
		EXPECT_STREQ("ha-key", b.label);
	}
}

TEST_F(ha, spread_over_actives_not_standby)
{
	struct clonedev_ha_member m[MEMBERS];
	unsigned char ouid[CLONEDEV_OUID_LEN];
	unsigned int i;

	ASSERT_EQ(0, clonedev_ha_open(&self->ha, self->path, "G", TEST_CO));
	ASSERT_EQ(0, clonedev_ha_generate(self->ha, CLONEDEV_KEY_AES, 128, 0,
					  "k", NULL, 0, ouid));
	for (i = 0; i < 10; i++)
		ASSERT_EQ(0, round_trip(self->ha, ouid, i));
	ASSERT_EQ(MEMBERS, clonedev_ha_members(self->ha, m, MEMBERS));
	for (i = 0; i < MEMBERS; i++) {
		EXPECT_EQ(self->slot[i], m[i].slot);
		EXPECT_EQ(self->serial[i], m[i].serial);
		EXPECT_EQ(1, m[i].up);
	}
	/* 20 operations and the generate, alternating over the actives. */
	EXPECT_EQ(11, m[0].served);
	EXPECT_EQ(10, m[1].served);
	EXPECT_EQ(0, m[2].served);
	EXPECT_EQ(1, m[2].standby);
}

TEST_F_TIMEOUT(ha, failover_without_loss, HEAVY_TEST_TIMEOUT)
{
	struct clonedev_ha_member m[MEMBERS];
	unsigned char ouid[CLONEDEV_OUID_LEN];
	unsigned long standby_before = 0;
	unsigned int i;

	ASSERT_EQ(0, clonedev_ha_open(&self->ha, self->path, "G", TEST_CO));
	ASSERT_EQ(0, clonedev_ha_generate(self->ha, CLONEDEV_KEY_AES, 256, 0,
					  "k", NULL, 0, ouid));
	for (i = 0; i < 40; i++) {
		/* Each member's partition goes away in the middle of the stream. */
		if (i == 10)
			ASSERT_EQ(0, clonedev_nl_partition_delete(self->nl,
								  self->slot[0]));
		if (i == 20) {
			ASSERT_EQ(MEMBERS, clonedev_ha_members(self->ha, m,
							       MEMBERS));
			EXPECT_EQ(0, m[0].up);
			EXPECT_EQ(1, m[1].up);
			standby_before = m[2].served;
			ASSERT_EQ(0, clonedev_nl_partition_delete(self->nl,
								  self->slot[1]));
		}
		ASSERT_EQ(0, round_trip(self->ha, ouid, i)) {
			TH_LOG("operation %u was lost", i);
		}
	}
	ASSERT_EQ(MEMBERS, clonedev_ha_members(self->ha, m, MEMBERS));
	EXPECT_EQ(0, m[0].up);
	EXPECT_EQ(0, m[1].up);
	EXPECT_EQ(1, m[2].up);
	/* The standby served nothing while an active member was alive. */
	EXPECT_EQ(0, standby_before);
	EXPECT_EQ(40, m[2].served);
	/* The last one gone, the virtual slot says so. */
	ASSERT_EQ(0, clonedev_nl_partition_delete(self->nl, self->slot[2]));
	EXPECT_NERR(EHOSTDOWN, round_trip(self->ha, ouid, 99));
}

TEST_F(ha, operation_errors_take_no_member_out)
{
	struct clonedev_crypt_params p = { .mech = CLONEDEV_MECH_AES_GCM,
					   .flags = CLONEDEV_CRYPT_GEN_IV };
	unsigned char ouid[CLONEDEV_OUID_LEN], other[CLONEDEV_OUID_LEN] = { 1 };
	unsigned char ct[64], pt[64];
	struct clonedev_ha_member m[MEMBERS];
	size_t ct_len, pt_len;
	unsigned int i;

	ASSERT_EQ(0, clonedev_ha_open(&self->ha, self->path, "G", TEST_CO));
	ASSERT_EQ(0, clonedev_ha_generate(self->ha, CLONEDEV_KEY_AES, 256, 0,
					  "k", NULL, 0, ouid));
	ASSERT_EQ(0, clonedev_ha_encrypt(self->ha, ouid, &p, "data", 4, ct,
					 sizeof(ct), &ct_len));
	ct[0] ^= 1;
	p.flags = 0;
	EXPECT_NERR(EBADMSG, clonedev_ha_decrypt(self->ha, ouid, &p, ct,
						 ct_len, pt, sizeof(pt),
						 &pt_len));
	EXPECT_NERR(ENOENT, clonedev_ha_encrypt(self->ha, other, &p, "data",
						4, ct, sizeof(ct), &ct_len));
	ASSERT_EQ(MEMBERS, clonedev_ha_members(self->ha, m, MEMBERS));
	for (i = 0; i < MEMBERS; i++)
		EXPECT_EQ(1, m[i].up);
}

TEST_F(ha, open_refusals)
{
	FILE *f;

	EXPECT_NERR(ENOENT, clonedev_ha_open(&self->ha, self->path, "nope",
					     TEST_CO));
	EXPECT_NERR(EHOSTDOWN, clonedev_ha_open(&self->ha, self->path, "G",
						"wrong"));
	/* Other partitions in the members' slots are not the members. */
	write_group(_metadata, self, 1);
	EXPECT_NERR(EHOSTDOWN, clonedev_ha_open(&self->ha, self->path, "G",
						TEST_CO));
	write_group(_metadata, self, 0);
	f = fopen(self->path, "a");
	ASSERT_NE(NULL, f);
	fprintf(f, "member %u %llu active\n", self->slot[0], self->serial[0]);
	ASSERT_EQ(0, fclose(f));
	EXPECT_NERR(EBADMSG, clonedev_ha_open(&self->ha, self->path, "G",
					      TEST_CO));
	EXPECT_EQ(NULL, self->ha);
}

TEST_HARNESS_MAIN
