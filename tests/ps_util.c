// SPDX-License-Identifier: GPL-2.0
/*
 * Shared library of the pinshadow tests; see ps_util.h.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#include "parse.h"
#include "ps_util.h"
#include "slurp.h"

static const char *const ps_stat_names[PS_NR_STATS] = {
#define PS_STAT_NAME(name) #name,
	PS_STATS(PS_STAT_NAME)
#undef PS_STAT_NAME
};

const char *ps_stat_name(int id)
{
	return id >= 0 && id < PS_NR_STATS ? ps_stat_names[id] : "?";
}

void ps_msleep(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

uint64_t ps_rnd(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

int64_t ps_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ps_read_file(const char *path, char **bufp, size_t *lenp)
{
	return ps_slurp(path, bufp, lenp);
}

int ps_write_file(const char *path, const char *s)
{
	size_t len = strlen(s);
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, s, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	close(fd);
	return err;
}

/* strtoll() of a whole token; false if it is not a number. */
static bool parse_s64(const char *s, int base, int64_t *v)
{
	char *end;

	if (!*s)
		return false;
	errno = 0;
	*v = strtoll(s, &end, base);
	return !errno && !*end;
}

int ps_stats_text(char **buf)
{
	int err = ps_control("flush");

	return err ? err : ps_read_file(PINSHADOW_DEBUGFS_DIR "/stats", buf, NULL);
}

/*
 * @names[0..n) of the stats text (settled, or as it is) into @vals; bit i
 * of @seen per name found.
 */
static int stats_pick(const char *const *names, int64_t *vals, int n,
		      uint64_t *seen, bool settled)
{
	char *buf, err[PS_ERR_LEN];
	struct ps_stats all;
	int ret, i;

	*seen = 0;
	ret = settled ? ps_stats_text(&buf) :
		ps_read_file(PINSHADOW_DEBUGFS_DIR "/stats", &buf, NULL);
	if (ret)
		return ret;
	ret = ps_parse_stats(buf, &all, err);
	free(buf);
	if (ret)
		return -EPROTO;
	for (i = 0; i < n; i++)
		if (ps_stats_get(&all, names[i], &vals[i]))
			*seen |= 1ULL << i;
	ps_stats_free(&all);
	return 0;
}

int ps_stats_read(struct ps_test_stats *st)
{
	uint64_t seen;
	int err;

	memset(st, 0, sizeof(*st));
	err = stats_pick(ps_stat_names, st->v, PS_NR_STATS, &seen, true);
	if (err)
		return err;
	st->present = (uint32_t)seen;
	return st->present == (1u << PS_NR_STATS) - 1 ? 0 : -EPROTO;
}

/* The PS_PAGE_FIELDS of *@dst from the CLI's struct ps_pin *@src. */
#define PAGE_FIELD_COPY(type, name) dst->name = src->name;
#define PAGE_FROM_PIN(to, from)					\
	do {								\
		__typeof__(to) dst = (to);				\
		const struct ps_pin *src = (from);			\
									\
		PS_PAGE_FIELDS(PAGE_FIELD_COPY)				\
	} while (0)

/* The lookup answer in @line, through the CLI's parser. */
static int parse_lookup(const char *line, struct ps_lookup *lk)
{
	char err[PS_ERR_LEN];
	struct ps_pin pin;

	if (ps_parse_lookup(line, &pin, err))
		return -EPROTO;
	PAGE_FROM_PIN(lk, &pin);
	return 0;
}

int ps_lookup_raw(const char *req, struct ps_lookup *lk)
{
	char buf[sizeof(lk->line)];
	size_t len = strlen(req);
	ssize_t n;
	int fd, err;

	memset(lk, 0, sizeof(*lk));
	fd = open(PINSHADOW_DEBUGFS_DIR "/lookup", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, req, len);
	if (n < 0) {
		err = -errno;
		goto out;
	}
	if ((size_t)n != len) {
		err = -EIO;
		goto out;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		err = -errno;
		goto out;
	}
	buf[n] = '\0';
	snprintf(lk->line, sizeof(lk->line), "%s", buf);
	err = n ? parse_lookup(buf, lk) : -ENODATA;
out:
	close(fd);
	return err;
}

