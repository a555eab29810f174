// SPDX-License-Identifier: GPL-2.0
/*
 * clonedev-bench-crypto: the crypto figures of make bench (the "crypto"
 * stage), measured in the VM. It times nine operations, one-shot, each
 * through five paths in the same process, and one of them from several
 * threads at once:
 *
 *  - clonedev: CLONEDEV_IOCTL_CRYPT (part ALL) on a session logged in as
 *    the co of a fresh partition, through libclonedev's clonedev_encrypt(),
 *    _sign() and _verify(); keys generated in the partition (AES-256, a
 *    256-bit generic secret, EC P-256 and P-384 pairs) and RSA-2048 and
 *    RSA-3072 keys made here by OpenSSL and imported;
 *  - AF_ALG: the kernel's own crypto socket, "gcm(aes)" (aead) and
 *    "hmac(sha256)" (hash) with the key set on the socket; it does not
 *    sign, so those rows are n/a;
 *  - clonedev's PKCS#11 module (with --pkcs11 PATH, dlopen()ed), logged
 *    in as CKU_USER on the clonedev path's partition, on the same keys
 *    found by label: the module's cost over libclonedev direct;
 *  - SoftHSMv2 through PKCS#11 (dlopen()ed), a token in a temporary
 *    directory, session keys from C_GenerateKey/C_GenerateKeyPair, one
 *    C_*Init and one C_Encrypt, C_Sign or C_Verify per operation;
 *  - OpenSSL's libcrypto in process, contexts keyed once: the bound.
 *
 * The operations: AES-256-GCM encryption of 64 bytes and of 4 KiB (12-byte
 * IV, a counter, no AAD, 16-byte tag), HMAC-SHA-256 of 64 bytes, ECDSA
 * P-256 signing and verification of SHA-256 of 64 bytes, the same on
 * P-384 with SHA-384, and RSA-2048 and RSA-3072 PKCS#1 v1.5 signing with
 * SHA-256 of 64 bytes. Before timing, AF_ALG's and OpenSSL's outputs
 * (same keys) are compared and clonedev's RSA signatures are checked by
 * OpenSSL; every verification must succeed.
 *
 * The threaded row: THREADS threads sign (ECDSA P-256) with the one P-256
 * key of a path, each on a session of its own (clonedev: a file
 * descriptor logged in as the co; SoftHSMv2: a session of the one
 * application, the module initialized with CKF_OS_LOCKING_OK; OpenSSL: a
 * context each); the figure is the signatures of all threads per second.
 * Under TCG the guest's CPUs are as many as selftests/vm/run gives it, and
 * run in parallel only with CLONEDEV_VM_MTTCG=1.
 *
 * Each row and path runs for a fixed time after one untimed call, in
 * ROUNDS slices taken in turn with the other paths, and prints one JSON
 * object per line:
 *	{"row": "...", "path": "...", "ops_per_s": N}
 * with null for an operation the path does not offer. Figures only.
 *
 * Usage: clonedev-bench-crypto [--seconds S] [--module PATH] [--pkcs11 PATH]
 */
#include <dlfcn.h>
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/if_alg.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <p11-kit/pkcs11.h>

#include "libclonedev.h"

#define PROG		"clonedev-bench-crypto"
#define MODULE		"/usr/lib/softhsm/libsofthsm2.so"
#define PO		"bench-po"
#define CO		"bench-co"
#define DOMAIN		"bench-domain"
#define SO_PIN		"bench-so"
#define USER_PIN	"bench-user"
#define MSG_LEN		64
#define BIG_LEN		4096
#define IV_LEN		12
#define TAG_LEN		16
#define KEY_LEN		32
#define SIG_MAX		512
#define MAX_SLOTS	64
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#include "p11.h"

enum row { GCM_64, GCM_4K, HMAC_64, ECDSA_SIGN, ECDSA_VERIFY, P384_SIGN,
	   P384_VERIFY, RSA_SIGN, RSA3072_SIGN, THREADS_SIGN, NR_ROWS };

static const char *const row_names[NR_ROWS] = {
	[GCM_64] = "AES-256-GCM encrypt 64 B",
	[GCM_4K] = "AES-256-GCM encrypt 4 KiB",
	[HMAC_64] = "HMAC-SHA-256 64 B",
	[ECDSA_SIGN] = "ECDSA P-256 sign",
	[ECDSA_VERIFY] = "ECDSA P-256 verify",
	[P384_SIGN] = "ECDSA P-384 sign",
	[P384_VERIFY] = "ECDSA P-384 verify",
	[RSA_SIGN] = "RSA-2048 PKCS#1 v1.5 sign",
	[RSA3072_SIGN] = "RSA-3072 PKCS#1 v1.5 sign",
	[THREADS_SIGN] = "ECDSA P-256 sign, 8 threads",
};

/* The threads of the THREADS_SIGN row, all signing with one key. */
#define THREADS		8

/*
 * One thread of the THREADS_SIGN row: its own session (or context),
 * signing with the path's one P-256 key.
 */
struct worker {
	pthread_t tid;
	struct clonedev *cd;
	CK_SESSION_HANDLE s;
	EVP_MD_CTX *md;
	double seconds;
	unsigned long ops;
};

/*
 * One way to the operations: false from @run if it lacks the row. A path
 * that signs from several threads has @thread_open (a worker's session),
 * @thread_sign (one signature) and @thread_close.
 */
struct path {
	const char *name;
	bool (*run)(enum row r);
	void (*thread_open)(struct worker *w);
	void (*thread_sign)(struct worker *w);
	void (*thread_close)(struct worker *w);
};

/* Inputs and keys shared by the paths that take raw keys. */
static unsigned char msg[BIG_LEN], out[BIG_LEN + TAG_LEN], iv[IV_LEN];
static unsigned char aes_key[KEY_LEN], hmac_key[KEY_LEN];

static void die_errno(const char *what, int err)
{
	fprintf(stderr, PROG ": %s: %s\n", what,
		strerror(err < 0 ? -err : err));
	exit(1);
}

/* A new IV per encryption: a 96-bit counter. */
static void next_iv(void)
{
	int i;

	for (i = IV_LEN - 1; i >= 0 && ++iv[i] == 0; i--)
		;
}

static size_t gcm_len(enum row r)
{
	return r == GCM_4K ? BIG_LEN : MSG_LEN;
}

