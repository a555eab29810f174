// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the parsers of clonedev-pedserver's main.c (included
 * here, its main() renamed, so its static functions are called as the
 * server calls them). The first input byte picks the parser:
 *   0  the command line (parse_args()): the rest, split at NUL bytes, is
 *      argv after the program's name;
 *   1  a number (parse_uint(), -port and -timeout), at most the next two
 *      bytes' value or 86400;
 *   2  the pid file that -mode stop and show read (pidfile_read()), on
 *      the rest as a file.
 * The contract: parse_args() returns 0, 1 (help) or 2, and what it takes
 * is values of the words given (a word, or what follows '=' in one) for
 * options the server has, at most RPV_ARGS_MAX -rpv; a number taken is
 * decimal digits only, of its value, within its maximum; a pid file taken names a pid
 * from 1 that is the digits of its last "pid" line, and its fields are
 * terminated within their room.
 */
#include <ctype.h>

#include "fuzz.h"

int pedserver_main(int argc, char **argv);
#define main pedserver_main
#include "main.c"
#undef main

#define ARGS_MAX	64

/* Whether @s is decimal digits only, of value @v. */
static bool number_is(const char *s, unsigned long v)
{
	char want[24];

	if (!*s || strspn(s, "0123456789") != strlen(s))
		return false;
	while (s[0] == '0' && s[1])
		s++;
	snprintf(want, sizeof(want), "%lu", v);
	return !strcmp(s, want);
}

/* @v is @argv[k] or what follows the '=' of an option word @argv[k]. */
static bool value_of_words(const char *v, int argc, char **argv)
{
	int k;

	for (k = 1; k < argc; k++) {
		const char *eq = strchr(argv[k], '=');

		if (v == argv[k] || (eq && v == eq + 1 && argv[k][0] == '-'))
			return true;
	}
	return false;
}

static void check_args(char *text, size_t len)
{
	char *argv[ARGS_MAX + 1] = { "clonedev-pedserver" };
	struct options o = { 0 };
	int argc = 1, ret;
	size_t at = 0;
	unsigned int i;

	while (at < len && argc < ARGS_MAX) {
		argv[argc++] = text + at;
		at += strlen(text + at) + 1;
	}
	argv[argc] = NULL;
	ret = parse_args(argc, argv, &o);
	FUZZ_CHECK(ret == 0 || ret == 1 || ret == 2);
	if (ret)
		return;
	FUZZ_CHECK(o.nrpv <= RPV_ARGS_MAX);
	for (i = 0; i < o.nrpv; i++)
		FUZZ_CHECK(o.rpv[i] && value_of_words(o.rpv[i], argc, argv));
	FUZZ_CHECK(!o.mode || value_of_words(o.mode, argc, argv));
	FUZZ_CHECK(!o.ip || value_of_words(o.ip, argc, argv));
	FUZZ_CHECK(!o.port || value_of_words(o.port, argc, argv));
	FUZZ_CHECK(!o.sharedir || value_of_words(o.sharedir, argc, argv));
	FUZZ_CHECK(!o.confirm || value_of_words(o.confirm, argc, argv));
	FUZZ_CHECK(!o.pidfile || value_of_words(o.pidfile, argc, argv));
	FUZZ_CHECK(!o.timeout || value_of_words(o.timeout, argc, argv));
	if (o.once) {
		for (i = 1; i < (unsigned int)argc; i++)
			if (!strcmp(argv[i], "-once") || !strcmp(argv[i], "--once"))
				break;
		FUZZ_CHECK(i < (unsigned int)argc);
	}
}

static void check_pidfile(const unsigned char *data, size_t size)
{
	const char *last = NULL, *p;
	struct pidinfo pi;
	char path[32], *text;
	int fd, ret;

	fd = fuzz_memfd(data, size);
	if (fd < 0)
		return;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ret = pidfile_read(path, &pi);
	close(fd);
	FUZZ_CHECK(!ret || ret == -EBADMSG);
	FUZZ_CHECK(strnlen(pi.address, sizeof(pi.address)) < sizeof(pi.address));
	FUZZ_CHECK(strnlen(pi.sharedir, sizeof(pi.sharedir)) <
		   sizeof(pi.sharedir));
	FUZZ_CHECK(pi.nrpv <= PED_RPV_MAX);
	if (ret)
		return;
	/* The last "pid " line of a text without NULs or long lines. */
	if (memchr(data, 0, size))
		return;
	text = strndup((const char *)data, size);
	if (!text)
		return;
	for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strcspn(p, "\n") >= 4199) {
			free(text);
			return;
		}
		if (!strncmp(p, "pid ", 4))
			last = p + 4;
	}
	FUZZ_CHECK(last && pi.pid > 0);
	*(char *)(last + strcspn(last, "\n")) = '\0';
	FUZZ_CHECK(number_is(last, (unsigned long)pi.pid));
	free(text);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	unsigned int v = 0, max;
	char *text;

	if (!size || size > 8192)
		return 0;
	switch (data[0] % 3) {
	case 0:
		text = malloc(size);
		if (!text)
			return 0;
		memcpy(text, data + 1, size - 1);
		text[size - 1] = '\0';
		check_args(text, size - 1);
		free(text);
		break;
	case 1:
		if (size < 3)
			return 0;
		max = data[1] << 8 | data[2];
		if (max >= 0xff00)
			max = 86400;
		text = strndup((const char *)data + 3, size - 3);
		if (!text)
			return 0;
		if (!parse_uint(text, max, &v))
			FUZZ_CHECK(v <= max && number_is(text, v));
		free(text);
		break;
	default:
		check_pidfile(data + 1, size - 1);
		break;
	}
	return 0;
}
