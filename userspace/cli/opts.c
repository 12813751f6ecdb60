// SPDX-License-Identifier: GPL-2.0
/*
 * Each command lists the options it takes; an option another command takes
 * is still an error here, so that a typo never silently does nothing.
 */
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcodes.h"
#include "opts.h"
#include "parse.h"

enum opt_id {
	O_PID, O_LONGTERM, O_SORT, O_ADDR, O_PFN, O_INTERVAL, O_COUNT,
	O_FOLLOW, O_RAW, O_ALL, O_BATCH, O_ORPHANED, O_OLDER, O_COMM, O_BY,
	O_STAT, NR_OPTS,
	/* Taken by every command. */
	O_JSON = NR_OPTS, O_HELP, O_FROM, O_VERSION
};

struct opt_def {
	const char *name;
	bool has_value;
	char letter;		/* the short form; unique within a command */
	size_t flag;		/* no value: the bool of ps_opts it sets */
};

/* An option without a value: it sets ps_opts' bool @field. */
#define FLAG_OPT(name, letter, field)					\
	{ name, false, letter, offsetof(struct ps_opts, field) }

static const struct opt_def opt_defs[NR_OPTS] = {
	[O_PID] = { "pid", true, 'p' },
	[O_LONGTERM] = FLAG_OPT("longterm", 'l', longterm),
	[O_SORT] = { "sort", true, 's' },
	[O_ADDR] = { "addr", true, 'a' },
	[O_PFN] = { "pfn", true, 'f' },
	[O_INTERVAL] = { "interval", true, 'i' },
	[O_COUNT] = { "count", true, 'n' },
	[O_FOLLOW] = FLAG_OPT("follow", 'f', follow),
	[O_RAW] = FLAG_OPT("raw", 'r', raw),
	[O_ALL] = FLAG_OPT("all", 'a', all),
	[O_BATCH] = FLAG_OPT("batch", 'b', batch),
	[O_ORPHANED] = FLAG_OPT("orphaned", 'o', orphaned),
	[O_OLDER] = { "older-than", true, 't' },
	[O_COMM] = { "comm", true, 'c' },
	[O_BY] = { "by", true, 'b' },
	[O_STAT] = { "stat", true, 's' },
};

struct cmd_def {
	const char *name;
	unsigned int opts;	/* bit per enum opt_id */
	int min_args, max_args;	/* operands after the options */
	const char *help;
};

#define BIT(o)	(1u << (o))

#define COMMON_HELP \
	"\nCommon options:\n" \
	"  -j, --json        JSON on stdout, in the envelope of pinshadow(8)\n" \
	"                    (errors too: {..., \"error\": ...})\n" \
	"      --from DIR    read a directory `pinshadow save` wrote, not debugfs\n" \
	"  -h, --help        this text\n\n"

