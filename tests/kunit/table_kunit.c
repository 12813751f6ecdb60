// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of pinshadow's shadow table, pin-call records and the pools
 * they take objects from in probe context.  The sources are compiled into
 * this module (a private copy, with its own state and its own refill
 * thread), so the tests run without probes and without touching a loaded
 * pinshadow.
 */
#include <kunit/test.h>
#include <linux/mm.h>

#include "../../module/stats.c"
#include "../../module/pool.c"
#include "../../module/records.c"
#include "../../module/table.c"

/* stacks.c and trace.c are not linked in: no stack, no trace event. */
void ps_lost(enum ps_stat item, const char *what)
{
	ps_stat_inc(item);
}

void ps_stack_call(u32 stack)
{
}

void ps_stack_pages_add(u32 stack, long nr)
{
}

/* A PFN well inside RAM whose region the test owns. */
static unsigned long test_pfn(struct kunit *test, unsigned long region)
{
	unsigned long pfn = region * PS_REGION_PAGES;

	KUNIT_ASSERT_LT(test, pfn + PS_REGION_PAGES, ps_table_end_pfn());
	return pfn;
}

static int table_test_init(struct kunit *test)
{
	int err = ps_shadow_init();

	if (!err)
		ps_stats_reset();
	return err;
}

static void table_test_exit(struct kunit *test)
{
	ps_shadow_exit();
}

static u32 count_of(unsigned long pfn)
{
	struct ps_entry e;

	rcu_read_lock();
	ps_table_read(pfn, &e);
	rcu_read_unlock();
	return e.count;
}

/* Pins through no mapping. */
static const struct ps_pin_site no_site;

/* As a probe handler does: under RCU, with one call record. */
static void pin_n(unsigned long pfn, unsigned int n, bool longterm)
{
	struct ps_call call;

	rcu_read_lock();
	ps_call_begin(&call, PS_API_PIN_USER_PAGES_FAST, ktime_get_ns(), n,
		      PS_STACK_NONE, &no_site);
	while (n--)
		ps_table_pin(pfn, longterm, &call);
	ps_call_end(&call);
	rcu_read_unlock();
}

static bool unpin1(unsigned long pfn)
{
	struct ps_puts puts;
	bool ok;

	ps_puts_init(&puts);
	rcu_read_lock();
	ok = ps_table_unpin(pfn, &puts);
	ps_puts_flush(&puts);
	rcu_read_unlock();
	return ok;
}

static unsigned long unpin_any(unsigned long pfn, unsigned long nr_pages,
			       unsigned long nr)
{
	struct ps_puts puts;
	unsigned long done;

	ps_puts_init(&puts);
	rcu_read_lock();
	done = ps_table_unpin_any(pfn, nr_pages, nr, &puts);
	ps_puts_flush(&puts);
	rcu_read_unlock();
	return done;
}

/*
 * A pin allocates the region's block; the last unpin leaves it empty, a trim
 * frees it.
 */
static void table_block_lifetime(struct kunit *test)
{
	unsigned long pfn = test_pfn(test, 3) + 7;

	KUNIT_EXPECT_FALSE(test, ps_table_has_block(pfn));
	pin_n(pfn, 1, false);
	KUNIT_EXPECT_TRUE(test, ps_table_has_block(pfn));
	KUNIT_EXPECT_EQ(test, count_of(pfn), 1U);
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_TABLE_BLOCKS), 1);
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_PINNED_PAGES), 1);
	KUNIT_EXPECT_TRUE(test, unpin1(pfn));
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_PINNED_PAGES), 0);
	/* The last call's record stays in the sharing cache until a flush. */
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_RECORDS), 1);
	ps_records_flush_shared();
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_RECORDS), 0);
	/* Kept for a while in case the region is pinned again. */
	KUNIT_EXPECT_TRUE(test, ps_table_has_block(pfn));
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_TABLE_BLOCKS), 1);
	pin_n(pfn + 1, 1, false);
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_TABLE_BLOCKS), 1);
	ps_table_trim();
	/* Not freed while a page of it is pinned. */
	KUNIT_EXPECT_TRUE(test, ps_table_has_block(pfn));
	KUNIT_EXPECT_TRUE(test, unpin1(pfn + 1));
	ps_table_trim();
	KUNIT_EXPECT_FALSE(test, ps_table_has_block(pfn));
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_TABLE_BLOCKS), 0);
	/* The sticky bit outlives the block. */
	KUNIT_EXPECT_TRUE(test, ps_table_ever_pinned(pfn));
	KUNIT_EXPECT_TRUE(test, ps_table_ever_pinned(pfn + 1));
	KUNIT_EXPECT_FALSE(test, ps_table_ever_pinned(pfn + 2));
}

