/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libclonedev: C interface to the clonedev HSM for applications and tools.
 *
 * Two kinds of handle:
 *  - struct clonedev is a session: an open file descriptor on
 *    /dev/clonedev (the ioctl plane). Login state belongs to it.
 *  - struct clonedev_nl is a generic netlink socket bound to the family
 *    "clonedev" (the system plane: discovery and administration).
 *
 * Every function that can fail returns 0 or a positive count on success and
 * a negative errno on failure; it never prints. A handle may be shared by
 * threads: calls on one handle are serialised inside the library.
 */
#ifndef LIBCLONEDEV_H
#define LIBCLONEDEV_H

#include <stddef.h>
#include <linux/clonedev.h>

#ifdef __cplusplus
extern "C" {
#endif

struct clonedev;
struct clonedev_nl;
struct nl_msg;

/* Device path: $CLONEDEV_DEVICE if set, else this. */
#define CLONEDEV_DEVICE_PATH "/dev/" CLONEDEV_DEVICE_NAME

int clonedev_open(struct clonedev **out);
void clonedev_close(struct clonedev *cd);
int clonedev_fd(const struct clonedev *cd);

/* CLONEDEV_IOCTL_HSM_INFO; sets info->size itself. */
int clonedev_hsm_info(struct clonedev *cd, struct clonedev_hsm_info *info);

/* The session's slot and role (CLONEDEV_IOCTL_SESSION_INFO). */
int clonedev_session_info(struct clonedev *cd,
			  struct clonedev_session_info *info);
int clonedev_slot_set(struct clonedev *cd, unsigned int slot);
/* @label may be NULL or "" to keep the partition's label. */
int clonedev_partition_init(struct clonedev *cd, const char *label,
			    const char *password, const char *domain,
			    const char *domain_label);
int clonedev_login(struct clonedev *cd, unsigned int role,
		   const char *password);
/*
 * Logs @cd in as @from is logged in, on its slot, without a secret
 * (CLONEDEV_LOGIN_SHARE): the sessions of one application share a login.
 * Either logs out on its own; a re-init, zeroization or deletion of the
 * partition or a new credential of the role ends both. Return: 0; -EACCES
 * if @from is not logged in; the other errors of uapi/linux/clonedev.h.
 */
int clonedev_login_share(struct clonedev *cd, const struct clonedev *from);
int clonedev_logout(struct clonedev *cd);
int clonedev_role_init(struct clonedev *cd, unsigned int role,
		       const char *password);
int clonedev_role_changepw(struct clonedev *cd, const char *old_password,
			   const char *new_password);

/* Policies of the session's partition (CLONEDEV_IOCTL_POLICY_GET/_SET). */
int clonedev_policy_get(struct clonedev *cd, struct clonedev_policy_get *out);
int clonedev_policy_set(struct clonedev *cd,
			const struct clonedev_policy_change *changes,
			unsigned int count, int force);
/* "Allow private key cloning", ...; NULL for an unknown number. */
const char *clonedev_policy_name(unsigned int id);

/* Objects of the session's partition (CLONEDEV_IOCTL_OBJECT_*). */
int clonedev_object_generate(struct clonedev *cd, unsigned int key_type,
			     unsigned int bits, unsigned int obj_flags,
			     const char *label, const void *id,
			     unsigned int id_len, unsigned int *handle);
int clonedev_object_create(struct clonedev *cd, unsigned int obj_flags,
			   const char *label, const void *id,
			   unsigned int id_len, const void *value,
			   unsigned int value_len, unsigned int *handle);
int clonedev_object_destroy(struct clonedev *cd, unsigned int handle);
/*
 * CLONEDEV_IOCTL_OBJECT_SET_ATTRS: of a CLONEDEV_OBJ_MODIFIABLE object,
 * the label (@which has CLONEDEV_SET_LABEL; NULL is ""), the id
 * (CLONEDEV_SET_ID) and the flags (CLONEDEV_SET_FLAGS: usage flags and
 * CLONEDEV_OBJ_EXTRACTABLE may go, nothing may come). What @which does
 * not name is ignored. -EPERM for an object that is not modifiable or a
 * change of flags that is not allowed.
 */
int clonedev_object_set_attrs(struct clonedev *cd, unsigned int handle,
			      unsigned int which, const char *label,
			      const void *id, unsigned int id_len,
			      unsigned int obj_flags);
/* @value may be NULL; *value_len gets the value's length. */
int clonedev_object_get(struct clonedev *cd, unsigned int handle,
			struct clonedev_object_attrs *attrs, void *value,
			unsigned int cap, unsigned int *value_len);
/*
 * The public key of an EC or RSA key object, its private or its public
 * half (CLONEDEV_OBJECT_GET_PUBLIC): EC the uncompressed point
 * 0x04 || X || Y; RSA the DER of a PKCS#1 RSAPublicKey. Return: 0 and the
 * value at @out, *@len its length; -EMSGSIZE and *@len the length needed
 * if @cap is short (@out may be NULL with @cap 0 to ask the length);
 * -EINVAL if the object is not an EC or RSA key; the errors of
 * clonedev_object_get().
 */
int clonedev_object_public(struct clonedev *cd, unsigned int handle,
			   void *out, unsigned int cap, unsigned int *len);
/* Returns the number of handles; *handles is malloc()ed, free() it. */
int clonedev_object_list(struct clonedev *cd, unsigned int **handles);
/*
 * Every object the session sees with its attributes (those of
 * clonedev_object_get(), without the value), in ascending order of
 * handle, CLONEDEV_LIST_ATTRS_MAX a call. Returns the number of objects;
 * *attrs is malloc()ed, free() it.
 */
int clonedev_object_list_attrs(struct clonedev *cd,
			       struct clonedev_object_attrs **attrs);
/*
 * One page of that listing, for a caller that goes through a large
 * partition without holding all of it: up to @cap objects (at most
 * CLONEDEV_LIST_ATTRS_MAX) from handle *@next on (0: the first) into
 * @page. *@next becomes where the next page starts, 0 after the last.
 * Returns how many objects are in @page.
 */
int clonedev_object_list_attrs_page(struct clonedev *cd, unsigned int *next,
				    struct clonedev_object_attrs *page,
				    unsigned int cap);
/*
 * Bulk generation: @count secret keys of one template in one sealed batch
 * (one durable commit); handles[] gets their handles. All or none.
 */
int clonedev_object_generate_bulk(struct clonedev *cd, unsigned int key_type,
				  unsigned int bits, unsigned int obj_flags,
				  const char *label, unsigned int count,
				  unsigned int *handles);
/*
 * A key pair: *handle is the private half, *public_handle the public; both
 * get @label and @id. @key_type CLONEDEV_KEY_EC_P256 or _EC_P384 with
 * @bits 0 or the curve's size, or CLONEDEV_KEY_RSA with @bits 2048, 3072
 * or 4096 (e = 65537; seconds of work in the kernel). Return: 0; the
 * errors of CLONEDEV_IOCTL_OBJECT_GENERATE (-EINVAL a bad size,
 * -EOPNOTSUPP a type that makes no pair, -EACCES not the co, -EAGAIN an
 * RSA prime search that gave up: ask again).
 */
int clonedev_object_generate_keypair(struct clonedev *cd,
				     unsigned int key_type, unsigned int bits,
				     unsigned int obj_flags, const char *label,
				     const void *id, unsigned int id_len,
				     unsigned int *handle,
				     unsigned int *public_handle);
/* An EC key pair: clonedev_object_generate_keypair() with @bits 0. */
int clonedev_object_generate_pair(struct clonedev *cd, unsigned int key_type,
				  unsigned int obj_flags, const char *label,
				  const void *id, unsigned int id_len,
				  unsigned int *handle,
				  unsigned int *public_handle);
/*
 * CLONEDEV_IOCTL_OBJECT_IMPORT: @value is the raw key of an AES key or
 * generic secret, the private scalar d (big-endian, the curve's size) of
 * an EC key, or the PKCS#1 RSAPrivateKey DER of an RSA key
 * (clonedev_keyfile_parse() gives the last two from a PKCS#8 file).
 */
int clonedev_object_import(struct clonedev *cd, unsigned int key_type,
			   unsigned int obj_flags, const char *label,
			   const void *id, unsigned int id_len,
			   const void *value, unsigned int value_len,
			   unsigned int *handle);
/*
 * Objects whose label is @label (NULL: any) and whose id is @id (NULL: any),
 * from the partition's index. Returns the number of handles; *handles is
 * malloc()ed, free() it.
 */
int clonedev_object_find(struct clonedev *cd, const char *label,
			 const void *id, unsigned int id_len,
			 unsigned int **handles);

/*
 * Using keys (CLONEDEV_IOCTL_CRYPT, _DERIVE, _WRAP, _UNWRAP, _RANDOM).
 *
 * A key's value never leaves the kernel: these calls name a key by its
 * handle and pass data through. The session must be logged in (co or cu
 * for encrypt, decrypt, sign, verify and random; co for derive, wrap and
 * unwrap), and the key must carry the usage flag of the call
 * (CLONEDEV_OBJ_ENCRYPT...). Lengths are size_t; one call takes at most
 * CLONEDEV_CRYPT_MAX (1 MiB) of input, more goes through the multi-part
 * calls. Besides the errors of uapi/linux/clonedev.h (-EACCES not logged
 * in, -EPERM no usage flag, -EOPNOTSUPP mechanism, -EINVAL parameters,
 * -EMSGSIZE lengths, -EBADMSG a tag, MAC or signature that does not
 * verify), these calls return -EBUSY while a multi-part operation is in
 * progress on the handle (see clonedev_crypt_init()).
 */

/*
 * Opens a session, selects @slot and logs in as @role (none if @password
 * is NULL). On failure nothing stays open. Return: 0; -ENODEV for no such
 * slot; the errors of clonedev_open() and clonedev_login().
 */
int clonedev_open_login(struct clonedev **out, unsigned int slot,
			unsigned int role, const char *password);

/*
 * The one object whose label is @label (NULL: any) and whose id is @id
 * (NULL: any) and, unless @obj_class is 0, whose class is @obj_class (an
 * EC key pair's halves share label and id). Return: 0 and *handle;
 * -ENOENT if none matches; -ENOTUNIQ if more than one does; -EINVAL if
 * neither @label nor @id is given; the errors of clonedev_object_find().
 */
int clonedev_find_key(struct clonedev *cd, const char *label, const void *id,
		      unsigned int id_len, unsigned int obj_class,
		      unsigned int *handle);

/**
 * struct clonedev_crypt_params - how a key is used (struct clonedev_crypt)
 * @mech: enum clonedev_mech
 * @hash: enum clonedev_hash, for HMAC, ECDSA and RSA
 * @flags: CLONEDEV_CRYPT_GEN_IV: encryption takes a fresh IV from the
 *	kernel and returns it in @iv and @iv_len; CLONEDEV_CRYPT_PREHASHED
 *	(one-shot clonedev_sign() and clonedev_verify() with ECDSA,
 *	RSA_PKCS or RSA_PSS): the input is the @hash digest of the message
 * @iv_len: length of @iv (AES-GCM 12, CBC and CTR 16)
 * @iv: the IV (AES-GCM, CBC, CTR)
 * @aad: AES-GCM additional data, or NULL
 * @aad_len: its length
 * @tag_len: AES-GCM tag length, 12 to 16 (0: 16)
 * @salt_len: RSA-PSS salt length
 *
 * Start from a zeroed struct; fields a mechanism does not use stay 0.
 */
struct clonedev_crypt_params {
	unsigned int mech;
	unsigned int hash;
	unsigned int flags;
	unsigned int iv_len;
	unsigned char iv[CLONEDEV_IV_MAX];
	const void *aad;
	unsigned int aad_len;
	unsigned int tag_len;
	unsigned int salt_len;
};

/*
 * One-shot operations with the key @handle. The output goes to @out (room
 * @out_cap) and its length to *out_len; after -EMSGSIZE, *out_len is the
 * room the call needs (nothing was consumed). AES-GCM ciphertext carries
 * its tag at the end. clonedev_encrypt() writes a generated IV back into
 * @p. clonedev_verify() returns 0 if the signature or MAC verifies and
 * -EBADMSG if it does not.
 */
int clonedev_encrypt(struct clonedev *cd, unsigned int handle,
		     struct clonedev_crypt_params *p, const void *in,
		     size_t in_len, void *out, size_t out_cap,
		     size_t *out_len);
int clonedev_decrypt(struct clonedev *cd, unsigned int handle,
		     const struct clonedev_crypt_params *p, const void *in,
		     size_t in_len, void *out, size_t out_cap,
		     size_t *out_len);
int clonedev_sign(struct clonedev *cd, unsigned int handle,
		  const struct clonedev_crypt_params *p, const void *in,
		  size_t in_len, void *sig, size_t sig_cap, size_t *sig_len);
int clonedev_verify(struct clonedev *cd, unsigned int handle,
		    const struct clonedev_crypt_params *p, const void *in,
		    size_t in_len, const void *sig, size_t sig_len);

/*
 * Multi-part operations, for input of any length: clonedev_crypt_init()
 * with @op CLONEDEV_CRYPT_ENCRYPT, _DECRYPT, _SIGN or _VERIFY (an
 * encryption writes a generated IV back into @p), then
 * clonedev_crypt_update() for each piece of input (a cipher returns the
 * output so far; @out may be NULL when signing or verifying), then
 * clonedev_crypt_final() (the rest of the output, or the signature) or,
 * for a verification, clonedev_verify_final().
 *
 * The kernel keeps one multi-part operation per session, and a one-shot
 * call would end it; so from a successful init until the final call
 * returns (any result but -EMSGSIZE, after which the final call may be
 * repeated with *out_len of room), an update fails (other than with
 * -EMSGSIZE) or clonedev_crypt_abort(), every other init or one-shot call
 * on the handle returns -EBUSY. Threads that share a handle
 * should not run multi-part operations on it; give each its own session.
 * A multi-part AES-GCM encryption returns the whole blocks so far at each
 * update (room for @in_len + 15 bytes is enough) and the rest with the tag
 * at the final call. A decryption returns nothing before the tag checks
 * out: its updates give nothing, and the final call all the plaintext
 * (room for the ciphertext less the tag; at most 4 GiB - 1 bytes).
 *
 * Return: 0; -EINVAL for an update or final call with no operation in
 * progress (or the wrong final call); the errors of the one-shot calls.
 */
int clonedev_crypt_init(struct clonedev *cd, unsigned int op,
			unsigned int handle, struct clonedev_crypt_params *p);
int clonedev_crypt_update(struct clonedev *cd, const void *in, size_t in_len,
			  void *out, size_t out_cap, size_t *out_len);
int clonedev_crypt_final(struct clonedev *cd, const void *in, size_t in_len,
			 void *out, size_t out_cap, size_t *out_len);
int clonedev_verify_final(struct clonedev *cd, const void *in, size_t in_len,
			  const void *sig, size_t sig_len);
/* Ends the multi-part operation in progress, if any, discarding it. */
void clonedev_crypt_abort(struct clonedev *cd);

/**
 * struct clonedev_key_template - the attributes of a key a call makes
 * @key_type: enum clonedev_key_type
 * @bits: its size (clonedev_derive(); clonedev_unwrap() finds it)
 * @obj_flags: CLONEDEV_OBJ_* flags (always private and sensitive); no
 *	usage flag gives the type's default usage
 * @label: label, up to 32 characters, or NULL
 * @id: id, or NULL
 * @id_len: its length, up to CLONEDEV_ID_MAX
 */
struct clonedev_key_template {
	unsigned int key_type;
	unsigned int bits;
	unsigned int obj_flags;
	const char *label;
	const void *id;
	unsigned int id_len;
};

/*
 * ECDH (@mech CLONEDEV_MECH_ECDH): a new AES key or generic secret from
 * the EC private key @handle and the peer's uncompressed public point
 * (04 || X || Y), the leftmost @t->bits of the shared x-coordinate.
 */
int clonedev_derive(struct clonedev *cd, unsigned int mech,
		    unsigned int handle, const void *peer,
		    unsigned int peer_len,
		    const struct clonedev_key_template *t,
		    unsigned int *new_handle);
/*
 * RFC 5649 (@mech CLONEDEV_MECH_AES_KWP): the extractable key @handle
 * wrapped under the AES key @wrapping; at most CLONEDEV_WRAPPED_MAX bytes.
 */
int clonedev_wrap(struct clonedev *cd, unsigned int mech,
		  unsigned int wrapping, unsigned int handle, void *out,
		  size_t out_cap, size_t *out_len);
/* The reverse: a new key object of @t->key_type from @in. */
int clonedev_unwrap(struct clonedev *cd, unsigned int mech,
		    unsigned int unwrapping, const void *in, size_t in_len,
		    const struct clonedev_key_template *t,
		    unsigned int *new_handle);
/* @len random bytes from the kernel (any length; 0 does nothing). */
int clonedev_random(struct clonedev *cd, void *out, size_t len);

/*
 * Cloning domains of the session's partition (CLONEDEV_IOCTL_DOMAIN_*; the
 * po logged in). @primary: non-zero to make the domain the primary.
 * @new_label may be NULL or "" to keep the label.
 */
int clonedev_domain_list(struct clonedev *cd, struct clonedev_domain_list *out);
int clonedev_domain_add(struct clonedev *cd, const char *label,
			const char *secret, int primary);
int clonedev_domain_delete(struct clonedev *cd, const char *label);
int clonedev_domain_change(struct clonedev *cd, const char *label,
			   const char *new_label, int primary);
const char *clonedev_domain_type_name(unsigned int type);	/* "text", "quorum" */

/*
 * Quorum secrets as share files. clonedev_partition_init_quorum() and
 * clonedev_role_init_quorum() fill @shares (2 * n and n of them); the
 * login and domain import take M shares. Their other errors are those of
 * the password calls (uapi/linux/clonedev.h).
 */
int clonedev_partition_init_quorum(struct clonedev *cd, const char *label,
				   const char *domain_label, unsigned int m,
				   unsigned int n, struct clonedev_share *shares,
				   unsigned char *fingerprint);
int clonedev_role_init_quorum(struct clonedev *cd, unsigned int role,
			      unsigned int m, unsigned int n,
			      struct clonedev_share *shares);
int clonedev_login_shares(struct clonedev *cd, unsigned int role,
			  const struct clonedev_share *shares,
			  unsigned int count);
int clonedev_domain_import(struct clonedev *cd, const char *label,
			   const unsigned char *fingerprint,
			   const struct clonedev_share *shares,
			   unsigned int count, int primary);

/*
 * CLONEDEV_IOCTL_SUITES: enables and disables CPv4 suites (masks, 0 to
 * only show) and fills *out.
 */
int clonedev_suites(struct clonedev *cd, unsigned int enable,
		    unsigned int disable, struct clonedev_suites *out);
unsigned int clonedev_suite_value(const char *name);	/* 0 if unknown */

/*
 * Archive files (docs/archive-format.md), made and read by the kernel:
 * the three requests (each sets ->size itself), and the whole of a backup
 * or restore over a file descriptor.
 */
int clonedev_archive_open(struct clonedev *cd,
			  struct clonedev_archive_open *cmd);
int clonedev_archive_next(struct clonedev *cd,
			  struct clonedev_archive_next *cmd);
int clonedev_archive_finish(struct clonedev *cd,
			    struct clonedev_archive_finish *cmd);

/**
 * struct clonedev_archive_result - what an archive backup or restore did
 * @objects: object records in the archive
 * @copied: restore: objects stored
 * @skipped: restore: objects whose OUID the partition held already
 * @refused: objects policy (0 and 4) left out (backup) or refused (restore)
 * @failed: restore: records that do not validate, OUID clashes
 * @serial: the serial of the partition the archive was made from
 */
struct clonedev_archive_result {
	unsigned int objects;
	unsigned int copied;
	unsigned int skipped;
	unsigned int refused;
	unsigned int failed;
	unsigned long long serial;
};

/*
 * Writes an archive of @count objects (@handles; all with @count 0) of
 * @cd's partition to @fd, sealed under its domain @domain_label (NULL:
 * the primary). Return: 0 or -errno (CLONEDEV_IOCTL_ARCHIVE_*, or of
 * write()); on failure what was written to @fd is not an archive.
 */
int clonedev_archive_backup(struct clonedev *cd, const unsigned int *handles,
			    unsigned int count, const char *domain_label,
			    int fd, struct clonedev_archive_result *res);

/*
 * Reads the archive at @fd into @cd's partition (the co logged in): the
 * objects that had @handles (all with @count 0). Nothing is stored unless
 * the whole file verifies. Return: 0 or -errno; -EBADMSG also for a file
 * that ends early or goes on after the final record.
 */
int clonedev_archive_restore(struct clonedev *cd, int fd,
			     const unsigned int *handles, unsigned int count,
			     struct clonedev_archive_result *res);

/* CLONEDEV_IOCTL_CLONE: one operation; sets c->size itself. */
int clonedev_clone_op(struct clonedev *cd, struct clonedev_clone *c);

/**
 * struct clonedev_clone_relay - hooks of clonedev_clone()
 * @progress: called with the source's state once for each object whose
 *	result arrives (has_result, result_*, the counts up to it), also
 *	when one flight brings many
 * @tamper: sees every flight (one message, or a CPv4 window's messages
 *	one after the other) before the other side gets it and may change
 *	it and its length (*len at most CLONEDEV_CLONE_MSG_MAX); for tests
 *	of the protocol's defences
 * @arg: passed to both
 * @target_flags: the flags of the target's TARGET (CLONEDEV_CLONE_REPLACE:
 *	an object the target holds is replaced by the one that arrives);
 *	clonedev_clone() only, as the serving side of a pipe sets its own
 */
struct clonedev_clone_relay {
	void (*progress)(void *arg, const struct clonedev_clone *st);
	void (*tamper)(void *arg, int to_target, unsigned char *msg,
		       unsigned int *len);
	void *arg;
	unsigned int target_flags;
};

/*
 * Clones @count objects (@handles; all with @count 0) from the session
 * @src (co or cu logged in) to the session @dst (the target's co logged
 * in), relaying the messages between the two. *result is the source's
 * final state: protocol, suite and counts, or the error.
 * Return: 0 when the clone finished; -EPROTO if it failed (result->error
 * says why, enum clonedev_clone_error); another -errno if a session
 * refused to start (see CLONEDEV_IOCTL_CLONE).
 */
int clonedev_clone(struct clonedev *src, struct clonedev *dst,
		   const unsigned int *handles, unsigned int count,
		   const struct clonedev_clone_relay *relay,
		   struct clonedev_clone *result);

/*
 * The same with the target at the other end of a pipe (a program that
 * serves it, such as "clonectl peer" or one reached over ssh): messages
 * go to @to and answers come from @from, each as a big-endian u32 length
 * and the bytes (docs/clone-protocol.md, "Over a pipe"). Also -EPIPE or
 * -EMSGSIZE if the pipe fails or carries nonsense.
 */
int clonedev_clone_pipe(struct clonedev *src, int to, int from,
			const unsigned int *handles, unsigned int count,
			const struct clonedev_clone_relay *relay,
			struct clonedev_clone *result);

/*
 * Serves the session @cd (the target's co logged in) as the target of a
 * clone whose messages arrive on @in; answers go to @out. *result is the
 * target's final state. Return: 0 when the clone finished, -EPROTO if it
 * failed (result->error), another -errno for the pipe or the ioctl.
 */
int clonedev_clone_serve(struct clonedev *cd, int in, int out,
			 struct clonedev_clone *result);

/* One framed message on a pipe: u32 length (big-endian), then the bytes. */
int clonedev_msg_write(int fd, const unsigned char *msg, unsigned int len);
int clonedev_msg_read(int fd, unsigned char *msg, unsigned int *len);

/*
 * The remote PED (docs/remote-ped.md): a session of a quorum partition
 * takes its logins' shares from the custodian's clonedev-pedserver. The
 * library relays the channel's messages over TCP and never sees a share:
 * they arrive sealed for the kernel and stay there.
 */

/**
 * struct clonedev_ped_info - a session's channel and its partition's RPV
 * @state: enum clonedev_ped_state
 * @error: enum clonedev_ped_error: why the channel failed, or what its
 *	last SHARES said
 * @has_rpv: non-zero if the partition has a remote PED vector
 * @rpv_id: its id (with @has_rpv), the fingerprint of its share files
 * @held_kind: enum clonedev_ped_kind of the shares the session holds, 0
 * @held_count: how many
 */
struct clonedev_ped_info {
	unsigned int state;
	unsigned int error;
	int has_rpv;
	unsigned char rpv_id[CLONEDEV_PED_RPV_ID_LEN];
	unsigned int held_kind;
	unsigned int held_count;
};

/*
 * The po makes the partition's remote PED vector (a quorum partition;
 * an older one is replaced): @shares gets its @n shares, any @m of which
 * start a server for it, and @rpv_id its id. Wipe @shares once written.
 * clonedev_ped_vector_erase() removes it (-ENOKEY if there is none).
 */
int clonedev_ped_vector_init(struct clonedev *cd, unsigned int m,
			     unsigned int n, struct clonedev_share *shares,
			     unsigned char *rpv_id);
int clonedev_ped_vector_erase(struct clonedev *cd);
/* CLONEDEV_PED_STATUS: -ENODEV with no slot selected. */
int clonedev_ped_status(struct clonedev *cd, struct clonedev_ped_info *out);

/* A session's connection to a PED server (one per session). */
struct clonedev_ped_link;

/*
 * Connects to the server at @host (a name, an IPv4 or IPv6 address) and
 * @port over TCP and relays the handshake between it and the session
 * @cd, whose partition must have a remote PED vector. Connecting,
 * sending and each answer wait at most $CLONEDEV_PED_TIMEOUT seconds
 * (default 60). A new connection ends the session's older channel.
 * Return: 0 and *out once the kernel and the server proved to each other
 * that they hold the RPV; -EPROTO if the handshake failed, with
 * *perr the enum clonedev_ped_error (CLONEDEV_PED_E_RPV: the server holds
 * another RPV; _AUTH: a proof did not verify, a changed message or
 * another RPV; _UNEXPECTED, _INTERNAL); -ENOENT if @host does not
 * resolve; -ECONNREFUSED, -EHOSTUNREACH, ... from the connection;
 * -ETIMEDOUT; -ENOTCONN if the server closed the connection;
 * -EMSGSIZE if it sent a frame longer than CLONEDEV_PED_MSG_MAX;
 * -ENOKEY if the partition has no RPV; -ENODEV with no slot selected;
 * -EINVAL for a bad @host or @port.
 */
int clonedev_ped_connect(struct clonedev *cd, const char *host,
			 unsigned int port, struct clonedev_ped_link **out,
			 int *perr);

/*
 * Asks the server for the shares of @kind (enum clonedev_ped_kind; a
 * role's are the enum clonedev_role values, a domain's are named by
 * @domain_label, else NULL). The kernel keeps what it gets for the
 * session's next clonedev_login_ped() or clonedev_domain_add_ped().
 * Return: 0 with *status the enum clonedev_ped_error: 0 the shares are
 * held; 1 refused by the custodian, 2 no share fits, 3 too few (the link
 * stays usable); above 3 the channel failed and the link is down.
 * -ENOTCONN if the server went away (closed or reset) or the link is
 * down, -ETIMEDOUT if it did not answer, -EMSGSIZE for an oversized
 * frame: the link is down and nothing was held. -EINVAL if the session's
 * channel is not connected (the session selected a slot since).
 */
int clonedev_ped_request(struct clonedev_ped_link *link, unsigned int kind,
			 const char *domain_label, int *status);

/*
 * Has the kernel make a new secret of @kind (@domain_label for a domain,
 * else NULL) and send its @m of @n shares to the server to store as share
 * files. The kernel keeps the secret for the session's next
 * clonedev_role_init_ped() or clonedev_partition_init_ped() (po and
 * domain). Return: 0 with *status the enum clonedev_ped_error: 0 the
 * server wrote the shares; 1 refused by the custodian, 8 the server could
 * not write them (the link stays usable, the secret is gone); other codes
 * the channel failed and the link is down. Otherwise as
 * clonedev_ped_request(); -EACCES if the session's role may not make that
 * secret.
 */
int clonedev_ped_store(struct clonedev_ped_link *link, unsigned int kind,
		       const char *domain_label, unsigned int m,
		       unsigned int n, int *status);

/*
 * Ends the connection (a length of 0 to the server, then close), ends
 * the session's channel and frees @link. Return: 0, or -ENOTCONN if the
 * session's channel had ended already (the link is freed all the same).
 */
int clonedev_ped_disconnect(struct clonedev_ped_link *link);

/*
 * 0 if the connection is up; -ENOTCONN if it is down, or if the server
 * closed it since (then it is taken down, and the channel with it).
 */
int clonedev_ped_link_check(struct clonedev_ped_link *link);
/* The server's address (numeric) and port. */
int clonedev_ped_link_server(const struct clonedev_ped_link *link,
			     char *host, size_t len, unsigned int *port);
struct clonedev *clonedev_ped_link_session(const struct clonedev_ped_link *link);

/*
 * Logs @role in, or imports the quorum domain @label, with the shares the
 * session's channel holds for it (clonedev_ped_request()); they are
 * dropped whatever comes of it. Return: as clonedev_login_shares() and
 * clonedev_domain_import(); -ENODATA if the session holds none for it.
 */
int clonedev_login_ped(struct clonedev *cd, unsigned int role);
int clonedev_domain_add_ped(struct clonedev *cd, const char *label,
			    int primary);

/*
 * Initializes @role, or the partition (label @label or NULL to keep it,
 * primary domain @domain_label), with the secrets the session's channel
 * made and had stored (clonedev_ped_store()) of quorum @m of @n; they
 * are wiped whatever comes of it. Return: as clonedev_role_init_quorum()
 * and clonedev_partition_init_quorum(); -ENODATA if the session holds no
 * stored secret for it.
 */
int clonedev_role_init_ped(struct clonedev *cd, unsigned int role,
			   unsigned int m, unsigned int n);
int clonedev_partition_init_ped(struct clonedev *cd, const char *label,
				const char *domain_label, unsigned int m,
				unsigned int n, unsigned char *fingerprint);

/* CLONEDEV_IOCTL_ROLE_CHALLENGE and CLONEDEV_IOCTL_ACTIVATION. */
int clonedev_role_challenge(struct clonedev *cd, unsigned int role,
			    const char *challenge);
int clonedev_activation(struct clonedev *cd, int activate);

/**
 * struct clonedev_sharefile - one share file: what it belongs to, and it
 * @serial: serial of the partition the secret was made on
 * @partition: that partition's label
 * @kind: "po", "co", "cu" (a role's secret), "domain" or "rpv" (the
 *	remote PED vector, docs/remote-ped.md)
 * @domain_label: a domain share's domain label, else ""
 * @fingerprint: a domain share's domain fingerprint, an rpv share's RPV
 *	id, else zero
 * @m: shares needed
 * @n: shares made
 * @share: the share (index 1..n)
 *
 * The file is text: a "clonedev share 1" line, one "name value" line per
 * field, the share in hex, and a CRC-32 of all that, so a damaged file is
 * told apart from a wrong one. The CRC is not a secret and not a proof:
 * a forged share still only makes a failed login or a refused import.
 */
struct clonedev_sharefile {
	unsigned long long serial;
	char partition[CLONEDEV_LABEL_LEN];
	char kind[8];
	char domain_label[CLONEDEV_LABEL_LEN];
	unsigned char fingerprint[CLONEDEV_FINGERPRINT_LEN];
	unsigned int m, n;
	struct clonedev_share share;
};

/*
 * Writes @sf into @dir as a new file (mode 0600) named
 * "<partition>-<serial>-<kind>[-<domain label>]-<i>of<n>.share" and puts
 * its path in @path. Return: 0, -EEXIST if the file exists, or -errno.
 */
int clonedev_sharefile_write(const char *dir,
			     const struct clonedev_sharefile *sf, char *path,
			     size_t path_len);
/* The path clonedev_sharefile_write() would use (share.index included). */
int clonedev_sharefile_path(const char *dir,
			    const struct clonedev_sharefile *sf, char *path,
			    size_t path_len);
/*
 * Return: 0; -EBADMSG for a malformed or damaged file (or one longer than
 * a share file can be); -errno. On failure *@sf is all zero.
 */
int clonedev_sharefile_read(const char *path, struct clonedev_sharefile *sf);

/**
 * struct clonedev_keyfile - a private key read from a PKCS#8 file
 * @key_type: CLONEDEV_KEY_EC_P256, CLONEDEV_KEY_EC_P384 or CLONEDEV_KEY_RSA
 * @len: length of @value
 * @value: EC: the private scalar d, big-endian, 32 or 48 bytes;
 *	RSA: the PKCS#1 RSAPrivateKey DER from inside the PKCS#8 wrapper
 */
struct clonedev_keyfile {
	unsigned int key_type;
	unsigned int len;
	unsigned char *value;
};

/*
 * Parses an unencrypted PKCS#8 PrivateKeyInfo, PEM ("PRIVATE KEY") or DER.
 * Return: 0; -EBADMSG if @buf is not a well-formed PKCS#8 key; -EOPNOTSUPP
 * for an encrypted key, another PEM type, or an algorithm or curve other
 * than RSA, P-256 and P-384; -ENOMEM. Wipes every copy it made but @out.
 */
int clonedev_keyfile_parse(const void *buf, size_t len,
			   struct clonedev_keyfile *out);
/* Wipes and frees @kf->value. */
void clonedev_keyfile_free(struct clonedev_keyfile *kf);
const char *clonedev_class_name(unsigned int obj_class);
const char *clonedev_key_type_name(unsigned int key_type);
unsigned int clonedev_key_type_value(const char *name);

/*
 * The virtual slot of an HA group (docs/ha.md): one co session on each
 * member of the group @group in the group file @path (NULL:
 * $CLONEDEV_HAGROUP_FILE, else /etc/clonedev/hagroups.conf). A member is
 * used only if its slot holds the partition of the serial the file names
 * and its co takes @password. Objects are named by OUID.
 *
 * Each operation goes to the next active member alive (round robin). A
 * member that fails (its partition deleted or zeroized, its login ended:
 * -ENODEV, -EACCES, -ESTALE, -EIO, ...) is taken out for the life of the
 * handle and the operation is run again on the next; a member that lacks
 * the object is passed over. Standby members serve only while no active
 * member is alive. The operation's own errors (-EBADMSG for a MAC or tag
 * that does not verify, -EINVAL, -EPERM, -EMSGSIZE) are returned as the
 * member gave them, and take no member out. Calls on one handle are
 * serialised.
 *
 * clonedev_ha_open() returns 0; -ENOENT if the file or the group is not
 * there; -EBADMSG for a malformed file; -EHOSTDOWN if no member could be
 * logged in to. The operations return what clonedev_encrypt() and the
 * others do, -ENOENT if no member alive holds the object, -EHOSTDOWN
 * once no member is alive. clonedev_ha_generate() makes a secret key on
 * one member and clones it to every other member alive before it
 * returns (a member that does not take it is taken out); *ouid gets its
 * OUID. clonedev_ha_members() fills up to @cap entries and returns the
 * number of members.
 *
 * clonedev_ha_login() is clonedev_ha_open() but for one case: when no
 * member could be logged in to and a member alive refused the co login,
 * it returns that refusal (-EACCES a wrong password, -EKEYREVOKED a
 * locked role, ...) where clonedev_ha_open() returns -EHOSTDOWN.
 *
 * clonedev_ha_objects() gives the OUIDs of the objects of a member alive
 * (an active one while one is alive), CLONEDEV_OUID_LEN bytes each, in
 * *ouids (malloc()ed, free() it), and returns their number.
 * clonedev_ha_object_get() and clonedev_ha_object_public() are
 * clonedev_object_get() and clonedev_object_public() of the object @ouid
 * on a member alive that holds it; attrs->handle is that member's
 * handle. These reads go to the first active member alive in the group's
 * order, fail over as the operations do, and neither count as operations
 * served nor take a turn of the round robin.
 *
 * clonedev_ha_groups() reads every group of the group file @path (NULL
 * as for clonedev_ha_open(), and as strictly), into *out (malloc()ed,
 * free() it), and returns their number; up, served are 0.
 */
#define CLONEDEV_HA_MEMBERS_MAX	16
#define CLONEDEV_HA_LABEL_MAX	32

struct clonedev_ha;

/**
 * struct clonedev_ha_member - one member of a virtual slot
 * @slot: its slot
 * @serial: its partition's serial
 * @standby: non-zero for a standby member
 * @up: non-zero while it is in use (alive, not taken out)
 * @served: the operations it carried out
 */
struct clonedev_ha_member {
	unsigned int slot;
	unsigned long long serial;
	int standby;
	int up;
	unsigned long served;
};

/**
 * struct clonedev_ha_group - one group of the group file
 * @label: its label
 * @n: its number of members
 * @m: its members, in the file's order
 */
struct clonedev_ha_group {
	char label[CLONEDEV_HA_LABEL_MAX + 1];
	unsigned int n;
	struct clonedev_ha_member m[CLONEDEV_HA_MEMBERS_MAX];
};

int clonedev_ha_open(struct clonedev_ha **out, const char *path,
		     const char *group, const char *password);
int clonedev_ha_login(struct clonedev_ha **out, const char *path,
		      const char *group, const char *password);
int clonedev_ha_groups(const char *path, struct clonedev_ha_group **out);
int clonedev_ha_objects(struct clonedev_ha *ha, unsigned char **ouids);
int clonedev_ha_object_get(struct clonedev_ha *ha, const unsigned char *ouid,
			   struct clonedev_object_attrs *a, void *value,
			   unsigned int cap, unsigned int *len);
int clonedev_ha_object_public(struct clonedev_ha *ha,
			      const unsigned char *ouid, void *buf,
			      unsigned int cap, unsigned int *len);
void clonedev_ha_close(struct clonedev_ha *ha);
int clonedev_ha_members(struct clonedev_ha *ha,
			struct clonedev_ha_member *out, unsigned int cap);
int clonedev_ha_encrypt(struct clonedev_ha *ha, const unsigned char *ouid,
			struct clonedev_crypt_params *p, const void *in,
			size_t in_len, void *out, size_t out_cap,
			size_t *out_len);
int clonedev_ha_decrypt(struct clonedev_ha *ha, const unsigned char *ouid,
			const struct clonedev_crypt_params *p, const void *in,
			size_t in_len, void *out, size_t out_cap,
			size_t *out_len);
int clonedev_ha_sign(struct clonedev_ha *ha, const unsigned char *ouid,
		     const struct clonedev_crypt_params *p, const void *in,
		     size_t in_len, void *sig, size_t sig_cap, size_t *sig_len);
int clonedev_ha_verify(struct clonedev_ha *ha, const unsigned char *ouid,
		       const struct clonedev_crypt_params *p, const void *in,
		       size_t in_len, const void *sig, size_t sig_len);
int clonedev_ha_generate(struct clonedev_ha *ha, unsigned int key_type,
			 unsigned int bits, unsigned int obj_flags,
			 const char *label, const void *id,
			 unsigned int id_len, unsigned char *ouid);

/* Resolves the family; fails with -ENOENT if the module is not loaded. */
int clonedev_nl_open(struct clonedev_nl **out);
void clonedev_nl_close(struct clonedev_nl *nl);
int clonedev_nl_family(const struct clonedev_nl *nl);

/*
 * The kernel's explanation (extended ack message) of the last failed
 * request on this handle, or "" if it gave none. The attribute the kernel
 * found missing, if any, is in *missing_attr (0 if none).
 */
const char *clonedev_nl_error(const struct clonedev_nl *nl,
			      unsigned int *missing_attr);

/* CLONEDEV_CMD_HSM_GET, filling the same struct as the ioctl. */
int clonedev_nl_hsm_get(struct clonedev_nl *nl,
			struct clonedev_hsm_info *info);

/** struct clonedev_slot - one slot (partition) as the system plane shows it */
struct clonedev_slot {
	unsigned int slot;
	char label[33];
	unsigned long long serial;
	unsigned int auth;		/* enum clonedev_partition_auth */
	unsigned int type;		/* enum clonedev_partition_type */
	unsigned int protocol_level;	/* enum clonedev_protocol_level */
	unsigned int state;		/* enum clonedev_partition_state */
	unsigned int object_count;
};

int clonedev_nl_slot_get(struct clonedev_nl *nl, unsigned int slot,
			 struct clonedev_slot *out);
/* Returns the number of slots; *slots is malloc()ed, free() it. */
int clonedev_nl_slot_list(struct clonedev_nl *nl,
			  struct clonedev_slot **slots);

/*
 * CLONEDEV_CMD_PARTITION_CREATE (HSM administrator): 0 for @auth, @type or
 * @level means the default. Fills *out with the new slot.
 */
int clonedev_nl_partition_create(struct clonedev_nl *nl, const char *label,
				 unsigned int auth, unsigned int type,
				 unsigned int level, struct clonedev_slot *out);
int clonedev_nl_partition_delete(struct clonedev_nl *nl, unsigned int slot);

/* Parses a name shown by the *_name() functions; 0 if unknown. */
unsigned int clonedev_auth_value(const char *name);
unsigned int clonedev_ptype_value(const char *name);
unsigned int clonedev_level_value(const char *name);

/*
 * Low level, for tests and new commands: a message for the family, and a
 * transaction that sends it (consuming it), hands each reply to @parse and
 * waits for the ack or the end of a dump.
 */
struct nl_msg *clonedev_nl_msg(struct clonedev_nl *nl, int cmd, int flags);
int clonedev_nl_transact(struct clonedev_nl *nl, struct nl_msg *msg,
			 int (*parse)(struct nl_msg *msg, void *arg),
			 void *arg);

/* Names for the enum values of uapi/linux/clonedev.h ("?" if unknown). */
const char *clonedev_auth_name(unsigned int auth);
const char *clonedev_ptype_name(unsigned int type);
const char *clonedev_level_name(unsigned int level);
const char *clonedev_state_name(unsigned int state);
const char *clonedev_role_name(unsigned int role);	/* "po", "co", "cu" */
unsigned int clonedev_role_value(const char *name);
const char *clonedev_protocol_name(unsigned int bit);
const char *clonedev_suite_name(unsigned int bit);

#ifdef __cplusplus
}
#endif

#endif /* LIBCLONEDEV_H */
