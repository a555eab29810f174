// SPDX-License-Identifier: GPL-2.0
/*
 * clonectl: the session commands: "slot set", "partition init" and
 * "role login|logout|init|changepw|show". They act on the tool's session
 * (one open /dev/clonedev), so in the shell they keep the current slot and
 * login from line to line, as lunacm does.
 */
#include <errno.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "json.h"

static const char *no_slot =
	"no slot is selected, or its partition was deleted; choose one with 'slot set -slot N'";

/* Applies an optional -slot before a session command. */
int cli_session_slot(struct cli *cli, const struct command *cmd,
		     const struct cmd_args *args, struct clonedev **cd)
{
	const char *slot = cli_opt(cmd, args, "slot");
	unsigned int n;
	int ret;

	if (cli_session(cli, cd))
		return -1;
	if (!slot)
		return 0;
	if (cli_slot_number(slot, &n))
		return -1;
	ret = clonedev_slot_set(*cd, n);
	if (!ret)
		cli_ped_slot_changed(cli, *cd);
	if (ret == -ENODEV)
		return cli_error("there is no partition in slot %u; 'slot list' shows them.",
				 n);
	if (ret)
		return cli_errno(cli, ret, "selecting the slot");
	return 0;
}

static int role_of(const char *name, unsigned int *role)
{
	*role = clonedev_role_value(name);
	if (!*role)
		return cli_error("-name must be po, co or cu, not '%s'.", name);
	return 0;
}

int cmd_slot_set(struct cli *cli, const struct command *cmd,
		 const struct cmd_args *args)
{
	struct clonedev *cd;

	if (cli_session_slot(cli, cmd, args, &cd))
		return -1;
	if (!cli_json(cli))
		printf("Current slot: %s\n", cli_opt(cmd, args, "slot"));
	return 0;
}

int cmd_partition_init(struct cli *cli, const struct command *cmd,
		       const struct cmd_args *args)
{
	char pw[CLI_SECRET_MAX], dom[CLI_SECRET_MAX];
	const char *label = cli_opt(cmd, args, "label");
	struct clonedev *cd;
	int ret = -1;

	const char *quorum = cli_opt(cmd, args, "quorum");
	const char *domain_label = cli_opt(cmd, args, "domainlabel");

	memset(pw, 0, sizeof(pw));
	memset(dom, 0, sizeof(dom));
	if (cli_session_slot(cli, cmd, args, &cd))
		return -1;
	if (!domain_label && !quorum)
		return cli_error("give the primary cloning domain's label with -domainlabel.");
	if (quorum) {
		if (cli_opt(cmd, args, "domain") || cli_opt(cmd, args, "password"))
			return cli_error("a quorum partition takes no -password or -domain: the HSM makes both and hands out their shares.");
		ret = cli_quorum_partition_init(cli, cd, label,
						domain_label ? domain_label :
						"primary", quorum,
						cli_opt(cmd, args, "sharedir"));
		if (ret == CLI_REPORTED)
			return -1;
	} else if (cli_secret(cli, cli_opt(cmd, args, "domain"),
			      "cloning domain", dom, sizeof(dom)) ||
		   cli_secret(cli, cli_opt(cmd, args, "password"),
			      "po password", pw, sizeof(pw))) {
		goto out;
	} else {
		ret = clonedev_partition_init(cd, label, pw, dom, domain_label);
	}
	switch (-ret) {
	case 0:
		if (!cli_json(cli) && !quorum)
			printf("Partition initialized: label '%s', primary cloning domain '%s'.\n",
			       label, domain_label);
		break;
	case ENODEV:
		ret = cli_error("initializing the partition: %s.", no_slot);
		break;
	case EACCES:
		ret = cli_error("initializing the partition: a new partition is initialized by the HSM administrator (root), an initialized one only by its po; log in with 'role login -name po'.");
		break;
	case EEXIST:
		ret = cli_error("initializing the partition: another partition has the label '%s'.",
				label);
		break;
	case EINVAL:
		if (quorum)
			ret = cli_error("initializing the partition: -quorum is for partitions created with -auth quorum, and labels are 1 to 32 printable characters.");
		else
			ret = cli_error("initializing the partition: labels are 1 to 32 printable characters and secrets 1 to 128 characters; a partition created with -auth quorum takes -quorum M/N -sharedir DIR instead.");
		break;
	default:
		ret = cli_errno(cli, ret, "initializing the partition");
	}
out:
	cli_wipe(pw, sizeof(pw));
	cli_wipe(dom, sizeof(dom));
	return ret ? -1 : 0;
}

