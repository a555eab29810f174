// SPDX-License-Identifier: GPL-2.0
/*
 * clonedev selftests: the remote PED channel (docs/remote-ped.md) between
 * a quorum partition's session and a PED server on the loopback, with
 * this test as the relay: the server is clonedev-pedserver or the second
 * implementation selftests/ped/pedpeer.py (FIXTURE_VARIANT), fed share
 * files the test makes. Logins through the channel; the remote PED vector
 * and its refusals; a relay that alters, truncates, replays or reflects
 * each message gets no login and leaves no shares in the kernel; a server
 * that holds another partition's shares, too few, another RPV, or goes
 * away mid-login; every uAPI rejection with its errno. The other way: a
 * role or the partition re-initialized with a secret whose shares the
 * server stored (STORE, STORED), then logged in through it; a custodian
 * who refuses, a server that cannot write, and a relay that alters,
 * truncates, replays or retypes a STORED leave no usable secret. And
 * parallel callers: threads on one session, and several sessions on the
 * slot, making STOREs and inits at once while a closer ends the channel
 * or selects the slot again: one STORE in flight per channel, one init
 * per stored secret, none with a secret not stored, STOREs numbered in
 * order, and the roles exactly what the successful inits made them.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clonedev_test_util.h"

#define MSG_MAX		CLONEDEV_PED_MSG_MAX
#define HDR_LEN		16
#define PED_TIMEOUT	300

/* Message types (docs/remote-ped.md). */
enum {
	T_HELLO = 1,
	T_ACCEPT,
	T_FINISH,
	T_READY,
	T_REQUEST,
	T_SHARES,
	T_STORE,
	T_STORED,
	T_ERROR = 15,
};

FIXTURE(ped)
{
	struct clonedev_nl *nl;
	struct clonedev *cd;
	struct clonedev_slot part;
	char dir[64];
	pid_t server;
	int port;
	int sock;
	unsigned char rpv_id[CLONEDEV_PED_RPV_ID_LEN];
	char rpv_list[512];
	struct clonedev_share po[3];	/* the po's shares */
	struct clonedev *extra[8];	/* more sessions a test opened */
};

FIXTURE_VARIANT(ped)
{
	const char *argv[4];	/* the server's command, before its options */
	const char *refuse;	/* its -confirm that refuses (stdin empty) */
	int forked;		/* started by the pedpeer.py spawner */
};

FIXTURE_VARIANT_ADD(ped, c)
{
	.argv = { "build/bin/clonedev-pedserver", "-mode", "start" },
	.refuse = "ask",
};

/*
 * pedpeer.py servers are forked by one interpreter (pedpeer.py spawner)
 * that lives as long as this program: an interpreter's start and imports
 * cost seconds under emulation, a fork does not.
 */
FIXTURE_VARIANT_ADD(ped, python)
{
	.argv = { "server" },
	.refuse = "deny",
	.forked = 1,
};

/* Writes the @n shares of @sh (kind @kind) as share files in @dir. */
static int write_shares(const char *dir, const struct clonedev_slot *p,
			const char *kind, unsigned long long serial,
			const struct clonedev_share *sh, unsigned int m,
			unsigned int n, const unsigned char *fp)
{
	struct clonedev_sharefile sf = { .serial = serial, .m = m, .n = n };
	char path[512];
	unsigned int i;
	int ret;

	strcpy(sf.partition, p->label);
	strcpy(sf.kind, kind);
	if (!strcmp(kind, "domain"))
		strcpy(sf.domain_label, "red");
	if (fp)
		memcpy(sf.fingerprint, fp, sizeof(sf.fingerprint));
	for (i = 0; i < n; i++) {
		sf.share = sh[i];
		ret = clonedev_sharefile_write(dir, &sf, path, sizeof(path));
		if (ret)
			return ret;
	}
	explicit_bzero(&sf, sizeof(sf));
	return 0;
}

/* One CLONEDEV_IOCTL_PED; *r the struct as the kernel left it. */
static int ped(struct clonedev *cd, unsigned int op, const void *in,
	       unsigned int in_len, void *out, struct clonedev_ped *r)
{
	memset(r, 0, sizeof(*r));
	r->size = sizeof(*r);
	r->op = op;
	r->in = (unsigned long)in;
	r->in_len = in_len;
	r->out = (unsigned long)out;
	r->out_cap = MSG_MAX;
	return xioctl(cd, CLONEDEV_IOCTL_PED, r);
}

static int request_op(struct clonedev *cd, unsigned int kind,
		      const char *label, void *out, struct clonedev_ped *r)
{
	memset(r, 0, sizeof(*r));
	r->size = sizeof(*r);
	r->op = CLONEDEV_PED_REQUEST;
	r->kind = kind;
	if (label)
		strcpy(r->domain_label, label);
	r->out = (unsigned long)out;
	r->out_cap = MSG_MAX;
	return xioctl(cd, CLONEDEV_IOCTL_PED, r);
}

static int send_frame(int fd, const void *m, unsigned int len)
{
	unsigned char hdr[4] = { len >> 24, len >> 16, len >> 8, len };

	if (send(fd, hdr, 4, MSG_NOSIGNAL) != 4)
		return -1;
	return len && send(fd, m, len, MSG_NOSIGNAL) != (ssize_t)len ? -1 : 0;
}

static int read_all(int fd, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, (char *)buf + got, len - got);
		if (n <= 0)
			return -1;
		got += n;
	}
	return 0;
}

/* A frame from the server: its length, or -1 when the connection ended. */
static int recv_frame(int fd, void *m)
{
	unsigned char hdr[4];
	unsigned int len;

	if (read_all(fd, hdr, 4))
		return -1;
	len = (unsigned int)hdr[0] << 24 | hdr[1] << 16 | hdr[2] << 8 | hdr[3];
	if (!len || len > MSG_MAX || read_all(fd, m, len))
		return -1;
	return len;
}

