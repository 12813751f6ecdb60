/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pinshadow's in-kernel API, as the extra-PTE thread sketched it
 * (shadow_page_pincount_available(), shadow_page_pincount(),
 * page_really_is_dma_pinned()).  Exported GPL by pinshadow.ko; a module
 * that must load without it can use symbol_get().
 */
#ifndef PINSHADOW_H
#define PINSHADOW_H

#include <linux/types.h>

struct page;

/* The page's block exists and no event for its region was lost. */
bool pinshadow_page_pincount_available(struct page *page);
/* The exact number of FOLL_PIN pins on @page (0 if none are tracked). */
int pinshadow_page_pincount(struct page *page);
/* Exact when available, else folio_maybe_dma_pinned(). */
bool pinshadow_page_really_is_dma_pinned(struct page *page);

#endif /* PINSHADOW_H */
