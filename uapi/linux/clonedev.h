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
 * ioctl rules: every argument struct starts with __u32 size and __u32 flags.
 * User space sets @size to sizeof() the struct it was built with; the
 * kernel accepts any size from the first version of the struct upward,
 * requires bytes it does not know to be zero (-E2BIG otherwise) and writes
 * back at most @size bytes. Flags the kernel does not know give
 * -EOPNOTSUPP; a reserved field that is not zero gives -EINVAL; an unknown
 * ioctl command gives -ENOTTY.
 */
#ifndef _UAPI_LINUX_CLONEDEV_H
#define _UAPI_LINUX_CLONEDEV_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define CLONEDEV_DEVICE_NAME		"clonedev"
/*
 * Misc minor from the range devices.txt reserves for local use; a fixed
 * minor lets opening /dev/clonedev load the module (char-major-10-246).
 */
#define CLONEDEV_MISC_MINOR		246

/**
 * enum clonedev_protocol_bit - cloning protocols, as bits of a mask
 * @CLONEDEV_PROTO_CPV1: legacy protocol keyed from the domain alone
 * @CLONEDEV_PROTO_CPV3: one ECDH agreement per object
 * @CLONEDEV_PROTO_CPV4: negotiated cipher suite, one session key
 */
enum clonedev_protocol_bit {
	CLONEDEV_PROTO_CPV1 = 1U << 0,
	CLONEDEV_PROTO_CPV3 = 1U << 1,
	CLONEDEV_PROTO_CPV4 = 1U << 2,
};

/**
 * enum clonedev_suite_bit - CPv4 cipher suites, as bits of a mask
 * @CLONEDEV_SUITE_P384_AES256GCM: ECDH P-384, HKDF-SHA-384, AES-256-GCM
 * @CLONEDEV_SUITE_P256_AES256GCM: ECDH P-256, HKDF-SHA-256, AES-256-GCM
 * @CLONEDEV_SUITE_X25519_CHACHA20POLY1305: X25519, HKDF-SHA-256,
 *	ChaCha20-Poly1305 (not FIPS)
 *
 * The order of the bits is the order of preference, strongest first.
 */
enum clonedev_suite_bit {
	CLONEDEV_SUITE_P384_AES256GCM = 1U << 0,
	CLONEDEV_SUITE_P256_AES256GCM = 1U << 1,
	CLONEDEV_SUITE_X25519_CHACHA20POLY1305 = 1U << 2,
};

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

/* ------------------------------------------------------------------ */
/* System plane: generic netlink family "clonedev"                     */
/* ------------------------------------------------------------------ */

#define CLONEDEV_GENL_NAME		"clonedev"
#define CLONEDEV_GENL_VERSION		1
#define CLONEDEV_GENL_MCGRP_EVENTS	"events"

/**
 * enum clonedev_partition_auth - how a partition's roles authenticate
 * @CLONEDEV_AUTH_PASSWORD: passwords
 * @CLONEDEV_AUTH_QUORUM: M-of-N share files
 */
enum clonedev_partition_auth {
	CLONEDEV_AUTH_PASSWORD = 1,
	CLONEDEV_AUTH_QUORUM = 2,
};

/**
 * enum clonedev_partition_type - what a partition is for
 * @CLONEDEV_PTYPE_APPLICATION: keys used by applications
 * @CLONEDEV_PTYPE_BACKUP: a backup store
 */
enum clonedev_partition_type {
	CLONEDEV_PTYPE_APPLICATION = 1,
	CLONEDEV_PTYPE_BACKUP = 2,
};

/**
 * enum clonedev_protocol_level - which cloning protocols a partition speaks
 * @CLONEDEV_LEVEL_LEGACY: CPv1 only
 * @CLONEDEV_LEVEL_V3: CPv1 and CPv3
 * @CLONEDEV_LEVEL_CURRENT: CPv1, CPv3 and CPv4
 */
enum clonedev_protocol_level {
	CLONEDEV_LEVEL_LEGACY = 1,
	CLONEDEV_LEVEL_V3 = 2,
	CLONEDEV_LEVEL_CURRENT = 3,
};

/**
 * enum clonedev_partition_state - life cycle of a partition
 * @CLONEDEV_STATE_UNINITIALIZED: created, no PO and no domain yet
 * @CLONEDEV_STATE_INITIALIZED: PO set and a primary domain present
 * @CLONEDEV_STATE_ZEROIZED: objects and domains destroyed after PO lockout
 */
enum clonedev_partition_state {
	CLONEDEV_STATE_UNINITIALIZED = 1,
	CLONEDEV_STATE_INITIALIZED = 2,
	CLONEDEV_STATE_ZEROIZED = 3,
};