/* The EC rows' curve: 0 P-256 (with SHA-256), 1 P-384 (with SHA-384). */
static int curve(enum row r)
{
	return r == P384_SIGN || r == P384_VERIFY;
}

/* ---- OpenSSL, in process ---- */

static struct {
	EVP_CIPHER_CTX *gcm;
	EVP_MAC_CTX *hmac;
	EVP_MD_CTX *md;
	EVP_MD *sha256, *sha384;
	EVP_PKEY *rsa, *rsa3072;
	struct {
		EVP_PKEY *key;
		unsigned char sig[SIG_MAX];
		size_t sig_len;
	} ec[2];		/* by curve() */
} ossl;

static void ossl_check(int ok, const char *what)
{
	if (ok != 1)
		die(what);
}

static void ossl_setup(void)
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						 "SHA256", 0),
		OSSL_PARAM_construct_end(),
	};
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);

	ossl.sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	ossl.sha384 = EVP_MD_fetch(NULL, "SHA384", NULL);
	ossl.gcm = EVP_CIPHER_CTX_new();
	ossl.md = EVP_MD_CTX_new();
	ossl.hmac = mac ? EVP_MAC_CTX_new(mac) : NULL;
	EVP_MAC_free(mac);
	if (!ossl.sha256 || !ossl.sha384 || !ossl.gcm || !ossl.md ||
	    !ossl.hmac)
		die("OpenSSL: cannot set up contexts");
	ossl_check(EVP_EncryptInit_ex(ossl.gcm, EVP_aes_256_gcm(), NULL,
				      aes_key, NULL), "EVP_EncryptInit_ex");
	ossl_check(EVP_MAC_init(ossl.hmac, hmac_key, KEY_LEN, params),
		   "EVP_MAC_init");
	ossl.ec[0].key = EVP_EC_gen("P-256");
	ossl.ec[1].key = EVP_EC_gen("P-384");
	ossl.rsa = EVP_RSA_gen(2048);
	ossl.rsa3072 = EVP_RSA_gen(3072);
	if (!ossl.ec[0].key || !ossl.ec[1].key || !ossl.rsa || !ossl.rsa3072)
		die("OpenSSL: cannot generate the EC and RSA keys");
}

static void ossl_gcm(size_t len, unsigned char *dst)
{
	int n, m;

	ossl_check(EVP_EncryptInit_ex(ossl.gcm, NULL, NULL, NULL, iv),
		   "EVP_EncryptInit_ex");
	ossl_check(EVP_EncryptUpdate(ossl.gcm, dst, &n, msg, (int)len),
		   "EVP_EncryptUpdate");
	ossl_check(EVP_EncryptFinal_ex(ossl.gcm, dst + n, &m),
		   "EVP_EncryptFinal_ex");
	ossl_check(EVP_CIPHER_CTX_ctrl(ossl.gcm, EVP_CTRL_GCM_GET_TAG, TAG_LEN,
				       dst + len), "EVP_CTRL_GCM_GET_TAG");
}

static void ossl_hmac(unsigned char *mac)
{
	size_t len;

	/* No key: the one set at setup, its pads already hashed. */
	ossl_check(EVP_MAC_init(ossl.hmac, NULL, 0, NULL), "EVP_MAC_init");
	ossl_check(EVP_MAC_update(ossl.hmac, msg, MSG_LEN), "EVP_MAC_update");
	ossl_check(EVP_MAC_final(ossl.hmac, mac, &len, 32), "EVP_MAC_final");
}

/*
 * A signature of the message with @key and hash @md, by context @ctx.
 * The context is reset first: OpenSSL 3.0 gets an RSA signature wrong on
 * a context last used with an RSA key of another size.
 */
static size_t ossl_sign_ctx(EVP_MD_CTX *ctx, EVP_PKEY *key, const EVP_MD *md,
			    unsigned char *sig)
{
	size_t len = SIG_MAX;

	EVP_MD_CTX_reset(ctx);
	ossl_check(EVP_DigestSignInit(ctx, NULL, md, NULL, key),
		   "EVP_DigestSignInit");
	ossl_check(EVP_DigestSign(ctx, sig, &len, msg, MSG_LEN),
		   "EVP_DigestSign");
	return len;
}

static size_t ossl_sign(EVP_PKEY *key, const EVP_MD *md, unsigned char *sig)
{
	return ossl_sign_ctx(ossl.md, key, md, sig);
}

static int ossl_verify(EVP_PKEY *key, const EVP_MD *md,
		       const unsigned char *sig, size_t len)
{
	EVP_MD_CTX_reset(ossl.md);	/* as in ossl_sign_ctx() */
	ossl_check(EVP_DigestVerifyInit(ossl.md, NULL, md, NULL, key),
		   "EVP_DigestVerifyInit");
	return EVP_DigestVerify(ossl.md, sig, len, msg, MSG_LEN);
}

/* The hash of the EC rows of @c (curve()). */
static const EVP_MD *ossl_ec_md(int c)
{
	return c ? ossl.sha384 : ossl.sha256;
}

static bool ossl_run(enum row r)
{
	unsigned char sig[SIG_MAX];
	int c = curve(r);

	switch (r) {
	case GCM_64:
	case GCM_4K:
		next_iv();
		ossl_gcm(gcm_len(r), out);
		break;
	case HMAC_64:
		ossl_hmac(out);
		break;
	case ECDSA_SIGN:
	case P384_SIGN:
		ossl.ec[c].sig_len = ossl_sign(ossl.ec[c].key, ossl_ec_md(c),
					       ossl.ec[c].sig);
		break;
	case ECDSA_VERIFY:
	case P384_VERIFY:
		if (ossl_verify(ossl.ec[c].key, ossl_ec_md(c), ossl.ec[c].sig,
				ossl.ec[c].sig_len) != 1)
			die("OpenSSL: ECDSA signature does not verify");
		break;
	case RSA_SIGN:
		ossl_sign(ossl.rsa, ossl.sha256, sig);
		break;
	case RSA3072_SIGN:
		ossl_sign(ossl.rsa3072, ossl.sha256, sig);
		break;
	default:
		return false;
	}
	return true;
}

static void ossl_thread_open(struct worker *w)
{
	w->md = EVP_MD_CTX_new();
	if (!w->md)
		die("OpenSSL: EVP_MD_CTX_new");
}

