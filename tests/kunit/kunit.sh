#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In the test VM: load the KUnit tests of the shadow table and turn the
# KTAP their suite prints into the kernel log into plain TAP.  The module
# exists only for kernels with KUnit (the debug kernel): elsewhere, skip.

ko=/lib/pinshadow/pinshadow_kunit.ko
if [ ! -f $ko ]; then
	echo "1..0 # SKIP no KUnit in this kernel"
	exit 0
fi

dmesg -c >/dev/null
if ! insmod $ko; then
	echo "1..1"
	echo "not ok 1 kunit:insmod"
	exit 1
fi
rmmod pinshadow_kunit
# The suite's cases are indented one level: "    ok 1 name".
dmesg -r | sed -n 's/^<[0-9]*>\(\[[^]]*\] \)\{0,1\}//; s/^    \(\(not \)\{0,1\}ok [0-9]* .*\)/\1/p' >/tmp/kunit.tap
n=$(grep -c '^\(not \)\{0,1\}ok ' /tmp/kunit.tap)
if [ "$n" -eq 0 ]; then
	echo "1..1"
	echo "not ok 1 kunit:no results"
	dmesg -r | tail -n 20 | sed 's/^/# /'
	exit 1
fi
echo "1..$n"
sed 's/^\(\(not \)\{0,1\}ok [0-9]*\) /\1 kunit./' /tmp/kunit.tap
! grep -q '^not ok' /tmp/kunit.tap
