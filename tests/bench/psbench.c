// SPDX-License-Identifier: GPL-2.0
/*
 * psbench: the guest side of `make bench` (tests/bench/README.md).
 *
 *   psbench pinloop [--ms N] [--warm-ms N] [--only KIND] [--threads N]
 *                   [--resident] [--samples N]
 *        pin_user_pages_fast() + unpin_user_pages() throughput, timed in the
 *        kernel by pinshadow_bench.ko: 4 KiB pages in batches of 1, 64, 512
 *        and a 512-page batch on one THP, 1 and 2 threads.  --ms is split
 *        into --samples runs (default 4), of which the fastest counts.
 *        Prints: pin KIND THREADS PAGES_PER_S NS_PER_CALL ITERS LARGE
 *   psbench fork [--mem-mb N] [--write-mb N] [--pin-mb N] [--forks N]
 *        fork() of a process with N MiB of anonymous 4 KiB pages, the first
 *        --write-mb of them written (default all), the rest mapped to the
 *        zero page, and the first --pin-mb pinned (MMF_HAS_PINNED).  Prints: fork NS ..., fork_median NS
 *        and fork_min NS
 *        (after one warm-up fork that is not counted)
 *   psbench gup [--pages N] [--per-call N] [--runs N]
 *        the kernel's own pin loop, PIN_FAST_BENCHMARK of mm/gup_test.c
 *        (CONFIG_GUP_TEST): prints gup PER_CALL NS_PER_PAGE (pin + unpin)
 *   psbench stat NAME...
 *        NAME VALUE for each named line of pinshadow's stats
 *   psbench probes
 *        NAME SYMBOL ARMED HITS NMISSED STATE for every probe
 *   psbench mem
 *        pinshadow's table_bytes for dense and sparse pins, and after unpin.
 *   psbench scale [--pages N] [--lookups N]
 *        N pinned pages; the time to read stats, pins and lookup.
 *   psbench hold [--pages N] --release FILE
 *        pins N pages, prints their PFNs, unpins once FILE exists.
 *
 * Every figure goes to stdout as "name value..." lines that
 * tests/bench/report.awk turns into the table; nothing is judged here.
 * Pins that must outlive a call are taken through pinshadow_test_helper.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gup_test_abi.h"
#include "pinshadow_test_helper.h"
#include "pinshadow_bench.h"
#include "parse.h"
#include "slurp.h"

#define PS_DIR		"/sys/kernel/debug/pinshadow/"
#define PAGE		4096UL
#define HPAGE		(2UL << 20)
#define MIB		(1UL << 20)

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "psbench: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (errno)
		fprintf(stderr, ": %s", strerror(errno));
	fputc('\n', stderr);
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * Anonymous memory, 2 MiB aligned, faulted in: THP-backed (thp) or 4 KiB
 * pages only.
 */
/* A kernel without THP (PREEMPT_RT's 7.3) refuses MADV_(NO)HUGEPAGE. */
static bool have_thp(void)
{
	return !access("/sys/kernel/mm/transparent_hugepage", F_OK);
}

