// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: clonectl's option values (tools/clonectl), the
 * parsers its commands call on a value before anything reaches an HSM.
 * The first input byte picks the parser, the rest is the value (up to
 * its first NUL):
 *   0  -quorum M/N (cli_parse_quorum()),
 *   1  hex of up to 0..95 bytes, the second byte the most (cli_parse_hex()),
 *   2  a number from lo to hi, the second and third bytes (cli_uint_opt()),
 *   3  -id hex (cli_hex_id()),
 *   4  -keytype, -bits and -count of "object generate", one a line
 *      (cli_generate_sizes()),
 *   5  a list of numbers, of at most 1..16, the second byte
 *      (cli_parse_list(), -policy and -value),
 *   6  -port (cli_parse_port()), 7 a slot number (cli_slot_number()),
 *   8  an object handle (cli_handle()), and
 *   9  the names of key types, roles, partition kinds, clone protocol
 *      levels and suites (the library's *_value(), which clonectl's -keytype,
 *      -role, -auth, -type, -protocol and suite commands use).
 * A value taken must be what it says: a number is decimal digits only
 * (no white space, no sign: strtoul() takes " -18446744073709551615" as 1),
 * equal to the value returned, in its range; hex is the bytes it spells; a
 * name is the name of the value returned. A refusal is -1.
 */
#include <ctype.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "fuzz.h"

#define VALUE_MAX	1024

/* Whether @s (@len bytes) is decimal digits only, of value @v. */
static bool number_is(const char *s, size_t len, unsigned long v)
{
	char want[24];
	size_t i = 0;

	if (!len || strspn(s, "0123456789") < len)
		return false;
	while (i + 1 < len && s[i] == '0')
		i++;
	snprintf(want, sizeof(want), "%lu", v);
	return len - i == strlen(want) && !memcmp(s + i, want, len - i);
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Whether the @n bytes at @b are the hex @s spells, all of it. */
static bool hex_is(const char *s, const unsigned char *b, size_t n)
{
	size_t i;

	if (strlen(s) != 2 * n)
		return false;
	for (i = 0; i < n; i++) {
		int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);

		if (hi < 0 || lo < 0 || b[i] != (unsigned char)(hi << 4 | lo))
			return false;
	}
	return true;
}

static void check_quorum(const char *s)
{
	const char *slash = strchr(s, '/');
	unsigned int m = 0, n = 0;

	if (cli_parse_quorum(s, &m, &n))
		return;
	FUZZ_CHECK(m >= 1 && m <= n && n <= CLONEDEV_QUORUM_MAX);
	FUZZ_CHECK(slash && number_is(s, slash - s, m) &&
		   number_is(slash + 1, strlen(slash + 1), n));
	FUZZ_CHECK(strspn(s, "0123456789/") == strlen(s));
}

static void check_hex(const char *s, size_t max)
{
	unsigned char out[96];
	size_t len = 12345;
	int ret;

	ret = cli_parse_hex("fuzz", s, out, max, &len);
	FUZZ_CHECK(ret == 0 || ret == -1);
	if (ret) {
		FUZZ_CHECK(len == 12345);
		return;
	}
	FUZZ_CHECK(len <= max && hex_is(s, out, len));
}

static void check_id(const char *s)
{
	unsigned char id[CLONEDEV_ID_MAX];
	unsigned int len = 12345;
	int ret;

	FUZZ_CHECK(!cli_hex_id(NULL, id, &len) && !len);
	ret = cli_hex_id(s, id, &len);
	FUZZ_CHECK(ret == 0 || ret == -1);
	if (ret) {
		FUZZ_CHECK(!len);
		return;
	}
	FUZZ_CHECK(len <= CLONEDEV_ID_MAX && hex_is(s, id, len));
}

static void check_uint(const char *s, unsigned int lo, unsigned int hi)
{
	unsigned int v = 0;

	if (cli_uint_opt("fuzz", s, lo, hi, &v))
		return;
	FUZZ_CHECK(v >= lo && v <= hi && number_is(s, strlen(s), v));
}