int ps_lookup_pfn(uint64_t pfn, struct ps_lookup *lk)
{
	char req[64];

	snprintf(req, sizeof(req), "pfn 0x%llx\n", (unsigned long long)pfn);
	return ps_lookup_raw(req, lk);
}

int ps_lookup_addr(pid_t pid, uint64_t addr, struct ps_lookup *lk)
{
	char req[96];

	snprintf(req, sizeof(req), "pid %d addr 0x%llx\n", (int)pid,
		 (unsigned long long)addr);
	return ps_lookup_raw(req, lk);
}

int ps_pins_read(struct ps_pin_row **rowsp, size_t *nrp)
{
	struct ps_pin_row *rows;
	char *buf, err[PS_ERR_LEN];
	struct ps_pin *pins, *p;
	size_t n, i;
	int ret;

	ret = ps_read_file(PINSHADOW_DEBUGFS_DIR "/pins", &buf, NULL);
	if (ret)
		return ret;
	ret = ps_parse_pins(buf, &pins, &n, err);
	free(buf);
	if (ret)
		return -EPROTO;
	rows = calloc(n ? n : 1, sizeof(*rows));
	if (!rows) {
		free(pins);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		p = &pins[i];
		rows[i] = (struct ps_pin_row){
			.age_ms = p->age_ms, .pid = p->pid,
			.stack = p->stack, .orphaned = p->orphaned,
		};
		PAGE_FROM_PIN(&rows[i], p);
		snprintf(rows[i].comm, sizeof(rows[i].comm), "%s", p->comm);
		snprintf(rows[i].api, sizeof(rows[i].api), "%s", p->api);
	}
	free(pins);
	*rowsp = rows;
	*nrp = n;
	return 0;
}

/* `probes`, through the CLI's parser; *@probes is malloc()ed. */
static int probes_read(struct ps_probe **probes, size_t *n)
{
	char *buf, err[PS_ERR_LEN];
	int ret;

	ret = ps_read_file(PINSHADOW_DEBUGFS_DIR "/probes", &buf, NULL);
	if (ret)
		return ret;
	ret = ps_parse_probes(buf, probes, n, err);
	free(buf);
	return ret ? -EPROTO : 0;
}

/* @name's row of `probes` into @out; -ENOENT if there is none. */
static int probe_row(const char *name, struct ps_probe *out)
{
	struct ps_probe *p;
	size_t n, i;
	int ret = probes_read(&p, &n);

	if (ret)
		return ret;
	ret = -ENOENT;
	for (i = 0; i < n; i++)
		if (!strcmp(p[i].name, name)) {
			*out = p[i];
			ret = 0;
		}
	free(p);
	return ret;
}

int ps_probes_read(int *nr_probes, int64_t *nmissed)
{
	struct ps_probe *p;
	size_t n, i;
	int ret;

	*nr_probes = 0;
	*nmissed = 0;
	ret = probes_read(&p, &n);
	if (ret)
		return ret;
	for (i = 0; i < n; i++)
		*nmissed += (int64_t)p[i].nmissed;
	*nr_probes = (int)n;
	free(p);
	return 0;
}

int ps_probe_armed(const char *name)
{
	struct ps_probe p;

	return probe_row(name, &p) ? -1 : p.armed;
}

int64_t ps_probe_hits(const char *name)
{
	struct ps_probe p;

	return probe_row(name, &p) ? -1 : (int64_t)p.hits;
}

int ps_probe_state(const char *name, char *state, size_t slen,
		   char *reason, size_t rlen)
{
	struct ps_probe p;
	int ret;

	state[0] = '\0';
	if (reason && rlen)
		reason[0] = '\0';
	ret = probe_row(name, &p);
	if (ret)
		return ret;
	snprintf(state, slen, "%s", p.state);
	if (reason && rlen)
		snprintf(reason, rlen, "%s", p.reason[0] ? p.reason : "-");
	return 0;
}

