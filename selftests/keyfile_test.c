// SPDX-License-Identifier: GPL-2.0
/*
 * clonedev selftests: PKCS#8 key files (clonedev_keyfile_parse()), pure
 * user space. Every good key that selftests/keys/mkkeys wrote gives the
 * expected type and value, PEM and DER alike; every bad file and every
 * malformed buffer its errno, with nothing returned. The keys are read
 * from $CLONEDEV_KEYS (default build/keys).
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clonedev_test_util.h"

#define PEM_BEGIN "-----BEGIN PRIVATE KEY-----\n"
#define PEM_END "-----END PRIVATE KEY-----\n"

/*
 * A fixture file, malloc()ed with a NUL after its @len bytes so text can
 * be handled as a string.
 */
static unsigned char *load(struct __test_metadata *_metadata,
			   const char *name, size_t *len)
{
	char path[PATH_MAX];
	unsigned char *buf;
	struct stat st;
	ssize_t n;
	int fd;

	n = snprintf(path, sizeof(path), "%s/%s", keys_dir(), name);
	ASSERT_GT(sizeof(path), n);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		TH_LOG("%s: %s; run selftests/keys/mkkeys %s first", path,
		       strerror(errno), keys_dir());
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fstat(fd, &st));
	buf = malloc(st.st_size + 1);
	ASSERT_NE(NULL, buf);
	n = read(fd, buf, st.st_size);
	close(fd);
	ASSERT_EQ(st.st_size, n);
	buf[n] = 0;
	*len = n;
	return buf;
}

/* Parsing must fail with @err and leave nothing behind. */
static void expect_refused(struct __test_metadata *_metadata, int err,
			   const void *buf, size_t len)
{
	struct clonedev_keyfile kf;

	memset(&kf, 0xa5, sizeof(kf));
	EXPECT_NERR(err, clonedev_keyfile_parse(buf, len, &kf));
	EXPECT_EQ(NULL, kf.value);
	EXPECT_EQ(0, kf.len);
}

/* Parsing must give what mkkeys wrote in @file.parsed. */
static void expect_parsed(struct __test_metadata *_metadata, const char *file,
			  unsigned int key_type, const void *buf, size_t len)
{
	struct clonedev_keyfile kf;
	unsigned char *want;
	char name[128];
	size_t want_len;

	ASSERT_GT(sizeof(name), snprintf(name, sizeof(name), "%s.parsed",
					 file));
	want = load(_metadata, name, &want_len);
	ASSERT_EQ(0, clonedev_keyfile_parse(buf, len, &kf));
	EXPECT_EQ(key_type, kf.key_type);
	ASSERT_NE(NULL, kf.value);
	ASSERT_EQ(want_len, kf.len);
	EXPECT_EQ(0, memcmp(want, kf.value, want_len));
	clonedev_keyfile_free(&kf);
	EXPECT_EQ(NULL, kf.value);
	EXPECT_EQ(0, kf.len);
	free(want);
}

/* @text with each "\n" turned into "\r\n". */
static char *crlf(struct __test_metadata *_metadata, const char *text)
{
	char *out, *p;

	out = malloc(2 * strlen(text) + 1);
	ASSERT_NE(NULL, out);
	for (p = out; *text; text++) {
		if (*text == '\n')
			*p++ = '\r';
		*p++ = *text;
	}
	*p = 0;
	return out;
}

/* The base64 lines of a PEM block, between its two marker lines. */
static void pem_body(struct __test_metadata *_metadata, const char *pem,
		     const char **body, int *len)
{
	const char *end;

	*body = strstr(pem, "-----\n");
	ASSERT_NE(NULL, *body);
	*body += strlen("-----\n");
	end = strstr(*body, "-----END ");
	ASSERT_NE(NULL, end);
	*len = end - *body;
}

