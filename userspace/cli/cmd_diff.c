// SPDX-License-Identifier: GPL-2.0
/*
 * pinshadow diff DIR1 DIR2: the pins of two saves.  A pin is its page, the
 * task that took it and its stack: one in both saves persisted (a leak
 * shows up here save after save), one only in DIR2 appeared, one only in
 * DIR1 vanished.  A stack is known by its frames, so that two saves of
 * module loads with other handles still match; without frames, by handle.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "debugfs.h"
#include "exitcodes.h"
#include "fmt.h"
#include "json.h"

enum { APPEARED, VANISHED, PERSISTED, NR_KINDS };
static const char *const kind_names[NR_KINDS] = {
	"appeared", "vanished", "persisted"
};

struct counts {
	uint64_t pages[NR_KINDS];
	uint64_t pins[NR_KINDS];
};

struct save {
	struct ps_ctx c;
	struct ps_pin *pins;
	size_t n;
	struct ps_stacks stacks;
};

/* A stack's identity: its frames, "handle N" without them, "-" for none. */
static const char *stack_key(const struct save *s, int64_t handle, char *buf,
			     size_t size)
{
	const struct ps_stack *st = ps_stacks_find(&s->stacks, handle);

	if (handle < 0)
		return "-";
	if (st && strcmp(st->frames, "?"))
		return st->frames;
	snprintf(buf, size, "handle %" PRId64, handle);
	return buf;
}

struct proc_row {
	int32_t pid;
	char comm[PS_COMM_LEN];
	struct counts n;
};

struct stack_row {
	const char *key;		/* points into a save's stacks */
	char own[32];			/* or holds "handle N" */
	int64_t handle[2];
	struct counts n;
};

struct tally {
	struct counts total;
	struct proc_row *procs;
	size_t nprocs;
	struct stack_row *stacks;
	size_t nstacks;
};

static int load(struct ps_ctx *parent, const char *dir, struct save *s)
{
	char err[PS_ERR_LEN], *text;
	struct ps_stats st;
	int ret;

	memset(s, 0, sizeof(*s));
	s->c = *parent;
	s->c.from = NULL;
	ret = ps_ctx_from(&s->c, dir);
	if (ret)
		return ret;
	ret = ps_module_check(&s->c, &st);
	if (ret)
		return ret;
	ps_stats_free(&st);
	ret = ps_read_file(&s->c, "pins", false, &text);
	if (ret)
		return ret;
	ret = ps_parse_pins(text, &s->pins, &s->n, err);
	free(text);
	if (ret)
		return ps_fail(parent, PS_EXIT_FAILURE, "%s/%s", dir, err);
	return ps_read_stacks(&s->c, &s->stacks);
}

static void free_save(struct save *s)
{
	free(s->pins);
	ps_stacks_free(&s->stacks);
}

static void add(struct counts *n, int kind, uint32_t pins)
{
	n->pages[kind]++;
	n->pins[kind] += pins;
}

/*
 * Count pin @p of save @s (@which: 0 or 1) as @kind; @other is the same
 * pin in the other save (persisted), or NULL.
 */
static void tally_pin(struct tally *t, const struct save *s, int which,
		      const struct ps_pin *p, int kind,
		      const struct ps_pin *other)
{
	char own[32];
	const char *key = stack_key(s, p->stack, own, sizeof(own));
	size_t i;

	add(&t->total, kind, p->count);
	for (i = 0; i < t->nprocs; i++)
		if (t->procs[i].pid == p->pid && !strcmp(t->procs[i].comm, p->comm))
			break;
	if (i == t->nprocs) {
		t->procs[i].pid = p->pid;
		snprintf(t->procs[i].comm, sizeof(t->procs[i].comm), "%s", p->comm);
		t->nprocs++;
	}
	add(&t->procs[i].n, kind, p->count);
	for (i = 0; i < t->nstacks; i++)
		if (!strcmp(t->stacks[i].key, key))
			break;
	if (i == t->nstacks) {
		struct stack_row *r = &t->stacks[i];

		if (key == own) {
			snprintf(r->own, sizeof(r->own), "%s", own);
			r->key = r->own;
		} else {
			r->key = key;
		}
		r->handle[0] = r->handle[1] = -1;
		t->nstacks++;
	}
	t->stacks[i].handle[which] = p->stack;
	if (other)
		t->stacks[i].handle[!which] = other->stack;
	add(&t->stacks[i].n, kind, p->count);
}

