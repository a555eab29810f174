// SPDX-License-Identifier: GPL-2.0
/*
 * The clonedev side of selftests/crypto_xcheck.sh: one session that
 * selftests/crypto_xcheck.py drives over a pipe, a command a line, to
 * check CLONEDEV_IOCTL_CRYPT, _DERIVE, _WRAP and _UNWRAP against an
 * independent implementation. Values are hex, "-" for none. Each answer
 * is one line: "ok [VALUE...]" or "err ERRNO".
 *
 *   setup LABEL                  a new partition, policies 0=0 and 1=1 (so
 *                                private keys wrap), co logged in; ok SLOT
 *   import TYPE FLAGS VALUE      ok HANDLE
 *   genpair TYPE                 ok PRIVATE PUBLIC POINT
 *   genrsa BITS FLAGS            ok PRIVATE PUBLIC PUB_VALUE PRIV_VALUE,
 *                                the values both halves' public values
 *   crypt OP MECH HANDLE HASH PARAM IV AAD IN SIG [FLAGS]
 *                                PARAM: GCM tag length or PSS salt length;
 *                                FLAGS: struct clonedev_crypt's; ok OUT
 *   stream OP MECH HANDLE PARAM IV AAD INFILE OUTFILE SIZES
 *                                INFILE through a multi-part operation
 *                                (libclonedev's init, update, final),
 *                                the updates cycling through the sizes
 *                                of the comma-separated SIZES, the last
 *                                piece given to the final call; the
 *                                output to OUTFILE; ok OUT_LEN
 *   derive HANDLE POINT TYPE BITS
 *                                ok HANDLE
 *   wrap KEK HANDLE              ok WRAPPED
 *   unwrap KEK TYPE WRAPPED      ok HANDLE
 *   kcv HANDLE                   ok KCV
 *   delete                       deletes the partition
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#define CLONEDEV_TEST_NO_HARNESS
#include "clonedev_test_util.h"

#define LINE_MAX_LEN	(64 * 1024)
#define VALUE_MAX	(16 * 1024)
#define ARGS_MAX	12

#define PO "po-secret"
#define CO "co-secret"
#define CU "cu-secret"

struct tool {
	struct clonedev_nl *nl;
	struct clonedev *cd;
	unsigned int slot;
};

static void print_hex(const unsigned char *p, unsigned int len)
{
	unsigned int i;

	if (!len)
		putchar('-');
	for (i = 0; i < len; i++)
		printf("%02x", p[i]);
}

static unsigned int num(const char *s)
{
	return s ? (unsigned int)strtoul(s, NULL, 0) : 0;
}

static int setup(struct tool *t, const char *label)
{
	static const struct clonedev_policy_change wrapping[] = {
		{ CLONEDEV_POLICY_PRIVATE_CLONING, 0 },
		{ CLONEDEV_POLICY_PRIVATE_WRAPPING, 1 },
	};
	struct clonedev_slot s;
	int ret;

	ret = clonedev_nl_partition_create(t->nl, label, 0, 0, 0, &s);
	if (ret)
		return ret;
	t->slot = s.slot;
	ret = clonedev_open(&t->cd) ?:
	      clonedev_slot_set(t->cd, s.slot) ?:
	      clonedev_partition_init(t->cd, NULL, PO, "d", "dom") ?:
	      clonedev_login(t->cd, CLONEDEV_ROLE_PO, PO) ?:
	      clonedev_policy_set(t->cd, wrapping, 2, 1) ?:
	      clonedev_role_init(t->cd, CLONEDEV_ROLE_CO, CO) ?:
	      clonedev_login(t->cd, CLONEDEV_ROLE_CO, CO) ?:
	      clonedev_role_init(t->cd, CLONEDEV_ROLE_CU, CU);
	if (!ret)
		printf("ok %u\n", s.slot);
	return ret;
}

static int import(struct tool *t, char **arg, unsigned char *buf)
{
	int len = unhex(arg[2], buf, VALUE_MAX);
	unsigned int h;
	int ret;

	if (len < 0)
		return -EINVAL;
	ret = clonedev_object_import(t->cd, num(arg[0]), num(arg[1]), "xcheck",
				     NULL, 0, buf, (unsigned int)len, &h);
	if (!ret)
		printf("ok %u\n", h);
	return ret;
}

static int genpair(struct tool *t, char **arg)
{
	struct clonedev_object_attrs a;
	unsigned char point[CLONEDEV_EC_POINT_MAX];
	unsigned int h, pub, len = 0;
	int ret;

	ret = clonedev_object_generate_pair(t->cd, num(arg[0]), 0, "xcheck",
					    NULL, 0, &h, &pub) ?:
	      clonedev_object_get(t->cd, pub, &a, point, sizeof(point), &len);
	if (!ret) {
		printf("ok %u %u ", h, pub);
		print_hex(point, len);
		putchar('\n');
	}
	return ret;
}

static int genrsa(struct tool *t, char **arg, unsigned char *buf)
{
	unsigned int h, pub, len = 0, plen = 0;
	int ret;

	ret = clonedev_object_generate_keypair(t->cd, CLONEDEV_KEY_RSA,
					       num(arg[0]), num(arg[1]),
					       "xcheck", NULL, 0, &h, &pub) ?:
	      clonedev_object_public(t->cd, pub, buf, VALUE_MAX, &len) ?:
	      clonedev_object_public(t->cd, h, buf + VALUE_MAX, VALUE_MAX,
				     &plen);
	if (!ret) {
		printf("ok %u %u ", h, pub);
		print_hex(buf, len);
		putchar(' ');
		print_hex(buf + VALUE_MAX, plen);
		putchar('\n');
	}
	return ret;
}

/* crypt OP MECH HANDLE HASH PARAM IV AAD IN SIG [FLAGS] */
static int crypt_cmd(struct tool *t, char **arg, unsigned char *buf)
{
	struct clonedev_crypt c = { .size = sizeof(c) };
	unsigned char *aad = buf, *in = buf + VALUE_MAX;
	unsigned char *sig = buf + 2 * VALUE_MAX, *out = buf + 3 * VALUE_MAX;
	int ivlen, aadlen, inlen, siglen, ret;

	c.op = num(arg[0]);
	c.mech = num(arg[1]);
	c.handle = num(arg[2]);
	c.hash = num(arg[3]);
	c.flags = num(arg[9]);
	if (c.mech == CLONEDEV_MECH_AES_GCM)
		c.tag_len = num(arg[4]);
	else
		c.salt_len = num(arg[4]);
	ivlen = unhex(arg[5], c.iv, sizeof(c.iv));
	aadlen = unhex(arg[6], aad, VALUE_MAX);
	inlen = unhex(arg[7], in, VALUE_MAX);
	siglen = unhex(arg[8], sig, VALUE_MAX);
	if (ivlen < 0 || aadlen < 0 || inlen < 0 || siglen < 0)
		return -EINVAL;
	c.iv_len = ivlen;
	c.aad = (uintptr_t)aad;
	c.aad_len = aadlen;
	c.in = (uintptr_t)in;
	c.in_len = inlen;
	c.sig = (uintptr_t)sig;
	c.sig_len = siglen;
	c.out = (uintptr_t)out;
	c.out_cap = VALUE_MAX;
	ret = xioctl(t->cd, CLONEDEV_IOCTL_CRYPT, &c);
	if (!ret) {
		printf("ok ");
		print_hex(out, c.out_len);
		putchar('\n');
	}
	return ret;
}