/* @der as a "PRIVATE KEY" PEM block, with 64 characters a line. */
static char *pem_wrap(struct __test_metadata *_metadata,
		      const unsigned char *der, size_t len)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, n = 0;
	char *pem, *p;

	pem = malloc(sizeof(PEM_BEGIN) + len / 3 * 5 + 10 + sizeof(PEM_END));
	ASSERT_NE(NULL, pem);
	p = stpcpy(pem, PEM_BEGIN);
	for (i = 0; i < len; i += 3) {
		unsigned long acc = (unsigned long)der[i] << 16;

		if (i + 1 < len)
			acc |= der[i + 1] << 8;
		if (i + 2 < len)
			acc |= der[i + 2];
		*p++ = b64[acc >> 18 & 63];
		*p++ = b64[acc >> 12 & 63];
		*p++ = i + 1 < len ? b64[acc >> 6 & 63] : '=';
		*p++ = i + 2 < len ? b64[acc & 63] : '=';
		n += 4;
		if (n % 64 == 0 || i + 3 >= len)
			*p++ = '\n';
	}
	strcpy(p, PEM_END);
	return pem;
}

FIXTURE(good) {
};

FIXTURE_VARIANT(good) {
	const char *file;
	unsigned int key_type;
};

FIXTURE_VARIANT_ADD(good, ec256_pem) {
	.file = "ec256.pem", .key_type = CLONEDEV_KEY_EC_P256,
};

FIXTURE_VARIANT_ADD(good, ec256_der) {
	.file = "ec256.der", .key_type = CLONEDEV_KEY_EC_P256,
};

FIXTURE_VARIANT_ADD(good, ec384_pem) {
	.file = "ec384.pem", .key_type = CLONEDEV_KEY_EC_P384,
};

FIXTURE_VARIANT_ADD(good, ec384_der) {
	.file = "ec384.der", .key_type = CLONEDEV_KEY_EC_P384,
};

FIXTURE_VARIANT_ADD(good, rsa2048_pem) {
	.file = "rsa2048.pem", .key_type = CLONEDEV_KEY_RSA,
};

FIXTURE_VARIANT_ADD(good, rsa2048_der) {
	.file = "rsa2048.der", .key_type = CLONEDEV_KEY_RSA,
};

FIXTURE_VARIANT_ADD(good, rsa3072_pem) {
	.file = "rsa3072.pem", .key_type = CLONEDEV_KEY_RSA,
};

FIXTURE_VARIANT_ADD(good, rsa4096_pem) {
	.file = "rsa4096.pem", .key_type = CLONEDEV_KEY_RSA,
};

/* Too small for the kernel, but a well-formed file. */
FIXTURE_VARIANT_ADD(good, rsa1024_pem) {
	.file = "rsa1024.pem", .key_type = CLONEDEV_KEY_RSA,
};

FIXTURE_SETUP(good)
{
}

FIXTURE_TEARDOWN(good)
{
}

