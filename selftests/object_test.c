// SPDX-License-Identifier: GPL-2.0
/*
 * clonedev selftests: objects over ioctl: generation of AES and generic
 * secret keys with their KCV, data objects, destroy, attributes and
 * listing, who may do what, policy 28, changing a modifiable object's
 * label, id and flags (also across a module reload and racing finds), and
 * every rejection's errno with nothing changed.
 */
#include <pthread.h>
#include <unistd.h>
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
	EXPECT_NERR(EOPNOTSUPP, gen(self->cd, 99, 2048, 0, "x", &h));
	EXPECT_NERR(EINVAL, gen(self->cd, CLONEDEV_KEY_RSA, 1024, 0, "x", &h));
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

/* One OBJECT_LIST call with CLONEDEV_LIST_ATTRS. */
static int list_attrs(struct clonedev *cd, unsigned int start,
		      unsigned int count, struct clonedev_object_attrs *out,
		      unsigned int *got, unsigned int *next)
{
	struct clonedev_object_list c = {
		.size = sizeof(c),
		.flags = CLONEDEV_LIST_ATTRS,
		.start = start,
		.count = count,
		.handles = (unsigned long)out,
	};
	int ret = ioctl(clonedev_fd(cd), CLONEDEV_IOCTL_OBJECT_LIST, &c);

	*got = c.count;
	*next = c.next;
	return ret ? -errno : 0;
}

/*
 * CLONEDEV_LIST_ATTRS: each entry is what OBJECT_GET gives for the
 * object; pages of CLONEDEV_LIST_ATTRS_MAX at most, in handle order, the
 * same objects as the handle listing; a reader without a login sees the
 * public ones only.
 */
