// SPDX-License-Identifier: GPL-2.0
/*
 * The checks of ps_check.h: pinshadow's view of the pins a test holds
 * against what the test knows it holds, and the fixtures' buffers.  Built
 * into every test binary, beside the test's own use of the harness.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/*
 * kselftest_harness.h is written for a program of one translation unit: it
 * defines its runner (static functions, and four globals without static).
 * The test's own file runs the harness; this one uses only the assertion
 * macros, so its copy of the runner is unused and its globals are renamed
 * out of the test's way.
 */
#pragma GCC diagnostic ignored "-Wunused-function"
#define __active_test		ps_check_unused_active_test
#define __wait_for_test		ps_check_unused_wait_for_test
#define __run_test		ps_check_unused_run_test
#define _fixture_global		ps_check_unused_fixture_global
#include "ps_check.h"
#include "ps_client.h"

struct ps_pfn_cnt {
	uint64_t pfn;
	int64_t count;
	int64_t longterm;		/* -1: not checked */
	uint64_t head;
	int order;
	bool matched;
};

struct ps_folio_cnt {
	uint64_t head;
	int order;
	int64_t count;
	int64_t rows_sum;
};

/* Watched PFNs looked up one by one at most (the `pins` rows cover all). */
#define PS_MAX_ZERO_LOOKUPS	64

static int ps_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int ps_cmp_ent(const void *a, const void *b)
{
	return ps_cmp_u64(&((const struct ps_pin_ent *)a)->pfn,
			  &((const struct ps_pin_ent *)b)->pfn);
}

static struct ps_pfn_cnt *ps_find_pfn(struct ps_pfn_cnt *d, size_t n,
				      uint64_t pfn)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (d[mid].pfn == pfn)
			return &d[mid];
		if (d[mid].pfn < pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static struct ps_folio_cnt *ps_find_folio(struct ps_folio_cnt *f,
					  size_t n, uint64_t pfn)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (pfn >= f[i].head && pfn < f[i].head + (1ULL << f[i].order))
			return &f[i];
	return NULL;
}

static bool ps_in_sorted(const uint64_t *v, size_t n, uint64_t x)
{
	return n && bsearch(&x, v, n, sizeof(*v), ps_cmp_u64);
}

void ps_pin_ents(struct ps_pin_ent *ents, const uint64_t *pfns, size_t n,
		 int longterm)
{
	size_t i;

	for (i = 0; i < n; i++) {
		ents[i].pfn = pfns[i];
		ents[i].longterm = longterm;
	}
}

/*
 * Note: the harness' EXPECT_*() ... TH_LOG() is two statements; every one
 * below sits in braces.
 */
