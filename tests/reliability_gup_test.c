// SPDX-License-Identifier: GPL-2.0
/*
 * Reliability: the kernel's own pin tests (mm/gup_test.c, CONFIG_GUP_TEST,
 * /sys/kernel/debug/gup_test; the debug kernel has it, Debian's kernels do
 * not: SKIP there) checked against pinshadow's exact counts.
 *
 * longterm: PIN_LONGTERM_TEST_START pins a buffer FOLL_LONGTERM (with
 *   pin_user_pages(), or pin_user_pages_fast() with
 *   PIN_LONGTERM_TEST_FLAG_USE_FAST; FOLL_WRITE or not) and keeps the pins:
 *   every page must show count 1 longterm 1 with the API that pinned it,
 *   the deltas of acquired/api pins must be the page count and agree with
 *   nr_foll_pin_acquired; PIN_LONGTERM_TEST_READ copies the pinned pages
 *   back (same bytes, counts unchanged); PIN_LONGTERM_TEST_STOP (or closing
 *   the file) releases them: counts 0, released delta the page count.
 * basic: PIN_BASIC_TEST, PIN_FAST_BENCHMARK and PIN_LONGTERM_BENCHMARK pin
 *   and unpin inside one ioctl (in batches of nr_pages_per_call):
 *   acquired, released, api_pins and api_unpins all grow by the page count,
 *   as do the kernel's counters, and nothing stays pinned.  GUP_BASIC_TEST
 *   (get_user_pages(), FOLL_GET) must count nothing.
 * Buffers: 4 KiB pages, THP, hugetlb.
 *
 * ps_rel_break=gup (kernel command line, see ps_util.h) expects longterm 0
 * and one pin too many: to show the checks fail.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/types.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "gup_test_abi.h"
#include "ps_check.h"

static char *make_buf(struct __test_metadata *_metadata,
		      enum ps_buf_kind kind, size_t *npages)
{
	char *buf = ps_kind_buf(_metadata, kind, 64, 2, npages);
	size_t i;

	if (buf)
		for (i = 0; i < *npages; i++)
			buf[i * PS_PAGE_SIZE + 7] = (char)(i * 13 + 1);
	return buf;
}

FIXTURE(gup) {
	struct ps_env env;
	int fd;
	char *buf;
	size_t npages;
};

PS_BUF_KIND_VARIANTS(gup);

FIXTURE_SETUP(gup)
{
	self->fd = -1;
	ps_fixture_setup(_metadata, &self->env);
	self->fd = open(GUP_TEST_PATH, O_RDWR | O_CLOEXEC);
	if (self->fd < 0)
		SKIP(return, "%s: %s (CONFIG_GUP_TEST: the debug kernel)",
		     GUP_TEST_PATH, strerror(errno));
	self->buf = make_buf(_metadata, variant->kind, &self->npages);
	if (!self->buf)
		SKIP(return, "no %s here", ps_buf_kind_name(variant->kind));
}

FIXTURE_TEARDOWN(gup)
{
	if (self->fd >= 0)
		close(self->fd);	/* releases a longterm test's pins */
	ps_fixture_teardown(_metadata, &self->env, 5000);
}

/* pinshadow shows one FOLL_LONGTERM pin on every page of the buffer. */
static void check_held(struct __test_metadata *_metadata,
		       FIXTURE_DATA(gup) *self, const char *api)
{
	size_t n = self->npages, nwatch;
	uint64_t *pfns = calloc(n, sizeof(*pfns)), *watch;
	struct ps_pin_ent *ents = calloc(n, sizeof(*ents));
	bool large;

	ASSERT_TRUE(pfns && ents);
	ps_buf_pfns(_metadata, self->buf, n, pfns);
	ps_pin_ents(ents, pfns, n, ps_rel_break("gup") ? 0 : 1);
	nwatch = ps_folio_pfns(_metadata, pfns, n, &watch, &large);
	ps_check_pins(_metadata, &(struct ps_expect){
		.pins = ents, .npins = n, .watch = watch, .nwatch = nwatch,
		.exact = true, .api = api, .pid = getpid(),
		.comm = self->env.comm,
	});
	free(watch);
	free(ents);
	free(pfns);
}

