// SPDX-License-Identifier: GPL-2.0
/* Run grouping on made-up pages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "runs.h"

#define PS 4096ULL

static struct ps_pin pin(uint64_t pfn, uint32_t count, uint32_t longterm,
			 unsigned int order, int64_t age, int pid,
			 const char *api)
{
	struct ps_pin p = {
		.pfn = pfn, .count = count, .longterm = longterm,
		.order = order, .age_ms = age, .pid = pid, .maybe_pinned = true,
		.folio_pincount = order ? 1 : -1,
	};

	snprintf(p.comm, sizeof(p.comm), "task%d", pid);
	snprintf(p.api, sizeof(p.api), "%s", api);
	return p;
}

static void order0_buffer(void)
{
	struct ps_vma vmas[] = {
		{ 0x10000000, 0x10100000, "rw-p", "" },		/* 256 pages */
		{ 0x20000000, 0x20010000, "rw-p", "/dev/shm/x" },
	};
	struct ps_maps maps = { vmas, 2, NULL };
	struct ps_pin pins[8];
	struct ps_hit hits[8];
	struct ps_runs r = { 0 };
	int i;

	/* 5 consecutive pinned pages, a gap, 1 more; then a file page. */
	for (i = 0; i < 5; i++) {
		pins[i] = pin(0x100 + i, 1, 1, 0, 100 + i, 7, "pin_user_pages");
		hits[i] = (struct ps_hit){ 0x10000000 + i * PS, i, 0 };
	}
	pins[5] = pin(0x200, 2, 0, 0, 50, 8, "pin_user_pages_fast");
	hits[5] = (struct ps_hit){ 0x10000000 + 9 * PS, 5, 0 };
	pins[6] = pin(0x300, 1, 0, 0, -1, -1, "unknown");
	hits[6] = (struct ps_hit){ 0x20000000, 6, 1 };

	CHECK(ps_group_hits(hits, 7, pins, &maps, 42, "proc", PS, &r) == 0 &&
	      r.n == 3, "runs: gap and mapping split runs (%zu runs)", r.n);
	if (r.n != 3)
		goto out;
	CHECK(r.v[0].start == 0x10000000 && r.v[0].end == 0x10000000 + 5 * PS &&
	      r.v[0].agg.pages == 5 && r.v[0].agg.pins == 5 &&
	      r.v[0].agg.longterm == 5 && r.v[0].agg.age_ms == 104 &&
	      !strcmp(r.v[0].mapping, "[anon]") && r.v[0].pid == 42 &&
	      !strcmp(r.v[0].agg.api, "pin_user_pages") &&
	      r.v[0].agg.pinner_pid == 7, "runs: five pages, one run");
	CHECK(r.v[1].agg.pages == 1 && r.v[1].agg.pins == 2 &&
	      r.v[1].agg.pinner_pid == 8, "runs: lone page after the gap");
	CHECK(!strcmp(r.v[2].mapping, "/dev/shm/x") && r.v[2].agg.age_ms == -1 &&
	      r.v[2].agg.pinner_pid == PS_PID_UNKNOWN,
	      "runs: file page without a record");

	ps_runs_sort(&r, PS_SORT_COUNT);
	CHECK(r.v[0].agg.pins == 5 && r.v[1].agg.pins == 2,
	      "runs: sort by count");
	ps_runs_sort(&r, PS_SORT_AGE);
	CHECK(r.v[0].agg.age_ms == 104 && r.v[2].agg.age_ms == -1,
	      "runs: sort by age, unknown last");
out:
	ps_runs_free(&r);
}

