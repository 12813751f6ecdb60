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

static int print_help(struct ps_ctx *c, enum ps_cmd cmd)
{
	char text[8192];

	snprintf(text, sizeof(text), "%s%s", ps_cmd_help(cmd), ps_exit_help);
	if (c->json) {
		struct json j;

		json_init(&j, c->out);
		json_object_begin(&j);
		json_kv_string(&j, "command", ps_cmd_name(cmd));
		json_kv_string(&j, "help", text);
		json_object_end(&j);
		json_finish(&j);
	} else {
		fputs(text, c->out);
	}
	return PS_EXIT_OK;
}

static int print_version(struct ps_ctx *c)
{
	if (c->json) {
		struct json j;

		json_init(&j, c->out);
		json_object_begin(&j);
		json_kv_string(&j, "version", PINSHADOW_VERSION);
		json_kv_int(&j, "abi_version", PINSHADOW_ABI_VERSION);
		json_object_end(&j);
		json_finish(&j);
	} else {
		fprintf(c->out, "pinshadow %s, module ABI version %d\n",
			PINSHADOW_VERSION, PINSHADOW_ABI_VERSION);
	}
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
	if (ret) {
		ret = ps_fail(&c, ret, "%s", err);
		if (!c.json)
			fputs("Run `pinshadow --help` for usage.\n", stderr);
		return ret;
	}
	if (o.help)
		return print_help(&c, o.help_for);
	if (o.version)
		return print_version(&c);

	switch (o.cmd) {
	case PS_CMD_STATUS:
		return cmd_status(&c, &o);
	case PS_CMD_PINS:
		return cmd_pins(&c, &o);
	case PS_CMD_LOOKUP:
		return cmd_lookup(&c, &o);
	case PS_CMD_WATCH:
		return cmd_watch(&c, &o);
	case PS_CMD_VERDICTS:
		return cmd_verdicts(&c, &o);
	case PS_CMD_COW:
		return cmd_cow(&c, &o);
	case PS_CMD_POLICIES:
		return cmd_policies(&c, &o);
	default:
		return print_help(&c, PS_CMD_NONE);
	}
}
