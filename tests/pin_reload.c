// SPDX-License-Identifier: GPL-2.0
/*
 * pinshadow loaded or unloaded while pins are outstanding.
 *
 * load_with_pins_outstanding: pins taken while pinshadow is not loaded are
 * unknown to it; releasing them after it is loaded counts untracked_unpins,
 * and no count ever goes negative.
 *
 * unload_with_pins_outstanding: pinshadow unloads with pins it counted still
 * held; they are released while it is away; loaded again it starts clean.
 *
 * Both end by checking that a fresh pin/unpin cycle is counted exactly.
 *
 * folio_ledger_off: loaded with folio_ledger=0 (no per-folio probes), the
 * page ledger still counts every pin and unpin exactly, the folio ledger's
 * probes are not armed and its counters stay 0, and the net vmstat
 * equality holds; loaded again with the suite's parameters (folio_ledger=1),
 * the folio ledger is back.
 *
 * defaults: loaded with no parameter at all, as a user's insmod does, the
 * module runs with the defaults its documentation gives: folio_ledger 0
 * (the fast mode; its probes not armed) and capture_stacks 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ps_check.h"

#define NPAGES	8
#define FLAGS	(PSH_F_WRITE | PSH_F_LONGTERM)

FIXTURE(reload) {
	struct ps_env env;
	char *buf;
};

FIXTURE_VARIANT(reload) {
	uint32_t unpin;
	uint32_t make_dirty;
};

FIXTURE_VARIANT_ADD(reload, unpin_user_page) {
	.unpin = PSH_UNPIN_PAGE,
};

FIXTURE_VARIANT_ADD(reload, unpin_user_pages) {
	.unpin = PSH_UNPIN_PAGES,
};

FIXTURE_VARIANT_ADD(reload, unpin_user_pages_dirty_lock_clean) {
	.unpin = PSH_UNPIN_DIRTY_LOCK, .make_dirty = 0,
};

FIXTURE_VARIANT_ADD(reload, unpin_user_pages_dirty_lock_dirty) {
	.unpin = PSH_UNPIN_DIRTY_LOCK, .make_dirty = 1,
};

FIXTURE_VARIANT_ADD(reload, unpin_user_page_range_dirty_lock) {
	.unpin = PSH_UNPIN_RANGE_DIRTY, .make_dirty = 1,
};

FIXTURE_VARIANT_ADD(reload, unpin_folio) {
	.unpin = PSH_UNPIN_FOLIO,
};

FIXTURE_VARIANT_ADD(reload, unpin_folios) {
	.unpin = PSH_UNPIN_FOLIOS,
};

FIXTURE_VARIANT_ADD(reload, unpin_user_folio) {
	.unpin = PSH_UNPIN_USER_FOLIO,
};

FIXTURE_SETUP(reload)
{
	/* Pins taken before the load are released after it. */
	if (!ps_reload_fixture_setup(_metadata, &self->env, true))
		return;
	if (!psh_unpin_supported(self->env.helper_fd, variant->unpin))
		SKIP(return, "%s: not in this kernel",
		     psh_unpin_api_name(variant->unpin));
	self->buf = ps_small_buf(_metadata, NPAGES);
}

FIXTURE_TEARDOWN(reload)
{
	ps_fixture_teardown(_metadata, &self->env, 5000);
}

static void unload(struct __test_metadata *_metadata)
{
	int err = ps_rmmod(PS_MODULE);

	ASSERT_EQ(0, err) TH_LOG("rmmod %s: %s", PS_MODULE, strerror(-err));
	ASSERT_FALSE(ps_module_loaded(PS_MODULE));
}

static void load(struct __test_metadata *_metadata)
{
	int err = ps_load(NULL);

	ASSERT_EQ(0, err) TH_LOG("insmod %s: %s", ps_ko_path(),
				 strerror(-err));
	ASSERT_EQ(0, access(PINSHADOW_DEBUGFS_DIR "/stats", R_OK));
}

static uint32_t pin_all(struct __test_metadata *_metadata,
			FIXTURE_DATA(reload) *self, uint64_t *pfns)
{
	struct psh_pin req;
	uint64_t n;

	ASSERT_EQ(0, psh_pin(self->env.helper_fd, self->buf, NPAGES,
			     PSH_PIN_FAST, FLAGS, &req));
	ASSERT_EQ(NPAGES, req.result);
	ASSERT_EQ(0, psh_pfns(self->env.helper_fd, req.slot, pfns, NPAGES,
			      &n));
	ASSERT_EQ((uint64_t)NPAGES, n);
	return req.slot;
}

/*
 * `lookup` of each of the NPAGES @pfns shows @count pins; @longterm and
 * the kernel's own @maybe_pinned when not -1.
 */
