// SPDX-License-Identifier: GPL-2.0
/*
 * Role credentials. A password is kept only as PBKDF2-HMAC-SHA256 (RFC
 * 8018) of a 16-byte random salt, with the iteration count stored beside
 * it so a later default does not lock anybody out. Also the secrets that
 * requests carry (a password, or M of N shares combined) and new quorum
 * secrets split into shares for user space.
 */
#include <crypto/hash.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "cred.h"
#include "quorum.h"

static unsigned int kdf_iterations;

static int pbkdf2(const u8 *pw, u32 len, const u8 *salt, u32 salt_len,
		  u32 iterations, u8 *out);

/* RFC 7914 section 11: PBKDF2-HMAC-SHA-256("passwd", "salt", 1), first block. */
static int pbkdf2_selftest(void)
{
	static const u8 want[CLD_HASH_LEN] = {
		0x55, 0xac, 0x04, 0x6e, 0x56, 0xe3, 0x08, 0x9f,
		0xec, 0x16, 0x91, 0xc2, 0x25, 0x44, 0xb6, 0x05,
		0xf9, 0x41, 0x85, 0x21, 0x6d, 0xde, 0x04, 0x65,
		0xe6, 0x8b, 0x9d, 0x57, 0xc2, 0x0d, 0xac, 0xbc,
	};
	u8 got[CLD_HASH_LEN];
	int ret;

	ret = pbkdf2((const u8 *)"passwd", 6, (const u8 *)"salt", 4, 1, got);
	if (!ret && memcmp(got, want, sizeof(want)))
		ret = -EINVAL;
	if (ret)
		pr_err("clonedev: PBKDF2-HMAC-SHA256 known-answer test failed\n");
	return ret;
}

int cld_cred_init(unsigned int iterations)
{
	kdf_iterations = iterations;
	return pbkdf2_selftest();
}

/*
 * PBKDF2 with a 32-byte output: one block, T1 = U1 ^ U2 ^ ... ^ Uc. Each
 * derivation has a transform of its own, so logins to different
 * partitions (or roles) are hashed in parallel rather than queued behind
 * one lock that any caller could hold with wrong passwords; freeing it
 * wipes the HMAC state the password left (crypto_free_shash() frees the
 * context with kfree_sensitive()).
 */
static int pbkdf2(const u8 *pw, u32 len, const u8 *salt, u32 salt_len,
		  u32 iterations, u8 *out)
{
	static const u8 block1[4] = { 0, 0, 0, 1 };
	struct crypto_shash *hmac;
	struct shash_desc *desc;
	u8 u[CLD_HASH_LEN];
	u32 i, k;
	int ret;

	hmac = crypto_alloc_shash("hmac(sha256)", 0, 0);
	if (IS_ERR(hmac))
		return PTR_ERR(hmac);
	desc = kmalloc(sizeof(*desc) + crypto_shash_descsize(hmac),
		       GFP_KERNEL);
	if (!desc) {
		ret = -ENOMEM;
		goto out_free;
	}
	desc->tfm = hmac;
	ret = crypto_shash_setkey(hmac, pw, len);
	if (ret)
		goto out;
	ret = crypto_shash_init(desc) ?:
	      crypto_shash_update(desc, salt, salt_len) ?:
	      crypto_shash_finup(desc, block1, sizeof(block1), u);
	if (ret)
		goto out;
	memcpy(out, u, CLD_HASH_LEN);
	for (i = 1; i < iterations; i++) {
		ret = crypto_shash_digest(desc, u, CLD_HASH_LEN, u);
		if (ret)
			goto out;
		for (k = 0; k < CLD_HASH_LEN; k++)
			out[k] ^= u[k];
		cond_resched();
	}
out:
	memzero_explicit(u, sizeof(u));
	kfree_sensitive(desc);
out_free:
	crypto_free_shash(hmac);
	return ret;
}

int cld_cred_hash(const struct cld_cred *c, const u8 *pw, u32 len,
		  u8 out[CLD_HASH_LEN])
{
	return pbkdf2(pw, len, c->salt, CLD_SALT_LEN, c->iterations, out);
}

/* Gives @c a new salt and the hash of @pw; clears failures and lockout. */
int cld_cred_set(struct cld_cred *c, const u8 *pw, u32 len)
{
	struct cld_cred n = { .iterations = kdf_iterations };
	int ret;

	get_random_bytes(n.salt, sizeof(n.salt));
	ret = pbkdf2(pw, len, n.salt, CLD_SALT_LEN, n.iterations, n.hash);
	if (!ret) {
		n.flags = CLONEDEV_ROLE_SET;
		*c = n;
	}
	memzero_explicit(&n, sizeof(n));
	return ret;
}

/*
 * A secret (password or domain) from user space, 1 to CLONEDEV_SECRET_MAX
 * bytes. kfree_sensitive() the result; an ERR_PTR on failure.
 */
u8 *cld_secret_from_user(u64 uptr, u32 len)
{
	if (len < 1 || len > CLONEDEV_SECRET_MAX)
		return ERR_PTR(-EINVAL);
	return memdup_user(u64_to_user_ptr(uptr), len);
}

/*
 * The secret a request carries: a password, or (with @share_count) the
 * quorum secret its shares combine to. kfree_sensitive() the result.
 */
u8 *cld_secret_from_request(u64 secret, u32 secret_len, u64 shares,
			    u32 share_count, u32 *len)
{
	struct clonedev_share *sh;
	u8 *out;
	int ret;

	if (!share_count) {
		*len = secret_len;
		return cld_secret_from_user(secret, secret_len);
	}
	sh = cld_quorum_shares_from_user(shares, share_count);
	if (IS_ERR(sh))
		return ERR_CAST(sh);
	out = kmalloc(CLONEDEV_SHARE_LEN, GFP_KERNEL);
	ret = out ? cld_quorum_combine(sh, share_count, out) : -ENOMEM;
	kfree_sensitive(sh);
	if (ret) {
		kfree_sensitive(out);
		return ERR_PTR(ret);
	}
	*len = CLONEDEV_SHARE_LEN;
	return out;
}

/*
 * A new random quorum secret and its @n shares for user space. Return: the
 * secret (kfree_sensitive()) with *shares set (kfree_sensitive()), or an
 * ERR_PTR.
 */
u8 *cld_secret_new_quorum(u32 m, u32 n, struct clonedev_share **shares)
{
	u8 *secret;
	int ret;

	if (!cld_quorum_ok(m, n))
		return ERR_PTR(-EINVAL);
	secret = kmalloc(CLONEDEV_SHARE_LEN, GFP_KERNEL);
	*shares = kcalloc(n, sizeof(**shares), GFP_KERNEL);
	ret = secret && *shares ? 0 : -ENOMEM;
	if (!ret) {
		get_random_bytes(secret, CLONEDEV_SHARE_LEN);
		ret = cld_quorum_split(secret, m, n, *shares);
	}
	if (ret) {
		kfree_sensitive(secret);
		kfree_sensitive(*shares);
		*shares = NULL;
		return ERR_PTR(ret);
	}
	return secret;
}