void ps_check_pins(struct __test_metadata *_metadata,
		   const struct ps_expect *e)
{
	struct ps_pin_ent *pins = NULL;
	struct ps_pfn_cnt *d = NULL;
	struct ps_folio_cnt *f = NULL;
	struct ps_pin_row *rows = NULL;
	uint64_t *watch = NULL, *zero = NULL;
	size_t nd = 0, nf = 0, nrows = 0, nzero = 0, i, step;
	int64_t nlt = 0;
	bool lt_known = true;
	struct ps_lookup lk;
	struct ps_test_stats st;
	int err;

	if (e->npins) {
		pins = malloc(e->npins * sizeof(*pins));
		d = calloc(e->npins, sizeof(*d));
		f = calloc(e->npins, sizeof(*f));
		ASSERT_TRUE(pins && d && f);
		memcpy(pins, e->pins, e->npins * sizeof(*pins));
		qsort(pins, e->npins, sizeof(*pins), ps_cmp_ent);
	}
	for (i = 0; i < e->npins; i++) {
		if (pins[i].longterm < 0)
			lt_known = false;
		else
			nlt += pins[i].longterm;
		if (nd && d[nd - 1].pfn == pins[i].pfn) {
			d[nd - 1].count++;
			if (pins[i].longterm < 0)
				d[nd - 1].longterm = -1;
			else if (d[nd - 1].longterm >= 0)
				d[nd - 1].longterm += pins[i].longterm;
			continue;
		}
		d[nd].pfn = pins[i].pfn;
		d[nd].count = 1;
		d[nd].longterm = pins[i].longterm;
		if (nd && d[nd].pfn < d[nd - 1].head +
				      (1ULL << d[nd - 1].order)) {
			/* in the folio of the previous PFN */
			d[nd].head = d[nd - 1].head;
			d[nd].order = d[nd - 1].order;
			nd++;
			continue;
		}
		err = ps_pfn_folio(d[nd].pfn, &d[nd].head, &d[nd].order);
		ASSERT_EQ(0, err) {
			TH_LOG("kpageflags of pfn %#llx: %s",
			       (unsigned long long)d[nd].pfn, strerror(-err));
		}
		nd++;
	}
	for (i = 0; i < nd; i++) {
		struct ps_folio_cnt *fo = ps_find_folio(f, nf, d[i].pfn);

		if (!fo) {
			fo = &f[nf++];
			fo->head = d[i].head;
			fo->order = d[i].order;
		}
		fo->count += d[i].count;
	}

	if (e->nwatch) {
		watch = malloc(e->nwatch * sizeof(*watch));
		zero = malloc(e->nwatch * sizeof(*zero));
		ASSERT_TRUE(watch && zero);
		memcpy(watch, e->watch, e->nwatch * sizeof(*watch));
		qsort(watch, e->nwatch, sizeof(*watch), ps_cmp_u64);
	}

	/* The `pins` table. */
	err = ps_pins_read(&rows, &nrows);
	ASSERT_EQ(0, err) {
		TH_LOG("reading pins: %s", strerror(-err));
	}
	for (i = 0; i < nrows; i++) {
		struct ps_pin_row *r = &rows[i];
		struct ps_folio_cnt *fo = ps_find_folio(f, nf, r->pfn);
		struct ps_pfn_cnt *p = ps_find_pfn(d, nd, r->pfn);
		unsigned long long pfn = r->pfn;

		if (!fo && !p && !ps_in_sorted(watch, e->nwatch, r->pfn))
			continue;
		EXPECT_LT(0, r->count) {
			TH_LOG("pins row pfn %#llx", pfn);
		}
		EXPECT_EQ(1, r->maybe_pinned) {
			TH_LOG("pins row pfn %#llx", pfn);
		}
		if (fo) {
			fo->rows_sum += r->count;
			EXPECT_EQ(fo->order, r->order) {
				TH_LOG("pins row pfn %#llx: order", pfn);
			}
			EXPECT_EQ(fo->order ? fo->count : -1,
				  r->folio_pincount) {
				TH_LOG("pins row pfn %#llx: folio_pincount",
				       pfn);
			}
		}
		if (e->exact) {
			EXPECT_TRUE(p != NULL) {
				TH_LOG("pins row for pfn %#llx count %lld: no pin expected there",
				       pfn, (long long)r->count);
			}
		}
		if (p) {
			p->matched = true;
			if (e->exact) {
				EXPECT_EQ(p->count, r->count) {
					TH_LOG("pins row pfn %#llx: count",
					       pfn);
				}
			}
			if (e->exact && p->longterm >= 0) {
				EXPECT_EQ(p->longterm, r->longterm) {
					TH_LOG("pins row pfn %#llx: longterm",
					       pfn);
				}
			}
			if (!p->order) {
				EXPECT_LE(PS_PIN_BIAS * p->count,
					  r->refcount) {
					TH_LOG("pins row pfn %#llx: refcount",
					       pfn);
				}
			}
		}
		if (e->api) {
			EXPECT_STREQ(e->api, r->api) {
				TH_LOG("pins row pfn %#llx: api", pfn);
			}
		}
		if (e->pid && !(e->pid_alt && r->pid == e->pid_alt)) {
			EXPECT_EQ(e->pid, r->pid) {
				TH_LOG("pins row pfn %#llx: pid", pfn);
			}
		}
		if (e->comm) {
			EXPECT_STREQ(e->comm, r->comm) {
				TH_LOG("pins row pfn %#llx: comm", pfn);
			}
		}
		EXPECT_LE(0, r->age_ms) {
			TH_LOG("pins row pfn %#llx: age_ms", pfn);
		}
	}
	for (i = 0; e->exact && i < nd; i++) {
		EXPECT_TRUE(d[i].matched) {
			TH_LOG("no pins row for pfn %#llx (count %lld expected)",
			       (unsigned long long)d[i].pfn,
			       (long long)d[i].count);
		}
	}
	for (i = 0; i < nf; i++) {
		EXPECT_EQ(f[i].count, f[i].rows_sum) {
			TH_LOG("pins rows of folio %#llx order %d: sum of counts",
			       (unsigned long long)f[i].head, f[i].order);
		}
	}

	/* `lookup` of every pinned page. */
	for (i = 0; i < nd; i++) {
		ps_lookup_ok(_metadata, d[i].pfn, &lk);
		EXPECT_EQ(d[i].pfn, lk.pfn) {
			TH_LOG("%s", lk.line);
		}
		if (e->exact) {
			EXPECT_EQ(d[i].count, lk.count) {
				TH_LOG("%s", lk.line);
			}
		}
		if (e->exact && d[i].longterm >= 0) {
			EXPECT_EQ(d[i].longterm, lk.longterm) {
				TH_LOG("%s", lk.line);
			}
		}
		EXPECT_EQ(1, lk.maybe_pinned) {
			TH_LOG("%s", lk.line);
		}
		EXPECT_EQ(d[i].order, lk.order) {
			TH_LOG("%s", lk.line);
		}
		if (d[i].order) {
			struct ps_folio_cnt *fo = ps_find_folio(f, nf, d[i].pfn);

			EXPECT_EQ(fo->count, lk.folio_pincount) {
				TH_LOG("%s", lk.line);
			}
		} else {
			EXPECT_EQ(-1, lk.folio_pincount) {
				TH_LOG("%s", lk.line);
			}
			EXPECT_LE(PS_PIN_BIAS * d[i].count, lk.refcount) {
				TH_LOG("%s", lk.line);
			}
		}
	}
	/* ... of the heads of pinned large folios ... */
	for (i = 0; i < nf; i++) {
		if (!f[i].order)
			continue;
		ps_lookup_ok(_metadata, f[i].head, &lk);
		EXPECT_EQ(f[i].count, lk.folio_pincount) {
			TH_LOG("%s", lk.line);
		}
		EXPECT_EQ(f[i].order, lk.order) {
			TH_LOG("%s", lk.line);
		}
	}
	/* ... and of (a sample of) the watched pages that hold no pin. */
	for (i = 0; i < e->nwatch; i++) {
		if (ps_find_pfn(d, nd, watch[i]))
			continue;
		if (!e->exact && ps_find_folio(f, nf, watch[i]))
			continue;
		zero[nzero++] = watch[i];
	}
	step = nzero > PS_MAX_ZERO_LOOKUPS ? nzero / PS_MAX_ZERO_LOOKUPS : 1;
	for (i = 0; i < nzero; i += step) {
		ps_lookup_ok(_metadata, zero[i], &lk);
		EXPECT_EQ(0, lk.count) {
			TH_LOG("%s", lk.line);
		}
		EXPECT_EQ(0, lk.longterm) {
			TH_LOG("%s", lk.line);
		}
	}

	/* Gauges: nothing else holds pins taken since the reset. */
	err = ps_stats_read(&st);
	ASSERT_EQ(0, err) {
		TH_LOG("reading stats: %s", strerror(-err));
	}
	EXPECT_EQ((int64_t)e->npins, st.v[PS_pins_outstanding]);
	if (lt_known) {
		EXPECT_EQ(nlt, st.v[PS_longterm_outstanding]);
	}
	if (e->exact) {
		EXPECT_EQ((int64_t)nd, st.v[PS_pinned_pages]);
	} else {
		EXPECT_LE((int64_t)nf, st.v[PS_pinned_pages]);
		EXPECT_GE((int64_t)e->npins, st.v[PS_pinned_pages]);
	}
	EXPECT_EQ((int64_t)nrows, st.v[PS_pinned_pages]) {
		TH_LOG("pins has %zu rows", nrows);
	}

	free(rows);
	free(watch);
	free(zero);
	free(d);
	free(f);
	free(pins);
}

