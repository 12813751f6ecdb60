// SPDX-License-Identifier: GPL-2.0
/*
 * Object pools for probe context.
 *
 * A pool keeps a shared reserve of depth objects and, if per_cpu, up to
 * cpu_depth more on each online CPU.  ps_pool_get() takes from its CPU's
 * list, else from the shared reserve.  When its CPU's list falls below half
 * its depth, or the shared reserve had to serve, it kicks the pool's
 * refill work, which runs on the module's kthread worker and tops both up
 * with GFP_KERNEL allocations.  A take that finds nothing is a miss: the
 * caller counts its lost event, and the next refill raises the pool's
 * depth by the objects the misses would have needed, or to what a caller
 * says one burst of its takes needed (ps_pool_wanted()), up to
 * PS_POOL_BOOST_MAX times the base depth: a workload that once needed more
 * than the reserve is served the next time.  A reset goes back to the base
 * depth.
 *
 * Base depths: pool_depth (module parameter, 512) table blocks and "ever
 * pinned" bitmaps, twice as many records, pool_depth / 16 fork-audit
 * pages; each CPU list holds up to min(PS_POOL_CPU_MAX, base / 16) more.
 * A pool may also follow a demand() (the fork-audit pages: enough to
 * record every page pinned now), looked at again whenever another pool's
 * refill runs, or ps_pools_kick_demand() asks.  A change of pool_depth
 * takes effect at the next refill; a reset also gives back what the CPU
 * lists hold beyond it.
 *
 * Notes on locking
 * ----------------
 * PREEMPT_RT: the take and put sides never sleep, never enter an
 * allocator and take no spinlock_t.  The CPU lists are llists; takers of
 * the shared reserve serialise on a raw_spinlock_t; the kick is
 * kthread_queue_work(), whose worker lock is a raw_spinlock_t, as are the
 * locks of the wakeup it does.  The refill work and resets run in process
 * context and may sleep.
 * cpu->objs: producers (refills, ps_pool_put()) llist_add() from any CPU;
 *   the only consumer is the CPU itself with interrupts off
 *   (ps_pool_get()), or a reset or exit while no take can run: the single
 *   consumer llist_del_first() needs.
 * shared: producers llist_add(); consumers (ps_pool_get() on any CPU, a
 *   refill trimming it) hold lock with interrupts off.  Nothing is taken
 *   inside lock.
 * excess: objects given back beyond the depths, llist_add() from any
 *   context (NMI included), llist_del_all() by a refill, which reuses or
 *   frees them.
 * nr, nr_shared: list lengths for the watermarks; a racing take or put may
 *   make them briefly off by one.
 * held: objects the pool owns (lists, excess, a refill's hands): pool_bytes.
 * refill_mutex: one refill, reset or exit of a pool at a time; it orders
 *   depth, cpu_depth and boost, which takers read with READ_ONCE().
 * kicked: set by the first kick; the work clears it before it reads the
 *   levels, so a take that lowers a level after that kicks again.
 * pools_mutex: the list of pools, for pool_bytes.
 * NMI: ps_pool_get() returns NULL at once; ps_pool_put() only llist_add()s
 *   to excess, without a kick.
 */
#include <linux/bits.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/minmax.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/sched.h>

#include "pool.h"
#include "stats.h"

static unsigned int pool_depth = 512;
module_param(pool_depth, uint, 0600);
MODULE_PARM_DESC(pool_depth,
		 "Table blocks and bitmaps kept ready for probe context; records x2, fork-audit pages /16 (default 512)");

#define PS_POOL_DEPTH_MAX	BIT(20)
#define PS_POOL_BOOST_MAX	4
#define PS_MAX_POOLS		8

static struct kthread_worker *pool_worker;
static DEFINE_MUTEX(pools_mutex);
static struct ps_pool *pools[PS_MAX_POOLS];

static void *obj_of(const struct ps_pool *pool, struct llist_node *node)
{
	return (void *)node - pool->node_offset;
}

static struct llist_node *node_of(const struct ps_pool *pool, void *obj)
{
	return obj + pool->node_offset;
}