/**
 * enum clonedev_cmd - generic netlink commands
 * @CLONEDEV_CMD_HSM_GET: doit; reply carries the CLONEDEV_A_HSM_* attributes
 * @CLONEDEV_CMD_SLOT_GET: doit with CLONEDEV_A_SLOT_ID, or dump of every
 *	slot; each reply is one CLONEDEV_A_SLOT_* set
 * @CLONEDEV_CMD_PARTITION_CREATE: HSM administrator (CAP_SYS_ADMIN) only;
 *	CLONEDEV_A_SLOT_LABEL required, CLONEDEV_A_SLOT_AUTH (default
 *	password), CLONEDEV_A_SLOT_TYPE (default application) and
 *	CLONEDEV_A_SLOT_PROTOCOL_LEVEL (default current) optional; the reply
 *	is the new slot's CLONEDEV_A_SLOT_* set. -EEXIST if the label is
 *	taken, -ENOSPC if the HSM is full, -ENOKEY if the store's sealing
 *	key is not in the keyring.
 * @CLONEDEV_CMD_PARTITION_DELETE: HSM administrator only; CLONEDEV_A_SLOT_ID
 *	required; destroys the partition and everything in it. -ENODEV if
 *	no partition has the slot.
 * @CLONEDEV_CMD_SLOT_CREATED_NTF: event: a partition was created
 *	(CLONEDEV_A_SLOT_* set)
 * @CLONEDEV_CMD_SLOT_DELETED_NTF: event: a partition was deleted
 *	(CLONEDEV_A_SLOT_ID)
 */
enum clonedev_cmd {
	CLONEDEV_CMD_UNSPEC,
	CLONEDEV_CMD_HSM_GET,
	CLONEDEV_CMD_SLOT_GET,
	CLONEDEV_CMD_PARTITION_CREATE,
	CLONEDEV_CMD_PARTITION_DELETE,
	CLONEDEV_CMD_SLOT_CREATED_NTF,
	CLONEDEV_CMD_SLOT_DELETED_NTF,

	__CLONEDEV_CMD_MAX,
	CLONEDEV_CMD_MAX = __CLONEDEV_CMD_MAX - 1
};

/**
 * enum clonedev_attr - generic netlink attributes
 * @CLONEDEV_A_HSM_VERSION: string, module version
 * @CLONEDEV_A_HSM_PROTOCOLS: u32, mask of enum clonedev_protocol_bit
 * @CLONEDEV_A_HSM_SUITES: u32, mask of enum clonedev_suite_bit
 * @CLONEDEV_A_HSM_FLAGS: u32, CLONEDEV_HSM_* flags
 * @CLONEDEV_A_HSM_PARTITION_COUNT: u32
 * @CLONEDEV_A_HSM_MAX_PARTITIONS: u32
 * @CLONEDEV_A_SLOT_ID: u32, slot number
 * @CLONEDEV_A_SLOT_LABEL: string, 1..32 characters
 * @CLONEDEV_A_SLOT_SERIAL: u64, partition serial number
 * @CLONEDEV_A_SLOT_AUTH: u32, enum clonedev_partition_auth
 * @CLONEDEV_A_SLOT_TYPE: u32, enum clonedev_partition_type
 * @CLONEDEV_A_SLOT_PROTOCOL_LEVEL: u32, enum clonedev_protocol_level
 * @CLONEDEV_A_SLOT_STATE: u32, enum clonedev_partition_state
 * @CLONEDEV_A_SLOT_OBJECT_COUNT: u32
 * @CLONEDEV_A_PAD: padding for 64-bit attributes
 */
enum clonedev_attr {
	CLONEDEV_A_UNSPEC,
	CLONEDEV_A_HSM_VERSION,
	CLONEDEV_A_HSM_PROTOCOLS,
	CLONEDEV_A_HSM_SUITES,
	CLONEDEV_A_HSM_FLAGS,
	CLONEDEV_A_HSM_PARTITION_COUNT,
	CLONEDEV_A_HSM_MAX_PARTITIONS,
	CLONEDEV_A_SLOT_ID,
	CLONEDEV_A_SLOT_LABEL,
	CLONEDEV_A_SLOT_SERIAL,
	CLONEDEV_A_SLOT_AUTH,
	CLONEDEV_A_SLOT_TYPE,
	CLONEDEV_A_SLOT_PROTOCOL_LEVEL,
	CLONEDEV_A_SLOT_STATE,
	CLONEDEV_A_SLOT_OBJECT_COUNT,
	CLONEDEV_A_PAD,

	__CLONEDEV_A_MAX,
	CLONEDEV_A_MAX = __CLONEDEV_A_MAX - 1
};

#endif /* _UAPI_LINUX_CLONEDEV_H */
