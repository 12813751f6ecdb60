// SPDX-License-Identifier: GPL-2.0
/*
 * Truth table of folio_maybe_dma_pinned().
 *
 * A read of "verdicts" scans, in process context, either the PFNs of every
 * region that has a block (default) or, after "scan all", every online PFN
 * of RAM, with cond_resched() between chunks.  It is a seq_file iterator
 * and keeps no table: when the read begins (position 0) one pass counts
 * the totals, then the rows are found as the read goes, with the next PFN
 * to judge as its cursor (*pos = PFN + 1).  Memory is one struct per open
 * file, whatever the size of RAM.  On a system whose pins change during
 * the read, the rows are judged later than the totals were counted and may
 * disagree with them by the pages that changed.  At most PS_MAX_MISMATCHES
 * rows are printed; mismatches_dropped counts the others.  Neither open
 * nor read frees anything: regions emptied a moment ago are scanned until
 * the trim work (or "control" flush) retires their blocks.
 *
 * Causes of a false positive (maybe pinned, exact count 0):
 *   refcount_bias   order-0 page with refcount >= 1024 and no pin
 *   folio_sibling   a large folio whose other subpage is pinned
 *   untracked       a large folio with a pincount pinshadow never saw
 *                   (pinned before load, or an event was lost)
 *   lost            an event for the page's region was lost: the exact
 *                   count is unknown (counted, never guessed)
 *   unexplained     none of these
 * A false negative (exact count > 0, not maybe pinned) says which of the
 * kernel's own counters proves pinshadow's count stale:
 *   stale_refcount  order-0 refcount < 1024: the kernel holds no pin
 *   stale_pincount  large folio pincount 0
 *
 * Notes on locking
 * ----------------
 * scan_all is a plain flag written by "control" and read when a read
 * begins.  An iterator's state belongs to one open file (seq_file's lock
 * serialises its reads); nothing is shared between opens.  The table is
 * read under rcu_read_lock() one entry at a time (ps_page_info()).
 */
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/seq_file.h>

#include "pageinfo.h"
#include "seqfile.h"
#include "table.h"
#include "verdicts.h"

#define PS_MAX_MISMATCHES	65536
#define PS_SCAN_CHUNK		1024

enum ps_cause {
	PS_CAUSE_REFCOUNT_BIAS,
	PS_CAUSE_FOLIO_SIBLING,
	PS_CAUSE_UNTRACKED,
	PS_CAUSE_UNEXPLAINED,
	PS_CAUSE_STALE_REFCOUNT,
	PS_CAUSE_STALE_PINCOUNT,
	PS_CAUSE_LOST,
	PS_NR_CAUSES
};

/* Names by enum value; a new cause without a name fails the build. */
static const char *const cause_names[] = {
	[PS_CAUSE_REFCOUNT_BIAS] = "refcount_bias",
	[PS_CAUSE_FOLIO_SIBLING] = "folio_sibling",
	[PS_CAUSE_UNTRACKED] = "untracked",
	[PS_CAUSE_UNEXPLAINED] = "unexplained",
	[PS_CAUSE_STALE_REFCOUNT] = "stale_refcount",
	[PS_CAUSE_STALE_PINCOUNT] = "stale_pincount",
	[PS_CAUSE_LOST] = "lost",
};

static_assert(ARRAY_SIZE(cause_names) == PS_NR_CAUSES);

struct ps_verdicts {
	u64 true_pos, false_pos, false_neg, true_neg, scanned, dropped;
	u64 kept;			/* rows printed so far */
	bool all;
	struct ps_page_info pi;		/* the row being shown */
	int cause;
};

static bool scan_all;

void ps_verdicts_scan_all(bool all)
{
	WRITE_ONCE(scan_all, all);
}

/* Sum of the exact counts over the folio of @pi. */
static u64 folio_tracked(const struct ps_page_info *pi)
{
	unsigned long nr = 1UL << pi->order;
	unsigned long pfn = pi->pfn & ~(nr - 1), end = pfn + nr;
	struct ps_entry e;
	u64 sum = 0;

	rcu_read_lock();
	for (; pfn < end; pfn++) {
		ps_table_read(pfn, &e);
		sum += e.count;
	}
	rcu_read_unlock();
	return sum;
}

static int classify(const struct ps_page_info *pi)
{
	if (!pi->exact)
		return PS_CAUSE_LOST;
	if (pi->entry.count)
		return pi->order ? PS_CAUSE_STALE_PINCOUNT :
				   PS_CAUSE_STALE_REFCOUNT;
	if (!pi->order)
		return pi->refcount >= GUP_PIN_COUNTING_BIAS ?
		       PS_CAUSE_REFCOUNT_BIAS : PS_CAUSE_UNEXPLAINED;
	if (folio_tracked(pi))
		return PS_CAUSE_FOLIO_SIBLING;
	return pi->pincount > 0 ? PS_CAUSE_UNTRACKED : PS_CAUSE_UNEXPLAINED;
}

