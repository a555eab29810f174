// SPDX-License-Identifier: GPL-2.0
/*
 * clonedev selftests: EC key pairs, imported keys (raw, PKCS#8 EC and RSA
 * made on the host by selftests/keys/mkkeys, with their check values
 * computed there by an independent implementation), bulk generation in
 * one batch, find by label and id, and that an imported key's bytes never
 * appear in the store or in any reply.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "clonedev_test_util.h"

#define STORE_DIR "/var/lib/clonedev"

FIXTURE(key)
{
	struct clonedev_nl *nl;
	struct clonedev *cd;
	unsigned int slot;
};

FIXTURE_SETUP(key)
{
	ASSERT_EQ(0, clonedev_nl_open(&self->nl));
	delete_all_partitions(_metadata, self->nl);
	setup_partition(_metadata, self->nl, "keys", &self->cd, &self->slot);
}

FIXTURE_TEARDOWN(key)
{
	clonedev_close(self->cd);
	delete_all_partitions(_metadata, self->nl);
	clonedev_nl_close(self->nl);
}

/* Reads a whole file into a malloc()ed buffer; returns its length or -1. */
static ssize_t slurp(const char *path, unsigned char **out)
{
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	do {
		if (len == cap) {
			cap = cap ? 2 * cap : 65536;
			buf = realloc(buf, cap);
			if (!buf) {
				close(fd);
				return -1;
			}
		}
		n = read(fd, buf + len, cap - len);
		if (n > 0)
			len += n;
	} while (n > 0);
	close(fd);
	*out = buf;
	return n < 0 ? -1 : (ssize_t)len;
}

static ssize_t fixture(const char *name, unsigned char **out)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", keys_dir(), name);
	return slurp(path, out);
}

/* The KCV and size that mkkeys computed for @name ("aes256.key", ...). */
static int host_kcv(const char *name, unsigned int *bits, char kcv[7])
{
	char path[512], line[512], n[128], type[32], sum[80];
	int found = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/expected.txt", keys_dir());
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%127s %31s %u %6s %79s", n, type, bits, kcv,
			   sum) == 5 && !strcmp(n, name))
			found = 0;
	fclose(f);
	return found;
}

static void kcv_str(const struct clonedev_object_attrs *a, char out[7])
{
	snprintf(out, 7, "%02x%02x%02x", a->kcv[0], a->kcv[1], a->kcv[2]);
}

/* Imports fixture @name: PKCS#8 unless @raw_type is set. */
static int import_fixture(struct clonedev *cd, const char *name,
			  unsigned int raw_type, unsigned int *h)
{
	struct clonedev_keyfile kf = { 0 };
	unsigned char *buf;
	ssize_t len = fixture(name, &buf);
	int ret;

	if (len < 0)
		return -ENOENT;
	if (raw_type) {
		ret = clonedev_object_import(cd, raw_type, 0, name, NULL, 0,
					     buf, (unsigned int)len, h);
	} else {
		ret = clonedev_keyfile_parse(buf, len, &kf);
		if (!ret)
			ret = clonedev_object_import(cd, kf.key_type, 0, name,
						     NULL, 0, kf.value, kf.len,
						     h);
		clonedev_keyfile_free(&kf);
	}
	free(buf);
	return ret;
}

/* SHA-256 through AF_ALG: the check value of a public point. */
static int sha256(const void *data, size_t len, unsigned char out[32])
{
	struct sockaddr_alg {
		unsigned short salg_family;
		unsigned char salg_type[14];
		unsigned int salg_feat;
		unsigned int salg_mask;
		unsigned char salg_name[64];
	} sa = { .salg_family = 38 /* AF_ALG */ };
	int tfm, op, ret = -1;

	strcpy((char *)sa.salg_type, "hash");
	strcpy((char *)sa.salg_name, "sha256");
	tfm = socket(38, SOCK_SEQPACKET, 0);
	if (tfm < 0)
		return -1;
	if (!bind(tfm, (struct sockaddr *)&sa, sizeof(sa))) {
		op = accept(tfm, NULL, 0);
		if (op >= 0) {
			if (write(op, data, len) == (ssize_t)len &&
			    read(op, out, 32) == 32)
				ret = 0;
			close(op);
		}
	}
	close(tfm);
	return ret;
}

