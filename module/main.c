// SPDX-License-Identifier: GPL-2.0
/*
 * pinshadow: an exact, per-page count of FOLL_PIN pins, kept beside the
 * kernel's folio_maybe_dma_pinned() guess.  Module init and exit only; each
 * concern lives in its own file.
 */
#include <linux/module.h>

#include "cow.h"
#include "debugfs.h"
#include "ledger.h"
#include "pool.h"
#include "probes.h"
#include "records.h"
#include "stacks.h"
#include "stats.h"
#include "table.h"

/* Counting starts only once every probe is armed (probes.c). */
static int probes_start(void)
{
	int err = ps_probes_register();

	if (!err)
		ps_ledger_start();
	return err;
}

/* No ledger work while probes are being disarmed (probes.c). */
static void probes_stop(void)
{
	ps_disable();
	ps_probes_unregister();
}

/* Brought up in this order, torn down in the reverse one. */
static const struct {
	int (*init)(void);
	void (*exit)(void);
} steps[] = {
	{ ps_pools_init, ps_pools_exit },
	{ ps_stacks_init, ps_stacks_exit },
	{ ps_records_init, ps_records_exit },
	{ ps_table_init, ps_table_exit },
	{ ps_cow_init, ps_cow_exit },
	{ probes_start, probes_stop },
	{ ps_debugfs_init, ps_debugfs_exit },
};

/* Undoes steps[0..n) in reverse. */
static void steps_exit(size_t n)
{
	while (n--)
		steps[n].exit();
}

static int __init pinshadow_init(void)
{
	size_t i;
	int err;

	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		err = steps[i].init();
		if (err) {
			steps_exit(i);
			return err;
		}
	}
	pr_info("loaded, tracking PFNs below 0x%lx\n", ps_table_end_pfn());
	return 0;
}

static void __exit pinshadow_exit(void)
{
	steps_exit(ARRAY_SIZE(steps));
}

module_init(pinshadow_init);
module_exit(pinshadow_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Exact per-page DMA pin (FOLL_PIN) counts beside the kernel's guess");
MODULE_AUTHOR("pinshadow developers");
MODULE_VERSION(PINSHADOW_VERSION);
