// SPDX-License-Identifier: GPL-2.0
/*
 * pinshadow: the verdicts, the COW-decision audit and the design what-ifs.
 * Each scenario is built so that the exact numbers are known: which pages
 * the kernel copies at fork, which of those copies were needless, and what
 * the exact, sticky, per-PMD and per-PTE policies would have done instead.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <liburing.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "parse.h"
#include "ps_check.h"

enum { POL_KERNEL, POL_EXACT, POL_STICKY, POL_PMD, POL_PTE, NR_POL };
static const char *const pol_names[NR_POL] = {
	"kernel", "exact", "sticky", "pmd", "pte",
};

/* The `policies` rows, POL_* order. */
static int read_policies(struct ps_policy p[NR_POL])
{
	return ps_policies_read(pol_names, p, NR_POL);
}

/*
 * The newest cow_audit row of @pfn: its decision and verdict (32 bytes
 * each), 0 if found.  Read as the CLI reads it (a report).
 */
static int audit_row(uint64_t pfn, char *decision, char *verdict)
{
	static const char *const cols[] = { "pfn", "decision", "verdict" };
	char *buf, err[PS_ERR_LEN];
	struct ps_report rep;
	int idx[3], ret;
	uint64_t p;
	size_t r;

	if (ps_read_file(PINSHADOW_DEBUGFS_DIR "/cow_audit", &buf, NULL))
		return -EIO;
	ret = ps_parse_report(buf, "cow_audit", &rep, err);
	free(buf);
	if (ret)
		return -EPROTO;
	ret = ps_table_cols(&rep.table, "cow_audit", cols, idx, 3, err) ?
		-EPROTO : -ENOENT;
	for (r = 0; ret != -EPROTO && r < rep.table.nrows; r++) {
		if (!ps_parse_u64(ps_table_cell(&rep.table, r, (size_t)idx[0]), &p) ||
		    p != pfn)
			continue;
		snprintf(decision, 32, "%s",
			 ps_table_cell(&rep.table, r, (size_t)idx[1]));
		snprintf(verdict, 32, "%s",
			 ps_table_cell(&rep.table, r, (size_t)idx[2]));
		ret = 0;	/* the last one: the newest */
	}
	ps_report_free(&rep);
	return ret;
}

static void fork_and_reap(struct __test_metadata *_metadata)
{
	int status;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (!pid)
		_exit(0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
}

/* One pin_user_pages_fast() pin of the page at @addr: its helper slot. */
static uint32_t pin_page(struct __test_metadata *_metadata, int fd,
			 void *addr, uint32_t flags)
{
	struct psh_pin req;

	ASSERT_EQ(0, psh_pin(fd, addr, 1, PSH_PIN_FAST, flags, &req));
	ASSERT_EQ(1, req.result);
	return req.slot;
}

static void unpin_slot(struct __test_metadata *_metadata, int fd,
		       uint32_t slot)
{
	ASSERT_EQ(0, psh_unpin(fd, slot, PSH_UNPIN_PAGES, 0));
}

/* Sets MMF_HAS_PINNED on this mm: a pin and an unpin of a scratch page. */
static void set_has_pinned(struct __test_metadata *_metadata, int fd)
{
	char *scratch = ps_small_buf(_metadata, 1);
	uint32_t slot;

	slot = pin_page(_metadata, fd, scratch, PSH_F_WRITE);
	unpin_slot(_metadata, fd, slot);
}

/* The per-policy deltas of one fork, the way a child reports them. */
struct fork_deltas {
	struct ps_policy d[NR_POL];
};

/* Forks and reaps a child; the policies deltas of that fork. 0 if so. */
static int fork_deltas(struct fork_deltas *out)
{
	struct ps_policy before[NR_POL], after[NR_POL];
	int i, status;
	pid_t pid;

	if (read_policies(before))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid)
		_exit(0);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    read_policies(after))
		return -1;
	for (i = 0; i < NR_POL; i++) {
		out->d[i].decisions = after[i].decisions - before[i].decisions;
		out->d[i].copies = after[i].copies - before[i].copies;
		out->d[i].needless = after[i].needless - before[i].needless;
		out->d[i].unsafe = after[i].unsafe - before[i].unsafe;
	}
	return 0;
}

/* Not checked, in expect_fork(). */
#define ANY	INT64_MIN

/* The deltas of policy @pol's row in @fd are @copies, @needless, @unsafe. */
static void expect_fork(struct __test_metadata *_metadata,
			const struct fork_deltas *fd, int pol, int64_t copies,
			int64_t needless, int64_t unsafe)
{
	const struct ps_policy *d = &fd->d[pol];

	if (copies != ANY)
		EXPECT_EQ(copies, d->copies) TH_LOG("%s copies", pol_names[pol]);
	if (needless != ANY)
		EXPECT_EQ(needless, d->needless)
			TH_LOG("%s needless_copies", pol_names[pol]);
	if (unsafe != ANY)
		EXPECT_EQ(unsafe, d->unsafe)
			TH_LOG("%s unsafe_shares", pol_names[pol]);
}

