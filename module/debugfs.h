/* SPDX-License-Identifier: GPL-2.0 */
/* The /sys/kernel/debug/pinshadow/ interface. */
#ifndef PINSHADOW_DEBUGFS_H
#define PINSHADOW_DEBUGFS_H

int ps_debugfs_init(void);
void ps_debugfs_exit(void);

#endif /* PINSHADOW_DEBUGFS_H */
