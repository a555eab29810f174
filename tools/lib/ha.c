// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libclonedev: the virtual slot of an HA group (docs/ha.md). One co
 * session per member of a group in the group file; each operation goes to
 * the next active member alive, round robin, and to another when a member
 * fails, which is then taken out; standby members serve only when no
 * active member is alive. Objects are named by OUID, the one name they
 * have on every member; a key generated through the virtual slot is
 * cloned to every member alive before the call returns.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libclonedev.h"

#define HA_FILE_DEFAULT	"/etc/clonedev/hagroups.conf"
#define HA_MAGIC	"clonedev-hagroups 1"

/* OUID to handle on one member, from its last scan. */
struct ha_map {
	unsigned char ouid[CLONEDEV_OUID_LEN];
	unsigned int handle;
};

struct ha_member {
	unsigned int slot;
	unsigned long long serial;
	int standby;
	struct clonedev *cd;		/* NULL: down */
	unsigned long served;
	struct ha_map *map;
	unsigned int n_map;
};

struct clonedev_ha {
	pthread_mutex_t lock;		/* protects everything below */
	unsigned int n;
	unsigned int next;		/* round robin over the actives */
	struct ha_member m[CLONEDEV_HA_MEMBERS_MAX];
};

/*
 * The members of @group in the group file @path (docs/ha.md, "The group
 * file"): -EBADMSG for a line not of the format or a slot listed twice,
 * -ENOENT if the group is not there.
 */
static int read_group(const char *path, const char *group,
		      struct clonedev_ha *ha)
{
	char buf[256], *p, *w, *end, *save;
	int in_group = 0, magic = 0, found = 0, ret = 0;
	unsigned int i;
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	while (!ret && fgets(buf, sizeof(buf), f)) {
		if (!strchr(buf, '\n') && !feof(f)) {
			ret = -EBADMSG;
			break;
		}
		buf[strcspn(buf, "\r\n")] = '\0';
		for (p = buf; isspace((unsigned char)*p); p++)
			;
		if (!*p || *p == '#')
			continue;
		if (!magic) {
			magic = 1;
			if (strcmp(p, HA_MAGIC))
				ret = -EBADMSG;
			continue;
		}
		w = strtok_r(p, " \t", &save);
		if (!strcmp(w, "group")) {
			w = strtok_r(NULL, " \t", &save);
			if (!w || strtok_r(NULL, " \t", &save)) {
				ret = -EBADMSG;
				break;
			}
			in_group = !strcmp(w, group);
			if (in_group && found++)
				ret = -EBADMSG;
		} else if (!strcmp(w, "member")) {
			char *slot = strtok_r(NULL, " \t", &save);
			char *serial = strtok_r(NULL, " \t", &save);
			char *role = strtok_r(NULL, " \t", &save);
			struct ha_member *m = &ha->m[ha->n];

			if (!role || strtok_r(NULL, " \t", &save) ||
			    (strcmp(role, "active") && strcmp(role, "standby")) ||
			    !isdigit((unsigned char)*slot) ||
			    !isdigit((unsigned char)*serial)) {
				ret = -EBADMSG;
				break;
			}
			if (!in_group)
				continue;
			if (ha->n == CLONEDEV_HA_MEMBERS_MAX) {
				ret = -EBADMSG;
				break;
			}
			errno = 0;
			m->slot = strtoul(slot, &end, 10);
			if (*end || errno || !m->slot)
				ret = -EBADMSG;
			m->serial = strtoull(serial, &end, 10);
			if (*end || errno)
				ret = -EBADMSG;
			m->standby = !strcmp(role, "standby");
			for (i = 0; i < ha->n; i++)
				if (ha->m[i].slot == m->slot)
					ret = -EBADMSG;
			ha->n++;
		} else {
			ret = -EBADMSG;
		}
	}
	fclose(f);
	if (!ret && !found)
		ret = -ENOENT;
	return ret;
}

/*
 * The member's session, if its slot holds its partition and the co takes
 * @pw. Return: 0, 1 if the member is down, or the co login's error.
 */
static int member_open(struct clonedev_nl *nl, struct ha_member *m,
		       const char *pw)
{
	struct clonedev_slot s;
	int ret;

	if (clonedev_nl_slot_get(nl, m->slot, &s) || s.serial != m->serial ||
	    s.state != CLONEDEV_STATE_INITIALIZED)
		return 1;
	ret = clonedev_open_login(&m->cd, m->slot, CLONEDEV_ROLE_CO, pw);
	if (ret)
		m->cd = NULL;
	return ret;
}