/* A region's two halves get their blocks one at a time, 2 KiB each. */
static void table_half_blocks(struct kunit *test)
{
	unsigned long pfn = test_pfn(test, 9);
	u64 empty = ps_table_bytes();

	pin_n(pfn + 3, 1, false);
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_TABLE_BLOCKS), 1);
	KUNIT_EXPECT_EQ(test, ps_table_bytes() - empty, (u64)PS_BLOCK_BYTES);
	/* The region is tracked, its other half's counts are exact zeros. */
	KUNIT_EXPECT_TRUE(test, ps_table_has_block(pfn + PS_BLOCK_PAGES));
	KUNIT_EXPECT_EQ(test, count_of(pfn + PS_BLOCK_PAGES), 0U);
	KUNIT_EXPECT_FALSE(test, ps_table_has_block(pfn + PS_REGION_PAGES));
	pin_n(pfn + PS_REGION_PAGES - 1, 1, false);
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_TABLE_BLOCKS), 2);
	KUNIT_EXPECT_EQ(test, ps_table_bytes() - empty, 2ULL * PS_BLOCK_BYTES);
	/* 8 bytes a page when the region is full. */
	KUNIT_EXPECT_EQ(test, 2ULL * PS_BLOCK_BYTES, PS_REGION_PAGES * 8ULL);
	/* One half empty, the other not: the region keeps both. */
	KUNIT_EXPECT_TRUE(test, unpin1(pfn + 3));
	ps_table_trim();
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_TABLE_BLOCKS), 2);
	KUNIT_EXPECT_EQ(test, count_of(pfn + PS_REGION_PAGES - 1), 1U);
	KUNIT_EXPECT_TRUE(test, unpin1(pfn + PS_REGION_PAGES - 1));
	ps_table_trim();
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_TABLE_BLOCKS), 0);
	KUNIT_EXPECT_EQ(test, ps_table_bytes(), empty);
}

/* k pins, k unpins, and one more unpin that finds nothing. */
static void table_counts(struct kunit *test)
{
	unsigned long pfn = test_pfn(test, 4);
	int i;

	pin_n(pfn, 5, false);
	pin_n(pfn + 511, 2, true);
	KUNIT_EXPECT_EQ(test, count_of(pfn), 5U);
	KUNIT_EXPECT_EQ(test, count_of(pfn + 511), 2U);
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_PINS_OUTSTANDING), 7);
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_LONGTERM_OUTSTANDING), 2);
	for (i = 0; i < 5; i++)
		KUNIT_EXPECT_TRUE(test, unpin1(pfn));
	KUNIT_EXPECT_FALSE(test, unpin1(pfn));
	KUNIT_EXPECT_EQ(test, count_of(pfn), 0U);
	/* The other page keeps the block alive. */
	KUNIT_EXPECT_TRUE(test, ps_table_has_block(pfn));
	KUNIT_EXPECT_EQ(test, unpin_any(pfn, PS_REGION_PAGES, 5), 2UL);
	ps_table_trim();
	KUNIT_EXPECT_FALSE(test, ps_table_has_block(pfn));
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_PINS_OUTSTANDING), 0);
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_LONGTERM_OUTSTANDING), 0);
}

