# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages, included by the top-level Makefile.
#
#   make pkg            pinshadow-dkms and pinshadow in build/pkg/, built by
#                       dpkg-buildpackage from a copy of the tree, with the
#                       source package (what lintian checks of debian/)
#   make pkg-lintian    lintian on them: any tag, even pedantic, fails
#                       (experimental ones are not asked for: they come and
#                       go between lintian versions)
#   make pkg-test       both, then pkg-test-run
#   make pkg-test-run   install, build with DKMS for PKG_KVERS, use and purge
#                       them in a throwaway overlay of the kernels' chroot
#                       (tests/pkg/pkg-test.sh); "N passed, N failed"
#   make pkg-vm-test    after pkg-test-run: the modules DKMS built, loaded in
#                       a VM of their kernel and used by the package's CLI
#                       (tests/pkg/vm-load.sh); "PASS pkg-vm"/"FAIL pkg-vm"

PKG_DIR := $(BUILD)/pkg
PKG_VERSION = $(shell cat $(TOP)/VERSION)
# Kernels of the matrix DKMS builds for; one chroot per suite.
PKG_KVERS ?= 6.1 6.12

.PHONY: pkg pkg-lintian pkg-test pkg-test-run pkg-vm-test

# A copy, so that the package's clean never touches the work tree: the
# files git tracks (as they are in the work tree), or without git the tree
# less what .gitignore names.  No build directory, whatever BUILD says.
pkg:
	@rm -rf $(PKG_DIR) && mkdir -p $(PKG_DIR)
	@if git -C $(TOP) rev-parse --git-dir >/dev/null 2>&1; then \
		git -C $(TOP) ls-files -z | rsync -a --from0 --files-from=- \
			$(TOP)/ $(PKG_DIR)/pinshadow-$(PKG_VERSION)/; \
	else rsync -a --exclude=/build/ --exclude=/.git --filter=':- .gitignore' \
		$(TOP)/ $(PKG_DIR)/pinshadow-$(PKG_VERSION)/; fi
	@start=$$(date +%s); \
	if (cd $(PKG_DIR)/pinshadow-$(PKG_VERSION) && \
		dpkg-buildpackage -us -uc) >$(PKG_DIR)/build.log 2>&1; then \
		echo "pkg: built in $$(( $$(date +%s) - start )) s:" \
			$$(cd $(PKG_DIR) && ls *.deb); \
	else tail -n 30 $(PKG_DIR)/build.log; \
		echo "pkg: dpkg-buildpackage failed (log: $(PKG_DIR)/build.log)" >&2; exit 1; fi

# As root lintian says so on stderr, and nothing else there.
pkg-lintian:
	@lintian --fail-on error,warning,info,pedantic -I --pedantic \
		$(PKG_DIR)/pinshadow_$(PKG_VERSION)_amd64.changes \
		2> >(grep -v 'running with root privileges' >&2) | tee $(PKG_DIR)/lintian.log; \
	rc=$${PIPESTATUS[0]}; \
	if [ $$rc -ne 0 ] || [ -s $(PKG_DIR)/lintian.log ]; then \
		echo "pkg-lintian: tags above (exit $$rc)" >&2; exit 1; fi; \
	echo "pkg-lintian: no tags"

pkg-test: pkg pkg-lintian
	@$(MAKE) --no-print-directory pkg-test-run

pkg-test-run:
	@ks=$$($(KERNELS) krels $(PKG_KVERS)) || exit 1; \
	$(TOP)/tests/pkg/pkg-test.sh $(PKG_DIR) $$ks

# The package's CLI comes out of its .deb with the libraries ldd names and
# the loader (the files their links name), all flat in the guest's /files;
# vm-load.sh runs it through the loader: the guest has no libc of its own.
PKG_CLI_DIR := $(PKG_DIR)/cli

pkg-vm-test:
	@set -e; rm -rf $(PKG_CLI_DIR) && mkdir -p $(PKG_CLI_DIR)/root; \
	dpkg-deb -x $(PKG_DIR)/pinshadow_$(PKG_VERSION)_amd64.deb $(PKG_CLI_DIR)/root; \
	cli=$$(find $(PKG_CLI_DIR)/root -type f -name pinshadow -perm -u+x | head -n 1); \
	test -n "$$cli" || { echo "pkg-vm-test: no pinshadow program in the package" >&2; exit 1; }; \
	files="$$cli"; \
	for lib in $$(ldd "$$cli" | awk '$$2 == "=>" && $$3 ~ /^\// { print $$3 } \
		$$1 ~ /^\// { print $$1 }'); do files="$$files $$(readlink -f $$lib)"; done; \
	set -o pipefail; rc=0; for k in $$($(KERNELS) krels $(PKG_KVERS)); do \
		if [ ! -f $(PKG_DIR)/ko/$$k/pinshadow.ko ]; then \
			echo "FAIL pkg-vm $$k: no DKMS build (make pkg-test first)"; rc=1; continue; fi; \
		$(MAKE) --no-print-directory vm KVER=$$k RUN=$(TOP)/tests/pkg/vm-load.sh \
			FILES="$(PKG_DIR)/ko/$$k/pinshadow.ko $(TOP)/VERSION $$files" | \
			sed -u "s/^\(PASS\|FAIL\) pkg-vm /&$$k:/" || rc=1; \
	done; exit $$rc
