// SPDX-License-Identifier: GPL-2.0
/*
 * Grouping the module's per-page reports.  Like parse.c, strict about the
 * columns it needs and lenient about the ones it does not know.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "readable.h"

bool ps_parse_time_us(const char *s, uint64_t *us)
{
	const char *dot = strchr(s, '.');
	char whole[32];
	uint64_t sec, frac = 0;
	size_t len = dot ? (size_t)(dot - s) : strlen(s), i;

	if (len == 0 || len >= sizeof(whole))
		return false;
	memcpy(whole, s, len);
	whole[len] = '\0';
	if (whole[0] < '0' || whole[0] > '9' || whole[1] == 'x' ||
	    !ps_parse_u64(whole, &sec) || sec > UINT64_MAX / 1000000)
		return false;
	if (dot) {
		/* Up to six digits, scaled to microseconds. */
		for (i = 1; dot[i]; i++) {
			if (dot[i] < '0' || dot[i] > '9' || i > 6)
				return false;
			frac = frac * 10 + (uint64_t)(dot[i] - '0');
		}
		if (i == 1)
			return false;
		for (; i <= 6; i++)
			frac *= 10;
	}
	*us = sec * 1000000 + frac;
	return true;
}

const char *ps_fmt_time_us(uint64_t us, char *buf, size_t size)
{
	snprintf(buf, size, "%" PRIu64 ".%06" PRIu64, us / 1000000,
		 us % 1000000);
	return buf;
}

static bool i32(const char *s, int32_t *v)
{
	int64_t x;

	if (!ps_parse_i64(s, &x) || x < INT32_MIN || x > INT32_MAX)
		return false;
	*v = (int32_t)x;
	return true;
}

enum cow_col {
	C_TIME, C_PID, C_COMM, C_VADDR, C_PFN, C_DECISION, C_EXCLUSIVE,
	C_MAYBE, C_COUNT, C_VERDICT, NR_COW_COLS
};

static const char *const cow_cols[NR_COW_COLS] = {
	"time", "pid", "comm", "vaddr", "pfn", "decision", "exclusive",
	"maybe_pinned", "count", "verdict"
};

/* -1, or the column that does not parse. */
static int cow_event(struct ps_cow_event *e, const char *const *v)
{
	memset(e, 0, sizeof(*e));
	if (!ps_parse_time_us(v[C_TIME], &e->time_us))
		return C_TIME;
	if (!i32(v[C_PID], &e->pid) || e->pid < 0)
		return C_PID;
	if (!ps_copy_word(e->comm, sizeof(e->comm), v[C_COMM]))
		return C_COMM;
	if (!ps_parse_u64(v[C_VADDR], &e->vaddr))
		return C_VADDR;
	if (!ps_parse_u64(v[C_PFN], &e->pfn))
		return C_PFN;
	if (!ps_copy_word(e->decision, sizeof(e->decision), v[C_DECISION]))
		return C_DECISION;
	if (!ps_parse_bool(v[C_EXCLUSIVE], &e->exclusive))
		return C_EXCLUSIVE;
	if (!ps_parse_bool(v[C_MAYBE], &e->maybe_pinned))
		return C_MAYBE;
	if (!ps_parse_u32(v[C_COUNT], &e->count))
		return C_COUNT;
	if (!ps_copy_word(e->verdict, sizeof(e->verdict), v[C_VERDICT]))
		return C_VERDICT;
	return -1;
}

int ps_parse_cow_events(const struct ps_table *t, size_t from,
			struct ps_cow_event **ev, size_t *n, char *err)
{
	const char *v[NR_COW_COLS];
	int c[NR_COW_COLS], bad;
	struct ps_cow_event *e;
	size_t r, k;

	*ev = NULL;
	*n = 0;
	if (ps_table_cols(t, "cow_audit", cow_cols, c, NR_COW_COLS, err))
		return -1;
	if (from > t->nrows)
		from = t->nrows;
	e = calloc(t->nrows - from + 1, sizeof(*e));
	if (!e) {
		snprintf(err, PS_ERR_LEN, "out of memory");
		return -1;
	}
	for (r = from; r < t->nrows; r++) {
		for (k = 0; k < NR_COW_COLS; k++)
			v[k] = ps_table_cell(t, r, c[k]);
		bad = cow_event(&e[r - from], v);
		if (bad >= 0) {
			snprintf(err, PS_ERR_LEN, "cow_audit line %zu: bad %s \"%s\"",
				 r + 2, cow_cols[bad], v[bad]);
			free(e);
			return -1;
		}
	}
	*ev = e;
	*n = t->nrows - from;
	return 0;
}

