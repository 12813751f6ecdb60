/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared library of the pinshadow tests: readers for pinshadow's debugfs
 * files, wrappers of the test helper's ioctls, page-frame oracles the kernel
 * keeps (/proc/self/pagemap, /proc/kpageflags, /proc/vmstat), module
 * load/unload and a kernel-log scanner.
 *
 * Nothing here uses the kselftest harness; the functions return 0 or a
 * negative errno and leave the assertions to the tests (see ps_check.h).
 */
#ifndef PS_UTIL_H
#define PS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pinshadow_abi.h"
#include "pinshadow_test_helper.h"

#define PS_MODULE	"pinshadow"
#define PSH_MODULE	"pinshadow_test_helper"
#define PS_KO_DIR	"/lib/pinshadow"
#define PS_KO_PATH	PS_KO_DIR "/pinshadow.ko"
#define PSH_KO_PATH	PS_KO_DIR "/pinshadow_test_helper.ko"

#define PS_PAGE_SIZE	4096UL
#define PS_HPAGE_SIZE	(2UL << 20)
#define PS_HPAGE_ORDER	9
#define PS_PIN_BIAS	1024	/* GUP_PIN_COUNTING_BIAS */

/* The `stats` file, in the order the brief lists it. */
#define PS_STATS(X)							\
	X(pins_acquired) X(pins_released) X(pins_outstanding)		\
	X(pinned_pages) X(longterm_outstanding) X(untracked_unpins)	\
	X(lost_events) X(missed_events) X(vmstat_acquired)		\
	X(vmstat_released) X(vmstat_bypass_pins) X(api_pins)		\
	X(api_unpins) X(rollback_unpins) X(table_bytes)		\
	X(reconciled_acquired) X(reconciled_released)

enum ps_stat_id {
#define PS_STAT_ENUM(name) PS_##name,
	PS_STATS(PS_STAT_ENUM)
#undef PS_STAT_ENUM
	PS_NR_STATS
};

struct ps_test_stats {
	int64_t v[PS_NR_STATS];
	uint32_t present;	/* bit per enum ps_stat_id found in the file */
};

/*
 * The text of `stats`, settled: a "flush" to control first, so that
 * table_*, record* and pool_* show what the pins held now need (a read of
 * stats only reads).  Every reader of stats below goes through it.
 */
int ps_stats_text(char **buf);
/* Reads `stats`; -EPROTO if a known field is missing or malformed. */
int ps_stats_read(struct ps_test_stats *st);
const char *ps_stat_name(int id);

/*
 * What `lookup` and `pins` both say of a page, as X(type, name): the
 * fields of struct ps_lookup and struct ps_pin_row (and of the CLI's
 * struct ps_pin they are copied from).  folio_pincount is -1 when
 * pinshadow prints `-`.
 */
#define PS_PAGE_FIELDS(X)						\
	X(uint64_t, pfn) X(int64_t, count) X(int64_t, longterm)	\
	X(int64_t, maybe_pinned) X(int64_t, refcount) X(int64_t, order)	\
	X(int64_t, folio_pincount)
#define PS_PAGE_FIELD_DECL(type, name) type name;

/* One `lookup` answer. */
struct ps_lookup {
	PS_PAGE_FIELDS(PS_PAGE_FIELD_DECL)
	char line[512];
};

/* Writes @req to `lookup` and reads the answer on the same fd. */
int ps_lookup_raw(const char *req, struct ps_lookup *lk);
int ps_lookup_pfn(uint64_t pfn, struct ps_lookup *lk);
int ps_lookup_addr(pid_t pid, uint64_t addr, struct ps_lookup *lk);

/* One row of `pins`. */
struct ps_pin_row {
	PS_PAGE_FIELDS(PS_PAGE_FIELD_DECL)
	int64_t age_ms;
	int64_t pid;
	char comm[64];
	char api[64];
	int64_t stack;		/* handle in `stacks`; -1 when `-` */
	int64_t orphaned;
};

