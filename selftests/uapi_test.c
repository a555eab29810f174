// SPDX-License-Identifier: GPL-2.0
/*
 * clonedev selftests: the uAPI contract, walked over every ioctl and every
 * generic netlink command from one table each.
 *
 * ioctl (uapi/linux/clonedev.h): a size below the first version of the
 * struct gives -EINVAL, a larger size with a non-zero byte the kernel
 * does not know -E2BIG, a larger size with a zero tail is accepted; a
 * flag the kernel does not know gives -EOPNOTSUPP, a reserved field that
 * is not zero -EINVAL, a struct the kernel cannot read -EFAULT.
 *
 * Netlink (docs/netlink/clonedev.yaml): an attribute the command does not
 * know, an attribute of the wrong length and a missing required attribute
 * each give -EINVAL with the kernel's extended ack.
 *
 * Every rejection leaves the session, the partition and the slot list as
 * they were. Run as root in a VM with clonedev.ko loaded.
 */
#include <stddef.h>
#include <sys/mman.h>
#include <unistd.h>

#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "clonedev_test_util.h"

#define TAIL		64	/* bytes past the struct in the E2BIG checks */
#define LIST_CAP	64
/* A walk over the whole table is many calls: slow on TCG under load. */
#define UAPI_TIMEOUT	300

struct uapi_ctx {
	struct clonedev *cd;
	unsigned int slot;
	struct clonedev_policy_change change;
	unsigned int handles[LIST_CAP];
	unsigned char data[CLONEDEV_CLONE_MSG_MAX];
};

/* A field of @type, as an offset and a length. */
#define FIELD(type, f)	{ offsetof(type, f), sizeof(((type *)0)->f) }

struct field {
	unsigned int off;
	unsigned int len;
};

/**
 * struct ioctl_row - one ioctl of the session plane
 * @name: the command, for the log
 * @cmd: its number
 * @size: sizeof() its struct
 * @min_size: the size of the struct's first version (kmod/device.c)
 * @flags_ok: the flags it knows
 * @reserved: its input fields that must be zero (an empty one ends them)
 * @fill: makes a request that reaches the reserved-field checks, or NULL
 *	(all zero); may also prepare the session (logout logs in first)
 * @base_err: the errno of that request (0: it succeeds)
 * @relogin: the request leaves the session logged out
 */
struct ioctl_row {
	const char *name;
	unsigned long cmd;
	unsigned int size;
	unsigned int min_size;
	unsigned int flags_ok;
	struct field reserved[4];
	void (*fill)(struct uapi_ctx *ctx, void *buf);
	int base_err;
	bool relogin;
};

static void put_str(char *dst, const char *s)
{
	strcpy(dst, s);
}

static void fill_slot_set(struct uapi_ctx *ctx, void *buf)
{
	struct clonedev_slot_set *c = buf;

	c->slot = ctx->slot;
}

static void fill_partition_init(struct uapi_ctx *ctx, void *buf)
{
	struct clonedev_partition_init *c = buf;

	c->password = (unsigned long)TEST_PO;
	c->password_len = strlen(TEST_PO);
	c->domain = (unsigned long)"d";
	c->domain_len = 1;
	put_str(c->domain_label, "dom");
}

static void fill_login(struct uapi_ctx *ctx, void *buf)
{
	struct clonedev_login *c = buf;

	c->role = CLONEDEV_ROLE_CO;
	c->secret = (unsigned long)TEST_CO;
	c->secret_len = strlen(TEST_CO);
}

static void fill_logout(struct uapi_ctx *ctx, void *buf)
{
	struct clonedev_session_info si;

	if (!clonedev_session_info(ctx->cd, &si) &&
	    si.role == CLONEDEV_ROLE_NONE)
		clonedev_login(ctx->cd, CLONEDEV_ROLE_CO, TEST_CO);
}

/* Logged out, so that the request gets past the input checks only. */
static void fill_activation(struct uapi_ctx *ctx, void *buf)
{
	clonedev_logout(ctx->cd);
}

static void fill_policy_set(struct uapi_ctx *ctx, void *buf)
{
	struct clonedev_policy_set *c = buf;

	c->count = 1;
	c->changes = (unsigned long)&ctx->change;
}

static void fill_generate(struct uapi_ctx *ctx, void *buf)
{
	struct clonedev_object_generate *c = buf;

	c->key_type = CLONEDEV_KEY_AES;
	c->bits = 256;
}

