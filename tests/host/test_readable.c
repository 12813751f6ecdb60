// SPDX-License-Identifier: GPL-2.0
/* Grouping the module's per-page reports: cow_audit and verdicts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "readable.h"

#define PG 4096ULL
#define VA 0x7f0000000000ULL

#define COW_HEADER \
	"time pid comm vaddr pfn decision exclusive maybe_pinned count verdict\n"

static void times(void)
{
	static const char *const bad[] = {
		"", ".5", "1.", "1.1234567", "0x10", "-1", "a.b", "1.2.3", "1.x"
	};
	char buf[32];
	uint64_t us;
	size_t i;

	CHECK(ps_parse_time_us("6.614331", &us) && us == 6614331,
	      "time: seconds.microseconds");
	CHECK(ps_parse_time_us("12", &us) && us == 12000000, "time: whole seconds");
	CHECK(ps_parse_time_us("1.5", &us) && us == 1500000,
	      "time: fewer than six decimals");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(!ps_parse_time_us(bad[i], &us), "time: \"%s\" is refused",
		      bad[i]);
	CHECK(!strcmp(ps_fmt_time_us(3000042, buf, sizeof(buf)), "3.000042"),
	      "time: printed as the module prints it");
}

/* A cow_audit text from (page index, pfn, count, verdict) tuples. */
struct ev {
	int page;
	unsigned long pfn;
	unsigned int count;
	const char *verdict;
	int pid;
};

static char *cow_text(const struct ev *e, size_t n)
{
	size_t size = 128 + n * 128, used;
	char *s = malloc(size);
	size_t i;

	used = (size_t)snprintf(s, size, COW_HEADER);
	for (i = 0; i < n; i++)
		used += (size_t)snprintf(s + used, size - used,
			"%zu.%06zu %d pinload 0x%llx 0x%lx copied 1 1 %u %s\n",
			i / 1000000 + 5, i % 1000000, e[i].pid ? e[i].pid : 100,
			VA + (unsigned long long)e[i].page * PG, e[i].pfn,
			e[i].count, e[i].verdict);
	return s;
}

/* Group a cow_audit text; returns the number of groups (-1 on error). */
static int group_text(const char *text, struct ps_cow_group **g)
{
	char err[PS_ERR_LEN];
	struct ps_cow_event *ev;
	struct ps_table t;
	size_t n, ng;

	*g = NULL;
	if (ps_parse_table(text, "cow_audit", true, &t, err))
		return -1;
	if (ps_parse_cow_events(&t, 0, &ev, &n, err)) {
		ps_table_free(&t);
		return -1;
	}
	ps_table_free(&t);
	if (ps_group_cow(ev, n, PG, g, &ng)) {
		free(ev);
		return -1;
	}
	free(ev);
	return (int)ng;
}

/*
 * Events of pages [@from, @to) at PFNs @pfn0 + page, count 0, @verdict,
 * appended at @e[@k]; the new count.
 */
static int add_pages(struct ev *e, int k, int from, int to,
		     unsigned long pfn0, const char *verdict)
{
	int i;

	for (i = from; i < to; i++)
		e[k++] = (struct ev){ i, pfn0 + (unsigned long)i, 0, verdict, 0 };
	return k;
}

/* Group the cow_audit text of events @e[0..n). */
static int group_events(const struct ev *e, int n, struct ps_cow_group **g)
{
	char *text = cow_text(e, (size_t)n);
	int ng = group_text(text, g);

	free(text);
	return ng;
}

static bool is_group(const struct ps_cow_group *g, int page, uint64_t pages,
		     unsigned long pfn, const char *verdict)
{
	return g->vaddr_start == VA + (uint64_t)page * PG &&
	       g->vaddr_end == VA + ((uint64_t)page + pages) * PG &&
	       g->pfn_start == pfn && g->pfn_end == pfn + pages &&
	       g->pages == pages && !strcmp(g->verdict, verdict);
}

