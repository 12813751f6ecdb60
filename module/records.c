// SPDX-License-Identifier: GPL-2.0
/*
 * Pin-call records.
 *
 * Records come from a pool (pool.c) whose refill, in process context,
 * allocates each one and gives it its handle in the records xarray at
 * once: a pin call takes a record that already has a handle, fills it in
 * and sets its references, with no allocation and no lock.  A record whose
 * last reference goes keeps its handle; after an RCU grace period it goes
 * back to the pool for another call (or, beyond the pool's depth, the
 * refill erases and frees it).  An empty pool is a lost record
 * (lost_records), as an allocation failure was.
 *
 * Notes on locking
 * ----------------
 * PREEMPT_RT: probe context takes no spinlock_t here and neither allocates
 *   nor frees: records are taken from and recycled to the pool (llists, a
 *   raw_spinlock_t), lookups are RCU only, and a record dies through
 *   call_rcu().  The xarray lock is taken only in process context: by the
 *   pool's refill (xa_alloc(), xa_erase()), a reset and unload.
 * records (xarray): maps every handle the pool has handed out or still
 *   holds to its record.  Lookups are RCU only.
 * record->refs: one per table entry holding the handle, plus, while a pin
 *   call that uses it is in flight, one for the call and one for each page
 *   it may still pin (ps_call->budget).  0 while the record is in the pool
 *   or waiting for its grace period: a record found by handle is revived
 *   only with atomic_add_unless(refs, n, 0), and read only while refs > 0
 *   inside one RCU read-side section.  Its info is written only while refs
 *   is 0 and before the release that makes refs non-zero; rewriting it
 *   takes a death and a grace period, so a reader that saw refs > 0 reads
 *   it whole.  Except the address range of its site: a call that shares
 *   the record widens it with WRITE_ONCE() while it is alive.  Only the
 *   thread named by the record's pid shares it (record_share() checks), so
 *   there is one writer at a time; a reader may see one bound old and one
 *   new, a range that still covers every page pinned before the widening.
 * share_cache (per CPU): the handle of the record last created there for
 *   each API, which holds one reference to it, so that a loop that pins
 *   and unpins one page keeps sharing it.  Replaced with xchg: whoever
 *   takes a handle out drops its reference.  A user looks the handle up,
 *   takes its own references with atomic_add_unless() and checks the
 *   record's fields; ps_records_flush_shared() empties every CPU's cache
 *   (a "control" flush, a reset).
 * Stacks (stacks.c): a page moves on and off its record's stack where it
 *   takes and gives up its reference to the record: ps_call_handle_for(),
 *   ps_call_handle_undo() and ps_puts_flush().
 */
#include <linux/minmax.h>
#include <linux/percpu.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/xarray.h>

#include "pinshadow_abi.h"
#include "pool.h"
#include "records.h"
#include "stacks.h"
#include "stats.h"

struct ps_record {
	struct ps_record_info info;
	struct ps_pin_site site;
	atomic_t refs;
	u32 handle;
	union {
		struct rcu_head rcu;		/* dying, or being freed */
		struct llist_node free_node;	/* in the pool */
	};
};

static DEFINE_XARRAY_ALLOC1(records);
static struct kmem_cache *record_cache;

/*
 * call_rcu(), not kfree_rcu(): rcu_barrier() at exit waits for call_rcu()
 * callbacks only.
 */
static void record_free_rcu(struct rcu_head *head)
{
	struct ps_record *rec = container_of(head, struct ps_record, rcu);

	kmem_cache_free(record_cache, rec);
}

/* The pool's refill: a record with its handle, refs 0. */
static void *record_alloc(void)
{
	struct ps_record *rec;
	u32 handle;

	rec = kmem_cache_zalloc(record_cache, GFP_KERNEL | __GFP_NOWARN);
	if (!rec)
		return NULL;
	if (xa_alloc(&records, &handle, rec,
		     XA_LIMIT(1, (1U << PS_HANDLE_BITS) - 1),
		     GFP_KERNEL | __GFP_NOWARN)) {
		kmem_cache_free(record_cache, rec);
		return NULL;
	}
	rec->handle = handle;
	return rec;
}

