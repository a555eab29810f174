/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * clonedev: a software HSM in the kernel.
 *
 * This header is the one definition of the interface between clonedev.ko
 * and user space. It describes two planes:
 *
 *  - the session plane, ioctl() on /dev/clonedev: each open file descriptor
 *    is one session;
 *  - the system plane, the generic netlink family "clonedev": discovery
 *    dumps, HSM administrator operations and event notifications on the
 *    multicast group "events" (docs/netlink/clonedev.yaml).
 *
 * The HSM administrator is a process with CAP_SYS_ADMIN in the initial user
 * namespace (CAP_NET_ADMIN is not enough): only it creates and deletes
 * partitions (-EPERM otherwise) and initializes a new partition. Who may
 * do what is tabled in the privilege matrix of docs/security.md.
 *
 * The store: whichever request opens it (module load, or the first
 * administrator request after the key is added), its sealing key is the
 * logon key "clonedev:store" found with the kernel's credentials, that is
 * in root's user keyring (keyctl padd logon clonedev:store @u, as root in
 * the initial user namespace), and its file is STORE/clonedev.log (STORE
 * the module parameter store=, default /var/lib/clonedev) looked up from
 * init's root directory in init's mount namespace. The caller's keyrings,
 * root directory and mount namespace play no part.
 *
 * ioctl rules: every argument struct starts with __u32 size and __u32 flags.
 * User space sets @size to sizeof() the struct it was built with; the
 * kernel accepts any size from the first version of the struct upward,
 * requires bytes it does not know to be zero (-E2BIG otherwise) and writes
 * back at most @size bytes. Flags the kernel does not know give
 * -EOPNOTSUPP; a reserved field that is not zero gives -EINVAL; an unknown
 * ioctl command gives -ENOTTY.
 *
 * Backup partitions (CLONEDEV_PTYPE_BACKUP, docs/backup.md) hold objects
 * that arrive by cloning and neither make nor use any: on one, the
 * requests that do (OBJECT_GENERATE, OBJECT_CREATE, OBJECT_IMPORT,
 * OBJECT_SET_ATTRS, CRYPT, DERIVE, WRAP, UNWRAP, RANDOM) give -EMEDIUMTYPE whoever is logged in,
 * right after the checks of size, flags and reserved fields, and change
 * nothing.
 */
#ifndef _UAPI_LINUX_CLONEDEV_H
#define _UAPI_LINUX_CLONEDEV_H

#include <linux/ioctl.h>
#include <linux/types.h>

/*
 * The system plane's names and the enums both planes share (protocol and
 * suite bits, partition auth, type, protocol level and state) are
 * generated from docs/netlink/clonedev.yaml.
 */
#include <linux/clonedev_netlink.h>

#define CLONEDEV_DEVICE_NAME		"clonedev"
/*
 * Misc minor from the range devices.txt reserves for local use; a fixed
 * minor lets opening /dev/clonedev load the module (char-major-10-246).
 */
#define CLONEDEV_MISC_MINOR		246

#define CLONEDEV_SUITES_ALL		0x00000007U
#define CLONEDEV_SUITES_FIPS		0x00000003U	/* FIPS-approved ones */

/* Flags of struct clonedev_hsm_info.hsm_flags. */
#define CLONEDEV_HSM_FIPS		0x00000001U	/* FIPS mode is on */
#define CLONEDEV_HSM_ACTIVE		0x00000002U	/* the store is open */

#define CLONEDEV_VERSION_LEN		32

/* ------------------------------------------------------------------ */
/* Session plane: ioctl on /dev/clonedev                               */
/* ------------------------------------------------------------------ */

#define CLONEDEV_IOCTL_TYPE		0xCD

enum {
	CLONEDEV_CMD_BASE = 0x80,
	CLONEDEV_CMD_HSM_INFO = CLONEDEV_CMD_BASE,
	CLONEDEV_CMD_SESSION_INFO,
	CLONEDEV_CMD_SLOT_SET,
	CLONEDEV_CMD_PARTITION_INIT,
	CLONEDEV_CMD_LOGIN,
	CLONEDEV_CMD_LOGOUT,
	CLONEDEV_CMD_ROLE_INIT,
	CLONEDEV_CMD_ROLE_CHANGEPW,
	CLONEDEV_CMD_POLICY_GET,
	CLONEDEV_CMD_POLICY_SET,
	CLONEDEV_CMD_OBJECT_GENERATE,
	CLONEDEV_CMD_OBJECT_CREATE,
	CLONEDEV_CMD_OBJECT_DESTROY,
	CLONEDEV_CMD_OBJECT_GET,
	CLONEDEV_CMD_OBJECT_LIST,
	CLONEDEV_CMD_OBJECT_IMPORT,
	CLONEDEV_CMD_OBJECT_FIND,
	CLONEDEV_CMD_DOMAIN_LIST,
	CLONEDEV_CMD_DOMAIN_ADD,
	CLONEDEV_CMD_DOMAIN_DELETE,
	CLONEDEV_CMD_DOMAIN_CHANGE,
	CLONEDEV_CMD_ROLE_CHALLENGE,
	CLONEDEV_CMD_ACTIVATION,
	CLONEDEV_CMD_SUITES,
	CLONEDEV_CMD_CLONE,
	CLONEDEV_CMD_CRYPT,
	CLONEDEV_CMD_DERIVE,
	CLONEDEV_CMD_WRAP,
	CLONEDEV_CMD_UNWRAP,
	CLONEDEV_CMD_RANDOM,
	CLONEDEV_CMD_PED,
	CLONEDEV_CMD_ARCHIVE_OPEN,
	CLONEDEV_CMD_ARCHIVE_NEXT,
	CLONEDEV_CMD_ARCHIVE_FINISH,
	CLONEDEV_CMD_OBJECT_SET_ATTRS,
};

/**
 * enum clonedev_role - the roles of a partition
 * @CLONEDEV_ROLE_NONE: not logged in
 * @CLONEDEV_ROLE_PO: Partition Security Officer
 * @CLONEDEV_ROLE_CO: Crypto Officer
 * @CLONEDEV_ROLE_CU: Crypto User
 */
enum clonedev_role {
	CLONEDEV_ROLE_NONE = 0,
	CLONEDEV_ROLE_PO = 1,
	CLONEDEV_ROLE_CO = 2,
	CLONEDEV_ROLE_CU = 3,
};

#define CLONEDEV_LABEL_LEN		33	/* 1..32 characters and a NUL */
#define CLONEDEV_SECRET_MAX		128	/* longest password or text domain */

/* Flags of struct clonedev_role_state.role_flags. */
#define CLONEDEV_ROLE_SET		0x00000001U	/* has a credential */
#define CLONEDEV_ROLE_LOCKED		0x00000002U	/* locked out */
#define CLONEDEV_ROLE_CHALLENGE		0x00000004U	/* has a challenge */
#define CLONEDEV_ROLE_CACHED		0x00000008U	/* secret cached (activated) */

/**
 * struct clonedev_role_state - one role as struct clonedev_session_info shows it
 * @role_flags: CLONEDEV_ROLE_* flags
 * @failures: consecutive failed logins
 */
struct clonedev_role_state {
	__u32 role_flags;
	__u32 failures;
};

/**
 * struct clonedev_hsm_info - ioctl(CLONEDEV_IOCTL_HSM_INFO)
 * @size: input, sizeof(struct clonedev_hsm_info)
 * @flags: input, must be 0
 * @version: output, module version, NUL-terminated
 * @protocols: output, cloning protocols this HSM implements
 *	(mask of enum clonedev_protocol_bit)
 * @suites: output, CPv4 cipher suites whose algorithms the kernel crypto
 *	API provides (mask of enum clonedev_suite_bit)
 * @hsm_flags: output, CLONEDEV_HSM_* flags
 * @partition_count: output, number of partitions
 * @max_partitions: output, most partitions the HSM will hold
 * @__reserved: input, must be 0
 *
 * Describes the HSM. Any session may ask, logged in or not.
 *
 * Return: 0 on success, -EFAULT if the struct cannot be copied,
 * -EINVAL if @size is too small or @__reserved is not zero,
 * -EOPNOTSUPP if @flags is not zero, -E2BIG if @size is larger than the
 * kernel's struct and the extra bytes are not zero.
 */
struct clonedev_hsm_info {
	__u32 size;
	__u32 flags;
	char version[CLONEDEV_VERSION_LEN];
	__u32 protocols;
	__u32 suites;
	__u32 hsm_flags;
	__u32 partition_count;
	__u32 max_partitions;
	__u32 __reserved;
};

#define CLONEDEV_IOCTL_HSM_INFO _IO(CLONEDEV_IOCTL_TYPE, CLONEDEV_CMD_HSM_INFO)

/**
 * struct clonedev_session_info - ioctl(CLONEDEV_IOCTL_SESSION_INFO)
 * @size: input, sizeof(struct clonedev_session_info)
 * @flags: input, must be 0
 * @slot: output, the session's slot, 0 if none is set
 * @role: output, enum clonedev_role logged in on this session
 * @state: output, enum clonedev_partition_state of the slot's partition
 * @__reserved: input, must be 0
 * @roles: output, by enum clonedev_role (index 0 unused): credentials and
 *	lockout of each role of the slot's partition
 * @activated: output, 1 if the slot's (quorum) partition is activated
 * @__reserved2: output, zero
 *
 * Return: 0; -ENODEV if the session's partition was deleted; the
 * struct rules of this header.
 */
struct clonedev_session_info {
	__u32 size;
	__u32 flags;
	__u32 slot;
	__u32 role;
	__u32 state;
	__u32 __reserved;
	struct clonedev_role_state roles[4];
	__u32 activated;
	__u32 __reserved2;
};

#define CLONEDEV_IOCTL_SESSION_INFO					\
	_IO(CLONEDEV_IOCTL_TYPE, CLONEDEV_CMD_SESSION_INFO)

/**
 * struct clonedev_slot_set - ioctl(CLONEDEV_IOCTL_SLOT_SET)
 * @size: input, sizeof(struct clonedev_slot_set)
 * @flags: input, must be 0
 * @slot: input, the slot this session works on from now
 * @__reserved: input, must be 0
 *
 * Selects the session's partition and logs out of the previous one.
 *
 * Return: 0, or -ENODEV if no partition has @slot.
 */
struct clonedev_slot_set {
	__u32 size;
	__u32 flags;
	__u32 slot;
	__u32 __reserved;
};

#define CLONEDEV_IOCTL_SLOT_SET _IO(CLONEDEV_IOCTL_TYPE, CLONEDEV_CMD_SLOT_SET)

#define CLONEDEV_SHARE_LEN		32	/* a quorum secret and each share */
#define CLONEDEV_FINGERPRINT_LEN	8	/* struct clonedev_domain_info */
#define CLONEDEV_QUORUM_MAX		16	/* N of M-of-N */

/**
 * struct clonedev_share - one share of a quorum secret (Shamir, GF(2^8))
 * @index: x coordinate, 1..N
 * @__reserved: zero; a share given to the kernel with any byte set is
 *	-EINVAL
 * @data: the share
 *
 * A quorum secret (a quorum partition's role secret, or a quorum domain) is
 * 32 random bytes made in the kernel and split into N shares; any M of them
 * give it back, fewer give nothing. The kernel hands shares out only when
 * it makes the secret, and combines them itself: the secret never reaches
 * user space.
 */
struct clonedev_share {
	__u8 index;
	__u8 __reserved[7];
	__u8 data[CLONEDEV_SHARE_LEN];
};

/**
 * struct clonedev_partition_init - ioctl(CLONEDEV_IOCTL_PARTITION_INIT)
 * @size: input, sizeof(struct clonedev_partition_init)
 * @flags: input, 0 or CLONEDEV_PARTITION_INIT_PED: the po secret and the
 *	primary domain's are the ones the session's remote PED channel made
 *	and had its server store (struct clonedev_ped, CLONEDEV_PED_STORE,
 *	kinds po and domain, the domain's label @domain_label), with
 *	@quorum_m and @quorum_n theirs and @shares 0: no share leaves the
 *	kernel
 * @password_len: input, length of the PO password, 1..128
 * @domain_len: input, length of the text domain secret, 1..128
 * @password: input, pointer to the new PO password
 * @domain: input, pointer to the primary cloning domain's secret
 * @label: input, new partition label, or "" to keep it
 * @domain_label: input, the primary domain's label (1..32 characters)
 * @__reserved: input, must be 0
 * @quorum_m: input, quorum partitions: M, shares needed, 1..@quorum_n
 * @quorum_n: input, quorum partitions: N, shares made, 1..16
 * @shares: input, quorum partitions: room for 2 * @quorum_n struct
 *	clonedev_share; output, the po secret's shares, then the quorum
 *	primary domain's
 * @fingerprint: output, the primary domain's fingerprint (struct
 *	clonedev_domain_info)
 *
 * Initializes the session's partition: sets the PO credential and a
 * primary cloning domain, destroys every object, role credential and
 * domain it had, and logs every session of it out. A password partition
 * takes a PO password and a text domain (@quorum_* zero); a quorum
 * partition takes neither: the kernel makes the PO secret and a quorum
 * domain and hands out only their shares. An uninitialized or zeroized
 * partition may be initialized by the HSM administrator (CAP_SYS_ADMIN);
 * an initialized one only by its PO, logged in on this session.
 *
 * The partition's remote PED vector goes with the rest, except with
 * CLONEDEV_PARTITION_INIT_PED: the server that stored the new shares is
 * keyed by it. The secrets that flag takes are wiped after the attempt,
 * whatever it gave.
 *
 * Return: 0; -EINVAL for a bad length, label or quorum, or credentials of
 * the other authentication type; -EACCES if the caller may not initialize
 * it; -ENODEV with no slot set; -EFAULT if @shares is not writable
 * (nothing changed then); -ENODATA with CLONEDEV_PARTITION_INIT_PED when
 * the session holds no stored secret of kind po, or none of kind domain
 * for @domain_label (-EINVAL if their quorum is not @quorum_m of
 * @quorum_n).
 */
