// SPDX-License-Identifier: GPL-2.0
/* clonectl: the table of every command, in the order help lists them. */
#include <stdlib.h>

#include "cli.h"
#include "commands.h"

static const struct opt_spec no_opts[] = { { NULL } };

static const struct opt_spec partition_create_opts[] = {
	{ "label", OPT_VALUE, true, "partition label, 1 to 32 characters" },
	{ "auth", OPT_VALUE, false, "password (default) or quorum" },
	{ "type", OPT_VALUE, false, "application (default) or backup" },
	{ "protocol", OPT_VALUE, false, "cloning protocols: legacy, v3 or current (default)" },
	{ NULL },
};

static const struct opt_spec partition_delete_opts[] = {
	{ "slot", OPT_VALUE, true, "slot of the partition to delete" },
	{ "force", OPT_FLAG, false, "do not ask for confirmation" },
	{ NULL },
};

#define SLOT_OPT { "slot", OPT_VALUE, false, "select this slot first (as 'slot set')" }

/*
 * The key-use commands' own login (without one, the shell's is used):
 * KEY_PASSWORD_OPT, KEY_SHAREFILES_OPT, KEY_SHAREDIR_OPT, KEY_ROLE_OPT
 * and SLOT_OPT end each of their option tables.
 */
#define KEY_PASSWORD_OPT \
	{ "password", OPT_VALUE, false, "log in with this password first (as -role)" }
#define KEY_SHAREFILES_OPT \
	{ "sharefiles", OPT_VALUE, false, "quorum partitions: log in with M share files F1,F2,..." }
#define KEY_SHAREDIR_OPT \
	{ "sharedir", OPT_VALUE, false, "quorum partitions: log in with the shares found here" }
#define KEY_ROLE_OPT \
	{ "role", OPT_VALUE, false, "co or cu (default cu; co: derive, wrap, unwrap)" }

static const struct opt_spec slot_set_opts[] = {
	{ "slot", OPT_VALUE, true, "the slot to work on" },
	{ NULL },
};

static const struct opt_spec partition_init_opts[] = {
	{ "label", OPT_VALUE, true, "partition label, 1 to 32 characters" },
	{ "domain", OPT_VALUE, false, "primary cloning domain secret (asked if not given)" },
	{ "domainlabel", OPT_VALUE, false, "primary cloning domain label (quorum: 'primary')" },
	{ "password", OPT_VALUE, false, "new po password (asked if not given)" },
	{ "quorum", OPT_VALUE, false, "quorum partitions: M/N shares for the po and the domain" },
	{ "sharedir", OPT_VALUE, false, "with -quorum: where the share files go" },
	SLOT_OPT,
	{ NULL },
};

static const struct opt_spec role_login_opts[] = {
	{ "name", OPT_VALUE, true, "role: po, co or cu" },
	{ "password", OPT_VALUE, false, "the role's password (asked if not given)" },
	{ "sharefiles", OPT_VALUE, false, "quorum partitions: M share files F1,F2,..." },
	{ "sharedir", OPT_VALUE, false, "quorum partitions: take the shares found here" },
	SLOT_OPT,
	{ NULL },
};

static const struct opt_spec role_init_opts[] = {
	{ "name", OPT_VALUE, true, "role: co (by the po) or cu (by the co)" },
	{ "password", OPT_VALUE, false, "the new password (asked if not given)" },
	{ "quorum", OPT_VALUE, false, "quorum partitions: M/N shares for the role" },
	{ "sharedir", OPT_VALUE, false, "with -quorum: where the share files go" },
	SLOT_OPT,
	{ NULL },
};

static const struct opt_spec role_changepw_opts[] = {
	{ "name", OPT_VALUE, false, "role logged in (checked if given)" },
	{ "oldpw", OPT_VALUE, false, "current password (asked if not given)" },
	{ "newpw", OPT_VALUE, false, "new password (asked if not given)" },
	SLOT_OPT,
	{ NULL },
};

static const struct opt_spec slot_only_opts[] = {
	SLOT_OPT,
	{ NULL },
};

static const struct opt_spec showpolicies_opts[] = {
	{ "verbose", OPT_FLAG, false, "also show defaults, ranges and destructive changes" },
	SLOT_OPT,
	{ NULL },
};

