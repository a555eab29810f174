/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CLD_SPAKE2_H
#define CLD_SPAKE2_H

#include <linux/types.h>

#define CLD_SPAKE2_W_LEN	48	/* the HKDF output reduced to w */
#define CLD_SPAKE2_SHARE_LEN	65	/* 0x04 || X || Y on P-256 */
#define CLD_SPAKE2_K_LEN	32	/* the X coordinate of K */

/*
 * One side of a SPAKE2 exchange: the domain's scalar w, this side's
 * ephemeral scalar and its share. Wiped with cld_spake2_wipe().
 */
struct cld_spake2 {
	bool source;			/* A (uses M) or B (uses N) */
	u64 w[4];
	u64 x[4];
	u8 share[CLD_SPAKE2_SHARE_LEN];
};

int cld_spake2_start(struct cld_spake2 *sp, bool source,
		     const u8 okm[CLD_SPAKE2_W_LEN], const u8 *fixed_x);
int cld_spake2_finish(struct cld_spake2 *sp, const u8 *peer,
		      u8 k[CLD_SPAKE2_K_LEN]);
void cld_spake2_w_bytes(const struct cld_spake2 *sp, u8 out[32]);
void cld_spake2_wipe(struct cld_spake2 *sp);

#endif
