// SPDX-License-Identifier: GPL-2.0
/*
 * clonedev selftests: the privilege matrix. Every ioctl and netlink
 * command is asked by each kind of process (root; root holding only
 * CAP_NET_ADMIN; an ordinary user, uid 65534, in the group of
 * /dev/clonedev; one not in it) and from a session of each role (none,
 * po, co, cu). Each cell is the exact errno the kernel must give (ok: 0);
 * every cell is checked, and the tables are printed as the markdown of
 * the privilege matrix in docs/security.md. A refused request changes
 * nothing: the slot list, the objects, the domains and the policies are
 * compared before and after.
 * Run as root in a VM with clonedev.ko loaded (selftests/vm/run).
 */
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

#include "clonedev_test_util.h"

#define DEV_GROUP	4242	/* the group given /dev/clonedev */
#define NOBODY		65534

static const char *errname(int err)
{
	static char bufs[2][16];
	static int turn;
	char *buf = bufs[turn ^= 1];

	switch (err) {
	case 0: return "ok";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EACCES: return "EACCES";
	case EINVAL: return "EINVAL";
	case ENODEV: return "ENODEV";
	case EBADMSG: return "EBADMSG";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EMSGSIZE: return "EMSGSIZE";
	}
	snprintf(buf, sizeof(bufs[0]), "%d", err);
	return buf;
}

/* A libclonedev result as a cell: 0 or a positive errno. */
static int cell(int ret)
{
	return ret < 0 ? -ret : 0;
}

/* ---- roles: one session of each on one initialized partition ---- */

enum { R_NONE, R_PO, R_CO, R_CU, NROLES };

static const char *const role_pw[NROLES] = {
	"none-secret", TEST_PO, TEST_CO, TEST_CU
};

struct rctx {
	struct clonedev *cd[NROLES];
	unsigned int key;	/* the co's private AES-256 key */
};

/* Makes an object as co; *h its handle. */
static int co_object(struct rctx *c, unsigned int obj_flags, unsigned int *h)
{
	return clonedev_object_create(c->cd[R_CO], obj_flags, "probe-obj",
				      NULL, 0, "v", 1, h);
}

/* Destroys, as co, what a probe made, so that nothing changes. */
static int undo(struct rctx *c, int ret, const unsigned int *h)
{
	if (!ret)
		clonedev_object_destroy(c->cd[R_CO], *h);
	return ret;
}

static int p_hsm_info(struct rctx *c, int r)
{
	struct clonedev_hsm_info i;

	return clonedev_hsm_info(c->cd[r], &i);
}

static int p_session_info(struct rctx *c, int r)
{
	struct clonedev_session_info si;

	return clonedev_session_info(c->cd[r], &si);
}

static int p_partition_init(struct rctx *c, int r)
{
	struct clonedev_share shares[2];
	unsigned char fp[CLONEDEV_FINGERPRINT_LEN];

	return clonedev_partition_init_quorum(c->cd[r], NULL, "q", 1, 1,
					      shares, fp);
}

static int p_changepw(struct rctx *c, int r)
{
	return clonedev_role_changepw(c->cd[r], role_pw[r], role_pw[r]);
}

static int p_role_init_co(struct rctx *c, int r)
{
	struct clonedev_share shares[1];

	return clonedev_role_init_quorum(c->cd[r], CLONEDEV_ROLE_CO, 1, 1,
					 shares);
}

static int p_role_init_cu(struct rctx *c, int r)
{
	struct clonedev_share shares[1];

	return clonedev_role_init_quorum(c->cd[r], CLONEDEV_ROLE_CU, 1, 1,
					 shares);
}

static int p_challenge_co(struct rctx *c, int r)
{
	return clonedev_role_challenge(c->cd[r], CLONEDEV_ROLE_CO, "chal");
}

static int p_challenge_cu(struct rctx *c, int r)
{
	return clonedev_role_challenge(c->cd[r], CLONEDEV_ROLE_CU, "chal");
}

static int p_activation(struct rctx *c, int r)
{
	return clonedev_activation(c->cd[r], 0);
}

static int p_policy_get(struct rctx *c, int r)
{
	struct clonedev_policy_get pg;

	return clonedev_policy_get(c->cd[r], &pg);
}

