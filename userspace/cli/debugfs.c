// SPDX-License-Identifier: GPL-2.0
/*
 * Why a read failed is worked out from the outside in: is debugfs mounted
 * (statfs works without root), may we enter pinshadow's directory (EACCES
 * means not root, or lockdown), does it exist (else the module is not
 * loaded), does the file exist (else the module is another version).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "pinshadow_abi.h"
#include "debugfs.h"
#include "exitcodes.h"

#define DEBUGFS_MAGIC	0x64626720	/* linux/magic.h */

static bool exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

static int report_not_root(struct ps_ctx *c, const char *path)
{
	char mode[32] = "", *text;

	if (geteuid() != 0)
		return ps_fail(c, PS_EXIT_NOT_ROOT,
			       "permission denied on %s: run as root", path);
	if (!ps_slurp(c->lockdown, &text, NULL)) {
		ps_parse_lockdown(text, mode, sizeof(mode));
		free(text);
	}
	return ps_fail(c, PS_EXIT_NOT_ROOT, "%s",
		       ps_lockdown_hint(path, mode));
}

const char *ps_lockdown_hint(const char *path, const char *mode)
{
	static char msg[1024];

	if (!strcmp(mode, "integrity"))
		snprintf(msg, sizeof(msg),
			 "permission denied on %s although root: the kernel is locked down (lockdown=integrity, e.g. by Secure Boot), where debugfs refuses the files that can be written (lookup, control); the read-only reports still work",
			 path);
	else if (!strcmp(mode, "confidentiality"))
		snprintf(msg, sizeof(msg),
			 "permission denied on %s although root: the kernel is locked down (lockdown=confidentiality), where debugfs refuses every file",
			 path);
	else if (mode[0] && strcmp(mode, "none"))
		snprintf(msg, sizeof(msg),
			 "permission denied on %s although root: the kernel is locked down (lockdown=%s)",
			 path, mode);
	else
		snprintf(msg, sizeof(msg),
			 "permission denied on %s although root (the kernel is not locked down: a security module or the debugfs= boot option?)",
			 path);
	return msg;
}

/* Why pinshadow's directory cannot be used; called after an open failed. */
static int report_dir_problem(struct ps_ctx *c, int err)
{
	struct statfs sf;

	if (c->real_paths &&
	    (statfs(c->debugfs, &sf) || sf.f_type != DEBUGFS_MAGIC))
		return ps_fail(c, PS_EXIT_NO_DEBUGFS,
			       "debugfs is not mounted at %s: mount -t debugfs none %s",
			       c->debugfs, c->debugfs);
	if (err == EACCES || err == EPERM)
		return report_not_root(c, c->dir);
	if (err == ENOENT || err == ENOTDIR) {
		if (c->real_paths && exists(c->sysmod))
			return ps_fail(c, PS_EXIT_NOT_LOADED,
				       "module pinshadow is loaded but %s is missing",
				       c->dir);
		return ps_fail(c, PS_EXIT_NOT_LOADED,
			       "module pinshadow is not loaded (no %s): insmod pinshadow.ko",
			       c->dir);
	}
	return ps_fail(c, PS_EXIT_FAILURE, "%s: %s", c->dir, strerror(err));
}

static int report_open_problem(struct ps_ctx *c, const char *name,
			       const char *path, bool optional, int err)
{
	int dfd;

	/* First make sure the directory itself is fine. */
	dfd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return report_dir_problem(c, errno);
	close(dfd);
	if (err == EACCES || err == EPERM)
		return report_not_root(c, path);
	if (err == ENOENT && optional)
		return ps_fail(c, PS_EXIT_UNSUPPORTED,
			       "not supported by this module version: %s has no \"%s\" file",
			       c->dir, name);
	if (err == ENOENT)
		return ps_fail(c, PS_EXIT_ABI,
			       "%s has no \"%s\" file: the module is from another version of pinshadow",
			       c->dir, name);
	return ps_fail(c, PS_EXIT_FAILURE, "%s: %s", path, strerror(err));
}

int ps_open_file(struct ps_ctx *c, const char *name, int flags,
		 bool optional, int *fd)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", c->dir, name);
	*fd = open(path, flags | O_CLOEXEC);
	if (*fd < 0)
		return report_open_problem(c, name, path, optional, errno);
	return PS_EXIT_OK;
}

int ps_read_file(struct ps_ctx *c, const char *name, bool optional,
		 char **text)
{
	char path[4096];
	int err;

	snprintf(path, sizeof(path), "%s/%s", c->dir, name);
	err = ps_slurp(path, text, NULL);
	if (err == -ENOMEM)
		return ps_fail(c, PS_EXIT_FAILURE, "out of memory reading %s",
			       path);
	if (err == -ENOENT || err == -EACCES || err == -EPERM ||
	    err == -ENOTDIR)
		return report_open_problem(c, name, path, optional, -err);
	if (err)
		return ps_fail(c, PS_EXIT_FAILURE, "reading %s: %s", path,
			       strerror(-err));
	return PS_EXIT_OK;
}

int ps_parsed(struct ps_ctx *c, char *text, int bad, const char *err)
{
	free(text);
	if (bad)
		return ps_fail(c, PS_EXIT_FAILURE, "%s/%s", c->dir, err);
	return PS_EXIT_OK;
}

int ps_read_stats(struct ps_ctx *c, struct ps_stats *st)
{
	char err[PS_ERR_LEN], *text;
	int ret;

	ret = ps_read_file(c, "stats", false, &text);
	if (ret)
		return ret;
	return ps_parsed(c, text, ps_parse_stats(text, st, err), err);
}

int ps_read_pins(struct ps_ctx *c, struct ps_pin **p, size_t *n)
{
	char err[PS_ERR_LEN], *text;
	int ret;

	ret = ps_read_file(c, "pins", false, &text);
	if (ret)
		return ret;
	return ps_parsed(c, text, ps_parse_pins(text, p, n, err), err);
}

int ps_module_check(struct ps_ctx *c, struct ps_stats *st)
{
	int64_t abi;
	int ret;

	ret = ps_read_stats(c, st);
	if (ret)
		return ret;
	if (!ps_stats_get(st, "abi_version", &abi)) {
		ps_stats_free(st);
		return ps_fail(c, PS_EXIT_ABI,
			       "the module's stats carry no abi_version: it is from another version of pinshadow");
	}
	c->abi = abi;
	snprintf(c->module_version, sizeof(c->module_version), "%s",
		 st->version);
	if (abi != PINSHADOW_ABI_VERSION) {
		ps_stats_free(st);
		return ps_fail(c, PS_EXIT_ABI,
			       "module ABI version %" PRId64 ", this pinshadow speaks version %d: use the CLI built with the module",
			       abi, PINSHADOW_ABI_VERSION);
	}
	return PS_EXIT_OK;
}

int ps_module_ready(struct ps_ctx *c)
{
	struct ps_stats st;
	int ret = ps_module_check(c, &st);

	if (!ret)
		ps_stats_free(&st);
	return ret;
}

int ps_read_stacks(struct ps_ctx *c, struct ps_stacks *st)
{
	char path[4096], err[PS_ERR_LEN], *text;
	int ret;

	memset(st, 0, sizeof(*st));
	snprintf(path, sizeof(path), "%s/stacks", c->dir);
	ret = ps_slurp(path, &text, NULL);
	if (ret == -ENOENT)
		return PS_EXIT_OK;
	if (ret) {
		/* Again, to report why. */
		ret = ps_read_file(c, "stacks", true, &text);
		if (ret)
			return ret;
	}
	return ps_parsed(c, text, ps_parse_stacks(text, st, err), err);
}