TEST_F_TIMEOUT(obj, list_attrs, HEAVY_TEST_TIMEOUT)
{
	unsigned int n = CLONEDEV_LIST_ATTRS_MAX + 5, *hs, *listed = NULL;
	struct clonedev_object_attrs *all = NULL, *page, a;
	unsigned int ec, ec_pub, data, got, next, i;
	struct clonedev *other;

	hs = calloc(n, sizeof(*hs));
	page = calloc(CLONEDEV_LIST_ATTRS_MAX + 1, sizeof(*page));
	ASSERT_TRUE(hs && page);
	ASSERT_EQ(0, clonedev_object_generate_bulk(self->cd, CLONEDEV_KEY_AES,
						   256, CLONEDEV_OBJ_PRIVATE,
						   "bulk", n, hs));
	ASSERT_EQ(0, clonedev_object_generate_pair(self->cd,
						   CLONEDEV_KEY_EC_P256, 0,
						   "ec", "\x07", 1, &ec,
						   &ec_pub));
	ASSERT_EQ(0, mk(self->cd, 0, "data", "value", 5, &data));

	ASSERT_EQ((int)n + 3, clonedev_object_list_attrs(self->cd, &all));
	ASSERT_EQ((int)n + 3, clonedev_object_list(self->cd, &listed));
	for (i = 0; i < n + 3; i++) {
		EXPECT_EQ(listed[i], all[i].handle);
		ASSERT_EQ(0, clonedev_object_get(self->cd, all[i].handle, &a,
						 NULL, 0, NULL));
		EXPECT_EQ(0, memcmp(&a, &all[i], sizeof(a)));
	}
	EXPECT_EQ(5, all[n + 2].value_len);
	EXPECT_EQ(0, all[0].value_len);
	EXPECT_STREQ("ec", all[n].label);
	/* Page by page, as many as asked for each time, the same objects. */
	next = 0;
	got = 0;
	do {
		int k = clonedev_object_list_attrs_page(self->cd, &next, page,
							1000);

		ASSERT_LE(0, k);
		ASSERT_LE(got + k, n + 3);
		EXPECT_TRUE(k == 1000 || !next);
		EXPECT_EQ(0, memcmp(page, all + got, k * sizeof(*page)));
		got += k;
	} while (next);
	EXPECT_EQ(n + 3, got);
	free(all);
	free(listed);

	/* One call returns CLONEDEV_LIST_ATTRS_MAX at most. */
	memset(page, 0x5a, (CLONEDEV_LIST_ATTRS_MAX + 1) * sizeof(*page));
	ASSERT_EQ(0, list_attrs(self->cd, 0, CLONEDEV_LIST_ATTRS_MAX + 1,
				page, &got, &next));
	EXPECT_EQ(CLONEDEV_LIST_ATTRS_MAX, got);
	EXPECT_EQ(hs[CLONEDEV_LIST_ATTRS_MAX], next);
	EXPECT_EQ(hs[CLONEDEV_LIST_ATTRS_MAX - 1],
		  page[CLONEDEV_LIST_ATTRS_MAX - 1].handle);
	/* Nothing written past the entries it counts. */
	EXPECT_EQ(0x5a5a5a5a, page[CLONEDEV_LIST_ATTRS_MAX].handle);
	ASSERT_EQ(0, list_attrs(self->cd, hs[1], 1, page, &got, &next));
	EXPECT_EQ(1, got);
	EXPECT_EQ(hs[1], page[0].handle);
	EXPECT_EQ(hs[2], next);
	ASSERT_EQ(0, list_attrs(self->cd, data, 4, page, &got, &next));
	EXPECT_EQ(1, got);
	EXPECT_EQ(0, next);
	EXPECT_NERR(EINVAL, list_attrs(self->cd, 0, 0, page, &got, &next));

	/* No login: the public objects (the EC public key, the data). */
	ASSERT_EQ(0, clonedev_open(&other));
	ASSERT_EQ(0, clonedev_slot_set(other, self->slot));
	ASSERT_EQ(2, clonedev_object_list_attrs(other, &all));
	EXPECT_EQ(ec_pub, all[0].handle);
	EXPECT_EQ(data, all[1].handle);
	free(all);
	clonedev_close(other);
	free(page);
	free(hs);
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

/* ---- CLONEDEV_IOCTL_OBJECT_SET_ATTRS ---- */

#define MOD		CLONEDEV_OBJ_MODIFIABLE
#define KEY_FLAGS	(CLONEDEV_OBJ_PRIVATE | CLONEDEV_OBJ_SENSITIVE | MOD | \
			 CLONEDEV_OBJ_EXTRACTABLE | CLONEDEV_USAGE_AES)

/* The number of objects found by @label and/or @id; -errno on failure. */
static int found(struct clonedev *cd, const char *label, const void *id,
		 unsigned int id_len, unsigned int *first)
{
	unsigned int *h = NULL;
	int n = clonedev_object_find(cd, label, id, id_len, &h);

	if (n > 0 && first)
		*first = h[0];
	free(h);
	return n;
}

static int set_label(struct clonedev *cd, unsigned int h, const char *label)
{
	return clonedev_object_set_attrs(cd, h, CLONEDEV_SET_LABEL, label,
					 NULL, 0, 0);
}

static int set_flags(struct clonedev *cd, unsigned int h, unsigned int flags)
{
	return clonedev_object_set_attrs(cd, h, CLONEDEV_SET_FLAGS, NULL,
					 NULL, 0, flags);
}

/* AES-GCM with a kernel-made IV: 0, or the errno of the call. */
static int gcm_encrypt(struct clonedev *cd, unsigned int h)
{
	struct clonedev_crypt_params p = {
		.mech = CLONEDEV_MECH_AES_GCM, .flags = CLONEDEV_CRYPT_GEN_IV,
	};
	unsigned char out[64];
	size_t len;

	return clonedev_encrypt(cd, h, &p, "msg", 3, out, sizeof(out), &len);
}

