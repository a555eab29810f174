// SPDX-License-Identifier: LGPL-2.1-or-later
/* libclonedev: sessions on /dev/clonedev (the ioctl plane). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "session.h"

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

int cdev_ioctl_locked(struct clonedev *cd, unsigned long cmd, void *arg)
{
	int ret = ioctl(cd->fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

int cdev_ioctl(struct clonedev *cd, unsigned long cmd, void *arg)
{
	int ret;

	pthread_mutex_lock(&cd->lock);
	ret = cdev_ioctl_locked(cd, cmd, arg);
	pthread_mutex_unlock(&cd->lock);
	return ret;
}

int clonedev_hsm_info(struct clonedev *cd, struct clonedev_hsm_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return cdev_ioctl(cd, CLONEDEV_IOCTL_HSM_INFO, info);
}

/* Zeroes an ioctl struct and sets its leading size field. */
static void init_cmd(void *cmd, __u32 size)
{
	memset(cmd, 0, size);
	memcpy(cmd, &size, sizeof(size));
}

#define INIT(cmd) init_cmd(&(cmd), sizeof(cmd))

int clonedev_session_info(struct clonedev *cd,
			  struct clonedev_session_info *info)
{
	INIT(*info);
	return cdev_ioctl(cd, CLONEDEV_IOCTL_SESSION_INFO, info);
}

int clonedev_slot_set(struct clonedev *cd, unsigned int slot)
{
	struct clonedev_slot_set cmd;

	INIT(cmd);
	cmd.slot = slot;
	return cdev_ioctl(cd, CLONEDEV_IOCTL_SLOT_SET, &cmd);
}

static int copy_label(char *dst, const char *src)
{
	if (!src)
		src = "";
	if (strlen(src) >= CLONEDEV_LABEL_LEN)
		return -EINVAL;
	strcpy(dst, src);
	return 0;
}

int clonedev_partition_init(struct clonedev *cd, const char *label,
			    const char *password, const char *domain,
			    const char *domain_label)
{
	struct clonedev_partition_init cmd;

	INIT(cmd);
	if (copy_label(cmd.label, label) ||
	    copy_label(cmd.domain_label, domain_label))
		return -EINVAL;
	cmd.password = (uintptr_t)password;
	cmd.password_len = strlen(password);
	cmd.domain = (uintptr_t)domain;
	cmd.domain_len = strlen(domain);
	return cdev_ioctl(cd, CLONEDEV_IOCTL_PARTITION_INIT, &cmd);
}

int clonedev_login(struct clonedev *cd, unsigned int role,
		   const char *password)
{
	struct clonedev_login cmd;

	INIT(cmd);
	cmd.role = role;
	cmd.secret = (uintptr_t)password;
	cmd.secret_len = strlen(password);
	return cdev_ioctl(cd, CLONEDEV_IOCTL_LOGIN, &cmd);
}

int clonedev_login_share(struct clonedev *cd, const struct clonedev *from)
{
	struct clonedev_login cmd;

	INIT(cmd);
	cmd.flags = CLONEDEV_LOGIN_SHARE;
	cmd.from_fd = from->fd;
	return cdev_ioctl(cd, CLONEDEV_IOCTL_LOGIN, &cmd);
}

int clonedev_logout(struct clonedev *cd)
{
	struct clonedev_logout cmd;

	INIT(cmd);
	return cdev_ioctl(cd, CLONEDEV_IOCTL_LOGOUT, &cmd);
}

int clonedev_role_init(struct clonedev *cd, unsigned int role,
		       const char *password)
{
	struct clonedev_role_init cmd;

	INIT(cmd);
	cmd.role = role;
	cmd.secret = (uintptr_t)password;
	cmd.secret_len = strlen(password);
	return cdev_ioctl(cd, CLONEDEV_IOCTL_ROLE_INIT, &cmd);
}

int clonedev_role_changepw(struct clonedev *cd, const char *old_password,
			   const char *new_password)
{
	struct clonedev_role_changepw cmd;

	INIT(cmd);
	cmd.old_secret = (uintptr_t)old_password;
	cmd.old_len = strlen(old_password);
	cmd.new_secret = (uintptr_t)new_password;
	cmd.new_len = strlen(new_password);
	return cdev_ioctl(cd, CLONEDEV_IOCTL_ROLE_CHANGEPW, &cmd);
}

int clonedev_policy_get(struct clonedev *cd, struct clonedev_policy_get *out)
{
	INIT(*out);
	return cdev_ioctl(cd, CLONEDEV_IOCTL_POLICY_GET, out);
}

