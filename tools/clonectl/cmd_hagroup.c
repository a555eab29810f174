// SPDX-License-Identifier: GPL-2.0
/*
 * clonectl: "hagroup creategroup|deletegroup|addmember|removemember|
 * addstandby|removestandby|listgroups|synchronize" (docs/ha.md). An HA
 * group is a list of partitions kept in the group file; its members share
 * a cloning domain and the co password, and "synchronize" brings every
 * member to the union of their objects (matched by OUID) by cloning
 * (clone.h). The group file holds slots and serials, never a secret.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "clone.h"
#include "commands.h"
#include "json.h"

#define HA_FILE_DEFAULT	"/etc/clonedev/hagroups.conf"
#define HA_FILE_ENV	"CLONEDEV_HAGROUP_FILE"
#define HA_MAGIC	"clonedev-hagroups 1"
#define HA_MAX_GROUPS	32
#define HA_MAX_MEMBERS	16
#define HA_LABEL_MAX	32

struct ha_member {
	unsigned int slot;
	unsigned long long serial;
	bool standby;
};

struct ha_group {
	char label[HA_LABEL_MAX + 1];
	unsigned int n;
	struct ha_member m[HA_MAX_MEMBERS];
};

/* The group file as read, and the lock held while it may change. */
struct ha_conf {
	char path[PATH_MAX];
	int lock_fd;			/* -1: not locked */
	unsigned int n;
	struct ha_group g[HA_MAX_GROUPS];
};

/* One member as a command found it: its slot, and a session if alive. */
struct ha_live {
	const struct ha_member *m;
	struct clonedev_slot s;
	char why[160];			/* down: the reason; "" if alive */
	struct clonedev *cd;		/* the co logged in; NULL if down */
	unsigned char (*ouid)[CLONEDEV_OUID_LEN];
	unsigned int *handle;
	unsigned int n_obj;
};

static const char *ha_path(char *buf, size_t len)
{
	const char *env = getenv(HA_FILE_ENV);

	snprintf(buf, len, "%s", env && *env ? env : HA_FILE_DEFAULT);
	return buf;
}

static bool label_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (!n || n > HA_LABEL_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			return false;
	return true;
}

static struct ha_group *group_find(struct ha_conf *c, const char *label)
{
	unsigned int i;

	for (i = 0; i < c->n; i++)
		if (!strcmp(c->g[i].label, label))
			return &c->g[i];
	return NULL;
}

/* The group holding @slot, and in *idx its index there; NULL if none. */
static struct ha_group *group_of_slot(struct ha_conf *c, unsigned int slot,
				      unsigned int *idx)
{
	unsigned int i, k;

	for (i = 0; i < c->n; i++)
		for (k = 0; k < c->g[i].n; k++)
			if (c->g[i].m[k].slot == slot) {
				if (idx)
					*idx = k;
				return &c->g[i];
			}
	return NULL;
}

static bool serial_listed(const struct ha_conf *c, unsigned long long serial)
{
	unsigned int i, k;

	for (i = 0; i < c->n; i++)
		for (k = 0; k < c->g[i].n; k++)
			if (c->g[i].m[k].serial == serial)
				return true;
	return false;
}

static int bad_line(const struct ha_conf *c, unsigned int line,
		    const char *what)
{
	return cli_error("the HA group file %s, line %u: %s; correct it (docs/ha.md gives the format) or remove that group's lines.",
			 c->path, line, what);
}

/* The rest (@rest, or NULL) of a "member SLOT SERIAL active|standby" line. */
static int parse_member(struct ha_conf *c, struct ha_group *g, char *rest,
			unsigned int line)
{
	char *slot_s = rest ? strtok(rest, " \t") : NULL;
	char *serial_s = slot_s ? strtok(NULL, " \t") : NULL;
	char *role = serial_s ? strtok(NULL, " \t") : NULL, *end, msg[96];
	unsigned long long serial;
	unsigned long slot;

	if (!role || strtok(NULL, " \t"))
		return bad_line(c, line, "a member line is 'member SLOT SERIAL active|standby'");
	errno = 0;
	slot = strtoul(slot_s, &end, 10);
	if (*end || errno || !slot || slot > UINT_MAX || !isdigit((unsigned char)*slot_s))
		return bad_line(c, line, "the slot is not a number");
	serial = strtoull(serial_s, &end, 10);
	if (*end || errno || !isdigit((unsigned char)*serial_s))
		return bad_line(c, line, "the serial is not a number");
	if (strcmp(role, "active") && strcmp(role, "standby"))
		return bad_line(c, line, "a member is 'active' or 'standby'");
	if (group_of_slot(c, slot, NULL)) {
		snprintf(msg, sizeof(msg), "slot %lu is listed twice (a partition is in one group, once)",
			 slot);
		return bad_line(c, line, msg);
	}
	if (serial_listed(c, serial)) {
		snprintf(msg, sizeof(msg), "serial %llu is listed twice", serial);
		return bad_line(c, line, msg);
	}
	if (g->n == HA_MAX_MEMBERS)
		return bad_line(c, line, "a group has at most 16 members");
	g->m[g->n++] = (struct ha_member){ slot, serial, !strcmp(role, "standby") };
	return 0;
}

