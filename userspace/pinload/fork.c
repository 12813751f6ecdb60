// SPDX-License-Identifier: GPL-2.0
/*
 * pinload fork: pin a buffer (io_uring fixed buffers), fork, and let each
 * child write all over its view of the buffer and exit.  Because the pages
 * are pinned, fork must copy them for the child at once; the parent's
 * buffer, which a device could be DMAing into, must not change.
 */
#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pinload.h"

static bool all_bytes(const char *p, size_t n, char c)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != c)
			return false;
	return true;
}

int pl_fork(const struct pl_vals *v)
{
	uint64_t children = v->children, c, ok = 0;
	bool thp = v->thp, intact;
	size_t ps = (size_t)getpagesize(), bytes = v->pages * ps;
	struct io_uring ring;
	char *buf;

	buf = pl_ring_buf(&ring, &bytes, thp);
	if (!buf)
		return PL_EXIT_FAIL;
	pl_catch_signals();
	for (c = 0; c < children; c++) {
		pid_t pid = fork();
		int status;

		if (pid < 0) {
			perror("pinload: fork");
			return PL_EXIT_FAIL;
		}
		if (pid == 0) {
			memset(buf, (int)(0xc0 + c % 16), bytes);
			_exit(all_bytes(buf, bytes, (char)(0xc0 + c % 16)) ?
			      0 : 1);
		}
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			ok++;
	}
	intact = all_bytes(buf, bytes, 0x5a);
	printf("scenario=fork pid=%d addr=%p end=%p pages=%zu thp=%d thp_chunks=%ld children=%llu children_ok=%llu parent_intact=%d\n",
	       (int)getpid(), (void *)buf, buf + bytes, bytes / ps, thp,
	       thp ? pl_thp_chunks(buf, bytes) : 0L,
	       (unsigned long long)children, (unsigned long long)ok, intact);
	fflush(stdout);
	pl_hold(v->hold);
	io_uring_unregister_buffers(&ring);
	io_uring_queue_exit(&ring);
	printf("released scenario=fork pid=%d\n", (int)getpid());
	if (!intact)
		fprintf(stderr, "pinload: fork: the parent's pinned buffer changed\n");
	return intact && ok == children ? PL_EXIT_OK : PL_EXIT_FAIL;
}