static void ossl_thread_sign(struct worker *w)
{
	unsigned char sig[SIG_MAX];

	ossl_sign_ctx(w->md, ossl.ec[0].key, ossl.sha256, sig);
}

static void ossl_thread_close(struct worker *w)
{
	EVP_MD_CTX_free(w->md);
}

static void ossl_cleanup(void)
{
	EVP_PKEY_free(ossl.rsa3072);
	EVP_PKEY_free(ossl.rsa);
	EVP_PKEY_free(ossl.ec[1].key);
	EVP_PKEY_free(ossl.ec[0].key);
	EVP_MD_free(ossl.sha384);
	EVP_MD_free(ossl.sha256);
	EVP_MD_CTX_free(ossl.md);
	EVP_MAC_CTX_free(ossl.hmac);
	EVP_CIPHER_CTX_free(ossl.gcm);
}

/* ---- clonedev: CLONEDEV_IOCTL_CRYPT through libclonedev ---- */

static struct {
	struct clonedev_nl *nl;
	struct clonedev *cd;
	unsigned int slot, aes, secret, ec[2], ec_pub[2], rsa, rsa3072;
	unsigned char ec_sig[2][SIG_MAX];
	size_t ec_sig_len[2];
} cld;

static void cld_check(int ret, const char *what)
{
	if (ret)
		die_errno(what, ret);
}

/* An RSA key OpenSSL made, as a PKCS#1 RSAPrivateKey (DER). */
static void cld_import_rsa(EVP_PKEY *key, const char *label,
			   unsigned int *handle)
{
	unsigned char *der = NULL;
	int len = i2d_PrivateKey(key, &der);

	if (len <= 0)
		die("OpenSSL: cannot encode the RSA key");
	cld_check(clonedev_object_import(cld.cd, CLONEDEV_KEY_RSA, 0, label,
					 NULL, 0, der, len, handle),
		  "importing an RSA key");
	OPENSSL_clear_free(der, len);
}

static void cld_setup(void)
{
	struct clonedev_slot s;

	cld_check(clonedev_nl_open(&cld.nl), "netlink");
	cld_check(clonedev_nl_partition_create(cld.nl, "bench-crypto", 0, 0,
					       0, &s), "creating a partition");
	cld.slot = s.slot;
	cld_check(clonedev_open(&cld.cd), "opening the device");
	cld_check(clonedev_slot_set(cld.cd, s.slot) ?:
		  clonedev_partition_init(cld.cd, NULL, PO, DOMAIN, "bench") ?:
		  clonedev_login(cld.cd, CLONEDEV_ROLE_PO, PO) ?:
		  clonedev_role_init(cld.cd, CLONEDEV_ROLE_CO, CO) ?:
		  clonedev_login(cld.cd, CLONEDEV_ROLE_CO, CO),
		  "setting up the partition");
	cld_check(clonedev_object_generate(cld.cd, CLONEDEV_KEY_AES, 256, 0,
					   "bench-aes", NULL, 0, &cld.aes),
		  "generating the AES key");
	cld_check(clonedev_object_generate(cld.cd,
					   CLONEDEV_KEY_GENERIC_SECRET, 256, 0,
					   "bench-hmac", NULL, 0, &cld.secret),
		  "generating the generic secret");
	cld_check(clonedev_object_generate_pair(cld.cd, CLONEDEV_KEY_EC_P256,
						0, "bench-ec", NULL, 0,
						&cld.ec[0], &cld.ec_pub[0]),
		  "generating the EC P-256 key pair");
	cld_check(clonedev_object_generate_pair(cld.cd, CLONEDEV_KEY_EC_P384,
						0, "bench-ec384", NULL, 0,
						&cld.ec[1], &cld.ec_pub[1]),
		  "generating the EC P-384 key pair");
	cld_import_rsa(ossl.rsa, "bench-rsa", &cld.rsa);
	cld_import_rsa(ossl.rsa3072, "bench-rsa3072", &cld.rsa3072);
}

static bool cld_run(enum row r)
{
	struct clonedev_crypt_params p = { 0 };
	unsigned char sig[SIG_MAX];
	int ret, c = curve(r);
	size_t len;

	switch (r) {
	case GCM_64:
	case GCM_4K:
		next_iv();
		p.mech = CLONEDEV_MECH_AES_GCM;
		p.iv_len = IV_LEN;
		memcpy(p.iv, iv, IV_LEN);
		ret = clonedev_encrypt(cld.cd, cld.aes, &p, msg, gcm_len(r),
				       out, sizeof(out), &len);
		break;
	case HMAC_64:
		p.mech = CLONEDEV_MECH_HMAC;
		p.hash = CLONEDEV_HASH_SHA256;
		ret = clonedev_sign(cld.cd, cld.secret, &p, msg, MSG_LEN, out,
				    sizeof(out), &len);
		break;
	case ECDSA_SIGN:
	case P384_SIGN:
		p.mech = CLONEDEV_MECH_ECDSA;
		p.hash = c ? CLONEDEV_HASH_SHA384 : CLONEDEV_HASH_SHA256;
		ret = clonedev_sign(cld.cd, cld.ec[c], &p, msg, MSG_LEN,
				    cld.ec_sig[c], sizeof(cld.ec_sig[c]),
				    &cld.ec_sig_len[c]);
		break;
	case ECDSA_VERIFY:
	case P384_VERIFY:
		p.mech = CLONEDEV_MECH_ECDSA;
		p.hash = c ? CLONEDEV_HASH_SHA384 : CLONEDEV_HASH_SHA256;
		ret = clonedev_verify(cld.cd, cld.ec_pub[c], &p, msg, MSG_LEN,
				      cld.ec_sig[c], cld.ec_sig_len[c]);
		break;
	case RSA_SIGN:
	case RSA3072_SIGN:
		p.mech = CLONEDEV_MECH_RSA_PKCS;
		p.hash = CLONEDEV_HASH_SHA256;
		ret = clonedev_sign(cld.cd, r == RSA_SIGN ? cld.rsa :
				    cld.rsa3072, &p, msg, MSG_LEN, sig,
				    sizeof(sig), &len);
		break;
	default:
		return false;
	}
	cld_check(ret, row_names[r]);
	return true;
}

