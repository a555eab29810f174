// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libclonedev-pkcs11: objects. A PKCS#11 object handle is the clonedev
 * handle (stable across reloads); attributes are read from the kernel's
 * object record (CLONEDEV_IOCTL_OBJECT_GET) each time, so clones and
 * other applications' changes show at once. Templates become object flags
 * for OBJECT_CREATE, _IMPORT and _GENERATE. Every object lives in the
 * partition; a session object (CKA_TOKEN false) is a partition object that
 * the module destroys when the session that made it closes. On an HA
 * slot the objects are the group members' (ha.c), read from a member
 * alive, and only token secret keys are made, through the virtual slot.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "p11.h"

static const unsigned char oid_p256[] = {
	0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07
};

static const unsigned char oid_p384[] = {
	0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22
};

static int known_attr(CK_ATTRIBUTE_TYPE type);
static int template_conflict(const CK_ATTRIBUTE *t, unsigned long n);

/* Room for any attribute's value: a data object's, or less. */
#define ATTR_MAX	(CLONEDEV_DATA_MAX + 16)

int p11_ec_oid_key_type(const void *der, unsigned long len)
{
	if (len == sizeof(oid_p256) && !memcmp(der, oid_p256, len))
		return CLONEDEV_KEY_EC_P256;
	if (len == sizeof(oid_p384) && !memcmp(der, oid_p384, len))
		return CLONEDEV_KEY_EC_P384;
	return 0;
}

CK_RV p11_object_attrs(struct p11_session *s, unsigned int handle,
		       struct clonedev_object_attrs *a, enum p11_ctx ctx)
{
	int ret;

	if (p11_is_ha(s->tok))
		return p11_ha_object_attrs(s, handle, a, ctx);
	ret = clonedev_object_get(s->cd, handle, a, NULL, 0, NULL);

	if (ret == -EACCES)	/* objects show only to a logged-in user */
		ret = -ENOENT;
	return p11_rv(ret, ctx);
}

/* ---- the session objects of a token ---- */

CK_RV p11_session_object_add(struct p11_session *s, unsigned int handle)
{
	struct p11_token *tok = s->tok;
	struct p11_sobj *n;
	CK_RV rv = CKR_OK;

	pthread_mutex_lock(&tok->obj_lock);
	n = realloc(tok->sobjs, (tok->nsobjs + 1) * sizeof(*n));
	if (n) {
		tok->sobjs = n;
		n[tok->nsobjs].handle = handle;
		n[tok->nsobjs].owner = s->handle;
		tok->nsobjs++;
	} else {
		rv = CKR_HOST_MEMORY;
	}
	pthread_mutex_unlock(&tok->obj_lock);
	return rv;
}

int p11_session_object_is(struct p11_token *tok, unsigned int handle)
{
	unsigned long i;
	int found = 0;

	pthread_mutex_lock(&tok->obj_lock);
	for (i = 0; i < tok->nsobjs && !found; i++)
		found = tok->sobjs[i].handle == handle;
	pthread_mutex_unlock(&tok->obj_lock);
	return found;
}

void p11_session_object_forget(struct p11_token *tok, unsigned int handle)
{
	unsigned long i;

	pthread_mutex_lock(&tok->obj_lock);
	for (i = 0; i < tok->nsobjs; i++) {
		if (tok->sobjs[i].handle == handle) {
			tok->sobjs[i] = tok->sobjs[--tok->nsobjs];
			break;
		}
	}
	pthread_mutex_unlock(&tok->obj_lock);
}

/* Destroys the session objects @s made. Must hold @s->lock. */
void p11_session_objects_destroy(struct p11_session *s)
{
	struct p11_token *tok = s->tok;
	unsigned long i = 0;

	pthread_mutex_lock(&tok->obj_lock);
	while (i < tok->nsobjs) {
		if (tok->sobjs[i].owner != s->handle) {
			i++;
			continue;
		}
		clonedev_object_destroy(s->cd, tok->sobjs[i].handle);
		tok->sobjs[i] = tok->sobjs[--tok->nsobjs];
	}
	pthread_mutex_unlock(&tok->obj_lock);
}

/* ---- reading attributes ---- */

/* The value (or, @public, the public key) of object @a, where it lives. */
static int object_value(struct p11_session *s,
			const struct clonedev_object_attrs *a, int public,
			void *buf, unsigned int cap, unsigned int *len)
{
	struct clonedev_object_attrs b;

	if (p11_is_ha(s->tok))
		return p11_ha_object_value(s, a, public, buf, cap, len);
	if (public)
		return clonedev_object_public(s->cd, a->handle, buf, cap, len);
	return clonedev_object_get(s->cd, a->handle, &b, buf, cap, len);
}

static CK_OBJECT_CLASS class_of(unsigned int c)
{
	switch (c) {
	case CLONEDEV_CLASS_DATA:
		return CKO_DATA;
	case CLONEDEV_CLASS_SECRET_KEY:
		return CKO_SECRET_KEY;
	case CLONEDEV_CLASS_PRIVATE_KEY:
		return CKO_PRIVATE_KEY;
	}
	return CKO_PUBLIC_KEY;
}

static CK_KEY_TYPE key_type_of(unsigned int t)
{
	switch (t) {
	case CLONEDEV_KEY_AES:
		return CKK_AES;
	case CLONEDEV_KEY_GENERIC_SECRET:
		return CKK_GENERIC_SECRET;
	case CLONEDEV_KEY_RSA:
		return CKK_RSA;
	}
	return CKK_EC;
}

static int is_ec(const struct clonedev_object_attrs *a)
{
	return a->key_type == CLONEDEV_KEY_EC_P256 ||
	       a->key_type == CLONEDEV_KEY_EC_P384;
}

/*
 * One INTEGER of a DER SEQUENCE of INTEGERs (a PKCS#1 RSAPublicKey:
 * modulus, then public exponent), without its leading zero byte. Returns
 * 0, or -EBADMSG if @der is not that.
 */
static int der_len(const unsigned char **p, const unsigned char *end,
		   unsigned char tag, unsigned long *len)
{
	if (end - *p < 2 || (*p)[0] != tag)
		return -EBADMSG;
	*len = (*p)[1];
	*p += 2;
	if (*len & 0x80) {
		unsigned int n = *len & 0x7f;

		if (!n || n > 2 || end - *p < n)
			return -EBADMSG;
		for (*len = 0; n; n--)
			*len = *len << 8 | *(*p)++;
	}
	return *len <= (unsigned long)(end - *p) ? 0 : -EBADMSG;
}

