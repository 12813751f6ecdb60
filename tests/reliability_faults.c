// SPDX-License-Identifier: GPL-2.0
/*
 * Reliability: allocation failures in probe context.
 *
 * pinshadow's probe handlers take what they need from pools (module/pool.c)
 * that its own thread, pinshadow_pool, refills in process context: a table
 * block (a 2 KiB kmem_cache object) on the first pin in each half of a
 * 2 MiB region, the region's "ever pinned" bitmap and a pin-call record
 * (kmem_cache + xarray handle).  A take that finds its pool empty is what
 * a failed GFP_ATOMIC allocation was before: the count must be reported as
 * unknown, never as a wrong number: lost_events counts it, lookup prints
 * exact=0 for the region, verdicts blames `lost`, nothing crashes or
 * leaks, and after the unpins every count is back to 0 with
 * untracked_unpins explaining the pins that were never counted.
 *
 * block_every: pinshadow loaded with fail_block_alloc_every=N (every Nth
 *   block taken from the pool fails).  The test replays every pin and
 *   unpin, page by page in the order the module sees them, on a model of
 *   the table (which regions have a block, the module's allocation counter,
 *   the fallback of an unpin to another subpage of a large folio) and
 *   asserts the module's numbers against the model's: every stat, every
 *   lookup (count, longterm, exact), every `pins` row, every verdicts row
 *   of the buffer.  The pools never run dry here (pool_empty 0).
 *
 * kernel_fault_injection: on a kernel with CONFIG_FAILSLAB and
 *   CONFIG_FAIL_PAGE_ALLOC (the debug kernel; SKIP elsewhere), the kernel's
 *   own fault injection.  The probe handlers no longer allocate, so it is
 *   aimed where pinshadow's allocations are now: at the refill thread only
 *   (task-filter, make-it-fail set on pinshadow_pool), every allocation of
 *   it (ignore-gfp-wait=N: the refills sleep, GFP_KERNEL), while
 *   pool_depth=4 leaves 4 blocks and bitmaps and 8 records in the pools,
 *   all of them shared (no CPU lists).  Every failure injected into a
 *   refill is counted (pool_refill_failures equals the drop of `times`
 *   exactly where only the slab allocator fails), and turns into lost
 *   events only once a pool is empty, exactly as the pool's level says:
 *   a pin call needing 6 new blocks gets 4 and loses the pages of the other
 *   two; ten one-page calls get the records left and lose the rest
 *   (lost_records, api=unknown); every take that found a pool empty is one
 *   lost event or lost record (pool_empty).  Where only the page allocator
 *   fails, a refill fails only when a cache needs a new slab page (maybe
 *   asked at two orders) and may succeed while the call runs: injected
 *   failures bound the refill failures from above, and every page is
 *   either counted exactly or lost (count 0, exact=0).  (A failed bitmap is
 *   a lost event and makes the region exact=0 although its counts stay
 *   exact: only the "sticky" what-if loses.)
 *
 * ps_rel_break=faults (kernel command line, see ps_util.h) loads the
 * module with N+1 but models N, and expects one lost event too many in
 * kernel_fault_injection: to show the checks fail.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "ps_check.h"

/*
 * Not FOLL_LONGTERM: a long-term pin may migrate a page first (CMA), and
 * the migration's own allocations and rollback unpins would blur the exact
 * numbers this test is about.
 */
#define FLAGS		PSH_F_WRITE
#define REGION(pfn)	((pfn) >> 9)	/* a directory slot: 2 MiB */
#define BLOCK(pfn)	((pfn) >> 8)	/* a block of entries: half of one */
#define PARAM_PATH	"/sys/module/pinshadow/parameters/fail_block_alloc_every"
#define MAX_SLOTS	16


/* ------------------------------------------------------------------ */
/* The model of pinshadow's table.                                    */

struct model {
	uint64_t end_pfn;
	uint32_t *cnt;		/* count pinshadow should show */
	uint32_t *truth;	/* pins really held */
	uint32_t *rnz;		/* per region: entries > 0 */
	uint8_t *bblk;		/* per block: allocated (only if rnz > 0) */
	uint8_t *rlost;		/* per region: a loss since load/reset */
	uint8_t *touched;	/* per pfn: pinned at some point */
	uint64_t *head;		/* per touched pfn: head of its folio */
	uint8_t *order;		/* per touched pfn: order of its folio */
	/*
	 * A folio unpin API names no subpage: the count it debits may be
	 * another subpage's, so only each folio's sum is the truth.
	 */
	bool folio_sums;
	unsigned int every;	/* fail_block_alloc_every */
	uint64_t calls;		/* the module's block_alloc_calls */
	int64_t lost_events, api_pins, api_unpins, untracked, fallbacks;
	int64_t outstanding, pinned_pages, blocks, acquired, released;
};

static void m_init(struct __test_metadata *_metadata, struct model *m,
		   uint64_t end_pfn, unsigned int every)
{
	uint64_t nreg = end_pfn / 512 + 1;

	memset(m, 0, sizeof(*m));
	m->end_pfn = end_pfn;
	m->every = every;
	m->cnt = calloc(end_pfn, sizeof(*m->cnt));
	m->truth = calloc(end_pfn, sizeof(*m->truth));
	m->touched = calloc(end_pfn, 1);
	m->head = calloc(end_pfn, sizeof(*m->head));
	m->order = calloc(end_pfn, 1);
	m->rnz = calloc(nreg, sizeof(*m->rnz));
	m->bblk = calloc(2 * nreg, 1);
	m->rlost = calloc(nreg, 1);
	ASSERT_TRUE(m->cnt && m->truth && m->touched && m->rnz && m->rlost &&
		    m->bblk && m->head && m->order);
}

static void m_free(struct model *m)
{
	free(m->cnt);
	free(m->truth);
	free(m->touched);
	free(m->head);
	free(m->order);
	free(m->rnz);
	free(m->bblk);
	free(m->rlost);
	memset(m, 0, sizeof(*m));
}

