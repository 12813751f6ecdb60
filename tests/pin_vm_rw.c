// SPDX-License-Identifier: GPL-2.0
/*
 * pinshadow: process_vm_readv()/process_vm_writev() pin the target's pages
 * with pin_user_pages_remote() for the time of the copy only.  Afterwards
 * every count is back to 0 and the acquired/released deltas both equal the
 * pages copied.  To look at the pins while they are held, the local buffer
 * is a missing-mode userfaultfd region: the copy stops on its first fault
 * with the remote pages pinned, until the test resolves the fault.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "ps_check.h"

#define NPAGES	8
#define LEN	(NPAGES * PS_PAGE_SIZE)

FIXTURE(vm_rw) {
	struct ps_env env;
	char *remote;
	char *local;
	int uffd;
	pthread_t thread;
	bool thread_live;
};

FIXTURE_VARIANT(vm_rw) {
	bool write;
};

FIXTURE_VARIANT_ADD(vm_rw, readv) {
	.write = false,
};

FIXTURE_VARIANT_ADD(vm_rw, writev) {
	.write = true,
};

FIXTURE_SETUP(vm_rw)
{
	self->uffd = -1;
	ps_fixture_setup(_metadata, &self->env);
	self->remote = ps_small_buf(_metadata, NPAGES);
}

FIXTURE_TEARDOWN(vm_rw)
{
	/* Closing the userfaultfd fails a fault still waiting: the copy ends. */
	if (self->uffd >= 0)
		close(self->uffd);
	if (self->thread_live)
		pthread_join(self->thread, NULL);
	ps_fixture_teardown(_metadata, &self->env, 5000);
}

static ssize_t vm_copy(bool write, char *local, char *remote)
{
	struct iovec l = { .iov_base = local, .iov_len = LEN };
	struct iovec r = { .iov_base = remote, .iov_len = LEN };

	if (write)
		return process_vm_writev(getpid(), &l, 1, &r, 1, 0);
	return process_vm_readv(getpid(), &l, 1, &r, 1, 0);
}

static void check_after_copy(struct __test_metadata *_metadata,
			     FIXTURE_DATA(vm_rw) *self,
			     const struct ps_test_stats *a, const struct ps_vm *va)
{
	uint64_t pfns[NPAGES];
	struct ps_expect e = {
		.watch = pfns, .nwatch = NPAGES, .exact = true,
	};
	struct ps_test_stats b;
	struct ps_vm vb;

	ps_get_stats(_metadata, &b);
	ps_get_vm(_metadata, &vb);
	ps_buf_pfns(_metadata, self->remote, NPAGES, pfns);
	/* Transient pins: one per page copied, all released. */
	ps_check_transient_deltas(_metadata, a, &b, va, &vb, NPAGES);
	ps_check_pins(_metadata, &e);
}

TEST_F(vm_rw, transient)
{
	char *local = ps_small_buf(_metadata, NPAGES);
	struct ps_test_stats a;
	struct ps_vm va;

	ps_get_stats(_metadata, &a);
	ps_get_vm(_metadata, &va);
	ASSERT_EQ((ssize_t)LEN, vm_copy(variant->write, local, self->remote))
		TH_LOG("process_vm_%s: %s", variant->write ? "writev" : "readv",
		       strerror(errno));
	check_after_copy(_metadata, self, &a, &va);
}

struct copier {
	bool write;
	char *local;
	char *remote;
	pid_t tid;
	ssize_t ret;
	int err;
};

static void *copier_fn(void *arg)
{
	struct copier *c = arg;

	c->tid = syscall(SYS_gettid);
	c->ret = vm_copy(c->write, c->local, c->remote);
	c->err = errno;
	return NULL;
}

TEST_F(vm_rw, held_while_copying)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct uffdio_copy copy = { .len = LEN };
	struct pollfd pfd;
	struct uffd_msg msg;
	struct copier c = { .write = variant->write };
	struct ps_pin_ent ents[NPAGES];
	uint64_t pfns[NPAGES];
	struct ps_test_stats a;
	struct ps_vm va;
	char *src;

	self->uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (self->uffd < 0)
		SKIP(return, "userfaultfd: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(self->uffd, UFFDIO_API, &api));
	c.local = ps_mmap_aligned(LEN, PS_PAGE_SIZE, PROT_READ | PROT_WRITE, 0);
	ASSERT_TRUE(c.local != NULL);
	ASSERT_EQ(0, ps_nohuge(c.local, LEN));
	reg.range.start = (uintptr_t)c.local;
	reg.range.len = LEN;
	ASSERT_EQ(0, ioctl(self->uffd, UFFDIO_REGISTER, &reg))
		TH_LOG("UFFDIO_REGISTER: %s", strerror(errno));
	c.remote = self->remote;
	src = ps_small_buf(_metadata, NPAGES);
	ps_buf_pfns(_metadata, self->remote, NPAGES, pfns);

	ps_get_stats(_metadata, &a);
	ps_get_vm(_metadata, &va);
	ASSERT_EQ(0, pthread_create(&self->thread, NULL, copier_fn, &c));
	self->thread_live = true;

	/* The copy stops on the local buffer with the remote pages pinned. */
	pfd.fd = self->uffd;
	pfd.events = POLLIN;
	ASSERT_EQ(1, poll(&pfd, 1, 10000)) TH_LOG("no userfault within 10 s");
	ASSERT_EQ((ssize_t)sizeof(msg), read(self->uffd, &msg, sizeof(msg)));
	ASSERT_EQ(UFFD_EVENT_PAGEFAULT, msg.event);
	ASSERT_EQ((uintptr_t)c.local, msg.arg.pagefault.address & ~(PS_PAGE_SIZE - 1));

	ps_pin_ents(ents, pfns, NPAGES, 0);
	ps_check_pins(_metadata, &(struct ps_expect){
		.pins = ents, .npins = NPAGES,
		.watch = pfns, .nwatch = NPAGES, .exact = true,
		.api = "pin_user_pages_remote",
		/* the pinning task: the thread, or its process */
		.pid = c.tid, .pid_alt = getpid(),
		.comm = self->env.comm,
	});

	/* Resolve the fault: the copy finishes and releases the pins. */
	copy.dst = (uintptr_t)c.local;
	copy.src = (uintptr_t)src;
	ASSERT_EQ(0, ioctl(self->uffd, UFFDIO_COPY, &copy))
		TH_LOG("UFFDIO_COPY: %s", strerror(errno));
	ASSERT_EQ(0, pthread_join(self->thread, NULL));
	self->thread_live = false;
	ASSERT_EQ((ssize_t)LEN, c.ret) TH_LOG("process_vm_%s: %s",
					      variant->write ? "writev" : "readv",
					      strerror(c.err));
	check_after_copy(_metadata, self, &a, &va);
}

TEST_HARNESS_MAIN