/* Reads the group file; a file that does not exist is no group. */
static int conf_read(struct ha_conf *c)
{
	unsigned int line = 0;
	struct ha_group *g = NULL;
	bool magic = false;
	char buf[256];
	int ret = 0;
	FILE *f;

	c->n = 0;
	f = fopen(c->path, "r");
	if (!f && errno == ENOENT)
		return 0;
	if (!f)
		return cli_error("reading the HA group file %s: %s.", c->path,
				 strerror(errno));
	while (!ret && fgets(buf, sizeof(buf), f)) {
		char *p = buf, *word;

		line++;
		if (!strchr(buf, '\n') && !feof(f)) {
			ret = bad_line(c, line, "the line is too long");
			break;
		}
		buf[strcspn(buf, "\r\n")] = '\0';
		while (isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '#')
			continue;
		if (!magic) {
			if (strcmp(p, HA_MAGIC))
				ret = bad_line(c, line, "the first line is not '" HA_MAGIC "'");
			magic = true;
			continue;
		}
		word = strtok(p, " \t");
		if (!strcmp(word, "group")) {
			char *label = strtok(NULL, " \t");

			if (g && !g->n)
				ret = bad_line(c, line, "the group before has no member");
			else if (!label || strtok(NULL, " \t") || !label_ok(label))
				ret = bad_line(c, line, "a group line is 'group LABEL' (1 to 32 letters, digits, '.', '_', '-')");
			else if (group_find(c, label))
				ret = bad_line(c, line, "the group is listed twice");
			else if (c->n == HA_MAX_GROUPS)
				ret = bad_line(c, line, "the file holds at most 32 groups");
			if (ret)
				break;
			g = &c->g[c->n++];
			memset(g, 0, sizeof(*g));
			strcpy(g->label, label);
		} else if (!strcmp(word, "member")) {
			if (!g)
				ret = bad_line(c, line, "a member line comes after its group's line");
			else
				ret = parse_member(c, g, strtok(NULL, ""), line);
		} else {
			ret = bad_line(c, line, "a line is 'group LABEL' or 'member SLOT SERIAL active|standby'");
		}
	}
	if (!ret && ferror(f))
		ret = cli_error("reading the HA group file %s: %s.", c->path,
				strerror(errno));
	if (!ret && g && !g->n)
		ret = bad_line(c, line, "the last group has no member");
	fclose(f);
	return ret;
}

int cli_hagroup_read(const char *path, struct clonedev_ha_group **out)
{
	struct ha_conf *c = calloc(1, sizeof(*c));
	unsigned int i, k;
	int n;

	*out = NULL;
	if (!c)
		return -ENOMEM;
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->lock_fd = -1;
	if (conf_read(c)) {
		free(c);
		return -EBADMSG;
	}
	*out = calloc(c->n ? c->n : 1, sizeof(**out));
	if (!*out) {
		free(c);
		return -ENOMEM;
	}
	for (i = 0; i < c->n; i++) {
		strcpy((*out)[i].label, c->g[i].label);
		(*out)[i].n = c->g[i].n;
		for (k = 0; k < c->g[i].n; k++) {
			(*out)[i].m[k].slot = c->g[i].m[k].slot;
			(*out)[i].m[k].serial = c->g[i].m[k].serial;
			(*out)[i].m[k].standby = c->g[i].m[k].standby;
		}
	}
	n = (int)c->n;
	free(c);
	return n;
}