static void pool_kick(struct ps_pool *pool)
{
	if (!test_bit(0, &pool->kicked) && !test_and_set_bit(0, &pool->kicked))
		kthread_queue_work(pool_worker, &pool->work);
}

void *ps_pool_get(struct ps_pool *pool)
{
	struct llist_node *node;
	struct ps_pool_cpu *pc;
	unsigned long flags;
	bool low;

	if (in_nmi())
		return NULL;
	local_irq_save(flags);
	pc = this_cpu_ptr(pool->cpu);
	node = llist_del_first(&pc->objs);
	if (node) {
		low = atomic_dec_return(&pc->nr) <
		      READ_ONCE(pool->cpu_depth) / 2;
	} else {
		raw_spin_lock(&pool->lock);
		node = llist_del_first(&pool->shared);
		raw_spin_unlock(&pool->lock);
		if (node)
			atomic_dec(&pool->nr_shared);
		low = true;
	}
	local_irq_restore(flags);
	if (low) {
		/* The lower level first: pairs with pool_work_fn(). */
		smp_mb__after_atomic();
		pool_kick(pool);
	}
	if (!node) {
		atomic_inc(&pool->misses);
		ps_stat_inc(PS_POOL_EMPTY);
		return NULL;
	}
	atomic_long_dec(&pool->held);
	node->next = NULL;
	return obj_of(pool, node);
}

void ps_pool_put(struct ps_pool *pool, void *obj)
{
	struct llist_node *node = node_of(pool, obj);
	struct ps_pool_cpu *pc;

	atomic_long_inc(&pool->held);
	if (in_nmi()) {
		llist_add(node, &pool->excess);
		return;
	}
	/* Any CPU's list will do: adding needs no exclusion. */
	pc = raw_cpu_ptr(pool->cpu);
	if (atomic_read(&pc->nr) < READ_ONCE(pool->cpu_depth)) {
		atomic_inc(&pc->nr);
		llist_add(node, &pc->objs);
	} else if (atomic_read(&pool->nr_shared) < READ_ONCE(pool->depth)) {
		atomic_inc(&pool->nr_shared);
		llist_add(node, &pool->shared);
	} else {
		llist_add(node, &pool->excess);
		pool_kick(pool);
	}
}

static unsigned int pool_base_depth(const struct ps_pool *pool)
{
	unsigned int depth = min_t(unsigned int, READ_ONCE(pool_depth),
				   PS_POOL_DEPTH_MAX);

	return DIV_ROUND_UP(depth * pool->depth_mul, pool->depth_div);
}

static unsigned int pool_demand(const struct ps_pool *pool)
{
	return pool->demand ? min_t(unsigned int, pool->demand(),
				    PS_POOL_DEPTH_MAX) : 0;
}

/* Under refill_mutex. */
static void pool_set_depths(struct ps_pool *pool)
{
	unsigned int base = pool_base_depth(pool), demand = pool_demand(pool);
	unsigned int misses = DIV_ROUND_UP(atomic_xchg(&pool->misses, 0),
					   max(pool->misses_per_obj, 1U));
	unsigned int wanted = atomic_xchg(&pool->wanted, 0);
	unsigned int boost = pool->boost + misses;

	if (wanted > base + demand)
		boost = max(boost, wanted - base - demand);
	WRITE_ONCE(pool->boost, min(boost, base * PS_POOL_BOOST_MAX));
	WRITE_ONCE(pool->depth, base + demand + pool->boost);
	WRITE_ONCE(pool->cpu_depth, pool->per_cpu ?
		   min_t(unsigned int, PS_POOL_CPU_MAX, base / 16) : 0);
}

/* An object from @spare (objects the pool holds already), else a new one. */
static void *pool_obtain(struct ps_pool *pool, struct llist_node **spare)
{
	struct llist_node *node = *spare;
	void *obj;

	if (node) {
		*spare = node->next;
		return obj_of(pool, node);
	}
	cond_resched();
	obj = pool->alloc();
	if (!obj) {
		ps_stat_inc(PS_POOL_REFILL_FAILURES);
		return NULL;
	}
	atomic_long_inc(&pool->held);
	return obj;
}

