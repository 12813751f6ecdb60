#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In the VM (busybox sh, make pkg-vm-test, which make check runs): the
# pinshadow.ko that DKMS built in pkg-test, in /files, loaded in place of
# the one the VM booted with.  It reports the version in /files/VERSION,
# the package's CLI sees it loaded, and it unloads.  One PASS/FAIL line
# per check; exits 1 on any FAIL.
set -u

v=$(cat /files/VERSION)
rc=0
ok() { echo "PASS pkg-vm $1"; }
no() { echo "FAIL pkg-vm $1"; rc=1; }

# The helper does not use pinshadow's symbols: only pinshadow goes.
rmmod pinshadow || { no "rmmod of the booted module"; exit 1; }
if insmod /files/pinshadow.ko; then ok insmod; else no insmod; exit 1; fi
if [ "$(cat /sys/module/pinshadow/version)" = "$v" ]; then
	ok modinfo-version
else
	no modinfo-version
fi
# The package's CLI, as the package installed it: dynamically linked, so
# it runs under the glibc it was built against (its libraries and loader
# came along in /files; the guest's root has no libc).
pkgcli() { /files/ld-linux-x86-64.so.2 --library-path /files /files/pinshadow "$@"; }
pkgcli status >/tmp/status 2>&1
if grep -q "pinshadow $v loaded" /tmp/status; then
	ok cli-status
else
	cat /tmp/status
	no cli-status
fi
if [ "$(pkgcli status --stat version)" = "$v" ]; then
	ok stats-version
else
	no stats-version
fi
pkgcli --version >/tmp/version 2>&1
if grep -q "^module  *pinshadow $v, ABI" /tmp/version; then
	ok cli-version
else
	cat /tmp/version
	no cli-version
fi
if rmmod pinshadow; then ok rmmod; else no rmmod; fi
# The runner wants the module it booted with back.
insmod /lib/pinshadow/pinshadow.ko ${PINSHADOW_PARAMS:-} || no "insmod of the booted module"
exit $rc
