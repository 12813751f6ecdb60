// SPDX-License-Identifier: GPL-2.0
/*
 * pinshadow, 6.12 only: pins taken by the block layer and by udmabuf.
 *
 * - O_DIRECT reads from a null_blk device pin the user buffer with
 *   pin_user_pages_fast() (iov_iter_extract_pages()) and release it at bio
 *   completion, in interrupt context, with unpin_user_folio(folio, nr).
 *   6.1 takes FOLL_GET references there instead: nothing to count.
 * - /dev/udmabuf pins the memfd's folios with memfd_pin_folios() (one pin
 *   per folio) until the dma-buf is released, then unpin_folio() each.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/udmabuf.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "ps_check.h"

#define NULLB_DEV	"/dev/nullb0"
#define CONFIGFS	"/sys/kernel/config"
#define NULLB_CFS	CONFIGFS "/nullb"
#define DIO_PAGES	16
#define DIO_LEN		(DIO_PAGES * PS_PAGE_SIZE)
/* Completion delay of the test's own null_blk device. */
#define DELAY_NS	3000000000ULL
#define DELAY_MS	(DELAY_NS / 1000000)

static bool dio_pins(void)
{
	return ps_kernel_at_least(6, 12);
}

FIXTURE(dio) {
	struct ps_env env;
	char *buf;
	int fd;
	struct io_uring ring;
	bool ring_live;
	char cfs_dir[128];
	bool cfs_made;
};

FIXTURE_SETUP(dio)
{
	self->fd = -1;
	ps_fixture_setup(_metadata, &self->env);
	if (!dio_pins())
		SKIP(return, "O_DIRECT pins only from 6.12 on (FOLL_GET before)");
	self->buf = ps_small_buf(_metadata, DIO_PAGES);
}

static int cfs_write(const char *dir, const char *attr, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, attr);
	return ps_write_file(path, val);
}

FIXTURE_TEARDOWN(dio)
{
	if (self->ring_live)
		io_uring_queue_exit(&self->ring);
	if (self->fd >= 0)
		close(self->fd);
	if (self->cfs_made) {
		cfs_write(self->cfs_dir, "power", "0\n");
		rmdir(self->cfs_dir);
	}
	ps_fixture_teardown(_metadata, &self->env, 5000);
}

static void check_transient(struct __test_metadata *_metadata,
			    FIXTURE_DATA(dio) *self, const struct ps_test_stats *a,
			    const struct ps_vm *va)
{
	uint64_t pfns[DIO_PAGES];
	struct ps_expect e = {
		.watch = pfns, .nwatch = DIO_PAGES, .exact = true,
	};
	struct ps_test_stats b;
	struct ps_vm vb;

	ps_wait_outstanding(_metadata, 0, 5000, &b);
	ps_get_vm(_metadata, &vb);
	ps_buf_pfns(_metadata, self->buf, DIO_PAGES, pfns);
	ps_check_transient_deltas(_metadata, a, &b, va, &vb, DIO_PAGES);
	ps_check_pins(_metadata, &e);
}

TEST_F(dio, read_nullb0)
{
	struct ps_test_stats a;
	struct ps_vm va;

	self->fd = open(NULLB_DEV, O_RDONLY | O_DIRECT);
	if (self->fd < 0)
		SKIP(return, "%s: %s (null_blk not loaded?)", NULLB_DEV,
		     strerror(errno));
	ps_get_stats(_metadata, &a);
	ps_get_vm(_metadata, &va);
	ASSERT_EQ((ssize_t)DIO_LEN, pread(self->fd, self->buf, DIO_LEN, 0))
		TH_LOG("O_DIRECT read: %s", strerror(errno));
	check_transient(_metadata, self, &a, &va);
}

/*
 * A null_blk device of our own that completes after DELAY_NS from a timer
 * (irqmode=2): the pins stay while the read is in flight.
 */
