# SPDX-License-Identifier: GPL-2.0
#
# Benchmarks, included by the top-level Makefile.  See tests/bench/README.md.
#
#   make bench [KVER=k]     one QEMU TCG boot (-icount) of k (a kernel of the matrix,
#                           default 6.12); prints the table and writes
#                           build/bench/KREL/results.txt
#   make bench-deps         the Debian packages only the benchmark needs
#
# Knobs (environment or make variables): BENCH_REPS, BENCH_MS, BENCH_FORKS,
# BENCH_SCALE_PAGES, BENCH_SECTIONS, BENCH_PERF, BENCH_MEM, BENCH_SMP,
# BENCH_CPU, BENCH_ICOUNT, BENCH_ACCEL, BENCH_TIMEOUT, BENCH_VERBOSE
# (tests/bench/run.sh).

BENCH_DIR := $(TOP)/tests/bench
BENCH_BUILD := $(BUILD)/bench
# Resolved (and fetched) only when a bench target runs.
BENCH_KVER = $(shell $(KERNELS) krels $(or $(KVER),6.12))
BENCH_DEB_PACKAGES := bpftrace linux-perf zstd cpio qemu-system-x86 busybox-static

BENCH_PROG := $(BENCH_BUILD)/psbench
BENCH_TOOLS := $(BENCH_BUILD)/tools.cpio.zst
BENCH_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -O2 -static \
	-I$(TOP)/include -I$(BENCH_DIR) -I$(TOP)/userspace/cli -I$(TOP)/tests
# pinshadow's files are read through the CLI's one parser.
BENCH_PARSER := $(TOP)/userspace/cli/parse.c $(TOP)/userspace/cli/slurp.c

# Every BENCH_* knob set for make reaches run.sh.
export BENCH_REPS BENCH_MS BENCH_FORKS BENCH_SCALE_PAGES BENCH_SECTIONS \
	BENCH_PERF BENCH_MEM BENCH_SMP BENCH_CPU BENCH_ICOUNT BENCH_ACCEL \
	BENCH_TIMEOUT BENCH_VERBOSE

.PHONY: bench bench-deps bench-kmod

bench-deps:
	$(call ps_install_debs,bench-deps,$(BENCH_DEB_PACKAGES))

# The benchmark-only module, built on its own for the benchmarked kernel.
bench-kmod: bench-deps
	@test -n "$(BENCH_KVER)" || { echo "bench: no such kernel in the matrix" >&2; exit 1; }
	@mkdir -p $(BENCH_BUILD)/$(BENCH_KVER)/kmod
	@cp $(BENCH_DIR)/Kbuild $(BENCH_DIR)/pinshadow_bench.c \
		$(BENCH_DIR)/pinshadow_bench.h $(BENCH_DIR)/pinshadow_probe_cost.c \
		$(BENCH_DIR)/compat.h \
		$(BENCH_BUILD)/$(BENCH_KVER)/kmod/
	$(KERNELS) run $(BENCH_KVER) make -C $$($(KERNELS) get $(BENCH_KVER) kdir) \
		M=$(BENCH_BUILD)/$(BENCH_KVER)/kmod modules

$(BENCH_PROG): $(BENCH_DIR)/psbench.c $(BENCH_DIR)/pinshadow_bench.h \
		$(TOP)/include/pinshadow_test_helper.h $(BENCH_PARSER) \
		$(TOP)/tests/gup_test_abi.h \
		$(TOP)/userspace/cli/parse.h
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -o $@ $< $(BENCH_PARSER) -lpthread

# bpftrace and perf with their libraries, for the guest: the host's for a
# kernel of the host's suite, else those of the kernel's suite, from its
# build chroot (trixie's bpftrace for 7.3).  run.sh picks the same one.
BENCH_TOOL_PROGS := /usr/bin/bpftrace /usr/bin/perf
$(BENCH_TOOLS): $(VM_DIR)/mkoverlay.sh | bench-deps
	$(VM_DIR)/mkoverlay.sh progs $@ $(BENCH_TOOL_PROGS)
$(BENCH_BUILD)/tools-%.cpio.zst: $(VM_DIR)/mkoverlay.sh
	$(VM_DIR)/mkoverlay.sh progs-suite $* "bpftrace linux-perf" $@ \
		$(BENCH_TOOL_PROGS)

# The pinshadow modules come from modules-all's per-kernel build.
bench: bench-deps bench-kmod $(BENCH_PROG)
	@suite=$$($(KERNELS) get $(BENCH_KVER) chroot) && . /etc/os-release && \
	if [ "$$suite" = "$$VERSION_CODENAME" ]; then t=tools.cpio.zst; \
	else t=tools-$$suite.cpio.zst; fi && \
	$(MAKE) --no-print-directory $(BENCH_BUILD)/$$t
	@$(MAKE) --no-print-directory $(BUILD)/$(BENCH_KVER)/.modules
	@BUILD='$(BUILD)' '$(BENCH_DIR)/run.sh' '$(BENCH_KVER)'
