// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctl and netlink fuzzer: coverage-guided and structure-aware, in
 * the manner of syzkaller but small. Every ioctl of /dev/clonedev and
 * every command of the "clonedev" generic netlink family has a template:
 * its argument struct as a list of fields, each with a kind (size, flags,
 * reserved, handle, slot, role, enum, length, pointer, label, bytes, file
 * descriptor), and the buffers its pointers point to. A request starts
 * from a template filled with valid values (known slots, handles and
 * passwords), or from a request of the corpus, and is mutated field by
 * field the way its kind suggests (sizes one short or long with a byte
 * set past the struct, a reserved byte set, a flag bit no one defined, a
 * handle of another partition or destroyed, a length one off or huge, a
 * NULL, unmapped or kernel pointer, a label without its NUL), plus a few
 * raw byte flips.
 *
 * Several processes (each with five sessions on its own two partitions,
 * which share a cloning domain: the po and co of one, the co and cu of the
 * other, one not logged in) run requests on random sessions, so that each
 * call runs in whatever state the calls before it left; what a call
 * writes out (a clone or PED message, an archive, a wrapped key) may be
 * the input of a later call on another session, as a relay passes it.
 * Each process traces the module's basic blocks with KCOV (the debug
 * kernel instruments clonedev.ko alone); a request that reaches a block
 * no request reached before joins the corpus, which all processes share.
 *
 * What it checks: every error is one the interface documents; no request
 * takes the kernel down or makes it report (the VM runner reads the log:
 * KASAN, UBSAN, lockdep, kmemleak, WARNING); and at the end the store,
 * reloaded, holds exactly what the live HSM held.
 *
 * Usage: ioctl_fuzz_test [REQUESTS [PROCESSES]]  (default 20000, 4)
 * Environment: IOCTL_FUZZ_SEED repeats a run; IOCTL_FUZZ_OBJS names the
 * directory of the module's object files, whose blocks are counted (by
 * their calls of the KCOV hook) and reached blocks told by source file
 * (default build/debug/kmod).
 * Without KCOV it still runs, as a blind fuzzer, and says so.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <linux/genetlink.h>
#include <linux/types.h>
#include <linux/kcov.h>
#include <linux/netlink.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "libclonedev.h"

#define CLONEDEV_TEST_NO_HARNESS
#include "clonedev_test_util.h"

#define PO		"fuzz-po-pw"
#define CO		"fuzz-co-pw"
#define CU		"fuzz-cu-pw"
#define DOMAIN		"fuzz-domain"
#define MAX_PROCS	16
#define SESSIONS	5
#define ARG_MAX		1024	/* a request's struct and what follows it */
#define AUX		4	/* buffers a request points to */
#define AUX_MAX		2048	/* bytes of each kept in a request */
#define REGION		(64 << 10)	/* each buffer's mapping, then a guard */
#define CORPUS_MAX	4096
#define PC_BITS		20
#define COVER_MAX	65536	/* PCs a request may trace */
#define HANDLES_MAX	256
#define OBJECTS_MAX	20000	/* in a partition before it is made again */

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* ---- the templates ---- */

enum kind {
	K_SIZE = 1,	/* u32 size of the struct */
	K_FLAGS,	/* u32 flags; a: the valid ones */
	K_RSV,		/* reserved bytes */
	K_U32,		/* a number; a: its valid default */
	K_SET,		/* u32 from value set a */
	K_HANDLE,	/* u32 object handle */
	K_OUT,		/* u32 handle the kernel writes back */
	K_SLOT,		/* u32 slot */
	K_LEN,		/* u32 length of buffer a, in units of b bytes */
	K_PTR,		/* u64 pointer to buffer a */
	K_LABEL,	/* char[33] */
	K_BYTES,	/* bytes */
	K_FD,		/* s32 file descriptor */
	K_OUTLEN,	/* u32 bytes the kernel wrote to buffer a */
};

enum set { S_ROLE, S_KEYTYPE, S_BITS, S_OBJF, S_QUORUM, S_MECH, S_HASH,
	   S_PART, S_OP, S_COUNT, S_POLICY, S_SUITES, S_IVLEN, S_GCMD,
	   S_NLFLAGS, S_WRAP, S_DERIVE, S_SETS };

static const u32 sets[S_SETS][12] = {
	[S_ROLE] = { 2, 3, 1, 0, 4, 0xffffffff },
	[S_KEYTYPE] = { 1, 2, 3, 4, 5, 0, 6, 0x80000001 },
	[S_BITS] = { 128, 256, 192, 0, 1, 255, 2048, 1024, 512, 8, 0xffffffff },
	[S_OBJF] = { 0x7f6, 0x7ff, 0, 1, 2, 4, 0x10, 0x40, 0x400, 0x800,
		     0xffffffff },
	[S_QUORUM] = { 0, 1, 2, 3, 16, 17, 0xffffffff },
	[S_MECH] = { 1, 4, 2, 3, 5, 6, 7, 8, 9, 10, 11, 0 },
	[S_HASH] = { 1, 0, 2, 3, 4, 0xffffffff },
	[S_PART] = { 0, 1, 2, 3, 4, 5 },
	[S_OP] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 0xffffffff },
	[S_COUNT] = { 1, 2, 0, 3, 16, 146, 147, 4096, 65536, 65537,
		      0xffffffff },
	[S_POLICY] = { 0, 1, 4, 5, 20, 22, 28, 43, 44, 2, 99, 0xffffffff },
	[S_SUITES] = { 0, 1, 2, 4, 7, 8, 0xffffffff },
	[S_IVLEN] = { 12, 16, 0, 1, 8, 17, 0xffffffff },
	[S_GCMD] = { 1, 2, 3, 4, 5, 6, 0, 7, 255 },
	[S_WRAP] = { 11, 1, 0, 12, 0xffffffff },
	[S_DERIVE] = { 10, 6, 0, 11, 0xffffffff },
	[S_NLFLAGS] = { NLM_F_REQUEST | NLM_F_ACK,
			NLM_F_REQUEST | NLM_F_DUMP, NLM_F_REQUEST, 0 },
};

static const u8 set_len[S_SETS] = {
	[S_ROLE] = 6, [S_KEYTYPE] = 8, [S_BITS] = 11, [S_OBJF] = 11,
	[S_QUORUM] = 7, [S_MECH] = 12, [S_HASH] = 6, [S_PART] = 6,
	[S_OP] = 12, [S_COUNT] = 11, [S_POLICY] = 12, [S_SUITES] = 7,
	[S_IVLEN] = 7, [S_GCMD] = 9, [S_NLFLAGS] = 4, [S_WRAP] = 5,
	[S_DERIVE] = 5,
};

struct field {
	u16 off;
	u16 width;
	u8 kind;
	u32 a;
	u32 b;
};

/* What a buffer holds by default. */
enum aux_kind { A_NONE, A_RANDOM, A_PW, A_HANDLES, A_POLICY, A_OUT,
		A_FD_DOMAIN };

struct aux_tmpl {
	u8 kind;
	u16 len;	/* default length */
};

#define FIELDS_MAX	24

/*
 * An ioctl's struct starts with its size and flags (uapi/linux/clonedev.h):
 * those two fields are not in the tables, and @flags is the valid ones.
 */
struct cmd {
	const char *name;
	unsigned long nr;	/* ioctl, or 0 for a netlink command */
	u16 size;
	u32 flags;
	struct aux_tmpl aux[AUX];
	struct field f[FIELDS_MAX];
};

#define F(t, m, k, a, b)	{ offsetof(t, m), sizeof(((t *)0)->m), k, a, b }
#define C(n, t)		.name = #n, .nr = CLONEDEV_IOCTL_##n, .size = sizeof(t)

/* A netlink request: this header, then the attributes. */
struct nl_req {
	u8 cmd;
	u8 version;
	u16 nlflags;
	u16 attrs_len;
	u16 __pad;
	u8 attrs[ARG_MAX - 8];
};

