// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libclonedev-pkcs11: the slots of HA groups. Each group of the group
 * file (docs/ha.md) is one more slot, from P11_HA_SLOT_BASE up, whose
 * token is the group's virtual slot in libclonedev (clonedev_ha_*): a
 * CKU_USER login with the members' co password opens it, and each
 * operation goes to a member alive, round robin, failing over when one
 * goes away. Its objects are the members' objects, named by OUID: each
 * OUID has one handle for the module's life (@tok->ouids). A session on
 * an HA slot has no clonedev session of its own (its cd is NULL); what
 * cannot go through the virtual slot returns the CKR docs/pkcs11.md
 * lists.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p11.h"

static struct p11_token *token_new(unsigned int slot, const char *group)
{
	struct p11_token *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->slot = slot;
	t->user = -1;
	pthread_mutex_init(&t->lock, NULL);
	pthread_mutex_init(&t->obj_lock, NULL);
	pthread_rwlock_init(&t->ha_lock, NULL);
	snprintf(t->group, sizeof(t->group), "%s", group);
	return t;
}

/*
 * Adds the groups of the group file not yet known; a group keeps its slot
 * ID for the module's life. No file, or one that does not read, gives no
 * group. Must hold p11_lock.
 */
CK_RV p11_ha_tokens_scan(struct p11_token ***out, unsigned long *count)
{
	struct clonedev_ha_group *g;
	unsigned long n = *count, j, ha_count = 0;
	struct p11_token **t;
	int ng, i;

	ng = clonedev_ha_groups(NULL, &g);
	if (ng <= 0)
		return CKR_OK;
	t = realloc(*out, (n + ng + 1) * sizeof(*t));
	if (!t) {
		free(g);
		return CKR_HOST_MEMORY;
	}
	*out = t;
	for (j = 0; j < n; j++)
		ha_count += p11_is_ha(t[j]);
	for (i = 0; i < ng; i++) {
		for (j = 0; j < *count; j++)
			if (p11_is_ha(t[j]) && !strcmp(t[j]->group, g[i].label))
				break;
		if (j < *count)
			continue;
		t[n] = token_new(P11_HA_SLOT_BASE + ha_count, g[i].label);
		if (!t[n])
			break;
		ha_count++;
		n++;
	}
	free(g);
	*count = n;
	return CKR_OK;
}

void p11_ha_token_free(struct p11_token *tok)
{
	clonedev_ha_close(tok->ha);
	tok->ha = NULL;
	free(tok->ouids);
	pthread_rwlock_destroy(&tok->ha_lock);
}

/* The group of @tok as the group file now has it: 0 or -errno. */
static int group_read(const struct p11_token *tok,
		      struct clonedev_ha_group *out)
{
	struct clonedev_ha_group *g;
	int n, i, ret = -ENOENT;

	n = clonedev_ha_groups(NULL, &g);
	if (n < 0)
		return n;
	for (i = 0; i < n && ret; i++) {
		if (!strcmp(g[i].label, tok->group)) {
			*out = g[i];
			ret = 0;
		}
	}
	free(g);
	return ret;
}

static void pad(unsigned char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	memset(dst, ' ', len);
	memcpy(dst, src, n < len ? n : len);
}

CK_RV p11_ha_slot_info(struct p11_token *tok, CK_SLOT_INFO *info)
{
	struct clonedev_ha_group g;
	char desc[64];

	memset(info, 0, sizeof(*info));
	snprintf(desc, sizeof(desc), "clonedev HA group %s", tok->group);
	pad(info->slotDescription, sizeof(info->slotDescription), desc);
	pad(info->manufacturerID, sizeof(info->manufacturerID), "clonedev");
	info->flags = group_read(tok, &g) ? 0 : CKF_TOKEN_PRESENT;
	info->firmwareVersion.minor = 1;
	return CKR_OK;
}

/*
 * The flags of the members alive (a slot holding the member's partition,
 * initialized), as one token: the user PIN is locked if it is on every
 * one of them, low on count if any has failures or is locked.
 */
static CK_FLAGS members_flags(const struct clonedev_ha_group *g)
{
	CK_FLAGS f = CKF_LOGIN_REQUIRED | CKF_TOKEN_INITIALIZED, mf;
	unsigned int i, alive = 0, locked = 0, low = 0, set = 0;
	struct clonedev_nl *nl;
	struct clonedev_slot s;

	if (clonedev_nl_open(&nl))
		return f;
	for (i = 0; i < g->n; i++) {
		if (clonedev_nl_slot_get(nl, g->m[i].slot, &s) ||
		    s.serial != g->m[i].serial ||
		    s.state != CLONEDEV_STATE_INITIALIZED)
			continue;
		mf = p11_partition_flags(g->m[i].slot);
		alive++;
		set += !!(mf & CKF_USER_PIN_INITIALIZED);
		locked += !!(mf & CKF_USER_PIN_LOCKED);
		low += !!(mf & (CKF_USER_PIN_LOCKED | CKF_USER_PIN_COUNT_LOW));
	}
	clonedev_nl_close(nl);
	if (set)
		f |= CKF_USER_PIN_INITIALIZED;
	if (alive && locked == alive)
		f |= CKF_USER_PIN_LOCKED;
	else if (low)
		f |= CKF_USER_PIN_COUNT_LOW;
	return f;
}

