// SPDX-License-Identifier: GPL-2.0
/* The debugfs formats: samples as the module prints them, and broken ones. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "parse.h"

static const char stats_sample[] =
	"abi_version 3\nversion 1.2.3-rc1\nenabled 1\npins_acquired 4096\n"
	"pins_released 2048\npins_outstanding 2048\npinned_pages 2048\nlongterm_outstanding 2048\n"
	"untracked_unpins 0\nlost_events 0\nlost_records 0\nmissed_events 0\n"
	"vmstat_acquired 4096\nvmstat_released 2048\nvmstat_bypass_pins 0\n"
	"api_pins 4096\napi_unpins 2048\nrollback_unpins 0\n"
	"subpage_fallbacks 0\ntable_blocks 2\nrecords 1\n"
	"table_bytes 12288\ntable_end_pfn 1179648\nsome_future_stat -5\n";

static void numbers(void)
{
	uint64_t u;
	int64_t i;

	CHECK(ps_parse_u64("0", &u) && u == 0, "u64: 0");
	CHECK(ps_parse_u64("0x1aF", &u) && u == 0x1af, "u64: 0x1aF");
	CHECK(ps_parse_u64("18446744073709551615", &u) && u == UINT64_MAX,
	      "u64: max");
	CHECK(!ps_parse_u64("18446744073709551616", &u), "u64: overflow");
	CHECK(!ps_parse_u64("", &u), "u64: empty");
	CHECK(!ps_parse_u64("0x", &u), "u64: bare 0x");
	CHECK(!ps_parse_u64("-1", &u), "u64: negative");
	CHECK(!ps_parse_u64("12a", &u), "u64: trailing garbage");
	CHECK(!ps_parse_u64("ff", &u), "u64: hex without 0x");
	CHECK(!ps_parse_u64(" 1", &u), "u64: leading blank");
	CHECK(ps_parse_i64("-42", &i) && i == -42, "i64: -42");
	CHECK(!ps_parse_i64("-", &i), "i64: dash alone");
	CHECK(!ps_parse_i64("1.5", &i), "i64: fraction");
}

static void stats(void)
{
	char err[PS_ERR_LEN];
	struct ps_stats st;
	int64_t v;

	CHECK(ps_parse_stats(stats_sample, &st, err) == 0, "stats: sample parses");
	CHECK(st.n == 23, "stats: 23 entries (got %zu)", st.n);
	CHECK(!strcmp(st.version, "1.2.3-rc1") && !ps_stats_get(&st, "version", &v),
	      "stats: the version line is text, apart: \"%s\"", st.version);
	CHECK(ps_stats_get(&st, "pins_outstanding", &v) && v == 2048,
	      "stats: pins_outstanding");
	CHECK(ps_stats_get(&st, "table_end_pfn", &v) && v == 1179648,
	      "stats: table_end_pfn");
	CHECK(ps_stats_get(&st, "some_future_stat", &v) && v == -5,
	      "stats: unknown name kept");
	CHECK(!ps_stats_get(&st, "nonexistent", &v), "stats: absent name");
	ps_stats_free(&st);

	CHECK(ps_parse_stats("a 1\n\nb 2", &st, err) == 0 && st.n == 2,
	      "stats: blank line and no final newline");
	ps_stats_free(&st);
	CHECK(ps_parse_stats("abi_version 1\npins_acquired\n", &st, err) &&
	      strstr(err, "line 2"), "stats: missing value is an error: %s", err);
	CHECK(ps_parse_stats("abi_version 1 2\n", &st, err) != 0,
	      "stats: three fields is an error");
	CHECK(ps_parse_stats("pins_acquired many\n", &st, err) &&
	      strstr(err, "not a number"), "stats: non-number: %s", err);
	CHECK(ps_parse_stats("", &st, err) != 0, "stats: empty file is an error");
	CHECK(ps_parse_stats("version 1\n", &st, err) != 0,
	      "stats: a version line alone is empty");
	CHECK(ps_parse_stats("abi_version 3\n", &st, err) == 0 && !st.version[0],
	      "stats: no version line (an older module): empty version");
	ps_stats_free(&st);
	CHECK(ps_parse_stats("pins_acquired 99999999999999999999\n", &st, err),
	      "stats: overflow is an error");
}

static void table(void)
{
	char err[PS_ERR_LEN];
	struct ps_table t;

	CHECK(ps_parse_table("a b c\n1 2 3\n4 5 6\n", "t", false, &t, err) == 0 &&
	      t.ncols == 3 && t.nrows == 2 &&
	      !strcmp(ps_table_cell(&t, 1, 2), "6"), "table: 3x2");
	CHECK(ps_table_col(&t, "b") == 1 && ps_table_col(&t, "z") == -1,
	      "table: column lookup");
	ps_table_free(&t);
	CHECK(ps_parse_table("a b\n", "t", false, &t, err) == 0 && t.nrows == 0,
	      "table: header only");
	ps_table_free(&t);
	CHECK(ps_parse_table("", "t", false, &t, err) && strstr(err, "header"),
	      "table: empty is an error: %s", err);
	CHECK(ps_parse_table("a b\n1 2 3\n", "t", false, &t, err) &&
	      strstr(err, "t line 2: expected 2 fields, got 3"),
	      "table: too wide row: %s", err);
	CHECK(ps_parse_table("a b\n1\n", "t", true, &t, err) != 0,
	      "table: too narrow row, even with join_tail");
	CHECK(ps_parse_table("a b\n1 two  words\n", "t", true, &t, err) == 0 &&
	      !strcmp(ps_table_cell(&t, 0, 1), "two  words"),
	      "table: join_tail folds the rest into the last column");
	ps_table_free(&t);
}

/* The verdicts file: a summary, then a table. */
static const char verdicts_sample[] =
	"true_pos 2048\nfalse_pos 1\nfalse_neg 0\ntrue_neg 5\nscanned 2054\n"
	"mismatches_dropped 0\nscope tracked\n"
	"pfn count maybe_pinned refcount order folio_pincount cause\n"
	"0x247a 0 1 1101 0 - refcount_bias\n";

