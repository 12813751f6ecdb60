# SPDX-License-Identifier: GPL-2.0
#
# pinshadow: top-level make targets.
#
#   make                 module/pinshadow.ko for the running kernel (or KDIR=)
#   make modules-all     the modules for every /lib/modules/*/build
#   make deps            install every Debian package the project needs
#   make lint            checkpatch --strict, W=1 and sparse C=1 on every kernel
#   make check           lint, host tests, VM tests on every kernel
#   make clean

SHELL := /bin/bash
TOP := $(CURDIR)
BUILD := $(TOP)/build

# Kernels are discovered from what is installed, never hard-coded.
KVERS ?= $(sort $(notdir $(patsubst %/build,%,$(wildcard /lib/modules/*/build))))
KVER_RUNNING := $(shell uname -r)
KDIR ?= $(if $(wildcard /lib/modules/$(KVER_RUNNING)/build),\
	/lib/modules/$(KVER_RUNNING)/build,\
	$(if $(KVERS),/lib/modules/$(lastword $(KVERS))/build))

# Sources copied per kernel so builds for different kernels never share objects.
KSRC := Kbuild module/Kbuild tests/helper/Kbuild tests/kunit/Kbuild \
	$(wildcard module/*.[ch] tests/helper/*.[ch] tests/kunit/*.[ch] include/*.h)

# Debian's kernel source, for checkpatch.pl and kselftest_harness.h.
LINUX_SRC_TAR := $(lastword $(sort $(wildcard /usr/src/linux-source-6.12*.tar.xz)))
KTOOLS := $(BUILD)/ktools

DEB_PACKAGES := build-essential linux-image-amd64 linux-headers-amd64 \
	linux-image-6.12-amd64 linux-headers-6.12-amd64 linux-source-6.12 \
	qemu-system-x86 busybox-static cpio kmod liburing-dev sparse \
	xz-utils rsync flex bison bc libelf-dev libssl-dev

.PHONY: all module modules-all deps lint style sparse check clean ktools

all: module

module:
	@test -n "$(KDIR)" || { echo "no kernel headers: run 'make deps'" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(TOP) modules

# One copy of the sources per kernel under build/<kver>/src; never the
# products of an in-tree `make` (they belong to another kernel).
modules-all: $(addprefix $(BUILD)/,$(addsuffix /.modules,$(KVERS)))

$(BUILD)/%/.modules: $(KSRC)
	@mkdir -p $(BUILD)/$*/src
	@rsync -a --delete --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' \
		--exclude='*.mod' --exclude='*.mod.c' --exclude='.*.d' \
		--exclude='modules.order' --exclude='Module.symvers' \
		--include='Kbuild' --include='module/***' --include='include/***' \
		--include='tests/' --include='tests/helper/***' \
		--include='tests/kunit/***' --exclude='*' \
		$(TOP)/ $(BUILD)/$*/src/
	$(MAKE) -C /lib/modules/$*/build M=$(BUILD)/$*/src W=$(W) C=$(C) modules
	@touch $@

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
		grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "deps: installing $$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends $$missing; \
	else echo "deps: all packages present"; fi

# checkpatch.pl and the kselftest harness come from linux-source-6.12.
ktools: $(KTOOLS)/.done
$(KTOOLS)/.done: $(LINUX_SRC_TAR)
	@test -n "$(LINUX_SRC_TAR)" || { echo "linux-source-6.12 missing: make deps" >&2; exit 1; }
	@mkdir -p $(KTOOLS)
	tar -xJf $(LINUX_SRC_TAR) -C $(KTOOLS) --strip-components=1 --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch' \
		'*/tools/testing/selftests/kselftest_harness.h' \
		'*/tools/testing/selftests/kselftest.h'
	@touch $@

# The compat headers are where version tests belong: they alone may use them.
CHECKPATCH = $(KTOOLS)/scripts/checkpatch.pl --strict --no-tree --quiet \
	--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG
COMPAT_HDRS := $(wildcard module/compat.h tests/helper/compat.h)
style: ktools
	$(CHECKPATCH) -f $(filter-out $(COMPAT_HDRS),$(wildcard module/*.[ch] tests/kunit/*.c \
		include/*.h tests/helper/*.[ch]))
	$(CHECKPATCH) --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON \
		-f $(COMPAT_HDRS)

# W=1 and sparse on every kernel; any warning fails.
sparse:
	@set -e; for k in $(KVERS); do \
		rm -f $(BUILD)/$$k/.modules; \
		$(MAKE) --no-print-directory $(BUILD)/$$k/.modules W=1 C=2 \
			2>&1 | tee $(BUILD)/$$k.lint.log; \
		if grep -E 'warning:|error:' $(BUILD)/$$k.lint.log; then \
			echo "lint: warnings on $$k" >&2; exit 1; fi; \
	done

lint: style sparse

-include tests/tests.mk
-include tests/vm/vm.mk
-include userspace/userspace.mk
-include tests/stress/stress.mk
-include tests/bench/bench.mk

clean:
	rm -rf $(BUILD)
	-$(MAKE) -C $(KDIR) M=$(TOP) clean 2>/dev/null