/* ps_table_pin() of one page. */
static void m_pin(struct model *m, uint64_t pfn, uint64_t head, int order)
{
	uint64_t r = REGION(pfn);

	m->truth[pfn]++;
	m->touched[pfn] = 1;
	m->head[pfn] = head;
	m->order[pfn] = order;
	m->api_pins++;
	m->acquired++;
	if (m->cnt[pfn]) {
		m->cnt[pfn]++;
		m->outstanding++;
		return;
	}
	if (!m->bblk[BLOCK(pfn)]) {	/* slot_reserve() allocates */
		if (m->every && !(++m->calls % m->every)) {
			m->rlost[r] = 1;
			m->lost_events++;
			return;
		}
		m->bblk[BLOCK(pfn)] = 1;
		m->blocks++;
	}
	m->rnz[r]++;
	m->cnt[pfn] = 1;
	m->pinned_pages++;
	m->outstanding++;
}

static void m_debit(struct model *m, uint64_t pfn)
{
	m->cnt[pfn]--;
	m->outstanding--;
	m->api_unpins++;
	if (!m->cnt[pfn]) {
		m->pinned_pages--;
		if (!--m->rnz[REGION(pfn)]) {
			/*
			 * Both blocks are freed by the next trim, which a
			 * stats read does: before any check, and before any
			 * pin of the region again (the test reads stats
			 * between its unpins and its next pins).
			 */
			m->blocks -= m->bblk[2 * REGION(pfn)] +
				     m->bblk[2 * REGION(pfn) + 1];
			m->bblk[2 * REGION(pfn)] = 0;
			m->bblk[2 * REGION(pfn) + 1] = 0;
		}
	}
}

/* ps_ledger_unpin_page(): the page, else any subpage of its folio. */
static void m_unpin_page(struct model *m, uint64_t pfn, uint64_t head,
			 int order)
{
	uint64_t p;

	m->truth[pfn]--;
	m->released++;
	if (m->cnt[pfn]) {
		m_debit(m, pfn);
		return;
	}
	for (p = head; order && p < head + (1ULL << order); p++) {
		if (m->cnt[p]) {
			m_debit(m, p);
			m->fallbacks++;
			return;
		}
	}
	m->untracked++;
}

/*
 * ps_ledger_unpin_folio(folio, 1): the lowest subpage that has a count,
 * but the first such one (of a large folio) only when no other has.
 */
static void m_unpin_folio(struct model *m, uint64_t pfn, uint64_t head,
			  int order)
{
	uint64_t p, first = 0;
	bool found = false;

	m->truth[pfn]--;
	m->released++;
	for (p = head; p < head + (1ULL << order); p++) {
		if (!m->cnt[p])
			continue;
		if (!order || found) {
			m_debit(m, p);
			return;
		}
		found = true;
		first = p;
	}
	if (found)
		m_debit(m, first);
	else
		m->untracked++;
}

static void m_reset(struct model *m)
{
	uint64_t nreg = m->end_pfn / 512 + 1;

	memset(m->cnt, 0, m->end_pfn * sizeof(*m->cnt));
	memset(m->rnz, 0, nreg * sizeof(*m->rnz));
	memset(m->bblk, 0, 2 * nreg);
	memset(m->rlost, 0, nreg);
	m->lost_events = m->api_pins = m->api_unpins = m->untracked = 0;
	m->fallbacks = m->outstanding = m->pinned_pages = m->blocks = 0;
	m->acquired = m->released = 0;
}

/* ------------------------------------------------------------------ */
/* Reading pinshadow.                                                 */

static const char *const stat_names[] = {
	"pins_acquired", "pins_released", "pins_outstanding", "pinned_pages",
	"longterm_outstanding", "untracked_unpins", "lost_events",
	"lost_records", "missed_events", "vmstat_acquired", "vmstat_released",
	"vmstat_bypass_pins", "api_pins", "api_unpins", "rollback_unpins",
	"subpage_fallbacks", "table_blocks", "records", "table_end_pfn",
	"enabled", "pool_empty", "pool_refill_failures",
};

enum { S_ACQ, S_REL, S_OUT, S_PAGES, S_LT, S_UNTRACKED, S_LOST, S_LOSTREC,
       S_MISSED, S_VACQ, S_VREL, S_BYPASS, S_APIPINS, S_APIUNPINS,
       S_ROLLBACK, S_FALLBACKS, S_BLOCKS, S_RECORDS, S_END, S_ENABLED,
       S_EMPTY, S_REFILL, S_NR };

struct st {
	int64_t v[S_NR];
};

static void get_st(struct __test_metadata *_metadata, struct st *s)
{
	int err = ps_stats_named(stat_names, s->v, S_NR);

	ASSERT_EQ(0, err) TH_LOG("stats: %s", strerror(-err));
}

static void check_stats_model(struct __test_metadata *_metadata,
			      const struct model *m, const char *phase)
{
	struct st s;

	get_st(_metadata, &s);
#define EQ(want, idx) do {						\
	EXPECT_EQ((int64_t)(want), s.v[idx]) {				\
		TH_LOG("%s: %s", phase, stat_names[idx]);		\
	}								\
} while (0)
	EQ(m->lost_events, S_LOST);
	EQ(m->blocks, S_BLOCKS);
	EQ(m->outstanding, S_OUT);
	EQ(0, S_LT);
	EQ(m->pinned_pages, S_PAGES);
	EQ(m->api_pins, S_APIPINS);
	EQ(m->api_unpins, S_APIUNPINS);
	EQ(m->untracked, S_UNTRACKED);
	EQ(m->fallbacks, S_FALLBACKS);
	EQ(m->acquired, S_ACQ);
	EQ(m->released, S_REL);
	EQ(m->acquired, S_VACQ);
	EQ(m->released, S_VREL);
	EQ(0, S_BYPASS);
	EQ(0, S_ROLLBACK);
	EQ(0, S_MISSED);
	EQ(1, S_ENABLED);
	EQ(0, S_EMPTY);
#undef EQ
}

/*
 * lookup of every PFN the test ever pinned: the model's count, and exact=0
 * exactly in the regions that lost an event; the `pins` table has the
 * model's rows and no other.
 */
