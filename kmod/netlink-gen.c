// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from: */
/*	docs/netlink/clonedev.yaml */
/* YNL-GEN kernel source */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "netlink-gen.h"

#include <uapi/linux/clonedev_netlink.h>

/* CLONEDEV_CMD_HSM_GET - do */
const struct nla_policy clonedev_hsm_get_nl_policy[CLONEDEV_A_PAD + 1] = {
};

/* CLONEDEV_CMD_SLOT_GET - do */
const struct nla_policy clonedev_slot_get_nl_policy[CLONEDEV_A_SLOT_ID + 1] = {
	[CLONEDEV_A_SLOT_ID] = { .type = NLA_U32, },
};

/* CLONEDEV_CMD_PARTITION_CREATE - do */
const struct nla_policy clonedev_partition_create_nl_policy[CLONEDEV_A_SLOT_PROTOCOL_LEVEL + 1] = {
	[CLONEDEV_A_SLOT_LABEL] = { .type = NLA_NUL_STRING, .len = 32, },
	[CLONEDEV_A_SLOT_AUTH] = NLA_POLICY_RANGE(NLA_U32, 1, 2),
	[CLONEDEV_A_SLOT_TYPE] = NLA_POLICY_RANGE(NLA_U32, 1, 2),
	[CLONEDEV_A_SLOT_PROTOCOL_LEVEL] = NLA_POLICY_RANGE(NLA_U32, 1, 3),
};

/* CLONEDEV_CMD_PARTITION_DELETE - do */
const struct nla_policy clonedev_partition_delete_nl_policy[CLONEDEV_A_SLOT_ID + 1] = {
	[CLONEDEV_A_SLOT_ID] = { .type = NLA_U32, },
};

/* Ops table for clonedev */
const struct genl_ops clonedev_nl_ops[4] = {
	{
		.cmd		= CLONEDEV_CMD_HSM_GET,
		.doit		= clonedev_nl_hsm_get_doit,
		.policy		= clonedev_hsm_get_nl_policy,
		.maxattr	= CLONEDEV_A_PAD,
	},
	{
		.cmd		= CLONEDEV_CMD_SLOT_GET,
		.doit		= clonedev_nl_slot_get_doit,
		.dumpit		= clonedev_nl_slot_get_dumpit,
		.policy		= clonedev_slot_get_nl_policy,
		.maxattr	= CLONEDEV_A_SLOT_ID,
	},
	{
		.cmd		= CLONEDEV_CMD_PARTITION_CREATE,
		.doit		= clonedev_nl_partition_create_doit,
		.policy		= clonedev_partition_create_nl_policy,
		.maxattr	= CLONEDEV_A_SLOT_PROTOCOL_LEVEL,
	},
	{
		.cmd		= CLONEDEV_CMD_PARTITION_DELETE,
		.doit		= clonedev_nl_partition_delete_doit,
		.policy		= clonedev_partition_delete_nl_policy,
		.maxattr	= CLONEDEV_A_SLOT_ID,
	},
};

static const struct genl_multicast_group clonedev_nl_mcgrps[] = {
	[CLONEDEV_NLGRP_EVENTS] = { "events", },
};
