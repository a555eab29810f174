// SPDX-License-Identifier: GPL-2.0
/*
 * clonectl: "object encrypt|decrypt|sign|verify|derive|wrap|unwrap", the
 * key-use commands for scripts (CLONEDEV_IOCTL_CRYPT, _DERIVE, _WRAP and
 * _UNWRAP through libclonedev). Data streams through in 64 KiB pieces; a
 * key's value never reaches the tool.
 *
 * Output files hold exactly the result: ciphertext (with the AES-GCM tag
 * at its end), plaintext, a signature or a wrapped key. A generated IV is
 * written as hex to -ivout FILE, or else printed on standard error as
 * "iv: HEX".
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "json.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define CHUNK		(64 * 1024)
#define SLACK		32	/* output beyond input: a CBC pad block and a tag */
#define PEER_FILE_MAX	4096

/* What a mechanism does, and which options it takes. */
#define M_CIPHER	0x01	/* encrypt and decrypt */
#define M_DECRYPT	0x02	/* decrypt only */
#define M_SIGN		0x04	/* sign and verify */
#define M_DERIVE	0x08
#define M_WRAP		0x10
#define M_HASH		0x20	/* takes -hash */
#define M_IV		0x40	/* takes an IV */
#define M_PAIR		0x80	/* a private key; verifies with either half */

struct mech_info {
	const char *name;
	unsigned int mech;
	unsigned int what;
};

static const struct mech_info mechs[] = {
	{ "gcm", CLONEDEV_MECH_AES_GCM, M_CIPHER | M_IV },
	{ "cbc", CLONEDEV_MECH_AES_CBC_PAD, M_CIPHER | M_IV },
	{ "ctr", CLONEDEV_MECH_AES_CTR, M_CIPHER | M_IV },
	{ "hmac", CLONEDEV_MECH_HMAC, M_SIGN | M_HASH },
	{ "cmac", CLONEDEV_MECH_AES_CMAC, M_SIGN },
	{ "ecdsa", CLONEDEV_MECH_ECDSA, M_SIGN | M_HASH | M_PAIR },
	{ "rsa-pkcs", CLONEDEV_MECH_RSA_PKCS, M_SIGN | M_HASH | M_PAIR },
	{ "rsa-pss", CLONEDEV_MECH_RSA_PSS, M_SIGN | M_HASH | M_PAIR },
	{ "rsa-oaep", CLONEDEV_MECH_RSA_OAEP, M_DECRYPT | M_HASH | M_PAIR },
	{ "ecdh", CLONEDEV_MECH_ECDH, M_DERIVE },
	{ "kwp", CLONEDEV_MECH_AES_KWP, M_WRAP },
};

/* What one command is doing, for its error sentences. */
struct job {
	unsigned int op;	/* enum clonedev_crypt_op; 0 for key management */
	const char *what;	/* "encrypting", ... */
	const char *verb;	/* "encrypt", ... */
	const struct mech_info *m;
	unsigned int handle;
	bool final;		/* the error came from the end of the data */
};

static const struct mech_info *mech_of(const char *name, unsigned int need,
				       const char *cmd, const char *choices)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(mechs); i++)
		if (!strcmp(mechs[i].name, name)) {
			if (!(mechs[i].what & need))
				break;
			return &mechs[i];
		}
	cli_error("'object %s' takes -mech %s, not '%s'.", cmd, choices, name);
	return NULL;
}

