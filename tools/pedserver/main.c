// SPDX-License-Identifier: GPL-2.0
/*
 * clonedev-pedserver: the custodian's remote PED server
 * (docs/remote-ped.md). "-mode start" serves the share files of a
 * directory to the partitions whose remote PED vector it holds, in the
 * foreground, with a pid file; "-mode stop" ends the server of a pid file;
 * "-mode show" says whether one runs and what it serves.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "pedserver.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define NAME		"clonedev-pedserver"
#define STOP_WAIT_MS	10000
#define RPV_ARGS_MAX	(2 * PED_RPV_MAX)	/* a set may be given twice */
#define RPV_LINE	96

struct options {
	const char *mode, *ip, *port, *sharedir, *confirm, *pidfile, *timeout;
	const char *rpv[RPV_ARGS_MAX];
	unsigned int nrpv;
	bool once;
};

struct pidinfo {
	pid_t pid;
	char address[64];
	unsigned int port;
	char rpv[PED_RPV_MAX][RPV_LINE];
	unsigned int nrpv;
	char sharedir[4096];
};

static void help(FILE *f)
{
	fprintf(f,
		"usage: clonedev-pedserver -mode start|stop|show [-ip A] [-port P]\n"
		"         -sharedir DIR -rpv F1,F2,... [-rpv F1,F2,...]...\n"
		"         [-confirm ask|auto] [-pidfile F] [-once]\n"
		"\n"
		"The custodian's remote PED server (docs/remote-ped.md): it serves the\n"
		"share files of DIR, sealed, to the kernel sessions of the partitions\n"
		"whose remote PED vector (RPV) it holds. It may hold several vectors,\n"
		"one per partition served, and answers each session with the vector\n"
		"whose id (rpv_id) the session names.\n"
		"\n"
		"  -mode start   serve in the foreground until SIGTERM or SIGINT\n"
		"  -mode stop    end the server of the pid file, and wait for it\n"
		"  -mode show    say whether a server runs, and what it serves\n"
		"  -ip A         the address to listen on (default 127.0.0.1, this\n"
		"                host only; 0.0.0.0 or :: for every interface)\n"
		"  -port P       TCP port (default %d; 0: any free port, printed as\n"
		"                \"listening on A:P\")\n"
		"  -sharedir DIR the share files served (read at each request)\n"
		"  -rpv F1,...   M share files of kind rpv: one RPV; repeat -rpv for\n"
		"                each partition served (at most %d vectors; a set\n"
		"                given twice is one vector)\n"
		"  -confirm ask  ask before serving (default): on the terminal, or on\n"
		"                standard output with the answers from standard input\n"
		"                when that is not a terminal\n"
		"  -confirm auto serve without asking (trusted hosts only)\n"
		"  -pidfile F    default /run/clonedev-pedserver-PORT.pid, PORT the port\n"
		"                listened on (stop and show find the server by it)\n"
		"  -once         serve one connection, then exit\n"
		"\n"
		"Options take one or two dashes, and \"-name value\" or \"-name=value\".\n"
		"show exits 0 when a server runs, 1 when none does.\n",
		PED_PORT, PED_RPV_MAX);
}

static const char **option_slot(struct options *o, const char *name)
{
	static const struct {
		const char *name;
		size_t off;
	} table[] = {
		{ "mode", offsetof(struct options, mode) },
		{ "ip", offsetof(struct options, ip) },
		{ "port", offsetof(struct options, port) },
		{ "sharedir", offsetof(struct options, sharedir) },
		{ "confirm", offsetof(struct options, confirm) },
		{ "pidfile", offsetof(struct options, pidfile) },
		{ "timeout", offsetof(struct options, timeout) },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(table); i++)
		if (!strcmp(table[i].name, name))
			return (const char **)((char *)o + table[i].off);
	return NULL;
}