static void member_out(struct ha_member *m)
{
	if (m->cd)
		clonedev_close(m->cd);
	m->cd = NULL;
	free(m->map);
	m->map = NULL;
	m->n_map = 0;
}

/*
 * Opens the virtual slot; with no member logged in to, -EHOSTDOWN, and
 * in *login_err the first refusal of a member alive (0 if none refused).
 */
static int ha_open(struct clonedev_ha **out, const char *path,
		   const char *group, const char *password, int *login_err)
{
	const char *env = getenv("CLONEDEV_HAGROUP_FILE");
	struct clonedev_ha *ha;
	struct clonedev_nl *nl;
	unsigned int i, up = 0;
	int ret;

	*out = NULL;
	*login_err = 0;
	if (!group || !password)
		return -EINVAL;
	if (!path)
		path = env && *env ? env : HA_FILE_DEFAULT;
	ha = calloc(1, sizeof(*ha));
	if (!ha)
		return -ENOMEM;
	ret = read_group(path, group, ha);
	if (!ret)
		ret = clonedev_nl_open(&nl);
	if (ret) {
		free(ha);
		return ret;
	}
	for (i = 0; i < ha->n; i++) {
		ret = member_open(nl, &ha->m[i], password);
		if (ret < 0 && !*login_err)
			*login_err = ret;
		up += !!ha->m[i].cd;
	}
	clonedev_nl_close(nl);
	if (!up) {
		free(ha);
		return -EHOSTDOWN;
	}
	pthread_mutex_init(&ha->lock, NULL);
	*out = ha;
	return 0;
}

int clonedev_ha_open(struct clonedev_ha **out, const char *path,
		     const char *group, const char *password)
{
	int login_err;

	return ha_open(out, path, group, password, &login_err);
}

int clonedev_ha_login(struct clonedev_ha **out, const char *path,
		      const char *group, const char *password)
{
	int login_err, ret = ha_open(out, path, group, password, &login_err);

	return ret == -EHOSTDOWN && login_err ? login_err : ret;
}

/*
 * The groups of the group file @path (NULL: as clonedev_ha_open()), each
 * read as clonedev_ha_open() reads it.
 */
int clonedev_ha_groups(const char *path, struct clonedev_ha_group **out)
{
	const char *env = getenv("CLONEDEV_HAGROUP_FILE");
	struct clonedev_ha_group *g = NULL, *ng;
	struct clonedev_ha *ha;
	char buf[256];
	unsigned int i;
	int n = 0, ret = 0;
	FILE *f;

	*out = NULL;
	if (!path)
		path = env && *env ? env : HA_FILE_DEFAULT;
	f = fopen(path, "r");
	if (!f)
		return -errno;
	ha = malloc(sizeof(*ha));
	if (!ha) {
		fclose(f);
		return -ENOMEM;
	}
	while (!ret && fgets(buf, sizeof(buf), f)) {
		char *save, *w, *p;

		/* A line as read_group() reads it, so both find one group. */
		buf[strcspn(buf, "\r\n")] = '\0';
		for (p = buf; isspace((unsigned char)*p); p++)
			;
		w = strtok_r(p, " \t", &save);
		if (!w || strcmp(w, "group"))
			continue;
		w = strtok_r(NULL, " \t", &save);
		if (!w || strlen(w) > CLONEDEV_HA_LABEL_MAX) {
			ret = -EBADMSG;
			break;
		}
		memset(ha, 0, sizeof(*ha));
		ret = read_group(path, w, ha);
		if (ret)
			break;
		ng = realloc(g, (n + 1) * sizeof(*g));
		if (!ng) {
			ret = -ENOMEM;
			break;
		}
		g = ng;
		memset(&g[n], 0, sizeof(g[n]));
		strcpy(g[n].label, w);
		g[n].n = ha->n;
		for (i = 0; i < ha->n; i++) {
			g[n].m[i].slot = ha->m[i].slot;
			g[n].m[i].serial = ha->m[i].serial;
			g[n].m[i].standby = ha->m[i].standby;
		}
		n++;
	}
	fclose(f);
	free(ha);
	if (ret) {
		free(g);
		return ret;
	}
	*out = g;
	return n;
}

void clonedev_ha_close(struct clonedev_ha *ha)
{
	unsigned int i;

	if (!ha)
		return;
	for (i = 0; i < ha->n; i++)
		member_out(&ha->m[i]);
	pthread_mutex_destroy(&ha->lock);
	free(ha);
}

int clonedev_ha_members(struct clonedev_ha *ha,
			struct clonedev_ha_member *out, unsigned int cap)
{
	unsigned int i;

