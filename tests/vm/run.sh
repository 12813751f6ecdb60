#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh KVER
#
# Boots KVER, a kernel of the matrix (tests/kernels/), under QEMU (qemu.sh)
# with the test initramfs, then prints one PASS/FAIL/SKIP line per result and writes
# build/vm/KVER/{console.log,tests.log,results,summary}.  Exits non-zero on
# any failure; a VM that panics, hangs or stops early is always a failure.
#
# Environment:
#   VM_TIMEOUT        seconds for the whole VM run (default 900)
#   VM_TEST_TIMEOUT   seconds for one test binary in the guest (default 300)
#   VM_APPEND         more kernel command line
#   VM_WARN           panic (default: panic_on_warn=1) or continue
#   VM_KERNEL, VM_MEM, VM_SMP, VM_CPU, VM_ACCEL: see qemu.sh
#   VM_VERBOSE=1      also copy the guest's output to stdout as it runs
#   BUILD, VM_TEST_FILES, VM_TESTS_DIR, VM_TESTS, VM_BINS, VM_EXTRA_MODULES:
#                     see mkinitramfs.sh
set -eu

. "$(dirname "$0")/lib.sh"
ps_need_args 1 KVER "$@"
kver=$1
out=$BUILD/vm/$kver
vm_timeout=${VM_TIMEOUT:-900}
# KASAN, lockdep and kmemleak under TCG: everything takes several times
# longer on the debug kernel.
if [ "$("$top/tests/kernels/kernels.sh" get "$kver" flavour 2>/dev/null)" = debug ]; then
	vm_timeout=${VM_TIMEOUT:-3000}
	export VM_TEST_TIMEOUT=${VM_TEST_TIMEOUT:-1200}
	export VM_MEM=${VM_MEM:-3G}
fi

mkdir -p "$out"
rm -f "$out"/{console.log,tests.log,qemu.log,results,summary}

# Counts the result lines of $out/results into $out/summary.
summarize() {
	local kind
	for kind in PASS FAIL SKIP; do
		grep -c "^$kind " "$out/results" || true
	done | {
		read -r p; read -r f; read -r s
		printf 'passed %d\nfailed %d\nskipped %d\n' "$p" "$f" "$s" >"$out/summary"
		echo "vm $kver: passed $p, failed $f, skipped $s (details: $out)"
		[ "$f" -eq 0 ]
	}
}

# Something missing on the host: one failure, no VM.
fail_early() {
	echo "FAIL $kver vm:$1 ($2)" | tee "$out/results"
	summarize
}

if ! "$top/tests/kernels/kernels.sh" get "$kver" vmlinuz >/dev/null; then
	fail_early boot "$kver is not in the kernel cache (make kernels)"
	exit 1
fi
if ! "$here/mkinitramfs.sh" "$kver" "$out/initrd.cpio.gz"; then
	fail_early initramfs "mkinitramfs.sh failed"
	exit 1
fi

# A WARN is a failure, and a loud one: it panics the VM (the run then stops
# and is reported as vm:finish).  VM_WARN=continue charges it to the test
# binary instead and keeps going, for debugging one.
append="console=ttyS0 panic=-1 oops=panic psvm_timeout=${VM_TEST_TIMEOUT:-300}"
[ "${VM_WARN:-panic}" = continue ] || append="$append panic_on_warn=1"
append="$append ${VM_APPEND:-}"

# ttyS0 is the kernel's console, ttyS1 the guest's test output (see init).
# -no-reboot turns the reboot of panic=-1 into QEMU exiting at once.
echo "vm $kver: booting (timeout ${vm_timeout} s)"
tail_pid=
if [ "${VM_VERBOSE:-0}" = 1 ]; then
	: >"$out/tests.log"
	tail -F -n +1 "$out/tests.log" 2>/dev/null &
	tail_pid=$!
fi
start=$(date +%s)
qemu_rc=0
"$here/qemu.sh" "$kver" "$out/initrd.cpio.gz" "$out" "$vm_timeout" "$append" ||
	qemu_rc=$?
secs=$(( $(date +%s) - start ))
echo "vm $kver: VM ran ${secs} s"
touch "$out/console.log" "$out/tests.log"

awk -v kver="$kver" -f "$here/parse.awk" "$out/tests.log" >"$out/results"

# A listed test that was not built never reaches the guest: still a failure.
for t in ${VM_TEST_FILES:-}; do
	name=${t##*/}
	[ -z "${VM_TESTS:-}" ] || [[ " $VM_TESTS " == *" $name "* ]] || continue
	[ -f "$t" ] || echo "FAIL $kver $name:run (not built: no $t)"
done >>"$out/results"
grep -aq '^PSVM-BEGIN' "$out/tests.log" ||
	echo "FAIL $kver vm:tests (no test binary ran)" >>"$out/results"

# The VM as a whole: it must have started init and reached PSVM-DONE, and
# QEMU must have exited by itself with no panic on the kernel console.
panic=$(grep -a -m1 'Kernel panic' "$out/console.log" | tr -d '\r' || true)
if grep -aq '^PSVM-START' "$out/tests.log"; then
	echo "PASS $kver vm:boot" >>"$out/results"
else
	echo "FAIL $kver vm:boot (init never started)" >>"$out/results"
fi
if [ $qemu_rc -eq 124 ] || [ $qemu_rc -eq 137 ]; then
	why="timed out after ${vm_timeout} s"
elif [ -n "$panic" ]; then
	why="${panic#*] }"
elif [ $qemu_rc -ne 0 ]; then
	why="qemu exited with $qemu_rc: $(tail -n1 "$out/qemu.log")"
elif ! grep -aq 'PSVM-DONE' "$out/tests.log"; then
	why="the guest stopped before PSVM-DONE"
else
	why=
fi
if [ -z "$why" ]; then
	echo "PASS $kver vm:finish" >>"$out/results"
else
	{
		echo "FAIL $kver vm:finish ($why)"
		echo "    | last lines of $out/console.log:"
		tail -n 80 "$out/console.log" | tr -d '\r' | sed 's/^/    | /'
	} >>"$out/results"
fi

if [ -n "$tail_pid" ]; then
	kill "$tail_pid" 2>/dev/null || true
fi
cat "$out/results"
summarize
