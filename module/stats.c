// SPDX-License-Identifier: GPL-2.0
/*
 * Event counters and the kernel's own pin counters, read exactly.
 *
 * nr_foll_pin_acquired/released are node stats: a global atomic plus a
 * per-CPU, per-node s8 diff that is folded in only when it passes a
 * threshold.  global_node_page_state() alone lags by up to
 * threshold * nr_cpus, so the exact value adds the diffs of every CPU.
 *
 * Notes on locking
 * ----------------
 * ps_stats: per-CPU; a handler adds to its own CPU's copy with preemption
 *   disabled (this_cpu_add), readers sum every CPU without a lock, and
 *   ps_stats_reset() zeroes them with the probes quiesced.
 * vmstat_base_acquired, vmstat_base_released: written only by
 *   ps_stats_reset(), under ledger.c's state_mutex; read by the stats file
 *   without it (WRITE_ONCE/READ_ONCE, one s64 each).  A read racing a reset
 *   may pair a new baseline with an old one: the stats file is a snapshot,
 *   and every counter jumps at a reset anyway.
 */
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/vmstat.h>

#include "stats.h"

DEFINE_PER_CPU(struct ps_stats, ps_stats);

static s64 vmstat_base_acquired;
static s64 vmstat_base_released;

s64 ps_stat_read(enum ps_stat item)
{
	s64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(ps_stats, cpu).v[item];
	return sum;
}

/*
 * Per node, not the global atomic: a fold (refresh_cpu_vm_stats()) moves a
 * CPU's diff into the node's atomic at once but into the global one only
 * after every item of every node, so global + diffs misses it meanwhile.
 */
static s64 vmstat_read_once(enum node_stat_item item)
{
	s64 sum = 0;
	int nid, cpu;

	for_each_online_node(nid) {
		struct pglist_data *pgdat = NODE_DATA(nid);

		sum += atomic_long_read(&pgdat->vm_stat[item]);
		for_each_possible_cpu(cpu)
			sum += per_cpu_ptr(pgdat->per_cpu_nodestats, cpu)
				       ->vm_node_stat_diff[item];
	}
	return sum;
}

/*
 * A fold or an overflowing diff still leaves a window of a few
 * instructions where a CPU's share is counted twice or not at all: read
 * until two reads agree (the counters are quiet whenever an exact value is
 * asked for; under traffic the value is only a snapshot anyway).  Sleep
 * between the reads: a CPU stopped inside that window (a preempted vCPU,
 * or under QEMU TCG, where one thread runs the vCPUs in turn) must be able
 * to leave it, or two quick reads agree on the same wrong sum.  Process
 * context only.
 */
static s64 vmstat_exact(enum node_stat_item item)
{
	s64 prev = vmstat_read_once(item), cur;
	int tries;

	might_sleep();
	for (tries = 0; tries < 16; tries++) {
		usleep_range(20, 50);
		cur = vmstat_read_once(item);
		if (cur == prev)
			break;
		prev = cur;
	}
	return prev;
}

s64 ps_vmstat_acquired(void)
{
	return vmstat_exact(NR_FOLL_PIN_ACQUIRED) -
	       READ_ONCE(vmstat_base_acquired);
}

s64 ps_vmstat_released(void)
{
	return vmstat_exact(NR_FOLL_PIN_RELEASED) -
	       READ_ONCE(vmstat_base_released);
}

/*
 * Zero every event counter and take a new vmstat baseline.  The caller has
 * quiesced the probes.  Gauges describing the table (blocks, records) are
 * left alone: the table is emptied by its own reset.
 */
void ps_stats_reset(void)
{
	int cpu, i;

	for_each_possible_cpu(cpu) {
		struct ps_stats *s = per_cpu_ptr(&ps_stats, cpu);

		for (i = 0; i < PS_NR_STATS; i++)
			if (i != PS_TABLE_BLOCKS && i != PS_RECORDS)
				s->v[i] = 0;
	}
	WRITE_ONCE(vmstat_base_acquired, vmstat_exact(NR_FOLL_PIN_ACQUIRED));
	WRITE_ONCE(vmstat_base_released, vmstat_exact(NR_FOLL_PIN_RELEASED));
}