static void check_pair(struct __test_metadata *_metadata,
		       struct clonedev *cd, unsigned int type,
		       unsigned int bits)
{
	struct clonedev_object_attrs a, b;
	unsigned char point[200], digest[32];
	unsigned int h, pub, vlen = 0;

	ASSERT_EQ(0, clonedev_object_generate_pair(cd, type, 0, "pair",
						   "\x07", 1, &h, &pub));
	ASSERT_NE(h, pub);
	ASSERT_EQ(0, clonedev_object_get(cd, h, &a, point, sizeof(point),
					 &vlen));
	EXPECT_EQ(CLONEDEV_CLASS_PRIVATE_KEY, a.obj_class);
	EXPECT_EQ(type, a.key_type);
	EXPECT_EQ(bits, a.bits);
	EXPECT_EQ(CLONEDEV_OBJ_PRIVATE | CLONEDEV_OBJ_SENSITIVE |
		  CLONEDEV_USAGE_EC, a.obj_flags);
	/* The private scalar is never returned. */
	EXPECT_EQ(0, vlen);
	ASSERT_EQ(0, clonedev_object_get(cd, pub, &b, point, sizeof(point),
					 &vlen));
	EXPECT_EQ(CLONEDEV_CLASS_PUBLIC_KEY, b.obj_class);
	EXPECT_EQ(bits, b.bits);
	EXPECT_EQ(0, b.obj_flags & CLONEDEV_OBJ_SENSITIVE);
	ASSERT_EQ(1 + 2 * bits / 8, vlen);
	EXPECT_EQ(0x04, point[0]);
	EXPECT_EQ(0, memcmp(a.kcv, b.kcv, CLONEDEV_KCV_LEN));
	ASSERT_EQ(0, sha256(point, vlen, digest));
	EXPECT_EQ(0, memcmp(digest, a.kcv, CLONEDEV_KCV_LEN));
}

TEST_F(key, ec_pairs)
{
	unsigned char point1[100], point2[100];
	struct clonedev_object_attrs a;
	unsigned int h1, p1, h2, p2, len1, len2;

	check_pair(_metadata, self->cd, CLONEDEV_KEY_EC_P256, 256);
	check_pair(_metadata, self->cd, CLONEDEV_KEY_EC_P384, 384);
	EXPECT_EQ(4, count_objects(self->cd));
	/* Two pairs differ. */
	ASSERT_EQ(0, clonedev_object_generate_pair(self->cd,
						   CLONEDEV_KEY_EC_P256, 0,
						   "x", NULL, 0, &h1, &p1));
	ASSERT_EQ(0, clonedev_object_generate_pair(self->cd,
						   CLONEDEV_KEY_EC_P256, 0,
						   "y", NULL, 0, &h2, &p2));
	ASSERT_EQ(0, clonedev_object_get(self->cd, p1, &a, point1,
					 sizeof(point1), &len1));
	ASSERT_EQ(0, clonedev_object_get(self->cd, p2, &a, point2,
					 sizeof(point2), &len2));
	EXPECT_NE(0, memcmp(point1, point2, 65));
}

static int pair(struct clonedev *cd)
{
	return clonedev_object_generate_pair(cd, CLONEDEV_KEY_EC_P256, 0, "p",
					     NULL, 0, NULL, NULL);
}

/* Imports @len bytes of @d as a key of @type. */
static int import(struct clonedev *cd, unsigned int type, const void *d,
		  unsigned int len)
{
	unsigned int h;

	return clonedev_object_import(cd, type, 0, "x", NULL, 0, d, len, &h);
}

TEST_F(key, generate_rejections)
{
	struct clonedev_object_generate g = { .size = sizeof(g) };

	/* EC sizes come from the curve; a wrong one is refused. */
	g.key_type = CLONEDEV_KEY_EC_P256;
	g.bits = 384;
	EXPECT_ERRNO(EINVAL, ioctl(clonedev_fd(self->cd),
				   CLONEDEV_IOCTL_OBJECT_GENERATE, &g));
	g.bits = 0;
	g.__reserved2 = 1;
	EXPECT_ERRNO(EINVAL, ioctl(clonedev_fd(self->cd),
				   CLONEDEV_IOCTL_OBJECT_GENERATE, &g));
	g.__reserved2 = 0;
	/* Key pairs are not made in bulk. */
	g.count = 2;
	g.handles = (uintptr_t)&g;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(clonedev_fd(self->cd),
				       CLONEDEV_IOCTL_OBJECT_GENERATE, &g));
	g.key_type = 99;
	g.count = 0;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(clonedev_fd(self->cd),
				       CLONEDEV_IOCTL_OBJECT_GENERATE, &g));
	EXPECT_EQ(0, count_objects(self->cd));
	/* The cu may not generate. */
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CU, TEST_CU));
	EXPECT_NERR(EACCES, pair(self->cd));
	ASSERT_EQ(0, clonedev_logout(self->cd));
	EXPECT_NERR(EACCES, pair(self->cd));
}

/* The next DER element of @p (@len bytes): its tag, contents and length. */
static int der_next(const unsigned char **p, size_t *len, unsigned char tag,
		    const unsigned char **val, size_t *val_len)
{
	size_t n, i, hdr = 2;

	if (*len < 2 || (*p)[0] != tag)
		return -1;
	n = (*p)[1];
	if (n & 0x80) {
		if ((n & 0x7f) > 2 || *len < 2 + (n & 0x7f))
			return -1;
		hdr += n & 0x7f;
		for (i = 0, n = 0; i < hdr - 2; i++)
			n = n << 8 | (*p)[2 + i];
	}
	if (*len - hdr < n)
		return -1;
	*val = *p + hdr;
	*val_len = n;
	*p += hdr + n;
	*len -= hdr + n;
	return 0;
}

/*
 * The modulus (no leading zero) and exponent of an RSAPublicKey DER; -1 if
 * it is not one, with nothing after it.
 */
