// SPDX-License-Identifier: GPL-2.0
/*
 * clonectl: "partition archive backup -file F" and "restore -file F"
 * (docs/archive-format.md). The kernel seals and checks the archive; this
 * file finds the current slot, names the file and writes it safely: to a
 * temporary file beside it (mode 0600), synced, then linked to its name
 * only when whole, never over an existing file unless -overwrite is given.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive_file.h"
#include "cli.h"
#include "clone.h"
#include "json.h"

/* The session, with the co (or, if @cu_too, the cu) logged in. */
static int file_session(struct cli *cli, bool cu_too, struct clonedev **cd,
			unsigned int *slot)
{
	struct clonedev_session_info si;
	int ret;

	if (cli_session(cli, cd))
		return -1;
	ret = clonedev_session_info(*cd, &si);
	if (ret)
		return cli_errno(cli, ret, "reading the session");
	if (!si.slot)
		return cli_error("no slot is selected; choose the partition with 'slot set -slot N' and log in as co.");
	if (si.role != CLONEDEV_ROLE_CO &&
	    (!cu_too || si.role != CLONEDEV_ROLE_CU))
		return cli_error("this needs the co%s logged in on slot %u; log in with 'role login -name co'.",
				 cu_too ? " (or, for public objects, the cu)" :
				 "", si.slot);
	*slot = si.slot;
	return 0;
}

/* One sentence for an archive request's error. */
static int file_error(struct cli *cli, int err, const char *file,
		      bool restore)
{
	switch (-err) {
	case EKEYREJECTED:
		return restore ?
		       cli_error("%s is sealed under a cloning domain this partition does not hold; restore it to a partition that holds that domain (the po adds one with 'partition domainadd'). Nothing was restored.",
				 file) :
		       cli_error("this partition has no such cloning domain; 'partition domainlist' shows them.");
	case EBADMSG:
		return cli_error("%s is not an intact archive: it was changed, cut short or is not an archive file. Nothing was restored.",
				 file);
	case EPROTONOSUPPORT:
		return cli_error("%s is an archive of a version this HSM does not read. Nothing was restored.",
				 file);
	case ENOENT:
		return restore ?
		       cli_error("an object named with -objects is not in %s (the handles are those of the partition it was made from). Nothing was restored.",
				 file) :
		       cli_error("an object named with -objects is not in this partition (or was destroyed during the backup); 'partition contents' lists them. No archive was written.");
	case EACCES:
		return cli_error("the login ended; log in again as co. %s",
				 restore ? "Nothing was restored." :
				 "No archive was written.");
	}
	return cli_errno(cli, err, restore ? "restoring the archive" :
			 "writing the archive");
}

/* Syncs the directory holding @path, so a rename or link in it stays. */
static void sync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd;

	if (!copy)
		return;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

int cmd_archive_file_backup(struct cli *cli, const struct command *cmd,
			    const struct cmd_args *args)
{
	const char *file = cli_opt(cmd, args, "file");
	const char *objects = cli_opt(cmd, args, "objects");
	const char *domain = cli_opt(cmd, args, "domain");
	bool overwrite = cli_flag(cmd, args, "overwrite");
	struct clonedev_archive_result res;
	unsigned int slot, count, *handles = NULL;
	struct clonedev *cd;
	char *tmp = NULL;
	int fd = -1, ret;

	if (cli_flag(cmd, args, "append") || cli_flag(cmd, args, "replace"))
		return cli_error("-append and -replace are for a backup partition (-slot); an archive file is always written whole.");
	if (!overwrite && !access(file, F_OK))
		return cli_error("%s exists; give -overwrite to replace it, or another name.",
				 file);
	if (file_session(cli, true, &cd, &slot) ||
	    cli_clone_parse_objects(objects ? objects : "all", &handles,
				    &count))
		return -1;
	if (asprintf(&tmp, "%s.XXXXXX", file) < 0) {
		tmp = NULL;
		ret = cli_error("out of memory.");
		goto out;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		ret = cli_error("cannot create a file beside %s: %s; choose a directory you can write.",
				file, strerror(errno));
		goto out;
	}
	fchmod(fd, 0600);
	ret = clonedev_archive_backup(cd, handles, count, domain, fd, &res);
	if (!ret && fsync(fd))
		ret = -errno;
	if (ret) {
		ret = file_error(cli, ret, file, false);
		goto out;
	}
	/* Only a whole archive gets the name; link() never replaces one. */
	if (overwrite ? rename(tmp, file) : link(tmp, file)) {
		ret = errno == EEXIST ?
		      cli_error("%s was created meanwhile; give -overwrite to replace it.",
				file) :
		      cli_error("cannot name the archive %s: %s.", file,
				strerror(errno));
		goto out;
	}
	if (!overwrite)
		unlink(tmp);
	sync_dir(file);
	free(tmp);
	tmp = NULL;
	if (cli_json(cli)) {
		struct json j;

		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_str(&j, "file", file);
		json_uint(&j, "slot", slot);
		json_uint(&j, "serial", res.serial);
		json_uint(&j, "objects", res.objects);
		json_uint(&j, "refused", res.refused);
		json_obj_end(&j);
		json_end(&j);
	} else {
		printf("Archived %u object%s of slot %u to %s.\n", res.objects,
		       res.objects == 1 ? "" : "s", slot, file);
		if (res.refused)
			printf("%u object%s left out: policies 0 and 4 (or the cu's role) do not let them be cloned.\n",
			       res.refused, res.refused == 1 ? " was" : "s were");
	}
	ret = res.refused ? -1 : 0;
out:
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	free(handles);
	return ret;
}

int cmd_archive_file_restore(struct cli *cli, const struct command *cmd,
			     const struct cmd_args *args)
{
	const char *file = cli_opt(cmd, args, "file");
	const char *objects = cli_opt(cmd, args, "objects");
	struct clonedev_archive_result res;
	unsigned int slot, count, *handles = NULL;
	struct clonedev *cd;
	int fd, ret;

	if (cli_flag(cmd, args, "replace"))
		return cli_error("-replace is for a backup partition (-slot); an archive restore skips objects the slot holds already.");
	if (file_session(cli, false, &cd, &slot) ||
	    cli_clone_parse_objects(objects ? objects : "all", &handles,
				    &count))
		return -1;
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(handles);
		return cli_error("cannot open %s: %s.", file, strerror(errno));
	}
	ret = clonedev_archive_restore(cd, fd, handles, count, &res);
	close(fd);
	free(handles);
	if (ret)
		return file_error(cli, ret, file, true);
	if (cli_json(cli)) {
		struct json j;

		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_str(&j, "file", file);
		json_uint(&j, "slot", slot);
		json_uint(&j, "serial", res.serial);
		json_uint(&j, "objects", res.objects);
		json_uint(&j, "copied", res.copied);
		json_uint(&j, "skipped", res.skipped);
		json_uint(&j, "refused", res.refused);
		json_uint(&j, "failed", res.failed);
		json_obj_end(&j);
		json_end(&j);
	} else {
		printf("Restored %s to slot %u: %u copied, %u skipped (held already), %u refused, %u failed.\n",
		       file, slot, res.copied, res.skipped, res.refused,
		       res.failed);
	}
	return (res.refused + res.failed) ? -1 : 0;
}
