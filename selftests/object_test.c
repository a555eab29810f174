// SPDX-License-Identifier: GPL-2.0
/*
 * clonedev selftests: objects over ioctl: generation of AES and generic
 * secret keys with their KCV, data objects, destroy, attributes and
 * listing, who may do what, policy 28, and every rejection's errno with
 * nothing changed.
 */
#include <sys/ioctl.h>

#include "clonedev_test_util.h"

#define PO TEST_PO
#define CO TEST_CO
#define CU TEST_CU

FIXTURE(obj)
{
	struct clonedev_nl *nl;
	struct clonedev *cd;
	unsigned int slot;
};

FIXTURE_SETUP(obj)
{
	ASSERT_EQ(0, clonedev_nl_open(&self->nl));
	delete_all_partitions(_metadata, self->nl);
	setup_partition(_metadata, self->nl, "obj", &self->cd, &self->slot);
}

FIXTURE_TEARDOWN(obj)
{
	clonedev_close(self->cd);
	delete_all_partitions(_metadata, self->nl);
	clonedev_nl_close(self->nl);
}

static int gen(struct clonedev *cd, unsigned int type, unsigned int bits,
	       unsigned int flags, const char *label, unsigned int *h)
{
	return clonedev_object_generate(cd, type, bits, flags, label, NULL, 0,
					h);
}

static int mk(struct clonedev *cd, unsigned int flags, const char *label,
	      const void *v, unsigned int len, unsigned int *h)
{
	return clonedev_object_create(cd, flags, label, NULL, 0, v, len, h);
}

TEST_F(obj, generate_aes)
{
	struct clonedev_object_attrs a;
	unsigned int h, vlen = 99;
	unsigned char v[32];
	struct clonedev_slot s;
	int bits[] = { 128, 192, 256 }, i;

	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, clonedev_object_generate(self->cd, CLONEDEV_KEY_AES,
						      bits[i], 0, "k", "\x01\x02",
						      2, &h));
		ASSERT_EQ(0, clonedev_object_get(self->cd, h, &a, v, sizeof(v),
						 &vlen));
		EXPECT_EQ(h, a.handle);
		EXPECT_EQ(CLONEDEV_CLASS_SECRET_KEY, a.obj_class);
		EXPECT_EQ(CLONEDEV_KEY_AES, a.key_type);
		EXPECT_EQ(bits[i], a.bits);
		EXPECT_EQ(CLONEDEV_OBJ_PRIVATE | CLONEDEV_OBJ_SENSITIVE |
			  CLONEDEV_USAGE_AES, a.obj_flags);
		EXPECT_STREQ("k", a.label);
		EXPECT_EQ(2, a.id_len);
		EXPECT_EQ(0, memcmp(a.id, "\x01\x02", 2));
		/* A sensitive value is never returned. */
		EXPECT_EQ(0, a.value_len);
		EXPECT_EQ(0, vlen);
	}
	EXPECT_EQ(3, count_objects(self->cd));
	ASSERT_EQ(0, clonedev_nl_slot_get(self->nl, self->slot, &s));
	EXPECT_EQ(3, s.object_count);
}

TEST_F(obj, distinct_keys_and_ouids)
{
	struct clonedev_object_attrs a, b;
	unsigned int h1, h2;

	ASSERT_EQ(0, clonedev_object_generate(self->cd, CLONEDEV_KEY_AES, 256,
					      0, "a", NULL, 0, &h1));
	ASSERT_EQ(0, clonedev_object_generate(self->cd, CLONEDEV_KEY_AES, 256,
					      0, "b", NULL, 0, &h2));
	ASSERT_EQ(0, clonedev_object_get(self->cd, h1, &a, NULL, 0, NULL));
	ASSERT_EQ(0, clonedev_object_get(self->cd, h2, &b, NULL, 0, NULL));
	EXPECT_NE(h1, h2);
	EXPECT_NE(0, memcmp(a.ouid, b.ouid, sizeof(a.ouid)));
	EXPECT_NE(0, memcmp(a.kcv, b.kcv, sizeof(a.kcv)));
}