/* The directory of @path, made if missing (root's /etc/clonedev). */
static int conf_dir(const char *path, char *dir, size_t len)
{
	char *slash;

	snprintf(dir, len, "%s", path);
	slash = strrchr(dir, '/');
	if (!slash) {
		snprintf(dir, len, ".");
		return 0;
	}
	*(slash == dir ? slash + 1 : slash) = '\0';
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

/*
 * Takes the group file's lock (a file beside it: the file itself is
 * replaced by rename) and reads it. Every command that changes it, and
 * synchronize, holds the lock to its end; a second one is refused.
 */
static int conf_lock_read(struct ha_conf *c)
{
	char lock[PATH_MAX + 8], dir[PATH_MAX];
	int fd, ret;

	c->lock_fd = -1;
	ret = conf_dir(c->path, dir, sizeof(dir));
	if (ret)
		return cli_error("making the directory %s for the HA group file: %s.",
				 dir, strerror(-ret));
	snprintf(lock, sizeof(lock), "%s.lock", c->path);
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return cli_error("opening the HA group file's lock %s: %s.",
				 lock, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int err = errno;

		close(fd);
		if (err == EWOULDBLOCK)
			return cli_error("the HA group file %s is in use by another 'hagroup' command (a synchronize, or a change to a group); run this one when it has ended.",
					 c->path);
		return cli_error("locking the HA group file %s: %s.", c->path,
				 strerror(err));
	}
	c->lock_fd = fd;
	return conf_read(c);
}

static void conf_unlock(struct ha_conf *c)
{
	if (c->lock_fd >= 0)
		close(c->lock_fd);
	c->lock_fd = -1;
}

/* Writes the group file whole: a temporary file, fsync, rename, fsync. */
static int conf_write(const struct ha_conf *c)
{
	char tmp[PATH_MAX + 16], dir[PATH_MAX];
	unsigned int i, k;
	int fd, dfd, ret = 0;
	FILE *f;

	if (conf_dir(c->path, dir, sizeof(dir)))
		return cli_error("writing the HA group file %s: %s.", c->path,
				 strerror(errno));
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", c->path);
	fd = mkstemp(tmp);
	if (fd < 0)
		return cli_error("writing the HA group file %s: %s.", c->path,
				 strerror(errno));
	fchmod(fd, 0644);
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		return cli_error("writing the HA group file %s: %s.", c->path,
				 strerror(errno));
	}
	fprintf(f, "# clonedev HA groups, written by 'clonectl hagroup' (docs/ha.md).\n"
		"# Slots and serials only: no secret is kept here.\n" HA_MAGIC "\n");
	for (i = 0; i < c->n; i++) {
		fprintf(f, "group %s\n", c->g[i].label);
		for (k = 0; k < c->g[i].n; k++)
			fprintf(f, "member %u %llu %s\n", c->g[i].m[k].slot,
				c->g[i].m[k].serial,
				c->g[i].m[k].standby ? "standby" : "active");
	}
	if (fflush(f) || fsync(fd))
		ret = -errno;
	if (fclose(f) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, c->path))
		ret = -errno;
	if (ret) {
		unlink(tmp);
		return cli_error("writing the HA group file %s: %s; it is as it was.",
				 c->path, strerror(-ret));
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

/* A group file not read yet, at its path, not locked. NULL: no memory. */
static struct ha_conf *conf_new(void)
{
	struct ha_conf *c = calloc(1, sizeof(*c));

	if (!c) {
		cli_error("out of memory.");
		return NULL;
	}
	ha_path(c->path, sizeof(c->path));
	c->lock_fd = -1;
	return c;
}

static int group_needed(struct ha_conf *c, const char *label,
			struct ha_group **g)
{
	*g = group_find(c, label);
	if (!*g)
		return cli_error("there is no HA group '%s'; 'hagroup listgroups' shows them.",
				 label);
	return 0;
}

/* The group's co password, from -password or asked. Wipe it after use. */
static int group_password(struct cli *cli, const struct command *cmd,
			  const struct cmd_args *args, char *pw, size_t len)
{
	return cli_secret(cli, cli_opt(cmd, args, "password"),
			  "group's co password", pw, len);
}

/*
 * Whether the member's partition is there: its slot holds the partition
 * of the serial the group file names, initialized, with password logins.
 * Return: true, or false with the reason in @l->why.
 */
static bool member_present(struct cli *cli, struct ha_live *l)
{
	struct clonedev_nl *nl;
	int ret;

	if (cli_nl(cli, &nl)) {
		snprintf(l->why, sizeof(l->why), "the HSM cannot be reached");
		return false;
	}
	ret = clonedev_nl_slot_get(nl, l->m->slot, &l->s);
	if (ret == -ENODEV)
		snprintf(l->why, sizeof(l->why), "there is no partition in slot %u",
			 l->m->slot);
	else if (ret)
		snprintf(l->why, sizeof(l->why), "reading slot %u: %s",
			 l->m->slot, strerror(-ret));
	else if (l->s.serial != l->m->serial)
		snprintf(l->why, sizeof(l->why),
			 "slot %u holds another partition (serial %llu, not %llu)",
			 l->m->slot, l->s.serial, l->m->serial);
	else if (l->s.state != CLONEDEV_STATE_INITIALIZED)
		snprintf(l->why, sizeof(l->why), "the partition is %s",
			 clonedev_state_name(l->s.state));
	else
		return true;
	return false;
}

/* The co of @slot logged in on a new session: 0, or the -errno. */
static int co_session(unsigned int slot, const char *pw, struct clonedev **out)
{
	return clonedev_open_login(out, slot, CLONEDEV_ROLE_CO, pw);
}

static const char *login_reason(int err)
{
	switch (-err) {
	case EACCES:
		return "the co password given is not this member's (a failed co login on it)";
	case EKEYREVOKED:
		return "its co is locked out after too many wrong passwords";
	case ENOKEY:
		return "its co has no password yet";
	}
	return strerror(-err);
}

/* Logs the member in if present; else (or if that fails) it is down. */
static bool member_up(struct cli *cli, struct ha_live *l, const char *pw)
{
	int ret;

	if (!member_present(cli, l))
		return false;
	ret = co_session(l->m->slot, pw, &l->cd);
	if (ret) {
		l->cd = NULL;
		snprintf(l->why, sizeof(l->why), "co login refused: %s",
			 login_reason(ret));
		return false;
	}
	return true;
}

static void live_free(struct ha_live *l, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (l[i].cd)
			clonedev_close(l[i].cd);
		free(l[i].ouid);
		free(l[i].handle);
	}
}

/* The OUIDs and handles of the member's objects. */
static int member_objects(struct cli *cli, struct ha_live *l)
{
	struct clonedev_object_attrs a;
	unsigned int *h = NULL;
	int i, n, ret = 0;

	free(l->ouid);
	free(l->handle);
	l->ouid = NULL;
	l->handle = NULL;
	l->n_obj = 0;
	n = clonedev_object_list(l->cd, &h);
	if (n < 0)
		return cli_errno(cli, n, "listing a member's objects");
	l->ouid = calloc(n ? n : 1, sizeof(*l->ouid));
	l->handle = calloc(n ? n : 1, sizeof(*l->handle));
	if (!l->ouid || !l->handle)
		ret = cli_error("out of memory.");
	for (i = 0; i < n && !ret; i++) {
		ret = clonedev_object_get(l->cd, h[i], &a, NULL, 0, NULL);
		if (ret == -ENOENT) {	/* destroyed meanwhile */
			ret = 0;
			continue;
		}
		if (ret) {
			ret = cli_errno(cli, ret, "reading a member's object");
			break;
		}
		memcpy(l->ouid[l->n_obj], a.ouid, CLONEDEV_OUID_LEN);
		l->handle[l->n_obj++] = h[i];
	}
	free(h);
	return ret;
}

/* The handle of the object @ouid on member @l, or 0 if it has none. */
static unsigned int member_has(const struct ha_live *l, const unsigned char *ouid)
{
	unsigned int i;

	for (i = 0; i < l->n_obj; i++)
		if (!memcmp(l->ouid[i], ouid, CLONEDEV_OUID_LEN))
			return l->handle[i];
	return 0;
}

