// SPDX-License-Identifier: GPL-2.0
/*
 * pinshadow's trace events, read back through tracefs: a known pin and
 * unpin by the helper, and the COW decision a fork makes on a pinned page,
 * each with the fields the test can predict (pid, api, pages, first PFN,
 * longterm; decision and verdict).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "ps_check.h"

#define NPAGES	3

static const char *const tracefs_dirs[] = {
	"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
};

/* The tracefs directory with pinshadow's events, mounted if need be. */
static const char *tracefs(void)
{
	char path[128];
	size_t i;

	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/events/pinshadow",
			 tracefs_dirs[i]);
		if (!access(path, F_OK))
			return tracefs_dirs[i];
	}
	if (mount("nodev", tracefs_dirs[0], "tracefs", 0, NULL))
		return NULL;
	return access("/sys/kernel/tracing/events/pinshadow", F_OK) ? NULL :
	       tracefs_dirs[0];
}

static int tfs_write(const char *dir, const char *file, const char *s)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return ps_write_file(path, s);
}

enum what { PIN_UNPIN, COW };

FIXTURE(trace) {
	struct ps_env env;
	const char *dir;
	char *buf;
};

FIXTURE_VARIANT(trace) {
	enum what what;
	uint32_t pin_api;
	uint32_t flags;
	uint32_t unpin_api;
	const char *api;	/* the api field of the pin event */
	int unpin_pages;	/* pages of the first unpin event */
};

FIXTURE_VARIANT_ADD(trace, fast_longterm) {
	.what = PIN_UNPIN, .pin_api = PSH_PIN_FAST,
	.flags = PSH_F_WRITE | PSH_F_LONGTERM, .unpin_api = PSH_UNPIN_PAGES,
	.api = "pin_user_pages_fast", .unpin_pages = NPAGES,
};

FIXTURE_VARIANT_ADD(trace, plain_page_by_page) {
	.what = PIN_UNPIN, .pin_api = PSH_PIN_PLAIN, .flags = PSH_F_WRITE,
	.unpin_api = PSH_UNPIN_PAGE, .api = "pin_user_pages",
	.unpin_pages = 1,
};

FIXTURE_VARIANT_ADD(trace, cow_fork) {
	.what = COW, .pin_api = PSH_PIN_FAST, .flags = PSH_F_WRITE,
	.unpin_api = PSH_UNPIN_PAGES, .api = "pin_user_pages_fast",
	.unpin_pages = NPAGES,
};

FIXTURE_SETUP(trace)
{
	char why[256] = "";

	ASSERT_EQ(0, ps_env_setup(&self->env, why, sizeof(why)))
		TH_LOG("%s", why);
	self->dir = tracefs();
	if (!self->dir)
		SKIP(return, "no tracefs with events/pinshadow");
	self->buf = ps_small_buf(_metadata, NPAGES);
	ASSERT_EQ(0, tfs_write(self->dir, "tracing_on", "0"));
	ASSERT_EQ(0, tfs_write(self->dir, "trace", ""));
	ASSERT_EQ(0, tfs_write(self->dir, "events/pinshadow/enable", "1"));
	ASSERT_EQ(0, tfs_write(self->dir, "tracing_on", "1"));
}

FIXTURE_TEARDOWN(trace)
{
	char why[1024];

	if (self->dir) {
		tfs_write(self->dir, "tracing_on", "0");
		tfs_write(self->dir, "events/pinshadow/enable", "0");
	}
	EXPECT_EQ(0, ps_env_teardown(&self->env, 10000, why, sizeof(why)))
		TH_LOG("%s", why);
}

TEST_F(trace, events_match_the_pin)
{
	char *text, want[256], path[256];
	struct psh_pin pin;
	uint64_t pfn;
	pid_t child;
	int status;

	ASSERT_EQ(0, psh_pin(self->env.helper_fd, self->buf, NPAGES,
			     variant->pin_api, variant->flags, &pin));
	ASSERT_EQ(NPAGES, pin.result);
	pfn = ps_virt_to_pfn(self->buf);
	ASSERT_NE(0ULL, pfn);
	if (variant->what == COW) {
		child = fork();
		ASSERT_GE(child, 0);
		if (!child)
			_exit(0);
		ASSERT_EQ(child, waitpid(child, &status, 0));
	}
	ASSERT_EQ(0, psh_unpin(self->env.helper_fd, pin.slot,
			       variant->unpin_api, 0));
	ASSERT_EQ(0, tfs_write(self->dir, "tracing_on", "0"));
	snprintf(path, sizeof(path), "%s/trace", self->dir);
	ASSERT_EQ(0, ps_read_file(path, &text, NULL));

	snprintf(want, sizeof(want),
		 " pin: pid=%d api=%s pages=%d pfn=0x%llx longterm=%d\n",
		 (int)getpid(), variant->api, NPAGES, (unsigned long long)pfn,
		 !!(variant->flags & PSH_F_LONGTERM));
	EXPECT_TRUE(strstr(text, want) != NULL)
		TH_LOG("no \"%s\" in:\n%s", want, text);
	snprintf(want, sizeof(want), " unpin: pid=%d pages=%d pfn=0x%llx\n",
		 (int)getpid(), variant->unpin_pages, (unsigned long long)pfn);
	EXPECT_TRUE(strstr(text, want) != NULL)
		TH_LOG("no \"%s\" in:\n%s", want, text);
	if (variant->what == COW) {
		/* The parent's exclusive pinned page: copied, rightly. */
		snprintf(want, sizeof(want),
			 " cow: pid=%d pfn=0x%llx pages=1 decision=copied verdict=ok\n",
			 (int)getpid(), (unsigned long long)pfn);
		EXPECT_TRUE(strstr(text, want) != NULL)
			TH_LOG("no \"%s\" in:\n%s", want, text);
	}
	free(text);
	/* pinshadow:lost exists, with its fields. */
	snprintf(path, sizeof(path), "%s/events/pinshadow/lost/format",
		 self->dir);
	ASSERT_EQ(0, ps_read_file(path, &text, NULL));
	EXPECT_TRUE(strstr(text, "what") && strstr(text, "field:long nr"))
		TH_LOG("%s", text);
	free(text);
}

TEST_HARNESS_MAIN
