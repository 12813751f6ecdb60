// SPDX-License-Identifier: GPL-2.0
/*
 * The shadow table.
 *
 * Layout: dir[] has one struct ps_slot per 2 MiB region of PFN space, up to
 * the highest PFN of any online node at load time.  A slot points to a block
 * of 512 atomic64 entries (exactly one page), allocated on the region's
 * first pin and freed, after an RCU grace period, once its last pinned page
 * has dropped to zero: memory follows the pinned set, not its history.  An
 * empty block is kept for up to PS_TRIM_DELAY (a second) in case the region
 * is pinned again: see slot_unreserve().
 *
 * Entry: bits 0-19 pin count, 20-39 FOLL_LONGTERM count, 40-63 record handle.
 * A zero entry is an unpinned page.
 *
 * Notes on locking
 * ----------------
 * Probe handlers take no lock: they run in any context, hard IRQ included
 * (bio completion unpins), and never sleep.
 * entry (atomic64): changed only by cmpxchg, so count, longterm and handle
 *   move together.
 * slot->nr_nonzero: an upper bound of the block's non-zero entries.  A pinner
 *   reserves (increments) it before it makes an entry non-zero; the trim
 *   may retire a block whose count is 0 by moving it 0 -> PS_SLOT_DEAD,
 *   which no reservation can pass, then unpublishes the block and moves it
 *   back to 0.  Hence a published block with a non-zero entry is never
 *   freed, and a dead block's entries are all zero and stay zero.
 * slot->entries: published with cmpxchg while a reservation is held, read
 *   with READ_ONCE() under RCU; freed with call_rcu().
 * idle_slots: one bit per slot whose block may have emptied, set by
 *   slot_unreserve() with atomics, cleared by the trim (work or stats read).
 * trim_mutex: one trim at a time, and no trim during a reset.  Lock order:
 *   state_mutex (ledger.c), then trim_mutex.
 * slot->ever_pinned: one bit per page, set by every pin and never cleared
 *   before a reset (the "sticky bit" design).  Published with cmpxchg and
 *   freed only by a reset or unload, after the probes are quiesced.
 */
#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/gfp.h>
#include <linux/minmax.h>
#include <linux/moduleparam.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "stats.h"
#include "table.h"

#define PS_COUNT_BITS		20
#define PS_COUNT_MAX		((1U << PS_COUNT_BITS) - 1)
#define PS_LONGTERM_SHIFT	20
#define PS_HANDLE_SHIFT		40
#define PS_SLOT_DEAD		INT_MIN
/* A retiring block is dead for a few instructions; never spin for long. */
#define PS_RESERVE_TRIES	100000

struct ps_slot {
	atomic64_t *entries;
	unsigned long *ever_pinned;	/* bitmap, kept until reset */
	atomic_t nr_nonzero;
	int lost;
};

/*
 * Fault injection for the tests: fail every Nth block allocation (0: never),
 * as the page allocator may in probe context.
 */
static unsigned int fail_block_alloc_every;
module_param(fail_block_alloc_every, uint, 0600);
MODULE_PARM_DESC(fail_block_alloc_every,
		 "Test only: fail every Nth table block allocation (0: never)");
static atomic_t block_alloc_calls = ATOMIC_INIT(0);

static struct ps_slot *dir;
static unsigned long *idle_slots;	/* bitmap: block may be empty */
static DEFINE_MUTEX(trim_mutex);
static atomic_long_t ever_pinned_maps = ATOMIC_LONG_INIT(0);
static unsigned long dir_slots;
static unsigned long end_pfn;

static inline u64 entry_make(u32 count, u32 longterm, u32 handle)
{
	return count | (u64)longterm << PS_LONGTERM_SHIFT |
	       (u64)handle << PS_HANDLE_SHIFT;
}

static inline void entry_decode(u64 v, struct ps_entry *e)
{
	e->count = v & PS_COUNT_MAX;
	e->longterm = (v >> PS_LONGTERM_SHIFT) & PS_COUNT_MAX;
	e->handle = v >> PS_HANDLE_SHIFT;
}

static struct ps_slot *slot_of(unsigned long pfn)
{
	return pfn < end_pfn ? &dir[pfn >> PS_BLOCK_SHIFT] : NULL;
}

static void block_free_rcu(struct rcu_head *head)
{
	__free_page(container_of(head, struct page, rcu_head));
}

