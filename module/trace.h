/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pinshadow's trace events (tracefs events/pinshadow/): every pin and unpin
 * call the probes count, every audited COW decision and every loss, for
 * perf, trace-cmd and bpftrace.  They fire from probe handlers: ring-buffer
 * writes only, safe in any context, PREEMPT_RT included.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM pinshadow

#if !defined(PINSHADOW_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define PINSHADOW_TRACE_H

#include <linux/tracepoint.h>
#include <linux/types.h>

#define PS_TRACE_NAME_LEN	32

TRACE_EVENT(pin,
	    TP_PROTO(pid_t pid, const char *api, unsigned long pages,
		     unsigned long pfn, bool longterm),
	    TP_ARGS(pid, api, pages, pfn, longterm),
	    TP_STRUCT__entry(__field(pid_t, pid)
			     __array(char, api, PS_TRACE_NAME_LEN)
			     __field(unsigned long, pages)
			     __field(unsigned long, pfn)
			     __field(bool, longterm)),
	    TP_fast_assign(__entry->pid = pid;
			   strscpy(__entry->api, api, PS_TRACE_NAME_LEN);
			   __entry->pages = pages;
			   __entry->pfn = pfn;
			   __entry->longterm = longterm;),
	    TP_printk("pid=%d api=%s pages=%lu pfn=0x%lx longterm=%d",
		      __entry->pid, __entry->api, __entry->pages,
		      __entry->pfn, __entry->longterm)
);

TRACE_EVENT(unpin,
	    TP_PROTO(pid_t pid, unsigned long pages, unsigned long pfn),
	    TP_ARGS(pid, pages, pfn),
	    TP_STRUCT__entry(__field(pid_t, pid)
			     __field(unsigned long, pages)
			     __field(unsigned long, pfn)),
	    TP_fast_assign(__entry->pid = pid;
			   __entry->pages = pages;
			   __entry->pfn = pfn;),
	    TP_printk("pid=%d pages=%lu pfn=0x%lx",
		      __entry->pid, __entry->pages, __entry->pfn)
);

TRACE_EVENT(cow,
	    TP_PROTO(pid_t pid, unsigned long pfn, unsigned int pages,
		     const char *decision, const char *verdict),
	    TP_ARGS(pid, pfn, pages, decision, verdict),
	    TP_STRUCT__entry(__field(pid_t, pid)
			     __field(unsigned long, pfn)
			     __field(unsigned int, pages)
			     __array(char, decision, PS_TRACE_NAME_LEN)
			     __array(char, verdict, PS_TRACE_NAME_LEN)),
	    TP_fast_assign(__entry->pid = pid;
			   __entry->pfn = pfn;
			   __entry->pages = pages;
			   strscpy(__entry->decision, decision, PS_TRACE_NAME_LEN);
			   strscpy(__entry->verdict, verdict, PS_TRACE_NAME_LEN);),
	    TP_printk("pid=%d pfn=0x%lx pages=%u decision=%s verdict=%s",
		      __entry->pid, __entry->pfn, __entry->pages,
		      __entry->decision, __entry->verdict)
);

TRACE_EVENT(lost,
	    TP_PROTO(const char *what, long nr),
	    TP_ARGS(what, nr),
	    TP_STRUCT__entry(__array(char, what, PS_TRACE_NAME_LEN)
			     __field(long, nr)),
	    TP_fast_assign(strscpy(__entry->what, what, PS_TRACE_NAME_LEN);
			   __entry->nr = nr;),
	    TP_printk("what=%s nr=%ld", __entry->what, __entry->nr)
);

#endif /* PINSHADOW_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
