// SPDX-License-Identifier: GPL-2.0
/* The self-check verdict on made-up stats. */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "parse.h"
#include "selfcheck.h"

static void verdict(const char *extra, struct ps_selfcheck *sc)
{
	char text[1024], err[PS_ERR_LEN];
	struct ps_stats st;

	/* @extra comes first and ps_stats_get() takes the first: it overrides. */
	snprintf(text, sizeof(text), "%s"
		 "pins_acquired 10\npins_released 4\npins_outstanding 6\n"
		 "vmstat_acquired 9\nvmstat_bypass_pins 1\nvmstat_released 4\n"
		 "missed_events 0\nlost_events 0\n", extra);
	if (ps_parse_stats(text, &st, err)) {
		CHECK(false, "selfcheck: sample parses: %s", err);
		return;
	}
	ps_selfcheck(&st, sc);
	ps_stats_free(&st);
}

void test_selfcheck(void)
{
	struct ps_selfcheck sc;

	verdict("", &sc);
	CHECK(sc.ok && sc.nreasons == 0, "selfcheck: consistent stats pass");
	verdict("vmstat_acquired 8\n", &sc);
	CHECK(!sc.ok && sc.transient && strstr(sc.reasons[0], "vmstat_acquired"),
	      "selfcheck: vmstat acquired drift fails, may be transient: %s",
	      sc.reasons[0]);
	verdict("vmstat_released 5\n", &sc);
	CHECK(!sc.ok && sc.transient && strstr(sc.reasons[0], "vmstat_released"),
	      "selfcheck: vmstat released drift: %s", sc.reasons[0]);
	verdict("pins_outstanding 7\n", &sc);
	CHECK(!sc.ok && strstr(sc.reasons[0], "pins_outstanding = 7"),
	      "selfcheck: outstanding drift: %s", sc.reasons[0]);
	verdict("missed_events 3\n", &sc);
	CHECK(!sc.ok && !sc.transient && strstr(sc.reasons[0], "missed_events = 3"),
	      "selfcheck: missed events fail for good: %s", sc.reasons[0]);
	verdict("lost_events 1\nvmstat_released 0\n", &sc);
	CHECK(!sc.ok && !sc.transient && sc.nreasons == 2,
	      "selfcheck: several reasons, lost events not transient");
	/* folio_ledger 0: pins_acquired/released stay 0, only the net sum. */
	verdict("folio_ledger 0\npins_acquired 0\npins_released 0\n"
		"pins_outstanding 8\nuntracked_unpins 2\n", &sc);
	CHECK(sc.ok && sc.nreasons == 0,
	      "selfcheck: folio ledger off, net equality passes: %s",
	      sc.nreasons ? sc.reasons[0] : "");
	verdict("folio_ledger 0\npins_acquired 0\npins_released 0\n"
		"pins_outstanding 9\nuntracked_unpins 2\n", &sc);
	CHECK(!sc.ok && sc.transient && sc.nreasons == 1 &&
	      strstr(sc.reasons[0], "untracked_unpins = 7"),
	      "selfcheck: folio ledger off, net drift fails: %s",
	      sc.reasons[0]);
	verdict("folio_ledger 0\n", &sc);
	CHECK(!sc.ok && !sc.transient &&
	      strstr(sc.reasons[0], "stats has no untracked_unpins"),
	      "selfcheck: folio ledger off needs untracked_unpins: %s",
	      sc.reasons[0]);
	{
		char err[PS_ERR_LEN];
		struct ps_stats st;

		ps_parse_stats("pins_acquired 1\n", &st, err);
		ps_selfcheck(&st, &sc);
		ps_stats_free(&st);
		CHECK(!sc.ok && strstr(sc.reasons[0], "stats has no"),
		      "selfcheck: a missing stat is a failure: %s", sc.reasons[0]);
	}
}
