/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the kernel itself says about a page, next to pinshadow's count: the
 * folio's refcount, order, pincount and folio_maybe_dma_pinned() verdict.
 */
#ifndef PINSHADOW_PAGEINFO_H
#define PINSHADOW_PAGEINFO_H

#include <linux/seq_file.h>
#include <linux/types.h>

#include "records.h"
#include "table.h"

struct ps_page_info {
	unsigned long pfn;
	struct ps_entry entry;
	int refcount;		/* the folio's, without pinshadow's own ref */
	unsigned int order;
	int pincount;		/* large folios only; -1 for order-0 */
	bool maybe_pinned;	/* the kernel's verdict */
	bool exact;		/* no event for this region was lost */
	bool has_record;
	bool orphaned;		/* its pinner has exited */
	struct ps_record_info record;
};

/* Fill @pi for @pfn; -EINVAL if @pfn has no online struct page. */
int ps_page_info(unsigned long pfn, struct ps_page_info *pi);

/* Header and row of the "pins" table; lookup's one-line form. */
void ps_page_info_header(struct seq_file *m);
void ps_page_info_row(struct seq_file *m, const struct ps_page_info *pi);
int ps_page_info_line(char *buf, size_t size, const struct ps_page_info *pi);

#endif /* PINSHADOW_PAGEINFO_H */
