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
#include <unistd.h>

#include "debugfs.h"
#include "exitcodes.h"
#include "harness.h"
#include "procmap.h"
#include "pinshadow_abi.h"

static char dfs[4096], proc[4096], env_dfs[4200], env_proc[4200];

static const char good_stats[] =
	"abi_version 3\nversion 9.8.7\nenabled 1\npins_acquired 4100\n"
	"pins_released 2048\npins_outstanding 2052\npinned_pages 2052\nlongterm_outstanding 2048\n"
	"untracked_unpins 0\nlost_events 0\nlost_records 0\nmissed_events 0\n"
	"vmstat_acquired 4100\nvmstat_released 2048\nvmstat_bypass_pins 0\n"
	"api_pins 4100\napi_unpins 2048\nrollback_unpins 0\n"
	"subpage_fallbacks 0\ntable_blocks 2\nrecords 2\n"
	"table_bytes 12288\ntable_end_pfn 1179648\n";

static const char probes[] =
	"name symbol armed hits nmissed state reason\n"
	"pin_user_pages pin_user_pages 1 10 0 ok -\n"
	"pin_user_pages_fast_only - 0 0 0 absent no_such_symbol\n"
	"gup_put_folio gup_put_folio 1 2048 0 ok -\n";

/* The same with the folio ledger's release probe armed but blind. */
static const char probes_silent[] =
	"name symbol armed hits nmissed state reason\n"
	"pin_user_pages pin_user_pages 1 10 0 ok -\n"
	"gup_put_folio gup_put_folio 1 0 0 silent 0_seen,nr_foll_pin_released+2048\n";

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

