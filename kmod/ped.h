/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The remote PED (CLONEDEV_IOCTL_PED, docs/remote-ped.md): a partition's
 * remote PED vector, and a session's channel to a PED server that brings
 * it shares sealed end to end.
 */
#ifndef _CLD_PED_H
#define _CLD_PED_H

#include <linux/types.h>

struct cld_ped;
struct cld_session;

int cld_ped_run(struct cld_session *s, void *arg);
void cld_ped_end(struct cld_session *s);
void cld_ped_free(struct cld_ped *ped);
u8 *cld_ped_secret(struct cld_session *s, u32 kind, const char *label,
		   u8 *fingerprint, u64 *serial);
u8 *cld_ped_made(struct cld_session *s, u32 kind, const char *label, u32 m,
		 u32 n, u64 *serial);
int cld_ped_partition_init(struct cld_session *s, void *arg);

#endif /* _CLD_PED_H */
