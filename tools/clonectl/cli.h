/* SPDX-License-Identifier: GPL-2.0 */
/*
 * clonectl: the command table, option parser and shared state behind every
 * command. One grammar serves one-shot use and the interactive shell:
 *   <group> <verb> [-option [value]]...
 * Options take one or two dashes and "-name=value" works too.
 */
#ifndef CLONECTL_CLI_H
#define CLONECTL_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "libclonedev.h"

#ifndef __printf
#define __printf(a, b) __attribute__((format(printf, a, b)))
#endif

#define CLI_MAX_OPTS	16
#define CLI_MAX_ARGS	64

enum opt_kind {
	OPT_FLAG,	/* present or not */
	OPT_VALUE,	/* takes one value */
};

struct opt_spec {
	const char *name;
	enum opt_kind kind;
	bool required;
	const char *help;
};

struct cli;

/* What the parser found for one command line. */
struct cmd_args {
	const char *values[CLI_MAX_OPTS];	/* by spec index; NULL if absent */
	bool present[CLI_MAX_OPTS];
};

struct command {
	const char *group;	/* "hsm", "slot", ...; NULL for one word */
	const char *verb;
	const char *summary;
	const struct opt_spec *opts;	/* ends with { NULL } */
	int (*run)(struct cli *cli, const struct command *cmd,
		   const struct cmd_args *args);
};

/*
 * A remote PED connection the shell keeps: on the shell's own session
 * (its current slot) or on a session of its own for another slot, which
 * "partition clone -slot N" then logs in through.
 */
struct cli_ped {
	unsigned int slot;
	struct clonedev *cd;		/* the shell's session, or its own */
	struct clonedev_ped_link *link;	/* NULL: the entry is free */
};

#define CLI_PED_MAX	8

/* State kept for the life of the process, across shell lines. */
struct cli {
	bool json;		/* --json given on the command line */
	bool json_cmd;		/* --json for the current command */
	bool shell;		/* commands come on standard input */
	bool interactive;	/* shell reading a terminal */
	bool quit;		/* exit requested */
	int exit_code;		/* for "exit N" */
	struct clonedev *cd;	/* session, opened on first use */
	struct clonedev_nl *nl;	/* netlink, opened on first use */
	struct cli_ped ped[CLI_PED_MAX];	/* "ped connect" (cmd_ped.c) */
};

extern const struct command cli_commands[];

/*
 * Finds the command @argv names and parses its options into @args:
 * 0 with *@cmd set when it is to run, 1 when nothing is left to do (an
 * empty line, help printed), -1 when the line is wrong (the error
 * printed). cli_run_line() is this and the command's run.
 */
int cli_parse_line(struct cli *cli, int argc, char **argv,
		   const struct command **cmd, struct cmd_args *args);
int cli_run_line(struct cli *cli, int argc, char **argv);
int cli_split(char *line, char **argv, int max);
const char *cli_opt(const struct command *cmd, const struct cmd_args *args,
		    const char *name);
bool cli_flag(const struct command *cmd, const struct cmd_args *args,
	      const char *name);

/* Errors: one sentence on stderr; they return -1 for the caller. */
__printf(1, 2) int cli_error(const char *fmt, ...);
int cli_errno(struct cli *cli, int err, const char *what);

int cli_nl(struct cli *cli, struct clonedev_nl **nl);
int cli_session(struct cli *cli, struct clonedev **cd);
bool cli_json(const struct cli *cli);

/* Returned by helpers that have printed their error already. */
#define CLI_REPORTED	(-4096)

/* Quorum share files (cmd_quorum.c); kernel errors come back as -errno. */
int cli_quorum_partition_init(struct cli *cli, struct clonedev *cd,
			      const char *label, const char *domain_label,
			      const char *quorum, const char *dir);
int cli_quorum_role_init(struct cli *cli, struct clonedev *cd,
			 unsigned int role, const char *quorum,
			 const char *dir);
int cli_quorum_login(struct cli *cli, struct clonedev *cd, unsigned int role,
		     const char *files, const char *dir);
/*
 * Logs @role in on @cd's slot with the credential the options give, or
 * asks for it ("Enter the [@what ]password", or on a quorum partition the
 * share files, as a list F1,F2,... or a directory). Returns 0,
 * CLI_REPORTED, or the kernel's -errno.
 */
int cli_login_any(struct cli *cli, struct clonedev *cd, unsigned int role,
		  const char *what, const char *password, const char *files,
		  const char *dir);
int cli_quorum_domain_import(struct cli *cli, struct clonedev *cd,
			     const char *label, const char *files,
			     int primary);

/*
 * The remote PED (cmd_ped.c). cli_ped_of() is @cd's connection, or NULL.
 * cli_ped_login() logs @role in on @cd through it and cli_ped_domain()
 * imports the quorum domain @label; both return 0, CLI_REPORTED or the
 * kernel's -errno of the login or import. cli_ped_slot_changed() forgets
 * the connection of @cd, whose slot was just set (which ended it).
 * cli_ped_end() ends them all.
 */
struct cli_ped *cli_ped_of(struct cli *cli, const struct clonedev *cd);
struct cli_ped *cli_ped_kept(struct cli *cli, unsigned int slot);
int cli_ped_login(struct cli *cli, struct clonedev *cd, unsigned int role,
		  const char *what);
int cli_ped_domain(struct cli *cli, struct clonedev *cd, const char *label,
		   int primary);
/*
 * A quorum role init, or partition init, whose new secrets' M-of-N shares
 * @cd's server stores (the kernel sends them sealed): -ENOTCONN if @cd
 * has no connection; else as cli_ped_login().
 */
int cli_ped_role_init(struct cli *cli, struct clonedev *cd, unsigned int role,
		      unsigned int m, unsigned int n);
int cli_ped_partition_init(struct cli *cli, struct clonedev *cd,
			   const char *label, const char *domain_label,
			   unsigned int m, unsigned int n);
void cli_ped_slot_changed(struct cli *cli, struct clonedev *cd);
void cli_ped_end(struct cli *cli);
/* Whether @cd's partition has a remote PED vector (0 if unknown). */
bool cli_ped_has_rpv(struct clonedev *cd);
int cli_quorum_vector_init(struct cli *cli, struct clonedev *cd,
			   const char *quorum, const char *dir);

/* Secrets: from the option, a no-echo prompt, or a line of stdin. */
#define CLI_SECRET_MAX	(CLONEDEV_SECRET_MAX + 2)
int cli_secret(struct cli *cli, const char *given, const char *prompt,
	       char *buf, size_t len);
void cli_wipe(void *p, size_t len);
/* A plain answer: a prompt on the terminal, else a line of stdin. */
int cli_answer(const char *prompt, const char *option, char *buf, size_t len);

/* Help. */
void cli_help_all(FILE *f);
int cli_help_group(FILE *f, const char *group);
void cli_help_command(FILE *f, const struct command *cmd);

#endif /* CLONECTL_CLI_H */