/* The next PFN at or after @pfn to judge; ULONG_MAX past the end. */
static unsigned long next_pfn(const struct ps_verdicts *v, unsigned long pfn)
{
	unsigned long end = ps_table_end_pfn();

	for (; pfn < end; pfn++) {
		if (!(pfn % PS_SCAN_CHUNK))
			cond_resched();
		if (v->all || ps_table_has_block(pfn))
			return pfn;
		/* Not tracked: go to the next region. */
		pfn |= PS_REGION_PAGES - 1;
	}
	return ULONG_MAX;
}

/* The first pass: the totals. */
static void count(struct ps_verdicts *v)
{
	struct ps_page_info pi;
	unsigned long pfn;
	bool pinned;

	for (pfn = next_pfn(v, 0); pfn != ULONG_MAX; pfn = next_pfn(v, pfn + 1)) {
		if (ps_page_info(pfn, &pi))
			continue;
		v->scanned++;
		pinned = pi.entry.count > 0;
		if (pinned && pi.maybe_pinned)
			v->true_pos++;
		else if (pinned)
			v->false_neg++;
		else if (pi.maybe_pinned)
			v->false_pos++;
		else
			v->true_neg++;
	}
	v->dropped = v->false_pos + v->false_neg;
	v->dropped -= min_t(u64, v->dropped, PS_MAX_MISMATCHES);
}

/* The next mismatch at or after PFN @from, into v->pi; *pos = its PFN + 1. */
static void *find_row(struct seq_file *m, unsigned long from, loff_t *pos)
{
	struct ps_verdicts *v = m->private;
	unsigned long pfn;
	bool pinned;

	if (v->kept == PS_MAX_MISMATCHES)
		pfn = ULONG_MAX;
	else
		pfn = next_pfn(v, from);
	for (; pfn != ULONG_MAX; pfn = next_pfn(v, pfn + 1)) {
		if (ps_page_info(pfn, &v->pi))
			continue;
		pinned = v->pi.entry.count > 0;
		if (pinned != v->pi.maybe_pinned)
			break;	/* a false positive or a false negative */
	}
	if (pfn == ULONG_MAX) {
		*pos = (loff_t)ps_table_end_pfn() + 1;
		return NULL;
	}
	*pos = (loff_t)pfn + 1;
	v->cause = classify(&v->pi);
	return v;
}

static void *verdicts_start(struct seq_file *m, loff_t *pos)
{
	struct ps_verdicts *v = m->private;

	if (*pos == 0) {
		memset(v, 0, sizeof(*v));
		v->all = READ_ONCE(scan_all);
		count(v);
		return SEQ_START_TOKEN;
	}
	/* Between two buffers of a large table: let others run. */
	cond_resched();
	return find_row(m, *pos - 1, pos);
}

static void *verdicts_next(struct seq_file *m, void *p, loff_t *pos)
{
	struct ps_verdicts *v = m->private;

	if (p != SEQ_START_TOKEN)
		v->kept++;
	return find_row(m, *pos, pos);
}

static void verdicts_stop(struct seq_file *m, void *p)
{
}

static int verdicts_show(struct seq_file *m, void *p)
{
	struct ps_verdicts *v = m->private;
	const struct ps_page_info *pi = &v->pi;

	if (p == SEQ_START_TOKEN) {
		seq_printf(m, "true_pos %llu\nfalse_pos %llu\nfalse_neg %llu\n",
			   v->true_pos, v->false_pos, v->false_neg);
		seq_printf(m, "true_neg %llu\nscanned %llu\nmismatches_dropped %llu\n",
			   v->true_neg, v->scanned, v->dropped);
		seq_printf(m, "scope %s\n", v->all ? "all" : "tracked");
		seq_puts(m, "pfn count maybe_pinned refcount order folio_pincount cause\n");
		return 0;
	}
	seq_printf(m, "0x%lx %u %u %d %u ", pi->pfn, pi->entry.count,
		   pi->maybe_pinned, pi->refcount, pi->order);
	if (pi->pincount < 0)
		seq_puts(m, "-");
	else
		seq_printf(m, "%d", pi->pincount);
	seq_printf(m, " %s\n", cause_names[v->cause]);
	return 0;
}

PS_SEQ_PRIVATE_FOPS(, ps_verdicts_fops, verdicts, struct ps_verdicts);