static int p_policy_set(struct rctx *c, int r)
{
	struct clonedev_policy_change ch = {
		.id = CLONEDEV_POLICY_MAX_FAILED_LOGINS, .value = 10,
	};

	return clonedev_policy_set(c->cd[r], &ch, 1, 0);
}

static int p_generate(struct rctx *c, int r)
{
	unsigned int h;

	return undo(c, clonedev_object_generate(c->cd[r], CLONEDEV_KEY_AES,
						256, CLONEDEV_OBJ_PRIVATE |
						CLONEDEV_OBJ_SENSITIVE |
						CLONEDEV_OBJ_ENCRYPT,
						"probe", NULL, 0, &h), &h);
}

static int p_create_public(struct rctx *c, int r)
{
	unsigned int h;

	return undo(c, clonedev_object_create(c->cd[r], 0, "probe", NULL, 0,
					      "v", 1, &h), &h);
}

static int p_create_private(struct rctx *c, int r)
{
	unsigned int h;

	return undo(c, clonedev_object_create(c->cd[r], CLONEDEV_OBJ_PRIVATE,
					      "probe", NULL, 0, "v", 1, &h), &h);
}

static int p_import(struct rctx *c, int r)
{
	static const unsigned char raw[32] = { 1 };
	unsigned int h;

	return undo(c, clonedev_object_import(c->cd[r], CLONEDEV_KEY_AES,
					      CLONEDEV_OBJ_PRIVATE |
					      CLONEDEV_OBJ_SENSITIVE |
					      CLONEDEV_OBJ_ENCRYPT, "probe",
					      NULL, 0, raw, sizeof(raw), &h), &h);
}

static int destroy_as(struct rctx *c, int r, unsigned int obj_flags)
{
	unsigned int h;
	int ret;

	ret = co_object(c, obj_flags, &h);
	if (ret)
		return 1000;	/* no cell has this: the setup failed */
	ret = clonedev_object_destroy(c->cd[r], h);
	if (ret)
		clonedev_object_destroy(c->cd[R_CO], h);
	return ret;
}

/* Renames a modifiable object the co made; it is destroyed after. */
static int set_attrs_as(struct rctx *c, int r, unsigned int obj_flags)
{
	unsigned int h;
	int ret;

	ret = co_object(c, obj_flags | CLONEDEV_OBJ_MODIFIABLE, &h);
	if (ret)
		return 1000;	/* no cell has this: the setup failed */
	ret = clonedev_object_set_attrs(c->cd[r], h, CLONEDEV_SET_LABEL,
					"renamed", NULL, 0, 0);
	clonedev_object_destroy(c->cd[R_CO], h);
	return ret;
}

static int p_set_attrs_public(struct rctx *c, int r)
{
	return set_attrs_as(c, r, 0);
}

static int p_set_attrs_private(struct rctx *c, int r)
{
	return set_attrs_as(c, r, CLONEDEV_OBJ_PRIVATE);
}

static int p_destroy_public(struct rctx *c, int r)
{
	return destroy_as(c, r, 0);
}

static int p_destroy_private(struct rctx *c, int r)
{
	return destroy_as(c, r, CLONEDEV_OBJ_PRIVATE);
}

static int p_object_get(struct rctx *c, int r)
{
	struct clonedev_object_attrs a;
	unsigned int len;

	return clonedev_object_get(c->cd[r], c->key, &a, NULL, 0, &len);
}

static int p_object_public(struct rctx *c, int r)
{
	unsigned char v[8];
	unsigned int len;

	return clonedev_object_public(c->cd[r], c->key, v, sizeof(v), &len);
}

static int p_object_list(struct rctx *c, int r)
{
	unsigned int *h = NULL;
	int n = clonedev_object_list(c->cd[r], &h);

	free(h);
	return n < 0 ? n : 0;
}

static int p_object_find(struct rctx *c, int r)
{
	unsigned int *h = NULL;
	int n = clonedev_object_find(c->cd[r], "key", NULL, 0, &h);

	free(h);
	return n < 0 ? n : 0;
}

static int p_domain_list(struct rctx *c, int r)
{
	struct clonedev_domain_list dl;

	return clonedev_domain_list(c->cd[r], &dl);
}

static int p_domain_add(struct rctx *c, int r)
{
	return clonedev_domain_add(c->cd[r], "second", "second-secret", 0);
}

static int p_domain_delete(struct rctx *c, int r)
{
	return clonedev_domain_delete(c->cd[r], "no-such-domain");
}