void ps_buf_pfns(struct __test_metadata *_metadata,
		 const char *buf, size_t npages, uint64_t *pfns)
{
	size_t i;

	for (i = 0; i < npages; i++) {
		pfns[i] = ps_virt_to_pfn(buf + i * PS_PAGE_SIZE);
		ASSERT_NE(0ULL, pfns[i]) {
			TH_LOG("page %zu of %p not present", i, buf);
		}
	}
}

size_t ps_folio_pfns(struct __test_metadata *_metadata,
		     const uint64_t *pfns, size_t n,
		     uint64_t **out, bool *large)
{
	uint64_t head = 0, end = 0, j, *in, *v;
	size_t cap = n ? n : 1, nr = 0, i;
	int order, err;

	in = malloc(cap * sizeof(*in));
	v = malloc(cap * sizeof(*v));
	ASSERT_TRUE(in && v);
	memcpy(in, pfns, n * sizeof(*in));
	qsort(in, n, sizeof(*in), ps_cmp_u64);
	*large = false;
	for (i = 0; i < n; i++) {
		if (in[i] >= head && in[i] < end)
			continue;	/* in the folio found last */
		err = ps_pfn_folio(in[i], &head, &order);
		ASSERT_EQ(0, err) {
			TH_LOG("kpageflags of pfn %#llx: %s",
			       (unsigned long long)in[i], strerror(-err));
		}
		end = head + (1ULL << order);
		*large |= order > 0;
		for (j = head; j < end; j++) {
			if (nr == cap) {
				cap *= 2;
				v = realloc(v, cap * sizeof(*v));
				ASSERT_TRUE(v != NULL);
			}
			v[nr++] = j;
		}
	}
	free(in);
	qsort(v, nr, sizeof(*v), ps_cmp_u64);
	for (i = j = 0; i < nr; i++)
		if (!j || v[j - 1] != v[i])
			v[j++] = v[i];
	*out = v;
	return j;
}