#define CLONEDEV_PARTITION_INIT_PED	0x00000002U

struct clonedev_partition_init {
	__u32 size;
	__u32 flags;
	__u32 password_len;
	__u32 domain_len;
	__aligned_u64 password;
	__aligned_u64 domain;
	char label[CLONEDEV_LABEL_LEN];
	char domain_label[CLONEDEV_LABEL_LEN];
	__u8 __reserved[6];
	__u32 quorum_m;
	__u32 quorum_n;
	__aligned_u64 shares;
	__u8 fingerprint[CLONEDEV_FINGERPRINT_LEN];
};

#define CLONEDEV_IOCTL_PARTITION_INIT					\
	_IO(CLONEDEV_IOCTL_TYPE, CLONEDEV_CMD_PARTITION_INIT)

/**
 * struct clonedev_login - ioctl(CLONEDEV_IOCTL_LOGIN)
 * @size: input, sizeof(struct clonedev_login)
 * @flags: input, 0 or one of CLONEDEV_LOGIN_PED: log in with the shares
 *	the session's remote PED channel received for @role (struct
 *	clonedev_ped), @secret_len and @share_count 0; CLONEDEV_LOGIN_SHARE:
 *	take the login of the session open at @from_fd (below)
 * @role: input, enum clonedev_role to log in as (0 with
 *	CLONEDEV_LOGIN_SHARE)
 * @secret_len: input, length of the password, 1..128 (0 with shares)
 * @secret: input, pointer to the password
 * @share_count: input, quorum partitions: shares at @shares, 1..16
 * @from_fd: input, with CLONEDEV_LOGIN_SHARE: another open file of
 *	/dev/clonedev of the caller, logged in; 0 without it
 * @shares: input, quorum partitions: struct clonedev_share array
 *
 * Logs this session in to its partition as @role (a session holds one
 * role at a time). A quorum partition's role logs in with M shares of its
 * secret, which the kernel combines. Every wrong password or combination
 * counts: policy 20 (10) in a row lock co and cu; 10 in a row for po
 * zeroize the partition.
 *
 * On an activated quorum partition whose role secret is cached, a co or
 * cu logs in with its challenge password instead (counted like any).
 *
 * Every attempt is counted as a failed login, durably, before its secret
 * is checked, and uncounted if it turns out right (a right one clears the
 * count); while as many attempts as the lockout allows are being checked,
 * further ones wait for them, and are refused unchecked if they lock the
 * role out.
 *
 * Return: 0; -EACCES for a wrong password or combination, or one checked
 * against a credential replaced meanwhile (not counted); -EKEYREVOKED
 * if the role is locked out; -EINTR if a signal came while waiting;
 * -ENOKEY if the role has no credential (or no challenge) yet;
 * -EKEYEXPIRED for a password to a quorum partition that is not activated
 * or has not cached the role's secret;
 * -ENODEV with no slot set; -ESTALE if the partition is zeroized (after
 * this attempt, too); -EINVAL for shares to a password partition, a po
 * password to a quorum one, or shares with repeated or zero indexes;
 * -ENODATA with CLONEDEV_LOGIN_PED when the session holds no shares for
 * @role (the shares held are dropped after the attempt, whatever it gave).
 *
 * With CLONEDEV_LOGIN_SHARE this session takes the slot and the login of
 * the session open at @from_fd, as PKCS#11 shares one login among the
 * sessions of an application: no secret is given (@role, @secret_len,
 * @secret, @share_count and @shares 0) and nothing is counted. Holding
 * that file is the capability: it can make every request this session
 * then can. The shared login ends on the same events as the one it was
 * taken from (a re-initialization, zeroization or deletion of the
 * partition, a new credential of the role) and not when either session
 * logs out or selects a slot; a session that changes slot drops its keys
 * in use, as with CLONEDEV_IOCTL_SLOT_SET. A refused share leaves this
 * session as it was.
 *
 * Return (CLONEDEV_LOGIN_SHARE): 0; -EBADF if @from_fd is not an open
 * file; -EINVAL if it is not a /dev/clonedev file or is this session, if
 * CLONEDEV_LOGIN_PED or a secret is given, or if @from_fd is not 0
 * without the flag; -EACCES if that session is not logged in (or its
 * login has ended); -ENODEV if its partition is gone; -ESTALE if the
 * partition is zeroized; -EKEYREVOKED if the role is locked out.
 */
#define CLONEDEV_LOGIN_PED		0x00000001U
#define CLONEDEV_LOGIN_SHARE		0x00000002U

struct clonedev_login {
	__u32 size;
	__u32 flags;
	__u32 role;
	__u32 secret_len;
	__aligned_u64 secret;
	__u32 share_count;
	__s32 from_fd;
	__aligned_u64 shares;
};

#define CLONEDEV_IOCTL_LOGIN _IO(CLONEDEV_IOCTL_TYPE, CLONEDEV_CMD_LOGIN)

/**
 * struct clonedev_logout - ioctl(CLONEDEV_IOCTL_LOGOUT)
 * @size: input, sizeof(struct clonedev_logout)
 * @flags: input, must be 0
 *
 * Return: 0, or -EACCES if the session is not logged in.
 */
struct clonedev_logout {
	__u32 size;
	__u32 flags;
};

#define CLONEDEV_IOCTL_LOGOUT _IO(CLONEDEV_IOCTL_TYPE, CLONEDEV_CMD_LOGOUT)

/**
 * struct clonedev_role_init - ioctl(CLONEDEV_IOCTL_ROLE_INIT)
 * @size: input, sizeof(struct clonedev_role_init)
 * @flags: input, 0 or CLONEDEV_ROLE_INIT_PED: the new secret is the one
 *	the session's remote PED channel made for @role and had its server
 *	store (struct clonedev_ped, CLONEDEV_PED_STORE), with @quorum_m and
 *	@quorum_n its quorum and @shares 0: no share leaves the kernel
 * @role: input, CLONEDEV_ROLE_CO (by a logged-in po) or CLONEDEV_ROLE_CU
 *	(by a logged-in co)
 * @secret_len: input, length of the new password, 1..128 (0 for quorum)
 * @secret: input, pointer to the new password
 * @quorum_m: input, quorum partitions: M, 1..@quorum_n
 * @quorum_n: input, quorum partitions: N, 1..16
 * @shares: input, quorum partitions: room for @quorum_n struct
 *	clonedev_share; output, the new secret's shares
 *
 * Sets the role's password (on a quorum partition: a new secret made in
 * the kernel, handed out as shares) and clears its lockout and failure
 * count. Sessions logged in as @role are logged out.
 *
 * Return: 0; -EACCES if the session's role may not initialize @role;
 * -EINVAL for a bad role, length or quorum, or a credential of the other
 * authentication type; -EFAULT if @shares is not writable (nothing
 * changed then); -ENODATA with CLONEDEV_ROLE_INIT_PED when the session
 * holds no stored secret for @role (-EINVAL if its quorum is not
 * @quorum_m of @quorum_n); the secret is wiped after the attempt,
 * whatever it gave.
 */
#define CLONEDEV_ROLE_INIT_PED		0x00000001U

struct clonedev_role_init {
	__u32 size;
	__u32 flags;
	__u32 role;
	__u32 secret_len;
	__aligned_u64 secret;
	__u32 quorum_m;
	__u32 quorum_n;
	__aligned_u64 shares;
};

#define CLONEDEV_IOCTL_ROLE_INIT _IO(CLONEDEV_IOCTL_TYPE, CLONEDEV_CMD_ROLE_INIT)

/**
 * struct clonedev_role_changepw - ioctl(CLONEDEV_IOCTL_ROLE_CHANGEPW)
 * @size: input, sizeof(struct clonedev_role_changepw)
 * @flags: input, must be 0
 * @old_len: input, length of the current password
 * @new_len: input, length of the new password, 1..128
 * @old_secret: input, pointer to the current password
 * @new_secret: input, pointer to the new password
 *
 * Changes the password of the role logged in on this session. A wrong
 * current password counts as a failed login. Other sessions logged in as
 * the role are logged out. A quorum partition's roles
 * have no password to change: their secret changes only with new shares
 * (CLONEDEV_IOCTL_ROLE_INIT, CLONEDEV_IOCTL_PARTITION_INIT).
 *
 * Return: 0; -EACCES if not logged in or the current password is wrong;
 * -EOPNOTSUPP on a quorum partition (nothing checked or changed); -EINVAL
 * for a password length out of range.
 */
struct clonedev_role_changepw {
	__u32 size;
	__u32 flags;
	__u32 old_len;
	__u32 new_len;
	__aligned_u64 old_secret;
	__aligned_u64 new_secret;
};

#define CLONEDEV_IOCTL_ROLE_CHANGEPW					\
	_IO(CLONEDEV_IOCTL_TYPE, CLONEDEV_CMD_ROLE_CHANGEPW)

/**
 * enum clonedev_policy_id - partition policies, by their fixed numbers
 * @CLONEDEV_POLICY_PRIVATE_CLONING: allow private key cloning (default 1)
 * @CLONEDEV_POLICY_PRIVATE_WRAPPING: allow private key wrapping (default 0;
 *	may not be 1 while policy 0 is 1; off to on is destructive)
 * @CLONEDEV_POLICY_SECRET_CLONING: allow secret key cloning (default 1)
 * @CLONEDEV_POLICY_SECRET_WRAPPING: allow secret key wrapping (default 1)
 * @CLONEDEV_POLICY_MAX_FAILED_LOGINS: co/cu wrong passwords in a row before
 *	lockout, 1..10 (default 10)
 * @CLONEDEV_POLICY_ACTIVATION: allow activation (default 0)
 * @CLONEDEV_POLICY_KEY_MANAGEMENT: allow key management functions (default 1)
 * @CLONEDEV_POLICY_CPV1: allow CPv1 (default 0; 1 forces CPv1 and disables
 *	every other protocol; off to on is destructive)
 * @CLONEDEV_POLICY_NON_FIPS: allow non-FIPS algorithms (default 1)
 * @CLONEDEV_POLICY_EXTENDED_DOMAINS: allow extended domain management
 *	(default 0; needed for more than one cloning domain)
 */
enum clonedev_policy_id {
	CLONEDEV_POLICY_PRIVATE_CLONING = 0,
	CLONEDEV_POLICY_PRIVATE_WRAPPING = 1,
	CLONEDEV_POLICY_SECRET_CLONING = 4,
	CLONEDEV_POLICY_SECRET_WRAPPING = 5,
	CLONEDEV_POLICY_MAX_FAILED_LOGINS = 20,
	CLONEDEV_POLICY_ACTIVATION = 22,
	CLONEDEV_POLICY_KEY_MANAGEMENT = 28,
	CLONEDEV_POLICY_CPV1 = 42,
	CLONEDEV_POLICY_NON_FIPS = 43,
	CLONEDEV_POLICY_EXTENDED_DOMAINS = 44,
};

#define CLONEDEV_POLICY_COUNT		10	/* policies a partition has */
#define CLONEDEV_POLICY_SET_MAX		16	/* changes in one request */

/* Flags of struct clonedev_policy_entry.policy_flags. */
#define CLONEDEV_POLICY_DESTRUCTIVE_ON	0x00000001U	/* off to on destroys objects */

/**
 * struct clonedev_policy_entry - one policy as ioctl(CLONEDEV_IOCTL_POLICY_GET) shows it
 * @id: enum clonedev_policy_id
 * @value: current value
 * @default_value: value of a new partition
 * @min: smallest allowed value
 * @max: largest allowed value
 * @policy_flags: CLONEDEV_POLICY_DESTRUCTIVE_ON if turning it on destroys
 *	every object of the partition
 */
struct clonedev_policy_entry {
	__u32 id;
	__u32 value;
	__u32 default_value;
	__u32 min;
	__u32 max;
	__u32 policy_flags;
};

/**
 * struct clonedev_policy_get - ioctl(CLONEDEV_IOCTL_POLICY_GET)
 * @size: input, sizeof(struct clonedev_policy_get)
 * @flags: input, must be 0
 * @count: output, number of entries filled, CLONEDEV_POLICY_COUNT
 * @__reserved: input, must be 0
 * @entries: output, every policy of the session's partition, by number
 *
 * Any session with a slot set may read the policies.
 *
 * Return: 0, or -ENODEV with no slot set.
 */
struct clonedev_policy_get {
	__u32 size;
	__u32 flags;
	__u32 count;
	__u32 __reserved;
	struct clonedev_policy_entry entries[CLONEDEV_POLICY_COUNT];
};

#define CLONEDEV_IOCTL_POLICY_GET _IO(CLONEDEV_IOCTL_TYPE, CLONEDEV_CMD_POLICY_GET)

/* Flags of struct clonedev_policy_set.flags. */
#define CLONEDEV_POLICY_SET_FORCE	0x00000001U	/* allow a destructive change */

/**
 * struct clonedev_policy_change - one change in struct clonedev_policy_set
 * @id: enum clonedev_policy_id
 * @value: the new value
 */
struct clonedev_policy_change {
	__u32 id;
	__u32 value;
};