/* Unpins keep the longterm pins as long as they can. */
static void table_longterm(struct kunit *test)
{
	unsigned long pfn = test_pfn(test, 5);
	struct ps_entry e;

	pin_n(pfn, 2, true);
	pin_n(pfn, 1, false);
	KUNIT_EXPECT_TRUE(test, unpin1(pfn));
	rcu_read_lock();
	ps_table_read(pfn, &e);
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, e.count, 2U);
	KUNIT_EXPECT_EQ(test, e.longterm, 2U);
	KUNIT_EXPECT_TRUE(test, unpin1(pfn));
	rcu_read_lock();
	ps_table_read(pfn, &e);
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, e.longterm, 1U);
	KUNIT_EXPECT_TRUE(test, unpin1(pfn));
}

/* A full counter refuses the pin and says so; it never wraps. */
static void table_counter_full(struct kunit *test)
{
	unsigned long pfn = test_pfn(test, 6);

	pin_n(pfn, PS_COUNT_MAX, false);
	KUNIT_EXPECT_EQ(test, count_of(pfn), PS_COUNT_MAX);
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_LOST_EVENTS), 0);
	pin_n(pfn, 1, false);
	KUNIT_EXPECT_EQ(test, count_of(pfn), PS_COUNT_MAX);
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_LOST_EVENTS), 1);
	KUNIT_EXPECT_TRUE(test, ps_table_lost(pfn));
	KUNIT_EXPECT_EQ(test, unpin_any(pfn, 1, PS_COUNT_MAX),
			(unsigned long)PS_COUNT_MAX);
	ps_table_trim();
	KUNIT_EXPECT_FALSE(test, ps_table_has_block(pfn));
}

/* PFNs past the table are lost, not stored anywhere. */
static void table_out_of_range(struct kunit *test)
{
	unsigned long pfn = ps_table_end_pfn();

	pin_n(pfn, 1, false);
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_LOST_EVENTS), 1);
	KUNIT_EXPECT_EQ(test, count_of(pfn), 0U);
	KUNIT_EXPECT_FALSE(test, unpin1(pfn));
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_PINS_OUTSTANDING), 0);
}

/* Pages pinned by one call share its record; a later call derives one. */
/* Two mms, only ever compared: any two distinct addresses will do. */
static const char mm_a, mm_b;

/*
 * Pins @pfn and @pfn + 1 in one call of @api started at @start_ns through
 * @site, as a probe handler does; their entries after it.
 */
static void pin_two(unsigned long pfn, u8 api, u64 start_ns,
		    const struct ps_pin_site *site, struct ps_entry *e0,
		    struct ps_entry *e1)
{
	struct ps_call call;

	rcu_read_lock();
	ps_call_begin(&call, api, start_ns, 2, PS_STACK_NONE, site);
	ps_table_pin(pfn, false, &call);
	ps_table_pin(pfn + 1, false, &call);
	ps_call_end(&call);
	ps_table_read(pfn, e0);
	ps_table_read(pfn + 1, e1);
	rcu_read_unlock();
}

static void records_shared_and_derived(struct kunit *test)
{
	const struct ps_pin_site site_a = {
		(const void *)&mm_a, 0x10000, 0x12000 };
	const struct ps_pin_site site_b = {
		(const void *)&mm_b, 0x20000, 0x22000 };
	unsigned long pfn = test_pfn(test, 7);
	struct ps_record_info a, b;
	struct ps_entry e0, e1;

	pin_two(pfn, PS_API_PIN_USER_PAGES, 1000, &site_a, &e0, &e1);
	KUNIT_EXPECT_NE(test, e0.handle, (u32)PS_HANDLE_NONE);
	KUNIT_EXPECT_EQ(test, e0.handle, e1.handle);
	ps_records_flush_shared();
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_RECORDS), 1);
	KUNIT_EXPECT_TRUE(test, ps_record_pinned_at(e0.handle, site_a.mm,
						    0x11000));
	KUNIT_EXPECT_FALSE(test, ps_record_pinned_at(e0.handle, site_a.mm,
						     0x12000));
	KUNIT_EXPECT_FALSE(test, ps_record_pinned_at(e0.handle, site_b.mm,
						     0x11000));

	pin_two(pfn, PS_API_PIN_USER_PAGES_REMOTE, 5000, &site_b, &e0, &e1);
	/* One derived record for both pages, the first is gone. */
	KUNIT_EXPECT_EQ(test, e0.handle, e1.handle);
	ps_records_flush_shared();
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_RECORDS), 1);
	KUNIT_ASSERT_TRUE(test, ps_record_info(e0.handle, &a));
	KUNIT_EXPECT_EQ(test, a.since_ns, 1000ULL);
	KUNIT_EXPECT_EQ(test, a.api, (u8)PS_API_PIN_USER_PAGES_REMOTE);
	/* Where the newest pin was taken: one site per page. */
	KUNIT_EXPECT_TRUE(test, ps_record_pinned_at(e0.handle, site_b.mm,
						    0x20000));
	KUNIT_EXPECT_FALSE(test, ps_record_pinned_at(e0.handle, site_a.mm,
						     0x10000));

	unpin_any(pfn, 2, 4);
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_RECORDS), 0);
	KUNIT_EXPECT_FALSE(test, ps_record_info(e0.handle, &b));
}

