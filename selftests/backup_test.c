// SPDX-License-Identifier: GPL-2.0
/*
 * clonedev selftests: backup partitions (CLONEDEV_PTYPE_BACKUP,
 * docs/backup.md). Objects reach one by cloning and leave it by cloning;
 * every request that makes, changes or uses an object (generate, create,
 * import, set attributes, crypt, derive, wrap, unwrap, random) is refused with EMEDIUMTYPE
 * whoever is logged in, each checked against the same request succeeding
 * on an application partition, and with nothing changed on the backup.
 */
#include <sys/ioctl.h>

#include "clonedev_test_util.h"

#define MAX_OBJS	16

FIXTURE(backup)
{
	struct clonedev_nl *nl;
	struct clonedev *app, *bak;	/* each with its co logged in */
	unsigned int app_slot, bak_slot;
	/* On the application partition and their clones on the backup. */
	unsigned int app_h[5], bak_h[5];
};

enum { AES, WRAPPABLE, EC, EC_PUB, NOTE };

static const char *const labels[] = { "aes", "wrappable", "ec", "ec",
				      "note" };
static const unsigned int classes[] = {
	CLONEDEV_CLASS_SECRET_KEY, CLONEDEV_CLASS_SECRET_KEY,
	CLONEDEV_CLASS_PRIVATE_KEY, CLONEDEV_CLASS_PUBLIC_KEY,
	CLONEDEV_CLASS_DATA,
};

/*
 * An initialized partition of @type whose cloning domain is "shared"
 * (labelled "dom"), with po, co and cu set; *cd logged in as co.
 */
static void make_partition(struct __test_metadata *_metadata,
			   struct clonedev_nl *nl, const char *label,
			   unsigned int type, struct clonedev **cd,
			   unsigned int *slot)
{
	struct clonedev_slot s;

	ASSERT_EQ(0, clonedev_nl_partition_create(nl, label, 0, type, 0, &s));
	ASSERT_EQ(type, s.type);
	*slot = s.slot;
	ASSERT_EQ(0, clonedev_open(cd));
	ASSERT_EQ(0, clonedev_slot_set(*cd, s.slot));
	ASSERT_EQ(0, clonedev_partition_init(*cd, NULL, TEST_PO, "shared",
					     "dom"));
	ASSERT_EQ(0, clonedev_login(*cd, CLONEDEV_ROLE_PO, TEST_PO));
	ASSERT_EQ(0, clonedev_role_init(*cd, CLONEDEV_ROLE_CO, TEST_CO));
	ASSERT_EQ(0, clonedev_login(*cd, CLONEDEV_ROLE_CO, TEST_CO));
	ASSERT_EQ(0, clonedev_role_init(*cd, CLONEDEV_ROLE_CU, TEST_CU));
	ASSERT_EQ(0, clonedev_login(*cd, CLONEDEV_ROLE_CO, TEST_CO));
}

/* Clones every object of @src's partition to @dst's; all are copied. */
static void clone_all(struct __test_metadata *_metadata, struct clonedev *src,
		      struct clonedev *dst, unsigned int n)
{
	struct clonedev_clone res;

	ASSERT_EQ(0, clonedev_clone(src, dst, NULL, 0, NULL, &res));
	ASSERT_EQ(0, res.error);
	ASSERT_EQ(n, res.copied);
	ASSERT_EQ(0, res.skipped + res.refused + res.failed);
}