static void expect_lookups(struct __test_metadata *_metadata,
			   const uint64_t *pfns, int64_t count,
			   int64_t longterm, int64_t maybe_pinned)
{
	struct ps_lookup lk;
	int i;

	for (i = 0; i < NPAGES; i++) {
		ASSERT_EQ(0, ps_lookup_pfn(pfns[i], &lk));
		EXPECT_EQ(count, lk.count) {
			TH_LOG("%s", lk.line);
		}
		if (longterm >= 0) {
			EXPECT_EQ(longterm, lk.longterm) {
				TH_LOG("%s", lk.line);
			}
		}
		if (maybe_pinned >= 0) {
			EXPECT_EQ(maybe_pinned, lk.maybe_pinned) {
				TH_LOG("%s", lk.line);
			}
		}
	}
}

/* pinshadow counts nothing on @pfns, whatever the kernel holds. */
static void check_unknown(struct __test_metadata *_metadata,
			  const uint64_t *pfns, int maybe_pinned)
{
	struct ps_expect e = {
		.watch = pfns, .nwatch = NPAGES, .exact = true,
	};

	ps_check_pins(_metadata, &e);
	/* And the kernel's own view of the page. */
	expect_lookups(_metadata, pfns, 0, 0, maybe_pinned);
}

/* After a (re)load: a fresh cycle is counted exactly. */
static void fresh_cycle(struct __test_metadata *_metadata,
			FIXTURE_DATA(reload) *self,
			const FIXTURE_VARIANT(reload) *variant)
{
	static const struct ps_range halves[] = {
		{ 0, 3 }, { 3, NPAGES - 3 },
	};
	struct ps_plan p;

	ps_plan_init(&p, &self->env, self->buf, NPAGES, PSH_PIN_FAST, FLAGS,
		     halves, ARRAY_SIZE(halves));
	ps_plan_run(_metadata, &p, variant->unpin, variant->make_dirty);
	ps_plan_free(&p);
}

TEST_F_TIMEOUT(reload, load_with_pins_outstanding, 120)
{
	uint64_t pfns[NPAGES];
	struct ps_test_stats a, b;
	struct ps_vm va, vb;
	uint32_t slot;
	int err;

	unload(_metadata);
	slot = pin_all(_metadata, self, pfns);
	load(_metadata);

	ps_get_stats(_metadata, &a);
	EXPECT_EQ(0, a.v[PS_pins_acquired]);
	EXPECT_EQ(0, a.v[PS_pins_released]);
	EXPECT_EQ(0, a.v[PS_untracked_unpins]);
	check_unknown(_metadata, pfns, 1);

	ps_get_vm(_metadata, &va);
	err = psh_unpin(self->env.helper_fd, slot, variant->unpin,
			variant->make_dirty);
	ASSERT_EQ(0, err) TH_LOG("%s: %s", psh_unpin_api_name(variant->unpin),
				 strerror(-err));
	ps_get_stats(_metadata, &b);
	ps_get_vm(_metadata, &vb);

	/* Every release hit a page pinshadow never saw pinned. */
	EXPECT_EQ(NPAGES, PS_DELTA(&a, &b, untracked_unpins));
	EXPECT_EQ(NPAGES, PS_DELTA(&a, &b, pins_released));
	EXPECT_EQ(0, PS_DELTA(&a, &b, api_unpins));
	EXPECT_EQ(0, PS_DELTA(&a, &b, pins_acquired));
	EXPECT_EQ(NPAGES, vb.released - va.released);
	/* Nothing went negative. */
	EXPECT_EQ(0, b.v[PS_pins_outstanding]);
	EXPECT_EQ(0, b.v[PS_pinned_pages]);
	EXPECT_EQ(0, b.v[PS_longterm_outstanding]);
	check_unknown(_metadata, pfns, 0);

	fresh_cycle(_metadata, self, variant);
}

TEST_F_TIMEOUT(reload, unload_with_pins_outstanding, 120)
{
	uint64_t pfns[NPAGES];
	struct ps_test_stats st;
	uint32_t slot;
	int err, i;

	slot = pin_all(_metadata, self, pfns);
	expect_lookups(_metadata, pfns, 1, -1, -1);

	unload(_metadata);
	err = psh_unpin(self->env.helper_fd, slot, variant->unpin,
			variant->make_dirty);
	ASSERT_EQ(0, err) TH_LOG("%s: %s", psh_unpin_api_name(variant->unpin),
				 strerror(-err));
	load(_metadata);

	/* A clean start: no count and no event survived the unload. */
	ps_get_stats(_metadata, &st);
	for (i = 0; i < PS_NR_STATS; i++) {
		if (i == PS_table_bytes)
			continue;
		EXPECT_EQ(0, st.v[i]) {
			TH_LOG("%s after reload", ps_stat_name(i));
		}
	}
	check_unknown(_metadata, pfns, 0);

	fresh_cycle(_metadata, self, variant);
}

