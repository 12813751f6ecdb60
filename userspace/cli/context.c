// SPDX-License-Identifier: GPL-2.0
/*
 * The context and the one place errors are printed, so that every
 * subcommand reports failures the same way in text and in JSON.
 */
#include <stdarg.h>
#include <stdlib.h>

#include "pinshadow_abi.h"
#include "context.h"
#include "exitcodes.h"
#include "json.h"

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

	c->dir = dir && *dir ? dir : PINSHADOW_DEBUGFS_DIR;
	c->debugfs = "/sys/kernel/debug";
	c->proc = proc && *proc ? proc : "/proc";
	c->sysmod = "/sys/module/pinshadow";
	/* An overridden directory is sample data: no mount or module checks. */
	c->real_paths = !(dir && *dir);
	c->json = false;
	c->json_started = false;
	c->out = out;
	c->err = err;
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

		json_init(&j, c->out);
		json_object_begin(&j);
		json_key(&j, "error");
		json_object_begin(&j);
		json_kv_int(&j, "code", code);
		json_kv_string(&j, "name", ps_exit_name(code));
		json_kv_string(&j, "message", msg);
		json_object_end(&j);
		json_object_end(&j);
		json_finish(&j);
		c->json_started = true;
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
