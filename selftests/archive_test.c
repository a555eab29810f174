// SPDX-License-Identifier: GPL-2.0
/*
 * clonedev selftests: archive files (CLONEDEV_IOCTL_ARCHIVE_OPEN, _NEXT,
 * _FINISH; docs/archive-format.md). An archive made on one partition
 * restores into any partition holding the same domain and no other; it
 * is verified whole before anything is stored, so every flipped byte,
 * every truncation, a reordered or spliced record and an unknown version
 * are refused with nothing imported; and many archives at once on one
 * session or many do not disturb each other.
 */
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "clonedev_test_util.h"

#define N_OBJS		5
#define THREADS		32

FIXTURE(archive)
{
	struct clonedev_nl *nl;
	struct clonedev *src, *dst, *other;	/* co logged in on each */
	unsigned int src_slot, dst_slot, other_slot;
	unsigned int h[N_OBJS];			/* on src */
};

enum { AES, AES2, EC, EC_PUB, NOTE };

/* A partition whose domain "dom" has the secret @domain; *cd its co. */
static void make_partition(struct __test_metadata *_metadata,
			   struct clonedev_nl *nl, const char *label,
			   const char *domain, struct clonedev **cd,
			   unsigned int *slot)
{
	struct clonedev_slot s;

	ASSERT_EQ(0, clonedev_nl_partition_create(nl, label, 0, 0, 0, &s));
	*slot = s.slot;
	ASSERT_EQ(0, clonedev_open(cd));
	ASSERT_EQ(0, clonedev_slot_set(*cd, s.slot));
	ASSERT_EQ(0, clonedev_partition_init(*cd, NULL, TEST_PO, domain,
					     "dom"));
	ASSERT_EQ(0, clonedev_login(*cd, CLONEDEV_ROLE_PO, TEST_PO));
	ASSERT_EQ(0, clonedev_role_init(*cd, CLONEDEV_ROLE_CO, TEST_CO));
	ASSERT_EQ(0, clonedev_login(*cd, CLONEDEV_ROLE_CO, TEST_CO));
	ASSERT_EQ(0, clonedev_role_init(*cd, CLONEDEV_ROLE_CU, TEST_CU));
	ASSERT_EQ(0, clonedev_login(*cd, CLONEDEV_ROLE_CO, TEST_CO));
}

FIXTURE_SETUP(archive)
{
	ASSERT_EQ(0, clonedev_nl_open(&self->nl));
	delete_all_partitions(_metadata, self->nl);
	make_partition(_metadata, self->nl, "src", "archive-domain",
		       &self->src, &self->src_slot);
	make_partition(_metadata, self->nl, "dst", "archive-domain",
		       &self->dst, &self->dst_slot);
	make_partition(_metadata, self->nl, "other", "another-domain",
		       &self->other, &self->other_slot);
	ASSERT_EQ(0, clonedev_object_generate(self->src, CLONEDEV_KEY_AES, 256,
					      0, "aes", NULL, 0,
					      &self->h[AES]));
	ASSERT_EQ(0, clonedev_object_generate(self->src, CLONEDEV_KEY_AES, 128,
					      CLONEDEV_OBJ_EXTRACTABLE, "aes2",
					      NULL, 0, &self->h[AES2]));
	ASSERT_EQ(0, clonedev_object_generate_pair(self->src,
						   CLONEDEV_KEY_EC_P256, 0,
						   "ec", NULL, 0,
						   &self->h[EC],
						   &self->h[EC_PUB]));
	ASSERT_EQ(0, clonedev_object_create(self->src, 0, "note", NULL, 0,
					    "hello", 5, &self->h[NOTE]));
}

FIXTURE_TEARDOWN(archive)
{
	clonedev_close(self->src);
	clonedev_close(self->dst);
	clonedev_close(self->other);
	delete_all_partitions(_metadata, self->nl);
	clonedev_nl_close(self->nl);
}

/* An archive of @count objects (@handles; all with 0) of @cd, in memory. */
static int make_archive(struct clonedev *cd, const unsigned int *handles,
			unsigned int count, unsigned char **buf, size_t *len,
			struct clonedev_archive_result *res)
{
	int fd = memfd_create("archive", 0), ret;
	off_t end;

