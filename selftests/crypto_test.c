// SPDX-License-Identifier: GPL-2.0
/*
 * clonedev selftests: using keys (CLONEDEV_IOCTL_CRYPT, _DERIVE, _WRAP,
 * _UNWRAP, _RANDOM). Known answers from published vectors
 * (crypto_vectors.h), multi-part operations against one-shot ones (and
 * AES-GCM in parts past 16 MiB, against AES-CTR), every
 * rejection of the uAPI's errno contract with nothing changed, ECDH
 * between two partitions, wrap and unwrap round trips, and many sessions
 * on one key and on many keys at once. selftests/crypto_xcheck.sh checks
 * the same calls against an independent implementation.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "clonedev_test_util.h"
#include "crypto_vectors.h"

#define BUF		8192
#define CANARY		0xa5

/* Generous: ECDSA and RSA in the kernel on TCG with KASAN are slow. */
#define CRYPTO_TEST_TIMEOUT 300

/*
 * SHA-256 and SHA-384 of "sample", the RFC 6979 message, in the order of
 * ecdsa_vectors[].
 */
static const char *const sample_digest[] = {
	"af2bdbe1aa9b6ec1e2ade1d694f41fc71a831d0268e9891562113d8a62add1bf",
	"9a9083505bc92276aec4be312696ef7bf3bf603f4bbd381196a029f340585312313bca4a9b5b890efee42c77b1ee25fe",
};

/* SHA-256 of rsa_pkcs1.msg and of rsa_pss.msg (Python's hashlib). */
static const char rsa_pkcs1_digest[] =
	"bdf5e64c28c96947d21c8c7e850da8070c903b5eaed095f6b8ff487d6d9ce5e9";
static const char rsa_pss_digest[] =
	"b416e0843040b35277be7734bc23ac9e9eb47a7f57f55e94d826285c9c00100a";

/* DER of a SHA-256 DigestInfo up to the digest (RFC 8017 9.2, note 1). */
static const unsigned char di_sha256[] = {
	0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
	0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
};

static void crypt_setup(struct clonedev_crypt *c, unsigned int op,
			unsigned int mech, unsigned int handle,
			unsigned int hash)
{
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	c->op = op;
	c->mech = mech;
	c->handle = handle;
	c->hash = hash;
}

static void crypt_iv(struct clonedev_crypt *c, const unsigned char *iv,
		     unsigned int len)
{
	memcpy(c->iv, iv, len);
	c->iv_len = len;
}

static void crypt_io(struct clonedev_crypt *c, const void *in,
		     unsigned int in_len, void *out, unsigned int out_cap)
{
	c->in = (uintptr_t)in;
	c->in_len = in_len;
	c->out = (uintptr_t)out;
	c->out_cap = out_cap;
}

static void crypt_sig(struct clonedev_crypt *c, const void *sig,
		      unsigned int len)
{
	c->sig = (uintptr_t)sig;
	c->sig_len = len;
}

static int do_crypt(struct clonedev *cd, struct clonedev_crypt *c)
{
	return xioctl(cd, CLONEDEV_IOCTL_CRYPT, c);
}

/* The chunk sizes multi-part calls cycle through: odd, around blocks. */
static const unsigned int chunks[] = { 1, 15, 16, 17, 3, 64, 0, 31, 100 };

/*
 * @tmpl's operation in parts: INIT with its parameters, UPDATEs of the
 * sizes in chunks[] (each with only the part, the data and the room
 * left), FINAL with nothing more and @tmpl's signature. The output is
 * gathered at @out; *out_len its length.
 */
static int crypt_parts(struct clonedev *cd, const struct clonedev_crypt *tmpl,
		       const unsigned char *in, unsigned int in_len,
		       unsigned char *out, unsigned int out_cap,
		       unsigned int *out_len)
{
	struct clonedev_crypt c = *tmpl;
	unsigned int done = 0, got = 0, i = 0, n;
	int ret;

	c.part = CLONEDEV_PART_INIT;
	crypt_io(&c, NULL, 0, NULL, 0);
	crypt_sig(&c, NULL, 0);
	ret = do_crypt(cd, &c);
	if (ret)
		return ret;
	while (done < in_len) {
		n = chunks[i++ % ARRAY_SIZE(chunks)];
		if (n > in_len - done)
			n = in_len - done;
		memset(&c, 0, sizeof(c));
		c.size = sizeof(c);
		c.part = CLONEDEV_PART_UPDATE;
		crypt_io(&c, in + done, n, out + got, out_cap - got);
		ret = do_crypt(cd, &c);
		if (ret)
			return ret;
		done += n;
		got += c.out_len;
	}
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.part = CLONEDEV_PART_FINAL;
	crypt_io(&c, NULL, 0, out + got, out_cap - got);
	crypt_sig(&c, (const void *)(uintptr_t)tmpl->sig, tmpl->sig_len);
	ret = do_crypt(cd, &c);
	if (!ret)
		*out_len = got + c.out_len;
	return ret;
}

static unsigned int import_hex(struct __test_metadata *_metadata,
			       struct clonedev *cd, unsigned int type,
			       unsigned int flags, const char *hex)
{
	unsigned char key[2560];
	unsigned int len = unhex(hex, key, sizeof(key)), h = 0;

	ASSERT_EQ(0, clonedev_object_import(cd, type, flags, "kat", NULL, 0,
					    key, len, &h));
	return h;
}

static unsigned int generate(struct __test_metadata *_metadata,
			     struct clonedev *cd, unsigned int type,
			     unsigned int bits, unsigned int flags)
{
	unsigned int h = 0;

	ASSERT_EQ(0, clonedev_object_generate(cd, type, bits, flags, "key",
					      NULL, 0, &h));
	return h;
}

/* An EC key pair; *pub gets the public half's handle if @pub is set. */
static unsigned int generate_pair(struct __test_metadata *_metadata,
				  struct clonedev *cd, unsigned int type,
				  unsigned int flags, unsigned int *pub)
{
	unsigned int h = 0, p = 0;

	ASSERT_EQ(0, clonedev_object_generate_pair(cd, type, flags, "pair",
						   NULL, 0, &h, &p));
	if (pub)
		*pub = p;
	return h;
}

static void get_attrs(struct __test_metadata *_metadata, struct clonedev *cd,
		      unsigned int h, struct clonedev_object_attrs *a)
{
	unsigned int vlen = 0;

	ASSERT_EQ(0, clonedev_object_get(cd, h, a, NULL, 0, &vlen));
}

/* The value of a public key object (04 || X || Y); returns its length. */
static unsigned int public_point(struct __test_metadata *_metadata,
				 struct clonedev *cd, unsigned int pub,
				 unsigned char *point)
{
	struct clonedev_object_attrs a;
	unsigned int vlen = 0;

	ASSERT_EQ(0, clonedev_object_get(cd, pub, &a, point,
					 CLONEDEV_EC_POINT_MAX, &vlen));
	return vlen;
}

static int same_kcv(struct __test_metadata *_metadata, struct clonedev *cd,
		    unsigned int a, unsigned int b)
{
	struct clonedev_object_attrs x, y;

	get_attrs(_metadata, cd, a, &x);
	get_attrs(_metadata, cd, b, &y);
	return !memcmp(x.kcv, y.kcv, CLONEDEV_KCV_LEN);
}

/* A deterministic test message of @len bytes. */
static void fill(unsigned char *p, unsigned int len, unsigned int seed)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(i * 31 + seed * 7 + (i >> 8));
}

static bool all_canary(const unsigned char *p, unsigned int len)
{
	while (len--)
		if (*p++ != CANARY)
			return false;
	return true;
}

static int session(struct clonedev **cd, unsigned int slot,
		   unsigned int role, const char *pw)
{
	int ret = clonedev_open(cd);

	if (ret)
		return ret;
	ret = clonedev_slot_set(*cd, slot);
	if (!ret && role)
		ret = clonedev_login(*cd, role, pw);
	return ret;
}

/* Policies set as the po (destructive ones forced), then co again. */
static int set_policies(struct clonedev *cd,
			const struct clonedev_policy_change *ch,
			unsigned int n)
{
	return clonedev_login(cd, CLONEDEV_ROLE_PO, TEST_PO) ?:
	       clonedev_policy_set(cd, ch, n, 1) ?:
	       clonedev_login(cd, CLONEDEV_ROLE_CO, TEST_CO);
}

static int wrap(struct clonedev *cd, unsigned int wrapping, unsigned int h,
		unsigned char *out, unsigned int cap, unsigned int *len)
{
	struct clonedev_wrap w = {
		.size = sizeof(w), .mech = CLONEDEV_MECH_AES_KWP,
		.wrapping_handle = wrapping, .handle = h, .out_cap = cap,
		.out = (uintptr_t)out,
	};
	int ret = xioctl(cd, CLONEDEV_IOCTL_WRAP, &w);

	*len = w.out_len;
	return ret;
}

static void unwrap_setup(struct clonedev_unwrap *u, unsigned int unwrapping,
			 unsigned int type, unsigned int flags,
			 const unsigned char *in, unsigned int len)
{
	memset(u, 0, sizeof(*u));
	u->size = sizeof(*u);
	u->mech = CLONEDEV_MECH_AES_KWP;
	u->unwrapping_handle = unwrapping;
	u->key_type = type;
	u->obj_flags = flags;
	u->in = (uintptr_t)in;
	u->in_len = len;
	strcpy(u->label, "unwrapped");
}

static int unwrap(struct clonedev *cd, unsigned int unwrapping,
		  unsigned int type, unsigned int flags,
		  const unsigned char *in, unsigned int len, unsigned int *h)
{
	struct clonedev_unwrap u;
	int ret;

	unwrap_setup(&u, unwrapping, type, flags, in, len);
	ret = xioctl(cd, CLONEDEV_IOCTL_UNWRAP, &u);
	*h = u.new_handle;
	return ret;
}

static void derive_setup(struct clonedev_derive *d, unsigned int h,
			 const unsigned char *peer, unsigned int peer_len,
			 unsigned int type, unsigned int bits,
			 unsigned int flags)
{
	memset(d, 0, sizeof(*d));
	d->size = sizeof(*d);
	d->mech = CLONEDEV_MECH_ECDH;
	d->handle = h;
	d->peer_len = peer_len;
	memcpy(d->peer, peer, peer_len);
	d->key_type = type;
	d->bits = bits;
	d->obj_flags = flags;
	strcpy(d->label, "derived");
}

static int derive(struct clonedev *cd, unsigned int h,
		  const unsigned char *peer, unsigned int peer_len,
		  unsigned int type, unsigned int bits, unsigned int flags,
		  unsigned int *new_handle)
{
	struct clonedev_derive d;
	int ret;

	derive_setup(&d, h, peer, peer_len, type, bits, flags);
	ret = xioctl(cd, CLONEDEV_IOCTL_DERIVE, &d);
	*new_handle = d.new_handle;
	return ret;
}

static int random_bytes(struct clonedev *cd, void *out, unsigned int len)
{
	struct clonedev_random r = {
		.size = sizeof(r), .len = len, .out = (uintptr_t)out,
	};

	return xioctl(cd, CLONEDEV_IOCTL_RANDOM, &r);
}

/* AES-GCM of @pt under @h with a 12-byte IV made from @seed; 0 or -errno. */
static int gcm(struct clonedev *cd, unsigned int op, unsigned int h,
	       unsigned int seed, const unsigned char *in, unsigned int len,
	       unsigned char *out, unsigned int cap, unsigned int *out_len)
{
	struct clonedev_crypt c;
	unsigned char iv[12] = { 0 };
	int ret;

	memcpy(iv, &seed, sizeof(seed));
	crypt_setup(&c, op, CLONEDEV_MECH_AES_GCM, h, 0);
	crypt_iv(&c, iv, sizeof(iv));
	crypt_io(&c, in, len, out, cap);
	ret = do_crypt(cd, &c);
	*out_len = c.out_len;
	return ret;
}

static int sign(struct clonedev *cd, unsigned int mech, unsigned int h,
		unsigned int hash, const void *msg, unsigned int len,
		unsigned char *sig, unsigned int cap, unsigned int *sig_len)
{
	struct clonedev_crypt c;
	int ret;

	crypt_setup(&c, CLONEDEV_CRYPT_SIGN, mech, h, hash);
	crypt_io(&c, msg, len, sig, cap);
	ret = do_crypt(cd, &c);
	*sig_len = c.out_len;
	return ret;
}

static int verify(struct clonedev *cd, unsigned int mech, unsigned int h,
		  unsigned int hash, const void *msg, unsigned int len,
		  const unsigned char *sig, unsigned int sig_len)
{
	struct clonedev_crypt c;

	crypt_setup(&c, CLONEDEV_CRYPT_VERIFY, mech, h, hash);
	crypt_io(&c, msg, len, NULL, 0);
	crypt_sig(&c, sig, sig_len);
	return do_crypt(cd, &c);
}

FIXTURE(crypto)
{
	struct clonedev_nl *nl;
	struct clonedev *cd;
	unsigned int slot;
	unsigned char in[BUF], out[BUF], out2[BUF];
};

static void open_crypto(struct __test_metadata *_metadata,
			struct _test_data_crypto *self)
{
	ASSERT_EQ(0, clonedev_nl_open(&self->nl));
	delete_all_partitions(_metadata, self->nl);
	setup_partition(_metadata, self->nl, "crypto", &self->cd, &self->slot);
}

/*
 * Runs once even if an ASSERT in it fails (that would run it again), and
 * says which partition would not go.
 */
static void close_crypto(struct __test_metadata *_metadata,
			 struct _test_data_crypto *self)
{
	struct clonedev_slot *slots = NULL;
	int i, n, ret;

	if (self->cd)
		clonedev_close(self->cd);
	self->cd = NULL;
	if (!self->nl)
		return;
	n = clonedev_nl_slot_list(self->nl, &slots);
	EXPECT_LE(0, n);
	for (i = 0; i < n; i++) {
		ret = clonedev_nl_partition_delete(self->nl, slots[i].slot);
		EXPECT_EQ(0, ret) TH_LOG("deleting slot %u: %d",
					 slots[i].slot, ret);
	}
	free(slots);
	clonedev_nl_close(self->nl);
	self->nl = NULL;
}

FIXTURE_SETUP(crypto)
{
	open_crypto(_metadata, self);
}

FIXTURE_TEARDOWN(crypto)
{
	close_crypto(_metadata, self);
}

/*
 * A test that repeats per mechanism runs on a fixture of its own with a
 * variant per mechanism, set up as the crypto fixture is.
 */

/* ---- known answers ---- */

/* A GCM vector's bytes; @ct holds the ciphertext and then the tag. */
struct gcm_bytes {
	unsigned char iv[16], pt[128], aad[128], ct[144];
	unsigned int ivlen, ptlen, aadlen, ctlen, taglen;
};

/* Decodes @v into @b and imports its key; returns the key's handle. */
static unsigned int gcm_load(struct __test_metadata *_metadata,
			     struct clonedev *cd, const struct gcm_vector *v,
			     struct gcm_bytes *b)
{
	unsigned char tag[16];

	b->ivlen = unhex(v->iv, b->iv, sizeof(b->iv));
	b->ptlen = unhex(v->pt, b->pt, sizeof(b->pt));
	b->aadlen = unhex(v->aad, b->aad, sizeof(b->aad));
	b->ctlen = unhex(v->ct, b->ct, sizeof(b->ct));
	b->taglen = unhex(v->tag, tag, sizeof(tag));
	memcpy(b->ct + b->ctlen, tag, b->taglen);
	return import_hex(_metadata, cd, CLONEDEV_KEY_AES, 0, v->key);
}

TEST_F(crypto, gcm_encrypt_known_answers)
{
	unsigned char key[32];
	struct gcm_bytes b;
	unsigned int i, klen, h;
	struct clonedev_crypt c;

	for (i = 0; i < ARRAY_SIZE(gcm_vectors); i++) {
		const struct gcm_vector *v = &gcm_vectors[i];

		if (v->fail)
			continue;
		klen = unhex(v->key, key, sizeof(key));
		h = gcm_load(_metadata, self->cd, v, &b);
		EXPECT_EQ(0, klen % 8);

		crypt_setup(&c, CLONEDEV_CRYPT_ENCRYPT, CLONEDEV_MECH_AES_GCM, h, 0);
		crypt_iv(&c, b.iv, b.ivlen);
		c.tag_len = b.taglen;
		c.aad = (uintptr_t)b.aad;
		c.aad_len = b.aadlen;
		crypt_io(&c, b.pt, b.ptlen, self->out, sizeof(self->out));
		ASSERT_EQ(0, do_crypt(self->cd, &c)) TH_LOG("vector %u", i);
		ASSERT_EQ(b.ctlen + b.taglen, c.out_len) TH_LOG("vector %u", i);
		EXPECT_EQ(0, memcmp(self->out, b.ct, b.ctlen + b.taglen))
			TH_LOG("vector %u: ciphertext or tag differs", i);

		/* And back. */
		c.op = CLONEDEV_CRYPT_DECRYPT;
		crypt_io(&c, b.ct, b.ctlen + b.taglen, self->out,
			 sizeof(self->out));
		ASSERT_EQ(0, do_crypt(self->cd, &c)) TH_LOG("vector %u", i);
		ASSERT_EQ(b.ptlen, c.out_len);
		EXPECT_EQ(0, memcmp(self->out, b.pt, b.ptlen));
	}
}

TEST_F(crypto, gcm_decrypt_known_answers)
{
	struct gcm_bytes b;
	unsigned int i, h;
	struct clonedev_crypt c;
	int ret;

	for (i = 0; i < ARRAY_SIZE(gcm_vectors); i++) {
		const struct gcm_vector *v = &gcm_vectors[i];

		h = gcm_load(_metadata, self->cd, v, &b);

		crypt_setup(&c, CLONEDEV_CRYPT_DECRYPT, CLONEDEV_MECH_AES_GCM, h, 0);
		crypt_iv(&c, b.iv, b.ivlen);
		c.tag_len = b.taglen;
		c.aad = (uintptr_t)b.aad;
		c.aad_len = b.aadlen;
		memset(self->out, CANARY, sizeof(self->out));
		crypt_io(&c, b.ct, b.ctlen + b.taglen, self->out,
			 sizeof(self->out));
		ret = do_crypt(self->cd, &c);
		if (v->fail) {
			EXPECT_NERR(EBADMSG, ret) TH_LOG("vector %u", i);
			EXPECT_TRUE(all_canary(self->out, sizeof(self->out)))
				TH_LOG("vector %u: plaintext of a bad tag", i);
			continue;
		}
		ASSERT_EQ(0, ret) TH_LOG("vector %u", i);
		ASSERT_EQ(b.ptlen, c.out_len);
		EXPECT_EQ(0, memcmp(self->out, b.pt, b.ptlen))
			TH_LOG("vector %u", i);
	}
}