static const struct cmd cmds[] = {
	{ C(HSM_INFO, struct clonedev_hsm_info), .f = {
		F(struct clonedev_hsm_info, __reserved, K_RSV, 0, 0) } },
	{ C(SESSION_INFO, struct clonedev_session_info), .f = {
		F(struct clonedev_session_info, __reserved, K_RSV, 0, 0) } },
	{ C(SLOT_SET, struct clonedev_slot_set), .f = {
		F(struct clonedev_slot_set, slot, K_SLOT, 0, 0),
		F(struct clonedev_slot_set, __reserved, K_RSV, 0, 0) } },
	{ C(PARTITION_INIT, struct clonedev_partition_init),
	  .aux = { { A_PW, 10 }, { A_PW, 11 }, { A_RANDOM, 240 } },
	  .flags = CLONEDEV_PARTITION_INIT_PED, .f = {
		F(struct clonedev_partition_init, password_len, K_LEN, 0, 1),
		F(struct clonedev_partition_init, domain_len, K_LEN, 1, 1),
		F(struct clonedev_partition_init, password, K_PTR, 0, 0),
		F(struct clonedev_partition_init, domain, K_PTR, 1, 0),
		F(struct clonedev_partition_init, label, K_LABEL, 0, 0),
		F(struct clonedev_partition_init, domain_label, K_LABEL, 0, 0),
		F(struct clonedev_partition_init, __reserved, K_RSV, 0, 0),
		F(struct clonedev_partition_init, quorum_m, K_SET, S_QUORUM, 0),
		F(struct clonedev_partition_init, quorum_n, K_SET, S_QUORUM, 0),
		F(struct clonedev_partition_init, shares, K_PTR, 2, 0),
		F(struct clonedev_partition_init, fingerprint, K_BYTES, 0, 0) } },
	{ C(LOGIN, struct clonedev_login),
	  .aux = { { A_PW, 10 }, { A_RANDOM, 120 } },
	  .flags = CLONEDEV_LOGIN_SHARE, .f = {
		F(struct clonedev_login, role, K_SET, S_ROLE, 0),
		F(struct clonedev_login, secret_len, K_LEN, 0, 1),
		F(struct clonedev_login, secret, K_PTR, 0, 0),
		F(struct clonedev_login, share_count, K_SET, S_QUORUM, 0),
		F(struct clonedev_login, from_fd, K_FD, 0, 0),
		F(struct clonedev_login, shares, K_PTR, 1, 0) } },
	{ C(LOGOUT, struct clonedev_logout) },
	{ C(ROLE_INIT, struct clonedev_role_init),
	  .aux = { { A_PW, 10 }, { A_OUT, 480 } },
	  .flags = CLONEDEV_ROLE_INIT_PED, .f = {
		F(struct clonedev_role_init, role, K_SET, S_ROLE, 0),
		F(struct clonedev_role_init, secret_len, K_LEN, 0, 1),
		F(struct clonedev_role_init, secret, K_PTR, 0, 0),
		F(struct clonedev_role_init, quorum_m, K_SET, S_QUORUM, 0),
		F(struct clonedev_role_init, quorum_n, K_SET, S_QUORUM, 0),
		F(struct clonedev_role_init, shares, K_PTR, 1, 0) } },
	{ C(ROLE_CHANGEPW, struct clonedev_role_changepw),
	  .aux = { { A_PW, 10 }, { A_PW, 10 } }, .f = {
		F(struct clonedev_role_changepw, old_len, K_LEN, 0, 1),
		F(struct clonedev_role_changepw, new_len, K_LEN, 1, 1),
		F(struct clonedev_role_changepw, old_secret, K_PTR, 0, 0),
		F(struct clonedev_role_changepw, new_secret, K_PTR, 1, 0) } },
	{ C(POLICY_GET, struct clonedev_policy_get), .f = {
		F(struct clonedev_policy_get, count, K_U32, 10, 0),
		F(struct clonedev_policy_get, __reserved, K_RSV, 0, 0) } },
	{ C(POLICY_SET, struct clonedev_policy_set),
	  .aux = { { A_POLICY, 8 } },
	  .flags = CLONEDEV_POLICY_SET_FORCE, .f = {
		F(struct clonedev_policy_set, count, K_LEN, 0, 8),
		F(struct clonedev_policy_set, __reserved, K_RSV, 0, 0),
		F(struct clonedev_policy_set, changes, K_PTR, 0, 0) } },
	{ C(OBJECT_GENERATE, struct clonedev_object_generate),
	  .aux = { { A_OUT, 64 } }, .f = {
		F(struct clonedev_object_generate, key_type, K_SET, S_KEYTYPE, 0),
		F(struct clonedev_object_generate, bits, K_SET, S_BITS, 0),
		F(struct clonedev_object_generate, obj_flags, K_SET, S_OBJF, 0),
		F(struct clonedev_object_generate, id_len, K_U32, 0, 0),
		F(struct clonedev_object_generate, label, K_LABEL, 0, 0),
		F(struct clonedev_object_generate, id, K_BYTES, 0, 0),
		F(struct clonedev_object_generate, __reserved, K_RSV, 0, 0),
		F(struct clonedev_object_generate, handle, K_OUT, 0, 0),
		F(struct clonedev_object_generate, public_handle, K_OUT, 0, 0),
		F(struct clonedev_object_generate, count, K_U32, 0, 0),
		F(struct clonedev_object_generate, __reserved2, K_RSV, 0, 0),
		F(struct clonedev_object_generate, handles, K_PTR, 0, 0) } },
	{ C(OBJECT_CREATE, struct clonedev_object_create),
	  .aux = { { A_RANDOM, 32 } }, .f = {
		F(struct clonedev_object_create, obj_flags, K_SET, S_OBJF, 0),
		F(struct clonedev_object_create, id_len, K_U32, 0, 0),
		F(struct clonedev_object_create, value_len, K_LEN, 0, 1),
		F(struct clonedev_object_create, handle, K_OUT, 0, 0),
		F(struct clonedev_object_create, value, K_PTR, 0, 0),
		F(struct clonedev_object_create, label, K_LABEL, 0, 0),
		F(struct clonedev_object_create, id, K_BYTES, 0, 0),
		F(struct clonedev_object_create, __reserved, K_RSV, 0, 0) } },
	{ C(OBJECT_DESTROY, struct clonedev_object_destroy), .f = {
		F(struct clonedev_object_destroy, handle, K_HANDLE, 0, 0),
		F(struct clonedev_object_destroy, __reserved, K_RSV, 0, 0) } },
	{ C(OBJECT_GET, struct clonedev_object_get),
	  .aux = { { A_OUT, 512 } },
	  .flags = CLONEDEV_OBJECT_GET_PUBLIC, .f = {
		F(struct clonedev_object_get, handle, K_HANDLE, 0, 0),
		F(struct clonedev_object_get, value_cap, K_LEN, 0, 1),
		F(struct clonedev_object_get, value, K_PTR, 0, 0),
		F(struct clonedev_object_get, attrs, K_BYTES, 0, 0) } },
	{ C(OBJECT_LIST, struct clonedev_object_list),
	  .aux = { { A_OUT, 512 } },
	  .flags = CLONEDEV_LIST_ATTRS, .f = {
		F(struct clonedev_object_list, start, K_U32, 0, 0),
		F(struct clonedev_object_list, count, K_LEN, 0, 4),
		F(struct clonedev_object_list, next, K_U32, 0, 0),
		F(struct clonedev_object_list, __reserved, K_RSV, 0, 0),
		F(struct clonedev_object_list, handles, K_PTR, 0, 0) } },
	{ C(OBJECT_IMPORT, struct clonedev_object_import),
	  .aux = { { A_RANDOM, 121 } }, .f = {
		F(struct clonedev_object_import, key_type, K_SET, S_KEYTYPE, 0),
		F(struct clonedev_object_import, obj_flags, K_SET, S_OBJF, 0),
		F(struct clonedev_object_import, id_len, K_U32, 0, 0),
		F(struct clonedev_object_import, value_len, K_LEN, 0, 1),
		F(struct clonedev_object_import, value, K_PTR, 0, 0),
		F(struct clonedev_object_import, label, K_LABEL, 0, 0),
		F(struct clonedev_object_import, id, K_BYTES, 0, 0),
		F(struct clonedev_object_import, __reserved, K_RSV, 0, 0),
		F(struct clonedev_object_import, handle, K_OUT, 0, 0),
		F(struct clonedev_object_import, bits, K_SET, S_BITS, 0),
		F(struct clonedev_object_import, __reserved2, K_RSV, 0, 0) } },
	{ C(OBJECT_FIND, struct clonedev_object_find),
	  .aux = { { A_OUT, 256 } },
	  .flags = CLONEDEV_FIND_LABEL, .f = {
		F(struct clonedev_object_find, start, K_U32, 0, 0),
		F(struct clonedev_object_find, count, K_LEN, 0, 4),
		F(struct clonedev_object_find, next, K_U32, 0, 0),
		F(struct clonedev_object_find, id_len, K_U32, 0, 0),
		F(struct clonedev_object_find, handles, K_PTR, 0, 0),
		F(struct clonedev_object_find, label, K_LABEL, 0, 0),
		F(struct clonedev_object_find, id, K_BYTES, 0, 0),
		F(struct clonedev_object_find, __reserved, K_RSV, 0, 0) } },
	{ C(DOMAIN_LIST, struct clonedev_domain_list), .f = {
		F(struct clonedev_domain_list, count, K_U32, 3, 0),
		F(struct clonedev_domain_list, __reserved, K_RSV, 0, 0) } },
	{ C(DOMAIN_ADD, struct clonedev_domain_add),
	  .aux = { { A_PW, 11 }, { A_RANDOM, 120 } },
	  .flags = CLONEDEV_DOMAIN_PRIMARY, .f = {
		F(struct clonedev_domain_add, secret_len, K_LEN, 0, 1),
		F(struct clonedev_domain_add, __reserved, K_RSV, 0, 0),
		F(struct clonedev_domain_add, secret, K_PTR, 0, 0),
		F(struct clonedev_domain_add, label, K_LABEL, 0, 0),
		F(struct clonedev_domain_add, __reserved2, K_RSV, 0, 0),
		F(struct clonedev_domain_add, share_count, K_SET, S_QUORUM, 0),
		F(struct clonedev_domain_add, fingerprint, K_BYTES, 0, 0),
		F(struct clonedev_domain_add, __reserved3, K_RSV, 0, 0),
		F(struct clonedev_domain_add, shares, K_PTR, 1, 0) } },
	{ C(DOMAIN_DELETE, struct clonedev_domain_delete), .f = {
		F(struct clonedev_domain_delete, label, K_LABEL, 0, 0),
		F(struct clonedev_domain_delete, __reserved, K_RSV, 0, 0) } },
	{ C(DOMAIN_CHANGE, struct clonedev_domain_change),
	  .flags = CLONEDEV_DOMAIN_PRIMARY, .f = {
		F(struct clonedev_domain_change, label, K_LABEL, 0, 0),
		F(struct clonedev_domain_change, new_label, K_LABEL, 0, 0),
		F(struct clonedev_domain_change, __reserved, K_RSV, 0, 0) } },
	{ C(ROLE_CHALLENGE, struct clonedev_role_challenge),
	  .aux = { { A_PW, 10 } }, .f = {
		F(struct clonedev_role_challenge, role, K_SET, S_ROLE, 0),
		F(struct clonedev_role_challenge, secret_len, K_LEN, 0, 1),
		F(struct clonedev_role_challenge, secret, K_PTR, 0, 0) } },
	{ C(ACTIVATION, struct clonedev_activation), .f = {
		F(struct clonedev_activation, activate, K_U32, 1, 0),
		F(struct clonedev_activation, __reserved, K_RSV, 0, 0) } },
	{ C(SUITES, struct clonedev_suites), .f = {
		F(struct clonedev_suites, enable, K_SET, S_SUITES, 0),
		F(struct clonedev_suites, disable, K_SET, S_SUITES, 0),
		F(struct clonedev_suites, enabled, K_BYTES, 0, 0),
		F(struct clonedev_suites, usable, K_BYTES, 0, 0) } },
	{ C(CLONE, struct clonedev_clone),
	  .aux = { { A_HANDLES, 16 }, { A_RANDOM, 256 }, { A_OUT, 8192 },
		   { A_OUT, 120 } },
	  .flags = CLONEDEV_CLONE_REPLACE, .f = {
		F(struct clonedev_clone, op, K_SET, S_OP, 0),
		F(struct clonedev_clone, count, K_LEN, 0, 4),
		F(struct clonedev_clone, handles, K_PTR, 0, 0),
		F(struct clonedev_clone, in, K_PTR, 1, 0),
		F(struct clonedev_clone, in_len, K_LEN, 1, 1),
		F(struct clonedev_clone, out_cap, K_LEN, 2, 1),
		F(struct clonedev_clone, out, K_PTR, 2, 0),
		F(struct clonedev_clone, out_len, K_OUTLEN, 2, 0),
		F(struct clonedev_clone, protocol, K_SET, S_SUITES, 0),
		F(struct clonedev_clone, suite, K_SET, S_SUITES, 0),
		F(struct clonedev_clone, __reserved, K_RSV, 0, 0),
		F(struct clonedev_clone, results, K_PTR, 3, 0),
		F(struct clonedev_clone, results_cap, K_LEN, 3, 12) } },
	{ C(CRYPT, struct clonedev_crypt),
	  .aux = { { A_RANDOM, 16 }, { A_RANDOM, 64 }, { A_OUT, 512 },
		   { A_RANDOM, 64 } },
	  .flags = CLONEDEV_CRYPT_GEN_IV, .f = {
		F(struct clonedev_crypt, op, K_SET, S_OP, 0),
		F(struct clonedev_crypt, part, K_SET, S_PART, 0),
		F(struct clonedev_crypt, mech, K_SET, S_MECH, 0),
		F(struct clonedev_crypt, handle, K_HANDLE, 0, 0),
		F(struct clonedev_crypt, hash, K_SET, S_HASH, 0),
		F(struct clonedev_crypt, salt_len, K_U32, 0, 0),
		F(struct clonedev_crypt, tag_len, K_U32, 16, 0),
		F(struct clonedev_crypt, iv_len, K_SET, S_IVLEN, 0),
		F(struct clonedev_crypt, iv, K_BYTES, 0, 0),
		F(struct clonedev_crypt, aad, K_PTR, 0, 0),
		F(struct clonedev_crypt, aad_len, K_LEN, 0, 1),
		F(struct clonedev_crypt, in_len, K_LEN, 1, 1),
		F(struct clonedev_crypt, in, K_PTR, 1, 0),
		F(struct clonedev_crypt, out, K_PTR, 2, 0),
		F(struct clonedev_crypt, out_cap, K_LEN, 2, 1),
		F(struct clonedev_crypt, out_len, K_OUTLEN, 2, 0),
		F(struct clonedev_crypt, sig, K_PTR, 3, 0),
		F(struct clonedev_crypt, sig_len, K_LEN, 3, 1),
		F(struct clonedev_crypt, __reserved, K_RSV, 0, 0) } },
	{ C(DERIVE, struct clonedev_derive), .f = {
		F(struct clonedev_derive, mech, K_SET, S_DERIVE, 0),
		F(struct clonedev_derive, handle, K_HANDLE, 0, 0),
		F(struct clonedev_derive, peer_len, K_U32, 65, 0),
		F(struct clonedev_derive, key_type, K_SET, S_KEYTYPE, 0),
		F(struct clonedev_derive, bits, K_SET, S_BITS, 0),
		F(struct clonedev_derive, obj_flags, K_SET, S_OBJF, 0),
		F(struct clonedev_derive, peer, K_BYTES, 0, 0),
		F(struct clonedev_derive, __pad, K_RSV, 0, 0),
		F(struct clonedev_derive, id_len, K_U32, 0, 0),
		F(struct clonedev_derive, new_handle, K_OUT, 0, 0),
		F(struct clonedev_derive, label, K_LABEL, 0, 0),
		F(struct clonedev_derive, id, K_BYTES, 0, 0),
		F(struct clonedev_derive, __reserved, K_RSV, 0, 0) } },
	{ C(WRAP, struct clonedev_wrap),
	  .aux = { { A_OUT, 512 } }, .f = {
		F(struct clonedev_wrap, mech, K_SET, S_WRAP, 0),
		F(struct clonedev_wrap, wrapping_handle, K_HANDLE, 0, 0),
		F(struct clonedev_wrap, handle, K_HANDLE, 0, 0),
		F(struct clonedev_wrap, out_cap, K_LEN, 0, 1),
		F(struct clonedev_wrap, out, K_PTR, 0, 0),
		F(struct clonedev_wrap, out_len, K_OUTLEN, 0, 0),
		F(struct clonedev_wrap, __reserved, K_RSV, 0, 0) } },
	{ C(UNWRAP, struct clonedev_unwrap),
	  .aux = { { A_RANDOM, 40 } }, .f = {
		F(struct clonedev_unwrap, mech, K_SET, S_WRAP, 0),
		F(struct clonedev_unwrap, unwrapping_handle, K_HANDLE, 0, 0),
		F(struct clonedev_unwrap, in_len, K_LEN, 0, 1),
		F(struct clonedev_unwrap, key_type, K_SET, S_KEYTYPE, 0),
		F(struct clonedev_unwrap, in, K_PTR, 0, 0),
		F(struct clonedev_unwrap, obj_flags, K_SET, S_OBJF, 0),
		F(struct clonedev_unwrap, id_len, K_U32, 0, 0),
		F(struct clonedev_unwrap, new_handle, K_OUT, 0, 0),
		F(struct clonedev_unwrap, bits, K_SET, S_BITS, 0),
		F(struct clonedev_unwrap, label, K_LABEL, 0, 0),
		F(struct clonedev_unwrap, id, K_BYTES, 0, 0),
		F(struct clonedev_unwrap, __reserved, K_RSV, 0, 0) } },
	{ C(RANDOM, struct clonedev_random),
	  .aux = { { A_OUT, 64 } }, .f = {
		F(struct clonedev_random, len, K_LEN, 0, 1),
		F(struct clonedev_random, __reserved, K_RSV, 0, 0),
		F(struct clonedev_random, out, K_PTR, 0, 0) } },
	{ C(PED, struct clonedev_ped),
	  .aux = { { A_RANDOM, 120 }, { A_RANDOM, 200 }, { A_OUT, 4096 } },
	  .f = {
		F(struct clonedev_ped, op, K_SET, S_OP, 0),
		F(struct clonedev_ped, kind, K_SET, S_ROLE, 0),
		F(struct clonedev_ped, domain_label, K_LABEL, 0, 0),
		F(struct clonedev_ped, __reserved, K_RSV, 0, 0),
		F(struct clonedev_ped, quorum_m, K_SET, S_QUORUM, 0),
		F(struct clonedev_ped, quorum_n, K_SET, S_QUORUM, 0),
		F(struct clonedev_ped, in_len, K_LEN, 1, 1),
		F(struct clonedev_ped, shares, K_PTR, 0, 0),
		F(struct clonedev_ped, in, K_PTR, 1, 0),
		F(struct clonedev_ped, out, K_PTR, 2, 0),
		F(struct clonedev_ped, out_cap, K_LEN, 2, 1),
		F(struct clonedev_ped, out_len, K_OUTLEN, 2, 0),
		F(struct clonedev_ped, rpv_id, K_BYTES, 0, 0),
		F(struct clonedev_ped, __reserved2, K_RSV, 0, 0) } },
	{ C(ARCHIVE_OPEN, struct clonedev_archive_open),
	  .aux = { { A_HANDLES, 8 }, { A_RANDOM, 200 }, { A_OUT, 8192 } },
	  .f = {
		F(struct clonedev_archive_open, mode, K_SET, S_OP, 0),
		F(struct clonedev_archive_open, count, K_LEN, 0, 4),
		F(struct clonedev_archive_open, handles, K_PTR, 0, 0),
		F(struct clonedev_archive_open, domain_label, K_LABEL, 0, 0),
		F(struct clonedev_archive_open, __reserved, K_RSV, 0, 0),
		F(struct clonedev_archive_open, in, K_PTR, 1, 0),
		F(struct clonedev_archive_open, in_len, K_LEN, 1, 1),
		F(struct clonedev_archive_open, out_cap, K_LEN, 2, 1),
		F(struct clonedev_archive_open, out, K_PTR, 2, 0),
		F(struct clonedev_archive_open, out_len, K_OUTLEN, 2, 0),
		F(struct clonedev_archive_open, __reserved2, K_RSV, 0, 0) } },
	{ C(ARCHIVE_NEXT, struct clonedev_archive_next),
	  .aux = { { A_RANDOM, 200 }, { A_OUT, 8192 } }, .f = {
		F(struct clonedev_archive_next, id, K_U32, 1, 0),
		F(struct clonedev_archive_next, in_len, K_LEN, 0, 1),
		F(struct clonedev_archive_next, in, K_PTR, 0, 0),
		F(struct clonedev_archive_next, out, K_PTR, 1, 0),
		F(struct clonedev_archive_next, out_cap, K_LEN, 1, 1),
		F(struct clonedev_archive_next, out_len, K_OUTLEN, 1, 0),
		F(struct clonedev_archive_next, __reserved, K_RSV, 0, 0) } },
	{ C(ARCHIVE_FINISH, struct clonedev_archive_finish),
	  .aux = { { A_RANDOM, 64 }, { A_OUT, 8192 } },
	  .flags = CLONEDEV_ARCHIVE_ABORT, .f = {
		F(struct clonedev_archive_finish, id, K_U32, 1, 0),
		F(struct clonedev_archive_finish, in_len, K_LEN, 0, 1),
		F(struct clonedev_archive_finish, in, K_PTR, 0, 0),
		F(struct clonedev_archive_finish, out, K_PTR, 1, 0),
		F(struct clonedev_archive_finish, out_cap, K_LEN, 1, 1),
		F(struct clonedev_archive_finish, out_len, K_OUTLEN, 1, 0),
		F(struct clonedev_archive_finish, __reserved, K_RSV, 0, 0) } },
	{ C(OBJECT_SET_ATTRS, struct clonedev_object_set_attrs),
	  .flags = CLONEDEV_SET_LABEL, .f = {
		F(struct clonedev_object_set_attrs, handle, K_HANDLE, 0, 0),
		F(struct clonedev_object_set_attrs, obj_flags, K_SET, S_OBJF, 0),
		F(struct clonedev_object_set_attrs, id_len, K_U32, 0, 0),
		F(struct clonedev_object_set_attrs, label, K_LABEL, 0, 0),
		F(struct clonedev_object_set_attrs, __reserved, K_RSV, 0, 0),
		F(struct clonedev_object_set_attrs, id, K_BYTES, 0, 0) } },
	/* The generic netlink commands. */
	{ .name = "NL_HSM_GET", .size = 8, .f = {
		F(struct nl_req, cmd, K_SET, S_GCMD, 0),
		F(struct nl_req, version, K_U32, 1, 0),
		F(struct nl_req, nlflags, K_SET, S_NLFLAGS, 0),
		F(struct nl_req, attrs, K_BYTES, 0, 0) } },
	{ .name = "NL_SLOT_GET", .size = 8, .f = {
		F(struct nl_req, cmd, K_SET, S_GCMD, 0),
		F(struct nl_req, version, K_U32, 1, 0),
		F(struct nl_req, nlflags, K_SET, S_NLFLAGS, 0),
		F(struct nl_req, attrs, K_BYTES, 0, 0) } },
	{ .name = "NL_PARTITION_CREATE", .size = 8, .f = {
		F(struct nl_req, cmd, K_SET, S_GCMD, 0),
		F(struct nl_req, version, K_U32, 1, 0),
		F(struct nl_req, nlflags, K_SET, S_NLFLAGS, 0),
		F(struct nl_req, attrs, K_BYTES, 0, 0) } },
	{ .name = "NL_PARTITION_DELETE", .size = 8, .f = {
		F(struct nl_req, cmd, K_SET, S_GCMD, 0),
		F(struct nl_req, version, K_U32, 1, 0),
		F(struct nl_req, nlflags, K_SET, S_NLFLAGS, 0),
		F(struct nl_req, attrs, K_BYTES, 0, 0) } },
};