/* The file's line in expected.txt names the same type. */
TEST_F(good, listed)
{
	char *list, *line, *save, name[64], type[16];
	bool found = false;
	size_t len;

	list = (char *)load(_metadata, "expected.txt", &len);
	for (line = strtok_r(list, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		int fields = sscanf(line, "%63s %15s", name, type);

		ASSERT_EQ(2, fields);
		if (strcmp(name, variant->file))
			continue;
		EXPECT_STREQ(clonedev_key_type_name(variant->key_type), type);
		found = true;
	}
	EXPECT_TRUE(found);
	free(list);
}

TEST_F(good, parses)
{
	unsigned char *buf;
	size_t len;

	buf = load(_metadata, variant->file, &len);
	expect_parsed(_metadata, variant->file, variant->key_type, buf, len);
	free(buf);
}

/* A PEM key between other text, and with CRLF line ends. */
TEST(pem_in_text)
{
	char *pem, *text, *dos;
	size_t len;

	pem = (char *)load(_metadata, "ec256.pem", &len);
	ASSERT_LT(0, asprintf(&text, "A key for the tests:\n\n%s\nThe end.\n",
			      pem));
	expect_parsed(_metadata, "ec256.pem", CLONEDEV_KEY_EC_P256, text,
		      strlen(text));
	dos = crlf(_metadata, text);
	expect_parsed(_metadata, "ec256.pem", CLONEDEV_KEY_EC_P256, dos,
		      strlen(dos));
	free(dos);
	free(text);
	free(pem);
}

FIXTURE(bad) {
};

FIXTURE_VARIANT(bad) {
	const char *file;
	int err;
};

FIXTURE_VARIANT_ADD(bad, truncated_der) {
	.file = "truncated.der", .err = EBADMSG,
};

FIXTURE_VARIANT_ADD(bad, flipped_pem) {
	.file = "flipped.pem", .err = EBADMSG,
};

FIXTURE_VARIANT_ADD(bad, garbage_bin) {
	.file = "garbage.bin", .err = EBADMSG,
};

/* Raw keys are not key files. */
FIXTURE_VARIANT_ADD(bad, aes_key) {
	.file = "aes256.key", .err = EBADMSG,
};

/* PKCS#1 and a bare EC scalar, without the PKCS#8 wrapper. */
FIXTURE_VARIANT_ADD(bad, pkcs1_der) {
	.file = "rsa2048.der.parsed", .err = EBADMSG,
};

FIXTURE_VARIANT_ADD(bad, ec_scalar) {
	.file = "ec256.der.parsed", .err = EBADMSG,
};

FIXTURE_VARIANT_ADD(bad, encrypted_pem) {
	.file = "encrypted.pem", .err = EOPNOTSUPP,
};

FIXTURE_VARIANT_ADD(bad, encrypted_der) {
	.file = "encrypted.der", .err = EOPNOTSUPP,
};

FIXTURE_VARIANT_ADD(bad, traditional_pem) {
	.file = "traditional.pem", .err = EOPNOTSUPP,
};

FIXTURE_VARIANT_ADD(bad, p521_pem) {
	.file = "p521.pem", .err = EOPNOTSUPP,
};

FIXTURE_VARIANT_ADD(bad, ed25519_pem) {
	.file = "ed25519.pem", .err = EOPNOTSUPP,
};

FIXTURE_SETUP(bad)
{
}

FIXTURE_TEARDOWN(bad)
{
}

TEST_F(bad, refused)
{
	unsigned char *buf;
	size_t len;

	buf = load(_metadata, variant->file, &len);
	expect_refused(_metadata, variant->err, buf, len);
	free(buf);
}

TEST(empty)
{
	struct clonedev_keyfile kf;

	expect_refused(_metadata, EBADMSG, "", 0);
	expect_refused(_metadata, EBADMSG, NULL, 0);
	expect_refused(_metadata, EBADMSG, "\n", 1);
	expect_refused(_metadata, EBADMSG, "\x30\x00", 2);
	/* Freeing nothing is fine, twice. */
	memset(&kf, 0, sizeof(kf));
	clonedev_keyfile_free(&kf);
	clonedev_keyfile_free(&kf);
	clonedev_keyfile_free(NULL);
	EXPECT_EQ(NULL, kf.value);
}

TEST(pem_malformed)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static const char markers[] = PEM_BEGIN PEM_END;
	char *pem, *pem384, *text, *end, *pad;
	const char *body;
	int body_len;
	size_t len;

	pem = (char *)load(_metadata, "ec256.pem", &len);
	pem_body(_metadata, pem, &body, &body_len);

	/* No END line. */
	end = strstr(pem, "-----END ");
	ASSERT_NE(NULL, end);
	expect_refused(_metadata, EBADMSG, pem, end - pem);

	/* Only the markers. */
	expect_refused(_metadata, EBADMSG, markers, strlen(markers));

	/* A character that is not base64. */
	text = strdup(pem);
	ASSERT_NE(NULL, text);
	text[body - pem + 10] = '*';
	expect_refused(_metadata, EBADMSG, text, len);
	free(text);

	/* A quantum cut short (138 bytes need no padding). */
	ASSERT_LT(0, asprintf(&text, PEM_BEGIN "%.*sA\n" PEM_END, body_len - 1,
			      body));
	expect_refused(_metadata, EBADMSG, text, strlen(text));
	free(text);

	/* Two keys in one file: which one was meant? */
	ASSERT_LT(0, asprintf(&text, "%s%s", pem, pem));
	expect_refused(_metadata, EBADMSG, text, strlen(text));
	free(text);
	free(pem);

	/* 185 bytes end in one "=": data after it, unused bits not zero. */
	pem384 = (char *)load(_metadata, "ec384.pem", &len);
	pem_body(_metadata, pem384, &body, &body_len);
	pad = strchr(pem384, '=');
	ASSERT_NE(NULL, pad);
	ASSERT_NE('=', pad[-1]);
	ASSERT_LT(0, asprintf(&text, PEM_BEGIN "%.*sAAAA\n" PEM_END,
			      body_len - 1, body));
	expect_refused(_metadata, EBADMSG, text, strlen(text));
	free(text);
	ASSERT_NE(NULL, strchr(b64, pad[-1]));
	pad[-1] = b64[(strchr(b64, pad[-1]) - b64) | 1];
	expect_refused(_metadata, EBADMSG, pem384, len);
	free(pem384);
}

