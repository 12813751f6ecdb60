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
#include "procmap.h"

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
		       const struct ps_pin *p, const struct ps_stacks *st)
{
	const struct ps_stack *s = ps_stacks_find(st, p->stack);
	char age[16], frame[256];
	FILE *f = c->out;
	size_t k;

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
	if (p->orphaned >= 0)
		fprintf(f, "  orphaned        %d%s\n", p->orphaned,
			p->orphaned ? "  (the task that pinned it has exited)" : "");
	if (p->stack < 0)
		return;
	fprintf(f, "  stack           %" PRId64 "%s\n", p->stack,
		s ? "" : "  (not in the stacks table)");
	for (k = 0; s && ps_stack_frame(s->frames, k, frame, sizeof(frame)); k++)
		fprintf(f, "    %s\n", frame);
}

static void print_json(struct ps_ctx *c, const struct ps_opts *o,
		       const struct ps_pin *p, const struct ps_stacks *st)
{
	const struct ps_stack *s = ps_stacks_find(st, p->stack);
	struct json j;

	ps_json_object_begin(c, &j, "data");
	json_kv_object_begin(&j, "request");
	if (o->have_pfn) {
		json_kv_hex(&j, "pfn", o->pfn);
	} else {
		json_kv_int(&j, "pid", o->pid);
		json_kv_hex(&j, "addr", o->addr);
	}
	json_object_end(&j);
	json_kv_object_begin(&j, "page");
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
	json_key(&j, "orphaned");
	if (p->orphaned < 0)
		json_null(&j);
	else
		json_bool(&j, p->orphaned);
	json_kv_int_or_null(&j, "stack", p->stack);
	ps_json_frames(&j, s ? s->frames : NULL);
	json_object_end(&j);
	ps_json_object_end(&j);
}

/*
 * --from: the page in the saved pins table (a page that held no pin when
 * saved is not there), found by PFN or through the saved proc/PID/pinned.
 */
static int lookup_saved(struct ps_ctx *c, const struct ps_opts *o,
			struct ps_pin *pin)
{
	char err[PS_ERR_LEN], path[4096], *text;
	uint64_t pfn = o->pfn, va = o->addr & ~(uint64_t)(ps_page_size() - 1);
	struct ps_pin *pins;
	size_t n, i;
	long at;
	int ret;

	if (!o->have_pfn) {
		struct ps_vapfn *v;

		snprintf(path, sizeof(path), "%s/%d/pinned", c->proc, o->pid);
		if (ps_slurp(path, &text, NULL))
			return ps_fail(c, PS_EXIT_NOT_FOUND,
				       "no pinned page of process %d in %s",
				       o->pid, c->from);
		ret = ps_parse_vapfn(text, &v, &n, err);
		free(text);
		if (ret)
			return ps_fail(c, PS_EXIT_FAILURE, "%s: %s", path, err);
		for (i = 0; i < n && v[i].va != va; i++)
			;
		if (i < n)
			pfn = v[i].pfn;
		free(v);
		if (i == n)
			return ps_fail(c, PS_EXIT_NOT_FOUND,
				       "process %d had no pinned page at 0x%" PRIx64 " when %s was saved",
				       o->pid, o->addr, c->from);
	}
	ret = ps_read_pins(c, &pins, &n);
	if (ret)
		return ret;
	at = ps_find_pfn(pins, n, pfn);
	if (at >= 0)
		*pin = pins[at];
	free(pins);
	if (at < 0)
		return ps_fail(c, PS_EXIT_NOT_FOUND,
			       "PFN 0x%" PRIx64 " held no pin when %s was saved",
			       pfn, c->from);
	return PS_EXIT_OK;
}

static int show(struct ps_ctx *c, const struct ps_opts *o,
		const struct ps_pin *p)
{
	struct ps_stacks st;
	int ret;

	ret = ps_read_stacks(c, &st);
	if (ret)
		return ret;
	if (c->json)
		print_json(c, o, p, &st);
	else
		print_text(c, o, p, &st);
	ps_stacks_free(&st);
	return PS_EXIT_OK;
}

int cmd_lookup(struct ps_ctx *c, const struct ps_opts *o)
{
	char req[128], line[512], err[PS_ERR_LEN];
	struct ps_pin p;
	int fd, ret, len;

	ret = ps_module_ready(c);
	if (ret)
		return ret;
	if (c->from) {
		ret = lookup_saved(c, o, &p);
		return ret ? ret : show(c, o, &p);
	}
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
	return show(c, o, &p);
}