/* The pool's: a lookup may still hold it until a grace period ends. */
static void record_free(void *obj)
{
	struct ps_record *rec = obj;

	xa_erase(&records, rec->handle);
	call_rcu(&rec->rcu, record_free_rcu);
}

static struct ps_pool record_pool = {
	.name = "record",
	.node_offset = offsetof(struct ps_record, free_node),
	.depth_mul = 2, .depth_div = 1, .per_cpu = true,
	.alloc = record_alloc, .free = record_free,
};

/* A dead record, once no reader can see it alive: back to the pool. */
static void record_recycle_rcu(struct rcu_head *head)
{
	struct ps_record *rec = container_of(head, struct ps_record, rcu);

	ps_pool_put(&record_pool, rec);
}

static const char *const api_names[] = PINSHADOW_API_NAMES;

static_assert(ARRAY_SIZE(api_names) == PS_NR_APIS);

const char *ps_api_name(unsigned int api)
{
	return api < PS_NR_APIS ? api_names[api] : api_names[0];
}

static DEFINE_PER_CPU(u32, share_cache[PS_NR_APIS]);

static u32 record_new(const struct ps_record_info *info,
		      const struct ps_pin_site *site, int refs,
		      struct ps_record **recp)
{
	struct ps_record *rec = ps_pool_get(&record_pool);

	if (!rec) {
		ps_lost(PS_LOST_RECORDS, "records");
		*recp = NULL;
		return PS_HANDLE_NONE;
	}
	rec->info = *info;
	rec->site = *site;
	/* The info first: readers see it once refs is non-zero. */
	atomic_set_release(&rec->refs, refs);
	ps_stat_inc(PS_RECORDS);
	*recp = rec;
	return rec->handle;
}

/* Drop @nr references of @rec; the last one sends it back to the pool. */
static void record_put_many(struct ps_record *rec, int nr)
{
	if (!atomic_sub_and_test(nr, &rec->refs))
		return;
	ps_stat_add(PS_RECORDS, -1);
	call_rcu(&rec->rcu, record_recycle_rcu);
}

static void record_put_handle(u32 handle, int nr)
{
	struct ps_record *rec;

	if (handle == PS_HANDLE_NONE || !nr)
		return;
	rcu_read_lock();
	rec = xa_load(&records, handle);
	if (rec)
		record_put_many(rec, nr);
	rcu_read_unlock();
}

/* ps_puts_add() of another record than the one gathered. */
void ps_puts_switch(struct ps_puts *puts, u32 handle)
{
	ps_puts_flush(puts);
	puts->handle = handle;
	puts->nr = 1;
}

/* Pages give up their references: off the record's stack too. */
void ps_puts_flush(struct ps_puts *puts)
{
	struct ps_record *rec;

	if (puts->handle != PS_HANDLE_NONE && puts->nr) {
		rcu_read_lock();
		rec = xa_load(&records, puts->handle);
		if (rec) {
			ps_stack_pages_add(rec->info.stack, -(long)puts->nr);
			record_put_many(rec, puts->nr);
		}
		rcu_read_unlock();
	}
	ps_puts_init(puts);
}

/* Copy out a live record's info and, if @site, its site. */
static bool record_read(u32 handle, struct ps_record_info *info,
			struct ps_pin_site *site)
{
	struct ps_record *rec;
	bool ok;

	if (handle == PS_HANDLE_NONE)
		return false;
	rcu_read_lock();
	rec = xa_load(&records, handle);
	/* Alive now: its info cannot be rewritten before we unlock. */
	ok = rec && atomic_read_acquire(&rec->refs) > 0;
	if (ok) {
		if (info)
			*info = rec->info;
		if (site) {
			site->mm = rec->site.mm;
			site->start = READ_ONCE(rec->site.start);
			site->end = READ_ONCE(rec->site.end);
		}
	}
	rcu_read_unlock();
	return ok;
}

bool ps_record_info(u32 handle, struct ps_record_info *info)
{
	return record_read(handle, info, NULL);
}

