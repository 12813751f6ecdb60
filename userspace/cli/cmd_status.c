// SPDX-License-Identifier: GPL-2.0
/*
 * pinshadow status.  The self-check reads stats up to three times: a pin
 * taken between the module reading its ledger and the kernel's vmstat makes
 * the equalities false for a moment, never for long.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "debugfs.h"
#include "exitcodes.h"
#include "json.h"
#include "selfcheck.h"

#define SELFCHECK_READS	3

#define COW_LINE "$cow_examined examined, $cow_copied copied, $cow_shared shared; $cow_needless_copies needless copies, $cow_unsafe_shares unsafe shares, $wp_copy_pinned pinned pages copied on write; $cow_unaudited unaudited, $cow_events_dropped events dropped"

/*
 * Stats the summary lines show beside those the parser knows
 * (ps_known_stat()); any other is listed under "other".
 */
static const char *const shown[] = {
	"cow_audit", "cow_examined", "cow_copied", "cow_shared",
	"cow_needless_copies", "cow_unsafe_shares", "wp_copy_pinned",
	"cow_unaudited", "cow_events_dropped", "cow_unwalked",
	"stacks", "stack_bytes", "lost_stacks",
};

/* Orphaned pins: their task exited; -1 when the module does not say. */
struct orphans {
	int64_t pins;
	int64_t pages;
};

static int count_orphans(struct ps_ctx *c, struct orphans *orph)
{
	struct ps_pin *p;
	size_t n, i;
	int ret;

	orph->pins = orph->pages = -1;
	ret = ps_read_pins(c, &p, &n);
	if (ret)
		return ret;
	/* An empty table cannot say whether it has the column: 0 either way. */
	if (!n || p[0].orphaned >= 0)
		orph->pins = orph->pages = 0;
	for (i = 0; i < n; i++) {
		if (p[i].orphaned == 1) {
			orph->pins += p[i].count;
			orph->pages++;
		}
	}
	free(p);
	return PS_EXIT_OK;
}