static void cow_parse(void)
{
	char err[PS_ERR_LEN];
	struct ps_cow_event *ev;
	struct ps_table t;
	size_t n;

	ps_parse_table(COW_HEADER
		       "3.186572 94 cow 0x7f9649386000 0x28b3 copied 1 0 2 ok\n"
		       "3.186580 94 - 0x7f9649387000 0x28b4 shared 0 1 0 unsafe_share\n",
		       "cow_audit", true, &t, err);
	CHECK(ps_parse_cow_events(&t, 0, &ev, &n, err) == 0 && n == 2 &&
	      ev[0].time_us == 3186572 && ev[0].pid == 94 &&
	      !strcmp(ev[0].comm, "cow") && ev[0].vaddr == 0x7f9649386000ULL &&
	      ev[0].pfn == 0x28b3 && !strcmp(ev[0].decision, "copied") &&
	      ev[0].exclusive && !ev[0].maybe_pinned && ev[0].count == 2 &&
	      !strcmp(ev[0].verdict, "ok") && !strcmp(ev[1].comm, "-") &&
	      !ev[1].exclusive && ev[1].maybe_pinned,
	      "cow: every field of a row: %s", err);
	free(ev);
	CHECK(ps_parse_cow_events(&t, 1, &ev, &n, err) == 0 && n == 1 &&
	      ev[0].pfn == 0x28b4, "cow: rows from an index (follow)");
	free(ev);
	CHECK(ps_parse_cow_events(&t, 5, &ev, &n, err) == 0 && n == 0,
	      "cow: no new rows");
	free(ev);
	ps_table_free(&t);

	ps_parse_table("time pid vaddr\n1.0 2 0x1000\n", "cow_audit", true, &t, err);
	CHECK(ps_parse_cow_events(&t, 0, &ev, &n, err) &&
	      strstr(err, "no column \"comm\""), "cow: a missing column: %s", err);
	ps_table_free(&t);
	ps_parse_table(COW_HEADER "1.0 2 c 0x1000 0x1 copied 2 1 0 ok\n",
		       "cow_audit", true, &t, err);
	CHECK(ps_parse_cow_events(&t, 0, &ev, &n, err) &&
	      strstr(err, "line 2: bad exclusive \"2\""), "cow: a bad cell: %s", err);
	ps_table_free(&t);
}

static void cow_groups(void)
{
	struct ps_cow_group *g;
	struct ev e[64];
	int n, i, k = 0;

	/* Three pages in order, then another verdict: two groups. */
	for (i = 0; i < 3; i++)
		e[k++] = (struct ev){ i, 0x100 + (unsigned long)i, (unsigned int)i % 2,
				      "ok", 0 };
	e[k++] = (struct ev){ 3, 0x103, 0, "needless_copy", 0 };
	n = group_events(e, k, &g);
	CHECK(n == 2 && is_group(&g[0], 0, 3, 0x100, "ok") &&
	      g[0].count_min == 0 && g[0].count_max == 1 &&
	      g[0].time_first_us == 5000000 && g[0].time_last_us == 5000002 &&
	      is_group(&g[1], 3, 1, 0x103, "needless_copy"),
	      "cow: consecutive pages group, count and time ranges");
	free(g);

	/* A PFN that does not follow breaks the group. */
	k = 0;
	e[k++] = (struct ev){ 0, 0x100, 0, "ok", 0 };
	e[k++] = (struct ev){ 1, 0x200, 0, "ok", 0 };
	e[k++] = (struct ev){ 2, 0x201, 0, "ok", 0 };
	n = group_events(e, k, &g);
	CHECK(n == 2 && is_group(&g[0], 0, 1, 0x100, "ok") &&
	      is_group(&g[1], 1, 2, 0x200, "ok"),
	      "cow: addresses and PFNs must both advance");
	free(g);

	/*
	 * One fork of 16 pages logged in chunks, as the module's record
	 * pages come back: [14,15], [8..13], [2..7], page 0 (pinned), [1].
	 */
	k = add_pages(e, 0, 14, 16, 0x400, "needless_copy");
	k = add_pages(e, k, 8, 14, 0x400, "needless_copy");
	k = add_pages(e, k, 2, 8, 0x400, "needless_copy");
	e[k++] = (struct ev){ 0, 0x400, 1, "ok", 0 };
	e[k++] = (struct ev){ 1, 0x401, 0, "needless_copy", 0 };
	n = group_events(e, k, &g);
	CHECK(n == 2 && is_group(&g[0], 0, 1, 0x400, "ok") &&
	      is_group(&g[1], 1, 15, 0x401, "needless_copy") &&
	      g[1].time_first_us == 5000000 && g[1].time_last_us == 5000015,
	      "cow: the chunks of one fork join, in address order");
	free(g);

	/* The same process forks twice: the forks stay apart. */
	k = 0;
	for (i = 0; i < 2; i++) {
		k = add_pages(e, k, 4, 8, 0x500, "needless_copy");
		k = add_pages(e, k, 0, 4, 0x500, "needless_copy");
	}
	n = group_events(e, k, &g);
	CHECK(n == 2 && is_group(&g[0], 0, 8, 0x500, "needless_copy") &&
	      is_group(&g[1], 0, 8, 0x500, "needless_copy") &&
	      g[0].time_last_us < g[1].time_first_us,
	      "cow: two forks of the same pages are two groups");
	free(g);

	/* Another process in between ends the stretch. */
	k = 0;
	e[k++] = (struct ev){ 1, 0x601, 0, "ok", 0 };
	e[k++] = (struct ev){ 9, 0x900, 0, "ok", 200 };
	e[k++] = (struct ev){ 0, 0x600, 0, "ok", 0 };
	n = group_events(e, k, &g);
	CHECK(n == 3, "cow: no joining across another process's events");
	free(g);

	CHECK(group_text(COW_HEADER, &g) == 0, "cow: an empty ring");
	free(g);
}

