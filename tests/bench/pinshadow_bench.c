// SPDX-License-Identifier: GPL-2.0
/*
 * pinshadow_bench: a timed pin_user_pages_fast() / unpin_user_pages() loop
 * inside the kernel, for `make bench` (tests/bench/).  Benchmark only: never
 * loaded by the tests.  The ABI is tests/bench/pinshadow_bench.h.
 *
 * The loop calls the exported GUP functions, so whatever traces them
 * (pinshadow's kprobes, a bpftrace script) is on the measured path; the
 * syscall, the copy of the request and the page array are not.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

#include "pinshadow_bench.h"

static struct dentry *psb_dentry;

/* The clock is read once per about this many pinned pages. */
#define PSB_CLOCK_PAGES	512

static long psb_loop(struct psb_loop *req, struct page **pages)
{
	unsigned int gup_flags = 0;
	unsigned long nr = req->nr_pages, i, every;
	u64 start, now;
	long ret = 0;
	int got;

	if (req->flags & PSB_F_WRITE)
		gup_flags |= FOLL_WRITE;
	if (req->flags & PSB_F_LONGTERM)
		gup_flags |= FOLL_LONGTERM;
	every = max(1UL, PSB_CLOCK_PAGES / nr);

	req->iters = 0;
	req->large = 0;
	start = ktime_get_ns();
	now = start;
	for (;;) {
		got = pin_user_pages_fast(req->addr, nr, gup_flags, pages);
		if (got != nr) {
			if (got > 0)
				unpin_user_pages(pages, got);
			ret = got < 0 ? got : -EFAULT;
			break;
		}
		if (!req->iters)
			for (i = 0; i < nr; i++)
				req->large += folio_test_large(page_folio(pages[i]));
		unpin_user_pages(pages, nr);
		req->iters++;
		if (req->max_iters && req->iters >= req->max_iters) {
			now = ktime_get_ns();
			break;
		}
		if (req->iters % every)
			continue;
		now = ktime_get_ns();
		if (now - start >= req->budget_ns)
			break;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
	}
	req->ns = now - start;
	return ret;
}

static long psb_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *argp = (void __user *)arg;
	struct psb_loop req;
	struct page **pages;
	long ret;

	if (cmd != PSB_IOC_LOOP)
		return -ENOTTY;
	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (!PAGE_ALIGNED(req.addr) || !req.nr_pages ||
	    req.nr_pages > PSB_MAX_BATCH || req.pad ||
	    (req.flags & ~(PSB_F_WRITE | PSB_F_LONGTERM)))
		return -EINVAL;

	pages = kvcalloc(req.nr_pages, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	ret = psb_loop(&req, pages);
	kvfree(pages);
	if (ret)
		return ret;
	if (copy_to_user(argp, &req, sizeof(req)))
		return -EFAULT;
	return 0;
}

static const struct file_operations psb_fops = {
	.owner		= THIS_MODULE,
	.open		= nonseekable_open,
	.unlocked_ioctl	= psb_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static int __init psb_init(void)
{
	psb_dentry = debugfs_create_file(kbasename(PSB_DEBUGFS_PATH), 0600,
					 NULL, NULL, &psb_fops);
	if (IS_ERR(psb_dentry))
		return PTR_ERR(psb_dentry);
	return 0;
}

static void __exit psb_exit(void)
{
	debugfs_remove(psb_dentry);
}

module_init(psb_init);
module_exit(psb_exit);

MODULE_DESCRIPTION("pinshadow benchmark: timed pin/unpin loop in the kernel");
MODULE_LICENSE("GPL");
