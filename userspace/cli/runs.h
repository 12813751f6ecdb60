/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Grouping pinned pages into runs a person can read: consecutive virtual
 * pages of one process and mapping become one run (a 1 GiB pinned buffer is
 * one line), and pinned pages no process maps become PFN ranges.
 *
 * A pinned page stands for its whole folio: a run spans every folio that
 * holds a pin, so a THP buffer whose pins sit on one subpage per folio (as
 * io_uring leaves them on 6.12) is still one run.
 */
#ifndef PS_RUNS_H
#define PS_RUNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parse.h"
#include "procmap.h"

#define PS_PID_UNKNOWN	(-1)
#define PS_PID_MIXED	(-2)

/* What a set of pinned pages adds up to. */
struct ps_agg {
	uint64_t pages;
	uint64_t pins;
	uint64_t longterm;
	uint64_t maybe_pinned;	/* pages the kernel's heuristic calls pinned */
	int64_t age_ms;		/* oldest; -1 when unknown */
	char api[PS_API_LEN];	/* "" before the first page; "mixed" */
	int32_t pinner_pid;	/* the task that pinned; or PS_PID_* */
	char pinner_comm[PS_COMM_LEN];
};

void ps_agg_init(struct ps_agg *a);
void ps_agg_add(struct ps_agg *a, const struct ps_pin *p);
void ps_agg_merge(struct ps_agg *a, const struct ps_agg *b);
/* For qsort(): the older first (a larger age_ms); 0 for the same age. */
int ps_agg_cmp_age(const struct ps_agg *x, const struct ps_agg *y);

struct ps_run {
	int32_t pid;		/* the mapping process; -1 for unmapped */
	char comm[PS_COMM_LEN];
	uint64_t start;		/* virtual address, or PFN when unmapped */
	uint64_t end;		/* exclusive */
	char *mapping;		/* maps name, "[anon]"; NULL when unmapped */
	struct ps_agg agg;
};

struct ps_runs {
	struct ps_run *v;
	size_t n, cap;
};

/*
 * Group @hits of process @pid (address order, as ps_scan_process returns
 * them) into runs appended to @out.  0 or -ENOMEM.
 */
int ps_group_hits(const struct ps_hit *hits, size_t nhits,
		  const struct ps_pin *pins, const struct ps_maps *maps,
		  int pid, const char *comm, size_t page_size,
		  struct ps_runs *out);

/* Group the pins with !mapped[i] into PFN ranges appended to @out. */
int ps_group_unmapped(const struct ps_pin *pins, size_t npins,
		      const bool *mapped, struct ps_runs *out);

enum ps_sort { PS_SORT_COUNT, PS_SORT_AGE, PS_SORT_PID };
void ps_runs_sort(struct ps_runs *r, enum ps_sort how);
void ps_runs_free(struct ps_runs *r);

#endif /* PS_RUNS_H */
