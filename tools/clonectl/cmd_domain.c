// SPDX-License-Identifier: GPL-2.0
/*
 * clonectl: "partition domainlist|domainadd|domaindelete|domainchangelabel",
 * the po's management of a partition's cloning domains. A domain's secret
 * goes in and never comes out; domains are compared by fingerprint.
 */
#include <errno.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "json.h"

static int domain_error(struct cli *cli, int err, const char *what,
			const char *label)
{
	switch (-err) {
	case EACCES:
		return cli_error("%s: the po must be logged in; log in with 'role login -name po'.",
				 what);
	case ENODEV:
		return cli_error("%s: no slot is selected; choose one with 'slot set -slot N'.",
				 what);
	case EPERM:
		return cli_error("%s: policy 44 (Allow extended domain management) is off, so the partition keeps its one domain; the po can turn it on with 'partition changepolicy -policy 44 -value 1'.",
				 what);
	case ENOSPC:
		return cli_error("%s: the partition already has three domains, the most it may hold; delete one with 'partition domaindelete' first.",
				 what);
	case EEXIST:
		return cli_error("%s: the partition already has a domain labelled '%s'.",
				 what, label);
	case ENOENT:
		return cli_error("%s: the partition has no domain labelled '%s'; 'partition domainlist' shows them.",
				 what, label);
	case EBUSY:
		return cli_error("%s: '%s' is the partition's last domain, and a partition keeps at least one.",
				 what, label);
	case EINVAL:
		return cli_error("%s: a domain label is 1 to 32 printable characters and a text domain 1 to 128 characters.",
				 what);
	}
	return cli_errno(cli, err, what);
}

static void fingerprint_hex(const unsigned char *f, char *out)
{
	int i;

	for (i = 0; i < CLONEDEV_FINGERPRINT_LEN; i++)
		sprintf(out + 2 * i, "%02x", f[i]);
}

int cmd_partition_domainlist(struct cli *cli, const struct command *cmd,
			     const struct cmd_args *args)
{
	struct clonedev_domain_list l;
	char fp[2 * CLONEDEV_FINGERPRINT_LEN + 1];
	struct clonedev *cd;
	struct json j;
	unsigned int i;
	int ret;

	if (cli_session_slot(cli, cmd, args, &cd))
		return -1;
	ret = clonedev_domain_list(cd, &l);
	if (ret)
		return domain_error(cli, ret, "listing the domains", "");
	if (cli_json(cli)) {
		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_arr_begin(&j, "domains");
	} else {
		printf("%-32s  %-6s  %-7s  %s\n", "Label", "Type", "Primary",
		       "Fingerprint");
	}
	for (i = 0; i < l.count; i++) {
		const struct clonedev_domain_info *d = &l.domains[i];

		fingerprint_hex(d->fingerprint, fp);
		if (cli_json(cli)) {
			json_obj_begin(&j, NULL);
			json_str(&j, "label", d->label);
			json_str(&j, "type", clonedev_domain_type_name(d->type));
			json_bool(&j, "primary", d->primary);
			json_str(&j, "fingerprint", fp);
			json_obj_end(&j);
		} else {
			printf("%-32s  %-6s  %-7s  %s\n", d->label,
			       clonedev_domain_type_name(d->type),
			       d->primary ? "yes" : "no", fp);
		}
	}
	if (cli_json(cli)) {
		json_arr_end(&j);
		json_obj_end(&j);
		json_end(&j);
	}
	return 0;
}

int cmd_partition_domainadd(struct cli *cli, const struct command *cmd,
			    const struct cmd_args *args)
{
	const char *label = cli_opt(cmd, args, "domainlabel");
	const char *files = cli_opt(cmd, args, "domainshares");
	struct clonedev *cd;
	int ret;

	if (cli_session_slot(cli, cmd, args, &cd))
		return -1;
	if (files) {
		if (cli_opt(cmd, args, "domain"))
			return cli_error("give -domain (a text domain) or -domainshares (a quorum domain), not both.");
		ret = cli_quorum_domain_import(cli, cd, label, files,
					       cli_flag(cmd, args, "primary"));
		if (ret == CLI_REPORTED)
			return -1;
		if (ret == -EBADMSG)
			return cli_error("adding the domain: the shares do not combine to the domain they name (a wrong or altered share); nothing was added.");
	} else if (!cli_opt(cmd, args, "domain") && cli_ped_of(cli, cd)) {
		/* A connected slot: the quorum domain's shares, from its server. */
		ret = cli_ped_domain(cli, cd, label,
				     cli_flag(cmd, args, "primary"));
		if (ret == CLI_REPORTED)
			return -1;
		if (ret == -EBADMSG)
			return cli_error("adding the domain: the shares the PED server sent do not combine to the domain they name; nothing was added.");
	} else {
		char secret[CLI_SECRET_MAX];

		if (cli_secret(cli, cli_opt(cmd, args, "domain"),
			       "cloning domain", secret, sizeof(secret)))
			return -1;
		ret = clonedev_domain_add(cd, label, secret,
					  cli_flag(cmd, args, "primary"));
		cli_wipe(secret, sizeof(secret));
	}
	if (ret == -EALREADY)
		return cli_error("adding the domain: the partition holds this domain already, under another label; 'partition domainlist' shows it.");
	if (ret)
		return domain_error(cli, ret, "adding the domain", label);
	if (!cli_json(cli))
		printf("Added cloning domain '%s'%s.\n", label,
		       cli_flag(cmd, args, "primary") ? " as the primary" : "");
	return 0;
}

int cmd_partition_domaindelete(struct cli *cli, const struct command *cmd,
			       const struct cmd_args *args)
{
	const char *label = cli_opt(cmd, args, "domainlabel");
	char answer[CLONEDEV_LABEL_LEN + 2];
	struct clonedev *cd;
	int ret;

	if (cli_session_slot(cli, cmd, args, &cd))
		return -1;
	/* As lunacm: without -domainlabel, show the domains and ask. */
	if (!label) {
		if (cmd_partition_domainlist(cli, cmd, args) ||
		    cli_answer("label of the domain to delete", "domainlabel",
			       answer, sizeof(answer)))
			return -1;
		label = answer;
	}
	ret = clonedev_domain_delete(cd, label);
	if (ret)
		return domain_error(cli, ret, "deleting the domain", label);
	if (!cli_json(cli))
		printf("Deleted cloning domain '%s'.\n", label);
	return 0;
}

int cmd_partition_domainchangelabel(struct cli *cli, const struct command *cmd,
				    const struct cmd_args *args)
{
	const char *label = cli_opt(cmd, args, "domainlabel");
	const char *new_label = cli_opt(cmd, args, "newlabel");
	bool primary = cli_flag(cmd, args, "primary");
	struct clonedev *cd;
	int ret;

	if (!new_label && !primary)
		return cli_error("give -newlabel, -primary or both.");
	if (cli_session_slot(cli, cmd, args, &cd))
		return -1;
	ret = clonedev_domain_change(cd, label, new_label, primary);
	if (ret)
		return domain_error(cli, ret, "changing the domain",
				    ret == -EEXIST ? new_label : label);
	if (!cli_json(cli))
		printf("Cloning domain '%s'%s%s%s.\n", label,
		       new_label ? " is now '" : "", new_label ? new_label : "",
		       new_label ? (primary ? "', the primary" : "'") :
		       " is now the primary");
	return 0;
}
