/* SPDX-License-Identifier: GPL-2.0 */
/*
 * From physical pages back to processes: /proc/PID/maps says which virtual
 * ranges a process has and what backs them, /proc/PID/pagemap says which
 * PFN each virtual page maps (root only; 64-bit entries, bit 63 present,
 * bits 0-54 the PFN).
 */
#ifndef PS_PROCMAP_H
#define PS_PROCMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parse.h"

struct ps_ctx;

#define PM_PRESENT	(1ULL << 63)
#define PM_PFN_MASK	((1ULL << 55) - 1)

struct ps_vma {
	uint64_t start;
	uint64_t end;		/* exclusive */
	char perms[5];
	const char *name;	/* path, [heap], ...; "" for anonymous */
};

struct ps_maps {
	struct ps_vma *v;
	size_t n;
	char *buf;		/* owns the names */
};

/*
 * Calls @fn for each process in c->proc until one returns other than
 * PS_EXIT_OK; returns that, or the failure to read c->proc (reported).
 */
int ps_for_each_pid(struct ps_ctx *c,
		    int (*fn)(struct ps_ctx *c, int pid, void *arg),
		    void *arg);

/* One line of /proc/PID/maps, modified in place; false if malformed. */
bool ps_parse_maps_line(char *line, struct ps_vma *vma);
/* All of /proc/PID/maps; malformed lines are an error (-1). */
int ps_parse_maps(const char *text, struct ps_maps *m);
void ps_maps_free(struct ps_maps *m);

/* A virtual page of one process that maps pinned page pins[pin]. */
struct ps_hit {
	uint64_t va;
	uint32_t pin;
	uint32_t vma;
};

/*
 * Find every page of process @pid (under procfs @proc) that maps one of
 * @pins (sorted by PFN).  Fills @maps, @hits (in address order) and @comm.
 * Returns 0, or -errno if the process is gone or unreadable.
 */
int ps_scan_process(const char *proc, int pid, const struct ps_pin *pins,
		    size_t npins, struct ps_maps *maps, struct ps_hit **hits,
		    size_t *nhits, char *comm, size_t comm_size);

/*
 * The same for a process of a saved directory (pinshadow save): @proc/PID/
 * maps and comm, and @proc/PID/pinned in place of pagemap.
 */
int ps_scan_saved_process(const char *proc, int pid, const struct ps_pin *pins,
			  size_t npins, struct ps_maps *maps,
			  struct ps_hit **hits, size_t *nhits, char *comm,
			  size_t comm_size);

/* Index of @pfn in @pins (sorted), or -1. */
long ps_find_pfn(const struct ps_pin *pins, size_t npins, uint64_t pfn);

/* The page size, from sysconf. */
size_t ps_page_size(void);

#endif /* PS_PROCMAP_H */