/* @len bytes of anonymous memory, 2 MiB aligned, not populated. */
static char *anon_map(size_t len, bool thp)
{
	char *raw, *p;

	raw = mmap(NULL, len + HPAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (raw == MAP_FAILED)
		die("mmap %zu", len);
	p = (char *)(((uintptr_t)raw + HPAGE - 1) & ~(HPAGE - 1));
	if (have_thp() && madvise(p, len, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE))
		die("madvise");
	return p;
}

/* The same, every page written. */
static char *anon(size_t len, bool thp)
{
	char *p = anon_map(len, thp);

	memset(p, 1, len);
	return p;
}

/* Pins held through pinshadow_test_helper, on as many files as needed. */
struct holder {
	int fds[64];
	int nfds;
	int used;	/* slots used on the last file */
};

static int holder_fd(struct holder *h)
{
	if (!h->nfds || h->used == PSH_MAX_SLOTS) {
		if (h->nfds == 64)
			die("holder: out of files");
		h->fds[h->nfds] = open(PSH_DEBUGFS_PATH, O_RDWR);
		if (h->fds[h->nfds] < 0)
			die("open %s", PSH_DEBUGFS_PATH);
		h->nfds++;
		h->used = 0;
	}
	return h->fds[h->nfds - 1];
}

/* Pin [addr, addr + nr pages) with pin_user_pages_fast(); returns fd:slot. */
static void hold(struct holder *h, void *addr, uint64_t nr, uint32_t *slot,
		 int *fd)
{
	struct psh_pin req = {
		.addr = (uintptr_t)addr, .nr_pages = nr,
		.api = PSH_PIN_FAST, .flags = PSH_F_WRITE,
	};

	*fd = holder_fd(h);
	if (ioctl(*fd, PSH_IOC_PIN, &req) || req.result != (int64_t)nr)
		die("pin %" PRIu64 " pages: got %" PRId64, nr, req.result);
	h->used++;
	if (slot)
		*slot = req.slot;
}

static void holder_release(struct holder *h)
{
	while (h->nfds)
		close(h->fds[--h->nfds]);
	h->used = 0;
}

static uint64_t *slot_pfns(int fd, uint32_t slot, uint64_t nr)
{
	uint64_t *pfns = malloc(nr * sizeof(*pfns));
	struct psh_pfns req = { .slot = slot, .nr = nr,
				.pfns = (uintptr_t)pfns };

	if (!pfns || ioctl(fd, PSH_IOC_PFNS, &req))
		die("PSH_IOC_PFNS");
	return pfns;
}

/* Distinct 2 MiB regions of PFNs in pfns[] (sorts it). */
static uint64_t regions(uint64_t *pfns, uint64_t n)
{
	uint64_t i, r = 0;

	qsort(pfns, n, sizeof(*pfns), cmp_u64);
	for (i = 0; i < n; i++)
		if (!i || pfns[i] >> 9 != pfns[i - 1] >> 9)
			r++;
	return r;
}

/*
 * One value of pinshadow's stats, or -1.  A read of stats only reads: a
 * "flush" to control first settles table_*, record* and pool_* to what the
 * pins held now need (as a stats read itself did before).
 */
static void control(const char *cmd)
{
	int fd = open(PS_DIR "control", O_WRONLY);

	if (fd < 0 || write(fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd))
		die("control %s", cmd);
	close(fd);
}

/* A command's option: --name with a number or a string, or a flag. */
struct bench_opt {
	const char *name;
	enum { OPT_U64, OPT_STR, OPT_FLAG } kind;
	void *value;		/* uint64_t, const char * or bool */
};

/* Parses @argv against @o (ended by a NULL name); 2 on a bad option. */
static int parse_opts(int argc, char **argv, const struct bench_opt *o)
{
	struct option lo[16] = { { 0 } };
	int n, opt;

	for (n = 0; o[n].name; n++)
		lo[n] = (struct option){ o[n].name, o[n].kind == OPT_FLAG ?
					 no_argument : required_argument,
					 NULL, n + 1 };
	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (opt < 1 || opt > n)
			return 2;
		switch (o[opt - 1].kind) {
		case OPT_U64:
			*(uint64_t *)o[opt - 1].value =
				strtoull(optarg, NULL, 0);
			break;
		case OPT_STR:
			*(const char **)o[opt - 1].value = optarg;
			break;
		case OPT_FLAG:
			*(bool *)o[opt - 1].value = true;
			break;
		}
	}
	return 0;
}

/* stats, through the CLI's parser (userspace/cli/parse.c) as every reader. */
static void stats_read(struct ps_stats *st)
{
	char *text, err[PS_ERR_LEN];

	if (ps_slurp(PS_DIR "stats", &text, NULL))
		die("read " PS_DIR "stats");
	if (ps_parse_stats(text, st, err))
		die("%s", err);
	free(text);
}

