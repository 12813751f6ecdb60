/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pinshadow's user-visible interface, shared by the module, the CLI and the
 * tests: where the debugfs files are, the version of their format and the
 * names the module prints.  Fixed-width types only.
 */
#ifndef PINSHADOW_ABI_H
#define PINSHADOW_ABI_H

/* Bumped whenever a debugfs file changes shape; printed in "stats". */
#define PINSHADOW_ABI_VERSION	3

/*
 * "stats" also has a line "version X.Y.Z": the release, from the file
 * VERSION (the build passes it as PINSHADOW_VERSION).  Its value is text,
 * the only one there; a parser that wants numbers skips it by name.
 */

#define PINSHADOW_DEBUGFS_DIR	"/sys/kernel/debug/pinshadow"

/*
 * Which API took a pin: the module's numbering (enum ps_api) and the name
 * printed in the "api" column of "pins".  The order is part of the ABI; a
 * new API goes at the end of both.
 */
enum ps_api {
	PS_API_UNKNOWN,
	PS_API_PIN_USER_PAGES,
	PS_API_PIN_USER_PAGES_FAST,
	PS_API_PIN_USER_PAGES_FAST_ONLY,
	PS_API_PIN_USER_PAGES_REMOTE,
	PS_API_PIN_USER_PAGES_UNLOCKED,
	PS_API_MEMFD_PIN_FOLIOS,
	PS_API_FOLIO_ADD_PIN,
	PS_API_FOLIO_ADD_PINS,
	PS_NR_APIS
};

/*
 * Names by enum value: "static const char *const n[] = PINSHADOW_API_NAMES;"
 * and a static_assert that n has PS_NR_APIS entries (module/records.c).
 */
#define PINSHADOW_API_NAMES {					\
	[PS_API_UNKNOWN] = "unknown",					\
	[PS_API_PIN_USER_PAGES] = "pin_user_pages",			\
	[PS_API_PIN_USER_PAGES_FAST] = "pin_user_pages_fast",		\
	[PS_API_PIN_USER_PAGES_FAST_ONLY] = "pin_user_pages_fast_only",	\
	[PS_API_PIN_USER_PAGES_REMOTE] = "pin_user_pages_remote",	\
	[PS_API_PIN_USER_PAGES_UNLOCKED] = "pin_user_pages_unlocked",	\
	[PS_API_MEMFD_PIN_FOLIOS] = "memfd_pin_folios",			\
	[PS_API_FOLIO_ADD_PIN] = "folio_add_pin",			\
	[PS_API_FOLIO_ADD_PINS] = "folio_add_pins",			\
}

#endif /* PINSHADOW_ABI_H */