static int dial(int port)
{
	struct sockaddr_in a = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	struct timeval tv = { .tv_sec = 60 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The spawner's socket: one per run of this program (the tests' parent). */
static void spawner_path(char *path, size_t len)
{
	snprintf(path, len, "/tmp/ped_test.spawner.%d", (int)getppid());
}

/* A connection to the spawner, started first if it is not running. */
static int spawner_dial(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char line[32] = "", watch[16];
	int fd, pipefd[2];
	pid_t pid;
	FILE *f;

	spawner_path(a.sun_path, sizeof(a.sun_path));
	snprintf(watch, sizeof(watch), "%d", (int)getppid());
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (!connect(fd, (struct sockaddr *)&a, sizeof(a)))
		return fd;
	if (pipe(pipefd))
		goto err;
	pid = fork();
	if (pid < 0)
		goto err;
	if (!pid) {
		int null = open("/dev/null", O_RDWR);

		unlink(a.sun_path);
		dup2(null, 0);
		dup2(pipefd[1], 1);
		dup2(null, 2);
		close(pipefd[0]);
		close(pipefd[1]);
		/* None of the test's sessions or sockets goes with it. */
		close_range(3, ~0U, 0);
		/* Out of the test's process group: it outlives the test. */
		setsid();
		execlp("python3", "python3", "selftests/ped/pedpeer.py",
		       "spawner", "-socket", a.sun_path, "-watch", watch,
		       (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	f = fdopen(pipefd[0], "r");
	if (!f || !fgets(line, sizeof(line), f) || strcmp(line, "ready\n")) {
		if (f)
			fclose(f);
		goto err;
	}
	fclose(f);
	if (!connect(fd, (struct sockaddr *)&a, sizeof(a)))
		return fd;
err:
	close(fd);
	return -1;
}

/*
 * Has the spawner fork pedpeer.py with @argv, standard output @out,
 * standard input /dev/null and this standard error. Return: its pid, or
 * -1.
 */
static pid_t spawn(char *const *argv, int out)
{
	char buf[CMSG_SPACE(3 * sizeof(int))], msg[1024], ans[32] = "";
	struct iovec iov = { .iov_base = msg };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = buf,
		.msg_controllen = sizeof(buf),
	};
	struct cmsghdr *c;
	int fd, null, fds[3], i, n;
	size_t len = 0;
	pid_t pid = -1;

	for (i = 0; argv[i]; i++) {
		n = strlen(argv[i]) + 1;
		if (len + n > sizeof(msg))
			return -1;
		memcpy(msg + len, argv[i], n);
		len += n;
	}
	iov.iov_len = len;
	fd = spawner_dial();
	if (fd < 0)
		return -1;
	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	fds[0] = null;
	fds[1] = out;
	fds[2] = 2;
	memset(buf, 0, sizeof(buf));
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(c), fds, sizeof(fds));
	if (null >= 0 && sendmsg(fd, &mh, MSG_NOSIGNAL) == (ssize_t)len &&
	    read(fd, ans, sizeof(ans) - 1) > 0)
		pid = atoi(ans);
	if (null >= 0)
		close(null);
	close(fd);
	return pid > 0 ? pid : -1;
}

/*
 * Starts the variant's server on an ephemeral port, serving @dir with the
 * RPV of the files @rpv (F1,F2) and -confirm @confirm. Returns the port.
 */
static int start_server(const FIXTURE_VARIANT(ped) * variant, const char *dir,
			const char *rpv, const char *confirm, pid_t *pid)
{
	const char *const *argv0 = variant->argv;
	char line[256], *argv[24];
	int pipefd[2], argc = 0, port = -1, i;
	FILE *f;

	for (i = 0; argv0[i]; i++)
		argv[argc++] = (char *)argv0[i];
	argv[argc++] = "-ip";
	argv[argc++] = "127.0.0.1";
	argv[argc++] = "-port";
	argv[argc++] = "0";
	argv[argc++] = "-sharedir";
	argv[argc++] = (char *)dir;
	argv[argc++] = "-rpv";
	argv[argc++] = (char *)rpv;
	argv[argc++] = "-confirm";
	argv[argc++] = (char *)confirm;
	argv[argc] = NULL;
	if (pipe(pipefd))
		return -1;
	if (variant->forked) {
		*pid = spawn(argv, pipefd[1]);
		close(pipefd[1]);
		if (*pid < 0) {
			close(pipefd[0]);
			return -1;
		}
		goto read_port;
	}
	*pid = fork();
	if (*pid < 0)
		return -1;
	if (!*pid) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, 0);
		dup2(pipefd[1], 1);
		close(pipefd[0]);
		close(pipefd[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pipefd[1]);
read_port:
	f = fdopen(pipefd[0], "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "listening on 127.0.0.1:%d", &port) == 1)
			break;
	/* Its later output goes to a closed pipe: the servers ignore SIGPIPE. */
	if (f)
		fclose(f);
	return port;
}

/*
 * Sends @sig to the server @pid and waits for its end (the spawner's
 * children are not this process's: their end is that of the pid).
 */
static void kill_server(pid_t pid, int sig)
{
	int i;

	if (pid <= 0)
		return;
	kill(pid, sig);
	if (waitpid(pid, NULL, 0) == pid)
		return;
	for (i = 0; i < 3000 && !kill(pid, 0); i++)
		usleep(10000);
}

static void stop_server(pid_t pid)
{
	kill_server(pid, SIGTERM);
}

/* The share files of @dir, comma-separated, in @list. */
static int file_list(const char *dir, char *list, size_t len)
{
	char pattern[128];
	size_t i, at = 0;
	glob_t g;
	int n;

	snprintf(pattern, sizeof(pattern), "%s/*.share", dir);
	if (glob(pattern, 0, NULL, &g))
		return -1;
	for (i = 0; i < g.gl_pathc; i++) {
		n = snprintf(list + at, len - at, "%s%s", i ? "," : "",
			     g.gl_pathv[i]);
		if (n < 0 || (size_t)n >= len - at)
			break;
		at += n;
	}
	n = i == g.gl_pathc ? 0 : -1;
	globfree(&g);
	return n;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	return remove(path);
}

/* Removes @dir and all it holds (the test's own files: no process). */
static int remove_tree(const char *dir)
{
	return nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

FIXTURE_SETUP(ped)
{
	struct clonedev_share sh[6], co[3], rpv[2];
	unsigned char fp[CLONEDEV_FINGERPRINT_LEN];
	struct clonedev_ped r;
	char rpvdir[96];

	self->sock = -1;
	self->server = -1;
	ASSERT_EQ(0, clonedev_nl_open(&self->nl));
	delete_all_partitions(_metadata, self->nl);
	ASSERT_EQ(0, clonedev_nl_partition_create(self->nl, "pedvault",
						  CLONEDEV_AUTH_QUORUM, 0, 0,
						  &self->part));
	ASSERT_EQ(0, clonedev_open(&self->cd));
	ASSERT_EQ(0, clonedev_slot_set(self->cd, self->part.slot));
	ASSERT_EQ(0, clonedev_partition_init_quorum(self->cd, NULL, "red", 2,
						    3, sh, fp));
	memcpy(self->po, sh, sizeof(self->po));
	ASSERT_EQ(0, clonedev_login_shares(self->cd, CLONEDEV_ROLE_PO, sh, 2));
	ASSERT_EQ(0, clonedev_role_init_quorum(self->cd, CLONEDEV_ROLE_CO, 2,
					       3, co));
	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	r.op = CLONEDEV_PED_VECTOR_INIT;
	r.quorum_m = 2;
	r.quorum_n = 2;
	r.shares = (unsigned long)rpv;
	ASSERT_EQ(0, xioctl(self->cd, CLONEDEV_IOCTL_PED, &r));
	ASSERT_EQ(CLONEDEV_PED_HAS_RPV, r.ped_flags);
	memcpy(self->rpv_id, r.rpv_id, sizeof(self->rpv_id));
	ASSERT_EQ(0, clonedev_logout(self->cd));

	strcpy(self->dir, "/tmp/ped_test.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	ASSERT_EQ(0, write_shares(self->dir, &self->part, "po",
				  self->part.serial, sh, 2, 3, NULL));
	ASSERT_EQ(0, write_shares(self->dir, &self->part, "co",
				  self->part.serial, co, 2, 3, NULL));
	ASSERT_EQ(0, write_shares(self->dir, &self->part, "domain",
				  self->part.serial, sh + 3, 2, 3, fp));
	/* The RPV's files apart from the shares the server serves. */
	snprintf(rpvdir, sizeof(rpvdir), "%s.rpv", self->dir);
	ASSERT_EQ(0, mkdir(rpvdir, 0700));
	ASSERT_EQ(0, write_shares(rpvdir, &self->part, "rpv",
				  self->part.serial, rpv, 2, 2,
				  self->rpv_id));
	ASSERT_EQ(0, file_list(rpvdir, self->rpv_list,
			       sizeof(self->rpv_list)));
	explicit_bzero(sh, sizeof(sh));
	explicit_bzero(co, sizeof(co));
	explicit_bzero(rpv, sizeof(rpv));
	self->port = start_server(variant, self->dir, self->rpv_list,
				  "auto", &self->server);
	ASSERT_LT(0, self->port);
	self->sock = dial(self->port);
	ASSERT_LE(0, self->sock);
}

FIXTURE_TEARDOWN(ped)
{
	char rpvdir[96];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(self->extra); i++)
		clonedev_close(self->extra[i]);

	if (self->sock >= 0)
		close(self->sock);
	explicit_bzero(self->po, sizeof(self->po));
	stop_server(self->server);
	clonedev_close(self->cd);
	delete_all_partitions(_metadata, self->nl);
	clonedev_nl_close(self->nl);
	snprintf(rpvdir, sizeof(rpvdir), "%s.rpv", self->dir);
	if (remove_tree(self->dir) || remove_tree(rpvdir))
		TH_LOG("could not remove %s", self->dir);
}

/* What the relay does to one message of a type. */
enum tamper { NONE, FLIP, TRUNCATE };

struct relay {
	int type;		/* the message type to tamper with */
	enum tamper how;
	unsigned char m[MSG_MAX];
	int len;
};

static void tamper(struct relay *rl)
{
	if (rl->len < HDR_LEN || rl->m[5] != rl->type)
		return;
	if (rl->how == FLIP)
		rl->m[HDR_LEN] ^= 0x01;	/* the body's first byte */
	else if (rl->how == TRUNCATE)
		rl->len--;
}

/*
 * Relays the kernel's message in rl->m to the server and the answer back
 * into STEP; *r as STEP left it. Return: 0, -1 if the server closed the
 * connection instead of answering, or the ioctl's -errno.
 */
static int round_trip(struct clonedev *cd, int sock, struct relay *rl,
		      struct clonedev_ped *r)
{
	int ret;

	tamper(rl);
	if (send_frame(sock, rl->m, rl->len))
		return -1;
	rl->len = recv_frame(sock, rl->m);
	if (rl->len < 0)
		return -1;
	tamper(rl);
	ret = ped(cd, CLONEDEV_PED_STEP, rl->m, rl->len, rl->m, r);
	rl->len = r->out_len;
	return ret;
}

/* CONNECT and the handshake through the relay; *r as the last call left it. */
static int handshake(struct clonedev *cd, int sock, struct relay *rl,
		     struct clonedev_ped *r)
{
	int ret;

	ret = ped(cd, CLONEDEV_PED_CONNECT, NULL, 0, rl->m, r);
	if (ret)
		return ret;
	rl->len = r->out_len;
	ret = round_trip(cd, sock, rl, r);
	if (ret || r->state == CLONEDEV_PED_FAILED)
		return ret;
	return round_trip(cd, sock, rl, r);
}

/* A REQUEST for @kind through the relay. */
static int ask(struct clonedev *cd, int sock, struct relay *rl,
	       unsigned int kind, const char *label, struct clonedev_ped *r)
{
	int ret = request_op(cd, kind, label, rl->m, r);

	if (ret)
		return ret;
	rl->len = r->out_len;
	return round_trip(cd, sock, rl, r);
}

/* The session holds no shares, is logged out, and no failure counted. */
#define EXPECT_NOTHING_GAINED()						\
	do {								\
		struct clonedev_session_info __si;			\
		struct clonedev_login __l = {				\
			.size = sizeof(__l),				\
			.flags = CLONEDEV_LOGIN_PED,			\
			.role = CLONEDEV_ROLE_PO,			\
		};							\
		struct clonedev_ped __r;				\
									\
		ASSERT_EQ(0, ped(self->cd, CLONEDEV_PED_STATUS, NULL, 0, \
				 NULL, &__r));				\
		EXPECT_EQ(0, __r.held_kind);				\
		EXPECT_EQ(0, __r.held_count);				\
		EXPECT_NERR(ENODATA, xioctl(self->cd,			\
					    CLONEDEV_IOCTL_LOGIN, &__l)); \
		ASSERT_EQ(0, clonedev_session_info(self->cd, &__si));	\
		EXPECT_EQ(CLONEDEV_ROLE_NONE, __si.role);		\
		EXPECT_EQ(0, __si.roles[CLONEDEV_ROLE_PO].failures);	\
		EXPECT_EQ(0, __si.roles[CLONEDEV_ROLE_CO].failures);	\
	} while (0)

static int login_ped(struct clonedev *cd, unsigned int role)
{
	struct clonedev_login l = {
		.size = sizeof(l),
		.flags = CLONEDEV_LOGIN_PED,
		.role = role,
	};

	return xioctl(cd, CLONEDEV_IOCTL_LOGIN, &l);
}

TEST_F_TIMEOUT(ped, po_and_co_log_in_through_the_server, PED_TIMEOUT)
{
	struct relay rl = { .how = NONE };
	struct clonedev_session_info si;
	struct clonedev_ped r;

	ASSERT_EQ(0, handshake(self->cd, self->sock, &rl, &r));
	EXPECT_EQ(CLONEDEV_PED_CONNECTED, r.state);
	EXPECT_EQ(0, rl.len);
	ASSERT_EQ(0, ped(self->cd, CLONEDEV_PED_STATUS, NULL, 0, NULL, &r));
	EXPECT_EQ(CLONEDEV_PED_CONNECTED, r.state);
	EXPECT_EQ(CLONEDEV_PED_HAS_RPV, r.ped_flags);
	EXPECT_EQ(0, memcmp(r.rpv_id, self->rpv_id, sizeof(r.rpv_id)));

	ASSERT_EQ(0, ask(self->cd, self->sock, &rl, CLONEDEV_PED_KIND_PO,
			 NULL, &r));
	EXPECT_EQ(CLONEDEV_PED_CONNECTED, r.state);
	EXPECT_EQ(CLONEDEV_PED_E_NONE, r.error);
	EXPECT_EQ(CLONEDEV_PED_KIND_PO, r.held_kind);
	EXPECT_EQ(2, r.held_count);
	ASSERT_EQ(0, login_ped(self->cd, CLONEDEV_ROLE_PO));
	ASSERT_EQ(0, clonedev_session_info(self->cd, &si));
	EXPECT_EQ(CLONEDEV_ROLE_PO, si.role);
	/* The shares served one login. */
	EXPECT_NERR(ENODATA, login_ped(self->cd, CLONEDEV_ROLE_PO));

	ASSERT_EQ(0, ask(self->cd, self->sock, &rl, CLONEDEV_PED_KIND_CO,
			 NULL, &r));
	EXPECT_EQ(CLONEDEV_PED_KIND_CO, r.held_kind);
	/* Shares of another role are dropped unused. */
	EXPECT_NERR(ENODATA, login_ped(self->cd, CLONEDEV_ROLE_PO));
	ASSERT_EQ(0, ped(self->cd, CLONEDEV_PED_STATUS, NULL, 0, NULL, &r));
	EXPECT_EQ(0, r.held_kind);
	ASSERT_EQ(0, ask(self->cd, self->sock, &rl, CLONEDEV_PED_KIND_CO,
			 NULL, &r));
	ASSERT_EQ(0, login_ped(self->cd, CLONEDEV_ROLE_CO));
	ASSERT_EQ(0, clonedev_session_info(self->cd, &si));
	EXPECT_EQ(CLONEDEV_ROLE_CO, si.role);
	EXPECT_EQ(0, si.roles[CLONEDEV_ROLE_CO].failures);

	ASSERT_EQ(0, ped(self->cd, CLONEDEV_PED_DISCONNECT, NULL, 0, NULL, &r));
	EXPECT_EQ(CLONEDEV_PED_NONE, r.state);
	EXPECT_NERR(ENOTCONN, ped(self->cd, CLONEDEV_PED_DISCONNECT, NULL, 0,
				  NULL, &r));
}

/* The server's answers to requests it cannot serve leave the channel up. */
TEST_F_TIMEOUT(ped, no_fitting_shares, PED_TIMEOUT)
{
	struct relay rl = { .how = NONE };
	struct clonedev_ped r;
	char cmd[300];

	ASSERT_EQ(0, handshake(self->cd, self->sock, &rl, &r));
	ASSERT_EQ(CLONEDEV_PED_CONNECTED, r.state);
	/* No cu shares at all. */
	ASSERT_EQ(0, ask(self->cd, self->sock, &rl, CLONEDEV_PED_KIND_CU,
			 NULL, &r));
	EXPECT_EQ(CLONEDEV_PED_CONNECTED, r.state);
	EXPECT_EQ(CLONEDEV_PED_E_NO_SHARES, r.error);
	EXPECT_EQ(0, r.held_count);
	/* One co share of the two needed. */
	snprintf(cmd, sizeof(cmd), "rm %s/*-co-1of3.share %s/*-co-2of3.share",
		 self->dir, self->dir);
	ASSERT_EQ(0, system(cmd));
	ASSERT_EQ(0, ask(self->cd, self->sock, &rl, CLONEDEV_PED_KIND_CO,
			 NULL, &r));
	EXPECT_EQ(CLONEDEV_PED_E_TOO_FEW, r.error);
	/* The po's shares replaced by those of another partition. */
	snprintf(cmd, sizeof(cmd), "rm %s/*-po-*.share", self->dir);
	ASSERT_EQ(0, system(cmd));
	ASSERT_EQ(0, write_shares(self->dir, &self->part, "po",
				  self->part.serial + 1, self->po, 2, 3,
				  NULL));
	ASSERT_EQ(0, ask(self->cd, self->sock, &rl, CLONEDEV_PED_KIND_PO,
			 NULL, &r));
	EXPECT_EQ(CLONEDEV_PED_E_NO_SHARES, r.error);
	/* An unknown domain. */
	ASSERT_EQ(0, ask(self->cd, self->sock, &rl, CLONEDEV_PED_KIND_DOMAIN,
			 "blue", &r));
	EXPECT_EQ(CLONEDEV_PED_E_NO_SHARES, r.error);
	EXPECT_EQ(CLONEDEV_PED_CONNECTED, r.state);
	EXPECT_NOTHING_GAINED();
}

/* A custodian who says no (-confirm ask with nothing typed). */
TEST_F_TIMEOUT(ped, custodian_refuses, PED_TIMEOUT)
{
	struct relay rl = { .how = NONE };
	struct clonedev_ped r;
	pid_t pid;
	int port, sock;

	port = start_server(variant, self->dir, self->rpv_list,
			    variant->refuse, &pid);
	ASSERT_LT(0, port);
	sock = dial(port);
	ASSERT_LE(0, sock);
	ASSERT_EQ(0, handshake(self->cd, sock, &rl, &r));
	ASSERT_EQ(CLONEDEV_PED_CONNECTED, r.state);
	ASSERT_EQ(0, ask(self->cd, sock, &rl, CLONEDEV_PED_KIND_PO, NULL,
			 &r));
	EXPECT_EQ(CLONEDEV_PED_E_REFUSED, r.error);
	EXPECT_EQ(CLONEDEV_PED_CONNECTED, r.state);
	close(sock);
	stop_server(pid);
	EXPECT_NOTHING_GAINED();
}

struct tamper_case {
	const char *what;
	int type;
	enum tamper how;
	unsigned int error;	/* the kernel's code; 0: any failure */
};

static const struct tamper_case tamper_cases[] = {
	{ "HELLO altered", T_HELLO, FLIP, CLONEDEV_PED_E_AUTH },
	{ "HELLO truncated", T_HELLO, TRUNCATE, 0 },
	{ "ACCEPT altered", T_ACCEPT, FLIP, CLONEDEV_PED_E_AUTH },
	{ "ACCEPT truncated", T_ACCEPT, TRUNCATE, CLONEDEV_PED_E_UNEXPECTED },
	{ "FINISH altered", T_FINISH, FLIP, CLONEDEV_PED_E_AUTH },
	{ "FINISH truncated", T_FINISH, TRUNCATE, 0 },
	{ "READY altered", T_READY, FLIP, CLONEDEV_PED_E_AUTH },
	{ "READY truncated", T_READY, TRUNCATE, CLONEDEV_PED_E_UNEXPECTED },
	{ "REQUEST altered", T_REQUEST, FLIP, CLONEDEV_PED_E_AUTH },
	{ "REQUEST truncated", T_REQUEST, TRUNCATE, 0 },
	{ "SHARES altered", T_SHARES, FLIP, CLONEDEV_PED_E_AUTH },
	{ "SHARES truncated", T_SHARES, TRUNCATE, CLONEDEV_PED_E_UNEXPECTED },
};

/*
 * Each message altered or truncated on its way: the channel fails (in
 * the kernel, or the server closes it), and nothing is gained.
 */
TEST_F_TIMEOUT(ped, tampering_relay, PED_TIMEOUT)
{
	const struct tamper_case *tc;
	struct clonedev_ped r;
	struct relay rl;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(tamper_cases); i++) {
		tc = &tamper_cases[i];
		memset(&rl, 0, sizeof(rl));
		rl.type = tc->type;
		rl.how = tc->how;
		close(self->sock);
		self->sock = dial(self->port);
		ASSERT_LE(0, self->sock);
		ret = handshake(self->cd, self->sock, &rl, &r);
		if (!ret && r.state == CLONEDEV_PED_CONNECTED)
			ret = ask(self->cd, self->sock, &rl,
				  CLONEDEV_PED_KIND_PO, NULL, &r);
		if (ret == -1) {
			/* The server hung up without a word. */
			TH_LOG("%s: the server closed the connection",
			       tc->what);
			EXPECT_EQ(0, tc->error);
		} else {
			ASSERT_EQ(0, ret);
			if (r.state != CLONEDEV_PED_FAILED)
				TH_LOG("%s: state %u", tc->what, r.state);
			EXPECT_EQ(CLONEDEV_PED_FAILED, r.state);
			if (tc->error)
				EXPECT_EQ(tc->error, r.error);
			/* A failed channel takes no more steps. */
			EXPECT_NERR(EINVAL, ped(self->cd, CLONEDEV_PED_STEP,
						rl.m, HDR_LEN, rl.m, &r));
			EXPECT_NERR(EINVAL, request_op(self->cd,
						       CLONEDEV_PED_KIND_PO,
						       NULL, rl.m, &r));
		}
		EXPECT_NOTHING_GAINED();
	}
}

/* Messages of an earlier channel, or the kernel's own, are refused. */
TEST_F_TIMEOUT(ped, replay_and_reflection, PED_TIMEOUT)
{
	unsigned char old_accept[MSG_MAX], old_shares[MSG_MAX];
	struct relay rl = { .how = NONE };
	int accept_len, shares_len;
	struct clonedev_ped r;

	/* A whole channel, recording ACCEPT and a SHARES. */
	ASSERT_EQ(0, ped(self->cd, CLONEDEV_PED_CONNECT, NULL, 0, rl.m, &r));
	ASSERT_EQ(0, send_frame(self->sock, rl.m, r.out_len));
	accept_len = recv_frame(self->sock, old_accept);
	ASSERT_LT(0, accept_len);
	ASSERT_EQ(0, ped(self->cd, CLONEDEV_PED_STEP, old_accept, accept_len,
			 rl.m, &r));
	rl.len = r.out_len;
	ASSERT_EQ(0, round_trip(self->cd, self->sock, &rl, &r));
	ASSERT_EQ(CLONEDEV_PED_CONNECTED, r.state);
	ASSERT_EQ(0, request_op(self->cd, CLONEDEV_PED_KIND_PO, NULL, rl.m,
				&r));
	ASSERT_EQ(0, send_frame(self->sock, rl.m, r.out_len));
	shares_len = recv_frame(self->sock, old_shares);
	ASSERT_LT(0, shares_len);
	ASSERT_EQ(0, ped(self->cd, CLONEDEV_PED_STEP, old_shares, shares_len,
			 rl.m, &r));
	ASSERT_EQ(2, r.held_count);

	/* The same SHARES again, for the next REQUEST. */
	ASSERT_EQ(0, request_op(self->cd, CLONEDEV_PED_KIND_PO, NULL, rl.m,
				&r));
	EXPECT_EQ(0, r.held_count);
	ASSERT_EQ(0, ped(self->cd, CLONEDEV_PED_STEP, old_shares, shares_len,
			 rl.m, &r));
	EXPECT_EQ(CLONEDEV_PED_FAILED, r.state);
	EXPECT_EQ(CLONEDEV_PED_E_UNEXPECTED, r.error);
	EXPECT_NOTHING_GAINED();

	/* The old ACCEPT in a new channel. */
	ASSERT_EQ(0, ped(self->cd, CLONEDEV_PED_CONNECT, NULL, 0, rl.m, &r));
	ASSERT_EQ(0, ped(self->cd, CLONEDEV_PED_STEP, old_accept, accept_len,
			 rl.m, &r));
	EXPECT_EQ(CLONEDEV_PED_FAILED, r.state);
	EXPECT_EQ(CLONEDEV_PED_E_AUTH, r.error);
	EXPECT_EQ(0, r.out_len);

	/* HELLO reflected back to the kernel. */
	ASSERT_EQ(0, ped(self->cd, CLONEDEV_PED_CONNECT, NULL, 0, rl.m, &r));
	ASSERT_EQ(0, ped(self->cd, CLONEDEV_PED_STEP, rl.m, r.out_len, rl.m,
			 &r));
	EXPECT_EQ(CLONEDEV_PED_FAILED, r.state);
	EXPECT_EQ(CLONEDEV_PED_E_UNEXPECTED, r.error);

	/* A REQUEST reflected as the answer to itself. */
	close(self->sock);
	self->sock = dial(self->port);
	ASSERT_LE(0, self->sock);
	rl.how = NONE;
	ASSERT_EQ(0, handshake(self->cd, self->sock, &rl, &r));
	ASSERT_EQ(CLONEDEV_PED_CONNECTED, r.state);
	ASSERT_EQ(0, request_op(self->cd, CLONEDEV_PED_KIND_PO, NULL, rl.m,
				&r));
	rl.m[5] = T_SHARES;
	ASSERT_EQ(0, ped(self->cd, CLONEDEV_PED_STEP, rl.m, r.out_len, rl.m,
			 &r));
	EXPECT_EQ(CLONEDEV_PED_FAILED, r.state);
	EXPECT_EQ(CLONEDEV_PED_E_UNEXPECTED, r.error);
	EXPECT_NOTHING_GAINED();
	explicit_bzero(old_shares, sizeof(old_shares));
}

/* A server with another RPV, and a partition without one. */
TEST_F_TIMEOUT(ped, rpv_refusals, PED_TIMEOUT)
{
	struct relay rl = { .how = NONE };
	struct clonedev_share sh[2];
	struct clonedev_ped r;

	ASSERT_EQ(0, clonedev_login_shares(self->cd, CLONEDEV_ROLE_PO,
					   self->po, 2));
	/* A new RPV: the server holds the old one. */
	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	r.op = CLONEDEV_PED_VECTOR_INIT;
	r.quorum_m = 1;
	r.quorum_n = 2;
	r.shares = (unsigned long)sh;
	ASSERT_EQ(0, xioctl(self->cd, CLONEDEV_IOCTL_PED, &r));
	EXPECT_NE(0, memcmp(r.rpv_id, self->rpv_id, sizeof(r.rpv_id)));
	/* M = 1: each share is the RPV itself. */
	EXPECT_EQ(0, memcmp(sh[0].data, sh[1].data, sizeof(sh[0].data)));
	explicit_bzero(sh, sizeof(sh));
	ASSERT_EQ(0, clonedev_logout(self->cd));
	ASSERT_EQ(0, handshake(self->cd, self->sock, &rl, &r));
	EXPECT_EQ(CLONEDEV_PED_FAILED, r.state);
	EXPECT_EQ(CLONEDEV_PED_E_RPV, r.error);
	EXPECT_NOTHING_GAINED();

	ASSERT_EQ(0, clonedev_login_shares(self->cd, CLONEDEV_ROLE_PO,
					   self->po, 2));
	ASSERT_EQ(0, ped(self->cd, CLONEDEV_PED_VECTOR_ERASE, NULL, 0, NULL,
			 &r));
	EXPECT_NERR(ENOKEY, ped(self->cd, CLONEDEV_PED_VECTOR_ERASE, NULL, 0,
				NULL, &r));
	ASSERT_EQ(0, ped(self->cd, CLONEDEV_PED_STATUS, NULL, 0, NULL, &r));
	EXPECT_EQ(0, r.ped_flags);
	EXPECT_NERR(ENOKEY, ped(self->cd, CLONEDEV_PED_CONNECT, NULL, 0, rl.m,
				&r));
	EXPECT_EQ(0, r.out_len);
}

/* The server killed between REQUEST and SHARES: no attempt is counted. */
TEST_F_TIMEOUT(ped, server_gone_mid_login, PED_TIMEOUT)
{
	struct relay rl = { .how = NONE };
	struct clonedev_ped r;

	ASSERT_EQ(0, handshake(self->cd, self->sock, &rl, &r));
	ASSERT_EQ(CLONEDEV_PED_CONNECTED, r.state);
	ASSERT_EQ(0, request_op(self->cd, CLONEDEV_PED_KIND_PO, NULL, rl.m,
				&r));
	EXPECT_EQ(CLONEDEV_PED_WAITING, r.state);
	kill_server(self->server, SIGKILL);
	self->server = -1;
	send_frame(self->sock, rl.m, r.out_len);
	EXPECT_EQ(-1, recv_frame(self->sock, rl.m));
	ASSERT_EQ(0, ped(self->cd, CLONEDEV_PED_DISCONNECT, NULL, 0, NULL,
			 &r));
	EXPECT_NOTHING_GAINED();
}

/* Selecting a slot ends the channel and drops its shares. */
TEST_F_TIMEOUT(ped, slot_set_ends_the_channel, PED_TIMEOUT)
{
	struct relay rl = { .how = NONE };
	struct clonedev_ped r;

	ASSERT_EQ(0, handshake(self->cd, self->sock, &rl, &r));
	ASSERT_EQ(0, ask(self->cd, self->sock, &rl, CLONEDEV_PED_KIND_PO,
			 NULL, &r));
	ASSERT_EQ(2, r.held_count);
	ASSERT_EQ(0, clonedev_slot_set(self->cd, self->part.slot));
	ASSERT_EQ(0, ped(self->cd, CLONEDEV_PED_STATUS, NULL, 0, NULL, &r));
	EXPECT_EQ(CLONEDEV_PED_NONE, r.state);
	EXPECT_NOTHING_GAINED();
}

/* A quorum domain imported with the server's shares. */
TEST_F_TIMEOUT(ped, domain_through_the_server, PED_TIMEOUT)
{
	struct relay rl = { .how = NONE };
	struct clonedev_domain_add d = {
		.size = sizeof(d),
		.flags = CLONEDEV_DOMAIN_ADD_PED,
		.label = "red",
	};
	struct clonedev_ped r;

	ASSERT_EQ(0, handshake(self->cd, self->sock, &rl, &r));
	ASSERT_EQ(0, ask(self->cd, self->sock, &rl, CLONEDEV_PED_KIND_PO,
			 NULL, &r));
	ASSERT_EQ(0, login_ped(self->cd, CLONEDEV_ROLE_PO));
	ASSERT_EQ(0, ask(self->cd, self->sock, &rl, CLONEDEV_PED_KIND_DOMAIN,
			 "red", &r));
	EXPECT_EQ(CLONEDEV_PED_KIND_DOMAIN, r.held_kind);
	EXPECT_EQ(2, r.held_count);
	/* The partition holds that domain already: the shares were good. */
	EXPECT_NERR(EEXIST, xioctl(self->cd, CLONEDEV_IOCTL_DOMAIN_ADD, &d));
	EXPECT_NERR(ENODATA, xioctl(self->cd, CLONEDEV_IOCTL_DOMAIN_ADD, &d));
	ASSERT_EQ(0, ask(self->cd, self->sock, &rl, CLONEDEV_PED_KIND_DOMAIN,
			 "red", &r));
	strcpy(d.label, "green");
	EXPECT_NERR(ENODATA, xioctl(self->cd, CLONEDEV_IOCTL_DOMAIN_ADD, &d));
}

/* Each op's argument checks, with nothing changed. */
TEST_F_TIMEOUT(ped, rejections, PED_TIMEOUT)
{
	struct clonedev_login l = {
		.size = sizeof(l),
		.flags = CLONEDEV_LOGIN_PED,
		.role = CLONEDEV_ROLE_PO,
		.secret = (unsigned long)"x",
		.secret_len = 1,
	};
	unsigned char out[MSG_MAX];
	struct clonedev_share sh[2];
	struct clonedev_ped r;
	struct clonedev *pw;
	unsigned int slot;

	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	r.op = CLONEDEV_PED_VECTOR_INIT;
	r.quorum_m = 1;
	r.quorum_n = 2;
	r.shares = (unsigned long)sh;
	/* Not the po. */
	EXPECT_NERR(EACCES, xioctl(self->cd, CLONEDEV_IOCTL_PED, &r));
	EXPECT_NERR(EACCES, ped(self->cd, CLONEDEV_PED_VECTOR_ERASE, NULL, 0,
				NULL, &r));
	ASSERT_EQ(0, clonedev_login_shares(self->cd, CLONEDEV_ROLE_PO,
					   self->po, 2));
	r.op = CLONEDEV_PED_VECTOR_INIT;
	r.quorum_m = 3;
	EXPECT_NERR(EINVAL, xioctl(self->cd, CLONEDEV_IOCTL_PED, &r));
	r.quorum_m = 1;
	r.quorum_n = 17;
	EXPECT_NERR(EINVAL, xioctl(self->cd, CLONEDEV_IOCTL_PED, &r));
	r.quorum_n = 2;
	r.shares = 8;
	EXPECT_NERR(EFAULT, xioctl(self->cd, CLONEDEV_IOCTL_PED, &r));
	ASSERT_EQ(0, ped(self->cd, CLONEDEV_PED_STATUS, NULL, 0, NULL, &r));
	EXPECT_EQ(0, memcmp(r.rpv_id, self->rpv_id, sizeof(r.rpv_id)));

	EXPECT_NERR(EINVAL, ped(self->cd, 0, NULL, 0, out, &r));
	EXPECT_NERR(EINVAL, ped(self->cd, 8, NULL, 0, out, &r));
	EXPECT_NERR(EINVAL, ped(self->cd, CLONEDEV_PED_STEP, out, 0, out, &r));
	EXPECT_NERR(EMSGSIZE, ped(self->cd, CLONEDEV_PED_STEP, out,
				  MSG_MAX + 1, out, &r));
	EXPECT_NERR(EINVAL, ped(self->cd, CLONEDEV_PED_STEP, out, HDR_LEN, out,
				&r));
	EXPECT_NERR(EINVAL, request_op(self->cd, CLONEDEV_PED_KIND_PO, NULL,
				       out, &r));
	EXPECT_NERR(ENOTCONN, ped(self->cd, CLONEDEV_PED_DISCONNECT, NULL, 0,
				  NULL, &r));
	EXPECT_NERR(EINVAL, request_op(self->cd, 0, NULL, out, &r));
	EXPECT_NERR(EINVAL, request_op(self->cd, 5, NULL, out, &r));
	EXPECT_NERR(EINVAL, request_op(self->cd, CLONEDEV_PED_KIND_CO, "red",
				       out, &r));
	EXPECT_NERR(EINVAL, request_op(self->cd, CLONEDEV_PED_KIND_DOMAIN, "",
				       out, &r));
	/* An output buffer too small for any message. */
	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	r.op = CLONEDEV_PED_CONNECT;
	r.out = (unsigned long)out;
	r.out_cap = MSG_MAX - 1;
	EXPECT_NERR(EMSGSIZE, xioctl(self->cd, CLONEDEV_IOCTL_PED, &r));
	ASSERT_EQ(0, ped(self->cd, CLONEDEV_PED_STATUS, NULL, 0, NULL, &r));
	EXPECT_EQ(CLONEDEV_PED_NONE, r.state);
	/* A HELLO that cannot be written ends nothing but itself. */
	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	r.op = CLONEDEV_PED_CONNECT;
	r.out = 8;
	r.out_cap = MSG_MAX;
	EXPECT_NERR(EFAULT, xioctl(self->cd, CLONEDEV_IOCTL_PED, &r));
	ASSERT_EQ(0, ped(self->cd, CLONEDEV_PED_STATUS, NULL, 0, NULL, &r));
	EXPECT_EQ(CLONEDEV_PED_FAILED, r.state);
	/* LOGIN with the flag and a secret. */
	EXPECT_NERR(EINVAL, xioctl(self->cd, CLONEDEV_IOCTL_LOGIN, &l));

	/* A password partition has no RPV and takes none. */
	setup_partition(_metadata, self->nl, "pedpw", &pw, &slot);
	ASSERT_EQ(0, clonedev_login(pw, CLONEDEV_ROLE_PO, TEST_PO));
	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	r.op = CLONEDEV_PED_VECTOR_INIT;
	r.quorum_m = 1;
	r.quorum_n = 2;
	r.shares = (unsigned long)sh;
	EXPECT_NERR(EOPNOTSUPP, xioctl(pw, CLONEDEV_IOCTL_PED, &r));
	EXPECT_NERR(ENOKEY, ped(pw, CLONEDEV_PED_CONNECT, NULL, 0, out, &r));
	clonedev_close(pw);
	explicit_bzero(sh, sizeof(sh));
}

/* No slot: -ENODEV. */
TEST(ped_without_a_slot)
{
	struct clonedev_ped r;
	struct clonedev *cd;

	ASSERT_EQ(0, clonedev_open(&cd));
	EXPECT_NERR(ENODEV, ped(cd, CLONEDEV_PED_STATUS, NULL, 0, NULL, &r));
	EXPECT_NERR(ENODEV, ped(cd, CLONEDEV_PED_CONNECT, NULL, 0, NULL, &r));
	clonedev_close(cd);
}

/* ------------------------------------------------------------------ */
/* Shares stored through the server (STORE, STORED)                     */
/* ------------------------------------------------------------------ */

static int store_op(struct clonedev *cd, unsigned int kind, const char *label,
		    unsigned int m, unsigned int n, void *out,
		    struct clonedev_ped *r)
{
	memset(r, 0, sizeof(*r));
	r->size = sizeof(*r);
	r->op = CLONEDEV_PED_STORE;
	r->kind = kind;
	if (label)
		strcpy(r->domain_label, label);
	r->quorum_m = m;
	r->quorum_n = n;
	r->out = (unsigned long)out;
	r->out_cap = MSG_MAX;
	return xioctl(cd, CLONEDEV_IOCTL_PED, r);
}

static int role_init_ped(struct clonedev *cd, unsigned int role,
			 unsigned int m, unsigned int n)
{
	struct clonedev_role_init ri = {
		.size = sizeof(ri),
		.flags = CLONEDEV_ROLE_INIT_PED,
		.role = role,
		.quorum_m = m,
		.quorum_n = n,
	};

	return xioctl(cd, CLONEDEV_IOCTL_ROLE_INIT, &ri);
}

/* STORE's argument, state and role checks, and the init flags'. */
TEST_F_TIMEOUT(ped, store_rejections, PED_TIMEOUT)
{
	struct clonedev_role_init ri = {
		.size = sizeof(ri),
		.flags = CLONEDEV_ROLE_INIT_PED,
		.role = CLONEDEV_ROLE_CU,
		.quorum_m = 2,
		.quorum_n = 3,
	};
	struct clonedev_partition_init pi = {
		.size = sizeof(pi),
		.flags = CLONEDEV_PARTITION_INIT_PED,
		.domain_label = "red",
		.quorum_m = 2,
		.quorum_n = 3,
	};
	struct relay rl = { .how = NONE };
	struct clonedev_share sh[3];
	unsigned char out[MSG_MAX];
	struct clonedev_ped r;
	unsigned int kind;

	/* No channel. */
	EXPECT_NERR(EINVAL, store_op(self->cd, CLONEDEV_PED_KIND_CO, NULL, 2, 3,
				     out, &r));
	EXPECT_EQ(0, r.out_len);
	ASSERT_EQ(0, handshake(self->cd, self->sock, &rl, &r));
	ASSERT_EQ(CLONEDEV_PED_CONNECTED, r.state);
	ASSERT_EQ(0, clonedev_login_shares(self->cd, CLONEDEV_ROLE_PO,
					   self->po, 2));
	/* Bad arguments. */
	EXPECT_NERR(EINVAL, store_op(self->cd, 0, NULL, 2, 3, out, &r));
	EXPECT_NERR(EINVAL, store_op(self->cd, 5, NULL, 2, 3, out, &r));
	EXPECT_NERR(EINVAL, store_op(self->cd, CLONEDEV_PED_KIND_CO, NULL, 3, 2,
				     out, &r));
	EXPECT_NERR(EINVAL, store_op(self->cd, CLONEDEV_PED_KIND_CO, NULL, 0, 3,
				     out, &r));
	EXPECT_NERR(EINVAL, store_op(self->cd, CLONEDEV_PED_KIND_CO, NULL, 1,
				     17, out, &r));
	EXPECT_NERR(EINVAL, store_op(self->cd, CLONEDEV_PED_KIND_CO, "red", 2,
				     3, out, &r));
	EXPECT_NERR(EINVAL, store_op(self->cd, CLONEDEV_PED_KIND_DOMAIN, "", 2,
				     3, out, &r));
	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	r.op = CLONEDEV_PED_STORE;
	r.kind = CLONEDEV_PED_KIND_CO;
	r.quorum_m = 2;
	r.quorum_n = 3;
	r.out = (unsigned long)out;
	r.out_cap = MSG_MAX - 1;
	EXPECT_NERR(EMSGSIZE, xioctl(self->cd, CLONEDEV_IOCTL_PED, &r));
	/* The po makes po, co and domain secrets, not cu's. */
	EXPECT_NERR(EACCES, store_op(self->cd, CLONEDEV_PED_KIND_CU, NULL, 2, 3,
				     out, &r));
	ASSERT_EQ(0, clonedev_logout(self->cd));
	for (kind = CLONEDEV_PED_KIND_PO; kind <= CLONEDEV_PED_KIND_DOMAIN;
	     kind++)
		EXPECT_NERR(EACCES, store_op(self->cd, kind,
					     kind == CLONEDEV_PED_KIND_DOMAIN ?
					     "red" : NULL, 2, 3, out, &r));
	/* The co makes cu's only. */
	ASSERT_EQ(0, ask(self->cd, self->sock, &rl, CLONEDEV_PED_KIND_CO, NULL,
			 &r));
	ASSERT_EQ(0, login_ped(self->cd, CLONEDEV_ROLE_CO));
	EXPECT_NERR(EACCES, store_op(self->cd, CLONEDEV_PED_KIND_PO, NULL, 2, 3,
				     out, &r));
	EXPECT_NERR(EACCES, store_op(self->cd, CLONEDEV_PED_KIND_CO, NULL, 2, 3,
				     out, &r));
	EXPECT_NERR(EACCES, store_op(self->cd, CLONEDEV_PED_KIND_DOMAIN, "red",
				     2, 3, out, &r));
	ASSERT_EQ(0, ped(self->cd, CLONEDEV_PED_STATUS, NULL, 0, NULL, &r));
	EXPECT_EQ(CLONEDEV_PED_CONNECTED, r.state);
	ASSERT_EQ(0, store_op(self->cd, CLONEDEV_PED_KIND_CU, NULL, 2, 3, out,
			      &r));
	EXPECT_EQ(CLONEDEV_PED_WAITING, r.state);
	EXPECT_EQ(HDR_LEN + 56 + 3 * 40 + 16, r.out_len);
	EXPECT_EQ(T_STORE, out[5]);
	/* One request at a time; no secret before its STORED. */
	EXPECT_NERR(EINVAL, store_op(self->cd, CLONEDEV_PED_KIND_CU, NULL, 2, 3,
				     out, &r));
	EXPECT_NERR(EINVAL, request_op(self->cd, CLONEDEV_PED_KIND_CU, NULL,
				       out, &r));
	EXPECT_NERR(ENODATA, role_init_ped(self->cd, CLONEDEV_ROLE_CU, 2, 3));

	/* The init flags' own arguments. */
	ri.shares = (unsigned long)sh;
	EXPECT_NERR(EINVAL, xioctl(self->cd, CLONEDEV_IOCTL_ROLE_INIT, &ri));
	ri.shares = 0;
	ri.quorum_m = 0;
	ri.quorum_n = 0;
	EXPECT_NERR(EINVAL, xioctl(self->cd, CLONEDEV_IOCTL_ROLE_INIT, &ri));
	ri.secret = (unsigned long)"secret";
	ri.secret_len = 6;
	EXPECT_NERR(EINVAL, xioctl(self->cd, CLONEDEV_IOCTL_ROLE_INIT, &ri));
	pi.shares = (unsigned long)sh;
	EXPECT_NERR(EINVAL, xioctl(self->cd, CLONEDEV_IOCTL_PARTITION_INIT,
				   &pi));
	pi.shares = 0;
	pi.password = (unsigned long)"secret";
	pi.password_len = 6;
	EXPECT_NERR(EINVAL, xioctl(self->cd, CLONEDEV_IOCTL_PARTITION_INIT,
				   &pi));
	pi.password = 0;
	pi.password_len = 0;
	EXPECT_NERR(ENODATA, xioctl(self->cd, CLONEDEV_IOCTL_PARTITION_INIT,
				    &pi));

	explicit_bzero(sh, sizeof(sh));
}

/* ------------------------------------------------------------------ */
/* Through the servers                                                  */
/* ------------------------------------------------------------------ */

/* A STORE of a new secret of @kind through the relay. */
static int store(struct clonedev *cd, int sock, struct relay *rl,
		 unsigned int kind, const char *label, unsigned int m,
		 unsigned int n, struct clonedev_ped *r)
{
	int ret = store_op(cd, kind, label, m, n, rl->m, r);

	if (ret)
		return ret;
	rl->len = r->out_len;
	return round_trip(cd, sock, rl, r);
}

static int partition_init_ped(struct clonedev *cd, const char *domain,
			      unsigned int m, unsigned int n)
{
	struct clonedev_partition_init pi = {
		.size = sizeof(pi),
		.flags = CLONEDEV_PARTITION_INIT_PED,
		.quorum_m = m,
		.quorum_n = n,
	};

	strcpy(pi.domain_label, domain);
	return xioctl(cd, CLONEDEV_IOCTL_PARTITION_INIT, &pi);
}

/* Removes the share files of @kind from @dir (without a process start). */
static void unlink_files(const char *dir, const char *kind)
{
	char path[256];
	glob_t g;
	size_t i;

	snprintf(path, sizeof(path), "%s/*-%s-*.share", dir, kind);
	if (glob(path, 0, NULL, &g))
		return;
	for (i = 0; i < g.gl_pathc; i++)
		unlink(g.gl_pathv[i]);
	globfree(&g);
}

/* How many files of @dir match @pattern. */
static int count_files(const char *dir, const char *pattern)
{
	char path[256];
	glob_t g;
	int n;

	snprintf(path, sizeof(path), "%s/%s", dir, pattern);
	if (glob(path, 0, NULL, &g))
		return 0;
	n = g.gl_pathc;
	globfree(&g);
	return n;
}

static unsigned int session_role(struct __test_metadata *_metadata,
				 struct clonedev *cd)
{
	struct clonedev_session_info si;

	EXPECT_EQ(0, clonedev_session_info(cd, &si));
	return si.role;
}

/*
 * co re-initialized with a secret made in the kernel whose shares only
 * the server got, then logged in through it; shares of another secret do
 * not log in.
 */
TEST_F_TIMEOUT(ped, role_init_through_the_server, PED_TIMEOUT)
{
	struct relay rl = { .how = NONE };
	struct clonedev_ped r;

	ASSERT_EQ(0, handshake(self->cd, self->sock, &rl, &r));
	ASSERT_EQ(CLONEDEV_PED_CONNECTED, r.state);
	ASSERT_EQ(0, clonedev_login_shares(self->cd, CLONEDEV_ROLE_PO,
					   self->po, 2));
	/* The co files of the fixture have the names these would get. */
	ASSERT_EQ(0, store(self->cd, self->sock, &rl, CLONEDEV_PED_KIND_CO,
			   NULL, 2, 3, &r));
	EXPECT_EQ(CLONEDEV_PED_CONNECTED, r.state);
	EXPECT_EQ(CLONEDEV_PED_E_NOT_WRITTEN, r.error);
	EXPECT_NERR(ENODATA, role_init_ped(self->cd, CLONEDEV_ROLE_CO, 2, 3));

	unlink_files(self->dir, "co");
	ASSERT_EQ(0, store(self->cd, self->sock, &rl, CLONEDEV_PED_KIND_CO,
			   NULL, 2, 3, &r));
	EXPECT_EQ(CLONEDEV_PED_CONNECTED, r.state);
	EXPECT_EQ(CLONEDEV_PED_E_NONE, r.error);
	EXPECT_EQ(0, r.held_count);
	EXPECT_EQ(3, count_files(self->dir, "*-co-*of3.share"));
	ASSERT_EQ(0, role_init_ped(self->cd, CLONEDEV_ROLE_CO, 2, 3));
	/* The secret served one init. */
	EXPECT_NERR(ENODATA, role_init_ped(self->cd, CLONEDEV_ROLE_CO, 2, 3));
	ASSERT_EQ(0, ask(self->cd, self->sock, &rl, CLONEDEV_PED_KIND_CO,
			 NULL, &r));
	ASSERT_EQ(2, r.held_count);
	ASSERT_EQ(0, login_ped(self->cd, CLONEDEV_ROLE_CO));
	EXPECT_EQ(CLONEDEV_ROLE_CO, session_role(_metadata, self->cd));

	/* The server's co shares replaced by those of a secret never set. */
	ASSERT_EQ(0, clonedev_login_shares(self->cd, CLONEDEV_ROLE_PO,
					   self->po, 2));
	unlink_files(self->dir, "co");
	ASSERT_EQ(0, store(self->cd, self->sock, &rl, CLONEDEV_PED_KIND_CO,
			   NULL, 2, 4, &r));
	EXPECT_EQ(CLONEDEV_PED_E_NONE, r.error);
	ASSERT_EQ(0, ask(self->cd, self->sock, &rl, CLONEDEV_PED_KIND_CO,
			 NULL, &r));
	ASSERT_EQ(2, r.held_count);
	EXPECT_NERR(EACCES, login_ped(self->cd, CLONEDEV_ROLE_CO));
	EXPECT_EQ(CLONEDEV_ROLE_NONE, session_role(_metadata, self->cd));
	/* Another quorum than the STORE's: refused, and the secret wiped. */
	EXPECT_NERR(EINVAL, role_init_ped(self->cd, CLONEDEV_ROLE_CO, 2, 3));
	EXPECT_NERR(ENODATA, role_init_ped(self->cd, CLONEDEV_ROLE_CO, 2, 4));
}

/* A custodian who refuses to store: nothing written, nothing changed. */
TEST_F_TIMEOUT(ped, store_refused_by_the_custodian, PED_TIMEOUT)
{
	struct relay rl = { .how = NONE };
	struct clonedev_ped r;
	pid_t pid;
	int port, sock;

	port = start_server(variant, self->dir, self->rpv_list,
			    variant->refuse, &pid);
	ASSERT_LT(0, port);
	sock = dial(port);
	ASSERT_LE(0, sock);
	ASSERT_EQ(0, handshake(self->cd, sock, &rl, &r));
	ASSERT_EQ(CLONEDEV_PED_CONNECTED, r.state);
	ASSERT_EQ(0, clonedev_login_shares(self->cd, CLONEDEV_ROLE_PO,
					   self->po, 2));
	ASSERT_EQ(0, store(self->cd, sock, &rl, CLONEDEV_PED_KIND_CO, NULL, 2,
			   4, &r));
	EXPECT_EQ(CLONEDEV_PED_E_REFUSED, r.error);
	EXPECT_EQ(CLONEDEV_PED_CONNECTED, r.state);
	EXPECT_EQ(0, count_files(self->dir, "*-co-*of4.share"));
	EXPECT_NERR(ENODATA, role_init_ped(self->cd, CLONEDEV_ROLE_CO, 2, 4));
	close(sock);
	stop_server(pid);

	/* The co of the fixture still logs in. */
	ASSERT_EQ(0, handshake(self->cd, self->sock, &rl, &r));
	ASSERT_EQ(0, ask(self->cd, self->sock, &rl, CLONEDEV_PED_KIND_CO,
			 NULL, &r));
	ASSERT_EQ(0, login_ped(self->cd, CLONEDEV_ROLE_CO));
}

/*
 * A STORED altered, truncated, replayed or retyped on its way: the
 * channel fails and the secret of its STORE is gone.
 */
TEST_F_TIMEOUT(ped, stored_tampered_or_replayed, PED_TIMEOUT)
{
	unsigned char old_stored[MSG_MAX];
	struct relay rl = { .how = NONE };
	struct clonedev_ped r;
	int stored_len;

	unlink_files(self->dir, "co");
	ASSERT_EQ(0, clonedev_login_shares(self->cd, CLONEDEV_ROLE_PO,
					   self->po, 2));
	rl.type = T_STORED;
	rl.how = FLIP;
	ASSERT_EQ(0, handshake(self->cd, self->sock, &rl, &r));
	ASSERT_EQ(0, store(self->cd, self->sock, &rl, CLONEDEV_PED_KIND_CO,
			   NULL, 2, 3, &r));
	EXPECT_EQ(CLONEDEV_PED_FAILED, r.state);
	EXPECT_EQ(CLONEDEV_PED_E_AUTH, r.error);
	EXPECT_NERR(ENODATA, role_init_ped(self->cd, CLONEDEV_ROLE_CO, 2, 3));

	rl.how = TRUNCATE;
	close(self->sock);
	self->sock = dial(self->port);
	ASSERT_LE(0, self->sock);
	ASSERT_EQ(0, handshake(self->cd, self->sock, &rl, &r));
	ASSERT_EQ(0, store(self->cd, self->sock, &rl, CLONEDEV_PED_KIND_CO,
			   NULL, 2, 4, &r));
	EXPECT_EQ(CLONEDEV_PED_FAILED, r.state);
	EXPECT_EQ(CLONEDEV_PED_E_UNEXPECTED, r.error);
	EXPECT_NERR(ENODATA, role_init_ped(self->cd, CLONEDEV_ROLE_CO, 2, 4));

	/* A STORED recorded, then given to the next STORE. */
	rl.how = NONE;
	close(self->sock);
	self->sock = dial(self->port);
	ASSERT_LE(0, self->sock);
	ASSERT_EQ(0, handshake(self->cd, self->sock, &rl, &r));
	ASSERT_EQ(0, store_op(self->cd, CLONEDEV_PED_KIND_CO, NULL, 2, 5, rl.m,
			      &r));
	ASSERT_EQ(0, send_frame(self->sock, rl.m, r.out_len));
	stored_len = recv_frame(self->sock, old_stored);
	ASSERT_LT(0, stored_len);
	ASSERT_EQ(0, ped(self->cd, CLONEDEV_PED_STEP, old_stored, stored_len,
			 rl.m, &r));
	ASSERT_EQ(CLONEDEV_PED_CONNECTED, r.state);
	ASSERT_EQ(CLONEDEV_PED_E_NONE, r.error);
	ASSERT_EQ(0, store_op(self->cd, CLONEDEV_PED_KIND_CO, NULL, 2, 6, rl.m,
			      &r));
	EXPECT_EQ(CLONEDEV_PED_WAITING, r.state);
	ASSERT_EQ(0, ped(self->cd, CLONEDEV_PED_STEP, old_stored, stored_len,
			 rl.m, &r));
	EXPECT_EQ(CLONEDEV_PED_FAILED, r.state);
	EXPECT_EQ(CLONEDEV_PED_E_UNEXPECTED, r.error);
	EXPECT_NERR(ENODATA, role_init_ped(self->cd, CLONEDEV_ROLE_CO, 2, 6));
	/* The STORE it answered was replaced, then the channel failed. */
	EXPECT_NERR(ENODATA, role_init_ped(self->cd, CLONEDEV_ROLE_CO, 2, 5));

	/* A STORE reflected back as its STORED; a SHARES as a STORED. */
	close(self->sock);
	self->sock = dial(self->port);
	ASSERT_LE(0, self->sock);
	ASSERT_EQ(0, handshake(self->cd, self->sock, &rl, &r));
	ASSERT_EQ(0, store_op(self->cd, CLONEDEV_PED_KIND_CO, NULL, 2, 7, rl.m,
			      &r));
	rl.m[5] = T_STORED;
	ASSERT_EQ(0, ped(self->cd, CLONEDEV_PED_STEP, rl.m, r.out_len, rl.m,
			 &r));
	EXPECT_EQ(CLONEDEV_PED_FAILED, r.state);
	EXPECT_EQ(CLONEDEV_PED_E_UNEXPECTED, r.error);
	EXPECT_NERR(ENODATA, role_init_ped(self->cd, CLONEDEV_ROLE_CO, 2, 7));
	close(self->sock);
	self->sock = dial(self->port);
	ASSERT_LE(0, self->sock);
	ASSERT_EQ(0, handshake(self->cd, self->sock, &rl, &r));
	ASSERT_EQ(0, request_op(self->cd, CLONEDEV_PED_KIND_PO, NULL, rl.m,
				&r));
	ASSERT_EQ(0, send_frame(self->sock, rl.m, r.out_len));
	rl.len = recv_frame(self->sock, rl.m);
	ASSERT_LT(0, rl.len);
	ASSERT_EQ(T_SHARES, rl.m[5]);
	rl.m[5] = T_STORED;
	ASSERT_EQ(0, ped(self->cd, CLONEDEV_PED_STEP, rl.m, rl.len, rl.m, &r));
	EXPECT_EQ(CLONEDEV_PED_FAILED, r.state);
	EXPECT_EQ(0, r.held_count);
	explicit_bzero(old_stored, sizeof(old_stored));
}

/*
 * The partition re-initialized with a po secret and a domain whose
 * shares the server stored: it keeps its RPV, and the new po logs in
 * through the same server.
 */
TEST_F_TIMEOUT(ped, partition_reinit_through_the_server, PED_TIMEOUT)
{
	struct relay rl = { .how = NONE };
	struct clonedev_domain_add d = {
		.size = sizeof(d),
		.flags = CLONEDEV_DOMAIN_ADD_PED,
		.label = "red",
	};
	struct clonedev_ped r;

	unlink_files(self->dir, "po");
	unlink_files(self->dir, "domain");
	ASSERT_EQ(0, handshake(self->cd, self->sock, &rl, &r));
	ASSERT_EQ(0, clonedev_login_shares(self->cd, CLONEDEV_ROLE_PO,
					   self->po, 2));
	ASSERT_EQ(0, store(self->cd, self->sock, &rl, CLONEDEV_PED_KIND_PO,
			   NULL, 2, 3, &r));
	ASSERT_EQ(CLONEDEV_PED_E_NONE, r.error);
	ASSERT_EQ(0, store(self->cd, self->sock, &rl, CLONEDEV_PED_KIND_DOMAIN,
			   "red", 2, 3, &r));
	ASSERT_EQ(CLONEDEV_PED_E_NONE, r.error);
	EXPECT_EQ(3, count_files(self->dir, "*-po-*of3.share"));
	EXPECT_EQ(3, count_files(self->dir, "*-domain-red-*of3.share"));
	/* Another domain label than the STORE's: nothing, both wiped. */
	EXPECT_NERR(ENODATA, partition_init_ped(self->cd, "blue", 2, 3));
	EXPECT_NERR(ENODATA, partition_init_ped(self->cd, "red", 2, 3));
	EXPECT_EQ(CLONEDEV_ROLE_PO, session_role(_metadata, self->cd));

	unlink_files(self->dir, "po");
	unlink_files(self->dir, "domain");
	ASSERT_EQ(0, store(self->cd, self->sock, &rl, CLONEDEV_PED_KIND_PO,
			   NULL, 2, 3, &r));
	ASSERT_EQ(CLONEDEV_PED_E_NONE, r.error);
	ASSERT_EQ(0, store(self->cd, self->sock, &rl, CLONEDEV_PED_KIND_DOMAIN,
			   "red", 2, 3, &r));
	ASSERT_EQ(CLONEDEV_PED_E_NONE, r.error);
	ASSERT_EQ(0, partition_init_ped(self->cd, "red", 2, 3));
	EXPECT_EQ(CLONEDEV_ROLE_NONE, session_role(_metadata, self->cd));
	ASSERT_EQ(0, ped(self->cd, CLONEDEV_PED_STATUS, NULL, 0, NULL, &r));
	EXPECT_EQ(CLONEDEV_PED_HAS_RPV, r.ped_flags);
	EXPECT_EQ(0, memcmp(r.rpv_id, self->rpv_id, sizeof(r.rpv_id)));
	EXPECT_EQ(CLONEDEV_PED_CONNECTED, r.state);
	EXPECT_NERR(ENODATA, partition_init_ped(self->cd, "red", 2, 3));

	/* The old po shares open nothing; the server's new ones log in. */
	EXPECT_NERR(EACCES, clonedev_login_shares(self->cd, CLONEDEV_ROLE_PO,
						  self->po, 2));
	ASSERT_EQ(0, ask(self->cd, self->sock, &rl, CLONEDEV_PED_KIND_PO, NULL,
			 &r));
	ASSERT_EQ(2, r.held_count);
	ASSERT_EQ(0, login_ped(self->cd, CLONEDEV_ROLE_PO));
	EXPECT_EQ(CLONEDEV_ROLE_PO, session_role(_metadata, self->cd));
	/* The server's domain shares are those of the new primary domain. */
	ASSERT_EQ(0, ask(self->cd, self->sock, &rl, CLONEDEV_PED_KIND_DOMAIN,
			 "red", &r));
	ASSERT_EQ(2, r.held_count);
	EXPECT_NERR(EEXIST, xioctl(self->cd, CLONEDEV_IOCTL_DOMAIN_ADD, &d));
}

/* A secret stored, then the channel ended or the slot selected again. */
TEST_F_TIMEOUT(ped, stored_secret_gone_with_the_channel, PED_TIMEOUT)
{
	struct relay rl = { .how = NONE };
	struct clonedev_ped r;

	ASSERT_EQ(0, handshake(self->cd, self->sock, &rl, &r));
	ASSERT_EQ(0, clonedev_login_shares(self->cd, CLONEDEV_ROLE_PO,
					   self->po, 2));
	ASSERT_EQ(0, store(self->cd, self->sock, &rl, CLONEDEV_PED_KIND_CO,
			   NULL, 1, 1, &r));
	ASSERT_EQ(CLONEDEV_PED_E_NONE, r.error);
	ASSERT_EQ(0, ped(self->cd, CLONEDEV_PED_DISCONNECT, NULL, 0, NULL, &r));
	EXPECT_NERR(ENODATA, role_init_ped(self->cd, CLONEDEV_ROLE_CO, 1, 1));

	close(self->sock);
	self->sock = dial(self->port);
	ASSERT_LE(0, self->sock);
	ASSERT_EQ(0, handshake(self->cd, self->sock, &rl, &r));
	ASSERT_EQ(0, store(self->cd, self->sock, &rl, CLONEDEV_PED_KIND_CO,
			   NULL, 1, 2, &r));
	ASSERT_EQ(CLONEDEV_PED_E_NONE, r.error);
	ASSERT_EQ(0, clonedev_slot_set(self->cd, self->part.slot));
	ASSERT_EQ(0, clonedev_login_shares(self->cd, CLONEDEV_ROLE_PO,
					   self->po, 2));
	EXPECT_NERR(ENODATA, role_init_ped(self->cd, CLONEDEV_ROLE_CO, 1, 2));
}

/* ------------------------------------------------------------------ */
/* Parallel callers on one channel                                      */
/* ------------------------------------------------------------------ */

#define RACERS		40
#define SESSIONS	4	/* sessions on the slot, RACERS / SESSIONS each */

static unsigned int msg_seq(const unsigned char *m)
{
	return (unsigned int)m[8] << 24 | m[9] << 16 | m[10] << 8 | m[11];
}

/*
 * Relays the STORE at @m (@len bytes) on @sock and steps the STORED in;
 * *r as STEP left it. The STORE's sequence number must be one above the
 * last STORE's on this connection (*seq, 1 after the handshake: no
 * REQUEST is made here), and the answer must be the STORED of that
 * number; *bad counts what is not. Return: as round_trip().
 */
static int relay_store(struct clonedev *cd, int sock, unsigned char *m,
		       int len, unsigned int *seq, int *bad,
		       struct clonedev_ped *r)
{
	unsigned char in[MSG_MAX];
	int n, ret;

	if (len < HDR_LEN || m[5] != T_STORE || msg_seq(m) != *seq + 1)
		(*bad)++;
	*seq = msg_seq(m);
	if (send_frame(sock, m, len))
		return -1;
	n = recv_frame(sock, in);
	if (n < 0)
		return -1;
	if (n < HDR_LEN || in[5] != T_STORED || msg_seq(in) != *seq)
		(*bad)++;
	ret = ped(cd, CLONEDEV_PED_STEP, in, n, in, r);
	explicit_bzero(in, sizeof(in));
	return ret;
}

/*
 * The first @m shares of the files of @kind with N = @n in @dir, with
 * the fingerprint they carry. Return: 0, or -1 if there are fewer.
 */
static int read_files(const char *dir, const char *kind, unsigned int m,
		      unsigned int n, struct clonedev_share *sh,
		      unsigned char *fp)
{
	struct clonedev_sharefile sf;
	char path[256];
	unsigned int i;
	glob_t g;
	int ret = -1;

	snprintf(path, sizeof(path), "%s/*-%s-*of%u.share", dir, kind, n);
	if (glob(path, 0, NULL, &g))
		return -1;
	for (i = 0; i < m && i < g.gl_pathc; i++) {
		if (clonedev_sharefile_read(g.gl_pathv[i], &sf))
			break;
		sh[i] = sf.share;
		if (fp)
			memcpy(fp, sf.fingerprint, sizeof(sf.fingerprint));
	}
	if (i == m)
		ret = 0;
	explicit_bzero(&sf, sizeof(sf));
	globfree(&g);
	return ret;
}

/*
 * Another session on the fixture's partition, logged out; the teardown
 * closes it.
 */
static struct clonedev *other_session(struct __test_metadata *_metadata,
				      FIXTURE_DATA(ped) * self)
{
	struct clonedev *cd = NULL;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(self->extra) && self->extra[i]; i++)
		;
	if (i == ARRAY_SIZE(self->extra))
		return NULL;
	EXPECT_EQ(0, clonedev_open(&cd));
	if (cd)
		EXPECT_EQ(0, clonedev_slot_set(cd, self->part.slot));
	self->extra[i] = cd;
	return cd;
}

