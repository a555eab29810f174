// SPDX-License-Identifier: GPL-2.0
/*
 * The session plane: /dev/clonedev. Each open file is a session; every
 * request is an ioctl whose argument starts with __u32 size, __u32 flags
 * (uapi/linux/clonedev.h states the rules and errno contract).
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "clone.h"
#include "device.h"
#include "domain.h"
#include "hsm.h"
#include "object.h"
#include "ops.h"
#include "policy.h"
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
};

/*
 * An ioctl's handler works on the kernel copy of its struct; when it
 * returns 0 or -EMSGSIZE the struct is copied back (at most user_size
 * bytes).
 */
struct ioctl_op {
	unsigned int size;
	unsigned int min_size;
	unsigned int ioctl_num;
	int (*execute)(struct cld_session *s, void *cmd);
};

static int hsm_info(struct cld_session *s, void *arg)
{
	struct clonedev_hsm_info *cmd = arg;

	if (cmd->flags)
		return -EOPNOTSUPP;
	if (cmd->__reserved)
		return -EINVAL;
	cld_hsm_info(cmd);
	return 0;
}

#define IOCTL_OP(_nr, _ioctl, _fn, _struct, _last)			\
	[(_nr) - CLONEDEV_CMD_BASE] = {					\
		.size = sizeof(_struct) +				\
			BUILD_BUG_ON_ZERO(sizeof(union ucmd_buffer) <	\
					  sizeof(_struct)),		\
		.min_size = offsetofend(_struct, _last),		\
		.ioctl_num = _ioctl,					\
		.execute = _fn,						\
	}

