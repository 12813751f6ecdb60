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
 * A pin call of the current task is in progress (between the entry and the
 * return of a pin API).  Unpins it makes meanwhile are internal rollbacks of
 * pins never handed to the caller.  enter returns false if no mark could be
 * kept; exit only when enter returned true.
 */
bool ps_pin_call_enter(void);
void ps_pin_call_exit(void);
/* True if an unpin of @nr pins here is such a rollback (not debited). */
bool ps_unpin_is_rollback(unsigned long nr);

void ps_ledger_pin_pages(struct page **pages, unsigned long nr,
			 bool longterm, struct ps_call *call);
void ps_ledger_pin_folios(struct folio **folios, unsigned long nr,
			  bool longterm, struct ps_call *call);
/* Record references the pages give up go to @puts: flush it after. */
void ps_ledger_unpin_page(struct page *page, struct ps_puts *puts);
void ps_ledger_unpin_folio(struct folio *folio, unsigned long nr,
			   struct ps_puts *puts);

void ps_ledger_grabbed(struct folio *folio, int refs);
void ps_ledger_put(struct folio *folio, int refs);

#endif /* PINSHADOW_LEDGER_H */
