/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pinshadow's exit statuses.  Scripts branch on these, so the numbers are
 * part of the interface: never renumber, only add.
 */
#ifndef PS_EXITCODES_H
#define PS_EXITCODES_H

enum ps_exit {
	PS_EXIT_OK = 0,
	PS_EXIT_FAILURE = 1,		/* I/O error, unreadable file */
	PS_EXIT_USAGE = 2,		/* bad arguments */
	PS_EXIT_NOT_ROOT = 3,		/* permission denied on debugfs */
	PS_EXIT_NO_DEBUGFS = 4,		/* debugfs not mounted */
	PS_EXIT_NOT_LOADED = 5,		/* pinshadow module not loaded */
	PS_EXIT_ABI = 6,		/* module speaks another ABI version */
	PS_EXIT_UNSUPPORTED = 7,	/* file missing in this module version */
	PS_EXIT_SELFCHECK = 8,		/* status: self-check failed */
	PS_EXIT_NOT_FOUND = 9,		/* lookup: no such process/page */
};

/* A stable machine name for @code ("not_root", ...), for --json. */
const char *ps_exit_name(int code);

/* The table printed by --help and the man page. */
extern const char ps_exit_help[];

#endif /* PS_EXITCODES_H */
