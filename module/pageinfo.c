// SPDX-License-Identifier: GPL-2.0
/*
 * Reading the kernel's view of a page.  The folio may be split or freed
 * while we look, so it is read under a reference of our own (folio_try_get
 * and a recheck that the page still belongs to it), and that reference is
 * subtracted from what is reported.
 */
#include <linux/ctype.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "compat.h"
#include "pageinfo.h"

/* folio_maybe_dma_pinned() on @folio, not counting @extra refs of ours. */
static bool kernel_verdict(struct folio *folio, int extra)
{
	if (folio_test_large(folio))
		return folio_maybe_dma_pinned(folio);
	/* The order-0 rule of folio_maybe_dma_pinned(), minus our refs. */
	return folio_ref_count(folio) - extra >= GUP_PIN_COUNTING_BIAS;
}

static void read_folio_state(struct page *page, struct ps_page_info *pi)
{
	struct folio *folio;
	int tries;

	for (tries = 0; tries < 3; tries++) {
		folio = page_folio(page);
		if (!folio_try_get(folio))
			break;		/* free page: refcount 0 */
		if (page_folio(page) == folio) {
			pi->refcount = folio_ref_count(folio) - 1;
			pi->order = folio_order(folio);
			pi->pincount = folio_test_large(folio) ?
				       ps_folio_pincount(folio) : -1;
			pi->maybe_pinned = kernel_verdict(folio, 1);
			folio_put(folio);
			return;
		}
		folio_put(folio);
	}
}

int ps_page_info(unsigned long pfn, struct ps_page_info *pi)
{
	struct page *page = pfn_to_online_page(pfn);

	memset(pi, 0, sizeof(*pi));
	pi->pfn = pfn;
	pi->pincount = -1;
	if (!page)
		return -EINVAL;
	rcu_read_lock();
	ps_table_read(pfn, &pi->entry);
	pi->exact = !ps_table_lost(pfn);
	rcu_read_unlock();
	if (pi->entry.count)
		pi->has_record = ps_record_info(pi->entry.handle, &pi->record);
	if (pi->has_record)
		pi->orphaned = ps_record_orphaned(&pi->record);
	read_folio_state(page, pi);
	return 0;
}

void ps_page_info_header(struct seq_file *m)
{
	seq_puts(m, "pfn count longterm maybe_pinned refcount order folio_pincount age_ms pid comm api stack orphaned\n");
}

/* A comm with white space would break the columns. */
static void comm_for_table(char *dst, const struct ps_page_info *pi)
{
	char *c;

	if (!pi->has_record || !pi->record.comm[0]) {
		strscpy(dst, "-", TASK_COMM_LEN);
		return;
	}
	strscpy(dst, pi->record.comm, TASK_COMM_LEN);
	for (c = dst; *c; c++)
		if (isspace(*c) || !isprint(*c))
			*c = '_';
}

/* The stack column: a handle, or "-". */
static void stack_for_table(char *dst, size_t size,
			    const struct ps_page_info *pi)
{
	if (pi->has_record && pi->record.stack)
		snprintf(dst, size, "%u", pi->record.stack);
	else
		strscpy(dst, "-", size);
}

static u64 age_ms(const struct ps_page_info *pi)
{
	u64 now = ktime_get_ns();

	return now > pi->record.since_ns ?
	       div_u64(now - pi->record.since_ns, NSEC_PER_MSEC) : 0;
}

void ps_page_info_row(struct seq_file *m, const struct ps_page_info *pi)
{
	char comm[TASK_COMM_LEN], stack[16];

	comm_for_table(comm, pi);
	stack_for_table(stack, sizeof(stack), pi);
	seq_printf(m, "0x%lx %u %u %d %d %u ", pi->pfn, pi->entry.count,
		   pi->entry.longterm, pi->maybe_pinned, pi->refcount,
		   pi->order);
	if (pi->pincount < 0)
		seq_puts(m, "- ");
	else
		seq_printf(m, "%d ", pi->pincount);
	if (pi->has_record)
		seq_printf(m, "%llu %d %s %s %s %d\n", age_ms(pi),
			   pi->record.pid, comm, ps_api_name(pi->record.api),
			   stack, pi->orphaned);
	else
		seq_printf(m, "- - - %s - 0\n", ps_api_name(PS_API_UNKNOWN));
}

int ps_page_info_line(char *buf, size_t size, const struct ps_page_info *pi)
{
	char comm[TASK_COMM_LEN], pincount[16], stack[16];

	comm_for_table(comm, pi);
	stack_for_table(stack, sizeof(stack), pi);
	if (pi->pincount < 0)
		strscpy(pincount, "-", sizeof(pincount));
	else
		snprintf(pincount, sizeof(pincount), "%d", pi->pincount);
	if (!pi->has_record)
		return scnprintf(buf, size,
				 "pfn=0x%lx count=%u longterm=%u maybe_pinned=%d refcount=%d order=%u folio_pincount=%s age_ms=- pid=- comm=- api=%s exact=%d stack=- orphaned=0\n",
				 pi->pfn, pi->entry.count, pi->entry.longterm,
				 pi->maybe_pinned, pi->refcount, pi->order,
				 pincount, ps_api_name(PS_API_UNKNOWN), pi->exact);
	return scnprintf(buf, size,
			 "pfn=0x%lx count=%u longterm=%u maybe_pinned=%d refcount=%d order=%u folio_pincount=%s age_ms=%llu pid=%d comm=%s api=%s exact=%d stack=%s orphaned=%d\n",
			 pi->pfn, pi->entry.count, pi->entry.longterm,
			 pi->maybe_pinned, pi->refcount, pi->order, pincount,
			 age_ms(pi), pi->record.pid, comm,
			 ps_api_name(pi->record.api), pi->exact, stack,
			 pi->orphaned);
}
