// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of pinshadow's shadow table and pin-call records.  The table
 * sources are compiled into this module (a private copy, with its own
 * state), so the tests run without probes and without touching a loaded
 * pinshadow.
 */
#include <kunit/test.h>
#include <linux/mm.h>

#include "../../module/stats.c"
#include "../../module/records.c"
#include "../../module/table.c"

/* A PFN well inside RAM whose region the test owns. */
static unsigned long test_pfn(struct kunit *test, unsigned long region)
{
	unsigned long pfn = region * PS_BLOCK_PAGES;

	KUNIT_ASSERT_LT(test, pfn + PS_BLOCK_PAGES, ps_table_end_pfn());
	return pfn;
}

static int table_test_init(struct kunit *test)
{
	int err = ps_records_init();

	if (err)
		return err;
	err = ps_table_init();
	if (err) {
		ps_records_exit();
		return err;
	}
	ps_stats_reset();
	return 0;
}

static void table_test_exit(struct kunit *test)
{
	ps_table_exit();
	ps_records_exit();
}

static u32 count_of(unsigned long pfn)
{
	struct ps_entry e;

	rcu_read_lock();
	ps_table_read(pfn, &e);
	rcu_read_unlock();
	return e.count;
}

static void pin_n(unsigned long pfn, unsigned int n, bool longterm)
{
	struct ps_call call;

	ps_call_begin(&call, PS_API_PIN_USER_PAGES_FAST, ktime_get_ns());
	while (n--)
		ps_table_pin(pfn, longterm, &call);
	ps_call_end(&call);
}

/* A pin allocates the region's block; the last unpin frees it. */
static void table_block_lifetime(struct kunit *test)
{
	unsigned long pfn = test_pfn(test, 3) + 7;

	KUNIT_EXPECT_FALSE(test, ps_table_has_block(pfn));
	pin_n(pfn, 1, false);
	KUNIT_EXPECT_TRUE(test, ps_table_has_block(pfn));
	KUNIT_EXPECT_EQ(test, count_of(pfn), 1U);
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_TABLE_BLOCKS), 1);
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_PINNED_PAGES), 1);
	KUNIT_EXPECT_TRUE(test, ps_table_unpin(pfn));
	KUNIT_EXPECT_FALSE(test, ps_table_has_block(pfn));
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_TABLE_BLOCKS), 0);
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_PINNED_PAGES), 0);
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_RECORDS), 0);
	/* The sticky bit outlives the block. */
	KUNIT_EXPECT_TRUE(test, ps_table_ever_pinned(pfn));
	KUNIT_EXPECT_FALSE(test, ps_table_ever_pinned(pfn + 1));
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
		KUNIT_EXPECT_TRUE(test, ps_table_unpin(pfn));
	KUNIT_EXPECT_FALSE(test, ps_table_unpin(pfn));
	KUNIT_EXPECT_EQ(test, count_of(pfn), 0U);
	/* The other page keeps the block alive. */
	KUNIT_EXPECT_TRUE(test, ps_table_has_block(pfn));
	KUNIT_EXPECT_EQ(test, ps_table_unpin_any(pfn, PS_BLOCK_PAGES, 5), 2UL);
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
	KUNIT_EXPECT_TRUE(test, ps_table_unpin(pfn));
	rcu_read_lock();
	ps_table_read(pfn, &e);
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, e.count, 2U);
	KUNIT_EXPECT_EQ(test, e.longterm, 2U);
	KUNIT_EXPECT_TRUE(test, ps_table_unpin(pfn));
	rcu_read_lock();
	ps_table_read(pfn, &e);
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, e.longterm, 1U);
	KUNIT_EXPECT_TRUE(test, ps_table_unpin(pfn));
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
	KUNIT_EXPECT_EQ(test, ps_table_unpin_any(pfn, 1, PS_COUNT_MAX),
			(unsigned long)PS_COUNT_MAX);
	KUNIT_EXPECT_FALSE(test, ps_table_has_block(pfn));
}

/* PFNs past the table are lost, not stored anywhere. */
static void table_out_of_range(struct kunit *test)
{
	unsigned long pfn = ps_table_end_pfn();

	pin_n(pfn, 1, false);
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_LOST_EVENTS), 1);
	KUNIT_EXPECT_EQ(test, count_of(pfn), 0U);
	KUNIT_EXPECT_FALSE(test, ps_table_unpin(pfn));
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_PINS_OUTSTANDING), 0);
}

/* Pages pinned by one call share its record; a later call derives one. */
static void records_shared_and_derived(struct kunit *test)
{
	unsigned long pfn = test_pfn(test, 7);
	struct ps_record_info a, b;
	struct ps_entry e0, e1;
	struct ps_call call;

	ps_call_begin(&call, PS_API_PIN_USER_PAGES, 1000);
	ps_table_pin(pfn, false, &call);
	ps_table_pin(pfn + 1, false, &call);
	ps_call_end(&call);
	rcu_read_lock();
	ps_table_read(pfn, &e0);
	ps_table_read(pfn + 1, &e1);
	rcu_read_unlock();
	KUNIT_EXPECT_NE(test, e0.handle, (u32)PS_HANDLE_NONE);
	KUNIT_EXPECT_EQ(test, e0.handle, e1.handle);
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_RECORDS), 1);

	ps_call_begin(&call, PS_API_PIN_USER_PAGES_REMOTE, 5000);
	ps_table_pin(pfn, false, &call);
	ps_table_pin(pfn + 1, false, &call);
	ps_call_end(&call);
	rcu_read_lock();
	ps_table_read(pfn, &e0);
	ps_table_read(pfn + 1, &e1);
	rcu_read_unlock();
	/* One derived record for both pages, the first is gone. */
	KUNIT_EXPECT_EQ(test, e0.handle, e1.handle);
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_RECORDS), 1);
	KUNIT_ASSERT_TRUE(test, ps_record_info(e0.handle, &a));
	KUNIT_EXPECT_EQ(test, a.since_ns, 1000ULL);
	KUNIT_EXPECT_EQ(test, a.api, (u8)PS_API_PIN_USER_PAGES_REMOTE);

	ps_table_unpin_any(pfn, 2, 4);
	KUNIT_EXPECT_EQ(test, ps_stat_read(PS_RECORDS), 0);
	KUNIT_EXPECT_FALSE(test, ps_record_info(e0.handle, &b));
}

static struct kunit_case table_cases[] = {
	KUNIT_CASE(table_block_lifetime),
	KUNIT_CASE(table_counts),
	KUNIT_CASE(table_longterm),
	KUNIT_CASE(table_counter_full),
	KUNIT_CASE(table_out_of_range),
	KUNIT_CASE(records_shared_and_derived),
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
MODULE_DESCRIPTION("KUnit tests of pinshadow's shadow table");