static void check_pages_model(struct __test_metadata *_metadata,
			      const struct model *m, const uint64_t *pfns,
			      size_t npfns, const char *phase)
{
	struct ps_pin_row *rows = NULL;
	struct ps_lookup lk;
	size_t nrows = 0, i, bad = 0;
	int64_t exact;
	int err;

	for (i = 0; i < npfns; i++) {
		uint64_t pfn = pfns[i];

		/*
		 * The model never claims more than the truth, and is the
		 * truth where nothing was lost: per page, or per folio after
		 * folio unpins.
		 */
		if (m->folio_sums) {
			uint64_t h = m->head[pfn], p;
			uint64_t sc = 0, st = 0;

			for (p = h; p < h + (1ULL << m->order[pfn]); p++) {
				sc += m->cnt[p];
				st += m->truth[p];
			}
			ASSERT_LE(sc, st);
			if (!m->rlost[REGION(pfn)]) {
				ASSERT_EQ(sc, st);
			}
		} else {
			ASSERT_LE(m->cnt[pfn], m->truth[pfn]);
			if (!m->rlost[REGION(pfn)]) {
				ASSERT_EQ(m->cnt[pfn], m->truth[pfn]);
			}
		}
		ps_lookup_ok(_metadata, pfn, &lk);
		ASSERT_EQ(0, ps_lookup_field(&lk, "exact", &exact))
			TH_LOG("no exact= in \"%s\"", lk.line);
		if (lk.count != m->cnt[pfn] || lk.longterm != 0 ||
		    exact != !m->rlost[REGION(pfn)]) {
			if (bad++ < 8)
				TH_LOG("%s: pfn %#llx: model count %u (truth %u) exact %d; pinshadow: %s",
				       phase, (unsigned long long)pfn,
				       m->cnt[pfn], m->truth[pfn],
				       !m->rlost[REGION(pfn)], lk.line);
		}
		/* Never a wrong nonzero count (per folio: see above). */
		if (!m->folio_sums) {
			EXPECT_LE(lk.count, (int64_t)m->truth[pfn]);
			if (exact == 1) {
				EXPECT_EQ((int64_t)m->truth[pfn], lk.count);
			}
		}
	}
	EXPECT_EQ(0UL, bad) TH_LOG("%s: %zu of %zu lookups differ from the model",
				 phase, bad, npfns);

	err = ps_pins_read(&rows, &nrows);
	ASSERT_EQ(0, err) TH_LOG("pins: %s", strerror(-err));
	EXPECT_EQ((size_t)m->pinned_pages, nrows);
	for (i = 0; i < nrows; i++) {
		uint64_t pfn = rows[i].pfn;

		ASSERT_LT(pfn, m->end_pfn);
		EXPECT_EQ((int64_t)m->cnt[pfn], rows[i].count) {
			TH_LOG("%s: pins row pfn %#llx", phase,
			       (unsigned long long)pfn);
		}
		EXPECT_EQ(0, rows[i].longterm);
	}
	free(rows);
}

/*
 * verdicts over all of RAM: no false negative anywhere (pinshadow never
 * claims a pin the kernel does not hold); every page of the buffer that is
 * pinned but has no count is a false positive blamed on `lost`; every
 * mismatch in a region that lost an event is blamed on `lost`.
 */
static void check_verdicts_model(struct __test_metadata *_metadata,
				 const struct model *m, const uint64_t *pfns,
				 size_t npfns, const char *phase)
{
	char *buf, *line, *save = NULL, cause[32];
	uint8_t *row_lost;
	unsigned long long pfn, fn = ~0ULL;
	size_t i, nlost = 0, nrows_lost = 0;
	int err;

	row_lost = calloc(m->end_pfn, 1);
	ASSERT_TRUE(row_lost != NULL);
	ASSERT_EQ(0, ps_control("scan all"));
	err = ps_read_file(PINSHADOW_DEBUGFS_DIR "/verdicts", &buf, NULL);
	ASSERT_EQ(0, ps_control("scan tracked"));
	ASSERT_EQ(0, err) TH_LOG("verdicts: %s", strerror(-err));
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned int cnt, mp, order;
		int refc;
		char fpc[16];

		if (sscanf(line, "false_neg %llu", &fn) == 1)
			continue;
		if (sscanf(line, "0x%llx %u %u %d %u %15s %31s", &pfn, &cnt,
			   &mp, &refc, &order, fpc, cause) != 7)
			continue;
		if (pfn >= m->end_pfn ||
		    (!m->touched[pfn] && !m->rlost[REGION(pfn)]))
			continue;
		if (m->rlost[REGION(pfn)]) {
			EXPECT_STREQ("lost", cause) {
				TH_LOG("%s: verdicts row %s", phase, line);
			}
		}
		if (!strcmp(cause, "lost")) {
			row_lost[pfn] = 1;
			nrows_lost++;
		}
	}
	free(buf);
	EXPECT_EQ(0ULL, fn) TH_LOG("%s: verdicts false_neg", phase);
	for (i = 0; i < npfns; i++) {
		uint64_t p = pfns[i];

		if (m->truth[p] && !m->cnt[p]) {
			nlost++;
			EXPECT_TRUE(row_lost[p]) {
				TH_LOG("%s: pfn %#llx pinned %u times, count 0, but no `lost` verdict",
				       phase, (unsigned long long)p,
				       m->truth[p]);
			}
		}
	}
	TH_LOG("%s: %zu pinned pages without a count, %zu `lost` verdict rows",
	       phase, nlost, nrows_lost);
	free(row_lost);
}

/* ------------------------------------------------------------------ */
/* Pins held by the test.                                             */

struct slot {
	bool live;
	uint32_t slot;
	size_t nr;
	uint64_t *pfn;
	uint64_t *head;
	int *order;
};

struct held {
	int fd;
	char *buf;
	size_t npages;
	struct slot s[MAX_SLOTS];
	size_t nslots;
	uint64_t *all;		/* every PFN ever pinned, for the lookups */
	size_t nall, capall;
};

static void held_add_pfn(struct held *h, uint64_t pfn)
{
	size_t i;

	for (i = 0; i < h->nall; i++)
		if (h->all[i] == pfn)
			return;
	if (h->nall == h->capall) {
		h->capall = h->capall ? 2 * h->capall : 1024;
		h->all = realloc(h->all, h->capall * sizeof(*h->all));
	}
	h->all[h->nall++] = pfn;
}

/* Pins pages [first, first + nr) of the buffer; returns the slot index. */
static size_t pin_range(struct __test_metadata *_metadata, struct held *h,
			struct model *m, size_t first, size_t nr)
{
	struct psh_pin req;
	struct slot *s;
	uint64_t n;
	size_t i;
	int err;

