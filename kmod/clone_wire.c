// SPDX-License-Identifier: GPL-2.0
/*
 * The parts of the cloning protocol's messages (CLONEDEV_IOCTL_CLONE)
 * that are more than a header and a few fields: the offers of HELLO and
 * CHOICE and the object record of OBJECT (docs/clone-protocol.md,
 * "Messages"), encoded and parsed through kmod/clone_wire.h.
 */
#include <linux/slab.h>
#include <linux/string.h>

#include "clone_priv.h"
#include "object.h"

/* Writes the common part of HELLO and CHOICE; returns its length. */
u32 cld_clone_put_offer(u8 *b, const struct cld_clone_offer *o,
			bool all_domains)
{
	struct cld_wire_hello *w = (struct cld_wire_hello *)b;
	struct cld_wire_hello_tail *tail;
	u32 i;

	put_unaligned_be64(o->serial, &w->offer.serial);
	w->offer.fips = o->fips;
	w->offer.protocols = o->protocols;
	w->offer.suites = o->suites;
	if (!all_domains)
		return sizeof(w->offer);
	w->n_domains = o->n_domains;
	for (i = 0; i < o->n_domains; i++)
		memcpy(w->label[i], o->label[i], CLD_LABEL_MAX);
	tail = (struct cld_wire_hello_tail *)w->label[o->n_domains];
	put_unaligned_be16(o->slot_size, &tail->slot_size);
	put_unaligned_be16(o->window, &tail->window);
	return (u8 *)tail->ns - b;
}

/*
 * Reads an offer from a HELLO body of @len bytes; returns the bytes used
 * (all but the nonce) or 0.
 */
u32 cld_clone_get_offer(const u8 *b, u32 len, struct cld_clone_offer *o)
{
	const struct cld_wire_hello *w = (const struct cld_wire_hello *)b;
	const struct cld_wire_hello_tail *tail;
	u32 i;

	if (len < sizeof(*w))
		return 0;
	memset(o, 0, sizeof(*o));
	o->serial = get_unaligned_be64(&w->offer.serial);
	o->fips = w->offer.fips;
	o->protocols = w->offer.protocols;
	o->suites = w->offer.suites;
	o->n_domains = w->n_domains;
	if (o->fips > 1 || o->protocols & ~CLONEDEV_PROTO_CPV1 &
	    ~CLONEDEV_PROTO_CPV3 & ~CLONEDEV_PROTO_CPV4 ||
	    o->suites & ~CLONEDEV_SUITES_ALL || !o->n_domains ||
	    o->n_domains > CLD_MAX_DOMAINS)
		return 0;
	if (len < sizeof(*w) + CLD_LABEL_MAX * o->n_domains +
		  sizeof(tail->slot_size) + sizeof(tail->window))
		return 0;
	for (i = 0; i < o->n_domains; i++)
		memcpy(o->label[i], w->label[i], CLD_LABEL_MAX);
	tail = (const struct cld_wire_hello_tail *)w->label[o->n_domains];
	o->slot_size = get_unaligned_be16(&tail->slot_size);
	o->window = get_unaligned_be16(&tail->window);
	if (!o->window || o->window > CLONEDEV_CLONE_WINDOW_MAX)
		return 0;
	return (const u8 *)tail->ns - b;
}

u32 cld_clone_record_len(const struct cld_object *o)
{
	return sizeof(struct cld_wire_record) + o->value_len;
}

void cld_clone_put_record(u8 *b, const struct cld_object *o)
{
	struct cld_wire_record *r = (struct cld_wire_record *)b;

	put_unaligned_be32(o->obj_class, &r->obj_class);
	put_unaligned_be32(o->key_type, &r->key_type);
	put_unaligned_be32(o->bits, &r->bits);
	put_unaligned_be32(o->flags, &r->flags);
	put_unaligned_be32(o->id_len, &r->id_len);
	put_unaligned_be32(o->value_len, &r->value_len);
	memcpy(r->ouid, o->ouid, CLONEDEV_OUID_LEN);
	memcpy(r->kcv, o->kcv, CLONEDEV_KCV_LEN);
	r->zero = 0;
	memset(r->label, 0, CLD_LABEL_MAX);
	memcpy(r->label, o->label, strnlen(o->label, CLD_LABEL_MAX));
	memset(r->id, 0, CLONEDEV_ID_MAX);
	memcpy(r->id, o->id, o->id_len);
	memcpy(r->value, o->value, o->value_len);
}

