// SPDX-License-Identifier: GPL-2.0
/*
 * Run grouping.  Pure functions over arrays, so the host tests can check
 * them on made-up pages.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runs.h"

void ps_agg_init(struct ps_agg *a)
{
	memset(a, 0, sizeof(*a));
	a->age_ms = -1;
	a->pinner_pid = PS_PID_UNKNOWN;
}

static void merge_api(struct ps_agg *a, const char *api)
{
	if (!a->api[0])
		snprintf(a->api, sizeof(a->api), "%s", api);
	else if (api[0] && strcmp(a->api, api))
		snprintf(a->api, sizeof(a->api), "mixed");
}

static void merge_pinner(struct ps_agg *a, bool first, int32_t pid,
			 const char *comm)
{
	if (first) {
		a->pinner_pid = pid;
		snprintf(a->pinner_comm, sizeof(a->pinner_comm), "%s", comm);
	} else if (a->pinner_pid != pid) {
		a->pinner_pid = PS_PID_MIXED;
		a->pinner_comm[0] = '\0';
	}
}

void ps_agg_merge(struct ps_agg *a, const struct ps_agg *b)
{
	if (!b->pages)
		return;
	merge_pinner(a, a->pages == 0, b->pinner_pid, b->pinner_comm);
	a->pages += b->pages;
	a->pins += b->pins;
	a->longterm += b->longterm;
	a->maybe_pinned += b->maybe_pinned;
	if (b->age_ms > a->age_ms)
		a->age_ms = b->age_ms;
	merge_api(a, b->api);
}

/* A page is merged as an aggregate of one. */
void ps_agg_add(struct ps_agg *a, const struct ps_pin *p)
{
	struct ps_agg one = {
		.pages = 1, .pins = p->count, .longterm = p->longterm,
		.maybe_pinned = p->maybe_pinned, .age_ms = p->age_ms,
		.pinner_pid = p->pid < 0 ? PS_PID_UNKNOWN : p->pid,
	};

	snprintf(one.api, sizeof(one.api), "%s", p->api);
	snprintf(one.pinner_comm, sizeof(one.pinner_comm), "%s", p->comm);
	ps_agg_merge(a, &one);
}

static struct ps_run *new_run(struct ps_runs *r)
{
	struct ps_run *run;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 32;
		struct ps_run *v = realloc(r->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		r->v = v;
		r->cap = cap;
	}
	run = &r->v[r->n++];
	memset(run, 0, sizeof(*run));
	ps_agg_init(&run->agg);
	return run;
}

/*
 * [@lo, @hi) into the last run *@run, if it @may_join and [@lo, @hi) starts
 * inside it: 0; else into a new run, now *@run: 1 (its other fields are the
 * caller's to fill in).  -ENOMEM without memory.
 */
static int run_extend(struct ps_runs *out, struct ps_run **run, uint64_t lo,
		      uint64_t hi, bool may_join)
{
	if (*run && may_join && lo <= (*run)->end) {
		if (hi > (*run)->end)
			(*run)->end = hi;
		return 0;
	}
	*run = new_run(out);
	if (!*run)
		return -ENOMEM;
	(*run)->start = lo;
	(*run)->end = hi;
	return 1;
}

static const char *mapping_name(const struct ps_vma *vma)
{
	return vma->name[0] ? vma->name : "[anon]";
}

int ps_group_hits(const struct ps_hit *hits, size_t nhits,
		  const struct ps_pin *pins, const struct ps_maps *maps,
		  int pid, const char *comm, size_t page_size,
		  struct ps_runs *out)
{
	struct ps_run *run = NULL;
	size_t i;
	int ret;

	for (i = 0; i < nhits; i++) {
		const struct ps_pin *p = &pins[hits[i].pin];
		const struct ps_vma *vma = &maps->v[hits[i].vma];
		uint64_t folio_pages = 1ULL << p->order;
		uint64_t sub = p->pfn & (folio_pages - 1);
		uint64_t lo, hi;

		/* The folio around this page, as far as the mapping goes. */
		lo = hits[i].va - sub * page_size;
		hi = lo + folio_pages * page_size;
		if (lo < vma->start || lo > hits[i].va)
			lo = vma->start;
		if (hi > vma->end || hi < lo)
			hi = vma->end;

		ret = run_extend(out, &run, lo, hi, run &&
				 !strcmp(run->mapping, mapping_name(vma)));
		if (ret < 0)
			return ret;
		if (ret) {
			run->pid = pid;
			snprintf(run->comm, sizeof(run->comm), "%s", comm);
			run->mapping = strdup(mapping_name(vma));
			if (!run->mapping)
				return -ENOMEM;
		}
		ps_agg_add(&run->agg, p);
	}
	return 0;
}

int ps_group_unmapped(const struct ps_pin *pins, size_t npins,
		      const bool *mapped, struct ps_runs *out)
{
	struct ps_run *run = NULL;
	size_t i;
	int ret;

	for (i = 0; i < npins; i++) {
		uint64_t folio_pages = 1ULL << pins[i].order;
		uint64_t lo = pins[i].pfn & ~(folio_pages - 1);
		uint64_t hi = lo + folio_pages;

		if (mapped[i])
			continue;
		ret = run_extend(out, &run, lo, hi, true);
		if (ret < 0)
			return ret;
		if (ret)
			run->pid = -1;
		ps_agg_add(&run->agg, &pins[i]);
	}
	return 0;
}

static int cmp_count(const void *a, const void *b)
{
	const struct ps_run *x = a, *y = b;

	if (x->agg.pins != y->agg.pins)
		return x->agg.pins > y->agg.pins ? -1 : 1;
	if (x->agg.pages != y->agg.pages)
		return x->agg.pages > y->agg.pages ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->start < y->start ? -1 : x->start > y->start;
}

int ps_agg_cmp_age(const struct ps_agg *x, const struct ps_agg *y)
{
	if (x->age_ms != y->age_ms)
		return x->age_ms > y->age_ms ? -1 : 1;
	return 0;
}

static int cmp_age(const void *a, const void *b)
{
	const struct ps_run *x = a, *y = b;
	int d = ps_agg_cmp_age(&x->agg, &y->agg);

	return d ? d : cmp_count(a, b);
}

static int cmp_pid(const void *a, const void *b)
{
	const struct ps_run *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->start < y->start ? -1 : x->start > y->start;
}

void ps_runs_sort(struct ps_runs *r, enum ps_sort how)
{
	int (*cmp)(const void *, const void *) =
		how == PS_SORT_AGE ? cmp_age :
		how == PS_SORT_PID ? cmp_pid : cmp_count;

	if (r->n > 1)
		qsort(r->v, r->n, sizeof(r->v[0]), cmp);
}

void ps_runs_free(struct ps_runs *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->v[i].mapping);
	free(r->v);
	memset(r, 0, sizeof(*r));
}
