// SPDX-License-Identifier: GPL-2.0
/*
 * Probe table and handlers.
 *
 * Page ledger (subpage exact): kretprobes on every pin_user_pages*() variant,
 * memfd_pin_folios() and folio_add_pins(), whose result is known only on
 * return; kretprobes on every unpin variant.  Folio ledger: kretprobes on
 * try_grab_*() (a grab can fail), kprobes on gup_put_folio() and
 * folio_add_pin(), all filtered on FOLL_PIN.  The pin, unpin and
 * folio_add_pins() probes also open a frame (ledger.c): what the grab and
 * put probes do not see because the compiler inlined those functions into
 * the call is counted when the call returns.  Arguments are read with
 * regs_get_kernel_argument(); the positions are the same on every
 * supported kernel, the meaning of try_grab_folio()'s is not (compat.h),
 * and hugetlb_wp()'s are checked at run time (compat.h).
 *
 * Handlers run with preemption disabled, in any context, and never sleep.
 * Each runs inside rcu_read_lock() so that a reset can wait for it.  While
 * ftrace patches a probed call site (a probe of ours or anyone's being
 * armed or disarmed), the call is emulated from the int3 handler, in NMI
 * context: there, entry handlers use only NMI-safe operations (no lock, no
 * allocation, ktime_get_mono_fast_ns()), and plain kprobes and the unpin
 * probes, whose ledger updates may lock and free, give up and count a lost
 * event.
 *
 * Notes on locking
 * ----------------
 * probes_mutex: the probes' registration state (armed, the symbol found)
 *   against the worker that disarms a probe whose arguments are not what it
 *   expects, and against the readers of "probes".  Process context only.
 * bad_args: set once from a handler (cmpxchg), read by anyone; a handler
 *   that sees it set returns at once.
 * hits, hits_base: per-CPU event counts, summed by readers; hits_base is
 *   taken at load and reset, with the probes quiesced.
 */
#include <linux/kprobes.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/ptrace.h>
#include <linux/rcupdate.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "cow.h"
#include "ledger.h"
#include "probes.h"
#include "records.h"
#include "stacks.h"
#include "stats.h"
#include "trace.h"

/*
 * The folio ledger (pins_acquired, pins_released, rollback_unpins) costs a
 * kretprobe and a kprobe hit per folio pinned and released; the page ledger
 * costs a few hits per call.  Off, the gross vmstat equalities cannot be
 * checked, only the net one (stats: folio_ledger 0), while every per-page
 * count stays exact.  Off by default: on 6.12, pinning 512 pages at a time
 * took 4.3 times the time without the module with it, 1.8 times without
 * (make bench, in instructions).  The tests load the module with 1.
 */
static bool folio_ledger;
module_param(folio_ledger, bool, 0400);
MODULE_PARM_DESC(folio_ledger,
		 "follow try_grab_*() and gup_put_folio() (default 0: faster; 1: also pins_acquired/pins_released)");

/*
 * Instances of a kretprobe in flight at once; when they run out the call is
 * missed (nmissed).  Pin calls sleep (faults, migration): allow many.  A
 * grab never sleeps but may be preempted; an unpin sleeps at most on a
 * folio lock (the *_dirty_lock() variants).
 */
#define PS_PIN_MAXACTIVE	4096
#define PS_GRAB_MAXACTIVE	1024
#define PS_UNPIN_MAXACTIVE	1024
#define PS_COW_MAXACTIVE	256
#define PS_NO_ARG	(-1)

/*
 * What a probe feeds, for telling a probe that is armed but never fires
 * while the kernel's own counters move ("silent" in the probes file).
 */
enum ps_role {
	PS_ROLE_NONE,		/* COW audit: no kernel counter to compare */
	PS_ROLE_PIN,		/* page ledger pins: nr_foll_pin_acquired */
	PS_ROLE_UNPIN,		/* page ledger unpins: nr_foll_pin_released */
	PS_ROLE_GRAB,		/* folio ledger grabs: nr_foll_pin_acquired */
	PS_ROLE_PUT,		/* folio ledger releases: nr_foll_pin_released */
	PS_ROLE_BYPASS,		/* folio_add_pin(): no kernel counter */
};

struct ps_probe;
typedef int (*ps_entry_fn)(struct ps_probe *pp, void *data,
			   struct pt_regs *regs);
typedef void (*ps_exit_fn)(struct ps_probe *pp, void *data,
			   struct pt_regs *regs);

