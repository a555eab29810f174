// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: PKCS#8 key import, PEM and DER (tools/lib/keyfile.c),
 * through clonedev_keyfile_parse(). A key it accepts must be one the
 * import takes: a P-256 scalar of 32 bytes, a P-384 one of 48, or an RSA
 * key as a DER SEQUENCE no longer than the input; a refusal must be one of
 * the documented errors and leave @out empty.
 */
#include <errno.h>
#include <string.h>

#include "libclonedev.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct clonedev_keyfile kf;
	int ret;

	memset(&kf, 0, sizeof(kf));
	ret = clonedev_keyfile_parse(data, size, &kf);
	if (ret) {
		FUZZ_CHECK(ret == -EBADMSG || ret == -EOPNOTSUPP ||
			   ret == -ENOMEM);
		FUZZ_CHECK(!kf.value);
		return 0;
	}
	FUZZ_CHECK(kf.value && kf.len && kf.len <= size);
	switch (kf.key_type) {
	case CLONEDEV_KEY_EC_P256:
		FUZZ_CHECK(kf.len == 32);
		break;
	case CLONEDEV_KEY_EC_P384:
		FUZZ_CHECK(kf.len == 48);
		break;
	case CLONEDEV_KEY_RSA:
		FUZZ_CHECK(kf.value[0] == 0x30);
		break;
	default:
		FUZZ_CHECK(!"an unknown key type");
	}
	/* Every byte of the value is readable (ASan checks the reads). */
	FUZZ_CHECK(memchr(kf.value, kf.value[kf.len - 1], kf.len));
	clonedev_keyfile_free(&kf);
	FUZZ_CHECK(!kf.value);
	return 0;
}
