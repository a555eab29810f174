/* SPDX-License-Identifier: GPL-2.0 */
/* clonectl: "partition archive backup|restore -file F" (archive_file.c). */
#ifndef CLONECTL_ARCHIVE_FILE_H
#define CLONECTL_ARCHIVE_FILE_H

#include "commands.h"

int cmd_archive_file_backup(struct cli *cli, const struct command *cmd,
			    const struct cmd_args *args);
int cmd_archive_file_restore(struct cli *cli, const struct command *cmd,
			     const struct cmd_args *args);

#endif /* CLONECTL_ARCHIVE_FILE_H */