static void report(void)
{
	char err[PS_ERR_LEN], row[256];
	struct ps_report r;

	CHECK(ps_parse_report(verdicts_sample, "verdicts", &r, err) == 0 &&
	      r.nsummary == 7 && r.table.ncols == 7 && r.table.nrows == 1,
	      "report: summary and table: %s", err);
	CHECK(!strcmp(r.names[6], "scope") && !strcmp(r.values[6], "tracked") &&
	      !strcmp(r.names[0], "true_pos") && !strcmp(r.values[0], "2048"),
	      "report: summary values");
	CHECK(!strcmp(ps_table_cell(&r.table, 0, 6), "refcount_bias"),
	      "report: table cells");
	ps_table_row_text(&r.table, 0, row, sizeof(row));
	CHECK(!strcmp(row, "0x247a 0 1 1101 0 - refcount_bias"),
	      "report: row text");
	ps_report_free(&r);
	CHECK(ps_parse_report("policy decisions copies\nkernel 1 2\n", "policies",
			      &r, err) == 0 && r.nsummary == 0 && r.table.nrows == 1,
	      "report: no summary");
	ps_report_free(&r);
	CHECK(ps_parse_report("a 1\nb 2\n", "x", &r, err) == 0 &&
	      r.nsummary == 0 && r.table.ncols == 2 && r.table.nrows == 1,
	      "report: two columns throughout is a table");
	ps_report_free(&r);
	CHECK(ps_parse_report("a 1\nb\nx y z\n", "x", &r, err) &&
	      strstr(err, "x line 2"), "report: bad summary line: %s", err);
	CHECK(ps_parse_report("a 1\nx y z\n1 2\n", "x", &r, err) &&
	      strstr(err, "expected 3 fields"), "report: short row: %s", err);
}

static void rotation(void)
{
	char err[PS_ERR_LEN];
	struct ps_table t;

	ps_parse_table("t v\n1 a\n2 b\n3 c\n", "ring", false, &t, err);
	CHECK(ps_table_rows_after(&t, NULL) == 0, "follow: first read is all new");
	CHECK(ps_table_rows_after(&t, "2 b") == 2, "follow: rows after the last seen");
	CHECK(ps_table_rows_after(&t, "3 c") == 3, "follow: nothing new");
	CHECK(ps_table_rows_after(&t, "0 z") == 0, "follow: rotated out, all new");
	ps_table_free(&t);
}

#define PROBES_HEADER "name symbol armed hits nmissed state reason\n"

