// SPDX-License-Identifier: GPL-2.0
/* clonectl: "hsm show", the HSM-wide information. */
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "json.h"

static void list_bits(struct json *j, FILE *f, const char *key,
		      unsigned int mask, const char *(*name)(unsigned int))
{
	unsigned int bit;
	bool first = true;

	if (j)
		json_arr_begin(j, key);
	for (bit = 1; bit; bit <<= 1) {
		if (!(mask & bit))
			continue;
		if (j)
			json_str(j, NULL, name(bit));
		else
			fprintf(f, "%s%s", first ? "" : ", ", name(bit));
		first = false;
	}
	if (j)
		json_arr_end(j);
	else if (first)
		fputs("none", f);
}

int cmd_hsm_show(struct cli *cli, const struct command *cmd,
		 const struct cmd_args *args)
{
	struct clonedev_hsm_info info;
	struct clonedev_nl *nl;
	int ret;

	(void)cmd;
	(void)args;
	if (cli_nl(cli, &nl))
		return -1;
	ret = clonedev_nl_hsm_get(nl, &info);
	if (ret)
		return cli_errno(cli, ret, "reading the HSM information");

	if (cli_json(cli)) {
		struct json j;

		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_str(&j, "version", info.version);
		list_bits(&j, NULL, "protocols", info.protocols,
			  clonedev_protocol_name);
		list_bits(&j, NULL, "suites", info.suites,
			  clonedev_suite_name);
		json_bool(&j, "fips", info.hsm_flags & CLONEDEV_HSM_FIPS);
		json_bool(&j, "activated", info.hsm_flags & CLONEDEV_HSM_ACTIVE);
		json_uint(&j, "partition_count", info.partition_count);
		json_uint(&j, "max_partitions", info.max_partitions);
		json_obj_end(&j);
		json_end(&j);
		return 0;
	}
	printf("HSM information:\n");
	printf("  Module version:      %s\n", info.version);
	printf("  Cloning protocols:   ");
	list_bits(NULL, stdout, NULL, info.protocols, clonedev_protocol_name);
	printf("\n  CPv4 cipher suites:  ");
	list_bits(NULL, stdout, NULL, info.suites, clonedev_suite_name);
	printf("\n  FIPS mode:           %s\n",
	       info.hsm_flags & CLONEDEV_HSM_FIPS ? "on" : "off");
	printf("  Activated:           %s\n",
	       info.hsm_flags & CLONEDEV_HSM_ACTIVE ?
	       "yes (the sealed store is open)" :
	       "no (the store's sealing key is not loaded)");
	printf("  Partitions:          %u of %u\n", info.partition_count,
	       info.max_partitions);
	return 0;
}
