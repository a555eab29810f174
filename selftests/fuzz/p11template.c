// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the PKCS#11 module's attribute templates
 * (tools/pkcs11/object.c, included here so its static functions are
 * called as the module calls them), read into the request the module
 * sends to the kernel. The library's ioctl() is __wrap_ioctl() below
 * (the link's --wrap=ioctl): it keeps a copy of the request and fails it
 * with ENOTTY, which the module reports as CKR_DEVICE_ERROR, so nothing
 * reaches a device and a template the module sent is told from one it
 * refused. The first input byte picks the call:
 *   0  C_CreateObject (create_locked()),
 *   1  C_GenerateKey (generate_locked()),
 *   2  C_GenerateKeyPair (generate_pair_locked()), two templates,
 *   3  the template of a key C_DeriveKey or C_UnwrapKey makes
 *      (p11_newkey_read()),
 *   4  C_SetAttributeValue (set_template()) on an object of the input,
 *   5  C_GetAttributeValue (attrs_get()) on an object of the input, then
 *      C_FindObjectsInit's match (matches()) with what it read.
 * The second byte holds the session's read/write flag and the mechanism;
 * then the object, for 4 and 5, and the template's entries: a type (one
 * of a table, or four bytes of any), a length and that many bytes. Each
 * pValue is a heap block of exactly ulValueLen bytes, so AddressSanitizer
 * stops any read past it (but for a CKA_VALUE whose ulValueLen passes
 * 4 GiB, one a template, which nothing may read).
 *
 * The contract checked: an attribute type the module does not know is
 * CKR_ATTRIBUTE_TYPE_INVALID, a NULL pValue with a length
 * CKR_ATTRIBUTE_VALUE_INVALID, and any refusal one of the template errors
 * with nothing sent. A request sent is the template's: its label and id,
 * the value's pointer and length, a key type and size the template and
 * mechanism name, the flags each boolean attribute asks for (keys always
 * private and sensitive), a token object only from a read/write session.
 * C_SetAttributeValue only clears flags the object has; C_GetAttributeValue
 * never gives a secret's value, writes no more than ulValueLen, and what
 * it gives, as a C_FindObjectsInit template, matches the object.
 */
#include <stdarg.h>
#include <stdint.h>

#include "object.c"
#include "fuzz.h"

#define TEMPLATE_MAX	24
#define HUGE_LEN	0x100000000UL

/* The requests the library made since the last reset. */
static struct {
	unsigned int n;
	unsigned long req;
	union {
		__u32 size;
		struct clonedev_object_create create;
		struct clonedev_object_import import;
		struct clonedev_object_generate generate;
		unsigned char raw[512];
	} arg;
} sent;

int __wrap_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;
	__u32 size;

	(void)fd;
	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	sent.n++;
	sent.req = req;
	memcpy(&size, arg, sizeof(size));
	memset(sent.arg.raw, 0, sizeof(sent.arg.raw));
	memcpy(sent.arg.raw, arg,
	       size < sizeof(sent.arg.raw) ? size : sizeof(sent.arg.raw));
	errno = ENOTTY;
	return -1;
}

static const CK_ATTRIBUTE_TYPE types[] = {
	CKA_CLASS, CKA_KEY_TYPE, CKA_TOKEN, CKA_PRIVATE, CKA_LABEL, CKA_ID,
	CKA_MODIFIABLE, CKA_SENSITIVE, CKA_EXTRACTABLE, CKA_ENCRYPT,
	CKA_DECRYPT, CKA_SIGN, CKA_VERIFY, CKA_DERIVE, CKA_WRAP, CKA_UNWRAP,
	CKA_SIGN_RECOVER, CKA_VERIFY_RECOVER, CKA_VALUE, CKA_VALUE_LEN,
	CKA_EC_PARAMS, CKA_COPYABLE, CKA_DESTROYABLE, CKA_WRAP_WITH_TRUSTED,
	CKA_TRUSTED, CKA_ALWAYS_AUTHENTICATE, CKA_MODULUS_BITS,
	CKA_PUBLIC_EXPONENT, CKA_EC_POINT, CKA_MODULUS, CKA_CLONEDEV_OUID,
	CKA_CHECK_VALUE, CKA_NEVER_EXTRACTABLE, CKA_ALWAYS_SENSITIVE,
	CKA_LOCAL, CKA_APPLICATION, CKA_START_DATE, CKA_KEY_GEN_MECHANISM,
};

