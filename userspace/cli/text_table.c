// SPDX-License-Identifier: GPL-2.0
/* Aligned text tables. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "text_table.h"

void ps_tt_init(struct ps_tt *t, size_t ncols, const char *const *heads,
		const char *align)
{
	size_t k;

	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	t->heads = heads;
	t->align = align;
	t->w = calloc(ncols, sizeof(*t->w));
	if (!t->w) {
		t->nomem = true;
		return;
	}
	for (k = 0; k < ncols; k++)
		t->w[k] = strlen(heads[k]);
}

void ps_tt_cell(struct ps_tt *t, const char *fmt, ...)
{
	char buf[512], *cell;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!t->w)
		return;
	if (t->ncells == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16 * t->ncols;
		char **cells = realloc(t->cells, cap * sizeof(*cells));

		if (!cells) {
			t->nomem = true;
			return;
		}
		t->cells = cells;
		t->cap = cap;
	}
	cell = strdup(buf);
	if (!cell)
		t->nomem = true;
	t->cells[t->ncells] = cell;
	if (cell && strlen(cell) > t->w[t->ncells % t->ncols])
		t->w[t->ncells % t->ncols] = strlen(cell);
	t->ncells++;
}

size_t ps_tt_rows(const struct ps_tt *t)
{
	return t->ncols ? t->ncells / t->ncols : 0;
}

void ps_tt_min_width(struct ps_tt *t, size_t col, size_t w)
{
	if (t->w && col < t->ncols && t->w[col] < w)
		t->w[col] = w;
}

static void print_row(const struct ps_tt *t, FILE *f, const char *const *row)
{
	size_t k;

	for (k = 0; k < t->ncols; k++) {
		const char *s = row[k] ? row[k] : "?";
		int w = (int)t->w[k];

		if (k + 1 == t->ncols && t->align[k] == 'r')
			fprintf(f, "%*s\n", w, s);
		else if (k + 1 == t->ncols)
			fprintf(f, "%s\n", s);
		else if (t->align[k] == 'r')
			fprintf(f, "%*s  ", w, s);
		else
			fprintf(f, "%-*s  ", w, s);
	}
}

void ps_tt_flush(struct ps_tt *t, FILE *f, bool header)
{
	size_t r, n = ps_tt_rows(t), i;

	if (!t->w)
		return;
	if (header)
		print_row(t, f, t->heads);
	for (r = 0; r < n; r++)
		print_row(t, f, (const char *const *)&t->cells[r * t->ncols]);
	for (i = 0; i < t->ncells; i++)
		free(t->cells[i]);
	t->ncells = 0;
}

void ps_tt_free(struct ps_tt *t)
{
	size_t i;

	for (i = 0; i < t->ncells; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->w);
	memset(t, 0, sizeof(*t));
}