int ps_probes_unhealthy(char *why, size_t len)
{
	struct ps_probe *p;
	size_t n, i, used = 0;
	int bad = 0, ret;

	why[0] = '\0';
	ret = probes_read(&p, &n);
	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		if (!ps_probe_state_bad(p[i].state))
			continue;
		bad++;
		if (used < len)
			used += snprintf(why + used, len - used, "%s%s %s %s",
					 bad > 1 ? ", " : "", p[i].name,
					 p[i].state,
					 p[i].reason[0] ? p[i].reason : "-");
	}
	free(p);
	return bad;
}

int ps_control(const char *cmd)
{
	char s[64];

	snprintf(s, sizeof(s), "%s\n", cmd);
	return ps_write_file(PINSHADOW_DEBUGFS_DIR "/control", s);
}

int psh_open(void)
{
	int fd = open(PSH_DEBUGFS_PATH, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int psh_pin(int fd, const void *addr, uint64_t nr_pages, uint32_t api,
	    uint32_t flags, struct psh_pin *req)
{
	memset(req, 0, sizeof(*req));
	req->addr = (uintptr_t)addr;
	req->nr_pages = nr_pages;
	req->api = api;
	req->flags = flags;
	return ioctl(fd, PSH_IOC_PIN, req) ? -errno : 0;
}

int psh_unpin(int fd, uint32_t slot, uint32_t api, uint32_t make_dirty)
{
	struct psh_unpin req = {
		.slot = slot, .api = api, .make_dirty = make_dirty,
	};

	return ioctl(fd, PSH_IOC_UNPIN, &req) ? -errno : 0;
}

int psh_pfns(int fd, uint32_t slot, uint64_t *pfns, uint64_t room,
	     uint64_t *nr)
{
	struct psh_pfns req = {
		.slot = slot, .nr = room, .pfns = (uintptr_t)pfns,
	};

	if (ioctl(fd, PSH_IOC_PFNS, &req))
		return -errno;
	*nr = req.nr;
	return 0;
}

int psh_memfd_pin(int fd, int memfd, uint64_t offset, uint64_t nr_pages,
		  struct psh_memfd_pin *req)
{
	memset(req, 0, sizeof(*req));
	req->memfd = memfd;
	req->offset = offset;
	req->nr_pages = nr_pages;
	return ioctl(fd, PSH_IOC_MEMFD_PIN, req) ? -errno : 0;
}

int psh_unpin_range(int fd, uint32_t slot, uint64_t first, uint64_t nr,
		    uint32_t make_dirty)
{
	struct psh_unpin_range req = {
		.slot = slot, .make_dirty = make_dirty,
		.first = first, .nr = nr,
	};

	return ioctl(fd, PSH_IOC_UNPIN_RANGE, &req) ? -errno : 0;
}

/* @names[@i] of @n, or "?". */
static const char *name_in(const char *const *names, size_t n, uint32_t i)
{
	return i < n && names[i] ? names[i] : "?";
}

/* As pinshadow names the API in the "api" column of pins. */
const char *psh_pin_api_name(uint32_t api)
{
	static const char *const abi_names[] = PINSHADOW_API_NAMES;
	static const uint8_t abi_api[PSH_PIN_NR_APIS] = {
		[PSH_PIN_FAST] = PS_API_PIN_USER_PAGES_FAST,
		[PSH_PIN_FAST_ONLY] = PS_API_PIN_USER_PAGES_FAST_ONLY,
		[PSH_PIN_PLAIN] = PS_API_PIN_USER_PAGES,
		[PSH_PIN_REMOTE] = PS_API_PIN_USER_PAGES_REMOTE,
		[PSH_PIN_UNLOCKED] = PS_API_PIN_USER_PAGES_UNLOCKED,
	};

	if (api >= PSH_PIN_NR_APIS)
		return "?";
	return name_in(abi_names, PS_NR_APIS, abi_api[api]);
}

const char *psh_unpin_api_name(uint32_t api)
{
	static const char *const names[PSH_UNPIN_NR_APIS] = {
		[PSH_UNPIN_PAGE] = "unpin_user_page",
		[PSH_UNPIN_PAGES] = "unpin_user_pages",
		[PSH_UNPIN_DIRTY_LOCK] = "unpin_user_pages_dirty_lock",
		[PSH_UNPIN_RANGE_DIRTY] = "unpin_user_page_range_dirty_lock",
		[PSH_UNPIN_FOLIO] = "unpin_folio",
		[PSH_UNPIN_FOLIOS] = "unpin_folios",
		[PSH_UNPIN_USER_FOLIO] = "unpin_user_folio",
	};

	return name_in(names, PSH_UNPIN_NR_APIS, api);
}

/* /proc/self/pagemap of this process (an inherited fd maps the parent). */
static int pagemap_fd(void)
{
	static pid_t owner;
	static int fd = -1;

	if (fd >= 0 && owner != getpid()) {
		close(fd);
		fd = -1;
	}
	if (fd < 0) {
		fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
		owner = getpid();
	}
	return fd;
}

uint64_t ps_virt_to_pfn(const void *addr)
{
	uint64_t ent = 0;
	off_t off = (uintptr_t)addr / PS_PAGE_SIZE * sizeof(ent);
	int fd = pagemap_fd();

	if (fd < 0 || pread(fd, &ent, sizeof(ent), off) != sizeof(ent))
		return 0;
	if (!(ent & (1ULL << 63)))
		return 0;
	return ent & ((1ULL << 55) - 1);
}

/* Flags of pfn..pfn+nr-1; returns how many entries it could read. */
static size_t kpageflags_range(uint64_t pfn, uint64_t *flags, size_t nr)
{
	static int fd = -1;
	ssize_t n;

	if (fd < 0)
		fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = pread(fd, flags, nr * sizeof(*flags), pfn * sizeof(*flags));
	return n < 0 ? 0 : (size_t)n / sizeof(*flags);
}

int ps_kpageflags(uint64_t pfn, uint64_t *flags)
{
	return kpageflags_range(pfn, flags, 1) == 1 ? 0 : -EIO;
}

#define PS_MAX_FOLIO_PAGES	(1u << 18)	/* 1 GiB */
#define KPF_CHUNK		1024

int ps_pfn_folio(uint64_t pfn, uint64_t *head, int *order)
{
	const uint64_t head_bit = 1ULL << KPF_COMPOUND_HEAD;
	const uint64_t tail_bit = 1ULL << KPF_COMPOUND_TAIL;
	static uint64_t chunk[KPF_CHUNK];
	uint64_t f, start, nr_pages = 1;
	size_t i, n;
	int o;

	if (ps_kpageflags(pfn, &f))
		return -EIO;
	*head = pfn;
	*order = 0;
	if (!(f & (head_bit | tail_bit)))
		return 0;
	/* Back to the head page, a chunk of kpageflags at a time. */
	while (f & tail_bit) {
		if (!*head || pfn - *head >= PS_MAX_FOLIO_PAGES)
			return -ERANGE;
		start = *head >= KPF_CHUNK ? *head - KPF_CHUNK : 0;
		n = kpageflags_range(start, chunk, *head - start);
		if (n != *head - start)
			return -EIO;
		for (i = n; i > 0; i--) {
			f = chunk[i - 1];
			*head = start + i - 1;
			if (!(f & tail_bit))
				break;
		}
	}
	if (!(f & head_bit))
		return -ERANGE;
	/* Forward over the tail pages. */
	for (;;) {
		n = kpageflags_range(*head + nr_pages, chunk, KPF_CHUNK);
		for (i = 0; i < n && (chunk[i] & tail_bit); i++)
			nr_pages++;
		if (i < n || !n || nr_pages >= PS_MAX_FOLIO_PAGES)
			break;
	}
	for (o = 0; (1ULL << o) < nr_pages; o++)
		;
	if ((1ULL << o) != nr_pages)
		return -ERANGE;
	*order = o;
	return 0;
}

/* Counters of /proc/vmstat after folding the per-CPU deltas. */
static int vmstat_read(const char *const *names, int64_t *vals, int n)
{
	char *buf, *line, *save = NULL, key[64];
	int err, i, found = 0;
	long long v;

	/* Harmless if it fails (then the counters lag). */
	ps_write_file("/proc/sys/vm/stat_refresh", "1\n");
	err = ps_read_file("/proc/vmstat", &buf, NULL);
	if (err)
		return err;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%63s %lld", key, &v) != 2)
			continue;
		for (i = 0; i < n; i++) {
			if (!strcmp(key, names[i])) {
				vals[i] = v;
				found++;
			}
		}
	}
	free(buf);
	return found == n ? 0 : -ENOENT;
}

int ps_vmstat(const char *name, int64_t *val)
{
	return vmstat_read(&name, val, 1);
}

int ps_vmstat_pins(int64_t *acquired, int64_t *released)
{
	static const char *const names[] = {
		"nr_foll_pin_acquired", "nr_foll_pin_released",
	};
	int64_t v[2];
	int err = vmstat_read(names, v, 2);

	if (!err) {
		*acquired = v[0];
		*released = v[1];
	}
	return err;
}

bool ps_pfn_in_movable_zone(uint64_t pfn)
{
	unsigned long long start = 0, spanned = 0, v;
	char *buf, *line, *save = NULL, zone[32];
	bool movable = false, in = false;

	if (ps_read_file("/proc/zoneinfo", &buf, NULL))
		return false;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "Node %*d, zone %31s", zone) == 1) {
			movable = !strcmp(zone, "Movable");
			start = spanned = 0;
			continue;
		}
		if (!movable)
			continue;
		if (sscanf(line, " spanned %llu", &v) == 1)
			spanned = v;
		else if (sscanf(line, " start_pfn: %llu", &v) == 1)
			start = v;
		if (spanned && start && pfn >= start && pfn < start + spanned)
			in = true;
	}
	free(buf);
	return in;
}