int cli_login_error(struct cli *cli, int err, unsigned int role)
{
	const char *r = clonedev_role_name(role);

	switch (-err) {
	case EACCES:
		return cli_error("logging in: the %s password is wrong.", r);
	case EKEYREVOKED:
		if (role == CLONEDEV_ROLE_CU)
			return cli_error("logging in: the cu role is locked out after too many wrong passwords (by its own or the co's); the co re-initializes it with 'role init -name cu', the po the co with 'role init -name co'.");
		return cli_error("logging in: the co role is locked out after too many wrong passwords; the po re-initializes it with 'role init -name co'.");
	case ENOKEY:
		if (role == CLONEDEV_ROLE_PO)
			return cli_error("logging in: the partition is not initialized; initialize it with 'partition init'.");
		return cli_error("logging in: the %s role has no password (on a quorum partition: no challenge password) yet; the %s sets it with 'role init -name %s' ('role setchallenge -name %s').",
				 r, role == CLONEDEV_ROLE_CO ? "po" : "co", r, r);
	case EKEYEXPIRED:
		return cli_error("logging in: a quorum partition takes the %s's challenge password only while it is activated and the %s's secret is cached; log in with its shares (after 'partition activate').",
				 r, r);
	case ESTALE:
		return cli_error("logging in: the partition is zeroized after too many wrong po passwords; initialize it again with 'partition init'.");
	case ENODEV:
		return cli_error("logging in: %s.", no_slot);
	}
	return cli_errno(cli, err, "logging in");
}

int cmd_role_login(struct cli *cli, const struct command *cmd,
		   const struct cmd_args *args)
{
	struct clonedev *cd;
	unsigned int role;
	bool shares;
	int ret;

	if (role_of(cli_opt(cmd, args, "name"), &role) ||
	    cli_session_slot(cli, cmd, args, &cd))
		return -1;
	shares = cli_opt(cmd, args, "sharefiles") ||
		 cli_opt(cmd, args, "sharedir");
	ret = cli_login_any(cli, cd, role, NULL, cli_opt(cmd, args, "password"),
			    cli_opt(cmd, args, "sharefiles"),
			    cli_opt(cmd, args, "sharedir"));
	if (ret == CLI_REPORTED)
		return -1;
	if (ret == -EACCES && shares)
		return cli_error("logging in: the %s shares do not combine to its secret (a wrong or altered share); this counts as a failed login.",
				 clonedev_role_name(role));
	if (ret == -EINVAL && shares)
		return cli_error("logging in: this partition uses passwords, not shares.");
	if (ret == -EINVAL)
		return cli_error("logging in: this is a quorum partition; log in with -sharefiles F1,F2,... or -sharedir DIR.");
	if (ret)
		return cli_login_error(cli, ret, role);
	if (!cli_json(cli))
		printf("Logged in as %s.\n", clonedev_role_name(role));
	return 0;
}

int cmd_role_logout(struct cli *cli, const struct command *cmd,
		    const struct cmd_args *args)
{
	struct clonedev *cd;
	int ret;

	if (cli_session_slot(cli, cmd, args, &cd))
		return -1;
	ret = clonedev_logout(cd);
	if (ret == -EACCES)
		return cli_error("logging out: this session is not logged in.");
	if (ret)
		return cli_errno(cli, ret, "logging out");
	if (!cli_json(cli))
		printf("Logged out.\n");
	return 0;
}

