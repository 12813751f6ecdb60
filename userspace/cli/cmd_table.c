// SPDX-License-Identifier: GPL-2.0
/*
 * verdicts, cow, policies: the module's reports passed through, aligned for
 * people or as JSON keyed by the file's own names.  The CLI does not
 * interpret them, so a module that adds a column needs no new CLI; a module
 * without the file is an older version (exit 7).
 *
 * cow --follow re-reads cow_audit (a ring of recent events, shown whole on
 * each open) and prints the rows after the last one it printed; when that
 * row has rotated out of the ring, everything is new.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "debugfs.h"
#include "exitcodes.h"
#include "json.h"

#define FOLLOW_POLL_MS	500
#define ROW_TEXT_MAX	1024

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static const char *file_of(enum ps_cmd cmd)
{
	switch (cmd) {
	case PS_CMD_VERDICTS:
		return "verdicts";
	case PS_CMD_COW:
		return "cow_audit";
	default:
		return "policies";
	}
}

/* Integers as numbers, "-" as null, anything else as a string. */
static void json_cell(struct json *j, const char *key, const char *v)
{
	int64_t x;

	json_key(j, key);
	if (!strcmp(v, "-"))
		json_null(j);
	else if (ps_parse_i64(v, &x))
		json_int(j, x);
	else
		json_string(j, v);
}

static void json_row(struct json *j, const struct ps_table *t, size_t r)
{
	size_t k;

	json_object_begin(j);
	for (k = 0; k < t->ncols; k++)
		json_cell(j, t->cols[k], ps_table_cell(t, r, k));
	json_object_end(j);
}

/* Everything up to the open "rows" array. */
static void json_head(struct json *j, const char *file,
		      const struct ps_report *rep)
{
	size_t i;

	json_object_begin(j);
	json_kv_string(j, "file", file);
	json_key(j, "summary");
	json_object_begin(j);
	for (i = 0; rep && i < rep->nsummary; i++)
		json_cell(j, rep->names[i], rep->values[i]);
	json_object_end(j);
	json_key(j, "columns");
	json_array_begin(j);
	for (i = 0; rep && i < rep->table.ncols; i++)
		json_string(j, rep->table.cols[i]);
	json_array_end(j);
	json_key(j, "rows");
	json_array_begin(j);
}

static void json_tail(struct json *j)
{
	json_array_end(j);
	json_object_end(j);
	json_finish(j);
}

static void print_cells(FILE *f, const struct ps_table *t, const size_t *w,
			size_t r, bool header)
{
	size_t k;

	for (k = 0; k < t->ncols; k++) {
		const char *cell = header ? t->cols[k] : ps_table_cell(t, r, k);

		if (k + 1 < t->ncols)
			fprintf(f, "%-*s  ", (int)w[k], cell);
		else
			fprintf(f, "%s\n", cell);
	}
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

static void print_aligned(FILE *f, const struct ps_report *rep)
{
	const struct ps_table *t = &rep->table;
	size_t *w = calloc(t->ncols ? t->ncols : 1, sizeof(*w)), r, k, nw = 0;

	if (!w)
		return;
	for (k = 0; k < rep->nsummary; k++)
		if (strlen(rep->names[k]) > nw)
			nw = strlen(rep->names[k]);
	for (k = 0; k < rep->nsummary; k++)
		fprintf(f, "%-*s  %s\n", (int)nw, rep->names[k],
			rep->values[k]);
	if (rep->nsummary)
		fputc('\n', f);
	for (k = 0; k < t->ncols; k++)
		w[k] = strlen(t->cols[k]);
	for (r = 0; r < t->nrows; r++)
		for (k = 0; k < t->ncols; k++)
			if (strlen(ps_table_cell(t, r, k)) > w[k])
				w[k] = strlen(ps_table_cell(t, r, k));
	print_cells(f, t, w, 0, true);
	for (r = 0; r < t->nrows; r++)
		print_cells(f, t, w, r, false);
	free(w);
}

static int read_report(struct ps_ctx *c, const char *file,
		       struct ps_report *rep)
{
	char err[PS_ERR_LEN], *text;
	int ret;

	ret = ps_read_file(c, file, true, &text);
	if (ret)
		return ret;
	if (ps_parse_report(text, file, rep, err)) {
		free(text);
		return ps_fail(c, PS_EXIT_FAILURE, "%s/%s", c->dir, err);
	}
	free(text);
	return PS_EXIT_OK;
}

static int show_once(struct ps_ctx *c, const char *file)
{
	struct ps_report rep;
	struct json j;
	size_t r;
	int ret;

	ret = read_report(c, file, &rep);
	if (ret)
		return ret;
	if (c->json) {
		json_init(&j, c->out);
		json_head(&j, file, &rep);
		for (r = 0; r < rep.table.nrows; r++)
			json_row(&j, &rep.table, r);
		json_tail(&j);
	} else {
		print_aligned(c->out, &rep);
	}
	ps_report_free(&rep);
	return PS_EXIT_OK;
}

static int follow(struct ps_ctx *c, const char *file)
{
	struct sigaction sa = { .sa_handler = on_signal };
	char last[ROW_TEXT_MAX] = "";
	bool started = false;
	struct ps_report rep;
	struct json j;
	size_t r;
	int ret = PS_EXIT_OK;

	json_init(&j, c->out);
	stop = 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!stop) {
		struct timespec ts = { 0, FOLLOW_POLL_MS * 1000000L };

		ret = read_report(c, file, &rep);
		if (ret)
			break;
		if (!started) {
			if (c->json)
				json_head(&j, file, &rep);
			else
				print_plain(c->out, &rep.table, 0, true);
			c->json_started = c->json;
			started = true;
		}
		for (r = ps_table_rows_after(&rep.table, last[0] ? last : NULL);
		     r < rep.table.nrows; r++) {
			if (c->json)
				json_row(&j, &rep.table, r);
			else
				print_plain(c->out, &rep.table, r, false);
		}
		if (rep.table.nrows)
			ps_table_row_text(&rep.table, rep.table.nrows - 1,
					  last, sizeof(last));
		fflush(c->out);
		ps_report_free(&rep);
		nanosleep(&ts, NULL);
	}
	/* Close the document; an error before the header printed its own. */
	if (c->json && (started || ret == PS_EXIT_OK)) {
		if (!started)
			json_head(&j, file, NULL);
		json_tail(&j);
	}
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	return ret;
}

int cmd_table(struct ps_ctx *c, const struct ps_opts *o)
{
	struct ps_stats st;
	int ret;

	ret = ps_module_check(c, &st);
	if (ret)
		return ret;
	ps_stats_free(&st);
	if (o->follow)
		return follow(c, file_of(o->cmd));
	return show_once(c, file_of(o->cmd));
}