FIXTURE_SETUP(backup)
{
	unsigned int i;

	ASSERT_EQ(0, clonedev_nl_open(&self->nl));
	delete_all_partitions(_metadata, self->nl);
	make_partition(_metadata, self->nl, "app", CLONEDEV_PTYPE_APPLICATION,
		       &self->app, &self->app_slot);
	make_partition(_metadata, self->nl, "vault", CLONEDEV_PTYPE_BACKUP,
		       &self->bak, &self->bak_slot);
	ASSERT_EQ(0, clonedev_object_generate(self->app, CLONEDEV_KEY_AES, 256,
					      0, labels[AES], NULL, 0,
					      &self->app_h[AES]));
	ASSERT_EQ(0, clonedev_object_generate(self->app, CLONEDEV_KEY_AES, 128,
					      CLONEDEV_OBJ_EXTRACTABLE,
					      labels[WRAPPABLE], NULL, 0,
					      &self->app_h[WRAPPABLE]));
	ASSERT_EQ(0, clonedev_object_generate_pair(self->app,
						   CLONEDEV_KEY_EC_P256, 0,
						   labels[EC], NULL, 0,
						   &self->app_h[EC],
						   &self->app_h[EC_PUB]));
	ASSERT_EQ(0, clonedev_object_create(self->app, 0, labels[NOTE], NULL,
					    0, "hello", 5, &self->app_h[NOTE]));
	clone_all(_metadata, self->app, self->bak, 5);
	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, clonedev_find_key(self->bak, labels[i], NULL, 0,
					       classes[i], &self->bak_h[i]));
}

FIXTURE_TEARDOWN(backup)
{
	clonedev_close(self->app);
	clonedev_close(self->bak);
	delete_all_partitions(_metadata, self->nl);
	clonedev_nl_close(self->nl);
}

/* What a refusal must leave as it was: every object and the count. */
struct contents {
	int n;
	unsigned int slot_objects;
	struct clonedev_object_attrs attrs[MAX_OBJS];
};

/* Read with a session of its own, so the session under test is not used. */
static void snapshot(struct __test_metadata *_metadata,
		     struct clonedev_nl *nl, unsigned int slot,
		     struct contents *c)
{
	unsigned int *h = NULL, vlen;
	struct clonedev_slot s;
	struct clonedev *cd;
	int i;

	memset(c, 0, sizeof(*c));
	ASSERT_EQ(0, clonedev_open_login(&cd, slot, CLONEDEV_ROLE_CO,
					 TEST_CO));
	c->n = clonedev_object_list(cd, &h);
	ASSERT_LE(0, c->n);
	ASSERT_GE(MAX_OBJS, c->n);
	for (i = 0; i < c->n; i++)
		ASSERT_EQ(0, clonedev_object_get(cd, h[i], &c->attrs[i], NULL,
						 0, &vlen));
	free(h);
	clonedev_close(cd);
	ASSERT_EQ(0, clonedev_nl_slot_get(nl, slot, &s));
	c->slot_objects = s.object_count;
}

static void expect_same(struct __test_metadata *_metadata,
			const struct contents *a, const struct contents *b)
{
	EXPECT_EQ(a->n, b->n);
	EXPECT_EQ(a->slot_objects, b->slot_objects);
	EXPECT_EQ(0, memcmp(a->attrs, b->attrs, sizeof(a->attrs)));
}

/*
 * Runs @call on the application partition (it must succeed: the request
 * is good) and then on the backup partition, where it must fail with
 * EMEDIUMTYPE and leave the backup as it was. In @call, `cd` is the
 * session and `h` the handles of its partition.
 */
#define EXPECT_BACKUP_REFUSES(call)					\
	do {								\
		struct contents _before, _after;			\
		struct clonedev *cd;					\
		unsigned int *h;					\
									\
		cd = self->app;						\
		h = self->app_h;					\
		ASSERT_EQ(0, (call));					\
		snapshot(_metadata, self->nl, self->bak_slot, &_before); \
		cd = self->bak;						\
		h = self->bak_h;					\
		EXPECT_NERR(EMEDIUMTYPE, (call));			\
		snapshot(_metadata, self->nl, self->bak_slot, &_after);	\
		expect_same(_metadata, &_before, &_after);		\
		(void)h;						\
	} while (0)