static int p_domain_change(struct rctx *c, int r)
{
	return clonedev_domain_change(c->cd[r], "no-such-domain", "x", 0);
}

static int p_suites_show(struct rctx *c, int r)
{
	struct clonedev_suites s;

	return clonedev_suites(c->cd[r], 0, 0, &s);
}

static int p_suites_change(struct rctx *c, int r)
{
	struct clonedev_suites s;

	/* Enabling what is enabled: allowed or not, nothing changes. */
	return clonedev_suites(c->cd[r], CLONEDEV_SUITE_P256_AES256GCM, 0, &s);
}

static int clone_as(struct rctx *c, int r, unsigned int op)
{
	static unsigned char out[CLONEDEV_CLONE_MSG_MAX];
	static const unsigned char junk[32] = { 1 };
	struct clonedev_clone cl = {
		.op = op,
		.count = 1,
		.handles = (uintptr_t)&c->key,
		.in = (uintptr_t)junk,
		.in_len = op == CLONEDEV_CLONE_TARGET ? sizeof(junk) : 0,
		.out = (uintptr_t)out,
		.out_cap = sizeof(out),
	};
	struct clonedev_clone ab = {
		.op = CLONEDEV_CLONE_ABORT,
		.out = (uintptr_t)out,
		.out_cap = sizeof(out),
	};
	int ret;

	if (op == CLONEDEV_CLONE_TARGET)
		cl.count = 0, cl.handles = 0;
	ret = clonedev_clone_op(c->cd[r], &cl);
	clonedev_clone_op(c->cd[r], &ab);
	return ret;
}

static int p_clone_source(struct rctx *c, int r)
{
	return clone_as(c, r, CLONEDEV_CLONE_SOURCE);
}

static int p_clone_target(struct rctx *c, int r)
{
	return clone_as(c, r, CLONEDEV_CLONE_TARGET);
}

/* Ends archive @id of @cd, storing nothing. */
static void archive_abort(struct clonedev *cd, unsigned int id)
{
	struct clonedev_archive_finish f = {
		.flags = CLONEDEV_ARCHIVE_ABORT,
		.id = id,
	};

	clonedev_archive_finish(cd, &f);
}

/* Opens a backup archive of @cd's partition; its header into @hdr. */
static int archive_backup_open(struct clonedev *cd, unsigned char *hdr,
			       unsigned int *id)
{
	struct clonedev_archive_open o = {
		.mode = CLONEDEV_ARCHIVE_BACKUP,
		.out = (uintptr_t)hdr,
		.out_cap = CLONEDEV_ARCHIVE_HEADER_LEN,
	};
	int ret = clonedev_archive_open(cd, &o);

	*id = o.id;
	return ret;
}

static int p_archive_backup(struct rctx *c, int r)
{
	unsigned char hdr[CLONEDEV_ARCHIVE_HEADER_LEN];
	unsigned int id;
	int ret = archive_backup_open(c->cd[r], hdr, &id);

	if (!ret)
		archive_abort(c->cd[r], id);
	return ret;
}

/* A restore opened with the header of an archive the co began. */
static int p_archive_restore(struct rctx *c, int r)
{
	unsigned char hdr[CLONEDEV_ARCHIVE_HEADER_LEN];
	struct clonedev_archive_open o = {
		.mode = CLONEDEV_ARCHIVE_RESTORE,
		.in = (uintptr_t)hdr,
		.in_len = sizeof(hdr),
	};
	unsigned int id;
	int ret;

	if (archive_backup_open(c->cd[R_CO], hdr, &id))
		return -EIO;
	archive_abort(c->cd[R_CO], id);
	ret = clonedev_archive_open(c->cd[r], &o);
	if (!ret)
		archive_abort(c->cd[r], o.id);
	return ret;
}

static int p_crypt(struct rctx *c, int r)
{
	struct clonedev_crypt_params p = {
		.mech = CLONEDEV_MECH_AES_GCM, .iv_len = 12, .tag_len = 16,
	};
	unsigned char out[64];
	size_t len;

	return clonedev_encrypt(c->cd[r], c->key, &p, "plaintext", 9, out,
				sizeof(out), &len);
}

static int p_derive(struct rctx *c, int r)
{
	struct clonedev_key_template t = {
		.key_type = CLONEDEV_KEY_AES, .bits = 256, .label = "probe",
	};
	unsigned char peer[65] = { 4 };
	unsigned int h;

	return undo(c, clonedev_derive(c->cd[r], CLONEDEV_MECH_ECDH, c->key,
				       peer, sizeof(peer), &t, &h), &h);
}