#define N_CMDS		ARRAY_SIZE(cmds)
#define NL_FIRST	(N_CMDS - 4)

/* ---- requests, the corpus and the coverage, shared by the processes ---- */

/* How a pointer field is set when the request runs. */
enum ptr_mode { P_VALID, P_NULL, P_BAD, P_KERNEL, P_GUARD, P_UNALIGNED,
		P_MODES };

struct req {
	u8 cmd;
	u8 session;
	u8 ptr_mode[AUX];
	u16 aux_len[AUX];
	u8 arg[ARG_MAX];
	u8 aux[AUX][AUX_MAX];
};

struct stats {
	u64 calls;
	u64 ok;
	u64 errs[134];		/* by errno */
};

struct shared {
	u64 requests;		/* claimed by the processes */
	u64 limit;
	u64 new_cover;		/* requests that reached new blocks */
	u64 blocks;		/* distinct blocks reached */
	u64 unexpected;
	u64 corpus_n;
	u64 recreated;		/* partitions made again after a request broke one */
	time_t start;
	u32 unexpected_cmd, unexpected_errno;
	struct stats by_cmd[N_CMDS];
	struct req corpus[CORPUS_MAX];
	u64 pcs[1 << PC_BITS];	/* open addressing, 0 is empty */
};

static struct shared *sh;

