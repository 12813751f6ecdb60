// SPDX-License-Identifier: GPL-2.0
/*
 * Probe table and handlers.
 *
 * Page ledger (subpage exact): kretprobes on every pin_user_pages*() variant
 * and memfd_pin_folios(), whose pages[] is valid only on return; kprobes on
 * every unpin variant.  Folio ledger: kretprobes on try_grab_*() (a grab
 * can fail), kprobes on gup_put_folio() and folio_add_pin(), all filtered on
 * FOLL_PIN.  Arguments are read with regs_get_kernel_argument(); the
 * positions are the same on every supported kernel, the meaning of
 * try_grab_folio()'s is not (compat.h).
 *
 * Handlers run with preemption disabled, in any context, and never sleep.
 * Each runs inside rcu_read_lock() so that a reset can wait for it.  While
 * ftrace patches a probed call site (a probe of ours or anyone's being
 * armed or disarmed), the call is emulated from the int3 handler, in NMI
 * context: there, entry handlers use only NMI-safe operations (no lock, no
 * allocation, ktime_get_mono_fast_ns()), and plain kprobes, whose ledger
 * updates may lock and free, give up and count a lost event.
 */
#include <linux/kprobes.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/ptrace.h>
#include <linux/rcupdate.h>
#include <linux/timekeeping.h>

#include "compat.h"
#include "cow.h"
#include "ledger.h"
#include "probes.h"
#include "records.h"
#include "stats.h"

/*
 * The folio ledger (pins_acquired, pins_released, rollback_unpins) costs a
 * kretprobe and a kprobe hit per folio pinned and released; the page ledger
 * costs a few hits per call.  Off, the gross vmstat equalities cannot be
 * checked, only the net one (stats: folio_ledger 0).
 */
static bool folio_ledger = true;
module_param(folio_ledger, bool, 0400);
MODULE_PARM_DESC(folio_ledger,
		 "follow try_grab_*() and gup_put_folio() (default 1; 0: faster, no pins_acquired/pins_released)");

/*
 * Instances of a kretprobe in flight at once; when they run out the call is
 * missed (nmissed).  Pin calls sleep (faults, migration): allow many.  A
 * grab never sleeps but may be preempted.
 */
#define PS_PIN_MAXACTIVE	4096
#define PS_GRAB_MAXACTIVE	1024
#define PS_COW_MAXACTIVE	256
#define PS_NO_ARG	(-1)

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
	s8 pages_arg;			/* pin APIs: pages[] or folios[] */
	s8 flags_arg;			/* pin APIs: gup flags, or PS_NO_ARG */
	bool folios;			/* pin APIs: folios[], not pages[] */
	bool ret_int;			/* pin APIs: returns int, not long */
	bool folio_ledger;		/* armed only with folio_ledger=1 */
	bool armed;
	unsigned long __percpu *hits;
	struct kretprobe rp;		/* rp.kp alone for plain kprobes */
};

static unsigned long arg(struct pt_regs *regs, int n)
{
	return regs_get_kernel_argument(regs, n);
}

/* Pin APIs: the page ledger. */

struct ps_pin_call {
	void *array;
	u64 start_ns;
	unsigned int gup_flags;
	unsigned int epoch;
	bool marked;
};

static int pin_api_entry(struct ps_probe *pp, void *data,
			 struct pt_regs *regs)
{
	struct ps_pin_call *pc = data;

	pc->array = (void *)arg(regs, pp->pages_arg);
	pc->gup_flags = pp->flags_arg == PS_NO_ARG ? 0 :
			arg(regs, pp->flags_arg);
	pc->start_ns = ktime_get_mono_fast_ns();
	pc->epoch = ps_epoch();
	pc->marked = ps_pin_call_enter();
	return 0;
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
	struct ps_call call;

	if (pc->marked)
		ps_pin_call_exit();
	if (ret <= 0 || !pc->array || !ps_active() || pc->epoch != ps_epoch())
		return;
	ps_call_begin(&call, pp->api, pc->start_ns, ret);
	if (pp->folios)
		ps_ledger_pin_folios(pc->array, ret, longterm, &call);
	else
		ps_ledger_pin_pages(pc->array, ret, longterm, &call);
	ps_call_end(&call);
}

/*
 * Unpin APIs: the page ledger.  The record references that pages give up
 * are gathered in a struct ps_puts and dropped once per run of a handle.
 */

static void unpin_pages(struct page **pages, unsigned long nr)
{
	struct ps_puts puts;
	unsigned long i;

	if (ps_unpin_is_rollback(nr))
		return;
	ps_puts_init(&puts);
	for (i = 0; i < nr; i++)
		if (pages[i])
			ps_ledger_unpin_page(pages[i], &puts);
	ps_puts_flush(&puts);
}

