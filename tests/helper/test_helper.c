// SPDX-License-Identifier: GPL-2.0
/*
 * pinshadow test helper: takes and releases FOLL_PIN pins on behalf of the
 * tests with every pin and unpin API the running kernel has, so that the
 * tests can check pinshadow's per-page counts against a known set of pins.
 * Modelled on mm/gup_test.c, which Debian kernels do not build.
 *
 * The ABI is in include/pinshadow_test_helper.h.  Each open file of
 * PSH_DEBUGFS_PATH owns PSH_MAX_SLOTS slots; a slot keeps the page array one
 * pin call returned until PSH_IOC_UNPIN or the release of the file.
 *
 * Errors of the ioctls themselves:
 *   EOPNOTSUPP  the API (or, for pin_user_pages_unlocked(), FOLL_LONGTERM
 *               with it) is not in this kernel.  Checked before any other
 *               argument, so that userspace can probe with nr_pages 0 or
 *               slot PSH_MAX_SLOTS.
 *   EINVAL      a bad argument; ENOSPC  no free slot; ENOENT  empty slot;
 *   EFAULT      bad user pointer; ENOMEM.
 * PSH_IOC_PIN otherwise succeeds and reports what the pin API returned in
 * .result (pages pinned, possibly fewer than asked, 0 or -errno); .slot is
 * PSH_MAX_SLOTS when nothing was pinned.  So does PSH_IOC_MEMFD_PIN.
 *
 * Leaks (PSH_IOC_LEAK) belong to the module, not to a file: they stay
 * pinned after their process exits, until PSH_IOC_LEAK_RELEASE or unload.
 *
 * Notes on locking
 * ----------------
 * psh_file.lock: one open file's slots.
 * leaks_lock: the leaks list and leak_next_id.  Process context only.
 */
#include <linux/debugfs.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "pinshadow.h"
#include "pinshadow_test_helper.h"
#include "compat.h"

struct psh_slot {
	struct page **pages;	/* NULL: the slot is free */
	unsigned long nr;
	unsigned long holes;	/* pages[] set to NULL by PSH_IOC_UNPIN_RANGE */
};

struct psh_file {
	struct mutex lock;	/* protects slots[] */
	struct psh_slot slots[PSH_MAX_SLOTS];
};

static struct dentry *psh_dentry;

struct psh_leaked {
	struct list_head node;
	u32 id;
	unsigned long nr;
	struct page **pages;
};

static DEFINE_MUTEX(leaks_lock);
static LIST_HEAD(leaks);
static unsigned int nr_leaks;
static u32 leak_next_id = 1;

/* A free slot, or PSH_MAX_SLOTS; the caller holds pf->lock. */
static unsigned int psh_free_slot(struct psh_file *pf)
{
	unsigned int slot;

	for (slot = 0; slot < PSH_MAX_SLOTS; slot++)
		if (!pf->slots[slot].pages)
			break;
	return slot;
}

/* Gives @pages (@nr of them) to @slot; the caller holds pf->lock. */
/*
 * A pin call's outcome: when it pinned @nr > 0 pages, they and *@pages
 * move into @slot (*@pages becomes NULL).  Returns the slot to answer
 * with: @slot, or PSH_MAX_SLOTS when nothing was pinned.
 */
static u32 psh_keep_pins(struct psh_file *pf, unsigned int slot,
			 struct page ***pages, long nr)
{
	if (nr <= 0)
		return PSH_MAX_SLOTS;
	pf->slots[slot].pages = *pages;
	pf->slots[slot].nr = nr;
	pf->slots[slot].holes = 0;
	*pages = NULL;
	return slot;
}

