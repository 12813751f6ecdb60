/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parsers for pinshadow's debugfs formats (see module/debugfs.c and
 * module/pageinfo.c): "name value" summaries (stats), tables with one header
 * line (probes, pins, and the pass-through tables), and lookup's one line of
 * name=value fields.  They take the whole text, never a file, so the host
 * tests can feed them samples.  Errors fill @err with "FILE line N: why".
 */
#ifndef PS_PARSE_H
#define PS_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PS_ERR_LEN	256
#define PS_COMM_LEN	32	/* TASK_COMM_LEN is 16; room to spare */
#define PS_API_LEN	32

/* Strict number parsing: the whole string, no sign, no overflow. */
bool ps_parse_u64(const char *s, uint64_t *v);	/* decimal or 0x hex */
bool ps_parse_i64(const char *s, int64_t *v);	/* decimal, may be signed */
bool ps_parse_u32(const char *s, uint32_t *v);
bool ps_parse_bool(const char *s, bool *v);	/* "0" or "1" */

/*
 * stats: "name value" lines; unknown names are kept, in file order.  The one
 * text value, "version", goes to @version ("" when absent) and not to @v.
 */
struct ps_stat {
	char name[48];
	int64_t value;
};

struct ps_stats {
	struct ps_stat *v;
	size_t n;
	char version[48];
};

int ps_parse_stats(const char *text, struct ps_stats *st, char *err);

/* Is @name a stat this CLI reads (a malformed line with it is an error)? */
bool ps_known_stat(const char *name);

/* Is @s one of the @n words of @list? */
bool ps_word_in(const char *s, const char *const *list, size_t n);
bool ps_stats_get(const struct ps_stats *st, const char *name, int64_t *v);
void ps_stats_free(struct ps_stats *st);

/*
 * A table: a header line of column names, then rows of the same number of
 * whitespace-separated fields.  With @join_tail, extra fields are folded
 * into the last column (pass-through tables whose last column may hold
 * spaces); otherwise a row of the wrong width is an error.
 */
struct ps_table {
	char *buf;		/* owned copy of the text the cells point into */
	char **cols;
	size_t ncols;
	char **cells;		/* nrows * ncols */
	size_t nrows;
};

int ps_parse_table(const char *text, const char *file, bool join_tail,
		   struct ps_table *t, char *err);
/* Column index of @name, or -1. */
int ps_table_col(const struct ps_table *t, const char *name);
static inline const char *ps_table_cell(const struct ps_table *t, size_t row,
					size_t col)
{
	return t->cells[row * t->ncols + col];
}
void ps_table_free(struct ps_table *t);

/* Row @r as its cells joined by single spaces (a row's identity). */
void ps_table_row_text(const struct ps_table *t, size_t r, char *buf,
		       size_t size);
/*
 * Where new rows start in a re-read of a log or ring-buffer table: the row
 * after the last one whose text is @last, or 0 when none is (@last
 * rotated out, or NULL).
 */
size_t ps_table_rows_after(const struct ps_table *t, const char *last);

/*
 * A report: an optional summary of "name value" lines, then a table.  The
 * table's header is the first line with more than two fields; every line
 * before it must have exactly two.  Without such a line the whole text is
 * the table.  Table rows wider than the header fold into the last column.
 */
struct ps_report {
	char *buf;		/* owns the summary strings */
	char **names;
	char **values;
	size_t nsummary;
	struct ps_table table;
};

int ps_parse_report(const char *text, const char *file, struct ps_report *r,
		    char *err);
void ps_report_free(struct ps_report *r);

/*
 * probes: name symbol armed hits nmissed state reason; symbol is "-" when
 * unarmed, reason "-" when there is none (stored as "").  state: ok, off,
 * absent, failed, bad_args, silent, inlined.
 */
struct ps_probe {
	char name[64];
	char symbol[128];
	bool armed;
	uint64_t hits;
	uint64_t nmissed;
	char state[16];
	char reason[96];
};

/* A state that means the probe does not do its job (silent, bad_args, failed). */
bool ps_probe_state_bad(const char *state);

int ps_parse_probes(const char *text, struct ps_probe **probes, size_t *n,
		    char *err);

/*
 * One page as pinshadow describes it: a row of "pins" or a "lookup" answer.
 * Fields the module prints as "-" are -1 (numbers) or "" (comm).
 */
struct ps_pin {
	uint64_t pfn;
	uint32_t count;
	uint32_t longterm;
	bool maybe_pinned;
	int32_t refcount;
	uint32_t order;
	int32_t folio_pincount;
	int64_t age_ms;
	int32_t pid;
	char comm[PS_COMM_LEN];
	char api[PS_API_LEN];
	int64_t stack;		/* the pin call's stack handle; -1: none */
	int8_t orphaned;	/* the pinning task exited; -1: not known */
};

/*
 * pins: rows come back sorted by PFN (the module prints them so).  Columns
 * are found by name; unknown ones are ignored, and "stack" and "orphaned"
 * may be absent (older modules).
 */
int ps_parse_pins(const char *text, struct ps_pin **pins, size_t *n,
		  char *err);
/* lookup: one line of name=value fields; unknown names are ignored. */
int ps_parse_lookup(const char *line, struct ps_pin *pin, char *err);

/*
 * stacks: handle pages calls frames.  @frames is one field of
 * comma-separated "symbol+0xoff/0xsize[module]" entries, or "?".
 */
struct ps_stack {
	int64_t handle;
	uint64_t pages;
	uint64_t calls;
	char *frames;		/* points into @buf of the ps_stacks */
};

struct ps_stacks {
	char *buf;
	struct ps_stack *v;
	size_t n;
};

int ps_parse_stacks(const char *text, struct ps_stacks *st, char *err);
/* The stack with @handle, or NULL. */
const struct ps_stack *ps_stacks_find(const struct ps_stacks *st,
				      int64_t handle);
void ps_stacks_free(struct ps_stacks *st);
/*
 * The frames of a stack one by one: the @i-th frame into @buf, false past
 * the last.  "?" (no frames captured) is no frame at all.
 */
bool ps_stack_frame(const char *frames, size_t i, char *buf, size_t size);

/*
 * /sys/kernel/security/lockdown, "none [integrity] confidentiality": the
 * bracketed mode into @mode; false when there is none.
 */
bool ps_parse_lockdown(const char *text, char *mode, size_t size);

/*
 * A saved directory's "meta" file, and any other "name value" file whose
 * values are text: the value of @name (the rest of its line) into @buf;
 * false when absent.
 */
bool ps_meta_get(const char *text, const char *name, char *buf, size_t size);

/*
 * pinshadow save's record of where each process maps its pinned pages,
 * proc/PID/pinned: "vaddr pfn" rows (hex).  Rows sorted by vaddr.
 */
struct ps_vapfn {
	uint64_t va;
	uint64_t pfn;
};

int ps_parse_vapfn(const char *text, struct ps_vapfn **v, size_t *n,
		   char *err);

/*
 * The index of each of @names in @t's header into @idx; -1 with a message
 * naming @file in @err (PS_ERR_LEN) if one is missing.
 */
int ps_table_cols(const struct ps_table *t, const char *file,
		  const char *const *names, int *idx, size_t n, char *err);
/* @src into @dst of @size bytes; false if it does not fit. */
bool ps_copy_word(char *dst, size_t size, const char *src);

#endif /* PS_PARSE_H */
