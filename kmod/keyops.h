/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Keys made from keys, and random bytes: CLONEDEV_IOCTL_DERIVE, _WRAP,
 * _UNWRAP and _RANDOM.
 */
#ifndef _CLD_KEYOPS_H
#define _CLD_KEYOPS_H

struct cld_session;

int cld_keyops_derive(struct cld_session *s, void *cmd);
int cld_keyops_wrap(struct cld_session *s, void *cmd);
int cld_keyops_unwrap(struct cld_session *s, void *cmd);
int cld_keyops_random(struct cld_session *s, void *cmd);

#endif /* _CLD_KEYOPS_H */