	ASSERT_LT(h->nslots, (size_t)MAX_SLOTS);
	ASSERT_LE(first + nr, h->npages);
	s = &h->s[h->nslots];
	err = psh_pin(h->fd, h->buf + first * PS_PAGE_SIZE, nr, PSH_PIN_FAST,
		      FLAGS, &req);
	ASSERT_EQ(0, err) TH_LOG("PSH_IOC_PIN: %s", strerror(-err));
	ASSERT_EQ((int64_t)nr, req.result);
	s->slot = req.slot;
	s->nr = nr;
	s->pfn = calloc(nr, sizeof(*s->pfn));
	s->head = calloc(nr, sizeof(*s->head));
	s->order = calloc(nr, sizeof(*s->order));
	ASSERT_TRUE(s->pfn && s->head && s->order);
	ASSERT_EQ(0, psh_pfns(h->fd, req.slot, s->pfn, nr, &n));
	ASSERT_EQ((uint64_t)nr, n);
	for (i = 0; i < nr; i++) {
		ASSERT_LT(s->pfn[i], m->end_pfn);
		if (i && s->pfn[i] == s->pfn[i - 1] + 1 &&
		    s->pfn[i] < s->head[i - 1] + (1ULL << s->order[i - 1])) {
			s->head[i] = s->head[i - 1];
			s->order[i] = s->order[i - 1];
		} else {
			ASSERT_EQ(0, ps_pfn_folio(s->pfn[i], &s->head[i],
						  &s->order[i]));
		}
		/* In the order pin_api_exit() hands them to the table. */
		m_pin(m, s->pfn[i], s->head[i], s->order[i]);
		held_add_pfn(h, s->pfn[i]);
	}
	s->live = true;
	return h->nslots++;
}

static void unpin_slot(struct __test_metadata *_metadata, struct held *h,
		       struct model *m, size_t idx, uint32_t api)
{
	struct slot *s = &h->s[idx];
	bool folio_api = api == PSH_UNPIN_FOLIO || api == PSH_UNPIN_FOLIOS ||
			 api == PSH_UNPIN_USER_FOLIO;
	size_t i;
	int err;

	ASSERT_TRUE(s->live);
	err = psh_unpin(h->fd, s->slot, api, 0);
	ASSERT_EQ(0, err) TH_LOG("PSH_IOC_UNPIN %s: %s",
				 psh_unpin_api_name(api), strerror(-err));
	if (folio_api)
		m->folio_sums = true;
	for (i = 0; i < s->nr; i++) {
		if (folio_api)
			m_unpin_folio(m, s->pfn[i], s->head[i], s->order[i]);
		else
			m_unpin_page(m, s->pfn[i], s->head[i], s->order[i]);
	}
	s->live = false;
}

static void held_free(struct held *h)
{
	size_t i;

	for (i = 0; i < h->nslots; i++) {
		free(h->s[i].pfn);
		free(h->s[i].head);
		free(h->s[i].order);
	}
	free(h->all);
	memset(h, 0, sizeof(*h));
}

/* ------------------------------------------------------------------ */
/* fail_block_alloc_every=N                                           */

#define NFOLIOS	6

FIXTURE(block_every) {
	struct ps_env env;
	struct model m;
	struct held h;
	bool reloaded;
};

FIXTURE_VARIANT(block_every) {
	enum ps_buf_kind kind;
	unsigned int every;
	uint32_t unpin;
};

/* Buffer kind, every how many block allocations fail, unpin API. */
#define EVERY_VARIANT(name, k, n, u)					\
	FIXTURE_VARIANT_ADD(block_every, name) {			\
		.kind = k, .every = n, .unpin = u,			\
	}

EVERY_VARIANT(small_every2, PS_BUF_SMALL, 2, PSH_UNPIN_PAGES);
EVERY_VARIANT(thp_every2, PS_BUF_THP, 2, PSH_UNPIN_PAGES);
EVERY_VARIANT(hugetlb_every2, PS_BUF_HUGETLB, 2, PSH_UNPIN_PAGES);
EVERY_VARIANT(hugetlb_every2_unpin_folios, PS_BUF_HUGETLB, 2, PSH_UNPIN_FOLIOS);
EVERY_VARIANT(thp_every1, PS_BUF_THP, 1, PSH_UNPIN_PAGE);
EVERY_VARIANT(hugetlb_every3, PS_BUF_HUGETLB, 3, PSH_UNPIN_PAGE);

FIXTURE_SETUP(block_every)
{
	char params[128];
	const char *vals[] = { "table_end_pfn" };
	int64_t end_pfn, every;
	int err;

	ps_fixture_setup(_metadata, &self->env);
	if (!psh_unpin_supported(self->env.helper_fd, variant->unpin))
		SKIP(return, "%s: not in this kernel",
		     psh_unpin_api_name(variant->unpin));
	self->h.fd = self->env.helper_fd;
	self->h.buf = ps_kind_buf(_metadata, variant->kind, NFOLIOS * 512,
				  NFOLIOS, NULL);
	if (!self->h.buf)
		SKIP(return, "no %s here", ps_buf_kind_name(variant->kind));
	self->h.npages = NFOLIOS * 512;

	/*
	 * A fresh module: its allocation counter starts at 0.  The suite's
	 * parameters too: the model checks the gross ledger.
	 */
	snprintf(params, sizeof(params), "%s fail_block_alloc_every=%u",
		 ps_suite_params(),
		 ps_rel_break("faults") ? variant->every + 1 : variant->every);
	self->reloaded = true;
	err = ps_reload(params);
	ASSERT_EQ(0, err) TH_LOG("insmod %s %s: %s", ps_ko_path(), params,
				 strerror(-err));
	ASSERT_EQ(0, ps_read_s64(PARAM_PATH, &every));
	ASSERT_EQ(0, ps_stats_named(vals, &end_pfn, 1));
	ASSERT_LT(0, end_pfn);
	m_init(_metadata, &self->m, end_pfn, variant->every);
	TH_LOG("fail_block_alloc_every=%lld, %s, table_end_pfn %#llx",
	       (long long)every, ps_buf_kind_name(variant->kind),
	       (unsigned long long)end_pfn);
}

FIXTURE_TEARDOWN(block_every)
{
	int err;

	/* The helper's release unpins what is left, then a normal module. */
	if (self->env.helper_fd >= 0)
		close(self->env.helper_fd);
	self->env.helper_fd = -1;
	if (self->reloaded) {
		err = ps_reload(NULL);
		EXPECT_EQ(0, err) TH_LOG("reloading pinshadow: %s",
					 strerror(-err));
	}
	ps_fixture_teardown(_metadata, &self->env, 5000);
	held_free(&self->h);
	m_free(&self->m);
}