static const struct cmd_def cmds[PS_NR_CMDS] = {
	[PS_CMD_NONE] = { "pinshadow", 0, 0, 0,
		"Usage: pinshadow [--json] [--from DIR] COMMAND [options] [--] [ARGS]\n"
		"       pinshadow --version\n"
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
		"  save DIR   store the module's files and the pinners' maps in DIR\n"
		"  diff DIR1 DIR2\n"
		"             pins that appeared, vanished or persisted between saves\n"
		"  help [COMMAND]\n"
		"\n"
		"Run as root: the module's files are in /sys/kernel/debug/pinshadow.\n"
		"`pinshadow COMMAND --help` describes each command.\n"
		COMMON_HELP },
	[PS_CMD_STATUS] = { "status", BIT(O_STAT), 0, 0,
		"Usage: pinshadow status [-s NAME] [--json]\n"
		"\n"
		"Whether the module is loaded, the kernel, which probes are armed, the\n"
		"totals from `stats`, and a self-check verdict: the ledger agrees with the\n"
		"kernel's vmstat pin counters (vmstat_acquired + vmstat_bypass_pins ==\n"
		"pins_acquired, vmstat_released == pins_released, acquired - released ==\n"
		"outstanding), and no probe event was missed or lost.  Counts orphaned\n"
		"pins (their task exited) where the module says.  Exits 8 when the\n"
		"self-check fails.\n"
		"\n"
		"  -s, --stat NAME   only the value of the line NAME of `stats`, for\n"
		"                    scripts (no self-check); exits 7 if the module\n"
		"                    has no such line\n"
		COMMON_HELP },
	[PS_CMD_PINS] = { "pins", BIT(O_PID) | BIT(O_LONGTERM) | BIT(O_SORT) |
		BIT(O_ORPHANED) | BIT(O_OLDER) | BIT(O_COMM) | BIT(O_BY), 0, 0,
		"Usage: pinshadow pins [-p PID] [-c COMM] [-l] [-o] [-t DURATION]\n"
		"                      [-s count|age|pid] [-b stack] [--json]\n"
		"\n"
		"Pinned pages mapped back to the processes that map them (via\n"
		"/proc/PID/maps and /proc/PID/pagemap), one line per run of consecutive\n"
		"pinned pages of one process and mapping.  A run spans whole folios: a\n"
		"pinned subpage of a THP stands for the folio.  Pages no process maps are\n"
		"listed as PFN ranges.\n"
		"\n"
		"  -p, --pid P          only pages mapped by process P\n"
		"  -c, --comm NAME      only pins taken by a task named NAME\n"
		"  -l, --longterm       only pages with FOLL_LONGTERM pins\n"
		"  -o, --orphaned       only pins whose task has exited (leaks)\n"
		"  -t, --older-than D   only pins older than D: 500ms, 10s, 5m, 2h, 1d\n"
		"  -s, --sort KEY       count (most pins first, the default), age (oldest\n"
		"                       first) or pid\n"
		"  -b, --by stack       group the pinned pages by the kernel stack that\n"
		"                       pinned them (pages, runs, then the frames)\n"
		COMMON_HELP },
	[PS_CMD_LOOKUP] = { "lookup", BIT(O_PID) | BIT(O_ADDR) | BIT(O_PFN), 0, 0,
		"Usage: pinshadow lookup -p PID -a ADDR [--json]\n"
		"       pinshadow lookup -f PFN [--json]\n"
		"\n"
		"What pinshadow and the kernel know about one page: exact pin count,\n"
		"long-term pins, the kernel's maybe-pinned verdict, refcount, folio order\n"
		"and pincount, who pinned it when, and the kernel stack of that pin.\n"
		"ADDR and PFN are decimal or 0x hex.  The page must be present: lookup\n"
		"never faults it in.  With --from, the saved pins table is searched.\n"
		"\n"
		"  -p, --pid P      the process\n"
		"  -a, --addr A     a virtual address in it\n"
		"  -f, --pfn N      a page frame number instead\n"
		COMMON_HELP },
	[PS_CMD_WATCH] = { "watch", BIT(O_INTERVAL) | BIT(O_COUNT) | BIT(O_BATCH), 0, 0,
		"Usage: pinshadow watch [-i S] [-n N] [-b] [--json]\n"
		"\n"
		"A refreshing view of the processes holding the most pins and the\n"
		"oldest pins.  Stops on Ctrl-C, or after N refreshes.  With --json, one\n"
		"JSON object per line and refresh, written as it is taken.\n"
		"\n"
		"  -i, --interval S  seconds between refreshes (default 2, may be 0.5)\n"
		"  -n, --count N     stop after N refreshes\n"
		"  -b, --batch       no screen clearing, refreshes one after the other\n"
		"                    (the default when stdout is not a terminal)\n"
		COMMON_HELP },
	[PS_CMD_VERDICTS] = { "verdicts", BIT(O_RAW) | BIT(O_ALL), 0, 0,
		"Usage: pinshadow verdicts [-a] [-r] [--json]\n"
		"\n"
		"The kernel's guess, folio_maybe_dma_pinned(), against the exact counts:\n"
		"a truth table with precision and false-positive rate, then the\n"
		"mismatches as runs of consecutive PFNs with the same cause, order and\n"
		"maybe_pinned (at most 50 runs; --json has them all), then the pages\n"
		"per cause.  Exits 7 if this module version has no such table.\n"
		"\n"
		"  -a, --all   scan every page of RAM, not only the tracked regions\n"
		"              (writes \"scan all\" to control, then \"scan tracked\")\n"
		"  -r, --raw   the module's verdicts file unchanged, one row per page\n"
		COMMON_HELP },
	[PS_CMD_COW] = { "cow", BIT(O_FOLLOW) | BIT(O_RAW), 0, 0,
		"Usage: pinshadow cow [-f] [-r] [--json]\n"
		"\n"
		"The copy-on-write decisions the module audited at fork and on write\n"
		"faults: consecutive pages of one process with the same decision,\n"
		"exclusive, maybe_pinned and verdict, whose addresses and PFNs advance\n"
		"together, are one line (ranges end exclusive; COUNT is the range of\n"
		"exact pin counts); then the audit's totals.  Exits 7 if this module\n"
		"version has no such table.\n"
		"\n"
		"  -f, --follow   keep printing new events, grouped per read, until\n"
		"                 Ctrl-C; with --json one object per line and group\n"
		"  -r, --raw      the module's cow_audit rows unchanged, one per page\n"
		COMMON_HELP },
	[PS_CMD_POLICIES] = { "policies", BIT(O_RAW), 0, 0,
		"Usage: pinshadow policies [-r] [--json]\n"
		"\n"
		"Every page decision the COW audit saw at fork, replayed under five\n"
		"policies: kernel (MMF_HAS_PINNED && folio_maybe_dma_pinned()), exact\n"
		"(exact pin count > 0), sticky (ever pinned since load), pmd (any page\n"
		"of the same 2 MiB range pinned) and pte (a held pin taken through this\n"
		"mm at this address): pages each copies, needless copies (no pin) and\n"
		"unsafe shares (a pinned page shared).  Exits 7 if this module version\n"
		"has no such table.\n"
		"\n"
		"  -r, --raw   the module's policies file unchanged\n"
		COMMON_HELP },
	[PS_CMD_SAVE] = { "save", 0, 1, 1,
		"Usage: pinshadow save DIR [--json]\n"
		"\n"
		"Store every readable file of the module's debugfs directory in DIR\n"
		"(made if missing, and empty), with DIR/meta (time, kernel, versions)\n"
		"and, for each process that maps a pinned page or took a pin,\n"
		"DIR/proc/PID/{comm,maps,pinned} (pinned: which of its addresses map\n"
		"which pinned PFN).  `pinshadow --from DIR REPORT` reads it back.\n"
		COMMON_HELP },
	[PS_CMD_DIFF] = { "diff", 0, 2, 2,
		"Usage: pinshadow diff DIR1 DIR2 [--json]\n"
		"\n"
		"The pins of two saves compared: a pin (page, task, stack) only in DIR2\n"
		"appeared, only in DIR1 vanished, in both persisted.  Pages and pins of\n"
		"each, by process (the task that pinned) and by stack (the frames).\n"
		COMMON_HELP },
	[PS_CMD_HELP] = { "help", 0, 0, 1,
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

/* "1", "0.5", "2.25": @scale units to milliseconds (@scale ms each). */
static bool parse_scaled(const char *s, uint64_t scale_ms, uint64_t *ms)
{
	uint64_t whole = 0, frac = 0, div = 1;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		whole = whole * 10 + (uint64_t)(*p - '0');
		if (whole > 1000000000ULL)
			return false;
	}
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return false;
		for (; *p >= '0' && *p <= '9'; p++) {
			if (div < 1000000) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				div *= 10;
			}
		}
	}
	if (*p)
		return false;
	*ms = whole * scale_ms + frac * scale_ms / div;
	return true;
}

