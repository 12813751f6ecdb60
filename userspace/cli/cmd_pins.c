// SPDX-License-Identifier: GPL-2.0
/*
 * pinshadow pins: the "pins" table, one line per run of pinned pages of a
 * process and mapping, then the pinned pages no process maps.  --by stack
 * groups the pages by the kernel stack of their pin instead, the way
 * page_owner_sort groups allocations.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "debugfs.h"
#include "exitcodes.h"
#include "fmt.h"
#include "json.h"
#include "pinmap.h"
#include "procmap.h"

static const char *plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

static const char *pinner_text(const struct ps_agg *a, char *buf, size_t size)
{
	if (a->pinner_pid == PS_PID_MIXED)
		snprintf(buf, size, "several tasks");
	else if (a->pinner_pid == PS_PID_UNKNOWN)
		snprintf(buf, size, "unknown task");
	else
		snprintf(buf, size, "%d %s", a->pinner_pid, a->pinner_comm);
	return buf;
}

static void print_run(FILE *f, const struct ps_run *r, bool mapped)
{
	char range[64], age[16], who[64], pid[16];

	if (mapped) {
		snprintf(pid, sizeof(pid), "%d", r->pid);
		snprintf(range, sizeof(range), "0x%" PRIx64 "-0x%" PRIx64,
			 r->start, r->end);
	} else {
		snprintf(pid, sizeof(pid), "-");
		snprintf(range, sizeof(range), "pfn 0x%" PRIx64 "-0x%" PRIx64,
			 r->start, r->end);
	}
	fprintf(f, "%-7s %-16s %-31s %8" PRIu64 " %8" PRIu64 " %8" PRIu64
		" %-26s %7s  %s", pid, mapped ? r->comm : "-", range,
		r->agg.pages, r->agg.pins, r->agg.longterm,
		r->agg.api[0] ? r->agg.api : "-",
		ps_fmt_age(r->agg.age_ms, age, sizeof(age)),
		mapped ? r->mapping : "(mapped by no process)");
	/* Who pinned, when it is not the process itself (process_vm_readv). */
	if (!mapped || r->agg.pinner_pid != r->pid)
		fprintf(f, " pinned by %s",
			pinner_text(&r->agg, who, sizeof(who)));
	fputc('\n', f);
}

static void print_text(struct ps_ctx *c, const struct ps_pinmap *pm,
		       const struct ps_opts *o)
{
	FILE *f = c->out;
	size_t i, ps = ps_page_size();
	char bytes[16];

	if (pm->mapped.n || pm->unmapped.n)
		fprintf(f, "%-7s %-16s %-31s %8s %8s %8s %-26s %7s  %s\n",
			"PID", "COMM", "START-END", "PAGES", "PINS", "LONGTERM",
			"API", "AGE", "MAPPING");
	for (i = 0; i < pm->mapped.n; i++)
		print_run(f, &pm->mapped.v[i], true);
	for (i = 0; i < pm->unmapped.n; i++)
		print_run(f, &pm->unmapped.v[i], false);
	if (!pm->npins) {
		fprintf(f, "no pinned pages%s\n",
			o->longterm || o->orphaned || o->comm ||
			o->older_than_ms >= 0 ? " that match" : "");
		return;
	}
	if (o->pid > 0 && !pm->mapped.n) {
		fprintf(f, "process %d maps no pinned page\n", o->pid);
		return;
	}
	fprintf(f, "total: %" PRIu64 " pin%s on %" PRIu64 " page%s (%s), %" PRIu64
		" long-term; %zu run%s in %zu process%s",
		pm->total.pins, plural(pm->total.pins), pm->total.pages,
		plural(pm->total.pages),
		ps_fmt_bytes(pm->total.pages * ps, bytes, sizeof(bytes)),
		pm->total.longterm, pm->mapped.n, plural(pm->mapped.n),
		pm->processes, pm->processes == 1 ? "" : "es");
	if (o->pid <= 0) {
		uint64_t unmapped = 0;

		for (i = 0; i < pm->unmapped.n; i++)
			unmapped += pm->unmapped.v[i].agg.pages;
		fprintf(f, "; %" PRIu64 " page%s mapped by no process",
			unmapped, plural(unmapped));
	}
	fputc('\n', f);
}

