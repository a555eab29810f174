// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libclonedev: the relay of the remote PED channel (docs/remote-ped.md).
 * A session's kernel and the custodian's clonedev-pedserver talk through
 * it: it carries their messages over TCP, each as a 4-byte big-endian
 * length and the bytes, and never looks inside them. The shares travel
 * sealed for the kernel and stay there; nothing here can read them.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "session.h"

#define PED_TIMEOUT_DEFAULT	60	/* seconds */
#define PED_TIMEOUT_MAX		3600

struct clonedev_ped_link {
	struct clonedev *cd;
	int fd;			/* -1 once the connection is down */
	int timeout;		/* seconds, for connect, send and receive */
	char host[NI_MAXHOST];	/* the server's address, numeric */
	unsigned int port;
	unsigned char rpv_id[CLONEDEV_PED_RPV_ID_LEN];
	unsigned char *in;	/* a message from the server */
	unsigned char *out;	/* a frame to it: length, message */
};

/* Sets @c's size and op and runs it on @cd; the caller zeroed the rest. */
static int ped_ioctl(struct clonedev *cd, struct clonedev_ped *c,
		     unsigned int op)
{
	c->size = sizeof(*c);
	c->op = op;
	return cdev_ioctl(cd, CLONEDEV_IOCTL_PED, c);
}

int clonedev_ped_vector_init(struct clonedev *cd, unsigned int m,
			     unsigned int n, struct clonedev_share *shares,
			     unsigned char *rpv_id)
{
	struct clonedev_ped c = { 0 };
	int ret;

	c.quorum_m = m;
	c.quorum_n = n;
	c.shares = (uintptr_t)shares;
	ret = ped_ioctl(cd, &c, CLONEDEV_PED_VECTOR_INIT);
	if (!ret && rpv_id)
		memcpy(rpv_id, c.rpv_id, sizeof(c.rpv_id));
	return ret;
}

int clonedev_ped_vector_erase(struct clonedev *cd)
{
	struct clonedev_ped c = { 0 };

	return ped_ioctl(cd, &c, CLONEDEV_PED_VECTOR_ERASE);
}

int clonedev_ped_status(struct clonedev *cd, struct clonedev_ped_info *out)
{
	struct clonedev_ped c = { 0 };
	int ret;

	memset(out, 0, sizeof(*out));
	ret = ped_ioctl(cd, &c, CLONEDEV_PED_STATUS);
	if (ret)
		return ret;
	out->state = c.state;
	out->error = c.error;
	out->has_rpv = !!(c.ped_flags & CLONEDEV_PED_HAS_RPV);
	memcpy(out->rpv_id, c.rpv_id, sizeof(out->rpv_id));
	out->held_kind = c.held_kind;
	out->held_count = c.held_count;
	return 0;
}

int clonedev_login_ped(struct clonedev *cd, unsigned int role)
{
	struct clonedev_login cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.flags = CLONEDEV_LOGIN_PED;
	cmd.role = role;
	return cdev_ioctl(cd, CLONEDEV_IOCTL_LOGIN, &cmd);
}

int clonedev_domain_add_ped(struct clonedev *cd, const char *label,
			    int primary)
{
	struct clonedev_domain_add cmd;

	if (!label || strlen(label) >= CLONEDEV_LABEL_LEN)
		return -EINVAL;
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.flags = CLONEDEV_DOMAIN_ADD_PED |
		    (primary ? CLONEDEV_DOMAIN_PRIMARY : 0);
	strcpy(cmd.label, label);
	return cdev_ioctl(cd, CLONEDEV_IOCTL_DOMAIN_ADD, &cmd);
}

/* $CLONEDEV_PED_TIMEOUT (seconds) if it is a sane number, else 60. */
static int ped_timeout(void)
{
	const char *s = getenv("CLONEDEV_PED_TIMEOUT");
	char *end;
	long v;

	if (!s || !*s)
		return PED_TIMEOUT_DEFAULT;
	v = strtol(s, &end, 10);
	if (*end || v < 1 || v > PED_TIMEOUT_MAX)
		return PED_TIMEOUT_DEFAULT;
	return (int)v;
}

