// SPDX-License-Identifier: GPL-2.0
/*
 * pinshadow: the command-line face of the pinshadow kernel module.  This
 * file only parses the command line and dispatches; see pinshadow(8).
 */
#include <stdio.h>
#include <stdlib.h>

#include "pinshadow_abi.h"
#include "commands.h"
#include "context.h"
#include "exitcodes.h"
#include "json.h"
#include "opts.h"
#include "parse.h"
#include "debugfs.h"

/* Each command's function; PS_CMD_NONE and `help` print the help. */
static int (*const commands[PS_CMD_HELP])(struct ps_ctx *c,
					  const struct ps_opts *o) = {
	[PS_CMD_STATUS] = cmd_status,
	[PS_CMD_PINS] = cmd_pins,
	[PS_CMD_LOOKUP] = cmd_lookup,
	[PS_CMD_WATCH] = cmd_watch,
	[PS_CMD_VERDICTS] = cmd_verdicts,
	[PS_CMD_COW] = cmd_cow,
	[PS_CMD_POLICIES] = cmd_policies,
	[PS_CMD_SAVE] = cmd_save,
	[PS_CMD_DIFF] = cmd_diff,
};

static int print_help(struct ps_ctx *c, enum ps_cmd cmd, FILE *f)
{
	char text[8192];

	snprintf(text, sizeof(text), "%s%s", ps_cmd_help(cmd), ps_exit_help);
	if (c->json) {
		struct json j;

		ps_json_begin(c, &j, "data");
		json_object_begin(&j);
		json_kv_string(&j, "help_for", ps_cmd_name(cmd));
		json_kv_string(&j, "help", text);
		json_object_end(&j);
		ps_json_end(&j);
	} else {
		fputs(text, f);
	}
	return PS_EXIT_OK;
}

/* The CLI's version, and the loaded module's when it can be read. */
static int print_version(struct ps_ctx *c)
{
	char err[PS_ERR_LEN], path[4096], *text;
	struct ps_stats st;
	int64_t abi = -1;

	snprintf(path, sizeof(path), "%s/stats", c->dir);
	if (!ps_slurp(path, &text, NULL)) {
		if (!ps_parse_stats(text, &st, err)) {
			if (ps_stats_get(&st, "abi_version", &abi)) {
				c->abi = abi;
				snprintf(c->module_version,
					 sizeof(c->module_version), "%s",
					 st.version);
			}
			ps_stats_free(&st);
		}
		free(text);
	}
	if (c->json) {
		struct json j;

		ps_json_begin(c, &j, "data");
		json_object_begin(&j);
		json_kv_string(&j, "version", PINSHADOW_VERSION);
		json_kv_int(&j, "abi_version", PINSHADOW_ABI_VERSION);
		json_object_end(&j);
		ps_json_end(&j);
		return PS_EXIT_OK;
	}
	fprintf(c->out, "pinshadow %s, module ABI version %d\n",
		PINSHADOW_VERSION, PINSHADOW_ABI_VERSION);
	if (c->abi >= 0)
		fprintf(c->out, "module    pinshadow %s, ABI %lld\n",
			c->module_version[0] ? c->module_version : "(no version)",
			(long long)c->abi);
	else
		fprintf(c->out, "module    not loaded or not readable\n");
	fprintf(c->out, "kernel    %s\n", c->kernel);
	return PS_EXIT_OK;
}

int main(int argc, char **argv)
{
	char err[PS_ERR_LEN];
	struct ps_opts o;
	struct ps_ctx c;
	int ret;

	ps_ctx_init(&c, stdout, stderr);
	ret = ps_parse_opts(argc, argv, &o, err);
	c.json = o.json;
	c.command = ps_cmd_name(o.cmd);
	if (ret) {
		ret = ps_fail(&c, ret, "%s", err);
		if (c.json)
			return ret;
		/* One hint: the help of the command the error is in. */
		if (o.cmd == PS_CMD_NONE && argc < 2)
			print_help(&c, PS_CMD_NONE, stderr);
		else if (o.cmd == PS_CMD_NONE || o.cmd == PS_CMD_HELP)
			fputs("Run `pinshadow --help` for the commands.\n", stderr);
		else
			fprintf(stderr, "Run `pinshadow %s --help` for its options.\n",
				ps_cmd_name(o.cmd));
		return ret;
	}
	if (o.from && !o.help && !o.version) {
		ret = ps_ctx_from(&c, o.from);
		if (ret)
			return ret;
	}
	if (o.help) {
		c.command = "help";
		return print_help(&c, o.help_for, c.out);
	}
	if (o.version) {
		c.command = "version";
		return print_version(&c);
	}

	if (o.cmd < PS_CMD_HELP && commands[o.cmd])
		return commands[o.cmd](&c, &o);
	return print_help(&c, PS_CMD_NONE, c.out);
}