/* Run and compare stdout with @want exactly. */
static void expect_exact(const char *args, const char *want, const char *what)
{
	char *out, *err;
	int ret = cli(args, &out, &err, 0);

	CHECK(ret == 0 && !strcmp(out, want), "cli: `pinshadow %s` %s", args,
	      what);
	if (ret != 0 || strcmp(out, want))
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
	expect("status", PS_EXIT_OK, "pinshadow 9.8.7 loaded, ABI 3", NULL);
	expect("status --json", PS_EXIT_OK, "\"version\": \"9.8.7\"", NULL);
	expect("status", PS_EXIT_OK, "1 unarmed: pin_user_pages_fast_only", NULL);
	expect("status", PS_EXIT_OK, "2052 outstanding on 2052 pages", NULL);
	expect("status --json", PS_EXIT_OK, "\"pins_outstanding\": 2052", NULL);
	expect("--json status", PS_EXIT_OK, "\"ok\": true", NULL);
	/* --stat: the value alone, exactly; no self-check. */
	expect_exact("status --stat pins_outstanding", "2052\n",
		     "prints the value alone");
	expect_exact("status -s version", "9.8.7\n",
		     "prints the text value alone");
	expect("status -s pins_outstanding --json", PS_EXIT_OK,
	       "\"value\": 2052", NULL);
	expect("status --stat no_such_stat", PS_EXIT_UNSUPPORTED, NULL,
	       "stats has no line \"no_such_stat\"");
	th_write(dfs, "stats", "abi_version 3\nenabled 1\npins_acquired 5\npins_released 2\n"
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
	/* A probe armed and blind while the kernel counted: named. */
	th_write(dfs, "probes", probes_silent);
	expect("status", PS_EXIT_SELFCHECK,
	       "self-check: FAIL (probe gup_put_folio is silent (0_seen,nr_foll_pin_released+2048))",
	       NULL);
	expect("status", PS_EXIT_SELFCHECK, "NOT WORKING: gup_put_folio silent",
	       NULL);
	expect("status --json", PS_EXIT_SELFCHECK, "\"state\": \"silent\"", NULL);
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

/* Lines of @s that contain @needle. */
static int count_lines(const char *s, const char *needle)
{
	const char *line = s, *nl;
	char buf[1024];
	int n = 0;

	for (; *line; line = nl + 1) {
		size_t len;

		nl = strchr(line, '\n');
		if (!nl)
			nl = line + strlen(line);
		len = (size_t)(nl - line) < sizeof(buf) - 1 ?
		      (size_t)(nl - line) : sizeof(buf) - 1;
		memcpy(buf, line, len);
		buf[len] = '\0';
		if (strstr(buf, needle))
			n++;
		if (!*nl)
			break;
	}
	return n;
}

/*
 * Lines of @s that are each one whole JSON object (braces and brackets
 * balance outside strings, starting with '{' and ending with '}'); -1 if
 * any line is not.
 */
static int json_lines(const char *s)
{
	int n = 0, depth = 0;
	bool str = false, esc = false, start = true;
	char last = 0;

	for (; *s; s++) {
		if (*s == '\n') {
			if (depth || str || last != '}')
				return -1;
			n++;
			start = true;
			continue;
		}
		if (start && *s != '{')
			return -1;
		start = false;
		last = *s;
		if (str) {
			if (esc)
				esc = false;
			else if (*s == '\\')
				esc = true;
			else if (*s == '"')
				str = false;
			continue;
		}
		if (*s == '"')
			str = true;
		else if (*s == '{' || *s == '[')
			depth++;
		else if (*s == '}' || *s == ']')
			depth--;
		if (depth < 0)
			return -1;
	}
	return start ? n : -1;
}

#define COW_HEADER \
	"time pid comm vaddr pfn decision exclusive maybe_pinned count verdict\n"
#define VERDICTS_HEADER \
	"pfn count maybe_pinned refcount order folio_pincount cause\n"

static const char cow_stats[] =
	"cow_examined 938\ncow_copied 512\ncow_shared 426\n"
	"cow_needless_copies 511\ncow_unsafe_shares 0\nwp_copy_pinned 0\n"
	"cow_unaudited 0\ncow_events_dropped 0\n";

/*
 * A THP fork as the module logs it: 512 pages in chunks, page 0 pinned and
 * copied (ok), the other 511 copied needlessly.
 */
static char *thp_fork_audit(void)
{
	static const int chunks[][2] = {
		{ 510, 512 }, { 340, 510 }, { 170, 340 }, { 0, 1 }, { 1, 170 },
	};
	size_t size = 128 + 512 * 100, used;
	char *s = malloc(size);
	int c, p, n = 0;

	used = (size_t)snprintf(s, size, COW_HEADER);
	for (c = 0; c < 5; c++)
		for (p = chunks[c][0]; p < chunks[c][1]; p++, n++)
			used += (size_t)snprintf(s + used, size - used,
				"6.%06d 204 pinload 0x%llx 0x%x copied 1 1 %d %s\n",
				614331 + n, 0x7f45c9e00000ULL + (unsigned long long)p * 4096,
				0x10800 + p, p ? 0 : 1, p ? "needless_copy" : "ok");
	return s;
}

/* verdicts of 6.12: 8 THPs pinned on one subpage each, one vmsplice page. */
static char *thp_verdicts(void)
{
	size_t size = 512 + 8 * 511 * 64, used;
	char *s = malloc(size);
	int f, p;

	used = (size_t)snprintf(s, size,
		"true_pos 16392\nfalse_pos 4089\nfalse_neg 0\ntrue_neg 503775\n"
		"scanned 524256\nmismatches_dropped 0\nscope all\n"
		VERDICTS_HEADER "0x2a1b 0 1 1101 0 - refcount_bias\n");
	for (f = 0; f < 8; f++)
		for (p = 1; p < 512; p++)
			used += (size_t)snprintf(s + used, size - used,
				"0x%x 0 1 2 9 1 folio_sibling\n",
				0xf800 + f * 512 + p);
	return s;
}

static void missing_tables(void)
{
	expect("verdicts", PS_EXIT_UNSUPPORTED, NULL, "not supported by this module version");
	expect("cow", PS_EXIT_UNSUPPORTED, NULL, "cow_audit");
	expect("policies --json", PS_EXIT_UNSUPPORTED, "\"name\": \"not_supported\"", NULL);
	expect("verdicts --raw", PS_EXIT_UNSUPPORTED, NULL, NULL);
	expect("cow --raw", PS_EXIT_UNSUPPORTED, NULL, NULL);
}

static void verdicts_cmd(void)
{
	char *text = thp_verdicts(), *out, *err, path[4200];
	int ret;

	th_write(dfs, "verdicts", text);
	expect("verdicts", PS_EXIT_OK, "over all of RAM (524256 pages)", NULL);
	expect("verdicts", PS_EXIT_OK,
	       "  kernel: maybe pinned          16392 TP              4089 FP\n"
	       "  kernel: not pinned                0 FN            503775 TN\n", NULL);
	expect("verdicts", PS_EXIT_OK,
	       "  precision              80.04%  of the 20481 pages the kernel calls pinned, 16392 are\n"
	       "  false-positive rate     0.81%  of the 507864 unpinned pages, 4089 look pinned\n",
	       NULL);
	expect("verdicts", PS_EXIT_OK, "4089 mismatches in 9 runs of consecutive PFNs", NULL);
	expect("verdicts", PS_EXIT_OK,
	       "0x2a1b               1  refcount_bias      0             1      0      1101               -\n"
	       "0xf801-0xfa00      511  folio_sibling      9             1      0         2               1\n",
	       NULL);
	expect("verdicts", PS_EXIT_OK,
	       "  folio_sibling       4088 pages      8 runs  another subpage of the same large folio is pinned\n"
	       "  refcount_bias          1 page       1 run   order-0 page, refcount >= 1024 without a pin\n",
	       NULL);
	ret = cli("verdicts", &out, &err, 0);
	CHECK(ret == 0 && count_lines(out, "folio_sibling      9") == 8 &&
	      count_lines(out, "\n") < 40,
	      "cli: verdicts: one line per run, not per page");
	free(out);
	free(err);
	expect_exact("verdicts --raw", text, "prints the module's rows unchanged");
	expect("verdicts --json", PS_EXIT_OK, "\"precision\": 0.800352", NULL);
	expect("verdicts --json", PS_EXIT_OK, "\"false_positive_rate\": 0.008051", NULL);
	expect("verdicts --json", PS_EXIT_OK, "\"scope\": \"all\"", NULL);
	expect("verdicts --json", PS_EXIT_OK,
	       "\"pfn_start\": \"0xf801\",\n        \"pfn_end\": \"0xfa00\",\n"
	       "        \"pages\": 511,\n        \"cause\": \"folio_sibling\"", NULL);
	expect("verdicts --json", PS_EXIT_OK,
	       "\"cause\": \"folio_sibling\",\n        \"pages\": 4088,\n        \"runs\": 8", NULL);
	expect("verdicts --json --raw", PS_EXIT_OK, "\"folio_pincount\": null", NULL);
	expect("verdicts --json --raw", PS_EXIT_OK, "\"true_pos\": 16392", NULL);
	free(text);

	/* --all: "scan all" before the read, "scan tracked" after. */
	snprintf(path, sizeof(path), "%s/control", dfs);
	remove(path);
	expect("verdicts --all", PS_EXIT_UNSUPPORTED, NULL, "no \"control\" file");
	th_write(dfs, "control", "");
	expect("verdicts --all", PS_EXIT_OK, "over all of RAM", NULL);
	text = NULL;
	CHECK(ps_slurp(path, &text, NULL) == 0 && !strcmp(text, "scan tracked"),
	      "cli: verdicts --all leaves the scope at \"scan tracked\"");
	free(text);
	expect("verdicts --all --raw", PS_EXIT_OK, "scope all\n", NULL);

	th_write(dfs, "verdicts", "true_pos 5\nfalse_pos 0\nfalse_neg 0\n"
		 "true_neg 9\nscanned 14\nmismatches_dropped 0\nscope tracked\n"
		 VERDICTS_HEADER);
	expect("verdicts", PS_EXIT_OK, "over the tracked 2 MiB", NULL);
	expect("verdicts", PS_EXIT_OK, "No mismatch", NULL);
	expect("verdicts", PS_EXIT_OK, "precision             100.00%", NULL);
	th_write(dfs, "verdicts", "true_pos 0\nfalse_pos 0\nfalse_neg 0\n"
		 "true_neg 9\n" VERDICTS_HEADER);
	expect("verdicts", PS_EXIT_OK, "precision                 n/a", NULL);
	expect("verdicts --json", PS_EXIT_OK, "\"precision\": null", NULL);

	/* A shape this CLI does not know: shown as the module prints it. */
	th_write(dfs, "verdicts", "true_pos 1\nfalse_pos 1\nscope tracked\n"
		 "pfn count maybe_pinned verdict\n"
		 "0x1000 1 1 true_positive\n0x2000 0 1 false_positive\n");
	expect("verdicts", PS_EXIT_OK, "0x2000  0      1             false_positive",
	       "shown as the module prints it");
	expect("verdicts", PS_EXIT_OK, "false_pos  1\nscope      tracked\n\npfn", NULL);
	expect("verdicts --json", PS_EXIT_OK, "\"verdict\": \"false_positive\"", NULL);
	expect("verdicts --json", PS_EXIT_OK, "\"scope\": \"tracked\"", NULL);
	th_write(dfs, "verdicts", "a b\n1\n");
	expect("verdicts", PS_EXIT_FAILURE, NULL, "verdicts line 2");
}

static void cow_cmd(void)
{
	char *text = thp_fork_audit(), *out, *err, stats[2048];
	int ret;

	snprintf(stats, sizeof(stats), "%s%s", good_stats, cow_stats);
	th_write(dfs, "stats", stats);
	th_write(dfs, "cow_audit", text);
	expect("cow", PS_EXIT_OK,
	       "TIME      PID  COMM     VADDR                          PAGES  PFN              DECISION  EXCLUSIVE  MAYBE_PINNED  COUNT  VERDICT\n"
	       "6.614673  204  pinload  0x7f45c9e00000                     1  0x10800          copied    1          1             1      ok\n"
	       "6.614331  204  pinload  0x7f45c9e01000-0x7f45ca000000    511  0x10801-0x10a00  copied    1          1             0      needless_copy\n"
	       "\n512 events in 2 lines; totals since the module was loaded or reset:\n"
	       "  938 pages examined at fork: 512 copied, 426 shared; 511 needless copies, 0 unsafe shares\n"
	       "  0 pinned pages copied on write; 0 pages unaudited; 0 events dropped from the ring\n",
	       NULL);
	expect_exact("cow --raw", text, "prints the module's rows unchanged");
	expect("cow --json", PS_EXIT_OK, "\"events\": 512", NULL);
	expect("cow --json", PS_EXIT_OK,
	       "        \"time_first\": 6.614331,\n        \"time_last\": 6.614842,\n"
	       "        \"pid\": 204,\n        \"comm\": \"pinload\",\n"
	       "        \"vaddr_start\": \"0x7f45c9e01000\",\n"
	       "        \"vaddr_end\": \"0x7f45ca000000\",\n        \"pages\": 511,\n"
	       "        \"pfn_start\": \"0x10801\",\n        \"pfn_end\": \"0x10a00\",\n"
	       "        \"decision\": \"copied\",\n        \"exclusive\": true,\n"
	       "        \"maybe_pinned\": true,\n        \"count_min\": 0,\n"
	       "        \"count_max\": 0,\n        \"verdict\": \"needless_copy\"\n", NULL);
	expect("cow --json", PS_EXIT_OK, "\"cow_needless_copies\": 511", NULL);
	expect("cow --json --raw", PS_EXIT_OK, "\"vaddr\": \"0x7f45c9ffe000\"", NULL);
	/* A fork past the audit's bound: the pages not walked are said. */
	snprintf(stats, sizeof(stats), "%s%scow_unwalked 1536\n", good_stats,
		 cow_stats);
	th_write(dfs, "stats", stats);
	expect("cow", PS_EXIT_OK,
	       "ring\n  1536 pages of forked VMAs past the audit's bound, not walked (audit_fork_entries)\n",
	       NULL);
	expect("cow --json", PS_EXIT_OK, "\"cow_unwalked\": 1536", NULL);
	expect("status", PS_EXIT_OK, "0 events dropped, 1536 not walked\n", NULL);
	snprintf(stats, sizeof(stats), "%s%s", good_stats, cow_stats);
	th_write(dfs, "stats", stats);

	ret = cli("cow --follow", &out, &err, 1300);
	CHECK(ret == 0 && count_lines(out, "pinload") == 2 &&
	      count_lines(out, "TIME") == 1 &&
	      strstr(out, "0x7f45c9e01000-0x7f45ca000000    511"),
	      "cli: cow --follow groups and prints each event once over several reads");
	if (ret || count_lines(out, "pinload") != 2)
		printf("# stdout: %s\n# stderr: %s\n", out, err);
	free(out);
	free(err);
	ret = cli("cow --follow --json", &out, &err, 1300);
	CHECK(ret == 0 && json_lines(out) == 2 &&
	      count_lines(out, "\"command\": \"cow\"") == 2 &&
	      count_lines(out, "\"pages\": 511") == 1,
	      "cli: cow --follow --json: one whole object per line and group, each once");
	if (ret || json_lines(out) != 2)
		printf("# stdout: %s\n# stderr: %s\n", out, err);
	free(out);
	free(err);
	ret = cli("cow --follow --raw", &out, &err, 1300);
	CHECK(ret == 0 && !strcmp(out, text),
	      "cli: cow --follow --raw prints the module's rows once");
	free(out);
	free(err);
	free(text);

	th_write(dfs, "cow_audit", COW_HEADER);
	expect("cow", PS_EXIT_OK, "No COW event recorded", NULL);
	expect("cow", PS_EXIT_OK, "0 events in 0 lines; totals", NULL);
	expect("cow --json", PS_EXIT_OK, "\"groups\": [],", NULL);
	th_write(dfs, "stats", good_stats);
	expect("cow", PS_EXIT_OK, "0 events in 0 lines\n", NULL);
	expect("cow --json", PS_EXIT_OK, "\"cow_examined\": null", NULL);

	/* A shape this CLI does not know: shown as the module prints it. */
	th_write(dfs, "cow_audit", "pid addr decision\n1 0x1000 copy\n2 - share\n");
	expect("cow", PS_EXIT_OK, "pid  addr    decision\n1    0x1000  copy\n",
	       "shown as the module prints it");
	ret = cli("cow --follow --json", &out, &err, 1300);
	CHECK(ret == 0 && strstr(out, "\"decision\": \"share\"") &&
	      strstr(out, "\"addr\": null") && json_lines(out) == 2,
	      "cli: cow --follow --json streams unknown rows, a line each");
	free(out);
	free(err);
	ret = cli("cow --follow", &out, &err, 1300);
	CHECK(ret == 0 && !strcmp(out, "pid addr decision\n1 0x1000 copy\n2 - share\n"),
	      "cli: cow --follow prints unknown rows once over several reads");
	free(out);
	free(err);
	th_write(dfs, "cow_audit", COW_HEADER "1.5 2 c 0x1000 0x1 copied 1 1 x ok\n");
	expect("cow", PS_EXIT_OK, "1.5   2    c", "bad count \"x\"");
}

static void policies_cmd(void)
{
	static const char pol[] =
		"policy decisions copies needless_copies unsafe_shares\n"
		"kernel 902 512 511 0\nexact 902 1 0 0\nsticky 902 512 511 0\n"
		"pmd 902 512 511 0\npte 902 1 0 0\n";

	th_write(dfs, "policies", pol);
	expect("policies", PS_EXIT_OK,
	       "POLICY  DECISIONS  COPIES  NEEDLESS_COPIES  UNSAFE_SHARES  COPIES A PAGE AT FORK WHEN\n"
	       "kernel        902     512              511              0  MMF_HAS_PINNED && folio_maybe_dma_pinned() (the kernel's rule)\n"
	       "exact         902       1                0              0  its exact pin count is > 0\n"
	       "sticky        902     512              511              0  it was ever pinned since the module was loaded\n"
	       "pmd           902     512              511              0  any page of the same 2 MiB range is pinned\n"
	       "pte           902       1                0              0  a pin it holds was taken through this mm at this address\n",
	       NULL);
	expect_exact("policies --raw", pol, "prints the module's rows unchanged");
	expect("policies --json", PS_EXIT_OK,
	       "\"policy\": \"exact\",\n        \"decisions\": 902,\n"
	       "        \"copies\": 1,\n        \"needless_copies\": 0,\n"
	       "        \"unsafe_shares\": 0,\n"
	       "        \"rule\": \"its exact pin count is > 0\"", NULL);
	expect("policies --json", PS_EXIT_OK,
	       "\"policy\": \"pte\",\n        \"decisions\": 902,\n"
	       "        \"copies\": 1,\n        \"needless_copies\": 0,\n"
	       "        \"unsafe_shares\": 0,\n"
	       "        \"rule\": \"a pin it holds was taken through this mm at this address\"",
	       NULL);
	th_write(dfs, "policies", "policy decisions\nkernel 1\nnewrule 2\n");
	expect("policies", PS_EXIT_OK, "newrule          2  ?\n", NULL);
	expect("policies --json", PS_EXIT_OK, "\"rule\": null", NULL);
}

static void tables(void)
{
	missing_tables();
	verdicts_cmd();
	cow_cmd();
	policies_cmd();
}

static void watch(void)
{
	char *out, *err, *second;
	int ret;

	ret = cli("watch --count 2 --interval 0.1", &out, &err, 0);
	second = strstr(out, "refresh 2");
	CHECK(ret == 0 && strstr(out, "refresh 1") && second &&
	      strstr(second, "BIGGEST PINNERS"), "cli: watch refreshes twice");
	CHECK(!strchr(out, '\033'),
	      "cli: watch into a file is in batch mode: no escape sequences");
	CHECK(strstr(out, "    100 pinload                  3         3         2     1     3.0s") != NULL,
	      "cli: watch shows the pinner");
	free(out);
	free(err);
	ret = cli("watch -n 2 -i 0.1 --json", &out, &err, 0);
	CHECK(ret == 0 && json_lines(out) == 2 && strstr(out, "\"refresh\": 2") &&
	      count_lines(out, "\"command\": \"watch\"") == 2 &&
	      strstr(out, "\"oldest_age_ms\": 3000"),
	      "cli: watch --json is one whole object per line and refresh");
	if (ret || json_lines(out) != 2)
		printf("# stdout: %s\n# stderr: %s\n", out, err);
	free(out);
	free(err);
	/* However far it got (a loaded machine), only whole lines. */
	ret = cli("watch --json", &out, &err, 1000);
	CHECK(ret == 0 && json_lines(out) >= 0 && json_lines(out) <= 1,
	      "cli: watch --json stopped by SIGINT leaves whole lines");
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
	expect("help watch --json", PS_EXIT_OK, "\"help_for\": \"watch\"", NULL);
	{
		char want[64];

		snprintf(want, sizeof(want), "ABI version %d",
			 PINSHADOW_ABI_VERSION);
		expect("--version", PS_EXIT_OK, want, NULL);
	}
}


/* getopt_long: short forms, "--", and one hint naming the command's help. */
static void conventions(void)
{
	static const struct {
		const char *args;
		int code;
		const char *out, *err;
	} cases[] = {
		{ "pins -p 100", PS_EXIT_OK, "0x401000-0x404000", NULL },
		{ "pins -lp 100 --json", PS_EXIT_OK, "\"longterm\": 2", NULL },
		{ "pins --pid=100 -s age", PS_EXIT_OK, "0x401000-0x404000", NULL },
		{ "-j pins -p 100", PS_EXIT_OK, "\"start\": \"0x401000\"", NULL },
		{ "pins -- extra", PS_EXIT_USAGE, NULL, "pins: unexpected argument \"extra\"" },
		{ "help -- pins", PS_EXIT_OK, "--older-than", NULL },
		{ "pins -p", PS_EXIT_USAGE, NULL, "pins: -p needs a value" },
		{ "pins -x", PS_EXIT_USAGE, NULL, "pins: unknown option \"-x\"\nRun `pinshadow pins --help` for its options.\n" },
		{ "watch --bogus", PS_EXIT_USAGE, NULL, "Run `pinshadow watch --help` for its options." },
		{ "bogus", PS_EXIT_USAGE, NULL, "unknown command \"bogus\"\nRun `pinshadow --help` for the commands.\n" },
		{ "", PS_EXIT_USAGE, NULL, "Commands:\n  status" },
		{ "watch -n 1 -b", PS_EXIT_OK, "refresh 1", NULL },
		{ "--from", PS_EXIT_USAGE, NULL, "--from needs a value" },
		{ "cow -f --from /nonexistent", PS_EXIT_USAGE, NULL, "cow --follow: reads the live module" },
		{ "--version", PS_EXIT_OK, "\nmodule    pinshadow 9.8.7, ABI 3\nkernel    ", NULL },
	};
	char *out, *err;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect(cases[i].args, cases[i].code, cases[i].out, cases[i].err);
	ret = cli("pins -x", &out, &err, 0);
	CHECK(ret == PS_EXIT_USAGE && count_lines(err, "Run `") == 1 &&
	      strchr(err, '\n') && strchr(strchr(err, '\n') + 1, '\n') &&
	      !strchr(strchr(strchr(err, '\n') + 1, '\n') + 1, '\n'),
	      "cli: a usage error is the error and one hint");
	free(out);
	free(err);
}

/* Every command's JSON: one envelope. */
static void envelope(void)
{
	static const char *const cmds[][2] = {
		{ "status", "data" }, { "pins", "data" }, { "pins -b stack", "data" },
		{ "lookup -f 0x9000 --from FIX/save1", "data" },
		{ "policies --raw", "data" },
		{ "cow", "data" }, { "policies", "data" }, { "help pins", "data" },
		{ "--version", "data" }, { "diff FIX/save1 FIX/save2", "data" },
		{ "pins -p 555", "error" }, { "bogus", "error" },
		{ "pins -p", "error" },
		{ "status --from FIX/save1", "data" },
	};
	char args[1024], want[256], *out, *err, *p;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		const char *name = cmds[i][0];
		char cmd[32];
		bool ok;

		snprintf(args, sizeof(args), "--json %s", cmds[i][0]);
		while ((p = strstr(args, "FIX")) != NULL) {
			char rest[1024];

			snprintf(rest, sizeof(rest), "%s", p + 3);
			snprintf(p, sizeof(args) - (size_t)(p - args),
				 "%s/tests/host/fixtures%s", th_top, rest);
		}
		if (!strncmp(name, "--version", 9))
			name = "version";
		else if (!strncmp(name, "help", 4))
			name = "help";
		else if (!strcmp(name, "bogus"))
			name = "pinshadow";
		snprintf(cmd, sizeof(cmd), "%.*s", (int)strcspn(name, " "), name);
		ret = cli(args, &out, &err, 0);
		snprintf(want, sizeof(want),
			 "{\n  \"command\": \"%s\",\n  \"version\": \"%s\",\n"
			 "  \"abi\": %d,\n  \"module\": ", cmd, PINSHADOW_VERSION,
			 PINSHADOW_ABI_VERSION);
		ok = !strncmp(out, want, strlen(want)) &&
		     strstr(out, "\n  \"kernel\": \"") &&
		     strstr(out, "\n  \"time\": {\n    \"clock\": \"CLOCK_REALTIME\",\n    \"utc\": \"") &&
		     strstr(out, "\"unix_ms\": ") && strstr(out, "\"monotonic_ms\": ");
		snprintf(want, sizeof(want), "\n  \"%s\": ", cmds[i][1]);
		CHECK(ok && strstr(out, want) && out[strlen(out) - 2] == '}',
		      "cli: `pinshadow %s` is in the envelope, with \"%s\"",
		      args + strlen(th_top) * 0, cmds[i][1]);
		if (!ok)
			printf("# exit %d\n# stdout: %.600s\n# stderr: %s\n", ret, out, err);
		free(out);
		free(err);
	}
	snprintf(args, sizeof(args), "--json --from %s/tests/host/fixtures/save1 status",
		 th_top);
	ret = cli("--json watch -n 1", &out, &err, 0);
	snprintf(want, sizeof(want), "{\"command\": \"watch\", \"version\": \"%s\", \"abi\": %d, \"module\": {\"version\": \"9.8.7\", \"abi\": %d}, \"kernel\": \"",
		 PINSHADOW_VERSION, PINSHADOW_ABI_VERSION, PINSHADOW_ABI_VERSION);
	CHECK(ret == 0 && json_lines(out) == 1 && !strncmp(out, want, strlen(want)) &&
	      strstr(out, "\"time\": {\"clock\": \"CLOCK_REALTIME\", \"utc\": \"") &&
	      strstr(out, "}, \"data\": {\"refresh\": 1, "),
	      "cli: watch --json: the envelope on one line");
	if (ret || strncmp(out, want, strlen(want)))
		printf("# stdout: %s\n", out);
	free(out);
	free(err);
	expect(args, PS_EXIT_OK, "\"kernel\": \"6.12.99-test\",\n  \"time\": {\n    \"clock\": \"CLOCK_REALTIME\",\n    \"utc\": \"2025-12-02T12:53:20.000Z\",\n    \"unix_ms\": 1764680000000,\n    \"monotonic_ms\": 600000\n  },\n  \"from\": ", NULL);
}

/* --from a saved directory, and pins' leak-hunting filters (fixtures). */
static void from_saved(void)
{
	static const struct {
		const char *args;
		int code;
		const char *out;
	} cases[] = {
		{ "status", PS_EXIT_OK, "orphaned    2 pins on 2 pages whose task has exited (pinshadow pins --orphaned)\n" },
		{ "status", PS_EXIT_OK, "\nkernel      6.12.99-test\n" },
		{ "status", PS_EXIT_OK, "stacks      2 stacks, 512 bytes, 0 lost\n" },
		{ "status --json", PS_EXIT_OK, "\"orphaned\": {\n      \"pins\": 2,\n      \"pages\": 2\n    }" },
		{ "pins", PS_EXIT_OK, "204     pinload          0x7f0000000000-0x7f0000003000          3        3        3 pin_user_pages_fast           3.0s  [anon]\n" },
		{ "pins", PS_EXIT_OK, "-       -                pfn 0x9000-0x9002                      2        2        0 pin_user_pages_fast          1m30s  (mapped by no process) pinned by 300 leaky\n" },
		{ "pins -p 204 --json", PS_EXIT_OK, "\"start\": \"0x7f0000000000\"" },
		{ "pins -p 300", PS_EXIT_NOT_FOUND, NULL },
		{ "pins --orphaned", PS_EXIT_OK, "total: 2 pins on 2 pages (8.0KiB), 0 long-term; 0 runs in 0 processes; 2 pages mapped by no process\n" },
		{ "pins -o --json", PS_EXIT_OK, "\"orphaned\": true" },
		{ "pins --older-than 1m", PS_EXIT_OK, "total: 2 pins on 2 pages" },
		{ "pins -t 2s", PS_EXIT_OK, "total: 5 pins on 5 pages" },
		{ "pins -t 2h", PS_EXIT_OK, "no pinned pages that match\n" },
		{ "pins --comm pinload", PS_EXIT_OK, "total: 3 pins on 3 pages" },
		{ "pins -c leaky -o", PS_EXIT_OK, "total: 2 pins on 2 pages" },
		{ "pins --by stack", PS_EXIT_OK,
		  "3 pages, 3 pins (3 long-term), 1 run, oldest 3.0s; pinned by 204 pinload via pin_user_pages_fast\n"
		  "  stack 17:\n    __gup_longterm_locked+0x2f1/0x6a0\n    pin_user_pages_fast+0x4a/0x70\n"
		  "    io_sqe_buffer_register+0x1c9/0x5e0\n    __do_sys_io_uring_register+0x4b2/0x1180\n\n"
		  "2 pages, 2 pins (0 long-term), 1 run, oldest 1m30s, 2 orphaned; pinned by 300 leaky via pin_user_pages_fast\n"
		  "  stack 5:\n    pin_user_pages_fast+0x4a/0x70\n    ps_helper_pin+0x88/0x120[pinshadow_test_helper]\n" },
		{ "pins -b stack -o --json", PS_EXIT_OK, "\"frames\": [\n          \"pin_user_pages_fast+0x4a/0x70\",\n          \"ps_helper_pin+0x88/0x120[pinshadow_test_helper]\"" },
		{ "lookup -f 0x9001", PS_EXIT_OK, "  orphaned        1  (the task that pinned it has exited)\n  stack           5\n    pin_user_pages_fast+0x4a/0x70\n    ps_helper_pin+0x88/0x120[pinshadow_test_helper]\n" },
		{ "lookup -p 204 -a 0x7f0000002010", PS_EXIT_OK, "  pfn             0x1002\n" },
		{ "lookup -p 204 -a 0x7f0000002010 --json", PS_EXIT_OK, "\"stack\": 17,\n      \"frames\": [\n        \"__gup_longterm_locked+0x2f1/0x6a0\"" },
		{ "lookup -f 0x4242", PS_EXIT_NOT_FOUND, NULL },
		{ "lookup -p 204 -a 0x1000", PS_EXIT_NOT_FOUND, NULL },
		{ "verdicts", PS_EXIT_UNSUPPORTED, NULL },
		{ "verdicts -a", PS_EXIT_USAGE, NULL },
	};
	char args[1024], fix[900];
	size_t i;

	snprintf(fix, sizeof(fix), "%s/tests/host/fixtures/save1", th_top);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(args, sizeof(args), "--from %s %s", fix, cases[i].args);
		expect(args, cases[i].code, cases[i].out, NULL);
	}
	/* The live sample has no orphaned column: an older module. */
	expect("pins --orphaned", PS_EXIT_UNSUPPORTED, NULL, "no \"orphaned\" column");
	expect("pins --by stack", PS_EXIT_OK, "(no stack recorded)", NULL);
	expect("pins -c kworker/0:1", PS_EXIT_OK, "total: 1 pin on 1 page", NULL);
	expect("pins --older-than 1s", PS_EXIT_OK, "total: 2 pins on 2 pages", NULL);
	expect("pins --older-than 400ms", PS_EXIT_OK, "total: 3 pins on 3 pages", NULL);
	expect("pins -t 5x", PS_EXIT_USAGE, NULL, "not a duration");
}

