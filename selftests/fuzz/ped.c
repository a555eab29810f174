// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the remote PED messages as clonedev-pedserver parses
 * them (tools/pedserver/channel.c, docs/remote-ped.md "Messages"). The
 * first input byte picks the parser, the rest is its input:
 *   0  HELLO (ped_hello()), the server holding the RPV of the test
 *      vectors (selftests/ped/vectors.json), so a HELLO naming it reaches
 *      the checks of the client's public point;
 *   1  HELLO, ACCEPT and FINISH one after the other: the first two set
 *      the channel's transcript, with the vectors' PRK, and FINISH goes to
 *      ped_finish() (the vectors' messages pass its MAC check);
 *   2  REQUEST (ped_open_request()) as it comes off the wire, and
 *   3  STORE (ped_open_store()), on a channel with the vectors' K_ks;
 *   4  a REQUEST plaintext, sealed first with the channel's key so the
 *      parser behind the tag check (parse_request()) sees any, and
 *   5  the same for a STORE plaintext (parse_store()).
 * What a parser accepts must hold the format's rules: a kind of the
 * enum, a printable label, a quorum 1 <= m <= n <= 16 and share indexes
 * 1..n each once.
 */
#include <errno.h>
#include <string.h>

#include "pedserver.h"
#include "fuzz.h"

#define MSG_MAX	(PED_HDR_LEN + PED_STORE_HEAD + \
		 CLONEDEV_QUORUM_MAX * PED_SHARE_WIRE + PED_TAG_LEN + 64)

/* selftests/ped/vectors.json: RPV, rpv_id, PRK and K_ks. */
static const unsigned char vec_rpv_id[CLONEDEV_PED_RPV_ID_LEN] = {
	0x47, 0xe5, 0x80, 0xd8, 0xaf, 0xf5, 0xee, 0x1f
};

static const unsigned char vec_prk[PED_KEY_LEN] = {
	0x64, 0x9a, 0x63, 0xcb, 0x4a, 0x0f, 0xe3, 0x20,
	0x7a, 0x1c, 0xc8, 0x04, 0x1f, 0xed, 0x37, 0x85,
	0x8a, 0x10, 0x75, 0x07, 0x09, 0x5a, 0x26, 0xf2,
	0xca, 0x82, 0xba, 0xe1, 0xb1, 0xbd, 0x25, 0x05
};

static const unsigned char vec_k_ks[PED_KEY_LEN] = {
	0x62, 0x98, 0x0d, 0x84, 0x5e, 0x31, 0xee, 0x56,
	0x42, 0x9c, 0x3e, 0xc5, 0xb6, 0xf2, 0xb8, 0x11,
	0x35, 0x43, 0x0f, 0xd8, 0xea, 0x8a, 0x94, 0x14,
	0xff, 0x3f, 0xda, 0xeb, 0x54, 0x99, 0x66, 0xa2
};

static unsigned char rpv_key[PED_KEY_LEN];

/* The vectors' REQUEST has sequence 2, their STORE 3. */
static void channel(struct ped_channel *ch, unsigned int seq)
{
	memset(ch, 0, sizeof(*ch));
	memcpy(ch->prk, vec_prk, sizeof(ch->prk));
	/* One key both ways, so what ped_seal() seals ped_open_*() opens. */
	memcpy(ch->k_ks, vec_k_ks, sizeof(ch->k_ks));
	memcpy(ch->k_sk, vec_k_ks, sizeof(ch->k_sk));
	ch->seq = seq;
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			return false;
	return true;
}

static void check_request(int ret, const struct ped_request *req)
{
	if (ret) {
		FUZZ_CHECK(ret == -EBADMSG || ret == -EKEYREJECTED);
		return;
	}
	FUZZ_CHECK(req->kind >= CLONEDEV_PED_KIND_PO &&
		   req->kind <= CLONEDEV_PED_KIND_DOMAIN);
	FUZZ_CHECK(strlen(req->label) <= PED_LABEL_LEN && printable(req->label));
	if (req->kind != CLONEDEV_PED_KIND_DOMAIN)
		FUZZ_CHECK(!req->label[0]);
}

