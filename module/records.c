// SPDX-License-Identifier: GPL-2.0
/*
 * Pin-call records.
 *
 * Notes on locking
 * ----------------
 * records (xarray, XA_FLAGS_LOCK_IRQ): maps a handle to its record.  Its
 *   spinlock is taken with irqsave, because records are dropped from unpins
 *   in hard/soft IRQ context (bio completion) and created from probe
 *   handlers with interrupts in any state.  Lookups are RCU only.
 * record->refs: one per table entry holding the handle, plus one for a pin
 *   call in flight that created it.  The record is erased and freed after an
 *   RCU grace period when it drops to zero, so a reader under
 *   rcu_read_lock() may still copy it out.
 * No other lock is held while the xarray lock is taken.
 */
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/xarray.h>

#include "pinshadow_abi.h"
#include "records.h"
#include "stats.h"

struct ps_record {
	struct ps_record_info info;
	atomic_t refs;
	struct rcu_head rcu;
};

static DEFINE_XARRAY_FLAGS(records, XA_FLAGS_ALLOC1 | XA_FLAGS_LOCK_IRQ);
static struct kmem_cache *record_cache;

/*
 * call_rcu(), not kfree_rcu(): kfree_rcu() may allocate a page for its
 * batches (GFP_NOWAIT) in the pin path, an allocation whose failure it
 * absorbs, so injected failures would no longer match lost events one for
 * one; and rcu_barrier() at exit waits for call_rcu() callbacks only.
 */
static void record_free_rcu(struct rcu_head *head)
{
	struct ps_record *rec = container_of(head, struct ps_record, rcu);

	kmem_cache_free(record_cache, rec);
}

static const char *const api_names[] = PINSHADOW_API_NAMES;

const char *ps_api_name(unsigned int api)
{
	BUILD_BUG_ON(ARRAY_SIZE(api_names) != PS_NR_APIS);
	return api < PS_NR_APIS ? api_names[api] : api_names[0];
}

static u32 record_new(const struct ps_record_info *info)
{
	struct ps_record *rec;
	unsigned long flags;
	u32 handle;
	int err;

	rec = kmem_cache_alloc(record_cache, GFP_ATOMIC | __GFP_NOWARN);
	if (!rec)
		goto lost;
	rec->info = *info;
	atomic_set(&rec->refs, 1);

	xa_lock_irqsave(&records, flags);
	err = __xa_alloc(&records, &handle, rec,
			 XA_LIMIT(1, (1U << PS_HANDLE_BITS) - 1),
			 GFP_ATOMIC | __GFP_NOWARN);
	xa_unlock_irqrestore(&records, flags);
	if (err) {
		kmem_cache_free(record_cache, rec);
		goto lost;
	}
	ps_stat_inc(PS_RECORDS);
	return handle;
lost:
	ps_stat_inc(PS_LOST_RECORDS);
	return PS_HANDLE_NONE;
}

static void record_get(u32 handle)
{
	struct ps_record *rec;

	if (handle == PS_HANDLE_NONE)
		return;
	rcu_read_lock();
	rec = xa_load(&records, handle);
	if (rec)
		atomic_inc(&rec->refs);
	rcu_read_unlock();
}

void ps_record_put(u32 handle)
{
	struct ps_record *rec;
	unsigned long flags;

	if (handle == PS_HANDLE_NONE)
		return;
	rcu_read_lock();
	rec = xa_load(&records, handle);
	if (rec && atomic_dec_and_test(&rec->refs)) {
		xa_lock_irqsave(&records, flags);
		__xa_erase(&records, handle);
		xa_unlock_irqrestore(&records, flags);
		call_rcu(&rec->rcu, record_free_rcu);
		ps_stat_add(PS_RECORDS, -1);
	}
	rcu_read_unlock();
}

bool ps_record_info(u32 handle, struct ps_record_info *info)
{
	struct ps_record *rec;

	if (handle == PS_HANDLE_NONE)
		return false;
	rcu_read_lock();
	rec = xa_load(&records, handle);
	if (rec)
		*info = rec->info;
	rcu_read_unlock();
	return rec;
}

void ps_call_begin(struct ps_call *call, u8 api, u64 start_ns)
{
	struct ps_record_info info = {
		.since_ns = start_ns,
		.pid = task_pid_nr(current),
		.api = api,
	};

	get_task_comm(info.comm, current);
	call->handle = record_new(&info);
	call->memo_from = PS_HANDLE_NONE;
	call->memo_to = PS_HANDLE_NONE;
}

void ps_call_end(struct ps_call *call)
{
	ps_record_put(call->memo_to);
	ps_record_put(call->handle);
}

u32 ps_call_handle_for(struct ps_call *call, u32 old_handle, u32 old_count)
{
	struct ps_record_info info, mine;
	u32 handle;

	if (!old_count || old_handle == PS_HANDLE_NONE ||
	    old_handle == call->handle || call->handle == PS_HANDLE_NONE) {
		handle = call->handle;
	} else if (old_handle == call->memo_to) {
		handle = old_handle;
	} else if (old_handle == call->memo_from) {
		handle = call->memo_to;
	} else if (!ps_record_info(old_handle, &info) ||
		   !ps_record_info(call->handle, &mine)) {
		handle = call->handle;
	} else {
		/* Keep the age of the older pins, name the new pinner. */
		mine.since_ns = info.since_ns;
		handle = record_new(&mine);
		ps_record_put(call->memo_to);
		call->memo_from = old_handle;
		call->memo_to = handle;
	}
	record_get(handle);
	return handle;
}

u64 ps_records_bytes(void)
{
	return (u64)ps_stat_read(PS_RECORDS) * kmem_cache_size(record_cache);
}

int ps_records_init(void)
{
	/* Named after the module: the KUnit module has a cache of its own. */
	record_cache = kmem_cache_create(KBUILD_MODNAME "_record",
					 sizeof(struct ps_record),
					 __alignof__(struct ps_record), 0, NULL);
	return record_cache ? 0 : -ENOMEM;
}

void ps_records_reset(void)
{
	struct ps_record *rec;
	unsigned long handle, flags;

	xa_lock_irqsave(&records, flags);
	xa_for_each(&records, handle, rec) {
		__xa_erase(&records, handle);
		call_rcu(&rec->rcu, record_free_rcu);
		ps_stat_add(PS_RECORDS, -1);
	}
	xa_unlock_irqrestore(&records, flags);
}

void ps_records_exit(void)
{
	ps_records_reset();
	/* record_free_rcu() callbacks must run before the cache goes. */
	rcu_barrier();
	kmem_cache_destroy(record_cache);
}
