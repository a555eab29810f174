// SPDX-License-Identifier: GPL-2.0
/*
 * clonectl: "partition clone -slot N -objects H1,H2,...|all". The current
 * slot is the source; a second session logs in to the target with its co
 * credential; libclonedev relays the messages between the two kernels'
 * clone engines and reports each object's fate. The pieces "partition
 * archive" shares (clone.h) are here too.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "clone.h"
#include "commands.h"
#include "json.h"

static const char *status_text(unsigned int status)
{
	switch (status) {
	case CLONEDEV_CLONE_COPIED:
		return "copied";
	case CLONEDEV_CLONE_SKIPPED:
		return "skipped";
	case CLONEDEV_CLONE_REFUSED:
		return "refused";
	case CLONEDEV_CLONE_TOO_LARGE:
		return "too-large";
	}
	return "failed";
}

static void on_result(void *arg, const struct clonedev_clone *st)
{
	struct cli_clone_run *r = arg;
	unsigned int h = st->result_handle, t = st->result_target;
	struct cli_clone_outcome *more;

	more = realloc(r->done, (r->n_done + 1) * sizeof(*more));
	if (more) {
		r->done = more;
		r->done[r->n_done++] = (struct cli_clone_outcome){
			h, st->result_status, t };
	} else {
		r->lost = true;
	}
	if (cli_json(r->cli))
		return;
	if (r->progress)
		fputs("\r\033[K", stderr);
	switch (st->result_status) {
	case CLONEDEV_CLONE_COPIED:
		printf("Object %u: copied (target handle %u).\n", h, t);
		break;
	case CLONEDEV_CLONE_SKIPPED:
		printf("Object %u: skipped, the target holds it already (handle %u).\n",
		       h, t);
		break;
	case CLONEDEV_CLONE_REFUSED:
		printf("Object %u: refused: a cloning policy (0 for private keys, 4 for secret keys) or the role forbids it on one side.\n",
		       h);
		break;
	case CLONEDEV_CLONE_TOO_LARGE:
		printf("Object %u: failed: larger than the target's CPv1 object slot (data length out of range).\n",
		       h);
		break;
	default:
		printf("Object %u: failed: the target could not store it.\n",
		       h);
	}
	/* A status line is out as soon as the object's fate is known. */
	fflush(stdout);
	if (r->progress) {
		fprintf(stderr, "%u of %u objects done", st->copied +
			st->skipped + st->refused + st->failed, st->total);
		fflush(stderr);
	}
}

/* @src and @dst name the two sides: "slot 3", "the peer", ... */
static int clone_error(unsigned int error, const char *src, const char *dst)
{
	switch (error) {
	case CLONEDEV_CLONE_E_DOMAIN:
		return cli_error("cloning: %s and %s share no cloning domain, so nothing was cloned; give both the same domain ('partition domainadd', policy 44 for a second one).",
				 src, dst);
	case CLONEDEV_CLONE_E_FIPS:
		return cli_error("cloning: %s is in FIPS mode and %s is not; a FIPS partition never clones to a non-FIPS one.",
				 src, dst);
	case CLONEDEV_CLONE_E_PROTOCOL:
		return cli_error("cloning: %s and %s have no cloning protocol in common (protocol level, policy 42 forcing CPv1, FIPS mode refusing it, or no common cipher suite).",
				 src, dst);
	case CLONEDEV_CLONE_E_AUTH:
		return cli_error("cloning: the handshake or a message failed authentication: the domains differ (the same label with another secret), or a message was changed in transit; the clone stopped and nothing from that message was stored.");
	case CLONEDEV_CLONE_E_ROLE:
		return cli_error("cloning: a side's login ended during the clone; log in again and repeat it (objects already copied are skipped).");
	case CLONEDEV_CLONE_E_ABORTED:
		return cli_error("cloning: the other side aborted the clone.");
	case CLONEDEV_CLONE_E_UNEXPECTED:
		return cli_error("cloning: a message arrived out of order, malformed or from another clone; the clone stopped.");
	}
	return cli_error("cloning: the clone failed (%s error %u).",
			 error == CLONEDEV_CLONE_E_INTERNAL ? "internal" :
			 "protocol", error);
}

/* -EKEYREVOKED: @where is the partition (or "slot A or slot B"). */
static int clone_locked(const char *where)
{
	return cli_error("cloning: cloning on %s is locked after %u failed cloning handshakes (a peer with another domain under the same label, or messages changed in transit); a po login on that partition clears it.",
			 where, CLONEDEV_CLONE_FAILURES_MAX);
}

