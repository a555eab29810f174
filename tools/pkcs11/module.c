// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libclonedev-pkcs11: the module's life (C_GetFunctionList, C_Initialize,
 * C_Finalize, C_GetInfo), the module lock with the tokens and the session
 * table it protects, and fork detection: a child of a process that
 * initialized the module sees CKR_CRYPTOKI_NOT_INITIALIZED until it calls
 * C_Initialize itself, and never uses its parent's sessions or login.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "p11.h"

/* Protects everything below, and each token's place in @tokens. */
pthread_mutex_t p11_lock = PTHREAD_MUTEX_INITIALIZER;

static pid_t init_pid;			/* 0: not initialized */
static struct p11_token **tokens;
static unsigned long ntokens;
static struct p11_session **tab;	/* by handle - 1 */
static unsigned long tab_cap;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/*
 * A fork while another thread holds p11_lock would leave it locked in the
 * child: hold it over the fork, and release it on both sides.
 */
static void fork_prepare(void)
{
	pthread_mutex_lock(&p11_lock);
}

static void fork_parent(void)
{
	pthread_mutex_unlock(&p11_lock);
}

static void fork_child(void)
{
	pthread_mutex_unlock(&p11_lock);
}

static void atfork_register(void)
{
	pthread_atfork(fork_prepare, fork_parent, fork_child);
}

/* Must hold p11_lock. */
static int initialized_here(void)
{
	return init_pid && init_pid == getpid();
}

CK_RV p11_check_init(void)
{
	CK_RV rv;

	pthread_mutex_lock(&p11_lock);
	rv = initialized_here() ? CKR_OK : CKR_CRYPTOKI_NOT_INITIALIZED;
	pthread_mutex_unlock(&p11_lock);
	return rv;
}

/* Must hold p11_lock. */
struct p11_token *p11_token_get(CK_SLOT_ID id)
{
	unsigned long i;

	for (i = 0; i < ntokens; i++)
		if (tokens[i]->slot == id)
			return tokens[i];
	return NULL;
}

/* Must hold p11_lock. */
unsigned long p11_token_list(CK_SLOT_ID *ids, unsigned long cap)
{
	unsigned long i;

	for (i = 0; i < ntokens && i < cap; i++)
		ids[i] = tokens[i]->slot;
	return ntokens;
}

CK_RV p11_session_get(CK_SESSION_HANDLE h, struct p11_session **out)
{
	struct p11_session *s = NULL;
	CK_RV rv = CKR_SESSION_HANDLE_INVALID;

	pthread_mutex_lock(&p11_lock);
	if (!initialized_here()) {
		rv = CKR_CRYPTOKI_NOT_INITIALIZED;
	} else if (h && h <= tab_cap && tab[h - 1]) {
		s = tab[h - 1];
		s->refs++;
		rv = CKR_OK;
	}
	pthread_mutex_unlock(&p11_lock);
	*out = s;
	return rv;
}

void p11_session_put(struct p11_session *s)
{
	unsigned int refs;

	pthread_mutex_lock(&p11_lock);
	refs = --s->refs;
	pthread_mutex_unlock(&p11_lock);
	if (!refs)
		p11_session_free(s);
}

/* Gives @s a handle and the table's reference. */
CK_RV p11_session_add(struct p11_session *s)
{
	unsigned long i;
	CK_RV rv = CKR_OK;

	pthread_mutex_lock(&p11_lock);
	for (i = 0; i < tab_cap && tab[i]; i++)
		;
	if (i == tab_cap) {
		unsigned long cap = tab_cap ? 2 * tab_cap : 64;
		struct p11_session **t = realloc(tab, cap * sizeof(*t));

		if (!t) {
			rv = CKR_HOST_MEMORY;
			goto out;
		}
		memset(t + tab_cap, 0, (cap - tab_cap) * sizeof(*t));
		tab = t;
		tab_cap = cap;
	}
	tab[i] = s;
	s->handle = i + 1;
	s->refs = 1;
out:
	pthread_mutex_unlock(&p11_lock);
	return rv;
}