/* One stat, settled by a flush first; -1 if stats has no @name. */
static int64_t stat_of(const char *name)
{
	struct ps_stats st;
	int64_t v = -1;

	control("flush");
	stats_read(&st);
	ps_stats_get(&st, name, &v);
	ps_stats_free(&st);
	return v;
}

/* pinloop */

struct loop_arg {
	int fd;
	char *buf;
	uint64_t nr, budget;
	pthread_barrier_t *bar;
	struct psb_loop res;
};

static void *loop_thread(void *p)
{
	struct loop_arg *a = p;

	a->res = (struct psb_loop){
		.addr = (uintptr_t)a->buf, .nr_pages = a->nr,
		.budget_ns = a->budget, .flags = PSB_F_WRITE,
	};
	pthread_barrier_wait(a->bar);
	if (ioctl(a->fd, PSB_IOC_LOOP, &a->res))
		die("PSB_IOC_LOOP %" PRIu64 " pages", a->nr);
	return NULL;
}

/* threads loops of nr pages; returns pages per second over all threads. */
static double run_loops(struct loop_arg *args, int threads, uint64_t nr,
			uint64_t budget, double *ns_per_call)
{
	pthread_barrier_t bar;
	pthread_t tid[2];
	double pps = 0, ns = 0;
	int t;

	pthread_barrier_init(&bar, NULL, threads);
	for (t = 0; t < threads; t++) {
		args[t].nr = nr;
		args[t].budget = budget;
		args[t].bar = &bar;
		if (pthread_create(&tid[t], NULL, loop_thread, &args[t]))
			die("pthread_create");
	}
	for (t = 0; t < threads; t++)
		pthread_join(tid[t], NULL);
	pthread_barrier_destroy(&bar);
	for (t = 0; t < threads; t++) {
		pps += args[t].res.iters * nr * 1e9 / args[t].res.ns;
		ns += (double)args[t].res.ns / args[t].res.iters;
	}
	*ns_per_call = ns / threads;
	return pps;
}

static const struct {
	const char *name;
	uint64_t nr;
	bool thp;
} kinds[] = {
	{ "4k:1", 1, false },
	{ "4k:64", 64, false },
	{ "4k:512", 512, false },
	{ "thp:512", 512, true },
};

