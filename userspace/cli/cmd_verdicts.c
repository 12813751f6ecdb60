// SPDX-License-Identifier: GPL-2.0
/*
 * pinshadow verdicts: the kernel's guess, folio_maybe_dma_pinned(),
 * against the exact counts, as a truth table with its rates, then the
 * mismatches grouped into PFN ranges (reports.h) and counted per cause.
 *
 * --all asks the module to scan every page of RAM for this one read:
 * "scan all" to control, read, "scan tracked" back.  Ctrl-C is held off
 * until the scope is restored.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "debugfs.h"
#include "exitcodes.h"
#include "readable.h"
#include "raw_tables.h"
#include "text_table.h"

#define FILE_NAME	"verdicts"
#define RUNS_SHOWN	50	/* text only; --json and --raw have them all */

struct cause_sum {
	const char *cause;
	uint64_t pages;
	uint64_t runs;
};

static int write_control(struct ps_ctx *c, const char *cmd)
{
	ssize_t n;
	int fd, ret;

	ret = ps_open_file(c, "control", O_WRONLY, true, &fd);
	if (ret)
		return ret;
	n = write(fd, cmd, strlen(cmd));
	if (n < 0) {
		int err = errno;

		close(fd);
		if (err == EINVAL)
			return ps_fail(c, PS_EXIT_UNSUPPORTED,
				       "not supported by this module version: control refuses \"%s\"",
				       cmd);
		return ps_fail(c, PS_EXIT_FAILURE, "writing \"%s\" to %s/control: %s",
			       cmd, c->dir, strerror(err));
	}
	close(fd);
	return PS_EXIT_OK;
}

/* The verdicts text; with @all, scanned over all of RAM. */
static int read_text(struct ps_ctx *c, bool all, char **text)
{
	sigset_t block, old;
	int ret, ret2;

	if (!all)
		return ps_read_file(c, FILE_NAME, true, text);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &old);
	ret = write_control(c, "scan all");
	if (ret == PS_EXIT_OK) {
		ret = ps_read_file(c, FILE_NAME, true, text);
		ret2 = write_control(c, "scan tracked");
		if (ret2 && ret == PS_EXIT_OK) {
			free(*text);
			ret = ret2;
		}
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return ret;
}

static const char *pct(uint64_t num, uint64_t den, char *buf, size_t size)
{
	double p = den ? 100.0 * (double)num / (double)den : 0;

	/* Never 0.00% or 100.00% for what is not exactly that. */
	if (!den)
		snprintf(buf, size, "n/a");
	else if ((num && p < 0.01) || (num != den && p > 99.99))
		snprintf(buf, size, "%.4f%%", p);
	else
		snprintf(buf, size, "%.2f%%", p);
	return buf;
}

static void print_truth(FILE *f, const struct ps_truth *t)
{
	uint64_t said = t->true_pos + t->false_pos;
	uint64_t unpinned = t->false_pos + t->true_neg;
	uint64_t pinned = t->true_pos + t->false_neg;
	char b[2][32];

	if (!strcmp(t->scope, "all"))
		fprintf(f, "folio_maybe_dma_pinned() against the exact counts, over all of RAM (%" PRIu64 " pages):\n\n",
			t->scanned);
	else if (!strcmp(t->scope, "tracked"))
		fprintf(f, "folio_maybe_dma_pinned() against the exact counts, over the tracked 2 MiB\n"
			"regions (%" PRIu64 " pages; --all scans all of RAM):\n\n",
			t->scanned);
	else
		fprintf(f, "folio_maybe_dma_pinned() against the exact counts, scope %s (%" PRIu64 " pages):\n\n",
			t->scope, t->scanned);
	fprintf(f, "                         pinned (count > 0)   not pinned (count 0)\n");
	fprintf(f, "  kernel: maybe pinned   %12" PRIu64 " TP      %12" PRIu64 " FP\n",
		t->true_pos, t->false_pos);
	fprintf(f, "  kernel: not pinned     %12" PRIu64 " FN      %12" PRIu64 " TN\n\n",
		t->false_neg, t->true_neg);
	fprintf(f, "  precision            %8s  of the %" PRIu64 " pages the kernel calls pinned, %" PRIu64 " are\n",
		pct(t->true_pos, said, b[0], sizeof(b[0])), said, t->true_pos);
	fprintf(f, "  false-positive rate  %8s  of the %" PRIu64 " unpinned pages, %" PRIu64 " look%s pinned\n",
		pct(t->false_pos, unpinned, b[0], sizeof(b[0])), unpinned,
		t->false_pos, t->false_pos == 1 ? "s" : "");
	fprintf(f, "  recall               %8s  of the %" PRIu64 " pinned pages, %" PRIu64 " look%s pinned\n",
		pct(t->true_pos, pinned, b[1], sizeof(b[1])), pinned,
		t->true_pos, t->true_pos == 1 ? "s" : "");
}