struct ps_probe {
	const char *symbol;
	ps_entry_fn entry;
	ps_exit_fn exit;		/* NULL: a plain kprobe */
	unsigned int data_size;
	unsigned int maxactive;		/* kretprobes */
	u8 api;				/* pin APIs: enum ps_api */
	u8 role;			/* enum ps_role */
	s8 pages_arg;			/* pin APIs: pages[] or folios[] */
	s8 flags_arg;			/* pin APIs: gup flags, or PS_NO_ARG */
	s8 addr_arg;			/* pin APIs: user start, or PS_NO_ARG */
	s8 mm_arg;			/* pin APIs: mm, or PS_NO_ARG: the task's */
	bool folios;			/* pin APIs: folios[], not pages[] */
	bool ret_int;			/* pin APIs: returns int, not long */
	bool folio_ledger;		/* armed only with folio_ledger=1 */
	bool nmi_unsafe;		/* entry may lock: not in NMI context */
	bool armed;
	int err;			/* of the registration, if not armed */
	atomic_t form;			/* hugetlb_wp(): the form found */
	const char *bad_args;		/* why its arguments were refused */
	unsigned long __percpu *hits;
	unsigned long hits_base;	/* hits at load or the last reset */
	struct kretprobe rp;		/* rp.kp alone for plain kprobes */
};

static DEFINE_MUTEX(probes_mutex);
static void disarm_work_fn(struct work_struct *work);
static DECLARE_WORK(disarm_work, disarm_work_fn);

static unsigned long arg(struct pt_regs *regs, int n)
{
	return regs_get_kernel_argument(regs, n);
}

/*
 * The arguments are not what the probe expects: it ignores every hit from
 * now on and the worker disarms it.  The first reason sticks.
 */
static void refuse_args(struct ps_probe *pp, const char *why)
{
	/* From the int3 handler (NMI context) no work is queued: see show. */
	if (!cmpxchg(&pp->bad_args, NULL, why) && !in_nmi())
		schedule_work(&disarm_work);
}

/* Pin APIs: the page ledger, and a frame for the folio ledger. */

struct ps_pin_call {
	struct ps_frame frame;
	struct ps_pin_site site;	/* its end set at the return */
	void *array;
	pgoff_t *offset;		/* memfd_pin_folios(): first offset */
	u64 start_ns;
	unsigned int gup_flags;
	u32 stack;
};

/*
 * The end of a pin call's entry: who called, captured here and not at the
 * return, where the frames are no longer the caller's; then its frame,
 * which also keeps the reset epoch the exit compares against.
 */
static int pin_entry_end(struct ps_probe *pp, struct pt_regs *regs,
			 u32 *stack, struct ps_frame *frame, bool pin_call)
{
	*stack = ps_stack_capture((unsigned long)pp->rp.kp.addr, regs);
	ps_frame_push(frame, pin_call, true);
	return 0;
}

static int pin_api_entry(struct ps_probe *pp, void *data,
			 struct pt_regs *regs)
{
	struct ps_pin_call *pc = data;

	pc->array = (void *)arg(regs, pp->pages_arg);
	pc->gup_flags = pp->flags_arg == PS_NO_ARG ? 0 :
			arg(regs, pp->flags_arg);
	/* memfd_pin_folios(file, start, end, folios, max, offset) */
	pc->offset = pp->folios ? (pgoff_t *)arg(regs, 5) : NULL;
	/* Through which mm, at which address: the "pte" policy (cow.c). */
	pc->site.mm = NULL;
	pc->site.start = 0;
	if (pp->addr_arg != PS_NO_ARG) {
		pc->site.mm = pp->mm_arg == PS_NO_ARG ? current->mm :
			      (struct mm_struct *)arg(regs, pp->mm_arg);
		pc->site.start = arg(regs, pp->addr_arg) & PAGE_MASK;
	}
	pc->start_ns = ktime_get_mono_fast_ns();
	return pin_entry_end(pp, regs, &pc->stack, &pc->frame, true);
}

static void pin_api_exit(struct ps_probe *pp, void *data,
			 struct pt_regs *regs)
{
	struct ps_pin_call *pc = data;
	/* pin_user_pages_fast*() return an int: -EFAULT is not 4G pages. */
	long ret = pp->ret_int ? (int)regs_return_value(regs) :
				 (long)regs_return_value(regs);
	/* memfd_pin_folios() pins for as long as a FOLL_LONGTERM pin would. */
	bool longterm = pp->folios || (pc->gup_flags & FOLL_LONGTERM);
	unsigned long pinned = 0, pfn;
	pgoff_t offset = 0;
	struct ps_call call;

	if (ret > 0 && pc->array && ps_active() &&
	    pc->frame.epoch == ps_epoch()) {
		pc->site.end = pc->site.mm ? pc->site.start + ret * PAGE_SIZE :
			       0;
		ps_call_begin(&call, pp->api, pc->start_ns, ret, pc->stack,
			      &pc->site);
		if (pp->folios) {
			if (!pc->offset ||
			    get_kernel_nofault(offset, pc->offset))
				offset = 0;
			pinned = ps_ledger_pin_folios(pc->array, ret,
						      offset >> PAGE_SHIFT,
						      longterm, &call);
			pfn = folio_pfn(*(struct folio **)pc->array) +
			      (offset >> PAGE_SHIFT);
		} else {
			pinned = ps_ledger_pin_pages(pc->array, ret, longterm,
						     &call);
			pfn = page_to_pfn(*(struct page **)pc->array);
		}
		ps_call_end(&call);
		trace_pin(task_pid_nr(current), ps_api_name(pp->api), ret, pfn,
			  longterm);
	}
	/* What the call holds now: what it returned, or nothing. */
	ps_frame_pop(&pc->frame, folio_ledger && (ret <= 0 || pc->array),
		     pinned);
}

