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
 * record->refs: one per table entry holding the handle, plus, while a pin
 *   call that uses it is in flight, one for the call and one for each page
 *   it may still pin (ps_call->budget).  The record is erased and freed
 *   after an RCU grace period when it drops to zero, so a reader under
 *   rcu_read_lock() may still copy it out; a record found by handle is
 *   revived only with atomic_add_unless(refs, n, 0).
 * share_cache (per CPU): the handle of the record last created there for
 *   each API, which holds one reference to it, so that a loop that pins
 *   and unpins one page keeps sharing it.  Replaced with xchg: whoever
 *   takes a handle out drops its reference.  A user looks the handle up,
 *   takes its own references with atomic_add_unless() and checks the
 *   record's fields; ps_records_flush_shared() empties every CPU's cache
 *   (a stats read, a reset).
 * No other lock is held while the xarray lock is taken.
 */
#include <linux/minmax.h>
#include <linux/percpu.h>
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

static DEFINE_PER_CPU(u32, share_cache[PS_NR_APIS]);

static u32 record_new(const struct ps_record_info *info, int refs,
		      struct ps_record **recp)
{
	struct ps_record *rec;
	unsigned long flags;
	u32 handle;
	int err;

	rec = kmem_cache_alloc(record_cache, GFP_ATOMIC | __GFP_NOWARN);
	if (!rec)
		goto lost;
	rec->info = *info;
	atomic_set(&rec->refs, refs);

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
	*recp = rec;
	return handle;
lost:
	ps_stat_inc(PS_LOST_RECORDS);
	*recp = NULL;
	return PS_HANDLE_NONE;
}

/* Drop @nr references of @rec, known by @handle. */
static void record_put_many(struct ps_record *rec, u32 handle, int nr)
{
	unsigned long flags;

	if (!atomic_sub_and_test(nr, &rec->refs))
		return;
	xa_lock_irqsave(&records, flags);
	__xa_erase(&records, handle);
	xa_unlock_irqrestore(&records, flags);
	call_rcu(&rec->rcu, record_free_rcu);
	ps_stat_add(PS_RECORDS, -1);
}

static void record_put_handle(u32 handle, int nr)
{
	struct ps_record *rec;

	if (handle == PS_HANDLE_NONE || !nr)
		return;
	rcu_read_lock();
	rec = xa_load(&records, handle);
	if (rec)
		record_put_many(rec, handle, nr);
	rcu_read_unlock();
}

void ps_puts_add(struct ps_puts *puts, u32 handle)
{
	if (handle == PS_HANDLE_NONE)
		return;
	if (handle != puts->handle) {
		ps_puts_flush(puts);
		puts->handle = handle;
	}
	puts->nr++;
}

