// SPDX-License-Identifier: GPL-2.0
/*
 * clonectl: "partition archive backup|restore|list|contents", between the
 * current slot and a backup partition (docs/backup.md). Backup and restore
 * are clones (clone.h), so the kernels enforce the domain and policies as
 * for "partition clone"; what is added here is which side is which, the
 * -append/-replace rules and the listing of backup partitions.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "archive_file.h"
#include "cli.h"
#include "clone.h"
#include "commands.h"
#include "json.h"

/* The OUIDs of some objects, to tell which ones a backup was asked for. */
struct ouids {
	unsigned char (*id)[CLONEDEV_OUID_LEN];
	unsigned int n;
};

static bool ouids_has(const struct ouids *o, const unsigned char *id)
{
	unsigned int i;

	for (i = 0; i < o->n; i++)
		if (!memcmp(o->id[i], id, CLONEDEV_OUID_LEN))
			return true;
	return false;
}

/* The OUIDs of @count objects of @cd's partition (@handles; all with 0). */
static int ouids_of(struct cli *cli, struct clonedev *cd,
		    const unsigned int *handles, unsigned int count,
		    struct ouids *o)
{
	struct clonedev_object_attrs a;
	unsigned int *all = NULL, i;
	int ret = 0;

	if (!count) {
		int n = clonedev_object_list(cd, &all);

		if (n < 0)
			return cli_errno(cli, n,
					 "listing the current slot's objects");
		handles = all;
		count = n;
	}
	o->id = calloc(count ? count : 1, sizeof(*o->id));
	o->n = 0;
	if (!o->id)
		ret = cli_error("out of memory.");
	for (i = 0; i < count && !ret; i++) {
		ret = clonedev_object_get(cd, handles[i], &a, NULL, 0, NULL);
		if (ret)
			ret = cli_errno(cli, ret,
					"reading an object of the current slot");
		else
			memcpy(o->id[o->n++], a.ouid, CLONEDEV_OUID_LEN);
	}
	free(all);
	return ret;
}

/* -objects, all of them if not given. */
static int parse_objects(const struct command *cmd,
			 const struct cmd_args *args, unsigned int **handles,
			 unsigned int *count)
{
	const char *objects = cli_opt(cmd, args, "objects");

	return cli_clone_parse_objects(objects ? objects : "all", handles,
				       count);
}

/*
 * -slot (a backup partition) or -file (archive_file.c): 1 for a file, 0
 * for a slot, -1 with the error said if neither or both are given.
 */
static int slot_or_file(const struct command *cmd, const struct cmd_args *args)
{
	bool slot = cli_opt(cmd, args, "slot"), file = cli_opt(cmd, args, "file");

	if (slot == file)
		return cli_error("give -slot N (a backup partition) or -file F (an archive file), one of them.");
	return file;
}

/* -slot N, which must be a backup partition; *s is what the HSM says of it. */
static int backup_slot(struct cli *cli, const struct command *cmd,
		       const struct cmd_args *args, unsigned int *slot,
		       struct clonedev_slot *s)
{
	struct clonedev_nl *nl;
	int ret;

	if (cli_slot_number(cli_opt(cmd, args, "slot"), slot) ||
	    cli_nl(cli, &nl))
		return -1;
	ret = clonedev_nl_slot_get(nl, *slot, s);
	if (ret == -ENODEV)
		return cli_error("there is no partition in slot %u; 'partition archive list' shows the backup partitions.",
				 *slot);
	if (ret)
		return cli_errno(cli, ret, "reading the backup slot");
	if (s->type != CLONEDEV_PTYPE_BACKUP)
		return cli_error("slot %u is an %s partition, not a backup partition; 'partition archive list' shows the backup partitions ('partition clone' copies between application partitions).",
				 *slot, clonedev_ptype_name(s->type));
	return 0;
}

/*
 * The current session, its slot not @other, with the co logged in (or
 * the cu, if @cu_too). Return: 0, or -1 with the error said.
 */
static int current_slot(struct cli *cli, unsigned int other, bool cu_too,
			struct clonedev **cd, struct clonedev_session_info *si)
{
	int ret;

