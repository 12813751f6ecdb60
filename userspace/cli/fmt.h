/* SPDX-License-Identifier: GPL-2.0 */
/* Numbers for people: ages and sizes, into caller buffers. */
#ifndef PS_FMT_H
#define PS_FMT_H

#include <stddef.h>
#include <stdint.h>

/* "850ms", "12.3s", "5m03s", "2h05m", "3d04h"; "-" when @ms < 0. */
const char *ps_fmt_age(int64_t ms, char *buf, size_t size);
/* "2026-12-02T13:40:00.123Z". */
const char *ps_fmt_utc(int64_t unix_ms, char *buf, size_t size);
/* "4.0KiB", "8.0MiB", "1.0GiB". */
const char *ps_fmt_bytes(uint64_t bytes, char *buf, size_t size);

#endif /* PS_FMT_H */
