// SPDX-License-Identifier: GPL-2.0
/*
 * Reliability: access to /sys/kernel/debug/pinshadow/ and kernel pointers.
 *
 * unprivileged: every file of the directory is root only.  Its modes are
 *   checked (owner root, no group or other bit: 0400, 0600 for lookup, 0200
 *   for control), then a child that dropped to uid/gid 65534 (setgroups(0),
 *   setresgid, setresuid: no capability left, checked in
 *   /proc/self/status) opens each file for reading and for writing:
 *   EACCES every time, on three walks: the absolute path, from /sys/kernel
 *   (through the debugfs root, usually 0700, which refuses the walk
 *   already), and from a descriptor of pinshadow's directory opened before
 *   the privileges went, where only the file's own mode is checked.  In
 *   the same child a 0644 file must open and a 0600 one of root's must not
 *   (the check tells EACCES from a broken child).
 *
 * no_kernel_pointers: with pins held (4 KiB, THP, hugetlb), a fork of a
 *   process with pinned pages (COW audit events) and `lookup` answers, every
 *   file of the directory is read (verdicts in both scopes): no token may
 *   look like a kernel address: 0xffff followed by 12 hex digits, or any
 *   number (hex with or without 0x, or decimal) that falls in the kernel
 *   half of the address space (>= 0xff00000000000000, which covers 4- and
 *   5-level paging), nor the hex digits of pinshadow's own .text address or
 *   of the probed functions (from /proc/kallsyms).  The scanner is checked
 *   against text that does hold kernel pointers first.
 *
 * ps_rel_break=access (kernel command line, see ps_util.h) makes `stats`
 * 0444 for the unprivileged pass and plants pinshadow's .text address in
 * the text scanned: to show the checks fail.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "ps_check.h"
#include "ps_client.h"

#define DEBUGFS		"/sys/kernel/debug"
#define NOBODY		65534
#define MAX_FILES	32

static const struct {
	const char *name;
	mode_t mode;
} known_files[] = {
	{ "stats", 0400 }, { "pins", 0400 }, { "probes", 0400 },
	{ "lookup", 0600 }, { "control", 0200 }, { "verdicts", 0400 },
	{ "cow_audit", 0400 }, { "policies", 0400 },
};
#define NKNOWN	(sizeof(known_files) / sizeof(known_files[0]))

/* Every regular file of the directory (there may be more than we know). */
static int list_files(char names[MAX_FILES][64])
{
	DIR *d = opendir(PINSHADOW_DEBUGFS_DIR);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d)) && n < MAX_FILES) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(names[n++], 64, "%.63s", de->d_name);
	}
	closedir(d);
	return n;
}

/* ------------------------------------------------------------------ */

FIXTURE(access) {
	struct ps_env env;
	mode_t debugfs_mode;
	bool chmodded;
	char names[MAX_FILES][64];
	int nfiles;
};

FIXTURE_SETUP(access)
{
	struct stat st;

	ps_fixture_setup(_metadata, &self->env);
	ASSERT_EQ(0, stat(DEBUGFS, &st));
	self->debugfs_mode = st.st_mode & 07777;
	self->nfiles = list_files(self->names);
	ASSERT_LT(0, self->nfiles);
}

FIXTURE_TEARDOWN(access)
{
	if (self->chmodded)
		chmod(PINSHADOW_DEBUGFS_DIR "/stats", 0400);
	ps_fixture_teardown(_metadata, &self->env, 5000);
}

/*
 * In the child: 0 if every open failed with EACCES, else 1 and why.  Three
 * walks to each file: the absolute path; from /sys/kernel (through the
 * debugfs root and its mode); and from pinshadow's own directory, opened
 * before the privileges went, so that only the file's mode is checked.
 */
struct dirs {
	int sys_kernel, pinshadow, tmp, proc;
};

