// SPDX-License-Identifier: GPL-2.0
/*
 * clonedev-pedserver: the connections. One poll() loop serves them all,
 * each with its own state (docs/remote-ped.md, "State machines"), so
 * nothing one client does stops the others: a frame above
 * CLONEDEV_PED_MSG_MAX, a message out of place or that does not verify
 * gets ERROR and the connection closes; a client idle, or slow to send
 * or take a frame, for the timeout is dropped. SIGTERM, SIGINT or SIGHUP
 * ends the loop.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "pedserver.h"

#define FRAME_MAX	(4 + CLONEDEV_PED_MSG_MAX)
#define DRAIN_SECONDS	2

enum conn_state {
	C_HELLO,	/* waiting for HELLO */
	C_FINISH,	/* ACCEPT sent, waiting for FINISH */
	C_REQUEST,	/* READY, SHARES or STORED sent, waiting for REQUEST */
	C_ASKING,	/* a REQUEST or STORE waits for the custodian */
	C_ERROR,	/* sending ERROR, then draining */
	C_DRAIN,	/* ERROR sent: reading until the peer closes */
};

struct conn {
	int fd;
	enum conn_state state;
	char peer[80];
	bool hello_seen;
	long long deadline;		/* CLOCK_MONOTONIC ms, 0: none */
	unsigned long ticket;		/* its place in the questions' queue */
	unsigned char in[FRAME_MAX];
	size_t in_len;
	unsigned char out[FRAME_MAX];
	size_t out_len, out_off;
	struct ped_channel ch;
	struct ped_request req;
	struct ped_pick pick;
	bool storing;			/* the open request is a STORE */
	struct ped_store store;
};

static struct conn *conns[PED_MAX_CONNS];
static struct conn *asking;		/* the connection whose question is open */
static unsigned long next_ticket = 1;

/* Milliseconds of CLOCK_MONOTONIC. */
static long long now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

void ped_log(const char *fmt, ...)
{
	char stamp[32], msg[512];
	time_t t = time(NULL);
	struct tm tm;
	va_list ap;

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s %s\n", stamp, msg);
}

/* One log line about @c: its peer, partition and @what. */
static void conn_log(const struct conn *c, const char *what)
{
	if (c->hello_seen)
		ped_log("%s serial %llu label '%s': %s", c->peer,
			c->ch.serial, c->ch.label, what);
	else
		ped_log("%s: %s", c->peer, what);
}

static void request_log(const struct conn *c, const char *outcome)
{
	char what[160];

	snprintf(what, sizeof(what), "kind %s%s%s%s: %s",
		 ped_kind_name(c->req.kind),
		 c->req.kind == CLONEDEV_PED_KIND_DOMAIN ? " '" : "",
		 c->req.kind == CLONEDEV_PED_KIND_DOMAIN ? c->req.label : "",
		 c->req.kind == CLONEDEV_PED_KIND_DOMAIN ? "'" : "", outcome);
	conn_log(c, what);
}

static void conn_free(struct conn *c)
{
	close(c->fd);
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
}

static void conn_close(int slot, const char *why)
{
	struct conn *c = conns[slot];

	if (why)
		conn_log(c, why);
	if (asking == c) {
		asking = NULL;
		ped_ask_withdraw(c->peer);
		ped_log("%s: the question is withdrawn (the client left)",
			c->peer);
	}
	conns[slot] = NULL;
	conn_free(c);
}

/* Sends what is queued; returns -1 when the connection failed. */
static int flush(struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off,
				 c->out_len - c->out_off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0)
			return -1;
		c->out_off += n;
	}
	c->out_len = 0;
	c->out_off = 0;
	return 0;
}

/* Queues the message at c->out + 4 (@len bytes), due in @timeout seconds. */
static void queue(struct conn *c, size_t len, int timeout)
{
	ped_put32(c->out, (uint32_t)len);
	c->out_len = 4 + len;
	c->out_off = 0;
	c->deadline = now() + timeout * 1000LL;
}

static void send_error(struct conn *c, enum ped_error_code code, uint32_t seq,
		       const char *why)
{
	static const char *const names[] = {
		[PED_ERR_UNEXPECTED] = "unexpected",
		[PED_ERR_AUTH] = "auth",
		[PED_ERR_RPV] = "rpv",
		[PED_ERR_INTERNAL] = "internal",
	};
	char what[160];

	snprintf(what, sizeof(what), "error %s (%s)", names[code], why);
	conn_log(c, what);
	queue(c, ped_error_msg(code, seq, c->out + 4), DRAIN_SECONDS);
	c->state = C_ERROR;
}