static void fill_import(struct uapi_ctx *ctx, void *buf)
{
	struct clonedev_object_import *c = buf;

	c->key_type = CLONEDEV_KEY_AES;
	c->value = (unsigned long)ctx->data;
	c->value_len = 32;
}

static void fill_destroy(struct uapi_ctx *ctx, void *buf)
{
	struct clonedev_object_destroy *c = buf;

	c->handle = 0x7fffffff;
}

static void fill_list(struct uapi_ctx *ctx, void *buf)
{
	struct clonedev_object_list *c = buf;

	c->count = LIST_CAP;
	c->handles = (unsigned long)ctx->handles;
}

static void fill_find(struct uapi_ctx *ctx, void *buf)
{
	struct clonedev_object_find *c = buf;

	c->flags = CLONEDEV_FIND_LABEL;
	c->count = LIST_CAP;
	c->handles = (unsigned long)ctx->handles;
	put_str(c->label, "none");
}

static void fill_domain_add(struct uapi_ctx *ctx, void *buf)
{
	struct clonedev_domain_add *c = buf;

	c->secret = (unsigned long)"another";
	c->secret_len = 7;
	put_str(c->label, "dom2");
}

static void fill_domain_delete(struct uapi_ctx *ctx, void *buf)
{
	struct clonedev_domain_delete *c = buf;

	put_str(c->label, "dom");
}

static void fill_domain_change(struct uapi_ctx *ctx, void *buf)
{
	struct clonedev_domain_change *c = buf;

	put_str(c->label, "dom");
	put_str(c->new_label, "dom3");
}

static void fill_clone(struct uapi_ctx *ctx, void *buf)
{
	struct clonedev_clone *c = buf;

	c->op = CLONEDEV_CLONE_SOURCE;
	c->out = (unsigned long)ctx->data;
	c->out_cap = sizeof(ctx->data);
}

static void fill_crypt(struct uapi_ctx *ctx, void *buf)
{
	struct clonedev_crypt *c = buf;

	c->op = CLONEDEV_CRYPT_ENCRYPT;
	c->mech = CLONEDEV_MECH_AES_GCM;
	c->handle = 0x7fffffff;
	c->iv_len = 12;
}

static void fill_derive(struct uapi_ctx *ctx, void *buf)
{
	struct clonedev_derive *c = buf;

	c->mech = CLONEDEV_MECH_ECDH;
	c->handle = 0x7fffffff;
	c->key_type = CLONEDEV_KEY_AES;
	c->bits = 256;
}

static void fill_wrap(struct uapi_ctx *ctx, void *buf)
{
	struct clonedev_wrap *c = buf;

	c->mech = CLONEDEV_MECH_AES_KWP;
	c->wrapping_handle = 0x7fffffff;
	c->handle = 0x7fffffff;
}

static void fill_unwrap(struct uapi_ctx *ctx, void *buf)
{
	struct clonedev_unwrap *c = buf;

	c->mech = CLONEDEV_MECH_AES_KWP;
	c->unwrapping_handle = 0x7fffffff;
	c->key_type = CLONEDEV_KEY_AES;
	c->in = (unsigned long)ctx->data;
	c->in_len = 40;
}

static void fill_random(struct uapi_ctx *ctx, void *buf)
{
	struct clonedev_random *c = buf;

	c->len = 16;
	c->out = (unsigned long)ctx->data;
}

static void fill_ped(struct uapi_ctx *ctx, void *buf)
{
	struct clonedev_ped *c = buf;

	c->op = CLONEDEV_PED_STATUS;
}

#define ROW(_cmd, _type, _last, ...)					\
	{								\
		.name = #_cmd,						\
		.cmd = CLONEDEV_IOCTL_##_cmd,				\
		.size = sizeof(_type),					\
		.min_size = offsetof(_type, _last) +			\
			    sizeof(((_type *)0)->_last),		\
		__VA_ARGS__						\
	}

