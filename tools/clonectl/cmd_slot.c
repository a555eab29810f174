// SPDX-License-Identifier: GPL-2.0
/* clonectl: "slot list", the partitions as slots. */
#include <stdlib.h>

#include "cli.h"
#include "commands.h"
#include "json.h"

static void slot_json(struct json *j, const struct clonedev_slot *s)
{
	json_obj_begin(j, NULL);
	json_uint(j, "slot", s->slot);
	json_str(j, "label", s->label);
	json_uint(j, "serial", s->serial);
	json_str(j, "auth", clonedev_auth_name(s->auth));
	json_str(j, "type", clonedev_ptype_name(s->type));
	json_str(j, "protocol_level", clonedev_level_name(s->protocol_level));
	json_str(j, "state", clonedev_state_name(s->state));
	json_uint(j, "objects", s->object_count);
	json_obj_end(j);
}

int cmd_slot_list(struct cli *cli, const struct command *cmd,
		  const struct cmd_args *args)
{
	struct clonedev_slot *slots = NULL;
	struct clonedev_nl *nl;
	int i, n;

	(void)cmd;
	(void)args;
	if (cli_nl(cli, &nl))
		return -1;
	n = clonedev_nl_slot_list(nl, &slots);
	if (n < 0)
		return cli_errno(cli, n, "listing the slots");

	if (cli_json(cli)) {
		struct json j;

		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_arr_begin(&j, "slots");
		for (i = 0; i < n; i++)
			slot_json(&j, &slots[i]);
		json_arr_end(&j);
		json_obj_end(&j);
		json_end(&j);
	} else if (n == 0) {
		printf("No partitions: the HSM has no slots yet.\n");
	} else {
		printf("%-5s %-32s %-12s %-8s %-11s %-8s %-13s %s\n", "Slot",
		       "Label", "Serial", "Auth", "Type", "Protocol", "State",
		       "Objects");
		for (i = 0; i < n; i++)
			printf("%-5u %-32s %-12llu %-8s %-11s %-8s %-13s %u\n",
			       slots[i].slot, slots[i].label, slots[i].serial,
			       clonedev_auth_name(slots[i].auth),
			       clonedev_ptype_name(slots[i].type),
			       clonedev_level_name(slots[i].protocol_level),
			       clonedev_state_name(slots[i].state),
			       slots[i].object_count);
	}
	free(slots);
	return 0;
}
