// SPDX-License-Identifier: GPL-2.0
/*
 * clonectl: the remote PED (docs/remote-ped.md): "ped connect|disconnect|
 * show" and "ped vector init|erase". A connection belongs to one session
 * and its slot: the shell's own session for the current slot, or a
 * session the shell keeps for another slot (the target of a clone). Once
 * a slot is connected, logins and quorum domain imports without
 * -password or share files take their shares from the server, sealed for
 * the kernel, and quorum role and partition inits without -sharedir send
 * the new secrets' shares to the server, which writes them as share
 * files: clonectl only relays them.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "json.h"

#define PED_PORT_DEFAULT	1503
#define PED_IP_DEFAULT		"127.0.0.1"

static void rpv_hex(const unsigned char *id, char *out)
{
	int i;

	for (i = 0; i < CLONEDEV_PED_RPV_ID_LEN; i++)
		sprintf(out + 2 * i, "%02x", id[i]);
}

struct cli_ped *cli_ped_of(struct cli *cli, const struct clonedev *cd)
{
	int i;

	for (i = 0; i < CLI_PED_MAX; i++)
		if (cli->ped[i].link && cli->ped[i].cd == cd)
			return &cli->ped[i];
	return NULL;
}

/* The session the shell keeps for @slot, not its own. */
struct cli_ped *cli_ped_kept(struct cli *cli, unsigned int slot)
{
	int i;

	for (i = 0; i < CLI_PED_MAX; i++)
		if (cli->ped[i].link && cli->ped[i].cd != cli->cd &&
		    cli->ped[i].slot == slot)
			return &cli->ped[i];
	return NULL;
}

/* Ends @e's connection, and the session it kept for it. */
static void ped_drop(struct cli *cli, struct cli_ped *e)
{
	clonedev_ped_disconnect(e->link);
	if (e->cd != cli->cd)
		clonedev_close(e->cd);
	memset(e, 0, sizeof(*e));
}

void cli_ped_slot_changed(struct cli *cli, struct clonedev *cd)
{
	struct cli_ped *e = cli_ped_of(cli, cd);

	if (!e)
		return;
	fprintf(stderr, "clonectl: selecting a slot ended the remote PED connection of slot %u; 'ped connect' makes a new one.\n",
		e->slot);
	ped_drop(cli, e);
}

void cli_ped_end(struct cli *cli)
{
	int i;

	for (i = 0; i < CLI_PED_MAX; i++)
		if (cli->ped[i].link)
			ped_drop(cli, &cli->ped[i]);
}

bool cli_ped_has_rpv(struct clonedev *cd)
{
	struct clonedev_ped_info info;

	return !clonedev_ped_status(cd, &info) && info.has_rpv;
}

/* The slot the session @cd works on; 0 if none. */
static unsigned int slot_of(struct clonedev *cd)
{
	struct clonedev_session_info si;

	return clonedev_session_info(cd, &si) ? 0 : si.slot;
}

/* "" for the current slot, " -slot N" for another. */
static const char *slot_words(struct cli *cli, const struct cli_ped *e,
			      char *buf, size_t len)
{
	if (e->cd == cli->cd)
		return "";
	snprintf(buf, len, " -slot %u", e->slot);
	return buf;
}

/* Whether the kernel's side of @e's channel is still connected. */
static bool channel_up(const struct cli_ped *e)
{
	struct clonedev_ped_info info;

	return !clonedev_ped_status(e->cd, &info) &&
	       info.state == CLONEDEV_PED_CONNECTED;
}