static int p_wrap(struct rctx *c, int r)
{
	unsigned char out[64];
	size_t len;

	return clonedev_wrap(c->cd[r], CLONEDEV_MECH_AES_KWP, c->key, c->key,
			     out, sizeof(out), &len);
}

static int p_unwrap(struct rctx *c, int r)
{
	struct clonedev_key_template t = {
		.key_type = CLONEDEV_KEY_AES, .bits = 256, .label = "probe",
	};
	unsigned char junk[40] = { 1 };
	unsigned int h;

	return undo(c, clonedev_unwrap(c->cd[r], CLONEDEV_MECH_AES_KWP, c->key,
				       junk, sizeof(junk), &t, &h), &h);
}

static int p_random(struct rctx *c, int r)
{
	unsigned char buf[16];

	return clonedev_random(c->cd[r], buf, sizeof(buf));
}

/* A new session takes this one's login; it is closed after. */
static int p_login_share(struct rctx *c, int r)
{
	struct clonedev *cd;
	int ret = clonedev_open(&cd);

	if (ret)
		return ret;
	ret = clonedev_login_share(cd, c->cd[r]);
	clonedev_close(cd);
	return ret;
}

static int p_logout(struct rctx *c, int r)
{
	return clonedev_logout(c->cd[r]);
}

/* After the logout row every session is role none again. */
static int p_login(struct rctx *c, int r)
{
	return clonedev_login(c->cd[r], r == R_NONE ? CLONEDEV_ROLE_CU : r,
			      role_pw[r == R_NONE ? R_CU : r]);
}

static int p_slot_set(struct rctx *c, int r)
{
	struct clonedev_session_info si;
	int ret = clonedev_session_info(c->cd[r], &si);

	return ret ?: clonedev_slot_set(c->cd[r], si.slot);
}

struct role_probe {
	const char *op;
	int (*run)(struct rctx *c, int r);
	int expect[NROLES];	/* none, po, co, cu */
};

