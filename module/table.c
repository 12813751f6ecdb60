// SPDX-License-Identifier: GPL-2.0
/*
 * The shadow table.
 *
 * Layout: dir[] has one struct ps_slot per 2 MiB region of PFN space, up to
 * the highest PFN of any online node at load time.  A slot points to two
 * blocks of 256 atomic64 entries (2 KiB each, half a page), one per 1 MiB
 * half of the region, each allocated on the first pin in its half: a
 * region with one pinned page costs 2 KiB, a fully pinned one 8 bytes a
 * page.  A region's blocks are freed, after an RCU grace period, once its
 * last pinned page has dropped to zero: memory follows the pinned set, not
 * its history.  Empty blocks are kept for up to PS_TRIM_DELAY (a second) in
 * case the region is pinned again: see slot_unreserve().
 *
 * Entry: bits 0-19 pin count, 20-39 FOLL_LONGTERM count, 40-63 record handle.
 * A zero entry is an unpinned page.
 *
 * Blocks and bitmaps come from pools (pool.c) that a kthread worker
 * refills in process context: pins never allocate or free.  An empty pool
 * is a lost event, as an allocation failure was; fail_block_alloc_every
 * fails every Nth take of a block the same way.
 *
 * Notes on locking
 * ----------------
 * Probe handlers take no lock: they run in any context, hard IRQ included
 * (bio completion unpins), and never sleep.
 * PREEMPT_RT: nothing in the pin and unpin paths sleeps there either.  A
 *   block or bitmap is taken from its pool (llists and a raw_spinlock_t);
 *   the one a racing pinner published first goes back to the pool, never
 *   to the allocator; blocks are freed only by the trim and the reset
 *   (process context, then an RCU callback).  The trim is queued with
 *   queue_delayed_work(), whose timer and pool locks are raw_spinlock_t.
 * entry (atomic64): changed only by cmpxchg, so count, longterm and handle
 *   move together.
 * slot->nr_nonzero: an upper bound of the region's non-zero entries.  A
 *   pinner reserves (increments) it before it makes an entry non-zero; the
 *   trim may retire the blocks of a slot whose count is 0 by moving it
 *   0 -> PS_SLOT_DEAD, which no reservation can pass, then unpublishes the
 *   blocks and moves it back to 0.  Hence a published block with a non-zero
 *   entry is never freed, and a dead slot's entries are all zero and stay
 *   zero.
 * slot->blocks[]: each published with cmpxchg while a reservation is held,
 *   read with READ_ONCE() under RCU; freed after a grace period.
 * idle_slots: one bit per slot whose blocks may have emptied, set by
 *   slot_unreserve() with atomics, cleared by the trim (work or "control" flush).
 * trim_mutex: one trim at a time, and no trim during a reset.  Lock order:
 *   state_mutex (ledger.c), then trim_mutex.
 * slot->ever_pinned: one bit per page, set by every pin and never cleared
 *   before a reset (the "sticky bit" design).  Published with cmpxchg and
 *   freed only by a reset or unload, after the probes are quiesced.
 * block_pool, sticky_pool: see pool.c; reset with the table, quiesced.
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

#include "compat.h"
#include "pool.h"
#include "stats.h"
#include "table.h"

#define PS_COUNT_BITS		20
#define PS_COUNT_MAX		((1U << PS_COUNT_BITS) - 1)
#define PS_LONGTERM_SHIFT	20
#define PS_HANDLE_SHIFT		40
#define PS_SLOT_DEAD		INT_MIN
/* A retiring block is dead for a few instructions; never spin for long. */
#define PS_RESERVE_TRIES	100000

#define PS_REGION_BLOCKS	(PS_REGION_PAGES / PS_BLOCK_PAGES)
#define PS_STICKY_BYTES		(BITS_TO_LONGS(PS_REGION_PAGES) * sizeof(long))

struct ps_slot {
	atomic64_t *blocks[PS_REGION_BLOCKS];
	unsigned long *ever_pinned;	/* bitmap, kept until reset */
	atomic_t nr_nonzero;
	int lost;
};

/* Retired blocks, freed together after a grace period. */
#define PS_FREE_BATCH	62
struct ps_free_batch {
	struct rcu_head rcu;
	unsigned int nr;
	atomic64_t *blocks[PS_FREE_BATCH];
};

/*
 * Fault injection for the tests: fail every Nth block allocation (0: never),
 * as an empty pool does.
 */
static unsigned int fail_block_alloc_every;
module_param(fail_block_alloc_every, uint, 0600);
MODULE_PARM_DESC(fail_block_alloc_every,
		 "Test only: fail every Nth table block allocation (0: never)");
static atomic_t block_alloc_calls = ATOMIC_INIT(0);

