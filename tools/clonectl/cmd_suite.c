// SPDX-License-Identifier: GPL-2.0
/*
 * clonectl: "partition ciphershow|cipherenable|cipherdisable", the CPv4
 * cipher suites a partition takes part in. Negotiation picks the
 * strongest suite usable on both sides; with none, CPv4 is out.
 */
#include <errno.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "json.h"

static int suite_error(struct cli *cli, int err, const char *what)
{
	switch (-err) {
	case EACCES:
		return cli_error("%s: the po must be logged in; log in with 'role login -name po'.",
				 what);
	case ENODEV:
		return cli_error("%s: no slot is selected; choose one with 'slot set -slot N'.",
				 what);
	}
	return cli_errno(cli, err, what);
}

static const char *status(const struct clonedev_suites *s, unsigned int bit)
{
	if (!(s->enabled & bit))
		return "disabled";
	if (s->usable & bit)
		return "enabled";
	return "enabled, not usable here (FIPS mode, or not in this kernel)";
}

static void show(struct cli *cli, const struct clonedev_suites *s)
{
	unsigned int bit;
	struct json j;

	if (cli_json(cli)) {
		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_arr_begin(&j, "suites");
	} else {
		printf("%-26s %s\n", "Suite", "Status");
	}
	for (bit = 1; bit & CLONEDEV_SUITES_ALL; bit <<= 1) {
		if (cli_json(cli)) {
			json_obj_begin(&j, NULL);
			json_str(&j, "name", clonedev_suite_name(bit));
			json_bool(&j, "enabled", s->enabled & bit);
			json_bool(&j, "usable", s->usable & bit);
			json_obj_end(&j);
		} else {
			printf("%-26s %s\n", clonedev_suite_name(bit),
			       status(s, bit));
		}
	}
	if (cli_json(cli)) {
		json_arr_end(&j);
		json_obj_end(&j);
		json_end(&j);
	} else if (!s->usable) {
		printf("No suite is usable: CPv4 is out; clones use CPv3 or CPv1.\n");
	}
}

int cmd_partition_ciphershow(struct cli *cli, const struct command *cmd,
			     const struct cmd_args *args)
{
	struct clonedev_suites s;
	struct clonedev *cd;
	int ret;

	if (cli_session_slot(cli, cmd, args, &cd))
		return -1;
	ret = clonedev_suites(cd, 0, 0, &s);
	if (ret)
		return suite_error(cli, ret, "showing the cipher suites");
	show(cli, &s);
	return 0;
}

static int change(struct cli *cli, const struct command *cmd,
		  const struct cmd_args *args, bool enable)
{
	const char *name = cli_opt(cmd, args, "suite");
	unsigned int bit = clonedev_suite_value(name);
	struct clonedev_suites s;
	struct clonedev *cd;
	int ret;

	if (!bit)
		return cli_error("-suite must be p384-aes256gcm, p256-aes256gcm or x25519-chacha20poly1305, not '%s'.",
				 name);
	if (cli_session_slot(cli, cmd, args, &cd))
		return -1;
	ret = clonedev_suites(cd, enable ? bit : 0, enable ? 0 : bit, &s);
	if (ret)
		return suite_error(cli, ret, enable ? "enabling the suite" :
					     "disabling the suite");
	if (!cli_json(cli))
		printf("Cipher suite %s is %s.\n", name,
		       enable ? "enabled" : "disabled");
	show(cli, &s);
	return 0;
}

int cmd_partition_cipherenable(struct cli *cli, const struct command *cmd,
			       const struct cmd_args *args)
{
	return change(cli, cmd, args, true);
}

int cmd_partition_cipherdisable(struct cli *cli, const struct command *cmd,
				const struct cmd_args *args)
{
	return change(cli, cmd, args, false);
}