static void diff(void)
{
	static const char *const want[] = {
		"               PAGES      PINS\nappeared           1         2\nvanished           3         3\npersisted          2         2\n",
		"    204 pinload                  0         3         0\n    410 fio                      1         0         0\n    300 leaky                    0         0         2\n",
		"        0         0         2  handle 5 in DIR1, handle 5 in DIR2:\n    pin_user_pages_fast+0x4a/0x70\n    ps_helper_pin+0x88/0x120[pinshadow_test_helper]\n",
		"        1         3         0  handle 17 in DIR1, handle 17 in DIR2:\n",
	};
	char args[2048];
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		snprintf(args, sizeof(args), "diff %s/tests/host/fixtures/save1 %s/tests/host/fixtures/save2",
			 th_top, th_top);
		expect(args, PS_EXIT_OK, want[i], NULL);
	}
	snprintf(args, sizeof(args), "diff %s/tests/host/fixtures/save1 %s/tests/host/fixtures/save2 --json",
		 th_top, th_top);
	expect(args, PS_EXIT_OK, "\"persisted\": {\n          \"pages\": 2,\n          \"pins\": 2\n        }", NULL);
	expect(args, PS_EXIT_OK, "\"totals\": {\n      \"appeared\": {\n        \"pages\": 1,\n        \"pins\": 2\n      },\n      \"vanished\": {\n        \"pages\": 3,", NULL);
	snprintf(args, sizeof(args), "diff %s/tests/host/fixtures/save1 %s/nonexistent",
		 th_top, th_top);
	expect(args, PS_EXIT_FAILURE, NULL, "not a directory");
	expect("diff onlyone", PS_EXIT_USAGE, NULL, "diff: needs two directories");
}