static int crypto_error(struct cli *cli, int err, const struct job *j)
{
	bool keymgmt = !j->op;

	switch (-err) {
	case EACCES:
		if (keymgmt)
			return cli_error("%s: the co must be logged in; give -role co -password PW, or log in with 'role login -name co'.",
					 j->what);
		return cli_error("%s: the co or cu must be logged in (the cu uses only keys it may see); give -password PW (and -role), or log in with 'role login'.",
				 j->what);
	case EPERM:
		if (j->op)
			return cli_error("%s: the key may not be used to %s (it lacks that usage flag).",
					 j->what, j->verb);
		if (j->m->mech == CLONEDEV_MECH_AES_KWP && !strcmp(j->verb, "wrap"))
			return cli_error("%s: the wrapping key may not wrap, the key is not extractable, or policy 5 (secret keys) or 1 (private keys) forbids wrapping it.",
					 j->what);
		return cli_error("%s: the key may not be used to %s, or policy 28 (Allow key management functions) is off.",
				 j->what, j->verb);
	case ENOENT:
		return cli_error("%s: there is no object with handle %u; 'partition contents' lists them.",
				 j->what, j->handle);
	case ENODEV:
		return cli_error("%s: no slot is selected; give -slot N, or choose one with 'slot set -slot N'.",
				 j->what);
	case EOPNOTSUPP:
		if (j->m->mech == CLONEDEV_MECH_ECDH)
			return cli_error("%s: the key is not an EC private key.",
					 j->what);
		if (j->m->mech == CLONEDEV_MECH_AES_KWP)
			return cli_error("%s: the wrapping key must be an AES key, and the key a secret or private key.",
					 j->what);
		return cli_error("%s: a key of this type does not %s with -mech %s.",
				 j->what, j->verb, j->m->name);
	case EBADMSG:
		if (j->op == CLONEDEV_CRYPT_VERIFY)
			return cli_error("Signature does not verify.");
		if (j->op == CLONEDEV_CRYPT_DECRYPT)
			return cli_error("%s: the data does not authenticate (a wrong key, IV, AAD or tag length, or altered data); no plaintext was given out.",
					 j->what);
		return cli_error("%s: the wrapped key does not check out under this key (a wrong key, or altered data).",
				 j->what);
	case EMSGSIZE:
		if (j->m->mech == CLONEDEV_MECH_AES_GCM)
			return cli_error("%s: the input is too long; one AES-GCM decryption gives at most 4 GiB - 1 bytes, and an encryption takes at most 64 GiB - 32.",
					 j->what);
		if (j->m->mech == CLONEDEV_MECH_AES_KWP)
			return cli_error("%s: the wrapped key would be longer than 4096 bytes.",
					 j->what);
		return cli_error("%s: the input is too long for -mech %s (one block, or one digest with -hash none).",
				 j->what, j->m->name);
	case EINVAL:
		if (j->op == CLONEDEV_CRYPT_DECRYPT && j->final &&
		    j->m->mech == CLONEDEV_MECH_AES_CBC_PAD)
			return cli_error("%s: the padding is wrong (a wrong key or IV, or damaged data).",
					 j->what);
		if (j->m->mech == CLONEDEV_MECH_ECDH)
			return cli_error("%s: the HSM refused the request; the peer's point must lie on the key's curve, -bits be 128, 192 or 256 for aes or whole bytes up to the curve's size for generic, and -newlabel up to 32 characters.",
					 j->what);
		if (!j->op)
			return cli_error("%s: the HSM refused the key; a wrapped key is 16 to 4096 bytes (a multiple of 8) of the -keytype given, and -newlabel up to 32 characters.",
					 j->what);
		return cli_error("%s: the HSM refused the parameters; an IV is 12 bytes for gcm and 16 for cbc and ctr, -taglen 12 to 16, -saltlen at most the hash's size, and -hash none signs a digest.",
				 j->what);
	}
	return cli_errno(cli, err, j->what);
}

/* Parses up to @max bytes of hex; *len gets the count. */
int cli_parse_hex(const char *opt, const char *hex, unsigned char *out,
		  size_t max, size_t *len)
{
	size_t n = strlen(hex), i;

	if (n % 2 || n / 2 > max)
		return cli_error("-%s takes up to %zu bytes as an even number of hex digits.",
				 opt, max);
	for (i = 0; i < n; i += 2) {
		char byte[3] = { hex[i], hex[i + 1], 0 };

		if (!isxdigit((unsigned char)byte[0]) ||
		    !isxdigit((unsigned char)byte[1]))
			return cli_error("-%s takes hex digits; '%s' is not hex.",
					 opt, hex);
		out[i / 2] = (unsigned char)strtoul(byte, NULL, 16);
	}
	*len = n / 2;
	return 0;
}

static void to_hex(const unsigned char *b, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
	out[2 * n] = '\0';
}

int cli_uint_opt(const char *opt, const char *s, unsigned int lo,
		 unsigned int hi, unsigned int *v)
{
	char *end;
	unsigned long n;

	n = strtoul(s, &end, 10);
	if (!isdigit((unsigned char)*s) || *end || n < lo || n > hi)
		return cli_error("-%s takes a number from %u to %u, not '%s'.",
				 opt, lo, hi, s);
	*v = (unsigned int)n;
	return 0;
}

/*
 * Opens the session for a key-use command: -slot, then a login as -role
 * (default @role) when -password, -sharefiles, -sharedir or -role is
 * given; without them the session's login (the shell's 'role login') is
 * used.
 */
static int session_for(struct cli *cli, const struct command *cmd,
		       const struct cmd_args *args, unsigned int role,
		       bool data_on_stdin, struct clonedev **cd)
{
	const char *role_s = cli_opt(cmd, args, "role");
	const char *pw = cli_opt(cmd, args, "password");
	const char *files = cli_opt(cmd, args, "sharefiles");
	const char *dir = cli_opt(cmd, args, "sharedir");
	bool shares = files || dir;
	int ret;

	if (role_s) {
		role = clonedev_role_value(role_s);
		if (role != CLONEDEV_ROLE_CO && role != CLONEDEV_ROLE_CU)
			return cli_error("-role must be co or cu, not '%s'.",
					 role_s);
	}
	if (pw && shares)
		return cli_error("log in with -password or with share files, not both.");
	if (files && dir)
		return cli_error("give -sharefiles or -sharedir, not both.");
	if (!pw && !shares && role_s && data_on_stdin &&
	    !isatty(STDIN_FILENO))
		return cli_error("give -password or share files with -role: standard input carries the data.");
	if (cli_session_slot(cli, cmd, args, cd))
		return -1;
	if (!pw && !shares && !role_s)
		return 0;
	ret = cli_login_any(cli, *cd, role, clonedev_role_name(role), pw,
			    files, dir);
	if (ret == CLI_REPORTED)
		return -1;
	if (ret == -EINVAL && !shares)
		return cli_error("logging in: this is a quorum partition; log in with -sharefiles F1,F2,... or -sharedir DIR.");
	if (ret)
		return cli_login_error(cli, ret, role);
	return 0;
}

