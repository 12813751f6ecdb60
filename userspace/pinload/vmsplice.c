// SPDX-License-Identifier: GPL-2.0
/*
 * pinload vmsplice: the false positive of folio_maybe_dma_pinned().  Each
 * vmsplice() of a page into a pipe takes a plain reference (FOLL_GET, not a
 * pin); with pipes grown by F_SETPIPE_SZ, an order-0 page passes 1024
 * references, GUP_PIN_COUNTING_BIAS, and looks pinned while it has zero
 * pins.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <unistd.h>

#include "pinload.h"

#define MAX_PIPE_SLOTS	4096

/* Grow @fd as far as allowed, up to @slots pages; returns the size. */
static long grow_pipe(int fd, uint64_t slots, size_t ps)
{
	long size;

	if (slots > MAX_PIPE_SLOTS)
		slots = MAX_PIPE_SLOTS;
	/* Root may pass pipe-max-size; others get EPERM, so halve and retry. */
	for (size = (long)(slots * ps); size >= (long)ps; size /= 2) {
		long got = fcntl(fd, F_SETPIPE_SZ, size);

		if (got >= 0)
			return got;
	}
	return fcntl(fd, F_GETPIPE_SZ);
}

int pl_vmsplice(const struct pl_vals *v)
{
	uint64_t count = v->count, refs = 0;
	size_t ps = (size_t)getpagesize();
	struct iovec iov;
	struct rlimit rl;
	unsigned int npipes = 0;
	char *page;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	page = pl_alloc(ps, false);	/* one order-0 page */
	if (!page) {
		perror("pinload: mmap");
		return PL_EXIT_FAIL;
	}
	iov.iov_base = page;
	iov.iov_len = ps;
	pl_catch_signals();
	while (refs < count) {
		int fds[2];
		long size;

		if (pipe(fds)) {
			perror("pinload: pipe");
			return PL_EXIT_FAIL;
		}
		npipes++;
		size = grow_pipe(fds[1], count - refs, ps);
		if (size < (long)ps) {
			perror("pinload: F_SETPIPE_SZ");
			return PL_EXIT_FAIL;
		}
		/* One reference per call; a full pipe says EAGAIN. */
		while (refs < count) {
			ssize_t got = vmsplice(fds[1], &iov, 1,
					       SPLICE_F_NONBLOCK);

			if (got < 0 && errno == EAGAIN)
				break;
			if (got != (ssize_t)ps) {
				fprintf(stderr, "pinload: vmsplice: %s\n",
					got < 0 ? strerror(errno) : "short");
				return PL_EXIT_FAIL;
			}
			refs++;
		}
	}
	printf("scenario=vmsplice pid=%d addr=%p pfn=0x%llx refs=%llu pipes=%u pins=0\n",
	       (int)getpid(), (void *)page, (unsigned long long)pl_pfn(page),
	       (unsigned long long)refs, npipes);
	fflush(stdout);
	pl_hold(v->hold);
	printf("released scenario=vmsplice pid=%d\n", (int)getpid());
	return PL_EXIT_OK;
}
