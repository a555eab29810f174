// SPDX-License-Identifier: GPL-2.0
/*
 * clonedev-pedserver: asking the custodian (-confirm ask). Questions go
 * to the terminal (/dev/tty) when standard input is one, else to standard
 * output with answers read from standard input (piped answers); one
 * question is open at a time. The answer is read when poll() says it is
 * there, so the server keeps serving other connections while the
 * custodian thinks. Only "y" or "yes" serves; anything else, the end of
 * the input, or a server in the background of its terminal, refuses.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "pedserver.h"

static int in_fd = -1, out_fd = -1, tty_fd = -1;
static char line[256];
static size_t line_len;
static bool in_eof, background;

int ped_ask_open(void)
{
	if (isatty(STDIN_FILENO))
		tty_fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	/* In the background, reading the terminal fails instead of stopping. */
	signal(SIGTTIN, SIG_IGN);
	signal(SIGTTOU, SIG_IGN);
	if (tty_fd >= 0) {
		in_fd = tty_fd;
		out_fd = tty_fd;
	} else {
		in_fd = STDIN_FILENO;
		out_fd = STDOUT_FILENO;
	}
	return 0;
}

void ped_ask_close(void)
{
	if (tty_fd >= 0)
		close(tty_fd);
	tty_fd = -1;
}

/* The descriptor to poll for an answer; -1 if there will be none. */
int ped_ask_fd(void)
{
	return in_eof || background ? -1 : in_fd;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	if (n > 0 && write(out_fd, buf, n) < 0)
		return;
}

/* Before a question: is the terminal ours, and nothing typed ahead. */
static void open_question(void)
{
	background = tty_fd >= 0 && tcgetpgrp(tty_fd) != getpgrp();
	if (tty_fd >= 0 && !background)
		tcflush(tty_fd, TCIFLUSH);	/* no answer typed ahead */
}

/* The question's last line, and why it will have no answer if so. */
static void prompt(const char *verb)
{
	say("%s? [y/N] ", verb);
	if (in_eof)
		say("(no input: refused)\n");
	else if (background)
		say("(the server runs in the background: refused)\n");
}

void ped_ask_question(const char *peer, const struct ped_channel *ch,
		      const struct ped_request *req,
		      const struct ped_pick *pick)
{
	unsigned int i;

	open_question();
	say("\n%s asks for shares of partition %llu ('%s'): %s%s%s%s\n",
	    peer, ch->serial, ch->label, ped_kind_name(req->kind),
	    req->kind == CLONEDEV_PED_KIND_DOMAIN ? " '" : "",
	    req->kind == CLONEDEV_PED_KIND_DOMAIN ? req->label : "",
	    req->kind == CLONEDEV_PED_KIND_DOMAIN ? "'" : "");
	say("it would get %u of %u shares from:\n", pick->count, pick->n);
	for (i = 0; i < pick->count; i++)
		say("  %s\n", pick->names[i]);
	prompt("serve");
}

void ped_ask_store(const char *peer, const struct ped_channel *ch,
		   const struct ped_store *st)
{
	bool domain = st->kind == CLONEDEV_PED_KIND_DOMAIN;

	open_question();
	say("\n%s asks to store %u shares of %s%s%s%s for partition %llu ('%s'), any %u of them to %s\n",
	    peer, st->n, ped_kind_name(st->kind), domain ? " '" : "",
	    domain ? st->label : "", domain ? "'" : "", ch->serial, ch->label,
	    st->m, domain ? "import it" : "log in");
	prompt("store them as share files");
}

/* Tells the custodian the open question is gone (the client left). */
void ped_ask_withdraw(const char *peer)
{
	say("\n%s left: its question is withdrawn.\n", peer);
}

static int verdict(void)
{
	char *p = line, *end;

	while (isspace((unsigned char)*p))
		p++;
	end = p + strlen(p);
	while (end > p && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return !strcasecmp(p, "y") || !strcasecmp(p, "yes");
}

/* Takes one line off the buffer; returns its verdict or -EAGAIN. */
static int next_line(void)
{
	char *nl = memchr(line, '\n', line_len);
	size_t used;
	int yes;

	if (!nl && !in_eof && line_len < sizeof(line) - 1)
		return -EAGAIN;
	used = nl ? (size_t)(nl - line) + 1 : line_len;
	if (nl)
		*nl = '\0';
	else
		line[line_len] = '\0';
	yes = verdict();
	memmove(line, line + used, line_len - used);
	line_len -= used;
	return yes;
}

/*
 * The open question's answer: 1 yes, 0 no, -EAGAIN none yet. Call it when
 * ped_ask_fd() is readable (or is -1).
 */
int ped_ask_answer(void)
{
	ssize_t n;
	int ret;

	if (background)
		return 0;
	ret = next_line();
	if (ret != -EAGAIN || in_eof)
		return ret;
	n = read(in_fd, line + line_len, sizeof(line) - 1 - line_len);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return -EAGAIN;
	if (n <= 0)
		in_eof = true;
	else
		line_len += n;
	ret = next_line();
	if (ret == -EAGAIN && in_eof)
		ret = 0;
	return ret;
}
