/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Assertions shared by the pinshadow tests (ps_check.c), and the kselftest
 * harness they use: include this instead of kselftest_harness.h.  The
 * functions take the harness' _metadata so that EXPECT_* and ASSERT_* work
 * inside them (an ASSERT_* longjmp()s out to the harness, which then runs
 * the fixture teardown).
 */
#ifndef PS_CHECK_H
#define PS_CHECK_H

/*
 * The harness (used as shipped) is not -Wextra clean: an unused handler
 * argument, and TEST_F()'s `child`, which gcc flags as live across the
 * harness' setjmp() in every TEST_F() expansion.  ASSERT_*() from a test
 * or a helper below (a longjmp() in the forked test process) has been
 * checked to end the test as a failure and run the fixture teardown.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#pragma GCC diagnostic ignored "-Wclobbered"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "ps_util.h"

#define PS_DELTA(a, b, name)	((b)->v[PS_##name] - (a)->v[PS_##name])

/* One pin expected to be held on @pfn; longterm -1: not checked. */
struct ps_pin_ent {
	uint64_t pfn;
	int longterm;
};

/* One pin on each of the @n @pfns, @longterm as struct ps_pin_ent has it. */
void ps_pin_ents(struct ps_pin_ent *ents, const uint64_t *pfns, size_t n,
		 int longterm);

struct ps_expect {
	const struct ps_pin_ent *pins;	/* every pin expected to be held */
	size_t npins;
	const uint64_t *watch;		/* PFNs that must show no other pin */
	size_t nwatch;
	/*
	 * true: each page's count is known (pins credited at the pinned
	 * subpage); false: only each folio's sum is (a pin or unpin API that
	 * takes a folio, not a page).
	 */
	bool exact;
	const char *api;		/* api column of pinned rows, or NULL */
	int64_t pid;			/* pid column of pinned rows, or 0 */
	int64_t pid_alt;		/* another acceptable pid, or 0 */
	const char *comm;		/* comm column of pinned rows, or NULL */
};

/*
 * Checks pinshadow's view against the pins a test holds: the `pins` table
 * (rows on watched or pinned PFNs and their folios), `lookup` of every
 * pinned PFN, of folio heads and of watched PFNs, and the gauges of `stats`.
 * The gauges are global, so nothing else may hold pins taken since the last
 * reset.
 */
void ps_check_pins(struct __test_metadata *_metadata,
		   const struct ps_expect *e);

/* PFNs of @npages pages at @buf from /proc/self/pagemap (all present). */
void ps_buf_pfns(struct __test_metadata *_metadata,
		 const char *buf, size_t npages, uint64_t *pfns);

/*
 * Every PFN of the folios that hold @pfns (for the watch list), sorted;
 * *large tells whether one of them is a large folio.
 */
size_t ps_folio_pfns(struct __test_metadata *_metadata,
		     const uint64_t *pfns, size_t n,
		     uint64_t **out, bool *large);

void ps_get_stats(struct __test_metadata *_metadata,
		  struct ps_test_stats *st);

/* The `stats` line @name (ps_stats_named()); a missing one fails the test. */
int64_t ps_stat(struct __test_metadata *_metadata, const char *name);
/* The same without the "flush" first (ps_stats_named_unsettled()). */
int64_t ps_stat_unsettled(struct __test_metadata *_metadata,
			  const char *name);

/* Waits up to @ms for pins_outstanding == @want; returns the last stats. */
void ps_wait_outstanding(struct __test_metadata *_metadata,
			 int64_t want, int ms,
			 struct ps_test_stats *st);

/* The kernel's own counters: nr_foll_pin_acquired/released. */
struct ps_vm {
	int64_t acquired;
	int64_t released;
};

void ps_get_vm(struct __test_metadata *_metadata,
	       struct ps_vm *vm);

/*
 * The counters before a real client runs into @a and @va, then client
 * @argv started with its output appended to @log (ps_spawn()): its pid.
 */
pid_t ps_client_start(struct __test_metadata *_metadata, char *const argv[],
		      const char *log, struct ps_test_stats *a,
		      struct ps_vm *va);