/* The errors the interface documents (uapi/linux/clonedev.h). */
static const int documented[] = {
	EINVAL, EACCES, ENODEV, EOPNOTSUPP, EMSGSIZE, EPERM, ENOENT, EFAULT,
	EMEDIUMTYPE, EBADMSG, ENODATA, EKEYREVOKED, E2BIG, ESTALE, ENOSPC,
	ENOKEY, EIO, EINTR, EEXIST, ERANGE, EPROTONOSUPPORT, ENOTTY, ENOTCONN,
	EMFILE, EKEYREJECTED, EKEYEXPIRED, EDOM, ECANCELED, EBUSY, EBADF,
	EALREADY, EAGAIN, EPROTO,
};

/* ---- one process's state ---- */

static u64 rng_state;
static u8 *regions[AUX];	/* REGION bytes, then a PROT_NONE page */
static u64 *cover;
static int kcov_fd = -1;
static int nl_sock = -1;
static int nl_family;
static u32 seq;
static unsigned int proc_index;

struct session {
	int fd;
};

static struct session sessions[SESSIONS];
static unsigned int own_slots[2];
static u32 handles[HANDLES_MAX];
static unsigned int n_handles;
/* Each partition's keys from the setup, and its EC public point. */
static struct {
	u32 aes, hmac, ec, ec_pub, rsa;
	u8 point[65];
} keys[2];
/* What the last call that wrote a message or blob wrote (a clone or PED
 * message, an archive, a wrapped key): a later call, on another session,
 * may take it as its input, as a relay would.
 */
static u8 last_out[SESSIONS][AUX_MAX];
static unsigned int last_len[SESSIONS];
static unsigned int last_session;	/* the session that wrote last */

static u64 rnd(void)
{
	u64 x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rng_state = x;
	return x;
}

static u32 below(u32 n)
{
	return n ? (u32)(rnd() % n) : 0;
}

static void put(u8 *p, unsigned int width, u64 v)
{
	memcpy(p, &v, width < 8 ? width : 8);
}

static u32 get32(const u8 *p)
{
	u32 v;

	memcpy(&v, p, 4);
	return v;
}

static void add_handle(u32 h)
{
	if (!h)
		return;
	if (n_handles < HANDLES_MAX)
		handles[n_handles++] = h;
	else
		handles[below(HANDLES_MAX)] = h;
}

static u32 some_handle(void)
{
	return n_handles ? handles[below(n_handles)] : 1;
}

/* A slot: mostly the process's own; a netlink delete of one of those
 * is rare, or the sessions would spend the run on a deleted partition.
 */
static u32 some_slot(int for_delete)
{
	if (for_delete && below(16))
		return 20 + below(90);
	switch (below(6)) {
	case 0:
		return 0;
	case 1:
		return below(110);
	case 2:
		return 0xffffffff;
	default:
		return own_slots[below(2)];
	}
}

static const char *some_pw(void)
{
	static const char *const pws[] = { PO, CO, CU, DOMAIN, "wrong" };

	return pws[below(5)];
}

/* Buffer @i of @r becomes what session @from wrote last, and its lengths
 * say so.
 */
static void feed(struct req *r, unsigned int i, unsigned int from)
{
	const struct cmd *c = &cmds[r->cmd];
	unsigned int k, len = last_len[from];

	memcpy(r->aux[i], last_out[from], len);
	r->aux_len[i] = len;
	r->ptr_mode[i] = P_VALID;
	for (k = 0; k < FIELDS_MAX && c->f[k].kind; k++)
		if (c->f[k].kind == K_LEN && c->f[k].a == i)
			put(r->arg + c->f[k].off, 4, len / c->f[k].b);
}

/* The partition of session @s (setup() below). */
static unsigned int part_of(unsigned int s)
{
	return s < 2 ? 0 : 1;
}

/*
 * A valid request for the commands whose fields depend on each other (a
 * key of the session's partition that allows the mechanism, lengths that
 * fit it), so that mutations start from requests that get past the checks
 * into the work; and the relay's step for a clone or a PED exchange: the
 * message the peer session wrote last, to the other session.
 */