/* Whether @sh (@m of them) log @role in on @cd; logged out again. */
static int shares_log_in(struct clonedev *cd, unsigned int role,
			 const struct clonedev_share *sh, unsigned int m)
{
	int ret = clonedev_login_shares(cd, role, sh, m);

	if (!ret)
		clonedev_logout(cd);
	return ret;
}

/* What one racer does, and what it saw. */
enum race_op { RACE_STORE, RACE_ROLE_INIT, RACE_PARTITION_INIT };

struct race;

struct racer {
	struct race *race;
	struct clonedev *cd;	/* the session it calls on */
	unsigned int kind;	/* of its STORE */
	unsigned int m, n;	/* its STORE's and init's quorum */
	int ret;		/* of its call in the phase at once */
	unsigned char out[MSG_MAX];	/* its STORE, if made */
	int out_len;
	int early;		/* inits that succeeded before any STEP began */
	int ok, nodata, other;	/* its inits while the STORED travels */
	int other_ret;
};

/* A flag shared between a test and its threads. */
static int load(int *flag)
{
	return __atomic_load_n(flag, __ATOMIC_SEQ_CST);
}

struct race {
	pthread_barrier_t go;	/* RACERS and the test */
	enum race_op op;	/* of the phase at once */
	/* The next three: __atomic, between the test and the racers. */
	int stepping;	/* the test began the STEP of the STORED */
	int stepped;	/* and it returned */
	int hammer;	/* racers init while the STORED travels */
	struct racer r[RACERS];
};

