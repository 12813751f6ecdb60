// SPDX-License-Identifier: GPL-2.0
/*
 * pinshadow: every pin API of the test helper, write or read-only, with or
 * without FOLL_LONGTERM, on anonymous order-0 pages, released by every unpin
 * API; one page pinned many times; the `lookup` interface.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "ps_check.h"

#define NPAGES	16

PS_SMALL_BUF_FIXTURE(pin_api, NPAGES);

FIXTURE_VARIANT(pin_api) {
	uint32_t api;
	uint32_t flags;
};

#define PIN_VARIANTS(name, a)						\
	FIXTURE_VARIANT_ADD(pin_api, name##_write) {			\
		.api = a, .flags = PSH_F_WRITE,			\
	};								\
	FIXTURE_VARIANT_ADD(pin_api, name##_read) {			\
		.api = a, .flags = 0,					\
	};								\
	FIXTURE_VARIANT_ADD(pin_api, name##_write_longterm) {		\
		.api = a, .flags = PSH_F_WRITE | PSH_F_LONGTERM,	\
	};								\
	FIXTURE_VARIANT_ADD(pin_api, name##_read_longterm) {		\
		.api = a, .flags = PSH_F_LONGTERM,			\
	};

PS_PIN_APIS(PIN_VARIANTS)

static void pin_unpin(struct __test_metadata *_metadata,
		      FIXTURE_DATA(pin_api) *self,
		      const FIXTURE_VARIANT(pin_api) *variant,
		      uint32_t unpin, uint32_t make_dirty)
{
	static const struct ps_range halves[] = {
		{ 0, 6 }, { 6, NPAGES - 6 },
	};
	struct ps_plan p;

	ps_plan_init(&p, &self->env, self->buf, NPAGES, variant->api,
		     variant->flags, halves, ARRAY_SIZE(halves));
	if (!ps_plan_supported(_metadata, &p, unpin))
		return;
	ps_plan_run(_metadata, &p, unpin, make_dirty);
	ps_plan_free(&p);
}

PS_UNPIN_TESTS(pin_api, pin_unpin)

/*
 * One page pinned K times through K slots (and once more with its
 * neighbours): its count is K + 1; each release takes exactly one off.
 */
TEST_F(pin_api, same_page_many_slots)
{
	enum { K = 5 };
	struct ps_test_stats a, b;
	struct ps_vm va, vb;
	struct ps_lookup lk;
	struct ps_plan p;
	size_t i;

	ps_plan_init(&p, &self->env, self->buf, NPAGES, variant->api,
		     variant->flags, NULL, K + 1);
	if (!psh_pin_supported(p.fd, p.api, p.flags))
		SKIP(return, "%s with flags %#x: not in this kernel",
		     psh_pin_api_name(p.api), p.flags);
	for (i = 0; i < K; i++)
		p.r[i] = (struct ps_range){ 3, 1 };
	p.r[K] = (struct ps_range){ 2, 3 };

	ps_get_stats(_metadata, &a);
	ps_get_vm(_metadata, &va);
	if (!ps_plan_pin(_metadata, &p))
		return;
	ps_get_stats(_metadata, &b);
	ps_get_vm(_metadata, &vb);
	ps_check_pin_deltas(_metadata, &a, &b, &va, &vb, K + 3,
			    p.flags & PSH_F_LONGTERM);
	ps_plan_check(_metadata, &p, true);
	ASSERT_EQ(0, ps_lookup_pfn(p.pfns[0][0], &lk));
	EXPECT_EQ(K + 1, lk.count) TH_LOG("%s", lk.line);

	for (i = 0; i < K; i++) {
		ps_plan_unpin(_metadata, &p, i, PSH_UNPIN_PAGES, 0);
		ASSERT_EQ(0, ps_lookup_pfn(p.pfns[0][0], &lk));
		EXPECT_EQ((int64_t)(K - i), lk.count) TH_LOG("%s", lk.line);
		ps_plan_check(_metadata, &p, true);
	}
	ps_plan_unpin(_metadata, &p, K, PSH_UNPIN_PAGE, 0);
	ps_plan_check(_metadata, &p, true);
	ps_plan_free(&p);
}