/* A transport error as the callers see it: the server is gone. */
static int gone(int err)
{
	switch (err) {
	case EAGAIN:
#if EWOULDBLOCK != EAGAIN
	case EWOULDBLOCK:
#endif
	case ETIMEDOUT:
		return -ETIMEDOUT;
	case ECONNRESET:
	case EPIPE:
	case ENOTCONN:
		return -ENOTCONN;
	default:
		return -err;
	}
}

static int send_all(int fd, const unsigned char *p, size_t len)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return gone(errno);
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int recv_all(int fd, unsigned char *p, size_t len)
{
	while (len) {
		ssize_t n = recv(fd, p, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return gone(errno);
		if (!n)
			return -ENOTCONN;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * One frame to the server: the length and @len bytes of @l->out + 4 (the
 * kernel wrote the message there), in one send so the pair leaves as one
 * segment. @len 0 ends the connection.
 */
static int frame_send(struct clonedev_ped_link *l, unsigned int len)
{
	l->out[0] = len >> 24;
	l->out[1] = len >> 16;
	l->out[2] = len >> 8;
	l->out[3] = len;
	return send_all(l->fd, l->out, 4 + (size_t)len);
}

/*
 * One frame from the server into @l->in. A length of 0 (the server ended
 * the connection) is -ENOTCONN; one above CLONEDEV_PED_MSG_MAX is
 * -EMSGSIZE, and its bytes are left unread.
 */
static int frame_recv(struct clonedev_ped_link *l, unsigned int *len)
{
	unsigned char hdr[4];
	unsigned int n;
	int ret;

	ret = recv_all(l->fd, hdr, sizeof(hdr));
	if (ret)
		return ret;
	n = (unsigned int)hdr[0] << 24 | hdr[1] << 16 | hdr[2] << 8 | hdr[3];
	if (!n)
		return -ENOTCONN;
	if (n > CLONEDEV_PED_MSG_MAX)
		return -EMSGSIZE;
	*len = n;
	return recv_all(l->fd, l->in, n);
}

/* Connects @fd to @ai within @timeout seconds. */
static int connect_within(int fd, const struct addrinfo *ai, int timeout)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	socklen_t elen = sizeof(int);
	int err = 0, ret;

	if (!connect(fd, ai->ai_addr, ai->ai_addrlen))
		return 0;
	if (errno != EINPROGRESS)
		return -errno;
	do {
		ret = poll(&p, 1, timeout * 1000);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -errno;
	if (!ret)
		return -ETIMEDOUT;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen))
		return -errno;
	return -err;
}

/* A blocking socket whose sends and receives give up after @timeout. */
static int set_blocking(int fd, int timeout)
{
	struct timeval tv = { .tv_sec = timeout };
	int one = 1, flags = fcntl(fd, F_GETFL);

	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)))
		return -errno;
	return 0;
}

/* A TCP connection to @host (a name, IPv4 or IPv6) and @l->port. */
static int tcp_connect(struct clonedev_ped_link *l, const char *host)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
				  .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res, *ai;
	char port[8];
	int ret;

	snprintf(port, sizeof(port), "%u", l->port);
	ret = getaddrinfo(host, port, &hints, &res);
	if (ret == EAI_SYSTEM)
		return errno ? -errno : -ENOENT;
	if (ret == EAI_MEMORY)
		return -ENOMEM;
	if (ret)
		return -ENOENT;
	ret = -ENOENT;
	for (ai = res; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family,
				ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
				ai->ai_protocol);
		if (fd < 0) {
			ret = -errno;
			continue;
		}
		ret = connect_within(fd, ai, l->timeout) ?:
		      set_blocking(fd, l->timeout);
		if (!ret) {
			if (getnameinfo(ai->ai_addr, ai->ai_addrlen, l->host,
					sizeof(l->host), NULL, 0,
					NI_NUMERICHOST))
				snprintf(l->host, sizeof(l->host), "%s", host);
			l->fd = fd;
			break;
		}
		close(fd);
	}
	freeaddrinfo(res);
	return ret;
}