/* clonedev's RSA signature, checked by OpenSSL with the same key. */
static void cld_check_rsa(void)
{
	struct clonedev_crypt_params p = {
		.mech = CLONEDEV_MECH_RSA_PKCS,
		.hash = CLONEDEV_HASH_SHA256,
	};
	unsigned char sig[SIG_MAX];
	size_t len;

	cld_check(clonedev_sign(cld.cd, cld.rsa, &p, msg, MSG_LEN, sig,
				sizeof(sig), &len), "RSA signature");
	if (ossl_verify(ossl.rsa, ossl.sha256, sig, len) != 1)
		die("clonedev's RSA signature does not verify with OpenSSL");
	cld_check(clonedev_sign(cld.cd, cld.rsa3072, &p, msg, MSG_LEN, sig,
				sizeof(sig), &len), "RSA-3072 signature");
	if (ossl_verify(ossl.rsa3072, ossl.sha256, sig, len) != 1)
		die("clonedev's RSA-3072 signature does not verify with OpenSSL");
}

static void cld_thread_open(struct worker *w)
{
	cld_check(clonedev_open_login(&w->cd, cld.slot, CLONEDEV_ROLE_CO, CO),
		  "a session of a signing thread");
}

static void cld_thread_sign(struct worker *w)
{
	struct clonedev_crypt_params p = {
		.mech = CLONEDEV_MECH_ECDSA,
		.hash = CLONEDEV_HASH_SHA256,
	};
	unsigned char sig[SIG_MAX];
	size_t len;

	cld_check(clonedev_sign(w->cd, cld.ec[0], &p, msg, MSG_LEN, sig,
				sizeof(sig), &len), row_names[THREADS_SIGN]);
}

static void cld_thread_close(struct worker *w)
{
	clonedev_close(w->cd);
}

static void cld_cleanup(void)
{
	clonedev_close(cld.cd);
	cld_check(clonedev_nl_partition_delete(cld.nl, cld.slot),
		  "deleting the partition");
	clonedev_nl_close(cld.nl);
}

/* ---- AF_ALG: the kernel's crypto sockets ---- */

static struct {
	int aead_tfm, aead, hash_tfm, hash;
} alg = { -1, -1, -1, -1 };

/*
 * A request socket for @name of @type, keyed. Returns -1 (and the tfm
 * socket closed) if the kernel lacks it.
 */