/* In this order: the last three rows log out, log in and reset. */
static const struct role_probe role_probes[] = {
	{ "HSM_INFO", p_hsm_info, { 0, 0, 0, 0 } },
	{ "SESSION_INFO", p_session_info, { 0, 0, 0, 0 } },
	{ "PARTITION_INIT (initialized partition; quorum args: EINVAL once allowed)",
	  p_partition_init, { EACCES, EINVAL, EACCES, EACCES } },
	{ "ROLE_INIT co (quorum args: EINVAL once allowed)",
	  p_role_init_co, { EACCES, EINVAL, EACCES, EACCES } },
	{ "ROLE_INIT cu (quorum args: EINVAL once allowed)",
	  p_role_init_cu, { EACCES, EACCES, EINVAL, EACCES } },
	{ "ROLE_CHANGEPW (own password, unchanged)",
	  p_changepw, { EACCES, 0, 0, 0 } },
	{ "ROLE_CHALLENGE co (password partition: EINVAL once allowed)",
	  p_challenge_co, { EACCES, EINVAL, EACCES, EACCES } },
	{ "ROLE_CHALLENGE cu (password partition: EINVAL once allowed)",
	  p_challenge_cu, { EACCES, EACCES, EINVAL, EACCES } },
	{ "ACTIVATION off (password partition: EINVAL once allowed)",
	  p_activation, { EACCES, EINVAL, EINVAL, EACCES } },
	{ "POLICY_GET", p_policy_get, { 0, 0, 0, 0 } },
	{ "POLICY_SET (policy 20 to its value)",
	  p_policy_set, { EACCES, 0, EACCES, EACCES } },
	{ "OBJECT_GENERATE (private AES key)",
	  p_generate, { EACCES, EACCES, 0, EACCES } },
	{ "OBJECT_CREATE (public data)",
	  p_create_public, { EACCES, EACCES, 0, 0 } },
	{ "OBJECT_CREATE (private data)",
	  p_create_private, { EACCES, EACCES, 0, EACCES } },
	{ "OBJECT_IMPORT (private AES key)",
	  p_import, { EACCES, EACCES, 0, EACCES } },
	{ "OBJECT_DESTROY (public data)",
	  p_destroy_public, { EACCES, EACCES, 0, 0 } },
	{ "OBJECT_DESTROY (private data)",
	  p_destroy_private, { EACCES, EACCES, 0, EACCES } },
	{ "OBJECT_SET_ATTRS (public data)",
	  p_set_attrs_public, { EACCES, EACCES, 0, 0 } },
	{ "OBJECT_SET_ATTRS (private data)",
	  p_set_attrs_private, { EACCES, EACCES, 0, EACCES } },
	{ "OBJECT_GET (private key)", p_object_get, { EACCES, EACCES, 0, 0 } },
	{ "OBJECT_GET public value (AES key: EINVAL once allowed)",
	  p_object_public, { EACCES, EACCES, EINVAL, EINVAL } },
	{ "OBJECT_LIST (public objects only without co or cu)", p_object_list,
	  { 0, 0, 0, 0 } },
	{ "OBJECT_FIND (public objects only without co or cu)", p_object_find,
	  { 0, 0, 0, 0 } },
	{ "DOMAIN_LIST", p_domain_list, { EACCES, 0, EACCES, EACCES } },
	{ "DOMAIN_ADD (policy 44 off: EPERM once allowed)",
	  p_domain_add, { EACCES, EPERM, EACCES, EACCES } },
	{ "DOMAIN_DELETE (unknown label: ENOENT once allowed)",
	  p_domain_delete, { EACCES, ENOENT, EACCES, EACCES } },
	{ "DOMAIN_CHANGE (unknown label: ENOENT once allowed)",
	  p_domain_change, { EACCES, ENOENT, EACCES, EACCES } },
	{ "SUITES (show)", p_suites_show, { 0, 0, 0, 0 } },
	{ "SUITES (change)", p_suites_change, { EACCES, 0, EACCES, EACCES } },
	{ "CLONE SOURCE (starting; a cu's private objects are then refused one by one)",
	  p_clone_source, { EACCES, EACCES, 0, 0 } },
	{ "CLONE TARGET", p_clone_target, { EACCES, EACCES, 0, EACCES } },
	{ "ARCHIVE_OPEN backup (the cu's: public objects only)",
	  p_archive_backup, { EACCES, EACCES, 0, 0 } },
	{ "ARCHIVE_OPEN restore", p_archive_restore, { EACCES, EACCES, 0, EACCES } },
	{ "CRYPT (AES-GCM encrypt)", p_crypt, { EACCES, EACCES, 0, 0 } },
	{ "DERIVE (ECDH from an AES key: EOPNOTSUPP once allowed)",
	  p_derive, { EACCES, EACCES, EOPNOTSUPP, EACCES } },
	{ "WRAP (non-extractable key: EPERM once allowed)",
	  p_wrap, { EACCES, EACCES, EPERM, EACCES } },
	{ "UNWRAP (garbage: EBADMSG once allowed)",
	  p_unwrap, { EACCES, EACCES, EBADMSG, EACCES } },
	{ "RANDOM", p_random, { EACCES, EACCES, 0, 0 } },
	{ "LOGIN SHARE (a new session takes this one's login)",
	  p_login_share, { EACCES, 0, 0, 0 } },
	{ "LOGOUT", p_logout, { EACCES, 0, 0, 0 } },
	{ "LOGIN (the role's secret; none's session as cu)",
	  p_login, { 0, 0, 0, 0 } },
	{ "SLOT_SET (the same slot)", p_slot_set, { 0, 0, 0, 0 } },
};

/* ---- identities: processes forked with fewer privileges ---- */

enum { I_ROOT, I_NETADMIN, I_USER, I_NOACCESS, NIDS };

struct ictx {
	struct clonedev *co;	/* a co session, opened by root and inherited */
	unsigned int slot;	/* an initialized partition */
	unsigned int fresh;	/* an uninitialized quorum partition */
	unsigned int made;	/* the partition the create probe made */
};

static int with_session(struct ictx *c, unsigned int slot,
			int (*fn)(struct clonedev *cd, struct ictx *c))
{
	struct clonedev *cd;
	int ret = clonedev_open(&cd);

	if (ret)
		return ret;
	ret = slot ? clonedev_slot_set(cd, slot) : 0;
	if (!ret && fn)
		ret = fn(cd, c);
	clonedev_close(cd);
	return ret;
}

