// SPDX-License-Identifier: GPL-2.0
/*
 * pinshadow: the kernel stack of each pin call (debugfs `stacks`, the
 * `stack` column of `pins`, `stack=` of `lookup`), and orphaned pins: pins
 * whose process has exited, left by the helper's leaking "driver".
 *
 * A pin's stack starts at the pin API's own frame and names its caller:
 * the helper's ioctl code ([pinshadow_test_helper]), its psh_leak_pin(), or
 * io_uring's buffer registration.  With capture_stacks=0 no stack is kept.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "ps_check.h"
#include "ps_client.h"
#include "parse.h"

#define NPAGES		4
#define CAPTURE_PARAM	"/sys/module/pinshadow/parameters/capture_stacks"
#define FRAMES_MAX	4096

enum how { HOW_PIN, HOW_LEAK, HOW_URING, HOW_TWO_CALLS };

/*
 * One row of `stacks`, through the CLI's parser; -ENOENT if @handle has
 * none, -EPROTO if the file does not parse.
 */
static int stack_row(int64_t handle, int64_t *pages, int64_t *calls,
		     char *frames, size_t len)
{
	char *buf, err[PS_ERR_LEN];
	const struct ps_stack *s;
	struct ps_stacks st;
	int ret;

	if (ps_read_file(PINSHADOW_DEBUGFS_DIR "/stacks", &buf, NULL))
		return -EIO;
	ret = ps_parse_stacks(buf, &st, err);
	free(buf);
	if (ret)
		return -EPROTO;
	s = ps_stacks_find(&st, handle);
	ret = -ENOENT;
	if (s) {
		*pages = (int64_t)s->pages;
		*calls = (int64_t)s->calls;
		snprintf(frames, len, "%s", s->frames);
		ret = 0;
	}
	ps_stacks_free(&st);
	return ret;
}

/* A frame of @frames is "@fn+0x..." (with or without "[module]"). */
static bool has_frame(const char *frames, const char *fn)
{
	size_t n = strlen(fn);
	const char *p = frames;

	for (;;) {
		if (!strncmp(p, fn, n) && p[n] == '+')
			return true;
		p = strchr(p, ',');
		if (!p)
			return false;
		p++;
	}
}

