/* SPDX-License-Identifier: GPL-2.0 */
/* The system plane: the generic netlink family "clonedev". */
#ifndef _CLD_NETLINK_H
#define _CLD_NETLINK_H

int cld_netlink_init(void);
void cld_netlink_uninit(void);

#endif /* _CLD_NETLINK_H */
