// SPDX-License-Identifier: GPL-2.0
/*
 * The QEMU control experiment behind tests/vm/run.sh's default
 * -accel tcg,thread=single (README.md, "Known limits").  Not part of any
 * suite: under multi-threaded TCG it is meant to crash the guest.
 *
 * pinshadow is unloaded; the kernel's own kprobe_events arm and disarm
 * probes on the GUP functions, 60 rounds, while three threads pin and unpin
 * 16 pages through the test helper.  Mode from the kernel command line:
 * ctrl_mode=all|kp|rpfast|rgrab|nograb, ctrl_noopt=1 (kprobe optimisation
 * off).  Measured on 6.1.0-56 and 6.12.117+deb12 with QEMU 7.2: every mode
 * jumps to address 0 in the first round with VM_ACCEL=tcg; all 60 rounds
 * pass with tcg,thread=single.
 *
 *   gcc -std=gnu11 -O2 -static -Ibuild/ktools/tools/testing/selftests \
 *       -Iinclude -Itests -Iuserspace/cli -o /tmp/ctrl/kprobe_ctrl \
 *       tests/vm/kprobe_ctrl.c tests/ps_util.c userspace/cli/parse.c \
 *       userspace/cli/slurp.c -luring -lpthread
 *   VM_TESTS_DIR=/tmp/ctrl VM_EXTRA_MODULES= VM_ACCEL=tcg \
 *       VM_APPEND=ctrl_mode=rpfast tests/vm/run.sh 6.12.117+deb12-amd64
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include "ps_util.h"

static volatile int stop;
static void *traffic(void *arg)
{
	int fd = psh_open();
	char *buf = ps_mmap_aligned(16 * 4096, 4096, PROT_READ | PROT_WRITE, 0);
	struct psh_pin req;
	long n = 0;
	(void)arg;
	madvise(buf, 16 * 4096, MADV_NOHUGEPAGE);
	memset(buf, 1, 16 * 4096);
	while (!stop) {
		if (psh_pin(fd, buf, 16, PSH_PIN_FAST, PSH_F_WRITE, &req) || req.result != 16)
			break;
		psh_unpin(fd, req.slot, PSH_UNPIN_PAGES, 0);
		n++;
	}
	return (void *)n;
}

static void w(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0 || write(fd, s, strlen(s)) < 0)
		printf("# %s <- %s: %s\n", path, s, strerror(errno));
	if (fd >= 0) close(fd);
}

static char cmdline[4096];

static const char *opt(const char *key, char *v)
{
	char *p = strstr(cmdline, key);

	*v = '\0';
	if (p)
		sscanf(p + strlen(key), "%63s", v);
	return v;
}

int main(void)
{
	pthread_t t[3];
	int i, round, fd;
	char mode[64], noopt[64];
	const char *ev;

	fd = open("/proc/cmdline", O_RDONLY);
	if (fd < 0 || read(fd, cmdline, sizeof(cmdline) - 1) < 0)
		return 1;
	close(fd);
	opt("ctrl_mode=", mode);
	opt("ctrl_noopt=", noopt);
	if (!strcmp(mode, "kp"))
		ev = "p:ps_p1 unpin_user_pages\np:ps_p2 gup_put_folio\np:ps_p3 pin_user_pages_fast\np:ps_p4 try_grab_folio_fast\n";
	else if (!strcmp(mode, "rpfast"))
		ev = "r:ps_r1 pin_user_pages_fast\n";
	else if (!strcmp(mode, "rgrab"))
		ev = "r:ps_r3 try_grab_folio_fast\n";
	else if (!strcmp(mode, "nograb"))
		ev = "r:ps_r1 pin_user_pages_fast\nr:ps_r2 pin_user_pages\np:ps_p1 unpin_user_pages\np:ps_p2 gup_put_folio\n";
	else
		ev = "r:ps_r1 pin_user_pages_fast\nr:ps_r2 pin_user_pages\nr:ps_r3 try_grab_folio_fast\nr:ps_r4 try_grab_folio\np:ps_p1 unpin_user_pages\np:ps_p2 gup_put_folio\n";
	mkdir("/sys/kernel/tracing", 0755);
	mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL);
	if (!strcmp(noopt, "1"))
		w("/proc/sys/debug/kprobes-optimization", "0");
	if (ps_module_loaded("pinshadow"))
		ps_rmmod("pinshadow");
	printf("TAP version 13\n1..1\n# mode %s noopt %s\n", mode, noopt);
	for (i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, traffic, NULL);
	for (round = 0; round < 60; round++) {
		w("/sys/kernel/tracing/kprobe_events", ev);
		w("/sys/kernel/tracing/events/kprobes/enable", "1");
		usleep(50000);
		w("/sys/kernel/tracing/events/kprobes/enable", "0");
		w("/sys/kernel/tracing/kprobe_events", "");
		usleep(20000);
	}
	printf("# %d rounds\n", round);
	stop = 1;
	for (i = 0; i < 3; i++) {
		void *n;
		pthread_join(t[i], &n);
		printf("# thread %d: %ld cycles\n", i, (long)n);
	}
	ps_load(NULL);
	printf("ok 1 kprobe_events_under_traffic\n");
	return 0;
}
