// SPDX-License-Identifier: GPL-2.0
/* What the scenarios share: options, memory, PFNs, holding on. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "pinload.h"

#define KPF_THP		22	/* include/uapi/linux/kernel-page-flags.h */

volatile int pl_stop;

int pl_usage(const char *fmt, const char *arg)
{
	fputs("pinload: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\nRun `pinload --help` for usage.\n", stderr);
	return PL_EXIT_USAGE;
}

bool pl_parse_count(const char *s, uint64_t *v)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return !errno && !*end;
}

bool pl_parse_size(const char *s, uint64_t *bytes)
{
	uint64_t v, mult = 1;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return false;
	switch (*end) {
	case 'k': case 'K': mult = 1ULL << 10; end++; break;
	case 'm': case 'M': mult = 1ULL << 20; end++; break;
	case 'g': case 'G': mult = 1ULL << 30; end++; break;
	}
	if (*end == 'i' && end[1] == 'B')
		end += 2;
	if (*end || !v || v > (1ULL << 40) / mult)
		return false;
	*bytes = v * mult;
	return true;
}

bool pl_parse_hold(const char *s, long *seconds)
{
	uint64_t v;

	if (!pl_parse_count(s, &v) || v > 30L * 86400)
		return false;
	*seconds = (long)v;
	return true;
}

static const struct pl_opt *find_opt(const struct pl_opt *opts,
				     const char *name)
{
	for (; opts->name; opts++)
		if (!strcmp(opts->name, name))
			return opts;
	return NULL;
}

static bool parse_value(const struct pl_opt *o, const char *val,
			void *field)
{
	uint64_t *v = field;

	switch (o->kind) {
	case PL_OPT_FLAG:
		break;
	case PL_OPT_SIZE:
		return pl_parse_size(val, v);
	case PL_OPT_COUNT:
		return pl_parse_count(val, v) && *v && (!o->max || *v <= o->max);
	case PL_OPT_HOLD:
		return pl_parse_hold(val, field);
	}
	return false;
}

int pl_parse_opts(struct pl_args *a, const char *scenario,
		  const struct pl_opt *opts, struct pl_vals *v)
{
	static const struct pl_opt hold =
		PL_OPT("--hold", PL_OPT_HOLD, hold, 0, "seconds");
	char msg[256];

	while (a->i < a->argc) {
		const char *name = a->argv[a->i++], *val;
		const struct pl_opt *o = find_opt(opts, name);
		void *field;

		if (!o && !strcmp(name, hold.name))
			o = &hold;
		field = o ? (char *)v + o->off : NULL;
		if (o && o->kind == PL_OPT_FLAG) {
			*(bool *)field = true;
			continue;
		}
		val = a->i < a->argc ? a->argv[a->i++] : NULL;
		if (!o) {
			snprintf(msg, sizeof(msg), "%s: unknown option \"%s\"",
				 scenario, name);
			return pl_usage("%s", msg);
		}
		if (!parse_value(o, val, field)) {
			snprintf(msg, sizeof(msg), "%s: %s needs %s, got \"%s\"",
				 scenario, name, o->wants, val ? val : "");
			return pl_usage("%s", msg);
		}
	}
	for (; opts->name; opts++) {
		if ((opts->kind == PL_OPT_SIZE || opts->kind == PL_OPT_COUNT) &&
		    !*(uint64_t *)((char *)v + opts->off)) {
			snprintf(msg, sizeof(msg), "%s: %s is required",
				 scenario, opts->name);
			return pl_usage("%s", msg);
		}
	}
	return PL_EXIT_OK;
}

void *pl_alloc(size_t bytes, bool thp)
{
	size_t align = thp ? PL_HPAGE_SIZE : 0;
	char *p, *aligned;

	p = mmap(NULL, bytes + align, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	aligned = p;
	if (thp) {
		/* Trim to a 2 MiB boundary so whole PMDs can be huge. */
		aligned = (char *)(((uintptr_t)p + align - 1) & ~(align - 1));
		if (aligned > p)
			munmap(p, (size_t)(aligned - p));
		if (p + align > aligned)
			munmap(aligned + bytes, (size_t)(p + align - aligned));
		madvise(aligned, bytes, MADV_HUGEPAGE);
	} else {
		madvise(aligned, bytes, MADV_NOHUGEPAGE);
	}
	memset(aligned, 0x5a, bytes);
	return aligned;
}

static uint64_t read_u64_at(const char *path, uint64_t index)
{
	uint64_t v = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (pread(fd, &v, sizeof(v), (off_t)(index * 8)) != sizeof(v))
		v = 0;
	close(fd);
	return v;
}

uint64_t pl_pfn(const void *addr)
{
	uint64_t e = read_u64_at("/proc/self/pagemap",
				 (uintptr_t)addr / (uint64_t)getpagesize());

	return (e >> 63) ? e & ((1ULL << 55) - 1) : 0;
}

long pl_thp_chunks(const void *addr, size_t bytes)
{
	const char *p = addr;
	long n = 0;
	size_t off;

	for (off = 0; off + PL_HPAGE_SIZE <= bytes; off += PL_HPAGE_SIZE) {
		uint64_t pfn = pl_pfn(p + off);

		if (!pfn)
			return -1;
		if (read_u64_at("/proc/kpageflags", pfn) & (1ULL << KPF_THP))
			n++;
	}
	return n;
}

static void on_signal(int sig)
{
	(void)sig;
	pl_stop = 1;
}

void pl_catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

bool pl_hold(long seconds)
{
	struct timespec start, now;

	if (seconds == 0)
		return pl_stop;
	printf("holding seconds=%ld pid=%d\n", seconds, (int)getpid());
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!pl_stop) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (seconds != PL_HOLD_FOREVER && now.tv_sec - start.tv_sec >= seconds)
			break;
		usleep(100 * 1000);
	}
	return pl_stop;
}