static void longterm(struct __test_metadata *_metadata,
		     FIXTURE_DATA(gup) *self, uint32_t flags, bool stop)
{
	const char *api = flags & PIN_LONGTERM_TEST_FLAG_USE_FAST ?
			  "pin_user_pages_fast" : "pin_user_pages";
	struct pin_longterm_test args = {
		.addr = (uintptr_t)self->buf,
		.size = self->npages * PS_PAGE_SIZE,
		.flags = flags,
	};
	size_t len = self->npages * PS_PAGE_SIZE;
	int64_t n = self->npages;
	struct ps_test_stats a, b, c;
	struct ps_vm va, vb, vc;
	__u64 dst;
	char *copy;

	ps_get_stats(_metadata, &a);
	ps_get_vm(_metadata, &va);
	ASSERT_EQ(0, ioctl(self->fd, PIN_LONGTERM_TEST_START, &args))
		TH_LOG("PIN_LONGTERM_TEST_START: %s", strerror(errno));
	ps_get_stats(_metadata, &b);
	ps_get_vm(_metadata, &vb);
	ps_check_pin_deltas(_metadata, &a, &b, &va, &vb, n, true);
	EXPECT_EQ(n, PS_DELTA(&a, &b, longterm_outstanding));
	check_held(_metadata, self, api);

	/* READ copies the pinned pages out; the counts do not move. */
	copy = mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, copy);
	dst = (uintptr_t)copy;
	ASSERT_EQ(0, ioctl(self->fd, PIN_LONGTERM_TEST_READ, &dst))
		TH_LOG("PIN_LONGTERM_TEST_READ: %s", strerror(errno));
	EXPECT_EQ(0, memcmp(copy, self->buf, len));
	munmap(copy, len);
	check_held(_metadata, self, api);

	/* STOP, or the release of the file, unpins them all. */
	b = (struct ps_test_stats){ 0 };
	ps_get_stats(_metadata, &b);
	ps_get_vm(_metadata, &vb);
	if (stop) {
		ASSERT_EQ(0, ioctl(self->fd, PIN_LONGTERM_TEST_STOP));
	} else {
		close(self->fd);
		self->fd = open(GUP_TEST_PATH, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, self->fd);
	}
	ps_get_stats(_metadata, &c);
	ps_get_vm(_metadata, &vc);
	ps_check_unpin_deltas(_metadata, &b, &c, &vb, &vc, n);
	EXPECT_EQ(-n, PS_DELTA(&b, &c, longterm_outstanding));
	EXPECT_EQ(0, c.v[PS_pinned_pages]);
	TH_LOG("%s: %lld pages held FOLL_LONGTERM%s by %s, released by %s",
	       "PIN_LONGTERM_TEST", (long long)n,
	       flags & PIN_LONGTERM_TEST_FLAG_USE_WRITE ? "|FOLL_WRITE" : "",
	       api, stop ? "PIN_LONGTERM_TEST_STOP" : "close()");
}

TEST_F_TIMEOUT(gup, longterm_pin_user_pages, 600)
{
	longterm(_metadata, self, 0, true);
}

TEST_F_TIMEOUT(gup, longterm_pin_user_pages_write, 600)
{
	longterm(_metadata, self, PIN_LONGTERM_TEST_FLAG_USE_WRITE, true);
}

TEST_F_TIMEOUT(gup, longterm_fast_write, 600)
{
	longterm(_metadata, self, PIN_LONGTERM_TEST_FLAG_USE_FAST |
			  PIN_LONGTERM_TEST_FLAG_USE_WRITE, true);
}

TEST_F_TIMEOUT(gup, longterm_fast_released_by_close, 600)
{
	longterm(_metadata, self, PIN_LONGTERM_TEST_FLAG_USE_FAST, false);
}

/*
 * One pin-and-unpin ioctl: every delta is the page count (pinned, then
 * released), or 0 for GUP_BASIC_TEST, which only takes references.
 */
