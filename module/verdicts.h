/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The truth table of folio_maybe_dma_pinned() against the exact counts.
 */
#ifndef PINSHADOW_VERDICTS_H
#define PINSHADOW_VERDICTS_H

#include <linux/fs.h>

/* Scan every PFN of RAM (true) or only the regions with a block (false). */
void ps_verdicts_scan_all(bool all);
extern const struct file_operations ps_verdicts_fops;

#endif /* PINSHADOW_VERDICTS_H */
