// SPDX-License-Identifier: GPL-2.0
/*
 * The parsers are strict about what they need and lenient about what they
 * do not know: a missing column or a malformed number is an error (the
 * module changed shape: a bug or an ABI bump), an extra column or an
 * unknown stat is carried along.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

bool ps_parse_u64(const char *s, uint64_t *v)
{
	int base = 10;
	char *end;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!isxdigit((unsigned char)s[0]) ||
	    (base == 10 && !isdigit((unsigned char)s[0])))
		return false;
	errno = 0;
	*v = strtoull(s, &end, base);
	return errno == 0 && *end == '\0';
}

bool ps_parse_i64(const char *s, int64_t *v)
{
	const char *digits = s[0] == '-' ? s + 1 : s;
	char *end;

	if (!isdigit((unsigned char)digits[0]))
		return false;
	errno = 0;
	*v = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0';
}

/* Split @line in place on blanks; returns the number of words. */
static size_t split(char *line, char **words, size_t max)
{
	size_t n = 0;
	char *save, *w;

	for (w = strtok_r(line, " \t\r", &save); w;
	     w = strtok_r(NULL, " \t\r", &save)) {
		if (n < max)
			words[n] = w;
		n++;
	}
	return n;
}

/* Next line of @*cur, NUL-terminated in place; NULL at the end. */
static char *next_line(char **cur)
{
	char *line = *cur, *nl;

	if (!line || !*line)
		return NULL;
	nl = strchr(line, '\n');
	if (nl) {
		*nl = '\0';
		*cur = nl + 1;
	} else {
		*cur = line + strlen(line);
	}
	return line;
}

static bool blank(const char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	return *s == '\0';
}

/*
 * The stats this CLI reads: a malformed line with one of these names is an
 * error (the module changed shape); any other line that is not "name
 * number" is a stat from a newer module, and is skipped.
 */
static const char *const known_stats[] = {
	"abi_version", "enabled", "pins_acquired", "pins_released",
	"pins_outstanding", "pinned_pages", "longterm_outstanding",
	"untracked_unpins", "lost_events", "lost_records", "missed_events",
	"vmstat_acquired", "vmstat_released", "vmstat_bypass_pins",
	"api_pins", "api_unpins", "rollback_unpins", "subpage_fallbacks",
	"reconciled_acquired", "reconciled_released", "table_blocks",
	"records", "table_bytes", "table_end_pfn",
};

bool ps_word_in(const char *s, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, list[i]))
			return true;
	return false;
}

bool ps_known_stat(const char *name)
{
	return ps_word_in(name, known_stats,
			  sizeof(known_stats) / sizeof(known_stats[0]));
}

int ps_parse_stats(const char *text, struct ps_stats *st, char *err)
{
	char *buf = strdup(text), *cur = buf, *line, *w[3];
	size_t cap = 0, lineno = 0, nw;
	int64_t value;

	st->v = NULL;
	st->n = 0;
	st->version[0] = '\0';
	if (!buf) {
		snprintf(err, PS_ERR_LEN, "out of memory");
		return -1;
	}
	while ((line = next_line(&cur)) != NULL) {
		lineno++;
		if (blank(line))
			continue;
		nw = split(line, w, 3);
		if (nw == 2 && !strcmp(w[0], "version")) {
			snprintf(st->version, sizeof(st->version), "%s", w[1]);
			continue;
		}
		if (nw != 2 || !ps_parse_i64(w[1], &value) ||
		    strlen(w[0]) >= sizeof(st->v[0].name)) {
			if (!ps_known_stat(w[0]))
				continue;	/* a newer module's stat */
			if (nw != 2)
				snprintf(err, PS_ERR_LEN,
					 "stats line %zu: expected \"name value\", got %zu fields",
					 lineno, nw);
			else
				snprintf(err, PS_ERR_LEN,
					 "stats line %zu: %s: \"%s\" is not a number",
					 lineno, w[0], w[1]);
			goto fail;
		}
		if (st->n == cap) {
			struct ps_stat *v;

			cap = cap ? cap * 2 : 32;
			v = realloc(st->v, cap * sizeof(*v));
			if (!v) {
				snprintf(err, PS_ERR_LEN, "out of memory");
				goto fail;
			}
			st->v = v;
		}
		st->v[st->n].value = value;
		strcpy(st->v[st->n].name, w[0]);
		st->n++;
	}
	free(buf);
	if (st->n == 0) {
		snprintf(err, PS_ERR_LEN, "stats: empty");
		return -1;
	}
	return 0;
fail:
	free(buf);
	ps_stats_free(st);
	return -1;
}