bool ps_record_pinned_at(u32 handle, const struct mm_struct *mm,
			 unsigned long addr)
{
	struct ps_pin_site site;

	return mm && record_read(handle, NULL, &site) && site.mm == mm &&
	       addr >= site.start && addr < site.end;
}

/* A call of the record's own thread widens its range to cover @site's. */
static void site_widen(struct ps_pin_site *rec_site,
		       const struct ps_pin_site *site)
{
	if (site->start < rec_site->start)
		WRITE_ONCE(rec_site->start, site->start);
	if (site->end > rec_site->end)
		WRITE_ONCE(rec_site->end, site->end);
}

/*
 * The record of this CPU's last call of @info->api, with @refs references
 * taken, if it is alive, of the same task, command and mm, and no older
 * than PS_RECORD_SHARE_NS; else PS_HANDLE_NONE.  Its range then covers
 * @site's too.
 */
static u32 record_share(const struct ps_record_info *info,
			const struct ps_pin_site *site, int refs,
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
	    old->stack == info->stack && old->tgid == info->tgid &&
	    old->leader_start == info->leader_start &&
	    info->since_ns >= old->since_ns &&
	    info->since_ns - old->since_ns < PS_RECORD_SHARE_NS &&
	    rec->site.mm == site->mm &&
	    !memcmp(old->comm, info->comm, sizeof(old->comm))) {
		site_widen(&rec->site, site);
		*recp = rec;
		return handle;
	}
	record_put_many(rec, refs);
	return PS_HANDLE_NONE;
}

void ps_call_begin(struct ps_call *call, u8 api, u64 start_ns,
		   unsigned long nr_pages, u32 stack,
		   const struct ps_pin_site *site)
{
	struct ps_record_info info = {
		.since_ns = start_ns,
		.leader_start = current->group_leader->start_time,
		.pid = task_pid_nr(current),
		.tgid = task_tgid_nr(current),
		.stack = stack,
		.api = api,
	};
	int refs = 1 + min_t(unsigned long, nr_pages, INT_MAX / 2);

	/* No task_lock(): a comm being renamed may show either name. */
	memcpy(info.comm, current->comm, sizeof(info.comm));
	info.comm[sizeof(info.comm) - 1] = '\0';
	call->handle = record_share(&info, site, refs, &call->rec);
	if (call->handle == PS_HANDLE_NONE) {
		/* One more reference: the cache's. */
		call->handle = record_new(&info, site, refs + 1, &call->rec);
		if (call->handle != PS_HANDLE_NONE)
			/*
			 * A locked xchg: the flush swaps other CPUs' slots.
			 * Any CPU's slot will do if we have migrated.
			 */
			record_put_handle(xchg(raw_cpu_ptr(&share_cache[api]),
					       call->handle), 1);
	}
	call->budget = refs - 1;
	call->stack = stack;
	ps_stack_call(stack);
	call->memo_rec = NULL;
	call->memo_from = PS_HANDLE_NONE;
	call->memo_to = PS_HANDLE_NONE;
	call->stack_pages = 0;
	ps_puts_init(&call->puts);
}