static int rsa_public_int(const unsigned char *der, unsigned int der_size,
			  unsigned int which, const unsigned char **out,
			  unsigned long *out_len)
{
	const unsigned char *p = der, *end = der + der_size;
	unsigned long len;
	unsigned int i;

	if (der_len(&p, end, 0x30, &len))
		return -EBADMSG;
	end = p + len;
	for (i = 0; i <= which; i++) {
		if (der_len(&p, end, 0x02, &len))
			return -EBADMSG;
		*out = p;
		*out_len = len;
		p += len;
	}
	while (*out_len > 1 && !**out) {
		(*out)++;
		(*out_len)--;
	}
	return 0;
}

static CK_RV put_bool(unsigned char *buf, unsigned long *len, int v)
{
	*buf = v ? CK_TRUE : CK_FALSE;
	*len = sizeof(CK_BBOOL);
	return CKR_OK;
}

static CK_RV put_ulong(unsigned char *buf, unsigned long *len, CK_ULONG v)
{
	memcpy(buf, &v, sizeof(v));
	*len = sizeof(v);
	return CKR_OK;
}

static const struct {
	CK_ATTRIBUTE_TYPE type;
	unsigned int flag;
} usage_attrs[] = {
	{ CKA_ENCRYPT, CLONEDEV_OBJ_ENCRYPT },
	{ CKA_DECRYPT, CLONEDEV_OBJ_DECRYPT },
	{ CKA_SIGN, CLONEDEV_OBJ_SIGN },
	{ CKA_VERIFY, CLONEDEV_OBJ_VERIFY },
	{ CKA_DERIVE, CLONEDEV_OBJ_DERIVE },
	{ CKA_WRAP, CLONEDEV_OBJ_WRAP },
	{ CKA_UNWRAP, CLONEDEV_OBJ_UNWRAP },
};

#define NUSAGE	(ARRAY_SIZE(usage_attrs))

/*
 * The value of attribute @type of object @a into @buf (ATTR_MAX bytes).
 * Return: CKR_OK; CKR_ATTRIBUTE_TYPE_INVALID for one the object does not
 * have; CKR_ATTRIBUTE_SENSITIVE for a secret.
 */
static CK_RV attr_get(struct p11_session *s, const struct clonedev_object_attrs *a,
		      CK_ATTRIBUTE_TYPE type, unsigned char *buf,
		      unsigned long *len)
{
	int key = a->obj_class != CLONEDEV_CLASS_DATA;
	int secret = a->obj_class == CLONEDEV_CLASS_SECRET_KEY ||
		     a->obj_class == CLONEDEV_CLASS_PRIVATE_KEY;
	unsigned int f = a->obj_flags, vlen, i;
	const unsigned char *p;
	int ret;

	for (i = 0; i < NUSAGE; i++)
		if (usage_attrs[i].type == type && key)
			return put_bool(buf, len, f & usage_attrs[i].flag);

	switch (type) {
	case CKA_CLASS:
		return put_ulong(buf, len, class_of(a->obj_class));
	case CKA_TOKEN:
		return put_bool(buf, len,
				!p11_session_object_is(s->tok, a->handle));
	case CKA_PRIVATE:
		return put_bool(buf, len, f & CLONEDEV_OBJ_PRIVATE);
	case CKA_MODIFIABLE:
		return put_bool(buf, len, f & CLONEDEV_OBJ_MODIFIABLE);
	case CKA_COPYABLE:
		return put_bool(buf, len, 0);
	case CKA_DESTROYABLE:
		return put_bool(buf, len, 1);
	case CKA_LABEL:
		*len = strlen(a->label);
		memcpy(buf, a->label, *len);
		return CKR_OK;
	case CKA_CLONEDEV_OUID:
		*len = CLONEDEV_OUID_LEN;
		memcpy(buf, a->ouid, *len);
		return CKR_OK;
	case CKA_APPLICATION:
	case CKA_OBJECT_ID:
		if (key)
			break;
		*len = 0;
		return CKR_OK;
	case CKA_VALUE:
		if (secret || (a->obj_class == CLONEDEV_CLASS_DATA &&
			       (f & CLONEDEV_OBJ_SENSITIVE)))
			return CKR_ATTRIBUTE_SENSITIVE;
		if (a->obj_class == CLONEDEV_CLASS_PUBLIC_KEY && is_ec(a))
			break;	/* an EC public key's value is CKA_EC_POINT */
		ret = object_value(s, a, 0, buf, ATTR_MAX, &vlen);
		if (ret)
			return p11_rv(ret, P11_CTX_OBJECT);
		*len = vlen;
		return CKR_OK;
	}
	if (!key)
		return CKR_ATTRIBUTE_TYPE_INVALID;

	switch (type) {
	case CKA_KEY_TYPE:
		return put_ulong(buf, len, key_type_of(a->key_type));
	case CKA_ID:
		*len = a->id_len;
		memcpy(buf, a->id, *len);
		return CKR_OK;
	case CKA_START_DATE:
	case CKA_END_DATE:
	case CKA_SUBJECT:
		*len = 0;
		return CKR_OK;
	case CKA_LOCAL:
		/* The kernel does not record whether it made the key. */
		return put_bool(buf, len, 0);
	case CKA_KEY_GEN_MECHANISM:
		return put_ulong(buf, len, CK_UNAVAILABLE_INFORMATION);
	case CKA_SIGN_RECOVER:
	case CKA_VERIFY_RECOVER:
	case CKA_WRAP_WITH_TRUSTED:
	case CKA_TRUSTED:
	case CKA_ALWAYS_AUTHENTICATE:
		return put_bool(buf, len, 0);
	case CKA_SENSITIVE:
	case CKA_ALWAYS_SENSITIVE:
		if (!secret)
			break;
		return put_bool(buf, len, f & CLONEDEV_OBJ_SENSITIVE);
	case CKA_EXTRACTABLE:
		if (!secret)
			break;
		return put_bool(buf, len, f & CLONEDEV_OBJ_EXTRACTABLE);
	case CKA_NEVER_EXTRACTABLE:
		/*
		 * The kernel keeps no history of the flag, but only a
		 * modifiable object can lose CLONEDEV_OBJ_EXTRACTABLE, and
		 * nothing makes an object modifiable: an object neither is
		 * was made that way.
		 */
		if (!secret)
			break;
		return put_bool(buf, len, !(f & (CLONEDEV_OBJ_EXTRACTABLE |
						 CLONEDEV_OBJ_MODIFIABLE)));
	case CKA_VALUE_LEN:
		if (a->obj_class != CLONEDEV_CLASS_SECRET_KEY)
			break;
		return put_ulong(buf, len, a->bits / 8);
	case CKA_CHECK_VALUE:
		if (a->obj_class != CLONEDEV_CLASS_SECRET_KEY)
			break;
		*len = CLONEDEV_KCV_LEN;
		memcpy(buf, a->kcv, *len);
		return CKR_OK;
	case CKA_EC_PARAMS:
		if (!is_ec(a))
			break;
		if (a->key_type == CLONEDEV_KEY_EC_P256) {
			*len = sizeof(oid_p256);
			memcpy(buf, oid_p256, *len);
		} else {
			*len = sizeof(oid_p384);
			memcpy(buf, oid_p384, *len);
		}
		return CKR_OK;
	case CKA_EC_POINT:
		if (!is_ec(a))
			break;
		ret = object_value(s, a, 1, buf + 2, CLONEDEV_EC_POINT_MAX,
				   &vlen);
		if (ret)
			return p11_rv(ret, P11_CTX_OBJECT);
		buf[0] = 0x04;		/* OCTET STRING, short length */
		buf[1] = vlen;
		*len = vlen + 2;
		return CKR_OK;
	case CKA_MODULUS_BITS:
		if (a->key_type != CLONEDEV_KEY_RSA)
			break;
		return put_ulong(buf, len, a->bits);
	case CKA_MODULUS:
	case CKA_PUBLIC_EXPONENT:
		if (a->key_type != CLONEDEV_KEY_RSA)
			break;
		ret = object_value(s, a, 1, buf, ATTR_MAX, &vlen);
		if (ret)
			return p11_rv(ret, P11_CTX_OBJECT);
		if (rsa_public_int(buf, vlen, type == CKA_PUBLIC_EXPONENT,
				   &p, len))
			return CKR_DEVICE_ERROR;
		memmove(buf, p, *len);
		return CKR_OK;
	}
	return CKR_ATTRIBUTE_TYPE_INVALID;
}