static void basic(struct __test_metadata *_metadata, FIXTURE_DATA(gup) *self,
		  unsigned long cmd, const char *name, uint32_t per_call,
		  uint32_t gup_flags, bool pins)
{
	struct gup_test g = {
		.addr = (uintptr_t)self->buf,
		.size = self->npages * PS_PAGE_SIZE,
		.nr_pages_per_call = per_call,
		.gup_flags = gup_flags,
	};
	int64_t n = pins ? (int64_t)self->npages : 0;
	struct ps_test_stats a, b;
	struct ps_vm va, vb;
	int64_t acq, rb;

	if (ps_rel_break("gup"))
		n++;
	ps_get_stats(_metadata, &a);
	ps_get_vm(_metadata, &va);
	ASSERT_EQ(0, ioctl(self->fd, cmd, &g)) TH_LOG("%s: %s", name,
						     strerror(errno));
	ps_get_stats(_metadata, &b);
	ps_get_vm(_metadata, &vb);
	ASSERT_EQ(self->npages * PS_PAGE_SIZE, g.size)
		TH_LOG("%s stopped after %llu bytes", name,
		       (unsigned long long)g.size);
	acq = PS_DELTA(&a, &b, pins_acquired);
	rb = PS_DELTA(&a, &b, rollback_unpins);
	/* Only FOLL_LONGTERM may migrate first: its undo is a rollback. */
	if (cmd != PIN_LONGTERM_BENCHMARK) {
		EXPECT_EQ(0, rb);
	}
	EXPECT_EQ(n, acq - rb) TH_LOG("%s: pins_acquired", name);
	EXPECT_EQ(n + rb, PS_DELTA(&a, &b, pins_released))
		TH_LOG("%s: pins_released", name);
	EXPECT_EQ(n, PS_DELTA(&a, &b, api_pins)) TH_LOG("%s: api_pins", name);
	EXPECT_EQ(n, PS_DELTA(&a, &b, api_unpins))
		TH_LOG("%s: api_unpins", name);
	EXPECT_EQ(0, PS_DELTA(&a, &b, untracked_unpins));
	EXPECT_EQ(0, b.v[PS_pins_outstanding]);
	EXPECT_EQ(0, b.v[PS_pinned_pages]);
	EXPECT_EQ(0, b.v[PS_longterm_outstanding]);
	EXPECT_EQ(acq, vb.acquired - va.acquired)
		TH_LOG("%s: nr_foll_pin_acquired", name);
	EXPECT_EQ(n + rb, vb.released - va.released)
		TH_LOG("%s: nr_foll_pin_released", name);
	TH_LOG("%s (%u pages per call%s): %lld pinned and released",
	       name, per_call, gup_flags & FOLL_WRITE_BIT ? ", FOLL_WRITE" : "",
	       (long long)n);
}

TEST_F_TIMEOUT(gup, pin_basic_test, 600)
{
	basic(_metadata, self, PIN_BASIC_TEST, "PIN_BASIC_TEST", 1, 0, true);
	basic(_metadata, self, PIN_BASIC_TEST, "PIN_BASIC_TEST", 7,
	      FOLL_WRITE_BIT, true);
	basic(_metadata, self, PIN_BASIC_TEST, "PIN_BASIC_TEST",
	      self->npages, FOLL_WRITE_BIT, true);
}

TEST_F_TIMEOUT(gup, pin_benchmarks, 600)
{
	basic(_metadata, self, PIN_FAST_BENCHMARK, "PIN_FAST_BENCHMARK", 32,
	      FOLL_WRITE_BIT, true);
	basic(_metadata, self, PIN_LONGTERM_BENCHMARK,
	      "PIN_LONGTERM_BENCHMARK", 32, 0, true);
}

TEST_F_TIMEOUT(gup, gup_basic_test_counts_nothing, 600)
{
	basic(_metadata, self, GUP_BASIC_TEST, "GUP_BASIC_TEST", 16,
	      FOLL_WRITE_BIT, false);
	basic(_metadata, self, GUP_FAST_BENCHMARK, "GUP_FAST_BENCHMARK", 16,
	      0, false);
}

TEST_HARNESS_MAIN
