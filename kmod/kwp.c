// SPDX-License-Identifier: GPL-2.0
/*
 * AES key wrap with padding (RFC 5649, NIST SP 800-38F KWP) for
 * CLONEDEV_IOCTL_WRAP and _UNWRAP: the wrapping function W of RFC 3394
 * over single AES blocks of the crypto API's "ecb(aes)", keyed by the
 * caller, with the alternative initial value A65959A6 || MLI.
 */
#include <crypto/algapi.h>
#include <crypto/skcipher.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "kwp.h"

#define SEMI		8
#define KWP_ROUNDS	6

static const u8 aiv_prefix[4] = { 0xa6, 0x59, 0x59, 0xa6 };

struct kwp {
	struct skcipher_request *req;
	struct crypto_wait wait;
	struct scatterlist sg;
	u8 *block;		/* A || R[i], kmalloc()ed for the scatterlist */
};

static int kwp_init(struct kwp *w, struct crypto_skcipher *ecb)
{
	w->block = kmalloc(2 * SEMI, GFP_KERNEL);
	w->req = skcipher_request_alloc(ecb, GFP_KERNEL);
	if (!w->block || !w->req) {
		skcipher_request_free(w->req);
		kfree(w->block);
		return -ENOMEM;
	}
	crypto_init_wait(&w->wait);
	sg_init_one(&w->sg, w->block, 2 * SEMI);
	skcipher_request_set_callback(w->req, CRYPTO_TFM_REQ_MAY_SLEEP,
				      crypto_req_done, &w->wait);
	skcipher_request_set_crypt(w->req, &w->sg, &w->sg, 2 * SEMI, NULL);
	return 0;
}

static void kwp_uninit(struct kwp *w)
{
	skcipher_request_free(w->req);
	kfree_sensitive(w->block);
}

static int block_op(struct kwp *w, bool encrypt)
{
	return crypto_wait_req(encrypt ? crypto_skcipher_encrypt(w->req) :
			       crypto_skcipher_decrypt(w->req), &w->wait);
}

static void xor_t(u8 *a, u64 t)
{
	__be64 tb = cpu_to_be64(t);

	crypto_xor(a, (u8 *)&tb, SEMI);
}

/* Wraps @len (1..) bytes of @in into @out, cld_kwp_wrapped_len(@len). */
int cld_kwp_wrap(struct crypto_skcipher *ecb, const u8 *in, unsigned int len,
		 u8 *out)
{
	unsigned int n = DIV_ROUND_UP(len, SEMI), i, j;
	__be32 mli = cpu_to_be32(len);
	struct kwp w;
	u8 *r = out + SEMI;
	int ret;

	if (!len)
		return -EINVAL;
	ret = kwp_init(&w, ecb);
	if (ret)
		return ret;
	memcpy(out, aiv_prefix, 4);
	memcpy(out + 4, &mli, 4);
	memset(r, 0, n * SEMI);
	memcpy(r, in, len);
	if (n == 1) {
		memcpy(w.block, out, 2 * SEMI);
		ret = block_op(&w, true);
		if (!ret)
			memcpy(out, w.block, 2 * SEMI);
		goto out;
	}
	for (j = 0; j < KWP_ROUNDS && !ret; j++) {
		for (i = 0; i < n && !ret; i++) {
			memcpy(w.block, out, SEMI);
			memcpy(w.block + SEMI, r + i * SEMI, SEMI);
			ret = block_op(&w, true);
			memcpy(out, w.block, SEMI);
			xor_t(out, (u64)n * j + i + 1);
			memcpy(r + i * SEMI, w.block + SEMI, SEMI);
		}
	}
out:
	kwp_uninit(&w);
	return ret;
}

/*
 * Unwraps @len bytes (16.., a multiple of 8) of @in into @out (room for
 * @len - 8 bytes). Return: 0 with *@out_len set; -EBADMSG if the
 * integrity check or the padding is wrong (nothing is left in @out).
 */
int cld_kwp_unwrap(struct crypto_skcipher *ecb, const u8 *in,
		   unsigned int len, u8 *out, unsigned int *out_len)
{
	unsigned int n = len / SEMI - 1, i, j, mli;
	u8 a[SEMI];
	struct kwp w;
	int ret;

	if (len < 2 * SEMI || len % SEMI)
		return -EINVAL;
	ret = kwp_init(&w, ecb);
	if (ret)
		return ret;
	if (n == 1) {
		memcpy(w.block, in, 2 * SEMI);
		ret = block_op(&w, false);
		memcpy(a, w.block, SEMI);
		memcpy(out, w.block + SEMI, SEMI);
	} else {
		memcpy(a, in, SEMI);
		memcpy(out, in + SEMI, n * SEMI);
		for (j = KWP_ROUNDS; j-- > 0 && !ret;) {
			for (i = n; i-- > 0 && !ret;) {
				memcpy(w.block, a, SEMI);
				xor_t(w.block, (u64)n * j + i + 1);
				memcpy(w.block + SEMI, out + i * SEMI, SEMI);
				ret = block_op(&w, false);
				memcpy(a, w.block, SEMI);
				memcpy(out + i * SEMI, w.block + SEMI, SEMI);
			}
		}
	}
	kwp_uninit(&w);
	if (ret)
		goto bad;
	mli = (u32)a[4] << 24 | (u32)a[5] << 16 | (u32)a[6] << 8 | a[7];
	if (crypto_memneq(a, aiv_prefix, 4) || mli > n * SEMI ||
	    mli <= (n - 1) * SEMI ||
	    memchr_inv(out + mli, 0, n * SEMI - mli)) {
		ret = -EBADMSG;
		goto bad;
	}
	*out_len = mli;
	memzero_explicit(a, sizeof(a));
	return 0;
bad:
	memzero_explicit(out, n * SEMI);
	memzero_explicit(a, sizeof(a));
	return ret;
}