/* The same base64 under another PEM label is a format we do not read. */
TEST(pem_other_label)
{
	static const char *const labels[] = {
		"RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY",
		"CERTIFICATE",
	};
	const char *body;
	char *pem, *text;
	unsigned int i;
	int body_len;
	size_t len;

	pem = (char *)load(_metadata, "ec256.pem", &len);
	pem_body(_metadata, pem, &body, &body_len);
	for (i = 0; i < ARRAY_SIZE(labels); i++) {
		ASSERT_LT(0, asprintf(&text, "-----BEGIN %s-----\n%.*s-----END %s-----\n",
				      labels[i], body_len, body, labels[i]));
		expect_refused(_metadata, EOPNOTSUPP, text, strlen(text));
		free(text);
	}
	free(pem);
}

/* Every proper prefix of a DER key, and a byte after it. */
TEST(der_cut_and_trailing)
{
	static const char *const files[] = { "ec256.der", "rsa2048.der" };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		unsigned char *der, *longer;
		size_t len, n;

		der = load(_metadata, files[i], &len);
		for (n = 0; n < len; n++)
			expect_refused(_metadata, EBADMSG, der, n);
		longer = malloc(len + 1);
		ASSERT_NE(NULL, longer);
		memcpy(longer, der, len);
		longer[len] = 0;
		expect_refused(_metadata, EBADMSG, longer, len + 1);
		free(longer);
		free(der);
	}
}

/* The DER inside a PEM block is held to the same rules. */
TEST(pem_der_trailing)
{
	static const char *const files[] = { "ec256.der", "rsa2048.der" };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		unsigned char *der, *longer;
		size_t len;
		char *pem;

		der = load(_metadata, files[i], &len);
		pem = pem_wrap(_metadata, der, len);
		expect_parsed(_metadata, files[i],
			      i ? CLONEDEV_KEY_RSA : CLONEDEV_KEY_EC_P256,
			      pem, strlen(pem));
		free(pem);

		pem = pem_wrap(_metadata, der, len - 1);
		expect_refused(_metadata, EBADMSG, pem, strlen(pem));
		free(pem);

		longer = malloc(len + 1);
		ASSERT_NE(NULL, longer);
		memcpy(longer, der, len);
		longer[len] = 0;
		pem = pem_wrap(_metadata, longer, len + 1);
		expect_refused(_metadata, EBADMSG, pem, strlen(pem));
		free(pem);
		free(longer);
		free(der);
	}
}

/*
 * A P-256 PKCS#8 DER as mkkeys writes it:
 *   0 30 81 87  PrivateKeyInfo
 *   3 02 01 00  version 0
 *   6 30 13 06 07 <id-ecPublicKey> 06 08 <prime256v1>
 *  27 04 6d     privateKey
 *  29 30 6b     ECPrivateKey
 *  31 02 01 01  version 1
 *  34 04 20 <d>
 *  68 a1 44 03 42 00 04 <X> <Y>
 */
static unsigned char *ec256_der(struct __test_metadata *_metadata,
				size_t *len)
{
	static const unsigned char head[] = { 0x30, 0x81, 0x87, 0x02, 0x01,
					      0x00, 0x30, 0x13, 0x06, 0x07 };
	unsigned char *der = load(_metadata, "ec256.der", len);

	ASSERT_EQ(138, *len);
	ASSERT_EQ(0, memcmp(der, head, sizeof(head)));
	ASSERT_EQ(0x04, der[27]);
	ASSERT_EQ(0x30, der[29]);
	ASSERT_EQ(0x01, der[33]);
	ASSERT_EQ(0x20, der[35]);
	ASSERT_EQ(0xa1, der[68]);
	return der;
}

