// SPDX-License-Identifier: GPL-2.0
/*
 * pinshadow stress (make stress; see tests/stress/stress.mk).
 *
 * For ps_stress_seconds (default 180; and on until ps_stress_min_cycles
 * load/unload cycles are done, at most three times as long):
 *   - ps_stress_threads threads (default 4) pin and unpin random ranges of
 *     4 KiB pages, THP and hugetlb pages through every pin API the helper
 *     and the kernel have (pin_user_pages{,_fast,_fast_only,_remote,
 *     _unlocked}, FOLL_WRITE and FOLL_LONGTERM at random) and release them
 *     through every unpin API (unpin_user_page{,s,s_dirty_lock},
 *     unpin_user_page_range_dirty_lock, unpin_folio{,s}, unpin_user_folio),
 *     holding up to 24 pin calls each; they also zap (MADV_DONTNEED) and
 *     write their buffers;
 *   - 2 threads fork processes that write to the inherited buffers (COW of
 *     pinned and unpinned pages), some of which pin pages of their own and
 *     exit holding them (the helper's release unpins them), and some fork
 *     again;
 *   - a reader reads every debugfs file, looks pages up, and writes scan,
 *     audit and (rarely) reset commands to control;
 *   - a reloader unloads and reloads pinshadow in a loop.
 * Then, at quiescence (every thread stopped, every pin released, pinshadow
 * loaded): every count is exactly 0 (`pins` empty, pins_outstanding,
 * pinned_pages, longterm_outstanding, table_blocks, records 0), every pin
 * credited since the last load was debited (api_pins == api_unpins), no
 * event was lost or missed, the kernel log is clean.  Pins taken while
 * pinshadow was unloaded, or by a call that straddled a load, and released
 * after it are untracked_unpins by design: counted, never a count.  After a
 * final reload, a known round of pins on every kind of page through several
 * APIs is counted exactly and the vmstat reconciliation holds to the unit
 * (vmstat_acquired + vmstat_bypass_pins == pins_acquired, vmstat_released
 * == pins_released, api_pins == api_unpins == the pins taken).  On a
 * kernel with kmemleak, pinshadow is unloaded and a scan must find nothing
 * of pinshadow's.  Figures are printed: duration, cycles, threads,
 * operations.
 *
 * ps_rel_break=stress (kernel command line, see ps_util.h) writes `disable`
 * before the pinner threads release their pins: to show the quiescence
 * checks fail.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "parse.h"
#include "ps_check.h"

#define MAX_HELD	24
#define MAX_WORKERS	16
#define SMALL_PAGES	1024	/* 4 MiB of 4 KiB pages per worker */
#define THP_FOLIOS	2
#define HUGE_FOLIOS	2

static int env_int(const char *name, int dflt)
{
	const char *v = getenv(name);

	return v && atoi(v) > 0 ? atoi(v) : dflt;
}

static atomic_bool stop_workers, stop_others;
/* The reloader wants pinshadow's files closed: the reader waits. */
static atomic_bool unload_pending;
static atomic_long errors;
static char first_error[512];
static pthread_mutex_t err_lock = PTHREAD_MUTEX_INITIALIZER;

static void stress_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static void stress_error(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&err_lock);
	if (!atomic_fetch_add(&errors, 1)) {
		va_start(ap, fmt);
		vsnprintf(first_error, sizeof(first_error), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&err_lock);
}

#define R(n)	(ps_rnd(rng) % (n))

/* What the helper can do on this kernel. */
struct caps {
	uint32_t pin_apis[PSH_PIN_NR_APIS];
	int npin;
	bool lt_ok[PSH_PIN_NR_APIS];	/* FOLL_LONGTERM with it */
	uint32_t unpin_apis[PSH_UNPIN_NR_APIS];
	int nunpin;
};

static struct caps caps;

/* ------------------------------------------------------------------ */
/* Pinner threads                                                      */

struct held {
	bool live;
	uint32_t slot;
};

struct worker {
	pthread_t t;
	int idx;
	int fd;
	uint64_t seed;
	char *small, *thp, *huge;
	bool huge_lt_warns;
	struct held h[MAX_HELD];
	int nheld;
	/* figures */
	uint64_t pin_calls, pinned_pages, unpin_calls, zaps, writes;
	uint64_t short_pins;	/* a call that pinned fewer than asked */
};

