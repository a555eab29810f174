/* SPDX-License-Identifier: GPL-2.0 */
/* Key and data objects of a partition, and their sealed records. */
#ifndef _CLD_OBJECT_H
#define _CLD_OBJECT_H

#include <linux/rbtree.h>
#include <linux/types.h>

#include <linux/clonedev.h>

struct cld_keytfm;
struct cld_partition;
struct cld_session;

struct cld_object {
	u32 handle;
	u32 obj_class;
	u32 key_type;
	u32 bits;
	u32 flags;
	u32 id_len;
	u32 value_len;
	u8 ouid[CLONEDEV_OUID_LEN];
	u8 kcv[CLONEDEV_KCV_LEN];
	char label[CLONEDEV_LABEL_LEN];
	u8 id[CLONEDEV_ID_MAX];
	u8 *value;		/* kfree_sensitive() */
	struct rb_node by_label;	/* in the partition's indexes */
	struct rb_node by_id;
	struct hlist_node by_ouid;
};

int cld_object_cache_init(void);
void cld_object_cache_exit(void);
struct cld_object *cld_object_alloc(void);
int cld_object_index_init(struct cld_partition *p);
void cld_object_index_free(struct cld_partition *p);
void cld_object_destroy_all(struct cld_partition *p);
int cld_object_snapshot(struct cld_partition *p);
u64 cld_object_snapshot_size(struct cld_partition *p);
int cld_object_apply(u16 type, const void *data, u32 len);

struct cld_object *cld_object_find_ouid(const struct cld_partition *p,
					const u8 *ouid);
struct cld_object *cld_object_copy(const struct cld_object *o);
struct cld_object *cld_object_new(u32 obj_class, u32 key_type, u32 flags,
				  const char *label, const u8 *id, u32 id_len);
bool cld_object_label_ok(const char *label);
int cld_object_add_new(struct cld_session *s, struct cld_object **o,
		       u32 *handle);
void cld_object_free(struct cld_object *o);
int cld_object_check_key(struct cld_object *o);
int cld_object_check_value(struct cld_object *o);
int cld_object_check_value_with(struct cld_keytfm *t, struct cld_object *o);
int cld_object_store_copies(struct cld_partition *p, struct cld_object **objs,
			    struct cld_object **olds, u32 n, u32 *handles);
int cld_object_add_copies(struct cld_partition *p, struct cld_object **objs,
			  u32 n, u32 *handles);

int cld_object_generate(struct cld_session *s, void *cmd);
int cld_object_create(struct cld_session *s, void *cmd);
int cld_object_destroy(struct cld_session *s, void *cmd);
int cld_object_get(struct cld_session *s, void *cmd);
int cld_object_list(struct cld_session *s, void *cmd);
int cld_object_import(struct cld_session *s, void *cmd);
int cld_object_find(struct cld_session *s, void *cmd);
int cld_object_set_attrs(struct cld_session *s, void *cmd);

#endif /* _CLD_OBJECT_H */
