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
#include <linux/uaccess.h>
#include <linux/workqueue.h>

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
 * hugetlb_wp() is static and its arguments changed twice: (mm, vma, address,
 * ...) before 6.7, (pagecache_folio, vmf) from 6.7, (vmf) from 6.17; Debian
 * 6.12 has (vmf) through a backport, so the version alone cannot tell.  The
 * forms this kernel may have are tried at the first hit and every hit is
 * checked before it is used: the vma must be a hugetlb one whose range holds
 * the address, read with get_kernel_nofault() (a folio taken for a vm_fault
 * reads as garbage and fails).  A guess is never dereferenced.
 */
enum ps_hwp_form {
	PS_HWP_UNKNOWN,
	PS_HWP_MM,		/* (mm, vma, address, ...) */
	PS_HWP_FOLIO_VMF,	/* (folio, vmf) */
	PS_HWP_VMF,		/* (vmf) */
};

/* The reason a probe gives when no form fits its first hit. */
#define PS_HWP_NO_FORM	"hugetlb_wp:no_known_form_fits"

static inline const char *ps_hugetlb_wp_form_name(int form)
{
	switch (form) {
	case PS_HWP_MM:
		return "hugetlb_wp:not_(mm,vma,address)";
	case PS_HWP_FOLIO_VMF:
		return "hugetlb_wp:not_(folio,vmf)";
	case PS_HWP_VMF:
		return "hugetlb_wp:not_(vmf)";
	default:
		return PS_HWP_NO_FORM;
	}
}

/* @vma is a hugetlb vma of @mm (any mm if NULL) holding @address. */
static inline bool ps_hugetlb_vma_ok(const struct vm_area_struct *vma,
				     const struct mm_struct *mm,
				     unsigned long address,
				     struct mm_struct **vm_mm)
{
	unsigned long start, end, flags;

	if (get_kernel_nofault(start, &vma->vm_start) ||
	    get_kernel_nofault(end, &vma->vm_end) ||
	    get_kernel_nofault(flags, &vma->vm_flags) ||
	    get_kernel_nofault(*vm_mm, &vma->vm_mm))
		return false;
	return (flags & VM_HUGETLB) && start <= address && address < end &&
	       *vm_mm && (!mm || *vm_mm == mm);
}

/* The fault's mm and address from @vmf, if it is a hugetlb vm_fault. */
static inline bool ps_hugetlb_vmf_ok(unsigned long vmf_arg,
				     struct mm_struct **mm,
				     unsigned long *address)
{
	const struct vm_fault *vmf = (const struct vm_fault *)vmf_arg;
	struct vm_area_struct *vma;

	if (get_kernel_nofault(vma, &vmf->vma) ||
	    get_kernel_nofault(*address, &vmf->address))
		return false;
	return ps_hugetlb_vma_ok(vma, NULL, *address, mm);
}

/* hugetlb_wp()'s first three arguments in @args, checked as @form. */
static inline bool ps_hugetlb_wp_fault(int form, const unsigned long *args,
				       struct mm_struct **mm,
				       unsigned long *address)
{
	switch (form) {
	case PS_HWP_MM:
		*address = args[2];
		return ps_hugetlb_vma_ok((const struct vm_area_struct *)args[1],
					 (const struct mm_struct *)args[0],
					 *address, mm);
	case PS_HWP_FOLIO_VMF:
		return ps_hugetlb_vmf_ok(args[1], mm, address);
	case PS_HWP_VMF:
		return ps_hugetlb_vmf_ok(args[0], mm, address);
	default:
		return false;
	}
}

/* The form of hugetlb_wp() this kernel may have that @args fit. */
static inline int ps_hugetlb_wp_form(const unsigned long *args)
{
	static const int forms[] = {
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 7, 0)
		PS_HWP_MM,
#elif LINUX_VERSION_CODE < KERNEL_VERSION(6, 17, 0)
		PS_HWP_VMF, PS_HWP_FOLIO_VMF,
#else
		PS_HWP_VMF,
#endif
	};
	struct mm_struct *mm;
	unsigned long address;
	int i;

	for (i = 0; i < ARRAY_SIZE(forms); i++)
		if (ps_hugetlb_wp_fault(forms[i], args, &mm, &address))
			return forms[i];
	return PS_HWP_UNKNOWN;
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

/*
 * An unbound system workqueue.  6.17 added system_dfl_wq, and from 7.2 on
 * queueing on system_wq or system_unbound_wq logs a deprecation warning.
 */
static inline struct workqueue_struct *ps_unbound_wq(void)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 17, 0)
	return system_unbound_wq;
#else
	return system_dfl_wq;
#endif
}

#endif /* PINSHADOW_COMPAT_H */