static const struct ioctl_row ioctl_rows[] = {
	ROW(HSM_INFO, struct clonedev_hsm_info, __reserved,
	    .reserved = { FIELD(struct clonedev_hsm_info, __reserved) }),
	ROW(SESSION_INFO, struct clonedev_session_info, roles,
	    .reserved = { FIELD(struct clonedev_session_info, __reserved) }),
	ROW(SLOT_SET, struct clonedev_slot_set, __reserved,
	    .reserved = { FIELD(struct clonedev_slot_set, __reserved) },
	    .fill = fill_slot_set),
	ROW(PARTITION_INIT, struct clonedev_partition_init, __reserved,
	    .reserved = { FIELD(struct clonedev_partition_init, __reserved) },
	    .flags_ok = CLONEDEV_PARTITION_INIT_PED,
	    .fill = fill_partition_init, .base_err = EACCES),
	ROW(LOGIN, struct clonedev_login, secret,
	    .flags_ok = CLONEDEV_LOGIN_PED | CLONEDEV_LOGIN_SHARE,
	    .reserved = { FIELD(struct clonedev_login, from_fd) },
	    .fill = fill_login),
	ROW(LOGOUT, struct clonedev_logout, flags, .fill = fill_logout,
	    .relogin = true),
	ROW(ROLE_INIT, struct clonedev_role_init, secret, .base_err = EINVAL,
	    .flags_ok = CLONEDEV_ROLE_INIT_PED),
	ROW(ROLE_CHANGEPW, struct clonedev_role_changepw, new_secret,
	    .base_err = EINVAL),
	ROW(POLICY_GET, struct clonedev_policy_get, entries,
	    .reserved = { FIELD(struct clonedev_policy_get, __reserved) }),
	ROW(POLICY_SET, struct clonedev_policy_set, changes,
	    .flags_ok = CLONEDEV_POLICY_SET_FORCE,
	    .reserved = { FIELD(struct clonedev_policy_set, __reserved) },
	    .fill = fill_policy_set, .base_err = EACCES),
	ROW(OBJECT_GENERATE, struct clonedev_object_generate, handle,
	    .reserved = { FIELD(struct clonedev_object_generate, __reserved),
			  FIELD(struct clonedev_object_generate, __reserved2) },
	    .fill = fill_generate),
	ROW(OBJECT_CREATE, struct clonedev_object_create, __reserved,
	    .reserved = { FIELD(struct clonedev_object_create, __reserved) }),
	ROW(OBJECT_DESTROY, struct clonedev_object_destroy, __reserved,
	    .reserved = { FIELD(struct clonedev_object_destroy, __reserved) },
	    .fill = fill_destroy, .base_err = ENOENT),
	ROW(OBJECT_GET, struct clonedev_object_get, attrs,
	    .flags_ok = CLONEDEV_OBJECT_GET_PUBLIC,
	    .fill = fill_destroy, .base_err = ENOENT),
	ROW(OBJECT_LIST, struct clonedev_object_list, handles,
	    .flags_ok = CLONEDEV_LIST_ATTRS,
	    .reserved = { FIELD(struct clonedev_object_list, __reserved) },
	    .fill = fill_list),
	ROW(OBJECT_IMPORT, struct clonedev_object_import, __reserved2,
	    .reserved = { FIELD(struct clonedev_object_import, __reserved),
			  FIELD(struct clonedev_object_import, __reserved2) },
	    .fill = fill_import),
	ROW(OBJECT_FIND, struct clonedev_object_find, __reserved,
	    .flags_ok = CLONEDEV_FIND_LABEL | CLONEDEV_FIND_ID,
	    .reserved = { FIELD(struct clonedev_object_find, __reserved) },
	    .fill = fill_find),
	ROW(DOMAIN_LIST, struct clonedev_domain_list, domains,
	    .reserved = { FIELD(struct clonedev_domain_list, __reserved) },
	    .base_err = EACCES),
	ROW(DOMAIN_ADD, struct clonedev_domain_add, __reserved2,
	    .flags_ok = CLONEDEV_DOMAIN_PRIMARY | CLONEDEV_DOMAIN_ADD_PED,
	    .reserved = { FIELD(struct clonedev_domain_add, __reserved),
			  FIELD(struct clonedev_domain_add, __reserved2),
			  FIELD(struct clonedev_domain_add, __reserved3) },
	    .fill = fill_domain_add, .base_err = EACCES),
	ROW(DOMAIN_DELETE, struct clonedev_domain_delete, __reserved,
	    .reserved = { FIELD(struct clonedev_domain_delete, __reserved) },
	    .fill = fill_domain_delete, .base_err = EACCES),
	ROW(DOMAIN_CHANGE, struct clonedev_domain_change, __reserved,
	    .flags_ok = CLONEDEV_DOMAIN_PRIMARY,
	    .reserved = { FIELD(struct clonedev_domain_change, __reserved) },
	    .fill = fill_domain_change, .base_err = EACCES),
	ROW(ROLE_CHALLENGE, struct clonedev_role_challenge, secret,
	    .base_err = EINVAL),
	ROW(ACTIVATION, struct clonedev_activation, __reserved,
	    .reserved = { FIELD(struct clonedev_activation, __reserved) },
	    .fill = fill_activation, .base_err = EACCES, .relogin = true),
	ROW(SUITES, struct clonedev_suites, disable),
	ROW(CLONE, struct clonedev_clone, __reserved,
	    .reserved = { FIELD(struct clonedev_clone, __reserved) },
	    .fill = fill_clone),
	ROW(CRYPT, struct clonedev_crypt, __reserved,
	    .flags_ok = CLONEDEV_CRYPT_GEN_IV | CLONEDEV_CRYPT_PREHASHED,
	    .reserved = { FIELD(struct clonedev_crypt, __reserved) },
	    .fill = fill_crypt, .base_err = ENOENT),
	ROW(DERIVE, struct clonedev_derive, __reserved,
	    .reserved = { FIELD(struct clonedev_derive, __pad),
			  FIELD(struct clonedev_derive, __reserved) },
	    .fill = fill_derive, .base_err = ENOENT),
	ROW(WRAP, struct clonedev_wrap, __reserved,
	    .reserved = { FIELD(struct clonedev_wrap, __reserved) },
	    .fill = fill_wrap, .base_err = ENOENT),
	ROW(UNWRAP, struct clonedev_unwrap, __reserved,
	    .reserved = { FIELD(struct clonedev_unwrap, __reserved) },
	    .fill = fill_unwrap, .base_err = ENOENT),
	ROW(RANDOM, struct clonedev_random, out,
	    .reserved = { FIELD(struct clonedev_random, __reserved) },
	    .fill = fill_random),
	ROW(PED, struct clonedev_ped, __reserved2,
	    .reserved = { FIELD(struct clonedev_ped, __reserved),
			  FIELD(struct clonedev_ped, __reserved2) },
	    .fill = fill_ped),
};