/* Takes @h out of the table; the caller has the table's reference. */
struct p11_session *p11_session_remove(CK_SESSION_HANDLE h)
{
	struct p11_session *s = NULL;

	pthread_mutex_lock(&p11_lock);
	if (initialized_here() && h && h <= tab_cap && tab[h - 1]) {
		s = tab[h - 1];
		tab[h - 1] = NULL;
	}
	pthread_mutex_unlock(&p11_lock);
	return s;
}

/*
 * Adds the partitions made since. A token never goes: handles to it stay
 * valid, and a deleted partition's calls fail with CKR_TOKEN_NOT_PRESENT.
 * Must hold p11_lock.
 */
CK_RV p11_tokens_rescan(void)
{
	return p11_tokens_scan(&tokens, &ntokens);
}

static void tokens_free(void)
{
	unsigned long i;

	for (i = 0; i < ntokens; i++) {
		pthread_mutex_destroy(&tokens[i]->lock);
		pthread_mutex_destroy(&tokens[i]->obj_lock);
		free(tokens[i]->sobjs);
		p11_ha_token_free(tokens[i]);
		free(tokens[i]);
	}
	free(tokens);
	tokens = NULL;
	ntokens = 0;
}

/*
 * A child's copy of its parent's state: the fds are the parent's open
 * files (closing the child's copies leaves the parent's login alone), the
 * memory a copy. Must hold p11_lock.
 */
static void state_drop_inherited(void)
{
	unsigned long i;

	for (i = 0; i < tab_cap; i++) {
		if (!tab[i])
			continue;
		p11_crypt_end(tab[i]);
		p11_digest_end(&tab[i]->digest);
		clonedev_close(tab[i]->cd);
		free(tab[i]->find.handles);
		free(tab[i]);
	}
	free(tab);
	tab = NULL;
	tab_cap = 0;
	tokens_free();
	init_pid = 0;
}

CK_RV C_Initialize(CK_VOID_PTR pInitArgs)
{
	CK_C_INITIALIZE_ARGS *args = pInitArgs;
	CK_RV rv;

	pthread_once(&atfork_once, atfork_register);
	if (args) {
		int fns = !!args->CreateMutex + !!args->DestroyMutex +
			  !!args->LockMutex + !!args->UnlockMutex;

		if (args->pReserved || (fns && fns != 4))
			return CKR_ARGUMENTS_BAD;
		/* Our locks are the OS's; application locks alone will not do. */
		if (fns && !(args->flags & CKF_OS_LOCKING_OK))
			return CKR_CANT_LOCK;
	}
	pthread_mutex_lock(&p11_lock);
	if (initialized_here()) {
		rv = CKR_CRYPTOKI_ALREADY_INITIALIZED;
		goto out;
	}
	if (init_pid)
		state_drop_inherited();
	rv = p11_tokens_scan(&tokens, &ntokens);
	if (rv == CKR_OK)
		init_pid = getpid();
out:
	pthread_mutex_unlock(&p11_lock);
	return rv;
}

/* cppcheck-suppress constParameter ; the standard's signature */
CK_RV C_Finalize(CK_VOID_PTR pReserved)
{
	unsigned long i;

	if (pReserved)
		return CKR_ARGUMENTS_BAD;
	pthread_mutex_lock(&p11_lock);
	if (!initialized_here()) {
		pthread_mutex_unlock(&p11_lock);
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	}
	pthread_mutex_unlock(&p11_lock);
	for (i = 0; i < ntokens; i++)
		p11_sessions_close_all(tokens[i]);
	pthread_mutex_lock(&p11_lock);
	free(tab);
	tab = NULL;
	tab_cap = 0;
	tokens_free();
	init_pid = 0;
	pthread_mutex_unlock(&p11_lock);
	return CKR_OK;
}