static long psh_do_pin(const struct psh_pin *req, struct page **pages)
{
	unsigned long start = req->addr;
	unsigned long nr = req->nr_pages;
	unsigned int gup_flags = 0;
	struct mm_struct *mm = current->mm;
	long ret;

	if (req->flags & PSH_F_WRITE)
		gup_flags |= FOLL_WRITE;
	if (req->flags & PSH_F_LONGTERM)
		gup_flags |= FOLL_LONGTERM;

	switch (req->api) {
	case PSH_PIN_FAST:
		return pin_user_pages_fast(start, nr, gup_flags, pages);
	case PSH_PIN_FAST_ONLY:
		return psh_pin_user_pages_fast_only(start, nr, gup_flags,
						    pages);
	case PSH_PIN_PLAIN:
		if (mmap_read_lock_killable(mm))
			return -EINTR;
		ret = psh_pin_user_pages(start, nr, gup_flags, pages);
		mmap_read_unlock(mm);
		return ret;
	case PSH_PIN_REMOTE:
		if (mmap_read_lock_killable(mm))
			return -EINTR;
		ret = psh_pin_user_pages_remote(mm, start, nr, gup_flags,
						pages);
		mmap_read_unlock(mm);
		return ret;
	case PSH_PIN_UNLOCKED:
		return pin_user_pages_unlocked(start, nr, pages, gup_flags);
	default:
		return -EINVAL;
	}
}

