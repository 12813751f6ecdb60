// SPDX-License-Identifier: GPL-2.0
/*
 * pinshadow and a real io_uring client: Debian's fio with ioengine=io_uring,
 * fixedbufs and direct=1 on a file of an ext4 file system (ext2 layout,
 * busybox's mke2fs) on a memory-backed null_blk device.  tmpfs has no
 * O_DIRECT before 6.6.
 *
 * fio registers its iodepth buffers of bs bytes with
 * IORING_REGISTER_BUFFERS: long-term pins for as long as the job runs.
 * O_DIRECT through a fixed buffer pins nothing more (a bvec iterator).  The
 * ring's exit releases them, from a kworker: a bounded wait.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "ps_check.h"
#include "ps_client.h"

#define CONFIGFS	"/sys/kernel/config"
#define NULLB_CFS	CONFIGFS "/nullb"
#define NULLB_NAME	"psfio"
#define NULLB_DIR	NULLB_CFS "/" NULLB_NAME
#define MNT		"/tmp/psfio"
#define LOG		"/tmp/pin_fio.log"
#define IODEPTH_S	"8"
#define BUF_PAGES	8		/* iodepth buffers of bs=4k */
#define RUNTIME_S	"10"
#define RUN_MS		180000
#define RELEASE_WAIT_MS	10000

FIXTURE(fio) {
	struct ps_env env;
	bool cfs_made;
	bool mounted;
	pid_t fio;
};

/*
 * The disk of the configfs device: 6.12 names it after the directory, 6.1
 * nullb<index>.  Empty if it does not appear.
 */
static void nullb_disk(char *dev, size_t len)
{
	int64_t index = -1, end = ps_now_ms() + 5000;

	ps_read_s64(NULLB_DIR "/index", &index);
	do {
		snprintf(dev, len, "/dev/" NULLB_NAME);
		if (!access(dev, F_OK))
			return;
		snprintf(dev, len, "/dev/nullb%lld", (long long)index);
		if (index >= 0 && !access(dev, F_OK))
			return;
		ps_msleep(50);
	} while (ps_now_ms() < end);
	dev[0] = '\0';
}

FIXTURE_SETUP(fio)
{
	char dev[64], tail[512];
	char *mkfs[] = { "mke2fs", "-F", "-b", "4096", dev, NULL };
	int rc;

	self->fio = -1;
	ps_fixture_setup(_metadata, &self->env);
	if (!ps_have_prog("fio"))
		SKIP(return, "no fio in the guest (VM_OVERLAY)");
	if (access(NULLB_CFS, F_OK))
		SKIP(return, "no " NULLB_CFS " (null_blk or configfs missing)");
	if (access("/sys/module/ext4", F_OK))
		SKIP(return, "ext4 not loaded: not in this kernel's modules (VM_EXTRA_MODULES)");
	unlink(LOG);

	ASSERT_EQ(0, mkdir(NULLB_DIR, 0755)) TH_LOG("mkdir " NULLB_DIR ": %s",
						   strerror(errno));
	self->cfs_made = true;
	/* 64 MiB kept in memory, so that a file system survives. */
	ASSERT_EQ(0, ps_write_file(NULLB_DIR "/size", "64\n"));
	ASSERT_EQ(0, ps_write_file(NULLB_DIR "/memory_backed", "1\n"));
	ASSERT_EQ(0, ps_write_file(NULLB_DIR "/power", "1\n"));
	nullb_disk(dev, sizeof(dev));
	ASSERT_NE(0, dev[0]) TH_LOG("the disk of " NULLB_DIR " did not appear");

	rc = ps_run(mkfs, LOG, 60000);
	ps_log_tail(LOG, tail, sizeof(tail));
	ASSERT_EQ(0, rc) TH_LOG("mke2fs %s: %s", dev, tail);
	mkdir(MNT, 0755);
	ASSERT_EQ(0, mount(dev, MNT, "ext4", 0, NULL))
		TH_LOG("mount %s: %s", dev, strerror(errno));
	self->mounted = true;
}

FIXTURE_TEARDOWN(fio)
{
	ps_kill_child(&self->fio);
	if (self->mounted)
		umount(MNT);
	if (self->cfs_made) {
		ps_write_file(NULLB_DIR "/power", "0\n");
		rmdir(NULLB_DIR);
	}
	ps_fixture_teardown(_metadata, &self->env, RELEASE_WAIT_MS);
}

/* `pins` rows of fio's buffers: comm fio; their pins and long-term pins. */
static void fio_rows(struct __test_metadata *_metadata, size_t *nrows,
		     int64_t *pins, int64_t *longterm)
{
	struct ps_pin_row *rows;
	size_t nr, i;

	ASSERT_EQ(0, ps_pins_read(&rows, &nr));
	*nrows = 0;
	*pins = 0;
	*longterm = 0;
	for (i = 0; i < nr; i++) {
		if (strcmp(rows[i].comm, "fio"))
			continue;
		(*nrows)++;
		*pins += rows[i].count;
		*longterm += rows[i].longterm;
	}
	free(rows);
}

TEST_F_TIMEOUT(fio, io_uring_fixedbufs_direct, 300)
{
	char *fio[] = { "fio", "--name=psfio", "--filename=" MNT "/data",
			"--size=8m", "--ioengine=io_uring", "--fixedbufs",
			"--direct=1", "--rw=randrw", "--bs=4k",
			"--iodepth=" IODEPTH_S, "--time_based", "--runtime=" RUNTIME_S,
			NULL };
	struct ps_test_stats a, b, c;
	struct ps_vm va;
	int64_t end, settle_end, last, pins = 0, longterm = 0;
	size_t nrows = 0;
	bool seen = false;
	char tail[1024];
	int status, rc;

	self->fio = ps_client_start(_metadata, fio, LOG, &a, &va);

	/* While the job runs: its registered buffers, long-term pinned. */
	end = ps_now_ms() + RUN_MS;
	while (ps_now_ms() < end) {
		rc = ps_wait_pid(self->fio, 0, &status);
		if (!rc) {
			self->fio = -1;
			break;
		}
		ps_get_stats(_metadata, &b);
		if (b.v[PS_longterm_outstanding] > 0) {
			seen = true;
			break;
		}
		ps_msleep(50);
	}
	ps_log_tail(LOG, tail, sizeof(tail));
	ASSERT_TRUE(seen) TH_LOG("no long-term pins while fio ran: %s", tail);
	/*
	 * The registration pins one buffer after the other: count when the
	 * figure stood still for a while.
	 */
	settle_end = ps_now_ms() + 10000;
	do {
		last = b.v[PS_longterm_outstanding];
		ps_msleep(300);
		ps_get_stats(_metadata, &b);
	} while (b.v[PS_longterm_outstanding] != last &&
		 ps_now_ms() < settle_end);
	fio_rows(_metadata, &nrows, &pins, &longterm);
	EXPECT_EQ(BUF_PAGES, b.v[PS_longterm_outstanding]);
	EXPECT_EQ(BUF_PAGES, b.v[PS_pins_outstanding]);
	EXPECT_EQ((size_t)BUF_PAGES, nrows);
	EXPECT_EQ(BUF_PAGES, pins);
	EXPECT_EQ(BUF_PAGES, longterm);

	ps_client_end(_metadata, &self->fio, RUN_MS, LOG, "fio");

	/* The ring is gone: every pin released, as vmstat says. */
	ps_check_all_released(_metadata, &a, &va, RELEASE_WAIT_MS, &c);
	EXPECT_LE(BUF_PAGES, PS_DELTA(&a, &c, api_pins));
}

TEST_HARNESS_MAIN
