// SPDX-License-Identifier: GPL-2.0
/*
 * pagemap is read in chunks per mapping, so the cost is one 8-byte entry
 * per virtual page a process has mapped: a 1 GiB buffer is 2 MiB of
 * pagemap.  Processes come and go during a scan; one that vanished is not
 * an error, just absent from the report.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "debugfs.h"
#include "exitcodes.h"
#include "procmap.h"

int ps_for_each_pid(struct ps_ctx *c,
		    int (*fn)(struct ps_ctx *c, int pid, void *arg),
		    void *arg)
{
	struct dirent *de;
	DIR *d = opendir(c->proc);
	int ret = PS_EXIT_OK;

	if (!d)
		return ps_fail(c, PS_EXIT_FAILURE, "%s: %s", c->proc,
			       strerror(errno));
	while (ret == PS_EXIT_OK && (de = readdir(d)) != NULL) {
		char *end;
		long pid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0)
			continue;
		ret = fn(c, (int)pid, arg);
	}
	closedir(d);
	return ret;
}

#define PAGEMAP_CHUNK	4096	/* entries per pread: 32 KiB */

size_t ps_page_size(void)
{
	static size_t size;

	if (!size) {
		long s = sysconf(_SC_PAGESIZE);

		size = s > 0 ? (size_t)s : 4096;
	}
	return size;
}

static bool parse_hex(const char *s, const char *end, uint64_t *v)
{
	uint64_t x = 0;

	if (s == end || end - s > 16)
		return false;
	for (; s < end; s++) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return false;
		x = x << 4 | (uint64_t)d;
	}
	*v = x;
	return true;
}

