/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading user page tables from probe context.  The caller holds what keeps
 * the tables in place (dup_mmap()'s mmap write lock, a fault's mmap or VMA
 * lock); nothing here sleeps, takes a lock or a reference.
 */
#ifndef PINSHADOW_WALK_H
#define PINSHADOW_WALK_H

#include <linux/mm_types.h>
#include <linux/types.h>

/*
 * Called for each present page in the walked range: @huge when it is part of
 * a PMD leaf (THP or 2 MiB hugetlb), whose subpages are visited one by one.
 */
typedef void (*ps_walk_fn)(void *ctx, unsigned long addr, unsigned long pfn,
			   bool huge);

void ps_walk(struct mm_struct *mm, unsigned long start, unsigned long end,
	     ps_walk_fn fn, void *ctx);
/*
 * The same, reading at most about @budget entries (PTEs and PMDs; each
 * page of a PMD leaf counts one): returns where it stopped, @end if it
 * walked it all, else a PMD boundary below @end.
 */
unsigned long ps_walk_bounded(struct mm_struct *mm, unsigned long start,
			      unsigned long end, ps_walk_fn fn, void *ctx,
			      unsigned long budget);
/* The PFN mapped at @addr, if a present page is. */
bool ps_walk_pfn(struct mm_struct *mm, unsigned long addr,
		 unsigned long *pfn);

#endif /* PINSHADOW_WALK_H */
