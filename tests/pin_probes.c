// SPDX-License-Identifier: GPL-2.0
/*
 * pinshadow: its probes on kernels that inline what they probe, and their
 * own report of whether they work (the state column of `probes`).
 *
 * - release_per_unpin_api: every unpin API's releases reach pins_released
 *   exactly, whether gup_put_folio() is called out of line (its probe sees
 *   them) or inlined into the API (7.3: unpin_user_page(), unpin_folio(),
 *   unpin_user_folio()), where the API's own probe counts them
 *   (reconciled_released).
 * - memfd_add_pins: what iommufd does with a memfd: memfd_pin_folios(),
 *   folio_add_pins() for the rest of each folio's range (7.3 inlines
 *   try_grab_folio() into both), then unpin_user_page_range_dirty_lock()
 *   page by page.  Exact per page throughout, 0 at the end.  Skipped
 *   before 6.13 (no folio_add_pins()).
 * - silent_reported: probes that see nothing while the kernel counts pins
 *   (here: counting disabled) say so, with the kernel counter that moved.
 * - hugetlb_wp_args: hugetlb_wp()'s arguments, whose form the version does
 *   not tell, are recognised on a real hugetlb COW fault.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "ps_check.h"

#define NPAGES	8

FIXTURE(probes) {
	struct ps_env env;
};

FIXTURE_SETUP(probes)
{
	ps_fixture_setup(_metadata, &self->env);
}

FIXTURE_TEARDOWN(probes)
{
	ps_fixture_teardown(_metadata, &self->env, 5000);
}

static bool folio_ledger_on(void)
{
	static const char *const names[] = { "folio_ledger" };
	int64_t v = 0;

	return !ps_stats_named(names, &v, 1) && v;
}

TEST_F(probes, release_per_unpin_api)
{
	static const struct { uint32_t api, dirty; } unpins[] = {
		{ PSH_UNPIN_PAGE, 0 }, { PSH_UNPIN_PAGES, 0 },
		{ PSH_UNPIN_DIRTY_LOCK, 0 }, { PSH_UNPIN_DIRTY_LOCK, 1 },
		{ PSH_UNPIN_RANGE_DIRTY, 1 }, { PSH_UNPIN_FOLIO, 0 },
		{ PSH_UNPIN_FOLIOS, 0 }, { PSH_UNPIN_USER_FOLIO, 0 },
	};
	char *buf = ps_small_buf(_metadata, NPAGES);
	int fd = self->env.helper_fd;
	struct psh_pin req;
	struct ps_test_stats a, b;
	struct ps_vm va, vb;
	int64_t h0, h1, rec;
	size_t i;

	if (!folio_ledger_on())
		SKIP(return, "folio_ledger=0: no pins_released to check");
	for (i = 0; i < sizeof(unpins) / sizeof(unpins[0]); i++) {
		const char *name = psh_unpin_api_name(unpins[i].api);

		if (!psh_unpin_supported(fd, unpins[i].api)) {
			TH_LOG("%s: not in this kernel", name);
			continue;
		}
		ASSERT_EQ(0, psh_pin(fd, buf, NPAGES, PSH_PIN_FAST,
				     PSH_F_WRITE, &req));
		ASSERT_EQ(NPAGES, req.result);
		ps_get_stats(_metadata, &a);
		ps_get_vm(_metadata, &va);
		h0 = ps_probe_hits("gup_put_folio");
		ASSERT_EQ(0, psh_unpin(fd, req.slot, unpins[i].api,
				       unpins[i].dirty));
		h1 = ps_probe_hits("gup_put_folio");
		ps_get_stats(_metadata, &b);
		ps_get_vm(_metadata, &vb);
		rec = PS_DELTA(&a, &b, reconciled_released);
		TH_LOG("%s%s: gup_put_folio hits +%lld, counted around it %lld",
		       name, unpins[i].dirty ? " (dirty)" : "",
		       (long long)(h1 - h0), (long long)rec);
		EXPECT_EQ(NPAGES, vb.released - va.released) TH_LOG("%s", name);
		EXPECT_EQ(vb.released - va.released,
			  PS_DELTA(&a, &b, pins_released)) TH_LOG("%s", name);
		EXPECT_EQ(NPAGES, PS_DELTA(&a, &b, api_unpins)) TH_LOG("%s", name);
		EXPECT_EQ(0, PS_DELTA(&a, &b, pins_acquired)) TH_LOG("%s", name);
		EXPECT_EQ(0, PS_DELTA(&a, &b, reconciled_acquired))
			TH_LOG("%s", name);
		/*
		 * Seen by gup_put_folio()'s probe, or by nobody but the API's
		 * frame: never both, never half.
		 */
		EXPECT_TRUE(rec == 0 || rec == NPAGES) TH_LOG("%s", name);
		if (h1 == h0) {
			EXPECT_EQ(NPAGES, rec) {
				TH_LOG("%s: gup_put_folio never fired, yet only %lld of %d releases were counted around it",
				       name, (long long)rec, NPAGES);
			}
		}
	}
}

