// SPDX-License-Identifier: GPL-2.0
/* clonectl: the table of every command, in the order help lists them. */
#include <stdlib.h>

#include "cli.h"
#include "commands.h"

static const struct opt_spec no_opts[] = { { NULL } };

static const struct opt_spec partition_create_opts[] = {
	{ "label", OPT_VALUE, true, "partition label, 1 to 32 characters" },
	{ "auth", OPT_VALUE, false, "password (default) or quorum" },
	{ "type", OPT_VALUE, false, "application (default) or backup" },
	{ "protocol", OPT_VALUE, false, "cloning protocols: legacy, v3 or current (default)" },
	{ NULL },
};

static const struct opt_spec partition_delete_opts[] = {
	{ "slot", OPT_VALUE, true, "slot of the partition to delete" },
	{ "force", OPT_FLAG, false, "do not ask for confirmation" },
	{ NULL },
};

static const struct opt_spec exit_opts[] = {
	{ "code", OPT_VALUE, false, "exit status (default: 0 if every command succeeded)" },
	{ NULL },
};

int cmd_exit(struct cli *cli, const struct command *cmd,
	     const struct cmd_args *args)
{
	const char *code = cli_opt(cmd, args, "code");

	if (code) {
		char *end;
		long v = strtol(code, &end, 10);

		if (*end || v < 0 || v > 255)
			return cli_error("exit code '%s' is not a number from 0 to 255.",
					 code);
		cli->exit_code = (int)v;
	}
	cli->quit = true;
	return 0;
}

const struct command cli_commands[] = {
	{ "hsm", "show", "show the HSM: version, protocols, suites, FIPS mode, partitions",
	  no_opts, cmd_hsm_show },
	{ "slot", "list", "list the slots (partitions) with their state",
	  no_opts, cmd_slot_list },
	{ "partition", "create", "create a partition (HSM administrator)",
	  partition_create_opts, cmd_partition_create },
	{ "partition", "delete", "delete a partition and everything in it (HSM administrator)",
	  partition_delete_opts, cmd_partition_delete },
	{ NULL, "help", "list the commands, or explain one: help <command>",
	  no_opts, NULL },
	{ NULL, "exit", "leave the shell", exit_opts, cmd_exit },
	{ NULL, "quit", "leave the shell", exit_opts, cmd_exit },
	{ NULL, NULL, NULL, NULL, NULL },
};
