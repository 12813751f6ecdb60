# SPDX-License-Identifier: GPL-2.0
#
# VM tests, included by the top-level Makefile.  See tests/vm/README.md.
#
#   make vm-test [KVER=k]   build, then boot each kernel (or k) under QEMU and
#                           run the tests
#   make vm-run [KVER=k]    the same without building first
#   make check              deps, lint, builds, host tests, VM tests on every
#                           kernel; ends with "N passed, N failed[, N skipped]"

VM_DIR := $(TOP)/tests/vm
VM_KVERS = $(if $(KVER),$(KVER),$(KVERS))

# What the guest runs: the binaries tests.mk lists (else all of
# build/tests/bin) and userspace.mk's in-guest scripts; and the tools those
# call, put on the guest's PATH.  Recursive, so the makefiles included after
# this one count too.
VM_TEST_FILES ?= $(or $(PS_TEST_PROGS),$(wildcard $(BUILD)/tests/bin/*)) \
	$(US_VM_TESTS) $(TOP)/tests/kunit/kunit.sh
VM_BINS ?= $(US_BINS)

.PHONY: vm-test vm-run vm-kvers debug-kernel

# The 6.12 debug kernel (KASAN, lockdep, kmemleak, ...), built once from
# linux-source-6.12 and installed beside the Debian kernels.
debug-kernel:
	@'$(VM_DIR)/debug-kernel.sh' >/dev/null

vm-test: $(addprefix $(BUILD)/,$(addsuffix /.modules,$(VM_KVERS))) tests
	$(if $(US_BINS),@$(MAKE) --no-print-directory userspace)
	@$(MAKE) --no-print-directory vm-run

# One kernel failing does not stop the next.
vm-run:
	@test -n "$(VM_KVERS)" || { echo "vm-run: no kernel in /lib/modules/*/build" >&2; exit 1; }
	@rc=0; for k in $(VM_KVERS); do \
		BUILD='$(BUILD)' VM_TEST_FILES='$(strip $(VM_TEST_FILES))' \
		VM_BINS='$(strip $(VM_BINS))' '$(VM_DIR)/run.sh' "$$k" || rc=1; \
	done; exit $$rc

# For check.sh: the kernels as a fresh make sees them (deps may have added some).
vm-kvers:
	@echo $(VM_KVERS)

check:
	@BUILD='$(BUILD)' MAKE='$(MAKE)' '$(VM_DIR)/check.sh'
