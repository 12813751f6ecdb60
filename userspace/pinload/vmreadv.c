// SPDX-License-Identifier: GPL-2.0
/*
 * pinload vm-readv: a child reads the parent's buffer with
 * process_vm_readv(), which pins the parent's pages (pin_user_pages_remote
 * on the parent's mm) only for the copy: transient pins, taken by one task
 * on another's memory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pinload.h"

/* The child: read @pages of @ppid at @remote @loops times (or @seconds). */
static int reader(pid_t ppid, void *remote, size_t bytes, uint64_t loops,
		  long seconds, int report)
{
	char *local = malloc(bytes);
	struct iovec l = { local, bytes }, r = { remote, bytes };
	struct timespec start, now;
	uint64_t done = 0;

	if (!local)
		return PL_EXIT_FAIL;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		ssize_t got = process_vm_readv(ppid, &l, 1, &r, 1, 0);

		if (got != (ssize_t)bytes) {
			fprintf(stderr, "pinload: process_vm_readv: %s\n",
				got < 0 ? strerror(errno) : "short read");
			return PL_EXIT_FAIL;
		}
		if (local[0] != 0x5a || local[bytes - 1] != 0x5a) {
			fprintf(stderr, "pinload: process_vm_readv read wrong data\n");
			return PL_EXIT_FAIL;
		}
		done++;
		if (seconds > 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec - start.tv_sec >= seconds || pl_stop)
				break;
		} else if (done == loops) {
			break;
		}
	}
	if (write(report, &done, sizeof(done)) != sizeof(done))
		return PL_EXIT_FAIL;
	return PL_EXIT_OK;
}

int pl_vm_readv(const struct pl_vals *v)
{
	uint64_t pages = v->pages, done = 0;
	size_t ps = (size_t)getpagesize();
	int fds[2], status;
	void *buf;
	pid_t child;

	buf = pl_alloc(pages * ps, false);
	if (!buf || pipe(fds)) {
		perror("pinload: vm-readv");
		return PL_EXIT_FAIL;
	}
	pl_catch_signals();
	child = fork();
	if (child < 0) {
		perror("pinload: fork");
		return PL_EXIT_FAIL;
	}
	if (child == 0) {
		close(fds[0]);
		_exit(reader(getppid(), buf, pages * ps, v->loops, v->hold,
			     fds[1]));
	}
	close(fds[1]);
	printf("scenario=vm-readv pid=%d reader=%d addr=%p end=%p pages=%llu\n",
	       (int)getpid(), (int)child, buf, (char *)buf + pages * ps,
	       (unsigned long long)pages);
	fflush(stdout);
	if (read(fds[0], &done, sizeof(done)) != sizeof(done))
		done = 0;
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "pinload: vm-readv reader failed\n");
		return PL_EXIT_FAIL;
	}
	printf("released scenario=vm-readv pid=%d loops=%llu transient_pins=%llu\n",
	       (int)getpid(), (unsigned long long)done,
	       (unsigned long long)(done * pages));
	return PL_EXIT_OK;
}