/* memfd + folio_add_pins(): iommufd's way */

enum memfd_kind { KIND_SHMEM, KIND_HUGETLB };

FIXTURE(add_pins) {
	struct ps_env env;
	int memfd;
	char *map;
	size_t size;
};

FIXTURE_VARIANT(add_pins) {
	enum memfd_kind kind;
	uint64_t first;		/* page of the memfd where the range starts */
	uint64_t nr;		/* pages */
};

/* Inside one 2 MiB folio, not at its start. */
FIXTURE_VARIANT_ADD(add_pins, hugetlb_inside) {
	.kind = KIND_HUGETLB, .first = 3, .nr = 10,
};

/* The tail of one folio and the head of the next. */
FIXTURE_VARIANT_ADD(add_pins, hugetlb_across) {
	.kind = KIND_HUGETLB, .first = 508, .nr = 8,
};

/* Order-0 folios: memfd_pin_folios() alone, folio_add_pins() never. */
FIXTURE_VARIANT_ADD(add_pins, shmem) {
	.kind = KIND_SHMEM, .first = 2, .nr = 8,
};

FIXTURE_SETUP(add_pins)
{
	struct psh_memfd_pin req;
	int err;

	self->memfd = -1;
	self->map = MAP_FAILED;
	ps_fixture_setup(_metadata, &self->env);
	err = psh_memfd_pin(self->env.helper_fd, -1, 0, 1, &req);
	if (err == -EOPNOTSUPP)
		SKIP(return, "no folio_add_pins() before 6.13");
	ASSERT_EQ(-EBADF, err);
	self->size = 2 * PS_HPAGE_SIZE;
	if (!ps_memfd_buf(_metadata, "pinshadow-add-pins",
			  variant->kind == KIND_HUGETLB, self->size,
			  &self->memfd, &self->map))
		return;
}

FIXTURE_TEARDOWN(add_pins)
{
	ps_fixture_teardown(_metadata, &self->env, 5000);
	if (self->map != MAP_FAILED)
		munmap(self->map, self->size);
	if (self->memfd >= 0)
		close(self->memfd);
}

/* Each page of @pfns[@from..@nr) holds one pin, nothing else does. */
static void check_pages(struct __test_metadata *_metadata,
			const uint64_t *pfns, size_t from, size_t nr,
			const uint64_t *watch, size_t nwatch, const char *comm)
{
	struct ps_pin_ent *ents = calloc(nr ? nr : 1, sizeof(*ents));
	size_t i, n = 0;

	ASSERT_TRUE(ents != NULL);
	for (i = from; i < nr; i++) {
		ents[n].pfn = pfns[i];
		ents[n].longterm = 1;
		n++;
	}
	ps_check_pins(_metadata, &(struct ps_expect){
		.pins = ents, .npins = n,
		.watch = watch, .nwatch = nwatch,
		.exact = true, .pid = getpid(), .comm = comm,
	});
	free(ents);
}

