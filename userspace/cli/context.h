/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every subcommand is given: where to find debugfs and /proc, where to
 * write, and whether the caller wants JSON.  Paths are fields, not
 * constants, so that the host tests can point them at sample files.
 */
#ifndef PS_CONTEXT_H
#define PS_CONTEXT_H

#include <stdbool.h>
#include <stdio.h>

struct ps_ctx {
	const char *dir;	/* pinshadow's debugfs directory */
	const char *debugfs;	/* debugfs mount point, for the mount check */
	const char *proc;	/* procfs mount point */
	const char *sysmod;	/* /sys/module/pinshadow: is it loaded? */
	bool real_paths;	/* not overridden: mount checks make sense */
	bool json;
	bool json_started;	/* stdout holds part of a document */
	FILE *out;
	FILE *err;
};

/* Defaults, with PINSHADOW_DEBUGFS_DIR and PINSHADOW_PROC overrides. */
void ps_ctx_init(struct ps_ctx *c, FILE *out, FILE *err);

/*
 * Report a failure: "pinshadow: message" on err, and in JSON mode an
 * {"error": ...} document on out unless one is already under way.
 * Returns @code so callers can `return ps_fail(...)`.
 */
int ps_fail(struct ps_ctx *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A warning on err only; never changes the exit status. */
void ps_warn(struct ps_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* PS_CONTEXT_H */