static bool class_type_ok(u32 obj_class, u32 key_type)
{
	switch (obj_class) {
	case CLONEDEV_CLASS_DATA:
		return key_type == CLONEDEV_KEY_NONE;
	case CLONEDEV_CLASS_SECRET_KEY:
		return key_type == CLONEDEV_KEY_AES ||
		       key_type == CLONEDEV_KEY_GENERIC_SECRET;
	case CLONEDEV_CLASS_PRIVATE_KEY:
		return key_type >= CLONEDEV_KEY_EC_P256 &&
		       key_type <= CLONEDEV_KEY_RSA;
	case CLONEDEV_CLASS_PUBLIC_KEY:
		return key_type == CLONEDEV_KEY_EC_P256 ||
		       key_type == CLONEDEV_KEY_EC_P384 ||
		       key_type == CLONEDEV_KEY_RSA;
	}
	return false;
}

/*
 * An object from a record of @len bytes (the rest up to @len zero). Every
 * field is parsed to its exact length: the label ends at its first NUL
 * (or fills its 32 bytes), the id at its length, and every byte after
 * either is zero. The value is checked like a local object of its class
 * (cld_object_check_value()): size and check value must match what the
 * source sent; @t the transforms that check it (NULL: its own). Return: the object or
 * NULL.
 */
struct cld_object *cld_clone_get_record(struct cld_keytfm *t, const u8 *b,
					u32 len)
{
	const struct cld_wire_record *r = (const struct cld_wire_record *)b;
	const u32 fixed = sizeof(*r);
	u8 kcv[CLONEDEV_KCV_LEN];
	struct cld_object *o;
	u32 vlen, idlen, bits;
	const u8 *nul;

	if (len < fixed)
		return NULL;
	vlen = get_unaligned_be32(&r->value_len);
	idlen = get_unaligned_be32(&r->id_len);
	nul = memchr(r->label, 0, CLD_LABEL_MAX);
	if (vlen > CLONEDEV_DATA_MAX || vlen > len - fixed ||
	    idlen > CLONEDEV_ID_MAX || r->zero ||
	    (nul && memchr_inv(nul, 0, r->label + CLD_LABEL_MAX - nul)) ||
	    memchr_inv(r->id + idlen, 0, CLONEDEV_ID_MAX - idlen) ||
	    memchr_inv(r->value + vlen, 0, len - fixed - vlen) ||
	    !class_type_ok(get_unaligned_be32(&r->obj_class),
			   get_unaligned_be32(&r->key_type)) ||
	    get_unaligned_be32(&r->flags) & ~CLONEDEV_OBJ_FLAGS)
		return NULL;
	o = cld_object_alloc();
	if (!o)
		return NULL;
	o->obj_class = get_unaligned_be32(&r->obj_class);
	o->key_type = get_unaligned_be32(&r->key_type);
	o->bits = get_unaligned_be32(&r->bits);
	o->flags = get_unaligned_be32(&r->flags);
	/* As every local path makes them (uapi: obj_flags). */
	if (o->obj_class == CLONEDEV_CLASS_SECRET_KEY ||
	    o->obj_class == CLONEDEV_CLASS_PRIVATE_KEY)
		o->flags |= CLONEDEV_OBJ_PRIVATE | CLONEDEV_OBJ_SENSITIVE;
	o->id_len = idlen;
	o->value_len = vlen;
	memcpy(o->ouid, r->ouid, CLONEDEV_OUID_LEN);
	memcpy(o->kcv, r->kcv, CLONEDEV_KCV_LEN);
	memcpy(o->label, r->label, CLD_LABEL_MAX);
	if (o->label[0] && !cld_label_ok(o->label)) {
		cld_object_free(o);
		return NULL;
	}
	memcpy(o->id, r->id, idlen);
	o->value = kmemdup(r->value, vlen ?: 1, GFP_KERNEL);
	if (!o->value)
		goto bad;
	memcpy(kcv, o->kcv, sizeof(kcv));
	bits = o->bits;
	if ((t ? cld_object_check_value_with(t, o) :
		 cld_object_check_value(o)) || o->bits != bits ||
	    memcmp(o->kcv, kcv, sizeof(kcv)))
		goto bad;
	return o;
bad:
	cld_object_free(o);
	return NULL;
}