/* The `lookup` file: by address, PFN spellings and errors. */
PS_SMALL_BUF_FIXTURE(lookup, NPAGES);

TEST_F(lookup, by_address)
{
	char *page = self->buf + 5 * PS_PAGE_SIZE;
	uint64_t pfn, other = ps_virt_to_pfn(self->buf + PS_PAGE_SIZE), n;
	struct ps_lookup lk, lk2;
	struct psh_pin req;
	char s[64];

	ASSERT_NE(0ULL, other);
	ASSERT_EQ(0, psh_pin(self->env.helper_fd, page, 1, PSH_PIN_FAST,
			     PSH_F_WRITE | PSH_F_LONGTERM, &req));
	ASSERT_EQ(1, req.result);
	ASSERT_EQ(0, psh_pfns(self->env.helper_fd, req.slot, &pfn, 1, &n));

	/* by pid and address, also inside the page */
	ASSERT_EQ(0, ps_lookup_addr(getpid(), (uintptr_t)page, &lk));
	EXPECT_EQ(pfn, lk.pfn) TH_LOG("%s", lk.line);
	EXPECT_EQ(1, lk.count) TH_LOG("%s", lk.line);
	EXPECT_EQ(1, lk.longterm) TH_LOG("%s", lk.line);
	EXPECT_EQ(1, lk.maybe_pinned) TH_LOG("%s", lk.line);
	EXPECT_EQ(0, lk.order) TH_LOG("%s", lk.line);
	EXPECT_EQ(-1, lk.folio_pincount) TH_LOG("%s", lk.line);
	EXPECT_LE(PS_PIN_BIAS + 1, lk.refcount) TH_LOG("%s", lk.line);
	ASSERT_EQ(0, ps_lookup_addr(getpid(), (uintptr_t)page + 123, &lk2));
	EXPECT_EQ(pfn, lk2.pfn) TH_LOG("%s", lk2.line);
	EXPECT_EQ(1, lk2.count) TH_LOG("%s", lk2.line);

	/* PFN in decimal and in hex */
	snprintf(s, sizeof(s), "pfn %llu\n", (unsigned long long)pfn);
	ASSERT_EQ(0, ps_lookup_raw(s, &lk2));
	EXPECT_EQ(pfn, lk2.pfn) TH_LOG("%s", lk2.line);
	EXPECT_EQ(1, lk2.count) TH_LOG("%s", lk2.line);
	snprintf(s, sizeof(s), "pfn 0x%llx\n", (unsigned long long)pfn);
	ASSERT_EQ(0, ps_lookup_raw(s, &lk2));
	EXPECT_EQ(pfn, lk2.pfn) TH_LOG("%s", lk2.line);
	EXPECT_EQ(1, lk2.count) TH_LOG("%s", lk2.line);

	/* a mapped page nobody pinned */
	ASSERT_EQ(0, ps_lookup_addr(getpid(), (uintptr_t)self->buf +
				    PS_PAGE_SIZE, &lk2));
	EXPECT_EQ(other, lk2.pfn) TH_LOG("%s", lk2.line);
	EXPECT_EQ(0, lk2.count) TH_LOG("%s", lk2.line);
	EXPECT_EQ(0, lk2.maybe_pinned) TH_LOG("%s", lk2.line);

	ASSERT_EQ(0, psh_unpin(self->env.helper_fd, req.slot,
			       PSH_UNPIN_PAGE, 0));
	ASSERT_EQ(0, ps_lookup_addr(getpid(), (uintptr_t)page, &lk));
	EXPECT_EQ(pfn, lk.pfn) TH_LOG("%s", lk.line);
	EXPECT_EQ(0, lk.count) TH_LOG("%s", lk.line);
	EXPECT_EQ(0, lk.longterm) TH_LOG("%s", lk.line);
	EXPECT_EQ(0, lk.maybe_pinned) TH_LOG("%s", lk.line);
}

