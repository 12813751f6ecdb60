/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The file operations of a seq_file iterator with state per open, written
 * once, as DEFINE_SEQ_ATTRIBUTE() writes them for one without.
 */
#ifndef PINSHADOW_SEQFILE_H
#define PINSHADOW_SEQFILE_H

#include <linux/fs.h>
#include <linux/module.h>
#include <linux/seq_file.h>

/*
 * @prefix_start, _next, _stop and _show make @prefix_seq_ops; each open
 * gets a zeroed @type as the seq_file's ->private, freed on release.
 * @linkage is static, or empty for file operations other files use.
 */
#define PS_SEQ_PRIVATE_FOPS(linkage, fops, prefix, type)		\
static const struct seq_operations prefix##_seq_ops = {		\
	.start = prefix##_start,					\
	.next = prefix##_next,						\
	.stop = prefix##_stop,						\
	.show = prefix##_show,						\
};									\
									\
static int prefix##_open(struct inode *inode, struct file *file)	\
{									\
	return seq_open_private(file, &prefix##_seq_ops, sizeof(type));	\
}									\
									\
linkage const struct file_operations fops = {				\
	.owner = THIS_MODULE,						\
	.open = prefix##_open,						\
	.read = seq_read,						\
	.llseek = seq_lseek,						\
	.release = seq_release_private,					\
}

#endif /* PINSHADOW_SEQFILE_H */
