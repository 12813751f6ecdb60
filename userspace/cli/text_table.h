/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Aligned text tables for people: cells are added row by row, widths are
 * worked out when printing, columns are two spaces apart, and the last
 * column carries no trailing blanks.
 */
#ifndef PS_TEXT_TABLE_H
#define PS_TEXT_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct ps_tt {
	size_t ncols;
	const char *const *heads;	/* column titles */
	const char *align;		/* 'l' or 'r' per column */
	char **cells;			/* row-major, owned */
	size_t ncells, cap;
	size_t *w;			/* widths so far: they only grow */
	bool nomem;			/* a cell was lost: out of memory */
};

/* @heads and @align (one letter per column) must outlive @t. */
void ps_tt_init(struct ps_tt *t, size_t ncols, const char *const *heads,
		const char *align);
/* The next cell, row-major. */
void ps_tt_cell(struct ps_tt *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
size_t ps_tt_rows(const struct ps_tt *t);
/* Column @col at least @w wide (rows printed in batches line up). */
void ps_tt_min_width(struct ps_tt *t, size_t col, size_t w);
/*
 * Print the header (if @header) and the rows, then forget the rows but not
 * the widths, so that later batches line up with earlier ones.
 */
void ps_tt_flush(struct ps_tt *t, FILE *f, bool header);
void ps_tt_free(struct ps_tt *t);

#endif /* PS_TEXT_TABLE_H */
