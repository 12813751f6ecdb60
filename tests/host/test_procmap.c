// SPDX-License-Identifier: GPL-2.0
/* /proc/PID/maps parsing, and a scan of a made-up /proc with a pagemap. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "procmap.h"

static bool line_ok(const char *text, struct ps_vma *v)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "%s", text);
	return ps_parse_maps_line(buf, v);
}

static void maps_lines(void)
{
	struct ps_vma v;

	CHECK(line_ok("7f0000000000-7f0000800000 rw-p 00000000 00:00 0 ", &v) &&
	      v.start == 0x7f0000000000 && v.end == 0x7f0000800000 &&
	      !strcmp(v.perms, "rw-p") && !strcmp(v.name, ""),
	      "maps: anonymous mapping");
	CHECK(line_ok("55d0c0a00000-55d0c0a21000 rw-p 00000000 00:00 0                          [heap]\n", &v) &&
	      !strcmp(v.name, "[heap]"), "maps: [heap], newline trimmed");
	CHECK(line_ok("7f1e2b400000-7f1e2b428000 r--p 00000000 08:01 1835049                    /usr/lib/x86_64-linux-gnu/libc.so.6", &v) &&
	      !strcmp(v.name, "/usr/lib/x86_64-linux-gnu/libc.so.6") &&
	      !strcmp(v.perms, "r--p"), "maps: file mapping");
	CHECK(line_ok("7f1e2b400000-7f1e2b401000 rw-s 00000000 00:05 1024 /memfd:dma buf (deleted)", &v) &&
	      !strcmp(v.name, "/memfd:dma buf (deleted)"),
	      "maps: name with spaces and (deleted)");
	CHECK(line_ok("ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]", &v) &&
	      v.start == 0xffffffffff600000ULL, "maps: [vsyscall]");
	CHECK(!line_ok("7f0000000000 rw-p 00000000 00:00 0", &v),
	      "maps: no range is malformed");
	CHECK(!line_ok("7f00zz000000-7f0000800000 rw-p 00000000 00:00 0", &v),
	      "maps: bad hex is malformed");
	CHECK(!line_ok("2000-1000 rw-p 00000000 00:00 0", &v),
	      "maps: end before start is malformed");
	CHECK(!line_ok("1000-2000 rw-p 00000000 00:00", &v),
	      "maps: missing inode is malformed");
	CHECK(!line_ok("1000-2000 rw", &v), "maps: truncated line is malformed");
	CHECK(!line_ok("10000000000000000-10000000000000001 rw-p 0 00:00 0", &v),
	      "maps: address over 64 bits is malformed");
}

static void maps_file(void)
{
	struct ps_maps m;

	CHECK(ps_parse_maps("1000-2000 r--p 00000000 00:00 0 /a\n"
			    "2000-4000 rw-p 00000000 00:00 0\n"
			    "\n"
			    "5000-6000 rw-p 00000000 00:00 0 [stack]", &m) == 0 &&
	      m.n == 3 && !strcmp(m.v[0].name, "/a") && !strcmp(m.v[1].name, "") &&
	      !strcmp(m.v[2].name, "[stack]"), "maps: whole file");
	ps_maps_free(&m);
	CHECK(ps_parse_maps("", &m) == 0 && m.n == 0, "maps: empty (kernel thread)");
	ps_maps_free(&m);
	CHECK(ps_parse_maps("1000-2000 r--p 00000000 00:00 0 /a\nbroken\n", &m) != 0,
	      "maps: a malformed line fails the file");
}

static void put_pagemap(const char *proc, uint64_t va, uint64_t pfn)
{
	uint64_t e = pfn | PM_PRESENT;

	th_pwrite(proc, "100/pagemap", &e, sizeof(e),
		  (long long)(va / ps_page_size() * 8));
}

static void scan(void)
{
	char proc[4096], comm[PS_COMM_LEN];
	struct ps_pin pins[3] = { { .pfn = 0x1000 }, { .pfn = 0x1001 },
				  { .pfn = 0x9000 } };
	size_t ps = ps_page_size(), nhits;
	struct ps_hit *hits;
	struct ps_maps maps;
	uint64_t swapped = (1ULL << 62) | 0x1001;

	snprintf(proc, sizeof(proc), "%s/proc", th_tmpdir());
	th_write(proc, "100/comm", "pinload\n");
	th_write(proc, "100/maps",
		 "400000-404000 rw-p 00000000 00:00 0 \n"
		 "500000-502000 rw-p 00000000 00:00 0 /dev/zero (deleted)\n");
	put_pagemap(proc, 0x400000, 0x7777);		/* not pinned */
	put_pagemap(proc, 0x400000 + ps, 0x1000);
	put_pagemap(proc, 0x400000 + 2 * ps, 0x1001);
	put_pagemap(proc, 0x500000, 0x1000);		/* mapped twice */
	/* A swap entry's bits are not a PFN even when they look like one. */
	th_pwrite(proc, "100/pagemap", &swapped, 8,
		  (long long)((0x500000 + ps) / ps * 8));

	CHECK(ps_scan_process(proc, 100, pins, 3, &maps, &hits, &nhits, comm,
			      sizeof(comm)) == 0, "scan: fake process");
	CHECK(!strcmp(comm, "pinload"), "scan: comm");
	CHECK(maps.n == 2, "scan: two mappings");
	CHECK(nhits == 3, "scan: three pinned pages mapped (got %zu)", nhits);
	if (nhits == 3) {
		CHECK(hits[0].va == 0x400000 + ps && hits[0].pin == 0 &&
		      hits[0].vma == 0, "scan: first hit");
		CHECK(hits[1].va == 0x400000 + 2 * ps && hits[1].pin == 1,
		      "scan: second hit");
		CHECK(hits[2].va == 0x500000 && hits[2].pin == 0 &&
		      hits[2].vma == 1, "scan: same PFN in a second mapping");
	}
	free(hits);
	ps_maps_free(&maps);
	CHECK(ps_scan_process(proc, 101, pins, 3, &maps, &hits, &nhits, comm,
			      sizeof(comm)) != 0, "scan: a vanished process is an error");
	CHECK(ps_find_pfn(pins, 3, 0x9000) == 2 && ps_find_pfn(pins, 3, 0x42) == -1,
	      "scan: PFN lookup");
}

void test_procmap(void)
{
	maps_lines();
	maps_file();
	scan();
}