static int do_hsm_info(struct clonedev *cd, struct ictx *c)
{
	struct clonedev_hsm_info i;

	return clonedev_hsm_info(cd, &i);
}

static int do_init(struct clonedev *cd, struct ictx *c)
{
	return clonedev_partition_init(cd, NULL, "pw-secret", "dom-secret",
				       "dom");
}

static int i_open(struct ictx *c)
{
	return with_session(c, 0, NULL);
}

static int i_hsm_info(struct ictx *c)
{
	return with_session(c, 0, do_hsm_info);
}

static int i_slot_set(struct ictx *c)
{
	return with_session(c, c->slot, NULL);
}

static int i_partition_init(struct ictx *c)
{
	return with_session(c, c->fresh, do_init);
}

static int i_handed_session(struct ictx *c)
{
	unsigned int *h = NULL;
	int n = clonedev_object_list(c->co, &h);

	free(h);
	return n < 0 ? n : 0;
}

static int with_nl(struct ictx *c,
		   int (*fn)(struct clonedev_nl *nl, struct ictx *c))
{
	struct clonedev_nl *nl;
	int ret = clonedev_nl_open(&nl);

	if (ret)
		return ret;
	ret = fn(nl, c);
	clonedev_nl_close(nl);
	return ret;
}

static int do_hsm_get(struct clonedev_nl *nl, struct ictx *c)
{
	struct clonedev_hsm_info i;

	return clonedev_nl_hsm_get(nl, &i);
}

static int do_slot_get(struct clonedev_nl *nl, struct ictx *c)
{
	struct clonedev_slot s;

	return clonedev_nl_slot_get(nl, c->slot, &s);
}

static int do_slot_dump(struct clonedev_nl *nl, struct ictx *c)
{
	struct clonedev_slot *s = NULL;
	int n = clonedev_nl_slot_list(nl, &s);

	free(s);
	return n < 0 ? n : 0;
}

static int do_create(struct clonedev_nl *nl, struct ictx *c)
{
	struct clonedev_slot s;
	int ret = clonedev_nl_partition_create(nl, "made-by-probe", 0, 0, 0,
					       &s);

	if (!ret)
		c->made = s.slot;
	return ret;
}

/* Root deletes what it made; the others try the initialized partition. */
static int do_delete(struct clonedev_nl *nl, struct ictx *c)
{
	return clonedev_nl_partition_delete(nl, c->made ?: c->slot);
}

static int i_hsm_get(struct ictx *c)
{
	return with_nl(c, do_hsm_get);
}

static int i_slot_get(struct ictx *c)
{
	return with_nl(c, do_slot_get);
}

static int i_slot_dump(struct ictx *c)
{
	return with_nl(c, do_slot_dump);
}

static int i_create(struct ictx *c)
{
	return with_nl(c, do_create);
}

static int i_delete(struct ictx *c)
{
	return with_nl(c, do_delete);
}

struct id_probe {
	const char *op;
	int (*run)(struct ictx *c);
	int expect[NIDS];	/* root, CAP_NET_ADMIN only, user, no access */
};

static const struct id_probe id_probes[] = {
	{ "open /dev/clonedev", i_open, { 0, 0, 0, EACCES } },
	{ "ioctl HSM_INFO (own session)", i_hsm_info, { 0, 0, 0, EACCES } },
	{ "ioctl SLOT_SET (own session)", i_slot_set, { 0, 0, 0, EACCES } },
	{ "ioctl PARTITION_INIT, new partition (quorum; password args: EINVAL once allowed)",
	  i_partition_init, { EINVAL, EACCES, EACCES, EACCES } },
	{ "ioctl OBJECT_LIST on a co session it was handed",
	  i_handed_session, { 0, 0, 0, 0 } },
	{ "netlink HSM_GET", i_hsm_get, { 0, 0, 0, 0 } },
	{ "netlink SLOT_GET (one slot)", i_slot_get, { 0, 0, 0, 0 } },
	{ "netlink SLOT_GET (dump)", i_slot_dump, { 0, 0, 0, 0 } },
	{ "netlink PARTITION_CREATE", i_create, { 0, EPERM, EPERM, EPERM } },
	{ "netlink PARTITION_DELETE", i_delete, { 0, EPERM, EPERM, EPERM } },
};