	if (cli_session(cli, cd))
		return -1;
	ret = clonedev_session_info(*cd, si);
	if (ret)
		return cli_errno(cli, ret, "reading the session");
	if (!si->slot)
		return cli_error("no slot is selected; choose the application partition with 'slot set -slot N' and log in as co.");
	if (si->slot == other)
		return cli_error("slot %u is the current slot; select the application partition to back up or restore with 'slot set -slot N'.",
				 other);
	if (si->role != CLONEDEV_ROLE_CO &&
	    (!cu_too || si->role != CLONEDEV_ROLE_CU))
		return cli_error("this needs the co%s logged in on slot %u; log in with 'role login -name co'.",
				 cu_too ? " (or, for public objects, the cu)" :
				 "", si->slot);
	return 0;
}

/* A session "partition archive" opened: closed, or only logged out if kept. */
static void end_session(struct clonedev *t, bool kept)
{
	if (kept)
		clonedev_logout(t);
	else
		clonedev_close(t);
}

/*
 * -replace of a backup: destroys the objects of the backup @t whose OUID
 * is not in @named, once every named object is there.
 */
static int remove_others(struct cli *cli, struct clonedev *t,
			 const struct ouids *named, unsigned int *removed)
{
	struct clonedev_object_attrs a;
	unsigned int *h = NULL;
	int i, n, ret = 0;

	*removed = 0;
	n = clonedev_object_list(t, &h);
	if (n < 0)
		return cli_errno(cli, n, "listing the backup's objects");
	for (i = 0; i < n && !ret; i++) {
		ret = clonedev_object_get(t, h[i], &a, NULL, 0, NULL);
		if (!ret && !ouids_has(named, a.ouid)) {
			ret = clonedev_object_destroy(t, h[i]);
			if (!ret)
				(*removed)++;
		}
	}
	free(h);
	if (ret == -EPERM)
		return cli_error("replacing: every object named is on the backup, but policy 28 (Allow key management functions) is off on it, so %u of the others were removed and the rest kept.",
				 *removed);
	if (ret)
		return cli_errno(cli, ret, "replacing the backup's objects");
	return 0;
}

int cmd_archive_backup(struct cli *cli, const struct command *cmd,
		       const struct cmd_args *args)
{
	bool append = cli_flag(cmd, args, "append");
	bool replace = cli_flag(cmd, args, "replace");
	struct cli_clone_run run = { .cli = cli };
	unsigned int slot, count, *handles = NULL;
	struct clonedev_session_info si;
	struct ouids named = { NULL, 0 };
	struct clonedev *cd, *t = NULL;
	struct clonedev_clone res;
	struct clonedev_slot bs;
	bool kept = false;
	int ret;

	ret = slot_or_file(cmd, args);
	if (ret)
		return ret < 0 ? ret : cmd_archive_file_backup(cli, cmd, args);
	if (append && replace)
		return cli_error("give -append (add to the backup) or -replace (make it hold only these objects), not both.");
	if (backup_slot(cli, cmd, args, &slot, &bs) ||
	    current_slot(cli, slot, true, &cd, &si))
		return -1;
	if (bs.object_count && !append && !replace)
		return cli_error("the backup partition in slot %u holds %u objects already; give -append to add to them or -replace to replace them.",
				 slot, bs.object_count);
	if (parse_objects(cmd, args, &handles, &count))
		return -1;
	/* Read before the clone: the objects named must be what is kept. */
	ret = replace ? ouids_of(cli, cd, handles, count, &named) : 0;
	if (!ret)
		ret = cli_clone_target(cli, cmd, args, slot, "backup", &t,
				       &kept);
	if (!ret)
		ret = cli_clone_local(&run, cd, si.slot, t, slot, handles,
				      count, &res);
	if (!ret && replace && !res.refused && !res.failed) {
		run.removed_what = "removed";
		ret = remove_others(cli, t, &named, &run.removed);
	}
	if (t)
		end_session(t, kept);
	if (!ret)
		cli_clone_verdict(cli, &run, &res);
	free(named.id);
	free(handles);
	free(run.done);
	if (ret)
		return -1;
	return (res.refused + res.failed) ? -1 : 0;
}

/*
 * -replace of a restore: how many of the objects copied took the place
 * of one the current slot @cd held before (@held, their OUIDs).
 */
static int count_replaced(struct cli_clone_run *run, struct clonedev *cd,
			  const struct ouids *held)
{
	struct clonedev_object_attrs a;
	unsigned int i;
	int ret;

	run->removed = 0;
	if (run->lost)
		return cli_error("out of memory: the restore finished, but which objects were replaced is not known.");
	for (i = 0; i < run->n_done; i++) {
		if (run->done[i].status != CLONEDEV_CLONE_COPIED)
			continue;
		ret = clonedev_object_get(cd, run->done[i].target, &a, NULL,
					  0, NULL);
		if (ret)
			return cli_errno(run->cli, ret,
					 "reading an object restored");
		if (ouids_has(held, a.ouid))
			run->removed++;
	}
	return 0;
}