/* Returns 0, 1 for -help (printed), or 2 (with a sentence). */
static int parse_args(int argc, char **argv, struct options *o)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *tok = argv[i], *eq, **slot;
		char name[32];

		if (tok[0] != '-' || !tok[1]) {
			fprintf(stderr, "clonedev-pedserver: unexpected word '%s'; options start with '-'.\n",
				tok);
			return 2;
		}
		tok += tok[1] == '-' ? 2 : 1;
		eq = strchr(tok, '=');
		snprintf(name, sizeof(name), "%.*s",
			 (int)(eq ? eq - tok : (long)strlen(tok)), tok);
		if (!strcmp(name, "help") || !strcmp(name, "h")) {
			help(stdout);
			return 1;
		}
		if (!strcmp(name, "once") && !eq) {
			o->once = true;
			continue;
		}
		slot = option_slot(o, name);
		if (!strcmp(name, "rpv")) {
			if (o->nrpv == RPV_ARGS_MAX) {
				fprintf(stderr, "clonedev-pedserver: option -rpv is given more than %d times; a server holds at most %d remote PED vectors.\n",
					RPV_ARGS_MAX, PED_RPV_MAX);
				return 2;
			}
			slot = &o->rpv[o->nrpv++];
		}
		if (!slot) {
			fprintf(stderr, "clonedev-pedserver: unknown option '%s'; run clonedev-pedserver -help.\n",
				argv[i]);
			return 2;
		}
		if (*slot) {
			fprintf(stderr, "clonedev-pedserver: option -%s is given twice; give it once.\n",
				name);
			return 2;
		}
		if (!eq && i + 1 == argc) {
			fprintf(stderr, "clonedev-pedserver: option -%s needs a value; write -%s <value>.\n",
				name, name);
			return 2;
		}
		*slot = eq ? eq + 1 : argv[++i];
	}
	return 0;
}

static int parse_uint(const char *s, unsigned int max, unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!isdigit((unsigned char)*s) || *end || errno || v > max)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

static void pidfile_path(const struct options *o, unsigned int port,
			 char *path, size_t cap)
{
	if (o->pidfile)
		snprintf(path, cap, "%s", o->pidfile);
	else
		snprintf(path, cap, "/run/clonedev-pedserver-%u.pid", port);
}

/* Whether @pid's command line names clonedev-pedserver. */
static bool is_server(pid_t pid)
{
	char path[64], buf[4096];
	ssize_t len, i;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return false;
	for (i = 0; i < len; i++)
		if (!buf[i])
			buf[i] = ' ';
	buf[len] = '\0';
	return strstr(buf, NAME);
}

/* Whether @pid is a live (not zombie) clonedev-pedserver. */
static bool alive(pid_t pid)
{
	char path[64], buf[256];
	FILE *f;
	bool ok = false;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (fgets(buf, sizeof(buf), f)) {
		const char *p = strrchr(buf, ')');

		ok = p && p[1] == ' ' && p[2] != 'Z';
	}
	fclose(f);
	return ok && is_server(pid);
}

/* Copies @src, cut to fit, into @dst. */
static void copy_field(char *dst, size_t cap, const char *src)
{
	size_t len = strnlen(src, cap - 1);

	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* A pid file names its pid and port in digits: none else is taken. */
static int pidfile_read(const char *path, struct pidinfo *pi)
{
	char line[4200];
	FILE *f = fopen(path, "re");
	unsigned int pid = 0;

	memset(pi, 0, sizeof(*pi));
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "pid ", 4)) {
			if (parse_uint(line + 4, INT_MAX, &pid))
				pid = 0;
		} else if (!strncmp(line, "address ", 8)) {
			copy_field(pi->address, sizeof(pi->address), line + 8);
		} else if (!strncmp(line, "port ", 5)) {
			if (parse_uint(line + 5, 65535, &pi->port))
				pi->port = 0;
		} else if (!strncmp(line, "rpv ", 4) && pi->nrpv < PED_RPV_MAX) {
			copy_field(pi->rpv[pi->nrpv++], RPV_LINE, line + 4);
		} else if (!strncmp(line, "sharedir ", 9)) {
			copy_field(pi->sharedir, sizeof(pi->sharedir),
				   line + 9);
		}
	}
	fclose(f);
	pi->pid = (pid_t)pid;
	return pid > 0 ? 0 : -EBADMSG;
}

