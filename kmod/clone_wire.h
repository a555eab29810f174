/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The messages of the cloning protocol (CLONEDEV_IOCTL_CLONE) as they are
 * on the wire, docs/clone-protocol.md "Messages": every multi-byte field
 * big-endian, read and written only through these structs with
 * get_unaligned_be*() and put_unaligned_be*().
 */
#ifndef _CLD_CLONE_WIRE_H
#define _CLD_CLONE_WIRE_H

#include <linux/build_bug.h>
#include <linux/string.h>
#include <linux/types.h>
#ifdef CLD_LINUX_UNALIGNED		/* Kbuild: from 6.12 on */
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#include "partition.h"
#include "spake2.h"

#define CLD_WIRE_MAGIC		0x434c4f4eU	/* "CLON" */
#define CLD_WIRE_VERSION	2
#define CLD_WIRE_NONCE_LEN	32
#define CLD_WIRE_SID_LEN	16
#define CLD_WIRE_MAC_LEN	32
#define CLD_WIRE_TAG_LEN	16
#define CLD_WIRE_KEY_LEN	32
#define CLD_WIRE_PUB_MAX	97	/* 0x04 || X || Y on P-384 */
#define CLD_WIRE_SHARE_LEN	CLD_SPAKE2_SHARE_LEN
#define CLD_WIRE_CPV1_SLOT	1024	/* CPv1 plaintext of one object */

enum cld_wire_type {
	CLD_MSG_HELLO = 1,
	CLD_MSG_CHOICE = 2,
	CLD_MSG_CONFIRM = 3,
	CLD_MSG_OBJECT = 4,
	CLD_MSG_RESULT = 5,
	CLD_MSG_DONE = 6,
	CLD_MSG_SUMMARY = 7,
	CLD_MSG_READY = 8,
	CLD_MSG_ERROR = 15,
};

/* Every message starts with it; the AEADs take it as associated data. */
struct cld_wire_hdr {
	__be32 magic;
	u8 version;
	u8 type;
	u8 zero[2];
	u8 sid[CLD_WIRE_SID_LEN];	/* zero in HELLO and CHOICE */
	__be32 seq;
	__be32 body_len;
} __packed;

#define CLD_WIRE_HDR_LEN	sizeof(struct cld_wire_hdr)

/* What HELLO and CHOICE both begin with. */
struct cld_wire_offer {
	__be64 serial;
	u8 fips;
	u8 protocols;			/* CLONEDEV_PROTO_* */
	u8 suites;			/* CLONEDEV_SUITE_* */
} __packed;

/* HELLO: the offer, then struct cld_wire_hello_tail. */
struct cld_wire_hello {
	struct cld_wire_offer offer;
	u8 n_domains;
	u8 label[][CLD_LABEL_MAX];	/* n_domains, NUL-padded */
} __packed;

struct cld_wire_hello_tail {
	__be16 slot_size;
	__be16 window;			/* CPv4: 1 to CLONEDEV_CLONE_WINDOW_MAX */
	u8 ns[CLD_WIRE_NONCE_LEN];
} __packed;

/*
 * CHOICE: then the target's ephemeral public key (CPv3, CPv4: the
 * suite's length) and its SPAKE2 share pB.
 */
struct cld_wire_choice {
	struct cld_wire_offer offer;
	u8 label[CLD_LABEL_MAX];	/* the chosen domain */
	u8 protocol;
	u8 suite;
	__be16 slot_size;
	__be16 window;			/* CPv4: the chosen window; else 1 */
	u8 nt[CLD_WIRE_NONCE_LEN];
	u8 keys[];
} __packed;

/* CONFIRM: pA, the source's ephemeral key (CPv4), then MAC_S. */
struct cld_wire_confirm {
	u8 pa[CLD_WIRE_SHARE_LEN];
	u8 keys[];
} __packed;

/* An object's plaintext in OBJECT; the record follows a status of 0. */
struct cld_wire_object {
	u8 status;
	u8 zero;
	u8 record[];
} __packed;

/* One object; id and label zero-padded after their lengths. */
struct cld_wire_record {
	__be32 obj_class;
	__be32 key_type;
	__be32 bits;
	__be32 flags;
	__be32 id_len;
	__be32 value_len;
	u8 ouid[CLONEDEV_OUID_LEN];
	u8 kcv[CLONEDEV_KCV_LEN];
	u8 zero;
	u8 label[CLD_LABEL_MAX];
	u8 id[CLONEDEV_ID_MAX];
	u8 value[];
} __packed;

/* RESULT's plaintext: then the target's next key (CPv3). */
struct cld_wire_result {
	u8 status;
	u8 zero[3];
	__be32 handle;			/* the object's handle on the target */
	u8 pub[];
} __packed;

struct cld_wire_done {
	__be32 total;
} __packed;

struct cld_wire_summary {
	__be32 copied;
	__be32 skipped;
	__be32 refused;
	__be32 failed;
} __packed;

struct cld_wire_error {
	__be32 code;			/* enum clonedev_clone_error */
	char text[];			/* its name, not NUL-terminated */
} __packed;

/* The AEAD nonce: a prefix naming the key's use, then the sequence. */
enum cld_wire_nonce_prefix {
	CLD_NONCE_CPV3 = 0,		/* CPv3's objects (CPv4: the epoch) */
	CLD_NONCE_CPV1 = 1,		/* CPv1's objects */
	CLD_NONCE_CONTROL = 2,		/* READY, DONE, SUMMARY */
};

struct cld_wire_nonce {
	__be32 prefix;
	__be64 seq;
} __packed;

static_assert(sizeof(struct cld_wire_hdr) == 32);
static_assert(sizeof(struct cld_wire_offer) == 11);
static_assert(sizeof(struct cld_wire_choice) ==
	      11 + CLD_LABEL_MAX + 6 + CLD_WIRE_NONCE_LEN);
static_assert(sizeof(struct cld_wire_record) == 140);
static_assert(offsetof(struct cld_wire_record, label) == 44);
static_assert(offsetof(struct cld_wire_record, id) == 76);
static_assert(sizeof(struct cld_wire_result) == 8);
static_assert(sizeof(struct cld_wire_nonce) == 12);
/* A window's RESULTs fit in one flight. */
static_assert(CLONEDEV_CLONE_WINDOW_MAX *
	      (sizeof(struct cld_wire_hdr) + sizeof(struct cld_wire_result) +
	       CLD_WIRE_TAG_LEN) <= CLONEDEV_CLONE_MSG_MAX);

/* The header of a message of @type; @sid NULL for none yet. */
static inline void cld_wire_put_hdr(void *m, u8 type, const u8 *sid, u32 seq,
				    u32 body_len)
{
	struct cld_wire_hdr *h = m;

	put_unaligned_be32(CLD_WIRE_MAGIC, &h->magic);
	h->version = CLD_WIRE_VERSION;
	h->type = type;
	memset(h->zero, 0, sizeof(h->zero));
	if (sid)
		memcpy(h->sid, sid, CLD_WIRE_SID_LEN);
	else
		memset(h->sid, 0, CLD_WIRE_SID_LEN);
	put_unaligned_be32(seq, &h->seq);
	put_unaligned_be32(body_len, &h->body_len);
}

#endif /* _CLD_CLONE_WIRE_H */