/*
 * Client *@pid, called @what in messages, ends within @ms and exits 0;
 * then *@pid is -1.  Failures show the end of its @log.
 */
void ps_client_end(struct __test_metadata *_metadata, pid_t *pid, int ms,
		   const char *log, const char *what);

/* `lookup` of @pfn into @lk; a lookup that fails fails the test. */
void ps_lookup_ok(struct __test_metadata *_metadata, uint64_t pfn,
		  struct ps_lookup *lk);

/*
 * Keep THP out of [addr, addr + len).  A kernel without THP (PREEMPT_RT)
 * answers MADV_NOHUGEPAGE with EINVAL: its folios are order-0 anyway.
 */
int ps_nohuge(void *addr, size_t len);

/* Every fixture's set-up: ps_env_setup(), or the test fails saying why. */
void ps_fixture_setup(struct __test_metadata *_metadata,
		      struct ps_env *env);

/* Every fixture's teardown: ps_env_teardown()'s checks, as expectations. */
void ps_fixture_teardown(struct __test_metadata *_metadata,
			 struct ps_env *env, int wait_ms);

/*
 * Set-up of a fixture whose tests unload or reload pinshadow:
 * ps_fixture_setup(), then (with @pins_before_reset) pins taken before a
 * load may be released after it, and the .ko to load must be there.
 * false: skipped (the harness was told why); the set-up must return.
 */
bool ps_reload_fixture_setup(struct __test_metadata *_metadata,
			     struct ps_env *env, bool pins_before_reset);

/*
 * Teardown of such a fixture: pinshadow loaded again (with the suite's
 * parameters) if a test left it unloaded, then ps_fixture_teardown().
 */
void ps_reload_fixture_teardown(struct __test_metadata *_metadata,
				struct ps_env *env);

/*
 * A fixture of the test environment and an order-0 buffer of @npages at
 * self->buf, for tests that need nothing else.
 */
#define PS_SMALL_BUF_FIXTURE(name, npages)				\
	FIXTURE(name) {							\
		struct ps_env env;					\
		char *buf;						\
	};								\
	FIXTURE_SETUP(name)						\
	{								\
		ps_fixture_setup(_metadata, &self->env);		\
		self->buf = ps_small_buf(_metadata, npages);		\
	}								\
	FIXTURE_TEARDOWN(name)						\
	{								\
		ps_fixture_teardown(_metadata, &self->env, 5000);	\
	}

/* An anonymous, touched, order-0 buffer. */
char *ps_small_buf(struct __test_metadata *_metadata,
		   size_t npages);

/* THP-backed 2 MiB folios, touched; NULL if THP is not available. */
char *ps_thp_buf(struct __test_metadata *_metadata,
		 size_t nfolios);

/* hugetlb 2 MiB pages, touched; NULL if none can be had. */
char *ps_hugetlb_buf(struct __test_metadata *_metadata,
		     size_t nfolios);

/* The buffers a test pins: order-0 pages, THP or hugetlb 2 MiB folios. */
enum ps_buf_kind { PS_BUF_SMALL, PS_BUF_THP, PS_BUF_HUGETLB };

/* The fixture variants of a test that runs on each kind of buffer. */
#define PS_BUF_KIND_VARIANTS(fixture)					\
	FIXTURE_VARIANT(fixture) {					\
		enum ps_buf_kind kind;					\
	};								\
	FIXTURE_VARIANT_ADD(fixture, small) {				\
		.kind = PS_BUF_SMALL,					\
	};								\
	FIXTURE_VARIANT_ADD(fixture, thp) {				\
		.kind = PS_BUF_THP,					\
	};								\
	FIXTURE_VARIANT_ADD(fixture, hugetlb) {			\
		.kind = PS_BUF_HUGETLB,					\
	}

/* "4 KiB pages", "THP" or "hugetlb", for a SKIP or a log. */
const char *ps_buf_kind_name(enum ps_buf_kind kind);

/*
 * A touched buffer of @kind: @nsmall order-0 pages, or @nfolios 2 MiB
 * folios; *npages (if not NULL) is its size in pages.  NULL if this kernel
 * has no such folios to give.
 */
