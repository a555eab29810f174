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

#include "device.h"
#include "hsm.h"

/* One request as it travels through the dispatcher. */
struct ucmd {
	void __user *ubuf;
	u32 user_size;
	void *cmd;
};

union ucmd_buffer {
	struct clonedev_hsm_info hsm_info;
};

struct ioctl_op {
	unsigned int size;
	unsigned int min_size;
	unsigned int ioctl_num;
	int (*execute)(struct ucmd *ucmd);
};

static int respond(struct ucmd *ucmd, size_t cmd_len)
{
	if (copy_to_user(ucmd->ubuf, ucmd->cmd,
			 min_t(size_t, ucmd->user_size, cmd_len)))
		return -EFAULT;
	return 0;
}

static int hsm_info(struct ucmd *ucmd)
{
	struct clonedev_hsm_info *cmd = ucmd->cmd;

	if (cmd->flags)
		return -EOPNOTSUPP;
	if (cmd->__reserved)
		return -EINVAL;
	cld_hsm_info(cmd);
	return respond(ucmd, sizeof(*cmd));
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
	ret = op->execute(&ucmd);
	memzero_explicit(&buf, sizeof(buf));
	return ret;
}

static const struct file_operations cld_fops = {
	.owner = THIS_MODULE,
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