/* A failed channel (enum clonedev_ped_error above 3), said about @doing. */
static int channel_failed(const char *doing, int error, bool login)
{
	const char *nothing = login ?
		"nothing was attempted (no failed login counted)" :
		"nothing was attempted";

	switch (error) {
	case CLONEDEV_PED_E_AUTH:
		return cli_error("%s: a message from the PED server failed authentication (a relay changed it, or the server holds another remote PED vector); the connection is closed and %s.",
				 doing, nothing);
	case CLONEDEV_PED_E_RPV:
		return cli_error("%s: the PED server holds another remote PED vector; the connection is closed and %s.",
				 doing, nothing);
	case CLONEDEV_PED_E_INTERNAL:
		return cli_error("%s: the PED server or the HSM failed (see the server's log); the connection is closed and %s.",
				 doing, nothing);
	}
	return cli_error("%s: the PED server answered out of order or with a malformed message; the connection is closed and %s.",
			 doing, nothing);
}

/*
 * Asks @e's server for the shares of @kind (@label), which the kernel
 * then holds. @whose names them ("co", "domain 'red'"). Return: 0, or
 * CLI_REPORTED with the sentence said; a connection of no further use is
 * dropped.
 */
static int ped_request(struct cli *cli, struct cli_ped *e, unsigned int kind,
		       const char *label, const char *whose,
		       const char *doing, bool login)
{
	const char *no_login = login ? " (no failed login counted)" : "";
	char words[24];
	int ret, status;

	ret = clonedev_ped_request(e->link, kind, label, &status);
	if (ret == -ENOTCONN || ret == -ETIMEDOUT || ret == -EMSGSIZE) {
		cli_error("%s: the PED server went away%s; nothing was attempted%s; run 'ped connect%s' again.",
			  doing, ret == -ETIMEDOUT ? " (it did not answer in time)" :
			  ret == -EMSGSIZE ? " (it sent an oversized message)" : "",
			  no_login, slot_words(cli, e, words, sizeof(words)));
		ped_drop(cli, e);
		return CLI_REPORTED;
	}
	if (ret == -EINVAL && !channel_up(e)) {
		cli_error("%s: the remote PED connection of slot %u has ended; nothing was attempted%s; run 'ped connect%s' again.",
			  doing, e->slot, no_login,
			  slot_words(cli, e, words, sizeof(words)));
		ped_drop(cli, e);
		return CLI_REPORTED;
	}
	if (ret == -EINVAL)
		return ret;	/* a label the kernel refused */
	if (ret) {
		cli_errno(cli, ret, doing);
		return CLI_REPORTED;
	}
	switch (status) {
	case CLONEDEV_PED_E_NONE:
		return 0;
	case CLONEDEV_PED_E_REFUSED:
		cli_error("%s: the custodian refused to serve the %s shares; nothing was attempted%s.",
			  doing, whose, no_login);
		return CLI_REPORTED;
	case CLONEDEV_PED_E_NO_SHARES:
		cli_error("%s: the PED server holds no %s shares of this partition (slot %u); nothing was attempted%s.",
			  doing, whose, e->slot, no_login);
		return CLI_REPORTED;
	case CLONEDEV_PED_E_TOO_FEW:
		cli_error("%s: the PED server holds fewer %s shares of this partition (slot %u) than their quorum needs; nothing was attempted%s.",
			  doing, whose, e->slot, no_login);
		return CLI_REPORTED;
	}
	channel_failed(doing, status, login);
	ped_drop(cli, e);
	return CLI_REPORTED;
}

int cli_ped_login(struct cli *cli, struct clonedev *cd, unsigned int role,
		  const char *what)
{
	struct cli_ped *e = cli_ped_of(cli, cd);
	const char *r = clonedev_role_name(role);
	int ret;

	if (!e)
		return -ENOTCONN;
	ret = ped_request(cli, e, role, NULL, what ?: r, "logging in", true);
	if (ret)
		return ret;
	ret = clonedev_login_ped(cd, role);
	if (ret == -EACCES) {
		cli_error("logging in: the %s shares the PED server sent do not combine to the %s secret (shares of an older or another secret); this counts as a failed login.",
			  what ?: r, r);
		return CLI_REPORTED;
	}
	if (ret == -ENODATA) {
		cli_error("logging in: the session holds no %s shares from the PED server; nothing was attempted.",
			  r);
		return CLI_REPORTED;
	}
	return ret;
}

