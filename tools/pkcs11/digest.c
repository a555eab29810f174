// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libclonedev-pkcs11: C_Digest* with CKM_SHA256, CKM_SHA384 and
 * CKM_SHA512. clonedev has no digest request, and keyless digests need
 * no HSM: the kernel crypto API computes them through an AF_ALG hash
 * socket, one per operation, so the module carries no hash code of its
 * own.
 */
#include <errno.h>
#include <linux/if_alg.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "p11.h"

#ifndef AF_ALG
#define AF_ALG 38
#endif

static const struct {
	CK_MECHANISM_TYPE mech;
	const char *name;
	unsigned int len;
} hashes[] = {
	{ CKM_SHA256, "sha256", 32 },
	{ CKM_SHA384, "sha384", 48 },
	{ CKM_SHA512, "sha512", 64 },
};

/* An operation socket of the hash @name, or -errno. */
static int alg_open(const char *name)
{
	struct sockaddr_alg sa = { .salg_family = AF_ALG };
	int tfm, op;

	strncpy((char *)sa.salg_type, "hash", sizeof(sa.salg_type));
	strncpy((char *)sa.salg_name, name, sizeof(sa.salg_name) - 1);
	tfm = socket(AF_ALG, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (tfm < 0)
		return -errno;
	if (bind(tfm, (struct sockaddr *)&sa, sizeof(sa))) {
		op = -errno;
		close(tfm);
		return op;
	}
	op = accept4(tfm, NULL, NULL, SOCK_CLOEXEC);
	if (op < 0)
		op = -errno;
	close(tfm);
	return op;
}

void p11_digest_end(struct p11_digest *d)
{
	if (d->fd >= 0)
		close(d->fd);
	memset(d, 0, sizeof(*d));
	d->fd = -1;
}

/* Feeds @len bytes; more follow. */
static int alg_feed(int fd, const unsigned char *in, unsigned long len)
{
	while (len) {
		ssize_t n = send(fd, in, len, MSG_MORE);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		in += n;
		len -= n;
	}
	return 0;
}

static int alg_result(struct p11_digest *d, unsigned char *out)
{
	ssize_t n;

	do {
		n = read(d->fd, out, d->len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == d->len ? 0 : -EIO;
}

CK_RV C_DigestInit(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism)
{
	struct p11_session *s;
	CK_RV rv = p11_session_get(hSession, &s);
	unsigned int i;
	int fd;

	if (rv)
		return rv;
	pthread_mutex_lock(&s->lock);
	if (!pMechanism) {
		rv = CKR_ARGUMENTS_BAD;
		goto out;
	}
	if (s->digest.mech) {
		rv = CKR_OPERATION_ACTIVE;
		goto out;
	}
	for (i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++)
		if (hashes[i].mech == pMechanism->mechanism)
			break;
	if (i == sizeof(hashes) / sizeof(hashes[0])) {
		rv = CKR_MECHANISM_INVALID;
		goto out;
	}
	if (pMechanism->pParameter || pMechanism->ulParameterLen) {
		rv = CKR_MECHANISM_PARAM_INVALID;
		goto out;
	}
	fd = alg_open(hashes[i].name);
	if (fd < 0) {
		rv = fd == -ENOMEM ? CKR_HOST_MEMORY : CKR_DEVICE_ERROR;
		goto out;
	}
	s->digest.mech = hashes[i].mech;
	s->digest.len = hashes[i].len;
	s->digest.fd = fd;
out:
	pthread_mutex_unlock(&s->lock);
	p11_session_put(s);
	return rv;
}

/*
 * The result into @out (room *@len) and the end of the operation; or,
 * with @out NULL or too small, only the length (the operation goes on).
 */
static CK_RV digest_out(struct p11_digest *d, unsigned char *out,
			CK_ULONG_PTR len)
{
	CK_RV rv = CKR_OK;

	if (!len) {
		rv = CKR_ARGUMENTS_BAD;
	} else if (!out) {
		*len = d->len;
		return CKR_OK;
	} else if (*len < d->len) {
		*len = d->len;
		return CKR_BUFFER_TOO_SMALL;
	} else if (alg_result(d, out)) {
		rv = CKR_DEVICE_ERROR;
	} else {
		*len = d->len;
	}
	p11_digest_end(d);
	return rv;
}

CK_RV C_Digest(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData,
	       CK_ULONG ulDataLen, CK_BYTE_PTR pDigest,
	       CK_ULONG_PTR pulDigestLen)
{
	struct p11_session *s;
	CK_RV rv = p11_session_get(hSession, &s);

	if (rv)
		return rv;
	pthread_mutex_lock(&s->lock);
	if (!s->digest.mech) {
		rv = CKR_OPERATION_NOT_INITIALIZED;
	} else if (s->digest.fed) {
		rv = CKR_OPERATION_ACTIVE;
	} else if ((!pData && ulDataLen) || !pulDigestLen) {
		rv = CKR_ARGUMENTS_BAD;
		p11_digest_end(&s->digest);
	} else if (!pDigest || *pulDigestLen < s->digest.len) {
		rv = digest_out(&s->digest, pDigest, pulDigestLen);
	} else if (alg_feed(s->digest.fd, pData, ulDataLen)) {
		rv = CKR_DEVICE_ERROR;
		p11_digest_end(&s->digest);
	} else {
		rv = digest_out(&s->digest, pDigest, pulDigestLen);
	}
	pthread_mutex_unlock(&s->lock);
	p11_session_put(s);
	return rv;
}

CK_RV C_DigestUpdate(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart,
		     CK_ULONG ulPartLen)
{
	struct p11_session *s;
	CK_RV rv = p11_session_get(hSession, &s);

	if (rv)
		return rv;
	pthread_mutex_lock(&s->lock);
	if (!s->digest.mech) {
		rv = CKR_OPERATION_NOT_INITIALIZED;
	} else if (!pPart && ulPartLen) {
		rv = CKR_ARGUMENTS_BAD;
		p11_digest_end(&s->digest);
	} else if (alg_feed(s->digest.fd, pPart, ulPartLen)) {
		rv = CKR_DEVICE_ERROR;
		p11_digest_end(&s->digest);
	} else {
		s->digest.fed = 1;
	}
	pthread_mutex_unlock(&s->lock);
	p11_session_put(s);
	return rv;
}

CK_RV C_DigestKey(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hKey)
{
	struct p11_session *s;
	CK_RV rv = p11_session_get(hSession, &s);

	if (rv)
		return rv;
	pthread_mutex_lock(&s->lock);
	/* A key's value never leaves the kernel, not even into a digest. */
	rv = s->digest.mech ? CKR_KEY_INDIGESTIBLE : CKR_OPERATION_NOT_INITIALIZED;
	if (s->digest.mech)
		p11_digest_end(&s->digest);
	pthread_mutex_unlock(&s->lock);
	p11_session_put(s);
	return rv;
}

CK_RV C_DigestFinal(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pDigest,
		    CK_ULONG_PTR pulDigestLen)
{
	struct p11_session *s;
	CK_RV rv = p11_session_get(hSession, &s);

	if (rv)
		return rv;
	pthread_mutex_lock(&s->lock);
	if (!s->digest.mech)
		rv = CKR_OPERATION_NOT_INITIALIZED;
	else
		rv = digest_out(&s->digest, pDigest, pulDigestLen);
	pthread_mutex_unlock(&s->lock);
	p11_session_put(s);
	return rv;
}