/*
 * The attributes of template @t (@n of them) from object @a, @buf room
 * for one (ATTR_MAX bytes): every attribute is processed, each value
 * copied only into a pValue of room enough; the result is the last
 * error.
 */
static CK_RV attrs_get(struct p11_session *s,
		       const struct clonedev_object_attrs *a, CK_ATTRIBUTE *t,
		       unsigned long n, unsigned char *buf)
{
	unsigned long i, len;
	CK_RV rv = CKR_OK;

	for (i = 0; i < n; i++) {
		CK_RV r = attr_get(s, a, t[i].type, buf, &len);

		if (r == CKR_OK && t[i].pValue && t[i].ulValueLen < len)
			r = CKR_BUFFER_TOO_SMALL;
		if (r == CKR_OK) {
			if (t[i].pValue)
				memcpy(t[i].pValue, buf, len);
			t[i].ulValueLen = len;
		} else {
			t[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
			rv = r;
		}
	}
	return rv;
}

CK_RV C_GetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
			  CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
	struct clonedev_object_attrs a;
	struct p11_session *s;
	unsigned char *buf;
	CK_RV rv = p11_session_get(hSession, &s);

	if (rv)
		return rv;
	if (!pTemplate && ulCount) {
		rv = CKR_ARGUMENTS_BAD;
		goto out;
	}
	buf = malloc(ATTR_MAX);
	if (!buf) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	pthread_mutex_lock(&s->lock);
	rv = p11_object_attrs(s, hObject, &a, P11_CTX_OBJECT);
	if (!rv)
		rv = attrs_get(s, &a, pTemplate, ulCount, buf);
	pthread_mutex_unlock(&s->lock);
	explicit_bzero(buf, ATTR_MAX);
	free(buf);
out:
	p11_session_put(s);
	return rv;
}

/*
 * The changes a C_SetAttributeValue template asks of object @a: label,
 * id, and usage flags or CKA_EXTRACTABLE going from true to false (the
 * kernel takes nothing else; anything else is read-only).
 */
static CK_RV set_template(const struct clonedev_object_attrs *a,
			  const CK_ATTRIBUTE *t, unsigned long n,
			  unsigned int *which, char *label, unsigned char *id,
			  unsigned int *id_len, unsigned int *flags)
{
	unsigned long i, j;
	CK_RV rv;
	int v;

	*flags = a->obj_flags;
	for (i = 0; i < n; i++) {
		unsigned int flag = 0;

		if (!t[i].pValue && t[i].ulValueLen)
			return CKR_ATTRIBUTE_VALUE_INVALID;
		if (t[i].type == CKA_LABEL || t[i].type == CKA_ID) {
			*which |= t[i].type == CKA_LABEL ? CLONEDEV_SET_LABEL :
							   CLONEDEV_SET_ID;
			continue;
		}
		if (t[i].type == CKA_EXTRACTABLE)
			flag = CLONEDEV_OBJ_EXTRACTABLE;
		for (j = 0; j < NUSAGE; j++)
			if (usage_attrs[j].type == t[i].type)
				flag = usage_attrs[j].flag;
		if (!flag)
			return known_attr(t[i].type) ? CKR_ATTRIBUTE_READ_ONLY :
			       CKR_ATTRIBUTE_TYPE_INVALID;
		rv = p11_attr_bool(&t[i], 1, t[i].type, &v);
		if (rv)
			return rv;
		if (v && !(a->obj_flags & flag))
			return CKR_ATTRIBUTE_READ_ONLY;	/* nothing may come */
		if (!v)
			*flags &= ~flag;
		*which |= CLONEDEV_SET_FLAGS;
	}
	if (template_conflict(t, n))
		return CKR_TEMPLATE_INCONSISTENT;
	return p11_template_label_id(t, n, label, id, id_len);
}

/* cppcheck-suppress constParameter ; the standard's signature */
CK_RV C_SetAttributeValue(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_PTR t,
			  CK_ULONG n)
{
	struct clonedev_object_attrs a;
	struct p11_session *s;
	char label[CLONEDEV_LABEL_LEN] = "";
	unsigned char id[CLONEDEV_ID_MAX];
	unsigned int which = 0, id_len = 0, flags;
	CK_RV rv = p11_session_get(h, &s);

	if (rv)
		return rv;
	pthread_mutex_lock(&s->lock);
	rv = p11_object_attrs(s, o, &a, P11_CTX_OBJECT);
	if (!rv && p11_is_ha(s->tok))
		rv = CKR_FUNCTION_NOT_SUPPORTED;	/* one member's copy */
	if (!rv && !t && n)
		rv = CKR_ARGUMENTS_BAD;
	if (!rv && !(a.obj_flags & CLONEDEV_OBJ_MODIFIABLE))
		rv = CKR_ACTION_PROHIBITED;
	if (!rv && !(s->flags & CKF_RW_SESSION) &&
	    !p11_session_object_is(s->tok, o))
		rv = CKR_SESSION_READ_ONLY;
	if (!rv)
		rv = set_template(&a, t, n, &which, label, id, &id_len, &flags);
	if (!rv && which) {
		int ret = clonedev_object_set_attrs(s->cd, o, which, label,
						    id, id_len, flags);

		rv = ret == -EPERM ? CKR_ATTRIBUTE_READ_ONLY :
		     p11_rv(ret, P11_CTX_OBJECT);
	}
	pthread_mutex_unlock(&s->lock);
	p11_session_put(s);
	return rv;
}

