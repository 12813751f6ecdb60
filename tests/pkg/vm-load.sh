#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In the VM (busybox sh, make pkg-vm-test): the pinshadow.ko that DKMS
# built in pkg-test, in /files, loaded in place of the one the VM booted
# with.  It reports the version in /files/VERSION, the CLI sees it loaded,
# and it unloads.  One PASS/FAIL line per check; exits 1 on any FAIL.
set -u

v=$(cat /files/VERSION)
D=/sys/kernel/debug/pinshadow
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
if grep -qx "version $v" $D/stats; then ok stats-version; else no stats-version; fi
# The guest's CLI is the static one (the package's needs glibc).
pinshadow status >/tmp/status 2>&1
if grep -q "pinshadow $v loaded" /tmp/status; then
	ok cli-status
else
	cat /tmp/status
	no cli-status
fi
if rmmod pinshadow; then ok rmmod; else no rmmod; fi
exit $rc