/* folio_add_pin(s)(): pins taken through no user mapping. */
static const struct ps_pin_site no_site;

/* folio_add_pins(folio, pins): more pins on a pinned folio. */

struct ps_add_pins_call {
	struct ps_frame frame;
	struct folio *folio;
	unsigned int pins;
	u32 stack;
};

static int add_pins_entry(struct ps_probe *pp, void *data,
			  struct pt_regs *regs)
{
	struct ps_add_pins_call *ac = data;

	ac->folio = (struct folio *)arg(regs, 0);
	ac->pins = arg(regs, 1);
	return pin_entry_end(pp, regs, &ac->stack, &ac->frame, false);
}

static void add_pins_exit(struct ps_probe *pp, void *data,
			  struct pt_regs *regs)
{
	struct ps_add_pins_call *ac = data;
	unsigned long added = 0;
	struct ps_call call;

	if (!(int)regs_return_value(regs) && ac->pins &&
	    !is_zero_folio(ac->folio)) {
		added = ac->pins;
		if (ps_active() && ac->frame.epoch == ps_epoch()) {
			ps_call_begin(&call, PS_API_FOLIO_ADD_PINS,
				      ktime_get_mono_fast_ns(), added,
				      ac->stack, &no_site);
			ps_ledger_add_pins(ac->folio, added, &call);
			ps_call_end(&call);
			trace_pin(task_pid_nr(current),
				  ps_api_name(PS_API_FOLIO_ADD_PINS), added,
				  folio_pfn(ac->folio), true);
		}
	}
	ps_frame_pop(&ac->frame, folio_ledger, added);
}

/*
 * Unpin APIs: the page ledger, debited on entry, and a frame that knows
 * how many FOLL_PIN refs the call releases: those gup_put_folio() counts in
 * nr_foll_pin_released (not the zero page's).  The record references that
 * pages give up are gathered in a struct ps_puts and dropped once per run
 * of a handle.
 */

struct ps_unpin_call {
	struct ps_frame frame;
	struct page **pages;		/* a debit left to the return */
	unsigned long nr;
	unsigned long refs;
};

static unsigned long page_refs(struct page **pages, unsigned long nr)
{
	unsigned long i, refs = 0;

	for (i = 0; i < nr; i++)
		if (pages[i] && !is_zero_page(pages[i]))
			refs++;
	return refs;
}

/* The first page's PFN, for the unpin event. */
static unsigned long page_pfn(struct page **pages, unsigned long nr)
{
	return nr && pages[0] ? page_to_pfn(pages[0]) : 0;
}

/* Debits the pages (unless a rollback); returns page_refs(), in one pass. */
static unsigned long unpin_pages(struct page **pages, unsigned long nr)
{
	unsigned long i, refs = 0;
	struct ps_puts puts;

	if (ps_unpin_is_rollback(nr))
		return page_refs(pages, nr);
	ps_puts_init(&puts);
	for (i = 0; i < nr; i++)
		if (pages[i])
			refs += ps_ledger_unpin_page(pages[i], &puts);
	ps_puts_flush(&puts);
	return refs;
}

/* Every unpin probe ends here: counts on, open the call's frame. */
static int unpin_begin(struct ps_unpin_call *uc, unsigned long refs,
		       unsigned long pfn)
{
	if (refs)
		trace_unpin(task_pid_nr(current), refs, pfn);
	uc->refs = refs;
	ps_frame_push(&uc->frame, false, false);
	return 0;
}

static void unpin_exit(struct ps_probe *pp, void *data, struct pt_regs *regs)
{
	struct ps_unpin_call *uc = data;

	/*
	 * unpin_user_pages_dirty_lock(make_dirty = false) delegates to
	 * unpin_user_pages(): debited there, unless the compiler inlined it.
	 */
	if (uc->pages && uc->frame.pushed && !uc->frame.nested_api &&
	    ps_active() && uc->frame.epoch == ps_epoch())
		unpin_pages(uc->pages, uc->nr);
	ps_frame_pop(&uc->frame, folio_ledger, -(s64)uc->refs);
}

static int unpin_user_page_entry(struct ps_probe *pp, void *data,
				 struct pt_regs *regs)
{
	struct ps_unpin_call *uc = data;
	struct page *page = (struct page *)arg(regs, 0);