FIXTURE(cow) {
	struct ps_env env;
};

FIXTURE_SETUP(cow)
{
	ps_fixture_setup(_metadata, &self->env);
	ASSERT_EQ(0, ps_control("audit on"));
}

FIXTURE_TEARDOWN(cow)
{
	ps_control("scan tracked");
	ps_fixture_teardown(_metadata, &self->env, 5000);
}

/*
 * vmsplice one order-0 page into pipes until its refcount passes 1024 with
 * no pin: folio_maybe_dma_pinned() says pinned (refcount_bias).  With
 * MMF_HAS_PINNED set, fork copies it: one needless copy; the exact policy
 * does not copy it.
 */
TEST_F(cow, vmsplice_refcount_bias)
{
	enum { NPIPES = 6, SLOTS = 256 };
	int pipes[NPIPES][2], i, j;
	struct iovec iov[SLOTS];
	struct fork_deltas fd;
	struct ps_lookup lk;
	char decision[32], verdict[32], want[64], *buf, *row, *end;
	char *page = ps_small_buf(_metadata, 1);
	uint64_t pfn = ps_virt_to_pfn(page);
	int64_t needless;
	size_t len;

	ASSERT_NE(0ULL, pfn);
	set_has_pinned(_metadata, self->env.helper_fd);
	for (j = 0; j < SLOTS; j++) {
		iov[j].iov_base = page;
		iov[j].iov_len = PS_PAGE_SIZE;
	}
	for (i = 0; i < NPIPES; i++) {
		ASSERT_EQ(0, pipe(pipes[i]));
		ASSERT_LE((int)(SLOTS * PS_PAGE_SIZE),
			  fcntl(pipes[i][1], F_SETPIPE_SZ, SLOTS * PS_PAGE_SIZE));
		for (j = 0; j < SLOTS;) {
			ssize_t n = vmsplice(pipes[i][1], iov + j, SLOTS - j,
					     SPLICE_F_NONBLOCK);

			ASSERT_LT(0, n) TH_LOG("vmsplice: %s", strerror(errno));
			j += n / PS_PAGE_SIZE;
		}
	}
	ASSERT_EQ(0, ps_lookup_pfn(pfn, &lk));
	ASSERT_EQ(0, lk.count);
	ASSERT_EQ(0, lk.order);
	ASSERT_LE(PS_PIN_BIAS, lk.refcount);
	ASSERT_EQ(1, lk.maybe_pinned);

	/* The truth table of the whole of RAM names it. */
	ASSERT_EQ(0, ps_control("scan all"));
	ASSERT_EQ(0, ps_read_file(PINSHADOW_DEBUGFS_DIR "/verdicts", &buf, &len));
	snprintf(want, sizeof(want), "\n0x%" PRIx64 " 0 1 ", pfn);
	row = strstr(buf, want);
	ASSERT_TRUE(row != NULL) TH_LOG("no row %s", want + 1);
	end = strchr(row + 1, '\n');
	ASSERT_TRUE(end != NULL);
	*end = '\0';
	EXPECT_EQ(0, strcmp(end - strlen(" refcount_bias"), " refcount_bias"))
		TH_LOG("row:%s", row);
	*end = '\n';
	EXPECT_TRUE(strstr(buf, "\nfalse_pos 0\n") == NULL);
	EXPECT_TRUE(strstr(buf, "\nfalse_neg 0\n") != NULL) TH_LOG("%.300s", buf);
	free(buf);

	needless = ps_stat(_metadata, "cow_needless_copies");
	ASSERT_EQ(0, fork_deltas(&fd));
	EXPECT_EQ(1, ps_stat(_metadata, "cow_needless_copies") - needless);
	expect_fork(_metadata, &fd, POL_KERNEL, 1, 1, ANY);
	expect_fork(_metadata, &fd, POL_EXACT, 0, 0, 0);
	ASSERT_EQ(0, audit_row(pfn, decision, verdict));
	EXPECT_STREQ("copied", decision);
	EXPECT_STREQ("needless_copy", verdict);

	for (i = 0; i < NPIPES; i++) {
		close(pipes[i][0]);
		close(pipes[i][1]);
	}
}

