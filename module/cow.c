// SPDX-License-Identifier: GPL-2.0
/*
 * COW-decision audit.
 *
 * Fork: dup_mmap() calls copy_page_range(dst_vma, src_vma) for each VMA with
 * both mms write-locked, so their page tables hold still.  At entry the
 * parent's present anonymous pages are examined: exclusive, the kernel's
 * maybe verdict, the exact count, the sticky bit, whether a page of the same
 * PMD range is pinned, whether a pin it holds was taken through this mm at
 * this address.  Pages on which no policy would copy and that hold no
 * pin are shared by everyone and only counted; the others are recorded and,
 * at return, the child's PTE tells what the kernel did: same PFN = shared,
 * another PFN = copied.  The exact count is read again at return so that an
 * unpin racing with fork does not make an unsafe share.
 *
 * Write fault: do_wp_page(), do_huge_pmd_wp_page() and hugetlb_wp() of a
 * page with an exact count: if the PTE maps another PFN afterwards, the
 * pinned page was copied instead of reused.
 *
 * The "pte" policy replays a software PTE bit, "pinned through this PTE":
 * a page counts as pinned through its PTE when its exact count is > 0 and
 * the record of its pins (records.h) names a call through the forking mm
 * whose address range holds the page's address.  Approximate where a
 * table entry keeps one record per page: of pins of one page through
 * several mms or addresses only the newest one's site is known (on 6.1+
 * GUP unshares a page that is not exclusive before pinning it, so an
 * anonymous page is pinned through the one mm that maps it); a shared
 * record's range covers the gaps between its calls; an mremap() moves
 * the PTE (and a real bit with it) but not the record's range; an mm
 * freed while a pin outlives it may come back at the same address as
 * another process's (its pages are others, though: their counts are 0).
 *
 * Walks happen only while the audit is on, for mms with MMF_HAS_PINNED or
 * while any page is pinned.
 *
 * Notes on locking
 * ----------------
 * PREEMPT_RT: the handlers run with preemption disabled and so take no
 *   spinlock_t and never allocate or free: the ring's lock is raw, the
 *   record pages come from a pool (pool.c) refilled in process context and
 *   go back to it, and the comm is copied without task_lock().
 * ring_lock (raw_spinlock_t, irqsave): the event ring and its two
 *   sequence numbers.  Taken from probe handlers, and by a reader of
 *   cow_audit, for one event's copy (a bounded time, so it is raw even on
 *   PREEMPT_RT); nothing is taken inside it, and no reader holds it across
 *   a seq_file callback.
 * audit_on: no lock.  Written by the control file (WRITE_ONCE), read by
 *   the handlers (READ_ONCE) at the start of a fork or fault; one that
 *   started before a change finishes as it began.
 * audit_fork_entries: no lock.  A module parameter (sysfs writes it), read
 *   once per fork with READ_ONCE.
 * walk_max_ns, judge_max_ns: atomic64, raised with cmpxchg by the fork
 *   handlers; zeroed by a reset.
 * Records of one fork call live in pages chained from its kretprobe
 * instance and are touched by that instance only.  A page that finds the
 * page pool empty is not audited (cow_unaudited); the pool keeps enough
 * pages for every page pinned now, and a fork that ran short deepens it
 * for the next ones.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/sched/coredump.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "compat.h"
#include "cow.h"
#include "pool.h"
#include "records.h"
#include "seqfile.h"
#include "stats.h"
#include "table.h"
#include "trace.h"
#include "walk.h"

#define PS_RING_SIZE	4096

/* What a fork did, or a write fault. */
enum ps_decision { PS_DEC_COPIED, PS_DEC_SHARED, PS_DEC_WP_COPY, PS_NR_DECISIONS };
enum ps_verdict {
	PS_VERDICT_OK,
	PS_VERDICT_NEEDLESS_COPY,
	PS_VERDICT_UNSAFE_SHARE,
	PS_VERDICT_WP_COPY_PINNED,
	PS_NR_VERDICTS
};

/* Names by enum value; a new value without a name fails the build. */
static const char *const decision_names[] = {
	[PS_DEC_COPIED] = "copied",
	[PS_DEC_SHARED] = "shared",
	[PS_DEC_WP_COPY] = "wp_copy",
};