int clonedev_policy_set(struct clonedev *cd,
			const struct clonedev_policy_change *changes,
			unsigned int count, int force)
{
	struct clonedev_policy_set cmd;

	INIT(cmd);
	cmd.flags = force ? CLONEDEV_POLICY_SET_FORCE : 0;
	cmd.count = count;
	cmd.changes = (uintptr_t)changes;
	return cdev_ioctl(cd, CLONEDEV_IOCTL_POLICY_SET, &cmd);
}

static int put_label_id(char *label_out, __u8 *id_out, __u32 *id_len_out,
			const char *label, const void *id, unsigned int id_len)
{
	if (copy_label(label_out, label) || id_len > CLONEDEV_ID_MAX)
		return -EINVAL;
	if (id_len)
		memcpy(id_out, id, id_len);
	*id_len_out = id_len;
	return 0;
}

int clonedev_object_generate(struct clonedev *cd, unsigned int key_type,
			     unsigned int bits, unsigned int obj_flags,
			     const char *label, const void *id,
			     unsigned int id_len, unsigned int *handle)
{
	struct clonedev_object_generate cmd;
	int ret;

	INIT(cmd);
	cmd.key_type = key_type;
	cmd.bits = bits;
	cmd.obj_flags = obj_flags;
	if (put_label_id(cmd.label, cmd.id, &cmd.id_len, label, id, id_len))
		return -EINVAL;
	ret = cdev_ioctl(cd, CLONEDEV_IOCTL_OBJECT_GENERATE, &cmd);
	if (!ret && handle)
		*handle = cmd.handle;
	return ret;
}

int clonedev_object_create(struct clonedev *cd, unsigned int obj_flags,
			   const char *label, const void *id,
			   unsigned int id_len, const void *value,
			   unsigned int value_len, unsigned int *handle)
{
	struct clonedev_object_create cmd;
	int ret;

	INIT(cmd);
	cmd.obj_flags = obj_flags;
	cmd.value = (uintptr_t)value;
	cmd.value_len = value_len;
	if (put_label_id(cmd.label, cmd.id, &cmd.id_len, label, id, id_len))
		return -EINVAL;
	ret = cdev_ioctl(cd, CLONEDEV_IOCTL_OBJECT_CREATE, &cmd);
	if (!ret && handle)
		*handle = cmd.handle;
	return ret;
}

int clonedev_object_destroy(struct clonedev *cd, unsigned int handle)
{
	struct clonedev_object_destroy cmd;

	INIT(cmd);
	cmd.handle = handle;
	return cdev_ioctl(cd, CLONEDEV_IOCTL_OBJECT_DESTROY, &cmd);
}

/* The fields @which does not name stay zero, as the kernel wants them. */
int clonedev_object_set_attrs(struct clonedev *cd, unsigned int handle,
			      unsigned int which, const char *label,
			      const void *id, unsigned int id_len,
			      unsigned int obj_flags)
{
	struct clonedev_object_set_attrs cmd;

	INIT(cmd);
	cmd.flags = which;
	cmd.handle = handle;
	if ((which & CLONEDEV_SET_LABEL) && copy_label(cmd.label, label))
		return -EINVAL;
	if (which & CLONEDEV_SET_ID) {
		if (id_len > CLONEDEV_ID_MAX || (id_len && !id))
			return -EINVAL;
		if (id_len)
			memcpy(cmd.id, id, id_len);
		cmd.id_len = id_len;
	}
	if (which & CLONEDEV_SET_FLAGS)
		cmd.obj_flags = obj_flags;
	return cdev_ioctl(cd, CLONEDEV_IOCTL_OBJECT_SET_ATTRS, &cmd);
}

int clonedev_object_get(struct clonedev *cd, unsigned int handle,
			struct clonedev_object_attrs *attrs, void *value,
			unsigned int cap, unsigned int *value_len)
{
	struct clonedev_object_get cmd;
	int ret;

	INIT(cmd);
	cmd.handle = handle;
	cmd.value = (uintptr_t)value;
	cmd.value_cap = value ? cap : 0;
	ret = cdev_ioctl(cd, CLONEDEV_IOCTL_OBJECT_GET, &cmd);
	if (!ret) {
		*attrs = cmd.attrs;
		if (value_len)
			*value_len = cmd.value_cap;
	}
	return ret;
}