static int child_try(char names[MAX_FILES][64], int nfiles,
		     const struct dirs *d, char *msg, size_t len)
{
	char path[128], *status, *cap;
	int i, fd, bad = 0, w;

	msg[0] = '\0';
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY)) {
		snprintf(msg, len, "dropping privileges: %s", strerror(errno));
		return 1;
	}
	/* Changing uid made the process undumpable: /proc/self root's. */
	prctl(PR_SET_DUMPABLE, 1);
	/* The guest's / may be 0700: walk from descriptors opened before. */
	fd = openat(d->proc, "self/status", O_RDONLY | O_CLOEXEC);
	status = calloc(1, 4096);
	if (fd < 0 || !status || read(fd, status, 4095) <= 0) {
		snprintf(msg, len, "/proc/self/status would not open: %s",
			 strerror(errno));
		return 1;
	}
	close(fd);
	cap = strstr(status, "CapEff:");
	if (!cap || strncmp(cap, "CapEff:\t0000000000000000", 24)) {
		snprintf(msg, len, "capabilities left: %.40s",
			 cap ? cap : "?");
		free(status);
		return 1;
	}
	free(status);
	/* The controls: a world-readable file opens, a 0600 one does not. */
	fd = openat(d->tmp, "ps_access_0644", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(msg, len, "a 0644 file would not open: %s",
			 strerror(errno));
		return 1;
	}
	close(fd);
	fd = openat(d->tmp, "ps_access_0600", O_RDONLY | O_CLOEXEC);
	if (fd >= 0 || errno != EACCES) {
		snprintf(msg, len, "a 0600 file of root's: %s",
			 fd >= 0 ? "opened" : strerror(errno));
		return 1;
	}
	for (i = 0; i < nfiles; i++) {
		int modes[2] = { O_RDONLY, O_WRONLY }, m;

		for (w = 0; w < 3; w++) {
			for (m = 0; m < 2; m++) {
				switch (w) {
				case 0:
					snprintf(path, sizeof(path), "%s/%.63s",
						 PINSHADOW_DEBUGFS_DIR, names[i]);
					fd = open(path, modes[m] | O_CLOEXEC);
					break;
				case 1:
					snprintf(path, sizeof(path),
						 "[/sys/kernel]/debug/pinshadow/%.63s",
						 names[i]);
					fd = openat(d->sys_kernel, path + 14,
						    modes[m] | O_CLOEXEC);
					break;
				default:
					snprintf(path, sizeof(path),
						 "[%s]/%.63s", PINSHADOW_DEBUGFS_DIR,
						 names[i]);
					fd = openat(d->pinshadow, names[i],
						    modes[m] | O_CLOEXEC);
					break;
				}
				if (fd >= 0) {
					close(fd);
					snprintf(msg + strlen(msg),
						 len - strlen(msg),
						 "%s opened for %s; ", path,
						 m ? "writing" : "reading");
					bad = 1;
				} else if (errno != EACCES) {
					snprintf(msg + strlen(msg),
						 len - strlen(msg),
						 "%s for %s: %s, not EACCES; ",
						 path, m ? "writing" : "reading",
						 strerror(errno));
					bad = 1;
				}
			}
		}
	}
	return bad;
}

static void as_nobody(struct __test_metadata *_metadata,
		      FIXTURE_DATA(access) *self)
{
	char *msg = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct dirs d;
	int status, fd;
	pid_t pid;

	ASSERT_NE(MAP_FAILED, msg);
	d.sys_kernel = open("/sys/kernel", O_PATH | O_DIRECTORY | O_CLOEXEC);
	d.pinshadow = open(PINSHADOW_DEBUGFS_DIR, O_PATH | O_DIRECTORY | O_CLOEXEC);
	d.tmp = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	d.proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, d.proc);
	ASSERT_LE(0, d.sys_kernel);
	ASSERT_LE(0, d.pinshadow);
	ASSERT_LE(0, d.tmp);
	fd = openat(d.tmp, "ps_access_0644", O_CREAT | O_WRONLY | O_CLOEXEC,
		    0644);
	ASSERT_LE(0, fd);
	fchmod(fd, 0644);
	close(fd);
	fd = openat(d.tmp, "ps_access_0600", O_CREAT | O_WRONLY | O_CLOEXEC,
		    0600);
	ASSERT_LE(0, fd);
	fchmod(fd, 0600);
	close(fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(child_try(self->names, self->nfiles, &d, msg, 4096));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("as uid %d: %s", NOBODY, msg);
	unlinkat(d.tmp, "ps_access_0644", 0);
	unlinkat(d.tmp, "ps_access_0600", 0);
	close(d.sys_kernel);
	close(d.pinshadow);
	close(d.tmp);
	close(d.proc);
	munmap(msg, 4096);
}

