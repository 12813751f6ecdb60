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
 * marks[]: per task, the frames of the pin, unpin and folio_add_pins()
 *   calls it is inside.  A task claims a way of its bucket with cmpxchg and
 *   only that task touches it until it clears it, so depth, pin_depth and
 *   top need no atomics.
 * irq_top[]: the same for interrupt context, per CPU; only that CPU's
 *   handlers, which do not nest within one level, touch it.
 * A frame lives in its kretprobe instance's data from the entry to the
 *   return handler; only its own context reaches it through top.
 *
 * Frames
 * ------
 * The kernel counts a FOLL_PIN grab or release inside try_grab_folio*()
 * and gup_put_folio(), static or internal functions that the compiler
 * inlines into some callers and not others, differently on every build.
 * The calls around them whose net effect on the pin count follows from
 * their arguments and return value (a pin API: +pages returned; an unpin
 * API: -pages; folio_add_pins(): +pins) open a frame; the grab and put
 * probes that fire inside add what they counted to the innermost frame,
 * and when the call returns, whatever its net effect still lacks is
 * counted there (reconciled_*).  Nested frames hand their totals to the
 * frame around them.
 */
#include <linux/hash.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>

#include "cow.h"
#include "ledger.h"
#include "probes.h"
#include "records.h"
#include "stacks.h"
#include "stats.h"
#include "table.h"

static DEFINE_MUTEX(state_mutex);
/* Off until ps_ledger_start(): every probe armed first. */
static bool ps_counting;
static bool ps_resetting;
static unsigned int ps_reset_epoch;

static void reconciled_reset(void);

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
	reconciled_reset();
	ps_probes_reset();
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
	ps_stacks_reset();
	ps_cow_reset();
	ps_stats_reset();
	reconciled_reset();
	ps_probes_reset();
	WRITE_ONCE(ps_resetting, false);
	mutex_unlock(&state_mutex);
}

#define PS_MARK_BITS	10
#define PS_MARK_WAYS	4

/*
 * A task's calls in progress: the innermost frame, how many frames are open
 * and how many of them are pin calls.
 */
struct ps_mark {
	struct task_struct *task;
	unsigned int depth;
	unsigned int pin_depth;
	struct ps_frame *top;
};

static struct ps_mark marks[1 << PS_MARK_BITS][PS_MARK_WAYS];

/*
 * Frames opened in interrupt context, per CPU: [0] serving a softirq,
 * [1] a hard interrupt.  Neither nests in itself on one CPU (on PREEMPT_RT
 * softirqs are served by one task per CPU at a time, migration disabled).
 */
static DEFINE_PER_CPU(struct ps_frame *, irq_top[2]);

/* FOLL_PIN refs the frames added because no probe inside saw them. */
static DEFINE_PER_CPU(s64, reconciled[2]);

static struct ps_mark *mark_find(struct task_struct *task)
{
	struct ps_mark *bucket = marks[hash_ptr(task, PS_MARK_BITS)];
	int i;

	for (i = 0; i < PS_MARK_WAYS; i++)
		if (READ_ONCE(bucket[i].task) == task)
			return &bucket[i];
	return NULL;
}

static struct ps_mark *mark_claim(void)
{
	struct ps_mark *bucket, *mark = mark_find(current);
	int i;

	if (mark)
		return mark;
	bucket = marks[hash_ptr(current, PS_MARK_BITS)];
	for (i = 0; i < PS_MARK_WAYS; i++) {
		if (!cmpxchg(&bucket[i].task, NULL, current)) {
			bucket[i].depth = 0;
			bucket[i].pin_depth = 0;
			bucket[i].top = NULL;
			return &bucket[i];
		}
	}
	return NULL;
}

/* The innermost frame open in this context, or NULL. */
static struct ps_frame *frame_top(void)
{
	struct ps_mark *mark;

	if (in_nmi())
		return NULL;
	if (!in_task())
		return __this_cpu_read(irq_top[in_hardirq() ? 1 : 0]);
	mark = mark_find(current);
	return mark ? mark->top : NULL;
}

/*
 * Pin calls and folio_add_pins() run in task context (@task_call): their
 * frame goes to the task even when the probe's entry is emulated from the
 * int3 handler, in NMI context.  Unpins may run in interrupt context too.
 */