static const char probes_sample[] = PROBES_HEADER
	"pin_user_pages pin_user_pages 1 12 0 ok -\n"
	"pin_user_pages_fast_only - 0 0 0 absent no_such_symbol\n"
	"try_grab_folio_fast try_grab_folio_fast 1 99999 3 ok -\n"
	"gup_put_folio gup_put_folio 1 0 0 silent 0_seen,nr_foll_pin_released+8196\n";

static void probes(void)
{
	char err[PS_ERR_LEN];
	struct ps_probe *p;
	size_t n;

	CHECK(ps_parse_probes(probes_sample, &p, &n, err) == 0 && n == 4,
	      "probes: sample parses");
	CHECK(p[0].armed && p[0].hits == 12 && !strcmp(p[0].symbol, "pin_user_pages"),
	      "probes: armed row");
	CHECK(!p[1].armed && !strcmp(p[1].symbol, "-"), "probes: unarmed row");
	CHECK(p[2].nmissed == 3 && p[2].hits == 99999, "probes: counters");
	CHECK(!strcmp(p[0].state, "ok") && !p[0].reason[0] &&
	      !strcmp(p[1].state, "absent") &&
	      !strcmp(p[1].reason, "no_such_symbol"),
	      "probes: state, reason \"-\" read as empty");
	CHECK(!strcmp(p[3].state, "silent") && ps_probe_state_bad(p[3].state) &&
	      !strcmp(p[3].reason, "0_seen,nr_foll_pin_released+8196") &&
	      !ps_probe_state_bad(p[0].state) && !ps_probe_state_bad(p[1].state),
	      "probes: a silent probe is a bad state, ok and absent are not");
	free(p);
	CHECK(ps_parse_probes("name symbol hits nmissed state reason\nx y 1 2 ok -\n",
			      &p, &n, err) &&
	      strstr(err, "armed"), "probes: missing column: %s", err);
	CHECK(ps_parse_probes("name symbol armed hits nmissed\nx y 1 1 0\n",
			      &p, &n, err) && strstr(err, "state"),
	      "probes: the ABI 1 table (no state) is refused: %s", err);
	CHECK(ps_parse_probes(PROBES_HEADER "x y 2 1 0 ok -\n",
			      &p, &n, err), "probes: armed must be 0 or 1");
	CHECK(ps_parse_probes(PROBES_HEADER "x y 1 -1 0 ok -\n",
			      &p, &n, err), "probes: negative hits");
	CHECK(ps_parse_probes(PROBES_HEADER "x y 1 0 ok -\n",
			      &p, &n, err), "probes: short row");
	CHECK(ps_parse_probes(PROBES_HEADER "x y 1 0 0 sleepy -\n",
			      &p, &n, err), "probes: unknown state refused");
}

#define PINS_HEADER \
	"pfn count longterm maybe_pinned refcount order folio_pincount age_ms pid comm api\n"