	if (fd < 0)
		return -errno;
	ret = clonedev_archive_backup(cd, handles, count, NULL, fd, res);
	end = lseek(fd, 0, SEEK_END);
	if (!ret && end > 0) {
		*len = end;
		*buf = malloc(end);
		if (!*buf || pread(fd, *buf, end, 0) != end)
			ret = -EIO;
	}
	close(fd);
	return ret;
}

/* Restores the @len bytes at @buf into @cd's partition. */
static int restore(struct clonedev *cd, const unsigned char *buf, size_t len,
		   const unsigned int *handles, unsigned int count,
		   struct clonedev_archive_result *res)
{
	int fd = memfd_create("archive", 0), ret;

	if (fd < 0)
		return -errno;
	if (write(fd, buf, len) != (ssize_t)len) {
		close(fd);
		return -EIO;
	}
	lseek(fd, 0, SEEK_SET);
	ret = clonedev_archive_restore(cd, fd, handles, count, res);
	close(fd);
	return ret;
}

/* The OUID and KCV of object @h of @cd. */
static void ouid_kcv(struct __test_metadata *_metadata, struct clonedev *cd,
		     unsigned int h, unsigned char *id)
{
	struct clonedev_object_attrs a;
	unsigned int vlen;

	ASSERT_EQ(0, clonedev_object_get(cd, h, &a, NULL, 0, &vlen));
	memcpy(id, a.ouid, CLONEDEV_OUID_LEN);
	memcpy(id + CLONEDEV_OUID_LEN, a.kcv, CLONEDEV_KCV_LEN);
}

/* Every object of @a's partition is in @b's with its OUID and KCV. */
static void same_objects(struct __test_metadata *_metadata,
			 struct clonedev *a, struct clonedev *b)
{
	unsigned char x[CLONEDEV_OUID_LEN + CLONEDEV_KCV_LEN];
	unsigned char y[CLONEDEV_OUID_LEN + CLONEDEV_KCV_LEN];
	unsigned int *ha = NULL, *hb = NULL;
	int na, nb, i, j, found;

	na = clonedev_object_list(a, &ha);
	nb = clonedev_object_list(b, &hb);
	ASSERT_EQ(na, nb);
	for (i = 0; i < na; i++) {
		ouid_kcv(_metadata, a, ha[i], x);
		found = 0;
		for (j = 0; j < nb; j++) {
			ouid_kcv(_metadata, b, hb[j], y);
			found += !memcmp(x, y, sizeof(x));
		}
		EXPECT_EQ(1, found);
	}
	free(ha);
	free(hb);
}

/* A whole round trip: every object arrives with its OUID and KCV. */
TEST_F(archive, round_trip)
{
	struct clonedev_archive_result res;
	unsigned char *buf = NULL;
	size_t len;

	ASSERT_EQ(0, make_archive(self->src, NULL, 0, &buf, &len, &res));
	EXPECT_EQ(N_OBJS, res.objects);
	EXPECT_EQ(0, res.refused);
	ASSERT_EQ(0, restore(self->dst, buf, len, NULL, 0, &res));
	EXPECT_EQ(N_OBJS, res.objects);
	EXPECT_EQ(N_OBJS, res.copied);
	EXPECT_EQ(0, res.skipped + res.refused + res.failed);
	same_objects(_metadata, self->src, self->dst);
	/* Again: every OUID is held, so every object is skipped. */
	ASSERT_EQ(0, restore(self->dst, buf, len, NULL, 0, &res));
	EXPECT_EQ(0, res.copied);
	EXPECT_EQ(N_OBJS, res.skipped);
	EXPECT_EQ(N_OBJS, count_objects(self->dst));
	/* And into the partition it came from: all held already. */
	ASSERT_EQ(0, restore(self->src, buf, len, NULL, 0, &res));
	EXPECT_EQ(N_OBJS, res.skipped);
	free(buf);
}

