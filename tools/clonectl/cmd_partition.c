// SPDX-License-Identifier: GPL-2.0
/* clonectl: "partition ..." commands. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "json.h"

/* Parses a slot number; prints the error itself. */
int cli_slot_number(const char *s, unsigned int *slot)
{
	char *end;
	unsigned long v;

	v = strtoul(s, &end, 10);
	if (!isdigit((unsigned char)*s) || *end || v > 0xffffffffUL)
		return cli_error("'%s' is not a slot number; 'slot list' shows them.",
				 s);
	*slot = (unsigned int)v;
	return 0;
}

static int word_value(const char *opt, const char *word,
		      unsigned int (*value)(const char *), const char *choices,
		      unsigned int *out)
{
	*out = 0;
	if (!word)
		return 0;
	*out = value(word);
	if (!*out)
		return cli_error("-%s must be %s, not '%s'.", opt, choices, word);
	return 0;
}

int cmd_partition_create(struct cli *cli, const struct command *cmd,
			 const struct cmd_args *args)
{
	const char *label = cli_opt(cmd, args, "label");
	unsigned int auth, type, level;
	struct clonedev_slot s;
	struct clonedev_nl *nl;
	int ret;

	if (word_value("auth", cli_opt(cmd, args, "auth"), clonedev_auth_value,
		       "password or quorum", &auth) ||
	    word_value("type", cli_opt(cmd, args, "type"), clonedev_ptype_value,
		       "application or backup", &type) ||
	    word_value("protocol", cli_opt(cmd, args, "protocol"),
		       clonedev_level_value, "legacy, v3 or current", &level))
		return -1;
	if (!*label || strlen(label) > 32)
		return cli_error("a partition label is 1 to 32 characters; '%s' is not.",
				 label);
	if (cli_nl(cli, &nl))
		return -1;
	ret = clonedev_nl_partition_create(nl, label, auth, type, level, &s);
	if (ret)
		return cli_errno(cli, ret, "creating the partition");
	if (cli_json(cli)) {
		struct json j;

		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_uint(&j, "slot", s.slot);
		json_str(&j, "label", s.label);
		json_uint(&j, "serial", s.serial);
		json_obj_end(&j);
		json_end(&j);
	} else {
		printf("Created partition '%s' in slot %u (serial %llu).\n",
		       s.label, s.slot, s.serial);
	}
	return 0;
}

/* Asks on standard input; "proceed" goes on, anything else stops. */
static bool confirmed(struct cli *cli, const char *question)
{
	char buf[64] = "";

	printf("%s\nType 'proceed' to continue, or 'quit' to quit now -> ",
	       question);
	fflush(stdout);
	if (!fgets(buf, sizeof(buf), stdin)) {
		putchar('\n');
		return false;
	}
	if (!cli->interactive)
		fputs(buf, stdout);
	buf[strcspn(buf, "\r\n")] = '\0';
	return !strcmp(buf, "proceed");
}

int cmd_partition_delete(struct cli *cli, const struct command *cmd,
			 const struct cmd_args *args)
{
	struct clonedev_nl *nl;
	unsigned int slot;
	char q[96];
	int ret;

	if (cli_slot_number(cli_opt(cmd, args, "slot"), &slot))
		return -1;
	if (cli_nl(cli, &nl))
		return -1;
	snprintf(q, sizeof(q),
		 "Deleting the partition in slot %u destroys every object in it.",
		 slot);
	if (!cli_flag(cmd, args, "force") && !confirmed(cli, q))
		return cli_error("the partition was not deleted; answer 'proceed' or add -force.");
	ret = clonedev_nl_partition_delete(nl, slot);
	if (ret)
		return cli_errno(cli, ret, "deleting the partition");
	if (!cli_json(cli))
		printf("Deleted the partition in slot %u.\n", slot);
	return 0;
}