static void block_retire(atomic64_t *entries)
{
	call_rcu(&virt_to_page(entries)->rcu_head, block_free_rcu);
	ps_stat_add(PS_TABLE_BLOCKS, -1);
}

static void slot_mark_lost(struct ps_slot *slot)
{
	if (slot)
		WRITE_ONCE(slot->lost, 1);
	ps_stat_inc(PS_LOST_EVENTS);
}

/*
 * A block whose last pinned page is unpinned is not freed at once: a loop
 * that pins and unpins the pages of one region would allocate, clear and
 * free a page per call.  Its slot is marked idle instead, and the trim work
 * frees the blocks still empty PS_TRIM_DELAY later; ps_table_trim() (a read
 * of stats) frees them at once.
 */
#define PS_TRIM_DELAY	HZ
static void trim_work_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(trim_work, trim_work_fn);
static unsigned long trim_queued;	/* bit 0: trim_work is queued */

static void slot_unreserve(struct ps_slot *slot)
{
	unsigned long s = slot - dir;

	if (!atomic_dec_and_test(&slot->nr_nonzero))
		return;
	if (!test_bit(s, idle_slots))
		set_bit(s, idle_slots);
	if (!test_bit(0, &trim_queued) && !test_and_set_bit(0, &trim_queued))
		queue_delayed_work(system_wq, &trim_work, PS_TRIM_DELAY);
}

/*
 * Free @slot's block if no entry is reserved: 0 -> PS_SLOT_DEAD, which no
 * reservation can pass, unpublish, back to 0.  Pinners spin while the slot
 * is dead: keep that short (no preemption, no interrupt).
 */
static void slot_retire_if_empty(struct ps_slot *slot)
{
	atomic64_t *entries = NULL;
	unsigned long flags;

	local_irq_save(flags);
	if (atomic_cmpxchg(&slot->nr_nonzero, 0, PS_SLOT_DEAD) == 0) {
		entries = xchg(&slot->entries, NULL);
		atomic_set_release(&slot->nr_nonzero, 0);
	}
	local_irq_restore(flags);
	if (entries)
		block_retire(entries);
}

void ps_table_trim(void)
{
	unsigned long s;

	mutex_lock(&trim_mutex);
	/* First: a slot made idle from now on queues the work again. */
	clear_bit(0, &trim_queued);
	smp_mb__after_atomic();
	for_each_set_bit(s, idle_slots, dir_slots) {
		clear_bit(s, idle_slots);
		slot_retire_if_empty(&dir[s]);
	}
	mutex_unlock(&trim_mutex);
}

static void trim_work_fn(struct work_struct *work)
{
	ps_table_trim();
}

static bool block_alloc_fails(void)
{
	unsigned int every = READ_ONCE(fail_block_alloc_every);

	return every && !(atomic_inc_return(&block_alloc_calls) % every);
}

/* Reserve a non-zero entry in @slot; returns its block or NULL (lost). */
static atomic64_t *slot_reserve(struct ps_slot *slot)
{
	atomic64_t *entries, *old;
	struct page *page;
	int tries;

	for (tries = 0; tries < PS_RESERVE_TRIES; tries++) {
		if (atomic_fetch_add_unless(&slot->nr_nonzero, 1,
					    PS_SLOT_DEAD) != PS_SLOT_DEAD)
			break;
		cpu_relax();
	}
	if (tries == PS_RESERVE_TRIES)
		return NULL;

	entries = READ_ONCE(slot->entries);
	if (entries)
		return entries;

	if (block_alloc_fails())
		page = NULL;
	else
		page = alloc_page(GFP_ATOMIC | __GFP_NOWARN | __GFP_ZERO);
	if (!page) {
		slot_unreserve(slot);
		return NULL;
	}
	entries = page_address(page);
	old = cmpxchg(&slot->entries, NULL, entries);
	if (old) {
		__free_page(page);
		return old;
	}
	ps_stat_inc(PS_TABLE_BLOCKS);
	return entries;
}