/**
 * struct clonedev_policy_set - ioctl(CLONEDEV_IOCTL_POLICY_SET)
 * @size: input, sizeof(struct clonedev_policy_set)
 * @flags: input, CLONEDEV_POLICY_SET_FORCE or 0
 * @count: input, number of changes, 1..CLONEDEV_POLICY_SET_MAX
 * @__reserved: input, must be 0
 * @changes: input, pointer to @count struct clonedev_policy_change
 *
 * Changes several policies of the session's partition at once, all or
 * none; the dependencies are checked on the result. Only the po, logged
 * in on this session, may change policies. A destructive change destroys
 * every object of the partition.
 *
 * Return: 0; -EACCES if the session is not logged in as po; -EINVAL for an
 * unknown or repeated policy number or a bad @count; -ERANGE for a value
 * out of the policy's range; -EDOM if the result breaks a dependency
 * (policies 0 and 1 both 1); -ECANCELED for a destructive change without
 * CLONEDEV_POLICY_SET_FORCE; -ENODEV with no slot set.
 */
struct clonedev_policy_set {
	__u32 size;
	__u32 flags;
	__u32 count;
	__u32 __reserved;
	__aligned_u64 changes;
};

#define CLONEDEV_IOCTL_POLICY_SET _IO(CLONEDEV_IOCTL_TYPE, CLONEDEV_CMD_POLICY_SET)

/**
 * enum clonedev_object_class - what an object is
 * @CLONEDEV_CLASS_DATA: application data
 * @CLONEDEV_CLASS_SECRET_KEY: a symmetric key
 * @CLONEDEV_CLASS_PRIVATE_KEY: the private half of a key pair
 * @CLONEDEV_CLASS_PUBLIC_KEY: the public half of a key pair
 */
enum clonedev_object_class {
	CLONEDEV_CLASS_DATA = 1,
	CLONEDEV_CLASS_SECRET_KEY = 2,
	CLONEDEV_CLASS_PRIVATE_KEY = 3,
	CLONEDEV_CLASS_PUBLIC_KEY = 4,
};

/**
 * enum clonedev_key_type - the algorithm of a key object
 * @CLONEDEV_KEY_NONE: not a key (data objects)
 * @CLONEDEV_KEY_AES: AES, 128, 192 or 256 bits
 * @CLONEDEV_KEY_GENERIC_SECRET: generic secret, 8 to 4096 bits in bytes
 * @CLONEDEV_KEY_EC_P256: EC on NIST P-256
 * @CLONEDEV_KEY_EC_P384: EC on NIST P-384
 * @CLONEDEV_KEY_RSA: RSA, 2048 to 4096 bits
 */
enum clonedev_key_type {
	CLONEDEV_KEY_NONE = 0,
	CLONEDEV_KEY_AES = 1,
	CLONEDEV_KEY_GENERIC_SECRET = 2,
	CLONEDEV_KEY_EC_P256 = 3,
	CLONEDEV_KEY_EC_P384 = 4,
	CLONEDEV_KEY_RSA = 5,
};

/* Object flags (struct clonedev_object_attrs.obj_flags). */
#define CLONEDEV_OBJ_PRIVATE		0x00000001U	/* only for logged-in users */
#define CLONEDEV_OBJ_SENSITIVE		0x00000002U	/* value never leaves */
#define CLONEDEV_OBJ_EXTRACTABLE	0x00000004U	/* may be wrapped */
#define CLONEDEV_OBJ_MODIFIABLE		0x00000008U	/* attributes may change */
/*
 * Usage flags: what a key may be used for (CLONEDEV_IOCTL_CRYPT and the
 * derive, wrap and unwrap calls). A key generated, imported, derived or
 * unwrapped with none of them gets its type's default (CLONEDEV_USAGE_*).
 */
#define CLONEDEV_OBJ_ENCRYPT		0x00000010U
#define CLONEDEV_OBJ_DECRYPT		0x00000020U
#define CLONEDEV_OBJ_SIGN		0x00000040U
#define CLONEDEV_OBJ_VERIFY		0x00000080U
#define CLONEDEV_OBJ_DERIVE		0x00000100U
#define CLONEDEV_OBJ_WRAP		0x00000200U
#define CLONEDEV_OBJ_UNWRAP		0x00000400U
#define CLONEDEV_OBJ_USAGE		0x000007f0U
#define CLONEDEV_OBJ_FLAGS		0x000007ffU

/*
 * Default usage of an AES key; a generic secret; EC private and public
 * keys; RSA private and public keys.
 */
#define CLONEDEV_USAGE_AES		(CLONEDEV_OBJ_ENCRYPT | \
					 CLONEDEV_OBJ_DECRYPT | \
					 CLONEDEV_OBJ_SIGN | CLONEDEV_OBJ_VERIFY | \
					 CLONEDEV_OBJ_WRAP | CLONEDEV_OBJ_UNWRAP)
#define CLONEDEV_USAGE_SECRET		(CLONEDEV_OBJ_SIGN | CLONEDEV_OBJ_VERIFY | \
					 CLONEDEV_OBJ_DERIVE)
#define CLONEDEV_USAGE_EC		(CLONEDEV_OBJ_SIGN | CLONEDEV_OBJ_VERIFY | \
					 CLONEDEV_OBJ_DERIVE)
#define CLONEDEV_USAGE_EC_PUBLIC	CLONEDEV_OBJ_VERIFY
#define CLONEDEV_USAGE_RSA		(CLONEDEV_OBJ_SIGN | CLONEDEV_OBJ_VERIFY | \
					 CLONEDEV_OBJ_DECRYPT)
#define CLONEDEV_USAGE_RSA_PUBLIC	CLONEDEV_OBJ_VERIFY

#define CLONEDEV_ID_MAX			64
#define CLONEDEV_DATA_MAX		4096	/* largest data object value */
#define CLONEDEV_OUID_LEN		16
#define CLONEDEV_KCV_LEN		3

/**
 * struct clonedev_object_attrs - an object's attributes (never its secret)
 * @handle: the object's handle in its partition, stable across reloads
 * @obj_class: enum clonedev_object_class
 * @key_type: enum clonedev_key_type
 * @bits: key size in bits; for data objects 8 times the value length
 * @obj_flags: CLONEDEV_OBJ_* flags
 * @id_len: length of @id
 * @value_len: length of the value of a data object, else 0
 * @ouid: the object's unique id, kept by every clone of it
 * @kcv: key check value, the same on every copy of a key: the first bytes
 *	of AES-ECB of a zero block under an AES key; of SHA-256 of a generic
 *	secret; of SHA-256 of the uncompressed public point (0x04 || X || Y)
 *	of both halves of an EC key; of SHA-256 of the modulus (big-endian,
 *	no leading zeros) of an RSA key; zero for data objects
 * @label: NUL-terminated label, up to 32 characters
 * @id: the application's identifier, @id_len bytes
 */
struct clonedev_object_attrs {
	__u32 handle;
	__u32 obj_class;
	__u32 key_type;
	__u32 bits;
	__u32 obj_flags;
	__u32 id_len;
	__u32 value_len;
	__u8 ouid[CLONEDEV_OUID_LEN];
	__u8 kcv[CLONEDEV_KCV_LEN];
	char label[CLONEDEV_LABEL_LEN];
	__u8 id[CLONEDEV_ID_MAX];
};

/**
 * struct clonedev_object_generate - ioctl(CLONEDEV_IOCTL_OBJECT_GENERATE)
 * @size: input, sizeof(struct clonedev_object_generate)
 * @flags: input, must be 0
 * @key_type: input, CLONEDEV_KEY_AES, CLONEDEV_KEY_GENERIC_SECRET,
 *	CLONEDEV_KEY_EC_P256, CLONEDEV_KEY_EC_P384 or CLONEDEV_KEY_RSA
 * @bits: input, key size in bits (AES 128, 192 or 256; generic secret 8 to
 *	4096 in whole bytes; EC 0 or the curve's size; RSA 2048, 3072 or
 *	4096)
 * @obj_flags: input, CLONEDEV_OBJ_* flags; a secret or private key is
 *	always private and sensitive, a public key never sensitive
 * @id_len: input, length of @id, 0..64
 * @label: input, NUL-terminated label, 0..32 characters
 * @id: input, @id_len bytes
 * @__reserved: input, must be 0
 * @handle: output, the new secret key's or private key's handle (the
 *	first of a bulk request)
 * @public_handle: output, the public key's handle of an EC or RSA key
 *	pair
 * @count: input, 0 or 1 for one key; 2..65536 secret keys of this
 *	template generated and made durable in one sealed batch, all or none
 * @__reserved2: input, must be 0
 * @handles: input, with @count > 1: where the @count handles go
 *
 * Generates a secret key or an EC or RSA key pair in the session's
 * partition from the kernel's random number generator. Both halves of a
 * pair get the label and id; the public half is never sensitive, and its
 * usage is CLONEDEV_OBJ_VERIFY at most. An RSA key has e = 65537 and two
 * probable primes made as FIPS 186-4 B.3.3 says; its private half is the
 * record an import of the same key makes (its value the PKCS#1
 * RSAPrivateKey, checked as an import is), its public half holds the
 * PKCS#1 RSAPublicKey DER. RSA generation takes seconds (more under
 * emulation). The co must be logged in.
 *
 * Return: 0; -EMEDIUMTYPE on a backup partition; -EACCES if the session
 * is not logged in as co; -EPERM if policy 28 forbids key management;
 * -EINVAL for a bad size, label, length or count; -EOPNOTSUPP for a key
 * type this call does not generate (or a bulk request for key pairs);
 * -EAGAIN if the RSA prime search gave up, as FIPS 186-4 lets it (about
 * once in two million keys: ask again); -EINTR if a fatal signal came
 * during an RSA generation;
 * -EFAULT if @handles is not writable
 * (checked before anything is made: nothing is kept then; only if it is
 * unmapped while the keys are made are they kept without their handles
 * written, which OBJECT_FIND by label gives back).
 */
struct clonedev_object_generate {
	__u32 size;
	__u32 flags;
	__u32 key_type;
	__u32 bits;
	__u32 obj_flags;
	__u32 id_len;
	char label[CLONEDEV_LABEL_LEN];
	__u8 id[CLONEDEV_ID_MAX];
	__u8 __reserved[3];
	__u32 handle;
	__u32 public_handle;
	__u32 count;
	__u32 __reserved2;
	__aligned_u64 handles;
};

#define CLONEDEV_GENERATE_MAX		65536

#define CLONEDEV_IOCTL_OBJECT_GENERATE					\
	_IO(CLONEDEV_IOCTL_TYPE, CLONEDEV_CMD_OBJECT_GENERATE)

/**
 * struct clonedev_object_import - ioctl(CLONEDEV_IOCTL_OBJECT_IMPORT)
 * @size: input, sizeof(struct clonedev_object_import)
 * @flags: input, must be 0
 * @key_type: input, enum clonedev_key_type (not CLONEDEV_KEY_NONE)
 * @obj_flags: input, CLONEDEV_OBJ_* flags; the key is always private and
 *	sensitive
 * @id_len: input, length of @id, 0..64
 * @value_len: input, length of @value
 * @value: input, the key: raw bytes of an AES key (16, 24 or 32) or a
 *	generic secret (1..512); the private scalar d of an EC key,
 *	big-endian, 32 bytes for P-256 and 48 for P-384; or the PKCS#1
 *	RSAPrivateKey (DER) of an RSA key of 2048 to 4096 bits
 * @label: input, NUL-terminated label, 0..32 characters
 * @id: input, @id_len bytes
 * @__reserved: input, must be 0
 * @handle: output, the new object's handle
 * @bits: output, the key's size in bits
 * @__reserved2: input, must be 0
 *
 * Imports a secret key or a private key into the session's partition. The
 * kernel checks the key before keeping it: an EC scalar must lie in
 * [1, n-1] and give a valid public point; an RSA key must parse, have a
 * modulus of 2048 to 4096 bits, and decrypt what its public half
 * encrypts. The imported value is never returned. The co must be logged
 * in.
 *
 * Return: 0; -EMEDIUMTYPE on a backup partition; -EACCES if not logged in
 * as co; -EPERM if policy 28 forbids key management; -EINVAL for a bad
 * size, label or length, or a key that fails its check; -EOPNOTSUPP for an
 * unknown key type.
 */
struct clonedev_object_import {
	__u32 size;
	__u32 flags;
	__u32 key_type;
	__u32 obj_flags;
	__u32 id_len;
	__u32 value_len;
	__aligned_u64 value;
	char label[CLONEDEV_LABEL_LEN];
	__u8 id[CLONEDEV_ID_MAX];
	__u8 __reserved[3];
	__u32 handle;
	__u32 bits;
	__u32 __reserved2;
};

#define CLONEDEV_IOCTL_OBJECT_IMPORT					\
	_IO(CLONEDEV_IOCTL_TYPE, CLONEDEV_CMD_OBJECT_IMPORT)

/**
 * struct clonedev_object_create - ioctl(CLONEDEV_IOCTL_OBJECT_CREATE)
 * @size: input, sizeof(struct clonedev_object_create)
 * @flags: input, must be 0
 * @obj_flags: input, CLONEDEV_OBJ_* flags
 * @id_len: input, length of @id, 0..64
 * @value_len: input, length of the value, 0..4096
 * @handle: output, the new object's handle
 * @value: input, pointer to the value
 * @label: input, NUL-terminated label, 0..32 characters
 * @id: input, @id_len bytes
 * @__reserved: input, must be 0
 *
 * Creates a data object. The co may create any; the cu only public ones
 * (without CLONEDEV_OBJ_PRIVATE).
 *
 * Return: 0; -EMEDIUMTYPE on a backup partition; -EACCES if not logged in
 * as co or cu, or as cu for a private object; -EPERM if policy 28 forbids
 * key management; -EINVAL for a bad length or label.
 */