TEST_F(obj, set_attrs_label_id_and_flags)
{
	struct clonedev_object_attrs a, b;
	unsigned int k, d, first = 0;

	ASSERT_EQ(0, clonedev_object_generate(self->cd, CLONEDEV_KEY_AES, 256,
					      KEY_FLAGS, "old", "\x01", 1, &k));
	ASSERT_EQ(0, clonedev_object_create(self->cd, MOD, "note", NULL, 0,
					    "v", 1, &d));
	ASSERT_EQ(0, clonedev_object_get(self->cd, k, &a, NULL, 0, NULL));
	EXPECT_EQ(0, gcm_encrypt(self->cd, k));

	ASSERT_EQ(0, set_label(self->cd, k, "new"));
	ASSERT_EQ(0, clonedev_object_set_attrs(self->cd, k, CLONEDEV_SET_ID,
					       NULL, "\x02\x03", 2, 0));
	ASSERT_EQ(0, set_flags(self->cd, k, KEY_FLAGS &
			       ~(CLONEDEV_OBJ_ENCRYPT |
				 CLONEDEV_OBJ_EXTRACTABLE)));
	ASSERT_EQ(0, clonedev_object_get(self->cd, k, &b, NULL, 0, NULL));
	EXPECT_STREQ("new", b.label);
	EXPECT_EQ(2, b.id_len);
	EXPECT_EQ(0, memcmp(b.id, "\x02\x03", 2));
	EXPECT_EQ(KEY_FLAGS & ~(CLONEDEV_OBJ_ENCRYPT | CLONEDEV_OBJ_EXTRACTABLE),
		  b.obj_flags);
	/* The object is the same: handle, OUID, check value, size. */
	EXPECT_EQ(0, memcmp(a.ouid, b.ouid, sizeof(a.ouid)));
	EXPECT_EQ(0, memcmp(a.kcv, b.kcv, sizeof(a.kcv)));
	EXPECT_EQ(a.bits, b.bits);
	/* The usage it lost is refused from now on, in this session too. */
	EXPECT_NERR(EPERM, gcm_encrypt(self->cd, k));

	/* The indexes follow: found by the new label and id only. */
	EXPECT_EQ(1, found(self->cd, "new", NULL, 0, &first));
	EXPECT_EQ(k, first);
	EXPECT_EQ(0, found(self->cd, "old", NULL, 0, NULL));
	EXPECT_EQ(1, found(self->cd, NULL, "\x02\x03", 2, NULL));
	EXPECT_EQ(0, found(self->cd, NULL, "\x01", 1, NULL));
	EXPECT_EQ(1, found(self->cd, "new", "\x02\x03", 2, NULL));

	/* All three at once; an empty label and id are fine too. */
	ASSERT_EQ(0, clonedev_object_set_attrs(self->cd, d, CLONEDEV_SET_LABEL |
					       CLONEDEV_SET_ID |
					       CLONEDEV_SET_FLAGS, "", NULL, 0,
					       MOD));
	ASSERT_EQ(0, clonedev_object_get(self->cd, d, &b, NULL, 0, NULL));
	EXPECT_STREQ("", b.label);
	EXPECT_EQ(0, b.id_len);
	EXPECT_EQ(MOD, b.obj_flags);
	EXPECT_EQ(0, found(self->cd, "note", NULL, 0, NULL));
	EXPECT_EQ(2, count_objects(self->cd));
}

/* A raw request on @cd for @h. */
static int set_raw(struct clonedev *cd, struct clonedev_object_set_attrs *c,
		   unsigned int which, unsigned int h)
{
	c->size = sizeof(*c);
	c->flags = which;
	c->handle = h;
	return ioctl(clonedev_fd(cd), CLONEDEV_IOCTL_OBJECT_SET_ATTRS, c);
}