int cli_ped_domain(struct cli *cli, struct clonedev *cd, const char *label,
		   int primary)
{
	struct cli_ped *e = cli_ped_of(cli, cd);
	char whose[64];
	int ret;

	if (!e)
		return -ENOTCONN;
	snprintf(whose, sizeof(whose), "domain '%s'", label);
	ret = ped_request(cli, e, CLONEDEV_PED_KIND_DOMAIN, label, whose,
			  "adding the domain", false);
	if (ret)
		return ret;
	ret = clonedev_domain_add_ped(cd, label, primary);
	if (ret == -ENODATA) {
		cli_error("adding the domain: the session holds no shares of the domain '%s' from the PED server; nothing was added.",
			  label);
		return CLI_REPORTED;
	}
	return ret;
}

/*
 * Has the kernel make a new secret of @kind (@label) and @e's server
 * store its @m of @n shares; the kernel keeps the secret for the init.
 * @whose names them ("cu", "domain 'red'"). Return: 0, CLI_REPORTED with
 * the sentence said, or the kernel's -errno (-EACCES: not the role that
 * may make it); a connection of no further use is dropped.
 */
static int ped_store(struct cli *cli, struct cli_ped *e, unsigned int kind,
		     const char *label, unsigned int m, unsigned int n,
		     const char *whose, const char *doing)
{
	char words[24];
	int ret, status;

	ret = clonedev_ped_store(e->link, kind, label, m, n, &status);
	if (ret == -ENOTCONN || ret == -ETIMEDOUT || ret == -EMSGSIZE) {
		cli_error("%s: the PED server went away%s before it said whether it stored the new %s shares; nothing was changed; run 'ped connect%s' again (and have the custodian remove any %s share files it wrote).",
			  doing, ret == -ETIMEDOUT ? " (it did not answer in time)" :
			  ret == -EMSGSIZE ? " (it sent an oversized message)" : "",
			  whose, slot_words(cli, e, words, sizeof(words)), whose);
		ped_drop(cli, e);
		return CLI_REPORTED;
	}
	if (ret == -EINVAL && !channel_up(e)) {
		cli_error("%s: the remote PED connection of slot %u has ended; nothing was changed; run 'ped connect%s' again.",
			  doing, e->slot,
			  slot_words(cli, e, words, sizeof(words)));
		ped_drop(cli, e);
		return CLI_REPORTED;
	}
	if (ret)
		return ret;
	switch (status) {
	case CLONEDEV_PED_E_NONE:
		return 0;
	case CLONEDEV_PED_E_REFUSED:
		cli_error("%s: the custodian refused to store the new %s shares; nothing was changed.",
			  doing, whose);
		return CLI_REPORTED;
	case CLONEDEV_PED_E_NOT_WRITTEN:
		cli_error("%s: the PED server could not write the new %s share files (files of those names exist already, or its share directory is not writable; its log says which); nothing was changed. The custodian moves the old files away first.",
			  doing, whose);
		return CLI_REPORTED;
	}
	channel_failed(doing, status, false);
	ped_drop(cli, e);
	return CLI_REPORTED;
}

/* "at A port P" of @e's server. */
static void server_words(const struct cli_ped *e, char *buf, size_t len)
{
	char host[256] = "?";
	unsigned int port = 0;

	clonedev_ped_link_server(e->link, host, sizeof(host), &port);
	snprintf(buf, len, "at %s port %u", host, port);
}

int cli_ped_role_init(struct cli *cli, struct clonedev *cd, unsigned int role,
		      unsigned int m, unsigned int n)
{
	const char *doing = "initializing the role";
	struct cli_ped *e = cli_ped_of(cli, cd);
	const char *r = clonedev_role_name(role);
	char where[300];
	int ret;

	if (!e)
		return -ENOTCONN;
	server_words(e, where, sizeof(where));
	ret = ped_store(cli, e, role, NULL, m, n, r, doing);
	if (ret)
		return ret;
	ret = clonedev_role_init_ped(cd, role, m, n);
	if (ret == -ENODATA) {
		cli_error("%s: the session holds no %s secret stored through the PED server; nothing was changed.",
			  doing, r);
		return CLI_REPORTED;
	}
	if (ret) {
		cli_error("%s: the HSM refused (%s) after the PED server stored the new %s shares, which open nothing; nothing was changed. The custodian removes those %u share files.",
			  doing, strerror(-ret), r, n);
		return CLI_REPORTED;
	}
	if (!cli_json(cli))
		printf("The %s role is initialized: its %u shares, any %u of which log in, were stored by the PED server %s.\n",
		       r, n, m, where);
	return 0;
}

