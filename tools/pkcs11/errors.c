// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libclonedev-pkcs11: the one table from the kernel's errno values
 * (uapi/linux/clonedev.h, as libclonedev returns them) to CKR values.
 * Some errno values mean different things to different calls: -EBADMSG is
 * a bad signature to a verification and bad ciphertext to a decryption.
 * docs/pkcs11.md has this table in prose.
 */
#include <errno.h>

#include "p11.h"

/* One errno: its CKR by context, or @any for the contexts not listed. */
struct p11_errmap {
	int err;
	CK_RV any;
	struct {
		enum p11_ctx ctx;
		CK_RV rv;
	} by[4];
};

static const struct p11_errmap errmap[] = {
	{ EACCES, CKR_USER_NOT_LOGGED_IN,
	  { { P11_CTX_LOGIN, CKR_PIN_INCORRECT } } },
	{ .err = EKEYREVOKED, .any = CKR_PIN_LOCKED },
	{ .err = ENOKEY, .any = CKR_USER_PIN_NOT_INITIALIZED },
	{ .err = EKEYEXPIRED, .any = CKR_PIN_EXPIRED },
	{ EPERM, CKR_ACTION_PROHIBITED,
	  { { P11_CTX_ENCRYPT, CKR_KEY_FUNCTION_NOT_PERMITTED },
	    { P11_CTX_DECRYPT, CKR_KEY_FUNCTION_NOT_PERMITTED },
	    { P11_CTX_SIGN, CKR_KEY_FUNCTION_NOT_PERMITTED },
	    { P11_CTX_VERIFY, CKR_KEY_FUNCTION_NOT_PERMITTED } } },
	{ ENOENT, CKR_OBJECT_HANDLE_INVALID,
	  { { P11_CTX_KEY, CKR_KEY_HANDLE_INVALID },
	    { P11_CTX_WRAP, CKR_KEY_HANDLE_INVALID },
	    { P11_CTX_UNWRAP, CKR_UNWRAPPING_KEY_HANDLE_INVALID },
	    { P11_CTX_TEMPLATE, CKR_KEY_HANDLE_INVALID } } },
	{ EOPNOTSUPP, CKR_MECHANISM_INVALID,
	  { { P11_CTX_ENCRYPT, CKR_KEY_TYPE_INCONSISTENT },
	    { P11_CTX_DECRYPT, CKR_KEY_TYPE_INCONSISTENT },
	    { P11_CTX_SIGN, CKR_KEY_TYPE_INCONSISTENT },
	    { P11_CTX_VERIFY, CKR_KEY_TYPE_INCONSISTENT } } },
	{ EINVAL, CKR_ARGUMENTS_BAD,
	  { { P11_CTX_DECRYPT, CKR_ENCRYPTED_DATA_INVALID },
	    { P11_CTX_UNWRAP, CKR_WRAPPED_KEY_INVALID },
	    { P11_CTX_TEMPLATE, CKR_TEMPLATE_INCONSISTENT },
	    { P11_CTX_LOGIN, CKR_PIN_INVALID } } },
	{ EMSGSIZE, CKR_DATA_LEN_RANGE,
	  { { P11_CTX_DECRYPT, CKR_ENCRYPTED_DATA_LEN_RANGE },
	    { P11_CTX_VERIFY, CKR_SIGNATURE_LEN_RANGE },
	    { P11_CTX_UNWRAP, CKR_WRAPPED_KEY_LEN_RANGE },
	    { P11_CTX_WRAP, CKR_KEY_SIZE_RANGE } } },
	{ EBADMSG, CKR_GENERAL_ERROR,
	  { { P11_CTX_VERIFY, CKR_SIGNATURE_INVALID },
	    { P11_CTX_DECRYPT, CKR_ENCRYPTED_DATA_INVALID },
	    { P11_CTX_UNWRAP, CKR_WRAPPED_KEY_INVALID } } },
	{ .err = EBUSY, .any = CKR_OPERATION_ACTIVE },
	{ .err = ENODEV, .any = CKR_TOKEN_NOT_PRESENT },
	{ .err = ESTALE, .any = CKR_DEVICE_REMOVED },
	/* An HA slot's members all gone. */
	{ .err = EHOSTDOWN, .any = CKR_DEVICE_REMOVED },
	{ .err = EMEDIUMTYPE, .any = CKR_FUNCTION_REJECTED },
	{ .err = ENOMEM, .any = CKR_HOST_MEMORY },
	{ .err = ENOSPC, .any = CKR_DEVICE_MEMORY },
	{ .err = EINTR, .any = CKR_FUNCTION_CANCELED },
	{ .err = EIO, .any = CKR_DEVICE_ERROR },
	{ .err = EFAULT, .any = CKR_ARGUMENTS_BAD },
	{ .err = EEXIST, .any = CKR_ATTRIBUTE_VALUE_INVALID },
};

CK_RV p11_rv(int err, enum p11_ctx ctx)
{
	unsigned int i, j;

	if (!err)
		return CKR_OK;
	for (i = 0; i < ARRAY_SIZE(errmap); i++) {
		const struct p11_errmap *m = &errmap[i];

		if (m->err != -err)
			continue;
		for (j = 0; j < 4; j++)
			if (m->by[j].rv && m->by[j].ctx == ctx)
				return m->by[j].rv;
		return m->any;
	}
	return CKR_DEVICE_ERROR;
}
