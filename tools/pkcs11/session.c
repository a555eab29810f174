// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libclonedev-pkcs11: sessions and login. Each PKCS#11 session has its own
 * clonedev session (an fd on its slot), so that each keeps its own
 * multi-part operation as the kernel does. Login belongs to the
 * application and the token: C_Login logs in the session it is called on,
 * and every other session of the token, open or opened later, takes that
 * login over; C_Logout logs them all out, and closing the last session
 * ends it. CKU_SO is the po, CKU_USER the co, CKU_CRYPTO_USER the cu.
 * On an HA token the login is the group's virtual slot (ha.c), opened by
 * CKU_USER with the members' co password and closed with the login.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "p11.h"

static unsigned int role_of(CK_USER_TYPE user)
{
	switch (user) {
	case CKU_SO:
		return CLONEDEV_ROLE_PO;
	case CKU_USER:
		return CLONEDEV_ROLE_CO;
	case CKU_CRYPTO_USER:
		return CLONEDEV_ROLE_CU;
	}
	return CLONEDEV_ROLE_NONE;
}

/* A PIN as the NUL-terminated password libclonedev takes; wipe @buf. */
CK_RV p11_pin_copy(const unsigned char *pin, unsigned long len, char *buf)
{
	if (!pin)
		return CKR_ARGUMENTS_BAD;
	if (!len || len > P11_PIN_MAX)
		return CKR_PIN_LEN_RANGE;
	if (memchr(pin, 0, len))
		return CKR_PIN_INVALID;
	memcpy(buf, pin, len);
	buf[len] = 0;
	return CKR_OK;
}

/*
 * Gives @s the login of @from. Must hold @s->tok->lock. The sessions of
 * an HA token share its virtual slot, which is their login.
 */
static CK_RV login_take(struct p11_session *s, struct p11_session *from)
{
	if (p11_is_ha(s->tok))
		return CKR_OK;
	return p11_rv(clonedev_login_share(s->cd, from->cd), P11_CTX_GENERAL);
}

/* The token's sessions all log out. Must hold @tok->lock. */
static void logout_all(struct p11_token *tok)
{
	struct p11_session *s;

	if (p11_is_ha(tok))
		p11_ha_logout(tok);
	else
		for (s = tok->sessions; s; s = s->next)
			clonedev_logout(s->cd);
	tok->user = -1;
}

