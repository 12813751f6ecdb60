/* SPDX-License-Identifier: GPL-2.0 */
/*
 * COW-decision audit: what fork and write faults did with pinned and
 * maybe-pinned anonymous pages, judged against the exact counts, and what
 * each design from the extra-PTE discussion would have decided instead.
 */
#ifndef PINSHADOW_COW_H
#define PINSHADOW_COW_H

#include <linux/fs.h>
#include <linux/ptrace.h>
#include <linux/seq_file.h>
#include <linux/types.h>

enum ps_policy {
	PS_POLICY_KERNEL,	/* MMF_HAS_PINNED && folio_maybe_dma_pinned */
	PS_POLICY_EXACT,	/* exact per-page count > 0 */
	PS_POLICY_STICKY,	/* the page was ever pinned since load */
	PS_POLICY_PMD,		/* a page of the same 2 MiB (PMD) is pinned */
	PS_POLICY_PTE,		/* a held pin was taken through this mm here */
	PS_NR_POLICIES
};

/* What stats counts for each policy (PS_POLICY_BASE in stats.h). */
enum ps_policy_field {
	PS_POL_DECISIONS,	/* decisions replayed */
	PS_POL_COPIES,		/* of them, copies */
	PS_POL_NEEDLESS,	/* copies of a page with exact count 0 */
	PS_POL_UNSAFE,		/* shares of a page with exact count > 0 */
	PS_NR_POL_FIELDS
};

/* Data a fork or write-fault kretprobe instance needs. */
#define PS_COW_CALL_SIZE	64

int ps_cow_init(void);
void ps_cow_exit(void);
bool ps_cow_audit_enabled(void);
void ps_cow_audit_set(bool on);
/* Forget the events; the caller has quiesced the probes.  Sleeps. */
void ps_cow_reset(void);
/* The longest fork audit handlers (entry: the walk; exit: the judging). */
u64 ps_cow_walk_max_ns(void);
u64 ps_cow_judge_max_ns(void);

/* copy_page_range(dst_vma, src_vma) entry and return. */
int ps_cow_fork_entry(void *data, struct pt_regs *regs);
void ps_cow_fork_exit(void *data, struct pt_regs *regs);
/* do_wp_page(vmf), do_huge_pmd_wp_page(vmf), hugetlb_wp(...). */
int ps_cow_wp_entry(void *data, struct mm_struct *mm, unsigned long address);
void ps_cow_wp_exit(void *data, struct pt_regs *regs);

/* debugfs cow_audit: a seq_file iterator with the event's seq as cursor. */
extern const struct file_operations ps_cow_audit_fops;
void ps_cow_policies_show(struct seq_file *m);

#endif /* PINSHADOW_COW_H */
