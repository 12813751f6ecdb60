#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh KVER: boot KVER in QEMU with pinshadow loaded, run
# demo-guest.sh there and print its output here as it comes.  The VM
# runner (tests/vm/) builds the initramfs and the guest's init.
set -eu

[ $# -eq 1 ] || { echo "usage: $0 KVER" >&2; exit 2; }
kver=$1
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
export BUILD=${BUILD:-$top/build}
out=$BUILD/demo/$kver
mkdir -p "$out"

progress() { printf 'demo: %s\n' "$*" >&2; }

progress "building the VM image for $kver"
if ! VM_TEST_FILES="$here/demo-guest.sh" VM_TESTS="" VM_EXTRA_MODULES="" \
	"$top/tests/vm/mkinitramfs.sh" "$kver" "$out/initrd.cpio.gz" \
	>"$out/mkinitramfs.log" 2>&1; then
	progress "building the VM image failed:"
	cat "$out/mkinitramfs.log" >&2
	exit 1
fi

progress "booting $kver under QEMU (software emulation: about 10 s to boot)"
: >"$out/tests.log"
# The guest's test output (ttyS1): only what demo-guest.sh prints, between
# its PSVM-BEGIN and PSVM-END markers; never the runner's markers nor the
# kernel log it copies into PSVM-DMESG sections (lines "<N>[ time] ...").
tail -F -n +1 "$out/tests.log" 2>/dev/null |
	sed -u -n -e '/^PSVM-DMESG-BEGIN/,/^PSVM-DMESG-END/d' \
		-e '/^PSVM-BEGIN /,/^PSVM-END /{/^PSVM-/d;/^<[0-9]*>\[/d;p}' &
tail_pid=$!
trap 'kill $tail_pid 2>/dev/null || true' EXIT
rc=0
timeout -k 10 300 qemu-system-x86_64 -accel tcg -cpu max -m 2G -smp 2 \
	-nodefaults -display none -monitor none -no-reboot \
	-serial file:"$out/console.log" -serial file:"$out/tests.log" \
	-kernel "/boot/vmlinuz-$kver" -initrd "$out/initrd.cpio.gz" \
	-append "console=ttyS0 panic=-1 oops=panic panic_on_warn=1 psvm_timeout=240" \
	</dev/null >"$out/qemu.log" 2>&1 || rc=$?
sleep 1
if ! grep -q '^PSVM-DONE' "$out/tests.log"; then
	progress "the VM did not finish (qemu exit $rc); its console: $out/console.log"
	tail -n 20 "$out/console.log" >&2
	exit 1
fi
end=$(grep -m1 '^PSVM-END demo-guest.sh' "$out/tests.log" || true)
case "$end" in
*" rc=0 "*) ;;
*)	progress "the demo script failed (${end:-no end marker}); see $out/tests.log"
	exit 1 ;;
esac
if grep -q '^PSVM-CHECK fail' "$out/tests.log"; then
	progress "the VM runner reported a problem:"
	grep '^PSVM-CHECK fail' "$out/tests.log" >&2
	exit 1
fi
progress "VM powered off; full logs in $out"