/*
 * The connection is down or no longer usable: it closes, and the kernel
 * ends its side of the channel (wiping its keys and any shares held).
 */
static void link_down(struct clonedev_ped_link *l)
{
	struct clonedev_ped c = { 0 };

	if (l->fd < 0)
		return;
	close(l->fd);
	l->fd = -1;
	ped_ioctl(l->cd, &c, CLONEDEV_PED_DISCONNECT);
}

/*
 * Sends the kernel's message (@c->out_len bytes, if any), takes the
 * server's answer and hands it to the kernel; *c is then the kernel's
 * state after it. A transport failure takes the link down.
 */
static int exchange(struct clonedev_ped_link *l, struct clonedev_ped *c)
{
	struct clonedev_ped s = { 0 };
	unsigned int len = 0;
	int ret = 0;

	if (c->out_len)
		ret = frame_send(l, c->out_len);
	if (!ret)
		ret = frame_recv(l, &len);
	if (!ret) {
		s.in = (uintptr_t)l->in;
		s.in_len = len;
		s.out = (uintptr_t)(l->out + 4);
		s.out_cap = CLONEDEV_PED_MSG_MAX;
		ret = ped_ioctl(l->cd, &s, CLONEDEV_PED_STEP);
	}
	explicit_bzero(l->in, len);
	if (ret) {
		link_down(l);
		return ret;
	}
	*c = s;
	return 0;
}

static void link_free(struct clonedev_ped_link *l)
{
	if (l->in)
		explicit_bzero(l->in, CLONEDEV_PED_MSG_MAX);
	if (l->out)
		explicit_bzero(l->out, 4 + CLONEDEV_PED_MSG_MAX);
	free(l->in);
	free(l->out);
	free(l);
}

int clonedev_ped_connect(struct clonedev *cd, const char *host,
			 unsigned int port, struct clonedev_ped_link **out,
			 int *perr)
{
	struct clonedev_ped_link *l;
	struct clonedev_ped c = { 0 };
	int ret;

	*out = NULL;
	if (perr)
		*perr = CLONEDEV_PED_E_NONE;
	if (!host || !*host || !port || port > 65535)
		return -EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->cd = cd;
	l->fd = -1;
	l->port = port;
	l->timeout = ped_timeout();
	l->in = malloc(CLONEDEV_PED_MSG_MAX);
	l->out = malloc(4 + CLONEDEV_PED_MSG_MAX);
	ret = l->in && l->out ? tcp_connect(l, host) : -ENOMEM;
	if (ret)
		goto fail;
	/* HELLO; a new CONNECT ends the session's older channel, if any. */
	c.out = (uintptr_t)(l->out + 4);
	c.out_cap = CLONEDEV_PED_MSG_MAX;
	ret = ped_ioctl(cd, &c, CLONEDEV_PED_CONNECT);
	if (ret) {
		close(l->fd);
		goto fail;
	}
	memcpy(l->rpv_id, c.rpv_id, sizeof(l->rpv_id));
	/* HELLO, ACCEPT, FINISH, READY. */
	while (c.state == CLONEDEV_PED_HANDSHAKE && c.out_len) {
		ret = exchange(l, &c);
		if (ret)
			goto fail;
	}
	if (c.state != CLONEDEV_PED_CONNECTED) {
		if (perr)
			*perr = c.error ?: CLONEDEV_PED_E_UNEXPECTED;
		link_down(l);
		ret = -EPROTO;
		goto fail;
	}
	*out = l;
	return 0;
fail:
	link_free(l);
	return ret;
}

/*
 * One REQUEST or STORE (@op) and its answer; m and n are the STORE's
 * quorum (0 for a REQUEST). *status is what the answer said, or why the
 * channel failed.
 */
