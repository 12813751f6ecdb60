/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pinload: workloads that pin real memory, for the demo, the tests and the
 * benchmarks.  Each scenario prints what it pinned as "key=value" lines a
 * script can pick apart, then holds the pins for --hold seconds or until
 * SIGINT/SIGTERM.
 */
#ifndef PINLOAD_H
#define PINLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PL_HPAGE_SIZE	(2UL << 20)
#define PL_HOLD_FOREVER	(-1L)

/* Exit statuses. */
#define PL_EXIT_OK	0
#define PL_EXIT_FAIL	1
#define PL_EXIT_USAGE	2

/* Arguments left after the scenario name, parsed by each scenario. */
struct pl_args {
	int argc;
	char **argv;
	int i;
};

/*
 * Every scenario's options, each scenario's defaults (main.c) and then
 * what its command line says.
 */
struct pl_vals {
	uint64_t size;		/* iouring --size */
	uint64_t pages;		/* vm-readv, fork --pages */
	uint64_t loops;		/* vm-readv --loops */
	uint64_t count;		/* vmsplice --count */
	uint64_t children;	/* fork --children */
	long hold;		/* --hold, which every scenario takes */
	bool thp;		/* iouring, fork --thp */
	bool unmap;		/* iouring --unmap */
};

/* A scenario's option: a flag, or "--name value" parsed as @kind says. */
enum pl_opt_kind {
	PL_OPT_FLAG,	/* bool, set when given */
	PL_OPT_SIZE,	/* uint64_t bytes, pl_parse_size() */
	PL_OPT_COUNT,	/* uint64_t, 1..max (0: no bound), pl_parse_count() */
	PL_OPT_HOLD,	/* long seconds, pl_parse_hold() */
};

struct pl_opt {
	const char *name;	/* "--pages"; NULL ends a table */
	enum pl_opt_kind kind;
	size_t off;		/* the field of struct pl_vals it sets */
	uint64_t max;
	const char *wants;	/* "a page count": what a bad value lacked */
};

/* Entries of a table of options, which PL_END ends; @f a pl_vals field. */
#define PL_OPT(n, k, f, m, w)						\
	{ .name = n, .kind = k, .off = offsetof(struct pl_vals, f),	\
	  .max = m, .wants = w }
#define PL_FLAG(n, f)		PL_OPT(n, PL_OPT_FLAG, f, 0, NULL)
#define PL_SIZE(n, f, w)	PL_OPT(n, PL_OPT_SIZE, f, 0, w)
#define PL_COUNT(n, f, m, w)	PL_OPT(n, PL_OPT_COUNT, f, m, w)
#define PL_END	{ .name = NULL }

/*
 * Parses the rest of @a against @opts and --hold into @v; PL_EXIT_OK, or
 * PL_EXIT_USAGE after saying which option of @scenario was wrong.  A size
 * or count still 0 (its default) was required: a given one is at least 1.
 */
int pl_parse_opts(struct pl_args *a, const char *scenario,
		  const struct pl_opt *opts, struct pl_vals *v);
/* Option parsing: "8M", "1G", "4096", "16K"; seconds as an integer. */
bool pl_parse_size(const char *s, uint64_t *bytes);
bool pl_parse_count(const char *s, uint64_t *v);
bool pl_parse_hold(const char *s, long *seconds);
int pl_usage(const char *fmt, const char *arg);

/* Anonymous memory, touched; 2 MiB aligned and MADV_HUGEPAGE with @thp. */
void *pl_alloc(size_t bytes, bool thp);
/* PFN that @addr maps (root only; 0 if unknown). */
uint64_t pl_pfn(const void *addr);
/* How many 2 MiB chunks of [addr, addr+bytes) a THP backs; -1 unknown. */
long pl_thp_chunks(const void *addr, size_t bytes);

/* Hold for @seconds (PL_HOLD_FOREVER: until a signal); true if signalled. */
bool pl_hold(long seconds);
void pl_catch_signals(void);
extern volatile int pl_stop;

/* The scenarios, with their options parsed. */
int pl_iouring(const struct pl_vals *v);
int pl_vm_readv(const struct pl_vals *v);
int pl_vmsplice(const struct pl_vals *v);
int pl_fork(const struct pl_vals *v);

/*
 * @*bytes rounded up to whole pages (to 2 MiB ones with @thp), mapped at
 * and registered as the fixed buffers of a new @ring: the pins.  Returns
 * the buffer, or NULL after saying what failed.
 */
struct io_uring;
void *pl_ring_buf(struct io_uring *ring, size_t *bytes, bool thp);

#endif /* PINLOAD_H */