static void check_all(struct __test_metadata *_metadata,
		      FIXTURE_DATA(block_every) *self, const char *phase,
		      bool verdicts)
{
	check_stats_model(_metadata, &self->m, phase);
	check_pages_model(_metadata, &self->m, self->h.all, self->h.nall,
			  phase);
	if (verdicts)
		check_verdicts_model(_metadata, &self->m, self->h.all,
				     self->h.nall, phase);
	TH_LOG("%s: model: %lld lost events, %lld blocks, %lld of %lld pins counted, %lld untracked unpins, %lld subpage fallbacks",
	       phase, (long long)self->m.lost_events,
	       (long long)self->m.blocks, (long long)self->m.outstanding,
	       (long long)(self->m.acquired - self->m.released),
	       (long long)self->m.untracked, (long long)self->m.fallbacks);
}

TEST_F_TIMEOUT(block_every, model, 900)
{
	struct model *m = &self->m;
	struct held *h = &self->h;
	int64_t lost_pins;
	struct ps_lookup lk;
	struct st s;
	size_t i;
	int64_t exact;
	/* Ranges across folio (2 MiB region) boundaries, in page units. */
	const struct ps_range r1[] = {
		{ 0, 600 },		/* folio 0 whole, folio 1 in part */
		{ 1020, 10 },		/* end of folio 1, start of folio 2 */
		{ 1636, 1 },		/* one page of folio 3 */
		{ 2048, 1024 },		/* folios 4 and 5 whole */
		{ 1030, 4 },		/* folio 2 again */
	};
	size_t nr1 = sizeof(r1) / sizeof(r1[0]);

	/* Phase 1: pins. */
	for (i = 0; i < nr1; i++)
		pin_range(_metadata, h, m, r1[i].first, r1[i].nr);
	/* The test is only worth something if events were lost. */
	ASSERT_LT(0, m->lost_events);
	check_all(_metadata, self, "pinned", true);

	/* Phase 2: half of them released, with the variant's unpin API. */
	unpin_slot(_metadata, h, m, 0, variant->unpin);
	unpin_slot(_metadata, h, m, 2, variant->unpin);
	unpin_slot(_metadata, h, m, 4, variant->unpin);
	check_all(_metadata, self, "half released", false);

	/*
	 * Phase 3: more pins where blocks were retired and where they still
	 * are: the allocation counter carries on.
	 */
	pin_range(_metadata, h, m, 0, 8);
	pin_range(_metadata, h, m, 512 + 100, 50);
	pin_range(_metadata, h, m, 1636, 1);
	check_all(_metadata, self, "pinned again", false);

	/* Phase 4: everything released: counts 0, the rest untracked. */
	for (i = 0; i < h->nslots; i++)
		if (h->s[i].live)
			unpin_slot(_metadata, h, m, i, variant->unpin);
	ASSERT_EQ(m->acquired, m->released);
	check_all(_metadata, self, "all released", true);
	get_st(_metadata, &s);
	lost_pins = m->api_pins - m->api_unpins - m->outstanding;
	EXPECT_EQ(0, s.v[S_OUT]);
	EXPECT_EQ(0, s.v[S_PAGES]);
	EXPECT_EQ(0, s.v[S_BLOCKS]);
	EXPECT_EQ(0, s.v[S_RECORDS]);
	/* The pins that were never counted are the untracked unpins. */
	EXPECT_EQ(s.v[S_APIPINS] - s.v[S_APIUNPINS], s.v[S_UNTRACKED]);
	EXPECT_EQ(lost_pins, s.v[S_UNTRACKED]);
	EXPECT_EQ(s.v[S_ACQ], s.v[S_REL]);
	TH_LOG("%lld pins, %lld never counted (%lld lost events), %lld untracked unpins",
	       (long long)s.v[S_APIPINS], (long long)lost_pins,
	       (long long)s.v[S_LOST], (long long)s.v[S_UNTRACKED]);

	/* Phase 5: a reset forgets the losses: exact again everywhere. */
	ASSERT_EQ(0, ps_control("reset"));
	m_reset(m);
	get_st(_metadata, &s);
	EXPECT_EQ(0, s.v[S_LOST]);
	for (i = 0; i < h->nall; i++) {
		ASSERT_EQ(0, ps_lookup_pfn(h->all[i], &lk));
		ASSERT_EQ(0, ps_lookup_field(&lk, "exact", &exact));
		EXPECT_EQ(1, exact) TH_LOG("after reset: %s", lk.line);
		EXPECT_EQ(0, lk.count) TH_LOG("after reset: %s", lk.line);
	}
}

/* ------------------------------------------------------------------ */
/* The kernel's fault injection (CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC) */

#define FI_SLAB		"/sys/kernel/debug/failslab"
#define FI_PAGE		"/sys/kernel/debug/fail_page_alloc"
#define FI_TIMES	1000000

static const char *const fi_knobs[] = {
	"probability", "interval", "times", "space", "verbose", "task-filter",
	"ignore-gfp-wait",
};
#define FI_NKNOBS	(sizeof(fi_knobs) / sizeof(fi_knobs[0]))

struct fi_saved {
	char v[2][FI_NKNOBS + 2][32];
	bool saved;
};

static int fi_write(const char *attr, const char *knob, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", attr, knob);
	return ps_write_file(path, val);
}

static int fi_times(const char *attr, int64_t *v)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/times", attr);
	return ps_read_s64(path, v);
}

static void fi_save(struct fi_saved *fs)
{
	const char *attrs[2] = { FI_SLAB, FI_PAGE };
	char path[128], *buf;
	size_t a, k;

	for (a = 0; a < 2; a++) {
		for (k = 0; k < FI_NKNOBS + 2; k++) {
			const char *knob = k < FI_NKNOBS ? fi_knobs[k] :
				k == FI_NKNOBS ? (a ? "min-order" : "cache-filter") :
				(a ? "ignore-gfp-highmem" : "verbose");

			snprintf(path, sizeof(path), "%s/%s", attrs[a], knob);
			fs->v[a][k][0] = '\0';
			if (!ps_read_file(path, &buf, NULL)) {
				snprintf(fs->v[a][k], sizeof(fs->v[a][k]),
					 "%s", buf);
				free(buf);
			}
		}
	}
	fs->saved = true;
}

