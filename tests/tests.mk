# SPDX-License-Identifier: GPL-2.0
#
# pinshadow kselftests, included by the top-level Makefile.
#
#   make tests        static test binaries in build/tests/bin/
#
# Each binary is a kselftest_harness program meant to run as root inside the
# test VM, where pinshadow.ko and pinshadow_test_helper.ko are loaded (and
# copies of both are in /lib/pinshadow/ for the reload tests).
# PS_TEST_PROGS lists the binaries for the VM runner.

# Every tests/*.c but the shared libraries is one test binary.
PS_TEST_LIB_SRCS := $(TOP)/tests/ps_util.c $(TOP)/tests/ps_check.c \
	$(TOP)/tests/ps_client.c
PS_TEST_NAMES := $(sort $(basename $(notdir $(filter-out $(PS_TEST_LIB_SRCS),\
	$(wildcard $(TOP)/tests/*.c)))))
PS_TEST_BIN := $(BUILD)/tests/bin
PS_TEST_PROGS := $(addprefix $(PS_TEST_BIN)/,$(PS_TEST_NAMES))

PS_TEST_CC ?= gcc
PS_TEST_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -O2 -static \
	-I$(KTOOLS)/tools/testing/selftests -I$(TOP)/include -I$(TOP)/tests \
	-I$(TOP)/userspace/cli
PS_TEST_LDLIBS := -luring -lpthread
# The debugfs formats are read by the CLI's parsers (userspace/cli/parse.c),
# the one reader of each format.
PS_TEST_LIB := $(PS_TEST_LIB_SRCS) $(TOP)/userspace/cli/parse.c \
	$(TOP)/userspace/cli/slurp.c
PS_TEST_DEPS := $(PS_TEST_LIB) $(TOP)/tests/ps_util.h $(TOP)/tests/ps_client.h \
	$(TOP)/userspace/cli/parse.h $(TOP)/include/pinshadow_abi.h \
	$(TOP)/tests/ps_check.h $(TOP)/tests/ps_uring.h $(TOP)/tests/gup_test_abi.h \
	$(TOP)/include/pinshadow_test_helper.h \
	$(TOP)/tests/tests.mk $(KTOOLS)/.done

.PHONY: tests
tests: $(PS_TEST_PROGS)

$(PS_TEST_BIN)/%: $(TOP)/tests/%.c $(PS_TEST_DEPS)
	@mkdir -p $(@D)
	$(PS_TEST_CC) $(PS_TEST_CFLAGS) -o $@ $< $(PS_TEST_LIB) \
		$(PS_TEST_LDLIBS)