static bool same_kind(const struct ps_cow_group *a, const struct ps_cow_group *b)
{
	return a->pid == b->pid && !strcmp(a->comm, b->comm) &&
	       !strcmp(a->decision, b->decision) &&
	       a->exclusive == b->exclusive &&
	       a->maybe_pinned == b->maybe_pinned &&
	       !strcmp(a->verdict, b->verdict);
}

/* Does @b start where @a ends, in addresses and in PFNs? */
static bool continues(const struct ps_cow_group *a, const struct ps_cow_group *b)
{
	return same_kind(a, b) && a->vaddr_end == b->vaddr_start &&
	       a->pfn_end == b->pfn_start;
}

static void absorb(struct ps_cow_group *a, const struct ps_cow_group *b)
{
	if (b->vaddr_start < a->vaddr_start) {
		a->vaddr_start = b->vaddr_start;
		a->pfn_start = b->pfn_start;
	} else {
		a->vaddr_end = b->vaddr_end;
		a->pfn_end = b->pfn_end;
	}
	a->pages += b->pages;
	if (b->count_min < a->count_min)
		a->count_min = b->count_min;
	if (b->count_max > a->count_max)
		a->count_max = b->count_max;
	if (b->time_first_us < a->time_first_us)
		a->time_first_us = b->time_first_us;
	if (b->time_last_us > a->time_last_us)
		a->time_last_us = b->time_last_us;
}

static void group_of(struct ps_cow_group *g, const struct ps_cow_event *e,
		     uint64_t page_size)
{
	memset(g, 0, sizeof(*g));
	g->pid = e->pid;
	memcpy(g->comm, e->comm, sizeof(g->comm));
	memcpy(g->decision, e->decision, sizeof(g->decision));
	g->exclusive = e->exclusive;
	g->maybe_pinned = e->maybe_pinned;
	memcpy(g->verdict, e->verdict, sizeof(g->verdict));
	g->time_first_us = g->time_last_us = e->time_us;
	g->vaddr_start = e->vaddr;
	g->vaddr_end = e->vaddr + page_size;
	g->pfn_start = e->pfn;
	g->pfn_end = e->pfn + 1;
	g->pages = 1;
	g->count_min = g->count_max = e->count;
}

static int cmp_kind_addr(const void *x, const void *y)
{
	const struct ps_cow_group *a = *(const struct ps_cow_group *const *)x;
	const struct ps_cow_group *b = *(const struct ps_cow_group *const *)y;
	int d;

	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	if ((d = strcmp(a->comm, b->comm)) ||
	    (d = strcmp(a->decision, b->decision)) ||
	    (d = strcmp(a->verdict, b->verdict)))
		return d;
	if (a->exclusive != b->exclusive)
		return a->exclusive ? 1 : -1;
	if (a->maybe_pinned != b->maybe_pinned)
		return a->maybe_pinned ? 1 : -1;
	if (a->vaddr_start != b->vaddr_start)
		return a->vaddr_start < b->vaddr_start ? -1 : 1;
	return a < b ? -1 : a > b;
}

static bool overlap(const struct ps_cow_group *a, const struct ps_cow_group *b)
{
	return a->vaddr_start < b->vaddr_end && b->vaddr_start < a->vaddr_end;
}

/*
 * Join the groups [s, e) (one process, no page twice) that continue each
 * other; the absorbed ones get pages = 0.
 */
static void join_stretch(struct ps_cow_group *g, size_t s, size_t e,
			 struct ps_cow_group **tmp)
{
	struct ps_cow_group *cur;
	size_t i, n = e - s;

	for (i = 0; i < n; i++)
		tmp[i] = &g[s + i];
	qsort(tmp, n, sizeof(*tmp), cmp_kind_addr);
	cur = tmp[0];
	for (i = 1; i < n; i++) {
		if (continues(cur, tmp[i])) {
			absorb(cur, tmp[i]);
			tmp[i]->pages = 0;
		} else {
			cur = tmp[i];
		}
	}
}

int ps_group_cow(const struct ps_cow_event *ev, size_t n, uint64_t page_size,
		 struct ps_cow_group **out, size_t *nout)
{
	struct ps_cow_group *g, **tmp, one;
	size_t i, m = 0, s, k;