static int cmd_pinloop(int argc, char **argv)
{
	uint64_t ms = 200, warm_ms = 20, samples = 4, i;
	uint64_t nthreads = UINT64_MAX;		/* not given: 1, then 2 */
	const char *only = NULL;
	int tmin = 1, tmax = 2;
	bool resident = false;
	struct holder h = { 0 };
	struct loop_arg args[2];
	char *bufs4k[2], *bufsthp[2];
	unsigned int k;
	int t, threads;
	const struct bench_opt opts[] = {
		{ "ms", OPT_U64, &ms },
		{ "warm-ms", OPT_U64, &warm_ms },
		{ "only", OPT_STR, &only },
		{ "threads", OPT_U64, &nthreads },
		{ "resident", OPT_FLAG, &resident },
		{ "samples", OPT_U64, &samples },
		{ NULL }
	};

	if (parse_opts(argc, argv, opts))
		return 2;
	if (nthreads != UINT64_MAX) {
		if (nthreads < 1 || nthreads > 2)
			die("--threads 1 or 2");
		tmin = tmax = (int)nthreads;
	}
	if (!samples)
		die("--samples 1 or more");
	for (t = 0; t < 2; t++) {
		args[t].fd = open(PSB_DEBUGFS_PATH, O_RDWR);
		if (args[t].fd < 0)
			die("open " PSB_DEBUGFS_PATH);
		/* Each thread its own pages: 512 x 4 KiB and one THP. */
		bufs4k[t] = anon(HPAGE, false);
		bufsthp[t] = anon(HPAGE, true);
		/*
		 * --resident: one long-lived pin on every page, so that the
		 * loop moves counts 1 -> 2 -> 1 and never empties an entry,
		 * a table block or a record.
		 */
		if (resident) {
			uint32_t slot;
			int fd;

			hold(&h, bufs4k[t], HPAGE / PAGE, &slot, &fd);
			hold(&h, bufsthp[t], HPAGE / PAGE, &slot, &fd);
		}
	}
	for (threads = tmin; threads <= tmax; threads++) {
		for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
			double pps, ns;

			if (only && strcmp(only, kinds[k].name))
				continue;
			if (kinds[k].thp && !have_thp())
				continue;
			for (t = 0; t < threads; t++)
				args[t].buf = kinds[k].thp ? bufsthp[t] : bufs4k[t];
			run_loops(args, threads, kinds[k].nr,
				  warm_ms * 1000000, &ns);
			/*
			 * The best of several short runs: the host's other
			 * load only ever slows a run down.
			 */
			pps = 0;
			for (i = 0; i < samples; i++) {
				double p, n;

				p = run_loops(args, threads, kinds[k].nr,
					      ms * 1000000 / samples, &n);
				if (p > pps) {
					pps = p;
					ns = n;
				}
			}
			printf("pin %s %d %.0f %.0f %" PRIu64 " %" PRIu64 "\n",
			       kinds[k].name, threads, pps, ns,
			       (uint64_t)args[0].res.iters,
			       (uint64_t)args[0].res.large);
			fflush(stdout);
		}
	}
	holder_release(&h);
	return 0;
}

/* fork */

#define PIN_CHUNK	(32 * MIB)

static int cmd_fork(int argc, char **argv)
{
	uint64_t mem_mb = 1024, write_mb = UINT64_MAX, pin_mb = 64, forks = 3;
	uint64_t i, *ns, off;
	struct holder h = { 0 };
	char *buf;
	int fd;
	const struct bench_opt opts[] = {
		{ "mem-mb", OPT_U64, &mem_mb },
		{ "write-mb", OPT_U64, &write_mb },
		{ "pin-mb", OPT_U64, &pin_mb },
		{ "forks", OPT_U64, &forks },
		{ NULL }
	};

	if (parse_opts(argc, argv, opts))
		return 2;
	write_mb = write_mb < mem_mb ? write_mb : mem_mb;
	if (pin_mb > write_mb) {
		fprintf(stderr, "psbench fork: --pin-mb exceeds --write-mb\n");
		return 2;
	}
	ns = calloc(forks, sizeof(*ns));
	/*
	 * The first --write-mb written (anonymous pages of their own), the
	 * rest read (the shared zero page): page tables for all of it, memory
	 * for the written part only.
	 */
	buf = anon_map(mem_mb * MIB, false);
	memset(buf, 1, write_mb * MIB);
	if (write_mb < mem_mb &&
	    madvise(buf + write_mb * MIB, (mem_mb - write_mb) * MIB,
		    MADV_POPULATE_READ))
		die("MADV_POPULATE_READ");
	/*
	 * pin_user_pages_fast() sets MMF_HAS_PINNED on this mm.  In calls of
	 * at most 32 MiB, 50 ms apart: pinshadow's pools refill between them
	 * (one call of 1 GiB finds them empty and loses about half its pins
	 * in lost_events).
	 */
	for (off = 0; off < pin_mb * MIB; off += PIN_CHUNK) {
		uint64_t len = pin_mb * MIB - off < PIN_CHUNK ?
			       pin_mb * MIB - off : PIN_CHUNK;

		hold(&h, buf + off, len / PAGE, NULL, &fd);
		if (off + len < pin_mb * MIB)
			usleep(50000);
	}
	/* Fork 0 warms up: the VM's first use of the child's memory. */
	for (i = 0; i <= forks; i++) {
		uint64_t t0, t;
		pid_t pid;

		/*
		 * After a fork the parent's pages are shared (not exclusive)
		 * until written: write every page so that each fork starts
		 * from the state of the first.
		 */
		if (i)
			for (off = 0; off < write_mb * MIB; off += PAGE)
				buf[off]++;
		t0 = now_ns();
		pid = fork();
		if (!pid)
			_exit(0);
		t = now_ns() - t0;
		if (pid < 0 || waitpid(pid, NULL, 0) != pid)
			die("fork");
		if (!i)
			continue;
		ns[i - 1] = t;
		printf("fork %" PRIu64 "\n", t);
	}
	/* median() sorts: ns[0] is then the fastest. */
	printf("fork_median %" PRIu64 "\n", median(ns, forks));
	printf("fork_min %" PRIu64 "\n", ns[0]);
	holder_release(&h);
	return 0;
}