/* A pinned io_uring buffer, then fork: every pinned page copied, verdict ok. */
TEST_F(cow, iouring_buffer_fork)
{
	enum { NPAGES = 8 };
	struct fork_deltas fd;
	char *buf = ps_small_buf(_metadata, NPAGES);
	char decision[32], verdict[32];
	struct io_uring ring;
	struct iovec iov = { buf, NPAGES * PS_PAGE_SIZE };
	int64_t unsafe;
	int i, err;

	err = io_uring_queue_init(4, &ring, 0);
	if (err)
		SKIP(return, "io_uring: %s", strerror(-err));
	ASSERT_EQ(0, io_uring_register_buffers(&ring, &iov, 1));
	unsafe = ps_stat(_metadata, "cow_unsafe_shares");
	ASSERT_EQ(0, fork_deltas(&fd));
	for (i = 0; i < NPAGES; i++) {
		uint64_t pfn = ps_virt_to_pfn(buf + i * PS_PAGE_SIZE);

		ASSERT_EQ(0, audit_row(pfn, decision, verdict))
			TH_LOG("page %d pfn 0x%" PRIx64 " not audited", i, pfn);
		EXPECT_STREQ("copied", decision);
		EXPECT_STREQ("ok", verdict);
	}
	EXPECT_EQ(0, ps_stat(_metadata, "cow_unsafe_shares") - unsafe);
	expect_fork(_metadata, &fd, POL_KERNEL, NPAGES, 0, 0);
	expect_fork(_metadata, &fd, POL_EXACT, NPAGES, ANY, ANY);
	ASSERT_EQ(0, io_uring_unregister_buffers(&ring));
	io_uring_queue_exit(&ring);
}

/*
 * One pinned subpage of a THP, then fork: the kernel answers per folio and
 * copies all 512 exclusive subpages, 511 of them needlessly; the exact
 * policy copies one; the per-PMD policy copies the 512 too.
 */
TEST_F(cow, thp_one_subpage_fork)
{
	struct fork_deltas fd;
	uint32_t slot;
	char *thp = ps_thp_buf(_metadata, 1);
	int64_t copied, needless;

	if (!thp)
		SKIP(return, "no THP available");
	slot = pin_page(_metadata, self->env.helper_fd, thp + 5 * PS_PAGE_SIZE,
			PSH_F_WRITE);
	copied = ps_stat(_metadata, "cow_copied");
	needless = ps_stat(_metadata, "cow_needless_copies");
	ASSERT_EQ(0, fork_deltas(&fd));
	EXPECT_EQ(512, ps_stat(_metadata, "cow_copied") - copied);
	EXPECT_EQ(511, ps_stat(_metadata, "cow_needless_copies") - needless);
	expect_fork(_metadata, &fd, POL_KERNEL, 512, 511, 0);
	expect_fork(_metadata, &fd, POL_EXACT, 1, 0, ANY);
	expect_fork(_metadata, &fd, POL_STICKY, 1, ANY, ANY);
	expect_fork(_metadata, &fd, POL_PMD, 512, 511, ANY);
	EXPECT_EQ(fd.d[POL_KERNEL].decisions, fd.d[POL_EXACT].decisions);
	unpin_slot(_metadata, self->env.helper_fd, slot);
}

/*
 * mmap, write, fork, the child exits, a read-only pin, a write: the pinned
 * page is reused, never copied, never shared while pinned.
 */
TEST_F(cow, ro_pin_after_fork_then_write)
{
	char *page = ps_small_buf(_metadata, 1);
	struct ps_lookup lk;
	uint32_t slot;
	int64_t wp, unsafe;
	uint64_t pfn;

	fork_and_reap(_metadata);
	slot = pin_page(_metadata, self->env.helper_fd, page, 0);
	ASSERT_EQ(0, psh_pfns(self->env.helper_fd, slot, &pfn, 1,
			      &(uint64_t){0}));
	ASSERT_EQ(pfn, ps_virt_to_pfn(page));
	wp = ps_stat(_metadata, "wp_copy_pinned");
	unsafe = ps_stat(_metadata, "cow_unsafe_shares");
	page[0]++;
	ASSERT_EQ(pfn, ps_virt_to_pfn(page)) TH_LOG("pinned page replaced");
	fork_and_reap(_metadata);
	page[1]++;
	EXPECT_EQ(0, ps_stat(_metadata, "wp_copy_pinned") - wp);
	EXPECT_EQ(0, ps_stat(_metadata, "cow_unsafe_shares") - unsafe);
	ASSERT_EQ(0, ps_lookup_pfn(pfn, &lk));
	EXPECT_EQ(1, lk.count);
	unpin_slot(_metadata, self->env.helper_fd, slot);
}

/* Pin, unpin, fork: the sticky bit copies, the exact count does not. */
TEST_F(cow, sticky_vs_exact)
{
	char *page = ps_small_buf(_metadata, 1);
	struct fork_deltas fd;
	uint32_t slot;

	slot = pin_page(_metadata, self->env.helper_fd, page, PSH_F_WRITE);
	unpin_slot(_metadata, self->env.helper_fd, slot);
	ASSERT_EQ(0, fork_deltas(&fd));
	expect_fork(_metadata, &fd, POL_STICKY, 1, 1, ANY);
	expect_fork(_metadata, &fd, POL_EXACT, 0, ANY, ANY);
	expect_fork(_metadata, &fd, POL_KERNEL, 0, ANY, ANY);
	EXPECT_LT(0, fd.d[POL_PMD].decisions);
}

