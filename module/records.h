/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pin-call records: who pinned, with which API, and since when.  Pages share
 * them through a 24-bit handle kept in their table entry, the way page_owner
 * shares stack-depot handles, so a page's entry stays 8 bytes.
 */
#ifndef PINSHADOW_RECORDS_H
#define PINSHADOW_RECORDS_H

#include <linux/sched.h>
#include <linux/time64.h>
#include <linux/types.h>

#include "pinshadow_abi.h"

#define PS_HANDLE_BITS	24
#define PS_HANDLE_NONE	0

/* enum ps_api and its names: include/pinshadow_abi.h. */

/*
 * since_ns: when the oldest pin that the pages sharing this record still
 * hold was taken.  pid/comm/api/stack: the last call that pinned them;
 * tgid and leader_start (its thread group leader's start_time) tell,
 * even after the pid is reused, whether that process has exited.
 */
struct ps_record_info {
	u64 since_ns;
	u64 leader_start;
	pid_t pid;
	pid_t tgid;
	u32 stack;
	u8 api;
	char comm[TASK_COMM_LEN];
};

struct ps_record;

/*
 * Where a pin call pinned: the mm its pages were looked up in (the task's,
 * or pin_user_pages_remote()'s argument) and the user address range it
 * asked for.  NULL mm: a call with no user mapping (memfd_pin_folios(),
 * folio_add_pin(s)).  The mm is only ever compared, never dereferenced or
 * shown: it may be freed while the record lives.
 */
struct ps_pin_site {
	const struct mm_struct *mm;
	unsigned long start;
	unsigned long end;
};

/*
 * Record references to drop, gathered over a run of pages: one atomic
 * update (and one lookup) per run of the same handle, not one per page.
 */
struct ps_puts {
	u32 handle;
	u32 nr;
};

static inline void ps_puts_init(struct ps_puts *puts)
{
	puts->handle = PS_HANDLE_NONE;
	puts->nr = 0;
}

void ps_puts_flush(struct ps_puts *puts);
void ps_puts_switch(struct ps_puts *puts, u32 handle);

/* One page gives up a reference to @handle's record (PS_HANDLE_NONE: none). */
static inline void ps_puts_add(struct ps_puts *puts, u32 handle)
{
	/* Inline: an unpin of many pages of one call adds to one record. */
	if (likely(handle == puts->handle))
		puts->nr++;
	else
		ps_puts_switch(puts, handle);
}

/*
 * One pin call, as the return handler of a pin API sees it: its record,
 * with the references for the pages it may pin taken ahead in one add
 * (budget), and a one-entry memo of the record it derived for pages that
 * were already pinned (their since_ns stays, pid/comm/api become this
 * call's).  puts gathers the references the pages it moves give up.
 */
struct ps_call {
	struct ps_record *rec;
	u32 handle;
	u32 stack;
	u32 budget;
	struct ps_record *memo_rec;
	u32 memo_from;
	u32 memo_to;
	long stack_pages;	/* pages moved onto @stack, added at the end */
	struct ps_puts puts;
};

/*
 * A pin call's record.  One task's calls of one API through one mm that
 * start within PS_RECORD_SHARE_NS of a live record's since_ns share it:
 * the age of a pin is then at most that much too old, and a loop of
 * one-page pins creates one record per millisecond, not one per call.
 * Calls with different stacks never share one.  A shared record's address
 * range grows to cover every call's.  @nr_pages: the most pages the call
 * pins (the references taken ahead).  @stack: its stack handle (stacks.h).
 * @site: where it pins; its range is what the call asked for.
 */
#define PS_RECORD_SHARE_NS	NSEC_PER_MSEC
void ps_call_begin(struct ps_call *call, u8 api, u64 start_ns,
		   unsigned long nr_pages, u32 stack,
		   const struct ps_pin_site *site);
void ps_call_end(struct ps_call *call);
/*
 * The handle a page whose entry holds @old_handle with @old_count pins gets
 * when this call pins it.  If it differs from @old_handle, a reference to
 * it is taken: give it back with ps_call_handle_undo() if the entry could
 * not be changed, else drop @old_handle's with ps_puts_add(&call->puts).
 */
u32 ps_call_handle_slow(struct ps_call *call, u32 old_handle, u32 old_count);
void ps_call_handle_undo(struct ps_call *call, u32 handle);

static inline u32 ps_call_handle_for(struct ps_call *call, u32 old_handle,
				     u32 old_count)
{
	/*
	 * Inline, the common case: a page not pinned before takes one of
	 * the references the call took ahead.
	 */
	if (likely((!old_count || old_handle == PS_HANDLE_NONE) &&
		   call->rec && call->budget)) {
		call->budget--;
		call->stack_pages++;
		return call->handle;
	}
	return ps_call_handle_slow(call, old_handle, old_count);
}

/* Copy out a record's fields; false if the handle is unknown. */
bool ps_record_info(u32 handle, struct ps_record_info *info);
/*
 * The live record @handle names a pin call through @mm whose address range
 * holds @addr (the "pte" policy's question).  Any context, under RCU.
 */
bool ps_record_pinned_at(u32 handle, const struct mm_struct *mm,
			 unsigned long addr);
/* The process that took the pins has exited.  Process context. */
bool ps_record_orphaned(const struct ps_record_info *info);
const char *ps_api_name(unsigned int api);
u64 ps_records_bytes(void);

/* Drop the per-CPU sharing caches' references (records left unused go). */
void ps_records_flush_shared(void);

int ps_records_init(void);
void ps_records_exit(void);
/* Drop every record; the caller has emptied the table and quiesced. */
void ps_records_reset(void);

#endif /* PINSHADOW_RECORDS_H */