/* Whether every member in @l (alive ones) holds the same OUIDs. */
static bool same_objects(const struct ha_live *l, unsigned int n)
{
	unsigned int i, k, first = n;

	for (i = 0; i < n; i++) {
		if (!l[i].cd)
			continue;
		if (first == n) {
			first = i;
			continue;
		}
		if (l[i].n_obj != l[first].n_obj)
			return false;
		for (k = 0; k < l[i].n_obj; k++)
			if (!member_has(&l[first], l[i].ouid[k]))
				return false;
	}
	return true;
}

static int clone_msg(struct clonedev *cd, struct clonedev_clone *c,
		     unsigned int op, const unsigned char *in,
		     unsigned int in_len, unsigned char *out)
{
	memset(c, 0, sizeof(*c));
	c->op = op;
	c->in = (uintptr_t)in;
	c->in_len = in_len;
	c->out = (uintptr_t)out;
	c->out_cap = CLONEDEV_CLONE_MSG_MAX;
	return clonedev_clone_op(cd, c);
}

/*
 * Proves that @a and @b (their co logged in) share a cloning domain: a
 * clone from @a to @b runs to the target's READY, its proof of the
 * domain, and both sides then end it before any object is sent.
 * Return: 0; -EPROTO with *error the enum clonedev_clone_error; -errno.
 */
static int probe_domain(struct clonedev *a, struct clonedev *b,
			unsigned int *error)
{
	unsigned char *x = malloc(CLONEDEV_CLONE_MSG_MAX);
	unsigned char *y = malloc(CLONEDEV_CLONE_MSG_MAX);
	struct clonedev_clone s, t;
	unsigned int step;
	int ret = -ENOMEM;

	*error = 0;
	memset(&t, 0, sizeof(t));
	if (!x || !y)
		goto out;
	/*
	 * HELLO; CHOICE, CONFIRM; READY, and the source's answer to it (its
	 * first OBJECT, or DONE), which is never passed on.
	 */
	ret = clone_msg(a, &s, CLONEDEV_CLONE_SOURCE, NULL, 0, x);
	for (step = 0; !ret && step < 2 && s.state == CLONEDEV_CLONE_RUNNING;
	     step++) {
		ret = clone_msg(b, &t, step ? CLONEDEV_CLONE_STEP :
				CLONEDEV_CLONE_TARGET, x, s.out_len, y);
		if (ret || t.state != CLONEDEV_CLONE_RUNNING)
			break;
		ret = clone_msg(a, &s, CLONEDEV_CLONE_STEP, y, t.out_len, x);
	}
	if (!ret && t.state == CLONEDEV_CLONE_FAILED) {
		/* The target's ERROR ends the source's clone too. */
		*error = t.error;
		if (t.out_len)
			clone_msg(a, &s, CLONEDEV_CLONE_STEP, y, t.out_len, x);
		ret = -EPROTO;
	} else if (!ret && s.state != CLONEDEV_CLONE_RUNNING) {
		*error = s.error ? s.error : CLONEDEV_CLONE_E_UNEXPECTED;
		ret = -EPROTO;
	}
	clone_msg(a, &s, CLONEDEV_CLONE_ABORT, NULL, 0, x);
	clone_msg(b, &t, CLONEDEV_CLONE_ABORT, NULL, 0, y);
out:
	if (x)
		explicit_bzero(x, CLONEDEV_CLONE_MSG_MAX);
	if (y)
		explicit_bzero(y, CLONEDEV_CLONE_MSG_MAX);
	free(x);
	free(y);
	return ret;
}

/* The refusal of slot @slot, which @ret of probe_domain() with @member. */
static int domain_refused(struct cli *cli, int ret, unsigned int error,
			  unsigned int slot, unsigned int member,
			  const char *group)
{
	if (ret == -EPROTO && error == CLONEDEV_CLONE_E_DOMAIN)
		return cli_error("hagroup: slot %u shares no cloning domain with slot %u, so it cannot be in group %s; give it the group's domain first ('partition domainadd', policy 44 for a second one).",
				 slot, member, group);
	if (ret == -EPROTO && error == CLONEDEV_CLONE_E_AUTH)
		return cli_error("hagroup: slot %u and slot %u have a domain under the same label but with other secrets (the handshake failed, and counts as a failed one on both), so slot %u cannot be in group %s.",
				 slot, member, slot, group);
	if (ret == -EPROTO && error == CLONEDEV_CLONE_E_FIPS)
		return cli_error("hagroup: slot %u and slot %u differ in FIPS mode, so objects could not be cloned between them; slot %u cannot be in group %s.",
				 slot, member, slot, group);
	if (ret == -EPROTO && error == CLONEDEV_CLONE_E_PROTOCOL)
		return cli_error("hagroup: slot %u and slot %u have no cloning protocol in common, so slot %u cannot be in group %s.",
				 slot, member, slot, group);
	if (ret == -EPROTO)
		return cli_error("hagroup: the cloning handshake between slot %u and slot %u failed (error %u), so slot %u cannot be in group %s.",
				 slot, member, error, slot, group);
	if (ret == -EKEYREVOKED)
		return cli_error("hagroup: cloning on slot %u or slot %u is locked after %u failed cloning handshakes; a po login on that partition clears it.",
				 slot, member, CLONEDEV_CLONE_FAILURES_MAX);
	return cli_errno(cli, ret, "hagroup: testing the shared cloning domain");
}

