/* SPDX-License-Identifier: GPL-2.0 */
/* The session plane: the misc device /dev/clonedev and its ioctls. */
#ifndef _CLD_DEVICE_H
#define _CLD_DEVICE_H

int cld_device_init(void);
void cld_device_uninit(void);

#endif /* _CLD_DEVICE_H */
