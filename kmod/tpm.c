// SPDX-License-Identifier: GPL-2.0
/*
 * The store's rollback anchor: one TPM 2.0 NV counter index, driven with
 * raw TPM 2.0 commands through tpm_transmit_cmd() on the default chip, so
 * an older copy of the store can be told from the newest one
 * (docs/store-format.md, "TPM anchor"). The index is defined in the owner
 * hierarchy with an empty owner password and has an empty password of its
 * own; what protects it is that its value only ever grows.
 *
 * Only the store calls in, with cld_hsm.lock held; the chip's own mutex
 * (taken by tpm_try_get_ops()) serialises the commands.
 */
#include <linux/device.h>
#include <linux/slab.h>
#include <linux/tpm.h>

#include "tpm.h"

/* Command codes and handles of the TPM 2.0 library spec (part 2). */
#define CLD_TPM2_CC_NV_DEFINE_SPACE	0x0000012a
#define CLD_TPM2_CC_NV_INCREMENT	0x00000134
#define CLD_TPM2_CC_NV_READ		0x0000014e
#define CLD_TPM2_CC_NV_READ_PUBLIC	0x00000169
#define CLD_TPM2_RH_OWNER		0x40000001
#define CLD_TPM2_ALG_SHA256		0x000b

/* TPMA_NV bits. */
#define CLD_TPMA_NV_AUTHWRITE		0x00000004U
#define CLD_TPMA_NV_COUNTER		0x00000010U	/* TPM_NT_COUNTER */
#define CLD_TPMA_NV_AUTHREAD		0x00040000U
#define CLD_TPMA_NV_NO_DA		0x02000000U
#define CLD_TPMA_NV_WRITTEN		0x20000000U

/*
 * The index's attributes: a counter, incremented and read with its own
 * (empty) password, outside dictionary-attack lockout, and nothing else:
 * no lock attributes, no policy, not ORDERLY (an orderly counter may jump
 * ahead after a power cut, which would look like a rollback). WRITTEN is
 * the TPM's and is masked before comparing.
 */
#define CLD_TPM_NV_ATTRS	(CLD_TPMA_NV_COUNTER | CLD_TPMA_NV_AUTHWRITE | \
				 CLD_TPMA_NV_AUTHREAD | CLD_TPMA_NV_NO_DA)
#define CLD_TPM_NV_SIZE		8

/* Response codes that are answers, not failures. */
#define CLD_TPM2_RC_FMT1		0x080
#define CLD_TPM2_RC_FMT1_ERROR		0x03f
#define CLD_TPM2_RC_FMT1_HANDLE		0x00b	/* TPM_RC_HANDLE, any handle */
#define CLD_TPM2_RC_NV_DEFINED		0x14c

/* The password session with an empty password: TPMS_AUTH_COMMAND. */
#define CLD_TPM_PW_SESSION_LEN	9

struct cld_tpm_anchor {
	struct tpm_chip *chip;
	u32 index;
};

/* A bounded reader over a response; any overrun sets @bad. */
struct cld_tpm_rsp {
	const u8 *p;
	u32 len;
	u32 off;
	bool bad;
};

/* The TPMS_NV_PUBLIC of an index, as NV_ReadPublic returns it. */
struct cld_tpm_nv_public {
	u32 index;
	u16 name_alg;
	u32 attrs;
	u16 policy_len;
	u16 data_size;
};

static const u8 *rsp_take(struct cld_tpm_rsp *r, u32 n)
{
	const u8 *p;

	if (r->bad || n > r->len - r->off) {
		r->bad = true;
		return NULL;
	}
	p = r->p + r->off;
	r->off += n;
	return p;
}

/*
 * A big-endian field of @n bytes (byte by byte: the unaligned accessors'
 * header moved between the kernels we build for).
 */
static u64 rsp_be(struct cld_tpm_rsp *r, unsigned int n)
{
	const u8 *p = rsp_take(r, n);
	u64 v = 0;

	while (p && n--)
		v = v << 8 | *p++;
	return v;
}

static u16 rsp_u16(struct cld_tpm_rsp *r)
{
	return rsp_be(r, 2);
}

static u32 rsp_u32(struct cld_tpm_rsp *r)
{
	return rsp_be(r, 4);
}