static int ask_server(struct clonedev_ped_link *link, unsigned int op,
		      unsigned int kind, const char *domain_label,
		      unsigned int m, unsigned int n, int *status)
{
	struct clonedev_ped c = { 0 };
	int ret;

	*status = CLONEDEV_PED_E_NONE;
	if (domain_label && strlen(domain_label) >= CLONEDEV_LABEL_LEN)
		return -EINVAL;
	if (link->fd < 0)
		return -ENOTCONN;
	c.kind = kind;
	if (domain_label)
		strcpy(c.domain_label, domain_label);
	c.quorum_m = m;
	c.quorum_n = n;
	c.out = (uintptr_t)(link->out + 4);
	c.out_cap = CLONEDEV_PED_MSG_MAX;
	ret = ped_ioctl(link->cd, &c, op);
	if (ret)
		return ret;
	ret = exchange(link, &c);
	if (ret)
		return ret;
	if (c.state == CLONEDEV_PED_CONNECTED) {
		*status = (int)c.error;
		return 0;
	}
	/*
	 * The channel failed (the secrets made for it with it): the
	 * connection has no further use.
	 */
	*status = c.error > CLONEDEV_PED_E_TOO_FEW &&
		  c.error != CLONEDEV_PED_E_NOT_WRITTEN ?
		  (int)c.error : CLONEDEV_PED_E_UNEXPECTED;
	link_down(link);
	return 0;
}

int clonedev_ped_request(struct clonedev_ped_link *link, unsigned int kind,
			 const char *domain_label, int *status)
{
	return ask_server(link, CLONEDEV_PED_REQUEST, kind, domain_label, 0, 0,
			  status);
}

int clonedev_ped_store(struct clonedev_ped_link *link, unsigned int kind,
		       const char *domain_label, unsigned int m,
		       unsigned int n, int *status)
{
	return ask_server(link, CLONEDEV_PED_STORE, kind, domain_label, m, n,
			  status);
}

int clonedev_role_init_ped(struct clonedev *cd, unsigned int role,
			   unsigned int m, unsigned int n)
{
	struct clonedev_role_init cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.flags = CLONEDEV_ROLE_INIT_PED;
	cmd.role = role;
	cmd.quorum_m = m;
	cmd.quorum_n = n;
	return cdev_ioctl(cd, CLONEDEV_IOCTL_ROLE_INIT, &cmd);
}

int clonedev_partition_init_ped(struct clonedev *cd, const char *label,
				const char *domain_label, unsigned int m,
				unsigned int n, unsigned char *fingerprint)
{
	struct clonedev_partition_init cmd;
	int ret;

	if ((label && strlen(label) >= CLONEDEV_LABEL_LEN) || !domain_label ||
	    strlen(domain_label) >= CLONEDEV_LABEL_LEN)
		return -EINVAL;
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.flags = CLONEDEV_PARTITION_INIT_PED;
	if (label)
		strcpy(cmd.label, label);
	strcpy(cmd.domain_label, domain_label);
	cmd.quorum_m = m;
	cmd.quorum_n = n;
	ret = cdev_ioctl(cd, CLONEDEV_IOCTL_PARTITION_INIT, &cmd);
	if (!ret && fingerprint)
		memcpy(fingerprint, cmd.fingerprint, sizeof(cmd.fingerprint));
	return ret;
}

int clonedev_ped_disconnect(struct clonedev_ped_link *link)
{
	struct clonedev_ped c = { 0 };
	int ret = 0;

	if (!link)
		return 0;
	if (link->fd >= 0) {
		frame_send(link, 0);
		close(link->fd);
		link->fd = -1;
		ret = ped_ioctl(link->cd, &c, CLONEDEV_PED_DISCONNECT);
	}
	link_free(link);
	return ret;
}

int clonedev_ped_link_check(struct clonedev_ped_link *link)
{
	struct pollfd p = { .fd = link->fd, .events = POLLIN | POLLRDHUP };

	if (link->fd < 0)
		return -ENOTCONN;
	/* The server speaks only when asked: anything to read is its end. */
	if (poll(&p, 1, 0) > 0) {
		link_down(link);
		return -ENOTCONN;
	}
	return 0;
}

int clonedev_ped_link_server(const struct clonedev_ped_link *link,
			     char *host, size_t len, unsigned int *port)
{
	if (snprintf(host, len, "%s", link->host) >= (int)len)
		return -ENAMETOOLONG;
	*port = link->port;
	return 0;
}

struct clonedev *clonedev_ped_link_session(const struct clonedev_ped_link *link)
{
	return link->cd;
}