TEST_F(backup, type_shown_and_objects_cloned_in)
{
	struct clonedev_object_attrs a, b;
	struct clonedev_slot s, *slots = NULL;
	unsigned int i, vlen;

	ASSERT_EQ(0, clonedev_nl_slot_get(self->nl, self->bak_slot, &s));
	EXPECT_EQ(CLONEDEV_PTYPE_BACKUP, s.type);
	EXPECT_EQ(5, s.object_count);
	ASSERT_EQ(2, clonedev_nl_slot_list(self->nl, &slots));
	EXPECT_EQ(CLONEDEV_PTYPE_APPLICATION, slots[0].type);
	EXPECT_EQ(CLONEDEV_PTYPE_BACKUP, slots[1].type);
	free(slots);
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, clonedev_object_get(self->app, self->app_h[i], &a,
						 NULL, 0, &vlen));
		ASSERT_EQ(0, clonedev_object_get(self->bak, self->bak_h[i], &b,
						 NULL, 0, &vlen));
		EXPECT_EQ(0, memcmp(a.ouid, b.ouid, sizeof(a.ouid)));
		EXPECT_EQ(0, memcmp(a.kcv, b.kcv, sizeof(a.kcv)));
		EXPECT_EQ(a.obj_flags, b.obj_flags);
	}
}

TEST_F(backup, generate_refused)
{
	unsigned int nh, pub, bulk[2];

	EXPECT_BACKUP_REFUSES(clonedev_object_generate(cd, CLONEDEV_KEY_AES,
						       128, 0, "new", NULL, 0,
						       &nh));
	EXPECT_BACKUP_REFUSES(clonedev_object_generate(cd,
						       CLONEDEV_KEY_GENERIC_SECRET,
						       256, 0, "new", NULL, 0,
						       &nh));
	EXPECT_BACKUP_REFUSES(clonedev_object_generate_pair(cd,
							    CLONEDEV_KEY_EC_P384,
							    0, "new", NULL, 0,
							    &nh, &pub));
	EXPECT_BACKUP_REFUSES(clonedev_object_generate_bulk(cd,
							    CLONEDEV_KEY_AES,
							    256, 0, "new", 2,
							    bulk));
}

TEST_F(backup, create_refused_to_co_and_cu)
{
	unsigned int nh;

	EXPECT_BACKUP_REFUSES(clonedev_object_create(cd, 0, "data", NULL, 0,
						     "x", 1, &nh));
	/* The cu may create public data objects, but not on a backup. */
	ASSERT_EQ(0, clonedev_login(self->app, CLONEDEV_ROLE_CU, TEST_CU));
	ASSERT_EQ(0, clonedev_login(self->bak, CLONEDEV_ROLE_CU, TEST_CU));
	EXPECT_BACKUP_REFUSES(clonedev_object_create(cd, 0, "public", NULL, 0,
						     "y", 1, &nh));
}

TEST_F(backup, import_refused)
{
	static const unsigned char key[16] = "0123456789abcdef";
	unsigned int nh;

	EXPECT_BACKUP_REFUSES(clonedev_object_import(cd, CLONEDEV_KEY_AES, 0,
						     "imported", NULL, 0, key,
						     sizeof(key), &nh));
}

TEST_F(backup, crypt_refused)
{
	struct clonedev_crypt_params gcm = { .mech = CLONEDEV_MECH_AES_GCM,
					     .flags = CLONEDEV_CRYPT_GEN_IV };
	struct clonedev_crypt_params cmac = { .mech = CLONEDEV_MECH_AES_CMAC };
	struct clonedev_crypt_params ecdsa = { .mech = CLONEDEV_MECH_ECDSA,
					       .hash = CLONEDEV_HASH_SHA256 };
	unsigned char out[256];
	size_t len;

	EXPECT_BACKUP_REFUSES(clonedev_encrypt(cd, h[AES], &gcm, "plain", 5,
					       out, sizeof(out), &len));
	EXPECT_BACKUP_REFUSES(clonedev_sign(cd, h[AES], &cmac, "msg", 3, out,
					    sizeof(out), &len));
	EXPECT_BACKUP_REFUSES(clonedev_sign(cd, h[EC], &ecdsa, "msg", 3, out,
					    sizeof(out), &len));
	/* A multi-part operation does not start either. */
	EXPECT_BACKUP_REFUSES(clonedev_crypt_init(cd, CLONEDEV_CRYPT_SIGN,
						  h[AES], &cmac));
	clonedev_crypt_abort(self->app);
}