bool ps_frame_push(struct ps_frame *f, bool pin_call, bool task_call)
{
	struct ps_frame **top;
	struct ps_mark *mark;

	f->acquired = 0;
	f->released = 0;
	f->nested_api = false;
	f->pin_call = pin_call;
	f->epoch = ps_epoch();
	f->pushed = false;
	f->irq_level = -1;
	if (task_call || in_task()) {
		mark = mark_claim();
		if (!mark) {
			/* Rollbacks and releases in this call go unreconciled. */
			ps_lost(PS_LOST_EVENTS, "events");
			return false;
		}
		top = &mark->top;
		mark->depth++;
		if (pin_call)
			mark->pin_depth++;
	} else {
		if (in_nmi())
			return false;
		f->irq_level = in_hardirq() ? 1 : 0;
		top = this_cpu_ptr(&irq_top[f->irq_level]);
	}
	f->parent = *top;
	*top = f;
	f->pushed = true;
	return true;
}

static void reconcile(struct ps_frame *f, s64 net, bool in_pin)
{
	s64 d = net - (f->acquired - f->released);

	if (d > 0) {
		/* Grabs no probe saw: try_grab_folio() inlined here. */
		ps_stat_add(PS_PINS_ACQUIRED, d);
		this_cpu_add(reconciled[0], d);
		f->acquired += d;
	} else if (d < 0) {
		/* Releases no probe saw: gup_put_folio() inlined here. */
		ps_stat_add(PS_PINS_RELEASED, -d);
		this_cpu_add(reconciled[1], -d);
		if (in_pin)
			ps_stat_add(PS_ROLLBACK_UNPINS, -d);
		f->released -= d;
	}
}

void ps_frame_pop(struct ps_frame *f, bool known, s64 net)
{
	struct ps_frame **top;
	struct ps_mark *mark = NULL;
	bool in_pin;

	if (!f->pushed)
		return;
	if (f->irq_level < 0) {
		mark = mark_find(current);
		if (!mark)
			return;
		top = &mark->top;
	} else {
		top = this_cpu_ptr(&irq_top[f->irq_level]);
	}
	if (*top != f) {
		/* Not the innermost: a frame was lost on the way. */
		ps_lost(PS_LOST_EVENTS, "events");
		return;
	}
	*top = f->parent;
	/* Inside a pin call (this one or one around it): a rollback. */
	in_pin = mark && mark->pin_depth;
	if (known && ps_active() && f->epoch == ps_epoch())
		reconcile(f, net, in_pin);
	if (f->parent && f->parent->epoch == f->epoch) {
		f->parent->acquired += f->acquired;
		f->parent->released += f->released;
		f->parent->nested_api = true;
	}
	if (mark) {
		if (f->pin_call)
			mark->pin_depth--;
		if (!--mark->depth)
			/* Depth first, then the way: a new owner sees it unused. */
			smp_store_release(&mark->task, NULL);
	}
}

static bool in_pin_call(void)
{
	struct ps_mark *mark;

	/* In IRQ context current is whoever was interrupted. */
	if (!in_task())
		return false;
	mark = mark_find(current);
	return mark && mark->pin_depth;
}

bool ps_unpin_is_rollback(unsigned long nr)
{
	/* Counted where every release is seen: ps_ledger_put(), frames. */
	return in_pin_call();
}

s64 ps_ledger_reconciled(bool released)
{
	s64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(reconciled[released], cpu);
	return sum;
}

static void reconciled_reset(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		per_cpu(reconciled[0], cpu) = 0;
		per_cpu(reconciled[1], cpu) = 0;
	}
}

unsigned long ps_ledger_pin_pages(struct page **pages, unsigned long nr,
				  bool longterm, struct ps_call *call)
{
	unsigned long i, pinned = 0;

	for (i = 0; i < nr; i++) {
		/* The zero page is never pinned (gup.c skips it). */
		if (!pages[i] || is_zero_page(pages[i]))
			continue;
		ps_table_pin(page_to_pfn(pages[i]), longterm, call);
		ps_stat_inc(PS_API_PINS);
		pinned++;
	}
	return pinned;
}

unsigned long ps_ledger_pin_folios(struct folio **folios, unsigned long nr,
				   unsigned long first_offset, bool longterm,
				   struct ps_call *call)
{
	unsigned long i, pinned = 0, pfn;

