/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel-version difference the pinshadow test helper meets lives
 * here, so that test_helper.c carries no version test.  Supported kernels:
 * Debian 6.1, 6.12 and 7.3.
 *
 * - pin_user_pages() and pin_user_pages_remote() lost their vmas argument
 *   in 6.5.
 * - pin_user_pages_fast_only() is gone after 6.1.
 * - pin_user_pages_unlocked() WARNs and fails with FOLL_LONGTERM before
 *   6.3 (get_user_pages_unlocked() refused it).
 * - unpin_folio() and unpin_folios() came with memfd_pin_folios() in 6.10,
 *   unpin_user_folio() with io_uring's buffer coalescing after that.
 * - folio_add_pins() came in 6.13 (for iommufd).
 *
 * An API (or API and flag) the running kernel lacks is reported by
 * psh_*_supported(), so the ioctl fails with -EOPNOTSUPP, and its shim is
 * never called (it warns and does nothing if it is).
 */
#ifndef PINSHADOW_TEST_HELPER_COMPAT_H
#define PINSHADOW_TEST_HELPER_COMPAT_H

#include <linux/version.h>
#include <linux/mm.h>

#include "pinshadow_test_helper.h"

/*
 * True on kernel @major.@minor and later: LINUX_VERSION_CODE, as in
 * module/compat.h (make style lets the compat headers use it).
 */
#define PSH_KERNEL_AT_LEAST(major, minor)	\
	(LINUX_VERSION_CODE >= KERNEL_VERSION(major, minor, 0))

#define PSH_HAVE_PIN_VMAS_ARG		(!PSH_KERNEL_AT_LEAST(6, 5))
#define PSH_HAVE_PIN_FAST_ONLY		(!PSH_KERNEL_AT_LEAST(6, 2))
#define PSH_HAVE_UNLOCKED_LONGTERM	PSH_KERNEL_AT_LEAST(6, 3)
#define PSH_HAVE_UNPIN_FOLIO		PSH_KERNEL_AT_LEAST(6, 10)
#define PSH_HAVE_UNPIN_USER_FOLIO	PSH_KERNEL_AT_LEAST(6, 12)
#define PSH_HAVE_FOLIO_ADD_PINS		PSH_KERNEL_AT_LEAST(6, 13)

static inline bool psh_pin_api_supported(u32 api, bool longterm)
{
	switch (api) {
	case PSH_PIN_FAST:
	case PSH_PIN_PLAIN:
	case PSH_PIN_REMOTE:
		return true;
	case PSH_PIN_FAST_ONLY:
		return PSH_HAVE_PIN_FAST_ONLY;
	case PSH_PIN_UNLOCKED:
		return !longterm || PSH_HAVE_UNLOCKED_LONGTERM;
	default:
		return false;
	}
}

static inline bool psh_unpin_api_supported(u32 api)
{
	switch (api) {
	case PSH_UNPIN_PAGE:
	case PSH_UNPIN_PAGES:
	case PSH_UNPIN_DIRTY_LOCK:
	case PSH_UNPIN_RANGE_DIRTY:
		return true;
	case PSH_UNPIN_FOLIO:
	case PSH_UNPIN_FOLIOS:
		return PSH_HAVE_UNPIN_FOLIO;
	case PSH_UNPIN_USER_FOLIO:
		return PSH_HAVE_UNPIN_USER_FOLIO;
	default:
		return false;
	}
}

/* pin_user_pages(): the caller holds mmap_read_lock(current->mm). */
static inline long psh_pin_user_pages(unsigned long start,
				      unsigned long nr_pages,
				      unsigned int gup_flags,
				      struct page **pages)
{
#if PSH_HAVE_PIN_VMAS_ARG
	return pin_user_pages(start, nr_pages, gup_flags, pages, NULL);
#else
	return pin_user_pages(start, nr_pages, gup_flags, pages);
#endif
}

/* pin_user_pages_remote(): the caller holds mmap_read_lock(mm). */
static inline long psh_pin_user_pages_remote(struct mm_struct *mm,
					     unsigned long start,
					     unsigned long nr_pages,
					     unsigned int gup_flags,
					     struct page **pages)
{
#if PSH_HAVE_PIN_VMAS_ARG
	return pin_user_pages_remote(mm, start, nr_pages, gup_flags, pages,
				     NULL, NULL);
#else
	return pin_user_pages_remote(mm, start, nr_pages, gup_flags, pages,
				     NULL);
#endif
}

static inline long psh_pin_user_pages_fast_only(unsigned long start,
						int nr_pages,
						unsigned int gup_flags,
						struct page **pages)
{
#if PSH_HAVE_PIN_FAST_ONLY
	return pin_user_pages_fast_only(start, nr_pages, gup_flags, pages);
#else
	WARN_ON_ONCE(1);
	return -EOPNOTSUPP;
#endif
}

static inline void psh_unpin_folio(struct folio *folio)
{
#if PSH_HAVE_UNPIN_FOLIO
	unpin_folio(folio);
#else
	WARN_ON_ONCE(1);
#endif
}

static inline void psh_unpin_folios(struct folio **folios,
				    unsigned long nfolios)
{
#if PSH_HAVE_UNPIN_FOLIO
	unpin_folios(folios, nfolios);
#else
	WARN_ON_ONCE(1);
#endif
}

static inline void psh_unpin_user_folio(struct folio *folio,
					unsigned long npages)
{
#if PSH_HAVE_UNPIN_USER_FOLIO
	unpin_user_folio(folio, npages);
#else
	WARN_ON_ONCE(1);
#endif
}

static inline bool psh_memfd_pin_supported(void)
{
	return PSH_HAVE_FOLIO_ADD_PINS;
}

/*
 * memfd_pin_folios() of @npages pages of @file from byte @start, then
 * folio_add_pins() as iommufd's pin_memfd_pages() does: @pages gets one
 * pinned page per page of the range.  The pages pinned, or -errno with
 * nothing left pinned.
 */
static inline long psh_memfd_pin_pages(struct file *file, loff_t start,
				       unsigned long npages,
				       struct folio **folios,
				       struct page **pages,
				       unsigned int *nr_folios)
{
#if PSH_HAVE_FOLIO_ADD_PINS
	unsigned long i, j, npin, done = 0;
	pgoff_t offset;
	long nfolios;
	int err;

	nfolios = memfd_pin_folios(file, start,
				   start + (npages << PAGE_SHIFT) - 1, folios,
				   npages, &offset);
	if (nfolios <= 0)
		return nfolios;
	*nr_folios = nfolios;
	offset >>= PAGE_SHIFT;
	for (i = 0; i < nfolios; i++) {
		struct folio *folio = folios[i];

		npin = min(folio_nr_pages(folio) - offset, npages - done);
		if (npin > 1) {
			err = folio_add_pins(folio, npin - 1);
			if (err) {
				unpin_user_pages(pages, done);
				unpin_folios(folios + i, nfolios - i);
				return err;
			}
		}
		for (j = 0; j < npin; j++)
			pages[done++] = folio_page(folio, offset + j);
		offset = 0;
	}
	return done;
#else
	WARN_ON_ONCE(1);
	return -EOPNOTSUPP;
#endif
}

#endif /* PINSHADOW_TEST_HELPER_COMPAT_H */
