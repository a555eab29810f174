/* SPDX-License-Identifier: GPL-2.0 */
/*
 * clonedev-pedserver: the custodian's remote PED server
 * (docs/remote-ped.md). Shared declarations of its files: main.c (options,
 * modes, pid file), rpv.c (the remote PED vector), channel.c (the
 * messages and their keys), shares.c (the share directory), store.c (the
 * share files a STORE writes), ask.c (the custodian's answers) and
 * server.c (the connections).
 */
#ifndef PEDSERVER_H
#define PEDSERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <linux/clonedev.h>
#include "libclonedev.h"

#define PED_PORT		1503
#define PED_TIMEOUT		60	/* seconds a client may idle */
#define PED_MAX_CONNS		64
#define PED_KEY_LEN		32
#define PED_NONCE_LEN		32
#define PED_POINT_LEN		65
#define PED_HDR_LEN		16
#define PED_TAG_LEN		16
#define PED_LABEL_LEN		32

#define PED_MAGIC		0x50454431U
#define PED_VERSION		1

enum ped_type {
	PED_HELLO = 1,
	PED_ACCEPT = 2,
	PED_FINISH = 3,
	PED_READY = 4,
	PED_REQUEST = 5,
	PED_SHARES = 6,
	PED_STORE = 7,
	PED_STORED = 8,
	PED_ERROR = 15,
};

/* Body lengths of docs/remote-ped.md, "Messages". */
#define PED_HELLO_BODY		153
#define PED_ACCEPT_BODY		129
#define PED_FINISH_BODY		32
#define PED_READY_BODY		PED_TAG_LEN
#define PED_REQUEST_PLAIN	40
#define PED_REQUEST_BODY	(PED_REQUEST_PLAIN + PED_TAG_LEN)
#define PED_SHARES_HEAD		56
#define PED_SHARE_WIRE		40
#define PED_STORE_HEAD		56
#define PED_STORED_PLAIN	8
#define PED_ERROR_BODY		8

#define PED_HELLO_LEN		(PED_HDR_LEN + PED_HELLO_BODY)
#define PED_ACCEPT_LEN		(PED_HDR_LEN + PED_ACCEPT_BODY)

enum ped_error_code {
	PED_ERR_UNEXPECTED = 1,
	PED_ERR_AUTH = 2,
	PED_ERR_RPV = 3,
	PED_ERR_INTERNAL = 4,
};

enum ped_status {
	PED_SERVED = 0,
	PED_REFUSED = 1,
	PED_NONE_FIT = 2,
	PED_TOO_FEW = 3,
};

/* STORED's status. */
enum ped_stored_status {
	PED_WRITTEN = 0,
	PED_STORE_REFUSED = 1,
	PED_NOT_WRITTEN = 2,
};

/*
 * rpv.c: the remote PED vectors a server holds, one per partition it
 * serves, told apart by their id; their keys share one locked page.
 */
#define PED_RPV_MAX		16
#define PED_RPV_HEX		(2 * CLONEDEV_PED_RPV_ID_LEN + 1)

struct ped_rpv {
	unsigned char *key;		/* PED_KEY_LEN bytes in ped_rpvs.page */
	unsigned char id[CLONEDEV_PED_RPV_ID_LEN];
	unsigned long long serial;
	char partition[CLONEDEV_LABEL_LEN];
	unsigned int m, n;
};

struct ped_rpvs {
	unsigned char *page;		/* PED_RPV_MAX keys, mlock()ed */
	struct ped_rpv v[PED_RPV_MAX];
	unsigned int count;
};

int ped_rpv_load(struct ped_rpvs *rpvs, const char *files);
const struct ped_rpv *ped_rpv_find(const struct ped_rpvs *rpvs,
				   const unsigned char *id);
void ped_rpv_hex(const unsigned char *id, char *hex);
void ped_rpv_free(struct ped_rpvs *rpvs);
int ped_shamir_combine(const struct clonedev_share *in, unsigned int count,
		       unsigned char *secret);
int ped_rpv_id(const unsigned char *key, unsigned char *id);