TEST(der_lengths)
{
	unsigned char *der, *wide;
	size_t len;

	der = ec256_der(_metadata, &len);

	/* Lengths that run past the end of what holds them. */
	der[2] = 0x88;
	expect_refused(_metadata, EBADMSG, der, len);
	der[2] = 0x87;
	der[28] = 0x6e;
	expect_refused(_metadata, EBADMSG, der, len);
	der[28] = 0x6d;
	der[35] = 0x70;
	expect_refused(_metadata, EBADMSG, der, len);
	der[35] = 0x20;

	/* Length of length too big, and the indefinite form. */
	der[1] = 0x84;
	expect_refused(_metadata, EBADMSG, der, len);
	der[1] = 0xff;
	expect_refused(_metadata, EBADMSG, der, len);
	der[1] = 0x80;
	expect_refused(_metadata, EBADMSG, der, len);
	der[1] = 0x81;

	/* A length not in its shortest form: 30 82 00 87. */
	wide = malloc(len + 1);
	ASSERT_NE(NULL, wide);
	memcpy(wide, "\x30\x82\x00", 3);
	memcpy(wide + 3, der + 2, len - 2);
	expect_refused(_metadata, EBADMSG, wide, len + 1);

	/* The long form for a short length: 30 81 88 ... 04 81 6d. */
	memcpy(wide, der, 28);
	wide[2] += 1;
	wide[28] = 0x81;
	memcpy(wide + 29, der + 28, len - 28);
	expect_refused(_metadata, EBADMSG, wide, len + 1);
	free(wide);

	/* Still well-formed after all the patching. */
	expect_parsed(_metadata, "ec256.der", CLONEDEV_KEY_EC_P256, der, len);
	free(der);
}

TEST(der_fields)
{
	unsigned char *der;
	size_t len;

	der = ec256_der(_metadata, &len);

	/* PrivateKeyInfo version 2, ECPrivateKey version 2. */
	der[5] = 2;
	expect_refused(_metadata, EBADMSG, der, len);
	der[5] = 0;
	der[33] = 2;
	expect_refused(_metadata, EBADMSG, der, len);
	der[33] = 1;

	/* privateKey as a BIT STRING. */
	der[27] = 0x03;
	expect_refused(_metadata, EBADMSG, der, len);
	der[27] = 0x04;

	/* Another curve: 1.2.840.10045.3.1.6 (prime239v3). */
	der[26] = 0x06;
	expect_refused(_metadata, EOPNOTSUPP, der, len);
	der[26] = 0x07;

	/* Another algorithm: 1.2.840.10045.2.2. */
	der[16] = 0x02;
	expect_refused(_metadata, EOPNOTSUPP, der, len);

	/* An OID whose last sub-identifier does not end. */
	der[16] = 0x81;
	expect_refused(_metadata, EBADMSG, der, len);
	der[16] = 0x01;

	/* A sub-identifier with a leading zero digit: 3d 80 01 07. */
	der[24] = 0x80;
	expect_refused(_metadata, EBADMSG, der, len);
	der[24] = 0x03;

	expect_parsed(_metadata, "ec256.der", CLONEDEV_KEY_EC_P256, der, len);
	free(der);
}

/*
 * ec256.der rebuilt around the private key @d (@dlen bytes), with
 * ECPrivateKey [0] parameters naming the curve whose OID ends in @last
 * (0: none), and the PrivateKeyInfo @version.
 */
static unsigned char *ec256_build(struct __test_metadata *_metadata,
				  const unsigned char *d, size_t dlen,
				  unsigned char last, unsigned char version,
				  size_t *out_len)
{
	size_t len, ec_len, params = last ? 12 : 0;
	unsigned char *der, *out, *p;

	der = ec256_der(_metadata, &len);
	ASSERT_GT(40, dlen);
	ec_len = 3 + 2 + dlen + params + len - 68;
	out = malloc(len + 48);
	ASSERT_NE(NULL, out);
	p = out;
	*p++ = 0x30;
	*p++ = 0x81;
	*p++ = 3 + 21 + 2 + 2 + ec_len;
	memcpy(p, der + 3, 24);
	p[2] = version;
	p += 24;
	*p++ = 0x04;
	*p++ = 2 + ec_len;
	*p++ = 0x30;
	*p++ = ec_len;
	memcpy(p, "\x02\x01\x01\x04", 4);
	p += 4;
	*p++ = dlen;
	memcpy(p, d, dlen);
	p += dlen;
	if (last) {
		*p++ = 0xa0;
		*p++ = 10;
		memcpy(p, der + 17, 10);
		p[9] = last;
		p += 10;
	}
	memcpy(p, der + 68, len - 68);
	p += len - 68;
	*out_len = p - out;
	ASSERT_EQ(3 + out[2], *out_len);
	free(der);
	return out;
}

