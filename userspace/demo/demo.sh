#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh KVER: boot KVER in QEMU with pinshadow loaded, run
# demo-guest.sh there and print its output here as it comes, with the
# QEMU settings of the tests (tests/vm/script.sh, qemu.sh).
set -eu

. "$(dirname "$0")/../../tests/vm/lib.sh"
ps_need_args 1 KVER "$@"
kver=$1
out=$BUILD/demo/$kver
mkdir -p "$out"

progress() { printf 'demo: %s\n' "$*" >&2; }

progress "booting $kver under QEMU (software emulation: about 10 s to boot)"
rc=0
SCRIPT_OUT=$out VM_TIMEOUT=300 "$top/tests/vm/script.sh" "$kver" "$here/demo-guest.sh" || rc=$?
if [ $rc -ne 0 ]; then
	progress "the demo failed (exit $rc); logs in $out"
	exit 1
fi
if grep -q '^PSVM-CHECK fail' "$out/tests.log"; then
	progress "the VM runner reported a problem; logs in $out"
	exit 1
fi
progress "VM powered off; full logs in $out"
