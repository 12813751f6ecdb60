/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal TAP harness for the host tests: every CHECK is one numbered
 * "ok"/"not ok" line; main() ends with "host-test: N passed, N failed".
 */
#ifndef PS_HARNESS_H
#define PS_HARNESS_H

#include <stdbool.h>
#include <stddef.h>

void th_check(bool ok, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define CHECK(cond, ...) th_check(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

/* Temporary files for samples; removed at exit. */
const char *th_tmpdir(void);
/* Write @text to @dir/@name (directories made as needed). */
void th_write(const char *dir, const char *name, const char *text);
/* Write @len bytes at @offset of @dir/@name (sparse pagemap samples). */
void th_pwrite(const char *dir, const char *name, const void *buf,
	       size_t len, long long offset);

/* Run @argv with @env added; capture stdout, stderr; return exit status. */
int th_run(char *const argv[], char *const env[], char **out, char **err);

/* The same, sending SIGINT after @after_ms milliseconds. */
int th_run_interrupted(char *const argv[], char *const env[], int after_ms,
		       char **out, char **err);

/* The CLI binary under test and the source tree, from the command line. */
extern const char *th_cli;
extern const char *th_top;

/* Test groups. */
void test_parse(void);
void test_opts(void);
void test_procmap(void);
void test_runs(void);
void test_readable(void);
void test_selfcheck(void);
void test_json(void);
void test_cli(void);
void test_version(void);

#endif /* PS_HARNESS_H */
