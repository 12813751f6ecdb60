// SPDX-License-Identifier: GPL-2.0
/*
 * A read-only page-table walk for probe handlers.  Each level is read once
 * (READ_ONCE / ptep_get) and the lower table is found from that snapshot:
 * pte_offset_map() and friends may not be used here (6.12's
 * __pte_offset_map() is not exported, and they may take locks).  PUD leaves
 * (1 GiB pages) and non-present entries are skipped.
 */
#include <linux/mm.h>
#include <linux/pgtable.h>

#include "walk.h"

static void walk_ptes(pmd_t pmdval, unsigned long addr, unsigned long end,
		      ps_walk_fn fn, void *ctx)
{
	pte_t *pte = (pte_t *)pmd_page_vaddr(pmdval) + pte_index(addr);
	pte_t val;

	for (; addr < end; addr += PAGE_SIZE, pte++) {
		val = ptep_get(pte);
		if (pte_present(val))
			fn(ctx, addr, pte_pfn(val), false);
	}
}

static void walk_pmds(pud_t *pud, unsigned long addr, unsigned long end,
		      ps_walk_fn fn, void *ctx)
{
	pmd_t *pmd = pmd_offset(pud, addr);
	unsigned long next, a;
	pmd_t val;

	for (; addr < end; addr = next, pmd++) {
		next = pmd_addr_end(addr, end);
		val = READ_ONCE(*pmd);
		if (pmd_none(val) || !pmd_present(val))
			continue;
		if (pmd_leaf(val)) {
			for (a = addr; a < next; a += PAGE_SIZE)
				fn(ctx, a, pmd_pfn(val) +
				   ((a & ~PMD_MASK) >> PAGE_SHIFT), true);
			continue;
		}
		if (pmd_bad(val))
			continue;
		walk_ptes(val, addr, next, fn, ctx);
	}
}

void ps_walk(struct mm_struct *mm, unsigned long addr, unsigned long end,
	     ps_walk_fn fn, void *ctx)
{
	unsigned long p4d_next, pud_next, next;
	pgd_t *pgd;
	p4d_t *p4d;
	pud_t *pud;

	for (pgd = pgd_offset(mm, addr); addr < end; pgd++, addr = next) {
		next = pgd_addr_end(addr, end);
		if (pgd_none(READ_ONCE(*pgd)) || pgd_bad(READ_ONCE(*pgd)))
			continue;
		p4d = p4d_offset(pgd, addr);
		for (; addr < next; p4d++, addr = p4d_next) {
			p4d_next = p4d_addr_end(addr, next);
			if (p4d_none(READ_ONCE(*p4d)) ||
			    p4d_bad(READ_ONCE(*p4d)))
				continue;
			pud = pud_offset(p4d, addr);
			for (; addr < p4d_next; pud++, addr = pud_next) {
				pud_t val = READ_ONCE(*pud);

				pud_next = pud_addr_end(addr, p4d_next);
				if (pud_none(val) || pud_leaf(val) ||
				    pud_bad(val))
					continue;
				walk_pmds(pud, addr, pud_next, fn, ctx);
			}
		}
	}
}

struct pfn_at {
	unsigned long pfn;
	bool found;
};

static void pfn_at_fn(void *ctx, unsigned long addr, unsigned long pfn,
		      bool huge)
{
	struct pfn_at *at = ctx;

	at->pfn = pfn;
	at->found = true;
}

bool ps_walk_pfn(struct mm_struct *mm, unsigned long addr,
		 unsigned long *pfn)
{
	struct pfn_at at = { .found = false };

	addr &= PAGE_MASK;
	ps_walk(mm, addr, addr + PAGE_SIZE, pfn_at_fn, &at);
	*pfn = at.pfn;
	return at.found;
}