TEST_F(backup, derive_refused)
{
	struct clonedev_key_template t = { .key_type = CLONEDEV_KEY_AES,
					   .bits = 128, .label = "derived" };
	struct clonedev_object_attrs a;
	unsigned char point[65];
	unsigned int nh, vlen;

	ASSERT_EQ(0, clonedev_object_get(self->app, self->app_h[EC_PUB], &a,
					 point, sizeof(point), &vlen));
	ASSERT_EQ(sizeof(point), vlen);
	EXPECT_BACKUP_REFUSES(clonedev_derive(cd, CLONEDEV_MECH_ECDH, h[EC],
					      point, sizeof(point), &t, &nh));
}

TEST_F(backup, wrap_and_unwrap_refused)
{
	struct clonedev_key_template t = { .key_type = CLONEDEV_KEY_AES,
					   .label = "unwrapped" };
	unsigned char wrapped[64], out[64];
	size_t wlen, len;
	unsigned int nh;

	ASSERT_EQ(0, clonedev_wrap(self->app, CLONEDEV_MECH_AES_KWP,
				   self->app_h[AES], self->app_h[WRAPPABLE],
				   wrapped, sizeof(wrapped), &wlen));
	EXPECT_BACKUP_REFUSES(clonedev_wrap(cd, CLONEDEV_MECH_AES_KWP, h[AES],
					    h[WRAPPABLE], out, sizeof(out),
					    &len));
	EXPECT_BACKUP_REFUSES(clonedev_unwrap(cd, CLONEDEV_MECH_AES_KWP,
					      h[AES], wrapped, wlen, &t, &nh));
}

TEST_F(backup, random_refused_and_nothing_written)
{
	unsigned char buf[32], zero[32] = { 0 };

	memset(buf, 0, sizeof(buf));
	EXPECT_NERR(EMEDIUMTYPE, clonedev_random(self->bak, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, zero, sizeof(buf)));
	EXPECT_BACKUP_REFUSES(clonedev_random(cd, buf, sizeof(buf)));
}

/* The refusal is the partition's, not the login's: no role changes it. */
TEST_F(backup, refused_whoever_is_logged_in)
{
	struct contents before, after;
	unsigned char buf[8];
	unsigned int nh;

	snapshot(_metadata, self->nl, self->bak_slot, &before);
	ASSERT_EQ(0, clonedev_logout(self->bak));
	EXPECT_NERR(EMEDIUMTYPE, clonedev_object_generate(self->bak,
							  CLONEDEV_KEY_AES, 128,
							  0, "k", NULL, 0,
							  &nh));
	EXPECT_NERR(EMEDIUMTYPE, clonedev_random(self->bak, buf, sizeof(buf)));
	ASSERT_EQ(0, clonedev_login(self->bak, CLONEDEV_ROLE_PO, TEST_PO));
	EXPECT_NERR(EMEDIUMTYPE, clonedev_object_create(self->bak, 0, "d",
							NULL, 0, "x", 1, &nh));
	/* On the application partition, not logged in is -EACCES. */
	ASSERT_EQ(0, clonedev_logout(self->app));
	EXPECT_NERR(EACCES, clonedev_object_generate(self->app,
						     CLONEDEV_KEY_AES, 128, 0,
						     "k", NULL, 0, &nh));
	snapshot(_metadata, self->nl, self->bak_slot, &after);
	expect_same(_metadata, &before, &after);
}