int clonedev_object_public(struct clonedev *cd, unsigned int handle,
			   void *out, unsigned int cap, unsigned int *len)
{
	struct clonedev_object_get cmd;
	int ret;

	INIT(cmd);
	cmd.flags = CLONEDEV_OBJECT_GET_PUBLIC;
	cmd.handle = handle;
	cmd.value = (uintptr_t)out;
	cmd.value_cap = out ? cap : 0;
	ret = cdev_ioctl(cd, CLONEDEV_IOCTL_OBJECT_GET, &cmd);
	if (!ret && (!out || cmd.value_cap > cap))
		ret = -EMSGSIZE;
	if ((!ret || ret == -EMSGSIZE) && len)
		*len = cmd.value_cap;
	return ret;
}

/* One page of a handle listing: the ioctl with start, room and buffer. */
typedef int (*page_fn)(struct clonedev *cd, void *cmd, __u32 start,
		       __u32 *page, __u32 room, __u32 *count, __u32 *next);

/* Collects every page of a handle listing into one malloc()ed array. */
static int collect_handles(struct clonedev *cd, page_fn fetch, void *cmd,
			   unsigned int **handles)
{
	unsigned int *all = NULL, n = 0;
	__u32 page[1024], count, next = 0;

	do {
		unsigned int *grown;
		int ret;

		ret = fetch(cd, cmd, next, page, 1024, &count, &next);
		if (ret) {
			free(all);
			return ret;
		}
		grown = realloc(all, (n + count + 1) * sizeof(*all));
		if (!grown) {
			free(all);
			return -ENOMEM;
		}
		all = grown;
		memcpy(all + n, page, count * sizeof(*all));
		n += count;
	} while (next);
	*handles = all;
	return (int)n;
}

static int list_page(struct clonedev *cd, void *arg, __u32 start,
		     __u32 *page, __u32 room, __u32 *count, __u32 *next)
{
	struct clonedev_object_list *cmd = arg;
	int ret;

	cmd->start = start;
	cmd->count = room;
	cmd->handles = (uintptr_t)page;
	ret = cdev_ioctl(cd, CLONEDEV_IOCTL_OBJECT_LIST, cmd);
	*count = cmd->count;
	*next = cmd->next;
	return ret;
}

int clonedev_object_list(struct clonedev *cd, unsigned int **handles)
{
	struct clonedev_object_list cmd;

	INIT(cmd);
	return collect_handles(cd, list_page, &cmd, handles);
}

int clonedev_object_list_attrs_page(struct clonedev *cd, unsigned int *next,
				    struct clonedev_object_attrs *page,
				    unsigned int cap)
{
	struct clonedev_object_list cmd;
	int ret;

	INIT(cmd);
	cmd.flags = CLONEDEV_LIST_ATTRS;
	cmd.start = *next;
	cmd.count = cap < CLONEDEV_LIST_ATTRS_MAX ? cap : CLONEDEV_LIST_ATTRS_MAX;
	cmd.handles = (uintptr_t)page;
	ret = cdev_ioctl(cd, CLONEDEV_IOCTL_OBJECT_LIST, &cmd);
	if (ret)
		return ret;
	*next = cmd.next;
	return (int)cmd.count;
}

int clonedev_object_list_attrs(struct clonedev *cd,
			       struct clonedev_object_attrs **attrs)
{
	struct clonedev_object_attrs *all = NULL, *grown;
	unsigned int n = 0, room = 0, next = 0;

	do {
		int ret;

		/* Room for a whole page more, grown by half each time. */
		if (room - n < CLONEDEV_LIST_ATTRS_MAX) {
			room = n + CLONEDEV_LIST_ATTRS_MAX + n / 2;
			grown = realloc(all, room * sizeof(*all));
			if (!grown) {
				free(all);
				return -ENOMEM;
			}
			all = grown;
		}
		ret = clonedev_object_list_attrs_page(cd, &next, all + n,
						      CLONEDEV_LIST_ATTRS_MAX);
		if (ret < 0) {
			free(all);
			return ret;
		}
		n += ret;
	} while (next);
	*attrs = all;
	return (int)n;
}

static int find_page(struct clonedev *cd, void *arg, __u32 start,
		     __u32 *page, __u32 room, __u32 *count, __u32 *next)
{
	struct clonedev_object_find *cmd = arg;
	int ret;

	cmd->start = start;
	cmd->count = room;
	cmd->handles = (uintptr_t)page;
	ret = cdev_ioctl(cd, CLONEDEV_IOCTL_OBJECT_FIND, cmd);
	*count = cmd->count;
	*next = cmd->next;
	return ret;
}