TEST_F(crypto, cbc_known_answers)
{
	unsigned char pt[64], iv[16], ct[64];
	unsigned int i, h, ptlen, ctlen;
	struct clonedev_crypt c;

	for (i = 0; i < ARRAY_SIZE(cbc_vectors); i++) {
		const struct block_vector *v = &cbc_vectors[i];

		ptlen = unhex(v->pt, pt, sizeof(pt));
		unhex(v->iv, iv, sizeof(iv));
		ctlen = unhex(v->ct, ct, sizeof(ct));
		h = import_hex(_metadata, self->cd, CLONEDEV_KEY_AES, 0, v->key);
		crypt_setup(&c, CLONEDEV_CRYPT_ENCRYPT, CLONEDEV_MECH_AES_CBC_PAD,
			    h, 0);
		crypt_iv(&c, iv, 16);
		crypt_io(&c, pt, ptlen, self->out, sizeof(self->out));
		ASSERT_EQ(0, do_crypt(self->cd, &c));
		/* The published blocks, then a whole block of padding. */
		ASSERT_EQ(ctlen + 16, c.out_len);
		EXPECT_EQ(0, memcmp(self->out, ct, ctlen)) TH_LOG("vector %u", i);

		c.op = CLONEDEV_CRYPT_DECRYPT;
		memcpy(self->out2, self->out, ctlen + 16);
		crypt_io(&c, self->out2, ctlen + 16, self->out, sizeof(self->out));
		ASSERT_EQ(0, do_crypt(self->cd, &c));
		ASSERT_EQ(ptlen, c.out_len);
		EXPECT_EQ(0, memcmp(self->out, pt, ptlen));

		/* An empty message is one block of padding. */
		c.op = CLONEDEV_CRYPT_ENCRYPT;
		crypt_io(&c, pt, 0, self->out, sizeof(self->out));
		ASSERT_EQ(0, do_crypt(self->cd, &c));
		EXPECT_EQ(16, c.out_len);
	}
}

TEST_F(crypto, ctr_known_answers)
{
	unsigned char pt[64], iv[16], ct[64];
	unsigned int i, h, ptlen, ctlen;
	struct clonedev_crypt c;

	for (i = 0; i < ARRAY_SIZE(ctr_vectors); i++) {
		const struct block_vector *v = &ctr_vectors[i];

		ptlen = unhex(v->pt, pt, sizeof(pt));
		unhex(v->iv, iv, sizeof(iv));
		ctlen = unhex(v->ct, ct, sizeof(ct));
		h = import_hex(_metadata, self->cd, CLONEDEV_KEY_AES, 0, v->key);
		crypt_setup(&c, CLONEDEV_CRYPT_ENCRYPT, CLONEDEV_MECH_AES_CTR, h, 0);
		crypt_iv(&c, iv, 16);
		crypt_io(&c, pt, ptlen, self->out, sizeof(self->out));
		ASSERT_EQ(0, do_crypt(self->cd, &c));
		ASSERT_EQ(ctlen, c.out_len);
		EXPECT_EQ(0, memcmp(self->out, ct, ctlen)) TH_LOG("vector %u", i);

		/* A part of a block is the key stream's first bytes. */
		crypt_io(&c, pt, 21, self->out, sizeof(self->out));
		ASSERT_EQ(0, do_crypt(self->cd, &c));
		ASSERT_EQ(21, c.out_len);
		EXPECT_EQ(0, memcmp(self->out, ct, 21));

		c.op = CLONEDEV_CRYPT_DECRYPT;
		crypt_io(&c, ct, ctlen, self->out, sizeof(self->out));
		ASSERT_EQ(0, do_crypt(self->cd, &c));
		ASSERT_EQ(ptlen, c.out_len);
		EXPECT_EQ(0, memcmp(self->out, pt, ptlen));
	}
}

static void check_mac_vectors(struct __test_metadata *_metadata,
			      struct clonedev *cd, unsigned int mech,
			      unsigned int type,
			      const struct mac_vector *vec, unsigned int n)
{
	unsigned char msg[256], mac[64], out[64];
	unsigned int i, h, mlen, maclen, len;

	for (i = 0; i < n; i++) {
		const struct mac_vector *v = &vec[i];

		mlen = unhex(v->msg, msg, sizeof(msg));
		maclen = unhex(v->mac, mac, sizeof(mac));
		h = import_hex(_metadata, cd, type, 0, v->key);
		ASSERT_EQ(0, sign(cd, mech, h, v->hash, msg, mlen, out,
				  sizeof(out), &len)) TH_LOG("vector %u", i);
		ASSERT_EQ(maclen, len) TH_LOG("vector %u", i);
		EXPECT_EQ(0, memcmp(out, mac, maclen)) TH_LOG("vector %u", i);
		EXPECT_EQ(0, verify(cd, mech, h, v->hash, msg, mlen, mac,
				    maclen)) TH_LOG("vector %u", i);
		mac[maclen - 1] ^= 1;
		EXPECT_NERR(EBADMSG, verify(cd, mech, h, v->hash, msg, mlen,
					    mac, maclen)) TH_LOG("vector %u", i);
	}
}

FIXTURE(mac) {
	struct _test_data_crypto c;
};

FIXTURE_SETUP(mac)
{
	open_crypto(_metadata, &self->c);
}

FIXTURE_TEARDOWN(mac)
{
	close_crypto(_metadata, &self->c);
}

FIXTURE_VARIANT(mac)
{
	unsigned int mech;
	unsigned int key_type;
	const struct mac_vector *vectors;
	unsigned int count;
};

FIXTURE_VARIANT_ADD(mac, cmac)
{
	.mech = CLONEDEV_MECH_AES_CMAC,
	.key_type = CLONEDEV_KEY_AES,
	.vectors = cmac_vectors,
	.count = ARRAY_SIZE(cmac_vectors),
};

FIXTURE_VARIANT_ADD(mac, hmac)
{
	.mech = CLONEDEV_MECH_HMAC,
	.key_type = CLONEDEV_KEY_GENERIC_SECRET,
	.vectors = hmac_vectors,
	.count = ARRAY_SIZE(hmac_vectors),
};

TEST_F(mac, known_answers)
{
	check_mac_vectors(_metadata, self->c.cd, variant->mech,
			  variant->key_type, variant->vectors, variant->count);
}

TEST_F(crypto, hmac_with_aes_key)
{
	unsigned char key[32], mac[32];
	unsigned int h, g, len;

	/* An AES key's bytes and a generic secret of the same give one MAC. */
	fill(key, sizeof(key), 9);
	ASSERT_EQ(0, clonedev_object_import(self->cd, CLONEDEV_KEY_AES, 0, "a",
					    NULL, 0, key, 32, &h));
	ASSERT_EQ(0, clonedev_object_import(self->cd,
					    CLONEDEV_KEY_GENERIC_SECRET, 0,
					    "g", NULL, 0, key, 32, &g));
	EXPECT_NERR(EMSGSIZE, sign(self->cd, CLONEDEV_MECH_HMAC, h,
				   CLONEDEV_HASH_SHA384, "abc", 3, mac,
				   sizeof(mac), &len));
	EXPECT_EQ(48, len);
	ASSERT_EQ(0, sign(self->cd, CLONEDEV_MECH_HMAC, h,
			  CLONEDEV_HASH_SHA256, "abc", 3, mac, sizeof(mac),
			  &len));
	EXPECT_EQ(0, verify(self->cd, CLONEDEV_MECH_HMAC, g,
			    CLONEDEV_HASH_SHA256, "abc", 3, mac, len));
}

TEST_F(crypto, kwp_known_answers)
{
	struct clonedev_object_attrs a;
	unsigned char wrapped[64], kcv[CLONEDEV_KCV_LEN];
	unsigned int i, kek, h, u, wlen, len;

	for (i = 0; i < ARRAY_SIZE(kwp_vectors); i++) {
		const struct kwp_vector *v = &kwp_vectors[i];

		kek = import_hex(_metadata, self->cd, CLONEDEV_KEY_AES, 0, v->kek);
		h = import_hex(_metadata, self->cd, CLONEDEV_KEY_GENERIC_SECRET,
			       CLONEDEV_OBJ_EXTRACTABLE, v->key);
		wlen = unhex(v->wrapped, wrapped, sizeof(wrapped));
		ASSERT_EQ(0, wrap(self->cd, kek, h, self->out,
				  sizeof(self->out), &len)) TH_LOG("vector %u", i);
		ASSERT_EQ(wlen, len);
		EXPECT_EQ(0, memcmp(self->out, wrapped, wlen)) TH_LOG("vector %u", i);

		ASSERT_EQ(0, unwrap(self->cd, kek, CLONEDEV_KEY_GENERIC_SECRET, 0,
				    wrapped, wlen, &u)) TH_LOG("vector %u", i);
		get_attrs(_metadata, self->cd, u, &a);
		unhex(v->kcv, kcv, sizeof(kcv));
		EXPECT_EQ(0, memcmp(a.kcv, kcv, sizeof(kcv))) TH_LOG("vector %u", i);
		EXPECT_EQ(strlen(v->key) * 4, a.bits);
		EXPECT_EQ(CLONEDEV_CLASS_SECRET_KEY, a.obj_class);
	}
}

TEST_F_TIMEOUT(crypto, ecdsa_verify_known_answers, CRYPTO_TEST_TIMEOUT)
{
	unsigned char sig[96], digest[48];
	unsigned int i, h, slen, dlen;

	for (i = 0; i < ARRAY_SIZE(ecdsa_vectors); i++) {
		const struct ecdsa_vector *v = &ecdsa_vectors[i];

		h = import_hex(_metadata, self->cd, v->key_type, 0, v->d);
		slen = unhex(v->sig, sig, sizeof(sig));
		EXPECT_EQ(0, verify(self->cd, CLONEDEV_MECH_ECDSA, h, v->hash,
				    "sample", 6, sig, slen)) TH_LOG("vector %u", i);
		/* The same over the digest made here. */
		dlen = unhex(sample_digest[i], digest,
			     sizeof(digest));
		EXPECT_EQ(0, verify(self->cd, CLONEDEV_MECH_ECDSA, h,
				    CLONEDEV_HASH_NONE, digest, dlen, sig, slen));
		EXPECT_NERR(EBADMSG, verify(self->cd, CLONEDEV_MECH_ECDSA, h,
					    v->hash, "samplf", 6, sig, slen));
		sig[slen / 2] ^= 0x80;	/* s */
		EXPECT_NERR(EBADMSG, verify(self->cd, CLONEDEV_MECH_ECDSA, h,
					    v->hash, "sample", 6, sig, slen));
	}
}

TEST_F_TIMEOUT(crypto, ecdsa_sign_then_verify, CRYPTO_TEST_TIMEOUT)
{
	unsigned char sig[96], sig2[96], digest[48], vec[96];
	unsigned int i, h, pub, len, len2, dlen;

	for (i = 0; i < ARRAY_SIZE(ecdsa_vectors); i++) {
		const struct ecdsa_vector *v = &ecdsa_vectors[i];
		unsigned int size = v->key_type == CLONEDEV_KEY_EC_P256 ? 32 : 48;

		h = import_hex(_metadata, self->cd, v->key_type, 0, v->d);
		ASSERT_EQ(0, sign(self->cd, CLONEDEV_MECH_ECDSA, h, v->hash,
				  "sample", 6, sig, sizeof(sig), &len));
		ASSERT_EQ(2 * size, len);
		EXPECT_EQ(0, verify(self->cd, CLONEDEV_MECH_ECDSA, h, v->hash,
				    "sample", 6, sig, len));
		unhex(v->sig, vec, sizeof(vec));
		if (!memcmp(sig, vec, len))
			TH_LOG("vector %u: the kernel's nonce is RFC 6979's", i);

		/* Over a digest made here; checked over the message. */
		dlen = unhex(sample_digest[i], digest,
			     sizeof(digest));
		ASSERT_EQ(0, sign(self->cd, CLONEDEV_MECH_ECDSA, h,
				  CLONEDEV_HASH_NONE, digest, dlen, sig2,
				  sizeof(sig2), &len2));
		ASSERT_EQ(2 * size, len2);
		EXPECT_EQ(0, verify(self->cd, CLONEDEV_MECH_ECDSA, h, v->hash,
				    "sample", 6, sig2, len2));
		EXPECT_NERR(EBADMSG, verify(self->cd, CLONEDEV_MECH_ECDSA, h,
					    v->hash, "sample!", 7, sig2, len2));
	}

	/* A generated pair: the private half signs, the public verifies. */
	h = generate_pair(_metadata, self->cd, CLONEDEV_KEY_EC_P384, 0, &pub);
	ASSERT_EQ(0, sign(self->cd, CLONEDEV_MECH_ECDSA, h,
			  CLONEDEV_HASH_SHA512, "msg", 3, sig, sizeof(sig), &len));
	EXPECT_EQ(96, len);
	EXPECT_EQ(0, verify(self->cd, CLONEDEV_MECH_ECDSA, pub,
			    CLONEDEV_HASH_SHA512, "msg", 3, sig, len));
	EXPECT_NERR(EBADMSG, verify(self->cd, CLONEDEV_MECH_ECDSA, pub,
				    CLONEDEV_HASH_SHA384, "msg", 3, sig, len));
}

TEST_F_TIMEOUT(crypto, rsa_pkcs1_known_answer, CRYPTO_TEST_TIMEOUT)
{
	unsigned char msg[256], sig[512];
	unsigned int h, mlen, slen, len;

	h = import_hex(_metadata, self->cd, CLONEDEV_KEY_RSA, 0, rsa_pkcs1.key);
	mlen = unhex(rsa_pkcs1.msg, msg, sizeof(msg));
	slen = unhex(rsa_pkcs1.out, sig, sizeof(sig));
	ASSERT_EQ(0, sign(self->cd, CLONEDEV_MECH_RSA_PKCS, h,
			  CLONEDEV_HASH_SHA256, msg, mlen, self->out,
			  sizeof(self->out), &len));
	ASSERT_EQ(slen, len);
	EXPECT_EQ(0, memcmp(self->out, sig, slen));
	EXPECT_EQ(0, verify(self->cd, CLONEDEV_MECH_RSA_PKCS, h,
			    CLONEDEV_HASH_SHA256, msg, mlen, sig, slen));
	EXPECT_NERR(EBADMSG, verify(self->cd, CLONEDEV_MECH_RSA_PKCS, h,
				    CLONEDEV_HASH_SHA384, msg, mlen, sig, slen));
	sig[10] ^= 4;
	EXPECT_NERR(EBADMSG, verify(self->cd, CLONEDEV_MECH_RSA_PKCS, h,
				    CLONEDEV_HASH_SHA256, msg, mlen, sig, slen));
}

/*
 * RSA-3072 and RSA-4096: each signs its message to the known signature
 * twice (the second time with the blinding pair squared), and verifies.
 */
TEST_F_TIMEOUT(crypto, rsa_pkcs1_known_answer_sizes, CRYPTO_TEST_TIMEOUT)
{
	unsigned char msg[256], sig[512];
	unsigned int h, mlen, slen, len, i, round;

	for (i = 0; i < ARRAY_SIZE(rsa_pkcs1_sizes); i++) {
		const struct rsa_vector *v = &rsa_pkcs1_sizes[i];

		h = import_hex(_metadata, self->cd, CLONEDEV_KEY_RSA, 0,
			       v->key);
		mlen = unhex(v->msg, msg, sizeof(msg));
		slen = unhex(v->out, sig, sizeof(sig));
		ASSERT_EQ(384 + 128 * i, slen);
		for (round = 0; round < 2; round++) {
			memset(self->out, 0, slen);
			ASSERT_EQ(0, sign(self->cd, CLONEDEV_MECH_RSA_PKCS, h,
					  CLONEDEV_HASH_SHA256, msg, mlen,
					  self->out, sizeof(self->out), &len));
			ASSERT_EQ(slen, len);
			EXPECT_EQ(0, memcmp(self->out, sig, slen));
		}
		EXPECT_EQ(0, verify(self->cd, CLONEDEV_MECH_RSA_PKCS, h,
				    CLONEDEV_HASH_SHA256, msg, mlen, sig,
				    slen));
	}
}

TEST_F_TIMEOUT(crypto, rsa_pss_known_answer, CRYPTO_TEST_TIMEOUT)
{
	unsigned char msg[256], sig[512];
	unsigned int h, mlen, slen, len, len2;
	struct clonedev_crypt c;

	h = import_hex(_metadata, self->cd, CLONEDEV_KEY_RSA, 0, rsa_pss.key);
	mlen = unhex(rsa_pss.msg, msg, sizeof(msg));
	slen = unhex(rsa_pss.out, sig, sizeof(sig));
	crypt_setup(&c, CLONEDEV_CRYPT_VERIFY, CLONEDEV_MECH_RSA_PSS, h,
		    CLONEDEV_HASH_SHA256);
	c.salt_len = rsa_pss.salt_len;
	crypt_io(&c, msg, mlen, NULL, 0);
	crypt_sig(&c, sig, slen);
	EXPECT_EQ(0, do_crypt(self->cd, &c));
	c.salt_len = rsa_pss.salt_len + 1;
	EXPECT_NERR(EBADMSG, do_crypt(self->cd, &c));

	/* Its own signatures: random salt, so two differ; both verify. */
	c.op = CLONEDEV_CRYPT_SIGN;
	c.salt_len = 32;
	crypt_sig(&c, NULL, 0);
	crypt_io(&c, msg, mlen, self->out, sizeof(self->out));
	ASSERT_EQ(0, do_crypt(self->cd, &c));
	len = c.out_len;
	ASSERT_EQ(slen, len);
	crypt_io(&c, msg, mlen, self->out2, sizeof(self->out2));
	ASSERT_EQ(0, do_crypt(self->cd, &c));
	len2 = c.out_len;
	ASSERT_EQ(len, len2);
	EXPECT_NE(0, memcmp(self->out, self->out2, len));
	c.op = CLONEDEV_CRYPT_VERIFY;
	crypt_io(&c, msg, mlen, NULL, 0);
	crypt_sig(&c, self->out, len);
	EXPECT_EQ(0, do_crypt(self->cd, &c));
	crypt_sig(&c, self->out2, len2);
	EXPECT_EQ(0, do_crypt(self->cd, &c));
	self->out2[len2 - 1] ^= 1;
	EXPECT_NERR(EBADMSG, do_crypt(self->cd, &c));
}

TEST_F_TIMEOUT(crypto, rsa_oaep_known_answer, CRYPTO_TEST_TIMEOUT)
{
	unsigned char msg[256], ct[256];
	unsigned int h, mlen, clen;
	struct clonedev_crypt c;

	h = import_hex(_metadata, self->cd, CLONEDEV_KEY_RSA, 0, rsa_oaep.key);
	mlen = unhex(rsa_oaep.msg, msg, sizeof(msg));
	clen = unhex(rsa_oaep.out, ct, sizeof(ct));
	crypt_setup(&c, CLONEDEV_CRYPT_DECRYPT, CLONEDEV_MECH_RSA_OAEP, h,
		    CLONEDEV_HASH_SHA256);
	crypt_io(&c, ct, clen, self->out, sizeof(self->out));
	ASSERT_EQ(0, do_crypt(self->cd, &c));
	ASSERT_EQ(mlen, c.out_len);
	EXPECT_EQ(0, memcmp(self->out, msg, mlen));

	/* Another hash, or a changed ciphertext: no plaintext. */
	c.hash = CLONEDEV_HASH_SHA384;
	memset(self->out, CANARY, sizeof(self->out));
	EXPECT_NE(0, do_crypt(self->cd, &c));
	EXPECT_TRUE(all_canary(self->out, sizeof(self->out)));
	c.hash = CLONEDEV_HASH_SHA256;
	ct[100] ^= 1;
	EXPECT_NE(0, do_crypt(self->cd, &c));
	EXPECT_TRUE(all_canary(self->out, sizeof(self->out)));
}