/* The boolean attributes behind object flags. */
static const struct {
	CK_ATTRIBUTE_TYPE type;
	unsigned int flag;
} flag_attrs[] = {
	{ CKA_PRIVATE, CLONEDEV_OBJ_PRIVATE },
	{ CKA_SENSITIVE, CLONEDEV_OBJ_SENSITIVE },
	{ CKA_EXTRACTABLE, CLONEDEV_OBJ_EXTRACTABLE },
	{ CKA_MODIFIABLE, CLONEDEV_OBJ_MODIFIABLE },
	{ CKA_ENCRYPT, CLONEDEV_OBJ_ENCRYPT },
	{ CKA_DECRYPT, CLONEDEV_OBJ_DECRYPT },
	{ CKA_SIGN, CLONEDEV_OBJ_SIGN },
	{ CKA_VERIFY, CLONEDEV_OBJ_VERIFY },
	{ CKA_DERIVE, CLONEDEV_OBJ_DERIVE },
	{ CKA_WRAP, CLONEDEV_OBJ_WRAP },
	{ CKA_UNWRAP, CLONEDEV_OBJ_UNWRAP },
};

static const CK_ATTRIBUTE_TYPE false_attrs[] = {
	CKA_SIGN_RECOVER, CKA_VERIFY_RECOVER, CKA_COPYABLE,
	CKA_WRAP_WITH_TRUSTED, CKA_TRUSTED, CKA_ALWAYS_AUTHENTICATE,
};

struct input {
	const unsigned char *p;
	size_t n;
};

static unsigned int byte(struct input *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

/*
 * One template from @in, up to an entry type of 0xff or the end: its
 * entries into @t, their count returned.
 */
static unsigned long read_template(struct input *in, CK_ATTRIBUTE *t)
{
	unsigned long n = 0;
	bool huge = false;

	while (in->n && n < TEMPLATE_MAX) {
		unsigned int sel = byte(in), code, i;
		CK_ATTRIBUTE *a = &t[n];
		size_t room;

		if (sel == 0xff)
			break;
		if (sel % (ARRAY_SIZE(types) + 1) < ARRAY_SIZE(types)) {
			a->type = types[sel % (ARRAY_SIZE(types) + 1)];
		} else {
			a->type = byte(in);
			for (i = 0; i < 3; i++)
				a->type = a->type << 8 | byte(in);
		}
		code = byte(in);
		a->pValue = NULL;
		if (code == 0xfd) {
			a->ulValueLen = 0;
		} else if (code == 0xfe) {
			a->ulValueLen = 1 + byte(in);
		} else if (code == 0xfc) {
			/* A CK_ULONG, from one byte. */
			CK_ULONG v = byte(in);

			a->ulValueLen = sizeof(v);
			a->pValue = malloc(sizeof(v));
			if (a->pValue)
				memcpy(a->pValue, &v, sizeof(v));
		} else {
			room = code;
			a->ulValueLen = code;
			if (code == 0xff && a->type == CKA_VALUE && !huge) {
				huge = true;
				room = byte(in);
				a->ulValueLen = HUGE_LEN + room;
			}
			a->pValue = malloc(room ? room : 1);
			for (i = 0; a->pValue && i < room; i++)
				((unsigned char *)a->pValue)[i] = byte(in);
		}
		if (code != 0xfd && code != 0xfe && !a->pValue)
			break;
		n++;
	}
	return n;
}

static void free_template(CK_ATTRIBUTE *t, unsigned long n)
{
	while (n--)
		free(t[n].pValue);
}

static const CK_ATTRIBUTE *first(const CK_ATTRIBUTE *t, unsigned long n,
				 CK_ATTRIBUTE_TYPE type)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		if (t[i].type == type)
			return &t[i];
	return NULL;
}