static const char verdicts[] =
	"true_pos 3\nfalse_pos 1027\nfalse_neg 1\ntrue_neg 100\nscanned 1131\n"
	"mismatches_dropped 0\nscope all\n"
	"pfn count maybe_pinned refcount order folio_pincount cause\n"
	"0xf803 0 1 2 9 1 folio_sibling\n"
	"0xf801 0 1 3 9 1 folio_sibling\n"
	"0xf802 0 1 5 9 1 folio_sibling\n"
	"0xf804 0 1 2 9 2 untracked\n"
	"0x2a1b 0 1 1101 0 - refcount_bias\n"
	"0x2a1c 0 1 1030 0 - refcount_bias\n"
	"0x2a1d 2 0 3 0 - stale_refcount\n"
	"0x2a1e 0 1 1024 0 - refcount_bias\n"
	"0x10000 0 1 2 4 1 folio_sibling\n"
	"0x10001 0 1 2 9 1 folio_sibling\n";

static void truth(void)
{
	char err[PS_ERR_LEN];
	struct ps_report r;
	struct ps_truth t;

	ps_parse_report(verdicts, "verdicts", &r, err);
	CHECK(ps_parse_truth(&r, &t, err) == 0 && t.true_pos == 3 &&
	      t.false_pos == 1027 && t.false_neg == 1 && t.true_neg == 100 &&
	      t.scanned == 1131 && t.dropped == 0 && !strcmp(t.scope, "all"),
	      "truth: the summary lines: %s", err);
	ps_report_free(&r);
	ps_parse_report("true_pos 1\nfalse_pos 2\nfalse_neg 0\ntrue_neg 4\n"
			"pfn cause x\n", "verdicts", &r, err);
	CHECK(ps_parse_truth(&r, &t, err) == 0 && t.scanned == 7 &&
	      !strcmp(t.scope, "?"), "truth: scanned defaults to the sum");
	ps_report_free(&r);
	ps_parse_report("true_pos 1\nfalse_pos 2\nfalse_neg 0\n"
			"pfn cause x\n", "verdicts", &r, err);
	CHECK(ps_parse_truth(&r, &t, err) && strstr(err, "true_neg"),
	      "truth: a missing total: %s", err);
	ps_report_free(&r);
	ps_parse_report("true_pos x\nfalse_pos 2\nfalse_neg 0\ntrue_neg 4\n"
			"pfn cause x\n", "verdicts", &r, err);
	CHECK(ps_parse_truth(&r, &t, err) && strstr(err, "bad true_pos"),
	      "truth: a bad total: %s", err);
	ps_report_free(&r);
}