/* Inner parameters, if any, must name the algorithm's curve. */
TEST(ec_inner_params)
{
	unsigned char *der, *buf;
	size_t len, dlen;

	der = ec256_der(_metadata, &len);
	buf = ec256_build(_metadata, der + 36, 32, 0x07, 0, &dlen);
	expect_parsed(_metadata, "ec256.der", CLONEDEV_KEY_EC_P256, buf, dlen);
	free(buf);

	buf = ec256_build(_metadata, der + 36, 32, 0x06, 0, &dlen);
	expect_refused(_metadata, EBADMSG, buf, dlen);
	free(buf);
	free(der);
}

/* d is padded to 32 bytes; longer or zero is refused. */
TEST(ec_scalar_length)
{
	unsigned char *der, *buf, d[40];
	struct clonedev_keyfile kf;
	size_t len, dlen;

	der = ec256_der(_metadata, &len);

	/* A leading zero byte too many is taken off. */
	d[0] = 0;
	memcpy(d + 1, der + 36, 32);
	buf = ec256_build(_metadata, d, 33, 0, 0, &dlen);
	expect_parsed(_metadata, "ec256.der", CLONEDEV_KEY_EC_P256, buf, dlen);
	free(buf);

	/* But not a 33-byte number. */
	d[0] = 1;
	buf = ec256_build(_metadata, d, 33, 0, 0, &dlen);
	expect_refused(_metadata, EBADMSG, buf, dlen);
	free(buf);

	/* A short one is padded. */
	buf = ec256_build(_metadata, der + 36 + 5, 27, 0, 0, &dlen);
	ASSERT_EQ(0, clonedev_keyfile_parse(buf, dlen, &kf));
	ASSERT_EQ(32, kf.len);
	EXPECT_EQ(0, memcmp(kf.value, "\0\0\0\0\0", 5));
	EXPECT_EQ(0, memcmp(kf.value + 5, der + 36 + 5, 27));
	clonedev_keyfile_free(&kf);
	free(buf);

	/* Zero, and nothing at all. */
	memset(d, 0, sizeof(d));
	buf = ec256_build(_metadata, d, 32, 0, 0, &dlen);
	expect_refused(_metadata, EBADMSG, buf, dlen);
	free(buf);
	buf = ec256_build(_metadata, d, 0, 0, 0, &dlen);
	expect_refused(_metadata, EBADMSG, buf, dlen);
	free(buf);
	free(der);
}

/*
 * ec256.der with PrivateKeyInfo version @version and @tail (@n bytes)
 * after the privateKey.
 */
static void expect_ec_tail(struct __test_metadata *_metadata, int err,
			   unsigned char version, const char *tail, size_t n)
{
	unsigned char *der, *out;
	size_t len;

	der = ec256_der(_metadata, &len);
	out = malloc(len + n);
	ASSERT_NE(NULL, out);
	memcpy(out, der, len);
	memcpy(out + len, tail, n);
	out[2] += n;
	out[5] = version;
	if (err)
		expect_refused(_metadata, err, out, len + n);
	else
		expect_parsed(_metadata, "ec256.der", CLONEDEV_KEY_EC_P256, out,
			      len + n);
	free(out);
	free(der);
}

/* [0] attributes in either version, [1] publicKey only in version 1. */
TEST(pkcs8_optional)
{
	expect_ec_tail(_metadata, 0, 0, "\xa0\x00", 2);
	expect_ec_tail(_metadata, 0, 1, "\xa0\x00", 2);
	expect_ec_tail(_metadata, 0, 1, "\x81\x02\x00\x00", 4);
	expect_ec_tail(_metadata, 0, 1, "\xa0\x00\x81\x02\x00\x00", 6);
	expect_ec_tail(_metadata, EBADMSG, 0, "\x81\x02\x00\x00", 4);
	expect_ec_tail(_metadata, EBADMSG, 1, "\x81\x02\x00\x00\xa0\x00", 6);
	expect_ec_tail(_metadata, EBADMSG, 1, "\x05\x00", 2);
}