/* ERROR rpv, the id HELLO named in the log. */
static void unknown_rpv(struct conn *c)
{
	char hex[PED_RPV_HEX], why[96];

	ped_rpv_hex(ped_hello_rpv_id(&c->ch), hex);
	snprintf(why, sizeof(why),
		 "HELLO names remote PED vector %s, which this server does not hold",
		 hex);
	send_error(c, PED_ERR_RPV, 0, why);
}

static void on_hello(struct ped_config *cfg, struct conn *c, size_t len)
{
	int ret = ped_hello(&c->ch, &cfg->rpvs, c->in + 4, len, c->out + 4);

	c->hello_seen = ret != -EBADMSG;
	if (ret == -EBADMSG)
		send_error(c, PED_ERR_UNEXPECTED, 0, "not a HELLO");
	else if (ret == -ENOKEY)
		unknown_rpv(c);
	else if (ret == -EKEYREJECTED)
		send_error(c, PED_ERR_AUTH, 0, "not a P-256 public key");
	else if (ret)
		send_error(c, PED_ERR_INTERNAL, 0, "key agreement failed");
	if (ret)
		return;
	queue(c, PED_ACCEPT_LEN, cfg->timeout);
	c->state = C_FINISH;
}

static void on_finish(struct ped_config *cfg, struct conn *c, size_t len)
{
	int ret = ped_finish(&c->ch, c->in + 4, len, c->out + 4);

	if (ret == -EBADMSG)
		send_error(c, PED_ERR_UNEXPECTED, 1, "not a FINISH");
	else if (ret == -EKEYREJECTED)
		send_error(c, PED_ERR_AUTH, 1, "MAC_K did not verify");
	else if (ret)
		send_error(c, PED_ERR_INTERNAL, 1, "key schedule failed");
	if (ret)
		return;
	conn_log(c, "channel ready");
	queue(c, PED_HDR_LEN + PED_READY_BODY, cfg->timeout);
	c->state = C_REQUEST;
}

/* Seals SHARES for the open request (c->pick) and logs the outcome. */
static void answer(struct ped_config *cfg, struct conn *c)
{
	unsigned char plain[PED_SHARES_HEAD +
			    CLONEDEV_QUORUM_MAX * PED_SHARE_WIRE];
	size_t len = ped_shares_plain(&c->pick, &c->req, plain);
	uint32_t seq = c->ch.seq++;
	char outcome[64];
	int ret;

	ret = ped_seal(&c->ch, PED_SHARES, seq, plain, len, c->out + 4);
	OPENSSL_cleanse(plain, sizeof(plain));
	if (c->pick.status == PED_SERVED)
		snprintf(outcome, sizeof(outcome), "served %u of %u",
			 c->pick.count, c->pick.n);
	else if (c->pick.status == PED_REFUSED)
		snprintf(outcome, sizeof(outcome), "refused by the custodian");
	else if (c->pick.status == PED_NONE_FIT)
		snprintf(outcome, sizeof(outcome), "none: no share fits");
	else
		snprintf(outcome, sizeof(outcome), "too few: %u of %u needed",
			 c->pick.count, c->pick.m);
	OPENSSL_cleanse(&c->pick, sizeof(c->pick));
	if (ret) {
		send_error(c, PED_ERR_INTERNAL, seq, "sealing failed");
		return;
	}
	request_log(c, outcome);
	queue(c, PED_HDR_LEN + len + PED_TAG_LEN, cfg->timeout);
	c->state = C_REQUEST;
}

static void on_request(struct ped_config *cfg, struct conn *c, size_t len)
{
	int ret = ped_open_request(&c->ch, c->in + 4, len, &c->req);

	if (ret == -EBADMSG) {
		send_error(c, PED_ERR_UNEXPECTED, c->ch.seq, "not a REQUEST");
		return;
	}
	if (ret) {
		send_error(c, PED_ERR_AUTH, c->ch.seq, "REQUEST did not open");
		return;
	}
	ped_pick(cfg->sharedir, c->ch.serial, &c->req, &c->pick);
	if (c->pick.status != PED_SERVED || !cfg->ask) {
		answer(cfg, c);
		return;
	}
	c->state = C_ASKING;
	c->ticket = next_ticket++;
	c->deadline = 0;
}