/* What a rejected request must leave as it was. */
struct snapshot {
	struct clonedev_session_info si;
	int objects;
	struct clonedev_policy_get pg;
	int slots;
	char labels[8][33];
};

FIXTURE(uapi)
{
	struct clonedev_nl *nl;
	struct uapi_ctx ctx;
	struct snapshot before;
};

static void snapshot(struct __test_metadata *_metadata,
		     struct _test_data_uapi *self, struct snapshot *s)
{
	struct clonedev_slot *slots = NULL;
	int i;

	memset(s, 0, sizeof(*s));
	ASSERT_EQ(0, clonedev_session_info(self->ctx.cd, &s->si));
	s->objects = count_objects(self->ctx.cd);
	ASSERT_EQ(0, clonedev_policy_get(self->ctx.cd, &s->pg));
	s->slots = clonedev_nl_slot_list(self->nl, &slots);
	ASSERT_LE(0, s->slots);
	for (i = 0; i < s->slots && i < 8; i++)
		strcpy(s->labels[i], slots[i].label);
	free(slots);
}

/* Nothing changed since self->before. */
#define EXPECT_UNCHANGED(what)						\
	do {								\
		struct snapshot __now;					\
									\
		snapshot(_metadata, self, &__now);			\
		if (memcmp(&__now, &self->before, sizeof(__now)))	\
			TH_LOG("%s: the rejection changed state", what); \
		EXPECT_EQ(0, memcmp(&__now, &self->before,		\
				    sizeof(__now)));			\
	} while (0)

FIXTURE_SETUP(uapi)
{
	struct clonedev_policy_get pg;

	ASSERT_EQ(0, clonedev_nl_open(&self->nl));
	delete_all_partitions(_metadata, self->nl);
	setup_partition(_metadata, self->nl, "uapi", &self->ctx.cd,
			&self->ctx.slot);
	ASSERT_EQ(0, clonedev_policy_get(self->ctx.cd, &pg));
	ASSERT_LT(0, pg.count);
	self->ctx.change.id = pg.entries[0].id;
	self->ctx.change.value = pg.entries[0].value;
}