CK_RV C_GetObjectSize(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
		      CK_ULONG_PTR pulSize)
{
	struct clonedev_object_attrs a;
	struct p11_session *s;
	CK_RV rv = p11_session_get(hSession, &s);

	if (rv)
		return rv;
	pthread_mutex_lock(&s->lock);
	rv = p11_object_attrs(s, hObject, &a, P11_CTX_OBJECT);
	pthread_mutex_unlock(&s->lock);
	if (!rv && !pulSize)
		rv = CKR_ARGUMENTS_BAD;
	if (!rv)
		*pulSize = CK_UNAVAILABLE_INFORMATION;
	p11_session_put(s);
	return rv;
}

/* ---- find ---- */

static int matches(struct p11_session *s, const struct clonedev_object_attrs *a,
		   const CK_ATTRIBUTE *t, unsigned long n, unsigned char *buf)
{
	unsigned long i, len;

	for (i = 0; i < n; i++) {
		if (attr_get(s, a, t[i].type, buf, &len) ||
		    len != t[i].ulValueLen ||
		    (len && memcmp(buf, t[i].pValue, len)))
			return 0;
	}
	return 1;
}

CK_RV C_FindObjectsInit(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate,
			CK_ULONG ulCount)
{
	struct clonedev_object_attrs a;
	struct p11_session *s;
	unsigned int *h = NULL;
	unsigned char *buf = NULL;
	unsigned long i;
	int n, k = 0;
	CK_RV rv = p11_session_get(hSession, &s);

	if (rv)
		return rv;
	pthread_mutex_lock(&s->lock);
	if (s->find.active) {
		rv = CKR_OPERATION_ACTIVE;
		goto out;
	}
	if (!pTemplate && ulCount) {
		rv = CKR_ARGUMENTS_BAD;
		goto out;
	}
	for (i = 0; i < ulCount; i++) {
		if (!pTemplate[i].pValue && pTemplate[i].ulValueLen) {
			rv = CKR_ARGUMENTS_BAD;
			goto out;
		}
	}
	buf = malloc(ATTR_MAX);
	if (!buf) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	if (p11_is_ha(s->tok))
		n = p11_ha_object_list(s, &h);
	else
		n = clonedev_object_list(s->cd, &h);
	if (n == -EACCES)	/* not logged in: the kernel shows none */
		n = 0;
	if (n < 0) {
		rv = p11_rv(n, P11_CTX_GENERAL);
		goto out;
	}
	for (i = 0; i < (unsigned long)n; i++) {
		if (p11_is_ha(s->tok) ?
		    p11_ha_object_attrs(s, h[i], &a, P11_CTX_OBJECT) != CKR_OK :
		    clonedev_object_get(s->cd, h[i], &a, NULL, 0, NULL) != 0)
			continue;
		if (matches(s, &a, pTemplate, ulCount, buf))
			h[k++] = h[i];
	}
	s->find.active = 1;
	s->find.handles = h;
	s->find.count = k;
	s->find.pos = 0;
	h = NULL;
out:
	pthread_mutex_unlock(&s->lock);
	if (buf)
		explicit_bzero(buf, ATTR_MAX);
	free(buf);
	free(h);
	p11_session_put(s);
	return rv;
}

CK_RV C_FindObjects(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE_PTR phObject,
		    CK_ULONG ulMaxObjectCount, CK_ULONG_PTR pulObjectCount)
{
	struct p11_session *s;
	CK_RV rv = p11_session_get(hSession, &s);
	unsigned long n = 0;

	if (rv)
		return rv;
	pthread_mutex_lock(&s->lock);
	if (!s->find.active)
		rv = CKR_OPERATION_NOT_INITIALIZED;
	else if (!pulObjectCount || (!phObject && ulMaxObjectCount))
		rv = CKR_ARGUMENTS_BAD;
	else
		while (n < ulMaxObjectCount && s->find.pos < s->find.count)
			phObject[n++] = s->find.handles[s->find.pos++];
	if (!rv)
		*pulObjectCount = n;
	pthread_mutex_unlock(&s->lock);
	p11_session_put(s);
	return rv;
}

CK_RV C_FindObjectsFinal(CK_SESSION_HANDLE hSession)
{
	struct p11_session *s;
	CK_RV rv = p11_session_get(hSession, &s);

	if (rv)
		return rv;
	pthread_mutex_lock(&s->lock);
	if (!s->find.active)
		rv = CKR_OPERATION_NOT_INITIALIZED;
	free(s->find.handles);
	memset(&s->find, 0, sizeof(s->find));
	pthread_mutex_unlock(&s->lock);
	p11_session_put(s);
	return rv;
}

/* ---- templates ---- */

const CK_ATTRIBUTE *p11_attr_find(const CK_ATTRIBUTE *t, unsigned long n,
				  CK_ATTRIBUTE_TYPE type)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		if (t[i].type == type)
			return &t[i];
	return NULL;
}

/* Return: CKR_OK and *v, or with *v untouched if @type is not there. */
CK_RV p11_attr_ulong(const CK_ATTRIBUTE *t, unsigned long n,
		     CK_ATTRIBUTE_TYPE type, CK_ULONG *v)
{
	const CK_ATTRIBUTE *a = p11_attr_find(t, n, type);

	if (!a)
		return CKR_OK;
	if (!a->pValue || a->ulValueLen != sizeof(CK_ULONG))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	memcpy(v, a->pValue, sizeof(*v));
	return CKR_OK;
}

CK_RV p11_attr_bool(const CK_ATTRIBUTE *t, unsigned long n,
		    CK_ATTRIBUTE_TYPE type, int *v)
{
	const CK_ATTRIBUTE *a = p11_attr_find(t, n, type);

	if (!a)
		return CKR_OK;
	if (!a->pValue || a->ulValueLen != sizeof(CK_BBOOL) ||
	    *(CK_BBOOL *)a->pValue > 1)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	*v = *(CK_BBOOL *)a->pValue;
	return CKR_OK;
}

/*
 * The object flags a template asks for, over the defaults in *@flags;
 * attributes a template may carry that the kernel cannot honour are
 * refused.
 */
