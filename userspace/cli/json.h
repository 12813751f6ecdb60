/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny streaming JSON writer: one key or value per line, two-space
 * indentation, so that shell tests can pick values out with grep and awk.
 */
#ifndef PS_JSON_H
#define PS_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH	16

struct json {
	FILE *f;
	int depth;
	bool has_items[JSON_MAX_DEPTH];	/* a comma is due before the next */
	bool after_key;
	bool compact;		/* all on one line (streams: one per line) */
};

void json_init(struct json *j, FILE *f);
/* The same, the document on one line: ", " between items, no indent. */
void json_init_compact(struct json *j, FILE *f);
void json_object_begin(struct json *j);
void json_object_end(struct json *j);
void json_array_begin(struct json *j);
void json_array_end(struct json *j);
void json_key(struct json *j, const char *key);
void json_string(struct json *j, const char *s);
void json_int(struct json *j, int64_t v);
void json_uint(struct json *j, uint64_t v);
void json_hex(struct json *j, uint64_t v);	/* "0x..." as a string */
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
/* A number already formatted ("6.614331"); the caller vouches for it. */
void json_number_text(struct json *j, const char *num);
/* Ends the document: a newline, and a flush so readers see it whole. */
void json_finish(struct json *j);

/* key: value shorthands. */
void json_kv_string(struct json *j, const char *key, const char *s);
void json_kv_int(struct json *j, const char *key, int64_t v);
void json_kv_uint(struct json *j, const char *key, uint64_t v);
void json_kv_hex(struct json *j, const char *key, uint64_t v);
void json_kv_bool(struct json *j, const char *key, bool v);
/* An integer, or null when @v is negative (pinshadow's "-"). */
void json_kv_int_or_null(struct json *j, const char *key, int64_t v);
/* @num / @den to six decimals, or null when @den is 0. */
void json_kv_ratio(struct json *j, const char *key, uint64_t num,
		   uint64_t den);
/* @key, then the start of its object or array value. */
void json_kv_object_begin(struct json *j, const char *key);
void json_kv_array_begin(struct json *j, const char *key);

#endif /* PS_JSON_H */