static_assert(ARRAY_SIZE(decision_names) == PS_NR_DECISIONS);

static const char *const verdict_names[] = {
	[PS_VERDICT_OK] = "ok",
	[PS_VERDICT_NEEDLESS_COPY] = "needless_copy",
	[PS_VERDICT_UNSAFE_SHARE] = "unsafe_share",
	[PS_VERDICT_WP_COPY_PINNED] = "wp_copy_pinned",
};

static_assert(ARRAY_SIZE(verdict_names) == PS_NR_VERDICTS);

static const char *const policy_names[] = {
	[PS_POLICY_KERNEL] = "kernel",
	[PS_POLICY_EXACT] = "exact",
	[PS_POLICY_STICKY] = "sticky",
	[PS_POLICY_PMD] = "pmd",
	[PS_POLICY_PTE] = "pte",
};

static_assert(ARRAY_SIZE(policy_names) == PS_NR_POLICIES);

struct ps_cow_event {
	u64 seq;
	u64 time_ns;
	unsigned long vaddr;
	unsigned long pfn;
	pid_t pid;
	u32 count;
	u8 decision;
	u8 verdict;
	u8 exclusive;
	u8 maybe_pinned;
	char comm[TASK_COMM_LEN];
};

/*
 * Every event gets the next sequence number, which also names its slot
 * (seq % PS_RING_SIZE).  The ring holds [ring_first, ring_next); sequence
 * numbers keep growing across resets, so a reader's cursor never points at
 * a newer event by mistake.
 */
static DEFINE_RAW_SPINLOCK(ring_lock);
static struct ps_cow_event ring[PS_RING_SIZE];
static u64 ring_first, ring_next;
static bool audit_on = true;

bool ps_cow_audit_enabled(void)
{
	return READ_ONCE(audit_on);
}

void ps_cow_audit_set(bool on)
{
	WRITE_ONCE(audit_on, on);
}

static void ring_add(const struct ps_cow_event *ev)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&ring_lock, flags);
	if (ring_next - ring_first == PS_RING_SIZE) {
		ring_first++;
		ps_stat_inc(PS_COW_EVENTS_DROPPED);
	}
	ring[ring_next % PS_RING_SIZE] = *ev;
	ring[ring_next % PS_RING_SIZE].seq = ring_next;
	ring_next++;
	raw_spin_unlock_irqrestore(&ring_lock, flags);
}

static void event(unsigned long vaddr, unsigned long pfn, u32 count,
		  enum ps_decision decision, enum ps_verdict verdict,
		  bool exclusive, bool maybe)
{
	struct ps_cow_event ev = {
		.time_ns = ktime_get_mono_fast_ns(), .vaddr = vaddr, .pfn = pfn,
		.pid = task_pid_nr(current), .count = count,
		.decision = decision, .verdict = verdict,
		.exclusive = exclusive, .maybe_pinned = maybe,
	};

	/* No task_lock() (a spinlock_t): a comm being renamed shows either. */
	memcpy(ev.comm, current->comm, sizeof(ev.comm));
	ev.comm[sizeof(ev.comm) - 1] = '\0';
	ring_add(&ev);
	trace_cow(ev.pid, pfn, 1, decision_names[decision],
		  verdict_names[verdict]);
}

static void policy_add(enum ps_policy pol, enum ps_policy_field f, s64 n)
{
	ps_stat_add(PS_POLICY_BASE + pol * PS_NR_POL_FIELDS + f, n);
}

/* One policy's decision on one page. */
static void policy_decide(enum ps_policy pol, bool copies, u32 count,
			  bool pinned_after)
{
	policy_add(pol, PS_POL_DECISIONS, 1);
	if (copies) {
		policy_add(pol, PS_POL_COPIES, 1);
		if (!count)
			policy_add(pol, PS_POL_NEEDLESS, 1);
	} else if (count && pinned_after) {
		policy_add(pol, PS_POL_UNSAFE, 1);
	}
}

/* Fork. */

#define PS_REC_EXCLUSIVE	BIT(0)
#define PS_REC_MAYBE		BIT(1)
#define PS_REC_STICKY		BIT(2)
#define PS_REC_PMD_PINNED	BIT(3)
#define PS_REC_PTE_PINNED	BIT(4)