/* A generated RSA pair goes through an archive whole, and still works. */
TEST_F_TIMEOUT(archive, rsa_pair_round_trip, HEAVY_TEST_TIMEOUT)
{
	struct clonedev_crypt_params p = {
		.mech = CLONEDEV_MECH_RSA_PKCS, .hash = CLONEDEV_HASH_SHA256,
	};
	unsigned char v1[600], v2[600], sig[256];
	struct clonedev_archive_result res;
	struct clonedev_object_attrs a, b;
	unsigned int pair[2], priv, pub, l1, l2;
	unsigned char *buf = NULL;
	size_t len, sig_len;

	ASSERT_EQ(0, clonedev_object_generate_keypair(self->src,
						      CLONEDEV_KEY_RSA, 2048,
						      0, "rsa", "\x01", 1,
						      &pair[0], &pair[1]));
	ASSERT_EQ(0, make_archive(self->src, pair, 2, &buf, &len, &res));
	EXPECT_EQ(2, res.objects);
	ASSERT_EQ(0, restore(self->dst, buf, len, NULL, 0, &res));
	EXPECT_EQ(2, res.copied);
	EXPECT_EQ(0, res.skipped + res.refused + res.failed);
	ASSERT_EQ(0, clonedev_find_key(self->dst, "rsa", NULL, 0,
				       CLONEDEV_CLASS_PRIVATE_KEY, &priv));
	ASSERT_EQ(0, clonedev_object_get(self->dst, priv, &a, NULL, 0, NULL));
	ASSERT_EQ(0, clonedev_find_key(self->dst, "rsa", NULL, 0,
				       CLONEDEV_CLASS_PUBLIC_KEY, &pub));
	ASSERT_EQ(0, clonedev_object_get(self->dst, pub, &b, NULL, 0, NULL));
	EXPECT_EQ(CLONEDEV_KEY_RSA, b.key_type);
	EXPECT_EQ(2048, b.bits);
	EXPECT_EQ(0, memcmp(a.kcv, b.kcv, CLONEDEV_KCV_LEN));
	ASSERT_EQ(0, clonedev_object_get(self->src, pair[1], &a, NULL, 0,
					 NULL));
	EXPECT_EQ(0, memcmp(a.ouid, b.ouid, CLONEDEV_OUID_LEN));
	ASSERT_EQ(0, clonedev_object_public(self->src, pair[1], v1,
					    sizeof(v1), &l1));
	ASSERT_EQ(0, clonedev_object_public(self->dst, pub, v2, sizeof(v2),
					    &l2));
	ASSERT_EQ(l1, l2);
	EXPECT_EQ(0, memcmp(v1, v2, l1));
	/* The source's private half signs, the restored public half verifies. */
	ASSERT_EQ(0, clonedev_sign(self->src, pair[0], &p, "archived", 8, sig,
				   sizeof(sig), &sig_len));
	EXPECT_EQ(0, clonedev_verify(self->dst, pub, &p, "archived", 8, sig,
				     sig_len));
	free(buf);
}

/* Only the objects named are archived; a handle not held is refused. */
TEST_F(archive, selective_backup)
{
	unsigned int pick[2] = { self->h[AES2], self->h[NOTE] };
	struct clonedev_archive_result res;
	unsigned char *buf = NULL;
	size_t len;

	ASSERT_EQ(0, make_archive(self->src, pick, 2, &buf, &len, &res));
	EXPECT_EQ(2, res.objects);
	ASSERT_EQ(0, restore(self->dst, buf, len, NULL, 0, &res));
	EXPECT_EQ(2, res.copied);
	EXPECT_EQ(2, count_objects(self->dst));
	free(buf);
	/* A handle the partition does not hold: no archive. */
	pick[1] = 0x7ffffff0;
	EXPECT_NERR(ENOENT, make_archive(self->src, pick, 2, &buf, &len,
					 &res));
}

TEST_F(archive, selective_restore)
{
	unsigned int pick[2] = { self->h[EC], self->h[EC_PUB] };
	unsigned int absent[2] = { self->h[AES], 0x7ffffff0 };
	struct clonedev_archive_result res;
	unsigned char *buf = NULL;
	size_t len;

	ASSERT_EQ(0, make_archive(self->src, NULL, 0, &buf, &len, &res));
	/* A handle the archive does not hold: nothing at all is restored. */
	EXPECT_NERR(ENOENT, restore(self->dst, buf, len, absent, 2, &res));
	EXPECT_EQ(0, count_objects(self->dst));
	ASSERT_EQ(0, restore(self->dst, buf, len, pick, 2, &res));
	EXPECT_EQ(N_OBJS, res.objects);
	EXPECT_EQ(2, res.copied);
	EXPECT_EQ(2, count_objects(self->dst));
	free(buf);
}