/* ---- signing a digest made by the caller ---- */

/* A one-shot sign or verify of @in with CLONEDEV_CRYPT_PREHASHED. */
static void prehashed(struct clonedev_crypt *c, unsigned int op,
		      unsigned int mech, unsigned int h, unsigned int hash,
		      const void *in, unsigned int len, void *out,
		      unsigned int cap)
{
	crypt_setup(c, op, mech, h, hash);
	c->flags = CLONEDEV_CRYPT_PREHASHED;
	crypt_io(c, in, len, out, cap);
}

/*
 * PKCS#1 v1.5: the digest signed prehashed, and DigestInfo || digest
 * signed without a hash, both give the published signature.
 */
TEST_F_TIMEOUT(crypto, rsa_pkcs1_prehashed_and_raw, CRYPTO_TEST_TIMEOUT)
{
	unsigned char digest[32], t[sizeof(di_sha256) + 32], sig[512];
	unsigned int h, slen, len;
	struct clonedev_crypt c;

	h = import_hex(_metadata, self->cd, CLONEDEV_KEY_RSA, 0, rsa_pkcs1.key);
	slen = unhex(rsa_pkcs1.out, sig, sizeof(sig));
	ASSERT_EQ(256, slen);
	ASSERT_EQ(32, unhex(rsa_pkcs1_digest, digest, sizeof(digest)));

	prehashed(&c, CLONEDEV_CRYPT_SIGN, CLONEDEV_MECH_RSA_PKCS, h,
		  CLONEDEV_HASH_SHA256, digest, 32, self->out,
		  sizeof(self->out));
	ASSERT_EQ(0, do_crypt(self->cd, &c));
	ASSERT_EQ(slen, c.out_len);
	EXPECT_EQ(0, memcmp(self->out, sig, slen));
	prehashed(&c, CLONEDEV_CRYPT_VERIFY, CLONEDEV_MECH_RSA_PKCS, h,
		  CLONEDEV_HASH_SHA256, digest, 32, NULL, 0);
	crypt_sig(&c, sig, slen);
	EXPECT_EQ(0, do_crypt(self->cd, &c));
	digest[31] ^= 1;
	EXPECT_NERR(EBADMSG, do_crypt(self->cd, &c));
	digest[31] ^= 1;

	memcpy(t, di_sha256, sizeof(di_sha256));
	memcpy(t + sizeof(di_sha256), digest, 32);
	memset(self->out, 0, sizeof(self->out));
	ASSERT_EQ(0, sign(self->cd, CLONEDEV_MECH_RSA_PKCS, h,
			  CLONEDEV_HASH_NONE, t, sizeof(t), self->out,
			  sizeof(self->out), &len));
	ASSERT_EQ(slen, len);
	EXPECT_EQ(0, memcmp(self->out, sig, slen));
	EXPECT_EQ(0, verify(self->cd, CLONEDEV_MECH_RSA_PKCS, h,
			    CLONEDEV_HASH_NONE, t, sizeof(t), sig, slen));
	/* In parts, the same. */
	crypt_setup(&c, CLONEDEV_CRYPT_SIGN, CLONEDEV_MECH_RSA_PKCS, h,
		    CLONEDEV_HASH_NONE);
	memset(self->out2, 0, sizeof(self->out2));
	ASSERT_EQ(0, crypt_parts(self->cd, &c, t, sizeof(t), self->out2,
				 sizeof(self->out2), &len));
	ASSERT_EQ(slen, len);
	EXPECT_EQ(0, memcmp(self->out2, sig, slen));
	t[3] ^= 1;
	EXPECT_NERR(EBADMSG, verify(self->cd, CLONEDEV_MECH_RSA_PKCS, h,
				    CLONEDEV_HASH_NONE, t, sizeof(t), sig,
				    slen));
	EXPECT_NERR(EBADMSG, verify(self->cd, CLONEDEV_MECH_RSA_PKCS, h,
				    CLONEDEV_HASH_NONE, t, sizeof(t) - 1, sig,
				    slen));

	/* The longest T, k - 11 bytes, signs and verifies. */
	fill(self->in, slen - 11, 3);
	ASSERT_EQ(0, sign(self->cd, CLONEDEV_MECH_RSA_PKCS, h,
			  CLONEDEV_HASH_NONE, self->in, slen - 11, self->out,
			  sizeof(self->out), &len));
	ASSERT_EQ(slen, len);
	EXPECT_EQ(0, verify(self->cd, CLONEDEV_MECH_RSA_PKCS, h,
			    CLONEDEV_HASH_NONE, self->in, slen - 11,
			    self->out, len));
}

/* PSS: the published signature verifies prehashed; ours over the message. */
TEST_F_TIMEOUT(crypto, rsa_pss_prehashed, CRYPTO_TEST_TIMEOUT)
{
	unsigned char msg[256], digest[32], sig[512];
	unsigned int h, mlen, slen;
	struct clonedev_crypt c;

	h = import_hex(_metadata, self->cd, CLONEDEV_KEY_RSA, 0, rsa_pss.key);
	mlen = unhex(rsa_pss.msg, msg, sizeof(msg));
	slen = unhex(rsa_pss.out, sig, sizeof(sig));
	ASSERT_EQ(32, unhex(rsa_pss_digest, digest, sizeof(digest)));

	prehashed(&c, CLONEDEV_CRYPT_VERIFY, CLONEDEV_MECH_RSA_PSS, h,
		  CLONEDEV_HASH_SHA256, digest, 32, NULL, 0);
	c.salt_len = rsa_pss.salt_len;
	crypt_sig(&c, sig, slen);
	EXPECT_EQ(0, do_crypt(self->cd, &c));
	digest[0] ^= 1;
	EXPECT_NERR(EBADMSG, do_crypt(self->cd, &c));
	digest[0] ^= 1;

	prehashed(&c, CLONEDEV_CRYPT_SIGN, CLONEDEV_MECH_RSA_PSS, h,
		  CLONEDEV_HASH_SHA256, digest, 32, self->out,
		  sizeof(self->out));
	c.salt_len = 32;
	ASSERT_EQ(0, do_crypt(self->cd, &c));
	ASSERT_EQ(slen, c.out_len);
	crypt_setup(&c, CLONEDEV_CRYPT_VERIFY, CLONEDEV_MECH_RSA_PSS, h,
		    CLONEDEV_HASH_SHA256);
	c.salt_len = 32;
	crypt_io(&c, msg, mlen, NULL, 0);
	crypt_sig(&c, self->out, slen);
	EXPECT_EQ(0, do_crypt(self->cd, &c));
	crypt_io(&c, msg, mlen - 1, NULL, 0);
	EXPECT_NERR(EBADMSG, do_crypt(self->cd, &c));
}

/* ECDSA: RFC 6979's signatures verify prehashed; ours over "sample". */
TEST_F_TIMEOUT(crypto, ecdsa_prehashed, CRYPTO_TEST_TIMEOUT)
{
	unsigned char sig[96], digest[48];
	unsigned int i, h, slen, dlen;
	struct clonedev_crypt c;

	for (i = 0; i < ARRAY_SIZE(ecdsa_vectors); i++) {
		const struct ecdsa_vector *v = &ecdsa_vectors[i];

		h = import_hex(_metadata, self->cd, v->key_type, 0, v->d);
		slen = unhex(v->sig, sig, sizeof(sig));
		dlen = unhex(sample_digest[i], digest, sizeof(digest));
		prehashed(&c, CLONEDEV_CRYPT_VERIFY, CLONEDEV_MECH_ECDSA, h,
			  v->hash, digest, dlen, NULL, 0);
		crypt_sig(&c, sig, slen);
		EXPECT_EQ(0, do_crypt(self->cd, &c)) TH_LOG("vector %u", i);
		digest[1] ^= 1;
		EXPECT_NERR(EBADMSG, do_crypt(self->cd, &c));
		digest[1] ^= 1;

		prehashed(&c, CLONEDEV_CRYPT_SIGN, CLONEDEV_MECH_ECDSA, h,
			  v->hash, digest, dlen, sig, sizeof(sig));
		ASSERT_EQ(0, do_crypt(self->cd, &c));
		ASSERT_EQ(slen, c.out_len);
		EXPECT_EQ(0, verify(self->cd, CLONEDEV_MECH_ECDSA, h, v->hash,
				    "sample", 6, sig, slen));
		EXPECT_NERR(EBADMSG, verify(self->cd, CLONEDEV_MECH_ECDSA, h,
					    v->hash, "sample!", 7, sig, slen));
	}
}

/* @c fails with -@err, writes nothing and leaves no operation behind. */
#define EXPECT_REFUSED(err, c)						\
	do {								\
		struct clonedev_crypt __u = {				\
			.size = sizeof(__u), .part = CLONEDEV_PART_UPDATE, \
		};							\
									\
		memset(self->out, CANARY, sizeof(self->out));		\
		EXPECT_NERR(err, do_crypt(self->cd, c));		\
		EXPECT_TRUE(all_canary(self->out, sizeof(self->out)));	\
		EXPECT_NERR(EINVAL, do_crypt(self->cd, &__u));		\
	} while (0)

/*
 * CLONEDEV_CRYPT_PREHASHED only one-shot, with ECDSA, RSA_PKCS or
 * RSA_PSS, a hash and an input of its size; RSA_PKCS without a hash takes
 * 1 to k - 11 bytes. Every refusal is -EINVAL and changes nothing.
 */
TEST_F_TIMEOUT(crypto, prehashed_and_raw_rejections, CRYPTO_TEST_TIMEOUT)
{
	unsigned char sig[512], iv[12] = { 0 };
	unsigned int rsa, ec, mac, aes, slen, n;
	struct clonedev_crypt c;

	rsa = import_hex(_metadata, self->cd, CLONEDEV_KEY_RSA, 0,
			 rsa_pkcs1.key);
	ec = generate_pair(_metadata, self->cd, CLONEDEV_KEY_EC_P256, 0, NULL);
	mac = generate(_metadata, self->cd, CLONEDEV_KEY_GENERIC_SECRET, 256,
		       0);
	aes = generate(_metadata, self->cd, CLONEDEV_KEY_AES, 256, 0);
	n = count_objects(self->cd);
	slen = unhex(rsa_pkcs1.out, sig, sizeof(sig));
	fill(self->in, sizeof(self->in), 5);

	/* Not the hash's size. */
	prehashed(&c, CLONEDEV_CRYPT_SIGN, CLONEDEV_MECH_RSA_PKCS, rsa,
		  CLONEDEV_HASH_SHA256, self->in, 31, self->out,
		  sizeof(self->out));
	EXPECT_REFUSED(EINVAL, &c);
	c.in_len = 33;
	EXPECT_REFUSED(EINVAL, &c);
	c.in_len = 0;
	EXPECT_REFUSED(EINVAL, &c);
	c.hash = CLONEDEV_HASH_SHA512;
	c.in_len = 48;
	EXPECT_REFUSED(EINVAL, &c);
	prehashed(&c, CLONEDEV_CRYPT_VERIFY, CLONEDEV_MECH_RSA_PKCS, rsa,
		  CLONEDEV_HASH_SHA256, self->in, 48, NULL, 0);
	crypt_sig(&c, sig, slen);
	EXPECT_REFUSED(EINVAL, &c);
	prehashed(&c, CLONEDEV_CRYPT_SIGN, CLONEDEV_MECH_RSA_PSS, rsa,
		  CLONEDEV_HASH_SHA384, self->in, 32, self->out,
		  sizeof(self->out));
	EXPECT_REFUSED(EINVAL, &c);
	prehashed(&c, CLONEDEV_CRYPT_SIGN, CLONEDEV_MECH_ECDSA, ec,
		  CLONEDEV_HASH_SHA256, self->in, 48, self->out,
		  sizeof(self->out));
	EXPECT_REFUSED(EINVAL, &c);
	/* Without a hash. */
	c.hash = CLONEDEV_HASH_NONE;
	c.in_len = 32;
	EXPECT_REFUSED(EINVAL, &c);
	prehashed(&c, CLONEDEV_CRYPT_SIGN, CLONEDEV_MECH_RSA_PKCS, rsa,
		  CLONEDEV_HASH_NONE, self->in, 32, self->out,
		  sizeof(self->out));
	EXPECT_REFUSED(EINVAL, &c);
	/* In parts. */
	prehashed(&c, CLONEDEV_CRYPT_SIGN, CLONEDEV_MECH_RSA_PKCS, rsa,
		  CLONEDEV_HASH_SHA256, NULL, 0, NULL, 0);
	c.part = CLONEDEV_PART_INIT;
	EXPECT_REFUSED(EINVAL, &c);
	/* Mechanisms that hash nothing, or no signature. */
	prehashed(&c, CLONEDEV_CRYPT_SIGN, CLONEDEV_MECH_HMAC, mac,
		  CLONEDEV_HASH_SHA256, self->in, 32, self->out,
		  sizeof(self->out));
	EXPECT_REFUSED(EINVAL, &c);
	prehashed(&c, CLONEDEV_CRYPT_SIGN, CLONEDEV_MECH_AES_CMAC, aes,
		  CLONEDEV_HASH_NONE, self->in, 16, self->out,
		  sizeof(self->out));
	EXPECT_REFUSED(EINVAL, &c);
	prehashed(&c, CLONEDEV_CRYPT_ENCRYPT, CLONEDEV_MECH_AES_GCM, aes,
		  CLONEDEV_HASH_NONE, self->in, 32, self->out,
		  sizeof(self->out));
	crypt_iv(&c, iv, sizeof(iv));
	EXPECT_REFUSED(EINVAL, &c);
	prehashed(&c, CLONEDEV_CRYPT_DECRYPT, CLONEDEV_MECH_RSA_OAEP, rsa,
		  CLONEDEV_HASH_SHA256, sig, slen, self->out,
		  sizeof(self->out));
	EXPECT_REFUSED(EINVAL, &c);

	/* PKCS#1 v1.5 without a hash: T of k - 10 bytes, or none. */
	crypt_setup(&c, CLONEDEV_CRYPT_SIGN, CLONEDEV_MECH_RSA_PKCS, rsa,
		    CLONEDEV_HASH_NONE);
	crypt_io(&c, self->in, slen - 10, self->out, sizeof(self->out));
	EXPECT_REFUSED(EINVAL, &c);
	c.in_len = 0;
	EXPECT_REFUSED(EINVAL, &c);
	crypt_setup(&c, CLONEDEV_CRYPT_VERIFY, CLONEDEV_MECH_RSA_PKCS, rsa,
		    CLONEDEV_HASH_NONE);
	crypt_io(&c, self->in, slen - 10, NULL, 0);
	crypt_sig(&c, sig, slen);
	EXPECT_REFUSED(EINVAL, &c);
	/* PSS always hashes. */
	crypt_setup(&c, CLONEDEV_CRYPT_SIGN, CLONEDEV_MECH_RSA_PSS, rsa,
		    CLONEDEV_HASH_NONE);
	crypt_io(&c, self->in, 32, self->out, sizeof(self->out));
	EXPECT_REFUSED(EINVAL, &c);
	EXPECT_EQ(n, count_objects(self->cd));
}

TEST_F_TIMEOUT(crypto, ecdh_known_answers, CRYPTO_TEST_TIMEOUT)
{
	unsigned char peer[CLONEDEV_EC_POINT_MAX], z[48], mac[64], mac2[64];
	unsigned int i, h, plen, zlen, aes, zaes, gen, zgen, len, len2, n;

	for (i = 0; i < ARRAY_SIZE(ecdh_vectors); i++) {
		const struct ecdh_vector *v = &ecdh_vectors[i];

		h = import_hex(_metadata, self->cd, v->key_type, 0, v->d);
		plen = unhex(v->peer, peer, sizeof(peer));
		zlen = unhex(v->z, z, sizeof(z));
		if (!v->valid) {
			n = count_objects(self->cd);
			EXPECT_NERR(EINVAL, derive(self->cd, h, peer, plen,
						   CLONEDEV_KEY_AES, 256, 0, &aes))
				TH_LOG("vector %u: a point off the curve", i);
			EXPECT_EQ(n, count_objects(self->cd));
			continue;
		}
		/* AES-256: the leftmost 32 bytes of Z, as Z imported is. */
		ASSERT_EQ(0, derive(self->cd, h, peer, plen, CLONEDEV_KEY_AES,
				    256, 0, &aes)) TH_LOG("vector %u", i);
		ASSERT_EQ(0, clonedev_object_import(self->cd, CLONEDEV_KEY_AES,
						    0, "z", NULL, 0, z, 32,
						    &zaes));
		EXPECT_TRUE(same_kcv(_metadata, self->cd, aes, zaes))
			TH_LOG("vector %u: AES key is not Z's first bytes", i);
		/* A generic secret of the whole of Z: the same MACs. */
		ASSERT_EQ(0, derive(self->cd, h, peer, plen,
				    CLONEDEV_KEY_GENERIC_SECRET, zlen * 8, 0,
				    &gen));
		ASSERT_EQ(0, clonedev_object_import(self->cd,
						    CLONEDEV_KEY_GENERIC_SECRET,
						    0, "z", NULL, 0, z, zlen,
						    &zgen));
		EXPECT_TRUE(same_kcv(_metadata, self->cd, gen, zgen));
		ASSERT_EQ(0, sign(self->cd, CLONEDEV_MECH_HMAC, gen,
				  CLONEDEV_HASH_SHA256, "x", 1, mac,
				  sizeof(mac), &len));
		ASSERT_EQ(0, sign(self->cd, CLONEDEV_MECH_HMAC, zgen,
				  CLONEDEV_HASH_SHA256, "x", 1, mac2,
				  sizeof(mac2), &len2));
		ASSERT_EQ(len, len2);
		EXPECT_EQ(0, memcmp(mac, mac2, len));
	}
}

/* ---- default usage ---- */