/*
 * One answer per write, then EOF, as `cat` needs; a bad command leaves the
 * last answer; a new write answers again on the same fd.
 */
TEST_F(lookup, one_answer_per_write)
{
	char a[256], b[256], cmd[64];
	ssize_t n, m;
	uint64_t pfn = ps_virt_to_pfn(self->buf);
	int fd;

	ASSERT_NE(0ULL, pfn);
	fd = open(PINSHADOW_DEBUGFS_DIR "/lookup", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, read(fd, a, sizeof(a)));
	EXPECT_EQ(ENODATA, errno);
	n = snprintf(cmd, sizeof(cmd), "pfn 0x%llx\n", (unsigned long long)pfn);
	ASSERT_EQ(n, write(fd, cmd, n));
	n = read(fd, a, sizeof(a));
	ASSERT_LT(0, n);
	EXPECT_EQ('\n', a[n - 1]);
	EXPECT_EQ(0, read(fd, b, sizeof(b))) TH_LOG("a second read must be EOF");
	EXPECT_EQ(0, read(fd, b, sizeof(b)));

	/* A bad command fails and keeps the answer at EOF. */
	EXPECT_EQ(-1, write(fd, "pfn zz\n", 7));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, read(fd, b, sizeof(b)));

	/* A new write re-arms, in pieces for a small reader too. */
	n = snprintf(cmd, sizeof(cmd), "pfn %llu\n", (unsigned long long)pfn);
	ASSERT_EQ(n, write(fd, cmd, n));
	m = read(fd, b, 5);
	ASSERT_EQ(5, m);
	n = read(fd, b + 5, sizeof(b) - 5);
	ASSERT_LT(0, n);
	m += n;
	EXPECT_EQ(0, read(fd, b + m, sizeof(b) - m));
	ASSERT_LT(16, m);
	/* pfn= and count= lead; age_ms may differ between the two answers. */
	EXPECT_EQ(0, memcmp(a, b, strcspn(a, " ") + 1));
	close(fd);
}