/* No frame is a raw address: each is "?" or symbol+0xoff/0xsize. */
static bool frames_symbolic(const char *frames, char *bad, size_t len)
{
	char copy[FRAMES_MAX], *save = NULL, *f;

	snprintf(copy, sizeof(copy), "%s", frames);
	for (f = strtok_r(copy, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
		if (!strcmp(f, "?"))
			continue;
		if (!strncmp(f, "0x", 2) || !strstr(f, "+0x") ||
		    !strchr(f, '/')) {
			snprintf(bad, len, "%s", f);
			return false;
		}
	}
	return true;
}

/* The `pins` row of @pfn; false if it has none. */
static bool pin_row(uint64_t pfn, struct ps_pin_row *out)
{
	struct ps_pin_row *rows;
	size_t nr, i;
	bool found = false;

	if (ps_pins_read(&rows, &nr))
		return false;
	for (i = 0; i < nr; i++) {
		if (rows[i].pfn == pfn) {
			*out = rows[i];
			found = true;
		}
	}
	free(rows);
	return found;
}

/* @lk through the CLI's parser. */
static void lookup_parsed(struct __test_metadata *_metadata,
			  const struct ps_lookup *lk, struct ps_pin *p)
{
	char err[PS_ERR_LEN];

	ASSERT_EQ(0, ps_parse_lookup(lk->line, p, err))
		TH_LOG("%s: %s", err, lk->line);
}

static int psh_leak(int fd, void *addr, uint64_t nr, struct psh_leak *req)
{
	memset(req, 0, sizeof(*req));
	req->addr = (uintptr_t)addr;
	req->nr_pages = nr;
	req->flags = PSH_F_WRITE | PSH_F_LONGTERM;
	return ioctl(fd, PSH_IOC_LEAK, req) ? -errno : 0;
}

static int psh_leak_release(int fd, uint32_t id, uint64_t *pages)
{
	struct psh_leak_release req = { .id = id };

	if (ioctl(fd, PSH_IOC_LEAK_RELEASE, &req))
		return -errno;
	*pages = req.pages;
	return 0;
}

FIXTURE(stacks) {
	struct ps_env env;
	struct io_uring ring;
	bool ring_live;
	bool capture_off;
	uint32_t leak_id;
	char *buf;
};

FIXTURE_VARIANT(stacks) {
	enum how how;
	bool capture;
	/* A frame the stack must have, and a second acceptable one. */
	const char *fn;
	const char *fn_alt;
	const char *fn_alt2;
};

/*
 * The helper's ioctl calls pin_user_pages_fast() (psh_ioctl_pin() and
 * psh_do_pin() may be inlined into psh_ioctl()).
 */
FIXTURE_VARIANT_ADD(stacks, helper_pin) {
	.how = HOW_PIN, .capture = true,
	.fn = "psh_ioctl", .fn_alt = "psh_ioctl_pin", .fn_alt2 = "psh_do_pin",
};

/* The leaking "driver". */
FIXTURE_VARIANT_ADD(stacks, helper_leak) {
	.how = HOW_LEAK, .capture = true, .fn = "psh_leak_pin",
};

/* io_uring fixed buffers: the frames name io_uring's registration. */
FIXTURE_VARIANT_ADD(stacks, io_uring) {
	.how = HOW_URING, .capture = true,
	.fn = "io_sqe_buffer_register", .fn_alt = "io_pin_pages",
	.fn_alt2 = "io_sqe_buffers_register",
};

/* Two calls of one API by one task, with different stacks. */
FIXTURE_VARIANT_ADD(stacks, two_stacks) {
	.how = HOW_TWO_CALLS, .capture = true,
	.fn = "psh_ioctl", .fn_alt = "psh_ioctl_pin", .fn_alt2 = "psh_do_pin",
};

FIXTURE_VARIANT_ADD(stacks, capture_off) {
	.how = HOW_PIN, .capture = false,
};

FIXTURE_SETUP(stacks)
{
	char why[256] = "";
	int err;

	ASSERT_EQ(0, ps_env_setup(&self->env, why, sizeof(why)))
		TH_LOG("%s", why);
	if (!variant->capture) {
		ASSERT_EQ(0, ps_write_s64(CAPTURE_PARAM, 0));
		self->capture_off = true;
	}
	self->buf = ps_small_buf(_metadata, 2 * NPAGES);
	if (variant->how == HOW_URING) {
		err = io_uring_queue_init(8, &self->ring, 0);
		if (err)
			SKIP(return, "io_uring_queue_init: %s", strerror(-err));
		self->ring_live = true;
	}
}

FIXTURE_TEARDOWN(stacks)
{
	char why[1024];
	uint64_t pages;

	if (self->ring_live)
		io_uring_queue_exit(&self->ring);
	if (self->leak_id)
		psh_leak_release(self->env.helper_fd, self->leak_id, &pages);
	if (self->capture_off)
		ps_write_s64(CAPTURE_PARAM, 1);
	EXPECT_EQ(0, ps_env_teardown(&self->env, 10000, why, sizeof(why)))
		TH_LOG("%s", why);
}

/* Pins @n pages at @addr the variant's way. */
static void pin_them(struct __test_metadata *_metadata,
		     FIXTURE_DATA(stacks) *self, enum how how, char *addr,
		     size_t n)
{
	struct iovec iov = { .iov_base = addr, .iov_len = n * PS_PAGE_SIZE };
	struct psh_leak leak;
	struct psh_pin pin;
	int err;

	switch (how) {
	case HOW_PIN:
	case HOW_TWO_CALLS:
		ASSERT_EQ(0, psh_pin(self->env.helper_fd, addr, n, PSH_PIN_FAST,
				     PSH_F_WRITE, &pin));
		ASSERT_EQ((int64_t)n, pin.result);
		break;
	case HOW_LEAK:
		ASSERT_EQ(0, psh_leak(self->env.helper_fd, addr, n, &leak));
		ASSERT_EQ((int64_t)n, leak.result);
		ASSERT_NE(0U, leak.id);
		self->leak_id = leak.id;
		break;
	case HOW_URING:
		err = io_uring_register_buffers(&self->ring, &iov, 1);
		ASSERT_EQ(0, err) TH_LOG("register: %s", strerror(-err));
		break;
	}
}

/* A slow TCG guest reads `pins` and `stacks` slowly. */
TEST_F_TIMEOUT(stacks, pin_shows_stack, 180)
{
	int64_t handle = 0, pages, calls, lost0, v;
	uint64_t pfns[NPAGES], got = 0;
	char frames[FRAMES_MAX], bad[256];
	struct ps_pin_row row;
	struct ps_lookup lk;
	struct psh_leak leak;
	struct ps_pin lp;
	size_t i;

	lost0 = ps_stat(_metadata, "lost_stacks");
	pin_them(_metadata, self, variant->how, self->buf, NPAGES);
	ps_buf_pfns(_metadata, self->buf, NPAGES, pfns);

	for (i = 0; i < NPAGES; i++) {
		ASSERT_TRUE(pin_row(pfns[i], &row))
			TH_LOG("no pins row for page %zu", i);
		EXPECT_EQ(0, row.orphaned);
		if (!variant->capture) {
			EXPECT_EQ(-1, row.stack);
			continue;
		}
		ASSERT_GT(row.stack, 0);
		if (!i)
			handle = row.stack;
		/* One call, one stack. */
		EXPECT_EQ(handle, row.stack);
	}
	ASSERT_EQ(0, ps_lookup_addr(getpid(), (uintptr_t)self->buf, &lk));
	lookup_parsed(_metadata, &lk, &lp);
	EXPECT_EQ(0, lp.orphaned) TH_LOG("lookup: %s", lk.line);
	if (!variant->capture) {
		/* "stack=-" */
		EXPECT_EQ(-1, lp.stack) TH_LOG("lookup: %s", lk.line);
		EXPECT_EQ(lost0, ps_stat(_metadata, "lost_stacks"));
		return;
	}
	EXPECT_EQ(handle, lp.stack) TH_LOG("lookup: %s", lk.line);

	ASSERT_EQ(0, stack_row(handle, &pages, &calls, frames,
			       sizeof(frames)));
	EXPECT_EQ(NPAGES, pages);
	EXPECT_GE(calls, 1);
	EXPECT_TRUE(frames_symbolic(frames, bad, sizeof(bad)))
		TH_LOG("raw frame %s in %s", bad, frames);
	/* It starts at the pin API and names its caller. */
	EXPECT_TRUE(has_frame(frames, row.api))
		TH_LOG("no %s frame in %s", row.api, frames);
	EXPECT_TRUE(has_frame(frames, variant->fn) ||
		    (variant->fn_alt && has_frame(frames, variant->fn_alt)) ||
		    (variant->fn_alt2 && has_frame(frames, variant->fn_alt2)))
		TH_LOG("no %s frame in %s", variant->fn, frames);
	if (variant->how == HOW_PIN || variant->how == HOW_LEAK ||
	    variant->how == HOW_TWO_CALLS)
		EXPECT_TRUE(strstr(frames, "[pinshadow_test_helper]") != NULL)
			TH_LOG("no helper frame in %s", frames);

	EXPECT_GE(ps_stat(_metadata, "stacks"), 1);
	EXPECT_GT(ps_stat(_metadata, "stack_bytes"), 0);
	EXPECT_EQ(lost0, ps_stat(_metadata, "lost_stacks"));

	if (variant->how == HOW_TWO_CALLS) {
		/*
		 * The same task and API, at once, from another function:
		 * another stack, so not the first call's record.
		 */
		ASSERT_EQ(0, psh_leak(self->env.helper_fd,
				      self->buf + NPAGES * PS_PAGE_SIZE, 1,
				      &leak));
		self->leak_id = leak.id;
		ASSERT_TRUE(pin_row(ps_virt_to_pfn(self->buf +
						   NPAGES * PS_PAGE_SIZE),
				    &row));
		EXPECT_GT(row.stack, 0);
		EXPECT_NE(handle, row.stack);
		ASSERT_EQ(0, stack_row(row.stack, &pages, &v, frames,
				       sizeof(frames)));
		EXPECT_TRUE(has_frame(frames, "psh_leak_pin"))
			TH_LOG("second call's frames: %s", frames);
		EXPECT_EQ(1, pages);
	}

	/* Released: no page left under the stack. */
	switch (variant->how) {
	case HOW_PIN:
	case HOW_TWO_CALLS:
		ASSERT_EQ(0, psh_unpin(self->env.helper_fd, 0,
				       PSH_UNPIN_PAGES, 0));
		break;
	case HOW_LEAK:
		ASSERT_EQ(0, psh_leak_release(self->env.helper_fd,
					      self->leak_id, &got));
		EXPECT_EQ((uint64_t)NPAGES, got);
		self->leak_id = 0;
		break;
	case HOW_URING:
		ASSERT_EQ(0, io_uring_unregister_buffers(&self->ring));
		break;
	}
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, stack_row(handle, &pages, &calls, frames,
				       sizeof(frames)));
		if (!pages)
			break;
		ps_msleep(20);
	}
	EXPECT_EQ(0, pages);
}