/* "1", "0.5", "2.25": seconds to milliseconds, 0 < ms <= one day. */
static bool parse_seconds(const char *s, unsigned int *ms)
{
	uint64_t x;

	if (!parse_scaled(s, 1000, &x) || x == 0 || x > 86400000)
		return false;
	*ms = (unsigned int)x;
	return true;
}

bool ps_parse_duration(const char *s, int64_t *ms)
{
	static const struct { const char *suffix; uint64_t ms; } units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
		{ "d", 86400000 },
	};
	char num[32];
	size_t len = strlen(s), i, k;
	uint64_t x;

	for (i = 0; i < len && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.'); i++)
		;
	if (i == 0 || i >= sizeof(num))
		return false;
	memcpy(num, s, i);
	num[i] = '\0';
	if (!s[i])
		return parse_scaled(num, 1000, &x) && (*ms = (int64_t)x, true);
	for (k = 0; k < sizeof(units) / sizeof(units[0]); k++) {
		if (strcmp(s + i, units[k].suffix))
			continue;
		if (!parse_scaled(num, units[k].ms, &x) || x > (1ULL << 52))
			return false;
		*ms = (int64_t)x;
		return true;
	}
	return false;
}

static int set_option(struct ps_opts *o, enum opt_id id, const char *val,
		      char *err)
{
	uint64_t x;

	if (id < NR_OPTS && !opt_defs[id].has_value) {
		*(bool *)((char *)o + opt_defs[id].flag) = true;
		return 0;
	}
	switch (id) {
	case O_PID:
		if (!ps_parse_u64(val, &x) || x == 0 || x > 0x7fffffff ||
		    val[0] == '0')
			return usage_error(err, "--pid: \"%s\" is not a process id", val);
		o->pid = (int)x;
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
	case O_OLDER:
		if (!ps_parse_duration(val, &o->older_than_ms))
			return usage_error(err, "--older-than: \"%s\" is not a duration (500ms, 10s, 5m, 2h, 1d)", val);
		break;
	case O_COMM:
		if (!val[0] || strlen(val) >= PS_COMM_LEN)
			return usage_error(err, "--comm: \"%s\" is not a task name", val);
		o->comm = val;
		break;
	case O_STAT:
		if (!val[0] || strpbrk(val, " \t\n"))
			return usage_error(err, "--stat: \"%s\" is not a name of a stats line", val);
		o->stat = val;
		break;
	case O_BY:
		if (strcmp(val, "stack"))
			return usage_error(err, "--by: \"%s\" is not \"stack\"", val);
		o->by_stack = true;
		break;
	case NR_OPTS:
	default:
		break;
	}
	return 0;
}

