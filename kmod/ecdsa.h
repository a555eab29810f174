/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ECDSA on P-256 and P-384 (FIPS 186-5), built on the kernel's exported
 * ECC primitives (crypto/internal/ecc.h): the kernels clonedev supports
 * have no ECDSA signing in the crypto API, and Debian's 6.1 build has no
 * ECDSA at all.
 */
#ifndef _CLD_ECDSA_H
#define _CLD_ECDSA_H

#include <linux/atomic.h>
#include <linux/types.h>

#include "keys.h"

#define CLD_EC_DIGITS	(CLD_EC_MAX_LEN / 8)

struct cld_ecp_qtab;

/*
 * A key: the curve, the public point (big-endian, as the ECC primitives
 * take points) and, to sign, the private scalar (native digits). From
 * its second verification on, a key keeps a table of its public point
 * (ecp.c), made once and published with cmpxchg().
 */
struct cld_ecdsa_key {
	u32 key_type;
	unsigned int len;		/* bytes of a scalar or coordinate */
	bool has_priv;
	u64 d[CLD_EC_DIGITS];		/* memzero_explicit() */
	u64 q[2 * CLD_EC_DIGITS];	/* X || Y */
	atomic_t verifies;
	struct cld_ecp_qtab *qtab;	/* NULL until made */
};

int cld_ecdsa_key_set(struct cld_ecdsa_key *k, u32 key_type, u32 obj_class,
		      const u8 *value, unsigned int len);
void cld_ecdsa_key_wipe(struct cld_ecdsa_key *k);
int cld_ecdsa_sign(const struct cld_ecdsa_key *k, const u8 *digest,
		   unsigned int digest_len, u8 *sig);
int cld_ecdsa_verify(struct cld_ecdsa_key *k, const u8 *digest,
		     unsigned int digest_len, const u8 *sig);
int cld_ecdsa_selftest(void);

#endif /* _CLD_ECDSA_H */
