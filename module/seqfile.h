/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The file operations of a seq_file iterator, written once, as
 * DEFINE_SEQ_ATTRIBUTE() writes them (but with the linkage a caller asks for).
 */
#ifndef PINSHADOW_SEQFILE_H
#define PINSHADOW_SEQFILE_H

#include <linux/fs.h>
#include <linux/module.h>
#include <linux/seq_file.h>

/*
 * @prefix_start, _next, _stop and _show make @prefix_seq_ops, opened by
 * @prefix_open; @linkage is static, or empty for file operations other
 * files use.
 */
#define __PS_SEQ_FOPS(linkage, fops, prefix, release_fn)			\
static const struct seq_operations prefix##_seq_ops = {		\
	.start = prefix##_start,					\
	.next = prefix##_next,						\
	.stop = prefix##_stop,						\
	.show = prefix##_show,						\
};									\
									\
static int prefix##_open(struct inode *inode, struct file *file);	\
									\
linkage const struct file_operations fops = {				\
	.owner = THIS_MODULE,						\
	.open = prefix##_open,						\
	.read = seq_read,						\
	.llseek = seq_lseek,						\
	.release = release_fn,						\
}

/* An iterator with no state of its own beyond *pos. */
#define PS_SEQ_FOPS(linkage, fops, prefix)				\
__PS_SEQ_FOPS(linkage, fops, prefix, seq_release);			\
									\
static int prefix##_open(struct inode *inode, struct file *file)	\
{									\
	return seq_open(file, &prefix##_seq_ops);			\
}

/* Each open gets a zeroed @type as the seq_file's ->private, freed on release. */
#define PS_SEQ_PRIVATE_FOPS(linkage, fops, prefix, type)		\
__PS_SEQ_FOPS(linkage, fops, prefix, seq_release_private);		\
									\
static int prefix##_open(struct inode *inode, struct file *file)	\
{									\
	return seq_open_private(file, &prefix##_seq_ops, sizeof(type));	\
}

#endif /* PINSHADOW_SEQFILE_H */
