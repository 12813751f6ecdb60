/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the supported kernels (Debian 6.1, 6.12 and 7.3)
 * lives here, one small shim per kernel interface, so that no .c file carries a
 * version test.
 */
#ifndef PINSHADOW_COMPAT_H
#define PINSHADOW_COMPAT_H

#include <linux/bits.h>
#include <linux/version.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>

/*
 * FOLL_PIN is a public macro in 6.1 and an enum private to mm/internal.h
 * since 6.2 (value 1 << 19 in 6.12).  FOLL_GET and FOLL_LONGTERM are public
 * in both, with different values.
 */
#ifdef FOLL_PIN
#define PS_FOLL_PIN		FOLL_PIN
#else
#define PS_FOLL_PIN		BIT(19)
#endif

/* True when gup @flags take a FOLL_PIN pin (and not a FOLL_GET reference). */
static inline bool ps_flags_pin(unsigned int flags)
{
	return (flags & (PS_FOLL_PIN | FOLL_GET)) == PS_FOLL_PIN;
}

/* Exact pin count of a large folio. */
static inline int ps_folio_pincount(struct folio *folio)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
	return atomic_read(folio_pincount_ptr(folio));
#else
	return atomic_read(&folio->_pincount);
#endif
}

/*
 * try_grab_folio(): the folio it grabbed, from its first argument and its
 * return value, or NULL when it failed.  6.1: (page, refs, flags) returning
 * the folio or NULL.  6.12: (folio, refs, flags) returning 0 or -errno.
 */
static inline struct folio *ps_try_grab_folio_result(unsigned long arg0,
						     unsigned long ret)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
	return (struct folio *)ret;
#else
	return (int)ret == 0 ? (struct folio *)arg0 : NULL;
#endif
}

/* get_user_pages_remote() lost its vmas argument in 6.5. */
static inline long ps_get_user_page_remote(struct mm_struct *mm,
					   unsigned long addr,
					   unsigned int gup_flags,
					   struct page **page)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 5, 0)
	return get_user_pages_remote(mm, addr, 1, gup_flags, page, NULL, NULL);
#else
	return get_user_pages_remote(mm, addr, 1, gup_flags, page, NULL);
#endif
}

/*
 * hugetlb_wp(): the mm and address of the fault.  6.1 passes (mm, vma,
 * address, ...); 6.12 passes the struct vm_fault.
 */
static inline void ps_hugetlb_wp_fault(unsigned long arg0, unsigned long arg2,
				       struct mm_struct **mm,
				       unsigned long *address)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 7, 0)
	*mm = (struct mm_struct *)arg0;
	*address = arg2;
#else
	struct vm_fault *vmf = (struct vm_fault *)arg0;

	*mm = vmf->vma->vm_mm;
	*address = vmf->address;
#endif
}

/* MMF_HAS_PINNED: mm->flags became a bitmap, read with mm_flags_test(), in 6.18. */
static inline bool ps_mm_has_pinned(struct mm_struct *mm)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 18, 0)
	return test_bit(MMF_HAS_PINNED, &mm->flags);
#else
	return mm_flags_test(MMF_HAS_PINNED, mm);
#endif
}

/*
 * The @n-th page after @page in one contiguous range.  nth_page() went away
 * in 6.18, when such ranges became contiguous in the memmap too.
 */
static inline struct page *ps_nth_page(struct page *page, unsigned long n)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 18, 0)
	return nth_page(page, n);
#else
	return page + n;
#endif
}

#endif /* PINSHADOW_COMPAT_H */