static void append_pw_session(struct tpm_buf *buf)
{
	tpm_buf_append_u32(buf, CLD_TPM_PW_SESSION_LEN);
	tpm_buf_append_u32(buf, TPM2_RS_PW);
	tpm_buf_append_u16(buf, 0);	/* nonceCaller */
	tpm_buf_append_u8(buf, 0);	/* sessionAttributes */
	tpm_buf_append_u16(buf, 0);	/* hmac: the empty password */
}

static bool rc_is_handle(u32 rc)
{
	return (rc & CLD_TPM2_RC_FMT1) &&
	       (rc & CLD_TPM2_RC_FMT1_ERROR) == CLD_TPM2_RC_FMT1_HANDLE;
}

/*
 * Sends the command in @buf and, on success, sets up @r over the response
 * parameters: after the header, and for a command with sessions after the
 * parameterSize field too (whose value bounds @r). Returns 0, a negative
 * errno, or a positive TPM response code, which the caller either expects
 * or hands to tpm_failed().
 */
static int transmit(struct cld_tpm_anchor *a, struct tpm_buf *buf,
		    bool sessions, struct cld_tpm_rsp *r)
{
	ssize_t ret;
	u32 len, plen;

	ret = tpm_try_get_ops(a->chip);
	if (ret)
		return ret;
	ret = tpm_transmit_cmd(a->chip, buf, 0, NULL);
	tpm_put_ops(a->chip);
	if (ret)
		return ret < 0 ? ret : (int)ret;

	/* The header's size field, which tpm_transmit() matched to the reply. */
	r->p = buf->data;
	r->len = TPM_HEADER_SIZE;
	r->off = 2;
	r->bad = false;
	len = rsp_u32(r);
	if (len < TPM_HEADER_SIZE || len > PAGE_SIZE)
		return -EIO;
	r->len = len;
	r->off = TPM_HEADER_SIZE;
	if (sessions) {
		plen = rsp_u32(r);
		if (r->bad || plen > r->len - r->off)
			return -EIO;
		r->len = r->off + plen;
	}
	return 0;
}

static int tpm_failed(struct cld_tpm_anchor *a, const char *cmd, int ret)
{
	if (ret > 0) {
		pr_err("clonedev: TPM anchor 0x%08x: %s failed with TPM response code 0x%03x\n",
		       a->index, cmd, ret);
		return -EIO;
	}
	pr_err("clonedev: TPM anchor 0x%08x: %s failed (%d)\n", a->index, cmd,
	       ret);
	return ret;
}

/* NV_ReadPublic. Returns 0, -ENOENT if the index is not defined, or -EIO. */
static int read_public(struct cld_tpm_anchor *a, struct cld_tpm_nv_public *pub)
{
	struct cld_tpm_rsp r;
	struct tpm_buf buf;
	u16 size;
	u32 start;
	int ret;

	ret = tpm_buf_init(&buf, TPM2_ST_NO_SESSIONS, CLD_TPM2_CC_NV_READ_PUBLIC);
	if (ret)
		return ret;
	tpm_buf_append_u32(&buf, a->index);
	ret = transmit(a, &buf, false, &r);
	if (ret > 0 && rc_is_handle(ret)) {
		ret = -ENOENT;
		goto out;
	}
	if (ret) {
		ret = tpm_failed(a, "NV_ReadPublic", ret);
		goto out;
	}
	/* TPM2B_NV_PUBLIC: the size, then TPMS_NV_PUBLIC of exactly that size. */
	size = rsp_u16(&r);
	start = r.off;
	pub->index = rsp_u32(&r);
	pub->name_alg = rsp_u16(&r);
	pub->attrs = rsp_u32(&r);
	pub->policy_len = rsp_u16(&r);
	rsp_take(&r, pub->policy_len);
	pub->data_size = rsp_u16(&r);
	if (r.bad || r.off - start != size) {
		pr_err("clonedev: TPM anchor 0x%08x: malformed NV_ReadPublic response\n",
		       a->index);
		ret = -EIO;
	}
out:
	tpm_buf_destroy(&buf);
	return ret;
}

/*
 * Refuses an index that is not the counter this file defines: someone
 * else's index at our handle, or one made with other attributes, is not
 * trusted as an anchor.
 */