FIXTURE_TEARDOWN(uapi)
{
	clonedev_close(self->ctx.cd);
	delete_all_partitions(_metadata, self->nl);
	clonedev_nl_close(self->nl);
}

/* The row's request in @buf (at least row->size + TAIL bytes), @size set. */
static void request(struct _test_data_uapi *self, const struct ioctl_row *row,
		    void *buf, unsigned int size)
{
	memset(buf, 0, row->size + TAIL);
	if (row->fill)
		row->fill(&self->ctx, buf);
	((struct clonedev_logout *)buf)->size = size;
}

/* The session as the fixture made it, after a row that logs out. */
static void row_done(struct __test_metadata *_metadata,
		     struct _test_data_uapi *self, const struct ioctl_row *row)
{
	if (row->relogin)
		ASSERT_EQ(0, clonedev_login(self->ctx.cd, CLONEDEV_ROLE_CO,
					    TEST_CO));
}

/* ioctl() of @buf: 0 or the errno. */
static int call(struct _test_data_uapi *self, const struct ioctl_row *row,
		void *buf)
{
	errno = 0;
	if (ioctl(clonedev_fd(self->ctx.cd), row->cmd, buf))
		return errno;
	return 0;
}

#define EXPECT_ROW(expected, got, row, what)				\
	do {								\
		int __e = (expected), __g = (got);			\
									\
		if (__e != __g)						\
			TH_LOG("%s: %s: %s, expected %s", (row)->name,	\
			       what, strerror(__g), strerror(__e));	\
		EXPECT_EQ(__e, __g);					\
	} while (0)

static unsigned char buf[sizeof(union {
	struct clonedev_partition_init a;
	struct clonedev_object_get b;
	struct clonedev_domain_list c;
	struct clonedev_derive d;
	struct clonedev_unwrap e;
	struct clonedev_crypt f;
	struct clonedev_clone g;
	struct clonedev_policy_get h;
	struct clonedev_object_find i;
	struct clonedev_ped j;
}) + TAIL] __attribute__((aligned(8)));

/* The table covers every command of the ioctl range, in order. */
TEST(ioctl_table_complete)
{
	int i;

	ASSERT_EQ(CLONEDEV_CMD_PED - CLONEDEV_CMD_BASE + 1,
		  ARRAY_SIZE(ioctl_rows));
	for (i = 0; i < ARRAY_SIZE(ioctl_rows); i++) {
		EXPECT_EQ(CLONEDEV_CMD_BASE + i, _IOC_NR(ioctl_rows[i].cmd));
		EXPECT_GE(sizeof(buf) - TAIL, ioctl_rows[i].size);
		EXPECT_LE(8, ioctl_rows[i].min_size);
	}
}

/* Each row's well-formed request gives its known result, at any size. */
TEST_F_TIMEOUT(uapi, ioctl_sizes_accepted, UAPI_TIMEOUT)
{
	const struct ioctl_row *row;
	int i;

	for (i = 0; i < ARRAY_SIZE(ioctl_rows); i++) {
		row = &ioctl_rows[i];
		request(self, row, buf, row->size);
		EXPECT_ROW(row->base_err, call(self, row, buf), row,
			   "exact size");
		request(self, row, buf, row->size + TAIL);
		EXPECT_ROW(row->base_err, call(self, row, buf), row,
			   "larger size, zero tail");
		if (row->reserved[0].len)
			EXPECT_NE(EINVAL, row->base_err);
		row_done(_metadata, self, row);
	}
}

TEST_F_TIMEOUT(uapi, ioctl_short_size, UAPI_TIMEOUT)
{
	unsigned int sizes[] = { 0, 4, 8, 0 };
	const struct ioctl_row *row;
	int i, j;

	for (i = 0; i < ARRAY_SIZE(ioctl_rows); i++) {
		row = &ioctl_rows[i];
		sizes[3] = row->min_size - 1;
		for (j = 0; j < ARRAY_SIZE(sizes); j++) {
			if (sizes[j] >= row->min_size)
				continue;
			request(self, row, buf, sizes[j]);
			snapshot(_metadata, self, &self->before);
			EXPECT_ROW(EINVAL, call(self, row, buf), row,
				   "size below the first version");
			EXPECT_UNCHANGED(row->name);
		}
		row_done(_metadata, self, row);
	}
}