TEST_F(crypto, default_usage)
{
	struct clonedev_object_attrs a;
	unsigned char key[32] = { 1 };
	unsigned int h, pub;

	h = generate(_metadata, self->cd, CLONEDEV_KEY_AES, 256, 0);
	get_attrs(_metadata, self->cd, h, &a);
	EXPECT_EQ(CLONEDEV_USAGE_AES, a.obj_flags & CLONEDEV_OBJ_USAGE);
	h = generate(_metadata, self->cd, CLONEDEV_KEY_GENERIC_SECRET, 256, 0);
	get_attrs(_metadata, self->cd, h, &a);
	EXPECT_EQ(CLONEDEV_USAGE_SECRET, a.obj_flags & CLONEDEV_OBJ_USAGE);
	h = generate_pair(_metadata, self->cd, CLONEDEV_KEY_EC_P256, 0, &pub);
	get_attrs(_metadata, self->cd, h, &a);
	EXPECT_EQ(CLONEDEV_USAGE_EC, a.obj_flags & CLONEDEV_OBJ_USAGE);
	get_attrs(_metadata, self->cd, pub, &a);
	EXPECT_EQ(CLONEDEV_USAGE_EC_PUBLIC, a.obj_flags & CLONEDEV_OBJ_USAGE);
	h = import_hex(_metadata, self->cd, CLONEDEV_KEY_RSA, 0, rsa_pkcs1.key);
	get_attrs(_metadata, self->cd, h, &a);
	EXPECT_EQ(CLONEDEV_USAGE_RSA, a.obj_flags & CLONEDEV_OBJ_USAGE);
	ASSERT_EQ(0, clonedev_object_import(self->cd, CLONEDEV_KEY_AES, 0, "i",
					    NULL, 0, key, 16, &h));
	get_attrs(_metadata, self->cd, h, &a);
	EXPECT_EQ(CLONEDEV_USAGE_AES, a.obj_flags & CLONEDEV_OBJ_USAGE);

	/* Usage given is usage kept, nothing added. */
	h = generate(_metadata, self->cd, CLONEDEV_KEY_AES, 128,
		     CLONEDEV_OBJ_ENCRYPT);
	get_attrs(_metadata, self->cd, h, &a);
	EXPECT_EQ(CLONEDEV_OBJ_ENCRYPT, a.obj_flags & CLONEDEV_OBJ_USAGE);
	EXPECT_EQ(CLONEDEV_OBJ_PRIVATE | CLONEDEV_OBJ_SENSITIVE,
		  a.obj_flags & (CLONEDEV_OBJ_PRIVATE | CLONEDEV_OBJ_SENSITIVE));
}

TEST_F(crypto, gen_iv)
{
	unsigned char iv1[16], msg[40];
	unsigned int h;
	struct clonedev_crypt c;
	static const unsigned int mechs[] = {
		CLONEDEV_MECH_AES_GCM, CLONEDEV_MECH_AES_CBC_PAD,
		CLONEDEV_MECH_AES_CTR,
	};
	unsigned int i, want;

	fill(msg, sizeof(msg), 3);
	h = generate(_metadata, self->cd, CLONEDEV_KEY_AES, 256, 0);
	for (i = 0; i < ARRAY_SIZE(mechs); i++) {
		want = mechs[i] == CLONEDEV_MECH_AES_GCM ? 12 : 16;
		crypt_setup(&c, CLONEDEV_CRYPT_ENCRYPT, mechs[i], h, 0);
		c.flags = CLONEDEV_CRYPT_GEN_IV;
		crypt_io(&c, msg, sizeof(msg), self->out, sizeof(self->out));
		ASSERT_EQ(0, do_crypt(self->cd, &c)) TH_LOG("mech %u", mechs[i]);
		ASSERT_EQ(want, c.iv_len);
		memcpy(iv1, c.iv, want);
		memcpy(self->out2, self->out, c.out_len);

		/* A second call has another IV. */
		memset(c.iv, 0, sizeof(c.iv));
		c.iv_len = 0;
		crypt_io(&c, msg, sizeof(msg), self->out, sizeof(self->out));
		ASSERT_EQ(0, do_crypt(self->cd, &c));
		EXPECT_NE(0, memcmp(iv1, c.iv, want));

		/* The first IV decrypts the first ciphertext. */
		crypt_setup(&c, CLONEDEV_CRYPT_DECRYPT, mechs[i], h, 0);
		crypt_iv(&c, iv1, want);
		crypt_io(&c, self->out2,
			 mechs[i] == CLONEDEV_MECH_AES_GCM ? 56 :
			 mechs[i] == CLONEDEV_MECH_AES_CBC_PAD ? 48 : 40,
			 self->out, sizeof(self->out));
		ASSERT_EQ(0, do_crypt(self->cd, &c)) TH_LOG("mech %u", mechs[i]);
		ASSERT_EQ(sizeof(msg), c.out_len);
		EXPECT_EQ(0, memcmp(self->out, msg, sizeof(msg)));
	}
}

/* ---- multi-part ---- */

static void multipart_cipher(struct __test_metadata *_metadata,
			     struct _test_data_crypto *self,
			     unsigned int mech, unsigned int len)
{
	unsigned char iv[16], aad[20];
	unsigned int h, one, parts, back;
	struct clonedev_crypt c;

	fill(self->in, len, mech);
	fill(iv, sizeof(iv), 77);
	fill(aad, sizeof(aad), 5);
	h = generate(_metadata, self->cd, CLONEDEV_KEY_AES, 256, 0);
	crypt_setup(&c, CLONEDEV_CRYPT_ENCRYPT, mech, h, 0);
	crypt_iv(&c, iv, mech == CLONEDEV_MECH_AES_GCM ? 12 : 16);
	if (mech == CLONEDEV_MECH_AES_GCM) {
		c.aad = (uintptr_t)aad;
		c.aad_len = sizeof(aad);
		c.tag_len = 13;
	}
	crypt_io(&c, self->in, len, self->out, sizeof(self->out));
	ASSERT_EQ(0, do_crypt(self->cd, &c));
	one = c.out_len;

	ASSERT_EQ(0, crypt_parts(self->cd, &c, self->in, len, self->out2,
				 sizeof(self->out2), &parts));
	ASSERT_EQ(one, parts);
	EXPECT_EQ(0, memcmp(self->out, self->out2, one));

	/* Decryption in parts gives the message back. */
	c.op = CLONEDEV_CRYPT_DECRYPT;
	memset(self->in, 0, len);
	ASSERT_EQ(0, crypt_parts(self->cd, &c, self->out, one, self->in,
				 sizeof(self->in), &back));
	ASSERT_EQ(len, back);
	fill(self->out2, len, mech);
	EXPECT_EQ(0, memcmp(self->in, self->out2, len));
}

FIXTURE(multipart) {
	struct _test_data_crypto c;
};

FIXTURE_SETUP(multipart)
{
	open_crypto(_metadata, &self->c);
}

FIXTURE_TEARDOWN(multipart)
{
	close_crypto(_metadata, &self->c);
}

/* Message lengths: a part block (and for CBC also whole blocks). */
FIXTURE_VARIANT(multipart)
{
	unsigned int mech;
	unsigned int len[2];
};

FIXTURE_VARIANT_ADD(multipart, gcm)
{
	.mech = CLONEDEV_MECH_AES_GCM,
	.len = { 1000 },
};

FIXTURE_VARIANT_ADD(multipart, cbc)
{
	.mech = CLONEDEV_MECH_AES_CBC_PAD,
	.len = { 1000, 1024 },
};

FIXTURE_VARIANT_ADD(multipart, ctr)
{
	.mech = CLONEDEV_MECH_AES_CTR,
	.len = { 1001 },
};

TEST_F(multipart, parts_match_one_call)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(variant->len) && variant->len[i]; i++)
		multipart_cipher(_metadata, &self->c, variant->mech,
				 variant->len[i]);
}

TEST_F(crypto, multipart_hmac_cmac)
{
	unsigned int g, a, one, parts, hash;
	struct clonedev_crypt c;

	fill(self->in, 999, 1);
	g = generate(_metadata, self->cd, CLONEDEV_KEY_GENERIC_SECRET, 512, 0);
	a = generate(_metadata, self->cd, CLONEDEV_KEY_AES, 128, 0);
	for (hash = CLONEDEV_HASH_SHA256; hash <= CLONEDEV_HASH_SHA512 + 1;
	     hash++) {
		/* The last round is CMAC. */
		if (hash > CLONEDEV_HASH_SHA512)
			crypt_setup(&c, CLONEDEV_CRYPT_SIGN,
				    CLONEDEV_MECH_AES_CMAC, a, 0);
		else
			crypt_setup(&c, CLONEDEV_CRYPT_SIGN, CLONEDEV_MECH_HMAC,
				    g, hash);
		crypt_io(&c, self->in, 999, self->out, sizeof(self->out));
		ASSERT_EQ(0, do_crypt(self->cd, &c));
		one = c.out_len;
		ASSERT_EQ(0, crypt_parts(self->cd, &c, self->in, 999, self->out2,
					 sizeof(self->out2), &parts));
		ASSERT_EQ(one, parts);
		EXPECT_EQ(0, memcmp(self->out, self->out2, one));

		c.op = CLONEDEV_CRYPT_VERIFY;
		crypt_sig(&c, self->out, one);
		EXPECT_EQ(0, crypt_parts(self->cd, &c, self->in, 999,
					 self->out2, sizeof(self->out2),
					 &parts));
		self->out[0] ^= 1;
		EXPECT_NERR(EBADMSG, crypt_parts(self->cd, &c, self->in, 999,
						 self->out2, sizeof(self->out2),
						 &parts));
	}
}

TEST_F_TIMEOUT(crypto, multipart_ecdsa, CRYPTO_TEST_TIMEOUT)
{
	unsigned int h, len, parts;
	struct clonedev_crypt c;

	fill(self->in, 777, 2);
	h = generate_pair(_metadata, self->cd, CLONEDEV_KEY_EC_P256, 0, NULL);
	crypt_setup(&c, CLONEDEV_CRYPT_SIGN, CLONEDEV_MECH_ECDSA, h,
		    CLONEDEV_HASH_SHA256);
	ASSERT_EQ(0, crypt_parts(self->cd, &c, self->in, 777, self->out,
				 sizeof(self->out), &len));
	ASSERT_EQ(64, len);
	EXPECT_EQ(0, verify(self->cd, CLONEDEV_MECH_ECDSA, h,
			    CLONEDEV_HASH_SHA256, self->in, 777, self->out,
			    len));
	/* One-shot signature, verified in parts. */
	ASSERT_EQ(0, sign(self->cd, CLONEDEV_MECH_ECDSA, h,
			  CLONEDEV_HASH_SHA256, self->in, 777, self->out2,
			  sizeof(self->out2), &len));
	c.op = CLONEDEV_CRYPT_VERIFY;
	crypt_sig(&c, self->out2, len);
	EXPECT_EQ(0, crypt_parts(self->cd, &c, self->in, 777, self->out,
				 sizeof(self->out), &parts));
	self->in[500] ^= 1;
	EXPECT_NERR(EBADMSG, crypt_parts(self->cd, &c, self->in, 777,
					 self->out, sizeof(self->out), &parts));
}

TEST_F(crypto, update_without_init)
{
	unsigned char iv[16] = { 0 };
	struct clonedev_crypt c;
	struct clonedev *other;
	unsigned int h, len;

	h = generate(_metadata, self->cd, CLONEDEV_KEY_AES, 128, 0);
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.part = CLONEDEV_PART_UPDATE;
	crypt_io(&c, "abc", 3, self->out, sizeof(self->out));
	EXPECT_NERR(EINVAL, do_crypt(self->cd, &c));
	c.part = CLONEDEV_PART_FINAL;
	EXPECT_NERR(EINVAL, do_crypt(self->cd, &c));

	/* After a FINAL the operation is over. */
	crypt_setup(&c, CLONEDEV_CRYPT_ENCRYPT, CLONEDEV_MECH_AES_CTR, h, 0);
	crypt_iv(&c, iv, 16);
	ASSERT_EQ(0, crypt_parts(self->cd, &c, self->in, 40, self->out,
				 sizeof(self->out), &len));
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.part = CLONEDEV_PART_UPDATE;
	crypt_io(&c, "abc", 3, self->out, sizeof(self->out));
	EXPECT_NERR(EINVAL, do_crypt(self->cd, &c));

	/* A one-shot call ends the operation an INIT started. */
	crypt_setup(&c, CLONEDEV_CRYPT_ENCRYPT, CLONEDEV_MECH_AES_CTR, h, 0);
	crypt_iv(&c, iv, 16);
	c.part = CLONEDEV_PART_INIT;
	ASSERT_EQ(0, do_crypt(self->cd, &c));
	c.part = CLONEDEV_PART_ALL;
	crypt_io(&c, "abc", 3, self->out, sizeof(self->out));
	ASSERT_EQ(0, do_crypt(self->cd, &c));
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.part = CLONEDEV_PART_UPDATE;
	crypt_io(&c, "abc", 3, self->out, sizeof(self->out));
	EXPECT_NERR(EINVAL, do_crypt(self->cd, &c));

	/* ABORT ends it; with none running it does nothing. */
	crypt_setup(&c, CLONEDEV_CRYPT_ENCRYPT, CLONEDEV_MECH_AES_CTR, h, 0);
	crypt_iv(&c, iv, 16);
	c.part = CLONEDEV_PART_INIT;
	ASSERT_EQ(0, do_crypt(self->cd, &c));
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.part = CLONEDEV_PART_ABORT;
	EXPECT_EQ(0, do_crypt(self->cd, &c));
	c.part = CLONEDEV_PART_UPDATE;
	crypt_io(&c, "abc", 3, self->out, sizeof(self->out));
	EXPECT_NERR(EINVAL, do_crypt(self->cd, &c));
	c.part = CLONEDEV_PART_ABORT;
	crypt_io(&c, NULL, 0, NULL, 0);
	EXPECT_EQ(0, do_crypt(self->cd, &c));

	/* An ABORT with its reserved field set is refused and ends nothing. */
	crypt_setup(&c, CLONEDEV_CRYPT_ENCRYPT, CLONEDEV_MECH_AES_CTR, h, 0);
	crypt_iv(&c, iv, 16);
	c.part = CLONEDEV_PART_INIT;
	ASSERT_EQ(0, do_crypt(self->cd, &c));
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.part = CLONEDEV_PART_ABORT;
	c.__reserved = 1;
	EXPECT_NERR(EINVAL, do_crypt(self->cd, &c));
	c.__reserved = 0;
	c.part = CLONEDEV_PART_UPDATE;
	crypt_io(&c, "abc", 3, self->out, sizeof(self->out));
	EXPECT_EQ(0, do_crypt(self->cd, &c));
	c.part = CLONEDEV_PART_ABORT;
	crypt_io(&c, NULL, 0, NULL, 0);
	EXPECT_EQ(0, do_crypt(self->cd, &c));

	/* Another session's operation is not this one's. */
	crypt_setup(&c, CLONEDEV_CRYPT_ENCRYPT, CLONEDEV_MECH_AES_CTR, h, 0);
	crypt_iv(&c, iv, 16);
	c.part = CLONEDEV_PART_INIT;
	ASSERT_EQ(0, do_crypt(self->cd, &c));
	ASSERT_EQ(0, session(&other, self->slot, CLONEDEV_ROLE_CO, TEST_CO));
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.part = CLONEDEV_PART_UPDATE;
	crypt_io(&c, "abc", 3, self->out, sizeof(self->out));
	EXPECT_NERR(EINVAL, do_crypt(other, &c));
	clonedev_close(other);
}

/* ---- AES-GCM in parts ---- */

/* Update sizes that cross block boundaries, and whole MiBs. */
static const unsigned int big_chunks[] = {
	(1U << 20) - 7, 1, 15, 17, 1U << 20,
};

/*
 * INIT with @tmpl's parameters, then UPDATEs over @in cycling through
 * big_chunks[] while more than the next size is left; *@done is the input
 * given, *@got the output gathered at @out.
 */
static int crypt_updates(struct clonedev *cd, const struct clonedev_crypt *tmpl,
			 const unsigned char *in, size_t len,
			 unsigned char *out, size_t cap, size_t *done,
			 size_t *got)
{
	struct clonedev_crypt c = *tmpl;
	unsigned int i = 0, n;
	int ret;

	*done = 0;
	*got = 0;
	c.part = CLONEDEV_PART_INIT;
	crypt_io(&c, NULL, 0, NULL, 0);
	ret = do_crypt(cd, &c);
	while (!ret) {
		n = big_chunks[i++ % ARRAY_SIZE(big_chunks)];
		if (n >= len - *done)
			break;
		memset(&c, 0, sizeof(c));
		c.size = sizeof(c);
		c.part = CLONEDEV_PART_UPDATE;
		crypt_io(&c, in + *done, n, out + *got, cap - *got);
		ret = do_crypt(cd, &c);
		*done += n;
		*got += c.out_len;
	}
	return ret;
}

/* FINAL with @n bytes of input and @cap of room; *@out_len as it says. */
static int crypt_last(struct clonedev *cd, const unsigned char *in,
		      unsigned int n, unsigned char *out, unsigned int cap,
		      unsigned int *out_len)
{
	struct clonedev_crypt c;
	int ret;

	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.part = CLONEDEV_PART_FINAL;
	crypt_io(&c, in, n, out, cap);
	ret = do_crypt(cd, &c);
	*out_len = c.out_len;
	return ret;
}

/* All of @in through @tmpl's operation in parts; 0 or -errno. */
static int crypt_stream(struct clonedev *cd, const struct clonedev_crypt *tmpl,
			const unsigned char *in, size_t len,
			unsigned char *out, size_t cap, size_t *out_len)
{
	size_t done, got;
	unsigned int last;
	int ret;

	ret = crypt_updates(cd, tmpl, in, len, out, cap, &done, &got);
	if (!ret)
		ret = crypt_last(cd, in + done, len - done, out + got,
				 cap - got, &last);
	*out_len = ret ? 0 : got + last;
	return ret;
}

static void gcm_template(struct clonedev_crypt *c, unsigned int op,
			 unsigned int h, const unsigned char *iv,
			 const unsigned char *aad, unsigned int aad_len,
			 unsigned int tag_len)
{
	crypt_setup(c, op, CLONEDEV_MECH_AES_GCM, h, 0);
	crypt_iv(c, iv, 12);
	c->aad = (uintptr_t)aad;
	c->aad_len = aad_len;
	c->tag_len = tag_len;
}

TEST_F(crypto, gcm_parts_known_answers)
{
	struct gcm_bytes b;
	unsigned int i, h, len;
	struct clonedev_crypt c;
	int ret;

	for (i = 0; i < ARRAY_SIZE(gcm_vectors); i++) {
		const struct gcm_vector *v = &gcm_vectors[i];

		h = gcm_load(_metadata, self->cd, v, &b);

		/* Pieces of 1, 15, 16, 17, ... bytes; each vector's tag. */
		gcm_template(&c, CLONEDEV_CRYPT_ENCRYPT, h, b.iv, b.aad,
			     b.aadlen, b.taglen);
		if (!v->fail) {
			ASSERT_EQ(0, crypt_parts(self->cd, &c, b.pt, b.ptlen,
						 self->out, sizeof(self->out),
						 &len)) TH_LOG("vector %u", i);
			ASSERT_EQ(b.ctlen + b.taglen, len)
				TH_LOG("vector %u", i);
			EXPECT_EQ(0, memcmp(self->out, b.ct, len))
				TH_LOG("vector %u: ciphertext or tag differs", i);
		}
		c.op = CLONEDEV_CRYPT_DECRYPT;
		memset(self->out, CANARY, sizeof(self->out));
		ret = crypt_parts(self->cd, &c, b.ct, b.ctlen + b.taglen,
				  self->out, sizeof(self->out), &len);
		if (v->fail) {
			EXPECT_NERR(EBADMSG, ret) TH_LOG("vector %u", i);
			EXPECT_TRUE(all_canary(self->out, sizeof(self->out)))
				TH_LOG("vector %u: plaintext of a bad tag", i);
			continue;
		}
		ASSERT_EQ(0, ret) TH_LOG("vector %u", i);
		ASSERT_EQ(b.ptlen, len);
		EXPECT_EQ(0, memcmp(self->out, b.pt, b.ptlen))
			TH_LOG("vector %u", i);
	}
}