static int alg_open(const char *type, const char *name, const void *key,
		    unsigned int authsize, int *tfm)
{
	struct sockaddr_alg sa = { .salg_family = AF_ALG };
	int fd;

	snprintf((char *)sa.salg_type, sizeof(sa.salg_type), "%s", type);
	snprintf((char *)sa.salg_name, sizeof(sa.salg_name), "%s", name);
	*tfm = socket(AF_ALG, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (*tfm < 0)
		return -1;
	if (bind(*tfm, (struct sockaddr *)&sa, sizeof(sa)) ||
	    setsockopt(*tfm, SOL_ALG, ALG_SET_KEY, key, KEY_LEN) ||
	    (authsize &&
	     setsockopt(*tfm, SOL_ALG, ALG_SET_AEAD_AUTHSIZE, NULL, authsize)))
		goto err_close;
	fd = accept4(*tfm, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		goto err_close;
	return fd;

err_close:
	fprintf(stderr, PROG ": AF_ALG %s: %s (the row is left out)\n", name,
		strerror(errno));
	close(*tfm);
	*tfm = -1;
	return -1;
}

static void alg_setup(void)
{
	alg.aead = alg_open("aead", "gcm(aes)", aes_key, TAG_LEN,
			    &alg.aead_tfm);
	alg.hash = alg_open("hash", "hmac(sha256)", hmac_key, 0,
			    &alg.hash_tfm);
}

/* One AEAD encryption: the operation, IV and AAD length, then the data. */
static void alg_gcm(size_t len, unsigned char *dst)
{
	union {
		char buf[CMSG_SPACE(sizeof(__u32)) +
			 CMSG_SPACE(sizeof(struct af_alg_iv) + IV_LEN) +
			 CMSG_SPACE(sizeof(__u32))];
		struct cmsghdr align;
	} c;
	struct iovec io = { .iov_base = msg, .iov_len = len };
	struct msghdr mh = {
		.msg_iov = &io,
		.msg_iovlen = 1,
		.msg_control = c.buf,
		.msg_controllen = sizeof(c.buf),
	};
	struct af_alg_iv *ivp;
	struct cmsghdr *cm;
	__u32 v;

	memset(&c, 0, sizeof(c));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_ALG;
	cm->cmsg_type = ALG_SET_OP;
	cm->cmsg_len = CMSG_LEN(sizeof(v));
	v = ALG_OP_ENCRYPT;
	memcpy(CMSG_DATA(cm), &v, sizeof(v));

	cm = CMSG_NXTHDR(&mh, cm);
	cm->cmsg_level = SOL_ALG;
	cm->cmsg_type = ALG_SET_IV;
	cm->cmsg_len = CMSG_LEN(sizeof(*ivp) + IV_LEN);
	ivp = (struct af_alg_iv *)CMSG_DATA(cm);
	ivp->ivlen = IV_LEN;
	memcpy(ivp->iv, iv, IV_LEN);

	cm = CMSG_NXTHDR(&mh, cm);
	cm->cmsg_level = SOL_ALG;
	cm->cmsg_type = ALG_SET_AEAD_ASSOCLEN;
	cm->cmsg_len = CMSG_LEN(sizeof(v));
	v = 0;
	memcpy(CMSG_DATA(cm), &v, sizeof(v));

	if (sendmsg(alg.aead, &mh, 0) != (ssize_t)len)
		die_errno("AF_ALG sendmsg", errno);
	if (read(alg.aead, dst, len + TAG_LEN) != (ssize_t)(len + TAG_LEN))
		die_errno("AF_ALG read", errno);
}

static void alg_hmac(unsigned char *mac)
{
	if (send(alg.hash, msg, MSG_LEN, 0) != MSG_LEN)
		die_errno("AF_ALG send", errno);
	if (read(alg.hash, mac, 32) != 32)
		die_errno("AF_ALG read", errno);
}

static bool alg_run(enum row r)
{
	switch (r) {
	case GCM_64:
	case GCM_4K:
		if (alg.aead < 0)
			return false;
		next_iv();
		alg_gcm(gcm_len(r), out);
		return true;
	case HMAC_64:
		if (alg.hash < 0)
			return false;
		alg_hmac(out);
		return true;
	default:
		return false;
	}
}

/* AF_ALG and OpenSSL hold the same keys: their outputs must agree. */
static void alg_check(void)
{
	unsigned char a[BIG_LEN + TAG_LEN], b[BIG_LEN + TAG_LEN];

	if (alg.aead >= 0) {
		alg_gcm(BIG_LEN, a);
		ossl_gcm(BIG_LEN, b);
		if (memcmp(a, b, BIG_LEN + TAG_LEN))
			die("AF_ALG and OpenSSL disagree on AES-256-GCM");
	}
	if (alg.hash >= 0) {
		alg_hmac(a);
		ossl_hmac(b);
		if (memcmp(a, b, 32))
			die("AF_ALG and OpenSSL disagree on HMAC-SHA-256");
	}
}

static void alg_close(int fd)
{
	if (fd >= 0)
		close(fd);
}

static void alg_cleanup(void)
{
	alg_close(alg.aead);
	alg_close(alg.aead_tfm);
	alg_close(alg.hash);
	alg_close(alg.hash_tfm);
}

/* ---- SoftHSMv2 through PKCS#11 ---- */

/*
 * A PKCS#11 path: SoftHSMv2 with a token made here, or clonedev's own
 * module on the partition the clonedev path made, using its keys.
 */
struct p11_path {
	CK_FUNCTION_LIST_PTR f;
	void *lib;
	char dir[64];		/* SoftHSM's token directory, or "" */
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE aes, secret, ec[2], ec_pub[2], rsa, rsa3072;
	bool ecdsa_hash[2];	/* CKM_ECDSA_SHA256 (_SHA384 for P-384), */
				/* else CKM_ECDSA over a digest made here */
	unsigned char ec_sig[2][SIG_MAX];
	CK_ULONG ec_sig_len[2];
};

static struct p11_path p11, cldp11;

static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

/* A configuration with its token directory under a fresh /tmp dir. */
static void p11_config(void)
{
	char path[128];
	FILE *f;

	snprintf(p11.dir, sizeof(p11.dir), "/tmp/" PROG ".XXXXXX");
	if (!mkdtemp(p11.dir))
		die_errno("mkdtemp", errno);
	snprintf(path, sizeof(path), "%s/tokens", p11.dir);
	if (mkdir(path, 0700))
		die_errno(path, errno);
	snprintf(path, sizeof(path), "%s/softhsm2.conf", p11.dir);
	f = fopen(path, "w");
	if (!f)
		die_errno(path, errno);
	fprintf(f, "directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n",
		p11.dir);
	if (fclose(f))
		die_errno(path, errno);
	setenv("SOFTHSM2_CONF", path, 1);
}

/* The first slot whose token is (or is not) initialized. */
static CK_SLOT_ID p11_find_slot(bool initialized)
{
	CK_SLOT_ID ids[MAX_SLOTS];
	CK_ULONG n = MAX_SLOTS, i;
	CK_TOKEN_INFO ti;

	ck(p11.f->C_GetSlotList(CK_TRUE, ids, &n), "C_GetSlotList");
	for (i = 0; i < n; i++) {
		ck(p11.f->C_GetTokenInfo(ids[i], &ti), "C_GetTokenInfo");
		if (!!(ti.flags & CKF_TOKEN_INITIALIZED) == initialized)
			return ids[i];
	}
	die("SoftHSM: no such slot");
	return 0;
}

/*
 * Loads the module, makes one token (SoftHSM shows it only after a new
 * C_Initialize) and logs in as its user.
 */
static void p11_token(const char *module)
{
	unsigned char label[32];

	p11.f = p11_load(module, &p11.lib);
	memset(label, ' ', sizeof(label));
	memcpy(label, "bench-crypto", 12);
	ck(p11.f->C_InitToken(p11_find_slot(false), (CK_UTF8CHAR_PTR)SO_PIN,
			      strlen(SO_PIN), label), "C_InitToken");
	ck(p11.f->C_Finalize(NULL), "C_Finalize");
	p11_initialize(p11.f);
	p11.slot = p11_find_slot(true);
	ck(p11.f->C_OpenSession(p11.slot, CKF_SERIAL_SESSION | CKF_RW_SESSION,
				NULL, NULL, &p11.s), "C_OpenSession");
	p11_user_login(p11.f, p11.s, SO_PIN, USER_PIN);
}

/* Session keys: an AES-256 key and a 256-bit generic secret. */
static void p11_secret_keys(void)
{
	CK_OBJECT_CLASS secret = CKO_SECRET_KEY;
	CK_KEY_TYPE aes = CKK_AES, generic = CKK_GENERIC_SECRET;
	CK_MECHANISM aes_gen = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_MECHANISM gen = { CKM_GENERIC_SECRET_KEY_GEN, NULL, 0 };
	CK_ULONG len = KEY_LEN;
	CK_ATTRIBUTE aes_tmpl[] = {
		{ CKA_CLASS, &secret, sizeof(secret) },
		{ CKA_KEY_TYPE, &aes, sizeof(aes) },
		{ CKA_VALUE_LEN, &len, sizeof(len) },
		{ CKA_TOKEN, &no, sizeof(no) },
		{ CKA_PRIVATE, &yes, sizeof(yes) },
		{ CKA_SENSITIVE, &yes, sizeof(yes) },
		{ CKA_ENCRYPT, &yes, sizeof(yes) },
	};
	CK_ATTRIBUTE mac_tmpl[] = {
		{ CKA_CLASS, &secret, sizeof(secret) },
		{ CKA_KEY_TYPE, &generic, sizeof(generic) },
		{ CKA_VALUE_LEN, &len, sizeof(len) },
		{ CKA_TOKEN, &no, sizeof(no) },
		{ CKA_PRIVATE, &yes, sizeof(yes) },
		{ CKA_SENSITIVE, &yes, sizeof(yes) },
		{ CKA_SIGN, &yes, sizeof(yes) },
	};

	ck(p11.f->C_GenerateKey(p11.s, &aes_gen, aes_tmpl,
				ARRAY_SIZE(aes_tmpl), &p11.aes),
	   "C_GenerateKey AES");
	ck(p11.f->C_GenerateKey(p11.s, &gen, mac_tmpl, ARRAY_SIZE(mac_tmpl),
				&p11.secret), "C_GenerateKey generic secret");
}

/*
 * Which of CKM_ECDSA_SHA256 and CKM_ECDSA_SHA384 the module at @t signs
 * with (for the other the bench hashes and signs with CKM_ECDSA).
 */
static void p11_ecdsa_hash(struct p11_path *t)
{
	static const CK_MECHANISM_TYPE mech[2] = {
		CKM_ECDSA_SHA256, CKM_ECDSA_SHA384,
	};
	CK_MECHANISM_INFO mi;
	int c;

	for (c = 0; c < 2; c++)
		t->ecdsa_hash[c] = t->f->C_GetMechanismInfo(t->slot, mech[c],
							    &mi) == CKR_OK &&
				   (mi.flags & CKF_SIGN);
}

/* Session key pairs: EC P-256, P-384, RSA-2048 and RSA-3072. */
static void p11_key_pairs(void)
{
	/* DER of the OIDs prime256v1 (1.2.840.10045.3.1.7) and secp384r1 */
	static unsigned char p256[] = {
		0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07,
	};
	static unsigned char p384[] = {	/* 1.3.132.0.34 */
		0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22,
	};
	static unsigned char e[] = { 0x01, 0x00, 0x01 };
	CK_MECHANISM ec_gen = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_MECHANISM rsa_gen = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_ULONG bits[2] = { 2048, 3072 };
	CK_OBJECT_HANDLE rsa_pub;
	CK_ATTRIBUTE ec_pub[] = {
		{ CKA_TOKEN, &no, sizeof(no) },
		{ CKA_VERIFY, &yes, sizeof(yes) },
		{ CKA_EC_PARAMS, p256, sizeof(p256) },
	};
	CK_ATTRIBUTE rsa_pub_tmpl[] = {
		{ CKA_TOKEN, &no, sizeof(no) },
		{ CKA_VERIFY, &yes, sizeof(yes) },
		{ CKA_MODULUS_BITS, &bits[0], sizeof(bits[0]) },
		{ CKA_PUBLIC_EXPONENT, e, sizeof(e) },
	};
	CK_ATTRIBUTE priv[] = {
		{ CKA_TOKEN, &no, sizeof(no) },
		{ CKA_PRIVATE, &yes, sizeof(yes) },
		{ CKA_SENSITIVE, &yes, sizeof(yes) },
		{ CKA_SIGN, &yes, sizeof(yes) },
	};

	ck(p11.f->C_GenerateKeyPair(p11.s, &ec_gen, ec_pub, ARRAY_SIZE(ec_pub),
				    priv, ARRAY_SIZE(priv), &p11.ec_pub[0],
				    &p11.ec[0]), "C_GenerateKeyPair EC P-256");
	ec_pub[2].pValue = p384;
	ec_pub[2].ulValueLen = sizeof(p384);
	ck(p11.f->C_GenerateKeyPair(p11.s, &ec_gen, ec_pub, ARRAY_SIZE(ec_pub),
				    priv, ARRAY_SIZE(priv), &p11.ec_pub[1],
				    &p11.ec[1]), "C_GenerateKeyPair EC P-384");
	ck(p11.f->C_GenerateKeyPair(p11.s, &rsa_gen, rsa_pub_tmpl,
				    ARRAY_SIZE(rsa_pub_tmpl), priv,
				    ARRAY_SIZE(priv), &rsa_pub, &p11.rsa),
	   "C_GenerateKeyPair RSA-2048");
	rsa_pub_tmpl[2].pValue = &bits[1];
	ck(p11.f->C_GenerateKeyPair(p11.s, &rsa_gen, rsa_pub_tmpl,
				    ARRAY_SIZE(rsa_pub_tmpl), priv,
				    ARRAY_SIZE(priv), &rsa_pub, &p11.rsa3072),
	   "C_GenerateKeyPair RSA-3072");
	p11_ecdsa_hash(&p11);
}

static void p11_setup(const char *module)
{
	p11_config();
	p11_token(module);
	p11_secret_keys();
	p11_key_pairs();
}

static void p11_gcm(struct p11_path *t, size_t len)
{
	CK_GCM_PARAMS gp = {
		.pIv = iv,
		.ulIvLen = IV_LEN,
		.ulIvBits = IV_LEN * 8,
		.ulTagBits = TAG_LEN * 8,
	};
	CK_MECHANISM m = { CKM_AES_GCM, &gp, sizeof(gp) };
	CK_ULONG n = sizeof(out);

	ck(t->f->C_EncryptInit(t->s, &m, t->aes), "C_EncryptInit");
	ck(t->f->C_Encrypt(t->s, msg, len, out, &n), "C_Encrypt");
	if (n != len + TAG_LEN)
		die("SoftHSM: C_Encrypt returned an odd length");
}

/*
 * The input of a signature: the message, or for CKM_ECDSA its SHA-256
 * (curve 0) or SHA-384 (curve 1), made here in @digest.
 */
static unsigned char *p11_input(CK_MECHANISM_TYPE mech, int c,
				unsigned char *digest, CK_ULONG *len)
{
	if (mech != CKM_ECDSA) {
		*len = MSG_LEN;
		return msg;
	}
	if (c) {
		*len = SHA384_DIGEST_LENGTH;
		return SHA384(msg, MSG_LEN, digest);
	}
	*len = SHA256_DIGEST_LENGTH;
	return SHA256(msg, MSG_LEN, digest);
}

/* The ECDSA mechanism of @t for curve @c (curve()). */
static CK_MECHANISM_TYPE p11_ecdsa(const struct p11_path *t, int c)
{
	if (!t->ecdsa_hash[c])
		return CKM_ECDSA;
	return c ? CKM_ECDSA_SHA384 : CKM_ECDSA_SHA256;
}

/* A signature by @mech with @key on session @s of @t, curve @c for ECDSA. */
static CK_ULONG p11_sign_on(struct p11_path *t, CK_SESSION_HANDLE s,
			    CK_MECHANISM_TYPE mech, int c,
			    CK_OBJECT_HANDLE key, unsigned char *sig)
{
	CK_MECHANISM m = { mech, NULL, 0 };
	unsigned char digest[SHA384_DIGEST_LENGTH], *in;
	CK_ULONG len, n = SIG_MAX;

	ck(t->f->C_SignInit(s, &m, key), "C_SignInit");
	in = p11_input(mech, c, digest, &len);
	ck(t->f->C_Sign(s, in, len, sig, &n), "C_Sign");
	return n;
}

static CK_ULONG p11_sign(struct p11_path *t, CK_MECHANISM_TYPE mech, int c,
			 CK_OBJECT_HANDLE key, unsigned char *sig)
{
	return p11_sign_on(t, t->s, mech, c, key, sig);
}

static void p11_verify(struct p11_path *t, CK_MECHANISM_TYPE mech, int c,
		       CK_OBJECT_HANDLE key, unsigned char *sig,
		       CK_ULONG sig_len)
{
	CK_MECHANISM m = { mech, NULL, 0 };
	unsigned char digest[SHA384_DIGEST_LENGTH], *in;
	CK_ULONG len;

	ck(t->f->C_VerifyInit(t->s, &m, key), "C_VerifyInit");
	in = p11_input(mech, c, digest, &len);
	ck(t->f->C_Verify(t->s, in, len, sig, sig_len), "C_Verify");
}

static bool p11_run(struct p11_path *t, enum row r)
{
	int c = curve(r);
	CK_MECHANISM_TYPE ecdsa = p11_ecdsa(t, c);
	unsigned char sig[SIG_MAX];

	switch (r) {
	case GCM_64:
	case GCM_4K:
		next_iv();
		p11_gcm(t, gcm_len(r));
		break;
	case HMAC_64:
		p11_sign(t, CKM_SHA256_HMAC, 0, t->secret, sig);
		break;
	case ECDSA_SIGN:
	case P384_SIGN:
		t->ec_sig_len[c] = p11_sign(t, ecdsa, c, t->ec[c],
					    t->ec_sig[c]);
		break;
	case ECDSA_VERIFY:
	case P384_VERIFY:
		p11_verify(t, ecdsa, c, t->ec_pub[c], t->ec_sig[c],
			   t->ec_sig_len[c]);
		break;
	case RSA_SIGN:
		p11_sign(t, CKM_SHA256_RSA_PKCS, 0, t->rsa, sig);
		break;
	case RSA3072_SIGN:
		p11_sign(t, CKM_SHA256_RSA_PKCS, 0, t->rsa3072, sig);
		break;
	default:
		return false;
	}
	return true;
}

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	return remove(path);
}

static void p11_cleanup(struct p11_path *t)
{
	ck(t->f->C_Logout(t->s), "C_Logout");
	ck(t->f->C_CloseAllSessions(t->slot), "C_CloseAllSessions");
	ck(t->f->C_Finalize(NULL), "C_Finalize");
	dlclose(t->lib);
	if (t->dir[0] && nftw(t->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS))
		fprintf(stderr, PROG ": cannot remove %s\n", t->dir);
}

static bool softhsm_run(enum row r)
{
	return p11_run(&p11, r);
}

/* A session of its own; the token's login is the application's. */
static void softhsm_thread_open(struct worker *w)
{
	ck(p11.f->C_OpenSession(p11.slot, CKF_SERIAL_SESSION, NULL, NULL,
				&w->s), "C_OpenSession");
}

static void softhsm_thread_sign(struct worker *w)
{
	unsigned char sig[SIG_MAX];

	p11_sign_on(&p11, w->s, p11_ecdsa(&p11, 0), 0, p11.ec[0], sig);
}

static void softhsm_thread_close(struct worker *w)
{
	ck(p11.f->C_CloseSession(w->s), "C_CloseSession");
}

/* ---- clonedev's PKCS#11 module, on the clonedev path's keys ---- */

/* The one object of @cls labelled @label. */
static CK_OBJECT_HANDLE cldp11_find(CK_OBJECT_CLASS cls, const char *label)
{
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_LABEL, (void *)label, strlen(label) },
	};
	CK_OBJECT_HANDLE h[2];
	CK_ULONG n = 0;

	ck(cldp11.f->C_FindObjectsInit(cldp11.s, tmpl, ARRAY_SIZE(tmpl)),
	   "C_FindObjectsInit");
	ck(cldp11.f->C_FindObjects(cldp11.s, h, 2, &n), "C_FindObjects");
	ck(cldp11.f->C_FindObjectsFinal(cldp11.s), "C_FindObjectsFinal");
	if (n != 1)
		die("clonedev PKCS#11: a bench key is not found once");
	return h[0];
}

