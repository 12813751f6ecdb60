// SPDX-License-Identifier: GPL-2.0
/*
 * verdicts, cow, policies: reading the module's reports, and showing them
 * unchanged (--raw, and the shapes this CLI does not know).  A module
 * without the file is an older version (exit 7).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "debugfs.h"
#include "exitcodes.h"
#include "raw_tables.h"

int ps_read_report(struct ps_ctx *c, const char *file, struct ps_report *rep)
{
	char err[PS_ERR_LEN], *text;
	int ret;

	ret = ps_read_file(c, file, true, &text);
	if (ret)
		return ret;
	return ps_parsed(c, text, ps_parse_report(text, file, rep, err), err);
}

void ps_json_cell(struct json *j, const char *key, const char *v)
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

void ps_json_report_row(struct json *j, const struct ps_table *t, size_t r)
{
	size_t k;

	json_object_begin(j);
	for (k = 0; k < t->ncols; k++)
		ps_json_cell(j, t->cols[k], ps_table_cell(t, r, k));
	json_object_end(j);
}

void ps_json_report_head(struct ps_ctx *c, struct json *j, const char *file,
			 const struct ps_report *rep)
{
	size_t i;

	ps_json_begin(c, j, "data");
	json_object_begin(j);
	json_kv_string(j, "file", file);
	json_kv_object_begin(j, "summary");
	for (i = 0; rep && i < rep->nsummary; i++)
		ps_json_cell(j, rep->names[i], rep->values[i]);
	json_object_end(j);
	json_kv_array_begin(j, "columns");
	for (i = 0; rep && i < rep->table.ncols; i++)
		json_string(j, rep->table.cols[i]);
	json_array_end(j);
	json_kv_array_begin(j, "rows");
}

void ps_json_report_tail(struct json *j)
{
	json_array_end(j);
	json_object_end(j);
	ps_json_end(j);
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

void ps_print_report(FILE *f, const struct ps_report *rep)
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

int ps_show_raw(struct ps_ctx *c, const char *file)
{
	struct ps_report rep;
	struct json j;
	char *text;
	size_t r;
	int ret;

	if (!c->json) {
		ret = ps_read_file(c, file, true, &text);
		if (ret)
			return ret;
		fputs(text, c->out);
		free(text);
		return PS_EXIT_OK;
	}
	ret = ps_read_report(c, file, &rep);
	if (ret)
		return ret;
	ps_json_report_head(c, &j, file, &rep);
	for (r = 0; r < rep.table.nrows; r++)
		ps_json_report_row(&j, &rep.table, r);
	ps_json_report_tail(&j);
	ps_report_free(&rep);
	return PS_EXIT_OK;
}

const char *ps_upper(const char *s, char *buf, size_t size)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < size; i++)
		buf[i] = (char)toupper((unsigned char)s[i]);
	buf[i] = '\0';
	return buf;
}