static int check_public(struct cld_tpm_anchor *a,
			const struct cld_tpm_nv_public *pub)
{
	u32 attrs = pub->attrs & ~CLD_TPMA_NV_WRITTEN;

	if (pub->index == a->index && pub->name_alg == CLD_TPM2_ALG_SHA256 &&
	    attrs == CLD_TPM_NV_ATTRS && !pub->policy_len &&
	    pub->data_size == CLD_TPM_NV_SIZE)
		return 0;
	pr_err("clonedev: TPM anchor 0x%08x: the index is not clonedev's counter (name alg 0x%04x, attributes 0x%08x, policy %u bytes, size %u; want 0x%04x, 0x%08x, 0, %u)\n",
	       a->index, pub->name_alg, pub->attrs, pub->policy_len,
	       pub->data_size, CLD_TPM2_ALG_SHA256, CLD_TPM_NV_ATTRS,
	       CLD_TPM_NV_SIZE);
	return -EEXIST;
}

/* NV_Read of the whole counter, authorised by the index's empty password. */
static int read_value(struct cld_tpm_anchor *a, u64 *value)
{
	struct cld_tpm_rsp r;
	struct tpm_buf buf;
	u64 v;
	int ret;

	ret = tpm_buf_init(&buf, TPM2_ST_SESSIONS, CLD_TPM2_CC_NV_READ);
	if (ret)
		return ret;
	tpm_buf_append_u32(&buf, a->index);	/* authHandle */
	tpm_buf_append_u32(&buf, a->index);	/* nvIndex */
	append_pw_session(&buf);
	tpm_buf_append_u16(&buf, CLD_TPM_NV_SIZE);
	tpm_buf_append_u16(&buf, 0);		/* offset */
	ret = transmit(a, &buf, true, &r);
	if (ret > 0 && rc_is_handle(ret)) {
		ret = -ENOENT;
		goto out;
	}
	if (ret) {
		ret = tpm_failed(a, "NV_Read", ret);
		goto out;
	}
	/* TPM2B_MAX_NV_BUFFER holding the counter, big-endian. */
	if (rsp_u16(&r) != CLD_TPM_NV_SIZE)
		r.bad = true;
	v = rsp_be(&r, CLD_TPM_NV_SIZE);
	if (r.bad || r.off != r.len) {
		pr_err("clonedev: TPM anchor 0x%08x: malformed NV_Read response\n",
		       a->index);
		ret = -EIO;
		goto out;
	}
	*value = v;
out:
	tpm_buf_destroy(&buf);
	return ret;
}

/**
 * cld_tpm_index_valid() - is @index an NV index handle
 * @index: a TPM handle
 *
 * Return: true if @index is in the NV index range 0x01000000-0x01ffffff.
 */
bool cld_tpm_index_valid(u32 index)
{
	return (index >> 24) == 0x01;
}

/**
 * cld_tpm_anchor_open() - take the default TPM chip for the anchor
 * @index: the NV index handle of the counter
 * @out: the anchor, for cld_tpm_anchor_close()
 *
 * Sends nothing to the TPM.
 *
 * Return: 0, -EINVAL if @index is not an NV index, -ENODEV if the host has
 * no TPM 2.0 chip, -ENOMEM.
 */
int cld_tpm_anchor_open(u32 index, struct cld_tpm_anchor **out)
{
	struct cld_tpm_anchor *a;
	struct tpm_chip *chip;

	*out = NULL;
	if (!cld_tpm_index_valid(index))
		return -EINVAL;
	chip = tpm_default_chip();
	if (!chip)
		return -ENODEV;
	if (!(chip->flags & TPM_CHIP_FLAG_TPM2)) {
		put_device(&chip->dev);
		return -ENODEV;
	}
	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a) {
		put_device(&chip->dev);
		return -ENOMEM;
	}
	a->chip = chip;
	a->index = index;
	*out = a;
	return 0;
}

/**
 * cld_tpm_anchor_read() - read the counter
 * @a: the anchor
 * @value: the counter's value; 0 if it is not defined or never incremented
 * @defined: whether the index exists
 *
 * A counter holds a value only once incremented: an index that exists but
 * was never incremented (defined, then a crash) reads as defined with 0.
 * Every value a counter ever holds is at least 1.
 *
 * Return: 0, -EEXIST if the index exists with other attributes, size or
 * policy than the anchor's, -EIO for a TPM error (its code is logged) or a
 * malformed response, -ENOMEM.
 */