/* "5" or "2-7". */
static const char *minmax(int64_t lo, int64_t hi, char *buf, size_t size)
{
	if (lo < 0)
		snprintf(buf, size, "-");
	else if (lo == hi)
		snprintf(buf, size, "%" PRId64, lo);
	else
		snprintf(buf, size, "%" PRId64 "-%" PRId64, lo, hi);
	return buf;
}

/* Pages and runs per cause, most pages first. */
static size_t sum_causes(const struct ps_mismatch_run *runs, size_t n,
			 struct cause_sum *out)
{
	size_t i, k, m = 0;

	for (i = 0; i < n; i++) {
		for (k = 0; k < m; k++)
			if (!strcmp(out[k].cause, runs[i].cause))
				break;
		if (k == m) {
			out[m].cause = runs[i].cause;
			out[m].pages = 0;
			out[m].runs = 0;
			m++;
		}
		out[k].pages += runs[i].pages;
		out[k].runs++;
	}
	/* Few causes: insertion sort. */
	for (i = 1; i < m; i++) {
		struct cause_sum x = out[i];

		for (k = i; k > 0 && out[k - 1].pages < x.pages; k--)
			out[k] = out[k - 1];
		out[k] = x;
	}
	return m;
}

static void print_runs(FILE *f, const struct ps_truth *t,
		       const struct ps_mismatch_run *runs, size_t n,
		       const struct cause_sum *cs, size_t ncs)
{
	static const char *const heads[] = {
		"PFN", "PAGES", "CAUSE", "ORDER", "MAYBE_PINNED", "COUNT",
		"REFCOUNT", "FOLIO_PINCOUNT"
	};
	uint64_t pages = 0;
	struct ps_tt tt;
	char b[64];
	size_t i;

	for (i = 0; i < n; i++)
		pages += runs[i].pages;
	if (!n) {
		fprintf(f, "\nNo mismatch: the kernel's guess agrees with the exact count on every page.\n");
		return;
	}
	fprintf(f, "\n%" PRIu64 " mismatch%s in %zu run%s of consecutive PFNs (ranges end exclusive):\n",
		pages, pages == 1 ? "" : "es", n, n == 1 ? "" : "s");
	ps_tt_init(&tt, 8, heads, "lrlrrrrr");
	for (i = 0; i < n && i < RUNS_SHOWN; i++) {
		const struct ps_mismatch_run *r = &runs[i];

		if (r->pages == 1)
			ps_tt_cell(&tt, "0x%" PRIx64, r->pfn_start);
		else
			ps_tt_cell(&tt, "0x%" PRIx64 "-0x%" PRIx64,
				   r->pfn_start, r->pfn_end);
		ps_tt_cell(&tt, "%" PRIu64, r->pages);
		ps_tt_cell(&tt, "%s", r->cause);
		ps_tt_cell(&tt, "%" PRIu32, r->order);
		ps_tt_cell(&tt, "%d", r->maybe_pinned);
		ps_tt_cell(&tt, "%s", minmax(r->count_min, r->count_max, b,
					     sizeof(b)));
		ps_tt_cell(&tt, "%s", minmax(r->refcount_min, r->refcount_max,
					     b, sizeof(b)));
		ps_tt_cell(&tt, "%s", minmax(r->pincount_min, r->pincount_max,
					     b, sizeof(b)));
	}
	ps_tt_flush(&tt, f, true);
	ps_tt_free(&tt);
	if (n > RUNS_SHOWN)
		fprintf(f, "... and %zu more runs (--json or --raw lists them all)\n",
			n - RUNS_SHOWN);
	if (t->dropped)
		fprintf(f, "... and %" PRIu64 " more mismatches the module did not keep (mismatches_dropped)\n",
			t->dropped);
	fprintf(f, "\nBy cause:\n");
	for (i = 0; i < ncs; i++) {
		const char *why = ps_cause_text(cs[i].cause);

		fprintf(f, "  %-15s %8" PRIu64 " page%s %6" PRIu64 " run%s  %s\n",
			cs[i].cause, cs[i].pages, cs[i].pages == 1 ? " " : "s",
			cs[i].runs, cs[i].runs == 1 ? " " : "s", why ? why : "");
	}
}

