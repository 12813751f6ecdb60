// SPDX-License-Identifier: GPL-2.0
/*
 * pinshadow save DIR: a snapshot that `pinshadow --from DIR` reports on
 * and `pinshadow diff` compares, here or on another machine:
 *
 *   DIR/meta              name value lines: format, time, kernel, versions
 *   DIR/NAME              every readable file of the module's debugfs
 *                         directory (lookup and control take commands)
 *   DIR/proc/PID/comm     for each process that maps a pinned page or took
 *   DIR/proc/PID/maps     a pin and is still there
 *   DIR/proc/PID/pinned   "vaddr pfn": where it maps pinned pages (the part
 *                         of /proc/PID/pagemap that pins needs)
 *
 * Everything is written 0600 in a directory made 0700: it holds what root
 * reads from debugfs and /proc.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "debugfs.h"
#include "exitcodes.h"
#include "fmt.h"
#include "json.h"
#include "procmap.h"

#define SAVE_FORMAT	1

static int write_file(struct ps_ctx *c, const char *path, const char *text,
		      size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ssize_t n = -1;

	if (fd >= 0) {
		n = write(fd, text, len);
		if (close(fd))
			n = -1;
	}
	if (n != (ssize_t)len)
		return ps_fail(c, PS_EXIT_FAILURE, "writing %s: %s", path,
			       strerror(errno ? errno : EIO));
	return PS_EXIT_OK;
}

/* DIR made, or an empty one: a save never mixes with another. */
static int make_dir(struct ps_ctx *c, const char *dir)
{
	struct dirent *de;
	DIR *d;

	if (!mkdir(dir, 0700))
		return PS_EXIT_OK;
	if (errno != EEXIST)
		return ps_fail(c, PS_EXIT_FAILURE, "mkdir %s: %s", dir,
			       strerror(errno));
	d = opendir(dir);
	if (!d)
		return ps_fail(c, PS_EXIT_FAILURE, "%s: %s", dir,
			       strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			closedir(d);
			return ps_fail(c, PS_EXIT_USAGE,
				       "%s is not empty: save into a new directory",
				       dir);
		}
	}
	closedir(d);
	return PS_EXIT_OK;
}

/* The module's files; @names gets them (for the report). */
static int save_debugfs(struct ps_ctx *c, const char *dir, char names[][64],
			size_t *n, size_t max)
{
	char src[4096], dst[4096], *text;
	struct dirent *de;
	size_t len;
	DIR *d = opendir(c->dir);
	int ret = PS_EXIT_OK, err;

	*n = 0;
	if (!d)
		return ps_fail(c, PS_EXIT_FAILURE, "%s: %s", c->dir,
			       strerror(errno));
	while (ret == PS_EXIT_OK && (de = readdir(d)) != NULL) {
		struct stat sb;

		if (de->d_name[0] == '.' || !strcmp(de->d_name, "lookup") ||
		    !strcmp(de->d_name, "control"))
			continue;
		snprintf(src, sizeof(src), "%s/%s", c->dir, de->d_name);
		if (stat(src, &sb) || !S_ISREG(sb.st_mode) ||
		    !(sb.st_mode & 0444))
			continue;
		err = ps_slurp(src, &text, &len);
		if (err) {
			ps_warn(c, "%s not saved: %s", src, strerror(-err));
			continue;
		}
		snprintf(dst, sizeof(dst), "%s/%s", dir, de->d_name);
		ret = write_file(c, dst, text, len);
		free(text);
		if (ret == PS_EXIT_OK && *n < max)
			snprintf(names[(*n)++], 64, "%.63s", de->d_name);
	}
	closedir(d);
	return ret;
}

/* One process's comm, maps and pinned addresses. */
static int save_process(struct ps_ctx *c, const char *dir, int pid,
			const struct ps_pin *pins, size_t npins, bool pinner,
			bool *saved)
{
	char path[4096], src[256], comm[PS_COMM_LEN], *text, *rows = NULL;
	struct ps_maps maps;
	struct ps_hit *hits;
	size_t nhits, i, len, used = 0;
	int ret;

	*saved = false;
	if (ps_scan_process(c->proc, pid, pins, npins, &maps, &hits, &nhits,
			    comm, sizeof(comm)))
		return PS_EXIT_OK;	/* gone, or a kernel thread's maps */
	ps_maps_free(&maps);
	if (!nhits && !pinner) {
		free(hits);
		return PS_EXIT_OK;
	}
	snprintf(path, sizeof(path), "%s/proc/%d", dir, pid);
	if (mkdir(path, 0700)) {
		free(hits);
		return ps_fail(c, PS_EXIT_FAILURE, "mkdir %s: %s", path,
			       strerror(errno));
	}
	snprintf(src, sizeof(src), "%s/%d/maps", c->proc, pid);
	ret = PS_EXIT_OK;
	if (!ps_slurp(src, &text, &len)) {
		snprintf(path, sizeof(path), "%s/proc/%d/maps", dir, pid);
		ret = write_file(c, path, text, len);
		free(text);
	}
	snprintf(src, sizeof(src), "%s/%d/comm", c->proc, pid);
	if (ret == PS_EXIT_OK && !ps_slurp(src, &text, &len)) {
		snprintf(path, sizeof(path), "%s/proc/%d/comm", dir, pid);
		ret = write_file(c, path, text, len);
		free(text);
	}
	if (ret == PS_EXIT_OK && nhits) {
		size_t size = 16 + nhits * 40;

		rows = malloc(size);
		if (!rows) {
			free(hits);
			return ps_fail(c, PS_EXIT_FAILURE, "out of memory");
		}
		used = (size_t)snprintf(rows, size, "vaddr pfn\n");
		for (i = 0; i < nhits; i++)
			used += (size_t)snprintf(rows + used, size - used,
						 "0x%" PRIx64 " 0x%" PRIx64 "\n",
						 hits[i].va,
						 pins[hits[i].pin].pfn);
		snprintf(path, sizeof(path), "%s/proc/%d/pinned", dir, pid);
		ret = write_file(c, path, rows, used);
		free(rows);
	}
	free(hits);
	*saved = ret == PS_EXIT_OK;
	return ret;
}