struct clonedev_object_create {
	__u32 size;
	__u32 flags;
	__u32 obj_flags;
	__u32 id_len;
	__u32 value_len;
	__u32 handle;
	__aligned_u64 value;
	char label[CLONEDEV_LABEL_LEN];
	__u8 id[CLONEDEV_ID_MAX];
	__u8 __reserved[7];
};

#define CLONEDEV_IOCTL_OBJECT_CREATE					\
	_IO(CLONEDEV_IOCTL_TYPE, CLONEDEV_CMD_OBJECT_CREATE)

/**
 * struct clonedev_object_destroy - ioctl(CLONEDEV_IOCTL_OBJECT_DESTROY)
 * @size: input, sizeof(struct clonedev_object_destroy)
 * @flags: input, must be 0
 * @handle: input, the object to destroy
 * @__reserved: input, must be 0
 *
 * Return: 0; -ENOENT if no object has @handle; -EACCES if not logged in
 * as co (or as cu, for a public object); -EPERM if policy 28 forbids it.
 */
struct clonedev_object_destroy {
	__u32 size;
	__u32 flags;
	__u32 handle;
	__u32 __reserved;
};

#define CLONEDEV_IOCTL_OBJECT_DESTROY					\
	_IO(CLONEDEV_IOCTL_TYPE, CLONEDEV_CMD_OBJECT_DESTROY)

/* OBJECT_GET returns the key's public value (struct clonedev_object_get). */
#define CLONEDEV_OBJECT_GET_PUBLIC	0x00000001U

/**
 * struct clonedev_object_get - ioctl(CLONEDEV_IOCTL_OBJECT_GET)
 * @size: input, sizeof(struct clonedev_object_get)
 * @flags: input, 0 or CLONEDEV_OBJECT_GET_PUBLIC
 * @handle: input, the object
 * @value_cap: input, room at @value; output, the value's length
 * @value: input, where a data object's value goes, or with
 *	CLONEDEV_OBJECT_GET_PUBLIC the key's public value (0: not wanted)
 * @attrs: output, the object's attributes
 *
 * A sensitive object's value is never returned. With
 * CLONEDEV_OBJECT_GET_PUBLIC the value is the public key of an EC or RSA
 * key object, its private or its public half: for EC the uncompressed
 * point 0x04 || X || Y (65 bytes for P-256, 97 for P-384); for RSA the
 * DER of a PKCS#1 RSAPublicKey, SEQUENCE { modulus INTEGER,
 * publicExponent INTEGER }. The co or cu sees every object of the
 * partition; a session without either logged in sees its public objects
 * only (those without CLONEDEV_OBJ_PRIVATE), as a PKCS#11 token shows
 * them before a login.
 *
 * Return: 0; -ENOENT for an unknown handle; -EACCES for a private object
 * without the co or cu logged in; -ENODEV with no slot set;
 * -EMSGSIZE if the value does not fit @value_cap (nothing copied,
 * @value_cap set to its length); -EINVAL with CLONEDEV_OBJECT_GET_PUBLIC
 * for an object that is not an EC or RSA key.
 */
struct clonedev_object_get {
	__u32 size;
	__u32 flags;
	__u32 handle;
	__u32 value_cap;
	__aligned_u64 value;
	struct clonedev_object_attrs attrs;
};

#define CLONEDEV_IOCTL_OBJECT_GET _IO(CLONEDEV_IOCTL_TYPE, CLONEDEV_CMD_OBJECT_GET)

/* What struct clonedev_object_list returns for each object. */
#define CLONEDEV_LIST_ATTRS		0x00000001U
/* The most entries one CLONEDEV_LIST_ATTRS call returns. */
#define CLONEDEV_LIST_ATTRS_MAX		4096

/**
 * struct clonedev_object_list - ioctl(CLONEDEV_IOCTL_OBJECT_LIST)
 * @size: input, sizeof(struct clonedev_object_list)
 * @flags: input, 0 or CLONEDEV_LIST_ATTRS: each object's attributes
 *	rather than its handle alone
 * @start: input, first handle to consider
 * @count: input, room in @handles; output, entries written (at most
 *	65536 handles, or CLONEDEV_LIST_ATTRS_MAX attribute entries, a call)
 * @next: output, the handle to start from next time, 0 at the end
 * @__reserved: input, must be 0
 * @handles: input, pointer to an array of __u32, or with
 *	CLONEDEV_LIST_ATTRS of struct clonedev_object_attrs: each object's
 *	attributes as CLONEDEV_IOCTL_OBJECT_GET gives them (its handle
 *	included), without its value
 *
 * Lists the partition's objects in ascending order of handle: all of them
 * with the co or cu logged in, else its public objects (without
 * CLONEDEV_OBJ_PRIVATE). With CLONEDEV_LIST_ATTRS one call lists what
 * would otherwise take a CLONEDEV_IOCTL_OBJECT_GET per object.
 *
 * Return: 0; -ENODEV with no slot set; -EINVAL if @count is 0;
 * -EOPNOTSUPP for unknown @flags.
 */
struct clonedev_object_list {
	__u32 size;
	__u32 flags;
	__u32 start;
	__u32 count;
	__u32 next;
	__u32 __reserved;
	__aligned_u64 handles;
};

#define CLONEDEV_IOCTL_OBJECT_LIST _IO(CLONEDEV_IOCTL_TYPE, CLONEDEV_CMD_OBJECT_LIST)

/* What struct clonedev_object_find matches on. */
#define CLONEDEV_FIND_LABEL		0x00000001U
#define CLONEDEV_FIND_ID		0x00000002U

/**
 * struct clonedev_object_find - ioctl(CLONEDEV_IOCTL_OBJECT_FIND)
 * @size: input, sizeof(struct clonedev_object_find)
 * @flags: input, CLONEDEV_FIND_LABEL and/or CLONEDEV_FIND_ID: which of
 *	@label and @id an object must match (at least one)
 * @start: input, the smallest handle to return (0 at first)
 * @count: input, room in @handles; output, handles written
 * @next: output, @start for the next call, 0 when there are no more
 * @id_len: input, length of @id, 0..64
 * @handles: input, pointer to an array of __u32
 * @label: input, the label to match
 * @id: input, the id to match, @id_len bytes
 * @__reserved: input, must be 0
 *
 * Finds objects of the session's partition by label and/or id through the
 * partition's indexes (balanced trees keyed by label and by id, then
 * handle): the cost grows with the logarithm of the partition's size and
 * the number of matches, never with a scan of every object. Handles come
 * in ascending order. Without the co or cu logged in, only public
 * objects (without CLONEDEV_OBJ_PRIVATE) match.
 *
 * Return: 0; -ENODEV with no slot set; -EINVAL if @count is 0, no
 * criterion is set, or @label or @id_len is bad; -EOPNOTSUPP for unknown
 * @flags.
 */
struct clonedev_object_find {
	__u32 size;
	__u32 flags;
	__u32 start;
	__u32 count;
	__u32 next;
	__u32 id_len;
	__aligned_u64 handles;
	char label[CLONEDEV_LABEL_LEN];
	__u8 id[CLONEDEV_ID_MAX];
	__u8 __reserved[7];
};

#define CLONEDEV_IOCTL_OBJECT_FIND _IO(CLONEDEV_IOCTL_TYPE, CLONEDEV_CMD_OBJECT_FIND)

/* Which attributes CLONEDEV_IOCTL_OBJECT_SET_ATTRS changes (its flags). */
#define CLONEDEV_SET_LABEL		0x00000001U
#define CLONEDEV_SET_ID			0x00000002U
#define CLONEDEV_SET_FLAGS		0x00000004U

/**
 * struct clonedev_object_set_attrs - ioctl(CLONEDEV_IOCTL_OBJECT_SET_ATTRS)
 * @size: input, sizeof(struct clonedev_object_set_attrs)
 * @flags: input, which attributes change: CLONEDEV_SET_LABEL,
 *	CLONEDEV_SET_ID and/or CLONEDEV_SET_FLAGS (at least one)
 * @handle: input, the object
 * @obj_flags: input with CLONEDEV_SET_FLAGS, the object's new CLONEDEV_OBJ_*
 *	flags; 0 without it
 * @id_len: input with CLONEDEV_SET_ID, length of the new @id, 0..64; 0
 *	without it
 * @label: input with CLONEDEV_SET_LABEL, the new label, 0..32 characters
 *	and a NUL; all zero without it
 * @__reserved: input, must be 0
 * @id: input with CLONEDEV_SET_ID, the new id; all zero without it
 *
 * Changes the label, the id and the flags of an object that carries
 * CLONEDEV_OBJ_MODIFIABLE, durably, and the indexes OBJECT_FIND walks with
 * them, all at once: a find sees the old attributes or the new ones. The
 * flags may only lose usage flags, and CLONEDEV_OBJ_EXTRACTABLE, never
 * gain one; CLONEDEV_OBJ_PRIVATE, _SENSITIVE and _MODIFIABLE never change.
 * The co must be logged in (or the cu, for a public object), as for
 * OBJECT_DESTROY. A key in use by a session loses a removed usage at its
 * next call.
 *
 * Return: 0; -ENOENT if no object has @handle; -EACCES if not logged in
 * as co (or as cu, for a public object); -EPERM if the object is not
 * modifiable, the new flags add a flag or change one that may not
 * change, or policy 28 forbids object management; -EINVAL for no
 * attribute, a bad label or @id_len, or a field given without its flag;
 * -EMEDIUMTYPE on a backup partition; -EOPNOTSUPP for unknown @flags.
 */
struct clonedev_object_set_attrs {
	__u32 size;
	__u32 flags;
	__u32 handle;
	__u32 obj_flags;
	__u32 id_len;
	char label[CLONEDEV_LABEL_LEN];
	__u8 __reserved[3];
	__u8 id[CLONEDEV_ID_MAX];
};

#define CLONEDEV_IOCTL_OBJECT_SET_ATTRS					\
	_IO(CLONEDEV_IOCTL_TYPE, CLONEDEV_CMD_OBJECT_SET_ATTRS)

/**
 * enum clonedev_domain_type - what a cloning domain's secret is
 * @CLONEDEV_DOMAIN_TEXT: a text secret of 1 to 128 characters
 * @CLONEDEV_DOMAIN_QUORUM: 32 random bytes made in the kernel, handed out
 *	only as M-of-N shares
 */
enum clonedev_domain_type {
	CLONEDEV_DOMAIN_TEXT = 0,
	CLONEDEV_DOMAIN_QUORUM = 1,
};

#define CLONEDEV_MAX_DOMAINS		3

/* The primary mark (struct clonedev_domain_add and _change flags). */
#define CLONEDEV_DOMAIN_PRIMARY		0x00000001U

/**
 * struct clonedev_domain_info - one cloning domain, never its secret
 * @label: NUL-terminated label, 1..32 characters, unique in the partition
 * @primary: 1 for the partition's primary domain
 * @__reserved: zero
 * @type: enum clonedev_domain_type
 * @fingerprint: the first bytes of HMAC-SHA256 keyed with the domain's
 *	secret over the text "clonedev domain fingerprint": the same on every
 *	partition that holds the same secret, whatever its label
 */
struct clonedev_domain_info {
	char label[CLONEDEV_LABEL_LEN];
	__u8 primary;
	__u8 __reserved[2];
	__u32 type;
	__u8 fingerprint[CLONEDEV_FINGERPRINT_LEN];
};

/**
 * struct clonedev_domain_list - ioctl(CLONEDEV_IOCTL_DOMAIN_LIST)
 * @size: input, sizeof(struct clonedev_domain_list)
 * @flags: input, must be 0
 * @count: output, domains in @domains, the primary first
 * @__reserved: input, must be 0
 * @domains: output
 *
 * Return: 0; -ENODEV without a slot; -EACCES unless the po is logged in.
 */
struct clonedev_domain_list {
	__u32 size;
	__u32 flags;
	__u32 count;
	__u32 __reserved;
	struct clonedev_domain_info domains[CLONEDEV_MAX_DOMAINS];
};

#define CLONEDEV_IOCTL_DOMAIN_LIST _IO(CLONEDEV_IOCTL_TYPE, CLONEDEV_CMD_DOMAIN_LIST)

/**
 * struct clonedev_domain_add - ioctl(CLONEDEV_IOCTL_DOMAIN_ADD)
 * @size: input, sizeof(struct clonedev_domain_add)
 * @flags: input, CLONEDEV_DOMAIN_PRIMARY to make it the primary domain;
 *	CLONEDEV_DOMAIN_ADD_PED to import the quorum domain @label from the
 *	shares the session's remote PED channel received for it (with its
 *	fingerprint; @secret_len and @share_count 0)
 * @secret_len: input, 1..128
 * @__reserved: input, must be 0
 * @secret: input, pointer to the text domain's secret
 * @label: input, its label, 1..32 characters
 * @__reserved2: input, must be 0
 * @share_count: input, to import a quorum domain instead: M of its
 *	shares at @shares (and @secret_len 0)
 * @fingerprint: input, with shares: the domain's fingerprint, which the
 *	combined secret must have
 * @__reserved3: input, must be 0
 * @shares: input, struct clonedev_share array
 *
 * Adds a text domain, or imports a quorum domain (of another partition)
 * from M of its shares. A partition has at most three domains, and more
 * than one only with policy 44 (Allow extended domain management) on.
 * The po must be logged in.
 *
 * Return: 0; -EACCES unless the po is logged in; -EPERM if the partition
 * has a domain and policy 44 is off; -ENOSPC if it has three; -EEXIST if
 * the label is taken; -EALREADY if the partition holds the same secret;
 * -EINVAL for a bad label or secret length, or shares with repeated or
 * zero indexes; -EBADMSG if the shares do not combine to @fingerprint;
 * -EOPNOTSUPP for unknown @flags; -ENODATA with CLONEDEV_DOMAIN_ADD_PED
 * when the session holds no shares of a domain @label (the shares held are
 * dropped after the attempt, whatever it gave).
 */