static const struct opt_spec changepolicy_opts[] = {
	{ "policy", OPT_VALUE, true, "policy numbers, comma-separated (e.g. 0,4)" },
	{ "value", OPT_VALUE, true, "their new values, comma-separated (e.g. 1,1)" },
	{ "force", OPT_FLAG, false, "allow a change that destroys every object" },
	SLOT_OPT,
	{ NULL },
};

static const struct opt_spec generate_opts[] = {
	{ "keytype", OPT_VALUE, true, "aes, generic, ec-p256, ec-p384 or rsa (pairs)" },
	{ "bits", OPT_VALUE, false, "aes 128, 192, 256; generic 8..4096; rsa 2048, 3072, 4096" },
	{ "label", OPT_VALUE, false, "object label, up to 32 characters" },
	{ "id", OPT_VALUE, false, "object id, hex, up to 64 bytes" },
	{ "extractable", OPT_FLAG, false, "the key may be wrapped" },
	{ "modifiable", OPT_FLAG, false, "the key's attributes may change" },
	{ "usage", OPT_VALUE, false, "what it may do, e.g. sign,verify (default: by type)" },
	{ "count", OPT_VALUE, false, "this many secret keys in one durable batch (<= 65536)" },
	SLOT_OPT,
	{ NULL },
};

static const struct opt_spec domainadd_opts[] = {
	{ "domain", OPT_VALUE, false, "the text domain's secret (asked if not given)" },
	{ "domainshares", OPT_VALUE, false, "import a quorum domain from M share files F1,F2,..." },
	{ "domainlabel", OPT_VALUE, true, "its label, 1 to 32 characters" },
	{ "primary", OPT_FLAG, false, "make it the primary domain" },
	SLOT_OPT,
	{ NULL },
};

static const struct opt_spec domaindelete_opts[] = {
	{ "domainlabel", OPT_VALUE, false, "the domain to delete (asked if not given)" },
	SLOT_OPT,
	{ NULL },
};

static const struct opt_spec domainchange_opts[] = {
	{ "domainlabel", OPT_VALUE, true, "the domain" },
	{ "newlabel", OPT_VALUE, false, "its new label" },
	{ "primary", OPT_FLAG, false, "make it the primary domain" },
	SLOT_OPT,
	{ NULL },
};

static const struct opt_spec suite_opts[] = {
	{ "suite", OPT_VALUE, true, "p384-aes256gcm, p256-aes256gcm or x25519-chacha20poly1305" },
	SLOT_OPT,
	{ NULL },
};

static const struct opt_spec clone_opts[] = {
	{ "slot", OPT_VALUE, false, "the target slot (the current slot is the source)" },
	{ "objects", OPT_VALUE, true, "object handles H1,H2,... or all" },
	{ "peer", OPT_VALUE, false, "instead of -slot: a command serving the target on stdio" },
	{ "password", OPT_VALUE, false, "the target's co password (asked if not given)" },
	{ "sharefiles", OPT_VALUE, false, "quorum target: M co share files F1,F2,..." },
	{ "sharedir", OPT_VALUE, false, "quorum target: take the co shares found here" },
	{ NULL },
};

static const struct opt_spec archive_backup_opts[] = {
	{ "slot", OPT_VALUE, false, "the backup partition's slot (the current slot is backed up)" },
	{ "file", OPT_VALUE, false, "instead of -slot: write an archive file" },
	{ "overwrite", OPT_FLAG, false, "-file: replace the file if it exists" },
	{ "domain", OPT_VALUE, false, "-file: the domain to seal under (default: primary)" },
	{ "objects", OPT_VALUE, false, "object handles H1,H2,... or all (the default)" },
	{ "append", OPT_FLAG, false, "add to what the backup holds" },
	{ "replace", OPT_FLAG, false, "make the backup hold only these objects" },
	{ "password", OPT_VALUE, false, "the backup partition's co password (asked if not given)" },
	{ "sharefiles", OPT_VALUE, false, "quorum backup partition: M co share files F1,F2,..." },
	{ "sharedir", OPT_VALUE, false, "quorum backup partition: take the co shares found here" },
	{ NULL },
};