int cld_tpm_anchor_read(struct cld_tpm_anchor *a, u64 *value, bool *defined)
{
	struct cld_tpm_nv_public pub;
	int ret;

	*value = 0;
	*defined = false;
	ret = read_public(a, &pub);
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	ret = check_public(a, &pub);
	if (ret)
		return ret;
	*defined = true;
	if (!(pub.attrs & CLD_TPMA_NV_WRITTEN))
		return 0;
	ret = read_value(a, value);
	return ret == -ENOENT ? tpm_failed(a, "NV_Read", ret) : ret;
}

/**
 * cld_tpm_anchor_increment() - add one to the counter
 * @a: the anchor
 * @value: the counter's new value
 *
 * Return: 0, -ENOENT if the index is not defined, -EIO for a TPM error (its
 * code is logged) or a malformed response, -ENOMEM.
 */
int cld_tpm_anchor_increment(struct cld_tpm_anchor *a, u64 *value)
{
	struct cld_tpm_rsp r;
	struct tpm_buf buf;
	int ret;

	ret = tpm_buf_init(&buf, TPM2_ST_SESSIONS, CLD_TPM2_CC_NV_INCREMENT);
	if (ret)
		return ret;
	tpm_buf_append_u32(&buf, a->index);	/* authHandle */
	tpm_buf_append_u32(&buf, a->index);	/* nvIndex */
	append_pw_session(&buf);
	ret = transmit(a, &buf, true, &r);
	tpm_buf_destroy(&buf);
	if (ret > 0 && rc_is_handle(ret))
		return -ENOENT;
	if (ret)
		return tpm_failed(a, "NV_Increment", ret);
	ret = read_value(a, value);
	return ret == -ENOENT ? tpm_failed(a, "NV_Read", ret) : ret;
}

/**
 * cld_tpm_anchor_define() - define the counter and give it its first value
 * @a: the anchor
 * @value: the counter's first value
 *
 * Defines the index in the owner hierarchy (which must have an empty
 * password; otherwise the administrator defines it beforehand with the
 * same attributes) and increments it once, since a TPM 2.0 counter has no
 * value until then. The first value is the highest any counter on this
 * TPM has held, plus one: arbitrary, never 0. An index already defined
 * (by the administrator, or before a crash) is checked and used.
 *
 * Return: 0, -EEXIST if the index exists but is not the anchor's, -EIO for
 * a TPM error (its code is logged) or a malformed response, -ENOMEM.
 */
int cld_tpm_anchor_define(struct cld_tpm_anchor *a, u64 *value)
{
	struct cld_tpm_nv_public pub;
	struct cld_tpm_rsp r;
	struct tpm_buf buf;
	int ret;

	ret = tpm_buf_init(&buf, TPM2_ST_SESSIONS, CLD_TPM2_CC_NV_DEFINE_SPACE);
	if (ret)
		return ret;
	tpm_buf_append_u32(&buf, CLD_TPM2_RH_OWNER);
	append_pw_session(&buf);
	tpm_buf_append_u16(&buf, 0);		/* auth: the empty password */
	/* TPM2B_NV_PUBLIC */
	tpm_buf_append_u16(&buf, 4 + 2 + 4 + 2 + 2);
	tpm_buf_append_u32(&buf, a->index);
	tpm_buf_append_u16(&buf, CLD_TPM2_ALG_SHA256);
	tpm_buf_append_u32(&buf, CLD_TPM_NV_ATTRS);
	tpm_buf_append_u16(&buf, 0);		/* authPolicy: none */
	tpm_buf_append_u16(&buf, CLD_TPM_NV_SIZE);
	ret = transmit(a, &buf, true, &r);
	tpm_buf_destroy(&buf);
	if (ret && ret != CLD_TPM2_RC_NV_DEFINED)
		return tpm_failed(a, "NV_DefineSpace", ret);
	if (ret) {
		ret = read_public(a, &pub);
		if (!ret)
			ret = check_public(a, &pub);
		if (ret)
			return ret == -ENOENT ?
			       tpm_failed(a, "NV_ReadPublic", ret) : ret;
	}
	return cld_tpm_anchor_increment(a, value);
}

/**
 * cld_tpm_anchor_close() - release the chip
 * @a: the anchor, or NULL
 */
void cld_tpm_anchor_close(struct cld_tpm_anchor *a)
{
	if (!a)
		return;
	put_device(&a->chip->dev);
	kfree(a);
}
