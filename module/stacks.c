// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel stacks of pin calls.
 *
 * A pin API's entry probe saves the stack of its caller (unwound from the
 * probe's registers: see save_from_regs()) and finds or adds it in
 * a table of PS_STACK_SLOTS slots allocated at load: open addressing on a
 * hash of the frames, at most PS_STACK_PROBE_LEN slots tried.  The handle
 * is the slot's index + 1.  Slots are never freed until a reset, like the
 * kernel's stack depot; a capture that finds no room, or that would have to
 * add a stack from NMI context, is lost (lost_stacks).  The kernel's stack
 * depot is not used: its entries cannot be forgotten at a reset, on 6.1 and
 * 6.12 it adds a stack without allocating only while a pool allocated by an
 * earlier allocating save is left, and the per-stack counters below need a
 * table keyed by stack anyway.
 *
 * Each slot counts the pin calls that captured it (calls) and the pages
 * whose table entry holds a record of this stack (pages): records.c moves
 * a page on and off a stack where it moves it on and off a record.
 *
 * Notes on locking
 * ----------------
 * PREEMPT_RT: probe context takes only stacks_lock, a raw_spinlock_t, and
 *   neither allocates nor sleeps.
 * stacks_lock: serialises adding a stack (a slot's frames, hash and nr are
 *   written under it, nr last with release semantics).  Lookups take no
 *   lock: a slot whose nr (acquire) is non-zero is complete and does not
 *   change until a reset.  Not taken in NMI context: there a stack that is
 *   not in the table yet is lost.
 * pages, calls: atomics, updated from any context.
 * A reset clears the table with the probes quiesced; a reader of "stacks"
 *   racing it may print a slot half cleared (symbols only, never an
 *   address).
 */
#include <linux/atomic.h>
#include <linux/ctype.h>
#include <linux/jhash.h>
#include <linux/kallsyms.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <asm/unwind.h>

#include "seqfile.h"
#include "stacks.h"
#include "stats.h"

static bool capture_stacks = true;
module_param(capture_stacks, bool, 0644);
MODULE_PARM_DESC(capture_stacks,
		 "save the kernel stack of every pin call (default 1)");

#define PS_STACK_SLOTS		2048	/* a power of 2 */
#define PS_STACK_PROBE_LEN	32
#define PS_STACK_DEPTH		16	/* frames kept */

struct ps_stack {
	u32 hash;
	u32 nr;				/* frames; 0: a free slot */
	atomic_long_t pages;
	atomic_long_t calls;
	unsigned long frames[PS_STACK_DEPTH];
};

static struct ps_stack *stacks;
static atomic_t stacks_used;
static DEFINE_RAW_SPINLOCK(stacks_lock);

bool ps_stacks_capturing(void)
{
	return READ_ONCE(capture_stacks);
}

static bool slot_holds(struct ps_stack *s, u32 hash, const unsigned long *f,
		       unsigned int nr)
{
	return s->hash == hash && s->nr == nr &&
	       !memcmp(s->frames, f, nr * sizeof(*f));
}

/* The slot holding the stack, or the first free one (-1 if neither). */
static int slot_find(u32 hash, const unsigned long *f, unsigned int nr,
		     bool *found)
{
	unsigned int i, idx = hash & (PS_STACK_SLOTS - 1);

	for (i = 0; i < PS_STACK_PROBE_LEN; i++) {
		struct ps_stack *s = &stacks[idx];

		/* Pairs with the release in ps_stack_capture(). */
		if (!smp_load_acquire(&s->nr)) {
			*found = false;
			return idx;
		}
		if (slot_holds(s, hash, f, nr)) {
			*found = true;
			return idx;
		}
		idx = (idx + 1) & (PS_STACK_SLOTS - 1);
	}
	*found = false;
	return -1;
}

/*
 * The probed function, then its callers, unwound from the probe's
 * registers as arch_stack_walk() does for stack_trace_save_regs() (which
 * is not exported).  Not stack_trace_save() from the handler: where the
 * kprobe is jump-optimised (no ftrace, as in the debug kernel), the
 * unwinder cannot get past the optprobe trampoline and the stack ended
 * there.  The registers are the probed function's at its entry, whatever
 * the kprobe's kind, and the x86 unwinder is exported on every kernel.
 */
static unsigned int save_from_regs(unsigned long *f, unsigned int max,
				   unsigned long probed, struct pt_regs *regs)
{
	struct unwind_state state;
	unsigned int nr = 0;
	unsigned long addr;

	f[nr++] = probed;
	for (unwind_start(&state, current, regs, NULL);
	     !unwind_done(&state) && nr < max; unwind_next_frame(&state)) {
		addr = unwind_get_return_address(&state);
		if (!addr)
			break;
		f[nr++] = addr;
	}
	return nr;
}