/* Exactly @len bytes through a pipe, or false (the other end is gone). */
static bool pipe_read(int fd, void *buf, size_t len)
{
	return read(fd, buf, len) == (ssize_t)len;
}

static bool pipe_write(int fd, const void *buf, size_t len)
{
	return write(fd, buf, len) == (ssize_t)len;
}

/*
 * fork() with a pipe each way: the child and this process each get @in
 * to read the other's bytes and @out to write to it.  The child's pid; 0
 * in the child.
 */
static pid_t fork_talking(struct __test_metadata *_metadata, int *in,
			  int *out)
{
	int down[2], up[2];
	pid_t pid;

	ASSERT_EQ(0, pipe(down));
	ASSERT_EQ(0, pipe(up));
	pid = fork();
	ASSERT_LE(0, pid);
	*in = pid ? up[0] : down[0];
	*out = pid ? down[1] : up[1];
	close(pid ? up[1] : down[1]);
	close(pid ? down[0] : up[0]);
	return pid;
}

#define VMRW_PAGES	8

struct vm_reader {
	char *local;
	char *remote;
	pid_t target;
};

static void *vm_reader_fn(void *arg)
{
	struct vm_reader *r = arg;
	struct iovec l = { r->local, VMRW_PAGES * PS_PAGE_SIZE };
	struct iovec rv = { r->remote, VMRW_PAGES * PS_PAGE_SIZE };

	process_vm_readv(r->target, &l, 1, &rv, 1, 0);
	return NULL;
}

/*
 * The child side of pte_remote_pins: process_vm_readv() of @remote in
 * @target into a missing-mode userfaultfd region, which stops the copy on
 * its first fault with the remote pages pinned.  Says 'P' (pinned) or 'S'
 * (no userfaultfd) on @out, holds the pins until a byte comes on @in.
 */
static int vm_reader_hold(pid_t target, char *remote, int in, int out)
{
	size_t len = VMRW_PAGES * PS_PAGE_SIZE;
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct vm_reader r = { .remote = remote, .target = target };
	struct pollfd pfd;
	struct uffd_msg msg;
	pthread_t thread;
	char c;
	int uffd;

	uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api))
		return pipe_write(out, "S", 1) ? 0 : 1;
	r.local = ps_mmap_aligned(len, PS_PAGE_SIZE, PROT_READ | PROT_WRITE, 0);
	if (!r.local || ps_nohuge(r.local, len))
		return 1;
	reg.range.start = (uintptr_t)r.local;
	reg.range.len = len;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg) ||
	    pthread_create(&thread, NULL, vm_reader_fn, &r))
		return 1;
	pfd.fd = uffd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 10000) != 1 ||
	    read(uffd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT || !pipe_write(out, "P", 1))
		return 1;
	pipe_read(in, &c, 1);
	/* Exiting closes the userfaultfd: the copy fails, the pins go. */
	return 0;
}

/*
 * process_vm_readv() pins the target's pages through the target's mm
 * (pin_user_pages_remote(mm, ...)), not the caller's.  A child reads this
 * process's buffer and holds the pins; this process forks meanwhile.  The
 * pins were taken through this mm at these addresses: the pte policy
 * copies every pinned page, as exact and the kernel do.  Pins credited to
 * the caller's mm would make pte share them all (unsafe shares).
 */
TEST_F(cow, pte_remote_pins)
{
	char *buf = ps_small_buf(_metadata, VMRW_PAGES);
	uint64_t pfns[VMRW_PAGES];
	struct fork_deltas fd;
	struct ps_lookup lk;
	int in, out, status, i;
	pid_t child;
	char c;

	child = fork_talking(_metadata, &in, &out);
	if (!child)
		_exit(vm_reader_hold(getppid(), buf, in, out));
	ASSERT_TRUE(pipe_read(in, &c, 1))
		TH_LOG("the reader died before pinning");
	if (c == 'S') {
		ASSERT_EQ(child, waitpid(child, &status, 0));
		SKIP(return, "no userfaultfd");
	}
	/*
	 * Now, not before the fork: the reader's read-only pins unshared the
	 * pages this process shared with it (copies, pinned through this mm).
	 */
	ps_buf_pfns(_metadata, buf, VMRW_PAGES, pfns);
	for (i = 0; i < VMRW_PAGES; i++) {
		ASSERT_EQ(0, ps_lookup_pfn(pfns[i], &lk));
		ASSERT_EQ(1, lk.count) TH_LOG("page %d not pinned", i);
	}
	ASSERT_EQ(0, fork_deltas(&fd));
	ASSERT_TRUE(pipe_write(out, "D", 1));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	close(in);
	close(out);

	expect_fork(_metadata, &fd, POL_KERNEL, VMRW_PAGES, ANY, ANY);
	expect_fork(_metadata, &fd, POL_EXACT, VMRW_PAGES, ANY, ANY);
	expect_fork(_metadata, &fd, POL_PTE, VMRW_PAGES, 0, 0);
	EXPECT_EQ(fd.d[POL_EXACT].decisions, fd.d[POL_PTE].decisions);
}