TEST_F(add_pins, pin_then_unpin_page_by_page)
{
	uint64_t nr = variant->nr, pfns[16], got, *watch;
	struct psh_memfd_pin req;
	struct ps_test_stats a, b;
	struct ps_vm va, vb;
	size_t nwatch, i;
	bool large;
	int err;

	ASSERT_LE(nr, (uint64_t)16);
	ps_get_stats(_metadata, &a);
	ps_get_vm(_metadata, &va);
	err = psh_memfd_pin(self->env.helper_fd, self->memfd,
			    variant->first * PS_PAGE_SIZE, nr, &req);
	ASSERT_EQ(0, err) TH_LOG("PSH_IOC_MEMFD_PIN: %s", strerror(-err));
	ASSERT_EQ((int64_t)nr, req.result) TH_LOG("memfd_pin_folios() + folio_add_pins()");
	ps_get_stats(_metadata, &b);
	ps_get_vm(_metadata, &vb);
	TH_LOG("%u folios; reconciled_acquired +%lld",
	       req.nr_folios, (long long)PS_DELTA(&a, &b, reconciled_acquired));

	/* One pin per page of the range, whichever API took it. */
	EXPECT_EQ((int64_t)nr, vb.acquired - va.acquired);
	EXPECT_EQ(vb.acquired - va.acquired, PS_DELTA(&a, &b, pins_acquired));
	EXPECT_EQ(0, vb.released - va.released);
	EXPECT_EQ(0, PS_DELTA(&a, &b, pins_released));
	EXPECT_EQ((int64_t)nr, PS_DELTA(&a, &b, api_pins));
	EXPECT_EQ((int64_t)nr, PS_DELTA(&a, &b, pins_outstanding));
	EXPECT_EQ((int64_t)nr, PS_DELTA(&a, &b, longterm_outstanding));
	EXPECT_EQ(0, PS_DELTA(&a, &b, untracked_unpins));

	ASSERT_EQ(0, psh_pfns(self->env.helper_fd, req.slot, pfns, nr, &got));
	ASSERT_EQ(nr, got);
	for (i = 0; i < nr; i++) {
		EXPECT_EQ(ps_virt_to_pfn(self->map + (variant->first + i) *
					 PS_PAGE_SIZE), pfns[i]) {
			TH_LOG("page %zu: helper and pagemap disagree", i);
		}
	}
	nwatch = ps_folio_pfns(_metadata, pfns, nr, &watch, &large);
	EXPECT_EQ(variant->kind == KIND_HUGETLB, large);
	check_pages(_metadata, pfns, 0, nr, watch, nwatch, self->env.comm);

	/* Page by page, as iommufd's batch_unpin() may. */
	for (i = 0; i < nr; i++) {
		a = b;
		va = vb;
		err = psh_unpin_range(self->env.helper_fd, req.slot, i, 1, 1);
		ASSERT_EQ(0, err) TH_LOG("PSH_IOC_UNPIN_RANGE page %zu: %s", i,
					 strerror(-err));
		ps_get_stats(_metadata, &b);
		ps_get_vm(_metadata, &vb);
		EXPECT_EQ(1, vb.released - va.released) TH_LOG("page %zu", i);
		EXPECT_EQ(vb.released - va.released,
			  PS_DELTA(&a, &b, pins_released)) TH_LOG("page %zu", i);
		EXPECT_EQ(1, PS_DELTA(&a, &b, api_unpins)) TH_LOG("page %zu", i);
		EXPECT_EQ(-1, PS_DELTA(&a, &b, pins_outstanding))
			TH_LOG("page %zu", i);
		EXPECT_EQ(0, PS_DELTA(&a, &b, untracked_unpins))
			TH_LOG("page %zu", i);
		check_pages(_metadata, pfns, i + 1, nr, watch, nwatch,
			    self->env.comm);
	}
	EXPECT_EQ(0, b.v[PS_pins_outstanding]);
	EXPECT_EQ(0, b.v[PS_pinned_pages]);
	free(watch);
}