int clonedev_object_find(struct clonedev *cd, const char *label,
			 const void *id, unsigned int id_len,
			 unsigned int **handles)
{
	struct clonedev_object_find cmd;

	INIT(cmd);
	if (put_label_id(cmd.label, cmd.id, &cmd.id_len, label ? label : "",
			 id, id ? id_len : 0))
		return -EINVAL;
	cmd.flags = (label ? CLONEDEV_FIND_LABEL : 0) |
		    (id ? CLONEDEV_FIND_ID : 0);
	return collect_handles(cd, find_page, &cmd, handles);
}

int clonedev_object_generate_bulk(struct clonedev *cd, unsigned int key_type,
				  unsigned int bits, unsigned int obj_flags,
				  const char *label, unsigned int count,
				  unsigned int *handles)
{
	struct clonedev_object_generate cmd;
	int ret;

	INIT(cmd);
	cmd.key_type = key_type;
	cmd.bits = bits;
	cmd.obj_flags = obj_flags;
	cmd.count = count;
	cmd.handles = (uintptr_t)handles;
	if (put_label_id(cmd.label, cmd.id, &cmd.id_len, label, NULL, 0))
		return -EINVAL;
	ret = cdev_ioctl(cd, CLONEDEV_IOCTL_OBJECT_GENERATE, &cmd);
	if (!ret && count <= 1 && handles)
		handles[0] = cmd.handle;
	return ret;
}

/* OBJECT_GENERATE of one key or pair: *@handle, *@public_handle. */
static int generate_one(struct clonedev *cd, unsigned int key_type,
			unsigned int bits, unsigned int obj_flags,
			const char *label, const void *id, unsigned int id_len,
			unsigned int *handle, unsigned int *public_handle)
{
	struct clonedev_object_generate cmd;
	int ret;

	INIT(cmd);
	cmd.key_type = key_type;
	cmd.bits = bits;
	cmd.obj_flags = obj_flags;
	if (put_label_id(cmd.label, cmd.id, &cmd.id_len, label, id, id_len))
		return -EINVAL;
	ret = cdev_ioctl(cd, CLONEDEV_IOCTL_OBJECT_GENERATE, &cmd);
	if (!ret) {
		if (handle)
			*handle = cmd.handle;
		if (public_handle)
			*public_handle = cmd.public_handle;
	}
	return ret;
}

int clonedev_object_generate_pair(struct clonedev *cd, unsigned int key_type,
				  unsigned int obj_flags, const char *label,
				  const void *id, unsigned int id_len,
				  unsigned int *handle,
				  unsigned int *public_handle)
{
	return generate_one(cd, key_type, 0, obj_flags, label, id, id_len,
			    handle, public_handle);
}

int clonedev_object_generate_keypair(struct clonedev *cd,
				     unsigned int key_type, unsigned int bits,
				     unsigned int obj_flags, const char *label,
				     const void *id, unsigned int id_len,
				     unsigned int *handle,
				     unsigned int *public_handle)
{
	if (key_type != CLONEDEV_KEY_EC_P256 &&
	    key_type != CLONEDEV_KEY_EC_P384 && key_type != CLONEDEV_KEY_RSA)
		return -EOPNOTSUPP;
	return generate_one(cd, key_type, bits, obj_flags, label, id, id_len,
			    handle, public_handle);
}

int clonedev_object_import(struct clonedev *cd, unsigned int key_type,
			   unsigned int obj_flags, const char *label,
			   const void *id, unsigned int id_len,
			   const void *value, unsigned int value_len,
			   unsigned int *handle)
{
	struct clonedev_object_import cmd;
	int ret;

	INIT(cmd);
	cmd.key_type = key_type;
	cmd.obj_flags = obj_flags;
	cmd.value = (uintptr_t)value;
	cmd.value_len = value_len;
	if (put_label_id(cmd.label, cmd.id, &cmd.id_len, label, id, id_len))
		return -EINVAL;
	ret = cdev_ioctl(cd, CLONEDEV_IOCTL_OBJECT_IMPORT, &cmd);
	if (!ret && handle)
		*handle = cmd.handle;
	return ret;
}

int clonedev_domain_list(struct clonedev *cd, struct clonedev_domain_list *out)
{
	INIT(*out);
	return cdev_ioctl(cd, CLONEDEV_IOCTL_DOMAIN_LIST, out);
}

int clonedev_domain_add(struct clonedev *cd, const char *label,
			const char *secret, int primary)
{
	struct clonedev_domain_add cmd;

	INIT(cmd);
	if (copy_label(cmd.label, label))
		return -EINVAL;
	cmd.flags = primary ? CLONEDEV_DOMAIN_PRIMARY : 0;
	cmd.secret = (uintptr_t)secret;
	cmd.secret_len = (__u32)strlen(secret);
	return cdev_ioctl(cd, CLONEDEV_IOCTL_DOMAIN_ADD, &cmd);
}

