// SPDX-License-Identifier: GPL-2.0
/*
 * pinshadow watch: top for pins.  Each refresh re-reads stats and pins and
 * rescans /proc, then shows the processes with the most pins and the ones
 * holding the oldest.  On a terminal each refresh clears the screen; into
 * a pipe or file (or with --batch, like top -b) refreshes follow each
 * other.  --json writes one complete document per line and refresh,
 * flushed, so that a reader sees each as it comes and a killed run leaves
 * only whole lines.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "debugfs.h"
#include "exitcodes.h"
#include "fmt.h"
#include "json.h"
#include "pinmap.h"

#define WATCH_TOP	10

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct pinner {
	int32_t pid;
	char comm[PS_COMM_LEN];
	size_t runs;
	struct ps_agg agg;
};

struct snapshot {
	struct ps_stats st;
	struct pinner *p;
	size_t n;
	struct ps_agg unmapped;
};

/* Sum the runs of each process; the runs are sorted by pid. */
static int summarize(const struct ps_pinmap *pm, struct snapshot *s)
{
	size_t i;

	s->p = calloc(pm->mapped.n ? pm->mapped.n : 1, sizeof(*s->p));
	if (!s->p)
		return -ENOMEM;
	s->n = 0;
	for (i = 0; i < pm->mapped.n; i++) {
		const struct ps_run *r = &pm->mapped.v[i];
		struct pinner *p = s->n ? &s->p[s->n - 1] : NULL;

		if (!p || p->pid != r->pid) {
			p = &s->p[s->n++];
			p->pid = r->pid;
			snprintf(p->comm, sizeof(p->comm), "%s", r->comm);
			ps_agg_init(&p->agg);
		}
		p->runs++;
		ps_agg_merge(&p->agg, &r->agg);
	}
	ps_agg_init(&s->unmapped);
	for (i = 0; i < pm->unmapped.n; i++)
		ps_agg_merge(&s->unmapped, &pm->unmapped.v[i].agg);
	return 0;
}

static int by_pins(const void *a, const void *b)
{
	const struct pinner *x = a, *y = b;

	if (x->agg.pins != y->agg.pins)
		return x->agg.pins > y->agg.pins ? -1 : 1;
	return x->pid - y->pid;
}

static int by_age(const void *a, const void *b)
{
	const struct pinner *x = a, *y = b;
	int d = ps_agg_cmp_age(&x->agg, &y->agg);

	return d ? d : by_pins(a, b);
}

static int take_snapshot(struct ps_ctx *c, struct snapshot *s)
{
	struct ps_pinmap_filter f = { .pid = -1, .longterm = false };
	struct ps_pinmap pm;
	int ret;

	ret = ps_read_stats(c, &s->st);
	if (ret)
		return ret;
	ret = ps_pinmap_build(c, &f, &pm);
	if (ret == PS_EXIT_OK) {
		ps_runs_sort(&pm.mapped, PS_SORT_PID);
		if (summarize(&pm, s))
			ret = ps_fail(c, PS_EXIT_FAILURE, "out of memory");
	}
	ps_pinmap_free(&pm);
	if (ret)
		ps_stats_free(&s->st);
	return ret;
}

static void free_snapshot(struct snapshot *s)
{
	ps_stats_free(&s->st);
	free(s->p);
}

static const char *stat_text(const struct ps_stats *st, const char *name,
			     char *buf)
{
	int64_t v;

	if (!ps_stats_get(st, name, &v))
		return "?";
	snprintf(buf, 32, "%" PRId64, v);
	return buf;
}

static void print_pinner_row(FILE *f, const char *pid, const char *comm,
			     const struct ps_agg *a, const char *runs)
{
	char age[16];

	fprintf(f, "%7s %-16s %9" PRIu64 " %9" PRIu64 " %9" PRIu64 " %5s %8s\n",
		pid, comm, a->pages, a->pins, a->longterm, runs,
		ps_fmt_age(a->age_ms, age, sizeof(age)));
}

