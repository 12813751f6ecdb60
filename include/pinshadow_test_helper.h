/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ABI of the pinshadow test helper module (tests/helper/), shared by the
 * module and the tests.  Only fixed-width types: the same header is compiled
 * by the kernel and by userspace.
 *
 * The helper exposes /sys/kernel/debug/pinshadow_test_helper.  Every open
 * file holds its own set of pin "slots"; a slot keeps the pages one pin call
 * returned until PSH_IOC_UNPIN releases them or the file is closed (then
 * unpin_user_pages() releases whatever is left).
 */
#ifndef PINSHADOW_TEST_HELPER_H
#define PINSHADOW_TEST_HELPER_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define PSH_DEBUGFS_PATH	"/sys/kernel/debug/pinshadow_test_helper"
#define PSH_MAX_SLOTS		64
#define PSH_MAX_PAGES		0x100000

/* Which pin API PSH_IOC_PIN calls. */
enum psh_pin_api {
	PSH_PIN_FAST		= 0,	/* pin_user_pages_fast() */
	PSH_PIN_FAST_ONLY	= 1,	/* pin_user_pages_fast_only(), 6.1 only */
	PSH_PIN_PLAIN		= 2,	/* pin_user_pages() under mmap_read_lock */
	PSH_PIN_REMOTE		= 3,	/* pin_user_pages_remote(current->mm) */
	PSH_PIN_UNLOCKED	= 4,	/* pin_user_pages_unlocked() */
	PSH_PIN_NR_APIS
};

/* Which unpin API PSH_IOC_UNPIN calls. */
enum psh_unpin_api {
	PSH_UNPIN_PAGE		= 0,	/* unpin_user_page() per page */
	PSH_UNPIN_PAGES		= 1,	/* unpin_user_pages() */
	PSH_UNPIN_DIRTY_LOCK	= 2,	/* unpin_user_pages_dirty_lock(dirty) */
	PSH_UNPIN_RANGE_DIRTY	= 3,	/* unpin_user_page_range_dirty_lock() per contiguous run */
	PSH_UNPIN_FOLIO		= 4,	/* unpin_folio() per page, 6.12 only */
	PSH_UNPIN_FOLIOS	= 5,	/* unpin_folios(), 6.12 only */
	PSH_UNPIN_USER_FOLIO	= 6,	/* unpin_user_folio(folio, 1) per page, 6.12 only */
	PSH_UNPIN_NR_APIS
};

/* psh_pin.flags */
#define PSH_F_WRITE	0x1	/* FOLL_WRITE */
#define PSH_F_LONGTERM	0x2	/* FOLL_LONGTERM */

struct psh_pin {
	__u64 addr;		/* in: user address, page aligned */
	__u64 nr_pages;		/* in: pages to pin */
	__u32 api;		/* in: enum psh_pin_api */
	__u32 flags;		/* in: PSH_F_* */
	__s64 result;		/* out: pages pinned */
	__u32 slot;		/* out: slot that holds the pins */
	__u32 pad;
};

struct psh_unpin {
	__u32 slot;		/* in: slot from PSH_IOC_PIN */
	__u32 api;		/* in: enum psh_unpin_api */
	__u32 make_dirty;	/* in: for the *_dirty_lock variants */
	__u32 pad;
};

struct psh_pfns {
	__u32 slot;		/* in */
	__u32 pad;
	__u64 nr;		/* in: room in pfns[]; out: pages in the slot */
	__u64 pfns;		/* in: user pointer to __u64[nr] */
};

/*
 * pinshadow's in-kernel API (include/pinshadow.h) asked about the page
 * mapped at addr, as a kernel user would ask it.  -ENOENT: pinshadow is not
 * loaded; -EFAULT: no page is mapped there.
 */