int cli_ped_partition_init(struct cli *cli, struct clonedev *cd,
			   const char *label, const char *domain_label,
			   unsigned int m, unsigned int n)
{
	const char *doing = "initializing the partition";
	struct cli_ped *e = cli_ped_of(cli, cd);
	char whose[64], where[300];
	int ret;

	if (!e)
		return -ENOTCONN;
	server_words(e, where, sizeof(where));
	snprintf(whose, sizeof(whose), "domain '%s'", domain_label);
	ret = ped_store(cli, e, CLONEDEV_PED_KIND_PO, NULL, m, n, "po", doing);
	if (ret)
		return ret;
	ret = ped_store(cli, e, CLONEDEV_PED_KIND_DOMAIN, domain_label, m, n,
			whose, doing);
	if (ret) {
		fprintf(stderr, "clonectl: the po shares the PED server stored open nothing; the custodian removes them.\n");
		return ret;
	}
	ret = clonedev_partition_init_ped(cd, label, domain_label, m, n, NULL);
	if (ret == -ENODATA) {
		cli_error("%s: the session holds no po or domain secret stored through the PED server; nothing was changed.",
			  doing);
		return CLI_REPORTED;
	}
	if (ret) {
		fprintf(stderr, "clonectl: the po and %s shares the PED server stored open nothing; the custodian removes them.\n",
			whose);
		return ret;
	}
	if (!cli_json(cli))
		printf("Partition initialized: label '%s', quorum primary cloning domain '%s'.\nThe %u shares of the po secret and the %u of the domain '%s' (any %u of each) were stored by the PED server %s.\n",
		       label, domain_label, n, n, domain_label, m, where);
	return 0;
}

int cli_parse_port(const char *s, unsigned int *port)
{
	char *end;
	unsigned long v;

	*port = PED_PORT_DEFAULT;
	if (!s)
		return 0;
	v = strtoul(s, &end, 10);
	if (!isdigit((unsigned char)*s) || *end || v < 1 || v > 65535)
		return cli_error("-port takes a TCP port from 1 to 65535, not '%s'.",
				 s);
	*port = (unsigned int)v;
	return 0;
}

/* -slot if given, else the current slot. */
static int which_slot(struct cli *cli, const struct command *cmd,
		      const struct cmd_args *args, struct clonedev **cd,
		      unsigned int *cur, unsigned int *slot)
{
	const char *s = cli_opt(cmd, args, "slot");

	if (cli_session(cli, cd))
		return -1;
	*cur = slot_of(*cd);
	if (s)
		return cli_slot_number(s, slot);
	*slot = *cur;
	if (!*slot)
		return cli_error("no slot is selected; choose one with 'slot set -slot N' or give -slot N.");
	return 0;
}