void *ps_mmap_aligned(size_t size, size_t align, int prot, int flags)
{
	uintptr_t p, a;
	void *m;

	flags |= MAP_PRIVATE | MAP_ANONYMOUS;
	if (flags & MAP_HUGETLB) {	/* the kernel aligns it */
		m = mmap(NULL, size, prot, flags, -1, 0);
		return m == MAP_FAILED ? NULL : m;
	}
	m = mmap(NULL, size + align, prot, flags, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	p = (uintptr_t)m;
	a = (p + align - 1) & ~(uintptr_t)(align - 1);
	if (a > p)
		munmap(m, a - p);
	if (align > a - p)
		munmap((void *)(a + size), align - (a - p));
	return (void *)a;
}

bool ps_kernel_at_least(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
		return false;
	return ma > major || (ma == major && mi >= minor);
}

bool ps_module_loaded(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s/initstate", name);
	return !access(path, F_OK);
}

int ps_insmod(const char *path, const char *params)
{
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, params ? params : "", 0))
		err = -errno;
	close(fd);
	return err;
}

int ps_rmmod(const char *name)
{
	int64_t end = ps_now_ms() + 5000;

	for (;;) {
		if (!syscall(SYS_delete_module, name, O_NONBLOCK))
			return 0;
		if ((errno != EAGAIN && errno != EBUSY) || ps_now_ms() > end)
			return -errno;
		ps_msleep(50);
	}
}