/* Another domain: EKEYREJECTED, nothing imported. */
TEST_F(archive, wrong_domain)
{
	struct clonedev_archive_result res;
	unsigned char *buf = NULL;
	size_t len;

	ASSERT_EQ(0, make_archive(self->src, NULL, 0, &buf, &len, &res));
	EXPECT_NERR(EKEYREJECTED, restore(self->other, buf, len, NULL, 0,
					  &res));
	EXPECT_EQ(0, count_objects(self->other));
	free(buf);
}

/* Secret cloning off on the target: the secret keys are refused. */
TEST_F(archive, policy_refuses)
{
	struct clonedev_policy_change off = {
		CLONEDEV_POLICY_SECRET_CLONING, 0
	};
	struct clonedev_archive_result res;
	unsigned char *buf = NULL;
	size_t len;

	ASSERT_EQ(0, make_archive(self->src, NULL, 0, &buf, &len, &res));
	ASSERT_EQ(0, clonedev_login(self->dst, CLONEDEV_ROLE_PO, TEST_PO));
	ASSERT_EQ(0, clonedev_policy_set(self->dst, &off, 1, 0));
	ASSERT_EQ(0, clonedev_login(self->dst, CLONEDEV_ROLE_CO, TEST_CO));
	ASSERT_EQ(0, restore(self->dst, buf, len, NULL, 0, &res));
	EXPECT_EQ(2, res.refused);
	EXPECT_EQ(N_OBJS - 2, res.copied);
	EXPECT_EQ(N_OBJS - 2, count_objects(self->dst));
	free(buf);
}

/* The cu archives only objects without the private flag. */
TEST_F(archive, cu_backup_leaves_private_out)
{
	struct clonedev_archive_result res;
	unsigned char *buf = NULL;
	size_t len;

	ASSERT_EQ(0, clonedev_login(self->src, CLONEDEV_ROLE_CU, TEST_CU));
	ASSERT_EQ(0, make_archive(self->src, NULL, 0, &buf, &len, &res));
	/* AES, AES2 and the EC private key are private. */
	EXPECT_EQ(3, res.refused);
	EXPECT_EQ(N_OBJS - 3, res.objects);
	/* The cu may not restore: the target of a clone is the co. */
	ASSERT_EQ(0, clonedev_login(self->dst, CLONEDEV_ROLE_CU, TEST_CU));
	EXPECT_NERR(EACCES, restore(self->dst, buf, len, NULL, 0, &res));
	free(buf);
}

/* The smallest archive with a record: one data object. */
static void small_archive(struct __test_metadata *_metadata,
			  struct clonedev *cd, unsigned char **buf,
			  size_t *len)
{
	struct clonedev_archive_result res;
	unsigned int h;

	ASSERT_EQ(0, clonedev_object_create(cd, 0, "x", NULL, 0, "hi", 2, &h));
	ASSERT_EQ(0, make_archive(cd, &h, 1, buf, len, &res));
	ASSERT_EQ(CLONEDEV_ARCHIVE_HEADER_LEN + 4 + 4 + 140 + 2 + 16 +
		  CLONEDEV_ARCHIVE_FINAL_LEN, *len);
}

static bool refused_errno(int ret)
{
	return ret == -EBADMSG || ret == -EKEYREJECTED ||
	       ret == -EPROTONOSUPPORT;
}

/* Every byte flipped, one at a time (all bits, then one): refused. */
TEST_F(archive, every_byte_flipped)
{
	static const unsigned char masks[] = { 0xff, 0x01, 0x80 };
	struct clonedev_archive_result res;
	unsigned char *buf = NULL;
	size_t len, i, m;
	int ret;

	small_archive(_metadata, self->src, &buf, &len);
	for (m = 0; m < sizeof(masks); m++) {
		for (i = 0; i < len; i++) {
			buf[i] ^= masks[m];
			ret = restore(self->dst, buf, len, NULL, 0, &res);
			buf[i] ^= masks[m];
			if (!refused_errno(ret))
				TH_LOG("byte %zu ^ %02x: %d", i, masks[m], ret);
			ASSERT_TRUE(refused_errno(ret));
			ASSERT_EQ(0, count_objects(self->dst));
		}
	}
	/* Untouched, it restores. */
	ASSERT_EQ(0, restore(self->dst, buf, len, NULL, 0, &res));
	EXPECT_EQ(1, res.copied);
	free(buf);
}