static const struct opt_spec archive_restore_opts[] = {
	{ "slot", OPT_VALUE, false, "the backup partition's slot (restored to the current slot)" },
	{ "file", OPT_VALUE, false, "instead of -slot: read an archive file" },
	{ "objects", OPT_VALUE, false, "the backup's (or archive's) handles H1,H2,... or all" },
	{ "replace", OPT_FLAG, false, "replace objects the current slot holds already" },
	{ "password", OPT_VALUE, false, "the backup partition's co password (asked if not given)" },
	{ "sharefiles", OPT_VALUE, false, "quorum backup partition: M co share files F1,F2,..." },
	{ "sharedir", OPT_VALUE, false, "quorum backup partition: take the co shares found here" },
	{ NULL },
};

static const struct opt_spec archive_contents_opts[] = {
	{ "slot", OPT_VALUE, true, "the backup partition's slot" },
	{ "password", OPT_VALUE, false, "its co password (asked if not given)" },
	{ "sharefiles", OPT_VALUE, false, "quorum: M co share files F1,F2,..." },
	{ "sharedir", OPT_VALUE, false, "quorum: take the co shares found here" },
	{ NULL },
};

#define HA_PASSWORD_OPT \
	{ "password", OPT_VALUE, false, "the co password of every member (asked if not given)" }

static const struct opt_spec hagroup_create_opts[] = {
	{ "label", OPT_VALUE, true, "the group's label, 1 to 32 letters, digits, '.', '_', '-'" },
	{ "slots", OPT_VALUE, true, "its members' slots A,B,..." },
	HA_PASSWORD_OPT,
	{ NULL },
};

static const struct opt_spec hagroup_label_opts[] = {
	{ "label", OPT_VALUE, true, "the group's label" },
	{ NULL },
};

static const struct opt_spec hagroup_add_opts[] = {
	{ "group", OPT_VALUE, true, "the group's label" },
	{ "slot", OPT_VALUE, true, "the member's slot" },
	HA_PASSWORD_OPT,
	{ NULL },
};

static const struct opt_spec hagroup_member_opts[] = {
	{ "group", OPT_VALUE, true, "the group's label" },
	{ "slot", OPT_VALUE, true, "the member's slot" },
	{ NULL },
};

static const struct opt_spec hagroup_list_opts[] = {
	{ "group", OPT_VALUE, false, "only this group" },
	{ "password", OPT_VALUE, false, "the group's co password: compare the members' objects" },
	{ NULL },
};

static const struct opt_spec hagroup_sync_opts[] = {
	{ "group", OPT_VALUE, true, "the group's label" },
	HA_PASSWORD_OPT,
	{ NULL },
};

static const struct opt_spec peer_opts[] = {
	{ "slot", OPT_VALUE, true, "the slot to serve as a clone target" },
	{ "password", OPT_VALUE, false, "its co password" },
	{ "sharefiles", OPT_VALUE, false, "quorum: M co share files F1,F2,..." },
	{ "sharedir", OPT_VALUE, false, "quorum: take the co shares found here" },
	{ NULL },
};

static const struct opt_spec challenge_opts[] = {
	{ "name", OPT_VALUE, true, "co (set by the po) or cu (set by the co)" },
	{ "challenge", OPT_VALUE, false, "the challenge password (asked if not given)" },
	SLOT_OPT,
	{ NULL },
};

static const struct opt_spec import_opts[] = {
	{ "file", OPT_VALUE, true, "key file: PKCS#8 (PEM or DER), raw with -keytype" },
	{ "keytype", OPT_VALUE, false, "aes or generic: the file holds the raw key" },
	{ "label", OPT_VALUE, false, "object label, up to 32 characters" },
	{ "id", OPT_VALUE, false, "object id, hex, up to 64 bytes" },
	{ "extractable", OPT_FLAG, false, "the key may be wrapped" },
	{ "modifiable", OPT_FLAG, false, "the key's attributes may change" },
	{ "usage", OPT_VALUE, false, "what it may do, e.g. sign,verify (default: by type)" },
	SLOT_OPT,
	{ NULL },
};

static const struct opt_spec find_opts[] = {
	{ "label", OPT_VALUE, false, "objects with this label" },
	{ "id", OPT_VALUE, false, "objects with this id (hex)" },
	SLOT_OPT,
	{ NULL },
};

