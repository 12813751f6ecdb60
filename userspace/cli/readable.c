// SPDX-License-Identifier: GPL-2.0
/*
 * Grouping the module's per-page reports.  Like parse.c, strict about the
 * columns it needs and lenient about the ones it does not know.
 */
#include <inttypes.h>
#include <stddef.h>
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

/* How a column's cells are read, into a field of a row's struct. */
enum cell_kind {
	K_TIME_US,	/* ps_parse_time_us() */
	K_PID,		/* an int32 >= 0 */
	K_I32,
	K_U32,
	K_U64,		/* decimal or 0x hex */
	K_BOOL,		/* 0 or 1 */
	K_WORD,		/* a string that fits the field */
	K_ORDER,	/* a u32 <= 30 */
	K_OPT_COUNT,	/* an int32 >= 0, or -1 for "-" */
};

struct col_spec {
	const char *name;
	enum cell_kind kind;
	size_t off, size;	/* the field */
};

#define COL(name, kind, type, field)					\
	{ name, kind, offsetof(type, field), sizeof(((type *)0)->field) }

static bool parse_cell(const struct col_spec *c, const char *s, void *row)
{
	void *f = (char *)row + c->off;

	switch (c->kind) {
	case K_TIME_US:
		return ps_parse_time_us(s, f);
	case K_PID:
		return i32(s, f) && *(int32_t *)f >= 0;
	case K_I32:
		return i32(s, f);
	case K_U32:
		return ps_parse_u32(s, f);
	case K_U64:
		return ps_parse_u64(s, f);
	case K_BOOL:
		return ps_parse_bool(s, f);
	case K_WORD:
		return ps_copy_word(f, c->size, s);
	case K_ORDER:
		return ps_parse_u32(s, f) && *(uint32_t *)f <= 30;
	case K_OPT_COUNT:
		if (!strcmp(s, "-")) {
			*(int32_t *)f = -1;
			return true;
		}
		return i32(s, f) && *(int32_t *)f >= 0;
	}
	return false;
}

#define MAX_COLS	16
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * Rows @from.. of @t, each into a zeroed struct of @size bytes by @cols, in
 * a calloc()ed array.  NULL with @err when a column is missing or a cell is
 * bad ("<file> <unit> <number>: bad <column> ...", rows numbered from
 * @first_no).
 */
static void *parse_rows(const struct ps_table *t, size_t from,
			const char *file, const struct col_spec *cols,
			size_t ncols, size_t size, const char *unit,
			size_t first_no, char *err)
{
	const char *names[MAX_COLS];
	int c[MAX_COLS];
	size_t r, k;
	char *rows;

	for (k = 0; k < ncols; k++)
		names[k] = cols[k].name;
	if (ps_table_cols(t, file, names, c, ncols, err))
		return NULL;
	rows = calloc(t->nrows - from + 1, size);
	if (!rows) {
		snprintf(err, PS_ERR_LEN, "out of memory");
		return NULL;
	}
	for (r = from; r < t->nrows; r++) {
		for (k = 0; k < ncols; k++) {
			const char *v = ps_table_cell(t, r, c[k]);

			if (!parse_cell(&cols[k], v, rows + (r - from) * size)) {
				snprintf(err, PS_ERR_LEN, "%s %s %zu: bad %s \"%s\"",
					 file, unit, r + first_no, cols[k].name, v);
				free(rows);
				return NULL;
			}
		}
	}
	return rows;
}

static const struct col_spec cow_cols[] = {
	COL("time", K_TIME_US, struct ps_cow_event, time_us),
	COL("pid", K_PID, struct ps_cow_event, pid),
	COL("comm", K_WORD, struct ps_cow_event, comm),
	COL("vaddr", K_U64, struct ps_cow_event, vaddr),
	COL("pfn", K_U64, struct ps_cow_event, pfn),
	COL("decision", K_WORD, struct ps_cow_event, decision),
	COL("exclusive", K_BOOL, struct ps_cow_event, exclusive),
	COL("maybe_pinned", K_BOOL, struct ps_cow_event, maybe_pinned),
	COL("count", K_U32, struct ps_cow_event, count),
	COL("verdict", K_WORD, struct ps_cow_event, verdict),
};

int ps_parse_cow_events(const struct ps_table *t, size_t from,
			struct ps_cow_event **ev, size_t *n, char *err)
{
	if (from > t->nrows)
		from = t->nrows;
	*ev = parse_rows(t, from, "cow_audit", cow_cols, ARRAY_SIZE(cow_cols),
			 sizeof(**ev), "line", 2, err);
	*n = *ev ? t->nrows - from : 0;
	return *ev ? 0 : -1;
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

static const struct col_spec mm_cols[] = {
	COL("pfn", K_U64, struct ps_mismatch, pfn),
	COL("count", K_U32, struct ps_mismatch, count),
	COL("maybe_pinned", K_BOOL, struct ps_mismatch, maybe_pinned),
	COL("refcount", K_I32, struct ps_mismatch, refcount),
	COL("order", K_ORDER, struct ps_mismatch, order),
	COL("folio_pincount", K_OPT_COUNT, struct ps_mismatch, pincount),
	COL("cause", K_WORD, struct ps_mismatch, cause),
};

static int cmp_mismatch(const void *x, const void *y)
{
	const struct ps_mismatch *a = x, *b = y;

	return a->pfn < b->pfn ? -1 : a->pfn > b->pfn;
}

int ps_parse_mismatches(const struct ps_table *t, struct ps_mismatch **out,
			size_t *n, char *err)
{
	*out = parse_rows(t, 0, "verdicts", mm_cols, ARRAY_SIZE(mm_cols),
			  sizeof(**out), "row", 1, err);
	if (!*out) {
		*n = 0;
		return -1;
	}
	qsort(*out, t->nrows, sizeof(**out), cmp_mismatch);
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