/* mem */

struct mem_snap {
	int64_t table, sticky, record, blocks, pinned;
};

static void snap(struct mem_snap *s)
{
	s->table = stat_of("table_bytes");
	s->sticky = stat_of("sticky_bytes");
	s->record = stat_of("record_bytes");
	s->blocks = stat_of("table_blocks");
	s->pinned = stat_of("pinned_pages");
}

static void print_snap(const char *what, const struct mem_snap *s)
{
	printf("mem %s table_bytes %" PRId64 " sticky_bytes %" PRId64
	       " record_bytes %" PRId64 " table_blocks %" PRId64
	       " pinned_pages %" PRId64 "\n", what, s->table, s->sticky,
	       s->record, s->blocks, s->pinned);
}

/* Pin all of a 1 GiB buffer in one call: dense. */
static void mem_dense(const char *what, bool thp)
{
	uint64_t nr = 1024 * MIB / PAGE, *pfns;
	struct holder h = { 0 };
	struct mem_snap s;
	char *buf = anon(nr * PAGE, thp);
	uint32_t slot;
	int fd;

	/* From a clean slate: the sticky bitmaps are kept until a reset. */
	control("reset");
	hold(&h, buf, nr, &slot, &fd);
	snap(&s);
	pfns = slot_pfns(fd, slot, nr);
	printf("mem %s pages %" PRIu64 " regions %" PRIu64 "\n", what, nr,
	       regions(pfns, nr));
	print_snap(what, &s);
	free(pfns);
	holder_release(&h);
	munmap(buf, nr * PAGE);
	snap(&s);
	print_snap("after_unpin", &s);
}

/* One 4 KiB page pinned in each of n THPs: one page per touched region. */
static void mem_sparse(uint64_t n)
{
	uint64_t i, *pfns = calloc(n, sizeof(*pfns));
	struct holder h = { 0 };
	struct mem_snap s;
	char *buf = anon(n * HPAGE, true);
	uint32_t slot;
	int fd;

	control("reset");
	for (i = 0; i < n; i++) {
		uint64_t *one;

		/* A page in the middle of the THP, not its head. */
		hold(&h, buf + i * HPAGE + 100 * PAGE, 1, &slot, &fd);
		one = slot_pfns(fd, slot, 1);
		pfns[i] = one[0];
		free(one);
	}
	snap(&s);
	printf("mem sparse pages %" PRIu64 " regions %" PRIu64 "\n", n,
	       regions(pfns, n));
	print_snap("sparse", &s);
	holder_release(&h);
	munmap(buf, n * HPAGE);
	snap(&s);
	print_snap("after_unpin", &s);
	free(pfns);
}

static int cmd_mem(int argc, char **argv)
{
	struct mem_snap s;

	(void)argc;
	(void)argv;
	control("reset");
	snap(&s);
	print_snap("empty", &s);
	fflush(stdout);
	if (have_thp())
		mem_dense("dense_thp", true);
	fflush(stdout);
	mem_dense("dense_4k", false);
	fflush(stdout);
	mem_sparse(512);
	return 0;
}

