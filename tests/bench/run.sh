#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh KVER
#
# One benchmark boot of KVER under QEMU TCG (never KVM), then the table.
# The initramfs is the VM runner's (tests/vm/mkinitramfs.sh: busybox, the
# pinshadow modules, tests/vm/init) with two archives appended: bpftrace and
# perf with their libraries (mkoverlay.sh tools), and the benchmark's own
# files (mkoverlay.sh bench), whose guest.sh is the only test init runs.
#
# Writes build/bench/KVER/: console.log (ttyS0), tests.log (ttyS1, what
# guest.sh prints), raw (its BENCH lines), results.txt (the table).
#
# Environment:
#   BENCH_REPS (7), BENCH_MS (200), BENCH_FORKS (3),
#   BENCH_SCALE_PAGES (2000000), BENCH_SECTIONS ("pin diag fork mem scale"),
#   BENCH_PERF (0), BENCH_PERF_STATES: passed to guest.sh, see there
#   BENCH_MEM (12G), BENCH_SMP (2), BENCH_CPU (max,-erms): the VM
#   BENCH_TIMEOUT (1500): seconds for the whole VM run
#   BENCH_VERBOSE=1: stream the guest's output while it runs
set -eu

[ $# -eq 1 ] || { echo "usage: $0 KVER" >&2; exit 2; }
kver=$1
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
export BUILD=${BUILD:-$top/build}
out=$BUILD/bench/$kver
kernel=$("$top/tests/kernels/kernels.sh" get "$kver" vmlinuz)
tools=$BUILD/bench/tools.cpio.zst
vm_timeout=${BENCH_TIMEOUT:-1500}
# Without ERMS: TCG runs "rep stosb" one byte per iteration, and with ERMS
# the kernel clears every page with it, which makes page allocation, THP
# faults and pinshadow's block allocation 20-50 times dearer, relative to
# everything else, than on hardware.  The kernel then uses rep stosq.
cpu=${BENCH_CPU:-max,-erms}

[ -r "$kernel" ] || { echo "bench: no kernel image $kernel" >&2; exit 1; }
[ -f "$tools" ] || { echo "bench: $tools missing: make bench" >&2; exit 1; }
mkdir -p "$out"
rm -f "$out"/{console.log,tests.log,qemu.log,raw,results.txt}

# The runner's initramfs with no test of its own and no extra module.
empty=$(mktemp -d)
trap 'rm -rf "$empty"' EXIT
# (Without extra modules it complains of a missing list file: harmless.)
VM_TESTS_DIR=$empty VM_EXTRA_MODULES='' VM_TEST_FILES='' VM_BINS='' \
	"$top/tests/vm/mkinitramfs.sh" "$kver" "$out/base.cpio.gz" \
	>/dev/null 2> >(grep -v 'modules-extra/list' >&2)
"$here/mkoverlay.sh" bench "$kver" "$out/bench.cpio.zst"
cat "$out/base.cpio.gz" "$tools" "$out/bench.cpio.zst" >"$out/initrd.img"

append="console=ttyS0 panic=-1 oops=panic psvm_timeout=$vm_timeout"
append="$append bench_reps=${BENCH_REPS:-7} bench_ms=${BENCH_MS:-200}"
append="$append bench_forks=${BENCH_FORKS:-3}"
append="$append bench_scale_pages=${BENCH_SCALE_PAGES:-2000000}"
append="$append bench_perf=${BENCH_PERF:-0}"
[ -z "${BENCH_PERF_STATES:-}" ] ||
	append="$append bench_perf_states=$(echo "$BENCH_PERF_STATES" | tr -s ' ' ,)"
# No spaces inside one kernel parameter: the sections are comma separated.
sections=${BENCH_SECTIONS:-pin diag fork mem scale}
append="$append bench_sections=$(echo "$sections" | tr -s ' ' ,)"

echo "bench $kver: booting QEMU TCG -cpu $cpu, ${BENCH_MEM:-12G}, ${BENCH_SMP:-2} CPUs" \
	"(timeout ${vm_timeout} s)"
tail_pid=
: >"$out/tests.log"
if [ "${BENCH_VERBOSE:-0}" = 1 ]; then
	tail -F -n +1 "$out/tests.log" 2>/dev/null &
	tail_pid=$!
fi
start=$(date +%s)
qemu_rc=0
# Multi-threaded TCG (the 2-thread figures need it): safe here, probes are
# armed and disarmed only while nothing pins (tests/vm/run.sh).
timeout -k 10 "$vm_timeout" qemu-system-x86_64 -accel tcg \
	-cpu "$cpu" -m "${BENCH_MEM:-12G}" -smp "${BENCH_SMP:-2}" \
	-nodefaults -display none -monitor none -no-reboot \
	-serial file:"$out/console.log" -serial file:"$out/tests.log" \
	-kernel "$kernel" -initrd "$out/initrd.img" -append "$append" \
	</dev/null >"$out/qemu.log" 2>&1 || qemu_rc=$?
secs=$(( $(date +%s) - start ))
[ -z "$tail_pid" ] || kill "$tail_pid" 2>/dev/null || true
echo "bench $kver: VM ran ${secs} s (qemu exit $qemu_rc)"

grep -a '^BENCH' "$out/tests.log" | tr -d '\r' >"$out/raw" || true
# What init itself found wrong (dmesg of the run, module reload, taint).
grep -a '^PSVM-CHECK fail' "$out/tests.log" | tr -d '\r' |
	sed 's/^PSVM-CHECK fail /BENCH vmcheck /' >>"$out/raw" || true
status=ok
if [ $qemu_rc -eq 124 ] || [ $qemu_rc -eq 137 ]; then
	status="VM timed out after ${vm_timeout} s"
elif grep -aq 'Kernel panic' "$out/console.log"; then
	status="kernel panic: $(grep -a -m1 'Kernel panic' "$out/console.log" | tr -d '\r')"
elif ! grep -aq '^BENCH-DONE' "$out/tests.log"; then
	status="the guest stopped before BENCH-DONE"
fi
echo "BENCH status $status" >>"$out/raw"
echo "BENCH vmsecs $secs" >>"$out/raw"

awk -v kver="$kver" -v vm="-cpu $cpu, ${BENCH_MEM:-12G}, ${BENCH_SMP:-2} vCPUs" -f "$here/report.awk" "$out/raw" | tee "$out/results.txt"
if [ "$status" != ok ]; then
	echo "bench $kver: $status; last lines of $out/console.log:" >&2
	tail -n 30 "$out/console.log" | tr -d '\r' >&2
	exit 1
fi