/* A local clone: either side may have refused; the ioctl does not say which. */
static int clone_locked_either(const char *src, const char *dst)
{
	char both[96];

	snprintf(both, sizeof(both), "%s or %s (whichever reached it)",
		 src, dst);
	return clone_locked(both);
}

/* Parses "all" (count 0) or "H1,H2,...". */
int cli_clone_parse_objects(const char *s, unsigned int **handles,
			    unsigned int *count)
{
	unsigned int n = 0, cap = 0, *h = NULL, *more;
	const char *p = s;
	char *end;

	*handles = NULL;
	*count = 0;
	if (!strcmp(s, "all"))
		return 0;
	for (;;) {
		unsigned long v;

		errno = 0;
		v = strtoul(p, &end, 10);
		if (end == p || errno || v == 0 || v > 0x7fffffff ||
		    (*end && *end != ',') || !isdigit((unsigned char)*p)) {
			free(h);
			return cli_error("-objects takes 'all' or handles H1,H2,... (numbers), not '%s'.",
					 s);
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			more = realloc(h, cap * sizeof(*h));
			if (!more) {
				free(h);
				return cli_error("out of memory.");
			}
			h = more;
		}
		h[n++] = v;
		if (!*end)
			break;
		p = end + 1;
	}
	*handles = h;
	*count = n;
	return 0;
}

/*
 * A second session on the target slot with its co logged in: a new one,
 * or without a credential given the one "ped connect -slot N" keeps for
 * it (*kept), whose co logs in through the PED server.
 */
int cli_clone_target(struct cli *cli, const struct command *cmd,
		     const struct cmd_args *args, unsigned int slot,
		     const char *who, struct clonedev **out, bool *kept)
{
	const char *files = cli_opt(cmd, args, "sharefiles");
	const char *dir = cli_opt(cmd, args, "sharedir");
	const char *pw = cli_opt(cmd, args, "password");
	char prompt[48];
	struct cli_ped *e = NULL;
	struct clonedev *t;
	int ret;

	snprintf(prompt, sizeof(prompt), "%s partition's co", who);
	if (!files && !dir && !pw)
		e = cli_ped_kept(cli, slot);
	*kept = !!e;
	if (e) {
		t = e->cd;
		ret = cli_login_any(cli, t, CLONEDEV_ROLE_CO, prompt, NULL,
				    NULL, NULL);
	} else {
		ret = clonedev_open(&t);
		if (ret)
			return cli_errno(cli, ret,
					 "opening a session for the target");
		ret = clonedev_slot_set(t, slot);
		if (ret == -ENODEV) {
			clonedev_close(t);
			return cli_error("there is no partition in slot %u; 'slot list' shows them.",
					 slot);
		}
		if (!ret)
			ret = cli_login_any(cli, t, CLONEDEV_ROLE_CO, prompt,
					    pw, files, dir);
	}
	if (ret) {
		if (!e)
			clonedev_close(t);
		if (ret == CLI_REPORTED)
			return -1;
		if (ret == -EACCES)
			return cli_error("cloning: the %s's co credential is wrong; this counts as a failed co login on slot %u.",
					 who, slot);
		if (ret == -EINVAL)
			return cli_error("cloning: slot %u authenticates its co %s.",
					 slot, files || dir ?
					 "with a password, not shares" :
					 "with shares; give -sharefiles or -sharedir");
		return cli_errno(cli, ret, "logging in to the target");
	}
	*out = t;
	return 0;
}

