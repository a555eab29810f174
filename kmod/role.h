/* SPDX-License-Identifier: GPL-2.0 */
/* Roles: login, logout, credentials, challenges, activation, lockout. */
#ifndef _CLD_ROLE_H
#define _CLD_ROLE_H

#include <linux/types.h>

struct cld_partition;
struct cld_session;

bool cld_role_locked(const struct cld_partition *p, u32 role);
int cld_role_login(struct cld_session *s, void *cmd);
int cld_role_login_share(struct cld_session *s, struct cld_session *from);
int cld_role_logout(struct cld_session *s, void *cmd);
int cld_role_init(struct cld_session *s, void *cmd);
int cld_role_changepw(struct cld_session *s, void *cmd);
int cld_role_challenge(struct cld_session *s, void *cmd);
int cld_role_activation(struct cld_session *s, void *cmd);

#endif /* _CLD_ROLE_H */