struct psh_query {
	__u64 addr;		/* in: user address of the calling process */
	__u64 pfn;		/* out */
	__s64 pincount;		/* out: pinshadow_page_pincount() */
	__u32 available;	/* out: pinshadow_page_pincount_available() */
	__u32 really_pinned;	/* out: pinshadow_page_really_is_dma_pinned() */
};

/*
 * PSH_IOC_MEMFD_PIN does what iommufd does with a memfd (pin_memfd_pages()
 * in drivers/iommu/iommufd/pages.c): memfd_pin_folios() of the range, one
 * pin per folio, then folio_add_pins(folio, n - 1) on every folio of which
 * the range holds n > 1 pages, so that each page of the range holds one pin
 * and can be unpinned alone.  The slot holds the range's pages, in order.
 * EOPNOTSUPP before 6.13 (no folio_add_pins()).  EBADF: not a file.
 */
struct psh_memfd_pin {
	__s32 memfd;		/* in: a memfd (shmem or hugetlbfs) */
	__u32 pad;
	__u64 offset;		/* in: byte offset in it, page aligned */
	__u64 nr_pages;		/* in: pages from there */
	__s64 result;		/* out: pages pinned, or the kernel's -errno */
	__u32 slot;		/* out: PSH_MAX_SLOTS when nothing was pinned */
	__u32 nr_folios;	/* out: folios memfd_pin_folios() pinned */
};

/*
 * PSH_IOC_UNPIN_RANGE: unpin_user_page_range_dirty_lock() of the pages
 * [first, first + nr) of a slot, which must be physically contiguous and
 * not unpinned yet.  The slot is freed with its last page; PSH_IOC_UNPIN
 * refuses a slot with pages unpinned this way (EINVAL).
 */
struct psh_unpin_range {
	__u32 slot;		/* in */
	__u32 make_dirty;	/* in */
	__u64 first;		/* in: index of the first page in the slot */
	__u64 nr;		/* in: pages */
};

/*
 * PSH_IOC_LEAK: a driver that leaks pins.  psh_leak_pin() pins the caller's
 * pages with pin_user_pages_fast() and the helper keeps them, not the open
 * file: they outlive the file and the process until PSH_IOC_LEAK_RELEASE
 * or the helper's unload.  At most PSH_MAX_LEAKS leaks at once (ENOSPC).
 */
#define PSH_MAX_LEAKS		64
#define PSH_LEAK_ALL		0xffffffffU

struct psh_leak {
	__u64 addr;		/* in: user address, page aligned */
	__u64 nr_pages;		/* in: pages to pin */
	__u32 flags;		/* in: PSH_F_* */
	__u32 id;		/* out: the leak's id (> 0), 0 if none */
	__s64 result;		/* out: pages pinned, 0 or -errno */
};

struct psh_leak_release {
	__u32 id;		/* in: a leak's id, or PSH_LEAK_ALL */
	__u32 pad;
	__u64 pages;		/* out: pages unpinned */
};

#define PSH_IOC_MAGIC	'P'
#define PSH_IOC_PIN	_IOWR(PSH_IOC_MAGIC, 1, struct psh_pin)
#define PSH_IOC_UNPIN	_IOW(PSH_IOC_MAGIC, 2, struct psh_unpin)
#define PSH_IOC_PFNS	_IOWR(PSH_IOC_MAGIC, 3, struct psh_pfns)
#define PSH_IOC_QUERY	_IOWR(PSH_IOC_MAGIC, 4, struct psh_query)
#define PSH_IOC_MEMFD_PIN	_IOWR(PSH_IOC_MAGIC, 5, struct psh_memfd_pin)
#define PSH_IOC_UNPIN_RANGE	_IOW(PSH_IOC_MAGIC, 6, struct psh_unpin_range)
#define PSH_IOC_LEAK		_IOWR(PSH_IOC_MAGIC, 7, struct psh_leak)
#define PSH_IOC_LEAK_RELEASE	_IOWR(PSH_IOC_MAGIC, 8, struct psh_leak_release)

#endif /* PINSHADOW_TEST_HELPER_H */