/*
 * Checks that the partition in @slot may join @group: an application
 * partition with password logins, initialized, whose co takes @pw. On
 * success *l is alive with a session.
 */
static int joiner(struct cli *cli, unsigned int slot, const char *pw,
		  const char *group, struct ha_live *l, struct ha_member *m)
{
	struct clonedev_nl *nl;
	int ret;

	if (cli_nl(cli, &nl))
		return -1;
	ret = clonedev_nl_slot_get(nl, slot, &l->s);
	if (ret == -ENODEV)
		return cli_error("hagroup: there is no partition in slot %u; 'slot list' shows them.",
				 slot);
	if (ret)
		return cli_errno(cli, ret, "hagroup: reading the slot");
	if (l->s.type != CLONEDEV_PTYPE_APPLICATION)
		return cli_error("hagroup: slot %u is a %s partition; an HA group's members are application partitions.",
				 slot, clonedev_ptype_name(l->s.type));
	if (l->s.auth != CLONEDEV_AUTH_PASSWORD)
		return cli_error("hagroup: slot %u is a %s partition; an HA group's members log in with the group's co password.",
				 slot, clonedev_auth_name(l->s.auth));
	if (l->s.state != CLONEDEV_STATE_INITIALIZED)
		return cli_error("hagroup: slot %u is %s; initialize it ('partition init') first.",
				 slot, clonedev_state_name(l->s.state));
	*m = (struct ha_member){ slot, l->s.serial, false };
	l->m = m;
	ret = co_session(slot, pw, &l->cd);
	if (ret == -EACCES)
		return cli_error("hagroup: slot %u refused the co password given; the members of an HA group share one co password, so it cannot be in group %s (this counts as a failed co login on slot %u).",
				 slot, group, slot);
	if (ret) {
		l->cd = NULL;
		return cli_error("hagroup: logging in to slot %u as co: %s.",
				 slot, login_reason(ret));
	}
	return 0;
}

/* Parses "-slots A,B,...": distinct slot numbers. */
static int parse_slots(const char *s, unsigned int *slots, unsigned int *n)
{
	char buf[256], *tok, *save;
	unsigned int i;

	*n = 0;
	if (strlen(s) >= sizeof(buf))
		return cli_error("-slots is too long.");
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (*n == HA_MAX_MEMBERS)
			return cli_error("an HA group has at most %u members.",
					 HA_MAX_MEMBERS);
		if (cli_slot_number(tok, &slots[*n]))
			return -1;
		for (i = 0; i < *n; i++)
			if (slots[i] == slots[*n])
				return cli_error("slot %u is named twice in -slots; name each member once.",
						 slots[i]);
		(*n)++;
	}
	if (!*n)
		return cli_error("-slots takes the members' slots, A,B,...");
	return 0;
}

static int not_free(struct ha_conf *c, unsigned int slot)
{
	struct ha_group *other = group_of_slot(c, slot, NULL);

	if (!other)
		return 0;
	return cli_error("hagroup: slot %u is a member of group %s already; a partition is in one group ('hagroup removemember' takes it out).",
			 slot, other->label);
}

int cmd_hagroup_create(struct cli *cli, const struct command *cmd,
		       const struct cmd_args *args)
{
	const char *label = cli_opt(cmd, args, "label");
	struct ha_live l[HA_MAX_MEMBERS] = { 0 };
	unsigned int slots[HA_MAX_MEMBERS], n, i, k, error;
	struct ha_conf *c = conf_new();
	char pw[CLI_SECRET_MAX];
	struct ha_group *g;
	int ret = -1;

	pw[0] = '\0';
	if (!c)
		return -1;
	if (!label_ok(label)) {
		cli_error("an HA group label is 1 to 32 letters, digits, '.', '_' or '-', not '%s'.",
			  label);
		goto out;
	}
	if (parse_slots(cli_opt(cmd, args, "slots"), slots, &n) ||
	    conf_lock_read(c))
		goto out;
	if (group_find(c, label)) {
		cli_error("hagroup: there is a group %s already; 'hagroup addmember' adds to it.",
			  label);
		goto out;
	}
	if (c->n == HA_MAX_GROUPS) {
		cli_error("hagroup: the group file holds %u groups, the most it takes.",
			  HA_MAX_GROUPS);
		goto out;
	}
	for (i = 0; i < n; i++)
		if (not_free(c, slots[i]))
			goto out;
	if (group_password(cli, cmd, args, pw, sizeof(pw)))
		goto out;
	g = &c->g[c->n];
	memset(g, 0, sizeof(*g));
	strcpy(g->label, label);
	for (i = 0; i < n; i++)
		if (joiner(cli, slots[i], pw, label, &l[i], &g->m[i]))
			goto out;
	/* Every pair: synchronize clones between any two members. */
	for (i = 0; i < n; i++)
		for (k = 0; k < i; k++) {
			ret = probe_domain(l[k].cd, l[i].cd, &error);
			if (ret) {
				ret = domain_refused(cli, ret, error, slots[i],
						     slots[k], label);
				goto out;
			}
		}
	g->n = n;
	c->n++;
	ret = conf_write(c);
	if (!ret && !cli_json(cli)) {
		printf("HA group %s created with %u member%s: slot", label, n,
		       n == 1 ? "" : "s");
		for (i = 0; i < n; i++)
			printf("%s %u", i ? "," : "", slots[i]);
		printf(".\n");
	}
out:
	cli_wipe(pw, sizeof(pw));
	live_free(l, HA_MAX_MEMBERS);
	conf_unlock(c);
	free(c);
	return ret ? -1 : 0;
}