pid_t ps_client_start(struct __test_metadata *_metadata, char *const argv[],
		      const char *log, struct ps_test_stats *a,
		      struct ps_vm *va)
{
	pid_t pid;

	ps_get_stats(_metadata, a);
	ps_get_vm(_metadata, va);
	pid = ps_spawn(argv, log);
	ASSERT_LT(0, pid) TH_LOG("starting %s: %s", argv[0], strerror(-pid));
	return pid;
}

void ps_client_end(struct __test_metadata *_metadata, pid_t *pid, int ms,
		   const char *log, const char *what)
{
	char tail[1024];
	int status, rc;

	rc = ps_wait_pid(*pid, ms, &status);
	ps_log_tail(log, tail, sizeof(tail));
	ASSERT_EQ(0, rc) TH_LOG("%s did not end: %s", what, tail);
	*pid = -1;
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("%s: %s", what, tail);
}

void ps_lookup_ok(struct __test_metadata *_metadata, uint64_t pfn,
		  struct ps_lookup *lk)
{
	int err = ps_lookup_pfn(pfn, lk);

	ASSERT_EQ(0, err) {
		TH_LOG("lookup pfn %#llx: %s", (unsigned long long)pfn,
		       strerror(-err));
	}
}

void ps_get_stats(struct __test_metadata *_metadata,
		  struct ps_test_stats *st)
{
	int err = ps_stats_read(st);

	ASSERT_EQ(0, err) TH_LOG("reading stats: %s", strerror(-err));
}

int64_t ps_stat(struct __test_metadata *_metadata, const char *name)
{
	int64_t v = -1;
	int err = ps_stats_named(&name, &v, 1);

	ASSERT_EQ(0, err) TH_LOG("stats %s: %s", name, strerror(-err));
	return v;
}

int64_t ps_stat_unsettled(struct __test_metadata *_metadata,
			  const char *name)
{
	int64_t v = -1;
	int err = ps_stats_named_unsettled(&name, &v, 1);

	ASSERT_EQ(0, err) TH_LOG("stats %s: %s", name, strerror(-err));
	return v;
}

void ps_wait_outstanding(struct __test_metadata *_metadata,
			 int64_t want, int ms,
			 struct ps_test_stats *st)
{
	int64_t end = ps_now_ms() + ms;

	for (;;) {
		ps_get_stats(_metadata, st);
		if (st->v[PS_pins_outstanding] == want || ps_now_ms() > end)
			return;
		ps_msleep(20);
	}
}

