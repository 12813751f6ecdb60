// SPDX-License-Identifier: GPL-2.0
/*
 * Reliability: pinshadow unloaded, reloaded or reset while pin calls sleep
 * in the middle, their kretprobe instances outstanding.
 *
 * Each of 1 or 4 threads pins, through the test helper, a region registered
 * with userfaultfd in missing mode: the pin call (pin_user_pages_fast() or
 * pin_user_pages_unlocked(), which may drop mmap_lock and so wait for the
 * fault) enters, pinshadow's entry handler runs, and the call sleeps in the
 * fault.  Meanwhile the test
 *   unload:  rmmod pinshadow (it must go at once), resolves the faults, and
 *            loads it again only after the calls returned;
 *   reload:  rmmod and insmod, then resolves the faults: the calls finish
 *            under a module that never saw them enter;
 *   reset:   writes `reset` to control, then resolves the faults: the calls
 *            span a reset.
 * Every pin call completes with all its pages, nothing crashes or WARNs, and
 * the numbers are exact: the return of a call pinshadow did not see enter
 * (or that spans a reset) is never credited, the FOLL_PIN grabs made after
 * the (re)load are in pins_acquired (the folio ledger sees them), and the
 * unpins are untracked_unpins, never negative counts.  Then a fresh
 * pin/unpin cycle is counted exactly.
 *
 * load_under_traffic (below): pinshadow loaded while threads pin and unpin
 * in a loop; once they stopped, every count must be 0.
 *
 * ps_rel_break=unload (kernel command line, see ps_util.h) expects the
 * sleeping calls' pins credited: to show the checks fail.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "ps_check.h"

#define NPAGES		8
#define LEN		(NPAGES * PS_PAGE_SIZE)
#define MAX_THREADS	4

enum action { A_UNLOAD, A_RELOAD, A_RESET };

struct pinner {
	int fd;			/* the thread's own helper file */
	uint32_t api;
	char *region;
	struct psh_pin req;
	int err;
	bool started, joined;
	pthread_t thread;
};

FIXTURE(midpin) {
	struct ps_env env;
	int uffd;
	int nthreads;
	struct pinner p[MAX_THREADS];
	char *src;
};

FIXTURE_VARIANT(midpin) {
	uint32_t api;
	enum action action;
	int nthreads;
};

/* Pin API, what is done while pins are held, pinning threads. */
#define MIDPIN_VARIANT(name, a, what, n)				\
	FIXTURE_VARIANT_ADD(midpin, name) {				\
		.api = a, .action = what, .nthreads = n,		\
	}

MIDPIN_VARIANT(fast_unload, PSH_PIN_FAST, A_UNLOAD, 1);
MIDPIN_VARIANT(fast_unload_4_threads, PSH_PIN_FAST, A_UNLOAD, 4);
MIDPIN_VARIANT(unlocked_unload, PSH_PIN_UNLOCKED, A_UNLOAD, 1);
MIDPIN_VARIANT(fast_reload, PSH_PIN_FAST, A_RELOAD, 1);
MIDPIN_VARIANT(unlocked_reload_4_threads, PSH_PIN_UNLOCKED, A_RELOAD, 4);
MIDPIN_VARIANT(fast_reset_4_threads, PSH_PIN_FAST, A_RESET, 4);