/* Pin @pfn once in a call of @api that started at @start_ns: its handle. */
static u32 pin_at(unsigned long pfn, u8 api, u64 start_ns)
{
	struct ps_call call;
	struct ps_entry e;

	rcu_read_lock();
	ps_call_begin(&call, api, start_ns, 1, PS_STACK_NONE, &no_site);
	ps_table_pin(pfn, false, &call);
	ps_call_end(&call);
	ps_table_read(pfn, &e);
	rcu_read_unlock();
	return e.handle;
}

/* One task's calls of one API within PS_RECORD_SHARE_NS share a record. */
static void records_shared_by_close_calls(struct kunit *test)
{
	unsigned long pfn = test_pfn(test, 8);
	u64 t0 = 1000000;
	struct ps_record_info a;
	u32 h[4];

	/* The sharing hint is per CPU. */
	migrate_disable();
	h[0] = pin_at(pfn, PS_API_PIN_USER_PAGES, t0);
	h[1] = pin_at(pfn + 1, PS_API_PIN_USER_PAGES,
		      t0 + PS_RECORD_SHARE_NS - 1);
	h[2] = pin_at(pfn + 2, PS_API_PIN_USER_PAGES, t0 + PS_RECORD_SHARE_NS);
	h[3] = pin_at(pfn + 3, PS_API_PIN_USER_PAGES_FAST, t0 + 1);
	migrate_enable();
	KUNIT_EXPECT_NE(test, h[0], (u32)PS_HANDLE_NONE);
	KUNIT_EXPECT_EQ(test, h[0], h[1]);
	KUNIT_EXPECT_NE(test, h[2], h[0]);
	KUNIT_EXPECT_NE(test, h[3], h[0]);
	KUNIT_EXPECT_NE(test, h[3], h[2]);
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_RECORDS), 3);
	ps_records_flush_shared();
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_RECORDS), 3);
	KUNIT_ASSERT_TRUE(test, ps_record_info(h[1], &a));
	KUNIT_EXPECT_EQ(test, a.since_ns, t0);
	KUNIT_ASSERT_TRUE(test, ps_record_info(h[2], &a));
	KUNIT_EXPECT_EQ(test, a.since_ns, t0 + PS_RECORD_SHARE_NS);

	/* A shared record lives until its last page is unpinned. */
	KUNIT_EXPECT_TRUE(test, unpin1(pfn));
	KUNIT_EXPECT_TRUE(test, ps_record_info(h[0], &a));
	KUNIT_EXPECT_EQ(test, unpin_any(pfn, 4, 4), 3UL);
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_RECORDS), 0);
}