/*
 * rsa2048.der: 30 82 LL LL, version at 4, AlgorithmIdentifier 30 0d at 7
 * with its OID at 9 and NULL at 20, 04 82 LL LL at 22, RSAPrivateKey
 * 30 82 LL LL at 26, its version at 30 and the modulus,
 * 02 82 01 01 00 <256 bytes>, at 33.
 */
static unsigned char *rsa2048_der(struct __test_metadata *_metadata,
				  size_t *len)
{
	unsigned char *der = load(_metadata, "rsa2048.der", len);

	ASSERT_LT(300, *len);
	ASSERT_EQ(0, memcmp(der, "\x30\x82", 2));
	ASSERT_EQ(*len - 4, der[2] << 8 | der[3]);
	ASSERT_EQ(0, memcmp(der + 4, "\x02\x01\x00\x30\x0d\x06\x09", 7));
	ASSERT_EQ(0, memcmp(der + 20, "\x05\x00\x04\x82", 4));
	ASSERT_EQ(0, memcmp(der + 26, "\x30\x82", 2));
	ASSERT_EQ(0, memcmp(der + 30, "\x02\x01\x00\x02\x82\x01\x01\x00", 8));
	return der;
}

/* rsa2048.der with @params (@plen bytes) in place of the NULL. */
static void expect_rsa_params(struct __test_metadata *_metadata, int err,
			      const char *params, size_t plen)
{
	unsigned char *der, *out;
	size_t len, out_len;

	der = rsa2048_der(_metadata, &len);
	out_len = len - 2 + plen;
	out = malloc(out_len);
	ASSERT_NE(NULL, out);
	out[0] = 0x30;
	out[1] = 0x82;
	out[2] = (out_len - 4) >> 8;
	out[3] = out_len - 4;
	memcpy(out + 4, der + 4, 5);
	out[8] = 11 + plen;
	memcpy(out + 9, der + 9, 11);
	memcpy(out + 20, params, plen);
	memcpy(out + 20 + plen, der + 22, len - 22);
	if (err)
		expect_refused(_metadata, err, out, out_len);
	else
		expect_parsed(_metadata, "rsa2048.der", CLONEDEV_KEY_RSA, out,
			      out_len);
	free(out);
	free(der);
}

TEST(rsa_fields)
{
	unsigned char *der;
	size_t len;

	der = rsa2048_der(_metadata, &len);

	/* Multi-prime version 1 is not taken. */
	der[32] = 1;
	expect_refused(_metadata, EBADMSG, der, len);
	der[32] = 0;

	/* A negative modulus: 02 82 01 01 80 ... */
	der[37] = 0x80;
	expect_refused(_metadata, EBADMSG, der, len);
	der[37] = 0x00;

	/* One INTEGER turned into something else. */
	der[33] = 0x04;
	expect_refused(_metadata, EBADMSG, der, len);
	der[33] = 0x02;

	expect_parsed(_metadata, "rsa2048.der", CLONEDEV_KEY_RSA, der, len);
	free(der);
}

/* Adds @n to the two-byte length at @p. */
static void grow16(unsigned char *p, unsigned int n)
{
	n += p[0] << 8 | p[1];
	p[0] = n >> 8;
	p[1] = n;
}

/* A tenth INTEGER after the nine of a two-prime key. */
TEST(rsa_extra_integer)
{
	unsigned char *der, *out;
	size_t len;

	der = rsa2048_der(_metadata, &len);
	out = malloc(len + 3);
	ASSERT_NE(NULL, out);
	memcpy(out, der, len);
	memcpy(out + len, "\x02\x01\x01", 3);
	/* PrivateKeyInfo, privateKey and RSAPrivateKey all grow. */
	grow16(out + 2, 3);
	grow16(out + 24, 3);
	grow16(out + 28, 3);
	expect_refused(_metadata, EBADMSG, out, len + 3);
	free(out);
	free(der);
}

/* The parameters are NULL or absent, nothing else. */
TEST(rsa_params)
{
	expect_rsa_params(_metadata, 0, "\x05\x00", 2);
	expect_rsa_params(_metadata, 0, "", 0);
	expect_rsa_params(_metadata, EBADMSG, "\x05\x01\x00", 3);
	expect_rsa_params(_metadata, EBADMSG, "\x05\x00\x05\x00", 4);
	expect_rsa_params(_metadata, EBADMSG, "\x04\x00", 2);
}

TEST_HARNESS_MAIN
