// SPDX-License-Identifier: GPL-2.0
/* Command-line parsing: every command, every option, every mistake. */
#include <stdint.h>
#include <string.h>

#include "exitcodes.h"
#include "harness.h"
#include "opts.h"
#include "parse.h"

#define MAX_ARGS 16

/* Parse a space-separated command line (after "pinshadow"). */
static int parse(const char *line, struct ps_opts *o, char *err)
{
	static char buf[512];
	char *argv[MAX_ARGS] = { "pinshadow" }, *save, *w;
	int argc = 1;

	strcpy(buf, line);
	for (w = strtok_r(buf, " ", &save); w && argc < MAX_ARGS;
	     w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	return ps_parse_opts(argc, argv, o, err);
}

static void good(void)
{
	char err[PS_ERR_LEN];
	struct ps_opts o;

	CHECK(parse("status", &o, err) == 0 && o.cmd == PS_CMD_STATUS &&
	      !o.json, "opts: status");
	CHECK(parse("status -s pins_outstanding", &o, err) == 0 &&
	      o.stat && !strcmp(o.stat, "pins_outstanding"),
	      "opts: status --stat NAME");
	CHECK(parse("--json status", &o, err) == 0 && o.json,
	      "opts: --json before the command");
	CHECK(parse("status --json", &o, err) == 0 && o.json,
	      "opts: --json after the command");
	CHECK(parse("pins", &o, err) == 0 && o.cmd == PS_CMD_PINS &&
	      o.pid == -1 && !o.longterm && o.sort == PS_SORT_COUNT,
	      "opts: pins defaults");
	CHECK(parse("pins --pid 42 --longterm --sort age", &o, err) == 0 &&
	      o.pid == 42 && o.longterm && o.sort == PS_SORT_AGE,
	      "opts: pins with every option");
	CHECK(parse("pins --pid=7 --sort=pid", &o, err) == 0 && o.pid == 7 &&
	      o.sort == PS_SORT_PID, "opts: --name=value");
	CHECK(parse("lookup --pid 1 --addr 0x7fff0000", &o, err) == 0 &&
	      o.cmd == PS_CMD_LOOKUP && o.pid == 1 && o.have_addr &&
	      o.addr == 0x7fff0000 && !o.have_pfn, "opts: lookup by address");
	CHECK(parse("lookup --pfn 4096", &o, err) == 0 && o.have_pfn &&
	      o.pfn == 4096, "opts: lookup by decimal PFN");
	CHECK(parse("lookup --pfn 0x1000", &o, err) == 0 && o.pfn == 0x1000,
	      "opts: lookup by hex PFN");
	CHECK(parse("watch", &o, err) == 0 && o.interval_ms == 2000 &&
	      o.count == -1, "opts: watch defaults");
	CHECK(parse("watch --interval 0.5 --count 3", &o, err) == 0 &&
	      o.interval_ms == 500 && o.count == 3, "opts: watch 0.5s x3");
	CHECK(parse("watch --interval 2.25", &o, err) == 0 &&
	      o.interval_ms == 2250, "opts: --interval 2.25");
	CHECK(parse("cow --follow", &o, err) == 0 && o.cmd == PS_CMD_COW &&
	      o.follow, "opts: cow --follow");
	CHECK(parse("verdicts", &o, err) == 0 && o.cmd == PS_CMD_VERDICTS,
	      "opts: verdicts");
	CHECK(parse("policies --json", &o, err) == 0 &&
	      o.cmd == PS_CMD_POLICIES && o.json, "opts: policies");
	CHECK(parse("verdicts", &o, err) == 0 && !o.raw && !o.all,
	      "opts: verdicts defaults: grouped, tracked scope");
	CHECK(parse("verdicts --all --raw", &o, err) == 0 && o.raw && o.all,
	      "opts: verdicts --all --raw");
	CHECK(parse("cow --raw --follow --json", &o, err) == 0 && o.raw &&
	      o.follow && o.json, "opts: cow --raw --follow --json");
	CHECK(parse("policies --raw", &o, err) == 0 && o.raw,
	      "opts: policies --raw");
}

static void help(void)
{
	char err[PS_ERR_LEN];
	struct ps_opts o;

	CHECK(parse("--help", &o, err) == 0 && o.help &&
	      o.help_for == PS_CMD_NONE, "opts: --help");
	CHECK(parse("pins --help", &o, err) == 0 && o.help &&
	      o.help_for == PS_CMD_PINS, "opts: pins --help");
	CHECK(parse("help lookup", &o, err) == 0 && o.help &&
	      o.help_for == PS_CMD_LOOKUP, "opts: help lookup");
	CHECK(parse("lookup --help", &o, err) == 0 && o.help,
	      "opts: --help needs no other argument");
	CHECK(parse("--version", &o, err) == 0 && o.version, "opts: --version");
	CHECK(strstr(ps_cmd_help(PS_CMD_PINS), "--sort") != NULL,
	      "opts: pins help mentions --sort");
	CHECK(strstr(ps_cmd_help(PS_CMD_VERDICTS), "--all") != NULL &&
	      strstr(ps_cmd_help(PS_CMD_VERDICTS), "--raw") != NULL &&
	      strstr(ps_cmd_help(PS_CMD_COW), "--raw") != NULL &&
	      strstr(ps_cmd_help(PS_CMD_POLICIES), "sticky") != NULL,
	      "opts: verdicts, cow, policies help name their options");
	CHECK(strstr(ps_exit_help, "5  pinshadow module not loaded") != NULL,
	      "opts: exit statuses documented");
}

static void bad(void)
{
	static const char *const lines[] = {
		"",
		"bogus",
		"--bogus",
		"status --pid 1",
		"status extra",
		"pins --pid",
		"pins --pid 0",
		"pins --pid -3",
		"pins --pid abc",
		"pins --pid 0x10",
		"pins --pid 99999999999",
		"pins --sort size",
		"pins --longterm=1",
		"pins --follow",
		"lookup",
		"lookup --pid 1",
		"lookup --addr 0x1000",
		"lookup --pid 1 --addr xyz",
		"lookup --pfn 1 --pid 1 --addr 2",
		"lookup --pfn -1",
		"watch --interval 0",
		"watch --interval -1",
		"watch --interval 1.",
		"watch --interval 100000",
		"watch --count 0",
		"watch --count many",
		"help bogus",
		"cow --follow=yes",
		"cow --all",
		"policies --all",
		"policies --follow",
		"pins --raw",
		"status --raw",
		"status --stat",
		"status --stat=",
		"status --stat=a\tb",
		"pins --stat pins_outstanding",
		"verdicts --follow",
		"verdicts --all=1",
	};
	char err[PS_ERR_LEN];
	struct ps_opts o;
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		int ret = parse(lines[i], &o, err);

		CHECK(ret == PS_EXIT_USAGE && err[0],
		      "opts: \"%s\" is a usage error (%s)", lines[i], err);
	}
}

