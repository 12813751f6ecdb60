// SPDX-License-Identifier: GPL-2.0
/*
 * Every process is scanned once for every pinned PFN; a PFN no process maps
 * (a buffer unmapped while pinned, a kernel-internal pin) is reported as
 * unmapped.  With a pid filter only that process is scanned, so nothing can
 * be said about unmapped pages.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "debugfs.h"
#include "exitcodes.h"
#include "pinmap.h"
#include "procmap.h"

static bool wanted(const struct ps_pin *p, const struct ps_pinmap_filter *f)
{
	if (f->longterm && !p->longterm)
		return false;
	if (f->orphaned && p->orphaned != 1)
		return false;
	if (f->older_than_ms >= 0 && p->age_ms <= f->older_than_ms)
		return false;
	if (f->comm && strcmp(p->comm, f->comm))
		return false;
	return true;
}

static void filter_pins(struct ps_pinmap *pm, const struct ps_pinmap_filter *f)
{
	size_t i, n = 0;

	for (i = 0; i < pm->npins; i++)
		if (wanted(&pm->pins[i], f))
			pm->pins[n++] = pm->pins[i];
	pm->npins = n;
}

/* Scan one process; a process that vanished meanwhile is skipped. */
static int map_process(struct ps_ctx *c, struct ps_pinmap *pm, int pid,
		       bool *mapped, bool must_exist)
{
	char comm[PS_COMM_LEN];
	struct ps_maps maps;
	struct ps_hit *hits;
	size_t nhits, i, before = pm->mapped.n;
	int err;

	if (c->from)
		err = ps_scan_saved_process(c->proc, pid, pm->pins, pm->npins,
					    &maps, &hits, &nhits, comm,
					    sizeof(comm));
	else
		err = ps_scan_process(c->proc, pid, pm->pins, pm->npins, &maps,
				      &hits, &nhits, comm, sizeof(comm));
	if (err) {
		if (!must_exist)
			return PS_EXIT_OK;
		if ((err == -ENOENT || err == -ESRCH) && c->from)
			return ps_fail(c, PS_EXIT_NOT_FOUND,
				       "no process %d in %s", pid, c->proc);
		if (err == -ENOENT || err == -ESRCH)
			return ps_fail(c, PS_EXIT_NOT_FOUND, "no process %d",
				       pid);
		return ps_fail(c, PS_EXIT_FAILURE,
			       "reading %s/%d/maps and pagemap: %s", c->proc,
			       pid, strerror(-err));
	}
	for (i = 0; i < nhits; i++)
		mapped[hits[i].pin] = true;
	err = ps_group_hits(hits, nhits, pm->pins, &maps, pid, comm,
			    ps_page_size(), &pm->mapped);
	free(hits);
	ps_maps_free(&maps);
	if (err)
		return ps_fail(c, PS_EXIT_FAILURE, "out of memory");
	if (pm->mapped.n > before)
		pm->processes++;
	return PS_EXIT_OK;
}

struct map_all_arg {
	struct ps_pinmap *pm;
	bool *mapped;
};

static int map_one(struct ps_ctx *c, int pid, void *arg)
{
	struct map_all_arg *a = arg;

	return map_process(c, a->pm, pid, a->mapped, false);
}

static int map_all(struct ps_ctx *c, struct ps_pinmap *pm, bool *mapped)
{
	struct map_all_arg a = { .pm = pm, .mapped = mapped };

	return ps_for_each_pid(c, map_one, &a);
}

int ps_pinmap_build(struct ps_ctx *c, const struct ps_pinmap_filter *f,
		    struct ps_pinmap *pm)
{
	bool *mapped = NULL;
	size_t i;
	int ret;

	memset(pm, 0, sizeof(*pm));
	ps_agg_init(&pm->total);
	ret = ps_read_pins(c, &pm->pins, &pm->npins);
	if (ret)
		return ret;
	if (f->orphaned && pm->npins && pm->pins[0].orphaned < 0)
		return ps_fail(c, PS_EXIT_UNSUPPORTED,
			       "not supported by this module version: %s/pins has no \"orphaned\" column",
			       c->dir);
	filter_pins(pm, f);
	mapped = calloc(pm->npins ? pm->npins : 1, sizeof(*mapped));
	if (!mapped)
		return ps_fail(c, PS_EXIT_FAILURE, "out of memory");
	pm->selected = mapped;

	if (f->pid > 0)
		ret = map_process(c, pm, f->pid, mapped, true);
	else if (pm->npins)
		ret = map_all(c, pm, mapped);
	if (ret == PS_EXIT_OK && f->pid <= 0 &&
	    ps_group_unmapped(pm->pins, pm->npins, mapped, &pm->unmapped))
		ret = ps_fail(c, PS_EXIT_FAILURE, "out of memory");
	/* The totals: every pin once, however many processes map its page. */
	for (i = 0; i < pm->npins; i++) {
		mapped[i] = f->pid <= 0 || mapped[i];
		if (mapped[i])
			ps_agg_add(&pm->total, &pm->pins[i]);
	}
	return ret;
}

void ps_pinmap_free(struct ps_pinmap *pm)
{
	free(pm->pins);
	free(pm->selected);
	ps_runs_free(&pm->mapped);
	ps_runs_free(&pm->unmapped);
	memset(pm, 0, sizeof(*pm));
}
