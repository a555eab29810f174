// SPDX-License-Identifier: LGPL-2.1-or-later
/* libclonedev: the words user space shows for uAPI enum values. */
#include <string.h>

#include "libclonedev.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *pick(const char *const *names, size_t n, unsigned int v)
{
	return v < n && names[v] ? names[v] : "?";
}

const char *clonedev_auth_name(unsigned int auth)
{
	static const char *const n[] = {
		[CLONEDEV_AUTH_PASSWORD] = "password",
		[CLONEDEV_AUTH_QUORUM] = "quorum",
	};
	return pick(n, ARRAY_SIZE(n), auth);
}

const char *clonedev_ptype_name(unsigned int type)
{
	static const char *const n[] = {
		[CLONEDEV_PTYPE_APPLICATION] = "application",
		[CLONEDEV_PTYPE_BACKUP] = "backup",
	};
	return pick(n, ARRAY_SIZE(n), type);
}

const char *clonedev_level_name(unsigned int level)
{
	static const char *const n[] = {
		[CLONEDEV_LEVEL_LEGACY] = "legacy",
		[CLONEDEV_LEVEL_V3] = "v3",
		[CLONEDEV_LEVEL_CURRENT] = "current",
	};
	return pick(n, ARRAY_SIZE(n), level);
}

const char *clonedev_state_name(unsigned int state)
{
	static const char *const n[] = {
		[CLONEDEV_STATE_UNINITIALIZED] = "uninitialized",
		[CLONEDEV_STATE_INITIALIZED] = "initialized",
		[CLONEDEV_STATE_ZEROIZED] = "zeroized",
	};
	return pick(n, ARRAY_SIZE(n), state);
}

const char *clonedev_role_name(unsigned int role)
{
	static const char *const n[] = {
		[CLONEDEV_ROLE_PO] = "po",
		[CLONEDEV_ROLE_CO] = "co",
		[CLONEDEV_ROLE_CU] = "cu",
	};
	return pick(n, ARRAY_SIZE(n), role);
}

const char *clonedev_policy_name(unsigned int id)
{
	static const char *const n[] = {
		[CLONEDEV_POLICY_PRIVATE_CLONING] = "Allow private key cloning",
		[CLONEDEV_POLICY_PRIVATE_WRAPPING] = "Allow private key wrapping",
		[CLONEDEV_POLICY_SECRET_CLONING] = "Allow secret key cloning",
		[CLONEDEV_POLICY_SECRET_WRAPPING] = "Allow secret key wrapping",
		[CLONEDEV_POLICY_MAX_FAILED_LOGINS] = "Max failed user logins allowed",
		[CLONEDEV_POLICY_ACTIVATION] = "Allow activation",
		[CLONEDEV_POLICY_KEY_MANAGEMENT] = "Allow key management functions",
		[CLONEDEV_POLICY_CPV1] = "Allow CPv1",
		[CLONEDEV_POLICY_NON_FIPS] = "Allow non-FIPS algorithms",
		[CLONEDEV_POLICY_EXTENDED_DOMAINS] = "Allow extended domain management",
	};

	return id < ARRAY_SIZE(n) ? n[id] : NULL;
}

const char *clonedev_class_name(unsigned int obj_class)
{
	static const char *const n[] = {
		[CLONEDEV_CLASS_DATA] = "data",
		[CLONEDEV_CLASS_SECRET_KEY] = "secret key",
		[CLONEDEV_CLASS_PRIVATE_KEY] = "private key",
		[CLONEDEV_CLASS_PUBLIC_KEY] = "public key",
	};
	return pick(n, ARRAY_SIZE(n), obj_class);
}

const char *clonedev_key_type_name(unsigned int key_type)
{
	static const char *const n[] = {
		[CLONEDEV_KEY_NONE] = "-",
		[CLONEDEV_KEY_AES] = "aes",
		[CLONEDEV_KEY_GENERIC_SECRET] = "generic",
		[CLONEDEV_KEY_EC_P256] = "ec-p256",
		[CLONEDEV_KEY_EC_P384] = "ec-p384",
		[CLONEDEV_KEY_RSA] = "rsa",
	};
	return pick(n, ARRAY_SIZE(n), key_type);
}

const char *clonedev_domain_type_name(unsigned int type)
{
	static const char *const n[] = {
		[CLONEDEV_DOMAIN_TEXT] = "text",
		[CLONEDEV_DOMAIN_QUORUM] = "quorum",
	};
	return pick(n, ARRAY_SIZE(n), type);
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

static unsigned int value_of(const char *(*name)(unsigned int),
			     const char *word)
{
	unsigned int v;

	for (v = 1; v < 8; v++)
		if (!strcmp(name(v), word))
			return v;
	return 0;
}

unsigned int clonedev_auth_value(const char *name)
{
	return value_of(clonedev_auth_name, name);
}

unsigned int clonedev_ptype_value(const char *name)
{
	return value_of(clonedev_ptype_name, name);
}

unsigned int clonedev_level_value(const char *name)
{
	return value_of(clonedev_level_name, name);
}

unsigned int clonedev_role_value(const char *name)
{
	return value_of(clonedev_role_name, name);
}

unsigned int clonedev_suite_value(const char *name)
{
	unsigned int bit;

	for (bit = 1; bit & CLONEDEV_SUITES_ALL; bit <<= 1)
		if (!strcmp(clonedev_suite_name(bit), name))
			return bit;
	return 0;
}

unsigned int clonedev_key_type_value(const char *name)
{
	return value_of(clonedev_key_type_name, name);
}