/* Reads `pins` into a malloc()ed array; -EPROTO on a malformed file. */
int ps_pins_read(struct ps_pin_row **rows, size_t *nr);

/* `probes`: how many rows and the sum of their nmissed column. */
int ps_probes_read(int *nr_probes, int64_t *nmissed);
/* The "armed" column of @name's row in `probes`; -1 if there is none. */
int ps_probe_armed(const char *name);
/* The "hits" column of @name's row in `probes`; -1 if there is none. */
int64_t ps_probe_hits(const char *name);

/*
 * The "state" and "reason" columns of @name's row in `probes`; -ENOENT if
 * there is no such row.
 */
int ps_probe_state(const char *name, char *state, size_t slen,
		   char *reason, size_t rlen);
/*
 * How many probes are silent, bad_args or failed (and which, in @why);
 * -errno if `probes` cannot be read.
 */
int ps_probes_unhealthy(char *why, size_t len);

/* Writes @cmd ("reset", "enable", "disable") to `control`. */
int ps_control(const char *cmd);

/*
 * Reads a whole debugfs/proc file into a malloc()ed NUL-terminated buffer
 * (the CLI's ps_slurp()).
 */
int ps_read_file(const char *path, char **buf, size_t *len);
int ps_write_file(const char *path, const char *s);

/* The test helper (include/pinshadow_test_helper.h). */
int psh_open(void);
/* 0 and req->result/slot filled, or -errno of the ioctl itself. */
int psh_pin(int fd, const void *addr, uint64_t nr_pages, uint32_t api,
	    uint32_t flags, struct psh_pin *req);
int psh_unpin(int fd, uint32_t slot, uint32_t api, uint32_t make_dirty);
/* Fills pfns[0..min(room, pages in slot)); *nr = pages in slot. */
int psh_pfns(int fd, uint32_t slot, uint64_t *pfns, uint64_t room,
	     uint64_t *nr);
/* PSH_IOC_MEMFD_PIN and PSH_IOC_UNPIN_RANGE; -errno of the ioctl. */
int psh_memfd_pin(int fd, int memfd, uint64_t offset, uint64_t nr_pages,
		  struct psh_memfd_pin *req);
int psh_unpin_range(int fd, uint32_t slot, uint64_t first, uint64_t nr,
		    uint32_t make_dirty);
const char *psh_pin_api_name(uint32_t api);
const char *psh_unpin_api_name(uint32_t api);

/* Oracles the kernel keeps. */
uint64_t ps_virt_to_pfn(const void *addr);	/* 0: not present */
int ps_kpageflags(uint64_t pfn, uint64_t *flags);
/* Head PFN and order of the folio holding @pfn, from /proc/kpageflags. */
int ps_pfn_folio(uint64_t pfn, uint64_t *head, int *order);
/* @pfn lies in a ZONE_MOVABLE (booted with movablecore= or kernelcore=). */
bool ps_pfn_in_movable_zone(uint64_t pfn);
/* A /proc/vmstat counter after folding the per-CPU deltas. */
int ps_vmstat(const char *name, int64_t *val);
/* nr_foll_pin_acquired and nr_foll_pin_released at one instant. */
int ps_vmstat_pins(int64_t *acquired, int64_t *released);

#define KPF_COMPOUND_HEAD	15
#define KPF_COMPOUND_TAIL	16
#define KPF_HUGE		17
#define KPF_THP			22

/* mmap() of @size bytes aligned to @align; NULL on failure. */
void *ps_mmap_aligned(size_t size, size_t align, int prot, int flags);

/* Kernel version of the running kernel >= major.minor. */
bool ps_kernel_at_least(int major, int minor);