static void pool_free_list(struct ps_pool *pool, struct llist_node *list)
{
	struct llist_node *node, *next;

	llist_for_each_safe(node, next, list) {
		pool->free(obj_of(pool, node));
		atomic_long_dec(&pool->held);
	}
}

/* Fills @list up to @depth objects, counted in @nr; false if one failed. */
static bool pool_top_up(struct ps_pool *pool, struct llist_node **spare,
			struct llist_head *list, atomic_t *nr, int depth)
{
	void *obj;

	while (atomic_read(nr) < depth) {
		obj = pool_obtain(pool, spare);
		if (!obj)
			return false;
		atomic_inc(nr);
		llist_add(node_of(pool, obj), list);
	}
	return true;
}

/*
 * Under refill_mutex: top the shared reserve, then each online CPU's list,
 * up to their depths, with the excess first; trim the shared reserve to
 * its depth.  The first failed allocation ends the round: the next take
 * below a watermark kicks another.
 */
static void pool_refill(struct ps_pool *pool)
{
	struct llist_node *spare, *node;
	struct ps_pool_cpu *pc;
	int cpu;

	pool_set_depths(pool);
	spare = llist_del_all(&pool->excess);
	if (!pool_top_up(pool, &spare, &pool->shared, &pool->nr_shared,
			 pool->depth))
		goto out;
	for_each_online_cpu(cpu) {
		pc = per_cpu_ptr(pool->cpu, cpu);
		if (!pool_top_up(pool, &spare, &pc->objs, &pc->nr,
				 pool->cpu_depth))
			goto out;
	}
	while (atomic_read(&pool->nr_shared) > pool->depth) {
		raw_spin_lock_irq(&pool->lock);
		node = llist_del_first(&pool->shared);
		raw_spin_unlock_irq(&pool->lock);
		if (!node)
			break;
		atomic_dec(&pool->nr_shared);
		node->next = spare;
		spare = node;
	}
out:
	pool_free_list(pool, spare);
}

void ps_pool_wanted(struct ps_pool *pool, unsigned int nr)
{
	int want = min_t(unsigned int, nr, PS_POOL_DEPTH_MAX);
	int old = atomic_read(&pool->wanted);

	do {
		if (old >= want)
			return;
	} while (!atomic_try_cmpxchg(&pool->wanted, &old, want));
	pool_kick(pool);
}

void ps_pools_kick_demand(void)
{
	struct ps_pool *pool;
	int i;

	mutex_lock(&pools_mutex);
	for (i = 0; i < PS_MAX_POOLS; i++) {
		pool = pools[i];
		if (pool && pool->demand &&
		    READ_ONCE(pool->depth) != pool_base_depth(pool) +
					       pool_demand(pool) +
					       READ_ONCE(pool->boost))
			pool_kick(pool);
	}
	mutex_unlock(&pools_mutex);
}

static void pool_work_fn(struct kthread_work *work)
{
	struct ps_pool *pool = container_of(work, struct ps_pool, work);

	clear_bit(0, &pool->kicked);
	/* Pairs with the atomic update before the test_bit() of a take. */
	smp_mb__after_atomic();
	mutex_lock(&pool->refill_mutex);
	pool_refill(pool);
	mutex_unlock(&pool->refill_mutex);
	/* Takes from a pool without demand() may have changed a demand. */
	if (!pool->demand)
		ps_pools_kick_demand();
}

/* Move every object of @head to excess; @nr loses as many. */
static void pool_drain(struct ps_pool *pool, struct llist_head *head,
		       atomic_t *nr)
{
	struct llist_node *first = llist_del_all(head), *last = first;
	int n = 0;

	if (!first)
		return;
	for (n = 1; last->next; n++)
		last = last->next;
	atomic_sub(n, nr);
	llist_add_batch(first, last, &pool->excess);
}