static void fi_restore(struct fi_saved *fs)
{
	const char *attrs[2] = { FI_SLAB, FI_PAGE };
	size_t a, k;

	if (!fs->saved)
		return;
	for (a = 0; a < 2; a++) {
		/* Off first, then the rest as it was. */
		fi_write(attrs[a], "probability", "0");
		for (k = 0; k < FI_NKNOBS + 2; k++) {
			const char *knob = k < FI_NKNOBS ? fi_knobs[k] :
				k == FI_NKNOBS ? (a ? "min-order" : "cache-filter") :
				(a ? "ignore-gfp-highmem" : "verbose");

			if (fs->v[a][k][0])
				fi_write(attrs[a], knob, fs->v[a][k]);
		}
	}
}

/*
 * Only tasks with make-it-fail set (the refill thread), every allocation
 * they make (the refills sleep: GFP_KERNEL), every time.
 */
static void fi_setup(struct __test_metadata *_metadata, const char *attr)
{
	ASSERT_EQ(0, fi_write(attr, "probability", "0"));
	ASSERT_EQ(0, fi_write(attr, "task-filter", "Y"));
	ASSERT_EQ(0, fi_write(attr, "ignore-gfp-wait", "N"));
	ASSERT_EQ(0, fi_write(attr, "interval", "1"));
	ASSERT_EQ(0, fi_write(attr, "space", "0"));
	ASSERT_EQ(0, fi_write(attr, "verbose", "0"));
	ASSERT_EQ(0, ps_write_s64(
		strcmp(attr, FI_SLAB) ? FI_PAGE "/times" : FI_SLAB "/times",
		FI_TIMES));
	if (!strcmp(attr, FI_PAGE)) {
		/* A block is one page: order 0 (the default skips it). */
		ASSERT_EQ(0, fi_write(attr, "min-order", "0"));
		ASSERT_EQ(0, fi_write(attr, "ignore-gfp-highmem", "Y"));
	} else {
		ASSERT_EQ(0, fi_write(attr, "cache-filter", "N"));
	}
}

#define POOL_PARAM	"/sys/module/pinshadow/parameters/pool_depth"
#define POOL_THREAD	"pinshadow_pool"
/* Blocks and bitmaps in reserve; records: twice as many. */
#define POOL_K		4

/* pinshadow's refill thread (module/pool.c), or -1. */
static pid_t pool_thread(void)
{
	struct dirent *de;
	pid_t pid = -1;
	char path[300], *comm;
	DIR *d;

	d = opendir("/proc");
	if (!d)
		return -1;
	while (pid < 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		if (ps_read_file(path, &comm, NULL))
			continue;
		comm[strcspn(comm, "\n")] = '\0';
		if (!strcmp(comm, POOL_THREAD))
			pid = atoi(de->d_name);
		free(comm);
	}
	closedir(d);
	return pid;
}

/* The refill thread's make-it-fail, opened before any injection. */
static int mif_fd = -1;

static int pool_make_it_fail(int on)
{
	if (mif_fd < 0)
		return -EBADF;
	return pwrite(mif_fd, on ? "1" : "0", 1, 0) == 1 ? 0 : -errno;
}

FIXTURE(kfault) {
	struct ps_env env;
	struct fi_saved fs;
	char *buf;
	bool hugetlb;
	int64_t depth;
	bool depth_saved;
};

FIXTURE_SETUP(kfault)
{
	char path[64];
	int64_t every;
	pid_t pid;

	ps_fixture_setup(_metadata, &self->env);
	if (access(FI_SLAB "/probability", W_OK) ||
	    access(FI_PAGE "/probability", W_OK))
		SKIP(return, "no fault injection in this kernel (CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC, CONFIG_FAULT_INJECTION_DEBUG_FS)");
	ASSERT_EQ(0, ps_read_s64(PARAM_PATH, &every));
	ASSERT_EQ(0, every);
	pid = pool_thread();
	ASSERT_LT(0, pid) TH_LOG("no %s thread", POOL_THREAD);
	snprintf(path, sizeof(path), "/proc/%d/make-it-fail", (int)pid);
	if (access(path, W_OK))
		SKIP(return, "no %s", path);
	mif_fd = open(path, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, mif_fd) TH_LOG("%s: %s", path, strerror(errno));
	ASSERT_EQ(0, pool_make_it_fail(0));
	self->buf = ps_hugetlb_buf(_metadata, 12);
	self->hugetlb = self->buf != NULL;
	if (!self->buf)
		self->buf = ps_thp_buf(_metadata, 12);
	if (!self->buf)
		SKIP(return, "neither hugetlb nor THP here");
	ASSERT_EQ(0, ps_read_s64(POOL_PARAM, &self->depth));
	self->depth_saved = true;
	fi_save(&self->fs);
	fi_setup(_metadata, FI_SLAB);
	fi_setup(_metadata, FI_PAGE);
	/* A reset refills the pools to the new depth at once. */
	ASSERT_EQ(0, ps_write_s64(POOL_PARAM, POOL_K));
	ASSERT_EQ(0, ps_control("reset"));
}

FIXTURE_TEARDOWN(kfault)
{
	pool_make_it_fail(0);
	if (mif_fd >= 0)
		close(mif_fd);
	mif_fd = -1;
	fi_restore(&self->fs);
	if (self->depth_saved) {
		/* The pins go first; then the usual reserve, refilled. */
		if (self->env.helper_fd >= 0)
			close(self->env.helper_fd);
		self->env.helper_fd = -1;
		EXPECT_EQ(0, ps_write_s64(POOL_PARAM, self->depth));
		EXPECT_EQ(0, ps_control("reset"));
	}
	ps_fixture_teardown(_metadata, &self->env, 5000);
}

struct fi_delta {
	int64_t slab, page;	/* failures the kernel injected */
	struct st a, b;		/* pinshadow before and after */
};

/*
 * Pin calls of [first, first + nr) pages each, @calls of them 2 ms apart
 * (one task's calls of one API within 1 ms may share a record), with the
 * refill thread's allocations failing at the given probabilities.  The
 * stats read after the calls waits for the refills they kicked, so they
 * fail too.  Returns the slot of the first call.
 */
static uint32_t fi_pin(struct __test_metadata *_metadata,
		       FIXTURE_DATA(kfault) *self, size_t first, size_t nr,
		       size_t calls, int slab_prob, int page_prob,
		       struct fi_delta *d)
{
	int64_t s0, s1, p0, p1;
	struct psh_pin req = { 0 };
	uint32_t slot = 0;
	char v[8];
	size_t c;
	int err = 0;