/* The CK_BBOOL of @type: -1 if absent, -2 if not a CK_BBOOL of 0 or 1. */
static int bool_of(const CK_ATTRIBUTE *t, unsigned long n,
		   CK_ATTRIBUTE_TYPE type)
{
	const CK_ATTRIBUTE *a = first(t, n, type);
	CK_BBOOL v;

	if (!a)
		return -1;
	if (!a->pValue || a->ulValueLen != sizeof(v))
		return -2;
	memcpy(&v, a->pValue, sizeof(v));
	return v > 1 ? -2 : v;
}

/* The CK_ULONG of @type: false if absent or not one. */
static bool ulong_of(const CK_ATTRIBUTE *t, unsigned long n,
		     CK_ATTRIBUTE_TYPE type, CK_ULONG *v)
{
	const CK_ATTRIBUTE *a = first(t, n, type);

	if (!a || !a->pValue || a->ulValueLen != sizeof(*v))
		return false;
	memcpy(v, a->pValue, sizeof(*v));
	return true;
}

/* What the entries alone refuse, the first in order: 0 if nothing. */
static CK_RV entry_error(const CK_ATTRIBUTE *t, unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++) {
		if (!known_attr(t[i].type))
			return CKR_ATTRIBUTE_TYPE_INVALID;
		if (!t[i].pValue && t[i].ulValueLen)
			return CKR_ATTRIBUTE_VALUE_INVALID;
	}
	return CKR_OK;
}

static bool template_error(CK_RV rv)
{
	return rv == CKR_ATTRIBUTE_VALUE_INVALID ||
	       rv == CKR_ATTRIBUTE_TYPE_INVALID ||
	       rv == CKR_TEMPLATE_INCONSISTENT ||
	       rv == CKR_TEMPLATE_INCOMPLETE || rv == CKR_ARGUMENTS_BAD ||
	       rv == CKR_SESSION_READ_ONLY;
}

/* @label (NUL-terminated) is the template's CKA_LABEL, or empty. */
static void check_label(const char *label, const CK_ATTRIBUTE *t,
			unsigned long n)
{
	const CK_ATTRIBUTE *a = first(t, n, CKA_LABEL);

	FUZZ_CHECK(strnlen(label, CLONEDEV_LABEL_LEN) < CLONEDEV_LABEL_LEN);
	if (a)
		FUZZ_CHECK(a->ulValueLen < CLONEDEV_LABEL_LEN &&
			   strlen(label) == a->ulValueLen &&
			   (!a->ulValueLen ||
			    !memcmp(label, a->pValue, a->ulValueLen)));
	else
		FUZZ_CHECK(!label[0]);
}

static void check_id(const unsigned char *id, unsigned int id_len,
		     const CK_ATTRIBUTE *t, unsigned long n)
{
	const CK_ATTRIBUTE *a = first(t, n, CKA_ID);

	FUZZ_CHECK(id_len <= CLONEDEV_ID_MAX);
	if (a)
		FUZZ_CHECK(id_len == a->ulValueLen &&
			   (!id_len || !memcmp(id, a->pValue, id_len)));
	else
		FUZZ_CHECK(!id_len);
}

/* Whether @t gives a type twice with different values. */
static bool conflict(const CK_ATTRIBUTE *t, unsigned long n)
{
	unsigned long i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++)
			if (t[j].type == t[i].type &&
			    (t[j].ulValueLen != t[i].ulValueLen ||
			     (t[i].ulValueLen &&
			      memcmp(t[j].pValue, t[i].pValue,
				     t[i].ulValueLen))))
				return true;
	return false;
}