	uc->pages = NULL;
	return unpin_begin(uc, unpin_pages(&page, 1), page_pfn(&page, 1));
}

/*
 * unpin_user_pages(pages, nr) and unpin_user_pages_dirty_lock(): the debit
 * now, or, if @at_return, left to unpin_user_pages() or (inlined) to the
 * return.
 */
static int unpin_array_begin(struct ps_unpin_call *uc, struct pt_regs *regs,
			     bool at_return)
{
	struct page **pages = (struct page **)arg(regs, 0);
	unsigned long nr = arg(regs, 1);

	uc->pages = NULL;
	/* unpin_user_pages() itself ignores (WARNs on) an -errno count. */
	if (IS_ERR_VALUE(nr))
		return unpin_begin(uc, 0, 0);
	if (!at_return)
		return unpin_begin(uc, unpin_pages(pages, nr),
				   page_pfn(pages, nr));
	uc->pages = pages;
	uc->nr = nr;
	return unpin_begin(uc, page_refs(pages, nr), page_pfn(pages, nr));
}

static int unpin_user_pages_entry(struct ps_probe *pp, void *data,
				  struct pt_regs *regs)
{
	return unpin_array_begin(data, regs, false);
}

/* unpin_user_pages_dirty_lock(pages, nr, make_dirty) */
static int unpin_dirty_lock_entry(struct ps_probe *pp, void *data,
				  struct pt_regs *regs)
{
	return unpin_array_begin(data, regs, !(arg(regs, 2) & 0xff));
}

static int unpin_range_entry(struct ps_probe *pp, void *data,
			     struct pt_regs *regs)
{
	struct ps_unpin_call *uc = data;
	struct page *page = (struct page *)arg(regs, 0);
	unsigned long i, refs = 0, nr = arg(regs, 1);
	bool rollback = ps_unpin_is_rollback(nr);
	struct ps_puts puts;

	uc->pages = NULL;
	ps_puts_init(&puts);
	for (i = 0; i < nr; i++) {
		struct page *p = ps_nth_page(page, i);

		if (is_zero_page(p))
			continue;
		refs++;
		if (!rollback)
			ps_ledger_unpin_page(p, &puts);
	}
	ps_puts_flush(&puts);
	return unpin_begin(uc, refs, page_to_pfn(page));
}

/* Debits @refs pins of each folio, NULL entries skipped. */
static unsigned long unpin_folio_array(struct folio **folios,
				       unsigned long nr, unsigned long refs)
{
	bool rollback = ps_unpin_is_rollback(nr);
	unsigned long i, total = 0;
	struct ps_puts puts;

	ps_puts_init(&puts);
	for (i = 0; i < nr; i++) {
		if (!folios[i] || is_zero_folio(folios[i]))
			continue;
		total += refs;
		if (!rollback)
			ps_ledger_unpin_folio(folios[i], refs, &puts);
	}
	ps_puts_flush(&puts);
	return total;
}

static int unpin_folio_entry(struct ps_probe *pp, void *data,
			     struct pt_regs *regs)
{
	struct ps_unpin_call *uc = data;
	struct folio *folio = (struct folio *)arg(regs, 0);

	uc->pages = NULL;
	return unpin_begin(uc, unpin_folio_array(&folio, 1, 1),
			   folio_pfn(folio));
}

static int unpin_folios_entry(struct ps_probe *pp, void *data,
			      struct pt_regs *regs)
{
	struct ps_unpin_call *uc = data;
	unsigned long nr = arg(regs, 1);
	struct folio **folios;

	uc->pages = NULL;
	if (IS_ERR_VALUE(nr))
		return unpin_begin(uc, 0, 0);
	folios = (struct folio **)arg(regs, 0);
	return unpin_begin(uc, unpin_folio_array(folios, nr, 1),
			   nr ? folio_pfn(folios[0]) : 0);
}

static int unpin_user_folio_entry(struct ps_probe *pp, void *data,
				  struct pt_regs *regs)
{
	struct ps_unpin_call *uc = data;
	struct folio *folio = (struct folio *)arg(regs, 0);

	uc->pages = NULL;
	return unpin_begin(uc, unpin_folio_array(&folio, 1, arg(regs, 1)),
			   folio_pfn(folio));
}

/* try_grab_*(), gup_put_folio(), folio_add_pin(): the folio ledger. */

struct ps_grab_call {
	unsigned long arg0;
	int refs;
};

/* (x, refs, flags): only FOLL_PIN grabs are followed to their return. */
static int grab_entry(struct ps_probe *pp, void *data, struct pt_regs *regs)
{
	struct ps_grab_call *gc = data;

	if (!ps_flags_pin(arg(regs, 2)))
		return 1;
	gc->arg0 = arg(regs, 0);
	gc->refs = arg(regs, 1);
	return 0;
}