/*
 * Orphans: a child leaks pins through the helper and exits.  Its pins stay,
 * now orphaned, with the helper's psh_leak_pin() in their stack, until the
 * helper releases them.
 */
FIXTURE(orphan) {
	struct ps_env env;
	pid_t child;
	uint32_t leak_id;
};

FIXTURE_VARIANT(orphan) {
	bool reap;	/* wait for the child, else leave it a zombie */
};

FIXTURE_VARIANT_ADD(orphan, reaped) {
	.reap = true,
};

FIXTURE_VARIANT_ADD(orphan, zombie) {
	.reap = false,
};

FIXTURE_SETUP(orphan)
{
	char why[256] = "";

	ASSERT_EQ(0, ps_env_setup(&self->env, why, sizeof(why)))
		TH_LOG("%s", why);
}

FIXTURE_TEARDOWN(orphan)
{
	char why[1024];
	uint64_t pages;

	ps_kill_child(&self->child);
	if (self->leak_id)
		psh_leak_release(self->env.helper_fd, self->leak_id, &pages);
	EXPECT_EQ(0, ps_env_teardown(&self->env, 10000, why, sizeof(why)))
		TH_LOG("%s", why);
}

struct leak_msg {
	int32_t err;
	uint32_t id;
	uint64_t pfns[NPAGES];
};

