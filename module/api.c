// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel API sketched in the extra-PTE thread, answered from the
 * shadow table: is an exact count available for this page, what is it, and
 * is the page really DMA-pinned.
 */
#include <linux/export.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>

#include "pinshadow.h"
#include "table.h"

bool pinshadow_page_pincount_available(struct page *page)
{
	unsigned long pfn = page_to_pfn(page);
	bool ok;

	rcu_read_lock();
	ok = ps_table_has_block(pfn) && !ps_table_lost(pfn);
	rcu_read_unlock();
	return ok;
}
EXPORT_SYMBOL_GPL(pinshadow_page_pincount_available);

int pinshadow_page_pincount(struct page *page)
{
	struct ps_entry e;

	rcu_read_lock();
	ps_table_read(page_to_pfn(page), &e);
	rcu_read_unlock();
	return e.count;
}
EXPORT_SYMBOL_GPL(pinshadow_page_pincount);

bool pinshadow_page_really_is_dma_pinned(struct page *page)
{
	if (pinshadow_page_pincount_available(page))
		return pinshadow_page_pincount(page) > 0;
	/* No exact count: the kernel's guess, which has no false negative. */
	return folio_maybe_dma_pinned(page_folio(page));
}
EXPORT_SYMBOL_GPL(pinshadow_page_really_is_dma_pinned);