static int rsa_public_parse(const unsigned char *der, size_t len,
			    const unsigned char **n, size_t *n_len,
			    const unsigned char **e, size_t *e_len)
{
	const unsigned char *seq;
	size_t seq_len;

	if (der_next(&der, &len, 0x30, &seq, &seq_len) || len ||
	    der_next(&seq, &seq_len, 0x02, n, n_len) ||
	    der_next(&seq, &seq_len, 0x02, e, e_len) || seq_len)
		return -1;
	if (*n_len && !**n) {
		(*n)++;
		(*n_len)--;
	}
	return 0;
}

/* An RSA pair of @bits; checks what both halves hold and how they sign. */
static void check_rsa_pair(struct __test_metadata *_metadata,
			   struct clonedev *cd, unsigned int bits)
{
	struct clonedev_crypt_params pkcs = {
		.mech = CLONEDEV_MECH_RSA_PKCS, .hash = CLONEDEV_HASH_SHA256,
	};
	struct clonedev_crypt_params pss = {
		.mech = CLONEDEV_MECH_RSA_PSS, .hash = CLONEDEV_HASH_SHA384,
		.salt_len = 48,
	};
	struct clonedev_crypt_params oaep = {
		.mech = CLONEDEV_MECH_RSA_OAEP, .hash = CLONEDEV_HASH_SHA256,
	};
	unsigned char v[1024], w[1024], sig[512], digest[32];
	const unsigned char *n, *e;
	struct clonedev_object_attrs a, b;
	unsigned int h, pub, len, wlen;
	struct timespec t0, t1;
	size_t n_len, e_len, sig_len, out_len;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ASSERT_EQ(0, clonedev_object_generate_keypair(cd, CLONEDEV_KEY_RSA,
						      bits, 0, "rsa",
						      "\x0a\x0b", 2, &h,
						      &pub));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	TH_LOG("RSA-%u generated in %.1f s", bits,
	       t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	ASSERT_NE(h, pub);
	ASSERT_EQ(0, clonedev_object_get(cd, h, &a, v, sizeof(v), &len));
	EXPECT_EQ(CLONEDEV_CLASS_PRIVATE_KEY, a.obj_class);
	EXPECT_EQ(CLONEDEV_KEY_RSA, a.key_type);
	EXPECT_EQ(bits, a.bits);
	EXPECT_EQ(CLONEDEV_OBJ_PRIVATE | CLONEDEV_OBJ_SENSITIVE |
		  CLONEDEV_USAGE_RSA, a.obj_flags);
	EXPECT_EQ(0, len);
	ASSERT_EQ(0, clonedev_object_get(cd, pub, &b, NULL, 0, NULL));
	EXPECT_EQ(CLONEDEV_CLASS_PUBLIC_KEY, b.obj_class);
	EXPECT_EQ(CLONEDEV_KEY_RSA, b.key_type);
	EXPECT_EQ(bits, b.bits);
	EXPECT_EQ(CLONEDEV_USAGE_RSA_PUBLIC, b.obj_flags);
	EXPECT_STREQ("rsa", b.label);
	ASSERT_EQ(2, b.id_len);
	EXPECT_EQ(0, memcmp(b.id, "\x0a\x0b", 2));
	EXPECT_NE(0, memcmp(a.ouid, b.ouid, CLONEDEV_OUID_LEN));

	/* Both halves give one RSAPublicKey; the modulus's SHA-256 is the KCV. */
	ASSERT_EQ(0, clonedev_object_public(cd, h, v, sizeof(v), &len));
	ASSERT_EQ(0, clonedev_object_public(cd, pub, w, sizeof(w), &wlen));
	ASSERT_EQ(len, wlen);
	EXPECT_EQ(0, memcmp(v, w, len));
	ASSERT_EQ(0, rsa_public_parse(v, len, &n, &n_len, &e, &e_len));
	ASSERT_EQ(bits / 8, n_len);
	/* p and q have their top two bits set: n >= 9/16 * 2^bits. */
	EXPECT_LE(0x90, n[0]);
	EXPECT_EQ(1, n[n_len - 1] & 1);
	ASSERT_EQ(3, e_len);
	EXPECT_EQ(0, memcmp(e, "\x01\x00\x01", 3));
	ASSERT_EQ(0, sha256(n, n_len, digest));
	EXPECT_EQ(0, memcmp(digest, a.kcv, CLONEDEV_KCV_LEN));
	EXPECT_EQ(0, memcmp(a.kcv, b.kcv, CLONEDEV_KCV_LEN));

	/* The private half signs, the public half verifies. */
	ASSERT_EQ(0, clonedev_sign(cd, h, &pkcs, "message", 7, sig,
				   sizeof(sig), &sig_len));
	ASSERT_EQ(bits / 8, sig_len);
	EXPECT_EQ(0, clonedev_verify(cd, pub, &pkcs, "message", 7, sig,
				     sig_len));
	EXPECT_EQ(0, clonedev_verify(cd, h, &pkcs, "message", 7, sig,
				     sig_len));
	EXPECT_NERR(EBADMSG, clonedev_verify(cd, pub, &pkcs, "messagf", 7,
					     sig, sig_len));
	ASSERT_EQ(0, clonedev_sign(cd, h, &pss, "message", 7, sig,
				   sizeof(sig), &sig_len));
	EXPECT_EQ(0, clonedev_verify(cd, pub, &pss, "message", 7, sig,
				     sig_len));
	sig[10] ^= 1;
	EXPECT_NERR(EBADMSG, clonedev_verify(cd, pub, &pss, "message", 7,
					     sig, sig_len));
	/* The public half neither signs nor decrypts, as an EC one. */
	EXPECT_NERR(EOPNOTSUPP, clonedev_sign(cd, pub, &pkcs, "message", 7,
					      sig, sizeof(sig), &sig_len));
	EXPECT_NERR(EOPNOTSUPP, clonedev_decrypt(cd, pub, &oaep, sig,
						 bits / 8, w, sizeof(w),
						 &out_len));
}

TEST_F_TIMEOUT(key, rsa_pair, HEAVY_TEST_TIMEOUT)
{
	check_rsa_pair(_metadata, self->cd, 2048);
	EXPECT_EQ(2, count_objects(self->cd));
}

/* One larger size (4096 takes long under emulation; 3072 is the next). */
TEST_F_TIMEOUT(key, rsa_pair_3072, HEAVY_TEST_TIMEOUT)
{
	check_rsa_pair(_metadata, self->cd, 3072);
}

TEST_F(key, rsa_generate_rejections)
{
	struct clonedev_object_generate g = {
		.size = sizeof(g), .key_type = CLONEDEV_KEY_RSA,
	};
	static const unsigned int bad_bits[] = { 0, 1024, 2047, 2049, 2056,
						 3071, 4095, 4104, 8192 };
	struct clonedev_slot s;
	struct clonedev *bak;
	unsigned int i, h, pub;

	for (i = 0; i < ARRAY_SIZE(bad_bits); i++) {
		g.bits = bad_bits[i];
		EXPECT_NERR(EINVAL, xioctl(self->cd,
					   CLONEDEV_IOCTL_OBJECT_GENERATE, &g))
			TH_LOG("%u bits", bad_bits[i]);
	}
	/* Key pairs are not made in bulk. */
	g.bits = 2048;
	g.count = 2;
	g.handles = (uintptr_t)&g;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(clonedev_fd(self->cd),
				       CLONEDEV_IOCTL_OBJECT_GENERATE, &g));
	EXPECT_NERR(EOPNOTSUPP,
		    clonedev_object_generate_keypair(self->cd, CLONEDEV_KEY_AES,
						     256, 0, "k", NULL, 0, &h,
						     &pub));
	/* Only the co generates. */
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CU, TEST_CU));
	EXPECT_NERR(EACCES,
		    clonedev_object_generate_keypair(self->cd, CLONEDEV_KEY_RSA,
						     2048, 0, "k", NULL, 0, &h,
						     &pub));
	ASSERT_EQ(0, clonedev_logout(self->cd));
	EXPECT_NERR(EACCES,
		    clonedev_object_generate_keypair(self->cd, CLONEDEV_KEY_RSA,
						     2048, 0, "k", NULL, 0, &h,
						     &pub));
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CO, TEST_CO));
	EXPECT_EQ(0, count_objects(self->cd));
	/* Nor on a backup partition. */
	ASSERT_EQ(0, clonedev_nl_partition_create(self->nl, "rsa-vault", 0,
						  CLONEDEV_PTYPE_BACKUP, 0,
						  &s));
	ASSERT_EQ(0, clonedev_open_login(&bak, s.slot, 0, NULL));
	EXPECT_NERR(EMEDIUMTYPE,
		    clonedev_object_generate_keypair(bak, CLONEDEV_KEY_RSA,
						     2048, 0, "k", NULL, 0, &h,
						     &pub));
	clonedev_close(bak);
}