TEST_F(access, unprivileged)
{
	struct stat st;
	char path[128];
	size_t k;
	int i, found = 0;

	/* The modes: owner root, nothing for group or others. */
	for (i = 0; i < self->nfiles; i++) {
		snprintf(path, sizeof(path), "%s/%.63s", PINSHADOW_DEBUGFS_DIR,
			 self->names[i]);
		ASSERT_EQ(0, stat(path, &st));
		EXPECT_EQ(0U, st.st_uid) TH_LOG("%s", path);
		EXPECT_EQ(0, (int)(st.st_mode & 077))
			TH_LOG("%s: mode %o", path, st.st_mode & 07777);
		for (k = 0; k < NKNOWN; k++) {
			if (strcmp(known_files[k].name, self->names[i]))
				continue;
			found++;
			EXPECT_EQ((int)known_files[k].mode,
				  (int)(st.st_mode & 07777))
				TH_LOG("%s", path);
		}
	}
	EXPECT_EQ((int)NKNOWN, found) TH_LOG("files of %s", PINSHADOW_DEBUGFS_DIR);
	ASSERT_EQ(0, stat(PINSHADOW_DEBUGFS_DIR, &st));
	TH_LOG("%d files; debugfs root mode %o, %s mode %o", self->nfiles,
	       self->debugfs_mode, PINSHADOW_DEBUGFS_DIR, st.st_mode & 07777);
	if (ps_rel_break("access")) {
		self->chmodded = true;
		chmod(PINSHADOW_DEBUGFS_DIR "/stats", 0444);
	}
	as_nobody(_metadata, self);
	if (ps_rel_break("access"))
		chmod(PINSHADOW_DEBUGFS_DIR "/stats", 0400);
	self->chmodded = false;
}

/* ------------------------------------------------------------------ */
/* Kernel pointers                                                     */

struct needle {
	char hex[24];		/* lowercase, no 0x, no leading zeros */
	const char *what;
};