void ps_get_vm(struct __test_metadata *_metadata,
	       struct ps_vm *vm)
{
	ASSERT_EQ(0, ps_vmstat_pins(&vm->acquired, &vm->released));
}

int ps_nohuge(void *addr, size_t len)
{
	if (!madvise(addr, len, MADV_NOHUGEPAGE))
		return 0;
	if (errno == EINVAL && access("/sys/kernel/mm/transparent_hugepage",
				      F_OK))
		return 0;
	return -1;
}

void ps_fixture_setup(struct __test_metadata *_metadata,
		      struct ps_env *env)
{
	char why[256] = "";

	ASSERT_EQ(0, ps_env_setup(env, why, sizeof(why))) TH_LOG("%s", why);
}

void ps_fixture_teardown(struct __test_metadata *_metadata,
			 struct ps_env *env, int wait_ms)
{
	char why[1024];

	EXPECT_EQ(0, ps_env_teardown(env, wait_ms, why, sizeof(why)))
		TH_LOG("%s", why);
}

bool ps_reload_fixture_setup(struct __test_metadata *_metadata,
			     struct ps_env *env, bool pins_before_reset)
{
	ps_fixture_setup(_metadata, env);
	env->pins_before_reset = pins_before_reset;
	if (access(ps_ko_path(), R_OK))
		SKIP(return false, "%s: %s", ps_ko_path(), strerror(errno));
	return true;
}

void ps_reload_fixture_teardown(struct __test_metadata *_metadata,
				struct ps_env *env)
{
	int err;

	if (!ps_module_loaded(PS_MODULE)) {
		err = ps_load(NULL);
		EXPECT_EQ(0, err) TH_LOG("insmod: %s", strerror(-err));
	}
	ps_fixture_teardown(_metadata, env, 5000);
}

char *ps_small_buf(struct __test_metadata *_metadata,
		   size_t npages)
{
	char *buf = ps_mmap_aligned(npages * PS_PAGE_SIZE, PS_PAGE_SIZE,
				    PROT_READ | PROT_WRITE, 0);

	ASSERT_TRUE(buf != NULL);
	ASSERT_EQ(0, ps_nohuge(buf, npages * PS_PAGE_SIZE));
	memset(buf, 0x5a, npages * PS_PAGE_SIZE);
	return buf;
}

char *ps_thp_buf(struct __test_metadata *_metadata,
		 size_t nfolios)
{
	size_t size = nfolios * PS_HPAGE_SIZE, i;
	uint64_t flags;
	char *buf;

	buf = ps_mmap_aligned(size, PS_HPAGE_SIZE, PROT_READ | PROT_WRITE, 0);
	ASSERT_TRUE(buf != NULL);
	if (madvise(buf, size, MADV_HUGEPAGE))
		return NULL;
	memset(buf, 0x5a, size);
	for (i = 0; i < nfolios; i++) {
		uint64_t pfn = ps_virt_to_pfn(buf + i * PS_HPAGE_SIZE);

		if (!pfn || ps_kpageflags(pfn, &flags) ||
		    !(flags & (1ULL << KPF_THP)))
			return NULL;
	}
	return buf;
}

char *ps_hugetlb_buf(struct __test_metadata *_metadata,
		     size_t nfolios)
{
	size_t size = nfolios * PS_HPAGE_SIZE;
	char *buf;

	buf = ps_mmap_aligned(size, PS_HPAGE_SIZE, PROT_READ | PROT_WRITE,
			      MAP_HUGETLB);
	if (!buf)
		return NULL;
	memset(buf, 0x5a, size);
	(void)_metadata;
	return buf;
}

const char *ps_buf_kind_name(enum ps_buf_kind kind)
{
	static const char *const names[] = {
		[PS_BUF_SMALL] = "4 KiB pages",
		[PS_BUF_THP] = "THP",
		[PS_BUF_HUGETLB] = "hugetlb",
	};

	return names[kind];
}