static void check_no_conflict(const CK_ATTRIBUTE *t, unsigned long n)
{
	FUZZ_CHECK(!conflict(t, n));
}

/* Template @t's booleans are well formed, its token one @rw allows. */
static void check_bools(const CK_ATTRIBUTE *t, unsigned long n, bool rw)
{
	unsigned int i;
	int v;

	for (i = 0; i < ARRAY_SIZE(flag_attrs); i++)
		FUZZ_CHECK(bool_of(t, n, flag_attrs[i].type) != -2);
	for (i = 0; i < ARRAY_SIZE(false_attrs); i++) {
		v = bool_of(t, n, false_attrs[i]);
		FUZZ_CHECK(v == -1 || v == 0);
	}
	v = bool_of(t, n, CKA_DESTROYABLE);
	FUZZ_CHECK(v == -1 || v == 1);
	v = bool_of(t, n, CKA_TOKEN);
	FUZZ_CHECK(v != -2 && (v != 1 || rw));
	check_no_conflict(t, n);
}

/* The flags @flags of a new object are what template @t asks for. */
static void check_flags(unsigned int flags, const CK_ATTRIBUTE *t,
			unsigned long n, bool key, bool rw)
{
	unsigned int i;

	check_bools(t, n, rw);
	for (i = 0; i < ARRAY_SIZE(flag_attrs); i++) {
		int v = bool_of(t, n, flag_attrs[i].type);

		if (key && (flag_attrs[i].flag & (CLONEDEV_OBJ_PRIVATE |
						  CLONEDEV_OBJ_SENSITIVE)))
			FUZZ_CHECK(flags & flag_attrs[i].flag);
		else if (v >= 0)
			FUZZ_CHECK(!!(flags & flag_attrs[i].flag) == v);
	}
	FUZZ_CHECK(!(flags & ~CLONEDEV_OBJ_FLAGS));
}

static void check_create(CK_RV rv, const CK_ATTRIBUTE *t, unsigned long n,
			 bool rw)
{
	const CK_ATTRIBUTE *val = first(t, n, CKA_VALUE);
	CK_ULONG cls = 0, kt = 0;
	const char *label;
	const __u8 *id;
	__u32 id_len;

	if (entry_error(t, n))
		FUZZ_CHECK(rv == entry_error(t, n));
	if (rv != CKR_DEVICE_ERROR) {
		FUZZ_CHECK(template_error(rv) && !sent.n);
		return;
	}
	FUZZ_CHECK(!entry_error(t, n) && sent.n == 1 && val);
	FUZZ_CHECK(ulong_of(t, n, CKA_CLASS, &cls));
	if (cls == CKO_DATA) {
		FUZZ_CHECK(sent.req == CLONEDEV_IOCTL_OBJECT_CREATE);
		FUZZ_CHECK(sent.arg.create.value == (uintptr_t)val->pValue &&
			   sent.arg.create.value_len == val->ulValueLen &&
			   val->ulValueLen <= CLONEDEV_DATA_MAX);
		label = sent.arg.create.label;
		id = sent.arg.create.id;
		id_len = sent.arg.create.id_len;
		check_flags(sent.arg.create.obj_flags, t, n, false, rw);
	} else {
		FUZZ_CHECK(cls == CKO_SECRET_KEY || cls == CKO_PRIVATE_KEY);
		FUZZ_CHECK(ulong_of(t, n, CKA_KEY_TYPE, &kt));
		FUZZ_CHECK(sent.req == CLONEDEV_IOCTL_OBJECT_IMPORT);
		FUZZ_CHECK(sent.arg.import.value == (uintptr_t)val->pValue &&
			   sent.arg.import.value_len == val->ulValueLen);
		if (cls == CKO_SECRET_KEY)
			FUZZ_CHECK(sent.arg.import.key_type ==
				   (kt == CKK_AES ? CLONEDEV_KEY_AES :
				    CLONEDEV_KEY_GENERIC_SECRET) &&
				   (kt == CKK_AES || kt == CKK_GENERIC_SECRET));
		else
			FUZZ_CHECK(kt == CKK_EC &&
				   (sent.arg.import.key_type ==
				    CLONEDEV_KEY_EC_P256 ||
				    sent.arg.import.key_type ==
				    CLONEDEV_KEY_EC_P384));
		label = sent.arg.import.label;
		id = sent.arg.import.id;
		id_len = sent.arg.import.id_len;
		check_flags(sent.arg.import.obj_flags, t, n, true, rw);
	}
	check_label(label, t, n);
	check_id(id, id_len, t, n);
}