TEST_F_TIMEOUT(key, bulk_generate, HEAVY_TEST_TIMEOUT)
{
	unsigned int *h = calloc(5000, sizeof(*h)), *all = NULL, i;
	struct clonedev_object_attrs a, b;
	struct clonedev_object_generate g = { .size = sizeof(g) };
	int n;

	ASSERT_NE(NULL, h);
	ASSERT_EQ(0, clonedev_object_generate_bulk(self->cd, CLONEDEV_KEY_AES,
						   256, 0, "bulk", 5000, h));
	n = clonedev_object_list(self->cd, &all);
	ASSERT_EQ(5000, n);
	for (i = 0; i < 5000; i++)
		ASSERT_EQ(all[i], h[i]);
	free(all);
	ASSERT_EQ(0, clonedev_object_get(self->cd, h[0], &a, NULL, 0, NULL));
	ASSERT_EQ(0, clonedev_object_get(self->cd, h[1], &b, NULL, 0, NULL));
	EXPECT_STREQ("bulk", b.label);
	EXPECT_EQ(256, b.bits);
	EXPECT_NE(0, memcmp(a.ouid, b.ouid, CLONEDEV_OUID_LEN));
	free(h);

	/* A bad handle array leaves nothing behind. */
	g.key_type = CLONEDEV_KEY_AES;
	g.bits = 128;
	g.count = 10;
	g.handles = 8;
	EXPECT_ERRNO(EFAULT, ioctl(clonedev_fd(self->cd),
				   CLONEDEV_IOCTL_OBJECT_GENERATE, &g));
	g.handles = 0;
	EXPECT_ERRNO(EINVAL, ioctl(clonedev_fd(self->cd),
				   CLONEDEV_IOCTL_OBJECT_GENERATE, &g));
	g.handles = (uintptr_t)&g;
	g.count = CLONEDEV_GENERATE_MAX + 1;
	EXPECT_ERRNO(EINVAL, ioctl(clonedev_fd(self->cd),
				   CLONEDEV_IOCTL_OBJECT_GENERATE, &g));
	EXPECT_EQ(5000, count_objects(self->cd));
}