/* @tmpl with each $name replaced by stat name's value, or "?" without it. */
static void stat_line(FILE *f, const struct ps_stats *st, const char *tmpl)
{
	const char *s = tmpl;
	char name[64];
	size_t n;
	int64_t v;

	while (*s) {
		if (*s != '$') {
			fputc(*s++, f);
			continue;
		}
		n = strspn(s + 1, "abcdefghijklmnopqrstuvwxyz_");
		snprintf(name, sizeof(name), "%.*s", (int)n, s + 1);
		if (ps_stats_get(st, name, &v))
			fprintf(f, "%" PRId64, v);
		else
			fputc('?', f);
		s += 1 + n;
	}
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void print_text(struct ps_ctx *c, const char *kernel,
		       const struct ps_stats *st, const struct ps_probe *pr,
		       size_t npr, const struct ps_selfcheck *sc,
		       const struct orphans *orph)
{
	size_t i, armed = 0, other = 0, listed = 0;
	int64_t enabled = 0, end_pfn = 0, v;
	FILE *f = c->out;

	for (i = 0; i < npr; i++)
		armed += pr[i].armed;
	ps_stats_get(st, "enabled", &enabled);
	/* A module older than the version line is still reported. */
	fprintf(f, "module      pinshadow %s%s", st->version,
		st->version[0] ? " " : "");
	stat_line(f, st, "loaded, ABI $abi_version, counting ");
	fprintf(f, "%s\n",
		enabled ? "enabled" : "DISABLED (counts are stale until a reset)");
	fprintf(f, "kernel      %s\n", kernel);
	fprintf(f, "probes      %zu armed, %zu unarmed", armed, npr - armed);
	for (i = 0; i < npr; i++)
		if (!pr[i].armed)
			fprintf(f, "%s%s", listed++ ? ", " : ": ", pr[i].name);
	listed = 0;
	for (i = 0; i < npr; i++)
		if (ps_probe_state_bad(pr[i].state))
			fprintf(f, "%s%s %s", listed++ ? ", " : "; NOT WORKING: ",
				pr[i].name, pr[i].state);
	fputc('\n', f);
	stat_line(f, st, "pins        $pins_outstanding outstanding on $pinned_pages pages, $longterm_outstanding long-term\n");
	if (orph->pins >= 0)
		fprintf(f, "orphaned    %" PRId64 " pin%s on %" PRId64 " page%s whose task has exited%s\n",
			orph->pins, orph->pins == 1 ? "" : "s", orph->pages,
			orph->pages == 1 ? "" : "s",
			orph->pins ? " (pinshadow pins --orphaned)" : "");
	stat_line(f, st, "ledger      $pins_acquired acquired, $pins_released released (API: $api_pins pins, $api_unpins unpins, $rollback_unpins rollbacks; counted around inlined probes: $reconciled_acquired acquired, $reconciled_released released)\n");
	stat_line(f, st, "vmstat      $vmstat_acquired acquired (+$vmstat_bypass_pins bypassing it), $vmstat_released released\n");
	stat_line(f, st, "events      $missed_events missed, $lost_events lost, $lost_records records lost, $untracked_unpins untracked unpins, $subpage_fallbacks subpage fallbacks\n");
	ps_stats_get(st, "table_end_pfn", &end_pfn);
	stat_line(f, st, "table       $table_blocks blocks, $records records, $table_bytes bytes, ");
	fprintf(f, "PFNs below 0x%" PRIx64 "\n", end_pfn);
	if (ps_stats_get(st, "stacks", &v))
		stat_line(f, st, "stacks      $stacks stacks, $stack_bytes bytes, $lost_stacks lost\n");
	/* The COW audit, from module versions that have it. */
	if (ps_stats_get(st, "cow_examined", &v)) {
		stat_line(f, st, ps_stats_get(st, "cow_audit", &v) && v ?
			  "cow         audit on: " COW_LINE :
			  "cow         audit off: " COW_LINE);
		/* Newer modules: pages past the fork audit's bound. */
		if (ps_stats_get(st, "cow_unwalked", &v))
			stat_line(f, st, ", $cow_unwalked not walked");
		fputc('\n', f);
	}
	for (i = 0; i < st->n; i++) {
		if (ps_known_stat(st->v[i].name) ||
		    ps_word_in(st->v[i].name, shown,
			       sizeof(shown) / sizeof(shown[0])))
			continue;
		fprintf(f, "%s %s=%" PRId64, other++ ? "" : "other      ",
			st->v[i].name, st->v[i].value);
	}
	if (other)
		fputc('\n', f);

	fprintf(f, "\n%-34s %-34s %5s %12s %8s %-8s %s\n", "PROBE", "SYMBOL",
		"ARMED", "HITS", "NMISSED", "STATE", "REASON");
	for (i = 0; i < npr; i++)
		fprintf(f, "%-34s %-34s %5s %12" PRIu64 " %8" PRIu64 " %-8s %s\n",
			pr[i].name, pr[i].symbol, pr[i].armed ? "yes" : "NO",
			pr[i].hits, pr[i].nmissed, pr[i].state,
			pr[i].reason[0] ? pr[i].reason : "-");
	fputc('\n', f);
	if (sc->ok) {
		fprintf(f, "self-check: OK\n");
	} else {
		int k;

		fprintf(f, "self-check: FAIL (");
		for (k = 0; k < sc->nreasons; k++)
			fprintf(f, "%s%s", k ? "; " : "", sc->reasons[k]);
		fprintf(f, ")\n");
	}
}

static void print_json(struct ps_ctx *c, const char *kernel,
		       const struct ps_stats *st, const struct ps_probe *pr,
		       size_t npr, const struct ps_selfcheck *sc, int reads,
		       const struct orphans *orph)
{
	int64_t abi = -1, enabled = 0;
	size_t i, armed = 0;
	struct json j;
	int k;

	for (i = 0; i < npr; i++)
		armed += pr[i].armed;
	ps_stats_get(st, "abi_version", &abi);
	ps_stats_get(st, "enabled", &enabled);
	ps_json_object_begin(c, &j, "data");
	json_kv_string(&j, "kernel", kernel);
	json_kv_object_begin(&j, "module");
	json_kv_bool(&j, "loaded", true);
	json_kv_int(&j, "abi_version", abi);
	json_kv_string(&j, "version", st->version[0] ? st->version : NULL);
	json_kv_bool(&j, "enabled", enabled != 0);
	json_kv_string(&j, "debugfs", c->dir);
	json_object_end(&j);
	json_kv_object_begin(&j, "probes");
	json_kv_uint(&j, "armed", armed);
	json_kv_uint(&j, "unarmed", npr - armed);
	json_kv_array_begin(&j, "list");
	for (i = 0; i < npr; i++) {
		json_object_begin(&j);
		json_kv_string(&j, "name", pr[i].name);
		json_kv_string(&j, "symbol",
			       strcmp(pr[i].symbol, "-") ? pr[i].symbol : NULL);
		json_kv_bool(&j, "armed", pr[i].armed);
		json_kv_uint(&j, "hits", pr[i].hits);
		json_kv_uint(&j, "nmissed", pr[i].nmissed);
		json_kv_string(&j, "state", pr[i].state);
		json_kv_string(&j, "reason",
			       pr[i].reason[0] ? pr[i].reason : NULL);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_object_end(&j);
	json_kv_object_begin(&j, "stats");
	for (i = 0; i < st->n; i++)
		json_kv_int(&j, st->v[i].name, st->v[i].value);
	json_object_end(&j);
	json_key(&j, "orphaned");
	if (orph->pins < 0) {
		json_null(&j);
	} else {
		json_object_begin(&j);
		json_kv_int(&j, "pins", orph->pins);
		json_kv_int(&j, "pages", orph->pages);
		json_object_end(&j);
	}
	json_kv_object_begin(&j, "self_check");
	json_kv_bool(&j, "ok", sc->ok);
	json_kv_int(&j, "reads", reads);
	json_kv_array_begin(&j, "reasons");
	for (k = 0; k < sc->nreasons; k++)
		json_string(&j, sc->reasons[k]);
	json_array_end(&j);
	json_object_end(&j);
	ps_json_object_end(&j);
}

/*
 * status --stat NAME: the value alone, for scripts.  "version" is the one
 * line whose value is text.
 */
static int print_stat(struct ps_ctx *c, const struct ps_stats *st,
		      const char *name)
{
	bool text = !strcmp(name, "version") && st->version[0];
	struct json j;
	int64_t v = 0;

	if (!text && !ps_stats_get(st, name, &v))
		return ps_fail(c, PS_EXIT_UNSUPPORTED,
			       "stats has no line \"%s\" on this module", name);
	if (!c->json) {
		if (text)
			fprintf(c->out, "%s\n", st->version);
		else
			fprintf(c->out, "%" PRId64 "\n", v);
		return PS_EXIT_OK;
	}
	ps_json_object_begin(c, &j, "data");
	json_kv_string(&j, "name", name);
	if (text)
		json_kv_string(&j, "value", st->version);
	else
		json_kv_int(&j, "value", v);
	ps_json_object_end(&j);
	return PS_EXIT_OK;
}

int cmd_status(struct ps_ctx *c, const struct ps_opts *o)
{
	char err[PS_ERR_LEN], *text;
	struct ps_selfcheck sc;
	struct orphans orph;
	struct ps_probe *pr = NULL;
	struct ps_stats st;
	size_t npr = 0;
	int ret, reads = 1;

	ret = ps_module_check(c, &st);
	if (ret) {
		if (!c->json && !o->stat && (ret == PS_EXIT_NOT_LOADED ||
					     ret == PS_EXIT_NO_DEBUGFS))
			fprintf(c->out, "module      pinshadow %s\nkernel      %s\n",
				ret == PS_EXIT_NOT_LOADED ? "not loaded" :
				"unknown (debugfs not mounted)", c->kernel);
		return ret;
	}
	if (o->stat) {
		ret = print_stat(c, &st, o->stat);
		goto out;
	}
	ret = ps_read_file(c, "probes", false, &text);
	if (ret)
		goto out;
	ret = ps_parsed(c, text, ps_parse_probes(text, &pr, &npr, err), err);
	if (ret)
		goto out;
	ret = count_orphans(c, &orph);
	if (ret)
		goto out;
	ps_selfcheck(&st, pr, npr, &sc);
	while (!sc.ok && sc.transient && reads < SELFCHECK_READS) {
		sleep_ms(20);
		ps_stats_free(&st);
		ret = ps_read_stats(c, &st);
		if (ret)
			goto out_probes;
		reads++;
		ps_selfcheck(&st, pr, npr, &sc);
	}
	if (c->json)
		print_json(c, c->kernel, &st, pr, npr, &sc, reads, &orph);
	else
		print_text(c, c->kernel, &st, pr, npr, &sc, &orph);
	ret = sc.ok ? PS_EXIT_OK : PS_EXIT_SELFCHECK;
out:
	ps_stats_free(&st);
out_probes:
	free(pr);
	return ret;
}