/* What the child of pte_pin_through_child tells. */
struct child_pin {
	uint64_t pfn;		/* the page its pin holds */
	uint32_t slot;		/* the helper's slot that holds it */
	int32_t err;		/* 0, or which step failed */
	struct fork_deltas fork;	/* its own fork, with the pin held */
};

/*
 * A page shared after a fork, pinned (read-only) through the child.  The
 * issue expects the pin on the parent's page, pinned through another mm:
 * exact would copy it at the parent's next fork, pte would not.  On 6.1+
 * GUP unshares a page that is not exclusive before pinning it
 * (gup_must_unshare()): the child pins a copy of its own, and the
 * parent's page holds no pin.  Measured here: the PFNs differ; the
 * parent's fork copies nothing under exact and pte; the child's fork
 * copies its pinned page under both.
 */
TEST_F(cow, pte_pin_through_child)
{
	char *page = ps_small_buf(_metadata, 1);
	uint64_t pfn = ps_virt_to_pfn(page);
	int in, out, status;
	struct child_pin cp = { 0 };
	struct psh_pin req = { 0 };
	struct fork_deltas fd;
	pid_t child;
	char c;

	ASSERT_NE(0ULL, pfn);
	child = fork_talking(_metadata, &in, &out);
	if (!child) {
		/* The helper's file is shared: the slot outlives the child. */
		if (psh_pin(self->env.helper_fd, page, 1, PSH_PIN_FAST, 0,
			    &req) || req.result != 1)
			cp.err = 1;
		else if (psh_pfns(self->env.helper_fd, req.slot, &cp.pfn, 1,
				  &(uint64_t){0}))
			cp.err = 2;
		else if (fork_deltas(&cp.fork))
			cp.err = 3;
		cp.slot = req.slot;
		if (!pipe_write(out, &cp, sizeof(cp)))
			_exit(1);
		pipe_read(in, &c, 1);
		_exit(0);
	}
	ASSERT_TRUE(pipe_read(in, &cp, sizeof(cp)))
		TH_LOG("the child died");
	ASSERT_EQ(0, cp.err) TH_LOG("the child failed at step %d", cp.err);
	/* The child's pin still held, through its live mm. */
	ASSERT_EQ(0, fork_deltas(&fd));
	ASSERT_TRUE(pipe_write(out, "D", 1));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	close(in);
	close(out);
	ASSERT_EQ(0, psh_unpin(self->env.helper_fd, cp.slot,
			       PSH_UNPIN_PAGES, 0));

	EXPECT_NE(pfn, cp.pfn) TH_LOG("GUP pinned the shared page itself");
	EXPECT_EQ(pfn, ps_virt_to_pfn(page));
	expect_fork(_metadata, &cp.fork, POL_EXACT, 1, ANY, ANY);
	expect_fork(_metadata, &cp.fork, POL_PTE, 1, ANY, 0);
	expect_fork(_metadata, &fd, POL_EXACT, 0, ANY, ANY);
	expect_fork(_metadata, &fd, POL_PTE, 0, ANY, 0);
}

/*
 * Where the replay is not a PTE bit: a page pinned at one address and
 * moved by mremap() still holds its pin (the same PFN), but the record
 * names the old address.  A real bit would move with the PTE; the replay
 * shares the page (an unsafe share that only the replay makes), while
 * exact and the kernel copy it.
 */
TEST_F(cow, pte_after_mremap)
{
	char *page = ps_small_buf(_metadata, 1);
	char *moved = ps_small_buf(_metadata, 1);
	uint64_t pfn = ps_virt_to_pfn(page);
	struct fork_deltas fd;
	uint32_t slot;

	slot = pin_page(_metadata, self->env.helper_fd, page, PSH_F_WRITE);
	ASSERT_TRUE(mremap(page, PS_PAGE_SIZE, PS_PAGE_SIZE,
			   MREMAP_MAYMOVE | MREMAP_FIXED, moved) == moved)
		TH_LOG("mremap: %s", strerror(errno));
	ASSERT_EQ(pfn, ps_virt_to_pfn(moved));
	ASSERT_EQ(0, fork_deltas(&fd));
	expect_fork(_metadata, &fd, POL_KERNEL, 1, ANY, ANY);
	expect_fork(_metadata, &fd, POL_EXACT, 1, ANY, ANY);
	expect_fork(_metadata, &fd, POL_PTE, 0, ANY, 1);
	unpin_slot(_metadata, self->env.helper_fd, slot);
}