/* The child: leak NPAGES pages, say which, wait for the word, exit. */
static void leak_child(int out, int in)
{
	struct leak_msg msg = { 0 };
	struct psh_leak req;
	char *buf, c;
	int fd, i;

	buf = ps_mmap_aligned(NPAGES * PS_PAGE_SIZE, PS_PAGE_SIZE,
			      PROT_READ | PROT_WRITE, 0);
	fd = psh_open();
	if (!buf || fd < 0 || ps_nohuge(buf, NPAGES * PS_PAGE_SIZE)) {
		msg.err = -ENOMEM;
	} else {
		memset(buf, 0x6b, NPAGES * PS_PAGE_SIZE);
		msg.err = psh_leak(fd, buf, NPAGES, &req);
		if (!msg.err && req.result != NPAGES)
			msg.err = -EIO;
		msg.id = req.id;
		for (i = 0; i < NPAGES; i++)
			msg.pfns[i] = ps_virt_to_pfn(buf + i * PS_PAGE_SIZE);
	}
	if (write(out, &msg, sizeof(msg)) != sizeof(msg))
		_exit(1);
	if (read(in, &c, 1) < 0)
		_exit(1);
	/* The file closes here: the leak is not the file's. */
	_exit(0);
}

/* The child is a zombie: exited, not waited for. */
static bool is_zombie(pid_t pid)
{
	char path[64], *buf, *p;
	bool z = false;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (ps_read_file(path, &buf, NULL))
		return false;
	p = strrchr(buf, ')');
	z = p && p[1] == ' ' && p[2] == 'Z';
	free(buf);
	return z;
}

