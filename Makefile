# SPDX-License-Identifier: GPL-2.0
#
# pinshadow: top-level make targets.
#
#   make                 module/pinshadow.ko for the running kernel (or KDIR=)
#   make install         install it (not the test modules) and run depmod
#   make install-cli     the CLI; install-man its man page (PREFIX, DESTDIR)
#   make modules-all     the modules for every kernel of the matrix (KVERS=)
#   make kernels         fetch (or build) the matrix's kernels into the cache
#   make deps            install the Debian packages the host needs
#   make lint            checkpatch --strict, W=1 and sparse C=2 on every kernel
#   make check           lint, host tests, packages, VM tests on every kernel
#   make pkg-test        the Debian packages: built, lintian, DKMS (tests/pkg/)
#   make study           the policies and verdicts on real workloads, per kernel
#                        (tests/study/)
#   make clean

SHELL := /bin/bash
TOP := $(CURDIR)
BUILD := $(TOP)/build

# The kernels the project tests on are data, not host state: the matrix
# (tests/kernels/matrix) fetched into the kernel cache by kernels.sh, never
# installed in /boot or /lib/modules.  KVERS names a subset (names of the
# matrix or kernel releases); empty means all of it.
KERNELS := $(TOP)/tests/kernels/kernels.sh
export PS_CACHE ?= /var/cache/pinshadow
KVERS ?=
KVER_RUNNING := $(shell uname -r)
KDIR ?= $(wildcard /lib/modules/$(KVER_RUNNING)/build)

