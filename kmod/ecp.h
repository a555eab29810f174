/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Point arithmetic on P-256 and P-384 for ECDSA (ecdsa.c): k*G for a
 * secret k from a fixed-base comb table read in constant time, and the
 * verification's u1*G + u2*Q from the same table and a wNAF of u2.
 * Scalars are native 64-bit digits, least significant first, as the
 * kernel's ECC primitives hold them.
 */
#ifndef _CLD_ECP_H
#define _CLD_ECP_H

#include <linux/types.h>

struct cld_ecp_qtab;

int cld_ecp_init(void);
void cld_ecp_exit(void);
int cld_ecp_base_x(unsigned int nd, u64 *x, const u64 *k);
struct cld_ecp_qtab *cld_ecp_qtab_new(unsigned int nd, const u64 *qx,
				      const u64 *qy);
void cld_ecp_qtab_free(struct cld_ecp_qtab *t);
int cld_ecp_verify(unsigned int nd, const u64 *u1, const u64 *u2,
		   const u64 *qx, const u64 *qy,
		   const struct cld_ecp_qtab *qt, const u64 *r);

#endif /* _CLD_ECP_H */