/*
 * Encryption in parts gives the whole blocks so far at each UPDATE; an
 * UPDATE without room consumes nothing. The result is the one-shot one.
 */
TEST_F(crypto, gcm_parts_encrypt_gives_blocks_as_they_come)
{
	static const struct { unsigned int in, out; } steps[] = {
		{ 1, 0 }, { 15, 16 }, { 17, 16 }, { 31, 32 }, { 0, 0 },
		{ 100, 96 },
	};
	unsigned char iv[12] = { 9 }, aad[7] = "odd aad";
	unsigned int h, i, done = 0, got = 0;
	struct clonedev_crypt c;

	fill(self->in, 200, 3);
	h = generate(_metadata, self->cd, CLONEDEV_KEY_AES, 128, 0);
	gcm_template(&c, CLONEDEV_CRYPT_ENCRYPT, h, iv, aad, sizeof(aad), 14);
	crypt_io(&c, self->in, 169, self->out2, sizeof(self->out2));
	ASSERT_EQ(0, do_crypt(self->cd, &c));
	ASSERT_EQ(169 + 14, c.out_len);

	c.part = CLONEDEV_PART_INIT;
	crypt_io(&c, NULL, 0, NULL, 0);
	ASSERT_EQ(0, do_crypt(self->cd, &c));
	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		memset(&c, 0, sizeof(c));
		c.size = sizeof(c);
		c.part = CLONEDEV_PART_UPDATE;
		if (steps[i].out) {
			crypt_io(&c, self->in + done, steps[i].in,
				 self->out + got, steps[i].out - 1);
			EXPECT_NERR(EMSGSIZE, do_crypt(self->cd, &c));
			EXPECT_EQ(steps[i].out, c.out_len);
		}
		crypt_io(&c, self->in + done, steps[i].in, self->out + got,
			 sizeof(self->out) - got);
		ASSERT_EQ(0, do_crypt(self->cd, &c)) TH_LOG("step %u", i);
		EXPECT_EQ(steps[i].out, c.out_len) TH_LOG("step %u", i);
		done += steps[i].in;
		got += c.out_len;
	}
	/* FINAL: the 4 bytes held back, 5 more and the tag. */
	ASSERT_EQ(164, done);
	ASSERT_EQ(160, got);
	ASSERT_EQ(0, crypt_last(self->cd, self->in + done, 5, self->out + got,
				sizeof(self->out) - got, &i));
	EXPECT_EQ(9 + 14, i);
	EXPECT_EQ(0, memcmp(self->out, self->out2, 169 + 14));
}

/*
 * 40 MiB, past the 16 MiB the kernel once held, in updates that cross
 * block boundaries. The ciphertext is AES-CTR from inc32(J0), as the
 * standard says; decryption in parts gives the message back, and a
 * FINAL without room consumes nothing.
 */
TEST_F_TIMEOUT(crypto, gcm_parts_past_16_mib, HEAVY_TEST_TIMEOUT)
{
	const size_t len = 40U << 20;
	unsigned char iv[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	unsigned char aad[13] = "thirteen byte";
	unsigned char *msg, *ct, *back;
	size_t n, done, got, i;
	struct clonedev_crypt c;
	unsigned int h, last;

	msg = malloc(len);
	ct = malloc(len + 16);
	back = malloc(len + 16);
	ASSERT_TRUE(msg && ct && back);
	for (i = 0; i < len; i += 4096)
		fill(msg + i, 4096, i / 4096);
	h = generate(_metadata, self->cd, CLONEDEV_KEY_AES, 256, 0);

	gcm_template(&c, CLONEDEV_CRYPT_ENCRYPT, h, iv, aad, sizeof(aad), 16);
	ASSERT_EQ(0, crypt_stream(self->cd, &c, msg, len, ct, len + 16, &n));
	ASSERT_EQ(len + 16, n);

	/* AES-CTR from IV || 00000002 gives the same ciphertext. */
	iv[15] = 2;
	crypt_setup(&c, CLONEDEV_CRYPT_ENCRYPT, CLONEDEV_MECH_AES_CTR, h, 0);
	crypt_iv(&c, iv, 16);
	ASSERT_EQ(0, crypt_stream(self->cd, &c, msg, len, back, len, &n));
	ASSERT_EQ(len, n);
	EXPECT_EQ(0, memcmp(back, ct, len));

	/* Back, the last piece with FINAL: first without room, then with. */
	memset(back, CANARY, len + 16);
	gcm_template(&c, CLONEDEV_CRYPT_DECRYPT, h, iv, aad, sizeof(aad), 16);
	ASSERT_EQ(0, crypt_updates(self->cd, &c, ct, len + 16, back, len + 16,
				   &done, &got));
	EXPECT_EQ(0, got);
	ASSERT_NERR(EMSGSIZE, crypt_last(self->cd, ct + done, len + 16 - done,
					 back, len - 1, &last));
	EXPECT_EQ(len, last);
	EXPECT_TRUE(all_canary(back, len + 16));
	ASSERT_EQ(0, crypt_last(self->cd, ct + done, len + 16 - done, back,
				len + 16, &last));
	ASSERT_EQ(len, last);
	EXPECT_EQ(0, memcmp(back, msg, len));
	EXPECT_EQ(CANARY, back[len]);
	free(msg);
	free(ct);
	free(back);
}

/*
 * A byte changed anywhere (in what the kernel spooled, in what it held
 * back, in the tag, in the AAD): -EBADMSG and not a byte written; the
 * operation is over.
 */
TEST_F_TIMEOUT(crypto, gcm_parts_tampered, HEAVY_TEST_TIMEOUT)
{
	const size_t len = (3U << 20) + 5, clen = len + 12;
	const size_t at[] = { 0, (2U << 20) + 1, len - 1, len, clen - 1 };
	unsigned char iv[12] = { 7 }, aad[7] = "aad odd";
	unsigned char *msg, *ct, *back;
	struct clonedev_crypt c;
	unsigned int h, i, none;
	size_t n;

	msg = malloc(len);
	ct = malloc(clen);
	back = malloc(clen);
	ASSERT_TRUE(msg && ct && back);
	fill(msg, len, 8);
	h = generate(_metadata, self->cd, CLONEDEV_KEY_AES, 192, 0);
	gcm_template(&c, CLONEDEV_CRYPT_ENCRYPT, h, iv, aad, sizeof(aad), 12);
	ASSERT_EQ(0, crypt_stream(self->cd, &c, msg, len, ct, clen, &n));
	ASSERT_EQ(clen, n);

	c.op = CLONEDEV_CRYPT_DECRYPT;
	for (i = 0; i <= ARRAY_SIZE(at); i++) {
		unsigned char *p = i < ARRAY_SIZE(at) ? ct + at[i] : aad + 6;

		*p ^= 0x40;
		memset(back, CANARY, clen);
		EXPECT_NERR(EBADMSG, crypt_stream(self->cd, &c, ct, clen, back,
						  clen, &n)) TH_LOG("case %u", i);
		EXPECT_TRUE(all_canary(back, clen))
			TH_LOG("case %u: plaintext before the tag checked", i);
		EXPECT_NERR(EINVAL, crypt_last(self->cd, NULL, 0, back, clen,
					       &none));
		*p ^= 0x40;
	}
	ASSERT_EQ(0, crypt_stream(self->cd, &c, ct, clen, back, clen, &n));
	ASSERT_EQ(len, n);
	EXPECT_EQ(0, memcmp(back, msg, len));
	free(msg);
	free(ct);
	free(back);
}

/*
 * A decryption with megabytes spooled ends by ABORT, by a new INIT, by a
 * one-shot call and by closing the session (the debug kernel's kmemleak
 * sees what stays); each leaves no operation behind.
 */
TEST_F_TIMEOUT(crypto, gcm_parts_abort_frees, HEAVY_TEST_TIMEOUT)
{
	const size_t len = 3U << 20;
	unsigned char iv[12] = { 3 }, small[20], *ct;
	struct clonedev_crypt c, u;
	struct clonedev *other;
	unsigned int h, i, out_len;
	size_t done, got;

	ct = calloc(1, len);
	ASSERT_NE(NULL, ct);
	h = generate(_metadata, self->cd, CLONEDEV_KEY_AES, 256, 0);
	/* The gcm() helper's IV for seed 3 is iv[]. */
	ASSERT_EQ(0, gcm(self->cd, CLONEDEV_CRYPT_ENCRYPT, h, 3,
			 (const unsigned char *)"abcd", 4,
			 small, sizeof(small), &out_len));
	ASSERT_EQ(20, out_len);
	gcm_template(&c, CLONEDEV_CRYPT_DECRYPT, h, iv, NULL, 0, 16);
	memset(&u, 0, sizeof(u));
	u.size = sizeof(u);
	u.part = CLONEDEV_PART_UPDATE;
	crypt_io(&u, ct, 16, self->out, sizeof(self->out));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, crypt_updates(self->cd, &c, ct, len, self->out,
					   sizeof(self->out), &done, &got));
		EXPECT_LT(2U << 20, done);
		if (i == 0) {
			u.part = CLONEDEV_PART_ABORT;
			EXPECT_EQ(0, do_crypt(self->cd, &u));
			u.part = CLONEDEV_PART_UPDATE;
		} else if (i == 1) {
			/* A new INIT ends it: FINAL sees only its input. */
			ASSERT_EQ(0, crypt_updates(self->cd, &c, small, 20,
						   self->out, sizeof(self->out),
						   &done, &got));
			ASSERT_EQ(0, done);
			ASSERT_EQ(0, crypt_last(self->cd, small, 20, self->out,
						sizeof(self->out), &out_len));
			ASSERT_EQ(4, out_len);
			EXPECT_EQ(0, memcmp(self->out, "abcd", 4));
		} else {
			ASSERT_EQ(0, gcm(self->cd, CLONEDEV_CRYPT_ENCRYPT, h,
					 1, ct, 16, self->out,
					 sizeof(self->out), &out_len));
		}
		EXPECT_NERR(EINVAL, do_crypt(self->cd, &u)) TH_LOG("case %u", i);
	}

	/* A session closed in the middle frees what it spooled. */
	ASSERT_EQ(0, session(&other, self->slot, CLONEDEV_ROLE_CO, TEST_CO));
	ASSERT_EQ(0, crypt_updates(other, &c, ct, len, self->out,
				   sizeof(self->out), &done, &got));
	clonedev_close(other);
	free(ct);
}

/* ---- rejections ---- */

TEST_F(crypto, gcm_bad_tag)
{
	unsigned char aad[8] = "header";
	unsigned int h, len, clen, n;
	struct clonedev_crypt c;
	unsigned char iv[12] = { 1, 2, 3 };

	fill(self->in, 100, 4);
	h = generate(_metadata, self->cd, CLONEDEV_KEY_AES, 256, 0);
	crypt_setup(&c, CLONEDEV_CRYPT_ENCRYPT, CLONEDEV_MECH_AES_GCM, h, 0);
	crypt_iv(&c, iv, 12);
	c.aad = (uintptr_t)aad;
	c.aad_len = sizeof(aad);
	crypt_io(&c, self->in, 100, self->out2, sizeof(self->out2));
	ASSERT_EQ(0, do_crypt(self->cd, &c));
	clen = c.out_len;
	ASSERT_EQ(116, clen);

	c.op = CLONEDEV_CRYPT_DECRYPT;
	crypt_io(&c, self->out2, clen, self->out, sizeof(self->out));
	/* The tag, the ciphertext and the AAD, each changed in turn. */
	for (n = 0; n < 3; n++) {
		unsigned char *p = n == 0 ? self->out2 + clen - 1 :
				   n == 1 ? self->out2 + 7 : aad + 2;

		*p ^= 0x10;
		memset(self->out, CANARY, sizeof(self->out));
		c.out_len = 12345;
		EXPECT_NERR(EBADMSG, do_crypt(self->cd, &c)) TH_LOG("case %u", n);
		EXPECT_TRUE(all_canary(self->out, sizeof(self->out)));
		memset(self->out, CANARY, sizeof(self->out));
		EXPECT_NERR(EBADMSG, crypt_parts(self->cd, &c, self->out2, clen,
						 self->out, sizeof(self->out),
						 &len)) TH_LOG("case %u", n);
		EXPECT_TRUE(all_canary(self->out, sizeof(self->out)))
			TH_LOG("case %u: plaintext before the tag checked", n);
		*p ^= 0x10;
	}
	EXPECT_EQ(0, do_crypt(self->cd, &c));
	EXPECT_EQ(100, c.out_len);
}

TEST_F_TIMEOUT(crypto, bad_mac_and_signature, CRYPTO_TEST_TIMEOUT)
{
	unsigned int g, a, e, r, len, i;
	static const struct { unsigned int mech, hash; } m[] = {
		{ CLONEDEV_MECH_HMAC, CLONEDEV_HASH_SHA512 },
		{ CLONEDEV_MECH_AES_CMAC, 0 },
		{ CLONEDEV_MECH_ECDSA, CLONEDEV_HASH_SHA256 },
		{ CLONEDEV_MECH_RSA_PKCS, CLONEDEV_HASH_SHA256 },
		{ CLONEDEV_MECH_RSA_PSS, CLONEDEV_HASH_SHA256 },
	};

	g = generate(_metadata, self->cd, CLONEDEV_KEY_GENERIC_SECRET, 128, 0);
	a = generate(_metadata, self->cd, CLONEDEV_KEY_AES, 192, 0);
	e = generate_pair(_metadata, self->cd, CLONEDEV_KEY_EC_P256, 0, NULL);
	r = import_hex(_metadata, self->cd, CLONEDEV_KEY_RSA, 0, rsa_pss.key);
	for (i = 0; i < ARRAY_SIZE(m); i++) {
		unsigned int k = i == 0 ? g : i == 1 ? a : i == 2 ? e : r;

		ASSERT_EQ(0, sign(self->cd, m[i].mech, k, m[i].hash, "data", 4,
				  self->out, sizeof(self->out), &len));
		EXPECT_EQ(0, verify(self->cd, m[i].mech, k, m[i].hash, "data",
				    4, self->out, len)) TH_LOG("mech %u", m[i].mech);
		EXPECT_NERR(EBADMSG, verify(self->cd, m[i].mech, k, m[i].hash,
					    "Data", 4, self->out, len))
			TH_LOG("mech %u: another message", m[i].mech);
		self->out[len / 2] ^= 2;
		EXPECT_NERR(EBADMSG, verify(self->cd, m[i].mech, k, m[i].hash,
					    "data", 4, self->out, len))
			TH_LOG("mech %u: a changed signature", m[i].mech);
	}
}

TEST_F(crypto, wrong_usage)
{
	unsigned char iv[16] = { 0 }, wrapped[64], peer[CLONEDEV_EC_POINT_MAX];
	unsigned int enc, ext, sig, pub, plen, n, h, len;
	struct clonedev_crypt c;

	enc = generate(_metadata, self->cd, CLONEDEV_KEY_AES, 256,
		       CLONEDEV_OBJ_ENCRYPT | CLONEDEV_OBJ_EXTRACTABLE);
	ext = generate(_metadata, self->cd, CLONEDEV_KEY_AES, 128,
		       CLONEDEV_OBJ_EXTRACTABLE);
	sig = generate_pair(_metadata, self->cd, CLONEDEV_KEY_EC_P256,
			    CLONEDEV_OBJ_SIGN, &pub);
	plen = public_point(_metadata, self->cd, pub, peer);

	crypt_setup(&c, CLONEDEV_CRYPT_ENCRYPT, CLONEDEV_MECH_AES_CBC_PAD, enc,
		    0);
	crypt_iv(&c, iv, 16);
	crypt_io(&c, "abc", 3, self->out, sizeof(self->out));
	ASSERT_EQ(0, do_crypt(self->cd, &c));
	crypt_io(&c, self->out, 16, self->out2, sizeof(self->out2));
	c.op = CLONEDEV_CRYPT_DECRYPT;
	EXPECT_NERR(EPERM, do_crypt(self->cd, &c));
	c.part = CLONEDEV_PART_INIT;
	crypt_io(&c, NULL, 0, NULL, 0);
	EXPECT_NERR(EPERM, do_crypt(self->cd, &c));
	EXPECT_NERR(EPERM, sign(self->cd, CLONEDEV_MECH_AES_CMAC, enc, 0, "a", 1,
				self->out, sizeof(self->out), &len));
	EXPECT_NERR(EPERM, verify(self->cd, CLONEDEV_MECH_AES_CMAC, enc, 0, "a",
				  1, self->out, 16));
	EXPECT_NERR(EPERM, verify(self->cd, CLONEDEV_MECH_ECDSA, sig,
				  CLONEDEV_HASH_SHA256, "a", 1, self->out, 64));

	n = count_objects(self->cd);
	/* enc may not wrap, nor unwrap; sig may not derive. */
	EXPECT_NERR(EPERM, wrap(self->cd, enc, ext, wrapped, sizeof(wrapped),
				&len));
	ASSERT_EQ(0, wrap(self->cd, ext, enc, wrapped, sizeof(wrapped), &len));
	EXPECT_NERR(EPERM, unwrap(self->cd, enc, CLONEDEV_KEY_AES, 0, wrapped,
				  len, &h));
	EXPECT_NERR(EPERM, derive(self->cd, sig, peer, plen, CLONEDEV_KEY_AES,
				  128, 0, &h));
	EXPECT_EQ(n, count_objects(self->cd));
}

TEST_F_TIMEOUT(crypto, rsa_wrong_usage, CRYPTO_TEST_TIMEOUT)
{
	unsigned char ct[256];
	unsigned int h, clen;
	struct clonedev_crypt c;

	h = import_hex(_metadata, self->cd, CLONEDEV_KEY_RSA, CLONEDEV_OBJ_SIGN,
		       rsa_oaep.key);
	clen = unhex(rsa_oaep.out, ct, sizeof(ct));
	crypt_setup(&c, CLONEDEV_CRYPT_DECRYPT, CLONEDEV_MECH_RSA_OAEP, h,
		    CLONEDEV_HASH_SHA256);
	crypt_io(&c, ct, clen, self->out, sizeof(self->out));
	EXPECT_NERR(EPERM, do_crypt(self->cd, &c));
	EXPECT_NERR(EPERM, verify(self->cd, CLONEDEV_MECH_RSA_PKCS, h,
				  CLONEDEV_HASH_SHA256, "a", 1, ct, clen));
}