int cmd_hagroup_delete(struct cli *cli, const struct command *cmd,
		       const struct cmd_args *args)
{
	const char *label = cli_opt(cmd, args, "label");
	struct ha_conf *c = conf_new();
	struct ha_group *g;
	int ret = -1;

	if (!c)
		return -1;
	if (!conf_lock_read(c) && !group_needed(c, label, &g)) {
		memmove(g, g + 1, (size_t)(&c->g[c->n] - (g + 1)) * sizeof(*g));
		c->n--;
		ret = conf_write(c);
		if (!ret && !cli_json(cli))
			printf("HA group %s deleted; its partitions and their objects are as they were.\n",
			       label);
	}
	conf_unlock(c);
	free(c);
	return ret ? -1 : 0;
}

/*
 * addmember and addstandby of a partition not in the group yet: checked
 * as creategroup checks its members, against every member alive.
 */
static int add_member(struct cli *cli, const struct command *cmd,
		      const struct cmd_args *args, bool standby)
{
	const char *label = cli_opt(cmd, args, "group");
	struct ha_live l[HA_MAX_MEMBERS + 1] = { 0 };
	struct ha_conf *c = conf_new();
	unsigned int slot, i = 0, error, alive = 0;
	char pw[CLI_SECRET_MAX];
	struct ha_member nm;
	struct ha_group *g;
	int ret = -1;

	pw[0] = '\0';
	if (!c)
		return -1;
	if (cli_slot_number(cli_opt(cmd, args, "slot"), &slot) ||
	    conf_lock_read(c) || group_needed(c, label, &g))
		goto out;
	if (standby && group_of_slot(c, slot, &i) == g) {
		/* A member already: it only changes role. */
		if (g->m[i].standby) {
			cli_error("hagroup: slot %u is a standby member of group %s already.",
				  slot, label);
			goto out;
		}
		g->m[i].standby = true;
		for (i = 0; i < g->n && g->m[i].standby; i++)
			;
		if (i == g->n) {
			cli_error("hagroup: slot %u is the last active member of group %s; a group keeps at least one active member.",
				  slot, label);
			goto out;
		}
		ret = conf_write(c);
		if (!ret && !cli_json(cli))
			printf("Slot %u is now a standby member of group %s.\n",
			       slot, label);
		goto out;
	}
	if (not_free(c, slot))
		goto out;
	if (g->n == HA_MAX_MEMBERS) {
		cli_error("hagroup: group %s has %u members, the most a group has.",
			  label, HA_MAX_MEMBERS);
		goto out;
	}
	if (group_password(cli, cmd, args, pw, sizeof(pw)) ||
	    joiner(cli, slot, pw, label, &l[g->n], &nm))
		goto out;
	if (serial_listed(c, nm.serial)) {
		cli_error("hagroup: the partition in slot %u (serial %llu) is a member of a group already, under another slot number; 'hagroup listgroups' shows it.",
			  slot, nm.serial);
		goto out;
	}
	for (i = 0; i < g->n; i++) {
		l[i].m = &g->m[i];
		if (!member_up(cli, &l[i], pw))
			continue;
		alive++;
		ret = probe_domain(l[i].cd, l[g->n].cd, &error);
		if (ret) {
			ret = domain_refused(cli, ret, error, slot,
					     g->m[i].slot, label);
			goto out;
		}
	}
	if (!alive) {
		ret = cli_error("hagroup: no member of group %s is alive to check slot %u against ('hagroup listgroups' says why); bring one back first.",
				label, slot);
		goto out;
	}
	nm.standby = standby;
	g->m[g->n++] = nm;
	ret = conf_write(c);
	if (!ret && !cli_json(cli))
		printf("Slot %u (serial %llu) joined group %s as %s member; 'hagroup synchronize -group %s' gives it the group's objects.\n",
		       slot, nm.serial, label, standby ? "a standby" : "an active",
		       label);
out:
	cli_wipe(pw, sizeof(pw));
	live_free(l, HA_MAX_MEMBERS + 1);
	conf_unlock(c);
	free(c);
	return ret ? -1 : 0;
}

int cmd_hagroup_addmember(struct cli *cli, const struct command *cmd,
			  const struct cmd_args *args)
{
	return add_member(cli, cmd, args, false);
}

int cmd_hagroup_addstandby(struct cli *cli, const struct command *cmd,
			   const struct cmd_args *args)
{
	return add_member(cli, cmd, args, true);
}

/* removemember, and removestandby (@standby_only: the member stays active). */
static int remove_member(struct cli *cli, const struct command *cmd,
			 const struct cmd_args *args, bool standby_only)
{
	const char *label = cli_opt(cmd, args, "group");
	struct ha_conf *c = conf_new();
	unsigned int slot, i = 0, actives = 0;
	struct ha_group *g;
	int ret = -1;

	if (!c)
		return -1;
	if (cli_slot_number(cli_opt(cmd, args, "slot"), &slot) ||
	    conf_lock_read(c) || group_needed(c, label, &g))
		goto out;
	if (group_of_slot(c, slot, &i) != g) {
		cli_error("hagroup: slot %u is not a member of group %s; 'hagroup listgroups' shows its members.",
			  slot, label);
		goto out;
	}
	if (standby_only) {
		if (!g->m[i].standby) {
			cli_error("hagroup: slot %u is an active member of group %s, not a standby one.",
				  slot, label);
			goto out;
		}
		g->m[i].standby = false;
	} else {
		if (g->n == 1) {
			cli_error("hagroup: slot %u is the last member of group %s; 'hagroup deletegroup -label %s' removes the group.",
				  slot, label, label);
			goto out;
		}
		memmove(&g->m[i], &g->m[i + 1], (g->n - i - 1) * sizeof(g->m[0]));
		g->n--;
		for (i = 0; i < g->n; i++)
			actives += !g->m[i].standby;
		if (!actives) {
			cli_error("hagroup: slot %u is the last active member of group %s; make a standby member active first ('hagroup removestandby').",
				  slot, label);
			goto out;
		}
	}
	ret = conf_write(c);
	if (!ret && !cli_json(cli) && standby_only)
		printf("Slot %u is now an active member of group %s.\n", slot,
		       label);
	else if (!ret && !cli_json(cli))
		printf("Slot %u left group %s; its objects are as they were.\n",
		       slot, label);
out:
	conf_unlock(c);
	free(c);
	return ret ? -1 : 0;
}