static int unpin_user_page_entry(struct ps_probe *pp, void *data,
				 struct pt_regs *regs)
{
	struct page *page = (struct page *)arg(regs, 0);

	unpin_pages(&page, 1);
	return 0;
}

static int unpin_user_pages_entry(struct ps_probe *pp, void *data,
				  struct pt_regs *regs)
{
	unsigned long nr = arg(regs, 1);

	/* unpin_user_pages() itself ignores (WARNs on) an -errno count. */
	if (!IS_ERR_VALUE(nr))
		unpin_pages((struct page **)arg(regs, 0), nr);
	return 0;
}

static int unpin_dirty_lock_entry(struct ps_probe *pp, void *data,
				  struct pt_regs *regs)
{
	/* make_dirty == false delegates to unpin_user_pages(): counted there. */
	if (arg(regs, 2) & 0xff)
		unpin_pages((struct page **)arg(regs, 0), arg(regs, 1));
	return 0;
}

static int unpin_range_entry(struct ps_probe *pp, void *data,
			     struct pt_regs *regs)
{
	struct page *page = (struct page *)arg(regs, 0);
	unsigned long i, nr = arg(regs, 1);
	struct ps_puts puts;

	if (ps_unpin_is_rollback(nr))
		return 0;
	ps_puts_init(&puts);
	for (i = 0; i < nr; i++)
		ps_ledger_unpin_page(ps_nth_page(page, i), &puts);
	ps_puts_flush(&puts);
	return 0;
}

static void unpin_folio_array(struct folio **folios, unsigned long nr,
			      unsigned long refs)
{
	struct ps_puts puts;
	unsigned long i;

	ps_puts_init(&puts);
	for (i = 0; i < nr; i++)
		ps_ledger_unpin_folio(folios[i], refs, &puts);
	ps_puts_flush(&puts);
}

static int unpin_folio_entry(struct ps_probe *pp, void *data,
			     struct pt_regs *regs)
{
	struct folio *folio = (struct folio *)arg(regs, 0);

	if (!ps_unpin_is_rollback(1))
		unpin_folio_array(&folio, 1, 1);
	return 0;
}

static int unpin_folios_entry(struct ps_probe *pp, void *data,
			      struct pt_regs *regs)
{
	unsigned long nr = arg(regs, 1);

	if (!IS_ERR_VALUE(nr) && !ps_unpin_is_rollback(nr))
		unpin_folio_array((struct folio **)arg(regs, 0), nr, 1);
	return 0;
}

static int unpin_user_folio_entry(struct ps_probe *pp, void *data,
				  struct pt_regs *regs)
{
	struct folio *folio = (struct folio *)arg(regs, 0);
	unsigned long nr = arg(regs, 1);

	if (!ps_unpin_is_rollback(nr))
		unpin_folio_array(&folio, 1, nr);
	return 0;
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
	ps_ledger_grabbed(folio, 1);
	ps_stat_inc(PS_BYPASS_PINS);
	ps_call_begin(&call, PS_API_FOLIO_ADD_PIN, ktime_get_mono_fast_ns(),
		      1);
	ps_ledger_pin_folios(&folio, 1, false, &call);
	ps_call_end(&call);
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

static int hugetlb_wp_entry(struct ps_probe *pp, void *data,
			    struct pt_regs *regs)
{
	struct mm_struct *mm;
	unsigned long address;

	ps_hugetlb_wp_fault(arg(regs, 0), arg(regs, 2), &mm, &address);
	return ps_cow_wp_entry(data, mm, address);
}

static void wp_exit(struct ps_probe *pp, void *data, struct pt_regs *regs)
{
	ps_cow_wp_exit(data, regs);
}

#define PIN_API(sym, id, pages, flags, is_folios, is_int) {		\
	.symbol = sym, .entry = pin_api_entry, .exit = pin_api_exit,	\
	.data_size = sizeof(struct ps_pin_call),			\
	.maxactive = PS_PIN_MAXACTIVE, .api = id,			\
	.pages_arg = pages, .flags_arg = flags, .folios = is_folios,	\
	.ret_int = is_int }
#define KPROBE(sym, fn)		{ .symbol = sym, .entry = fn }
#define GRAB(sym, in, out) {						\
	.symbol = sym, .entry = in, .exit = out,			\
	.data_size = sizeof(struct ps_grab_call),			\
	.maxactive = PS_GRAB_MAXACTIVE, .folio_ledger = true }