TEST_F(probes, silent_reported)
{
	static const char *const expect[][2] = {
		{ "pin_user_pages_fast", "nr_foll_pin_acquired+4" },
		{ "unpin_user_pages", "nr_foll_pin_released+4" },
	};
	char *buf = ps_small_buf(_metadata, 4);
	int fd = self->env.helper_fd;
	char state[32], reason[128];
	struct psh_pin req;
	size_t i;

	/* Counting off: the probes see nothing while the kernel counts. */
	ASSERT_EQ(0, ps_control("reset"));
	ASSERT_EQ(0, ps_control("disable"));
	ASSERT_EQ(0, psh_pin(fd, buf, 4, PSH_PIN_FAST, PSH_F_WRITE, &req));
	ASSERT_EQ(4, req.result);
	ASSERT_EQ(0, psh_unpin(fd, req.slot, PSH_UNPIN_PAGES, 0));
	ASSERT_EQ(0, ps_control("enable"));
	for (i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
		ASSERT_EQ(0, ps_probe_state(expect[i][0], state, sizeof(state),
					    reason, sizeof(reason)));
		EXPECT_STREQ("silent", state) TH_LOG("%s", expect[i][0]);
		EXPECT_TRUE(strstr(reason, expect[i][1]) != NULL)
			TH_LOG("%s: reason %s", expect[i][0], reason);
	}
	if (folio_ledger_on()) {
		ASSERT_EQ(0, ps_probe_state("gup_put_folio", state,
					    sizeof(state), reason,
					    sizeof(reason)));
		EXPECT_STREQ("silent", state);
		EXPECT_TRUE(strstr(reason, "nr_foll_pin_released+4") != NULL)
			TH_LOG("gup_put_folio: reason %s", reason);
	}
	EXPECT_LT(0, ps_probes_unhealthy(reason, sizeof(reason)));
	/* A reset starts over: nothing moved, nothing is silent. */
	ASSERT_EQ(0, ps_control("reset"));
	EXPECT_EQ(0, ps_probes_unhealthy(reason, sizeof(reason)))
		TH_LOG("%s", reason);
	ASSERT_EQ(0, ps_probe_state("gup_put_folio", state, sizeof(state),
				    NULL, 0));
	EXPECT_TRUE(!strcmp(state, "ok") || !strcmp(state, "off"))
		TH_LOG("gup_put_folio after reset: %s", state);
}

TEST_F(probes, hugetlb_wp_args)
{
	char state[32], reason[128];
	int64_t h0, h1;
	char *buf;
	pid_t pid;
	int st;

	if (ps_probe_armed("hugetlb_wp") != 1)
		SKIP(return, "hugetlb_wp not armed here");
	buf = mmap(NULL, PS_HPAGE_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (buf == MAP_FAILED)
		SKIP(return, "no hugetlb page: %s", strerror(errno));
	buf[0] = 1;
	h0 = ps_probe_hits("hugetlb_wp");
	/* Both sides write the shared, write-protected page: COW faults. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		buf[1] = 2;
		_exit(buf[0] == 1 ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st));
	buf[2] = 3;
	h1 = ps_probe_hits("hugetlb_wp");
	ASSERT_EQ(0, ps_probe_state("hugetlb_wp", state, sizeof(state),
				    reason, sizeof(reason)));
	TH_LOG("hugetlb_wp: hits +%lld, state %s %s", (long long)(h1 - h0),
	       state, reason);
	EXPECT_LT(h0, h1);
	EXPECT_STREQ("ok", state) TH_LOG("reason: %s", reason);
	munmap(buf, PS_HPAGE_SIZE);
}

TEST_HARNESS_MAIN