static void pins(void)
{
	/* Rows under PINS_HEADER that fail, and what the error names. */
	static const struct {
		const char *row, *err, *what;
	} bad[] = {
		{ "0x1 1 0 1 1025 0 - 1 1 a", "line 2", "short row" },
		{ "zz 1 0 1 1025 0 - 1 1 a b", "bad pfn \"zz\"", "bad pfn" },
		{ "0x1 1 2 1 1025 0 - 1 1 a b", "longterm", "longterm > count" },
		{ "0x1 1 0 yes 1025 0 - 1 1 a b", "maybe_pinned", "bad boolean" },
		{ "0x1 1 0 1 -3 0 - 1 1 a b", "refcount", "negative refcount" },
		{ "0x1 1 0 1 3 40 - 1 1 a b", "order", "absurd order" },
		{ "0x1 1 0 1 3 0 - -7 1 a b", "age_ms", "negative age" },
		{ "0x1 1 0 1 3 0 - 1 1 "
		  "a_comm_much_longer_than_any_task_comm_could_be b",
		  "comm", "overlong comm" },
	};
	char err[PS_ERR_LEN];
	struct ps_pin *p;
	size_t n, i;

	CHECK(ps_parse_pins(PINS_HEADER
			    "0x1000 1 1 1 1025 0 - 1500 42 pinload pin_user_pages_fast\n"
			    "0x2000 2 0 1 513 9 1 20 7 fio pin_user_pages\n"
			    "0x3000 1 0 1 2050 0 - - - - unknown\n",
			    &p, &n, err) == 0 && n == 3, "pins: sample parses: %s", err);
	CHECK(p[0].pfn == 0x1000 && p[0].count == 1 && p[0].longterm == 1 &&
	      p[0].maybe_pinned && p[0].refcount == 1025 && p[0].order == 0 &&
	      p[0].folio_pincount == -1 && p[0].age_ms == 1500 &&
	      p[0].pid == 42 && !strcmp(p[0].comm, "pinload") &&
	      !strcmp(p[0].api, "pin_user_pages_fast"), "pins: order-0 row");
	CHECK(p[1].order == 9 && p[1].folio_pincount == 1 && p[1].count == 2,
	      "pins: large folio row");
	CHECK(p[2].age_ms == -1 && p[2].pid == -1 && p[2].comm[0] == '\0' &&
	      !strcmp(p[2].api, "unknown"), "pins: row without a record");
	free(p);

	CHECK(ps_parse_pins(PINS_HEADER
			    "0x3000 1 0 1 1025 0 - 1 1 a b\n"
			    "0x1000 1 0 1 1025 0 - 1 1 a b\n", &p, &n, err) == 0 &&
	      p[0].pfn == 0x1000 && p[1].pfn == 0x3000, "pins: sorted by PFN");
	free(p);
	CHECK(ps_parse_pins(PINS_HEADER, &p, &n, err) == 0 && n == 0,
	      "pins: empty table");
	free(p);
	CHECK(ps_parse_pins("pfn count longterm maybe_pinned refcount order folio_pincount age_ms pid comm api extra\n"
			    "0x1 1 0 1 1025 0 - 1 1 a b x\n", &p, &n, err) == 0 && n == 1,
	      "pins: an extra column is tolerated");
	free(p);

	CHECK(ps_parse_pins("pfn count longterm\n0x1 1 0\n", &p, &n, err) &&
	      strstr(err, "maybe_pinned"), "pins: missing column: %s", err);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[512];

		snprintf(text, sizeof(text), PINS_HEADER "%s\n", bad[i].row);
		CHECK(ps_parse_pins(text, &p, &n, err) &&
		      strstr(err, bad[i].err), "pins: %s: %s", bad[i].what, err);
	}
}

#define PINS_HEADER_STACK \
	"pfn count longterm maybe_pinned refcount order folio_pincount age_ms pid comm api stack orphaned\n"

/* A newer module's lines: whatever their shape, a name this CLI does not know is skipped. */
static void stats_forward(void)
{
	static const struct {
		const char *text;
		int ok;
		size_t n;
	} cases[] = {
		{ "abi_version 3\nstacks 17\nstack_bytes 40960\nlost_stacks 0\n", 1, 4 },
		{ "abi_version 3\nfuture_mode fast\n", 1, 1 },
		{ "abi_version 3\nfuture_pair 1 2\n", 1, 1 },
		{ "abi_version 3\nfuture_flag\n", 1, 1 },
		{ "abi_version 3\na_name_much_longer_than_any_stat_name_should_ever_be 3\n", 1, 1 },
		{ "abi_version 3\npins_outstanding many\n", 0, 0 },
		{ "abi_version 3\npins_outstanding 1 2\n", 0, 0 },
		{ "future_only text\n", 0, 0 },
	};
	char err[PS_ERR_LEN];
	struct ps_stats st;
	int64_t v;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret = ps_parse_stats(cases[i].text, &st, err);

		CHECK(cases[i].ok ? ret == 0 && st.n == cases[i].n : ret != 0,
		      "stats: forward compatibility case %zu %s", i,
		      cases[i].ok ? "parses" : "is refused");
		if (!ret)
			ps_stats_free(&st);
	}
	CHECK(ps_parse_stats(cases[0].text, &st, err) == 0 &&
	      ps_stats_get(&st, "stack_bytes", &v) && v == 40960,
	      "stats: stack_bytes read");
	ps_stats_free(&st);
}