CK_RV p11_template_flags(const CK_ATTRIBUTE *t, unsigned long n,
			 unsigned int *flags)
{
	static const struct {
		CK_ATTRIBUTE_TYPE type;
		unsigned int flag;
	} bools[] = {
		{ CKA_PRIVATE, CLONEDEV_OBJ_PRIVATE },
		{ CKA_SENSITIVE, CLONEDEV_OBJ_SENSITIVE },
		{ CKA_EXTRACTABLE, CLONEDEV_OBJ_EXTRACTABLE },
		{ CKA_MODIFIABLE, CLONEDEV_OBJ_MODIFIABLE },
	};
	static const CK_ATTRIBUTE_TYPE must_be_false[] = {
		CKA_SIGN_RECOVER, CKA_VERIFY_RECOVER, CKA_COPYABLE,
		CKA_WRAP_WITH_TRUSTED, CKA_TRUSTED, CKA_ALWAYS_AUTHENTICATE,
	};
	unsigned int i;
	CK_RV rv;
	int v;

	if (!t && n)
		return CKR_ARGUMENTS_BAD;
	for (i = 0; i < ARRAY_SIZE(bools); i++) {
		v = -1;
		rv = p11_attr_bool(t, n, bools[i].type, &v);
		if (rv)
			return rv;
		if (v == 1)
			*flags |= bools[i].flag;
		else if (!v)
			*flags &= ~bools[i].flag;
	}
	for (i = 0; i < NUSAGE; i++) {
		v = -1;
		rv = p11_attr_bool(t, n, usage_attrs[i].type, &v);
		if (rv)
			return rv;
		if (v == 1)
			*flags |= usage_attrs[i].flag;
		else if (!v)
			*flags &= ~usage_attrs[i].flag;
	}
	for (i = 0; i < ARRAY_SIZE(must_be_false); i++) {
		v = 0;
		rv = p11_attr_bool(t, n, must_be_false[i], &v);
		if (rv || v)
			return CKR_ATTRIBUTE_VALUE_INVALID;
	}
	v = 1;
	rv = p11_attr_bool(t, n, CKA_DESTROYABLE, &v);
	if (rv || !v)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	return CKR_OK;
}

CK_RV p11_template_label_id(const CK_ATTRIBUTE *t, unsigned long n,
			    char *label, unsigned char *id,
			    unsigned int *id_len)
{
	const CK_ATTRIBUTE *a = p11_attr_find(t, n, CKA_LABEL);

	if (a) {
		/* An empty value may come at NULL: nothing is read then. */
		if ((!a->pValue && a->ulValueLen) ||
		    a->ulValueLen >= CLONEDEV_LABEL_LEN ||
		    (a->ulValueLen && memchr(a->pValue, 0, a->ulValueLen)))
			return CKR_ATTRIBUTE_VALUE_INVALID;
		if (a->ulValueLen)
			memcpy(label, a->pValue, a->ulValueLen);
		label[a->ulValueLen] = 0;
	}
	a = p11_attr_find(t, n, CKA_ID);
	if (a) {
		if ((!a->pValue && a->ulValueLen) ||
		    a->ulValueLen > CLONEDEV_ID_MAX)
			return CKR_ATTRIBUTE_VALUE_INVALID;
		if (a->ulValueLen)
			memcpy(id, a->pValue, a->ulValueLen);
		*id_len = a->ulValueLen;
	}
	return CKR_OK;
}

/* What a new object's template says beyond flags, label and id. */
struct newobj {
	CK_OBJECT_CLASS cls;
	CK_KEY_TYPE kt;
	int token;
	char label[CLONEDEV_LABEL_LEN];
	unsigned char id[CLONEDEV_ID_MAX];
	unsigned int id_len;
	unsigned int flags;
};

static CK_RV newobj_read(const CK_ATTRIBUTE *t, unsigned long n,
			 struct newobj *o)
{
	CK_RV rv;

	rv = p11_attr_ulong(t, n, CKA_CLASS, &o->cls);
	if (!rv)
		rv = p11_attr_ulong(t, n, CKA_KEY_TYPE, &o->kt);
	if (!rv)
		rv = p11_attr_bool(t, n, CKA_TOKEN, &o->token);
	if (!rv)
		rv = p11_template_label_id(t, n, o->label, o->id, &o->id_len);
	if (!rv)
		rv = p11_template_flags(t, n, &o->flags);
	return rv;
}

static unsigned int default_usage(CK_OBJECT_CLASS cls, CK_KEY_TYPE kt)
{
	if (cls == CKO_SECRET_KEY)
		return kt == CKK_AES ? CLONEDEV_USAGE_AES : CLONEDEV_USAGE_SECRET;
	if (cls == CKO_PUBLIC_KEY)
		return CLONEDEV_OBJ_VERIFY;
	return kt == CKK_RSA ? CLONEDEV_USAGE_RSA : CLONEDEV_USAGE_EC;
}

/*
 * Checks the session may make @o. A secret or private key is always
 * private and sensitive in clonedev, whatever the template says (the
 * attributes read back true): applications such as pkcs11-tool ask for
 * CKA_SENSITIVE false by default, and a key's value never leaves anyway.
 */
static CK_RV newobj_check(struct p11_session *s, struct newobj *o)
{
	if (o->token && !(s->flags & CKF_RW_SESSION))
		return CKR_SESSION_READ_ONLY;
	if (o->cls == CKO_SECRET_KEY || o->cls == CKO_PRIVATE_KEY)
		o->flags |= CLONEDEV_OBJ_PRIVATE | CLONEDEV_OBJ_SENSITIVE;
	return CKR_OK;
}

static CK_RV newobj_done(struct p11_session *s, const struct newobj *o,
			 unsigned int handle)
{
	CK_RV rv = CKR_OK;

	if (!o->token) {
		rv = p11_session_object_add(s, handle);
		if (rv)
			clonedev_object_destroy(s->cd, handle);
	}
	return rv;
}

/* Attributes that name what the kernel records, or defaults it keeps. */
static int known_attr(CK_ATTRIBUTE_TYPE type)
{
	static const CK_ATTRIBUTE_TYPE known[] = {
		CKA_CLASS, CKA_KEY_TYPE, CKA_TOKEN, CKA_PRIVATE, CKA_LABEL,
		CKA_ID, CKA_MODIFIABLE, CKA_SENSITIVE, CKA_EXTRACTABLE,
		CKA_ENCRYPT, CKA_DECRYPT, CKA_SIGN, CKA_VERIFY, CKA_DERIVE,
		CKA_WRAP, CKA_UNWRAP, CKA_SIGN_RECOVER, CKA_VERIFY_RECOVER,
		CKA_VALUE, CKA_VALUE_LEN, CKA_EC_PARAMS, CKA_COPYABLE,
		CKA_DESTROYABLE, CKA_WRAP_WITH_TRUSTED, CKA_TRUSTED,
		CKA_ALWAYS_AUTHENTICATE, CKA_MODULUS_BITS, CKA_PUBLIC_EXPONENT,
		CKA_EC_POINT, CKA_MODULUS,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(known); i++)
		if (known[i] == type)
			return 1;
	return 0;
}