TEST_F(obj, generic_secret)
{
	struct clonedev_object_attrs a;
	unsigned int h;

	ASSERT_EQ(0, clonedev_object_generate(self->cd,
					      CLONEDEV_KEY_GENERIC_SECRET, 512,
					      CLONEDEV_OBJ_EXTRACTABLE, "g",
					      NULL, 0, &h));
	ASSERT_EQ(0, clonedev_object_get(self->cd, h, &a, NULL, 0, NULL));
	EXPECT_EQ(CLONEDEV_KEY_GENERIC_SECRET, a.key_type);
	EXPECT_EQ(512, a.bits);
	EXPECT_EQ(CLONEDEV_OBJ_PRIVATE | CLONEDEV_OBJ_SENSITIVE |
		  CLONEDEV_OBJ_EXTRACTABLE | CLONEDEV_USAGE_SECRET, a.obj_flags);
}

TEST_F(obj, generate_rejections)
{
	struct clonedev_object_generate cmd;
	int fd = clonedev_fd(self->cd);
	unsigned int h;

	EXPECT_NERR(EINVAL, gen(self->cd, CLONEDEV_KEY_AES, 100, 0, "x", &h));
	EXPECT_NERR(EINVAL, gen(self->cd, CLONEDEV_KEY_GENERIC_SECRET, 12, 0, "x", &h));
	EXPECT_NERR(EINVAL, gen(self->cd, CLONEDEV_KEY_GENERIC_SECRET, 4104, 0, "x", &h));
	EXPECT_NERR(EOPNOTSUPP, gen(self->cd, CLONEDEV_KEY_RSA, 2048, 0, "x", &h));
	EXPECT_NERR(EINVAL, gen(self->cd, CLONEDEV_KEY_AES, 128, 0x800, "x", &h));
	EXPECT_NERR(EINVAL, gen(self->cd, CLONEDEV_KEY_AES, 128, 0, "tab\there", &h));
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.key_type = CLONEDEV_KEY_AES;
	cmd.bits = 128;
	cmd.id_len = CLONEDEV_ID_MAX + 1;
	EXPECT_ERRNO(EINVAL, ioctl(fd, CLONEDEV_IOCTL_OBJECT_GENERATE, &cmd));
	cmd.id_len = 0;
	memset(cmd.label, 'x', sizeof(cmd.label));
	EXPECT_ERRNO(EINVAL, ioctl(fd, CLONEDEV_IOCTL_OBJECT_GENERATE, &cmd));
	memset(cmd.label, 0, sizeof(cmd.label));
	cmd.__reserved[0] = 1;
	EXPECT_ERRNO(EINVAL, ioctl(fd, CLONEDEV_IOCTL_OBJECT_GENERATE, &cmd));
	cmd.__reserved[0] = 0;
	cmd.flags = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(fd, CLONEDEV_IOCTL_OBJECT_GENERATE,
				       &cmd));
	EXPECT_EQ(0, count_objects(self->cd));
}

TEST_F(obj, roles_and_policy_28)
{
	struct clonedev_policy_change off = { 28, 0 };
	unsigned int h, pub;

	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CU, CU));
	EXPECT_NERR(EACCES, gen(self->cd, CLONEDEV_KEY_AES, 128, 0, "x", &h));
	EXPECT_NERR(EACCES, mk(self->cd, CLONEDEV_OBJ_PRIVATE, "p", "v", 1, &h));
	ASSERT_EQ(0, clonedev_object_create(self->cd, 0, "pub", NULL, 0, "v",
					    1, &pub));
	ASSERT_EQ(0, clonedev_logout(self->cd));
	EXPECT_NERR(EACCES, clonedev_object_destroy(self->cd, pub));
	/* Logged out, the session sees the public object only. */
	EXPECT_EQ(1, count_objects(self->cd));

	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_PO, PO));
	EXPECT_NERR(EACCES, gen(self->cd, CLONEDEV_KEY_AES, 128, 0, "x", &h));
	ASSERT_EQ(0, clonedev_policy_set(self->cd, &off, 1, 0));
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CO, CO));
	EXPECT_NERR(EPERM, gen(self->cd, CLONEDEV_KEY_AES, 128, 0, "x", &h));
	EXPECT_NERR(EPERM, clonedev_object_destroy(self->cd, pub));
	EXPECT_EQ(1, count_objects(self->cd));
}