/* Under refill_mutex, no take running: every object to excess. */
static void pool_drain_all(struct ps_pool *pool)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct ps_pool_cpu *pc = per_cpu_ptr(pool->cpu, cpu);

		pool_drain(pool, &pc->objs, &pc->nr);
	}
	raw_spin_lock_irq(&pool->lock);
	pool_drain(pool, &pool->shared, &pool->nr_shared);
	raw_spin_unlock_irq(&pool->lock);
}

void ps_pool_reset(struct ps_pool *pool)
{
	mutex_lock(&pool->refill_mutex);
	pool_drain_all(pool);
	WRITE_ONCE(pool->boost, 0);
	atomic_set(&pool->misses, 0);
	atomic_set(&pool->wanted, 0);
	pool_refill(pool);
	mutex_unlock(&pool->refill_mutex);
}

int ps_pool_init(struct ps_pool *pool)
{
	int cpu, i;

	pool->cpu = alloc_percpu(struct ps_pool_cpu);
	if (!pool->cpu)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct ps_pool_cpu *pc = per_cpu_ptr(pool->cpu, cpu);

		init_llist_head(&pc->objs);
		atomic_set(&pc->nr, 0);
	}
	raw_spin_lock_init(&pool->lock);
	init_llist_head(&pool->shared);
	atomic_set(&pool->nr_shared, 0);
	init_llist_head(&pool->excess);
	atomic_long_set(&pool->held, 0);
	atomic_set(&pool->misses, 0);
	atomic_set(&pool->wanted, 0);
	pool->depth = 0;
	pool->cpu_depth = 0;
	pool->boost = 0;
	pool->kicked = 0;
	mutex_init(&pool->refill_mutex);
	kthread_init_work(&pool->work, pool_work_fn);

	mutex_lock(&pools_mutex);
	for (i = 0; i < PS_MAX_POOLS && pools[i]; i++)
		;
	if (i < PS_MAX_POOLS)
		pools[i] = pool;
	mutex_unlock(&pools_mutex);
	if (i == PS_MAX_POOLS) {
		free_percpu(pool->cpu);
		return -ENOSPC;
	}

	/* A failed allocation is counted; takes kick more refills. */
	mutex_lock(&pool->refill_mutex);
	pool_refill(pool);
	mutex_unlock(&pool->refill_mutex);
	return 0;
}

/* No take or put can run any more, and none will. */
void ps_pool_exit(struct ps_pool *pool)
{
	int i;

	/* First out of sight of ps_pools_kick_demand(), then idle. */
	mutex_lock(&pools_mutex);
	for (i = 0; i < PS_MAX_POOLS; i++)
		if (pools[i] == pool)
			pools[i] = NULL;
	mutex_unlock(&pools_mutex);
	kthread_cancel_work_sync(&pool->work);
	mutex_lock(&pool->refill_mutex);
	pool_drain_all(pool);
	pool_free_list(pool, llist_del_all(&pool->excess));
	mutex_unlock(&pool->refill_mutex);
	WARN_ON_ONCE(atomic_long_read(&pool->held));
	free_percpu(pool->cpu);
	pool->cpu = NULL;
}

void ps_pools_flush(void)
{
	kthread_flush_worker(pool_worker);
}

u64 ps_pools_bytes(void)
{
	u64 bytes = 0;
	int i;

	mutex_lock(&pools_mutex);
	for (i = 0; i < PS_MAX_POOLS; i++)
		if (pools[i])
			bytes += (u64)max(0L, atomic_long_read(&pools[i]->held)) *
				 pools[i]->obj_size;
	mutex_unlock(&pools_mutex);
	return bytes;
}

int ps_pools_init(void)
{
	/* Its own thread, not a shared kworker: see the faults test. */
	pool_worker = kthread_create_worker(0, KBUILD_MODNAME "_pool");
	if (IS_ERR(pool_worker)) {
		int err = PTR_ERR(pool_worker);

		pool_worker = NULL;
		return err;
	}
	return 0;
}

void ps_pools_exit(void)
{
	kthread_destroy_worker(pool_worker);
	pool_worker = NULL;
}
