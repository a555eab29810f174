// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libclonedev-pkcs11: slots, tokens and mechanisms. Each partition is a
 * slot whose ID is its clonedev slot number, with a token that is always
 * present; the partitions are found on the system plane (the netlink
 * slot dump) at C_Initialize, and again at each C_GetSlotList. Token
 * flags come from the role states the kernel reports to a session
 * (CLONEDEV_IOCTL_SESSION_INFO). The slots of HA groups follow (ha.c).
 */
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "p11.h"

/* Must hold p11_lock. */
CK_RV p11_tokens_scan(struct p11_token ***out, unsigned long *count)
{
	struct clonedev_slot *slots = NULL;
	struct clonedev_nl *nl;
	unsigned long have = *count, n = have;
	struct p11_token **t;
	int ret, i;

	if (clonedev_nl_open(&nl))
		return CKR_OK;	/* no module loaded: no slots */
	ret = clonedev_nl_slot_list(nl, &slots);
	clonedev_nl_close(nl);
	if (ret < 0)
		return p11_rv(ret, P11_CTX_GENERAL);
	t = realloc(*out, (have + ret + 1) * sizeof(*t));
	if (!t) {
		free(slots);
		return CKR_HOST_MEMORY;
	}
	*out = t;
	for (i = 0; i < ret; i++) {
		unsigned long j;

		for (j = 0; j < have && t[j]->slot != slots[i].slot; j++)
			;
		if (j < have)
			continue;
		t[n] = calloc(1, sizeof(*t[n]));
		if (!t[n])
			break;
		t[n]->slot = slots[i].slot;
		t[n]->user = -1;
		pthread_mutex_init(&t[n]->lock, NULL);
		pthread_mutex_init(&t[n]->obj_lock, NULL);
		pthread_rwlock_init(&t[n]->ha_lock, NULL);
		n++;
	}
	free(slots);
	*count = n;
	return p11_ha_tokens_scan(out, count);
}

CK_RV C_GetSlotList(CK_BBOOL tokenPresent, CK_SLOT_ID_PTR pSlotList,
		    CK_ULONG_PTR pulCount)
{
	CK_RV rv = p11_check_init();
	unsigned long n;

	if (rv)
		return rv;
	if (!pulCount)
		return CKR_ARGUMENTS_BAD;
	pthread_mutex_lock(&p11_lock);
	/*
	 * New partitions show on a size query only: a list's length must not
	 * change between the query and the call that fills it.
	 */
	if (!pSlotList)
		rv = p11_tokens_rescan();
	n = p11_token_list(NULL, 0);
	if (rv == CKR_OK && pSlotList) {
		if (*pulCount < n)
			rv = CKR_BUFFER_TOO_SMALL;
		else
			p11_token_list(pSlotList, n);
	}
	*pulCount = n;
	pthread_mutex_unlock(&p11_lock);
	return rv;
}

static void pad(unsigned char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	memset(dst, ' ', len);
	memcpy(dst, src, n < len ? n : len);
}

/* The partition behind slot @id, from the system plane. */
static CK_RV slot_read(CK_SLOT_ID id, struct clonedev_slot *out)
{
	struct clonedev_nl *nl;
	CK_RV rv;
	int ret;

	pthread_mutex_lock(&p11_lock);
	rv = p11_token_get(id) ? CKR_OK : CKR_SLOT_ID_INVALID;
	pthread_mutex_unlock(&p11_lock);
	if (rv)
		return rv;
	ret = clonedev_nl_open(&nl);
	if (ret)
		return CKR_DEVICE_ERROR;
	ret = clonedev_nl_slot_get(nl, id, out);
	clonedev_nl_close(nl);
	if (ret == -ENOENT || ret == -ENODEV)
		return CKR_TOKEN_NOT_PRESENT;
	return p11_rv(ret, P11_CTX_GENERAL);
}

/* The token of slot @id if it is an HA group's, else NULL. */
static struct p11_token *ha_token(CK_SLOT_ID id)
{
	struct p11_token *tok;

	pthread_mutex_lock(&p11_lock);
	tok = p11_token_get(id);
	pthread_mutex_unlock(&p11_lock);
	return tok && p11_is_ha(tok) ? tok : NULL;
}

CK_RV C_GetSlotInfo(CK_SLOT_ID slotID, CK_SLOT_INFO_PTR pInfo)
{
	struct clonedev_slot cs;
	struct p11_token *ha;
	char desc[64];
	CK_RV rv = p11_check_init();

	if (rv)
		return rv;
	if (!pInfo)
		return CKR_ARGUMENTS_BAD;
	ha = ha_token(slotID);
	if (ha)
		return p11_ha_slot_info(ha, pInfo);
	rv = slot_read(slotID, &cs);
	if (rv && rv != CKR_TOKEN_NOT_PRESENT)
		return rv;
	memset(pInfo, 0, sizeof(*pInfo));
	snprintf(desc, sizeof(desc), "clonedev slot %lu", slotID);
	pad(pInfo->slotDescription, sizeof(pInfo->slotDescription), desc);
	pad(pInfo->manufacturerID, sizeof(pInfo->manufacturerID), "clonedev");
	pInfo->flags = rv ? 0 : CKF_TOKEN_PRESENT;
	pInfo->hardwareVersion.major = 0;
	pInfo->firmwareVersion.minor = 1;
	return CKR_OK;
}