static const char *env_or(const char *var, const char *dflt)
{
	const char *v = getenv(var);

	return v && *v ? v : dflt;
}

const char *ps_ko_path(void)
{
	return env_or("PINSHADOW_KO", PS_KO_PATH);
}

const char *psh_ko_path(void)
{
	return env_or("PINSHADOW_HELPER_KO", PSH_KO_PATH);
}

const char *ps_suite_params(void)
{
	return env_or("PINSHADOW_PARAMS", PS_SUITE_PARAMS);
}

int ps_load(const char *params)
{
	return ps_insmod(ps_ko_path(), params ? params : ps_suite_params());
}

int ps_ensure_modules(char *why, size_t len)
{
	const struct {
		const char *name, *path, *params;
	} mods[] = {
		{ PS_MODULE, ps_ko_path(), ps_suite_params() },
		{ PSH_MODULE, psh_ko_path(), NULL },
	};
	size_t i;
	int err;

	if (access("/sys/kernel/debug/", F_OK) == 0 &&
	    access(PSH_DEBUGFS_PATH, F_OK) && access(PINSHADOW_DEBUGFS_DIR, F_OK))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	for (i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		if (ps_module_loaded(mods[i].name))
			continue;
		err = ps_insmod(mods[i].path, mods[i].params);
		if (err && err != -EEXIST) {
			snprintf(why, len, "%s not loaded and insmod %s: %s",
				 mods[i].name, mods[i].path, strerror(-err));
			return err;
		}
	}
	if (access(PINSHADOW_DEBUGFS_DIR "/stats", R_OK)) {
		snprintf(why, len, "%s/stats: %s", PINSHADOW_DEBUGFS_DIR,
			 strerror(errno));
		return -ENOENT;
	}
	return 0;
}

