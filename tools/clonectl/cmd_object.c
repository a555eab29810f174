// SPDX-License-Identifier: GPL-2.0
/*
 * clonectl: "object generate|create|destroy|show" and "partition
 * contents". Sensitive values are never shown: the kernel does not give
 * them out; a secret key is identified by its key check value (KCV).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "json.h"

static int object_error(struct cli *cli, int err, const char *what,
			unsigned int handle)
{
	switch (-err) {
	case EACCES:
		return cli_error("%s: the co must be logged in (the cu may create and destroy only public data objects); log in with 'role login'.",
				 what);
	case EPERM:
		return cli_error("%s: policy 28 (Allow key management functions) is off on this partition.",
				 what);
	case ENOENT:
		return cli_error("%s: there is no object with handle %u; 'partition contents' lists them.",
				 what, handle);
	case ENODEV:
		return cli_error("%s: no slot is selected; choose one with 'slot set -slot N'.",
				 what);
	case EINVAL:
		return cli_error("%s: a label is up to 32 printable characters, an id up to 64 bytes, a data value up to 4096 bytes.",
				 what);
	case EAGAIN:
		return cli_error("%s: the search for RSA primes gave up, as it rarely may; run the command again.",
				 what);
	}
	return cli_errno(cli, err, what);
}

int cli_hex_id(const char *hex, unsigned char *id, unsigned int *len)
{
	size_t n = hex ? strlen(hex) : 0, i;

	*len = 0;
	if (!hex)
		return 0;
	if (n % 2 || n / 2 > CLONEDEV_ID_MAX)
		return cli_error("-id takes up to 64 bytes as an even number of hex digits; '%s' is not that.",
				 hex);
	for (i = 0; i < n; i += 2) {
		char byte[3] = { hex[i], hex[i + 1], 0 };

		if (!isxdigit((unsigned char)byte[0]) ||
		    !isxdigit((unsigned char)byte[1]))
			return cli_error("-id takes hex digits; '%s' is not hex.",
					 hex);
		id[i / 2] = (unsigned char)strtoul(byte, NULL, 16);
	}
	*len = n / 2;
	return 0;
}

/* @s as a number: decimal digits only, no sign, at most UINT_MAX. */
static bool decimal(const char *s, unsigned int *v)
{
	unsigned long n;
	char *end;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	n = strtoul(s, &end, 10);
	if (*end || errno || n > UINT_MAX)
		return false;
	*v = (unsigned int)n;
	return true;
}

int cli_generate_sizes(const char *type, const char *bits_s,
		       const char *count_s, unsigned int *kt,
		       unsigned int *bits, unsigned int *count)
{
	bool ec, rsa, num;

	*bits = 0;
	*count = 1;
	*kt = clonedev_key_type_value(type);
	ec = *kt == CLONEDEV_KEY_EC_P256 || *kt == CLONEDEV_KEY_EC_P384;
	rsa = *kt == CLONEDEV_KEY_RSA;
	if (*kt != CLONEDEV_KEY_AES && *kt != CLONEDEV_KEY_GENERIC_SECRET &&
	    !ec && !rsa)
		return cli_error("-keytype must be aes, generic, ec-p256, ec-p384 or rsa, not '%s'.",
				 type);
	num = bits_s && decimal(bits_s, bits);
	if (rsa && (!num || (*bits != 2048 && *bits != 3072 && *bits != 4096)))
		return cli_error("-bits must be 2048, 3072 or 4096 for an rsa key pair.");
	if (!rsa && (ec ? !!bits_s :
	    (!num || (*kt == CLONEDEV_KEY_AES && *bits != 128 &&
		      *bits != 192 && *bits != 256) ||
	     (*kt == CLONEDEV_KEY_GENERIC_SECRET &&
	      (*bits < 8 || *bits > 4096 || *bits % 8)))))
		return cli_error("-bits must be 128, 192 or 256 for aes, or a multiple of 8 from 8 to 4096 for generic; an ec key takes its size from the curve.");
	if (count_s && (!decimal(count_s, count) || !*count ||
			*count > CLONEDEV_GENERATE_MAX || ec || rsa))
		return cli_error("-count takes 1 to 65536, for aes and generic keys.");
	return 0;
}