TEST_F_TIMEOUT(uapi, ioctl_nonzero_tail, UAPI_TIMEOUT)
{
	unsigned int at[] = { 0, 7, TAIL - 1 };
	const struct ioctl_row *row;
	int i, j;

	for (i = 0; i < ARRAY_SIZE(ioctl_rows); i++) {
		row = &ioctl_rows[i];
		for (j = 0; j < ARRAY_SIZE(at); j++) {
			request(self, row, buf, row->size + TAIL);
			buf[row->size + at[j]] = 0x5a;
			snapshot(_metadata, self, &self->before);
			EXPECT_ROW(E2BIG, call(self, row, buf), row,
				   "non-zero byte past the struct");
			EXPECT_UNCHANGED(row->name);
		}
		row_done(_metadata, self, row);
	}
}

TEST_F_TIMEOUT(uapi, ioctl_unknown_flags, UAPI_TIMEOUT)
{
	const struct ioctl_row *row;
	int i, bit;

	for (i = 0; i < ARRAY_SIZE(ioctl_rows); i++) {
		row = &ioctl_rows[i];
		request(self, row, buf, row->size);
		snapshot(_metadata, self, &self->before);
		for (bit = 0; bit < 32; bit++) {
			if (row->flags_ok & (1U << bit))
				continue;
			request(self, row, buf, row->size);
			((struct clonedev_logout *)buf)->flags |= 1U << bit;
			EXPECT_ROW(EOPNOTSUPP, call(self, row, buf), row,
				   "unknown flag");
		}
		EXPECT_UNCHANGED(row->name);
		row_done(_metadata, self, row);
	}
}

TEST_F_TIMEOUT(uapi, ioctl_reserved_nonzero, UAPI_TIMEOUT)
{
	const struct ioctl_row *row;
	const struct field *f;
	unsigned int at[2];
	int i, j;

	for (i = 0; i < ARRAY_SIZE(ioctl_rows); i++) {
		row = &ioctl_rows[i];
		for (f = row->reserved; f->len; f++) {
			at[0] = f->off;
			at[1] = f->off + f->len - 1;
			for (j = 0; j < 2; j++) {
				request(self, row, buf, row->size);
				buf[at[j]] = 0x01;
				snapshot(_metadata, self, &self->before);
				EXPECT_ROW(EINVAL, call(self, row, buf), row,
					   "non-zero reserved byte");
				EXPECT_UNCHANGED(row->name);
			}
		}
		row_done(_metadata, self, row);
	}
}

TEST_F_TIMEOUT(uapi, ioctl_bad_pointer, UAPI_TIMEOUT)
{
	long page = sysconf(_SC_PAGESIZE);
	const struct ioctl_row *row;
	unsigned char *map, *edge;
	int i;

	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, munmap(map + page, page));
	/* size and flags readable, the rest of the struct unmapped */
	edge = map + page - 8;

	for (i = 0; i < ARRAY_SIZE(ioctl_rows); i++) {
		row = &ioctl_rows[i];
		request(self, row, buf, row->size + 8);
		memcpy(edge, buf, 8);
		snapshot(_metadata, self, &self->before);
		EXPECT_ROW(EFAULT, call(self, row, NULL), row, "NULL");
		EXPECT_ROW(EFAULT, call(self, row, map + page), row,
			   "unmapped page");
		EXPECT_ROW(EFAULT, call(self, row, edge), row,
			   "struct across the end of the mapping");
		EXPECT_UNCHANGED(row->name);
		row_done(_metadata, self, row);
	}
	munmap(map, page);
}

/* Generic netlink */

/**
 * struct nl_row - one request of the generic netlink family
 * @name: the command, for the log
 * @cmd: its number
 * @flags: NLM_F_DUMP for the dump, else 0
 * @maxattr: the last attribute its policy knows
 * @known: an attribute its policy knows that is a u32 (0: none)
 * @unknown: an attribute below @maxattr its policy does not know (0: none)
 * @required: the attribute it cannot do without (0: none)
 * @missing_msg: the extended ack when @required is missing
 */
struct nl_row {
	const char *name;
	int cmd;
	int flags;
	unsigned int maxattr;
	unsigned int known;
	unsigned int unknown;
	unsigned int required;
	const char *missing_msg;
};