char *ps_kind_buf(struct __test_metadata *_metadata, enum ps_buf_kind kind,
		  size_t nsmall, size_t nfolios, size_t *npages);

/*
 * A memfd named @name of @size bytes, shmem or (@hugetlb) hugetlb, mapped
 * shared at *map, touched and sealed against shrinking (as udmabuf and
 * memfd_pin_folios() want it).  false: no hugetlb memfd here, the test is
 * skipped and its set-up must return.
 */
bool ps_memfd_buf(struct __test_metadata *_metadata, const char *name,
		  bool hugetlb, size_t size, int *memfd, char **map);

/*
 * Until 6.5, follow_hugetlb_page() WARNs (and fails) when asked for a
 * FOLL_LONGTERM pin of a hugetlb page in ZONE_MOVABLE instead of migrating
 * it: a kernel bug, not a pinshadow one, so such pins are not attempted.
 */
bool ps_hugetlb_longterm_warns(const char *buf);

/*
 * The test helper's pin APIs, as X(name, api): a test that runs with each
 * makes its fixture variants from this list.
 */
#define PS_PIN_APIS(X)							\
	X(fast, PSH_PIN_FAST)						\
	X(fast_only, PSH_PIN_FAST_ONLY)					\
	X(plain, PSH_PIN_PLAIN)						\
	X(remote, PSH_PIN_REMOTE)					\
	X(unlocked, PSH_PIN_UNLOCKED)

/* The test-helper pin API is supported by the running kernel. */
bool psh_pin_supported(int fd, uint32_t api, uint32_t flags);

bool psh_unpin_supported(int fd, uint32_t api);

/*
 * A pin plan: ranges of a buffer, each pinned into its own helper slot with
 * one API and flag set, released one by one.
 */
#define PS_MAX_RANGES	16

struct ps_range {
	size_t first;
	size_t nr;
};

struct ps_plan {
	int fd;
	char *buf;
	size_t npages;
	uint32_t api;
	uint32_t flags;
	const char *comm;
	size_t nranges;
	struct ps_range r[PS_MAX_RANGES];
	uint32_t slot[PS_MAX_RANGES];
	uint64_t *pfns[PS_MAX_RANGES];
	bool live[PS_MAX_RANGES];
	uint64_t *watch;	/* every PFN of the buffer's folios */
	size_t nwatch;
	bool large;		/* some folio of the buffer is large */
};

/*
 * @p: @npages of @buf, pinned through @env's helper file with @api and
 * @flags, in the @nranges ranges @r (NULL: zeroed, for the caller to set).
 */
void ps_plan_init(struct ps_plan *p, const struct ps_env *env, char *buf,
		  size_t npages, uint32_t api, uint32_t flags,
		  const struct ps_range *r, size_t nranges);

/*
 * This kernel has @p's pin API with its flags, and the @unpin API; false:
 * the test is skipped (the harness was told why).
 */
bool ps_plan_supported(struct __test_metadata *_metadata,
		       const struct ps_plan *p, uint32_t unpin);

/* false: skipped (the harness was told why) */
bool ps_plan_pin(struct __test_metadata *_metadata,
		 struct ps_plan *p);

void ps_plan_check(struct __test_metadata *_metadata,
		   const struct ps_plan *p, bool exact);

void ps_plan_unpin(struct __test_metadata *_metadata,
		   struct ps_plan *p, size_t i, uint32_t api,
		   uint32_t make_dirty);

void ps_plan_free(struct ps_plan *p);

/* Deltas of a pin phase that took @pins pins and nothing else. */
void ps_check_pin_deltas(struct __test_metadata *_metadata,
			 const struct ps_test_stats *a,
			 const struct ps_test_stats *b,
			 const struct ps_vm *va,
			 const struct ps_vm *vb,
			 int64_t pins, bool longterm);

/* Deltas of an unpin phase that released @pins pins and nothing else. */
void ps_check_unpin_deltas(struct __test_metadata *_metadata,
			   const struct ps_test_stats *a,
			   const struct ps_test_stats *b,
			   const struct ps_vm *va,
			   const struct ps_vm *vb,
			   int64_t pins);