#define CLONEDEV_DOMAIN_ADD_PED		0x00000002U

struct clonedev_domain_add {
	__u32 size;
	__u32 flags;
	__u32 secret_len;
	__u32 __reserved;
	__aligned_u64 secret;
	char label[CLONEDEV_LABEL_LEN];
	__u8 __reserved2[7];
	__u32 share_count;
	__u8 fingerprint[CLONEDEV_FINGERPRINT_LEN];
	__u32 __reserved3;
	__aligned_u64 shares;
};

#define CLONEDEV_IOCTL_DOMAIN_ADD _IO(CLONEDEV_IOCTL_TYPE, CLONEDEV_CMD_DOMAIN_ADD)

/**
 * struct clonedev_domain_delete - ioctl(CLONEDEV_IOCTL_DOMAIN_DELETE)
 * @size: input, sizeof(struct clonedev_domain_delete)
 * @flags: input, must be 0
 * @label: input, the domain to delete
 * @__reserved: input, must be 0
 *
 * Deletes a domain (its secret is wiped). If it was the primary, the next
 * domain becomes the primary. The po must be logged in.
 *
 * Return: 0; -EACCES unless the po is logged in; -ENOENT for an unknown
 * label; -EBUSY for the partition's last domain.
 */
struct clonedev_domain_delete {
	__u32 size;
	__u32 flags;
	char label[CLONEDEV_LABEL_LEN];
	__u8 __reserved[7];
};

#define CLONEDEV_IOCTL_DOMAIN_DELETE					\
	_IO(CLONEDEV_IOCTL_TYPE, CLONEDEV_CMD_DOMAIN_DELETE)

/**
 * struct clonedev_domain_change - ioctl(CLONEDEV_IOCTL_DOMAIN_CHANGE)
 * @size: input, sizeof(struct clonedev_domain_change)
 * @flags: input, CLONEDEV_DOMAIN_PRIMARY to make the domain the primary
 * @label: input, the domain
 * @new_label: input, its new label, or empty to keep it
 * @__reserved: input, must be 0
 *
 * Relabels a domain and/or moves the primary mark to it. The po must be
 * logged in.
 *
 * Return: 0; -EACCES unless the po is logged in; -ENOENT for an unknown
 * label; -EEXIST if @new_label is another domain's; -EINVAL for a bad
 * label or nothing to change; -EOPNOTSUPP for unknown @flags.
 */
struct clonedev_domain_change {
	__u32 size;
	__u32 flags;
	char label[CLONEDEV_LABEL_LEN];
	char new_label[CLONEDEV_LABEL_LEN];
	__u8 __reserved[6];
};

#define CLONEDEV_IOCTL_DOMAIN_CHANGE					\
	_IO(CLONEDEV_IOCTL_TYPE, CLONEDEV_CMD_DOMAIN_CHANGE)

/**
 * struct clonedev_role_challenge - ioctl(CLONEDEV_IOCTL_ROLE_CHALLENGE)
 * @size: input, sizeof(struct clonedev_role_challenge)
 * @flags: input, must be 0
 * @role: input, CLONEDEV_ROLE_CO (set by a logged-in po) or
 *	CLONEDEV_ROLE_CU (set by a logged-in co)
 * @secret_len: input, 1..128
 * @secret: input, pointer to the challenge password
 *
 * Sets the challenge password of a quorum partition's role: while the
 * partition is activated and the role's secret is cached, the role logs
 * in with it alone (CLONEDEV_IOCTL_LOGIN with a password). Kept, like a
 * password, only as a salted, iterated hash.
 *
 * Return: 0; -EACCES if the session's role may not set it; -EINVAL for a
 * bad role or length, or a password partition.
 */
struct clonedev_role_challenge {
	__u32 size;
	__u32 flags;
	__u32 role;
	__u32 secret_len;
	__aligned_u64 secret;
};

#define CLONEDEV_IOCTL_ROLE_CHALLENGE					\
	_IO(CLONEDEV_IOCTL_TYPE, CLONEDEV_CMD_ROLE_CHALLENGE)

/**
 * struct clonedev_activation - ioctl(CLONEDEV_IOCTL_ACTIVATION)
 * @size: input, sizeof(struct clonedev_activation)
 * @flags: input, must be 0
 * @activate: input, 1 to activate the partition, 0 to deactivate it
 * @__reserved: input, must be 0
 *
 * Activation of a quorum partition (policy 22): once activated, the first
 * login of co or cu with shares caches the role's secret in the kernel,
 * and later logins of that role need only its challenge password.
 * Deactivation, turning policy 22 off, re-initializing the partition or
 * the role, zeroization and unloading the module wipe the cache. The po
 * or the co must be logged in.
 *
 * Return: 0; -EACCES if neither po nor co is logged in; -EINVAL for a
 * password partition; -EPERM if policy 22 is off (when activating).
 */
struct clonedev_activation {
	__u32 size;
	__u32 flags;
	__u32 activate;
	__u32 __reserved;
};

#define CLONEDEV_IOCTL_ACTIVATION _IO(CLONEDEV_IOCTL_TYPE, CLONEDEV_CMD_ACTIVATION)

/**
 * struct clonedev_suites - ioctl(CLONEDEV_IOCTL_SUITES)
 * @size: input, sizeof(struct clonedev_suites)
 * @flags: input, must be 0
 * @enable: input, suites to enable (mask of enum clonedev_suite_bit)
 * @disable: input, suites to disable
 * @enabled: output, the partition's enabled suites after the change
 * @usable: output, the enabled suites it may use now: those the kernel
 *	provides, and only FIPS-approved ones in FIPS mode (HSM FIPS mode
 *	or policy 43 off)
 *
 * Shows, and with @enable or @disable changes, which CPv4 cipher suites
 * the session's partition takes part in; every suite is enabled on a new
 * partition. With none usable, CPv4 is out of its negotiations. Showing
 * needs a slot; changing needs the po logged in.
 *
 * Return: 0; -ENODEV with no slot; -EACCES for a change without the po;
 * -EINVAL for unknown suite bits or a suite both enabled and disabled.
 */
struct clonedev_suites {
	__u32 size;
	__u32 flags;
	__u32 enable;
	__u32 disable;
	__u32 enabled;
	__u32 usable;
};

#define CLONEDEV_IOCTL_SUITES _IO(CLONEDEV_IOCTL_TYPE, CLONEDEV_CMD_SUITES)

#define CLONEDEV_CLONE_MSG_MAX		8192	/* longest clone flight */

/*
 * The most objects a CPv4 source sends before their results come back
 * (the window HELLO offers): as many RESULTs as one flight of
 * CLONEDEV_CLONE_MSG_MAX bytes holds.
 */
#define CLONEDEV_CLONE_WINDOW_MAX	146

/**
 * enum clonedev_clone_op - what one ioctl(CLONEDEV_IOCTL_CLONE) does
 * @CLONEDEV_CLONE_SOURCE: start a clone from the session's partition; the
 *	output is the first message (HELLO) for the target
 * @CLONEDEV_CLONE_TARGET: start as the target of a clone: @in is the
 *	source's HELLO, the output the answer
 * @CLONEDEV_CLONE_STEP: take the peer's next message, give the answer
 * @CLONEDEV_CLONE_ABORT: end the session's clone (an ERROR for the peer
 *	is the output if it was running)
 */
enum clonedev_clone_op {
	CLONEDEV_CLONE_SOURCE = 1,
	CLONEDEV_CLONE_TARGET = 2,
	CLONEDEV_CLONE_STEP = 3,
	CLONEDEV_CLONE_ABORT = 4,
};

/**
 * enum clonedev_clone_state - where a session's clone is
 * @CLONEDEV_CLONE_RUNNING: give the output to the peer, its answer back
 * @CLONEDEV_CLONE_DONE: finished; the output (if any) still goes to the peer
 * @CLONEDEV_CLONE_FAILED: ended by @error; the output (if any) is an
 *	ERROR message for the peer
 */
enum clonedev_clone_state {
	CLONEDEV_CLONE_RUNNING = 1,
	CLONEDEV_CLONE_DONE = 2,
	CLONEDEV_CLONE_FAILED = 3,
};

/**
 * enum clonedev_clone_error - why a clone failed (docs/clone-protocol.md)
 * @CLONEDEV_CLONE_E_UNEXPECTED: a message out of order, malformed, replayed
 *	or from another session
 * @CLONEDEV_CLONE_E_DOMAIN: the partitions share no cloning domain
 * @CLONEDEV_CLONE_E_FIPS: a FIPS-mode source and a non-FIPS target
 * @CLONEDEV_CLONE_E_PROTOCOL: no cloning protocol both sides allow
 * @CLONEDEV_CLONE_E_AUTH: a MAC or an AEAD tag did not verify
 * @CLONEDEV_CLONE_E_POLICY: a policy forbids cloning here
 * @CLONEDEV_CLONE_E_ROLE: a side's co (or cu) is no longer logged in
 * @CLONEDEV_CLONE_E_INTERNAL: memory, crypto or store failure
 * @CLONEDEV_CLONE_E_ABORTED: the relay ended the clone
 */
enum clonedev_clone_error {
	CLONEDEV_CLONE_E_UNEXPECTED = 1,
	CLONEDEV_CLONE_E_DOMAIN = 2,
	CLONEDEV_CLONE_E_FIPS = 3,
	CLONEDEV_CLONE_E_PROTOCOL = 4,
	CLONEDEV_CLONE_E_AUTH = 5,
	CLONEDEV_CLONE_E_POLICY = 6,
	CLONEDEV_CLONE_E_ROLE = 7,
	CLONEDEV_CLONE_E_INTERNAL = 8,
	CLONEDEV_CLONE_E_ABORTED = 9,
};

/**
 * enum clonedev_clone_status - what became of one object
 * @CLONEDEV_CLONE_COPIED: stored on the target
 * @CLONEDEV_CLONE_SKIPPED: the target holds an object with its OUID (and
 *	its class, key type and key check value)
 * @CLONEDEV_CLONE_REFUSED: a policy (0 or 4) or the role forbids it
 * @CLONEDEV_CLONE_TOO_LARGE: larger than the target's CPv1 slot
 * @CLONEDEV_CLONE_OBJ_FAILED: not stored (gone; invalid: a value that is
 *	not what its record says, or that no local path would make; another
 *	object under the same OUID on the target; a store error)
 *
 * A secret or private key arrives private and sensitive, whatever flags
 * the source sent, as every local path makes one.
 */
enum clonedev_clone_status {
	CLONEDEV_CLONE_COPIED = 0,
	CLONEDEV_CLONE_SKIPPED = 1,
	CLONEDEV_CLONE_REFUSED = 2,
	CLONEDEV_CLONE_TOO_LARGE = 3,
	CLONEDEV_CLONE_OBJ_FAILED = 4,
};

/**
 * struct clonedev_clone - ioctl(CLONEDEV_IOCTL_CLONE)
 * @size: input, sizeof(struct clonedev_clone)
 * @flags: input, CLONEDEV_CLONE_REPLACE with TARGET, else 0
 * @op: input, enum clonedev_clone_op
 * @count: input (SOURCE), how many handles @handles holds, at most
 *	CLONEDEV_CLONE_HANDLES_MAX; 0: every object of the partition
 * @handles: input (SOURCE), pointer to __u32 object handles
 * @in: input (TARGET, STEP), pointer to the peer's message
 * @in_len: input, its length
 * @out_cap: input, room at @out (CLONEDEV_CLONE_MSG_MAX is always enough;
 *	SOURCE, TARGET and STEP need that much, ABORT the ERROR it writes)
 * @out: input, pointer to a buffer for the message to the peer
 * @out_len: output, the length of that message; 0: none
 * @state: output, enum clonedev_clone_state
 * @error: output, enum clonedev_clone_error once FAILED
 * @protocol: output, the chosen protocol (one enum clonedev_protocol_bit)
 *	once negotiated, else 0
 * @suite: output, the chosen CPv4 suite (enum clonedev_suite_bit) or 0
 * @total: output, the number of objects the source sends
 * @has_result: output (source), 1 if this step learned one object's fate
 * @result_handle: output, that object's handle on the source
 * @result_status: output, its enum clonedev_clone_status
 * @result_target: output, its handle on the target (copied or skipped)
 * @copied: output, objects copied so far (this side's count)
 * @skipped: output, objects skipped so far
 * @refused: output, objects refused so far
 * @failed: output, objects too large or failed so far
 * @__reserved: must be 0
 * @results: input (STEP on the source), pointer to an array of struct
 *	clonedev_clone_result for the results this step learned, or 0
 * @results_cap: input, the entries @results holds (the kernel writes at
 *	most this many; CLONEDEV_CLONE_WINDOW_MAX is always enough)
 * @n_results: output, how many results this step learned (CPv4 with a
 *	window: up to the window; else 0 or 1); @has_result and result_*
 *	give the last of them
 *
 * A clone runs between two sessions, source and target, that a relay
 * (clonectl, or a program on another host) joins by passing each
 * message one side outputs to the other side's next STEP. The partitions
 * enforce every rule; the relay sees only opaque messages and cannot
 * change, replay or reorder them without the clone failing. What one
 * side outputs, and what the other side's STEP takes, is a flight: one
 * message, or with CPv4 and a window above 1 several whole messages one
 * after the other (the source's OBJECTs, the target's RESULTs for them),
 * at most CLONEDEV_CLONE_MSG_MAX bytes in all. SOURCE needs
 * co (cu may clone public objects only) on the session's partition,
 * TARGET needs co. One clone at a time per session; a new SOURCE or
 * TARGET starts over.
 *
 * A protocol failure is not an ioctl failure: the ioctl returns 0 with
 * @state FAILED and @error set.
 *
 * CLONEDEV_CLONE_REPLACE (TARGET): an incoming object whose OUID the
 * target holds (with the same class, key type and check value) replaces
 * the held one in one store commit, under the partition lock that found
 * it: the old handle goes and the object is reported copied under a new
 * handle, so the partition holds one of the two at every moment, never
 * neither and never both. An object that is not stored (a message that
 * fails, a refusal) leaves the held one as it was. It destroys what it
 * replaces, so policy 28 must allow key management on the target.
 *
 * Return: 0; -ENODEV with no slot; -EACCES without the role; -EOPNOTSUPP
 * for an unknown flag, or CLONEDEV_CLONE_REPLACE with an op other than
 * TARGET; -EPERM for CLONEDEV_CLONE_REPLACE when policy 28 is off on the
 * target (nothing is started); -EINVAL for
 * bad arguments or a STEP without a running clone; -E2BIG if @count
 * exceeds CLONEDEV_CLONE_HANDLES_MAX (nothing is read or started);
 * -EMSGSIZE if @in_len exceeds CLONEDEV_CLONE_MSG_MAX or @out_cap is too
 * small (an ABORT whose ERROR does not fit still ends the clone, and
 * writes nothing); -ENOENT for a handle that does not exist; -EFAULT;
 * -EKEYREVOKED (SOURCE, TARGET, or the STEP that would test the domain)
 * when the partition's failed handshakes reached
 * CLONEDEV_CLONE_FAILURES_MAX: the clone ends and nothing is sent.
 */
