/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pinshadow's user-visible interface, shared by the module, the CLI and the
 * tests: where the debugfs files are, the version of their format and the
 * names the module prints.  Fixed-width types only.
 */
#ifndef PINSHADOW_ABI_H
#define PINSHADOW_ABI_H

/* Bumped whenever a debugfs file changes shape; printed in "stats". */
#define PINSHADOW_ABI_VERSION	2

/*
 * "stats" also has a line "version X.Y.Z": the release, from the file
 * VERSION (the build passes it as PINSHADOW_VERSION).  Its value is text,
 * the only one there; a parser that wants numbers skips it by name.
 */

#define PINSHADOW_DEBUGFS_DIR	"/sys/kernel/debug/pinshadow"

/*
 * Which API took a pin, as printed in the "api" column of "pins".  The order
 * is the module's internal numbering and part of the ABI.
 */
#define PINSHADOW_API_NAMES {		\
	"unknown",			\
	"pin_user_pages",		\
	"pin_user_pages_fast",		\
	"pin_user_pages_fast_only",	\
	"pin_user_pages_remote",	\
	"pin_user_pages_unlocked",	\
	"memfd_pin_folios",		\
	"folio_add_pin",		\
	"folio_add_pins",		\
}

#endif /* PINSHADOW_ABI_H */