/* A whole file into a new buffer; NULL on failure. */
static unsigned char *read_file(const char *path, size_t *len)
{
	unsigned char *buf;
	struct stat st;
	FILE *f = fopen(path, "rb");

	if (!f)
		return NULL;
	buf = fstat(fileno(f), &st) ? NULL : malloc(st.st_size + 1);
	if (buf && fread(buf, 1, st.st_size, f) != (size_t)st.st_size) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = st.st_size;
	return buf;
}

/* stream OP MECH HANDLE PARAM IV AAD INFILE OUTFILE SIZES */
static int stream(struct tool *t, char **arg, unsigned char *buf)
{
	struct clonedev_crypt_params p = { .mech = num(arg[1]) };
	unsigned int sizes[16], n_sizes = 0, i = 0;
	size_t len, done = 0, got = 0, cap, n, out_len;
	unsigned char *in, *out = NULL;
	char *s, *save = NULL;
	int ivlen, aadlen, ret;
	FILE *f;

	ivlen = unhex(arg[4], p.iv, sizeof(p.iv));
	aadlen = unhex(arg[5], buf, VALUE_MAX);
	for (s = strtok_r(arg[8], ",", &save); s && n_sizes < 16;
	     s = strtok_r(NULL, ",", &save))
		sizes[n_sizes++] = num(s);
	if (ivlen < 0 || aadlen < 0 || !n_sizes)
		return -EINVAL;
	p.iv_len = ivlen;
	p.aad = buf;
	p.aad_len = aadlen;
	p.tag_len = num(arg[3]);
	in = read_file(arg[6], &len);
	if (!in)
		return -EIO;
	cap = len + 64;
	out = malloc(cap);
	ret = out ? clonedev_crypt_init(t->cd, num(arg[0]), num(arg[2]), &p) :
		    -ENOMEM;
	while (!ret) {
		n = sizes[i++ % n_sizes];
		if (n >= len - done)
			break;
		ret = clonedev_crypt_update(t->cd, in + done, n, out + got,
					    cap - got, &out_len);
		done += n;
		got += out_len;
	}
	if (!ret)
		ret = clonedev_crypt_final(t->cd, in + done, len - done,
					   out + got, cap - got, &out_len);
	if (!ret) {
		got += out_len;
		f = fopen(arg[7], "wb");
		if (!f || fwrite(out, 1, got, f) != got)
			ret = -EIO;
		if (f && fclose(f))
			ret = -EIO;
	}
	if (ret)
		clonedev_crypt_abort(t->cd);
	else
		printf("ok %zu\n", got);
	free(in);
	free(out);
	return ret;
}