static const char *make_slow_nullb(struct __test_metadata *_metadata,
				   FIXTURE_DATA(dio) *self, char *dev,
				   size_t len)
{
	char val[32];
	int i;

	if (access(NULLB_CFS, F_OK)) {
		mount("none", CONFIGFS, "configfs", 0, NULL);
		if (access(NULLB_CFS, F_OK))
			return "no " NULLB_CFS " (null_blk or configfs missing)";
	}
	snprintf(self->cfs_dir, sizeof(self->cfs_dir), "%s/psdelay%d",
		 NULLB_CFS, (int)getpid());
	if (mkdir(self->cfs_dir, 0755))
		return "mkdir in " NULLB_CFS " failed";
	self->cfs_made = true;
	snprintf(val, sizeof(val), "%llu\n", DELAY_NS);
	ASSERT_EQ(0, cfs_write(self->cfs_dir, "size", "64\n"));
	ASSERT_EQ(0, cfs_write(self->cfs_dir, "irqmode", "2\n"));
	ASSERT_EQ(0, cfs_write(self->cfs_dir, "completion_nsec", val));
	ASSERT_EQ(0, cfs_write(self->cfs_dir, "power", "1\n"));
	/* 6.12 names the disk after the configfs directory. */
	snprintf(dev, len, "/dev/psdelay%d", (int)getpid());
	for (i = 0; i < 100 && access(dev, F_OK); i++)
		ps_msleep(20);
	ASSERT_EQ(0, access(dev, F_OK)) TH_LOG("%s did not appear", dev);
	return NULL;
}

TEST_F_TIMEOUT(dio, read_in_flight, 60)
{
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct ps_pin_ent ents[DIO_PAGES];
	uint64_t pfns[DIO_PAGES];
	const char *skip;
	struct ps_test_stats a, st;
	struct ps_vm va;
	bool seen = false;
	int64_t end;
	char dev[64];
	int err;

	skip = make_slow_nullb(_metadata, self, dev, sizeof(dev));
	if (skip)
		SKIP(return, "%s", skip);
	self->fd = open(dev, O_RDONLY | O_DIRECT);
	ASSERT_LE(0, self->fd) TH_LOG("%s: %s", dev, strerror(errno));
	err = io_uring_queue_init(4, &self->ring, 0);
	if (err)
		SKIP(return, "io_uring_queue_init: %s", strerror(-err));
	self->ring_live = true;
	ps_buf_pfns(_metadata, self->buf, DIO_PAGES, pfns);

	ps_get_stats(_metadata, &a);
	ps_get_vm(_metadata, &va);
	sqe = io_uring_get_sqe(&self->ring);
	ASSERT_TRUE(sqe != NULL);
	io_uring_prep_read(sqe, self->fd, self->buf, DIO_LEN, 0);
	ASSERT_EQ(1, io_uring_submit(&self->ring));

	/* Until the completion, all pages hold one pin. */
	end = ps_now_ms() + DELAY_MS / 2;
	while (ps_now_ms() < end) {
		ps_get_stats(_metadata, &st);
		if (st.v[PS_pins_outstanding] == DIO_PAGES) {
			seen = true;
			break;
		}
		ps_msleep(10);
	}
	ASSERT_NE(0, io_uring_peek_cqe(&self->ring, &cqe))
		TH_LOG("the read completed before it could be observed");
	ASSERT_TRUE(seen) TH_LOG("pins_outstanding %lld, %d expected while the read is in flight",
				 (long long)st.v[PS_pins_outstanding],
				 DIO_PAGES);
	ps_pin_ents(ents, pfns, DIO_PAGES, 0);
	ps_check_pins(_metadata, &(struct ps_expect){
		.pins = ents, .npins = DIO_PAGES,
		.watch = pfns, .nwatch = DIO_PAGES, .exact = true,
		/* io_uring may issue it from an io-wq worker */
		.api = "pin_user_pages_fast",
	});
	ASSERT_NE(0, io_uring_peek_cqe(&self->ring, &cqe))
		TH_LOG("the read completed during the check: DELAY_NS too short");

	ASSERT_EQ(0, io_uring_wait_cqe(&self->ring, &cqe));
	EXPECT_EQ((int)DIO_LEN, cqe->res) TH_LOG("read: %s",
						 strerror(-cqe->res));
	io_uring_cqe_seen(&self->ring, cqe);
	check_transient(_metadata, self, &a, &va);
}

/* udmabuf */

enum memfd_kind { KIND_SHMEM, KIND_HUGETLB };

#define SHMEM_PAGES	16
#define HUGE_FOLIOS	2

FIXTURE(udmabuf) {
	struct ps_env env;
	int memfd;
	int devfd;
	int dmabuf;
	char *map;
	size_t size;
	size_t nfolios;
};

