// SPDX-License-Identifier: GPL-2.0
/*
 * The context and the one place errors are printed, so that every
 * subcommand reports failures the same way in text and in JSON.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>

#include "pinshadow_abi.h"
#include "context.h"
#include "debugfs.h"
#include "exitcodes.h"
#include "fmt.h"
#include "json.h"
#include "parse.h"

const char ps_exit_help[] =
	"Exit status:\n"
	"  0  success\n"
	"  1  failure (I/O error, malformed debugfs file)\n"
	"  2  bad arguments\n"
	"  3  permission denied on debugfs: not root (or kernel lockdown)\n"
	"  4  debugfs not mounted at /sys/kernel/debug\n"
	"  5  pinshadow module not loaded\n"
	"  6  module ABI version differs from this pinshadow's\n"
	"  7  not supported by this module version (file missing)\n"
	"  8  status: self-check failed\n"
	"  9  lookup: no such process, address not mapped, or no page at PFN;\n"
	"     pins --pid: no such process\n";

const char *ps_exit_name(int code)
{
	static const char *const names[] = {
		[PS_EXIT_OK] = "ok",
		[PS_EXIT_FAILURE] = "failure",
		[PS_EXIT_USAGE] = "usage",
		[PS_EXIT_NOT_ROOT] = "not_root",
		[PS_EXIT_NO_DEBUGFS] = "debugfs_not_mounted",
		[PS_EXIT_NOT_LOADED] = "module_not_loaded",
		[PS_EXIT_ABI] = "abi_mismatch",
		[PS_EXIT_UNSUPPORTED] = "not_supported",
		[PS_EXIT_SELFCHECK] = "self_check_failed",
		[PS_EXIT_NOT_FOUND] = "not_found",
	};

	if (code < 0 || code >= (int)(sizeof(names) / sizeof(names[0])))
		return "failure";
	return names[code];
}

void ps_ctx_init(struct ps_ctx *c, FILE *out, FILE *err)
{
	const char *dir = getenv("PINSHADOW_DEBUGFS_DIR");
	const char *proc = getenv("PINSHADOW_PROC");
	const char *lockdown = getenv("PINSHADOW_LOCKDOWN");
	struct utsname u;

	memset(c, 0, sizeof(*c));
	c->dir = dir && *dir ? dir : PINSHADOW_DEBUGFS_DIR;
	c->debugfs = "/sys/kernel/debug";
	c->proc = proc && *proc ? proc : "/proc";
	c->sysmod = "/sys/module/pinshadow";
	c->lockdown = lockdown && *lockdown ? lockdown :
		      "/sys/kernel/security/lockdown";
	/* An overridden directory is sample data: no mount or module checks. */
	c->real_paths = !(dir && *dir);
	c->out = out;
	c->err = err;
	c->command = "pinshadow";
	c->abi = -1;
	c->saved_unix_ms = -1;
	c->saved_mono_ms = -1;
	if (uname(&u))
		snprintf(c->kernel, sizeof(c->kernel), "?");
	else
		snprintf(c->kernel, sizeof(c->kernel), "%s", u.release);
}

int ps_ctx_from(struct ps_ctx *c, const char *dir)
{
	char *meta, buf[128];
	int64_t v;
	int err;

	c->from = dir;
	c->dir = dir;
	snprintf(c->proc_buf, sizeof(c->proc_buf), "%s/proc", dir);
	c->proc = c->proc_buf;
	c->real_paths = false;
	snprintf(buf, sizeof(buf), "%s/meta", dir);
	err = ps_slurp(buf, &meta, NULL);
	if (err == -ENOENT || err == -ENOTDIR) {
		struct stat sb;

		if (stat(dir, &sb) || !S_ISDIR(sb.st_mode))
			return ps_fail(c, PS_EXIT_FAILURE, "--from %s: not a directory",
				       dir);
		/* A copy of debugfs by hand: no kernel or time known. */
		snprintf(c->kernel, sizeof(c->kernel), "?");
		return PS_EXIT_OK;
	}
	if (err)
		return ps_fail(c, PS_EXIT_FAILURE, "reading %s: %s", buf,
			       strerror(-err));
	if (!ps_meta_get(meta, "kernel", c->kernel, sizeof(c->kernel)))
		snprintf(c->kernel, sizeof(c->kernel), "?");
	if (ps_meta_get(meta, "time_unix_ms", buf, sizeof(buf)) &&
	    ps_parse_i64(buf, &v))
		c->saved_unix_ms = v;
	if (ps_meta_get(meta, "monotonic_ms", buf, sizeof(buf)) &&
	    ps_parse_i64(buf, &v))
		c->saved_mono_ms = v;
	free(meta);
	return PS_EXIT_OK;
}