bool ps_stats_get(const struct ps_stats *st, const char *name, int64_t *v)
{
	size_t i;

	for (i = 0; i < st->n; i++) {
		if (!strcmp(st->v[i].name, name)) {
			*v = st->v[i].value;
			return true;
		}
	}
	return false;
}

void ps_stats_free(struct ps_stats *st)
{
	free(st->v);
	st->v = NULL;
	st->n = 0;
}

/* Words of a line, into a growing array. */
static int split_all(char *line, char ***words, size_t *cap, size_t *n)
{
	char *save, *w;

	*n = 0;
	for (w = strtok_r(line, " \t\r", &save); w;
	     w = strtok_r(NULL, " \t\r", &save)) {
		if (*n == *cap) {
			size_t ncap = *cap ? *cap * 2 : 16;
			char **nw = realloc(*words, ncap * sizeof(*nw));

			if (!nw)
				return -1;
			*words = nw;
			*cap = ncap;
		}
		(*words)[(*n)++] = w;
	}
	return 0;
}

/* Fold words[ncols-1 .. n-1] into one cell: they are adjacent in the line. */
static void join_tail_words(char **words, size_t ncols, size_t n)
{
	size_t i;

	for (i = ncols; i < n; i++) {
		char *end = words[i - 1] + strlen(words[i - 1]);

		while (end < words[i])
			*end++ = ' ';
	}
}

int ps_parse_table(const char *text, const char *file, bool join_tail,
		   struct ps_table *t, char *err)
{
	char *cur, *line, **words = NULL;
	size_t wcap = 0, nw, lineno = 1, rcap = 0;

	memset(t, 0, sizeof(*t));
	t->buf = strdup(text);
	if (!t->buf)
		goto oom;
	cur = t->buf;
	line = next_line(&cur);
	if (!line || blank(line)) {
		snprintf(err, PS_ERR_LEN, "%s: no header line", file);
		goto fail;
	}
	if (split_all(line, &t->cols, &t->ncols, &nw))
		goto oom;
	t->ncols = nw;
	while ((line = next_line(&cur)) != NULL) {
		lineno++;
		if (blank(line))
			continue;
		if (split_all(line, &words, &wcap, &nw))
			goto oom;
		if (nw < t->ncols || (nw > t->ncols && !join_tail)) {
			snprintf(err, PS_ERR_LEN,
				 "%s line %zu: expected %zu fields, got %zu",
				 file, lineno, t->ncols, nw);
			goto fail;
		}
		if (nw > t->ncols)
			join_tail_words(words, t->ncols, nw);
		if (t->nrows == rcap) {
			char **cells;

			rcap = rcap ? rcap * 2 : 64;
			cells = realloc(t->cells, rcap * t->ncols * sizeof(*cells));
			if (!cells)
				goto oom;
			t->cells = cells;
		}
		memcpy(&t->cells[t->nrows * t->ncols], words,
		       t->ncols * sizeof(*words));
		t->nrows++;
	}
	free(words);
	return 0;
oom:
	snprintf(err, PS_ERR_LEN, "out of memory");
fail:
	free(words);
	ps_table_free(t);
	return -1;
}

int ps_table_col(const struct ps_table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->ncols; i++)
		if (!strcmp(t->cols[i], name))
			return (int)i;
	return -1;
}