static bool is_pinner(const struct ps_pin *pins, size_t n, int pid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (pins[i].pid == pid)
			return true;
	return false;
}

struct save_arg {
	const char *dir;
	const struct ps_pin *pins;
	size_t npins;
	size_t *nsaved;
};

static int save_one(struct ps_ctx *c, int pid, void *arg)
{
	struct save_arg *a = arg;
	bool saved;
	int ret;

	ret = save_process(c, a->dir, pid, a->pins, a->npins,
			   is_pinner(a->pins, a->npins, pid), &saved);
	*a->nsaved += saved;
	return ret;
}

static int save_processes(struct ps_ctx *c, const char *dir,
			  const struct ps_pin *pins, size_t npins,
			  size_t *nsaved)
{
	struct save_arg a = {
		.dir = dir, .pins = pins, .npins = npins, .nsaved = nsaved,
	};
	char path[4096];

	*nsaved = 0;
	snprintf(path, sizeof(path), "%s/proc", dir);
	if (mkdir(path, 0700))
		return ps_fail(c, PS_EXIT_FAILURE, "mkdir %s: %s", path,
			       strerror(errno));
	if (!npins)
		return PS_EXIT_OK;
	return ps_for_each_pid(c, save_one, &a);
}

static int64_t clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int save_meta(struct ps_ctx *c, const char *dir, int64_t unix_ms,
		     int64_t mono_ms)
{
	char path[4096], text[1024], utc[64];
	int len;

	len = snprintf(text, sizeof(text),
		       "format %d\ncli_version %s\nmodule_version %s\n"
		       "abi_version %lld\nkernel %s\ntime_unix_ms %lld\n"
		       "monotonic_ms %lld\nutc %s\nsource %s\n",
		       SAVE_FORMAT, PINSHADOW_VERSION,
		       c->module_version[0] ? c->module_version : "-",
		       (long long)c->abi, c->kernel, (long long)unix_ms,
		       (long long)mono_ms, ps_fmt_utc(unix_ms, utc, sizeof(utc)),
		       c->dir);
	snprintf(path, sizeof(path), "%s/meta", dir);
	return write_file(c, path, text, (size_t)len);
}

int cmd_save(struct ps_ctx *c, const struct ps_opts *o)
{
	char names[64][64], path[4096], err[PS_ERR_LEN], *text;
	const char *dir = o->args[0];
	int64_t unix_ms, mono_ms;
	struct ps_pin *pins = NULL;
	size_t nfiles, npins = 0, nproc = 0, i;
	int ret;

	ret = ps_module_ready(c);
	if (ret)
		return ret;
	ret = make_dir(c, dir);
	if (ret)
		return ret;
	unix_ms = clock_ms(CLOCK_REALTIME);
	mono_ms = clock_ms(CLOCK_MONOTONIC);
	ret = save_debugfs(c, dir, names, &nfiles, 64);
	if (ret)
		return ret;
	/* The processes of the pins as saved, not as they are now. */
	snprintf(path, sizeof(path), "%s/pins", dir);
	if (!ps_slurp(path, &text, NULL)) {
		ret = ps_parse_pins(text, &pins, &npins, err);
		free(text);
		if (ret)
			return ps_fail(c, PS_EXIT_FAILURE, "%s: %s", path, err);
	}
	ret = save_processes(c, dir, pins, npins, &nproc);
	free(pins);
	if (!ret)
		ret = save_meta(c, dir, unix_ms, mono_ms);
	if (ret)
		return ret;
	if (c->json) {
		struct json j;

		ps_json_object_begin(c, &j, "data");
		json_kv_string(&j, "dir", dir);
		json_kv_array_begin(&j, "files");
		for (i = 0; i < nfiles; i++)
			json_string(&j, names[i]);
		json_array_end(&j);
		json_kv_uint(&j, "pinned_pages", npins);
		json_kv_uint(&j, "processes", nproc);
		ps_json_object_end(&j);
	} else {
		fprintf(c->out, "saved %zu file%s of %s (%zu pinned page%s) and the maps of %zu process%s in %s\n",
			nfiles, nfiles == 1 ? "" : "s", c->dir, npins,
			npins == 1 ? "" : "s", nproc, nproc == 1 ? "" : "es",
			dir);
	}
	return PS_EXIT_OK;
}