static void fixup(struct req *r)
{
	const struct cmd *c = &cmds[r->cmd];
	u8 *a = r->arg;
	unsigned int pt;

#define SET(type, field, v)						\
	put(a + offsetof(type, field), sizeof(((type *)0)->field), (v))
	switch (c->nr) {
	case CLONEDEV_IOCTL_CRYPT: {
		/* A mechanism and a key of the session's partition that
		 * allows it; a verify or decrypt takes what the session
		 * wrote last (a signature, a ciphertext).
		 */
		static const struct { u32 op, mech, hash; u8 key, iv; } ops[] = {
			{ CLONEDEV_CRYPT_ENCRYPT, CLONEDEV_MECH_AES_GCM, 0, 0, 12 },
			{ CLONEDEV_CRYPT_DECRYPT, CLONEDEV_MECH_AES_GCM, 0, 0, 12 },
			{ CLONEDEV_CRYPT_ENCRYPT, CLONEDEV_MECH_AES_CBC_PAD, 0, 0, 16 },
			{ CLONEDEV_CRYPT_ENCRYPT, CLONEDEV_MECH_AES_CTR, 0, 0, 16 },
			{ CLONEDEV_CRYPT_SIGN, CLONEDEV_MECH_AES_CMAC, 0, 0, 0 },
			{ CLONEDEV_CRYPT_SIGN, CLONEDEV_MECH_HMAC, 1, 1, 0 },
			{ CLONEDEV_CRYPT_VERIFY, CLONEDEV_MECH_HMAC, 1, 1, 0 },
			{ CLONEDEV_CRYPT_SIGN, CLONEDEV_MECH_ECDSA, 1, 2, 0 },
			{ CLONEDEV_CRYPT_VERIFY, CLONEDEV_MECH_ECDSA, 1, 3, 0 },
			{ CLONEDEV_CRYPT_SIGN, CLONEDEV_MECH_RSA_PKCS, 1, 4, 0 },
			{ CLONEDEV_CRYPT_SIGN, CLONEDEV_MECH_RSA_PSS, 2, 4, 0 },
			{ CLONEDEV_CRYPT_VERIFY, CLONEDEV_MECH_RSA_PKCS, 1, 4, 0 },
			{ CLONEDEV_CRYPT_DECRYPT, CLONEDEV_MECH_RSA_OAEP, 1, 4, 0 },
		};
		unsigned int k = below(ARRAY_SIZE(ops));
		const u32 key[] = { keys[part_of(r->session)].aes,
				    keys[part_of(r->session)].hmac,
				    keys[part_of(r->session)].ec,
				    keys[part_of(r->session)].ec_pub,
				    keys[part_of(r->session)].rsa };

		SET(struct clonedev_crypt, flags, ops[k].iv && below(2) ?
		    CLONEDEV_CRYPT_GEN_IV : 0);
		SET(struct clonedev_crypt, op, ops[k].op);
		SET(struct clonedev_crypt, mech, ops[k].mech);
		SET(struct clonedev_crypt, hash, ops[k].hash);
		SET(struct clonedev_crypt, handle, key[ops[k].key]);
		SET(struct clonedev_crypt, iv_len, ops[k].iv);
		SET(struct clonedev_crypt, tag_len,
		    ops[k].mech == CLONEDEV_MECH_AES_GCM ? 16 : 0);
		if (ops[k].mech != CLONEDEV_MECH_AES_GCM)
			SET(struct clonedev_crypt, aad_len, 0);
		SET(struct clonedev_crypt, salt_len, 0);
		/* One call, or a part of a multi-part operation. */
		SET(struct clonedev_crypt, part, below(2) ? CLONEDEV_PART_ALL :
		    below(5));
		if (ops[k].op == CLONEDEV_CRYPT_VERIFY)
			feed(r, 3, r->session);
		else
			SET(struct clonedev_crypt, sig_len, 0);
		if (ops[k].op == CLONEDEV_CRYPT_DECRYPT)
			feed(r, 1, r->session);
		break;
	}
	case CLONEDEV_IOCTL_WRAP:
		pt = part_of(r->session);
		SET(struct clonedev_wrap, mech, CLONEDEV_MECH_AES_KWP);
		SET(struct clonedev_wrap, wrapping_handle, keys[pt].aes);
		SET(struct clonedev_wrap, handle, keys[pt].hmac);
		break;
	case CLONEDEV_IOCTL_UNWRAP:
		pt = part_of(r->session);
		SET(struct clonedev_unwrap, mech, CLONEDEV_MECH_AES_KWP);
		SET(struct clonedev_unwrap, unwrapping_handle, keys[pt].aes);
		SET(struct clonedev_unwrap, key_type, CLONEDEV_KEY_GENERIC_SECRET);
		SET(struct clonedev_unwrap, bits, 0);
		SET(struct clonedev_unwrap, obj_flags, CLONEDEV_OBJ_SIGN);
		SET(struct clonedev_unwrap, id_len, 0);
		feed(r, 0, last_session);
		break;
	case CLONEDEV_IOCTL_DERIVE:
		pt = part_of(r->session);
		SET(struct clonedev_derive, mech, CLONEDEV_MECH_ECDH);
		SET(struct clonedev_derive, handle, keys[pt].ec);
		SET(struct clonedev_derive, peer_len, 65);
		memcpy(a + offsetof(struct clonedev_derive, peer), keys[!pt].point, 65);
		SET(struct clonedev_derive, key_type, CLONEDEV_KEY_GENERIC_SECRET);
		SET(struct clonedev_derive, bits, 256);
		SET(struct clonedev_derive, obj_flags, CLONEDEV_OBJ_SIGN);
		SET(struct clonedev_derive, id_len, 0);
		break;
	case CLONEDEV_IOCTL_OBJECT_IMPORT:
		SET(struct clonedev_object_import, key_type, CLONEDEV_KEY_AES);
		SET(struct clonedev_object_import, obj_flags, CLONEDEV_OBJ_ENCRYPT);
		SET(struct clonedev_object_import, value_len, 32);
		SET(struct clonedev_object_import, bits, 0);
		SET(struct clonedev_object_import, id_len, 0);
		r->aux_len[0] = 32;
		break;
	case CLONEDEV_IOCTL_ROLE_INIT:
		/* The po sets the cu's password again, to the one it has. */
		r->session = 0;
		SET(struct clonedev_role_init, flags, 0);
		SET(struct clonedev_role_init, role, CLONEDEV_ROLE_CU);
		SET(struct clonedev_role_init, quorum_m, 0);
		SET(struct clonedev_role_init, quorum_n, 0);
		memcpy(r->aux[0], CU, strlen(CU));
		r->aux_len[0] = strlen(CU);
		SET(struct clonedev_role_init, secret_len, strlen(CU));
		break;
	case CLONEDEV_IOCTL_DOMAIN_ADD:
		r->session = 0;
		SET(struct clonedev_domain_add, flags, 0);
		SET(struct clonedev_domain_add, share_count, 0);
		memset(a + offsetof(struct clonedev_domain_add, fingerprint), 0,
		       CLONEDEV_FINGERPRINT_LEN);
		break;
	case CLONEDEV_IOCTL_OBJECT_SET_ATTRS:
		SET(struct clonedev_object_set_attrs, flags, CLONEDEV_SET_LABEL);
		SET(struct clonedev_object_set_attrs, obj_flags, 0);
		SET(struct clonedev_object_set_attrs, id_len, 0);
		break;
	case CLONEDEV_IOCTL_OBJECT_GENERATE:
		SET(struct clonedev_object_generate, key_type, CLONEDEV_KEY_AES);
		SET(struct clonedev_object_generate, bits, 256);
		SET(struct clonedev_object_generate, obj_flags, CLONEDEV_OBJ_ENCRYPT);
		SET(struct clonedev_object_generate, id_len, 0);
		SET(struct clonedev_object_generate, count, below(2) ? 0 : 1 + below(4));
		break;
	case CLONEDEV_IOCTL_ARCHIVE_OPEN:
		r->session = below(2) ? 1 : 2;
		SET(struct clonedev_archive_open, mode, CLONEDEV_ARCHIVE_BACKUP);
		SET(struct clonedev_archive_open, count, 0);
		SET(struct clonedev_archive_open, in_len, 0);
		memset(a + offsetof(struct clonedev_archive_open, domain_label), 0,
		       CLONEDEV_LABEL_LEN);
		break;
	case CLONEDEV_IOCTL_CLONE:
		/* The co sessions of the two partitions, 1 and 2. */
		r->session = below(2) ? 1 : 2;
		SET(struct clonedev_clone, flags, 0);
		SET(struct clonedev_clone, protocol, 0);
		SET(struct clonedev_clone, suite, 0);
		switch (below(4)) {
		case 0:
			SET(struct clonedev_clone, op, CLONEDEV_CLONE_SOURCE);
			SET(struct clonedev_clone, in_len, 0);
			break;
		case 1:
			SET(struct clonedev_clone, op, CLONEDEV_CLONE_TARGET);
			SET(struct clonedev_clone, count, 0);
			feed(r, 1, 3 - r->session);
			break;
		default:
			SET(struct clonedev_clone, op, CLONEDEV_CLONE_STEP);
			SET(struct clonedev_clone, count, 0);
			feed(r, 1, 3 - r->session);
			break;
		}
		break;
	case CLONEDEV_IOCTL_PED:
		r->session = below(2) ? 1 : 2;
		feed(r, 1, 3 - r->session);
		break;
	default:
		break;
	}
#undef SET
}

/* ---- templates to requests ---- */

static void fill_aux(struct req *r, unsigned int i, const struct aux_tmpl *t)
{
	unsigned int j, len = t->len;
	const char *pw;

	r->ptr_mode[i] = P_VALID;
	switch (t->kind) {
	case A_PW:
		pw = len == 11 ? DOMAIN : some_pw();
		len = strlen(pw);
		memcpy(r->aux[i], pw, len);
		break;
	case A_HANDLES:
		for (j = 0; j + 4 <= len; j += 4)
			put(r->aux[i] + j, 4, some_handle());
		break;
	case A_POLICY:
		put(r->aux[i], 4, sets[S_POLICY][below(9)]);
		put(r->aux[i] + 4, 4, below(3));
		break;
	case A_RANDOM:
		for (j = 0; j < len; j++)
			r->aux[i][j] = rnd();
		break;
	case A_OUT:
		/* Room in the mapping; nothing of it is kept. */
		break;
	default:
		break;
	}
	r->aux_len[i] = len;
}

/* A field's valid default. */
static void fill_field(struct req *r, const struct field *f)
{
	u8 *p = r->arg + f->off;

	switch (f->kind) {
	case K_U32:
		put(p, f->width, f->a);
		break;
	case K_SET:
		put(p, f->width, sets[f->a][below(set_len[f->a] / 2 + 1)]);
		break;
	case K_HANDLE:
		put(p, 4, some_handle());
		break;
	case K_SLOT:
		put(p, 4, own_slots[below(2)]);
		break;
	case K_LEN:
		put(p, 4, r->aux_len[f->a] / f->b);
		break;
	case K_LABEL:
		snprintf((char *)p, f->width, below(3) ? "fz%u" : "d",
			 below(4));
		break;
	case K_FD:
		put(p, 4, 0);
		break;
	default:
		break;
	}
}

static void netlink_template(struct req *r)
{
	struct nl_req *n = (struct nl_req *)r->arg;
	u8 *a = n->attrs;
	unsigned int k = r->cmd - NL_FIRST;
	struct nlattr *na;
	char label[16];
	u16 len;

	n->cmd = CLONEDEV_CMD_HSM_GET + k;
	n->version = CLONEDEV_GENL_VERSION;
	n->nlflags = NLM_F_REQUEST | NLM_F_ACK;
	if (n->cmd == CLONEDEV_CMD_SLOT_GET && below(2)) {
		n->nlflags = NLM_F_REQUEST | NLM_F_DUMP;
	} else if (n->cmd == CLONEDEV_CMD_PARTITION_CREATE) {
		snprintf(label, sizeof(label), "fzx%u", below(8));
		len = strlen(label) + 1;
		na = (struct nlattr *)a;
		na->nla_type = CLONEDEV_A_SLOT_LABEL;
		na->nla_len = NLA_HDRLEN + len;
		memcpy(a + NLA_HDRLEN, label, len);
		a += NLA_ALIGN(na->nla_len);
	} else if (n->cmd != CLONEDEV_CMD_HSM_GET) {
		na = (struct nlattr *)a;
		na->nla_type = CLONEDEV_A_SLOT_ID;
		na->nla_len = NLA_HDRLEN + 4;
		put(a + NLA_HDRLEN, 4,
		    some_slot(n->cmd == CLONEDEV_CMD_PARTITION_DELETE));
		a += NLA_ALIGN(na->nla_len);
	}
	n->attrs_len = a - n->attrs;
}

static void template(struct req *r, unsigned int cmd)
{
	const struct cmd *c = &cmds[cmd];
	unsigned int i;

	memset(r, 0, offsetof(struct req, aux));
	r->cmd = cmd;
	r->session = below(SESSIONS);
	if (cmd >= NL_FIRST) {
		netlink_template(r);
		return;
	}
	for (i = 0; i < AUX; i++) {
		memset(r->aux[i], 0, AUX_MAX);
		fill_aux(r, i, &c->aux[i]);
	}
	put(r->arg, 4, c->size);
	put(r->arg + 4, 4, below(2) ? c->flags : 0);
	for (i = 0; i < FIELDS_MAX && c->f[i].kind; i++)
		fill_field(r, &c->f[i]);
	if (below(3))
		fixup(r);
}

/* ---- mutation ---- */

static u32 interesting_len(u32 cur)
{
	static const u32 v[] = { 0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 64, 65,
				 127, 128, 129, 255, 256, 4095, 4096, 4097,
				 65536, 1 << 20, 0x7fffffff, 0x80000000,
				 0xfffffff0, 0xffffffff };

	switch (below(4)) {
	case 0:
		return cur + 1;
	case 1:
		return cur ? cur - 1 : 0;
	case 2:
		return below(AUX_MAX + 64);
	default:
		return v[below(ARRAY_SIZE(v))];
	}
}

