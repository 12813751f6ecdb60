// SPDX-License-Identifier: GPL-2.0
/*
 * Each command lists the options it takes; an option another command takes
 * is still an error here, so that a typo never silently does nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcodes.h"
#include "opts.h"
#include "parse.h"

enum opt_id {
	O_PID, O_LONGTERM, O_SORT, O_ADDR, O_PFN, O_INTERVAL, O_COUNT,
	O_FOLLOW, O_RAW, O_ALL, NR_OPTS
};

struct opt_def {
	const char *name;
	bool has_value;
};

static const struct opt_def opt_defs[NR_OPTS] = {
	[O_PID] = { "pid", true },
	[O_LONGTERM] = { "longterm", false },
	[O_SORT] = { "sort", true },
	[O_ADDR] = { "addr", true },
	[O_PFN] = { "pfn", true },
	[O_INTERVAL] = { "interval", true },
	[O_COUNT] = { "count", true },
	[O_FOLLOW] = { "follow", false },
	[O_RAW] = { "raw", false },
	[O_ALL] = { "all", false },
};

struct cmd_def {
	const char *name;
	unsigned int opts;	/* bit per enum opt_id */
	const char *help;
};

#define BIT(o)	(1u << (o))

#define COMMON_HELP \
	"\nCommon options:\n" \
	"  --json     one JSON document on stdout (errors too: {\"error\": ...})\n" \
	"  --help     this text\n\n"

static const struct cmd_def cmds[PS_NR_CMDS] = {
	[PS_CMD_NONE] = { "pinshadow", 0,
		"Usage: pinshadow [--json] COMMAND [options]\n"
		"\n"
		"Exact DMA-pin (FOLL_PIN) accounting from the pinshadow kernel module.\n"
		"\n"
		"Commands:\n"
		"  status     module, kernel, probes, totals and the self-check verdict\n"
		"  pins       pinned pages mapped back to processes and addresses\n"
		"  lookup     one page, by process address or by PFN\n"
		"  watch      a refreshing view of the biggest and oldest pinners\n"
		"  verdicts   the kernel's pin heuristic against the exact counts\n"
		"  cow        copy-on-write decisions taken at fork (--follow)\n"
		"  policies   fork decisions replayed under other copy policies\n"
		"  help [COMMAND]\n"
		"\n"
		"Run as root: the module's files are in /sys/kernel/debug/pinshadow.\n"
		"`pinshadow COMMAND --help` describes each command.\n"
		COMMON_HELP },
	[PS_CMD_STATUS] = { "status", 0,
		"Usage: pinshadow status [--json]\n"
		"\n"
		"Whether the module is loaded, the kernel, which probes are armed, the\n"
		"totals from `stats`, and a self-check verdict: the ledger agrees with the\n"
		"kernel's vmstat pin counters (vmstat_acquired + vmstat_bypass_pins ==\n"
		"pins_acquired, vmstat_released == pins_released, acquired - released ==\n"
		"outstanding), and no probe event was missed or lost.  Exits 8 when the\n"
		"self-check fails.\n"
		COMMON_HELP },
	[PS_CMD_PINS] = { "pins", BIT(O_PID) | BIT(O_LONGTERM) | BIT(O_SORT),
		"Usage: pinshadow pins [--pid P] [--longterm] [--sort count|age|pid] [--json]\n"
		"\n"
		"Pinned pages mapped back to the processes that map them (via\n"
		"/proc/PID/maps and /proc/PID/pagemap), one line per run of consecutive\n"
		"pinned pages of one process and mapping.  A run spans whole folios: a\n"
		"pinned subpage of a THP stands for the folio.  Pages no process maps are\n"
		"listed as PFN ranges.\n"
		"\n"
		"  --pid P       only pages mapped by process P\n"
		"  --longterm    only pages with FOLL_LONGTERM pins\n"
		"  --sort KEY    count (most pins first, the default), age (oldest\n"
		"                first) or pid\n"
		COMMON_HELP },
	[PS_CMD_LOOKUP] = { "lookup", BIT(O_PID) | BIT(O_ADDR) | BIT(O_PFN),
		"Usage: pinshadow lookup --pid P --addr A [--json]\n"
		"       pinshadow lookup --pfn N [--json]\n"
		"\n"
		"What pinshadow and the kernel know about one page: exact pin count,\n"
		"long-term pins, the kernel's maybe-pinned verdict, refcount, folio order\n"
		"and pincount, and who pinned it when.  A and N are decimal or 0x hex.\n"
		"The page must be present: lookup never faults it in.\n"
		COMMON_HELP },
	[PS_CMD_WATCH] = { "watch", BIT(O_INTERVAL) | BIT(O_COUNT),
		"Usage: pinshadow watch [--interval S] [--count N] [--json]\n"
		"\n"
		"A refreshing view of the processes holding the most pins and the\n"
		"oldest pins.  Stops on Ctrl-C, or after N refreshes.  With --json, one\n"
		"JSON array of snapshots, closed when it stops.\n"
		"\n"
		"  --interval S  seconds between refreshes (default 2, may be 0.5)\n"
		"  --count N     stop after N refreshes\n"
		COMMON_HELP },
	[PS_CMD_VERDICTS] = { "verdicts", BIT(O_RAW) | BIT(O_ALL),
		"Usage: pinshadow verdicts [--all] [--raw] [--json]\n"
		"\n"
		"The kernel's guess, folio_maybe_dma_pinned(), against the exact counts:\n"
		"a truth table with precision and false-positive rate, then the\n"
		"mismatches as runs of consecutive PFNs with the same cause, order and\n"
		"maybe_pinned (at most 50 runs; --json has them all), then the pages\n"
		"per cause.  Exits 7 if this module version has no such table.\n"
		"\n"
		"  --all      scan every page of RAM, not only the tracked regions\n"
		"             (writes \"scan all\" to control, then \"scan tracked\")\n"
		"  --raw      the module's verdicts file unchanged, one row per page\n"
		COMMON_HELP },
	[PS_CMD_COW] = { "cow", BIT(O_FOLLOW) | BIT(O_RAW),
		"Usage: pinshadow cow [--follow] [--raw] [--json]\n"
		"\n"
		"The copy-on-write decisions the module audited at fork and on write\n"
		"faults: consecutive pages of one process with the same decision,\n"
		"exclusive, maybe_pinned and verdict, whose addresses and PFNs advance\n"
		"together, are one line (ranges end exclusive; COUNT is the range of\n"
		"exact pin counts); then the audit's totals.  Exits 7 if this module\n"
		"version has no such table.\n"
		"\n"
		"  --follow   keep printing new events, grouped per read, until Ctrl-C\n"
		"  --raw      the module's cow_audit rows unchanged, one per page\n"
		COMMON_HELP },
	[PS_CMD_POLICIES] = { "policies", BIT(O_RAW),
		"Usage: pinshadow policies [--raw] [--json]\n"
		"\n"
		"Every page decision the COW audit saw at fork, replayed under four\n"
		"policies: kernel (MMF_HAS_PINNED && folio_maybe_dma_pinned()), exact\n"
		"(exact pin count > 0), sticky (ever pinned since load) and pmd (any page\n"
		"of the same 2 MiB range pinned): pages each copies, needless copies\n"
		"(no pin) and unsafe shares (a pinned page shared).  Exits 7 if this\n"
		"module version has no such table.\n"
		"\n"
		"  --raw      the module's policies file unchanged\n"
		COMMON_HELP },
	[PS_CMD_HELP] = { "help", 0,
		"Usage: pinshadow help [COMMAND]\n"
		COMMON_HELP },
};

