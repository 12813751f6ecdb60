# SPDX-License-Identifier: GPL-2.0
#
# The study, included by the top-level Makefile.  See tests/study/README.md.
#
#   make study [STUDY_KVERS="6.1 6.12 7.3"]
#        every workload (tests/study/guest.sh) on each kernel, with the
#        audit on; prints one table (build/study/table) of the policies'
#        fork decisions and the verdicts truth table per workload and kernel.

STUDY_DIR := $(TOP)/tests/study
STUDY_BUILD := $(BUILD)/study
# The stock kernels of the matrix.
STUDY_KVERS ?= 6.1 6.12 7.3
STUDY_PROG := $(STUDY_BUILD)/psstudy
STUDY_COW := $(STUDY_BUILD)/cow

.PHONY: study

$(STUDY_PROG): $(STUDY_DIR)/psstudy.c $(PS_TEST_DEPS)
	@mkdir -p $(@D)
	$(PS_TEST_CC) $(PS_TEST_CFLAGS) -o $@ $< $(PS_TEST_LIB)

# The kernel's COW selftest from linux-source-6.12, static, against that
# tree's UAPI headers (newer than the host's: PAGEMAP_SCAN) and liburing.
$(STUDY_COW): $(LINUX_SRC_TAR) $(STUDY_DIR)/study.mk
	@test -n "$(LINUX_SRC_TAR)" || { echo "linux-source-6.12 missing: make deps" >&2; exit 1; }
	@rm -rf $(STUDY_BUILD)/linux $(STUDY_BUILD)/uapi && mkdir -p $(STUDY_BUILD)/linux
	tar -xJf $(LINUX_SRC_TAR) -C $(STUDY_BUILD)/linux --strip-components=1
	MAKEFLAGS= $(MAKE) -s -C $(STUDY_BUILD)/linux headers_install ARCH=x86 \
		INSTALL_HDR_PATH=$(STUDY_BUILD)/uapi
	cd $(STUDY_BUILD)/linux/tools/testing/selftests/mm && \
		echo '#define LOCAL_CONFIG_HAVE_LIBURING 1' >local_config.h && \
		$(CC) -static -O2 -Wall -U_FORTIFY_SOURCE -isystem $(STUDY_BUILD)/uapi/include \
			-o $@ cow.c vm_util.c thp_settings.c -luring
	@rm -rf $(STUDY_BUILD)/linux

# The real clients' tests of the suite, run as workloads.
STUDY_CLIENTS := $(PS_TEST_BIN)/pin_rdma $(PS_TEST_BIN)/pin_fio

study: $(STUDY_PROG) $(STUDY_COW) $(STUDY_CLIENTS) $(VM_OVERLAY)
	@ks=$$($(KERNELS) krels $(STUDY_KVERS)) || exit 1; \
	for k in $$ks; do $(MAKE) --no-print-directory $(BUILD)/$$k/.modules >&2 || exit 1; done; \
	$(MAKE) --no-print-directory userspace >&2 && \
	BUILD='$(BUILD)' VM_BINS='$(strip $(US_BINS) $(STUDY_PROG))' \
	STUDY_FILES='$(STUDY_CLIENTS)' VM_OVERLAY='$(VM_OVERLAY)' \
		$(STUDY_DIR)/run.sh $(STUDY_KVERS)
