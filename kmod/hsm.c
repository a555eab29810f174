// SPDX-License-Identifier: GPL-2.0
/*
 * HSM-wide state: the lock, the table of partitions, FIPS mode and the
 * cipher suites the kernel provides; a partition looked up in the table,
 * and the rule for labels. Nothing here calls into another file of the
 * module: every other file builds on it.
 */
#include <crypto/hash.h>
#include <linux/crypto.h>
#include <linux/ctype.h>
#include <linux/kmod.h>
#include <linux/string.h>

#include "hsm.h"
#include "partition.h"

struct cld_hsm cld_hsm;

struct suite_algs {
	u32 bit;
	const char *kpp;
	const char *hmac;
	const char *aead;
};

static const struct suite_algs suite_algs[] = {
	{ CLONEDEV_SUITE_P384_AES256GCM,
	  "ecdh-nist-p384", "hmac(sha384)", "gcm(aes)" },
	{ CLONEDEV_SUITE_P256_AES256GCM,
	  "ecdh-nist-p256", "hmac(sha256)", "gcm(aes)" },
	{ CLONEDEV_SUITE_X25519_CHACHA20POLY1305,
	  "curve25519", "hmac(sha256)", "rfc7539(chacha20,poly1305)" },
};

/*
 * A suite is offered only if the kernel can build every transform it needs;
 * asking loads the algorithm modules, so a later clone does not wait on it.
 */
static u32 probe_suites(void)
{
	u32 mask = 0;
	size_t i;

	/*
	 * The NIST ECDH algorithms live in a module known only by the
	 * alias crypto-ecdh; a lookup by their own names would not load it.
	 */
	if (IS_MODULE(CONFIG_CRYPTO_ECDH))
		request_module("crypto-ecdh");
	for (i = 0; i < ARRAY_SIZE(suite_algs); i++) {
		const struct suite_algs *s = &suite_algs[i];

		if (crypto_has_alg(s->kpp, CRYPTO_ALG_TYPE_KPP,
				   CRYPTO_ALG_TYPE_MASK) &&
		    crypto_has_shash(s->hmac, 0, 0) &&
		    crypto_has_alg(s->aead, CRYPTO_ALG_TYPE_AEAD,
				   CRYPTO_ALG_TYPE_MASK))
			mask |= s->bit;
	}
	return mask;
}

int cld_hsm_init(bool fips)
{
	mutex_init(&cld_hsm.lock);
	xa_init_flags(&cld_hsm.partitions, XA_FLAGS_ALLOC1);
	cld_hsm.partition_count = 0;
	cld_hsm.fips = fips;
	cld_hsm.suites = probe_suites();
	return 0;
}

void cld_hsm_uninit(void)
{
	xa_destroy(&cld_hsm.partitions);
	mutex_destroy(&cld_hsm.lock);
}

/*
 * The partition in @slot if it is still the one with @serial (a deleted
 * and re-created slot is another partition). Must hold cld_hsm.lock.
 */
struct cld_partition *cld_hsm_partition(u32 slot, u64 serial)
{
	struct cld_partition *p;

	lockdep_assert_held(&cld_hsm.lock);
	p = xa_load(&cld_hsm.partitions, slot);
	return p && p->serial == serial ? p : NULL;
}

/*
 * The one rule for every label (partition, domain, object): 1 to
 * CLD_LABEL_MAX printable characters.
 */
bool cld_label_ok(const char *label)
{
	size_t i, len = strlen(label);

	if (len < 1 || len > CLD_LABEL_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!isprint(label[i]))
			return false;
	return true;
}

/*
 * A label field of a request (char[CLONEDEV_LABEL_LEN]): NUL-terminated
 * inside the field, and a label by cld_label_ok(), or empty if
 * @may_be_empty.
 */
bool cld_label_field_ok(const char *field, bool may_be_empty)
{
	size_t len = strnlen(field, CLONEDEV_LABEL_LEN);

	if (len == CLONEDEV_LABEL_LEN)
		return false;
	return len ? cld_label_ok(field) : may_be_empty;
}