/* Another process's page, by its pid. */
TEST_F(lookup, other_process)
{
	int ready[2], done[2];
	uint64_t pfn;
	struct ps_lookup lk;
	char c = 0;
	pid_t pid;

	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(done));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		uint64_t v;

		self->buf[0] = 1;
		v = ps_virt_to_pfn(self->buf);
		if (write(ready[1], &v, sizeof(v)) != sizeof(v))
			_exit(1);
		if (read(done[0], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	ASSERT_EQ((ssize_t)sizeof(pfn), read(ready[0], &pfn, sizeof(pfn)));
	EXPECT_EQ(0, ps_lookup_addr(pid, (uintptr_t)self->buf, &lk));
	EXPECT_EQ(pfn, lk.pfn) TH_LOG("%s", lk.line);
	EXPECT_EQ(0, lk.count) TH_LOG("%s", lk.line);
	EXPECT_EQ(1, write(done[1], &c, 1));
	waitpid(pid, NULL, 0);
}

TEST_F(lookup, errors)
{
	char *gone = self->buf + 7 * PS_PAGE_SIZE, s[96];
	struct ps_lookup lk;
	pid_t dead;

	EXPECT_EQ(-EINVAL, ps_lookup_raw("bogus\n", &lk));
	EXPECT_EQ(-EINVAL, ps_lookup_raw("pfn\n", &lk));
	EXPECT_EQ(-EINVAL, ps_lookup_raw("pfn zz\n", &lk));
	EXPECT_EQ(-EINVAL, ps_lookup_raw("pfn 12abc\n", &lk));
	EXPECT_EQ(-EINVAL, ps_lookup_raw("pid 1\n", &lk));
	EXPECT_EQ(-EINVAL, ps_lookup_raw("pid x addr 0x1000\n", &lk));

	/* a pid that just died and was reaped */
	dead = fork();
	ASSERT_LE(0, dead);
	if (!dead)
		_exit(0);
	ASSERT_EQ(dead, waitpid(dead, NULL, 0));
	snprintf(s, sizeof(s), "pid %d addr 0x%lx\n", (int)dead,
		 (unsigned long)(uintptr_t)self->buf);
	EXPECT_EQ(-ESRCH, ps_lookup_raw(s, &lk));

	/* an address with nothing mapped */
	ASSERT_EQ(0, munmap(gone, PS_PAGE_SIZE));
	EXPECT_EQ(-EFAULT, ps_lookup_addr(getpid(), (uintptr_t)gone, &lk));
}

/* The test helper's own ABI: argument checks, slots, partial pins. */
PS_SMALL_BUF_FIXTURE(helper, NPAGES);

TEST_F(helper, bad_arguments)
{
	int fd = self->env.helper_fd;
	struct psh_pin req;
	struct psh_pfns pf = { .slot = PSH_MAX_SLOTS };

	EXPECT_EQ(-EINVAL, psh_pin(fd, self->buf + 1, 1, PSH_PIN_FAST,
				   PSH_F_WRITE, &req));
	EXPECT_EQ(-EINVAL, psh_pin(fd, self->buf, 0, PSH_PIN_FAST,
				   PSH_F_WRITE, &req));
	EXPECT_EQ(-EINVAL, psh_pin(fd, self->buf, PSH_MAX_PAGES + 1ULL,
				   PSH_PIN_FAST, PSH_F_WRITE, &req));
	EXPECT_EQ(-EINVAL, psh_pin(fd, self->buf, 1, PSH_PIN_NR_APIS,
				   PSH_F_WRITE, &req));
	EXPECT_EQ(-EINVAL, psh_pin(fd, self->buf, 1, PSH_PIN_FAST, 1u << 7,
				   &req));
	EXPECT_EQ(-EINVAL, psh_unpin(fd, PSH_MAX_SLOTS, PSH_UNPIN_PAGES, 0));
	EXPECT_EQ(-EINVAL, psh_unpin(fd, 0, PSH_UNPIN_NR_APIS, 0));
	EXPECT_EQ(-EINVAL, psh_unpin(fd, 0, PSH_UNPIN_DIRTY_LOCK, 2));
	EXPECT_EQ(-ENOENT, psh_unpin(fd, 0, PSH_UNPIN_PAGES, 0));
	EXPECT_EQ(-1, ioctl(fd, PSH_IOC_PFNS, &pf));
	EXPECT_EQ(EINVAL, errno);
	pf.slot = 0;
	EXPECT_EQ(-1, ioctl(fd, PSH_IOC_PFNS, &pf));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, ioctl(fd, _IO(PSH_IOC_MAGIC, 99)));
	EXPECT_EQ(ENOTTY, errno);

	/* Nothing was pinned by any of that. */
	ps_check_pins(_metadata, &(struct ps_expect){ .exact = true });
}

