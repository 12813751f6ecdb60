// SPDX-License-Identifier: GPL-2.0
/*
 * Reliability: hostile input to pinshadow's writable debugfs files,
 * `control` and `lookup`.
 *
 * Every input is classified first by a reference parser that follows the
 * documented grammar (README, module/debugfs.c): one command per write(2)
 * of 1..127 bytes at offset 0, no NUL, trimmed of the kernel's isspace()
 * (which includes 0xa0), split on space, tab and newline into at most 4
 * words; numbers as kstrtoul() (base 0) and kstrtoint() (base 10) take
 * them.  The expected outcome is then exact:
 *   control: success (the write returns its length) for reset, enable,
 *            disable, scan all|tracked, audit on|off; EINVAL otherwise.
 *   lookup:  pfn N: success if N has an online page (the kernel's own
 *            oracle: /proc/kpageflags without KPF_NOPAGE, and the
 *            subsection at the end of RAM), else EINVAL; pid P addr A:
 *            EINVAL if malformed or P <= 0 or P has no mm (kernel thread,
 *            zombie), ESRCH if no task P, EFAULT if A has no page P could
 *            read (the oracle: /proc/P/maps and /proc/P/pagemap), else
 *            success; the answer read back names the expected PFN, and a
 *            read after a failed write gives ENODATA.
 *   Out-of-range numbers (pfn >= 2^64, pid > INT_MAX) are malformed:
 *   EINVAL (pinshadow never returns ERANGE).  A buffer the kernel cannot
 *   read gives EFAULT; a write longer than 127 bytes EINVAL, one beyond the
 *   user address space EFAULT (the VFS); pwrite() and lseek() ESPIPE (the
 *   files are not seekable); writev() is one command per segment.
 *
 * Inputs: mutations of valid commands, dictionary token soup, random
 * bytes, long inputs around the 127-byte limit, numbers out of range,
 * hostile addresses (kernel, non-canonical, unmapped, PROT_NONE, mapped
 * but never faulted in -- which must stay not present), other pids;
 * FUZZ_INPUTS (default 10000) per file in one thread, then as many again
 * from 4 threads at once (own and shared file descriptors).  Random bytes
 * may form valid commands: they are classified, sent and checked like any
 * other; after a valid `reset` the test re-pins its known pages (in the
 * concurrent phase a valid reset is classified and not sent).  At the end
 * `enable`, `audit on` and `scan tracked` are written back, and the state
 * must be consistent: the stats invariants, enabled 1, the known pins
 * still counted exactly.
 *
 * ps_rel_break=fuzz (kernel command line, see ps_util.h) gives the reference
 * parser a wrong isspace() (no 0xa0) and ends with `disable`: to show the
 * checks fail.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "ps_check.h"

#define CMD_MAX		128	/* PS_CMD_MAX: a command is < 128 bytes */
#define KNOWN_PAGES	4
#define NTHREADS	4
#define KPF_NOPAGE	20

/* ------------------------------------------------------------------ */
/* Reference parser                                                    */

static bool break_parser;	/* ps_rel_break=fuzz: a wrong reference */

static bool k_isspace(unsigned char c)
{
	/* The kernel's isspace() includes 0xa0 (Latin-1 NBSP). */
	return c == ' ' || (c >= 9 && c <= 13) || (c == 0xa0 && !break_parser);
}

static int k_hexval(unsigned char c)
{
	unsigned int lc = (unsigned char)(c | 0x20);

	if (c >= '0' && c <= '9')
		return c - '0';
	if (c < 0x80 && lc >= 'a' && lc <= 'f')
		return lc - 'a' + 10;
	return 99;
}

/* _kstrtoull(): 0 and *res, or -1 (EINVAL or ERANGE, all the same here). */
static int k_strtoull(const char *s, unsigned int base, uint64_t *res)
{
	unsigned __int128 r = 0;
	bool over = false;
	int n = 0, v;

	if (base == 0) {
		if (s[0] == '0') {
			if ((s[1] | 0x20) == 'x' && k_hexval(s[2]) < 16)
				base = 16;
			else
				base = 8;
		} else {
			base = 10;
		}
	}
	if (base == 16 && s[0] == '0' && (s[1] | 0x20) == 'x')
		s += 2;
	for (; (v = k_hexval(*s)) < (int)base; s++, n++) {
		r = r * base + v;
		if (r > UINT64_MAX)
			over = true;
	}
	if (over || !n)
		return -1;
	if (*s == '\n')
		s++;
	if (*s)
		return -1;
	*res = (uint64_t)r;
	return 0;
}

static int k_strtoul0(const char *s, uint64_t *res)
{
	if (s[0] == '+')
		s++;
	return k_strtoull(s, 0, res);
}

static int k_strtoint10(const char *s, int *res)
{
	uint64_t t;
	int64_t v;

	if (s[0] == '-') {
		if (k_strtoull(s + 1, 10, &t))
			return -1;
		if ((int64_t)-t > 0)
			return -1;
		v = -t;
	} else {
		if (s[0] == '+')
			s++;
		if (k_strtoull(s, 10, &t) || (int64_t)t < 0)
			return -1;
		v = t;
	}
	if (v != (int)v)
		return -1;
	*res = v;
	return 0;
}

/* read_command(): 0 and the words, or -errno. */
static int k_split(const unsigned char *b, size_t len, char *buf,
		   char **argv, int *argc)
{
	char *cur, *word, *end;

	if (len == 0 || len >= CMD_MAX)
		return -EINVAL;
	memcpy(buf, b, len);
	buf[len] = '\0';
	if (strlen(buf) != len)
		return -EINVAL;
	end = buf + len - 1;
	while (end >= buf && k_isspace(*end))
		end--;
	end[1] = '\0';
	cur = buf;
	while (*cur && k_isspace(*cur))
		cur++;
	*argc = 0;
	while ((word = strsep(&cur, " \t\n")) != NULL) {
		if (!*word)
			continue;
		if (*argc == 4)
			return -EINVAL;
		argv[(*argc)++] = word;
	}
	return *argc ? 0 : -EINVAL;
}

