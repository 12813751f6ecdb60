/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Object pools for probe context.  Probe handlers run with preemption
 * disabled, where a PREEMPT_RT kernel must not enter the slab or page
 * allocator (their locks sleep there) nor take a spinlock_t: every object
 * a handler needs (a table block, an "ever pinned" bitmap, a pin-call
 * record, a fork-audit page) is taken from a pool that a kthread worker
 * refills in process context.  An empty pool is a lost event for the
 * caller to count, as a failed allocation was.
 */
#ifndef PINSHADOW_POOL_H
#define PINSHADOW_POOL_H

#include <linux/atomic.h>
#include <linux/kthread.h>
#include <linux/llist.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>

/* Objects kept on each CPU at most, beside the shared reserve. */
#define PS_POOL_CPU_MAX		16

struct ps_pool_cpu {
	struct llist_head objs;
	atomic_t nr;
};

struct ps_pool {
	/* Set by the owner before ps_pool_init(). */
	const char *name;
	size_t obj_size;		/* for pool_bytes */
	unsigned int node_offset;	/* a free object's llist_node */
	/* Reserve: pool_depth * depth_mul / depth_div objects. */
	unsigned int depth_mul, depth_div;
	bool per_cpu;			/* also keep objects on each CPU */
	/* Process context, may sleep: a ready object, or NULL. */
	void *(*alloc)(void);
	/* Process context: an object the pool no longer needs. */
	void (*free)(void *obj);
	/* Optional, process context: objects wanted beyond the depth now. */
	unsigned int (*demand)(void);
	/* Misses one object would have served (0: one). */
	unsigned int misses_per_obj;

	/* The pool's own; see pool.c. */
	struct ps_pool_cpu __percpu *cpu;
	raw_spinlock_t lock;
	struct llist_head shared;
	atomic_t nr_shared;
	struct llist_head excess;
	atomic_long_t held;
	atomic_t misses;
	atomic_t wanted;
	int depth;
	int cpu_depth;
	unsigned int boost;
	unsigned long kicked;
	struct mutex refill_mutex;	/* one refill or reset at a time */
	struct kthread_work work;
};

/* The refill worker; before any pool, after the last one. */
int ps_pools_init(void);
void ps_pools_exit(void);

/* Fills the reserve (sleeps); ps_pool_exit() frees every object. */
int ps_pool_init(struct ps_pool *pool);
void ps_pool_exit(struct ps_pool *pool);

/*
 * Any context, NMI excepted (NULL there): an object, or NULL when the
 * pool is empty (counted in pool_empty).  The object's llist_node is
 * zeroed: an object the allocator zeroed is handed out all zero.
 */
void *ps_pool_get(struct ps_pool *pool);
/*
 * Any context: give back an object taken with ps_pool_get() (as it was
 * handed out) or one the owner made ready again.
 */
void ps_pool_put(struct ps_pool *pool, void *obj);
/*
 * Any context but NMI: one burst of takes (a fork's) needed @nr objects;
 * the pool keeps at least that many from its next refill on.
 */
void ps_pool_wanted(struct ps_pool *pool, unsigned int nr);
/* Process context: pools with a demand() look at it again. */
void ps_pools_kick_demand(void);

/*
 * Quiesced (no ps_pool_get() can run): back to the reserve of pool_depth,
 * refilled before returning.  Sleeps.
 */
void ps_pool_reset(struct ps_pool *pool);

/* Wait until no refill is queued or running (stats reads). */
void ps_pools_flush(void);
/* Memory the pools hold in reserve. */
u64 ps_pools_bytes(void);

#endif /* PINSHADOW_POOL_H */