/* scale */

/* Time of reading a whole small file, open to close. */
static uint64_t time_read_once(const char *path)
{
	uint64_t t0 = now_ns();
	char buf[8192];
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		die("open %s", path);
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
	return now_ns() - t0;
}

/*
 * Reads of path alternating with reads of a reference file whose cost
 * does not depend on pinshadow: the medians of path's time and of the
 * per-pair ratio path / reference, which the host's load moves far less.
 */
static void time_read_file(const char *path, const char *ref, int reps,
			   uint64_t *ns, double *ratio)
{
	uint64_t *v = calloc(reps, sizeof(*v)), *r = calloc(reps, sizeof(*r));
	uint64_t a, b;
	int i;

	/* A few untimed reads first: code and data warm. */
	for (i = -5; i < reps; i++) {
		a = time_read_once(path);
		b = time_read_once(ref);
		if (i < 0)
			continue;
		v[i] = a;
		r[i] = a * 1000000 / (b ? b : 1);
	}
	*ns = median(v, reps);
	*ratio = median(r, reps) / 1e6;
	free(v);
	free(r);
}

/* Mean time of n lookups (write the command, read the answer). */
static uint64_t time_lookups(const uint64_t *pfns, uint64_t npfns,
			     const char *const *cmds, uint64_t n)
{
	char cmd[128], ans[512];
	uint64_t i, t0, t;
	int fd = open(PS_DIR "lookup", O_RDWR);
	ssize_t r;

	if (fd < 0)
		die("open lookup");
	/* The first 16 are untimed: code and data warm. */
	t0 = now_ns();
	for (i = 0; i < n + 16; i++) {
		if (i == 16)
			t0 = now_ns();
		if (cmds)
			snprintf(cmd, sizeof(cmd), "%s", cmds[i % npfns]);
		else
			snprintf(cmd, sizeof(cmd), "pfn 0x%" PRIx64,
				 pfns[(i * 7919) % npfns]);
		if (write(fd, cmd, strlen(cmd)) < 0)
			die("lookup write '%s'", cmd);
		r = read(fd, ans, sizeof(ans) - 1);
		if (r <= 0)
			die("lookup read");
		ans[r] = 0;
		if (!strstr(ans, "count="))
			die("lookup answer '%s'", ans);
	}
	t = (now_ns() - t0) / n;
	close(fd);
	return t;
}

/* Read pins to the end; rows, bytes, time to the first byte, longest gap. */
static void read_pins(void)
{
	static char buf[1 << 20];
	uint64_t t0, last, first = 0, gap = 0, t, rows = 0, bytes = 0;
	ssize_t r, i;
	int fd = open(PS_DIR "pins", O_RDONLY);

	if (fd < 0)
		die("open pins");
	t0 = last = now_ns();
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		t = now_ns();
		if (!first)
			first = t - t0;
		if (t - last > gap)
			gap = t - last;
		last = t;
		bytes += r;
		for (i = 0; i < r; i++)
			rows += buf[i] == '\n';
	}
	if (r < 0)
		die("read pins");
	close(fd);
	/* The header is one line. */
	printf("scale pins_read rows %" PRIu64 " bytes %" PRIu64
	       " total_ns %" PRIu64 " first_ns %" PRIu64 " max_gap_ns %"
	       PRIu64 "\n", rows - 1, bytes, last - t0, first, gap);
}

/*
 * The figures of one state of the table (empty, pinned, emptied again):
 * stats read, lookups of the same PFNs and addresses.
 */