static const struct opt_spec create_opts[] = {
	{ "label", OPT_VALUE, false, "object label, up to 32 characters" },
	{ "id", OPT_VALUE, false, "object id, hex, up to 64 bytes" },
	{ "value", OPT_VALUE, false, "the data, as text" },
	{ "file", OPT_VALUE, false, "read the data from this file" },
	{ "private", OPT_FLAG, false, "only logged-in users see it (co only)" },
	{ "sensitive", OPT_FLAG, false, "its value is never shown" },
	SLOT_OPT,
	{ NULL },
};

static const struct opt_spec handle_opts[] = {
	{ "handle", OPT_VALUE, true, "the object's handle" },
	SLOT_OPT,
	{ NULL },
};

static const struct opt_spec encrypt_opts[] = {
	{ "mech", OPT_VALUE, true, "gcm, cbc (PKCS#7 padding) or ctr" },
	{ "handle", OPT_VALUE, false, "the key's handle" },
	{ "label", OPT_VALUE, false, "instead of -handle: the one key with this label" },
	{ "in", OPT_VALUE, false, "plaintext file (default: stdin)" },
	{ "out", OPT_VALUE, false, "ciphertext file, gcm tag at its end (default: stdout)" },
	{ "iv", OPT_VALUE, false, "the IV, hex (default: the HSM makes one)" },
	{ "ivout", OPT_VALUE, false, "write the IV here, hex (default: 'iv: HEX' on stderr)" },
	{ "aad", OPT_VALUE, false, "gcm: additional authenticated data, hex" },
	{ "aadfile", OPT_VALUE, false, "gcm: additional authenticated data from a file" },
	{ "taglen", OPT_VALUE, false, "gcm: tag length, 12 to 16 (default 16)" },
	KEY_PASSWORD_OPT,
	KEY_SHAREFILES_OPT,
	KEY_SHAREDIR_OPT,
	KEY_ROLE_OPT,
	SLOT_OPT,
	{ NULL },
};

static const struct opt_spec decrypt_opts[] = {
	{ "mech", OPT_VALUE, true, "gcm, cbc, ctr or rsa-oaep" },
	{ "handle", OPT_VALUE, false, "the key's handle" },
	{ "label", OPT_VALUE, false, "instead of -handle: the one key with this label" },
	{ "in", OPT_VALUE, false, "ciphertext file (default: stdin)" },
	{ "out", OPT_VALUE, false, "plaintext file, mode 0600 (default: stdout)" },
	{ "iv", OPT_VALUE, false, "the IV the encryption used, hex" },
	{ "aad", OPT_VALUE, false, "gcm: additional authenticated data, hex" },
	{ "aadfile", OPT_VALUE, false, "gcm: additional authenticated data from a file" },
	{ "taglen", OPT_VALUE, false, "gcm: tag length, 12 to 16 (default 16)" },
	{ "hash", OPT_VALUE, false, "rsa-oaep: sha256 (default), sha384 or sha512" },
	KEY_PASSWORD_OPT,
	KEY_SHAREFILES_OPT,
	KEY_SHAREDIR_OPT,
	KEY_ROLE_OPT,
	SLOT_OPT,
	{ NULL },
};

static const struct opt_spec sign_opts[] = {
	{ "mech", OPT_VALUE, true, "hmac, cmac, ecdsa, rsa-pkcs or rsa-pss" },
	{ "handle", OPT_VALUE, false, "the key's handle" },
	{ "label", OPT_VALUE, false, "instead of -handle: the one key with this label" },
	{ "hash", OPT_VALUE, false, "sha256 (default), sha384, sha512; none: ecdsa of a digest" },
	{ "saltlen", OPT_VALUE, false, "rsa-pss: salt length (default: the hash's size)" },
	{ "in", OPT_VALUE, false, "the data (default: stdin)" },
	{ "out", OPT_VALUE, false, "the signature or MAC, raw; ecdsa r||s (default: stdout)" },
	KEY_PASSWORD_OPT,
	KEY_SHAREFILES_OPT,
	KEY_SHAREDIR_OPT,
	KEY_ROLE_OPT,
	SLOT_OPT,
	{ NULL },
};