void cli_clone_verdict(struct cli *cli, const struct cli_clone_run *r,
		       const struct clonedev_clone *res)
{
	unsigned int failed = res->refused + res->failed;
	const char *suite = res->suite ? clonedev_suite_name(res->suite) :
			    NULL;

	if (cli_json(cli)) {
		struct json j;
		unsigned int i;

		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_str(&j, "protocol", clonedev_protocol_name(res->protocol));
		if (suite)
			json_str(&j, "suite", suite);
		json_uint(&j, "copied", res->copied);
		json_uint(&j, "skipped", res->skipped);
		json_uint(&j, "failed", failed);
		if (r->removed_what)
			json_uint(&j, r->removed_what, r->removed);
		json_arr_begin(&j, "objects");
		for (i = 0; i < r->n_done; i++) {
			json_obj_begin(&j, NULL);
			json_uint(&j, "handle", r->done[i].handle);
			json_str(&j, "status", status_text(r->done[i].status));
			if (r->done[i].target)
				json_uint(&j, "target_handle",
					  r->done[i].target);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_obj_end(&j);
		json_end(&j);
		return;
	}
	printf("Clone %s over %s%s%s%s: %u copied, %u skipped, %u failed",
	       failed ? "finished with failures" : "complete",
	       clonedev_protocol_name(res->protocol), suite ? " (" : "",
	       suite ? suite : "", suite ? ")" : "", res->copied,
	       res->skipped, failed);
	if (r->removed_what)
		printf(", %u %s", r->removed, r->removed_what);
	printf(".\n");
}

/* Runs "sh -c @command" with pipes to its standard input and output. */
static pid_t spawn(const char *command, int *to, int *from)
{
	int in[2], out[2];
	pid_t pid;

	if (pipe(in))
		return -1;
	if (pipe(out)) {
		close(in[0]);
		close(in[1]);
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execl("/bin/sh", "sh", "-c", command, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	if (pid < 0) {
		close(in[1]);
		close(out[0]);
		return -1;
	}
	*to = in[1];
	*from = out[0];
	return pid;
}

/* The clone with the target served by @command over a pipe. */
static int clone_to_peer(struct cli *cli, struct clonedev *cd,
			 const char *command, const unsigned int *handles,
			 unsigned int count,
			 const struct clonedev_clone_relay *relay,
			 struct clonedev_clone *res)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	int to, from, status, ret;
	pid_t pid;

	sigaction(SIGPIPE, &ign, &old);

	pid = spawn(command, &to, &from);
	if (pid < 0) {
		sigaction(SIGPIPE, &old, NULL);
		cli_errno(cli, -errno, "starting the peer");
		return CLI_REPORTED;
	}
	ret = clonedev_clone_pipe(cd, to, from, handles, count, relay, res);
	close(to);
	close(from);
	waitpid(pid, &status, 0);
	sigaction(SIGPIPE, &old, NULL);
	if (ret == -EPIPE) {
		cli_error("cloning: the peer '%s' ended the exchange (exit status %d) before the clone finished.",
			  command, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return CLI_REPORTED;
	}
	return ret;
}

/*
 * One sentence for a clone from slot @src to slot @dst (0: the peer)
 * that ended with @ret: -1, or CLI_REPORTED passed on as -1.
 */
static int clone_failed(struct cli *cli, int ret,
			const struct clonedev_clone *res, unsigned int src,
			unsigned int dst)
{
	char src_name[32], dst_name[32];

	snprintf(src_name, sizeof(src_name), "slot %u", src);
	snprintf(dst_name, sizeof(dst_name), "slot %u", dst);
	if (ret == CLI_REPORTED)
		return -1;
	if (ret == -EPROTO)
		return clone_error(res->error, src_name, dst ? dst_name :
				   "the peer");
	if (ret == -ENOENT)
		return cli_error("cloning: an object in -objects does not exist on slot %u; 'partition contents' lists them.",
				 src);
	if (ret == -EACCES)
		return cli_error("cloning: the login on slot %u ended; log in again as co.",
				 src);
	if (ret == -EKEYREVOKED && !dst)
		return clone_locked(src_name);
	if (ret == -EKEYREVOKED)
		return clone_locked_either(src_name, dst_name);
	return cli_errno(cli, ret, "cloning");
}

int cli_clone_local(struct cli_clone_run *run, struct clonedev *src,
		    unsigned int src_slot, struct clonedev *dst,
		    unsigned int dst_slot, const unsigned int *handles,
		    unsigned int count, struct clonedev_clone *res)
{
	struct clonedev_clone_relay relay = {
		.progress = on_result, .arg = run,
		.target_flags = run->target_flags,
	};
	int ret;

	run->progress = !cli_json(run->cli) && isatty(STDOUT_FILENO) &&
			isatty(STDERR_FILENO);
	ret = clonedev_clone(src, dst, handles, count, &relay, res);
	if (run->progress)
		fputs("\r\033[K", stderr);
	if (ret == -EPERM && (run->target_flags & CLONEDEV_CLONE_REPLACE))
		return cli_error("replacing: policy 28 (Allow key management functions) is off on slot %u, and a replacement destroys the object it replaces, so nothing was cloned; its po can turn it on with 'partition changepolicy -policy 28 -value 1', or leave out -replace.",
				 dst_slot);
	return ret ? clone_failed(run->cli, ret, res, src_slot, dst_slot) : 0;
}

int cmd_peer(struct cli *cli, const struct command *cmd,
	     const struct cmd_args *args)
{
	struct clonedev_clone res;
	char name[32];
	struct clonedev *t;
	unsigned int slot;
	bool kept;
	int ret;

	if (cli_slot_number(cli_opt(cmd, args, "slot"), &slot))
		return -1;
	if (!cli_opt(cmd, args, "password") &&
	    !cli_opt(cmd, args, "sharefiles") &&
	    !cli_opt(cmd, args, "sharedir"))
		return cli_error("peer: standard input carries the clone, so give the co credential with -password, -sharefiles or -sharedir.");
	if (cli_clone_target(cli, cmd, args, slot, "target", &t, &kept))
		return -1;
	ret = clonedev_clone_serve(t, STDIN_FILENO, STDOUT_FILENO, &res);
	clonedev_close(t);
	snprintf(name, sizeof(name), "slot %u", slot);
	if (ret == -EPROTO)
		return clone_error(res.error, "the source", name);
	if (ret == -EKEYREVOKED)
		return clone_locked(name);
	if (ret)
		return cli_errno(cli, ret, "serving the clone");
	fprintf(stderr, "clonectl peer: slot %u received %u objects over %s: %u copied, %u skipped, %u failed.\n",
		slot, res.total, clonedev_protocol_name(res.protocol),
		res.copied, res.skipped, res.refused + res.failed);
	return 0;
}

int cmd_partition_clone(struct cli *cli, const struct command *cmd,
			const struct cmd_args *args)
{
	struct cli_clone_run run = { .cli = cli };
	struct clonedev_clone_relay relay = { .progress = on_result,
					      .arg = &run };
	struct clonedev_session_info si;
	struct clonedev_clone res;
	struct clonedev *cd, *t = NULL;
	unsigned int slot, *handles, count;
	bool kept = false;
	int ret;

	const char *peer = cli_opt(cmd, args, "peer");

	if (!peer && !cli_opt(cmd, args, "slot"))
		return cli_error("give the target: -slot N (or -peer COMMAND).");
	if (cli_session(cli, &cd) ||
	    (!peer && cli_slot_number(cli_opt(cmd, args, "slot"), &slot)) ||
	    cli_clone_parse_objects(cli_opt(cmd, args, "objects"), &handles,
				    &count))
		return -1;
	if (peer)
		slot = 0;
	ret = clonedev_session_info(cd, &si);
	if (!ret && !si.slot)
		ret = cli_error("no source slot is selected; choose it with 'slot set -slot N' and log in as co.");
	else if (!ret && !peer && si.slot == slot)
		ret = cli_error("the target slot %u is the current slot; clone to another partition.",
				slot);
	else if (!ret && si.role != CLONEDEV_ROLE_CO &&
		 si.role != CLONEDEV_ROLE_CU)
		ret = cli_error("cloning needs the co (or, for public objects, the cu) logged in on the source slot %u.",
				si.slot);
	else if (ret)
		ret = cli_errno(cli, ret, "reading the session");
	if (!ret && !peer)
		ret = cli_clone_target(cli, cmd, args, slot, "target", &t,
				       &kept);
	if (ret) {
		free(handles);
		return -1;
	}
	/* Progress is for a person watching both outputs on a terminal. */
	run.progress = !cli_json(cli) && isatty(STDOUT_FILENO) &&
		       isatty(STDERR_FILENO);
	if (peer) {
		ret = clone_to_peer(cli, cd, peer, handles, count, &relay,
				    &res);
	} else {
		ret = clonedev_clone(cd, t, handles, count, &relay, &res);
		/* A kept session stays, for its connection, but not its login. */
		if (kept)
			clonedev_logout(t);
		else
			clonedev_close(t);
	}
	free(handles);
	if (run.progress)
		fputs("\r\033[K", stderr);
	if (ret)
		ret = clone_failed(cli, ret, &res, si.slot, peer ? 0 : slot);
	else
		cli_clone_verdict(cli, &run, &res);
	free(run.done);
	if (ret)
		return -1;
	return (res.refused + res.failed) ? -1 : 0;
}