static void durations(void)
{
	static const struct { const char *s; int64_t ms; } good[] = {
		{ "500ms", 500 }, { "10s", 10000 }, { "5m", 300000 },
		{ "2h", 7200000 }, { "1d", 86400000 }, { "1.5s", 1500 },
		{ "2", 2000 }, { "0", 0 }, { "0.25m", 15000 },
	};
	static const char *const bad[] = {
		"", "ms", "5x", "-1s", "1.s", "5 s", "1e3", "10sec",
	};
	int64_t ms;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK(ps_parse_duration(good[i].s, &ms) && ms == good[i].ms,
		      "opts: duration \"%s\" is %lld ms", good[i].s,
		      (long long)good[i].ms);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(!ps_parse_duration(bad[i], &ms),
		      "opts: \"%s\" is not a duration", bad[i]);
}

/* Short forms and "--": the same options as the long ones. */
static void short_forms(void)
{
	char err[PS_ERR_LEN];
	struct ps_opts o;

	CHECK(parse("pins -p 42 -l -s age -o -t 5m -c fio -b stack", &o, err) == 0 &&
	      o.pid == 42 && o.longterm && o.sort == PS_SORT_AGE && o.orphaned &&
	      o.older_than_ms == 300000 && !strcmp(o.comm, "fio") && o.by_stack,
	      "opts: pins, every short option: %s", err);
	CHECK(parse("pins -lop42", &o, err) == 0 && o.longterm && o.orphaned &&
	      o.pid == 42, "opts: bundled short options");
	CHECK(parse("lookup -p 7 -a 0x1000", &o, err) == 0 && o.pid == 7 &&
	      o.have_addr && o.addr == 0x1000, "opts: lookup -p -a");
	CHECK(parse("lookup -f 0x10", &o, err) == 0 && o.have_pfn && o.pfn == 0x10,
	      "opts: lookup -f");
	CHECK(parse("watch -i 0.5 -n 3 -b", &o, err) == 0 && o.interval_ms == 500 &&
	      o.count == 3 && o.batch, "opts: watch -i -n -b");
	CHECK(parse("cow -f -r -j", &o, err) == 0 && o.follow && o.raw && o.json,
	      "opts: cow -f -r -j");
	CHECK(parse("verdicts -a -r", &o, err) == 0 && o.all && o.raw,
	      "opts: verdicts -a -r");
	CHECK(parse("--from /x pins", &o, err) == 0 && !strcmp(o.from, "/x"),
	      "opts: --from before the command");
	CHECK(parse("pins --from=/y", &o, err) == 0 && !strcmp(o.from, "/y"),
	      "opts: --from after the command");
	CHECK(parse("save /tmp/s", &o, err) == 0 && o.cmd == PS_CMD_SAVE &&
	      o.nargs == 1 && !strcmp(o.args[0], "/tmp/s"), "opts: save DIR");
	CHECK(parse("diff a -j b", &o, err) == 0 && o.cmd == PS_CMD_DIFF &&
	      o.nargs == 2 && !strcmp(o.args[1], "b") && o.json,
	      "opts: diff DIR1 DIR2, an option between");
	CHECK(parse("save -- -odd", &o, err) == 0 && !strcmp(o.args[0], "-odd"),
	      "opts: after --, an operand that looks like an option");
	CHECK(parse("pins -x", &o, err) == PS_EXIT_USAGE &&
	      !strcmp(err, "pins: unknown option \"-x\""), "opts: unknown short option: %s", err);
	CHECK(parse("pins -p", &o, err) == PS_EXIT_USAGE &&
	      !strcmp(err, "pins: -p needs a value"), "opts: missing value: %s", err);
	CHECK(parse("save", &o, err) == PS_EXIT_USAGE, "opts: save without DIR");
	CHECK(parse("diff a b c", &o, err) == PS_EXIT_USAGE, "opts: diff with three");
	CHECK(parse("watch --from /x", &o, err) == PS_EXIT_USAGE,
	      "opts: watch reads the live module");
	CHECK(parse("pins -b process", &o, err) == PS_EXIT_USAGE, "opts: --by stack only");
	CHECK(parse("pins -c a_comm_much_longer_than_any_task_comm", &o, err) ==
	      PS_EXIT_USAGE, "opts: --comm too long");
}

void test_opts(void)
{
	durations();
	short_forms();
	good();
	help();
	bad();
}