static int connect_error(struct cli *cli, int err, int perr,
			 const char *host, unsigned int port,
			 unsigned int slot, const struct clonedev_ped_info *info)
{
	char id[2 * CLONEDEV_PED_RPV_ID_LEN + 1];

	switch (-err) {
	case ENOKEY:
		return cli_error("connecting slot %u to the PED server: this partition has no remote PED vector; the po runs 'ped vector init' first.",
				 slot);
	case ENODEV:
		return cli_error("connecting to the PED server: there is no partition in slot %u; 'slot list' shows them.",
				 slot);
	case ENOENT:
		return cli_error("connecting to the PED server: '%s' does not resolve; give -ip as an IPv4 or IPv6 address or a known host name.",
				 host);
	case ECONNREFUSED:
		return cli_error("connecting to the PED server at %s port %u: nothing listens there (connection refused); the custodian starts it with 'clonedev-pedserver -mode start'.",
				 host, port);
	case ETIMEDOUT:
		return cli_error("connecting to the PED server at %s port %u: no answer in time; check the address and that the server is running.",
				 host, port);
	case ENOTCONN:
		return cli_error("connecting to the PED server at %s port %u: the server closed the connection during the handshake (its log says why); slot %u is not connected.",
				 host, port, slot);
	case EMSGSIZE:
		return cli_error("connecting to the PED server at %s port %u: it sent a message longer than %u bytes, which a PED server never does; slot %u is not connected.",
				 host, port, CLONEDEV_PED_MSG_MAX, slot);
	case EPROTO:
		break;
	default:
		return cli_errno(cli, err, "connecting to the PED server");
	}
	rpv_hex(info->rpv_id, id);
	switch (perr) {
	case CLONEDEV_PED_E_RPV:
		return cli_error("connecting to the PED server at %s port %u: it holds another remote PED vector than slot %u's (%s); the custodian starts it with this partition's rpv share files. Slot %u is not connected.",
				 host, port, slot, id, slot);
	case CLONEDEV_PED_E_AUTH:
		return cli_error("connecting to the PED server at %s port %u: authentication failed (a relay changed the messages, or the server holds another remote PED vector than slot %u's); slot %u is not connected.",
				 host, port, slot, slot);
	case CLONEDEV_PED_E_INTERNAL:
		return cli_error("connecting to the PED server at %s port %u: the server or the HSM failed (see the server's log); slot %u is not connected.",
				 host, port, slot);
	}
	return cli_error("connecting to the PED server at %s port %u: it answered out of order or with a malformed message; slot %u is not connected.",
			 host, port, slot);
}

static struct cli_ped *free_entry(struct cli *cli)
{
	int i;

	for (i = 0; i < CLI_PED_MAX; i++)
		if (!cli->ped[i].link)
			return &cli->ped[i];
	return NULL;
}

int cmd_ped_connect(struct cli *cli, const struct command *cmd,
		    const struct cmd_args *args)
{
	const char *host = cli_opt(cmd, args, "ip") ?: PED_IP_DEFAULT;
	struct clonedev_ped_info info = { 0 };
	struct clonedev_ped_link *link;
	struct clonedev *cd, *s;
	unsigned int cur, slot, port;
	struct cli_ped *e;
	int ret, perr = 0;

	if (!cli->shell)
		return cli_error("'ped connect' keeps a connection for the clonectl shell that makes it, and a one-shot command ends at once; run it inside the shell ('clonectl' with no command), followed by the commands that use it.");
	if (cli_parse_port(cli_opt(cmd, args, "port"), &port) ||
	    which_slot(cli, cmd, args, &cd, &cur, &slot))
		return -1;
	/* A slot connected already is connected anew. */
	e = slot == cur ? cli_ped_of(cli, cd) : cli_ped_kept(cli, slot);
	if (e)
		ped_drop(cli, e);
	if (slot == cur) {
		s = cd;
	} else {
		ret = clonedev_open(&s);
		if (ret)
			return cli_errno(cli, ret, "opening a session for the slot");
		ret = clonedev_slot_set(s, slot);
		if (ret) {
			clonedev_close(s);
			return connect_error(cli, ret, 0, host, port, slot,
					     &info);
		}
	}
	e = free_entry(cli);
	if (!e) {
		cli_error("connecting to the PED server: the shell keeps at most %d connections; end one with 'ped disconnect -slot N'.",
			  CLI_PED_MAX);
		ret = CLI_REPORTED;
	} else {
		/* Without a vector, the server is not even asked. */
		ret = clonedev_ped_status(s, &info);
		if (!ret && !info.has_rpv)
			ret = -ENOKEY;
	}
	if (!ret)
		ret = clonedev_ped_connect(s, host, port, &link, &perr);
	if (ret) {
		if (ret != CLI_REPORTED)
			connect_error(cli, ret, perr, host, port, slot, &info);
		if (s != cd)
			clonedev_close(s);
		return -1;
	}
	e->slot = slot;
	e->cd = s;
	e->link = link;
	if (cli_json(cli)) {
		struct json j;
		char id[2 * CLONEDEV_PED_RPV_ID_LEN + 1];

		rpv_hex(info.rpv_id, id);
		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_uint(&j, "slot", slot);
		json_bool(&j, "connected", true);
		json_str(&j, "server", host);
		json_uint(&j, "port", port);
		json_str(&j, "rpv_id", id);
		json_obj_end(&j);
		json_end(&j);
	} else {
		printf("Slot %u is connected to the PED server at %s port %u.\n",
		       slot, host, port);
	}
	return 0;
}

