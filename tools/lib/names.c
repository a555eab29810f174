// SPDX-License-Identifier: LGPL-2.1-or-later
/* libclonedev: the words user space shows for uAPI enum values. */
#include "libclonedev.h"

#define NAME(table, v) \
	((v) < sizeof(table) / sizeof(table[0]) && table[v] ? table[v] : "?")

const char *clonedev_auth_name(unsigned int auth)
{
	static const char *const n[] = {
		[CLONEDEV_AUTH_PASSWORD] = "password",
		[CLONEDEV_AUTH_QUORUM] = "quorum",
	};
	return NAME(n, auth);
}

const char *clonedev_ptype_name(unsigned int type)
{
	static const char *const n[] = {
		[CLONEDEV_PTYPE_APPLICATION] = "application",
		[CLONEDEV_PTYPE_BACKUP] = "backup",
	};
	return NAME(n, type);
}

const char *clonedev_level_name(unsigned int level)
{
	static const char *const n[] = {
		[CLONEDEV_LEVEL_LEGACY] = "legacy",
		[CLONEDEV_LEVEL_V3] = "v3",
		[CLONEDEV_LEVEL_CURRENT] = "current",
	};
	return NAME(n, level);
}

const char *clonedev_state_name(unsigned int state)
{
	static const char *const n[] = {
		[CLONEDEV_STATE_UNINITIALIZED] = "uninitialized",
		[CLONEDEV_STATE_INITIALIZED] = "initialized",
		[CLONEDEV_STATE_ZEROIZED] = "zeroized",
	};
	return NAME(n, state);
}

const char *clonedev_protocol_name(unsigned int bit)
{
	switch (bit) {
	case CLONEDEV_PROTO_CPV1:
		return "CPv1";
	case CLONEDEV_PROTO_CPV3:
		return "CPv3";
	case CLONEDEV_PROTO_CPV4:
		return "CPv4";
	}
	return "?";
}

const char *clonedev_suite_name(unsigned int bit)
{
	switch (bit) {
	case CLONEDEV_SUITE_P384_AES256GCM:
		return "p384-aes256gcm";
	case CLONEDEV_SUITE_P256_AES256GCM:
		return "p256-aes256gcm";
	case CLONEDEV_SUITE_X25519_CHACHA20POLY1305:
		return "x25519-chacha20poly1305";
	}
	return "?";
}
