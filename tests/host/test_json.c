// SPDX-License-Identifier: GPL-2.0
/* The JSON writer: layout and escaping. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "json.h"

void test_json(void)
{
	static const char want[] =
		"{\n"
		"  \"s\": \"a\\\"b\\\\c\\nd\\u0001\",\n"
		"  \"n\": -3,\n"
		"  \"u\": 18446744073709551615,\n"
		"  \"h\": \"0xff\",\n"
		"  \"b\": true,\n"
		"  \"z\": null,\n"
		"  \"t\": 6.614331,\n"
		"  \"r\": 0.250000,\n"
		"  \"r0\": null,\n"
		"  \"e\": [],\n"
		"  \"o\": {},\n"
		"  \"a\": [\n"
		"    1,\n"
		"    {\n"
		"      \"k\": \"v\"\n"
		"    }\n"
		"  ]\n"
		"}\n";
	struct json j;
	char *buf;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	json_init(&j, f);
	json_object_begin(&j);
	json_kv_string(&j, "s", "a\"b\\c\nd\001");
	json_kv_int(&j, "n", -3);
	json_kv_uint(&j, "u", UINT64_MAX);
	json_kv_hex(&j, "h", 255);
	json_kv_bool(&j, "b", true);
	json_kv_int_or_null(&j, "z", -1);
	json_key(&j, "t");
	json_number_text(&j, "6.614331");
	json_kv_ratio(&j, "r", 1, 4);
	json_kv_ratio(&j, "r0", 1, 0);
	json_key(&j, "e");
	json_array_begin(&j);
	json_array_end(&j);
	json_key(&j, "o");
	json_object_begin(&j);
	json_object_end(&j);
	json_key(&j, "a");
	json_array_begin(&j);
	json_int(&j, 1);
	json_object_begin(&j);
	json_kv_string(&j, "k", "v");
	json_object_end(&j);
	json_array_end(&j);
	json_object_end(&j);
	json_finish(&j);
	fclose(f);
	CHECK(!strcmp(buf, want), "json: document layout and escaping");
	if (strcmp(buf, want))
		printf("# got:\n%s", buf);
	free(buf);
}
