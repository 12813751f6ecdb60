/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The self-check: pinshadow's ledger must reconcile with the kernel's own
 * pin counters, and no probe event may have been missed or lost.
 */
#ifndef PS_SELFCHECK_H
#define PS_SELFCHECK_H

#include <stdbool.h>

#include "parse.h"

#define PS_SELFCHECK_MAX	8

struct ps_selfcheck {
	bool ok;
	/* Only the counter equalities failed: pins in flight may explain it. */
	bool transient;
	int nreasons;
	char reasons[PS_SELFCHECK_MAX][160];
};

void ps_selfcheck(const struct ps_stats *st, struct ps_selfcheck *sc);

#endif /* PS_SELFCHECK_H */
