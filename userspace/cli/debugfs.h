/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading pinshadow's debugfs files, with every way that can fail turned
 * into one of the distinct exit statuses (exitcodes.h) and a message that
 * says what to do about it.
 */
#ifndef PS_DEBUGFS_H
#define PS_DEBUGFS_H

#include <stdbool.h>

#include "context.h"
#include "parse.h"
#include "slurp.h"

/*
 * Is the module there, readable and speaking our ABI?  Reads and parses
 * "stats" into @st (the caller frees it).  Returns PS_EXIT_OK or the exit
 * status, having reported it.
 */
int ps_module_check(struct ps_ctx *c, struct ps_stats *st);

/* ps_module_check() for a command that does not need the stats. */
int ps_module_ready(struct ps_ctx *c);

/*
 * Read debugfs file @name whole into a NUL-terminated buffer @*text.  A
 * missing file is PS_EXIT_UNSUPPORTED when @optional (a file later module
 * versions add), else PS_EXIT_ABI.  Reports failures.
 */
int ps_read_file(struct ps_ctx *c, const char *name, bool optional,
		 char **text);

/*
 * "stacks" read and parsed into @st; a module without it (or a save of
 * one) leaves @st empty (n == 0, buf NULL) and is no error.
 */
int ps_read_stacks(struct ps_ctx *c, struct ps_stacks *st);

/* Open a debugfs file, reporting failures like ps_read_file(). */
int ps_open_file(struct ps_ctx *c, const char *name, int flags,
		 bool optional, int *fd);

/*
 * The message for root refused by debugfs, naming the lockdown @mode
 * ("integrity", "confidentiality"; "" or "none" when not locked down).
 */
const char *ps_lockdown_hint(const char *path, const char *mode);

/* "stats" read and parsed (no ABI check); reports failures. */
int ps_read_stats(struct ps_ctx *c, struct ps_stats *st);

/* "pins" read and parsed into @p (the caller frees it); reports failures. */
int ps_read_pins(struct ps_ctx *c, struct ps_pin **p, size_t *n);

/*
 * After a parser read @text: frees it and returns PS_EXIT_OK, or when the
 * parser failed (@bad), reports its @err under the debugfs directory.
 */
int ps_parsed(struct ps_ctx *c, char *text, int bad, const char *err);

#endif /* PS_DEBUGFS_H */
