/* SPDX-License-Identifier: GPL-2.0 */
/* The subcommands; each returns an exit status (exitcodes.h). */
#ifndef PS_COMMANDS_H
#define PS_COMMANDS_H

#include "context.h"
#include "opts.h"

int cmd_status(struct ps_ctx *c, const struct ps_opts *o);
int cmd_pins(struct ps_ctx *c, const struct ps_opts *o);
int cmd_lookup(struct ps_ctx *c, const struct ps_opts *o);
int cmd_watch(struct ps_ctx *c, const struct ps_opts *o);
int cmd_verdicts(struct ps_ctx *c, const struct ps_opts *o);
int cmd_cow(struct ps_ctx *c, const struct ps_opts *o);
int cmd_policies(struct ps_ctx *c, const struct ps_opts *o);
int cmd_save(struct ps_ctx *c, const struct ps_opts *o);
int cmd_diff(struct ps_ctx *c, const struct ps_opts *o);

#endif /* PS_COMMANDS_H */