/* Skip one field of non-blanks and the blanks after it. */
static char *skip_field(char *s)
{
	while (*s && *s != ' ' && *s != '\t')
		s++;
	if (!*s)
		return NULL;
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/*
 * start-end perms offset dev inode [name]: the name is everything after
 * the inode and its padding, spaces included ("(deleted)" too).
 */
bool ps_parse_maps_line(char *line, struct ps_vma *vma)
{
	char *dash = strchr(line, '-'), *sp = strchr(line, ' '), *p, *end;

	if (!dash || !sp || dash > sp)
		return false;
	if (!parse_hex(line, dash, &vma->start) ||
	    !parse_hex(dash + 1, sp, &vma->end) || vma->end <= vma->start)
		return false;
	p = sp + 1;
	if (strlen(p) < 5 || p[4] != ' ')
		return false;
	memcpy(vma->perms, p, 4);
	vma->perms[4] = '\0';
	p = skip_field(p);		/* perms */
	if (p)
		p = skip_field(p);	/* offset */
	if (p)
		p = skip_field(p);	/* dev */
	if (!p)
		return false;
	/* The inode, then an optional name. */
	end = p;
	while (*end >= '0' && *end <= '9')
		end++;
	if (end == p || (*end && *end != ' ' && *end != '\t' && *end != '\n'))
		return false;
	while (*end == ' ' || *end == '\t')
		end++;
	p = end + strlen(end);
	while (p > end && (p[-1] == '\n' || p[-1] == '\r'))
		*--p = '\0';
	vma->name = end;
	return true;
}

int ps_parse_maps(const char *text, struct ps_maps *m)
{
	char *line, *cur, *nl;
	size_t cap = 0;

	memset(m, 0, sizeof(*m));
	m->buf = strdup(text);
	if (!m->buf)
		return -1;
	for (cur = m->buf; *cur; cur = nl ? nl + 1 : cur + strlen(cur)) {
		line = cur;
		nl = strchr(cur, '\n');
		if (nl)
			*nl = '\0';
		if (!*line)
			continue;
		if (m->n == cap) {
			struct ps_vma *v;

			cap = cap ? cap * 2 : 64;
			v = realloc(m->v, cap * sizeof(*v));
			if (!v)
				goto fail;
			m->v = v;
		}
		if (!ps_parse_maps_line(line, &m->v[m->n]))
			goto fail;
		m->n++;
		if (!nl)
			break;
	}
	return 0;
fail:
	ps_maps_free(m);
	return -1;
}

void ps_maps_free(struct ps_maps *m)
{
	free(m->v);
	free(m->buf);
	memset(m, 0, sizeof(*m));
}

long ps_find_pfn(const struct ps_pin *pins, size_t npins, uint64_t pfn)
{
	size_t lo = 0, hi = npins;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pins[mid].pfn == pfn)
			return (long)mid;
		if (pins[mid].pfn < pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

struct hit_vec {
	struct ps_hit *v;
	size_t n, cap;
};

static int push_hit(struct hit_vec *h, uint64_t va, size_t pin, size_t vma)
{
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 256;
		struct ps_hit *v = realloc(h->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		h->v = v;
		h->cap = cap;
	}
	h->v[h->n].va = va;
	h->v[h->n].pin = (uint32_t)pin;
	h->v[h->n].vma = (uint32_t)vma;
	h->n++;
	return 0;
}

/* The pinned pages mapped in [vma->start, vma->end), via pagemap. */
static int scan_vma(int fd, const struct ps_vma *vma, size_t vma_index,
		    const struct ps_pin *pins, size_t npins,
		    struct hit_vec *hits)
{
	static uint64_t buf[PAGEMAP_CHUNK];
	size_t ps = ps_page_size();
	uint64_t va = vma->start;

	while (va < vma->end) {
		uint64_t left = (vma->end - va) / ps;
		size_t want = left < PAGEMAP_CHUNK ? (size_t)left : PAGEMAP_CHUNK;
		ssize_t got = pread(fd, buf, want * 8, (off_t)(va / ps * 8));
		size_t i, n;

		if (got < 0)
			return errno == EINTR ? 0 : -errno;
		n = (size_t)got / 8;
		if (n == 0)
			break;	/* beyond what pagemap covers ([vsyscall]) */
		for (i = 0; i < n; i++) {
			uint64_t pfn = buf[i] & PM_PFN_MASK;
			long pin;

			if (!(buf[i] & PM_PRESENT) || !pfn)
				continue;
			pin = ps_find_pfn(pins, npins, pfn);
			if (pin >= 0 &&
			    push_hit(hits, va + i * ps, (size_t)pin, vma_index))
				return -ENOMEM;
		}
		va += n * ps;
	}
	return 0;
}

static void read_comm(const char *proc, int pid, char *comm, size_t size)
{
	char path[256], *text, *nl;

	snprintf(path, sizeof(path), "%s/%d/comm", proc, pid);
	if (ps_slurp(path, &text, NULL)) {
		snprintf(comm, size, "?");
		return;
	}
	nl = strchr(text, '\n');
	if (nl)
		*nl = '\0';
	snprintf(comm, size, "%s", text);
	free(text);
}

/* /proc/PID/maps (or a saved copy) of @pid into @maps, and its comm. */
static int read_maps(const char *proc, int pid, struct ps_maps *maps,
		     char *comm, size_t comm_size)
{
	char path[4096], *text;
	int err;

	memset(maps, 0, sizeof(*maps));
	snprintf(path, sizeof(path), "%s/%d/maps", proc, pid);
	err = ps_slurp(path, &text, NULL);
	if (err)
		return err;
	err = ps_parse_maps(text, maps);
	free(text);
	if (err)
		return -EPROTO;
	read_comm(proc, pid, comm, comm_size);
	return 0;
}

int ps_scan_process(const char *proc, int pid, const struct ps_pin *pins,
		    size_t npins, struct ps_maps *maps, struct ps_hit **hits,
		    size_t *nhits, char *comm, size_t comm_size)
{
	struct hit_vec h = { 0 };
	char path[256];
	size_t i;
	int fd, err;

	*hits = NULL;
	*nhits = 0;
	err = read_maps(proc, pid, maps, comm, comm_size);
	if (err)
		return err;
	if (maps->n == 0 || npins == 0)
		return 0;	/* kernel thread, or nothing to look for */

	snprintf(path, sizeof(path), "%s/%d/pagemap", proc, pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		ps_maps_free(maps);
		return err;
	}
	for (i = 0; i < maps->n; i++) {
		err = scan_vma(fd, &maps->v[i], i, pins, npins, &h);
		if (err == -ENOMEM)
			break;
		err = 0;	/* a mapping that went away meanwhile */
	}
	close(fd);
	if (err) {
		free(h.v);
		ps_maps_free(maps);
		return err;
	}
	*hits = h.v;
	*nhits = h.n;
	return 0;
}

int ps_scan_saved_process(const char *proc, int pid, const struct ps_pin *pins,
			  size_t npins, struct ps_maps *maps,
			  struct ps_hit **hits, size_t *nhits, char *comm,
			  size_t comm_size)
{
	struct hit_vec h = { 0 };
	char path[4096], *text, err[PS_ERR_LEN];
	struct ps_vapfn *v;
	size_t i, k = 0, n;
	int ret;

	*hits = NULL;
	*nhits = 0;
	ret = read_maps(proc, pid, maps, comm, comm_size);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/%d/pinned", proc, pid);
	ret = ps_slurp(path, &text, NULL);
	if (ret == -ENOENT)
		return 0;	/* saved as a pinner only */
	if (ret)
		goto fail;
	ret = ps_parse_vapfn(text, &v, &n, err);
	free(text);
	if (ret) {
		ret = -EPROTO;
		goto fail;
	}
	/* Both in address order: walk the mappings along. */
	for (i = 0; i < n; i++) {
		long pin = ps_find_pfn(pins, npins, v[i].pfn);

		while (k < maps->n && maps->v[k].end <= v[i].va)
			k++;
		if (pin < 0 || k == maps->n || maps->v[k].start > v[i].va)
			continue;
		if (push_hit(&h, v[i].va, (size_t)pin, k)) {
			free(v);
			free(h.v);
			ret = -ENOMEM;
			goto fail;
		}
	}
	free(v);
	*hits = h.v;
	*nhits = h.n;
	return 0;
fail:
	ps_maps_free(maps);
	return ret;
}