static void check_generate(CK_RV rv, CK_MECHANISM_TYPE mech,
			   const CK_ATTRIBUTE *t, unsigned long n, bool rw)
{
	const struct clonedev_object_generate *g = &sent.arg.generate;
	CK_ULONG len = 0, cls, kt;

	if (mech != CKM_AES_KEY_GEN && mech != CKM_GENERIC_SECRET_KEY_GEN) {
		FUZZ_CHECK(rv == CKR_MECHANISM_INVALID && !sent.n);
		return;
	}
	if (entry_error(t, n))
		FUZZ_CHECK(rv == entry_error(t, n));
	if (rv != CKR_DEVICE_ERROR) {
		FUZZ_CHECK(template_error(rv) && !sent.n);
		return;
	}
	FUZZ_CHECK(!entry_error(t, n) && sent.n == 1);
	FUZZ_CHECK(sent.req == CLONEDEV_IOCTL_OBJECT_GENERATE);
	FUZZ_CHECK(!first(t, n, CKA_VALUE));
	FUZZ_CHECK(ulong_of(t, n, CKA_VALUE_LEN, &len) && g->bits == len * 8);
	if (mech == CKM_AES_KEY_GEN)
		FUZZ_CHECK(g->key_type == CLONEDEV_KEY_AES &&
			   (len == 16 || len == 24 || len == 32));
	else
		FUZZ_CHECK(g->key_type == CLONEDEV_KEY_GENERIC_SECRET &&
			   len >= 1 && len <= 512);
	if (first(t, n, CKA_CLASS))
		FUZZ_CHECK(ulong_of(t, n, CKA_CLASS, &cls) &&
			   cls == CKO_SECRET_KEY);
	if (first(t, n, CKA_KEY_TYPE))
		FUZZ_CHECK(ulong_of(t, n, CKA_KEY_TYPE, &kt) &&
			   kt == (mech == CKM_AES_KEY_GEN ? CKK_AES :
				  CKK_GENERIC_SECRET));
	check_flags(g->obj_flags, t, n, true, rw);
	check_label(g->label, t, n);
	check_id(g->id, g->id_len, t, n);
}

