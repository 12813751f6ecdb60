// SPDX-License-Identifier: GPL-2.0
/*
 * The equalities, with the module's names:
 *   vmstat_acquired + vmstat_bypass_pins == pins_acquired
 *     (folio_add_pin() pins bypass the kernel's acquired counter)
 *   vmstat_released == pins_released
 *   pins_acquired - pins_released == pins_outstanding
 * and missed_events == 0, lost_events == 0, and no probe silent, bad_args
 * or failed (the probes file's state column).  With the folio ledger off
 * (stats: folio_ledger 0, the module's fast mode) only the net one:
 *   vmstat_acquired + vmstat_bypass_pins - vmstat_released
 *     == pins_outstanding - untracked_unpins.  A stat the module does not
 * print fails the check: a number we cannot compare is not a pass.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "selfcheck.h"

static void reason(struct ps_selfcheck *sc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void reason(struct ps_selfcheck *sc, const char *fmt, ...)
{
	va_list ap;

	sc->ok = false;
	if (sc->nreasons == PS_SELFCHECK_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(sc->reasons[sc->nreasons++], sizeof(sc->reasons[0]), fmt,
		  ap);
	va_end(ap);
}

/* Fetch @names into @v; false (with a reason) if any is missing. */
static bool get_all(const struct ps_stats *st, struct ps_selfcheck *sc,
		    const char *const *names, int64_t *v, int n)
{
	bool all = true;
	int i;

	for (i = 0; i < n; i++) {
		if (!ps_stats_get(st, names[i], &v[i])) {
			reason(sc, "stats has no %s", names[i]);
			all = false;
		}
	}
	return all;
}

void ps_selfcheck(const struct ps_stats *st, const struct ps_probe *pr,
		  size_t npr, struct ps_selfcheck *sc)
{
	static const char *const ledger[] = {
		"pins_acquired", "pins_released", "pins_outstanding",
		"vmstat_acquired", "vmstat_released", "vmstat_bypass_pins",
	};
	static const char *const events[] = { "missed_events", "lost_events" };
	static const char *const net[] = { "untracked_unpins" };
	int64_t l[6], e[2], u, folio = 1;
	bool counters_bad = false, events_bad = false;
	size_t i;

	memset(sc, 0, sizeof(*sc));
	sc->ok = true;
	ps_stats_get(st, "folio_ledger", &folio);
	if (!get_all(st, sc, ledger, l, 6) ||
	    (!folio && !get_all(st, sc, net, &u, 1))) {
		events_bad = true;
	} else if (!folio) {
		if (l[3] + l[5] - l[4] != l[2] - u) {
			reason(sc, "vmstat_acquired + vmstat_bypass_pins - vmstat_released = %" PRId64 " != pins_outstanding - untracked_unpins = %" PRId64,
			       l[3] + l[5] - l[4], l[2] - u);
			counters_bad = true;
		}
	} else {
		if (l[3] + l[5] != l[0]) {
			reason(sc, "vmstat_acquired + vmstat_bypass_pins = %" PRId64 " != pins_acquired = %" PRId64,
			       l[3] + l[5], l[0]);
			counters_bad = true;
		}
		if (l[4] != l[1]) {
			reason(sc, "vmstat_released = %" PRId64 " != pins_released = %" PRId64,
			       l[4], l[1]);
			counters_bad = true;
		}
		if (l[0] - l[1] != l[2]) {
			reason(sc, "pins_acquired - pins_released = %" PRId64 " != pins_outstanding = %" PRId64,
			       l[0] - l[1], l[2]);
			counters_bad = true;
		}
	}
	if (get_all(st, sc, events, e, 2)) {
		if (e[0]) {
			reason(sc, "missed_events = %" PRId64, e[0]);
			events_bad = true;
		}
		if (e[1]) {
			reason(sc, "lost_events = %" PRId64, e[1]);
			events_bad = true;
		}
	} else {
		events_bad = true;
	}
	for (i = 0; i < npr; i++) {
		if (!ps_probe_state_bad(pr[i].state))
			continue;
		reason(sc, "probe %s is %s%s%s%s", pr[i].name, pr[i].state,
		       pr[i].reason[0] ? " (" : "", pr[i].reason,
		       pr[i].reason[0] ? ")" : "");
		events_bad = true;
	}
	sc->transient = counters_bad && !events_bad;
}