/* A 1 GiB buffer of order-0 pages is one run, not 262144. */
static void big_buffer(void)
{
	size_t n = 262144, i;
	struct ps_vma vma = { 0x7f0000000000, 0x7f0040000000, "rw-p", "" };
	struct ps_maps maps = { &vma, 1, NULL };
	struct ps_pin *pins = calloc(n, sizeof(*pins));
	struct ps_hit *hits = calloc(n, sizeof(*hits));
	struct ps_runs r = { 0 };

	for (i = 0; i < n; i++) {
		/* Physically scattered, virtually contiguous. */
		pins[i] = pin(0x100000 + (i * 7919) % n, 1, 1, 0, 5, 3,
			      "pin_user_pages_fast");
		hits[i] = (struct ps_hit){ vma.start + i * PS, (uint32_t)i, 0 };
	}
	CHECK(ps_group_hits(hits, n, pins, &maps, 3, "big", PS, &r) == 0 &&
	      r.n == 1 && r.v[0].agg.pages == n &&
	      r.v[0].end - r.v[0].start == (1ULL << 30),
	      "runs: 1 GiB pinned buffer is one run");
	ps_runs_free(&r);
	free(pins);
	free(hits);
}

/* THP buffer with one pinned subpage per folio (io_uring on 6.12). */
static void thp_heads(void)
{
	struct ps_vma vma = { 0x40000000, 0x40800000, "rw-p", "" };
	struct ps_maps maps = { &vma, 1, NULL };
	struct ps_pin pins[4];
	struct ps_hit hits[4];
	struct ps_runs r = { 0 };
	bool mapped[4] = { false, false, true, false };
	int i;

	for (i = 0; i < 4; i++) {
		pins[i] = pin(0x80000 + i * 0x200, 1, 1, 9, 10, 5,
			      "pin_user_pages_fast");
		hits[i] = (struct ps_hit){ vma.start + i * 0x200000ULL, i, 0 };
	}
	CHECK(ps_group_hits(hits, 4, pins, &maps, 5, "thp", PS, &r) == 0 &&
	      r.n == 1 && r.v[0].agg.pages == 4 &&
	      r.v[0].start == vma.start && r.v[0].end == vma.end,
	      "runs: THP heads make one run spanning the folios");
	ps_runs_free(&r);

	/* A pinned tail page: the run starts at its folio's first page. */
	pins[0].pfn = 0x80010;
	hits[0].va = vma.start + 0x10 * PS;
	CHECK(ps_group_hits(hits, 1, pins, &maps, 5, "thp", PS, &r) == 0 &&
	      r.n == 1 && r.v[0].start == vma.start &&
	      r.v[0].end == vma.start + 0x200000,
	      "runs: a tail page's run covers its folio");
	ps_runs_free(&r);

	/* Unmapped: adjacent folios merge in PFN space; a mapped one splits. */
	pins[0].pfn = 0x80000;
	CHECK(ps_group_unmapped(pins, 4, mapped, &r) == 0 && r.n == 2 &&
	      r.v[0].start == 0x80000 && r.v[0].end == 0x80400 &&
	      r.v[0].agg.pages == 2 && r.v[1].start == 0x80600 &&
	      r.v[1].pid == -1 && !r.v[1].mapping,
	      "runs: unmapped PFN ranges");
	ps_runs_free(&r);
}

static void agg(void)
{
	struct ps_agg a, b;
	struct ps_pin p1 = pin(1, 1, 0, 0, 10, 1, "x");
	struct ps_pin p2 = pin(2, 3, 3, 0, 20, 2, "y");

	ps_agg_init(&a);
	ps_agg_add(&a, &p1);
	ps_agg_add(&a, &p2);
	CHECK(a.pages == 2 && a.pins == 4 && a.longterm == 3 &&
	      a.age_ms == 20 && !strcmp(a.api, "mixed") &&
	      a.pinner_pid == PS_PID_MIXED, "agg: mixed API and pinner");
	ps_agg_init(&b);
	ps_agg_merge(&b, &a);
	CHECK(b.pages == 2 && b.pins == 4 && b.pinner_pid == PS_PID_MIXED,
	      "agg: merge");
}

void test_runs(void)
{
	order0_buffer();
	big_buffer();
	thp_heads();
	agg();
}
