/* SPDX-License-Identifier: GPL-2.0 */
/* Cloning domains of a partition: management by the po, fingerprints. */
#ifndef _CLD_DOMAIN_H
#define _CLD_DOMAIN_H

#include <linux/types.h>

struct cld_domain;
struct cld_session;

int cld_domain_list(struct cld_session *s, void *cmd);
int cld_domain_add(struct cld_session *s, void *cmd);
int cld_domain_delete(struct cld_session *s, void *cmd);
int cld_domain_change(struct cld_session *s, void *cmd);

#endif /* _CLD_DOMAIN_H */
