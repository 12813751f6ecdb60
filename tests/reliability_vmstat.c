// SPDX-License-Identifier: GPL-2.0
/*
 * Reliability: the vmstat reconciliation stays exact across resets taken
 * while the kernel folds its per-CPU counters.
 *
 * pinshadow's vmstat_acquired/vmstat_released are deltas of the kernel's
 * nr_foll_pin_acquired/released since load or reset, read "exactly" by
 * adding every CPU's pending diff to the global counter.  The kernel moves
 * a CPU's diff to the global counter on that CPU (vmstat_update every
 * second, quiet_vmstat() when the CPU goes idle, or at the threshold), in
 * steps another CPU can see half done.  A baseline taken in such a step is
 * off, and every later delta with it.
 *
 * One thread, on CPU 1, pins and unpins a few pages, then stops and its CPU
 * goes idle (and folds); right then the test, on CPU 0, resets pinshadow.
 * With nothing pinned or released since, both deltas must be 0, and stay 0.
 * RESETS rounds (default 3000, at most 150 s).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ps_check.h"

#define NPAGES	8

struct pinner {
	pthread_t t;
	int fd;
	char *buf;
	atomic_int go;		/* 1: run a burst, then spin */
	atomic_int done;	/* bursts finished */
	atomic_long spin_us;	/* then spin this long before sleeping */
	atomic_bool quit;
	int err;
};

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void *pinner_fn(void *arg)
{
	struct pinner *p = arg;
	struct psh_pin req;
	cpu_set_t set;
	int64_t until;
	int i, err;

	CPU_ZERO(&set);
	CPU_SET(1, &set);
	sched_setaffinity(0, sizeof(set), &set);
	while (!atomic_load(&p->quit)) {
		if (!atomic_load(&p->go)) {
			usleep(200);
			continue;
		}
		/* A burst: the counters' diffs on this CPU move. */
		for (i = 0; i < 3; i++) {
			err = psh_pin(p->fd, p->buf, NPAGES, PSH_PIN_FAST,
				      PSH_F_WRITE, &req);
			if (!err)
				err = psh_unpin(p->fd, req.slot,
						PSH_UNPIN_PAGES, 0);
			if (err) {
				p->err = err;
				break;
			}
		}
		atomic_store(&p->go, 0);
		atomic_fetch_add(&p->done, 1);
		/*
		 * Busy (no fold) while the reset starts, then idle: the CPU
		 * folds its diffs as it goes idle, maybe while the reset
		 * takes its baseline on CPU 0.
		 */
		until = now_us() + atomic_load(&p->spin_us);
		while (now_us() < until)
			;
	}
	return NULL;
}

FIXTURE(vmstat) {
	struct ps_env env;
	struct pinner p;
	bool started;
};

FIXTURE_SETUP(vmstat)
{
	cpu_set_t set;

	ps_fixture_setup(_metadata, &self->env);
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "one CPU");
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(set), &set));
	self->p.fd = psh_open();
	ASSERT_LE(0, self->p.fd);
	self->p.buf = ps_small_buf(_metadata, NPAGES);
	ASSERT_EQ(0, pthread_create(&self->p.t, NULL, pinner_fn, &self->p));
	self->started = true;
}

FIXTURE_TEARDOWN(vmstat)
{
	if (self->started) {
		atomic_store(&self->p.quit, true);
		pthread_join(self->p.t, NULL);
		close(self->p.fd);
	}
	ps_fixture_teardown(_metadata, &self->env, 5000);
}

TEST_F_TIMEOUT(vmstat, reset_while_folding, 900)
{
	static const char *const names[] = {
		"vmstat_acquired", "vmstat_released", "pins_acquired",
		"pins_released",
	};
	enum { VACQ, VREL, ACQ, REL, NR };
	const char *e = getenv("RESETS");
	int rounds = e && atoi(e) > 0 ? atoi(e) : 3000, r, bad = 0, n;
	int64_t v[NR], w[NR], t0, reset_us = 2000;
	int64_t end = ps_now_ms() + 150000;	/* slow kernels: fewer */
	uint64_t seed = 88172645463325252ULL;

	for (r = 0; r < rounds && ps_now_ms() < end; r++) {
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		/* Go idle somewhere in the last 40% of the reset. */
		atomic_store(&self->p.spin_us,
			     reset_us * (60 + (int64_t)(seed % 50)) / 100);
		n = atomic_load(&self->p.done);
		atomic_store(&self->p.go, 1);
		while (atomic_load(&self->p.done) == n)
			;
		ASSERT_EQ(0, self->p.err) TH_LOG("%s",
						 strerror(-self->p.err));
		t0 = now_us();
		ASSERT_EQ(0, ps_control("reset"));
		reset_us = (reset_us * 7 + (now_us() - t0)) / 8;
		ps_msleep(5);
		ASSERT_EQ(0, ps_stats_named(names, v, NR));
		ps_msleep(20);
		ASSERT_EQ(0, ps_stats_named(names, w, NR));
		/* Nothing pinned or released since the reset. */
		EXPECT_EQ(0, v[ACQ]);
		EXPECT_EQ(0, v[REL]);
		if (v[VACQ] || v[VREL] || w[VACQ] || w[VREL]) {
			if (bad < 5)
				TH_LOG("reset %d: nothing pinned since, but vmstat_acquired %lld then %lld, vmstat_released %lld then %lld",
				       r, (long long)v[VACQ],
				       (long long)w[VACQ], (long long)v[VREL],
				       (long long)w[VREL]);
			bad++;
		}
	}
	TH_LOG("%d resets (about %lld us each), %d with a vmstat baseline off",
	       r, (long long)reset_us, bad);
	EXPECT_EQ(0, bad);
	/* A clean baseline for the teardown's check, once all is folded. */
	ps_msleep(2500);
	ASSERT_EQ(0, ps_control("reset"));
}

TEST_HARNESS_MAIN