TEST_F(obj, set_attrs_refusals)
{
	struct clonedev_policy_change off = { 28, 0 };
	struct clonedev_object_attrs before, now;
	struct clonedev_object_set_attrs c;
	unsigned int k, fixed, pub, priv;
	unsigned int base = KEY_FLAGS & ~CLONEDEV_OBJ_ENCRYPT;
	char long_label[40];

	ASSERT_EQ(0, clonedev_object_generate(self->cd, CLONEDEV_KEY_AES, 256,
					      base, "k", "\x01", 1, &k));
	ASSERT_EQ(0, clonedev_object_generate(self->cd, CLONEDEV_KEY_AES, 128,
					      0, "fixed", NULL, 0, &fixed));
	ASSERT_EQ(0, clonedev_object_create(self->cd, MOD, "pub", NULL, 0,
					    "v", 1, &pub));
	ASSERT_EQ(0, clonedev_object_create(self->cd, MOD |
					    CLONEDEV_OBJ_PRIVATE, "priv", NULL,
					    0, "v", 1, &priv));
	ASSERT_EQ(0, clonedev_object_get(self->cd, k, &before, NULL, 0, NULL));

	/* Not modifiable; flags that come, or change, or are unknown. */
	EXPECT_NERR(EPERM, set_label(self->cd, fixed, "x"));
	EXPECT_NERR(EPERM, set_flags(self->cd, k, base | CLONEDEV_OBJ_ENCRYPT));
	EXPECT_NERR(EPERM, set_flags(self->cd, k, (base &
						   ~CLONEDEV_OBJ_DECRYPT) |
					       CLONEDEV_OBJ_ENCRYPT));
	EXPECT_NERR(EPERM, set_flags(self->cd, k, base & ~CLONEDEV_OBJ_PRIVATE));
	EXPECT_NERR(EPERM, set_flags(self->cd, k,
				     base & ~CLONEDEV_OBJ_SENSITIVE));
	EXPECT_NERR(EPERM, set_flags(self->cd, k, base & ~MOD));
	EXPECT_NERR(EPERM, set_flags(self->cd, pub, MOD | CLONEDEV_OBJ_PRIVATE));
	EXPECT_NERR(EINVAL, set_flags(self->cd, k, base | 0x10000));
	ASSERT_EQ(0, set_flags(self->cd, k, base & ~CLONEDEV_OBJ_EXTRACTABLE));
	EXPECT_NERR(EPERM, set_flags(self->cd, k, base));
	ASSERT_EQ(0, clonedev_object_get(self->cd, k, &now, NULL, 0, NULL));
	EXPECT_EQ(base & ~CLONEDEV_OBJ_EXTRACTABLE, now.obj_flags);
	before.obj_flags = now.obj_flags;

	/* The request itself. */
	memset(&c, 0, sizeof(c));
	EXPECT_ERRNO(EINVAL, set_raw(self->cd, &c, 0, k));
	EXPECT_ERRNO(EOPNOTSUPP, set_raw(self->cd, &c, 8, k));
	EXPECT_ERRNO(EOPNOTSUPP, set_raw(self->cd, &c, 0x80000000U, k));
	c.__reserved[2] = 1;
	EXPECT_ERRNO(EINVAL, set_raw(self->cd, &c, CLONEDEV_SET_LABEL, k));
	memset(&c, 0, sizeof(c));
	strcpy(c.label, "x");
	EXPECT_ERRNO(EINVAL, set_raw(self->cd, &c, CLONEDEV_SET_ID, k));
	memset(&c, 0, sizeof(c));
	c.id[63] = 1;
	EXPECT_ERRNO(EINVAL, set_raw(self->cd, &c, CLONEDEV_SET_LABEL, k));
	memset(&c, 0, sizeof(c));
	c.id_len = 1;
	EXPECT_ERRNO(EINVAL, set_raw(self->cd, &c, CLONEDEV_SET_LABEL, k));
	memset(&c, 0, sizeof(c));
	c.obj_flags = base;
	EXPECT_ERRNO(EINVAL, set_raw(self->cd, &c, CLONEDEV_SET_LABEL, k));
	memset(&c, 0, sizeof(c));
	c.id_len = CLONEDEV_ID_MAX + 1;
	EXPECT_ERRNO(EINVAL, set_raw(self->cd, &c, CLONEDEV_SET_ID, k));
	memset(&c, 0, sizeof(c));
	memset(c.label, 'x', sizeof(c.label));
	EXPECT_ERRNO(EINVAL, set_raw(self->cd, &c, CLONEDEV_SET_LABEL, k));
	memset(long_label, 'y', sizeof(long_label));
	long_label[33] = '\0';
	EXPECT_NERR(EINVAL, set_label(self->cd, k, long_label));
	EXPECT_NERR(ENOENT, set_label(self->cd, 0x7fffffff, "x"));

	/* Who: the cu changes public objects only; policy 28. */
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CU, CU));
	EXPECT_NERR(EACCES, set_label(self->cd, k, "x"));
	EXPECT_NERR(EACCES, set_label(self->cd, priv, "x"));
	EXPECT_EQ(0, set_label(self->cd, pub, "pub-2"));
	ASSERT_EQ(0, clonedev_logout(self->cd));
	EXPECT_NERR(EACCES, set_label(self->cd, pub, "x"));
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_PO, PO));
	EXPECT_NERR(EACCES, set_label(self->cd, pub, "x"));
	ASSERT_EQ(0, clonedev_policy_set(self->cd, &off, 1, 0));
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CO, CO));
	EXPECT_NERR(EPERM, set_label(self->cd, k, "x"));

	ASSERT_EQ(0, clonedev_object_get(self->cd, k, &now, NULL, 0, NULL));
	EXPECT_EQ(0, memcmp(&before, &now, sizeof(now)));
	EXPECT_EQ(1, found(self->cd, "pub-2", NULL, 0, NULL));
	EXPECT_EQ(1, found(self->cd, "k", NULL, 0, NULL));
	EXPECT_EQ(4, count_objects(self->cd));
}