struct ps_cow_rec {
	unsigned long addr;
	unsigned long pfn;
	u32 count;
	u32 flags;
};

struct ps_rec_page {
	struct ps_rec_page *next;
	unsigned int nr;
	struct ps_cow_rec recs[];
};

#define PS_RECS_PER_PAGE \
	((PAGE_SIZE - sizeof(struct ps_rec_page)) / sizeof(struct ps_cow_rec))

static void *rec_page_alloc(void)
{
	return (void *)__get_free_page(GFP_KERNEL | __GFP_NOWARN);
}

static void rec_page_free(void *page)
{
	free_page((unsigned long)page);
}

/* Enough pages to record every page pinned now (the pinned ones are). */
static unsigned int rec_page_demand(void)
{
	s64 pinned = ps_stat_read(PS_PINNED_PAGES);

	return pinned > 0 ? DIV_ROUND_UP_ULL(pinned, PS_RECS_PER_PAGE) : 0;
}

/* A free page keeps its llist_node where rp->next goes. */
static struct ps_pool rec_page_pool = {
	.name = "cow", .obj_size = PAGE_SIZE, .node_offset = 0,
	.depth_mul = 1, .depth_div = 16, .per_cpu = false,
	.alloc = rec_page_alloc, .free = rec_page_free,
	.demand = rec_page_demand, .misses_per_obj = PS_RECS_PER_PAGE,
};

struct ps_fork_call {
	struct vm_area_struct *dst;
	struct mm_struct *src_mm;
	struct ps_rec_page *recs;
	/* Pages found no page in the pool: not audited. */
	u32 unaudited;
	bool has_pinned;
	/* The PMD range whose "any page pinned" answer is cached. */
	unsigned long pmd_start;
	bool pmd_pinned;
};

static_assert(sizeof(struct ps_fork_call) <= PS_COW_CALL_SIZE);

static bool anon_page(unsigned long pfn, struct page **pagep)
{
	struct page *page;

	if (!pfn_valid(pfn))
		return false;
	page = pfn_to_page(pfn);
	if (!folio_test_anon(page_folio(page)))
		return false;
	*pagep = page;
	return true;
}

static u32 exact_count(unsigned long pfn)
{
	struct ps_entry e;

	ps_table_read(pfn, &e);
	return e.count;
}

/* Pinned, and by a call through @mm at @addr: the "pte" policy's bit. */
static u32 exact_count_at(unsigned long pfn, struct mm_struct *mm,
			  unsigned long addr, bool *through)
{
	struct ps_entry e;

	ps_table_read(pfn, &e);
	*through = e.count && ps_record_pinned_at(e.handle, mm, addr);
	return e.count;
}

static void pmd_pinned_fn(void *ctx, unsigned long addr, unsigned long pfn,
			  bool huge)
{
	bool *pinned = ctx;

	if (!*pinned && exact_count(pfn))
		*pinned = true;
}

/* Is any page mapped in @addr's PMD range of the parent pinned? */
static bool pmd_range_pinned(struct ps_fork_call *fc, unsigned long addr)
{
	unsigned long start = addr & PMD_MASK;

	if (start != fc->pmd_start) {
		fc->pmd_start = start;
		fc->pmd_pinned = false;
		ps_walk(fc->src_mm, start, start + PMD_SIZE, pmd_pinned_fn,
			&fc->pmd_pinned);
	}
	return fc->pmd_pinned;
}

static bool rec_add(struct ps_fork_call *fc, const struct ps_cow_rec *rec)
{
	struct ps_rec_page *rp = fc->recs;

	if (!rp || rp->nr == PS_RECS_PER_PAGE) {
		rp = ps_pool_get(&rec_page_pool);
		if (!rp)
			return false;
		rp->next = fc->recs;
		rp->nr = 0;
		fc->recs = rp;
	}
	rp->recs[rp->nr++] = *rec;
	return true;
}

