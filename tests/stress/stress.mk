# SPDX-License-Identifier: GPL-2.0
#
# pinshadow stress test, included by the top-level Makefile
# (-include tests/stress/stress.mk, after tests/tests.mk).
#
#   make stress [KVER=k]       build, then boot every kernel of the matrix
#                              (the debug kernel included), or k, and run
#                              tests/stress/ps_stress.c in the guest
#   make stress-build          the static binary only
#
# Knobs (make or environment variables):
#   STRESS_SECONDS     load time per kernel (default 180); the run goes on
#                      until STRESS_MIN_CYCLES load/unload cycles are done,
#                      at most 3 * STRESS_SECONDS
#   STRESS_THREADS     pinner threads (default 4)
#   STRESS_MIN_CYCLES  load/unload cycles required per kernel (default 50)
# Results: build/stress/vm/KVER/{results,tests.log,console.log}; the last
# line is "N passed, N failed" over all kernels.  build/vm/ (make check's
# results) is left alone.

STRESS_DIR := $(TOP)/tests/stress
STRESS_BUILD := $(BUILD)/stress
STRESS_BIN := $(STRESS_BUILD)/bin/ps_stress
STRESS_KVERS = $(if $(KVER),$(KVER),$(KVERS))
STRESS_SECONDS ?= 180
STRESS_THREADS ?= 4
STRESS_MIN_CYCLES ?= 50
export STRESS_SECONDS STRESS_THREADS STRESS_MIN_CYCLES

STRESS_CC ?= gcc
STRESS_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -O2 -static \
	-I$(KTOOLS)/tools/testing/selftests -I$(TOP)/include -I$(TOP)/tests \
	-I$(TOP)/userspace/cli
STRESS_DEPS := $(STRESS_DIR)/ps_stress.c $(PS_TEST_LIB) \
	$(TOP)/tests/ps_util.h $(TOP)/tests/ps_check.h \
	$(TOP)/userspace/cli/parse.h $(TOP)/include/pinshadow_abi.h \
	$(TOP)/include/pinshadow_test_helper.h $(STRESS_DIR)/stress.mk \
	$(KTOOLS)/.done

.PHONY: stress stress-build

stress-build: $(STRESS_BIN)

$(STRESS_BIN): $(STRESS_DEPS)
	@mkdir -p $(@D)
	$(STRESS_CC) $(STRESS_CFLAGS) -o $@ $(STRESS_DIR)/ps_stress.c \
		$(PS_TEST_LIB) -luring -lpthread

stress: $(STRESS_BIN)
	@ks=$$($(KERNELS) krels $(STRESS_KVERS)) || exit 1; \
	for k in $$ks; do $(MAKE) --no-print-directory $(BUILD)/$$k/.modules || exit 1; done; \
	BUILD='$(BUILD)' STRESS_BIN='$(STRESS_BIN)' '$(STRESS_DIR)/run.sh' $$ks
