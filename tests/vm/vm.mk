# SPDX-License-Identifier: GPL-2.0
#
# VM tests, included by the top-level Makefile.  See tests/vm/README.md.
#
#   make vm-test [KVER=k]   build, then boot each kernel of the matrix (or k)
#                           under QEMU and run the tests
#   make vm-run [KVER=k]    the same without building first
#   make vm KVER=k RUN=script [FILES="f..."]
#                           boot k with pinshadow loaded, the CLI and pinload
#                           on PATH and FILES in /files; run the script there
#                           as root, print its output, exit with its status
#   make vm-list            the matrix's kernel releases, one a line
#   make check              deps, kernels, lint, builds, host tests, VM tests
#                           on every kernel; ends with "N passed, N failed[, N skipped]"
#
# KVER and KVERS take names of tests/kernels/matrix (6.12, 7.3-rt, ...) or
# kernel releases.

VM_DIR := $(TOP)/tests/vm
VM_KVERS = $(if $(KVER),$(KVER),$(KVERS))
# VM suites run side by side, each QEMU on one host thread.
VM_LANES ?= 2

# What the guest runs: the binaries tests.mk lists (else all of
# build/tests/bin) and userspace.mk's in-guest scripts; and the tools those
# call, put on the guest's PATH.  Recursive, so the makefiles included after
# this one count too.
VM_TEST_FILES ?= $(or $(PS_TEST_PROGS),$(wildcard $(BUILD)/tests/bin/*)) \
	$(US_VM_TESTS) $(TOP)/tests/kunit/kunit.sh
VM_BINS ?= $(US_BINS)

.PHONY: vm-test vm-run vm-kvers vm-how vm-list vm

# The modules for the kernels tested only: KVER=6.12 must not wait for the
# debug kernel's build.
vm-test: tests
	@$(MAKE) --no-print-directory modules-all KVERS='$(VM_KVERS)'
	$(if $(US_BINS),@$(MAKE) --no-print-directory userspace)
	@$(MAKE) --no-print-directory vm-run

# One kernel failing does not stop the others; VM_LANES of them at a time.
vm-run:
	@ks=$$($(KERNELS) krels $(VM_KVERS)) || exit 1; \
	BUILD='$(BUILD)' VM_TEST_FILES='$(strip $(VM_TEST_FILES))' \
	VM_BINS='$(strip $(VM_BINS))' '$(VM_DIR)/lanes.sh' $(VM_LANES) \
		'$(VM_DIR)/run.sh' $$ks

# For check.sh: the kernel releases to test.
vm-kvers:
	@$(KERNELS) krels $(VM_KVERS) | tr '\n' ' '; echo

# For check.sh: "K deb|src" for each kernel to test (no fetching).
vm-how:
	@$(KERNELS) how $(VM_KVERS)

vm-list:
	@$(KERNELS) krels

vm:
	@test -n "$(KVER)" && test -n "$(RUN)" || \
		{ echo 'usage: make vm KVER=<krel|name> RUN=<script> [FILES="..."]' >&2; exit 2; }
	@k=$$($(KERNELS) krels $(KVER)) && \
	$(MAKE) --no-print-directory $(BUILD)/$$k/.modules userspace >&2 && \
	VM_BINS='$(strip $(US_BINS))' VM_FILES='$(FILES)' BUILD='$(BUILD)' \
		'$(VM_DIR)/script.sh' $$k '$(RUN)'

check:
	@BUILD='$(BUILD)' MAKE='$(MAKE)' '$(VM_DIR)/check.sh'
