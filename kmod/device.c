// SPDX-License-Identifier: GPL-2.0
/*
 * The session plane: /dev/clonedev. Each open file is a session; every
 * request is an ioctl whose argument starts with __u32 size, __u32 flags
 * (uapi/linux/clonedev.h states the rules and errno contract). One table
 * holds every request's handler, sizes, flags and reserved fields; the
 * session's own requests (SESSION_INFO, SLOT_SET) are here too.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "archive.h"
#include "clone.h"
#include "device.h"
#include "domain.h"
#include "hsm.h"
#include "object.h"
#include "ops.h"
#include "partition.h"
#include "ped.h"
#include "role.h"
#include "session.h"
#include "store.h"

/* One request as it travels through the dispatcher. */
struct ucmd {
	void __user *ubuf;
	u32 user_size;
	void *cmd;
};

union ucmd_buffer {
	struct clonedev_hsm_info hsm_info;
	struct clonedev_session_info session_info;
	struct clonedev_slot_set slot_set;
	struct clonedev_partition_init partition_init;
	struct clonedev_login login;
	struct clonedev_logout logout;
	struct clonedev_role_init role_init;
	struct clonedev_role_changepw changepw;
	struct clonedev_policy_get policy_get;
	struct clonedev_policy_set policy_set;
	struct clonedev_object_generate object_generate;
	struct clonedev_object_create object_create;
	struct clonedev_object_destroy object_destroy;
	struct clonedev_object_get object_get;
	struct clonedev_object_list object_list;
	struct clonedev_object_import object_import;
	struct clonedev_object_find object_find;
	struct clonedev_domain_list domain_list;
	struct clonedev_domain_add domain_add;
	struct clonedev_domain_delete domain_delete;
	struct clonedev_domain_change domain_change;
	struct clonedev_role_challenge role_challenge;
	struct clonedev_activation activation;
	struct clonedev_suites suites;
	struct clonedev_clone clone;
	struct clonedev_crypt crypt;
	struct clonedev_derive derive;
	struct clonedev_wrap wrap;
	struct clonedev_unwrap unwrap;
	struct clonedev_random random;
	struct clonedev_ped ped;
	struct clonedev_archive_open archive_open;
	struct clonedev_archive_next archive_next;
	struct clonedev_archive_finish archive_finish;
	struct clonedev_object_set_attrs object_set_attrs;
};

static const struct file_operations cld_fops;

/*
 * An ioctl's handler works on the kernel copy of its struct; when it
 * returns 0 or -EMSGSIZE the struct is copied back (at most user_size
 * bytes).
 */
/* A reserved field of a request: it must be zero. */
struct ioctl_rsv {
	u16 off;
	u16 len;
};

struct ioctl_op {
	unsigned int size;
	unsigned int min_size;
	unsigned int ioctl_num;
	u32 flags;			/* the flags the request takes */
	struct ioctl_rsv rsv[3];	/* its reserved fields */
	bool not_backup;		/* refused on a backup partition */
	int (*execute)(struct cld_session *s, void *cmd);
};

/* The header every request starts with. */
struct ioctl_hdr {
	u32 size;
	u32 flags;
};

static int hsm_info(struct cld_session *s, void *arg)
{
	cld_partition_hsm_info(arg);
	return 0;
}

static int session_info(struct cld_session *s, void *arg)
{
	struct clonedev_session_info *cmd = arg;
	struct cld_partition *p;
	u32 r;

	mutex_lock(&s->lock);
	mutex_lock(&cld_hsm.lock);
	p = cld_session_partition(s);
	cmd->slot = s->slot;
	if (p) {
		cmd->role = cld_session_logged_in(s, p) ? s->role : CLONEDEV_ROLE_NONE;
		cmd->state = p->state;
		for (r = CLONEDEV_ROLE_PO; r <= CLONEDEV_ROLE_CU; r++) {
			cmd->roles[r].role_flags = p->roles[r].flags &
				(CLONEDEV_ROLE_SET | CLONEDEV_ROLE_LOCKED);
			if (cld_role_locked(p, r))
				cmd->roles[r].role_flags |= CLONEDEV_ROLE_LOCKED;
			if (p->challenges[r].flags & CLONEDEV_ROLE_SET)
				cmd->roles[r].role_flags |=
					CLONEDEV_ROLE_CHALLENGE;
			if (p->cache[r])
				cmd->roles[r].role_flags |= CLONEDEV_ROLE_CACHED;
			cmd->roles[r].failures = p->roles[r].failures;
		}
		cmd->activated = p->activated;
	}
	mutex_unlock(&cld_hsm.lock);
	mutex_unlock(&s->lock);
	return s->slot && !p ? -ENODEV : 0;
}

