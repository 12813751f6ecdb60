// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers of the real-client tests; see ps_client.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "parse.h"
#include "ps_client.h"

bool ps_have_prog(const char *prog)
{
	char path[256];

	snprintf(path, sizeof(path), "/bin/%s", prog);
	return !access(path, X_OK);
}

pid_t ps_spawn(char *const argv[], const char *log)
{
	int in, out;
	pid_t pid;

	in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	out = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (in < 0 || out < 0) {
		int err = -errno;

		if (in >= 0)
			close(in);
		return err;
	}
	pid = fork();
	if (!pid) {
		dup2(in, 0);
		dup2(out, 1);
		dup2(out, 2);
		execvp(argv[0], argv);
		dprintf(out, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(in);
	close(out);
	return pid < 0 ? -errno : pid;
}

int ps_wait_pid(pid_t pid, int ms, int *status)
{
	int64_t end = ps_now_ms() + ms;
	pid_t r;

	for (;;) {
		r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return 0;
		if (r < 0)
			return -errno;
		if (ps_now_ms() > end)
			return -ETIMEDOUT;
		ps_msleep(20);
	}
}

int ps_run(char *const argv[], const char *log, int ms)
{
	int status, err;
	pid_t pid;

	pid = ps_spawn(argv, log);
	if (pid < 0)
		return pid;
	err = ps_wait_pid(pid, ms, &status);
	if (err == -ETIMEDOUT) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	if (err)
		return err;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -EINTR;
}

void ps_kill_child(pid_t *pid)
{
	if (*pid > 0) {
		kill(*pid, SIGKILL);
		waitpid(*pid, NULL, 0);
	}
	*pid = -1;
}

void ps_log_tail(const char *path, char *buf, size_t len)
{
	ssize_t n;
	off_t size;
	int fd;

	buf[0] = '\0';
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	size = lseek(fd, 0, SEEK_END);
	if (size > (off_t)len - 1)
		lseek(fd, size - ((off_t)len - 1), SEEK_SET);
	else
		lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, len - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

/* A frame of @s is "SYMBOL+0x..." (maybe "[module]") with @fn in SYMBOL. */
static bool stack_names(const struct ps_stack *s, const char *fn)
{
	char frame[256], *plus;
	size_t i;

	for (i = 0; ps_stack_frame(s->frames, i, frame, sizeof(frame)); i++) {
		plus = strchr(frame, '+');
		if (plus)
			*plus = '\0';
		if (strstr(frame, fn))
			return true;
	}
	return false;
}

int ps_pins_by_frame(const char *fn, int64_t pid, struct ps_stack_pins *out)
{
	const struct ps_stack *s;
	struct ps_pin_row *rows;
	struct ps_stacks st;
	char *buf, err[PS_ERR_LEN];
	size_t nrows, i;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = ps_pins_read(&rows, &nrows);
	if (ret)
		return ret;
	ret = ps_read_file(PINSHADOW_DEBUGFS_DIR "/stacks", &buf, NULL);
	if (ret) {
		free(rows);
		return ret;
	}
	ret = ps_parse_stacks(buf, &st, err) ? -EPROTO : 0;
	free(buf);
	for (i = 0; !ret && i < nrows; i++) {
		s = ps_stacks_find(&st, rows[i].stack);
		if (!s || !stack_names(s, fn))
			continue;
		out->rows++;
		out->pins += rows[i].count;
		out->longterm += rows[i].longterm;
		if (rows[i].pid != pid)
			out->other_pid++;
	}
	if (!ret)
		ps_stacks_free(&st);
	free(rows);
	return ret;
}
