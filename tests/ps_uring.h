/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fixture of the tests that register a buffer of each kind as an
 * io_uring fixed buffer (FOLL_LONGTERM pins): pin_io_uring and pin_pool.
 */
#ifndef PS_URING_H
#define PS_URING_H

#include <liburing.h>

#include "ps_check.h"

/*
 * Fixture @name, with the variants of PS_BUF_KIND_VARIANTS(): a ring and a
 * buffer of @nsmall order-0 pages or @nfolios 2 MiB folios (self->npages
 * pages), not yet registered.  The teardown waits up to @wait_ms for the
 * ring's pins to go.
 */
#define PS_URING_FIXTURE(name, nsmall, nfolios, wait_ms)		\
	FIXTURE(name) {							\
		struct ps_env env;					\
		struct io_uring ring;					\
		bool ring_live;						\
		char *buf;						\
		size_t npages;						\
	};								\
	PS_BUF_KIND_VARIANTS(name);					\
	FIXTURE_SETUP(name)						\
	{								\
		int err;						\
									\
		ps_fixture_setup(_metadata, &self->env);		\
		self->buf = ps_kind_buf(_metadata, variant->kind,	\
					nsmall, nfolios,		\
					&self->npages);			\
		if (!self->buf)						\
			SKIP(return, "no %s here",			\
			     ps_buf_kind_name(variant->kind));		\
		if (variant->kind == PS_BUF_HUGETLB &&			\
		    ps_hugetlb_longterm_warns(self->buf))		\
			SKIP(return, "FOLL_LONGTERM of a ZONE_MOVABLE hugetlb page WARNs in this kernel"); \
		err = io_uring_queue_init(8, &self->ring, 0);		\
		if (err)						\
			SKIP(return, "io_uring_queue_init: %s",		\
			     strerror(-err));				\
		self->ring_live = true;					\
	}								\
	FIXTURE_TEARDOWN(name)						\
	{								\
		if (self->ring_live)					\
			io_uring_queue_exit(&self->ring);		\
		ps_fixture_teardown(_metadata, &self->env, wait_ms);	\
	}

#endif /* PS_URING_H */