static const struct opt_spec verify_opts[] = {
	{ "mech", OPT_VALUE, true, "hmac, cmac, ecdsa, rsa-pkcs or rsa-pss" },
	{ "handle", OPT_VALUE, false, "the key's handle" },
	{ "label", OPT_VALUE, false, "instead of -handle: the one key with this label" },
	{ "hash", OPT_VALUE, false, "sha256 (default), sha384, sha512; none: ecdsa of a digest" },
	{ "saltlen", OPT_VALUE, false, "rsa-pss: salt length (default: the hash's size)" },
	{ "in", OPT_VALUE, false, "the data (default: stdin)" },
	{ "sig", OPT_VALUE, true, "the signature or MAC to check, raw" },
	KEY_PASSWORD_OPT,
	KEY_SHAREFILES_OPT,
	KEY_SHAREDIR_OPT,
	KEY_ROLE_OPT,
	SLOT_OPT,
	{ NULL },
};

static const struct opt_spec derive_opts[] = {
	{ "handle", OPT_VALUE, false, "the EC private key's handle" },
	{ "label", OPT_VALUE, false, "instead of -handle: the EC private key's label" },
	{ "peer", OPT_VALUE, true, "peer's public point: raw or hex 04||X||Y, or PEM/DER key" },
	{ "mech", OPT_VALUE, false, "ecdh (the default)" },
	{ "keytype", OPT_VALUE, false, "the new key: aes (default) or generic" },
	{ "bits", OPT_VALUE, false, "its size (default 256 for aes)" },
	{ "newlabel", OPT_VALUE, false, "its label, up to 32 characters" },
	{ "newid", OPT_VALUE, false, "its id, hex, up to 64 bytes" },
	{ "extractable", OPT_FLAG, false, "the new key may be wrapped" },
	KEY_PASSWORD_OPT,
	KEY_SHAREFILES_OPT,
	KEY_SHAREDIR_OPT,
	KEY_ROLE_OPT,
	SLOT_OPT,
	{ NULL },
};

static const struct opt_spec wrap_opts[] = {
	{ "wrapping", OPT_VALUE, true, "the AES key that wraps: a handle, or a label" },
	{ "handle", OPT_VALUE, false, "the key's handle" },
	{ "label", OPT_VALUE, false, "instead of -handle: the one key with this label" },
	{ "mech", OPT_VALUE, false, "kwp (RFC 5649, the default)" },
	{ "out", OPT_VALUE, false, "the wrapped key (default: stdout)" },
	KEY_PASSWORD_OPT,
	KEY_SHAREFILES_OPT,
	KEY_SHAREDIR_OPT,
	KEY_ROLE_OPT,
	SLOT_OPT,
	{ NULL },
};

static const struct opt_spec unwrap_opts[] = {
	{ "unwrapping", OPT_VALUE, true, "the AES key that unwraps: a handle, or a label" },
	{ "keytype", OPT_VALUE, true, "its type: aes, generic, ec-p256, ec-p384 or rsa" },
	{ "in", OPT_VALUE, false, "the wrapped key (default: stdin)" },
	{ "mech", OPT_VALUE, false, "kwp (RFC 5649, the default)" },
	{ "newlabel", OPT_VALUE, false, "the new key's label, up to 32 characters" },
	{ "newid", OPT_VALUE, false, "its id, hex, up to 64 bytes" },
	{ "extractable", OPT_FLAG, false, "the new key may be wrapped" },
	KEY_PASSWORD_OPT,
	KEY_SHAREFILES_OPT,
	KEY_SHAREDIR_OPT,
	KEY_ROLE_OPT,
	SLOT_OPT,
	{ NULL },
};

static const struct opt_spec ped_connect_opts[] = {
	{ "slot", OPT_VALUE, false, "the slot to connect (default: the current slot)" },
	{ "ip", OPT_VALUE, false, "the PED server's address or host name (default 127.0.0.1)" },
	{ "port", OPT_VALUE, false, "its TCP port (default 1503)" },
	{ NULL },
};

static const struct opt_spec ped_slot_opts[] = {
	{ "slot", OPT_VALUE, false, "the slot (default: the current slot)" },
	{ NULL },
};

static const struct opt_spec ped_vector_init_opts[] = {
	{ "quorum", OPT_VALUE, true, "M/N shares of the vector" },
	{ "sharedir", OPT_VALUE, true, "where the rpv share files go" },
	{ "slot", OPT_VALUE, false, "the current slot, where the po is logged in" },
	{ NULL },
};

