/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The self-check: pinshadow's ledger must reconcile with the kernel's own
 * pin counters, no probe event may have been missed or lost, and every
 * probe must do its job.
 */
#ifndef PS_SELFCHECK_H
#define PS_SELFCHECK_H

#include <stdbool.h>

#include "parse.h"

#define PS_SELFCHECK_MAX	12

struct ps_selfcheck {
	bool ok;
	/* Only the counter equalities failed: pins in flight may explain it. */
	bool transient;
	int nreasons;
	char reasons[PS_SELFCHECK_MAX][200];
};

/*
 * @pr: the probes table (may be NULL with @npr 0): a probe that is silent
 * (armed and blind while the kernel's counters moved), refused its
 * arguments or could not be armed fails the check, by name.
 */
void ps_selfcheck(const struct ps_stats *st, const struct ps_probe *pr,
		  size_t npr, struct ps_selfcheck *sc);

#endif /* PS_SELFCHECK_H */