/*
 * Loads the module, opens a session on the bench partition's slot (slot
 * IDs are clonedev's slot numbers) and logs in as its co (CKU_USER).
 */
static void cldp11_setup(const char *module)
{
	cldp11.f = p11_load(module, &cldp11.lib);
	cldp11.slot = cld.slot;
	ck(cldp11.f->C_OpenSession(cldp11.slot,
				   CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL,
				   NULL, &cldp11.s), "C_OpenSession");
	ck(cldp11.f->C_Login(cldp11.s, CKU_USER, (CK_UTF8CHAR_PTR)CO,
			     strlen(CO)), "C_Login");
	cldp11.aes = cldp11_find(CKO_SECRET_KEY, "bench-aes");
	cldp11.secret = cldp11_find(CKO_SECRET_KEY, "bench-hmac");
	cldp11.ec[0] = cldp11_find(CKO_PRIVATE_KEY, "bench-ec");
	cldp11.ec_pub[0] = cldp11_find(CKO_PUBLIC_KEY, "bench-ec");
	cldp11.ec[1] = cldp11_find(CKO_PRIVATE_KEY, "bench-ec384");
	cldp11.ec_pub[1] = cldp11_find(CKO_PUBLIC_KEY, "bench-ec384");
	cldp11.rsa = cldp11_find(CKO_PRIVATE_KEY, "bench-rsa");
	cldp11.rsa3072 = cldp11_find(CKO_PRIVATE_KEY, "bench-rsa3072");
	p11_ecdsa_hash(&cldp11);
}

