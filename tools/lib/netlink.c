// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libclonedev: the generic netlink family "clonedev" (the system plane),
 * over libnl-genl-3. Extended acks are turned on so the kernel's reason
 * for a refusal reaches the caller through clonedev_nl_error().
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "libclonedev.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct clonedev_nl {
	struct nl_sock *sk;
	int family;
	pthread_mutex_t lock;	/* serialises transactions on @sk */
	char errmsg[256];	/* extack message of the last failure */
	unsigned int miss_type;	/* extack missing attribute, 0 if none */
};

/* State of one request while its replies come in. */
struct xact {
	struct clonedev_nl *nl;
	int (*parse)(struct nl_msg *msg, void *arg);
	void *arg;
	int err;
	int parse_err;
	int done;
};

int clonedev_nl_open(struct clonedev_nl **out)
{
	struct clonedev_nl *nl;
	int one = 1;
	int ret;

	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	nl->sk = nl_socket_alloc();
	if (!nl->sk) {
		ret = -ENOMEM;
		goto err_free;
	}
	if (genl_connect(nl->sk)) {
		ret = -ECONNREFUSED;
		goto err_sock;
	}
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));
	nl->family = genl_ctrl_resolve(nl->sk, CLONEDEV_GENL_NAME);
	if (nl->family < 0) {
		ret = -ENOENT;
		goto err_sock;
	}
	pthread_mutex_init(&nl->lock, NULL);
	*out = nl;
	return 0;

err_sock:
	nl_socket_free(nl->sk);
err_free:
	free(nl);
	return ret;
}

void clonedev_nl_close(struct clonedev_nl *nl)
{
	if (!nl)
		return;
	nl_socket_free(nl->sk);
	pthread_mutex_destroy(&nl->lock);
	free(nl);
}

int clonedev_nl_family(const struct clonedev_nl *nl)
{
	return nl->family;
}

const char *clonedev_nl_error(const struct clonedev_nl *nl,
			      unsigned int *missing_attr)
{
	if (missing_attr)
		*missing_attr = nl->miss_type;
	return nl->errmsg;
}

struct nl_msg *clonedev_nl_msg(struct clonedev_nl *nl, int cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, flags,
			 cmd, CLONEDEV_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* Records the errno and the extended ack TLVs of an error reply. */
static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = { NULL };
	struct xact *x = arg;
	size_t off;

	(void)who;
	x->err = e->error;
	x->done = 1;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	off = NLMSG_HDRLEN + sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += NLMSG_ALIGN(e->msg.nlmsg_len) - sizeof(e->msg);
	if (off >= nlh->nlmsg_len)
		return NL_STOP;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)nlh + off),
		      nlh->nlmsg_len - off, NULL))
		return NL_STOP;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(x->nl->errmsg, sizeof(x->nl->errmsg), "%.*s",
			 nla_len(tb[NLMSGERR_ATTR_MSG]),
			 (const char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
	if (tb[NLMSGERR_ATTR_MISS_TYPE])
		x->nl->miss_type = nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);
	return NL_STOP;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct xact *x = arg;
	int ret;

	if (!x->parse || x->parse_err)
		return NL_OK;
	ret = x->parse(msg, x->arg);
	if (ret < 0)
		x->parse_err = ret;
	return NL_OK;
}

static int on_done(struct nl_msg *msg, void *arg)
{
	struct xact *x = arg;

	(void)msg;
	x->done = 1;
	return NL_STOP;
}

int clonedev_nl_transact(struct clonedev_nl *nl, struct nl_msg *msg,
			 int (*parse)(struct nl_msg *msg, void *arg),
			 void *arg)
{
	struct xact x = { .nl = nl, .parse = parse, .arg = arg };
	struct nl_cb *cb;
	int ret;

	cb = nl_cb_alloc(NL_CB_CUSTOM);
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &x);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_done, &x);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_done, &x);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &x);

	pthread_mutex_lock(&nl->lock);
	nl->errmsg[0] = '\0';
	nl->miss_type = 0;
	ret = nl_send_auto(nl->sk, msg);
	if (ret < 0) {
		ret = -EIO;
		goto out;
	}
	ret = 0;
	/* The callbacks set x.done on the ack, the error or the dump's end. */
	do {
		ret = nl_recvmsgs(nl->sk, cb);
	} while (ret >= 0 && !x.done);
	if (!x.done) {
		ret = -EIO;
		goto out;
	}
	ret = x.err ? x.err : x.parse_err;
out:
	pthread_mutex_unlock(&nl->lock);
	nl_cb_put(cb);
	nlmsg_free(msg);
	return ret;
}

static int parse_hsm(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[CLONEDEV_A_MAX + 1];
	struct clonedev_hsm_info *info = arg;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, CLONEDEV_A_MAX, NULL))
		return -EPROTO;
	if (!tb[CLONEDEV_A_HSM_VERSION] || !tb[CLONEDEV_A_HSM_PROTOCOLS] ||
	    !tb[CLONEDEV_A_HSM_SUITES] || !tb[CLONEDEV_A_HSM_FLAGS] ||
	    !tb[CLONEDEV_A_HSM_PARTITION_COUNT] ||
	    !tb[CLONEDEV_A_HSM_MAX_PARTITIONS])
		return -EPROTO;
	snprintf(info->version, sizeof(info->version), "%s",
		 nla_get_string(tb[CLONEDEV_A_HSM_VERSION]));
	info->protocols = nla_get_u32(tb[CLONEDEV_A_HSM_PROTOCOLS]);
	info->suites = nla_get_u32(tb[CLONEDEV_A_HSM_SUITES]);
	info->hsm_flags = nla_get_u32(tb[CLONEDEV_A_HSM_FLAGS]);
	info->partition_count = nla_get_u32(tb[CLONEDEV_A_HSM_PARTITION_COUNT]);
	info->max_partitions = nla_get_u32(tb[CLONEDEV_A_HSM_MAX_PARTITIONS]);
	return 0;
}