static void fork_examine(void *ctx, unsigned long addr, unsigned long pfn,
			 bool huge)
{
	struct ps_fork_call *fc = ctx;
	struct ps_cow_rec rec = { .addr = addr, .pfn = pfn };
	struct page *page;
	bool excl, maybe, through;
	int pol;

	if (!anon_page(pfn, &page))
		return;
	ps_stat_inc(PS_COW_EXAMINED);
	/* A PMD mapping keeps AnonExclusive on the head page only. */
	excl = PageAnonExclusive(huge ? folio_page(page_folio(page), 0) : page);
	maybe = folio_maybe_dma_pinned(page_folio(page));
	rec.count = exact_count_at(pfn, fc->src_mm, addr, &through);
	rec.flags = (excl ? PS_REC_EXCLUSIVE : 0) | (maybe ? PS_REC_MAYBE : 0) |
		    (through ? PS_REC_PTE_PINNED : 0);
	if (ps_table_ever_pinned(pfn))
		rec.flags |= PS_REC_STICKY;
	if (excl && pmd_range_pinned(fc, addr))
		rec.flags |= PS_REC_PMD_PINNED;

	if (rec.count || (excl && ((maybe && fc->has_pinned) ||
				   (rec.flags & (PS_REC_STICKY |
						 PS_REC_PMD_PINNED))))) {
		if (rec_add(fc, &rec))
			return;
		fc->unaudited++;
		ps_lost(PS_COW_UNAUDITED, "cow");
		return;
	}
	/* No policy copies it and it holds no pin: shared by all. */
	ps_stat_inc(PS_COW_SHARED);
	for (pol = 0; pol < PS_NR_POLICIES; pol++)
		policy_add(pol, PS_POL_DECISIONS, 1);
}

/*
 * The fork audit walks the parent's VMA in the entry handler of
 * copy_page_range(), with preemption disabled: bound that work.  Past the
 * bound, the rest of the VMA is not walked and its pages count in
 * cow_unwalked (address space, mapped or not), never silently.  The default,
 * 262144 entries, is 1 GiB of 4 KiB pages.
 */
static unsigned long audit_fork_entries = 262144;
module_param(audit_fork_entries, ulong, 0600);
MODULE_PARM_DESC(audit_fork_entries,
		 "page-table entries the fork audit reads per VMA at most (default 262144: 1 GiB)");

/*
 * The longest each fork handler ran, audit included, in ns of local_clock()
 * (guest instructions under QEMU -icount): the stretch with preemption off
 * that the audit adds to a fork.
 */
static atomic64_t walk_max_ns = ATOMIC64_INIT(0);
static atomic64_t judge_max_ns = ATOMIC64_INIT(0);

static void max_ns_raise(atomic64_t *max, u64 start_ns)
{
	s64 ns = local_clock() - start_ns, old = atomic64_read(max);

	while (ns > old && !atomic64_try_cmpxchg(max, &old, ns))
		;
}

u64 ps_cow_walk_max_ns(void)
{
	return atomic64_read(&walk_max_ns);
}

u64 ps_cow_judge_max_ns(void)
{
	return atomic64_read(&judge_max_ns);
}

int ps_cow_fork_entry(void *data, struct pt_regs *regs)
{
	struct ps_fork_call *fc = data;
	u64 start_ns = local_clock();
	unsigned long walked;
	struct vm_area_struct *src = (struct vm_area_struct *)
				     regs_get_kernel_argument(regs, 1);

	if (!ps_cow_audit_enabled() || !src->anon_vma)
		return 1;
	fc->src_mm = src->vm_mm;
	fc->has_pinned = ps_mm_has_pinned(fc->src_mm);
	if (!fc->has_pinned && ps_stat_read(PS_PINNED_PAGES) <= 0)
		return 1;
	fc->dst = (struct vm_area_struct *)regs_get_kernel_argument(regs, 0);
	fc->recs = NULL;
	fc->unaudited = 0;
	fc->pmd_start = 1;	/* no PMD range starts at 1 */
	walked = ps_walk_bounded(fc->src_mm, src->vm_start, src->vm_end,
				 fork_examine, fc, READ_ONCE(audit_fork_entries));
	if (walked < src->vm_end)
		ps_stat_add(PS_COW_UNWALKED, (src->vm_end - walked) >> PAGE_SHIFT);
	max_ns_raise(&walk_max_ns, start_ns);
	return 0;
}

