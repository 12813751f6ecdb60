# SPDX-License-Identifier: GPL-2.0
#
# userspace/: the pinshadow CLI, the pinload workload generator and the
# host-side unit tests (tests/host/).  Included from the top-level Makefile
# with `-include userspace/userspace.mk`; standalone it is
# `make -f userspace/userspace.mk userspace`.
#
#   make userspace      build/userspace/pinshadow and pinload, static
#   make host-test      build and run the host unit tests (N passed, N failed)
#   make install-cli    $(DESTDIR)$(PREFIX)/sbin/pinshadow (PREFIX=/usr/local)
#                       and its bash completion
#   make install-man    $(DESTDIR)$(PREFIX)/share/man/man8/pinshadow.8
#
# CFLAGS, CPPFLAGS and LDFLAGS from the environment are added (a package
# build passes its hardening flags); US_LDFLAGS= links dynamically.
#
# For the VM runner: US_BINS are the binaries to copy into the guest (e.g.
# to /usr/bin), US_VM_TESTS the in-guest test scripts (busybox sh, TAP).

# Where this file is, whatever the including Makefile's directory.
US_TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)
US_BUILD := $(US_TOP)/build/userspace
US_OBJ := $(US_BUILD)/obj

US_CC ?= cc
# The release, one place for the CLI, the module and the packages.
US_VERSION := $(shell cat $(US_TOP)/VERSION)
US_CFLAGS := -std=c11 -Wall -Wextra -Werror -O2 -D_GNU_SOURCE \
	-I$(US_TOP)/include -MMD -MP -DPINSHADOW_VERSION='"$(US_VERSION)"' \
	$(CPPFLAGS) $(CFLAGS)
# The binaries run in a busybox initramfs: nothing to load at run time.
US_LDFLAGS ?= -static

US_CLI_SRCS := $(wildcard $(US_TOP)/userspace/cli/*.c)
US_CLI_LIB_SRCS := $(filter-out %/main.c,$(US_CLI_SRCS))
US_PINLOAD_SRCS := $(wildcard $(US_TOP)/userspace/pinload/*.c)
US_HOST_TEST_SRCS := $(wildcard $(US_TOP)/tests/host/*.c)

us_obj = $(patsubst $(US_TOP)/%.c,$(US_OBJ)/%.o,$(1))

US_BINS := $(US_BUILD)/pinshadow $(US_BUILD)/pinload $(US_BUILD)/as_nobody
US_HOST_TEST := $(US_BUILD)/host-test
US_VM_TESTS := $(wildcard $(US_TOP)/userspace/tests/*.sh)
US_MAN := $(US_TOP)/userspace/pinshadow.8
US_COMPLETION := $(US_TOP)/userspace/pinshadow.bash-completion

.PHONY: userspace cli host-test

userspace: $(US_BINS)

# The CLI alone (the Debian package: pinload is a test tool).
cli: $(US_BUILD)/pinshadow

$(US_OBJ)/%.o: $(US_TOP)/%.c
	@mkdir -p $(dir $@)
	$(US_CC) $(US_CFLAGS) -c -o $@ $<

$(US_BUILD)/pinshadow: $(call us_obj,$(US_CLI_SRCS))
	$(US_CC) $(US_LDFLAGS) $(LDFLAGS) -o $@ $^

$(US_BUILD)/pinload: $(call us_obj,$(US_PINLOAD_SRCS))
	$(US_CC) $(US_LDFLAGS) $(LDFLAGS) -o $@ $^ -luring

# The VM tests' way to run a command as uid/gid 65534 (no su in the guest).
$(US_BUILD)/as_nobody: $(call us_obj,$(US_TOP)/userspace/tests/as_nobody.c)
	$(US_CC) $(US_LDFLAGS) $(LDFLAGS) -o $@ $^

# -MMD does not see a -D: what prints the version follows the file.
$(call us_obj,$(US_TOP)/userspace/cli/main.c $(US_TOP)/tests/host/test_version.c): \
	$(US_TOP)/VERSION

# The tests reach into the CLI's internals.
$(US_OBJ)/tests/host/%.o: US_CFLAGS += -I$(US_TOP)/userspace/cli

$(US_HOST_TEST): $(call us_obj,$(US_HOST_TEST_SRCS) $(US_CLI_LIB_SRCS))
	$(US_CC) -o $@ $^

# The man page must format without warnings, where groff is installed.
host-test: $(US_HOST_TEST) $(US_BINS)
	@if command -v groff >/dev/null; then \
		warn=$$(groff -man -ww -z $(US_MAN) 2>&1); \
		if [ -n "$$warn" ]; then echo "$$warn" >&2; \
			echo "host-test: pinshadow.8 has troff warnings" >&2; exit 1; fi; \
	fi
	$(US_HOST_TEST) $(US_BUILD)/pinshadow $(US_TOP)
	@if command -v bash >/dev/null; then \
		bash $(US_TOP)/tests/host/completion.sh $(US_COMPLETION); fi

# An administrator's tool (it needs root and debugfs): sbin, section 8.
PREFIX ?= /usr/local
DESTDIR ?=
.PHONY: install-cli install-man
install-cli: $(US_BUILD)/pinshadow
	install -d $(DESTDIR)$(PREFIX)/sbin
	install -m 755 $(US_BUILD)/pinshadow $(DESTDIR)$(PREFIX)/sbin/pinshadow
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 644 $(US_COMPLETION) \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/pinshadow

install-man:
	install -d $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 644 $(US_MAN) $(DESTDIR)$(PREFIX)/share/man/man8/pinshadow.8

-include $(wildcard $(US_OBJ)/*/*.d $(US_OBJ)/*/*/*.d)

# make demo [KVER=k]: from a fresh machine, install what is missing, fetch
# one stock kernel of the matrix (the newest Debian 6.12 unless KVER says
# otherwise), build, boot it in QEMU, pin real memory and show the reports.
DEMO_KVER = $(or $(KVER),6.12)

.PHONY: demo demo-run
demo:
	@echo "demo: checking the Debian packages (installs what is missing)" >&2
	@$(MAKE) --no-print-directory deps >/dev/null
	@$(MAKE) --no-print-directory demo-run

demo-run:
	@echo "demo: fetching kernel $(DEMO_KVER) into the cache (once)" >&2
	@k=$$($(KERNELS) krels $(DEMO_KVER)) && \
	echo "demo: building pinshadow and its tools for $$k" >&2 && \
	$(MAKE) --no-print-directory $(BUILD)/$$k/.modules userspace >/dev/null && \
	VM_BINS='$(US_BINS)' $(TOP)/userspace/demo/demo.sh $$k