/* pins with the stack columns: by name, in any order, or absent. */
static void pins_stack(void)
{
	static const struct {
		const char *text;
		int64_t stack;
		int orphaned;
	} cases[] = {
		{ PINS_HEADER "0x1 1 0 1 1025 0 - 5 1 a b\n", -1, -1 },
		{ "pfn count longterm maybe_pinned refcount order folio_pincount age_ms pid comm api stack orphaned\n"
		  "0x1 1 0 1 1025 0 - 5 1 a b 42 1\n", 42, 1 },
		{ "pfn count longterm maybe_pinned refcount order folio_pincount age_ms pid comm api stack orphaned\n"
		  "0x1 1 0 1 1025 0 - 5 1 a b - 0\n", -1, 0 },
		{ "orphaned new pfn count longterm maybe_pinned refcount order folio_pincount age_ms pid comm api stack\n"
		  "1 x 0x1 1 0 1 1025 0 - 5 1 a b 7\n", 7, 1 },
		{ "pfn count longterm maybe_pinned refcount order folio_pincount age_ms pid comm api stack\n"
		  "0x1 1 0 1 1025 0 - 5 1 a b 9\n", 9, -1 },
	};
	char err[PS_ERR_LEN];
	struct ps_pin *p;
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret = ps_parse_pins(cases[i].text, &p, &n, err);

		CHECK(ret == 0 && n == 1 && p[0].pfn == 1 && p[0].age_ms == 5 &&
		      p[0].stack == cases[i].stack &&
		      p[0].orphaned == cases[i].orphaned,
		      "pins: stack columns case %zu (stack %lld, orphaned %d): %s",
		      i, (long long)cases[i].stack, cases[i].orphaned,
		      ret ? err : "ok");
		if (!ret)
			free(p);
	}
	CHECK(ps_parse_pins(PINS_HEADER_STACK "0x1 1 0 1 1025 0 - 5 1 a b 4 2\n",
			    &p, &n, err) && strstr(err, "orphaned"),
	      "pins: orphaned must be 0 or 1: %s", err);
	CHECK(ps_parse_pins(PINS_HEADER_STACK "0x1 1 0 1 1025 0 - 5 1 a b x 0\n",
			    &p, &n, err) && strstr(err, "stack"),
	      "pins: bad stack handle: %s", err);
}

static void lookup_stack(void)
{
	char err[PS_ERR_LEN];
	struct ps_pin p;

	CHECK(ps_parse_lookup("pfn=0x10 count=1 longterm=0 maybe_pinned=1 refcount=1025 order=0 folio_pincount=- age_ms=3 pid=9 comm=a api=b exact=1 stack=12 orphaned=1\n",
			      &p, err) == 0 && p.stack == 12 && p.orphaned == 1,
	      "lookup: stack= and orphaned= read: %s", err);
	CHECK(ps_parse_lookup("pfn=0x10 count=1 longterm=0 maybe_pinned=1 refcount=1025 order=0 folio_pincount=- age_ms=3 pid=9 comm=a api=b exact=1\n",
			      &p, err) == 0 && p.stack == -1 && p.orphaned == -1,
	      "lookup: an older module's answer: no stack");
	CHECK(ps_parse_lookup("pfn=0x10 count=1 longterm=0 maybe_pinned=1 refcount=1025 order=0 folio_pincount=- age_ms=3 pid=9 comm=a api=b exact=1 stack=- orphaned=0\n",
			      &p, err) == 0 && p.stack == -1 && p.orphaned == 0,
	      "lookup: stack=- is none");
}

static void stacks(void)
{
	static const char sample[] = "handle pages calls frames\n"
		"17 2048 1 __gup_longterm_locked+0x2f1/0x6a0,pin_user_pages_fast+0x4a/0x70,io_sqe_buffer_register+0x1c9/0x5e0,ps_helper_pin+0x88/0x120[pinshadow_test_helper]\n"
		"3 0 4 ?\n";
	char err[PS_ERR_LEN], f[128];
	struct ps_stacks st;
	const struct ps_stack *s;

	CHECK(ps_parse_stacks(sample, &st, err) == 0 && st.n == 2,
	      "stacks: sample parses: %s", err);
	s = ps_stacks_find(&st, 17);
	CHECK(s && s->pages == 2048 && s->calls == 1, "stacks: handle 17");
	CHECK(s && ps_stack_frame(s->frames, 0, f, sizeof(f)) &&
	      !strcmp(f, "__gup_longterm_locked+0x2f1/0x6a0") &&
	      ps_stack_frame(s->frames, 3, f, sizeof(f)) &&
	      !strcmp(f, "ps_helper_pin+0x88/0x120[pinshadow_test_helper]") &&
	      !ps_stack_frame(s->frames, 4, f, sizeof(f)),
	      "stacks: frames one by one");
	s = ps_stacks_find(&st, 3);
	CHECK(s && !ps_stack_frame(s->frames, 0, f, sizeof(f)),
	      "stacks: \"?\" is no frame");
	CHECK(!ps_stacks_find(&st, 5), "stacks: unknown handle");
	ps_stacks_free(&st);
	CHECK(ps_parse_stacks("calls extra frames pages handle\n1 x a,b 2 5\n",
			      &st, err) == 0 && st.n == 1 && st.v[0].handle == 5 &&
	      st.v[0].pages == 2 && !strcmp(st.v[0].frames, "a,b"),
	      "stacks: columns by name, unknown ones ignored");
	ps_stacks_free(&st);
	CHECK(ps_parse_stacks("handle pages calls\n1 2 3\n", &st, err) &&
	      strstr(err, "frames"), "stacks: missing column: %s", err);
	CHECK(ps_parse_stacks("handle pages calls frames\nx 2 3 ?\n", &st, err) &&
	      strstr(err, "line 2"), "stacks: bad handle: %s", err);
}

