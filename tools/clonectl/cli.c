// SPDX-License-Identifier: GPL-2.0
/*
 * clonectl: command lookup, option parsing, errors and help. Commands live
 * in cmd_*.c and are listed in commands.c; nothing here knows one of them.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("clonectl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

/* Failing to reach the HSM at all. */
static int open_error(int err, const char *what)
{
	switch (-err) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		return cli_error("%s: the clonedev module is not loaded; load it with 'modprobe clonedev'.",
				 what);
	case EACCES:
		return cli_error("%s: permission denied; run as root or as a member of the group that owns /dev/clonedev.",
				 what);
	default:
		return cli_error("%s failed: %s.", what, strerror(-err));
	}
}

/*
 * One plain sentence for a refused request, said about @what: the
 * kernel's own reason when it gave one, else the errno's meaning here.
 */
int cli_errno(struct cli *cli, int err, const char *what)
{
	const char *why = cli->nl ? clonedev_nl_error(cli->nl, NULL) : "";

	switch (-err) {
	case EPERM:
		return cli_error("%s: not permitted; this needs the HSM administrator (root).",
				 what);
	case ENOKEY:
		return cli_error("%s: the HSM is not activated; add the store's sealing key with 'keyctl padd logon clonedev:store @u < KEYFILE'.",
				 what);
	case EMEDIUMTYPE:
		return cli_error("%s: this slot is a backup partition, which keeps objects cloned into it but neither makes nor uses any; clone them to an application partition ('partition clone') to use them.",
				 what);
	}
	if (*why)
		return cli_error("%s: %s.", what, why);
	switch (-err) {
	case ENODEV:
		return cli_error("%s: there is no such slot; 'slot list' shows them.",
				 what);
	default:
		return cli_error("%s failed: %s.", what, strerror(-err));
	}
}

int cli_nl(struct cli *cli, struct clonedev_nl **nl)
{
	if (!cli->nl) {
		int ret = clonedev_nl_open(&cli->nl);

		if (ret)
			return open_error(ret, "connecting to the HSM");
	}
	*nl = cli->nl;
	return 0;
}

int cli_session(struct cli *cli, struct clonedev **cd)
{
	if (!cli->cd) {
		int ret = clonedev_open(&cli->cd);

		if (ret)
			return open_error(ret, "opening /dev/clonedev");
	}
	*cd = cli->cd;
	return 0;
}

bool cli_json(const struct cli *cli)
{
	return cli->json || cli->json_cmd;
}

static int opt_index(const struct command *cmd, const char *name)
{
	int i;

	for (i = 0; cmd->opts && cmd->opts[i].name; i++)
		if (!strcmp(cmd->opts[i].name, name))
			return i;
	return -1;
}

const char *cli_opt(const struct command *cmd, const struct cmd_args *args,
		    const char *name)
{
	int i = opt_index(cmd, name);

	return i < 0 ? NULL : args->values[i];
}

bool cli_flag(const struct command *cmd, const struct cmd_args *args,
	      const char *name)
{
	int i = opt_index(cmd, name);

	return i >= 0 && args->present[i];
}

static void cmd_name(const struct command *cmd, char *buf, size_t len)
{
	if (cmd->group)
		snprintf(buf, len, "%s %s", cmd->group, cmd->verb);
	else
		snprintf(buf, len, "%s", cmd->verb);
}

/*
 * How many of the @argc words at @argv name @c: 1 for a command of one
 * word, 2 for "group verb", 3 for "group verb verb" (a verb of two words,
 * "ped vector init"); 0 if they do not name it.
 */
static int command_words(const struct command *c, int argc, char **argv)
{
	const char *space;
	size_t len;

	if (!c->group)
		return strcmp(c->verb, argv[0]) ? 0 : 1;
	if (argc < 2 || strcmp(c->group, argv[0]))
		return 0;
	space = strchr(c->verb, ' ');
	if (!space)
		return strcmp(c->verb, argv[1]) ? 0 : 2;
	len = (size_t)(space - c->verb);
	if (argc < 3 || strlen(argv[1]) != len ||
	    strncmp(c->verb, argv[1], len) || strcmp(space + 1, argv[2]))
		return 0;
	return 3;
}

/* The command @argv starts with, and in *words how many words name it. */
static const struct command *find_command(int argc, char **argv, int *words)
{
	const struct command *c;

	for (c = cli_commands; c->verb; c++) {
		*words = command_words(c, argc, argv);
		if (*words)
			return c;
	}
	return NULL;
}

/* Whether @word is the first word of a two-word verb of @group. */
static bool is_verb_prefix(const char *group, const char *word)
{
	const struct command *c;
	size_t len = strlen(word);

	for (c = cli_commands; c->verb; c++)
		if (c->group && !strcmp(c->group, group) &&
		    !strncmp(c->verb, word, len) && c->verb[len] == ' ')
			return true;
	return false;
}