int cmd_archive_restore(struct cli *cli, const struct command *cmd,
			const struct cmd_args *args)
{
	bool replace = cli_flag(cmd, args, "replace");
	struct cli_clone_run run = { .cli = cli };
	unsigned int slot, count, *handles = NULL;
	struct clonedev_session_info si;
	struct ouids held = { NULL, 0 };
	struct clonedev *cd, *t = NULL;
	struct clonedev_clone res;
	struct clonedev_slot bs;
	bool kept = false;
	int ret;

	ret = slot_or_file(cmd, args);
	if (ret)
		return ret < 0 ? ret : cmd_archive_file_restore(cli, cmd, args);
	if (backup_slot(cli, cmd, args, &slot, &bs) ||
	    current_slot(cli, slot, false, &cd, &si) ||
	    parse_objects(cmd, args, &handles, &count))
		return -1;
	/* What the slot holds before: those copied again were replaced. */
	ret = replace ? ouids_of(cli, cd, NULL, 0, &held) : 0;
	if (!ret)
		ret = cli_clone_target(cli, cmd, args, slot, "backup", &t,
				       &kept);
	if (replace) {
		run.removed_what = "replaced";
		run.target_flags = CLONEDEV_CLONE_REPLACE;
	}
	if (!ret)
		ret = cli_clone_local(&run, t, slot, cd, si.slot, handles,
				      count, &res);
	if (!ret && replace)
		ret = count_replaced(&run, cd, &held);
	if (t)
		end_session(t, kept);
	if (!ret)
		cli_clone_verdict(cli, &run, &res);
	free(held.id);
	free(handles);
	free(run.done);
	if (ret)
		return -1;
	return (res.refused + res.failed) ? -1 : 0;
}

int cmd_archive_list(struct cli *cli, const struct command *cmd,
		     const struct cmd_args *args)
{
	struct clonedev_slot *slots = NULL;
	struct clonedev_nl *nl;
	struct json j;
	int i, n, shown = 0;

	(void)cmd;
	(void)args;
	if (cli_nl(cli, &nl))
		return -1;
	n = clonedev_nl_slot_list(nl, &slots);
	if (n < 0)
		return cli_errno(cli, n, "listing the slots");
	if (cli_json(cli)) {
		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_arr_begin(&j, "backups");
	}
	for (i = 0; i < n; i++) {
		const struct clonedev_slot *s = &slots[i];

		if (s->type != CLONEDEV_PTYPE_BACKUP)
			continue;
		if (cli_json(cli)) {
			json_obj_begin(&j, NULL);
			json_uint(&j, "slot", s->slot);
			json_str(&j, "label", s->label);
			json_uint(&j, "serial", s->serial);
			json_str(&j, "auth", clonedev_auth_name(s->auth));
			json_str(&j, "state", clonedev_state_name(s->state));
			json_uint(&j, "objects", s->object_count);
			json_obj_end(&j);
			continue;
		}
		if (!shown++)
			printf("%-5s %-32s %-12s %-8s %-13s %s\n", "Slot",
			       "Label", "Serial", "Auth", "State", "Objects");
		printf("%-5u %-32s %-12llu %-8s %-13s %u\n", s->slot, s->label,
		       s->serial, clonedev_auth_name(s->auth),
		       clonedev_state_name(s->state), s->object_count);
	}
	if (cli_json(cli)) {
		json_arr_end(&j);
		json_obj_end(&j);
		json_end(&j);
	} else if (!shown) {
		printf("No backup partitions: the HSM administrator makes one with 'partition create -label L -type backup'.\n");
	}
	free(slots);
	return 0;
}

int cmd_archive_contents(struct cli *cli, const struct command *cmd,
			 const struct cmd_args *args)
{
	struct clonedev_slot bs;
	unsigned int slot;
	struct clonedev *t;
	bool kept;
	int ret;

	if (backup_slot(cli, cmd, args, &slot, &bs) ||
	    cli_clone_target(cli, cmd, args, slot, "backup", &t, &kept))
		return -1;
	ret = cli_show_contents(cli, t);
	end_session(t, kept);
	return ret;
}