/* The token's flags from the roles of its partition. */
CK_FLAGS p11_partition_flags(CK_SLOT_ID id)
{
	struct clonedev_session_info si;
	const struct clonedev_role_state *co, *po;
	struct clonedev *cd;
	CK_FLAGS f = CKF_RNG | CKF_LOGIN_REQUIRED | CKF_TOKEN_INITIALIZED;

	if (clonedev_open(&cd))
		return f;
	if (clonedev_slot_set(cd, id) || clonedev_session_info(cd, &si)) {
		clonedev_close(cd);
		return f;
	}
	clonedev_close(cd);
	co = &si.roles[CLONEDEV_ROLE_CO];
	po = &si.roles[CLONEDEV_ROLE_PO];
	if (co->role_flags & CLONEDEV_ROLE_SET)
		f |= CKF_USER_PIN_INITIALIZED;
	if (co->role_flags & CLONEDEV_ROLE_LOCKED)
		f |= CKF_USER_PIN_LOCKED;
	else if (co->failures)
		f |= CKF_USER_PIN_COUNT_LOW;
	if (po->role_flags & CLONEDEV_ROLE_LOCKED)
		f |= CKF_SO_PIN_LOCKED;
	else if (po->failures)
		f |= CKF_SO_PIN_COUNT_LOW;
	return f;
}

CK_RV C_GetTokenInfo(CK_SLOT_ID slotID, CK_TOKEN_INFO_PTR pInfo)
{
	struct clonedev_slot cs;
	struct p11_token *tok;
	char serial[32];
	CK_RV rv = p11_check_init();

	if (rv)
		return rv;
	if (!pInfo)
		return CKR_ARGUMENTS_BAD;
	tok = ha_token(slotID);
	if (tok) {
		rv = p11_ha_token_info(tok, pInfo);
		goto counts;
	}
	rv = slot_read(slotID, &cs);
	if (rv)
		return rv;
	memset(pInfo, 0, sizeof(*pInfo));
	pad(pInfo->label, sizeof(pInfo->label), cs.label);
	pad(pInfo->manufacturerID, sizeof(pInfo->manufacturerID), "clonedev");
	pad(pInfo->model, sizeof(pInfo->model), "clonedev");
	snprintf(serial, sizeof(serial), "%llu", cs.serial);
	pad(pInfo->serialNumber, sizeof(pInfo->serialNumber), serial);
	pInfo->flags = p11_partition_flags(slotID);
	pInfo->ulMaxSessionCount = CK_EFFECTIVELY_INFINITE;
	pInfo->ulMaxRwSessionCount = CK_EFFECTIVELY_INFINITE;
	pInfo->ulMaxPinLen = P11_PIN_MAX;
	pInfo->ulMinPinLen = 1;
	pInfo->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
	pInfo->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
	pInfo->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
	pInfo->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
	pInfo->firmwareVersion.minor = 1;
counts:
	if (rv)
		return rv;
	pthread_mutex_lock(&p11_lock);
	tok = p11_token_get(slotID);
	if (tok) {
		pInfo->ulSessionCount = tok->count;
		pInfo->ulRwSessionCount = tok->rw_count;
	}
	pthread_mutex_unlock(&p11_lock);
	return CKR_OK;
}

CK_RV C_InitToken(CK_SLOT_ID slotID, CK_UTF8CHAR_PTR pin, CK_ULONG len,
		  CK_UTF8CHAR_PTR label)
{
	CK_RV rv = p11_check_init();

	/* Partitions are made and initialized with clonectl (docs/pkcs11.md). */
	return rv ? rv : CKR_FUNCTION_NOT_SUPPORTED;
}

#define EC_FLAGS	(CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS)
#define SV		(CKF_HW | CKF_SIGN | CKF_VERIFY)
#define ED		(CKF_HW | CKF_ENCRYPT | CKF_DECRYPT)

/*
 * What the kernel offers: CKF_HW for what the HSM does, not for digests
 * (the kernel crypto API, no key). Key sizes: AES in bytes, generic secrets, EC
 * and RSA in bits (as PKCS#11 v2.40 counts each).
 */