FIXTURE_VARIANT(udmabuf) {
	enum memfd_kind kind;
};

FIXTURE_VARIANT_ADD(udmabuf, shmem) {
	.kind = KIND_SHMEM,
};

FIXTURE_VARIANT_ADD(udmabuf, hugetlb) {
	.kind = KIND_HUGETLB,
};

FIXTURE_SETUP(udmabuf)
{
	self->memfd = self->devfd = self->dmabuf = -1;
	ps_fixture_setup(_metadata, &self->env);
	if (!ps_kernel_at_least(6, 12))
		SKIP(return, "udmabuf pins with memfd_pin_folios() from 6.12 on here");
	self->devfd = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (self->devfd < 0)
		SKIP(return, "/dev/udmabuf: %s", strerror(errno));
	if (variant->kind == KIND_HUGETLB) {
		self->size = HUGE_FOLIOS * PS_HPAGE_SIZE;
		self->nfolios = HUGE_FOLIOS;
	} else {
		self->size = SHMEM_PAGES * PS_PAGE_SIZE;
		self->nfolios = SHMEM_PAGES;
	}
	if (!ps_memfd_buf(_metadata, "pinshadow", variant->kind == KIND_HUGETLB,
			  self->size, &self->memfd, &self->map))
		return;
}

FIXTURE_TEARDOWN(udmabuf)
{
	if (self->dmabuf >= 0)
		close(self->dmabuf);
	ps_fixture_teardown(_metadata, &self->env, 5000);
}

TEST_F(udmabuf, create_close)
{
	struct udmabuf_create create = {
		.memfd = self->memfd, .flags = UDMABUF_FLAGS_CLOEXEC,
		.offset = 0, .size = self->size,
	};
	size_t npages = self->size / PS_PAGE_SIZE, i, n = 0, nwatch;
	size_t per_folio = npages / self->nfolios;
	struct ps_pin_ent *ents = calloc(self->nfolios, sizeof(*ents));
	uint64_t *pfns = calloc(npages, sizeof(*pfns)), *watch;
	struct ps_test_stats a, b;
	struct ps_vm va, vb;
	bool large;

	ASSERT_TRUE(ents && pfns);
	ps_get_stats(_metadata, &a);
	ps_get_vm(_metadata, &va);
	self->dmabuf = ioctl(self->devfd, UDMABUF_CREATE, &create);
	ASSERT_LE(0, self->dmabuf) TH_LOG("UDMABUF_CREATE: %s",
					  strerror(errno));
	ps_get_stats(_metadata, &b);
	ps_get_vm(_metadata, &vb);

	/* One pin per folio, whichever subpage pinshadow charges it to. */
	ps_buf_pfns(_metadata, self->map, npages, pfns);
	for (i = 0; i < npages; i += per_folio) {
		ents[n].pfn = pfns[i];
		ents[n].longterm = -1;
		n++;
	}
	nwatch = ps_folio_pfns(_metadata, pfns, npages, &watch, &large);
	ASSERT_EQ(variant->kind == KIND_HUGETLB, large);
	/* Long-term pins: those undone to migrate a folio count as rollbacks. */
	ps_check_pin_deltas(_metadata, &a, &b, &va, &vb, n, true);
	ps_check_pins(_metadata, &(struct ps_expect){
		.pins = ents, .npins = n,
		.watch = watch, .nwatch = nwatch,
		.exact = !large,
		.api = "memfd_pin_folios",
		.pid = getpid(), .comm = self->env.comm,
	});

	/* Closing the dma-buf releases every folio's pin. */
	a = b;
	ASSERT_EQ(0, close(self->dmabuf));
	self->dmabuf = -1;
	ps_wait_outstanding(_metadata, 0, 5000, &b);
	EXPECT_EQ((int64_t)n, PS_DELTA(&a, &b, pins_released));
	EXPECT_EQ((int64_t)n, PS_DELTA(&a, &b, api_unpins));
	EXPECT_EQ(0, PS_DELTA(&a, &b, pins_acquired));
	EXPECT_EQ(0, PS_DELTA(&a, &b, untracked_unpins));
	ps_check_pins(_metadata, &(struct ps_expect){
		.watch = watch, .nwatch = nwatch, .exact = true,
	});
	free(watch);
	free(pfns);
	free(ents);
}

TEST_HARNESS_MAIN