/*
 * The key named by -handle, or by -label: the one object with that label
 * of the first class in @classes (0-terminated) that has one.
 */
static int key_of(struct cli *cli, struct clonedev *cd, const char *handle_s,
		  const char *label, const unsigned int *classes,
		  const char *opt, unsigned int *h)
{
	int ret = -ENOENT;

	if (handle_s && label)
		return cli_error("name the key with -%s or -label, not both.",
				 opt);
	if (handle_s)
		return cli_handle(handle_s, h);
	if (!label)
		return cli_error("name the key with -%s H or -label L.", opt);
	for (; *classes && ret == -ENOENT; classes++)
		ret = clonedev_find_key(cd, label, NULL, 0, *classes, h);
	switch (-ret) {
	case 0:
		return 0;
	case ENOENT:
		return cli_error("no key has the label '%s'; 'partition contents' lists the objects.",
				 label);
	case ENOTUNIQ:
		return cli_error("more than one key has the label '%s'; name it with -%s.",
				 label, opt);
	case EACCES:
		return cli_error("finding the key '%s': the co or cu must be logged in; give -password PW (and -role), or log in with 'role login'.",
				 label);
	case EINVAL:
		return cli_error("finding the key: a label is up to 32 printable characters.");
	}
	return cli_errno(cli, ret, "finding the key");
}

/* -wrapping and -unwrapping: a handle, or else a label. */
static int key_arg(struct cli *cli, struct clonedev *cd, const char *s,
		   const unsigned int *classes, const char *opt,
		   unsigned int *h)
{
	bool num = *s && strspn(s, "0123456789") == strlen(s);

	return num ? cli_handle(s, h) :
		     key_of(cli, cd, NULL, s, classes, opt, h);
}

/* ---- files ---- */

struct stream {
	int in;			/* input descriptor */
	int out;		/* output descriptor, -1 for none */
	const char *out_path;	/* a file this command created, or NULL */
	bool secret;		/* the output is plaintext: wipe buffers */
};

static int open_in(struct cli *cli, const char *path, const char *opt,
		   int *fd)
{
	if (!path) {
		if (cli->shell)
			return cli_error("in the shell, give -%s FILE: standard input carries the commands.",
					 opt);
		*fd = STDIN_FILENO;
		return 0;
	}
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return cli_error("cannot read '%s': %s.", path, strerror(errno));
	return 0;
}

static int open_out(const char *path, bool secret, int *fd)
{
	if (!path) {
		fflush(stdout);
		*fd = STDOUT_FILENO;
		return 0;
	}
	*fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		   secret ? 0600 : 0666);
	if (*fd < 0)
		return cli_error("cannot write '%s': %s.", path,
				 strerror(errno));
	return 0;
}

static void close_stream(struct stream *st, bool failed)
{
	if (st->in > STDIN_FILENO)
		close(st->in);
	if (st->out > STDOUT_FILENO && close(st->out) && !failed)
		cli_error("cannot write '%s': %s.", st->out_path,
			  strerror(errno));
	if (failed && st->out_path)
		unlink(st->out_path);
}