char *ps_kind_buf(struct __test_metadata *_metadata, enum ps_buf_kind kind,
		  size_t nsmall, size_t nfolios, size_t *npages)
{
	size_t n = nfolios * (PS_HPAGE_SIZE / PS_PAGE_SIZE);
	char *buf = NULL;

	switch (kind) {
	case PS_BUF_SMALL:
		n = nsmall;
		buf = ps_small_buf(_metadata, nsmall);
		break;
	case PS_BUF_THP:
		buf = ps_thp_buf(_metadata, nfolios);
		break;
	case PS_BUF_HUGETLB:
		buf = ps_hugetlb_buf(_metadata, nfolios);
		break;
	}
	if (npages)
		*npages = n;
	return buf;
}

bool ps_memfd_buf(struct __test_metadata *_metadata, const char *name,
		  bool hugetlb, size_t size, int *memfd, char **map)
{
	unsigned int mflags = MFD_ALLOW_SEALING | MFD_CLOEXEC;

	*map = MAP_FAILED;
	if (hugetlb)
		mflags |= MFD_HUGETLB;
	*memfd = memfd_create(name, mflags);
	if (*memfd < 0 && hugetlb)
		SKIP(return false, "memfd_create(MFD_HUGETLB): %s",
		     strerror(errno));
	ASSERT_LE(0, *memfd);
	ASSERT_EQ(0, ftruncate(*memfd, size));
	*map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, *memfd, 0);
	if (*map == MAP_FAILED && hugetlb)
		SKIP(return false, "no hugetlb pages: %s", strerror(errno));
	ASSERT_NE(MAP_FAILED, *map);
	memset(*map, 0x5a, size);
	ASSERT_EQ(0, fcntl(*memfd, F_ADD_SEALS, F_SEAL_SHRINK));
	return true;
}

bool ps_hugetlb_longterm_warns(const char *buf)
{
	return !ps_kernel_at_least(6, 5) &&
	       ps_pfn_in_movable_zone(ps_virt_to_pfn(buf));
}

bool psh_pin_supported(int fd, uint32_t api, uint32_t flags)
{
	struct psh_pin req;

	/* nr_pages 0 is rejected after the support check */
	return psh_pin(fd, NULL, 0, api, flags, &req) != -EOPNOTSUPP;
}

bool psh_unpin_supported(int fd, uint32_t api)
{
	/* An invalid slot is rejected after the support check. */
	return psh_unpin(fd, PSH_MAX_SLOTS, api, 0) != -EOPNOTSUPP;
}

static size_t ps_plan_pins(const struct ps_plan *p)
{
	size_t i, n = 0;

	for (i = 0; i < p->nranges; i++)
		if (p->live[i])
			n += p->r[i].nr;
	return n;
}

bool ps_plan_supported(struct __test_metadata *_metadata,
		       const struct ps_plan *p, uint32_t unpin)
{
	if (!psh_pin_supported(p->fd, p->api, p->flags))
		SKIP(return false, "%s with flags %#x: not in this kernel",
		     psh_pin_api_name(p->api), p->flags);
	if (!psh_unpin_supported(p->fd, unpin))
		SKIP(return false, "%s: not in this kernel",
		     psh_unpin_api_name(unpin));
	return true;
}

bool ps_plan_pin(struct __test_metadata *_metadata,
		 struct ps_plan *p)
{
	uint64_t *pfns, nr;
	struct psh_pin req;
	size_t i, j;
	int err;

