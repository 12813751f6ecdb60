/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel-version difference of the benchmark modules lives here, as
 * module/compat.h and tests/helper/compat.h do for theirs.
 *
 * - fprobe handlers take a struct ftrace_regs from 6.14, when fprobe moved
 *   onto the function graph tracer; a struct pt_regs before.
 */
#ifndef PINSHADOW_BENCH_COMPAT_H
#define PINSHADOW_BENCH_COMPAT_H

#include <linux/version.h>

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 14, 0)
#define psb_fprobe_regs	ftrace_regs
#else
#define psb_fprobe_regs	pt_regs
#endif

#endif /* PINSHADOW_BENCH_COMPAT_H */