/*
 * Deltas of calls that took @pins transient pins and released them all
 * (a copy or a direct I/O): nothing is left outstanding.
 */
void ps_check_transient_deltas(struct __test_metadata *_metadata,
			       const struct ps_test_stats *a,
			       const struct ps_test_stats *b,
			       const struct ps_vm *va, const struct ps_vm *vb,
			       int64_t pins);

/*
 * Pins every range of @p, checks, then releases the ranges one by one with
 * @unpin, checking after each.  Per-page counts stay exact unless a folio
 * unpin API released pins of a large folio: then only folio sums are known.
 */
void ps_plan_run(struct __test_metadata *_metadata,
		 struct ps_plan *p, uint32_t unpin,
		 uint32_t make_dirty);

/*
 * One test per unpin API (and make_dirty value) of a fixture, each a call
 * of @run(_metadata, self, variant, unpin, make_dirty).
 * unpin_user_pages_dirty_lock() with make_dirty 0 delegates to
 * unpin_user_pages(): it must not count twice.
 */
#define PS_UNPIN_TEST(fixture, name, run, unpin, make_dirty)		\
	TEST_F(fixture, name)						\
	{								\
		run(_metadata, self, variant, unpin, make_dirty);	\
	}

#define PS_UNPIN_TESTS(fixture, run)					\
	PS_UNPIN_TEST(fixture, unpin_user_page, run, PSH_UNPIN_PAGE, 0)	\
	PS_UNPIN_TEST(fixture, unpin_user_pages, run, PSH_UNPIN_PAGES, 0) \
	PS_UNPIN_TEST(fixture, unpin_user_pages_dirty_lock_clean, run,	\
		      PSH_UNPIN_DIRTY_LOCK, 0)				\
	PS_UNPIN_TEST(fixture, unpin_user_pages_dirty_lock_dirty, run,	\
		      PSH_UNPIN_DIRTY_LOCK, 1)				\
	PS_UNPIN_TEST(fixture, unpin_user_page_range_dirty_lock_clean,	\
		      run, PSH_UNPIN_RANGE_DIRTY, 0)			\
	PS_UNPIN_TEST(fixture, unpin_user_page_range_dirty_lock_dirty,	\
		      run, PSH_UNPIN_RANGE_DIRTY, 1)			\
	PS_UNPIN_TEST(fixture, unpin_folio, run, PSH_UNPIN_FOLIO, 0)	\
	PS_UNPIN_TEST(fixture, unpin_folios, run, PSH_UNPIN_FOLIOS, 0)	\
	PS_UNPIN_TEST(fixture, unpin_user_folio, run,			\
		      PSH_UNPIN_USER_FOLIO, 0)


/*
 * After a client program ended: within @wait_ms nothing is pinned any more,
 * every pin taken since @a was released, and vmstat counted the same (since
 * @va, and since the last reset).  The last stats in *@c.
 */
static inline void ps_check_all_released(struct __test_metadata *_metadata,
					 const struct ps_test_stats *a,
					 const struct ps_vm *va, int wait_ms,
					 struct ps_test_stats *c)
{
	struct ps_vm vc;

	ps_wait_outstanding(_metadata, 0, wait_ms, c);
	ps_get_vm(_metadata, &vc);
	EXPECT_EQ(0, c->v[PS_pins_outstanding]);
	EXPECT_EQ(0, c->v[PS_longterm_outstanding]);
	EXPECT_EQ(0, c->v[PS_pinned_pages]);
	EXPECT_EQ(PS_DELTA(a, c, pins_acquired), PS_DELTA(a, c, pins_released));
	EXPECT_EQ(0, PS_DELTA(a, c, untracked_unpins));
	EXPECT_EQ(vc.acquired - va->acquired, PS_DELTA(a, c, pins_acquired));
	EXPECT_EQ(vc.released - va->released, PS_DELTA(a, c, pins_released));
	EXPECT_EQ(c->v[PS_vmstat_acquired] + c->v[PS_vmstat_bypass_pins],
		  c->v[PS_pins_acquired]);
	EXPECT_EQ(c->v[PS_vmstat_released], c->v[PS_pins_released]);
}

#endif /* PS_CHECK_H */