/* Reads until @cap bytes or the end of the input; returns the count. */
static ssize_t read_full(int fd, unsigned char *buf, size_t cap)
{
	size_t n = 0;

	while (n < cap) {
		ssize_t r = read(fd, buf + n, cap - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (!r)
			break;
		n += (size_t)r;
	}
	return (ssize_t)n;
}

static int write_all(const struct stream *st, const unsigned char *buf,
		     size_t len)
{
	while (len) {
		ssize_t w = write(st->out, buf, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return cli_error("cannot write %s: %s.",
					 st->out_path ? st->out_path :
					 "the output", strerror(errno));
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

static int read_error(const char *path, ssize_t err)
{
	return cli_error("cannot read %s: %s.", path ? path : "the input",
			 strerror((int)-err));
}

/* Reads a whole small file (up to @cap bytes) into @buf. */
static int slurp(const char *path, const char *opt, unsigned char *buf,
		 size_t cap, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return cli_error("cannot read '%s': %s.", path,
				 strerror(errno));
	n = read_full(fd, buf, cap + 1);
	close(fd);
	if (n < 0)
		return read_error(path, n);
	if ((size_t)n > cap)
		return cli_error("-%s: '%s' is longer than %zu bytes.", opt,
				 path, cap);
	*len = (size_t)n;
	return 0;
}

/* ---- encrypt, decrypt, sign, verify ---- */

/* Room of at least @need bytes in *buf (wiped before it moves). */
static int grow(unsigned char **buf, size_t *cap, size_t need)
{
	unsigned char *n;

	if (need <= *cap)
		return 0;
	n = malloc(need);
	if (!n)
		return cli_error("out of memory (%zu bytes).", need);
	if (*buf) {
		explicit_bzero(*buf, *cap);
		free(*buf);
	}
	*buf = n;
	*cap = need;
	return 0;
}

/* The one-call form, for input that fits in one piece. */
static int crypt_once(struct clonedev *cd, const struct job *j,
		      struct clonedev_crypt_params *p, const unsigned char *in,
		      size_t len, unsigned char *out, size_t cap,
		      size_t *out_len, const unsigned char *sig, size_t sig_len)
{
	switch (j->op) {
	case CLONEDEV_CRYPT_ENCRYPT:
		return clonedev_encrypt(cd, j->handle, p, in, len, out, cap,
					out_len);
	case CLONEDEV_CRYPT_DECRYPT:
		return clonedev_decrypt(cd, j->handle, p, in, len, out, cap,
					out_len);
	case CLONEDEV_CRYPT_SIGN:
		return clonedev_sign(cd, j->handle, p, in, len, out, cap,
				     out_len);
	}
	*out_len = 0;
	return clonedev_verify(cd, j->handle, p, in, len, sig, sig_len);
}

/*
 * Streams the input through the key: one call for input under 64 KiB,
 * else init, an update per 64 KiB and final. Cipher output and a
 * signature go to st->out; @sig is the signature to check when verifying.
 * Returns 0 or -1 (reported).
 */
static int run_crypt(struct cli *cli, struct clonedev *cd, struct job *j,
		     struct clonedev_crypt_params *p, struct stream *st,
		     const unsigned char *sig, size_t sig_len)
{
	bool cipher = j->op == CLONEDEV_CRYPT_ENCRYPT ||
		      j->op == CLONEDEV_CRYPT_DECRYPT;
	unsigned long long in_total = 0, out_total = 0;
	unsigned char *in, *out = NULL;
	size_t out_cap = 0, out_len = 0;
	int err = 0, ret = -1;
	ssize_t n;

	in = malloc(CHUNK);
	if (!in)
		return cli_error("out of memory.");
	if (grow(&out, &out_cap, cipher ? CHUNK + SLACK : CLONEDEV_SIG_MAX))
		goto out;
	n = read_full(st->in, in, CHUNK);
	if (n < 0) {
		read_error(NULL, n);
		goto out;
	}
	if (n < CHUNK) {
		j->final = true;
		err = crypt_once(cd, j, p, in, (size_t)n, out, out_cap,
				 &out_len, sig, sig_len);
		if (!err)
			ret = write_all(st, out, out_len);
		goto out;
	}
	err = clonedev_crypt_init(cd, j->op, j->handle, p);
	if (err)
		goto out;
	while (n > 0) {
		in_total += (unsigned long long)n;
		err = clonedev_crypt_update(cd, in, (size_t)n,
					    cipher ? out : NULL,
					    cipher ? out_cap : 0, &out_len);
		if (err || write_all(st, out, out_len))
			goto abort;
		out_total += out_len;
		n = read_full(st->in, in, CHUNK);
	}
	if (n < 0) {
		read_error(NULL, n);
		goto abort;
	}
	j->final = true;
	if (j->op == CLONEDEV_CRYPT_VERIFY) {
		err = clonedev_verify_final(cd, NULL, 0, sig, sig_len);
		ret = err ? -1 : 0;
		goto out;
	}
	/* Room for what the kernel still holds (all of an AES-GCM one's). */
	if (cipher && grow(&out, &out_cap, in_total - out_total + SLACK))
		goto abort;
	err = clonedev_crypt_final(cd, NULL, 0, out, out_cap, &out_len);
	if (err == -EMSGSIZE && out_len > out_cap) {
		if (grow(&out, &out_cap, out_len))
			goto abort;
		err = clonedev_crypt_final(cd, NULL, 0, out, out_cap,
					   &out_len);
	}
	if (!err)
		ret = write_all(st, out, out_len);
	goto out;
abort:
	clonedev_crypt_abort(cd);
out:
	if (err)
		crypto_error(cli, err, j);
	explicit_bzero(in, CHUNK);
	free(in);
	if (out)
		explicit_bzero(out, out_cap);
	free(out);
	return ret;
}

static const struct {
	const char *name;
	unsigned int hash;
	unsigned int len;
} hashes[] = {
	{ "sha256", CLONEDEV_HASH_SHA256, 32 },
	{ "sha384", CLONEDEV_HASH_SHA384, 48 },
	{ "sha512", CLONEDEV_HASH_SHA512, 64 },
	{ "none", CLONEDEV_HASH_NONE, 0 },
};

static int hash_of(const char *name, const struct mech_info *m,
		   unsigned int *hash, unsigned int *len)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(hashes); i++)
		if (!strcmp(name, hashes[i].name) &&
		    (hashes[i].len || m->mech == CLONEDEV_MECH_ECDSA)) {
			*hash = hashes[i].hash;
			*len = hashes[i].len;
			return 0;
		}
	return cli_error("-hash takes sha256, sha384 or sha512 (and none for ecdsa over a digest), not '%s'.",
			 name);
}

/* -hash, -iv, -aad/-aadfile, -taglen and -saltlen into @p. */
static int crypt_params(const struct command *cmd, const struct cmd_args *args,
			const struct job *j, struct clonedev_crypt_params *p,
			unsigned char **aad)
{
	const char *hash = cli_opt(cmd, args, "hash");
	const char *iv = cli_opt(cmd, args, "iv");
	const char *aad_hex = cli_opt(cmd, args, "aad");
	const char *aad_file = cli_opt(cmd, args, "aadfile");
	const char *tag = cli_opt(cmd, args, "taglen");
	const char *salt = cli_opt(cmd, args, "saltlen");
	unsigned int what = j->m->what, hash_len = 32;
	bool gcm = j->m->mech == CLONEDEV_MECH_AES_GCM;
	size_t len;

	memset(p, 0, sizeof(*p));
	p->mech = j->m->mech;
	if (hash && !(what & M_HASH))
		return cli_error("-hash goes with -mech hmac, ecdsa, rsa-pkcs, rsa-pss and rsa-oaep, not %s.",
				 j->m->name);
	if (what & M_HASH) {
		p->hash = CLONEDEV_HASH_SHA256;
		if (hash && hash_of(hash, j->m, &p->hash, &hash_len))
			return -1;
	}
	if (iv && !(what & M_IV))
		return cli_error("-iv goes with -mech gcm, cbc and ctr, not %s.",
				 j->m->name);
	if (iv) {
		if (cli_parse_hex("iv", iv, p->iv, CLONEDEV_IV_MAX, &len))
			return -1;
		p->iv_len = (unsigned int)len;
	} else if ((what & M_IV) && j->op == CLONEDEV_CRYPT_DECRYPT) {
		return cli_error("decrypting with -mech %s needs the IV the encryption used: give -iv HEX.",
				 j->m->name);
	} else if (what & M_IV) {
		p->flags = CLONEDEV_CRYPT_GEN_IV;
	}
	if ((aad_hex || aad_file || tag) && !gcm)
		return cli_error("-aad, -aadfile and -taglen go with -mech gcm only.");
	if (aad_hex && aad_file)
		return cli_error("give the AAD with -aad or -aadfile, not both.");
	if (aad_hex || aad_file) {
		*aad = malloc(CLONEDEV_CRYPT_MAX + 1);
		if (!*aad)
			return cli_error("out of memory.");
		if (aad_hex ? cli_parse_hex("aad", aad_hex, *aad,
					    CLONEDEV_CRYPT_MAX, &len) :
		    slurp(aad_file, "aadfile", *aad, CLONEDEV_CRYPT_MAX, &len))
			return -1;
		p->aad = *aad;
		p->aad_len = (unsigned int)len;
	}
	if (tag && cli_uint_opt("taglen", tag, 12, 16, &p->tag_len))
		return -1;
	if (salt && j->m->mech != CLONEDEV_MECH_RSA_PSS)
		return cli_error("-saltlen goes with -mech rsa-pss only.");
	p->salt_len = hash_len;
	if (salt && cli_uint_opt("saltlen", salt, 0, hash_len, &p->salt_len))
		return -1;
	if (j->m->mech != CLONEDEV_MECH_RSA_PSS)
		p->salt_len = 0;
	return 0;
}

/* The IV an encryption used: to -ivout FILE as hex, or on stderr. */
static int put_iv(const char *path, const struct clonedev_crypt_params *p)
{
	char hex[2 * CLONEDEV_IV_MAX + 1];
	FILE *f;

	to_hex(p->iv, p->iv_len < CLONEDEV_IV_MAX ? p->iv_len :
	       CLONEDEV_IV_MAX, hex);
	if (!path) {
		fflush(stdout);
		fprintf(stderr, "iv: %s\n", hex);
		return 0;
	}
	f = fopen(path, "w");
	if (!f || fprintf(f, "%s\n", hex) < 0 || fclose(f))
		return cli_error("cannot write '%s': %s.", path,
				 strerror(errno));
	return 0;
}

static const unsigned int secret_only[] = { CLONEDEV_CLASS_SECRET_KEY, 0 };
static const unsigned int private_only[] = { CLONEDEV_CLASS_PRIVATE_KEY, 0 };
static const unsigned int public_first[] = { CLONEDEV_CLASS_PUBLIC_KEY,
					     CLONEDEV_CLASS_PRIVATE_KEY, 0 };
static const unsigned int secret_or_private[] = { CLONEDEV_CLASS_SECRET_KEY,
						  CLONEDEV_CLASS_PRIVATE_KEY,
						  0 };

static int crypt_command(struct cli *cli, const struct command *cmd,
			 const struct cmd_args *args, struct job *j,
			 unsigned int need, const char *choices)
{
	const char *in_path = cli_opt(cmd, args, "in");
	const char *out_path = cli_opt(cmd, args, "out");
	const char *sig_path = cli_opt(cmd, args, "sig");
	unsigned char *aad = NULL, sig[CLONEDEV_SIG_MAX];
	struct stream st = { .in = -1, .out = -1 };
	struct clonedev_crypt_params p;
	const unsigned int *classes;
	size_t sig_len = 0;
	struct clonedev *cd;
	int ret = -1;

	j->m = mech_of(cli_opt(cmd, args, "mech"), need, cmd->verb, choices);
	if (!j->m || crypt_params(cmd, args, j, &p, &aad))
		goto out;
	if (sig_path && slurp(sig_path, "sig", sig, sizeof(sig), &sig_len))
		goto out;
	if (session_for(cli, cmd, args, CLONEDEV_ROLE_CU, !in_path, &cd))
		goto out;
	if (!(j->m->what & M_PAIR))
		classes = secret_only;
	else if (j->op == CLONEDEV_CRYPT_VERIFY)
		classes = public_first;
	else
		classes = private_only;
	if (key_of(cli, cd, cli_opt(cmd, args, "handle"),
		   cli_opt(cmd, args, "label"), classes, "handle", &j->handle))
		goto out;
	if (open_in(cli, in_path, "in", &st.in))
		goto out;
	if (j->op != CLONEDEV_CRYPT_VERIFY) {
		st.secret = j->op == CLONEDEV_CRYPT_DECRYPT;
		if (open_out(out_path, st.secret, &st.out))
			goto out;
		st.out_path = out_path;
	}
	ret = run_crypt(cli, cd, j, &p, &st, sig, sig_len);
	/* The IV, if the HSM made it or -ivout asks for it. */
	if (!ret && j->op == CLONEDEV_CRYPT_ENCRYPT &&
	    ((p.flags & CLONEDEV_CRYPT_GEN_IV) || cli_opt(cmd, args, "ivout")))
		ret = put_iv(cli_opt(cmd, args, "ivout"), &p);
	if (!ret && j->op == CLONEDEV_CRYPT_VERIFY) {
		if (cli_json(cli))
			printf("{\"verified\":true}\n");
		else
			printf("Signature verified.\n");
	}
out:
	close_stream(&st, ret);
	if (aad) {
		explicit_bzero(aad, CLONEDEV_CRYPT_MAX + 1);
		free(aad);
	}
	return ret;
}

int cmd_object_encrypt(struct cli *cli, const struct command *cmd,
		       const struct cmd_args *args)
{
	struct job j = { .op = CLONEDEV_CRYPT_ENCRYPT, .what = "encrypting",
			 .verb = "encrypt" };

	return crypt_command(cli, cmd, args, &j, M_CIPHER, "gcm, cbc or ctr");
}

int cmd_object_decrypt(struct cli *cli, const struct command *cmd,
		       const struct cmd_args *args)
{
	struct job j = { .op = CLONEDEV_CRYPT_DECRYPT, .what = "decrypting",
			 .verb = "decrypt" };

	return crypt_command(cli, cmd, args, &j, M_CIPHER | M_DECRYPT,
			     "gcm, cbc, ctr or rsa-oaep");
}

int cmd_object_sign(struct cli *cli, const struct command *cmd,
		    const struct cmd_args *args)
{
	struct job j = { .op = CLONEDEV_CRYPT_SIGN, .what = "signing",
			 .verb = "sign" };

	return crypt_command(cli, cmd, args, &j, M_SIGN,
			     "hmac, cmac, ecdsa, rsa-pkcs or rsa-pss");
}

int cmd_object_verify(struct cli *cli, const struct command *cmd,
		      const struct cmd_args *args)
{
	struct job j = { .op = CLONEDEV_CRYPT_VERIFY, .what = "verifying",
			 .verb = "verify" };

	return crypt_command(cli, cmd, args, &j, M_SIGN,
			     "hmac, cmac, ecdsa, rsa-pkcs or rsa-pss");
}

/* ---- derive, wrap, unwrap ---- */

/*
 * The DER prefixes of a SubjectPublicKeyInfo of id-ecPublicKey on P-256
 * and P-384: the uncompressed point follows.
 */
static const unsigned char spki_p256[] = {
	0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d,
	0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01,
	0x07, 0x03, 0x42, 0x00,
};

static const unsigned char spki_p384[] = {
	0x30, 0x76, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d,
	0x02, 0x01, 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22, 0x03, 0x62,
	0x00,
};

static int b64_value(int c)
{
	const char *set =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *at = c ? strchr(set, c) : NULL;

	return at ? (int)(at - set) : -1;
}

/* The base64 body of a PEM "PUBLIC KEY" in @buf, decoded in place. */
static size_t pem_decode(unsigned char *buf, size_t len)
{
	const char *begin = "-----BEGIN PUBLIC KEY-----";
	char *s = (char *)buf, *p, *end;
	unsigned int acc = 0, bits = 0;
	size_t n = 0;

	buf[len] = '\0';
	p = strstr(s, begin);
	if (!p)
		return 0;
	p += strlen(begin);
	end = strstr(p, "-----END PUBLIC KEY-----");
	if (!end)
		return 0;
	for (; p < end; p++) {
		int v = b64_value((unsigned char)*p);

		if (v < 0)
			continue;
		acc = (acc << 6) | (unsigned int)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[n++] = (unsigned char)(acc >> bits);
		}
	}
	return n;
}

/*
 * The peer's public point from a file: raw (04 || X || Y), hex, or a
 * P-256 or P-384 public key as DER or PEM SubjectPublicKeyInfo.
 */
static int read_peer(const char *path, unsigned char *point,
		     unsigned int *len)
{
	unsigned char buf[PEER_FILE_MAX + 1];
	size_t n, hex_len;

	if (slurp(path, "peer", buf, PEER_FILE_MAX, &n))
		return -1;
	if (n > 26 && !memcmp(buf, "-----BEGIN", 10))
		n = pem_decode(buf, n);
	if (n == sizeof(spki_p256) + 65 &&
	    !memcmp(buf, spki_p256, sizeof(spki_p256))) {
		memmove(buf, buf + sizeof(spki_p256), 65);
		n = 65;
	} else if (n == sizeof(spki_p384) + 97 &&
		   !memcmp(buf, spki_p384, sizeof(spki_p384))) {
		memmove(buf, buf + sizeof(spki_p384), 97);
		n = 97;
	} else if (n > 2 && buf[0] != 0x04) {
		while (n && isspace(buf[n - 1]))
			n--;
		buf[n] = '\0';
		/* Hex that cli_parse_hex() takes without a word. */
		if (strspn((char *)buf, "0123456789abcdefABCDEF") != n ||
		    n % 2 || n / 2 > CLONEDEV_EC_POINT_MAX ||
		    cli_parse_hex("peer", (char *)buf, buf,
				  CLONEDEV_EC_POINT_MAX, &hex_len))
			n = 0;
		else
			n = hex_len;
	}
	if ((n != 65 && n != 97) || buf[0] != 0x04)
		return cli_error("-peer: '%s' is not an uncompressed P-256 or P-384 point (raw or hex 04||X||Y) or such a public key (PEM or DER).",
				 path);
	memcpy(point, buf, n);
	*len = (unsigned int)n;
	return 0;
}

/* -newlabel, -newid and -extractable into @t. */
static int new_key(const struct command *cmd, const struct cmd_args *args,
		   struct clonedev_key_template *t, unsigned char *id)
{
	const char *id_hex = cli_opt(cmd, args, "newid");
	size_t len = 0;

	if (id_hex &&
	    cli_parse_hex("newid", id_hex, id, CLONEDEV_ID_MAX, &len))
		return -1;
	t->label = cli_opt(cmd, args, "newlabel");
	t->id = id_hex ? id : NULL;
	t->id_len = (unsigned int)len;
	if (cli_flag(cmd, args, "extractable"))
		t->obj_flags |= CLONEDEV_OBJ_EXTRACTABLE;
	return 0;
}

int cmd_object_derive(struct cli *cli, const struct command *cmd,
		      const struct cmd_args *args)
{
	const char *mech = cli_opt(cmd, args, "mech");
	const char *type = cli_opt(cmd, args, "keytype");
	const char *bits = cli_opt(cmd, args, "bits");
	struct job j = { .op = 0, .what = "deriving the key",
			 .verb = "derive keys" };
	struct clonedev_key_template t = { .key_type = CLONEDEV_KEY_AES,
					   .bits = 256 };
	unsigned char point[CLONEDEV_EC_POINT_MAX], id[CLONEDEV_ID_MAX];
	unsigned int point_len, h;
	struct clonedev *cd;
	int ret;

	j.m = mech_of(mech ? mech : "ecdh", M_DERIVE, cmd->verb, "ecdh");
	if (!j.m)
		return -1;
	if (type)
		t.key_type = clonedev_key_type_value(type);
	if (t.key_type != CLONEDEV_KEY_AES &&
	    t.key_type != CLONEDEV_KEY_GENERIC_SECRET)
		return cli_error("-keytype must be aes or generic, not '%s'.",
				 type);
	if (!bits && t.key_type == CLONEDEV_KEY_GENERIC_SECRET)
		return cli_error("a generic secret needs -bits (a multiple of 8 up to the curve's size).");
	if (bits && cli_uint_opt("bits", bits, 8, 384, &t.bits))
		return -1;
	if (new_key(cmd, args, &t, id) ||
	    read_peer(cli_opt(cmd, args, "peer"), point, &point_len) ||
	    session_for(cli, cmd, args, CLONEDEV_ROLE_CO, false, &cd) ||
	    key_of(cli, cd, cli_opt(cmd, args, "handle"),
		   cli_opt(cmd, args, "label"), private_only, "handle",
		   &j.handle))
		return -1;
	ret = clonedev_derive(cd, j.m->mech, j.handle, point, point_len, &t,
			      &h);
	if (ret)
		return crypto_error(cli, ret, &j);
	return cli_print_new_key(cli, cd, "Derived", h, 0);
}

int cmd_object_wrap(struct cli *cli, const struct command *cmd,
		    const struct cmd_args *args)
{
	const char *mech = cli_opt(cmd, args, "mech");
	const char *out_path = cli_opt(cmd, args, "out");
	struct job j = { .op = 0, .what = "wrapping the key",
			 .verb = "wrap" };
	struct stream st = { .in = -1, .out = -1 };
	unsigned char buf[CLONEDEV_WRAPPED_MAX];
	struct clonedev_object_attrs a;
	unsigned int wrapping;
	struct clonedev *cd;
	size_t len;
	int ret;

	j.m = mech_of(mech ? mech : "kwp", M_WRAP, cmd->verb, "kwp");
	if (!j.m || session_for(cli, cmd, args, CLONEDEV_ROLE_CO, false, &cd) ||
	    key_arg(cli, cd, cli_opt(cmd, args, "wrapping"), secret_only,
		    "wrapping", &wrapping) ||
	    key_of(cli, cd, cli_opt(cmd, args, "handle"),
		   cli_opt(cmd, args, "label"), secret_or_private, "handle",
		   &j.handle))
		return -1;
	ret = clonedev_wrap(cd, j.m->mech, wrapping, j.handle, buf,
			    sizeof(buf), &len);
	if (ret == -ENOENT && clonedev_object_get(cd, wrapping, &a, NULL, 0,
						  NULL) == -ENOENT)
		j.handle = wrapping;	/* name the key that is missing */
	if (ret)
		return crypto_error(cli, ret, &j);
	if (open_out(out_path, false, &st.out))
		return -1;
	st.out_path = out_path;
	ret = write_all(&st, buf, len);
	close_stream(&st, ret);
	return ret;
}

int cmd_object_unwrap(struct cli *cli, const struct command *cmd,
		      const struct cmd_args *args)
{
	const char *mech = cli_opt(cmd, args, "mech");
	const char *type = cli_opt(cmd, args, "keytype");
	const char *in_path = cli_opt(cmd, args, "in");
	struct job j = { .op = 0, .what = "unwrapping the key",
			 .verb = "unwrap" };
	struct clonedev_key_template t = { 0 };
	unsigned char buf[CLONEDEV_WRAPPED_MAX + 1], id[CLONEDEV_ID_MAX];
	struct clonedev *cd;
	unsigned int h;
	ssize_t n;
	int fd, ret;

	j.m = mech_of(mech ? mech : "kwp", M_WRAP, cmd->verb, "kwp");
	if (!j.m)
		return -1;
	t.key_type = clonedev_key_type_value(type);
	if (!t.key_type)
		return cli_error("-keytype must be aes, generic, ec-p256, ec-p384 or rsa, not '%s'.",
				 type);
	if (new_key(cmd, args, &t, id) ||
	    session_for(cli, cmd, args, CLONEDEV_ROLE_CO, !in_path, &cd) ||
	    key_arg(cli, cd, cli_opt(cmd, args, "unwrapping"), secret_only,
		    "unwrapping", &j.handle) ||
	    open_in(cli, in_path, "in", &fd))
		return -1;
	n = read_full(fd, buf, sizeof(buf));
	if (fd != STDIN_FILENO)
		close(fd);
	if (n < 0)
		return read_error(in_path, n);
	if (n > CLONEDEV_WRAPPED_MAX)
		return cli_error("the wrapped key is longer than 4096 bytes.");
	ret = clonedev_unwrap(cd, j.m->mech, j.handle, buf, (size_t)n, &t, &h);
	if (ret)
		return crypto_error(cli, ret, &j);
	return cli_print_new_key(cli, cd, "Unwrapped", h, 0);
}