int clonedev_domain_delete(struct clonedev *cd, const char *label)
{
	struct clonedev_domain_delete cmd;

	INIT(cmd);
	if (copy_label(cmd.label, label))
		return -EINVAL;
	return cdev_ioctl(cd, CLONEDEV_IOCTL_DOMAIN_DELETE, &cmd);
}

int clonedev_domain_change(struct clonedev *cd, const char *label,
			   const char *new_label, int primary)
{
	struct clonedev_domain_change cmd;

	INIT(cmd);
	if (copy_label(cmd.label, label) ||
	    copy_label(cmd.new_label, new_label ? new_label : ""))
		return -EINVAL;
	cmd.flags = primary ? CLONEDEV_DOMAIN_PRIMARY : 0;
	return cdev_ioctl(cd, CLONEDEV_IOCTL_DOMAIN_CHANGE, &cmd);
}

int clonedev_partition_init_quorum(struct clonedev *cd, const char *label,
				   const char *domain_label, unsigned int m,
				   unsigned int n, struct clonedev_share *shares,
				   unsigned char *fingerprint)
{
	struct clonedev_partition_init cmd;
	int ret;

	INIT(cmd);
	if (copy_label(cmd.label, label) ||
	    copy_label(cmd.domain_label, domain_label))
		return -EINVAL;
	cmd.quorum_m = m;
	cmd.quorum_n = n;
	cmd.shares = (uintptr_t)shares;
	ret = cdev_ioctl(cd, CLONEDEV_IOCTL_PARTITION_INIT, &cmd);
	if (!ret && fingerprint)
		memcpy(fingerprint, cmd.fingerprint, sizeof(cmd.fingerprint));
	return ret;
}

int clonedev_role_init_quorum(struct clonedev *cd, unsigned int role,
			      unsigned int m, unsigned int n,
			      struct clonedev_share *shares)
{
	struct clonedev_role_init cmd;

	INIT(cmd);
	cmd.role = role;
	cmd.quorum_m = m;
	cmd.quorum_n = n;
	cmd.shares = (uintptr_t)shares;
	return cdev_ioctl(cd, CLONEDEV_IOCTL_ROLE_INIT, &cmd);
}

int clonedev_login_shares(struct clonedev *cd, unsigned int role,
			  const struct clonedev_share *shares,
			  unsigned int count)
{
	struct clonedev_login cmd;

	INIT(cmd);
	cmd.role = role;
	cmd.share_count = count;
	cmd.shares = (uintptr_t)shares;
	return cdev_ioctl(cd, CLONEDEV_IOCTL_LOGIN, &cmd);
}

int clonedev_domain_import(struct clonedev *cd, const char *label,
			   const unsigned char *fingerprint,
			   const struct clonedev_share *shares,
			   unsigned int count, int primary)
{
	struct clonedev_domain_add cmd;

	INIT(cmd);
	if (copy_label(cmd.label, label))
		return -EINVAL;
	cmd.flags = primary ? CLONEDEV_DOMAIN_PRIMARY : 0;
	memcpy(cmd.fingerprint, fingerprint, sizeof(cmd.fingerprint));
	cmd.share_count = count;
	cmd.shares = (uintptr_t)shares;
	return cdev_ioctl(cd, CLONEDEV_IOCTL_DOMAIN_ADD, &cmd);
}

int clonedev_role_challenge(struct clonedev *cd, unsigned int role,
			    const char *challenge)
{
	struct clonedev_role_challenge cmd;

	INIT(cmd);
	cmd.role = role;
	cmd.secret = (uintptr_t)challenge;
	cmd.secret_len = (__u32)strlen(challenge);
	return cdev_ioctl(cd, CLONEDEV_IOCTL_ROLE_CHALLENGE, &cmd);
}

int clonedev_activation(struct clonedev *cd, int activate)
{
	struct clonedev_activation cmd;

	INIT(cmd);
	cmd.activate = !!activate;
	return cdev_ioctl(cd, CLONEDEV_IOCTL_ACTIVATION, &cmd);
}

int clonedev_suites(struct clonedev *cd, unsigned int enable,
		    unsigned int disable, struct clonedev_suites *out)
{
	INIT(*out);
	out->enable = enable;
	out->disable = disable;
	return cdev_ioctl(cd, CLONEDEV_IOCTL_SUITES, out);
}

int clonedev_clone_op(struct clonedev *cd, struct clonedev_clone *c)
{
	c->size = sizeof(*c);
	return cdev_ioctl(cd, CLONEDEV_IOCTL_CLONE, c);
}