static void try_grab_folio_exit(struct ps_probe *pp, void *data,
				struct pt_regs *regs)
{
	struct ps_grab_call *gc = data;

	ps_ledger_grabbed(ps_try_grab_folio_result(gc->arg0,
						   regs_return_value(regs)),
			  gc->refs);
}

/* try_grab_folio_fast(page, refs, flags) returns the folio or NULL. */
static void grab_returns_folio_exit(struct ps_probe *pp, void *data,
				    struct pt_regs *regs)
{
	struct ps_grab_call *gc = data;

	ps_ledger_grabbed((struct folio *)regs_return_value(regs), gc->refs);
}

/* try_grab_page(page, flags) returns a bool. */
static int grab_page_entry(struct ps_probe *pp, void *data,
			   struct pt_regs *regs)
{
	struct ps_grab_call *gc = data;

	if (!ps_flags_pin(arg(regs, 1)))
		return 1;
	gc->arg0 = arg(regs, 0);
	gc->refs = 1;
	return 0;
}

static void grab_page_exit(struct ps_probe *pp, void *data,
			   struct pt_regs *regs)
{
	struct ps_grab_call *gc = data;

	if (regs_return_value(regs) & 0xff)
		ps_ledger_grabbed(page_folio((struct page *)gc->arg0), 1);
}

static int gup_put_folio_entry(struct ps_probe *pp, void *data,
			       struct pt_regs *regs)
{
	if (arg(regs, 2) & PS_FOLL_PIN)
		ps_ledger_put((struct folio *)arg(regs, 0), arg(regs, 1));
	return 0;
}

static int folio_add_pin_entry(struct ps_probe *pp, void *data,
			       struct pt_regs *regs)
{
	struct folio *folio = (struct folio *)arg(regs, 0);
	struct ps_call call;

	if (is_zero_folio(folio))
		return 0;
	/* Legacy direct I/O: a pin the kernel's acquired counter never sees. */
	ps_ledger_bypass_pin(folio);
	ps_call_begin(&call, PS_API_FOLIO_ADD_PIN, ktime_get_mono_fast_ns(),
		      1, ps_stack_capture((unsigned long)pp->rp.kp.addr, regs),
		      &no_site);
	ps_ledger_pin_folios(&folio, 1, 0, false, &call);
	ps_call_end(&call);
	trace_pin(task_pid_nr(current), ps_api_name(PS_API_FOLIO_ADD_PIN), 1,
		  folio_pfn(folio), false);
	return 0;
}

/* COW decisions: copy_page_range() and the write-fault handlers. */

static int fork_entry(struct ps_probe *pp, void *data, struct pt_regs *regs)
{
	return ps_cow_fork_entry(data, regs);
}

static void fork_exit(struct ps_probe *pp, void *data, struct pt_regs *regs)
{
	ps_cow_fork_exit(data, regs);
}

/* do_wp_page(vmf), do_huge_pmd_wp_page(vmf) */
static int wp_vmf_entry(struct ps_probe *pp, void *data, struct pt_regs *regs)
{
	struct vm_fault *vmf = (struct vm_fault *)arg(regs, 0);

	return ps_cow_wp_entry(data, vmf->vma->vm_mm, vmf->address);
}

/*
 * hugetlb_wp(): which arguments it takes is not known from the version
 * alone (compat.h).  Every hit is checked with reads that cannot fault
 * before anything is used; the first form that fits is kept, and a hit
 * that fits none of the forms this kernel may have disarms the probe.
 */
static int hugetlb_wp_entry(struct ps_probe *pp, void *data,
			    struct pt_regs *regs)
{
	unsigned long args[3] = { arg(regs, 0), arg(regs, 1), arg(regs, 2) };
	int form = atomic_read(&pp->form);
	struct mm_struct *mm;
	unsigned long address;

	if (form == PS_HWP_UNKNOWN) {
		form = ps_hugetlb_wp_form(args);
		if (form == PS_HWP_UNKNOWN) {
			refuse_args(pp, PS_HWP_NO_FORM);
			return 1;
		}
		atomic_cmpxchg(&pp->form, PS_HWP_UNKNOWN, form);
		form = atomic_read(&pp->form);
	}
	if (!ps_hugetlb_wp_fault(form, args, &mm, &address)) {
		refuse_args(pp, ps_hugetlb_wp_form_name(form));
		return 1;
	}
	return ps_cow_wp_entry(data, mm, address);
}

static void wp_exit(struct ps_probe *pp, void *data, struct pt_regs *regs)
{
	ps_cow_wp_exit(data, regs);
}

/* @addr, @mm: argument positions; PS_NO_ARG mm: the task's. */
#define PIN_API(sym, id, pages, flags, addr, mm, is_folios, is_int) {	\
	.symbol = sym, .entry = pin_api_entry, .exit = pin_api_exit,	\
	.data_size = sizeof(struct ps_pin_call),			\
	.maxactive = PS_PIN_MAXACTIVE, .api = id, .role = PS_ROLE_PIN,	\
	.pages_arg = pages, .flags_arg = flags, .addr_arg = addr,	\
	.mm_arg = mm, .folios = is_folios, .ret_int = is_int }