static int race_init(struct racer *rc, enum race_op op)
{
	if (op == RACE_ROLE_INIT)
		return role_init_ped(rc->cd, CLONEDEV_ROLE_CO, rc->m, rc->n);
	return partition_init_ped(rc->cd, "red", rc->m, rc->n);
}

/*
 * A racer: at the test's signal every racer makes its call at once (a
 * STORE, or an init); then, while the test relays the STORE one of them
 * made, each tries the init, and all of them at once again once the
 * STORED is in.
 */
static void *racer_run(void *arg)
{
	struct racer *rc = arg;
	struct race *race = rc->race;
	enum race_op init_op = race->op == RACE_STORE ?
			       (rc->kind == CLONEDEV_PED_KIND_CO ?
				RACE_ROLE_INIT : RACE_PARTITION_INIT) :
			       race->op;
	struct clonedev_ped r;
	int i, ret;

	pthread_barrier_wait(&race->go);
	if (race->op == RACE_STORE) {
		rc->ret = store_op(rc->cd, rc->kind,
				   rc->kind == CLONEDEV_PED_KIND_DOMAIN ?
				   "red" : NULL, rc->m, rc->n, rc->out, &r);
		rc->out_len = rc->ret ? 0 : r.out_len;
	} else {
		rc->ret = race_init(rc, race->op);
	}
	pthread_barrier_wait(&race->go);
	for (i = 0; load(&race->hammer) && !load(&race->stepped) && i < 50; i++) {
		ret = race_init(rc, init_op);
		if (!ret) {
			rc->ok++;
			if (!load(&race->stepping))
				rc->early++;
		} else if (ret == -ENODATA) {
			rc->nodata++;
		} else {
			rc->other++;
			rc->other_ret = ret;
		}
		sched_yield();
	}
	pthread_barrier_wait(&race->go);
	return NULL;
}

