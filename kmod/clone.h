/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cloning protocol engine: CLONEDEV_IOCTL_CLONE, one clone (source or
 * target side) per session.
 */
#ifndef _CLD_CLONE_H
#define _CLD_CLONE_H

struct cld_clone;
struct cld_session;

void cld_clone_free(struct cld_clone *c);
int cld_clone_run(struct cld_session *s, void *cmd);
int cld_clone_selftest(void);

#endif /* _CLD_CLONE_H */