/* A partition init, through the remote PED (kmod/ped.c) or not. */
static int partition_init(struct cld_session *s, void *arg)
{
	const struct clonedev_partition_init *cmd = arg;

	return cmd->flags & CLONEDEV_PARTITION_INIT_PED ?
	       cld_ped_partition_init(s, arg) : cld_partition_init(s, arg);
}

/*
 * A login, or with CLONEDEV_LOGIN_SHARE the login of another session of
 * this device: the caller's file at @from_fd, held while it is read.
 */
static int login(struct cld_session *s, void *arg)
{
	const struct clonedev_login *cmd = arg;
	struct cld_session *from;
	struct file *f;
	int ret;

	if (!(cmd->flags & CLONEDEV_LOGIN_SHARE))
		return cmd->from_fd ? -EINVAL : cld_role_login(s, arg);
	if ((cmd->flags & CLONEDEV_LOGIN_PED) || cmd->role ||
	    cmd->secret_len || cmd->secret || cmd->share_count || cmd->shares)
		return -EINVAL;
	f = fget(cmd->from_fd);
	if (!f)
		return -EBADF;
	from = f->f_op == &cld_fops ? f->private_data : NULL;
	if (!from || from == s)
		ret = -EINVAL;
	else
		ret = cld_role_login_share(s, from);
	fput(f);
	return ret;
}

/* Selecting a slot ends the session's login and drops its keys. */
static int slot_set(struct cld_session *s, void *arg)
{
	struct clonedev_slot_set *cmd = arg;
	struct cld_partition *p;
	int ret = 0;

	mutex_lock(&s->lock);
	mutex_lock(&cld_hsm.lock);
	p = xa_load(&cld_hsm.partitions, cmd->slot);
	if (p) {
		s->slot = p->slot;
		s->serial = p->serial;
		s->role = CLONEDEV_ROLE_NONE;
		cld_ops_forget(s);
		cld_ped_end(s);
	} else {
		ret = -ENODEV;
	}
	mutex_unlock(&cld_hsm.lock);
	mutex_unlock(&s->lock);
	return ret;
}