	get_st(_metadata, &d->a);
	snprintf(v, sizeof(v), "%d", slab_prob);
	ASSERT_EQ(0, fi_write(FI_SLAB, "probability", v));
	snprintf(v, sizeof(v), "%d", page_prob);
	ASSERT_EQ(0, fi_write(FI_PAGE, "probability", v));
	ASSERT_EQ(0, fi_times(FI_SLAB, &s0));
	ASSERT_EQ(0, fi_times(FI_PAGE, &p0));
	ASSERT_EQ(0, pool_make_it_fail(1));

	for (c = 0; c < calls; c++) {
		ps_msleep(2);
		err = psh_pin(self->env.helper_fd,
			      self->buf + (first + c * nr) * PS_PAGE_SIZE, nr,
			      PSH_PIN_FAST, FLAGS, &req);
		if (err || req.result != (int64_t)nr)
			break;
		if (!c)
			slot = req.slot;
	}
	get_st(_metadata, &d->b);

	pool_make_it_fail(0);
	ASSERT_EQ(0, fi_write(FI_SLAB, "probability", "0"));
	ASSERT_EQ(0, fi_write(FI_PAGE, "probability", "0"));
	ASSERT_EQ(0, err) TH_LOG("PSH_IOC_PIN: %s", strerror(-err));
	ASSERT_EQ((int64_t)nr, req.result);
	ASSERT_EQ(0, fi_times(FI_SLAB, &s1));
	ASSERT_EQ(0, fi_times(FI_PAGE, &p1));
	d->slab = s0 - s1;
	d->page = p0 - p1;
	TH_LOG("%zu pin calls of %zu pages at page %zu: injected %lld slab and %lld page allocation failures, pool_refill_failures +%lld; pool_empty +%lld, lost_events +%lld, lost_records +%lld",
	       calls, nr, first, (long long)d->slab, (long long)d->page,
	       (long long)(d->b.v[S_REFILL] - d->a.v[S_REFILL]),
	       (long long)(d->b.v[S_EMPTY] - d->a.v[S_EMPTY]),
	       (long long)(d->b.v[S_LOST] - d->a.v[S_LOST]),
	       (long long)(d->b.v[S_LOSTREC] - d->a.v[S_LOSTREC]));
	return slot;
}

#define D(d, idx)	((d)->b.v[idx] - (d)->a.v[idx])

static void expect_lookup(struct __test_metadata *_metadata,
			  const char *buf, size_t page, int64_t count,
			  int64_t exact, const char *api)
{
	struct ps_lookup lk;
	int64_t ex;
	int err;

	err = ps_lookup_addr(getpid(), (uintptr_t)(buf + page * PS_PAGE_SIZE),
			     &lk);
	ASSERT_EQ(0, err) TH_LOG("lookup page %zu: %s", page, strerror(-err));
	ASSERT_EQ(0, ps_lookup_field(&lk, "exact", &ex));
	EXPECT_EQ(count, lk.count) TH_LOG("page %zu: %s", page, lk.line);
	EXPECT_EQ(0, lk.longterm) TH_LOG("page %zu: %s", page, lk.line);
	EXPECT_EQ(exact, ex) TH_LOG("page %zu: %s", page, lk.line);
	if (api) {
		EXPECT_TRUE(strstr(lk.line, api) != NULL)
			TH_LOG("page %zu: api %s expected: %s", page, api,
			       lk.line);
	}
}

/*
 * Pages [first, first + nr): each either counted once (count 1, exact) or
 * lost (count 0, its region exact=0).  Returns how many were counted.
 */
static int64_t count_or_lost(struct __test_metadata *_metadata,
			     const char *buf, size_t first, size_t nr)
{
	struct ps_lookup lk;
	int64_t ex, counted = 0;
	size_t i;
	int err;

	for (i = first; i < first + nr; i++) {
		err = ps_lookup_addr(getpid(),
				     (uintptr_t)(buf + i * PS_PAGE_SIZE), &lk);
		EXPECT_EQ(0, err) TH_LOG("lookup page %zu", i);
		if (err || ps_lookup_field(&lk, "exact", &ex))
			continue;
		if (lk.count == 1)
			counted++;
		else
			EXPECT_TRUE(lk.count == 0 && ex == 0)
				TH_LOG("page %zu neither counted nor lost: %s",
				       i, lk.line);
	}
	return counted;
}