/* What was set is in the store: a fresh module has it, indexed. */
/*
 * The label and id indexes keep their last node to append to: every find
 * stays exact as the last object goes, another comes after it, and one is
 * renamed past the others.
 */
TEST_F_TIMEOUT(obj, indexes_through_their_last_node, HEAVY_TEST_TIMEOUT)
{
	static const char *const labels[] = { "m", "m", "z", "a", "m" };
	unsigned int h[5], y, first, i;

	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, clonedev_object_create(self->cd, MOD, labels[i],
						    labels[i], 1, "v", 1,
						    &h[i]));
	EXPECT_EQ(3, found(self->cd, "m", NULL, 0, NULL));
	EXPECT_EQ(3, found(self->cd, NULL, "m", 1, NULL));
	/* The last of each index goes; the next one appended is found. */
	ASSERT_EQ(0, clonedev_object_destroy(self->cd, h[2]));
	EXPECT_EQ(0, found(self->cd, "z", NULL, 0, NULL));
	ASSERT_EQ(0, clonedev_object_create(self->cd, MOD, "y", "y", 1, "v", 1,
					    &y));
	EXPECT_EQ(1, found(self->cd, "y", NULL, 0, &first));
	EXPECT_EQ(y, first);
	EXPECT_EQ(1, found(self->cd, NULL, "y", 1, &first));
	EXPECT_EQ(y, first);
	/* "a" renamed past every other label, then one more after it. */
	ASSERT_EQ(0, set_label(self->cd, h[3], "zz"));
	ASSERT_EQ(0, clonedev_object_set_attrs(self->cd, h[3], CLONEDEV_SET_ID,
					       NULL, "zz", 2, 0));
	EXPECT_EQ(0, found(self->cd, "a", NULL, 0, NULL));
	EXPECT_EQ(1, found(self->cd, "zz", "zz", 2, &first));
	EXPECT_EQ(h[3], first);
	ASSERT_EQ(0, clonedev_object_create(self->cd, MOD, "zzz", "zzz", 3,
					    "v", 1, &h[2]));
	EXPECT_EQ(1, found(self->cd, "zzz", NULL, 0, NULL));
	ASSERT_EQ(0, clonedev_object_destroy(self->cd, h[3]));
	ASSERT_EQ(0, clonedev_object_destroy(self->cd, h[2]));
	ASSERT_EQ(0, clonedev_object_create(self->cd, MOD, "b", "b", 1, "v", 1,
					    &h[3]));
	EXPECT_EQ(1, found(self->cd, "b", NULL, 0, NULL));
	EXPECT_EQ(1, found(self->cd, "y", NULL, 0, NULL));
	EXPECT_EQ(0, found(self->cd, "zz", NULL, 0, NULL));
	EXPECT_EQ(3, found(self->cd, "m", "m", 1, NULL));
	EXPECT_EQ(5, count_objects(self->cd));
}

