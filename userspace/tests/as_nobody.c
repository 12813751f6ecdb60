// SPDX-License-Identifier: GPL-2.0
/*
 * as_nobody CMD [ARG...]: run CMD as uid and gid 65534 with no
 * supplementary groups, from root, without su or a passwd entry.  The VM
 * tests use it to check what a user who is not root gets.  Exits 125 if
 * the privileges cannot be dropped (or the capabilities stay), 127 if CMD
 * cannot be run.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define NOBODY	65534

int main(int argc, char **argv)
{
	uid_t r, e, s;

	if (argc < 2) {
		fprintf(stderr, "usage: as_nobody CMD [ARG...]\n");
		return 2;
	}
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY)) {
		fprintf(stderr, "as_nobody: %s\n", strerror(errno));
		return 125;
	}
	/* Back to root must fail now, or nothing was dropped. */
	if (getresuid(&r, &e, &s) || r != NOBODY || e != NOBODY ||
	    s != NOBODY || !setresuid(0, 0, 0)) {
		fprintf(stderr, "as_nobody: still privileged\n");
		return 125;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "as_nobody: %s: %s\n", argv[1], strerror(errno));
	return 127;
}