struct clonedev_clone {
	__u32 size;
	__u32 flags;
	__u32 op;
	__u32 count;
	__u64 handles;
	__u64 in;
	__u32 in_len;
	__u32 out_cap;
	__u64 out;
	__u32 out_len;
	__u32 state;
	__u32 error;
	__u32 protocol;
	__u32 suite;
	__u32 total;
	__u32 has_result;
	__u32 result_handle;
	__u32 result_status;
	__u32 result_target;
	__u32 copied;
	__u32 skipped;
	__u32 refused;
	__u32 failed;
	__u32 __reserved[2];
	__u64 results;
	__u32 results_cap;
	__u32 n_results;
};

/**
 * struct clonedev_clone_result - one object's fate, as the source learns it
 * @handle: the object's handle on the source
 * @status: its enum clonedev_clone_status
 * @target: its handle on the target (copied or skipped), else 0
 */
struct clonedev_clone_result {
	__u32 handle;
	__u32 status;
	__u32 target;
};

/* Flags of struct clonedev_clone.flags. */
#define CLONEDEV_CLONE_REPLACE		0x00000001U	/* TARGET: replace held objects */

/*
 * The most handles one SOURCE names (as many keys as one bulk generate
 * makes); a larger selection is cloned in several runs, or with @count 0.
 */
#define CLONEDEV_CLONE_HANDLES_MAX	65536

/*
 * Failed cloning handshakes a partition allows. Each handshake is one
 * guess at a domain: the source counts it before CONFIRM leaves (cleared
 * by the target's READY), the target when MAC_S fails (cleared when one
 * verifies). At this many, SOURCE and TARGET fail with -EKEYREVOKED until
 * the po logs in; the count is stored with the partition.
 */
#define CLONEDEV_CLONE_FAILURES_MAX	10

#define CLONEDEV_IOCTL_CLONE _IO(CLONEDEV_IOCTL_TYPE, CLONEDEV_CMD_CLONE)

/* ------------------------------------------------------------------ */
/* Using keys: CLONEDEV_IOCTL_CRYPT, _DERIVE, _WRAP, _UNWRAP, _RANDOM  */
/* ------------------------------------------------------------------ */

/**
 * enum clonedev_mech - a mechanism: an algorithm and how it is used
 * @CLONEDEV_MECH_AES_GCM: AES-GCM (AES key; encrypt, decrypt). The
 *	ciphertext is followed by a tag of @tag_len bytes (12 to 16)
 * @CLONEDEV_MECH_AES_CBC_PAD: AES-CBC with PKCS#7 padding (encrypt, decrypt)
 * @CLONEDEV_MECH_AES_CTR: AES-CTR, a 128-bit big-endian counter block
 *	(encrypt, decrypt)
 * @CLONEDEV_MECH_HMAC: HMAC with @hash SHA-256, SHA-384 or SHA-512
 *	(AES key or generic secret; sign, verify)
 * @CLONEDEV_MECH_AES_CMAC: AES-CMAC, a 16-byte MAC (sign, verify)
 * @CLONEDEV_MECH_ECDSA: ECDSA on P-256 or P-384 over @hash of the input,
 *	or over the input itself with @hash CLONEDEV_HASH_NONE (a digest the
 *	caller made). The signature is r || s, each the curve's size
 *	(sign: EC private key; verify: either half)
 * @CLONEDEV_MECH_RSA_PKCS: RSASSA-PKCS1-v1_5 with @hash (RSA key; sign,
 *	verify), or with @hash CLONEDEV_HASH_NONE over the input T itself
 *	(normally a DigestInfo the caller made), type 1 padded: T is 1 to
 *	k - 11 bytes for a k-byte modulus (-EINVAL otherwise)
 * @CLONEDEV_MECH_RSA_PSS: RSASSA-PSS, MGF1 with @hash, @salt_len bytes of
 *	salt (sign, verify)
 * @CLONEDEV_MECH_RSA_OAEP: RSAES-OAEP, MGF1 with @hash, empty label
 *	(decrypt)
 * @CLONEDEV_MECH_ECDH: ECDH, the new key the leftmost bytes of the shared
 *	x-coordinate (struct clonedev_derive)
 * @CLONEDEV_MECH_AES_KWP: AES key wrap with padding, RFC 5649
 *	(struct clonedev_wrap)
 */
enum clonedev_mech {
	CLONEDEV_MECH_AES_GCM = 1,
	CLONEDEV_MECH_AES_CBC_PAD = 2,
	CLONEDEV_MECH_AES_CTR = 3,
	CLONEDEV_MECH_HMAC = 4,
	CLONEDEV_MECH_AES_CMAC = 5,
	CLONEDEV_MECH_ECDSA = 6,
	CLONEDEV_MECH_RSA_PKCS = 7,
	CLONEDEV_MECH_RSA_PSS = 8,
	CLONEDEV_MECH_RSA_OAEP = 9,
	CLONEDEV_MECH_ECDH = 10,
	CLONEDEV_MECH_AES_KWP = 11,
};

/**
 * enum clonedev_hash - the digest a mechanism uses
 * @CLONEDEV_HASH_NONE: none (ECDSA over a digest the caller made, RSA
 *	PKCS#1 v1.5 over the caller's T)
 * @CLONEDEV_HASH_SHA256: SHA-256
 * @CLONEDEV_HASH_SHA384: SHA-384
 * @CLONEDEV_HASH_SHA512: SHA-512
 */
enum clonedev_hash {
	CLONEDEV_HASH_NONE = 0,
	CLONEDEV_HASH_SHA256 = 1,
	CLONEDEV_HASH_SHA384 = 2,
	CLONEDEV_HASH_SHA512 = 3,
};

/**
 * enum clonedev_crypt_op - what CLONEDEV_IOCTL_CRYPT does with a key
 * @CLONEDEV_CRYPT_ENCRYPT: needs CLONEDEV_OBJ_ENCRYPT
 * @CLONEDEV_CRYPT_DECRYPT: needs CLONEDEV_OBJ_DECRYPT
 * @CLONEDEV_CRYPT_SIGN: needs CLONEDEV_OBJ_SIGN (MACs too)
 * @CLONEDEV_CRYPT_VERIFY: needs CLONEDEV_OBJ_VERIFY
 */
enum clonedev_crypt_op {
	CLONEDEV_CRYPT_ENCRYPT = 1,
	CLONEDEV_CRYPT_DECRYPT = 2,
	CLONEDEV_CRYPT_SIGN = 3,
	CLONEDEV_CRYPT_VERIFY = 4,
};

/**
 * enum clonedev_crypt_part - which part of an operation one call is
 * @CLONEDEV_PART_ALL: the whole operation in one call
 * @CLONEDEV_PART_INIT: start a multi-part operation: @op, @mech, @handle
 *	and the parameters; no input yet
 * @CLONEDEV_PART_UPDATE: more input; for ciphers, the output so far
 * @CLONEDEV_PART_FINAL: the last input (may be empty) and the result; the
 *	operation ends whatever the outcome, except -EMSGSIZE (nothing is
 *	consumed: call again with more room)
 * @CLONEDEV_PART_ABORT: end the multi-part operation, if any, and wipe
 *	what it held; @__reserved must still be 0 (-EINVAL, and the
 *	operation goes on)
 *
 * An UPDATE that fails ends the operation too, except with -EMSGSIZE
 * (nothing is consumed).
 */
enum clonedev_crypt_part {
	CLONEDEV_PART_ALL = 0,
	CLONEDEV_PART_INIT = 1,
	CLONEDEV_PART_UPDATE = 2,
	CLONEDEV_PART_FINAL = 3,
	CLONEDEV_PART_ABORT = 4,
};

/*
 * struct clonedev_crypt.flags. CLONEDEV_CRYPT_PREHASHED: the input of a
 * one-shot (ALL) sign or verify with ECDSA, RSA_PKCS or RSA_PSS is the
 * @hash digest of the message, exactly the hash's size: RSA_PKCS puts it
 * in its DigestInfo, RSA_PSS encodes it, ECDSA signs it, each as it does
 * the digest it makes, so the signature is the one over the message.
 */
#define CLONEDEV_CRYPT_GEN_IV		0x00000001U	/* the kernel makes @iv */
#define CLONEDEV_CRYPT_PREHASHED	0x00000004U	/* the input is the digest */

#define CLONEDEV_IV_MAX			16
#define CLONEDEV_CRYPT_MAX		0x00100000U	/* 1 MiB, input of one call */
#define CLONEDEV_SIG_MAX		512	/* RSA-4096 */

/**
 * struct clonedev_crypt - ioctl(CLONEDEV_IOCTL_CRYPT)
 * @size: input, sizeof(struct clonedev_crypt)
 * @flags: input, CLONEDEV_CRYPT_GEN_IV: encryption with AES-GCM, CBC or
 *	CTR takes a fresh random IV from the kernel and returns it in @iv;
 *	CLONEDEV_CRYPT_PREHASHED (ALL only): @in is the @hash digest of the
 *	message to sign or verify with ECDSA, RSA_PKCS or RSA_PSS
 * @op: input (ALL, INIT), enum clonedev_crypt_op
 * @part: input, enum clonedev_crypt_part
 * @mech: input (ALL, INIT), enum clonedev_mech
 * @handle: input (ALL, INIT), the key
 * @hash: input (ALL, INIT), enum clonedev_hash for HMAC, ECDSA and RSA
 * @salt_len: input (ALL, INIT), RSA-PSS salt length (0 to the hash's size)
 * @tag_len: input (ALL, INIT), AES-GCM tag length, 12 to 16 (0: 16)
 * @iv_len: input (ALL, INIT), length of @iv: AES-GCM 12, CBC and CTR 16;
 *	output, with CLONEDEV_CRYPT_GEN_IV
 * @iv: input (ALL, INIT), the IV, or output with CLONEDEV_CRYPT_GEN_IV
 *	(@iv_len's input is then ignored)
 * @aad: input (ALL, INIT), AES-GCM additional data
 * @aad_len: input, its length, up to CLONEDEV_CRYPT_MAX
 * @in_len: input, length of @in, up to CLONEDEV_CRYPT_MAX per call
 * @in: input (ALL, UPDATE, FINAL), the data
 * @out: input, where the output goes: ciphertext (with the GCM tag at the
 *	end), plaintext, or a signature or MAC
 * @out_cap: input, room at @out
 * @out_len: output, bytes written at @out; after -EMSGSIZE, the room the
 *	call needs
 * @sig: input (verify: ALL, FINAL), the signature or MAC to check
 * @sig_len: input, its length
 * @__reserved: input, must be 0
 *
 * Uses a key of the session's partition; its value never leaves the
 * kernel. The co or cu must be logged in (either may use any key of the
 * partition), and the key must have the usage flag of @op. The session keeps the
 * transforms for each key and mechanism it uses, keyed once, and keeps one
 * multi-part operation at a time; a new INIT or ALL ends the one before.
 * Multi-part AES-GCM encryption returns its ciphertext as it goes: an
 * UPDATE gives the whole blocks so far (at most @in_len + 15 bytes), FINAL
 * the rest and the tag; up to 2^36 - 32 bytes of data (NIST SP 800-38D).
 * AES-GCM decryption returns no plaintext before the tag checks out: an
 * UPDATE gives nothing (the kernel spools the ciphertext to swappable
 * memory charged to the caller), and FINAL checks the tag and then writes
 * all the plaintext; as @out_cap is 32 bits, one multi-part decryption
 * gives at most 4 GiB - 1 bytes (-EMSGSIZE beyond). Calls on one session
 * are serialised; sessions run in parallel.
 *
 * Return: 0 (a verify that succeeds); -ENODEV with no slot; -EMEDIUMTYPE
 * on a backup partition; -EACCES if not logged in or the cu may not see
 * the key; -ENOENT for an unknown handle;
 * -EPERM if the key lacks the usage flag; -EOPNOTSUPP for a mechanism the
 * key's type or @op does not have, or unknown @flags; -EINVAL for a bad
 * @part, @hash, IV, tag, salt or length, an UPDATE or FINAL without an
 * operation, or bad padding on CBC decryption, CLONEDEV_CRYPT_PREHASHED
 * with another mechanism, op or part than above, without a hash, or with
 * an input that is not the hash's size, and RSA_PKCS without a hash over
 * an input longer than k - 11 bytes or empty; -EMSGSIZE if @out_cap is
 * smaller than the call could need (@out_len says how much; nothing
 * consumed) or the input is too long (nothing consumed either); -EBADMSG
 * if an AES-GCM tag, a MAC or a signature does not verify (nothing
 * returned); -EIO if an RSA private operation's result fails its check
 * against the public key (nothing returned); -EFAULT.
 */