int ps_kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	lseek(fd, 0, SEEK_END);
	return fd;
}

static const char *const kmsg_bad[] = {
	"WARNING:", "BUG:", "BUG ", "Oops", "general protection fault",
	"Call Trace:", "UBSAN:", "KASAN:", "refcount_t:", "list_add corruption",
	"list_del corruption", "Kernel panic", "soft lockup", "hard LOCKUP",
	"detected stall", "blocked for more than", "kmemleak", "bad page",
	"Bad page", "sleeping function called",
	"scheduling while atomic", "possible circular locking", "lockdep",
	"deprecated workqueue",
};

int ps_kmsg_scan(int fd, char *bad, size_t len)
{
	char rec[8192], *msg;
	unsigned int pri;
	ssize_t n;
	size_t i;

	if (fd < 0)
		return 0;
	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0) {
			if (errno == EPIPE || errno == EINTR)
				continue;
			return 0;	/* EAGAIN: nothing more */
		}
		if (!n)
			return 0;
		rec[n] = '\0';
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		if (sscanf(rec, "%u", &pri) != 1)
			pri = 6;
		for (i = 0; i < sizeof(kmsg_bad) / sizeof(kmsg_bad[0]); i++)
			if (strstr(msg, kmsg_bad[i]))
				break;
		/* pinshadow's own errors count too */
		if (i == sizeof(kmsg_bad) / sizeof(kmsg_bad[0]) &&
		    !((pri & 7) <= 3 && !strncmp(msg, "pinshadow", 9)))
			continue;
		msg[strcspn(msg, "\n")] = '\0';
		snprintf(bad, len, "%s", msg);
		return 1;
	}
}

static void read_comm(char *comm, size_t len)
{
	char *buf;

	if (ps_read_file("/proc/self/comm", &buf, NULL)) {
		snprintf(comm, len, "?");
		return;
	}
	buf[strcspn(buf, "\n")] = '\0';
	snprintf(comm, len, "%s", buf);
	free(buf);
}

int ps_env_setup(struct ps_env *env, char *why, size_t len)
{
	int err;

	env->helper_fd = -1;
	env->pins_before_reset = false;
	env->kmsg_fd = ps_kmsg_open();
	read_comm(env->comm, sizeof(env->comm));
	err = ps_ensure_modules(why, len);
	if (err)
		return err;
	err = ps_control("reset");
	if (err) {
		snprintf(why, len, "write reset to control: %s",
			 strerror(-err));
		return err;
	}
	env->helper_fd = psh_open();
	if (env->helper_fd < 0) {
		err = env->helper_fd;
		snprintf(why, len, "open %s: %s", PSH_DEBUGFS_PATH,
			 strerror(-err));
		return err;
	}
	return 0;
}

