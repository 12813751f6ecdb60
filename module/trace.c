// SPDX-License-Identifier: GPL-2.0
/*
 * The trace events' definitions (trace.h), and losses counted and traced
 * at once.
 */
#include "stats.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

void ps_lost(enum ps_stat item, const char *what)
{
	ps_stat_inc(item);
	trace_lost(what, 1);
}
