// SPDX-License-Identifier: GPL-2.0
/*
 * pinshadow: pins of subpages of large folios, anonymous THP and hugetlb.
 * Every pinned subpage is counted on its own, the counts of a folio's
 * subpages sum up to the kernel's folio_pincount, and every unpin API
 * brings them back to 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "ps_check.h"

#define NFOLIOS		2
#define NPAGES		(NFOLIOS * (PS_HPAGE_SIZE / PS_PAGE_SIZE))

enum huge_kind { KIND_THP, KIND_HUGETLB };

FIXTURE(huge) {
	struct ps_env env;
	char *buf;
};

FIXTURE_VARIANT(huge) {
	enum huge_kind kind;
	uint32_t api;
	uint32_t flags;
};

#define HUGE_VARIANTS(kname, k, name, a)				\
	FIXTURE_VARIANT_ADD(huge, kname##_##name##_write) {		\
		.kind = k, .api = a, .flags = PSH_F_WRITE,		\
	};								\
	FIXTURE_VARIANT_ADD(huge, kname##_##name##_read_longterm) {	\
		.kind = k, .api = a, .flags = PSH_F_LONGTERM,		\
	};
#define THP_VARIANTS(name, a)	HUGE_VARIANTS(thp, KIND_THP, name, a)
#define HUGETLB_VARIANTS(name, a) HUGE_VARIANTS(hugetlb, KIND_HUGETLB, name, a)

PS_PIN_APIS(THP_VARIANTS)
PS_PIN_APIS(HUGETLB_VARIANTS)

FIXTURE_SETUP(huge)
{
	ps_fixture_setup(_metadata, &self->env);
	if (variant->kind == KIND_THP) {
		self->buf = ps_thp_buf(_metadata, NFOLIOS);
		if (!self->buf)
			SKIP(return, "no THP: transparent hugepages disabled or none available");
	} else {
		self->buf = ps_hugetlb_buf(_metadata, NFOLIOS);
		if (!self->buf)
			SKIP(return, "no hugetlb: MAP_HUGETLB of %d 2 MiB pages: %s",
			     NFOLIOS, strerror(errno));
	}
}

FIXTURE_TEARDOWN(huge)
{
	ps_fixture_teardown(_metadata, &self->env, 5000);
}

/*
 * Subpages at both ends and in the middle of the first folio, one of them
 * twice, a range across the folio boundary and one inside the second folio.
 */
static const struct ps_range huge_ranges[] = {
	{ 0, 3 }, { 100, 1 }, { 1, 1 }, { 510, 4 }, { 1000, 24 },
};

static void pin_unpin(struct __test_metadata *_metadata,
		      FIXTURE_DATA(huge) *self,
		      const FIXTURE_VARIANT(huge) *variant,
		      uint32_t unpin, uint32_t make_dirty)
{
	uint64_t head, flags;
	struct ps_plan p;
	size_t i;
	int order;

	ps_plan_init(&p, &self->env, self->buf, NPAGES, variant->api,
		     variant->flags, huge_ranges, ARRAY_SIZE(huge_ranges));
	if (!ps_plan_supported(_metadata, &p, unpin))
		return;
	if (variant->kind == KIND_HUGETLB && (p.flags & PSH_F_LONGTERM) &&
	    ps_hugetlb_longterm_warns(self->buf))
		SKIP(return, "FOLL_LONGTERM of a ZONE_MOVABLE hugetlb page WARNs in this kernel");

	/* The buffer is made of large folios of the expected kind. */
	for (i = 0; i < NFOLIOS; i++) {
		uint64_t pfn = ps_virt_to_pfn(self->buf + i * PS_HPAGE_SIZE);

		ASSERT_NE(0ULL, pfn);
		ASSERT_EQ(0, ps_pfn_folio(pfn, &head, &order));
		EXPECT_EQ(pfn, head);
		EXPECT_EQ(PS_HPAGE_ORDER, order);
		ASSERT_EQ(0, ps_kpageflags(pfn, &flags));
		EXPECT_TRUE(!!(flags & (1ULL << (variant->kind == KIND_THP ?
						 KPF_THP : KPF_HUGE))));
	}

	ps_plan_run(_metadata, &p, unpin, make_dirty);
	ps_plan_free(&p);
}

PS_UNPIN_TESTS(huge, pin_unpin)

TEST_HARNESS_MAIN