static void pad(unsigned char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	memset(dst, ' ', len);
	memcpy(dst, src, n < len ? n : len);
}

CK_RV C_GetInfo(CK_INFO_PTR pInfo)
{
	CK_RV rv = p11_check_init();

	if (rv)
		return rv;
	if (!pInfo)
		return CKR_ARGUMENTS_BAD;
	memset(pInfo, 0, sizeof(*pInfo));
	pInfo->cryptokiVersion.major = 2;
	pInfo->cryptokiVersion.minor = 40;
	pad(pInfo->manufacturerID, sizeof(pInfo->manufacturerID), "clonedev");
	pad(pInfo->libraryDescription, sizeof(pInfo->libraryDescription),
	    "clonedev PKCS#11 module");
	pInfo->libraryVersion.major = 0;
	pInfo->libraryVersion.minor = 1;
	return CKR_OK;
}

static CK_FUNCTION_LIST function_list = {
	.version = { 2, 40 },
	.C_Initialize = C_Initialize,
	.C_Finalize = C_Finalize,
	.C_GetInfo = C_GetInfo,
	.C_GetFunctionList = C_GetFunctionList,
	.C_GetSlotList = C_GetSlotList,
	.C_GetSlotInfo = C_GetSlotInfo,
	.C_GetTokenInfo = C_GetTokenInfo,
	.C_GetMechanismList = C_GetMechanismList,
	.C_GetMechanismInfo = C_GetMechanismInfo,
	.C_InitToken = C_InitToken,
	.C_InitPIN = C_InitPIN,
	.C_SetPIN = C_SetPIN,
	.C_OpenSession = C_OpenSession,
	.C_CloseSession = C_CloseSession,
	.C_CloseAllSessions = C_CloseAllSessions,
	.C_GetSessionInfo = C_GetSessionInfo,
	.C_GetOperationState = C_GetOperationState,
	.C_SetOperationState = C_SetOperationState,
	.C_Login = C_Login,
	.C_Logout = C_Logout,
	.C_CreateObject = C_CreateObject,
	.C_CopyObject = C_CopyObject,
	.C_DestroyObject = C_DestroyObject,
	.C_GetObjectSize = C_GetObjectSize,
	.C_GetAttributeValue = C_GetAttributeValue,
	.C_SetAttributeValue = C_SetAttributeValue,
	.C_FindObjectsInit = C_FindObjectsInit,
	.C_FindObjects = C_FindObjects,
	.C_FindObjectsFinal = C_FindObjectsFinal,
	.C_EncryptInit = C_EncryptInit,
	.C_Encrypt = C_Encrypt,
	.C_EncryptUpdate = C_EncryptUpdate,
	.C_EncryptFinal = C_EncryptFinal,
	.C_DecryptInit = C_DecryptInit,
	.C_Decrypt = C_Decrypt,
	.C_DecryptUpdate = C_DecryptUpdate,
	.C_DecryptFinal = C_DecryptFinal,
	.C_DigestInit = C_DigestInit,
	.C_Digest = C_Digest,
	.C_DigestUpdate = C_DigestUpdate,
	.C_DigestKey = C_DigestKey,
	.C_DigestFinal = C_DigestFinal,
	.C_SignInit = C_SignInit,
	.C_Sign = C_Sign,
	.C_SignUpdate = C_SignUpdate,
	.C_SignFinal = C_SignFinal,
	.C_SignRecoverInit = C_SignRecoverInit,
	.C_SignRecover = C_SignRecover,
	.C_VerifyInit = C_VerifyInit,
	.C_Verify = C_Verify,
	.C_VerifyUpdate = C_VerifyUpdate,
	.C_VerifyFinal = C_VerifyFinal,
	.C_VerifyRecoverInit = C_VerifyRecoverInit,
	.C_VerifyRecover = C_VerifyRecover,
	.C_DigestEncryptUpdate = C_DigestEncryptUpdate,
	.C_DecryptDigestUpdate = C_DecryptDigestUpdate,
	.C_SignEncryptUpdate = C_SignEncryptUpdate,
	.C_DecryptVerifyUpdate = C_DecryptVerifyUpdate,
	.C_GenerateKey = C_GenerateKey,
	.C_GenerateKeyPair = C_GenerateKeyPair,
	.C_WrapKey = C_WrapKey,
	.C_UnwrapKey = C_UnwrapKey,
	.C_DeriveKey = C_DeriveKey,
	.C_SeedRandom = C_SeedRandom,
	.C_GenerateRandom = C_GenerateRandom,
	.C_GetFunctionStatus = C_GetFunctionStatus,
	.C_CancelFunction = C_CancelFunction,
	.C_WaitForSlotEvent = C_WaitForSlotEvent,
};

