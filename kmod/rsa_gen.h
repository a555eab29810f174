/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RSA key pair generation (FIPS 186-4 B.3.3 probable primes, e = 65537)
 * for CLONEDEV_IOCTL_OBJECT_GENERATE.
 */
#ifndef _CLD_RSA_GEN_H
#define _CLD_RSA_GEN_H

struct cld_keytfm;
struct cld_object;

int cld_rsa_generate(struct cld_keytfm *t, unsigned int bits,
		     struct cld_object *priv, struct cld_object *pub);

#endif /* _CLD_RSA_GEN_H */