int cmd_role_init(struct cli *cli, const struct command *cmd,
		  const struct cmd_args *args)
{
	const char *quorum = cli_opt(cmd, args, "quorum");
	struct clonedev *cd;
	unsigned int role;
	int ret;

	if (role_of(cli_opt(cmd, args, "name"), &role) ||
	    cli_session_slot(cli, cmd, args, &cd))
		return -1;
	if (role == CLONEDEV_ROLE_PO)
		return cli_error("the po is set by 'partition init'; 'role init' sets co or cu.");
	if (quorum) {
		ret = cli_quorum_role_init(cli, cd, role, quorum,
					   cli_opt(cmd, args, "sharedir"));
		if (ret == CLI_REPORTED)
			return -1;
	} else {
		char pw[CLI_SECRET_MAX];

		if (cli_secret(cli, cli_opt(cmd, args, "password"),
			       "new password", pw, sizeof(pw)))
			return -1;
		ret = clonedev_role_init(cd, role, pw);
		cli_wipe(pw, sizeof(pw));
	}
	switch (-ret) {
	case 0:
		if (!cli_json(cli) && !quorum)
			printf("The %s role is initialized.\n",
			       clonedev_role_name(role));
		return 0;
	case EACCES:
		return cli_error("initializing the %s role: the %s must be logged in to do it ('role login -name %s').",
				 clonedev_role_name(role),
				 role == CLONEDEV_ROLE_CO ? "po" : "co",
				 role == CLONEDEV_ROLE_CO ? "po" : "co");
	case EINVAL:
		if (quorum)
			return cli_error("initializing the role: -quorum is for partitions created with -auth quorum.");
		return cli_error("initializing the role: a password is 1 to 128 characters; a quorum partition's roles take -quorum M/N -sharedir DIR instead.");
	case ENODEV:
		return cli_error("initializing the role: %s.", no_slot);
	}
	return cli_errno(cli, ret, "initializing the role");
}

int cmd_role_changepw(struct cli *cli, const struct command *cmd,
		      const struct cmd_args *args)
{
	char oldpw[CLI_SECRET_MAX], newpw[CLI_SECRET_MAX];
	struct clonedev_session_info si;
	const char *name = cli_opt(cmd, args, "name");
	struct clonedev *cd;
	int ret = -1;

	if (cli_session_slot(cli, cmd, args, &cd))
		return -1;
	if (clonedev_session_info(cd, &si) || si.role == CLONEDEV_ROLE_NONE)
		return cli_error("changing the password: this session is not logged in; log in with 'role login' first.");
	if (name && clonedev_role_value(name) != si.role)
		return cli_error("changing the password: this session is logged in as %s, not %s; a role changes its own password.",
				 clonedev_role_name(si.role), name);
	if (cli_secret(cli, cli_opt(cmd, args, "oldpw"), "current password",
		       oldpw, sizeof(oldpw)) ||
	    cli_secret(cli, cli_opt(cmd, args, "newpw"), "new password",
		       newpw, sizeof(newpw)))
		goto out;
	ret = clonedev_role_changepw(cd, oldpw, newpw);
	if (ret == -EACCES)
		ret = cli_error("changing the password: the current password is wrong.");
	else if (ret == -EOPNOTSUPP && si.role == CLONEDEV_ROLE_PO)
		ret = cli_error("changing the password: a quorum partition's po logs in with M-of-N shares, not a password; its secret changes only through new shares, made with 'partition init -quorum M/N -sharedir DIR'.");
	else if (ret == -EOPNOTSUPP)
		ret = cli_error("changing the password: a quorum partition's %s logs in with M-of-N shares, not a password; its secret changes only through new shares, which the %s makes with 'role init -name %s -quorum M/N -sharedir DIR'.",
				clonedev_role_name(si.role),
				clonedev_role_name(si.role - 1),
				clonedev_role_name(si.role));
	else if (ret)
		ret = cli_login_error(cli, ret, si.role);
	else if (!cli_json(cli))
		printf("The %s password is changed.\n",
		       clonedev_role_name(si.role));
out:
	cli_wipe(oldpw, sizeof(oldpw));
	cli_wipe(newpw, sizeof(newpw));
	return ret ? -1 : 0;
}