#define APPEND(...) do {						\
	size_t _l = strlen(why);					\
	if (_l < len)							\
		snprintf(why + _l, len - _l, __VA_ARGS__);		\
} while (0)

int ps_env_teardown(struct ps_env *env, int wait_ms, char *why, size_t len)
{
	int64_t end = ps_now_ms() + wait_ms, nmissed;
	struct ps_test_stats st;
	int err, nprobes;
	char bad[256];
	bool ok = true;

	why[0] = '\0';
	if (env->helper_fd >= 0)
		close(env->helper_fd);
	env->helper_fd = -1;
	if (!ps_module_loaded(PS_MODULE)) {
		APPEND("pinshadow was left unloaded; ");
		ok = false;
		err = ps_ensure_modules(bad, sizeof(bad));
		if (err) {
			APPEND("%s", bad);
			return -1;
		}
	}
	for (;;) {
		err = ps_stats_read(&st);
		if (err) {
			APPEND("reading stats: %s", strerror(-err));
			return -1;
		}
		if (!st.v[PS_pinned_pages] && !st.v[PS_pins_outstanding])
			break;
		if (ps_now_ms() > end)
			break;
		ps_msleep(20);
	}
#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		ok = false;						\
		APPEND(__VA_ARGS__);					\
	}								\
} while (0)
#define V(name) ((long long)st.v[PS_##name])
	CHECK(!V(pinned_pages), "pinned_pages %lld != 0; ", V(pinned_pages));
	CHECK(!V(pins_outstanding), "pins_outstanding %lld != 0; ",
	      V(pins_outstanding));
	CHECK(!V(longterm_outstanding), "longterm_outstanding %lld != 0; ",
	      V(longterm_outstanding));
	CHECK(V(vmstat_acquired) + V(vmstat_bypass_pins) == V(pins_acquired),
	      "vmstat_acquired %lld + vmstat_bypass_pins %lld != pins_acquired %lld; ",
	      V(vmstat_acquired), V(vmstat_bypass_pins), V(pins_acquired));
	CHECK(V(vmstat_released) == V(pins_released),
	      "vmstat_released %lld != pins_released %lld; ",
	      V(vmstat_released), V(pins_released));
	if (!env->pins_before_reset)
		CHECK(V(pins_acquired) - V(pins_released) == V(pins_outstanding),
		      "pins_acquired %lld - pins_released %lld != pins_outstanding %lld; ",
		      V(pins_acquired), V(pins_released),
		      V(pins_outstanding));
	CHECK(!V(missed_events), "missed_events %lld != 0; ",
	      V(missed_events));
	CHECK(!V(lost_events), "lost_events %lld != 0; ", V(lost_events));
#undef V
	err = ps_probes_read(&nprobes, &nmissed);
	CHECK(!err, "reading probes: %s; ", strerror(-err));
	CHECK(err || nprobes > 0, "probes lists no probe; ");
	CHECK(err || !nmissed, "probes: nmissed sums to %lld; ",
	      (long long)nmissed);
	err = ps_probes_unhealthy(bad, sizeof(bad));
	CHECK(err >= 0, "reading probes' states: %s; ", strerror(-err));
	CHECK(err <= 0, "probes: %s; ", bad);
	if (ps_kmsg_scan(env->kmsg_fd, bad, sizeof(bad)))
		CHECK(0, "kernel log: \"%s\"; ", bad);
#undef CHECK
	if (env->kmsg_fd >= 0)
		close(env->kmsg_fd);
	env->kmsg_fd = -1;
	return ok ? 0 : -1;
}

/* Helpers of the reliability tests; see ps_util.h. */

static int stats_named(const char *const *names, int64_t *vals, int n,
		       bool settled)
{
	uint64_t seen;
	int err;

	if (n > 64)
		return -EINVAL;
	err = stats_pick(names, vals, n, &seen, settled);
	if (err)
		return err;
	return seen == (n == 64 ? ~0ULL : (1ULL << n) - 1) ? 0 : -EPROTO;
}