/* Starts @race's racers; they wait for run_phase(). */
static void start_racers(struct __test_metadata *_metadata,
			 struct race *race, pthread_t *t)
{
	int i;

	ASSERT_EQ(0, pthread_barrier_init(&race->go, NULL, RACERS + 1));
	for (i = 0; i < RACERS; i++) {
		race->r[i].race = race;
		ASSERT_EQ(0, pthread_create(&t[i], NULL, racer_run,
					    &race->r[i]));
	}
}

/* Counts the racers whose call of the phase at once returned @ret. */
static int count_ret(const struct race *race, int ret)
{
	int i, n = 0;

	for (i = 0; i < RACERS; i++)
		n += race->r[i].ret == ret;
	return n;
}

/* The racer whose STORE went out on @cd, or NULL. */
static struct racer *store_winner(struct race *race, struct clonedev *cd)
{
	int i;

	for (i = 0; i < RACERS; i++)
		if (race->r[i].cd == cd && !race->r[i].ret)
			return &race->r[i];
	return NULL;
}

/*
 * RACERS threads on the fixture's one session make a co STORE at once:
 * one makes it, the others are refused while it travels. All at once
 * after its STORED (and with @hammer while it travels too) they init the
 * co with it: exactly one init takes a stored secret, none takes one the
 * server did not write, and the co's credential is the last stored one.
 * Rounds alternate a STORE the server writes and one it cannot (its files
 * are there already).
 */