#define UNPIN(sym, fn) {						\
	.symbol = sym, .entry = fn, .exit = unpin_exit,			\
	.data_size = sizeof(struct ps_unpin_call),			\
	.maxactive = PS_UNPIN_MAXACTIVE, .role = PS_ROLE_UNPIN,		\
	.nmi_unsafe = true }
#define GRAB(sym, in, out) {						\
	.symbol = sym, .entry = in, .exit = out,			\
	.data_size = sizeof(struct ps_grab_call),			\
	.maxactive = PS_GRAB_MAXACTIVE, .folio_ledger = true,		\
	.role = PS_ROLE_GRAB }
#define COW(sym, in, out) {						\
	.symbol = sym, .entry = in, .exit = out,			\
	.data_size = PS_COW_CALL_SIZE, .maxactive = PS_COW_MAXACTIVE }

static struct ps_probe probes[] = {
	PIN_API("pin_user_pages", PS_API_PIN_USER_PAGES, 3, 2, 0, PS_NO_ARG,
		false, false),
	PIN_API("pin_user_pages_fast", PS_API_PIN_USER_PAGES_FAST, 3, 2, 0,
		PS_NO_ARG, false, true),
	PIN_API("pin_user_pages_fast_only", PS_API_PIN_USER_PAGES_FAST_ONLY,
		3, 2, 0, PS_NO_ARG, false, true),
	/* The target's mm: process_vm_readv() pins in another process. */
	PIN_API("pin_user_pages_remote", PS_API_PIN_USER_PAGES_REMOTE,
		4, 3, 1, 0, false, false),
	PIN_API("pin_user_pages_unlocked", PS_API_PIN_USER_PAGES_UNLOCKED,
		2, 3, 0, PS_NO_ARG, false, false),
	PIN_API("memfd_pin_folios", PS_API_MEMFD_PIN_FOLIOS, 3, PS_NO_ARG,
		PS_NO_ARG, PS_NO_ARG, true, false),
	{ .symbol = "folio_add_pins", .entry = add_pins_entry,
	  .exit = add_pins_exit, .data_size = sizeof(struct ps_add_pins_call),
	  .maxactive = PS_GRAB_MAXACTIVE, .role = PS_ROLE_PIN },
	UNPIN("unpin_user_page", unpin_user_page_entry),
	UNPIN("unpin_user_pages", unpin_user_pages_entry),
	UNPIN("unpin_user_pages_dirty_lock", unpin_dirty_lock_entry),
	UNPIN("unpin_user_page_range_dirty_lock", unpin_range_entry),
	UNPIN("unpin_folio", unpin_folio_entry),
	UNPIN("unpin_folios", unpin_folios_entry),
	UNPIN("unpin_user_folio", unpin_user_folio_entry),
	GRAB("try_grab_folio", grab_entry, try_grab_folio_exit),
	GRAB("try_grab_folio_fast", grab_entry, grab_returns_folio_exit),
	GRAB("try_grab_page", grab_page_entry, grab_page_exit),
	{ .symbol = "gup_put_folio", .entry = gup_put_folio_entry,
	  .folio_ledger = true, .role = PS_ROLE_PUT },
	{ .symbol = "folio_add_pin", .entry = folio_add_pin_entry,
	  .role = PS_ROLE_BYPASS },
	COW("copy_page_range", fork_entry, fork_exit),
	COW("do_wp_page", wp_vmf_entry, wp_exit),
	COW("do_huge_pmd_wp_page", wp_vmf_entry, wp_exit),
	COW("hugetlb_wp", hugetlb_wp_entry, wp_exit),
};

static int kprobe_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct ps_probe *pp = container_of(kp, struct ps_probe, rp.kp);

	if (!ps_active() || READ_ONCE(pp->bad_args))
		return 0;
	this_cpu_inc(*pp->hits);
	if (in_nmi()) {
		ps_lost(PS_LOST_EVENTS, "events");
		return 0;
	}
	rcu_read_lock();
	pp->entry(pp, NULL, regs);
	rcu_read_unlock();
	return 0;
}

static int kretprobe_entry(struct kretprobe_instance *ri,
			   struct pt_regs *regs)
{
	struct ps_probe *pp = container_of(get_kretprobe(ri), struct ps_probe,
					   rp);
	int skip;

	if (!ps_active() || READ_ONCE(pp->bad_args))
		return 1;
	this_cpu_inc(*pp->hits);
	if (pp->nmi_unsafe && in_nmi()) {
		ps_lost(PS_LOST_EVENTS, "events");
		return 1;
	}
	rcu_read_lock();
	skip = pp->entry(pp, ri->data, regs);
	rcu_read_unlock();
	return skip;
}