	*out = NULL;
	*nout = 0;
	g = calloc(n ? n : 1, sizeof(*g));
	tmp = calloc(n ? n : 1, sizeof(*tmp));
	if (!g || !tmp) {
		free(g);
		free(tmp);
		return -1;
	}
	/*
	 * A stretch ends at another process or at a page it already holds
	 * (the next fork); within one, consecutive events that continue each
	 * other form a group, and at its end the groups are joined.
	 */
	for (i = 0, s = 0; i < n; i++) {
		group_of(&one, &ev[i], page_size);
		for (k = s; k < m && g[s].pid == one.pid; k++)
			if (overlap(&g[k], &one))
				break;
		if (m > s && k < m) {
			join_stretch(g, s, m, tmp);
			s = m;
		}
		if (m > s && continues(&g[m - 1], &one))
			absorb(&g[m - 1], &one);
		else
			g[m++] = one;
	}
	if (m > s)
		join_stretch(g, s, m, tmp);
	free(tmp);
	for (i = 0, k = 0; i < m; i++)
		if (g[i].pages)
			g[k++] = g[i];
	*out = g;
	*nout = k;
	return 0;
}

/* verdicts */

static const char *const truth_names[] = {
	"true_pos", "false_pos", "false_neg", "true_neg"
};

int ps_parse_truth(const struct ps_report *rep, struct ps_truth *t, char *err)
{
	uint64_t *dst[] = { &t->true_pos, &t->false_pos, &t->false_neg,
			    &t->true_neg };
	bool have[4] = { false }, have_scanned = false;
	size_t i, k;

	memset(t, 0, sizeof(*t));
	strcpy(t->scope, "?");
	for (i = 0; i < rep->nsummary; i++) {
		const char *name = rep->names[i], *val = rep->values[i];
		bool ok = true;

		for (k = 0; k < 4; k++) {
			if (!strcmp(name, truth_names[k])) {
				ok = ps_parse_u64(val, dst[k]);
				have[k] = true;
			}
		}
		if (!strcmp(name, "scanned")) {
			ok = ps_parse_u64(val, &t->scanned);
			have_scanned = true;
		} else if (!strcmp(name, "mismatches_dropped")) {
			ok = ps_parse_u64(val, &t->dropped);
		} else if (!strcmp(name, "scope")) {
			ok = ps_copy_word(t->scope, sizeof(t->scope), val);
		}
		if (!ok) {
			snprintf(err, PS_ERR_LEN, "verdicts: bad %s \"%s\"", name,
				 val);
			return -1;
		}
	}
	for (k = 0; k < 4; k++) {
		if (!have[k]) {
			snprintf(err, PS_ERR_LEN, "verdicts: no \"%s\" line",
				 truth_names[k]);
			return -1;
		}
	}
	if (!have_scanned)
		t->scanned = t->true_pos + t->false_pos + t->false_neg +
			     t->true_neg;
	return 0;
}

enum mm_col {
	M_PFN, M_COUNT, M_MAYBE, M_REFCOUNT, M_ORDER, M_PINCOUNT, M_CAUSE,
	NR_MM_COLS
};

static const char *const mm_cols[NR_MM_COLS] = {
	"pfn", "count", "maybe_pinned", "refcount", "order", "folio_pincount",
	"cause"
};

static int mismatch(struct ps_mismatch *m, const char *const *v)
{
	memset(m, 0, sizeof(*m));
	if (!ps_parse_u64(v[M_PFN], &m->pfn))
		return M_PFN;
	if (!ps_parse_u32(v[M_COUNT], &m->count))
		return M_COUNT;
	if (!ps_parse_bool(v[M_MAYBE], &m->maybe_pinned))
		return M_MAYBE;
	if (!i32(v[M_REFCOUNT], &m->refcount))
		return M_REFCOUNT;
	if (!ps_parse_u32(v[M_ORDER], &m->order) || m->order > 30)
		return M_ORDER;
	if (!strcmp(v[M_PINCOUNT], "-"))
		m->pincount = -1;
	else if (!i32(v[M_PINCOUNT], &m->pincount) || m->pincount < 0)
		return M_PINCOUNT;
	if (!ps_copy_word(m->cause, sizeof(m->cause), v[M_CAUSE]))
		return M_CAUSE;
	return -1;
}

static int cmp_mismatch(const void *x, const void *y)
{
	const struct ps_mismatch *a = x, *b = y;

	return a->pfn < b->pfn ? -1 : a->pfn > b->pfn;
}

