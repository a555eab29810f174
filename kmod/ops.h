/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Using keys: CLONEDEV_IOCTL_CRYPT, _DERIVE, _WRAP, _UNWRAP and _RANDOM.
 * A session keeps the keyed transforms of the keys it uses and its one
 * multi-part operation in a struct cld_ops, under cld_session.lock.
 */
#ifndef _CLD_OPS_H
#define _CLD_OPS_H

struct cld_ops;
struct cld_session;

void cld_ops_free(struct cld_ops *ops);
void cld_ops_forget(struct cld_session *s);
int cld_session_crypt(struct cld_session *s, void *cmd);
int cld_session_derive(struct cld_session *s, void *cmd);
int cld_session_wrap(struct cld_session *s, void *cmd);
int cld_session_unwrap(struct cld_session *s, void *cmd);
int cld_session_random(struct cld_session *s, void *cmd);

#endif /* _CLD_OPS_H */