static void mismatches(void)
{
	struct ps_mismatch_run *runs;
	struct ps_mismatch *m;
	char err[PS_ERR_LEN];
	struct ps_report r;
	size_t n, nr;

	ps_parse_report(verdicts, "verdicts", &r, err);
	CHECK(ps_parse_mismatches(&r.table, &m, &n, err) == 0 && n == 10 &&
	      m[0].pfn == 0x2a1b && m[0].pincount == -1 && m[0].order == 0 &&
	      m[0].refcount == 1101 && m[9].pfn == 0x10001 &&
	      m[4].pfn == 0xf801, "mismatches: parsed and sorted by PFN: %s", err);
	CHECK(ps_group_mismatches(m, n, &runs, &nr) == 0 && nr == 7,
	      "mismatches: 7 runs (got %zu)", nr);
	CHECK(runs[0].pfn_start == 0x2a1b && runs[0].pfn_end == 0x2a1d &&
	      runs[0].pages == 2 && !strcmp(runs[0].cause, "refcount_bias") &&
	      runs[0].refcount_min == 1030 && runs[0].refcount_max == 1101 &&
	      runs[0].pincount_min == -1 && runs[0].pincount_max == -1,
	      "mismatches: a run of refcount_bias with its refcount range");
	CHECK(!strcmp(runs[1].cause, "stale_refcount") && runs[1].count_min == 2 &&
	      !runs[1].maybe_pinned && runs[2].pfn_start == 0x2a1e &&
	      runs[2].pages == 1, "mismatches: another cause breaks the run");
	CHECK(runs[3].pfn_start == 0xf801 && runs[3].pfn_end == 0xf804 &&
	      runs[3].pages == 3 && runs[3].order == 9 &&
	      runs[3].refcount_min == 2 && runs[3].refcount_max == 5 &&
	      runs[3].pincount_min == 1 && runs[3].pincount_max == 1,
	      "mismatches: folio siblings out of order become one run");
	CHECK(!strcmp(runs[4].cause, "untracked") && runs[4].pincount_max == 2,
	      "mismatches: untracked apart");
	CHECK(runs[5].pfn_start == 0x10000 && runs[5].order == 4 &&
	      runs[6].pfn_start == 0x10001 && runs[6].order == 9,
	      "mismatches: another order breaks the run");
	free(runs);
	free(m);
	ps_report_free(&r);

	ps_parse_report("true_pos 0\npfn count cause\n0x1 0 x\n", "verdicts", &r, err);
	CHECK(ps_parse_mismatches(&r.table, &m, &n, err) &&
	      strstr(err, "no column \"maybe_pinned\""),
	      "mismatches: a missing column: %s", err);
	ps_report_free(&r);
	ps_parse_report("true_pos 0\nfalse_pos 1\n"
			"pfn count maybe_pinned refcount order folio_pincount cause\n"
			"0x1 0 1 2 0 -5 x\n", "verdicts", &r, err);
	CHECK(ps_parse_mismatches(&r.table, &m, &n, err) &&
	      strstr(err, "bad folio_pincount"), "mismatches: a bad cell: %s", err);
	ps_report_free(&r);
	CHECK(ps_group_mismatches(NULL, 0, &runs, &nr) == 0 && nr == 0,
	      "mismatches: none");
	free(runs);
}

static void texts(void)
{
	CHECK(ps_cause_text("folio_sibling") && ps_cause_text("refcount_bias") &&
	      ps_cause_text("untracked") && ps_cause_text("unexplained") &&
	      ps_cause_text("stale_refcount") && ps_cause_text("stale_pincount") &&
	      !ps_cause_text("new_cause"), "texts: every cause the module names");
	CHECK(strstr(ps_policy_text("kernel"), "MMF_HAS_PINNED") &&
	      strstr(ps_policy_text("exact"), "> 0") &&
	      strstr(ps_policy_text("sticky"), "ever pinned") &&
	      strstr(ps_policy_text("pmd"), "2 MiB") &&
	      strstr(ps_policy_text("pte"), "through this mm") &&
	      !ps_policy_text("x"),
	      "texts: every policy");
}

void test_readable(void)
{
	times();
	cow_parse();
	cow_groups();
	truth();
	mismatches();
	texts();
}