	pthread_mutex_lock(&ha->lock);
	for (i = 0; i < ha->n && i < cap; i++)
		out[i] = (struct clonedev_ha_member){
			.slot = ha->m[i].slot,
			.serial = ha->m[i].serial,
			.standby = ha->m[i].standby,
			.up = !!ha->m[i].cd,
			.served = ha->m[i].served,
		};
	i = ha->n;
	pthread_mutex_unlock(&ha->lock);
	return (int)i;
}

/*
 * Whether @err says the member, not the request, failed: its partition
 * is gone (deleted, zeroized), its login ended, or its device failed.
 */
static int member_failed(int err)
{
	switch (-err) {
	case ENODEV:
	case EACCES:
	case ESTALE:
	case EKEYREVOKED:
	case EIO:
	case ENXIO:
	case EBADF:
	case ENOKEY:
		return 1;
	}
	return 0;
}

static int map_cmp(const void *a, const void *b)
{
	return memcmp(((const struct ha_map *)a)->ouid,
		      ((const struct ha_map *)b)->ouid, CLONEDEV_OUID_LEN);
}

/* Rebuilds the member's OUID map from its objects, sorted by OUID. */
static int rescan(struct ha_member *m)
{
	struct clonedev_object_attrs a;
	unsigned int *h = NULL;
	struct ha_map *map;
	int i, n, ret = 0;

	n = clonedev_object_list(m->cd, &h);
	if (n < 0)
		return n;
	map = calloc(n ? n : 1, sizeof(*map));
	if (!map) {
		free(h);
		return -ENOMEM;
	}
	free(m->map);
	m->map = map;
	m->n_map = 0;
	for (i = 0; i < n; i++) {
		ret = clonedev_object_get(m->cd, h[i], &a, NULL, 0, NULL);
		if (ret == -ENOENT)
			continue;
		if (ret)
			break;
		memcpy(map[m->n_map].ouid, a.ouid, CLONEDEV_OUID_LEN);
		map[m->n_map++].handle = h[i];
	}
	free(h);
	qsort(map, m->n_map, sizeof(*map), map_cmp);
	return ret == -ENOENT ? 0 : ret;
}

/* The object @ouid's handle on @m: 0, -ENOENT if it has none, -errno. */
static int handle_of(struct ha_member *m, const unsigned char *ouid,
		     unsigned int *handle)
{
	struct ha_map key = { .handle = 0 }, *found;
	int pass;

	memcpy(key.ouid, ouid, CLONEDEV_OUID_LEN);
	for (pass = 0; pass < 2; pass++) {
		int ret;

		found = m->n_map ? bsearch(&key, m->map, m->n_map,
					   sizeof(*m->map), map_cmp) : NULL;
		if (found) {
			*handle = found->handle;
			return 0;
		}
		if (pass)
			break;
		ret = rescan(m);
		if (ret)
			return ret;
	}
	return -ENOENT;
}

/*
 * The next member to use, not in @tried: an active one alive, round
 * robin; a standby one alive only if no active one is. -1 if none.
 * Must hold ha->lock.
 */
static int pick(struct clonedev_ha *ha, unsigned int tried)
{
	unsigned int k, i, actives = 0;

	for (k = 0; k < ha->n; k++) {
		i = (ha->next + k) % ha->n;
		if (ha->m[i].standby || !ha->m[i].cd)
			continue;
		actives++;
		if (tried & (1U << i))
			continue;
		ha->next = i + 1;
		return (int)i;
	}
	if (actives)
		return -1;
	for (i = 0; i < ha->n; i++)
		if (ha->m[i].cd && !(tried & (1U << i)))
			return (int)i;
	return -1;
}

/*
 * The member to read from, not in @tried: the first active one alive in
 * the group's order (a standby one if none), so that reads give one view
 * and leave the round robin of the operations alone. Must hold ha->lock.
 */
static int pick_read(struct clonedev_ha *ha, unsigned int tried)
{
	unsigned int next = ha->next;
	int i;

	ha->next = 0;
	i = pick(ha, tried);
	ha->next = next;
	return i;
}

static int any_up(const struct clonedev_ha *ha)
{
	unsigned int i;

	for (i = 0; i < ha->n; i++)
		if (ha->m[i].cd)
			return 1;
	return 0;
}

/* One step on one member of the group; its result as the library's calls. */
typedef int (*member_fn)(struct clonedev_ha *ha, struct ha_member *m,
			 void *arg);

#define HA_SERVED	1	/* the step counts as one the member served */
#define HA_STALE	2	/* -ENOENT: a stale map; the next member */