TEST_F(crypto, not_logged_in)
{
	struct clonedev *anon, *noslot;
	unsigned char iv[16] = { 0 }, peer[CLONEDEV_EC_POINT_MAX];
	unsigned int aes, kek, ec, pub, plen, h, len, n;
	struct clonedev_crypt c;

	aes = generate(_metadata, self->cd, CLONEDEV_KEY_AES, 128,
		       CLONEDEV_USAGE_AES | CLONEDEV_OBJ_EXTRACTABLE);
	ec = generate_pair(_metadata, self->cd, CLONEDEV_KEY_EC_P256, 0, &pub);
	plen = public_point(_metadata, self->cd, pub, peer);
	kek = generate(_metadata, self->cd, CLONEDEV_KEY_AES, 256, 0);
	ASSERT_EQ(0, wrap(self->cd, kek, aes, self->out2, sizeof(self->out2),
			  &len));
	n = count_objects(self->cd);

	ASSERT_EQ(0, session(&anon, self->slot, 0, NULL));
	crypt_setup(&c, CLONEDEV_CRYPT_ENCRYPT, CLONEDEV_MECH_AES_CTR, aes, 0);
	crypt_iv(&c, iv, 16);
	crypt_io(&c, "abc", 3, self->out, sizeof(self->out));
	EXPECT_NERR(EACCES, do_crypt(anon, &c));
	c.part = CLONEDEV_PART_INIT;
	crypt_io(&c, NULL, 0, NULL, 0);
	EXPECT_NERR(EACCES, do_crypt(anon, &c));
	c.part = CLONEDEV_PART_ALL;
	crypt_io(&c, "abc", 3, self->out, sizeof(self->out));
	EXPECT_NERR(EACCES, derive(anon, ec, peer, plen, CLONEDEV_KEY_AES, 128,
				   0, &h));
	EXPECT_NERR(EACCES, wrap(anon, kek, aes, self->out, sizeof(self->out),
				 &h));
	EXPECT_NERR(EACCES, unwrap(anon, kek, CLONEDEV_KEY_AES, 0, self->out2,
				   len, &h));
	EXPECT_NERR(EACCES, random_bytes(anon, self->out, 16));

	/* Logged out again: the same. */
	ASSERT_EQ(0, clonedev_login(anon, CLONEDEV_ROLE_CO, TEST_CO));
	EXPECT_EQ(0, do_crypt(anon, &c));
	ASSERT_EQ(0, clonedev_logout(anon));
	EXPECT_NERR(EACCES, do_crypt(anon, &c));
	EXPECT_NERR(EACCES, random_bytes(anon, self->out, 16));
	clonedev_close(anon);

	/* Without a slot at all. */
	ASSERT_EQ(0, clonedev_open(&noslot));
	EXPECT_NERR(ENODEV, do_crypt(noslot, &c));
	EXPECT_NERR(ENODEV, random_bytes(noslot, self->out, 16));
	clonedev_close(noslot);
	EXPECT_EQ(n, count_objects(self->cd));
}

TEST_F_TIMEOUT(crypto, cu_uses_keys_but_no_key_management,
	       CRYPTO_TEST_TIMEOUT)
{
	struct clonedev *cu;
	unsigned char iv[16] = { 0 }, peer[CLONEDEV_EC_POINT_MAX];
	unsigned int aes, kek, ec, pub, plen, h, len, n;
	struct clonedev_crypt c;

	aes = generate(_metadata, self->cd, CLONEDEV_KEY_AES, 256,
		       CLONEDEV_USAGE_AES | CLONEDEV_OBJ_EXTRACTABLE);
	ec = generate_pair(_metadata, self->cd, CLONEDEV_KEY_EC_P256, 0, &pub);
	plen = public_point(_metadata, self->cd, pub, peer);
	kek = generate(_metadata, self->cd, CLONEDEV_KEY_AES, 256, 0);
	ASSERT_EQ(0, wrap(self->cd, kek, aes, self->out2, sizeof(self->out2),
			  &len));
	n = count_objects(self->cd);

	ASSERT_EQ(0, session(&cu, self->slot, CLONEDEV_ROLE_CU, TEST_CU));
	crypt_setup(&c, CLONEDEV_CRYPT_ENCRYPT, CLONEDEV_MECH_AES_CTR, aes, 0);
	crypt_iv(&c, iv, 16);
	crypt_io(&c, "abc", 3, self->out, sizeof(self->out));
	EXPECT_EQ(0, do_crypt(cu, &c));
	EXPECT_EQ(0, sign(cu, CLONEDEV_MECH_ECDSA, ec, CLONEDEV_HASH_SHA256,
			  "m", 1, self->out, sizeof(self->out), &h));
	EXPECT_EQ(0, random_bytes(cu, self->out, 16));

	EXPECT_NERR(EACCES, derive(cu, ec, peer, plen, CLONEDEV_KEY_AES, 128, 0,
				   &h));
	EXPECT_NERR(EACCES, wrap(cu, kek, aes, self->out, sizeof(self->out),
				 &h));
	EXPECT_NERR(EACCES, unwrap(cu, kek, CLONEDEV_KEY_AES, 0, self->out2,
				   len, &h));
	clonedev_close(cu);
	EXPECT_EQ(n, count_objects(self->cd));
}

TEST_F(crypto, wrap_forbidden_by_policy_5)
{
	struct clonedev_policy_change off = {
		CLONEDEV_POLICY_SECRET_WRAPPING, 0
	};
	unsigned int kek, aes, gen, len;

	ASSERT_EQ(0, set_policies(self->cd, &off, 1));
	kek = generate(_metadata, self->cd, CLONEDEV_KEY_AES, 256, 0);
	aes = generate(_metadata, self->cd, CLONEDEV_KEY_AES, 128,
		       CLONEDEV_OBJ_EXTRACTABLE);
	gen = generate(_metadata, self->cd, CLONEDEV_KEY_GENERIC_SECRET, 160,
		       CLONEDEV_OBJ_EXTRACTABLE);
	memset(self->out, CANARY, sizeof(self->out));
	EXPECT_NERR(EPERM, wrap(self->cd, kek, aes, self->out,
				sizeof(self->out), &len));
	EXPECT_NERR(EPERM, wrap(self->cd, kek, gen, self->out,
				sizeof(self->out), &len));
	EXPECT_TRUE(all_canary(self->out, sizeof(self->out)));

	/* Back on, the same keys wrap. */
	off.value = 1;
	ASSERT_EQ(0, set_policies(self->cd, &off, 1));
	EXPECT_EQ(0, wrap(self->cd, kek, aes, self->out, sizeof(self->out),
			  &len));
	EXPECT_EQ(24, len);
}

TEST_F_TIMEOUT(crypto, wrap_private_key_forbidden_by_policy_1,
	       CRYPTO_TEST_TIMEOUT)
{
	static const struct clonedev_policy_change on[] = {
		{ CLONEDEV_POLICY_PRIVATE_CLONING, 0 },
		{ CLONEDEV_POLICY_PRIVATE_WRAPPING, 1 },
	};
	unsigned int kek, ec, len;

	/* Default: policy 1 is 0. */
	kek = generate(_metadata, self->cd, CLONEDEV_KEY_AES, 256, 0);
	ec = generate_pair(_metadata, self->cd, CLONEDEV_KEY_EC_P256,
			   CLONEDEV_USAGE_EC | CLONEDEV_OBJ_EXTRACTABLE, NULL);
	memset(self->out, CANARY, sizeof(self->out));
	EXPECT_NERR(EPERM, wrap(self->cd, kek, ec, self->out, sizeof(self->out),
				&len));
	EXPECT_TRUE(all_canary(self->out, sizeof(self->out)));

	/* Turning it on destroys every object; new keys then wrap. */
	ASSERT_EQ(0, set_policies(self->cd, on, 2));
	kek = generate(_metadata, self->cd, CLONEDEV_KEY_AES, 256, 0);
	ec = generate_pair(_metadata, self->cd, CLONEDEV_KEY_EC_P256,
			   CLONEDEV_USAGE_EC | CLONEDEV_OBJ_EXTRACTABLE, NULL);
	EXPECT_EQ(0, wrap(self->cd, kek, ec, self->out, sizeof(self->out),
			  &len));
	EXPECT_EQ(40, len);
}

TEST_F(crypto, wrap_not_extractable)
{
	unsigned int kek, aes, len, n;

	kek = generate(_metadata, self->cd, CLONEDEV_KEY_AES, 256, 0);
	aes = generate(_metadata, self->cd, CLONEDEV_KEY_AES, 256, 0);
	n = count_objects(self->cd);
	memset(self->out, CANARY, sizeof(self->out));
	EXPECT_NERR(EPERM, wrap(self->cd, kek, aes, self->out,
				sizeof(self->out), &len));
	EXPECT_TRUE(all_canary(self->out, sizeof(self->out)));
	EXPECT_EQ(n, count_objects(self->cd));
}

TEST_F_TIMEOUT(crypto, bad_lengths, CRYPTO_TEST_TIMEOUT)
{
	unsigned char iv[17] = { 0 }, peer[CLONEDEV_EC_POINT_MAX], *big;
	unsigned int aes, kek, gen, ec, pub, plen, rsa, h, len, n, i;
	struct clonedev_crypt c;

	aes = generate(_metadata, self->cd, CLONEDEV_KEY_AES, 256,
		       CLONEDEV_USAGE_AES | CLONEDEV_OBJ_EXTRACTABLE);
	gen = generate(_metadata, self->cd, CLONEDEV_KEY_GENERIC_SECRET, 256, 0);
	ec = generate_pair(_metadata, self->cd, CLONEDEV_KEY_EC_P256, 0, &pub);
	plen = public_point(_metadata, self->cd, pub, peer);
	rsa = import_hex(_metadata, self->cd, CLONEDEV_KEY_RSA, 0, rsa_pss.key);
	n = count_objects(self->cd);

	/* GCM: tag 12..16, IV 12. */
	crypt_setup(&c, CLONEDEV_CRYPT_ENCRYPT, CLONEDEV_MECH_AES_GCM, aes, 0);
	crypt_io(&c, "abc", 3, self->out, sizeof(self->out));
	crypt_iv(&c, iv, 12);
	c.tag_len = 11;
	EXPECT_NERR(EINVAL, do_crypt(self->cd, &c));
	c.tag_len = 17;
	EXPECT_NERR(EINVAL, do_crypt(self->cd, &c));
	c.tag_len = 0;
	c.iv_len = 0;
	EXPECT_NERR(EINVAL, do_crypt(self->cd, &c));
	c.iv_len = 1;
	EXPECT_NERR(EINVAL, do_crypt(self->cd, &c));
	c.iv_len = 16;
	EXPECT_NERR(EINVAL, do_crypt(self->cd, &c));
	c.iv_len = 17;
	EXPECT_NERR(EINVAL, do_crypt(self->cd, &c));
	c.iv_len = 12;
	/* A ciphertext shorter than its tag. */
	c.op = CLONEDEV_CRYPT_DECRYPT;
	crypt_io(&c, self->in, 15, self->out, sizeof(self->out));
	EXPECT_NERR(EINVAL, do_crypt(self->cd, &c));

	/* CBC and CTR: a 16-byte IV. */
	for (i = 0; i < 2; i++) {
		crypt_setup(&c, CLONEDEV_CRYPT_ENCRYPT,
			    i ? CLONEDEV_MECH_AES_CTR : CLONEDEV_MECH_AES_CBC_PAD,
			    aes, 0);
		crypt_io(&c, "abc", 3, self->out, sizeof(self->out));
		crypt_iv(&c, iv, 12);
		EXPECT_NERR(EINVAL, do_crypt(self->cd, &c)) TH_LOG("mech %u", i);
		c.iv_len = 0;
		EXPECT_NERR(EINVAL, do_crypt(self->cd, &c)) TH_LOG("mech %u", i);
	}

	/* CBC decryption: whole blocks, and good padding. */
	crypt_setup(&c, CLONEDEV_CRYPT_DECRYPT, CLONEDEV_MECH_AES_CBC_PAD, aes,
		    0);
	crypt_iv(&c, iv, 16);
	crypt_io(&c, self->in, 17, self->out, sizeof(self->out));
	EXPECT_NERR(EINVAL, do_crypt(self->cd, &c));
	crypt_io(&c, self->in, 0, self->out, sizeof(self->out));
	EXPECT_NERR(EINVAL, do_crypt(self->cd, &c));
	c.op = CLONEDEV_CRYPT_ENCRYPT;
	fill(self->in, 32, 1);
	crypt_io(&c, self->in, 32, self->out2, sizeof(self->out2));
	ASSERT_EQ(0, do_crypt(self->cd, &c));
	ASSERT_EQ(48, c.out_len);
	/* The padding block's last byte becomes 0x11. */
	self->out2[31] ^= 0x01;
	c.op = CLONEDEV_CRYPT_DECRYPT;
	memset(self->out, CANARY, sizeof(self->out));
	crypt_io(&c, self->out2, 48, self->out, sizeof(self->out));
	EXPECT_NERR(EINVAL, do_crypt(self->cd, &c));

	/* Room too small: -EMSGSIZE, out_len the room needed. */
	crypt_setup(&c, CLONEDEV_CRYPT_ENCRYPT, CLONEDEV_MECH_AES_GCM, aes, 0);
	crypt_iv(&c, iv, 12);
	crypt_io(&c, self->in, 32, self->out, 47);
	EXPECT_NERR(EMSGSIZE, do_crypt(self->cd, &c));
	EXPECT_EQ(48, c.out_len);
	EXPECT_NERR(EMSGSIZE, sign(self->cd, CLONEDEV_MECH_HMAC, gen,
				   CLONEDEV_HASH_SHA512, "a", 1, self->out, 63,
				   &len));
	EXPECT_EQ(64, len);
	EXPECT_NERR(EMSGSIZE, sign(self->cd, CLONEDEV_MECH_ECDSA, ec,
				   CLONEDEV_HASH_SHA256, "a", 1, self->out, 63,
				   &len));
	EXPECT_EQ(64, len);
	EXPECT_NERR(EMSGSIZE, sign(self->cd, CLONEDEV_MECH_RSA_PKCS, rsa,
				   CLONEDEV_HASH_SHA256, "a", 1, self->out, 255,
				   &len));
	EXPECT_EQ(256, len);

	/* An UPDATE without room consumes nothing: again with room, it goes on. */
	crypt_setup(&c, CLONEDEV_CRYPT_ENCRYPT, CLONEDEV_MECH_AES_CTR, aes, 0);
	crypt_iv(&c, iv, 16);
	c.part = CLONEDEV_PART_INIT;
	ASSERT_EQ(0, do_crypt(self->cd, &c));
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.part = CLONEDEV_PART_UPDATE;
	crypt_io(&c, self->in, 32, self->out, 8);
	EXPECT_NERR(EMSGSIZE, do_crypt(self->cd, &c));
	EXPECT_LE(32, c.out_len);
	crypt_io(&c, self->in, 32, self->out, sizeof(self->out));
	EXPECT_EQ(0, do_crypt(self->cd, &c));
	EXPECT_EQ(32, c.out_len);
	c.part = CLONEDEV_PART_ABORT;
	EXPECT_EQ(0, do_crypt(self->cd, &c));
	c.part = CLONEDEV_PART_UPDATE;
	EXPECT_NERR(EINVAL, do_crypt(self->cd, &c));

	/* A FINAL without room consumes nothing: again with room, it ends. */
	fill(self->in, 32, 6);
	crypt_setup(&c, CLONEDEV_CRYPT_ENCRYPT, CLONEDEV_MECH_AES_GCM, aes, 0);
	crypt_iv(&c, iv, 12);
	crypt_io(&c, self->in, 32, self->out2, sizeof(self->out2));
	ASSERT_EQ(0, do_crypt(self->cd, &c));
	ASSERT_EQ(48, c.out_len);
	c.op = CLONEDEV_CRYPT_DECRYPT;
	c.part = CLONEDEV_PART_INIT;
	crypt_io(&c, NULL, 0, NULL, 0);
	ASSERT_EQ(0, do_crypt(self->cd, &c));
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.part = CLONEDEV_PART_UPDATE;
	crypt_io(&c, self->out2, 48, self->out, sizeof(self->out));
	ASSERT_EQ(0, do_crypt(self->cd, &c));
	EXPECT_EQ(0, c.out_len);
	c.part = CLONEDEV_PART_FINAL;
	crypt_io(&c, NULL, 0, self->out, 31);
	EXPECT_NERR(EMSGSIZE, do_crypt(self->cd, &c));
	EXPECT_EQ(32, c.out_len);
	crypt_io(&c, NULL, 0, self->out, sizeof(self->out));
	ASSERT_EQ(0, do_crypt(self->cd, &c));
	ASSERT_EQ(32, c.out_len);
	EXPECT_EQ(0, memcmp(self->out, self->in, 32));
	c.part = CLONEDEV_PART_UPDATE;
	EXPECT_NERR(EINVAL, do_crypt(self->cd, &c));

	/* Input over CLONEDEV_CRYPT_MAX in one call. */
	big = calloc(1, CLONEDEV_CRYPT_MAX + 1);
	ASSERT_NE(NULL, big);
	crypt_setup(&c, CLONEDEV_CRYPT_SIGN, CLONEDEV_MECH_HMAC, gen,
		    CLONEDEV_HASH_SHA256);
	crypt_io(&c, big, CLONEDEV_CRYPT_MAX + 1, self->out, sizeof(self->out));
	EXPECT_NERR(EMSGSIZE, do_crypt(self->cd, &c));
	free(big);

	/* RSA-PSS salt up to the hash's size. */
	crypt_setup(&c, CLONEDEV_CRYPT_SIGN, CLONEDEV_MECH_RSA_PSS, rsa,
		    CLONEDEV_HASH_SHA256);
	c.salt_len = 33;
	crypt_io(&c, "a", 1, self->out, sizeof(self->out));
	EXPECT_NERR(EINVAL, do_crypt(self->cd, &c));

	/* A bad hash and a bad part. */
	crypt_setup(&c, CLONEDEV_CRYPT_SIGN, CLONEDEV_MECH_HMAC, gen, 9);
	crypt_io(&c, "a", 1, self->out, sizeof(self->out));
	EXPECT_NERR(EINVAL, do_crypt(self->cd, &c));
	c.hash = CLONEDEV_HASH_NONE;
	EXPECT_NERR(EINVAL, do_crypt(self->cd, &c));
	c.hash = CLONEDEV_HASH_SHA256;
	c.part = CLONEDEV_PART_ABORT + 1;
	EXPECT_NERR(EINVAL, do_crypt(self->cd, &c));

	/* Wrap: too little room says how much. */
	kek = generate(_metadata, self->cd, CLONEDEV_KEY_AES, 256, 0);
	n++;
	EXPECT_NERR(EMSGSIZE, wrap(self->cd, kek, aes, self->out, 39, &len));
	EXPECT_EQ(40, len);

	/* Unwrap: 16 to CLONEDEV_WRAPPED_MAX, a multiple of 8; a key type. */
	ASSERT_EQ(0, wrap(self->cd, kek, aes, self->out2, sizeof(self->out2),
			  &len));
	EXPECT_NERR(EINVAL, unwrap(self->cd, kek, CLONEDEV_KEY_AES, 0,
				   self->out2, 8, &h));
	EXPECT_NERR(EINVAL, unwrap(self->cd, kek, CLONEDEV_KEY_AES, 0,
				   self->out2, 36, &h));
	EXPECT_NERR(EINVAL, unwrap(self->cd, kek, CLONEDEV_KEY_AES, 0,
				   self->out2, CLONEDEV_WRAPPED_MAX + 8, &h));
	EXPECT_NERR(EINVAL, unwrap(self->cd, kek, CLONEDEV_KEY_NONE, 0,
				   self->out2, len, &h));
	EXPECT_NERR(EINVAL, unwrap(self->cd, kek, 99, 0, self->out2, len, &h));
	/* A 32-byte value is no EC P-384 scalar. */
	EXPECT_NERR(EINVAL, unwrap(self->cd, kek, CLONEDEV_KEY_EC_P384, 0,
				   self->out2, len, &h));

	/* Derive: sizes, types, the point. */
	EXPECT_NERR(EINVAL, derive(self->cd, ec, peer, plen, CLONEDEV_KEY_AES,
				   100, 0, &h));
	EXPECT_NERR(EINVAL, derive(self->cd, ec, peer, plen,
				   CLONEDEV_KEY_GENERIC_SECRET, 264, 0, &h));
	EXPECT_NERR(EINVAL, derive(self->cd, ec, peer, plen,
				   CLONEDEV_KEY_GENERIC_SECRET, 12, 0, &h));
	EXPECT_NERR(EINVAL, derive(self->cd, ec, peer, plen, CLONEDEV_KEY_RSA,
				   2048, 0, &h));
	EXPECT_NERR(EINVAL, derive(self->cd, ec, peer, plen - 1,
				   CLONEDEV_KEY_AES, 128, 0, &h));
	EXPECT_NERR(EINVAL, derive(self->cd, ec, peer, plen + 32,
				   CLONEDEV_KEY_AES, 128, 0, &h));
	peer[0] = 0x02;
	EXPECT_NERR(EINVAL, derive(self->cd, ec, peer, plen, CLONEDEV_KEY_AES,
				   128, 0, &h));
	peer[0] = 0x04;
	peer[10] ^= 1;
	EXPECT_NERR(EINVAL, derive(self->cd, ec, peer, plen, CLONEDEV_KEY_AES,
				   128, 0, &h));

	/* Random: 1 to CLONEDEV_RANDOM_MAX. */
	EXPECT_NERR(EINVAL, random_bytes(self->cd, self->out, 0));
	EXPECT_NERR(EINVAL, random_bytes(self->cd, self->out,
					 CLONEDEV_RANDOM_MAX + 1));
	EXPECT_EQ(n, count_objects(self->cd));
}

