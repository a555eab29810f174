// SPDX-License-Identifier: GPL-2.0
/*
 * clonedev-bench-softhsm: a peer figure for the clone throughput of make
 * bench. It measures moving AES-256 keys between two SoftHSMv2 tokens the
 * way SoftHSM's maintainers recommend: wrap each key under a key-encryption
 * key both tokens hold (C_WrapKey), unwrap it on the target (C_UnwrapKey).
 * make bench runs it in the VM beside clonedev's own figures.
 *
 * The caller points SOFTHSM2_CONF at a configuration whose tokendir is
 * writable and preferably empty, for instance:
 *
 *	mkdir -p /tmp/shbench/tokens
 *	printf '%s\n' 'directories.tokendir = /tmp/shbench/tokens' \
 *		'objectstore.backend = file' 'log.level = ERROR' \
 *		>/tmp/shbench/softhsm2.conf
 *	SOFTHSM2_CONF=/tmp/shbench/softhsm2.conf clonedev-bench-softhsm 1000
 *
 * and removes the tokendir afterwards. The program initializes two fresh
 * tokens on free slots ("bench-src" and "bench-dst"), logs in as user on
 * both and creates the same AES-256 key-encryption key on both from one
 * random value. Then, for each size N:
 *  - it generates N AES-256 token keys on the source (timed, not the
 *    figure);
 *  - it moves them into session objects on the target, for comparison
 *    (move_session_per_s): per key, read CKA_LABEL and CKA_ID, C_WrapKey
 *    with CKM_AES_KEY_WRAP_PAD (RFC 5649), or CKM_AES_KEY_WRAP if the
 *    tokens lack it, and C_UnwrapKey on the target;
 *  - it moves them again, into token objects: the figure, persistent
 *    objects like a clonedev clone (a file each, though SoftHSM does not
 *    fsync them);
 *  - it checks the first, middle and last key of each move by the check
 *    value (the first 3 bytes of a zero block encrypted with CKM_AES_ECB)
 *    on both tokens, and destroys the moved keys (and, before another
 *    size, the source keys).
 * Prints one JSON object per line; exits 1 on any PKCS#11 error.
 *
 * SoftHSM destroys a token object in time linear in the objects on the
 * token (it rescans the token directory), so the clean-up after N = 10,000
 * takes about half an hour; the figures leave it out, and after the last
 * size the keys stay for the caller to remove with the token directory
 * (tools/scripts/bench runs one size per token directory).
 *
 * Build with -I/usr/include/p11-kit-1 (libp11-kit-dev) and -ldl: the
 * program does not link against SoftHSM, it dlopen()s the module.
 *
 * Usage: clonedev-bench-softhsm [--module PATH] N...
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PROG		"clonedev-bench-softhsm"
#define MODULE		"/usr/lib/softhsm/libsofthsm2.so"
#define SO_PIN		"bench-so"
#define USER_PIN	"bench-user"
#define MAX_SLOTS	256
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#include "p11.h"

static CK_FUNCTION_LIST_PTR p11;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS secret = CKO_SECRET_KEY;
static CK_KEY_TYPE aes = CKK_AES;

struct token {
	const char *label;
	unsigned char serial[16];
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE s;
};

static void *zalloc(size_t n)
{
	void *p = calloc(n, 1);

	if (!p)
		die("out of memory");
	return p;
}

/* The slots with a token, and how many there are. */
static CK_ULONG slots(CK_SLOT_ID *ids)
{
	CK_ULONG n = MAX_SLOTS;

	ck(p11->C_GetSlotList(CK_TRUE, ids, &n), "C_GetSlotList");
	return n;
}

static int initialized(CK_SLOT_ID slot, CK_TOKEN_INFO *ti)
{
	ck(p11->C_GetTokenInfo(slot, ti), "C_GetTokenInfo");
	return !!(ti->flags & CKF_TOKEN_INITIALIZED);
}

/* The label blank-padded to 32 bytes, as in CK_TOKEN_INFO. */
static void pad32(unsigned char *dst, const char *label)
{
	size_t len = strlen(label);

	memset(dst, ' ', 32);
	memcpy(dst, label, len < 32 ? len : 32);
}