/*
 * Whether template @t (its pValues checked) gives a type twice with
 * different values: an inconsistent template, whose later values the
 * module, which reads the first of a type, would not see.
 */
static int template_conflict(const CK_ATTRIBUTE *t, unsigned long n)
{
	unsigned long i, j;

	for (i = 1; i < n; i++)
		for (j = 0; j < i; j++)
			if (t[j].type == t[i].type &&
			    (t[j].ulValueLen != t[i].ulValueLen ||
			     (t[i].ulValueLen &&
			      memcmp(t[j].pValue, t[i].pValue,
				     t[i].ulValueLen))))
				return 1;
	return 0;
}

static CK_RV template_known(const CK_ATTRIBUTE *t, unsigned long n)
{
	unsigned long i;

	if (!t && n)
		return CKR_ARGUMENTS_BAD;
	for (i = 0; i < n; i++) {
		if (!known_attr(t[i].type))
			return CKR_ATTRIBUTE_TYPE_INVALID;
		if (!t[i].pValue && t[i].ulValueLen)
			return CKR_ATTRIBUTE_VALUE_INVALID;
	}
	return template_conflict(t, n) ? CKR_TEMPLATE_INCONSISTENT : CKR_OK;
}

static CK_RV create_locked(struct p11_session *s, const CK_ATTRIBUTE *t,
			   unsigned long n, unsigned int *handle)
{
	struct newobj o = { .cls = (CK_ULONG)-1, .kt = (CK_ULONG)-1,
			    .token = 0 };
	const CK_ATTRIBUTE *val, *ecp;
	unsigned int kt;
	CK_RV rv;
	int ret;

	/* First: @t may be NULL (CKR_ARGUMENTS_BAD). */
	rv = template_known(t, n);
	if (!rv)
		rv = p11_attr_ulong(t, n, CKA_CLASS, &o.cls);
	if (rv)
		return rv;
	val = p11_attr_find(t, n, CKA_VALUE);
	ecp = p11_attr_find(t, n, CKA_EC_PARAMS);
	o.flags = o.cls == CKO_DATA ? CLONEDEV_OBJ_PRIVATE :
		  CLONEDEV_OBJ_PRIVATE | CLONEDEV_OBJ_SENSITIVE;
	if (o.cls != CKO_DATA) {
		rv = p11_attr_ulong(t, n, CKA_KEY_TYPE, &o.kt);
		if (rv)
			return rv;
		o.flags |= default_usage(o.cls, o.kt);
	}
	rv = newobj_read(t, n, &o);
	if (!rv)
		rv = newobj_check(s, &o);
	if (rv)
		return rv;
	if (o.cls == (CK_ULONG)-1 || !val || !val->ulValueLen)
		return CKR_TEMPLATE_INCOMPLETE;
	/* No value is longer (and the kernel's lengths are 32 bits). */
	if (val->ulValueLen > CLONEDEV_DATA_MAX)
		return CKR_ATTRIBUTE_VALUE_INVALID;

	switch (o.cls) {
	case CKO_DATA:
		ret = clonedev_object_create(s->cd, o.flags & CLONEDEV_OBJ_FLAGS,
					     o.label, o.id, o.id_len,
					     val->pValue, val->ulValueLen,
					     handle);
		break;
	case CKO_SECRET_KEY:
		if (o.kt == CKK_AES)
			kt = CLONEDEV_KEY_AES;
		else if (o.kt == CKK_GENERIC_SECRET)
			kt = CLONEDEV_KEY_GENERIC_SECRET;
		else if (o.kt == (CK_ULONG)-1)
			return CKR_TEMPLATE_INCOMPLETE;
		else
			return CKR_ATTRIBUTE_VALUE_INVALID;
		if (p11_attr_find(t, n, CKA_VALUE_LEN))
			return CKR_TEMPLATE_INCONSISTENT;
		ret = clonedev_object_import(s->cd, kt, o.flags, o.label, o.id,
					     o.id_len, val->pValue,
					     val->ulValueLen, handle);
		break;
	case CKO_PRIVATE_KEY:
		if (o.kt != CKK_EC)
			return o.kt == (CK_ULONG)-1 ? CKR_TEMPLATE_INCOMPLETE :
			       CKR_ATTRIBUTE_VALUE_INVALID;
		if (!ecp)
			return CKR_TEMPLATE_INCOMPLETE;
		kt = p11_ec_oid_key_type(ecp->pValue, ecp->ulValueLen);
		if (!kt)
			return CKR_ATTRIBUTE_VALUE_INVALID;
		ret = clonedev_object_import(s->cd, kt, o.flags, o.label, o.id,
					     o.id_len, val->pValue,
					     val->ulValueLen, handle);
		break;
	default:
		/* Public keys come with their private halves only. */
		return CKR_ATTRIBUTE_VALUE_INVALID;
	}
	if (ret == -EINVAL)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	rv = p11_rv(ret, P11_CTX_TEMPLATE);
	if (!rv)
		rv = newobj_done(s, &o, *handle);
	return rv;
}

CK_RV C_CreateObject(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate,
		     CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phObject)
{
	struct p11_session *s;
	unsigned int h;
	CK_RV rv = p11_session_get(hSession, &s);

	if (rv)
		return rv;
	if (!phObject) {
		p11_session_put(s);
		return CKR_ARGUMENTS_BAD;
	}
	pthread_mutex_lock(&s->lock);
	if (p11_is_ha(s->tok))
		rv = CKR_FUNCTION_NOT_SUPPORTED;	/* not through an HA slot */
	else
		rv = create_locked(s, pTemplate, ulCount, &h);
	pthread_mutex_unlock(&s->lock);
	if (!rv)
		*phObject = h;
	p11_session_put(s);
	return rv;
}