/*
 * Without the co or cu, a session sees a partition's public objects only,
 * as a PKCS#11 token before a login: OBJECT_LIST and OBJECT_FIND leave the
 * private ones out and OBJECT_GET refuses them; the po sees the same.
 */
TEST_F(obj, public_view)
{
	unsigned int priv, pub, ec, ec_pub, len, *h = NULL;
	struct clonedev_object_attrs a;
	unsigned char point[65];
	struct clonedev *other;

	ASSERT_EQ(0, clonedev_object_create(self->cd, CLONEDEV_OBJ_PRIVATE,
					    "same", NULL, 0, "a", 1, &priv));
	ASSERT_EQ(0, clonedev_object_create(self->cd, 0, "same", NULL, 0, "b",
					    1, &pub));
	ASSERT_EQ(0, clonedev_object_generate_pair(self->cd,
						   CLONEDEV_KEY_EC_P256, 0,
						   "ec", "\x07", 1, &ec,
						   &ec_pub));
	ASSERT_EQ(4, count_objects(self->cd));

	ASSERT_EQ(0, clonedev_open(&other));
	/* No slot: nothing to see. */
	EXPECT_NERR(ENODEV, clonedev_object_list(other, &h));
	ASSERT_EQ(0, clonedev_slot_set(other, self->slot));
	for (int role = 0; role < 2; role++) {
		if (role)
			ASSERT_EQ(0, clonedev_login(other, CLONEDEV_ROLE_PO, PO));
		ASSERT_EQ(2, clonedev_object_list(other, &h));
		EXPECT_EQ(pub, h[0]);
		EXPECT_EQ(ec_pub, h[1]);
		free(h);
		h = NULL;
		ASSERT_EQ(1, clonedev_object_find(other, "same", NULL, 0, &h));
		EXPECT_EQ(pub, h[0]);
		free(h);
		h = NULL;
		ASSERT_EQ(1, clonedev_object_find(other, NULL, "\x07", 1, &h));
		EXPECT_EQ(ec_pub, h[0]);
		free(h);
		h = NULL;
		EXPECT_NERR(EACCES, clonedev_object_get(other, priv, &a, NULL,
							0, &len));
		EXPECT_NERR(EACCES, clonedev_object_get(other, ec, &a, NULL, 0,
							&len));
		EXPECT_NERR(EACCES, clonedev_object_public(other, ec, point,
							   sizeof(point), &len));
		EXPECT_NERR(ENOENT, clonedev_object_get(other, 999, &a, NULL, 0,
							&len));
		ASSERT_EQ(0, clonedev_object_get(other, pub, &a, NULL, 0, &len));
		EXPECT_STREQ("same", a.label);
		ASSERT_EQ(0, clonedev_object_public(other, ec_pub, point,
						    sizeof(point), &len));
		EXPECT_EQ(65, len);
		EXPECT_EQ(4, point[0]);
	}
	/* The co sees everything again. */
	ASSERT_EQ(0, clonedev_login(other, CLONEDEV_ROLE_CO, CO));
	EXPECT_EQ(4, count_objects(other));
	clonedev_close(other);
}

TEST_F(obj, cu_destroys_public_only)
{
	unsigned int priv, pub;

	ASSERT_EQ(0, clonedev_object_create(self->cd, CLONEDEV_OBJ_PRIVATE,
					    "priv", NULL, 0, "a", 1, &priv));
	ASSERT_EQ(0, clonedev_object_create(self->cd, 0, "pub", NULL, 0, "b",
					    1, &pub));
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CU, CU));
	EXPECT_NERR(EACCES, clonedev_object_destroy(self->cd, priv));
	EXPECT_EQ(0, clonedev_object_destroy(self->cd, pub));
	EXPECT_EQ(1, count_objects(self->cd));
}