/* Every prefix of the file, and a byte after its end: refused. */
TEST_F(archive, truncated_or_extended)
{
	struct clonedev_archive_result res;
	unsigned char *buf = NULL, *more;
	size_t len, i;

	small_archive(_metadata, self->src, &buf, &len);
	for (i = 0; i < len; i++) {
		ASSERT_NERR(EBADMSG, restore(self->dst, buf, i, NULL, 0,
					     &res));
		ASSERT_EQ(0, count_objects(self->dst));
	}
	more = calloc(1, len + 1);
	ASSERT_NE(NULL, more);
	memcpy(more, buf, len);
	EXPECT_NERR(EBADMSG, restore(self->dst, more, len + 1, NULL, 0, &res));
	EXPECT_EQ(0, count_objects(self->dst));
	free(more);
	free(buf);
}

/* Where record @i of an archive starts, and how long it is. */
static size_t record_at(const unsigned char *buf, unsigned int i,
			size_t *rlen)
{
	size_t off = CLONEDEV_ARCHIVE_HEADER_LEN;

	for (;;) {
		*rlen = 4 + ((size_t)buf[off] << 24 | buf[off + 1] << 16 |
			     buf[off + 2] << 8 | buf[off + 3]);
		if (!i--)
			return off;
		off += *rlen;
	}
}

/* Two records swapped, or one given twice: refused. */
TEST_F(archive, reordered)
{
	unsigned int pick[2] = { self->h[NOTE], self->h[EC_PUB] };
	struct clonedev_archive_result res;
	unsigned char *buf = NULL, *out;
	size_t len, o0, l0, o1, l1;

	ASSERT_EQ(0, make_archive(self->src, pick, 2, &buf, &len, &res));
	o0 = record_at(buf, 0, &l0);
	o1 = record_at(buf, 1, &l1);
	out = malloc(len + l0);
	ASSERT_NE(NULL, out);
	/* header, 1, 0, final */
	memcpy(out, buf, o0);
	memcpy(out + o0, buf + o1, l1);
	memcpy(out + o0 + l1, buf + o0, l0);
	memcpy(out + o0 + l0 + l1, buf + o1 + l1, len - o1 - l1);
	EXPECT_NERR(EBADMSG, restore(self->dst, out, len, NULL, 0, &res));
	/* header, 0, 0, final */
	memcpy(out + o0 + l0, buf + o0, l0);
	memcpy(out + o0 + 2 * l0, buf + o1 + l1, len - o1 - l1);
	EXPECT_NERR(EBADMSG, restore(self->dst, out, o0 + 2 * l0 +
				     (len - o1 - l1), NULL, 0, &res));
	EXPECT_EQ(0, count_objects(self->dst));
	free(out);
	free(buf);
}

/* Records or the final record of another archive (same domain): refused. */
TEST_F(archive, spliced)
{
	unsigned int pick[2] = { self->h[NOTE], self->h[EC_PUB] };
	struct clonedev_archive_result res;
	unsigned char *a = NULL, *b = NULL, *out;
	size_t la, lb, oa, ra, ob, rb;

	ASSERT_EQ(0, make_archive(self->src, pick, 2, &a, &la, &res));
	ASSERT_EQ(0, make_archive(self->src, pick, 2, &b, &lb, &res));
	ASSERT_EQ(la, lb);
	ASSERT_NE(0, memcmp(a, b, la));
	out = malloc(la);
	ASSERT_NE(NULL, out);
	/* a's header, b's records and final record */
	memcpy(out, a, CLONEDEV_ARCHIVE_HEADER_LEN);
	memcpy(out + CLONEDEV_ARCHIVE_HEADER_LEN,
	       b + CLONEDEV_ARCHIVE_HEADER_LEN, la - CLONEDEV_ARCHIVE_HEADER_LEN);
	EXPECT_NERR(EBADMSG, restore(self->dst, out, la, NULL, 0, &res));
	/* a with b's record 1 */
	oa = record_at(a, 1, &ra);
	ob = record_at(b, 1, &rb);
	ASSERT_EQ(ra, rb);
	memcpy(out, a, la);
	memcpy(out + oa, b + ob, rb);
	EXPECT_NERR(EBADMSG, restore(self->dst, out, la, NULL, 0, &res));
	/* a with b's final record */
	memcpy(out, a, la);
	memcpy(out + la - CLONEDEV_ARCHIVE_FINAL_LEN,
	       b + lb - CLONEDEV_ARCHIVE_FINAL_LEN, CLONEDEV_ARCHIVE_FINAL_LEN);
	EXPECT_NERR(EBADMSG, restore(self->dst, out, la, NULL, 0, &res));
	EXPECT_EQ(0, count_objects(self->dst));
	/* Each whole archive restores. */
	EXPECT_EQ(0, restore(self->dst, a, la, NULL, 0, &res));
	EXPECT_EQ(2, res.copied);
	free(out);
	free(a);
	free(b);
}