const char *ps_cmd_name(enum ps_cmd cmd)
{
	return cmd < PS_NR_CMDS ? cmds[cmd].name : "?";
}

const char *ps_cmd_help(enum ps_cmd cmd)
{
	return cmd < PS_NR_CMDS ? cmds[cmd].help : cmds[PS_CMD_NONE].help;
}

static enum ps_cmd find_cmd(const char *name)
{
	int i;

	for (i = PS_CMD_STATUS; i < PS_NR_CMDS; i++)
		if (!strcmp(cmds[i].name, name))
			return (enum ps_cmd)i;
	return PS_CMD_NONE;
}

static int usage_error(char *err, const char *fmt, const char *arg)
{
	snprintf(err, PS_ERR_LEN, fmt, arg);
	return PS_EXIT_USAGE;
}

/* "1", "0.5", "2.25": seconds to milliseconds, 0 < ms <= one day. */
static bool parse_seconds(const char *s, unsigned int *ms)
{
	uint64_t whole = 0, frac = 0, scale = 1000;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		whole = whole * 10 + (uint64_t)(*p - '0');
		if (whole > 86400)
			return false;
	}
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return false;
		for (; *p >= '0' && *p <= '9'; p++) {
			if (scale > 1) {
				scale /= 10;
				frac += (uint64_t)(*p - '0') * scale;
			}
		}
	}
	if (*p)
		return false;
	whole = whole * 1000 + frac;
	if (whole == 0 || whole > 86400000)
		return false;
	*ms = (unsigned int)whole;
	return true;
}