static void print_json(struct ps_ctx *c, const struct ps_truth *t,
		       const struct ps_mismatch_run *runs, size_t n,
		       const struct cause_sum *cs, size_t ncs)
{
	struct json j;
	size_t i;

	ps_json_object_begin(c, &j, "data");
	json_kv_string(&j, "file", FILE_NAME);
	json_kv_string(&j, "scope", t->scope);
	json_kv_object_begin(&j, "totals");
	json_kv_uint(&j, "true_pos", t->true_pos);
	json_kv_uint(&j, "false_pos", t->false_pos);
	json_kv_uint(&j, "false_neg", t->false_neg);
	json_kv_uint(&j, "true_neg", t->true_neg);
	json_kv_uint(&j, "scanned", t->scanned);
	json_kv_uint(&j, "mismatches_dropped", t->dropped);
	json_object_end(&j);
	json_kv_ratio(&j, "precision", t->true_pos, t->true_pos + t->false_pos);
	json_kv_ratio(&j, "false_positive_rate", t->false_pos,
		      t->false_pos + t->true_neg);
	json_kv_ratio(&j, "recall", t->true_pos, t->true_pos + t->false_neg);
	json_kv_array_begin(&j, "runs");
	for (i = 0; i < n; i++) {
		const struct ps_mismatch_run *r = &runs[i];

		json_object_begin(&j);
		json_kv_hex(&j, "pfn_start", r->pfn_start);
		json_kv_hex(&j, "pfn_end", r->pfn_end);
		json_kv_uint(&j, "pages", r->pages);
		json_kv_string(&j, "cause", r->cause);
		json_kv_uint(&j, "order", r->order);
		json_kv_bool(&j, "maybe_pinned", r->maybe_pinned);
		json_kv_uint(&j, "count_min", r->count_min);
		json_kv_uint(&j, "count_max", r->count_max);
		json_kv_int(&j, "refcount_min", r->refcount_min);
		json_kv_int(&j, "refcount_max", r->refcount_max);
		json_kv_int_or_null(&j, "folio_pincount_min", r->pincount_min);
		json_kv_int_or_null(&j, "folio_pincount_max", r->pincount_max);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_kv_array_begin(&j, "causes");
	for (i = 0; i < ncs; i++) {
		json_object_begin(&j);
		json_kv_string(&j, "cause", cs[i].cause);
		json_kv_uint(&j, "pages", cs[i].pages);
		json_kv_uint(&j, "runs", cs[i].runs);
		json_kv_string(&j, "meaning", ps_cause_text(cs[i].cause));
		json_object_end(&j);
	}
	json_array_end(&j);
	ps_json_object_end(&j);
}

static void json_report(struct ps_ctx *c, const struct ps_report *rep)
{
	struct json j;
	size_t r;

	ps_json_report_head(c, &j, FILE_NAME, rep);
	for (r = 0; r < rep->table.nrows; r++)
		ps_json_report_row(&j, &rep->table, r);
	ps_json_report_tail(&j);
}

static int show(struct ps_ctx *c, const struct ps_report *rep)
{
	struct ps_mismatch_run *runs = NULL;
	struct ps_mismatch *m = NULL;
	struct cause_sum *cs = NULL;
	char err[PS_ERR_LEN];
	struct ps_truth t;
	size_t n, nruns = 0, ncs;
	int ret = PS_EXIT_OK;

	if (ps_parse_truth(rep, &t, err) ||
	    ps_parse_mismatches(&rep->table, &m, &n, err)) {
		ps_warn(c, "%s: shown as the module prints it", err);
		if (c->json)
			json_report(c, rep);
		else
			ps_print_report(c->out, rep);
		return PS_EXIT_OK;
	}
	if (ps_group_mismatches(m, n, &runs, &nruns) ||
	    !(cs = calloc(nruns + 1, sizeof(*cs)))) {
		ret = ps_fail(c, PS_EXIT_FAILURE, "out of memory");
		goto out;
	}
	ncs = sum_causes(runs, nruns, cs);
	if (c->json) {
		print_json(c, &t, runs, nruns, cs, ncs);
	} else {
		print_truth(c->out, &t);
		print_runs(c->out, &t, runs, nruns, cs, ncs);
	}
out:
	free(cs);
	free(runs);
	free(m);
	return ret;
}

int cmd_verdicts(struct ps_ctx *c, const struct ps_opts *o)
{
	char err[PS_ERR_LEN], *text;
	struct ps_report rep;
	int ret;

	ret = ps_module_ready(c);
	if (ret)
		return ret;
	ret = read_text(c, o->all, &text);
	if (ret)
		return ret;
	if (o->raw && !c->json) {
		fputs(text, c->out);
		free(text);
		return PS_EXIT_OK;
	}
	ret = ps_parsed(c, text, ps_parse_report(text, FILE_NAME, &rep, err),
			err);
	if (ret)
		return ret;
	if (o->raw)
		json_report(c, &rep);
	else
		ret = show(c, &rep);
	ps_report_free(&rep);
	return ret;
}