/*
 * Attributes stay as they were cloned in, whoever asks; on the
 * application partition the same request reaches the object's own check.
 */
TEST_F(backup, set_attrs_refused)
{
	struct contents before, after;
	unsigned int i;

	snapshot(_metadata, self->nl, self->bak_slot, &before);
	for (i = 0; i < 5; i++) {
		EXPECT_NERR(EMEDIUMTYPE,
			    clonedev_object_set_attrs(self->bak, self->bak_h[i],
						      CLONEDEV_SET_LABEL, "x",
						      NULL, 0, 0));
		EXPECT_NERR(EPERM,
			    clonedev_object_set_attrs(self->app, self->app_h[i],
						      CLONEDEV_SET_LABEL, "x",
						      NULL, 0, 0));
	}
	ASSERT_EQ(0, clonedev_login(self->bak, CLONEDEV_ROLE_CU, TEST_CU));
	EXPECT_NERR(EMEDIUMTYPE,
		    clonedev_object_set_attrs(self->bak, self->bak_h[NOTE],
					      CLONEDEV_SET_LABEL, "x", NULL, 0,
					      0));
	snapshot(_metadata, self->nl, self->bak_slot, &after);
	expect_same(_metadata, &before, &after);
}

/* Unknown flags and reserved fields are refused first, as everywhere. */
TEST_F(backup, header_checked_first)
{
	struct clonedev_object_generate g = {
		.size = sizeof(g), .key_type = CLONEDEV_KEY_AES, .bits = 128,
	};
	struct clonedev_random r = { .size = sizeof(r) };
	unsigned char buf[8];

	g.flags = 0x80000000U;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(clonedev_fd(self->bak),
				       CLONEDEV_IOCTL_OBJECT_GENERATE, &g));
	g.flags = 0;
	g.__reserved2 = 1;
	EXPECT_ERRNO(EINVAL, ioctl(clonedev_fd(self->bak),
				   CLONEDEV_IOCTL_OBJECT_GENERATE, &g));
	g.__reserved2 = 0;
	EXPECT_ERRNO(EMEDIUMTYPE, ioctl(clonedev_fd(self->bak),
					CLONEDEV_IOCTL_OBJECT_GENERATE, &g));
	r.len = sizeof(buf);
	r.out = (uintptr_t)buf;
	r.__reserved = 1;
	EXPECT_ERRNO(EINVAL, ioctl(clonedev_fd(self->bak),
				   CLONEDEV_IOCTL_RANDOM, &r));
	r.__reserved = 0;
	EXPECT_ERRNO(EMEDIUMTYPE, ioctl(clonedev_fd(self->bak),
					CLONEDEV_IOCTL_RANDOM, &r));
}

/* Listing, reading attributes, finding and destroying work as anywhere. */
TEST_F(backup, objects_listed_read_and_destroyed)
{
	struct clonedev_object_attrs a;
	struct clonedev_policy_get pol;
	struct clonedev_domain_list dl;
	unsigned char note[8];
	unsigned int *found = NULL, vlen;
	struct clonedev_slot s;

	EXPECT_EQ(5, count_objects(self->bak));
	ASSERT_EQ(0, clonedev_object_get(self->bak, self->bak_h[NOTE], &a, note,
					 sizeof(note), &vlen));
	EXPECT_EQ(5, vlen);
	EXPECT_EQ(0, memcmp(note, "hello", 5));
	EXPECT_EQ(1, clonedev_object_find(self->bak, "aes", NULL, 0, &found));
	EXPECT_EQ(self->bak_h[AES], found[0]);
	free(found);
	ASSERT_EQ(0, clonedev_object_destroy(self->bak, self->bak_h[NOTE]));
	EXPECT_EQ(4, count_objects(self->bak));
	ASSERT_EQ(0, clonedev_nl_slot_get(self->nl, self->bak_slot, &s));
	EXPECT_EQ(4, s.object_count);
	ASSERT_EQ(0, clonedev_policy_get(self->bak, &pol));
	ASSERT_EQ(0, clonedev_login(self->bak, CLONEDEV_ROLE_PO, TEST_PO));
	ASSERT_EQ(0, clonedev_domain_list(self->bak, &dl));
	EXPECT_EQ(1, dl.count);
}