/* channel.c: one connection's keys and transcript. */
struct ped_channel {
	unsigned char hello[PED_HELLO_LEN];
	unsigned char accept[PED_ACCEPT_LEN];
	unsigned char prk[PED_KEY_LEN];
	unsigned char k_ks[PED_KEY_LEN];
	unsigned char k_sk[PED_KEY_LEN];
	unsigned long long serial;
	char label[PED_LABEL_LEN + 1];
	uint32_t seq;			/* the next REQUEST's */
};

struct ped_request {
	uint32_t kind;
	char label[PED_LABEL_LEN + 1];
};

void ped_put32(unsigned char *p, uint32_t v);
uint32_t ped_get32(const unsigned char *p);
void ped_header(unsigned char *hdr, enum ped_type type, uint32_t seq,
		size_t body);
int ped_check_header(const unsigned char *msg, size_t len,
		     enum ped_type type, uint32_t seq, size_t body);
int ped_hello(struct ped_channel *ch, const struct ped_rpvs *rpvs,
	      const unsigned char *msg, size_t len, unsigned char *out);
const unsigned char *ped_hello_rpv_id(const struct ped_channel *ch);
int ped_finish(struct ped_channel *ch, const unsigned char *msg, size_t len,
	       unsigned char *out);
int ped_open_request(struct ped_channel *ch, const unsigned char *msg,
		     size_t len, struct ped_request *req);
int ped_seal(struct ped_channel *ch, enum ped_type type, uint32_t seq,
	     const unsigned char *plain, size_t len, unsigned char *out);
size_t ped_error_msg(enum ped_error_code code, uint32_t seq,
		     unsigned char *out);
void ped_channel_wipe(struct ped_channel *ch);

/* A STORE's plaintext (channel.c), and what became of it (store.c). */
struct ped_store {
	uint32_t kind;
	char label[PED_LABEL_LEN + 1];	/* kind domain */
	unsigned int m, n;
	unsigned char fingerprint[CLONEDEV_FINGERPRINT_LEN];
	struct clonedev_share shares[CLONEDEV_QUORUM_MAX];
	enum ped_stored_status status;
	char first[128], last[128];	/* the names of the files written */
};

bool ped_is_store(const unsigned char *msg, size_t len);
int ped_open_store(struct ped_channel *ch, const unsigned char *msg,
		   size_t len, struct ped_store *st);
void ped_store_write(const char *dir, const struct ped_channel *ch,
		     struct ped_store *st);

/* shares.c: the share files that answer a request. */
#define PED_FILES_MAX		256

struct ped_pick {
	enum ped_status status;
	unsigned int count;		/* files of the secret picked */
	unsigned int m, n;
	unsigned char fingerprint[CLONEDEV_FINGERPRINT_LEN];
	struct clonedev_share shares[CLONEDEV_QUORUM_MAX];
	char names[CLONEDEV_QUORUM_MAX][64];
};

void ped_pick(const char *dir, unsigned long long serial,
	      const struct ped_request *req, struct ped_pick *pick);
size_t ped_shares_plain(const struct ped_pick *pick,
			const struct ped_request *req, unsigned char *out);
int ped_list(const char *dir, void (*fn)(const char *name,
					 const struct clonedev_sharefile *sf));
const char *ped_kind_name(uint32_t kind);

/* ask.c: the custodian's answers (-confirm ask). */
int ped_ask_open(void);
void ped_ask_close(void);
int ped_ask_fd(void);
void ped_ask_question(const char *peer, const struct ped_channel *ch,
		      const struct ped_request *req,
		      const struct ped_pick *pick);
void ped_ask_store(const char *peer, const struct ped_channel *ch,
		   const struct ped_store *st);
void ped_ask_withdraw(const char *peer);
int ped_ask_answer(void);

/* server.c */
struct ped_config {
	const char *ip;
	unsigned int port;
	const char *sharedir;
	bool ask;
	bool once;
	int timeout;
	struct ped_rpvs rpvs;
};

int ped_listen(const struct ped_config *cfg, unsigned int *port);
int ped_signals(void);
int ped_serve(struct ped_config *cfg, int lfd, int sfd);
void ped_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