static void check_pair(CK_RV rv, CK_MECHANISM_TYPE mech,
		       const CK_ATTRIBUTE *pt, unsigned long pn,
		       const CK_ATTRIBUTE *vt, unsigned long vn, bool rw)
{
	const struct clonedev_object_generate *g = &sent.arg.generate;
	const CK_ATTRIBUTE *vl = first(vt, vn, CKA_LABEL);
	const CK_ATTRIBUTE *vi = first(vt, vn, CKA_ID);
	CK_ULONG bits;

	if (mech != CKM_EC_KEY_PAIR_GEN && mech != CKM_RSA_PKCS_KEY_PAIR_GEN) {
		FUZZ_CHECK(rv == CKR_MECHANISM_INVALID && !sent.n);
		return;
	}
	/* The public template is read first, conflicts and all. */
	if (entry_error(pt, pn))
		FUZZ_CHECK(rv == entry_error(pt, pn));
	else if (!conflict(pt, pn) && entry_error(vt, vn))
		FUZZ_CHECK(rv == entry_error(vt, vn));
	if (rv != CKR_DEVICE_ERROR) {
		FUZZ_CHECK((template_error(rv) || rv == CKR_KEY_SIZE_RANGE) &&
			   !sent.n);
		return;
	}
	FUZZ_CHECK(!entry_error(pt, pn) && !entry_error(vt, vn));
	FUZZ_CHECK(sent.n == 1 && sent.req == CLONEDEV_IOCTL_OBJECT_GENERATE);
	if (mech == CKM_RSA_PKCS_KEY_PAIR_GEN) {
		FUZZ_CHECK(g->key_type == CLONEDEV_KEY_RSA);
		FUZZ_CHECK(ulong_of(pt, pn, CKA_MODULUS_BITS, &bits) &&
			   g->bits == bits &&
			   (bits == 2048 || bits == 3072 || bits == 4096));
	} else {
		FUZZ_CHECK(g->key_type == CLONEDEV_KEY_EC_P256 ||
			   g->key_type == CLONEDEV_KEY_EC_P384);
		FUZZ_CHECK(first(pt, pn, CKA_EC_PARAMS) ||
			   first(vt, vn, CKA_EC_PARAMS));
	}
	FUZZ_CHECK(bool_of(pt, pn, CKA_TOKEN) == bool_of(vt, vn, CKA_TOKEN) ||
		   bool_of(pt, pn, CKA_TOKEN) + bool_of(vt, vn, CKA_TOKEN) == -1);
	check_flags(g->obj_flags, vt, vn, true, rw);
	check_bools(pt, pn, rw);
	/* The private template's label and id, else the public one's. */
	check_label(g->label, vl && vl->ulValueLen ? vt : pt,
		    vl && vl->ulValueLen ? vn : pn);
	check_id(g->id, g->id_len, vi && vi->ulValueLen ? vt : pt,
		 vi && vi->ulValueLen ? vn : pn);
}

static void check_newkey(CK_RV rv, const struct p11_newkey *k,
			 const CK_ATTRIBUTE *t, unsigned long n, bool rw)
{
	CK_ULONG cls, kt, len = 0;

	FUZZ_CHECK(!sent.n);
	if (entry_error(t, n))
		FUZZ_CHECK(rv == entry_error(t, n));
	if (rv) {
		FUZZ_CHECK(template_error(rv));
		return;
	}
	FUZZ_CHECK(ulong_of(t, n, CKA_CLASS, &cls) &&
		   ulong_of(t, n, CKA_KEY_TYPE, &kt));
	if (cls == CKO_SECRET_KEY)
		FUZZ_CHECK((kt == CKK_AES &&
			    k->t.key_type == CLONEDEV_KEY_AES) ||
			   (kt == CKK_GENERIC_SECRET &&
			    k->t.key_type == CLONEDEV_KEY_GENERIC_SECRET));
	else
		FUZZ_CHECK(cls == CKO_PRIVATE_KEY &&
			   ((kt == CKK_RSA &&
			     k->t.key_type == CLONEDEV_KEY_RSA) ||
			    (kt == CKK_EC &&
			     (k->t.key_type == CLONEDEV_KEY_EC_P256 ||
			      k->t.key_type == CLONEDEV_KEY_EC_P384))));
	FUZZ_CHECK(!first(t, n, CKA_VALUE));
	if (first(t, n, CKA_VALUE_LEN))
		FUZZ_CHECK(ulong_of(t, n, CKA_VALUE_LEN, &len));
	FUZZ_CHECK(k->value_len == len);
	FUZZ_CHECK(k->t.label == k->label && k->t.id == k->id);
	check_flags(k->t.obj_flags, t, n, true, rw);
	check_label(k->label, t, n);
	check_id(k->id, k->t.id_len, t, n);
}

