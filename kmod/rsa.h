/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RSA signatures (PKCS#1 v1.5, also over the caller's T, and PSS) and
 * OAEP decryption (RFC 8017): the encodings are built here; the public
 * operation is the kernel's raw "rsa" akcipher, the private one the CRT
 * on lib/mpi. Every private operation is blinded and its result checked
 * with the public exponent.
 */
#ifndef _CLD_RSA_H
#define _CLD_RSA_H

#include <linux/mpi.h>
#include <linux/types.h>

struct cld_mont;
struct crypto_akcipher;
struct crypto_shash;

/*
 * @blind and @unblind are r^e and r^-1 mod n for a random r: the
 * private operation runs on x * r^e and its result is multiplied by
 * r^-1, so its timing does not depend on the caller's x. Both are
 * squared after each use (a new r, r^2); @p, @q and @qinv make a new
 * pair when a result fails its check. The private operation is the CRT's
 * on @p, @q, @dp, @dq and @qinv.
 */
struct cld_rsa_key {
	struct crypto_akcipher *tfm;	/* the public operation */
	MPI n, e, p, q, dp, dq, qinv;
	MPI blind, unblind;
	struct cld_mont *mp, *mq;	/* the CRT's exponentiations */
	unsigned int bits;		/* of the modulus */
	unsigned int k;			/* bytes of the modulus */
};

int cld_rsa_key_set(struct cld_rsa_key *key, const u8 *der, unsigned int len);
int cld_rsa_key_set_public(struct cld_rsa_key *key, const u8 *der,
			   unsigned int len);
void cld_rsa_key_free(struct cld_rsa_key *key);
int cld_rsa_mpi_to_be(MPI a, u8 *buf, unsigned int k);
int cld_rsa_sign(struct cld_rsa_key *key, u32 mech, struct crypto_shash *h,
		 u32 hash, const u8 *digest, unsigned int salt_len, u8 *sig);
int cld_rsa_verify(struct cld_rsa_key *key, u32 mech, struct crypto_shash *h,
		   u32 hash, const u8 *digest, unsigned int salt_len,
		   const u8 *sig);
int cld_rsa_sign_raw(struct cld_rsa_key *key, const u8 *t, unsigned int t_len,
		     u8 *sig);
int cld_rsa_verify_raw(struct cld_rsa_key *key, const u8 *t,
		       unsigned int t_len, const u8 *sig);
int cld_rsa_oaep_decrypt(struct cld_rsa_key *key, struct crypto_shash *h,
			 const u8 *in, u8 *out, unsigned int *out_len);

#endif /* _CLD_RSA_H */
