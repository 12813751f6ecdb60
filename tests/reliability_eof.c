// SPDX-License-Identifier: GPL-2.0
/*
 * Every debugfs file's read ends, the way `cat` reads it.
 *
 * fresh_fd: each readable file in the directory (listed, not named here,
 * so a new file is covered), read in 4 KiB reads on a fresh fd, reaches
 * end of file, and stays there.  The one exception is a read of `lookup`
 * before any write: ENODATA (README.md, "lookup").
 *
 * after_write: each writable file gets one harmless command on an fd open
 * for reading and writing, then the same fd is read to its end: `lookup`
 * answers once (one line, then end of file, again and again) and a new
 * write arms a new answer; a file with no read (`control`) refuses the
 * read instead of giving data.
 *
 * A read that never ends is cut at 64 MiB and counts as a failure.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "ps_check.h"

#define READ_LIMIT	(64 << 20)

/* The command each writable file gets; a file not listed fails the test. */
static const struct {
	const char *name;
	const char *cmd;	/* "%lx": the PFN of a page of this test */
} write_cmds[] = {
	{ "lookup", "pfn 0x%lx" },
	{ "control", "flush" },
};

/* Bytes read until end of file, -errno, or -EFBIG past READ_LIMIT. */
static long read_to_end(int fd)
{
	static char buf[4096];
	long total = 0;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		total += n;
		if (total > READ_LIMIT)
			return -EFBIG;
	}
	return n < 0 ? -errno : total;
}

static const char *write_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(write_cmds) / sizeof(write_cmds[0]); i++)
		if (!strcmp(write_cmds[i].name, name))
			return write_cmds[i].cmd;
	return NULL;
}

FIXTURE(eof) {
	struct ps_env env;
	DIR *dir;
	char *page;
	unsigned long pfn;
};

FIXTURE_SETUP(eof)
{
	ps_fixture_setup(_metadata, &self->env);
	self->dir = opendir(PINSHADOW_DEBUGFS_DIR);
	ASSERT_NE(NULL, self->dir);
	self->page = ps_small_buf(_metadata, 1);
	self->pfn = ps_virt_to_pfn(self->page);
	if (!self->pfn)
		SKIP(return, "no PFN from /proc/self/pagemap");
}

FIXTURE_TEARDOWN(eof)
{
	if (self->dir)
		closedir(self->dir);
	ps_fixture_teardown(_metadata, &self->env, 1000);
}

/* The next regular file of the directory and its mode; NULL at the end. */
static const char *next_file(DIR *dir, mode_t *mode)
{
	struct dirent *de;
	struct stat st;

	while ((de = readdir(dir))) {
		if (fstatat(dirfd(dir), de->d_name, &st, 0) ||
		    !S_ISREG(st.st_mode))
			continue;
		*mode = st.st_mode;
		return de->d_name;
	}
	return NULL;
}

TEST_F(eof, fresh_fd)
{
	char path[256];
	const char *name;
	mode_t mode;
	int fd, nfiles = 0;
	long got;

	while ((name = next_file(self->dir, &mode))) {
		if (!(mode & S_IRUSR))
			continue;
		snprintf(path, sizeof(path), "%s/%s", PINSHADOW_DEBUGFS_DIR, name);
		fd = open(path, O_RDONLY);
		ASSERT_LE(0, fd) TH_LOG("%s: %s", path, strerror(errno));
		got = read_to_end(fd);
		if (!strcmp(name, "lookup")) {
			EXPECT_EQ(-ENODATA, got) TH_LOG("lookup before a write");
		} else {
			EXPECT_LE(0, got) TH_LOG("%s: %s", name, strerror(-got));
		}
		/* At the end, it stays there. */
		if (got >= 0) {
			EXPECT_EQ(0, read_to_end(fd)) TH_LOG("%s: read again", name);
		}
		close(fd);
		nfiles++;
	}
	EXPECT_LE(8, nfiles);
}

TEST_F(eof, after_write)
{
	char path[256], cmd[64];
	const char *name, *fmt;
	int fd, round, nfiles = 0;
	mode_t mode;
	long got;

	while ((name = next_file(self->dir, &mode))) {
		if (!(mode & S_IWUSR))
			continue;
		fmt = write_cmd(name);
		ASSERT_NE(NULL, fmt) TH_LOG("%s: no command for it here", name);
		snprintf(path, sizeof(path), "%s/%s", PINSHADOW_DEBUGFS_DIR, name);
		fd = open(path, O_RDWR);
		ASSERT_LE(0, fd) TH_LOG("%s: %s", path, strerror(errno));
		/* Two rounds: a new write arms a new answer. */
		for (round = 0; round < 2; round++) {
			snprintf(cmd, sizeof(cmd), fmt, self->pfn);
			ASSERT_EQ((ssize_t)strlen(cmd), write(fd, cmd, strlen(cmd)))
				TH_LOG("%s: write \"%s\": %s", name, cmd, strerror(errno));
			got = read_to_end(fd);
			if (mode & S_IRUSR) {
				/* One answer line. */
				EXPECT_LT(1, got) TH_LOG("%s: %ld", name, got);
				EXPECT_GT(256, got) TH_LOG("%s: %ld bytes", name, got);
				EXPECT_EQ(0, read_to_end(fd)) TH_LOG("%s: read again", name);
			} else {
				EXPECT_EQ(-EINVAL, got) TH_LOG("%s: read of a write-only file", name);
			}
		}
		close(fd);
		nfiles++;
	}
	EXPECT_EQ(2, nfiles);
}

TEST_HARNESS_MAIN