u32 ps_stack_capture(unsigned long probed, struct pt_regs *regs)
{
	unsigned long f[PS_STACK_DEPTH], flags;
	unsigned int nr;
	struct ps_stack *s;
	bool found;
	u32 hash;
	int idx;

	if (!READ_ONCE(capture_stacks) || !stacks)
		return PS_STACK_NONE;
	nr = save_from_regs(f, ARRAY_SIZE(f), probed, regs);
	hash = jhash2((u32 *)f, nr * sizeof(*f) / sizeof(u32), 0);
	idx = slot_find(hash, f, nr, &found);
	if (found)
		return idx + 1;
	if (idx < 0 || in_nmi())
		goto lost;
	raw_spin_lock_irqsave(&stacks_lock, flags);
	/* Another CPU may have added it, or taken the free slot. */
	idx = slot_find(hash, f, nr, &found);
	if (idx >= 0 && !found) {
		s = &stacks[idx];
		s->hash = hash;
		memcpy(s->frames, f, nr * sizeof(*f));
		atomic_long_set(&s->pages, 0);
		atomic_long_set(&s->calls, 0);
		/* The frames before nr: see slot_find(). */
		smp_store_release(&s->nr, nr);
		atomic_inc(&stacks_used);
		found = true;
	}
	raw_spin_unlock_irqrestore(&stacks_lock, flags);
	if (found)
		return idx + 1;
lost:
	ps_lost(PS_LOST_STACKS, "stacks");
	return PS_STACK_NONE;
}

static struct ps_stack *stack_slot(u32 stack)
{
	if (stack == PS_STACK_NONE || stack > PS_STACK_SLOTS || !stacks)
		return NULL;
	return &stacks[stack - 1];
}

void ps_stack_call(u32 stack)
{
	struct ps_stack *s = stack_slot(stack);

	if (s)
		atomic_long_inc(&s->calls);
}

void ps_stack_pages_add(u32 stack, long nr)
{
	struct ps_stack *s = stack_slot(stack);

	if (s && nr)
		atomic_long_add(nr, &s->pages);
}

u64 ps_stacks_count(void)
{
	return atomic_read(&stacks_used);
}

u64 ps_stacks_bytes(void)
{
	return stacks ? PS_STACK_SLOTS * sizeof(*stacks) : 0;
}

int ps_stacks_init(void)
{
	stacks = vzalloc(PS_STACK_SLOTS * sizeof(*stacks));
	return stacks ? 0 : -ENOMEM;
}

void ps_stacks_exit(void)
{
	vfree(stacks);
	stacks = NULL;
}

void ps_stacks_reset(void)
{
	unsigned long flags;
	int i;

	for (i = 0; i < PS_STACK_SLOTS; i++) {
		raw_spin_lock_irqsave(&stacks_lock, flags);
		memset(&stacks[i], 0, sizeof(stacks[i]));
		raw_spin_unlock_irqrestore(&stacks_lock, flags);
	}
	atomic_set(&stacks_used, 0);
}

/*
 * One frame as one word: "symbol+0xoff/0xsize", "[module]" appended
 * without a space, "?" when it resolves to no symbol (never an address).
 * The first frame is the probed function's own address, the others are
 * return addresses.
 */
static void frame_show(struct seq_file *m, unsigned long addr, bool first)
{
	char buf[KSYM_SYMBOL_LEN + 8], *c, *o;

	/*
	 * %pB looks a return address up as the call before it; at a
	 * function's first byte (a probe on 6.1, without endbr64) that is
	 * the function before, so the probed address takes %pS.
	 */
	if (first)
		snprintf(buf, sizeof(buf), "%pS", (void *)addr);
	else
		snprintf(buf, sizeof(buf), "%pB", (void *)addr);
	if (!buf[0] || !strncmp(buf, "0x", 2)) {
		seq_putc(m, '?');
		return;
	}
	for (c = o = buf; *c; c++)
		if (!isspace(*c))
			*o++ = *c;
	*o = '\0';
	seq_puts(m, buf);
}

/* stacks: *pos is 0 for the header, then slot index + 1. */

static void *stacks_find(loff_t *pos)
{
	while (*pos <= PS_STACK_SLOTS) {
		/* A slot with frames: see ps_stack_capture(). */
		if (smp_load_acquire(&stacks[*pos - 1].nr))
			return &stacks[*pos - 1];
		++*pos;
	}
	return NULL;
}

static void *stacks_start(struct seq_file *m, loff_t *pos)
{
	if (*pos == 0)
		return SEQ_START_TOKEN;
	cond_resched();
	return stacks_find(pos);
}

static void *stacks_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return stacks_find(pos);
}

static void stacks_stop(struct seq_file *m, void *v)
{
}

static int stacks_show(struct seq_file *m, void *v)
{
	struct ps_stack *s = v;
	unsigned int i, nr;

	if (v == SEQ_START_TOKEN) {
		seq_puts(m, "handle pages calls frames\n");
		return 0;
	}
	/* Frames complete once nr is set: see ps_stack_capture(). */
	nr = min_t(unsigned int, smp_load_acquire(&s->nr), PS_STACK_DEPTH);
	seq_printf(m, "%ld %ld %ld ", (long)(s - stacks) + 1,
		   atomic_long_read(&s->pages), atomic_long_read(&s->calls));
	for (i = 0; i < nr; i++) {
		if (i)
			seq_putc(m, ',');
		frame_show(m, READ_ONCE(s->frames[i]), !i);
	}
	if (!nr)
		seq_putc(m, '?');
	seq_putc(m, '\n');
	return 0;
}

PS_SEQ_FOPS(, ps_stacks_fops, stacks);