CK_RV C_DestroyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject)
{
	struct clonedev_object_attrs a;
	struct p11_session *s;
	CK_RV rv = p11_session_get(hSession, &s);

	if (rv)
		return rv;
	pthread_mutex_lock(&s->lock);
	rv = p11_object_attrs(s, hObject, &a, P11_CTX_OBJECT);
	if (!rv && p11_is_ha(s->tok))
		rv = CKR_FUNCTION_NOT_SUPPORTED;	/* docs/ha.md: by member */
	if (!rv && !(s->flags & CKF_RW_SESSION) &&
	    !p11_session_object_is(s->tok, hObject))
		rv = CKR_SESSION_READ_ONLY;
	if (!rv)
		rv = p11_rv(clonedev_object_destroy(s->cd, hObject),
			    P11_CTX_OBJECT);
	if (!rv)
		p11_session_object_forget(s->tok, hObject);
	pthread_mutex_unlock(&s->lock);
	p11_session_put(s);
	return rv;
}

/* ---- key generation ---- */

static CK_RV generate_locked(struct p11_session *s, CK_MECHANISM *m,
			     const CK_ATTRIBUTE *t, unsigned long n,
			     unsigned int *handle)
{
	struct newobj o = { .cls = CKO_SECRET_KEY, .token = 0 };
	CK_ULONG len = 0;
	unsigned int kt;
	CK_RV rv;

	if (m->mechanism == CKM_AES_KEY_GEN) {
		o.kt = CKK_AES;
		kt = CLONEDEV_KEY_AES;
	} else if (m->mechanism == CKM_GENERIC_SECRET_KEY_GEN) {
		o.kt = CKK_GENERIC_SECRET;
		kt = CLONEDEV_KEY_GENERIC_SECRET;
	} else {
		return CKR_MECHANISM_INVALID;
	}
	if (m->pParameter || m->ulParameterLen)
		return CKR_MECHANISM_PARAM_INVALID;
	o.flags = CLONEDEV_OBJ_PRIVATE | CLONEDEV_OBJ_SENSITIVE |
		  default_usage(o.cls, o.kt);
	rv = template_known(t, n);
	if (!rv)
		rv = newobj_read(t, n, &o);
	if (!rv)
		rv = p11_attr_ulong(t, n, CKA_VALUE_LEN, &len);
	if (!rv)
		rv = newobj_check(s, &o);
	if (rv)
		return rv;
	if (o.cls != CKO_SECRET_KEY ||
	    o.kt != (kt == CLONEDEV_KEY_AES ? CKK_AES : CKK_GENERIC_SECRET))
		return CKR_TEMPLATE_INCONSISTENT;
	if (!len)
		return CKR_TEMPLATE_INCOMPLETE;
	if (p11_attr_find(t, n, CKA_VALUE))
		return CKR_TEMPLATE_INCONSISTENT;
	if ((kt == CLONEDEV_KEY_AES && len != 16 && len != 24 && len != 32) ||
	    len > 512)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	if (p11_is_ha(s->tok)) {
		/* On every member, for good: a token object only. */
		if (!o.token)
			return CKR_TEMPLATE_INCONSISTENT;
		return p11_ha_generate(s, kt, len * 8, o.flags, o.label, o.id,
				       o.id_len, handle);
	}
	rv = p11_rv(clonedev_object_generate(s->cd, kt, len * 8, o.flags,
					     o.label, o.id, o.id_len, handle),
		    P11_CTX_TEMPLATE);
	if (!rv)
		rv = newobj_done(s, &o, *handle);
	return rv;
}

CK_RV C_GenerateKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
		    CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount,
		    CK_OBJECT_HANDLE_PTR phKey)
{
	struct p11_session *s;
	unsigned int h;
	CK_RV rv = p11_session_get(hSession, &s);

	if (rv)
		return rv;
	if (!pMechanism || !phKey) {
		p11_session_put(s);
		return CKR_ARGUMENTS_BAD;
	}
	pthread_mutex_lock(&s->lock);
	rv = generate_locked(s, pMechanism, pTemplate, ulCount, &h);
	pthread_mutex_unlock(&s->lock);
	if (!rv)
		*phKey = h;
	p11_session_put(s);
	return rv;
}

/* The RSA size a key pair template asks for (CKA_MODULUS_BITS, e 65537). */
static CK_RV rsa_bits(const CK_ATTRIBUTE *t, unsigned long n, CK_ULONG *bits)
{
	static const unsigned char f4[] = { 0x01, 0x00, 0x01 };
	const CK_ATTRIBUTE *e = p11_attr_find(t, n, CKA_PUBLIC_EXPONENT);
	const unsigned char *v;
	unsigned long len;
	CK_RV rv;

	rv = p11_attr_ulong(t, n, CKA_MODULUS_BITS, bits);
	if (rv)
		return rv;
	if (!*bits)
		return CKR_TEMPLATE_INCOMPLETE;
	if (*bits != 2048 && *bits != 3072 && *bits != 4096)
		return CKR_KEY_SIZE_RANGE;
	if (!e)
		return CKR_OK;
	/* The kernel makes keys with e = 65537 only. */
	v = e->pValue;
	len = e->ulValueLen;
	while (len && v && !*v) {
		v++;
		len--;
	}
	if (!v || len != sizeof(f4) || memcmp(v, f4, sizeof(f4)))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	return CKR_OK;
}

