/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	docs/netlink/clonedev.yaml */
/* YNL-GEN uapi header */

#ifndef _UAPI_LINUX_CLONEDEV_NETLINK_H
#define _UAPI_LINUX_CLONEDEV_NETLINK_H

#define CLONEDEV_GENL_NAME	"clonedev"
#define CLONEDEV_GENL_VERSION	1

/**
 * enum clonedev_protocol_bit - cloning protocols, as bits of a mask
 * @CLONEDEV_PROTO_CPV1: legacy protocol keyed from the domain alone
 * @CLONEDEV_PROTO_CPV3: one ECDH agreement per object
 * @CLONEDEV_PROTO_CPV4: negotiated cipher suite, one session key
 */
enum clonedev_protocol_bit {
	CLONEDEV_PROTO_CPV1 = 1,
	CLONEDEV_PROTO_CPV3 = 2,
	CLONEDEV_PROTO_CPV4 = 4,
};

/**
 * enum clonedev_suite_bit - CPv4 cipher suites, as bits of a mask, strongest
 *   first
 * @CLONEDEV_SUITE_P384_AES256GCM: ECDH P-384, HKDF-SHA-384, AES-256-GCM
 * @CLONEDEV_SUITE_P256_AES256GCM: ECDH P-256, HKDF-SHA-256, AES-256-GCM
 * @CLONEDEV_SUITE_X25519_CHACHA20POLY1305: X25519, HKDF-SHA-256,
 *   ChaCha20-Poly1305 (not FIPS)
 */
enum clonedev_suite_bit {
	CLONEDEV_SUITE_P384_AES256GCM = 1,
	CLONEDEV_SUITE_P256_AES256GCM = 2,
	CLONEDEV_SUITE_X25519_CHACHA20POLY1305 = 4,
};

/**
 * enum clonedev_partition_auth - how a partition's roles authenticate
 * @CLONEDEV_AUTH_PASSWORD: passwords
 * @CLONEDEV_AUTH_QUORUM: M-of-N share files
 */
enum clonedev_partition_auth {
	CLONEDEV_AUTH_PASSWORD = 1,
	CLONEDEV_AUTH_QUORUM,
};

/**
 * enum clonedev_partition_type - what a partition is for
 * @CLONEDEV_PTYPE_APPLICATION: keys used by applications
 * @CLONEDEV_PTYPE_BACKUP: holds objects cloned into it; makes and uses none
 */
enum clonedev_partition_type {
	CLONEDEV_PTYPE_APPLICATION = 1,
	CLONEDEV_PTYPE_BACKUP,
};

/**
 * enum clonedev_protocol_level - which cloning protocols a partition speaks
 * @CLONEDEV_LEVEL_LEGACY: CPv1 only
 * @CLONEDEV_LEVEL_V3: CPv1 and CPv3
 * @CLONEDEV_LEVEL_CURRENT: CPv1, CPv3 and CPv4
 */
enum clonedev_protocol_level {
	CLONEDEV_LEVEL_LEGACY = 1,
	CLONEDEV_LEVEL_V3,
	CLONEDEV_LEVEL_CURRENT,
};

/**
 * enum clonedev_partition_state - life cycle of a partition
 * @CLONEDEV_STATE_UNINITIALIZED: created, no PO and no domain yet
 * @CLONEDEV_STATE_INITIALIZED: PO set and a primary domain present
 * @CLONEDEV_STATE_ZEROIZED: objects and domains destroyed after PO lockout
 */
enum clonedev_partition_state {
	CLONEDEV_STATE_UNINITIALIZED = 1,
	CLONEDEV_STATE_INITIALIZED,
	CLONEDEV_STATE_ZEROIZED,
};

enum clonedev_attr {
	CLONEDEV_A_HSM_VERSION = 1,
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
	CLONEDEV_A_MAX = (__CLONEDEV_A_MAX - 1)
};

enum clonedev_cmd {
	CLONEDEV_CMD_HSM_GET = 1,
	CLONEDEV_CMD_SLOT_GET,
	CLONEDEV_CMD_PARTITION_CREATE,
	CLONEDEV_CMD_PARTITION_DELETE,
	CLONEDEV_CMD_SLOT_CREATED_NTF,
	CLONEDEV_CMD_SLOT_DELETED_NTF,

	__CLONEDEV_CMD_MAX,
	CLONEDEV_CMD_MAX = (__CLONEDEV_CMD_MAX - 1)
};

#define CLONEDEV_GENL_MCGRP_EVENTS	"events"

#endif /* _UAPI_LINUX_CLONEDEV_NETLINK_H */