/* save, then --from the save: the same report as live. */
static void save(void)
{
	char dir[4200], args[4400], path[4400], *live, *saved, *err, *text;
	int r1, r2;

	snprintf(dir, sizeof(dir), "%s/save-a", th_tmpdir());
	snprintf(args, sizeof(args), "save %s", dir);
	expect(args, PS_EXIT_OK, "saved 6 files of", NULL);
	snprintf(path, sizeof(path), "%s/proc/100/pinned", dir);
	text = NULL;
	CHECK(ps_slurp(path, &text, NULL) == 0 &&
	      !strcmp(text, "vaddr pfn\n0x401000 0x1000\n0x402000 0x1001\n0x403000 0x1002\n"),
	      "cli: save: where process 100 maps its pinned pages");
	free(text);
	snprintf(path, sizeof(path), "%s/meta", dir);
	text = NULL;
	CHECK(ps_slurp(path, &text, NULL) == 0 && strstr(text, "format 1\n") &&
	      strstr(text, "\ntime_unix_ms ") && strstr(text, "\nkernel "),
	      "cli: save: meta");
	free(text);
	snprintf(path, sizeof(path), "%s/proc/200", dir);
	CHECK(access(path, F_OK) != 0, "cli: save: a process without pins is not saved");
	expect(args, PS_EXIT_USAGE, NULL, "is not empty");
	r1 = cli("pins", &live, &err, 0);
	free(err);
	snprintf(args, sizeof(args), "--from %s pins", dir);
	r2 = cli(args, &saved, &err, 0);
	CHECK(r1 == 0 && r2 == 0 && !strcmp(live, saved),
	      "cli: pins --from a save prints what pins printed live");
	if (strcmp(live, saved))
		printf("# live: %s\n# saved: %s\n# stderr: %s\n", live, saved, err);
	free(live);
	free(saved);
	free(err);
	snprintf(args, sizeof(args), "--json save %s/save-b", th_tmpdir());
	expect(args, PS_EXIT_OK, "\"processes\": 1", NULL);
}