static void mutate_field(struct req *r, const struct field *f)
{
	u8 *p = r->arg + f->off;
	const struct cmd *c = &cmds[r->cmd];
	u32 v;

	switch (f->kind) {
	case K_SIZE:
		switch (below(6)) {
		case 0:
			v = c->size - 1 - below(8);
			break;
		case 1:
			v = 0;
			break;
		case 2:
			v = 0xffffffff;
			break;
		case 3:
			v = c->size + 1 + below(64);
			if (v <= ARG_MAX)
				r->arg[v - 1] = rnd() | 1;
			break;
		case 4:
			v = c->size + 4 * below(16);
			break;
		default:
			v = below(ARG_MAX);
			break;
		}
		put(p, 4, v);
		break;
	case K_FLAGS:
		/* Mostly the defined flags, sometimes one nobody defined. */
		put(p, 4, below(3) ? (u32)rnd() & f->a :
		    get32(p) ^ (1u << below(32)));
		break;
	case K_RSV:
		p[below(f->width)] = rnd() | 1;
		break;
	case K_U32:
	case K_OUTLEN:
		put(p, f->width, below(3) ? interesting_len(get32(p)) : rnd());
		break;
	case K_SET:
		put(p, f->width, below(8) ? sets[f->a][below(set_len[f->a])] :
		    (u32)rnd());
		break;
	case K_HANDLE:
	case K_OUT:
		switch (below(5)) {
		case 0:
			v = 0;
			break;
		case 1:
			v = 0xffffffff;
			break;
		case 2:
			v = get32(p) + 1;
			break;
		default:
			v = some_handle();
			break;
		}
		put(p, 4, v);
		break;
	case K_SLOT:
		put(p, 4, some_slot(0));
		break;
	case K_LEN:
		put(p, 4, interesting_len(get32(p)));
		break;
	case K_PTR:
		if (below(3) == 0) {
			feed(r, f->a, below(SESSIONS));
		} else if (below(2)) {
			r->ptr_mode[f->a] = below(P_MODES);
		} else {
			r->aux[f->a][below(AUX_MAX)] ^= 1u << below(8);
			if (below(4) == 0)
				r->aux_len[f->a] = below(AUX_MAX + 1);
		}
		break;
	case K_LABEL:
		switch (below(4)) {
		case 0:
			memset(p, 'A' + below(26), f->width);
			break;
		case 1:
			p[0] = 0;
			break;
		case 2:
			p[below(f->width)] = rnd();
			break;
		default:
			snprintf((char *)p, f->width, "%s",
				 below(2) ? "d" : "fz0");
			break;
		}
		break;
	case K_BYTES:
		p[below(f->width)] = rnd();
		break;
	case K_FD:
		switch (below(4)) {
		case 0:
			v = sessions[below(SESSIONS)].fd;
			break;
		case 1:
			v = 0;
			break;
		case 2:
			v = 1000;
			break;
		default:
			v = -1;
			break;
		}
		put(p, 4, v);
		break;
	}
}

/* Netlink: an attribute's type or length, or a byte. */
static void mutate_netlink(struct req *r)
{
	struct nl_req *n = (struct nl_req *)r->arg;
	struct nlattr *na = (struct nlattr *)n->attrs;

	switch (below(5)) {
	case 0:
		na->nla_type = below(20);
		break;
	case 1:
		na->nla_len = interesting_len(na->nla_len) & 0xffff;
		break;
	case 2:
		n->attrs_len = below(64);
		break;
	case 3: {
		/* Another attribute after those there. */
		unsigned int at = NLA_ALIGN(n->attrs_len);

		if (at + 12 > sizeof(n->attrs))
			break;
		na = (struct nlattr *)(n->attrs + at);
		na->nla_type = below(17);
		na->nla_len = NLA_HDRLEN + 4 * below(3);
		put(n->attrs + at + NLA_HDRLEN, 4, some_slot(1));
		n->attrs_len = at + na->nla_len;
		break;
	}
	default:
		n->attrs[below(n->attrs_len + 1)] ^= 1u << below(8);
		break;
	}
}

static void mutate(struct req *r)
{
	const struct cmd *c = &cmds[r->cmd];
	unsigned int n = 1 + below(3), nf, i;

	const struct field header[] = {
		{ 0, 4, K_SIZE, 0, 0 }, { 4, 4, K_FLAGS, c->flags, 0 },
	};

	for (nf = 0; nf < FIELDS_MAX && c->f[nf].kind; nf++)
		;
	if (below(8) == 0)
		r->session = below(SESSIONS);
	for (i = 0; i < n; i++) {
		unsigned int k = below(nf + (c->nr ? 2 : 0));

		if (r->cmd >= NL_FIRST && below(2))
			mutate_netlink(r);
		else if (!below(10))
			r->arg[below(c->size + 16)] ^= 1u << below(8);
		else if (k < nf)
			mutate_field(r, &c->f[k]);
		else
			mutate_field(r, &header[k - nf]);
	}
	/* An RSA key takes seconds under the debug kernel: a few only. */
	if (c->nr == CLONEDEV_IOCTL_OBJECT_GENERATE) {
		struct clonedev_object_generate *g = (void *)r->arg;

		if (g->count > 16 && (g->key_type == CLONEDEV_KEY_RSA ||
				      g->key_type >= CLONEDEV_KEY_EC_P256))
			g->count = 16;
		/* Many keys fill the store; the limit's checks stay. */
		if (g->count > 256 && g->count <= CLONEDEV_GENERATE_MAX)
			g->count = 256;
		if (g->key_type == CLONEDEV_KEY_RSA && g->bits >= 2048)
			g->bits = below(256) ? 1024 : 2048;
	}
}

/* ---- running a request ---- */

static u64 ptr_for(const struct req *r, unsigned int i)
{
	switch (r->ptr_mode[i]) {
	case P_NULL:
		return 0;
	case P_BAD:
		return 1;
	case P_KERNEL:
		return 0xffff888000000000ULL;
	case P_GUARD:
		return (u64)(uintptr_t)(regions[i] + REGION);
	case P_UNALIGNED:
		return (u64)(uintptr_t)(regions[i] + REGION - 3);
	default:
		return (u64)(uintptr_t)regions[i];
	}
}

/* The netlink family's request as bytes; its reply is read and dropped. */
static int run_netlink(const struct req *r)
{
	const struct nl_req *n = (const struct nl_req *)r->arg;
	u8 buf[sizeof(struct nlmsghdr) + GENL_HDRLEN + sizeof(n->attrs)];
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct genlmsghdr *g = (struct genlmsghdr *)(buf + NLMSG_HDRLEN);
	unsigned int alen = n->attrs_len < sizeof(n->attrs) ? n->attrs_len :
			    sizeof(n->attrs);
	u8 reply[16384];
	int err = 0;
	ssize_t got;

	memset(buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	h->nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN + alen;
	h->nlmsg_type = nl_family;
	h->nlmsg_flags = n->nlflags;
	h->nlmsg_seq = ++seq;
	g->cmd = n->cmd;
	g->version = n->version;
	memcpy(buf + NLMSG_HDRLEN + GENL_HDRLEN, n->attrs, alen);
	if (send(nl_sock, buf, h->nlmsg_len, 0) < 0)
		return -errno;
	/* The kernel answered in send() (it runs the command in this task). */
	while ((got = recv(nl_sock, reply, sizeof(reply), MSG_DONTWAIT)) > 0) {
		struct nlmsghdr *m = (struct nlmsghdr *)reply;

		for (; NLMSG_OK(m, got); m = NLMSG_NEXT(m, got))
			if (m->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(m);

				if (e->error)
					err = e->error;
			}
	}
	return err;
}

static int run(struct req *r)
{
	const struct cmd *c = &cmds[r->cmd];
	u8 arg[ARG_MAX + 64];
	unsigned int i;
	int ret;

	if (r->cmd >= NL_FIRST)
		return run_netlink(r);
	memcpy(arg, r->arg, ARG_MAX);
	memset(arg + ARG_MAX, 0, 64);
	for (i = 0; i < AUX; i++)
		memcpy(regions[i], r->aux[i], AUX_MAX);
	for (i = 0; i < FIELDS_MAX && c->f[i].kind; i++)
		if (c->f[i].kind == K_PTR)
			put(arg + c->f[i].off, 8, ptr_for(r, c->f[i].a));
	ret = ioctl(sessions[r->session].fd, c->nr, arg) ? -errno : 0;
	if (ret)
		return ret;
	for (i = 0; i < FIELDS_MAX && c->f[i].kind; i++) {
		const struct field *f = &c->f[i];
		u32 len;

		if (f->kind == K_OUT)
			add_handle(get32(arg + f->off));
		if (f->kind != K_OUTLEN || r->ptr_mode[f->a] != P_VALID)
			continue;
		len = get32(arg + f->off);
		if (len && len <= AUX_MAX) {
			memcpy(last_out[r->session], regions[f->a], len);
			last_len[r->session] = len;
			last_session = r->session;
		}
	}
	return 0;
}

/* Adds the PCs of the last request; returns how many were new. */
static unsigned int note_cover(void)
{
	u64 n = __atomic_load_n(&cover[0], __ATOMIC_RELAXED), i, fresh = 0;

	if (n > COVER_MAX - 1)
		n = COVER_MAX - 1;
	for (i = 1; i <= n; i++) {
		u64 pc = cover[i], slot = (pc * 0x9e3779b97f4a7c15ULL) >>
					   (64 - PC_BITS);

		for (;;) {
			u64 cur = __atomic_load_n(&sh->pcs[slot], __ATOMIC_RELAXED);

			if (cur == pc)
				break;
			if (!cur) {
				u64 zero = 0;

				if (__atomic_compare_exchange_n(&sh->pcs[slot], &zero,
								pc, 0, __ATOMIC_RELAXED,
								__ATOMIC_RELAXED)) {
					fresh++;
					break;
				}
				continue;
			}
			slot = (slot + 1) & ((1 << PC_BITS) - 1);
		}
	}
	if (fresh)
		__atomic_add_fetch(&sh->blocks, fresh, __ATOMIC_RELAXED);
	return fresh;
}

static int documented_errno(int e)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(documented); i++)
		if (e == documented[i])
			return 1;
	return 0;
}

/* ---- the partitions and sessions of one process ---- */

/* An RSA-2048 key of the test keys (making one takes a minute on the
 * debug kernel), if they are there.
 */