void p11_session_free(struct p11_session *s)
{
	p11_crypt_end(s);
	p11_digest_end(&s->digest);
	free(s->find.handles);
	clonedev_close(s->cd);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

CK_RV C_OpenSession(CK_SLOT_ID slotID, CK_FLAGS flags,
		    CK_VOID_PTR pApplication, CK_NOTIFY Notify,
		    CK_SESSION_HANDLE_PTR phSession)
{
	struct p11_token *tok;
	struct p11_session *s;
	CK_RV rv = p11_check_init();
	int ret;

	if (rv)
		return rv;
	if (!phSession)
		return CKR_ARGUMENTS_BAD;
	if (!(flags & CKF_SERIAL_SESSION))
		return CKR_SESSION_PARALLEL_NOT_SUPPORTED;
	pthread_mutex_lock(&p11_lock);
	tok = p11_token_get(slotID);
	pthread_mutex_unlock(&p11_lock);
	if (!tok)
		return CKR_SLOT_ID_INVALID;
	s = calloc(1, sizeof(*s));
	if (!s)
		return CKR_HOST_MEMORY;
	s->tok = tok;
	s->flags = flags & (CKF_SERIAL_SESSION | CKF_RW_SESSION);
	s->digest.fd = -1;
	pthread_mutex_init(&s->lock, NULL);
	/* An HA token's session works through the token's virtual slot. */
	ret = p11_is_ha(tok) ? 0 : clonedev_open(&s->cd);
	if (!ret && p11_is_ha(tok))
		goto add;
	if (!ret) {
		ret = clonedev_slot_set(s->cd, slotID);
		if (ret == -ENODEV) {
			rv = CKR_TOKEN_NOT_PRESENT;
			goto err_free;
		}
	}
	if (ret) {
		rv = p11_rv(ret, P11_CTX_GENERAL);
		goto err_free;
	}

add:
	pthread_mutex_lock(&tok->lock);
	if (tok->user == (long)CKU_SO && !(flags & CKF_RW_SESSION)) {
		rv = CKR_SESSION_READ_WRITE_SO_EXISTS;
		goto err_unlock;
	}
	if (tok->user >= 0) {
		rv = login_take(s, tok->sessions);
		if (rv)
			goto err_unlock;
	}
	rv = p11_session_add(s);
	if (rv)
		goto err_unlock;
	s->next = tok->sessions;
	tok->sessions = s;
	tok->count++;
	if (flags & CKF_RW_SESSION)
		tok->rw_count++;
	pthread_mutex_unlock(&tok->lock);
	*phSession = s->handle;
	return CKR_OK;

err_unlock:
	pthread_mutex_unlock(&tok->lock);
err_free:
	p11_session_free(s);
	return rv;
}

/* Takes @s off its token; the last session out ends the login. */
static void session_unlink(struct p11_session *s)
{
	struct p11_token *tok = s->tok;
	struct p11_session **pp;

	pthread_mutex_lock(&tok->lock);
	for (pp = &tok->sessions; *pp && *pp != s; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = s->next;
	tok->count--;
	if (s->flags & CKF_RW_SESSION)
		tok->rw_count--;
	if (!tok->sessions && p11_is_ha(tok))
		p11_ha_logout(tok);
	if (!tok->sessions)
		tok->user = -1;
	pthread_mutex_unlock(&tok->lock);
}

static CK_RV session_close(CK_SESSION_HANDLE h)
{
	struct p11_session *s = p11_session_remove(h);

	if (!s)
		return p11_check_init() ?: CKR_SESSION_HANDLE_INVALID;
	pthread_mutex_lock(&s->lock);
	p11_session_objects_destroy(s);
	pthread_mutex_unlock(&s->lock);
	session_unlink(s);
	p11_session_put(s);
	return CKR_OK;
}

CK_RV C_CloseSession(CK_SESSION_HANDLE hSession)
{
	return session_close(hSession);
}

/* Closes every session of @tok (C_CloseAllSessions, C_Finalize). */
void p11_sessions_close_all(struct p11_token *tok)
{
	for (;;) {
		CK_SESSION_HANDLE h;

		pthread_mutex_lock(&tok->lock);
		h = tok->sessions ? tok->sessions->handle : 0;
		pthread_mutex_unlock(&tok->lock);
		if (!h || session_close(h))
			break;
	}
}

CK_RV C_CloseAllSessions(CK_SLOT_ID slotID)
{
	struct p11_token *tok;
	CK_RV rv = p11_check_init();

	if (rv)
		return rv;
	pthread_mutex_lock(&p11_lock);
	tok = p11_token_get(slotID);
	pthread_mutex_unlock(&p11_lock);
	if (!tok)
		return CKR_SLOT_ID_INVALID;
	p11_sessions_close_all(tok);
	return CKR_OK;
}

CK_RV C_GetSessionInfo(CK_SESSION_HANDLE hSession, CK_SESSION_INFO_PTR pInfo)
{
	struct p11_session *s;
	CK_RV rv = p11_session_get(hSession, &s);
	int rw;

	if (rv)
		return rv;
	if (!pInfo) {
		p11_session_put(s);
		return CKR_ARGUMENTS_BAD;
	}
	rw = !!(s->flags & CKF_RW_SESSION);
	memset(pInfo, 0, sizeof(*pInfo));
	pInfo->slotID = s->tok->slot;
	pInfo->flags = s->flags;
	pthread_mutex_lock(&s->tok->lock);
	switch (s->tok->user) {
	case CKU_SO:
		pInfo->state = CKS_RW_SO_FUNCTIONS;
		break;
	case CKU_USER:
	case CKU_CRYPTO_USER:
		pInfo->state = rw ? CKS_RW_USER_FUNCTIONS : CKS_RO_USER_FUNCTIONS;
		break;
	default:
		pInfo->state = rw ? CKS_RW_PUBLIC_SESSION : CKS_RO_PUBLIC_SESSION;
	}
	pthread_mutex_unlock(&s->tok->lock);
	p11_session_put(s);
	return CKR_OK;
}

CK_RV C_Login(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType,
	      CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen)
{
	char pin[P11_PIN_MAX + 1];
	struct p11_session *s, *o;
	struct p11_token *tok;
	unsigned int role = role_of(userType);
	CK_RV rv = p11_session_get(hSession, &s);

	if (rv)
		return rv;
	tok = s->tok;
	if (userType == CKU_CONTEXT_SPECIFIC) {
		rv = CKR_OPERATION_NOT_INITIALIZED;	/* no key asks for it */
		goto out;
	}
	/* An HA token's one user is the members' co. */
	if (!role || (p11_is_ha(tok) && userType != CKU_USER)) {
		rv = CKR_USER_TYPE_INVALID;
		goto out;
	}
	rv = p11_pin_copy(pPin, ulPinLen, pin);
	if (rv)
		goto out;
	pthread_mutex_lock(&tok->lock);
	if (tok->user == (long)userType) {
		rv = CKR_USER_ALREADY_LOGGED_IN;
		goto unlock;
	}
	if (tok->user >= 0) {
		rv = CKR_USER_ANOTHER_ALREADY_LOGGED_IN;
		goto unlock;
	}
	if (userType == CKU_SO && tok->count != tok->rw_count) {
		rv = CKR_SESSION_READ_ONLY_EXISTS;
		goto unlock;
	}
	if (p11_is_ha(tok))
		rv = p11_ha_login(tok, pin);
	else
		rv = p11_rv(clonedev_login(s->cd, role, pin), P11_CTX_LOGIN);
	if (rv)
		goto unlock;
	for (o = tok->sessions; o && !rv; o = o->next)
		if (o != s)
			rv = login_take(o, s);
	if (rv)
		logout_all(tok);
	else
		tok->user = userType;
unlock:
	pthread_mutex_unlock(&tok->lock);
out:
	explicit_bzero(pin, sizeof(pin));
	p11_session_put(s);
	return rv;
}

CK_RV C_Logout(CK_SESSION_HANDLE hSession)
{
	struct p11_session *s;
	CK_RV rv = p11_session_get(hSession, &s);

	if (rv)
		return rv;
	pthread_mutex_lock(&s->tok->lock);
	if (s->tok->user < 0)
		rv = CKR_USER_NOT_LOGGED_IN;
	else
		logout_all(s->tok);
	pthread_mutex_unlock(&s->tok->lock);
	p11_session_put(s);
	return rv;
}

/* The SO sets the user's (co's) PIN. */
CK_RV C_InitPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pPin,
		CK_ULONG ulPinLen)
{
	char pin[P11_PIN_MAX + 1];
	struct p11_session *s;
	CK_RV rv = p11_session_get(hSession, &s);

	if (rv)
		return rv;
	pthread_mutex_lock(&s->tok->lock);
	if (p11_is_ha(s->tok))
		rv = CKR_FUNCTION_NOT_SUPPORTED;	/* no SO on an HA token */
	else if (s->tok->user != (long)CKU_SO)
		rv = CKR_USER_NOT_LOGGED_IN;
	else if (!(s->flags & CKF_RW_SESSION))
		rv = CKR_SESSION_READ_ONLY;
	pthread_mutex_unlock(&s->tok->lock);
	if (!rv)
		rv = p11_pin_copy(pPin, ulPinLen, pin);
	if (!rv)
		rv = p11_rv(clonedev_role_init(s->cd, CLONEDEV_ROLE_CO, pin),
			    P11_CTX_GENERAL);
	explicit_bzero(pin, sizeof(pin));
	p11_session_put(s);
	return rv;
}

/* The PIN of the user logged in. */
CK_RV C_SetPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pOldPin,
	       CK_ULONG ulOldLen, CK_UTF8CHAR_PTR pNewPin, CK_ULONG ulNewLen)
{
	char old[P11_PIN_MAX + 1], new[P11_PIN_MAX + 1];
	struct p11_session *s;
	CK_RV rv = p11_session_get(hSession, &s);

	if (rv)
		return rv;
	pthread_mutex_lock(&s->tok->lock);
	if (p11_is_ha(s->tok))
		rv = CKR_FUNCTION_NOT_SUPPORTED;	/* one password per member */
	else if (s->tok->user < 0)
		rv = CKR_USER_NOT_LOGGED_IN;
	pthread_mutex_unlock(&s->tok->lock);
	if (!rv && !(s->flags & CKF_RW_SESSION))
		rv = CKR_SESSION_READ_ONLY;
	if (!rv)
		rv = p11_pin_copy(pOldPin, ulOldLen, old);
	if (!rv)
		rv = p11_pin_copy(pNewPin, ulNewLen, new);
	if (!rv) {
		int ret = clonedev_role_changepw(s->cd, old, new);

		rv = ret == -EACCES ? CKR_PIN_INCORRECT :
		     p11_rv(ret, P11_CTX_GENERAL);
	}
	explicit_bzero(old, sizeof(old));
	explicit_bzero(new, sizeof(new));
	p11_session_put(s);
	return rv;
}