TEST_F(key, find)
{
	unsigned int h[6], *found = NULL, i;
	struct clonedev_object_find f = { .size = sizeof(f) };
	__u32 page[2];

	for (i = 0; i < 6; i++)
		ASSERT_EQ(0, clonedev_object_generate(self->cd,
						      CLONEDEV_KEY_AES, 128, 0,
						      i % 2 ? "odd" : "even",
						      i < 3 ? "\x01" : "\x02",
						      1, &h[i]));
	ASSERT_EQ(3, clonedev_object_find(self->cd, "odd", NULL, 0, &found));
	EXPECT_EQ(h[1], found[0]);
	EXPECT_EQ(h[3], found[1]);
	EXPECT_EQ(h[5], found[2]);
	free(found);
	ASSERT_EQ(3, clonedev_object_find(self->cd, NULL, "\x02", 1, &found));
	EXPECT_EQ(h[3], found[0]);
	EXPECT_EQ(h[5], found[2]);
	free(found);
	ASSERT_EQ(1, clonedev_object_find(self->cd, "even", "\x02", 1,
					  &found));
	EXPECT_EQ(h[4], found[0]);
	free(found);
	ASSERT_EQ(0, clonedev_object_find(self->cd, "none", NULL, 0, &found));
	free(found);
	/* Paging: two at a time, resuming at next. */
	f.flags = CLONEDEV_FIND_LABEL;
	strcpy(f.label, "even");
	f.count = 2;
	f.handles = (uintptr_t)page;
	ASSERT_EQ(0, ioctl(clonedev_fd(self->cd), CLONEDEV_IOCTL_OBJECT_FIND,
			   &f));
	EXPECT_EQ(2, f.count);
	EXPECT_EQ(h[0], page[0]);
	EXPECT_EQ(h[2], page[1]);
	EXPECT_EQ(h[4], f.next);
	f.start = f.next;
	f.count = 2;
	ASSERT_EQ(0, ioctl(clonedev_fd(self->cd), CLONEDEV_IOCTL_OBJECT_FIND,
			   &f));
	EXPECT_EQ(1, f.count);
	EXPECT_EQ(h[4], page[0]);
	EXPECT_EQ(0, f.next);
	/* A destroyed object leaves the index. */
	ASSERT_EQ(0, clonedev_object_destroy(self->cd, h[3]));
	ASSERT_EQ(2, clonedev_object_find(self->cd, "odd", NULL, 0, &found));
	EXPECT_EQ(h[5], found[1]);
	free(found);
	/* Rejections. */
	f.flags = 0;
	EXPECT_ERRNO(EINVAL, ioctl(clonedev_fd(self->cd),
				   CLONEDEV_IOCTL_OBJECT_FIND, &f));
	f.flags = 4;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(clonedev_fd(self->cd),
				       CLONEDEV_IOCTL_OBJECT_FIND, &f));
	f.flags = CLONEDEV_FIND_ID;
	f.id_len = CLONEDEV_ID_MAX + 1;
	EXPECT_ERRNO(EINVAL, ioctl(clonedev_fd(self->cd),
				   CLONEDEV_IOCTL_OBJECT_FIND, &f));
	/* Logged out, the private keys are not found (public objects are). */
	ASSERT_EQ(0, clonedev_logout(self->cd));
	found = NULL;
	EXPECT_EQ(0, clonedev_object_find(self->cd, "odd", NULL, 0, &found));
	free(found);
}