/* Modules. */
bool ps_module_loaded(const char *name);
int ps_insmod(const char *path, const char *params);
int ps_rmmod(const char *name);
/* The .ko files: $PINSHADOW_KO / $PINSHADOW_HELPER_KO, or PS_KO_DIR. */
const char *ps_ko_path(void);
const char *psh_ko_path(void);
/*
 * The parameters the suite loads pinshadow with where a test names none:
 * the folio ledger on (the module's default is off, for speed), so that
 * the gross vmstat equalities can be checked.  $PINSHADOW_PARAMS
 * (tests/vm/init) overrides.
 */
#define PS_SUITE_PARAMS	"folio_ledger=1"
const char *ps_suite_params(void);
/* insmod pinshadow with @params (NULL: the suite's, "": the defaults). */
int ps_load(const char *params);
/* Loads pinshadow and the helper from there if they are not loaded. */
int ps_ensure_modules(char *why, size_t len);

/* Kernel log: open at the end, then look for warnings/oopses since. */
int ps_kmsg_open(void);
/* 1 and the first bad line in @bad if a warning, BUG or oops was logged. */
int ps_kmsg_scan(int fd, char *bad, size_t len);

/* Per-test environment: the fixture setup/teardown of every test. */
struct ps_env {
	int helper_fd;
	int kmsg_fd;
	char comm[64];
	/*
	 * Set by tests that release pins taken before pinshadow was loaded:
	 * then pins_acquired - pins_released == pins_outstanding need not hold.
	 */
	bool pins_before_reset;
};

int ps_env_setup(struct ps_env *env, char *why, size_t len);
/*
 * Closes the helper fd (its release unpins what is left), waits up to
 * @wait_ms for pinned_pages and pins_outstanding to drop to 0, then checks
 * the quiescent invariants and the kernel log.  0, or -1 and why.
 */
int ps_env_teardown(struct ps_env *env, int wait_ms, char *why, size_t len);

/* Sleep in milliseconds; monotonic time in milliseconds. */
void ps_msleep(unsigned int ms);
int64_t ps_now_ms(void);

/*
 * xorshift64, the reproducible generator of the fuzz and stress tests:
 * the next value of state @s (never 0).
 */
uint64_t ps_rnd(uint64_t *s);

/*
 * Helpers of the reliability tests (tests/reliability_*.c, tests/stress/).
 */

/* `stats` lines @names[0..n) into @vals; -EPROTO if one is missing. */
int ps_stats_named(const char *const *names, int64_t *vals, int n);
/*
 * The same, read as the file is, without the "flush" first: for a test of
 * what a read of stats does.
 */
int ps_stats_named_unsettled(const char *const *names, int64_t *vals, int n);

/* A row of `policies`: fork decisions replayed under one policy. */
struct ps_policy {
	int64_t decisions;
	int64_t copies;
	int64_t needless;	/* needless_copies */
	int64_t unsafe;		/* unsafe_shares */
};

/*
 * The rows of `policies` named @names[0..n) into @p[0..n); -EPROTO if one
 * is missing or the file is malformed.
 */
int ps_policies_read(const char *const *names, struct ps_policy *p, int n);
/* The name=value field @name of a lookup answer; -ENOENT if absent. */
int ps_lookup_field(const struct ps_lookup *lk, const char *name,
		    int64_t *v);
/* A small text file holding one integer (sysfs/debugfs knobs). */
int ps_read_s64(const char *path, int64_t *v);
int ps_write_s64(const char *path, int64_t v);
/*
 * rmmod pinshadow (if loaded), then ps_load(@params), retrying the rmmod while something holds a file of it open.
 */
int ps_reload(const char *params);
/*
 * Deliberate breakage for showing that a check can fail: true when the
 * comma-separated list in the environment variable ps_rel_break (the guest
 * gets it from the kernel command line, e.g. VM_APPEND=ps_rel_break=fuzz)
 * names @what.  Never set in a normal run.
 */
bool ps_rel_break(const char *what);

#endif /* PS_UTIL_H */
