// SPDX-License-Identifier: GPL-2.0
/*
 * pinshadow cow: the COW audit's events (cow_audit, one row per page) as
 * runs of pages (reports.h), then the audit's totals from stats.  --raw
 * shows the module's rows; a cow_audit of a shape this CLI does not know
 * is shown as the module prints it.
 *
 * --follow re-reads cow_audit (a ring of recent events, shown whole on each
 * open) and shows the rows after the last one it showed, grouped per read;
 * when that row has rotated out of the ring, everything is new.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "debugfs.h"
#include "exitcodes.h"
#include "procmap.h"
#include "readable.h"
#include "raw_tables.h"
#include "text_table.h"

#define FILE_NAME	"cow_audit"
#define FOLLOW_POLL_MS	500
#define ROW_TEXT_MAX	1024

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

enum { T_TIME, T_PID, T_COMM, T_VADDR, T_PAGES, T_PFN, T_DECISION,
       T_EXCLUSIVE, T_MAYBE, T_COUNT, T_VERDICT, NR_T };

static const char *const heads[NR_T] = {
	"TIME", "PID", "COMM", "VADDR", "PAGES", "PFN", "DECISION",
	"EXCLUSIVE", "MAYBE_PINNED", "COUNT", "VERDICT"
};
static const char align[] = "lrllrllllll";

/*
 * The stats the totals lines show, in their order; the last, newer than
 * the others, is shown only when a module has it and it is not 0.
 */
static const char *const totals[] = {
	"cow_examined", "cow_copied", "cow_shared", "cow_needless_copies",
	"cow_unsafe_shares", "wp_copy_pinned", "cow_unaudited",
	"cow_events_dropped", "cow_unwalked",
};
#define NR_TOTALS	(sizeof(totals) / sizeof(totals[0]))
#define NR_TOTALS_NEEDED	(NR_TOTALS - 1)

/* "0x1000" for one page, "0x1000-0x3000" (end exclusive) for more. */
static const char *range(uint64_t start, uint64_t end, uint64_t pages,
			 char *buf, size_t size)
{
	if (pages == 1)
		snprintf(buf, size, "0x%" PRIx64, start);
	else
		snprintf(buf, size, "0x%" PRIx64 "-0x%" PRIx64, start, end);
	return buf;
}

static void text_group(struct ps_tt *tt, const struct ps_cow_group *g)
{
	char b[64];

	ps_tt_cell(tt, "%s", ps_fmt_time_us(g->time_first_us, b, sizeof(b)));
	ps_tt_cell(tt, "%" PRId32, g->pid);
	ps_tt_cell(tt, "%s", g->comm);
	ps_tt_cell(tt, "%s", range(g->vaddr_start, g->vaddr_end, g->pages, b,
				   sizeof(b)));
	ps_tt_cell(tt, "%" PRIu64, g->pages);
	ps_tt_cell(tt, "%s", range(g->pfn_start, g->pfn_end, g->pages, b,
				   sizeof(b)));
	ps_tt_cell(tt, "%s", g->decision);
	ps_tt_cell(tt, "%d", g->exclusive);
	ps_tt_cell(tt, "%d", g->maybe_pinned);
	if (g->count_min == g->count_max)
		ps_tt_cell(tt, "%" PRIu32, g->count_min);
	else
		ps_tt_cell(tt, "%" PRIu32 "-%" PRIu32, g->count_min,
			   g->count_max);
	ps_tt_cell(tt, "%s", g->verdict);
}

static void json_group(struct json *j, const struct ps_cow_group *g)
{
	char b[32];

	json_object_begin(j);
	json_key(j, "time_first");
	json_number_text(j, ps_fmt_time_us(g->time_first_us, b, sizeof(b)));
	json_key(j, "time_last");
	json_number_text(j, ps_fmt_time_us(g->time_last_us, b, sizeof(b)));
	json_kv_int(j, "pid", g->pid);
	json_kv_string(j, "comm", strcmp(g->comm, "-") ? g->comm : NULL);
	json_kv_hex(j, "vaddr_start", g->vaddr_start);
	json_kv_hex(j, "vaddr_end", g->vaddr_end);
	json_kv_uint(j, "pages", g->pages);
	json_kv_hex(j, "pfn_start", g->pfn_start);
	json_kv_hex(j, "pfn_end", g->pfn_end);
	json_kv_string(j, "decision", g->decision);
	json_kv_bool(j, "exclusive", g->exclusive);
	json_kv_bool(j, "maybe_pinned", g->maybe_pinned);
	json_kv_uint(j, "count_min", g->count_min);
	json_kv_uint(j, "count_max", g->count_max);
	json_kv_string(j, "verdict", g->verdict);
	json_object_end(j);
}