static void import_rsa(struct clonedev *cd, unsigned int p)
{
	struct clonedev_keyfile kf = { 0 };
	unsigned char buf[4096];
	FILE *f = fopen("build/keys/rsa2048.der", "rb");
	size_t n;
	u32 h;

	if (!f)
		return;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (clonedev_keyfile_parse(buf, n, &kf))
		return;
	if (!clonedev_object_import(cd, kf.key_type, CLONEDEV_OBJ_SIGN |
				    CLONEDEV_OBJ_VERIFY | CLONEDEV_OBJ_DECRYPT |
				    CLONEDEV_OBJ_ENCRYPT, "fz3", NULL, 0,
				    kf.value, kf.len, &h))
		add_handle(keys[p].rsa = h);
	clonedev_keyfile_free(&kf);
}

static int make_partition(struct clonedev_nl *nl, const char *label,
			  unsigned int p, unsigned int *slot)
{
	struct clonedev_object_attrs at;
	struct clonedev *cd;
	unsigned int h, pub;
	int ret;

	ret = make_partition_roles(nl, label, PO, CO, CU, DOMAIN, slot, &cd);
	if (ret)
		return ret;
	ret = clonedev_object_generate(cd, CLONEDEV_KEY_AES, 256,
				       CLONEDEV_OBJ_ENCRYPT | CLONEDEV_OBJ_DECRYPT |
				       CLONEDEV_OBJ_WRAP | CLONEDEV_OBJ_UNWRAP |
				       CLONEDEV_OBJ_EXTRACTABLE |
				       CLONEDEV_OBJ_MODIFIABLE,
				       "fz0", NULL, 0, &h);
	if (!ret)
		add_handle(keys[p].aes = h);
	ret = ret ?: clonedev_object_generate(cd, CLONEDEV_KEY_GENERIC_SECRET,
					      256, CLONEDEV_OBJ_SIGN |
					      CLONEDEV_OBJ_VERIFY |
					      CLONEDEV_OBJ_DERIVE |
					      CLONEDEV_OBJ_EXTRACTABLE,
					      "fz1", NULL, 0, &h);
	if (!ret)
		add_handle(keys[p].hmac = h);
	ret = ret ?: clonedev_object_generate_pair(cd, CLONEDEV_KEY_EC_P256,
						   CLONEDEV_OBJ_SIGN |
						   CLONEDEV_OBJ_VERIFY |
						   CLONEDEV_OBJ_DERIVE,
						   "fz2", NULL, 0, &h, &pub);
	if (!ret) {
		add_handle(keys[p].ec = h);
		add_handle(keys[p].ec_pub = pub);
		ret = clonedev_object_get(cd, pub, &at, keys[p].point,
					  sizeof(keys[p].point), NULL);
	}
	if (!ret)
		import_rsa(cd, p);
	clonedev_close(cd);
	return ret;
}

/* A label of a process's own partitions: fz, its index, a or b. */
static int own_label(const char *label)
{
	size_t n = strspn(label + 2, "0123456789");

	return !strncmp(label, "fz", 2) && n && (label[2 + n] == 'a' ||
		label[2 + n] == 'b') && !label[3 + n];
}

/* Deletes the partitions that requests made, so that there is room, the
 * one labelled @label (NULL: none), and any that holds more than
 * OBJECTS_MAX objects (made again then), so that the store stays small.
 */
static void delete_others(struct clonedev_nl *nl, const char *label)
{
	struct clonedev_slot *slots = NULL;
	int n = clonedev_nl_slot_list(nl, &slots), i;

	for (i = 0; i < n; i++)
		if (!own_label(slots[i].label) ||
		    (label && !strcmp(slots[i].label, label)) ||
		    slots[i].object_count > OBJECTS_MAX)
			clonedev_nl_partition_delete(nl, slots[i].slot);
	free(slots);
}

/* Opens the sessions: po and co of the first partition, co and cu of the
 * second, and one not logged in. A partition a request broke (its password
 * changed, a role locked, deleted) is deleted and made again.
 */
static int setup(int again)
{
	static const struct { unsigned int part, role; const char *pw; } s[] = {
		{ 0, CLONEDEV_ROLE_PO, PO }, { 0, CLONEDEV_ROLE_CO, CO },
		{ 1, CLONEDEV_ROLE_CO, CO }, { 1, CLONEDEV_ROLE_CU, CU },
		{ 1, 0, NULL },
	};
	struct clonedev_nl *nl;
	unsigned int i, p;
	int ret;

	ret = clonedev_nl_open(&nl);
	if (ret)
		return ret;
	if (again)
		delete_others(nl, NULL);
	for (i = 0; i < SESSIONS; i++)
		if (sessions[i].fd >= 0) {
			close(sessions[i].fd);
			sessions[i].fd = -1;
		}
	for (p = 0; p < 2; p++) {
		char label[16];
		struct clonedev *cd;

		snprintf(label, sizeof(label), "fz%u%c", proc_index, 'a' + p);
		if (again && own_slots[p]) {
			ret = clonedev_open(&cd);
			if (ret)
				break;
			ret = clonedev_slot_set(cd, own_slots[p]) ?:
			      clonedev_login(cd, CLONEDEV_ROLE_PO, PO) ?:
			      clonedev_logout(cd) ?:
			      clonedev_login(cd, CLONEDEV_ROLE_CO, CO) ?:
			      clonedev_logout(cd) ?:
			      clonedev_login(cd, CLONEDEV_ROLE_CU, CU);
			clonedev_close(cd);
			if (!ret)
				continue;
			clonedev_nl_partition_delete(nl, own_slots[p]);
			__atomic_add_fetch(&sh->recreated, 1, __ATOMIC_RELAXED);
		}
		if (again)
			delete_others(nl, label);
		ret = make_partition(nl, label, p, &own_slots[p]);
		if (ret)
			break;
	}
	clonedev_nl_close(nl);
	if (ret)
		return ret;
	for (i = 0; i < SESSIONS; i++) {
		struct clonedev_slot_set ss = { .size = sizeof(ss) };
		struct clonedev_login lg = { .size = sizeof(lg) };
		int fd = open("/dev/clonedev", O_RDWR);

		if (fd < 0)
			return -errno;
		sessions[i].fd = fd;
		ss.slot = own_slots[s[i].part];
		if (ioctl(fd, CLONEDEV_IOCTL_SLOT_SET, &ss))
			return -errno;
		if (!s[i].pw)
			continue;
		lg.role = s[i].role;
		lg.secret = (u64)(uintptr_t)s[i].pw;
		lg.secret_len = strlen(s[i].pw);
		if (ioctl(fd, CLONEDEV_IOCTL_LOGIN, &lg))
			return -errno;
	}
	return 0;
}

/* setup(), and if it fails (another process's request deleted or
 * changed a partition meanwhile), again with new partitions.
 */
static int setup_again(int again)
{
	int ret, tries;

	for (tries = 0; tries < 8; tries++) {
		ret = setup(again || tries);
		if (!ret)
			break;
		/* Made again from scratch on the next try. */
		own_slots[0] = 0;
		own_slots[1] = 0;
	}
	return ret;
}

static int kcov_open(void)
{
	kcov_fd = open("/sys/kernel/debug/kcov", O_RDWR);
	if (kcov_fd < 0)
		return -errno;
	if (ioctl(kcov_fd, KCOV_INIT_TRACE, COVER_MAX))
		return -errno;
	cover = mmap(NULL, COVER_MAX * sizeof(u64), PROT_READ | PROT_WRITE,
		     MAP_SHARED, kcov_fd, 0);
	if (cover == MAP_FAILED)
		return -errno;
	if (ioctl(kcov_fd, KCOV_ENABLE, KCOV_TRACE_PC))
		return -errno;
	return 0;
}

static int netlink_open(void)
{
	struct clonedev_nl *nl;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int ret = clonedev_nl_open(&nl);

	if (ret)
		return ret;
	nl_family = clonedev_nl_family(nl);
	clonedev_nl_close(nl);
	nl_sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (nl_sock < 0 || bind(nl_sock, (struct sockaddr *)&sa, sizeof(sa)))
		return -errno;
	return 0;
}

/* One process: requests until the shared count reaches the limit. */
static int worker(unsigned int index, u64 seed)
{
	static struct req r;
	unsigned int i, since_setup = 0;
	int ret;

	proc_index = index;
	rng_state = seed ^ (0x9e3779b97f4a7c15ULL * (index + 1));
	for (i = 0; i < SESSIONS; i++)
		sessions[i].fd = -1;
	for (i = 0; i < AUX; i++) {
		regions[i] = mmap(NULL, REGION + 4096, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (regions[i] == MAP_FAILED)
			return 1;
		mprotect(regions[i] + REGION, 4096, PROT_NONE);
	}
	ret = setup_again(0) ?: netlink_open();
	if (ret) {
		printf("# process %u: setting up: %s\n", index, strerror(-ret));
		return 1;
	}
	if (kcov_fd < 0 && kcov_open() && index == 0)
		printf("# no KCOV (%s): the requests are not guided by coverage\n",
		       strerror(errno));
	for (;;) {
		u64 at = __atomic_add_fetch(&sh->requests, 1, __ATOMIC_RELAXED);
		u64 n = __atomic_load_n(&sh->corpus_n, __ATOMIC_ACQUIRE);

		if (at > sh->limit)
			break;
		if (at % 100000 == 0) {
			printf("# %llu requests, %llu blocks, corpus %llu, %ld s\n",
			       (unsigned long long)at,
			       (unsigned long long)sh->blocks,
			       (unsigned long long)n, (long)(time(NULL) - sh->start));
			fflush(stdout);
		}

		if (n && below(10) < 7) {
			r = sh->corpus[below(n < CORPUS_MAX ? n : CORPUS_MAX)];
			mutate(&r);
		} else {
			template(&r, below(N_CMDS));
			if (below(2))
				mutate(&r);
		}
		if (cover)
			__atomic_store_n(&cover[0], 0, __ATOMIC_RELAXED);
		ret = run(&r);
		__atomic_add_fetch(&sh->by_cmd[r.cmd].calls, 1, __ATOMIC_RELAXED);
		if (!ret)
			__atomic_add_fetch(&sh->by_cmd[r.cmd].ok, 1, __ATOMIC_RELAXED);
		else if (-ret < 134)
			__atomic_add_fetch(&sh->by_cmd[r.cmd].errs[-ret], 1,
					   __ATOMIC_RELAXED);
		if (ret && !documented_errno(-ret) &&
		    __atomic_add_fetch(&sh->unexpected, 1, __ATOMIC_RELAXED) == 1) {
			sh->unexpected_cmd = r.cmd;
			sh->unexpected_errno = -ret;
		}
		if (cover && note_cover()) {
			u64 slot = __atomic_fetch_add(&sh->corpus_n, 1,
						      __ATOMIC_ACQ_REL);

			__atomic_add_fetch(&sh->new_cover, 1, __ATOMIC_RELAXED);
			if (slot < CORPUS_MAX)
				sh->corpus[slot] = r;
		}
		/* Now and then the partitions and sessions again, as a user
		 * would after an administrator changed them.
		 */
		if (++since_setup >= 2000) {
			since_setup = 0;
			ret = setup_again(1);
			if (ret) {
				printf("# process %u: setting up again: %s\n",
				       index, strerror(-ret));
				return 1;
			}
		}
	}
	return 0;
}

/* The module's blocks, by function and source file. */
#define FUNCS_MAX	4096
#define SYMS_MAX	16384

struct func {
	char name[64];
	char file[32];
	unsigned int blocks;	/* calls of the KCOV hook in it */
	unsigned int hit;	/* of those, reached */
};

static struct func funcs[FUNCS_MAX];
static unsigned int n_funcs;

struct sym {
	u64 addr;
	int func;		/* index in funcs[], or -1 */
};

static int sym_cmp(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Counts the KCOV calls of each function of each object file in @dir
 * (objdump -dr). Returns the module's total, or -1.
 */
static long read_blocks(const char *dir)
{
	char cmd[512], line[512], name[64];
	long total = 0;
	glob_t g;
	size_t i;

	snprintf(cmd, sizeof(cmd), "%s/*.o", dir);
	if (glob(cmd, 0, NULL, &g))
		return -1;
	for (i = 0; i < g.gl_pathc; i++) {
		const char *base = strrchr(g.gl_pathv[i], '/') + 1;
		int cur = -1;
		FILE *f;

		snprintf(cmd, sizeof(cmd), "objdump -dr '%s' 2>/dev/null",
			 g.gl_pathv[i]);
		f = popen(cmd, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "%*x <%63[^>]>:", name) == 1 &&
			    n_funcs < FUNCS_MAX) {
				cur = n_funcs++;
				snprintf(funcs[cur].name, sizeof(funcs[cur].name),
					 "%s", name);
				snprintf(funcs[cur].file, sizeof(funcs[cur].file),
					 "%.*s.c", (int)(strlen(base) - 2), base);
			} else if (cur >= 0 && strstr(line, "R_X86_64") &&
				   strstr(line, "__sanitizer_cov_trace_pc")) {
				funcs[cur].blocks++;
				total++;
			}
		}
		pclose(f);
	}
	globfree(&g);
	return total;
}