static int is_hex(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

#define KERNEL_HALF	0xff00000000000000ULL

/*
 * 0 if @text has no kernel pointer, else 1 and the offending token in
 * @bad.  Tokens: maximal runs of hex digits (after an optional 0x) and
 * runs of decimal digits.
 */
static int scan_text(const char *text, const struct needle *nd, int nn,
		     char *bad, size_t len)
{
	const char *p = text;
	int i;

	for (i = 0; i < nn; i++) {
		const char *hit = strcasestr(text, nd[i].hex);

		if (hit) {
			snprintf(bad, len, "%s (%s) at \"%.40s\"", nd[i].hex,
				 nd[i].what, hit);
			return 1;
		}
	}
	while (*p) {
		const char *s = p, *h;
		unsigned __int128 v = 0;
		size_t n = 0;
		bool hex;

		if (!is_hex((unsigned char)*p)) {
			p++;
			continue;
		}
		/* A token starts at a non-alphanumeric boundary. */
		if (p > text && (is_hex((unsigned char)p[-1]) ||
				 p[-1] == '_' ||
				 (p[-1] >= 'g' && p[-1] <= 'z') ||
				 (p[-1] >= 'G' && p[-1] <= 'Z'))) {
			p++;
			continue;
		}
		h = p;
		if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
			h = p + 2;
		for (s = h; is_hex((unsigned char)*s); s++)
			n++;
		hex = h != p || n == 16 ||
		      strspn(h, "0123456789") < n;
		if (!strncasecmp(p, "0xffff", 6) && n == 16) {
			snprintf(bad, len, "\"%.*s\"", (int)(s - p), p);
			return 1;
		}
		if (hex && n <= 32) {
			for (i = 0; i < (int)n; i++) {
				int c = h[i] | 0x20;

				v = v * 16 + (c <= '9' ? c - '0' : c - 'a' + 10);
			}
		} else if (!hex && n <= 40) {
			for (i = 0; i < (int)n; i++)
				v = v * 10 + (h[i] - '0');
		}
		if (v >= KERNEL_HALF && v <= UINT64_MAX) {
			snprintf(bad, len, "\"%.*s\" is a kernel address",
				 (int)(s - p), p);
			return 1;
		}
		p = s;
	}
	return 0;
}

static void add_needle(struct needle *nd, int *nn, uint64_t addr,
		       const char *what)
{
	if (addr < KERNEL_HALF)
		return;		/* hidden (kptr_restrict) or not a pointer */
	snprintf(nd[*nn].hex, sizeof(nd[*nn].hex), "%llx",
		 (unsigned long long)addr);
	nd[*nn].what = what;
	(*nn)++;
}

/* Addresses to look for: pinshadow's text and the functions it probes. */
static int needles(struct needle *nd, int max)
{
	static const char *const syms[] = {
		"pin_user_pages_fast", "unpin_user_pages", "gup_put_folio",
		"try_grab_folio", "copy_page_range", "pin_user_pages_remote",
	};
	char *buf, *line, *save = NULL, name[128];
	unsigned long long a;
	int nn = 0;
	size_t i;

	if (!ps_read_file("/sys/module/pinshadow/sections/.text", &buf,
			  NULL)) {
		add_needle(nd, &nn, strtoull(buf, NULL, 16),
			   "pinshadow .text");
		free(buf);
	}
	if (ps_read_file("/proc/kallsyms", &buf, NULL))
		return nn;
	for (line = strtok_r(buf, "\n", &save); line && nn < max;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%llx %*s %127s", &a, name) != 2)
			continue;
		for (i = 0; i < sizeof(syms) / sizeof(syms[0]); i++)
			if (!strcmp(name, syms[i]))
				add_needle(nd, &nn, a, syms[i]);
	}
	free(buf);
	return nn;
}

FIXTURE(ptrs) {
	struct ps_env env;
	pid_t child;
};

FIXTURE_SETUP(ptrs)
{
	ps_fixture_setup(_metadata, &self->env);
}

FIXTURE_TEARDOWN(ptrs)
{
	ps_kill_child(&self->child);
	ps_control("scan tracked");
	ps_fixture_teardown(_metadata, &self->env, 5000);
}

static void pin(struct __test_metadata *_metadata, int fd, char *buf,
		size_t n, uint32_t api, uint32_t flags)
{
	struct psh_pin req;

	ASSERT_EQ(0, psh_pin(fd, buf, n, api, flags, &req));
	ASSERT_EQ((int64_t)n, req.result);
}

TEST_F_TIMEOUT(ptrs, no_kernel_pointers, 600)
{
	struct needle nd[32];
	char *small, *thp, *huge, *text, bad[256], path[256], cmd[96];
	char names[MAX_FILES][64];
	struct ps_lookup lk;
	int nn, nfiles, i, scope, nread = 0;
	size_t total = 0;

	/* The scanner finds pointers where there are some. */
	nn = needles(nd, 32);
	TH_LOG("%d known kernel addresses to look for", nn);
	ASSERT_EQ(1, scan_text("a 0xffff888003a1c000 b", NULL, 0, bad,
			       sizeof(bad)));
	ASSERT_EQ(1, scan_text("x ffffffff81234567\n", NULL, 0, bad,
			       sizeof(bad)));
	ASSERT_EQ(1, scan_text("n 18446612682070032384\n", NULL, 0, bad,
			       sizeof(bad)));
	ASSERT_EQ(0, scan_text("pfn=0x28b3 vaddr 0x7f9649386000 age 1025\n",
			       NULL, 0, bad, sizeof(bad)));
	if (nn) {
		char t[64];

		snprintf(t, sizeof(t), "probe at %s here", nd[0].hex);
		ASSERT_EQ(1, scan_text(t, nd, nn, bad, sizeof(bad)));
	}

	/* Something in every file: pins, a fork of a pinned mm, lookups. */
	small = ps_small_buf(_metadata, 16);
	pin(_metadata, self->env.helper_fd, small, 16, PSH_PIN_FAST,
	    PSH_F_WRITE | PSH_F_LONGTERM);
	thp = ps_thp_buf(_metadata, 1);
	if (thp)
		pin(_metadata, self->env.helper_fd, thp + 4096, 3,
		    PSH_PIN_UNLOCKED, PSH_F_WRITE);
	huge = ps_hugetlb_buf(_metadata, 1);
	if (huge)
		pin(_metadata, self->env.helper_fd, huge, 2, PSH_PIN_REMOTE,
		    PSH_F_WRITE);
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (!self->child) {
		small[0] = 1;		/* a COW write fault too */
		for (;;)
			pause();
	}
	small[4096] = 2;

	nfiles = list_files(names);
	ASSERT_LT(0, nfiles);
	for (scope = 0; scope < 2; scope++) {
		ASSERT_EQ(0, ps_control(scope ? "scan all" : "scan tracked"));
		for (i = 0; i < nfiles; i++) {
			snprintf(path, sizeof(path), "%s/%.63s",
				 PINSHADOW_DEBUGFS_DIR, names[i]);
			if (!strcmp(names[i], "control"))
				continue;
			if (!strcmp(names[i], "lookup"))
				continue;	/* below */
			if (scope && strcmp(names[i], "verdicts"))
				continue;
			ASSERT_EQ(0, ps_read_file(path, &text, NULL))
				TH_LOG("%s", path);
			if (ps_rel_break("access") && !strcmp(names[i], "stats") &&
			    nn) {
				char *t = malloc(strlen(text) + 64);

				sprintf(t, "%sleak %s\n", text, nd[0].hex);
				free(text);
				text = t;
			}
			total += strlen(text);
			nread++;
			EXPECT_EQ(0, scan_text(text, nd, nn, bad, sizeof(bad)))
				TH_LOG("%s: %s", path, bad);
			free(text);
		}
	}
	/* lookup answers: by PFN and by address, pinned or not. */
	for (i = 0; i < 6; i++) {
		char *addr = i < 2 ? small + i * 4096 :
			     i < 4 ? (thp ? thp + (i - 2) * 4096 : small) :
			     (huge ? huge + (i - 4) * 4096 : small);

		snprintf(cmd, sizeof(cmd), "pid %d addr %p", getpid(), addr);
		ASSERT_EQ(0, ps_lookup_raw(cmd, &lk)) TH_LOG("%s", cmd);
		EXPECT_EQ(0, scan_text(lk.line, nd, nn, bad, sizeof(bad)))
			TH_LOG("lookup %s: %s", cmd, bad);
		ASSERT_EQ(0, ps_lookup_pfn(lk.pfn + 1, &lk));
		EXPECT_EQ(0, scan_text(lk.line, nd, nn, bad, sizeof(bad)))
			TH_LOG("lookup pfn: %s", bad);
		total += 2 * strlen(lk.line);
		nread += 2;
	}
	TH_LOG("%d reads, %zu bytes, no kernel pointer", nread, total);
}

TEST_HARNESS_MAIN