static const struct ioctl_op ioctl_ops[] = {
	IOCTL_OP(CLONEDEV_CMD_HSM_INFO, CLONEDEV_IOCTL_HSM_INFO, hsm_info,
		 struct clonedev_hsm_info, __reserved),
	IOCTL_OP(CLONEDEV_CMD_SESSION_INFO, CLONEDEV_IOCTL_SESSION_INFO,
		 cld_session_info, struct clonedev_session_info, roles),
	IOCTL_OP(CLONEDEV_CMD_SLOT_SET, CLONEDEV_IOCTL_SLOT_SET,
		 cld_session_slot_set, struct clonedev_slot_set, __reserved),
	IOCTL_OP(CLONEDEV_CMD_PARTITION_INIT, CLONEDEV_IOCTL_PARTITION_INIT,
		 cld_session_partition_init, struct clonedev_partition_init,
		 __reserved),
	IOCTL_OP(CLONEDEV_CMD_LOGIN, CLONEDEV_IOCTL_LOGIN, cld_session_login,
		 struct clonedev_login, secret),
	IOCTL_OP(CLONEDEV_CMD_LOGOUT, CLONEDEV_IOCTL_LOGOUT,
		 cld_session_logout, struct clonedev_logout, flags),
	IOCTL_OP(CLONEDEV_CMD_ROLE_INIT, CLONEDEV_IOCTL_ROLE_INIT,
		 cld_session_role_init, struct clonedev_role_init, secret),
	IOCTL_OP(CLONEDEV_CMD_ROLE_CHANGEPW, CLONEDEV_IOCTL_ROLE_CHANGEPW,
		 cld_session_changepw, struct clonedev_role_changepw,
		 new_secret),
	IOCTL_OP(CLONEDEV_CMD_POLICY_GET, CLONEDEV_IOCTL_POLICY_GET,
		 cld_session_policy_get, struct clonedev_policy_get, entries),
	IOCTL_OP(CLONEDEV_CMD_POLICY_SET, CLONEDEV_IOCTL_POLICY_SET,
		 cld_session_policy_set, struct clonedev_policy_set, changes),
	IOCTL_OP(CLONEDEV_CMD_OBJECT_GENERATE, CLONEDEV_IOCTL_OBJECT_GENERATE,
		 cld_session_object_generate, struct clonedev_object_generate,
		 handle),
	IOCTL_OP(CLONEDEV_CMD_OBJECT_CREATE, CLONEDEV_IOCTL_OBJECT_CREATE,
		 cld_session_object_create, struct clonedev_object_create,
		 __reserved),
	IOCTL_OP(CLONEDEV_CMD_OBJECT_DESTROY, CLONEDEV_IOCTL_OBJECT_DESTROY,
		 cld_session_object_destroy, struct clonedev_object_destroy,
		 __reserved),
	IOCTL_OP(CLONEDEV_CMD_OBJECT_GET, CLONEDEV_IOCTL_OBJECT_GET,
		 cld_session_object_get, struct clonedev_object_get, attrs),
	IOCTL_OP(CLONEDEV_CMD_OBJECT_LIST, CLONEDEV_IOCTL_OBJECT_LIST,
		 cld_session_object_list, struct clonedev_object_list, handles),
	IOCTL_OP(CLONEDEV_CMD_OBJECT_IMPORT, CLONEDEV_IOCTL_OBJECT_IMPORT,
		 cld_session_object_import, struct clonedev_object_import,
		 __reserved2),
	IOCTL_OP(CLONEDEV_CMD_OBJECT_FIND, CLONEDEV_IOCTL_OBJECT_FIND,
		 cld_session_object_find, struct clonedev_object_find,
		 __reserved),
	IOCTL_OP(CLONEDEV_CMD_DOMAIN_LIST, CLONEDEV_IOCTL_DOMAIN_LIST,
		 cld_session_domain_list, struct clonedev_domain_list,
		 domains),
	IOCTL_OP(CLONEDEV_CMD_DOMAIN_ADD, CLONEDEV_IOCTL_DOMAIN_ADD,
		 cld_session_domain_add, struct clonedev_domain_add,
		 __reserved2),
	IOCTL_OP(CLONEDEV_CMD_DOMAIN_DELETE, CLONEDEV_IOCTL_DOMAIN_DELETE,
		 cld_session_domain_delete, struct clonedev_domain_delete,
		 __reserved),
	IOCTL_OP(CLONEDEV_CMD_DOMAIN_CHANGE, CLONEDEV_IOCTL_DOMAIN_CHANGE,
		 cld_session_domain_change, struct clonedev_domain_change,
		 __reserved),
	IOCTL_OP(CLONEDEV_CMD_ROLE_CHALLENGE, CLONEDEV_IOCTL_ROLE_CHALLENGE,
		 cld_session_role_challenge, struct clonedev_role_challenge,
		 secret),
	IOCTL_OP(CLONEDEV_CMD_ACTIVATION, CLONEDEV_IOCTL_ACTIVATION,
		 cld_session_activation, struct clonedev_activation,
		 __reserved),
	IOCTL_OP(CLONEDEV_CMD_SUITES, CLONEDEV_IOCTL_SUITES,
		 cld_session_suites, struct clonedev_suites, disable),
	IOCTL_OP(CLONEDEV_CMD_CLONE, CLONEDEV_IOCTL_CLONE, cld_session_clone,
		 struct clonedev_clone, __reserved),
	IOCTL_OP(CLONEDEV_CMD_CRYPT, CLONEDEV_IOCTL_CRYPT, cld_session_crypt,
		 struct clonedev_crypt, __reserved),
	IOCTL_OP(CLONEDEV_CMD_DERIVE, CLONEDEV_IOCTL_DERIVE, cld_session_derive,
		 struct clonedev_derive, __reserved),
	IOCTL_OP(CLONEDEV_CMD_WRAP, CLONEDEV_IOCTL_WRAP, cld_session_wrap,
		 struct clonedev_wrap, __reserved),
	IOCTL_OP(CLONEDEV_CMD_UNWRAP, CLONEDEV_IOCTL_UNWRAP, cld_session_unwrap,
		 struct clonedev_unwrap, __reserved),
	IOCTL_OP(CLONEDEV_CMD_RANDOM, CLONEDEV_IOCTL_RANDOM, cld_session_random,
		 struct clonedev_random, out),
};

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
	ret = op->execute(filp->private_data, ucmd.cmd);
	cld_store_compact_idle();
	/* -EMSGSIZE comes back with the length that would fit. */
	if ((!ret || ret == -EMSGSIZE) &&
	    copy_to_user(ucmd.ubuf, ucmd.cmd,
			 min_t(size_t, ucmd.user_size, op->size)))
		ret = -EFAULT;
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
	cld_session_free(filp->private_data);
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