static void slot_set_ever_pinned(struct ps_slot *slot, unsigned int i)
{
	unsigned long *bits = READ_ONCE(slot->ever_pinned), *old;

	if (!bits) {
		bits = bitmap_zalloc(PS_BLOCK_PAGES, GFP_ATOMIC | __GFP_NOWARN);
		if (!bits) {
			slot_mark_lost(slot);
			return;
		}
		old = cmpxchg(&slot->ever_pinned, NULL, bits);
		if (old) {
			bitmap_free(bits);
			bits = old;
		} else {
			atomic_long_inc(&ever_pinned_maps);
		}
	}
	/* Almost always set already: spare the locked operation. */
	if (!test_bit(i, bits))
		set_bit(i, bits);
}

void ps_table_pin(unsigned long pfn, bool longterm, struct ps_call *call)
{
	struct ps_slot *slot = slot_of(pfn);
	unsigned int i = pfn & (PS_BLOCK_PAGES - 1);
	atomic64_t *entries;
	struct ps_entry e;
	u32 handle;
	u64 old;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "ps_table_pin() outside RCU");
	if (!slot) {
		slot_mark_lost(NULL);
		return;
	}
	for (;;) {
		entries = READ_ONCE(slot->entries);
		old = entries ? atomic64_read(&entries[i]) : 0;
		entry_decode(old, &e);
		if (e.count) {
			/* Already pinned: the block cannot go away under us. */
			if (e.count == PS_COUNT_MAX) {
				slot_mark_lost(slot);
				return;
			}
			handle = ps_call_handle_for(call, e.handle, e.count);
			if (atomic64_try_cmpxchg(&entries[i], &old,
						 entry_make(e.count + 1,
							    e.longterm + longterm,
							    handle))) {
				if (handle != e.handle)
					ps_puts_add(&call->puts, e.handle);
				break;
			}
			if (handle != e.handle)
				ps_call_handle_undo(call, handle);
			continue;
		}

		entries = slot_reserve(slot);
		if (!entries) {
			slot_mark_lost(slot);
			return;
		}
		handle = ps_call_handle_for(call, PS_HANDLE_NONE, 0);
		old = 0;
		if (atomic64_try_cmpxchg(&entries[i], &old,
					 entry_make(1, longterm, handle))) {
			ps_stat_inc(PS_PINNED_PAGES);
			break;
		}
		/* Another pinner got there first: take the other path. */
		ps_call_handle_undo(call, handle);
		slot_unreserve(slot);
	}
	ps_stat_inc(PS_PINS_OUTSTANDING);
	ps_stat_add(PS_LONGTERM_OUTSTANDING, longterm);
	slot_set_ever_pinned(slot, i);
}

bool ps_table_unpin(unsigned long pfn, struct ps_puts *puts)
{
	struct ps_slot *slot = slot_of(pfn);
	unsigned int i = pfn & (PS_BLOCK_PAGES - 1);
	atomic64_t *entries;
	struct ps_entry e;
	u32 count, longterm;
	u64 old, new;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "ps_table_unpin() outside RCU");
	if (!slot)
		return false;
	entries = READ_ONCE(slot->entries);
	if (!entries)
		return false;
	old = atomic64_read(&entries[i]);
	do {
		entry_decode(old, &e);
		if (!e.count)
			return false;
		count = e.count - 1;
		/*
		 * An unpin does not say which pin it releases.  Assume the
		 * FOLL_LONGTERM ones are the last to go: a page keeps as many
		 * longterm pins as it can.
		 */
		longterm = min(e.longterm, count);
		new = count ? entry_make(count, longterm, e.handle) : 0;
	} while (!atomic64_try_cmpxchg(&entries[i], &old, new));

	ps_stat_add(PS_PINS_OUTSTANDING, -1);
	ps_stat_add(PS_LONGTERM_OUTSTANDING, (s64)longterm - e.longterm);
	if (!count) {
		ps_puts_add(puts, e.handle);
		ps_stat_add(PS_PINNED_PAGES, -1);
		slot_unreserve(slot);
	}
	return true;
}

unsigned long ps_table_unpin_any(unsigned long pfn, unsigned long nr_pages,
				 unsigned long nr, struct ps_puts *puts)
{
	unsigned long end = pfn + nr_pages, done = 0;

	while (pfn < end && done < nr) {
		if (!ps_table_has_block(pfn)) {
			/* Skip to the next region. */
			pfn = (pfn | (PS_BLOCK_PAGES - 1)) + 1;
			continue;
		}
		if (ps_table_unpin(pfn, puts))
			done++;
		else
			pfn++;
	}
	return done;
}

