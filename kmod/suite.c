// SPDX-License-Identifier: GPL-2.0
/*
 * The cipher suites of CPv4 (CLONEDEV_SUITE_*, reported by
 * CLONEDEV_IOCTL_HSM_INFO): the table the clone engine takes its
 * algorithms from, and the probe that decides which ones are offered.
 */
#include <linux/crypto.h>
#include <linux/kernel.h>
#include <linux/kmod.h>
#include <crypto/hash.h>

#include "hsm.h"
#include "suite.h"

/* In the order of preference; cld_cpv3_suite is the P-256 one. */
const struct cld_suite cld_suites[CLD_NR_SUITES] = {
	{ CLONEDEV_SUITE_P384_AES256GCM, "ecdh-nist-p384", "hmac(sha384)",
	  "gcm(aes)", 97, 48, true },
	{ CLONEDEV_SUITE_P256_AES256GCM, "ecdh-nist-p256", "hmac(sha256)",
	  "gcm(aes)", 65, 32, true },
	{ CLONEDEV_SUITE_X25519_CHACHA20POLY1305, "curve25519", "hmac(sha256)",
	  "rfc7539(chacha20,poly1305)", 32, 32, false },
};

const struct cld_suite *cld_suite_of(u32 bit)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cld_suites); i++)
		if (cld_suites[i].bit == bit)
			return &cld_suites[i];
	return NULL;
}

/*
 * A suite is offered only if the kernel can build every transform it needs;
 * asking loads the algorithm modules, so a later clone does not wait on it.
 */
u32 cld_suites_probe(void)
{
	u32 mask = 0;
	size_t i;

	/*
	 * The NIST ECDH algorithms live in a module known only by the
	 * alias crypto-ecdh; a lookup by their own names would not load it.
	 */
	if (IS_MODULE(CONFIG_CRYPTO_ECDH))
		request_module("crypto-ecdh");
	for (i = 0; i < ARRAY_SIZE(cld_suites); i++) {
		const struct cld_suite *s = &cld_suites[i];

		if (crypto_has_alg(s->kpp, CRYPTO_ALG_TYPE_KPP,
				   CRYPTO_ALG_TYPE_MASK) &&
		    crypto_has_shash(s->hmac, 0, 0) &&
		    crypto_has_alg(s->aead, CRYPTO_ALG_TYPE_AEAD,
				   CRYPTO_ALG_TYPE_MASK))
			mask |= s->bit;
	}
	return mask;
}