/*
 * Initializes a token on the free slot. SoftHSM offers one free slot and
 * reads the tokendir only in C_Initialize, so start it again to see the
 * new token (and a new free slot), then tell the new token by its serial
 * number: the one with this label that was not there before.
 */
static void init_token(struct token *t)
{
	unsigned char label[32], old[MAX_SLOTS][16];
	CK_SLOT_ID ids[MAX_SLOTS], free_slot = 0;
	CK_ULONG n, nold = 0, i, j;
	int found = 0;
	CK_TOKEN_INFO ti;

	pad32(label, t->label);
	n = slots(ids);
	for (i = 0; i < n; i++) {
		if (initialized(ids[i], &ti)) {
			memcpy(old[nold++], ti.serialNumber, 16);
		} else if (!found) {
			free_slot = ids[i];
			found = 1;
		}
	}
	if (!found)
		die("no free slot for a new token");
	ck(p11->C_InitToken(free_slot, (CK_UTF8CHAR_PTR)SO_PIN,
			    strlen(SO_PIN), label), "C_InitToken");
	ck(p11->C_Finalize(NULL), "C_Finalize");
	p11_initialize(p11);

	n = slots(ids);
	for (i = 0; i < n; i++) {
		if (!initialized(ids[i], &ti) || memcmp(ti.label, label, 32))
			continue;
		for (j = 0; j < nold && memcmp(old[j], ti.serialNumber, 16);
		     j++)
			;
		if (j == nold) {
			memcpy(t->serial, ti.serialNumber, 16);
			return;
		}
	}
	die("the new token did not show up in the slot list");
}

/* Finds the token by its serial number, sets the user PIN, logs in. */
static void login(struct token *t)
{
	CK_SLOT_ID ids[MAX_SLOTS];
	CK_ULONG n, i;
	CK_TOKEN_INFO ti;

	n = slots(ids);
	for (i = 0; i < n; i++)
		if (initialized(ids[i], &ti) &&
		    !memcmp(ti.serialNumber, t->serial, 16))
			break;
	if (i == n)
		die("a new token went missing");
	t->slot = ids[i];
	ck(p11->C_OpenSession(t->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION,
			      NULL, NULL, &t->s), "C_OpenSession");
	p11_user_login(p11, t->s, SO_PIN, USER_PIN);
}

/* Creates the same AES-256 key-encryption key on both tokens. */
static void create_kek(struct token *src, struct token *dst,
		       CK_OBJECT_HANDLE *ksrc, CK_OBJECT_HANDLE *kdst)
{
	unsigned char value[32];
	char label[] = "bench-kek";
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &secret, sizeof(secret) },
		{ CKA_KEY_TYPE, &aes, sizeof(aes) },
		{ CKA_TOKEN, &yes, sizeof(yes) },
		{ CKA_PRIVATE, &yes, sizeof(yes) },
		{ CKA_SENSITIVE, &yes, sizeof(yes) },
		{ CKA_EXTRACTABLE, &no, sizeof(no) },
		{ CKA_WRAP, &yes, sizeof(yes) },
		{ CKA_UNWRAP, &yes, sizeof(yes) },
		{ CKA_LABEL, label, strlen(label) },
		{ CKA_VALUE, value, sizeof(value) },
	};
	CK_ULONG n = ARRAY_SIZE(tmpl);

	ck(p11->C_GenerateRandom(src->s, value, sizeof(value)),
	   "C_GenerateRandom");
	ck(p11->C_CreateObject(src->s, tmpl, n, ksrc), "C_CreateObject");
	ck(p11->C_CreateObject(dst->s, tmpl, n, kdst), "C_CreateObject");
	explicit_bzero(value, sizeof(value));
}

static int wraps(struct token *t, CK_MECHANISM_TYPE m, CK_FLAGS need)
{
	CK_MECHANISM_INFO mi;
	CK_RV rv = p11->C_GetMechanismInfo(t->slot, m, &mi);

	if (rv == CKR_MECHANISM_INVALID)
		return 0;
	ck(rv, "C_GetMechanismInfo");
	return (mi.flags & need) == need;
}