static struct kmem_cache *block_cache;
static struct kmem_cache *sticky_cache;

static void *block_alloc(void)
{
	return kmem_cache_zalloc(block_cache, GFP_KERNEL | __GFP_NOWARN);
}

static void block_free(void *block)
{
	kmem_cache_free(block_cache, block);
}

static void *sticky_alloc(void)
{
	return kmem_cache_zalloc(sticky_cache, GFP_KERNEL | __GFP_NOWARN);
}

static void sticky_free(void *bits)
{
	kmem_cache_free(sticky_cache, bits);
}

/* A free block or bitmap keeps its llist_node in its first word. */
static struct ps_pool block_pool = {
	.name = "block", .obj_size = PS_BLOCK_BYTES, .node_offset = 0,
	.depth_mul = 1, .depth_div = 1, .per_cpu = true,
	.alloc = block_alloc, .free = block_free,
};

static struct ps_pool sticky_pool = {
	.name = "sticky", .obj_size = PS_STICKY_BYTES, .node_offset = 0,
	.depth_mul = 1, .depth_div = 1, .per_cpu = true,
	.alloc = sticky_alloc, .free = sticky_free,
};

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
	return pfn < end_pfn ? &dir[pfn >> PS_REGION_SHIFT] : NULL;
}

/* Which of its slot's blocks holds @pfn's entry, and where in it. */
static inline unsigned int block_of(unsigned long pfn)
{
	return (pfn >> PS_BLOCK_SHIFT) & (PS_REGION_BLOCKS - 1);
}

static inline unsigned int index_of(unsigned long pfn)
{
	return pfn & (PS_BLOCK_PAGES - 1);
}

/* The block holding @pfn's entry, or NULL; under RCU. */
static atomic64_t *block_for(unsigned long pfn)
{
	struct ps_slot *slot = slot_of(pfn);

	return slot ? READ_ONCE(slot->blocks[block_of(pfn)]) : NULL;
}

static void free_batch_rcu(struct rcu_head *head)
{
	struct ps_free_batch *batch = container_of(head, struct ps_free_batch,
						   rcu);
	unsigned int i;

	for (i = 0; i < batch->nr; i++)
		kmem_cache_free(block_cache, batch->blocks[i]);
	kfree(batch);
}

static void free_batch_flush(struct ps_free_batch **batchp)
{
	if (*batchp && (*batchp)->nr)
		call_rcu(&(*batchp)->rcu, free_batch_rcu);
	else
		kfree(*batchp);
	*batchp = NULL;
}

/*
 * Free an unpublished block once no RCU reader can still see it.  Process
 * context: the trim and the reset.  A block has no room for an rcu_head
 * (a reader may still read every entry), so they go in batches.
 */
static void block_retire(atomic64_t *block, struct ps_free_batch **batchp)
{
	if (*batchp && (*batchp)->nr == PS_FREE_BATCH)
		free_batch_flush(batchp);
	if (!*batchp) {
		*batchp = kmalloc(sizeof(**batchp), GFP_KERNEL);
		if (*batchp) {
			(*batchp)->nr = 0;
		} else {
			synchronize_rcu();
			kmem_cache_free(block_cache, block);
			goto out;
		}
	}
	(*batchp)->blocks[(*batchp)->nr++] = block;
out:
	ps_stat_add(PS_TABLE_BLOCKS, -1);
}

static void slot_mark_lost(struct ps_slot *slot)
{
	if (slot)
		WRITE_ONCE(slot->lost, 1);
	ps_lost(PS_LOST_EVENTS, "events");
}

/*
 * A block whose last pinned page is unpinned is not freed at once: a loop
 * that pins and unpins the pages of one region would allocate, clear and
 * free a page per call.  Its slot is marked idle instead, and the trim work
 * frees the blocks still empty PS_TRIM_DELAY later; ps_table_trim() (the
 * "control" flush command) frees them at once.
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
	if (!test_bit(s, idle_slots)) {
		set_bit(s, idle_slots);
		/*
		 * Pairs with ps_table_trim(): either it sees the idle bit or
		 * we see trim_queued clear and queue it again.
		 */
		smp_mb__after_atomic();
	}
	if (!test_bit(0, &trim_queued) && !test_and_set_bit(0, &trim_queued))
		queue_delayed_work(ps_unbound_wq(), &trim_work, PS_TRIM_DELAY);
}

/*
 * Free @slot's blocks if no entry is reserved: 0 -> PS_SLOT_DEAD, which no
 * reservation can pass, unpublish, back to 0.  Pinners spin while the slot
 * is dead: keep that short (no preemption, no interrupt).
 */