static const struct nl_row nl_rows[] = {
	{
		.name = "HSM_GET", .cmd = CLONEDEV_CMD_HSM_GET,
		.maxattr = CLONEDEV_A_SLOT_ID,
		.unknown = CLONEDEV_A_HSM_VERSION,
	},
	{
		.name = "SLOT_GET", .cmd = CLONEDEV_CMD_SLOT_GET,
		.maxattr = CLONEDEV_A_SLOT_ID, .known = CLONEDEV_A_SLOT_ID,
		.unknown = CLONEDEV_A_HSM_PROTOCOLS,
		.required = CLONEDEV_A_SLOT_ID,
		.missing_msg = "missing attribute CLONEDEV_A_SLOT_ID (the slot number)",
	},
	{
		.name = "SLOT_GET dump", .cmd = CLONEDEV_CMD_SLOT_GET,
		.flags = NLM_F_DUMP,
		.maxattr = CLONEDEV_A_SLOT_ID, .known = CLONEDEV_A_SLOT_ID,
		.unknown = CLONEDEV_A_HSM_PROTOCOLS,
	},
	{
		.name = "PARTITION_CREATE", .cmd = CLONEDEV_CMD_PARTITION_CREATE,
		.maxattr = CLONEDEV_A_SLOT_PROTOCOL_LEVEL,
		.known = CLONEDEV_A_SLOT_AUTH,
		.unknown = CLONEDEV_A_SLOT_SERIAL,
		.required = CLONEDEV_A_SLOT_LABEL,
		.missing_msg = "missing attribute CLONEDEV_A_SLOT_LABEL (the partition label)",
	},
	{
		.name = "PARTITION_DELETE", .cmd = CLONEDEV_CMD_PARTITION_DELETE,
		.maxattr = CLONEDEV_A_SLOT_ID, .known = CLONEDEV_A_SLOT_ID,
		.unknown = CLONEDEV_A_HSM_FLAGS,
		.required = CLONEDEV_A_SLOT_ID,
		.missing_msg = "missing attribute CLONEDEV_A_SLOT_ID (the slot number)",
	},
};

/* The row's well-formed request: its required attribute, unless @skip. */
static struct nl_msg *nl_request(struct _test_data_uapi *self,
				 const struct nl_row *row, unsigned int skip)
{
	struct nl_msg *msg = clonedev_nl_msg(self->nl, row->cmd, row->flags);

	if (!msg || !row->required || row->required == skip)
		return msg;
	if (row->required == CLONEDEV_A_SLOT_LABEL)
		nla_put_string(msg, CLONEDEV_A_SLOT_LABEL, "uapi");
	else
		nla_put_u32(msg, row->required, self->ctx.slot);
	return msg;
}

/* Sends @msg; expects -EINVAL and the extended ack @ack ("": any). */
static void nl_reject_missing(struct __test_metadata *_metadata,
			      struct _test_data_uapi *self,
			      const struct nl_row *row, struct nl_msg *msg,
			      const char *ack, unsigned int missing,
			      const char *what)
{
	unsigned int got_missing = 0;
	const char *got;

	ASSERT_NE(NULL, msg);
	snapshot(_metadata, self, &self->before);
	EXPECT_ROW(EINVAL, -clonedev_nl_transact(self->nl, msg, NULL, NULL),
		   row, what);
	got = clonedev_nl_error(self->nl, &got_missing);
	EXPECT_EQ(missing, got_missing);
	if (*ack && strcmp(ack, got))
		TH_LOG("%s: %s: ack \"%s\", expected \"%s\"", row->name, what,
		       got, ack);
	/* The ack given, or (ack "") any ack at all. */
	EXPECT_EQ(0, *ack ? strcmp(ack, got) : !strlen(got));
	EXPECT_UNCHANGED(row->name);
}

#define nl_reject(_metadata, self, row, msg, ack, what)		\
	nl_reject_missing(_metadata, self, row, msg, ack, 0, what)

/*
 * The well-formed requests that change nothing succeed; those that do
 * (create, delete) are the ones the other tests reject.
 */
