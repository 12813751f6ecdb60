/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Event counters.  Per-CPU, so a probe handler pays one local add; a read
 * sums the CPUs.  Gauges (outstanding pins, pinned pages) are per-CPU too:
 * one CPU's part may be negative, their sum is exact.
 */
#ifndef PINSHADOW_STATS_H
#define PINSHADOW_STATS_H

#include <linux/percpu.h>
#include <linux/types.h>

#include "cow.h"

enum ps_stat {
	PS_PINS_ACQUIRED,	/* FOLL_PIN refs grabbed (folio ledger) */
	PS_PINS_RELEASED,	/* FOLL_PIN refs put back (folio ledger) */
	PS_BYPASS_PINS,		/* folio_add_pin(): not in nr_foll_pin_acquired */
	PS_API_PINS,		/* pins credited to pages at pin API return */
	PS_API_UNPINS,		/* pins debited from pages by unpin APIs */
	PS_ROLLBACK_UNPINS,	/* FOLL_PIN refs put inside a pin call: undo */
	PS_UNTRACKED_UNPINS,	/* unpins of pages whose count was 0 */
	PS_SUBPAGE_FALLBACKS,	/* unpin charged to another subpage */
	PS_LOST_EVENTS,		/* counts lost: no memory, counter full */
	PS_LOST_RECORDS,	/* who/when lost: no record memory */
	PS_PINS_OUTSTANDING,	/* sum of the per-page counts */
	PS_PINNED_PAGES,	/* pages whose count is > 0 */
	PS_LONGTERM_OUTSTANDING,/* sum of the per-page longterm counts */
	PS_TABLE_BLOCKS,	/* blocks of entries allocated */
	PS_RECORDS,		/* pin-call records alive */
	PS_COW_EXAMINED,	/* anon pages of a parent seen at fork */
	PS_COW_COPIED,		/* ... copied into the child */
	PS_COW_SHARED,		/* ... shared with the child */
	PS_COW_NEEDLESS_COPIES,	/* copied, exact count 0 */
	PS_COW_UNSAFE_SHARES,	/* shared while pinned */
	PS_COW_UNAUDITED,	/* pages not audited: no memory, fork failed */
	PS_COW_UNWALKED,	/* VMA pages past a fork's walk bound */
	PS_COW_EVENTS_DROPPED,	/* oldest events pushed out of the ring */
	PS_WP_COPY_PINNED,	/* write fault copied a pinned page */
	PS_POOL_EMPTY,		/* takes that found a pool empty (lost) */
	PS_POOL_REFILL_FAILURES,/* allocations failed refilling a pool */
	PS_LOST_STACKS,		/* stack captures that failed */
	/* Per policy (enum ps_policy): enum ps_policy_field counters each. */
	PS_POLICY_BASE,
	PS_NR_STATS = PS_POLICY_BASE + PS_NR_POLICIES * PS_NR_POL_FIELDS
};

struct ps_stats {
	s64 v[PS_NR_STATS];
};

DECLARE_PER_CPU(struct ps_stats, ps_stats);

static inline void ps_stat_add(enum ps_stat item, s64 delta)
{
	this_cpu_add(ps_stats.v[item], delta);
}

static inline void ps_stat_inc(enum ps_stat item)
{
	ps_stat_add(item, 1);
}

/* One loss of @item, counted and traced (pinshadow:lost); trace.c. */
void ps_lost(enum ps_stat item, const char *what);

s64 ps_stat_read(enum ps_stat item);
void ps_stats_reset(void);

/* Exact deltas of nr_foll_pin_{acquired,released} since the last reset. */
s64 ps_vmstat_acquired(void);
s64 ps_vmstat_released(void);

#endif /* PINSHADOW_STATS_H */
