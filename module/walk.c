// SPDX-License-Identifier: GPL-2.0
/*
 * A read-only page-table walk for probe handlers.  Each level is read once
 * (READ_ONCE / ptep_get) and the lower table is found from that snapshot:
 * pte_offset_map() and friends may not be used here (6.12's
 * __pte_offset_map() is not exported, and they may take locks).  PUD leaves
 * (1 GiB pages) and non-present entries are skipped.  A bounded walk stops
 * at the first PMD boundary after its budget is spent, so that a handler's
 * time with preemption off does not grow with the size of a VMA.
 */
#include <linux/mm.h>
#include <linux/pgtable.h>

#include "walk.h"

/*
 * One walk: the callback, and what is left of its budget (entries read,
 * PTEs and PMDs, and callbacks made; ULONG_MAX: no bound).
 */
struct ps_walk {
	ps_walk_fn fn;
	void *ctx;
	unsigned long budget;
};

static void charge(struct ps_walk *w, unsigned long n)
{
	w->budget = n < w->budget ? w->budget - n : 0;
}

static void walk_ptes(struct ps_walk *w, pmd_t pmdval, unsigned long addr,
		      unsigned long end)
{
	pte_t *pte = (pte_t *)pmd_page_vaddr(pmdval) + pte_index(addr);
	pte_t val;

	charge(w, (end - addr) >> PAGE_SHIFT);
	for (; addr < end; addr += PAGE_SIZE, pte++) {
		val = ptep_get(pte);
		if (pte_present(val))
			w->fn(w->ctx, addr, pte_pfn(val), false);
	}
}

/* Returns where it stopped: @end, or a PMD boundary once out of budget. */
static unsigned long walk_pmds(struct ps_walk *w, pud_t *pud,
			       unsigned long addr, unsigned long end)
{
	pmd_t *pmd = pmd_offset(pud, addr);
	unsigned long next, a;
	pmd_t val;

	for (; addr < end; addr = next, pmd++) {
		if (!w->budget)
			return addr;
		next = pmd_addr_end(addr, end);
		charge(w, 1);
		val = READ_ONCE(*pmd);
		if (pmd_none(val) || !pmd_present(val))
			continue;
		if (pmd_leaf(val)) {
			charge(w, (next - addr) >> PAGE_SHIFT);
			for (a = addr; a < next; a += PAGE_SIZE)
				w->fn(w->ctx, a, pmd_pfn(val) +
				      ((a & ~PMD_MASK) >> PAGE_SHIFT), true);
			continue;
		}
		if (pmd_bad(val))
			continue;
		walk_ptes(w, val, addr, next);
	}
	return end;
}

unsigned long ps_walk_bounded(struct mm_struct *mm, unsigned long addr,
			      unsigned long end, ps_walk_fn fn, void *ctx,
			      unsigned long budget)
{
	struct ps_walk w = { .fn = fn, .ctx = ctx, .budget = budget };
	unsigned long p4d_next, pud_next, next, stop;
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
				stop = walk_pmds(&w, pud, addr, pud_next);
				if (stop < pud_next)
					return stop;
			}
		}
	}
	return end;
}

void ps_walk(struct mm_struct *mm, unsigned long addr, unsigned long end,
	     ps_walk_fn fn, void *ctx)
{
	ps_walk_bounded(mm, addr, end, fn, ctx, ULONG_MAX);
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
