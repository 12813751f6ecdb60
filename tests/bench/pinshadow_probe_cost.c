// SPDX-License-Identifier: GPL-2.0
/*
 * pinshadow_probe_cost: what a probe mechanism costs by itself, for section D
 * of `make bench`.  It hooks the two functions of the pin loop,
 * pin_user_pages_fast() and unpin_user_pages(), at entry and at return,
 * with handlers that do nothing: the price of the mechanism alone, which
 * pinshadow's own handlers can only add to.
 *
 *   mech=kretprobe   what pinshadow uses (kprobes on ftrace, rethook)
 *   mech=fprobe      ftrace with a return hook (CONFIG_FPROBE): rethook up
 *                    to 6.13, the function graph tracer from 6.14
 *
 * Loading fails with -EOPNOTSUPP when the kernel has no such mechanism
 * (Debian's 6.1 is built without CONFIG_FPROBE).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fprobe.h>
#include <linux/kprobes.h>
#include <linux/module.h>

#include "compat.h"

static char *mech = "kretprobe";
module_param(mech, charp, 0400);
MODULE_PARM_DESC(mech, "kretprobe or fprobe");

static const char *const syms[] = { "pin_user_pages_fast", "unpin_user_pages" };

static int kret_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	return 0;	/* 0: the return is hooked too */
}

static int kret_exit(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	return 0;
}

static struct kretprobe krps[ARRAY_SIZE(syms)];

static int kret_register(void)
{
	int i, err;

	for (i = 0; i < ARRAY_SIZE(syms); i++) {
		krps[i].kp.symbol_name = syms[i];
		krps[i].entry_handler = kret_entry;
		krps[i].handler = kret_exit;
		krps[i].maxactive = 64;
		err = register_kretprobe(&krps[i]);
		if (err) {
			while (i--)
				unregister_kretprobe(&krps[i]);
			return err;
		}
	}
	return 0;
}

static void kret_unregister(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(syms); i++)
		unregister_kretprobe(&krps[i]);
}

#ifdef CONFIG_FPROBE

static int fp_entry(struct fprobe *fp, unsigned long entry_ip,
		    unsigned long ret_ip, struct psb_fprobe_regs *regs, void *data)
{
	return 0;	/* 0: the return is hooked too */
}

static void fp_exit(struct fprobe *fp, unsigned long entry_ip,
		    unsigned long ret_ip, struct psb_fprobe_regs *regs, void *data)
{
}

static struct fprobe fp = {
	.entry_handler = fp_entry,
	.exit_handler = fp_exit,
};

static int fp_register(void)
{
	/* register_fprobe_syms() sorts the array it is given: a copy. */
	static const char *fp_syms[ARRAY_SIZE(syms)];

	memcpy(fp_syms, syms, sizeof(syms));
	return register_fprobe_syms(&fp, fp_syms, ARRAY_SIZE(fp_syms));
}

static void fp_unregister(void)
{
	unregister_fprobe(&fp);
}
#else
static int fp_register(void)
{
	return -EOPNOTSUPP;
}

static void fp_unregister(void)
{
}
#endif

static bool use_fprobe;

static int __init probe_cost_init(void)
{
	int err;

	if (!strcmp(mech, "fprobe")) {
		use_fprobe = true;
	} else if (strcmp(mech, "kretprobe")) {
		pr_err("mech=%s: not kretprobe or fprobe\n", mech);
		return -EINVAL;
	}
	err = use_fprobe ? fp_register() : kret_register();
	if (err)
		pr_err("%s on %s and %s: error %d\n", mech, syms[0], syms[1],
		       err);
	return err;
}

static void __exit probe_cost_exit(void)
{
	if (use_fprobe)
		fp_unregister();
	else
		kret_unregister();
}

module_init(probe_cost_init);
module_exit(probe_cost_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pinshadow bench: the cost of a probe mechanism, empty handlers");