static void generate(struct token *t, unsigned int n, CK_OBJECT_HANDLE *h)
{
	CK_MECHANISM m = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_ULONG len = 32;
	char label[32];
	unsigned int i;
	CK_ULONG id;
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &secret, sizeof(secret) },
		{ CKA_KEY_TYPE, &aes, sizeof(aes) },
		{ CKA_VALUE_LEN, &len, sizeof(len) },
		{ CKA_TOKEN, &yes, sizeof(yes) },
		{ CKA_PRIVATE, &yes, sizeof(yes) },
		{ CKA_SENSITIVE, &yes, sizeof(yes) },
		{ CKA_EXTRACTABLE, &yes, sizeof(yes) },
		{ CKA_ENCRYPT, &yes, sizeof(yes) },
		{ CKA_LABEL, label, 0 },
		{ CKA_ID, &id, sizeof(id) },
	};

	for (i = 0; i < n; i++) {
		id = i;
		tmpl[8].ulValueLen = snprintf(label, sizeof(label),
					      "bench-%u", i);
		ck(p11->C_GenerateKey(t->s, &m, tmpl, ARRAY_SIZE(tmpl), &h[i]),
		   "C_GenerateKey");
	}
}

/*
 * Moves n keys from src to dst: reads each key's label and id, wraps it
 * under the source KEK and unwraps it under the target KEK into an object
 * with the same label and id, a token object if token is true.
 */
static void move(struct token *src, struct token *dst, CK_MECHANISM_TYPE mech,
		 CK_OBJECT_HANDLE ksrc, CK_OBJECT_HANDLE kdst, unsigned int n,
		 const CK_OBJECT_HANDLE *from, CK_OBJECT_HANDLE *to,
		 CK_BBOOL token)
{
	CK_MECHANISM m = { mech, NULL, 0 };
	unsigned char label[64], id[64], wrapped[64];
	CK_ATTRIBUTE get[] = {
		{ CKA_LABEL, label, 0 },
		{ CKA_ID, id, 0 },
	};
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &secret, sizeof(secret) },
		{ CKA_KEY_TYPE, &aes, sizeof(aes) },
		{ CKA_TOKEN, &token, sizeof(token) },
		{ CKA_PRIVATE, &yes, sizeof(yes) },
		{ CKA_SENSITIVE, &yes, sizeof(yes) },
		{ CKA_EXTRACTABLE, &yes, sizeof(yes) },
		{ CKA_ENCRYPT, &yes, sizeof(yes) },
		{ CKA_LABEL, label, 0 },
		{ CKA_ID, id, 0 },
	};
	CK_ULONG len;
	unsigned int i;

	for (i = 0; i < n; i++) {
		get[0].ulValueLen = sizeof(label);
		get[1].ulValueLen = sizeof(id);
		ck(p11->C_GetAttributeValue(src->s, from[i], get, 2),
		   "C_GetAttributeValue");
		tmpl[7].ulValueLen = get[0].ulValueLen;
		tmpl[8].ulValueLen = get[1].ulValueLen;
		len = sizeof(wrapped);
		ck(p11->C_WrapKey(src->s, &m, ksrc, from[i], wrapped, &len),
		   "C_WrapKey");
		ck(p11->C_UnwrapKey(dst->s, &m, kdst, wrapped, len, tmpl,
				    ARRAY_SIZE(tmpl), &to[i]),
		   "C_UnwrapKey");
	}
}

/* The first 3 bytes of a zero block encrypted with the key. */
static void check_value(struct token *t, CK_OBJECT_HANDLE key,
			unsigned char kcv[3])
{
	CK_MECHANISM m = { CKM_AES_ECB, NULL, 0 };
	unsigned char zero[16] = { 0 }, out[16];
	CK_ULONG len = sizeof(out);

	ck(p11->C_EncryptInit(t->s, &m, key), "C_EncryptInit");
	ck(p11->C_Encrypt(t->s, zero, sizeof(zero), out, &len), "C_Encrypt");
	memcpy(kcv, out, 3);
}

/* Checks the first, middle and last moved key. */
static void verify(struct token *src, struct token *dst, unsigned int n,
		   const CK_OBJECT_HANDLE *from, const CK_OBJECT_HANDLE *to)
{
	unsigned int sample[] = { 0, n / 2, n - 1 }, i;
	unsigned char a[3], b[3];

	for (i = 0; i < 3; i++) {
		check_value(src, from[sample[i]], a);
		check_value(dst, to[sample[i]], b);
		if (memcmp(a, b, 3)) {
			fprintf(stderr, PROG ": key %u: check value %02x%02x%02x on the source, %02x%02x%02x on the target\n",
				sample[i], a[0], a[1], a[2], b[0], b[1], b[2]);
			exit(1);
		}
	}
}