static void store_log(const struct conn *c, const char *outcome)
{
	const struct ped_store *st = &c->store;
	bool domain = st->kind == CLONEDEV_PED_KIND_DOMAIN;
	char what[400];

	snprintf(what, sizeof(what), "store kind %s%s%s%s, %u of %u: %s",
		 ped_kind_name(st->kind), domain ? " '" : "",
		 domain ? st->label : "", domain ? "'" : "", st->m, st->n,
		 outcome);
	conn_log(c, what);
}

/* Writes the open STORE's files if @yes, seals STORED, logs the outcome. */
static void stored(struct ped_config *cfg, struct conn *c, bool yes)
{
	unsigned char plain[PED_STORED_PLAIN] = { 0 };
	uint32_t seq = c->ch.seq++;
	char outcome[300];
	int ret;

	if (yes)
		ped_store_write(cfg->sharedir, &c->ch, &c->store);
	else
		c->store.status = PED_STORE_REFUSED;
	ped_put32(plain, c->store.status);
	ret = ped_seal(&c->ch, PED_STORED, seq, plain, sizeof(plain),
		       c->out + 4);
	if (c->store.status == PED_WRITTEN)
		snprintf(outcome, sizeof(outcome), "written: %s ... %s",
			 c->store.first, c->store.last);
	else if (c->store.status == PED_STORE_REFUSED)
		snprintf(outcome, sizeof(outcome), "refused by the custodian");
	else
		snprintf(outcome, sizeof(outcome), "not written");
	if (!ret)
		store_log(c, outcome);
	c->storing = false;
	OPENSSL_cleanse(&c->store, sizeof(c->store));
	if (ret) {
		send_error(c, PED_ERR_INTERNAL, seq, "sealing failed");
		return;
	}
	queue(c, PED_HDR_LEN + PED_STORED_PLAIN + PED_TAG_LEN, cfg->timeout);
	c->state = C_REQUEST;
}

static void on_store(struct ped_config *cfg, struct conn *c, size_t len)
{
	int ret = ped_open_store(&c->ch, c->in + 4, len, &c->store);

	if (ret == -EBADMSG) {
		send_error(c, PED_ERR_UNEXPECTED, c->ch.seq, "not a STORE");
		return;
	}
	if (ret) {
		send_error(c, PED_ERR_AUTH, c->ch.seq, "STORE did not open");
		return;
	}
	c->storing = true;
	store_log(c, "asked");
	if (!cfg->ask) {
		stored(cfg, c, true);
		return;
	}
	c->state = C_ASKING;
	c->ticket = next_ticket++;
	c->deadline = 0;
}

static void on_frame(struct ped_config *cfg, struct conn *c)
{
	size_t len = c->in_len - 4;

	c->in_len = 0;
	if (c->state == C_HELLO)
		on_hello(cfg, c, len);
	else if (c->state == C_FINISH)
		on_finish(cfg, c, len);
	else if (ped_is_store(c->in + 4, len))
		on_store(cfg, c, len);
	else
		on_request(cfg, c, len);
	OPENSSL_cleanse(c->in, sizeof(c->in));
}

/* How many bytes the frame being read still needs. */
static size_t wanted(const struct conn *c)
{
	if (c->in_len < 4)
		return 4 - c->in_len;
	return 4 + ped_get32(c->in) - c->in_len;
}

/* Reads toward one frame; returns -1 when the connection is to close. */
static int receive(struct ped_config *cfg, struct conn *c)
{
	ssize_t n = recv(c->fd, c->in + c->in_len, wanted(c), 0);

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	if (!n)
		return -1;
	c->in_len += n;
	if (c->in_len == 4 && ped_get32(c->in) > CLONEDEV_PED_MSG_MAX) {
		send_error(c, PED_ERR_UNEXPECTED, 0, "frame too long");
		return 0;
	}
	if (c->in_len == 4 && !ped_get32(c->in))
		return -1;
	if (c->in_len >= 4 && !wanted(c)) {
		c->deadline = now() + cfg->timeout * 1000LL;
		on_frame(cfg, c);
	}
	return 0;
}

/* Reads and discards until the peer closes, after an ERROR. */
static int drain(struct conn *c)
{
	ssize_t n = recv(c->fd, c->in, sizeof(c->in), 0);

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	return n ? 0 : -1;
}

static void after_flush(struct conn *c)
{
	if (c->state == C_ERROR && !c->out_len) {
		shutdown(c->fd, SHUT_WR);
		c->state = C_DRAIN;
	}
}