void ps_puts_flush(struct ps_puts *puts)
{
	record_put_handle(puts->handle, puts->nr);
	ps_puts_init(puts);
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

/*
 * The record of this CPU's last call of @info->api, with @refs references
 * taken, if it is alive, of the same task and command, and no older than
 * PS_RECORD_SHARE_NS; else PS_HANDLE_NONE.
 */
static u32 record_share(const struct ps_record_info *info, int refs,
			struct ps_record **recp)
{
	u32 handle = READ_ONCE(*raw_cpu_ptr(&share_cache[info->api]));
	const struct ps_record_info *old;
	struct ps_record *rec;

	if (handle == PS_HANDLE_NONE)
		return PS_HANDLE_NONE;
	rcu_read_lock();
	rec = xa_load(&records, handle);
	if (!rec || !atomic_add_unless(&rec->refs, refs, 0)) {
		rcu_read_unlock();
		return PS_HANDLE_NONE;
	}
	rcu_read_unlock();
	/* The handle may be another record's by now: check the fields. */
	old = &rec->info;
	if (old->pid == info->pid && old->api == info->api &&
	    info->since_ns >= old->since_ns &&
	    info->since_ns - old->since_ns < PS_RECORD_SHARE_NS &&
	    !memcmp(old->comm, info->comm, sizeof(old->comm))) {
		*recp = rec;
		return handle;
	}
	record_put_many(rec, handle, refs);
	return PS_HANDLE_NONE;
}

void ps_call_begin(struct ps_call *call, u8 api, u64 start_ns,
		   unsigned long nr_pages)
{
	struct ps_record_info info = {
		.since_ns = start_ns,
		.pid = task_pid_nr(current),
		.api = api,
	};
	int refs = 1 + min_t(unsigned long, nr_pages, INT_MAX / 2);

	/* No task_lock(): a comm being renamed may show either name. */
	memcpy(info.comm, current->comm, sizeof(info.comm));
	info.comm[sizeof(info.comm) - 1] = '\0';
	call->handle = record_share(&info, refs, &call->rec);
	if (call->handle == PS_HANDLE_NONE) {
		/* One more reference: the cache's. */
		call->handle = record_new(&info, refs + 1, &call->rec);
		if (call->handle != PS_HANDLE_NONE)
			/*
			 * A locked xchg: the flush swaps other CPUs' slots.
			 * Any CPU's slot will do if we have migrated.
			 */
			record_put_handle(xchg(raw_cpu_ptr(&share_cache[api]),
					       call->handle), 1);
	}
	call->budget = refs - 1;
	call->memo_rec = NULL;
	call->memo_from = PS_HANDLE_NONE;
	call->memo_to = PS_HANDLE_NONE;
	ps_puts_init(&call->puts);
}

void ps_call_end(struct ps_call *call)
{
	if (call->memo_rec)
		record_put_many(call->memo_rec, call->memo_to, 1);
	if (call->rec)
		record_put_many(call->rec, call->handle, call->budget + 1);
	ps_puts_flush(&call->puts);
}

/* A reference to the call's own record, from the budget if it lasts. */
static u32 call_own_handle(struct ps_call *call)
{
	if (!call->rec)
		return PS_HANDLE_NONE;
	if (call->budget)
		call->budget--;
	else
		atomic_inc(&call->rec->refs);
	return call->handle;
}

u32 ps_call_handle_for(struct ps_call *call, u32 old_handle, u32 old_count)
{
	struct ps_record_info info;
	struct ps_record *rec;
	u32 handle;

	if (!old_count || old_handle == PS_HANDLE_NONE || !call->rec)
		return call_own_handle(call);
	if (old_handle == call->handle || old_handle == call->memo_to)
		return old_handle;
	if (old_handle == call->memo_from) {
		atomic_inc(&call->memo_rec->refs);
		return call->memo_to;
	}
	if (!ps_record_info(old_handle, &info))
		return call_own_handle(call);
	/* Keep the age of the older pins, name the new pinner. */
	info.pid = call->rec->info.pid;
	info.api = call->rec->info.api;
	memcpy(info.comm, call->rec->info.comm, sizeof(info.comm));
	/* One reference for the memo, one for this page. */
	handle = record_new(&info, 2, &rec);
	if (handle == PS_HANDLE_NONE)
		return call_own_handle(call);
	if (call->memo_rec)
		record_put_many(call->memo_rec, call->memo_to, 1);
	call->memo_rec = rec;
	call->memo_from = old_handle;
	call->memo_to = handle;
	return handle;
}

void ps_call_handle_undo(struct ps_call *call, u32 handle)
{
	if (handle == PS_HANDLE_NONE)
		return;
	/* ps_call_handle_for() hands out no other handle with a reference. */
	if (handle == call->handle)
		call->budget++;
	else if (handle == call->memo_to)
		record_put_many(call->memo_rec, handle, 1);
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

void ps_records_flush_shared(void)
{
	unsigned int api;
	int cpu;

	for_each_possible_cpu(cpu)
		for (api = 0; api < PS_NR_APIS; api++)
			record_put_handle(xchg(per_cpu_ptr(&share_cache[api],
							   cpu), 0), 1);
}

void ps_records_reset(void)
{
	struct ps_record *rec;
	unsigned long handle, flags;

	ps_records_flush_shared();
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