static void read_object(struct input *in, struct clonedev_object_attrs *a)
{
	unsigned int i, len;

	memset(a, 0, sizeof(*a));
	a->handle = 1 + byte(in);
	a->obj_class = 1 + byte(in) % 4;
	a->key_type = byte(in) % 6;
	for (i = 0; i < 2; i++)
		a->obj_flags = a->obj_flags << 8 | byte(in);
	a->obj_flags &= CLONEDEV_OBJ_FLAGS;
	a->bits = byte(in) << 8;
	a->bits |= byte(in);
	len = byte(in) % CLONEDEV_LABEL_LEN;
	for (i = 0; i < len; i++)
		a->label[i] = (char)(1 + byte(in) % 0x7e);
	a->id_len = byte(in) % (CLONEDEV_ID_MAX + 1);
	for (i = 0; i < a->id_len; i++)
		a->id[i] = byte(in);
	for (i = 0; i < CLONEDEV_KCV_LEN; i++)
		a->kcv[i] = byte(in);
}

static void check_set(const struct clonedev_object_attrs *a,
		      const CK_ATTRIBUTE *t, unsigned long n)
{
	char label[CLONEDEV_LABEL_LEN] = "";
	unsigned char id[CLONEDEV_ID_MAX];
	unsigned int which = 0, id_len = 0, flags, i;
	CK_RV rv;
	int v;

	rv = set_template(a, t, n, &which, label, id, &id_len, &flags);
	FUZZ_CHECK(!sent.n);
	if (rv) {
		FUZZ_CHECK(rv == CKR_ATTRIBUTE_VALUE_INVALID ||
			   rv == CKR_ATTRIBUTE_READ_ONLY ||
			   rv == CKR_ATTRIBUTE_TYPE_INVALID ||
			   rv == CKR_TEMPLATE_INCONSISTENT);
		return;
	}
	FUZZ_CHECK(!(flags & ~a->obj_flags));
	FUZZ_CHECK(!(which & ~(CLONEDEV_SET_LABEL | CLONEDEV_SET_ID |
			       CLONEDEV_SET_FLAGS)));
	FUZZ_CHECK(!!(which & CLONEDEV_SET_LABEL) == !!first(t, n, CKA_LABEL));
	FUZZ_CHECK(!!(which & CLONEDEV_SET_ID) == !!first(t, n, CKA_ID));
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(t[i].pValue || !t[i].ulValueLen);
		if (t[i].type == CKA_LABEL || t[i].type == CKA_ID)
			continue;
		FUZZ_CHECK(which & CLONEDEV_SET_FLAGS);
		v = bool_of(&t[i], 1, t[i].type);
		FUZZ_CHECK(v == 0 || v == 1);
	}
	for (i = 0; i < ARRAY_SIZE(flag_attrs); i++) {
		v = bool_of(t, n, flag_attrs[i].type);
		if (!v)
			FUZZ_CHECK(!(flags & flag_attrs[i].flag));
	}
	check_no_conflict(t, n);
	check_label(label, t, n);
	check_id(id, id_len, t, n);
}

