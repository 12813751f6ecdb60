// SPDX-License-Identifier: GPL-2.0
/*
 * pinshadow policies: every fork decision the COW audit saw, replayed under
 * each policy.  The module's columns are shown as they come (a new column
 * needs no new CLI), with the rule of each policy this CLI knows.
 */
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "debugfs.h"
#include "exitcodes.h"
#include "readable.h"
#include "raw_tables.h"
#include "text_table.h"

#define FILE_NAME	"policies"
#define MAX_COLS	16

static void print_text(FILE *f, const struct ps_report *rep)
{
	const struct ps_table *t = &rep->table;
	char heads_buf[MAX_COLS][48], align[MAX_COLS + 2];
	const char *heads[MAX_COLS + 1];
	size_t k, r, ncols = t->ncols;
	int pcol = ps_table_col(t, "policy");
	struct ps_tt tt;

	if (ncols > MAX_COLS || pcol < 0) {
		ps_print_report(f, rep);
		return;
	}
	for (k = 0; k < ncols; k++) {
		int64_t x;

		heads[k] = ps_upper(t->cols[k], heads_buf[k], sizeof(heads_buf[k]));
		/* Numbers right-aligned: a column of integers only. */
		align[k] = 'r';
		for (r = 0; r < t->nrows; r++)
			if (!ps_parse_i64(ps_table_cell(t, r, k), &x))
				align[k] = 'l';
	}
	heads[ncols] = "COPIES A PAGE AT FORK WHEN";
	align[ncols] = 'l';
	align[ncols + 1] = '\0';
	ps_tt_init(&tt, ncols + 1, heads, align);
	for (r = 0; r < t->nrows; r++) {
		const char *rule = ps_policy_text(ps_table_cell(t, r, (size_t)pcol));

		for (k = 0; k < ncols; k++)
			ps_tt_cell(&tt, "%s", ps_table_cell(t, r, k));
		ps_tt_cell(&tt, "%s", rule ? rule : "?");
	}
	ps_tt_flush(&tt, f, true);
	ps_tt_free(&tt);
	if (ps_table_col(t, "needless_copies") >= 0)
		fputs("\nEach page decision the COW audit saw at fork, replayed under each policy:\n"
		      "pages it copies, copies of pages that hold no pin (needless), and pinned\n"
		      "pages it would share with the child (unsafe).\n", f);
}

static void print_json(struct ps_ctx *c, const struct ps_report *rep)
{
	const struct ps_table *t = &rep->table;
	int pcol = ps_table_col(t, "policy");
	struct json j;
	size_t r, k;

	ps_json_report_head(c, &j, FILE_NAME, rep);
	for (r = 0; r < t->nrows; r++) {
		json_object_begin(&j);
		for (k = 0; k < t->ncols; k++)
			ps_json_cell(&j, t->cols[k], ps_table_cell(t, r, k));
		json_kv_string(&j, "rule", pcol < 0 ? NULL :
			       ps_policy_text(ps_table_cell(t, r, (size_t)pcol)));
		json_object_end(&j);
	}
	ps_json_report_tail(&j);
}

int cmd_policies(struct ps_ctx *c, const struct ps_opts *o)
{
	struct ps_report rep;
	struct ps_stats st;
	int ret;

	ret = ps_module_check(c, &st);
	if (ret)
		return ret;
	ps_stats_free(&st);
	if (o->raw)
		return ps_show_raw(c, FILE_NAME);
	ret = ps_read_report(c, FILE_NAME, &rep);
	if (ret)
		return ret;
	if (c->json)
		print_json(c, &rep);
	else
		print_text(c->out, &rep);
	ps_report_free(&rep);
	return PS_EXIT_OK;
}