void ps_table_free(struct ps_table *t)
{
	free(t->buf);
	free(t->cols);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

void ps_table_row_text(const struct ps_table *t, size_t r, char *buf,
		       size_t size)
{
	size_t k, used = 0;

	buf[0] = '\0';
	for (k = 0; k < t->ncols && used < size; k++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s",
					 k ? " " : "", ps_table_cell(t, r, k));
}

size_t ps_table_rows_after(const struct ps_table *t, const char *last)
{
	char row[1024];
	size_t r;

	if (!last)
		return 0;
	for (r = t->nrows; r > 0; r--) {
		ps_table_row_text(t, r - 1, row, sizeof(row));
		if (!strcmp(row, last))
			return r;
	}
	return 0;
}

int ps_parse_report(const char *text, const char *file, struct ps_report *r,
		    char *err)
{
	char *cur, *next, *line, *w[3];
	const char *table_text = text;
	size_t cap = 0, lineno = 0, nw, nlines = 0;

	memset(r, 0, sizeof(*r));
	r->buf = strdup(text);
	if (!r->buf)
		goto oom;
	/* Find the header: the first line with more than two fields. */
	for (cur = r->buf; (line = next_line(&cur)) != NULL;) {
		char *copy = strdup(line);

		if (!copy)
			goto oom;
		nw = split(copy, w, 3);
		free(copy);
		if (nw > 2) {
			table_text = text + (line - r->buf);
			break;
		}
		nlines++;
	}
	if (!line) {
		nlines = 0;	/* no wide line: the whole text is a table */
		table_text = text;
	}
	/* next_line() cut r->buf into lines: walk the summary ones. */
	for (cur = r->buf; lineno < nlines; cur = next) {
		next = cur + strlen(cur) + 1;	/* before split() cuts it */
		lineno++;
		nw = split(cur, w, 3);
		if (nw == 0)
			continue;
		if (nw != 2) {
			snprintf(err, PS_ERR_LEN,
				 "%s line %zu: expected \"name value\"", file,
				 lineno);
			goto fail;
		}
		if (r->nsummary == cap) {
			char **n, **v;

			cap = cap ? cap * 2 : 16;
			n = realloc(r->names, cap * sizeof(*n));
			if (n)
				r->names = n;
			v = realloc(r->values, cap * sizeof(*v));
			if (v)
				r->values = v;
			if (!n || !v)
				goto oom;
		}
		r->names[r->nsummary] = w[0];
		r->values[r->nsummary++] = w[1];
	}
	if (ps_parse_table(table_text, file, true, &r->table, err))
		goto fail;
	return 0;
oom:
	snprintf(err, PS_ERR_LEN, "out of memory");
fail:
	ps_report_free(r);
	return -1;
}

void ps_report_free(struct ps_report *r)
{
	ps_table_free(&r->table);
	free(r->buf);
	free(r->names);
	free(r->values);
	memset(r, 0, sizeof(*r));
}

/* Column indices of @names in @t; an error names the first one missing. */
int ps_table_cols(const struct ps_table *t, const char *file,
		  const char *const *names, int *idx, size_t n, char *err)
{
	size_t i;

	for (i = 0; i < n; i++) {
		idx[i] = ps_table_col(t, names[i]);
		if (idx[i] < 0) {
			snprintf(err, PS_ERR_LEN, "%s: no column \"%s\" in header",
				 file, names[i]);
			return -1;
		}
	}
	return 0;
}

bool ps_copy_word(char *dst, size_t size, const char *src)
{
	if (strlen(src) >= size)
		return false;
	strcpy(dst, src);
	return true;
}

/* A number, or -1 for the module's "-". */
static bool parse_opt_i64(const char *s, int64_t *v)
{
	if (!strcmp(s, "-")) {
		*v = -1;
		return true;
	}
	return ps_parse_i64(s, v) && *v >= 0;
}

bool ps_parse_u32(const char *s, uint32_t *v)
{
	uint64_t x;

	if (!ps_parse_u64(s, &x) || x > UINT32_MAX)
		return false;
	*v = (uint32_t)x;
	return true;
}

bool ps_parse_bool(const char *s, bool *v)
{
	if (strcmp(s, "0") && strcmp(s, "1"))
		return false;
	*v = s[0] == '1';
	return true;
}

/*
 * How every table parser starts: @text parsed into @t as table @file with
 * the @n columns @names (their indexes in @c), and @*rows, an array of one
 * @size element per row (at least one), zeroed.  On failure, @err says why
 * and nothing is left to free.
 */
static int table_rows(const char *text, const char *file,
		      const char *const *names, int *c, size_t n, size_t size,
		      struct ps_table *t, void **rows, char *err)
{
	if (ps_parse_table(text, file, false, t, err))
		return -1;
	if (!ps_table_cols(t, file, names, c, n, err)) {
		*rows = calloc(t->nrows ? t->nrows : 1, size);
		if (*rows)
			return 0;
		snprintf(err, PS_ERR_LEN, "out of memory");
	}
	ps_table_free(t);
	return -1;
}

int ps_parse_stacks(const char *text, struct ps_stacks *st, char *err)
{
	static const char *const names[] = { "handle", "pages", "calls", "frames" };
	struct ps_table t;
	void *rows;
	int c[4];
	size_t r;

	memset(st, 0, sizeof(*st));
	if (table_rows(text, "stacks", names, c, 4, sizeof(*st->v), &t, &rows,
		       err))
		return -1;
	st->v = rows;
	for (r = 0; r < t.nrows; r++) {
		struct ps_stack *s = &st->v[r];
		const char *h = ps_table_cell(&t, r, (size_t)c[0]);

		if (!ps_parse_i64(h, &s->handle) || s->handle < 0 ||
		    !ps_parse_u64(ps_table_cell(&t, r, (size_t)c[1]), &s->pages) ||
		    !ps_parse_u64(ps_table_cell(&t, r, (size_t)c[2]), &s->calls)) {
			snprintf(err, PS_ERR_LEN, "stacks line %zu: malformed row",
				 r + 2);
			free(st->v);
			st->v = NULL;
			goto fail;
		}
		s->frames = t.cells[r * t.ncols + (size_t)c[3]];
	}
	/* The cells point into t.buf: keep it, drop the rest. */
	st->buf = t.buf;
	st->n = t.nrows;
	free(t.cols);
	free(t.cells);
	return 0;
fail:
	ps_table_free(&t);
	return -1;
}

const struct ps_stack *ps_stacks_find(const struct ps_stacks *st,
				      int64_t handle)
{
	size_t i;

	for (i = 0; st && i < st->n; i++)
		if (st->v[i].handle == handle)
			return &st->v[i];
	return NULL;
}

void ps_stacks_free(struct ps_stacks *st)
{
	free(st->buf);
	free(st->v);
	memset(st, 0, sizeof(*st));
}

bool ps_stack_frame(const char *frames, size_t i, char *buf, size_t size)
{
	const char *p = frames, *end;
	size_t len;

	if (!frames || !strcmp(frames, "?") || !strcmp(frames, "-"))
		return false;
	for (; i > 0; i--) {
		p = strchr(p, ',');
		if (!p)
			return false;
		p++;
	}
	end = strchr(p, ',');
	len = end ? (size_t)(end - p) : strlen(p);
	if (!len)
		return false;
	if (len >= size)
		len = size - 1;
	memcpy(buf, p, len);
	buf[len] = '\0';
	return true;
}

bool ps_parse_lockdown(const char *text, char *mode, size_t size)
{
	const char *open = strchr(text, '['), *close;
	size_t len;

	mode[0] = '\0';
	if (!open)
		return false;
	close = strchr(open, ']');
	if (!close || close == open + 1)
		return false;
	len = (size_t)(close - open - 1);
	if (len >= size)
		len = size - 1;
	memcpy(mode, open + 1, len);
	mode[len] = '\0';
	return true;
}

bool ps_meta_get(const char *text, const char *name, char *buf, size_t size)
{
	size_t len = strlen(name);
	const char *line = text;

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);

		if (n > len && !strncmp(line, name, len) &&
		    (line[len] == ' ' || line[len] == '\t')) {
			const char *v = line + len;

			while (*v == ' ' || *v == '\t')
				v++;
			n -= (size_t)(v - line);
			if (n >= size)
				n = size - 1;
			memcpy(buf, v, n);
			buf[n] = '\0';
			return true;
		}
		line = nl ? nl + 1 : NULL;
	}
	return false;
}