/* Runs even when counting is off: a call's frame must be closed. */
static int kretprobe_exit(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct ps_probe *pp = container_of(get_kretprobe(ri), struct ps_probe,
					   rp);

	rcu_read_lock();
	pp->exit(pp, ri->data, regs);
	rcu_read_unlock();
	return 0;
}

/* The caller holds probes_mutex (or is the module's init or exit). */
static void probe_disarm(struct ps_probe *pp)
{
	if (!pp->armed)
		return;
	if (pp->exit)
		unregister_kretprobe(&pp->rp);
	else
		unregister_kprobe(&pp->rp.kp);
	pp->armed = false;
}

static void probe_unregister(struct ps_probe *pp)
{
	probe_disarm(pp);
	free_percpu(pp->hits);
	pp->hits = NULL;
}

/* Disarms, in process context, the probes that refused their arguments. */
static void disarm_work_fn(struct work_struct *work)
{
	int i;

	mutex_lock(&probes_mutex);
	for (i = 0; i < ARRAY_SIZE(probes); i++) {
		if (READ_ONCE(probes[i].bad_args) && probes[i].armed) {
			pr_warn("%s: disarmed: arguments not as expected (%s)\n",
				probes[i].symbol, probes[i].bad_args);
			probe_disarm(&probes[i]);
		}
	}
	mutex_unlock(&probes_mutex);
}

static int probe_register(struct ps_probe *pp)
{
	int err;

	pp->hits = alloc_percpu(unsigned long);
	if (!pp->hits)
		return -ENOMEM;
	pp->err = 0;
	pp->bad_args = NULL;
	atomic_set(&pp->form, PS_HWP_UNKNOWN);
	if (pp->folio_ledger && !folio_ledger)
		return 0;
	memset(&pp->rp, 0, sizeof(pp->rp));
	pp->rp.kp.symbol_name = pp->symbol;
	if (pp->exit) {
		pp->rp.entry_handler = kretprobe_entry;
		pp->rp.handler = kretprobe_exit;
		pp->rp.data_size = pp->data_size;
		pp->rp.maxactive = pp->maxactive;
		err = register_kretprobe(&pp->rp);
	} else {
		pp->rp.kp.pre_handler = kprobe_pre;
		err = register_kprobe(&pp->rp.kp);
	}
	pp->armed = !err;
	pp->err = err;
	if (err)
		pr_info("%s: not armed (%d)\n", pp->symbol, err);
	/* A symbol this kernel lacks is reported, not fatal. */
	return err == -ENOMEM ? err : 0;
}

/*
 * Armed from the end of the table: releases (unpins, gup_put_folio()) before
 * the acquisitions they balance, so that even with counting on, no pin is
 * ever credited whose release could still go unseen.  The module's init
 * turns counting on only once everything is armed (ps_ledger_start()).
 */
int ps_probes_register(void)
{
	int i, err;

	for (i = ARRAY_SIZE(probes) - 1; i >= 0; i--) {
		err = probe_register(&probes[i]);
		if (err) {
			while (i < (int)ARRAY_SIZE(probes))
				probe_unregister(&probes[i++]);
			return err;
		}
	}
	return 0;
}

/* Acquisitions first: the mirror of ps_probes_register(). */
void ps_probes_unregister(void)
{
	int i;

	cancel_work_sync(&disarm_work);
	for (i = 0; i < ARRAY_SIZE(probes); i++)
		probe_unregister(&probes[i]);
}

static unsigned long probe_hits(struct ps_probe *pp)
{
	unsigned long hits = 0;
	int cpu;

	if (!pp->hits)
		return 0;
	for_each_possible_cpu(cpu)
		hits += *per_cpu_ptr(pp->hits, cpu);
	return hits;
}

/* Load and reset, with the probes quiesced: silence is judged since. */
void ps_probes_reset(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(probes); i++)
		probes[i].hits_base = probe_hits(&probes[i]);
}

static unsigned long probe_nmissed(struct ps_probe *pp)
{
	if (!pp->armed)
		return 0;
	return pp->rp.kp.nmissed + (pp->exit ? pp->rp.nmissed : 0);
}

bool ps_folio_ledger(void)
{
	return folio_ledger;
}

unsigned long ps_probes_missed(void)
{
	unsigned long sum = 0;
	int i;

	mutex_lock(&probes_mutex);
	for (i = 0; i < ARRAY_SIZE(probes); i++)
		sum += probe_nmissed(&probes[i]);
	mutex_unlock(&probes_mutex);
	return sum;
}

/*
 * Per role, since the last reset: what the kernel counted that the role's
 * probes must see (moved), what they saw, and what the frames around them
 * counted instead (reconciled).  The page-ledger roles see calls: any hit
 * of an armed probe of the role.  The folio-ledger roles see FOLL_PIN refs
 * (their hits include FOLL_GET ones): what they counted themselves.
 */