int ps_parse_mismatches(const struct ps_table *t, struct ps_mismatch **out,
			size_t *n, char *err)
{
	const char *v[NR_MM_COLS];
	int c[NR_MM_COLS], bad;
	struct ps_mismatch *m;
	size_t r, k;

	*out = NULL;
	*n = 0;
	if (ps_table_cols(t, "verdicts", mm_cols, c, NR_MM_COLS, err))
		return -1;
	m = calloc(t->nrows + 1, sizeof(*m));
	if (!m) {
		snprintf(err, PS_ERR_LEN, "out of memory");
		return -1;
	}
	for (r = 0; r < t->nrows; r++) {
		for (k = 0; k < NR_MM_COLS; k++)
			v[k] = ps_table_cell(t, r, c[k]);
		bad = mismatch(&m[r], v);
		if (bad >= 0) {
			snprintf(err, PS_ERR_LEN, "verdicts row %zu: bad %s \"%s\"",
				 r + 1, mm_cols[bad], v[bad]);
			free(m);
			return -1;
		}
	}
	qsort(m, t->nrows, sizeof(*m), cmp_mismatch);
	*out = m;
	*n = t->nrows;
	return 0;
}

static void run_of(struct ps_mismatch_run *r, const struct ps_mismatch *m)
{
	memset(r, 0, sizeof(*r));
	r->pfn_start = m->pfn;
	r->pfn_end = m->pfn + 1;
	r->pages = 1;
	memcpy(r->cause, m->cause, sizeof(r->cause));
	r->order = m->order;
	r->maybe_pinned = m->maybe_pinned;
	r->count_min = r->count_max = m->count;
	r->refcount_min = r->refcount_max = m->refcount;
	r->pincount_min = r->pincount_max = m->pincount;
}

int ps_group_mismatches(const struct ps_mismatch *m, size_t n,
			struct ps_mismatch_run **out, size_t *nout)
{
	struct ps_mismatch_run *runs, *r = NULL;
	size_t i, k = 0;

	*out = NULL;
	*nout = 0;
	runs = calloc(n ? n : 1, sizeof(*runs));
	if (!runs)
		return -1;
	for (i = 0; i < n; i++) {
		const struct ps_mismatch *p = &m[i];

		if (r && p->pfn == r->pfn_end && !strcmp(p->cause, r->cause) &&
		    p->order == r->order && p->maybe_pinned == r->maybe_pinned) {
			r->pfn_end++;
			r->pages++;
			if (p->count < r->count_min)
				r->count_min = p->count;
			if (p->count > r->count_max)
				r->count_max = p->count;
			if (p->refcount < r->refcount_min)
				r->refcount_min = p->refcount;
			if (p->refcount > r->refcount_max)
				r->refcount_max = p->refcount;
			/* -1 (none) only when every page has none. */
			if (p->pincount >= 0 &&
			    (r->pincount_min < 0 || p->pincount < r->pincount_min))
				r->pincount_min = p->pincount;
			if (p->pincount > r->pincount_max)
				r->pincount_max = p->pincount;
			continue;
		}
		r = &runs[k++];
		run_of(r, p);
	}
	*out = runs;
	*nout = k;
	return 0;
}

static const char *const causes[][2] = {
	{ "refcount_bias", "order-0 page, refcount >= 1024 without a pin" },
	{ "folio_sibling", "another subpage of the same large folio is pinned" },
	{ "untracked", "a folio pincount pinshadow never saw (pinned before load?)" },
	{ "unexplained", "none of the known causes" },
	{ "stale_refcount", "pinshadow counts a pin, the refcount shows none" },
	{ "stale_pincount", "pinshadow counts a pin, the folio pincount is 0" },
};

static const char *const policies[][2] = {
	{ "kernel", "MMF_HAS_PINNED && folio_maybe_dma_pinned() (the kernel's rule)" },
	{ "exact", "its exact pin count is > 0" },
	{ "sticky", "it was ever pinned since the module was loaded" },
	{ "pmd", "any page of the same 2 MiB range is pinned" },
	{ "pte", "a pin it holds was taken through this mm at this address" },
};

static const char *lookup(const char *const (*tab)[2], size_t n,
			  const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(tab[i][0], name))
			return tab[i][1];
	return NULL;
}

const char *ps_cause_text(const char *cause)
{
	return lookup(causes, sizeof(causes) / sizeof(causes[0]), cause);
}

const char *ps_policy_text(const char *policy)
{
	return lookup(policies, sizeof(policies) / sizeof(policies[0]), policy);
}