static bool is_group(const char *word)
{
	const struct command *c;

	for (c = cli_commands; c->verb; c++)
		if (c->group && !strcmp(c->group, word))
			return true;
	return false;
}

static int parse_options(struct cli *cli, const struct command *cmd,
			 int argc, char **argv, struct cmd_args *args)
{
	char name[64];
	int i, k;

	memset(args, 0, sizeof(*args));
	for (i = 0; i < argc; i++) {
		const char *tok = argv[i], *eq, *value = NULL;

		if (tok[0] != '-' || !tok[1])
			goto unexpected;
		tok += tok[1] == '-' ? 2 : 1;
		eq = strchr(tok, '=');
		snprintf(name, sizeof(name), "%.*s",
			 (int)(eq ? eq - tok : (long)strlen(tok)), tok);
		for (k = 0; name[k]; k++)
			name[k] = tolower((unsigned char)name[k]);
		if (!strcmp(name, "json")) {
			if (eq)
				return cli_error("option -json takes no value; write just -json.");
			cli->json_cmd = true;
			continue;
		}
		if (!strcmp(name, "help") || !strcmp(name, "h")) {
			cli_help_command(stdout, cmd);
			return 1;
		}
		k = opt_index(cmd, name);
		if (k < 0) {
			char full[64];

			cmd_name(cmd, full, sizeof(full));
			return cli_error("'%s' has no option '%s'; run 'help %s' to see its options.",
					 full, argv[i], full);
		}
		if (args->present[k])
			return cli_error("option -%s is given twice; give it once.",
					 name);
		if (cmd->opts[k].kind == OPT_FLAG) {
			if (eq)
				return cli_error("option -%s takes no value; write just -%s.",
						 name, name);
		} else if (eq) {
			value = eq + 1;
		} else if (i + 1 < argc) {
			value = argv[++i];
		} else {
			return cli_error("option -%s needs a value; write -%s <value>.",
					 name, name);
		}
		args->present[k] = true;
		args->values[k] = value;
	}
	for (k = 0; cmd->opts && cmd->opts[k].name; k++)
		if (cmd->opts[k].required && !args->present[k]) {
			char full[64];

			cmd_name(cmd, full, sizeof(full));
			return cli_error("'%s' needs -%s; run 'help %s' for its usage.",
					 full, cmd->opts[k].name, full);
		}
	return 0;

unexpected:
	{
		char full[64];

		cmd_name(cmd, full, sizeof(full));
		return cli_error("unexpected word '%s' after '%s'; options start with '-'.",
				 argv[i], full);
	}
}

/* The help of each command "@group @word ...": "ped vector" for both. */
static void help_prefix(const char *group, const char *word)
{
	const struct command *c;
	size_t len = strlen(word);

	for (c = cli_commands; c->verb; c++)
		if (c->group && !strcmp(c->group, group) &&
		    !strncmp(c->verb, word, len) && c->verb[len] == ' ')
			cli_help_command(stdout, c);
}