static const struct opt_spec exit_opts[] = {
	{ "code", OPT_VALUE, false, "exit status (default: 0 if every command succeeded)" },
	{ NULL },
};

int cmd_exit(struct cli *cli, const struct command *cmd,
	     const struct cmd_args *args)
{
	const char *code = cli_opt(cmd, args, "code");

	if (code) {
		char *end;
		long v = strtol(code, &end, 10);

		if (*end || v < 0 || v > 255)
			return cli_error("exit code '%s' is not a number from 0 to 255.",
					 code);
		cli->exit_code = (int)v;
	}
	cli->quit = true;
	return 0;
}

const struct command cli_commands[] = {
	{ "hsm", "show", "show the HSM: version, protocols, suites, FIPS mode, partitions",
	  no_opts, cmd_hsm_show },
	{ "slot", "list", "list the slots (partitions) with their state",
	  no_opts, cmd_slot_list },
	{ "slot", "set", "choose the slot this session works on",
	  slot_set_opts, cmd_slot_set },
	{ "partition", "create", "create a partition (HSM administrator)",
	  partition_create_opts, cmd_partition_create },
	{ "partition", "delete", "delete a partition and everything in it (HSM administrator)",
	  partition_delete_opts, cmd_partition_delete },
	{ "partition", "show", "show the partition: label, serial, authentication, type, protocol level, state",
	  slot_only_opts, cmd_partition_show },
	{ "partition", "init", "initialize the partition: po password and primary cloning domain",
	  partition_init_opts, cmd_partition_init },
	{ "partition", "showpolicies", "show the partition's policies",
	  showpolicies_opts, cmd_partition_showpolicies },
	{ "partition", "changepolicy", "change partition policies (po)",
	  changepolicy_opts, cmd_partition_changepolicy },
	{ "partition", "domainlist", "list the partition's cloning domains (po)",
	  slot_only_opts, cmd_partition_domainlist },
	{ "partition", "domainadd", "add a cloning domain: text, quorum shares, or through the PED (po; policy 44 for more than one)",
	  domainadd_opts, cmd_partition_domainadd },
	{ "partition", "domaindelete", "delete a cloning domain (po; not the last)",
	  domaindelete_opts, cmd_partition_domaindelete },
	{ "partition", "domainchangelabel", "relabel a domain or make it the primary (po)",
	  domainchange_opts, cmd_partition_domainchangelabel },
	{ "partition", "clone", "clone objects to another slot over a shared domain (co)",
	  clone_opts, cmd_partition_clone },
	{ "partition", "ciphershow", "show the CPv4 cipher suites of the partition",
	  slot_only_opts, cmd_partition_ciphershow },
	{ "partition", "cipherenable", "enable a CPv4 cipher suite (po)",
	  suite_opts, cmd_partition_cipherenable },
	{ "partition", "cipherdisable", "disable a CPv4 cipher suite (po)",
	  suite_opts, cmd_partition_cipherdisable },
	{ "partition", "activate", "activate a quorum partition: cache co/cu secrets (policy 22)",
	  slot_only_opts, cmd_partition_activate },
	{ "partition", "deactivate", "deactivate a quorum partition and wipe cached secrets",
	  slot_only_opts, cmd_partition_deactivate },
	{ "partition", "contents", "list the partition's objects (co or cu logged in)",
	  slot_only_opts, cmd_partition_contents },
	{ "partition", "archive backup", "back the current slot up into a backup partition (by cloning) or an archive file (co)",
	  archive_backup_opts, cmd_archive_backup },
	{ "partition", "archive restore", "restore objects from a backup partition (by cloning) or an archive file to the current slot (co)",
	  archive_restore_opts, cmd_archive_restore },
	{ "partition", "archive list", "list the backup partitions",
	  no_opts, cmd_archive_list },
	{ "partition", "archive contents", "list a backup partition's objects (its co)",
	  archive_contents_opts, cmd_archive_contents },
	{ "object", "generate", "generate a secret key or an EC or RSA key pair in the partition (co)",
	  generate_opts, cmd_object_generate },
	{ "object", "import", "import a secret key or a private key from a file (co)",
	  import_opts, cmd_object_import },
	{ "object", "find", "list the handles of objects by label and/or id (co or cu)",
	  find_opts, cmd_object_find },
	{ "object", "create", "create a data object (co; cu for public ones)",
	  create_opts, cmd_object_create },
	{ "object", "destroy", "destroy an object",
	  handle_opts, cmd_object_destroy },
	{ "object", "show", "show an object's attributes (never a secret)",
	  handle_opts, cmd_object_show },
	{ "object", "encrypt", "encrypt data with an AES key: gcm, cbc or ctr",
	  encrypt_opts, cmd_object_encrypt },
	{ "object", "decrypt", "decrypt data with an AES key, or RSA-OAEP",
	  decrypt_opts, cmd_object_decrypt },
	{ "object", "sign", "sign data or make a MAC: hmac, cmac, ecdsa, rsa",
	  sign_opts, cmd_object_sign },
	{ "object", "verify", "check a signature or MAC",
	  verify_opts, cmd_object_verify },
	{ "object", "derive", "derive a secret key by ECDH with a peer's point (co)",
	  derive_opts, cmd_object_derive },
	{ "object", "wrap", "wrap an extractable key under an AES key, RFC 5649 (co)",
	  wrap_opts, cmd_object_wrap },
	{ "object", "unwrap", "unwrap a key into a new object (co)",
	  unwrap_opts, cmd_object_unwrap },
	{ "role", "login", "log in to the current slot as po, co or cu",
	  role_login_opts, cmd_role_login },
	{ "role", "logout", "log out of the current slot",
	  slot_only_opts, cmd_role_logout },
	{ "role", "init", "set the co (as po) or cu (as co) password",
	  role_init_opts, cmd_role_init },
	{ "role", "changepw", "change the logged-in role's password",
	  role_changepw_opts, cmd_role_changepw },
	{ "role", "setchallenge", "set the challenge password of a quorum co or cu",
	  challenge_opts, cmd_role_setchallenge },
	{ "role", "show", "show the session's login and each role's state",
	  slot_only_opts, cmd_role_show },
	{ "ped", "connect", "connect a slot to its remote PED server (shell only)",
	  ped_connect_opts, cmd_ped_connect },
	{ "ped", "disconnect", "end a slot's remote PED connection",
	  ped_slot_opts, cmd_ped_disconnect },
	{ "ped", "show", "show a slot's remote PED connection and vector",
	  ped_slot_opts, cmd_ped_show },
	{ "ped", "vector init", "make the remote PED vector and its M-of-N rpv share files (po)",
	  ped_vector_init_opts, cmd_ped_vector_init },
	{ "ped", "vector erase", "erase the remote PED vector (po)",
	  ped_slot_opts, cmd_ped_vector_erase },
	{ "hagroup", "creategroup", "make an HA group of partitions sharing a cloning domain and the co password",
	  hagroup_create_opts, cmd_hagroup_create },
	{ "hagroup", "deletegroup", "delete an HA group (its partitions stay as they are)",
	  hagroup_label_opts, cmd_hagroup_delete },
	{ "hagroup", "addmember", "add an active member to an HA group (checked as creategroup checks)",
	  hagroup_add_opts, cmd_hagroup_addmember },
	{ "hagroup", "removemember", "take a member out of an HA group",
	  hagroup_member_opts, cmd_hagroup_removemember },
	{ "hagroup", "addstandby", "make a member of an HA group standby, or add one as standby",
	  hagroup_add_opts, cmd_hagroup_addstandby },
	{ "hagroup", "removestandby", "make a standby member of an HA group active again",
	  hagroup_member_opts, cmd_hagroup_removestandby },
	{ "hagroup", "listgroups", "list the HA groups: members, alive or down, standby, needs sync",
	  hagroup_list_opts, cmd_hagroup_list },
	{ "hagroup", "synchronize", "give every member of an HA group the union of their objects, by cloning (co)",
	  hagroup_sync_opts, cmd_hagroup_synchronize },
	{ NULL, "peer", "serve a slot as a clone target on stdin/stdout (for -peer, ssh)",
	  peer_opts, cmd_peer },
	{ NULL, "help", "list the commands, or explain one: help <command>",
	  no_opts, NULL },
	{ NULL, "exit", "leave the shell", exit_opts, cmd_exit },
	{ NULL, "quit", "leave the shell", exit_opts, cmd_exit },
	{ NULL, NULL, NULL, NULL, NULL },
};