static int pidfile_write(const char *path, const struct ped_config *cfg,
			 unsigned int port, const char *sharedir)
{
	char hex[PED_RPV_HEX];
	struct pidinfo old;
	unsigned int i;
	FILE *f;
	int fd;

	if (!pidfile_read(path, &old) && alive(old.pid)) {
		fprintf(stderr, "clonedev-pedserver: a server already runs with pid file %s (pid %d).\n",
			path, (int)old.pid);
		return -EEXIST;
	}
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f) {
		fprintf(stderr, "clonedev-pedserver: cannot write the pid file %s: %s (choose another with -pidfile).\n",
			path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -EIO;
	}
	fprintf(f, "pid %d\naddress %s\nport %u\n", (int)getpid(), cfg->ip,
		port);
	for (i = 0; i < cfg->rpvs.count; i++) {
		ped_rpv_hex(cfg->rpvs.v[i].id, hex);
		fprintf(f, "rpv %s (partition %llu '%.32s')\n", hex,
			cfg->rpvs.v[i].serial, cfg->rpvs.v[i].partition);
	}
	fprintf(f, "sharedir %s\nconfirm %s\n", sharedir,
		cfg->ask ? "ask" : "auto");
	return fclose(f) ? -EIO : 0;
}

/* Removes the pid file if it still names this process. */
static void pidfile_remove(const char *path)
{
	struct pidinfo pi;

	if (!pidfile_read(path, &pi) && pi.pid == getpid())
		unlink(path);
}

static int start_config(const struct options *o, struct ped_config *cfg)
{
	unsigned int t = PED_TIMEOUT;

	cfg->ip = o->ip ? o->ip : "127.0.0.1";
	cfg->sharedir = o->sharedir;
	cfg->once = o->once;
	if (!o->sharedir || !o->nrpv) {
		fprintf(stderr, "clonedev-pedserver: -mode start needs -sharedir and -rpv; run clonedev-pedserver -help.\n");
		return -EINVAL;
	}
	if (o->confirm && strcmp(o->confirm, "ask") &&
	    strcmp(o->confirm, "auto")) {
		fprintf(stderr, "clonedev-pedserver: -confirm takes ask or auto, not '%s'.\n",
			o->confirm);
		return -EINVAL;
	}
	cfg->ask = !o->confirm || !strcmp(o->confirm, "ask");
	if (o->timeout && (parse_uint(o->timeout, 86400, &t) || !t)) {
		fprintf(stderr, "clonedev-pedserver: -timeout takes seconds, 1 to 86400.\n");
		return -EINVAL;
	}
	cfg->timeout = (int)t;
	return 0;
}

static void announce(const struct ped_config *cfg, unsigned int port)
{
	const struct ped_rpv *rpv;
	char hex[PED_RPV_HEX];
	unsigned int i;

	printf("listening on %s:%u\n", cfg->ip, port);
	fflush(stdout);
	ped_log("listening on %s:%u, %u remote PED vector%s, share directory %s, confirm %s",
		cfg->ip, port, cfg->rpvs.count,
		cfg->rpvs.count == 1 ? "" : "s", cfg->sharedir,
		cfg->ask ? "ask" : "auto");
	for (i = 0; i < cfg->rpvs.count; i++) {
		rpv = &cfg->rpvs.v[i];
		ped_rpv_hex(rpv->id, hex);
		ped_log("remote PED vector %s: partition %llu ('%.32s'), quorum %u/%u",
			hex, rpv->serial, rpv->partition, rpv->m, rpv->n);
	}
}

