// SPDX-License-Identifier: GPL-2.0
/* The self-check verdict on made-up stats. */
#include <stdio.h>
#include <stdlib.h>
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
	ps_selfcheck(&st, NULL, 0, sc);
	ps_stats_free(&st);
}

/* The consistent stats with the probes table @probes. */
static void verdict_probes(const char *probes, struct ps_selfcheck *sc)
{
	char err[PS_ERR_LEN];
	struct ps_probe *pr = NULL;
	struct ps_stats st;
	size_t n = 0;

	if (ps_parse_stats("pins_acquired 10\npins_released 4\n"
			   "pins_outstanding 6\nvmstat_acquired 9\n"
			   "vmstat_bypass_pins 1\nvmstat_released 4\n"
			   "missed_events 0\nlost_events 0\n", &st, err) ||
	    ps_parse_probes(probes, &pr, &n, err)) {
		CHECK(false, "selfcheck: probes sample parses: %s", err);
		memset(sc, 0, sizeof(*sc));
		return;
	}
	ps_selfcheck(&st, pr, n, sc);
	ps_stats_free(&st);
	free(pr);
}

#define PROBES_HEADER "name symbol armed hits nmissed state reason\n"

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
		ps_selfcheck(&st, NULL, 0, &sc);
		ps_stats_free(&st);
		CHECK(!sc.ok && strstr(sc.reasons[0], "stats has no"),
		      "selfcheck: a missing stat is a failure: %s", sc.reasons[0]);
	}
	/* The probes' states: what does not work fails, by name. */
	verdict_probes(PROBES_HEADER
		       "unpin_user_page unpin_user_page 1 8196 0 ok -\n"
		       "try_grab_page - 0 0 0 absent no_such_symbol\n"
		       "gup_put_folio gup_put_folio 1 0 0 inlined 0_seen,8196_counted_around_it\n",
		       &sc);
	CHECK(sc.ok && sc.nreasons == 0,
	      "selfcheck: ok, absent and inlined probes pass: %s",
	      sc.nreasons ? sc.reasons[0] : "");
	verdict_probes(PROBES_HEADER
		       "unpin_user_page unpin_user_page 1 8196 0 ok -\n"
		       "gup_put_folio gup_put_folio 1 0 0 silent 0_seen,nr_foll_pin_released+8196\n",
		       &sc);
	CHECK(!sc.ok && !sc.transient && sc.nreasons == 1 &&
	      strstr(sc.reasons[0], "probe gup_put_folio is silent") &&
	      strstr(sc.reasons[0], "nr_foll_pin_released+8196"),
	      "selfcheck: a silent probe fails, named, not transient: %s",
	      sc.nreasons ? sc.reasons[0] : "");
	verdict_probes(PROBES_HEADER
		       "hugetlb_wp - 0 3 0 bad_args hugetlb_wp:not_(vmf)\n"
		       "copy_page_range - 0 0 0 failed register=-22\n",
		       &sc);
	CHECK(!sc.ok && sc.nreasons == 2 &&
	      strstr(sc.reasons[0], "probe hugetlb_wp is bad_args (hugetlb_wp:not_(vmf))") &&
	      strstr(sc.reasons[1], "probe copy_page_range is failed"),
	      "selfcheck: bad_args and failed probes fail: %s",
	      sc.nreasons ? sc.reasons[0] : "");
	verdict_probes(PROBES_HEADER
		       "try_grab_folio try_grab_folio 1 5 0 off folio_ledger=0\n",
		       &sc);
	CHECK(sc.ok, "selfcheck: probes off by the module parameter pass");
}
