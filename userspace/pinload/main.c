// SPDX-License-Identifier: GPL-2.0
/* pinload: pick a scenario and run it.  See pinload.h. */
#include <stdio.h>
#include <string.h>

#include "pinload.h"

static const char usage[] =
	"Usage: pinload SCENARIO [options]\n"
	"\n"
	"Workloads that pin real memory.  Each prints what it pinned as\n"
	"key=value lines (scenario=NAME pid=... addr=... pages=...), then holds\n"
	"the pins for --hold seconds or until SIGINT/SIGTERM (\"holding\" line).\n"
	"\n"
	"  iouring --size S [--thp] [--unmap] [--hold SEC]\n"
	"      register S bytes (8M, 1G) as io_uring fixed buffers: long-term\n"
	"      pins; --thp backs them with MADV_HUGEPAGE memory; --unmap unmaps\n"
	"      the buffer while the ring keeps it pinned.  Holds until a signal\n"
	"      unless --hold is given.\n"
	"  vm-readv --pages N [--loops L | --hold SEC]\n"
	"      a child reads N pages of this process with process_vm_readv, L\n"
	"      times (default 1) or for SEC seconds: transient pins.\n"
	"  vmsplice [--count N] [--hold SEC]\n"
	"      vmsplice one order-0 page into pipes until it has N references\n"
	"      (default 1100 > 1024): looks pinned to the kernel, has no pin.\n"
	"  fork [--pages N] [--thp] [--children C] [--hold SEC]\n"
	"      pin N pages (default 16) with io_uring, fork C children (default\n"
	"      1) that write their copy and exit; checks the parent's buffer.\n"
	"\n"
	"Exit status: 0 success, 1 failure, 2 bad arguments.\n";

int main(int argc, char **argv)
{
	/* Each scenario's options besides --hold, and their defaults. */
	static const struct {
		const char *name;
		int (*run)(const struct pl_vals *v);
		struct pl_vals defaults;
		struct pl_opt opts[4];
	} scenarios[] = {
		{ "iouring", pl_iouring, { .hold = PL_HOLD_FOREVER }, {
			PL_FLAG("--thp", thp),
			PL_FLAG("--unmap", unmap),
			PL_SIZE("--size", size, "a size like 8M"),
			PL_END } },
		{ "vm-readv", pl_vm_readv, { .loops = 1 }, {
			PL_COUNT("--pages", pages, 1ULL << 28, "a page count"),
			PL_COUNT("--loops", loops, 0, "a count"),
			PL_END } },
		{ "vmsplice", pl_vmsplice,
		  { .count = 1100, .hold = PL_HOLD_FOREVER }, {
			PL_COUNT("--count", count, 1000000, "a reference count"),
			PL_END } },
		{ "fork", pl_fork, { .pages = 16, .children = 1 }, {
			PL_FLAG("--thp", thp),
			PL_COUNT("--pages", pages, 1ULL << 28, "a page count"),
			PL_COUNT("--children", children, 1000, "1..1000"),
			PL_END } },
	};
	struct pl_args a = { argc, argv, 2 };
	size_t i;

	if (argc < 2)
		return pl_usage("%s", "no scenario given");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		fputs(usage, stdout);
		return PL_EXIT_OK;
	}
	for (i = 1; i < (size_t)argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			return PL_EXIT_OK;
		}
	}
	for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		struct pl_vals v = scenarios[i].defaults;
		int ret;

		if (strcmp(argv[1], scenarios[i].name))
			continue;
		ret = pl_parse_opts(&a, scenarios[i].name, scenarios[i].opts,
				    &v);
		return ret ? ret : scenarios[i].run(&v);
	}
	return pl_usage("unknown scenario \"%s\"", argv[1]);
}