struct clonedev_crypt {
	__u32 size;
	__u32 flags;
	__u32 op;
	__u32 part;
	__u32 mech;
	__u32 handle;
	__u32 hash;
	__u32 salt_len;
	__u32 tag_len;
	__u32 iv_len;
	__u8 iv[CLONEDEV_IV_MAX];
	__aligned_u64 aad;
	__u32 aad_len;
	__u32 in_len;
	__aligned_u64 in;
	__aligned_u64 out;
	__u32 out_cap;
	__u32 out_len;
	__aligned_u64 sig;
	__u32 sig_len;
	__u32 __reserved;
};

#define CLONEDEV_IOCTL_CRYPT _IO(CLONEDEV_IOCTL_TYPE, CLONEDEV_CMD_CRYPT)

#define CLONEDEV_EC_POINT_MAX		97	/* 04 || X || Y on P-384 */

/**
 * struct clonedev_derive - ioctl(CLONEDEV_IOCTL_DERIVE)
 * @size: input, sizeof(struct clonedev_derive)
 * @flags: input, must be 0
 * @mech: input, CLONEDEV_MECH_ECDH
 * @handle: input, the EC private key (CLONEDEV_OBJ_DERIVE)
 * @peer_len: input, length of @peer
 * @key_type: input, the new key's type: CLONEDEV_KEY_AES or
 *	CLONEDEV_KEY_GENERIC_SECRET
 * @bits: input, its size: AES 128, 192 or 256; a generic secret 8 to the
 *	curve's size, in whole bytes
 * @obj_flags: input, the new key's CLONEDEV_OBJ_* flags (always private
 *	and sensitive)
 * @peer: input, the peer's public point, uncompressed (04 || X || Y),
 *	on the key's curve
 * @id_len: input, length of @id, 0..64
 * @new_handle: output, the new key's handle
 * @label: input, the new key's label, 0..32 characters
 * @id: input, the new key's id
 * @__reserved: input, must be 0
 *
 * Derives a secret key from the partition's EC private key and a peer's
 * public point: the new key is the leftmost @bits / 8 bytes of the shared
 * x-coordinate (PKCS#11's CKD_NULL). The shared secret never leaves the
 * kernel. The co must be logged in.
 *
 * Return: 0; -ENODEV; -EMEDIUMTYPE on a backup partition; -EACCES if not
 * logged in as co; -ENOENT; -EPERM if the key lacks CLONEDEV_OBJ_DERIVE or
 * policy 28 forbids key management; -EOPNOTSUPP for another mechanism or a
 * key that is not an EC private key; -EINVAL for a bad point, type, size or
 * label; -EFAULT.
 */
struct clonedev_derive {
	__u32 size;
	__u32 flags;
	__u32 mech;
	__u32 handle;
	__u32 peer_len;
	__u32 key_type;
	__u32 bits;
	__u32 obj_flags;
	__u8 peer[CLONEDEV_EC_POINT_MAX];
	__u8 __pad[3];
	__u32 id_len;
	__u32 new_handle;
	char label[CLONEDEV_LABEL_LEN];
	__u8 id[CLONEDEV_ID_MAX];
	__u8 __reserved[7];
};

#define CLONEDEV_IOCTL_DERIVE _IO(CLONEDEV_IOCTL_TYPE, CLONEDEV_CMD_DERIVE)

#define CLONEDEV_WRAPPED_MAX		4096	/* a wrapped RSA-4096 key fits */

/**
 * struct clonedev_wrap - ioctl(CLONEDEV_IOCTL_WRAP)
 * @size: input, sizeof(struct clonedev_wrap)
 * @flags: input, must be 0
 * @mech: input, CLONEDEV_MECH_AES_KWP
 * @wrapping_handle: input, the AES key that wraps (CLONEDEV_OBJ_WRAP)
 * @handle: input, the key to wrap (CLONEDEV_OBJ_EXTRACTABLE)
 * @out_cap: input, room at @out
 * @out: input, where the wrapped key goes
 * @out_len: output, its length; after -EMSGSIZE, the room needed
 * @__reserved: input, must be 0
 *
 * Wraps a key with RFC 5649: the raw bytes of an AES key or generic
 * secret, the big-endian private scalar of an EC key, the PKCS#1
 * RSAPrivateKey (DER) of an RSA key. The co must be logged in.
 *
 * Return: 0; -ENODEV; -EMEDIUMTYPE on a backup partition; -EACCES if not
 * logged in as co; -ENOENT; -EPERM if the wrapping key lacks
 * CLONEDEV_OBJ_WRAP, the key is not extractable, or policy 5 (secret keys)
 * or 1 (private keys) forbids wrapping;
 * -EOPNOTSUPP for another mechanism, a wrapping key that is not AES, or
 * an object that is not a secret or private key; -EMSGSIZE; -EFAULT.
 */
struct clonedev_wrap {
	__u32 size;
	__u32 flags;
	__u32 mech;
	__u32 wrapping_handle;
	__u32 handle;
	__u32 out_cap;
	__aligned_u64 out;
	__u32 out_len;
	__u32 __reserved;
};

#define CLONEDEV_IOCTL_WRAP _IO(CLONEDEV_IOCTL_TYPE, CLONEDEV_CMD_WRAP)

/**
 * struct clonedev_unwrap - ioctl(CLONEDEV_IOCTL_UNWRAP)
 * @size: input, sizeof(struct clonedev_unwrap)
 * @flags: input, must be 0
 * @mech: input, CLONEDEV_MECH_AES_KWP
 * @unwrapping_handle: input, the AES key that unwraps (CLONEDEV_OBJ_UNWRAP)
 * @in_len: input, length of @in, 16 to CLONEDEV_WRAPPED_MAX, a multiple of 8
 * @key_type: input, the wrapped key's enum clonedev_key_type
 * @in: input, the wrapped key
 * @obj_flags: input, the new key's CLONEDEV_OBJ_* flags (always private
 *	and sensitive)
 * @id_len: input, length of @id, 0..64
 * @new_handle: output, the new key's handle
 * @bits: output, its size in bits
 * @label: input, the new key's label
 * @id: input, the new key's id
 * @__reserved: input, must be 0
 *
 * Unwraps a key (the forms of struct clonedev_wrap) into a new secret or
 * private key object. The key is checked as an import is. The co must be
 * logged in.
 *
 * Return: 0; -ENODEV; -EMEDIUMTYPE on a backup partition; -EACCES if not
 * logged in as co; -ENOENT; -EPERM if the unwrapping key lacks
 * CLONEDEV_OBJ_UNWRAP or policy 28 forbids key management; -EOPNOTSUPP for
 * another mechanism; -EBADMSG if the wrapped
 * key does not check out (its integrity check or padding); -EINVAL for a
 * bad length, type, label or a key that fails its check; -EFAULT.
 */
struct clonedev_unwrap {
	__u32 size;
	__u32 flags;
	__u32 mech;
	__u32 unwrapping_handle;
	__u32 in_len;
	__u32 key_type;
	__aligned_u64 in;
	__u32 obj_flags;
	__u32 id_len;
	__u32 new_handle;
	__u32 bits;
	char label[CLONEDEV_LABEL_LEN];
	__u8 id[CLONEDEV_ID_MAX];
	__u8 __reserved[7];
};

#define CLONEDEV_IOCTL_UNWRAP _IO(CLONEDEV_IOCTL_TYPE, CLONEDEV_CMD_UNWRAP)

#define CLONEDEV_RANDOM_MAX		0x00100000U	/* 1 MiB */

/**
 * struct clonedev_random - ioctl(CLONEDEV_IOCTL_RANDOM)
 * @size: input, sizeof(struct clonedev_random)
 * @flags: input, must be 0
 * @len: input, bytes wanted, 1 to CLONEDEV_RANDOM_MAX
 * @__reserved: input, must be 0
 * @out: input, where they go
 *
 * Random bytes from the kernel's random number generator. The co or cu
 * must be logged in.
 *
 * Return: 0; -ENODEV; -EMEDIUMTYPE on a backup partition; -EACCES;
 * -EINVAL for a bad length; -EFAULT.
 */
struct clonedev_random {
	__u32 size;
	__u32 flags;
	__u32 len;
	__u32 __reserved;
	__aligned_u64 out;
};

#define CLONEDEV_IOCTL_RANDOM _IO(CLONEDEV_IOCTL_TYPE, CLONEDEV_CMD_RANDOM)

/* ------------------------------------------------------------------ */
/* The remote PED (docs/remote-ped.md)                                 */
/* ------------------------------------------------------------------ */

#define CLONEDEV_PED_MSG_MAX		4096	/* longest channel message */
#define CLONEDEV_PED_RPV_ID_LEN		8	/* the remote PED vector's id */

/**
 * enum clonedev_ped_op - what CLONEDEV_IOCTL_PED does
 * @CLONEDEV_PED_VECTOR_INIT: the po makes the partition's remote PED
 *	vector (RPV) and gets its @quorum_n shares at @shares
 * @CLONEDEV_PED_VECTOR_ERASE: the po removes the RPV
 * @CLONEDEV_PED_CONNECT: start the session's channel: HELLO at @out
 * @CLONEDEV_PED_STEP: the server's message at @in; the next one, if any,
 *	at @out
 * @CLONEDEV_PED_REQUEST: ask for the shares of @kind (@domain_label): the
 *	REQUEST at @out
 * @CLONEDEV_PED_DISCONNECT: end the session's channel
 * @CLONEDEV_PED_STATUS: the channel's state and the RPV's id
 * @CLONEDEV_PED_STORE: make a new secret of @kind (@domain_label) and
 *	send its @quorum_m of @quorum_n shares to the server to store: the
 *	STORE at @out; once the server wrote them, CLONEDEV_ROLE_INIT_PED or
 *	CLONEDEV_PARTITION_INIT_PED takes the secret
 */
enum clonedev_ped_op {
	CLONEDEV_PED_VECTOR_INIT = 1,
	CLONEDEV_PED_VECTOR_ERASE = 2,
	CLONEDEV_PED_CONNECT = 3,
	CLONEDEV_PED_STEP = 4,
	CLONEDEV_PED_REQUEST = 5,
	CLONEDEV_PED_DISCONNECT = 6,
	CLONEDEV_PED_STATUS = 7,
	CLONEDEV_PED_STORE = 8,
};

/**
 * enum clonedev_ped_state - a session's remote PED channel
 * @CLONEDEV_PED_NONE: no channel
 * @CLONEDEV_PED_HANDSHAKE: HELLO or FINISH sent, waiting for the server
 * @CLONEDEV_PED_CONNECTED: the server proved it holds the RPV
 * @CLONEDEV_PED_WAITING: a REQUEST or a STORE sent, waiting for its SHARES
 *	or STORED
 * @CLONEDEV_PED_FAILED: ended by a failed check or an ERROR (@error)
 */
enum clonedev_ped_state {
	CLONEDEV_PED_NONE = 0,
	CLONEDEV_PED_HANDSHAKE = 1,
	CLONEDEV_PED_CONNECTED = 2,
	CLONEDEV_PED_WAITING = 3,
	CLONEDEV_PED_FAILED = 4,
};

/**
 * enum clonedev_ped_kind - whose shares a REQUEST asks for (a STORE sends)
 * @CLONEDEV_PED_KIND_PO: the po's (the enum clonedev_role values)
 * @CLONEDEV_PED_KIND_CO: the co's
 * @CLONEDEV_PED_KIND_CU: the cu's
 * @CLONEDEV_PED_KIND_DOMAIN: a quorum domain's, by label
 */
enum clonedev_ped_kind {
	CLONEDEV_PED_KIND_PO = 1,
	CLONEDEV_PED_KIND_CO = 2,
	CLONEDEV_PED_KIND_CU = 3,
	CLONEDEV_PED_KIND_DOMAIN = 4,
};

/**
 * enum clonedev_ped_error - why a channel failed, or a REQUEST got none
 * @CLONEDEV_PED_E_NONE: no failure; the shares were served (stored)
 * @CLONEDEV_PED_E_REFUSED: SHARES or STORED status 1: the custodian refused
 * @CLONEDEV_PED_E_NO_SHARES: SHARES status 2: no share fits
 * @CLONEDEV_PED_E_TOO_FEW: SHARES status 3: fewer than M shares fit
 * @CLONEDEV_PED_E_UNEXPECTED: a message the state did not expect (type,
 *	sequence, length, reserved bytes, a bad SHARES), or ERROR unexpected
 * @CLONEDEV_PED_E_AUTH: MAC_S or a tag did not verify, a bad public key,
 *	or ERROR auth
 * @CLONEDEV_PED_E_RPV: ERROR rpv: the server holds another RPV
 * @CLONEDEV_PED_E_INTERNAL: ERROR internal, or the kernel failed
 * @CLONEDEV_PED_E_NOT_WRITTEN: STORED status 2: the server could not write
 *	the shares
 *
 * Codes 1 to 3 and 8 end a request and leave the channel connected; the
 * others end the channel (FAILED).
 */