static void destroy(struct token *t, unsigned int n, const CK_OBJECT_HANDLE *h)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		ck(p11->C_DestroyObject(t->s, h[i]), "C_DestroyObject");
}

/*
 * One size. After the @last size the token keys stay: the caller removes
 * the token directory, which is far quicker than SoftHSM's destroys.
 */
static void measure(struct token *src, struct token *dst,
		    CK_MECHANISM_TYPE mech, const char *mech_name,
		    CK_OBJECT_HANDLE ksrc, CK_OBJECT_HANDLE kdst,
		    unsigned int n, bool last)
{
	CK_OBJECT_HANDLE *from = zalloc(n * sizeof(*from));
	CK_OBJECT_HANDLE *to = zalloc(n * sizeof(*to));
	double generate_s, move_s, session_s, t;

	t = now();
	generate(src, n, from);
	generate_s = now() - t;

	t = now();
	move(src, dst, mech, ksrc, kdst, n, from, to, CK_FALSE);
	session_s = now() - t;
	verify(src, dst, n, from, to);
	destroy(dst, n, to);

	t = now();
	move(src, dst, mech, ksrc, kdst, n, from, to, CK_TRUE);
	move_s = now() - t;
	verify(src, dst, n, from, to);
	if (!last) {
		destroy(dst, n, to);
		destroy(src, n, from);
	}

	printf("{\"peer\":\"softhsm2\",\"objects\":%u,\"generate_s\":%.3f,\"move_s\":%.3f,\"move_per_s\":%.1f,\"move_session_per_s\":%.1f,\"wrap_mechanism\":\"%s\"}\n",
	       n, generate_s, move_s, n / move_s, n / session_s, mech_name);
	fflush(stdout);
	free(from);
	free(to);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "module", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	struct token src = { .label = "bench-src" };
	struct token dst = { .label = "bench-dst" };
	const char *module = MODULE, *mech_name;
	CK_OBJECT_HANDLE ksrc, kdst;
	CK_MECHANISM_TYPE mech;
	void *lib;
	int c, i;

	while ((c = getopt_long(argc, argv, "m:", opts, NULL)) != -1) {
		if (c != 'm')
			goto usage;
		module = optarg;
	}
	if (optind == argc)
		goto usage;
	for (i = optind; i < argc; i++)
		if (strtoul(argv[i], NULL, 10) == 0)
			goto usage;
	if (!getenv("SOFTHSM2_CONF"))
		die("set SOFTHSM2_CONF to a config with a writable tokendir");

	p11 = p11_load(module, &lib);
	init_token(&src);
	init_token(&dst);
	login(&src);
	login(&dst);
	create_kek(&src, &dst, &ksrc, &kdst);

	if (wraps(&src, CKM_AES_KEY_WRAP_PAD, CKF_WRAP) &&
	    wraps(&dst, CKM_AES_KEY_WRAP_PAD, CKF_UNWRAP)) {
		mech = CKM_AES_KEY_WRAP_PAD;
		mech_name = "CKM_AES_KEY_WRAP_PAD";
	} else if (wraps(&src, CKM_AES_KEY_WRAP, CKF_WRAP) &&
		   wraps(&dst, CKM_AES_KEY_WRAP, CKF_UNWRAP)) {
		mech = CKM_AES_KEY_WRAP;
		mech_name = "CKM_AES_KEY_WRAP";
	} else {
		die("the tokens support neither CKM_AES_KEY_WRAP_PAD nor CKM_AES_KEY_WRAP");
	}

	for (i = optind; i < argc; i++)
		measure(&src, &dst, mech, mech_name, ksrc, kdst,
			(unsigned int)strtoul(argv[i], NULL, 10),
			i == argc - 1);

	ck(p11->C_CloseAllSessions(src.slot), "C_CloseAllSessions");
	ck(p11->C_CloseAllSessions(dst.slot), "C_CloseAllSessions");
	ck(p11->C_Finalize(NULL), "C_Finalize");
	return 0;

usage:
	fprintf(stderr, "usage: " PROG " [--module PATH] N...\n");
	return 2;
}