/*
 * A restore: the backup clones its objects to a new application
 * partition, where they work; cloning again skips them all.
 */
TEST_F(backup, restore_by_cloning_out)
{
	struct clonedev_crypt_params gcm = { .mech = CLONEDEV_MECH_AES_GCM,
					     .flags = CLONEDEV_CRYPT_GEN_IV };
	unsigned char ct[64], pt[64];
	struct clonedev_clone res;
	struct clonedev *fresh;
	unsigned int slot, h;
	size_t len;

	make_partition(_metadata, self->nl, "restored",
		       CLONEDEV_PTYPE_APPLICATION, &fresh, &slot);
	clone_all(_metadata, self->bak, fresh, 5);
	ASSERT_EQ(0, clonedev_clone(self->bak, fresh, NULL, 0, NULL, &res));
	EXPECT_EQ(5, res.skipped);
	EXPECT_EQ(0, res.copied);
	ASSERT_EQ(0, clonedev_find_key(fresh, "aes", NULL, 0,
				       CLONEDEV_CLASS_SECRET_KEY, &h));
	/* What the original key encrypted, its restored copy decrypts. */
	ASSERT_EQ(0, clonedev_encrypt(self->app, self->app_h[AES], &gcm,
				      "restored", 8, ct, sizeof(ct), &len));
	gcm.flags = 0;
	ASSERT_EQ(0, clonedev_decrypt(fresh, h, &gcm, ct, len, pt, sizeof(pt),
				      &len));
	EXPECT_EQ(8, len);
	EXPECT_EQ(0, memcmp(pt, "restored", 8));
	clonedev_close(fresh);
}

/* The type follows the selected slot. */
TEST_F(backup, type_follows_the_slot)
{
	unsigned int nh;

	ASSERT_EQ(0, clonedev_slot_set(self->bak, self->app_slot));
	ASSERT_EQ(0, clonedev_login(self->bak, CLONEDEV_ROLE_CO, TEST_CO));
	EXPECT_EQ(0, clonedev_object_generate(self->bak, CLONEDEV_KEY_AES, 128,
					      0, "k", NULL, 0, &nh));
	ASSERT_EQ(0, clonedev_slot_set(self->app, self->bak_slot));
	ASSERT_EQ(0, clonedev_login(self->app, CLONEDEV_ROLE_CO, TEST_CO));
	EXPECT_NERR(EMEDIUMTYPE, clonedev_object_generate(self->app,
							  CLONEDEV_KEY_AES, 128,
							  0, "k", NULL, 0,
							  &nh));
}

/*
 * A session whose backup partition was deleted and its slot given to an
 * application partition holds neither: ENODEV, as for any deleted one.
 */
TEST_F(backup, slot_made_again)
{
	struct clonedev_slot s;
	unsigned int nh;

	ASSERT_EQ(0, clonedev_nl_partition_delete(self->nl, self->bak_slot));
	ASSERT_EQ(0, clonedev_nl_partition_create(self->nl, "again", 0,
						  CLONEDEV_PTYPE_APPLICATION,
						  0, &s));
	ASSERT_EQ(self->bak_slot, s.slot);
	EXPECT_NERR(ENODEV, clonedev_object_generate(self->bak,
						     CLONEDEV_KEY_AES, 128, 0,
						     "k", NULL, 0, &nh));
	EXPECT_NERR(ENODEV, clonedev_random(self->bak, &nh, sizeof(nh)));
}

TEST_HARNESS_MAIN