enum ctl_effect { C_NONE, C_RESET, C_ENABLE, C_DISABLE, C_SCAN_ALL,
		  C_SCAN_TRACKED, C_AUDIT_ON, C_AUDIT_OFF };

static const char *const ctl_cmds[] = {
	[C_RESET] = "reset", [C_ENABLE] = "enable", [C_DISABLE] = "disable",
	[C_SCAN_ALL] = "scan all", [C_SCAN_TRACKED] = "scan tracked",
	[C_AUDIT_ON] = "audit on", [C_AUDIT_OFF] = "audit off",
};

static int classify_control(const unsigned char *b, size_t len,
			    enum ctl_effect *eff)
{
	char buf[CMD_MAX], *argv[4];
	int argc, err;

	*eff = C_NONE;
	err = k_split(b, len, buf, argv, &argc);
	if (err)
		return err;
	if (argc == 1 && !strcmp(argv[0], "reset"))
		*eff = C_RESET;
	else if (argc == 1 && !strcmp(argv[0], "enable"))
		*eff = C_ENABLE;
	else if (argc == 1 && !strcmp(argv[0], "disable"))
		*eff = C_DISABLE;
	else if (argc == 2 && !strcmp(argv[0], "scan") &&
		 !strcmp(argv[1], "all"))
		*eff = C_SCAN_ALL;
	else if (argc == 2 && !strcmp(argv[0], "scan") &&
		 !strcmp(argv[1], "tracked"))
		*eff = C_SCAN_TRACKED;
	else if (argc == 2 && !strcmp(argv[0], "audit") &&
		 !strcmp(argv[1], "on"))
		*eff = C_AUDIT_ON;
	else if (argc == 2 && !strcmp(argv[0], "audit") &&
		 !strcmp(argv[1], "off"))
		*eff = C_AUDIT_OFF;
	else
		return -EINVAL;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Oracles                                                             */

struct env {
	uint64_t kpf_end;	/* PFNs /proc/kpageflags answers for */
	uint64_t online_end;	/* ... and the rest of the last subsection */
	pid_t self, child, zombie;
	pid_t tids[NTHREADS];
	/* Buffers of this process. */
	char *present;		/* 64 pages, touched */
	char *absent;		/* 64 pages, never touched */
	char *none;		/* 16 pages, touched, then PROT_NONE */
	char *unmapped;		/* 16 pages, unmapped */
	char *huge;		/* a hugetlb page, or NULL */
	uint64_t known[KNOWN_PAGES];	/* PFNs of the known pins */
};

static struct env E;

static bool pfn_online(uint64_t pfn)
{
	static int fd = -1;
	uint64_t f;

	if (pfn < E.kpf_end) {
		if (fd < 0)
			fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
		if (pread(fd, &f, 8, pfn * 8) != 8)
			return false;
		return !(f & (1ULL << KPF_NOPAGE));
	}
	return pfn < E.online_end;
}

/* Does @pid's mapping at @addr readable and present?  Its PFN if so. */
static bool addr_present(pid_t pid, uint64_t addr, uint64_t *pfn)
{
	char path[64], *maps, *line, *save = NULL;
	bool readable = false, special = false;
	uint64_t ent;
	int fd;

	if (addr >= (1ULL << 47) - 4096)
		return false;	/* no user page up there (4-level or not) */
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	if (ps_read_file(path, &maps, NULL))
		return false;
	for (line = strtok_r(maps, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long long s, e;
		char perms[8];

		if (sscanf(line, "%llx-%llx %7s", &s, &e, perms) != 3)
			continue;
		if (addr < s || addr >= e)
			continue;
		readable = perms[0] == 'r';
		special = strstr(line, "[vvar") != NULL;
		break;
	}
	free(maps);
	if (!readable || special)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (pread(fd, &ent, 8, (addr / 4096) * 8) != 8)
		ent = 0;
	close(fd);
	if (!(ent & (1ULL << 63)))
		return false;
	*pfn = ent & ((1ULL << 55) - 1);
	return true;
}

enum pid_kind { P_NONE, P_KTHREAD, P_NOMM, P_MM };

static enum pid_kind pid_kind(pid_t pid)
{
	char path[64], *buf, *p;
	unsigned long flags = 0;
	char state;
	int i;

	if (pid <= 0)
		return P_NONE;
	if (kill(pid, 0) && errno == ESRCH)
		return P_NONE;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (ps_read_file(path, &buf, NULL))
		return P_NONE;
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%c", &state) != 1) {
		free(buf);
		return P_NONE;
	}
	/* fields after ")": state ppid pgrp session tty_nr tpgid flags */
	for (i = 0; i < 7 && p; i++)
		p = strchr(p + 1, ' ');
	if (p)
		flags = strtoul(p + 1, NULL, 10);
	free(buf);
	if (flags & 0x00200000)		/* PF_KTHREAD */
		return P_KTHREAD;
	if (state == 'Z' || state == 'X')
		return P_NOMM;
	return P_MM;
}

/* Expected result of a lookup write: 0 (and the PFN) or -errno. */
static int classify_lookup(const unsigned char *b, size_t len,
			   uint64_t *pfn)
{
	char buf[CMD_MAX], *argv[4];
	int argc, err, nr;
	uint64_t addr;

	err = k_split(b, len, buf, argv, &argc);
	if (err)
		return err;
	if (argc == 2 && !strcmp(argv[0], "pfn")) {
		if (k_strtoul0(argv[1], pfn))
			return -EINVAL;
		return pfn_online(*pfn) ? 0 : -EINVAL;
	}
	if (argc == 4 && !strcmp(argv[0], "pid") && !strcmp(argv[2], "addr")) {
		if (k_strtoint10(argv[1], &nr) || nr <= 0 ||
		    k_strtoul0(argv[3], &addr))
			return -EINVAL;
		switch (pid_kind(nr)) {
		case P_NONE:
			return -ESRCH;
		case P_KTHREAD:
		case P_NOMM:
			return -EINVAL;
		case P_MM:
			break;
		}
		return addr_present(nr, addr, pfn) ? 0 : -EFAULT;
	}
	return -EINVAL;
}

/* ------------------------------------------------------------------ */
/* Input generators                                                    */

#define R(n)	(ps_rnd(rng) % (n))

static const char *const seps[] = {
	" ", "  ", "\t", "\n", " \t", "\v", "\f", "\r", "\xa0", ",", "=", "",
};

static const char *const words[] = {
	"reset", "enable", "disable", "scan", "all", "tracked", "audit",
	"on", "off", "pfn", "pid", "addr", "RESET", "Enable", "scan_all",
	"resetx", "enabled", "audit=on", "0", "1", "-1", "", "on\x00",
	"\xa0", "tracked\r",
};

struct in {
	unsigned char b[CMD_MAX + 64];
	size_t len;
};

static void put(struct in *in, const void *p, size_t n)
{
	if (in->len + n > sizeof(in->b))
		n = sizeof(in->b) - in->len;
	memcpy(in->b + in->len, p, n);
	in->len += n;
}

static void puts_(struct in *in, const char *s)
{
	put(in, s, strlen(s));
}

/*
 * A number in one of many spellings, some of them malformed: by a draw of
 * R(18), a format of the number alone, or (NULL) one with more to draw.
 */
static const char *const num_spellings[18] = {
	"%llu", "%llu", "%llu", "0x%llx", "0x%llx", "0X%llX", "0%llo",
	"+%llu", "-%llu", NULL, "000000%llu", NULL,
	"%llu", "%llu", "%llu", "0x%llx", "0x%llx", "0x%llx",
};

static void put_num(uint64_t *rng, struct in *in, uint64_t v)
{
	unsigned long long u = v;
	uint64_t k = R(18);
	char s[96];

	if (num_spellings[k])
		snprintf(s, sizeof(s), num_spellings[k], u);
	else if (k == 9)
		snprintf(s, sizeof(s), "%llu%c", u, "xg.-+_\r\v"[R(8)]);
	else
		snprintf(s, sizeof(s), "0x%llx%llx", u,
			 (unsigned long long)R(1ULL << 40));
	puts_(in, s);
}

static uint64_t gen_pfn(uint64_t *rng)
{
	switch (R(10)) {
	case 0:
		return E.known[R(KNOWN_PAGES)];
	case 1:
	case 2:
		return R(E.kpf_end);
	case 3:
		return E.kpf_end - 2 + R(4);
	case 4:
		return E.online_end - 2 + R(4);
	case 5:
		return 1ULL << (32 + R(32));
	case 6:
		return UINT64_MAX - R(3);
	case 7:
		return E.online_end + R(1ULL << 30);
	default:
		return R(2 * E.online_end);
	}
}

static pid_t gen_pid(uint64_t *rng)
{
	switch (R(18)) {
	case 0:
	case 1:
	case 2:
	case 3:
	case 14:
	case 15:
	case 16:
	case 17:
		return E.self;
	case 4:
		return E.tids[R(NTHREADS)] ? E.tids[R(NTHREADS)] : E.self;
	case 5:
		return E.child;
	case 6:
		return E.zombie;
	case 7:
		return 1;
	case 8:
		return 2;	/* kthreadd */
	case 9:
		return 0;
	case 10:
		return 4194300 + R(4);	/* near the largest pid_max */
	case 11:
		return (pid_t)(0x7fffffff - R(2));
	case 12:
	case 13:
		return 1 + R(400);
	}
	return 0;
}

static uint64_t gen_addr(uint64_t *rng)
{
	uint64_t off = R(64) * 4096 + (R(4) ? 0 : R(4096));

	switch (R(18)) {
	case 0:
	case 1:
	case 2:
	case 14:
	case 15:
	case 16:
	case 17:
		return (uintptr_t)E.present + off;
	case 3:
	case 4:
		return (uintptr_t)E.absent + off;
	case 5:
		return (uintptr_t)E.none + off % (16 * 4096);
	case 6:
		return (uintptr_t)E.unmapped + off % (16 * 4096);
	case 7:
		return E.huge ? (uintptr_t)E.huge + R(512) * 4096 :
				(uintptr_t)E.present;
	case 8:
		return (uintptr_t)&gen_addr;	/* text */
	case 9:
		return R(3) * 4096;		/* NULL and near */
	case 10:
		return 0xffff888000000000ULL + R(1ULL << 30) * 4096;
	case 11:
		return 0xffffffff81000000ULL + R(1 << 16) * 4096;
	case 12:
		return (1ULL << 47) + R(1ULL << 20) * 4096; /* non-canonical */
	case 13:
		return R(1ULL << 47) & ~4095ULL;
	}
	return 0;
}

static void put_sep(uint64_t *rng, struct in *in)
{
	puts_(in, R(3) ? " " : seps[R(sizeof(seps) / sizeof(seps[0]))]);
}

/* A number spelt as pinshadow takes it: decimal or 0x hex. */
static void put_clean(uint64_t *rng, struct in *in, uint64_t v)
{
	char s[32];

	snprintf(s, sizeof(s), R(2) ? "%llu" : "0x%llx",
		 (unsigned long long)v);
	puts_(in, s);
}

/* A valid-looking lookup command; @clean: numbers well spelt. */
static void gen_lookup_cmd(uint64_t *rng, struct in *in, bool clean)
{
	void (*num)(uint64_t *, struct in *, uint64_t) =
		clean ? put_clean : put_num;

	if (R(3) == 0) {
		puts_(in, "pfn");
		clean ? puts_(in, " ") : put_sep(rng, in);
		num(rng, in, gen_pfn(rng));
	} else {
		puts_(in, "pid");
		clean ? puts_(in, " ") : put_sep(rng, in);
		num(rng, in, (uint64_t)(int64_t)gen_pid(rng));
		clean ? puts_(in, " ") : put_sep(rng, in);
		puts_(in, "addr");
		clean ? puts_(in, " ") : put_sep(rng, in);
		num(rng, in, gen_addr(rng));
	}
}

static void mutate(uint64_t *rng, struct in *in)
{
	static const unsigned char bytes[] = {
		' ', '\t', '\n', '\v', '\f', '\r', 0xa0, 0, '+', '-', 'x',
		'0', '9', 'f', 0xff, 0x80,
	};
	size_t n = 1 + R(3), i, pos;

	for (i = 0; i < n && in->len; i++) {
		pos = R(in->len);
		switch (R(6)) {
		case 0:		/* flip case */
			in->b[pos] ^= 0x20;
			break;
		case 1:		/* delete */
			memmove(in->b + pos, in->b + pos + 1,
				in->len - pos - 1);
			in->len--;
			break;
		case 2:		/* insert */
			if (in->len < sizeof(in->b)) {
				memmove(in->b + pos + 1, in->b + pos,
					in->len - pos);
				in->b[pos] = R(2) ? bytes[R(sizeof(bytes))] :
						    R(256);
				in->len++;
			}
			break;
		case 3:		/* replace */
			in->b[pos] = R(2) ? bytes[R(sizeof(bytes))] : R(256);
			break;
		case 4:		/* truncate */
			in->len = pos;
			break;
		default:	/* append */
			put_sep(rng, in);
			puts_(in, words[R(sizeof(words) / sizeof(words[0]))]);
			break;
		}
	}
}

static void gen_input(uint64_t *rng, bool control, struct in *in)
{
	size_t i, n, target;
	int kind = R(100);

	in->len = 0;
	if (kind < 8)				/* leading white space */
		for (n = R(4); n; n--)
			puts_(in, seps[R(9)]);
	if (kind < 30) {			/* a valid-looking command */
		if (control)
			puts_(in, ctl_cmds[1 + R(7)]);
		else
			gen_lookup_cmd(rng, in, R(2));
		if (kind < 12)
			for (n = R(3); n; n--)
				puts_(in, seps[R(9)]);
	} else if (kind < 55) {			/* ... mutated */
		if (control)
			puts_(in, ctl_cmds[1 + R(7)]);
		else
			gen_lookup_cmd(rng, in, false);
		mutate(rng, in);
	} else if (kind < 75) {			/* token soup */
		for (n = R(7); n; n--) {
			if (R(2))
				puts_(in, words[R(sizeof(words) /
						  sizeof(words[0]))]);
			else if (R(2))
				put_num(rng, in, control ? R(100) :
						 gen_pfn(rng));
			else
				gen_lookup_cmd(rng, in, false);
			put_sep(rng, in);
		}
	} else if (kind < 92) {			/* random bytes */
		n = R(4) ? R(40) : R(CMD_MAX + 40);
		for (i = 0; i < n; i++) {
			unsigned char c = R(4) ? 32 + R(95) : R(256);

			put(in, &c, 1);
		}
	} else {				/* around the length limit */
		if (control)
			puts_(in, ctl_cmds[1 + R(7)]);
		else
			gen_lookup_cmd(rng, in, false);
		target = CMD_MAX - 4 + R(8);
		while (in->len < target && in->len < sizeof(in->b))
			puts_(in, R(2) ? " " : "\t");
	}
}

/* ------------------------------------------------------------------ */
/* Running inputs                                                      */

struct stats_run {
	uint64_t inputs, ok, einval, esrch, efault, other, resets_skipped;
	uint64_t mismatches;
	char first[4][256];
};

static void note_mismatch(struct stats_run *r, const char *what,
			  const struct in *in, int want, int got)
{
	char hex[CMD_MAX * 2 + 1];
	size_t i, n = in->len < CMD_MAX ? in->len : CMD_MAX;

	if (r->mismatches < 4) {
		for (i = 0; i < n && i < 60; i++)
			snprintf(hex + 2 * i, 3, "%02x", in->b[i]);
		hex[2 * (i < 60 ? i : 60)] = '\0';
		snprintf(r->first[r->mismatches], sizeof(r->first[0]),
			 "%s: want %s, got %s; %zu bytes %s%s", what,
			 want ? strerror(-want) : "success",
			 got ? strerror(-got) : "success", in->len, hex,
			 in->len > 60 ? "..." : "");
	}
	r->mismatches++;
}

static void count_outcome(struct stats_run *r, int err)
{
	r->inputs++;
	switch (err) {
	case 0:
		r->ok++;
		break;
	case -EINVAL:
		r->einval++;
		break;
	case -ESRCH:
		r->esrch++;
		break;
	case -EFAULT:
		r->efault++;
		break;
	default:
		r->other++;
		break;
	}
}

static int do_write(int fd, const struct in *in)
{
	ssize_t n = write(fd, in->b, in->len);

	if (n < 0)
		return -errno;
	return (size_t)n == in->len ? 0 : -EIO;
}

/*
 * One lookup input on @fd: the write's errno as classified; after a
 * success the answer names the expected PFN (and a known pin has count
 * 1).  A failed write changes nothing: a read then gives ENODATA if no
 * write on @fd ever succeeded (*@answered), else end of file (the last
 * answer was read whole).  @answered is NULL on a shared fd, where another
 * thread may have written in between: no read then.
 */
static void lookup_one(struct stats_run *r, int fd, const struct in *in,
		       bool *answered)
{
	uint64_t want_pfn = 0;
	int want = classify_lookup(in->b, in->len, &want_pfn);
	int got = do_write(fd, in);
	char ans[512];
	ssize_t n;

	count_outcome(r, want);
	if (got != want) {
		note_mismatch(r, "lookup", in, want, got);
		return;
	}
	if (!answered)
		return;
	n = read(fd, ans, sizeof(ans) - 1);
	if (want) {
		int exp = *answered ? 0 : -ENODATA;

		if (n < 0 ? -errno != exp : (n > 0 || exp))
			note_mismatch(r, "lookup read after a failed write",
				      in, exp, n < 0 ? -errno : n ? -EPROTO : 0);
		return;
	} else {
		unsigned long long pfn;
		int i;

		*answered = true;
		if (n <= 0 ||
		    (ans[n] = '\0', sscanf(ans, "pfn=0x%llx", &pfn) != 1) ||
		    pfn != want_pfn) {
			note_mismatch(r, "lookup answer", in, 0, -EPROTO);
			return;
		}
		for (i = 0; i < KNOWN_PAGES; i++) {
			if (pfn != E.known[i])
				continue;
			if (!strstr(ans, " count=1 "))
				note_mismatch(r, "known pin's count", in, 0,
					      -EPROTO);
		}
	}
}

/* ------------------------------------------------------------------ */

FIXTURE(fuzz) {
	struct ps_env env;
	char *known_buf;
	uint32_t known_slot;
	int nr_inputs;
};

FIXTURE_SETUP(fuzz)
{
	char *e;
	uint64_t f, lo, hi;
	struct psh_pin req;
	uint64_t n;
	int fd, i;

	ps_fixture_setup(_metadata, &self->env);
	e = getenv("FUZZ_INPUTS");
	self->nr_inputs = e ? atoi(e) : 10000;
	if (self->nr_inputs <= 0)
		self->nr_inputs = 10000;
	memset(&E, 0, sizeof(E));
	E.self = getpid();
	break_parser = ps_rel_break("fuzz");

	/* The PFNs /proc/kpageflags answers for: [0, kpf_end). */
	fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	lo = 0;
	hi = 1ULL << 40;
	while (lo + 1 < hi) {
		uint64_t mid = (lo + hi) / 2;

		if (pread(fd, &f, 8, mid * 8) == 8)
			lo = mid;
		else
			hi = mid;
	}
	close(fd);
	E.kpf_end = lo + 1;
	/* The subsection (2 MiB) holding the last page is online whole. */
	E.online_end = (E.kpf_end + 511) & ~511ULL;

	E.present = ps_small_buf(_metadata, 64);
	E.absent = ps_mmap_aligned(64 * 4096, 4096, PROT_READ | PROT_WRITE, 0);
	ASSERT_TRUE(E.absent != NULL);
	ASSERT_EQ(0, ps_nohuge(E.absent, 64 * 4096));
	E.none = ps_small_buf(_metadata, 16);
	ASSERT_EQ(0, mprotect(E.none, 16 * 4096, PROT_NONE));
	E.unmapped = ps_small_buf(_metadata, 16);
	ASSERT_EQ(0, munmap(E.unmapped, 16 * 4096));
	E.huge = ps_hugetlb_buf(_metadata, 1);

	/* A sleeping child (its own mm) and a zombie (none). */
	E.child = fork();
	ASSERT_LE(0, E.child);
	if (!E.child) {
		for (;;)
			pause();
	}
	/* Zombies need SIGCHLD not ignored (it may be, inherited). */
	signal(SIGCHLD, SIG_DFL);
	E.zombie = fork();
	ASSERT_LE(0, E.zombie);
	if (!E.zombie)
		_exit(0);
	for (i = 0; pid_kind(E.zombie) != P_NOMM; i++) {
		ASSERT_LT(i, 500) TH_LOG("child %d never became a zombie",
					 E.zombie);
		ps_msleep(10);
	}

	/* The known pins, which must keep their counts. */
	self->known_buf = ps_small_buf(_metadata, KNOWN_PAGES);
	ASSERT_EQ(0, psh_pin(self->env.helper_fd, self->known_buf,
			     KNOWN_PAGES, PSH_PIN_FAST, PSH_F_WRITE, &req));
	ASSERT_EQ(KNOWN_PAGES, req.result);
	self->known_slot = req.slot;
	ASSERT_EQ(0, psh_pfns(self->env.helper_fd, req.slot, E.known,
			      KNOWN_PAGES, &n));
	TH_LOG("kpageflags ends at pfn %#llx, online to %#llx; %d inputs per file and phase",
	       (unsigned long long)E.kpf_end,
	       (unsigned long long)E.online_end, self->nr_inputs);
}

FIXTURE_TEARDOWN(fuzz)
{
	if (E.child > 0) {
		kill(E.child, SIGKILL);
		waitpid(E.child, NULL, 0);
	}
	if (E.zombie > 0)
		waitpid(E.zombie, NULL, 0);
	ps_control("enable");
	ps_control("audit on");
	ps_control("scan tracked");
	ps_fixture_teardown(_metadata, &self->env, 5000);
}

static void report(struct __test_metadata *_metadata, const char *what,
		   const struct stats_run *r)
{
	int i;

	TH_LOG("%s: %llu inputs: %llu ok, %llu EINVAL, %llu ESRCH, %llu EFAULT, %llu other; %llu valid resets not sent; %llu mismatches",
	       what, (unsigned long long)r->inputs,
	       (unsigned long long)r->ok, (unsigned long long)r->einval,
	       (unsigned long long)r->esrch, (unsigned long long)r->efault,
	       (unsigned long long)r->other,
	       (unsigned long long)r->resets_skipped,
	       (unsigned long long)r->mismatches);
	for (i = 0; i < 4 && (uint64_t)i < r->mismatches; i++)
		TH_LOG("  %s", r->first[i]);
	EXPECT_EQ(0ULL, r->mismatches);
}

static void check_known(struct __test_metadata *_metadata,
			FIXTURE_DATA(fuzz) *self, int64_t want)
{
	struct ps_lookup lk;
	int i;

	(void)self;
	for (i = 0; i < KNOWN_PAGES; i++) {
		ASSERT_EQ(0, ps_lookup_pfn(E.known[i], &lk));
		EXPECT_EQ(want, lk.count) TH_LOG("known pin: %s", lk.line);
	}
}

/* After a valid reset: the known pins are forgotten; pin them again. */
static void repin_known(struct __test_metadata *_metadata,
			FIXTURE_DATA(fuzz) *self, bool enabled)
{
	struct psh_pin req;
	uint64_t pfns[KNOWN_PAGES], n;
	int i;

	/* From now on, pins taken before a reset are released after it. */
	self->env.pins_before_reset = true;
	check_known(_metadata, self, 0);
	EXPECT_EQ(0, ps_stat(_metadata, "pins_outstanding"));
	EXPECT_EQ(0, ps_stat(_metadata, "pins_acquired"));
	if (!enabled)
		ASSERT_EQ(0, ps_control("enable"));
	ASSERT_EQ(0, psh_unpin(self->env.helper_fd, self->known_slot,
			       PSH_UNPIN_PAGES, 0));
	EXPECT_EQ(KNOWN_PAGES, ps_stat(_metadata, "untracked_unpins"));
	ASSERT_EQ(0, psh_pin(self->env.helper_fd, self->known_buf,
			     KNOWN_PAGES, PSH_PIN_FAST, PSH_F_WRITE, &req));
	ASSERT_EQ(KNOWN_PAGES, req.result);
	self->known_slot = req.slot;
	ASSERT_EQ(0, psh_pfns(self->env.helper_fd, req.slot, pfns,
			      KNOWN_PAGES, &n));
	for (i = 0; i < KNOWN_PAGES; i++)
		E.known[i] = pfns[i];
	check_known(_metadata, self, 1);
	if (!enabled)
		ASSERT_EQ(0, ps_control("disable"));
}

/* The end: state restored and consistent, the known pins counted. */
static void check_final(struct __test_metadata *_metadata,
			FIXTURE_DATA(fuzz) *self)
{
	struct ps_test_stats st;
	struct ps_pin_row *rows;
	size_t nrows, i;
	char *buf;

	ASSERT_EQ(0, ps_control(ps_rel_break("fuzz") ? "disable" : "enable"));
	ASSERT_EQ(0, ps_control("audit on"));
	ASSERT_EQ(0, ps_control("scan tracked"));
	EXPECT_EQ(1, ps_stat(_metadata, "enabled"));
	EXPECT_EQ(1, ps_stat(_metadata, "cow_audit"));
	EXPECT_EQ(0, ps_stat(_metadata, "lost_events"));
	ASSERT_EQ(0, ps_read_file(PINSHADOW_DEBUGFS_DIR "/verdicts", &buf, NULL));
	EXPECT_TRUE(strstr(buf, "scope tracked\n") != NULL);
	EXPECT_TRUE(strstr(buf, "false_neg 0\n") != NULL);
	free(buf);
	ps_get_stats(_metadata, &st);
	EXPECT_EQ(KNOWN_PAGES, st.v[PS_pins_outstanding]);
	EXPECT_EQ(KNOWN_PAGES, st.v[PS_pinned_pages]);
	/* Pins released after a reset that took them are untracked. */
	EXPECT_EQ(st.v[PS_pins_acquired] - st.v[PS_pins_released] +
		  st.v[PS_untracked_unpins], st.v[PS_pins_outstanding]);
	EXPECT_EQ(st.v[PS_vmstat_acquired] + st.v[PS_vmstat_bypass_pins],
		  st.v[PS_pins_acquired]);
	EXPECT_EQ(st.v[PS_vmstat_released], st.v[PS_pins_released]);
	EXPECT_EQ(0, st.v[PS_missed_events]);
	check_known(_metadata, self, 1);
	ASSERT_EQ(0, ps_pins_read(&rows, &nrows));
	EXPECT_EQ((size_t)KNOWN_PAGES, nrows);
	for (i = 0; i < nrows; i++)
		EXPECT_EQ(1, rows[i].count);
	free(rows);
	/* Mapped but never faulted in: still not present. */
	for (i = 0; i < 64; i++)
		EXPECT_EQ(0ULL, ps_virt_to_pfn(E.absent + i * 4096));
	/* And the release is exact. */
	ASSERT_EQ(0, psh_unpin(self->env.helper_fd, self->known_slot,
			       PSH_UNPIN_PAGES, 0));
	EXPECT_EQ(0, ps_stat(_metadata, "pins_outstanding"));
	EXPECT_EQ(0, ps_stat(_metadata, "pinned_pages"));
	EXPECT_EQ(st.v[PS_untracked_unpins],
		  ps_stat(_metadata, "untracked_unpins"));
}

TEST_F_TIMEOUT(fuzz, control_single, 1200)
{
	uint64_t seed = 0x9e3779b97f4a7c15ULL, *rng = &seed;
	struct stats_run r = { 0 };
	bool enabled = true, audit = true;
	uint64_t valid[8] = { 0 };
	struct in in;
	int fd, i, want, got;
	enum ctl_effect eff;

	fd = open(PINSHADOW_DEBUGFS_DIR "/control", O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	for (i = 0; i < self->nr_inputs; i++) {
		gen_input(rng, true, &in);
		want = classify_control(in.b, in.len, &eff);
		got = do_write(fd, &in);
		count_outcome(&r, want);
		if (got != want) {
			note_mismatch(&r, "control", &in, want, got);
			continue;
		}
		if (want)
			continue;
		valid[eff]++;
		switch (eff) {
		case C_RESET:
			repin_known(_metadata, self, enabled);
			break;
		case C_ENABLE:
		case C_DISABLE:
			enabled = eff == C_ENABLE;
			EXPECT_EQ(enabled, ps_stat(_metadata, "enabled"));
			break;
		case C_AUDIT_ON:
		case C_AUDIT_OFF:
			audit = eff == C_AUDIT_ON;
			EXPECT_EQ(audit, ps_stat(_metadata, "cow_audit"));
			break;
		default:
			break;
		}
	}
	close(fd);
	TH_LOG("valid commands among them: %llu reset, %llu enable, %llu disable, %llu scan all, %llu scan tracked, %llu audit on, %llu audit off",
	       (unsigned long long)valid[C_RESET],
	       (unsigned long long)valid[C_ENABLE],
	       (unsigned long long)valid[C_DISABLE],
	       (unsigned long long)valid[C_SCAN_ALL],
	       (unsigned long long)valid[C_SCAN_TRACKED],
	       (unsigned long long)valid[C_AUDIT_ON],
	       (unsigned long long)valid[C_AUDIT_OFF]);
	report(_metadata, "control, one writer", &r);
	check_final(_metadata, self);
}

TEST_F_TIMEOUT(fuzz, lookup_single, 1200)
{
	uint64_t seed = 0x2545f4914f6cdd1dULL, *rng = &seed;
	struct stats_run r = { 0 };
	bool answered = false;
	struct in in;
	int fd, i;

	fd = open(PINSHADOW_DEBUGFS_DIR "/lookup", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	for (i = 0; i < self->nr_inputs; i++) {
		gen_input(rng, false, &in);
		lookup_one(&r, fd, &in, &answered);
	}
	close(fd);
	report(_metadata, "lookup, one writer", &r);
	check_final(_metadata, self);
}

/* Concurrent writers: each thread its own fd and a shared one. */
static pthread_barrier_t done_barrier;

struct worker {
	pthread_t t;
	bool control;
	int own_fd, shared_fd;
	int n;
	uint64_t seed;
	struct stats_run r;
	int idx;
	bool answered;		/* a lookup write on own_fd succeeded */
};

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	uint64_t *rng = &w->seed;
	enum ctl_effect eff;
	struct in in;
	int i, want, got, fd;

	E.tids[w->idx] = syscall(SYS_gettid);
	for (i = 0; i < w->n; i++) {
		bool shared = R(4) == 0;

		fd = shared ? w->shared_fd : w->own_fd;
		gen_input(rng, w->control, &in);
		if (!w->control) {
			lookup_one(&w->r, fd, &in,
				   shared ? NULL : &w->answered);
			continue;
		}
		want = classify_control(in.b, in.len, &eff);
		if (!want && eff == C_RESET) {
			w->r.resets_skipped++;
			continue;
		}
		got = do_write(fd, &in);
		count_outcome(&w->r, want);
		if (got != want)
			note_mismatch(&w->r, "control", &in, want, got);
	}
	/* No thread id may vanish while another one may still look it up. */
	pthread_barrier_wait(&done_barrier);
	return NULL;
}

static void run_concurrent(struct __test_metadata *_metadata,
			   FIXTURE_DATA(fuzz) *self, bool control)
{
	const char *path = control ? PINSHADOW_DEBUGFS_DIR "/control" :
				     PINSHADOW_DEBUGFS_DIR "/lookup";
	struct worker w[NTHREADS];
	struct stats_run sum = { 0 };
	int shared, i, j, flags = control ? O_WRONLY : O_RDWR;

	shared = open(path, flags | O_CLOEXEC);
	ASSERT_LE(0, shared);
	ASSERT_EQ(0, pthread_barrier_init(&done_barrier, NULL, NTHREADS));
	memset(w, 0, sizeof(w));
	for (i = 0; i < NTHREADS; i++) {
		w[i].control = control;
		w[i].own_fd = open(path, flags | O_CLOEXEC);
		ASSERT_LE(0, w[i].own_fd);
		w[i].shared_fd = shared;
		w[i].n = (self->nr_inputs + NTHREADS - 1) / NTHREADS;
		w[i].seed = 0x1234567ULL * (i + 1) + (control ? 7 : 13);
		w[i].idx = i;
		ASSERT_EQ(0, pthread_create(&w[i].t, NULL, worker_fn, &w[i]));
	}
	for (i = 0; i < NTHREADS; i++) {
		pthread_join(w[i].t, NULL);
		close(w[i].own_fd);
		sum.inputs += w[i].r.inputs;
		sum.ok += w[i].r.ok;
		sum.einval += w[i].r.einval;
		sum.esrch += w[i].r.esrch;
		sum.efault += w[i].r.efault;
		sum.other += w[i].r.other;
		sum.resets_skipped += w[i].r.resets_skipped;
		for (j = 0; j < 4 && (uint64_t)j < w[i].r.mismatches; j++)
			if (sum.mismatches + j < 4)
				memcpy(sum.first[sum.mismatches + j],
				       w[i].r.first[j], sizeof(sum.first[0]));
		sum.mismatches += w[i].r.mismatches;
	}
	close(shared);
	report(_metadata, control ? "control, 4 writers" : "lookup, 4 writers",
	       &sum);
}

TEST_F_TIMEOUT(fuzz, control_concurrent, 1200)
{
	run_concurrent(_metadata, self, true);
	check_final(_metadata, self);
}

TEST_F_TIMEOUT(fuzz, lookup_concurrent, 1200)
{
	run_concurrent(_metadata, self, false);
	check_final(_metadata, self);
}

/*
 * The edges: sizes, bad buffers, offsets, writev, and inputs spread over
 * several writes; for both files.
 */
static void edges(struct __test_metadata *_metadata, const char *name,
		  const char *valid)
{
	char path[128], *big, *page;
	size_t vlen = strlen(valid);
	struct iovec iov[2];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", PINSHADOW_DEBUGFS_DIR, name);
	fd = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("open %s: %s", path, strerror(errno));

	/* Sizes. */
	EXPECT_EQ(-1, write(fd, valid, 0));
	EXPECT_EQ(EINVAL, errno) TH_LOG("%s: empty write", name);
	big = malloc(1 << 20);
	ASSERT_TRUE(big != NULL);
	memset(big, ' ', 1 << 20);
	memcpy(big, valid, vlen);
	EXPECT_EQ(-1, write(fd, big, 1 << 20));
	EXPECT_EQ(EINVAL, errno) TH_LOG("%s: 1 MiB write", name);
	EXPECT_EQ((ssize_t)CMD_MAX - 1, write(fd, big, CMD_MAX - 1))
		TH_LOG("%s: 127 bytes: %s", name, strerror(errno));
	EXPECT_EQ(-1, write(fd, big, CMD_MAX));
	EXPECT_EQ(EINVAL, errno) TH_LOG("%s: 128 bytes", name);
	EXPECT_EQ(-1, syscall(SYS_write, fd, big, 1ULL << 62));
	EXPECT_EQ(EFAULT, errno) TH_LOG("%s: 2^62 bytes", name);
	free(big);

	/*
	 * Buffers the kernel cannot read.  The hole is made here, right before
	 * the write: E.unmapped may have been mapped again since (malloc()'s
	 * 1 MiB above took it once: EINVAL instead of EFAULT, on 6.12).
	 */
	page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	ASSERT_EQ(0, munmap(page, 4096));
	EXPECT_EQ(-1, write(fd, page, vlen));
	EXPECT_EQ(EFAULT, errno) TH_LOG("%s: unmapped buffer", name);
	EXPECT_EQ(-1, write(fd, E.none, vlen));
	EXPECT_EQ(EFAULT, errno) TH_LOG("%s: PROT_NONE buffer", name);
	EXPECT_EQ(-1, write(fd, (void *)0xffff888000000000ULL, vlen));
	EXPECT_EQ(EFAULT, errno) TH_LOG("%s: kernel pointer", name);
	/* The command's end runs off a mapping. */
	page = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	ASSERT_EQ(0, munmap(page + 4096, 4096));
	memcpy(page + 4096 - 3, valid, 3);
	EXPECT_EQ(-1, write(fd, page + 4096 - 3, vlen));
	EXPECT_EQ(EFAULT, errno) TH_LOG("%s: buffer runs off its page", name);
	munmap(page, 4096);

	/* Offsets: not seekable. */
	EXPECT_EQ(-1, pwrite(fd, valid, vlen, 0));
	EXPECT_EQ(ESPIPE, errno) TH_LOG("%s: pwrite at 0", name);
	EXPECT_EQ(-1, pwrite(fd, valid, vlen, 5));
	EXPECT_EQ(ESPIPE, errno) TH_LOG("%s: pwrite at 5", name);
	EXPECT_EQ(-1, lseek(fd, 5, SEEK_SET));
	EXPECT_EQ(ESPIPE, errno) TH_LOG("%s: lseek", name);

	/* writev: one command per segment, stopping at the first error. */
	iov[0].iov_base = (void *)valid;
	iov[0].iov_len = vlen;
	iov[1].iov_base = (void *)valid;
	iov[1].iov_len = vlen;
	EXPECT_EQ((ssize_t)(2 * vlen), writev(fd, iov, 2))
		TH_LOG("%s: writev of two commands: %s", name,
		       strerror(errno));
	iov[1].iov_base = "bogus";
	iov[1].iov_len = 5;
	EXPECT_EQ((ssize_t)vlen, writev(fd, iov, 2))
		TH_LOG("%s: writev, second segment bad", name);
	EXPECT_EQ(-1, writev(fd, iov + 1, 1));
	EXPECT_EQ(EINVAL, errno);

	/* A command split over two writes is two bad commands. */
	EXPECT_EQ(-1, write(fd, valid, 2));
	EXPECT_EQ(EINVAL, errno) TH_LOG("%s: first half", name);
	EXPECT_EQ(-1, write(fd, valid + 2, vlen - 2));
	EXPECT_EQ(EINVAL, errno) TH_LOG("%s: second half", name);
	close(fd);
}

TEST_F(fuzz, edges)
{
	char cmd[64];
	char *buf;

	/* A "reset" split over two writes is two bad commands, no reset. */
	{
		int fd = open(PINSHADOW_DEBUGFS_DIR "/control", O_WRONLY | O_CLOEXEC);

		ASSERT_LE(0, fd);
		EXPECT_EQ(-1, write(fd, "res", 3));
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(-1, write(fd, "et\n", 3));
		EXPECT_EQ(EINVAL, errno);
		close(fd);
		check_known(_metadata, self, 1);
		EXPECT_EQ(KNOWN_PAGES, ps_stat(_metadata, "pins_acquired"));
	}
	/* These resets (127 bytes, writev) are valid: pin again after. */
	edges(_metadata, "control", "reset");
	repin_known(_metadata, self, true);
	edges(_metadata, "lookup", "pfn 0x1000");
	snprintf(cmd, sizeof(cmd), "pid %d addr %p", getpid(),
		 (void *)E.present);
	edges(_metadata, "lookup", cmd);
	/* Reads: control has none, lookup answers once a write succeeded. */
	{
		int fd = open(PINSHADOW_DEBUGFS_DIR "/control", O_RDWR | O_CLOEXEC);
		char c;

		ASSERT_LE(0, fd);
		EXPECT_EQ(-1, read(fd, &c, 1));
		EXPECT_EQ(EINVAL, errno);
		close(fd);
		fd = open(PINSHADOW_DEBUGFS_DIR "/lookup", O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, fd);
		EXPECT_EQ(-1, read(fd, &c, 1));
		EXPECT_EQ(ENODATA, errno);
		close(fd);
	}
	/* Read-only files refuse writes, even root's. */
	{
		static const char *const ro[] = {
			"stats", "pins", "probes", "verdicts", "cow_audit",
			"policies",
		};
		char path[128];
		size_t i;
		int fd;

		for (i = 0; i < sizeof(ro) / sizeof(ro[0]); i++) {
			snprintf(path, sizeof(path), "%s/%s", PINSHADOW_DEBUGFS_DIR,
				 ro[i]);
			fd = open(path, O_WRONLY | O_CLOEXEC);
			if (fd < 0) {
				EXPECT_TRUE(errno == EACCES || errno == EPERM)
					TH_LOG("open %s for writing: %s",
					       path, strerror(errno));
				continue;
			}
			EXPECT_EQ(-1, write(fd, "reset", 5))
				TH_LOG("%s took a write", path);
			close(fd);
		}
	}
	ASSERT_EQ(0, ps_read_file(PINSHADOW_DEBUGFS_DIR "/stats", &buf, NULL));
	free(buf);
	check_final(_metadata, self);
}

TEST_HARNESS_MAIN