static void unpin_one(struct worker *w, uint64_t *rng, int i)
{
	uint32_t api = caps.unpin_apis[R(caps.nunpin)];
	int err = psh_unpin(w->fd, w->h[i].slot, api, R(2));

	if (err)
		stress_error("worker %d: PSH_IOC_UNPIN %s: %s", w->idx,
		      psh_unpin_api_name(api), strerror(-err));
	w->h[i].live = false;
	w->nheld--;
	w->unpin_calls++;
}

static void pin_one(struct worker *w, uint64_t *rng)
{
	int kind = R(w->huge ? 3 : 2), i, err;
	uint32_t api = caps.pin_apis[R(caps.npin)], flags = 0;
	size_t first, nr, max;
	struct psh_pin req;
	char *base;

	switch (kind) {
	case 0:
		base = w->small;
		max = SMALL_PAGES;
		first = R(max);
		nr = 1 + R(first + 64 < max ? 64 : max - first);
		break;
	case 1:
		base = w->thp;
		max = THP_FOLIOS * 512;
		first = R(max);
		nr = 1 + R(first + 600 < max ? 600 : max - first);
		break;
	default:
		base = w->huge;
		max = HUGE_FOLIOS * 512;
		first = R(max);
		nr = 1 + R(first + 600 < max ? 600 : max - first);
		break;
	}
	if (R(2))
		flags |= PSH_F_WRITE;
	if (!R(3) && caps.lt_ok[api] && !(kind == 2 && w->huge_lt_warns))
		flags |= PSH_F_LONGTERM;
	for (i = 0; i < MAX_HELD && w->h[i].live; i++)
		;
	if (i == MAX_HELD)
		return;
	err = psh_pin(w->fd, base + first * PS_PAGE_SIZE, nr, api, flags,
		      &req);
	w->pin_calls++;
	if (err) {
		stress_error("worker %d: PSH_IOC_PIN %s: %s", w->idx,
		      psh_pin_api_name(api), strerror(-err));
		return;
	}
	if (req.result <= 0) {
		/* Only the fast-only API may fail to pin (pages not mapped). */
		if (api != PSH_PIN_FAST_ONLY)
			stress_error("worker %d: %s of %zu pages returned %lld",
			      w->idx, psh_pin_api_name(api), nr,
			      (long long)req.result);
		w->short_pins++;
		return;
	}
	if (req.result < (int64_t)nr)
		w->short_pins++;
	w->pinned_pages += req.result;
	w->h[i].live = true;
	w->h[i].slot = req.slot;
	w->nheld++;
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	uint64_t *rng = &w->seed;
	int i, op;

	while (!atomic_load(&stop_workers)) {
		op = R(100);
		if (op < 50 && w->nheld < MAX_HELD) {
			pin_one(w, rng);
		} else if (op < 90 && w->nheld) {
			do
				i = R(MAX_HELD);
			while (!w->h[i].live);
			unpin_one(w, rng, i);
		} else if (op < 95) {
			/* Zap a range: pinned pages stay pinned, the rest go. */
			char *b = R(2) ? w->small : w->thp;
			size_t pages = b == w->small ? SMALL_PAGES :
				       THP_FOLIOS * 512;
			size_t first = R(pages), nr = 1 + R(pages - first);

			if (madvise(b + first * PS_PAGE_SIZE,
				    nr * PS_PAGE_SIZE, MADV_DONTNEED))
				stress_error("worker %d: MADV_DONTNEED: %s", w->idx,
				      strerror(errno));
			w->zaps++;
		} else {
			char *b = R(2) ? w->small : w->thp;
			size_t pages = b == w->small ? SMALL_PAGES :
				       THP_FOLIOS * 512;

			memset(b + R(pages) * PS_PAGE_SIZE, (int)R(256), 64);
			w->writes++;
		}
	}
	for (i = 0; i < MAX_HELD; i++)
		if (w->h[i].live)
			unpin_one(w, rng, i);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Forkers                                                             */

struct forker {
	pthread_t t;
	int idx;
	uint64_t seed;
	struct worker *w;	/* the workers' buffers, inherited */
	int nworkers;
	uint64_t forks, child_pins, grandchildren, failed;
};

static void child_body(struct forker *f, uint64_t *rng)
{
	struct worker *w = &f->w[R(f->nworkers)];
	struct psh_pin req;
	int i, fd;

	/* Writes: COW copies, of pinned pages too. */
	for (i = 0; i < 16; i++) {
		char *b = R(2) ? w->small : w->thp;
		size_t pages = b == w->small ? SMALL_PAGES : THP_FOLIOS * 512;

		b[R(pages) * PS_PAGE_SIZE + R(PS_PAGE_SIZE)] = (char)R(256);
	}
	if (!R(3)) {
		/* Pins of its own, left for exit to release. */
		fd = open(PSH_DEBUGFS_PATH, O_RDWR | O_CLOEXEC);
		if (fd >= 0) {
			psh_pin(fd, w->small + R(SMALL_PAGES - 8) * PS_PAGE_SIZE,
				8, PSH_PIN_FAST, PSH_F_WRITE, &req);
			if (!R(2))
				psh_pin(fd, w->thp, 1 + R(512), PSH_PIN_FAST,
					PSH_F_WRITE | PSH_F_LONGTERM, &req);
		}
	}
	if (!R(4)) {
		pid_t g = fork();

		if (!g) {
			w->small[R(SMALL_PAGES) * PS_PAGE_SIZE] = 1;
			_exit(0);
		}
		if (g > 0)
			waitpid(g, NULL, 0);
	}
}

static void *forker_fn(void *arg)
{
	struct forker *f = arg;
	uint64_t *rng = &f->seed;
	int status;
	pid_t pid;

	while (!atomic_load(&stop_others)) {
		pid = fork();
		if (pid < 0) {
			stress_error("fork: %s", strerror(errno));
			ps_msleep(100);
			continue;
		}
		if (!pid) {
			child_body(f, rng);
			_exit(0);
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status)) {
			f->failed++;
			stress_error("child %d: status %#x", pid, status);
		}
		f->forks++;
		ps_msleep(R(20));
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Reader                                                              */

struct reader {
	pthread_t t;
	uint64_t seed;
	struct worker *w;
	int nworkers;
	uint64_t reads, lookups, controls, resets, absent, norecord;
};

/*
 * The `pins` table, checked for shape by the CLI's parser (a header naming
 * every column, rows as wide, numbers where numbers go).  A row read while
 * its page is being unpinned may have lost its pin-call record: then
 * age_ms, pid and comm are "-" (counted in *norecord).  Returns the rows,
 * or -EPROTO with the parser's message in @bad.
 */
static long check_pins_text(const char *text, uint64_t *norecord, char *bad,
			    size_t len)
{
	char err[PS_ERR_LEN];
	struct ps_pin *pins;
	size_t n, i;

	if (ps_parse_pins(text, &pins, &n, err)) {
		snprintf(bad, len, "%s", err);
		return -EPROTO;
	}
	for (i = 0; i < n; i++)
		if (pins[i].pid < 0)
			(*norecord)++;
	free(pins);
	return (long)n;
}

/* An error a read may meet while pinshadow comes and goes. */
static bool gone(int err)
{
	return err == -ENOENT || err == -EIO || err == -ENODEV;
}

static void *reader_fn(void *arg)
{
	static const char *const files[] = {
		"stats", "pins", "probes", "cow_audit", "policies", "verdicts",
	};
	struct reader *r = arg;
	uint64_t *rng = &r->seed;
	char path[128], *buf, cmd[96], bad[512];
	struct ps_lookup lk;
	struct ps_test_stats st;
	long nrows;
	int op, err;

	while (!atomic_load(&stop_others)) {
		if (atomic_load(&unload_pending)) {
			ps_msleep(5);
			continue;
		}
		op = R(100);
		if (op < 15) {
			err = ps_stats_read(&st);
		} else if (op < 30) {
			err = ps_read_file(PINSHADOW_DEBUGFS_DIR "/pins", &buf, NULL);
			if (!err) {
				nrows = check_pins_text(buf, &r->norecord, bad,
							sizeof(bad));
				free(buf);
				if (nrows < 0) {
					stress_error("reader: pins: \"%s\"",
						     bad);
					err = 0;
				}
			}
		} else if (op < 50) {
			snprintf(path, sizeof(path), "%s/%s", PINSHADOW_DEBUGFS_DIR,
				 files[R(6)]);
			err = ps_read_file(path, &buf, NULL);
			if (!err)
				free(buf);
		} else if (op < 85) {
			struct worker *w = &r->w[R(r->nworkers)];

			snprintf(cmd, sizeof(cmd), "pid %d addr %p", getpid(),
				 w->small + R(SMALL_PAGES) * PS_PAGE_SIZE);
			err = ps_lookup_raw(cmd, &lk);
			/* EFAULT: a zapped page, not faulted back in. */
			if (err == -EFAULT)
				err = 0;
			r->lookups++;
		} else if (op < 92) {
			err = ps_lookup_pfn(R(0x40000), &lk);
			if (err == -EINVAL)
				err = 0;	/* a hole */
			r->lookups++;
		} else {
			static const char *const ctl[] = {
				"scan all", "scan tracked", "audit off",
				"audit on", "scan tracked", "audit on",
			};
			const char *c = R(60) ? ctl[R(6)] : "reset";

			err = ps_control(c);
			r->controls++;
			if (!strcmp(c, "reset") && !err)
				r->resets++;
		}
		if (gone(err)) {
			r->absent++;
			ps_msleep(5);
		} else if (err) {
			stress_error("reader: op %d: %s", op, strerror(-err));
		} else {
			r->reads++;
		}
	}
	ps_control("audit on");
	ps_control("scan tracked");
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Reloader                                                            */

static const char *const tot_names[] = {
	"pins_acquired", "pins_released", "api_pins", "api_unpins",
	"untracked_unpins", "rollback_unpins", "subpage_fallbacks",
	"cow_examined", "cow_copied", "lost_events", "missed_events",
};
#define NTOT	(sizeof(tot_names) / sizeof(tot_names[0]))

struct reloader {
	pthread_t t;
	uint64_t seed;
	uint64_t cycles, busy_retries;
	int64_t max_rmmod_ms, max_insmod_ms;
	int64_t tot[NTOT];	/* stats summed over the unloaded instances */
};

static void add_totals(int64_t *tot)
{
	int64_t v[NTOT];
	size_t i;

	if (ps_stats_named(tot_names, v, NTOT))
		return;
	for (i = 0; i < NTOT; i++)
		tot[i] += v[i];
}

/*
 * While pinshadow's probes are armed or disarmed, every thread of this
 * process runs on CPU 0, the reloader's: on QEMU TCG guests with two
 * vCPUs, live-patching a function the other vCPU runs flat out jumps to
 * NULL now and then -- with the kernel's own kprobe_events as well, and
 * pinshadow not loaded; never with one vCPU -- which is not what this test
 * is about.  Pins and unpins still race the (un)load by preemption, and run
 * on both CPUs the rest of the time.  ps_stress_any_cpu=1 turns this off
 * (real hardware, KVM).
 */
static void all_threads_on_cpu0(bool on)
{
	static int ncpus;
	char path[64];
	cpu_set_t set;
	int cpu;
	DIR *d;
	struct dirent *de;

	if (env_int("ps_stress_any_cpu", 0))
		return;
	if (!ncpus)
		ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	CPU_ZERO(&set);
	for (cpu = 0; cpu < (on ? 1 : ncpus); cpu++)
		CPU_SET(cpu, &set);
	snprintf(path, sizeof(path), "/proc/%d/task", getpid());
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			sched_setaffinity(atoi(de->d_name), sizeof(set), &set);
	closedir(d);
	/* Let the threads reach a scheduling point and move. */
	if (on)
		ps_msleep(20);
}

static void *reloader_fn(void *arg)
{
	struct reloader *rl = arg;
	uint64_t *rng = &rl->seed;
	int64_t t0, end;
	int err;

	while (!atomic_load(&stop_others)) {
		ps_msleep(300 + R(900));
		if (atomic_load(&stop_others))
			break;
		atomic_store(&unload_pending, true);
		add_totals(rl->tot);
		all_threads_on_cpu0(true);
		t0 = ps_now_ms();
		end = t0 + 60000;
		for (;;) {
			if (!syscall(SYS_delete_module, PS_MODULE, O_NONBLOCK))
				break;
			err = errno;
			if ((err != EAGAIN && err != EBUSY) ||
			    ps_now_ms() > end) {
				stress_error("rmmod: %s", strerror(err));
				all_threads_on_cpu0(false);
				return NULL;
			}
			rl->busy_retries++;
			ps_msleep(10);
		}
		if (ps_now_ms() - t0 > rl->max_rmmod_ms)
			rl->max_rmmod_ms = ps_now_ms() - t0;
		all_threads_on_cpu0(false);
		atomic_store(&unload_pending, false);
		ps_msleep(R(300));
		all_threads_on_cpu0(true);
		t0 = ps_now_ms();
		err = ps_load(NULL);
		all_threads_on_cpu0(false);
		if (err) {
			stress_error("insmod: %s", strerror(-err));
			return NULL;
		}
		if (ps_now_ms() - t0 > rl->max_insmod_ms)
			rl->max_insmod_ms = ps_now_ms() - t0;
		rl->cycles++;
	}
	return NULL;
}

/* ------------------------------------------------------------------ */

FIXTURE(stress) {
	struct ps_env env;
};

FIXTURE_SETUP(stress)
{
	ps_fixture_setup(_metadata, &self->env);
}

FIXTURE_TEARDOWN(stress)
{
	ps_reload_fixture_teardown(_metadata, &self->env);
}

static void probe_caps(struct __test_metadata *_metadata, int fd)
{
	uint32_t a;

	memset(&caps, 0, sizeof(caps));
	for (a = 0; a < PSH_PIN_NR_APIS; a++) {
		if (!psh_pin_supported(fd, a, PSH_F_WRITE))
			continue;
		caps.pin_apis[caps.npin++] = a;
		caps.lt_ok[a] = psh_pin_supported(fd, a,
						  PSH_F_WRITE | PSH_F_LONGTERM);
	}
	for (a = 0; a < PSH_UNPIN_NR_APIS; a++)
		if (psh_unpin_supported(fd, a))
			caps.unpin_apis[caps.nunpin++] = a;
	ASSERT_LT(0, caps.npin);
	ASSERT_LT(0, caps.nunpin);
}

/* The quiescent state: every count 0, every credit debited, nothing lost. */
static void check_quiescent(struct __test_metadata *_metadata,
			    const char *when)
{
	static const char *const names[] = {
		"pins_outstanding", "pinned_pages", "longterm_outstanding",
		"table_blocks", "records", "lost_events", "missed_events",
		"api_pins", "api_unpins", "enabled",
	};
	enum { OUT, PAGES, LT, BLOCKS, RECS, LOST, MISSED, APIP, APIU, EN,
	       NR };
	int64_t v[NR], end = ps_now_ms() + 10000, nmissed;
	size_t nrows = 0;
	int nprobes;

	/* A kfree_rcu() or the last unpin of an exiting child may lag. */
	for (;;) {
		ASSERT_EQ(0, ps_stats_named(names, v, NR));
		if ((!v[OUT] && !v[PAGES] && !v[BLOCKS] && !v[RECS]) ||
		    ps_now_ms() > end)
			break;
		ps_msleep(50);
	}
	{
		char *buf, *p, bad[512];
		uint64_t norec = 0;
		long n;
		int k;

		ASSERT_EQ(0, ps_read_file(PINSHADOW_DEBUGFS_DIR "/pins", &buf, NULL));
		for (p = strchr(buf, '\n'), k = 0; p && p[1] && k < 5; k++) {
			TH_LOG("%s: pins row %.*s", when,
			       (int)strcspn(p + 1, "\n"), p + 1);
			p = strchr(p + 1, '\n');
		}
		n = check_pins_text(buf, &norec, bad, sizeof(bad));
		free(buf);
		ASSERT_LE(0, n) TH_LOG("%s: pins: \"%s\"", when, bad);
		nrows = n;
	}
	EXPECT_EQ(0UL, nrows) TH_LOG("%s: rows in pins", when);
	EXPECT_EQ(0, v[OUT]) TH_LOG("%s: pins_outstanding", when);
	EXPECT_EQ(0, v[PAGES]) TH_LOG("%s: pinned_pages", when);
	EXPECT_EQ(0, v[LT]) TH_LOG("%s: longterm_outstanding", when);
	EXPECT_EQ(0, v[BLOCKS]) TH_LOG("%s: table_blocks", when);
	EXPECT_EQ(0, v[RECS]) TH_LOG("%s: records", when);
	EXPECT_EQ(0, v[LOST]) TH_LOG("%s: lost_events", when);
	EXPECT_EQ(0, v[MISSED]) TH_LOG("%s: missed_events", when);
	EXPECT_EQ(v[APIP], v[APIU]) TH_LOG("%s: api_pins vs api_unpins",
					   when);
	EXPECT_EQ(1, v[EN]);
	ASSERT_EQ(0, ps_probes_read(&nprobes, &nmissed));
	EXPECT_EQ(0, nmissed);
}

/* A known round on a fresh instance: exact counts, exact reconciliation. */
static void final_round(struct __test_metadata *_metadata, int fd,
			const char *comm)
{
	static const char *const names[] = {
		"pins_acquired", "pins_released", "vmstat_acquired",
		"vmstat_released", "vmstat_bypass_pins", "api_pins",
		"api_unpins", "untracked_unpins", "rollback_unpins",
		"pins_outstanding",
	};
	enum { ACQ, REL, VACQ, VREL, BYP, APIP, APIU, UNTR, RB, OUT, NR };
	/* One plan per kind of buffer; a kind this kernel lacks is left out. */
	static const struct {
		enum ps_buf_kind kind;
		uint32_t api, unpin, make_dirty;
		size_t nranges;
		struct ps_range r[3];
	} rounds[] = {
		{ PS_BUF_SMALL, PSH_PIN_FAST, PSH_UNPIN_PAGES, 1, 3,
		  { { 0, 10 }, { 10, 50 }, { 60, 4 } } },
		{ PS_BUF_THP, PSH_PIN_UNLOCKED, PSH_UNPIN_DIRTY_LOCK, 1, 2,
		  { { 0, 300 }, { 300, 212 } } },
		{ PS_BUF_HUGETLB, PSH_PIN_REMOTE, PSH_UNPIN_RANGE_DIRTY, 0, 2,
		  { { 0, 100 }, { 100, 412 } } },
	};
	bool had[ARRAY_SIZE(rounds)] = { false };
	int64_t v[NR], pins = 0;
	struct ps_plan p;
	size_t i, n;
	char *buf;

	for (i = 0; i < ARRAY_SIZE(rounds); i++) {
		buf = ps_kind_buf(_metadata, rounds[i].kind, 64, 1, &n);
		if (!buf)
			continue;
		p = (struct ps_plan){
			.fd = fd, .buf = buf, .npages = n,
			.api = rounds[i].api, .flags = PSH_F_WRITE,
			.comm = comm, .nranges = rounds[i].nranges,
		};
		memcpy(p.r, rounds[i].r, sizeof(rounds[i].r));
		ps_plan_run(_metadata, &p, rounds[i].unpin,
			    rounds[i].make_dirty);
		ps_plan_free(&p);
		pins += n;
		had[i] = true;
	}
	ASSERT_EQ(0, ps_stats_named(names, v, NR));
	EXPECT_EQ(pins, v[APIP]);
	EXPECT_EQ(pins, v[APIU]);
	EXPECT_EQ(pins, v[ACQ] - v[RB]);
	EXPECT_EQ(pins, v[REL] - v[RB]);
	EXPECT_EQ(0, v[UNTR]);
	EXPECT_EQ(0, v[OUT]);
	EXPECT_EQ(v[ACQ], v[VACQ] + v[BYP])
		TH_LOG("vmstat reconciliation: vmstat_acquired %lld + bypass %lld, pins_acquired %lld",
		       (long long)v[VACQ], (long long)v[BYP], (long long)v[ACQ]);
	EXPECT_EQ(v[REL], v[VREL])
		TH_LOG("vmstat reconciliation: vmstat_released %lld, pins_released %lld",
		       (long long)v[VREL], (long long)v[REL]);
	TH_LOG("final round: %lld pins on 4 KiB%s%s pages, acquired %lld = vmstat %lld + %lld, released %lld = vmstat %lld",
	       (long long)pins, had[1] ? ", THP" : "", had[2] ? ", hugetlb" : "",
	       (long long)v[ACQ], (long long)v[VACQ], (long long)v[BYP],
	       (long long)v[REL], (long long)v[VREL]);
}

/* kmemleak, where the kernel has it: nothing of pinshadow's. */
static void check_kmemleak(struct __test_metadata *_metadata)
{
	const char *km = "/sys/kernel/debug/kmemleak";
	char *buf, *p;
	int ours = 0, all = 0, err;

	if (access(km, W_OK)) {
		TH_LOG("no kmemleak in this kernel");
		return;
	}
	err = ps_reload(NULL);	/* its exit frees everything it had */
	ASSERT_EQ(0, err) TH_LOG("reload: %s", strerror(-err));
	ASSERT_EQ(0, ps_rmmod(PS_MODULE));
	/* Objects younger than 5 s are never reported. */
	ps_msleep(6000);
	ASSERT_EQ(0, ps_write_file(km, "scan"));
	ASSERT_EQ(0, ps_write_file(km, "scan"));
	ASSERT_EQ(0, ps_read_file(km, &buf, NULL));
	for (p = buf; (p = strstr(p, "unreferenced object")); p++)
		all++;
	for (p = buf; (p = strstr(p, "pinshadow")); p++)
		ours++;
	free(buf);
	ASSERT_EQ(0, ps_load(NULL));
	EXPECT_EQ(0, ours) TH_LOG("kmemleak names pinshadow %d times", ours);
	TH_LOG("kmemleak: %d unreferenced objects, %d mentions of pinshadow",
	       all, ours);
}

TEST_F_TIMEOUT(stress, load_unload_pin_fork, 14400)
{
	int seconds = env_int("ps_stress_seconds", 180);
	int nworkers = env_int("ps_stress_threads", 4);
	int min_cycles = env_int("ps_stress_min_cycles", 50);
	int nforkers = 2;
	struct worker w[MAX_WORKERS];
	struct forker f[2];
	struct reader rd;
	struct reloader rl;
	int64_t start, deadline, cap, now;
	uint64_t tot_pin_calls = 0, tot_pages = 0, tot_unpins = 0;
	uint64_t tot_zaps = 0, tot_writes = 0, tot_short = 0, forks = 0;
	uint64_t child_failed = 0;
	int i, hugetlb = 0;
	size_t k;

	if (nworkers > MAX_WORKERS)
		nworkers = MAX_WORKERS;
	probe_caps(_metadata, self->env.helper_fd);
	memset(w, 0, sizeof(w));
	for (i = 0; i < nworkers; i++) {
		w[i].idx = i;
		w[i].seed = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)i << 32 | 77);
		w[i].fd = psh_open();
		ASSERT_LE(0, w[i].fd);
		w[i].small = ps_small_buf(_metadata, SMALL_PAGES);
		w[i].thp = ps_thp_buf(_metadata, THP_FOLIOS);
		if (!w[i].thp)	/* no THP here: more 4 KiB pages */
			w[i].thp = ps_small_buf(_metadata, THP_FOLIOS * 512);
		w[i].huge = ps_hugetlb_buf(_metadata, HUGE_FOLIOS);
		if (w[i].huge) {
			hugetlb++;
			w[i].huge_lt_warns = ps_hugetlb_longterm_warns(w[i].huge);
		}
	}
	TH_LOG("%d pin APIs, %d unpin APIs; %d pinner threads (%d with hugetlb), %d forker threads, 1 reader, 1 reloader; %d s, at least %d load/unload cycles",
	       caps.npin, caps.nunpin, nworkers, hugetlb, nforkers, seconds,
	       min_cycles);

	memset(f, 0, sizeof(f));
	memset(&rd, 0, sizeof(rd));
	memset(&rl, 0, sizeof(rl));
	start = ps_now_ms();
	for (i = 0; i < nworkers; i++)
		ASSERT_EQ(0, pthread_create(&w[i].t, NULL, worker_fn, &w[i]));
	for (i = 0; i < nforkers; i++) {
		f[i].idx = i;
		f[i].seed = 0x1234567ULL * (i + 3);
		f[i].w = w;
		f[i].nworkers = nworkers;
		ASSERT_EQ(0, pthread_create(&f[i].t, NULL, forker_fn, &f[i]));
	}
	rd.seed = 0xabcdef12345ULL;
	rd.w = w;
	rd.nworkers = nworkers;
	ASSERT_EQ(0, pthread_create(&rd.t, NULL, reader_fn, &rd));
	rl.seed = 0x5151515151ULL;
	ASSERT_EQ(0, pthread_create(&rl.t, NULL, reloader_fn, &rl));

	deadline = start + seconds * 1000LL;
	cap = start + 3 * seconds * 1000LL;
	for (;;) {
		ps_msleep(1000);
		now = ps_now_ms();
		if (atomic_load(&errors))
			break;
		if (now >= deadline && (int)rl.cycles >= min_cycles)
			break;
		if (now >= cap)
			break;
	}
	/* The reloader first: pinshadow stays loaded for the checks. */
	atomic_store(&stop_others, true);
	pthread_join(rl.t, NULL);
	pthread_join(rd.t, NULL);
	for (i = 0; i < nforkers; i++) {
		pthread_join(f[i].t, NULL);
		forks += f[i].forks;
		child_failed += f[i].failed;
	}
	/* Deliberately broken: the last unpins go unseen. */
	if (ps_rel_break("stress"))
		ps_control("disable");
	atomic_store(&stop_workers, true);
	for (i = 0; i < nworkers; i++) {
		pthread_join(w[i].t, NULL);
		close(w[i].fd);
		tot_pin_calls += w[i].pin_calls;
		tot_pages += w[i].pinned_pages;
		tot_unpins += w[i].unpin_calls;
		tot_zaps += w[i].zaps;
		tot_writes += w[i].writes;
		tot_short += w[i].short_pins;
	}
	now = ps_now_ms();
	if (!ps_module_loaded(PS_MODULE))
		ASSERT_EQ(0, ps_load(NULL));
	add_totals(rl.tot);

	TH_LOG("stress: %.1f s, %llu load/unload cycles (rmmod up to %lld ms, insmod up to %lld ms, %llu busy retries)",
	       (now - start) / 1000.0, (unsigned long long)rl.cycles,
	       (long long)rl.max_rmmod_ms, (long long)rl.max_insmod_ms,
	       (unsigned long long)rl.busy_retries);
	TH_LOG("stress: threads: %d pinners, %d forkers, 1 reader, 1 reloader",
	       nworkers, nforkers);
	TH_LOG("stress: operations: %llu pin calls (%llu pages, %llu short), %llu unpin calls, %llu zaps, %llu writes, %llu forks (%llu failed), %llu reads, %llu lookups, %llu control writes (%llu resets), %llu reads while unloaded, %llu pins rows read without their record",
	       (unsigned long long)tot_pin_calls,
	       (unsigned long long)tot_pages, (unsigned long long)tot_short,
	       (unsigned long long)tot_unpins, (unsigned long long)tot_zaps,
	       (unsigned long long)tot_writes, (unsigned long long)forks,
	       (unsigned long long)child_failed,
	       (unsigned long long)rd.reads, (unsigned long long)rd.lookups,
	       (unsigned long long)rd.controls,
	       (unsigned long long)rd.resets, (unsigned long long)rd.absent,
	       (unsigned long long)rd.norecord);
	{
		char line[1024];
		size_t len = 0;

		for (k = 0; k < NTOT; k++)
			len += snprintf(line + len, sizeof(line) - len,
					"%s %lld%s", tot_names[k],
					(long long)rl.tot[k],
					k + 1 < NTOT ? ", " : "");
		TH_LOG("stress: pinshadow's counters summed over the %llu instances: %s",
		       (unsigned long long)rl.cycles + 1, line);
	}
	EXPECT_EQ(0, atomic_load(&errors)) TH_LOG("first error: %s",
						  first_error);
	EXPECT_LE(min_cycles, (int)rl.cycles)
		TH_LOG("only %llu load/unload cycles in %.0f s",
		       (unsigned long long)rl.cycles, (now - start) / 1000.0);

	/* Quiescence on the instance loaded last. */
	check_quiescent(_metadata, "quiescent");
	ps_control("enable");

	/* A fresh instance: a known round, and the reconciliation. */
	ASSERT_EQ(0, ps_reload(NULL));
	/* Pins released before it was loaded are no concern of it. */
	final_round(_metadata, self->env.helper_fd, self->env.comm);
	check_quiescent(_metadata, "after the final round");
	check_kmemleak(_metadata);
}

TEST_HARNESS_MAIN
