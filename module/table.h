/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The shadow table: an exact pin count for every page, keyed by PFN and laid
 * out like the "extra PTE" design: a directory with one slot per 2 MiB (PMD)
 * region, pointing to lazily allocated blocks of eight-byte entries, one
 * block per 1 MiB half of the region.
 */
#ifndef PINSHADOW_TABLE_H
#define PINSHADOW_TABLE_H

#include <linux/bits.h>
#include <linux/types.h>

#include "records.h"

/* A region: one directory slot, 2 MiB of PFNs. */
#define PS_REGION_SHIFT	9
#define PS_REGION_PAGES	BIT(PS_REGION_SHIFT)
/* A block: entries for half a region, 2 KiB, allocated on first use. */
#define PS_BLOCK_SHIFT	8
#define PS_BLOCK_PAGES	BIT(PS_BLOCK_SHIFT)
#define PS_BLOCK_BYTES	(PS_BLOCK_PAGES * 8)

/* One page's entry, decoded. */
struct ps_entry {
	u32 count;	/* exact number of FOLL_PIN pins held */
	u32 longterm;	/* how many of them are FOLL_LONGTERM */
	u32 handle;	/* pin-call record: who, which API, since when */
};

int ps_table_init(void);
void ps_table_exit(void);
/* The table, the call records and the pools, up and down together. */
int ps_shadow_init(void);
void ps_shadow_exit(void);
/* Forget every count.  The caller has quiesced the probes. */
void ps_table_reset(void);

/*
 * Pins and unpins; the caller holds rcu_read_lock() (probe handlers do).
 * Add one pin of @call to @pfn.
 */
void ps_table_pin(unsigned long pfn, bool longterm, struct ps_call *call);
/*
 * Remove one pin from @pfn; false if its count was already 0.  The record
 * reference a page gives up is added to @puts: ps_puts_flush() drops them.
 */
bool ps_table_unpin(unsigned long pfn, struct ps_puts *puts);
/*
 * Remove up to @nr pins from the pages [@pfn, @pfn + @nr_pages) that have
 * any, lowest PFN first.  Returns how many were removed.
 */
unsigned long ps_table_unpin_any(unsigned long pfn, unsigned long nr_pages,
				 unsigned long nr, struct ps_puts *puts);
/* Free now the blocks left empty, not PS_TRIM_DELAY later; sleeps. */
void ps_table_trim(void);

/*
 * Lookups; the caller holds rcu_read_lock().  ps_table_next() returns the
 * first PFN >= @pfn whose count is > 0, or ULONG_MAX.
 */
bool ps_table_read(unsigned long pfn, struct ps_entry *e);
unsigned long ps_table_next(unsigned long pfn, struct ps_entry *e);
/* True if @pfn was pinned since the last reset (the sticky bit). */
bool ps_table_ever_pinned(unsigned long pfn);
/* True if any page of @pfn's 2 MiB region of PFNs has a count. */
bool ps_table_region_pinned(unsigned long pfn);
/*
 * True if the table has a block in @pfn's 2 MiB region (maybe an empty one):
 * the region is tracked, @pfn's count is exact unless ps_table_lost().
 */
bool ps_table_has_block(unsigned long pfn);
/* True if an event for @pfn's region was lost since the last reset. */
bool ps_table_lost(unsigned long pfn);

unsigned long ps_table_end_pfn(void);
/* Directory and blocks: the extra-PTE table itself. */
u64 ps_table_bytes(void);
/* The "ever pinned" bitmaps, kept only for the sticky what-if policy. */
u64 ps_table_sticky_bytes(void);

#endif /* PINSHADOW_TABLE_H */