static void fork_judge(struct ps_fork_call *fc, const struct ps_cow_rec *rec)
{
	bool excl = rec->flags & PS_REC_EXCLUSIVE;
	bool maybe = rec->flags & PS_REC_MAYBE;
	unsigned long child_pfn;
	bool copied, pinned_after;
	enum ps_verdict verdict = PS_VERDICT_OK;

	copied = ps_walk_pfn(fc->dst->vm_mm, rec->addr, &child_pfn) &&
		 child_pfn != rec->pfn;
	pinned_after = exact_count(rec->pfn) > 0;

	if (copied) {
		ps_stat_inc(PS_COW_COPIED);
		if (!rec->count) {
			ps_stat_inc(PS_COW_NEEDLESS_COPIES);
			verdict = PS_VERDICT_NEEDLESS_COPY;
		}
	} else {
		ps_stat_inc(PS_COW_SHARED);
		if (rec->count && pinned_after) {
			ps_stat_inc(PS_COW_UNSAFE_SHARES);
			verdict = PS_VERDICT_UNSAFE_SHARE;
		}
	}
	policy_decide(PS_POLICY_KERNEL, copied, rec->count, pinned_after);
	policy_decide(PS_POLICY_EXACT, excl && rec->count, rec->count,
		      pinned_after);
	policy_decide(PS_POLICY_STICKY, excl && (rec->flags & PS_REC_STICKY),
		      rec->count, pinned_after);
	policy_decide(PS_POLICY_PMD, excl && (rec->flags & PS_REC_PMD_PINNED),
		      rec->count, pinned_after);
	policy_decide(PS_POLICY_PTE, excl && (rec->flags & PS_REC_PTE_PINNED),
		      rec->count, pinned_after);
	event(rec->addr, rec->pfn, rec->count,
	      copied ? PS_DEC_COPIED : PS_DEC_SHARED, verdict, excl, maybe);
}

void ps_cow_fork_exit(void *data, struct pt_regs *regs)
{
	struct ps_fork_call *fc = data;
	u64 start_ns = local_clock();
	bool ok = regs_return_value(regs) == 0;
	struct ps_rec_page *rp, *next;
	unsigned int i, pages = 0;

	for (rp = fc->recs; rp; rp = next, pages++) {
		next = rp->next;
		for (i = 0; i < rp->nr; i++) {
			if (ok)
				fork_judge(fc, &rp->recs[i]);
			else
				ps_lost(PS_COW_UNAUDITED, "cow");
		}
		ps_pool_put(&rec_page_pool, rp);
	}
	/* The next forks find enough pages for one like this one. */
	if (fc->unaudited)
		ps_pool_wanted(&rec_page_pool, pages +
			       DIV_ROUND_UP(fc->unaudited, PS_RECS_PER_PAGE));
	max_ns_raise(&judge_max_ns, start_ns);
}

/* Write faults. */

struct ps_wp_call {
	struct mm_struct *mm;
	unsigned long address;
	unsigned long pfn;
	u32 count;
	bool maybe;
};

static_assert(sizeof(struct ps_wp_call) <= PS_COW_CALL_SIZE);

int ps_cow_wp_entry(void *data, struct mm_struct *mm, unsigned long address)
{
	struct ps_wp_call *wc = data;
	struct page *page;

	if (!ps_cow_audit_enabled() || ps_stat_read(PS_PINNED_PAGES) <= 0)
		return 1;
	if (!ps_walk_pfn(mm, address, &wc->pfn) || !anon_page(wc->pfn, &page))
		return 1;
	wc->count = exact_count(wc->pfn);
	if (!wc->count)
		return 1;
	wc->mm = mm;
	wc->address = address & PAGE_MASK;
	wc->maybe = folio_maybe_dma_pinned(page_folio(page));
	return 0;
}

void ps_cow_wp_exit(void *data, struct pt_regs *regs)
{
	struct ps_wp_call *wc = data;
	unsigned long pfn;

	if (!ps_walk_pfn(wc->mm, wc->address, &pfn) || pfn == wc->pfn)
		return;
	ps_stat_inc(PS_WP_COPY_PINNED);
	event(wc->address, wc->pfn, wc->count, PS_DEC_WP_COPY,
	      PS_VERDICT_WP_COPY_PINNED, true, wc->maybe);
}