/* Every slot of a file can be used; one more is refused. */
TEST_F(helper, slots)
{
	struct ps_pin_ent ents[PSH_MAX_SLOTS];
	int fd = self->env.helper_fd, i;
	struct psh_pin req;
	uint64_t pfn, n;

	for (i = 0; i < PSH_MAX_SLOTS; i++) {
		ASSERT_EQ(0, psh_pin(fd, self->buf, 1, PSH_PIN_FAST,
				     PSH_F_WRITE, &req));
		ASSERT_EQ(1, req.result);
		ASSERT_EQ((uint32_t)i, req.slot);
	}
	ASSERT_EQ(0, psh_pfns(fd, 0, &pfn, 1, &n));
	for (i = 0; i < PSH_MAX_SLOTS; i++)
		ents[i] = (struct ps_pin_ent){ .pfn = pfn, .longterm = 0 };
	EXPECT_EQ(-ENOSPC, psh_pin(fd, self->buf, 1, PSH_PIN_FAST,
				   PSH_F_WRITE, &req));
	ps_check_pins(_metadata, &(struct ps_expect){
		.pins = ents, .npins = PSH_MAX_SLOTS, .exact = true,
		.api = "pin_user_pages_fast", .pid = getpid(),
	});

	/* A freed slot is reused. */
	ASSERT_EQ(0, psh_unpin(fd, 17, PSH_UNPIN_PAGE, 0));
	ASSERT_EQ(0, psh_pin(fd, self->buf, 1, PSH_PIN_FAST, PSH_F_WRITE,
			     &req));
	EXPECT_EQ(17u, req.slot);

	/* Closing the file releases every slot. */
	close(fd);
	self->env.helper_fd = psh_open();
	ASSERT_LE(0, self->env.helper_fd);
	ps_check_pins(_metadata, &(struct ps_expect){
		.watch = &pfn, .nwatch = 1, .exact = true,
	});
}

/* PSH_IOC_PFNS copies what fits and says how many there are. */
TEST_F(helper, pfns_room)
{
	int fd = self->env.helper_fd, i;
	uint64_t pfns[NPAGES + 1], n;
	struct psh_pin req;

	ASSERT_EQ(0, psh_pin(fd, self->buf, NPAGES, PSH_PIN_FAST, PSH_F_WRITE,
			     &req));
	ASSERT_EQ(NPAGES, req.result);
	memset(pfns, 0xff, sizeof(pfns));
	ASSERT_EQ(0, psh_pfns(fd, req.slot, pfns, 3, &n));
	EXPECT_EQ((uint64_t)NPAGES, n);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(ps_virt_to_pfn(self->buf + i * PS_PAGE_SIZE), pfns[i]);
	EXPECT_EQ(~0ULL, pfns[3]);
	ASSERT_EQ(0, psh_pfns(fd, req.slot, pfns, NPAGES + 1, &n));
	EXPECT_EQ((uint64_t)NPAGES, n);
	EXPECT_EQ(~0ULL, pfns[NPAGES]);
	ASSERT_EQ(0, psh_unpin(fd, req.slot, PSH_UNPIN_PAGES, 0));
}

/*
 * A range that runs into unmapped memory: the mapped part stays pinned.
 * (pin_errors.c: ranges that pin nothing at all.)
 */
TEST_F(helper, partial_pin)
{
	enum { MAPPED = 5 };
	int fd = self->env.helper_fd;
	struct ps_pin_ent ents[MAPPED];
	uint64_t pfns[MAPPED], n;
	struct psh_pin req;
	uint32_t api;
	int i;

	ASSERT_EQ(0, munmap(self->buf + MAPPED * PS_PAGE_SIZE,
			    (NPAGES - MAPPED) * PS_PAGE_SIZE));
	for (api = 0; api < PSH_PIN_NR_APIS; api++) {
		if (!psh_pin_supported(fd, api, PSH_F_WRITE))
			continue;
		ASSERT_EQ(0, psh_pin(fd, self->buf, NPAGES, api, PSH_F_WRITE,
				     &req));
		ASSERT_EQ(MAPPED, req.result) TH_LOG("%s",
						     psh_pin_api_name(api));
		ASSERT_EQ(0, psh_pfns(fd, req.slot, pfns, MAPPED, &n));
		ASSERT_EQ((uint64_t)MAPPED, n);
		for (i = 0; i < MAPPED; i++)
			ents[i] = (struct ps_pin_ent){ .pfn = pfns[i] };
		ps_check_pins(_metadata, &(struct ps_expect){
			.pins = ents, .npins = MAPPED, .exact = true,
			.api = psh_pin_api_name(api), .pid = getpid(),
		});
		ASSERT_EQ(0, psh_unpin(fd, req.slot, PSH_UNPIN_PAGES, 0));
	}
}

TEST_HARNESS_MAIN