P11_EXPORT CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR ppFunctionList)
{
	if (!ppFunctionList)
		return CKR_ARGUMENTS_BAD;
	*ppFunctionList = &function_list;
	return CKR_OK;
}

/* Functions of the standard this module does not offer. */
CK_RV C_GetOperationState(CK_SESSION_HANDLE h, CK_BYTE_PTR state,
			  CK_ULONG_PTR len)
{
	return CKR_FUNCTION_NOT_SUPPORTED;
}

CK_RV C_SetOperationState(CK_SESSION_HANDLE h, CK_BYTE_PTR state,
			  CK_ULONG len, CK_OBJECT_HANDLE enc,
			  CK_OBJECT_HANDLE auth)
{
	return CKR_FUNCTION_NOT_SUPPORTED;
}

CK_RV C_SignRecoverInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m,
			CK_OBJECT_HANDLE k)
{
	return CKR_FUNCTION_NOT_SUPPORTED;
}

CK_RV C_SignRecover(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG in_len,
		    CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	return CKR_FUNCTION_NOT_SUPPORTED;
}

CK_RV C_VerifyRecoverInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m,
			  CK_OBJECT_HANDLE k)
{
	return CKR_FUNCTION_NOT_SUPPORTED;
}

CK_RV C_VerifyRecover(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG in_len,
		      CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	return CKR_FUNCTION_NOT_SUPPORTED;
}

CK_RV C_DigestEncryptUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR in,
			    CK_ULONG in_len, CK_BYTE_PTR out,
			    CK_ULONG_PTR out_len)
{
	return CKR_FUNCTION_NOT_SUPPORTED;
}

CK_RV C_DecryptDigestUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR in,
			    CK_ULONG in_len, CK_BYTE_PTR out,
			    CK_ULONG_PTR out_len)
{
	return CKR_FUNCTION_NOT_SUPPORTED;
}

CK_RV C_SignEncryptUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR in,
			  CK_ULONG in_len, CK_BYTE_PTR out,
			  CK_ULONG_PTR out_len)
{
	return CKR_FUNCTION_NOT_SUPPORTED;
}

CK_RV C_DecryptVerifyUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR in,
			    CK_ULONG in_len, CK_BYTE_PTR out,
			    CK_ULONG_PTR out_len)
{
	return CKR_FUNCTION_NOT_SUPPORTED;
}

CK_RV C_CopyObject(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o,
		   CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR out)
{
	return CKR_FUNCTION_NOT_SUPPORTED;
}

CK_RV C_GetFunctionStatus(CK_SESSION_HANDLE h)
{
	return CKR_FUNCTION_NOT_PARALLEL;
}

CK_RV C_CancelFunction(CK_SESSION_HANDLE h)
{
	return CKR_FUNCTION_NOT_PARALLEL;
}

CK_RV C_WaitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID_PTR slot,
			 CK_VOID_PTR reserved)
{
	return CKR_FUNCTION_NOT_SUPPORTED;
}

CK_RV C_SeedRandom(CK_SESSION_HANDLE h, CK_BYTE_PTR seed, CK_ULONG len)
{
	return CKR_RANDOM_SEED_NOT_SUPPORTED;
}
