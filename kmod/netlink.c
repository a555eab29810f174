// SPDX-License-Identifier: GPL-2.0
/*
 * The system plane: generic netlink family "clonedev" with the multicast
 * group "events" (docs/netlink/clonedev.yaml). Discovery (HSM info, slot
 * dumps) is open to every process; the administrator commands need
 * CAP_SYS_ADMIN in the initial user namespace (admin_allowed()).
 *
 * The request policies and the operation table are generated from the spec
 * (kmod/netlink-gen.c); the handlers they name are here.
 */
#include <net/genetlink.h>

#include "hsm.h"
#include "partition.h"
#include "netlink.h"
#include "netlink-gen.h"

static struct genl_family cld_genl_family;

int clonedev_nl_hsm_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct clonedev_hsm_info hi = {};
	struct sk_buff *msg;
	void *hdr;

	cld_partition_hsm_info(&hi);

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &cld_genl_family, 0,
				CLONEDEV_CMD_HSM_GET);
	if (!hdr)
		goto err_free;
	if (nla_put_string(msg, CLONEDEV_A_HSM_VERSION, hi.version) ||
	    nla_put_u32(msg, CLONEDEV_A_HSM_PROTOCOLS, hi.protocols) ||
	    nla_put_u32(msg, CLONEDEV_A_HSM_SUITES, hi.suites) ||
	    nla_put_u32(msg, CLONEDEV_A_HSM_FLAGS, hi.hsm_flags) ||
	    nla_put_u32(msg, CLONEDEV_A_HSM_PARTITION_COUNT,
			hi.partition_count) ||
	    nla_put_u32(msg, CLONEDEV_A_HSM_MAX_PARTITIONS, hi.max_partitions))
		goto err_free;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static int put_slot(struct sk_buff *skb, const struct cld_slot_info *p,
		    u32 portid, u32 seq, int flags, u8 cmd)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &cld_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, CLONEDEV_A_SLOT_ID, p->slot) ||
	    nla_put_string(skb, CLONEDEV_A_SLOT_LABEL, p->label) ||
	    nla_put_u64_64bit(skb, CLONEDEV_A_SLOT_SERIAL, p->serial,
			      CLONEDEV_A_PAD) ||
	    nla_put_u32(skb, CLONEDEV_A_SLOT_AUTH, p->auth) ||
	    nla_put_u32(skb, CLONEDEV_A_SLOT_TYPE, p->type) ||
	    nla_put_u32(skb, CLONEDEV_A_SLOT_PROTOCOL_LEVEL,
			p->protocol_level) ||
	    nla_put_u32(skb, CLONEDEV_A_SLOT_STATE, p->state) ||
	    nla_put_u32(skb, CLONEDEV_A_SLOT_OBJECT_COUNT, p->object_count)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

int clonedev_nl_slot_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct cld_slot_info si;
	struct cld_partition *p;
	struct sk_buff *msg;
	u32 slot;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, CLONEDEV_A_SLOT_ID)) {
		GENL_SET_ERR_MSG(info, "missing attribute CLONEDEV_A_SLOT_ID (the slot number)");
		return -EINVAL;
	}
	slot = nla_get_u32(info->attrs[CLONEDEV_A_SLOT_ID]);

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	mutex_lock(&cld_hsm.lock);
	p = xa_load(&cld_hsm.partitions, slot);
	if (!p) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[CLONEDEV_A_SLOT_ID],
				    "no partition has this slot number");
		ret = -ENODEV;
	} else {
		cld_partition_info(p, &si);
		ret = put_slot(msg, &si, info->snd_portid, info->snd_seq, 0,
			       CLONEDEV_CMD_SLOT_GET);
	}
	mutex_unlock(&cld_hsm.lock);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

/*
 * The HSM administrator is CAP_SYS_ADMIN in the initial user namespace, as
 * both the socket's opener and the sender. GENL_ADMIN_PERM would test
 * CAP_NET_ADMIN, GENL_UNS_ADMIN_PERM a capability in the namespace of the
 * socket's network namespace, which any user can own; netlink_capable() is
 * the same test on 6.1 and 6.12.
 */
static bool admin_allowed(struct sk_buff *skb, struct genl_info *info)
{
	if (netlink_capable(skb, CAP_SYS_ADMIN))
		return true;
	GENL_SET_ERR_MSG(info, "only the HSM administrator (CAP_SYS_ADMIN) may do this");
	return false;
}

static u32 attr_u32(struct genl_info *info, int attr, u32 dflt)
{
	return info->attrs[attr] ? nla_get_u32(info->attrs[attr]) : dflt;
}

static void notify(struct sk_buff *msg)
{
	genlmsg_multicast(&cld_genl_family, msg, 0, CLONEDEV_NLGRP_EVENTS,
			  GFP_KERNEL);
}

