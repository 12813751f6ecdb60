// SPDX-License-Identifier: GPL-2.0
/*
 * Truth table of folio_maybe_dma_pinned().
 *
 * Opening "verdicts" scans, in process context, either the PFNs of every
 * region that has a block (default) or, after "scan all", every online PFN
 * of RAM in chunks with cond_resched(), and keeps the totals and the
 * mismatches (bounded) for the reads of that open file.
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
 * scan_all is a plain flag written by "control" and read at open.  A
 * result belongs to one open file; nothing is shared between opens.
 */
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "pageinfo.h"
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

struct ps_mismatch {
	unsigned long pfn;
	u32 count;
	int refcount;
	int pincount;
	u8 order;
	u8 maybe_pinned;
	u8 cause;
};

struct ps_verdicts {
	u64 true_pos, false_pos, false_neg, true_neg, scanned, dropped;
	bool all;
	unsigned long nr;
	struct ps_mismatch rows[];
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

static void judge(struct ps_verdicts *v, unsigned long pfn)
{
	struct ps_page_info pi;
	struct ps_mismatch *row;
	bool pinned;

	if (ps_page_info(pfn, &pi))
		return;
	v->scanned++;
	pinned = pi.entry.count > 0;
	if (pinned == pi.maybe_pinned) {
		if (pinned)
			v->true_pos++;
		else
			v->true_neg++;
		return;
	}
	if (pinned)
		v->false_neg++;
	else
		v->false_pos++;
	if (v->nr == PS_MAX_MISMATCHES) {
		v->dropped++;
		return;
	}
	row = &v->rows[v->nr++];
	row->pfn = pfn;
	row->count = pi.entry.count;
	row->refcount = pi.refcount;
	row->pincount = pi.pincount;
	row->order = pi.order;
	row->maybe_pinned = pi.maybe_pinned;
	row->cause = classify(&pi);
}

static void scan(struct ps_verdicts *v)
{
	unsigned long pfn, end = ps_table_end_pfn();

	for (pfn = 0; pfn < end; pfn++) {
		if (!(pfn % PS_SCAN_CHUNK))
			cond_resched();
		if (!v->all && !ps_table_has_block(pfn)) {
			/* Not tracked: go to the next region. */
			pfn |= PS_REGION_PAGES - 1;
			continue;
		}
		judge(v, pfn);
	}
}

static int verdicts_show(struct seq_file *m, void *unused)
{
	struct ps_verdicts *v = m->private;
	const struct ps_mismatch *r;
	unsigned long i;

	seq_printf(m, "true_pos %llu\nfalse_pos %llu\nfalse_neg %llu\n",
		   v->true_pos, v->false_pos, v->false_neg);
	seq_printf(m, "true_neg %llu\nscanned %llu\nmismatches_dropped %llu\n",
		   v->true_neg, v->scanned, v->dropped);
	seq_printf(m, "scope %s\n", v->all ? "all" : "tracked");
	seq_puts(m, "pfn count maybe_pinned refcount order folio_pincount cause\n");
	for (i = 0; i < v->nr; i++) {
		r = &v->rows[i];
		seq_printf(m, "0x%lx %u %u %d %u ", r->pfn, r->count,
			   r->maybe_pinned, r->refcount, r->order);
		if (r->pincount < 0)
			seq_puts(m, "-");
		else
			seq_printf(m, "%d", r->pincount);
		seq_printf(m, " %s\n", cause_names[r->cause]);
	}
	return 0;
}

static int verdicts_open(struct inode *inode, struct file *file)
{
	struct ps_verdicts *v;
	int err;

	v = kvzalloc(struct_size(v, rows, PS_MAX_MISMATCHES), GFP_KERNEL);
	if (!v)
		return -ENOMEM;
	v->all = READ_ONCE(scan_all);
	/* Scan the regions pinned now, not those emptied a moment ago. */
	if (!v->all)
		ps_table_trim();
	scan(v);
	err = single_open_size(file, verdicts_show, v,
			       256 + v->nr * 64);
	if (err)
		kvfree(v);
	return err;
}

static int verdicts_release(struct inode *inode, struct file *file)
{
	kvfree(((struct seq_file *)file->private_data)->private);
	return single_release(inode, file);
}

const struct file_operations ps_verdicts_fops = {
	.owner = THIS_MODULE,
	.open = verdicts_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = verdicts_release,
};