TEST_F_TIMEOUT(obj, set_attrs_survive_a_reload, HEAVY_TEST_TIMEOUT)
{
	struct clonedev_object_attrs a;
	unsigned int k, d, first = 0;

	ASSERT_EQ(0, clonedev_object_generate(self->cd, CLONEDEV_KEY_AES, 256,
					      KEY_FLAGS, "old", "\x01", 1, &k));
	ASSERT_EQ(0, clonedev_object_create(self->cd, MOD, "d", NULL, 0, "v",
					    1, &d));
	ASSERT_EQ(0, clonedev_object_set_attrs(self->cd, k, CLONEDEV_SET_LABEL |
					       CLONEDEV_SET_ID |
					       CLONEDEV_SET_FLAGS, "renamed",
					       "\x09\x08\x07", 3,
					       KEY_FLAGS & ~CLONEDEV_OBJ_WRAP));
	ASSERT_EQ(0, set_label(self->cd, d, "d-1"));
	ASSERT_EQ(0, set_label(self->cd, d, "d-2"));
	clonedev_close(self->cd);
	self->cd = NULL;
	clonedev_nl_close(self->nl);
	self->nl = NULL;

	ASSERT_EQ(0, system("rmmod clonedev && modprobe clonedev"));
	ASSERT_EQ(0, clonedev_nl_open(&self->nl));
	ASSERT_EQ(0, clonedev_open(&self->cd));
	ASSERT_EQ(0, clonedev_slot_set(self->cd, self->slot));
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CO, CO));
	ASSERT_EQ(0, clonedev_object_get(self->cd, k, &a, NULL, 0, NULL));
	EXPECT_STREQ("renamed", a.label);
	EXPECT_EQ(3, a.id_len);
	EXPECT_EQ(0, memcmp(a.id, "\x09\x08\x07", 3));
	EXPECT_EQ(KEY_FLAGS & ~CLONEDEV_OBJ_WRAP, a.obj_flags);
	EXPECT_EQ(1, found(self->cd, "renamed", "\x09\x08\x07", 3, &first));
	EXPECT_EQ(k, first);
	EXPECT_EQ(0, found(self->cd, "old", NULL, 0, NULL));
	EXPECT_EQ(1, found(self->cd, "d-2", NULL, 0, &first));
	EXPECT_EQ(d, first);
	EXPECT_EQ(0, found(self->cd, "d-1", NULL, 0, NULL));
	EXPECT_EQ(0, gcm_encrypt(self->cd, k));
	EXPECT_EQ(2, count_objects(self->cd));
}

#define RELABELS	200

struct relabeler {
	unsigned int slot;
	unsigned int handle;
	int *stop;
	int *started;		/* finders logged in (or failed to) */
	int rounds;
	int err;
	int bad;		/* finds that saw an impossible set */
};