int clonedev_nl_partition_create_doit(struct sk_buff *skb,
				      struct genl_info *info)
{
	struct cld_partition_params params;
	struct cld_slot_info p;
	struct sk_buff *msg, *ntf;
	int ret;

	if (!admin_allowed(skb, info))
		return -EPERM;
	if (GENL_REQ_ATTR_CHECK(info, CLONEDEV_A_SLOT_LABEL)) {
		GENL_SET_ERR_MSG(info, "missing attribute CLONEDEV_A_SLOT_LABEL (the partition label)");
		return -EINVAL;
	}
	params.label = nla_data(info->attrs[CLONEDEV_A_SLOT_LABEL]);
	params.auth = attr_u32(info, CLONEDEV_A_SLOT_AUTH,
			       CLONEDEV_AUTH_PASSWORD);
	params.type = attr_u32(info, CLONEDEV_A_SLOT_TYPE,
			       CLONEDEV_PTYPE_APPLICATION);
	params.protocol_level = attr_u32(info, CLONEDEV_A_SLOT_PROTOCOL_LEVEL,
					 CLONEDEV_LEVEL_CURRENT);

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	ntf = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg || !ntf) {
		ret = -ENOMEM;
		goto err_free;
	}
	ret = cld_partition_create(&params, &p, info->extack);
	if (ret)
		goto err_free;
	if (put_slot(msg, &p, info->snd_portid, info->snd_seq, 0,
		     CLONEDEV_CMD_PARTITION_CREATE) ||
	    put_slot(ntf, &p, 0, 0, 0, CLONEDEV_CMD_SLOT_CREATED_NTF)) {
		ret = -EMSGSIZE;
		goto err_free;
	}
	notify(ntf);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	nlmsg_free(ntf);
	return ret;
}

int clonedev_nl_partition_delete_doit(struct sk_buff *skb,
				      struct genl_info *info)
{
	struct sk_buff *ntf;
	void *hdr;
	u32 slot;
	int ret;

	if (!admin_allowed(skb, info))
		return -EPERM;
	if (GENL_REQ_ATTR_CHECK(info, CLONEDEV_A_SLOT_ID)) {
		GENL_SET_ERR_MSG(info, "missing attribute CLONEDEV_A_SLOT_ID (the slot number)");
		return -EINVAL;
	}
	slot = nla_get_u32(info->attrs[CLONEDEV_A_SLOT_ID]);
	ntf = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!ntf)
		return -ENOMEM;
	ret = cld_partition_delete(slot, info->extack);
	if (ret) {
		nlmsg_free(ntf);
		return ret;
	}
	hdr = genlmsg_put(ntf, 0, 0, &cld_genl_family, 0,
			  CLONEDEV_CMD_SLOT_DELETED_NTF);
	if (!hdr || nla_put_u32(ntf, CLONEDEV_A_SLOT_ID, slot)) {
		nlmsg_free(ntf);
		return 0;
	}
	genlmsg_end(ntf, hdr);
	notify(ntf);
	return 0;
}

/* cb->args[0] is the next slot number to emit. */
int clonedev_nl_slot_get_dumpit(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	unsigned long index = cb->args[0];
	struct cld_slot_info si;
	struct cld_partition *p;
	int ret = 0;

	mutex_lock(&cld_hsm.lock);
	xa_for_each_start(&cld_hsm.partitions, index, p, index) {
		cld_partition_info(p, &si);
		ret = put_slot(skb, &si, NETLINK_CB(cb->skb).portid,
			       cb->nlh->nlmsg_seq, NLM_F_MULTI,
			       CLONEDEV_CMD_SLOT_GET);
		if (ret)
			break;
	}
	mutex_unlock(&cld_hsm.lock);
	cb->args[0] = index;
	/* A full buffer ends this part of the dump, not the dump. */
	return ret == -EMSGSIZE ? skb->len : ret;
}

static const struct genl_multicast_group cld_genl_mcgrps[] = {
	[CLONEDEV_NLGRP_EVENTS] = { .name = CLONEDEV_GENL_MCGRP_EVENTS },
};

static struct genl_family cld_genl_family __ro_after_init = {
	.name = CLONEDEV_GENL_NAME,
	.version = CLONEDEV_GENL_VERSION,
	.module = THIS_MODULE,
	.ops = clonedev_nl_ops,
	.n_ops = ARRAY_SIZE(clonedev_nl_ops),
	.resv_start_op = CLONEDEV_CMD_HSM_GET,
	.mcgrps = cld_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(cld_genl_mcgrps),
};

int cld_netlink_init(void)
{
	return genl_register_family(&cld_genl_family);
}

void cld_netlink_uninit(void)
{
	genl_unregister_family(&cld_genl_family);
}