TEST_F(key, import_matches_host)
{
	static const struct {
		const char *name;
		unsigned int raw_type;
		unsigned int key_type;
		unsigned int obj_class;
	} k[] = {
		{ "aes128.key", CLONEDEV_KEY_AES, CLONEDEV_KEY_AES,
		  CLONEDEV_CLASS_SECRET_KEY },
		{ "aes256.key", CLONEDEV_KEY_AES, CLONEDEV_KEY_AES,
		  CLONEDEV_CLASS_SECRET_KEY },
		{ "secret40.key", CLONEDEV_KEY_GENERIC_SECRET,
		  CLONEDEV_KEY_GENERIC_SECRET, CLONEDEV_CLASS_SECRET_KEY },
		{ "ec256.pem", 0, CLONEDEV_KEY_EC_P256,
		  CLONEDEV_CLASS_PRIVATE_KEY },
		{ "ec256.der", 0, CLONEDEV_KEY_EC_P256,
		  CLONEDEV_CLASS_PRIVATE_KEY },
		{ "ec384.pem", 0, CLONEDEV_KEY_EC_P384,
		  CLONEDEV_CLASS_PRIVATE_KEY },
		{ "rsa2048.pem", 0, CLONEDEV_KEY_RSA,
		  CLONEDEV_CLASS_PRIVATE_KEY },
		{ "rsa2048.der", 0, CLONEDEV_KEY_RSA,
		  CLONEDEV_CLASS_PRIVATE_KEY },
		{ "rsa3072.pem", 0, CLONEDEV_KEY_RSA,
		  CLONEDEV_CLASS_PRIVATE_KEY },
		{ "rsa4096.pem", 0, CLONEDEV_KEY_RSA,
		  CLONEDEV_CLASS_PRIVATE_KEY },
	};
	struct clonedev_object_attrs a;
	unsigned int i, h, bits, vlen;
	unsigned char v[64];
	char kcv[7], want[7];

	for (i = 0; i < ARRAY_SIZE(k); i++) {
		ASSERT_EQ(0, host_kcv(k[i].name, &bits, want))
			TH_LOG("%s missing from expected.txt", k[i].name);
		ASSERT_EQ(0, import_fixture(self->cd, k[i].name, k[i].raw_type,
					    &h))
			TH_LOG("importing %s", k[i].name);
		vlen = 99;
		ASSERT_EQ(0, clonedev_object_get(self->cd, h, &a, v, sizeof(v),
						 &vlen));
		kcv_str(&a, kcv);
		EXPECT_STREQ(want, kcv) TH_LOG("KCV of %s", k[i].name);
		EXPECT_EQ(bits, a.bits) TH_LOG("size of %s", k[i].name);
		EXPECT_EQ(k[i].key_type, a.key_type);
		EXPECT_EQ(k[i].obj_class, a.obj_class);
		EXPECT_EQ(CLONEDEV_OBJ_PRIVATE | CLONEDEV_OBJ_SENSITIVE,
			  a.obj_flags & ~CLONEDEV_OBJ_USAGE);
		EXPECT_EQ(k[i].key_type == CLONEDEV_KEY_RSA ? CLONEDEV_USAGE_RSA :
			  k[i].key_type == CLONEDEV_KEY_AES ? CLONEDEV_USAGE_AES :
			  k[i].key_type == CLONEDEV_KEY_GENERIC_SECRET ?
			  CLONEDEV_USAGE_SECRET : CLONEDEV_USAGE_EC,
			  a.obj_flags & CLONEDEV_OBJ_USAGE);
		EXPECT_STREQ(k[i].name, a.label);
		EXPECT_EQ(0, vlen);
	}
	EXPECT_EQ(ARRAY_SIZE(k), count_objects(self->cd));
}

/* GET_PUBLIC of @h is the contents of fixture @pub. */
static void expect_public(struct __test_metadata *_metadata,
			  struct clonedev *cd, unsigned int h,
			  const char *pub)
{
	unsigned char *want, got[1024];
	unsigned int len = 0;
	ssize_t want_len = fixture(pub, &want);

	ASSERT_LT(0, want_len) TH_LOG("%s missing", pub);
	ASSERT_EQ(0, clonedev_object_public(cd, h, got, sizeof(got), &len));
	EXPECT_EQ(want_len, len) TH_LOG("length of %s", pub);
	EXPECT_EQ(0, memcmp(want, got, len)) TH_LOG("bytes of %s", pub);
	free(want);
}

TEST_F(key, public_of_imported_keys)
{
	static const char *const k[] = {
		"ec256.pem", "ec384.pem", "rsa2048.pem", "rsa3072.pem",
		"rsa4096.pem",
	};
	char pub[32];
	unsigned int i, h;

	for (i = 0; i < ARRAY_SIZE(k); i++) {
		ASSERT_EQ(0, import_fixture(self->cd, k[i], 0, &h))
			TH_LOG("importing %s", k[i]);
		snprintf(pub, sizeof(pub), "%.*s.pub",
			 (int)(strlen(k[i]) - 4), k[i]);
		expect_public(_metadata, self->cd, h, pub);
	}
	/* The cu reads it too. */
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CU, TEST_CU));
	expect_public(_metadata, self->cd, h, "rsa4096.pub");
}

