/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pin-call records: who pinned, with which API, and since when.  Pages share
 * them through a 24-bit handle kept in their table entry, the way page_owner
 * shares stack-depot handles, so a page's entry stays 8 bytes.
 */
#ifndef PINSHADOW_RECORDS_H
#define PINSHADOW_RECORDS_H

#include <linux/sched.h>
#include <linux/types.h>

#define PS_HANDLE_BITS	24
#define PS_HANDLE_NONE	0

enum ps_api {
	PS_API_UNKNOWN,
	PS_API_PIN_USER_PAGES,
	PS_API_PIN_USER_PAGES_FAST,
	PS_API_PIN_USER_PAGES_FAST_ONLY,
	PS_API_PIN_USER_PAGES_REMOTE,
	PS_API_PIN_USER_PAGES_UNLOCKED,
	PS_API_MEMFD_PIN_FOLIOS,
	PS_API_FOLIO_ADD_PIN,
	PS_NR_APIS
};

/*
 * since_ns: when the oldest pin that the pages sharing this record still
 * hold was taken.  pid/comm/api: the last call that pinned them.
 */
struct ps_record_info {
	u64 since_ns;
	pid_t pid;
	u8 api;
	char comm[TASK_COMM_LEN];
};

/*
 * One pin call, as the return handler of a pin API sees it: its own record,
 * and a one-entry memo of the record it derived for pages that were already
 * pinned (their since_ns stays, pid/comm/api become this call's).
 */
struct ps_call {
	u32 handle;
	u32 memo_from;
	u32 memo_to;
};

void ps_call_begin(struct ps_call *call, u8 api, u64 start_ns);
void ps_call_end(struct ps_call *call);
/* The handle a page gets when this call pins it; a reference is taken. */
u32 ps_call_handle_for(struct ps_call *call, u32 old_handle, u32 old_count);

void ps_record_put(u32 handle);
/* Copy out a record's fields; false if the handle is unknown. */
bool ps_record_info(u32 handle, struct ps_record_info *info);
const char *ps_api_name(unsigned int api);
u64 ps_records_bytes(void);

int ps_records_init(void);
void ps_records_exit(void);
/* Drop every record; the caller has emptied the table and quiesced. */
void ps_records_reset(void);

#endif /* PINSHADOW_RECORDS_H */
