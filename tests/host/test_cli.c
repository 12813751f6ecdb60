// SPDX-License-Identifier: GPL-2.0
/*
 * The pinshadow binary end to end, on sample debugfs files and a made-up
 * /proc (PINSHADOW_DEBUGFS_DIR, PINSHADOW_PROC): exit statuses, text and
 * JSON output.  What needs the live module (lookup, permissions) is tested
 * in the VM by userspace/tests/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcodes.h"
#include "harness.h"
#include "procmap.h"

static char dfs[4096], proc[4096], env_dfs[4200], env_proc[4200];

static const char good_stats[] =
	"abi_version 1\nenabled 1\npins_acquired 4100\npins_released 2048\n"
	"pins_outstanding 2052\npinned_pages 2052\nlongterm_outstanding 2048\n"
	"untracked_unpins 0\nlost_events 0\nlost_records 0\nmissed_events 0\n"
	"vmstat_acquired 4100\nvmstat_released 2048\nvmstat_bypass_pins 0\n"
	"api_pins 4100\napi_unpins 2048\nrollback_unpins 0\n"
	"subpage_fallbacks 0\ntable_blocks 2\nrecords 2\n"
	"table_bytes 12288\ntable_end_pfn 1179648\n";

static const char probes[] =
	"name symbol armed hits nmissed\n"
	"pin_user_pages pin_user_pages 1 10 0\n"
	"pin_user_pages_fast_only - 0 0 0\n"
	"gup_put_folio gup_put_folio 1 2048 0\n";

#define PINS_HEADER \
	"pfn count longterm maybe_pinned refcount order folio_pincount age_ms pid comm api\n"

static const char pins[] = PINS_HEADER
	"0x1000 1 1 1 1025 0 - 3000 100 pinload pin_user_pages_fast\n"
	"0x1001 1 1 1 1025 0 - 3000 100 pinload pin_user_pages_fast\n"
	"0x1002 1 0 1 1025 0 - 10 100 pinload pin_user_pages_fast\n"
	"0x9000 1 0 1 1025 0 - 500 77 kworker/0:1 pin_user_pages\n";

/* Run the CLI with the sample environment; returns the exit status. */
static int cli(const char *args, char **out, char **err, int interrupt_ms)
{
	char buf[1024], *argv[16], *save, *w;
	char *env[] = { env_dfs, env_proc, NULL };
	int argc = 0;

	argv[argc++] = (char *)th_cli;
	snprintf(buf, sizeof(buf), "%s", args);
	for (w = strtok_r(buf, " ", &save); w && argc < 15;
	     w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	return th_run_interrupted(argv, env, interrupt_ms, out, err);
}

/* @s with newlines shown as \n, for a one-line test name. */
static const char *oneline(const char *s, char *buf, size_t size)
{
	size_t n = 0;

	for (; s && *s && n + 3 < size; s++) {
		if (*s == '\n') {
			buf[n++] = '\\';
			buf[n++] = 'n';
		} else {
			buf[n++] = *s;
		}
	}
	buf[n] = '\0';
	return buf;
}

/* Run and check the exit status and that stdout/stderr contain strings. */
static void expect(const char *args, int code, const char *in_out,
		   const char *in_err)
{
	char *out, *err, o1[256], e1[256];
	int ret = cli(args, &out, &err, 0);

	CHECK(ret == code && (!in_out || strstr(out, in_out)) &&
	      (!in_err || strstr(err, in_err)),
	      "cli: `pinshadow %s` exits %d%s%s%s%s", args, code,
	      in_out ? ", prints " : "", oneline(in_out, o1, sizeof(o1)),
	      in_err ? ", says " : "", oneline(in_err, e1, sizeof(e1)));
	if (ret != code || (in_out && !strstr(out, in_out)) ||
	    (in_err && !strstr(err, in_err)))
		printf("# exit %d\n# stdout: %s\n# stderr: %s\n", ret, out, err);
	free(out);
	free(err);
}

static void setup(void)
{
	size_t ps = ps_page_size();
	uint64_t e;

	snprintf(dfs, sizeof(dfs), "%s/debugfs/pinshadow", th_tmpdir());
	snprintf(proc, sizeof(proc), "%s/cliproc", th_tmpdir());
	snprintf(env_dfs, sizeof(env_dfs), "PINSHADOW_DEBUGFS_DIR=%s", dfs);
	snprintf(env_proc, sizeof(env_proc), "PINSHADOW_PROC=%s", proc);
	th_write(dfs, "stats", good_stats);
	th_write(dfs, "probes", probes);
	th_write(dfs, "pins", pins);
	th_write(proc, "100/comm", "pinload\n");
	th_write(proc, "100/maps", "400000-410000 rw-p 00000000 00:00 0 \n");
	th_write(proc, "200/comm", "idle\n");
	th_write(proc, "200/maps", "");
	for (e = 0; e < 3; e++) {
		uint64_t v = (0x1000 + e) | PM_PRESENT;

		th_pwrite(proc, "100/pagemap", &v, 8,
			  (long long)((0x400000 + (e + 1) * ps) / ps * 8));
	}
}

static void status(void)
{
	expect("status", PS_EXIT_OK, "self-check: OK", NULL);
	expect("status", PS_EXIT_OK, "1 unarmed: pin_user_pages_fast_only", NULL);
	expect("status", PS_EXIT_OK, "2052 outstanding on 2052 pages", NULL);
	expect("status --json", PS_EXIT_OK, "\"pins_outstanding\": 2052", NULL);
	expect("--json status", PS_EXIT_OK, "\"ok\": true", NULL);
	th_write(dfs, "stats", "abi_version 1\nenabled 1\npins_acquired 5\npins_released 2\n"
		 "pins_outstanding 3\nvmstat_acquired 5\nvmstat_bypass_pins 0\n"
		 "vmstat_released 1\nmissed_events 0\nlost_events 2\nnew_stat 9\n");
	expect("status", PS_EXIT_SELFCHECK,
	       "self-check: FAIL (vmstat_released = 1 != pins_released = 2; lost_events = 2)",
	       NULL);
	expect("status", PS_EXIT_SELFCHECK, "other       new_stat=9", NULL);
	expect("status --json", PS_EXIT_SELFCHECK, "\"reads\": 1", NULL);
	th_write(dfs, "stats", "abi_version 99\n");
	expect("status", PS_EXIT_ABI, NULL, "module ABI version 99");
	expect("pins --json", PS_EXIT_ABI, "\"name\": \"abi_mismatch\"", NULL);
	th_write(dfs, "stats", "enabled 1\n");
	expect("status", PS_EXIT_ABI, NULL, "no abi_version");
	th_write(dfs, "stats", "abi_version one\n");
	expect("status", PS_EXIT_FAILURE, NULL, "stats line 1");
	th_write(dfs, "stats", good_stats);
	th_write(dfs, "probes", "name symbol armed\n");
	expect("status", PS_EXIT_FAILURE, NULL, "no column \"hits\"");
	th_write(dfs, "probes", probes);
}

static void pins_cmd(void)
{
	expect("pins", PS_EXIT_OK, "0x401000-0x404000", NULL);
	expect("pins", PS_EXIT_OK, "pfn 0x9000-0x9001", NULL);
	expect("pins", PS_EXIT_OK, "pinned by 77 kworker/0:1", NULL);
	expect("pins", PS_EXIT_OK,
	       "total: 4 pins on 4 pages (16.0KiB), 2 long-term; 1 run in 1 process; 1 page mapped by no process",
	       NULL);
	expect("pins --json", PS_EXIT_OK, "\"start\": \"0x401000\"", NULL);
	expect("pins --json", PS_EXIT_OK, "\"pfn_start\": \"0x9000\"", NULL);
	expect("pins --pid 100 --json", PS_EXIT_OK, "\"unmapped\": null", NULL);
	expect("pins --pid 200", PS_EXIT_OK, "process 200 maps no pinned page", NULL);
	expect("pins --pid 555", PS_EXIT_NOT_FOUND, NULL, "no process 555");
	expect("pins --longterm --json", PS_EXIT_OK, "\"longterm\": 2", NULL);
	expect("pins --sort age", PS_EXIT_OK, "3.0s", NULL);
	th_write(dfs, "pins", PINS_HEADER "0x1000 1 1 1 1025 0 -\n");
	expect("pins", PS_EXIT_FAILURE, NULL, "pins line 2: expected 11 fields, got 7");
	th_write(dfs, "pins", PINS_HEADER);
	expect("pins", PS_EXIT_OK, "no pinned pages", NULL);
	th_write(dfs, "pins", pins);
}

static void missing(void)
{
	char gone[4200];

	snprintf(gone, sizeof(gone), "%s.gone", dfs);
	if (rename(dfs, gone)) {
		CHECK(false, "cli: hide the debugfs sample");
		return;
	}
	expect("status", PS_EXIT_NOT_LOADED, "not loaded", "module pinshadow is not loaded");
	expect("pins --json", PS_EXIT_NOT_LOADED, "\"code\": 5", NULL);
	expect("lookup --pfn 1", PS_EXIT_NOT_LOADED, NULL, "insmod");
	expect("watch --count 1", PS_EXIT_NOT_LOADED, NULL, NULL);
	expect("verdicts", PS_EXIT_NOT_LOADED, NULL, NULL);
	rename(gone, dfs);
}

static void tables(void)
{
	char *out, *err;
	int ret;

	expect("verdicts", PS_EXIT_UNSUPPORTED, NULL, "not supported by this module version");
	expect("cow", PS_EXIT_UNSUPPORTED, NULL, "cow_audit");
	expect("policies --json", PS_EXIT_UNSUPPORTED, "\"name\": \"not_supported\"", NULL);
	th_write(dfs, "verdicts", "true_pos 1\nfalse_pos 1\nscope tracked\n"
		 "pfn count maybe_pinned verdict\n"
		 "0x1000 1 1 true_positive\n0x2000 0 1 false_positive\n");
	expect("verdicts", PS_EXIT_OK, "0x2000  0      1             false_positive", NULL);
	expect("verdicts", PS_EXIT_OK, "false_pos  1\nscope      tracked\n\npfn", NULL);
	expect("verdicts --json", PS_EXIT_OK, "\"verdict\": \"false_positive\"", NULL);
	expect("verdicts --json", PS_EXIT_OK, "\"count\": 0", NULL);
	expect("verdicts --json", PS_EXIT_OK, "\"scope\": \"tracked\"", NULL);
	th_write(dfs, "verdicts", "a b\n1\n");
	expect("verdicts", PS_EXIT_FAILURE, NULL, "verdicts line 2");
	th_write(dfs, "cow_audit", "pid addr decision\n1 0x1000 copy\n2 - share\n");
	ret = cli("cow --follow --json", &out, &err, 300);
	CHECK(ret == 0 && strstr(out, "\"decision\": \"share\"") &&
	      strstr(out, "\"addr\": null") && strstr(out, "  ]\n}\n"),
	      "cli: cow --follow --json streams rows, closes on SIGINT");
	free(out);
	free(err);
	ret = cli("cow --follow", &out, &err, 1300);
	CHECK(ret == 0 && !strcmp(out, "pid addr decision\n1 0x1000 copy\n2 - share\n"),
	      "cli: cow --follow prints each row once over several reads");
	free(out);
	free(err);
}

static void watch(void)
{
	char *out, *err, *second;
	int ret;

	ret = cli("watch --count 2 --interval 0.1", &out, &err, 0);
	second = strstr(out, "refresh 2");
	CHECK(ret == 0 && strstr(out, "refresh 1") && second &&
	      strstr(second, "BIGGEST PINNERS") && strstr(out, "\033[2J"),
	      "cli: watch refreshes twice");
	CHECK(strstr(out, "    100 pinload                  3         3         2     1     3.0s") != NULL,
	      "cli: watch shows the pinner");
	free(out);
	free(err);
	ret = cli("watch --count 2 --interval 0.1 --json", &out, &err, 0);
	CHECK(ret == 0 && out[0] == '[' && strstr(out, "\"refresh\": 2") &&
	      strstr(out, "\n]\n") && strstr(out, "\"oldest_age_ms\": 3000"),
	      "cli: watch --json is one array");
	free(out);
	free(err);
	ret = cli("watch --json", &out, &err, 300);
	CHECK(ret == 0 && out[0] == '[' && strstr(out, "\n]\n"),
	      "cli: watch --json closes the array on SIGINT");
	free(out);
	free(err);
}

static void args(void)
{
	expect("", PS_EXIT_USAGE, NULL, "no command given");
	expect("bogus", PS_EXIT_USAGE, NULL, "unknown command");
	expect("--json bogus", PS_EXIT_USAGE, "\"name\": \"usage\"", NULL);
	expect("pins --sort size", PS_EXIT_USAGE, NULL, "--sort");
	expect("lookup --pid 1", PS_EXIT_USAGE, NULL, "needs --pfn N, or --pid P and --addr A");
	expect("--help", PS_EXIT_OK, "Exit status:", NULL);
	expect("pins --help", PS_EXIT_OK, "--sort KEY", NULL);
	expect("help watch --json", PS_EXIT_OK, "\"command\": \"watch\"", NULL);
	expect("--version", PS_EXIT_OK, "ABI version 1", NULL);
}

void test_cli(void)
{
	if (!th_cli) {
		CHECK(true, "cli: # SKIP no pinshadow binary given");
		return;
	}
	setup();
	status();
	pins_cmd();
	missing();
	tables();
	watch();
	args();
}
