/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the real-client tests (tests/pin_rdma.c, tests/pin_fio.c): they run Debian's
 * programs, which the suite's initramfs overlay carries (tests/vm/vm.mk,
 * VM_OVERLAY_PROGS), and find the pins those programs' drivers took by a
 * frame of the pin call's stack.  Functions return 0 or a negative errno.
 */
#ifndef PS_CLIENT_H
#define PS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ps_util.h"

/* @prog is on the guest's PATH (/bin). */
bool ps_have_prog(const char *prog);

/*
 * Starts @argv (argv[0] looked up in PATH) with stdin /dev/null and its
 * stdout and stderr appended to @log; its pid, or -errno.
 */
pid_t ps_spawn(char *const argv[], const char *log);
/*
 * Waits up to @ms for @pid: its wait status in *@status, -ETIMEDOUT if it
 * still runs (it is left running).
 */
int ps_wait_pid(pid_t pid, int ms, int *status);
/*
 * ps_spawn(), then ps_wait_pid(): the exit code (0..255), -EINTR if a
 * signal ended it, -ETIMEDOUT after @ms (then it is killed).
 */
int ps_run(char *const argv[], const char *log, int ms);
/* Kills and reaps child *@pid if there is one (> 0); then *@pid is -1. */
void ps_kill_child(pid_t *pid);
/* The last @len - 1 bytes of @path, for a failure's message. */
void ps_log_tail(const char *path, char *buf, size_t len);

/*
 * Pins of `pins` rows whose pin-call stack has a frame of a function whose
 * name contains @fn (kernels rename: 7.3's ib_umem_get() is
 * ib_umem_get_attr_or_va() and __ib_umem_get_va()).
 */
struct ps_stack_pins {
	size_t rows;		/* rows with such a stack */
	int64_t pins;		/* the sum of their count column */
	int64_t longterm;	/* the sum of their longterm column */
	size_t other_pid;	/* of those rows, ones of another pid than @pid */
};

/*
 * Reads `pins` and `stacks` once: the rows whose stack names @fn, and how
 * many of them another process than @pid took.
 */
int ps_pins_by_frame(const char *fn, int64_t pid, struct ps_stack_pins *out);

#endif /* PS_CLIENT_H */
