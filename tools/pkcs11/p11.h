/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libclonedev-pkcs11: a PKCS#11 v2.40 module over libclonedev. This header
 * is shared by the module's files and not installed:
 *
 *  module.c   C_GetFunctionList, C_Initialize, C_Finalize, C_GetInfo, the
 *             module lock, the session table and fork detection
 *  slot.c     slots, tokens and mechanism information
 *  session.c  sessions and login (per application and token)
 *  object.c   attributes, templates, find, create, destroy, generate
 *  crypto.c   encrypt, decrypt, sign, verify, random, wrap, unwrap, derive
 *  digest.c   digests through the kernel crypto API (AF_ALG hash sockets)
 *  errors.c   the one table from kernel errno to CKR
 *  ha.c       the slots of HA groups (libclonedev's virtual slot)
 *
 * Lock order: p11_lock (the module: tokens, session table) before a
 * token's lock (its login and its sessions) before a session's lock (its
 * operations). A token's obj_lock and ha_lock are leaves, taken under any
 * of these. A call that may sleep long in the kernel (key generation,
 * login) never holds p11_lock.
 */
#ifndef CLONEDEV_P11_H
#define CLONEDEV_P11_H

#include <pthread.h>
#include <p11-kit/pkcs11.h>

#include "libclonedev.h"

#define P11_EXPORT __attribute__((visibility("default")))
#define fallthrough __attribute__((__fallthrough__))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The crypto user (cu): a vendor user type, as Luna names it. */
#define CKU_CRYPTO_USER		0x80000001UL
/* The object's OUID (16 bytes), kept by every clone of it. */
#define CKA_CLONEDEV_OUID	(CKA_VENDOR_DEFINED | 0x434c0001UL)

#define P11_PIN_MAX		CLONEDEV_SECRET_MAX

/*
 * The slot IDs of HA groups: from here up, in the order the groups are
 * first seen. Partitions are slots 1 to 100 (the kernel's limit).
 */
#define P11_HA_SLOT_BASE	0x80000000U
/* The most input a multi-part operation on an HA slot gathers. */
#define P11_HA_MULTI_MAX	CLONEDEV_CRYPT_MAX

/* Which call a kernel error came from: errors.c maps by it. */
enum p11_ctx {
	P11_CTX_GENERAL,
	P11_CTX_LOGIN,
	P11_CTX_OBJECT,		/* an object named by handle */
	P11_CTX_KEY,		/* a key named by handle, before crypto */
	P11_CTX_ENCRYPT,
	P11_CTX_DECRYPT,
	P11_CTX_SIGN,
	P11_CTX_VERIFY,
	P11_CTX_TEMPLATE,	/* create, generate, derive, unwrap */
	P11_CTX_WRAP,
	P11_CTX_UNWRAP,
};

/**
 * struct p11_token - one partition's token, as this application sees it
 * @slot: the clonedev slot number, and the PKCS#11 slot ID
 * @lock: protects @user, @sessions and @count
 * @user: the user type logged in (CKU_*), or -1
 * @sessions: the open sessions on the token
 * @count: how many, @rw_count of them read/write
 * @obj_lock: protects @sobjs and @nsobjs (a leaf lock: taken under any)
 * @sobjs: the session objects (CKA_TOKEN false) of the token's sessions
 * @group: the label of the HA group whose slot this is, "" for a partition
 * @ha_lock: protects @ha (a leaf lock, written under @lock)
 * @ha: an HA token's login, the group's virtual slot; NULL when logged out
 * @ouids: an HA token's objects, by handle - 1 (@obj_lock)
 */
struct p11_token {
	unsigned int slot;
	pthread_mutex_t lock;
	long user;
	struct p11_session *sessions;
	unsigned long count, rw_count;
	pthread_mutex_t obj_lock;
	struct p11_sobj {
		unsigned int handle;
		CK_SESSION_HANDLE owner;
	} *sobjs;
	unsigned long nsobjs;
	char group[CLONEDEV_HA_LABEL_MAX + 1];
	pthread_rwlock_t ha_lock;
	struct clonedev_ha *ha;
	unsigned char (*ouids)[CLONEDEV_OUID_LEN];
	unsigned long nouids;
};

/* The multi-part cipher or signature operation of a session. */
struct p11_crypt {
	unsigned int op;		/* CLONEDEV_CRYPT_*, 0 for none */
	CK_MECHANISM_TYPE mech;
	unsigned int key;
	unsigned int key_type;		/* enum clonedev_key_type */
	unsigned int key_bits;
	struct clonedev_crypt_params p;
	unsigned char *aad;
	int single;			/* a single-part mechanism */
	int started;			/* the kernel holds a multi-part op */
	unsigned long fed;		/* input given so far */
	unsigned char ouid[CLONEDEV_OUID_LEN];	/* the key's, on an HA slot */
	unsigned char *buf;		/* an HA slot's multi-part input */
};

struct p11_digest {
	CK_MECHANISM_TYPE mech;		/* 0 for none */
	int fd;				/* the AF_ALG operation socket */
	unsigned int len;
	int fed;
};

struct p11_find {
	int active;
	unsigned int *handles;
	unsigned long count, pos;
};

/**
 * struct p11_session - one PKCS#11 session: its own clonedev session
 * @handle: the CK_SESSION_HANDLE
 * @tok: its token
 * @flags: CKF_SERIAL_SESSION and CKF_RW_SESSION
 * @cd: the clonedev session (fd), on @tok's slot
 * @lock: serialises the calls on this session; protects what follows
 * @refs: calls in progress, and the table's reference (p11_lock)
 * @next: the next session of @tok (@tok->lock)
 */
struct p11_session {
	CK_SESSION_HANDLE handle;
	struct p11_token *tok;
	CK_FLAGS flags;
	struct clonedev *cd;
	pthread_mutex_t lock;
	unsigned int refs;
	struct p11_session *next;
	struct p11_crypt crypt;
	struct p11_digest digest;
	struct p11_find find;
};

/* module.c */
extern pthread_mutex_t p11_lock;
CK_RV p11_check_init(void);
struct p11_token *p11_token_get(CK_SLOT_ID id);
CK_RV p11_session_get(CK_SESSION_HANDLE h, struct p11_session **out);
void p11_session_put(struct p11_session *s);
CK_RV p11_session_add(struct p11_session *s);
struct p11_session *p11_session_remove(CK_SESSION_HANDLE h);
unsigned long p11_token_list(CK_SLOT_ID *ids, unsigned long cap);

/* slot.c */
CK_RV p11_tokens_scan(struct p11_token ***out, unsigned long *count);
CK_RV p11_tokens_rescan(void);
int p11_mech_find(CK_MECHANISM_TYPE type, CK_MECHANISM_INFO *info);
CK_FLAGS p11_partition_flags(CK_SLOT_ID id);

/* session.c */
void p11_session_free(struct p11_session *s);
void p11_sessions_close_all(struct p11_token *tok);
CK_RV p11_pin_copy(const unsigned char *pin, unsigned long len, char *buf);

/* object.c */
CK_RV p11_object_attrs(struct p11_session *s, unsigned int handle,
		       struct clonedev_object_attrs *a, enum p11_ctx ctx);
CK_RV p11_template_flags(const CK_ATTRIBUTE *t, unsigned long n,
			 unsigned int *flags);
const CK_ATTRIBUTE *p11_attr_find(const CK_ATTRIBUTE *t, unsigned long n,
				  CK_ATTRIBUTE_TYPE type);
CK_RV p11_attr_ulong(const CK_ATTRIBUTE *t, unsigned long n,
		     CK_ATTRIBUTE_TYPE type, CK_ULONG *v);
CK_RV p11_attr_bool(const CK_ATTRIBUTE *t, unsigned long n,
		    CK_ATTRIBUTE_TYPE type, int *v);
CK_RV p11_template_label_id(const CK_ATTRIBUTE *t, unsigned long n,
			    char *label, unsigned char *id,
			    unsigned int *id_len);
CK_RV p11_session_object_add(struct p11_session *s, unsigned int handle);
void p11_session_objects_destroy(struct p11_session *s);
int p11_session_object_is(struct p11_token *tok, unsigned int handle);
void p11_session_object_forget(struct p11_token *tok, unsigned int handle);
int p11_ec_oid_key_type(const void *der, unsigned long len);

/* A key derive or unwrap makes, from its template. */
struct p11_newkey {
	struct clonedev_key_template t;
	char label[CLONEDEV_LABEL_LEN];
	unsigned char id[CLONEDEV_ID_MAX];
	int token;
	CK_ULONG value_len;
};

CK_RV p11_newkey_read(struct p11_session *s, const CK_ATTRIBUTE *t,
		      unsigned long n, struct p11_newkey *k);
CK_RV p11_newkey_done(struct p11_session *s, const struct p11_newkey *k,
		      unsigned int handle);

/* digest.c */
void p11_digest_end(struct p11_digest *d);

/* crypto.c */
void p11_crypt_end(struct p11_session *s);

/* ha.c */
static inline int p11_is_ha(const struct p11_token *tok)
{
	return tok->group[0] != 0;
}

CK_RV p11_ha_tokens_scan(struct p11_token ***out, unsigned long *count);
void p11_ha_token_free(struct p11_token *tok);
CK_RV p11_ha_slot_info(struct p11_token *tok, CK_SLOT_INFO *info);
CK_RV p11_ha_token_info(struct p11_token *tok, CK_TOKEN_INFO *info);
CK_RV p11_ha_login(struct p11_token *tok, const char *pin);
void p11_ha_logout(struct p11_token *tok);
CK_RV p11_ha_object_attrs(struct p11_session *s, unsigned int handle,
			  struct clonedev_object_attrs *a, enum p11_ctx ctx);
int p11_ha_object_value(struct p11_session *s,
			const struct clonedev_object_attrs *a, int public,
			void *buf, unsigned int cap, unsigned int *len);
int p11_ha_object_list(struct p11_session *s, unsigned int **handles);
CK_RV p11_ha_generate(struct p11_session *s, unsigned int key_type,
		      unsigned int bits, unsigned int flags, const char *label,
		      const void *id, unsigned int id_len,
		      unsigned int *handle);
int p11_ha_crypt(struct p11_session *s, const void *in, size_t in_len,
		 void *out, size_t cap, size_t *n);
int p11_ha_verify(struct p11_session *s, const void *in, size_t in_len,
		  const void *sig, size_t sig_len);

/* errors.c */
CK_RV p11_rv(int err, enum p11_ctx ctx);

#endif /* CLONEDEV_P11_H */