/* Handles poll()'s @revents for the connection in @slot. */
static void conn_event(struct ped_config *cfg, int slot, short revents)
{
	struct conn *c = conns[slot];
	int ret = 0;

	if (c->state == C_ASKING) {
		if (revents & (POLLRDHUP | POLLHUP | POLLERR))
			conn_close(slot, "closed by the client while asking");
		return;
	}
	if (revents & POLLOUT)
		ret = flush(c);
	else if (revents & POLLIN)
		ret = c->state == C_DRAIN ? drain(c) : receive(cfg, c);
	else if (revents & (POLLHUP | POLLERR))
		ret = -1;
	if (!ret && c->out_len)
		ret = flush(c);
	if (!ret) {
		after_flush(c);
		return;
	}
	/* After an ERROR, its log line said why. */
	conn_close(slot, c->state == C_DRAIN || c->state == C_ERROR ?
			 NULL : "closed");
}

static void peer_name(const struct sockaddr_storage *ss, socklen_t len,
		      char *out, size_t cap)
{
	char host[64], serv[16];

	if (getnameinfo((const struct sockaddr *)ss, len, host, sizeof(host),
			serv, sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV))
		snprintf(out, cap, "?");
	else
		snprintf(out, cap, "%s:%s", host, serv);
}

static int free_slot(void)
{
	int i;

	for (i = 0; i < PED_MAX_CONNS; i++)
		if (!conns[i])
			return i;
	return -1;
}

