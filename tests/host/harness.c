// SPDX-License-Identifier: GPL-2.0
/*
 * Host-test runner.  Usage: host-test [path/to/pinshadow]; without the
 * binary the end-to-end CLI tests are skipped (reported as such).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "debugfs.h"

static int passed, failed, number;
static char tmpdir[] = "/tmp/pinshadow-host-test.XXXXXX";
const char *th_cli;
const char *th_top;

void th_check(bool ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", ok ? "" : "not ", ++number);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (!ok)
		printf(" # at %s:%d", file, line);
	putchar('\n');
	if (ok)
		passed++;
	else
		failed++;
	fflush(stdout);
}

const char *th_tmpdir(void)
{
	return tmpdir;
}

static void mkdirs(const char *path)
{
	char buf[4096], *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
	}
}

void th_pwrite(const char *dir, const char *name, const void *buf,
	       size_t len, long long offset)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	mkdirs(path);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	if (fd < 0 || pwrite(fd, buf, len, offset) != (ssize_t)len) {
		fprintf(stderr, "host-test: writing %s: %s\n", path,
			strerror(errno));
		exit(2);
	}
	close(fd);
}

void th_write(const char *dir, const char *name, const char *text)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	th_pwrite(dir, name, text, strlen(text), 0);
}

int th_run(char *const argv[], char *const env[], char **out, char **err)
{
	return th_run_interrupted(argv, env, 0, out, err);
}

int th_run_interrupted(char *const argv[], char *const env[], int after_ms,
		       char **out, char **err)
{
	char outp[4096], errp[4096];
	int status, i;
	pid_t pid;

	snprintf(outp, sizeof(outp), "%s/run.out", tmpdir);
	snprintf(errp, sizeof(errp), "%s/run.err", tmpdir);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int o = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(o, 1);
		dup2(e, 2);
		unsetenv("PINSHADOW_DEBUGFS_DIR");
		unsetenv("PINSHADOW_PROC");
		for (i = 0; env && env[i]; i++)
			putenv(env[i]);
		execv(argv[0], argv);
		_exit(127);
	}
	if (after_ms > 0) {
		usleep((useconds_t)after_ms * 1000);
		kill(pid, SIGINT);
	}
	waitpid(pid, &status, 0);
	if (ps_slurp(outp, out, NULL))
		*out = strdup("");
	if (ps_slurp(errp, err, NULL))
		*err = strdup("");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void cleanup(void)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd))
		fprintf(stderr, "host-test: could not remove %s\n", tmpdir);
}

int main(int argc, char **argv)
{
	th_cli = argc > 1 ? argv[1] : NULL;
	th_top = argc > 2 ? argv[2] : ".";
	if (!mkdtemp(tmpdir)) {
		perror("host-test: mkdtemp");
		return 2;
	}
	atexit(cleanup);
	test_json();
	test_parse();
	test_opts();
	test_procmap();
	test_runs();
	test_readable();
	test_selfcheck();
	test_cli();
	test_version();
	printf("1..%d\n", number);
	printf("host-test: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