bool ps_table_read(unsigned long pfn, struct ps_entry *e)
{
	struct ps_slot *slot = slot_of(pfn);
	atomic64_t *entries = slot ? READ_ONCE(slot->entries) : NULL;

	entry_decode(entries ?
		     atomic64_read(&entries[pfn & (PS_BLOCK_PAGES - 1)]) : 0, e);
	return e->count;
}

unsigned long ps_table_next(unsigned long pfn, struct ps_entry *e)
{
	atomic64_t *entries;
	unsigned long i;

	for (; pfn < end_pfn; pfn = (pfn | (PS_BLOCK_PAGES - 1)) + 1) {
		entries = READ_ONCE(dir[pfn >> PS_BLOCK_SHIFT].entries);
		if (!entries)
			continue;
		for (i = pfn & (PS_BLOCK_PAGES - 1); i < PS_BLOCK_PAGES; i++) {
			entry_decode(atomic64_read(&entries[i]), e);
			if (e->count)
				return (pfn & ~(PS_BLOCK_PAGES - 1)) + i;
		}
	}
	return ULONG_MAX;
}

bool ps_table_ever_pinned(unsigned long pfn)
{
	struct ps_slot *slot = slot_of(pfn);
	unsigned long *bits = slot ? READ_ONCE(slot->ever_pinned) : NULL;

	return bits && test_bit(pfn & (PS_BLOCK_PAGES - 1), bits);
}

bool ps_table_region_pinned(unsigned long pfn)
{
	struct ps_slot *slot = slot_of(pfn);

	return slot && atomic_read(&slot->nr_nonzero) > 0;
}

bool ps_table_has_block(unsigned long pfn)
{
	struct ps_slot *slot = slot_of(pfn);

	return slot && READ_ONCE(slot->entries);
}

bool ps_table_lost(unsigned long pfn)
{
	struct ps_slot *slot = slot_of(pfn);

	return !slot || READ_ONCE(slot->lost);
}

unsigned long ps_table_end_pfn(void)
{
	return end_pfn;
}

u64 ps_table_bytes(void)
{
	return dir_slots * sizeof(*dir) +
	       (u64)ps_stat_read(PS_TABLE_BLOCKS) * PAGE_SIZE;
}

u64 ps_table_sticky_bytes(void)
{
	return (u64)atomic_long_read(&ever_pinned_maps) *
	       BITS_TO_LONGS(PS_BLOCK_PAGES) * sizeof(long);
}

void ps_table_reset(void)
{
	atomic64_t *entries;
	unsigned long s;

	mutex_lock(&trim_mutex);
	bitmap_zero(idle_slots, dir_slots);
	for (s = 0; s < dir_slots; s++) {
		entries = xchg(&dir[s].entries, NULL);
		if (entries)
			block_retire(entries);
		atomic_set(&dir[s].nr_nonzero, 0);
		WRITE_ONCE(dir[s].lost, 0);
		/* Quiesced: no reader is left to see the bitmap go. */
		if (dir[s].ever_pinned) {
			bitmap_free(dir[s].ever_pinned);
			dir[s].ever_pinned = NULL;
			atomic_long_dec(&ever_pinned_maps);
		}
	}
	mutex_unlock(&trim_mutex);
}

int ps_table_init(void)
{
	int nid;

	/* max_pfn is not exported: the online nodes span the same range. */
	for_each_online_node(nid)
		end_pfn = max(end_pfn, pgdat_end_pfn(NODE_DATA(nid)));
	dir_slots = DIV_ROUND_UP(end_pfn, PS_BLOCK_PAGES);
	dir = kvcalloc(dir_slots, sizeof(*dir), GFP_KERNEL);
	idle_slots = kvcalloc(BITS_TO_LONGS(dir_slots), sizeof(long),
			      GFP_KERNEL);
	if (!dir || !idle_slots) {
		kvfree(dir);
		kvfree(idle_slots);
		return -ENOMEM;
	}
	return 0;
}

void ps_table_exit(void)
{
	/* The probes are gone: nothing queues the trim work again. */
	cancel_delayed_work_sync(&trim_work);
	ps_table_reset();
	/* Let the block-freeing callbacks, module code, run first. */
	rcu_barrier();
	kvfree(dir);
	kvfree(idle_slots);
}