/* Accepts one connection; returns 1 if one was taken. */
static int take(struct ped_config *cfg, int lfd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char peer[80];
	struct conn *c;
	int fd, slot;

	fd = accept4(lfd, (struct sockaddr *)&ss, &len,
		     SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return 0;
	peer_name(&ss, len, peer, sizeof(peer));
	slot = free_slot();
	c = slot < 0 ? NULL : calloc(1, sizeof(*c));
	if (!c) {
		ped_log("%s: refused: %d connections are open", peer,
			PED_MAX_CONNS);
		close(fd);
		return 0;
	}
	c->fd = fd;
	c->state = C_HELLO;
	c->deadline = now() + cfg->timeout * 1000LL;
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	conns[slot] = c;
	conn_log(c, "connected");
	return 1;
}

static short conn_events(const struct conn *c)
{
	if (c->state == C_ASKING)
		return POLLRDHUP;
	return c->out_len ? POLLOUT : POLLIN;
}

/* Opens the next question if none is open. */
static void next_question(void)
{
	struct conn *first = NULL;
	int i;

	if (asking)
		return;
	for (i = 0; i < PED_MAX_CONNS; i++)
		if (conns[i] && conns[i]->state == C_ASKING &&
		    (!first || conns[i]->ticket < first->ticket))
			first = conns[i];
	if (!first)
		return;
	asking = first;
	if (first->storing)
		ped_ask_store(first->peer, &first->ch, &first->store);
	else
		ped_ask_question(first->peer, &first->ch, &first->req,
				 &first->pick);
}

/* Takes the custodian's answer, if there is one. */
static void on_answer(struct ped_config *cfg)
{
	struct conn *c = asking;
	int yes = ped_ask_answer();

	if (yes == -EAGAIN)
		return;
	asking = NULL;
	if (c->storing) {
		stored(cfg, c, yes);
	} else {
		if (!yes) {
			OPENSSL_cleanse(&c->pick, sizeof(c->pick));
			c->pick.status = PED_REFUSED;
		}
		answer(cfg, c);
	}
	flush(c);
	after_flush(c);
}

static int poll_timeout(void)
{
	long long t = now(), first = 0;
	int i;

	for (i = 0; i < PED_MAX_CONNS; i++)
		if (conns[i] && conns[i]->deadline &&
		    (!first || conns[i]->deadline < first))
			first = conns[i]->deadline;
	if (!first)
		return -1;
	return first <= t ? 0 : (int)(first - t);
}

static void expire(void)
{
	long long t = now();
	int i;

	for (i = 0; i < PED_MAX_CONNS; i++) {
		if (!conns[i] || !conns[i]->deadline || conns[i]->deadline > t)
			continue;
		if (conns[i]->state == C_DRAIN || conns[i]->state == C_ERROR)
			conn_close(i, NULL);
		else
			conn_close(i, "dropped: idle or slow for too long");
	}
}

static int open_conns(void)
{
	int i, n = 0;

	for (i = 0; i < PED_MAX_CONNS; i++)
		n += !!conns[i];
	return n;
}

/*
 * SIGTERM, SIGINT and SIGHUP from now on arrive on the signalfd returned
 * (or -1, with a sentence); SIGPIPE is ignored.
 */
int ped_signals(void)
{
	sigset_t block;
	int fd;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	fd = sigprocmask(SIG_BLOCK, &block, NULL) ? -1 :
	     signalfd(-1, &block, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		fprintf(stderr, "clonedev-pedserver: cannot take signals: %s.\n",
			strerror(errno));
	return fd;
}

enum {
	SLOT_LISTEN = -1,
	SLOT_ASK = -2,
	SLOT_SIGNAL = -3,
};

struct loop {
	struct pollfd fds[PED_MAX_CONNS + 3];
	int slot[PED_MAX_CONNS + 3];
	int count;
};

static void add_fd(struct loop *l, int fd, short events, int slot)
{
	l->fds[l->count].fd = fd;
	l->fds[l->count].events = events;
	l->fds[l->count].revents = 0;
	l->slot[l->count++] = slot;
}

static void build(struct loop *l, int lfd, int sfd)
{
	int i;

	l->count = 0;
	add_fd(l, sfd, POLLIN, SLOT_SIGNAL);
	if (lfd >= 0)
		add_fd(l, lfd, POLLIN, SLOT_LISTEN);
	if (asking)
		add_fd(l, ped_ask_fd(), POLLIN, SLOT_ASK);
	for (i = 0; i < PED_MAX_CONNS; i++)
		if (conns[i])
			add_fd(l, conns[i]->fd, conn_events(conns[i]), i);
}

/* Handles one poll() entry; returns -1 to stop (a signal). */
static int dispatch(struct ped_config *cfg, const struct pollfd *p, int slot,
		    int *lfd)
{
	if (slot >= 0) {
		if (p->revents && conns[slot])
			conn_event(cfg, slot, p->revents);
	} else if (slot == SLOT_SIGNAL) {
		if (p->revents)
			return -1;
	} else if (slot == SLOT_ASK) {
		if (asking && (p->revents || p->fd < 0))
			on_answer(cfg);
	} else if (p->revents && take(cfg, *lfd) && cfg->once) {
		close(*lfd);
		*lfd = -1;
	}
	return 0;
}

/* One turn of the loop; returns -1 to stop. */
static int turn(struct ped_config *cfg, int *lfd, int sfd)
{
	struct loop l;
	int i, ms;

	next_question();
	build(&l, *lfd, sfd);
	ms = asking && ped_ask_fd() < 0 ? 0 : poll_timeout();
	if (poll(l.fds, l.count, ms) < 0 && errno != EINTR)
		return -1;
	for (i = 0; i < l.count; i++)
		if (dispatch(cfg, &l.fds[i], l.slot[i], lfd))
			return -1;
	expire();
	return *lfd < 0 && !open_conns() ? -1 : 0;
}

/*
 * Serves on the listening socket @lfd (closed on return) until a signal
 * arrives on @sfd (ped_signals()), or with -once its connection ends.
 */
int ped_serve(struct ped_config *cfg, int lfd, int sfd)
{
	struct signalfd_siginfo si;
	int i;

	if (cfg->ask)
		ped_ask_open();
	while (!turn(cfg, &lfd, sfd))
		;
	if (read(sfd, &si, sizeof(si)) == sizeof(si))
		ped_log("stopping on signal %u", si.ssi_signo);
	for (i = 0; i < PED_MAX_CONNS; i++)
		if (conns[i])
			conn_close(i, "closed: the server stops");
	if (lfd >= 0)
		close(lfd);
	if (cfg->ask)
		ped_ask_close();
	ped_log("stopped");
	return 0;
}

/*
 * Listens on cfg->ip and cfg->port (0: any free port), non-blocking.
 * Return: the socket and its port at @port, or -1 (with a sentence).
 */
int ped_listen(const struct ped_config *cfg, unsigned int *port)
{
	struct addrinfo hints = {
		.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV,
		.ai_socktype = SOCK_STREAM,
	};
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct addrinfo *ai;
	char serv[16];
	int fd, one = 1, err;

	snprintf(serv, sizeof(serv), "%u", cfg->port);
	err = getaddrinfo(cfg->ip, serv, &hints, &ai);
	if (err) {
		fprintf(stderr, "clonedev-pedserver: '%s' is not an IP address: %s.\n",
			cfg->ip, gai_strerror(err));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 64) ||
	    getsockname(fd, (struct sockaddr *)&ss, &len)) {
		fprintf(stderr, "clonedev-pedserver: cannot listen on %s port %u: %s.\n",
			cfg->ip, cfg->port, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	*port = ntohs(ss.ss_family == AF_INET6 ?
		      ((struct sockaddr_in6 *)&ss)->sin6_port :
		      ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}