static CK_RV generate_pair_locked(struct p11_session *s, CK_MECHANISM *m,
				  const CK_ATTRIBUTE *pt, unsigned long pn,
				  const CK_ATTRIBUTE *vt, unsigned long vn,
				  unsigned int *pub, unsigned int *priv)
{
	struct newobj po = { .cls = CKO_PUBLIC_KEY, .token = 0 };
	struct newobj vo = { .cls = CKO_PRIVATE_KEY, .token = 0 };
	CK_ULONG bits = 0;
	unsigned int kt;
	int ret, tries;
	CK_RV rv;

	if (m->mechanism == CKM_EC_KEY_PAIR_GEN)
		po.kt = CKK_EC;
	else if (m->mechanism == CKM_RSA_PKCS_KEY_PAIR_GEN)
		po.kt = CKK_RSA;
	else
		return CKR_MECHANISM_INVALID;
	if (m->pParameter || m->ulParameterLen)
		return CKR_MECHANISM_PARAM_INVALID;
	vo.kt = po.kt;
	vo.flags = CLONEDEV_OBJ_PRIVATE | CLONEDEV_OBJ_SENSITIVE |
		   default_usage(vo.cls, vo.kt);
	/* The public half only verifies: its template's usage is not kept. */
	po.flags = CLONEDEV_OBJ_VERIFY;
	rv = template_known(pt, pn);
	if (!rv)
		rv = template_known(vt, vn);
	if (!rv)
		rv = newobj_read(pt, pn, &po);
	if (!rv)
		rv = newobj_read(vt, vn, &vo);
	if (!rv)
		rv = newobj_check(s, &vo);
	if (!rv)
		rv = newobj_check(s, &po);
	if (rv)
		return rv;
	if (po.cls != CKO_PUBLIC_KEY || vo.cls != CKO_PRIVATE_KEY ||
	    po.kt != vo.kt || po.token != vo.token)
		return CKR_TEMPLATE_INCONSISTENT;
	if (vo.kt == CKK_RSA) {
		kt = CLONEDEV_KEY_RSA;
		rv = rsa_bits(pt, pn, &bits);
		if (rv)
			return rv;
	} else {
		const CK_ATTRIBUTE *ecp = p11_attr_find(pt, pn, CKA_EC_PARAMS);

		if (!ecp)
			ecp = p11_attr_find(vt, vn, CKA_EC_PARAMS);
		if (!ecp)
			return CKR_TEMPLATE_INCOMPLETE;
		kt = p11_ec_oid_key_type(ecp->pValue, ecp->ulValueLen);
		if (!kt)
			return CKR_ATTRIBUTE_VALUE_INVALID;
	}
	/* The halves share label and id: the private template's first. */
	if (!vo.label[0])
		memcpy(vo.label, po.label, sizeof(vo.label));
	if (!vo.id_len) {
		memcpy(vo.id, po.id, po.id_len);
		vo.id_len = po.id_len;
	}
	/* An RSA prime search may give up (-EAGAIN): ask again. */
	for (tries = 0; tries < 3; tries++) {
		ret = clonedev_object_generate_keypair(s->cd, kt, bits,
						       vo.flags, vo.label,
						       vo.id, vo.id_len, priv,
						       pub);
		if (ret != -EAGAIN)
			break;
	}
	rv = p11_rv(ret, P11_CTX_TEMPLATE);
	if (!rv)
		rv = newobj_done(s, &vo, *priv);
	if (!rv)
		rv = newobj_done(s, &po, *pub);
	return rv;
}

CK_RV C_GenerateKeyPair(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
			CK_ATTRIBUTE_PTR pPublicKeyTemplate,
			CK_ULONG ulPublicKeyAttributeCount,
			CK_ATTRIBUTE_PTR pPrivateKeyTemplate,
			CK_ULONG ulPrivateKeyAttributeCount,
			CK_OBJECT_HANDLE_PTR phPublicKey,
			CK_OBJECT_HANDLE_PTR phPrivateKey)
{
	struct p11_session *s;
	unsigned int pub, priv;
	CK_RV rv = p11_session_get(hSession, &s);

	if (rv)
		return rv;
	if (!pMechanism || !phPublicKey || !phPrivateKey) {
		p11_session_put(s);
		return CKR_ARGUMENTS_BAD;
	}
	pthread_mutex_lock(&s->lock);
	if (p11_is_ha(s->tok))
		rv = CKR_FUNCTION_NOT_SUPPORTED;	/* not through an HA slot */
	else
		rv = generate_pair_locked(s, pMechanism, pPublicKeyTemplate,
					  ulPublicKeyAttributeCount,
					  pPrivateKeyTemplate,
					  ulPrivateKeyAttributeCount, &pub,
					  &priv);
	pthread_mutex_unlock(&s->lock);
	if (!rv) {
		*phPublicKey = pub;
		*phPrivateKey = priv;
	}
	p11_session_put(s);
	return rv;
}

/* ---- keys that derive and unwrap make ---- */

CK_RV p11_newkey_read(struct p11_session *s, const CK_ATTRIBUTE *t,
		      unsigned long n, struct p11_newkey *k)
{
	struct newobj o = { .cls = (CK_ULONG)-1, .kt = (CK_ULONG)-1,
			    .token = 0 };
	int secret, is_secret_class;
	CK_RV rv;

	memset(k, 0, sizeof(*k));
	rv = template_known(t, n);
	if (!rv)
		rv = p11_attr_ulong(t, n, CKA_CLASS, &o.cls);
	if (!rv)
		rv = p11_attr_ulong(t, n, CKA_KEY_TYPE, &o.kt);
	if (rv)
		return rv;
	if (o.cls == (CK_ULONG)-1 || o.kt == (CK_ULONG)-1)
		return CKR_TEMPLATE_INCOMPLETE;
	switch (o.kt) {
	case CKK_AES:
		k->t.key_type = CLONEDEV_KEY_AES;
		break;
	case CKK_GENERIC_SECRET:
		k->t.key_type = CLONEDEV_KEY_GENERIC_SECRET;
		break;
	case CKK_EC:
	case CKK_RSA:
		if (o.cls != CKO_PRIVATE_KEY)
			return CKR_TEMPLATE_INCONSISTENT;
		k->t.key_type = o.kt == CKK_RSA ? CLONEDEV_KEY_RSA : 0;
		if (!k->t.key_type) {
			const CK_ATTRIBUTE *ecp = p11_attr_find(t, n, CKA_EC_PARAMS);

			if (!ecp)
				return CKR_TEMPLATE_INCOMPLETE;
			k->t.key_type = p11_ec_oid_key_type(ecp->pValue,
							    ecp->ulValueLen);
			if (!k->t.key_type)
				return CKR_ATTRIBUTE_VALUE_INVALID;
		}
		break;
	default:
		return CKR_ATTRIBUTE_VALUE_INVALID;
	}
	if (o.cls != CKO_SECRET_KEY && o.cls != CKO_PRIVATE_KEY)
		return CKR_TEMPLATE_INCONSISTENT;
	is_secret_class = o.cls == CKO_SECRET_KEY;
	secret = o.kt == CKK_AES || o.kt == CKK_GENERIC_SECRET;
	if (secret == !is_secret_class)
		return CKR_TEMPLATE_INCONSISTENT;
	o.flags = CLONEDEV_OBJ_PRIVATE | CLONEDEV_OBJ_SENSITIVE |
		  default_usage(o.cls, o.kt);
	rv = newobj_read(t, n, &o);
	if (!rv)
		rv = newobj_check(s, &o);
	if (!rv)
		rv = p11_attr_ulong(t, n, CKA_VALUE_LEN, &k->value_len);
	if (rv)
		return rv;
	if (p11_attr_find(t, n, CKA_VALUE))
		return CKR_TEMPLATE_INCONSISTENT;
	memcpy(k->label, o.label, sizeof(k->label));
	memcpy(k->id, o.id, sizeof(k->id));
	k->t.obj_flags = o.flags;
	k->t.label = k->label;
	k->t.id = k->id;
	k->t.id_len = o.id_len;
	k->token = o.token;
	return CKR_OK;
}

CK_RV p11_newkey_done(struct p11_session *s, const struct p11_newkey *k,
		      unsigned int handle)
{
	struct newobj o = { .token = k->token };

	return newobj_done(s, &o, handle);
}