FIXTURE_SETUP(midpin)
{
	struct uffdio_api api = { .api = UFFD_API };
	int i;

	self->uffd = -1;
	/* Pins taken before the (re)load or reset are released after it. */
	if (!ps_reload_fixture_setup(_metadata, &self->env, true))
		return;
	if (!psh_pin_supported(self->env.helper_fd, variant->api, PSH_F_WRITE))
		SKIP(return, "%s: not in this kernel",
		     psh_pin_api_name(variant->api));
	self->uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (self->uffd < 0)
		SKIP(return, "userfaultfd: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(self->uffd, UFFDIO_API, &api));
	self->nthreads = variant->nthreads;
	self->src = ps_small_buf(_metadata, NPAGES);
	for (i = 0; i < self->nthreads; i++) {
		struct uffdio_register reg = {
			.mode = UFFDIO_REGISTER_MODE_MISSING,
		};
		struct pinner *p = &self->p[i];

		p->api = variant->api;
		p->fd = psh_open();
		ASSERT_LE(0, p->fd);
		p->region = ps_mmap_aligned(LEN, PS_PAGE_SIZE,
					    PROT_READ | PROT_WRITE, 0);
		ASSERT_TRUE(p->region != NULL);
		ASSERT_EQ(0, ps_nohuge(p->region, LEN));
		reg.range.start = (uintptr_t)p->region;
		reg.range.len = LEN;
		ASSERT_EQ(0, ioctl(self->uffd, UFFDIO_REGISTER, &reg))
			TH_LOG("UFFDIO_REGISTER: %s", strerror(errno));
	}
}

FIXTURE_TEARDOWN(midpin)
{
	int i;

	/* Closing the userfaultfd fails a fault still waiting: calls end. */
	if (self->uffd >= 0)
		close(self->uffd);
	for (i = 0; i < self->nthreads; i++) {
		if (self->p[i].started && !self->p[i].joined)
			pthread_join(self->p[i].thread, NULL);
		if (self->p[i].fd >= 0)
			close(self->p[i].fd);
	}
	ps_reload_fixture_teardown(_metadata, &self->env);
}

static void *pinner_fn(void *arg)
{
	struct pinner *p = arg;

	p->err = psh_pin(p->fd, p->region, NPAGES, p->api, PSH_F_WRITE,
			 &p->req);
	return NULL;
}

static void get_named(struct __test_metadata *_metadata,
		      const char *const *names, int64_t *v, int n)
{
	int err = ps_stats_named(names, v, n);

	ASSERT_EQ(0, err) TH_LOG("stats: %s", strerror(-err));
}

TEST_F_TIMEOUT(midpin, sleeping_pin_call, 300)
{
	static const char *const names[] = {
		"pins_acquired", "pins_released", "pins_outstanding",
		"pinned_pages", "api_pins", "api_unpins", "untracked_unpins",
		"rollback_unpins", "vmstat_acquired", "vmstat_released",
		"lost_events", "missed_events", "table_blocks", "records",
		"enabled",
	};
	enum { ACQ, REL, OUT, PAGES, APIP, APIU, UNTR, RB, VACQ, VREL, LOST,
	       MISSED, BLOCKS, RECS, ENABLED, NR };
	int64_t v[NR];
	const int64_t total = (int64_t)self->nthreads * NPAGES;
	uint64_t pfns[MAX_THREADS][NPAGES], n;
	struct uffdio_copy copy = { .len = LEN };
	struct ps_lookup lk;
	struct pollfd pfd;
	struct uffd_msg msg;
	int64_t t0;
	int i, j, faults = 0, err;

	for (i = 0; i < self->nthreads; i++) {
		ASSERT_EQ(0, pthread_create(&self->p[i].thread, NULL,
					    pinner_fn, &self->p[i]));
		self->p[i].started = true;
	}
	/* Every call is inside GUP, asleep in its first fault. */
	pfd.fd = self->uffd;
	pfd.events = POLLIN;
	while (faults < self->nthreads) {
		ASSERT_EQ(1, poll(&pfd, 1, 20000))
			TH_LOG("%d of %d pin calls reached their fault in 20 s",
			       faults, self->nthreads);
		if (read(self->uffd, &msg, sizeof(msg)) != sizeof(msg))
			continue;
		ASSERT_EQ(UFFD_EVENT_PAGEFAULT, msg.event);
		for (i = 0; i < self->nthreads; i++)
			if ((msg.arg.pagefault.address & ~(PS_PAGE_SIZE - 1)) ==
			    (uintptr_t)self->p[i].region)
				break;
		ASSERT_LT(i, self->nthreads)
			TH_LOG("fault at %#llx, not at a region's first page",
			       (unsigned long long)msg.arg.pagefault.address);
		faults++;
	}

	switch (variant->action) {
	case A_UNLOAD:
	case A_RELOAD:
		t0 = ps_now_ms();
		err = ps_rmmod(PS_MODULE);
		ASSERT_EQ(0, err) TH_LOG("rmmod with %d pin calls asleep: %s",
					 self->nthreads, strerror(-err));
		ASSERT_FALSE(ps_module_loaded(PS_MODULE));
		TH_LOG("rmmod took %lld ms with %d pin calls asleep",
		       (long long)(ps_now_ms() - t0), self->nthreads);
		if (variant->action == A_RELOAD) {
			err = ps_load(NULL);
			ASSERT_EQ(0, err) TH_LOG("insmod: %s", strerror(-err));
		}
		break;
	case A_RESET:
		ASSERT_EQ(0, ps_control("reset"));
		break;
	}

	/* The calls are still asleep; wake them with their pages. */
	for (i = 0; i < self->nthreads; i++) {
		ASSERT_FALSE(self->p[i].joined);
		copy.dst = (uintptr_t)self->p[i].region;
		copy.src = (uintptr_t)self->src;
		ASSERT_EQ(0, ioctl(self->uffd, UFFDIO_COPY, &copy))
			TH_LOG("UFFDIO_COPY: %s", strerror(errno));
	}
	for (i = 0; i < self->nthreads; i++) {
		struct pinner *p = &self->p[i];

		ASSERT_EQ(0, pthread_join(p->thread, NULL));
		p->joined = true;
		ASSERT_EQ(0, p->err) TH_LOG("PSH_IOC_PIN: %s",
					    strerror(-p->err));
		ASSERT_EQ(NPAGES, p->req.result)
			TH_LOG("%s returned %lld", psh_pin_api_name(p->api),
			       (long long)p->req.result);
		ASSERT_EQ(0, psh_pfns(p->fd, p->req.slot, pfns[i], NPAGES, &n));
		ASSERT_EQ((uint64_t)NPAGES, n);
	}

	if (variant->action == A_UNLOAD) {
		err = ps_load(NULL);
		ASSERT_EQ(0, err) TH_LOG("insmod: %s", strerror(-err));
	}

	/*
	 * Nothing credited: the module that counts now saw no call enter, or
	 * the call spans a reset.  The grabs after a reload or reset are in
	 * the folio ledger, as in the kernel's counter.
	 */
	get_named(_metadata, names, v, NR);
	EXPECT_EQ(variant->action == A_UNLOAD ? 0 : total, v[ACQ]);
	EXPECT_EQ(v[ACQ], v[VACQ]);
	EXPECT_EQ(0, v[REL]);
	EXPECT_EQ(0, v[VREL]);
	EXPECT_EQ(0, v[OUT]);
	EXPECT_EQ(0, v[PAGES]);
	EXPECT_EQ(ps_rel_break("unload") ? total : 0, v[APIP]);
	EXPECT_EQ(0, v[RB]);
	EXPECT_EQ(0, v[LOST]);
	EXPECT_EQ(0, v[MISSED]);
	EXPECT_EQ(0, v[BLOCKS]);
	EXPECT_EQ(0, v[RECS]);
	EXPECT_EQ(1, v[ENABLED]);
	for (i = 0; i < self->nthreads; i++) {
		for (j = 0; j < NPAGES; j++) {
			ASSERT_EQ(0, ps_lookup_pfn(pfns[i][j], &lk));
			EXPECT_EQ(0, lk.count) TH_LOG("%s", lk.line);
			/* The kernel's own view: pinned. */
			EXPECT_EQ(1, lk.maybe_pinned) TH_LOG("%s", lk.line);
		}
	}

	/* Released now: untracked unpins, never a negative count. */
	for (i = 0; i < self->nthreads; i++)
		ASSERT_EQ(0, psh_unpin(self->p[i].fd, self->p[i].req.slot,
				       PSH_UNPIN_PAGES, 0));
	get_named(_metadata, names, v, NR);
	EXPECT_EQ(total, v[REL]);
	EXPECT_EQ(total, v[VREL]);
	EXPECT_EQ(total, v[UNTR]);
	EXPECT_EQ(0, v[APIU]);
	EXPECT_EQ(0, v[OUT]);
	EXPECT_EQ(0, v[PAGES]);
	EXPECT_EQ(v[ACQ], v[VACQ]);
	TH_LOG("%lld pages pinned by calls that slept across the %s: acquired %lld, released %lld, untracked %lld",
	       (long long)total,
	       variant->action == A_UNLOAD ? "unload" :
	       variant->action == A_RELOAD ? "reload" : "reset",
	       (long long)v[ACQ], (long long)v[REL], (long long)v[UNTR]);

	/* And a fresh cycle is exact again. */
	{
		char *buf = ps_small_buf(_metadata, NPAGES);
		static const struct ps_range halves[] = {
			{ 0, 3 }, { 3, NPAGES - 3 },
		};
		struct ps_plan p;

		ps_plan_init(&p, &self->env, buf, NPAGES, variant->api,
			     PSH_F_WRITE, halves, ARRAY_SIZE(halves));
		ASSERT_EQ(0, ps_control("reset"));
		ps_plan_run(_metadata, &p, PSH_UNPIN_PAGES, 0);
		ps_plan_free(&p);
	}
}

/*
 * load_under_traffic: pinshadow loaded (5 times) while threads pin and
 * unpin in a loop.  A pin taken before the load is released as an
 * untracked unpin; a pin credited after the load is debited by its unpin.
 * Once the threads stopped and released everything, every count must be 0
 * and every credit debited -- whatever the load raced with.
 */
#define TRAFFIC_THREADS	2
#define TRAFFIC_PAGES	16

struct traffic {
	pthread_t t;
	int fd;
	char *buf;
	volatile bool *stop;
	uint64_t cycles;
	int err;
};

static void *traffic_fn(void *arg)
{
	struct traffic *tr = arg;
	struct psh_pin req;
	int err;

	while (!*tr->stop) {
		err = psh_pin(tr->fd, tr->buf, TRAFFIC_PAGES, PSH_PIN_FAST,
			      PSH_F_WRITE, &req);
		if (err || req.result != TRAFFIC_PAGES) {
			tr->err = err ? err : -EIO;
			break;
		}
		err = psh_unpin(tr->fd, req.slot, PSH_UNPIN_PAGES, 0);
		if (err) {
			tr->err = err;
			break;
		}
		tr->cycles++;
	}
	return NULL;
}

FIXTURE(traffic) {
	struct ps_env env;
};

FIXTURE_SETUP(traffic)
{
	ps_reload_fixture_setup(_metadata, &self->env, true);
}

FIXTURE_TEARDOWN(traffic)
{
	ps_reload_fixture_teardown(_metadata, &self->env);
}

/*
 * Every thread on CPU 0, where insmod runs too: the pin traffic and the
 * loading interleave by preemption only.  On QEMU TCG guests with two
 * vCPUs, arming a probe on a function the other vCPU is running flat out
 * jumps to NULL now and then, with the kernel's own kprobe_events just as
 * well and pinshadow not even loaded (never with one vCPU): that is not
 * what this test is about.  PS_ANY_CPU=1 lets the threads run anywhere.
 */
static void same_cpu(void)
{
	cpu_set_t set;

	if (getenv("PS_ANY_CPU"))
		return;
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

TEST_F_TIMEOUT(traffic, load_under_traffic, 600)
{
	static const char *const names[] = {
		"pins_outstanding", "pinned_pages", "api_pins", "api_unpins",
		"untracked_unpins", "table_blocks", "records",
	};
	enum { OUT, PAGES, APIP, APIU, UNTR, BLOCKS, RECS, NR };
	struct traffic tr[TRAFFIC_THREADS];
	volatile bool stop;
	struct ps_pin_row *rows;
	size_t nrows;
	int64_t v[NR], t0;
	int round, i, err, bad = 0;

	same_cpu();	/* inherited by the threads */
	for (i = 0; i < TRAFFIC_THREADS; i++) {
		tr[i].fd = psh_open();
		ASSERT_LE(0, tr[i].fd);
		tr[i].buf = ps_small_buf(_metadata, TRAFFIC_PAGES);
		tr[i].stop = &stop;
	}
	for (round = 0; round < 5; round++) {
		err = ps_rmmod(PS_MODULE);
		ASSERT_EQ(0, err) TH_LOG("rmmod: %s", strerror(-err));
		stop = false;
		for (i = 0; i < TRAFFIC_THREADS; i++) {
			tr[i].cycles = 0;
			tr[i].err = 0;
			ASSERT_EQ(0, pthread_create(&tr[i].t, NULL,
						    traffic_fn, &tr[i]));
		}
		ps_msleep(100);
		t0 = ps_now_ms();
		err = ps_load(NULL);
		t0 = ps_now_ms() - t0;
		ps_msleep(200);
		stop = true;
		for (i = 0; i < TRAFFIC_THREADS; i++) {
			pthread_join(tr[i].t, NULL);
			EXPECT_EQ(0, tr[i].err) TH_LOG("thread %d: %s", i,
						       strerror(-tr[i].err));
		}
		ASSERT_EQ(0, err) TH_LOG("insmod: %s", strerror(-err));
		ASSERT_EQ(0, ps_stats_named(names, v, NR));
		ASSERT_EQ(0, ps_pins_read(&rows, &nrows));
		free(rows);
		TH_LOG("round %d: insmod took %lld ms under %llu pin/unpin cycles: pins_outstanding %lld on %zu pages, api_pins %lld, api_unpins %lld, untracked %lld",
		       round, (long long)t0,
		       (unsigned long long)(tr[0].cycles + tr[1].cycles),
		       (long long)v[OUT], nrows, (long long)v[APIP],
		       (long long)v[APIU], (long long)v[UNTR]);
		if (v[OUT] || v[PAGES] || v[APIP] != v[APIU] || v[BLOCKS] ||
		    v[RECS] || nrows)
			bad++;
	}
	EXPECT_EQ(0, bad) TH_LOG("%d of 5 loads under traffic left counts behind",
				 bad);
	for (i = 0; i < TRAFFIC_THREADS; i++)
		close(tr[i].fd);
	/* What is left is stale: the teardown need not say it again. */
	ASSERT_EQ(0, ps_control("reset"));
}

TEST_HARNESS_MAIN