/* "ped vector", "ped vector -help", "ped vector frob": not a command. */
static int verb_prefix(int argc, char **argv)
{
	if (argc == 3 && (!strcmp(argv[2], "-help") ||
			  !strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
		help_prefix(argv[0], argv[1]);
		return 0;
	}
	if (argc == 2)
		return cli_error("'%s %s' needs one more word; run 'help %s' to list the commands.",
				 argv[0], argv[1], argv[0]);
	return cli_error("'%s %s' has no command '%s'; run 'help %s' to list them.",
			 argv[0], argv[1], argv[2], argv[0]);
}

/* help, help <group>, help <group> <verb> [<verb>] */
static int run_help(int argc, char **argv)
{
	const struct command *cmd;
	int words;

	if (argc == 1 && argv[0][0] == '-') {
		cmd = find_command(1, (char *[]){ "help" }, &words);
		if (!strcmp(argv[0], "-help") || !strcmp(argv[0], "--help")) {
			cli_help_command(stdout, cmd);
			return 0;
		}
		return cli_error("'help' has no option '%s'; write 'help <command>'.",
				 argv[0]);
	}
	if (argc == 0) {
		cli_help_all(stdout);
		return 0;
	}
	cmd = find_command(argc, argv, &words);
	if (cmd && argc == words) {
		cli_help_command(stdout, cmd);
		return 0;
	}
	if (argc == 1 && cli_help_group(stdout, argv[0]))
		return 0;
	if (argc == 2 && is_verb_prefix(argv[0], argv[1])) {
		help_prefix(argv[0], argv[1]);
		return 0;
	}
	return cli_error("there is no command '%s%s%s%s%s' to explain; run 'help' to list the commands.",
			 argv[0], argc > 1 ? " " : "", argc > 1 ? argv[1] : "",
			 argc > 2 ? " " : "", argc > 2 ? argv[2] : "");
}

int cli_parse_line(struct cli *cli, int argc, char **argv,
		   const struct command **out, struct cmd_args *args)
{
	const struct command *cmd;
	int skip, ret;

	*out = NULL;
	if (argc == 0)
		return 1;
	cli->json_cmd = false;
	cmd = find_command(argc, argv, &skip);
	if (!cmd) {
		if (is_group(argv[0]) && argc == 1)
			return cli_error("'%s' needs a command; run 'help %s' to list them.",
					 argv[0], argv[0]);
		if (is_group(argv[0]) && is_verb_prefix(argv[0], argv[1]))
			return verb_prefix(argc, argv) ? -1 : 1;
		if (is_group(argv[0]))
			return cli_error("'%s' has no command '%s'; run 'help %s' to list them.",
					 argv[0], argv[1], argv[0]);
		return cli_error("unknown command '%s'; run 'help' to list the commands.",
				 argv[0]);
	}
	/* "help" takes command words, not options. */
	if (!cmd->run)
		return run_help(argc - 1, argv + 1) ? -1 : 1;
	ret = parse_options(cli, cmd, argc - skip, argv + skip, args);
	if (ret)
		return ret < 0 ? -1 : 1;
	*out = cmd;
	return 0;
}

int cli_run_line(struct cli *cli, int argc, char **argv)
{
	const struct command *cmd;
	struct cmd_args args;
	int ret;

	ret = cli_parse_line(cli, argc, argv, &cmd, &args);
	if (ret)
		return ret < 0 ? -1 : 0;
	return cmd->run(cli, cmd, &args);
}

/*
 * Splits a line into words in place: blanks separate, single and double
 * quotes group, a backslash escapes the next character, '#' at the start
 * of a word begins a comment.
 */
int cli_split(char *line, char **argv, int max)
{
	char *r = line, *w = line;
	int argc = 0;

	for (;;) {
		char quote = 0;

		while (isspace((unsigned char)*r))
			r++;
		if (!*r || *r == '#')
			break;
		if (argc == max)
			return -E2BIG;
		argv[argc++] = w;
		for (; *r && (quote || !isspace((unsigned char)*r)); r++) {
			if (quote) {
				if (*r == quote)
					quote = 0;
				else
					*w++ = *r;
			} else if (*r == '\'' || *r == '"') {
				quote = *r;
			} else if (*r == '\\' && r[1]) {
				*w++ = *++r;
			} else {
				*w++ = *r;
			}
		}
		if (quote)
			return -EINVAL;
		if (*r)
			r++;
		*w++ = '\0';
	}
	return argc;
}

/* ---- help ---- */

static void usage_line(FILE *f, const struct command *cmd)
{
	const struct opt_spec *o;
	char name[64];

	cmd_name(cmd, name, sizeof(name));
	fprintf(f, "%s", name);
	for (o = cmd->opts; o && o->name; o++) {
		const char *v = o->kind == OPT_VALUE ? " <value>" : "";

		if (o->required)
			fprintf(f, " -%s%s", o->name, v);
		else
			fprintf(f, " [-%s%s]", o->name, v);
	}
	fputc('\n', f);
}

void cli_help_command(FILE *f, const struct command *cmd)
{
	const struct opt_spec *o;

	fputs("usage: ", f);
	usage_line(f, cmd);
	fprintf(f, "  %s\n", cmd->summary);
	for (o = cmd->opts; o && o->name; o++)
		fprintf(f, "  -%-14s %s%s\n", o->name, o->help,
			o->required ? " (required)" : "");
	fprintf(f, "  -%-14s %s\n", "json", "print the result as JSON");
}

void cli_help_all(FILE *f)
{
	const struct command *c;
	char name[64];

	fputs("usage: clonectl [--json] [<command> [options]]\n"
	      "With no command, clonectl reads commands from standard input (a shell).\n"
	      "Options take one or two dashes; 'help <command>' explains one.\n\n"
	      "Commands:\n", f);
	for (c = cli_commands; c->verb; c++) {
		cmd_name(c, name, sizeof(name));
		fprintf(f, "  %-28s %s\n", name, c->summary);
	}
}

int cli_help_group(FILE *f, const char *group)
{
	const struct command *c;
	int n = 0;

	for (c = cli_commands; c->verb; c++)
		if (c->group && !strcmp(c->group, group)) {
			fprintf(f, "  %s %-16s %s\n", c->group, c->verb,
				c->summary);
			n++;
		}
	return n;
}