static void slot_retire_if_empty(struct ps_slot *slot,
				 struct ps_free_batch **batchp)
{
	atomic64_t *blocks[PS_REGION_BLOCKS] = { };
	unsigned long flags;
	unsigned int b;

	local_irq_save(flags);
	if (atomic_cmpxchg(&slot->nr_nonzero, 0, PS_SLOT_DEAD) == 0) {
		for (b = 0; b < PS_REGION_BLOCKS; b++)
			blocks[b] = xchg(&slot->blocks[b], NULL);
		atomic_set_release(&slot->nr_nonzero, 0);
	}
	local_irq_restore(flags);
	for (b = 0; b < PS_REGION_BLOCKS; b++)
		if (blocks[b])
			block_retire(blocks[b], batchp);
}

void ps_table_trim(void)
{
	struct ps_free_batch *batch = NULL;
	unsigned long s;

	mutex_lock(&trim_mutex);
	/* First: a slot made idle from now on queues the work again. */
	clear_bit(0, &trim_queued);
	/* Pairs with slot_unreserve()'s (or its atomic_dec_and_test()). */
	smp_mb__after_atomic();
	for_each_set_bit(s, idle_slots, dir_slots) {
		clear_bit(s, idle_slots);
		slot_retire_if_empty(&dir[s], &batch);
	}
	free_batch_flush(&batch);
	mutex_unlock(&trim_mutex);
	/* Pins went: a pool sized by them may give some back. */
	ps_pools_kick_demand();
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

/*
 * Reserve a non-zero entry in @slot; returns its block @b, allocated if need
 * be, or NULL (lost).
 */
static atomic64_t *slot_reserve(struct ps_slot *slot, unsigned int b)
{
	atomic64_t *block, *old;
	int tries;

	for (tries = 0; tries < PS_RESERVE_TRIES; tries++) {
		if (atomic_fetch_add_unless(&slot->nr_nonzero, 1,
					    PS_SLOT_DEAD) != PS_SLOT_DEAD)
			break;
		cpu_relax();
	}
	if (tries == PS_RESERVE_TRIES)
		return NULL;

	block = READ_ONCE(slot->blocks[b]);
	if (block)
		return block;

	block = block_alloc_fails() ? NULL : ps_pool_get(&block_pool);
	if (!block) {
		slot_unreserve(slot);
		return NULL;
	}
	old = cmpxchg(&slot->blocks[b], NULL, block);
	if (old) {
		/* Never published: still all zero. */
		ps_pool_put(&block_pool, block);
		return old;
	}
	ps_stat_inc(PS_TABLE_BLOCKS);
	return block;
}

static void slot_set_ever_pinned(struct ps_slot *slot, unsigned int i)
{
	unsigned long *bits = READ_ONCE(slot->ever_pinned), *old;

	if (!bits) {
		bits = ps_pool_get(&sticky_pool);
		if (!bits) {
			slot_mark_lost(slot);
			return;
		}
		old = cmpxchg(&slot->ever_pinned, NULL, bits);
		if (old) {
			ps_pool_put(&sticky_pool, bits);
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
	unsigned int b = block_of(pfn), i = index_of(pfn);
	atomic64_t *entries;
	struct ps_entry e;
	u32 handle;
	u64 old;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "table pin outside RCU");
	if (!slot) {
		slot_mark_lost(NULL);
		return;
	}
	for (;;) {
		entries = READ_ONCE(slot->blocks[b]);
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

		entries = slot_reserve(slot, b);
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
	slot_set_ever_pinned(slot, pfn & (PS_REGION_PAGES - 1));
}

bool ps_table_unpin(unsigned long pfn, struct ps_puts *puts)
{
	struct ps_slot *slot = slot_of(pfn);
	unsigned int i = index_of(pfn);
	atomic64_t *entries;
	struct ps_entry e;
	u32 count, longterm;
	u64 old, new;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "table unpin outside RCU");
	if (!slot)
		return false;
	entries = READ_ONCE(slot->blocks[block_of(pfn)]);
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
		if (!block_for(pfn)) {
			/* Skip to the next block. */
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
	atomic64_t *block = block_for(pfn);

	entry_decode(block ? atomic64_read(&block[index_of(pfn)]) : 0, e);
	return e->count;
}

unsigned long ps_table_next(unsigned long pfn, struct ps_entry *e)
{
	atomic64_t *block;
	unsigned long i;

	for (; pfn < end_pfn; pfn = (pfn | (PS_BLOCK_PAGES - 1)) + 1) {
		block = block_for(pfn);
		if (!block)
			continue;
		for (i = index_of(pfn); i < PS_BLOCK_PAGES; i++) {
			entry_decode(atomic64_read(&block[i]), e);
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

	return bits && test_bit(pfn & (PS_REGION_PAGES - 1), bits);
}

bool ps_table_region_pinned(unsigned long pfn)
{
	struct ps_slot *slot = slot_of(pfn);

	return slot && atomic_read(&slot->nr_nonzero) > 0;
}

bool ps_table_has_block(unsigned long pfn)
{
	struct ps_slot *slot = slot_of(pfn);
	unsigned int b;

	for (b = 0; slot && b < PS_REGION_BLOCKS; b++)
		if (READ_ONCE(slot->blocks[b]))
			return true;
	return false;
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
	       (u64)ps_stat_read(PS_TABLE_BLOCKS) * PS_BLOCK_BYTES;
}

u64 ps_table_sticky_bytes(void)
{
	return (u64)atomic_long_read(&ever_pinned_maps) * PS_STICKY_BYTES;
}

/* Every block and bitmap goes; the caller has quiesced the probes. */
static void table_empty(void)
{
	struct ps_free_batch *batch = NULL;
	unsigned long s;

	mutex_lock(&trim_mutex);
	bitmap_zero(idle_slots, dir_slots);
	for (s = 0; s < dir_slots; s++) {
		/* Quiesced: every block goes, as the trim retires empty ones. */
		atomic_set(&dir[s].nr_nonzero, 0);
		slot_retire_if_empty(&dir[s], &batch);
		WRITE_ONCE(dir[s].lost, 0);
		/* Quiesced: no reader is left to see the bitmap go. */
		if (dir[s].ever_pinned) {
			kmem_cache_free(sticky_cache, dir[s].ever_pinned);
			dir[s].ever_pinned = NULL;
			atomic_long_dec(&ever_pinned_maps);
		}
		if (!(s % 4096))
			cond_resched();
	}
	free_batch_flush(&batch);
	mutex_unlock(&trim_mutex);
}

void ps_table_reset(void)
{
	table_empty();
	ps_pool_reset(&block_pool);
	ps_pool_reset(&sticky_pool);
}

int ps_table_init(void)
{
	int nid, err;

	/* max_pfn is not exported: the online nodes span the same range. */
	for_each_online_node(nid)
		end_pfn = max(end_pfn, pgdat_end_pfn(NODE_DATA(nid)));
	dir_slots = DIV_ROUND_UP(end_pfn, PS_REGION_PAGES);
	dir = kvcalloc(dir_slots, sizeof(*dir), GFP_KERNEL);
	idle_slots = kvcalloc(BITS_TO_LONGS(dir_slots), sizeof(long),
			      GFP_KERNEL);
	/* Named after the module: the KUnit module has caches of its own. */
	block_cache = kmem_cache_create(KBUILD_MODNAME "_block",
					PS_BLOCK_BYTES, PS_BLOCK_BYTES, 0,
					NULL);
	sticky_cache = kmem_cache_create(KBUILD_MODNAME "_sticky",
					 PS_STICKY_BYTES, sizeof(long), 0,
					 NULL);
	err = -ENOMEM;
	if (!dir || !idle_slots || !block_cache || !sticky_cache)
		goto err_alloc;
	err = ps_pool_init(&block_pool);
	if (err)
		goto err_alloc;
	err = ps_pool_init(&sticky_pool);
	if (err)
		goto err_sticky_pool;
	return 0;

err_sticky_pool:
	ps_pool_exit(&block_pool);
err_alloc:
	kmem_cache_destroy(sticky_cache);
	kmem_cache_destroy(block_cache);
	kvfree(dir);
	kvfree(idle_slots);
	return err;
}

void ps_table_exit(void)
{
	/* The probes are gone: nothing queues the trim work again. */
	cancel_delayed_work_sync(&trim_work);
	table_empty();
	ps_pool_exit(&sticky_pool);
	ps_pool_exit(&block_pool);
	/* Let the block-freeing callbacks, module code, run first. */
	rcu_barrier();
	kmem_cache_destroy(sticky_cache);
	kmem_cache_destroy(block_cache);
	kvfree(dir);
	kvfree(idle_slots);
}

/*
 * The table with what it draws on in probe context: the pools' refill
 * thread and the pin-call records.  main.c and the KUnit suite bring the
 * three up, and down, the same way through these two.
 */
int ps_shadow_init(void)
{
	int err;

	err = ps_pools_init();
	if (err)
		return err;
	err = ps_records_init();
	if (err)
		goto err_pools;
	err = ps_table_init();
	if (err)
		goto err_records;
	return 0;

err_records:
	ps_records_exit();
err_pools:
	ps_pools_exit();
	return err;
}

void ps_shadow_exit(void)
{
	ps_table_exit();
	ps_records_exit();
	ps_pools_exit();
}