static void store_init_rounds(struct __test_metadata *_metadata,
			      FIXTURE_DATA(ped) * self, int hammer)
{
	struct clonedev_share cur[2], prev[2];
	struct relay rl = { .how = NONE };
	struct race *race;
	pthread_t t[RACERS];
	struct clonedev_ped r;
	struct clonedev *chk;
	unsigned int seq = 1;
	int bad = 0, round, i, ok, nodata, written, ret;
	struct racer *w;

	ASSERT_EQ(0, handshake(self->cd, self->sock, &rl, &r));
	ASSERT_EQ(CLONEDEV_PED_CONNECTED, r.state);
	ASSERT_EQ(0, clonedev_login_shares(self->cd, CLONEDEV_ROLE_PO,
					   self->po, 2));
	chk = other_session(_metadata, self);
	ASSERT_NE(NULL, chk);
	/* The fixture's co. */
	ASSERT_EQ(0, read_files(self->dir, "co", 2, 3, prev, NULL));
	unlink_files(self->dir, "co");

	for (round = 0; round < 4; round++) {
		written = !(round % 2);
		race = calloc(1, sizeof(*race));
		ASSERT_NE(NULL, race);
		race->op = RACE_STORE;
		__atomic_store_n(&race->hammer, hammer, __ATOMIC_SEQ_CST);
		for (i = 0; i < RACERS; i++) {
			race->r[i].cd = self->cd;
			race->r[i].kind = CLONEDEV_PED_KIND_CO;
			race->r[i].m = 2;
			race->r[i].n = 3;
		}
		start_racers(_metadata, race, t);
		pthread_barrier_wait(&race->go);	/* the STOREs */
		pthread_barrier_wait(&race->go);	/* the inits begin */
		w = store_winner(race, self->cd);
		EXPECT_EQ(1, count_ret(race, 0));
		EXPECT_EQ(RACERS - 1, count_ret(race, -EINVAL));
		if (w) {
			__atomic_store_n(&race->stepping, 1, __ATOMIC_SEQ_CST);
			ret = relay_store(self->cd, self->sock, w->out,
					  w->out_len, &seq, &bad, &r);
			EXPECT_EQ(0, ret);
			EXPECT_EQ(CLONEDEV_PED_CONNECTED, r.state);
			EXPECT_EQ(written ? CLONEDEV_PED_E_NONE :
					    CLONEDEV_PED_E_NOT_WRITTEN, r.error);
		}
		__atomic_store_n(&race->stepped, 1, __ATOMIC_SEQ_CST);
		pthread_barrier_wait(&race->go);	/* the inits end */
		/* Then all at once. */
		race->op = RACE_ROLE_INIT;
		__atomic_store_n(&race->hammer, 0, __ATOMIC_SEQ_CST);
		__atomic_store_n(&race->stepping, 0, __ATOMIC_SEQ_CST);
		__atomic_store_n(&race->stepped, 0, __ATOMIC_SEQ_CST);
		for (i = 0; i < RACERS; i++)
			pthread_join(t[i], NULL);
		ok = 0;
		nodata = 0;
		for (i = 0; i < RACERS; i++) {
			EXPECT_EQ(0, race->r[i].early);
			EXPECT_EQ(0, race->r[i].other);
			if (race->r[i].other)
				TH_LOG("round %d: an init returned %d", round,
				       race->r[i].other_ret);
			ok += race->r[i].ok;
			nodata += race->r[i].nodata;
		}
		start_racers(_metadata, race, t);
		pthread_barrier_wait(&race->go);
		pthread_barrier_wait(&race->go);
		pthread_barrier_wait(&race->go);
		for (i = 0; i < RACERS; i++)
			pthread_join(t[i], NULL);
		ok += count_ret(race, 0);
		EXPECT_EQ(RACERS - count_ret(race, 0),
			  count_ret(race, -ENODATA));
		EXPECT_EQ(written, ok);
		free(race);

		/* The co's credential: the shares the server holds. */
		ASSERT_EQ(0, read_files(self->dir, "co", 2, 3, cur, NULL));
		EXPECT_EQ(0, shares_log_in(chk, CLONEDEV_ROLE_CO, cur, 2));
		if (written)
			EXPECT_NERR(EACCES, shares_log_in(chk, CLONEDEV_ROLE_CO,
							  prev, 2));
		memcpy(prev, cur, sizeof(prev));
		if (!written)
			unlink_files(self->dir, "co");
	}
	EXPECT_EQ(0, bad);
	EXPECT_EQ(5, seq);
	explicit_bzero(cur, sizeof(cur));
	explicit_bzero(prev, sizeof(prev));
}

