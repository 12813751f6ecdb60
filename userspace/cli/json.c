// SPDX-License-Identifier: GPL-2.0
/*
 * JSON writer.  Strings are escaped per RFC 8259; bytes >= 0x80 pass through
 * (comm and path names are whatever the kernel holds, usually UTF-8).
 */
#include <inttypes.h>

#include "json.h"

void json_init(struct json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->has_items[0] = false;
	j->after_key = false;
	j->compact = false;
}

void json_init_compact(struct json *j, FILE *f)
{
	json_init(j, f);
	j->compact = true;
}

static void indent(struct json *j)
{
	int i;

	for (i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

/* Separator and indentation before a value or a key. */
static void item_start(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth > 0 && j->compact) {
		if (j->has_items[j->depth])
			fputs(", ", j->f);
	} else if (j->depth > 0) {
		fputs(j->has_items[j->depth] ? ",\n" : "\n", j->f);
		indent(j);
	}
	j->has_items[j->depth] = true;
}

static void container_open(struct json *j, char c)
{
	item_start(j);
	fputc(c, j->f);
	if (j->depth < JSON_MAX_DEPTH - 1)
		j->depth++;
	j->has_items[j->depth] = false;
}

static void container_close(struct json *j, char c)
{
	bool had = j->has_items[j->depth];

	if (j->depth > 0)
		j->depth--;
	if (had && !j->compact) {
		fputc('\n', j->f);
		indent(j);
	}
	fputc(c, j->f);
}

void json_object_begin(struct json *j) { container_open(j, '{'); }
void json_object_end(struct json *j) { container_close(j, '}'); }
void json_array_begin(struct json *j) { container_open(j, '['); }
void json_array_end(struct json *j) { container_close(j, ']'); }

static void write_escaped(FILE *f, const char *s)
{
	const unsigned char *p;

	fputc('"', f);
	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':  fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\t': fputs("\\t", f); break;
		case '\r': fputs("\\r", f); break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

void json_key(struct json *j, const char *key)
{
	item_start(j);
	write_escaped(j->f, key);
	fputs(": ", j->f);
	j->after_key = true;
}

void json_string(struct json *j, const char *s)
{
	item_start(j);
	write_escaped(j->f, s);
}

void json_int(struct json *j, int64_t v)
{
	item_start(j);
	fprintf(j->f, "%" PRId64, v);
}

void json_uint(struct json *j, uint64_t v)
{
	item_start(j);
	fprintf(j->f, "%" PRIu64, v);
}

void json_hex(struct json *j, uint64_t v)
{
	item_start(j);
	fprintf(j->f, "\"0x%" PRIx64 "\"", v);
}

void json_bool(struct json *j, bool v)
{
	item_start(j);
	fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j)
{
	item_start(j);
	fputs("null", j->f);
}

void json_number_text(struct json *j, const char *num)
{
	item_start(j);
	fputs(num, j->f);
}

void json_finish(struct json *j)
{
	fputc('\n', j->f);
	fflush(j->f);
}

void json_kv_string(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	if (s)
		json_string(j, s);
	else
		json_null(j);
}

/* json_kv_<type>(): the key, then json_<type>() of the value. */
#define JSON_KV(type, ctype)						\
	void json_kv_##type(struct json *j, const char *key, ctype v)	\
	{								\
		json_key(j, key);					\
		json_##type(j, v);					\
	}

JSON_KV(int, int64_t)
JSON_KV(uint, uint64_t)
JSON_KV(hex, uint64_t)
JSON_KV(bool, bool)

void json_kv_object_begin(struct json *j, const char *key)
{
	json_key(j, key);
	json_object_begin(j);
}

void json_kv_array_begin(struct json *j, const char *key)
{
	json_key(j, key);
	json_array_begin(j);
}

void json_kv_int_or_null(struct json *j, const char *key, int64_t v)
{
	json_key(j, key);
	if (v < 0)
		json_null(j);
	else
		json_int(j, v);
}

void json_kv_ratio(struct json *j, const char *key, uint64_t num,
		   uint64_t den)
{
	json_key(j, key);
	if (!den) {
		json_null(j);
		return;
	}
	item_start(j);
	fprintf(j->f, "%.6f", (double)num / (double)den);
}
