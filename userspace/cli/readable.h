/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's reports made readable: cow_audit events grouped into runs of
 * pages, verdicts mismatches grouped into PFN ranges, the truth table's
 * totals, and a sentence for each cause and policy.  Pure functions on
 * parsed tables (parse.h), so the host tests can feed them samples.
 */
#ifndef PS_READABLE_H
#define PS_READABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parse.h"

#define PS_WORD_LEN	32	/* decision, verdict, cause names */

/* "6.614331" (seconds.microseconds, as cow_audit prints it). */
bool ps_parse_time_us(const char *s, uint64_t *us);
const char *ps_fmt_time_us(uint64_t us, char *buf, size_t size);

/* One row of cow_audit. */
struct ps_cow_event {
	uint64_t time_us;
	int32_t pid;
	char comm[PS_COMM_LEN];		/* "-" when the module had none */
	uint64_t vaddr;
	uint64_t pfn;
	char decision[PS_WORD_LEN];	/* copied, shared, wp_copy */
	bool exclusive;
	bool maybe_pinned;
	uint32_t count;
	char verdict[PS_WORD_LEN];	/* ok, needless_copy, ... */
};

/*
 * The events of rows @from.. of a parsed cow_audit table.  -1 with @err
 * when a column is missing (another module version) or a cell is bad.
 */
int ps_parse_cow_events(const struct ps_table *t, size_t from,
			struct ps_cow_event **ev, size_t *n, char *err);

/*
 * A run of events of one process with the same decision, exclusive,
 * maybe_pinned and verdict, on pages whose addresses and PFNs both advance
 * one page at a time.  Ends are exclusive.
 */
struct ps_cow_group {
	int32_t pid;
	char comm[PS_COMM_LEN];
	char decision[PS_WORD_LEN];
	bool exclusive;
	bool maybe_pinned;
	char verdict[PS_WORD_LEN];
	uint64_t time_first_us, time_last_us;
	uint64_t vaddr_start, vaddr_end;
	uint64_t pfn_start, pfn_end;
	uint64_t pages;
	uint32_t count_min, count_max;
};

/*
 * Group @ev (ring order).  Consecutive events that continue each other form
 * a group.  The module logs one fork's pages in chunks whose order is not
 * the address order, so within a stretch of consecutive events of one
 * process whose pages do not repeat (one fork), groups that continue each
 * other are joined too; a joined group takes the place of its lowest part.
 * 0 or -1 (out of memory).
 */
int ps_group_cow(const struct ps_cow_event *ev, size_t n, uint64_t page_size,
		 struct ps_cow_group **g, size_t *ng);

/* verdicts: the truth table's totals (the summary lines). */
struct ps_truth {
	uint64_t true_pos, false_pos, false_neg, true_neg;
	uint64_t scanned, dropped;
	char scope[16];			/* "all", "tracked" or "?" */
};

int ps_parse_truth(const struct ps_report *rep, struct ps_truth *t,
		   char *err);

/* One mismatch row of verdicts. */
struct ps_mismatch {
	uint64_t pfn;
	uint32_t count;
	bool maybe_pinned;
	int32_t refcount;
	uint32_t order;
	int32_t pincount;		/* -1 for "-" (order-0) */
	char cause[PS_WORD_LEN];
};

/* The rows of a parsed verdicts table, sorted by PFN. */
int ps_parse_mismatches(const struct ps_table *t, struct ps_mismatch **m,
			size_t *n, char *err);

/* Consecutive PFNs with the same cause, order and maybe_pinned. */
struct ps_mismatch_run {
	uint64_t pfn_start, pfn_end;	/* end exclusive */
	uint64_t pages;
	char cause[PS_WORD_LEN];
	uint32_t order;
	bool maybe_pinned;
	uint32_t count_min, count_max;
	int32_t refcount_min, refcount_max;
	int32_t pincount_min, pincount_max;	/* -1: no pincount */
};

int ps_group_mismatches(const struct ps_mismatch *m, size_t n,
			struct ps_mismatch_run **runs, size_t *nruns);

/* A sentence for a verdicts cause or a policy; NULL for unknown names. */
const char *ps_cause_text(const char *cause);
const char *ps_policy_text(const char *policy);

#endif /* PS_READABLE_H */