static void scale_probe(const char *state, const uint64_t *pfns,
			uint64_t npfns, const char *const *cmds,
			uint64_t nlookups)
{
	uint64_t st;
	double rel;

	time_read_file(PS_DIR "stats", "/proc/meminfo", 200, &st, &rel);
	printf("scale %s stats_ns %" PRIu64, state, st);
	if (pfns)
		printf(" lookup_pfn_ns %" PRIu64 " lookup_addr_ns %" PRIu64,
		       time_lookups(pfns, npfns, NULL, nlookups),
		       time_lookups(NULL, 256, cmds, nlookups / 4));
	printf(" stats_vs_meminfo %.4f\n", rel);
	fflush(stdout);
}

static int cmd_scale(int argc, char **argv)
{
	uint64_t pages = 2000000, nlookups = 2000, chunk = 1000000, done;
	uint64_t t0, *pfns, npfns, i;
	const char **cmds;
	struct holder h = { 0 };
	struct mem_snap s;
	uint32_t slot;
	char *buf;
	int fd;
	const struct bench_opt opts[] = {
		{ "pages", OPT_U64, &pages },
		{ "lookups", OPT_U64, &nlookups },
		{ NULL }
	};

	if (parse_opts(argc, argv, opts))
		return 2;
	control("reset");
	snap(&s);
	print_snap("scale_empty", &s);
	/* The empty table, before and after: the reference for O(1). */
	scale_probe("empty", NULL, 0, NULL, 0);

	t0 = now_ns();
	buf = anon(pages * PAGE, true);
	printf("scale fault_ns %" PRIu64 "\n", now_ns() - t0);
	fflush(stdout);
	t0 = now_ns();
	for (done = 0; done < pages; done += chunk) {
		uint64_t n = pages - done < chunk ? pages - done : chunk;

		hold(&h, buf + done * PAGE, n, &slot, &fd);
	}
	printf("scale pin_ns %" PRIu64 " calls %d\n", now_ns() - t0, h.used);
	snap(&s);
	print_snap("scale", &s);
	fflush(stdout);

	/* Lookup targets: PFNs and addresses spread over the pins. */
	npfns = pages < chunk ? pages : chunk;
	pfns = slot_pfns(h.fds[0], 0, npfns);
	cmds = calloc(256, sizeof(*cmds));
	for (i = 0; i < 256; i++) {
		char *c;

		if (asprintf(&c, "pid %d addr 0x%lx", getpid(),
			     (unsigned long)(buf + (i * 7919 % pages) * PAGE)) < 0)
			die("asprintf");
		cmds[i] = c;
	}
	scale_probe("pinned", pfns, npfns, cmds, nlookups);

	read_pins();
	fflush(stdout);

	t0 = now_ns();
	holder_release(&h);
	printf("scale unpin_ns %" PRIu64 "\n", now_ns() - t0);
	snap(&s);
	print_snap("scale_after_unpin", &s);
	/* The same pages, still mapped, no longer pinned. */
	scale_probe("unpinned", pfns, npfns, cmds, nlookups);
	return 0;
}

/* hold: pins for the bpftrace peer's exactness check. */
static int cmd_hold(int argc, char **argv)
{
	uint64_t pages = 8, *pfns, i;
	const char *release = NULL;
	struct holder h = { 0 };
	struct stat st;
	uint32_t slot;
	char *buf;
	int fd;
	const struct bench_opt opts[] = {
		{ "pages", OPT_U64, &pages },
		{ "release", OPT_STR, &release },
		{ NULL }
	};

	if (parse_opts(argc, argv, opts))
		return 2;
	if (!release)
		die("hold: --release FILE");
	buf = anon(pages * PAGE, false);
	hold(&h, buf, pages, &slot, &fd);
	pfns = slot_pfns(fd, slot, pages);
	printf("held");
	for (i = 0; i < pages; i++)
		printf(" %" PRIu64, pfns[i]);
	printf("\n");
	fflush(stdout);
	while (stat(release, &st))
		usleep(50000);
	holder_release(&h);
	return 0;
}

/* stat, probes: pinshadow's files for guest.sh, through the one parser */