static void text_totals(FILE *f, const struct ps_stats *st, size_t events,
			size_t lines)
{
	int64_t v[NR_TOTALS];
	size_t i;

	fprintf(f, "%zu event%s in %zu line%s", events, events == 1 ? "" : "s",
		lines, lines == 1 ? "" : "s");
	for (i = 0; i < NR_TOTALS_NEEDED; i++)
		if (!ps_stats_get(st, totals[i], &v[i]))
			break;
	if (i < NR_TOTALS_NEEDED) {	/* a module without the totals */
		fputc('\n', f);
		return;
	}
	fprintf(f, "; totals since the module was loaded or reset:\n"
		"  %" PRId64 " pages examined at fork: %" PRId64 " copied, %"
		PRId64 " shared; %" PRId64 " needless copies, %" PRId64
		" unsafe shares\n"
		"  %" PRId64 " pinned pages copied on write; %" PRId64
		" pages unaudited; %" PRId64 " events dropped from the ring\n",
		v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
	if (ps_stats_get(st, totals[NR_TOTALS_NEEDED], &v[NR_TOTALS_NEEDED]) &&
	    v[NR_TOTALS_NEEDED])
		fprintf(f, "  %" PRId64 " pages of forked VMAs past the audit's bound, not walked (audit_fork_entries)\n",
			v[NR_TOTALS_NEEDED]);
}

static void json_totals(struct json *j, const struct ps_stats *st)
{
	int64_t v;
	size_t i;

	json_kv_object_begin(j, "totals");
	for (i = 0; i < NR_TOTALS; i++) {
		json_key(j, totals[i]);
		if (ps_stats_get(st, totals[i], &v))
			json_int(j, v);
		else
			json_null(j);
	}
	json_object_end(j);
}

/* The report in a shape we do not know: as the module prints it. */
static void show_unknown(struct ps_ctx *c, const struct ps_report *rep,
			 const char *why)
{
	struct json j;
	size_t r;

	ps_warn(c, "%s: shown as the module prints it", why);
	if (!c->json) {
		ps_print_report(c->out, rep);
		return;
	}
	ps_json_report_head(c, &j, FILE_NAME, rep);
	for (r = 0; r < rep->table.nrows; r++)
		ps_json_report_row(&j, &rep->table, r);
	ps_json_report_tail(&j);
}

static int show_once(struct ps_ctx *c, const struct ps_stats *st)
{
	char err[PS_ERR_LEN];
	struct ps_cow_event *ev;
	struct ps_cow_group *g;
	struct ps_report rep;
	size_t n, ng, i;
	struct json j;
	struct ps_tt tt;
	int ret;

	ret = ps_read_report(c, FILE_NAME, &rep);
	if (ret)
		return ret;
	if (ps_parse_cow_events(&rep.table, 0, &ev, &n, err)) {
		show_unknown(c, &rep, err);
		ps_report_free(&rep);
		return PS_EXIT_OK;
	}
	ps_report_free(&rep);
	if (ps_group_cow(ev, n, ps_page_size(), &g, &ng)) {
		free(ev);
		return ps_fail(c, PS_EXIT_FAILURE, "out of memory");
	}
	free(ev);
	if (c->json) {
		ps_json_object_begin(c, &j, "data");
		json_kv_string(&j, "file", FILE_NAME);
		json_kv_uint(&j, "events", n);
		json_kv_array_begin(&j, "groups");
		for (i = 0; i < ng; i++)
			json_group(&j, &g[i]);
		json_array_end(&j);
		json_totals(&j, st);
		ps_json_object_end(&j);
	} else {
		if (ng) {
			ps_tt_init(&tt, NR_T, heads, align);
			for (i = 0; i < ng; i++)
				text_group(&tt, &g[i]);
			ps_tt_flush(&tt, c->out, true);
			ps_tt_free(&tt);
			fputc('\n', c->out);
		} else {
			fputs("No COW event recorded: the audit records the pages a fork\n"
			      "copies or shares while something is pinned.\n\n", c->out);
		}
		text_totals(c->out, st, n, ng);
	}
	free(g);
	return PS_EXIT_OK;
}

/* Rows as they come, unaligned: their widths are not known ahead. */
static void print_plain(FILE *f, const struct ps_table *t, size_t r,
			bool header)
{
	size_t k;

	for (k = 0; k < t->ncols; k++)
		fprintf(f, "%s%s", header ? t->cols[k] : ps_table_cell(t, r, k),
			k + 1 < t->ncols ? " " : "\n");
}

/* The rows @from.. of one read, grouped. */
static int follow_groups(struct ps_ctx *c, struct json *j, struct ps_tt *tt,
			 const struct ps_table *t, size_t from)
{
	char err[PS_ERR_LEN];
	struct ps_cow_event *ev;
	struct ps_cow_group *g;
	size_t n, ng, i;

	if (ps_parse_cow_events(t, from, &ev, &n, err))
		return ps_fail(c, PS_EXIT_FAILURE, "%s/%s", c->dir, err);
	if (ps_group_cow(ev, n, ps_page_size(), &g, &ng)) {
		free(ev);
		return ps_fail(c, PS_EXIT_FAILURE, "out of memory");
	}
	for (i = 0; i < ng; i++) {
		if (c->json) {
			ps_json_begin(c, j, "data");
			json_group(j, &g[i]);
			ps_json_end(j);
		} else {
			text_group(tt, &g[i]);
		}
	}
	if (!c->json)
		ps_tt_flush(tt, c->out, false);
	free(ev);
	free(g);
	return PS_EXIT_OK;
}

/* The text header; JSON lines need none. */
static void follow_head(struct ps_ctx *c, struct ps_tt *tt,
			const struct ps_report *rep, bool grouped)
{
	/* Typical widths, so that the batches line up. */
	static const size_t minw[NR_T] = { 12, 6, 15, 29, 5, 17, 8, 9, 12, 5 };
	size_t k;

	if (c->json)
		return;
	if (grouped) {
		for (k = 0; k < NR_T; k++)
			ps_tt_min_width(tt, k, minw[k]);
		ps_tt_flush(tt, c->out, true);
	} else {
		print_plain(c->out, &rep->table, 0, true);
	}
}

static int follow(struct ps_ctx *c, bool raw)
{
	struct sigaction sa = { .sa_handler = on_signal };
	char last[ROW_TEXT_MAX] = "", err[PS_ERR_LEN];
	bool started = false, grouped = false;
	struct ps_report rep;
	struct ps_tt tt;
	struct json j;
	size_t r;
	int ret = PS_EXIT_OK;

	/* JSON: one complete document per line, each flushed. */
	c->json_compact = true;
	ps_tt_init(&tt, NR_T, heads, align);
	stop = 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!stop) {
		struct timespec ts = { 0, FOLLOW_POLL_MS * 1000000L };

		ret = ps_read_report(c, FILE_NAME, &rep);
		if (ret)
			break;
		if (!started) {
			if (!raw) {
				struct ps_cow_event *ev;
				size_t n;

				/* Every column there?  (No row parsed.) */
				grouped = !ps_parse_cow_events(&rep.table, rep.table.nrows,
							       &ev, &n, err);
				if (grouped)
					free(ev);
			}
			if (!raw && !grouped)
				ps_warn(c, "%s: shown as the module prints it", err);
			follow_head(c, &tt, &rep, grouped);
			started = true;
		}
		r = ps_table_rows_after(&rep.table, last[0] ? last : NULL);
		if (grouped) {
			ret = follow_groups(c, &j, &tt, &rep.table, r);
			if (ret) {
				ps_report_free(&rep);
				break;
			}
		} else {
			for (; r < rep.table.nrows; r++) {
				if (c->json) {
					ps_json_begin(c, &j, "data");
					ps_json_report_row(&j, &rep.table, r);
					ps_json_end(&j);
				} else
					print_plain(c->out, &rep.table, r, false);
			}
		}
		if (rep.table.nrows)
			ps_table_row_text(&rep.table, rep.table.nrows - 1,
					  last, sizeof(last));
		fflush(c->out);
		ps_report_free(&rep);
		nanosleep(&ts, NULL);
	}
	ps_tt_free(&tt);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	return ret;
}

int cmd_cow(struct ps_ctx *c, const struct ps_opts *o)
{
	struct ps_stats st;
	int ret;

	ret = ps_module_check(c, &st);
	if (ret)
		return ret;
	if (o->follow)
		ret = follow(c, o->raw);
	else if (o->raw)
		ret = ps_show_raw(c, FILE_NAME);
	else
		ret = show_once(c, &st);
	ps_stats_free(&st);
	return ret;
}