static int mode_start(const struct options *o, unsigned int port)
{
	struct ped_config cfg = { .port = port };
	char path[4096], *dir;
	int lfd, sfd, ret = 1;
	unsigned int i;

	/* No core dump or ptrace of a process that holds the RPV. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (start_config(o, &cfg))
		return 1;
	dir = realpath(o->sharedir, NULL);
	if (!dir) {
		fprintf(stderr, "clonedev-pedserver: cannot use the share directory %s: %s.\n",
			o->sharedir, strerror(errno));
		return 1;
	}
	cfg.sharedir = dir;
	for (i = 0; i < o->nrpv; i++)
		if (ped_rpv_load(&cfg.rpvs, o->rpv[i]))
			goto out_rpv;
	sfd = ped_signals();
	if (sfd < 0)
		goto out_rpv;
	lfd = ped_listen(&cfg, &port);
	if (lfd < 0)
		goto out_signals;
	pidfile_path(o, port, path, sizeof(path));
	if (pidfile_write(path, &cfg, port, dir)) {
		close(lfd);
		goto out_signals;
	}
	announce(&cfg, port);
	ret = ped_serve(&cfg, lfd, sfd) ? 1 : 0;
	pidfile_remove(path);
out_signals:
	close(sfd);
out_rpv:
	ped_rpv_free(&cfg.rpvs);
	free(dir);
	return ret;
}

static int mode_stop(const struct options *o, unsigned int port)
{
	struct pidinfo pi;
	char path[4096];
	int waited;

	pidfile_path(o, port, path, sizeof(path));
	if (pidfile_read(path, &pi) || !alive(pi.pid)) {
		fprintf(stderr, "clonedev-pedserver: no server runs with pid file %s.\n",
			path);
		return 1;
	}
	if (kill(pi.pid, SIGTERM)) {
		fprintf(stderr, "clonedev-pedserver: cannot stop pid %d: %s.\n",
			(int)pi.pid, strerror(errno));
		return 1;
	}
	for (waited = 0; alive(pi.pid) && waited < STOP_WAIT_MS; waited += 50)
		usleep(50000);
	if (alive(pi.pid)) {
		fprintf(stderr, "clonedev-pedserver: pid %d did not stop within %d seconds.\n",
			(int)pi.pid, STOP_WAIT_MS / 1000);
		return 1;
	}
	printf("stopped the server on %s:%u (pid %d)\n", pi.address, pi.port,
	       (int)pi.pid);
	return 0;
}

static void show_file(const char *name, const struct clonedev_sharefile *sf)
{
	if (!strcmp(sf->kind, "rpv"))
		return;
	printf("  %s: %s%s%s%s, partition %llu ('%s'), share %u of %u (quorum %u/%u)\n",
	       name, sf->kind, *sf->domain_label ? " '" : "", sf->domain_label,
	       *sf->domain_label ? "'" : "", sf->serial, sf->partition,
	       sf->share.index, sf->n, sf->m, sf->n);
}

static int mode_show(const struct options *o, unsigned int port)
{
	const char *dir = o->sharedir;
	struct pidinfo pi;
	char path[4096];
	unsigned int i;

	pidfile_path(o, port, path, sizeof(path));
	if (pidfile_read(path, &pi) || !alive(pi.pid)) {
		printf("running: no (pid file %s)\n", path);
		return 1;
	}
	printf("running: yes (pid %d)\naddress: %s\nport: %u\n", (int)pi.pid,
	       pi.address, pi.port);
	for (i = 0; i < pi.nrpv; i++)
		printf("rpv id: %s\n", pi.rpv[i]);
	if (!dir)
		dir = pi.sharedir;
	printf("share directory: %s\nshare files:\n", dir);
	if (ped_list(dir, show_file))
		printf("  (cannot read %s)\n", dir);
	return 0;
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	unsigned int port = PED_PORT;
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = parse_args(argc, argv, &o);
	if (ret)
		return ret == 1 ? 0 : 2;
	if (o.port && parse_uint(o.port, 65535, &port)) {
		fprintf(stderr, "clonedev-pedserver: -port takes a number, 0 to 65535, not '%s'.\n",
			o.port);
		return 2;
	}
	if (o.mode && !strcmp(o.mode, "start"))
		return mode_start(&o, port);
	if (o.mode && !strcmp(o.mode, "stop"))
		return mode_stop(&o, port);
	if (o.mode && !strcmp(o.mode, "show"))
		return mode_show(&o, port);
	fprintf(stderr, "clonedev-pedserver: -mode takes start, stop or show; run clonedev-pedserver -help.\n");
	return 2;
}