/* A version other than 1: EPROTONOSUPPORT before anything else. */
TEST_F(archive, unknown_version)
{
	static const unsigned short versions[] = { 0, 2, 0x100, 0xffff };
	struct clonedev_archive_result res;
	unsigned char *buf = NULL;
	size_t len, i;

	small_archive(_metadata, self->src, &buf, &len);
	EXPECT_EQ(0, buf[8]);
	EXPECT_EQ(CLONEDEV_ARCHIVE_VERSION, buf[9]);
	for (i = 0; i < ARRAY_SIZE(versions); i++) {
		buf[8] = versions[i] >> 8;
		buf[9] = versions[i] & 0xff;
		EXPECT_NERR(EPROTONOSUPPORT, restore(self->dst, buf, len, NULL,
						     0, &res));
		/* Even in a partition without the domain. */
		EXPECT_NERR(EPROTONOSUPPORT, restore(self->other, buf, len,
						     NULL, 0, &res));
	}
	EXPECT_EQ(0, count_objects(self->dst));
	free(buf);
}

/* The requests' own checks, each with its errno. */
TEST_F(archive, requests_refused)
{
	struct clonedev_archive_finish f;
	struct clonedev_archive_next n;
	struct clonedev_archive_open o;
	unsigned char hdr[CLONEDEV_ARCHIVE_RECORD_MAX];
	struct clonedev *cd;
	unsigned int id;

	memset(&o, 0, sizeof(o));
	o.mode = 3;
	o.out = (uintptr_t)hdr;
	o.out_cap = sizeof(hdr);
	EXPECT_NERR(EINVAL, clonedev_archive_open(self->src, &o));
	o.mode = CLONEDEV_ARCHIVE_BACKUP;
	o.out_cap = CLONEDEV_ARCHIVE_HEADER_LEN - 1;
	EXPECT_NERR(EMSGSIZE, clonedev_archive_open(self->src, &o));
	o.out_cap = sizeof(hdr);
	o.count = CLONEDEV_ARCHIVE_OBJECTS_MAX + 1;
	EXPECT_NERR(E2BIG, clonedev_archive_open(self->src, &o));
	o.count = 0;
	o.flags = 0x80;
	EXPECT_NERR(EOPNOTSUPP, clonedev_archive_open(self->src, &o));
	o.flags = 0;
	o.__reserved[3] = 1;
	EXPECT_NERR(EINVAL, clonedev_archive_open(self->src, &o));
	o.__reserved[3] = 0;
	strcpy(o.domain_label, "nosuch");
	EXPECT_NERR(EKEYREJECTED, clonedev_archive_open(self->src, &o));
	strcpy(o.domain_label, "dom");
	ASSERT_EQ(0, clonedev_archive_open(self->src, &o));
	EXPECT_EQ(N_OBJS, o.count);
	id = o.id;

	/* Another session does not see the archive. */
	ASSERT_EQ(0, clonedev_open_login(&cd, self->src_slot, CLONEDEV_ROLE_CO,
					 TEST_CO));
	memset(&n, 0, sizeof(n));
	n.id = id;
	n.out = (uintptr_t)hdr;
	n.out_cap = sizeof(hdr);
	EXPECT_NERR(ENOENT, clonedev_archive_next(cd, &n));
	/* Without a login, no archive at all. */
	ASSERT_EQ(0, clonedev_logout(cd));
	memset(&o, 0, sizeof(o));
	o.mode = CLONEDEV_ARCHIVE_BACKUP;
	o.out = (uintptr_t)hdr;
	o.out_cap = sizeof(hdr);
	EXPECT_NERR(EACCES, clonedev_archive_open(cd, &o));
	/* Nor as the po, who manages the partition but not its objects. */
	ASSERT_EQ(0, clonedev_login(cd, CLONEDEV_ROLE_PO, TEST_PO));
	EXPECT_NERR(EACCES, clonedev_archive_open(cd, &o));
	o.mode = CLONEDEV_ARCHIVE_RESTORE;
	o.out = 0;
	o.out_cap = 0;
	o.in = (uintptr_t)hdr;
	o.in_len = CLONEDEV_ARCHIVE_HEADER_LEN;
	memcpy(hdr, "CLDARCH\0\0\1", 10);
	memset(hdr + 10, 0, CLONEDEV_ARCHIVE_HEADER_LEN - 10);
	EXPECT_NERR(EACCES, clonedev_archive_open(cd, &o));
	clonedev_close(cd);

	n.out_cap = CLONEDEV_ARCHIVE_RECORD_MAX - 1;
	EXPECT_NERR(EMSGSIZE, clonedev_archive_next(self->src, &n));
	/* Not every record written: FINISH refuses, the archive stays. */
	memset(&f, 0, sizeof(f));
	f.id = id;
	f.out = (uintptr_t)hdr;
	f.out_cap = sizeof(hdr);
	EXPECT_NERR(EINVAL, clonedev_archive_finish(self->src, &f));
	n.out_cap = sizeof(hdr);
	EXPECT_EQ(0, clonedev_archive_next(self->src, &n));
	EXPECT_EQ(0, n.index);
	f.flags = CLONEDEV_ARCHIVE_ABORT;
	EXPECT_EQ(0, clonedev_archive_finish(self->src, &f));
	EXPECT_NERR(ENOENT, clonedev_archive_next(self->src, &n));
	EXPECT_NERR(ENOENT, clonedev_archive_finish(self->src, &f));

	/* Restore: a header of the wrong length, a label given. */
	memset(&o, 0, sizeof(o));
	o.mode = CLONEDEV_ARCHIVE_RESTORE;
	o.in = (uintptr_t)hdr;
	o.in_len = CLONEDEV_ARCHIVE_HEADER_LEN - 1;
	EXPECT_NERR(EBADMSG, clonedev_archive_open(self->dst, &o));
	o.in_len = CLONEDEV_ARCHIVE_HEADER_LEN;
	strcpy(o.domain_label, "dom");
	EXPECT_NERR(EINVAL, clonedev_archive_open(self->dst, &o));
}

