/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ABI of the benchmark-only module pinshadow_bench (tests/bench/), shared by
 * the module and tests/bench/psbench.c.  Fixed-width types only: the same
 * header is compiled by the kernel and by userspace.
 *
 * /sys/kernel/debug/pinshadow_bench takes one ioctl, PSB_IOC_LOOP: pin
 * nr_pages pages at addr with pin_user_pages_fast() and release them with
 * unpin_user_pages(), again and again inside the kernel, until budget_ns
 * has passed (or max_iters calls).  Timing inside the kernel leaves the
 * syscall and the page-array allocation out of the per-call cost, so the
 * ratio with and without pinshadow is that of the pin and unpin paths.
 */
#ifndef PINSHADOW_BENCH_H
#define PINSHADOW_BENCH_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define PSB_DEBUGFS_PATH	"/sys/kernel/debug/pinshadow_bench"
#define PSB_MAX_BATCH		4096

/* psb_loop.flags */
#define PSB_F_WRITE		0x1	/* FOLL_WRITE */
#define PSB_F_LONGTERM		0x2	/* FOLL_LONGTERM */

struct psb_loop {
	__u64 addr;		/* in: user address, page aligned */
	__u64 nr_pages;		/* in: pages per call, 1..PSB_MAX_BATCH */
	__u64 budget_ns;	/* in: loop until this long has passed */
	__u64 max_iters;	/* in: and at most this many calls (0: no limit) */
	__u32 flags;		/* in: PSB_F_* */
	__u32 pad;
	__u64 iters;		/* out: pin + unpin pairs done */
	__u64 ns;		/* out: time they took */
	__u64 large;		/* out: pages of the first batch in a large folio */
};

#define PSB_IOC_MAGIC	'B'
#define PSB_IOC_LOOP	_IOWR(PSB_IOC_MAGIC, 1, struct psb_loop)

#endif /* PINSHADOW_BENCH_H */