static int derive(struct tool *t, char **arg)
{
	struct clonedev_derive d = { .size = sizeof(d) };
	int len = unhex(arg[1], d.peer, sizeof(d.peer));
	int ret;

	if (len < 0)
		return -EINVAL;
	d.mech = CLONEDEV_MECH_ECDH;
	d.handle = num(arg[0]);
	d.peer_len = len;
	d.key_type = num(arg[2]);
	d.bits = num(arg[3]);
	strcpy(d.label, "xcheck");
	ret = xioctl(t->cd, CLONEDEV_IOCTL_DERIVE, &d);
	if (!ret)
		printf("ok %u\n", d.new_handle);
	return ret;
}

static int wrap(struct tool *t, char **arg, unsigned char *buf)
{
	struct clonedev_wrap w = { .size = sizeof(w) };
	int ret;

	w.mech = CLONEDEV_MECH_AES_KWP;
	w.wrapping_handle = num(arg[0]);
	w.handle = num(arg[1]);
	w.out = (uintptr_t)buf;
	w.out_cap = VALUE_MAX;
	ret = xioctl(t->cd, CLONEDEV_IOCTL_WRAP, &w);
	if (!ret) {
		printf("ok ");
		print_hex(buf, w.out_len);
		putchar('\n');
	}
	return ret;
}

static int unwrap(struct tool *t, char **arg, unsigned char *buf)
{
	struct clonedev_unwrap u = { .size = sizeof(u) };
	int len = unhex(arg[2], buf, VALUE_MAX);
	int ret;

	if (len < 0)
		return -EINVAL;
	u.mech = CLONEDEV_MECH_AES_KWP;
	u.unwrapping_handle = num(arg[0]);
	u.key_type = num(arg[1]);
	u.in = (uintptr_t)buf;
	u.in_len = len;
	strcpy(u.label, "xcheck");
	ret = xioctl(t->cd, CLONEDEV_IOCTL_UNWRAP, &u);
	if (!ret)
		printf("ok %u\n", u.new_handle);
	return ret;
}

static int kcv(struct tool *t, char **arg)
{
	struct clonedev_object_attrs a;
	unsigned int len = 0;
	int ret;

	ret = clonedev_object_get(t->cd, num(arg[0]), &a, NULL, 0, &len);
	if (!ret) {
		printf("ok ");
		print_hex(a.kcv, CLONEDEV_KCV_LEN);
		putchar('\n');
	}
	return ret;
}

static int run(struct tool *t, char *line, unsigned char *buf)
{
	char *arg[ARGS_MAX] = { NULL }, *cmd, *save = NULL;
	unsigned int n = 0;

	cmd = strtok_r(line, " \t\n", &save);
	if (!cmd)
		return -EINVAL;
	while (n < ARGS_MAX && (arg[n] = strtok_r(NULL, " \t\n", &save)))
		n++;
	if (!strcmp(cmd, "setup") && n == 1)
		return setup(t, arg[0]);
	if (!t->cd)
		return -ENODEV;
	if (!strcmp(cmd, "import") && n == 3)
		return import(t, arg, buf);
	if (!strcmp(cmd, "genpair") && n == 1)
		return genpair(t, arg);
	if (!strcmp(cmd, "genrsa") && n == 2)
		return genrsa(t, arg, buf);
	if (!strcmp(cmd, "crypt") && (n == 9 || n == 10))
		return crypt_cmd(t, arg, buf);
	if (!strcmp(cmd, "stream") && n == 9)
		return stream(t, arg, buf);
	if (!strcmp(cmd, "derive") && n == 4)
		return derive(t, arg);
	if (!strcmp(cmd, "wrap") && n == 2)
		return wrap(t, arg, buf);
	if (!strcmp(cmd, "unwrap") && n == 3)
		return unwrap(t, arg, buf);
	if (!strcmp(cmd, "kcv") && n == 1)
		return kcv(t, arg);
	if (!strcmp(cmd, "delete") && n == 0) {
		clonedev_close(t->cd);
		t->cd = NULL;
		return clonedev_nl_partition_delete(t->nl, t->slot) ?:
		       (printf("ok\n"), 0);
	}
	return -EINVAL;
}

int main(void)
{
	struct tool t = { 0 };
	unsigned char *buf = malloc(4 * VALUE_MAX);
	char *line = malloc(LINE_MAX_LEN);
	int ret;

	if (!buf || !line || clonedev_nl_open(&t.nl)) {
		fprintf(stderr, "crypto_xcheck_tool: cannot start\n");
		return 1;
	}
	while (fgets(line, LINE_MAX_LEN, stdin)) {
		ret = run(&t, line, buf);
		if (ret)
			printf("err %d\n", -ret);
		fflush(stdout);
	}
	if (t.cd)
		clonedev_close(t.cd);
	clonedev_nl_close(t.nl);
	free(line);
	free(buf);
	return 0;
}