#define MAX_LONGOPTS	(NR_OPTS + 4)

/* The long options and the short-option string of command @cmd. */
static void build_opts(enum ps_cmd cmd, struct option *lo, char *so)
{
	size_t n = 0, k = 0;
	int id;

	so[k++] = ':';		/* a missing value is ':', not '?' */
	if (cmd == PS_CMD_NONE)
		so[k++] = '+';	/* stop at the command */
	so[k++] = 'j';
	so[k++] = 'h';
	lo[n++] = (struct option){ "json", no_argument, NULL, 'j' };
	lo[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	lo[n++] = (struct option){ "from", required_argument, NULL, 256 + O_FROM };
	if (cmd == PS_CMD_NONE) {
		so[k++] = 'V';
		lo[n++] = (struct option){ "version", no_argument, NULL, 'V' };
	}
	for (id = 0; id < NR_OPTS; id++) {
		if (!(cmds[cmd].opts & BIT(id)))
			continue;
		lo[n++] = (struct option){ opt_defs[id].name,
			opt_defs[id].has_value ? required_argument : no_argument,
			NULL, 256 + id };
		so[k++] = opt_defs[id].letter;
		if (opt_defs[id].has_value)
			so[k++] = ':';
	}
	if (so[0] == ':' && so[1] == '+') {	/* '+' must come first */
		so[0] = '+';
		so[1] = ':';
	}
	so[k] = '\0';
	lo[n] = (struct option){ NULL, 0, NULL, 0 };
}

/* The option of @cmd whose short form is @letter, or -1. */
static int opt_by_letter(enum ps_cmd cmd, int letter)
{
	int id;

	for (id = 0; id < NR_OPTS; id++)
		if ((cmds[cmd].opts & BIT(id)) && opt_defs[id].letter == letter)
			return id;
	return -1;
}

static int bad_option(enum ps_cmd cmd, const char *arg, char *err)
{
	if (cmd == PS_CMD_NONE)
		return usage_error(err, "unknown option \"%s\"", arg);
	snprintf(err, PS_ERR_LEN, "%s: unknown option \"%s\"", cmds[cmd].name,
		 arg);
	return PS_EXIT_USAGE;
}

/*
 * getopt_long over @argv[0..argc-1] (argv[0] is "pinshadow" or the
 * command) with @cmd's options.  Leaves the operands at argv[optind..].
 */
static int getopts(int argc, char **argv, enum ps_cmd cmd, struct ps_opts *o,
		   char *err)
{
	struct option lo[MAX_LONGOPTS + 1];
	char so[2 * MAX_LONGOPTS + 4], shortopt[3] = "-?";
	int ch, id, ret;

	build_opts(cmd, lo, so);
	optind = 0;		/* glibc: start afresh, argv may be another */
	opterr = 0;		/* the messages are ours */
	while ((ch = getopt_long(argc, argv, so, lo, NULL)) != -1) {
		const char *arg = argv[optind - 1];

		switch (ch) {
		case 'j':
			o->json = true;
			continue;
		case 'h':
			o->help = true;
			continue;
		case 'V':
			o->version = true;
			continue;
		case 256 + O_FROM:
			if (!optarg[0])
				return usage_error(err, "%s", "--from: no directory given");
			o->from = optarg;
			continue;
		case ':':
			if (optopt && optopt < 256) {
				shortopt[1] = (char)optopt;
				arg = shortopt;
			}
			snprintf(err, PS_ERR_LEN, "%s%s%s needs a value",
				 cmd ? cmds[cmd].name : "", cmd ? ": " : "", arg);
			return PS_EXIT_USAGE;
		case '?':
			if (optopt >= 256) {
				snprintf(err, PS_ERR_LEN, "%s%s%s takes no value",
					 cmd ? cmds[cmd].name : "",
					 cmd ? ": " : "", arg);
				return PS_EXIT_USAGE;
			}
			if (optopt) {
				shortopt[1] = (char)optopt;
				arg = shortopt;
			}
			return bad_option(cmd, arg, err);
		}
		id = ch >= 256 ? ch - 256 : opt_by_letter(cmd, ch);
		if (id < 0 || id >= NR_OPTS)
			return bad_option(cmd, arg, err);
		ret = set_option(o, (enum opt_id)id, optarg, err);
		if (ret)
			return ret;
	}
	return 0;
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
	if (o->from) {
		if (o->cmd == PS_CMD_WATCH || o->cmd == PS_CMD_SAVE ||
		    o->cmd == PS_CMD_DIFF || (o->cmd == PS_CMD_COW && o->follow) ||
		    (o->cmd == PS_CMD_VERDICTS && o->all)) {
			snprintf(err, PS_ERR_LEN, "%s%s: reads the live module, not a saved directory (--from)",
				 cmds[o->cmd].name, o->follow ? " --follow" :
				 o->all ? " --all" : "");
			return PS_EXIT_USAGE;
		}
	}
	return 0;
}

int ps_parse_opts(int argc, char *const argv[], struct ps_opts *o,
		  char *err)
{
	char *args[256];
	int i, n, ret;

	memset(o, 0, sizeof(*o));
	o->pid = -1;
	o->count = -1;
	o->interval_ms = 2000;
	o->sort = PS_SORT_COUNT;
	o->older_than_ms = -1;
	err[0] = '\0';
	if (argc > (int)(sizeof(args) / sizeof(args[0])) - 1)
		return usage_error(err, "%s", "too many arguments");
	/* Known first, so that a usage error is reported as JSON too. */
	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j"))
			o->json = true;

	/* getopt permutes: work on a copy of the pointers. */
	for (i = 0; i < argc; i++)
		args[i] = argv[i];
	args[argc] = NULL;
	ret = getopts(argc, args, PS_CMD_NONE, o, err);
	if (ret)
		return ret;
	i = optind;
	if (o->help || o->version || i >= argc) {
		if (i < argc)
			o->help_for = find_cmd(args[i]);
		if (o->help || o->version)
			return 0;
		return usage_error(err, "%s", "no command given");
	}
	o->cmd = find_cmd(args[i]);
	if (o->cmd == PS_CMD_NONE)
		return usage_error(err, "unknown command \"%s\"", args[i]);
	ret = getopts(argc - i, args + i, o->cmd, o, err);
	if (ret)
		return ret;
	n = argc - i - optind;
	if (o->help) {
		o->help_for = o->cmd;
		if (o->cmd != PS_CMD_HELP)
			return 0;
	}
	if (n > cmds[o->cmd].max_args) {
		snprintf(err, PS_ERR_LEN, "%s: unexpected argument \"%s\"",
			 cmds[o->cmd].name,
			 args[i + optind + cmds[o->cmd].max_args]);
		return PS_EXIT_USAGE;
	}
	if (n < cmds[o->cmd].min_args) {
		snprintf(err, PS_ERR_LEN, "%s: needs %s", cmds[o->cmd].name,
			 cmds[o->cmd].min_args == 1 ? "a directory" :
			 "two directories");
		return PS_EXIT_USAGE;
	}
	for (o->nargs = 0; o->nargs < n; o->nargs++)
		o->args[o->nargs] = args[i + optind + o->nargs];
	if (o->cmd == PS_CMD_HELP) {
		o->help = true;
		o->help_for = PS_CMD_NONE;
		if (n) {
			o->help_for = find_cmd(o->args[0]);
			if (o->help_for == PS_CMD_NONE)
				return usage_error(err, "help: unknown command \"%s\"",
						   o->args[0]);
		}
		return 0;
	}
	return check_combination(o, err);
}