/* The same pin: page, task and stack. */
static bool same_pin(const struct save *a, const struct ps_pin *x,
		     const struct save *b, const struct ps_pin *y)
{
	char o1[32], o2[32];

	return x->pid == y->pid && !strcmp(x->comm, y->comm) &&
	       !strcmp(stack_key(a, x->stack, o1, sizeof(o1)),
		       stack_key(b, y->stack, o2, sizeof(o2)));
}

/* Both pins tables are sorted by PFN: one merge. */
static int compare(const struct save *a, const struct save *b,
		   struct tally *t)
{
	size_t i = 0, k = 0, max = a->n + b->n + 1;

	t->procs = calloc(max, sizeof(*t->procs));
	t->stacks = calloc(max, sizeof(*t->stacks));
	if (!t->procs || !t->stacks)
		return -1;
	while (i < a->n || k < b->n) {
		if (k == b->n || (i < a->n && a->pins[i].pfn < b->pins[k].pfn)) {
			tally_pin(t, a, 0, &a->pins[i++], VANISHED, NULL);
		} else if (i == a->n || b->pins[k].pfn < a->pins[i].pfn) {
			tally_pin(t, b, 1, &b->pins[k++], APPEARED, NULL);
		} else if (same_pin(a, &a->pins[i], b, &b->pins[k])) {
			/* Counted as it is now, in DIR2. */
			tally_pin(t, b, 1, &b->pins[k], PERSISTED, &a->pins[i]);
			i++;
			k++;
		} else {
			/* The page was unpinned and pinned again by another. */
			tally_pin(t, a, 0, &a->pins[i++], VANISHED, NULL);
			tally_pin(t, b, 1, &b->pins[k++], APPEARED, NULL);
		}
	}
	return 0;
}

static void text_counts(FILE *f, const struct counts *n)
{
	int k;

	for (k = 0; k < NR_KINDS; k++)
		fprintf(f, " %9" PRIu64, n->pages[k]);
}

static const char *save_text(const struct save *s, char *buf, size_t size)
{
	char utc[64];

	if (s->c.saved_unix_ms < 0)
		snprintf(buf, size, "%s (time unknown, kernel %s)", s->c.from,
			 s->c.kernel);
	else
		snprintf(buf, size, "%s (%s, kernel %s)", s->c.from,
			 ps_fmt_utc(s->c.saved_unix_ms, utc, sizeof(utc)),
			 s->c.kernel);
	return buf;
}

static void print_text(FILE *f, const struct save *a, const struct save *b,
		       const struct tally *t)
{
	char buf[2][512], frame[256];
	size_t i, k;
	int kind;

	fprintf(f, "from %s\n  to %s\n\n", save_text(a, buf[0], sizeof(buf[0])),
		save_text(b, buf[1], sizeof(buf[1])));
	fprintf(f, "%-10s %9s %9s\n", "", "PAGES", "PINS");
	for (kind = 0; kind < NR_KINDS; kind++)
		fprintf(f, "%-10s %9" PRIu64 " %9" PRIu64 "\n", kind_names[kind],
			t->total.pages[kind], t->total.pins[kind]);
	if (!t->nprocs)
		return;
	fprintf(f, "\nBY PROCESS (the task that pinned; pages)\n%7s %-16s %9s %9s %9s\n",
		"PID", "COMM", "APPEARED", "VANISHED", "PERSISTED");
	for (i = 0; i < t->nprocs; i++) {
		char pid[16];

		snprintf(pid, sizeof(pid), "%d", t->procs[i].pid);
		fprintf(f, "%7s %-16s", t->procs[i].pid < 0 ? "-" : pid,
			t->procs[i].comm[0] ? t->procs[i].comm : "-");
		text_counts(f, &t->procs[i].n);
		fputc('\n', f);
	}
	fprintf(f, "\nBY STACK (pages)\n%9s %9s %9s  STACK\n", "APPEARED",
		"VANISHED", "PERSISTED");
	for (i = 0; i < t->nstacks; i++) {
		const struct stack_row *r = &t->stacks[i];

		for (kind = 0; kind < NR_KINDS; kind++)
			fprintf(f, "%s%9" PRIu64, kind ? " " : "",
				r->n.pages[kind]);
		if (!strcmp(r->key, "-")) {
			fprintf(f, "  (no stack recorded)\n");
			continue;
		}
		fprintf(f, "  ");
		for (k = 0; k < 2; k++)
			if (r->handle[k] >= 0)
				fprintf(f, "%shandle %" PRId64 " in %s",
					k && r->handle[0] >= 0 ? ", " : "",
					r->handle[k], k ? "DIR2" : "DIR1");
		fputs(":\n", f);
		for (k = 0; ps_stack_frame(r->key, k, frame, sizeof(frame)) &&
			    strncmp(r->key, "handle ", 7); k++)
			fprintf(f, "    %s\n", frame);
	}
}