#define COW(sym, in, out) {						\
	.symbol = sym, .entry = in, .exit = out,			\
	.data_size = PS_COW_CALL_SIZE, .maxactive = PS_COW_MAXACTIVE }

static struct ps_probe probes[] = {
	PIN_API("pin_user_pages", PS_API_PIN_USER_PAGES, 3, 2, false, false),
	PIN_API("pin_user_pages_fast", PS_API_PIN_USER_PAGES_FAST, 3, 2,
		false, true),
	PIN_API("pin_user_pages_fast_only", PS_API_PIN_USER_PAGES_FAST_ONLY,
		3, 2, false, true),
	PIN_API("pin_user_pages_remote", PS_API_PIN_USER_PAGES_REMOTE,
		4, 3, false, false),
	PIN_API("pin_user_pages_unlocked", PS_API_PIN_USER_PAGES_UNLOCKED,
		2, 3, false, false),
	PIN_API("memfd_pin_folios", PS_API_MEMFD_PIN_FOLIOS, 3, PS_NO_ARG,
		true, false),
	KPROBE("unpin_user_page", unpin_user_page_entry),
	KPROBE("unpin_user_pages", unpin_user_pages_entry),
	KPROBE("unpin_user_pages_dirty_lock", unpin_dirty_lock_entry),
	KPROBE("unpin_user_page_range_dirty_lock", unpin_range_entry),
	KPROBE("unpin_folio", unpin_folio_entry),
	KPROBE("unpin_folios", unpin_folios_entry),
	KPROBE("unpin_user_folio", unpin_user_folio_entry),
	GRAB("try_grab_folio", grab_entry, try_grab_folio_exit),
	GRAB("try_grab_folio_fast", grab_entry, grab_returns_folio_exit),
	GRAB("try_grab_page", grab_page_entry, grab_page_exit),
	{ .symbol = "gup_put_folio", .entry = gup_put_folio_entry,
	  .folio_ledger = true },
	KPROBE("folio_add_pin", folio_add_pin_entry),
	COW("copy_page_range", fork_entry, fork_exit),
	COW("do_wp_page", wp_vmf_entry, wp_exit),
	COW("do_huge_pmd_wp_page", wp_vmf_entry, wp_exit),
	COW("hugetlb_wp", hugetlb_wp_entry, wp_exit),
};

static int kprobe_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct ps_probe *pp = container_of(kp, struct ps_probe, rp.kp);

	if (!ps_active())
		return 0;
	this_cpu_inc(*pp->hits);
	if (in_nmi()) {
		ps_stat_inc(PS_LOST_EVENTS);
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

	if (!ps_active())
		return 1;
	this_cpu_inc(*pp->hits);
	rcu_read_lock();
	skip = pp->entry(pp, ri->data, regs);
	rcu_read_unlock();
	return skip;
}

/* Runs even when counting is off: a pin call's mark must be cleared. */
static int kretprobe_exit(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct ps_probe *pp = container_of(get_kretprobe(ri), struct ps_probe,
					   rp);

	rcu_read_lock();
	pp->exit(pp, ri->data, regs);
	rcu_read_unlock();
	return 0;
}

static void probe_unregister(struct ps_probe *pp)
{
	if (pp->armed) {
		if (pp->exit)
			unregister_kretprobe(&pp->rp);
		else
			unregister_kprobe(&pp->rp.kp);
		pp->armed = false;
	}
	free_percpu(pp->hits);
	pp->hits = NULL;
}

static int probe_register(struct ps_probe *pp)
{
	int err;

	pp->hits = alloc_percpu(unsigned long);
	if (!pp->hits)
		return -ENOMEM;
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

	for (i = 0; i < ARRAY_SIZE(probes); i++)
		probe_unregister(&probes[i]);
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

	for (i = 0; i < ARRAY_SIZE(probes); i++)
		sum += probe_nmissed(&probes[i]);
	return sum;
}

void ps_probes_show(struct seq_file *m)
{
	unsigned long hits;
	int i, cpu;

	seq_puts(m, "name symbol armed hits nmissed\n");
	for (i = 0; i < ARRAY_SIZE(probes); i++) {
		struct ps_probe *pp = &probes[i];

		hits = 0;
		for_each_possible_cpu(cpu)
			hits += *per_cpu_ptr(pp->hits, cpu);
		/* %ps prints the symbol the address resolved to, never it. */
		if (pp->armed)
			seq_printf(m, "%s %ps %d %lu %lu\n", pp->symbol,
				   pp->rp.kp.addr, 1, hits, probe_nmissed(pp));
		else
			seq_printf(m, "%s - 0 0 0\n", pp->symbol);
	}
}