static int cmp_va(const void *a, const void *b)
{
	const struct ps_vapfn *x = a, *y = b;

	return x->va < y->va ? -1 : x->va > y->va;
}

int ps_parse_vapfn(const char *text, struct ps_vapfn **v, size_t *n,
		   char *err)
{
	static const char *const names[] = { "vaddr", "pfn" };
	struct ps_table t;
	struct ps_vapfn *a;
	void *rows;
	int c[2];
	bool bad;
	size_t r;

	*v = NULL;
	*n = 0;
	if (table_rows(text, "pinned", names, c, 2, sizeof(*a), &t, &rows, err))
		return -1;
	a = rows;
	for (r = 0; r < t.nrows; r++) {
		if (!ps_parse_u64(ps_table_cell(&t, r, (size_t)c[0]), &a[r].va) ||
		    !ps_parse_u64(ps_table_cell(&t, r, (size_t)c[1]), &a[r].pfn)) {
			snprintf(err, PS_ERR_LEN, "pinned line %zu: malformed row",
				 r + 2);
			break;
		}
	}
	bad = r < t.nrows;
	ps_table_free(&t);
	if (bad) {
		free(a);
		return -1;
	}
	qsort(a, r, sizeof(*a), cmp_va);
	*v = a;
	*n = r;
	return 0;
}