	for (i = 0; i < p->nranges; i++) {
		const struct ps_range *r = &p->r[i];
		char *addr = p->buf + r->first * PS_PAGE_SIZE;

		err = psh_pin(p->fd, addr, r->nr, p->api, p->flags, &req);
		ASSERT_EQ(0, err) TH_LOG("PSH_IOC_PIN: %s", strerror(-err));
		/*
		 * Without a slow path to migrate them, the fast-only API
		 * cannot pin FOLL_LONGTERM pages that are not long-term
		 * pinnable (ZONE_MOVABLE, e.g. booted with movablecore=).
		 */
		if (p->api == PSH_PIN_FAST_ONLY && (p->flags & PSH_F_LONGTERM) &&
		    req.result < (int64_t)r->nr)
			SKIP(return false,
			     "%s pinned %lld of %zu pages FOLL_LONGTERM: not long-term pinnable here",
			     psh_pin_api_name(p->api), (long long)req.result,
			     r->nr);
		ASSERT_EQ((int64_t)r->nr, req.result)
			TH_LOG("%s of %zu pages at page %zu",
			       psh_pin_api_name(p->api), r->nr, r->first);
		p->slot[i] = req.slot;
		p->live[i] = true;
		p->pfns[i] = calloc(r->nr, sizeof(uint64_t));
		ASSERT_TRUE(p->pfns[i] != NULL);
		err = psh_pfns(p->fd, req.slot, p->pfns[i], r->nr, &nr);
		ASSERT_EQ(0, err) TH_LOG("PSH_IOC_PFNS: %s", strerror(-err));
		ASSERT_EQ(r->nr, nr);
		for (j = 0; j < r->nr; j++) {
			EXPECT_EQ(ps_virt_to_pfn(addr + j * PS_PAGE_SIZE),
				  p->pfns[i][j]) {
				TH_LOG("page %zu: helper and pagemap disagree",
				       r->first + j);
			}
		}
	}
	pfns = calloc(p->npages, sizeof(*pfns));
	ASSERT_TRUE(pfns != NULL);
	ps_buf_pfns(_metadata, p->buf, p->npages, pfns);
	free(p->watch);
	p->nwatch = ps_folio_pfns(_metadata, pfns, p->npages, &p->watch,
				  &p->large);
	free(pfns);
	return true;
}

void ps_plan_check(struct __test_metadata *_metadata,
		   const struct ps_plan *p, bool exact)
{
	size_t n = ps_plan_pins(p), i, j, k = 0;
	struct ps_pin_ent *ents = calloc(n ? n : 1, sizeof(*ents));
	struct ps_expect e = {
		.pins = ents, .npins = n,
		.watch = p->watch, .nwatch = p->nwatch,
		.exact = exact, .api = psh_pin_api_name(p->api),
		.pid = getpid(), .comm = p->comm,
	};

	ASSERT_TRUE(ents != NULL);
	for (i = 0; i < p->nranges; i++) {
		if (!p->live[i])
			continue;
		for (j = 0; j < p->r[i].nr; j++) {
			ents[k].pfn = p->pfns[i][j];
			ents[k].longterm = !!(p->flags & PSH_F_LONGTERM);
			k++;
		}
	}
	ps_check_pins(_metadata, &e);
	free(ents);
}

void ps_plan_unpin(struct __test_metadata *_metadata,
		   struct ps_plan *p, size_t i, uint32_t api,
		   uint32_t make_dirty)
{
	int err;

	ASSERT_TRUE(p->live[i]);
	err = psh_unpin(p->fd, p->slot[i], api, make_dirty);
	ASSERT_EQ(0, err) TH_LOG("PSH_IOC_UNPIN %s: %s",
				 psh_unpin_api_name(api), strerror(-err));
	p->live[i] = false;
}

void ps_plan_init(struct ps_plan *p, const struct ps_env *env, char *buf,
		  size_t npages, uint32_t api, uint32_t flags,
		  const struct ps_range *r, size_t nranges)
{
	if (nranges > PS_MAX_RANGES)
		abort();
	*p = (struct ps_plan){
		.fd = env->helper_fd, .buf = buf, .npages = npages,
		.api = api, .flags = flags, .comm = env->comm,
		.nranges = nranges,
	};
	if (r)
		memcpy(p->r, r, nranges * sizeof(*r));
}

void ps_plan_free(struct ps_plan *p)
{
	size_t i;

	for (i = 0; i < p->nranges; i++) {
		free(p->pfns[i]);
		p->pfns[i] = NULL;
	}
	free(p->watch);
	p->watch = NULL;
}