enum clonedev_ped_error {
	CLONEDEV_PED_E_NONE = 0,
	CLONEDEV_PED_E_REFUSED = 1,
	CLONEDEV_PED_E_NO_SHARES = 2,
	CLONEDEV_PED_E_TOO_FEW = 3,
	CLONEDEV_PED_E_UNEXPECTED = 4,
	CLONEDEV_PED_E_AUTH = 5,
	CLONEDEV_PED_E_RPV = 6,
	CLONEDEV_PED_E_INTERNAL = 7,
	CLONEDEV_PED_E_NOT_WRITTEN = 8,
};

/* @ped_flags of struct clonedev_ped. */
#define CLONEDEV_PED_HAS_RPV		0x00000001U	/* the partition has one */

/**
 * struct clonedev_ped - ioctl(CLONEDEV_IOCTL_PED)
 * @size: input, sizeof(struct clonedev_ped)
 * @flags: input, must be 0
 * @op: input, enum clonedev_ped_op
 * @kind: input (REQUEST, STORE), enum clonedev_ped_kind
 * @domain_label: input (REQUEST, STORE, kind DOMAIN), the domain's label
 * @__reserved: input, must be 0
 * @quorum_m: input (VECTOR_INIT, STORE), M, shares needed, 1..@quorum_n
 * @quorum_n: input (VECTOR_INIT, STORE), N, shares made, 1..16
 * @in_len: input (STEP), the length of the message at @in,
 *	1..CLONEDEV_PED_MSG_MAX
 * @shares: input (VECTOR_INIT), room for @quorum_n struct clonedev_share;
 *	output, the RPV's shares
 * @in: input (STEP), pointer to the server's message
 * @out: input, pointer to a buffer for the message to the server
 * @out_cap: input (CONNECT, STEP, REQUEST, STORE), room at @out, at least
 *	CLONEDEV_PED_MSG_MAX
 * @out_len: output, the length of that message; 0: none
 * @state: output, enum clonedev_ped_state
 * @error: output, enum clonedev_ped_error: why the channel failed, or
 *	what the last SHARES or STORED said
 * @ped_flags: output, CLONEDEV_PED_HAS_RPV
 * @held_kind: output, the enum clonedev_ped_kind of the shares the
 *	session holds, 0: none
 * @held_count: output, how many it holds
 * @rpv_id: output (VECTOR_INIT, CONNECT, STATUS), the RPV's id
 * @__reserved2: input, must be 0
 *
 * The kernel's side of the remote PED channel (docs/remote-ped.md): one
 * per session, for the partition of the session's slot; it ends with the
 * session, on DISCONNECT, on a new CONNECT and when the session selects a
 * slot. Shares received are held for the session's next login
 * (CLONEDEV_LOGIN_PED) or domain import (CLONEDEV_DOMAIN_ADD_PED), and
 * never leave the kernel. VECTOR_INIT and VECTOR_ERASE need the po logged
 * in; the other ops only a slot, except STORE: kinds po, co and domain
 * need the po logged in, kind cu the co. The secret a STORE makes stays
 * in the kernel (one for a role, one for a domain; a new STORE replaces
 * the one of its kind) until a role or partition init takes it, or the
 * channel ends; it is wiped unused if the server does not store it.
 *
 * A protocol failure is not an ioctl failure: STEP returns 0 with @state
 * FAILED and @error set.
 *
 * Return: 0; -ENODEV with no slot; -EACCES without the po (VECTOR_*), or
 * without the role a STORE of @kind needs; -EOPNOTSUPP for VECTOR_INIT
 * on a password partition; -ENOKEY for VECTOR_ERASE or CONNECT without
 * an RPV; -EINVAL for a bad op, kind, label or quorum, a STEP without a
 * channel waiting for the server, or a REQUEST or STORE on a channel that
 * is not connected; -ENOTCONN for DISCONNECT
 * without a channel; -EMSGSIZE if @in_len exceeds CLONEDEV_PED_MSG_MAX or
 * @out_cap is smaller; -EFAULT.
 */
struct clonedev_ped {
	__u32 size;
	__u32 flags;
	__u32 op;
	__u32 kind;
	char domain_label[CLONEDEV_LABEL_LEN];
	__u8 __reserved[3];
	__u32 quorum_m;
	__u32 quorum_n;
	__u32 in_len;
	__aligned_u64 shares;
	__aligned_u64 in;
	__aligned_u64 out;
	__u32 out_cap;
	__u32 out_len;
	__u32 state;
	__u32 error;
	__u32 ped_flags;
	__u32 held_kind;
	__u32 held_count;
	__u8 rpv_id[CLONEDEV_PED_RPV_ID_LEN];
	__u32 __reserved2;
};

#define CLONEDEV_IOCTL_PED _IO(CLONEDEV_IOCTL_TYPE, CLONEDEV_CMD_PED)

/* ------------------------------------------------------------------ */
/* Archive files: CLONEDEV_IOCTL_ARCHIVE_OPEN, _NEXT, _FINISH          */
/* ------------------------------------------------------------------ */

/*
 * An archive file (docs/archive-format.md) is made and read by the kernel
 * in a stream: OPEN gives the header (backup) or takes it (restore), each
 * NEXT one object record, FINISH the final record. The archive is named
 * by the id OPEN returns, valid on the session that opened it (another
 * session's id is -ENOENT); a session holds at most
 * CLONEDEV_ARCHIVE_OPEN_MAX archives at once, each ended by FINISH, by an
 * error of NEXT or FINISH, or by closing the session.
 */
#define CLONEDEV_ARCHIVE_VERSION	1
#define CLONEDEV_ARCHIVE_HEADER_LEN	88
#define CLONEDEV_ARCHIVE_RECORD_MAX	4260	/* 4 + 4 + 140 + 4096 + 16 */
#define CLONEDEV_ARCHIVE_FINAL_LEN	56
#define CLONEDEV_ARCHIVE_OBJECTS_MAX	65536
#define CLONEDEV_ARCHIVE_OPEN_MAX	64

/**
 * enum clonedev_archive_mode - what CLONEDEV_IOCTL_ARCHIVE_OPEN starts
 * @CLONEDEV_ARCHIVE_BACKUP: make an archive of the session's partition
 *	(the co, or the cu for objects without the private flag)
 * @CLONEDEV_ARCHIVE_RESTORE: read one into it (the co)
 */
enum clonedev_archive_mode {
	CLONEDEV_ARCHIVE_BACKUP = 1,
	CLONEDEV_ARCHIVE_RESTORE = 2,
};

/**
 * struct clonedev_archive_open - CLONEDEV_IOCTL_ARCHIVE_OPEN
 * @size: input, sizeof(struct clonedev_archive_open)
 * @flags: input, 0
 * @mode: input, enum clonedev_archive_mode
 * @count: input, the number of handles at @handles, at most
 *	CLONEDEV_ARCHIVE_OBJECTS_MAX; 0: every object (backup) or every
 *	object the archive holds (restore). Output: the number of object
 *	records the archive holds
 * @handles: input, __u32 handles: backup, objects of the partition;
 *	restore, the handles the objects had in the archived partition
 * @domain_label: input, backup: the domain to seal under (NUL-padded);
 *	empty: the primary domain. Restore: must be empty (-EINVAL)
 * @__reserved: must be zero
 * @in: input, restore: the header
 * @in_len: input, restore: CLONEDEV_ARCHIVE_HEADER_LEN; backup: 0
 * @out_cap: input, backup: room at @out, at least
 *	CLONEDEV_ARCHIVE_HEADER_LEN; restore: 0
 * @out: input, backup: where the header goes
 * @out_len: output, the bytes written at @out
 * @id: output, the archive's id for NEXT and FINISH
 * @refused: output, backup: objects named (or, with @count 0, held) that
 *	policies 0 and 4 (or a cu and the private flag) leave out
 * @serial: output, the serial of the archived partition
 *
 * Return: 0; -EINVAL bad mode, lengths or label; -EMSGSIZE @out_cap too
 * small; -E2BIG @count above CLONEDEV_ARCHIVE_OBJECTS_MAX; -ENODEV no
 * partition; -EACCES not the co (restore) or co/cu (backup); -ENOENT a
 * handle not in the partition (backup); -EKEYREJECTED no such domain
 * (backup) or none with the header's fingerprint (restore); -EBADMSG a
 * header that fails (docs/archive-format.md); -EPROTONOSUPPORT an
 * unknown version; -EMFILE CLONEDEV_ARCHIVE_OPEN_MAX archives open.
 */
struct clonedev_archive_open {
	__u32 size;
	__u32 flags;
	__u32 mode;
	__u32 count;
	__aligned_u64 handles;
	char domain_label[CLONEDEV_LABEL_LEN];
	__u8 __reserved[7];
	__aligned_u64 in;
	__u32 in_len;
	__u32 out_cap;
	__aligned_u64 out;
	__u32 out_len;
	__u32 id;
	__u32 refused;
	__u32 __reserved2;
	__aligned_u64 serial;
};

#define CLONEDEV_IOCTL_ARCHIVE_OPEN					\
	_IO(CLONEDEV_IOCTL_TYPE, CLONEDEV_CMD_ARCHIVE_OPEN)

/**
 * struct clonedev_archive_next - CLONEDEV_IOCTL_ARCHIVE_NEXT
 * @size: input, sizeof(struct clonedev_archive_next)
 * @flags: input, 0
 * @id: input, the archive
 * @in_len: input, restore: the length of the record at @in (its length
 *	field included); backup: 0
 * @in: input, restore: the next object record
 * @out: input, backup: where the next object record goes
 * @out_cap: input, backup: room at @out, at least
 *	CLONEDEV_ARCHIVE_RECORD_MAX; restore: 0
 * @out_len: output, backup: the bytes written
 * @handle: output, the record's handle (the object's in the archived
 *	partition)
 * @index: output, the record's index
 * @selected: output, restore: 1 if the object is to be restored
 * @__reserved: must be zero
 *
 * Return: 0; -EINVAL bad lengths, or every record has been given;
 * -EMSGSIZE @out_cap too small; -ENOENT no such archive, or the object
 * to write was destroyed; -EBADMSG a record that fails; -EACCES, -ENODEV
 * the login or partition ended; -EPERM policy now refuses the object to
 * write. An error other than -EINVAL and -EMSGSIZE ends the archive.
 */
struct clonedev_archive_next {
	__u32 size;
	__u32 flags;
	__u32 id;
	__u32 in_len;
	__aligned_u64 in;
	__aligned_u64 out;
	__u32 out_cap;
	__u32 out_len;
	__u32 handle;
	__u32 index;
	__u32 selected;
	__u32 __reserved;
};

#define CLONEDEV_IOCTL_ARCHIVE_NEXT					\
	_IO(CLONEDEV_IOCTL_TYPE, CLONEDEV_CMD_ARCHIVE_NEXT)

/* struct clonedev_archive_finish.flags: end the archive, store nothing. */
#define CLONEDEV_ARCHIVE_ABORT		0x00000001U

/**
 * struct clonedev_archive_finish - CLONEDEV_IOCTL_ARCHIVE_FINISH
 * @size: input, sizeof(struct clonedev_archive_finish)
 * @flags: input, CLONEDEV_ARCHIVE_ABORT or 0
 * @id: input, the archive
 * @in_len: input, restore: CLONEDEV_ARCHIVE_FINAL_LEN; backup: 0
 * @in: input, restore: the final record
 * @out: input, backup: where the final record goes
 * @out_cap: input, backup: at least CLONEDEV_ARCHIVE_FINAL_LEN
 * @out_len: output, backup: the bytes written
 * @copied: output, restore: objects stored (all in one store batch)
 * @skipped: output, restore: objects whose OUID the partition holds
 * @refused: output, restore: objects policies 0 and 4 refuse
 * @failed: output, restore: records that do not validate, OUID clashes
 * @__reserved: must be zero
 *
 * The archive ends whatever the outcome (but -EINVAL and -EMSGSIZE on
 * the arguments). Return: 0; -EINVAL bad lengths, or a backup whose
 * object records were not all written (without CLONEDEV_ARCHIVE_ABORT);
 * -EMSGSIZE @out_cap too small; -ENOENT no such archive, or a handle
 * named at OPEN that the archive does not hold (nothing stored); -EBADMSG
 * the final record fails, or comes before the last object record
 * (nothing stored); -EACCES, -ENODEV the login or partition ended;
 * -ENOSPC, -EIO the store failed (nothing stored).
 */
struct clonedev_archive_finish {
	__u32 size;
	__u32 flags;
	__u32 id;
	__u32 in_len;
	__aligned_u64 in;
	__aligned_u64 out;
	__u32 out_cap;
	__u32 out_len;
	__u32 copied;
	__u32 skipped;
	__u32 refused;
	__u32 failed;
	__u32 __reserved[2];
};

#define CLONEDEV_IOCTL_ARCHIVE_FINISH					\
	_IO(CLONEDEV_IOCTL_TYPE, CLONEDEV_CMD_ARCHIVE_FINISH)

/* ------------------------------------------------------------------ */
/* System plane: generic netlink family "clonedev"                     */
/* ------------------------------------------------------------------ */

/*
 * The family "clonedev" (version CLONEDEV_GENL_VERSION) with the multicast
 * group "events": its commands (enum clonedev_cmd), attributes (enum
 * clonedev_attr) and names are in <linux/clonedev_netlink.h>, generated
 * from docs/netlink/clonedev.yaml, which documents each command, its
 * attributes and its errors.
 */

#endif /* _UAPI_LINUX_CLONEDEV_H */