static int set_option(struct ps_opts *o, enum opt_id id, const char *val,
		      char *err)
{
	uint64_t x;

	switch (id) {
	case O_PID:
		if (!ps_parse_u64(val, &x) || x == 0 || x > 0x7fffffff ||
		    val[0] == '0')
			return usage_error(err, "--pid: \"%s\" is not a process id", val);
		o->pid = (int)x;
		break;
	case O_LONGTERM:
		o->longterm = true;
		break;
	case O_SORT:
		if (!strcmp(val, "count"))
			o->sort = PS_SORT_COUNT;
		else if (!strcmp(val, "age"))
			o->sort = PS_SORT_AGE;
		else if (!strcmp(val, "pid"))
			o->sort = PS_SORT_PID;
		else
			return usage_error(err, "--sort: \"%s\" is not one of count, age, pid", val);
		break;
	case O_ADDR:
		if (!ps_parse_u64(val, &o->addr))
			return usage_error(err, "--addr: \"%s\" is not an address (decimal or 0x hex)", val);
		o->have_addr = true;
		break;
	case O_PFN:
		if (!ps_parse_u64(val, &o->pfn))
			return usage_error(err, "--pfn: \"%s\" is not a page frame number (decimal or 0x hex)", val);
		o->have_pfn = true;
		break;
	case O_INTERVAL:
		if (!parse_seconds(val, &o->interval_ms))
			return usage_error(err, "--interval: \"%s\" is not a number of seconds (0 < S <= 86400)", val);
		break;
	case O_COUNT:
		if (!ps_parse_u64(val, &x) || x == 0 || x > 1000000000)
			return usage_error(err, "--count: \"%s\" is not a positive number", val);
		o->count = (long)x;
		break;
	case O_FOLLOW:
		o->follow = true;
		break;
	case O_RAW:
		o->raw = true;
		break;
	case O_ALL:
		o->all = true;
		break;
	case NR_OPTS:
		break;
	}
	return 0;
}

/* One "--name[=value]" at argv[*i]; may consume the next argument. */
static int parse_option(int argc, char *const argv[], int *i,
			struct ps_opts *o, char *err)
{
	const char *arg = argv[*i] + 2, *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	const char *val = eq ? eq + 1 : NULL;
	int id;

	for (id = 0; id < NR_OPTS; id++)
		if (strlen(opt_defs[id].name) == len &&
		    !strncmp(opt_defs[id].name, arg, len))
			break;
	if (id == NR_OPTS || !(cmds[o->cmd].opts & BIT(id))) {
		if (o->cmd == PS_CMD_NONE)
			return usage_error(err, "unknown option \"%s\" (give a command first)", argv[*i]);
		snprintf(err, PS_ERR_LEN, "%s: unknown option \"%s\"",
			 cmds[o->cmd].name, argv[*i]);
		return PS_EXIT_USAGE;
	}
	if (!opt_defs[id].has_value) {
		if (val)
			return usage_error(err, "%s takes no value", argv[*i]);
		return set_option(o, (enum opt_id)id, NULL, err);
	}
	if (!val) {
		if (*i + 1 >= argc)
			return usage_error(err, "%s needs a value", argv[*i]);
		val = argv[++*i];
	}
	return set_option(o, (enum opt_id)id, val, err);
}

/* Combinations no single option can check. */
static int check_combination(struct ps_opts *o, char *err)
{
	if (o->cmd == PS_CMD_LOOKUP) {
		if (o->have_pfn && (o->have_addr || o->pid > 0))
			return usage_error(err, "%s", "lookup: give either --pfn, or --pid and --addr");
		if (!o->have_pfn && !(o->have_addr && o->pid > 0))
			return usage_error(err, "%s", "lookup: needs --pfn N, or --pid P and --addr A");
	}
	return 0;
}

int ps_parse_opts(int argc, char *const argv[], struct ps_opts *o,
		  char *err)
{
	int i, ret;

	memset(o, 0, sizeof(*o));
	o->pid = -1;
	o->count = -1;
	o->interval_ms = 2000;
	o->sort = PS_SORT_COUNT;
	err[0] = '\0';
	/* Known first, so that a usage error is reported as JSON too. */
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--json"))
			o->json = true;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--json")) {
			o->json = true;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			o->help = true;
		} else if (!strcmp(a, "--version") && o->cmd == PS_CMD_NONE) {
			o->version = true;
		} else if (a[0] == '-' && a[1] == '-' && a[2]) {
			ret = parse_option(argc, argv, &i, o, err);
			if (ret)
				return ret;
		} else if (o->cmd == PS_CMD_NONE) {
			o->cmd = find_cmd(a);
			if (o->cmd == PS_CMD_NONE)
				return usage_error(err, "unknown command \"%s\" (try pinshadow --help)", a);
		} else if (o->cmd == PS_CMD_HELP && o->help_for == PS_CMD_NONE) {
			o->help_for = find_cmd(a);
			if (o->help_for == PS_CMD_NONE)
				return usage_error(err, "help: unknown command \"%s\"", a);
		} else {
			snprintf(err, PS_ERR_LEN, "%s: unexpected argument \"%s\"",
				 cmds[o->cmd].name, a);
			return PS_EXIT_USAGE;
		}
	}
	if (o->cmd == PS_CMD_HELP) {
		o->help = true;
		return 0;
	}
	if (o->help) {
		o->help_for = o->cmd;
		return 0;
	}
	if (o->version)
		return 0;
	if (o->cmd == PS_CMD_NONE)
		return usage_error(err, "%s", "no command given (try pinshadow --help)");
	return check_combination(o, err);
}