TEST_F_TIMEOUT(kfault, kernel_fault_injection, 900)
{
	const size_t F = 512;	/* pages per folio */
	const size_t H = 256;	/* pages per block: half a 2 MiB region */
	const size_t R = 10;	/* one-page calls in the records phase */
	const int64_t records = 2 * POOL_K;
	struct psh_pin req;
	struct fi_delta d;
	struct st s0, s;
	int64_t lost = 0, counted = 0, total = 0, events = 0, x0, x1, c;
	int64_t unnamed = 0, left;
	size_t i;
	int err;

	get_st(_metadata, &s0);
	ASSERT_EQ(0, s0.v[S_BLOCKS]);

	/*
	 * Anchors: the first block of folio 0 and the second of folio 1, and
	 * both regions' bitmaps, with no injection; the stats read waits for
	 * the refills they kicked, so every pool is full again.
	 */
	err = psh_pin(self->env.helper_fd, self->buf, 1, PSH_PIN_FAST, FLAGS,
		      &req);
	ASSERT_EQ(0, err);
	ASSERT_EQ(1, req.result);
	err = psh_pin(self->env.helper_fd,
		      self->buf + (F + H + 1) * PS_PAGE_SIZE, 1, PSH_PIN_FAST,
		      FLAGS, &req);
	ASSERT_EQ(0, err);
	ASSERT_EQ(1, req.result);
	counted += 2;
	total += 2;
	get_st(_metadata, &s);
	ASSERT_EQ(2, s.v[S_BLOCKS]);
	ASSERT_EQ(0, s.v[S_EMPTY]);
	ASSERT_EQ(0, s.v[S_REFILL]);

	/*
	 * Slab allocator: one call pins folios 2 to 4, which need six new
	 * blocks (and three bitmaps, one record).  The pool has POOL_K = 4
	 * blocks and every refill fails: folios 2 and 3 are counted, each
	 * page of folio 4 finds the pool empty and is a lost event.
	 */
	fi_pin(_metadata, self, 2 * F, 3 * F, 1, 100, 0, &d);
	EXPECT_LT(0, d.slab) TH_LOG("no refill failed");
	EXPECT_EQ(d.slab, D(&d, S_REFILL));
	EXPECT_EQ(0, d.page);
	EXPECT_EQ(POOL_K, D(&d, S_BLOCKS));
	EXPECT_EQ((int64_t)F, D(&d, S_LOST));
	EXPECT_EQ((int64_t)F, D(&d, S_EMPTY));
	EXPECT_EQ(0, D(&d, S_LOSTREC));
	EXPECT_EQ(D(&d, S_LOST) + D(&d, S_LOSTREC), D(&d, S_EMPTY));
	EXPECT_EQ((int64_t)(2 * F), D(&d, S_OUT));
	EXPECT_EQ((int64_t)(3 * F), D(&d, S_APIPINS));
	EXPECT_EQ((int64_t)(3 * F), D(&d, S_ACQ));
	EXPECT_EQ((int64_t)(3 * F), D(&d, S_VACQ));
	EXPECT_EQ(1, D(&d, S_RECORDS));
	counted += 2 * F;
	lost += F;
	events += F;
	total += 3 * F;
	for (i = 2 * F; i < 4 * F; i += 97)
		expect_lookup(_metadata, self->buf, i, 1, 1,
			      "api=pin_user_pages_fast");
	for (i = 4 * F; i < 5 * F; i += 97)
		expect_lookup(_metadata, self->buf, i, 0, 0, NULL);

	/*
	 * Slab allocator: R one-page calls in the second half of folio 1,
	 * which has its block and bitmap.  Each takes a record: the records
	 * left (2 * POOL_K, less the one of the call above) are taken, then
	 * every call finds the pool empty: its page is counted, who pinned it
	 * is lost (api=unknown).
	 */
	left = records - 1;
	fi_pin(_metadata, self, F + H + 2, 1, R, 100, 0, &d);
	EXPECT_EQ(d.slab, D(&d, S_REFILL));
	EXPECT_EQ(0, d.page);
	EXPECT_EQ((int64_t)R - left, D(&d, S_LOSTREC));
	EXPECT_EQ((int64_t)R - left, D(&d, S_EMPTY));
	EXPECT_EQ(0, D(&d, S_LOST));
	EXPECT_EQ((int64_t)R, D(&d, S_OUT));
	EXPECT_EQ(0, D(&d, S_BLOCKS));
	for (i = 0; i < R; i++) {
		struct ps_lookup lk;

		ASSERT_EQ(0, ps_lookup_addr(getpid(), (uintptr_t)(self->buf +
				(F + H + 2 + i) * PS_PAGE_SIZE), &lk));
		EXPECT_EQ(1, lk.count) TH_LOG("%s", lk.line);
		if (strstr(lk.line, "api=unknown"))
			unnamed++;
	}
	EXPECT_EQ((int64_t)R - left, unnamed);
	counted += R;
	total += R;

	/*
	 * Page allocator only, folios 5 to 11 (14 blocks): the pools are
	 * empty, a refill fails only if its cache needs a new slab (or it
	 * wants a page, as the fork-audit pool does), and may succeed while
	 * the call runs: injected failures bound the refill failures from
	 * above; every page is counted or lost, and the pages lost are lost
	 * events (the other lost events are failed bitmaps).
	 */
	fi_pin(_metadata, self, 5 * F, 7 * F, 1, 0, 100, &d);
	EXPECT_EQ(0, d.slab);
	EXPECT_LE(D(&d, S_REFILL), d.page);
	c = count_or_lost(_metadata, self->buf, 5 * F, 7 * F);
	EXPECT_EQ(c, D(&d, S_OUT));
	EXPECT_LE((int64_t)(7 * F) - c, D(&d, S_LOST));
	EXPECT_EQ(D(&d, S_LOST) + D(&d, S_LOSTREC), D(&d, S_EMPTY));
	EXPECT_LE(0, D(&d, S_BLOCKS));
	EXPECT_GE(14, D(&d, S_BLOCKS));
	events += D(&d, S_LOST);
	lost += 7 * F - c;
	counted += c;
	total += 7 * F;

	/* Nothing fails outside the refill thread: the injection is filtered. */
	ASSERT_EQ(0, fi_write(FI_PAGE, "probability", "100"));
	ASSERT_EQ(0, fi_times(FI_PAGE, &x0));
	ps_msleep(200);
	ASSERT_EQ(0, fi_times(FI_PAGE, &x1));
	ASSERT_EQ(0, fi_write(FI_PAGE, "probability", "0"));
	EXPECT_EQ(x0, x1);

	if (ps_rel_break("faults"))
		lost++;
	get_st(_metadata, &s);
	EXPECT_EQ(counted, s.v[S_OUT]);
	EXPECT_EQ(total, s.v[S_APIPINS]);
	EXPECT_EQ(total, s.v[S_ACQ]);
	EXPECT_EQ(events, s.v[S_LOST]);
	EXPECT_EQ(0, s.v[S_MISSED]);

	/*
	 * Release everything (closing the helper): the counted pins are
	 * debited, the lost ones are untracked unpins; nothing is left.
	 */
	close(self->env.helper_fd);
	self->env.helper_fd = -1;
	get_st(_metadata, &s);
	EXPECT_EQ(0, s.v[S_OUT]);
	EXPECT_EQ(0, s.v[S_PAGES]);
	EXPECT_EQ(0, s.v[S_LT]);
	EXPECT_EQ(0, s.v[S_BLOCKS]);
	EXPECT_EQ(0, s.v[S_RECORDS]);
	EXPECT_EQ(counted, s.v[S_APIUNPINS]);
	EXPECT_EQ(lost, s.v[S_UNTRACKED]);
	EXPECT_EQ(total, s.v[S_REL]);
	EXPECT_EQ(total, s.v[S_VREL]);
	TH_LOG("%lld pins: %lld counted, %lld lost (untracked unpins %lld), lost_events %lld, lost_records %lld, pool_empty %lld, pool_refill_failures %lld",
	       (long long)total, (long long)counted, (long long)lost,
	       (long long)s.v[S_UNTRACKED], (long long)s.v[S_LOST],
	       (long long)s.v[S_LOSTREC], (long long)s.v[S_EMPTY],
	       (long long)s.v[S_REFILL]);
	/* The losses are forgotten by a reset, as the teardown expects. */
	ASSERT_EQ(0, ps_control("reset"));
}

TEST_HARNESS_MAIN