/* With the audit off, fork is not examined. */
TEST_F(cow, audit_off)
{
	char *page = ps_small_buf(_metadata, 1);
	uint32_t slot;
	int64_t examined;

	slot = pin_page(_metadata, self->env.helper_fd, page, PSH_F_WRITE);
	ASSERT_EQ(0, ps_control("audit off"));
	examined = ps_stat(_metadata, "cow_examined");
	fork_and_reap(_metadata);
	EXPECT_EQ(0, ps_stat(_metadata, "cow_examined") - examined);
	ASSERT_EQ(0, ps_control("audit on"));
	fork_and_reap(_metadata);
	EXPECT_LT(0, ps_stat(_metadata, "cow_examined") - examined);
	unpin_slot(_metadata, self->env.helper_fd, slot);
}

/*
 * The fork audit reads at most audit_fork_entries page-table entries per
 * VMA, with preemption off; the rest of the VMA is counted in cow_unwalked.
 * 8 MiB of order-0 pages, PMD-aligned, with a budget of two PMDs and their
 * 1024 PTEs: the walk stops at the 4 MiB boundary, 1024 pages examined,
 * 1024 unwalked.  A second fork with the bound back walks it all.
 */
TEST_F(cow, fork_walk_bound)
{
	enum { PAGES = 2048, WALKED = 1024 };
	static const char param[] =
		"/sys/module/" PS_MODULE "/parameters/audit_fork_entries";
	size_t size = (size_t)PAGES * 4096;
	int64_t saved, examined, unwalked;
	uint32_t slot;
	char *buf;

	ASSERT_EQ(0, ps_read_s64(param, &saved));
	buf = ps_mmap_aligned(size, 2UL << 20, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS);
	ASSERT_NE(NULL, buf);
	/*
	 * Order-0 pages where the kernel has THP (a kernel without refuses
	 * the advice).  A PMD leaf would cost the walk the same: one PMD and
	 * 512 pages.
	 */
	madvise(buf, size, MADV_NOHUGEPAGE);
	memset(buf, 1, size);
	slot = pin_page(_metadata, self->env.helper_fd, buf, PSH_F_WRITE);

	ASSERT_EQ(0, ps_write_s64(param, WALKED + 2));
	examined = ps_stat(_metadata, "cow_examined");
	unwalked = ps_stat(_metadata, "cow_unwalked");
	fork_and_reap(_metadata);
	ASSERT_EQ(0, ps_write_s64(param, saved));
	EXPECT_EQ(PAGES - WALKED, ps_stat(_metadata, "cow_unwalked") - unwalked);
	EXPECT_LE(WALKED, ps_stat(_metadata, "cow_examined") - examined);
	EXPECT_GT(PAGES, ps_stat(_metadata, "cow_examined") - examined);

	examined = ps_stat(_metadata, "cow_examined");
	unwalked = ps_stat(_metadata, "cow_unwalked");
	fork_and_reap(_metadata);
	EXPECT_EQ(0, ps_stat(_metadata, "cow_unwalked") - unwalked);
	EXPECT_LE(PAGES, ps_stat(_metadata, "cow_examined") - examined);

	unpin_slot(_metadata, self->env.helper_fd, slot);
	munmap(buf, size);
}

/* What one read of cow_audit saw: its seq column. */
struct audit_read {
	uint64_t first, last;	/* seq of the first and last row */
	uint64_t rows;		/* rows shown */
	uint64_t skipped;	/* jumps of seq: events overwritten meanwhile */
	uint64_t dups;		/* rows whose seq did not grow: never allowed */
};

/* The seq of one cow_audit line (its last field); false if it has none. */
static bool audit_seq(const char *line, uint64_t *seq)
{
	const char *sp = strrchr(line, ' ');
	char *end;

	if (!sp)
		return false;
	errno = 0;
	*seq = strtoull(sp + 1, &end, 10);
	return !errno && end != sp + 1 && (!*end || *end == '\n');
}

/* Account one complete line of a cow_audit read. */
static void audit_line(struct __test_metadata *_metadata, const char *line,
		       bool *header, struct audit_read *r)
{
	uint64_t seq;

	if (!*header) {
		const char *sp = strrchr(line, ' ');

		ASSERT_TRUE(sp && !strncmp(sp, " seq\n", 5))
			TH_LOG("header: %s", line);
		*header = true;
		return;
	}
	ASSERT_TRUE(audit_seq(line, &seq)) TH_LOG("row: %s", line);
	if (r->rows && seq <= r->last)
		r->dups++;
	else if (r->rows)
		r->skipped += seq - r->last - 1;
	if (!r->rows)
		r->first = seq;
	r->last = seq;
	r->rows++;
}

/*
 * Read cow_audit @chunk bytes per read(2); every @every reads, @forks
 * forks add events while the read goes on (until @steps such pauses).
 */