CK_RV p11_ha_token_info(struct p11_token *tok, CK_TOKEN_INFO *info)
{
	struct clonedev_ha_group g;
	char serial[32];

	if (group_read(tok, &g))
		return CKR_TOKEN_NOT_PRESENT;
	memset(info, 0, sizeof(*info));
	pad(info->label, sizeof(info->label), tok->group);
	pad(info->manufacturerID, sizeof(info->manufacturerID), "clonedev");
	pad(info->model, sizeof(info->model), "clonedev HA");
	/* As Luna's virtual slot: 1, then the first member's serial. */
	snprintf(serial, sizeof(serial), "1%llu", g.m[0].serial);
	pad(info->serialNumber, sizeof(info->serialNumber), serial);
	info->flags = members_flags(&g);
	info->ulMaxSessionCount = CK_EFFECTIVELY_INFINITE;
	info->ulMaxRwSessionCount = CK_EFFECTIVELY_INFINITE;
	info->ulMaxPinLen = P11_PIN_MAX;
	info->ulMinPinLen = 1;
	info->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
	info->firmwareVersion.minor = 1;
	return CKR_OK;
}

/* Opens the group's virtual slot with the co password. Must hold @tok->lock. */
CK_RV p11_ha_login(struct p11_token *tok, const char *pin)
{
	struct clonedev_ha *ha;
	int ret = clonedev_ha_login(&ha, NULL, tok->group, pin);

	if (ret == -ENOENT || ret == -EHOSTDOWN)
		return CKR_TOKEN_NOT_PRESENT;	/* no group, no member alive */
	if (ret)
		return p11_rv(ret, P11_CTX_LOGIN);
	pthread_rwlock_wrlock(&tok->ha_lock);
	tok->ha = ha;
	pthread_rwlock_unlock(&tok->ha_lock);
	return CKR_OK;
}

/* Must hold @tok->lock. */
void p11_ha_logout(struct p11_token *tok)
{
	struct clonedev_ha *ha;

	pthread_rwlock_wrlock(&tok->ha_lock);
	ha = tok->ha;
	tok->ha = NULL;
	pthread_rwlock_unlock(&tok->ha_lock);
	clonedev_ha_close(ha);
}

/* The handle of @ouid on @tok, given it on first sight; 0 if no memory. */
static unsigned int handle_of(struct p11_token *tok, const unsigned char *ouid)
{
	unsigned char (*n)[CLONEDEV_OUID_LEN];
	unsigned long i;
	unsigned int h = 0;

	pthread_mutex_lock(&tok->obj_lock);
	for (i = 0; i < tok->nouids; i++) {
		if (!memcmp(tok->ouids[i], ouid, CLONEDEV_OUID_LEN)) {
			h = i + 1;
			goto out;
		}
	}
	n = realloc(tok->ouids, (tok->nouids + 1) * sizeof(*n));
	if (!n)
		goto out;
	tok->ouids = n;
	memcpy(n[tok->nouids++], ouid, CLONEDEV_OUID_LEN);
	h = tok->nouids;
out:
	pthread_mutex_unlock(&tok->obj_lock);
	return h;
}

static int ouid_of(struct p11_token *tok, unsigned int handle,
		   unsigned char *ouid)
{
	int ret = -ENOENT;

	pthread_mutex_lock(&tok->obj_lock);
	if (handle && handle <= tok->nouids) {
		memcpy(ouid, tok->ouids[handle - 1], CLONEDEV_OUID_LEN);
		ret = 0;
	}
	pthread_mutex_unlock(&tok->obj_lock);
	return ret;
}

/*
 * The object's attributes, from a member alive that holds it; a->handle is
 * the module's handle. Objects show only to a logged-in user.
 */
CK_RV p11_ha_object_attrs(struct p11_session *s, unsigned int handle,
			  struct clonedev_object_attrs *a, enum p11_ctx ctx)
{
	struct p11_token *tok = s->tok;
	unsigned char ouid[CLONEDEV_OUID_LEN];
	int ret = ouid_of(tok, handle, ouid);

