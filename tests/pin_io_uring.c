// SPDX-License-Identifier: GPL-2.0
/*
 * pinshadow: io_uring fixed buffers (IORING_REGISTER_BUFFERS) hold
 * long-term pins from registration to unregistration or ring exit.
 *
 * 6.1 pins every 4 KiB page with pin_user_pages() and releases them one by
 * one (on ring exit from a kworker).  6.12 pins with pin_user_pages_fast()
 * and coalesces a buffer made of large folios at once: it unpins every
 * subpage but the first of each folio, so one pin per folio stays, on the
 * folio's first pinned subpage, released with unpin_user_folio(folio, 1).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/uio.h>

#include "ps_uring.h"

#define SMALL_PAGES	16
#define NFOLIOS		2
#define HPAGE_PAGES	(PS_HPAGE_SIZE / PS_PAGE_SIZE)

/* Release on ring exit runs from a kworker on 6.1: wait that long at most. */
#define RELEASE_WAIT_MS	10000

PS_URING_FIXTURE(uring, SMALL_PAGES, NFOLIOS, RELEASE_WAIT_MS);

/* This kernel keeps one pin per large folio of a fixed buffer. */
static bool coalesces(enum ps_buf_kind kind)
{
	return kind != PS_BUF_SMALL && ps_kernel_at_least(6, 12);
}

/*
 * Registers the buffer and checks the pins it holds; returns the number of
 * pins and fills *pfns with the buffer's PFNs.
 */
static size_t register_and_check(struct __test_metadata *_metadata,
				 FIXTURE_DATA(uring) *self,
				 const FIXTURE_VARIANT(uring) *variant,
				 uint64_t **pfnsp)
{
	struct iovec iov = {
		.iov_base = self->buf,
		.iov_len = self->npages * PS_PAGE_SIZE,
	};
	bool coalesced = coalesces(variant->kind);
	struct ps_test_stats a, b;
	struct ps_vm va, vb;
	struct ps_pin_ent *ents;
	uint64_t *pfns, *watch;
	size_t nwatch, n = 0, i;
	bool large;
	int err;

	pfns = calloc(self->npages, sizeof(*pfns));
	ents = calloc(self->npages, sizeof(*ents));
	ASSERT_TRUE(pfns && ents);

	ps_get_stats(_metadata, &a);
	ps_get_vm(_metadata, &va);
	err = io_uring_register_buffers(&self->ring, &iov, 1);
	ASSERT_EQ(0, err) TH_LOG("io_uring_register_buffers: %s",
				 strerror(-err));
	ps_get_stats(_metadata, &b);
	ps_get_vm(_metadata, &vb);

	/* The pinned pages are the mapped ones (read after any migration). */
	ps_buf_pfns(_metadata, self->buf, self->npages, pfns);
	for (i = 0; i < self->npages; i++) {
		if (coalesced && i % HPAGE_PAGES)
			continue;
		ents[n].pfn = pfns[i];
		ents[n].longterm = 1;
		n++;
	}
	nwatch = ps_folio_pfns(_metadata, pfns, self->npages, &watch, &large);
	ASSERT_EQ(variant->kind != PS_BUF_SMALL, large);

	/* Every page was pinned by the pin API call... */
	EXPECT_EQ((int64_t)self->npages, PS_DELTA(&a, &b, api_pins));
	/* ... and coalescing released all but n of them at once. */
	EXPECT_EQ((int64_t)(self->npages - n), PS_DELTA(&a, &b, api_unpins));
	EXPECT_EQ((int64_t)n, PS_DELTA(&a, &b, pins_outstanding));
	EXPECT_EQ((int64_t)n, PS_DELTA(&a, &b, pins_acquired) -
			      PS_DELTA(&a, &b, pins_released));
	EXPECT_EQ(PS_DELTA(&a, &b, pins_released),
		  PS_DELTA(&a, &b, api_unpins) +
		  PS_DELTA(&a, &b, rollback_unpins));
	EXPECT_EQ(0, PS_DELTA(&a, &b, untracked_unpins));
	EXPECT_EQ(vb.acquired - va.acquired, PS_DELTA(&a, &b, pins_acquired));
	EXPECT_EQ(vb.released - va.released, PS_DELTA(&a, &b, pins_released));

	ps_check_pins(_metadata, &(struct ps_expect){
		.pins = ents, .npins = n,
		.watch = watch, .nwatch = nwatch,
		.exact = true,
		.api = ps_kernel_at_least(6, 12) ?
		       "pin_user_pages_fast" : "pin_user_pages",
		.pid = getpid(), .comm = self->env.comm,
	});
	free(ents);
	free(pfns);
	*pfnsp = watch;
	return nwatch;
}

static void check_released(struct __test_metadata *_metadata,
			   const uint64_t *watch, size_t nwatch,
			   int64_t pins, const struct ps_test_stats *before)
{
	struct ps_expect e = {
		.watch = watch, .nwatch = nwatch, .exact = true,
	};
	struct ps_test_stats st;

	ps_wait_outstanding(_metadata, 0, RELEASE_WAIT_MS, &st);
	EXPECT_EQ(-pins, PS_DELTA(before, &st, pins_outstanding));
	EXPECT_EQ(pins, PS_DELTA(before, &st, pins_released));
	EXPECT_EQ(pins, PS_DELTA(before, &st, api_unpins));
	EXPECT_EQ(0, PS_DELTA(before, &st, pins_acquired));
	EXPECT_EQ(0, PS_DELTA(before, &st, untracked_unpins));
	ps_check_pins(_metadata, &e);
}

TEST_F(uring, register_unregister)
{
	struct ps_test_stats st;
	uint64_t *watch;
	size_t nwatch;
	int err;

	nwatch = register_and_check(_metadata, self, variant, &watch);
	ps_get_stats(_metadata, &st);
	err = io_uring_unregister_buffers(&self->ring);
	ASSERT_EQ(0, err) TH_LOG("io_uring_unregister_buffers: %s",
				 strerror(-err));
	check_released(_metadata, watch, nwatch, st.v[PS_pins_outstanding],
		       &st);
	free(watch);
}

/* The ring goes away with the buffers still registered. */
TEST_F(uring, ring_exit)
{
	struct ps_test_stats st;
	uint64_t *watch;
	size_t nwatch;

	nwatch = register_and_check(_metadata, self, variant, &watch);
	ps_get_stats(_metadata, &st);
	io_uring_queue_exit(&self->ring);
	self->ring_live = false;
	check_released(_metadata, watch, nwatch, st.v[PS_pins_outstanding],
		       &st);
	free(watch);
}

TEST_HARNESS_MAIN