static void check_store(int ret, const struct ped_store *st)
{
	unsigned int i, seen = 0;

	if (ret) {
		FUZZ_CHECK(ret == -EBADMSG || ret == -EKEYREJECTED);
		return;
	}
	FUZZ_CHECK(st->kind >= CLONEDEV_PED_KIND_PO &&
		   st->kind <= CLONEDEV_PED_KIND_DOMAIN);
	FUZZ_CHECK(st->m >= 1 && st->m <= st->n &&
		   st->n <= CLONEDEV_QUORUM_MAX);
	FUZZ_CHECK(strlen(st->label) <= PED_LABEL_LEN && printable(st->label));
	FUZZ_CHECK((st->kind == CLONEDEV_PED_KIND_DOMAIN) == !!st->label[0]);
	for (i = 0; i < st->n; i++) {
		unsigned int x = st->shares[i].index;

		FUZZ_CHECK(x >= 1 && x <= st->n && !(seen & (1U << x)));
		seen |= 1U << x;
	}
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static unsigned char out[MSG_MAX], msg[MSG_MAX];
	static struct ped_rpvs rpvs;
	struct ped_channel ch;
	struct ped_request req;
	struct ped_store st;
	const unsigned char *in = data + 1;
	size_t len = size - 1;
	int ret;

	if (!size || len > MSG_MAX - PED_HDR_LEN - PED_TAG_LEN)
		return 0;
	if (!rpvs.count) {
		for (ret = 0; ret < PED_KEY_LEN; ret++)
			rpv_key[ret] = (unsigned char)ret;
		rpvs.v[0].key = rpv_key;
		memcpy(rpvs.v[0].id, vec_rpv_id, sizeof(rpvs.v[0].id));
		rpvs.count = 1;
	}
	channel(&ch, data[0] % 6 == 3 || data[0] % 6 == 5 ? 3 : 2);
	switch (data[0] % 6) {
	case 0:
		ret = ped_hello(&ch, &rpvs, in, len, out);
		FUZZ_CHECK(!ret || ret == -EBADMSG || ret == -ENOKEY ||
			   ret == -EKEYREJECTED);
		if (!ret)
			FUZZ_CHECK(!ped_check_header(out, PED_ACCEPT_LEN,
						     PED_ACCEPT, 0,
						     PED_ACCEPT_BODY));
		break;
	case 1:
		if (len < PED_HELLO_LEN + PED_ACCEPT_LEN)
			break;
		memcpy(ch.hello, in, PED_HELLO_LEN);
		memcpy(ch.accept, in + PED_HELLO_LEN, PED_ACCEPT_LEN);
		ret = ped_finish(&ch, in + PED_HELLO_LEN + PED_ACCEPT_LEN,
				 len - PED_HELLO_LEN - PED_ACCEPT_LEN, out);
		FUZZ_CHECK(!ret || ret == -EBADMSG || ret == -EKEYREJECTED);
		if (!ret)
			FUZZ_CHECK(!ped_check_header(out, PED_HDR_LEN + PED_READY_BODY,
						     PED_READY, 1, PED_READY_BODY) &&
				   ch.seq == 2);
		break;
	case 2:
		memset(&req, 0, sizeof(req));
		check_request(ped_open_request(&ch, in, len, &req), &req);
		break;
	case 3:
		check_store(ped_open_store(&ch, in, len, &st), &st);
		break;
	case 4:
		FUZZ_CHECK(!ped_seal(&ch, PED_REQUEST, ch.seq, in, len, msg));
		memset(&req, 0, sizeof(req));
		ret = ped_open_request(&ch, msg, PED_HDR_LEN + len + PED_TAG_LEN,
				       &req);
		check_request(ret, &req);
		if (len == PED_REQUEST_PLAIN)
			FUZZ_CHECK(ret != -EKEYREJECTED);
		break;
	default:
		FUZZ_CHECK(!ped_seal(&ch, PED_STORE, ch.seq, in, len, msg));
		ret = ped_open_store(&ch, msg, PED_HDR_LEN + len + PED_TAG_LEN,
				     &st);
		check_store(ret, &st);
		break;
	}
	ped_channel_wipe(&ch);
	return 0;
}