/* Slot @slot's connection: the shell's own if it is current, else kept. */
static struct cli_ped *connection(struct cli *cli, struct clonedev *cd,
				  unsigned int cur, unsigned int slot)
{
	struct cli_ped *e = slot == cur ? cli_ped_of(cli, cd) : NULL;

	return e ?: cli_ped_kept(cli, slot);
}

int cmd_ped_disconnect(struct cli *cli, const struct command *cmd,
		       const struct cmd_args *args)
{
	struct clonedev *cd;
	unsigned int cur, slot;
	struct cli_ped *e;

	if (!cli->shell)
		return cli_error("'ped disconnect' ends a connection 'ped connect' made in the clonectl shell; a one-shot command has none to end.");
	if (which_slot(cli, cmd, args, &cd, &cur, &slot))
		return -1;
	e = connection(cli, cd, cur, slot);
	if (!e)
		return cli_error("slot %u is not connected to a PED server.",
				 slot);
	ped_drop(cli, e);
	if (!cli_json(cli))
		printf("Slot %u is disconnected from the PED server.\n", slot);
	return 0;
}

static const char *kind_name(unsigned int kind)
{
	return kind == CLONEDEV_PED_KIND_DOMAIN ? "domain" :
	       clonedev_role_name(kind);
}

int cmd_ped_show(struct cli *cli, const struct command *cmd,
		 const struct cmd_args *args)
{
	char id[2 * CLONEDEV_PED_RPV_ID_LEN + 1], host[1025] = "";
	struct clonedev_ped_info info;
	struct clonedev *cd, *s, *tmp = NULL;
	unsigned int cur, slot, port = 0;
	struct cli_ped *e;
	bool up = false;
	int ret;

	if (which_slot(cli, cmd, args, &cd, &cur, &slot))
		return -1;
	e = connection(cli, cd, cur, slot);
	if (e && !clonedev_ped_link_check(e->link)) {
		up = true;
		clonedev_ped_link_server(e->link, host, sizeof(host), &port);
	}
	s = e ? e->cd : cd;
	if (!e && slot != cur) {
		/* A slot the shell has no session on: a look from a new one. */
		ret = clonedev_open(&tmp);
		if (ret)
			return cli_errno(cli, ret, "opening a session for the slot");
		ret = clonedev_slot_set(tmp, slot);
		if (ret) {
			clonedev_close(tmp);
			if (ret == -ENODEV)
				return cli_error("there is no partition in slot %u; 'slot list' shows them.",
						 slot);
			return cli_errno(cli, ret, "selecting the slot");
		}
		s = tmp;
	}
	ret = clonedev_ped_status(s, &info);
	clonedev_close(tmp);
	if (ret)
		return cli_errno(cli, ret, "reading the remote PED state");
	if (e && !up) {
		/* The server closed the connection since: it is of no use. */
		ped_drop(cli, e);
		info.state = CLONEDEV_PED_NONE;
		info.held_kind = 0;
		info.held_count = 0;
	}
	up = up && info.state == CLONEDEV_PED_CONNECTED;
	rpv_hex(info.rpv_id, id);
	if (cli_json(cli)) {
		struct json j;

		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_uint(&j, "slot", slot);
		json_bool(&j, "connected", up);
		if (up) {
			json_str(&j, "server", host);
			json_uint(&j, "port", port);
		}
		json_bool(&j, "has_rpv", info.has_rpv);
		if (info.has_rpv)
			json_str(&j, "rpv_id", id);
		json_str(&j, "held_kind", info.held_kind ?
			 kind_name(info.held_kind) : "none");
		json_uint(&j, "held_count", info.held_count);
		json_obj_end(&j);
		json_end(&j);
		return 0;
	}
	if (up)
		printf("Slot %u: connected to the PED server at %s port %u.\n",
		       slot, host, port);
	else
		printf("Slot %u: not connected to a PED server.\n", slot);
	if (info.has_rpv)
		printf("  Remote PED vector: %s\n", id);
	else
		printf("  Remote PED vector: none (the po makes one with 'ped vector init').\n");
	if (info.held_count)
		printf("  Shares held for the next login: %u %s share%s.\n",
		       info.held_count, kind_name(info.held_kind),
		       info.held_count == 1 ? "" : "s");
	else if (up)
		printf("  Shares held for the next login: none.\n");
	return 0;
}

