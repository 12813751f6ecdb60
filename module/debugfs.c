// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/pinshadow/: stats, pins, probes, lookup, control,
 * verdicts, cow_audit, policies, stacks.
 *
 * Root only (0400 / 0600).  No kernel pointer is printed.  Writable files
 * take one command per write(2); a write that is partial (at an offset),
 * too long or not a known command fails with -EINVAL and changes nothing.
 *
 * Notes on locking
 * ----------------
 * lookup_file.lock: one lookup file's last answer, between its write and
 *   its reads.  Nothing else is held with it; it may sleep (mmap_read_lock
 *   of the target mm is taken inside it).
 * The tables are read under rcu_read_lock() only, one entry at a time.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "pinshadow_abi.h"
#include "compat.h"
#include "cow.h"
#include "debugfs.h"
#include "ledger.h"
#include "pageinfo.h"
#include "pool.h"
#include "probes.h"
#include "records.h"
#include "seqfile.h"
#include "stacks.h"
#include "stats.h"
#include "table.h"
#include "verdicts.h"

#define PS_CMD_MAX	128
#define PS_CMD_ARGS	4

static struct dentry *ps_dir;

static void ps_flush(void)
{
	ps_table_trim();
	ps_records_flush_shared();
	ps_pools_flush();
}

/* Copy one command from userspace and split it into words. */
static int read_command(const char __user *ubuf, size_t len, loff_t *ppos,
			char *buf, char **argv, int *argc)
{
	char *cur, *word;

	if (*ppos != 0 || len == 0 || len >= PS_CMD_MAX)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (strlen(buf) != len)
		return -EINVAL;		/* embedded NUL */

	*argc = 0;
	cur = strim(buf);
	while ((word = strsep(&cur, " \t\n")) != NULL) {
		if (!*word)
			continue;
		if (*argc == PS_CMD_ARGS)
			return -EINVAL;
		argv[(*argc)++] = word;
	}
	return *argc ? 0 : -EINVAL;
}

/* stats */