static void saved_files(void)
{
	char err[PS_ERR_LEN], buf[64];
	struct ps_vapfn *v;
	size_t n;

	CHECK(ps_meta_get("format 1\nkernel 6.12.1 #1 SMP\n", "kernel", buf,
			  sizeof(buf)) && !strcmp(buf, "6.12.1 #1 SMP"),
	      "meta: a value with spaces");
	CHECK(!ps_meta_get("kernel_x 1\n", "kernel", buf, sizeof(buf)),
	      "meta: a longer name is not the name");
	CHECK(ps_parse_vapfn("vaddr pfn\n0x2000 0x11\n0x1000 0x10\n", &v, &n,
			     err) == 0 && n == 2 && v[0].va == 0x1000 &&
	      v[0].pfn == 0x10, "pinned: rows sorted by address");
	free(v);
	CHECK(ps_parse_vapfn("vaddr pfn\n0x1000 zz\n", &v, &n, err) &&
	      strstr(err, "line 2"), "pinned: bad row: %s", err);
}

static void lookup(void)
{
	char err[PS_ERR_LEN];
	struct ps_pin p;

	CHECK(ps_parse_lookup("pfn=0x1a2b count=1 longterm=1 maybe_pinned=1 refcount=1025 order=0 folio_pincount=- age_ms=12 pid=99 comm=pinload api=pin_user_pages_fast\n",
			      &p, err) == 0, "lookup: pinned page: %s", err);
	CHECK(p.pfn == 0x1a2b && p.count == 1 && p.pid == 99 &&
	      p.folio_pincount == -1 && !strcmp(p.comm, "pinload"),
	      "lookup: fields");
	CHECK(ps_parse_lookup("pfn=0x10 count=0 longterm=0 maybe_pinned=1 refcount=1101 order=0 folio_pincount=- age_ms=- pid=- comm=- api=unknown\n",
			      &p, err) == 0 && p.count == 0 && p.age_ms == -1 &&
	      p.pid == -1 && p.refcount == 1101, "lookup: unpinned page");
	CHECK(ps_parse_lookup("new=1 pfn=0x10 count=0 longterm=0 maybe_pinned=0 refcount=1 order=9 folio_pincount=0 age_ms=- pid=- comm=- api=unknown",
			      &p, err) == 0 && p.order == 9 && p.folio_pincount == 0,
	      "lookup: unknown field ignored, no newline");
	CHECK(ps_parse_lookup("pfn=0x10 count=0\n", &p, err) &&
	      strstr(err, "longterm"), "lookup: missing field: %s", err);
	CHECK(ps_parse_lookup("pfn=0x10 garbage\n", &p, err) &&
	      strstr(err, "name=value"), "lookup: not name=value: %s", err);
	CHECK(ps_parse_lookup("pfn=0x10 count=x longterm=0 maybe_pinned=0 refcount=1 order=0 folio_pincount=- age_ms=- pid=- comm=- api=unknown",
			      &p, err) && strstr(err, "count"),
	      "lookup: bad number: %s", err);
	CHECK(ps_parse_lookup("", &p, err) != 0, "lookup: empty answer");
}

void test_parse(void)
{
	numbers();
	stats();
	table();
	report();
	rotation();
	probes();
	pins();
	lookup();
	stats_forward();
	pins_stack();
	lookup_stack();
	stacks();
	saved_files();
}