void ps_cow_reset(void)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&ring_lock, flags);
	ring_first = ring_next;
	raw_spin_unlock_irqrestore(&ring_lock, flags);
	atomic64_set(&walk_max_ns, 0);
	atomic64_set(&judge_max_ns, 0);
	ps_pool_reset(&rec_page_pool);
}

int ps_cow_init(void)
{
	return ps_pool_init(&rec_page_pool);
}

/* The probes are gone: no fork call holds a page any more. */
void ps_cow_exit(void)
{
	ps_pool_exit(&rec_page_pool);
}

/* debugfs tables. */

/*
 * cow_audit: a header, then one row per event, oldest first.  The cursor
 * is the event's sequence number (*pos = seq + 1; 0 is the header), so a
 * read shows each event at most once, in order, however the ring moves.
 * Events overwritten before the read reached them are skipped: the seq
 * column then jumps, and the jump is the number of rows missed.  A read
 * ends at the newest event held when it gets there, or at the latest
 * PS_AUDIT_READ_AHEAD events after the newest one held when it began: forks
 * that go on never keep a read (and the module's reference) from ending.
 */
#define PS_AUDIT_READ_AHEAD	(4 * PS_RING_SIZE)

struct ps_audit_read {
	struct ps_cow_event ev;
	u64 limit;		/* no event from this seq on; 0: not set yet */
};

static void *audit_find(struct seq_file *m, u64 want, loff_t *pos)
{
	struct ps_audit_read *ar = m->private;
	unsigned long flags;
	bool found;

	raw_spin_lock_irqsave(&ring_lock, flags);
	if (!ar->limit)
		ar->limit = ring_next + PS_AUDIT_READ_AHEAD;
	if (want < ring_first)
		want = ring_first;	/* overwritten: skipped */
	found = want < ring_next && want < ar->limit;
	if (found)
		ar->ev = ring[want % PS_RING_SIZE];
	raw_spin_unlock_irqrestore(&ring_lock, flags);
	*pos = (loff_t)want + 1;
	return found ? &ar->ev : NULL;
}

static void *audit_start(struct seq_file *m, loff_t *pos)
{
	struct ps_audit_read *ar = m->private;

	if (*pos == 0) {
		ar->limit = 0;	/* a read from the start: a new limit */
		return SEQ_START_TOKEN;
	}
	return audit_find(m, *pos - 1, pos);
}

static void *audit_next(struct seq_file *m, void *v, loff_t *pos)
{
	if (v == SEQ_START_TOKEN)
		return audit_find(m, 0, pos);
	return audit_find(m, *pos, pos);
}

static void audit_stop(struct seq_file *m, void *v)
{
}

static int audit_show(struct seq_file *m, void *v)
{
	struct ps_cow_event *ev = v;
	char *c;

	if (v == SEQ_START_TOKEN) {
		seq_puts(m, "time pid comm vaddr pfn decision exclusive maybe_pinned count verdict seq\n");
		return 0;
	}
	for (c = ev->comm; *c; c++)
		if (*c == ' ' || *c == '\t' || *c == '\n')
			*c = '_';
	seq_printf(m, "%llu.%06llu %d %s 0x%lx 0x%lx %s %u %u %u %s %llu\n",
		   div_u64(ev->time_ns, NSEC_PER_SEC),
		   div_u64(ev->time_ns % NSEC_PER_SEC, NSEC_PER_USEC),
		   ev->pid, ev->comm[0] ? ev->comm : "-", ev->vaddr, ev->pfn,
		   decision_names[ev->decision], ev->exclusive,
		   ev->maybe_pinned, ev->count, verdict_names[ev->verdict],
		   ev->seq);
	return 0;
}

PS_SEQ_PRIVATE_FOPS(, ps_cow_audit_fops, audit, struct ps_audit_read);

void ps_cow_policies_show(struct seq_file *m)
{
	int pol, f;

	seq_puts(m, "policy decisions copies needless_copies unsafe_shares\n");
	for (pol = 0; pol < PS_NR_POLICIES; pol++) {
		seq_puts(m, policy_names[pol]);
		for (f = 0; f < PS_NR_POL_FIELDS; f++)
			seq_printf(m, " %lld",
				   ps_stat_read(PS_POLICY_BASE +
						pol * PS_NR_POL_FIELDS + f));
		seq_putc(m, '\n');
	}
}