/*
 * Runs @step on the members in turn, from pick() with HA_SERVED in
 * @flags (the member takes its turn), else from pick_read(): a member
 * that fails is taken out and the next one tried; any other result is
 * returned as it is. With HA_STALE, a member whose step gives -ENOENT is
 * passed over and its map scanned again next time.
 */
static int failover(struct clonedev_ha *ha, unsigned int flags,
		    member_fn step, void *arg)
{
	unsigned int tried = 0;
	int i, ret = -EHOSTDOWN;

	pthread_mutex_lock(&ha->lock);
	while ((i = flags & HA_SERVED ? pick(ha, tried) :
		    pick_read(ha, tried)) >= 0) {
		struct ha_member *m = &ha->m[i];

		tried |= 1U << i;
		ret = step(ha, m, arg);
		if (ret == -ENOENT && (flags & HA_STALE)) {
			m->n_map = 0;
			continue;
		}
		if (!ret || !member_failed(ret)) {
			if (flags & HA_SERVED)
				m->served += !ret || ret == -EBADMSG;
			break;
		}
		member_out(m);
	}
	if (i < 0 && !any_up(ha))
		ret = -EHOSTDOWN;
	pthread_mutex_unlock(&ha->lock);
	return ret;
}

/* One operation on one member, on the object's handle there. */
typedef int (*ha_op)(struct clonedev *cd, unsigned int handle, void *arg);

struct run_args {
	const unsigned char *ouid;
	ha_op op;
	void *arg;
};

static int run_step(struct clonedev_ha *ha, struct ha_member *m, void *arg)
{
	struct run_args *r = arg;
	unsigned int handle = 0;
	int ret;

	ret = handle_of(m, r->ouid, &handle);
	return ret ? ret : r->op(m->cd, handle, r->arg);
}

/*
 * Runs @op on a member holding @ouid; a member that fails is taken out
 * and the next one tried, and one that lacks the object is passed over.
 * The operation's own result (a verification that fails, bad parameters)
 * is returned as it is. @served: whether the operation counts as one the
 * member carried out, and takes its turn; a read of attributes does not.
 */
static int run(struct clonedev_ha *ha, const unsigned char *ouid, ha_op op,
	       void *arg, int served)
{
	struct run_args r = { ouid, op, arg };

	return failover(ha, HA_STALE | (served ? HA_SERVED : 0), run_step, &r);
}

struct crypt_args {
	struct clonedev_crypt_params *p;
	const void *in;
	size_t in_len;
	void *out;
	size_t out_cap;
	size_t *out_len;
	const void *sig;
	size_t sig_len;
	int what;
};

enum { HA_ENCRYPT, HA_DECRYPT, HA_SIGN, HA_VERIFY };

static int crypt_op(struct clonedev *cd, unsigned int handle, void *arg)
{
	struct crypt_args *c = arg;

	switch (c->what) {
	case HA_ENCRYPT:
		return clonedev_encrypt(cd, handle, c->p, c->in, c->in_len,
					c->out, c->out_cap, c->out_len);
	case HA_DECRYPT:
		return clonedev_decrypt(cd, handle, c->p, c->in, c->in_len,
					c->out, c->out_cap, c->out_len);
	case HA_SIGN:
		return clonedev_sign(cd, handle, c->p, c->in, c->in_len,
				     c->out, c->out_cap, c->out_len);
	}
	return clonedev_verify(cd, handle, c->p, c->in, c->in_len, c->sig,
			       c->sig_len);
}

int clonedev_ha_encrypt(struct clonedev_ha *ha, const unsigned char *ouid,
			struct clonedev_crypt_params *p, const void *in,
			size_t in_len, void *out, size_t out_cap,
			size_t *out_len)
{
	struct crypt_args c = { p, in, in_len, out, out_cap, out_len, NULL, 0,
				HA_ENCRYPT };

	return run(ha, ouid, crypt_op, &c, 1);
}

int clonedev_ha_decrypt(struct clonedev_ha *ha, const unsigned char *ouid,
			const struct clonedev_crypt_params *p, const void *in,
			size_t in_len, void *out, size_t out_cap,
			size_t *out_len)
{
	struct crypt_args c = { (struct clonedev_crypt_params *)p, in, in_len,
				out, out_cap, out_len, NULL, 0, HA_DECRYPT };

	return run(ha, ouid, crypt_op, &c, 1);
}

