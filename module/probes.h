/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kprobes and kretprobes that feed the ledgers.  A probe whose symbol the
 * running kernel lacks stays unarmed and is reported so; the module loads.
 */
#ifndef PINSHADOW_PROBES_H
#define PINSHADOW_PROBES_H

#include <linux/seq_file.h>
#include <linux/types.h>

int ps_probes_register(void);
void ps_probes_unregister(void);
/* Whether the folio ledger's probes were asked for (module parameter). */
bool ps_folio_ledger(void);
/* Sum of every probe's nmissed. */
unsigned long ps_probes_missed(void);
/*
 * The "probes" table: name symbol armed hits nmissed state reason; the
 * state says whether each probe works (probes.c, probe_state()).
 */
void ps_probes_show(struct seq_file *m);
/* Load and reset, probes quiesced: silence is judged from here. */
void ps_probes_reset(void);

#endif /* PINSHADOW_PROBES_H */