/* The reserved fields of struct clonedev_@_st: __reserved, 2 and 3. */
#define RSV(_st)							\
	{ offsetof(struct clonedev_##_st, __reserved),			\
	  sizeof_field(struct clonedev_##_st, __reserved) }
#define RSV2(_st)							\
	{ offsetof(struct clonedev_##_st, __reserved2),			\
	  sizeof_field(struct clonedev_##_st, __reserved2) }
#define RSV3(_st)							\
	{ offsetof(struct clonedev_##_st, __reserved3),			\
	  sizeof_field(struct clonedev_##_st, __reserved3) }

/*
 * Request CLONEDEV_CMD_@_nr: its handler, struct clonedev_@_st, the last
 * field of its first version, the flags it takes and its reserved fields
 * (RSV(), RSV2(), RSV3()), both checked by check_header() before the
 * handler runs: an unknown flag is -EOPNOTSUPP, a reserved field that is
 * not zero -EINVAL. IOCTL_APP_OP() is a request only an application
 * partition serves, as it makes or uses objects: check_partition_type()
 * refuses it on a backup partition (docs/backup.md).
 */
#define IOCTL_OP_FIELDS(_nr, _fn, _st, _last, _flags, ...)		\
		.size = sizeof(struct clonedev_##_st) +			\
			BUILD_BUG_ON_ZERO(sizeof(union ucmd_buffer) <	\
					  sizeof(struct clonedev_##_st)) + \
			BUILD_BUG_ON_ZERO(offsetof(struct clonedev_##_st, \
						   flags) !=		\
					  offsetof(struct ioctl_hdr,	\
						   flags)),		\
		.min_size = offsetofend(struct clonedev_##_st, _last),	\
		.ioctl_num = CLONEDEV_IOCTL_##_nr,			\
		.flags = _flags,					\
		.rsv = { __VA_ARGS__ },					\
		.execute = _fn,
#define IOCTL_OP(_nr, ...)						\
	[CLONEDEV_CMD_##_nr - CLONEDEV_CMD_BASE] = {			\
		IOCTL_OP_FIELDS(_nr, __VA_ARGS__)			\
	}
#define IOCTL_APP_OP(_nr, ...)						\
	[CLONEDEV_CMD_##_nr - CLONEDEV_CMD_BASE] = {			\
		IOCTL_OP_FIELDS(_nr, __VA_ARGS__)			\
		.not_backup = true,					\
	}

static const struct ioctl_op ioctl_ops[] = {
	IOCTL_OP(HSM_INFO, hsm_info, hsm_info, __reserved, 0,
		 RSV(hsm_info)),
	IOCTL_OP(SESSION_INFO, session_info, session_info, roles, 0,
		 RSV(session_info)),
	IOCTL_OP(SLOT_SET, slot_set, slot_set, __reserved, 0,
		 RSV(slot_set)),
	IOCTL_OP(PARTITION_INIT, partition_init, partition_init, __reserved,
		 CLONEDEV_PARTITION_INIT_PED, RSV(partition_init)),
	IOCTL_OP(LOGIN, login, login, secret,
		 CLONEDEV_LOGIN_PED | CLONEDEV_LOGIN_SHARE),
	IOCTL_OP(LOGOUT, cld_role_logout, logout, flags, 0),
	IOCTL_OP(ROLE_INIT, cld_role_init, role_init, secret,
		 CLONEDEV_ROLE_INIT_PED),
	IOCTL_OP(ROLE_CHANGEPW, cld_role_changepw, role_changepw, new_secret,
		 0),
	IOCTL_OP(POLICY_GET, cld_partition_policy_get, policy_get, entries, 0,
		 RSV(policy_get)),
	IOCTL_OP(POLICY_SET, cld_partition_policy_set, policy_set, changes,
		 CLONEDEV_POLICY_SET_FORCE, RSV(policy_set)),
	IOCTL_APP_OP(OBJECT_GENERATE, cld_object_generate, object_generate,
		     handle, 0, RSV(object_generate),
		     RSV2(object_generate)),
	IOCTL_APP_OP(OBJECT_CREATE, cld_object_create, object_create,
		     __reserved, 0, RSV(object_create)),
	IOCTL_OP(OBJECT_DESTROY, cld_object_destroy, object_destroy, __reserved,
		 0, RSV(object_destroy)),
	IOCTL_OP(OBJECT_GET, cld_object_get, object_get, attrs,
		 CLONEDEV_OBJECT_GET_PUBLIC),
	IOCTL_OP(OBJECT_LIST, cld_object_list, object_list, handles,
		 CLONEDEV_LIST_ATTRS, RSV(object_list)),
	IOCTL_APP_OP(OBJECT_IMPORT, cld_object_import, object_import,
		     __reserved2, 0, RSV(object_import),
		     RSV2(object_import)),
	IOCTL_OP(OBJECT_FIND, cld_object_find, object_find, __reserved,
		 CLONEDEV_FIND_LABEL | CLONEDEV_FIND_ID,
		 RSV(object_find)),
	IOCTL_OP(DOMAIN_LIST, cld_domain_list, domain_list, domains, 0,
		 RSV(domain_list)),
	IOCTL_OP(DOMAIN_ADD, cld_domain_add, domain_add, __reserved2,
		 CLONEDEV_DOMAIN_PRIMARY | CLONEDEV_DOMAIN_ADD_PED,
		 RSV(domain_add),
		 RSV2(domain_add), RSV3(domain_add)),
	IOCTL_OP(DOMAIN_DELETE, cld_domain_delete, domain_delete, __reserved, 0,
		 RSV(domain_delete)),
	IOCTL_OP(DOMAIN_CHANGE, cld_domain_change, domain_change, __reserved,
		 CLONEDEV_DOMAIN_PRIMARY, RSV(domain_change)),
	IOCTL_OP(ROLE_CHALLENGE, cld_role_challenge, role_challenge, secret, 0),
	IOCTL_OP(ACTIVATION, cld_role_activation, activation, __reserved, 0,
		 RSV(activation)),
	IOCTL_OP(SUITES, cld_partition_suites, suites, disable, 0),
	IOCTL_OP(CLONE, cld_clone_run, clone, __reserved,
		 CLONEDEV_CLONE_REPLACE, RSV(clone)),
	IOCTL_APP_OP(CRYPT, cld_crypt_run, crypt, __reserved,
		     CLONEDEV_CRYPT_GEN_IV | CLONEDEV_CRYPT_PREHASHED,
		     RSV(crypt)),
	IOCTL_APP_OP(DERIVE, cld_keyops_derive, derive, __reserved, 0,
		     RSV(derive)),
	IOCTL_APP_OP(WRAP, cld_keyops_wrap, wrap, __reserved, 0,
		     RSV(wrap)),
	IOCTL_APP_OP(UNWRAP, cld_keyops_unwrap, unwrap, __reserved, 0,
		     RSV(unwrap)),
	IOCTL_APP_OP(RANDOM, cld_keyops_random, random, out, 0,
		     RSV(random)),
	IOCTL_OP(PED, cld_ped_run, ped, __reserved2, 0,
		 RSV(ped), RSV2(ped)),
	IOCTL_OP(ARCHIVE_OPEN, cld_archive_open, archive_open, serial, 0,
		 RSV(archive_open), RSV2(archive_open)),
	IOCTL_OP(ARCHIVE_NEXT, cld_archive_next, archive_next, __reserved, 0,
		 RSV(archive_next)),
	IOCTL_OP(ARCHIVE_FINISH, cld_archive_finish, archive_finish,
		 __reserved, CLONEDEV_ARCHIVE_ABORT, RSV(archive_finish)),
	IOCTL_APP_OP(OBJECT_SET_ATTRS, cld_object_set_attrs,
		     object_set_attrs, id,
		     CLONEDEV_SET_LABEL | CLONEDEV_SET_ID | CLONEDEV_SET_FLAGS,
		     RSV(object_set_attrs)),
};

/* The flags and reserved fields of @cmd against its table entry. */
static int check_header(const struct ioctl_op *op, const void *cmd)
{
	const struct ioctl_hdr *hdr = cmd;
	size_t i;

	if (hdr->flags & ~op->flags)
		return -EOPNOTSUPP;
	for (i = 0; i < ARRAY_SIZE(op->rsv) && op->rsv[i].len; i++)
		if (memchr_inv(cmd + op->rsv[i].off, 0, op->rsv[i].len))
			return -EINVAL;
	return 0;
}

/*
 * -EMEDIUMTYPE if @op makes or uses objects and the session's partition
 * is a backup partition, whoever is logged in. A partition's type never
 * changes, so the answer holds while the handler runs; without a
 * partition the handler gives its own error.
 */
static int check_partition_type(const struct ioctl_op *op,
				struct cld_session *s)
{
	struct cld_partition *p;
	bool backup;

	if (!op->not_backup)
		return 0;
	mutex_lock(&s->lock);
	mutex_lock(&cld_hsm.lock);
	p = cld_session_partition(s);
	backup = p && cld_partition_is_backup(p);
	mutex_unlock(&cld_hsm.lock);
	mutex_unlock(&s->lock);
	return backup ? -EMEDIUMTYPE : 0;
}

static long cld_fops_ioctl(struct file *filp, unsigned int cmd,
			   unsigned long arg)
{
	const struct ioctl_op *op;
	union ucmd_buffer buf;
	struct ucmd ucmd = {};
	unsigned int nr;
	int ret;

	nr = _IOC_NR(cmd);
	if (_IOC_TYPE(cmd) != CLONEDEV_IOCTL_TYPE ||
	    nr < CLONEDEV_CMD_BASE ||
	    nr - CLONEDEV_CMD_BASE >= ARRAY_SIZE(ioctl_ops))
		return -ENOTTY;
	op = &ioctl_ops[nr - CLONEDEV_CMD_BASE];
	if (op->ioctl_num != cmd)
		return -ENOTTY;

	ucmd.ubuf = (void __user *)arg;
	ret = get_user(ucmd.user_size, (u32 __user *)ucmd.ubuf);
	if (ret)
		return ret;
	if (ucmd.user_size < op->min_size)
		return -EINVAL;

	ucmd.cmd = &buf;
	ret = copy_struct_from_user(ucmd.cmd, op->size, ucmd.ubuf,
				    ucmd.user_size);
	if (ret)
		return ret;
	ret = check_header(op, ucmd.cmd);
	if (!ret)
		ret = check_partition_type(op, filp->private_data);
	if (ret)
		goto out;
	ret = op->execute(filp->private_data, ucmd.cmd);
	cld_store_compact_idle();
	/* -EMSGSIZE comes back with the length that would fit. */
	if ((!ret || ret == -EMSGSIZE) &&
	    copy_to_user(ucmd.ubuf, ucmd.cmd,
			 min_t(size_t, ucmd.user_size, op->size)))
		ret = -EFAULT;
out:
	memzero_explicit(&buf, sizeof(buf));
	return ret;
}

static int cld_fops_open(struct inode *inode, struct file *filp)
{
	struct cld_session *s = cld_session_alloc();

	if (!s)
		return -ENOMEM;
	filp->private_data = s;
	return 0;
}

static int cld_fops_release(struct inode *inode, struct file *filp)
{
	struct cld_session *s = filp->private_data;

	cld_clone_free(s->clone);
	cld_archive_release(s);
	cld_ops_free(s->ops);
	cld_ped_free(s->ped);
	cld_session_free(s);
	return 0;
}

static const struct file_operations cld_fops = {
	.owner = THIS_MODULE,
	.open = cld_fops_open,
	.release = cld_fops_release,
	.unlocked_ioctl = cld_fops_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice cld_misc = {
	.minor = CLONEDEV_MISC_MINOR,
	.name = CLONEDEV_DEVICE_NAME,
	.fops = &cld_fops,
	.mode = 0660,
};

int cld_device_init(void)
{
	return misc_register(&cld_misc);
}

void cld_device_uninit(void)
{
	misc_deregister(&cld_misc);
}
