// SPDX-License-Identifier: GPL-2.0
/* clonectl: "slot list" and "partition show", the partitions as slots. */
#include <errno.h>
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

/* One partition: -slot N, or the session's slot. */
int cmd_partition_show(struct cli *cli, const struct command *cmd,
		       const struct cmd_args *args)
{
	struct clonedev_session_info si;
	struct clonedev_nl *nl;
	struct clonedev_slot s;
	struct clonedev *cd;
	int ret;

	if (cli_session_slot(cli, cmd, args, &cd) || cli_nl(cli, &nl))
		return -1;
	ret = clonedev_session_info(cd, &si);
	if (ret == -ENODEV)
		return cli_error("the selected slot's partition was deleted; 'slot list' shows the slots.");
	if (ret)
		return cli_errno(cli, ret, "reading the session");
	if (!si.slot)
		return cli_error("no slot is selected; give -slot N, or choose one with 'slot set -slot N'.");
	ret = clonedev_nl_slot_get(nl, si.slot, &s);
	if (ret == -ENODEV)
		return cli_error("there is no partition in slot %u any more; 'slot list' shows them.",
				 si.slot);
	if (ret)
		return cli_errno(cli, ret, "reading the partition");
	if (cli_json(cli)) {
		struct json j;

		json_init(&j, stdout);
		slot_json(&j, &s);
		json_end(&j);
		return 0;
	}
	printf("Partition in slot %u:\n", s.slot);
	printf("  Label:           %s\n", s.label);
	printf("  Serial:          %llu\n", s.serial);
	printf("  Authentication:  %s\n", clonedev_auth_name(s.auth));
	printf("  Type:            %s\n", clonedev_ptype_name(s.type));
	printf("  Protocol level:  %s\n",
	       clonedev_level_name(s.protocol_level));
	printf("  State:           %s\n", clonedev_state_name(s.state));
	printf("  Objects:         %u\n", s.object_count);
	return 0;
}