TEST_F(key, public_value)
{
	unsigned char v[200], w[200], digest[32];
	struct clonedev_object_get g = { .size = sizeof(g) };
	struct clonedev_object_attrs a;
	unsigned int h, pub, aes, data, len, wlen;

	ASSERT_EQ(0, clonedev_object_generate_pair(self->cd,
						   CLONEDEV_KEY_EC_P384, 0,
						   "pair", NULL, 0, &h, &pub));
	/* Both halves give the point, whose SHA-256 is the check value. */
	ASSERT_EQ(0, clonedev_object_public(self->cd, h, v, sizeof(v), &len));
	ASSERT_EQ(97, len);
	ASSERT_EQ(0, clonedev_object_public(self->cd, pub, w, sizeof(w),
					    &wlen));
	ASSERT_EQ(len, wlen);
	EXPECT_EQ(0, memcmp(v, w, len));
	EXPECT_EQ(0x04, v[0]);
	ASSERT_EQ(0, clonedev_object_get(self->cd, h, &a, NULL, 0, NULL));
	ASSERT_EQ(0, sha256(v, len, digest));
	EXPECT_EQ(0, memcmp(digest, a.kcv, CLONEDEV_KCV_LEN));

	/* The length alone, then too little room: -EMSGSIZE, nothing written. */
	len = 0;
	EXPECT_NERR(EMSGSIZE, clonedev_object_public(self->cd, h, NULL, 0,
						     &len));
	EXPECT_EQ(97, len);
	memset(w, 0x5a, sizeof(w));
	len = 0;
	EXPECT_NERR(EMSGSIZE, clonedev_object_public(self->cd, h, w, 96,
						     &len));
	EXPECT_EQ(97, len);
	EXPECT_EQ(0x5a, w[0]);
	g.flags = CLONEDEV_OBJECT_GET_PUBLIC;
	g.handle = h;
	g.value = (uintptr_t)w;
	g.value_cap = 10;
	EXPECT_ERRNO(EMSGSIZE, ioctl(clonedev_fd(self->cd),
				     CLONEDEV_IOCTL_OBJECT_GET, &g));
	EXPECT_EQ(97, g.value_cap);
	EXPECT_EQ(0x5a, w[0]);
	/* Without a buffer the call gives the length. */
	g.value = 0;
	g.value_cap = 0;
	EXPECT_EQ(0, ioctl(clonedev_fd(self->cd), CLONEDEV_IOCTL_OBJECT_GET,
			   &g));
	EXPECT_EQ(97, g.value_cap);

	/* Only EC and RSA keys have one. */
	ASSERT_EQ(0, clonedev_object_generate(self->cd, CLONEDEV_KEY_AES, 256,
					      0, "aes", NULL, 0, &aes));
	ASSERT_EQ(0, clonedev_object_create(self->cd, 0, "data", NULL, 0,
					    "abc", 3, &data));
	len = 77;
	EXPECT_NERR(EINVAL, clonedev_object_public(self->cd, aes, v,
						   sizeof(v), &len));
	EXPECT_EQ(77, len);
	EXPECT_NERR(EINVAL, clonedev_object_public(self->cd, data, v,
						   sizeof(v), &len));
	EXPECT_NERR(ENOENT, clonedev_object_public(self->cd, 9999, v,
						   sizeof(v), &len));
	/*
	 * Not logged in: the rules of OBJECT_GET, the public half readable
	 * (a public object), the private half not.
	 */
	ASSERT_EQ(0, clonedev_logout(self->cd));
	EXPECT_NERR(EACCES, clonedev_object_public(self->cd, h, v, sizeof(v),
						   &len));
	ASSERT_EQ(0, clonedev_object_public(self->cd, pub, v, sizeof(v),
					    &len));
	EXPECT_EQ(97, len);
	EXPECT_EQ(0x04, v[0]);
}

TEST_F(key, import_rejections)
{
	struct clonedev_object_import im = { .size = sizeof(im) };
	unsigned char d[48];
	unsigned int h;

	/* A 1024-bit RSA key parses but the HSM refuses it. */
	EXPECT_NERR(EINVAL, import_fixture(self->cd, "rsa1024.pem", 0,
					   &h));
	EXPECT_NERR(EINVAL, import_fixture(self->cd, "aes-bad.key",
					   CLONEDEV_KEY_AES, &h));
	/* EC scalars 0 and n are out of range; a wrong length too. */
	memset(d, 0, sizeof(d));
	EXPECT_NERR(EINVAL, import(self->cd, CLONEDEV_KEY_EC_P256, d, 32));
	memcpy(d, "\xff\xff\xff\xff\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff"
		  "\xff\xff\xbc\xe6\xfa\xad\xa7\x17\x9e\x84\xf3\xb9\xca\xc2"
		  "\xfc\x63\x25\x51", 32);
	EXPECT_NERR(EINVAL, import(self->cd, CLONEDEV_KEY_EC_P256, d, 32));
	/* A scalar one byte short. */
	EXPECT_NERR(EINVAL, import(self->cd, CLONEDEV_KEY_EC_P256, d, 31));
	/* Garbage is not an RSA key. */
	EXPECT_NERR(EINVAL, import(self->cd, CLONEDEV_KEY_RSA, d, 48));
	EXPECT_NERR(EOPNOTSUPP, import(self->cd, CLONEDEV_KEY_NONE, d, 16));
	im.key_type = CLONEDEV_KEY_AES;
	im.value = (uintptr_t)d;
	im.value_len = CLONEDEV_DATA_MAX + 1;
	EXPECT_ERRNO(EINVAL, ioctl(clonedev_fd(self->cd),
				   CLONEDEV_IOCTL_OBJECT_IMPORT, &im));
	im.value_len = 16;
	im.value = 8;
	EXPECT_ERRNO(EFAULT, ioctl(clonedev_fd(self->cd),
				   CLONEDEV_IOCTL_OBJECT_IMPORT, &im));
	EXPECT_EQ(0, count_objects(self->cd));
	/*
	 * n + 1 is out of range too. The kernel's ECC takes [2, n - 3]
	 * (crypto/ecc.c), so those ends are the keys nearest the bounds.
	 */
	memcpy(d, "\xff\xff\xff\xff\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff"
		  "\xff\xff\xbc\xe6\xfa\xad\xa7\x17\x9e\x84\xf3\xb9\xca\xc2"
		  "\xfc\x63\x25\x52", 32);
	EXPECT_NERR(EINVAL, import(self->cd, CLONEDEV_KEY_EC_P256, d, 32));
	d[31] = 0x4e;
	EXPECT_EQ(0, import(self->cd, CLONEDEV_KEY_EC_P256, d, 32));
	memset(d, 0, sizeof(d));
	d[31] = 2;
	EXPECT_EQ(0, import(self->cd, CLONEDEV_KEY_EC_P256, d, 32));
	EXPECT_EQ(2, count_objects(self->cd));
	/* Only the co imports. */
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CU, TEST_CU));
	EXPECT_NERR(EACCES, import_fixture(self->cd, "aes128.key",
					   CLONEDEV_KEY_AES, &h));
	ASSERT_EQ(0, clonedev_logout(self->cd));
	EXPECT_NERR(EACCES, import_fixture(self->cd, "ec256.pem", 0, &h));
	ASSERT_EQ(0, clonedev_login(self->cd, CLONEDEV_ROLE_CO, TEST_CO));
	EXPECT_EQ(2, count_objects(self->cd));
}

