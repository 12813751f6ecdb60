/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ledgers the probes feed.
 *
 * Page ledger: subpage-exact counts credited when a pin API returns its
 * pages and debited by the unpin APIs.  Folio ledger: FOLL_PIN refs as
 * try_grab_*() and gup_put_folio() move them, the same events the kernel's
 * nr_foll_pin_* counters see, so that the two reconcile.
 */
#ifndef PINSHADOW_LEDGER_H
#define PINSHADOW_LEDGER_H

#include <linux/mm_types.h>
#include <linux/types.h>

#include "records.h"

/* Counting on?  False while disabled or while a reset is in progress. */
bool ps_active(void);
/* Bumped by every reset; a pin call that spans a reset is forgotten. */
unsigned int ps_epoch(void);

void ps_ledger_start(void);
void ps_enable(void);
void ps_disable(void);
bool ps_enabled(void);
/* Forget every count and statistic; sleeps. */
void ps_reset(void);

/*
 * A call whose net effect on the FOLL_PIN count is known (see ledger.c,
 * "Frames"), kept in its kretprobe instance from entry to return.
 */
struct ps_frame {
	struct ps_frame *parent;
	s64 acquired;		/* refs counted as grabbed inside it */
	s64 released;		/* refs counted as released inside it */
	unsigned int epoch;
	s8 irq_level;		/* -1: the task's; else irq_top[] of this CPU */
	bool pin_call;		/* a pin API: releases inside are rollbacks */
	bool nested_api;	/* a probed call returned inside it */
	bool pushed;
};

/*
 * Open @f as the innermost call of this context (of the task if
 * @task_call: a call made only in task context); false if it could not be
 * (no room left: a lost event).  Pop it where the call returns: if @known,
 * the call's net effect @net (pins taken minus released) is made whole.
 */
bool ps_frame_push(struct ps_frame *f, bool pin_call, bool task_call);
void ps_frame_pop(struct ps_frame *f, bool known, s64 net);
/* FOLL_PIN refs frames counted that no probe saw: grabs, or releases. */
s64 ps_ledger_reconciled(bool released);

/*
 * True if an unpin of @nr pins here is a rollback inside a pin call of
 * the current task (not debited from the pages).
 */
bool ps_unpin_is_rollback(unsigned long nr);

/* The pins credited, i.e. the entries that are neither NULL nor zero. */
unsigned long ps_ledger_pin_pages(struct page **pages, unsigned long nr,
				  bool longterm, struct ps_call *call);
unsigned long ps_ledger_pin_folios(struct folio **folios, unsigned long nr,
				   unsigned long first_offset, bool longterm,
				   struct ps_call *call);
/* folio_add_pins(): @pins more pins on a pinned @folio (see ledger.c). */
unsigned long ps_ledger_add_pins(struct folio *folio, unsigned long pins,
				 struct ps_call *call);
/*
 * Record references the pages give up go to @puts: flush it after.  False
 * for the zero page, which holds no pin.
 */
bool ps_ledger_unpin_page(struct page *page, struct ps_puts *puts);
void ps_ledger_unpin_folio(struct folio *folio, unsigned long nr,
			   struct ps_puts *puts);

void ps_ledger_grabbed(struct folio *folio, int refs);
void ps_ledger_put(struct folio *folio, int refs);
/* folio_add_pin(): a pin nr_foll_pin_acquired never sees. */
void ps_ledger_bypass_pin(struct folio *folio);

#endif /* PINSHADOW_LEDGER_H */