static long psh_ioctl_pin(struct psh_file *pf, void __user *argp)
{
	struct psh_pin req;
	struct page **pages;
	unsigned int slot;
	long ret;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	/* Support first: userspace probes it with nr_pages 0. */
	if (req.api >= PSH_PIN_NR_APIS ||
	    (req.flags & ~(PSH_F_WRITE | PSH_F_LONGTERM)))
		return -EINVAL;
	if (!psh_pin_api_supported(req.api, req.flags & PSH_F_LONGTERM))
		return -EOPNOTSUPP;
	if (!PAGE_ALIGNED(req.addr) || !req.nr_pages ||
	    req.nr_pages > PSH_MAX_PAGES || req.pad)
		return -EINVAL;

	pages = kvcalloc(req.nr_pages, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;

	mutex_lock(&pf->lock);
	slot = psh_free_slot(pf);
	if (slot == PSH_MAX_SLOTS) {
		mutex_unlock(&pf->lock);
		kvfree(pages);
		return -ENOSPC;
	}

	ret = psh_do_pin(&req, pages);
	if (WARN_ON_ONCE(ret > (long)req.nr_pages))
		ret = req.nr_pages;
	req.result = ret;
	req.slot = psh_keep_pins(pf, slot, &pages, ret);
	mutex_unlock(&pf->lock);
	kvfree(pages);

	/* The pins stay in their slot even if userspace lost the answer. */
	if (copy_to_user(argp, &req, sizeof(req)))
		return -EFAULT;
	return 0;
}

static long psh_ioctl_memfd_pin(struct psh_file *pf, void __user *argp)
{
	struct psh_memfd_pin req;
	struct folio **folios;
	struct page **pages;
	struct file *file;
	unsigned int slot;
	long ret;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (!psh_memfd_pin_supported())
		return -EOPNOTSUPP;
	if (req.pad || !PAGE_ALIGNED(req.offset) || !req.nr_pages ||
	    req.nr_pages > PSH_MAX_PAGES || req.offset > LLONG_MAX / 2)
		return -EINVAL;
	file = fget(req.memfd);
	if (!file)
		return -EBADF;
	ret = -ENOMEM;
	folios = kvcalloc(req.nr_pages, sizeof(*folios), GFP_KERNEL);
	pages = kvcalloc(req.nr_pages, sizeof(*pages), GFP_KERNEL);
	if (!folios || !pages)
		goto out;

	mutex_lock(&pf->lock);
	slot = psh_free_slot(pf);
	if (slot == PSH_MAX_SLOTS) {
		mutex_unlock(&pf->lock);
		ret = -ENOSPC;
		goto out;
	}
	req.nr_folios = 0;
	ret = psh_memfd_pin_pages(file, req.offset, req.nr_pages, folios,
				  pages, &req.nr_folios);
	req.result = ret;
	req.slot = psh_keep_pins(pf, slot, &pages, ret);
	mutex_unlock(&pf->lock);
	ret = copy_to_user(argp, &req, sizeof(req)) ? -EFAULT : 0;
out:
	kvfree(pages);
	kvfree(folios);
	fput(file);
	return ret;
}

/*
 * Takes pf->lock and returns @slot if it holds pins; else NULL, unlocked.
 * @slot is below PSH_MAX_SLOTS.
 */
static struct psh_slot *psh_lock_slot(struct psh_file *pf, u32 slot)
{
	struct psh_slot *s = &pf->slots[slot];

	mutex_lock(&pf->lock);
	if (s->pages)
		return s;
	mutex_unlock(&pf->lock);
	return NULL;
}

static long psh_ioctl_unpin_range(struct psh_file *pf, void __user *argp)
{
	struct psh_unpin_range req;
	struct psh_slot *s;
	unsigned long i;
	long ret = 0;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (req.slot >= PSH_MAX_SLOTS || req.make_dirty > 1 || !req.nr)
		return -EINVAL;

	s = psh_lock_slot(pf, req.slot);
	if (!s)
		return -ENOENT;
	if (req.first >= s->nr || req.nr > s->nr - req.first) {
		ret = -EINVAL;
		goto out;
	}
	for (i = req.first; i < req.first + req.nr; i++) {
		if (!s->pages[i] ||
		    page_to_pfn(s->pages[i]) !=
		    page_to_pfn(s->pages[req.first]) + (i - req.first)) {
			ret = -EINVAL;
			goto out;
		}
	}
	unpin_user_page_range_dirty_lock(s->pages[req.first], req.nr,
					 req.make_dirty);
	for (i = req.first; i < req.first + req.nr; i++)
		s->pages[i] = NULL;
	s->holes += req.nr;
	if (s->holes == s->nr) {
		kvfree(s->pages);
		s->pages = NULL;
		s->nr = 0;
		s->holes = 0;
	}
out:
	mutex_unlock(&pf->lock);
	return ret;
}

/* One unpin_user_page_range_dirty_lock() per physically contiguous run. */
static void psh_unpin_ranges(struct page **pages, unsigned long nr,
			     bool make_dirty)
{
	unsigned long i, run;

	for (i = 0; i < nr; i += run) {
		for (run = 1; i + run < nr; run++)
			if (page_to_pfn(pages[i + run]) !=
			    page_to_pfn(pages[i]) + run)
				break;
		unpin_user_page_range_dirty_lock(pages[i], run, make_dirty);
	}
}

static int psh_do_unpin(struct psh_slot *s, u32 api, bool make_dirty)
{
	struct folio **folios;
	unsigned long i;

	switch (api) {
	case PSH_UNPIN_PAGE:
		for (i = 0; i < s->nr; i++)
			unpin_user_page(s->pages[i]);
		break;
	case PSH_UNPIN_PAGES:
		unpin_user_pages(s->pages, s->nr);
		break;
	case PSH_UNPIN_DIRTY_LOCK:
		unpin_user_pages_dirty_lock(s->pages, s->nr, make_dirty);
		break;
	case PSH_UNPIN_RANGE_DIRTY:
		psh_unpin_ranges(s->pages, s->nr, make_dirty);
		break;
	case PSH_UNPIN_FOLIO:
		for (i = 0; i < s->nr; i++)
			psh_unpin_folio(page_folio(s->pages[i]));
		break;
	case PSH_UNPIN_FOLIOS:
		folios = kvmalloc_array(s->nr, sizeof(*folios), GFP_KERNEL);
		if (!folios)
			return -ENOMEM;
		for (i = 0; i < s->nr; i++)
			folios[i] = page_folio(s->pages[i]);
		psh_unpin_folios(folios, s->nr);
		kvfree(folios);
		break;
	case PSH_UNPIN_USER_FOLIO:
		for (i = 0; i < s->nr; i++)
			psh_unpin_user_folio(page_folio(s->pages[i]), 1);
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

static long psh_ioctl_unpin(struct psh_file *pf, void __user *argp)
{
	struct psh_unpin req;
	struct psh_slot *s;
	int ret;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (req.api >= PSH_UNPIN_NR_APIS)
		return -EINVAL;
	if (!psh_unpin_api_supported(req.api))
		return -EOPNOTSUPP;
	if (req.slot >= PSH_MAX_SLOTS || req.make_dirty > 1 || req.pad)
		return -EINVAL;

	s = psh_lock_slot(pf, req.slot);
	if (!s)
		return -ENOENT;
	if (s->holes) {
		ret = -EINVAL;
		goto out;
	}
	ret = psh_do_unpin(s, req.api, req.make_dirty);
	if (ret)
		goto out;
	kvfree(s->pages);
	s->pages = NULL;
	s->nr = 0;
out:
	mutex_unlock(&pf->lock);
	return ret;
}

/*
 * The leaking "driver": its own function, not inlined and not a tail call,
 * so that the pin's stack names it.
 */
static noinline long psh_leak_pin(struct psh_leaked *lk, unsigned long addr,
				  unsigned long nr, unsigned int gup_flags)
{
	long ret = pin_user_pages_fast(addr, nr, gup_flags, lk->pages);

	lk->nr = ret > 0 ? ret : 0;
	return ret;
}

static long psh_ioctl_leak(struct psh_file *pf, void __user *argp)
{
	unsigned int gup_flags = 0;
	struct psh_leaked *lk;
	struct psh_leak req;
	long ret;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if ((req.flags & ~(PSH_F_WRITE | PSH_F_LONGTERM)) ||
	    !PAGE_ALIGNED(req.addr) || !req.nr_pages ||
	    req.nr_pages > PSH_MAX_PAGES)
		return -EINVAL;
	if (req.flags & PSH_F_WRITE)
		gup_flags |= FOLL_WRITE;
	if (req.flags & PSH_F_LONGTERM)
		gup_flags |= FOLL_LONGTERM;
	lk = kzalloc(sizeof(*lk), GFP_KERNEL);
	if (!lk)
		return -ENOMEM;
	lk->pages = kvcalloc(req.nr_pages, sizeof(*lk->pages), GFP_KERNEL);
	if (!lk->pages) {
		kfree(lk);
		return -ENOMEM;
	}
	mutex_lock(&leaks_lock);
	if (nr_leaks == PSH_MAX_LEAKS) {
		ret = -ENOSPC;
		goto free;
	}
	req.result = psh_leak_pin(lk, req.addr, req.nr_pages, gup_flags);
	req.id = 0;
	if (lk->nr) {
		lk->id = leak_next_id++;
		if (!leak_next_id || leak_next_id == PSH_LEAK_ALL)
			leak_next_id = 1;
		req.id = lk->id;
		list_add_tail(&lk->node, &leaks);
		nr_leaks++;
		lk = NULL;
	}
	ret = 0;
free:
	mutex_unlock(&leaks_lock);
	if (lk) {
		kvfree(lk->pages);
		kfree(lk);
	}
	if (!ret && copy_to_user(argp, &req, sizeof(req)))
		return -EFAULT;
	return ret;
}

/* Unpins the leaks of @id (all if PSH_LEAK_ALL): the pages they held. */
static u64 psh_leaks_release(u32 id)
{
	struct psh_leaked *lk, *tmp;
	u64 pages = 0;

	mutex_lock(&leaks_lock);
	list_for_each_entry_safe(lk, tmp, &leaks, node) {
		if (id != PSH_LEAK_ALL && lk->id != id)
			continue;
		list_del(&lk->node);
		nr_leaks--;
		unpin_user_pages(lk->pages, lk->nr);
		pages += lk->nr;
		kvfree(lk->pages);
		kfree(lk);
	}
	mutex_unlock(&leaks_lock);
	return pages;
}

static long psh_ioctl_leak_release(struct psh_file *pf, void __user *argp)
{
	struct psh_leak_release req;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (req.pad || !req.id)
		return -EINVAL;
	req.pages = psh_leaks_release(req.id);
	if (!req.pages && req.id != PSH_LEAK_ALL)
		return -ENOENT;
	if (copy_to_user(argp, &req, sizeof(req)))
		return -EFAULT;
	return 0;
}

static long psh_ioctl_pfns(struct psh_file *pf, void __user *argp)
{
	struct psh_pfns req;
	struct psh_slot *s;
	u64 __user *upfns;
	unsigned long i, n;
	long ret = 0;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (req.slot >= PSH_MAX_SLOTS || req.pad)
		return -EINVAL;
	upfns = u64_to_user_ptr(req.pfns);

	s = psh_lock_slot(pf, req.slot);
	if (!s)
		return -ENOENT;
	n = min_t(unsigned long, req.nr, s->nr);
	for (i = 0; i < n; i++) {
		u64 pfn = s->pages[i] ? page_to_pfn(s->pages[i]) : 0;

		if (put_user(pfn, &upfns[i])) {
			ret = -EFAULT;
			goto out;
		}
	}
	req.nr = s->nr;
	if (copy_to_user(argp, &req, sizeof(req)))
		ret = -EFAULT;
out:
	mutex_unlock(&pf->lock);
	return ret;
}

/*
 * The exported API is looked up with symbol_get(), not linked: the helper
 * then loads without pinshadow and never keeps it from unloading.
 */
static long psh_ioctl_query(struct psh_file *pf, void __user *argp)
{
	bool (*available)(struct page *page);
	bool (*really)(struct page *page);
	int (*pincount)(struct page *page);
	struct psh_query req;
	struct page *page;
	long ret = 0;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (get_user_pages_fast(req.addr, 1, 0, &page) != 1)
		return -EFAULT;
	available = symbol_get(pinshadow_page_pincount_available);
	pincount = symbol_get(pinshadow_page_pincount);
	really = symbol_get(pinshadow_page_really_is_dma_pinned);
	if (available && pincount && really) {
		req.pfn = page_to_pfn(page);
		req.available = available(page);
		req.pincount = pincount(page);
		req.really_pinned = really(page);
		if (copy_to_user(argp, &req, sizeof(req)))
			ret = -EFAULT;
	} else {
		ret = -ENOENT;
	}
	if (available)
		symbol_put(pinshadow_page_pincount_available);
	if (pincount)
		symbol_put(pinshadow_page_pincount);
	if (really)
		symbol_put(pinshadow_page_really_is_dma_pinned);
	put_page(page);
	return ret;
}

/* Each command's handler; those that need no slot ignore @pf. */
static const struct {
	unsigned int cmd;
	long (*fn)(struct psh_file *pf, void __user *argp);
} psh_ioctls[] = {
	{ PSH_IOC_PIN, psh_ioctl_pin },
	{ PSH_IOC_UNPIN, psh_ioctl_unpin },
	{ PSH_IOC_PFNS, psh_ioctl_pfns },
	{ PSH_IOC_QUERY, psh_ioctl_query },
	{ PSH_IOC_MEMFD_PIN, psh_ioctl_memfd_pin },
	{ PSH_IOC_UNPIN_RANGE, psh_ioctl_unpin_range },
	{ PSH_IOC_LEAK, psh_ioctl_leak },
	{ PSH_IOC_LEAK_RELEASE, psh_ioctl_leak_release },
};

static long psh_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(psh_ioctls); i++)
		if (psh_ioctls[i].cmd == cmd)
			return psh_ioctls[i].fn(file->private_data,
						(void __user *)arg);
	return -ENOTTY;
}

static int psh_open(struct inode *inode, struct file *file)
{
	struct psh_file *pf;

	pf = kzalloc(sizeof(*pf), GFP_KERNEL);
	if (!pf)
		return -ENOMEM;
	mutex_init(&pf->lock);
	file->private_data = pf;
	return nonseekable_open(inode, file);
}

static int psh_release(struct inode *inode, struct file *file)
{
	struct psh_file *pf = file->private_data;
	unsigned int i;

	for (i = 0; i < PSH_MAX_SLOTS; i++) {
		struct psh_slot *s = &pf->slots[i];
		unsigned long j, run;

		if (!s->pages)
			continue;
		/* Runs of pages not unpinned yet (before 6.12 no NULL). */
		for (j = 0; j < s->nr; j += run + 1) {
			run = 0;
			while (j + run < s->nr && s->pages[j + run])
				run++;
			if (run)
				unpin_user_pages(s->pages + j, run);
		}
		kvfree(s->pages);
	}
	mutex_destroy(&pf->lock);
	kfree(pf);
	return 0;
}

static const struct file_operations psh_fops = {
	.owner		= THIS_MODULE,
	.open		= psh_open,
	.release	= psh_release,
	.unlocked_ioctl	= psh_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static int __init psh_init(void)
{
	psh_dentry = debugfs_create_file(kbasename(PSH_DEBUGFS_PATH), 0600,
					 NULL, NULL, &psh_fops);
	if (IS_ERR(psh_dentry))
		return PTR_ERR(psh_dentry);
	return 0;
}

static void __exit psh_exit(void)
{
	debugfs_remove(psh_dentry);
	psh_leaks_release(PSH_LEAK_ALL);
}

module_init(psh_init);
module_exit(psh_exit);

MODULE_DESCRIPTION("pinshadow test helper: pins user pages on request");
MODULE_LICENSE("GPL");