static bool cldp11_run(enum row r)
{
	return cldp11.f && p11_run(&cldp11, r);
}

/* ---- measuring ---- */

static const struct path paths[] = {
	{ .name = "clonedev", .run = cld_run, .thread_open = cld_thread_open,
	  .thread_sign = cld_thread_sign, .thread_close = cld_thread_close },
	{ .name = "AF_ALG", .run = alg_run },
	{ .name = "clonedev PKCS#11", .run = cldp11_run },
	{ .name = "SoftHSMv2", .run = softhsm_run,
	  .thread_open = softhsm_thread_open,
	  .thread_sign = softhsm_thread_sign,
	  .thread_close = softhsm_thread_close },
	{ .name = "OpenSSL", .run = ossl_run, .thread_open = ossl_thread_open,
	  .thread_sign = ossl_thread_sign, .thread_close = ossl_thread_close },
};

#define NR_PATHS	ARRAY_SIZE(paths)
#define ROUNDS		8

static void report(enum row r, const char *path, double ops_per_s)
{
	printf("{\"row\": \"%s\", \"path\": \"%s\", \"ops_per_s\": ",
	       row_names[r], path);
	if (ops_per_s < 0)
		printf("null}\n");
	else
		printf("%.1f}\n", ops_per_s);
	fflush(stdout);
}