int cmd_hagroup_removemember(struct cli *cli, const struct command *cmd,
			     const struct cmd_args *args)
{
	return remove_member(cli, cmd, args, false);
}

int cmd_hagroup_removestandby(struct cli *cli, const struct command *cmd,
			      const struct cmd_args *args)
{
	return remove_member(cli, cmd, args, true);
}

/*
 * "yes", "no" or "unknown": with the password, whether the alive members'
 * OUID sets differ; without it, only object counts that differ say yes.
 * With fewer than two members alive, nothing can be compared.
 */
static const char *needs_sync(struct cli *cli, struct ha_live *l,
			      unsigned int n, const char *pw)
{
	unsigned int i, alive = 0, count = 0;
	bool differ = false;

	for (i = 0; i < n; i++) {
		if (pw ? !member_up(cli, &l[i], pw) : !member_present(cli, &l[i]))
			continue;
		if (alive++ && l[i].s.object_count != count)
			differ = true;
		count = l[i].s.object_count;
		if (pw && member_objects(cli, &l[i]))
			return NULL;
	}
	if (alive < 2)
		return n == 1 ? "no" : "unknown";
	if (differ)
		return "yes";
	if (!pw)
		return "unknown";
	return same_objects(l, n) ? "no" : "yes";
}

static unsigned int alive_count(const struct ha_live *l, unsigned int n)
{
	unsigned int i, alive = 0;

	for (i = 0; i < n; i++)
		alive += !l[i].why[0];
	return alive;
}

int cmd_hagroup_list(struct cli *cli, const struct command *cmd,
		     const struct cmd_args *args)
{
	const char *only = cli_opt(cmd, args, "group");
	const char *given = cli_opt(cmd, args, "password");
	struct ha_conf *c = conf_new();
	char pw[CLI_SECRET_MAX];
	unsigned int i, k, shown = 0;
	struct json j;
	int ret = 0;

	pw[0] = '\0';
	if (!c)
		return -1;
	/* The file is replaced whole, never changed in place: no lock. */
	if (conf_read(c) || (only && group_needed(c, only, &(struct ha_group *){ 0 })) ||
	    (given && group_password(cli, cmd, args, pw, sizeof(pw)))) {
		free(c);
		return -1;
	}
	if (cli_json(cli)) {
		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_str(&j, "file", c->path);
		json_arr_begin(&j, "groups");
	}
	for (i = 0; i < c->n && !ret; i++) {
		struct ha_group *g = &c->g[i];
		struct ha_live l[HA_MAX_MEMBERS] = { 0 };
		const char *verdict;

		if (only && strcmp(only, g->label))
			continue;
		for (k = 0; k < g->n; k++)
			l[k].m = &g->m[k];
		verdict = needs_sync(cli, l, g->n, given ? pw : NULL);
		if (!verdict) {
			live_free(l, g->n);
			ret = -1;
			break;
		}
		if (cli_json(cli)) {
			json_obj_begin(&j, NULL);
			json_str(&j, "label", g->label);
			json_str(&j, "needs_sync", verdict);
			json_arr_begin(&j, "members");
		} else {
			printf("%sHA group %s: %u member%s\n", shown++ ? "\n" : "",
			       g->label, g->n, g->n == 1 ? "" : "s");
			printf("  %-5s %-20s %-8s %-6s %s\n", "Slot", "Serial",
			       "Role", "State", "Objects");
		}
		for (k = 0; k < g->n; k++) {
			const struct ha_live *m = &l[k];
			bool up = !m->why[0];
			const char *role = m->m->standby ? "standby" : "active";

			if (cli_json(cli)) {
				json_obj_begin(&j, NULL);
				json_uint(&j, "slot", m->m->slot);
				json_uint(&j, "serial", m->m->serial);
				json_str(&j, "role", role);
				json_str(&j, "state", up ? "alive" : "down");
				if (up)
					json_uint(&j, "objects", m->s.object_count);
				else
					json_str(&j, "reason", m->why);
				json_obj_end(&j);
				continue;
			}
			if (up)
				printf("  %-5u %-20llu %-8s %-6s %u\n", m->m->slot,
				       m->m->serial, role, "alive",
				       m->s.object_count);
			else
				printf("  %-5u %-20llu %-8s %-6s -  (%s)\n",
				       m->m->slot, m->m->serial, role, "down",
				       m->why);
		}
		if (cli_json(cli)) {
			json_arr_end(&j);
			json_obj_end(&j);
		} else if (!strcmp(verdict, "unknown") && alive_count(l, g->n) < 2) {
			printf("  Needs sync: unknown (fewer than two members alive)\n");
		} else if (!strcmp(verdict, "unknown")) {
			printf("  Needs sync: unknown (the members hold as many objects; give -password to compare them)\n");
		} else {
			printf("  Needs sync: %s\n", verdict);
		}
		live_free(l, g->n);
	}
	if (cli_json(cli)) {
		json_arr_end(&j);
		json_obj_end(&j);
		json_end(&j);
	} else if (!ret && !shown) {
		printf("No HA groups in %s: 'hagroup creategroup -label G -slots A,B' makes one.\n",
		       c->path);
	}
	cli_wipe(pw, sizeof(pw));
	free(c);
	return ret;
}

