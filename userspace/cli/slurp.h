/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PS_SLURP_H
#define PS_SLURP_H

#include <stddef.h>

/* Read a whole file (any path); 0 or -errno.  Debugfs sizes are 0. */
int ps_slurp(const char *path, char **text, size_t *len);

#endif /* PS_SLURP_H */