/* A restore aborted, or whose login ended, stores nothing. */
TEST_F(archive, abort_and_logout_store_nothing)
{
	struct clonedev_archive_result res;
	struct clonedev_archive_finish f;
	struct clonedev_archive_next n;
	struct clonedev_archive_open o;
	unsigned char *buf = NULL;
	size_t len, off, rlen;
	unsigned int i, round;

	ASSERT_EQ(0, make_archive(self->src, NULL, 0, &buf, &len, &res));
	for (round = 0; round < 2; round++) {
		memset(&o, 0, sizeof(o));
		o.mode = CLONEDEV_ARCHIVE_RESTORE;
		o.in = (uintptr_t)buf;
		o.in_len = CLONEDEV_ARCHIVE_HEADER_LEN;
		ASSERT_EQ(0, clonedev_archive_open(self->dst, &o));
		for (i = 0; i < o.count; i++) {
			off = record_at(buf, i, &rlen);
			memset(&n, 0, sizeof(n));
			n.id = o.id;
			n.in = (uintptr_t)(buf + off);
			n.in_len = rlen;
			ASSERT_EQ(0, clonedev_archive_next(self->dst, &n));
			EXPECT_EQ(i, n.index);
			EXPECT_EQ(1, n.selected);
		}
		memset(&f, 0, sizeof(f));
		f.id = o.id;
		f.in = (uintptr_t)(buf + len - CLONEDEV_ARCHIVE_FINAL_LEN);
		f.in_len = CLONEDEV_ARCHIVE_FINAL_LEN;
		if (round == 0) {
			f.flags = CLONEDEV_ARCHIVE_ABORT;
			EXPECT_EQ(0, clonedev_archive_finish(self->dst, &f));
		} else {
			ASSERT_EQ(0, clonedev_logout(self->dst));
			EXPECT_NERR(EACCES,
				    clonedev_archive_finish(self->dst, &f));
			ASSERT_EQ(0, clonedev_login(self->dst, CLONEDEV_ROLE_CO,
						    TEST_CO));
		}
		EXPECT_EQ(0, count_objects(self->dst));
	}
	free(buf);
}