static int64_t clock_ms(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts))
		return -1;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ps_json_begin(struct ps_ctx *c, struct json *j, const char *key)
{
	int64_t unix_ms = c->from ? c->saved_unix_ms : clock_ms(CLOCK_REALTIME);
	int64_t mono_ms = c->from ? c->saved_mono_ms : clock_ms(CLOCK_MONOTONIC);
	char utc[64];

	if (c->json_compact)
		json_init_compact(j, c->out);
	else
		json_init(j, c->out);
	json_object_begin(j);
	json_kv_string(j, "command", c->command);
	json_kv_string(j, "version", PINSHADOW_VERSION);
	json_kv_int(j, "abi", PINSHADOW_ABI_VERSION);
	json_key(j, "module");
	if (c->abi < 0) {
		json_null(j);
	} else {
		json_object_begin(j);
		json_kv_string(j, "version",
			       c->module_version[0] ? c->module_version : NULL);
		json_kv_int(j, "abi", c->abi);
		json_object_end(j);
	}
	json_kv_string(j, "kernel", c->kernel);
	json_kv_object_begin(j, "time");
	json_kv_string(j, "clock", "CLOCK_REALTIME");
	json_kv_string(j, "utc", unix_ms < 0 ? NULL :
		       ps_fmt_utc(unix_ms, utc, sizeof(utc)));
	json_kv_int_or_null(j, "unix_ms", unix_ms);
	json_kv_int_or_null(j, "monotonic_ms", mono_ms);
	json_object_end(j);
	if (c->from)
		json_kv_string(j, "from", c->from);
	json_key(j, key);
}

void ps_json_end(struct json *j)
{
	json_object_end(j);
	json_finish(j);
}

void ps_json_object_begin(struct ps_ctx *c, struct json *j, const char *key)
{
	ps_json_begin(c, j, key);
	json_object_begin(j);
}

void ps_json_object_end(struct json *j)
{
	json_object_end(j);
	ps_json_end(j);
}

int ps_fail(struct ps_ctx *c, int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(c->err, "pinshadow: %s\n", msg);
	fflush(c->err);
	if (c->json && !c->json_started) {
		struct json j;

		ps_json_object_begin(c, &j, "error");
		json_kv_int(&j, "code", code);
		json_kv_string(&j, "name", ps_exit_name(code));
		json_kv_string(&j, "message", msg);
		ps_json_object_end(&j);
		/* A stream goes on with a line per document. */
		c->json_started = !c->json_compact;
	}
	return code;
}

void ps_warn(struct ps_ctx *c, const char *fmt, ...)
{
	va_list ap;

	fputs("pinshadow: warning: ", c->err);
	va_start(ap, fmt);
	vfprintf(c->err, fmt, ap);
	va_end(ap);
	fputc('\n', c->err);
}

void ps_json_frames(struct json *j, const char *frames)
{
	char frame[256];
	size_t k;

	json_key(j, "frames");
	if (!frames) {
		json_null(j);
		return;
	}
	json_array_begin(j);
	for (k = 0; ps_stack_frame(frames, k, frame, sizeof(frame)); k++)
		json_string(j, frame);
	json_array_end(j);
}
