/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Modular exponentiation for RSA's private operation: Montgomery
 * multiplication on 64-bit limbs and a fixed 4-bit window, with every
 * table entry read on every step, so that its time and memory accesses
 * depend on the sizes only, never on the exponent's bits or the base.
 */
#ifndef _CLD_MONT_H
#define _CLD_MONT_H

#include <linux/types.h>

/* An odd modulus of up to 4096 bits (RSA-8192's primes) and its constants. */
#define CLD_MONT_LIMBS_MAX	64

struct cld_mont;

struct cld_mont *cld_mont_new(const u8 *mod, unsigned int len);
void cld_mont_free(struct cld_mont *m);
int cld_mont_powm(const struct cld_mont *m, u8 *out, const u8 *base,
		  const u8 *exp, unsigned int exp_len);

#endif /* _CLD_MONT_H */