struct ps_role_view {
	s64 moved;
	s64 seen;
	s64 reconciled;
};

static void role_views(struct ps_role_view *v)
{
	s64 acquired = ps_vmstat_acquired(), released = ps_vmstat_released();
	int i;

	memset(v, 0, sizeof(*v) * (PS_ROLE_BYPASS + 1));
	v[PS_ROLE_PIN].moved = acquired;
	/* Unpin APIs: every release but the pin calls' own rollbacks. */
	v[PS_ROLE_UNPIN].moved = released - ps_stat_read(PS_ROLLBACK_UNPINS);
	v[PS_ROLE_GRAB].moved = acquired;
	v[PS_ROLE_GRAB].reconciled = ps_ledger_reconciled(false);
	v[PS_ROLE_GRAB].seen = ps_stat_read(PS_PINS_ACQUIRED) -
			       ps_stat_read(PS_BYPASS_PINS) -
			       v[PS_ROLE_GRAB].reconciled;
	v[PS_ROLE_PUT].moved = released;
	v[PS_ROLE_PUT].reconciled = ps_ledger_reconciled(true);
	v[PS_ROLE_PUT].seen = ps_stat_read(PS_PINS_RELEASED) -
			      v[PS_ROLE_PUT].reconciled;
	for (i = 0; i < ARRAY_SIZE(probes); i++) {
		struct ps_probe *pp = &probes[i];

		if (pp->armed && (pp->role == PS_ROLE_PIN ||
				  pp->role == PS_ROLE_UNPIN))
			v[pp->role].seen += probe_hits(pp) - pp->hits_base;
	}
}

/*
 * A probe's state and, where it is not plain "ok", why (one word):
 *   ok        armed and working
 *   off       not asked for (folio_ledger=0)
 *   absent    this kernel has no such symbol
 *   failed    the kernel refused to arm it (the errno)
 *   bad_args  its arguments were not what it expects: disarmed
 *   silent    armed, but since the last reset the kernel counted what its
 *             role should have seen, none of its role's probes saw any of
 *             it, and nothing counted it instead
 *   inlined   the same, but the calls around it (frames, ledger.c) counted
 *             it: the compiler inlined it into its callers
 */
static const char *probe_state(struct ps_probe *pp,
			       const struct ps_role_view *v, char *why,
			       size_t len)
{
	const struct ps_role_view *r = &v[pp->role];

	why[0] = '\0';
	if (READ_ONCE(pp->bad_args)) {
		snprintf(why, len, "%s", pp->bad_args);
		return "bad_args";
	}
	if (pp->folio_ledger && !folio_ledger) {
		snprintf(why, len, "folio_ledger=0");
		return "off";
	}
	if (!pp->armed) {
		if (pp->err == -ENOENT) {
			snprintf(why, len, "no_such_symbol");
			return "absent";
		}
		snprintf(why, len, "register=%d", pp->err);
		return "failed";
	}
	if (pp->role == PS_ROLE_NONE || pp->role == PS_ROLE_BYPASS ||
	    r->moved <= 0 || r->seen > 0)
		return "ok";
	if (r->reconciled > 0) {
		snprintf(why, len, "0_seen,%lld_counted_around_it",
			 r->reconciled);
		return "inlined";
	}
	snprintf(why, len, "0_seen,%s+%lld",
		 pp->role == PS_ROLE_PIN || pp->role == PS_ROLE_GRAB ?
		 "nr_foll_pin_acquired" : "nr_foll_pin_released", r->moved);
	return "silent";
}

void ps_probes_show(struct seq_file *m)
{
	struct ps_role_view v[PS_ROLE_BYPASS + 1];
	const char *state;
	char why[64];
	int i;

	mutex_lock(&probes_mutex);
	for (i = 0; i < ARRAY_SIZE(probes); i++)
		if (READ_ONCE(probes[i].bad_args) && probes[i].armed)
			schedule_work(&disarm_work);
	role_views(v);
	seq_puts(m, "name symbol armed hits nmissed state reason\n");
	for (i = 0; i < ARRAY_SIZE(probes); i++) {
		struct ps_probe *pp = &probes[i];

		state = probe_state(pp, v, why, sizeof(why));
		/* %ps prints the symbol the address resolved to, never it. */
		if (pp->armed)
			seq_printf(m, "%s %ps 1 %lu %lu %s %s\n", pp->symbol,
				   pp->rp.kp.addr, probe_hits(pp),
				   probe_nmissed(pp), state,
				   why[0] ? why : "-");
		else
			seq_printf(m, "%s - 0 %lu 0 %s %s\n", pp->symbol,
				   probe_hits(pp), state, why[0] ? why : "-");
	}
	mutex_unlock(&probes_mutex);
}
