/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Archive files (docs/archive-format.md): CLONEDEV_IOCTL_ARCHIVE_OPEN,
 * _NEXT and _FINISH.
 */
#ifndef _CLD_ARCHIVE_H
#define _CLD_ARCHIVE_H

struct cld_session;

int cld_archive_open(struct cld_session *s, void *cmd);
int cld_archive_next(struct cld_session *s, void *cmd);
int cld_archive_finish(struct cld_session *s, void *cmd);
void cld_archive_release(struct cld_session *s);

#endif /* _CLD_ARCHIVE_H */