void ps_call_end(struct ps_call *call)
{
	if (call->memo_rec)
		record_put_many(call->memo_rec, 1);
	if (call->rec)
		record_put_many(call->rec, call->budget + 1);
	ps_stack_pages_add(call->stack, call->stack_pages);
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

static u32 handle_for(struct ps_call *call, u32 old_handle, u32 old_count)
{
	struct ps_record_info info;
	struct ps_pin_site site;
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
	if (!record_read(old_handle, &info, &site))
		return call_own_handle(call);
	/* Keep the age of the older pins, name the new pinner. */
	info.pid = call->rec->info.pid;
	info.tgid = call->rec->info.tgid;
	info.leader_start = call->rec->info.leader_start;
	info.stack = call->rec->info.stack;
	info.api = call->rec->info.api;
	memcpy(info.comm, call->rec->info.comm, sizeof(info.comm));
	/*
	 * The site of the newest pin, unless it was taken through no mapping
	 * (folio_add_pin(s)): one site per page, so where the older pins were
	 * taken is forgotten (the "pte" policy's approximation, cow.c).
	 */
	if (call->rec->site.mm) {
		site.mm = call->rec->site.mm;
		site.start = READ_ONCE(call->rec->site.start);
		site.end = READ_ONCE(call->rec->site.end);
	}
	/* One reference for the memo, one for this page. */
	handle = record_new(&info, &site, 2, &rec);
	if (handle == PS_HANDLE_NONE)
		return call_own_handle(call);
	if (call->memo_rec)
		record_put_many(call->memo_rec, 1);
	call->memo_rec = rec;
	call->memo_from = old_handle;
	call->memo_to = handle;
	return handle;
}

/* A new reference for the page: it moves onto the call's stack. */
u32 ps_call_handle_slow(struct ps_call *call, u32 old_handle, u32 old_count)
{
	u32 handle = handle_for(call, old_handle, old_count);

	if (handle != PS_HANDLE_NONE && handle != old_handle)
		call->stack_pages++;
	return handle;
}

void ps_call_handle_undo(struct ps_call *call, u32 handle)
{
	if (handle == PS_HANDLE_NONE)
		return;
	/* ps_call_handle_for() hands out no other handle with a reference. */
	if (handle == call->handle) {
		call->budget++;
		call->stack_pages--;
	} else if (handle == call->memo_to) {
		record_put_many(call->memo_rec, 1);
		call->stack_pages--;
	}
}

bool ps_record_orphaned(const struct ps_record_info *info)
{
	struct task_struct *task;
	bool gone;

	/* No process (an interrupt, the idle task): never orphaned. */
	if (info->tgid <= 0)
		return false;
	rcu_read_lock();
	task = pid_task(find_pid_ns(info->tgid, &init_pid_ns), PIDTYPE_TGID);
	/* Gone, another process with the pid, or its last thread exiting. */
	gone = !task || task->start_time != info->leader_start ||
	       ((READ_ONCE(task->flags) & PF_EXITING) &&
		thread_group_empty(task));
	rcu_read_unlock();
	return gone;
}

u64 ps_records_bytes(void)
{
	return (u64)ps_stat_read(PS_RECORDS) * kmem_cache_size(record_cache);
}

int ps_records_init(void)
{
	int err;

	/* Named after the module: the KUnit module has a cache of its own. */
	record_cache = kmem_cache_create(KBUILD_MODNAME "_record",
					 sizeof(struct ps_record),
					 __alignof__(struct ps_record), 0, NULL);
	if (!record_cache)
		return -ENOMEM;
	record_pool.obj_size = kmem_cache_size(record_cache);
	err = ps_pool_init(&record_pool);
	if (err)
		kmem_cache_destroy(record_cache);
	return err;
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

/* Every live record dies; quiesced, the table emptied. */
static void records_kill(void)
{
	struct ps_record *rec;
	unsigned long handle;

	ps_records_flush_shared();
	/*
	 * Those of the pool, and those dying already, have refs 0.  The
	 * pool's refill may free one of them meanwhile: look at each inside
	 * a read-side section.
	 */
	rcu_read_lock();
	xa_for_each(&records, handle, rec) {
		if (atomic_xchg(&rec->refs, 0) > 0) {
			ps_stat_add(PS_RECORDS, -1);
			call_rcu(&rec->rcu, record_recycle_rcu);
		}
		if (!(handle % 1024)) {
			rcu_read_unlock();
			cond_resched();
			rcu_read_lock();
		}
	}
	rcu_read_unlock();
}

void ps_records_reset(void)
{
	records_kill();
	ps_pool_reset(&record_pool);
}

void ps_records_exit(void)
{
	records_kill();
	/* Every record_recycle_rcu() first: all are in the pool then. */
	rcu_barrier();
	ps_pool_exit(&record_pool);
	/* record_free_rcu() callbacks must run before the cache goes. */
	rcu_barrier();
	WARN_ON_ONCE(!xa_empty(&records));
	xa_destroy(&records);
	kmem_cache_destroy(record_cache);
}