/* The sharing cache keeps a record alive across a pin/unpin loop. */
static void records_shared_across_unpin(struct kunit *test)
{
	unsigned long pfn = test_pfn(test, 10);
	u64 t0 = 5000000;
	u32 h0, h1;

	migrate_disable();
	h0 = pin_at(pfn, PS_API_PIN_USER_PAGES_REMOTE, t0);
	KUNIT_EXPECT_TRUE(test, unpin1(pfn));
	h1 = pin_at(pfn, PS_API_PIN_USER_PAGES_REMOTE, t0 + 10);
	migrate_enable();
	KUNIT_EXPECT_NE(test, h0, (u32)PS_HANDLE_NONE);
	KUNIT_EXPECT_EQ(test, h0, h1);
	KUNIT_EXPECT_TRUE(test, unpin1(pfn));
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_RECORDS), 1);
	ps_records_flush_shared();
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_RECORDS), 0);
}

/* Objects a pool holds: its reserve after a reset, for one CPU list each. */
static long pool_target(struct ps_pool *pool)
{
	return pool->depth + (long)pool->cpu_depth * num_online_cpus();
}

/*
 * A reset fills each pool to its depth; pool_bytes counts what the pools
 * hold, apart from table_bytes and record_bytes.
 */
static void pool_reserve_reported(struct kunit *test)
{
	u64 table = ps_table_bytes(), records = ps_records_bytes();
	long blocks;

	ps_pool_reset(&block_pool);
	ps_pool_reset(&sticky_pool);
	ps_pool_reset(&record_pool);
	KUNIT_EXPECT_EQ(test, block_pool.depth, (int)pool_depth);
	KUNIT_EXPECT_EQ(test, record_pool.depth, 2 * (int)pool_depth);
	KUNIT_EXPECT_EQ(test, block_pool.cpu_depth,
			(int)min_t(unsigned int, PS_POOL_CPU_MAX,
				   pool_depth / 16));
	blocks = atomic_long_read(&block_pool.held);
	KUNIT_EXPECT_EQ(test, blocks, pool_target(&block_pool));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&sticky_pool.held),
			pool_target(&sticky_pool));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&record_pool.held),
			pool_target(&record_pool));
	KUNIT_EXPECT_EQ(test, ps_pools_bytes(),
			(u64)blocks * PS_BLOCK_BYTES +
			(u64)atomic_long_read(&sticky_pool.held) *
			PS_STICKY_BYTES +
			(u64)atomic_long_read(&record_pool.held) *
			kmem_cache_size(record_cache));
	/* The reserve is not in use: neither table nor record memory. */
	KUNIT_EXPECT_EQ(test, ps_table_bytes(), table);
	KUNIT_EXPECT_EQ(test, ps_records_bytes(), records);
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_TABLE_BLOCKS), 0);
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_RECORDS), 0);
}

/* @pool reset to a reserve of @depth (pool_depth); the old pool_depth. */
static unsigned int pool_resize(struct ps_pool *pool, unsigned int depth)
{
	unsigned int old = pool_depth;

	pool_depth = depth;
	ps_pool_reset(pool);
	return old;
}

/* A pin that finds the block pool empty is a lost event, nothing else. */
static void pool_empty_block_is_lost(struct kunit *test)
{
	unsigned long pfn = test_pfn(test, 11);
	unsigned int depth = pool_resize(&block_pool, 0);

	KUNIT_EXPECT_EQ(test, atomic_long_read(&block_pool.held), 0L);
	pin_n(pfn, 1, false);
	KUNIT_EXPECT_EQ(test, count_of(pfn), 0U);
	KUNIT_EXPECT_FALSE(test, ps_table_has_block(pfn));
	KUNIT_EXPECT_TRUE(test, ps_table_lost(pfn));
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_LOST_EVENTS), 1);
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_POOL_EMPTY), 1);
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_PINS_OUTSTANDING), 0);
	/* The record was taken, and given back with the call. */
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_LOST_RECORDS), 0);

	pool_resize(&block_pool, depth);
	pin_n(pfn, 1, false);
	KUNIT_EXPECT_EQ(test, count_of(pfn), 1U);
	KUNIT_EXPECT_TRUE(test, unpin1(pfn));
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_LOST_EVENTS), 1);
}

