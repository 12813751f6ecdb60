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

int pl_fork(struct pl_args *a)
{
	uint64_t pages = 16, children = 1, c, ok = 0;
	long hold = 0;
	bool thp = false, intact;
	size_t ps = (size_t)getpagesize(), bytes;
	struct io_uring ring;
	char *buf;
	int ret;
	const struct pl_opt opts[] = {
		PL_FLAG("--thp", &thp),
		PL_COUNT("--pages", &pages, 1ULL << 28, "a page count"),
		PL_COUNT("--children", &children, 1000, "1..1000"),
		PL_HOLD(&hold),
		PL_END,
	};

	ret = pl_parse_opts(a, "fork", opts);
	if (ret)
		return ret;
	bytes = pages * ps;
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
	pl_hold(hold);
	io_uring_unregister_buffers(&ring);
	io_uring_queue_exit(&ring);
	printf("released scenario=fork pid=%d\n", (int)getpid());
	if (!intact)
		fprintf(stderr, "pinload: fork: the parent's pinned buffer changed\n");
	return intact && ok == children ? PL_EXIT_OK : PL_EXIT_FAIL;
}
