// SPDX-License-Identifier: GPL-2.0
/*
 * pinshadow: the pools that feed probe context (module/pool.c).
 *
 * Probe handlers run with preemption disabled, so they take table blocks,
 * "ever pinned" bitmaps, pin-call records and fork-audit pages from pools
 * that a kthread refills in process context; a take that finds a pool
 * empty is a lost event.  A large pin call needs many blocks in one
 * handler run, before any refill can catch up.  These tests pin 64 MiB in
 * one call and check that the pools' reserve covered it:
 *
 * uring_64m: io_uring registers a 64 MiB fixed buffer (16384 pages of
 *   4 KiB, or 32 THPs or hugetlb pages: one pin call), then unregisters
 *   it: nothing lost (lost_events, lost_records, pool_empty all 0), every
 *   page counted, and the memory the table and the pools hold reported.
 * fork_64m: then forks twice with those pins held: the fork audit records
 *   every pinned page in pages from its pool, which keeps enough for the
 *   pages pinned now; the second fork is audited whole in any case (a
 *   shortfall deepens the pool), and with 4 KiB pages the first one too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "ps_uring.h"

#define BUF_BYTES	(64UL << 20)
#define BUF_PAGES	(BUF_BYTES / PS_PAGE_SIZE)
#define BUF_FOLIOS	(BUF_BYTES / PS_HPAGE_SIZE)
#define RELEASE_WAIT_MS	20000


static const char *const names[] = {
	"lost_events", "lost_records", "pool_empty", "pool_refill_failures",
	"missed_events", "api_pins", "pins_outstanding", "pinned_pages",
	"table_blocks", "table_bytes", "records", "record_bytes",
	"pool_bytes", "cow_examined", "cow_unaudited", "sticky_bytes",
};

enum { LOST, LOSTREC, EMPTY, REFILL_FAIL, MISSED, APIPINS, OUT, PAGES,
       BLOCKS, TBYTES, RECORDS, RBYTES, PBYTES, EXAMINED, UNAUDITED,
       SBYTES, NR };

struct st {
	int64_t v[NR];
};

static void get_st(struct __test_metadata *_metadata, struct st *s)
{
	int err = ps_stats_named(names, s->v, NR);

	ASSERT_EQ(0, err) TH_LOG("stats: %s", strerror(-err));
}

#define D(a, b, i)	((b)->v[i] - (a)->v[i])

PS_URING_FIXTURE(pool, BUF_PAGES, BUF_FOLIOS, RELEASE_WAIT_MS);

static void log_st(struct __test_metadata *_metadata, const char *when,
		   const struct st *s)
{
	TH_LOG("%s: pinned_pages %lld, table_blocks %lld, table_bytes %lld, sticky_bytes %lld, records %lld, record_bytes %lld, pool_bytes %lld",
	       when, (long long)s->v[PAGES], (long long)s->v[BLOCKS],
	       (long long)s->v[TBYTES], (long long)s->v[SBYTES],
	       (long long)s->v[RECORDS], (long long)s->v[RBYTES],
	       (long long)s->v[PBYTES]);
}

/* One pin call of the whole buffer; nothing may be lost. */
static void register_64m(struct __test_metadata *_metadata,
			 FIXTURE_DATA(pool) *self)
{
	struct iovec iov = { .iov_base = self->buf, .iov_len = BUF_BYTES };
	int64_t t0, t1;
	struct st a, b;
	int err;

	get_st(_metadata, &a);
	log_st(_metadata, "before", &a);
	t0 = ps_now_ms();
	err = io_uring_register_buffers(&self->ring, &iov, 1);
	t1 = ps_now_ms();
	ASSERT_EQ(0, err) TH_LOG("io_uring_register_buffers: %s",
				 strerror(-err));
	get_st(_metadata, &b);
	log_st(_metadata, "registered", &b);
	TH_LOG("64 MiB registered in %lld ms: %lld blocks taken, lost_events +%lld, lost_records +%lld, pool_empty +%lld, pool_refill_failures +%lld",
	       (long long)(t1 - t0), (long long)D(&a, &b, BLOCKS),
	       (long long)D(&a, &b, LOST), (long long)D(&a, &b, LOSTREC),
	       (long long)D(&a, &b, EMPTY), (long long)D(&a, &b, REFILL_FAIL));
	EXPECT_EQ((int64_t)BUF_PAGES, D(&a, &b, APIPINS));
	EXPECT_EQ(0, D(&a, &b, LOST));
	EXPECT_EQ(0, D(&a, &b, LOSTREC));
	EXPECT_EQ(0, D(&a, &b, EMPTY));
	EXPECT_EQ(0, D(&a, &b, REFILL_FAIL));
	EXPECT_EQ(0, b.v[MISSED]);
	EXPECT_LT(0, D(&a, &b, OUT));
	EXPECT_LT(0, D(&a, &b, BLOCKS));
	/* What the pools hold is theirs, not the table's. */
	EXPECT_EQ(b.v[BLOCKS] * 2048 + a.v[TBYTES] - a.v[BLOCKS] * 2048,
		  b.v[TBYTES]);
	EXPECT_LT(0, b.v[PBYTES]);
}

TEST_F_TIMEOUT(pool, uring_64m, 600)
{
	struct st before, s;
	int err;

	get_st(_metadata, &before);
	register_64m(_metadata, self);
	err = io_uring_unregister_buffers(&self->ring);
	ASSERT_EQ(0, err) TH_LOG("io_uring_unregister_buffers: %s",
				 strerror(-err));
	get_st(_metadata, &s);
	log_st(_metadata, "unregistered", &s);
	EXPECT_EQ(0, s.v[OUT]);
	EXPECT_EQ(0, s.v[LOST]);
	/*
	 * No entry stays reserved once its page is unpinned: the flush before
	 * each read of stats frees every block the pins took.
	 */
	EXPECT_EQ(before.v[BLOCKS], s.v[BLOCKS]);
}

/* One fork with the pins held: the audit's view of it. */
static void fork_once(struct __test_metadata *_metadata, const char *which,
		      int64_t *unaudited)
{
	struct st a, b;
	int status;
	pid_t pid;

	get_st(_metadata, &a);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	get_st(_metadata, &b);
	*unaudited = D(&a, &b, UNAUDITED);
	TH_LOG("%s fork: %lld pages examined, %lld unaudited, pool_empty +%lld, pool_bytes %lld -> %lld",
	       which, (long long)D(&a, &b, EXAMINED), (long long)*unaudited,
	       (long long)D(&a, &b, EMPTY), (long long)a.v[PBYTES],
	       (long long)b.v[PBYTES]);
	EXPECT_LE((int64_t)BUF_PAGES, D(&a, &b, EXAMINED));
	EXPECT_EQ(0, D(&a, &b, LOST));
}

TEST_F_TIMEOUT(pool, fork_64m, 600)
{
	int64_t first, second;

	if (variant->kind == PS_BUF_HUGETLB)
		SKIP(return, "a fork copies pinned hugetlb pages: 64 MiB more of them");
	register_64m(_metadata, self);
	fork_once(_metadata, "first", &first);
	fork_once(_metadata, "second", &second);
	EXPECT_EQ(0, second);
	if (variant->kind == PS_BUF_SMALL) {
		EXPECT_EQ(0, first);
	}
}

TEST_HARNESS_MAIN