	if (!ret) {
		pthread_rwlock_rdlock(&tok->ha_lock);
		ret = tok->ha ? clonedev_ha_object_get(tok->ha, ouid, a, NULL,
						       0, NULL) : -ENOENT;
		pthread_rwlock_unlock(&tok->ha_lock);
	}
	if (ret == -EACCES)
		ret = -ENOENT;
	if (!ret)
		a->handle = handle;
	return p11_rv(ret, ctx);
}

/* The value (or, @public, the public key) of the object @a. */
int p11_ha_object_value(struct p11_session *s,
			const struct clonedev_object_attrs *a, int public,
			void *buf, unsigned int cap, unsigned int *len)
{
	struct p11_token *tok = s->tok;
	struct clonedev_object_attrs b;
	int ret = -ENOENT;

	memset(&b, 0, sizeof(b));
	pthread_rwlock_rdlock(&tok->ha_lock);
	if (tok->ha && public)
		ret = clonedev_ha_object_public(tok->ha, a->ouid, buf, cap, len);
	else if (tok->ha)
		ret = clonedev_ha_object_get(tok->ha, a->ouid, &b, buf, cap,
					     len);
	pthread_rwlock_unlock(&tok->ha_lock);
	return ret;
}

/* The handles of the objects of a member alive; none when logged out. */
int p11_ha_object_list(struct p11_session *s, unsigned int **handles)
{
	struct p11_token *tok = s->tok;
	unsigned char *ouids = NULL;
	unsigned int *h;
	int n = 0, i;

	*handles = NULL;
	pthread_rwlock_rdlock(&tok->ha_lock);
	if (tok->ha)
		n = clonedev_ha_objects(tok->ha, &ouids);
	pthread_rwlock_unlock(&tok->ha_lock);
	if (n <= 0)
		return n;
	h = calloc(n, sizeof(*h));
	for (i = 0; h && i < n; i++) {
		h[i] = handle_of(tok, ouids + i * CLONEDEV_OUID_LEN);
		if (!h[i]) {
			free(h);
			h = NULL;
		}
	}
	free(ouids);
	if (!h)
		return -ENOMEM;
	*handles = h;
	return n;
}

/* A secret key made on one member and cloned to every member alive. */
CK_RV p11_ha_generate(struct p11_session *s, unsigned int key_type,
		      unsigned int bits, unsigned int flags, const char *label,
		      const void *id, unsigned int id_len,
		      unsigned int *handle)
{
	struct p11_token *tok = s->tok;
	unsigned char ouid[CLONEDEV_OUID_LEN];
	int ret = -EACCES;

	pthread_rwlock_rdlock(&tok->ha_lock);
	if (tok->ha)
		ret = clonedev_ha_generate(tok->ha, key_type, bits, flags,
					   label, id, id_len, ouid);
	pthread_rwlock_unlock(&tok->ha_lock);
	if (ret)
		return p11_rv(ret, P11_CTX_TEMPLATE);
	*handle = handle_of(tok, ouid);
	return *handle ? CKR_OK : CKR_HOST_MEMORY;
}

/* The session's encryption, decryption or signature, in one call. */
int p11_ha_crypt(struct p11_session *s, const void *in, size_t in_len,
		 void *out, size_t cap, size_t *n)
{
	struct p11_token *tok = s->tok;
	struct p11_crypt *c = &s->crypt;
	int ret = -EACCES;

	pthread_rwlock_rdlock(&tok->ha_lock);
	if (!tok->ha)
		goto out;
	switch (c->op) {
	case CLONEDEV_CRYPT_ENCRYPT:
		ret = clonedev_ha_encrypt(tok->ha, c->ouid, &c->p, in, in_len,
					  out, cap, n);
		break;
	case CLONEDEV_CRYPT_DECRYPT:
		ret = clonedev_ha_decrypt(tok->ha, c->ouid, &c->p, in, in_len,
					  out, cap, n);
		break;
	default:
		ret = clonedev_ha_sign(tok->ha, c->ouid, &c->p, in, in_len,
				       out, cap, n);
	}
out:
	pthread_rwlock_unlock(&tok->ha_lock);
	return ret;
}

int p11_ha_verify(struct p11_session *s, const void *in, size_t in_len,
		  const void *sig, size_t sig_len)
{
	struct p11_token *tok = s->tok;
	int ret = -EACCES;

	pthread_rwlock_rdlock(&tok->ha_lock);
	if (tok->ha)
		ret = clonedev_ha_verify(tok->ha, s->crypt.ouid, &s->crypt.p,
					 in, in_len, sig, sig_len);
	pthread_rwlock_unlock(&tok->ha_lock);
	return ret;
}