	/*
	 * A folio pin names no subpage: it is charged to the first page of
	 * the folio in the range pinned, @first_offset pages into the first
	 * folio, the head of every other one (memfd_pin_folios()).
	 */
	for (i = 0; i < nr; i++) {
		if (!folios[i] || is_zero_folio(folios[i]))
			continue;
		pfn = folio_pfn(folios[i]);
		if (!i && first_offset < folio_nr_pages(folios[i]))
			pfn += first_offset;
		ps_table_pin(pfn, longterm, call);
		ps_stat_inc(PS_API_PINS);
		pinned++;
	}
	return pinned;
}

unsigned long ps_ledger_add_pins(struct folio *folio, unsigned long pins,
				 struct ps_call *call)
{
	unsigned long head, nr, first, i;
	struct ps_entry e;
	bool longterm;

	if (is_zero_folio(folio))
		return 0;
	/*
	 * More pins on a folio that is pinned already, to be unpinned page by
	 * page (iommufd after memfd_pin_folios()): they go to the pages after
	 * the first pinned one, where that pin's range goes on.
	 */
	head = folio_pfn(folio);
	nr = folio_nr_pages(folio);
	if (nr > 1)
		first = ps_table_next(head, &e);
	else
		first = ps_table_read(head, &e) ? head : ULONG_MAX;
	if (first != ULONG_MAX && first >= head && first < head + nr) {
		first -= head;
		/* The pins follow the existing one's FOLL_LONGTERM. */
		longterm = e.longterm > 0;
	} else {
		first = 0;
		longterm = false;
	}
	for (i = 0; i < pins; i++) {
		ps_table_pin(head + (first + 1 + i) % nr, longterm, call);
		ps_stat_inc(PS_API_PINS);
	}
	return pins;
}

bool ps_ledger_unpin_page(struct page *page, struct ps_puts *puts)
{
	struct folio *folio;

	if (is_zero_page(page))
		return false;
	if (ps_table_unpin(page_to_pfn(page), puts)) {
		ps_stat_inc(PS_API_UNPINS);
		return true;
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
		return true;
	}
	ps_stat_inc(PS_UNTRACKED_UNPINS);
	return true;
}

void ps_ledger_unpin_folio(struct folio *folio, unsigned long nr,
			   struct ps_puts *puts)
{
	unsigned long head, nr_pages, first, done = 0;
	struct ps_entry e;

	if (is_zero_folio(folio))
		return;
	/*
	 * A folio unpin names no subpage.  The pins of the first pinned page
	 * go last: unpin_user_folio(folio, n - 1) releases all but the first
	 * of n pages pinned (io_uring's buffer coalescing since 6.13), and
	 * folio_add_pins() adds pins after it.
	 */
	head = folio_pfn(folio);
	nr_pages = folio_nr_pages(folio);
	if (nr_pages > 1) {
		first = ps_table_next(head, &e);
		if (first >= head && first < head + nr_pages - 1)
			done = ps_table_unpin_any(first + 1,
						  head + nr_pages - (first + 1),
						  nr, puts);
	}
	if (done < nr)
		done += ps_table_unpin_any(head, nr_pages, nr - done, puts);
	ps_stat_add(PS_API_UNPINS, done);
	ps_stat_add(PS_UNTRACKED_UNPINS, nr - done);
}

/*
 * Counts @refs pins taken (@acquired) or dropped on @folio, in the stats and
 * in the pin call around it if any; false for the zero folio, never counted.
 */
static bool ledger_refs(struct folio *folio, int refs, bool acquired)
{
	struct ps_frame *f;

	if (!folio || is_zero_folio(folio))
		return false;
	ps_stat_add(acquired ? PS_PINS_ACQUIRED : PS_PINS_RELEASED, refs);
	f = frame_top();
	if (f && acquired)
		f->acquired += refs;
	else if (f)
		f->released += refs;
	return true;
}

void ps_ledger_grabbed(struct folio *folio, int refs)
{
	ledger_refs(folio, refs, true);
}

void ps_ledger_bypass_pin(struct folio *folio)
{
	if (is_zero_folio(folio))
		return;
	/* No call around it knows of this pin: no frame is told. */
	ps_stat_inc(PS_PINS_ACQUIRED);
	ps_stat_inc(PS_BYPASS_PINS);
}

void ps_ledger_put(struct folio *folio, int refs)
{
	if (!ledger_refs(folio, refs, false))
		return;
	/*
	 * Released inside a pin call: an undo of pins never handed to the
	 * caller, through an unpin API or straight through gup_put_folio()
	 * (migrate_longterm_unpinnable_folios(), fast-GUP races).
	 */
	if (in_pin_call())
		ps_stat_add(PS_ROLLBACK_UNPINS, refs);
}
