// SPDX-License-Identifier: GPL-2.0
/*
 * pinshadow lookup: one command written to "lookup", the answer read back
 * on the same file descriptor (the module keeps it per open file).  The
 * write's errno says what was wrong with the request.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "debugfs.h"
#include "exitcodes.h"
#include "fmt.h"
#include "json.h"

static int write_error(struct ps_ctx *c, const struct ps_opts *o, int err)
{
	if (o->have_pfn) {
		if (err == EINVAL)
			return ps_fail(c, PS_EXIT_NOT_FOUND,
				       "no page at PFN 0x%" PRIx64 " (not online memory)",
				       o->pfn);
	} else {
		switch (err) {
		case ESRCH:
			return ps_fail(c, PS_EXIT_NOT_FOUND, "no process %d",
				       o->pid);
		case EFAULT:
			return ps_fail(c, PS_EXIT_NOT_FOUND,
				       "process %d has no page at 0x%" PRIx64 " (not mapped, or not present: lookup does not fault pages in)",
				       o->pid, o->addr);
		case EINVAL:
			return ps_fail(c, PS_EXIT_NOT_FOUND,
				       "process %d has no user memory (a kernel thread, or exiting), or the page at 0x%" PRIx64 " is not online memory",
				       o->pid, o->addr);
		}
	}
	if (err == EACCES || err == EPERM)
		return ps_fail(c, PS_EXIT_NOT_ROOT,
			       "permission denied writing %s/lookup: run as root",
			       c->dir);
	return ps_fail(c, PS_EXIT_FAILURE, "writing %s/lookup: %s", c->dir,
		       strerror(err));
}

/* Read the one-line answer; the module rewinds after a whole line. */
static int read_answer(int fd, char *buf, size_t size)
{
	size_t n = 0;

	while (n < size - 1) {
		ssize_t got = read(fd, buf + n, size - 1 - n);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		if (got == 0)
			break;
		n += (size_t)got;
		if (memchr(buf, '\n', n))
			break;
	}
	buf[n] = '\0';
	return n ? 0 : -ENODATA;
}

static void print_text(struct ps_ctx *c, const struct ps_opts *o,
		       const struct ps_pin *p)
{
	FILE *f = c->out;
	char age[16];

	if (o->have_pfn)
		fprintf(f, "page at pfn 0x%" PRIx64 "\n", o->pfn);
	else
		fprintf(f, "page of process %d at 0x%" PRIx64 "\n", o->pid,
			o->addr);
	fprintf(f, "  pfn             0x%" PRIx64 "\n", p->pfn);
	fprintf(f, "  count           %u\n", p->count);
	fprintf(f, "  longterm        %u\n", p->longterm);
	fprintf(f, "  maybe_pinned    %d%s\n", p->maybe_pinned,
		p->maybe_pinned && !p->count ? "  (kernel heuristic: false positive)" :
		!p->maybe_pinned && p->count ? "  (kernel heuristic: MISSED A PIN)" : "");
	fprintf(f, "  refcount        %d\n", p->refcount);
	fprintf(f, "  order           %u\n", p->order);
	if (p->folio_pincount < 0)
		fprintf(f, "  folio_pincount  -\n");
	else
		fprintf(f, "  folio_pincount  %d\n", p->folio_pincount);
	fprintf(f, "  age             %s\n",
		ps_fmt_age(p->age_ms, age, sizeof(age)));
	if (p->pid < 0)
		fprintf(f, "  pinned by       -\n");
	else
		fprintf(f, "  pinned by       %d %s\n", p->pid, p->comm);
	fprintf(f, "  api             %s\n", p->api);
}

static void print_json(struct ps_ctx *c, const struct ps_opts *o,
		       const struct ps_pin *p)
{
	struct json j;

	json_init(&j, c->out);
	json_object_begin(&j);
	json_key(&j, "request");
	json_object_begin(&j);
	if (o->have_pfn) {
		json_kv_hex(&j, "pfn", o->pfn);
	} else {
		json_kv_int(&j, "pid", o->pid);
		json_kv_hex(&j, "addr", o->addr);
	}
	json_object_end(&j);
	json_key(&j, "page");
	json_object_begin(&j);
	json_kv_hex(&j, "pfn", p->pfn);
	json_kv_uint(&j, "count", p->count);
	json_kv_uint(&j, "longterm", p->longterm);
	json_kv_bool(&j, "maybe_pinned", p->maybe_pinned);
	json_kv_int(&j, "refcount", p->refcount);
	json_kv_uint(&j, "order", p->order);
	json_kv_int_or_null(&j, "folio_pincount", p->folio_pincount);
	json_kv_int_or_null(&j, "age_ms", p->age_ms);
	json_kv_int_or_null(&j, "pid", p->pid);
	json_kv_string(&j, "comm", p->comm[0] ? p->comm : NULL);
	json_kv_string(&j, "api", p->api);
	json_object_end(&j);
	json_object_end(&j);
	json_finish(&j);
}

int cmd_lookup(struct ps_ctx *c, const struct ps_opts *o)
{
	char req[128], line[512], err[PS_ERR_LEN];
	struct ps_stats st;
	struct ps_pin p;
	int fd, ret, len;

	ret = ps_module_check(c, &st);
	if (ret)
		return ret;
	ps_stats_free(&st);
	if (o->have_pfn)
		len = snprintf(req, sizeof(req), "pfn 0x%" PRIx64, o->pfn);
	else
		len = snprintf(req, sizeof(req), "pid %d addr 0x%" PRIx64,
			       o->pid, o->addr);
	ret = ps_open_file(c, "lookup", O_RDWR, false, &fd);
	if (ret)
		return ret;
	ssize_t wrote = write(fd, req, (size_t)len);

	if (wrote != len) {
		ret = write_error(c, o, wrote < 0 ? errno : EIO);
		close(fd);
		return ret;
	}
	ret = read_answer(fd, line, sizeof(line));
	close(fd);
	if (ret)
		return ps_fail(c, PS_EXIT_FAILURE, "reading %s/lookup: %s",
			       c->dir, strerror(-ret));
	if (ps_parse_lookup(line, &p, err))
		return ps_fail(c, PS_EXIT_FAILURE, "%s/%s", c->dir, err);
	if (c->json)
		print_json(c, o, &p);
	else
		print_text(c, o, &p);
	return PS_EXIT_OK;
}
