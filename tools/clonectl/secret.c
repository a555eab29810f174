// SPDX-License-Identifier: GPL-2.0
/*
 * clonectl: reading secrets. From the option if given; else from a
 * no-echo prompt on the terminal; else one line of standard input, so a
 * piped procedure can answer "Enter the password" like a person would.
 * Other answers (cli_answer()) are read the same way, with echo.
 */
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"

int cli_secret(struct cli *cli, const char *given, const char *prompt,
	       char *buf, size_t len)
{
	struct termios old, quiet;
	bool tty = isatty(STDIN_FILENO);
	bool echo_off = false;

	if (given) {
		if (strlen(given) >= len)
			return cli_error("the %s is too long (at most %zu characters).",
					 prompt, len - 1);
		strcpy(buf, given);
		return 0;
	}
	if (tty) {
		printf("Enter the %s: ", prompt);
		fflush(stdout);
		if (!tcgetattr(STDIN_FILENO, &old)) {
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			echo_off = !tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
		}
	}
	if (!fgets(buf, (int)len, stdin))
		buf[0] = '\0';
	if (echo_off) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		putchar('\n');
	}
	buf[strcspn(buf, "\r\n")] = '\0';
	(void)cli;
	if (!buf[0])
		return cli_error("no %s was given; use -%s or type it when asked.",
				 prompt, strstr(prompt, "domain") ? "domain" : "password");
	return 0;
}

int cli_answer(const char *prompt, const char *option, char *buf, size_t len)
{
	if (isatty(STDIN_FILENO)) {
		printf("Enter the %s: ", prompt);
		fflush(stdout);
	}
	if (!fgets(buf, (int)len, stdin))
		buf[0] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (!buf[0])
		return cli_error("no %s was given; use -%s or type it when asked.",
				 prompt, option);
	return 0;
}

void cli_wipe(void *p, size_t len)
{
	explicit_bzero(p, len);
}