/* @s is "TYPE[\nBITS[\nCOUNT]]". */
static void check_sizes(char *s)
{
	char *bits_s = strchr(s, '\n'), *count_s = NULL;
	unsigned int kt, bits, count;

	if (bits_s) {
		*bits_s++ = '\0';
		count_s = strchr(bits_s, '\n');
		if (count_s)
			*count_s++ = '\0';
	}
	if (cli_generate_sizes(s, bits_s, count_s, &kt, &bits, &count))
		return;
	FUZZ_CHECK(!strcmp(clonedev_key_type_name(kt), s));
	switch (kt) {
	case CLONEDEV_KEY_AES:
		FUZZ_CHECK(bits == 128 || bits == 192 || bits == 256);
		break;
	case CLONEDEV_KEY_GENERIC_SECRET:
		FUZZ_CHECK(bits >= 8 && bits <= 4096 && !(bits % 8));
		break;
	case CLONEDEV_KEY_RSA:
		FUZZ_CHECK(bits == 2048 || bits == 3072 || bits == 4096);
		break;
	default:
		FUZZ_CHECK(kt == CLONEDEV_KEY_EC_P256 ||
			   kt == CLONEDEV_KEY_EC_P384);
		FUZZ_CHECK(!bits_s && !bits);
	}
	if (bits_s)
		FUZZ_CHECK(number_is(bits_s, strlen(bits_s), bits));
	if (!count_s) {
		FUZZ_CHECK(count == 1);
		return;
	}
	FUZZ_CHECK(count >= 1 && count <= CLONEDEV_GENERATE_MAX &&
		   number_is(count_s, strlen(count_s), count));
	FUZZ_CHECK(kt == CLONEDEV_KEY_AES || kt == CLONEDEV_KEY_GENERIC_SECRET);
}

/* The numbers must be the words between the commas, in order. */
static void check_list(const char *s, int max)
{
	unsigned int out[16];
	const char *p = s;
	int n, i = 0;

	n = cli_parse_list("fuzz", s, out, max);
	FUZZ_CHECK(n == -1 || (n >= 1 && n <= max));
	if (n < 0)
		return;
	while (*p) {
		size_t len = strcspn(p, ",");

		if (len) {
			FUZZ_CHECK(i < n && number_is(p, len, out[i]));
			i++;
		}
		p += len;
		if (*p)
			p++;
	}
	FUZZ_CHECK(i == n);
}

static void check_names(const char *s)
{
	unsigned int v;

	v = clonedev_key_type_value(s);
	if (v)
		FUZZ_CHECK(!strcmp(clonedev_key_type_name(v), s));
	v = clonedev_role_value(s);
	if (v)
		FUZZ_CHECK(!strcmp(clonedev_role_name(v), s));
	v = clonedev_auth_value(s);
	if (v)
		FUZZ_CHECK(!strcmp(clonedev_auth_name(v), s));
	v = clonedev_ptype_value(s);
	if (v)
		FUZZ_CHECK(!strcmp(clonedev_ptype_name(v), s));
	v = clonedev_level_value(s);
	if (v)
		FUZZ_CHECK(!strcmp(clonedev_level_name(v), s));
	v = clonedev_suite_value(s);
	if (v)
		FUZZ_CHECK(!(v & (v - 1)) && (v & CLONEDEV_SUITES_ALL) &&
			   !strcmp(clonedev_suite_name(v), s));
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char s[VALUE_MAX + 1];
	unsigned int v = 0;
	size_t len;

	if (size < 3 || size > VALUE_MAX + 3)
		return 0;
	len = size - 3;
	memcpy(s, data + 3, len);
	s[len] = '\0';
	switch (data[0] % 10) {
	case 0:
		check_quorum(s);
		break;
	case 1:
		check_hex(s, data[1] % 96);
		break;
	case 2:
		check_uint(s, data[1], data[1] + data[2] * 256U);
		break;
	case 3:
		check_id(s);
		break;
	case 4:
		check_sizes(s);
		break;
	case 5:
		check_list(s, 1 + data[1] % 16);
		break;
	case 6:
		FUZZ_CHECK(!cli_parse_port(NULL, &v) && v == 1503);
		if (!cli_parse_port(s, &v))
			FUZZ_CHECK(v >= 1 && v <= 65535 &&
				   number_is(s, strlen(s), v));
		break;
	case 7:
		if (!cli_slot_number(s, &v))
			FUZZ_CHECK(number_is(s, strlen(s), v));
		break;
	case 8:
		if (!cli_handle(s, &v))
			FUZZ_CHECK(v >= 1 && v <= 0x7fffffff &&
				   number_is(s, strlen(s), v));
		break;
	default:
		check_names(s);
		break;
	}
	return 0;
}