static void print_table(FILE *f, const char *title, struct snapshot *s,
			int (*cmp)(const void *, const void *), bool unmapped)
{
	char pid[16], runs[16];
	size_t i;

	qsort(s->p, s->n, sizeof(*s->p), cmp);
	fprintf(f, "\n%s\n%7s %-16s %9s %9s %9s %5s %8s\n", title, "PID",
		"COMM", "PAGES", "PINS", "LONGTERM", "RUNS", "OLDEST");
	for (i = 0; i < s->n && i < WATCH_TOP; i++) {
		snprintf(pid, sizeof(pid), "%d", s->p[i].pid);
		snprintf(runs, sizeof(runs), "%zu", s->p[i].runs);
		print_pinner_row(f, pid, s->p[i].comm, &s->p[i].agg, runs);
	}
	if (unmapped && s->unmapped.pages)
		print_pinner_row(f, "-", "(mapped by none)", &s->unmapped,
				 "-");
	if (!s->n && !s->unmapped.pages)
		fprintf(f, "%7s (no pinned pages)\n", "");
}

static void print_text(struct ps_ctx *c, const struct ps_opts *o,
		       struct snapshot *s, const char *kernel, long n,
		       bool batch)
{
	char b[5][32], when[32];
	time_t now = time(NULL);
	FILE *f = c->out;

	strftime(when, sizeof(when), "%H:%M:%S", localtime(&now));
	if (!batch)
		fputs("\033[H\033[2J", f);	/* plain ANSI: home, clear */
	else if (n > 1)
		fputc('\n', f);
	fprintf(f, "pinshadow watch  %s  %s  every %u.%01us  refresh %ld\n",
		kernel, when, o->interval_ms / 1000, o->interval_ms % 1000 / 100,
		n);
	fprintf(f, "pins %s outstanding on %s pages, %s long-term; events %s missed, %s lost\n",
		stat_text(&s->st, "pins_outstanding", b[0]),
		stat_text(&s->st, "pinned_pages", b[1]),
		stat_text(&s->st, "longterm_outstanding", b[2]),
		stat_text(&s->st, "missed_events", b[3]),
		stat_text(&s->st, "lost_events", b[4]));
	print_table(f, "BIGGEST PINNERS", s, by_pins, true);
	print_table(f, "OLDEST PINS", s, by_age, false);
	fflush(f);
}

static void json_pinner(struct json *j, const struct ps_agg *a)
{
	json_kv_uint(j, "pages", a->pages);
	json_kv_uint(j, "pins", a->pins);
	json_kv_uint(j, "longterm", a->longterm);
	json_kv_int_or_null(j, "oldest_age_ms", a->age_ms);
}

static void print_json(struct ps_ctx *c, struct snapshot *s, long n)
{
	static const char *const totals[] = {
		"pins_outstanding", "pinned_pages", "longterm_outstanding",
		"missed_events", "lost_events",
	};
	struct json j;
	int64_t v;
	size_t i;

	ps_json_object_begin(c, &j, "data");
	json_kv_int(&j, "refresh", n);
	json_kv_object_begin(&j, "stats");
	for (i = 0; i < sizeof(totals) / sizeof(totals[0]); i++)
		if (ps_stats_get(&s->st, totals[i], &v))
			json_kv_int(&j, totals[i], v);
	json_object_end(&j);
	qsort(s->p, s->n, sizeof(*s->p), by_pins);
	json_kv_array_begin(&j, "pinners");
	for (i = 0; i < s->n; i++) {
		json_object_begin(&j);
		json_kv_int(&j, "pid", s->p[i].pid);
		json_kv_string(&j, "comm", s->p[i].comm);
		json_kv_uint(&j, "runs", s->p[i].runs);
		json_pinner(&j, &s->p[i].agg);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_kv_object_begin(&j, "unmapped");
	json_pinner(&j, &s->unmapped);
	json_object_end(&j);
	ps_json_object_end(&j);
}

static void sleep_interruptible(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	/* A signal cuts the sleep short (no SA_RESTART). */
	while (!stop && nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int cmd_watch(struct ps_ctx *c, const struct ps_opts *o)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct snapshot s;
	struct utsname u;
	bool batch = o->batch || !isatty(fileno(c->out));
	long n = 0;
	int ret;

	ret = ps_module_ready(c);
	if (ret)
		return ret;
	if (uname(&u))
		snprintf(u.release, sizeof(u.release), "?");
	stop = 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	c->json_compact = true;
	while (!stop && (o->count < 0 || n < o->count)) {
		ret = take_snapshot(c, &s);
		if (ret)
			break;
		n++;
		if (c->json)
			print_json(c, &s, n);
		else
			print_text(c, o, &s, u.release, n, batch);
		free_snapshot(&s);
		if (o->count < 0 || n < o->count)
			sleep_interruptible(o->interval_ms);
	}
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	return ret;
}