/*
 * One row: every path in turn for @seconds / ROUNDS, ROUNDS times, so a
 * burst of other load on the host falls on all of them alike.
 */
static void measure(enum row r, double seconds)
{
	double spent[NR_PATHS] = { 0 }, t0, t;
	unsigned long n[NR_PATHS] = { 0 };
	bool has[NR_PATHS];
	size_t i;
	int k;

	/* One call first: it leaves out setting up a transform or context. */
	for (i = 0; i < NR_PATHS; i++)
		has[i] = paths[i].run(r);
	for (k = 0; k < ROUNDS; k++) {
		for (i = 0; i < NR_PATHS; i++) {
			if (!has[i])
				continue;
			t0 = now();
			do {
				paths[i].run(r);
				n[i]++;
				t = now();
			} while (t - t0 < seconds / ROUNDS);
			spent[i] += t - t0;
		}
	}
	for (i = 0; i < NR_PATHS; i++)
		report(r, paths[i].name, has[i] ? n[i] / spent[i] : -1);
}

static const struct path *thread_path;
static pthread_barrier_t thread_start;

static void *thread_main(void *arg)
{
	struct worker *w = arg;
	double t0;

	pthread_barrier_wait(&thread_start);
	t0 = now();
	do {
		thread_path->thread_sign(w);
		w->ops++;
	} while (now() - t0 < w->seconds);
	return NULL;
}

/*
 * THREADS threads of @path, each on its own session, signing for
 * @seconds from one start. Returns the signatures made, their time in
 * *@spent.
 */
static unsigned long run_threads(const struct path *path,
				 struct worker *w, double seconds,
				 double *spent)
{
	unsigned long ops = 0;
	double t0;
	int i;

	thread_path = path;
	if (pthread_barrier_init(&thread_start, NULL, THREADS + 1))
		die("pthread_barrier_init");
	for (i = 0; i < THREADS; i++) {
		w[i].seconds = seconds;
		w[i].ops = 0;
		if (pthread_create(&w[i].tid, NULL, thread_main, &w[i]))
			die("pthread_create");
	}
	pthread_barrier_wait(&thread_start);
	t0 = now();
	for (i = 0; i < THREADS; i++) {
		pthread_join(w[i].tid, NULL);
		ops += w[i].ops;
	}
	*spent += now() - t0;
	pthread_barrier_destroy(&thread_start);
	return ops;
}

/*
 * The THREADS_SIGN row: for each path that has threads, one signature per
 * worker untimed, then ROUNDS slices of @seconds / ROUNDS in turn with
 * the other paths, as measure() does.
 */
static void measure_threads(double seconds)
{
	static struct worker w[NR_PATHS][THREADS];
	double spent[NR_PATHS] = { 0 };
	unsigned long n[NR_PATHS] = { 0 };
	size_t i;
	int k;

	for (i = 0; i < NR_PATHS; i++) {
		if (!paths[i].thread_open)
			continue;
		for (k = 0; k < THREADS; k++) {
			paths[i].thread_open(&w[i][k]);
			paths[i].thread_sign(&w[i][k]);
		}
	}
	for (k = 0; k < ROUNDS; k++)
		for (i = 0; i < NR_PATHS; i++)
			if (paths[i].thread_open)
				n[i] += run_threads(&paths[i], w[i],
						    seconds / ROUNDS,
						    &spent[i]);
	for (i = 0; i < NR_PATHS; i++) {
		if (!paths[i].thread_open) {
			report(THREADS_SIGN, paths[i].name, -1);
			continue;
		}
		for (k = 0; k < THREADS; k++)
			paths[i].thread_close(&w[i][k]);
		report(THREADS_SIGN, paths[i].name, n[i] / spent[i]);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "module", required_argument, NULL, 'm' },
		{ "pkcs11", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const char *module = MODULE, *pkcs11 = NULL;
	double seconds = 2, t;
	int c, r;

	while ((c = getopt_long(argc, argv, "s:m:p:", opts, NULL)) != -1) {
		if (c == 's')
			seconds = strtod(optarg, NULL);
		else if (c == 'm')
			module = optarg;
		else if (c == 'p')
			pkcs11 = optarg;
		else
			goto usage;
	}
	if (optind != argc || !(seconds > 0))
		goto usage;

	if (RAND_bytes(msg, sizeof(msg)) != 1 ||
	    RAND_bytes(aes_key, sizeof(aes_key)) != 1 ||
	    RAND_bytes(hmac_key, sizeof(hmac_key)) != 1)
		die("RAND_bytes");
	t = now();
	ossl_setup();
	cld_setup();
	alg_setup();
	p11_setup(module);
	if (pkcs11)
		cldp11_setup(pkcs11);
	alg_check();
	cld_check_rsa();
	fprintf(stderr, PROG ": keys ready in %.1f s; %.1f s per row and path; SoftHSM ECDSA by %s and %s\n",
		now() - t, seconds,
		p11.ecdsa_hash[0] ? "CKM_ECDSA_SHA256" :
		"CKM_ECDSA over SHA-256 made in process",
		p11.ecdsa_hash[1] ? "CKM_ECDSA_SHA384" :
		"CKM_ECDSA over SHA-384 made in process");

	for (r = 0; r < NR_ROWS; r++) {
		if (r == THREADS_SIGN)
			measure_threads(seconds);
		else
			measure(r, seconds);
	}

	if (pkcs11)
		p11_cleanup(&cldp11);
	p11_cleanup(&p11);
	alg_cleanup();
	cld_cleanup();
	ossl_cleanup();
	return 0;

usage:
	fprintf(stderr, "usage: " PROG " [--seconds S] [--module PATH] [--pkcs11 PATH]\n");
	return 2;
}