/* In a child: gives up what identity @who does not have. */
static int become(int who)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2] = {};
	gid_t group = DEV_GROUP;

	switch (who) {
	case I_NETADMIN:
		d[0].effective = 1U << CAP_NET_ADMIN;
		d[0].permitted = 1U << CAP_NET_ADMIN;
		return syscall(SYS_capset, &h, d);
	case I_USER:
		return setgroups(1, &group) || setgid(NOBODY) ||
		       setuid(NOBODY);
	case I_NOACCESS:
		return setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY);
	}
	return 0;
}

/* Runs every identity probe as @who in a child; cells[] gets the errnos. */
static int run_as(int who, struct ictx *c, int *cells)
{
	size_t n = ARRAY_SIZE(id_probes);
	int fds[2], status;
	size_t i;
	pid_t pid;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(fds[0]);
		if (become(who))
			_exit(2);
		for (i = 0; i < n; i++)
			cells[i] = cell(id_probes[i].run(c));
		_exit(write(fds[1], cells, n * sizeof(*cells)) ==
		      (ssize_t)(n * sizeof(*cells)) ? 0 : 3);
	}
	close(fds[1]);
	if (read(fds[0], cells, n * sizeof(*cells)) !=
	    (ssize_t)(n * sizeof(*cells)))
		status = -1;
	else if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		status = -1;
	close(fds[0]);
	return status;
}

/* ---- what must not change ---- */

struct state {
	char slots[4096];
	int objects;
	unsigned int domains;
	struct clonedev_policy_get policies;
};

static void snapshot(struct __test_metadata *_metadata,
		     struct clonedev_nl *nl, struct clonedev *co,
		     struct clonedev *po, struct state *st)
{
	struct clonedev_slot *s = NULL;
	struct clonedev_domain_list dl;
	size_t off = 0;
	int i, n;

	memset(st, 0, sizeof(*st));
	n = clonedev_nl_slot_list(nl, &s);
	ASSERT_LE(0, n);
	for (i = 0; i < n; i++)
		off += snprintf(st->slots + off, sizeof(st->slots) - off,
				"%u %s %llu %u %u;", s[i].slot, s[i].label,
				(unsigned long long)s[i].serial, s[i].state,
				s[i].object_count);
	free(s);
	st->objects = count_objects(co);
	ASSERT_EQ(0, clonedev_domain_list(po, &dl));
	st->domains = dl.count;
	ASSERT_EQ(0, clonedev_policy_get(po, &st->policies));
}

static void expect_same(struct __test_metadata *_metadata,
			const struct state *a, const struct state *b)
{
	EXPECT_STREQ(a->slots, b->slots);
	EXPECT_EQ(a->objects, b->objects);
	EXPECT_EQ(a->domains, b->domains);
	EXPECT_EQ(0, memcmp(&a->policies, &b->policies, sizeof(a->policies)));
}

FIXTURE(priv)
{
	struct clonedev_nl *nl;
	struct rctx r;
	unsigned int slot;
};

FIXTURE_SETUP(priv)
{
	unsigned int h;
	int i;

	ASSERT_EQ(0, clonedev_nl_open(&self->nl));
	delete_all_partitions(_metadata, self->nl);
	/* setup_partition leaves its session logged in as co. */
	setup_partition(_metadata, self->nl, "priv", &self->r.cd[R_CO],
			&self->slot);
	ASSERT_EQ(0, clonedev_object_generate(self->r.cd[R_CO],
					      CLONEDEV_KEY_AES, 256,
					      CLONEDEV_OBJ_PRIVATE |
					      CLONEDEV_OBJ_SENSITIVE |
					      CLONEDEV_OBJ_ENCRYPT |
					      CLONEDEV_OBJ_DECRYPT |
					      CLONEDEV_OBJ_WRAP |
					      CLONEDEV_OBJ_UNWRAP |
					      CLONEDEV_OBJ_DERIVE,
					      "key", NULL, 0, &self->r.key));
	ASSERT_EQ(0, clonedev_object_create(self->r.cd[R_CO], 0, "data", NULL,
					    0, "public", 6, &h));
	for (i = 0; i < NROLES; i++) {
		if (i == R_CO)
			continue;
		ASSERT_EQ(0, clonedev_open_login(&self->r.cd[i], self->slot,
						 i, i == R_NONE ? NULL :
						 role_pw[i]));
	}
}