void ps_check_pin_deltas(struct __test_metadata *_metadata,
			 const struct ps_test_stats *a,
			 const struct ps_test_stats *b,
			 const struct ps_vm *va,
			 const struct ps_vm *vb,
			 int64_t pins, bool longterm)
{
	int64_t acq = PS_DELTA(a, b, pins_acquired);
	int64_t rel = PS_DELTA(a, b, pins_released);

	EXPECT_EQ(pins, PS_DELTA(a, b, pins_outstanding));
	EXPECT_EQ(pins, PS_DELTA(a, b, api_pins));
	EXPECT_EQ(0, PS_DELTA(a, b, api_unpins));
	EXPECT_EQ(pins, acq - rel)
		TH_LOG("pins_acquired +%lld, pins_released +%lld",
		       (long long)acq, (long long)rel);
	/* Only a pin call's internal undo may release during a pin phase. */
	EXPECT_EQ(rel, PS_DELTA(a, b, rollback_unpins));
	if (!longterm) {
		EXPECT_EQ(0, rel);
	}
	EXPECT_EQ(0, PS_DELTA(a, b, untracked_unpins));
	/* The kernel's counters agree with pinshadow's ledger. */
	EXPECT_EQ(vb->acquired - va->acquired, acq)
		TH_LOG("nr_foll_pin_acquired moved by %lld",
		       (long long)(vb->acquired - va->acquired));
	EXPECT_EQ(vb->released - va->released, rel)
		TH_LOG("nr_foll_pin_released moved by %lld",
		       (long long)(vb->released - va->released));
}

void ps_check_unpin_deltas(struct __test_metadata *_metadata,
			   const struct ps_test_stats *a,
			   const struct ps_test_stats *b,
			   const struct ps_vm *va,
			   const struct ps_vm *vb,
			   int64_t pins)
{
	EXPECT_EQ(-pins, PS_DELTA(a, b, pins_outstanding));
	EXPECT_EQ(pins, PS_DELTA(a, b, api_unpins));
	EXPECT_EQ(pins, PS_DELTA(a, b, pins_released));
	EXPECT_EQ(0, PS_DELTA(a, b, pins_acquired));
	EXPECT_EQ(0, PS_DELTA(a, b, api_pins));
	EXPECT_EQ(0, PS_DELTA(a, b, rollback_unpins));
	EXPECT_EQ(0, PS_DELTA(a, b, untracked_unpins));
	EXPECT_EQ(0, vb->acquired - va->acquired);
	EXPECT_EQ(pins, vb->released - va->released);
}

void ps_check_transient_deltas(struct __test_metadata *_metadata,
			       const struct ps_test_stats *a,
			       const struct ps_test_stats *b,
			       const struct ps_vm *va, const struct ps_vm *vb,
			       int64_t pins)
{
	EXPECT_EQ(pins, PS_DELTA(a, b, pins_acquired));
	EXPECT_EQ(pins, PS_DELTA(a, b, pins_released));
	EXPECT_EQ(pins, PS_DELTA(a, b, api_pins));
	EXPECT_EQ(pins, PS_DELTA(a, b, api_unpins));
	EXPECT_EQ(0, PS_DELTA(a, b, rollback_unpins));
	EXPECT_EQ(0, PS_DELTA(a, b, untracked_unpins));
	EXPECT_EQ(0, b->v[PS_pins_outstanding]);
	EXPECT_EQ(pins, vb->acquired - va->acquired);
	EXPECT_EQ(pins, vb->released - va->released);
}

void ps_plan_run(struct __test_metadata *_metadata,
		 struct ps_plan *p, uint32_t unpin,
		 uint32_t make_dirty)
{
	bool folio_api = unpin == PSH_UNPIN_FOLIO || unpin == PSH_UNPIN_FOLIOS ||
			 unpin == PSH_UNPIN_USER_FOLIO;
	struct ps_test_stats a, b;
	struct ps_vm va, vb;
	size_t i;

	ps_get_stats(_metadata, &a);
	ps_get_vm(_metadata, &va);
	if (!ps_plan_pin(_metadata, p))
		return;
	ps_get_stats(_metadata, &b);
	ps_get_vm(_metadata, &vb);
	ps_check_pin_deltas(_metadata, &a, &b, &va, &vb, ps_plan_pins(p),
			    p->flags & PSH_F_LONGTERM);
	ps_plan_check(_metadata, p, true);

	for (i = 0; i < p->nranges; i++) {
		a = b;
		va = vb;
		ps_plan_unpin(_metadata, p, i, unpin, make_dirty);
		ps_get_stats(_metadata, &b);
		ps_get_vm(_metadata, &vb);
		ps_check_unpin_deltas(_metadata, &a, &b, &va, &vb,
				      p->r[i].nr);
		ps_plan_check(_metadata, p, !folio_api || !p->large);
	}
}
