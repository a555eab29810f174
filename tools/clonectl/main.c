// SPDX-License-Identifier: GPL-2.0
/*
 * clonectl: the command-line tool for clonedev. With a command it runs it
 * once; without one it is a shell that reads commands from standard input
 * (with a prompt on a terminal) and keeps state such as the current slot
 * from line to line.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define PROMPT "clonectl:> "

static int shell(struct cli *cli)
{
	char *argv[CLI_MAX_ARGS];
	size_t cap = 0;
	char *line = NULL;
	bool failed = false;

	while (!cli->quit) {
		int argc;

		if (cli->interactive) {
			fputs(PROMPT, stdout);
			fflush(stdout);
		}
		if (getline(&line, &cap, stdin) < 0)
			break;
		argc = cli_split(line, argv, CLI_MAX_ARGS);
		if (argc == -EINVAL) {
			cli_error("a quote is not closed; close it and try again.");
			failed = true;
			continue;
		}
		if (argc < 0) {
			cli_error("the line has too many words (at most %d).",
				  CLI_MAX_ARGS);
			failed = true;
			continue;
		}
		if (cli_run_line(cli, argc, argv))
			failed = true;
	}
	free(line);
	if (cli->interactive && !cli->quit)
		fputc('\n', stdout);
	if (cli->exit_code >= 0)
		return cli->exit_code;
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct cli cli = { .exit_code = -1 };
	int i, ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *o = argv[i] + (argv[i][1] == '-' ? 2 : 1);

		if (!strcmp(o, "json")) {
			cli.json = true;
			continue;
		}
		if (!strcmp(o, "help") || !strcmp(o, "h")) {
			cli_help_all(stdout);
			return 0;
		}
		if (!strcmp(o, "version")) {
			printf("clonectl %s\n", CLONECTL_VERSION);
			return 0;
		}
		cli_error("unknown option '%s'; run 'clonectl help' for usage.",
			  argv[i]);
		return 2;
	}

	if (i < argc) {
		ret = cli_run_line(&cli, argc - i, argv + i) ? 1 : 0;
		if (!ret && cli.exit_code >= 0)
			ret = cli.exit_code;
	} else {
		cli.shell = true;
		cli.interactive = isatty(STDIN_FILENO);
		ret = shell(&cli);
	}
	cli_ped_end(&cli);
	clonedev_close(cli.cd);
	clonedev_nl_close(cli.nl);
	return ret;
}
