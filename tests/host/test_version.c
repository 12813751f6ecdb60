// SPDX-License-Identifier: GPL-2.0
/*
 * One version everywhere: the file VERSION (built into the CLI and the
 * module as PINSHADOW_VERSION), the CLI's --version, debian/changelog (the
 * packages' version) and dkms.conf, which takes the package's version from
 * dh_dkms.  A release that bumps one and forgets another fails here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* The first line of @top/@name, without its newline; "" if unreadable. */
static void first_line(const char *name, const char *match, char *buf,
		       size_t size)
{
	char path[4096], line[512];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", th_top, name);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, match, strlen(match)))
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(buf, size, "%s", line);
		break;
	}
	fclose(f);
}

void test_version(void)
{
	char line[512], want[512], *out = NULL, *err = NULL;
	char *argv[] = { (char *)th_cli, "--version", NULL };
	char *env[] = { NULL };
	int rc;

	first_line("VERSION", "", line, sizeof(line));
	CHECK(line[0] && !strcmp(line, PINSHADOW_VERSION),
	      "version: VERSION says \"%s\", the build \"%s\"", line,
	      PINSHADOW_VERSION);

	rc = th_run(argv, env, &out, &err);
	if (out)
		out[strcspn(out, "\n")] = '\0';
	snprintf(want, sizeof(want), "pinshadow %s,", PINSHADOW_VERSION);
	CHECK(rc == 0 && out && strstr(out, want),
	      "version: --version prints \"%s\": %s", want, out ? out : "");
	free(out);
	free(err);

	/* Native package: its version is the release, with no revision. */
	first_line("debian/changelog", "pinshadow (", line, sizeof(line));
	snprintf(want, sizeof(want), "pinshadow (%s) ", PINSHADOW_VERSION);
	CHECK(!strncmp(line, want, strlen(want)),
	      "version: debian/changelog's last entry is %s: \"%s\"", want, line);

	first_line("dkms.conf", "PACKAGE_VERSION=", line, sizeof(line));
	CHECK(!strcmp(line, "PACKAGE_VERSION=\"#MODULE_VERSION#\""),
	      "version: dkms.conf takes the package's version: \"%s\"", line);
}
