/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every subcommand is given: where to find debugfs and /proc, where to
 * write, and whether the caller wants JSON.  Paths are fields, not
 * constants, so that the host tests can point them at sample files.
 */
#ifndef PS_CONTEXT_H
#define PS_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct json;

struct ps_ctx {
	const char *dir;	/* pinshadow's debugfs directory */
	const char *debugfs;	/* debugfs mount point, for the mount check */
	const char *proc;	/* procfs mount point */
	const char *sysmod;	/* /sys/module/pinshadow: is it loaded? */
	bool real_paths;	/* not overridden: mount checks make sense */
	bool json;
	bool json_started;	/* stdout holds part of a document */
	bool json_compact;	/* a stream: every document on one line */
	FILE *out;
	FILE *err;
	/* For the JSON envelope. */
	const char *command;	/* "pins"; "pinshadow" before one is known */
	char kernel[128];	/* uname -r, or the saved directory's */
	char module_version[48];/* "" until stats were read */
	int64_t abi;		/* the module's; -1 until stats were read */
	const char *from;	/* --from DIR, or NULL */
	int64_t saved_unix_ms;	/* --from: when it was saved; -1 unknown */
	int64_t saved_mono_ms;
	const char *lockdown;	/* /sys/kernel/security/lockdown */
	char proc_buf[4096];	/* --from: DIR/proc */
};

/* Defaults, with PINSHADOW_DEBUGFS_DIR and PINSHADOW_PROC overrides. */
void ps_ctx_init(struct ps_ctx *c, FILE *out, FILE *err);

/*
 * --from DIR: read the module's files from DIR and processes from
 * DIR/proc, and take the kernel and time from DIR/meta.  Returns an exit
 * status, having reported a failure.
 */
int ps_ctx_from(struct ps_ctx *c, const char *dir);

/*
 * The envelope every JSON document has (pinshadow(8), JSON OUTPUT):
 * {"command", "version", "abi", "module", "kernel", "time"[, "from"], KEY:
 * the caller writes KEY's value ("data" or "error"), then ps_json_end()
 * closes the document.  On one line when c->json_compact.
 */
void ps_json_begin(struct ps_ctx *c, struct json *j, const char *key);
void ps_json_end(struct json *j);
/* The same with an object as KEY's value: the caller writes its members. */
void ps_json_object_begin(struct ps_ctx *c, struct json *j, const char *key);
void ps_json_object_end(struct json *j);
/* "frames": a `stacks` row's frames as an array; null for NULL. */
void ps_json_frames(struct json *j, const char *frames);

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
