// SPDX-License-Identifier: GPL-2.0
/*
 * Ledger updates and the module's on/off/reset state.
 *
 * Notes on locking
 * ----------------
 * state_mutex: serialises enable, disable and reset (process context).
 * ps_counting / ps_resetting: read locklessly by every probe handler, which
 *   runs inside an RCU read-side section; a reset sets ps_resetting and
 *   waits with synchronize_rcu() for the handlers that saw it clear, so the
 *   table and the records can be emptied with no writer left.
 * marks[]: the per-task "inside a pin call" marks.  A task claims a way of
 *   its bucket with cmpxchg and only that task touches it until it clears
 *   it, so depth needs no atomics.
 */
#include <linux/hash.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>

#include "cow.h"
#include "ledger.h"
#include "records.h"
#include "stats.h"
#include "table.h"

static DEFINE_MUTEX(state_mutex);
/* Off until ps_ledger_start(): every probe armed first. */
static bool ps_counting;
static bool ps_resetting;
static unsigned int ps_reset_epoch;

bool ps_active(void)
{
	return READ_ONCE(ps_counting) && !READ_ONCE(ps_resetting);
}

unsigned int ps_epoch(void)
{
	return READ_ONCE(ps_reset_epoch);
}

bool ps_enabled(void)
{
	return READ_ONCE(ps_counting);
}

void ps_enable(void)
{
	mutex_lock(&state_mutex);
	WRITE_ONCE(ps_counting, true);
	mutex_unlock(&state_mutex);
}

/*
 * Module init, once every probe is armed: the vmstat baseline, then counting
 * on.  A pin call already running is not counted (its entry saw counting
 * off); its unpin is an untracked_unpin, never a negative count.
 */
void ps_ledger_start(void)
{
	mutex_lock(&state_mutex);
	ps_stats_reset();
	WRITE_ONCE(ps_counting, true);
	mutex_unlock(&state_mutex);
}

void ps_disable(void)
{
	mutex_lock(&state_mutex);
	WRITE_ONCE(ps_counting, false);
	mutex_unlock(&state_mutex);
}

void ps_reset(void)
{
	mutex_lock(&state_mutex);
	WRITE_ONCE(ps_resetting, true);
	WRITE_ONCE(ps_reset_epoch, ps_reset_epoch + 1);
	synchronize_rcu();
	ps_table_reset();
	ps_records_reset();
	ps_cow_reset();
	ps_stats_reset();
	WRITE_ONCE(ps_resetting, false);
	mutex_unlock(&state_mutex);
}

#define PS_MARK_BITS	10
#define PS_MARK_WAYS	4

struct ps_mark {
	struct task_struct *task;
	unsigned int depth;
};

static struct ps_mark marks[1 << PS_MARK_BITS][PS_MARK_WAYS];

static struct ps_mark *mark_find(struct task_struct *task)
{
	struct ps_mark *bucket = marks[hash_ptr(task, PS_MARK_BITS)];
	int i;

	for (i = 0; i < PS_MARK_WAYS; i++)
		if (READ_ONCE(bucket[i].task) == task)
			return &bucket[i];
	return NULL;
}

bool ps_pin_call_enter(void)
{
	struct ps_mark *bucket, *mark = mark_find(current);
	int i;

	if (mark) {
		mark->depth++;
		return true;
	}
	bucket = marks[hash_ptr(current, PS_MARK_BITS)];
	for (i = 0; i < PS_MARK_WAYS; i++) {
		if (!cmpxchg(&bucket[i].task, NULL, current)) {
			bucket[i].depth = 1;
			return true;
		}
	}
	/* Rollbacks in this call would be charged as unpins: say so. */
	ps_stat_inc(PS_LOST_EVENTS);
	return false;
}

void ps_pin_call_exit(void)
{
	struct ps_mark *mark = mark_find(current);

	if (mark && !--mark->depth)
		/* Depth first, then the way: a new owner sees it unused. */
		smp_store_release(&mark->task, NULL);
}

static bool in_pin_call(void)
{
	/* In IRQ context current is whoever was interrupted. */
	return in_task() && mark_find(current);
}

bool ps_unpin_is_rollback(unsigned long nr)
{
	/* Counted where every release is seen: ps_ledger_put(). */
	return in_pin_call();
}

void ps_ledger_pin_pages(struct page **pages, unsigned long nr,
			 bool longterm, struct ps_call *call)
{
	unsigned long i;

	for (i = 0; i < nr; i++) {
		/* The zero page is never pinned (gup.c skips it). */
		if (!pages[i] || is_zero_page(pages[i]))
			continue;
		ps_table_pin(page_to_pfn(pages[i]), longterm, call);
		ps_stat_inc(PS_API_PINS);
	}
}

void ps_ledger_pin_folios(struct folio **folios, unsigned long nr,
			  bool longterm, struct ps_call *call)
{
	unsigned long i;

	/* A folio pin names no subpage: it is charged to the head. */
	for (i = 0; i < nr; i++) {
		if (!folios[i] || is_zero_folio(folios[i]))
			continue;
		ps_table_pin(folio_pfn(folios[i]), longterm, call);
		ps_stat_inc(PS_API_PINS);
	}
}

void ps_ledger_unpin_page(struct page *page, struct ps_puts *puts)
{
	struct folio *folio;

	if (is_zero_page(page))
		return;
	if (ps_table_unpin(page_to_pfn(page), puts)) {
		ps_stat_inc(PS_API_UNPINS);
		return;
	}
	/*
	 * The kernel releases pins per folio; an unpin may name another
	 * subpage of the folio than the pin did (e.g. a pin charged to the
	 * head).  Charge a subpage that has one: exact per folio.
	 */
	folio = page_folio(page);
	if (folio_test_large(folio) &&
	    ps_table_unpin_any(folio_pfn(folio), folio_nr_pages(folio), 1,
			       puts)) {
		ps_stat_inc(PS_API_UNPINS);
		ps_stat_inc(PS_SUBPAGE_FALLBACKS);
		return;
	}
	ps_stat_inc(PS_UNTRACKED_UNPINS);
}

void ps_ledger_unpin_folio(struct folio *folio, unsigned long nr,
			   struct ps_puts *puts)
{
	unsigned long done;

	if (is_zero_folio(folio))
		return;
	done = ps_table_unpin_any(folio_pfn(folio), folio_nr_pages(folio), nr,
				  puts);
	ps_stat_add(PS_API_UNPINS, done);
	ps_stat_add(PS_UNTRACKED_UNPINS, nr - done);
}

void ps_ledger_grabbed(struct folio *folio, int refs)
{
	if (folio && !is_zero_folio(folio))
		ps_stat_add(PS_PINS_ACQUIRED, refs);
}

void ps_ledger_put(struct folio *folio, int refs)
{
	if (is_zero_folio(folio))
		return;
	ps_stat_add(PS_PINS_RELEASED, refs);
	/*
	 * Released inside a pin call: an undo of pins never handed to the
	 * caller, through an unpin API or straight through gup_put_folio()
	 * (migrate_longterm_unpinnable_folios(), fast-GUP races).
	 */
	if (in_pin_call())
		ps_stat_add(PS_ROLLBACK_UNPINS, refs);
}