/* Gives the object the labels "red" and "blue" in turn. */
static void *relabel(void *arg)
{
	struct relabeler *r = arg;
	struct clonedev *cd;
	int i;

	r->err = clonedev_open(&cd) ?: clonedev_slot_set(cd, r->slot) ?:
		 clonedev_login(cd, CLONEDEV_ROLE_CO, CO);
	/* Relabel only once both finders are at work, so the two race. */
	while (__atomic_load_n(r->started, __ATOMIC_SEQ_CST) < 2)
		usleep(1000);
	for (i = 0; !r->err && i < RELABELS; i++) {
		r->err = set_label(cd, r->handle, i % 2 ? "red" : "blue");
		r->rounds++;
	}
	clonedev_close(cd);
	return NULL;
}

/*
 * Finds "red" until told to stop: the object that keeps that label is
 * always there, each relabelled one at most once.
 */
static void *find_red(void *arg)
{
	struct relabeler *r = arg;
	unsigned int *h = NULL;
	struct clonedev *cd;
	bool stable;
	int n, i;

	r->err = clonedev_open(&cd) ?: clonedev_slot_set(cd, r->slot) ?:
		 clonedev_login(cd, CLONEDEV_ROLE_CU, CU);
	__atomic_add_fetch(r->started, 1, __ATOMIC_SEQ_CST);
	while (!r->err && !__atomic_load_n(r->stop, __ATOMIC_SEQ_CST)) {
		n = clonedev_object_find(cd, "red", NULL, 0, &h);
		if (n < 0) {
			r->err = n;
			break;
		}
		/* The handles ascend; the stable one is r->handle. */
		stable = false;
		for (i = 0; i < n; i++) {
			if (i && h[i - 1] >= h[i])
				r->bad++;
			stable |= h[i] == r->handle;
		}
		if (!stable || n > 3)
			r->bad++;
		free(h);
		h = NULL;
		r->rounds++;
	}
	clonedev_close(cd);
	return NULL;
}

/* Two threads relabel two objects while two others find by label. */
TEST_F_TIMEOUT(obj, set_attrs_racing_finds, HEAVY_TEST_TIMEOUT)
{
	struct relabeler r[4] = { 0 };
	unsigned int a, b, stable;
	pthread_t t[4];
	int stop = 0, started = 0, i;

	ASSERT_EQ(0, mk(self->cd, MOD, "red", "a", 1, &a));
	ASSERT_EQ(0, mk(self->cd, MOD, "red", "b", 1, &b));
	ASSERT_EQ(0, mk(self->cd, 0, "red", "s", 1, &stable));
	for (i = 0; i < 4; i++) {
		r[i].slot = self->slot;
		r[i].stop = &stop;
		r[i].started = &started;
		r[i].handle = i == 0 ? a : i == 1 ? b : stable;
		ASSERT_EQ(0, pthread_create(&t[i], NULL, i < 2 ? relabel :
					    find_red, &r[i]));
	}
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	__atomic_store_n(&stop, 1, __ATOMIC_SEQ_CST);
	for (i = 2; i < 4; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(0, r[i].err) TH_LOG("thread %d: %s", i,
					      strerror(-r[i].err));
		EXPECT_EQ(0, r[i].bad) TH_LOG("thread %d", i);
	}
	EXPECT_EQ(RELABELS, r[0].rounds);
	EXPECT_EQ(RELABELS, r[1].rounds);
	TH_LOG("%d and %d finds", r[2].rounds, r[3].rounds);
	EXPECT_LT(0, r[2].rounds);
	/* The last label each got was "red" (RELABELS is even). */
	EXPECT_EQ(3, found(self->cd, "red", NULL, 0, NULL));
	EXPECT_EQ(0, found(self->cd, "blue", NULL, 0, NULL));
	EXPECT_EQ(3, count_objects(self->cd));
}

TEST_HARNESS_MAIN