static void audit_read(struct __test_metadata *_metadata, size_t chunk,
		       int every, int forks, int steps, struct audit_read *r)
{
	char line[512], buf[4096];
	size_t used = 0;
	bool header = false;
	int fd, reads = 0, i;
	ssize_t n;

	memset(r, 0, sizeof(*r));
	ASSERT_LE(chunk, sizeof(buf));
	fd = open(PINSHADOW_DEBUGFS_DIR "/cow_audit", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("%s", strerror(errno));
	while ((n = read(fd, buf, chunk)) > 0) {
		for (i = 0; i < n; i++) {
			ASSERT_LT(used, sizeof(line) - 1);
			line[used++] = buf[i];
			if (buf[i] != '\n')
				continue;
			line[used] = '\0';
			used = 0;
			audit_line(_metadata, line, &header, r);
		}
		if (every && steps && ++reads % every == 0) {
			for (i = 0; i < forks; i++)
				fork_and_reap(_metadata);
			steps--;
		}
	}
	ASSERT_EQ(0, n) TH_LOG("read: %s", strerror(errno));
	close(fd);
	ASSERT_EQ(0U, used);
	ASSERT_TRUE(header);
}

/*
 * cow_audit is read with the event's sequence number as its cursor: fill
 * the ring, then read it slowly while forks overwrite it faster than the
 * read goes.  No event may be shown twice or out of order; the read starts
 * at the oldest event and ends at the newest; the rows it shows plus the
 * jumps of its seq column are every event in between; and every event it
 * skipped was one the ring dropped.
 */
/* 128 forks and a paced read: slow on a debug kernel under TCG. */
TEST_F_TIMEOUT(cow, audit_ring_wrap, 120)
{
	const uint64_t RING = 4096;
	enum { NPAGES = 64 };
	char *buf = ps_small_buf(_metadata, NPAGES);
	struct audit_read before, during, after;
	int64_t dropped;
	struct psh_pin req;
	int i;

	ASSERT_EQ(0, psh_pin(self->env.helper_fd, buf, NPAGES, PSH_PIN_FAST,
			     PSH_F_WRITE, &req));
	ASSERT_EQ(NPAGES, req.result);
	/* Every fork records each pinned page: fill the ring. */
	for (i = 0; i < (int)(2 * RING / NPAGES); i++)
		fork_and_reap(_metadata);
	audit_read(_metadata, 512, 0, 0, 0, &before);
	ASSERT_EQ(RING, before.rows);
	ASSERT_EQ(0ULL, before.skipped);
	ASSERT_EQ(0ULL, before.dups);
	ASSERT_EQ(RING - 1, before.last - before.first);

	dropped = ps_stat(_metadata, "cow_events_dropped");
	/* ~6 rows a read, 20 reads a pause: ~115 rows per 3 * 64 events. */
	audit_read(_metadata, 512, 20, 3, 30, &during);
	audit_read(_metadata, 4096, 0, 0, 0, &after);
	TH_LOG("ring %llu: read %llu rows of seq %llu..%llu, %llu skipped; dropped meanwhile %lld",
	       (unsigned long long)RING, (unsigned long long)during.rows,
	       (unsigned long long)during.first,
	       (unsigned long long)during.last,
	       (unsigned long long)during.skipped,
	       (long long)(ps_stat(_metadata, "cow_events_dropped") - dropped));
	EXPECT_EQ(0ULL, during.dups);
	EXPECT_EQ(before.first, during.first);
	EXPECT_EQ(after.last, during.last);
	EXPECT_EQ(during.last - during.first + 1,
		  during.rows + during.skipped);
	/* The forks did overtake the read... */
	EXPECT_LT(0ULL, during.skipped);
	/* ...and it skipped only events the ring dropped. */
	EXPECT_EQ(after.last - before.last,
		  (uint64_t)(ps_stat(_metadata, "cow_events_dropped") -
			     dropped));
	EXPECT_GE(after.last - before.last, during.skipped);
	EXPECT_EQ(RING, after.rows);
	EXPECT_EQ(0ULL, after.skipped + after.dups);
	unpin_slot(_metadata, self->env.helper_fd, req.slot);
}

/*
 * A read of stats only reads: the record a pin call left cached for
 * sharing stays alive (records, record_bytes) through any number of
 * reads, and goes only on the explicit "flush" command.
 */
TEST_F(cow, stats_read_only_reads)
{
	char *page = ps_small_buf(_metadata, 1);
	int64_t records, bytes;
	uint32_t slot;

	ASSERT_EQ(0, ps_control("flush"));
	records = ps_stat_unsettled(_metadata, "records");
	slot = pin_page(_metadata, self->env.helper_fd, page, PSH_F_WRITE);
	unpin_slot(_metadata, self->env.helper_fd, slot);
	/* Nothing pinned; the record is cached, not freed. */
	ASSERT_EQ(records + 1, ps_stat_unsettled(_metadata, "records"));
	bytes = ps_stat_unsettled(_metadata, "record_bytes");
	EXPECT_LT(0, bytes);
	EXPECT_EQ(records + 1, ps_stat_unsettled(_metadata, "records"));
	EXPECT_EQ(bytes, ps_stat_unsettled(_metadata, "record_bytes"));
	ASSERT_EQ(0, ps_control("flush"));
	EXPECT_EQ(records, ps_stat_unsettled(_metadata, "records"));
}

/* The tracked-region truth table: a THP with one pinned subpage. */
TEST_F(cow, verdicts_folio_sibling)
{
	char *thp = ps_thp_buf(_metadata, 1), *buf;
	uint32_t slot;
	size_t len;

	if (!thp)
		SKIP(return, "no THP available");
	slot = pin_page(_metadata, self->env.helper_fd, thp, PSH_F_WRITE);
	ASSERT_EQ(0, ps_control("scan tracked"));
	/* Regions emptied by earlier tests: retired now, not in a second. */
	ASSERT_EQ(0, ps_control("flush"));
	ASSERT_EQ(0, ps_read_file(PINSHADOW_DEBUGFS_DIR "/verdicts", &buf, &len));
	EXPECT_TRUE(strstr(buf, "true_pos 1\n") != NULL) TH_LOG("%.200s", buf);
	EXPECT_TRUE(strstr(buf, "\nfalse_pos 511\n") != NULL)
		TH_LOG("%.200s", buf);
	EXPECT_TRUE(strstr(buf, "\nfalse_neg 0\n") != NULL);
	EXPECT_TRUE(strstr(buf, "\nscope tracked\n") != NULL);
	EXPECT_TRUE(strstr(buf, " folio_sibling\n") != NULL);
	free(buf);
	unpin_slot(_metadata, self->env.helper_fd, slot);
}

static void query(struct __test_metadata *_metadata, int fd, const void *addr,
		  struct psh_query *q)
{
	memset(q, 0, sizeof(*q));
	q->addr = (uintptr_t)addr;
	ASSERT_EQ(0, ioctl(fd, PSH_IOC_QUERY, q)) TH_LOG("%s", strerror(errno));
}

/*
 * The in-kernel API, asked by the test helper module about pins it took
 * itself: a page whose block was never allocated, or was freed once
 * emptied, has no exact count; a pinned page has its count; an unpinned subpage of a pinned THP is not
 * really pinned although folio_maybe_dma_pinned() says it is.
 */
TEST_F(cow, in_kernel_api)
{
	int fd = self->env.helper_fd;
	char *page = ps_small_buf(_metadata, 1);
	char *thp = ps_thp_buf(_metadata, 1);
	struct psh_pin a, b, t;
	struct ps_lookup lk;
	struct psh_query q;
	struct ps_test_stats st;

	query(_metadata, fd, page, &q);
	EXPECT_EQ(0U, q.available);
	EXPECT_EQ(0, q.pincount);
	EXPECT_EQ(0U, q.really_pinned);

	ASSERT_EQ(0, psh_pin(fd, page, 1, PSH_PIN_FAST, PSH_F_WRITE, &a));
	ASSERT_EQ(0, psh_pin(fd, page, 1, PSH_PIN_PLAIN, 0, &b));
	query(_metadata, fd, page, &q);
	EXPECT_EQ(1U, q.available);
	EXPECT_EQ(2, q.pincount);
	EXPECT_EQ(1U, q.really_pinned);
	ASSERT_EQ(0, psh_unpin(fd, b.slot, PSH_UNPIN_PAGE, 0));
	query(_metadata, fd, page, &q);
	EXPECT_EQ(1, q.pincount);
	ASSERT_EQ(0, psh_unpin(fd, a.slot, PSH_UNPIN_PAGES, 0));
	/* The emptied block is kept a while: the count stays exact, 0. */
	query(_metadata, fd, page, &q);
	EXPECT_EQ(0, q.pincount);
	EXPECT_EQ(0U, q.really_pinned);
	/* A stats read frees it: no exact count any more. */
	ASSERT_EQ(0, ps_stats_read(&st));
	query(_metadata, fd, page, &q);
	EXPECT_EQ(0U, q.available);
	EXPECT_EQ(0U, q.really_pinned);

	if (!thp)
		SKIP(return, "no THP available");
	ASSERT_EQ(0, psh_pin(fd, thp, 1, PSH_PIN_FAST, PSH_F_WRITE, &t));
	query(_metadata, fd, thp + PS_PAGE_SIZE, &q);
	ASSERT_EQ(0, ps_lookup_pfn(q.pfn, &lk));
	EXPECT_EQ(1, lk.maybe_pinned);
	EXPECT_EQ(1U, q.available);
	EXPECT_EQ(0, q.pincount);
	EXPECT_EQ(0U, q.really_pinned);
	query(_metadata, fd, thp, &q);
	EXPECT_EQ(1, q.pincount);
	EXPECT_EQ(1U, q.really_pinned);
	ASSERT_EQ(0, psh_unpin(fd, t.slot, PSH_UNPIN_PAGES, 0));
}

TEST_HARNESS_MAIN