int ps_stats_named(const char *const *names, int64_t *vals, int n)
{
	return stats_named(names, vals, n, true);
}

int ps_stats_named_unsettled(const char *const *names, int64_t *vals, int n)
{
	return stats_named(names, vals, n, false);
}

int ps_policies_read(const char *const *names, struct ps_policy *p, int n)
{
	static const char *const cols[] = {
		"policy", "decisions", "copies", "needless_copies",
		"unsafe_shares",
	};
	char *buf, err[PS_ERR_LEN];
	int idx[sizeof(cols) / sizeof(cols[0])], i, ret;
	uint64_t found = 0;
	struct ps_table t;
	size_t r;

	if (n > 64)
		return -EINVAL;
	ret = ps_read_file(PINSHADOW_DEBUGFS_DIR "/policies", &buf, NULL);
	if (ret)
		return ret;
	ret = ps_parse_table(buf, "policies", false, &t, err);
	free(buf);
	if (ret)
		return -EPROTO;
	if (ps_table_cols(&t, "policies", cols, idx, sizeof(cols) / sizeof(cols[0]), err))
		goto bad;
	for (r = 0; r < t.nrows; r++) {
		const char *name = ps_table_cell(&t, r, (size_t)idx[0]);
		struct ps_policy v;

		if (!ps_parse_i64(ps_table_cell(&t, r, (size_t)idx[1]), &v.decisions) ||
		    !ps_parse_i64(ps_table_cell(&t, r, (size_t)idx[2]), &v.copies) ||
		    !ps_parse_i64(ps_table_cell(&t, r, (size_t)idx[3]), &v.needless) ||
		    !ps_parse_i64(ps_table_cell(&t, r, (size_t)idx[4]), &v.unsafe))
			goto bad;
		for (i = 0; i < n; i++)
			if (!strcmp(name, names[i])) {
				p[i] = v;
				found |= 1ULL << i;
			}
	}
	ps_table_free(&t);
	return found == (n == 64 ? ~0ULL : (1ULL << n) - 1) ? 0 : -EPROTO;
bad:
	ps_table_free(&t);
	return -EPROTO;
}

int ps_lookup_field(const struct ps_lookup *lk, const char *name, int64_t *v)
{
	size_t nl = strlen(name);
	const char *p = lk->line;

	while ((p = strstr(p, name)) != NULL) {
		if ((p == lk->line || p[-1] == ' ') && p[nl] == '=') {
			char tok[64];

			snprintf(tok, sizeof(tok), "%.*s",
				 (int)strcspn(p + nl + 1, " \t\n"), p + nl + 1);
			return parse_s64(tok, 0, v) ? 0 : -EPROTO;
		}
		p += nl;
	}
	return -ENOENT;
}

int ps_read_s64(const char *path, int64_t *v)
{
	char *buf;
	int err = ps_read_file(path, &buf, NULL);

	if (err)
		return err;
	buf[strcspn(buf, " \t\n")] = '\0';
	err = parse_s64(buf, 0, v) ? 0 : -EPROTO;
	free(buf);
	return err;
}

int ps_write_s64(const char *path, int64_t v)
{
	char s[32];

	snprintf(s, sizeof(s), "%lld\n", (long long)v);
	return ps_write_file(path, s);
}

int ps_reload(const char *params)
{
	int64_t end = ps_now_ms() + 60000;
	int err;

	while (ps_module_loaded(PS_MODULE)) {
		if (!syscall(SYS_delete_module, PS_MODULE, O_NONBLOCK))
			break;
		err = -errno;
		if ((err != -EAGAIN && err != -EBUSY) || ps_now_ms() > end)
			return err;
		ps_msleep(20);
	}
	return ps_load(params);
}

bool ps_rel_break(const char *what)
{
	const char *v = getenv("ps_rel_break"), *p;
	size_t n = strlen(what);

	for (p = v; p && *p; p += strcspn(p, ",")) {
		if (*p == ',')
			p++;
		if (!strncmp(p, what, n) && (p[n] == ',' || !p[n]))
			return true;
	}
	return false;
}