static const char *const probe_states[] = {
	"ok", "off", "absent", "failed", "bad_args", "silent", "inlined",
};

static bool known_state(const char *s)
{
	return ps_word_in(s, probe_states,
			  sizeof(probe_states) / sizeof(probe_states[0]));
}

bool ps_probe_state_bad(const char *state)
{
	return !strcmp(state, "silent") || !strcmp(state, "bad_args") ||
	       !strcmp(state, "failed");
}

int ps_parse_probes(const char *text, struct ps_probe **probes, size_t *n,
		    char *err)
{
	static const char *const names[] = {
		"name", "symbol", "armed", "hits", "nmissed", "state", "reason"
	};
	int c[7];
	struct ps_table t;
	struct ps_probe *p;
	void *rows;
	size_t r;

	*probes = NULL;
	*n = 0;
	if (table_rows(text, "probes", names, c, 7, sizeof(*p), &t, &rows, err))
		return -1;
	p = rows;
	for (r = 0; r < t.nrows; r++) {
		if (!ps_copy_word(p[r].name, sizeof(p[r].name), ps_table_cell(&t, r, c[0])) ||
		    !ps_copy_word(p[r].symbol, sizeof(p[r].symbol), ps_table_cell(&t, r, c[1])) ||
		    !ps_parse_bool(ps_table_cell(&t, r, c[2]), &p[r].armed) ||
		    !ps_parse_u64(ps_table_cell(&t, r, c[3]), &p[r].hits) ||
		    !ps_parse_u64(ps_table_cell(&t, r, c[4]), &p[r].nmissed) ||
		    !known_state(ps_table_cell(&t, r, c[5])) ||
		    !ps_copy_word(p[r].state, sizeof(p[r].state), ps_table_cell(&t, r, c[5])) ||
		    !ps_copy_word(p[r].reason, sizeof(p[r].reason),
			       strcmp(ps_table_cell(&t, r, c[6]), "-") ?
			       ps_table_cell(&t, r, c[6]) : "")) {
			snprintf(err, PS_ERR_LEN, "probes line %zu: malformed row",
				 r + 2);
			free(p);
			goto fail;
		}
	}
	*probes = p;
	*n = t.nrows;
	ps_table_free(&t);
	return 0;
fail:
	ps_table_free(&t);
	return -1;
}

enum pin_field {
	F_PFN, F_COUNT, F_LONGTERM, F_MAYBE, F_REFCOUNT, F_ORDER, F_PINCOUNT,
	F_AGE, F_PID, F_COMM, F_API,
	/* Optional: modules before stack capture do not print them. */
	F_STACK, F_ORPHANED, NR_PIN_FIELDS
};
#define NR_REQUIRED_PIN_FIELDS	F_STACK

static const char *const pin_field_names[NR_PIN_FIELDS] = {
	"pfn", "count", "longterm", "maybe_pinned", "refcount", "order",
	"folio_pincount", "age_ms", "pid", "comm", "api", "stack", "orphaned"
};

/*
 * Fill @p from the field values @v (indexed by enum pin_field; the
 * optional ones may be NULL); returns -1, or the first field that does not
 * parse.
 */