int cli_handle(const char *s, unsigned int *h)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (!isdigit((unsigned char)*s) || *end || !v || v > 0x7fffffffUL)
		return cli_error("'%s' is not an object handle; 'partition contents' lists them.",
				 s);
	*h = (unsigned int)v;
	return 0;
}

/* @n bytes at @b in lower-case hex at @out, NUL-terminated. */
static void hex(const unsigned char *b, unsigned int n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	unsigned int i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

static void kcv_hex(const struct clonedev_object_attrs *a, char *out)
{
	if (a->obj_class == CLONEDEV_CLASS_DATA)
		strcpy(out, "-");
	else
		hex(a->kcv, CLONEDEV_KCV_LEN, out);
}

#define BAD_FLAGS	(~0U)

/*
 * The -extractable, -modifiable and -usage flags of generate and import;
 * BAD_FLAGS (said) for an unknown usage word.
 */
static unsigned int key_flags(const struct command *cmd,
			      const struct cmd_args *args)
{
	static const char *const words[] = { "encrypt", "decrypt", "sign",
					     "verify", "derive", "wrap",
					     "unwrap" };
	const char *usage = cli_opt(cmd, args, "usage");
	unsigned int flags = 0, i;
	char *list, *w, *save = NULL;

	if (cli_flag(cmd, args, "extractable"))
		flags |= CLONEDEV_OBJ_EXTRACTABLE;
	if (cli_flag(cmd, args, "modifiable"))
		flags |= CLONEDEV_OBJ_MODIFIABLE;
	if (!usage)
		return flags;
	list = strdup(usage);
	if (!list)
		return BAD_FLAGS;
	for (w = strtok_r(list, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < 7 && strcmp(w, words[i]); i++)
			;
		if (i == 7) {
			cli_error("-usage takes encrypt, decrypt, sign, verify, derive, wrap and unwrap, comma-separated, not '%s'.",
				  w);
			free(list);
			return BAD_FLAGS;
		}
		flags |= CLONEDEV_OBJ_ENCRYPT << i;
	}
	free(list);
	return flags;
}

/* Prints what generate, import, derive or unwrap made: one key, or a pair. */
int cli_print_new_key(struct cli *cli, struct clonedev *cd,
		      const char *verb, unsigned int h, unsigned int pub)
{
	struct clonedev_object_attrs a;
	char kcv[8];
	int ret;

	ret = clonedev_object_get(cd, h, &a, NULL, 0, NULL);
	if (ret)
		return object_error(cli, ret, "reading the new key", h);
	kcv_hex(&a, kcv);
	if (cli_json(cli)) {
		struct json j;

		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_uint(&j, "handle", h);
		if (pub)
			json_uint(&j, "public_handle", pub);
		json_str(&j, "key_type", clonedev_key_type_name(a.key_type));
		json_uint(&j, "bits", a.bits);
		json_str(&j, "kcv", kcv);
		json_obj_end(&j);
		json_end(&j);
	} else if (pub && a.key_type == CLONEDEV_KEY_RSA) {
		printf("%s rsa-%u key pair: private key handle %u, public key handle %u, KCV %s.\n",
		       verb, a.bits, h, pub, kcv);
	} else if (pub) {
		printf("%s %s key pair: private key handle %u, public key handle %u, KCV %s.\n",
		       verb, clonedev_key_type_name(a.key_type), h, pub, kcv);
	} else if (a.key_type == CLONEDEV_KEY_EC_P256 ||
		   a.key_type == CLONEDEV_KEY_EC_P384) {
		printf("%s %s private key: handle %u, KCV %s.\n", verb,
		       clonedev_key_type_name(a.key_type), h, kcv);
	} else {
		printf("%s %s-%u %s: handle %u, KCV %s.\n", verb,
		       clonedev_key_type_name(a.key_type), a.bits,
		       a.obj_class == CLONEDEV_CLASS_PRIVATE_KEY ?
		       "private key" : "key", h, kcv);
	}
	return 0;
}

/* "object generate -count N": N secret keys in one durable batch. */
static int generate_bulk(struct cli *cli, struct clonedev *cd,
			 unsigned int kt, unsigned int bits,
			 unsigned int flags, const char *label,
			 unsigned int count)
{
	unsigned int *h = calloc(count, sizeof(*h));
	int ret;

	if (!h)
		return cli_errno(cli, -ENOMEM, "generating the keys");
	ret = clonedev_object_generate_bulk(cd, kt, bits, flags, label, count,
					    h);
	if (ret) {
		free(h);
		return object_error(cli, ret, "generating the keys", 0);
	}
	if (cli_json(cli)) {
		struct json j;
		unsigned int i;

		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_arr_begin(&j, "handles");
		for (i = 0; i < count; i++)
			json_uint(&j, NULL, h[i]);
		json_arr_end(&j);
		json_obj_end(&j);
		json_end(&j);
	} else {
		printf("Generated %u %s-%u keys in one batch: handles %u to %u.\n",
		       count, clonedev_key_type_name(kt), bits, h[0],
		       h[count - 1]);
	}
	free(h);
	return 0;
}

int cmd_object_generate(struct cli *cli, const struct command *cmd,
			const struct cmd_args *args)
{
	const char *type = cli_opt(cmd, args, "keytype");
	const char *bits_s = cli_opt(cmd, args, "bits");
	const char *count_s = cli_opt(cmd, args, "count");
	unsigned char id[CLONEDEV_ID_MAX];
	unsigned int kt, bits, id_len, h, pub = 0, count, flags;
	struct clonedev *cd;
	int ret;

	if (cli_generate_sizes(type, bits_s, count_s, &kt, &bits, &count))
		return -1;
	flags = key_flags(cmd, args);
	if (flags == BAD_FLAGS ||
	    cli_hex_id(cli_opt(cmd, args, "id"), id, &id_len) ||
	    cli_session_slot(cli, cmd, args, &cd))
		return -1;
	if (count > 1) {
		if (id_len)
			return cli_error("keys generated with -count share a label but take no -id.");
		return generate_bulk(cli, cd, kt, bits, flags,
				     cli_opt(cmd, args, "label"), count);
	}
	if (kt != CLONEDEV_KEY_AES && kt != CLONEDEV_KEY_GENERIC_SECRET)
		ret = clonedev_object_generate_keypair(cd, kt, bits, flags,
						       cli_opt(cmd, args,
							       "label"),
						       id, id_len, &h, &pub);
	else
		ret = clonedev_object_generate(cd, kt, bits, flags,
					       cli_opt(cmd, args, "label"), id,
					       id_len, &h);
	if (ret)
		return object_error(cli, ret, "generating the key", 0);
	return cli_print_new_key(cli, cd, "Generated", h, pub);
}

/* Reads a whole key file (up to 64 KiB) into *buf; wipe it after use. */
static int read_key_file(const char *path, unsigned char **buf, size_t *len)
{
	size_t cap = 65536;
	FILE *f = fopen(path, "rb");

	if (!f)
		return cli_error("cannot read '%s': %s.", path,
				 strerror(errno));
	*buf = malloc(cap + 1);
	if (!*buf) {
		fclose(f);
		return cli_error("out of memory reading '%s'.", path);
	}
	*len = fread(*buf, 1, cap + 1, f);
	fclose(f);
	if (*len > cap) {
		explicit_bzero(*buf, cap + 1);
		free(*buf);
		return cli_error("'%s' is larger than any key file (64 KiB).",
				 path);
	}
	return 0;
}

static int import_error(struct cli *cli, int err, const char *file,
			unsigned int kt)
{
	switch (-err) {
	case EBADMSG:
		return cli_error("'%s' is not a PKCS#8 private key (PEM 'PRIVATE KEY' or DER); for a raw AES key or generic secret add -keytype.",
				 file);
	case EOPNOTSUPP:
		return cli_error("'%s' is an encrypted key, not PKCS#8, or not RSA, EC P-256 or EC P-384; convert it to an unencrypted PKCS#8 key.",
				 file);
	case EINVAL:
		if (kt == CLONEDEV_KEY_AES || kt == CLONEDEV_KEY_GENERIC_SECRET)
			return cli_error("the HSM refused the key in '%s': an aes key is 16, 24 or 32 bytes, a generic secret 1 to 512.",
					 file);
		return cli_error("the HSM refused the key in '%s': an RSA key must be consistent with a 2048- to 4096-bit modulus, an EC key a scalar from 1 to n-1.",
				 file);
	}
	return object_error(cli, err, "importing the key", 0);
}

int cmd_object_import(struct cli *cli, const struct command *cmd,
		      const struct cmd_args *args)
{
	const char *file = cli_opt(cmd, args, "file");
	const char *type = cli_opt(cmd, args, "keytype");
	struct clonedev_keyfile kf = { 0 };
	unsigned char id[CLONEDEV_ID_MAX], *buf = NULL;
	unsigned int kt = 0, id_len, h, flags;
	struct clonedev *cd;
	size_t len = 0;
	int ret;

	if (type) {
		kt = clonedev_key_type_value(type);
		if (kt != CLONEDEV_KEY_AES && kt != CLONEDEV_KEY_GENERIC_SECRET)
			return cli_error("-keytype is for raw key files: aes or generic, not '%s'; EC and RSA keys come as PKCS#8 without it.",
					 type);
	}
	flags = key_flags(cmd, args);
	if (flags == BAD_FLAGS ||
	    cli_hex_id(cli_opt(cmd, args, "id"), id, &id_len) ||
	    read_key_file(file, &buf, &len))
		return -1;
	if (kt) {
		kf.key_type = kt;
		kf.value = buf;
		kf.len = (unsigned int)len;
		buf = NULL;
	} else {
		ret = clonedev_keyfile_parse(buf, len, &kf);
		explicit_bzero(buf, len);
		free(buf);
		if (ret)
			return import_error(cli, ret, file, 0);
	}
	ret = cli_session_slot(cli, cmd, args, &cd);
	if (!ret) {
		ret = clonedev_object_import(cd, kf.key_type, flags,
					     cli_opt(cmd, args, "label"), id,
					     id_len, kf.value, kf.len, &h);
		if (ret)
			ret = import_error(cli, ret, file, kf.key_type);
		else
			ret = cli_print_new_key(cli, cd, "Imported", h, 0);
	}
	clonedev_keyfile_free(&kf);
	return ret;
}

int cmd_object_find(struct cli *cli, const struct command *cmd,
		    const struct cmd_args *args)
{
	const char *label = cli_opt(cmd, args, "label");
	const char *id_s = cli_opt(cmd, args, "id");
	unsigned char id[CLONEDEV_ID_MAX];
	unsigned int id_len, *handles = NULL;
	struct clonedev *cd;
	int i, n;

	if (!label && !id_s)
		return cli_error("give -label, -id or both.");
	if (cli_hex_id(id_s, id, &id_len) || cli_session_slot(cli, cmd, args, &cd))
		return -1;
	n = clonedev_object_find(cd, label, id_s ? id : NULL, id_len,
				 &handles);
	if (n < 0)
		return object_error(cli, n, "finding objects", 0);
	if (cli_json(cli)) {
		struct json j;

		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_arr_begin(&j, "handles");
		for (i = 0; i < n; i++)
			json_uint(&j, NULL, handles[i]);
		json_arr_end(&j);
		json_obj_end(&j);
		json_end(&j);
	} else {
		for (i = 0; i < n; i++)
			printf("%u\n", handles[i]);
		printf("%d object%s found.\n", n, n == 1 ? "" : "s");
	}
	free(handles);
	return 0;
}

int cmd_object_create(struct cli *cli, const struct command *cmd,
		      const struct cmd_args *args)
{
	const char *value = cli_opt(cmd, args, "value");
	const char *file = cli_opt(cmd, args, "file");
	unsigned char id[CLONEDEV_ID_MAX], buf[CLONEDEV_DATA_MAX + 1];
	unsigned int id_len, h, flags = 0;
	size_t len = 0;
	struct clonedev *cd;
	int ret;

	if (value && file)
		return cli_error("give the value with -value or -file, not both.");
	if (file) {
		FILE *f = fopen(file, "rb");

		if (!f)
			return cli_error("cannot read '%s': %s.", file,
					 strerror(errno));
		len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
	} else if (value) {
		len = strlen(value);
		memcpy(buf, value, len > sizeof(buf) ? sizeof(buf) : len);
	}
	if (len > CLONEDEV_DATA_MAX)
		return cli_error("a data object holds at most 4096 bytes.");
	if (cli_hex_id(cli_opt(cmd, args, "id"), id, &id_len) ||
	    cli_session_slot(cli, cmd, args, &cd))
		return -1;
	if (cli_flag(cmd, args, "private"))
		flags |= CLONEDEV_OBJ_PRIVATE;
	if (cli_flag(cmd, args, "sensitive"))
		flags |= CLONEDEV_OBJ_SENSITIVE;
	ret = clonedev_object_create(cd, flags, cli_opt(cmd, args, "label"),
				     id, id_len, buf, (unsigned int)len, &h);
	if (ret)
		return object_error(cli, ret, "creating the object", 0);
	if (cli_json(cli))
		printf("{\"handle\":%u}\n", h);
	else
		printf("Created data object: handle %u.\n", h);
	return 0;
}

int cmd_object_destroy(struct cli *cli, const struct command *cmd,
		       const struct cmd_args *args)
{
	struct clonedev *cd;
	unsigned int h;
	int ret;

	if (cli_handle(cli_opt(cmd, args, "handle"), &h) ||
	    cli_session_slot(cli, cmd, args, &cd))
		return -1;
	ret = clonedev_object_destroy(cd, h);
	if (ret)
		return object_error(cli, ret, "destroying the object", h);
	if (!cli_json(cli))
		printf("Destroyed object %u.\n", h);
	return 0;
}

static void flag_words(unsigned int f, char *out)
{
	static const char *const w[] = { "private", "sensitive", "extractable",
					 "modifiable" };
	unsigned int i;

	out[0] = '\0';
	for (i = 0; i < 4; i++)
		if (f & (1U << i)) {
			if (*out)
				strcat(out, ",");
			strcat(out, w[i]);
		}
	if (!*out)
		strcpy(out, "-");
}

static void usage_words(unsigned int f, char *out)
{
	static const char *const w[] = { "encrypt", "decrypt", "sign",
					 "verify", "derive", "wrap", "unwrap" };
	unsigned int i;

	out[0] = '\0';
	for (i = 0; i < 7; i++)
		if (f & (CLONEDEV_OBJ_ENCRYPT << i)) {
			if (*out)
				strcat(out, ",");
			strcat(out, w[i]);
		}
	if (!*out)
		strcpy(out, "-");
}

int cmd_object_show(struct cli *cli, const struct command *cmd,
		    const struct cmd_args *args)
{
	unsigned char value[CLONEDEV_DATA_MAX];
	char flags[64], usage[64], ouid[40], id[2 * CLONEDEV_ID_MAX + 1], kcv[8];
	struct clonedev_object_attrs a;
	unsigned int h, vlen = 0;
	struct clonedev *cd;
	int ret;

	if (cli_handle(cli_opt(cmd, args, "handle"), &h) ||
	    cli_session_slot(cli, cmd, args, &cd))
		return -1;
	ret = clonedev_object_get(cd, h, &a, value, sizeof(value), &vlen);
	if (ret)
		return object_error(cli, ret, "showing the object", h);
	flag_words(a.obj_flags, flags);
	usage_words(a.obj_flags, usage);
	hex(a.ouid, sizeof(a.ouid), ouid);
	hex(a.id, a.id_len, id);
	kcv_hex(&a, kcv);
	if (cli_json(cli)) {
		struct json j;
		char vhex[2 * CLONEDEV_DATA_MAX + 1];

		hex(value, vlen, vhex);
		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_uint(&j, "handle", a.handle);
		json_str(&j, "label", a.label);
		json_str(&j, "class", clonedev_class_name(a.obj_class));
		json_str(&j, "key_type", clonedev_key_type_name(a.key_type));
		json_uint(&j, "bits", a.bits);
		json_str(&j, "flags", flags);
		json_str(&j, "usage", usage);
		json_str(&j, "id", id);
		json_str(&j, "ouid", ouid);
		json_str(&j, "kcv", kcv);
		if (vlen)
			json_str(&j, "value", vhex);
		json_obj_end(&j);
		json_end(&j);
		return 0;
	}
	printf("Handle:    %u\nLabel:     %s\nClass:     %s\nKey type:  %s\n"
	       "Bits:      %u\nFlags:     %s\nUsage:     %s\nId:        %s\n"
	       "OUID:      %s\nKCV:       %s\n", a.handle, a.label,
	       clonedev_class_name(a.obj_class),
	       clonedev_key_type_name(a.key_type), a.bits, flags, usage,
	       *id ? id : "-", ouid, kcv);
	if (a.obj_class == CLONEDEV_CLASS_PUBLIC_KEY) {
		char point[2 * CLONEDEV_DATA_MAX + 1];

		hex(value, vlen, point);
		printf("Public:    %s\n", point);
	} else if (a.obj_class == CLONEDEV_CLASS_DATA &&
		   !(a.obj_flags & CLONEDEV_OBJ_SENSITIVE)) {
		printf("Value:     %u bytes\n", vlen);
	}
	return 0;
}

int cmd_partition_contents(struct cli *cli, const struct command *cmd,
			   const struct cmd_args *args)
{
	struct clonedev *cd;

	if (cli_session_slot(cli, cmd, args, &cd))
		return -1;
	return cli_show_contents(cli, cd);
}

/* A listing's output, gathered and written 64 KiB at a time. */
struct out_buf {
	char b[65536];
	size_t len;
};

static void out_flush(struct out_buf *o)
{
	fwrite(o->b, 1, o->len, stdout);
	o->len = 0;
}

/* @s (@n bytes), then spaces up to @width; or right-aligned (@right). */
static void out_pad(struct out_buf *o, const char *s, size_t n, size_t width,
		    int right)
{
	size_t fill = n < width ? width - n : 0;

	if (right) {
		memset(o->b + o->len, ' ', fill);
		o->len += fill;
	}
	memcpy(o->b + o->len, s, n);
	o->len += n;
	if (!right) {
		memset(o->b + o->len, ' ', fill);
		o->len += fill;
	}
}

/* Decimal digits of @v at the end of @end; returns where they begin. */
static char *utoa_end(unsigned int v, char *end)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

/*
 * One line of the contents table, as printf("%-8u %-11s %-8s %5u  %-6s
 * %s\n") writes it; formatted by hand, since a million lines through
 * printf() take longer than listing them from the kernel.
 */
static void contents_line(struct out_buf *o,
			  const struct clonedev_object_attrs *a)
{
	const char *cls = clonedev_class_name(a->obj_class);
	const char *type = clonedev_key_type_name(a->key_type);
	char num[12], *d, kcv[8];

	if (sizeof(o->b) - o->len < 128 + CLONEDEV_LABEL_LEN)
		out_flush(o);
	d = utoa_end(a->handle, num + sizeof(num));
	out_pad(o, d, (size_t)(num + sizeof(num) - d), 8, 0);
	o->b[o->len++] = ' ';
	out_pad(o, cls, strlen(cls), 11, 0);
	o->b[o->len++] = ' ';
	out_pad(o, type, strlen(type), 8, 0);
	o->b[o->len++] = ' ';
	d = utoa_end(a->bits, num + sizeof(num));
	out_pad(o, d, (size_t)(num + sizeof(num) - d), 5, 1);
	kcv_hex(a, kcv);
	memcpy(o->b + o->len, "  ", 2);
	o->len += 2;
	out_pad(o, kcv, strlen(kcv), 6, 0);
	memcpy(o->b + o->len, "  ", 2);
	o->len += 2;
	out_pad(o, a->label, strnlen(a->label, sizeof(a->label)), 0, 0);
	o->b[o->len++] = '\n';
}

static void contents_json(struct json *j, const struct clonedev_object_attrs *a)
{
	char ouid[40], kcv[8];

	kcv_hex(a, kcv);
	hex(a->ouid, sizeof(a->ouid), ouid);
	json_obj_begin(j, NULL);
	json_uint(j, "handle", a->handle);
	json_str(j, "label", a->label);
	json_str(j, "class", clonedev_class_name(a->obj_class));
	json_str(j, "key_type", clonedev_key_type_name(a->key_type));
	json_uint(j, "bits", a->bits);
	json_str(j, "ouid", ouid);
	json_str(j, "kcv", kcv);
	json_obj_end(j);
}

/*
 * The objects of @cd's partition, a line (or a JSON object) each, their
 * attributes listed a page at a time (clonedev_object_list_attrs_page()),
 * so that a partition of any size takes one page of memory. Nothing is
 * printed if the first page fails.
 */
int cli_show_contents(struct cli *cli, struct clonedev *cd)
{
	struct clonedev_object_attrs *page;
	struct out_buf *o;
	unsigned int next = 0, total = 0;
	int i, n = 0, started = 0;
	struct json j;

	page = malloc(CLONEDEV_LIST_ATTRS_MAX * sizeof(*page));
	o = malloc(sizeof(*o));
	if (!page || !o) {
		free(page);
		free(o);
		return object_error(cli, -ENOMEM, "listing the objects", 0);
	}
	o->len = 0;
	do {
		n = clonedev_object_list_attrs_page(cd, &next, page,
						    CLONEDEV_LIST_ATTRS_MAX);
		if (n < 0)
			break;
		if (!started && cli_json(cli)) {
			json_init(&j, stdout);
			json_obj_begin(&j, NULL);
			json_arr_begin(&j, "objects");
			started = 1;
		} else if (!started && n) {
			printf("%-8s %-11s %-8s %5s  %-6s  %s\n", "Handle",
			       "Class", "Type", "Bits", "KCV", "Label");
			started = 1;
		}
		for (i = 0; i < n; i++) {
			if (cli_json(cli))
				contents_json(&j, &page[i]);
			else
				contents_line(o, &page[i]);
		}
		out_flush(o);
		total += (unsigned int)n;
	} while (next);
	free(page);
	free(o);
	if (n < 0) {
		/* A later page's failure: what was printed stays, and says so. */
		fflush(stdout);
		return object_error(cli, n, "listing the objects", 0);
	}
	if (cli_json(cli)) {
		json_arr_end(&j);
		json_obj_end(&j);
		json_end(&j);
	} else {
		printf("%u object%s.\n", total, total == 1 ? "" : "s");
	}
	return 0;
}