static void json_agg(struct json *j, const struct ps_agg *a)
{
	json_kv_uint(j, "pages", a->pages);
	json_kv_uint(j, "pins", a->pins);
	json_kv_uint(j, "longterm", a->longterm);
	json_kv_uint(j, "maybe_pinned_pages", a->maybe_pinned);
	json_kv_string(j, "api", a->api[0] ? a->api : NULL);
	json_kv_int_or_null(j, "age_ms", a->age_ms);
	json_key(j, "pinner");
	if (a->pinner_pid < 0) {
		json_null(j);
	} else {
		json_object_begin(j);
		json_kv_int(j, "pid", a->pinner_pid);
		json_kv_string(j, "comm", a->pinner_comm);
		json_object_end(j);
	}
}

static void print_json(struct ps_ctx *c, const struct ps_pinmap *pm,
		       const struct ps_opts *o)
{
	struct json j;
	size_t i;

	ps_json_object_begin(c, &j, "data");
	json_kv_object_begin(&j, "total");
	json_agg(&j, &pm->total);
	json_kv_uint(&j, "processes", pm->processes);
	json_object_end(&j);
	json_kv_array_begin(&j, "runs");
	for (i = 0; i < pm->mapped.n; i++) {
		const struct ps_run *r = &pm->mapped.v[i];

		json_object_begin(&j);
		json_kv_int(&j, "pid", r->pid);
		json_kv_string(&j, "comm", r->comm);
		json_kv_hex(&j, "start", r->start);
		json_kv_hex(&j, "end", r->end);
		json_kv_uint(&j, "bytes", r->end - r->start);
		json_kv_string(&j, "mapping", r->mapping);
		json_agg(&j, &r->agg);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_key(&j, "unmapped");
	if (o->pid > 0) {
		json_null(&j);	/* not looked for */
	} else {
		json_array_begin(&j);
		for (i = 0; i < pm->unmapped.n; i++) {
			const struct ps_run *r = &pm->unmapped.v[i];

			json_object_begin(&j);
			json_kv_hex(&j, "pfn_start", r->start);
			json_kv_hex(&j, "pfn_end", r->end);
			json_agg(&j, &r->agg);
			json_object_end(&j);
		}
		json_array_end(&j);
	}
	json_kv_object_begin(&j, "filter");
	json_kv_int_or_null(&j, "pid", o->pid);
	json_kv_bool(&j, "longterm", o->longterm);
	json_kv_bool(&j, "orphaned", o->orphaned);
	json_kv_int_or_null(&j, "older_than_ms", o->older_than_ms);
	json_kv_string(&j, "comm", o->comm);
	json_object_end(&j);
	ps_json_object_end(&j);
}

/* The pages of one stack: what page_owner_sort prints per stack. */
struct stack_group {
	int64_t handle;			/* -1: pins without a stack */
	struct ps_agg agg;
	uint64_t runs;			/* of consecutive PFNs */
	uint64_t orphaned;		/* pages */
	uint64_t last_pfn;
};

static int by_pages(const void *a, const void *b)
{
	const struct stack_group *x = a, *y = b;

	if (x->agg.pages != y->agg.pages)
		return x->agg.pages > y->agg.pages ? -1 : 1;
	return x->handle < y->handle ? -1 : x->handle > y->handle;
}

/* The selected pins (sorted by PFN) by stack, most pages first. */
static struct stack_group *group_by_stack(const struct ps_pinmap *pm,
					  size_t *ng)
{
	struct stack_group *g = calloc(pm->npins + 1, sizeof(*g));
	size_t i, k, n = 0;

	if (!g)
		return NULL;
	for (i = 0; i < pm->npins; i++) {
		const struct ps_pin *p = &pm->pins[i];

		if (!pm->selected[i])
			continue;
		for (k = 0; k < n && g[k].handle != p->stack; k++)
			;
		if (k == n) {
			g[n].handle = p->stack;
			ps_agg_init(&g[n].agg);
			n++;
		}
		if (!g[k].agg.pages || p->pfn != g[k].last_pfn + 1)
			g[k].runs++;
		g[k].last_pfn = p->pfn;
		g[k].orphaned += p->orphaned == 1;
		ps_agg_add(&g[k].agg, p);
	}
	qsort(g, n, sizeof(*g), by_pages);
	*ng = n;
	return g;
}

static void print_stacks_text(struct ps_ctx *c, const struct stack_group *g,
			      size_t ng, const struct ps_stacks *st)
{
	char frame[256], who[64], age[16];
	uint64_t pages = 0;
	FILE *f = c->out;
	size_t i, k;

	for (i = 0; i < ng; i++) {
		const struct ps_agg *a = &g[i].agg;
		const struct ps_stack *s = ps_stacks_find(st, g[i].handle);

		pages += a->pages;
		fprintf(f, "%s%" PRIu64 " page%s, %" PRIu64 " pin%s (%" PRIu64
			" long-term), %" PRIu64 " run%s, oldest %s",
			i ? "\n" : "", a->pages, plural(a->pages), a->pins,
			plural(a->pins), a->longterm, g[i].runs, plural(g[i].runs),
			ps_fmt_age(a->age_ms, age, sizeof(age)));
		if (g[i].orphaned)
			fprintf(f, ", %" PRIu64 " orphaned", g[i].orphaned);
		fprintf(f, "; pinned by %s via %s\n",
			pinner_text(a, who, sizeof(who)), a->api[0] ? a->api : "-");
		if (g[i].handle < 0) {
			fprintf(f, "  (no stack recorded)\n");
			continue;
		}
		fprintf(f, "  stack %" PRId64 ":\n", g[i].handle);
		for (k = 0; s && ps_stack_frame(s->frames, k, frame, sizeof(frame)); k++)
			fprintf(f, "    %s\n", frame);
		if (!s)
			fprintf(f, "    (not in the stacks table)\n");
		else if (!k)
			fprintf(f, "    (no frames captured)\n");
	}
	if (!ng)
		fprintf(f, "no pinned pages\n");
	else
		fprintf(f, "\ntotal: %" PRIu64 " page%s under %zu stack%s\n",
			pages, plural(pages), ng, ng == 1 ? "" : "s");
}

static void print_stacks_json(struct ps_ctx *c, const struct stack_group *g,
			      size_t ng, const struct ps_stacks *st)
{
	struct json j;
	size_t i;

	ps_json_object_begin(c, &j, "data");
	json_kv_array_begin(&j, "stacks");
	for (i = 0; i < ng; i++) {
		const struct ps_stack *s = ps_stacks_find(st, g[i].handle);

		json_object_begin(&j);
		json_kv_int_or_null(&j, "handle", g[i].handle);
		json_kv_uint(&j, "runs", g[i].runs);
		json_kv_uint(&j, "orphaned_pages", g[i].orphaned);
		json_agg(&j, &g[i].agg);
		ps_json_frames(&j, s ? s->frames : NULL);
		json_object_end(&j);
	}
	json_array_end(&j);
	ps_json_object_end(&j);
}

static int show_by_stack(struct ps_ctx *c, const struct ps_pinmap *pm)
{
	struct stack_group *g;
	struct ps_stacks st;
	size_t ng;
	int ret;

	ret = ps_read_stacks(c, &st);
	if (ret)
		return ret;
	g = group_by_stack(pm, &ng);
	if (!g) {
		ps_stacks_free(&st);
		return ps_fail(c, PS_EXIT_FAILURE, "out of memory");
	}
	if (c->json)
		print_stacks_json(c, g, ng, &st);
	else
		print_stacks_text(c, g, ng, &st);
	free(g);
	ps_stacks_free(&st);
	return PS_EXIT_OK;
}

int cmd_pins(struct ps_ctx *c, const struct ps_opts *o)
{
	struct ps_pinmap_filter f = {
		.pid = o->pid, .longterm = o->longterm,
		.orphaned = o->orphaned, .older_than_ms = o->older_than_ms,
		.comm = o->comm,
	};
	struct ps_pinmap pm;
	int ret;

	ret = ps_module_ready(c);
	if (ret)
		return ret;
	ret = ps_pinmap_build(c, &f, &pm);
	if (ret == PS_EXIT_OK && o->by_stack) {
		ret = show_by_stack(c, &pm);
	} else if (ret == PS_EXIT_OK) {
		ps_runs_sort(&pm.mapped, o->sort);
		ps_runs_sort(&pm.unmapped, o->sort);
		if (c->json)
			print_json(c, &pm, o);
		else
			print_text(c, &pm, o);
	}
	ps_pinmap_free(&pm);
	return ret;
}