TEST_F_TIMEOUT(ped, stores_and_inits_race_on_one_session, PED_TIMEOUT)
{
	store_init_rounds(_metadata, self, 0);
}

/*
 * The same with inits while each STORE travels: none succeeds before its
 * STORED, and none may cost the secret the server is storing, so one of
 * the inits after a STORED status 0 still takes it.
 */
TEST_F_TIMEOUT(ped, inits_while_the_store_travels, PED_TIMEOUT)
{
	store_init_rounds(_metadata, self, 1);
}

/*
 * One phase of @race: every racer's call at once; then, for each session
 * of @cd (@count) whose STORE went out, the test relays it on @sock while
 * the racers init; *seq and *bad as relay_store(), *error each STORED's
 * code (-1: no STORE went out on that session).
 */
static void run_phase(struct __test_metadata *_metadata, struct race *race,
		      struct clonedev **cd, int *sock, int count,
		      unsigned int *seq, int *bad, int *error)
{
	pthread_t t[RACERS];
	struct clonedev_ped r;
	struct racer *w;
	int i;

	start_racers(_metadata, race, t);
	pthread_barrier_wait(&race->go);
	pthread_barrier_wait(&race->go);
	__atomic_store_n(&race->stepping, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < count; i++) {
		error[i] = -1;
		w = race->op == RACE_STORE ? store_winner(race, cd[i]) : NULL;
		if (!w)
			continue;
		EXPECT_EQ(0, relay_store(cd[i], sock[i], w->out, w->out_len,
					 &seq[i], bad, &r));
		EXPECT_EQ(CLONEDEV_PED_CONNECTED, r.state);
		error[i] = r.error;
	}
	__atomic_store_n(&race->stepped, 1, __ATOMIC_SEQ_CST);
	pthread_barrier_wait(&race->go);
	for (i = 0; i < RACERS; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(0, race->r[i].early);
		EXPECT_EQ(0, race->r[i].other);
		if (race->r[i].other)
			TH_LOG("racer %d: an init returned %d", i,
			       race->r[i].other_ret);
	}
}

/* The co's shares @last no longer log in on @chk. */
static void expect_old_refused(struct __test_metadata *_metadata,
			       struct clonedev *chk,
			       const struct clonedev_share *last)
{
	EXPECT_NERR(EACCES, shares_log_in(chk, CLONEDEV_ROLE_CO, last, 2));
}

/* The inits that succeeded in @race (those on @cd only, if not NULL). */
static int count_inits(const struct race *race, const struct clonedev *cd)
{
	int i, n = 0;

	for (i = 0; i < RACERS; i++) {
		if (cd && race->r[i].cd != cd)
			continue;
		n += race->r[i].ok;
		if (race->op != RACE_STORE)
			n += !race->r[i].ret;
	}
	return n;
}

/*
 * RACERS threads on one session make the po's and the primary domain's
 * STORE at once (one of them goes out, then one of the other kind), then
 * re-initialize the partition with them at once: one init succeeds and
 * the partition is exactly what it made.
 */
TEST_F_TIMEOUT(ped, partition_init_race_on_one_session, PED_TIMEOUT)
{
	struct clonedev_domain_list dl = { .size = sizeof(dl) };
	unsigned char fp[CLONEDEV_FINGERPRINT_LEN];
	struct relay rl = { .how = NONE };
	struct clonedev_share sh[2];
	unsigned int seq = 1, first = 0;
	struct clonedev_ped r;
	struct clonedev *chk;
	struct race *race;
	int bad = 0, error, i, phase;
	struct racer *w;

	unlink_files(self->dir, "po");
	unlink_files(self->dir, "domain");
	ASSERT_EQ(0, handshake(self->cd, self->sock, &rl, &r));
	ASSERT_EQ(0, clonedev_login_shares(self->cd, CLONEDEV_ROLE_PO,
					   self->po, 2));
	race = calloc(1, sizeof(*race));
	ASSERT_NE(NULL, race);
	for (phase = 0; phase < 3; phase++) {
		memset(race, 0, sizeof(*race));
		race->op = phase < 2 ? RACE_STORE : RACE_PARTITION_INIT;
		for (i = 0; i < RACERS; i++) {
			race->r[i].cd = self->cd;
			race->r[i].m = 2;
			race->r[i].n = 3;
			/* Half and half first; then the kind still missing. */
			race->r[i].kind = phase == 0 ?
					  (i % 2 ? CLONEDEV_PED_KIND_PO :
						   CLONEDEV_PED_KIND_DOMAIN) :
					  first == CLONEDEV_PED_KIND_PO ?
					  CLONEDEV_PED_KIND_DOMAIN :
					  CLONEDEV_PED_KIND_PO;
		}
		run_phase(_metadata, race, &self->cd, &self->sock, 1, &seq,
			  &bad, &error);
		if (phase < 2) {
			EXPECT_EQ(1, count_ret(race, 0));
			EXPECT_EQ(RACERS - 1, count_ret(race, -EINVAL));
			EXPECT_EQ(CLONEDEV_PED_E_NONE, error);
			w = store_winner(race, self->cd);
			ASSERT_NE(NULL, w);
			first = w->kind;
			EXPECT_EQ(0, count_inits(race, NULL));
		} else {
			EXPECT_EQ(1, count_ret(race, 0));
			EXPECT_EQ(RACERS - 1, count_ret(race, -ENODATA));
		}
	}
	free(race);
	EXPECT_EQ(0, bad);
	EXPECT_EQ(3, seq);

	/* Logged out, the RPV kept, the channel up. */
	EXPECT_EQ(CLONEDEV_ROLE_NONE, session_role(_metadata, self->cd));
	ASSERT_EQ(0, ped(self->cd, CLONEDEV_PED_STATUS, NULL, 0, NULL, &r));
	EXPECT_EQ(CLONEDEV_PED_HAS_RPV, r.ped_flags);
	EXPECT_EQ(0, memcmp(r.rpv_id, self->rpv_id, sizeof(r.rpv_id)));
	EXPECT_EQ(CLONEDEV_PED_CONNECTED, r.state);
	/* The server's po shares log in, the old ones do not. */
	chk = other_session(_metadata, self);
	ASSERT_NE(NULL, chk);
	EXPECT_NERR(EACCES, shares_log_in(chk, CLONEDEV_ROLE_PO, self->po, 2));
	ASSERT_EQ(0, read_files(self->dir, "po", 2, 3, sh, NULL));
	ASSERT_EQ(0, clonedev_login_shares(chk, CLONEDEV_ROLE_PO, sh, 2));
	/* The primary domain is the one whose shares the server stored. */
	ASSERT_EQ(0, read_files(self->dir, "domain-red", 2, 3, sh, fp));
	ASSERT_EQ(0, xioctl(chk, CLONEDEV_IOCTL_DOMAIN_LIST, &dl));
	ASSERT_EQ(1, dl.count);
	EXPECT_STREQ("red", dl.domains[0].label);
	EXPECT_EQ(0, memcmp(fp, dl.domains[0].fingerprint, sizeof(fp)));
	explicit_bzero(sh, sizeof(sh));
}

