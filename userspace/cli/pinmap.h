/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "pins" table mapped back to processes: what `pinshadow pins` prints
 * and what `pinshadow watch` sums up per process.
 */
#ifndef PS_PINMAP_H
#define PS_PINMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "context.h"
#include "parse.h"
#include "runs.h"

struct ps_pinmap {
	struct ps_pin *pins;		/* after filtering, sorted by PFN */
	size_t npins;
	struct ps_agg total;		/* every pin in @pins, once */
	struct ps_runs mapped;		/* per process and mapping */
	struct ps_runs unmapped;	/* PFN ranges; empty with a pid filter */
	size_t processes;		/* processes that map a pinned page */
	bool *selected;			/* per pin: counted in @total */
};

struct ps_pinmap_filter {
	int pid;			/* only this mapping process; or -1 */
	bool longterm;			/* only pages with long-term pins */
	bool orphaned;			/* only pins of tasks that exited */
	int64_t older_than_ms;		/* only pins older than this; or -1 */
	const char *comm;		/* only pins taken by tasks so named */
};

/*
 * Read "pins" and scan /proc (with --from, the saved ones).  Returns an
 * exit status, having reported.  Asking for orphaned pins of a module
 * whose pins table does not say is exit 7.
 */
int ps_pinmap_build(struct ps_ctx *c, const struct ps_pinmap_filter *f,
		    struct ps_pinmap *pm);
void ps_pinmap_free(struct ps_pinmap *pm);

#endif /* PS_PINMAP_H */
