/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cipher suites of CPv4 (CLONEDEV_SUITE_*): the module's one table of
 * them, with the kernel crypto API names each one needs.
 */
#ifndef _CLD_SUITE_H
#define _CLD_SUITE_H

#include <linux/types.h>

struct cld_suite {
	u32 bit;		/* CLONEDEV_SUITE_* */
	const char *kpp;
	const char *hmac;
	const char *aead;
	unsigned int pub_len;	/* a public key on the wire */
	unsigned int hash_len;
	bool nist;		/* 0x04 || X || Y keys, else X25519 */
};

#define CLD_NR_SUITES	3

extern const struct cld_suite cld_suites[CLD_NR_SUITES];

/* CPv3's per-object agreement: P-256, HKDF-SHA-256, AES-256-GCM. */
#define cld_cpv3_suite	(&cld_suites[1])

const struct cld_suite *cld_suite_of(u32 bit);
u32 cld_suites_probe(void);

#endif /* _CLD_SUITE_H */
