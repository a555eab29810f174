// SPDX-License-Identifier: LGPL-2.1-or-later
/* libclonedev: sessions on /dev/clonedev (the ioctl plane). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "libclonedev.h"

struct clonedev {
	int fd;
	pthread_mutex_t lock;	/* serialises requests on @fd */
};

int clonedev_open(struct clonedev **out)
{
	const char *path = getenv("CLONEDEV_DEVICE");
	struct clonedev *cd;

	cd = calloc(1, sizeof(*cd));
	if (!cd)
		return -ENOMEM;
	cd->fd = open(path && *path ? path : CLONEDEV_DEVICE_PATH,
		      O_RDWR | O_CLOEXEC);
	if (cd->fd < 0) {
		int err = -errno;

		free(cd);
		return err;
	}
	pthread_mutex_init(&cd->lock, NULL);
	*out = cd;
	return 0;
}

void clonedev_close(struct clonedev *cd)
{
	if (!cd)
		return;
	close(cd->fd);
	pthread_mutex_destroy(&cd->lock);
	free(cd);
}

int clonedev_fd(const struct clonedev *cd)
{
	return cd->fd;
}

static int do_ioctl(struct clonedev *cd, unsigned long cmd, void *arg)
{
	int ret;

	pthread_mutex_lock(&cd->lock);
	ret = ioctl(cd->fd, cmd, arg);
	if (ret < 0)
		ret = -errno;
	pthread_mutex_unlock(&cd->lock);
	return ret;
}

int clonedev_hsm_info(struct clonedev *cd, struct clonedev_hsm_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return do_ioctl(cd, CLONEDEV_IOCTL_HSM_INFO, info);
}
