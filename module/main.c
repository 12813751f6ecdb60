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
#include "probes.h"
#include "stacks.h"
#include "stats.h"
#include "table.h"

static int __init pinshadow_init(void)
{
	int err;

	err = ps_stacks_init();
	if (err)
		goto err_stacks;
	err = ps_shadow_init();
	if (err)
		goto err_shadow;
	err = ps_cow_init();
	if (err)
		goto err_cow;
	err = ps_probes_register();
	if (err)
		goto err_probes;
	ps_ledger_start();
	err = ps_debugfs_init();
	if (err)
		goto err_debugfs;
	pr_info("loaded, tracking PFNs below 0x%lx\n", ps_table_end_pfn());
	return 0;

err_debugfs:
	ps_disable();
	ps_probes_unregister();
err_probes:
	ps_cow_exit();
err_cow:
	ps_shadow_exit();
err_shadow:
	ps_stacks_exit();
err_stacks:
	return err;
}

static void __exit pinshadow_exit(void)
{
	ps_debugfs_exit();
	/* No ledger work while probes are being disarmed (probes.c). */
	ps_disable();
	ps_probes_unregister();
	ps_cow_exit();
	ps_shadow_exit();
	ps_stacks_exit();
}

module_init(pinshadow_init);
module_exit(pinshadow_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Exact per-page DMA pin (FOLL_PIN) counts beside the kernel's guess");
MODULE_AUTHOR("pinshadow developers");
MODULE_VERSION(PINSHADOW_VERSION);