/* Likewise for records: the count stays exact, who/when is lost. */
static void pool_empty_record_is_lost(struct kunit *test)
{
	unsigned long pfn = test_pfn(test, 12);
	unsigned int depth = pool_resize(&record_pool, 0);
	struct ps_entry e;

	pin_n(pfn, 2, false);
	rcu_read_lock();
	ps_table_read(pfn, &e);
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, e.count, 2U);
	KUNIT_EXPECT_EQ(test, e.handle, (u32)PS_HANDLE_NONE);
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_LOST_RECORDS), 1);
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_LOST_EVENTS), 0);
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_POOL_EMPTY), 1);
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_RECORDS), 0);
	pool_resize(&record_pool, depth);
	KUNIT_EXPECT_EQ(test, unpin_any(pfn, 1, 2), 2UL);
}

/*
 * Takes below the watermark kick the refill thread, which tops the pool
 * up again; a miss raises its depth for the next time.
 */
static void pool_refill_and_boost(struct kunit *test)
{
	unsigned long pfn = test_pfn(test, 13);
	unsigned int depth;
	int i;

	/* Two blocks, all in the shared reserve (no CPU lists). */
	depth = pool_resize(&block_pool, 2);
	KUNIT_EXPECT_EQ(test, block_pool.cpu_depth, 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&block_pool.held), 2L);
	for (i = 0; i < 2; i++)
		pin_n(pfn + i * PS_REGION_PAGES, 1, false);
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_TABLE_BLOCKS), 2);
	ps_pools_flush();
	KUNIT_EXPECT_EQ(test, atomic_long_read(&block_pool.held), 2L);

	/* Four blocks at once: the refill may or may not keep up. */
	for (i = 2; i < 6; i++)
		pin_n(pfn + i * PS_REGION_PAGES, 1, false);
	ps_pools_flush();
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_TABLE_BLOCKS) +
			ps_stat_read(PS_LOST_EVENTS), 6);
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_LOST_EVENTS),
			ps_stat_read(PS_POOL_EMPTY));
	/* Each miss raised the depth by one. */
	KUNIT_EXPECT_EQ(test, block_pool.depth,
			2 + (int)ps_stat_read(PS_POOL_EMPTY));
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_POOL_REFILL_FAILURES), 0);
	for (i = 0; i < 6; i++)
		unpin1(pfn + i * PS_REGION_PAGES);
	ps_table_trim();
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_TABLE_BLOCKS), 0);

	/* A reset goes back to the base depth. */
	pool_resize(&block_pool, depth);
	KUNIT_EXPECT_EQ(test, block_pool.depth, (int)depth);
}

/* fail_block_alloc_every fails a take; the pool keeps its block. */
static void pool_fail_every(struct kunit *test)
{
	unsigned long pfn = test_pfn(test, 14);
	long held;

	ps_pool_reset(&block_pool);
	held = atomic_long_read(&block_pool.held);
	atomic_set(&block_alloc_calls, 0);
	fail_block_alloc_every = 1;
	pin_n(pfn, 1, false);
	fail_block_alloc_every = 0;
	KUNIT_EXPECT_EQ(test, count_of(pfn), 0U);
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_LOST_EVENTS), 1);
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_POOL_EMPTY), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&block_pool.held), held);
}

static struct kunit_case table_cases[] = {
	KUNIT_CASE(table_block_lifetime),
	KUNIT_CASE(table_counts),
	KUNIT_CASE(table_half_blocks),
	KUNIT_CASE(table_longterm),
	KUNIT_CASE(table_counter_full),
	KUNIT_CASE(table_out_of_range),
	KUNIT_CASE(records_shared_and_derived),
	KUNIT_CASE(records_shared_by_close_calls),
	KUNIT_CASE(records_shared_across_unpin),
	KUNIT_CASE(pool_reserve_reported),
	KUNIT_CASE(pool_empty_block_is_lost),
	KUNIT_CASE(pool_empty_record_is_lost),
	KUNIT_CASE(pool_refill_and_boost),
	KUNIT_CASE(pool_fail_every),
	{}
};

static struct kunit_suite table_suite = {
	.name = "pinshadow_table",
	.init = table_test_init,
	.exit = table_test_exit,
	.test_cases = table_cases,
};

kunit_test_suite(table_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests of pinshadow's shadow table, records and pools");