TEST_F(uapi, nl_table_complete)
{
	int i;

	EXPECT_EQ(CLONEDEV_CMD_PARTITION_DELETE, CLONEDEV_CMD_MAX - 2);
	for (i = 0; i < ARRAY_SIZE(nl_rows); i++) {
		if (nl_rows[i].cmd == CLONEDEV_CMD_PARTITION_CREATE ||
		    nl_rows[i].cmd == CLONEDEV_CMD_PARTITION_DELETE)
			continue;
		EXPECT_ROW(0, -clonedev_nl_transact(self->nl,
						    nl_request(self, &nl_rows[i], 0),
						    NULL, NULL),
			   &nl_rows[i], "well-formed request");
	}
}

TEST_F(uapi, nl_unknown_attribute)
{
	const struct nl_row *row;
	struct nl_msg *msg;
	int i;

	for (i = 0; i < ARRAY_SIZE(nl_rows); i++) {
		row = &nl_rows[i];
		msg = nl_request(self, row, 0);
		ASSERT_NE(NULL, msg);
		ASSERT_EQ(0, nla_put_u32(msg, row->maxattr + 1, 1));
		/* HSM_GET's generated policy takes no attribute at all. */
		nl_reject(_metadata, self, row, msg,
			  row == &nl_rows[0] ? "Unsupported attribute" :
					       "Unknown attribute type",
			  "attribute past the policy");

		msg = nl_request(self, row, 0);
		ASSERT_NE(NULL, msg);
		ASSERT_EQ(0, nla_put_u32(msg, 200, 1));
		nl_reject(_metadata, self, row, msg, "Unknown attribute type",
			  "attribute 200");

		msg = nl_request(self, row, 0);
		ASSERT_NE(NULL, msg);
		ASSERT_EQ(0, nla_put_u32(msg, row->unknown, 1));
		nl_reject(_metadata, self, row, msg, "Unsupported attribute",
			  "attribute the command does not take");
	}
}

TEST_F(uapi, nl_wrong_attribute_length)
{
	const struct nl_row *row;
	struct nl_msg *msg;
	int i;

	for (i = 0; i < ARRAY_SIZE(nl_rows); i++) {
		row = &nl_rows[i];
		if (!row->known)
			continue;
		msg = nl_request(self, row, row->known);
		ASSERT_NE(NULL, msg);
		ASSERT_EQ(0, nla_put_u8(msg, row->known, 1));
		nl_reject(_metadata, self, row, msg, "invalid attribute length",
			  "u8 for a u32");

		msg = nl_request(self, row, row->known);
		ASSERT_NE(NULL, msg);
		ASSERT_EQ(0, nla_put_u64(msg, row->known, 1));
		nl_reject(_metadata, self, row, msg, "invalid attribute length",
			  "u64 for a u32");
	}
}

/*
 * HSM_GET takes no attribute at all, not even the slot number: its policy,
 * generated from the spec, has none.
 */
TEST_F(uapi, nl_rejected_attribute)
{
	struct nl_msg *msg = nl_request(self, &nl_rows[0], 0);

	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, nla_put_u32(msg, CLONEDEV_A_SLOT_ID, 1));
	nl_reject(_metadata, self, &nl_rows[0], msg,
		  "Unsupported attribute", "slot number");
}

/* The label must be a NUL-terminated string of at most 32 characters. */
TEST_F(uapi, nl_label_type)
{
	const struct nl_row *row = &nl_rows[3];
	char label[40];
	struct nl_msg *msg;

	msg = nl_request(self, row, CLONEDEV_A_SLOT_LABEL);
	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, nla_put(msg, CLONEDEV_A_SLOT_LABEL, 4, "uapi"));
	nl_reject(_metadata, self, row, msg,
		  "Attribute failed policy validation", "no NUL");

	memset(label, 'a', sizeof(label));
	label[sizeof(label) - 1] = 0;
	msg = nl_request(self, row, CLONEDEV_A_SLOT_LABEL);
	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, nla_put_string(msg, CLONEDEV_A_SLOT_LABEL, label));
	nl_reject(_metadata, self, row, msg,
		  "Attribute failed policy validation", "39 characters");
}

TEST_F(uapi, nl_missing_attribute)
{
	const struct nl_row *row;
	int i;

	for (i = 0; i < ARRAY_SIZE(nl_rows); i++) {
		row = &nl_rows[i];
		if (!row->required)
			continue;
		nl_reject_missing(_metadata, self, row,
				  nl_request(self, row, row->required),
				  row->missing_msg, row->required,
				  "required attribute missing");
	}
}

TEST_HARNESS_MAIN