static void lockdown(void)
{
	static const struct {
		const char *file, *mode, *says, *not;
	} cases[] = {
		{ "none [integrity] confidentiality\n", "integrity", "lockdown=integrity", "confidentiality" },
		{ "none integrity [confidentiality]\n", "confidentiality", "lockdown=confidentiality", "integrity" },
		{ "[none] integrity confidentiality\n", "none", "not locked down", "lockdown=" },
		{ "", "", "not locked down", "lockdown=" },
	};
	char mode[32];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *msg;

		ps_parse_lockdown(cases[i].file, mode, sizeof(mode));
		msg = ps_lockdown_hint("/sys/kernel/debug/pinshadow/lookup", mode);
		CHECK(!strcmp(mode, cases[i].mode) && strstr(msg, cases[i].says) &&
		      !strstr(msg, cases[i].not),
		      "cli: lockdown \"%.40s\": mode \"%s\", the hint says %s", cases[i].file,
		      mode, cases[i].says);
	}
}

/* A newer module: stats lines and columns this CLI does not know. */
static void newer_module(void)
{
	char stats[4096];

	snprintf(stats, sizeof(stats), "%sstacks 3\nstack_bytes 100\nlost_stacks 0\n"
		 "future_mode turbo\nfuture_pair 1 2\n", good_stats);
	th_write(dfs, "stats", stats);
	th_write(dfs, "pins", "new1 pfn count longterm maybe_pinned refcount order folio_pincount age_ms pid comm api stack orphaned new2\n"
		 "x 0x1000 1 1 1 1025 0 - 3000 100 pinload pin_user_pages_fast 4 0 y\n");
	expect("status", PS_EXIT_OK, "self-check: OK", NULL);
	expect("pins", PS_EXIT_OK, "total: 1 pin on 1 page", NULL);
	expect("pins -o", PS_EXIT_OK, "no pinned pages that match", NULL);
	th_write(dfs, "stats", good_stats);
	th_write(dfs, "pins", pins);
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
	conventions();
	envelope();
	from_saved();
	diff();
	save();
	lockdown();
	newer_module();
}