static const struct {
	CK_MECHANISM_TYPE type;
	CK_MECHANISM_INFO info;
} mechs[] = {
	{ CKM_AES_KEY_GEN, { 16, 32, CKF_HW | CKF_GENERATE } },
	{ CKM_GENERIC_SECRET_KEY_GEN, { 8, 4096, CKF_HW | CKF_GENERATE } },
	{ CKM_EC_KEY_PAIR_GEN, { 256, 384, CKF_HW | CKF_GENERATE_KEY_PAIR | EC_FLAGS } },
	{ CKM_AES_GCM, { 16, 32, ED } },
	{ CKM_AES_CBC_PAD, { 16, 32, ED } },
	{ CKM_AES_CTR, { 16, 32, ED } },
	{ CKM_AES_CMAC, { 16, 32, SV } },
	{ CKM_SHA256_HMAC, { 8, 4096, SV } },
	{ CKM_SHA384_HMAC, { 8, 4096, SV } },
	{ CKM_SHA512_HMAC, { 8, 4096, SV } },
	{ CKM_ECDSA, { 256, 384, SV | EC_FLAGS } },
	{ CKM_ECDSA_SHA256, { 256, 384, SV | EC_FLAGS } },
	{ CKM_ECDSA_SHA384, { 256, 384, SV | EC_FLAGS } },
	{ CKM_ECDSA_SHA512, { 256, 384, SV | EC_FLAGS } },
	{ CKM_RSA_PKCS_KEY_PAIR_GEN, { 2048, 4096, CKF_HW | CKF_GENERATE_KEY_PAIR } },
	{ CKM_RSA_PKCS, { 2048, 4096, SV } },
	{ CKM_RSA_PKCS_PSS, { 2048, 4096, SV } },
	{ CKM_SHA256_RSA_PKCS, { 2048, 4096, SV } },
	{ CKM_SHA384_RSA_PKCS, { 2048, 4096, SV } },
	{ CKM_SHA512_RSA_PKCS, { 2048, 4096, SV } },
	{ CKM_SHA256_RSA_PKCS_PSS, { 2048, 4096, SV } },
	{ CKM_SHA384_RSA_PKCS_PSS, { 2048, 4096, SV } },
	{ CKM_SHA512_RSA_PKCS_PSS, { 2048, 4096, SV } },
	{ CKM_RSA_PKCS_OAEP, { 2048, 4096, CKF_HW | CKF_DECRYPT } },
	{ CKM_ECDH1_DERIVE, { 256, 384, CKF_HW | CKF_DERIVE | EC_FLAGS } },
	{ CKM_AES_KEY_WRAP_PAD, { 16, 32, CKF_HW | CKF_WRAP | CKF_UNWRAP } },
	{ CKM_SHA256, { 0, 0, CKF_DIGEST } },
	{ CKM_SHA384, { 0, 0, CKF_DIGEST } },
	{ CKM_SHA512, { 0, 0, CKF_DIGEST } },
};

#define NMECHS	(ARRAY_SIZE(mechs))

int p11_mech_find(CK_MECHANISM_TYPE type, CK_MECHANISM_INFO *info)
{
	unsigned int i;

	for (i = 0; i < NMECHS; i++) {
		if (mechs[i].type == type) {
			if (info)
				*info = mechs[i].info;
			return 1;
		}
	}
	return 0;
}

/*
 * Whether an HA slot offers the mechanism: not key pairs, derive or wrap,
 * which the virtual slot does not carry (docs/pkcs11.md).
 */
static int ha_mech(CK_MECHANISM_TYPE type)
{
	switch (type) {
	case CKM_EC_KEY_PAIR_GEN:
	case CKM_RSA_PKCS_KEY_PAIR_GEN:
	case CKM_ECDH1_DERIVE:
	case CKM_AES_KEY_WRAP_PAD:
		return 0;
	}
	return 1;
}

/* *ha: whether slot @id is an HA group's. */
static CK_RV slot_check(CK_SLOT_ID id, int *ha)
{
	struct p11_token *tok;
	CK_RV rv = p11_check_init();

	if (rv)
		return rv;
	pthread_mutex_lock(&p11_lock);
	tok = p11_token_get(id);
	rv = tok ? CKR_OK : CKR_SLOT_ID_INVALID;
	*ha = tok && p11_is_ha(tok);
	pthread_mutex_unlock(&p11_lock);
	return rv;
}

CK_RV C_GetMechanismList(CK_SLOT_ID slotID, CK_MECHANISM_TYPE_PTR pList,
			 CK_ULONG_PTR pulCount)
{
	unsigned long n = 0;
	unsigned int i;
	int ha;
	CK_RV rv = slot_check(slotID, &ha);

	if (rv)
		return rv;
	if (!pulCount)
		return CKR_ARGUMENTS_BAD;
	for (i = 0; i < NMECHS; i++)
		n += !ha || ha_mech(mechs[i].type);
	if (pList && *pulCount < n) {
		rv = CKR_BUFFER_TOO_SMALL;
	} else if (pList) {
		n = 0;
		for (i = 0; i < NMECHS; i++)
			if (!ha || ha_mech(mechs[i].type))
				pList[n++] = mechs[i].type;
	}
	*pulCount = n;
	return rv;
}

CK_RV C_GetMechanismInfo(CK_SLOT_ID slotID, CK_MECHANISM_TYPE type,
			 CK_MECHANISM_INFO_PTR pInfo)
{
	int ha;
	CK_RV rv = slot_check(slotID, &ha);

	if (rv)
		return rv;
	if (!pInfo)
		return CKR_ARGUMENTS_BAD;
	if (ha && !ha_mech(type))
		return CKR_MECHANISM_INVALID;
	return p11_mech_find(type, pInfo) ? CKR_OK : CKR_MECHANISM_INVALID;
}
