// SPDX-License-Identifier: GPL-2.0
/*
 * psstudy: the guest side of `make study` (tests/study/README.md).
 *
 *   psstudy sample OUT [--interval-ms N]
 *        reads "verdicts" every N ms (default 500) until SIGTERM or SIGINT,
 *        and writes to OUT the read that saw the most pages the kernel
 *        thinks pinned (true_pos + false_pos): the moment of a workload
 *        when it holds its pins.  OUT is written even when no read saw
 *        any (the last read).
 *   psstudy row KERNEL WORKLOAD POLICIES VERDICTS
 *        one row of the study table from a saved "policies" and
 *        "verdicts" (the files as the module wrote them): a "head" line of
 *        column names, then a "row" line.  Columns: kernel, workload, the
 *        audited fork decisions, per policy "copies/needless/unsafe", the
 *        truth table of folio_maybe_dma_pinned() at the sampled moment,
 *        its false positives by cause, and the mismatch rows the module
 *        left out (the causes then count fewer).
 *
 * Both formats are read by the CLI's parsers (userspace/cli/parse.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pinshadow_abi.h"
#include "parse.h"
#include "ps_util.h"

#define VERDICTS_PATH	PINSHADOW_DEBUGFS_DIR "/verdicts"

/* The truth table's names in "verdicts" and the causes of false positives. */
static const char *const truth_names[] = {
	"true_pos", "false_pos", "false_neg", "true_neg",
};

static const char *const fp_causes[] = {
	"refcount_bias", "folio_sibling", "untracked", "unexplained",
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int64_t summary_value(const struct ps_report *r, const char *name)
{
	int64_t v;
	size_t i;

	for (i = 0; i < r->nsummary; i++)
		if (!strcmp(r->names[i], name) && ps_parse_i64(r->values[i], &v))
			return v;
	return -1;
}

/* Pages the kernel thinks pinned in a "verdicts" text; -1: unreadable. */
static int64_t maybe_pinned_pages(const char *text)
{
	char err[256];
	struct ps_report r;
	int64_t tp, fp;

	if (ps_parse_report(text, "verdicts", &r, err))
		return -1;
	tp = summary_value(&r, "true_pos");
	fp = summary_value(&r, "false_pos");
	ps_report_free(&r);
	return tp < 0 || fp < 0 ? -1 : tp + fp;
}

static int write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f)) {
		fprintf(stderr, "psstudy: %s: %s\n", path, strerror(errno));
		return 1;
	}
	return 0;
}

static int cmd_sample(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned int interval_ms = 500;
	char *best = NULL, *text;
	int64_t best_pages = -1, pages;
	size_t len;
	int rc;

	if (argc == 5 && !strcmp(argv[3], "--interval-ms"))
		interval_ms = strtoul(argv[4], NULL, 10);
	else if (argc != 3)
		return 2;
	if (!interval_ms) {
		fprintf(stderr, "psstudy: --interval-ms must be at least 1\n");
		return 2;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	do {
		rc = ps_read_file(VERDICTS_PATH, &text, &len);
		if (rc) {
			fprintf(stderr, "psstudy: %s: %s\n", VERDICTS_PATH,
				strerror(-rc));
			free(best);
			return 1;
		}
		pages = maybe_pinned_pages(text);
		if (!best || pages > best_pages) {
			free(best);
			best = text;
			best_pages = pages;
		} else {
			free(text);
		}
		if (!stop)
			ps_msleep(interval_ms);
	} while (!stop);
	rc = write_text(argv[2], best);
	free(best);
	return rc;
}

static int read_report(const char *path, const char *file, bool table_only,
		       struct ps_report *r)
{
	char err[256];
	char *text;
	size_t len;
	int rc;

	rc = ps_read_file(path, &text, &len);
	if (rc) {
		fprintf(stderr, "psstudy: %s: %s\n", path, strerror(-rc));
		return 1;
	}
	memset(r, 0, sizeof(*r));
	rc = table_only ? ps_parse_table(text, file, false, &r->table, err) :
			  ps_parse_report(text, file, r, err);
	free(text);
	if (rc) {
		fprintf(stderr, "psstudy: %s: %s\n", path, err);
		return 1;
	}
	return 0;
}

/* The cell of column @name in row @row, "-" when the column is missing. */
static const char *cell(const struct ps_table *t, size_t row, const char *name)
{
	int col = ps_table_col(t, name);

	return col < 0 ? "-" : ps_table_cell(t, row, col);
}

static void print_row(const char *kernel, const char *workload,
		      const struct ps_table *pol, const struct ps_report *ver)
{
	int cause_col = ps_table_col(&ver->table, "cause");
	int count_col = ps_table_col(&ver->table, "count");
	int mp_col = ps_table_col(&ver->table, "maybe_pinned");
	size_t i, c, r;

	printf("head kernel workload decisions");
	for (r = 0; r < pol->nrows; r++)
		printf(" %s", ps_table_cell(pol, r, 0));
	for (i = 0; i < ARRAY_SIZE(truth_names); i++)
		printf(" %s", truth_names[i]);
	for (c = 0; c < ARRAY_SIZE(fp_causes); c++)
		printf(" fp_%s", fp_causes[c]);
	printf(" rows_dropped\nrow %s %s %s", kernel, workload,
	       pol->nrows ? cell(pol, 0, "decisions") : "0");
	for (r = 0; r < pol->nrows; r++)
		printf(" %s/%s/%s", cell(pol, r, "copies"),
		       cell(pol, r, "needless_copies"),
		       cell(pol, r, "unsafe_shares"));
	for (i = 0; i < ARRAY_SIZE(truth_names); i++)
		printf(" %lld", (long long)summary_value(ver, truth_names[i]));
	/* The rows are the mismatches (at most 65536 of them). */
	for (c = 0; c < ARRAY_SIZE(fp_causes); c++) {
		long long n = 0;

		for (r = 0; cause_col >= 0 && r < ver->table.nrows; r++) {
			const struct ps_table *t = &ver->table;

			if (!strcmp(ps_table_cell(t, r, cause_col), fp_causes[c]) &&
			    (mp_col < 0 || !strcmp(ps_table_cell(t, r, mp_col), "1")) &&
			    (count_col < 0 || !strcmp(ps_table_cell(t, r, count_col), "0")))
				n++;
		}
		printf(" %lld", n);
	}
	/* Rows the module left out: the causes above miss that many. */
	printf(" %lld\n", (long long)summary_value(ver, "mismatches_dropped"));
}

static int cmd_row(int argc, char **argv)
{
	struct ps_report pol, ver;

	if (argc != 6)
		return 2;
	if (read_report(argv[4], "policies", true, &pol))
		return 1;
	if (read_report(argv[5], "verdicts", false, &ver)) {
		ps_table_free(&pol.table);
		return 1;
	}
	print_row(argv[2], argv[3], &pol.table, &ver);
	ps_table_free(&pol.table);
	ps_report_free(&ver);
	return 0;
}

int main(int argc, char **argv)
{
	int rc = 2;

	if (argc >= 2 && !strcmp(argv[1], "sample"))
		rc = cmd_sample(argc, argv);
	else if (argc >= 2 && !strcmp(argv[1], "row"))
		rc = cmd_row(argc, argv);
	if (rc == 2)
		fprintf(stderr,
			"usage: psstudy sample OUT [--interval-ms N]\n"
			"       psstudy row KERNEL WORKLOAD POLICIES VERDICTS\n");
	return rc;
}
