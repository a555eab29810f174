/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The store's rollback anchor: a TPM 2.0 NV counter outside the store file
 * (docs/store-format.md, "TPM anchor"). Without a TPM 2.0 chip, or on a
 * kernel built without TPM support, cld_tpm_anchor_open() fails with
 * -ENODEV and the store runs unanchored.
 */
#ifndef _CLD_TPM_H
#define _CLD_TPM_H

#include <linux/errno.h>
#include <linux/kconfig.h>
#include <linux/types.h>

/*
 * The default NV index, in the owner range 0x01800000-0x01bfffff of the
 * TCG handle registry.
 */
#define CLD_TPM_NV_INDEX_DEFAULT	0x0180c1d0

struct cld_tpm_anchor;

#if IS_REACHABLE(CONFIG_TCG_TPM)
bool cld_tpm_index_valid(u32 index);
int cld_tpm_anchor_open(u32 index, struct cld_tpm_anchor **out);
int cld_tpm_anchor_read(struct cld_tpm_anchor *a, u64 *value, bool *defined);
int cld_tpm_anchor_define(struct cld_tpm_anchor *a, u64 *value);
int cld_tpm_anchor_increment(struct cld_tpm_anchor *a, u64 *value);
void cld_tpm_anchor_close(struct cld_tpm_anchor *a);
#else
static inline bool cld_tpm_index_valid(u32 index)
{
	return (index >> 24) == 0x01;
}

static inline int cld_tpm_anchor_open(u32 index, struct cld_tpm_anchor **out)
{
	*out = NULL;
	return -ENODEV;
}

static inline int cld_tpm_anchor_read(struct cld_tpm_anchor *a, u64 *value,
				      bool *defined)
{
	return -ENODEV;
}

static inline int cld_tpm_anchor_define(struct cld_tpm_anchor *a, u64 *value)
{
	return -ENODEV;
}

static inline int cld_tpm_anchor_increment(struct cld_tpm_anchor *a,
					   u64 *value)
{
	return -ENODEV;
}

static inline void cld_tpm_anchor_close(struct cld_tpm_anchor *a)
{
}
#endif

#endif /* _CLD_TPM_H */