/*
 * One valid request of each key-use ioctl (CTR encryption, ECDH, wrap,
 * unwrap and random) and the keys they use, for the tests that spoil one
 * field of each; n is the object count once the keys are made.
 */
struct requests {
	unsigned char iv[16], peer[CLONEDEV_EC_POINT_MAX];
	unsigned char out[64], wrapped[64];
	unsigned int n;
	struct clonedev_crypt c;
	struct clonedev_derive d;
	struct clonedev_wrap w;
	struct clonedev_unwrap u;
	struct clonedev_random r;
};

static void valid_requests(struct __test_metadata *_metadata,
			   struct clonedev *cd, struct requests *q)
{
	unsigned int aes, kek, ec, pub, plen, len;

	memset(q, 0, sizeof(*q));
	aes = generate(_metadata, cd, CLONEDEV_KEY_AES, 128,
		       CLONEDEV_USAGE_AES | CLONEDEV_OBJ_EXTRACTABLE);
	ec = generate_pair(_metadata, cd, CLONEDEV_KEY_EC_P256, 0, &pub);
	plen = public_point(_metadata, cd, pub, q->peer);
	kek = generate(_metadata, cd, CLONEDEV_KEY_AES, 256, 0);
	ASSERT_EQ(0, wrap(cd, kek, aes, q->wrapped, sizeof(q->wrapped),
			  &len));
	q->n = count_objects(cd);

	crypt_setup(&q->c, CLONEDEV_CRYPT_ENCRYPT, CLONEDEV_MECH_AES_CTR,
		    aes, 0);
	crypt_iv(&q->c, q->iv, 16);
	crypt_io(&q->c, "abc", 3, q->out, sizeof(q->out));
	derive_setup(&q->d, ec, q->peer, plen, CLONEDEV_KEY_AES, 128, 0);
	q->w.size = sizeof(q->w);
	q->w.mech = CLONEDEV_MECH_AES_KWP;
	q->w.wrapping_handle = aes;
	q->w.handle = aes;
	q->w.out = (uintptr_t)q->out;
	q->w.out_cap = sizeof(q->out);
	unwrap_setup(&q->u, kek, CLONEDEV_KEY_AES, 0, q->wrapped, len);
	q->r.size = sizeof(q->r);
	q->r.len = 16;
	q->r.out = (uintptr_t)q->out;
}

TEST_F(crypto, unknown_flags)
{
	struct requests q;

	valid_requests(_metadata, self->cd, &q);
	q.c.flags = 0x80000000U;
	EXPECT_NERR(EOPNOTSUPP, do_crypt(self->cd, &q.c));
	q.c.flags = 2;
	EXPECT_NERR(EOPNOTSUPP, do_crypt(self->cd, &q.c));
	q.d.flags = 1;
	EXPECT_NERR(EOPNOTSUPP, xioctl(self->cd, CLONEDEV_IOCTL_DERIVE, &q.d));
	q.w.flags = 1;
	EXPECT_NERR(EOPNOTSUPP, xioctl(self->cd, CLONEDEV_IOCTL_WRAP, &q.w));
	q.u.flags = 1;
	EXPECT_NERR(EOPNOTSUPP, xioctl(self->cd, CLONEDEV_IOCTL_UNWRAP, &q.u));
	q.r.flags = 2;
	EXPECT_NERR(EOPNOTSUPP, xioctl(self->cd, CLONEDEV_IOCTL_RANDOM, &q.r));
	EXPECT_EQ(q.n, count_objects(self->cd));
}

TEST_F(crypto, reserved_not_zero)
{
	struct requests q;

	valid_requests(_metadata, self->cd, &q);
	q.c.__reserved = 1;
	EXPECT_NERR(EINVAL, do_crypt(self->cd, &q.c));
	q.d.__reserved[6] = 1;
	EXPECT_NERR(EINVAL, xioctl(self->cd, CLONEDEV_IOCTL_DERIVE, &q.d));
	q.w.__reserved = 1;
	EXPECT_NERR(EINVAL, xioctl(self->cd, CLONEDEV_IOCTL_WRAP, &q.w));
	q.u.__reserved[0] = 1;
	EXPECT_NERR(EINVAL, xioctl(self->cd, CLONEDEV_IOCTL_UNWRAP, &q.u));
	q.r.__reserved = 1;
	EXPECT_NERR(EINVAL, xioctl(self->cd, CLONEDEV_IOCTL_RANDOM, &q.r));
	EXPECT_EQ(q.n, count_objects(self->cd));
}

/*
 * Wrapping @h, which is no secret or private key: -EOPNOTSUPP, or -EPERM
 * if it is not extractable either (both hold then).
 */
static void wrap_no_key(struct __test_metadata *_metadata,
			struct clonedev *cd, unsigned int kek, unsigned int h)
{
	struct clonedev_object_attrs a;
	unsigned char out[64];
	unsigned int len;
	int ret;

	get_attrs(_metadata, cd, h, &a);
	ret = wrap(cd, kek, h, out, sizeof(out), &len);
	if (a.obj_flags & CLONEDEV_OBJ_EXTRACTABLE) {
		EXPECT_NERR(EOPNOTSUPP, ret) TH_LOG("handle %u", h);
	} else {
		EXPECT_TRUE(ret == -EOPNOTSUPP || ret == -EPERM)
			TH_LOG("handle %u: %d", h, ret);
	}
}

TEST_F_TIMEOUT(crypto, mechanism_not_for_key, CRYPTO_TEST_TIMEOUT)
{
	unsigned char iv[16] = { 0 }, peer[CLONEDEV_EC_POINT_MAX];
	unsigned int aes, gen, ec, pub, plen, rsa, data, wrapgen, h, len, n;
	struct clonedev_derive d;
	struct clonedev_unwrap u;
	struct clonedev_wrap w;
	struct clonedev_crypt c;
	int ret;

	aes = generate(_metadata, self->cd, CLONEDEV_KEY_AES, 128,
		       CLONEDEV_USAGE_AES | CLONEDEV_OBJ_EXTRACTABLE);
	gen = generate(_metadata, self->cd, CLONEDEV_KEY_GENERIC_SECRET, 256,
		       CLONEDEV_USAGE_SECRET | CLONEDEV_OBJ_EXTRACTABLE);
	ec = generate_pair(_metadata, self->cd, CLONEDEV_KEY_EC_P256,
			   CLONEDEV_USAGE_EC | CLONEDEV_OBJ_EXTRACTABLE, &pub);
	plen = public_point(_metadata, self->cd, pub, peer);
	rsa = import_hex(_metadata, self->cd, CLONEDEV_KEY_RSA, 0, rsa_pss.key);
	ASSERT_EQ(0, clonedev_object_create(self->cd, CLONEDEV_OBJ_EXTRACTABLE,
					    "data", NULL, 0, "x", 1, &data));
	n = count_objects(self->cd);

	/* A cipher with an EC key; a signature with an AES key. */
	crypt_setup(&c, CLONEDEV_CRYPT_ENCRYPT, CLONEDEV_MECH_AES_GCM, ec, 0);
	crypt_iv(&c, iv, 12);
	crypt_io(&c, "abc", 3, self->out, sizeof(self->out));
	EXPECT_NERR(EOPNOTSUPP, do_crypt(self->cd, &c));
	EXPECT_NERR(EOPNOTSUPP, sign(self->cd, CLONEDEV_MECH_ECDSA, aes,
				     CLONEDEV_HASH_SHA256, "a", 1, self->out,
				     sizeof(self->out), &len));
	EXPECT_NERR(EOPNOTSUPP, sign(self->cd, CLONEDEV_MECH_HMAC, ec,
				     CLONEDEV_HASH_SHA256, "a", 1, self->out,
				     sizeof(self->out), &len));
	EXPECT_NERR(EOPNOTSUPP, sign(self->cd, CLONEDEV_MECH_AES_CMAC, gen, 0,
				     "a", 1, self->out, sizeof(self->out),
				     &len));
	EXPECT_NERR(EOPNOTSUPP, sign(self->cd, CLONEDEV_MECH_RSA_PKCS, ec,
				     CLONEDEV_HASH_SHA256, "a", 1, self->out,
				     sizeof(self->out), &len));
	EXPECT_NERR(EOPNOTSUPP, sign(self->cd, CLONEDEV_MECH_ECDSA, rsa,
				     CLONEDEV_HASH_SHA256, "a", 1, self->out,
				     sizeof(self->out), &len));
	/* An operation the mechanism does not have (all else right). */
	crypt_setup(&c, CLONEDEV_CRYPT_SIGN, CLONEDEV_MECH_AES_GCM, aes, 0);
	crypt_iv(&c, iv, 12);
	crypt_io(&c, "abc", 3, self->out, sizeof(self->out));
	EXPECT_NERR(EOPNOTSUPP, do_crypt(self->cd, &c));
	crypt_setup(&c, CLONEDEV_CRYPT_ENCRYPT, CLONEDEV_MECH_RSA_OAEP, rsa,
		    CLONEDEV_HASH_SHA256);
	crypt_io(&c, "abc", 3, self->out, sizeof(self->out));
	EXPECT_NERR(EOPNOTSUPP, do_crypt(self->cd, &c));
	/* Mechanisms that are not CRYPT's, and one that does not exist. */
	crypt_setup(&c, CLONEDEV_CRYPT_ENCRYPT, CLONEDEV_MECH_AES_KWP, aes, 0);
	crypt_io(&c, "abc", 3, self->out, sizeof(self->out));
	EXPECT_NERR(EOPNOTSUPP, do_crypt(self->cd, &c));
	c.mech = CLONEDEV_MECH_ECDH;
	c.handle = ec;
	EXPECT_NERR(EOPNOTSUPP, do_crypt(self->cd, &c));
	c.mech = 99;
	EXPECT_NERR(EOPNOTSUPP, do_crypt(self->cd, &c));
	/* A data object is no key: no mechanism is its. */
	crypt_setup(&c, CLONEDEV_CRYPT_SIGN, CLONEDEV_MECH_HMAC, data,
		    CLONEDEV_HASH_SHA256);
	crypt_io(&c, "a", 1, self->out, sizeof(self->out));
	ret = do_crypt(self->cd, &c);
	EXPECT_NERR(EOPNOTSUPP, ret);

	/* Derive from an AES key, or by another mechanism. */
	EXPECT_NERR(EOPNOTSUPP, derive(self->cd, aes, peer, plen,
				       CLONEDEV_KEY_AES, 128, 0, &h));
	derive_setup(&d, ec, peer, plen, CLONEDEV_KEY_AES, 128, 0);
	d.mech = CLONEDEV_MECH_AES_GCM;
	EXPECT_NERR(EOPNOTSUPP, xioctl(self->cd, CLONEDEV_IOCTL_DERIVE, &d));

	/* Wrap: another mechanism; objects that are no secret or private key. */
	memset(&w, 0, sizeof(w));
	w.size = sizeof(w);
	w.mech = CLONEDEV_MECH_AES_GCM;
	w.wrapping_handle = aes;
	w.handle = gen;
	w.out_cap = sizeof(self->out);
	w.out = (uintptr_t)self->out;
	EXPECT_NERR(EOPNOTSUPP, xioctl(self->cd, CLONEDEV_IOCTL_WRAP, &w));
	wrap_no_key(_metadata, self->cd, aes, pub);
	wrap_no_key(_metadata, self->cd, aes, data);
	/* A wrapping key that is not AES (usage permitting). */
	if (!clonedev_object_generate(self->cd, CLONEDEV_KEY_GENERIC_SECRET,
				      256, CLONEDEV_OBJ_WRAP, "w", NULL, 0,
				      &wrapgen)) {
		EXPECT_NERR(EOPNOTSUPP, wrap(self->cd, wrapgen, aes, self->out,
					     sizeof(self->out), &len));
		ASSERT_EQ(0, clonedev_object_destroy(self->cd, wrapgen));
	}
	ASSERT_EQ(0, wrap(self->cd, aes, gen, self->out2, sizeof(self->out2),
			  &len));
	unwrap_setup(&u, aes, CLONEDEV_KEY_GENERIC_SECRET, 0, self->out2, len);
	u.mech = CLONEDEV_MECH_AES_CBC_PAD;
	EXPECT_NERR(EOPNOTSUPP, xioctl(self->cd, CLONEDEV_IOCTL_UNWRAP, &u));
	EXPECT_EQ(n, count_objects(self->cd));
}

TEST_F(crypto, unknown_handle)
{
	unsigned char iv[16] = { 0 }, peer[CLONEDEV_EC_POINT_MAX];
	unsigned int aes, kek, pub, plen, h, len, n;
	struct clonedev_crypt c;

	aes = generate(_metadata, self->cd, CLONEDEV_KEY_AES, 128,
		       CLONEDEV_USAGE_AES | CLONEDEV_OBJ_EXTRACTABLE);
	kek = generate(_metadata, self->cd, CLONEDEV_KEY_AES, 128, 0);
	generate_pair(_metadata, self->cd, CLONEDEV_KEY_EC_P256, 0, &pub);
	plen = public_point(_metadata, self->cd, pub, peer);
	ASSERT_EQ(0, wrap(self->cd, kek, aes, self->out2, sizeof(self->out2),
			  &len));
	n = count_objects(self->cd);
	crypt_setup(&c, CLONEDEV_CRYPT_ENCRYPT, CLONEDEV_MECH_AES_CTR,
		    aes + 1000, 0);
	crypt_iv(&c, iv, 16);
	crypt_io(&c, "abc", 3, self->out, sizeof(self->out));
	EXPECT_NERR(ENOENT, do_crypt(self->cd, &c));
	EXPECT_NERR(ENOENT, wrap(self->cd, kek, aes + 1000, self->out,
				 sizeof(self->out), &len));
	EXPECT_NERR(ENOENT, wrap(self->cd, aes + 1000, aes, self->out,
				 sizeof(self->out), &len));
	EXPECT_NERR(ENOENT, unwrap(self->cd, aes + 1000, CLONEDEV_KEY_AES, 0,
				   self->out2, 24, &h));
	EXPECT_NERR(ENOENT, derive(self->cd, aes + 1000, peer, plen,
				   CLONEDEV_KEY_AES, 128, 0, &h));
	EXPECT_EQ(n, count_objects(self->cd));
}

/* ---- derive ---- */

TEST_F_TIMEOUT(crypto, ecdh_between_two_partitions, CRYPTO_TEST_TIMEOUT)
{
	static const unsigned int types[] = {
		CLONEDEV_KEY_EC_P256, CLONEDEV_KEY_EC_P384,
	};
	unsigned char pa[CLONEDEV_EC_POINT_MAX], pb[CLONEDEV_EC_POINT_MAX];
	unsigned int slot_b, a, b, puba, pubb, la, lb, ka, kb, i, len, n;
	struct clonedev_object_attrs x, y;
	struct clonedev *cd_b;

	setup_partition(_metadata, self->nl, "peer", &cd_b, &slot_b);
	for (i = 0; i < ARRAY_SIZE(types); i++) {
		a = generate_pair(_metadata, self->cd, types[i], 0, &puba);
		b = generate_pair(_metadata, cd_b, types[i], 0, &pubb);
		la = public_point(_metadata, self->cd, puba, pa);
		lb = public_point(_metadata, cd_b, pubb, pb);

		n = count_objects(self->cd);
		ASSERT_EQ(0, derive(self->cd, a, pb, lb, CLONEDEV_KEY_AES, 256,
				    CLONEDEV_OBJ_ENCRYPT, &ka));
		ASSERT_EQ(0, derive(cd_b, b, pa, la, CLONEDEV_KEY_AES, 256,
				    CLONEDEV_OBJ_DECRYPT, &kb));
		EXPECT_EQ(n + 1, count_objects(self->cd));

		/* Encrypted on one side, decrypted on the other. */
		fill(self->in, 200, i);
		ASSERT_EQ(0, gcm(self->cd, CLONEDEV_CRYPT_ENCRYPT, ka, 42,
				 self->in, 200, self->out, sizeof(self->out),
				 &len));
		ASSERT_EQ(0, gcm(cd_b, CLONEDEV_CRYPT_DECRYPT, kb, 42,
				 self->out, len, self->out2,
				 sizeof(self->out2), &len));
		ASSERT_EQ(200, len);
		EXPECT_EQ(0, memcmp(self->in, self->out2, 200));

		/* The derived keys are sensitive, private, and as asked. */
		get_attrs(_metadata, self->cd, ka, &x);
		get_attrs(_metadata, cd_b, kb, &y);
		EXPECT_EQ(0, memcmp(x.kcv, y.kcv, CLONEDEV_KCV_LEN));
		EXPECT_EQ(CLONEDEV_KEY_AES, x.key_type);
		EXPECT_EQ(256, x.bits);
		EXPECT_EQ(CLONEDEV_OBJ_PRIVATE | CLONEDEV_OBJ_SENSITIVE |
			  CLONEDEV_OBJ_ENCRYPT, x.obj_flags);
	}
	clonedev_close(cd_b);
}