int cmd_role_show(struct cli *cli, const struct command *cmd,
		  const struct cmd_args *args)
{
	struct clonedev_session_info si;
	struct clonedev *cd;
	unsigned int r;
	int ret;

	if (cli_session_slot(cli, cmd, args, &cd))
		return -1;
	ret = clonedev_session_info(cd, &si);
	if (ret == -ENODEV || (!ret && !si.slot))
		return cli_error("showing the roles: %s.", no_slot);
	if (ret)
		return cli_errno(cli, ret, "showing the roles");
	if (cli_json(cli)) {
		struct json j;

		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_uint(&j, "slot", si.slot);
		json_str(&j, "state", clonedev_state_name(si.state));
		json_str(&j, "logged_in",
			 si.role ? clonedev_role_name(si.role) : "none");
		json_arr_begin(&j, "roles");
		for (r = CLONEDEV_ROLE_PO; r <= CLONEDEV_ROLE_CU; r++) {
			json_obj_begin(&j, NULL);
			json_str(&j, "name", clonedev_role_name(r));
			json_bool(&j, "initialized",
				  si.roles[r].role_flags & CLONEDEV_ROLE_SET);
			json_bool(&j, "locked",
				  si.roles[r].role_flags & CLONEDEV_ROLE_LOCKED);
			json_uint(&j, "failed_logins", si.roles[r].failures);
			json_bool(&j, "challenge",
				  si.roles[r].role_flags &
				  CLONEDEV_ROLE_CHALLENGE);
			json_bool(&j, "cached",
				  si.roles[r].role_flags & CLONEDEV_ROLE_CACHED);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_bool(&j, "activated", si.activated);
		json_obj_end(&j);
		json_end(&j);
		return 0;
	}
	printf("Slot %u (%s%s), logged in as: %s\n", si.slot,
	       clonedev_state_name(si.state), si.activated ? ", activated" : "",
	       si.role ? clonedev_role_name(si.role) : "none");
	for (r = CLONEDEV_ROLE_PO; r <= CLONEDEV_ROLE_CU; r++)
		printf("  %s: %s%s, %u failed login%s in a row%s%s\n",
		       clonedev_role_name(r),
		       si.roles[r].role_flags & CLONEDEV_ROLE_SET ?
		       "initialized" : "not initialized",
		       si.roles[r].role_flags & CLONEDEV_ROLE_LOCKED ?
		       ", LOCKED OUT" : "",
		       si.roles[r].failures, si.roles[r].failures == 1 ? "" : "s",
		       si.roles[r].role_flags & CLONEDEV_ROLE_CHALLENGE ?
		       ", challenge set" : "",
		       si.roles[r].role_flags & CLONEDEV_ROLE_CACHED ?
		       ", secret cached" : "");
	return 0;
}

int cmd_role_setchallenge(struct cli *cli, const struct command *cmd,
			  const struct cmd_args *args)
{
	char pw[CLI_SECRET_MAX];
	struct clonedev *cd;
	unsigned int role;
	int ret;

	if (role_of(cli_opt(cmd, args, "name"), &role) ||
	    cli_session_slot(cli, cmd, args, &cd))
		return -1;
	if (role == CLONEDEV_ROLE_PO)
		return cli_error("only co and cu have challenge passwords.");
	if (cli_secret(cli, cli_opt(cmd, args, "challenge"),
		       "challenge password", pw, sizeof(pw)))
		return -1;
	ret = clonedev_role_challenge(cd, role, pw);
	cli_wipe(pw, sizeof(pw));
	switch (-ret) {
	case 0:
		if (!cli_json(cli))
			printf("The %s challenge password is set.\n",
			       clonedev_role_name(role));
		return 0;
	case EACCES:
		return cli_error("setting the challenge: the %s must be logged in to do it.",
				 role == CLONEDEV_ROLE_CO ? "po" : "co");
	case EINVAL:
		return cli_error("setting the challenge: challenges are for quorum partitions, and 1 to 128 characters.");
	case ENODEV:
		return cli_error("setting the challenge: %s.", no_slot);
	}
	return cli_errno(cli, ret, "setting the challenge");
}

static int set_activation(struct cli *cli, const struct command *cmd,
			  const struct cmd_args *args, int on)
{
	const char *what = on ? "activating the partition" :
				"deactivating the partition";
	struct clonedev *cd;
	int ret;

	if (cli_session_slot(cli, cmd, args, &cd))
		return -1;
	ret = clonedev_activation(cd, on);
	switch (-ret) {
	case 0:
		if (!cli_json(cli) && on)
			printf("The partition is activated: the next co or cu login with shares caches its secret.\n");
		else if (!cli_json(cli))
			printf("The partition is deactivated: cached secrets are wiped.\n");
		return 0;
	case EACCES:
		return cli_error("%s: the po or the co must be logged in.", what);
	case EINVAL:
		return cli_error("%s: only quorum partitions are activated.",
				 what);
	case EPERM:
		return cli_error("%s: policy 22 (Allow activation) is off; the po can turn it on with 'partition changepolicy -policy 22 -value 1'.",
				 what);
	case ENODEV:
		return cli_error("%s: %s.", what, no_slot);
	}
	return cli_errno(cli, ret, what);
}

int cmd_partition_activate(struct cli *cli, const struct command *cmd,
			   const struct cmd_args *args)
{
	return set_activation(cli, cmd, args, 1);
}

int cmd_partition_deactivate(struct cli *cli, const struct command *cmd,
			     const struct cmd_args *args)
{
	return set_activation(cli, cmd, args, 0);
}