static void check_get(struct p11_session *s,
		      const struct clonedev_object_attrs *a, CK_ATTRIBUTE *t,
		      unsigned long n)
{
	CK_ULONG asked[TEMPLATE_MAX];
	CK_ATTRIBUTE got[TEMPLATE_MAX];
	unsigned long i, k = 0;
	bool all = true;
	unsigned char *buf = malloc(ATTR_MAX);
	CK_RV rv;

	if (!buf)
		return;
	for (i = 0; i < n; i++)
		asked[i] = t[i].ulValueLen;
	rv = attrs_get(s, a, t, n, buf);
	for (i = 0; i < n; i++) {
		bool secret = a->obj_class == CLONEDEV_CLASS_SECRET_KEY ||
			      a->obj_class == CLONEDEV_CLASS_PRIVATE_KEY;

		if (t[i].ulValueLen == CK_UNAVAILABLE_INFORMATION) {
			all = false;
			continue;
		}
		FUZZ_CHECK(!(t[i].type == CKA_VALUE && secret));
		if (t[i].pValue)
			FUZZ_CHECK(t[i].ulValueLen <= asked[i]);
		if (t[i].pValue && t[i].ulValueLen <= 256)
			got[k++] = t[i];
	}
	FUZZ_CHECK(all == (rv == CKR_OK));
	FUZZ_CHECK(rv == CKR_OK || rv == CKR_ATTRIBUTE_TYPE_INVALID ||
		   rv == CKR_ATTRIBUTE_SENSITIVE || rv == CKR_BUFFER_TOO_SMALL ||
		   rv == CKR_DEVICE_ERROR);
	for (i = 0; i < sent.n; i++)
		FUZZ_CHECK(sent.req == CLONEDEV_IOCTL_OBJECT_GET);
	FUZZ_CHECK(matches(s, a, got, k, buf));
	free(buf);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static struct p11_token tok;
	static struct p11_session sess;
	static const CK_MECHANISM_TYPE mechs[] = {
		CKM_AES_KEY_GEN, CKM_GENERIC_SECRET_KEY_GEN,
		CKM_EC_KEY_PAIR_GEN, CKM_RSA_PKCS_KEY_PAIR_GEN, CKM_AES_GCM,
	};
	struct input in = { data, size };
	CK_ATTRIBUTE t[TEMPLATE_MAX], v[TEMPLATE_MAX];
	struct clonedev_object_attrs a;
	unsigned long n, vn = 0;
	unsigned int op, how, pub, priv, h;
	struct p11_newkey k;
	CK_MECHANISM m = { 0 };
	bool rw;
	CK_RV rv;

	if (size > 4096)
		return 0;
	if (!sess.cd) {
		/* A session whose requests end in __wrap_ioctl(). */
		setenv("CLONEDEV_DEVICE", "/dev/null", 1);
		if (clonedev_open(&sess.cd))
			abort();
		pthread_mutex_init(&tok.obj_lock, NULL);
		sess.tok = &tok;
	}
	op = byte(&in) % 6;
	how = byte(&in);
	rw = how & 1;
	sess.flags = CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0);
	m.mechanism = mechs[(how >> 1) % ARRAY_SIZE(mechs)];
	if (op >= 4)
		read_object(&in, &a);
	n = read_template(&in, t);
	if (op == 2)
		vn = read_template(&in, v);
	memset(&sent, 0, sizeof(sent));

	switch (op) {
	case 0:
		rv = create_locked(&sess, t, n, &h);
		check_create(rv, t, n, rw);
		break;
	case 1:
		rv = generate_locked(&sess, &m, t, n, &h);
		check_generate(rv, m.mechanism, t, n, rw);
		break;
	case 2:
		rv = generate_pair_locked(&sess, &m, t, n, v, vn, &pub, &priv);
		check_pair(rv, m.mechanism, t, n, v, vn, rw);
		break;
	case 3:
		rv = p11_newkey_read(&sess, t, n, &k);
		check_newkey(rv, &k, t, n, rw);
		break;
	case 4:
		check_set(&a, t, n);
		break;
	default:
		check_get(&sess, &a, t, n);
		break;
	}
	/* A template the application says is there, at NULL. */
	if (n && (op == 0 || op == 3) && (how & 0x40)) {
		memset(&sent, 0, sizeof(sent));
		rv = op ? p11_newkey_read(&sess, NULL, n, &k) :
		     create_locked(&sess, NULL, n, &h);
		FUZZ_CHECK(rv == CKR_ARGUMENTS_BAD && !sent.n);
	}
	free_template(t, n);
	free_template(v, vn);
	FUZZ_CHECK(!tok.nsobjs);
	return 0;
}