/* A session holds at most CLONEDEV_ARCHIVE_OPEN_MAX; closing frees them. */
TEST_F(archive, open_limit)
{
	unsigned char hdr[CLONEDEV_ARCHIVE_HEADER_LEN];
	struct clonedev_archive_open o;
	struct clonedev *cd;
	unsigned int i;

	ASSERT_EQ(0, clonedev_open_login(&cd, self->src_slot, CLONEDEV_ROLE_CO,
					 TEST_CO));
	for (i = 0; i <= CLONEDEV_ARCHIVE_OPEN_MAX; i++) {
		memset(&o, 0, sizeof(o));
		o.mode = CLONEDEV_ARCHIVE_BACKUP;
		o.out = (uintptr_t)hdr;
		o.out_cap = sizeof(hdr);
		ASSERT_EQ(i < CLONEDEV_ARCHIVE_OPEN_MAX ? 0 : -EMFILE,
			  clonedev_archive_open(cd, &o));
	}
	/* Another session is not limited by this one's. */
	EXPECT_EQ(0, clonedev_archive_open(self->src, &o));
	clonedev_close(cd);
	ASSERT_EQ(0, clonedev_open_login(&cd, self->src_slot, CLONEDEV_ROLE_CO,
					 TEST_CO));
	o.count = 0;	/* it came back as the archive's count */
	EXPECT_EQ(0, clonedev_archive_open(cd, &o));
	clonedev_close(cd);
}

struct racer {
	pthread_barrier_t *start;
	struct clonedev *cd;		/* shared, or NULL: a session of its own */
	unsigned int slot;
	const unsigned char *archive;
	size_t len;
	struct clonedev_archive_result backup, res;
	int backup_ret, ret;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	struct clonedev *cd = r->cd;
	unsigned char *mine = NULL;
	size_t len;

	if (!cd && clonedev_open_login(&cd, r->slot, CLONEDEV_ROLE_CO,
				       TEST_CO))
		cd = NULL;
	pthread_barrier_wait(r->start);
	if (!cd) {
		r->ret = -ENODEV;
		r->backup_ret = -ENODEV;
		return NULL;
	}
	/* Each backs the partition up, then restores the shared archive. */
	r->backup_ret = make_archive(cd, NULL, 0, &mine, &len, &r->backup);
	r->ret = restore(cd, r->archive, r->len, NULL, 0, &r->res);
	free(mine);
	if (!r->cd)
		clonedev_close(cd);
	return NULL;
}

/*
 * THREADS callers at once, on one session or each on its own, restore
 * one archive into the same partition while making archives of it: all
 * succeed, and each object is stored once.
 */
static void race_restores(struct __test_metadata *_metadata,
			  struct clonedev *shared, unsigned int slot,
			  struct clonedev *src, struct clonedev *dst)
{
	struct clonedev_archive_result res;
	struct racer r[THREADS];
	pthread_t t[THREADS];
	pthread_barrier_t start;
	unsigned char *buf = NULL;
	unsigned int copied = 0, i;
	size_t len;

	ASSERT_EQ(0, make_archive(src, NULL, 0, &buf, &len, &res));
	ASSERT_EQ(0, pthread_barrier_init(&start, NULL, THREADS));
	for (i = 0; i < THREADS; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].start = &start;
		r[i].cd = shared;
		r[i].slot = slot;
		r[i].archive = buf;
		r[i].len = len;
		ASSERT_EQ(0, pthread_create(&t[i], NULL, race, &r[i]));
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(0, r[i].backup_ret);
		EXPECT_EQ(0, r[i].ret);
		EXPECT_EQ(N_OBJS, r[i].res.copied + r[i].res.skipped);
		copied += r[i].res.copied;
	}
	pthread_barrier_destroy(&start);
	EXPECT_EQ(N_OBJS, copied);
	EXPECT_EQ(N_OBJS, count_objects(dst));
	same_objects(_metadata, src, dst);
	free(buf);
}

TEST_F_TIMEOUT(archive, parallel_one_session, HEAVY_TEST_TIMEOUT)
{
	race_restores(_metadata, self->dst, self->dst_slot, self->src,
		      self->dst);
}

TEST_F_TIMEOUT(archive, parallel_sessions, HEAVY_TEST_TIMEOUT)
{
	race_restores(_metadata, NULL, self->dst_slot, self->src, self->dst);
}

TEST_HARNESS_MAIN