/* True if @needle occurs in @hay. */
static bool contains(const void *hay, size_t len, const void *needle,
		     size_t nlen)
{
	return len >= nlen && memmem(hay, len, needle, nlen);
}

/* Counts the files in the store directory that hold @needle. */
static int store_files_with(const void *needle, size_t nlen)
{
	DIR *dir = opendir(STORE_DIR);
	struct dirent *e;
	int hits = 0;

	if (!dir)
		return -1;
	while ((e = readdir(dir))) {
		char path[512];
		unsigned char *buf;
		ssize_t len;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", STORE_DIR, e->d_name);
		len = slurp(path, &buf);
		if (len < 0)
			continue;
		hits += contains(buf, len, needle, nlen);
		free(buf);
	}
	closedir(dir);
	return hits;
}

struct raw_scan {
	const unsigned char *needle;
	size_t nlen;
	int hits;
	int msgs;
};

static int scan_reply(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct raw_scan *scan = arg;

	scan->msgs++;
	scan->hits += contains(nlh, nlh->nlmsg_len, scan->needle, scan->nlen);
	return 0;
}

TEST_F(key, imported_bytes_never_appear)
{
	unsigned char *key, v[CLONEDEV_DATA_MAX], half[16];
	struct clonedev_object_import im = { .size = sizeof(im) };
	struct clonedev_object_attrs a;
	struct raw_scan scan;
	unsigned int *all = NULL, vlen;
	struct nl_msg *msg;
	int i, n;

	ASSERT_EQ(32, fixture("pattern.key", &key));
	/* The pattern is not in the store before the import... */
	ASSERT_EQ(0, store_files_with(key, 32));
	im.key_type = CLONEDEV_KEY_AES;
	im.value = (uintptr_t)key;
	im.value_len = 32;
	strcpy(im.label, "pattern");
	ASSERT_EQ(0, ioctl(clonedev_fd(self->cd), CLONEDEV_IOCTL_OBJECT_IMPORT,
			   &im));
	EXPECT_FALSE(contains(&im, sizeof(im), key + 8, 8));
	/* ...nor after it, not even half of it, nor reversed. */
	memcpy(half, key + 8, 16);
	EXPECT_EQ(0, store_files_with(key, 32));
	EXPECT_EQ(0, store_files_with(key, 16));
	EXPECT_EQ(0, store_files_with(half, 16));
	for (i = 0; i < 16; i++)
		half[i] = key[31 - i];
	EXPECT_EQ(0, store_files_with(half, 16));
	/* Not in any ioctl reply. */
	n = clonedev_object_list(self->cd, &all);
	ASSERT_EQ(1, n);
	EXPECT_FALSE(contains(all, n * sizeof(*all), key, 8));
	memset(v, 0, sizeof(v));
	ASSERT_EQ(0, clonedev_object_get(self->cd, all[0], &a, v, sizeof(v),
					 &vlen));
	EXPECT_EQ(0, vlen);
	EXPECT_FALSE(contains(&a, sizeof(a), key, 8));
	EXPECT_FALSE(contains(v, sizeof(v), key, 8));
	free(all);
	/* Not in any netlink reply: the slot dump and the HSM's info. */
	scan = (struct raw_scan){ .needle = key, .nlen = 8 };
	msg = clonedev_nl_msg(self->nl, CLONEDEV_CMD_SLOT_GET, NLM_F_DUMP);
	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, clonedev_nl_transact(self->nl, msg, scan_reply, &scan));
	msg = clonedev_nl_msg(self->nl, CLONEDEV_CMD_HSM_GET, 0);
	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, clonedev_nl_transact(self->nl, msg, scan_reply, &scan));
	EXPECT_EQ(2, scan.msgs);
	EXPECT_EQ(0, scan.hits);
	free(key);
}

TEST_HARNESS_MAIN
