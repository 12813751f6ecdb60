/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel stacks of pin calls, deduplicated: a record keeps a small handle,
 * the way page_owner keeps a stack-depot handle.
 */
#ifndef PINSHADOW_STACKS_H
#define PINSHADOW_STACKS_H

#include <linux/fs.h>
#include <linux/ptrace.h>
#include <linux/types.h>

#define PS_STACK_NONE	0

/*
 * The stack of a call of the probed function at @probed, from its entry
 * probe's handler with the registers it got (@regs): the function, then
 * its callers.  PS_STACK_NONE when capture is off or failed.
 */
u32 ps_stack_capture(unsigned long probed, struct pt_regs *regs);
/* A pin call that captured @stack; pages moved to or off @stack. */
void ps_stack_call(u32 stack);
void ps_stack_pages_add(u32 stack, long nr);

u64 ps_stacks_count(void);
u64 ps_stacks_bytes(void);
bool ps_stacks_capturing(void);

int ps_stacks_init(void);
void ps_stacks_exit(void);
/* Forget every stack; the probes are quiesced and no record holds one. */
void ps_stacks_reset(void);

extern const struct file_operations ps_stacks_fops;

#endif /* PINSHADOW_STACKS_H */