/* ---- wrap and unwrap ---- */

TEST_F_TIMEOUT(crypto, wrap_unwrap_round_trip, CRYPTO_TEST_TIMEOUT)
{
	static const struct clonedev_policy_change on[] = {
		{ CLONEDEV_POLICY_PRIVATE_CLONING, 0 },
		{ CLONEDEV_POLICY_PRIVATE_WRAPPING, 1 },
	};
	struct clonedev_object_attrs a, b;
	unsigned int kek, keys[6], u, len, i;

	ASSERT_EQ(0, set_policies(self->cd, on, 2));
	kek = generate(_metadata, self->cd, CLONEDEV_KEY_AES, 256, 0);
	keys[0] = generate(_metadata, self->cd, CLONEDEV_KEY_AES, 128,
			   CLONEDEV_USAGE_AES | CLONEDEV_OBJ_EXTRACTABLE);
	keys[1] = generate(_metadata, self->cd, CLONEDEV_KEY_AES, 192,
			   CLONEDEV_USAGE_AES | CLONEDEV_OBJ_EXTRACTABLE);
	keys[2] = generate(_metadata, self->cd, CLONEDEV_KEY_GENERIC_SECRET,
			   328, CLONEDEV_USAGE_SECRET | CLONEDEV_OBJ_EXTRACTABLE);
	keys[3] = generate_pair(_metadata, self->cd, CLONEDEV_KEY_EC_P256,
				CLONEDEV_USAGE_EC | CLONEDEV_OBJ_EXTRACTABLE,
				NULL);
	keys[4] = generate_pair(_metadata, self->cd, CLONEDEV_KEY_EC_P384,
				CLONEDEV_USAGE_EC | CLONEDEV_OBJ_EXTRACTABLE,
				NULL);
	keys[5] = import_hex(_metadata, self->cd, CLONEDEV_KEY_RSA,
			     CLONEDEV_USAGE_RSA | CLONEDEV_OBJ_EXTRACTABLE,
			     rsa_pkcs1.key);
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		get_attrs(_metadata, self->cd, keys[i], &a);
		ASSERT_EQ(0, wrap(self->cd, kek, keys[i], self->out,
				  sizeof(self->out), &len)) TH_LOG("key %u", i);
		EXPECT_EQ(0, len % 8);
		ASSERT_EQ(0, unwrap(self->cd, kek, a.key_type, 0, self->out,
				    len, &u)) TH_LOG("key %u", i);
		get_attrs(_metadata, self->cd, u, &b);
		EXPECT_EQ(0, memcmp(a.kcv, b.kcv, CLONEDEV_KCV_LEN))
			TH_LOG("key %u: another KCV after unwrapping", i);
		EXPECT_EQ(a.bits, b.bits);
		EXPECT_EQ(a.obj_class, b.obj_class);
		EXPECT_EQ(CLONEDEV_OBJ_PRIVATE | CLONEDEV_OBJ_SENSITIVE,
			  b.obj_flags & (CLONEDEV_OBJ_PRIVATE |
					 CLONEDEV_OBJ_SENSITIVE));
		EXPECT_STREQ("unwrapped", b.label);
	}

	/* The unwrapped AES key decrypts what the original encrypted. */
	fill(self->in, 64, 8);
	ASSERT_EQ(0, wrap(self->cd, kek, keys[0], self->out, sizeof(self->out),
			  &len));
	ASSERT_EQ(0, unwrap(self->cd, kek, CLONEDEV_KEY_AES, CLONEDEV_OBJ_DECRYPT,
			    self->out, len, &u));
	ASSERT_EQ(0, gcm(self->cd, CLONEDEV_CRYPT_ENCRYPT, keys[0], 7, self->in,
			 64, self->out, sizeof(self->out), &len));
	ASSERT_EQ(0, gcm(self->cd, CLONEDEV_CRYPT_DECRYPT, u, 7, self->out, len,
			 self->out2, sizeof(self->out2), &len));
	EXPECT_EQ(0, memcmp(self->in, self->out2, 64));
	/* Only the usage it was given. */
	EXPECT_NERR(EPERM, gcm(self->cd, CLONEDEV_CRYPT_ENCRYPT, u, 7, self->in,
			       64, self->out, sizeof(self->out), &len));
}

TEST_F(crypto, unwrap_tampered)
{
	unsigned int kek, key, h, len, n, i;

	kek = generate(_metadata, self->cd, CLONEDEV_KEY_AES, 128, 0);
	key = generate(_metadata, self->cd, CLONEDEV_KEY_AES, 256,
		       CLONEDEV_OBJ_EXTRACTABLE);
	ASSERT_EQ(0, wrap(self->cd, kek, key, self->out2, sizeof(self->out2),
			  &len));
	ASSERT_EQ(40, len);
	n = count_objects(self->cd);
	for (i = 0; i < len; i += 13) {
		memcpy(self->out, self->out2, len);
		self->out[i] ^= 0x40;
		EXPECT_NERR(EBADMSG, unwrap(self->cd, kek, CLONEDEV_KEY_AES, 0,
					    self->out, len, &h)) TH_LOG("byte %u", i);
	}
	/* Cut short by a block; or under another key. */
	EXPECT_NERR(EBADMSG, unwrap(self->cd, kek, CLONEDEV_KEY_AES, 0,
				    self->out2, len - 8, &h));
	h = generate(_metadata, self->cd, CLONEDEV_KEY_AES, 128, 0);
	n++;
	EXPECT_NERR(EBADMSG, unwrap(self->cd, h, CLONEDEV_KEY_AES, 0,
				    self->out2, len, &h));
	EXPECT_EQ(n, count_objects(self->cd));
}

/* ---- random ---- */

TEST_F(crypto, random)
{
	static const unsigned int lens[] = { 1, 17, 32, 4096 };
	unsigned char *big;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		memset(self->out, CANARY, sizeof(self->out));
		ASSERT_EQ(0, random_bytes(self->cd, self->out, lens[i]));
		EXPECT_TRUE(all_canary(self->out + lens[i],
				       sizeof(self->out) - lens[i]))
			TH_LOG("%u bytes asked, more written", lens[i]);
	}
	ASSERT_EQ(0, random_bytes(self->cd, self->out, 32));
	ASSERT_EQ(0, random_bytes(self->cd, self->out2, 32));
	EXPECT_NE(0, memcmp(self->out, self->out2, 32));
	memset(self->out2, 0, 32);
	EXPECT_NE(0, memcmp(self->out, self->out2, 32));

	big = malloc(CLONEDEV_RANDOM_MAX);
	ASSERT_NE(NULL, big);
	EXPECT_EQ(0, random_bytes(self->cd, big, CLONEDEV_RANDOM_MAX));
	free(big);
}

/* ---- a handle reused while a call uses it ---- */

/*
 * Handles are reused: xa_alloc() gives the lowest free one. The swapper
 * destroys the key on handle @h and imports the other of two keys, which
 * lands on the same handle, over and over, while the test's own session
 * uses @h. A call must act on one object throughout: its checks and its
 * result both of the key it found, never of the one that replaced it.
 */
struct swapper {
	unsigned int slot, h;
	const unsigned char *val[2];
	unsigned int len[2], flags[2];
	int stop;			/* __atomic: set by the test */
	int err;
	unsigned int swaps;
};

static void *swap_keys(void *arg)
{
	struct swapper *w = arg;
	struct clonedev *cd;
	unsigned int i, h;
	int ret;

	ret = session(&cd, w->slot, CLONEDEV_ROLE_CO, TEST_CO);
	for (i = 1; !ret && !__atomic_load_n(&w->stop, __ATOMIC_RELAXED); i++) {
		ret = clonedev_object_destroy(cd, w->h) ?:
		      clonedev_object_import(cd, CLONEDEV_KEY_GENERIC_SECRET,
					     w->flags[i % 2], "swap", NULL, 0,
					     w->val[i % 2], w->len[i % 2],
					     &h);
		if (!ret && h != w->h)
			ret = -EBADSLT;
		w->swaps++;
	}
	w->err = ret;
	if (!ret)
		clonedev_close(cd);
	return NULL;
}

/*
 * Users of the handle: several sessions, more threads than the VM has
 * CPUs, so that a call is often preempted between its steps (at a
 * mutex_lock()) while the swapper runs.
 */
#define RACE_SECS	3
#define RACERS		4

struct racer {
	struct swapper *w;
	unsigned int k;			/* the wrapping key, for WRAP */
	const unsigned char *ref;	/* the one right result */
	unsigned int ref_len;
	int (*call)(struct racer *r, struct clonedev *cd);
	unsigned int calls, good, bad;
	int err;
};

static int race_wrap(struct racer *r, struct clonedev *cd)
{
	unsigned char buf[128];
	unsigned int len;
	int ret;

	/* Room for the small key's wrapping only, and a margin seen. */
	memset(buf, 0xa5, sizeof(buf));
	ret = wrap(cd, r->k, r->w->h, buf, r->ref_len, &len);
	if (!ret)
		return len == r->ref_len && !memcmp(buf, r->ref, len) &&
		       buf[len] == 0xa5 ? 0 : -EBADMSG;
	if (ret != -EMSGSIZE && len)
		return -EBADMSG;
	return ret;
}

static int race_sign(struct racer *r, struct clonedev *cd)
{
	unsigned char mac[64];
	unsigned int len;
	int ret;

	ret = sign(cd, CLONEDEV_MECH_HMAC, r->w->h, CLONEDEV_HASH_SHA256,
		   "msg", 3, mac, sizeof(mac), &len);
	if (!ret)
		return len == r->ref_len && !memcmp(mac, r->ref, len) ?
		       0 : -EBADMSG;
	return ret;
}

static void *race(void *arg)
{
	struct racer *r = arg;
	struct clonedev *cd;
	time_t end;
	int ret;

	r->err = session(&cd, r->w->slot, CLONEDEV_ROLE_CO, TEST_CO);
	if (r->err)
		return NULL;
	for (end = time(NULL) + RACE_SECS; time(NULL) < end; r->calls++) {
		ret = r->call(r, cd);
		if (!ret)
			r->good++;
		/* Refused as the small key, or as the big one: both fine. */
		else if (ret != -ENOENT && ret != -EPERM && ret != -EMSGSIZE)
			r->bad++;
	}
	clonedev_close(cd);
	return NULL;
}

/* Runs RACERS threads of @tmpl's call against @w's swapper. */
static void run_race(struct __test_metadata *_metadata, struct swapper *w,
		     const struct racer *tmpl)
{
	struct racer r[RACERS];
	pthread_t t[RACERS], ts;
	unsigned int i, calls = 0, good = 0, bad = 0;

	ASSERT_EQ(0, pthread_create(&ts, NULL, swap_keys, w));
	for (i = 0; i < RACERS; i++) {
		r[i] = *tmpl;
		r[i].w = w;
		ASSERT_EQ(0, pthread_create(&t[i], NULL, race, &r[i]));
	}
	for (i = 0; i < RACERS; i++) {
		ASSERT_EQ(0, pthread_join(t[i], NULL));
		EXPECT_EQ(0, r[i].err) TH_LOG("racer %u: %s", i,
					      strerror(-r[i].err));
		calls += r[i].calls;
		good += r[i].good;
		bad += r[i].bad;
	}
	__atomic_store_n(&w->stop, 1, __ATOMIC_RELAXED);
	ASSERT_EQ(0, pthread_join(ts, NULL));
	EXPECT_EQ(0, w->err) TH_LOG("swapper: %s", strerror(-w->err));
	EXPECT_EQ(0, bad) TH_LOG("%u of %u calls used another key or failed",
				 bad, calls);
	EXPECT_LT(0, good);
	EXPECT_LT(10, w->swaps);
	TH_LOG("%u calls (%u with the right key) over %u swaps", calls, good,
	       w->swaps);
}

TEST_F_TIMEOUT(crypto, wrap_races_handle_reuse, HEAVY_TEST_TIMEOUT)
{
	static const unsigned char kek[32] = { 1, 2, 3 }, small[16] = { 7 },
				   big[48] = { 9 };
	unsigned char ref[24];
	struct swapper w = {
		.slot = self->slot,
		.val = { small, big }, .len = { 16, 48 },
		/* The small key may be wrapped, the big one may not. */
		.flags = { CLONEDEV_OBJ_EXTRACTABLE, CLONEDEV_OBJ_SIGN },
	};
	struct racer tmpl = { .ref = ref, .ref_len = sizeof(ref),
			      .call = race_wrap };
	unsigned int len;

	ASSERT_EQ(0, clonedev_object_import(self->cd, CLONEDEV_KEY_AES,
					    CLONEDEV_OBJ_WRAP, "kek", NULL, 0,
					    kek, 32, &tmpl.k));
	ASSERT_EQ(0, clonedev_object_import(self->cd,
					    CLONEDEV_KEY_GENERIC_SECRET,
					    w.flags[0], "swap", NULL, 0, small,
					    16, &w.h));
	ASSERT_EQ(0, wrap(self->cd, tmpl.k, w.h, ref, sizeof(ref), &len));
	ASSERT_EQ(sizeof(ref), len);
	run_race(_metadata, &w, &tmpl);
}

TEST_F_TIMEOUT(crypto, sign_races_handle_reuse, HEAVY_TEST_TIMEOUT)
{
	static const unsigned char signer[32] = { 5 }, other[32] = { 6 };
	unsigned char ref[32];
	struct swapper w = {
		.slot = self->slot,
		.val = { signer, other }, .len = { 32, 32 },
		/* Only the first key may sign. */
		.flags = { CLONEDEV_OBJ_SIGN, CLONEDEV_OBJ_VERIFY },
	};
	struct racer tmpl = { .ref = ref, .ref_len = sizeof(ref),
			      .call = race_sign };
	unsigned int len;

	ASSERT_EQ(0, clonedev_object_import(self->cd,
					    CLONEDEV_KEY_GENERIC_SECRET,
					    w.flags[0], "swap", NULL, 0,
					    signer, 32, &w.h));
	ASSERT_EQ(0, sign(self->cd, CLONEDEV_MECH_HMAC, w.h,
			  CLONEDEV_HASH_SHA256, "msg", 3, ref, sizeof(ref),
			  &len));
	ASSERT_EQ(sizeof(ref), len);
	run_race(_metadata, &w, &tmpl);
}

/* ---- many sessions at once ---- */

#define THREADS		8
#define ROUNDS		6
#define KEYS		8

struct worker {
	unsigned int slot, index;
	const unsigned int *aes, *ec;	/* keys[], one or KEYS of them */
	unsigned int nkeys;
	int err;			/* first failure, a negative errno */
	unsigned int wrong;		/* results that were not right */
};

static void *work(void *arg)
{
	struct worker *w = arg;
	unsigned char msg[300], ct[400], pt[400], sig[96];
	unsigned int r, k, len, len2;
	struct clonedev *cd;
	int ret;

	ret = session(&cd, w->slot, w->index % 2 ? CLONEDEV_ROLE_CU :
		      CLONEDEV_ROLE_CO, w->index % 2 ? TEST_CU : TEST_CO);
	for (r = 0; !ret && r < ROUNDS; r++) {
		k = (w->index + r) % w->nkeys;
		fill(msg, sizeof(msg), w->index * 100 + r);
		ret = gcm(cd, CLONEDEV_CRYPT_ENCRYPT, w->aes[k],
			  w->index << 16 | r, msg, sizeof(msg), ct, sizeof(ct),
			  &len) ?:
		      gcm(cd, CLONEDEV_CRYPT_DECRYPT, w->aes[k],
			  w->index << 16 | r, ct, len, pt, sizeof(pt), &len2);
		if (ret)
			break;
		if (len2 != sizeof(msg) || memcmp(pt, msg, sizeof(msg)))
			w->wrong++;
		ret = sign(cd, CLONEDEV_MECH_ECDSA, w->ec[k],
			   CLONEDEV_HASH_SHA256, msg, sizeof(msg), sig,
			   sizeof(sig), &len);
		if (ret)
			break;
		ret = verify(cd, CLONEDEV_MECH_ECDSA, w->ec[k],
			     CLONEDEV_HASH_SHA256, msg, sizeof(msg), sig, len);
		if (ret == -EBADMSG) {
			w->wrong++;
			ret = 0;
		}
		/* And a wrong one must not pass. */
		msg[0] ^= 1;
		if (!ret && verify(cd, CLONEDEV_MECH_ECDSA, w->ec[k],
				   CLONEDEV_HASH_SHA256, msg, sizeof(msg), sig,
				   len) != -EBADMSG)
			w->wrong++;
	}
	w->err = ret;
	clonedev_close(cd);
	return NULL;
}

static void run_workers(struct __test_metadata *_metadata,
			struct _test_data_crypto *self, const unsigned int *aes,
			const unsigned int *ec, unsigned int nkeys)
{
	struct worker w[THREADS] = { 0 };
	pthread_t t[THREADS];
	unsigned int i;

	for (i = 0; i < THREADS; i++) {
		w[i].slot = self->slot;
		w[i].index = i;
		w[i].aes = aes;
		w[i].ec = ec;
		w[i].nkeys = nkeys;
		ASSERT_EQ(0, pthread_create(&t[i], NULL, work, &w[i]));
	}
	for (i = 0; i < THREADS; i++) {
		ASSERT_EQ(0, pthread_join(t[i], NULL));
		EXPECT_EQ(0, w[i].err)
			TH_LOG("thread %u: %s", i, strerror(-w[i].err));
		EXPECT_EQ(0, w[i].wrong) TH_LOG("thread %u", i);
	}
}

TEST_F_TIMEOUT(crypto, threads_on_one_key, HEAVY_TEST_TIMEOUT)
{
	unsigned int aes, ec;

	aes = generate(_metadata, self->cd, CLONEDEV_KEY_AES, 256, 0);
	ec = generate_pair(_metadata, self->cd, CLONEDEV_KEY_EC_P256, 0, NULL);
	run_workers(_metadata, self, &aes, &ec, 1);
}

TEST_F_TIMEOUT(crypto, threads_on_many_keys, HEAVY_TEST_TIMEOUT)
{
	unsigned int aes[KEYS], ec[KEYS], i;

	for (i = 0; i < KEYS; i++) {
		aes[i] = generate(_metadata, self->cd, CLONEDEV_KEY_AES,
				  i % 2 ? 128 : 256, 0);
		ec[i] = generate_pair(_metadata, self->cd,
				      i % 2 ? CLONEDEV_KEY_EC_P384 :
				      CLONEDEV_KEY_EC_P256, 0, NULL);
	}
	run_workers(_metadata, self, aes, ec, KEYS);
}

TEST_HARNESS_MAIN