TEST_F_TIMEOUT(orphan, leak_outlives_process, 180)
{
	int to_child[2], from_child[2], i, status;
	int64_t handle, pages, calls;
	char frames[FRAMES_MAX];
	struct ps_pin_row row;
	struct leak_msg msg;
	struct ps_lookup lk;
	struct ps_pin lp;
	struct ps_test_stats st;
	uint64_t got = 0;

	ASSERT_EQ(0, pipe(to_child));
	ASSERT_EQ(0, pipe(from_child));
	self->child = fork();
	ASSERT_GE(self->child, 0);
	if (!self->child) {
		close(to_child[1]);
		close(from_child[0]);
		leak_child(from_child[1], to_child[0]);
	}
	close(to_child[0]);
	close(from_child[1]);
	ASSERT_EQ((ssize_t)sizeof(msg), read(from_child[0], &msg, sizeof(msg)));
	ASSERT_EQ(0, msg.err) TH_LOG("child: %s", strerror(-msg.err));
	self->leak_id = msg.id;

	/* Alive: not orphaned. */
	for (i = 0; i < NPAGES; i++) {
		ASSERT_TRUE(pin_row(msg.pfns[i], &row));
		EXPECT_EQ(1, row.count);
		EXPECT_EQ(self->child, row.pid);
		EXPECT_EQ(0, row.orphaned);
	}

	/* Gone. */
	ASSERT_EQ(1, write(to_child[1], "x", 1));
	close(to_child[1]);
	close(from_child[0]);
	if (variant->reap) {
		ASSERT_EQ(self->child, waitpid(self->child, &status, 0));
		self->child = 0;
	} else {
		for (i = 0; i < 500 && !is_zombie(self->child); i++)
			ps_msleep(10);
		ASSERT_TRUE(is_zombie(self->child));
	}

	handle = 0;
	for (i = 0; i < NPAGES; i++) {
		ASSERT_TRUE(pin_row(msg.pfns[i], &row))
			TH_LOG("the leak's page %d lost its pin", i);
		EXPECT_EQ(1, row.count);
		EXPECT_EQ(1, row.orphaned);
		ASSERT_GT(row.stack, 0);
		handle = row.stack;
	}
	ASSERT_EQ(0, ps_lookup_pfn(msg.pfns[0], &lk));
	lookup_parsed(_metadata, &lk, &lp);
	EXPECT_EQ(1, lp.orphaned) TH_LOG("lookup: %s", lk.line);
	ASSERT_EQ(0, stack_row(handle, &pages, &calls, frames,
			       sizeof(frames)));
	EXPECT_EQ(NPAGES, pages);
	EXPECT_TRUE(has_frame(frames, "psh_leak_pin"))
		TH_LOG("frames: %s", frames);

	/* Released by the "driver": nothing left, ledgers = vmstat. */
	ASSERT_EQ(0, psh_leak_release(self->env.helper_fd, self->leak_id,
				      &got));
	self->leak_id = 0;
	EXPECT_EQ((uint64_t)NPAGES, got);
	ps_wait_outstanding(_metadata, 0, 5000, &st);
	EXPECT_EQ(0, st.v[PS_pins_outstanding]);
	EXPECT_EQ(st.v[PS_vmstat_acquired] + st.v[PS_vmstat_bypass_pins],
		  st.v[PS_pins_acquired]);
	EXPECT_EQ(st.v[PS_vmstat_released], st.v[PS_pins_released]);
	for (i = 0; i < NPAGES; i++)
		EXPECT_FALSE(pin_row(msg.pfns[i], &row));
}

TEST_HARNESS_MAIN