static void json_counts(struct json *j, const struct counts *n)
{
	int k;

	for (k = 0; k < NR_KINDS; k++) {
		json_kv_object_begin(j, kind_names[k]);
		json_kv_uint(j, "pages", n->pages[k]);
		json_kv_uint(j, "pins", n->pins[k]);
		json_object_end(j);
	}
}

static void json_save(struct json *j, const char *key, const struct save *s)
{
	char utc[64];

	json_kv_object_begin(j, key);
	json_kv_string(j, "dir", s->c.from);
	json_kv_string(j, "kernel", s->c.kernel);
	json_kv_string(j, "utc", s->c.saved_unix_ms < 0 ? NULL :
		       ps_fmt_utc(s->c.saved_unix_ms, utc, sizeof(utc)));
	json_kv_int_or_null(j, "unix_ms", s->c.saved_unix_ms);
	json_object_end(j);
}

static void print_json(struct ps_ctx *c, const struct save *a,
		       const struct save *b, const struct tally *t)
{
	struct json j;
	size_t i;

	ps_json_object_begin(c, &j, "data");
	json_save(&j, "before", a);
	json_save(&j, "after", b);
	json_kv_object_begin(&j, "totals");
	json_counts(&j, &t->total);
	json_object_end(&j);
	json_kv_array_begin(&j, "processes");
	for (i = 0; i < t->nprocs; i++) {
		json_object_begin(&j);
		json_kv_int_or_null(&j, "pid", t->procs[i].pid);
		json_kv_string(&j, "comm", t->procs[i].comm[0] ?
			       t->procs[i].comm : NULL);
		json_counts(&j, &t->procs[i].n);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_kv_array_begin(&j, "stacks");
	for (i = 0; i < t->nstacks; i++) {
		const struct stack_row *r = &t->stacks[i];

		json_object_begin(&j);
		json_kv_int_or_null(&j, "handle_before", r->handle[0]);
		json_kv_int_or_null(&j, "handle_after", r->handle[1]);
		ps_json_frames(&j, !strcmp(r->key, "-") ||
				   !strncmp(r->key, "handle ", 7) ? NULL : r->key);
		json_counts(&j, &r->n);
		json_object_end(&j);
	}
	json_array_end(&j);
	ps_json_object_end(&j);
}

int cmd_diff(struct ps_ctx *c, const struct ps_opts *o)
{
	struct tally t = { 0 };
	struct save a, b;
	int ret;

	ret = load(c, o->args[0], &a);
	if (!ret)
		ret = load(c, o->args[1], &b);
	else
		memset(&b, 0, sizeof(b));
	if (!ret && compare(&a, &b, &t))
		ret = ps_fail(c, PS_EXIT_FAILURE, "out of memory");
	if (!ret) {
		if (c->json)
			print_json(c, &a, &b, &t);
		else
			print_text(c->out, &a, &b, &t);
	}
	free(t.procs);
	free(t.stacks);
	free_save(&a);
	free_save(&b);
	return ret;
}