/*
 * The po's session for "ped vector": the shell's, whose slot -slot may
 * name again but not change (that would end the po's login).
 */
static int po_session(struct cli *cli, const struct command *cmd,
		      const struct cmd_args *args, const char *doing,
		      struct clonedev **cd, unsigned int *slot)
{
	unsigned int cur;

	if (which_slot(cli, cmd, args, cd, &cur, slot))
		return -1;
	if (*slot != cur)
		return cli_error("%s: the po of slot %u logs in on it first ('slot set -slot %u', then 'role login -name po') in the clonectl shell.",
				 doing, *slot, *slot);
	return 0;
}

static int vector_error(struct cli *cli, int err, const char *doing,
			unsigned int slot)
{
	switch (-err) {
	case EACCES:
		return cli_error("%s: the po of slot %u must be logged in ('role login -name po' in the clonectl shell).",
				 doing, slot);
	case EOPNOTSUPP:
		return cli_error("%s: a remote PED vector is for quorum partitions (created with -auth quorum); slot %u's partition uses passwords.",
				 doing, slot);
	case ENOKEY:
		return cli_error("%s: slot %u's partition has no remote PED vector.",
				 doing, slot);
	case EINVAL:
		return cli_error("%s: -quorum takes M/N with 1 <= M <= N <= 16.",
				 doing);
	case ENODEV:
		return cli_error("%s: there is no partition in slot %u; 'slot list' shows them.",
				 doing, slot);
	}
	return cli_errno(cli, err, doing);
}

int cmd_ped_vector_init(struct cli *cli, const struct command *cmd,
			const struct cmd_args *args)
{
	const char *doing = "making the remote PED vector";
	struct clonedev *cd;
	unsigned int slot;
	int ret;

	if (po_session(cli, cmd, args, doing, &cd, &slot))
		return -1;
	ret = cli_quorum_vector_init(cli, cd, cli_opt(cmd, args, "quorum"),
				     cli_opt(cmd, args, "sharedir"));
	if (ret == CLI_REPORTED)
		return -1;
	if (ret)
		return vector_error(cli, ret, doing, slot);
	return 0;
}

int cmd_ped_vector_erase(struct cli *cli, const struct command *cmd,
			 const struct cmd_args *args)
{
	const char *doing = "erasing the remote PED vector";
	struct clonedev *cd;
	unsigned int slot;
	int ret;

	if (po_session(cli, cmd, args, doing, &cd, &slot))
		return -1;
	ret = clonedev_ped_vector_erase(cd);
	if (ret)
		return vector_error(cli, ret, doing, slot);
	if (!cli_json(cli))
		printf("Slot %u's remote PED vector is erased: no PED server serves its shares any more.\n",
		       slot);
	return 0;
}
