/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command-line parsing: `pinshadow [--json] [--from DIR] COMMAND [options]
 * [--] [ARGS]`, with getopt_long: short and long forms ("-p 100",
 * "--pid=100"), "--" ending the options.  --json, --help and --from are
 * also taken after the command.
 */
#ifndef PS_OPTS_H
#define PS_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runs.h"

enum ps_cmd {
	PS_CMD_NONE,
	PS_CMD_STATUS,
	PS_CMD_PINS,
	PS_CMD_LOOKUP,
	PS_CMD_WATCH,
	PS_CMD_VERDICTS,
	PS_CMD_COW,
	PS_CMD_POLICIES,
	PS_CMD_SAVE,
	PS_CMD_DIFF,
	PS_CMD_HELP,		/* `pinshadow help [COMMAND]` */
	PS_NR_CMDS
};

struct ps_opts {
	enum ps_cmd cmd;
	enum ps_cmd help_for;	/* with --help or `help CMD`: whose help */
	bool help;
	bool version;
	bool json;
	int pid;		/* pins --pid, lookup --pid; -1 if not given */
	bool longterm;
	enum ps_sort sort;
	bool have_addr;
	uint64_t addr;
	bool have_pfn;
	uint64_t pfn;
	unsigned int interval_ms;
	long count;		/* watch --count; -1 forever */
	bool follow;
	bool raw;		/* verdicts, cow, policies: the module's rows */
	bool all;		/* verdicts: scan all of RAM */
	bool batch;		/* watch: no screen clearing */
	bool orphaned;		/* pins: only pins of exited tasks */
	int64_t older_than_ms;	/* pins: only pins older; -1 if not given */
	const char *comm;	/* pins: only pins taken by tasks so named */
	bool by_stack;		/* pins --by stack */
	const char *stat;	/* status --stat NAME: that value only */
	const char *from;	/* --from DIR: a saved directory */
	const char *args[2];	/* save DIR; diff DIR1 DIR2 */
	int nargs;
};

/*
 * Parse argv[1..argc-1] into @o.  Returns 0, or PS_EXIT_USAGE with @err
 * (PS_ERR_LEN bytes) saying what was wrong.
 */
int ps_parse_opts(int argc, char *const argv[], struct ps_opts *o,
		  char *err);

/*
 * "500ms", "10s", "5m", "2h", "1d", "1.5s" (a bare number is seconds) to
 * milliseconds.  false if malformed.
 */
bool ps_parse_duration(const char *s, int64_t *ms);

/* The command's name ("pins"), and its --help text. */
const char *ps_cmd_name(enum ps_cmd cmd);
const char *ps_cmd_help(enum ps_cmd cmd);

#endif /* PS_OPTS_H */