static int stats_show(struct seq_file *m, void *v)
{
	static const struct { const char *name; enum ps_stat item; } rows[] = {
		{ "pins_acquired", PS_PINS_ACQUIRED },
		{ "pins_released", PS_PINS_RELEASED },
		{ "pins_outstanding", PS_PINS_OUTSTANDING },
		{ "pinned_pages", PS_PINNED_PAGES },
		{ "longterm_outstanding", PS_LONGTERM_OUTSTANDING },
		{ "untracked_unpins", PS_UNTRACKED_UNPINS },
		{ "lost_events", PS_LOST_EVENTS },
		{ "lost_records", PS_LOST_RECORDS },
	};
	static const struct { const char *name; enum ps_stat item; } more[] = {
		{ "vmstat_bypass_pins", PS_BYPASS_PINS },
		{ "api_pins", PS_API_PINS },
		{ "api_unpins", PS_API_UNPINS },
		{ "rollback_unpins", PS_ROLLBACK_UNPINS },
		{ "subpage_fallbacks", PS_SUBPAGE_FALLBACKS },
		{ "table_blocks", PS_TABLE_BLOCKS },
		{ "records", PS_RECORDS },
		{ "cow_examined", PS_COW_EXAMINED },
		{ "cow_copied", PS_COW_COPIED },
		{ "cow_shared", PS_COW_SHARED },
		{ "cow_needless_copies", PS_COW_NEEDLESS_COPIES },
		{ "cow_unsafe_shares", PS_COW_UNSAFE_SHARES },
		{ "wp_copy_pinned", PS_WP_COPY_PINNED },
		{ "cow_unaudited", PS_COW_UNAUDITED },
		{ "cow_unwalked", PS_COW_UNWALKED },
		{ "cow_events_dropped", PS_COW_EVENTS_DROPPED },
		{ "pool_empty", PS_POOL_EMPTY },
		{ "pool_refill_failures", PS_POOL_REFILL_FAILURES },
	};
	int i;

	/* A read only reads: "control" flush settles table_*, record*, pool_*. */
	seq_printf(m, "abi_version %d\n", PINSHADOW_ABI_VERSION);
	seq_printf(m, "version %s\n", PINSHADOW_VERSION);
	seq_printf(m, "enabled %d\n", ps_enabled());
	for (i = 0; i < ARRAY_SIZE(rows); i++)
		seq_printf(m, "%s %lld\n", rows[i].name,
			   ps_stat_read(rows[i].item));
	seq_printf(m, "missed_events %lu\n", ps_probes_missed());
	seq_printf(m, "vmstat_acquired %lld\n", ps_vmstat_acquired());
	seq_printf(m, "vmstat_released %lld\n", ps_vmstat_released());
	for (i = 0; i < ARRAY_SIZE(more); i++)
		seq_printf(m, "%s %lld\n", more[i].name,
			   ps_stat_read(more[i].item));
	seq_printf(m, "reconciled_acquired %lld\n", ps_ledger_reconciled(false));
	seq_printf(m, "reconciled_released %lld\n", ps_ledger_reconciled(true));
	seq_printf(m, "table_bytes %llu\n", ps_table_bytes());
	seq_printf(m, "sticky_bytes %llu\n", ps_table_sticky_bytes());
	seq_printf(m, "record_bytes %llu\n", ps_records_bytes());
	seq_printf(m, "pool_bytes %llu\n", ps_pools_bytes());
	seq_printf(m, "table_end_pfn %lu\n", ps_table_end_pfn());
	seq_printf(m, "cow_audit %d\n", ps_cow_audit_enabled());
	seq_printf(m, "cow_walk_max_ns %llu\n", ps_cow_walk_max_ns());
	seq_printf(m, "cow_judge_max_ns %llu\n", ps_cow_judge_max_ns());
	seq_printf(m, "folio_ledger %d\n", ps_folio_ledger());
	seq_printf(m, "stacks %llu\n", ps_stacks_count());
	seq_printf(m, "stack_bytes %llu\n", ps_stacks_bytes());
	seq_printf(m, "lost_stacks %lld\n", ps_stat_read(PS_LOST_STACKS));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

/* probes */

static int probes_show(struct seq_file *m, void *v)
{
	ps_probes_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(probes);

static int policies_show(struct seq_file *m, void *v)
{
	ps_cow_policies_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(policies);

/* pins: one row per page with a count, in PFN order; *pos is PFN + 1. */

static void *pins_find(struct seq_file *m, unsigned long from, loff_t *pos)
{
	struct ps_page_info *pi = m->private;
	struct ps_entry e;
	unsigned long pfn;

	rcu_read_lock();
	pfn = ps_table_next(from, &e);
	rcu_read_unlock();
	if (pfn == ULONG_MAX) {
		*pos = (loff_t)ps_table_end_pfn() + 1;
		return NULL;
	}
	*pos = (loff_t)pfn + 1;
	ps_page_info(pfn, pi);
	return pi;
}

static void *pins_start(struct seq_file *m, loff_t *pos)
{
	if (*pos == 0)
		return SEQ_START_TOKEN;
	/* Between two buffers of a large table: let others run. */
	cond_resched();
	return pins_find(m, *pos - 1, pos);
}

static void *pins_next(struct seq_file *m, void *v, loff_t *pos)
{
	return pins_find(m, *pos, pos);
}

static void pins_stop(struct seq_file *m, void *v)
{
}

static int pins_show(struct seq_file *m, void *v)
{
	if (v == SEQ_START_TOKEN)
		ps_page_info_header(m);
	else
		ps_page_info_row(m, v);
	return 0;
}

PS_SEQ_PRIVATE_FOPS(static, pins_fops, pins, struct ps_page_info);

/* lookup */

/*
 * One open lookup file.  A write arms one answer, reads return it and then
 * EOF until the next write (cat ends).  The read position is kept here, not
 * in f_pos: a write must start at offset 0 (read_command()).
 */
struct lookup_file {
	struct mutex lock;	/* guards len, pos and line */
	size_t len;		/* 0: nothing looked up yet */
	size_t pos;		/* bytes of line read since the write */
	char line[256];
};

static int lookup_open(struct inode *inode, struct file *file)
{
	struct lookup_file *lf = kzalloc(sizeof(*lf), GFP_KERNEL);

	if (!lf)
		return -ENOMEM;
	mutex_init(&lf->lock);
	file->private_data = lf;
	return nonseekable_open(inode, file);
}

static int lookup_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	return 0;
}

/* The PFN that @addr of process @nr maps now, without faulting it in. */
static int pfn_of_user_addr(pid_t nr, unsigned long addr, unsigned long *pfn)
{
	struct task_struct *task;
	struct mm_struct *mm;
	struct page *page;
	struct pid *pid;
	long got;

	pid = find_get_pid(nr);
	task = pid ? get_pid_task(pid, PIDTYPE_PID) : NULL;
	put_pid(pid);
	if (!task)
		return -ESRCH;
	mm = get_task_mm(task);
	put_task_struct(task);
	if (!mm)
		return -EINVAL;		/* a kernel thread, or exiting */

	if (mmap_read_lock_killable(mm)) {
		mmput(mm);
		return -EINTR;
	}
	got = ps_get_user_page_remote(mm, addr, FOLL_NOFAULT, &page);
	mmap_read_unlock(mm);
	mmput(mm);
	if (got != 1)
		return -EFAULT;
	*pfn = page_to_pfn(page);
	put_page(page);
	return 0;
}

/*
 * Commands:
 *   pfn N			the page at PFN N (decimal or 0x hex)
 *   pid P addr A		the page process P maps at address A
 * A read then returns one line of name=value fields.
 */
static ssize_t lookup_write(struct file *file, const char __user *ubuf,
			    size_t len, loff_t *ppos)
{
	struct lookup_file *lf = file->private_data;
	struct ps_page_info pi;
	char buf[PS_CMD_MAX], *argv[PS_CMD_ARGS];
	unsigned long pfn, addr;
	int argc, err, nr;

	err = read_command(ubuf, len, ppos, buf, argv, &argc);
	if (err)
		goto out;
	err = -EINVAL;
	if (argc == 2 && !strcmp(argv[0], "pfn")) {
		if (kstrtoul(argv[1], 0, &pfn))
			goto out;
	} else if (argc == 4 && !strcmp(argv[0], "pid") &&
		   !strcmp(argv[2], "addr")) {
		if (kstrtoint(argv[1], 10, &nr) || nr <= 0 ||
		    kstrtoul(argv[3], 0, &addr))
			goto out;
		err = pfn_of_user_addr(nr, addr, &pfn);
		if (err)
			goto out;
	} else {
		goto out;
	}
	err = ps_page_info(pfn, &pi);
	if (err)
		goto out;
	/* Only a good command replaces the answer; a bad one changes nothing. */
	mutex_lock(&lf->lock);
	lf->len = ps_page_info_line(lf->line, sizeof(lf->line), &pi);
	lf->pos = 0;
	mutex_unlock(&lf->lock);
out:
	return err ? err : len;
}

static ssize_t lookup_read(struct file *file, char __user *ubuf, size_t len,
			   loff_t *ppos)
{
	struct lookup_file *lf = file->private_data;
	loff_t pos;
	ssize_t ret;

	mutex_lock(&lf->lock);
	if (!lf->len) {
		ret = -ENODATA;		/* nothing looked up yet */
	} else {
		pos = lf->pos;
		ret = simple_read_from_buffer(ubuf, len, &pos, lf->line,
					      lf->len);
		if (ret > 0)
			lf->pos = pos;
	}
	mutex_unlock(&lf->lock);
	return ret;
}

static const struct file_operations lookup_fops = {
	.owner = THIS_MODULE,
	.open = lookup_open,
	.release = lookup_release,
	.read = lookup_read,
	.write = lookup_write,
};

/*
 * control commands:
 *   reset			forget every count and statistic
 *   enable			count pins (the state after load)
 *   disable			stop counting; counts go stale until a reset
 *   scan all			"verdicts" scans every PFN of RAM
 *   scan tracked		"verdicts" scans the tracked regions (default)
 *   audit on			audit COW decisions (default)
 *   audit off			stop auditing COW decisions
 *   flush			settle what stats shows now instead of within
 *				about a second: retire the table blocks left
 *				empty (table_*), drop the records cached for
 *				sharing (record*), finish the pool refills
 *				under way (pool_*)
 * A new one is a line of control_cmds[].
 */
static const struct control_cmd {
	const char *word, *arg;		/* arg NULL: a one-word command */
	void (*run)(void);		/* or, if NULL: */
	void (*set)(bool on);
	bool on;
} control_cmds[] = {
	{ "reset", NULL, ps_reset },
	{ "enable", NULL, ps_enable },
	{ "disable", NULL, ps_disable },
	{ "scan", "all", .set = ps_verdicts_scan_all, .on = true },
	{ "scan", "tracked", .set = ps_verdicts_scan_all, .on = false },
	{ "audit", "on", .set = ps_cow_audit_set, .on = true },
	{ "audit", "off", .set = ps_cow_audit_set, .on = false },
	{ "flush", NULL, ps_flush },
};

static ssize_t control_write(struct file *file, const char __user *ubuf,
			     size_t len, loff_t *ppos)
{
	char buf[PS_CMD_MAX], *argv[PS_CMD_ARGS];
	const struct control_cmd *c;
	int argc, err;

	err = read_command(ubuf, len, ppos, buf, argv, &argc);
	if (err)
		return err;
	for (c = control_cmds; c < control_cmds + ARRAY_SIZE(control_cmds);
	     c++) {
		if (argc != (c->arg ? 2 : 1) || strcmp(argv[0], c->word) ||
		    (c->arg && strcmp(argv[1], c->arg)))
			continue;
		if (c->run)
			c->run();
		else
			c->set(c->on);
		return len;
	}
	return -EINVAL;
}

static const struct file_operations control_fops = {
	.owner = THIS_MODULE,
	.open = nonseekable_open,
	.write = control_write,
};

int ps_debugfs_init(void)
{
	ps_dir = debugfs_create_dir("pinshadow", NULL);
	if (IS_ERR(ps_dir))
		return PTR_ERR(ps_dir);
	debugfs_create_file("stats", 0400, ps_dir, NULL, &stats_fops);
	debugfs_create_file("pins", 0400, ps_dir, NULL, &pins_fops);
	debugfs_create_file("probes", 0400, ps_dir, NULL, &probes_fops);
	debugfs_create_file("lookup", 0600, ps_dir, NULL, &lookup_fops);
	debugfs_create_file("control", 0200, ps_dir, NULL, &control_fops);
	debugfs_create_file("verdicts", 0400, ps_dir, NULL, &ps_verdicts_fops);
	debugfs_create_file("cow_audit", 0400, ps_dir, NULL,
			    &ps_cow_audit_fops);
	debugfs_create_file("policies", 0400, ps_dir, NULL, &policies_fops);
	debugfs_create_file("stacks", 0400, ps_dir, NULL, &ps_stacks_fops);
	return 0;
}

void ps_debugfs_exit(void)
{
	debugfs_remove_recursive(ps_dir);
}
