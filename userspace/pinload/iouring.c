// SPDX-License-Identifier: GPL-2.0
/*
 * pinload iouring: IORING_REGISTER_BUFFERS pins the buffer long-term
 * (FOLL_LONGTERM) until the buffers are unregistered or the ring closes.
 * With --unmap the buffer is unmapped once registered: pinned pages that no
 * process maps.
 */
#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <unistd.h>

#include "pinload.h"

/* The kernel refuses fixed buffers over 1 GiB: split larger ones. */
#define IOURING_MAX_BUF	(1UL << 30)

/* Register @bytes at @buf as io_uring fixed buffers. */
static int pl_register(struct io_uring *ring, void *buf, size_t bytes)
{
	size_t n = (bytes + IOURING_MAX_BUF - 1) / IOURING_MAX_BUF, i;
	struct iovec *iov = calloc(n, sizeof(*iov));
	struct rlimit rl;
	int ret;

	if (!iov)
		return -ENOMEM;
	/* Without CAP_IPC_LOCK the pins count against RLIMIT_MEMLOCK. */
	if (!getrlimit(RLIMIT_MEMLOCK, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_MEMLOCK, &rl);
	}
	for (i = 0; i < n; i++) {
		iov[i].iov_base = (char *)buf + i * IOURING_MAX_BUF;
		iov[i].iov_len = bytes - i * IOURING_MAX_BUF < IOURING_MAX_BUF ?
				 bytes - i * IOURING_MAX_BUF : IOURING_MAX_BUF;
	}
	ret = io_uring_register_buffers(ring, iov, (unsigned int)n);
	free(iov);
	return ret;
}

void *pl_ring_buf(struct io_uring *ring, size_t *bytes, bool thp)
{
	size_t ps = (size_t)getpagesize(), unit = thp ? PL_HPAGE_SIZE : ps;
	void *buf;
	int ret;

	*bytes = (*bytes + unit - 1) / unit * unit;
	buf = pl_alloc(*bytes, thp);
	if (!buf) {
		perror("pinload: mmap");
		return NULL;
	}
	ret = io_uring_queue_init(4, ring, 0);
	if (ret < 0) {
		fprintf(stderr, "pinload: io_uring_queue_init: %s\n",
			strerror(-ret));
		return NULL;
	}
	ret = pl_register(ring, buf, *bytes);
	if (ret < 0) {
		fprintf(stderr, "pinload: IORING_REGISTER_BUFFERS: %s\n",
			strerror(-ret));
		io_uring_queue_exit(ring);
		return NULL;
	}
	return buf;
}

int pl_iouring(const struct pl_vals *v)
{
	struct io_uring ring;
	size_t pages, bytes = v->size, ps = (size_t)getpagesize();
	void *buf;

	buf = pl_ring_buf(&ring, &bytes, v->thp);
	if (!buf)
		return PL_EXIT_FAIL;
	pl_catch_signals();
	pages = bytes / ps;
	printf("scenario=iouring pid=%d addr=%p end=%p pages=%zu bytes=%zu thp=%d thp_chunks=%ld pfn=0x%llx unmapped=%d\n",
	       (int)getpid(), buf, (char *)buf + bytes, pages, bytes,
	       v->thp, pl_thp_chunks(buf, bytes),
	       (unsigned long long)pl_pfn(buf), v->unmap);
	/* The ring keeps the pages pinned: now no process maps them. */
	if (v->unmap)
		munmap(buf, bytes);
	fflush(stdout);
	pl_hold(v->hold);
	io_uring_unregister_buffers(&ring);
	io_uring_queue_exit(&ring);
	printf("released scenario=iouring pid=%d pages=%zu\n", (int)getpid(),
	       pages);
	return PL_EXIT_OK;
}
