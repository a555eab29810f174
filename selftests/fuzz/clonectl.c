// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the clonectl command grammar (tools/clonectl/cli.c):
 * each input line is split as the shell splits it (cli_split()), looked
 * up in the command table and its options parsed (cli_parse_line());
 * the command itself is never run, so nothing reaches an HSM. The
 * -objects list of "partition clone" and "partition archive" is parsed
 * too (cli_clone_parse_objects()), and every -handle (cli_handle()).
 * A line the parser takes must give every required option, a value to
 * each option that takes one and none to a flag, and only words of the
 * line as values.
 */
#include <errno.h>
#include <string.h>

#include "cli.h"
#include "clone.h"
#include "commands.h"
#include "fuzz.h"

#define LINE_MAX_FUZZ	4096

static bool in_line(const char *v, const char *line, size_t len)
{
	return v >= line && v < line + len;
}

static void check_args(const struct command *cmd, const struct cmd_args *args,
		       const char *line, size_t len)
{
	unsigned int *handles, count, i;
	int k;

	for (k = 0; cmd->opts && cmd->opts[k].name; k++) {
		FUZZ_CHECK(k < CLI_MAX_OPTS);
		if (cmd->opts[k].required)
			FUZZ_CHECK(args->present[k]);
		if (!args->present[k]) {
			FUZZ_CHECK(!args->values[k]);
			continue;
		}
		if (cmd->opts[k].kind == OPT_FLAG) {
			FUZZ_CHECK(!args->values[k]);
			continue;
		}
		FUZZ_CHECK(args->values[k] &&
			   in_line(args->values[k], line, len));
		if (!strcmp(cmd->opts[k].name, "handle")) {
			unsigned int h = 0;

			if (!cli_handle(args->values[k], &h))
				FUZZ_CHECK(h >= 1 && h <= 0x7fffffff);
			continue;
		}
		if (strcmp(cmd->opts[k].name, "objects"))
			continue;
		if (cli_clone_parse_objects(args->values[k], &handles, &count)) {
			FUZZ_CHECK(!handles && !count);
			continue;
		}
		for (i = 0; i < count; i++)
			FUZZ_CHECK(handles[i] >= 1 && handles[i] <= 0x7fffffff);
		FUZZ_CHECK(count || !handles);
		free(handles);
	}
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct cli cli = { .exit_code = -1, .shell = true };
	char *argv[CLI_MAX_ARGS], *text, *line, *next;
	const struct command *cmd;
	struct cmd_args args;

	if (size > LINE_MAX_FUZZ)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (line = text; line; line = next) {
		int argc, ret, i;
		size_t len;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		len = strlen(line) + 1;
		argc = cli_split(line, argv, CLI_MAX_ARGS);
		if (argc < 0) {
			FUZZ_CHECK(argc == -EINVAL || argc == -E2BIG);
			continue;
		}
		FUZZ_CHECK(argc <= CLI_MAX_ARGS);
		for (i = 0; i < argc; i++)
			FUZZ_CHECK(in_line(argv[i], line, len) &&
				   in_line(argv[i] + strlen(argv[i]), line, len));
		ret = cli_parse_line(&cli, argc, argv, &cmd, &args);
		FUZZ_CHECK(ret == 0 || ret == 1 || ret == -1);
		FUZZ_CHECK(!ret == !!cmd);
		if (!ret) {
			FUZZ_CHECK(cmd->run);
			check_args(cmd, &args, line, len);
		}
	}
	free(text);
	FUZZ_CHECK(!cli.cd && !cli.nl);
	return 0;
}