/*
 * SESSIONS sessions on the slot, each with its own connection to the
 * server and RACERS / SESSIONS threads: each session's STORE goes out
 * once and each session's secret is taken by one init of its own. With
 * other quorums (other file names) every STORE is written and the co ends
 * with the secret of one of them; with the same, the server writes one
 * at most, and only that session inits.
 */
TEST_F_TIMEOUT(ped, stores_and_inits_race_on_several_sessions, PED_TIMEOUT)
{
	int sock[SESSIONS], error[SESSIONS], stored[SESSIONS], inits[SESSIONS];
	struct clonedev_share sh[2], last[2];
	struct clonedev *cd[SESSIONS], *chk;
	struct relay rl = { .how = NONE };
	int bad = 0, i, s, same, written, logins;
	unsigned int seq[SESSIONS];
	struct clonedev_ped r;
	struct race *race;

	unlink_files(self->dir, "co");
	for (s = 0; s < SESSIONS; s++) {
		cd[s] = other_session(_metadata, self);
		ASSERT_NE(NULL, cd[s]);
		ASSERT_EQ(0, clonedev_login_shares(cd[s], CLONEDEV_ROLE_PO,
						   self->po, 2));
		sock[s] = dial(self->port);
		ASSERT_LE(0, sock[s]);
		ASSERT_EQ(0, handshake(cd[s], sock[s], &rl, &r));
		ASSERT_EQ(CLONEDEV_PED_CONNECTED, r.state);
		seq[s] = 1;
	}
	chk = other_session(_metadata, self);
	ASSERT_NE(NULL, chk);
	race = calloc(1, sizeof(*race));
	ASSERT_NE(NULL, race);
	for (same = 0; same < 2; same++) {
		/* The STOREs at once, then the inits while they travel. */
		memset(race, 0, sizeof(*race));
		race->op = RACE_STORE;
		for (i = 0; i < RACERS; i++) {
			race->r[i].cd = cd[i % SESSIONS];
			race->r[i].kind = CLONEDEV_PED_KIND_CO;
			race->r[i].m = 2;
			race->r[i].n = same ? 3 + SESSIONS : 3 + i % SESSIONS;
		}
		run_phase(_metadata, race, cd, sock, SESSIONS, seq, &bad,
			  stored);
		EXPECT_EQ(SESSIONS, count_ret(race, 0));
		EXPECT_EQ(RACERS - SESSIONS, count_ret(race, -EINVAL));
		written = 0;
		for (s = 0; s < SESSIONS; s++) {
			inits[s] = count_inits(race, cd[s]);
			if (stored[s] == CLONEDEV_PED_E_NONE) {
				written++;
			} else {
				EXPECT_EQ(CLONEDEV_PED_E_NOT_WRITTEN,
					  stored[s]);
			}
		}
		/* The server never replaces a file. */
		EXPECT_EQ(1, same ? written <= 1 : written == SESSIONS);

		/* Then the inits all at once. */
		race->op = RACE_ROLE_INIT;
		__atomic_store_n(&race->hammer, 0, __ATOMIC_SEQ_CST);
		__atomic_store_n(&race->stepping, 0, __ATOMIC_SEQ_CST);
		__atomic_store_n(&race->stepped, 0, __ATOMIC_SEQ_CST);
		run_phase(_metadata, race, cd, sock, SESSIONS, seq, &bad,
			  error);
		EXPECT_EQ(RACERS, count_ret(race, 0) +
				  count_ret(race, -ENODATA));
		/* Each written STORE is taken by one init of its session. */
		for (s = 0; s < SESSIONS; s++) {
			inits[s] += count_inits(race, cd[s]);
			EXPECT_EQ(stored[s] == CLONEDEV_PED_E_NONE, inits[s]);
		}

		/* The co's credential: one written secret, the last init's. */
		logins = 0;
		for (s = 0; s < SESSIONS; s++) {
			if (stored[s] != CLONEDEV_PED_E_NONE)
				continue;
			ASSERT_EQ(0, read_files(self->dir, "co", 2,
						race->r[s].n, sh, NULL));
			if (!shares_log_in(chk, CLONEDEV_ROLE_CO, sh, 2)) {
				logins++;
				if (same)
					expect_old_refused(_metadata, chk,
							   last);
				memcpy(last, sh, sizeof(last));
			}
		}
		EXPECT_EQ(!!written, logins);
		/* Nothing written: the co is as it was. */
		if (!written)
			EXPECT_EQ(0, shares_log_in(chk, CLONEDEV_ROLE_CO, last,
						   2));
	}
	free(race);
	for (s = 0; s < SESSIONS; s++) {
		EXPECT_EQ(3, seq[s]);
		close(sock[s]);
	}
	EXPECT_EQ(0, bad);
	explicit_bzero(sh, sizeof(sh));
	explicit_bzero(last, sizeof(last));
}

#define CLOSER_ROUNDS	10
#define INITIATORS	8

/*
 * The channel ended under a worker's STORE and init: a closer ends it
 * (DISCONNECT, or the slot selected again) at a point of each round the
 * worker names, while initiators init the co with the round's quorum
 * from its STORED on.
 */
struct closer_race {
	FIXTURE_DATA(ped) * self;
	/* The next four: __atomic, between the test and its threads. */
	int done;
	int round;	/* the worker's, its quorum unique to it */
	int kick;	/* bumped: the closer acts */
	int open;	/* the round's STORED came: initiators init */
	int acted;
	int ok[CLOSER_ROUNDS];	/* inits that took round i's secret */
	int other, other_ret;	/* inits with another result */
};

static unsigned int round_m(int i)
{
	return 1 + i / 8;
}

static unsigned int round_n(int i)
{
	return 3 + i % 8;
}

static void *closer_run(void *arg)
{
	struct closer_race *cr = arg;
	struct clonedev_ped r;
	int seen = 0;

	while (!load(&cr->done)) {
		if (load(&cr->kick) == seen) {
			sched_yield();
			continue;
		}
		seen = load(&cr->kick);
		if (seen % 2)
			ped(cr->self->cd, CLONEDEV_PED_DISCONNECT, NULL, 0, NULL,
			    &r);
		else
			clonedev_slot_set(cr->self->cd, cr->self->part.slot);
		cr->acted++;
	}
	return NULL;
}

static void *initiator_run(void *arg)
{
	struct closer_race *cr = arg;
	int i, ret;

	while (!load(&cr->done)) {
		if (!load(&cr->open)) {
			sched_yield();
			continue;
		}
		i = load(&cr->round);
		ret = role_init_ped(cr->self->cd, CLONEDEV_ROLE_CO, round_m(i),
				    round_n(i));
		if (!ret) {
			__atomic_add_fetch(&cr->ok[i], 1, __ATOMIC_RELAXED);
		} else if (ret != -ENODATA && ret != -EINVAL &&
			   ret != -EACCES) {
			/* EINVAL: a stale round; EACCES: logged out. */
			cr->other++;
			cr->other_ret = ret;
		}
		sched_yield();
	}
	return NULL;
}

TEST_F_TIMEOUT(ped, channel_ended_under_stores_and_inits, PED_TIMEOUT)
{
	struct clonedev_share sh[CLOSER_ROUNDS][3];
	int stored[CLOSER_ROUNDS] = { 0 };
	struct relay rl = { .how = NONE };
	pthread_t closer, init[INITIATORS];
	int bad = 0, connected = 0, i, last = -1, ret, total = 0;
	struct closer_race cr = { .self = self };
	unsigned int seq = 1;
	struct clonedev_ped r;
	struct clonedev *chk;

	ASSERT_EQ(0, pthread_create(&closer, NULL, closer_run, &cr));
	for (i = 0; i < INITIATORS; i++)
		ASSERT_EQ(0, pthread_create(&init[i], NULL, initiator_run,
					    &cr));
	for (i = 0; i < CLOSER_ROUNDS; i++) {
		/* Where the closer acts: 0 nowhere, else before step N. */
		int at = i % 5;

		__atomic_store_n(&cr.open, 0, __ATOMIC_SEQ_CST);
		__atomic_store_n(&cr.round, i, __ATOMIC_SEQ_CST);
		if (!connected || ped(self->cd, CLONEDEV_PED_STATUS, NULL, 0,
				      NULL, &r) ||
		    r.state != CLONEDEV_PED_CONNECTED) {
			close(self->sock);
			self->sock = dial(self->port);
			ASSERT_LE(0, self->sock);
			seq = 1;
			connected = !handshake(self->cd, self->sock, &rl, &r) &&
				    r.state == CLONEDEV_PED_CONNECTED;
			if (!connected)
				continue;
		}
		if (session_role(_metadata, self->cd) != CLONEDEV_ROLE_PO &&
		    clonedev_login_shares(self->cd, CLONEDEV_ROLE_PO, self->po,
					  2))
			continue;
		__atomic_store_n(&cr.open, 0, __ATOMIC_SEQ_CST);
		unlink_files(self->dir, "co");
		if (at == 1)
			__atomic_add_fetch(&cr.kick, 1, __ATOMIC_SEQ_CST);
		ret = store_op(self->cd, CLONEDEV_PED_KIND_CO, NULL,
			       round_m(i), round_n(i), rl.m, &r);
		if (ret) {
			connected = 0;
			continue;
		}
		if (at == 2)
			__atomic_add_fetch(&cr.kick, 1, __ATOMIC_SEQ_CST);
		ret = relay_store(self->cd, self->sock, rl.m, r.out_len, &seq,
				  &bad, &r);
		if (ret || r.state != CLONEDEV_PED_CONNECTED ||
		    r.error != CLONEDEV_PED_E_NONE) {
			connected = 0;
			continue;
		}
		stored[i] = 1;
		ASSERT_EQ(0, read_files(self->dir, "co", round_m(i),
					round_n(i), sh[i], NULL));
		__atomic_store_n(&cr.open, 1, __ATOMIC_SEQ_CST);
		if (at == 3)
			__atomic_add_fetch(&cr.kick, 1, __ATOMIC_SEQ_CST);
		ret = role_init_ped(self->cd, CLONEDEV_ROLE_CO, round_m(i),
				    round_n(i));
		if (!ret)
			__atomic_add_fetch(&cr.ok[i], 1, __ATOMIC_RELAXED);
		if (at == 4)
			__atomic_add_fetch(&cr.kick, 1, __ATOMIC_SEQ_CST);
	}
	__atomic_store_n(&cr.done, 1, __ATOMIC_SEQ_CST);
	pthread_join(closer, NULL);
	for (i = 0; i < INITIATORS; i++)
		pthread_join(init[i], NULL);
	EXPECT_EQ(0, cr.other);
	if (cr.other)
		TH_LOG("an init returned %d", cr.other_ret);
	EXPECT_EQ(0, bad);
	EXPECT_LT(0, cr.acted);

	/* Each round's secret taken once at most, and only once stored. */
	for (i = 0; i < CLOSER_ROUNDS; i++) {
		EXPECT_GE(stored[i], cr.ok[i]);
		if (cr.ok[i])
			last = i;
		total += cr.ok[i];
	}
	ASSERT_LT(0, total);
	/* The co's credential is the last taken secret, none before it. */
	chk = other_session(_metadata, self);
	ASSERT_NE(NULL, chk);
	EXPECT_EQ(0, shares_log_in(chk, CLONEDEV_ROLE_CO, sh[last],
				   round_m(last)));
	for (i = 0; i < last; i++)
		if (cr.ok[i])
			EXPECT_NERR(EACCES, shares_log_in(chk,
							  CLONEDEV_ROLE_CO,
							  sh[i], round_m(i)));
	explicit_bzero(sh, sizeof(sh));
}

TEST_HARNESS_MAIN
