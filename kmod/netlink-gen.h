/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	docs/netlink/clonedev.yaml */
/* YNL-GEN kernel header */

#ifndef _LINUX_CLONEDEV_GEN_H
#define _LINUX_CLONEDEV_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include <uapi/linux/clonedev_netlink.h>

extern const struct nla_policy clonedev_hsm_get_nl_policy[CLONEDEV_A_PAD + 1];

extern const struct nla_policy clonedev_slot_get_nl_policy[CLONEDEV_A_SLOT_ID + 1];

extern const struct nla_policy clonedev_partition_create_nl_policy[CLONEDEV_A_SLOT_PROTOCOL_LEVEL + 1];

extern const struct nla_policy clonedev_partition_delete_nl_policy[CLONEDEV_A_SLOT_ID + 1];

/* Ops table for clonedev */
extern const struct genl_ops clonedev_nl_ops[4];

int clonedev_nl_hsm_get_doit(struct sk_buff *skb, struct genl_info *info);
int clonedev_nl_slot_get_doit(struct sk_buff *skb, struct genl_info *info);
int clonedev_nl_slot_get_dumpit(struct sk_buff *skb,
				struct netlink_callback *cb);
int clonedev_nl_partition_create_doit(struct sk_buff *skb,
				      struct genl_info *info);
int clonedev_nl_partition_delete_doit(struct sk_buff *skb,
				      struct genl_info *info);

enum {
	CLONEDEV_NLGRP_EVENTS,
};

#endif /* _LINUX_CLONEDEV_GEN_H */