int clonedev_ha_sign(struct clonedev_ha *ha, const unsigned char *ouid,
		     const struct clonedev_crypt_params *p, const void *in,
		     size_t in_len, void *sig, size_t sig_cap, size_t *sig_len)
{
	struct crypt_args c = { (struct clonedev_crypt_params *)p, in, in_len,
				sig, sig_cap, sig_len, NULL, 0, HA_SIGN };

	return run(ha, ouid, crypt_op, &c, 1);
}

int clonedev_ha_verify(struct clonedev_ha *ha, const unsigned char *ouid,
		       const struct clonedev_crypt_params *p, const void *in,
		       size_t in_len, const void *sig, size_t sig_len)
{
	struct crypt_args c = { (struct clonedev_crypt_params *)p, in, in_len,
				NULL, 0, NULL, sig, sig_len, HA_VERIFY };

	return run(ha, ouid, crypt_op, &c, 1);
}

struct get_args {
	struct clonedev_object_attrs *a;
	void *buf;
	unsigned int cap;
	unsigned int *len;
	int public;
};

static int get_op(struct clonedev *cd, unsigned int handle, void *arg)
{
	struct get_args *g = arg;

	if (g->public)
		return clonedev_object_public(cd, handle, g->buf, g->cap,
					      g->len);
	return clonedev_object_get(cd, handle, g->a, g->buf, g->cap, g->len);
}

int clonedev_ha_object_get(struct clonedev_ha *ha, const unsigned char *ouid,
			   struct clonedev_object_attrs *a, void *value,
			   unsigned int cap, unsigned int *len)
{
	struct get_args g = { a, value, cap, len, 0 };

	return run(ha, ouid, get_op, &g, 0);
}

int clonedev_ha_object_public(struct clonedev_ha *ha,
			      const unsigned char *ouid, void *buf,
			      unsigned int cap, unsigned int *len)
{
	struct get_args g = { NULL, buf, cap, len, 1 };

	return run(ha, ouid, get_op, &g, 0);
}

static int objects_step(struct clonedev_ha *ha, struct ha_member *m,
			void *arg)
{
	unsigned char **ouids = arg;
	unsigned int k;
	int ret;

	ret = rescan(m);
	if (ret)
		return ret;
	*ouids = malloc(m->n_map ? m->n_map * CLONEDEV_OUID_LEN : 1);
	if (!*ouids)
		return -ENOMEM;
	for (k = 0; k < m->n_map; k++)
		memcpy(*ouids + k * CLONEDEV_OUID_LEN, m->map[k].ouid,
		       CLONEDEV_OUID_LEN);
	return (int)m->n_map;
}

int clonedev_ha_objects(struct clonedev_ha *ha, unsigned char **ouids)
{
	*ouids = NULL;
	return failover(ha, 0, objects_step, ouids);
}

/*
 * Clones the object @handle of @src to every other member alive; one
 * that does not end up holding it is taken out. Must hold ha->lock.
 */
static void spread(struct clonedev_ha *ha, struct ha_member *src,
		   unsigned int handle)
{
	struct clonedev_clone res;
	unsigned int i;
	int ret;

	for (i = 0; i < ha->n; i++) {
		struct ha_member *m = &ha->m[i];

		if (m == src || !m->cd)
			continue;
		ret = clonedev_clone(src->cd, m->cd, &handle, 1, NULL, &res);
		if (ret || res.copied + res.skipped != 1)
			member_out(m);
		else
			m->n_map = 0;
	}
}

struct generate_args {
	unsigned int key_type, bits, obj_flags, id_len;
	const char *label;
	const void *id;
	unsigned char *ouid;
};

static int generate_step(struct clonedev_ha *ha, struct ha_member *m,
			 void *arg)
{
	struct generate_args *g = arg;
	struct clonedev_object_attrs a;
	unsigned int handle;
	int ret;

	ret = clonedev_object_generate(m->cd, g->key_type, g->bits,
				       g->obj_flags, g->label, g->id,
				       g->id_len, &handle);
	if (!ret)
		ret = clonedev_object_get(m->cd, handle, &a, NULL, 0, NULL);
	if (ret)
		return ret;
	memcpy(g->ouid, a.ouid, CLONEDEV_OUID_LEN);
	m->n_map = 0;
	spread(ha, m, handle);
	return 0;
}

int clonedev_ha_generate(struct clonedev_ha *ha, unsigned int key_type,
			 unsigned int bits, unsigned int obj_flags,
			 const char *label, const void *id,
			 unsigned int id_len, unsigned char *ouid)
{
	struct generate_args g = {
		.key_type = key_type, .bits = bits, .obj_flags = obj_flags,
		.id_len = id_len, .label = label, .id = id, .ouid = ouid,
	};

	return failover(ha, HA_SERVED, generate_step, &g);
}