FIXTURE(fast) {
	struct ps_env env;
	char *buf;
};

FIXTURE_SETUP(fast)
{
	if (!ps_reload_fixture_setup(_metadata, &self->env, false))
		return;
	self->buf = ps_small_buf(_metadata, NPAGES);
}

FIXTURE_TEARDOWN(fast)
{
	int err;

	/* Back to the suite's load whatever happened. */
	err = ps_reload(NULL);
	if (err)
		TH_LOG("reload: %s", strerror(-err));
	ps_fixture_teardown(_metadata, &self->env, 5000);
}

/*
 * Reload with @params and check the fast mode: folio_ledger 0, its probes
 * not armed, the page ledger's armed.
 */
static void reload_fast(struct __test_metadata *_metadata, const char *params)
{
	static const char *const names[] = { "folio_ledger" };
	int64_t v;
	int err;

	err = ps_reload(params);
	ASSERT_EQ(0, err) TH_LOG("reload %s: %s", params, strerror(-err));
	ASSERT_EQ(0, ps_stats_named(names, &v, 1));
	EXPECT_EQ(0, v);
	EXPECT_EQ(0, ps_probe_armed("try_grab_folio"));
	EXPECT_EQ(0, ps_probe_armed("gup_put_folio"));
	EXPECT_EQ(1, ps_probe_armed("pin_user_pages_fast"));
	EXPECT_EQ(1, ps_probe_armed("unpin_user_pages"));
}

TEST_F_TIMEOUT(fast, folio_ledger_off, 120)
{
	static const char *const names[] = {
		"folio_ledger", "vmstat_acquired", "vmstat_released",
		"vmstat_bypass_pins", "pins_outstanding", "untracked_unpins",
	};
	int64_t v[6];
	struct ps_test_stats a, b;
	uint64_t pfns[NPAGES], n;
	struct psh_pin req;
	int err;

	reload_fast(_metadata, "folio_ledger=0");

	ps_get_stats(_metadata, &a);
	ASSERT_EQ(0, psh_pin(self->env.helper_fd, self->buf, NPAGES,
			     PSH_PIN_FAST, FLAGS, &req));
	ASSERT_EQ(NPAGES, req.result);
	ASSERT_EQ(0, psh_pfns(self->env.helper_fd, req.slot, pfns, NPAGES,
			      &n));
	expect_lookups(_metadata, pfns, 1, 1, -1);
	ps_get_stats(_metadata, &b);
	EXPECT_EQ(NPAGES, PS_DELTA(&a, &b, pins_outstanding));
	EXPECT_EQ(NPAGES, PS_DELTA(&a, &b, pinned_pages));
	EXPECT_EQ(NPAGES, PS_DELTA(&a, &b, api_pins));
	EXPECT_EQ(0, b.v[PS_pins_acquired]);

	ASSERT_EQ(0, psh_unpin(self->env.helper_fd, req.slot,
			       PSH_UNPIN_PAGES, 0));
	ps_get_stats(_metadata, &b);
	EXPECT_EQ(0, b.v[PS_pins_outstanding]);
	EXPECT_EQ(0, b.v[PS_pinned_pages]);
	EXPECT_EQ(NPAGES, PS_DELTA(&a, &b, api_unpins));
	EXPECT_EQ(0, b.v[PS_pins_released]);
	EXPECT_EQ(0, b.v[PS_rollback_unpins]);
	/* The net equality: what the kernel holds, pinshadow holds. */
	ASSERT_EQ(0, ps_stats_named(names, v, 6));
	EXPECT_EQ(v[1] + v[3] - v[2], v[4] - v[5]);
	EXPECT_EQ(NPAGES, v[1]);

	err = ps_reload(NULL);
	ASSERT_EQ(0, err) TH_LOG("reload: %s", strerror(-err));
	ASSERT_EQ(0, ps_stats_named(names, v, 1));
	EXPECT_EQ(1, v[0]);
	EXPECT_EQ(1, ps_probe_armed("gup_put_folio"));
}

TEST_F_TIMEOUT(fast, defaults, 120)
{
	char *capture;
	size_t len;

	reload_fast(_metadata, "");
	ASSERT_EQ(0, ps_read_file("/sys/module/" PS_MODULE
				  "/parameters/capture_stacks", &capture, &len));
	EXPECT_EQ('Y', capture[0]);
	free(capture);
}

TEST_HARNESS_MAIN