/* Attributes each block reached to its function: the module's symbols
 * from /proc/kallsyms give each PC's function. Returns the PCs placed.
 */
static long place_blocks(void)
{
	static struct sym syms[SYMS_MAX];
	unsigned int n = 0, i;
	char line[512], name[128];
	long placed = 0;
	FILE *f = fopen("/proc/kallsyms", "r");
	u64 addr;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f) && n < SYMS_MAX) {
		if (!strstr(line, "[clonedev]") ||
		    sscanf(line, "%llx %*c %127s", (unsigned long long *)&addr,
			   name) != 2)
			continue;
		syms[n].addr = addr;
		syms[n].func = -1;
		for (i = 0; i < n_funcs; i++)
			if (!strcmp(funcs[i].name, name)) {
				syms[n].func = i;
				break;
			}
		n++;
	}
	fclose(f);
	qsort(syms, n, sizeof(syms[0]), sym_cmp);
	for (i = 0; i < (1u << PC_BITS); i++) {
		u64 pc = sh->pcs[i];
		unsigned int lo = 0, hi = n;

		if (!pc)
			continue;
		/* The last symbol at or below the PC. */
		while (hi - lo > 1) {
			unsigned int mid = (lo + hi) / 2;

			if (syms[mid].addr <= pc)
				lo = mid;
			else
				hi = mid;
		}
		if (n && syms[lo].addr <= pc && syms[lo].func >= 0) {
			funcs[syms[lo].func].hit++;
			placed++;
		}
	}
	return placed;
}

/* Prints the blocks reached out of all, for each source file. */
static void print_files(void)
{
	unsigned int i, j;

	for (i = 0; i < n_funcs; i++) {
		unsigned int blocks = 0, hit = 0;

		for (j = 0; j < i && strcmp(funcs[j].file, funcs[i].file); j++)
			;
		if (j < i)
			continue;	/* its file is printed */
		for (j = i; j < n_funcs; j++)
			if (!strcmp(funcs[j].file, funcs[i].file)) {
				blocks += funcs[j].blocks;
				hit += funcs[j].hit < funcs[j].blocks ?
				       funcs[j].hit : funcs[j].blocks;
			}
		if (blocks)
			printf("# coverage kmod/%-18s %5u of %5u blocks (%5.1f%%)\n",
			       funcs[i].file, hit, blocks, 100.0 * hit / blocks);
	}
}

/* Every partition as the store keeps it: slot, serial, label, kind,
 * state and object count.
 */
static int snapshot(char **out)
{
	struct clonedev_slot *slots = NULL;
	struct clonedev_nl *nl;
	size_t len = 0, at = 0;
	FILE *f;
	int count, i, ret;

	ret = clonedev_nl_open(&nl);
	if (ret)
		return ret;
	count = clonedev_nl_slot_list(nl, &slots);
	clonedev_nl_close(nl);
	if (count < 0)
		return count;
	f = open_memstream(out, &len);
	if (!f) {
		free(slots);
		return -ENOMEM;
	}
	for (i = 0; i < count; i++, at++)
		fprintf(f, "%u %llu %s %u %u %u %u %u\n", slots[i].slot,
			slots[i].serial, slots[i].label, slots[i].auth,
			slots[i].type, slots[i].protocol_level, slots[i].state,
			slots[i].object_count);
	fclose(f);
	free(slots);
	return count;
}

int main(int argc, char **argv)
{
	u64 limit = argc > 1 ? strtoull(argv[1], NULL, 0) : 20000;
	unsigned int procs = argc > 2 ? atoi(argv[2]) : 4, i, c;
	const char *objs = getenv("IOCTL_FUZZ_OBJS") ?: "build/debug/kmod";
	const char *seed_env = getenv("IOCTL_FUZZ_SEED");
	char *before = NULL, *after = NULL;
	u64 seed, errs_total = 0;
	long total_blocks;
	time_t start = time(NULL);
	int bad = 0, status, slots;
	pid_t pids[MAX_PROCS];

	if (procs < 1 || procs > MAX_PROCS || !limit) {
		fprintf(stderr, "usage: %s [REQUESTS [PROCESSES 1..%d]]\n",
			argv[0], MAX_PROCS);
		return 2;
	}
	seed = seed_env ? strtoull(seed_env, NULL, 0) :
	       (u64)time(NULL) * 2654435761u ^ getpid();
	printf("# ioctl_fuzz: seed %llu (IOCTL_FUZZ_SEED to repeat), %llu requests, %u processes\n",
	       (unsigned long long)seed, (unsigned long long)limit, procs);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 1;
	sh->limit = limit;
	sh->start = start;
	fflush(stdout);
	for (i = 0; i < procs; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			return 1;
		if (!pids[i])
			_exit(worker(i, seed));
	}
	for (i = 0; i < procs; i++) {
		if (waitpid(pids[i], &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status)) {
			printf("not ok - process %u ended with status %#x\n", i,
			       status);
			bad = 1;
		}
	}

	printf("# %-22s %9s %9s  errors\n", "request", "calls", "ok");
	for (c = 0; c < N_CMDS; c++) {
		const struct stats *s = &sh->by_cmd[c];
		char errs[256] = "";
		size_t at = 0;
		int e;

		for (e = 1; e < 134; e++) {
			if (!s->errs[e])
				continue;
			errs_total += s->errs[e];
			at += snprintf(errs + at, at < sizeof(errs) ?
				       sizeof(errs) - at : 0, " %s:%llu",
				       strerrorname_np(e) ?: "?",
				       (unsigned long long)s->errs[e]);
		}
		printf("# %-22s %9llu %9llu %s\n", cmds[c].name,
		       (unsigned long long)s->calls,
		       (unsigned long long)s->ok, errs);
	}
	total_blocks = read_blocks(objs);
	if (total_blocks > 0 && place_blocks() > 0)
		print_files();
	printf("# ioctl_fuzz: %llu requests in %ld s, %llu reached new blocks, corpus %llu\n",
	       (unsigned long long)(sh->requests > limit ? limit : sh->requests),
	       (long)(time(NULL) - start),
	       (unsigned long long)sh->new_cover,
	       (unsigned long long)(sh->corpus_n < CORPUS_MAX ? sh->corpus_n :
				    CORPUS_MAX));
	if (total_blocks > 0)
		printf("# ioctl_fuzz: coverage %llu of %ld blocks of clonedev.ko (%.1f%%)\n",
		       (unsigned long long)sh->blocks, total_blocks,
		       100.0 * sh->blocks / total_blocks);
	else
		printf("# ioctl_fuzz: coverage %llu blocks of clonedev.ko\n",
		       (unsigned long long)sh->blocks);
	printf("# ioctl_fuzz: %llu partitions made again after a request broke them\n",
	       (unsigned long long)sh->recreated);

	printf("%s 1 - every error is one the interface documents\n",
	       sh->unexpected ? "not ok" : "ok");
	if (sh->unexpected) {
		printf("# %llu calls failed with an undocumented error, first %s with %s\n",
		       (unsigned long long)sh->unexpected,
		       cmds[sh->unexpected_cmd].name,
		       strerrorname_np(sh->unexpected_errno) ?: "?");
		bad = 1;
	}
	i = 0;
	for (c = 0; c < N_CMDS; c++)
		i += sh->by_cmd[c].ok > 0;
	printf("%s 2 - the requests reached the kernel: %u of %zu commands succeeded at least once\n",
	       i >= N_CMDS / 2 ? "ok" : "not ok", i, N_CMDS);
	bad |= i < N_CMDS / 2;

	slots = snapshot(&before);
	if (slots < 0 || system("rmmod clonedev && modprobe clonedev") ||
	    snapshot(&after) != slots || strcmp(before, after)) {
		printf("not ok 3 - the reloaded store equals the live state\n");
		bad = 1;
	} else {
		printf("ok 3 - the reloaded store equals the live state (%d partitions)\n",
		       slots);
	}
	free(before);
	free(after);
	printf("1..3\n");
	return bad;
}