int clonedev_nl_hsm_get(struct clonedev_nl *nl,
			struct clonedev_hsm_info *info)
{
	struct nl_msg *msg;

	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	msg = clonedev_nl_msg(nl, CLONEDEV_CMD_HSM_GET, 0);
	if (!msg)
		return -ENOMEM;
	return clonedev_nl_transact(nl, msg, parse_hsm, info);
}

static int slot_from_attrs(struct nl_msg *msg, struct clonedev_slot *s)
{
	struct nlattr *tb[CLONEDEV_A_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, CLONEDEV_A_MAX, NULL))
		return -EPROTO;
	if (!tb[CLONEDEV_A_SLOT_ID] || !tb[CLONEDEV_A_SLOT_LABEL] ||
	    !tb[CLONEDEV_A_SLOT_SERIAL] || !tb[CLONEDEV_A_SLOT_AUTH] ||
	    !tb[CLONEDEV_A_SLOT_TYPE] || !tb[CLONEDEV_A_SLOT_PROTOCOL_LEVEL] ||
	    !tb[CLONEDEV_A_SLOT_STATE] || !tb[CLONEDEV_A_SLOT_OBJECT_COUNT])
		return -EPROTO;
	memset(s, 0, sizeof(*s));
	s->slot = nla_get_u32(tb[CLONEDEV_A_SLOT_ID]);
	snprintf(s->label, sizeof(s->label), "%s",
		 nla_get_string(tb[CLONEDEV_A_SLOT_LABEL]));
	s->serial = nla_get_u64(tb[CLONEDEV_A_SLOT_SERIAL]);
	s->auth = nla_get_u32(tb[CLONEDEV_A_SLOT_AUTH]);
	s->type = nla_get_u32(tb[CLONEDEV_A_SLOT_TYPE]);
	s->protocol_level = nla_get_u32(tb[CLONEDEV_A_SLOT_PROTOCOL_LEVEL]);
	s->state = nla_get_u32(tb[CLONEDEV_A_SLOT_STATE]);
	s->object_count = nla_get_u32(tb[CLONEDEV_A_SLOT_OBJECT_COUNT]);
	return 0;
}

static int parse_one_slot(struct nl_msg *msg, void *arg)
{
	return slot_from_attrs(msg, arg);
}

int clonedev_nl_slot_get(struct clonedev_nl *nl, unsigned int slot,
			 struct clonedev_slot *out)
{
	struct nl_msg *msg;

	msg = clonedev_nl_msg(nl, CLONEDEV_CMD_SLOT_GET, 0);
	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, CLONEDEV_A_SLOT_ID, slot)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return clonedev_nl_transact(nl, msg, parse_one_slot, out);
}

struct slot_vec {
	struct clonedev_slot *v;
	int n;
	int cap;
};

static int parse_slot_into_vec(struct nl_msg *msg, void *arg)
{
	struct slot_vec *sv = arg;

	if (sv->n == sv->cap) {
		int cap = sv->cap ? 2 * sv->cap : 16;
		struct clonedev_slot *v = realloc(sv->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		sv->v = v;
		sv->cap = cap;
	}
	if (slot_from_attrs(msg, &sv->v[sv->n]))
		return -EPROTO;
	sv->n++;
	return 0;
}

int clonedev_nl_slot_list(struct clonedev_nl *nl,
			  struct clonedev_slot **slots)
{
	struct slot_vec sv = { NULL, 0, 0 };
	struct nl_msg *msg;
	int ret;

	msg = clonedev_nl_msg(nl, CLONEDEV_CMD_SLOT_GET, NLM_F_DUMP);
	if (!msg)
		return -ENOMEM;
	ret = clonedev_nl_transact(nl, msg, parse_slot_into_vec, &sv);
	if (ret < 0) {
		free(sv.v);
		return ret;
	}
	*slots = sv.v;
	return sv.n;
}

int clonedev_nl_partition_create(struct clonedev_nl *nl, const char *label,
				 unsigned int auth, unsigned int type,
				 unsigned int level, struct clonedev_slot *out)
{
	struct nl_msg *msg;

	msg = clonedev_nl_msg(nl, CLONEDEV_CMD_PARTITION_CREATE, 0);
	if (!msg)
		return -ENOMEM;
	if (nla_put_string(msg, CLONEDEV_A_SLOT_LABEL, label) ||
	    (auth && nla_put_u32(msg, CLONEDEV_A_SLOT_AUTH, auth)) ||
	    (type && nla_put_u32(msg, CLONEDEV_A_SLOT_TYPE, type)) ||
	    (level && nla_put_u32(msg, CLONEDEV_A_SLOT_PROTOCOL_LEVEL, level))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return clonedev_nl_transact(nl, msg, parse_one_slot, out);
}

int clonedev_nl_partition_delete(struct clonedev_nl *nl, unsigned int slot)
{
	struct nl_msg *msg;

	msg = clonedev_nl_msg(nl, CLONEDEV_CMD_PARTITION_DELETE, 0);
	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, CLONEDEV_A_SLOT_ID, slot)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return clonedev_nl_transact(nl, msg, NULL, NULL);
}
