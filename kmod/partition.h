/* SPDX-License-Identifier: GPL-2.0 */
/* Partitions (slots): creation, deletion and their sealed records. */
#ifndef _CLD_PARTITION_H
#define _CLD_PARTITION_H

#include <linux/rbtree.h>
#include <linux/types.h>
#include <linux/xarray.h>

#include <linux/clonedev.h>

#include "hsm.h"

#define CLD_MAX_DOMAINS		3
#define CLD_SALT_LEN		16
#define CLD_HASH_LEN		32
#define CLD_RPV_LEN		32	/* the remote PED vector */
#define CLD_MAX_PO_FAILURES	10	/* then the partition is zeroized */

/* A role's credential: a salted, iterated hash, never the password. */
struct cld_cred {
	u8 salt[CLD_SALT_LEN];
	u8 hash[CLD_HASH_LEN];
	u32 iterations;
	u32 failures;		/* consecutive wrong passwords */
	u32 flags;		/* CLONEDEV_ROLE_SET, CLONEDEV_ROLE_LOCKED */
};

/* A cloning domain; the secret never leaves the kernel. */
struct cld_domain {
	char label[CLD_LABEL_MAX + 1];
	u32 type;		/* enum clonedev_domain_type */
	u32 len;
	u8 secret[CLONEDEV_SECRET_MAX];
};

struct netlink_ext_ack;

struct cld_partition {
	u32 slot;
	u32 auth;
	u32 type;
	u32 protocol_level;
	u32 state;
	u32 object_count;
	u64 serial;
	char label[CLD_LABEL_MAX + 1];
	/* Bumped by init and zeroize: every session's login ends. */
	u64 generation;
	struct cld_cred roles[4];	/* by enum clonedev_role */
	struct cld_cred challenges[4];	/* co and cu of quorum partitions */
	u32 n_domains;			/* domains[0] is the primary */
	struct cld_domain domains[CLD_MAX_DOMAINS];
	u32 policies[CLONEDEV_POLICY_COUNT];	/* in kmod/policy.c order */
	u32 suites_disabled;		/* CPv4 suites turned off by the po */
	u32 clone_failures;		/* failed handshakes, kmod/clone.c */
	bool has_rpv;			/* remote PED vector, kmod/ped.c */
	u8 rpv[CLD_RPV_LEN];
	/*
	 * Logins of each role being hashed, already counted in its
	 * failures; never stored. Reset with the credential or generation.
	 */
	u32 pending[4];
	/* Bumped when a role's credential is replaced: its logins end. */
	u64 role_gen[4];
	/* Activation (policy 22): never stored; wiped with the partition. */
	bool activated;
	u8 *cache[4];			/* role secrets, kfree_sensitive() */
	/* struct cld_object by handle, label, id and OUID; under cld_hsm.lock. */
	struct xarray objects;
	struct rb_root by_label;
	struct rb_root by_id;
	struct rb_node *label_last;	/* the last node of by_label, or NULL */
	struct rb_node *id_last;	/* and of by_id */
	struct hlist_head *by_ouid;	/* a hash table of 1 << ouid_bits */
	u32 ouid_bits;
};

/* What the system plane shows of a partition. */
struct cld_slot_info {
	u32 slot;
	u32 auth;
	u32 type;
	u32 protocol_level;
	u32 state;
	u32 object_count;
	u64 serial;
	char label[CLD_LABEL_MAX + 1];
};

void cld_partition_info(const struct cld_partition *p,
			struct cld_slot_info *info);

/* The parameters of a new partition, checked by cld_partition_create(). */
struct cld_partition_params {
	const char *label;
	u32 auth;
	u32 type;
	u32 protocol_level;
};

int cld_partition_create(const struct cld_partition_params *params,
			 struct cld_slot_info *out,
			 struct netlink_ext_ack *extack);
int cld_partition_delete(u32 slot, struct netlink_ext_ack *extack);
int cld_partition_persist(const struct cld_partition *p);
int cld_partition_persist_clear(const struct cld_partition *p);
int cld_partition_snapshot(void);
void cld_partition_zeroize(struct cld_partition *p);
void cld_partition_deactivate(struct cld_partition *p);
void cld_partition_forget_role(struct cld_partition *p, u32 role);
struct cld_partition *cld_partition_find_label(const char *label);
struct cld_session;
void cld_partition_destroy_objects(struct cld_partition *p);
void cld_partition_assign(struct cld_partition *dst,
			  const struct cld_partition *src);
void cld_partition_free_all(void);
int cld_partition_activate(struct netlink_ext_ack *extack);
int cld_partition_init_all(const char *store_dir, loff_t compact_min,
			   u32 tpm_index, bool tpm_reset);
void cld_partition_uninit_all(void);
void cld_partition_hsm_info(struct clonedev_hsm_info *info);
int cld_partition_init(struct cld_session *s, void *cmd);
int cld_partition_init_made(struct cld_session *s,
			    struct clonedev_partition_init *cmd,
			    const struct cld_cred *po, const u8 *dom,
			    u64 serial);
int cld_partition_policy_get(struct cld_session *s, void *cmd);
int cld_partition_policy_set(struct cld_session *s, void *cmd);
int cld_partition_suites(struct cld_session *s, void *cmd);

static inline bool cld_partition_is_quorum(const struct cld_partition *p)
{
	return p->auth == CLONEDEV_AUTH_QUORUM;
}

/* A backup partition holds objects cloned in and neither makes nor uses any. */
static inline bool cld_partition_is_backup(const struct cld_partition *p)
{
	return p->type == CLONEDEV_PTYPE_BACKUP;
}

#endif /* _CLD_PARTITION_H */
