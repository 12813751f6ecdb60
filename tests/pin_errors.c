// SPDX-License-Identifier: GPL-2.0
/*
 * pinshadow: pin calls that fail.  A pin API that pins nothing returns 0 or
 * a negative errno (an int for pin_user_pages_fast*(), a long for the
 * others); pinshadow must count nothing and must never take the error for a
 * number of pages.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "ps_check.h"

#define NPAGES	4

FIXTURE(errors) {
	struct ps_env env;
	char *buf;
};

FIXTURE_VARIANT(errors) {
	uint32_t api;
};

#define ERRORS_VARIANT(name, a)						\
	FIXTURE_VARIANT_ADD(errors, name) {				\
		.api = a,						\
	};

PS_PIN_APIS(ERRORS_VARIANT)

FIXTURE_SETUP(errors)
{
	ps_fixture_setup(_metadata, &self->env);
	if (!psh_pin_supported(self->env.helper_fd, variant->api, PSH_F_WRITE))
		SKIP(return, "%s: not in this kernel",
		     psh_pin_api_name(variant->api));
	self->buf = ps_small_buf(_metadata, NPAGES);
}

FIXTURE_TEARDOWN(errors)
{
	ps_fixture_teardown(_metadata, &self->env, 5000);
}

/* Pins @addr and expects the call to pin nothing and pinshadow to agree. */
static void pin_nothing(struct __test_metadata *_metadata,
			FIXTURE_DATA(errors) *self,
			const FIXTURE_VARIANT(errors) *variant,
			const char *addr, uint32_t flags, int err)
{
	uint64_t pfns[NPAGES];
	struct ps_test_stats a, b;
	struct ps_vm va, vb;
	struct psh_pin req;

	ps_buf_pfns(_metadata, self->buf, NPAGES, pfns);
	ps_get_stats(_metadata, &a);
	ps_get_vm(_metadata, &va);
	ASSERT_EQ(0, psh_pin(self->env.helper_fd, addr, NPAGES, variant->api,
			     flags, &req));
	/* pin_user_pages_fast_only() reports every failure as 0 pages. */
	if (variant->api == PSH_PIN_FAST_ONLY) {
		EXPECT_EQ(0, req.result);
	} else {
		EXPECT_EQ(-err, req.result);
	}
	EXPECT_EQ((uint32_t)PSH_MAX_SLOTS, req.slot);
	ps_get_stats(_metadata, &b);
	ps_get_vm(_metadata, &vb);
	ps_check_pin_deltas(_metadata, &a, &b, &va, &vb, 0, false);
	EXPECT_EQ(0, PS_DELTA(&a, &b, pins_acquired));
	EXPECT_EQ(0, vb.acquired - va.acquired);
	ps_check_pins(_metadata, &(struct ps_expect){
		.watch = pfns, .nwatch = NPAGES, .exact = true,
	});
}

/* Nothing mapped at the address. */
TEST_F(errors, unmapped)
{
	char *hole = ps_mmap_aligned(NPAGES * PS_PAGE_SIZE, PS_PAGE_SIZE,
				     PROT_READ | PROT_WRITE, 0);

	ASSERT_TRUE(hole != NULL);
	ASSERT_EQ(0, munmap(hole, NPAGES * PS_PAGE_SIZE));
	pin_nothing(_metadata, self, variant, hole, PSH_F_WRITE, EFAULT);
}

/* A write pin of memory mapped without PROT_WRITE. */
TEST_F(errors, write_to_readonly)
{
	ASSERT_EQ(0, mprotect(self->buf, NPAGES * PS_PAGE_SIZE, PROT_READ));
	pin_nothing(_metadata, self, variant, self->buf, PSH_F_WRITE, EFAULT);
}

TEST_HARNESS_MAIN