/* stat NAME...: "NAME VALUE" for each, from one read of stats. */
static int cmd_stat(int argc, char **argv)
{
	struct ps_stats st;
	int64_t v;
	int i;

	stats_read(&st);
	for (i = 1; i < argc; i++) {
		if (!ps_stats_get(&st, argv[i], &v))
			die("stats has no %s", argv[i]);
		printf("%s %" PRId64 "\n", argv[i], v);
	}
	ps_stats_free(&st);
	return 0;
}

/* probes: "NAME SYMBOL ARMED HITS NMISSED STATE" for every probe. */
static int cmd_probes(void)
{
	char *text, err[PS_ERR_LEN];
	struct ps_probe *p;
	size_t i, n;

	if (ps_slurp(PS_DIR "probes", &text, NULL))
		die("read " PS_DIR "probes");
	if (ps_parse_probes(text, &p, &n, err))
		die("%s", err);
	free(text);
	for (i = 0; i < n; i++)
		printf("%s %s %d %" PRIu64 " %" PRIu64 " %s\n", p[i].name,
		       p[i].symbol[0] ? p[i].symbol : "-", p[i].armed,
		       p[i].hits, p[i].nmissed, p[i].state);
	free(p);
	return 0;
}

/* gup */

/*
 * The kernel's own loop: PIN_FAST_BENCHMARK of mm/gup_test.c pins @pages
 * pages in calls of --per-call pages with pin_user_pages_fast(), then
 * unpins them, and times both in microseconds.  Prints per-page ns:
 * "gup PER_CALL NS_PER_PAGE", the best of --runs.
 */
static int cmd_gup(int argc, char **argv)
{
	uint64_t pages = 16384, per_call = 512, runs = 4, i;
	double best = 0;
	char *buf;
	int fd;
	const struct bench_opt opts[] = {
		{ "pages", OPT_U64, &pages },
		{ "per-call", OPT_U64, &per_call },
		{ "runs", OPT_U64, &runs },
		{ NULL }
	};

	if (parse_opts(argc, argv, opts))
		return 2;
	fd = open(GUP_TEST_PATH, O_RDWR);
	if (fd < 0)
		die("open %s", GUP_TEST_PATH);
	buf = anon(pages * PAGE, false);
	for (i = 0; i < runs; i++) {
		struct gup_test gt = {
			.addr = (uintptr_t)buf, .size = pages * PAGE,
			.nr_pages_per_call = per_call, .gup_flags = FOLL_WRITE_BIT,
		};
		double ns;

		if (ioctl(fd, PIN_FAST_BENCHMARK, &gt))
			die("PIN_FAST_BENCHMARK");
		ns = (gt.get_delta_usec + gt.put_delta_usec) * 1000.0 / pages;
		if (!i || ns < best)
			best = ns;
	}
	printf("gup %" PRIu64 " %.1f\n", per_call, best);
	munmap(buf, pages * PAGE);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: psbench pinloop|fork|gup|mem|scale|hold|stat|probes [options]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "pinloop"))
		return cmd_pinloop(argc - 1, argv + 1);
	if (!strcmp(argv[1], "fork"))
		return cmd_fork(argc - 1, argv + 1);
	if (!strcmp(argv[1], "gup"))
		return cmd_gup(argc - 1, argv + 1);
	if (!strcmp(argv[1], "stat"))
		return cmd_stat(argc - 1, argv + 1);
	if (!strcmp(argv[1], "probes"))
		return cmd_probes();
	if (!strcmp(argv[1], "mem"))
		return cmd_mem(argc - 1, argv + 1);
	if (!strcmp(argv[1], "scale"))
		return cmd_scale(argc - 1, argv + 1);
	if (!strcmp(argv[1], "hold"))
		return cmd_hold(argc - 1, argv + 1);
	fprintf(stderr, "psbench: unknown command %s\n", argv[1]);
	return 2;
}
