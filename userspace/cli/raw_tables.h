/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's reports (verdicts, cow_audit, policies) read, and shown the
 * way the module writes them: --raw text, or the pass-through JSON document
 * keyed by the file's own names.  The readable forms are in cmd_verdicts.c,
 * cmd_cow.c and cmd_policies.c.
 */
#ifndef PS_RAW_TABLES_H
#define PS_RAW_TABLES_H

#include <stdio.h>

#include "context.h"
#include "json.h"
#include "parse.h"

/*
 * Read and parse debugfs report @file.  A missing file is exit 7 (an older
 * module); reports failures.
 */
int ps_read_report(struct ps_ctx *c, const char *file, struct ps_report *rep);

/*
 * The pass-through JSON document {"file", "summary", "columns", "rows"}:
 * the head up to the open "rows" array, one row, and the closing.  Cells
 * are numbers when they are integers, null for "-", strings otherwise.
 */
void ps_json_report_head(struct ps_ctx *c, struct json *j, const char *file,
			 const struct ps_report *rep);
void ps_json_report_row(struct json *j, const struct ps_table *t, size_t r);
void ps_json_report_tail(struct json *j);
/* A cell as ps_json_report_row writes it. */
void ps_json_cell(struct json *j, const char *key, const char *v);

/* The report aligned as the module's columns, for a shape we do not know. */
void ps_print_report(FILE *f, const struct ps_report *rep);

/*
 * --raw: the file's text unchanged, or with --json the pass-through
 * document.
 */
int ps_show_raw(struct ps_ctx *c, const char *file);

/* "needless_copies" -> "NEEDLESS_COPIES" into @buf. */
const char *ps_upper(const char *s, char *buf, size_t size);

#endif /* PS_RAW_TABLES_H */