TEST_F(obj, data_objects)
{
	struct clonedev_object_attrs a;
	unsigned int h, hs, vlen = 0;
	char v[16];

	ASSERT_EQ(0, clonedev_object_create(self->cd, 0, "note", "\xaa", 1,
					    "hello", 5, &h));
	ASSERT_EQ(0, clonedev_object_get(self->cd, h, &a, v, sizeof(v), &vlen));
	EXPECT_EQ(CLONEDEV_CLASS_DATA, a.obj_class);
	EXPECT_EQ(CLONEDEV_KEY_NONE, a.key_type);
	EXPECT_EQ(5, vlen);
	EXPECT_EQ(5, a.value_len);
	EXPECT_EQ(0, memcmp(v, "hello", 5));
	EXPECT_NERR(EMSGSIZE, clonedev_object_get(self->cd, h, &a, v, 2,
						  &vlen));
	ASSERT_EQ(0, clonedev_object_create(self->cd, CLONEDEV_OBJ_SENSITIVE,
					    "secret", NULL, 0, "hidden", 6,
					    &hs));
	vlen = 99;
	ASSERT_EQ(0, clonedev_object_get(self->cd, hs, &a, v, sizeof(v),
					 &vlen));
	EXPECT_EQ(0, vlen);
	EXPECT_EQ(0, a.value_len);
	EXPECT_NERR(EINVAL, mk(self->cd, 0, "big", v,
			       CLONEDEV_DATA_MAX + 1, &h));
}

TEST_F(obj, destroy)
{
	struct clonedev_object_attrs a;
	unsigned int h;

	ASSERT_EQ(0, clonedev_object_generate(self->cd, CLONEDEV_KEY_AES, 128,
					      0, "k", NULL, 0, &h));
	EXPECT_NERR(ENOENT, clonedev_object_destroy(self->cd, h + 1));
	EXPECT_EQ(1, count_objects(self->cd));
	EXPECT_EQ(0, clonedev_object_destroy(self->cd, h));
	EXPECT_NERR(ENOENT, clonedev_object_get(self->cd, h, &a, NULL, 0,
						NULL));
	EXPECT_NERR(ENOENT, clonedev_object_destroy(self->cd, h));
	EXPECT_EQ(0, count_objects(self->cd));
}

TEST_F_TIMEOUT(obj, list_pages, HEAVY_TEST_TIMEOUT)
{
	unsigned int *handles = NULL, h;
	int i, n;

	for (i = 0; i < 1500; i++)
		ASSERT_EQ(0, clonedev_object_create(self->cd, 0, "", NULL, 0,
						    "x", 1, &h));
	n = clonedev_object_list(self->cd, &handles);
	ASSERT_EQ(1500, n);
	for (i = 1; i < n; i++)
		EXPECT_LT(handles[i - 1], handles[i]);
	free(handles);
}

/* Init, zeroize and destructive policies destroy every object. */
TEST_F(obj, destroyed_with_the_partition_state)
{
	struct clonedev_policy_change cpv1 = { 42, 1 };
	unsigned int h;

	ASSERT_EQ(0, clonedev_object_generate(self->cd, CLONEDEV_KEY_AES, 128,
					      0, "k", NULL, 0, &h));
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_PO, PO));
	ASSERT_EQ(0, clonedev_policy_set(self->cd, &cpv1, 1, 1));
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CO, CO));
	EXPECT_EQ(0, count_objects(self->cd));

	ASSERT_EQ(0, clonedev_object_generate(self->cd, CLONEDEV_KEY_AES, 128,
					      0, "k", NULL, 0, &h));
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_PO, PO));
	ASSERT_EQ(0, clonedev_partition_init(self->cd, NULL, PO, "d", "dom"));
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_PO, PO));
	ASSERT_EQ(0, clonedev_role_init(self->cd, CLONEDEV_ROLE_CO, CO));
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CO, CO));
	EXPECT_EQ(0, count_objects(self->cd));
}

TEST_HARNESS_MAIN