# Sources copied per kernel so builds for different kernels never share objects.
KSRC := VERSION Kbuild module/Kbuild tests/helper/Kbuild tests/kunit/Kbuild \
	$(wildcard module/*.[ch] tests/helper/*.[ch] tests/kunit/*.[ch] include/*.h)

# Debian's kernel source, for checkpatch.pl and kselftest_harness.h.
LINUX_SRC_TAR := $(lastword $(sort $(wildcard /usr/src/linux-source-6.12*.tar.xz)))
KTOOLS := $(BUILD)/ktools

# The host's packages: tools only.  Kernels, their headers and compilers
# live in the kernel cache (tests/kernels/).
DEB_PACKAGES := build-essential linux-source-6.12 debootstrap \
	qemu-system-x86 busybox-static cpio kmod liburing-dev sparse \
	xz-utils zstd rsync debhelper dh-dkms lintian \
	ibverbs-utils ibverbs-providers fio iproute2

.PHONY: all module install modules-all kernels deps lint style sparse check clean ktools

all: module

module:
	@test -n "$(KDIR)" || { echo "no headers for $(KVER_RUNNING): make KDIR=/path/to/build" \
		"(or make modules-all for the test kernels)" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(TOP) modules

# pinshadow.ko alone into $(DESTDIR)$(INSTALL_MOD_PATH)/lib/modules/<krel>/,
# under kbuild's directory for external modules (updates/ or extra/, by
# kernel version; INSTALL_MOD_DIR=), built again without the test modules
# whatever an earlier make built.  kbuild signs and compresses it as the
# kernel's config says (a Debian kernel's key is not in its headers: the
# signing fails, loudly and harmlessly).  kbuild skips depmod where the
# headers lack System.map (Debian's do), so it is run here: on the live
# system only, as a staging directory (a package) has no modules.dep to
# update and the target runs depmod itself.
# The release the module's vermagic names (Debian's 6.1 headers have an
# include/config/kernel.release of 6.1.x, not 6.1.0-N-amd64).
KREL_OF_KDIR = $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null)
MOD_ROOT = $(DESTDIR)$(INSTALL_MOD_PATH)
install:
	@test -n "$(KDIR)" || { echo "no headers for $(KVER_RUNNING): make install KDIR=/path/to/build" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(TOP) PS_TEST_MODULES= modules
	$(MAKE) -C $(KDIR) M=$(TOP) PS_TEST_MODULES= INSTALL_MOD_PATH=$(MOD_ROOT) \
		modules_install
	@if [ -z "$(MOD_ROOT)" ]; then depmod -a $(KREL_OF_KDIR); \
	else echo "install: not running depmod in $(MOD_ROOT): run depmod -a $(KREL_OF_KDIR) there"; fi

kernels:
	@$(KERNELS) krels $(KVERS)

# One copy of the sources per kernel under build/<krel>/src; never the
# products of an in-tree `make` (they belong to another kernel).  Built in
# the kernel's chroot, by the compiler that built the kernel.  With the test
# modules (the helper and KUnit, Kbuild): every test and the VM runner
# build through here.
modules-all:
	@set -e; for k in $$($(KERNELS) krels $(KVERS)); do \
		$(MAKE) --no-print-directory $(BUILD)/$$k/.modules; done

$(BUILD)/%/.modules: $(KSRC)
	@mkdir -p $(BUILD)/$*/src
	@rsync -a --delete --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' \
		--exclude='*.mod' --exclude='*.mod.c' --exclude='.*.d' \
		--exclude='modules.order' --exclude='Module.symvers' \
		--include='VERSION' --include='Kbuild' --include='module/***' --include='include/***' \
		--include='tests/' --include='tests/helper/***' \
		--include='tests/kunit/***' --exclude='*' \
		$(TOP)/ $(BUILD)/$*/src/
	$(KERNELS) run $* make -C $$($(KERNELS) get $* kdir) M=$(BUILD)/$*/src \
		W=$(W) C=$(C) PS_TEST_MODULES=y modules
	@touch $@

# $(call ps_install_debs,target,packages): apt-get installs the missing ones.
define ps_install_debs
	@missing=$$(for p in $(2); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
		grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "$(1): installing $$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends $$missing; \
	else echo "$(1): all packages present"; fi
endef

deps:
	$(call ps_install_debs,deps,$(DEB_PACKAGES))

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
# kbuild's *.mod.c of an in-tree build (make, make install) are not ours.
COMPAT_HDRS := $(wildcard module/compat.h tests/helper/compat.h)
style: ktools
	$(CHECKPATCH) -f $(filter-out $(COMPAT_HDRS) %.mod.c,$(wildcard module/*.[ch] \
		tests/kunit/*.c include/*.h tests/helper/*.[ch]))
	$(CHECKPATCH) --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON \
		-f $(COMPAT_HDRS)

# W=1 and sparse on every kernel; any warning fails.  7.x kbuild refuses a
# sparse without __typeof_unqual__ (Debian's 0.6.4): said, not hidden.
sparse:
	@set -e; for k in $$($(KERNELS) krels $(KVERS)); do \
		rm -f $(BUILD)/$$k/.modules; \
		$(MAKE) --no-print-directory $(BUILD)/$$k/.modules W=1 C=2 \
			2>&1 | tee $(BUILD)/$$k.lint.log; \
		if grep -E 'warning:|error:' $(BUILD)/$$k.lint.log; then \
			echo "lint: warnings on $$k" >&2; exit 1; fi; \
		if grep -q 'is not available or not up to date' $(BUILD)/$$k.lint.log; then \
			echo "lint: W=1 only on $$k: its kbuild refuses the suite's sparse" \
				"($$($(KERNELS) run $$k sparse --version)), which lacks __typeof_unqual__"; fi; \
	done

lint: style sparse

# The project's own makefiles: a missing one is an error, never silently
# fewer targets.
include tests/tests.mk
include tests/vm/vm.mk
include userspace/userspace.mk
include tests/stress/stress.mk
include tests/bench/bench.mk
include tests/pkg/pkg.mk
include tests/study/study.mk

clean:
	rm -rf $(BUILD)
	-$(MAKE) -C $(KDIR) M=$(TOP) PS_TEST_MODULES=y clean 2>/dev/null