/* Clones to @t, from the members that hold them, the objects it lacks. */
static int fill_member(struct cli *cli, struct ha_live *l, unsigned int n,
		       unsigned int t, unsigned int *copied,
		       unsigned int *failed)
{
	unsigned int s, k, i, cnt, *h;
	int ret = 0;

	for (s = 0; s < n; s++) {
		struct cli_clone_run run = { .cli = cli };
		struct clonedev_clone res;

		if (s == t || !l[s].cd)
			continue;
		h = calloc(l[s].n_obj ? l[s].n_obj : 1, sizeof(*h));
		if (!h)
			return cli_error("out of memory.");
		cnt = 0;
		/* @s sends an object @t lacks that no member before @s holds. */
		for (k = 0; k < l[s].n_obj; k++) {
			if (member_has(&l[t], l[s].ouid[k]))
				continue;
			for (i = 0; i < s; i++)
				if (i != t && l[i].cd && member_has(&l[i], l[s].ouid[k]))
					break;
			if (i == s)
				h[cnt++] = l[s].handle[k];
		}
		if (cnt && !cli_json(cli))
			printf("Slot %u to slot %u: %u object%s.\n", l[s].m->slot,
			       l[t].m->slot, cnt, cnt == 1 ? "" : "s");
		if (cnt && cli_clone_local(&run, l[s].cd, l[s].m->slot, l[t].cd,
					   l[t].m->slot, h, cnt, &res)) {
			*failed += cnt;
			ret = -1;
		} else if (cnt) {
			*copied += res.copied;
			*failed += res.refused + res.failed;
			if (res.refused + res.failed)
				ret = -1;
		}
		free(run.done);
		free(h);
	}
	return ret;
}

int cmd_hagroup_synchronize(struct cli *cli, const struct command *cmd,
			    const struct cmd_args *args)
{
	const char *label = cli_opt(cmd, args, "group");
	struct ha_live l[HA_MAX_MEMBERS] = { 0 };
	struct ha_conf *c = conf_new();
	unsigned int i, alive = 0, copied = 0, failed = 0, total = 0;
	char pw[CLI_SECRET_MAX];
	struct ha_group *g = NULL;
	bool in_sync = false;
	int ret = -1;

	pw[0] = '\0';
	if (!c)
		return -1;
	if (conf_lock_read(c) || group_needed(c, label, &g) ||
	    group_password(cli, cmd, args, pw, sizeof(pw)))
		goto out;
	for (i = 0; i < g->n; i++) {
		l[i].m = &g->m[i];
		if (!member_up(cli, &l[i], pw)) {
			if (!cli_json(cli))
				printf("Slot %u: down (%s); skipped.\n",
				       g->m[i].slot, l[i].why);
			continue;
		}
		if (member_objects(cli, &l[i]))
			goto out;
		alive++;
	}
	if (!alive) {
		cli_error("hagroup: no member of group %s is alive, so nothing was synchronized; 'hagroup listgroups' says why.",
			  label);
		goto out;
	}
	ret = 0;
	for (i = 0; i < g->n; i++)
		if (l[i].cd && fill_member(cli, l, g->n, i, &copied, &failed))
			ret = -1;
	/* What the members hold now: the same OUIDs on each, or not. */
	for (i = 0; i < g->n; i++) {
		if (!l[i].cd)
			continue;
		if (member_objects(cli, &l[i])) {
			ret = -1;
			goto out;
		}
		total = l[i].n_obj;
	}
	in_sync = same_objects(l, g->n);
	if (!in_sync)
		ret = -1;
	if (alive < g->n)
		ret = -1;
	if (cli_json(cli)) {
		struct json j;

		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_str(&j, "group", label);
		json_uint(&j, "copied", copied);
		json_uint(&j, "failed", failed);
		json_bool(&j, "in_sync", in_sync);
		json_uint(&j, "objects", total);
		json_arr_begin(&j, "members");
		for (i = 0; i < g->n; i++) {
			json_obj_begin(&j, NULL);
			json_uint(&j, "slot", g->m[i].slot);
			json_str(&j, "state", l[i].cd ? "alive" : "down");
			if (l[i].cd)
				json_uint(&j, "objects", l[i].n_obj);
			else
				json_str(&j, "reason", l[i].why);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_obj_end(&j);
		json_end(&j);
	} else if (!in_sync) {
		printf("Group %s is not in sync: %u copied, %u failed; the members alive still hold different objects.\n",
		       label, copied, failed);
	} else if (alive < g->n) {
		printf("Group %s synchronized but for %u member%s down: the %u alive hold the same %u object%s (%u copied).\n",
		       label, g->n - alive, g->n - alive == 1 ? "" : "s",
		       alive, total, total == 1 ? "" : "s", copied);
	} else {
		printf("Group %s synchronized: its %u members hold the same %u object%s (%u copied).\n",
		       label, g->n, total, total == 1 ? "" : "s", copied);
	}
out:
	cli_wipe(pw, sizeof(pw));
	live_free(l, HA_MAX_MEMBERS);
	conf_unlock(c);
	free(c);
	return ret ? -1 : 0;
}