static int pin_from_fields(struct ps_pin *p, const char *const *v)
{
	int64_t x;

	memset(p, 0, sizeof(*p));
	if (!ps_parse_u64(v[F_PFN], &p->pfn))
		return F_PFN;
	if (!ps_parse_u32(v[F_COUNT], &p->count))
		return F_COUNT;
	if (!ps_parse_u32(v[F_LONGTERM], &p->longterm) || p->longterm > p->count)
		return F_LONGTERM;
	if (!ps_parse_bool(v[F_MAYBE], &p->maybe_pinned))
		return F_MAYBE;
	/* The folio may be freed under the reader: refcount 0, never < 0. */
	if (!ps_parse_i64(v[F_REFCOUNT], &x) || x < 0 || x > INT32_MAX)
		return F_REFCOUNT;
	p->refcount = (int32_t)x;
	if (!ps_parse_u32(v[F_ORDER], &p->order) || p->order > 30)
		return F_ORDER;
	if (!parse_opt_i64(v[F_PINCOUNT], &x) || x > INT32_MAX)
		return F_PINCOUNT;
	p->folio_pincount = (int32_t)x;
	if (!parse_opt_i64(v[F_AGE], &p->age_ms))
		return F_AGE;
	if (!parse_opt_i64(v[F_PID], &x) || x > INT32_MAX)
		return F_PID;
	p->pid = (int32_t)x;
	if (!ps_copy_word(p->comm, sizeof(p->comm),
		       strcmp(v[F_COMM], "-") ? v[F_COMM] : ""))
		return F_COMM;
	if (!ps_copy_word(p->api, sizeof(p->api), v[F_API]))
		return F_API;
	p->stack = -1;
	if (v[F_STACK] && (!parse_opt_i64(v[F_STACK], &p->stack)))
		return F_STACK;
	p->orphaned = -1;
	if (v[F_ORPHANED]) {
		bool b;

		if (!ps_parse_bool(v[F_ORPHANED], &b))
			return F_ORPHANED;
		p->orphaned = b;
	}
	return -1;
}

static int cmp_pfn(const void *a, const void *b)
{
	const struct ps_pin *x = a, *y = b;

	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

int ps_parse_pins(const char *text, struct ps_pin **pins, size_t *n,
		  char *err)
{
	const char *v[NR_PIN_FIELDS];
	int c[NR_PIN_FIELDS];
	struct ps_table t;
	struct ps_pin *p;
	bool sorted = true, failed;
	void *rows;
	size_t r, f;

	*pins = NULL;
	*n = 0;
	if (table_rows(text, "pins", pin_field_names, c, NR_REQUIRED_PIN_FIELDS,
		       sizeof(*p), &t, &rows, err))
		return -1;
	p = rows;
	for (f = NR_REQUIRED_PIN_FIELDS; f < NR_PIN_FIELDS; f++)
		c[f] = ps_table_col(&t, pin_field_names[f]);
	for (r = 0; r < t.nrows; r++) {
		int bad;

		for (f = 0; f < NR_PIN_FIELDS; f++)
			v[f] = c[f] < 0 ? NULL : ps_table_cell(&t, r, (size_t)c[f]);
		bad = pin_from_fields(&p[r], v);
		if (bad >= 0) {
			snprintf(err, PS_ERR_LEN, "pins line %zu: bad %s \"%s\"",
				 r + 2, pin_field_names[bad], v[bad]);
			break;
		}
		if (r && p[r].pfn <= p[r - 1].pfn)
			sorted = false;
	}
	failed = r < t.nrows;
	ps_table_free(&t);
	if (failed) {
		free(p);
		return -1;
	}
	/* Lookups bsearch by PFN; a module that stops sorting costs a qsort. */
	if (!sorted)
		qsort(p, r, sizeof(*p), cmp_pfn);
	*pins = p;
	*n = r;
	return 0;
}

int ps_parse_lookup(const char *line, struct ps_pin *pin, char *err)
{
	const char *v[NR_PIN_FIELDS] = { NULL };
	char *buf = strdup(line), *save, *w, *eq;
	size_t f;
	int bad, ret = -1;

	if (!buf) {
		snprintf(err, PS_ERR_LEN, "out of memory");
		return -1;
	}
	for (w = strtok_r(buf, " \t\r\n", &save); w;
	     w = strtok_r(NULL, " \t\r\n", &save)) {
		eq = strchr(w, '=');
		if (!eq || eq == w) {
			snprintf(err, PS_ERR_LEN,
				 "lookup: \"%s\" is not name=value", w);
			goto out;
		}
		*eq = '\0';
		for (f = 0; f < NR_PIN_FIELDS; f++)
			if (!strcmp(w, pin_field_names[f]))
				v[f] = eq + 1;
	}
	for (f = 0; f < NR_REQUIRED_PIN_FIELDS; f++) {
		if (!v[f]) {
			snprintf(err, PS_ERR_LEN, "lookup: no field \"%s\"",
				 pin_field_names[f]);
			goto out;
		}
	}
	bad = pin_from_fields(pin, v);
	if (bad >= 0) {
		snprintf(err, PS_ERR_LEN, "lookup: bad %s \"%s\"",
			 pin_field_names[bad], v[bad]);
		goto out;
	}
	ret = 0;
out:
	free(buf);
	return ret;
}