FIXTURE_TEARDOWN(priv)
{
	int i;

	for (i = 0; i < NROLES; i++)
		if (self->r.cd[i])
			clonedev_close(self->r.cd[i]);
	delete_all_partitions(_metadata, self->nl);
	clonedev_nl_close(self->nl);
}

/*
 * Every ioctl from a session of each role; the row's probe is built so
 * that an allowed request changes nothing either.
 */
TEST_F_TIMEOUT(priv, roles, 300)
{
	struct state before, after;
	size_t i;
	int r;

	snapshot(_metadata, self->nl, self->r.cd[R_CO], self->r.cd[R_PO],
		 &before);
	printf("# | ioctl (probe) | none | po | co | cu |\n");
	printf("# |---|---|---|---|---|\n");
	for (i = 0; i < ARRAY_SIZE(role_probes); i++) {
		const struct role_probe *p = &role_probes[i];
		int got[NROLES];

		for (r = 0; r < NROLES; r++)
			got[r] = cell(p->run(&self->r, r));
		printf("# | %s |", p->op);
		for (r = 0; r < NROLES; r++) {
			printf(" %s%s", errname(p->expect[r]),
			       got[r] == p->expect[r] ? "" : " **MISMATCH**");
			printf("%s |", got[r] == p->expect[r] ? "" :
			       errname(got[r]));
		}
		printf("\n");
		for (r = 0; r < NROLES; r++) {
			EXPECT_EQ(p->expect[r], got[r]) {
				TH_LOG("%s as %d", p->op, r);
			}
		}
	}
	/* The last rows left po, co and cu logged in again. */
	ASSERT_EQ(0, clonedev_login(self->r.cd[R_PO], CLONEDEV_ROLE_PO,
				    TEST_PO));
	ASSERT_EQ(0, clonedev_login(self->r.cd[R_CO], CLONEDEV_ROLE_CO,
				    TEST_CO));
	snapshot(_metadata, self->nl, self->r.cd[R_CO], self->r.cd[R_PO],
		 &after);
	expect_same(_metadata, &before, &after);
}

/*
 * Opening the device and every netlink command, by root, by root with
 * only CAP_NET_ADMIN, by uid 65534 in the device's group and not in it.
 */
TEST_F_TIMEOUT(priv, identities, 120)
{
	const char *who[NIDS] = {
		"root", "CAP_NET_ADMIN only", "user, device group",
		"user, no access",
	};
	struct state before, after;
	struct clonedev_slot q;
	struct ictx c = { .co = self->r.cd[R_CO], .slot = self->slot };
	int got[NIDS][ARRAY_SIZE(id_probes)];
	size_t i;
	int w;

	ASSERT_EQ(0, clonedev_nl_partition_create(self->nl, "fresh",
						  CLONEDEV_AUTH_QUORUM, 0, 0,
						  &q));
	c.fresh = q.slot;
	ASSERT_EQ(0, chown(CLONEDEV_DEVICE_PATH, 0, DEV_GROUP));
	snapshot(_metadata, self->nl, self->r.cd[R_CO], self->r.cd[R_PO],
		 &before);
	/* The unprivileged first, so root's create and delete come last. */
	for (i = 0; i < NIDS; i++) {
		w = NIDS - 1 - i;
		ASSERT_EQ(0, run_as(w, &c, got[w])) {
			TH_LOG("as %s", who[w]);
		}
	}
	snapshot(_metadata, self->nl, self->r.cd[R_CO], self->r.cd[R_PO],
		 &after);
	EXPECT_EQ(0, chown(CLONEDEV_DEVICE_PATH, 0, 0));
	expect_same(_metadata, &before, &after);

	printf("# | request | %s | %s | %s | %s |\n", who[0], who[1], who[2],
	       who[3]);
	printf("# |---|---|---|---|---|\n");
	for (i = 0; i < ARRAY_SIZE(id_probes); i++) {
		printf("# | %s |", id_probes[i].op);
		for (w = 0; w < NIDS; w++) {
			int e = id_probes[i].expect[w];

			printf(" %s%s%s |", errname(e),
			       got[w][i] == e ? "" : " **MISMATCH**",
			       got[w][i] == e ? "" : errname(got[w][i]));
		}
		printf("\n");
		for (w = 0; w < NIDS; w++) {
			EXPECT_EQ(id_probes[i].expect[w], got[w][i]) {
				TH_LOG("%s as %s", id_probes[i].op, who[w]);
			}
		}
	}
}

TEST_HARNESS_MAIN
